"""Snap points (facilities, villages' population points, enterprises) onto road edges.

A point is projected onto its nearest accessible **edge** (not node): it
enters the graph as a virtual node at fraction ``f`` along that edge, and
reaches it by an off-road leg (straight line, timed at ``offroad_speed_kmh``).
Points farther than ``max_distance`` from every accessible edge are flagged
``snapped=False`` and are never silently attached.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from gistool.errors import GeometryError, NetworkError, describe_source
from gistool.network._lines import densify, vertex_fractions
from gistool.network.graph import RoadGraph, check_crs

__all__ = ["SnapResult", "accessible_edges", "snap_points"]

#: Road classes a roadside point cannot join directly (access only at junctions).
NO_ROADSIDE_ACCESS: tuple[str, ...] = ("expressway",)


@dataclass(frozen=True)
class SnapResult:
    """Where each point joins the road graph.

    Attributes
    ----------
    edge
        Undirected edge id the point snaps to (-1 when not snapped).
    fraction
        Position along the edge geometry, 0 at node ``u`` … 1 at node ``v``.
    distance_m
        Straight distance from the point to the edge (the off-road leg).
    snapped
        False where the point is farther than ``max_distance`` from any edge.
    offroad_minutes
        Time of the off-road leg (``inf`` where not snapped).
    x, y
        The snapped position on the edge.
    """

    edge: np.ndarray
    fraction: np.ndarray
    distance_m: np.ndarray
    snapped: np.ndarray
    offroad_minutes: np.ndarray
    x: np.ndarray
    y: np.ndarray
    max_distance: float

    def __len__(self) -> int:
        return len(self.edge)

    def subset(self, mask: np.ndarray) -> SnapResult:
        """The result for the points selected by a boolean mask or index array."""
        return SnapResult(
            edge=self.edge[mask],
            fraction=self.fraction[mask],
            distance_m=self.distance_m[mask],
            snapped=self.snapped[mask],
            offroad_minutes=self.offroad_minutes[mask],
            x=self.x[mask],
            y=self.y[mask],
            max_distance=self.max_distance,
        )


def accessible_edges(graph: RoadGraph) -> np.ndarray:
    """Edges a roadside point may join: not elevated and not of a no-access class."""
    edges = graph.edges
    return ~edges["elevated"].to_numpy(dtype=bool) & ~edges["road_class"].isin(
        NO_ROADSIDE_ACCESS
    ).to_numpy()


def as_points(points: gpd.GeoDataFrame | gpd.GeoSeries, graph: RoadGraph, what: str) -> np.ndarray:
    """Point geometries of a layer in the graph CRS; polygons give representative points."""
    check_crs(graph, points, what)
    geoms = points.geometry.to_numpy()
    if len(geoms) and (shapely.is_missing(geoms) | shapely.is_empty(geoms)).any():
        bad = int(np.flatnonzero(shapely.is_missing(geoms) | shapely.is_empty(geoms))[0])
        msg = f"{describe_source(layer=what)} has empty geometries (first at row {bad}); drop them"
        raise GeometryError(msg)
    types = shapely.get_type_id(geoms)
    not_point = types != 0
    if not_point.any():
        geoms = geoms.copy()
        geoms[not_point] = shapely.point_on_surface(geoms[not_point])
    return geoms


@dataclass(frozen=True)
class _EdgeIndex:
    """Segments of the snappable edges (at most ``spacing`` long) and a KD-tree of their
    midpoints: exact nearest-edge queries in numpy."""

    ax: np.ndarray
    ay: np.ndarray
    dx: np.ndarray
    dy: np.ndarray
    seg_line: np.ndarray
    seg_start: np.ndarray
    seg_len: np.ndarray
    kd: Any
    spacing: float

    @classmethod
    def build(cls, lines: np.ndarray, spacing: float = 80.0) -> _EdgeIndex:
        from scipy.spatial import cKDTree

        coords, idx, _ = vertex_fractions(densify(lines, spacing))
        same = idx[1:] == idx[:-1]  # consecutive vertices of one line form a segment
        a, b = coords[:-1][same], coords[1:][same]
        seg_line = idx[:-1][same]
        d = b - a
        seg_len = np.hypot(d[:, 0], d[:, 1])
        # distance along the line at each segment start
        cum = np.concatenate([[0.0], np.cumsum(seg_len)])
        first = np.searchsorted(seg_line, seg_line, side="left")
        seg_start = cum[:-1] - cum[first]
        mid = (a + b) / 2.0
        return cls(a[:, 0], a[:, 1], d[:, 0], d[:, 1], seg_line, seg_start, seg_len,
                   cKDTree(mid), spacing)

    def _dist(self, px: np.ndarray, py: np.ndarray, seg: np.ndarray) -> tuple[np.ndarray, ...]:
        dx, dy = self.dx[seg], self.dy[seg]
        ll = dx * dx + dy * dy
        t = np.divide((px - self.ax[seg]) * dx + (py - self.ay[seg]) * dy, ll,
                      out=np.zeros_like(ll), where=ll > 0)
        t = np.clip(t, 0.0, 1.0)
        qx = self.ax[seg] + t * dx
        qy = self.ay[seg] + t * dy
        return np.hypot(px - qx, py - qy), t, qx, qy

    def nearest(self, points: np.ndarray) -> tuple[np.ndarray, ...]:
        """Exact nearest line of every point: line, distance, distance along it, x, y.

        A segment at distance ``d`` has its midpoint within ``d + spacing / 2``, so
        the midpoints within ``d_m + spacing / 2`` of the point (``d_m``: the
        nearest midpoint) hold the answer; point–segment distances are computed
        in numpy for the ``k`` nearest midpoints (8, then 32 and 128 for the points
        where fewer did not cover that radius), and from a ball query where
        even 128 did not. Ties go to the lowest segment.
        """
        xy = shapely.get_coordinates(points)
        n = len(xy)
        best = np.zeros(n, dtype=np.int64)
        out = [np.zeros(n) for _ in range(4)]
        todo = np.arange(n)
        for k in (8, 32, 128):  # the k nearest midpoints; rarely, more
            k = int(min(k, len(self.seg_len)))
            dm, seg = self.kd.query(xy[todo], k=k)
            dm, seg = dm.reshape(len(todo), k), seg.reshape(len(todo), k)
            d, t, qx, qy = self._dist(xy[todo, :1], xy[todo, 1:], seg)
            j = np.argmin(d, axis=1)
            rows = np.arange(len(todo))
            best[todo] = seg[rows, j]
            for o, v in zip(out, (d, t, qx, qy), strict=True):
                o[todo] = v[rows, j]
            radius = dm[:, 0] + self.spacing / 2.0 + 1e-9
            sure = (dm[:, -1] > radius) | (k == len(self.seg_len))
            todo = todo[~sure]
            if len(todo) == 0:
                break
        radius = self.kd.query(xy[todo])[0] + self.spacing / 2.0 + 1e-9
        for i, r in zip(todo, radius, strict=True):  # pathological places only
            cand = np.asarray(self.kd.query_ball_point(xy[i], r), dtype=np.int64)
            cand = np.sort(cand)
            dd, tt, xx, yy = self._dist(xy[i, 0], xy[i, 1], cand)
            m = int(np.argmin(dd))
            best[i] = cand[m]
            out[0][i], out[1][i], out[2][i], out[3][i] = dd[m], tt[m], xx[m], yy[m]
        dist, tt, x, y = out
        along = self.seg_start[best] + tt * self.seg_len[best]
        return self.seg_line[best], dist, along, x, y


def _default_candidates(graph: RoadGraph) -> np.ndarray:
    """Ids of the :func:`accessible_edges`, cached on the graph's shared meta."""
    hit = graph.meta.get("_snap_candidates")
    if hit is not None and hit[0] is graph.edges:
        return hit[1]
    candidates = np.flatnonzero(accessible_edges(graph))
    graph.meta["_snap_candidates"] = (graph.edges, candidates)
    return candidates


