"""The reduction paths of the zonal engine, each checked against a cell-by-cell reference.

The engine reduces runs of fully covered cells on the raster buffer (integer
min/max on float bits for non-negative runs, float otherwise; nodata detected
from min/max, or counted when min/max are not asked for; touching runs share
a segment boundary) and partial cells separately, and from files decodes only
the tiles holding covered cells. Each path is compared here with a plain
per-unit computation over the coverage's cells and fractions.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from affine import Affine

from gistool.overlay import RasterGrid, coverage, zonal_stats, zonal_stats_many
from gistool.overlay._plan import block_plan, covered_tiles, tile_windows
from gistool.overlay._raster import BlockReader, open_raster
from gistool.overlay.coverage import clear_cache

CRS = "EPSG:4547"
NODATA = -9999.0


@pytest.fixture(autouse=True)
def _fresh_cache():
    clear_cache()
    yield
    clear_cache()


def cell_by_cell(units: gpd.GeoDataFrame, a: np.ndarray, grid: RasterGrid, nodata: float | None,
                 thresholds: list[float]) -> pd.DataFrame:
    """count, sum, min, max, frac_ge_t from each unit's cells and fractions, one unit at a time."""
    cov = coverage(units, grid, cache=False)
    flat = a.ravel()
    rows = []
    for i in range(len(units)):
        cells, w = cov.cells_of(i)
        v = flat[cells]
        ok = np.isfinite(v) & ((v != nodata) if nodata is not None else True)
        v, w = v[ok].astype(np.float64), w[ok]
        count = w.sum()
        row = {"count": count, "sum": (w * v).sum(),
               "min": v.min() if v.size else np.nan, "max": v.max() if v.size else np.nan}
        for t in thresholds:
            row[f"frac_ge_{t:g}"] = (w * (v >= t)).sum() / count if count else np.nan
        rows.append(row)
    return pd.DataFrame(rows, index=units.index)


def boxes(grid: RasterGrid, spans: list[tuple[float, float, float, float]]) -> gpd.GeoDataFrame:
    """Boxes given in cell units (col0, row0, col1, row1) from the grid's top-left corner."""
    x0, _, _, y1 = grid.bounds
    dx, dy = grid.res
    geoms = [shapely.box(x0 + c0 * dx, y1 - r1 * dy, x0 + c1 * dx, y1 - r0 * dy)
             for c0, r0, c1, r1 in spans]
    return gpd.GeoDataFrame({"name": [f"u{i}" for i in range(len(geoms))]}, geometry=geoms,
                            crs=CRS)


def test_negative_values_and_signed_zero_reduced_as_floats():
    """Runs holding negative values or −0.0 take the float min/max path; others the integer one."""
    grid = RasterGrid(Affine(10, 0, 500_000, 0, -10, 3_800_300), 30, 30, CRS)
    rng = np.random.default_rng(7)
    a = rng.uniform(0.0, 5.0, size=grid.shape).astype("float32")
    a[20:, :] -= 7.0  # a band of negative values (e.g. depths below a datum)
    a[2, 3:9] = -0.0
    a[5, 5] = NODATA
    units = boxes(grid, [(0.5, 0.5, 12.3, 12.7), (2.2, 14.1, 28.6, 29.4), (13, 1, 29, 13)])
    stats = ("count", "sum", "min", "max")
    ours = zonal_stats(units, (a, grid, NODATA), stats, thresholds=[0.0, 1.5])
    ref = cell_by_cell(units, a, grid, NODATA, [0.0, 1.5])
    pd.testing.assert_frame_equal(ours, ref[ours.columns], rtol=1e-6)
    assert ours.loc[1, "min"] < -2  # mixed signs in one unit
    assert ours.loc[1, "max"] > 0
    assert ours.loc[2, "min"] >= 0  # a unit of non-negative runs only


