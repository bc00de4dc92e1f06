"""Exact contraction of pendant trees and degree-2 chains for one-to-all shortest paths.

A multi-source Dijkstra only needs to run on the **core** of a road graph:

- **pendant trees** (nodes outside the 2-core, peeled leaf by leaf) are
  reached only through the node they hang from;
- **chains** of undirected degree-2 nodes between two core nodes ``A`` and
  ``B`` are reached only through ``A`` or ``B``, so the chain becomes one arc
  ``A → B`` (and ``B → A``) weighted by its total time.

Every contracted node ``x`` keeps two **rays**, the two ways into it from the
core: ray ``k`` starts at core node ``anchor[x, k]`` and runs ``offset[x, k]``
minutes (a sum of arc times along the chain or tree path, ``inf`` where an arc
is missing — one-way, cut by a flood). For a chain interior node the rays come
from the two chain ends; for a pendant node both rays continue those of its
parent. The time from the nearest source is then exactly::

    dist[x] = min(dist[anchor[x, 0]] + offset[x, 0], dist[anchor[x, 1]] + offset[x, 1])

This needs no source inside a contracted part: the endpoints of the edges
sources are snapped to are **pinned** (kept in the core). Pure degree-2 cycles
get one node promoted to the core.

The decomposition (:class:`Contraction`) depends on the undirected topology
(``graph.edge_uv``) and the pinned nodes only, so it is computed once and
shared by the normal and the flooded graph (cached in the graph's shared
``meta``). Per scenario, the arc times give the ray offsets by pointer jumping
(``log₂`` of the longest ray vectorised steps) and the core arcs by gathers
over a fixed, pre-sorted arc list (:meth:`Contraction.weights`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_array

from gistool.network.graph import RoadGraph
from gistool.network.hierarchy import Hierarchy, HierarchyWeights, build_hierarchy, lex_order

__all__ = ["Contraction", "CoreWeights", "contract", "contraction"]

#: Distinct pinned-node sets whose contraction is kept per graph topology (about 0.5 kB
#: per node each: 150 MB for a 290,000-node graph).
CACHE_SIZE = 4


@dataclass(frozen=True)
class CoreWeights:
    """One scenario's weights on a :class:`Contraction`.

    Attributes
    ----------
    levels
        The core arcs (parallel arcs reduced to the fastest) taken up the
        :class:`~gistool.network.hierarchy.Hierarchy`: the top level's CSR and
        the in-arc weights of every removed node.
    offset
        ``(n_nodes, 2)`` minutes of each node's two rays from their anchors
        (0 for core nodes).
    """

    levels: HierarchyWeights
    offset: np.ndarray


@dataclass(frozen=True)
class Contraction:
    """Core of a road graph and the rays of its contracted nodes (topology only).

    Attributes
    ----------
    n_nodes
        Nodes of the full graph.
    core
        Node ids of the core, ascending.
    position
        Core position of every node (-1 for contracted nodes).
    anchor
        ``(n_nodes, 2)`` core position each ray of a node starts at (a core
        node's rays are itself).
    pendant, interior
        Masks of the nodes in pendant trees and in chains.
    slot_edge, slot_forward
        Per ray slot (``2·j + k`` for the ``j``-th contracted node): the edge
        entering the node on the ray and whether the ray runs it ``u → v``.
    jumps
        Pointer-jumping tables: predecessor slot after ``2**r`` steps
        (``len(slot_edge)`` is the root sentinel).
    arc_tail, arc_head
        Core arcs sorted by (tail, head), as core positions.
    arc_slot, arc_edge, arc_forward
        Per core arc: the slot whose offset it adds (-1 for none: a core–core
        edge), the edge of the last (or only) step and its direction.
    arc_group
        Start of each run of parallel arcs (same tail and head) in the sorted list.
    hierarchy
        Shortcut levels over the core arcs (:mod:`gistool.network.hierarchy`);
        the Dijkstra runs on its top level.
    """

    n_nodes: int
    core: np.ndarray
    position: np.ndarray
    anchor: np.ndarray
    pendant: np.ndarray
    interior: np.ndarray
    slot_edge: np.ndarray
    slot_forward: np.ndarray
    jumps: tuple[np.ndarray, ...]
    arc_tail: np.ndarray
    arc_head: np.ndarray
    arc_slot: np.ndarray
    arc_edge: np.ndarray
    arc_forward: np.ndarray
    arc_group: np.ndarray
    hierarchy: Hierarchy

    @property
    def n_core(self) -> int:
        """Nodes of the core."""
        return len(self.core)

    def weights(self, fwd: np.ndarray, bwd: np.ndarray) -> CoreWeights:
        """Ray offsets and the core's levels for per-edge minutes ``u → v`` and ``v → u``.

        ``fwd``/``bwd`` are :attr:`RoadGraph.edge_minutes` (``inf`` for a
        missing arc).
        """
        offset, w = self.core_arcs(fwd, bwd)
        return CoreWeights(levels=self.hierarchy.weights(w), offset=offset)

    def core_arcs(self, fwd: np.ndarray, bwd: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Ray offsets ``(n_nodes, 2)`` and the minutes of the core arcs.

        The core arcs are ``arc_tail[arc_group] → arc_head[arc_group]`` (``inf``
        where missing). A ray's offset is the sum of its arc times, by pointer
        jumping; a chain's core arc is the offset of the ray that reaches its
        last interior node plus the last arc.
        """
        fwd = np.asarray(fwd, dtype=float)
        bwd = np.asarray(bwd, dtype=float)
        m = len(self.slot_edge)
        off = np.zeros(m + 1)
        off[:m] = np.where(self.slot_forward, fwd[self.slot_edge], bwd[self.slot_edge])
        for jump in self.jumps:
            off = off + off[jump]
        offset = np.zeros((self.n_nodes, 2))
        nodes = np.flatnonzero(self.position < 0)
        offset[nodes] = off[:m].reshape(-1, 2)
        last = np.where(self.arc_forward, fwd[self.arc_edge], bwd[self.arc_edge])
        w = np.where(self.arc_slot >= 0, off[self.arc_slot] + last, last)
        if len(w):
            w = np.minimum.reduceat(w, self.arc_group)
        return offset, w

    def expand(
        self, core_values: np.ndarray, offset: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Node values from core values: ``min_k core[anchor[x, k]] + offset[x, k]``.

        Returns the value of every node and which ray (0 or 1) gave it.
        """
        via = core_values[self.anchor] + offset
        ray = (via[:, 1] < via[:, 0]).astype(np.int64)
        return np.where(ray == 1, via[:, 1], via[:, 0]), ray


def contraction(graph: RoadGraph, pinned: np.ndarray | None = None) -> Contraction:
    """The :func:`contract` decomposition of ``graph``, cached on its shared ``meta``.

    Graphs derived with :meth:`RoadGraph.with_arcs` (flood scenarios, removed
    edges) share the edge table and ``meta``, hence the decomposition.
    """
    pinned_ids = np.unique(np.asarray(pinned if pinned is not None else [], dtype=np.int64))
    key = pinned_ids.tobytes()
    cache = graph.meta.setdefault("_contractions", {})
    hit = cache.get(key)
    if hit is not None and hit[0] is graph.edges:
        return hit[1]
    eu, ev = graph.edge_uv
    result = contract(eu, ev, graph.n_nodes, pinned_ids)
    if len(cache) >= CACHE_SIZE:
        cache.pop(next(iter(cache)))
    cache[key] = (graph.edges, result)
    return result


def _peel(
    eu: np.ndarray, ev: np.ndarray, n: int, pinned: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Remove pendant trees leaf by leaf (pinned nodes stay).

    A node of degree one is a leaf; its one remaining edge is the sum of its
    remaining incident edge ids (ids of removed edges are subtracted as they go).
    Returns the removed mask, each removed node's parent and edge, and the
    remaining degree.
    """
    eid = np.arange(len(eu), dtype=np.int64)
    deg = np.bincount(eu, minlength=n) + np.bincount(ev, minlength=n)
    esum = np.bincount(eu, weights=eid, minlength=n) + np.bincount(ev, weights=eid, minlength=n)
    esum = esum.astype(np.int64)
    removed = np.zeros(n, dtype=bool)
    parent = np.full(n, -1, dtype=np.int64)
    pedge = np.full(n, -1, dtype=np.int64)
    is_leaf = np.zeros(n, dtype=bool)
    leaves = np.flatnonzero((deg == 1) & ~pinned)
    while len(leaves):
        e = esum[leaves]
        other = eu[e] + ev[e] - leaves
        is_leaf[leaves] = True
        # an isolated edge of two leaves: remove one, the other stays (degree 0)
        keep = ~is_leaf[other] | (leaves > other)
        is_leaf[leaves] = False
        leaves, e, other = leaves[keep], e[keep], other[keep]
        removed[leaves] = True
        parent[leaves] = other
        pedge[leaves] = e
        deg[leaves] = 0
        deg -= np.bincount(other, minlength=n)
        esum -= np.bincount(other, weights=e, minlength=n).astype(np.int64)
        cand = np.unique(other)
        leaves = cand[(deg[cand] == 1) & ~pinned[cand] & ~removed[cand]]
    return removed, parent, pedge, deg


def contract(
    eu: np.ndarray, ev: np.ndarray, n_nodes: int, pinned: np.ndarray | None = None
) -> Contraction:
    """Decompose an undirected multigraph into core, chains and pendant trees.

    Parameters
    ----------
    eu, ev
        End nodes of every undirected edge (self-loops and parallel edges allowed).
    n_nodes
        Number of nodes.
    pinned
        Node ids that must stay in the core (e.g. the ends of the edges
        sources sit on).

    Examples
    --------
    A path 0–1–2–3 with a spur 2–4, node 0 pinned: node 4 is a pendant leaf,
    node 3 too, then 2 and 1 — everything hangs from node 0.

    >>> c = contract(np.array([0, 1, 2, 2]), np.array([1, 2, 3, 4]), 5, np.array([0]))
    >>> c.core.tolist(), c.pendant.tolist()
    ([0], [False, True, True, True, True])

    A triangle 0–1–2 with a chain 0–3–4–2: nodes 3 and 4 are chain interior
    nodes whose rays start at 0 and 2; the triangle's node 1 is interior too.

    >>> c = contract(np.array([0, 1, 2, 0, 3, 4]), np.array([1, 2, 0, 3, 4, 2]), 5)
    >>> c.core.tolist(), c.interior.tolist()
    ([0, 2], [False, True, False, True, True])
    >>> offset, _ = c.core_arcs(np.array([1.0, 2, 3, 1, 1, 1]), np.array([1.0, 2, 3, 1, 1, 1]))
    >>> offset[3].tolist(), offset[4].tolist()
    ([1.0, 2.0], [2.0, 1.0])
    """
    eu = np.asarray(eu, dtype=np.int64)
    ev = np.asarray(ev, dtype=np.int64)
    pin = np.zeros(n_nodes, dtype=bool)
    if pinned is not None and len(pinned):
        pin[np.asarray(pinned, dtype=np.int64)] = True
    while True:
        result = _decompose(eu, ev, n_nodes, pin)
        if isinstance(result, Contraction):
            return result
        pin[result] = True  # one node of every pure degree-2 cycle joins the core


def _decompose(
    eu: np.ndarray, ev: np.ndarray, n: int, pin: np.ndarray
) -> Contraction | np.ndarray:
    """The decomposition, or the nodes to promote if pure degree-2 cycles remain."""
    removed, parent, pedge, deg = _peel(eu, ev, n, pin)
    loop_node = np.zeros(n, dtype=bool)
    loop_node[eu[eu == ev]] = True
    interior = ~removed & (deg == 2) & ~pin & ~loop_node
    core_mask = ~removed & ~interior
    core = np.flatnonzero(core_mask)
    position = np.full(n, -1, dtype=np.int64)
    position[core] = np.arange(len(core))

    # the two remaining edges of every interior node (ids min and max)
    alive = ~removed[eu] & ~removed[ev]
    ae = np.flatnonzero(alive)
    ends = np.concatenate([eu[ae], ev[ae]])
    eids = np.concatenate([ae, ae])
    at_int = interior[ends]
    e_lo = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    e_hi = np.full(n, -1, dtype=np.int64)
    np.minimum.at(e_lo, ends[at_int], eids[at_int])
    np.maximum.at(e_hi, ends[at_int], eids[at_int])

    # slots: contracted node j has slots 2j (ray 0) and 2j + 1 (ray 1)
    nodes = np.flatnonzero(~core_mask)
    idx = np.full(n, -1, dtype=np.int64)
    idx[nodes] = np.arange(len(nodes))
    m = 2 * len(nodes)
    sentinel = m
    pred = np.full(m + 1, sentinel, dtype=np.int64)
    slot_edge = np.zeros(m, dtype=np.int64)
    slot_prev = np.zeros(m, dtype=np.int64)  # node the ray comes from

    ii = np.flatnonzero(interior)
    for k, ek in ((0, e_lo[ii]), (1, e_hi[ii])):
        s = 2 * idx[ii] + k
        prev = eu[ek] + ev[ek] - ii
        slot_edge[s] = ek
        slot_prev[s] = prev
        inner = interior[prev]
        # arriving at prev through its other edge
        other_k = (e_lo[prev[inner]] == ek[inner]).astype(np.int64)
        pred[s[inner]] = 2 * idx[prev[inner]] + other_k
    pp = np.flatnonzero(removed)
    for k in (0, 1):
        s = 2 * idx[pp] + k
        par = parent[pp]
        slot_edge[s] = pedge[pp]
        slot_prev[s] = par
        nc = ~core_mask[par]
        pred[s[nc]] = 2 * idx[par[nc]] + k
    slot_forward = eu[slot_edge] == slot_prev

    # pointer jumping: the first slot of each ray (its anchor) and the jump tables
    first = np.where(pred[:m] == sentinel, np.arange(m), pred[:m])
    first = np.append(first, sentinel)
    jumps = []
    jump = pred.copy()
    rounds = max(int(np.ceil(np.log2(max(m, 2)))) + 1, 1)
    for _ in range(rounds):
        if (jump[:m] == sentinel).all():
            break
        jumps.append(jump)
        jump = jump[jump]
        first = first[first]
    if m and not (jump[:m] == sentinel).all():
        # pure degree-2 cycles never reach the core: promote the smallest node of each
        owner = np.append(np.repeat(nodes, 2), n)
        low = owner.copy()
        step = pred.copy()
        for _ in range(rounds):
            low = np.minimum(low, low[step])
            step = step[step]
        stuck = np.flatnonzero((jump[:m] != sentinel) & interior[owner[:m]])
        cyc = np.unique(low[stuck])
        return cyc[interior[cyc]]
    anchor = np.repeat(position[:, None], 2, axis=1)
    anchor[nodes] = position[slot_prev[first[:m]]].reshape(-1, 2)

    # core arcs: core–core edges both ways, and the last step of every chain ray
    cc = np.flatnonzero(core_mask[eu] & core_mask[ev])
    tails = [position[eu[cc]], position[ev[cc]]]
    heads = [position[ev[cc]], position[eu[cc]]]
    slots = [np.full(len(cc), -1, np.int64)] * 2
    edges = [cc, cc]
    forward = [np.ones(len(cc), bool), np.zeros(len(cc), bool)]
    for k in (0, 1):
        ek = e_lo[ii] if k == 0 else e_hi[ii]
        nb = eu[ek] + ev[ek] - ii
        out = core_mask[nb]
        s_other = 2 * idx[ii[out]] + (1 - k)  # the ray that did not come over this edge
        tails.append(anchor[ii[out], 1 - k])
        heads.append(position[nb[out]])
        slots.append(s_other)
        edges.append(ek[out])
        forward.append(eu[ek[out]] == ii[out])
    tail = np.concatenate(tails)
    head = np.concatenate(heads)
    key = tail * np.int64(max(len(core), 1)) + head
    order = lex_order(tail, head, max(len(core), 1))
    order = order[tail[order] != head[order]]  # a chain from a node back to itself never helps
    tail, head, key = tail[order], head[order], key[order]
    group = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if len(key) \
        else np.zeros(0, np.int64)
    result = Contraction(
        n_nodes=n,
        core=core,
        position=position,
        anchor=anchor,
        pendant=removed,
        interior=interior,
        slot_edge=slot_edge,
        slot_forward=slot_forward,
        jumps=tuple(jumps),
        arc_tail=tail,
        arc_head=head,
        arc_slot=np.concatenate(slots)[order],
        arc_edge=np.concatenate(edges)[order],
        arc_forward=np.concatenate(forward)[order],
        arc_group=group,
        hierarchy=build_hierarchy(tail[group], head[group], len(core), pin[core]),
    )
    return result


def core_csr(
    contraction: Contraction, weights: CoreWeights, extra: tuple[np.ndarray, ...] | None = None
) -> csr_array:
    """The top level of the core as a CSR matrix, with optional extra rows appended.

    ``extra`` is ``(counts, heads, data)`` for rows after the top rows (e.g.
    virtual source nodes, which have no in-arcs), heads given as full-graph
    node ids of pinned nodes.
    """
    top = weights.levels
    n_top = contraction.hierarchy.n_top
    if extra is None:
        indptr, indices, data = top.indptr, top.indices, top.data
        size = n_top
    else:
        counts, heads, data_x = extra
        heads = contraction.hierarchy.to_top[contraction.position[heads]]
        indptr = np.concatenate([top.indptr, top.indptr[-1] + np.cumsum(counts)])
        indices = np.concatenate([top.indices, heads])
        data = np.concatenate([top.data, data_x])
        size = n_top + len(counts)
    return csr_array(
        (data, indices.astype(np.int32), indptr.astype(np.int32)), shape=(size, size)
    )
