"""Levels of node contraction with shortcuts, for one-to-all shortest paths on the core.

After pendant trees and chains are gone (:mod:`gistool.network.contract`),
most core nodes still have three or four neighbours. Each **level** removes
an independent set of such nodes (no two adjacent, none pinned) and joins
their neighbours by shortcuts::

    w'(a → b) = min(w(a → b), w(a → x) + w(x → b))     for every removed x between a and b

so times between the nodes that stay are unchanged. The Dijkstra runs on the
top level only; a removed node's time is then exact from its in-neighbours,
which all stay at its level::

    dist[x] = min_a dist[a] + w(a → x)

Levels are built from the topology alone (every adjacency carries both
directions, ``inf`` where an arc is missing), so the normal and the flooded
graph share them; a scenario's weights go up the levels with one gather, one
addition and one ``np.minimum.reduceat`` per level.

A node of degree ``d`` removes ``2d`` arcs and adds at most ``d(d − 1)``
shortcuts; on road graphs (scipy's Dijkstra costs about ten times more per
node than per arc) removing nodes of degree up to four pays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Hierarchy", "HierarchyWeights", "Level", "build_hierarchy", "lex_order"]

#: Largest number of neighbours of a node removed by a level.
MAX_DEGREE = 4
#: Most levels built.
MAX_LEVELS = 8
#: Stop when a level would remove fewer than this share of its nodes.
MIN_SHARE = 0.02


@dataclass(frozen=True)
class Level:
    """One level: the nodes it removes and how weights go to the next level.

    Attributes
    ----------
    n_nodes, n_arcs
        Nodes and arcs (distinct tail–head pairs) of the level.
    removed
        Base ids of the removed nodes.
    in_tail, in_arc
        ``(len(removed), k)``: in-neighbours of each removed node (base ids)
        and the arc from them (this level's index), padded with the sentinels
        ``n_base`` and ``n_arcs``.
    p, q
        Next-level arc weights before reduction: ``w[p] + w[q]`` with ``w``
        this level's weights extended by ``[inf, 0]`` (a kept arc adds the 0).
    group
        Starts of the runs of ``p``/``q`` that form one next-level arc.
    """

    n_nodes: int
    n_arcs: int
    removed: np.ndarray
    in_tail: np.ndarray
    in_arc: np.ndarray
    p: np.ndarray
    q: np.ndarray
    group: np.ndarray


@dataclass(frozen=True)
class HierarchyWeights:
    """One scenario's weights on a :class:`Hierarchy`.

    Attributes
    ----------
    in_w
        Per level, the weights of the removed nodes' in-arcs (``inf`` padding).
    indptr, indices, data
        CSR rows of the top level (missing arcs dropped).
    """

    in_w: tuple[np.ndarray, ...]
    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray


@dataclass(frozen=True)
class Hierarchy:
    """Contraction levels above a graph given as sorted distinct arcs.

    Attributes
    ----------
    n_nodes
        Nodes of the base level.
    levels
        The levels, bottom first.
    tail, head
        Arcs of the top level (top ids), sorted by tail then head.
    to_top
        Top id of every base node (-1 for removed nodes).
    top_base
        Base id of every top node.
    """

    n_nodes: int
    levels: tuple[Level, ...]
    tail: np.ndarray
    head: np.ndarray
    to_top: np.ndarray
    top_base: np.ndarray

    @property
    def n_top(self) -> int:
        """Nodes of the top level."""
        return len(self.top_base)

    def weights(self, w: np.ndarray) -> HierarchyWeights:
        """Top-level CSR and in-arc weights from the base arcs' weights."""
        w = np.asarray(w, dtype=float)
        in_w = []
        for level in self.levels:
            ext = np.concatenate([w, [np.inf, 0.0]])
            in_w.append(ext[level.in_arc])
            w = ext[level.p] + ext[level.q]
            if len(w):
                w = np.minimum.reduceat(w, level.group)
        ok = np.isfinite(w)
        indptr = np.zeros(self.n_top + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.tail[ok], minlength=self.n_top), out=indptr[1:])
        return HierarchyWeights(tuple(in_w), indptr, self.head[ok], w[ok])

    def expand(
        self, weights: HierarchyWeights, dist: np.ndarray, src: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Base-level times and sources from the top level's, level by level down.

        ``dist[x] = min_a dist[a] + w(a → x)`` over the in-neighbours ``a`` a
        removed node had at its level (all present at that level or above).
        """
        full = np.full(self.n_nodes + 1, np.inf)
        who = np.full(self.n_nodes + 1, -1, dtype=np.int64)
        full[self.top_base] = dist
        who[self.top_base] = src
        for level, in_w in zip(self.levels[::-1], weights.in_w[::-1], strict=True):
            vals = full[level.in_tail] + in_w
            j = np.argmin(vals, axis=1)
            rows = np.arange(len(j))
            full[level.removed] = vals[rows, j]
            who[level.removed] = who[level.in_tail[rows, j]]
        return full[:-1], who[:-1]


def build_hierarchy(
    tail: np.ndarray,
    head: np.ndarray,
    n_nodes: int,
    pinned: np.ndarray,
    *,
    max_degree: int = MAX_DEGREE,
    max_levels: int = MAX_LEVELS,
) -> Hierarchy:
    """Build contraction levels over arcs ``tail → head`` (sorted, distinct, symmetric).

    Parameters
    ----------
    tail, head
        Arcs sorted by tail then head, no duplicates, no self-loops, and
        ``b → a`` present for every ``a → b``.
    n_nodes
        Nodes of the base level.
    pinned
        Mask of nodes never removed (where sources join).
    max_degree, max_levels
        Removal limits.

    Examples
    --------
    A path 0–1–2 (arcs ``w(0→1) = 1``, ``w(1→0) = 10``, ``w(1→2) = 2``,
    ``w(2→1) = 20``) with node 0 pinned: nodes 1 and 2 are adjacent, so one
    level removes one of them and the next level the other; the top is node 0
    alone, and the times from it come back down exactly.

    >>> t, h = np.array([0, 1, 1, 2]), np.array([1, 0, 2, 1])
    >>> hier = build_hierarchy(t, h, 3, np.array([True, False, False]))
    >>> w = hier.weights(np.array([1.0, 10.0, 2.0, 20.0]))
    >>> top_d = np.zeros(hier.n_top)
    >>> dist, _ = hier.expand(w, top_d, np.zeros(hier.n_top, np.int64))
    >>> dist.tolist()
    [0.0, 1.0, 3.0]
    """
    tail = np.asarray(tail, dtype=np.int64)
    head = np.asarray(head, dtype=np.int64)
    pin = np.asarray(pinned, dtype=bool).copy()
    base = np.arange(n_nodes, dtype=np.int64)  # base id of every node of the current level
    levels: list[Level] = []
    while len(levels) < max_levels:
        level, tail, head, keep = _level(tail, head, base, n_nodes, pin, max_degree)
        if level is None:
            break
        levels.append(level)
        base, pin = base[keep], pin[keep]
    to_top = np.full(n_nodes, -1, dtype=np.int64)
    to_top[base] = np.arange(len(base))
    return Hierarchy(n_nodes=n_nodes, levels=tuple(levels), tail=tail, head=head,
                     to_top=to_top, top_base=base)


def _level(
    tail: np.ndarray, head: np.ndarray, base: np.ndarray, n_base: int, pin: np.ndarray,
    max_degree: int,
) -> tuple[Level | None, np.ndarray, np.ndarray, np.ndarray]:
    """One level over the current arcs: the level, the next arcs and the kept-node mask."""
    n = len(base)
    m = len(tail)
    deg = np.bincount(tail, minlength=n)
    cand = (deg <= max_degree) & ~pin
    # an independent set: candidates whose priority is below every candidate neighbour's
    prio = deg.astype(np.int64) << 32 | ((np.arange(n, dtype=np.int64) * 2654435761) & 0xFFFFFFFF)
    low = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    both = cand[tail] & cand[head]
    np.minimum.at(low, tail[both], prio[head[both]])
    take = cand & (prio < low)
    removed = np.flatnonzero(take)
    if len(removed) < max(MIN_SHARE * n, 1):
        return None, tail, head, ~take
    n_next = n - len(removed)
    up = np.full(n, n_next, dtype=np.int64)
    up[~take] = np.arange(n_next)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(deg, out=indptr[1:])
    rev = _reverse(tail, head, n)
    # in-arcs of removed nodes, padded to k columns
    d = deg[removed]
    k = max(int(d.max()), 1)  # a node without neighbours: one inf column
    cols = np.arange(k)
    valid = cols[None, :] < d[:, None]
    out_arc = np.where(valid, indptr[removed][:, None] + cols[None, :], m)
    in_arc = np.append(rev, m)[out_arc]  # padding: the inf sentinel arc
    in_tail = np.append(base[head], n_base)[out_arc]  # padding: the inf sentinel node
    # shortcuts a → x → b for every pair of neighbours a != b of a removed node
    cnt = d * d
    start = np.repeat(indptr[removed], cnt)
    pos = np.arange(int(cnt.sum())) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    dd = np.repeat(np.maximum(d, 1), cnt)
    i = start + pos // dd  # out-arc x → a, reversed: a → x
    j = start + pos % dd  # out-arc x → b
    pair = i != j
    i, j = i[pair], j[pair]
    # next-level arcs: kept arcs and shortcuts, sorted by (tail, head), parallels grouped
    kept = np.flatnonzero(~take[tail] & ~take[head])
    t_all = np.concatenate([up[tail[kept]], up[head[i]]])
    h_all = np.concatenate([up[head[kept]], up[head[j]]])
    p_all = np.concatenate([kept, rev[i]])
    q_all = np.concatenate([np.full(len(kept), m + 1, np.int64), j])
    order = lex_order(t_all, h_all, max(n_next, 1))
    t_all, h_all = t_all[order], h_all[order]
    first = np.r_[True, (t_all[1:] != t_all[:-1]) | (h_all[1:] != h_all[:-1])] \
        if len(t_all) else np.zeros(0, bool)
    group = np.flatnonzero(first)
    level = Level(
        n_nodes=n, n_arcs=m, removed=base[removed], in_tail=in_tail, in_arc=in_arc,
        p=p_all[order], q=q_all[order], group=group,
    )
    return level, t_all[group], h_all[group], ~take


def _reverse(tail: np.ndarray, head: np.ndarray, n: int) -> np.ndarray:
    """Index of arc ``head → tail`` for every arc (arcs sorted by tail, head; symmetric).

    The reversed arcs are the same set, so the ``k``-th arc in (head, tail)
    order is the reverse of the ``k``-th arc in (tail, head) order.
    """
    return lex_order(head, tail, n)


def _radix_order(keys: np.ndarray, n: int) -> np.ndarray:
    """Stable argsort of integer keys in ``[0, n)``: radix passes on 16-bit digits."""
    keys = np.asarray(keys, dtype=np.int64)
    order = np.argsort((keys & 0xFFFF).astype(np.uint16), kind="stable")
    shift = 16
    while n > 1 << shift:
        digit = ((keys[order] >> shift) & 0xFFFF).astype(np.uint16)
        order = order[np.argsort(digit, kind="stable")]
        shift += 16
    return order


def lex_order(primary: np.ndarray, secondary: np.ndarray, n: int) -> np.ndarray:
    """Order sorting by ``primary`` then ``secondary`` (both integers in ``[0, n)``).

    Same as ``np.lexsort((secondary, primary))``, by stable radix passes on
    16-bit digits (about ten times faster on graph-sized arrays).

    Examples
    --------
    >>> lex_order(np.array([1, 0, 1, 0]), np.array([0, 5, 2, 1]), 6).tolist()
    [3, 1, 0, 2]
    """
    order = _radix_order(secondary, n)
    return order[_radix_order(np.asarray(primary)[order], n)]
