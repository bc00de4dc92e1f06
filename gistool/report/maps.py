"""Render the report's static maps with :mod:`gistool.maps` (when none are given)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["render_maps"]


def render_maps(
    result: Any,
    data: Any,
    network: Mapping[str, Any] | None = None,
    *,
    page: str = "A4",
    date: str | None = None,
) -> dict[str, Any]:
    """The five map figures whose inputs exist, by the names of :data:`MAP_TITLES`.

    - ``risk_zoning`` — :func:`gistool.maps.risk_zoning_map` of the result;
    - ``four_colour`` — :func:`gistool.maps.four_colour_map` of its enterprises;
    - ``flood_scenario`` — :func:`gistool.maps.flood_scenario_map` (needs a
      flood raster; cut roads from ``network["affected_roads"]``, isolated
      targets from ``result.reachability``);
    - ``reachability`` — :func:`gistool.maps.reachability_map` (needs
      ``network["isochrones"]``);
    - ``hazard_overview`` — :func:`gistool.maps.hazard_overview_map`.

    Returns
    -------
    dict
        Name → matplotlib Figure (close them after use).
    """
    from gistool import maps

    net = dict(network or {})
    out: dict[str, Any] = {}
    kw: dict[str, Any] = {"area": data, "page": page}
    if date is not None:
        kw["date"] = date
    out["risk_zoning"] = maps.risk_zoning_map(result, **kw)
    ents = getattr(result, "enterprises", None)
    if ents is not None and len(ents):
        out["four_colour"] = maps.four_colour_map(ents, **kw)
    flood = dict(getattr(data, "flood_depth", {}) or {})
    if flood:
        T = 100 if 100 in flood else max(flood)
        reach = getattr(result, "reachability", None)
        isolated = None
        if reach is not None and "isolated_flood" in reach:
            isolated = reach[reach["isolated_flood"].fillna(False).astype(bool)]
        affected = net.get("affected_roads", net.get("affected"))
        out["flood_scenario"] = maps.flood_scenario_map(
            flood[T], affected_edges=affected, isolated_targets=isolated, return_period=T, **kw
        )
    iso = net.get("isochrones")
    if iso is not None and len(iso):
        out["reachability"] = maps.reachability_map(iso, **kw)
    if flood or getattr(data, "geohazard_points", None) is not None:
        T = 100 if 100 in flood else (max(flood) if flood else 100)
        out["hazard_overview"] = maps.hazard_overview_map(
            flood.get(T), geohazard_points=getattr(data, "geohazard_points", None),
            geohazard_zones=getattr(data, "geohazard_zones", None),
            rivers=getattr(data, "rivers", None), return_period=T, **kw,
        )
    return out
