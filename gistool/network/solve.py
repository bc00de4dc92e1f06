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

Callers that need no predecessor tree (travel times, isochrones) solve on the
**contracted core** instead (:class:`CoreSolver`, :mod:`gistool.network.contract`):
pendant trees and degree-2 chains are taken out, the Dijkstra runs on the
core nodes and the virtual sources only, and every node's time is expanded
from its two rays, ``min_k dist[anchor_k] + offset_k`` — the same minutes,
with fewer nodes in the heap. Per (scenario, targets), :class:`TargetIndex`
holds what all groups share, so a group costs the Dijkstra and a few gathers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_array

from gistool.network.contract import Contraction, CoreWeights, contraction, core_csr
from gistool.network.graph import RoadGraph
from gistool.network.snap import SnapResult

__all__ = [
    "CoreSolver",
    "NodeTimes",
    "TargetIndex",
    "core_solver",
    "node_times",
    "partial",
    "target_times",
]


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


def virtual_arcs(
    graph: RoadGraph, sources: SnapResult
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Out-arcs of the virtual source nodes: per source the count, then heads, minutes, ids.

    Source ``j`` gets (at most) an arc to ``v`` (id ``n_arcs + 2·j``) and one to
    ``u`` (id ``n_arcs + 2·j + 1``) of its edge; missing ones (infinite, not
    snapped) are dropped, and of a loop edge's two arcs only the faster is kept.
    """
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
    return ok.sum(axis=1), heads[ok], weights[ok], arc_ids[ok]


def augmented_csr(graph: RoadGraph, sources: SnapResult) -> tuple[csr_array, np.ndarray]:
    """The graph CSR with one virtual node per source appended (rows only, no in-arcs).

    Returns the matrix and, for every stored entry, the arc index behind it
    (``>= graph.n_arcs`` for virtual arcs: ``n_arcs + 2·j`` to ``v`` and
    ``n_arcs + 2·j + 1`` to ``u`` of source ``j``'s edge).
    """
    base = graph.csr
    n = graph.n_nodes
    k = len(sources)
    counts, heads, weights, arc_ids = virtual_arcs(graph, sources)
    indptr = np.concatenate([base.indptr, base.indptr[-1] + np.cumsum(counts)])
    indices = np.concatenate([base.indices, heads]).astype(np.int32)
    data = np.concatenate([base.data, weights])
    arcs = np.concatenate([graph.csr_arc, arc_ids])
    mat = csr_array((data, indices, indptr.astype(np.int32)), shape=(n + k, n + k))
    return mat, arcs


def node_times(
    graph: RoadGraph,
    sources: SnapResult,
    members: np.ndarray | None = None,
    *,
    matrix: csr_array | None = None,
    predecessors: bool = True,
    solver: CoreSolver | None = None,
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
    predecessors
        False: solve on the contracted core (:class:`CoreSolver`), same
        ``dist`` and ``source``, no ``pred`` (an empty array).
    solver
        A prebuilt :func:`core_solver` of ``graph`` and ``sources`` (implies
        ``predecessors=False``).
    """
    from scipy.sparse.csgraph import dijkstra

    if solver is not None or not predecessors:
        return (solver or core_solver(graph, sources)).node_times(members)
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


# ----------------------------------------------------------------- contracted core


@dataclass(frozen=True)
class TargetIndex:
    """What every group shares for one scenario and one set of targets.

    A target at fraction ``f`` on edge ``(u, v)`` is reached through one of
    the two rays of ``u`` or of ``v``: four candidates ``core[idx] + const``
    with ``const = offset(ray) + partial edge``; plus the direct runs from
    sources on its own edge (``pair_*``, sorted by target then minutes).
    """

    idx: np.ndarray
    const: np.ndarray
    snapped: np.ndarray
    offroad: np.ndarray
    pair_target: np.ndarray
    pair_source: np.ndarray
    pair_minutes: np.ndarray


@dataclass(frozen=True)
class CoreSolver:
    """Multi-source shortest paths on the contracted core of one scenario.

    Attributes
    ----------
    graph, sources
        The (scenario) graph and the snapped sources.
    contraction
        The topology decomposition (edges of snapped sources pinned to the core).
    weights
        Core arcs and ray offsets under this scenario's arc minutes.
    matrix
        CSR of the core's top level (:mod:`gistool.network.hierarchy`) with one
        virtual node per source appended (row ``n_top + j``).
    """

    graph: RoadGraph
    sources: SnapResult
    contraction: Contraction
    weights: CoreWeights
    matrix: csr_array

    def core_times(
        self, members: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Dijkstra on the core: minutes and nearest source per core node, members used."""
        from scipy.sparse.csgraph import dijkstra

        k = len(self.sources)
        n_core = self.contraction.n_core
        hier = self.contraction.hierarchy
        members = np.arange(k) if members is None else np.asarray(members, dtype=np.int64)
        members = members[self.sources.snapped[members]]
        if len(members) == 0 or n_core == 0:
            return np.full(n_core, np.inf), np.full(n_core, -1, np.int64), members
        n_top = hier.n_top
        dist, _, src = dijkstra(
            self.matrix, directed=True, indices=n_top + members, min_only=True,
            return_predecessors=True,
        )
        src = np.where(src >= 0, src - n_top, -1).astype(np.int64)
        dist, src = hier.expand(self.weights.levels, dist[:n_top], src[:n_top])
        return dist, src, members

    def node_times(self, members: np.ndarray | None = None) -> NodeTimes:
        """:func:`node_times` of every node, expanded from the core (``pred`` empty)."""
        dist_c, src_c, members = self.core_times(members)
        c = self.contraction
        dist, ray = c.expand(dist_c, self.weights.offset)
        anchor = c.anchor[np.arange(c.n_nodes), ray]
        source = np.where(np.isfinite(dist), src_c[anchor], -1).astype(np.int64)
        return NodeTimes(dist=dist, source=source, pred=np.zeros(0, np.int64), members=members)

    def target_index(self, targets: SnapResult) -> TargetIndex:
        """The per-(scenario, targets) part of :meth:`target_minutes`."""
        graph, sources = self.graph, self.sources
        fwd, bwd = graph.edge_minutes
        eu, ev = graph.edge_uv
        c = self.contraction
        offset = self.weights.offset
        ok = targets.snapped
        e = np.where(ok, targets.edge, 0)
        f = np.where(ok, targets.fraction, 0.0)
        to_u = partial(f, fwd[e])  # from u to the target
        to_v = partial(1.0 - f, bwd[e])
        u, v = eu[e], ev[e]
        idx = np.stack([c.anchor[u, 0], c.anchor[u, 1], c.anchor[v, 0], c.anchor[v, 1]])
        const = np.stack([offset[u, 0] + to_u, offset[u, 1] + to_u,
                          offset[v, 0] + to_v, offset[v, 1] + to_v])
        const[:, ~ok] = np.inf
        ti, si = same_edge_pairs(np.where(ok, targets.edge, -2),
                                 np.where(sources.snapped, sources.edge, -3))
        ee = targets.edge[ti]
        d = f[ti] - sources.fraction[si]
        direct = sources.offroad_minutes[si] + np.where(
            d >= 0, partial(d, fwd[ee]), partial(-d, bwd[ee])
        )
        order = np.lexsort((direct, ti))
        return TargetIndex(
            idx=idx, const=const, snapped=ok, offroad=targets.offroad_minutes,
            pair_target=ti[order], pair_source=si[order], pair_minutes=direct[order],
        )

    def target_minutes(
        self, index: TargetIndex, members: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Minutes from the nearest of ``members`` to every target, and that source.

        Equal to :func:`target_times` (``inf``/-1 where unreachable or not snapped).
        """
        dist_c, src_c, members = self.core_times(members)
        if len(dist_c) == 0:
            dist_c, src_c = np.full(1, np.inf), np.full(1, -1, np.int64)
        vals = dist_c[index.idx] + index.const
        best, pick = vals[0], index.idx[0]
        for r in range(1, len(vals)):  # the first of equal candidates wins, as in target_times
            better = vals[r] < best
            best = np.where(better, vals[r], best)
            pick = np.where(better, index.idx[r], pick)
        src = src_c[pick]
        if len(index.pair_target):
            use = np.zeros(len(self.sources), dtype=bool)
            use[members] = True
            sel = use[index.pair_source]
            ti, si, direct = (index.pair_target[sel], index.pair_source[sel],
                              index.pair_minutes[sel])
            first = np.r_[True, ti[1:] != ti[:-1]] if len(ti) else np.zeros(0, bool)
            ti, si, direct = ti[first], si[first], direct[first]
            better = direct < best[ti]
            best[ti[better]] = direct[better]
            src[ti[better]] = si[better]
        minutes = np.where(index.snapped, best + index.offroad, np.inf)
        reach = np.isfinite(minutes)
        return np.where(reach, minutes, np.inf), np.where(reach, src, -1).astype(np.int64)


def core_solver(graph: RoadGraph, sources: SnapResult) -> CoreSolver:
    """The :class:`CoreSolver` of a (scenario) graph and its snapped sources.

    The decomposition is cached per topology and pinned set (shared by the
    normal and the flooded graph); the scenario's weights and matrix are built
    here (a few gathers and one pointer-jumping pass).
    """
    eu, ev = graph.edge_uv
    e = sources.edge[sources.snapped]
    c = contraction(graph, np.concatenate([eu[e], ev[e]]))
    fwd, bwd = graph.edge_minutes
    w = c.weights(fwd, bwd)
    counts, heads, data, _ = virtual_arcs(graph, sources)
    matrix = core_csr(c, w, (counts, heads, data))
    return CoreSolver(graph=graph, sources=sources, contraction=c, weights=w, matrix=matrix)
