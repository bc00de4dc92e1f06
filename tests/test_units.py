"""Tests of the analysis units: grid, areal pairs, population pieces."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Polygon, box

from gistool.errors import GeometryError, SchemaError
from gistool.units import (
    areal_pairs,
    make_grid_units,
    population_pieces,
    rural_flag,
    unit_ids,
)

CRS = "EPSG:4547"


def _gdf(geoms, crs=CRS, **cols):
    return gpd.GeoDataFrame(cols, geometry=list(geoms), crs=crs)


def test_grid_on_rectangle_ids_rows_and_areas():
    # 1200 × 700 m rectangle anchored at (100, 0): columns start at x = 0,
    # rows at y = 1000 (ceil of 700 / 500 · 500)
    b = _gdf([box(100, 0, 1300, 700)])
    g = make_grid_units(b, size=500)
    assert len(g) == 6  # 3 columns × 2 rows
    assert g.crs == b.crs
    first = g.iloc[0]
    assert (first["row"], first["col"], first["cell_id"]) == (0, 0, "r00c00")
    # r0 c0: x 100–500, y 500–700 → 400 × 200 m
    assert first["area_km2"] == pytest.approx(0.08)
    # r1 c1: full cell
    full = g[(g["row"] == 1) & (g["col"] == 1)].iloc[0]
    assert full["area_km2"] == pytest.approx(0.25)
    assert g["area_km2"].sum() == pytest.approx(1.2 * 0.7)
    assert g["cell_id"].is_unique


def test_grid_on_irregular_boundary_sums_to_area_and_stays_inside():
    poly = Polygon([(0, 0), (3100, 0), (3100, 900), (1200, 2600), (0, 2000)])
    b = _gdf([poly])
    g = make_grid_units(b, size=500)
    assert g["area_km2"].sum() == pytest.approx(poly.area / 1e6)
    assert g.geometry.within(poly.buffer(1e-6)).all()
    # northern rows have smaller row numbers
    assert g.geometry.centroid.y[g["row"] == 0].min() > g.geometry.centroid.y[g["row"] == 1].max()
    assert (g.geom_type.isin(["Polygon", "MultiPolygon"])).all()


def test_grid_refuses_geographic_and_missing_crs():
    with pytest.raises(GeometryError, match="to_crs"):
        make_grid_units(_gdf([box(113.7, 34.1, 113.8, 34.2)], crs="EPSG:4326"))
    with pytest.raises(GeometryError, match="no CRS"):
        make_grid_units(gpd.GeoDataFrame(geometry=[box(0, 0, 1, 1)]))



def test_grid_cells_equal_the_plain_intersection_byte_for_byte():
    # two separate parts (one with a hole), cells inside, on the edge, in the
    # hole's rim and touching at a corner: every cell is exactly
    # shapely.intersection(cell, boundary), the same coordinates in the same order
    import shapely

    a = Polygon(
        [(0, 0), (2600, 0), (2600, 2100), (0, 2100)],
        holes=[[(1100, 600), (1400, 600), (1400, 1400), (1100, 1400)]],
    )
    b = Polygon([(4000, 300), (5200, 300), (5300, 1700), (4100, 1500)])
    bd = _gdf([a, b])
    g = make_grid_units(bd, size=500)
    shape = shapely.union_all(bd.geometry.to_numpy())
    x0, y1 = g.attrs["grid_origin"]
    left = x0 + g["col"].to_numpy() * 500.0
    top = y1 - g["row"].to_numpy() * 500.0
    ref = shapely.intersection(shapely.box(left, top - 500, left + 500, top), shape)
    assert (shapely.to_wkb(g.geometry.to_numpy()) == shapely.to_wkb(ref)).all()
    assert g["area_km2"].sum() == pytest.approx(shape.area / 1e6)
    # a whole interior cell and both parts are present
    assert (g["area_km2"] == 0.25).sum() >= 10
    assert g.geometry.intersects(b).sum() >= 6

def test_areal_pairs_overlap_areas():
    t = _gdf([box(0, 0, 10, 10), box(10, 0, 20, 10)])
    s = _gdf([box(5, 0, 15, 10)])
    i, j, a = areal_pairs(t, s)
    order = np.argsort(i)
    assert i[order].tolist() == [0, 1]
    assert j.tolist() == [0, 0]
    assert a[order].tolist() == [50.0, 50.0]
    with pytest.raises(GeometryError, match="CRS mismatch"):
        areal_pairs(t, s.to_crs("EPSG:3857"))


def test_population_pieces_conserve_population():
    # two villages: west 1000×500 (1000 people), east 500×500 (300 people)
    v = _gdf(
        [box(0, 0, 1000, 500), box(1000, 0, 1500, 500)],
        code=["411082100200", "411082100001"],
        township_code=["411082100", "411082100"],
        population=[1000.0, 300.0],
    )
    g = make_grid_units(v, size=500)
    p = population_pieces(v, g)
    assert p["population"].sum() == pytest.approx(1300.0)
    per_cell = p.groupby("cell_id")["population"].sum()
    assert per_cell.to_dict() == pytest.approx({"r00c00": 500.0, "r00c01": 500.0, "r00c02": 300.0})
    assert set(p.geom_type) == {"Point"}
    # rural from the code rule: 200 → 村委会, 001 → 居委会
    assert p.set_index("village_code")["rural"].to_dict() == {
        "411082100200": 1.0,
        "411082100001": 0.0,
    }
    # without grid: one piece per village
    p1 = population_pieces(v)
    assert p1["population"].tolist() == [1000.0, 300.0]


def test_population_pieces_require_columns():
    v = _gdf([box(0, 0, 1, 1)], code=["411082100200"], population=[1.0])
    with pytest.raises(SchemaError, match="township_code"):
        population_pieces(v)


def test_rural_flag_prefers_kind_and_unit_ids():
    v = pd.DataFrame({"code": ["411082100201", "411082100002"], "kind": ["居委会", "村委会"]})
    assert rural_flag(v).tolist() == [0.0, 1.0]
    assert unit_ids(pd.DataFrame({"code": [1, 2]})).tolist() == ["1", "2"]
    assert unit_ids(pd.DataFrame({"x": [1, 2]})).tolist() == ["0", "1"]


def test_population_pieces_polygons_tile_the_grid():
    v = _gdf(
        [box(0, 0, 700, 500), box(700, 0, 1500, 500)],
        code=["411082100200", "411082100201"],
        township_code=["411082100", "411082100"],
        population=[700.0, 800.0],
    )
    g = make_grid_units(v, size=500)
    p = population_pieces(v, g, polygons=True)
    assert set(p.geom_type) == {"Polygon"}
    assert p.area.sum() == pytest.approx(g.area.sum())
    # the cell r00c01 (x 500–1000) holds 200 m of the west and 300 m of the east village
    cell = p[p["cell_id"] == "r00c01"].sort_values("village_code")
    assert cell["area_km2"].tolist() == pytest.approx([0.1, 0.15])
    assert cell["population"].tolist() == pytest.approx([200.0, 300.0])


def test_areal_pairs_nested_polygons_without_intersection():
    # target inside source, source inside target (sharing an edge), and a partial overlap
    t = _gdf([box(1, 1, 2, 2), box(10, 0, 20, 10), box(30, 0, 40, 10)])
    s = _gdf([box(0, 0, 5, 5), box(10, 0, 15, 5), box(35, 5, 45, 15)])
    i, j, a = areal_pairs(t, s)
    got = sorted(zip(i.tolist(), j.tolist(), a.tolist(), strict=True))
    assert got == [(0, 0, 1.0), (1, 1, 25.0), (2, 2, 25.0)]
