"""救援可达性: isochrones of rescue forces, normal vs flood, side by side."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import geopandas as gpd
import numpy as np
import shapely

from gistool.errors import InputError
from gistool.labels import FACILITY_KINDS
from gistool.maps import elements
from gistool.maps._prepare import prepare, require_columns
from gistool.maps.compose import finish_page, start_page
from gistool.maps.dissolve import union_polygons
from gistool.maps.fonts import font_properties, map_style
from gistool.maps.layers import draw_facilities
from gistool.maps.paths import add_polygons

if TYPE_CHECKING:
    from gistool.maps.figure import MapFigure

__all__ = ["minute_colours", "reachability_map", "reached_km2", "split_scenarios"]


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
    """One polygon per threshold: the union over the selected facility kinds, sorted by minutes.

    The union is :func:`gistool.maps.dissolve.union_polygons` (the same
    geometry as a dissolve, faster on isochrones sharing their holes).
    """
    if kinds is not None and "kind" in iso.columns:
        iso = iso[iso["kind"].astype(str).isin(list(kinds)).to_numpy()]
    minutes = iso["minutes"].astype(float).to_numpy()
    geoms = iso.geometry.to_numpy()
    levels = np.unique(minutes)
    return gpd.GeoDataFrame(
        {"minutes": levels},
        geometry=[union_polygons(geoms[minutes == m]) for m in levels],
        crs=iso.crs,
    )


def reached_km2(iso: gpd.GeoDataFrame, minutes: float, clip: Any = None) -> float:
    r"""Area (km²) reached within ``minutes``: the union of those isochrones, inside ``clip``.

    .. math:: A = \left|\left(\bigcup_k I_{k,t}\right) \cap B\right| / 10^6

    over the isochrones :math:`I_{k,t}` of every facility kind :math:`k` at
    threshold :math:`t` = ``minutes`` and the county :math:`B` (``clip``).

    Examples
    --------
    >>> from shapely.geometry import box
    >>> iso = gpd.GeoDataFrame({"minutes": [30.0, 30.0, 5.0]}, crs="EPSG:4547",
    ...     geometry=[box(0, 0, 2000, 1000), box(1000, 0, 3000, 1000), box(0, 0, 9e3, 9e3)])
    >>> reached_km2(iso, 30.0)  # 2 + 2 km² overlapping by 1 km²
    3.0
    >>> reached_km2(iso, 30.0, clip=box(0, 0, 1500, 1000))
    1.5
    """
    geoms = iso.geometry.to_numpy()[iso["minutes"].astype(float).to_numpy() == float(minutes)]
    if not len(geoms):
        return 0.0
    reached = union_polygons(geoms)
    if clip is not None:
        reached = shapely.intersection(reached, clip)
    return float(shapely.area(reached) / 1e6)


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
        clip = None if inputs.boundary is None else inputs.boundary.geometry.union_all()
        for ax, (label, iso) in zip(mp.maps, panels, strict=True):
            # longest first; clipped to the county when the page is finished
            for m, geom in zip(iso["minutes"][::-1], iso.geometry[::-1], strict=True):
                add_polygons(ax, [geom], color=colours[float(m)], zorder=5)
            fac_items = draw_facilities(mp, ax, inputs.layers["facilities"],
                                        tuple(kinds) if kinds else tuple(FACILITY_KINDS))
            reach_km2 = reached_km2(iso, thresholds[-1], clip)
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
