"""The cached, atomic pipeline on a small area (two townships cut from Changge)."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import pytest
from _pipeline_fixtures import make_province, output_hashes, single_area

import gistool
from gistool.pipeline import STAGE_INPUTS, STAGES, dry_run
from gistool.pipeline.cache import StageCache, hash_key

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, gistool.RunResult]:
    """A one-area project and its first complete run."""
    root = tmp_path_factory.mktemp("pipeline")
    prov = make_province(root / "province", n=1)
    job = single_area(prov, root / "project")
    out = root / "project" / "out"
    res = gistool.run(job, out=out)
    return job, out, res


def copy_project(baseline: tuple[Path, Path, gistool.RunResult], dest: Path) -> tuple[Path, Path]:
    job = baseline[0]
    shutil.copytree(job.parent, dest / "project", symlinks=True)
    return dest / "project" / "job.toml", dest / "project" / "out"


def test_first_run_computes_every_stage_and_writes_the_output_set(baseline) -> None:
    _, out, res = baseline
    assert res.ran == list(STAGES)
    assert res.cached == []
    for name in ("zoning.gpkg", "risk_index.tif", "provenance.json",
                 "tables/village_ranking.csv", "tables/village_ranking.xlsx",
                 "tables/township_ranking.csv", "tables/enterprise_four_colour.csv",
                 "tables/summary.xlsx"):
        assert (out / name).is_file(), name
    layers = [row[0] for row in pyogrio.list_layers(out / "zoning.gpkg")]
    for name in ("townships", "villages", "grid", "zones", "enterprises", "reachability",
                 "critical_links", "routes"):
        assert name in layers
    villages = pyogrio.read_dataframe(out / "zoning.gpkg", layer="villages")
    assert villages.crs.to_epsg() == 4547
    assert sorted(villages["rank"].unique())[0] == 1
    assert set(villages["risk_level"]) <= {1, 2, 3, 4, 5}
    # the CSV opens in Excel: UTF-8 with BOM, Chinese headings
    raw = (out / "tables" / "village_ranking.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    # the risk raster holds the grid's index on the grid lattice
    import rasterio

    with rasterio.open(out / "risk_index.tif") as ds:
        arr = ds.read(1)
        assert ds.res == (500.0, 500.0)
        assert ds.crs.to_epsg() == 4547
    grid = res.risk.grid
    np.testing.assert_allclose(
        arr[grid["row"].to_numpy(), grid["col"].to_numpy()],
        grid["risk_index"].to_numpy(np.float32),
    )
    assert (arr != -9999).sum() == len(grid)


def test_provenance_records_inputs_config_versions_and_stages(baseline) -> None:
    job, out, _ = baseline
    prov = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    assert prov["config_file"] == str(job.resolve())
    ent = prov["inputs"]["layer:enterprises"][0]
    import hashlib

    assert ent["sha256"] == hashlib.sha256(Path(ent["path"]).read_bytes()).hexdigest()
    assert [s["name"] for s in prov["stages"]] == list(STAGES)
    assert {s["status"] for s in prov["stages"]} == {"ran"}
    assert prov["versions"]["gistool"] == gistool.__version__
    assert prov["versions"]["GDAL"]
    assert prov["config"]["units"]["grid_size_m"] == 500.0
    assert set(prov["outputs"]) == set(output_hashes(out))
    assert prov["outputs"] == output_hashes(out)


def test_staged_result_equals_assess_risk(baseline) -> None:
    """The pipeline splits assess_risk into cached stages; the result must not change."""
    from gistool.config import load_config
    from gistool.pipeline.runner import AreaPipeline

    job, out, res = baseline
    cfg = load_config(job)
    pipe = AreaPipeline(cfg, cfg.areas[0], out)
    data = pipe._data()
    ref = gistool.assess_risk(data, cfg.assess_params())
    got = res.risk
    for name in ("townships", "villages", "grid"):
        a, b = getattr(got, name), getattr(ref, name)
        assert len(a) == len(b)
        np.testing.assert_allclose(a["risk_index"], b["risk_index"], rtol=1e-12)
        np.testing.assert_array_equal(a["risk_level"], b["risk_level"])
        np.testing.assert_array_equal(a["rank"], b["rank"])
        for f in ("H", "E", "V", "C"):
            np.testing.assert_allclose(a[f], b[f], rtol=1e-12, err_msg=f"{name}.{f}")
    assert list(got.enterprises["risk_grade"]) == list(ref.enterprises["risk_grade"])
    pd.testing.assert_series_equal(got.weights, ref.weights.astype(float), check_names=False)
    assert len(got.zones) == len(ref.zones)
    assert got.ahp.cr == pytest.approx(ref.ahp.cr)


def test_second_run_skips_every_stage_and_is_much_faster(baseline, tmp_path: Path) -> None:
    job, out, first = baseline
    before = output_hashes(out)
    t0 = time.perf_counter()
    again = gistool.run(job, out=out)
    dt = time.perf_counter() - t0
    assert again.cached == list(STAGES)
    assert again.ran == []
    assert output_hashes(out) == before
    assert dt * 5 < first.seconds, (dt, first.seconds)
    # the RiskResult is still there, from the cache
    assert len(again.risk.villages) == len(first.risk.villages)


def test_changing_one_input_reruns_only_its_dependants(baseline, tmp_path: Path) -> None:
    job, out = copy_project(baseline, tmp_path)
    ent_path = job.parent / "data" / "enterprises.gpkg"
    # same bytes, new mtime: content hashes say nothing changed
    os.utime(ent_path, ns=(time.time_ns(), time.time_ns()))
    assert gistool.run(job, out=out).ran == []
    # one enterprise fewer: the flood overlay of the units is kept
    ent = pyogrio.read_dataframe(ent_path)
    from gistool.io import write_layer

    write_layer(ent.iloc[1:], ent_path, layer="enterprises", keep_layers=False)
    res = gistool.run(job, out=out)
    assert res.cached == ["overlay"]
    assert res.ran == ["load", "validate", "network", "risk", "zoning", "outputs"]
    gpkg_ent = pyogrio.read_dataframe(out / "zoning.gpkg", layer="enterprises")
    assert len(gpkg_ent) == len(ent) - 1
    # a geohazard zone change reruns risk but neither the overlay nor the network
    zp = job.parent / "data" / "geohazard_zones.gpkg"
    if zp.exists():
        z = pyogrio.read_dataframe(zp)
        z["susceptibility"] = "high"
        write_layer(z, zp, layer="geohazard_zones", keep_layers=False)
        res = gistool.run(job, out=out)
        assert res.cached == ["overlay", "network"]
        assert res.ran == ["load", "validate", "risk", "zoning", "outputs"]
    # the number of sensitivity draws changes the scores, not the overlay or the network
    job.write_text(job.read_text(encoding="utf-8").replace("draws = 50", "draws = 40"),
                   encoding="utf-8")
    res = gistool.run(job, out=out)
    assert res.ran == ["risk", "zoning", "outputs"]
    # a parameter of the zoning reruns zoning and outputs only
    job.write_text(job.read_text(encoding="utf-8") + "[zoning]\nmin_area_km2 = 2.0\n",
                   encoding="utf-8")
    res = gistool.run(job, out=out)
    assert res.ran == ["zoning", "outputs"]


def test_dependency_graph_is_explicit() -> None:
    assert "enterprises" not in STAGE_INPUTS["overlay"].layers
    assert "enterprises" in STAGE_INPUTS["network"].layers
    assert STAGE_INPUTS["zoning"].upstream == ("risk",)
    assert hash_key({"a": 1, "b": [1, 2]}) == hash_key({"b": [1, 2], "a": 1})


def test_force_recomputes_and_outputs_are_byte_identical(baseline, tmp_path: Path) -> None:
    job, out = copy_project(baseline, tmp_path)
    before = output_hashes(out)
    res = gistool.run(job, out=out, force=True)
    assert res.ran == list(STAGES)
    assert output_hashes(out) == before
    # a fresh directory gives the same bytes too
    other = tmp_path / "other"
    gistool.run(job, out=other)
    assert output_hashes(other) == before


def test_deleted_output_is_rewritten(baseline, tmp_path: Path) -> None:
    job, out = copy_project(baseline, tmp_path)
    before = output_hashes(out)
    (out / "risk_index.tif").unlink()
    (out / "tables" / "summary.csv").write_bytes(b"tampered")
    res = gistool.run(job, out=out)
    assert res.ran == ["outputs"]
    assert output_hashes(out) == before


def test_broken_cache_entry_is_never_served(baseline, tmp_path: Path) -> None:
    job, out = copy_project(baseline, tmp_path)
    cache = StageCache(out / ".cache")
    entry = next((out / ".cache").glob("risk-*"))
    victim = next(entry.glob("villages*.parquet"))
    victim.write_bytes(victim.read_bytes()[:100])  # truncated
    key = entry.name.removeprefix("risk-")
    assert cache.has("risk", key)  # looks complete ...
    assert cache.read("risk", key) is None  # ... but fails its hash check and is removed
    assert not entry.exists()
    res = gistool.run(job, out=out, stages=["risk"])
    assert res.ran == ["risk"]
    assert cache.read("risk", key) is not None


def test_dry_run_and_stage_selection(baseline, tmp_path: Path) -> None:
    job, out = copy_project(baseline, tmp_path)
    plan = dry_run(job, out=out)
    [(area, rows)] = plan.items()
    assert [r[0] for r in rows] == list(STAGES)
    assert all(cached for _, _, cached in rows)
    job.write_text(job.read_text(encoding="utf-8") + "[weights]\nmethod = \"entropy\"\n",
                   encoding="utf-8")
    rows = dry_run(job, out=out)[area]
    assert [s for s, _, cached in rows if not cached] == ["risk", "zoning", "outputs"]
    res = gistool.run(job, out=out, stages="load,validate,overlay,network,risk")
    assert res.ran == ["risk"]
    assert [s for s, _, c in dry_run(job, out=out)[area] if not c] == ["zoning", "outputs"]
