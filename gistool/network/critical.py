"""Critical links: road edges whose loss most delays or cuts off the population.

Only edges on the shortest-path forest from the sources (and the edges the
targets sit on) can matter: removing any other edge leaves every nearest-source
time unchanged. Candidates are ranked by the weight of the targets downstream
of them in the forest (subtree sums over the predecessor tree, one vectorised
pass per tree level), and the best ``candidates_factor × top`` are evaluated
exactly by removing the edge (both directions) and re-running the
multi-source Dijkstra.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.sparse import csr_array

from gistool.errors import SchemaError, describe_source
from gistool.network._lines import arc_lookup
from gistool.network.graph import RoadGraph
from gistool.network.snap import SnapResult, snap_points
from gistool.network.solve import augmented_csr, node_times, target_times

__all__ = ["critical_links", "removal_effect", "subtree_sums"]


def subtree_sums(pred: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Sum of ``weight`` over every node's subtree in a predecessor forest.

    ``pred[i]`` is the parent of node ``i`` (negative for roots). Depths come
    from pointer jumping (log₂ depth vectorised steps); sums are pushed to the
    parents one level at a time, deepest first.

    Examples
    --------
    >>> subtree_sums(np.array([-1, 0, 1, 1]), np.array([1.0, 2.0, 3.0, 4.0])).tolist()
    [10.0, 9.0, 3.0, 4.0]
    """
    pred = np.asarray(pred, dtype=np.int64)
    n = len(pred)
    parent = np.where(pred >= 0, pred, -1)
    depth = (parent >= 0).astype(np.int64)
    anc = parent.copy()
    while (anc >= 0).any():
        has = anc >= 0
        safe = np.where(has, anc, 0)
        depth = depth + np.where(has, depth[safe], 0)
        anc = np.where(has, anc[safe], -1)
    total = np.asarray(weight, dtype=float).copy()
    if n == 0:
        return total
    order = np.argsort(-depth, kind="stable")
    d_sorted = depth[order]
    bounds = np.flatnonzero(np.diff(d_sorted)) + 1
    for level in np.split(order, bounds):
        level = level[parent[level] >= 0]
        if len(level):
            np.add.at(total, parent[level], total[level])
    return total


def _objective(
    graph: RoadGraph, s_snap: SnapResult, t_snap: SnapResult
) -> tuple[np.ndarray, np.ndarray, np.ndarray, csr_array, np.ndarray]:
    matrix, arcs = augmented_csr(graph, s_snap)
    times = node_times(graph, s_snap, matrix=matrix)
    minutes, _, via = target_times(graph, times, s_snap, t_snap)
    return minutes, via, times.pred, matrix, arcs


def removal_effect(
    graph: RoadGraph,
    s_snap: SnapResult,
    t_snap: SnapResult,
    weights: np.ndarray,
    base_minutes: np.ndarray,
    edge_id: int,
) -> tuple[float, int, float]:
    """Effect of removing one edge: weighted minutes added, targets and weight isolated.

    ``increase = Σ_i w_i · (t'_i − t_i)`` over targets reachable before and after;
    isolated targets are those reachable before and not after.
    """
    after = _objective(graph.without_edges(np.array([edge_id])), s_snap, t_snap)[0]
    before_ok = np.isfinite(base_minutes)
    lost = before_ok & ~np.isfinite(after)
    both = before_ok & np.isfinite(after)
    increase = float(np.sum(weights[both] * (after[both] - base_minutes[both])))
    return increase, int(lost.sum()), float(weights[lost].sum())


