"""Isochrones: polygons of what each facility group reaches within given minutes."""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gistool.network._lines import substrings
from gistool.network.graph import RoadGraph
from gistool.network.reach import THRESHOLDS, source_groups
from gistool.network.snap import SnapResult, as_points, snap_points
from gistool.network.solve import augmented_csr, node_times

__all__ = ["isochrones", "reached_lines"]


def reached_lines(
    graph: RoadGraph,
    dist: np.ndarray,
    limit: float,
    sources: SnapResult,
    members: np.ndarray,
    source_points: np.ndarray,
) -> np.ndarray:
    """Line parts reached within ``limit`` minutes, given node times ``dist``.

    For edge ``(u, v)`` the part reached from ``u`` is the first
    ``r_u = (limit − t_u) / w_uv`` of it and from ``v`` the last
    ``r_v = (limit − t_v) / w_vu`` (clipped to [0, 1]); ``r_u + r_v ≥ 1`` is the
    whole edge. Sources add the parts of their own edge reached directly and
    their off-road leg.
    """
    fwd, bwd = graph.edge_minutes
    eu, ev = graph.edge_uv
    geoms = graph.edges.geometry.to_numpy()
    length = graph.edges["length_m"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        ru = np.where(dist[eu] <= limit, (limit - dist[eu]) / fwd, -1.0)
        rv = np.where(dist[ev] <= limit, (limit - dist[ev]) / bwd, -1.0)
    ru = np.where(np.isnan(ru), 1.0, np.clip(ru, -1.0, 1.0))  # 0-minute arcs
    rv = np.where(np.isnan(rv), 1.0, np.clip(rv, -1.0, 1.0))
    whole = (ru >= 0) & (rv >= 0) & (ru + rv >= 1.0) | (ru >= 1.0) | (rv >= 1.0)
    head = ~whole & (ru > 0)
    tail = ~whole & (rv > 0)
    e_parts = [np.flatnonzero(whole), np.flatnonzero(head), np.flatnonzero(tail)]
    s_parts = [
        np.zeros(len(e_parts[0])),
        np.zeros(len(e_parts[1])),
        (1.0 - rv[e_parts[2]]) * length[e_parts[2]],
    ]
    t_parts = [
        length[e_parts[0]],
        ru[e_parts[1]] * length[e_parts[1]],
        length[e_parts[2]],
    ]
    # sources: along their own edge, and the off-road leg
    m = members[sources.snapped[members]]
    rem = limit - sources.offroad_minutes[m]
    m, rem = m[rem >= 0], rem[rem >= 0]
    se = sources.edge[m]
    fs = sources.fraction[m]
    with np.errstate(invalid="ignore", divide="ignore"):
        ahead = np.where(np.isfinite(fwd[se]), np.minimum(1.0, fs + rem / fwd[se]), fs)
        behind = np.where(np.isfinite(bwd[se]), np.maximum(0.0, fs - rem / bwd[se]), fs)
    ahead = np.where(np.isnan(ahead), 1.0, ahead)
    behind = np.where(np.isnan(behind), 0.0, behind)
    e_parts.append(se)
    s_parts.append(behind * length[se])
    t_parts.append(ahead * length[se])
    edges = np.concatenate(e_parts)
    lines = substrings(geoms[edges], np.concatenate(s_parts), np.concatenate(t_parts))
    # off-road legs of all sources (reached as far as the remaining time allows)
    all_m = members[sources.snapped[members]]
    legs = shapely.linestrings(
        np.stack(
            [
                shapely.get_coordinates(source_points[all_m]),
                np.stack([sources.x[all_m], sources.y[all_m]], axis=1),
            ],
            axis=1,
        )
    ) if len(all_m) else np.empty(0, dtype=object)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.clip(limit / sources.offroad_minutes[all_m], 0.0, 1.0)
    share = np.where(np.isnan(share), 1.0, share)
    leg_len = shapely.length(legs)
    leg_parts = substrings(legs, np.zeros(len(legs)), share * leg_len)
    return np.concatenate([lines, leg_parts])


def isochrones(
    graph: RoadGraph,
    sources: gpd.GeoDataFrame,
    minutes: Sequence[float] = THRESHOLDS,
    *,
    by: str | None = "kind",
    buffer_m: float = 100.0,
    flood_graph: RoadGraph | None = None,
    max_distance: float = 500.0,
    offroad_speed_kmh: float = 5.0,
    quad_segs: int = 4,
) -> gpd.GeoDataFrame:
    """Polygons of the area reached within each time threshold, per facility group.

    Built from the reached parts of edges (partial edges cut at the remaining
    time, see :func:`reached_lines`), buffered by ``buffer_m`` and dissolved.
    Nested by construction: the polygon of a threshold is the union of the
    previous (smaller) threshold's polygon and the buffered lines reached
    within it, and always contains the facilities themselves.

    Parameters
    ----------
    graph
        The normal road graph.
    sources
        Facilities with the ``by`` column.
    minutes
        Thresholds (minutes).
    by
        Column grouping the facilities (``None``: all together as ``"all"``).
    buffer_m
        Buffer around reached roads (m).
    flood_graph
        Also compute the isochrones under this flood scenario.
    max_distance, offroad_speed_kmh
        Snapping of the facilities, see :func:`snap_points`.
    quad_segs
        Segments per quarter circle of the buffers.

    Returns
    -------
    geopandas.GeoDataFrame
        ``kind`` (the group), ``scenario`` (``normal``/``flood``), ``minutes``,
        ``area_km2``, polygon geometry; ordered by group, scenario, minutes.

    Examples
    --------
    >>> from shapely import LineString, Point
    >>> from gistool.network import build_road_graph
    >>> roads = gpd.GeoDataFrame({"road_class": ["county"]},
    ...     geometry=[LineString([(0, 0), (10000, 0)])], crs="EPSG:4547")
    >>> g = build_road_graph(roads)   # 50 km/h: 5 min = 4167 m
    >>> fac = gpd.GeoDataFrame({"kind": ["fire_station"]}, geometry=[Point(0, 0)],
    ...     crs="EPSG:4547")
    >>> iso = isochrones(g, fac, minutes=(5, 10), buffer_m=10)
    >>> iso["minutes"].tolist()
    [5, 10]
    >>> [round(b[2]) for b in iso.geometry.bounds.to_numpy()]   # max x reached
    [4177, 8343]
    """
    minutes = sorted(minutes)
    groups = source_groups(sources, by)
    pts = as_points(sources, graph, "facilities")
    snap = snap_points(
        graph, sources, max_distance=max_distance, offroad_speed_kmh=offroad_speed_kmh,
        what="facilities",
    )
    scenarios = [("normal", graph)] + ([("flood", flood_graph)] if flood_graph is not None else [])
    rows = []
    for name, members in groups.items():
        for scenario, g in scenarios:
            matrix, _ = augmented_csr(g, snap)
            times = node_times(g, snap, members, matrix=matrix)
            seeds = shapely.buffer(pts[members], buffer_m, quad_segs=quad_segs)
            previous = shapely.union_all(seeds)
            for limit in minutes:
                lines = reached_lines(g, times.dist, float(limit), snap, members, pts)
                lines = lines[~shapely.is_empty(lines)]
                area = shapely.buffer(
                    shapely.multilinestrings(lines), buffer_m, quad_segs=quad_segs
                )
                poly = shapely.union(previous, area) if len(lines) else previous
                rows.append((name, scenario, limit, poly))
                previous = poly
    table = pd.DataFrame(rows, columns=["kind", "scenario", "minutes", "geometry"])
    out = gpd.GeoDataFrame(table, geometry="geometry", crs=graph.crs)
    out["area_km2"] = out.geometry.area / 1e6
    return out[["kind", "scenario", "minutes", "area_km2", "geometry"]]
