"""Render ``report.html``: one self-contained file, every data string escaped."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from gistool._atomic import atomic_write_text
from gistool.errors import OutputError, describe_source
from gistool.report.content import (
    Table,
    enterprise_crosstab,
    provenance_rows,
    summary_cards,
    table_from_frame,
    weights_table,
)
from gistool.report.images import collect_maps

__all__ = ["report_html", "write_report"]

_CORE_TABLES = ("township_ranking", "village_ranking", "enterprise_four_colour", "summary",
                "four_colour_rules")


def _environment() -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("gistool.report", "templates"),
        autoescape=True,  # every {{ value }} is HTML-escaped
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _network_tables(network: Mapping[str, Any]) -> list[Table]:
    out: list[Table] = []
    from gistool.labels import FACILITY_KINDS, ROAD_CLASSES, SCENARIOS

    crit = network.get("critical_links")
    if crit is not None and len(crit):
        df = pd.DataFrame(crit.drop(columns=crit.geometry.name)).copy()
        if "road_class" in df:
            names = {k: v[0] for k, v in ROAD_CLASSES.items()}
            df["road_class"] = df["road_class"].map(names).fillna(df["road_class"])
        if "scenario" in df:
            df["scenario"] = df["scenario"].map(SCENARIOS).fillna(df["scenario"])
        out.append(table_from_frame(df, "关键路段 Critical links", max_rows=20))
    iso = network.get("isochrones")
    if iso is not None and len(iso) and {"minutes", "area_km2"} <= set(iso.columns):
        cols = [c for c in ("kind", "scenario", "minutes", "area_km2") if c in iso.columns]
        df = pd.DataFrame(iso[cols]).copy()
        if "kind" in df:
            df["kind"] = df["kind"].map(FACILITY_KINDS).fillna(df["kind"])
        if "scenario" in df:
            df["scenario"] = df["scenario"].map(SCENARIOS).fillna(df["scenario"])
        out.append(table_from_frame(
            df, "救援等时圈面积 Isochrone areas",
            headings={"kind": "设施类型", "scenario": "情景", "minutes": "时间(分钟)"},
        ))
    return out


def report_html(
    result: Any,
    *,
    maps: Mapping[str, Any] | str | None = None,
    maps_dir: str | os.PathLike[str] | None = None,
    provenance: Mapping[str, Any] | None = None,
    data: Any = None,
    tables: Mapping[str, pd.DataFrame] | None = None,
    network: Mapping[str, Any] | None = None,
    title: str | None = None,
    date: dt.date | str | None = None,
    max_village_rows: int | None = None,
    embed_font: bool = True,
) -> str:
    """The report as one HTML string (see :func:`write_report`)."""
    from gistool.report.fonts import FONT_STACK
    from gistool.report.fonts import embed_font as embed
    from gistool.report.html import table_html
    from gistool.tables import enterprise_list, ranking_table, summary_table

    area = getattr(data, "name", None) or ""
    title = title or f"{area}自然灾害与安全生产风险评估报告".strip()
    if isinstance(maps, str):
        if maps != "auto":
            msg = f"maps must be a mapping or 'auto', not {maps!r}"
            raise ValueError(msg)
        from gistool.report.maps import render_maps

        figures = render_maps(result, data, network, date=str(date) if date else None)
        try:
            images = collect_maps(figures, maps_dir)
        finally:
            import matplotlib.pyplot as plt

            for fig in figures.values():
                plt.close(fig)
    else:
        images = collect_maps(maps, maps_dir)
    cards = summary_cards(result)
    townships = getattr(result, "townships", None)
    villages = getattr(result, "villages", None)
    enterprises = getattr(result, "enterprises", None)
    rank_t = rank_v = ent = cross = None
    if townships is not None and "risk_level" in townships:
        rank_t = table_from_frame(ranking_table(townships, "township"),
                                  "乡镇风险排名表 Township ranking", colour_by="risk_level",
                                  headings={"driver_name": "主导因子"})
    if villages is not None and "risk_level" in villages:
        df = ranking_table(villages, "village", townships=townships)
        note = ""
        if max_village_rows is not None and len(df) > max_village_rows:
            note = f"仅列出前 {max_village_rows} 名，完整排名见 tables/village_ranking.xlsx"
        rank_v = table_from_frame(df, "村（社区）风险排名表 Village ranking",
                                  colour_by="risk_level", max_rows=max_village_rows,
                                  headings={"township_name": "所属乡镇", "driver_name": "主导因子"},
                                  note=note)
    if enterprises is not None and "risk_grade" in enterprises:
        el = enterprise_list(enterprises, townships=townships)
        ent = table_from_frame(el, "企业安全风险四色清单 Four-colour enterprise list（一单）",
                               colour_by="risk_grade")
        cross = table_from_frame(enterprise_crosstab(pd.DataFrame(enterprises)),
                                 "企业风险等级统计表（一表）Enterprises by category and grade")
    summ = table_from_frame(summary_table(result), "统计汇总 Summary table",
                            headings={"item": "项目", "class_name": "类别", "n": "数量",
                                      "share": "占比"})
    rules = getattr(result, "rules", None)
    rules_t = (table_from_frame(rules, "四色分级规则 Four-colour rules")
               if isinstance(rules, pd.DataFrame) and len(rules) else None)
    wt, mt, ahp = weights_table(result)
    breaks = list(getattr(villages, "attrs", {}).get("risk_breaks", []) if villages is not None
                  else [])
    inputs, versions, notes = provenance_rows(provenance, data)
    extra = [table_from_frame(df, name) for name, df in dict(tables or {}).items()
             if name not in _CORE_TABLES and df is not None and len(df)]
    extra += _network_tables(dict(network or {}))
    when = date if date is not None else (provenance or {}).get("date")
    four_colour_map = next((im for im in images if im.name == "four_colour"), None)
    ctx = {
        "title": title,
        "area": area,
        "date": str(when) if when else "",
        "cards": cards,
        "images": [im for im in images if im is not four_colour_map],
        "four_colour_map": four_colour_map,
        "rank_t": rank_t,
        "rank_v": rank_v,
        "ent": ent,
        "cross": cross,
        "summary": summ,
        "rules": rules_t,
        "weights": wt,
        "matrix": mt,
        "ahp": ahp,
        "breaks": [f"{b:.4f}" for b in breaks],
        "extra": extra,
        "inputs": inputs,
        "versions": versions,
        "notes": notes,
        "synthetic": bool(getattr(data, "synthetic", ())) if data is not None else False,
        "font_stack": FONT_STACK,
        "render_table": table_html,
    }
    page = _environment().get_template("report.html.j2").render(**ctx)
    # the subset covers exactly the characters of the rendered page
    return embed([page])[0] if embed_font else page


def write_report(
    result: Any,
    path: str | os.PathLike[str] = "report.html",
    *,
    maps: Mapping[str, Any] | str | None = None,
    maps_dir: str | os.PathLike[str] | None = None,
    provenance: Mapping[str, Any] | None = None,
    data: Any = None,
    tables: Mapping[str, pd.DataFrame] | None = None,
    network: Mapping[str, Any] | None = None,
    title: str | None = None,
    date: dt.date | str | None = None,
    max_village_rows: int | None = None,
    embed_font: bool = True,
    overwrite: bool = True,
) -> Path:
    """Write the assessment report as one self-contained HTML file, atomically.

    Sections: summary (units per risk level, enterprises per colour,
    population of villages at levels 1–2, targets isolated under the flood),
    the maps, township and village ranking tables, the four-colour
    enterprise map, list and table (一图一单一表), weights with the AHP
    consistency ratio, method notes with formulas, provenance. Images are
    embedded as PNG ``data:`` URIs, CSS is inline, the CJK font subset is
    embedded (``embed_font``): nothing is loaded from anywhere. Every data
    string is HTML-escaped (Jinja2 autoescape).

    Parameters
    ----------
    result
        A :class:`gistool.RiskResult` (or an object with the same attributes).
    path
        Output ``.html`` file.
    maps
        Map name → matplotlib Figure, ``.png`` path or PNG bytes (known names:
        :data:`gistool.report.images.MAP_TITLES`), or ``"auto"`` to draw the
        five maps whose inputs exist with :mod:`gistool.maps`
        (:func:`gistool.report.maps.render_maps`).
    maps_dir
        A directory whose ``*.png`` files are added (``maps`` wins on a name).
    provenance
        The content of ``provenance.json`` (``inputs``, ``versions``, ``date``);
        default: raster inputs of ``data`` hashed here, installed versions.
    data
        The :class:`gistool.StudyArea` (name, sources, synthetic layers).
    tables
        Extra tables (name → DataFrame) for the appendix; the core tables are
        always built from ``result`` by :mod:`gistool.tables`.
    network
        Network layers (``critical_links``, ``isochrones``) for the appendix.
    title, date
        Report title (default from the area name) and date shown.
    max_village_rows
        Truncate the village table (the full table is in the XLSX).
    embed_font
        Embed a subset of the CJK font (Noto Sans CJK SC from ``mplfonts``).
    overwrite
        If False, refuse to replace an existing file.

    Returns
    -------
    Path
    """
    final = Path(path)
    if final.exists() and not overwrite:
        msg = f"{describe_source(final)} exists; pass overwrite=True or choose another path"
        raise OutputError(msg)
    page = report_html(
        result, maps=maps, maps_dir=maps_dir, provenance=provenance, data=data, tables=tables,
        network=network, title=title, date=date, max_village_rows=max_village_rows,
        embed_font=embed_font,
    )
    return atomic_write_text(final, page)
