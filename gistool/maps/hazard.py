"""Hazard overview: flood depth, geohazard zones and points, rivers."""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import geopandas as gpd

from gistool.labels import GEOHAZARD_TYPES, SUSCEPTIBILITY
from gistool.maps import elements
from gistool.maps._prepare import prepare, require_columns
from gistool.maps.compose import finish_page, start_page
from gistool.maps.flood import flood_depth_path
from gistool.maps.fonts import map_style
from gistool.maps.layers import draw_rivers
from gistool.maps.paths import add_polygons
from gistool.maps.raster import draw_depth

if TYPE_CHECKING:
    from gistool.maps.figure import MapFigure

__all__ = ["GEOHAZARD_SYMBOLS", "SUSCEPTIBILITY_COLOURS", "hazard_overview_map"]

#: Susceptibility class → fill colour (drawn semi-transparent).
SUSCEPTIBILITY_COLOURS: dict[str, str] = {"high": "#b2182b", "medium": "#ef8a62",
                                          "low": "#fddbc7"}

#: Geohazard type → (marker, colour).
GEOHAZARD_SYMBOLS: dict[str, tuple[str, str]] = {
    "collapse": ("^", "#8c2d04"),
    "landslide": ("v", "#cc4c02"),
    "subsidence": ("o", "#54278f"),
    "fissure": ("s", "#252525"),
    "debris_flow": ("D", "#7f2704"),
}


def hazard_overview_map(
    flood_depth: str | os.PathLike[str] | None = None,
    *,
    geohazard_points: gpd.GeoDataFrame | None = None,
    geohazard_zones: gpd.GeoDataFrame | None = None,
    rivers: gpd.GeoDataFrame | None = None,
    return_period: int = 100,
    area: Any = None,
    townships: gpd.GeoDataFrame | None = None,
    boundary: gpd.GeoDataFrame | None = None,
    page: str = "A4",
    title: str | None = None,
    data_note: str | None = None,
    synthetic: bool | None = None,
    sources: str | Sequence[str] | None = None,
    date: _dt.date | str | None = None,
) -> MapFigure:
    """Hazard overview (灾害隐患分布图): flood depth, geohazard zones and points, rivers.

    Parameters
    ----------
    flood_depth
        Depth GeoTIFF (m); default the area's ``return_period`` raster.
    geohazard_points
        Points with ``hazard_type`` (collapse, landslide, subsidence, fissure,
        debris_flow); symbol by type, legend with counts.
    geohazard_zones
        Polygons with ``susceptibility`` (high, medium, low), drawn semi-transparent.
    rivers
        River lines, named.
    return_period
        Return period (years) of the depth drawn (legend title, area raster).
    area, townships, boundary, page, title, data_note, synthetic, sources, date
        As in :func:`gistool.maps.risk_zoning_map`; layers default to the area's.

    Returns
    -------
    gistool.maps.figure.MapFigure
        A :class:`matplotlib.figure.Figure`.
    """
    if area is not None:
        geohazard_points = area.geohazard_points if geohazard_points is None else geohazard_points
        geohazard_zones = area.geohazard_zones if geohazard_zones is None else geohazard_zones
        rivers = area.rivers if rivers is None else rivers
    path = flood_depth_path(flood_depth, area, return_period) if (
        flood_depth is not None or getattr(area, "flood_depth", None)) else None
    inputs = prepare(
        {"points": geohazard_points, "zones": geohazard_zones, "rivers": rivers},
        area=area, townships=townships, boundary=boundary,
        source_keys=("flood_depth", "geohazard_points", "geohazard_zones", "rivers"),
        synthetic=synthetic, sources=sources, data_note_text=data_note, date=date,
    )
    pts, zones = inputs.layers["points"], inputs.layers["zones"]
    if pts is not None:
        require_columns("geohazard_points", pts, ["hazard_type"])
    if zones is not None:
        require_columns("geohazard_zones", zones, ["susceptibility"])
    name = getattr(area, "name", "") or ""
    with map_style():
        mp = start_page(inputs, page)
        ax = mp.maps[0]
        legends = []
        if zones is not None and len(zones):
            sus = zones["susceptibility"].astype(str).to_numpy()
            items = []
            for k, (zh, _) in SUSCEPTIBILITY.items():
                m = sus == k
                colour = SUSCEPTIBILITY_COLOURS[k]
                if m.any():
                    add_polygons(ax, zones.geometry.to_numpy()[m], color=colour, alpha=0.55,
                                 edgecolor=colour, linewidth=0.6, zorder=3, merge=False)
                    items.append((elements.patch(colour, alpha=0.55, edge=colour), zh))
            legends.append(("地质灾害易发区", items))
        if path is not None:
            legends.insert(0, (f"{return_period}年一遇淹没水深",
                               draw_depth(ax, path, inputs.crs, zorder=4)))
        river_items = draw_rivers(mp, ax, inputs.layers["rivers"])
        if pts is not None and len(pts):
            kind = pts["hazard_type"].astype(str).to_numpy()
            xy = elements.as_points(pts)
            items = []
            known = [k for k in GEOHAZARD_TYPES if (kind == k).any()]
            others = sorted(set(kind) - set(GEOHAZARD_TYPES))
            for k in [*known, *others]:
                m = kind == k
                shape, colour = GEOHAZARD_SYMBOLS.get(k, ("*", "#000000"))
                size = 6.0 * mp.size
                ax.plot(xy[m, 0], xy[m, 1], linestyle="none", marker=shape, markersize=size,
                        markerfacecolor=colour, markeredgecolor="white",
                        markeredgewidth=0.6 * mp.size, zorder=35)
                items.append((elements.marker(colour, shape=shape, size=size, edge="white"),
                              elements.count_label(GEOHAZARD_TYPES.get(k, k), int(m.sum()))))
            legends.append(("地质灾害隐患点", items))
        if river_items:
            legends.append(("水系", river_items))
        fig = finish_page(mp, inputs, title=title or f"{name}自然灾害隐患分布图",
                          subtitle="洪涝淹没、地质灾害易发区与隐患点", legends=legends)
    return fig
