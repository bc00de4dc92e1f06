"""救援可达性: isochrones of rescue forces, normal vs flood, side by side."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import geopandas as gpd
import numpy as np

from gistool.errors import InputError
from gistool.labels import FACILITY_KINDS
from gistool.maps import elements
from gistool.maps._prepare import prepare, require_columns
from gistool.maps.compose import finish_page, start_page
from gistool.maps.fonts import font_properties, map_style
from gistool.maps.layers import draw_facilities

if TYPE_CHECKING:
    from gistool.maps.figure import MapFigure

__all__ = ["minute_colours", "reachability_map", "split_scenarios"]


def minute_colours(n: int) -> list[str]:
    """``n`` greens, dark (shortest time) to light (longest)."""
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    cmap = colormaps["YlGn"]
    return [to_hex(cmap(v)) for v in np.linspace(0.85, 0.3, n)]


def split_scenarios(
    normal: gpd.GeoDataFrame, flood: gpd.GeoDataFrame | None
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame | None]:
    """Split one isochrone table with a ``scenario`` column into (normal, flood)."""
    if flood is None and "scenario" in normal.columns:
        sc = normal["scenario"].astype(str).to_numpy()
        if (sc == "flood").any():
            return normal[sc != "flood"], normal[sc == "flood"]
    return normal, flood


def _by_minutes(iso: gpd.GeoDataFrame, kinds: Sequence[str] | None) -> gpd.GeoDataFrame:
    """One polygon per threshold: the union over the selected facility kinds."""
    if kinds is not None and "kind" in iso.columns:
        iso = iso[iso["kind"].astype(str).isin(list(kinds)).to_numpy()]
    if not len(iso):
        return iso[["minutes", "geometry"]]
    out = iso[["minutes", "geometry"]].dissolve(by="minutes", as_index=False)
    return out.sort_values("minutes", ignore_index=True)


def reachability_map(
    isochrones_normal: gpd.GeoDataFrame,
    isochrones_flood: gpd.GeoDataFrame | None = None,
    *,
    facilities: gpd.GeoDataFrame | None = None,
    kinds: Sequence[str] | None = ("fire_station", "rescue_team"),
    return_period: int = 100,
    arrangement: Literal["auto", "horizontal", "vertical"] = "auto",
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
    """救援可达性图: areas reached within 5/10/15/30 min, normal and under flood, side by side.

    Each threshold's polygon is the union over the facility ``kinds`` (the
    area some fire station or rescue team reaches in time); thresholds are
    drawn from the longest (light) to the shortest (dark), so each band shows
    "reached in more than the previous threshold, within this one". The panel
    titles give the area reached within the longest threshold.

    Parameters
    ----------
    isochrones_normal
        Isochrones (:func:`gistool.network.isochrones`): ``minutes``, optional
        ``kind`` and ``scenario``; when ``isochrones_flood`` is omitted and a
        ``scenario`` column holds ``flood`` rows, they are the flood panel.
    isochrones_flood
        Isochrones under the flood scenario.
    facilities
        Facilities drawn by kind (default the area's).
    kinds
        Facility kinds combined (``None``: all).
    return_period
        Named in the flood panel's title.
    arrangement
        ``"horizontal"`` (side by side), ``"vertical"`` (one above the other) or
        ``"auto"``: the one drawing the area larger (a county much wider than
        tall is stacked).
    area, townships, boundary, page, title, data_note, synthetic, sources, date
        As in :func:`gistool.maps.risk_zoning_map`.

    Returns
    -------
    gistool.maps.figure.MapFigure
        A :class:`matplotlib.figure.Figure`.
        Two map axes sharing one legend.
    """
    normal, flood = split_scenarios(isochrones_normal, isochrones_flood)
    if facilities is None and area is not None:
        facilities = area.facilities
    inputs = prepare(
        {"normal": normal, "flood": flood, "facilities": facilities}, area=area,
        townships=townships, boundary=boundary,
        source_keys=("roads", "facilities", "flood_depth"), synthetic=synthetic,
        sources=sources, data_note_text=data_note, date=date,
    )
    require_columns("isochrones", inputs.layers["normal"], ["minutes"])
    panels = [("常态", _by_minutes(inputs.layers["normal"], kinds))]
    if inputs.layers["flood"] is not None:
        require_columns("isochrones_flood", inputs.layers["flood"], ["minutes"])
        panels.append((f"洪涝情景（{return_period}年一遇）",
                       _by_minutes(inputs.layers["flood"], kinds)))
    thresholds = sorted({float(m) for _, iso in panels for m in iso["minutes"]})
    if not thresholds:
        msg = f"no isochrones of the facility kinds {list(kinds or [])}; check 'kind' values"
        raise InputError(msg)
    colours = dict(zip(thresholds, minute_colours(len(thresholds)), strict=True))
    name = getattr(area, "name", "") or ""
    with map_style():
        mp = start_page(inputs, page, n_maps=len(panels), arrangement=arrangement)
        fac_items: list = []
        for ax, (label, iso) in zip(mp.maps, panels, strict=True):
            if inputs.boundary is not None:
                clip = inputs.boundary.geometry.union_all()
                iso = iso.set_geometry(iso.geometry.intersection(clip))
            for m, geom in sorted(zip(iso["minutes"], iso.geometry, strict=True),
                                  key=lambda t: -float(t[0])):
                gpd.GeoSeries([geom], crs=inputs.crs).plot(
                    ax=ax, color=colours[float(m)], edgecolor="none", zorder=5)
            fac_items = draw_facilities(mp, ax, inputs.layers["facilities"],
                                        tuple(kinds) if kinds else tuple(FACILITY_KINDS))
            longest = iso[iso["minutes"].astype(float) == thresholds[-1]]
            reach_km2 = float(longest.geometry.area.sum() / 1e6) if len(longest) else 0.0
            ax.set_title(f"{label}：{thresholds[-1]:g} 分钟可达 {reach_km2:.0f} km²",
                         fontproperties=font_properties(mp.fontsize("subtitle")), pad=4)
        bands = []
        prev = 0.0
        for t in thresholds:
            lab = f"≤ {t:g} 分钟" if prev == 0 else f"{prev:g}–{t:g} 分钟"
            bands.append((elements.patch(colours[t], edge="none"), lab))
            prev = t
        bands.append((elements.patch("white", edge="#999999"),
                      f"> {thresholds[-1]:g} 分钟或不可达"))
        legends = [("救援到达时间", bands), ("救援力量", fac_items)]
        kinds_zh = "、".join(FACILITY_KINDS.get(k, k) for k in (kinds or ()))
        fig = finish_page(mp, inputs, title=title or f"{name}救援可达性图",
                          subtitle=f"{kinds_zh}路网到达时间：常态与洪涝情景对比" if kinds_zh
                          else "路网到达时间：常态与洪涝情景对比", legends=legends)
    return fig
