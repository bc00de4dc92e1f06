"""Isochrones: polygons of what each facility group reaches within given minutes.

Two constructions, both nested by construction:

- ``method="vector"`` (exact): the reached parts of edges (partial edges cut at
  the remaining time, :func:`reached_lines`) are buffered and dissolved with
  ``shapely.union_all``. Exact, but dissolving tens of thousands of buffers
  costs seconds per polygon on a county network.
- ``method="raster"`` (default, fast): points every half cell along every edge
  get their arrival time (the same formula as the targets of
  :func:`~gistool.network.travel_times`, so partial edges are cut at the
  remaining time); a grid holds the earliest time per cell; a minimum filter
  with a disc of radius ``buffer_m`` gives, per cell, the earliest time of any
  road point within the buffer; each threshold's polygon is the cells at or
  under it, polygonised. Edges follow the grid (``cell_m``, default
  ``buffer_m / 4``).
"""


from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.geometry
from affine import Affine
from shapely.geometry.base import BaseGeometry

from gistool.network._lines import densify, substrings, vertex_fractions
from gistool.network.graph import RoadGraph
from gistool.network.reach import THRESHOLDS, source_groups
from gistool.network.snap import SnapResult, as_points, snap_points
from gistool.network.solve import core_solver, node_times, partial, same_edge_pairs

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
    method: Literal["raster", "vector"] = "raster",
    cell_m: float | None = None,
    max_cells: int = 12_000_000,
    quad_segs: int = 4,
    scenarios: Sequence[str] | None = None,
) -> gpd.GeoDataFrame:
    """Polygons of the area reached within each time threshold, per facility group.

    Built from the reached parts of edges (partial edges cut at the remaining
    time), buffered by ``buffer_m`` and dissolved; see the module notes for the
    ``raster`` and ``vector`` constructions. Nested by construction (the
    polygon of a larger threshold contains the smaller one's) and always
    containing the facilities themselves.

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
    method
        ``"raster"`` (fast, grid-aligned edges) or ``"vector"`` (exact buffers).
    cell_m
        Grid cell of the raster method (default ``buffer_m / 4``, enlarged so the
        grid has at most ``max_cells`` cells).
    max_cells
        Memory bound of the raster method.
    quad_segs
        Segments per quarter circle of the vector buffers.
    scenarios
        Which of ``"normal"`` and ``"flood"`` to compute (default: normal, and
        flood when ``flood_graph`` is given).

    Returns
    -------
    geopandas.GeoDataFrame
        ``kind`` (the group), ``scenario`` (``normal``/``flood``), ``minutes``,
        ``area_km2``, (Multi)Polygon geometry; ordered by group, scenario, minutes.

    Examples
    --------
    >>> from shapely import LineString, Point
    >>> from gistool.network import build_road_graph
    >>> roads = gpd.GeoDataFrame({"road_class": ["county"]},
    ...     geometry=[LineString([(0, 0), (10000, 0)])], crs="EPSG:4547")
    >>> g = build_road_graph(roads)   # 50 km/h: 5 min = 4167 m
    >>> fac = gpd.GeoDataFrame({"kind": ["fire_station"]}, geometry=[Point(0, 0)],
    ...     crs="EPSG:4547")
    >>> iso = isochrones(g, fac, minutes=(5, 10), buffer_m=10, method="vector")
    >>> iso["minutes"].tolist()
    [5, 10]
    >>> [round(b[2]) for b in iso.geometry.bounds.to_numpy()]   # max x reached
    [4177, 8343]
    >>> iso = isochrones(g, fac, minutes=(5, 10), buffer_m=10, cell_m=2)
    >>> [round(b[2]) for b in iso.geometry.bounds.to_numpy()]   # within a cell
    [4178, 8344]
    """
    if method not in ("raster", "vector"):
        msg = f"isochrones method must be 'raster' or 'vector', not {method!r}"
        raise ValueError(msg)
    minutes = sorted(minutes)
    groups = source_groups(sources, by)
    pts = as_points(sources, graph, "facilities")
    snap = snap_points(
        graph, sources, max_distance=max_distance, offroad_speed_kmh=offroad_speed_kmh,
        what="facilities",
    )
    available = {"normal": graph, "flood": flood_graph}
    wanted = list(scenarios) if scenarios is not None else (
        ["normal"] + (["flood"] if flood_graph is not None else [])
    )
    if any(s not in available or available[s] is None for s in wanted):
        msg = (
            f"isochrones scenarios {wanted} need 'normal' and/or 'flood' "
            "(and flood_graph= for 'flood')"
        )
        raise ValueError(msg)
    scenario_graphs = [(s, available[s]) for s in wanted]
    grid = (
        _Grid.for_graph(graph, pts, buffer_m, cell_m, max_cells) if method == "raster" else None
    )
    rows = []
    for scenario, g in scenario_graphs:
        solver = core_solver(g, snap)
        for name, members in groups.items():
            times = node_times(g, snap, members, solver=solver)
            if grid is not None:
                polys = grid.isochrones(g, times.dist, snap, members, pts, minutes)
            else:
                polys = _vector_isochrones(
                    g, times.dist, snap, members, pts, minutes, buffer_m, quad_segs
                )
            rows.extend(
                (name, scenario, limit, poly) for limit, poly in zip(minutes, polys, strict=True)
            )
    table = pd.DataFrame(rows, columns=["kind", "scenario", "minutes", "geometry"])
    table = table.sort_values(["kind", "scenario", "minutes"], kind="stable", ignore_index=True)
    out = gpd.GeoDataFrame(table, geometry="geometry", crs=graph.crs)
    out["area_km2"] = out.geometry.area / 1e6
    return out[["kind", "scenario", "minutes", "area_km2", "geometry"]]


