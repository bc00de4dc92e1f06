"""风险区划图: the five-level risk zoning map."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np

from gistool.errors import InputError, SchemaError, describe_source
from gistool.labels import RISK_LEVELS
from gistool.maps import elements
from gistool.maps._prepare import prepare, require_columns
from gistool.maps.compose import finish_page, start_page
from gistool.maps.fonts import map_style
from gistool.maps.paths import add_lines, add_polygons

if TYPE_CHECKING:
    from gistool.maps.figure import MapFigure

__all__ = ["risk_zoning_map"]

_UNITS = {
    "zones": "风险分区",
    "villages": "行政村（社区）",
    "townships": "乡镇（街道）",
    "grid": "评估格网",
}


def _unit_frame(data: Any, layer: str) -> gpd.GeoDataFrame:
    if isinstance(data, gpd.GeoDataFrame):
        return data
    if layer not in _UNITS:
        msg = f"layer={layer!r}: use one of {', '.join(_UNITS)}"
        raise InputError(msg)
    gdf = getattr(data, layer, None)
    if not isinstance(gdf, gpd.GeoDataFrame):
        msg = (f"risk_zoning_map needs a RiskResult or a GeoDataFrame with 'risk_level'; "
               f"got {type(data).__name__}")
        raise InputError(msg)
    return gdf


def _guess_layer(gdf: gpd.GeoDataFrame) -> str:
    """The kind of unit a plain GeoDataFrame holds, from its canonical columns."""
    if "zone_id" in gdf.columns:
        return "zones"
    if "township_code" in gdf.columns:
        return "villages"
    if "cell_id" in gdf.columns:
        return "grid"
    if "code" in gdf.columns and gdf["code"].astype(str).str.len().eq(9).all():
        return "townships"
    return "units"


def risk_zoning_map(
    data: Any,
    *,
    layer: str = "zones",
    unit: str | None = None,
    villages: gpd.GeoDataFrame | None = None,
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
    """风险区划图: units filled by census risk level, red (高风险) to green (低风险).

    Parameters
    ----------
    data
        A :class:`gistool.RiskResult` (its ``layer`` is drawn) or a GeoDataFrame
        of polygons with ``risk_level`` (1 = 高风险 … 5 = 低风险).
    layer
        Which layer of a RiskResult: ``"zones"`` (default), ``"villages"``,
        ``"townships"`` or ``"grid"``.
    unit
        Name of the units in the subtitle; default from ``layer``, or for a
        GeoDataFrame from its columns (``township_code`` → villages, 9-digit
        ``code`` → townships, ``zone_id`` → zones).
    villages
        Village polygons drawn as thin outlines over the fill (default: the
        result's villages when drawing zones or the grid; pass an empty frame
        to omit).
    area
        The :class:`gistool.StudyArea`: default boundaries, sources, synthetic flag and name.
    townships, boundary
        Township and county polygons (names drawn at each township).
    page
        ``"A4"`` or ``"A3"`` landscape.
    title
        Default ``"<area>综合风险区划图"``.
    data_note
        Replaces the generated data note (sources, date).
    synthetic
        Print "示意数据（合成）"; default from ``area.synthetic``.
    sources
        Source notes; default from ``area.sources``.
    date
        Map date; default today (pass one for reproducible output).

    Returns
    -------
    gistool.maps.figure.MapFigure
        A :class:`matplotlib.figure.Figure`.
        Legend entries give, per level, the number of units and their area (km²).
    """
    gdf = _unit_frame(data, layer)
    if isinstance(data, gpd.GeoDataFrame):
        layer = _guess_layer(gdf)
    if unit is None:
        unit = _UNITS.get(layer)
    require_columns("risk zoning", gdf, ["risk_level"])
    if villages is None and not isinstance(data, gpd.GeoDataFrame) and layer in ("zones", "grid"):
        # thin village outlines over dissolved zones / grid cells
        villages = getattr(data, "villages", None)
    if villages is not None and len(villages) == 0:
        villages = None
    inputs = prepare(
        {"units": gdf, "villages": villages}, area=area, townships=townships, boundary=boundary,
        source_keys=("villages", "enterprises", "flood_depth", "geohazard_zones", "roads"),
        synthetic=synthetic, sources=sources, data_note_text=data_note, date=date,
    )
    units = inputs.layers["units"]
    levels = np.asarray(units["risk_level"], dtype=float)
    bad = ~np.isin(levels, list(RISK_LEVELS))
    if bad.any():
        msg = (f"{describe_source(layer='risk zoning', column='risk_level')}: "
               f"{int(bad.sum())} value(s) outside 1–5 (e.g. {levels[bad][0]!r}); "
               "classify with gistool.classify first")
        raise SchemaError(msg)
    area_km2 = units.geometry.area.to_numpy() / 1e6
    name = getattr(area, "name", "") or ""
    with map_style():
        mp = start_page(inputs, page)
        ax = mp.maps[0]
        items = []
        # dissolved zones and grid cells without edges; units of one level stay apart
        edge = "none" if layer in ("zones", "grid") else "white"
        for lvl, (zh, _, colour) in RISK_LEVELS.items():
            m = levels == lvl
            if m.any():
                add_polygons(ax, units.geometry.to_numpy()[m], color=colour, edgecolor=edge,
                             linewidth=0.25 * mp.size, zorder=5, merge=False)  # as before
            label = f"{zh}（{int(m.sum())}个，{area_km2[m].sum():.1f} km²）"
            items.append((elements.patch(colour), label))
        if inputs.layers["villages"] is not None:
            add_lines(ax, inputs.layers["villages"].geometry, color="#7f7f7f", linewidth=0.15,
                      zorder=10, merge=False)  # shared borders: two strokes, as before
        village_items = []
        if inputs.layers["villages"] is not None:
            village_items.append((elements.line("#7f7f7f", width=0.4), "村（社区）界"))
        fig = finish_page(mp, inputs, title=title or f"{name}综合风险区划图",
                          subtitle=f"评估单元：{unit}" if unit else None,
                          legends=[("风险等级", items)], boundary_items=village_items)
    return fig
