"""Every catalogue case through the Python API, ``gistool validate`` and ``gistool run``.

A good project is run once (module fixture) and its outputs hashed; every bad
case is then run against the **same** ``--out`` and the hashes compared: a
refused or repaired input never touches the previous outputs.
"""

from __future__ import annotations

import logging
import re
import warnings
from pathlib import Path

import pytest
from _pipeline_fixtures import make_province, output_hashes, single_area

from bad_inputs.catalogue import CASES, BadInput, Base, Case
from gistool.errors import GistoolWarning, UserFacingError

pytestmark = pytest.mark.slow

#: Layers validated without the boundary (they may extend beyond it), as in the pipeline.
NO_BOUNDARY = ("boundary", "roads", "rivers", "facilities")
LAYER_KINDS = (
    "boundary", "townships", "villages", "enterprises", "facilities", "roads", "rivers",
    "geohazard_points", "geohazard_zones",
)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Base, Path, dict[str, str]]:
    """The good project, its output directory after one complete run, and its hashes."""
    root = tmp_path_factory.mktemp("bad_inputs")
    prov = make_province(root / "province", n=1)
    job = single_area(prov, root / "project", formats=("gpkg", "tif", "csv", "xlsx"))
    out = root / "project" / "out"
    code, _, _ = cli(["-q", "run", str(job), "--out", str(out)], None)
    assert code == 0
    hashes = output_hashes(out)
    assert "zoning.gpkg" in hashes
    return Base(job.parent, job), out, hashes


def case_config(base: Base, c: Case, inp: BadInput) -> Path:
    """The good configuration with the case's input swapped in (config cases: their own)."""
    if c.kind == "config":
        return inp.path
    rel = inp.path.relative_to(base.root).as_posix()
    text = base.job.read_text(encoding="utf-8")
    if c.kind == "flood_depth":
        text = text.replace('100 = "data/flood_100.tif"', f'100 = "{rel}"')
    else:
        section = f'[layers.{c.kind}]\npath = "data/{c.kind}.gpkg"\n'
        options = "".join(f"{k} = {_toml(v)}\n" for k, v in inp.options.items())
        new = f'[layers.{c.kind}]\npath = "{rel}"\n{options}'
        text = text.replace(section, new) if section in text else text.replace(
            "[rasters.flood_depth]", f"{new}[rasters.flood_depth]")
    p = base.root / f"case_{c.name}.toml"
    p.write_text(text, encoding="utf-8")
    return p


def _toml(v: object) -> str:
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_toml(k)} = {_toml(x)}" for k, x in v.items()) + " }"
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(v)


def build(base: Base, c: Case) -> BadInput:
    return c.build(base, base.root / "cases" / c.name)


def api_outcome(
    base: Base, c: Case, inp: BadInput, out: Path
) -> tuple[Exception | None, list[warnings.WarningMessage], object]:
    """Run the case through the Python API: the exception, the warnings, the result.

    The result is ``(gdf, report)`` for a layer check, the ``RunResult`` of a run.
    """
    import gistool

    result: object = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            if c.kind in LAYER_KINDS and c.api == "layer":
                gdf = gistool.read_layer(inp.path, kind=c.kind, **inp.options)
                boundary = None if c.kind in NO_BOUNDARY else base.layer("boundary")
                rep = gistool.validate_layer(gdf, c.kind, boundary=boundary)
                result = (gdf, rep)
                rep.raise_for_errors()
            else:
                result = gistool.run(case_config(base, c, inp), out=out, stages=c.stages)
        except Exception as exc:  # the outcome under test
            return exc, list(caught), result
    return None, list(caught), result


def _found(pattern: str, texts: list[str]) -> bool:
    return any(re.search(pattern, t, flags=re.IGNORECASE | re.DOTALL) for t in texts)


def check_api(base: Base, c: Case, inp: BadInput, out: Path) -> None:
    exc, caught, result = api_outcome(base, c, inp, out)
    shown = [(w.category.__name__, str(w.message)) for w in caught]
    if c.outcome == "refused":
        assert exc is not None, f"{c.name}: accepted; warnings: {shown}"
        assert isinstance(exc, c.expected), f"{c.name}: {type(exc).__name__}: {exc}"
        assert isinstance(exc, UserFacingError)
        assert "\n" not in str(exc), str(exc)
        assert _found(c.match, [str(exc)]), f"{c.name}: {exc}"
        return
    assert exc is None, f"{c.name}: {type(exc).__name__}: {exc}"
    gistool_warnings = [w for w in caught if issubclass(w.category, GistoolWarning)]
    if c.outcome == "repaired":
        texts = [str(w.message) for w in caught if issubclass(w.category, c.expected)]
        assert _found(c.match, texts), f"{c.name}: {shown}"
    elif c.outcome == "flagged":
        assert not gistool_warnings, shown
        _, rep = result
        assert _found(c.match, rep.findings["message"].tolist()), str(rep)
    else:  # accepted
        assert not gistool_warnings, shown
        if c.check is not None:
            c.check(base, result[0])


