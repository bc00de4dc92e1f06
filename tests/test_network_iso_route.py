"""Isochrones (nested, containing their sources) and routes."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import shapely
from _network_fixtures import X0, Y0, grid_roads, points, random_roads

from gistool.errors import NetworkError
from gistool.network import apply_flood, build_road_graph, isochrones, route, travel_times
from gistool.network.route import routes


@pytest.mark.parametrize("method", ["raster", "vector"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_isochrones_nested_and_contain_sources(seed, method):
    g = build_road_graph(random_roads(40, 60, seed=seed, oneway_share=0.3, extent=8000))
    rng = np.random.default_rng(seed)
    fac = points(rng.uniform(0, 8000, (4, 2)) + np.array([X0, Y0]),
                 kind=["fire_station", "fire_station", "hospital", "shelter"])
    iso = isochrones(g, fac, minutes=(2, 5, 10, 15), buffer_m=50, max_distance=3000,
                     method=method)
    assert set(iso["kind"]) == {"fire_station", "hospital", "shelter"}
    for kind, grp in iso.groupby("kind"):
        polys = grp.sort_values("minutes").geometry.to_numpy()
        for small, big in itertools.pairwise(polys):
            assert small.difference(big).area < 1e-6 * max(small.area, 1.0)
        areas = grp.sort_values("minutes")["area_km2"].to_numpy()
        assert (np.diff(areas) >= -1e-12).all()
        for p in fac[fac["kind"] == kind].geometry:
            assert polys[0].buffer(1e-6).contains(p)


@pytest.mark.parametrize(("method", "tol"), [("vector", 1e-6), ("raster", 2.0)])
def test_isochrone_partial_edge_length(method, tol):
    # one 6 km county road (50 km/h = 833.3 m/min), source 1200 m from its west end
    import geopandas as gpd
    from shapely import LineString

    roads = gpd.GeoDataFrame({"road_class": ["county"]},
                             geometry=[LineString([(X0, Y0), (X0 + 6000, Y0)])], crs=g_crs())
    g = build_road_graph(roads)
    fac = points([(X0 + 1200, Y0)], kind=["fire_station"])
    iso = isochrones(g, fac, minutes=(1, 2, 10), buffer_m=10, method=method, cell_m=2)
    b = iso.geometry.bounds.to_numpy()
    m = 50_000 / 60
    kw = {"rtol": 0, "atol": tol}
    np.testing.assert_allclose(b[0, [0, 2]], [X0 + 1200 - m - 10, X0 + 1200 + m + 10], **kw)
    np.testing.assert_allclose(b[1, [0, 2]], [X0 - 10, X0 + 1200 + 2 * m + 10], **kw)
    np.testing.assert_allclose(b[2, [0, 2]], [X0 - 10, X0 + 6000 + 10], **kw)


def g_crs() -> str:
    return "EPSG:4547"


def test_isochrones_flood_smaller(tmp_path):
    from test_network_reach import write_depth

    g = build_road_graph(grid_roads(5, 5))
    depth = np.full((250, 250), 1.0)  # everything under 1 m except an elevated road
    write_depth(tmp_path / "d.tif", depth, X0 - 250, Y0 + 2250)
    fg = apply_flood(g, tmp_path / "d.tif").graph
    fac = points([(X0 + 1000, Y0 + 1000)], kind=["fire_station"])
    iso = isochrones(g, fac, minutes=(5, 10), flood_graph=fg)
    normal = iso[iso["scenario"] == "normal"].set_index("minutes")
    flood = iso[iso["scenario"] == "flood"].set_index("minutes")
    assert (flood["area_km2"] < normal["area_km2"]).all()
    assert flood.geometry.iloc[0].contains(fac.geometry.iloc[0])


def test_route_matches_travel_time_and_geometry():
    g = build_road_graph(grid_roads(6, 6, seed=7))
    rng = np.random.default_rng(3)
    for _ in range(10):
        a, b = rng.uniform(0, 2500, (2, 2)) + np.array([X0, Y0])
        r = route(g, a, b, max_distance=1000)
        tt = travel_times(g, points([a], kind=["x"]), points([b]), max_distance=1000)
        assert r["minutes"].iloc[0] == pytest.approx(tt["minutes"].iloc[0], abs=1e-9)
        line = r.geometry.iloc[0]
        assert line.is_valid
        np.testing.assert_allclose(shapely.get_coordinates(line)[0], a)
        np.testing.assert_allclose(shapely.get_coordinates(line)[-1], b)
        assert r["length_m"].iloc[0] == pytest.approx(line.length)


def test_route_on_grid_hand_computed():
    g = build_road_graph(grid_roads(3, 3))  # 500 m village blocks at 25 km/h (1.2 min)
    r = route(g, (X0 + 250, Y0), (X0 + 1000, Y0 + 250))
    # 250 m + 500 m + 250 m on roads = 1000 m = 2.4 min, no off-road legs
    assert r["minutes"].iloc[0] == pytest.approx(2.4)
    assert r["length_m"].iloc[0] == pytest.approx(1000.0)
    assert r["road_classes"].iloc[0] == "village"
    assert r["n_edges"].iloc[0] == 3


def test_route_unreachable_and_far():
    import geopandas as gpd
    from shapely import LineString

    roads = gpd.GeoDataFrame({"road_class": ["county"], "oneway": [True]},
                             geometry=[LineString([(X0, Y0), (X0 + 1000, Y0)])], crs=g_crs())
    g = build_road_graph(roads)
    r = route(g, (X0 + 800, Y0), (X0 + 200, Y0))
    assert np.isinf(r["minutes"].iloc[0])
    assert r.geometry.iloc[0].is_empty
    with pytest.raises(NetworkError, match="max_distance"):
        route(g, (X0, Y0 + 5000), (X0, Y0))


def test_routes_pairs():
    g = build_road_graph(grid_roads(3, 3))
    src = points([(X0, Y0), (X0 + 1000, Y0)], id=["F1", "F2"])
    tgt = points([(X0 + 500, Y0), (X0 + 1000, Y0 + 1000)], target_id=["A", "B"])
    out = routes(g, src, tgt)
    assert out["source_id"].tolist() == ["F1", "F2"]
    assert out["target_id"].tolist() == ["A", "B"]
    np.testing.assert_allclose(out["minutes"], [1.2, 2.4])


def test_raster_isochrones_close_to_vector():
    g = build_road_graph(random_roads(40, 60, seed=5, extent=8000))
    fac = points([(X0 + 4000, Y0 + 4000)], kind=["fire_station"])
    kw = {"minutes": (5, 10), "buffer_m": 100, "max_distance": 3000}
    vec = isochrones(g, fac, method="vector", **kw).geometry.to_numpy()
    ras = isochrones(g, fac, method="raster", cell_m=10, **kw).geometry.to_numpy()
    for v, r in zip(vec, ras, strict=True):
        assert v.symmetric_difference(r).area < 0.05 * v.area


def test_isochrones_scenarios_selection(tmp_path):
    from test_network_reach import write_depth

    g = build_road_graph(grid_roads(4, 4))
    write_depth(tmp_path / "d.tif", np.full((200, 200), 1.0), X0 - 250, Y0 + 1750)
    fg = apply_flood(g, tmp_path / "d.tif").graph
    fac = points([(X0 + 500, Y0 + 500)], kind=["fire_station"])
    only = isochrones(g, fac, minutes=(5,), flood_graph=fg, scenarios=["flood"])
    assert only["scenario"].tolist() == ["flood"]
    with pytest.raises(ValueError, match="flood_graph"):
        isochrones(g, fac, minutes=(5,), scenarios=["flood"])


def test_routes_far_pair_not_fatal():
    g = build_road_graph(grid_roads(3, 3))
    src = points([(X0, Y0), (X0, Y0)], id=["F1", "F2"])
    tgt = points([(X0 + 500, Y0), (X0 + 50_000, Y0)], target_id=["A", "far"])
    out = routes(g, src, tgt)
    assert out["minutes"].iloc[0] == pytest.approx(1.2)
    assert np.isinf(out["minutes"].iloc[1])
    assert out.geometry.iloc[1].is_empty
