"""Risk assessment of a study area: ``assess_risk(data) -> RiskResult`` (DESIGN §3–4).

The sequence, each step a plain function callable alone (the pipeline's
stages call the same functions):

1. **units** — the grid (:func:`gistool.units.make_grid_units`) and the
   grid × village population pieces (:func:`gistool.units.population_pieces`),
   shared by every level: unit population and rural share are group sums,
   piece points are the rescue targets;
2. **rescue minutes** — :func:`rescue_targets` (pieces, then enterprises),
   one travel-time solve (:func:`rescue_minutes`: road network under the flood
   scenario via :func:`gistool.capacity.network_minutes`, else the
   straight-line fallback), then :func:`attach_rescue` (minutes and shelter
   shares on the pieces);
3. **enterprises** — :func:`enterprise_list`: the four-colour list
   (:func:`gistool.enterprise.four_colour`), whose site facts (100-year depth,
   high zone) feed vulnerability;
4. **flood overlay** — :func:`flood_fractions_by_level`: each flood raster
   read once; grid by block sums, villages by one exact coverage per raster
   grid, townships summed from the villages that tile them;
5. **indicators, weights, scores** — :func:`score_levels`: per level
   :func:`level_indicators` (H :mod:`gistool.hazard`, E and V
   :mod:`gistool.exposure`, C :mod:`gistool.capacity`), :func:`factor_weights`
   (AHP from :data:`DEFAULT_AHP_MATRIX` by default, entropy or explicit), and
   per level :func:`score_level` (normalise, composite index, five levels,
   rank, driver, level stability);
6. **zones** from the classified grid (:func:`gistool.zoning.make_zones`);
7. :func:`reachability_table` — the per-target minutes returned with the result.

All thresholds and weights live in :class:`AssessParams`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, MutableMapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from gistool.area import StudyArea
from gistool.errors import ConfigError, SchemaError, describe_source
from gistool.labels import RISK_LEVELS
from gistool.params import (  # re-exported: the parameters live in gistool.params
    DEFAULT_AHP_MATRIX,
    FACTOR_NAMES,
    AssessParams,
    CapacityParams,
    WeightingParams,
)
from gistool.result import RiskResult  # re-exported

__all__ = [
    "DEFAULT_AHP_MATRIX",
    "AssessParams",
    "RiskResult",
    "assess_risk",
    "attach_rescue",
    "enterprise_list",
    "factor_weights",
    "flood_fractions_by_level",
    "level_indicators",
    "reachability_table",
    "rescue_minutes",
    "rescue_targets",
    "score_level",
    "score_levels",
    "unit_levels",
]

logger = logging.getLogger(__name__)

#: The four factors of the composite index, in order.
# ----------------------------------------------------------------------------- steps


def rescue_minutes(
    data: StudyArea,
    targets: gpd.GeoDataFrame,
    *,
    network: Any = None,
    params: CapacityParams | None = None,
) -> tuple[pd.DataFrame, str]:
    """Rescue minutes (normal and flood) from the nearest fire station / rescue team.

    Uses the road network when ``data.roads`` exists and ``network`` is not
    ``False`` (a :class:`gistool.network.RoadGraph` given as ``network`` is
    reused, else one is built), with the flood scenario of
    ``params.flood_return_period`` applied (:func:`gistool.network.apply_flood`);
    otherwise the straight-line fallback. A callable ``network`` is a
    :class:`gistool.capacity.TravelTimeProvider`: called as
    ``network(targets, facilities)``, it returns the table itself.

    Returns
    -------
    tuple
        The per-target table (:func:`gistool.capacity.network_minutes` columns)
        and its source, ``"network"`` or ``"straight_line"``.
    """
    from gistool import capacity

    p = params or CapacityParams()
    if callable(network):  # a TravelTimeProvider
        tab = network(targets, data.facilities)
        need = {"minutes_normal", "minutes_flood", "facility_id"}
        if missing := need - set(tab.columns):
            msg = f"the travel-time provider returned no {sorted(missing)} columns; add them"
            raise ConfigError(msg)
        if len(tab) != len(targets):
            msg = (
                f"the travel-time provider returned {len(tab)} rows for {len(targets)} "
                "targets; return one row per target"
            )
            raise ConfigError(msg)
        tab = pd.DataFrame(tab).reset_index(drop=True)
        if "kind" not in tab.columns:
            tab["kind"] = None
        tab.index = targets.index
        return tab, str(getattr(network, "__name__", "provider"))
    use_net = p.use_network and network is not False and data.roads is not None
    if use_net:
        from gistool.network import apply_flood, build_road_graph

        graph = build_road_graph(data.roads) if network is None or network is True else network
        _, raster = data.flood_scenario(p.flood_return_period)
        flood_graph = None
        if raster is not None:
            flood_graph = apply_flood(
                graph,
                raster,
                cut_depth=p.cut_depth,
                slow_depth=p.slow_depth,
                slow_factor=p.slow_factor,
            ).graph
        tab = capacity.network_minutes(
            graph,
            targets,
            data.facilities,
            flood_graph=flood_graph,
            kinds=p.kinds,
            max_distance=p.snap_max_distance_m,
            offroad_speed_kmh=p.offroad_speed_kmh,
        )
        return tab, "network"
    tab = capacity.straight_line_minutes(
        targets, data.facilities, kinds=p.kinds, detour=p.detour, speed_kmh=p.speed_kmh
    )
    return tab, "straight_line"


def _group_positions(keys: np.ndarray, unit_keys: pd.Series) -> np.ndarray:
    """Position of each key in ``unit_keys`` (−1 when absent)."""
    lut = pd.Index(unit_keys.astype(str).to_numpy())
    pos = lut.get_indexer(pd.Index(np.asarray(keys).astype(str)))
    return pos.astype(np.int64)


def level_indicators(
    units: gpd.GeoDataFrame,
    *,
    data: StudyArea,
    pieces: gpd.GeoDataFrame,
    piece_positions: np.ndarray,
    enterprises: gpd.GeoDataFrame | None = None,
    exposed_site: np.ndarray | None = None,
    flood_fractions: Mapping[int, pd.DataFrame] | None = None,
    params: AssessParams | None = None,
    enterprise_positions: np.ndarray | None = None,
) -> gpd.GeoDataFrame:
    """H, E, V, C and their sub-indicators for one unit layer.

    Parameters
    ----------
    units
        The unit layer.
    data
        The study area (flood rasters, geohazard layers).
    pieces
        Population pieces with ``population``, ``rural``, ``minutes_flood``
        and ``shelter_share`` (see :func:`assess_risk`).
    piece_positions
        Position in ``units`` of each piece (−1 = none).
    enterprises
        Enterprise points (the four-colour list, or the raw layer).
    exposed_site
        Per enterprise: sited where the 100-year depth ≥ the vulnerability
        depth or in a high-susceptibility zone.
    flood_fractions
        Return period → depth-class fractions of these units, when already
        known (e.g. aggregated from the pieces); else computed with the
        overlay engine.
    params
        Parameters (defaults when ``None``).
    enterprise_positions
        Position in ``units`` of each enterprise (−1 = none), when already
        known (:func:`gistool.hazard.assign_points`).

    Population is the units' own ``population`` column when they have one
    (villages), else the sum of their pieces (areal weighting); the rural
    share is always piece-weighted.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy of ``units`` with ``area_km2``, ``population`` and every
        indicator column.
    """
    from gistool.capacity import capacity_index
    from gistool.exposure import (
        enterprise_sums,
        enterprise_weights,
        exposure_index,
        vulnerability_index,
    )
    from gistool.hazard import hazard_indicators

    p = params or AssessParams()
    hp = p.hazard
    H = hazard_indicators(
        units,
        flood_depth=data.flood_depth,
        geohazard_zones=data.geohazard_zones,
        geohazard_points=data.geohazard_points,
        breaks=hp.depth_breaks,
        scores=hp.depth_scores,
        w_flood=hp.w_flood,
        w_geo=hp.w_geo,
        w_zone=hp.w_zone,
        w_points=hp.w_points,
        fractions_by_T=flood_fractions,
    )
    n = len(units)
    pos = np.asarray(piece_positions, dtype=np.int64)
    ok = pos >= 0
    pop = np.bincount(pos[ok], weights=pieces["population"].to_numpy(float)[ok], minlength=n)
    rural_pop = np.bincount(
        pos[ok],
        weights=(pieces["population"] * pieces["rural"]).to_numpy(float)[ok],
        minlength=n,
    )
    rural_share = np.divide(rural_pop, pop, out=np.zeros(n), where=pop > 0)
    if "population" in units.columns:  # villages: their own count, even where clipped
        pop = pd.to_numeric(units["population"], errors="coerce").fillna(0.0).to_numpy(float)
    ep = p.exposure
    w = None
    if enterprises is not None and len(enterprises):
        w = enterprise_weights(
            enterprises,
            category_weights=ep.category_weights,
            above_scale_factor=ep.above_scale_factor,
            major_hazard_bonus=ep.major_hazard_bonus,
        )
    sums = enterprise_sums(
        units, enterprises, weights=w, exposed_site=exposed_site, positions=enterprise_positions
    )
    E = exposure_index(
        units,
        pop,
        sums,
        w_population=ep.w_population,
        w_enterprises=ep.w_enterprises,
        w_employees=ep.w_employees,
    )
    vp = p.vulnerability
    V = vulnerability_index(
        sums, rural_share, w_hazardous=vp.w_hazardous, w_site=vp.w_site, w_rural=vp.w_rural
    )
    cp = p.capacity
    C = capacity_index(
        units,
        pieces,
        unit_positions=pos,
        reference_minutes=cp.reference_minutes,
        quantile=cp.quantile,
        w_mean=cp.w_mean,
        w_p95=cp.w_p95,
        w_shelter=cp.w_shelter,
    )
    out = units.copy()
    out["area_km2"] = units.geometry.area.to_numpy() / 1e6
    for df in (H, sums, E, V, C):
        for col in df.columns:
            out[col] = df[col].to_numpy()
    return out


def factor_weights(
    factors: pd.DataFrame, params: WeightingParams | None = None
) -> tuple[pd.Series, Any]:
    """Weights of H, E, V, C by AHP (default), entropy or explicit values.

    Entropy weights are computed on ``factors`` (the village level in
    :func:`assess_risk`), with C lowering risk.

    Returns
    -------
    tuple
        ``(weights, ahp_result_or_None)``; the weights sum to 1, indexed H, E, V, C.
    """
    from gistool import risk

    p = params or WeightingParams()
    if p.method == "ahp":
        res = risk.ahp_weights([list(r) for r in p.ahp_matrix], labels=list(FACTOR_NAMES))
        return res.weights.reindex(list(FACTOR_NAMES)), res
    if p.method == "entropy":
        w = risk.entropy_weights(factors[list(FACTOR_NAMES)], directions={"C": -1})
        return w.reindex(list(FACTOR_NAMES)), None
    w = risk.explicit_weights(p.explicit or {})
    missing = [f for f in FACTOR_NAMES if f not in w.index]
    if missing:
        msg = f"assess config key 'weighting.explicit' lacks factors {missing}; give H, E, V and C"
        raise ConfigError(msg)
    return w.reindex(list(FACTOR_NAMES)), None


def score_level(
    units: gpd.GeoDataFrame,
    weights: pd.Series,
    *,
    params: AssessParams | None = None,
) -> gpd.GeoDataFrame:
    """Risk index, five levels, rank, driver and level stability of one unit layer.

    ``x' = normalize([H, E, V, C])`` (min–max by default; C reversed so that
    the column holds ``1 − C_norm``), then the composite
    ``R = Π_k max(x'_k, floor)^{w_k}`` (the weighted geometric mean form of
    ``R = H·E·V·(1−C)``) or ``R = Σ_k w_k x'_k``; levels by natural breaks;
    ``rank`` 1 = highest index and ``driver`` = the factor with the largest
    weighted normalised value ``w_k·x'_k`` (:func:`gistool.ranking.rank_units`);
    ``level_stability`` = share of Dirichlet-perturbed weight draws that keep
    the unit at its level, with the 5–95 % rank interval ``rank_p05`` /
    ``rank_p95`` (:func:`gistool.sensitivity.weight_sensitivity`).
    """
    from gistool import risk
    from gistool.classify import classify
    from gistool.ranking import rank_units
    from gistool.sensitivity import weight_sensitivity

    p = params or AssessParams()
    f = units[list(FACTOR_NAMES)].astype(float)
    norm = risk.normalize(f, method=p.index.normalization, directions={"C": -1})
    ri = risk.composite_index(norm, weights, method=p.index.method, floor=p.index.floor)
    out = units.copy()
    for k in FACTOR_NAMES:
        out[f"{k}_norm"] = norm[k].to_numpy()
    out["risk_index"] = ri.to_numpy()
    kw: dict[str, Any] = {"method": p.classification.method}
    if p.classification.breaks is not None:
        kw["breaks"] = list(p.classification.breaks)
    cls = classify(out["risk_index"].to_numpy(float), k=len(RISK_LEVELS), **kw)
    out["risk_level"] = cls.levels
    names = np.array([""] + [RISK_LEVELS[k][0] for k in sorted(RISK_LEVELS)], dtype=object)
    out["risk_level_name"] = names[np.asarray(cls.levels, dtype=np.int64)]
    out.attrs["risk_breaks"] = cls.breaks.tolist()
    out.attrs["risk_method"] = cls.method
    ranked = rank_units(out, weights=weights, directions={"C": -1})
    out["rank"] = ranked["rank"].to_numpy()
    out["driver"] = ranked["driver"].to_numpy()
    out["driver_name"] = ranked["driver_name"].to_numpy()
    if p.sensitivity.draws == 0:
        out["level_stability"] = 1.0
        out["rank_p05"] = out["rank_p95"] = out["rank"]
        return out
    sens = weight_sensitivity(
        norm,
        weights,
        draws=p.sensitivity.draws,
        concentration=p.sensitivity.concentration,
        seed=p.sensitivity.seed,
        method=p.index.method,
        floor=p.index.floor,
        classify_kw=kw,
    )
    for col in ("level_stability", "rank_p05", "rank_p95"):
        out[col] = sens[col].to_numpy()
    return out


def _zones(grid: gpd.GeoDataFrame, params: AssessParams) -> gpd.GeoDataFrame:
    """Zones from the classified grid (:func:`gistool.zoning.make_zones`)."""
    from gistool.zoning import make_zones

    return make_zones(
        grid,
        min_area=params.zoning.min_area_km2 * 1e6,
        population="population",
        enterprises="n_enterprises",
    )


# ----------------------------------------------------------------------------- main


def _nested_positions(
    outer: gpd.GeoDataFrame, inner: gpd.GeoDataFrame, inner_key: str, outer_key: str = "code"
) -> np.ndarray | None:
    """Position in ``outer`` of each ``inner`` unit when the inner units tile the outer ones.

    Inner unit i belongs to the outer unit whose ``outer_key`` equals its
    ``inner_key`` (e.g. a village's ``township_code``). Returns ``None``
    unless, for every outer unit, the area of its inner units inside it equals
    its own area within 0.1 % — then sums over inner units are exact.
    """
    import shapely

    if inner_key not in inner.columns or outer_key not in outer.columns:
        return None
    pos = _group_positions(inner[inner_key].to_numpy(), outer[outer_key])
    if (pos < 0).any():
        return None
    # area of each inner unit inside its own outer unit (one overlay per inner
    # unit, none for those lying within it), not every intersecting pair
    og = outer.geometry.to_numpy()
    ig = inner.geometry.to_numpy()
    mine = og[pos]
    shapely.prepare(og)
    a = shapely.area(ig)
    cut = ~shapely.contains(mine, ig)
    a[cut] = shapely.area(shapely.intersection(mine[cut], ig[cut]))
    inside = np.bincount(pos, weights=a, minlength=len(outer))
    area = outer.geometry.area.to_numpy()
    if np.any(np.abs(inside - area) > 1e-3 * np.maximum(area, 1.0)):
        return None
    return pos


def flood_fractions_by_level(
    data: StudyArea,
    levels: Mapping[str, gpd.GeoDataFrame],
    *,
    breaks: tuple[float, ...] = (0.15, 0.5, 1.0, 2.0),
    rasters: MutableMapping[int, Any] | None = None,
    release: bool = False,
) -> dict[str, dict[int, pd.DataFrame]]:
    """Depth-class fractions of every unit layer for every flood raster.

    Each raster is read once (:func:`gistool.hazard.read_raster`), when its
    turn comes, and dropped before the next, so one band is in memory at a
    time; ``rasters`` (return period → raster already read, or a path) shares
    rasters the caller has read (default: every ``data.flood_depth`` path),
    and those already read are used first. With ``release=True`` the mapping
    is handed over (emptied at once), so a band the caller read is freed after
    its turn instead of staying in memory while the others are read.
    Grid cells use block sums (:func:`gistool.hazard.grid_class_fractions`);
    other layers get one exact coverage per raster grid, reused for every
    return period (:func:`gistool.hazard.flood_class_fractions`); townships
    that are tiled by their villages are summed from the village results
    (:func:`gistool.hazard.aggregate_fractions`, exact), otherwise covered
    themselves.

    Returns
    -------
    dict
        Layer name → return period → fractions (``frac_c1 …``, ``frac_wet``).
    """
    from gistool import overlay
    from gistool.hazard import (
        aggregate_fractions,
        flood_class_fractions,
        grid_class_fractions,
        read_raster,
    )

    out: dict[str, dict[int, pd.DataFrame]] = {name: {} for name in levels}
    if not data.flood_depth:
        return out
    # a raster given as a path is read when its turn comes; one raster in memory
    # at a time (those passed in already read stay held by the caller)
    given = dict(rasters) if rasters is not None else dict(sorted(data.flood_depth.items()))
    if release and rasters is not None:
        rasters.clear()
    # rasters already read first (then dropped), the others read in turn
    given = dict(sorted(given.items(), key=lambda kv: (isinstance(kv[1], (str, Path)), kv[0])))
    nested = None
    if "townships" in levels and "villages" in levels:
        nested = _nested_positions(levels["townships"], levels["villages"], "township_code")
    covs: dict[Any, Any] = {}
    # townships last: they may be summed from the villages
    order = sorted(levels, key=lambda n: n == "townships" and nested is not None)
    for T in list(given):
        raster = given.pop(T)
        if isinstance(raster, (str, Path)):
            raster = read_raster(raster)
        for name in order:
            units = levels[name]
            if name == "grid" and "row" in units.columns:
                out[name][T] = grid_class_fractions(units, raster, breaks=breaks)
                continue
            if name == "townships" and nested is not None:
                v = levels["villages"]
                agg = aggregate_fractions(
                    out["villages"][T],
                    v.geometry.area.to_numpy(),
                    nested,
                    units.geometry.area.to_numpy(),
                )
                agg.index = units.index
                out[name][T] = agg
                continue
            key = (name, raster[1].key())
            if key not in covs:
                covs[key] = overlay.coverage(units, raster[1])
            out[name][T] = flood_class_fractions(units, raster, breaks=breaks, coverage=covs[key])
        del raster
    return {name: {T: res[T] for T in sorted(res)} for name, res in out.items()}


def _check_data(data: StudyArea) -> None:
    if not isinstance(data, StudyArea):
        msg = (
            f"assess_risk needs a StudyArea (e.g. gistool.load_changge()), "
            f"not {type(data).__name__}"
        )
        raise SchemaError(msg)
    for name in ("boundary", "townships", "villages"):
        gdf = getattr(data, name)
        if gdf is None or len(gdf) == 0:
            msg = f"{describe_source(layer=name)} is missing or empty; assess_risk needs it"
            raise SchemaError(msg)
        if gdf.crs is None or gdf.crs != data.crs:
            msg = (
                f"{describe_source(layer=name)} is in {gdf.crs}, the study area in {data.crs}; "
                "project every layer to the working CRS with .to_crs()"
            )
            raise SchemaError(msg)


def rescue_targets(data: StudyArea, pieces: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """All rescue targets in one point layer: population pieces first, then enterprises."""
    geoms = [pieces.geometry]
    if data.enterprises is not None and len(data.enterprises):
        geoms.append(data.enterprises.geometry)
    return gpd.GeoDataFrame(geometry=pd.concat(geoms, ignore_index=True), crs=data.crs)


def attach_rescue(
    pieces: gpd.GeoDataFrame,
    minutes: pd.DataFrame,
    facilities: gpd.GeoDataFrame | None,
    params: CapacityParams | None = None,
) -> gpd.GeoDataFrame:
    """Pieces with ``minutes_normal``, ``minutes_flood`` (the first ``len(pieces)``
    rows of ``minutes``) and ``shelter_share`` (:func:`gistool.capacity.shelter_share`)."""
    from gistool.capacity import shelter_share

    p = params or CapacityParams()
    out = pieces.copy()
    n_p = len(out)
    out["minutes_normal"] = minutes["minutes_normal"].to_numpy()[:n_p]
    out["minutes_flood"] = minutes["minutes_flood"].to_numpy()[:n_p]
    out["shelter_share"] = shelter_share(
        out,
        facilities,
        population=out["population"],
        max_distance_m=p.shelter_max_distance_m,
    )
    return out


def enterprise_list(
    data: StudyArea,
    minutes: pd.DataFrame | None,
    params: AssessParams | None = None,
    *,
    depth_raster: Any = None,
) -> tuple[gpd.GeoDataFrame | None, np.ndarray | None, Any]:
    """Four-colour list of the enterprises and their exposed-site flags.

    Parameters
    ----------
    data
        The study area.
    minutes
        Per-enterprise rescue minutes (``minutes_normal``, ``minutes_flood``,
        ``facility_id``), one row per enterprise in order, or ``None``.
    params
        Parameters.
    depth_raster
        The four-colour return period's depth raster, already read
        (``(array, RasterGrid, nodata)``); default: read from ``data``.

    Returns
    -------
    tuple
        ``(four_colour_list or None, exposed_site or None, FourColourRules)``;
        ``exposed_site`` = 100-year depth ≥ ``vulnerability.site_depth_m`` or
        inside a high-susceptibility zone (feeds V).
    """
    from gistool.enterprise import FourColourRules, four_colour

    p = params or AssessParams()
    fc = p.four_colour
    rules = FourColourRules.with_thresholds(
        flood_depth_m=fc.flood_depth_m,
        hazard_point_m=fc.hazard_point_m,
        access_minutes=fc.access_minutes,
    )
    ent = data.enterprises
    if ent is None or len(ent) == 0:
        return None, None, rules
    if depth_raster is None:
        _, depth_raster = data.flood_scenario(fc.return_period)
    acc = None if minutes is None else minutes["minutes_flood"].to_numpy()
    enterprises = four_colour(
        ent,
        flood_depth_100=depth_raster,
        geohazard_zones=data.geohazard_zones,
        geohazard_points=data.geohazard_points,
        access_minutes=acc,
        rules=rules,
    )
    if minutes is not None:
        enterprises["access_minutes_normal"] = minutes["minutes_normal"].to_numpy()
        enterprises["rescue_facility_id"] = minutes["facility_id"].to_numpy()
    depth = np.nan_to_num(enterprises["flood_depth_100"].to_numpy(float), nan=0.0)
    exposed = (depth >= p.vulnerability.site_depth_m) | enterprises["in_high_zone"].to_numpy(bool)
    return enterprises, exposed, rules


def unit_levels(
    data: StudyArea, grid: gpd.GeoDataFrame, pieces: gpd.GeoDataFrame
) -> dict[str, tuple[gpd.GeoDataFrame, np.ndarray]]:
    """The three unit layers (villages first) with the position of each piece in each."""
    return {
        "villages": (
            data.villages,
            _group_positions(pieces["village_code"], data.villages["code"]),
        ),
        "townships": (
            data.townships,
            _group_positions(pieces["township_code"], data.townships["code"]),
        ),
        "grid": (grid, _group_positions(pieces["cell_id"], grid["cell_id"])),
    }


def score_levels(
    data: StudyArea,
    grid: gpd.GeoDataFrame,
    pieces: gpd.GeoDataFrame,
    fractions: Mapping[str, Mapping[int, pd.DataFrame]],
    *,
    enterprises: gpd.GeoDataFrame | None = None,
    exposed: np.ndarray | None = None,
    params: AssessParams | None = None,
) -> tuple[dict[str, gpd.GeoDataFrame], pd.Series, Any]:
    """Indicators, weights and scores of the three unit layers.

    :func:`level_indicators` per layer, :func:`factor_weights` on the
    villages, :func:`score_level` per layer; the enterprises (modified in
    place) get their ``village_code`` and ``village_risk_level``.

    Returns
    -------
    tuple
        ``({"villages": …, "townships": …, "grid": …}, weights, ahp_or_None)``.
    """
    from gistool.hazard import assign_points

    p = params or AssessParams()
    # enterprises → villages once: village sums and the enterprises' village columns
    vpos = None if enterprises is None else assign_points(enterprises, data.villages)
    ind: dict[str, gpd.GeoDataFrame] = {}
    for name, (units, pos) in unit_levels(data, grid, pieces).items():
        ind[name] = level_indicators(
            units,
            data=data,
            pieces=pieces,
            piece_positions=pos,
            enterprises=enterprises,
            exposed_site=exposed,
            flood_fractions=dict(fractions.get(name) or {}) or None,
            params=p,
            enterprise_positions=vpos if name == "villages" else None,
        )
    weights, ahp = factor_weights(ind["villages"], p.weighting)
    scored = {name: score_level(gdf, weights, params=p) for name, gdf in ind.items()}
    if enterprises is not None and vpos is not None:
        codes = scored["villages"]["code"].astype(str).to_numpy()
        lv = scored["villages"]["risk_level"].to_numpy()
        enterprises["village_code"] = np.where(vpos >= 0, codes[np.maximum(vpos, 0)], None)
        enterprises["village_risk_level"] = np.where(vpos >= 0, lv[np.maximum(vpos, 0)], 0)
    return scored, weights, ahp


def reachability_table(
    targets: gpd.GeoDataFrame,
    pieces: gpd.GeoDataFrame,
    enterprises: gpd.GeoDataFrame | None,
    minutes: pd.DataFrame,
    source: str,
) -> gpd.GeoDataFrame:
    """One row per rescue target: type, id, population, nearest facility, minutes.

    ``target_id`` is ``"<village code>/<cell id>"`` for population pieces and
    the enterprise ``id``; ``delta`` = flood − normal minutes (NaN when either
    is unreachable); ``isolated_flood`` marks targets reachable normally but
    not under the flood.
    """
    n_p = len(pieces)
    reach = targets.copy()
    reach["target_type"] = ["population"] * n_p + ["enterprise"] * (len(targets) - n_p)
    ids = list(pieces["village_code"].astype(str) + "/" + pieces["cell_id"].astype(str))
    if enterprises is not None:
        ids += list(enterprises["id"].astype(str))
    reach["target_id"] = ids
    reach["population"] = np.r_[pieces["population"].to_numpy(), np.zeros(len(targets) - n_p)]
    for col in ("facility_id", "kind", "minutes_normal", "minutes_flood"):
        reach[col] = minutes[col].to_numpy()
    mn = reach["minutes_normal"].to_numpy(float)
    mf = reach["minutes_flood"].to_numpy(float)
    both = np.isfinite(mn) & np.isfinite(mf)
    reach["delta"] = np.where(both, mf - np.where(both, mn, 0.0), np.nan)
    reach["isolated_flood"] = np.isfinite(mn) & ~np.isfinite(mf)
    reach["source"] = source
    return reach


def assess_risk(
    data: StudyArea,
    config: AssessParams | Mapping[str, Any] | None = None,
    *,
    network: Any = None,
    progress: bool = False,
) -> RiskResult:
    """Assess hazard, exposure, vulnerability, capacity and risk of a study area.

    The sequence is in the module docstring; every step is a function of its
    own (:func:`rescue_targets`, :func:`rescue_minutes`, :func:`attach_rescue`,
    :func:`enterprise_list`, :func:`flood_fractions_by_level`,
    :func:`score_levels`, :func:`reachability_table`). The composite index per
    unit is

    ``R = Π_k max(x'_k, 0.01)^{w_k}``, k ∈ {H, E, V, 1−C}

    on min–max normalised factors with AHP weights (defaults), classified into
    the five census levels by natural breaks.

    Parameters
    ----------
    data
        The study area (e.g. :func:`gistool.load_changge`).
    config
        :class:`AssessParams`, a nested dict of the same keys, or ``None``.
    network
        A prebuilt :class:`gistool.network.RoadGraph` to reuse; ``None`` builds
        one from ``data.roads``; ``False`` uses the straight-line fallback; a
        :class:`gistool.capacity.TravelTimeProvider` (callable) supplies the
        per-target minutes itself.
    progress
        Show a progress bar over the stages.

    Returns
    -------
    RiskResult
    """
    from gistool.hazard import read_raster
    from gistool.units import make_grid_units, population_pieces

    params = AssessParams.from_any(config)
    _check_data(data)
    timings: dict[str, float] = {}
    stages = ["units", "rescue", "enterprises", "indicators", "zones"]
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(stages), desc="assess_risk", unit="stage")
    t = time.perf_counter()

    def tick(name: str) -> None:
        nonlocal t
        now = time.perf_counter()
        timings[name] = now - t
        logger.debug("assess_risk %s: %.2f s", name, now - t)
        t = now
        if bar is not None:
            bar.update(1)

    # 1–2. units and population pieces
    grid = make_grid_units(data.boundary, size=params.grid_size_m)
    pieces = population_pieces(data.villages, grid)
    tick("units")

    # 3. rescue minutes for pieces and enterprises, one solve
    targets = rescue_targets(data, pieces)
    minutes, source = rescue_minutes(data, targets, network=network, params=params.capacity)
    pieces = attach_rescue(pieces, minutes, data.facilities, params.capacity)
    tick("rescue")

    # 4. enterprises: four-colour list and site facts (each raster read once)
    # only the four-colour raster is read here; the flood overlay reads the others
    # one at a time (memory bounded by two bands on large areas)
    T4, _ = data.flood_scenario(params.four_colour.return_period)
    rasters: dict[int, Any] = {
        T: read_raster(path) if T == T4 else path for T, path in sorted(data.flood_depth.items())
    }
    enterprises, exposed, rules = enterprise_list(
        data,
        minutes.iloc[len(pieces) :],
        params,
        depth_raster=rasters[T4] if T4 is not None else None,
    )
    tick("enterprises")
    # the flood overlay takes the four-colour band over and frees it after its turn

    # 5–7. flood fractions, indicators, weights, index, levels, ranks
    levels = unit_levels(data, grid, pieces)
    fractions = flood_fractions_by_level(
        data,
        {name: units for name, (units, _) in levels.items()},
        breaks=params.hazard.depth_breaks,
        rasters=rasters,
        release=True,
    )
    scored, weights, ahp = score_levels(
        data, grid, pieces, fractions, enterprises=enterprises, exposed=exposed, params=params
    )
    tick("indicators")

    # 8. zones
    zones = _zones(scored["grid"], params)
    tick("zones")
    if bar is not None:
        bar.close()
    timings["total"] = float(sum(timings.values()))
    return RiskResult(
        townships=scored["townships"],
        villages=scored["villages"],
        grid=scored["grid"],
        zones=zones,
        enterprises=enterprises,
        weights=weights,
        ahp=ahp,
        rules=rules.table(),
        params=params,
        reachability=reachability_table(targets, pieces, enterprises, minutes, source),
        timings=timings,
    )
