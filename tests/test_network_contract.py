"""Contraction of pendant trees and degree-2 chains: exact times on the core (against the
full-graph solver and networkx), on hand-made and random graphs full of chains."""

from __future__ import annotations

import doctest

import geopandas as gpd
import numpy as np
import pytest
import shapely
from _network_fixtures import CRS, X0, Y0, nx_times_with_virtual, points, random_roads
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely import LineString

import gistool.network.contract as contract_module
import gistool.network.hierarchy as hierarchy_module
from gistool.network import build_road_graph, snap_points
from gistool.network.contract import contract, contraction
from gistool.network.solve import core_solver, node_times, target_times


@pytest.mark.parametrize("module", [contract_module, hierarchy_module])
def test_doctests(module):
    result = doctest.testmod(module)
    assert result.attempted > 0
    assert result.failed == 0


def test_path_is_one_chain_with_exact_offsets():
    # 0 -1- 1 -2- 2 -4- 3, node 3 has a spur to 4: only 0 and 3 have degree != 2 after peeling 4
    eu = np.array([0, 1, 2, 3])
    ev = np.array([1, 2, 3, 4])
    c = contract(eu, ev, 5, np.array([0, 3]))
    assert c.core.tolist() == [0, 3]
    assert c.interior.tolist() == [False, True, True, False, False]
    assert c.pendant.tolist() == [False, False, False, False, True]
    fwd = np.array([1.0, 2.0, 4.0, 8.0])
    bwd = np.array([10.0, 20.0, 40.0, 80.0])
    offset, w = c.core_arcs(fwd, bwd)
    # rays of node 1: from 0 (1 min) and from 3 (40 + 20 min); node 2: 0 → 2 = 3, 3 → 2 = 40
    rays = {x: sorted(zip(c.core[c.anchor[x]].tolist(), offset[x].tolist(), strict=True))
            for x in (1, 2)}
    assert rays == {1: [(0, 1.0), (3, 60.0)], 2: [(0, 3.0), (3, 40.0)]}
    # the pendant node 4 hangs from 3: 8 min on both rays
    assert c.core[c.anchor[4]].tolist() == [3, 3]
    assert offset[4].tolist() == [8.0, 8.0]
    # core arcs: 0 → 3 = 1 + 2 + 4, 3 → 0 = 40 + 20 + 10
    assert _core_arcs(c, w) == {(0, 3): 7.0, (3, 0): 70.0}


def _core_arcs(c, w):
    tail, head = c.arc_tail[c.arc_group], c.arc_head[c.arc_group]
    return {(int(c.core[a]), int(c.core[b])): float(x)
            for a, b, x in zip(tail, head, w, strict=True) if np.isfinite(x)}


def test_missing_arc_in_chain_blocks_that_direction_only():
    c = contract(np.array([0, 1, 2]), np.array([1, 2, 3]), 4, np.array([0, 3]))
    offset, w = c.core_arcs(np.array([1.0, np.inf, 1.0]), np.array([1.0, 1.0, 1.0]))
    assert _core_arcs(c, w) == {(3, 0): 3.0}
    assert np.isinf(offset[2]).sum() == 1  # 0 → 2 crosses the missing arc, 3 → 2 does not


def test_pure_cycles_self_loops_parallel_edges_isolated_edges():
    # a 4-cycle 0-1-2-3, a lone self-loop on 4, a 2-cycle of parallel edges 5=6, an edge 7-8
    eu = np.array([0, 1, 2, 3, 4, 5, 5, 7])
    ev = np.array([1, 2, 3, 0, 4, 6, 6, 8])
    c = contract(eu, ev, 9)
    # one node of each pure cycle is promoted; one end of the lone edge stays
    assert {0, 4, 5}.issubset(set(c.core.tolist()))
    assert c.interior[[1, 2, 3, 6]].all()
    assert c.pendant[[7, 8]].sum() == 1
    offset, _ = c.core_arcs(np.arange(1.0, 9.0), np.arange(1.0, 9.0) * 10)
    # 0 → 1 → 2 = 1 + 2, 0 → 3 → 2 = 40 + 30
    assert sorted(offset[2].tolist()) == [3.0, 70.0]