def cli(args: list[str], capsys: pytest.CaptureFixture[str] | None) -> tuple[int, str, str]:
    """Run ``gistool ARGS`` in this process; exit code, stdout, stderr (with ``capsys``)."""
    from gistool.cli.main import main

    loggers = [logging.getLogger(), logging.getLogger("gistool")]
    saved = [(lg, list(lg.handlers), lg.propagate, lg.level) for lg in loggers]
    for lg in loggers[1:]:
        # a handler left by an earlier call would write to a closed capture stream
        for h in lg.handlers[:]:
            lg.removeHandler(h)
    with warnings.catch_warnings():
        # the CLI shows warnings on stderr; they must not become errors here
        warnings.simplefilter("always")
        try:
            main(args)
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        finally:
            # basicConfig/configure_logging bound handlers to this test's captured stderr
            for lg, handlers, propagate, level in saved:
                for h in lg.handlers[:]:
                    if h not in handlers:
                        lg.removeHandler(h)
                lg.propagate, lg.level = propagate, level
    if capsys is None:
        return code, "", ""
    got = capsys.readouterr()
    return code, got.out, got.err


def check_stderr(c: Case, code: int, err: str) -> None:
    """Refused: exit 2 and one line; otherwise exit 0. Never a traceback or a log dump."""
    assert "Traceback" not in err, err
    # the run logs its stages at INFO (quiet with -q); anything else is one gistool: line
    lines = [ln for ln in err.splitlines() if not ln.startswith("INFO gistool")]
    assert all(ln.startswith("gistool: ") for ln in lines), err
    if c.outcome == "refused":
        assert code == 2, f"{c.name}: exit {code}: {err}"
        errors = [ln for ln in lines if ln.startswith("gistool: error:")]
        assert len(errors) == 1, err
        assert _found(c.match, errors), f"{c.name}: {err}"
    else:
        assert code == 0, f"{c.name}: exit {code}: {err}"
        assert not [ln for ln in lines if ln.startswith("gistool: error:")], err


@pytest.mark.parametrize("c", CASES, ids=[c.name for c in CASES])
def test_case(c: Case, base, capsys: pytest.CaptureFixture[str]) -> None:
    b, out, before = base
    inp = build(b, c)
    # 1. Python API
    check_api(b, c, inp, out)
    assert output_hashes(out) == before
    # 2. gistool validate (layers)
    if c.kind in LAYER_KINDS:
        args = ["validate", str(inp.path), "--kind", c.kind]
        for k, v in inp.options.items():
            if k == "columns":
                args += [a for src, dst in v.items() for a in ("--column", f"{src}={dst}")]
            else:
                args += [f"--{k}", str(v)]
        if c.kind not in NO_BOUNDARY:
            args += ["--boundary", str(b.root / "data" / "boundary.gpkg")]
        code, stdout, err = cli(args, capsys)
        if c.api == "layer":
            check_stderr(c, code, err)
            if c.outcome in ("repaired", "flagged"):
                assert _found(c.match, [stdout + err]), f"{c.name}: {stdout}{err}"
        else:
            assert code == 0, f"{c.name}: the layer itself is valid: {err}"
    # 3. gistool run against the previous outputs
    args = ["run", str(case_config(b, c, inp)), "--out", str(out)]
    if c.stages:
        args += ["--stages", c.stages]
    if c.outcome != "refused":
        # the API run above cached these stages; recompute them so their warnings show
        args += ["--force"]
    code, stdout, err = cli(args, capsys)
    check_stderr(c, code, err)
    if c.outcome == "repaired":
        assert _found(c.match, [err]), f"{c.name}: {err}"
    assert output_hashes(out) == before, f"{c.name}: previous outputs changed"


def test_catalogue_is_large_and_covers_every_kind() -> None:
    names = [c.name for c in CASES]
    assert len(names) == len(set(names))
    assert len(CASES) >= 40
    assert {c.kind for c in CASES} >= {*LAYER_KINDS, "flood_depth", "config"}
    assert {c.outcome for c in CASES} >= {"refused", "repaired", "flagged", "accepted"}


def test_unwritable_output_directory_is_refused(base, capsys: pytest.CaptureFixture[str]) -> None:
    """--out below a regular file cannot be created: exit 2, one line, nothing else touched."""
    b, out, before = base
    blocker = b.root / "not_a_directory"
    blocker.write_text("x", encoding="utf-8")
    code, _, err = cli(["run", str(b.job), "--out", str(blocker / "out"), "--stages", "load"],
                       capsys)
    assert code == 2, err
    lines = [ln for ln in err.splitlines() if not ln.startswith("INFO gistool")]
    assert len(lines) == 1, err
    assert "cannot write into the output directory" in lines[0]
    assert output_hashes(out) == before
