"""Zones from a classified grid: dissolving, sliver merging, summaries."""

from __future__ import annotations

import doctest

import geopandas as gpd
import numpy as np
import pytest
import shapely

from gistool.errors import CRSError, SchemaError
from gistool.zoning import cell_adjacency, make_zones, summary_by_level, zone_labels

CELL = 1000.0  # 1 km² cells


def grid_from_levels(levels: list[list[int]], **columns: list[list[float]]) -> gpd.GeoDataFrame:
    """A grid of 1 km squares; row 0 is the northernmost row."""
    lv = np.array(levels)
    ncol = lv.shape[1]
    rows, cols = np.divmod(np.arange(lv.size), ncol)
    x0, y0 = 500_000.0, 3_800_000.0
    geoms = shapely.box(
        x0 + cols * CELL, y0 - (rows + 1) * CELL, x0 + (cols + 1) * CELL, y0 - rows * CELL
    )
    data = {"row": rows, "col": cols, "risk_level": lv.ravel()}
    for name, values in columns.items():
        data[name] = np.asarray(values, dtype=float).ravel()
    return gpd.GeoDataFrame(data, geometry=geoms, crs="EPSG:4547")


@pytest.mark.parametrize("size", [500.0, 333.3])
def test_lattice_adjacency_equals_the_overlay(size, monkeypatch):
    # clipped cells, a hole, two parts, an odd cell size: the lattice shortcut
    # gives the same pairs, order and lengths (to the bit) as cell_adjacency,
    # and so the same zones
    import gistool.zoning as zoning
    from gistool.units import make_grid_units

    a = shapely.Polygon(
        [(0, 0), (4100, 0), (4100, 2600), (0, 3100)],
        holes=[[(1200, 700), (2100, 700), (2100, 1600), (1200, 1600)]],
    )
    b = shapely.box(5200, 400, 6900, 2300)
    bd = gpd.GeoDataFrame(geometry=[a, b], crs="EPSG:4547")
    g = make_grid_units(bd, size=size)
    geoms = np.asarray(g.geometry.array, dtype=object)
    fast = zoning._lattice_adjacency(g, geoms)
    slow = cell_adjacency(geoms)
    assert fast is not None
    for x, y in zip(fast, slow, strict=True):
        assert x.dtype == y.dtype
        np.testing.assert_array_equal(x, y)
    assert (slow[2] == slow[2].max()).sum() > 10  # whole sides among them
    g["risk_level"] = (g["row"] + 2 * g["col"]) % 5 + 1
    z_fast = make_zones(g, min_area=0.4e6)
    monkeypatch.setattr(zoning, "_lattice_adjacency", lambda grid, geoms: None)
    z_slow = make_zones(g, min_area=0.4e6)
    assert z_fast.drop(columns="geometry").equals(z_slow.drop(columns="geometry"))
    assert shapely.equals_exact(z_fast.geometry.values, z_slow.geometry.values, tolerance=0).all()


def test_adjacency_by_shared_edges_not_corners():
    g = grid_from_levels([[1, 2], [2, 1]])
    i, j, length = cell_adjacency(np.asarray(g.geometry.array))
    assert list(zip(i.tolist(), j.tolist(), strict=True)) == [(0, 1), (0, 2), (1, 3), (2, 3)]
    assert length.tolist() == [CELL] * 4
    zones = make_zones(g, min_area=0)
    assert len(zones) == 4  # diagonal same-level cells are not contiguous


def test_island_merges_into_longest_border_neighbour():
    # the level-4 cell borders A (level 1) on two edges, B and C on one each
    g = grid_from_levels(
        [
            [1, 1, 2, 2],
            [1, 4, 2, 2],
            [3, 3, 3, 3],
            [3, 3, 3, 3],
        ],
        population=[[10] * 4] * 4,
    )
    before = make_zones(g, min_area=0)
    assert sorted(before["risk_level"].tolist()) == [1, 2, 3, 4]
    zones = make_zones(g, min_area=1.5e6)
    assert zones["risk_level"].tolist() == [1, 2, 3]
    assert zones["area_km2"].tolist() == pytest.approx([4.0, 4.0, 8.0])
    assert zones["population"].tolist() == [40.0, 40.0, 80.0]
    assert zones["zone_id"].tolist() == [1, 2, 3]
    assert zones["risk_level_name"].tolist() == ["高风险", "中高风险", "中风险"]
    assert zones["enterprises"].isna().all()  # no enterprise counts given
    labels, levels = zone_labels(g, min_area=1.5e6)
    assert levels[labels[5]] == 1  # the island cell now belongs to the level-1 zone
    a_zone = zones.geometry.iloc[0]
    expected = shapely.union_all(g.geometry[[0, 1, 4, 5]].to_numpy())
    assert a_zone.symmetric_difference(expected).area == pytest.approx(0.0, abs=1e-6)


