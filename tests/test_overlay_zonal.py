"""Zonal statistics equal exactextract (exact) and rasterstats (centre) on small rasters."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from affine import Affine
from hypothesis import given, settings
from hypothesis import strategies as st

from gistool.errors import CRSError, InputError
from gistool.overlay import (
    RasterGrid,
    coverage,
    zonal_stats,
    zonal_stats_layers,
    zonal_stats_many,
)
from gistool.overlay.coverage import clear_cache

CRS = "EPSG:4547"
NODATA = -9999.0
TRANSFORM = Affine(10, 0, 500_000, 0, -10, 3_800_200)  # 20 × 20 cells of 10 m


def make_raster(seed: int = 0, shape: tuple[int, int] = (20, 20)) -> np.ndarray:
    rng = np.random.default_rng(seed)
    a = rng.gamma(1.0, 0.6, size=shape).astype("float32")
    a[rng.random(shape) < 0.25] = 0.0  # dry cells
    a[rng.random(shape) < 0.08] = NODATA  # scattered nodata
    a[:3, 15:] = NODATA  # a nodata corner
    return a


def write_tif(path, array: np.ndarray, transform: Affine = TRANSFORM, nodata=NODATA) -> str:
    with rasterio.open(
        path, "w", driver="GTiff", width=array.shape[1], height=array.shape[0], count=1,
        dtype=array.dtype, crs=CRS, transform=transform, nodata=nodata,
    ) as ds:
        ds.write(array, 1)
    return str(path)


def odd_units() -> gpd.GeoDataFrame:
    """Polygons cutting cells at odd angles, a hole, a multipolygon, overlaps, a part outside."""
    x0, y1 = 500_000.0, 3_800_200.0
    rot = shapely.Polygon(
        [(x0 + 13.3, y1 - 61.7), (x0 + 71.9, y1 - 17.2), (x0 + 104.1, y1 - 88.8),
         (x0 + 40.2, y1 - 121.4)]
    )
    tri = shapely.Polygon([(x0 + 96.5, y1 - 5.5), (x0 + 187.3, y1 - 33.1), (x0 + 151.7, y1 - 97.9)])
    outer = shapely.Point(x0 + 140, y1 - 150).buffer(43.7, quad_segs=7)
    holed = outer.difference(shapely.Point(x0 + 133, y1 - 147).buffer(17.1, quad_segs=5))
    multi = shapely.MultiPolygon([
        shapely.box(x0 + 2.5, y1 - 197.5, x0 + 37.5, y1 - 152.5).buffer(0),
        shapely.Polygon([(x0 + 55.1, y1 - 140.3), (x0 + 92.2, y1 - 158.8),
                         (x0 + 61.7, y1 - 193.4)]),
    ])
    overlap = shapely.Point(x0 + 80, y1 - 80).buffer(31.3, quad_segs=6)  # overlaps rot
    outside = shapely.Polygon(
        [(x0 + 160.4, y1 - 120.6), (x0 + 243.7, y1 - 131.2), (x0 + 251.1, y1 - 251.9),
         (x0 + 171.3, y1 - 213.6)]
    )  # partly beyond the right and bottom edges
    geoms = [rot, tri, holed, multi, overlap, outside]
    return gpd.GeoDataFrame(
        {"name": ["rot", "tri", "holed", "multi", "overlap", "outside"]},
        geometry=geoms, crs=CRS, index=pd.Index([10, 11, 12, 13, 14, 15], name="uid"),
    )


@pytest.fixture
def tif(tmp_path):
    return write_tif(tmp_path / "depth.tif", make_raster())


@pytest.fixture(autouse=True)
def _fresh_cache():
    clear_cache()
    yield
    clear_cache()


def ee(path: str, units: gpd.GeoDataFrame, ops: list[str]) -> pd.DataFrame:
    from exactextract import exact_extract

    out = exact_extract(path, units.reset_index(drop=True), ops, output="pandas")
    out.index = units.index
    return out


def test_exact_equals_exactextract(tif):
    units = odd_units()
    ours = zonal_stats(units, tif, ("count", "sum", "mean", "min", "max"))
    ref = ee(tif, units, ["count", "sum", "mean", "min", "max"])
    for col in ("count", "sum", "mean", "min", "max"):
        np.testing.assert_allclose(ours[col], ref[col], rtol=1e-6, atol=1e-6, err_msg=col)
    # partial cells really occur: counts are not integers
    assert (ours["count"] % 1 != 0).all()


def test_exact_fractions_equal_exactextract(tmp_path, tif):
    units = odd_units()
    a = make_raster()
    thresholds = [0.15, 0.5, 1.0]
    classes = [(0.15, 0.5), (0.5, 1.0), (1.0, 2.0), (2.0, None)]
    ours = zonal_stats(units, tif, ("count",), thresholds=thresholds, classes=classes)
    for t in thresholds:
        ind = np.where(a == NODATA, NODATA, (a >= t).astype("float32"))
        ref = ee(write_tif(tmp_path / f"ge{t}.tif", ind.astype("float32")), units, ["mean"])
        np.testing.assert_allclose(ours[f"frac_ge_{t:g}"], ref["mean"], atol=1e-9)
    for i, (lo, hi) in enumerate(classes):
        inside = (a >= lo) & ((a < hi) if hi is not None else True)
        ind = np.where(a == NODATA, NODATA, inside.astype("float32"))
        ref = ee(write_tif(tmp_path / f"c{i}.tif", ind.astype("float32")), units, ["mean"])
        np.testing.assert_allclose(ours[f"hist_{i}"], ref["mean"], atol=1e-9)
    assert ((ours.filter(like="frac_") >= 0) & (ours.filter(like="frac_") <= 1)).all().all()


def test_area_and_nodata_fraction(tif):
    units = odd_units()
    ours = zonal_stats(units, tif, ("area", "count", "nodata_fraction"))
    inside = units.geometry.intersection(shapely.box(*RasterGrid.from_raster(tif).bounds))
    np.testing.assert_allclose(ours["area"], inside.area, rtol=1e-6)
    ref = ee(tif, units, ["count"])
    np.testing.assert_allclose(
        ours["nodata_fraction"], 1 - ref["count"] * 100 / inside.area, atol=1e-9
    )


@pytest.mark.filterwarnings("ignore:Use `@` matmul:PendingDeprecationWarning")  # rasterstats
def test_centre_equals_rasterstats(tif):
    from rasterstats import zonal_stats as rs_zonal

    units = odd_units()
    ours = zonal_stats(units, tif, ("count", "sum", "mean", "min", "max"), coverage="centre")
    ref = pd.DataFrame(
        rs_zonal(list(units.geometry), tif, stats=["count", "sum", "mean", "min", "max"]),
        index=units.index,
    ).astype(float)
    pd.testing.assert_series_equal(ours["count"], ref["count"], check_names=False)
    for col in ("sum", "mean", "min", "max"):
        np.testing.assert_allclose(ours[col], ref[col], rtol=1e-6, err_msg=col)
    np.testing.assert_array_equal(ours["min"], ref["min"])
    np.testing.assert_array_equal(ours["max"], ref["max"])


def test_windowed_equals_in_memory(tif):
    units = odd_units()
    stats = ("count", "sum", "mean", "min", "max", "area", "nodata_fraction")
    kw = {"thresholds": [0.15, 1.0], "classes": [(None, 0.5), (0.5, None)]}
    for method in ("exact", "centre"):
        whole = zonal_stats(units, tif, stats, coverage=method, **kw)
        for block in (20, 37, 60, 400):  # one row; odd splits; whole raster
            part = zonal_stats(units, tif, stats, coverage=method, block_cells=block, **kw)
            # float32 runs are summed pairwise in float32: equal to rounding
            pd.testing.assert_frame_equal(part, whole, rtol=1e-6, atol=1e-12)


def test_inputs_path_dataset_array_agree(tif):
    units = odd_units()
    a = make_raster()
    grid = RasterGrid(TRANSFORM, 20, 20, CRS)
    by_path = zonal_stats(units, tif)
    with rasterio.open(tif) as ds:
        by_ds = zonal_stats(units, ds)
    by_array = zonal_stats(units, (a, grid, NODATA))
    pd.testing.assert_frame_equal(by_ds, by_path)
    pd.testing.assert_frame_equal(by_array, by_path)
    # NaN is nodata for arrays without a nodata value
    by_nan = zonal_stats(units, (np.where(a == NODATA, np.nan, a), grid))
    pd.testing.assert_frame_equal(by_nan, by_path, rtol=1e-6)


def test_many_rasters_share_one_coverage(tmp_path, tif):
    units = odd_units()
    other = write_tif(tmp_path / "b.tif", make_raster(seed=3))
    grid = RasterGrid.from_raster(tif)
    cov = coverage(units, grid)
    many = zonal_stats_many(units, {"a": tif, "b": other}, cov=cov, thresholds=[0.5])
    assert list(many) == ["a", "b"]
    pd.testing.assert_frame_equal(many["b"], zonal_stats(units, other, thresholds=[0.5]))
    assert coverage(units, grid) is cov  # cached


def test_integer_raster_and_last_cell(tmp_path):
    # a unit covering the whole raster exercises runs ending at the very last cell
    a = np.arange(400, dtype="int16").reshape(20, 20)
    a[5, 5] = -1
    path = write_tif(tmp_path / "int.tif", a, nodata=-1)
    units = gpd.GeoDataFrame(geometry=[shapely.box(*RasterGrid.from_raster(path).bounds)],
                             crs=CRS)
    ours = zonal_stats(units, path)
    assert ours.loc[0, "count"] == 399
    assert ours.loc[0, "sum"] == a.sum() + 1
    assert ours.loc[0, "max"] == 399
    assert ours.loc[0, "min"] == 0


def test_unit_without_cells_gives_nan(tif):
    units = odd_units()
    units.loc[16] = ["far", shapely.box(400_000, 3_000_000, 400_010, 3_000_010)]
    units.loc[17] = ["empty", shapely.Polygon()]
    out = zonal_stats(units, tif, ("count", "mean", "min"), thresholds=[0.5])
    assert out.loc[16, "count"] == 0
    assert np.isnan(out.loc[16, "mean"])
    assert np.isnan(out.loc[17, "min"])
    assert np.isnan(out.loc[17, "frac_ge_0.5"])


def test_crs_mismatch_and_no_overlap_refused(tif):
    units = odd_units()
    with pytest.raises(CRSError, match=r"to_crs"):
        zonal_stats(units.set_crs("EPSG:32650", allow_override=True), tif)
    with pytest.raises(CRSError, match="no CRS"):
        zonal_stats(units.set_crs(None, allow_override=True), tif)
    far = units.translate(xoff=1e5)
    with pytest.raises(InputError, match="does not overlap"):
        zonal_stats(far, tif)
    with pytest.raises(InputError, match="unknown zonal"):
        zonal_stats(units, tif, ("median",))
    with pytest.raises(InputError, match="cannot open"):
        zonal_stats(units, "/nonexistent/x.tif")


@settings(max_examples=25, deadline=None)
@given(
    nx=st.integers(1, 5), ny=st.integers(1, 5),
    x_off=st.floats(-30, 30), y_off=st.floats(-30, 30),
    step=st.floats(17.0, 70.0), seed=st.integers(0, 10_000),
)
def test_tessellation_conserves_counts(nx, ny, x_off, y_off, step, seed):
    """Σ centre counts over a tessellation = valid cells whose centre it covers; fractions ok."""
    a = make_raster(seed)
    grid = RasterGrid(TRANSFORM, 20, 20, CRS)
    x0, y0 = 500_000 + x_off, 3_800_000 + y_off
    boxes = [shapely.box(x0 + i * step, y0 + j * step, x0 + (i + 1) * step, y0 + (j + 1) * step)
             for i in range(nx) for j in range(ny)]
    units = gpd.GeoDataFrame(geometry=boxes, crs=CRS)
    if not grid.overlaps(tuple(units.total_bounds)):
        return
    out = zonal_stats(units, (a, grid, NODATA), ("count", "area"), coverage="centre",
                      thresholds=[0.3])
    union = shapely.box(x0, y0, x0 + nx * step, y0 + ny * step)
    whole = zonal_stats(gpd.GeoSeries([union], crs=CRS), (a, grid, NODATA), ("count",),
                        coverage="centre")
    assert out["count"].sum() == whole["count"].iloc[0]  # each centre in exactly one tile
    xs, ys = grid.cell_centres(*np.indices(grid.shape))
    strictly = shapely.contains_xy(union, xs, ys) & (a != NODATA)
    on_edge = shapely.intersects_xy(union.boundary, xs, ys)
    assert strictly.sum() <= out["count"].sum() <= strictly.sum() + on_edge.sum()
    frac = out["frac_ge_0.3"].dropna()
    assert ((frac >= 0) & (frac <= 1)).all()
    exact = zonal_stats(units, (a, grid, NODATA), ("area", "count"), thresholds=[0.3])
    assert ((exact["frac_ge_0.3"].dropna() >= 0) & (exact["frac_ge_0.3"].dropna() <= 1)).all()
    np.testing.assert_allclose(
        exact["area"].sum(), shapely.intersection(union, shapely.box(*grid.bounds)).area,
        rtol=1e-6,
    )


def test_threshold_compared_in_raster_dtype():
    """float32(0.7) < 0.7: cells holding it count as ≥ 0.7 in runs and partial cells alike."""
    a = np.full((20, 20), 0.7, dtype="float32")
    grid = RasterGrid(TRANSFORM, 20, 20, CRS)
    out = zonal_stats(odd_units(), (a, grid), ("count",), thresholds=[0.7])
    np.testing.assert_array_equal(out["frac_ge_0.7"], 1.0)
    a[0, 0] = np.nan  # the bad-run path too
    out = zonal_stats(odd_units(), (a, grid), ("count",), thresholds=[0.7])
    np.testing.assert_array_equal(out["frac_ge_0.7"], 1.0)


@pytest.mark.parametrize("chunk", [20, 40, 1 << 18])
def test_chunked_reduction_agrees(tif, monkeypatch, chunk):
    """Row chunks of any size give the same thresholds counts."""
    from gistool.overlay import zonal

    units = odd_units()
    kw = {"thresholds": [-1.0, 0.15, 0.5, 1.0, 3.0], "classes": [(0.15, 0.5), (0.5, None)]}
    ref = zonal_stats(units, tif, ("count",), **kw)
    monkeypatch.setattr(zonal, "CHUNK_CELLS", chunk)
    pd.testing.assert_frame_equal(zonal_stats(units, tif, ("count",), **kw), ref)


@pytest.mark.filterwarnings("ignore:Use `@` matmul:PendingDeprecationWarning")  # rasterstats
def test_centre_with_sliver_overlaps_equals_rasterstats(tif):
    """Neighbours overlapping by 1e-7 m slivers (common in real layers) stay exact."""
    from rasterstats import zonal_stats as rs_zonal

    x0, y1 = 500_000.0, 3_800_200.0
    cut = [(x0 + 3.3, y1 - 3.1), (x0 + 97.7, y1 - 181.9)]
    left = shapely.Polygon([(x0 + 3.3, y1 - 3.1), *cut[1:], (x0 + 1, y1 - 190)])
    right = shapely.Polygon([*cut, (x0 + 190, y1 - 120)]).buffer(1e-7, join_style="mitre")
    # a third unit overlapping the second for real, holding cell centres
    third = shapely.box(x0 + 60, y1 - 120, x0 + 120, y1 - 60)
    units = gpd.GeoDataFrame(geometry=[left, right, third], crs=CRS)
    ours = zonal_stats(units, tif, ("count", "sum", "min", "max"), coverage="centre")
    ref = pd.DataFrame(rs_zonal(list(units.geometry), tif, stats=["count", "sum", "min", "max"]))
    np.testing.assert_array_equal(ours["count"], ref["count"])
    np.testing.assert_allclose(ours["sum"], ref["sum"], rtol=1e-6)
    np.testing.assert_array_equal(ours["max"], ref["max"])


def test_layers_read_once_equal_separate_calls(tmp_path, tif):
    units = odd_units()
    halves = gpd.GeoDataFrame(
        geometry=[shapely.box(500_000, 3_800_000, 500_100, 3_800_200),
                  shapely.box(500_100, 3_800_000, 500_200, 3_800_200)], crs=CRS,
    )
    other = write_tif(tmp_path / "b.tif", make_raster(seed=5))
    rasters = {"a": tif, "b": other}
    kw = {"thresholds": [0.15], "classes": [(None, 1.0), (1.0, None)]}
    out = zonal_stats_layers({"odd": units, "halves": halves}, rasters, block_cells=60, **kw)
    for lname, layer in (("odd", units), ("halves", halves)):
        for rname, raster in rasters.items():
            pd.testing.assert_frame_equal(out[lname][rname], zonal_stats(layer, raster, **kw),
                                          rtol=1e-6)


def test_coverage_cells_equal_exactextract(tif):
    from exactextract import exact_extract

    units = odd_units()
    cov = coverage(units, RasterGrid.from_raster(tif))
    ref = exact_extract(tif, units.reset_index(drop=True), ["cell_id", "coverage"],
                        output="pandas")
    valid = make_raster().ravel() != NODATA  # exactextract lists valid cells only
    for i in range(len(units)):
        cells, weights = cov.cells_of(i)
        cells, weights = cells[valid[cells]], weights[valid[cells]]
        keep = ref["coverage"][i] > 0
        np.testing.assert_array_equal(cells, ref["cell_id"][i][keep])
        np.testing.assert_allclose(weights, ref["coverage"][i][keep], rtol=1e-12)
    assert cov.nbytes > 0


def test_coverage_pickles_for_reuse_in_other_processes(tif):
    import pickle

    units = odd_units()
    cov = coverage(units, RasterGrid.from_raster(tif))
    back = pickle.loads(pickle.dumps(cov))
    assert back.grid == cov.grid
    pd.testing.assert_frame_equal(zonal_stats(units, tif, cov=back), zonal_stats(units, tif))