def test_contraction_cached_and_shared_with_derived_graphs():
    roads = random_roads(30, 20, seed=3)
    g = build_road_graph(roads)
    pins = np.array([0, 5])
    c = contraction(g, pins)
    flooded = g.with_arcs(np.arange(g.n_arcs) % 3 != 0)
    assert contraction(flooded, pins[::-1]) is c
    assert contraction(g, np.array([1])) is not c


def _chain_roads(seed: int, n_nodes: int, n_extra: int, max_split: int, oneway: float,
                 n_rings: int, n_spurs: int) -> gpd.GeoDataFrame:
    """Random roads cut into chains of pieces, plus pure rings, self-loops, parallel
    roads and pendant spurs; some pieces one-way in either direction."""
    rng = np.random.default_rng(seed)
    base = random_roads(n_nodes, n_extra, seed=seed, oneway_share=0.0)
    geoms = list(base.geometry)
    ends = shapely.get_coordinates(shapely.get_point(base.geometry.to_numpy(), 0))
    for _ in range(n_spurs):  # pendant trees: spurs from a random vertex, sometimes branching
        p = ends[rng.integers(len(ends))]
        q = p + rng.uniform(-400, 400, 2)
        geoms.append(LineString([p, q]))
        if rng.random() < 0.5:
            geoms.append(LineString([q, q + rng.uniform(-300, 300, 2)]))
    for _ in range(n_rings):  # pure cycles away from the rest
        c = np.array([X0, Y0]) + rng.uniform(4000, 6000, 2)
        k = int(rng.integers(3, 7))
        ang = np.sort(rng.uniform(0, 2 * np.pi, k))
        ring = np.stack([c[0] + 200 * np.cos(ang), c[1] + 200 * np.sin(ang)], 1)
        geoms.append(LineString(np.vstack([ring, ring[:1]])))
    p = ends[rng.integers(len(ends))]  # a self-loop on a vertex
    geoms.append(LineString([p, p + np.array([60, 0]), p + np.array([60, 60]), p]))
    a, b = ends[0], ends[1]  # a parallel road
    geoms.append(LineString([a, (a + b) / 2 + 90, b]))
    pieces = []
    for geom in geoms:
        k = int(rng.integers(1, max_split + 1))
        if k == 1 or (geom.is_closed and k < 3):
            pieces.append(geom)
            continue
        at = shapely.line_interpolate_point(geom, np.linspace(0, 1, k + 1), normalized=True)
        xy = shapely.get_coordinates(at)
        pieces += [LineString([xy[i], xy[i + 1]]) for i in range(k)]
    flip = rng.random(len(pieces)) < 0.5
    pieces = [shapely.reverse(p) if f else p for p, f in zip(pieces, flip, strict=True)]
    m = len(pieces)
    return gpd.GeoDataFrame(
        {"road_class": rng.choice(["village", "township", "county"], m),
         "oneway": rng.random(m) < oneway, "elevated": np.zeros(m, bool),
         "name": [f"r{i}" for i in range(m)]},
        geometry=pieces, crs=CRS,
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    n_nodes=st.integers(3, 15),
    n_extra=st.integers(0, 12),
    max_split=st.integers(1, 6),
    oneway=st.floats(0, 0.5),
    n_rings=st.integers(0, 2),
    n_spurs=st.integers(0, 5),
    n_src=st.integers(1, 4),
    n_tgt=st.integers(1, 25),
    cut=st.floats(0, 0.3),
)
def test_core_times_equal_full_graph_and_networkx(seed, n_nodes, n_extra, max_split, oneway,
                                                  n_rings, n_spurs, n_src, n_tgt, cut):
    roads = _chain_roads(seed, n_nodes, n_extra, max_split, oneway, n_rings, n_spurs)
    g = build_road_graph(roads)
    rng = np.random.default_rng(seed + 7)
    # a flood-like scenario: arcs cut or slowed, inside chains too
    keep = rng.random(g.n_arcs) >= cut
    slow = np.where(rng.random(g.n_arcs) < 0.2, 2.0, 1.0)
    flooded = g.with_arcs(keep, g.minutes * slow)
    lo = np.array([X0, Y0])
    geoms = g.edges.geometry.to_numpy()
    # sources and targets: random places, chain interiors, shared edges, exact nodes
    on = rng.integers(0, len(geoms), n_src + n_tgt)
    src_xy = np.concatenate([
        shapely.get_coordinates(shapely.line_interpolate_point(
            geoms[on[:n_src]], rng.uniform(0, 1, n_src), normalized=True)),
    ])
    src_xy[: n_src // 2] = rng.uniform(0, 3000, (n_src // 2, 2)) + lo
    tgt_xy = np.concatenate([
        rng.uniform(0, 3000, (n_tgt, 2)) + lo,
        shapely.get_coordinates(shapely.line_interpolate_point(
            geoms[on[:n_src]], rng.uniform(0, 1, n_src), normalized=True)),
        shapely.get_coordinates(shapely.line_interpolate_point(
            geoms[on[n_src:]], rng.uniform(0, 1, n_tgt), normalized=True)),
        np.stack([g.x[: min(3, g.n_nodes)], g.y[: min(3, g.n_nodes)]], 1),
    ])
    s = snap_points(g, points(src_xy), max_distance=1e5, offroad_speed_kmh=7.0)
    t = snap_points(g, points(tgt_xy), max_distance=1e5, offroad_speed_kmh=7.0)
    members = np.arange(n_src) if n_src < 3 else np.arange(n_src)[::2]
    for graph in (g, flooded):
        solver = core_solver(graph, s)
        full = node_times(graph, s, members)
        fast = solver.node_times(members)
        assert np.array_equal(np.isfinite(full.dist), np.isfinite(fast.dist))
        fin = np.isfinite(full.dist)
        np.testing.assert_allclose(fast.dist[fin], full.dist[fin], rtol=0, atol=1e-9)
        # the reported nearest source achieves every node's time
        for j in np.unique(fast.source[fin]):
            alone = node_times(graph, s, [j]).dist
            mine = fin & (fast.source == j)
            np.testing.assert_allclose(alone[mine], fast.dist[mine], rtol=0, atol=1e-9)
        got, who = solver.target_minutes(solver.target_index(t), members)
        ref, ref_who, _ = target_times(graph, full, s, t)
        np.testing.assert_allclose(got, ref, rtol=0, atol=1e-9)
        np.testing.assert_allclose(got, nx_times_with_virtual(graph, s, t, members),
                                   rtol=0, atol=1e-9)
        ties = np.isfinite(got) & (who != ref_who)
        for k in np.flatnonzero(ties):  # a different source only on an exact tie
            alone = target_times(graph, node_times(graph, s, [who[k]]), s, t)[0][k]
            assert alone == pytest.approx(got[k], abs=1e-9)


def test_random_chain_graphs_are_really_contracted():
    roads = _chain_roads(5, 12, 6, 5, 0.2, 2, 4)
    g = build_road_graph(roads)
    c = contraction(g)
    assert c.hierarchy.levels
    assert c.interior.sum() > 10
    assert c.pendant.sum() > 0
    assert c.n_core < g.n_nodes / 2
    assert (g.edge_uv[0] == g.edge_uv[1]).any()  # the self-loop is there


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 40),
    density=st.floats(0.02, 0.5),
    missing=st.floats(0, 0.5),
    n_pinned=st.integers(1, 4),
    max_degree=st.integers(1, 6),
)
def test_hierarchy_times_equal_dijkstra(seed, n, density, missing, n_pinned, max_degree):
    from scipy.sparse import csr_array
    from scipy.sparse.csgraph import dijkstra

    from gistool.network.hierarchy import build_hierarchy, lex_order

    rng = np.random.default_rng(seed)
    a, b = np.nonzero(np.triu(rng.random((n, n)) < density, 1))
    tail, head = np.concatenate([a, b]), np.concatenate([b, a])
    order = lex_order(tail, head, n)
    np.testing.assert_array_equal(order, np.lexsort((head, tail)))
    tail, head = tail[order], head[order]
    w = rng.uniform(0, 10, len(tail))
    w[rng.random(len(tail)) < missing] = np.inf  # one-way or cut arcs
    w[rng.random(len(tail)) < 0.1] = 0.0
    pinned = np.zeros(n, bool)
    sources = rng.choice(n, min(n_pinned, n), replace=False)
    pinned[sources] = True
    hier = build_hierarchy(tail, head, n, pinned, max_degree=max_degree)
    hw = hier.weights(w)
    top = csr_array((hw.data, hw.indices, hw.indptr), shape=(hier.n_top, hier.n_top))
    d_top, _, s_top = dijkstra(top, indices=hier.to_top[sources], min_only=True,
                               return_predecessors=True)
    dist, src = hier.expand(hw, d_top, s_top)
    ok = np.isfinite(w)
    full = csr_array((np.where(w[ok] == 0, 1e-300, w[ok]), (tail[ok], head[ok])),
                     shape=(n, n))  # an explicit tiny weight for zero arcs
    ref = dijkstra(full, indices=sources, min_only=True)
    np.testing.assert_allclose(dist, ref, rtol=0, atol=1e-9)
    # the source reported for a node reaches it in that time
    fin = np.isfinite(dist)
    base_src = hier.top_base[src[fin]]
    each = dijkstra(full, indices=sources)
    row = {int(s_): i for i, s_ in enumerate(sources)}
    np.testing.assert_allclose(
        each[[row[int(x)] for x in base_src], np.flatnonzero(fin)], dist[fin], rtol=0, atol=1e-9)
    deg = np.bincount(tail, minlength=n)
    if n <= 50 and (deg[~pinned] <= max_degree).any():
        assert hier.levels  # a removable node: at least one level (one node is 2 % of 50)