def test_merged_sliver_unites_same_level_neighbours():
    g = grid_from_levels([[1, 1, 2, 1, 1]], enterprises=[[1, 0, 3, 0, 2]])
    zones = make_zones(g, min_area=1.5e6)
    assert len(zones) == 1
    assert zones["risk_level"].tolist() == [1]
    assert zones["area_km2"].tolist() == pytest.approx([5.0])
    assert zones["enterprises"].tolist() == [6.0]
    assert zones.geometry.iloc[0].geom_type == "Polygon"


def test_chained_slivers_keep_merging_until_large_enough():
    # three 1-cell zones in a row next to a big zone; min 2.5 km²
    g = grid_from_levels([[5, 4, 3, 2, 2, 2]])
    zones = make_zones(g, min_area=2.5e6)
    assert zones["area_km2"].sum() == pytest.approx(6.0)
    assert (zones["area_km2"] >= 2.5).all()


def test_isolated_small_zone_stays():
    g = grid_from_levels([[1]])
    zones = make_zones(g, min_area=5e6)
    assert zones["area_km2"].tolist() == pytest.approx([1.0])


def _clipped_grid(seed: int = 0, size: float = 500.0) -> gpd.GeoDataFrame:
    """A 500 m grid clipped to a 6 km-radius wobbly disc, levels from a smooth field."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 2 * np.pi, 90, endpoint=False)
    r = 6000 * (1 + 0.15 * np.sin(3 * t) + 0.05 * rng.standard_normal(t.size))
    boundary = shapely.Polygon(np.c_[500_000 + r * np.cos(t), 3_800_000 + r * np.sin(t)])
    minx, miny, maxx, maxy = boundary.bounds
    xs = np.arange(np.floor(minx / size) * size, maxx, size)
    ys = np.arange(np.floor(miny / size) * size, maxy, size)
    gx, gy = (a.ravel() for a in np.meshgrid(xs, ys))
    cells = shapely.intersection(shapely.box(gx, gy, gx + size, gy + size), boundary)
    keep = shapely.area(cells) > 0
    cells, cx, cy = cells[keep], gx[keep], gy[keep]
    field = np.sin(cx / 1500.0) + np.cos(cy / 2100.0) + 0.6 * rng.standard_normal(cx.size)
    level = np.clip(np.digitize(field, [-1.0, -0.3, 0.3, 1.0]), 0, 4)
    return gpd.GeoDataFrame(
        {"risk_level": 5 - level, "population": rng.integers(0, 500, cx.size).astype(float)},
        geometry=cells,
        crs="EPSG:4547",
    )


def test_zone_areas_sum_to_grid_area_and_no_slivers_remain():
    g = _clipped_grid()
    zones = make_zones(g)  # default 0.5 km²
    grid_area = float(g.area.sum())
    assert abs(zones["area_km2"].sum() * 1e6 - grid_area) < 1.0
    # zones do not overlap: their union has the same area
    assert abs(shapely.union_all(zones.geometry.to_numpy()).area - grid_area) < 1.0
    assert (zones["area_km2"] >= 0.5).all()
    assert zones["population"].sum() == pytest.approx(g["population"].sum())
    assert zones.crs == g.crs
    assert zones.geometry.is_valid.all()
    # neighbouring zones always differ in level (zones are maximal)
    i, j, _ = cell_adjacency(np.asarray(zones.geometry.array))
    assert (zones["risk_level"].to_numpy()[i] != zones["risk_level"].to_numpy()[j]).all()
    # the raw classification has many more pieces than the merged zones
    assert len(make_zones(g, min_area=0)) > len(zones)


def test_summary_by_level():
    g = _clipped_grid(seed=1)
    zones = make_zones(g)
    s = summary_by_level(zones)
    assert s.index.tolist() == [1, 2, 3, 4, 5]
    assert s["area_km2"].sum() == pytest.approx(g.area.sum() / 1e6)
    assert s["area_share"].sum() == pytest.approx(1.0)
    assert s["zones"].sum() == len(zones)
    assert s["population"].sum() == pytest.approx(g["population"].sum())
    assert s.loc[1, "risk_level_name"] == "高风险"


def test_refuses_geographic_or_missing_crs_and_bad_levels():
    g = grid_from_levels([[1, 2]])
    with pytest.raises(CRSError, match="geographic"):
        make_zones(g.to_crs(4326))
    with pytest.raises(CRSError, match="no CRS"):
        make_zones(g.set_crs(None, allow_override=True))
    with pytest.raises(SchemaError, match="'risk_level' is missing"):
        make_zones(g.drop(columns="risk_level"))
    bad = g.copy()
    bad.loc[0, "risk_level"] = 7
    with pytest.raises(SchemaError, match="has value 7"):
        make_zones(bad)


def test_docstring_examples_run():
    import gistool.zoning as module

    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
