"""Synthetic terrain, rivers and flood depths of the embedded Changge dataset."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from affine import Affine
from shapely.geometry import box

from gistool.datasets import hydro
from gistool.datasets.terrain import grid_for, make_dem
from gistool.errors import CRSError, GeometryError, InputError

_OUTLINE = "changge_outline_cgcs2000.geojson"


def _outline_path() -> Path:
    here = Path(__file__).resolve().parents[1]
    for candidate in (
        here / "gistool" / "datasets" / "reference" / _OUTLINE,
        here / "data" / "boundaries" / _OUTLINE,
        here.parent / "shared" / "reference" / _OUTLINE,
    ):
        if candidate.exists():
            return candidate
    pytest.skip("Changge outline not found")
    raise AssertionError  # unreachable


@pytest.fixture(scope="module")
def outline() -> gpd.GeoDataFrame:
    return gpd.read_file(_outline_path()).to_crs("EPSG:4547")


@pytest.fixture(scope="module")
def terrain(outline: gpd.GeoDataFrame):
    dem0, transform = make_dem(outline, seed=7)
    rivers = hydro.make_rivers(dem0, transform, outline, seed=7)
    dem = hydro.carve_valleys(dem0, transform, rivers)
    floods = hydro.make_flood_depths(dem, transform, rivers, outline)
    return dem0, dem, transform, rivers, floods


# ---------------------------------------------------------------- tiny, hand-computed


def test_grid_for_aligns_to_resolution() -> None:
    transform, height, width = grid_for(box(1003, 2004, 1995, 2496), res=10, margin=20)
    assert (transform.a, transform.e) == (10.0, -10.0)
    assert (transform.c, transform.f) == (980.0, 2520.0)  # floor(983), ceil(2516)
    assert (height, width) == (54, 104)  # (2520-1980)/10, (2020-980)/10


def test_grid_for_refuses_bad_input() -> None:
    with pytest.raises(GeometryError, match="Polygon"):
        grid_for(shapely.LineString([(0, 0), (1, 1)]))
    with pytest.raises(CRSError, match="set_crs"):
        grid_for(gpd.GeoSeries([box(0, 0, 1, 1)]))
    with pytest.raises(ValueError, match="positive"):
        grid_for(box(0, 0, 100, 100), res=0)


def test_valley_stage_rises_with_return_period_and_size() -> None:
    v = hydro.Valley(20.0)
    # D_c = 1.5 + 0.025*20 = 2.0, D_t = 3 + 0.08*20 = 4.6, f_20 = 0.22
    assert v.stage(20) == pytest.approx(2.0 + 2.6 * 0.22)
    assert v.stage(100) == pytest.approx(2.0 + 2.6 * 0.58)
    assert v.stage(20) < v.stage(50) < v.stage(100)
    assert hydro.Valley(60.0).stage(20) > v.stage(20)


def _straight_river(width_m: float = 20.0) -> tuple[Affine, gpd.GeoDataFrame]:
    transform = Affine(10.0, 0.0, 0.0, 0.0, -10.0, 500.0)  # 50 x 50 cells
    line = shapely.LineString([(5.0, 255.0), (495.0, 255.0)])  # row 24, west → east
    rivers = gpd.GeoDataFrame(
        {"name": ["试验河"], "width_m": [width_m]}, geometry=[line], crs="EPSG:4547"
    )
    return transform, rivers


def test_flood_depth_on_a_flat_plain_matches_formula() -> None:
    transform, rivers = _straight_river()
    dem = np.full((50, 50), 100.0, dtype=np.float32)
    out = hydro.make_flood_depths(dem, transform, rivers, box(0, 0, 400, 500), (20, 100))
    v = hydro.Valley(20.0)
    for period in (20, 100):
        depth = out[period]
        assert depth.dtype == np.float32
        # HAND = 0 everywhere: h = S_T exp(-(d/A_T)^2), A_T = 1.5 L (T/20)^0.3
        reach = 1.5 * v.length * (period / 20) ** 0.3
        for row in (24, 34, 49):
            d = abs(row - 24) * 10.0
            assert depth[row, 10] == pytest.approx(v.stage(period) * math.exp(-((d / reach) ** 2)))
        assert (depth[:, 40:] == hydro.NODATA).all()  # x ≥ 400 m is outside the boundary


def test_flood_stays_out_of_higher_ground_and_basins_below_the_river() -> None:
    transform, rivers = _straight_river()
    dem = np.full((50, 50), 100.0, dtype=np.float32)
    dem[30, :] = 110.0  # a levee-like ridge south of the river
    dem[35:, :] = 99.5  # land behind it, lower than the stage: cut off
    dem[:10, :] = 98.0  # land north of it 2 m below the bed: drains elsewhere
    out = hydro.make_flood_depths(dem, transform, rivers, box(0, 0, 500, 500), (20,))[20]
    assert (out[24, :] > 0).all()
    assert (out[30:, :] == 0).all()
    assert (out[:10, :] == 0).all()
    assert (out[15, :] > 0).all()


def test_carve_valleys_makes_the_bed_fall_downstream() -> None:
    transform, rivers = _straight_river()
    cols = np.arange(50)
    dem = np.tile(100.0 - 0.05 * cols, (50, 1)).astype(np.float32)  # falls to the east
    dem[:, 20:25] += 3.0  # a bump the river must cut through
    carved = hydro.carve_valleys(dem, transform, rivers)
    bed = carved[24, :]
    assert (np.diff(bed) <= 0).all()
    assert (carved <= dem).all()
    assert bed[0] <= dem[24, 0] - hydro.Valley(20.0).total_depth + 1e-4
    # banks rise away from the channel
    assert carved[24, 10] < carved[27, 10] < carved[40, 10]


def test_rain_ponds_in_hollows_of_the_plain_away_from_rivers() -> None:
    transform = Affine(10.0, 0.0, 0.0, 0.0, -10.0, 3000.0)  # 300 x 300 cells
    line = shapely.LineString([(5.0, 2995.0), (2995.0, 2995.0)])  # along the top row
    rivers = gpd.GeoDataFrame({"name": ["河"], "width_m": [20.0]}, geometry=[line], crs="EPSG:4547")
    rows, cols = np.mgrid[0:300, 0:300]
    r2 = (rows - 250) ** 2 + (cols - 150) ** 2  # 2.5 km from the river
    dem = (100.0 - 1.0 * np.exp(-r2 / 15.0**2)).astype(np.float32)  # a 1 m hollow
    area = box(0, 0, 3000, 3000)
    wet = hydro.make_flood_depths(dem, transform, rivers, area, (20, 100))
    dry = hydro.make_flood_depths(dem, transform, rivers, area, (20, 100), ponding=False)
    assert dry[100][250, 150] == 0.0
    # hollow ~1 m below the smoothed ground, minus the threshold c_T
    assert 1.0 - 0.4 - 0.1 < wet[20][250, 150] <= 1.0 - 0.4
    assert 1.0 - 0.15 - 0.1 < wet[100][250, 150] <= 1.0 - 0.15
    assert (wet[100] >= wet[20]).all()
    assert (wet[100] >= dry[100]).all()
    assert (wet[100][150:200] == dry[100][150:200]).all()  # flat ground: no ponding


def test_connected_to_rivers() -> None:
    wet = np.zeros((5, 5), dtype=bool)
    wet[0, :3] = True
    wet[4, 4] = True
    river = np.zeros((5, 5), dtype=bool)
    river[0, 0] = True
    got = hydro._connected_to_rivers(wet, river)
    assert got.sum() == 3
    assert not got[4, 4]


def test_river_channels_buffer_by_half_width() -> None:
    _, rivers = _straight_river(30.0)
    channels = hydro.river_channels(rivers)
    assert channels.crs == rivers.crs
    assert channels.area.iloc[0] == pytest.approx(490.0 * 30.0 + math.pi * 15.0**2, rel=1e-3)


# ---------------------------------------------------------------- the Changge dataset


def test_dem_range_and_gradient(outline: gpd.GeoDataFrame, terrain) -> None:
    from rasterio.features import geometry_mask

    _, dem, transform, _, _ = terrain
    assert dem.dtype == np.float32
    inside = ~geometry_mask(outline.geometry, out_shape=dem.shape, transform=transform)
    z = dem[inside]
    assert 190.0 < z.max() < 240.0  # low hills, ~220 m
    assert 50.0 < z.min() < 70.0  # plain (and river beds) down to ~65 m
    h, w = dem.shape
    nw = np.median(dem[: h // 2, : w // 4][inside[: h // 2, : w // 4]])
    se = np.median(dem[h // 2 :, 3 * w // 4 :][inside[h // 2 :, 3 * w // 4 :]])
    assert nw > se + 40.0
    assert 60.0 < se < 75.0


def test_rivers_named_inside_and_downhill(outline: gpd.GeoDataFrame, terrain) -> None:
    _, dem, transform, rivers, _ = terrain
    assert rivers.crs.to_epsg() == 4547
    assert {"双洎河", "清潩河", "小洪河"} <= set(rivers["name"])
    assert len(rivers) >= 5
    assert (rivers["width_m"] > 0).all()
    near = outline.geometry.iloc[0].buffer(200.0)
    assert rivers.within(near).all()
    for line in rivers.geometry:
        xy = shapely.get_coordinates(line)
        rows, cols = hydro.rowcol(transform, xy[:, 0], xy[:, 1])
        assert (np.diff(dem[rows, cols]) <= 0).all()
        r, c = hydro.river_cells(line, transform, dem.shape)
        assert (np.diff(dem[r, c]) <= 0).all()
    # the 双洎河 flows roughly west → east, the 清潩河 north → south
    by_name = dict(zip(rivers["name"], rivers.geometry, strict=True))
    a, b = shapely.get_coordinates(by_name["双洎河"])[[0, -1]]
    assert b[0] - a[0] > 20_000
    a, b = shapely.get_coordinates(by_name["清潩河"])[[0, -1]]
    assert a[1] - b[1] > 12_000
    # tributaries end exactly on their parent
    assert by_name["石梁河"].boundary.geoms[1].distance(by_name["清潩河"]) < 1e-6


def test_flood_nested_and_area_shares(terrain) -> None:
    *_, floods = terrain
    d20, d50, d100 = floods[20], floods[50], floods[100]
    inside = d20 != hydro.NODATA
    assert ((d50 != hydro.NODATA) == inside).all()
    assert (d20[inside] <= d50[inside]).all()
    assert (d50[inside] <= d100[inside]).all()
    share = {t: float((floods[t][inside] >= 0.15).mean()) for t in (20, 50, 100)}
    assert 0.03 <= share[20] <= 0.06
    assert share[20] < share[50] < share[100]
    assert 0.10 <= share[100] <= 0.18
    z = d100[inside]
    for lo, hi in ((0.15, 0.5), (0.5, 1.0), (1.0, 2.0), (2.0, np.inf)):
        assert ((z >= lo) & (z < hi)).mean() > 0.005, (lo, hi)


def test_deterministic(outline: gpd.GeoDataFrame, terrain) -> None:
    dem0, _, transform, rivers, _ = terrain
    again, transform2 = make_dem(outline, seed=7)
    assert transform2 == transform
    assert np.array_equal(again, dem0)
    rivers2 = hydro.make_rivers(again, transform, outline, seed=7)
    assert rivers2.geometry.geom_equals_exact(rivers.geometry, tolerance=0).all()
    other, _ = make_dem(outline, seed=8)
    assert not np.array_equal(other, dem0)


@pytest.mark.parametrize("module", ["gistool.datasets.terrain", "gistool.datasets.hydro"])
def test_docstring_examples_run(module: str) -> None:
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


def test_flood_refuses_unusable_rivers() -> None:
    transform, rivers = _straight_river()
    dem = np.full((50, 50), 100.0, dtype=np.float32)
    area = box(0, 0, 500, 500)
    with pytest.raises(CRSError, match="to_crs"):
        hydro.make_flood_depths(dem, transform, rivers.to_crs("EPSG:4326"), area)
    far = rivers.set_geometry(rivers.translate(1e6, 0).geometry)
    with pytest.raises(InputError, match="no river line crosses"):
        hydro.make_flood_depths(dem, transform, far, area)
    multi = rivers.set_geometry([shapely.MultiLineString([[(5, 5), (50, 5)]])])
    with pytest.raises(GeometryError, match="explode"):
        hydro.carve_valleys(dem, transform, multi)
