"""Shortest route between two points, as one LineString with minutes and road classes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from gistool.errors import NetworkError
from gistool.network._lines import arc_lookup, substrings
from gistool.network.graph import RoadGraph
from gistool.network.snap import snap_points
from gistool.network.solve import augmented_csr, node_times, target_times

__all__ = ["route", "routes"]

PointLike = BaseGeometry | Sequence[float]


def _point(p: PointLike) -> BaseGeometry:
    if isinstance(p, BaseGeometry):
        return p if p.geom_type == "Point" else p.representative_point()
    return shapely.Point(float(p[0]), float(p[1]))


def route(
    graph: RoadGraph,
    source_point: PointLike,
    target_point: PointLike,
    *,
    max_distance: float = 500.0,
    offroad_speed_kmh: float = 5.0,
    strict: bool = True,
    **attrs: Any,
) -> gpd.GeoDataFrame:
    """The fastest route from ``source_point`` to ``target_point``.

    Both points are snapped to their nearest accessible edge (as in
    :func:`gistool.network.travel_times`), so the route is: off-road leg,
    partial first edge, whole edges, partial last edge, off-road leg.

    Parameters
    ----------
    graph
        The road graph (normal or flooded).
    source_point, target_point
        Points (or ``(x, y)``) in the graph CRS.
    max_distance, offroad_speed_kmh
        Snapping, see :func:`gistool.network.snap_points`.
    strict
        Raise :class:`~gistool.errors.NetworkError` when an end point is farther
        than ``max_distance`` from the roads; with ``False`` return an
        unreachable row (``minutes`` inf, empty geometry) instead.
    **attrs
        Extra columns for the returned row (e.g. ``facility_id=...``).

    Returns
    -------
    geopandas.GeoDataFrame
        One row: ``minutes``, ``length_m`` (along the geometry, off-road legs
        included), ``road_classes`` (the classes along the route in order,
        repeats collapsed, comma-separated), ``road_names`` (likewise),
        ``n_edges`` and the merged LineString. ``minutes`` is ``inf`` and the
        geometry empty when the target cannot be reached.

    Examples
    --------
    >>> from shapely import LineString
    >>> from gistool.network import build_road_graph
    >>> roads = gpd.GeoDataFrame({"road_class": ["county", "village"]},
    ...     geometry=[LineString([(0, 0), (1000, 0)]), LineString([(1000, 0), (1000, 500)])],
    ...     crs="EPSG:4547")
    >>> r = route(build_road_graph(roads), (500, 0), (1000, 250))
    >>> round(float(r["minutes"].iloc[0]), 2), float(r["length_m"].iloc[0])
    (1.2, 750.0)
    >>> r["road_classes"].iloc[0]
    'county,village'
    """
    pts = gpd.GeoSeries([_point(source_point), _point(target_point)], crs=graph.crs)
    snap = snap_points(
        graph, pts, max_distance=max_distance, offroad_speed_kmh=offroad_speed_kmh,
        what="route end points",
    )
    s_snap, t_snap = snap.subset(np.array([0])), snap.subset(np.array([1]))
    row: dict[str, Any] = dict(attrs)
    unreachable = {"minutes": np.inf, "length_m": np.nan, "road_classes": "",
                   "road_names": "", "n_edges": 0}
    if not strict and not snap.snapped.all():
        row.update(unreachable)
        return gpd.GeoDataFrame([row], geometry=[shapely.LineString()], crs=graph.crs)
    for label, sn in (("source", s_snap), ("target", t_snap)):
        if not sn.snapped[0]:
            msg = (
                f"route {label} point is {sn.distance_m[0]:.0f} m from the nearest road, "
                f"beyond max_distance={max_distance:g} m; raise max_distance or move the point"
            )
            raise NetworkError(msg)
    matrix, arcs = augmented_csr(graph, s_snap)
    times = node_times(graph, s_snap, matrix=matrix)
    minutes, _, via = target_times(graph, times, s_snap, t_snap)
    if not np.isfinite(minutes[0]):
        row.update(unreachable)
        return gpd.GeoDataFrame([row], geometry=[shapely.LineString()], crs=graph.crs)

    geoms = graph.edges.geometry.to_numpy()
    length = graph.edges["length_m"].to_numpy(dtype=float)
    eu, _ = graph.edge_uv
    es, fs = int(s_snap.edge[0]), float(s_snap.fraction[0])
    et, ft = int(t_snap.edge[0]), float(t_snap.fraction[0])
    pieces: list[BaseGeometry] = [
        shapely.LineString([pts.iloc[0], (s_snap.x[0], s_snap.y[0])])
    ]
    edge_seq: list[int] = []
    if via[0] == 2:  # along the shared edge
        lo, hi = sorted((fs, ft))
        part = substrings(geoms[[es]], np.array([lo * length[es]]), np.array([hi * length[es]]))[0]
        pieces.append(part if ft >= fs else part.reverse())
        edge_seq.append(es)
    else:
        end = int(eu[et] if via[0] == 0 else graph.edge_uv[1][et])
        path = [end]
        n = graph.n_nodes
        while path[-1] < n:  # walk back to the virtual source node
            path.append(int(times.pred[path[-1]]))
        path.reverse()
        first_real = path[1]
        # partial source edge, towards the first real node
        if first_real == int(graph.edge_uv[1][es]):
            pieces.append(_part(geoms[es], fs, 1.0, length[es]))
        else:
            pieces.append(_part(geoms[es], 0.0, fs, length[es]).reverse())
        edge_seq.append(es)
        tails = np.array(path[1:-1], dtype=np.int64)
        heads = np.array(path[2:], dtype=np.int64)
        if len(tails):
            arc = arc_lookup(matrix, arcs, tails, heads)
            for a in arc:
                e = int(graph.edge[a])
                geom = geoms[e]
                pieces.append(geom if graph.forward[a] else geom.reverse())
                edge_seq.append(e)
        # partial target edge, from the last node
        if via[0] == 0:
            pieces.append(_part(geoms[et], 0.0, ft, length[et]))
        else:
            pieces.append(_part(geoms[et], ft, 1.0, length[et]).reverse())
        edge_seq.append(et)
    pieces.append(shapely.LineString([(t_snap.x[0], t_snap.y[0]), pts.iloc[1]]))
    coords = np.concatenate([shapely.get_coordinates(p) for p in pieces])
    keep = np.r_[True, np.any(np.diff(coords, axis=0) != 0, axis=1)]
    coords = coords[keep]
    line = shapely.LineString(coords) if len(coords) >= 2 else shapely.LineString()
    classes = graph.edges["road_class"].to_numpy()[edge_seq]
    names = graph.edges["name"].to_numpy()[edge_seq]
    row.update(
        minutes=float(minutes[0]),
        length_m=float(line.length),
        road_classes=",".join(_collapse(classes)),
        road_names=",".join(str(x) for x in _collapse(names) if x is not None and x == x),
        n_edges=len(set(edge_seq)),
    )
    return gpd.GeoDataFrame([row], geometry=[line], crs=graph.crs)


def _part(geom: BaseGeometry, f0: float, f1: float, length: float) -> BaseGeometry:
    return substrings(np.array([geom]), np.array([f0 * length]), np.array([f1 * length]))[0]


def _collapse(values: np.ndarray) -> list[Any]:
    out: list[Any] = []
    for v in values:
        if not out or out[-1] != v:
            out.append(v)
    return out


def routes(
    graph: RoadGraph,
    sources: gpd.GeoDataFrame,
    targets: gpd.GeoDataFrame,
    *,
    max_distance: float = 500.0,
    offroad_speed_kmh: float = 5.0,
) -> gpd.GeoDataFrame:
    """Routes for pairs: ``sources`` row ``i`` to ``targets`` row ``i`` (one row each).

    Columns ``source_id``/``target_id`` come from ``id``/``target_id``/``code``
    columns when present. Pairs that cannot be routed (unreachable, or an end
    point beyond ``max_distance``) give ``minutes`` inf and an empty geometry.
    """
    if len(sources) != len(targets):
        msg = f"routes needs as many sources ({len(sources)}) as targets ({len(targets)})"
        raise NetworkError(msg)
    from gistool.network.reach import feature_ids

    sid = feature_ids(sources, ("id", "code"))
    tid = (
        targets["target_id"].to_numpy(dtype=object) if "target_id" in targets.columns
        else feature_ids(targets, ("id", "code"))
    )
    frames = [
        route(
            graph, s, t, max_distance=max_distance, offroad_speed_kmh=offroad_speed_kmh,
            strict=False, source_id=si, target_id=ti,
        )
        for s, t, si, ti in zip(
            sources.geometry.to_numpy(), targets.geometry.to_numpy(), sid, tid, strict=True
        )
    ]
    if not frames:
        return gpd.GeoDataFrame(
            columns=["source_id", "target_id", "minutes", "length_m", "road_classes",
                     "road_names", "n_edges", "geometry"],
            geometry="geometry", crs=graph.crs,
        )
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=graph.crs)
