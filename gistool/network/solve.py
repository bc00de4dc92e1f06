"""Multi-source shortest travel times with snapped sources and targets (compiled code).

Sources sitting inside edges enter the graph as **virtual nodes** appended
after the real nodes, each with (at most) two out-arcs to the ends ``u``, ``v``
of its edge, weighted by the off-road leg plus the partial edge time::

    w(s → v) = off_s + (1 − f_s) · w_uv        w(s → u) = off_s + f_s · w_vu

One call of ``scipy.sparse.csgraph.dijkstra(indices=virtual, min_only=True)``
then gives, for every node, the time from the nearest source and which source
it is. A target at fraction ``f`` on edge ``(u, v)`` gets, exactly::

    t = min(t_u + f · w_uv,  t_v + (1 − f) · w_vu) + off_t

and, when a source sits on the same edge, the direct run along the edge.
Missing arcs (one-way, cut by a flood) have ``w = inf``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_array

from gistool.network.graph import RoadGraph
from gistool.network.snap import SnapResult

__all__ = ["NodeTimes", "node_times", "partial", "target_times"]


def partial(fraction: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Time to run ``fraction`` of an arc of ``w`` minutes: 0 for 0 even if ``w`` is inf."""
    fraction = np.asarray(fraction, dtype=float)
    w = np.asarray(w, dtype=float)
    with np.errstate(invalid="ignore"):
        out = fraction * w
    return np.where(fraction <= 0, 0.0, out)


@dataclass(frozen=True)
class NodeTimes:
    """Times from the nearest of a set of sources to every node.

    Attributes
    ----------
    dist
        Minutes to every real node (``inf`` when unreachable).
    source
        Position (in the source list) of the nearest source of every node, -1 if none.
    pred
        Predecessor of every node of the augmented graph (virtual source ``j`` is
        node ``n_nodes + j``); -9999 for roots and unreachable nodes.
    members
        Positions of the sources used.
    """

    dist: np.ndarray
    source: np.ndarray
    pred: np.ndarray
    members: np.ndarray


def augmented_csr(graph: RoadGraph, sources: SnapResult) -> tuple[csr_array, np.ndarray]:
    """The graph CSR with one virtual node per source appended (rows only, no in-arcs).

    Returns the matrix and, for every stored entry, the arc index behind it
    (``>= graph.n_arcs`` for virtual arcs: ``n_arcs + 2·j`` to ``v`` and
    ``n_arcs + 2·j + 1`` to ``u`` of source ``j``'s edge).
    """
    base = graph.csr
    n = graph.n_nodes
    k = len(sources)
    fwd, bwd = graph.edge_minutes
    eu, ev = graph.edge_uv
    e = np.where(sources.snapped, sources.edge, 0)
    f = np.where(sources.snapped, sources.fraction, 0.0)
    off = sources.offroad_minutes
    w_to_v = off + partial(1.0 - f, fwd[e])
    w_to_u = off + partial(f, bwd[e])
    heads = np.stack([ev[e], eu[e]], axis=1)
    weights = np.stack([w_to_v, w_to_u], axis=1)
    arc_ids = graph.n_arcs + np.arange(2 * k).reshape(k, 2)
    ok = np.isfinite(weights) & sources.snapped[:, None]
    # same head twice (edge is a loop): keep the faster
    loop = heads[:, 0] == heads[:, 1]
    drop_second = loop & (weights[:, 1] >= weights[:, 0])
    drop_first = loop & ~drop_second
    ok[:, 1] &= ~drop_second
    ok[:, 0] &= ~drop_first
    counts = ok.sum(axis=1)
    indptr = np.concatenate([base.indptr, base.indptr[-1] + np.cumsum(counts)])
    indices = np.concatenate([base.indices, heads[ok]]).astype(np.int32)
    data = np.concatenate([base.data, weights[ok]])
    arcs = np.concatenate([graph.csr_arc, arc_ids[ok]])
    mat = csr_array((data, indices, indptr.astype(np.int32)), shape=(n + k, n + k))
    return mat, arcs


