"""Several areas as Dask tasks equal the same areas run one after another."""

from __future__ import annotations

from pathlib import Path

import pytest
from _pipeline_fixtures import make_province, output_hashes

import gistool
from gistool.config import load_config

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cfg = make_province(tmp_path_factory.mktemp("province"), n=3)
    # cheaper outputs: layers, raster and tables
    text = cfg.read_text(encoding="utf-8")
    cfg.write_text(text.replace("[maps]\n", '[output]\nformats = ["gpkg", "tif", "csv"]\n[maps]\n'),
                   encoding="utf-8")
    return cfg


def test_synthetic_province_areas(province: Path) -> None:
    cfg = load_config(province)
    assert cfg.multi
    assert len(cfg.areas) == 3
    assert len({a.slug() for a in cfg.areas}) == 3
    for area in cfg.areas:
        assert {"boundary", "townships", "villages", "enterprises", "roads"} <= set(area.layers)
        assert sorted(area.rasters.flood_depth) == [20, 50, 100]


def test_dask_run_equals_sequential_runs(province: Path, tmp_path: Path) -> None:
    seq = gistool.run(province, out=tmp_path / "seq", workers=0)
    par = gistool.run(province, out=tmp_path / "dask", workers=2)
    names = [a.name for a in load_config(province).areas]
    assert [r.name for r in seq.areas] == names
    assert [r.name for r in par.areas] == names
    for r in par.areas:
        assert r.ran == ["load", "validate", "overlay", "network", "risk", "zoning", "outputs"]
    for a, b in zip(seq.areas, par.areas, strict=True):
        ha, hb = output_hashes(a.out), output_hashes(b.out)
        assert ha
        assert "zoning.gpkg" in ha
        assert ha == hb, a.name
    # the RiskResult of each area comes from its cache, equal either way
    for a, b in zip(seq.areas, par.areas, strict=True):
        assert a.risk.villages["risk_index"].tolist() == b.risk.villages["risk_index"].tolist()
    # areas are independent directories; a rerun on the cluster is all cached
    again = gistool.run(province, out=tmp_path / "dask", workers=2)
    assert all(r.ran == [] for r in again.areas)
