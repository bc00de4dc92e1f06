"""Nearest facility and travel time for every target, normal and under flood."""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gistool.errors import NetworkError, SchemaError, describe_source
from gistool.network.graph import RoadGraph
from gistool.network.snap import SnapResult, snap_points
from gistool.network.solve import core_solver

__all__ = ["feature_ids", "source_groups", "target_points", "travel_times"]

THRESHOLDS: tuple[int, ...] = (5, 10, 15, 30)


def target_points(villages: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Population points of villages: a point inside each polygon, attributes kept.

    Uses ``representative_point()`` (always inside the polygon, unlike the
    centroid). ``target_id`` is the village ``code`` when present.

    Examples
    --------
    >>> from shapely import box
    >>> v = gpd.GeoDataFrame({"code": ["411082001001"], "name": ["A"], "population": [900]},
    ...     geometry=[box(0, 0, 100, 100)], crs="EPSG:4547")
    >>> p = target_points(v)
    >>> p.geometry.iloc[0].within(v.geometry.iloc[0]), p["target_id"].iloc[0]
    (True, '411082001001')
    """
    out = villages.copy()
    out = out.set_geometry(villages.geometry.representative_point())
    out["target_id"] = feature_ids(villages, ("code", "id"))
    return out


def feature_ids(gdf: gpd.GeoDataFrame, columns: Sequence[str] = ("id", "code")) -> np.ndarray:
    """Identifiers of features: the first of ``columns`` present, else the index."""
    for col in columns:
        if col in gdf.columns:
            return gdf[col].to_numpy(dtype=object)
    return gdf.index.to_numpy(dtype=object)


def source_groups(sources: gpd.GeoDataFrame, by: str | None) -> dict[str, np.ndarray]:
    """Group → positions of the sources in it (``by=None``: one group ``"all"``)."""
    if by is None:
        return {"all": np.arange(len(sources))}
    if by not in sources.columns:
        msg = (
            f"{describe_source(layer='facilities', column=by)} is missing; "
            "pass by=None to treat all sources as one group"
        )
        raise SchemaError(msg)
    codes, uniques = pd.factorize(sources[by], sort=True)
    return {str(u): np.flatnonzero(codes == i) for i, u in enumerate(uniques)}


def _snap_both(
    graph: RoadGraph,
    sources: gpd.GeoDataFrame,
    targets: gpd.GeoDataFrame,
    max_distance: float,
    offroad_speed_kmh: float,
) -> tuple[SnapResult, SnapResult]:
    s = snap_points(
        graph, sources, max_distance=max_distance, offroad_speed_kmh=offroad_speed_kmh,
        what="facilities",
    )
    t = snap_points(
        graph, targets, max_distance=max_distance, offroad_speed_kmh=offroad_speed_kmh,
        what="targets",
    )
    return s, t


def _solve_groups(
    graph: RoadGraph,
    s_snap: SnapResult,
    t_snap: SnapResult,
    groups: dict[str, np.ndarray],
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Minutes and nearest source per target for every group, on the contracted core.

    The scenario's core matrix and the target terms are built once; each group
    costs one Dijkstra on the core and a few gathers.
    """
    solver = core_solver(graph, s_snap)
    index = solver.target_index(t_snap)
    return {name: solver.target_minutes(index, members) for name, members in groups.items()}


def travel_times(
    graph: RoadGraph,
    sources: gpd.GeoDataFrame,
    targets: gpd.GeoDataFrame,
    *,
    by: str | None = "kind",
    flood_graph: RoadGraph | None = None,
    thresholds: Sequence[float] = THRESHOLDS,
    max_distance: float = 500.0,
    offroad_speed_kmh: float = 5.0,
) -> gpd.GeoDataFrame:
    """Nearest facility of each group and the travel time to it, for every target.

    Multi-source shortest paths in compiled code (one
    ``scipy.sparse.csgraph.dijkstra(min_only=True)`` call per group, on the
    contracted core of the graph: :class:`~gistool.network.solve.CoreSolver`,
    same minutes as on the whole graph); sources
    and targets are snapped to their nearest edge (:func:`snap_points`), so a
    time is ``off-road leg + partial edge + network path + partial edge +
    off-road leg``. Snapping is done once on ``graph`` and reused under flood:
    a target whose own edge the flood cuts is isolated (its access road is
    under water) unless it sits exactly on a junction.

    Parameters
    ----------
    graph
        The normal road graph.
    sources
        Facilities (points) with ``id``, ``name`` and the ``by`` column.
    targets
        Target points (e.g. :func:`target_points` of villages, or enterprises);
        ``target_id`` is taken from ``target_id``, ``id`` or ``code``.
    by
        Column of ``sources`` to group by (``None``: nearest of all sources).
    flood_graph
        The same graph under a flood scenario (:func:`apply_flood`); adds the
        flood columns.
    thresholds
        Minutes for the ``within_<T>`` flags.
    max_distance, offroad_speed_kmh
        Snapping limit (m) and off-road speed, see :func:`snap_points`.

    Returns
    -------
    geopandas.GeoDataFrame
        Long format, one row per target × group, geometry = target point:
        ``target_id``, ``target_name``, (``population``, ``category`` if the
        targets have them), ``kind``, ``facility_id``, ``facility_name``,
        ``minutes``, ``reachable``, ``within_<T>``, ``snapped``, ``snap_distance_m``.
        With ``flood_graph``: ``minutes_normal``, ``minutes_flood``, ``delta``
        (flood − normal; NaN when unreachable in both), ``facility_id_flood``,
        ``facility_name_flood``, ``reachable_normal``, ``reachable_flood``,
        ``isolated_flood`` (reachable normally, not under flood) and
        ``within_<T>_normal`` / ``within_<T>_flood``. Unreachable is ``inf``.

    Examples
    --------
    >>> from shapely import LineString, Point
    >>> from gistool.network import build_road_graph
    >>> roads = gpd.GeoDataFrame({"road_class": ["county"]},
    ...     geometry=[LineString([(0, 0), (5000, 0)])], crs="EPSG:4547")
    >>> g = build_road_graph(roads)   # 5 km at 50 km/h = 6 min
    >>> fac = gpd.GeoDataFrame({"id": ["F1"], "name": ["消防站"], "kind": ["fire_station"]},
    ...     geometry=[Point(0, 0)], crs="EPSG:4547")
    >>> tgt = gpd.GeoDataFrame({"id": ["V1"]}, geometry=[Point(2500, 0)], crs="EPSG:4547")
    >>> tt = travel_times(g, fac, tgt)
    >>> row = tt.iloc[0]
    >>> row["target_id"], row["kind"], row["facility_id"], float(row["minutes"])
    ('V1', 'fire_station', 'F1', 3.0)
    >>> bool(row["within_5"]), bool(row["within_30"])
    (True, True)
    """
    if len(sources) == 0:
        msg = f"{describe_source(layer='facilities')} is empty: travel times need sources"
        raise NetworkError(msg)
    if flood_graph is not None and (
        flood_graph.n_nodes != graph.n_nodes or flood_graph.n_edges != graph.n_edges
    ):
        msg = "flood_graph must be derived from graph with apply_flood (nodes/edges differ)"
        raise NetworkError(msg)
    groups = source_groups(sources, by)
    s_snap, t_snap = _snap_both(graph, sources, targets, max_distance, offroad_speed_kmh)
    normal = _solve_groups(graph, s_snap, t_snap, groups)
    flood = _solve_groups(flood_graph, s_snap, t_snap, groups) if flood_graph is not None else None

    fac_ids = feature_ids(sources, ("id", "code"))
    fac_names = (
        sources["name"].to_numpy(dtype=object) if "name" in sources.columns
        else fac_ids.astype(object)
    )
    tid = (
        targets["target_id"].to_numpy(dtype=object) if "target_id" in targets.columns
        else feature_ids(targets, ("id", "code"))
    )
    base = {"target_id": tid}
    base["target_name"] = (
        targets["name"].to_numpy(dtype=object) if "name" in targets.columns
        else np.full(len(targets), None, dtype=object)
    )
    for col in ("population", "category"):
        if col in targets.columns:
            base[col] = targets[col].to_numpy()
    points = targets.geometry.to_numpy()
    not_point = shapely.get_type_id(points) != 0
    if not_point.any():
        points = points.copy()
        points[not_point] = shapely.point_on_surface(points[not_point])

    # one long table, built column by column (no per-group frames); text columns
    # are gathered from their few distinct values instead of converted row by row
    k = len(groups)
    n_t = len(targets)
    names = list(groups)
    fac_ids_x = np.append(fac_ids, None)  # position -1 → None
    fac_names_x = np.append(fac_names, None)
    rows = np.tile(np.arange(n_t), k)
    minutes = np.concatenate([normal[g][0] for g in names])
    src = np.concatenate([normal[g][1] for g in names])
    cols: dict[str, object] = {
        c: (_gather(v, rows) if v.dtype == object else np.tile(v, k)) for c, v in base.items()
    }
    cols["kind"] = _gather(np.array(names, dtype=object), np.repeat(np.arange(k), n_t))
    cols["facility_id"] = _gather(fac_ids_x, src)
    cols["facility_name"] = _gather(fac_names_x, src)
    if flood is None:
        cols["minutes"] = minutes
        cols["reachable"] = np.isfinite(minutes)
        for t in thresholds:
            cols[f"within_{_tname(t)}"] = minutes <= t
    else:
        fmin = np.concatenate([flood[g][0] for g in names])
        fsrc = np.concatenate([flood[g][1] for g in names])
        cols["facility_id_flood"] = _gather(fac_ids_x, fsrc)
        cols["facility_name_flood"] = _gather(fac_names_x, fsrc)
        cols["minutes_normal"] = minutes
        cols["minutes_flood"] = fmin
        with np.errstate(invalid="ignore"):
            cols["delta"] = fmin - minutes
        cols["reachable_normal"] = np.isfinite(minutes)
        cols["reachable_flood"] = np.isfinite(fmin)
        cols["isolated_flood"] = np.isfinite(minutes) & ~np.isfinite(fmin)
        for t in thresholds:
            cols[f"within_{_tname(t)}_normal"] = minutes <= t
            cols[f"within_{_tname(t)}_flood"] = fmin <= t
    cols["snapped"] = np.tile(t_snap.snapped, k)
    cols["snap_distance_m"] = np.tile(t_snap.distance_m, k)
    return gpd.GeoDataFrame(cols, geometry=np.tile(points, k), crs=graph.crs)


def _gather(values: np.ndarray, codes: np.ndarray) -> object:
    """``values[codes]`` as the column pandas would build from it, without per-row conversion.

    pandas infers a column's dtype from its elements (e.g. ``str`` when all
    are strings or missing); the elements of ``values[codes]`` are exactly the
    used values, so inferring on those and taking from the result gives the
    same column. Object columns (mixed, numbers) are gathered as before.
    ``codes`` of -1 pick the last value.
    """
    values = np.asarray(values, dtype=object)
    codes = np.where(codes < 0, len(values) - 1, codes)
    if len(codes) == 0:
        return values[codes]
    used = np.flatnonzero(np.bincount(codes, minlength=len(values)))
    small = pd.Series(values[used])
    if small.dtype == object:
        return values[codes]
    remap = np.zeros(len(values), dtype=np.int64)
    remap[used] = np.arange(len(used))
    return small.array.take(remap[codes])


def _tname(t: float) -> str:
    return str(int(t)) if float(t).is_integer() else str(t).replace(".", "_")