def test_count_only_path_detects_nodata_and_nan_inside_runs():
    """Without min/max, nodata in full runs is counted; same numbers as with min/max."""
    grid = RasterGrid(Affine(10, 0, 500_000, 0, -10, 3_800_200), 20, 20, CRS)
    a = np.full(grid.shape, 0.4, dtype="float32")
    a[:, 10:] = 2.0
    a[4, 2:6] = NODATA  # nodata inside the first unit's full runs
    a[12, 14] = np.nan  # NaN inside the second unit's full runs
    a[15, 3] = np.inf  # ±inf are nodata too
    units = boxes(grid, [(0.5, 0.5, 9.5, 9.5), (10.25, 10.25, 19.75, 19.75), (1, 11, 8, 19)])
    kw = {"thresholds": [0.15, 1.0]}
    lean = zonal_stats(units, (a, grid, NODATA), ("count", "sum"), **kw)
    full = zonal_stats(units, (a, grid, NODATA), ("count", "sum", "min", "max"), **kw)
    pd.testing.assert_frame_equal(lean, full[lean.columns])
    ref = cell_by_cell(units, a, grid, NODATA, [0.15, 1.0])
    pd.testing.assert_frame_equal(full, ref[full.columns], rtol=1e-6)
    # by hand: 9 × 9 cells minus the 4 nodata ones (all full: box edges on half cells)
    assert lean.loc[0, "count"] == pytest.approx(8 * 8 + 4 * 8 * 0.5 + 4 * 0.25 - 4)
    assert lean.loc[2, "count"] == 7 * 8 - 1  # on cell edges, one inf cell
    assert lean.loc[1, "frac_ge_1"] == 1.0


def test_touching_units_on_cell_edges_equal_block_sums():
    """Units on cell edges touch with no partial cell between them (shared segment bounds)."""
    grid = RasterGrid(Affine(10, 0, 500_000, 0, -10, 3_800_240), 24, 24, CRS)
    a = np.arange(grid.size, dtype="float32").reshape(grid.shape) / 7
    a[a > 60] -= 40.0  # varied values, some runs entirely at or above the threshold
    spans = [(c, r, c + 4, r + 6) for r in range(0, 24, 6) for c in range(0, 24, 4)]
    units = boxes(grid, spans)
    out = zonal_stats(units, (a, grid), ("count", "sum", "min", "max"), thresholds=[30.0])
    cov = coverage(units, grid)
    plan = block_plan(cov, 0, grid.height, 1 << 18)
    assert cov.cell.size == 0  # no partial cell at all
    assert plan.chunks[0].idx.size < 2 * plan.run_unit.size  # boundaries shared
    blocks = a.reshape(4, 6, 6, 4).transpose(0, 2, 1, 3).reshape(24, 24)
    np.testing.assert_array_equal(out["count"], 24.0)
    np.testing.assert_allclose(out["sum"], blocks.astype(np.float64).sum(axis=1), rtol=1e-6)
    np.testing.assert_array_equal(out["min"], blocks.min(axis=1))
    np.testing.assert_array_equal(out["max"], blocks.max(axis=1))
    np.testing.assert_array_equal(out["frac_ge_30"], (blocks >= 30).mean(axis=1))


def test_units_with_partial_cells_only():
    """A unit inside one cell and one straddling two cells: weighted by their shares."""
    grid = RasterGrid(Affine(10, 0, 500_000, 0, -10, 3_800_100), 10, 10, CRS)
    a = np.arange(100, dtype="float32").reshape(10, 10)
    x0, y1 = 500_000.0, 3_800_100.0
    inner = shapely.box(x0 + 32, y1 - 47, x0 + 35, y1 - 43)  # in cell (4, 3): 12 m² of 100
    across = shapely.box(x0 + 57, y1 - 18, x0 + 63, y1 - 12)  # halves of cells (1, 5), (1, 6)
    units = gpd.GeoDataFrame(geometry=[inner, across], crs=CRS)
    out = zonal_stats(units, (a, grid), ("count", "sum", "mean", "min", "max"),
                      thresholds=[16.0])
    assert out.loc[0, "count"] == pytest.approx(0.12)
    assert out.loc[0, "sum"] == pytest.approx(0.12 * 43)
    assert out.loc[0, "min"] == out.loc[0, "max"] == 43
    assert out.loc[1, "count"] == pytest.approx(0.36)
    assert out.loc[1, "mean"] == pytest.approx(15.5)
    assert (out.loc[1, "min"], out.loc[1, "max"]) == (15, 16)
    assert out.loc[1, "frac_ge_16"] == pytest.approx(0.5)


def write_tiled(path, a: np.ndarray, transform: Affine, tile: int = 16) -> str:
    with rasterio.open(
        path, "w", driver="GTiff", width=a.shape[1], height=a.shape[0], count=1,
        dtype=a.dtype, crs=CRS, transform=transform, nodata=NODATA, tiled=True,
        blockxsize=tile, blockysize=tile, compress="deflate", predictor=3,
    ) as ds:
        ds.write(a, 1)
    return str(path)


