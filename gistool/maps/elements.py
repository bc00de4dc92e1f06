"""Map furniture: title, township boundaries and names, north arrow, scale bar, legends, notes.

All sizes are in points or axes fractions, so a map looks the same on A4 and
A3 and at any dpi; fonts are scaled by the page (:class:`MapPage.size`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from gistool.maps.fonts import font_properties
from gistool.maps.layout import MapPage
from gistool.maps.notes import wrap_text
from gistool.maps.paths import add_lines, polygon_paths

__all__ = [
    "add_legends",
    "add_north_arrow",
    "add_notes",
    "add_scale_bar",
    "add_title",
    "clip_to",
    "draw_boundaries",
    "halo",
    "haloed_text",
    "nice_scale_length",
]

LegendSection = tuple[str, Sequence[tuple[Any, str]]]


def halo(width: float = 2.5) -> list:
    """Path effect drawing a white halo behind text (legible over any fill)."""
    from matplotlib import patheffects

    return [patheffects.withStroke(linewidth=width, foreground="white")]


def haloed_text(ax: Any, x: float, y: float, s: str, *, width: float = 2.5,
                zorder: float = 40, **kw: Any) -> Any:
    """Text over a white halo, the halo drawn as a separate stroked copy beneath.

    Path effects turn text into outlines; keeping the halo on its own copy
    leaves the visible text real text (selectable and searchable in the PDF).
    Returns the visible text.
    """
    from matplotlib import patheffects

    under = {k: v for k, v in kw.items() if k != "color"}
    ax.text(x, y, s, color="white", zorder=zorder - 0.01,
            path_effects=[patheffects.Stroke(linewidth=width, foreground="white")], **under)
    return ax.text(x, y, s, zorder=zorder, **kw)


def add_title(page: MapPage, title: str, subtitle: str | None = None) -> None:
    """The title, centred over the page top; an optional smaller subtitle below it."""
    fig = page.fig
    fig.text(0.5, page.title_y, title, ha="center", va="center",
             fontproperties=font_properties(page.fontsize("title")))
    if subtitle:
        fig.text(0.5, page.title_y - 0.035, subtitle, ha="center", va="center", color="#333333",
                 fontproperties=font_properties(page.fontsize("subtitle")))


def draw_boundaries(
    page: MapPage,
    ax: Any,
    townships: gpd.GeoDataFrame | None,
    boundary: gpd.GeoDataFrame | None,
    *,
    names: bool = True,
    name_column: str = "name",
) -> None:
    """Township boundaries (dashed grey) with names (haloed), and the county boundary (bold).

    Names sit at each township's centroid, or its point on surface when the
    centroid falls outside; a name wider than √area of its township shrinks
    (down to 60 %).
    """
    if townships is not None and len(townships):
        # each shared edge once (drawn twice, the dashes of the two copies would mesh)
        edges = shapely.line_merge(shapely.union_all(townships.boundary.to_numpy()))
        add_lines(ax, [edges], color="#555555", linewidth=0.6, linestyle=(0, (4, 2)), zorder=20,
                  merge=False)  # the dashes restart on every edge
        if names and name_column in townships.columns:
            geoms = townships.geometry.to_numpy()
            cent = shapely.centroid(geoms)
            inside = shapely.contains(geoms, cent)
            pts = np.where(inside, cent, shapely.point_on_surface(geoms))
            xy = shapely.get_coordinates(pts)
            fw = page.fig.get_size_inches()[0]
            x0, x1 = ax.get_xlim()
            in_per_m = ax.get_position().width * fw / (x1 - x0)
            width_in = np.sqrt(shapely.area(geoms)) * in_per_m
            base = page.fontsize("label")
            for (x, y), name, w in zip(xy, townships[name_column].astype(str), width_in,
                                       strict=True):
                text_in = sum(2 if ord(c) > 0x2E80 else 1 for c in name) * base / 144
                size = base * min(1.0, max(0.6, 0.9 * w / text_in)) if text_in else base
                haloed_text(ax, x, y, name, ha="center", va="center",
                            fontproperties=font_properties(size), color="#222222", zorder=40,
                            clip_on=True)
    if boundary is not None and len(boundary):
        add_lines(ax, boundary.geometry, color="black", linewidth=1.4, zorder=21)


def clip_to(ax: Any, boundary: gpd.GeoDataFrame | None) -> None:
    """Clip every layer already drawn on ``ax`` to the boundary polygon(s)."""
    from matplotlib.patches import PathPatch

    if boundary is None or not len(boundary):
        return
    geom = shapely.union_all(boundary.geometry.to_numpy())
    if geom.is_empty or shapely.get_type_id(geom) not in (3, 6):
        return
    [path] = polygon_paths([geom])  # one feature: one path
    clip = PathPatch(path, transform=ax.transData, facecolor="none",
                     edgecolor="none")
    for artist in [*ax.collections, *ax.images, *ax.lines]:
        artist.set_clip_path(clip)


def add_north_arrow(page: MapPage, ax: Any, *, x: float = 0.955) -> None:
    """A north arrow (half black, half white) with "N", in the upper right of ``ax``.

    Points to grid north (up); in a Gauss–Krüger zone grid north differs from
    true north by the meridian convergence (< 1.5° within a 3° zone at 34° N).
    """
    from matplotlib.patches import Polygon

    # size in axes fraction from a fixed size in inches; the "N" ends 0.12 in below the top
    bbox = ax.get_position()
    fw, fh = page.fig.get_size_inches()
    h = 0.42 * page.size / (bbox.height * fh)
    w = 0.13 * page.size / (bbox.width * fw)
    n_h = (page.fontsize("north") / 72 + 0.12 * page.size) / (bbox.height * fh)
    y = 1.0 - n_h - 1.05 * h
    kw = {"transform": ax.transAxes, "zorder": 50, "linewidth": 0.8, "edgecolor": "black",
          "clip_on": False}
    ax.add_patch(Polygon([(x - w, y), (x, y + h), (x, y + 0.28 * h)], facecolor="black", **kw))
    ax.add_patch(Polygon([(x + w, y), (x, y + h), (x, y + 0.28 * h)], facecolor="white", **kw))
    haloed_text(ax, x, y + h * 1.05, "N", transform=ax.transAxes, ha="center", va="bottom",
                zorder=50, fontproperties=font_properties(page.fontsize("north")))


def nice_scale_length(width_m: float, fraction: float = 0.2) -> float:
    """A round scale-bar length (m): the largest 1, 2 or 5 × 10ⁿ km ≤ ``fraction`` × width.

    Examples
    --------
    >>> nice_scale_length(52_000)   # 20 % of 52 km = 10.4 km
    10000.0
    >>> nice_scale_length(30_000)   # 6 km → 5 km
    5000.0
    >>> nice_scale_length(1_200)    # 240 m → 0.2 km
    200.0
    """
    target = max(width_m * fraction, 1e-9)
    exp = math.floor(math.log10(target))
    best = 10.0**exp
    for m in (1, 2, 5, 10):
        if m * 10.0**exp <= target * (1 + 1e-9):
            best = m * 10.0**exp
    return float(best)


def _km(v: float) -> str:
    return f"{v / 1000:g}"


def add_scale_bar(page: MapPage, ax: Any, *, xy: tuple[float, float] = (0.035, 0.045)) -> float:
    """A scale bar in km in the lower left of ``ax``: alternating black/white segments.

    The length is :func:`nice_scale_length` of the axes width; segments are a
    quarter of it (a fifth when it starts with 5). Labels give 0, the middle and
    the full length with "km". Returns the length in metres.
    """
    from matplotlib.patches import Rectangle

    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = nice_scale_length(x1 - x0)
    lead = round(length / 10 ** math.floor(math.log10(length)))
    n = 5 if lead == 5 else 4
    seg = length / n
    bbox = ax.get_position()
    fh = page.fig.get_size_inches()[1]
    bar_h = 0.055 * page.size / (bbox.height * fh) * (y1 - y0)  # 0.055 in tall
    bx = x0 + xy[0] * (x1 - x0)
    by = y0 + xy[1] * (y1 - y0)
    pad = 0.35 * seg
    label_h = page.fontsize("scale") / 72 / (bbox.height * fh) * (y1 - y0)
    ax.add_patch(Rectangle((bx - pad, by - pad * 0.6), length + 2 * pad + 0.9 * seg,
                           bar_h + label_h * 1.9 + pad * 0.6, facecolor="white", alpha=1.0,
                           edgecolor="#999999", linewidth=0.4, zorder=48))
    for i in range(n):
        ax.add_patch(Rectangle((bx + i * seg, by), seg, bar_h, zorder=49, linewidth=0.6,
                               facecolor="black" if i % 2 == 0 else "white", edgecolor="black"))
    fp = font_properties(page.fontsize("scale"))
    ty = by + bar_h + 0.25 * label_h
    ticks = [0.0, length / 2, length] if n == 4 else [0.0, length]
    for t in ticks:
        ax.text(bx + t, ty, _km(t), ha="center", va="bottom", fontproperties=fp, zorder=50)
    ax.text(bx + length + 0.15 * seg, by + bar_h / 2, "km", ha="left", va="center",
            fontproperties=fp, zorder=50)
    return length


def _legend(page: MapPage, title: str, items: Sequence[tuple[Any, str]],
            anchor: tuple[float, float], scale: float = 1.0) -> Any:
    from matplotlib.legend import Legend

    handles = [h for h, _ in items]
    labels = [lab for _, lab in items]
    leg = Legend(
        page.panel, handles, labels, loc="upper left", bbox_to_anchor=anchor,
        bbox_transform=page.panel.transAxes, frameon=False, alignment="left",
        prop=font_properties(page.fontsize("legend") * scale), title=title,
        title_fontproperties=font_properties(page.fontsize("legend_title") * scale),
        borderaxespad=0.0, borderpad=0.2, handlelength=1.8, handleheight=1.0,
        labelspacing=0.45,
    )
    page.panel.add_artist(leg)
    return leg


def _extent_in_panel(page: MapPage, artist: Any) -> Any:
    bb = artist.get_window_extent()
    return bb.transformed(page.panel.transAxes.inverted())


def add_legends(page: MapPage, sections: Sequence[LegendSection],
                limit: float | None = None) -> list:
    """Legends, one per section (title, [(handle, label), …]), stacked in the panel.

    Stacked downwards in a right-hand panel; side by side in a panel below the
    maps. ``limit`` (panel axes fraction) is where the legends must end: the
    right edge (panel below) or the bottom (panel at the right), e.g. the
    notes; legends that overrun it are redrawn smaller (down to 70 %).
    """
    below = page.panel_below
    if limit is None:
        limit = 1.0 if below else 0.0
    legends: list = []
    for scale in (1.0, 0.9, 0.8, 0.7):
        for leg in legends:
            leg.remove()
        legends = []
        pos = (0.0, 1.0)
        end = 0.0 if below else 1.0
        low = 0.0  # lowest legend bottom (panel below: must stay on the panel)
        for title, items in sections:
            if not items:
                continue
            leg = _legend(page, title, items, pos, scale)
            legends.append(leg)
            bb = _extent_in_panel(page, leg)
            pos = (bb.x1 + 0.035 * scale, 1.0) if below else (0.0, bb.y0 - 0.04 * scale)
            end = bb.x1 if below else bb.y0
            low = min(low, bb.y0)
        if (end <= limit and low >= -0.05) if below else (end >= limit):
            break
    return legends


def add_notes(page: MapPage, lines: Sequence[str]) -> Any:
    """Notes (CRS, data note) at the bottom of the panel, wrapped to its width."""
    fp = font_properties(page.fontsize("note"))
    fw = page.fig.get_size_inches()[0]
    panel_w_in = page.panel.get_position().width * fw
    if page.panel_below:
        x, width_in = 0.64, 0.36 * panel_w_in
        y, va = 1.0, "top"
    else:
        x, width_in = 0.0, panel_w_in
        y, va = 0.0, "bottom"
    units = max(10, int(width_in * 72 / page.fontsize("note") * 2 * 0.97))
    text = "\n".join(wrap_text(line, units) for line in lines)
    return page.panel.text(x, y, text, transform=page.panel.transAxes, ha="left", va=va,
                           fontproperties=fp, color="#333333", linespacing=1.45)


def patch(color: str, *, edge: str = "#666666", alpha: float = 1.0, hatch: str | None = None,
          linewidth: float = 0.5) -> Any:
    """A legend handle for a filled area."""
    from matplotlib.patches import Patch

    return Patch(facecolor=color, edgecolor=edge, alpha=alpha, hatch=hatch, linewidth=linewidth)


def line(color: str, *, width: float = 1.0, style: Any = "-") -> Any:
    """A legend handle for a line."""
    from matplotlib.lines import Line2D

    return Line2D([], [], color=color, linewidth=width, linestyle=style)


def marker(color: str, *, shape: str = "o", size: float = 6.0, edge: str = "black",
           edgewidth: float = 0.4) -> Any:
    """A legend handle for a point symbol (``size`` in points, as ``markersize``)."""
    from matplotlib.lines import Line2D

    return Line2D([], [], linestyle="none", marker=shape, markersize=size, markerfacecolor=color,
                  markeredgecolor=edge, markeredgewidth=edgewidth)


def boundary_items(townships: gpd.GeoDataFrame | None,
                   boundary: gpd.GeoDataFrame | None) -> list[tuple[Any, str]]:
    """Legend items of the boundaries drawn by :func:`draw_boundaries`."""
    items = []
    if boundary is not None:
        items.append((line("black", width=1.4), "县（市）界"))
    if townships is not None:
        items.append((line("#555555", width=0.6, style=(0, (4, 2))), "乡镇（街道）界"))
    return items


def count_label(name: str, n: int, unit: str = "个") -> str:
    """``"高风险（12个）"``."""
    return f"{name}（{int(n)}{unit}）"


def as_points(gdf: gpd.GeoDataFrame) -> np.ndarray:
    """Coordinates (n, 2) of point geometries, or of points on surface of others."""
    geoms = gdf.geometry.to_numpy()
    non_point = shapely.get_type_id(geoms) != 0
    if non_point.any():
        geoms = geoms.copy()
        geoms[non_point] = shapely.point_on_surface(geoms[non_point])
    return shapely.get_coordinates(geoms)
