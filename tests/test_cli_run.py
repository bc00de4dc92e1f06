"""``gistool run`` / ``demo``: exit codes, dry run, and runs killed mid-way."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyogrio
import pytest
from _pipeline_fixtures import make_province, output_hashes, single_area
from click.testing import CliRunner

from gistool.cli.main import cli, main
from gistool.errors import ConfigError

pytestmark = pytest.mark.slow

CMD = [sys.executable, "-c", "from gistool.cli.main import main; main()"]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cli")
    prov = make_province(root / "province", n=1)
    return single_area(prov, root / "project")


def exit_code(args: list[str]) -> int:
    with pytest.raises(SystemExit) as info:
        main(args)
    return int(info.value.code or 0)


def test_exit_codes(project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                    monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    # 2: a bad configuration, one line naming the key
    bad = project.parent / "bad.toml"
    bad.write_text(project.read_text(encoding="utf-8") + "[units]\nsize = 1\n", encoding="utf-8")
    assert exit_code(["run", str(bad), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "'units.size'" in err
    assert not out.exists()
    # 2: a missing configuration file
    assert exit_code(["run", str(tmp_path / "none.toml")]) == 2
    capsys.readouterr()
    # 0: a good run (main returns normally)
    assert main(["-q", "run", str(project), "--out", str(out)]) is None
    assert (out / "zoning.gpkg").exists()
    # 1: an internal error, reported in one line
    from gistool.pipeline import stages

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(stages, "zoning_stage", broken)
    assert exit_code(["run", str(project), "--out", str(out), "--stages", "zoning",
                      "--force"]) == 1
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: boom" in err
    # 2: unknown stage name
    assert exit_code(["run", str(project), "--stages", "load,paint"]) == 2
    assert "paint" in capsys.readouterr().err


def test_dry_run_lists_cached_and_pending(project: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "dry"
    res = runner.invoke(cli, ["run", str(project), "--out", str(out), "--dry-run"])
    assert res.exit_code == 0, res.output
    lines = [ln.split() for ln in res.output.splitlines()[1:]]
    assert [ln[0] for ln in lines] == [
        "load", "validate", "overlay", "network", "risk", "zoning", "outputs"
    ]
    assert all(ln[1] == "to" for ln in lines)
    assert not out.exists()  # nothing written


def test_workers_and_scheduler_exclusive() -> None:
    from gistool.cli.run import run

    with pytest.raises(ConfigError, match="not both"):
        run.main(["x.toml", "--workers", "2", "--scheduler", "tcp://h:1"],
                 standalone_mode=False)


def _check_intact(out: Path, old: dict[str, str], new: dict[str, str]) -> None:
    now = output_hashes(out)
    for rel, digest in now.items():
        if rel.endswith(".html") and digest not in (old.get(rel), new.get(rel)):
            # the embedded font subset carries a save timestamp (reported): the
            # new file must at least be complete
            text = (out / rel).read_text(encoding="utf-8")
            assert text.rstrip().endswith("</html>"), f"{rel} is truncated"
            continue
        assert digest in (old.get(rel), new.get(rel)), f"{rel} is neither old nor new"
    for rel in old:
        assert rel in now, f"{rel} disappeared"
    layers = [r[0] for r in pyogrio.list_layers(out / "zoning.gpkg")]
    assert "villages" in layers
    assert len(pyogrio.read_dataframe(out / "zoning.gpkg", layer="villages")) > 0


def test_killed_run_leaves_previous_outputs_whole(project: Path, tmp_path: Path) -> None:
    """SIGKILL at several moments: each output is the old or the new complete file."""
    work = tmp_path / "work"
    shutil.copytree(project.parent, work, ignore=shutil.ignore_patterns("out*"))
    job = work / "job.toml"
    # every kind of output, the web map and the report included
    text = job.read_text(encoding="utf-8")
    head, _, _ = text.partition("[output]")
    job.write_text(head + '[output]\nformats = ["gpkg", "tif", "csv", "xlsx", "png", "html"]\n',
                   encoding="utf-8")
    out = work / "out"
    ref = work / "ref"
    subprocess.run([*CMD, "-q", "run", str(job), "--out", str(out)], check=True)
    old = output_hashes(out)
    # the new version of the job: other weights change every output
    job.write_text(job.read_text(encoding="utf-8") + '[weights]\nmethod = "entropy"\n',
                   encoding="utf-8")
    t0 = time.perf_counter()
    subprocess.run([*CMD, "-q", "run", str(job), "--out", str(ref)], check=True)
    full = time.perf_counter() - t0
    new = output_hashes(ref)
    assert {"map.html", "report.html", "zoning.gpkg"} <= set(new)
    assert set(new) == set(old)
    assert new != old
    for frac in (0.3, 0.55, 0.75, 0.9):
        proc = subprocess.Popen([*CMD, "-q", "run", str(job), "--out", str(out), "--force"])
        time.sleep(full * frac)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        _check_intact(out, old, new)
    subprocess.run([*CMD, "-q", "run", str(job), "--out", str(out)], check=True)
    final = output_hashes(out)
    html = [k for k in new if k.endswith(".html")]
    assert {k: v for k, v in final.items() if k not in html} == {
        k: v for k, v in new.items() if k not in html
    }
    assert not [p for p in out.iterdir() if p.name.startswith((".staging", ".zoning"))]


def test_demo_prints_where_the_outputs_are(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo command on a small area (the full Changge demo is run by ``make demo``)."""
    prov = make_province(tmp_path / "province", n=1)
    job = single_area(prov, tmp_path / "p")
    monkeypatch.setattr("gistool.config.demo_config_path", lambda: job)
    runner = CliRunner()
    res = runner.invoke(cli, ["demo", "--out", str(tmp_path / "demo")])
    assert res.exit_code == 0, res.output
    assert "zoning.gpkg" in res.output
    assert str(tmp_path / "demo") in res.output
    res2 = runner.invoke(cli, ["demo", "--out", str(tmp_path / "demo")])
    assert "outputs cached" in res2.output


