"""The pipeline stages, each a plain function of its inputs returning storable values.

``load → validate → overlay → network → risk → zoning → outputs``

Every stage returns a ``dict`` of name → GeoDataFrame / DataFrame / ndarray /
JSON value, which :class:`~gistool.pipeline.cache.StageCache` stores. The
dependency graph (:data:`STAGE_INPUTS`) says which input layers, rasters,
configuration sections and upstream stages each stage reads; a stage's cache
key hashes exactly those, so changing the enterprise layer reruns network,
risk, zoning and outputs but not the flood overlay of the villages.

The analysis itself is :func:`gistool.assess_risk`'s, split at its natural
seams (units and flood overlay / rescue minutes / indicators and scores /
zones) so that each part is cached on its own; ``tests/test_pipeline.py``
checks that the staged result equals ``assess_risk`` on the same data.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj

from gistool.area import StudyArea
from gistool.assess import AssessParams, RiskResult
from gistool.config import AreaSpec, Config

__all__ = ["STAGES", "STAGE_INPUTS", "StageInputs"]

log = logging.getLogger(__name__)

#: Stage names, in order.
STAGES: tuple[str, ...] = (
    "load", "validate", "overlay", "network", "risk", "zoning", "outputs"
)


class StageInputs:
    """What one stage depends on (the explicit dependency graph).

    Attributes
    ----------
    layers
        Input layer kinds (``"*"``: all).
    rasters
        ``"flood"`` (every flood-depth raster), ``"dem"`` or ``"*"``.
    sections
        Configuration sections or keys (``"network"``, ``"indicators.hazard"``).
    upstream
        Stages whose results it reads.
    """

    def __init__(
        self,
        layers: tuple[str, ...] = (),
        rasters: tuple[str, ...] = (),
        sections: tuple[str, ...] = (),
        upstream: tuple[str, ...] = (),
    ) -> None:
        self.layers, self.rasters = layers, rasters
        self.sections, self.upstream = sections, upstream


#: The dependency graph. The boundary is an input of every validated layer
#: (features outside it are reported), so it appears wherever layers do.
STAGE_INPUTS: dict[str, StageInputs] = {
    "load": StageInputs(layers=("*",), rasters=("*",)),
    "validate": StageInputs(upstream=("load",), layers=("*",), rasters=("*",)),
    "overlay": StageInputs(
        layers=("boundary", "townships", "villages"),
        rasters=("flood",),
        sections=("units", "indicators.hazard.depth_breaks"),
        upstream=("validate",),
    ),
    "network": StageInputs(
        layers=("boundary", "roads", "facilities", "enterprises"),
        rasters=("flood",),
        sections=("network", "indicators.shelter_max_distance_m"),
        upstream=("overlay",),
    ),
    "risk": StageInputs(
        layers=(
            "boundary", "townships", "villages", "enterprises", "facilities",
            "geohazard_points", "geohazard_zones",
        ),
        rasters=("flood",),
        sections=("units", "indicators", "weights", "classification", "network"),
        upstream=("overlay", "network"),
    ),
    "zoning": StageInputs(sections=("zoning",), upstream=("risk",)),
    "outputs": StageInputs(
        layers=("*",),
        rasters=("*",),
        sections=("maps", "output", "network.flood_return_period"),
        upstream=("risk", "zoning", "network"),
    ),
}


# ----------------------------------------------------------------------------- load


def _layer_files(path: Path) -> list[Path]:
    """The file(s) whose bytes make up a layer (a Shapefile and its sidecars)."""
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file())
    if path.suffix.lower() == ".shp":
        return [
            s for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg")
            if (s := path.with_suffix(ext)).exists()
        ]
    return [path]


def input_files(area: AreaSpec) -> dict[str, list[Path]]:
    """Input name (``layer:<kind>``, ``raster:dem``, ``raster:flood_<T>``) → its files."""
    out: dict[str, list[Path]] = {}
    for kind, spec in area.layers.items():
        out[f"layer:{kind}"] = _layer_files(Path(spec.path))
    if area.rasters.dem is not None:
        out["raster:dem"] = [Path(area.rasters.dem)]
    for T, p in area.rasters.flood_depth.items():
        out[f"raster:flood_{T}"] = [Path(p)]
    return out


def load_stage(area: AreaSpec) -> dict[str, Any]:
    """Read every layer of ``area`` into the working CRS of its boundary.

    The boundary is read first; its CGCS2000 Gauss–Krüger zone
    (:func:`gistool.working_crs`) becomes the CRS of every layer. Rasters are
    checked to be in the same CRS and kept as paths.

    Returns
    -------
    dict
        ``layer_<kind>`` GeoDataFrames and ``meta`` (name, CRS, raster paths,
        synthetic layers, source notes).
    """
    if area.builtin == "changge":
        from gistool.datasets import load_changge

        data = load_changge()
        values: dict[str, Any] = {f"layer_{k}": v for k, v in data.layers().items()}
        values["meta"] = _meta(area.name, data)
        return values
    from gistool.io import read_layer

    def read(kind: str, crs: Any) -> gpd.GeoDataFrame:
        spec = area.layers[kind]
        return read_layer(
            spec.path,
            layer=spec.layer,
            crs=spec.crs,
            coords=spec.coords,
            encoding=spec.encoding,
            columns=spec.columns or None,
            kind=kind,
            to_crs=crs,
        )

    # read_layer strips a zone prefix before choosing the zone (working_crs of the raw
    # prefixed eastings would be a position at infinity)
    boundary = read("boundary", "working")
    crs = boundary.crs
    layers = {"boundary": boundary}
    for kind in area.layers:
        if kind != "boundary":
            layers[kind] = read(kind, crs)
    _check_rasters(area, crs, tuple(float(v) for v in boundary.total_bounds))
    data = StudyArea(
        name=area.name,
        crs=crs,
        dem=area.rasters.dem,
        flood_depth=dict(area.rasters.flood_depth),
        sources={k: Path(area.layers[k].path).name for k in layers},
        **layers,
    )
    values = {f"layer_{k}": _plain_attrs(v) for k, v in layers.items()}
    values["meta"] = _meta(area.name, data)
    values["meta"]["paths"] = {k: str(area.layers[k].path) for k in layers}
    return values


def _plain_attrs(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = gdf.copy()
    out.attrs = {}
    return out


def _check_rasters(
    area: AreaSpec, crs: pyproj.CRS, bounds: tuple[float, float, float, float]
) -> None:
    """Refuse an unreadable, truncated, misplaced or all-nodata raster; warn about NaN/inf.

    See :func:`gistool.io.raster_check.check_raster` (read in strips of rows).
    """
    from gistool.io.raster_check import check_raster

    paths = {"rasters.dem": area.rasters.dem} if area.rasters.dem else {}
    paths.update({f"rasters.flood_depth.{T}": p for T, p in area.rasters.flood_depth.items()})
    for key, path in paths.items():
        check_raster(path, crs=crs, bounds=bounds, key=key)


def _meta(name: str, data: StudyArea) -> dict[str, Any]:
    return {
        "name": name,
        "crs": data.crs.to_wkt(),
        "dem": None if data.dem is None else str(data.dem),
        "flood_depth": {str(T): str(p) for T, p in sorted(data.flood_depth.items())},
        "synthetic": list(data.synthetic),
        "sources": dict(data.sources),
    }


def study_area(values: Mapping[str, Any]) -> StudyArea:
    """Rebuild the :class:`~gistool.area.StudyArea` from load/validate stage values."""
    meta = values["meta"]
    crs = pyproj.CRS.from_wkt(meta["crs"])
    layers = {
        k.removeprefix("layer_"): v for k, v in values.items() if k.startswith("layer_")
    }
    return StudyArea(
        name=meta["name"],
        crs=crs,
        dem=None if meta["dem"] is None else Path(meta["dem"]),
        flood_depth={int(T): Path(p) for T, p in meta["flood_depth"].items()},
        synthetic=tuple(meta["synthetic"]),
        sources=dict(meta["sources"]),
        **layers,
    )


# ----------------------------------------------------------------------------- validate


#: Layers not checked against the boundary: roads, rivers and rescue facilities
#: legitimately extend beyond the study area (help comes from neighbours).
_NO_BOUNDARY_CHECK = ("boundary", "roads", "rivers", "facilities")


def validate_stage(loaded: Mapping[str, Any]) -> dict[str, Any]:
    """Check every layer against its schema (:func:`gistool.validate_layer`) and repair.

    Layers other than :data:`_NO_BOUNDARY_CHECK` are checked against the
    boundary (features outside it are errors or warnings).

    Raises
    ------
    InputError
        The first error of the first layer that has one (one line: file,
        layer, column and fix).
    """
    from gistool.validate import validate_layer

    data = study_area(loaded)
    boundary = data.boundary
    out: dict[str, Any] = {"meta": loaded["meta"]}
    findings = []
    for kind, gdf in data.layers().items():
        rep = validate_layer(
            gdf,
            kind,
            boundary=None if kind in _NO_BOUNDARY_CHECK else boundary,
            source=loaded["meta"].get("paths", {}).get(kind, data.sources.get(kind)),
            layer=kind,
        )
        rep.raise_for_errors()
        out[f"layer_{kind}"] = _plain_attrs(rep.data)
        if len(rep.findings):
            findings.append(rep.findings.assign(layer=kind))
    cols = ["layer", "severity", "check", "column", "count", "message", "fix"]
    table = pd.concat(findings, ignore_index=True) if findings else pd.DataFrame(columns=cols)
    out["findings"] = table[[c for c in cols if c in table.columns]].astype(
        {"count": float} if "count" in table.columns else {}
    )
    return out


# ----------------------------------------------------------------------------- overlay


def overlay_stage(data: StudyArea, params: AssessParams) -> dict[str, Any]:
    """Analysis grid, grid × village population pieces, flood depth-class fractions per level.

    The fractions of villages, townships and grid cells for every flood raster
    (:func:`gistool.assess.flood_fractions_by_level`) are the expensive raster
    overlay; they depend on the unit layers and the rasters only.
    """
    from gistool.assess import flood_fractions_by_level
    from gistool.units import make_grid_units, population_pieces

    grid = make_grid_units(data.boundary, size=params.grid_size_m)
    pieces = population_pieces(data.villages, grid)
    levels = {"villages": data.villages, "townships": data.townships, "grid": grid}
    fractions = flood_fractions_by_level(data, levels, breaks=params.hazard.depth_breaks)
    out: dict[str, Any] = {
        "grid": _plain_attrs(grid),
        "grid_attrs": _jsonable(grid.attrs),
        "pieces": _plain_attrs(pieces),
    }
    for level, by_T in fractions.items():
        for T, fr in by_T.items():
            out[f"flood_{level}_{T}"] = fr
    return out


def _overlay_parts(
    ov: Mapping[str, Any],
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, dict[str, dict[int, pd.DataFrame]]]:
    grid = ov["grid"].copy()
    grid.attrs.update({k: tuple(v) if isinstance(v, list) else v
                       for k, v in ov["grid_attrs"].items()})
    fr: dict[str, dict[int, pd.DataFrame]] = {"villages": {}, "townships": {}, "grid": {}}
    for k, v in ov.items():
        if k.startswith("flood_"):
            level, _, T = k.removeprefix("flood_").rpartition("_")
            fr[level][int(T)] = v
    return grid, ov["pieces"], {lv: dict(sorted(d.items())) for lv, d in fr.items()}


# ----------------------------------------------------------------------------- network


def network_stage(
    data: StudyArea, ov: Mapping[str, Any], params: AssessParams, config: Config
) -> dict[str, Any]:
    """Rescue minutes of every population piece and enterprise, and the reachability layers.

    One travel-time solve under normal and flood conditions
    (:func:`gistool.assess.rescue_minutes`), shelter shares, and — when a road
    layer exists — isochrones from every facility kind, the critical links and
    rescue routes to the most delayed villages.
    """
    from gistool.assess import attach_rescue, rescue_minutes, rescue_targets

    _, pieces, _ = _overlay_parts(ov)
    net = config.network
    targets = rescue_targets(data, pieces)
    graph: Any = False
    if net.use_network and data.roads is not None and len(data.roads):
        from gistool.network import build_road_graph

        graph = build_road_graph(
            data.roads,
            snap_tolerance=net.snap_tolerance_m,
            node_crossings=net.node_crossings,
            speeds=net.speeds or None,
        )
    minutes, source = rescue_minutes(data, targets, network=graph, params=params.capacity)
    out: dict[str, Any] = {
        "minutes": pd.DataFrame(minutes).reset_index(drop=True),
        "pieces": _plain_attrs(attach_rescue(pieces, minutes, data.facilities, params.capacity)),
        "meta": {"source": source},
    }
    if graph is not False:
        out.update(_reach_layers(data, graph, minutes, pieces, config))
    return out


def _reach_layers(
    data: StudyArea,
    graph: Any,
    minutes: pd.DataFrame,
    pieces: gpd.GeoDataFrame,
    config: Config,
) -> dict[str, gpd.GeoDataFrame]:
    """Flooded roads, isochrones, critical links and routes of the run.

    One call of :func:`gistool.network.reachability_layers` (the network API's own).

    The population pieces are the targets (weighted by population) and their
    rescue minutes, already solved, choose the routes; critical links and
    routes are those of the flood scenario (the normal network without one).
    """
    from gistool.network import reachability_layers

    net = config.network
    if data.facilities is None or not len(data.facilities):
        return {}
    T, _ = data.flood_scenario(net.flood_return_period)
    n_p = len(pieces)
    targets = pieces.assign(
        target_id=pieces["village_code"].astype(str) + "/" + pieces["cell_id"].astype(str)
    )
    access = pd.DataFrame({
        "target_id": targets["target_id"].to_numpy(),
        "facility_id": minutes["facility_id"].to_numpy()[:n_p],
        "minutes_normal": minutes["minutes_normal"].to_numpy(float)[:n_p],
        "minutes_flood": minutes["minutes_flood"].to_numpy(float)[:n_p],
    })
    access = gpd.GeoDataFrame(access, geometry=pieces.geometry.to_numpy(), crs=pieces.crs)
    wanted = [
        name for name, on in (("flooded_roads", T is not None), ("isochrones", net.isochrones),
                              ("critical_links", net.critical_links > 0),
                              ("routes", net.routes > 0))
        if on
    ]
    out = reachability_layers(
        data, graph=graph, flood_rp=T, thresholds=net.thresholds_min,
        rescue_kinds=net.kinds, isochrone_kinds=net.kinds, n_routes=net.routes,
        critical_top=net.critical_links, max_distance=net.snap_max_distance_m,
        offroad_speed_kmh=net.offroad_speed_kmh, cut_depth=net.cut_depth,
        slow_depth=net.slow_depth, slow_factor=net.slow_factor, targets=targets,
        access=access, scenarios=("flood",), layers=wanted,
    )
    if "flooded_roads" in out:
        out["flood_edges"] = out.pop("flooded_roads")
    return out


# ----------------------------------------------------------------------------- risk


def risk_stage(
    data: StudyArea,
    ov: Mapping[str, Any],
    nv: Mapping[str, Any],
    params: AssessParams,
) -> dict[str, Any]:
    """Four-colour enterprise list, H/E/V/C indicators, weights, index, levels, ranks.

    :func:`gistool.assess_risk` steps 4–7 on the cached overlay (grid, flood
    fractions) and network (rescue minutes, pieces with access) results.
    """
    from gistool import assess

    grid, _, fractions = _overlay_parts(ov)
    pieces = nv["pieces"]
    minutes = nv["minutes"]
    n_p = len(pieces)
    enterprises, exposed, rules = assess.enterprise_list(
        data, minutes.iloc[n_p:], params
    )
    scored, weights, ahp = assess.score_levels(
        data, grid, pieces, fractions, enterprises=enterprises, exposed=exposed, params=params
    )
    targets = assess.rescue_targets(data, pieces)
    reach = assess.reachability_table(targets, pieces, enterprises, minutes, nv["meta"]["source"])
    out: dict[str, Any] = {name: _plain_attrs(g) for name, g in scored.items()}
    out["attrs"] = {name: _jsonable(g.attrs) for name, g in scored.items()}
    out["weights"] = {k: float(v) for k, v in weights.items()}
    out["ahp"] = _ahp_json(ahp)
    out["rules"] = rules.table()
    out["reachability"] = reach
    if enterprises is not None:
        out["enterprises"] = _plain_attrs(enterprises)
    return out


def _jsonable(attrs: Mapping[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in attrs.items():
        if isinstance(v, np.ndarray):
            v = v.tolist()
        out[str(k)] = v
    return out


def _ahp_json(ahp: Any) -> dict[str, Any] | None:
    if ahp is None:
        return None
    return {
        "weights": {str(k): float(v) for k, v in ahp.weights.items()},
        "lambda_max": float(ahp.lambda_max),
        "ci": float(ahp.ci),
        "cr": float(ahp.cr),
        "consistent": bool(ahp.consistent),
        "ri": float(ahp.ri),
        "matrix": None if ahp.matrix is None else ahp.matrix.to_numpy().tolist(),
        "labels": [str(x) for x in ahp.weights.index],
    }


def _ahp_from_json(d: Mapping[str, Any] | None) -> Any:
    if d is None:
        return None
    from gistool.risk import AHPResult

    labels = d["labels"]
    matrix = None
    if d["matrix"] is not None:
        matrix = pd.DataFrame(d["matrix"], index=labels, columns=labels)
    return AHPResult(
        weights=pd.Series(d["weights"]).reindex(labels),
        lambda_max=d["lambda_max"],
        ci=d["ci"],
        cr=d["cr"],
        consistent=d["consistent"],
        ri=d["ri"],
        matrix=matrix,
    )


# ----------------------------------------------------------------------------- zoning


def zoning_stage(risk: Mapping[str, Any], params: AssessParams) -> dict[str, Any]:
    """Zones: contiguous grid cells of one level dissolved, slivers merged."""
    from gistool.zoning import make_zones

    zones = make_zones(
        risk["grid"],
        min_area=params.zoning.min_area_km2 * 1e6,
        population="population",
        enterprises="n_enterprises",
    )
    return {"zones": _plain_attrs(zones)}


def risk_result(
    risk: Mapping[str, Any], zoning: Mapping[str, Any], params: AssessParams
) -> RiskResult:
    """The :class:`~gistool.assess.RiskResult` from the risk and zoning stage values."""
    levels = {}
    for name in ("townships", "villages", "grid"):
        g = risk[name].copy()
        g.attrs.update(risk["attrs"].get(name, {}))
        levels[name] = g
    return RiskResult(
        townships=levels["townships"],
        villages=levels["villages"],
        grid=levels["grid"],
        zones=zoning["zones"],
        enterprises=risk.get("enterprises"),
        weights=pd.Series(risk["weights"]).reindex(["H", "E", "V", "C"]),
        ahp=_ahp_from_json(risk["ahp"]),
        rules=risk["rules"],
        params=params,
        reachability=risk.get("reachability"),
    )