def _vector_isochrones(
    graph: RoadGraph,
    dist: np.ndarray,
    snap: SnapResult,
    members: np.ndarray,
    pts: np.ndarray,
    minutes: Sequence[float],
    buffer_m: float,
    quad_segs: int,
) -> list[BaseGeometry]:
    previous = shapely.union_all(shapely.buffer(pts[members], buffer_m, quad_segs=quad_segs))
    out = []
    for limit in minutes:
        lines = reached_lines(graph, dist, float(limit), snap, members, pts)
        lines = lines[~shapely.is_empty(lines)]
        if len(lines):
            area = shapely.union_all(shapely.buffer(lines, buffer_m, quad_segs=quad_segs))
            previous = shapely.union(previous, area)
        out.append(previous)
    return out


@dataclass
class _Grid:
    """A grid over the network and the road sample points on it (built once per call)."""

    transform: Affine
    shape: tuple[int, int]
    cell: float
    radius_cells: int
    edge: np.ndarray
    frac: np.ndarray
    rows: np.ndarray
    cols: np.ndarray

    @classmethod
    def for_graph(
        cls,
        graph: RoadGraph,
        pts: np.ndarray,
        buffer_m: float,
        cell_m: float | None,
        max_cells: int,
    ) -> _Grid:
        geoms = graph.edges.geometry.to_numpy()
        x0, y0, x1, y1 = shapely.total_bounds(np.concatenate([geoms, pts]))
        cell = float(cell_m) if cell_m else buffer_m / 4.0
        pad = buffer_m + 2 * cell
        w, h = (x1 - x0) + 2 * pad, (y1 - y0) + 2 * pad
        cell = max(cell, float(np.sqrt(w * h / max_cells)))
        pad = buffer_m + 2 * cell
        ncol = int(np.ceil(((x1 - x0) + 2 * pad) / cell))
        nrow = int(np.ceil(((y1 - y0) + 2 * pad) / cell))
        transform = Affine(cell, 0.0, x0 - pad, 0.0, -cell, y1 + pad)
        coords, edge, frac = vertex_fractions(densify(geoms, cell / 2.0))
        rows, cols = cls._rowcol(transform, coords)
        return cls(
            transform=transform,
            shape=(nrow, ncol),
            cell=cell,
            radius_cells=max(round(buffer_m / cell), 0),
            edge=edge,
            frac=frac,
            rows=rows,
            cols=cols,
        )

    @staticmethod
    def _rowcol(t: Affine, coords: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        cols = np.floor((coords[:, 0] - t.c) / t.a).astype(np.int64)
        rows = np.floor((coords[:, 1] - t.f) / t.e).astype(np.int64)
        return rows, cols

    def isochrones(
        self,
        graph: RoadGraph,
        dist: np.ndarray,
        snap: SnapResult,
        members: np.ndarray,
        pts: np.ndarray,
        minutes: Sequence[float],
    ) -> list[BaseGeometry]:
        from scipy import ndimage

        fwd, bwd = graph.edge_minutes
        eu, ev = graph.edge_uv
        e, f = self.edge, self.frac
        t = np.minimum(dist[eu[e]] + partial(f, fwd[e]), dist[ev[e]] + partial(1.0 - f, bwd[e]))
        rows, cols = [self.rows], [self.cols]
        m = members[snap.snapped[members]]
        # points on a source's own edge, reached directly from it
        if len(m):
            p, s = same_edge_pairs(e, snap.edge[m])
            if len(p):
                s = m[s]
                d = f[p] - snap.fraction[s]
                ee = e[p]
                direct = snap.offroad_minutes[s] + np.where(
                    d >= 0, partial(d, fwd[ee]), partial(-d, bwd[ee])
                )
                np.minimum.at(t, p, direct)
        times = [t]
        # the off-road legs, from the facility (time 0) to its snapped position
        if len(m):
            legs = shapely.linestrings(
                np.stack(
                    [shapely.get_coordinates(pts[m]), np.stack([snap.x[m], snap.y[m]], axis=1)],
                    axis=1,
                )
            )
            lc, li, lf = vertex_fractions(densify(legs, self.cell / 2.0))
            r, c = self._rowcol(self.transform, lc)
            rows.append(r)
            cols.append(c)
            times.append(lf * snap.offroad_minutes[m][li])
        # the facilities themselves (time 0), snapped or not
        r, c = self._rowcol(self.transform, shapely.get_coordinates(pts[members]))
        rows.append(r)
        cols.append(c)
        times.append(np.zeros(len(r)))
        rr, cc, tt = np.concatenate(rows), np.concatenate(cols), np.concatenate(times)
        inside = (rr >= 0) & (rr < self.shape[0]) & (cc >= 0) & (cc < self.shape[1])
        rr, cc, tt = rr[inside], cc[inside], tt[inside]
        ok = np.isfinite(tt)
        rr, cc, tt = rr[ok], cc[ok], tt[ok]
        order = np.argsort(-tt, kind="stable")  # later writes (smaller times) win
        grid = np.full(self.shape, np.inf, dtype=np.float64)
        grid[rr[order], cc[order]] = tt[order]
        k = self.radius_cells
        if k > 0:
            yy, xx = np.mgrid[-k : k + 1, -k : k + 1]
            disc = xx**2 + yy**2 <= k * k
            grid = ndimage.minimum_filter(grid, footprint=disc, mode="constant", cval=np.inf)
        return [self._polygon(grid <= limit) for limit in minutes]

    def _polygon(self, mask: np.ndarray) -> BaseGeometry:
        from rasterio import features

        if not mask.any():
            return shapely.Polygon()
        rings = [
            ring
            for geom, _ in features.shapes(
                mask.astype(np.uint8), mask=mask, transform=self.transform, connectivity=4
            )
            for ring in [geom["coordinates"]]
        ]
        # vectorised construction: rings → linearrings → polygons (first ring = shell)
        n_rings = [len(r) for r in rings]
        flat = [np.asarray(c, dtype=float) for r in rings for c in r]
        lengths = np.array([len(c) for c in flat])
        lr = shapely.linearrings(
            np.concatenate(flat), indices=np.repeat(np.arange(len(flat)), lengths)
        )
        polys = shapely.polygons(lr, indices=np.repeat(np.arange(len(rings)), n_rings))
        if len(polys) == 1:
            return polys[0]
        return shapely.multipolygons(polys)
