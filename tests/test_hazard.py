"""Hazard H: flood classes on tiny rasters, geological hazard, combination."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from affine import Affine
from shapely.geometry import Point, box

from gistool.errors import SchemaError
from gistool.hazard import (
    assign_points,
    combine_hazard,
    combine_return_periods,
    flood_class_fractions,
    flood_hazard,
    geo_hazard,
    geohazard_point_density,
    geohazard_point_weights,
    hazard_indicators,
    minmax,
    susceptibility_score,
    susceptibility_shares,
)

CRS = "EPSG:4547"
NODATA = -9999.0


def write_raster(path, arr, *, x0=0.0, y1=200.0, res=100.0):
    arr = np.asarray(arr, dtype="float32")
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=arr.shape[1],
        height=arr.shape[0],
        count=1,
        dtype="float32",
        crs=CRS,
        transform=Affine(res, 0.0, x0, 0.0, -res, y1),
        nodata=NODATA,
    ) as dst:
        dst.write(arr, 1)
    return path


#: 100-year depths: 2 rows × 4 columns of 100 m cells over x 0–400, y 0–200
D100 = [[0.1, 0.3, 0.7, NODATA], [1.5, 2.5, 0.0, 0.6]]
#: 20-year depths
D20 = [[0.0, 0.0, 0.0, NODATA], [0.2, 0.0, 0.0, 0.0]]


@pytest.fixture
def units():
    # A covers four whole cells; B covers half of two cells, one nodata cell,
    # one whole cell, and sticks 50 m out of the raster
    return gpd.GeoDataFrame(
        {"code": ["A", "B"]},
        geometry=[box(0, 0, 200, 200), box(250, 0, 450, 200)],
        crs=CRS,
    )


def test_flood_class_fractions_by_hand(tmp_path, units):
    f = flood_class_fractions(units, write_raster(tmp_path / "d100.tif", D100))
    # A (4 ha): 0.3 → class 1, 1.5 → class 3, 2.5 → class 4, 0.1 dry
    assert f.loc[0].tolist() == pytest.approx([0.25, 0.0, 0.25, 0.25, 0.75])
    # B (4 ha): half of the 0.7 cell (0.5 ha) + the 0.6 cell (1 ha) in class 2
    assert f.loc[1].tolist() == pytest.approx([0.0, 0.375, 0.0, 0.0, 0.375])
    # the centre rule counts whole cells whose centre is inside: C (x 240–400,
    # 3.2 ha) holds the centres of the 0.7 and 0.6 cells → 2 ha / 3.2 ha
    c = gpd.GeoDataFrame(geometry=[box(240, 0, 400, 200)], crs=CRS)
    fc = flood_class_fractions(c, write_raster(tmp_path / "d.tif", D100), method="centre")
    assert fc.loc[0, "frac_c2"] == pytest.approx(2 / 3.2)


def test_flood_hazard_scores_and_return_periods(tmp_path, units):
    fr = {
        100: flood_class_fractions(units, write_raster(tmp_path / "a.tif", D100)),
        20: flood_class_fractions(units, write_raster(tmp_path / "b.tif", D20)),
    }
    h = flood_hazard(fr)
    # h100: A (1·.25 + 3·.25 + 4·.25)/4 = .5, B 2·.375/4 = .1875; h20: A .25/4, B 0
    assert h["flood_h_100"].tolist() == pytest.approx([0.5, 0.1875])
    assert h["flood_h_20"].tolist() == pytest.approx([0.0625, 0.0])
    # p = 1/20, 1/100: (0.05·h20 + 0.01·h100) / 0.06
    assert h["H_flood"].tolist() == pytest.approx(
        [(0.05 * 0.0625 + 0.01 * 0.5) / 0.06, (0.01 * 0.1875) / 0.06]
    )
    assert h["flood_frac_100"].tolist() == pytest.approx([0.75, 0.375])
    with pytest.raises(ValueError, match="return periods"):
        combine_return_periods({})


def test_susceptibility_shares_and_score(units):
    zones = gpd.GeoDataFrame(
        {"susceptibility": ["high", "low", "medium"]},
        geometry=[box(0, 0, 100, 200), box(100, 0, 200, 100), box(250, 0, 450, 100)],
        crs=CRS,
    )
    s = susceptibility_shares(units, zones)
    assert s.loc[0].tolist() == pytest.approx([0.5, 0.0, 0.25])
    assert s.loc[1].tolist() == pytest.approx([0.0, 0.5, 0.0])
    # (3·.5 + 1·.25)/3, 2·.5/3
    assert susceptibility_score(s) == pytest.approx([1.75 / 3, 1 / 3])
    with pytest.raises(SchemaError, match="extreme"):
        susceptibility_shares(units, zones.assign(susceptibility=["extreme", "low", "high"]))


def test_point_weights_density_and_assignment(units):
    pts = gpd.GeoDataFrame(
        {
            "id": ["p1", "p2", "p3"],
            "hazard_type": ["collapse"] * 3,
            "threatened_people": [0.0, np.e**2 - 1, 50.0],
        },
        geometry=[Point(50, 50), Point(150, 150), Point(1000, 1000)],
        crs=CRS,
    )
    assert geohazard_point_weights(pts) == pytest.approx([1.0, 3.0, 1 + np.log(51)])
    assert assign_points(pts, units).tolist() == [0, 0, -1]
    # A: (1 + 3) / 0.04 km² = 100 per km²; B none
    assert geohazard_point_density(units, pts) == pytest.approx([100.0, 0.0])
    assert geohazard_point_density(units, None).tolist() == [0.0, 0.0]


def test_geo_and_combined_hazard_formulas():
    assert geo_hazard([0.5, 0.2, 0.0], [10.0, 0.0, 5.0]) == pytest.approx(
        [0.6 * 0.5 + 0.4, 0.6 * 0.2, 0.4 * 0.5]
    )
    assert combine_hazard([1.0, 3.0], [2.0, 2.0], w_flood=0.7, w_geo=0.3) == pytest.approx(
        [0.0, 0.7]
    )
    assert minmax([np.nan, 2.0]).tolist() == [0.0, 1.0]


def test_hazard_indicators_end_to_end(tmp_path, units):
    flood = {
        100: write_raster(tmp_path / "d100.tif", D100),
        20: write_raster(tmp_path / "d20.tif", D20),
    }
    zones = gpd.GeoDataFrame(
        {"susceptibility": ["high"]}, geometry=[box(250, 0, 450, 200)], crs=CRS
    )
    h = hazard_indicators(units, flood_depth=flood, geohazard_zones=zones)
    hf = [(0.05 * 0.0625 + 0.01 * 0.5) / 0.06, (0.01 * 0.1875) / 0.06]
    assert h["H_flood"].tolist() == pytest.approx(hf)
    assert h["g_zone"].tolist() == pytest.approx([0.0, 1.0])
    assert h["H_geo"].tolist() == pytest.approx([0.0, 0.6])
    # mm(H_flood) = 1, 0; mm(H_geo) = 0, 1
    assert h["H"].tolist() == pytest.approx([0.7, 0.3])
    assert isinstance(h, pd.DataFrame)
    assert list(h.index) == list(units.index)


@pytest.mark.parametrize(
    ("west", "north"),
    [(-100.0, 2600.0), (200.0, 2200.0), (-20.0, 2330.0)],
    ids=["nested", "nested-grid-overhangs-raster", "not-nested"],
)
def test_grid_block_fractions_equal_exact_coverage(tmp_path, west, north):
    from shapely.geometry import Polygon

    from gistool.hazard import grid_class_fractions, read_raster
    from gistool.units import make_grid_units

    rng = np.random.default_rng(7)
    depth = rng.choice([0.0, 0.2, 0.7, 1.5, 2.5, NODATA], size=(23, 37)).astype("float32")
    path = write_raster(tmp_path / "d.tif", depth, x0=west, y1=north, res=100.0)
    # a boundary that clips cells and pokes out of the raster on the east
    poly = Polygon([(0, 0), (3900, 0), (3900, 900), (2500, 2300), (0, 1800)])
    grid = make_grid_units(gpd.GeoDataFrame(geometry=[poly], crs=CRS), size=500)
    fast = grid_class_fractions(grid, read_raster(path))
    exact = flood_class_fractions(grid, path)
    assert fast.columns.tolist() == exact.columns.tolist()
    np.testing.assert_allclose(fast.to_numpy(), exact.to_numpy(), atol=1e-9)
    assert fast["frac_wet"].max() > 0.5


def test_grid_block_fractions_by_hand_with_nan_and_a_high_nodata():
    from gistool.hazard import grid_class_fractions
    from gistool.overlay import RasterGrid
    from gistool.units import make_grid_units

    # 4 × 4 cells of 250 m, so each 500 m grid cell is a 2 × 2 block; nodata 9999
    # lies above every class edge and must count as dry, like NaN
    nd = 9999.0
    depth = np.array(
        [
            [0.2, 0.6, nd, 3.0],
            [np.nan, 1.5, 0.0, 0.1],
            [2.5, 2.5, 0.15, 0.49],
            [0.5, 1.0, nd, nd],
        ],
        dtype="float32",
    )
    rgrid = RasterGrid(Affine(250.0, 0.0, 0.0, 0.0, -250.0, 1000.0), 4, 4, CRS)
    grid = make_grid_units(gpd.GeoDataFrame(geometry=[box(0, 0, 1000, 1000)], crs=CRS))
    f = grid_class_fractions(grid, (depth, rgrid, nd))
    assert grid["cell_id"].tolist() == ["r00c00", "r00c01", "r01c00", "r01c01"]
    # r0c0: 0.2 → c1, 0.6 → c2, NaN dry, 1.5 → c3; r0c1: nodata, 3.0 → c4, two dry;
    # r1c0: 2.5, 2.5 → c4, 0.5 → c2, 1.0 → c3; r1c1: 0.15, 0.49 → c1, two nodata
    assert f["frac_c1"].tolist() == [0.25, 0.0, 0.0, 0.5]
    assert f["frac_c2"].tolist() == [0.25, 0.0, 0.25, 0.0]
    assert f["frac_c3"].tolist() == [0.25, 0.0, 0.25, 0.0]
    assert f["frac_c4"].tolist() == [0.0, 0.25, 0.5, 0.0]
    assert f["frac_wet"].tolist() == [0.75, 0.25, 1.0, 0.5]


@pytest.mark.parametrize("strip_bytes", [1, 3000, 10**9])
def test_read_raster_in_strips_equals_one_read(tmp_path, monkeypatch, strip_bytes):
    import gistool.hazard as hazard

    rng = np.random.default_rng(5)
    depth = rng.choice([0.0, 0.3, 1.2, np.nan, NODATA], size=(70, 45)).astype("float32")
    path = tmp_path / "tiled.tif"
    with rasterio.open(
        path, "w", driver="GTiff", width=45, height=70, count=1, dtype="float32", crs=CRS,
        transform=Affine(10.0, 0.0, 0.0, 0.0, -10.0, 700.0), nodata=NODATA,
        tiled=True, blockxsize=16, blockysize=16, compress="deflate",
    ) as dst:
        dst.write(depth, 1)
    monkeypatch.setattr(hazard, "READ_STRIP_BYTES", strip_bytes)  # 1: one block row a strip
    arr, grid, nodata = hazard.read_raster(path)
    np.testing.assert_array_equal(arr, depth)
    assert arr.dtype == np.float32
    assert (grid.width, grid.height, nodata) == (45, 70, NODATA)
    assert grid.transform == Affine(10.0, 0.0, 0.0, 0.0, -10.0, 700.0)


def test_grid_densities_use_the_nominal_cell_area():
    from gistool.hazard import density_area_km2
    from gistool.units import make_grid_units

    # a 1000 × 510 m boundary: the northern row is a 10 m sliver
    b = gpd.GeoDataFrame(geometry=[box(0, 0, 1000, 510)], crs=CRS)
    grid = make_grid_units(b, size=500)
    assert density_area_km2(grid).tolist() == [0.25] * 4
    pts = gpd.GeoDataFrame(
        {"id": ["p"], "hazard_type": ["collapse"]}, geometry=[Point(100, 505)], crs=CRS
    )
    d = geohazard_point_density(grid, pts)
    assert d.max() == pytest.approx(4.0)  # 1 point per 0.25 km², not per 0.005 km²
    # other layers use their own area
    assert density_area_km2(gpd.GeoDataFrame(geometry=[box(0, 0, 10, 10)], crs=CRS)).tolist() == [
        1e-4
    ]


def test_hazard_indicators_on_a_grid_match_exact_coverage(tmp_path):
    from gistool.units import make_grid_units

    rng = np.random.default_rng(11)
    depth = rng.choice([0.0, 0.3, 0.8, 1.6, 2.4], size=(20, 30)).astype("float32")
    path = write_raster(tmp_path / "g.tif", depth, x0=0.0, y1=2000.0, res=100.0)
    grid = make_grid_units(gpd.GeoDataFrame(geometry=[box(0, 0, 2900, 1950)], crs=CRS))
    fast = hazard_indicators(grid, flood_depth={100: path})
    exact = hazard_indicators(grid, fractions_by_T={100: flood_class_fractions(grid, path)})
    np.testing.assert_allclose(fast["H_flood"], exact["H_flood"], atol=1e-12)


def test_grid_block_fractions_refuse_a_crs_mismatch(tmp_path):
    from gistool.errors import CRSError
    from gistool.hazard import grid_class_fractions
    from gistool.units import make_grid_units

    path = write_raster(tmp_path / "d.tif", np.zeros((10, 10)), x0=0.0, y1=1000.0)
    grid = make_grid_units(gpd.GeoDataFrame(geometry=[box(0, 0, 1000, 1000)], crs="EPSG:4546"))
    with pytest.raises(CRSError, match="EPSG"):
        grid_class_fractions(grid, path)