def critical_links(
    graph: RoadGraph,
    sources: gpd.GeoDataFrame,
    targets: gpd.GeoDataFrame,
    *,
    weight: str | None = "population",
    top: int = 20,
    flood_graph: RoadGraph | None = None,
    candidates_factor: int = 3,
    max_distance: float = 500.0,
    offroad_speed_kmh: float = 5.0,
) -> gpd.GeoDataFrame:
    """Edges whose loss most increases weighted travel time or isolates targets.

    Objective: ``Σ_i w_i · t_i`` over targets ``i`` with travel time ``t_i``
    from the nearest of ``sources``. For a removed edge: ``increase`` (the
    change of that sum over targets still reachable) and the targets it
    isolates. Ranked by isolated weight, then increase.

    Parameters
    ----------
    graph
        The road graph.
    sources
        Facilities (all together form one source set; filter kinds first).
    targets
        Target points.
    weight
        Column of ``targets`` with the weight (``None``: every target weighs 1).
    top
        Number of links returned.
    flood_graph
        Analyse the network under this flood scenario instead.
    candidates_factor
        Exact re-evaluation of the ``candidates_factor · top`` edges with the
        most downstream weight.
    max_distance, offroad_speed_kmh
        Snapping, see :func:`snap_points`.

    Returns
    -------
    geopandas.GeoDataFrame
        ``rank``, ``edge_id``, ``name``, ``road_class``, ``increase_weighted_minutes``,
        ``isolated_targets``, ``isolated_weight`` (also as ``isolated_population`` when
        ``weight="population"``), ``downstream_weight`` (the candidate score: target
        weight whose shortest path uses the edge), geometry.
    """
    g = flood_graph if flood_graph is not None else graph
    if weight is None:
        w = np.ones(len(targets))
    elif weight not in targets.columns:
        msg = (
            f"{describe_source(layer='targets', column=weight)} is missing; "
            "pass weight=None to count targets"
        )
        raise SchemaError(msg)
    else:
        w = pd.to_numeric(targets[weight], errors="coerce").fillna(0.0).to_numpy(dtype=float)
    s_snap = snap_points(
        g, sources, max_distance=max_distance, offroad_speed_kmh=offroad_speed_kmh,
        what="facilities",
    )
    t_snap = snap_points(
        g, targets, max_distance=max_distance, offroad_speed_kmh=offroad_speed_kmh,
        what="targets",
    )
    base, via, pred, matrix, arcs = _objective(g, s_snap, t_snap)
    score = downstream_weight(g, s_snap, t_snap, w, base, via, pred, matrix, arcs)
    cand = np.flatnonzero(score > 0)
    cand = cand[np.argsort(-score[cand], kind="stable")][: max(top * candidates_factor, top)]
    rows = [
        (int(e), *removal_effect(g, s_snap, t_snap, w, base, int(e)), float(score[e]))
        for e in cand
    ]
    table = pd.DataFrame(
        rows,
        columns=[
            "edge_id",
            "increase_weighted_minutes",
            "isolated_targets",
            "isolated_weight",
            "downstream_weight",
        ],
    )
    table = table.sort_values(
        ["isolated_weight", "increase_weighted_minutes"], ascending=False, kind="stable"
    ).head(top)
    table = table[(table["isolated_weight"] > 0) | (table["increase_weighted_minutes"] > 0)]
    edges = g.edges.iloc[table["edge_id"].to_numpy()]
    out = gpd.GeoDataFrame(
        {
            "rank": np.arange(1, len(table) + 1),
            "edge_id": table["edge_id"].to_numpy(),
            "name": edges["name"].to_numpy(),
            "road_class": edges["road_class"].to_numpy(),
            "increase_weighted_minutes": table["increase_weighted_minutes"].to_numpy(),
            "isolated_targets": table["isolated_targets"].to_numpy(),
            "isolated_weight": table["isolated_weight"].to_numpy(),
            "downstream_weight": table["downstream_weight"].to_numpy(),
        },
        geometry=edges.geometry.to_numpy(),
        crs=g.crs,
    )
    if weight == "population":
        out.insert(out.columns.get_loc("isolated_weight") + 1, "isolated_population",
                   out["isolated_weight"].to_numpy())
    return out


def downstream_weight(
    graph: RoadGraph,
    s_snap: SnapResult,
    t_snap: SnapResult,
    w: np.ndarray,
    base: np.ndarray,
    via: np.ndarray,
    pred: np.ndarray,
    matrix: csr_array,
    arcs: np.ndarray,
) -> np.ndarray:
    """Per edge, the target weight whose shortest path uses it (upper bound of its effect)."""
    n = graph.n_nodes
    k = len(s_snap)
    eu, ev = graph.edge_uv
    reach = np.isfinite(base)
    # target weight attached to the tree node it is reached through
    node_w = np.zeros(n + k)
    t_edge = np.where(t_snap.snapped, t_snap.edge, 0)
    att = np.where(via == 0, eu[t_edge], ev[t_edge])
    sel = reach & (via >= 0) & (via <= 1)
    np.add.at(node_w, att[sel], w[sel])
    sub = subtree_sums(pred, node_w)
    # edge of every tree arc (parent → node)
    child = np.flatnonzero(pred >= 0)
    arc = arc_lookup(matrix, arcs, pred[child], child)
    arc_edge = np.where(
        arc < graph.n_arcs,
        graph.edge[np.minimum(arc, graph.n_arcs - 1)],
        s_snap.edge[np.maximum(arc - graph.n_arcs, 0) // 2],
    )
    score = np.zeros(graph.n_edges)
    ok = arc >= 0
    np.add.at(score, arc_edge[ok], sub[child[ok]])
    # a target's own edge carries it (and the same-edge source run)
    own = np.zeros(graph.n_edges)
    np.add.at(own, t_edge[reach], w[reach])
    return score + own
