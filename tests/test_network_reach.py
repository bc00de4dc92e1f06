"""Snapping, multi-source travel times (against networkx) and the flood scenario."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import rasterio
from _network_fixtures import CRS, X0, Y0, grid_roads, nx_times_with_virtual, points, random_roads
from affine import Affine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely import LineString

from gistool.errors import CRSError
from gistool.network import apply_flood, build_road_graph, snap_points, travel_times
from gistool.network.solve import node_times, target_times


def test_node_times_equal_networkx_on_grid():
    g = build_road_graph(grid_roads(6, 5, seed=1))
    s = snap_points(g, points([(X0, Y0), (X0 + 2500, Y0 + 2000)]))
    t = node_times(g, s)
    G = nx.DiGraph()
    for a, b, m in zip(g.u, g.v, g.minutes, strict=True):
        G.add_edge(int(a), int(b), w=float(m))
    ref = nx.multi_source_dijkstra_path_length(G, [0, g.n_nodes - 1], weight="w")
    np.testing.assert_allclose(t.dist, [ref[i] for i in range(g.n_nodes)], atol=1e-9)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    n_nodes=st.integers(3, 25),
    n_extra=st.integers(0, 40),
    n_src=st.integers(1, 4),
    n_tgt=st.integers(1, 12),
    oneway=st.floats(0, 0.8),
)
def test_target_times_equal_networkx(seed, n_nodes, n_extra, n_src, n_tgt, oneway):
    roads = random_roads(n_nodes, n_extra, seed=seed, oneway_share=oneway)
    g = build_road_graph(roads)
    rng = np.random.default_rng(seed + 1)
    lo = np.array([X0, Y0])
    src = points(rng.uniform(0, 3000, (n_src, 2)) + lo)
    tgt = points(rng.uniform(0, 3000, (n_tgt, 2)) + lo)
    s = snap_points(g, src, max_distance=5000.0, offroad_speed_kmh=7.0)
    t = snap_points(g, tgt, max_distance=5000.0, offroad_speed_kmh=7.0)
    times = node_times(g, s)
    got, who, _ = target_times(g, times, s, t)
    ref = nx_times_with_virtual(g, s, t, np.arange(n_src))
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-9)
    # the reported nearest source really achieves the time
    for k in np.flatnonzero(np.isfinite(got)):
        single = target_times(g, node_times(g, s, [who[k]]), s, t)[0][k]
        assert single == pytest.approx(got[k], abs=1e-9)


def _line_graph(oneway: bool = False) -> object:
    # 2 km at 60 km/h = 2 min
    roads = gpd.GeoDataFrame({"road_class": ["provincial"], "oneway": [oneway]},
                             geometry=[LineString([(X0, Y0), (X0 + 2000, Y0)])], crs=CRS)
    return build_road_graph(roads)


def test_snap_to_middle_of_edge():
    g = _line_graph()
    fac = points([(X0, Y0)], id=["F"], kind=["fire_station"])
    # a target 100 m off the midpoint of the 2-min edge: 1 min + 100 m at 5 km/h (1.2 min)
    tgt = points([(X0 + 1000, Y0 + 100)], id=["T"])
    s = snap_points(g, tgt)
    assert s.fraction[0] == pytest.approx(0.5)
    assert s.distance_m[0] == pytest.approx(100.0)
    tt = travel_times(g, fac, tgt)
    assert tt["minutes"].iloc[0] == pytest.approx(1.0 + 1.2)
    # a faster off-road speed changes only the leg
    tt2 = travel_times(g, fac, tgt, offroad_speed_kmh=30.0)
    assert tt2["minutes"].iloc[0] == pytest.approx(1.0 + 0.2)


def test_source_and_target_on_same_edge():
    g = _line_graph()
    fac = points([(X0 + 1500, Y0)], id=["F"], kind=["fire_station"])
    tgt = points([(X0 + 500, Y0), (X0 + 1800, Y0)], id=["A", "B"])
    tt = travel_times(g, fac, tgt)
    np.testing.assert_allclose(tt["minutes"], [1.0, 0.3])


def test_oneway_direction():
    g = _line_graph(oneway=True)
    west = points([(X0, Y0)], id=["W"], kind=["fire_station"])
    east = points([(X0 + 2000, Y0)], id=["E"], kind=["fire_station"])
    tgt = points([(X0 + 1000, Y0)], id=["T"])
    assert travel_times(g, west, tgt)["minutes"].iloc[0] == pytest.approx(1.0)
    tt = travel_times(g, east, tgt)
    assert np.isinf(tt["minutes"].iloc[0])
    assert not tt["reachable"].iloc[0]


def test_far_targets_flagged_not_snapped():
    g = _line_graph()
    fac = points([(X0, Y0)], id=["F"], kind=["fire_station"])
    tgt = points([(X0 + 1000, Y0 + 800)], id=["T"])
    tt = travel_times(g, fac, tgt, max_distance=500.0)
    assert not tt["snapped"].iloc[0]
    assert tt["snap_distance_m"].iloc[0] == pytest.approx(800.0)
    assert np.isinf(tt["minutes"].iloc[0])


def test_by_kind_long_format_and_nearest():
    g = build_road_graph(grid_roads(5, 5))
    fac = points([(X0, Y0), (X0 + 2000, Y0 + 2000), (X0 + 1000, Y0)],
                 id=["F1", "F2", "H1"], name=["一站", "二站", "医院"],
                 kind=["fire_station", "fire_station", "hospital"])
    tgt = points([(X0 + 1900, Y0 + 2000), (X0 + 100, Y0)], id=["A", "B"], population=[10, 20])
    tt = travel_times(g, fac, tgt)
    assert len(tt) == 4
    assert set(tt["kind"]) == {"fire_station", "hospital"}
    fire = tt[tt["kind"] == "fire_station"].set_index("target_id")
    assert fire.loc["A", "facility_id"] == "F2"
    assert fire.loc["A", "facility_name"] == "二站"
    assert fire.loc["B", "facility_id"] == "F1"
    # 100 m at 25 km/h = 0.24 min
    assert fire.loc["B", "minutes"] == pytest.approx(0.24)
    assert fire.loc["B", "population"] == 20
    assert tt.crs == g.crs


def test_crs_mismatch_refused():
    g = _line_graph()
    fac = points([(X0, Y0)], id=["F"], kind=["fire_station"]).to_crs("EPSG:4326")
    with pytest.raises(CRSError, match="to_crs"):
        travel_times(g, fac, points([(X0, Y0)]))


def write_depth(path, depth: np.ndarray, x0: float, y0: float, cell: float = 10.0) -> None:
    with rasterio.open(path, "w", driver="GTiff", height=depth.shape[0], width=depth.shape[1],
                       count=1, dtype="float32", crs=CRS, nodata=-9999.0,
                       transform=Affine(cell, 0, x0, 0, -cell, y0)) as ds:
        ds.write(depth.astype("float32"), 1)


@pytest.fixture
def flooded_grid(tmp_path):
    """A 5×5 grid (500 m blocks) with a 3 m-deep pond on one street and shallow water on another."""
    roads = grid_roads(5, 5)
    roads.loc[0, "elevated"] = False
    g = build_road_graph(roads)
    h, w = 250, 250
    depth = np.zeros((h, w))
    # raster origin top-left at (X0-250, Y0+2250), 10 m cells
    def cell(x, y):
        return int((Y0 + 2250 - y) // 10), int((x - (X0 - 250)) // 10)
    r, c = cell(X0 + 250, Y0)  # middle of the first horizontal street
    depth[r - 1:r + 2, c - 1:c + 2] = 3.0
    r, c = cell(X0 + 1000, Y0 + 750)  # middle of a vertical street
    depth[r - 1:r + 2, c - 1:c + 2] = 0.2
    depth[0, 0] = -9999.0
    path = tmp_path / "depth.tif"
    write_depth(path, depth, X0 - 250, Y0 + 2250)
    return g, path


def test_apply_flood_cuts_and_slows(flooded_grid):
    g, path = flooded_grid
    res = apply_flood(g, path)
    graph, affected = res
    assert sorted(affected["status"]) == ["cut", "slowed"]
    cut = affected[affected["status"] == "cut"]
    assert cut["max_depth_m"].iloc[0] == pytest.approx(3.0)
    assert graph.n_arcs == g.n_arcs - 2
    slowed = int(affected.loc[affected["status"] == "slowed", "edge_id"].iloc[0])
    fwd0, _ = g.edge_minutes
    fwd1, _ = graph.edge_minutes
    assert fwd1[slowed] == pytest.approx(2 * fwd0[slowed])
    assert res.max_depth[slowed] == pytest.approx(0.2)
    # elevated edges are spared
    roads_el = g.edges.copy()
    assert (res.max_depth >= 0).all()
    g_el = build_road_graph(roads_el.assign(elevated=True)[
        ["road_class", "oneway", "elevated", "name", "geometry"]])
    assert len(apply_flood(g_el, path).affected) == 0


def test_flood_never_shortens(flooded_grid):
    g, path = flooded_grid
    fg = apply_flood(g, path).graph
    rng = np.random.default_rng(0)
    fac = points(rng.uniform(0, 2000, (3, 2)) + np.array([X0, Y0]), id=["a", "b", "c"],
                 kind=["fire_station", "fire_station", "hospital"])
    tgt = points(rng.uniform(0, 2000, (40, 2)) + np.array([X0, Y0]))
    tt = travel_times(g, fac, tgt, flood_graph=fg)
    assert (tt["minutes_flood"] >= tt["minutes_normal"] - 1e-12).all()
    assert (tt["delta"].dropna() >= -1e-12).all()
    assert {"within_5_normal", "within_30_flood", "isolated_flood"} <= set(tt.columns)


def test_flood_isolates_target_on_cut_edge(flooded_grid):
    g, path = flooded_grid
    fg = apply_flood(g, path).graph
    fac = points([(X0 + 2000, Y0 + 2000)], id=["F"], kind=["fire_station"])
    tgt = points([(X0 + 250, Y0 + 10), (X0 + 1000, Y0 + 700)], id=["pond", "shallow"])
    tt = travel_times(g, fac, tgt, flood_graph=fg).set_index("target_id")
    assert tt.loc["pond", "isolated_flood"]
    assert np.isinf(tt.loc["pond", "minutes_flood"])
    assert tt.loc["shallow", "delta"] > 0
    assert not tt.loc["shallow", "isolated_flood"]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_snapping_equals_shapely_nearest(seed):
    import shapely

    roads = random_roads(60, 120, seed=seed, extent=6000)
    g = build_road_graph(roads)
    rng = np.random.default_rng(seed)
    lo = np.array([X0, Y0])
    geoms = g.edges.geometry.to_numpy()
    pts = np.concatenate([
        shapely.points(rng.uniform(-500, 6500, (300, 2)) + lo),
        shapely.line_interpolate_point(geoms[:50], 0.37, normalized=True),
        shapely.get_point(geoms[50:80], 0),
    ])
    s = snap_points(g, gpd.GeoSeries(pts, crs=CRS), max_distance=1e9)
    tree = shapely.STRtree(geoms)
    (_, hit), dist = tree.query_nearest(pts, return_distance=True, all_matches=False)
    np.testing.assert_allclose(s.distance_m, dist, atol=1e-7)
    same = s.edge == hit
    assert same.mean() > 0.8  # others are ties at shared endpoints
    ref = shapely.line_locate_point(geoms[s.edge], pts, normalized=True)
    np.testing.assert_allclose(s.fraction, ref, atol=1e-7)
    on = shapely.line_interpolate_point(geoms[s.edge], s.fraction, normalized=True)
    np.testing.assert_allclose(np.stack([s.x, s.y], 1), shapely.get_coordinates(on), atol=1e-6)


def test_apply_flood_samples_a_raster_once_per_graph(flooded_grid, monkeypatch, tmp_path):
    """The same scenario twice samples the band once; a rewritten raster is sampled again."""
    import gistool.network.flood as flood

    g, path = flooded_grid
    calls = []
    real = flood.sample_edge_depth
    monkeypatch.setattr(flood, "sample_edge_depth",
                        lambda graph, p: calls.append(p) or real(graph, p))
    first = apply_flood(g, path)
    second = apply_flood(g, path, cut_depth=5.0)  # other thresholds, same depths
    assert len(calls) == 1
    np.testing.assert_array_equal(first.max_depth, second.max_depth)
    assert sorted(second.affected["status"]) == ["slowed", "slowed"]
    second.max_depth[:] = -1  # callers get copies
    np.testing.assert_array_equal(apply_flood(first.graph, path).max_depth, first.max_depth)
    assert len(calls) == 1  # the flood graph shares the cache
    with rasterio.open(path) as ds:
        depth, origin = ds.read(1), ds.transform
    write_depth(path, np.where(depth > 0, 0.0, depth), origin.c, origin.f)
    assert len(apply_flood(g, path).affected) == 0
    assert len(calls) == 2