def test_tiled_file_reads_only_needed_tiles(tmp_path):
    """Units in two corners: only their tiles are decoded, results equal the in-memory ones."""
    transform = Affine(10, 0, 500_000, 0, -10, 3_800_640)
    grid = RasterGrid(transform, 64, 64, CRS)
    rng = np.random.default_rng(3)
    a = rng.gamma(1.0, 0.6, size=grid.shape).astype("float32")
    a[rng.random(grid.shape) < 0.05] = NODATA
    b = np.where(a == NODATA, NODATA, a * 3 + 1).astype("float32")
    paths = {"a": write_tiled(tmp_path / "a.tif", a, transform),
             "b": write_tiled(tmp_path / "b.tif", b, transform)}
    units = boxes(grid, [(1.3, 2.7, 14.2, 13.9), (40.5, 45.5, 63.5, 63.8)])
    cov = coverage(units, grid)
    need = covered_tiles(cov, 0, 64, 1 << 18, (16, 16))
    assert need.sum() == 1 + 4  # one tile top left, 2 × 2 bottom right
    windows = tile_windows(need, 0, 64, 64, (16, 16))
    assert windows == [(0, 16, 0, 16), (32, 64, 32, 64)]  # 2 × 2 tiles: one window
    stats = ("count", "sum", "min", "max")
    kw = {"thresholds": [0.5], "classes": [(None, 1.0), (1.0, None)]}
    from_files = zonal_stats_many(units, paths, stats, **kw)
    in_memory = zonal_stats_many(units, {"a": (a, grid, NODATA), "b": (b, grid, NODATA)},
                                 stats, **kw)
    for name in paths:
        pd.testing.assert_frame_equal(from_files[name], in_memory[name])
        ref = cell_by_cell(units, {"a": a, "b": b}[name], grid, NODATA, [0.5])
        pd.testing.assert_frame_equal(from_files[name][list(ref.columns)], ref, rtol=1e-6)
    # a striped file (strips of 2 rows): the needed strips are read as 2 windows
    striped = str(tmp_path / "striped.tif")
    with rasterio.open(striped, "w", driver="GTiff", width=64, height=64, count=1,
                       dtype="float32", crs=CRS, transform=transform, nodata=NODATA,
                       blockysize=2, compress="deflate") as ds:
        ds.write(a, 1)
    with rasterio.open(striped) as ds:
        assert ds.block_shapes[0] == (2, 64)
    need = covered_tiles(cov, 0, 64, 1 << 18, (2, 64))
    assert len(tile_windows(need, 0, 64, 64, (2, 64))) == 2
    pd.testing.assert_frame_equal(zonal_stats(units, striped, stats, **kw), in_memory["a"])


def test_block_reader_leaves_no_stale_values(tmp_path):
    """After a whole-band read, a windowed read zeroes what lies outside its windows."""
    transform = Affine(10, 0, 500_000, 0, -10, 3_800_320)
    a = np.full((32, 32), 7.5, dtype="float32")
    path = write_tiled(tmp_path / "a.tif", a, transform)
    reader = BlockReader()
    with rasterio.open(path) as ds, open_raster(ds) as src:
        np.testing.assert_array_equal(reader.read(src, 0, 32, None), 7.5)
        part = reader.read(src, 0, 32, [(0, 16, 16, 32)])
        np.testing.assert_array_equal(part[:16, 16:], 7.5)
        assert np.count_nonzero(part) == 16 * 16
        again = reader.read(src, 0, 32, [(0, 16, 16, 32)])  # same windows: no re-zeroing needed
        assert np.count_nonzero(again) == 16 * 16


def test_coverage_cache_follows_geometry_changes():
    """The cached coverage is found by content; a geometry replaced in place is noticed."""
    grid = RasterGrid(Affine(10, 0, 500_000, 0, -10, 3_800_100), 10, 10, CRS)
    units = boxes(grid, [(0, 0, 5, 5), (5, 5, 10, 10)])
    first = coverage(units, grid)
    assert coverage(units, grid) is first
    same = gpd.GeoDataFrame(geometry=shapely.from_wkb(shapely.to_wkb(units.geometry.values)),
                            crs=CRS)  # equal geometries, other objects
    assert coverage(same, grid) is first
    values = units.geometry.values
    values[1] = shapely.box(500_050, 3_800_000, 500_100, 3_800_020)  # 5 × 2 cells, in place
    changed = coverage(units, grid)
    assert changed is not first
    np.testing.assert_array_equal(changed.unit_weight(), [25.0, 10.0])
