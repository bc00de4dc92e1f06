"""A routable road graph held as compact arrays (CSR) plus its edge geometries.

:class:`RoadGraph` is the one network structure of :mod:`gistool.network`:
node coordinates, directed arcs (``u → v`` with ``minutes`` and ``length_m``),
the undirected edge table (a GeoDataFrame with the road geometry and
attributes) and a ``scipy.sparse.csr_array`` built once for the compiled
shortest-path solver. ``networkx`` is the interchange format
(:meth:`RoadGraph.to_networkx`, :meth:`RoadGraph.from_networkx`), never the
solver.

Edges and arcs
--------------
Every undirected edge ``e`` runs along its geometry from node ``edges.u[e]``
(first vertex) to ``edges.v[e]`` (last vertex). A two-way edge gives two arcs
(``forward`` ``u → v`` and backward ``v → u``); a one-way edge gives one
forward arc. A flood scenario (:func:`gistool.network.apply_flood`) keeps the
nodes and the edge table and changes only the arcs, so snapping results are
valid for the normal and the flooded graph alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from scipy.sparse import csr_array

from gistool.errors import CRSError, NetworkError, describe_source

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["ComponentReport", "RoadGraph", "minutes_from_speed"]


def minutes_from_speed(length_m: np.ndarray, speed_kmh: np.ndarray) -> np.ndarray:
    """Travel time in minutes: ``minutes = length_m / (speed_kmh · 1000 / 60)``.

    Examples
    --------
    >>> float(minutes_from_speed(np.array([1000.0]), np.array([60.0]))[0])
    1.0
    """
    return np.asarray(length_m, dtype=float) / (np.asarray(speed_kmh, dtype=float) * 1000.0 / 60.0)


@dataclass(frozen=True)
class ComponentReport:
    """Weakly connected components of a road graph.

    Attributes
    ----------
    labels
        Component label of every node (0 is the largest component).
    sizes
        Number of nodes of each component, largest first.
    edge_counts
        Number of undirected edges of each component.
    """

    labels: np.ndarray
    sizes: np.ndarray
    edge_counts: np.ndarray

    @property
    def n_components(self) -> int:
        """Number of components."""
        return len(self.sizes)

    @property
    def largest_share(self) -> float:
        """Share of nodes in the largest component."""
        return float(self.sizes[0] / self.sizes.sum()) if len(self.sizes) else 0.0

    def summary(self) -> pd.DataFrame:
        """One row per component: ``component``, ``nodes``, ``edges``."""
        return pd.DataFrame(
            {
                "component": np.arange(len(self.sizes)),
                "nodes": self.sizes,
                "edges": self.edge_counts,
            }
        )


@dataclass(frozen=True)
class RoadGraph:
    """A directed road graph for compiled shortest paths.

    Attributes
    ----------
    x, y
        Node coordinates in ``crs`` (metres).
    u, v
        Tail and head node of every directed arc.
    minutes, length_m
        Travel time and length of every arc.
    edge
        Index (row of ``edges``) of the undirected edge each arc runs along.
    forward
        True where the arc runs in the direction of the edge geometry.
    edges
        GeoDataFrame of the undirected edges (``edge_id`` = row position):
        ``u``, ``v`` (first and last node of the geometry), ``length_m``,
        ``speed_kmh``, ``road_class``, ``oneway``, ``elevated``, ``name`` and
        the geometry.
    crs
        The projected CRS of coordinates and geometries.
    """

    x: np.ndarray
    y: np.ndarray
    u: np.ndarray
    v: np.ndarray
    minutes: np.ndarray
    length_m: np.ndarray
    edge: np.ndarray
    forward: np.ndarray
    edges: gpd.GeoDataFrame
    crs: pyproj.CRS | None
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    # ------------------------------------------------------------------ sizes
    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.x)

    @property
    def n_arcs(self) -> int:
        """Number of directed arcs."""
        return len(self.u)

    @property
    def n_edges(self) -> int:
        """Number of undirected edges (rows of ``edges``)."""
        return len(self.edges)

    def __repr__(self) -> str:
        crs = self.crs.to_string() if self.crs is not None else None
        return (
            f"RoadGraph({self.n_nodes} nodes, {self.n_edges} edges, "
            f"{self.n_arcs} arcs, crs={crs})"
        )

    # -------------------------------------------------------------- compiled
    @cached_property
    def _csr_parts(self) -> tuple[csr_array, np.ndarray]:
        return arcs_to_csr(self.u, self.v, self.minutes, self.n_nodes)

    @property
    def csr(self) -> csr_array:
        """Travel-time matrix (minutes) in CSR form, parallel arcs reduced to the fastest.

        Self-loops are dropped (they never shorten a path). Built once per graph.
        """
        return self._csr_parts[0]

    @property
    def csr_arc(self) -> np.ndarray:
        """Arc index behind every stored entry of :attr:`csr` (same order as ``csr.data``)."""
        return self._csr_parts[1]

    @cached_property
    def edge_minutes(self) -> tuple[np.ndarray, np.ndarray]:
        """Per undirected edge: minutes ``u → v`` and ``v → u`` (``inf`` where no arc exists)."""
        fwd = np.full(self.n_edges, np.inf)
        bwd = np.full(self.n_edges, np.inf)
        f = self.forward
        np.minimum.at(fwd, self.edge[f], self.minutes[f])
        np.minimum.at(bwd, self.edge[~f], self.minutes[~f])
        return fwd, bwd

    @cached_property
    def edge_uv(self) -> tuple[np.ndarray, np.ndarray]:
        """First and last node of every undirected edge."""
        return (
            self.edges["u"].to_numpy(dtype=np.int64),
            self.edges["v"].to_numpy(dtype=np.int64),
        )

    def node_points(self) -> np.ndarray:
        """Node coordinates as shapely Points."""
        return shapely.points(self.x, self.y)

    # ------------------------------------------------------------ derived graphs
    def with_arcs(self, keep: np.ndarray, minutes: np.ndarray | None = None) -> RoadGraph:
        """A new graph with the arcs where ``keep`` is True and optionally new minutes.

        Nodes and the edge table are shared, so snapping stays valid.
        """
        keep = np.asarray(keep, dtype=bool)
        mins = self.minutes if minutes is None else np.asarray(minutes, dtype=float)
        return replace(
            self,
            u=self.u[keep],
            v=self.v[keep],
            minutes=mins[keep],
            length_m=self.length_m[keep],
            edge=self.edge[keep],
            forward=self.forward[keep],
        )

    def without_edges(self, edge_ids: np.ndarray) -> RoadGraph:
        """A new graph with every arc of the given undirected edges removed."""
        drop = np.isin(self.edge, np.asarray(edge_ids, dtype=np.int64))
        return self.with_arcs(~drop)

    # ------------------------------------------------------------ components
    def components(self) -> ComponentReport:
        """Weakly connected components (largest first), with node and edge counts.

        Examples
        --------
        >>> from shapely import LineString
        >>> roads = gpd.GeoDataFrame(
        ...     {"road_class": ["village", "village"]},
        ...     geometry=[LineString([(0, 0), (100, 0)]), LineString([(500, 0), (600, 0)])],
        ...     crs="EPSG:4547",
        ... )
        >>> from gistool.network import build_road_graph
        >>> build_road_graph(roads).components().sizes.tolist()
        [2, 2]
        """
        from scipy.sparse.csgraph import connected_components

        eu, ev = self.edge_uv
        n = self.n_nodes
        adj = csr_array(
            (np.ones(len(eu)), (eu, ev)), shape=(n, n)
        )
        _, raw = connected_components(adj, directed=True, connection="weak")
        sizes = np.bincount(raw)
        order = np.argsort(-sizes, kind="stable")
        relabel = np.empty_like(order)
        relabel[order] = np.arange(len(order))
        labels = relabel[raw]
        edge_counts = np.bincount(labels[eu], minlength=len(sizes))
        return ComponentReport(labels=labels, sizes=sizes[order], edge_counts=edge_counts)

    # ------------------------------------------------------------ networkx
    def to_networkx(self) -> nx.MultiDiGraph:
        """Export as an ``nx.MultiDiGraph`` following osmnx conventions.

        Nodes are ``0 … n-1`` with ``x``, ``y``; every arc is an edge ``(u, v, key)``
        with ``minutes``, ``length_m``, ``road_class``, ``geometry`` (oriented
        ``u → v``), ``edge_id``, ``reversed``, ``oneway``, ``elevated``,
        ``speed_kmh`` and ``name``; ``G.graph["crs"]`` holds the CRS.
        """
        import networkx as nx

        G = nx.MultiDiGraph(crs=self.crs)
        G.add_nodes_from(
            (i, {"x": float(x), "y": float(y)})
            for i, (x, y) in enumerate(zip(self.x, self.y, strict=True))
        )
        edges = self.edges
        geoms = edges.geometry.to_numpy()
        rev_geoms = shapely.reverse(geoms)
        cls = edges["road_class"].to_numpy()
        names = edges["name"].to_numpy()
        oneway = edges["oneway"].to_numpy()
        elevated = edges["elevated"].to_numpy()
        speed = edges["speed_kmh"].to_numpy()
        G.add_edges_from(
            (
                int(a),
                int(b),
                {
                    "minutes": float(m),
                    "length_m": float(length),
                    "road_class": cls[e],
                    "geometry": geoms[e] if fw else rev_geoms[e],
                    "edge_id": int(e),
                    "reversed": not fw,
                    "oneway": bool(oneway[e]),
                    "elevated": bool(elevated[e]),
                    "speed_kmh": float(speed[e]),
                    "name": names[e],
                },
            )
            for a, b, m, length, e, fw in zip(
                self.u, self.v, self.minutes, self.length_m, self.edge, self.forward, strict=True
            )
        )
        return G

    @classmethod
    def from_networkx(cls, G: nx.MultiDiGraph | nx.DiGraph, crs: Any = None) -> RoadGraph:
        """Build a graph from a networkx graph (osmnx conventions).

        Nodes need ``x`` and ``y``. Arcs need ``minutes`` or ``length_m`` and a
        speed (``speed_kmh`` or the ``road_class`` default); ``geometry`` defaults
        to the straight segment. Arcs sharing an ``edge_id`` (as written by
        :meth:`to_networkx`) become one two-way edge; without ``edge_id`` every
        arc is its own one-way edge.

        Parameters
        ----------
        G
            The graph.
        crs
            CRS if ``G.graph["crs"]`` is not set.
        """
        from gistool.labels import ROAD_CLASSES

        crs = G.graph.get("crs", crs)
        if crs is None:
            msg = "networkx graph has no CRS: set G.graph['crs'] or pass crs= to from_networkx"
            raise NetworkError(msg)
        crs = pyproj.CRS.from_user_input(crs)
        nodes = list(G.nodes)
        index = {n: i for i, n in enumerate(nodes)}
        try:
            x = np.array([G.nodes[n]["x"] for n in nodes], dtype=float)
            y = np.array([G.nodes[n]["y"] for n in nodes], dtype=float)
        except KeyError as exc:
            msg = "networkx graph nodes need 'x' and 'y' attributes (projected metres)"
            raise NetworkError(msg) from exc
        data = list(G.edges(data=True))
        a = np.array([index[e[0]] for e in data], dtype=np.int64)
        b = np.array([index[e[1]] for e in data], dtype=np.int64)
        attrs = [e[2] for e in data]
        has_id = bool(attrs) and all("edge_id" in d for d in attrs)
        geom = np.array(
            [d.get("geometry") for d in attrs] if attrs else [], dtype=object
        )
        missing = np.array([g is None for g in geom], dtype=bool)
        if missing.any():
            geom[missing] = shapely.linestrings(
                np.stack([x[a[missing]], y[a[missing]], x[b[missing]], y[b[missing]]], 1)
                .reshape(-1, 2, 2)
            )
        road_class = np.array([d.get("road_class", "village") for d in attrs], dtype=object)
        length = np.array(
            [d.get("length_m", np.nan) for d in attrs], dtype=float
        )
        nan_len = np.isnan(length)
        length[nan_len] = shapely.length(geom[nan_len])
        default_speed = np.array(
            [ROAD_CLASSES.get(c, ("", np.nan))[1] for c in road_class], dtype=float
        )
        speed = np.array([d.get("speed_kmh", np.nan) for d in attrs], dtype=float)
        speed = np.where(np.isnan(speed), default_speed, speed)
        minutes = np.array([d.get("minutes", np.nan) for d in attrs], dtype=float)
        nan_min = np.isnan(minutes)
        minutes[nan_min] = minutes_from_speed(length[nan_min], speed[nan_min])
        if np.isnan(minutes).any():
            msg = (
                "networkx graph arcs need 'minutes', or 'length_m' with 'speed_kmh' "
                "or a known 'road_class'"
            )
            raise NetworkError(msg)
        rev = np.array([bool(d.get("reversed", False)) for d in attrs], dtype=bool)
        names = np.array([d.get("name") for d in attrs], dtype=object)
        elevated = np.array([bool(d.get("elevated", False)) for d in attrs], dtype=bool)
        if has_id:
            eid = np.array([d["edge_id"] for d in attrs], dtype=np.int64)
            uniq, edge = np.unique(eid, return_inverse=True)
        else:
            edge = np.arange(len(attrs), dtype=np.int64)
            uniq = edge
        n_edges = len(uniq)
        # the row describing each edge: its forward arc if any, else a backward one
        order = np.lexsort((rev, edge))
        first = order[np.r_[True, edge[order][1:] != edge[order][:-1]]] if len(order) else order
        eg = geom[first].copy()
        eu = a[first].copy()
        ev = b[first].copy()
        back_only = rev[first]
        eg[back_only] = shapely.reverse(eg[back_only])
        eu[back_only], ev[back_only] = b[first][back_only], a[first][back_only]
        n_arcs_per_edge = np.bincount(edge, minlength=n_edges)
        edges = gpd.GeoDataFrame(
            {
                "edge_id": np.arange(n_edges, dtype=np.int64),
                "u": eu,
                "v": ev,
                "length_m": length[first],
                "speed_kmh": speed[first],
                "road_class": road_class[first],
                "oneway": n_arcs_per_edge < 2,
                "elevated": elevated[first],
                "name": names[first],
            },
            geometry=list(eg),
            crs=crs,
        )
        return cls(
            x=x,
            y=y,
            u=a,
            v=b,
            minutes=minutes,
            length_m=length,
            edge=edge.astype(np.int64),
            forward=~rev,
            edges=edges,
            crs=crs,
        )


def arcs_to_csr(
    u: np.ndarray, v: np.ndarray, w: np.ndarray, n: int
) -> tuple[csr_array, np.ndarray]:
    """CSR matrix of arcs, keeping the fastest of parallel arcs and dropping self-loops.

    Returns the matrix and, for every stored entry, the index of the arc behind it.
    Zero weights are kept as explicit entries (scipy's csgraph treats them as arcs).
    """
    u = np.asarray(u, dtype=np.int64)
    v = np.asarray(v, dtype=np.int64)
    w = np.asarray(w, dtype=float)
    ok = (u != v) & np.isfinite(w)
    idx = np.flatnonzero(ok)
    order = idx[np.lexsort((w[idx], v[idx], u[idx]))]
    uu, vv = u[order], v[order]
    first = np.r_[True, (uu[1:] != uu[:-1]) | (vv[1:] != vv[:-1])] if len(order) else order
    keep = order[first.astype(bool)] if len(order) else order
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(u[keep], minlength=n), out=indptr[1:])
    mat = csr_array(
        (w[keep], v[keep].astype(np.int32), indptr.astype(np.int32)), shape=(n, n)
    )
    return mat, keep


def check_crs(graph: RoadGraph, gdf: gpd.GeoDataFrame, what: str) -> None:
    """Refuse a layer whose CRS differs from the graph's, naming both and the fix."""
    if gdf.crs is None:
        msg = f"{describe_source(layer=what)} has no CRS; set it (gdf.set_crs(...)) first"
        raise CRSError(msg)
    if graph.crs is not None and not pyproj.CRS(gdf.crs).equals(graph.crs):
        msg = (
            f"{describe_source(layer=what)} is in {pyproj.CRS(gdf.crs).to_string()} but the road "
            f"graph is in {graph.crs.to_string()}; reproject it with .to_crs(graph.crs)"
        )
        raise CRSError(msg)
