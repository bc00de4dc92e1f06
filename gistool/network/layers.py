"""The reachability layers of a run (DESIGN §6) and the per-village rescue access for C."""

from __future__ import annotations

from collections.abc import Sequence
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
from gistool.network.route import route

__all__ = ["RESCUE_KINDS", "reachability_layers", "rescue_access", "worst_routes"]

#: Facility kinds that bring rescue (fire engines, rescue teams).
RESCUE_KINDS: tuple[str, ...] = ("fire_station", "rescue_team")
#: Facility kinds that get isochrones in the run outputs.
ISOCHRONE_KINDS: tuple[str, ...] = ("fire_station", "rescue_team", "hospital")


def rescue_access(
    reachability: gpd.GeoDataFrame, kinds: Sequence[str] = RESCUE_KINDS
) -> gpd.GeoDataFrame:
    """Per target, the nearest rescue facility over ``kinds``, normal and under flood.

    Reduces the long :func:`travel_times` table (with flood columns) to one row
    per target: ``minutes_normal`` and ``minutes_flood`` are the minima over
    ``kinds``; ``facility_id``/``kind`` name the nearest one under flood (or,
    when isolated, normally); ``delta``, ``isolated_flood``.

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
    >>> r[["facility_id", "kind"]].to_numpy().tolist()
    [['F1', 'fire_station']]
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
    access: gpd.GeoDataFrame,
    *,
    n: int = 10,
    max_distance: float = 500.0,
    offroad_speed_kmh: float = 5.0,
) -> gpd.GeoDataFrame:
    """Routes from the nearest rescue facility to the ``n`` worst-reached targets.

    Worst = longest minutes under flood among the targets still reachable
    (isolated targets have no route; they are flagged in ``access``), or the
    longest normal minutes without a flood scenario. Each gets a ``normal``
    route from its nearest facility and a ``flood`` route (the detour).
    """
    col = "minutes_flood" if flood_graph is not None else "minutes_normal"
    order = access[np.isfinite(access[col]) & np.isfinite(access["minutes_normal"])]
    order = order.sort_values([col, "minutes_normal"], ascending=False, kind="stable").head(n)
    fac_ids = feature_ids(facilities, ("id", "code"))
    fac_geom = dict(zip(fac_ids, facilities.geometry.to_numpy(), strict=True))
    frames = []
    for rank, row in enumerate(order.itertuples(index=False), start=1):
        scenarios = [("normal", graph, row.facility_id_normal)]
        if flood_graph is not None and np.isfinite(row.minutes_flood):
            scenarios.append(("flood", flood_graph, row.facility_id))
        for scenario, g, fid in scenarios:
            if fid is None or fid not in fac_geom:
                continue
            frames.append(
                route(
                    g,
                    fac_geom[fid],
                    row.geometry,
                    max_distance=max_distance,
                    offroad_speed_kmh=offroad_speed_kmh,
                    scenario=scenario,
                    worst_rank=rank,
                    facility_id=fid,
                    target_id=row.target_id,
                    target_name=getattr(row, "target_name", None),
                )
            )
    cols = ["scenario", "worst_rank", "facility_id", "target_id", "target_name", "minutes",
            "length_m", "road_classes", "road_names", "n_edges"]
    if not frames:
        return gpd.GeoDataFrame(columns=[*cols, "geometry"], geometry="geometry", crs=graph.crs)
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=graph.crs)


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
        Number of worst-reached villages that get a route.
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

    Warns
    -----
    NetworkWarning
        When facilities sit on road components holding under half of the
        villages (:func:`check_connectivity`).

    Returns
    -------
    dict
        ``reachability`` (target × facility kind, villages and enterprises,
        ``target_type``), ``village_access`` (one row per village: nearest
        rescue facility, ``minutes_normal``, ``minutes_flood``, ``delta``,
        ``isolated_flood`` — the input of the capacity factor C),
        ``isochrones``, ``critical_links`` (``scenario`` normal/flood),
        ``routes`` and ``flooded_roads`` (edges cut or slowed).
    """
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
    check_connectivity(g, fac, villages, max_distance=max_distance)
    fgx = fg if fg is not None else g
    parts = [
        travel_times(g, fac, villages, flood_graph=fgx, thresholds=thresholds, **kw).assign(
            target_type="village"
        )
    ]
    if data.enterprises is not None and len(data.enterprises):
        parts.append(
            travel_times(
                g, fac, data.enterprises, flood_graph=fgx, thresholds=thresholds, **kw
            ).assign(target_type="enterprise")
        )
    reach = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=g.crs)

    village_rows = reach[reach["target_type"] == "village"]
    access = rescue_access(village_rows, rescue_kinds)
    normal_near = (
        village_rows[village_rows["kind"].isin(list(rescue_kinds))]
        .sort_values("minutes_normal", kind="stable")
        .drop_duplicates("target_id")
        .set_index("target_id")["facility_id"]
    )
    access["facility_id_normal"] = normal_near.reindex(access["target_id"]).to_numpy()
    extra = [c for c in ("code", "township_code") if c in villages.columns]
    info = villages.set_index("target_id")
    for c in extra:
        access[c] = info[c].reindex(access["target_id"]).to_numpy()
    access = access.rename(columns={"target_name": "name"})
    first = ["target_id", *extra, "name", "population", "kind", "facility_id",
             "facility_id_normal", "minutes_normal", "minutes_flood", "delta", "isolated_flood",
             "snapped", "snap_distance_m"]
    access = access[[c for c in first if c in access.columns] + ["geometry"]]

    rescue = fac[fac["kind"].isin(list(rescue_kinds))] if "kind" in fac.columns else fac
    iso_src = fac if isochrone_kinds is None else fac[fac["kind"].isin(list(isochrone_kinds))]
    iso = isochrones(
        g, iso_src, thresholds, buffer_m=buffer_m, flood_graph=fg, **kw
    ) if len(iso_src) else None
    crit_parts = []
    if len(rescue):
        for scenario, graph_ in [("normal", g)] + ([("flood", fg)] if fg is not None else []):
            c = critical_links(graph_, rescue, villages, top=critical_top, **kw)
            crit_parts.append(c.assign(scenario=scenario))
    crit = gpd.GeoDataFrame(pd.concat(crit_parts, ignore_index=True), crs=g.crs) if crit_parts \
        else None
    routes = worst_routes(g, fg, rescue, access, n=n_routes, **kw) if len(rescue) else None
    out = {
        "reachability": reach,
        "village_access": access,
        "isochrones": iso,
        "critical_links": crit,
        "routes": routes,
        "flooded_roads": flooded,
    }
    return {k: v for k, v in out.items() if v is not None}
