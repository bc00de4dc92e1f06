"""Rescue capacity C per analysis unit (DESIGN §3).

C is computed from a *table of per-target minutes*, so the source of the
travel times can be swapped:

- :func:`network_minutes` — road-network travel times under the flood
  scenario from :func:`gistool.network.travel_times`;
- :func:`straight_line_minutes` — the fallback: straight-line distance to the
  nearest facility × a detour factor (1.3) at an assumed speed (40 km/h), the
  same for the normal and the flood scenario.

Sequence (each step callable alone):

1. population targets (e.g. :func:`gistool.units.population_pieces`) with the
   unit each belongs to;
2. minutes from the nearest fire station / rescue team for each target
   (either provider above) → column ``minutes_flood``;
3. :func:`shelter_share` — per target, the share of its people who have a
   place in their nearest shelter;
4. :func:`capacity_index` — per unit, the population-weighted mean and 95th
   percentile of the minutes, their access scores and ``C``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import geopandas as gpd
import numpy as np
import pandas as pd

from gistool.errors import GeometryError, SchemaError, describe_source

__all__ = [
    "RESCUE_KINDS",
    "TravelTimeProvider",
    "access_score",
    "capacity_index",
    "network_minutes",
    "shelter_share",
    "straight_line_minutes",
    "weighted_group_stats",
]

#: Facility kinds that bring rescue to a target.
RESCUE_KINDS: tuple[str, ...] = ("fire_station", "rescue_team")


class TravelTimeProvider(Protocol):
    """Anything that returns per-target rescue minutes.

    Called with the target points and the facilities; returns a DataFrame
    indexed like ``targets`` with at least ``minutes_normal`` and
    ``minutes_flood`` (``inf`` = unreachable) and ``facility_id``.
    """

    def __call__(self, targets: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame) -> pd.DataFrame: ...


def _rescue_facilities(
    facilities: gpd.GeoDataFrame | None, kinds: Sequence[str]
) -> gpd.GeoDataFrame:
    if facilities is None or len(facilities) == 0:
        msg = (
            f"{describe_source(layer='facilities')} is missing or empty; rescue capacity needs "
            f"facilities of kind {list(kinds)}"
        )
        raise SchemaError(msg)
    if "kind" not in facilities.columns:
        msg = f"{describe_source(layer='facilities', column='kind')} is missing; add it"
        raise SchemaError(msg)
    sel = facilities[facilities["kind"].astype(str).isin(list(kinds))]
    if len(sel) == 0:
        msg = (
            f"{describe_source(layer='facilities', column='kind')} has no facility of kind "
            f"{list(kinds)}; add fire stations or rescue teams"
        )
        raise SchemaError(msg)
    return sel


def _xy(gdf: gpd.GeoDataFrame) -> np.ndarray:
    geom = gdf.geometry
    if not (geom.geom_type == "Point").all():
        geom = geom.representative_point()
    return np.column_stack([geom.x.to_numpy(), geom.y.to_numpy()])


def straight_line_minutes(
    targets: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    *,
    kinds: Sequence[str] = RESCUE_KINDS,
    detour: float = 1.3,
    speed_kmh: float = 40.0,
) -> pd.DataFrame:
    """Fallback travel time: straight-line distance × detour at an assumed speed.

    ``minutes = d_nearest(m) × detour / (speed_kmh · 1000 / 60)``

    The same minutes are returned for the normal and the flood scenario (this
    provider knows no roads, so it cannot see cut roads).

    Returns
    -------
    pandas.DataFrame
        ``facility_id``, ``kind``, ``distance_m``, ``minutes_normal``,
        ``minutes_flood``, index of ``targets``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> f = gpd.GeoDataFrame({"id": ["F1"], "kind": ["fire_station"]},
    ...                      geometry=[Point(0, 0)], crs="EPSG:4547")
    >>> t = gpd.GeoDataFrame(geometry=[Point(4000, 3000)], crs="EPSG:4547")
    >>> straight_line_minutes(t, f)["minutes_flood"].round(3).tolist()  # 5 km·1.3 at 40 km/h
    [9.75]
    """
    from scipy.spatial import cKDTree

    if targets.crs != facilities.crs:
        msg = (
            f"CRS mismatch: targets in {targets.crs}, facilities in {facilities.crs}; "
            "project both to the working CRS with .to_crs()"
        )
        raise GeometryError(msg)
    fac = _rescue_facilities(facilities, kinds)
    tree = cKDTree(_xy(fac))
    if len(targets) == 0:
        dist, idx = np.zeros(0), np.zeros(0, dtype=int)
    else:
        dist, idx = tree.query(_xy(targets))
    minutes = dist * detour / (speed_kmh * 1000.0 / 60.0)
    fid = fac["id"].astype(str).to_numpy() if "id" in fac.columns else np.arange(len(fac))
    return pd.DataFrame(
        {
            "facility_id": fid[idx],
            "kind": fac["kind"].astype(str).to_numpy()[idx],
            "distance_m": dist,
            "minutes_normal": minutes,
            "minutes_flood": minutes,
        },
        index=targets.index,
    )


def network_minutes(
    graph: Any,
    targets: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    *,
    flood_graph: Any = None,
    kinds: Sequence[str] = RESCUE_KINDS,
    max_distance: float = 2000.0,
    offroad_speed_kmh: float = 5.0,
) -> pd.DataFrame:
    """Road-network travel times from the nearest rescue facility (normal and flood).

    A thin adapter over :func:`gistool.network.travel_times`: per target, the
    minimum over the facility kinds in ``kinds`` of the per-kind minutes.

    Parameters
    ----------
    graph
        The normal :class:`gistool.network.RoadGraph`.
    targets
        Target points.
    facilities
        Facilities with ``id`` and ``kind``.
    flood_graph
        The graph under the flood scenario (:func:`gistool.network.apply_flood`);
        without it the flood minutes equal the normal ones.
    kinds
        Facility kinds that bring rescue.
    max_distance, offroad_speed_kmh
        Snapping limit (m) and off-road speed of :func:`gistool.network.travel_times`.

    Returns
    -------
    pandas.DataFrame
        ``facility_id``, ``kind``, ``minutes_normal``, ``minutes_flood``
        (``inf`` where a target cannot be reached), index of ``targets``.
    """
    from gistool.network import check_connectivity, travel_times

    fac = _rescue_facilities(facilities, kinds)
    if len(fac) and len(targets):
        # a network on which no rescue facility reaches any target would give every unit
        # "unreachable" and a silently meaningless capacity: refuse it (NetworkError)
        check_connectivity(graph, fac, targets, min_share=0.0, max_distance=max_distance)
    t = gpd.GeoDataFrame(
        {"target_id": np.arange(len(targets))},
        geometry=targets.geometry.to_numpy(),
        crs=targets.crs,
    )
    tt = travel_times(
        graph,
        fac,
        t,
        by="kind",
        flood_graph=flood_graph,
        max_distance=max_distance,
        offroad_speed_kmh=offroad_speed_kmh,
    )
    return _reduce_travel_table(tt, targets.index, kinds)


def _reduce_travel_table(tt: pd.DataFrame, index: pd.Index, kinds: Sequence[str]) -> pd.DataFrame:
    """Min over facility kinds of a long (target × kind) travel-time table.

    ``tt`` has ``target_id`` (the target's position), ``kind``, and either
    ``minutes`` or ``minutes_normal`` / ``minutes_flood`` with ``facility_id``
    / ``facility_id_flood``.
    """
    t = tt[tt["kind"].astype(str).isin(list(kinds))]
    if "minutes_flood" not in t.columns:
        t = t.assign(
            minutes_normal=t["minutes"],
            minutes_flood=t["minutes"],
            facility_id_flood=t["facility_id"],
        )
    n = len(index)
    out = pd.DataFrame(
        {
            "facility_id": np.full(n, None, dtype=object),
            "kind": np.full(n, None, dtype=object),
            "minutes_normal": np.full(n, np.inf),
            "minutes_flood": np.full(n, np.inf),
        }
    )
    for sc, fcol in (("normal", "facility_id"), ("flood", "facility_id_flood")):
        col = f"minutes_{sc}"
        m = t[["target_id", "kind", col, fcol]]
        m = m.assign(**{col: m[col].astype(float).fillna(np.inf)})
        best = m.sort_values(col, kind="stable").drop_duplicates("target_id")
        pos = best["target_id"].to_numpy(dtype=np.int64)
        out.loc[pos, col] = best[col].to_numpy()
        if sc == "flood":
            out.loc[pos, "facility_id"] = best[fcol].to_numpy()
            out.loc[pos, "kind"] = best["kind"].to_numpy()
    out.index = index
    return out


def weighted_group_stats(
    values: Any,
    weights: Any,
    groups: Any,
    n_groups: int,
    *,
    quantile: float = 0.95,
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted mean and weighted quantile of ``values`` per group, vectorised.

    ``mean_g = Σ w·x / Σ w``; the quantile is the smallest ``x`` whose
    cumulative weight share within the group reaches ``quantile`` (inverted
    weighted CDF). Groups whose weights sum to 0 use equal weights; groups
    without values get NaN. Rows with a negative group are ignored.

    Examples
    --------
    >>> m, q = weighted_group_stats([10, 20, 30], [1, 1, 2], [0, 0, 0], 1, quantile=0.5)
    >>> m.tolist(), q.tolist()  # (10+20+60)/4; cum. shares .25, .5 → 20
    ([22.5], [20.0])
    """
    x = np.asarray(values, dtype=float)
    w = np.clip(np.nan_to_num(np.asarray(weights, dtype=float)), 0.0, None)
    g = np.asarray(groups, dtype=np.int64)
    keep = g >= 0
    x, w, g = x[keep], w[keep], g[keep]
    wsum = np.bincount(g, weights=w, minlength=n_groups)
    cnt = np.bincount(g, minlength=n_groups)
    w = np.where(wsum[g] > 0, w, 1.0)
    wsum = np.bincount(g, weights=w, minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(g, weights=w * x, minlength=n_groups) / wsum
    mean[cnt == 0] = np.nan
    q = np.full(n_groups, np.nan)
    if len(x):
        order = np.lexsort((x, g))
        xs, ws, gs = x[order], w[order], g[order]
        cum = np.cumsum(ws)
        start = np.r_[0, np.flatnonzero(gs[1:] != gs[:-1]) + 1]
        base = np.repeat(np.r_[0.0, cum[start[1:] - 1]], np.diff(np.r_[start, len(gs)]))
        share = (cum - base) / wsum[gs]
        hit = share >= quantile - 1e-12
        # first hit per group: among hits, the first row of each group
        hg = gs[hit]
        first = np.r_[True, hg[1:] != hg[:-1]] if len(hg) else np.zeros(0, bool)
        q[hg[first]] = xs[hit][first]
    return mean, q


def shelter_share(
    targets: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame | None,
    *,
    population: Any = None,
    max_distance_m: float = 5000.0,
) -> np.ndarray:
    """Share of each target's people who have a place in their nearest shelter.

    Each target goes to its nearest shelter (straight line) within
    ``max_distance_m``; a shelter's places (``capacity``, people) are shared
    pro rata among the people sent to it:

    ``share_t = min(1, capacity_s / Σ_{t→s} population_t)``

    Targets farther than ``max_distance_m`` from every shelter get 0; so does
    everyone when there is no shelter. A shelter without ``capacity`` is
    taken as unlimited.
    """
    from scipy.spatial import cKDTree

    n = len(targets)
    if facilities is None or "kind" not in facilities.columns:
        return np.zeros(n)
    sh = facilities[facilities["kind"].astype(str) == "shelter"]
    if len(sh) == 0 or n == 0:
        return np.zeros(n)
    pop = (
        np.ones(n)
        if population is None
        else np.clip(np.nan_to_num(np.asarray(population, float)), 0.0, None)
    )
    dist, idx = cKDTree(_xy(sh)).query(_xy(targets))
    ok = dist <= max_distance_m
    cap = (
        pd.to_numeric(sh["capacity"], errors="coerce").to_numpy(dtype=float)
        if "capacity" in sh.columns
        else np.full(len(sh), np.inf)
    )
    cap = np.where(np.isnan(cap), np.inf, cap)
    demand = np.bincount(idx[ok], weights=pop[ok], minlength=len(sh))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(demand > 0, cap / demand, 1.0)
    return np.where(ok, np.minimum(1.0, ratio[idx]), 0.0)


def access_score(minutes: Any, *, reference_minutes: float = 60.0) -> np.ndarray:
    """Access score ``a(t) = clip(1 − t / t_ref, 0, 1)``: 1 at the door, 0 at ``t_ref`` or beyond.

    Unreachable targets (``inf``) score 0.

    Examples
    --------
    >>> access_score([0, 15, 90, float("inf")]).tolist()
    [1.0, 0.75, 0.0, 0.0]
    """
    t = np.asarray(minutes, dtype=float)
    return np.clip(1.0 - t / reference_minutes, 0.0, 1.0)


def capacity_index(
    units: gpd.GeoDataFrame | pd.DataFrame,
    targets: pd.DataFrame,
    *,
    unit_positions: Any,
    minutes_column: str = "minutes_flood",
    population_column: str = "population",
    shelter_column: str | None = "shelter_share",
    reference_minutes: float = 60.0,
    quantile: float = 0.95,
    w_mean: float = 0.4,
    w_p95: float = 0.3,
    w_shelter: float = 0.3,
) -> pd.DataFrame:
    """Rescue capacity per unit from a table of per-target minutes.

    With ``t̄`` the population-weighted mean and ``t95`` the weighted 95th
    percentile of the minutes (flood scenario) over the unit's targets, and
    ``s̄`` the population-weighted mean shelter share:

    ``C = w_mean·a(t̄) + w_p95·a(t95) + w_shelter·s̄``, ``a(t) = clip(1 − t/t_ref, 0, 1)``

    (defaults 0.4 / 0.3 / 0.3, ``t_ref`` = 60 min). C is in [0, 1], higher
    = better capacity; it enters the risk as ``(1 − C)``. Minutes are capped
    at ``t_ref`` before averaging, so isolated targets (``inf``) count as
    ``t_ref`` and ``access_mean_min`` / ``access_p95_min`` never exceed it.
    Units without any target get the median access score of the layer.

    Parameters
    ----------
    units
        The unit layer (only its length and index are used).
    targets
        One row per population target with ``minutes_column``,
        ``population_column`` and, optionally, ``shelter_column``.
    unit_positions
        Position of each target's unit in ``units`` (−1 = none).

    Returns
    -------
    pandas.DataFrame
        ``access_mean_min``, ``access_p95_min``, ``shelter_share``,
        ``access_score_mean``, ``access_score_p95`` and ``C``.
    """
    n = len(units)
    for col in (minutes_column, population_column):
        if col not in targets.columns:
            msg = f"{describe_source(layer='targets', column=col)} is missing; add it"
            raise SchemaError(msg)
    t = np.minimum(targets[minutes_column].to_numpy(dtype=float), reference_minutes)
    t = np.where(np.isnan(t), reference_minutes, t)
    pop = targets[population_column].to_numpy(dtype=float)
    pos = np.asarray(unit_positions, dtype=np.int64)
    mean, p95 = weighted_group_stats(t, pop, pos, n, quantile=quantile)
    if shelter_column is not None and shelter_column in targets.columns:
        s, _ = weighted_group_stats(targets[shelter_column].to_numpy(float), pop, pos, n)
        s = np.nan_to_num(s, nan=0.0)
    else:
        s = np.zeros(n)
    a_mean = access_score(mean, reference_minutes=reference_minutes)
    a_p95 = access_score(p95, reference_minutes=reference_minutes)
    for a in (a_mean, a_p95):
        miss = np.isnan(mean)
        if miss.any() and (~miss).any():
            a[miss] = np.median(a[~miss])
        a[np.isnan(a)] = 0.0
    C = w_mean * a_mean + w_p95 * a_p95 + w_shelter * s
    return pd.DataFrame(
        {
            "access_mean_min": mean,
            "access_p95_min": p95,
            "shelter_share": s,
            "access_score_mean": a_mean,
            "access_score_p95": a_p95,
            "C": C,
        },
        index=units.index,
    )
