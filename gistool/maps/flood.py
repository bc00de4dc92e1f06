"""Flood-scenario map: 100-year depth, cut and slowed roads, isolated targets."""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np

from gistool.errors import InputError
from gistool.maps import elements
from gistool.maps._prepare import prepare, require_columns
from gistool.maps.compose import finish_page, start_page
from gistool.maps.fonts import map_style
from gistool.maps.layers import draw_roads
from gistool.maps.paths import add_lines
from gistool.maps.raster import draw_depth

if TYPE_CHECKING:
    from gistool.maps.figure import MapFigure

__all__ = ["flood_depth_path", "flood_scenario_map", "isolated_points"]

_CUT = "#e31a1c"
_SLOWED = "#ff7f00"


def flood_depth_path(
    flood_depth: str | os.PathLike[str] | None, area: Any, return_period: int = 100
) -> Path:
    """The depth raster to draw: the given path, else the area's of ``return_period``.

    Falls back to the area's longest return period when ``return_period`` is absent.
    """
    if flood_depth is not None:
        return Path(flood_depth)
    rasters = getattr(area, "flood_depth", None) or {}
    if not rasters:
        msg = "no flood-depth raster: pass flood_depth=<GeoTIFF path> or an area with flood_depth"
        raise InputError(msg)
    return Path(rasters.get(return_period, rasters[max(rasters)]))


def isolated_points(targets: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """Isolated targets, one row each, and whether each is an enterprise.

    Rows with ``isolated_flood`` False are dropped (when the column exists) and
    repeated targets (one row per facility kind in
    :func:`gistool.network.travel_times`) kept once by ``target_id``. The kind
    comes from ``target_type`` (``enterprise`` vs anything else), else from a
    non-empty ``category``.
    """
    t = targets
    if "isolated_flood" in t.columns:
        t = t[t["isolated_flood"].fillna(False).astype(bool).to_numpy()]
    if "target_id" in t.columns:
        t = t[~t["target_id"].astype(str).duplicated().to_numpy()]
    if "target_type" in t.columns:
        is_ent = t["target_type"].astype(str).str.lower().eq("enterprise").to_numpy()
    elif "category" in t.columns:
        is_ent = t["category"].notna().to_numpy()
    else:
        is_ent = np.zeros(len(t), dtype=bool)
    return t, is_ent


def flood_scenario_map(
    flood_depth: str | os.PathLike[str] | None = None,
    *,
    roads: gpd.GeoDataFrame | None = None,
    affected_edges: Any = None,
    isolated_targets: gpd.GeoDataFrame | None = None,
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
    """Flood-scenario map: depth classes, the roads it cuts or slows, and isolated targets.

    Depth is drawn in four classes (0.15–0.5, 0.5–1, 1–2, > 2 m, Blues;
    shallower water and nodata transparent), read decimated with the maximum
    of each block so narrow channels stay visible.

    Parameters
    ----------
    flood_depth
        Path of the depth GeoTIFF (m); default the area's ``return_period`` raster.
    roads
        All roads (drawn thin, by class); default the area's.
    affected_edges
        Edges with ``status`` ``cut``/``slowed`` (``FloodResult.affected`` of
        :func:`gistool.network.apply_flood`, or the FloodResult itself).
    isolated_targets
        Targets cut off by the flood: points (or polygons), e.g. rows of
        :func:`gistool.network.travel_times` or ``RiskResult.reachability``
        (filtered on ``isolated_flood``; enterprises told apart by
        ``target_type``/``category``).
    return_period
        Return period (years) named in the title and used to pick the area's raster.
    area, townships, boundary, page, title, data_note, synthetic, sources, date
        As in :func:`gistool.maps.risk_zoning_map`.

    Returns
    -------
    gistool.maps.figure.MapFigure
        A :class:`matplotlib.figure.Figure`.
    """
    path = flood_depth_path(flood_depth, area, return_period)
    if roads is None and area is not None:
        roads = area.roads
    if affected_edges is not None and not isinstance(affected_edges, gpd.GeoDataFrame):
        affected_edges = getattr(affected_edges, "affected", affected_edges)
    inputs = prepare(
        {"roads": roads, "affected": affected_edges, "isolated": isolated_targets},
        area=area, townships=townships, boundary=boundary,
        source_keys=("flood_depth", "roads"), synthetic=synthetic, sources=sources,
        data_note_text=data_note, date=date,
    )
    affected = inputs.layers["affected"]
    if affected is not None:
        require_columns("affected_edges", affected, ["status"])
    name = getattr(area, "name", "") or ""
    with map_style():
        mp = start_page(inputs, page)
        ax = mp.maps[0]
        depth_items = draw_depth(ax, path, inputs.crs)
        road_items = draw_roads(ax, inputs.layers["roads"], mp.size)
        impact = []
        if affected is not None:
            status = affected["status"].astype(str).to_numpy()
            for st, colour, label, width in (("slowed", _SLOWED, "降速通行路段", 0.8),
                                              ("cut", _CUT, "中断路段", 1.1)):
                m = status == st
                if m.any():
                    add_lines(ax, affected.geometry.to_numpy()[m], color=colour,
                              linewidth=width * mp.size, zorder=25)
                impact.append((elements.line(colour, width=width * mp.size),
                               f"{label}（{int(m.sum())}段）"))
            impact.reverse()
        iso = inputs.layers["isolated"]
        if iso is not None:
            iso, is_ent = isolated_points(iso)
            xy = elements.as_points(iso) if len(iso) else np.empty((0, 2))
            for m, shape, colour, label, unit, size in (
                (~is_ent, "^", "#7a0177", "孤立居民点", "处", 3.4),
                (is_ent, "X", "#252525", "孤立企业", "家", 3.0),
            ):
                size *= mp.size
                if m.any():
                    ax.plot(xy[m, 0], xy[m, 1], linestyle="none", marker=shape, markersize=size,
                            markerfacecolor=colour, markeredgecolor="white",
                            markeredgewidth=0.25 * mp.size, zorder=36)
                handle = elements.marker(colour, shape=shape, size=max(size, 5.5), edge="white")
                impact.append((handle,
                               f"{label}（{int(m.sum())}{unit}）"))
        legends = [(f"{return_period}年一遇淹没水深", depth_items)]
        if impact:
            legends.append(("洪涝影响", impact))
        if road_items:
            legends.append(("道路", road_items))
        fig = finish_page(mp, inputs, title=title or f"{name}{return_period}年一遇洪涝情景图",
                          subtitle="淹没水深、受阻道路与孤立目标", legends=legends)
    return fig