@pytest.mark.slow
def test_changge_core_solver_equals_full_graph(changge):
    """Every node and every target, every kind, normal and 100-year flood: the contracted
    core gives the full-graph Dijkstra's minutes (1e-9) and the same nearest facility."""
    from gistool.network import apply_flood, target_points

    g = build_road_graph(changge.roads)
    flood = apply_flood(g, changge.flood_depth[100]).graph
    fac = changge.facilities
    s = snap_points(g, fac)
    targets = gpd.GeoDataFrame(
        geometry=np.concatenate([target_points(changge.villages).geometry.to_numpy(),
                                 changge.enterprises.geometry.to_numpy()]), crs=g.crs)
    t = snap_points(g, targets)
    kinds = fac["kind"].to_numpy()
    c = contraction(g, np.concatenate([g.edge_uv[0][s.edge], g.edge_uv[1][s.edge]]))
    assert c.pendant.sum() > 500
    assert c.interior.sum() > 3000
    assert c.hierarchy.n_top < g.n_nodes / 3
    for graph in (g, flood):
        solver = core_solver(graph, s)
        index = solver.target_index(t)
        for kind in np.unique(kinds):
            members = np.flatnonzero(kinds == kind)
            full = node_times(graph, s, members)
            fast = node_times(graph, s, members, predecessors=False)
            assert np.array_equal(np.isfinite(full.dist), np.isfinite(fast.dist))
            fin = np.isfinite(full.dist)
            np.testing.assert_allclose(fast.dist[fin], full.dist[fin], rtol=0, atol=1e-9)
            np.testing.assert_array_equal(fast.source, full.source)
            ref, ref_src, _ = target_times(graph, full, s, t)
            got, src = solver.target_minutes(index, members)
            np.testing.assert_allclose(got, ref, rtol=0, atol=1e-9)
            np.testing.assert_array_equal(src, ref_src)
