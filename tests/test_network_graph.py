"""Road graph building, components and the networkx round trip."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from _network_fixtures import CRS, X0, Y0, grid_roads, random_roads
from shapely import LineString

from gistool.errors import CRSError, SchemaError
from gistool.network import RoadGraph, build_road_graph


def test_grid_graph_sizes_and_minutes():
    roads = grid_roads(5, 4, step=500.0)
    g = build_road_graph(roads)
    assert g.n_nodes == 20
    assert g.n_edges == len(roads) == 4 * 4 + 5 * 3
    assert g.n_arcs == 2 * g.n_edges
    # 500 m at the village default 25 km/h = 1.2 min
    np.testing.assert_allclose(g.minutes, 500 / (25 * 1000 / 60))
    assert g.csr.shape == (20, 20)
    assert g.csr.nnz == g.n_arcs


def test_speed_precedence():
    roads = grid_roads(3, 2)
    roads["speed_kmh"] = np.nan
    roads.loc[0, "speed_kmh"] = 60.0
    roads.loc[1, "road_class"] = "county"
    g = build_road_graph(roads)
    sp = g.edges["speed_kmh"].to_numpy()
    assert sp[0] == 60.0  # row value
    assert sp[1] == 50.0  # class default
    assert sp[2] == 25.0
    g2 = build_road_graph(roads, speeds={"village": 10.0})
    sp2 = g2.edges["speed_kmh"].to_numpy()
    assert sp2[0] == 10.0
    assert sp2[1] == 50.0
    assert sp2[2] == 10.0


def test_snap_tolerance_joins_near_endpoints():
    lines = [LineString([(0, 0), (100, 0)]), LineString([(100.6, 0.3), (200, 0)])]
    roads = gpd.GeoDataFrame({"road_class": ["village"] * 2}, geometry=lines, crs=CRS)
    assert build_road_graph(roads, snap_tolerance=1.0).n_nodes == 3
    assert build_road_graph(roads, snap_tolerance=0.1).n_nodes == 4
    g = build_road_graph(roads, snap_tolerance=1.0)
    # geometries end exactly at their nodes
    end = shapely.get_coordinates(shapely.get_point(g.edges.geometry.to_numpy(), -1))
    start = shapely.get_coordinates(shapely.get_point(g.edges.geometry.to_numpy(), 0))
    np.testing.assert_array_equal(end[0], start[1])


def test_oneway_gives_one_arc():
    lines = [LineString([(0, 0), (100, 0)]), LineString([(100, 0), (200, 0)])]
    roads = gpd.GeoDataFrame({"road_class": ["village"] * 2, "oneway": ["yes", "no"]},
                             geometry=lines, crs=CRS)
    g = build_road_graph(roads)
    assert g.n_arcs == 3
    fwd, bwd = g.edge_minutes
    assert np.isfinite(fwd).all()
    assert np.isinf(bwd[0])
    assert np.isfinite(bwd[1])


def test_node_crossings_spares_elevated():
    # a cross of two ground roads and an elevated road crossing both
    lines = [LineString([(0, 50), (100, 50)]), LineString([(50, 0), (50, 100)]),
             LineString([(0, 0), (100, 100)])]
    roads = gpd.GeoDataFrame({"road_class": ["village", "village", "expressway"],
                              "elevated": [False, False, True]}, geometry=lines, crs=CRS)
    plain = build_road_graph(roads)
    assert plain.n_nodes == 6
    assert plain.n_edges == 3
    noded = build_road_graph(roads, node_crossings=True)
    # ground cross split into 4 pieces meeting at (50, 50); elevated road untouched
    assert noded.n_edges == 5
    assert noded.n_nodes == 7
    el = noded.edges[noded.edges["elevated"]]
    assert len(el) == 1
    assert el.geometry.iloc[0].length == pytest.approx(np.hypot(100, 100))
    assert noded.edges["length_m"].sum() == pytest.approx(plain.edges["length_m"].sum())


def test_node_crossings_keeps_oneway_direction():
    lines = [LineString([(100, 50), (0, 50)]), LineString([(50, 0), (50, 100)])]
    roads = gpd.GeoDataFrame({"road_class": ["village"] * 2, "oneway": [True, False]},
                             geometry=lines, crs=CRS)
    g = build_road_graph(roads, node_crossings=True)
    one = g.edges[g.edges["oneway"]]
    assert len(one) == 2
    for geom in one.geometry:
        xs = shapely.get_coordinates(geom)[:, 0]
        assert xs[0] > xs[-1]  # still digitised east → west


def test_components_report():
    a = grid_roads(3, 3)
    b = grid_roads(2, 2)
    b = b.set_geometry(b.geometry.translate(10_000, 0))
    g = build_road_graph(gpd.GeoDataFrame(pd.concat([a, b], ignore_index=True), crs=CRS))
    rep = g.components()
    assert rep.sizes.tolist() == [9, 4]
    assert rep.edge_counts.tolist() == [12, 4]
    assert rep.largest_share == pytest.approx(9 / 13)
    assert (rep.labels[:9] == 0).all()


def test_refuses_geographic_and_missing_class():
    roads = grid_roads(2, 2)
    with pytest.raises(CRSError, match="geographic"):
        build_road_graph(roads.to_crs("EPSG:4326"))
    with pytest.raises(SchemaError, match="road_class"):
        build_road_graph(roads.drop(columns="road_class"))
    bad = roads.copy()
    bad["road_class"] = "footpath"
    with pytest.raises(SchemaError, match="footpath"):
        build_road_graph(bad)


def test_multilinestrings_exploded():
    ml = shapely.MultiLineString([[(0, 0), (10, 0)], [(10, 0), (20, 0)]])
    roads = gpd.GeoDataFrame({"road_class": ["village"]}, geometry=[ml], crs=CRS)
    g = build_road_graph(roads)
    assert g.n_edges == 2
    assert g.n_nodes == 3
    assert g.edges["source_row"].tolist() == [0, 0]


def _graphs_equal(g1: RoadGraph, g2: RoadGraph) -> None:
    np.testing.assert_array_equal(g1.x, g2.x)
    np.testing.assert_array_equal(g1.y, g2.y)
    k1 = np.lexsort((g1.forward, g1.edge))
    k2 = np.lexsort((g2.forward, g2.edge))
    for attr in ("u", "v", "minutes", "length_m", "edge", "forward"):
        np.testing.assert_array_equal(getattr(g1, attr)[k1], getattr(g2, attr)[k2])
    for col in ("u", "v", "length_m", "speed_kmh", "road_class", "oneway", "elevated", "name"):
        assert g1.edges[col].tolist() == g2.edges[col].tolist(), col
    assert all(g1.edges.geometry.geom_equals_exact(g2.edges.geometry, 0))
    assert g1.crs == g2.crs


def test_networkx_round_trip():
    g = build_road_graph(random_roads(30, 60, seed=3))
    G = g.to_networkx()
    assert isinstance(G, nx.MultiDiGraph)
    assert G.number_of_nodes() == g.n_nodes
    assert G.number_of_edges() == g.n_arcs
    assert G.graph["crs"] == g.crs
    _, _, d = next(iter(G.edges(data=True)))
    assert {"minutes", "length_m", "road_class", "geometry"} <= set(d)
    # geometry oriented u → v (osmnx convention)
    for a, _b, d in list(G.edges(data=True))[:20]:
        first = shapely.get_coordinates(d["geometry"])[0]
        np.testing.assert_allclose(first, [G.nodes[a]["x"], G.nodes[a]["y"]])
    back = RoadGraph.from_networkx(G)
    _graphs_equal(g, back)
    G2 = back.to_networkx()
    assert nx.utils.edges_equal(G.edges(keys=True), G2.edges(keys=True))


def test_from_plain_networkx_graph():
    G = nx.MultiDiGraph(crs=CRS)
    G.add_node("a", x=X0, y=Y0)
    G.add_node("b", x=X0 + 1000, y=Y0)
    G.add_edge("a", "b", length_m=1000.0, road_class="county")
    g = RoadGraph.from_networkx(G)
    assert g.minutes.tolist() == [pytest.approx(1.2)]
    assert g.edges["oneway"].tolist() == [True]


def test_node_crossings_splits_t_junctions_only_where_needed():
    lines = [LineString([(0, 0), (100, 0)]), LineString([(50, 0), (50, 50)]),
             LineString([(100, 0), (200, 0)])]
    roads = gpd.GeoDataFrame({"road_class": ["village"] * 3}, geometry=lines, crs=CRS)
    plain = build_road_graph(roads)
    assert plain.components().n_components == 2
    g = build_road_graph(roads, node_crossings=True)
    assert g.components().n_components == 1
    assert g.n_edges == 4
    assert sorted(g.edges["length_m"].round(6)) == [50.0, 50.0, 50.0, 100.0]
