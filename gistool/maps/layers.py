"""Drawing of common layers: roads by class, rivers, facilities."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np

from gistool.labels import FACILITY_KINDS
from gistool.maps import elements
from gistool.maps.paths import add_lines

__all__ = ["FACILITY_SYMBOLS", "draw_facilities", "draw_rivers", "draw_roads"]

# road class → (line width in points on A4, colour)
_ROAD_STYLE: dict[str, tuple[float, str]] = {
    "expressway": (1.6, "#8c6d31"),
    "national": (1.2, "#a0522d"),
    "provincial": (1.0, "#a0522d"),
    "county": (0.7, "#777777"),
    "urban_arterial": (0.7, "#777777"),
    "township": (0.45, "#999999"),
    "urban_local": (0.35, "#aaaaaa"),
    "village": (0.25, "#bbbbbb"),
}

#: Facility kind → (marker, colour).
FACILITY_SYMBOLS: dict[str, tuple[str, str]] = {
    "fire_station": ("^", "#d7301f"),
    "rescue_team": ("s", "#6a3d9a"),
    "hospital": ("P", "#1b9e77"),
    "shelter": ("D", "#66a61e"),
    "depot": ("p", "#8c510a"),
}


def draw_roads(ax: Any, roads: gpd.GeoDataFrame | None, scale: float = 1.0) -> list:
    """Roads drawn thin to thick (village → expressway); returns legend items of major classes.

    Each class is one compound path (:func:`gistool.maps.paths.add_lines`).
    """
    from gistool.labels import ROAD_CLASSES

    if roads is None or not len(roads):
        return []
    cls = roads["road_class"].astype(str).to_numpy() if "road_class" in roads else \
        np.full(len(roads), "village")
    items = []
    for c in reversed(list(_ROAD_STYLE)):
        m = cls == c
        if not m.any():
            continue
        width, colour = _ROAD_STYLE[c]
        add_lines(ax, roads.geometry.to_numpy()[m], color=colour, linewidth=width * scale,
                  zorder=8)
        if c in ("expressway", "national", "provincial", "county"):
            items.append((elements.line(colour, width=width * scale), ROAD_CLASSES[c][0]))
    other = ~np.isin(cls, list(_ROAD_STYLE))
    if other.any():
        add_lines(ax, roads.geometry.to_numpy()[other], color="#bbbbbb", linewidth=0.3 * scale,
                  zorder=8)
    items.reverse()
    return items


def draw_rivers(page: Any, ax: Any, rivers: gpd.GeoDataFrame | None, *, names: bool = True) -> list:
    """Rivers as blue lines, named at 40 % of their length; returns the legend item."""
    if rivers is None or not len(rivers):
        return []
    add_lines(ax, rivers.geometry, color="#2b8cbe", linewidth=1.1 * page.size, zorder=12)
    if names and "name" in rivers.columns:
        import shapely

        fp = elements.font_properties(page.fontsize("label") * 0.95, weight="normal")
        geoms = rivers.geometry.to_numpy()
        mids = shapely.line_interpolate_point(geoms, 0.4, normalized=True)
        xy = shapely.get_coordinates(mids)
        for (x, y), name in zip(xy, rivers["name"].astype(str), strict=True):
            elements.haloed_text(ax, x, y, name, ha="center", va="bottom", fontproperties=fp,
                                 color="#08519c", zorder=41, width=2.0, clip_on=True)
    return [(elements.line("#2b8cbe", width=1.1 * page.size), "河流")]


def draw_facilities(page: Any, ax: Any, facilities: gpd.GeoDataFrame | None,
                    kinds: tuple[str, ...] = ("fire_station", "rescue_team")) -> list:
    """Facilities of ``kinds`` by symbol; returns legend items with counts."""
    if facilities is None or not len(facilities) or "kind" not in facilities.columns:
        return []
    kind = facilities["kind"].astype(str).to_numpy()
    xy = elements.as_points(facilities)
    items = []
    for k in kinds:
        m = kind == k
        shape, colour = FACILITY_SYMBOLS.get(k, ("o", "#444444"))
        size = 7.0 * page.size
        if m.any():
            ax.plot(xy[m, 0], xy[m, 1], linestyle="none", marker=shape, markersize=size,
                    markerfacecolor=colour, markeredgecolor="white",
                    markeredgewidth=0.8 * page.size, zorder=35)
        items.append((elements.marker(colour, shape=shape, size=size, edge="white",
                                      edgewidth=0.8),
                      elements.count_label(FACILITY_KINDS.get(k, k), int(m.sum()))))
    return items