def _index(graph: RoadGraph, candidates: np.ndarray, *, cache: bool) -> _EdgeIndex:
    """Index of the candidate edges; the default one is cached on the graph's shared meta."""
    if cache:
        hit = graph.meta.get("_snap_index")
        if hit is not None and hit[0] is graph.edges:
            return hit[1]
    index = _EdgeIndex.build(graph.edges.geometry.to_numpy()[candidates])
    if cache:
        graph.meta["_snap_index"] = (graph.edges, index)
    return index


def snap_points(
    graph: RoadGraph,
    points: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    max_distance: float = 500.0,
    offroad_speed_kmh: float = 5.0,
    edges: np.ndarray | None = None,
    what: str = "points",
) -> SnapResult:
    """Snap points to their nearest accessible edge.

    Off-road leg: ``offroad_minutes = distance_m / (offroad_speed_kmh · 1000 / 60)``.

    Parameters
    ----------
    graph
        The road graph.
    points
        Points (polygons are replaced by a point on their surface) in the graph CRS.
    max_distance
        Points farther than this (metres) from every accessible edge are not
        snapped (``snapped=False``, ``offroad_minutes=inf``).
    offroad_speed_kmh
        Speed of the off-road leg (5 km/h walking; a driving speed for lanes
        missing from the road layer).
    edges
        Boolean mask of the edges points may join; default
        :func:`accessible_edges` (not elevated, not expressway).
    what
        Layer name used in error messages.

    Examples
    --------
    >>> from shapely import LineString, Point
    >>> from gistool.network import build_road_graph
    >>> roads = gpd.GeoDataFrame({"road_class": ["village"]},
    ...     geometry=[LineString([(0, 0), (1000, 0)])], crs="EPSG:4547")
    >>> g = build_road_graph(roads)
    >>> pts = gpd.GeoSeries([Point(250, 50), Point(500, 900)], crs="EPSG:4547")
    >>> s = snap_points(g, pts)
    >>> s.edge.tolist(), s.fraction[:1].tolist(), s.distance_m.tolist(), s.snapped.tolist()
    ([0, -1], [0.25], [50.0, 900.0], [True, False])
    >>> round(float(s.offroad_minutes[0]), 2)
    0.6
    """
    geoms = as_points(points, graph, what)
    if edges is None:
        candidates = _default_candidates(graph)
    else:
        candidates = np.flatnonzero(np.asarray(edges, dtype=bool))
    if len(candidates) == 0:
        msg = "the road graph has no edge that points may join (all elevated or expressway)"
        raise NetworkError(msg)
    n = len(geoms)
    if n == 0:
        empty = np.zeros(0)
        return SnapResult(
            np.zeros(0, np.int64), empty, empty, np.zeros(0, bool), empty, empty, empty,
            max_distance,
        )
    line, dist, along, x, y = _index(graph, candidates, cache=edges is None).nearest(geoms)
    edge = candidates[line]
    length = graph.edges["length_m"].to_numpy(dtype=float)[edge]
    frac = np.clip(np.divide(along, length, out=np.zeros(n), where=length > 0), 0.0, 1.0)
    snapped = dist <= max_distance
    offroad = dist / (offroad_speed_kmh * 1000.0 / 60.0)
    return SnapResult(
        edge=np.where(snapped, edge, -1).astype(np.int64),
        fraction=np.where(snapped, frac, np.nan),
        distance_m=dist,
        snapped=snapped,
        offroad_minutes=np.where(snapped, offroad, np.inf),
        x=x,
        y=y,
        max_distance=max_distance,
    )
