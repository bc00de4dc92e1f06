"""The reachability layers of a run (DESIGN §6) and the per-village rescue access for C."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from gistool.area import StudyArea
from gistool.errors import InputError, NetworkError, describe_source
from gistool.network.build import build_road_graph
from gistool.network.connectivity import check_connectivity
from gistool.network.critical import critical_links
from gistool.network.flood import apply_flood
from gistool.network.graph import RoadGraph
from gistool.network.isochrones import isochrones
from gistool.network.reach import THRESHOLDS, feature_ids, target_points, travel_times
from gistool.network.route import routes

__all__ = [
    "LAYERS",
    "RESCUE_KINDS",
    "SCENARIOS",
    "reachability_layers",
    "rescue_access",
    "worst_routes",
]

#: Facility kinds that bring rescue (fire engines, rescue teams).
RESCUE_KINDS: tuple[str, ...] = ("fire_station", "rescue_team")
#: Facility kinds that get isochrones in the run outputs.
ISOCHRONE_KINDS: tuple[str, ...] = ("fire_station", "rescue_team", "hospital")
#: The layers :func:`reachability_layers` can compute.
LAYERS: tuple[str, ...] = (
    "reachability", "village_access", "isochrones", "critical_links", "routes", "flooded_roads"
)
#: The network scenarios.
SCENARIOS: tuple[str, ...] = ("normal", "flood")


def rescue_access(
    reachability: gpd.GeoDataFrame, kinds: Sequence[str] = RESCUE_KINDS
) -> gpd.GeoDataFrame:
    """Per target, the nearest rescue facility over ``kinds``, normal and under flood.

    Reduces the long :func:`travel_times` table (with flood columns) to one row
    per target: ``minutes_normal`` and ``minutes_flood`` are the minima over
    ``kinds``; ``facility_id``/``kind`` name the nearest one under flood (or,
    when isolated, normally), ``facility_id_normal`` the nearest one normally;
    ``delta``, ``isolated_flood``.

    Examples
    --------
    >>> import shapely
    >>> tt = gpd.GeoDataFrame({"target_id": ["A", "A"], "kind": ["fire_station", "rescue_team"],
    ...     "facility_id": ["F1", "R1"], "facility_id_flood": ["F1", None],
    ...     "minutes_normal": [9.0, 4.0], "minutes_flood": [12.0, np.inf]},
    ...     geometry=shapely.points([(0, 0), (0, 0)]), crs="EPSG:4547")
    >>> r = rescue_access(tt)
    >>> r[["minutes_normal", "minutes_flood"]].to_numpy().tolist()
    [[4.0, 12.0]]
    >>> r[["facility_id", "kind", "facility_id_normal"]].to_numpy().tolist()
    [['F1', 'fire_station', 'R1']]
    """
    t = reachability[reachability["kind"].isin(list(kinds))]
    if len(t) == 0:
        msg = f"the reachability table has no rows for facility kinds {list(kinds)}"
        raise NetworkError(msg)
    keep = [
        c for c in t.columns
        if c not in _PER_KIND and c != "geometry" and not c.startswith("within_")
    ]
    by_normal = t.sort_values("minutes_normal", kind="stable").drop_duplicates("target_id")
    by_flood = t.sort_values(["minutes_flood", "minutes_normal"], kind="stable").drop_duplicates(
        "target_id"
    )
    by_flood = by_flood.set_index("target_id")
    out = by_normal.set_index("target_id")[[c for c in keep if c != "target_id"]].copy()
    out["minutes_normal"] = by_normal.set_index("target_id")["minutes_normal"]
    out["minutes_flood"] = by_flood["minutes_flood"].reindex(out.index)
    flood_ok = np.isfinite(out["minutes_flood"].to_numpy())
    fid_flood = by_flood["facility_id_flood"].reindex(out.index).to_numpy(dtype=object)
    kind_flood = by_flood["kind"].reindex(out.index).to_numpy(dtype=object)
    fid_normal = by_normal.set_index("target_id")["facility_id"].to_numpy(dtype=object)
    kind_normal = by_normal.set_index("target_id")["kind"].to_numpy(dtype=object)
    out["facility_id"] = np.where(flood_ok, fid_flood, fid_normal)
    out["kind"] = np.where(flood_ok, kind_flood, kind_normal)
    out["facility_id_normal"] = fid_normal
    with np.errstate(invalid="ignore"):
        out["delta"] = out["minutes_flood"] - out["minutes_normal"]
    out["isolated_flood"] = np.isfinite(out["minutes_normal"]) & ~flood_ok
    geom = t.drop_duplicates("target_id").set_index("target_id").geometry.reindex(out.index)
    return gpd.GeoDataFrame(out.reset_index(), geometry=geom.to_numpy(), crs=reachability.crs)


_PER_KIND = {
    "kind",
    "facility_id",
    "facility_name",
    "facility_id_flood",
    "facility_name_flood",
    "minutes",
    "minutes_normal",
    "minutes_flood",
    "delta",
    "reachable",
    "reachable_normal",
    "reachable_flood",
    "isolated_flood",
}


def worst_routes(
    graph: RoadGraph,
    flood_graph: RoadGraph | None,
    facilities: gpd.GeoDataFrame,
    access: pd.DataFrame,
    *,
    n: int = 10,
    scenarios: Sequence[str] = SCENARIOS,
    max_distance: float = 500.0,
    offroad_speed_kmh: float = 5.0,
) -> gpd.GeoDataFrame:
    """Routes from the nearest rescue facility to the ``n`` worst-reached targets.

    Worst = longest minutes under flood among the targets still reachable
    (isolated targets have no route; they are flagged in ``access``), or the
    longest normal minutes without a flood scenario; ties are broken by the
    longer normal minutes, then by the order of ``access``. Each gets a
    ``normal`` route from its nearest facility (``facility_id_normal``, or
    ``facility_id`` without that column) and a ``flood`` route on
    ``flood_graph`` (the detour, from ``facility_id``). Without a flood graph a
    ``flood`` request is the normal route.

    Parameters
    ----------
    graph, flood_graph
        The normal graph and the graph under the flood scenario (or ``None``).
    facilities
        The rescue facilities (``id``/``code``) the ids of ``access`` name.
    access
        One row per target: ``target_id``, ``facility_id`` (nearest under
        flood), ``minutes_normal``, ``minutes_flood``, geometry; optional
        ``facility_id_normal``, ``target_name`` (as :func:`rescue_access` gives).
    n
        Number of worst targets.
    scenarios
        Routes computed for each target, in this order: ``"normal"``, ``"flood"``.
    max_distance, offroad_speed_kmh
        Snapping, see :func:`gistool.network.snap_points`.

    Returns
    -------
    geopandas.GeoDataFrame
        The :func:`gistool.network.routes` columns (``source_id`` is the
        facility) plus ``scenario``, ``worst_rank`` and ``target_name`` when
        ``access`` has it; ordered by rank, then scenario.
    """
    col = "minutes_flood" if flood_graph is not None else "minutes_normal"
    order = access[np.isfinite(access[col]) & np.isfinite(access["minutes_normal"])]
    order = order.sort_values([col, "minutes_normal"], ascending=False, kind="stable").head(n)
    fac_ids = pd.Index(feature_ids(facilities, ("id", "code")))
    named = "target_name" in order.columns
    frames = []
    for scenario, g in _scenario_graphs(graph, flood_graph, scenarios):
        fid_col = "facility_id"
        if scenario == "normal" and "facility_id_normal" in order.columns:
            fid_col = "facility_id_normal"
        fid = order[fid_col].to_numpy(dtype=object)
        if scenario == "flood":  # isolated under flood: no route
            fid = np.where(np.isfinite(order["minutes_flood"].to_numpy(float)), fid, None)
        pos = fac_ids.get_indexer(pd.Index(fid))
        keep = np.flatnonzero(pos >= 0)
        if not len(keep):
            continue
        dst = gpd.GeoDataFrame(
            {"target_id": order["target_id"].to_numpy(dtype=object)[keep]},
            geometry=order.geometry.to_numpy()[keep], crs=graph.crs,
        )
        r = routes(
            g, facilities.iloc[pos[keep]], dst, max_distance=max_distance,
            offroad_speed_kmh=offroad_speed_kmh,
        )
        r["scenario"] = scenario
        r["worst_rank"] = keep + 1
        if named:
            r["target_name"] = order["target_name"].to_numpy(dtype=object)[keep]
        frames.append(r)
    cols = ["source_id", "target_id", "minutes", "length_m", "road_classes", "road_names",
            "n_edges", "scenario", "worst_rank", *(["target_name"] if named else [])]
    if not frames:
        return gpd.GeoDataFrame(columns=[*cols, "geometry"], geometry="geometry", crs=graph.crs)
    out = pd.concat(frames, ignore_index=True).sort_values("worst_rank", kind="stable")
    return gpd.GeoDataFrame(out[[*cols, "geometry"]].reset_index(drop=True), crs=graph.crs)


def _scenario_graphs(
    graph: RoadGraph, flood_graph: RoadGraph | None, scenarios: Sequence[str]
) -> list[tuple[str, RoadGraph]]:
    """``(scenario, graph)`` pairs; ``"flood"`` without a flood graph is the normal one."""
    bad = sorted(set(scenarios) - set(SCENARIOS))
    if bad:
        msg = f"unknown scenario {bad[0]!r}; use {' or '.join(SCENARIOS)}"
        raise ValueError(msg)
    out: list[tuple[str, RoadGraph]] = []
    for s in scenarios:
        pair = ("flood", flood_graph) if s == "flood" and flood_graph is not None \
            else ("normal", graph)
        if pair[0] not in [p[0] for p in out]:
            out.append(pair)
    return out


def reachability_layers(
    data: StudyArea,
    *,
    flood_rp: int | None = 100,
    thresholds: Sequence[float] = THRESHOLDS,
    rescue_kinds: Sequence[str] = RESCUE_KINDS,
    isochrone_kinds: Sequence[str] | None = ISOCHRONE_KINDS,
    n_routes: int = 10,
    critical_top: int = 20,
    snap_tolerance: float = 1.0,
    node_crossings: bool = False,
    speeds: dict[str, float] | None = None,
    max_distance: float = 500.0,
    offroad_speed_kmh: float = 15.0,
    buffer_m: float = 100.0,
    cut_depth: float = 0.3,
    slow_depth: float = 0.15,
    slow_factor: float = 0.5,
    graph: RoadGraph | None = None,
    targets: gpd.GeoDataFrame | None = None,
    access: pd.DataFrame | None = None,
    scenarios: Sequence[str] = SCENARIOS,
    layers: Collection[str] = LAYERS,
) -> dict[str, gpd.GeoDataFrame]:
    """Every reachability layer of a run, normal and under the ``flood_rp``-year flood.

    Parameters
    ----------
    data
        The study area (``roads``, ``facilities``, ``villages``; ``enterprises``
        and ``flood_depth`` optional).
    flood_rp
        Return period of the flood scenario (a key of ``data.flood_depth``);
        ``None`` for no flood scenario (the flood columns then equal the normal ones).
    thresholds
        Minutes for the within-flags and the isochrones.
    rescue_kinds
        Facility kinds whose nearest one counts for rescue access, critical
        links and routes.
    isochrone_kinds
        Facility kinds that get isochrones (``None``: all).
    n_routes
        Number of worst-reached targets that get a route.
    critical_top
        Number of critical links.
    snap_tolerance, node_crossings, speeds
        Graph building, see :func:`build_road_graph`.
    max_distance, offroad_speed_kmh
        Snapping; the off-road leg defaults to 15 km/h (a vehicle on lanes and
        yards missing from the road layer).
    buffer_m
        Isochrone buffer (m).
    cut_depth, slow_depth, slow_factor
        Flood scenario, see :func:`apply_flood`.
    graph
        A prebuilt graph of ``data.roads`` (skips building).
    targets
        Population-weighted target points of the critical links (weight
        ``population``) and the routes, with ``target_id`` (default: the
        villages' points, :func:`target_points`), e.g. population pieces.
    access
        Their nearest rescue facility (``target_id``, ``facility_id``,
        ``minutes_normal``, ``minutes_flood``; see :func:`worst_routes`) when
        already solved; default: :func:`rescue_access` of the villages' rows
        of the travel-time table.
    scenarios
        Scenarios of the critical links and routes (``"normal"``, ``"flood"``;
        ``"flood"`` without a flood scenario is the normal network).
    layers
        The layers to compute, a subset of :data:`LAYERS` (skipped work is not done).

    Warns
    -----
    NetworkWarning
        When facilities sit on road components holding under half of the
        villages (:func:`check_connectivity`; checked with the travel times).

    Returns
    -------
    dict
        ``reachability`` (target × facility kind, villages and enterprises,
        ``target_type``), ``village_access`` (one row per village: nearest
        rescue facility, ``minutes_normal``, ``minutes_flood``, ``delta``,
        ``isolated_flood`` — the input of the capacity factor C),
        ``isochrones``, ``critical_links`` (``scenario`` normal/flood),
        ``routes`` (:func:`worst_routes`) and ``flooded_roads`` (edges cut or
        slowed); those of ``layers`` that apply.
    """
    unknown = sorted(set(layers) - set(LAYERS))
    if unknown:
        msg = f"unknown reachability layer {unknown[0]!r}; use some of {', '.join(LAYERS)}"
        raise ValueError(msg)
    if data.roads is None or len(data.roads) == 0:
        msg = f"{describe_source(layer='roads')} is missing: reachability needs a road layer"
        raise NetworkError(msg)
    if data.facilities is None or len(data.facilities) == 0:
        msg = f"{describe_source(layer='facilities')} is missing: reachability needs facilities"
        raise NetworkError(msg)
    g = graph if graph is not None else build_road_graph(
        data.roads, snap_tolerance=snap_tolerance, node_crossings=node_crossings, speeds=speeds
    )
    fg: RoadGraph | None = None
    flooded = gpd.GeoDataFrame(
        columns=["edge_id", "road_class", "name", "max_depth_m", "status", "speed_factor",
                 "geometry"],
        geometry="geometry", crs=g.crs,
    )
    if flood_rp is not None:
        if flood_rp not in data.flood_depth:
            have = ", ".join(str(k) for k in sorted(data.flood_depth)) or "none"
            msg = (
                f"no flood-depth raster for return period {flood_rp} (available: {have}); "
                "choose one of them or add the raster"
            )
            raise InputError(msg)
        fg, flooded = apply_flood(
            g, data.flood_depth[flood_rp], cut_depth=cut_depth, slow_depth=slow_depth,
            slow_factor=slow_factor,
        )
    fac = data.facilities
    kw: dict[str, Any] = {"max_distance": max_distance, "offroad_speed_kmh": offroad_speed_kmh}
    villages = target_points(data.villages)
    out: dict[str, gpd.GeoDataFrame | None] = {}
    routes_need = "routes" in layers and access is None
    if {"reachability", "village_access"} & set(layers) or (routes_need and targets is None):
        reach = _reachability(g, fg, fac, villages, data.enterprises, thresholds, kw)
        out["reachability"] = reach
        out["village_access"] = _village_access(reach, villages, rescue_kinds)
    rescue = fac[fac["kind"].isin(list(rescue_kinds))] if "kind" in fac.columns else fac
    if targets is None:
        targets = villages
        access = out["village_access"] if routes_need else access
    elif routes_need and len(rescue):
        tt = travel_times(g, rescue, targets, flood_graph=fg if fg is not None else g,
                          thresholds=thresholds, **kw)
        access = rescue_access(tt, rescue_kinds)
    if "isochrones" in layers:
        iso_src = fac if isochrone_kinds is None else fac[fac["kind"].isin(list(isochrone_kinds))]
        out["isochrones"] = isochrones(
            g, iso_src, thresholds, buffer_m=buffer_m, flood_graph=fg, **kw
        ) if len(iso_src) else None
    if "critical_links" in layers and len(rescue):
        crit = [
            critical_links(graph_, rescue, targets, top=critical_top, **kw).assign(
                scenario=scenario
            )
            for scenario, graph_ in _scenario_graphs(g, fg, scenarios)
        ]
        out["critical_links"] = gpd.GeoDataFrame(pd.concat(crit, ignore_index=True), crs=g.crs)
    if "routes" in layers and len(rescue) and access is not None:
        out["routes"] = worst_routes(
            g, fg, rescue, access, n=n_routes, scenarios=scenarios, **kw
        )
    if "flooded_roads" in layers:
        out["flooded_roads"] = flooded
    return {k: v for k, v in out.items() if v is not None and k in layers}


def _reachability(
    g: RoadGraph,
    fg: RoadGraph | None,
    fac: gpd.GeoDataFrame,
    villages: gpd.GeoDataFrame,
    enterprises: gpd.GeoDataFrame | None,
    thresholds: Sequence[float],
    kw: dict[str, Any],
) -> gpd.GeoDataFrame:
    """The long travel-time table of the villages' points and the enterprises."""
    check_connectivity(g, fac, villages, max_distance=kw["max_distance"])
    fgx = fg if fg is not None else g
    parts = [
        travel_times(g, fac, villages, flood_graph=fgx, thresholds=thresholds, **kw).assign(
            target_type="village"
        )
    ]
    if enterprises is not None and len(enterprises):
        parts.append(
            travel_times(
                g, fac, enterprises, flood_graph=fgx, thresholds=thresholds, **kw
            ).assign(target_type="enterprise")
        )
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=g.crs)


def _village_access(
    reach: gpd.GeoDataFrame, villages: gpd.GeoDataFrame, rescue_kinds: Sequence[str]
) -> gpd.GeoDataFrame:
    """One row per village: :func:`rescue_access` with the village codes."""
    access = rescue_access(reach[reach["target_type"] == "village"], rescue_kinds)
    extra = [c for c in ("code", "township_code") if c in villages.columns]
    info = villages.set_index("target_id")
    for c in extra:
        access[c] = info[c].reindex(access["target_id"]).to_numpy()
    access = access.rename(columns={"target_name": "name"})
    first = ["target_id", *extra, "name", "population", "kind", "facility_id",
             "facility_id_normal", "minutes_normal", "minutes_flood", "delta", "isolated_flood",
             "snapped", "snap_distance_m"]
    return access[[c for c in first if c in access.columns] + ["geometry"]]
