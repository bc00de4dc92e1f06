"""Points, polygon classes and distances against independent implementations."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely

from gistool.errors import CRSError, GeometryError, InputError, SchemaError
from gistool.overlay import (
    RasterGrid,
    class_area_shares,
    count_points,
    nearest_distance,
    point_in_units,
    sample_raster,
)
from tests.test_overlay_zonal import CRS, NODATA, TRANSFORM, make_raster, odd_units, write_tif


def random_points(n: int, seed: int = 1, pad: float = 30.0) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    x = rng.uniform(500_000 - pad, 500_200 + pad, n)
    y = rng.uniform(3_800_000 - pad, 3_800_200 + pad, n)
    # some points exactly on cell edges and corners
    x[:20] = np.round(x[:20], -1)
    y[10:30] = np.round(y[10:30], -1)
    cats = rng.choice(["hazardous_chemicals", "general", "fireworks"], n)
    return gpd.GeoDataFrame(
        {"category": cats, "employees": rng.integers(1, 50, n).astype(float)},
        geometry=shapely.points(x, y), crs=CRS,
    )


def test_sample_raster_equals_rasterio_sample(tmp_path):
    a = make_raster()
    path = write_tif(tmp_path / "d.tif", a)
    pts = random_points(2000)
    ours = sample_raster(pts, path)
    xy = np.column_stack([pts.geometry.x, pts.geometry.y])
    with rasterio.open(path) as ds:
        ref = np.array([v[0] for v in ds.sample(xy)], dtype=float)
        grid = RasterGrid.from_raster(ds)
    row, col = grid.rowcol(xy[:, 0], xy[:, 1])
    inside = (row >= 0) & (row < 20) & (col >= 0) & (col < 20)
    assert np.isnan(ours[~inside]).all()
    ref_in = np.where(ref[inside] == NODATA, np.nan, ref[inside])
    np.testing.assert_array_equal(ours[inside], ref_in)
    assert np.isnan(ours[inside]).any()  # nodata cells became NaN
    # windowed reading gives the same values
    np.testing.assert_array_equal(sample_raster(pts, path, block_cells=7), ours)
    np.testing.assert_array_equal(sample_raster(pts, (a, grid, NODATA)), ours)


def test_sample_raster_refuses_bad_input(tmp_path):
    path = write_tif(tmp_path / "d.tif", make_raster())
    with pytest.raises(CRSError, match="EPSG:4326"):
        sample_raster(random_points(5).to_crs("EPSG:4326"), path)
    with pytest.raises(GeometryError, match="representative_point"):
        sample_raster(odd_units(), path)
    with pytest.raises(InputError, match="none of the 5 points"):
        sample_raster(random_points(5).translate(xoff=1e5), path)


@pytest.mark.parametrize("method", ["lookup", "tree", "auto"])
def test_point_in_units_equals_sjoin(method):
    units = odd_units()  # includes overlapping units
    pts = random_points(5000)
    # add points exactly on unit boundaries and vertices
    verts = shapely.get_coordinates(units.geometry.boundary)[::3]
    on_edge = gpd.GeoDataFrame(
        {"category": ["general"] * len(verts), "employees": 1.0},
        geometry=shapely.points(verts), crs=CRS,
    )
    pts = pd.concat([pts, on_edge], ignore_index=True)
    ours = point_in_units(pts, units, method=method)
    joined = gpd.sjoin(pts, units.reset_index(drop=True), predicate="intersects", how="left")
    ref = joined.groupby(level=0)["index_right"].min().reindex(pts.index)
    ref = ref.fillna(-1).astype(np.int64).to_numpy()
    np.testing.assert_array_equal(ours, ref)
    assert (ours >= 0).sum() > 1000


def test_count_points_by_hand_and_vs_sjoin():
    units = gpd.GeoDataFrame(
        {"name": ["a", "b"]},
        geometry=[shapely.box(0, 0, 10, 10), shapely.box(10, 0, 20, 10)],
        crs=CRS, index=pd.Index(["u1", "u2"]),
    )
    pts = gpd.GeoDataFrame(
        {"category": ["x", "y", "x", "y"], "employees": [5.0, np.nan, 2.0, 4.0]},
        geometry=shapely.points([(1, 1), (2, 2), (15, 5), (50, 50)]), crs=CRS,
    )
    plain = count_points(units, pts, weights="employees")
    assert plain["count"].tolist() == [2, 1]
    assert plain["employees"].tolist() == [5.0, 2.0]
    by = count_points(units, pts, by="category")
    assert by.loc["u1"].tolist() == [1, 1]
    assert by.loc["u2"].tolist() == [1, 0]
    wby = count_points(units, pts, by="category", weights="employees")
    assert wby.loc["u1", "x"] == 5.0
    assert wby.loc["u2", "x"] == 2.0
    # larger case against sjoin + groupby
    big_units = odd_units()  # overlapping units: a point counts for the first one
    many = random_points(3000, seed=7)
    ours = count_points(big_units, many, by="category")
    j = gpd.sjoin(many, big_units, predicate="intersects").sort_values("uid", kind="stable")
    j = j[~j.index.duplicated(keep="first")]
    ref = j.groupby(["uid", "category"]).size().unstack(fill_value=0)
    ref = ref.reindex(big_units.index, fill_value=0)
    np.testing.assert_array_equal(ours[ref.columns].to_numpy(), ref.to_numpy())
    with pytest.raises(SchemaError, match="no column 'kind'"):
        count_points(units, pts, by="kind")


def test_class_area_shares_equals_overlay():
    units = odd_units()
    rng = np.random.default_rng(3)
    zones = gpd.GeoDataFrame(
        {"susceptibility": ["high", "medium", "low", "medium"]},
        geometry=[
            shapely.Point(500_060, 3_800_100).buffer(55),
            shapely.box(500_120, 3_800_000, 500_300, 3_800_090),
            shapely.Polygon(
                rng.uniform(0, 1, (3, 2))
                + np.array([[500_100, 3_800_120], [500_180, 3_800_200], [500_200, 3_800_130]])
            ),
            shapely.box(499_990, 3_799_990, 500_020, 3_800_010),
        ],
        crs=CRS,
    )
    ours = class_area_shares(units, zones, "susceptibility")
    ov = gpd.overlay(units.reset_index(), zones, how="intersection", keep_geom_type=True)
    ov["a"] = ov.area
    ref = ov.groupby(["uid", "susceptibility"])["a"].sum().unstack(fill_value=0.0)
    ref = ref.reindex(index=units.index, columns=ours.columns, fill_value=0.0)
    ref = ref.div(units.area, axis=0)
    np.testing.assert_allclose(ours.to_numpy(), ref.to_numpy(), atol=1e-12)
    assert (ours.to_numpy() >= 0).all()
    assert (ours.sum(axis=1) <= 1 + 1e-9).all()


def test_nearest_distance_equals_brute_force():
    pts = random_points(500)
    feats = gpd.GeoSeries(
        [shapely.LineString([(500_010, 3_800_010), (500_150, 3_800_170)]),
         shapely.Point(500_190, 3_800_020), shapely.box(499_950, 3_800_150, 499_990, 3_800_190)],
        crs=CRS,
    )
    d, i = nearest_distance(pts, feats, return_index=True)
    full = shapely.distance(
        np.asarray(pts.geometry.values)[:, None], np.asarray(feats.values)[None, :]
    )
    np.testing.assert_allclose(d, full.min(axis=1), rtol=1e-12)
    np.testing.assert_array_equal(full[np.arange(len(pts)), i], d)
    with pytest.raises(InputError, match="no geometries"):
        nearest_distance(pts, gpd.GeoSeries([], crs=CRS))
    with pytest.raises(CRSError):
        nearest_distance(pts, feats.to_crs("EPSG:4326"))


def test_transform_constant_is_grid():
    assert RasterGrid(TRANSFORM, 20, 20, CRS).bounds == (500_000.0, 3_800_000.0, 500_200.0,
                                                         3_800_200.0)


def test_missing_and_empty_points(tmp_path):
    path = write_tif(tmp_path / "d.tif", make_raster())
    units = odd_units()
    pts = gpd.GeoSeries([shapely.Point(500_081, 3_800_121), shapely.Point(), None], crs=CRS)
    vals = sample_raster(pts, path)
    assert np.isfinite(vals[0])
    assert np.isnan(vals[1:]).all()
    for method in ("tree", "lookup"):
        where = point_in_units(pts, units, method=method)
        assert where[0] == 0
        assert (where[1:] == -1).all()
    d = nearest_distance(pts, units)
    assert d[0] == 0
    assert np.isnan(d[1:]).all()