def node_times(
    graph: RoadGraph,
    sources: SnapResult,
    members: np.ndarray | None = None,
    *,
    matrix: csr_array | None = None,
) -> NodeTimes:
    """Multi-source Dijkstra from the sources at positions ``members`` (default: all).

    Parameters
    ----------
    graph
        The road graph.
    sources
        Snapped sources.
    members
        Positions of the sources to start from.
    matrix
        A prebuilt :func:`augmented_csr` matrix of ``graph`` and ``sources``.
    """
    from scipy.sparse.csgraph import dijkstra

    n = graph.n_nodes
    k = len(sources)
    members = np.arange(k) if members is None else np.asarray(members, dtype=np.int64)
    members = members[sources.snapped[members]]
    if matrix is None:
        matrix, _ = augmented_csr(graph, sources)
    if len(members) == 0:
        return NodeTimes(
            dist=np.full(n, np.inf),
            source=np.full(n, -1, np.int64),
            pred=np.full(n + k, -9999, np.int64),
            members=members,
        )
    dist, pred, src = dijkstra(
        matrix,
        directed=True,
        indices=n + members,
        min_only=True,
        return_predecessors=True,
    )
    src = np.where(src >= 0, src - n, -1).astype(np.int64)
    return NodeTimes(dist=dist[:n], source=src[:n], pred=pred.astype(np.int64), members=members)


def same_edge_pairs(a_edges: np.ndarray, b_edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All pairs ``(i, j)`` with ``a_edges[i] == b_edges[j]`` (``b`` small), vectorised."""
    b_edges = np.asarray(b_edges, dtype=np.int64)
    if len(b_edges) == 0 or len(a_edges) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    order = np.argsort(b_edges, kind="stable")
    sb = b_edges[order]
    lo = np.searchsorted(sb, a_edges, side="left")
    hi = np.searchsorted(sb, a_edges, side="right")
    count = hi - lo
    i = np.repeat(np.arange(len(a_edges)), count)
    start = np.repeat(lo, count)
    offset = np.arange(len(i)) - np.repeat(np.cumsum(count) - count, count)
    return i, order[start + offset]


def target_times(
    graph: RoadGraph,
    times: NodeTimes,
    sources: SnapResult,
    targets: SnapResult,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Minutes from the nearest source to every target, that source, and the end used.

    Returns
    -------
    minutes
        ``inf`` where the target is unreachable or not snapped.
    source
        Position of the nearest source (-1 if none).
    via
        0 if reached through node ``u`` of its edge, 1 through ``v``, 2 directly
        from a source on the same edge, -1 if unreachable.
    """
    fwd, bwd = graph.edge_minutes
    eu, ev = graph.edge_uv
    ok = targets.snapped
    e = np.where(ok, targets.edge, 0)
    f = np.where(ok, targets.fraction, 0.0)
    t_u = times.dist[eu[e]] + partial(f, fwd[e])
    t_v = times.dist[ev[e]] + partial(1.0 - f, bwd[e])
    use_v = t_v < t_u
    best = np.where(use_v, t_v, t_u)
    src = np.where(use_v, times.source[ev[e]], times.source[eu[e]])
    via = np.where(use_v, 1, 0)
    # a source on the same edge: run along the edge directly
    ti, si = same_edge_pairs(np.where(ok, targets.edge, -2), sources.edge[times.members])
    if len(ti):
        si = times.members[si]
        ee = targets.edge[ti]
        d = f[ti] - sources.fraction[si]
        direct = sources.offroad_minutes[si] + np.where(
            d >= 0, partial(d, fwd[ee]), partial(-d, bwd[ee])
        )
        order = np.lexsort((direct, ti))
        ti, si, direct = ti[order], si[order], direct[order]
        first = np.r_[True, ti[1:] != ti[:-1]]
        ti, si, direct = ti[first], si[first], direct[first]
        better = direct < best[ti]
        best[ti[better]] = direct[better]
        src[ti[better]] = si[better]
        via[ti[better]] = 2
    minutes = np.where(ok, best + targets.offroad_minutes, np.inf)
    reach = np.isfinite(minutes)
    return (
        np.where(reach, minutes, np.inf),
        np.where(reach, src, -1).astype(np.int64),
        np.where(reach, via, -1).astype(np.int64),
    )
