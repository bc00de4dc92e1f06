"""安全风险四色图: enterprises by four-colour risk grade."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np

from gistool.errors import SchemaError, describe_source
from gistool.labels import RISK_GRADES
from gistool.maps import elements
from gistool.maps._prepare import prepare, require_columns
from gistool.maps.compose import finish_page, start_page
from gistool.maps.fonts import map_style
from gistool.maps.paths import add_polygons

if TYPE_CHECKING:
    from gistool.maps.figure import MapFigure

__all__ = ["GRADE_SIZES", "four_colour_map"]

#: Marker size (points, as ``markersize``) per grade on A4: 重大 largest.
GRADE_SIZES: dict[str, float] = {"重大": 7.5, "较大": 5.5, "一般": 3.8, "低": 2.4}


def four_colour_map(
    enterprises: Any,
    *,
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
    """安全风险四色图: enterprises as points coloured red/orange/yellow/blue by grade.

    Drawn from 低 (blue) up to 重大 (red) so the most severe lie on top;
    symbol size grows with the grade (:data:`GRADE_SIZES`). The legend gives
    the number of enterprises per colour.

    Parameters
    ----------
    enterprises
        The four-colour list (:func:`gistool.enterprise.four_colour`, or a
        :class:`gistool.RiskResult`, whose ``enterprises`` is used): points with
        ``risk_grade`` (重大/较大/一般/低).
    area, townships, boundary, page, title, data_note, synthetic, sources, date
        As in :func:`gistool.maps.risk_zoning_map`; the title defaults to
        ``"<area>安全生产风险四色图"``.

    Returns
    -------
    gistool.maps.figure.MapFigure
        A :class:`matplotlib.figure.Figure`.

    Examples
    --------
    >>> from shapely.geometry import Point, box
    >>> town = gpd.GeoDataFrame({"name": ["甲镇"]}, crs="EPSG:4547",
    ...                         geometry=[box(470_000, 3_780_000, 480_000, 3_786_000)])
    >>> ent = gpd.GeoDataFrame({"risk_grade": ["重大", "低", "低"]}, crs="EPSG:4547",
    ...     geometry=[Point(472_000, 3_782_000), Point(476_000, 3_784_000),
    ...               Point(478_000, 3_785_000)])
    >>> fig = four_colour_map(ent, townships=town, boundary=town, date="2026-01-05")
    >>> texts = [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]
    >>> "重大风险（红）  1家" in texts, "低风险（蓝）  2家" in texts
    (True, True)
    >>> print(fig.axes[-1].texts[0].get_text())
    坐标系：CGCS2000 / 3度带高斯-克吕格 114°E (EPSG:4547)
    制图日期：2026-01-05（gistool）
    """
    if not isinstance(enterprises, gpd.GeoDataFrame) and hasattr(enterprises, "enterprises"):
        enterprises = enterprises.enterprises
    inputs = prepare(
        {"enterprises": enterprises}, area=area, townships=townships, boundary=boundary,
        source_keys=("enterprises",), synthetic=synthetic, sources=sources,
        data_note_text=data_note, date=date,
    )
    ent = inputs.layers["enterprises"]
    require_columns("enterprises", ent, ["risk_grade"])
    ent = ent[~(ent.geometry.isna() | ent.geometry.is_empty)]
    grade = ent["risk_grade"].astype(str).to_numpy()
    unknown = ~np.isin(grade, list(RISK_GRADES))
    if unknown.any():
        msg = (f"{describe_source(layer='enterprises', column='risk_grade')}: "
               f"{int(unknown.sum())} value(s) not in {'/'.join(RISK_GRADES)} "
               f"(e.g. {grade[unknown][0]!r}); grade them with gistool.enterprise.four_colour")
        raise SchemaError(msg)
    xy = elements.as_points(ent) if len(ent) else np.empty((0, 2))
    name = getattr(area, "name", "") or ""
    with map_style():
        mp = start_page(inputs, page)
        ax = mp.maps[0]
        if inputs.townships is not None:
            add_polygons(ax, inputs.townships.geometry, color="#f4f4f0", zorder=1, merge=False)
        items = []
        for g in reversed(list(RISK_GRADES)):  # 低 first, 重大 on top
            m = grade == g
            size = GRADE_SIZES[g] * mp.size
            colour = RISK_GRADES[g][2]
            if m.any():
                ax.plot(xy[m, 0], xy[m, 1], linestyle="none", marker="o", markersize=size,
                        markerfacecolor=colour, markeredgecolor="#333333",
                        markeredgewidth=0.25 * mp.size, zorder=30 + len(items), alpha=0.95)
            zh = RISK_GRADES[g][1]
            items.append((elements.marker(colour, size=size, edgewidth=0.25),
                          f"{g}风险（{zh}）  {int(m.sum())}家"))
        items.reverse()
        legend = [("企业安全风险等级", items)]
        fig = finish_page(mp, inputs, title=title or f"{name}安全生产风险四色图",
                          subtitle=f"企业 {len(ent)} 家", legends=legend)
    return fig
