"""Snap points (facilities, villages' population points, enterprises) onto road edges.

A point is projected onto its nearest accessible **edge** (not node): it
enters the graph as a virtual node at fraction ``f`` along that edge, and
reaches it by an off-road leg (straight line, timed at ``offroad_speed_kmh``).
Points farther than ``max_distance`` from every accessible edge are flagged
``snapped=False`` and are never silently attached.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

from gistool.errors import GeometryError, NetworkError, describe_source
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


def _tree(
    graph: RoadGraph, edge_geoms: np.ndarray, candidates: np.ndarray, *, cache: bool
) -> shapely.STRtree:
    """STRtree of the candidate edges; the default one is cached on the graph's shared meta."""
    if cache:
        hit = graph.meta.get("_snap_tree")
        if hit is not None and hit[0] is graph.edges:
            return hit[1]
    tree = shapely.STRtree(edge_geoms[candidates])
    if cache:
        graph.meta["_snap_tree"] = (graph.edges, tree)
    return tree


def _nearest(
    tree: shapely.STRtree, geoms: np.ndarray, max_distance: float
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest tree item and distance of every point (a bounded search first, then the rest)."""
    n = len(geoms)
    item = np.full(n, -1, dtype=np.int64)
    dist = np.full(n, np.inf)
    (src, hit), d = tree.query_nearest(
        geoms, max_distance=max(max_distance, 1e-9), return_distance=True, all_matches=False
    )
    item[src], dist[src] = hit, d
    rest = np.flatnonzero(item < 0)
    if len(rest):
        (src, hit), d = tree.query_nearest(geoms[rest], return_distance=True, all_matches=False)
        item[rest[src]], dist[rest[src]] = hit, d
    return item, dist


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
    mask = accessible_edges(graph) if edges is None else np.asarray(edges, dtype=bool)
    candidates = np.flatnonzero(mask)
    if len(candidates) == 0:
        msg = "the road graph has no edge that points may join (all elevated or expressway)"
        raise NetworkError(msg)
    n = len(geoms)
    edge_geoms = graph.edges.geometry.to_numpy()
    if n == 0:
        empty = np.zeros(0)
        return SnapResult(
            np.zeros(0, np.int64), empty, empty, np.zeros(0, bool), empty, empty, empty,
            max_distance,
        )
    tree = _tree(graph, edge_geoms, candidates, cache=edges is None)
    edge, dist = _nearest(tree, geoms, max_distance)
    edge = candidates[edge]
    line = edge_geoms[edge]
    length = shapely.length(line)
    along = shapely.line_locate_point(line, geoms)
    frac = np.divide(along, length, out=np.zeros(n), where=length > 0)
    frac = np.clip(frac, 0.0, 1.0)
    on = shapely.line_interpolate_point(line, along)
    xy = shapely.get_coordinates(on)
    snapped = dist <= max_distance
    offroad = dist / (offroad_speed_kmh * 1000.0 / 60.0)
    return SnapResult(
        edge=np.where(snapped, edge, -1).astype(np.int64),
        fraction=np.where(snapped, frac, np.nan),
        distance_m=dist,
        snapped=snapped,
        offroad_minutes=np.where(snapped, offroad, np.inf),
        x=xy[:, 0],
        y=xy[:, 1],
        max_distance=max_distance,
    )