def test_full_changge_demo_and_cached_rerun(tmp_path: Path) -> None:
    """`gistool demo` on the whole embedded Changge data, twice: the second only checks."""
    out = tmp_path / "changge"
    t0 = time.perf_counter()
    first = subprocess.run([*CMD, "demo", "--out", str(out)], check=True,
                           capture_output=True, text=True)
    t_first = time.perf_counter() - t0
    for name in ("zoning.gpkg", "risk_index.tif", "map.html", "report.html",
                 "provenance.json", "tables/village_ranking.xlsx",
                 "maps/risk_zoning.png", "maps/risk_zoning.pdf"):
        assert (out / name).is_file(), name
    assert "zoning.gpkg" in first.stdout
    layers = {r[0] for r in pyogrio.list_layers(out / "zoning.gpkg")}
    assert {"townships", "villages", "grid", "zones", "enterprises", "reachability",
            "isochrones", "critical_links", "routes"} <= layers
    assert len(pyogrio.read_dataframe(out / "zoning.gpkg", layer="villages")) == 398
    before = output_hashes(out)
    t0 = time.perf_counter()
    second = subprocess.run([*CMD, "demo", "--out", str(out)], check=True,
                            capture_output=True, text=True)
    t_second = time.perf_counter() - t0
    assert second.stdout.count(" cached ") == 7
    assert output_hashes(out) == before
    assert t_second * 10 <= t_first, (t_first, t_second)


def test_bad_input_data_exits_2_and_keeps_outputs(project: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    work = tmp_path / "work"
    shutil.copytree(project.parent, work, ignore=shutil.ignore_patterns("out*"))
    job, out = work / "job.toml", work / "out"
    assert main(["-q", "run", str(job), "--out", str(out)]) is None
    before = output_hashes(out)
    capsys.readouterr()
    # a truncated GeoPackage
    vil = work / "data" / "villages.gpkg"
    vil.write_bytes(vil.read_bytes()[:5000])
    assert exit_code(["-q", "run", str(job), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "villages.gpkg" in err
    assert output_hashes(out) == before
    # a village layer whose codes are not 12 digits: refused by validation, naming the column
    import pyogrio

    shutil.copyfile(project.parent / "data" / "villages.gpkg", vil)
    gdf = pyogrio.read_dataframe(vil)
    gdf["code"] = "12345"
    from gistool.io import write_layer

    write_layer(gdf, vil, layer="villages", keep_layers=False)
    assert exit_code(["-q", "run", str(job), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "code" in err
    assert output_hashes(out) == before
