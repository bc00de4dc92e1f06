"""The outputs stage, part by part, on Changge (the demo configuration).

Case ``maps``: the six static maps (A4, 150 dpi, PNG + PDF) exactly as
``gistool run`` writes them (:func:`gistool.pipeline.outputs._maps`), from a
cached pipeline run, side by side with the same maps drawn the way a user
would write them — every layer with ``GeoSeries.plot`` and the isochrones of
the facility kinds unioned by ``union_all`` (geopandas' dissolve) — by
swapping gistool's drawing helpers (:mod:`gistool.maps.paths`,
:func:`gistool.maps.dissolve.union_polygons`) for those. CPU seconds are
recorded next to wall seconds; the checks give the file sizes, whether two
runs wrote identical bytes, and how far each PNG is from the geopandas one.

Cases ``html`` (map.html + report.html and their hot parts: font subset,
report tables, isochrone simplification) and ``tables`` (XLSX writers side by
side) follow the same pattern: the demo's inputs from a cached pipeline run,
gistool's path against the alternative, CPU seconds in ``extra``.

Run alone with ``python -m benchmarks.bench_outputs [maps|html|tables]``.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import pkgutil
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks._harness import CaseResult
from benchmarks.bench_end_to_end import DEMO_CONFIG, measure_cpu


def demo_inputs(out: Path) -> tuple[Any, dict[str, Any], Any, Any]:
    """Result, network layers, study area and configuration of the demo run.

    The analysis stages run once into ``out`` (their cache), as in ``gistool
    run``; the outputs stage is not run.
    """
    from gistool.config import load_config
    from gistool.pipeline import stages as st
    from gistool.pipeline.runner import AreaPipeline

    config = load_config(DEMO_CONFIG)
    pipe = AreaPipeline(config, config.areas[0], out)
    result = pipe.risk_result()
    net = {k: v for k, v in pipe.values("network").items()
           if k in ("isochrones", "critical_links", "routes", "flood_edges")}
    return result, net, st.study_area(pipe.values("validate")), config


@contextlib.contextmanager
def geopandas_drawing() -> Iterator[None]:
    """:mod:`gistool.maps` drawing its layers with ``GeoSeries.plot`` (the alternative)."""
    import geopandas as gpd
    import shapely

    import gistool.maps

    def lines(ax: Any, geoms: Any, *, color: Any, linewidth: float = 1.0,
              linestyle: Any = "solid", zorder: float = 2, merge: bool = True,
              **style: Any) -> None:
        s = gpd.GeoSeries(np.asarray(getattr(geoms, "geometry", geoms), dtype=object))
        poly = s.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
        s[poly] = s[poly].boundary
        s.plot(ax=ax, color=color, linewidth=linewidth, linestyle=linestyle, zorder=zorder,
               **style)

    def polygons(ax: Any, geoms: Any, *, color: Any, edgecolor: Any = "none",
                 linewidth: float = 1.0, zorder: float = 2, merge: bool = True,
                 **style: Any) -> None:
        gpd.GeoSeries(np.asarray(getattr(geoms, "geometry", geoms), dtype=object)).plot(
            ax=ax, color=color, edgecolor=edgecolor, linewidth=linewidth, zorder=zorder,
            **style)

    swaps = {"add_lines": lines, "add_polygons": polygons, "union_polygons": shapely.union_all}
    saved = []
    for info in pkgutil.iter_modules(gistool.maps.__path__, "gistool.maps."):
        mod = importlib.import_module(info.name)
        for name, fn in swaps.items():
            if hasattr(mod, name):
                saved.append((mod, name, getattr(mod, name)))
                setattr(mod, name, fn)
    try:
        yield
    finally:
        for mod, name, fn in saved:
            setattr(mod, name, fn)


def _digests(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(directory.iterdir())}


def _png_rms(a: Path, b: Path) -> float:
    from PIL import Image

    x = np.asarray(Image.open(a).convert("RGB"), dtype=float)
    y = np.asarray(Image.open(b).convert("RGB"), dtype=float)
    return float(np.sqrt(((x - y) ** 2).mean())) if x.shape == y.shape else float("inf")


def run_maps(*, repeat: int = 5) -> list[tuple[CaseResult, dict]]:
    """Time the six demo maps (PNG + PDF): gistool vs layers drawn by ``GeoSeries.plot``."""
    import matplotlib

    matplotlib.use("Agg")
    from gistool.pipeline.outputs import _maps

    tmp = Path(tempfile.mkdtemp(prefix="bench_maps_"))
    try:
        result, net, data, config = demo_inputs(tmp / "run")
        formats = {"png", "pdf"}
        runs: list[Path] = []

        def draw(label: str) -> Path:
            stage = tmp / f"{label}{len(runs)}"
            _maps(result, net, data, stage, config, formats)
            runs.append(stage / "maps")
            return stage

        t_ours = measure_cpu("gistool maps (6 maps, PNG + PDF, 150 dpi)",
                             lambda: draw("gistool"), repeat=repeat)
        ours = runs[-1]
        identical = _digests(runs[0]) == _digests(ours)
        with geopandas_drawing():
            t_gpd = measure_cpu("the same maps, layers by GeoSeries.plot + union_all dissolve",
                                lambda: draw("geopandas"), repeat=repeat)
        theirs = runs[-1]
        checks = {
            "two_runs_byte_identical": identical,
            "kilobytes": {p.name: round(p.stat().st_size / 1e3, 1)
                          for p in sorted(ours.iterdir())},
            "kilobytes_geopandas": {p.name: round(p.stat().st_size / 1e3, 1)
                                    for p in sorted(theirs.iterdir())},
            "png_rms_vs_geopandas": {p.name: round(_png_rms(p, theirs / p.name), 3)
                                     for p in sorted(ours.glob("*.png"))},
        }
        case = CaseResult("outputs: static maps, Changge demo (6 maps × PNG + PDF)",
                          t_ours.name, [t_ours, t_gpd])
        return [(case, checks)]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ----------------------------------------------------------------------------- web map, report


def subset_all_features(chars: str) -> bytes | None:
    """The CJK subset as fontTools is usually called (and as gistool did before).

    Every layout feature (``aalt``, ``fwid``… pull in thousands of alternates),
    every language system, font-wide bounds recomputed over every glyph.
    """
    import io

    from fontTools import subset
    from fontTools.ttLib import TTFont

    from gistool.maps.fonts import cjk_font_path

    opts = subset.Options()
    opts.flavor = "woff"
    opts.layout_features = ["*"]
    opts.notdef_outline = True
    opts.name_IDs = [0, 1, 2, 3, 4, 5, 6]
    buf = io.BytesIO()
    with TTFont(str(cjk_font_path()), lazy=True, recalcTimestamp=False) as font:
        sub = subset.Subsetter(opts)
        sub.populate(text=chars)
        sub.subset(font)
        font.flavor = "woff"
        font.save(buf)
    return buf.getvalue()


@contextlib.contextmanager
def per_page_subsets() -> Iterator[None]:
    """Each page subset on its own with :func:`subset_all_features` (the alternative, uncached)."""
    import gistool.report.fonts as fonts

    saved = fonts._subset
    fonts._subset = subset_all_features  # type: ignore[assignment]
    try:
        yield
    finally:
        fonts._subset = saved


def _jinja_table_macro() -> Any:
    """The ``render_table`` macro report.html.j2 used before: one Jinja call per cell."""
    import jinja2

    src = (
        '{% macro render_table(t, id="") %}{% if t %}\n'
        '<figure class="table"{% if id %} id="{{ id }}"{% endif %}>\n<figcaption>{{ t.title }}'
        "{% if t.total_rows > t.rows|length %}（{{ t.rows|length }} / {{ t.total_rows }}）"
        "{% endif %}</figcaption>\n"
        '<div class="scroll"><table>\n<thead><tr>{% for h in t.headings %}<th>{{ h }}</th>'
        "{% endfor %}</tr></thead>\n<tbody>\n{% for row in t.rows %}\n"
        "{% set colour = t.colours[loop.index0] if t.colours and t.colours[loop.index0] "
        "else none %}\n<tr>{% for cell in row %}<td"
        '{% if t.numeric and t.numeric[loop.index0] %} class="num"{% endif %}'
        '{% if colour and loop.first %} style="border-left:6px solid {{ colour }}"{% endif %}>'
        "{{ cell }}</td>{% endfor %}</tr>\n{% endfor %}\n</tbody></table></div>\n"
        '{% if t.note %}<p class="note">{{ t.note }}</p>{% endif %}\n</figure>\n{% endif %}\n'
        "{% endmacro %}{{ render_table(t, id) }}"
    )
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    return env.from_string(src)


def run_html(*, repeat: int = 5) -> list[tuple[CaseResult, dict]]:
    """``map.html`` + ``report.html`` of the demo, and their hot parts, side by side.

    1. Both pages as ``gistool run`` writes them (one CJK subset for the two
       pages' characters) vs each page with its own subset made with every
       layout feature and language system (fontTools as usually called);
       the in-process subset cache is cleared before every run, as in a cold run.
    2. The font subset alone, for the union of both pages' characters.
    3. The 11,932-row enterprise list as HTML: bulk escaping vs the Jinja macro.
    4. The isochrones' simplification: plain Douglas–Peucker vs topology-preserving.
    """
    import shapely

    import gistool.report.fonts as fonts
    from gistool.pipeline.outputs import _html
    from gistool.report.content import table_from_frame
    from gistool.report.html import table_html
    from gistool.tables import all_tables, enterprise_list
    from gistool.webmap.build import ISO_MIN_AREA_M2, ISO_SIMPLIFY_M
    from gistool.webmap.geometry import drop_small

    tmp = Path(tempfile.mkdtemp(prefix="bench_html_"))
    try:
        result, net, data, config = demo_inputs(tmp / "run")
        tables = {**all_tables(result), "four_colour_rules": result.rules}
        # as the pipeline gives it (no raster hashing inside the timed writes)
        provenance = {"inputs": {"builtin:changge": [{"path": "changge"}]},
                      "versions": {"gistool": "bench"}, "date": config.maps.date}
        runs: list[Path] = []

        def pages() -> None:
            fonts._subset.cache_clear()
            stage = tmp / f"html{len(runs)}"
            stage.mkdir()
            _html(result, net, data, stage, config, {"html"}, tables, provenance)
            runs.append(stage)

        t_ours = measure_cpu("gistool: map.html + report.html, one shared CJK subset", pages,
                             repeat=repeat)
        ours = runs[-1]
        identical = _digests(runs[0]) == _digests(ours)

        def pages_apart() -> None:
            from gistool.report import write_report
            from gistool.webmap import write_webmap

            stage = tmp / f"html{len(runs)}"
            stage.mkdir()
            layers = {k: v for k, v in net.items()
                      if k in ("isochrones", "critical_links", "routes", "flood_edges")}
            write_webmap(result, stage / "map.html", data=data, network=layers)
            write_report(result, stage / "report.html", data=data, tables=tables,
                         network=layers, provenance=provenance, date=config.maps.date)
            runs.append(stage)

        with per_page_subsets():
            t_alt = measure_cpu("each page its own subset, every feature and language system",
                                pages_apart, repeat=repeat)
        theirs = runs[-1]
        text = {p.name: p.read_text(encoding="utf-8") for p in (ours / "map.html",
                                                                 ours / "report.html")}
        chars = "".join(sorted(set().union(*(fonts.page_characters(t) for t in text.values()))))

        def ours_subset() -> Any:
            fonts._subset.cache_clear()
            return fonts.subset_font(chars)

        t_font = measure_cpu("gistool subset_font (union of both pages)", ours_subset,
                             repeat=repeat)
        t_font_alt = measure_cpu("fontTools, every feature and language system",
                                 lambda: subset_all_features(chars), repeat=repeat)
        ent = table_from_frame(enterprise_list(result.enterprises, townships=result.townships),
                               "企业安全风险四色清单", colour_by="risk_grade")
        macro = _jinja_table_macro()
        t_tab = measure_cpu("gistool table_html (bulk escape, one format per row)",
                            lambda: table_html(ent, "enterprise-list"), repeat=repeat)
        t_tab_alt = measure_cpu("Jinja2 macro, autoescape per cell",
                                lambda: macro.render(t=ent, id="enterprise-list"), repeat=repeat)
        iso = drop_small(net["isochrones"].geometry.to_numpy(), ISO_MIN_AREA_M2)
        t_dp = measure_cpu("shapely.simplify, plain Douglas–Peucker",
                           lambda: shapely.simplify(iso, ISO_SIMPLIFY_M, preserve_topology=False),
                           repeat=repeat)
        t_tps = measure_cpu("shapely.simplify, preserve_topology=True",
                            lambda: shapely.simplify(iso, ISO_SIMPLIFY_M, preserve_topology=True),
                            repeat=repeat)
        a = shapely.simplify(iso, ISO_SIMPLIFY_M, preserve_topology=False)
        b = shapely.simplify(iso, ISO_SIMPLIFY_M, preserve_topology=True)
        checks = {
            "two_runs_byte_identical": identical,
            "kilobytes": {p.name: round(p.stat().st_size / 1e3, 1)
                          for p in sorted(ours.iterdir())},
            "kilobytes_per_page_subsets": {p.name: round(p.stat().st_size / 1e3, 1)
                                           for p in sorted(theirs.iterdir())},
            "subset_kilobytes": round(len(fonts.subset_font(chars) or b"") / 1e3, 1),
            "subset_kilobytes_all_features": round(len(subset_all_features(chars) or b"") / 1e3,
                                                   1),
            "characters": len(chars),
            "table_html_equals_jinja": str(table_html(ent, "enterprise-list"))
            == macro.render(t=ent, id="enterprise-list"),
            "isochrones_same_polygons": bool(
                (shapely.normalize(a) == shapely.normalize(b)).all()),
            "isochrone_vertices": int(shapely.get_num_coordinates(a).sum()),
        }
        return [
            (CaseResult("outputs: map.html + report.html, Changge demo",
                        t_ours.name, [t_ours, t_alt]), checks),
            (CaseResult("outputs: CJK font subset of both pages", t_font.name,
                        [t_font, t_font_alt]), {}),
            (CaseResult("outputs: report table of 11,932 enterprises as HTML", t_tab.name,
                        [t_tab, t_tab_alt]), {}),
            (CaseResult("outputs: web map isochrones simplified (20 m)", t_dp.name,
                        [t_dp, t_tps]), {}),
        ]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ----------------------------------------------------------------------------- tables


def openpyxl_xlsx(table: Any, sheet: str) -> bytes:
    """The table written with openpyxl's write-only workbook (as gistool did before)."""
    import io

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    from gistool.io.tables import FORMULA_PREFIXES, _cell_value, _sheet_title

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_sheet_title(sheet))
    ws.freeze_panes = "A2"
    bold = Font(bold=True)

    def text(value: str, font: Any = None) -> Any:
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"
        if font is not None:
            cell.font = font
        return cell

    ws.append([text(str(c), bold) for c in table.columns])
    columns = [[_cell_value(v) for v in table[c].to_numpy(dtype=object)] for c in table.columns]
    for row in zip(*columns, strict=True):
        ws.append([text(v) if isinstance(v, str) and v.startswith(FORMULA_PREFIXES) else v
                   for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def xlsxwriter_xlsx(table: Any, sheet: str) -> bytes:
    """The table written with xlsxwriter in ``constant_memory`` mode, strings as strings."""
    import io

    import xlsxwriter

    from gistool.io.tables import _cell_value, _sheet_title

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"constant_memory": True, "strings_to_formulas": False,
                                   "strings_to_numbers": False, "strings_to_urls": False})
    ws = wb.add_worksheet(_sheet_title(sheet))
    bold = wb.add_format({"bold": True})
    ws.freeze_panes(1, 0)
    ws.write_row(0, 0, [str(c) for c in table.columns], bold)
    columns = [[_cell_value(v) for v in table[c].to_numpy(dtype=object)] for c in table.columns]
    for i, row in enumerate(zip(*columns, strict=True), start=1):
        for j, v in enumerate(row):
            if v is None:
                continue
            if isinstance(v, str):
                ws.write_string(i, j, v)
            else:
                ws.write(i, j, v)
    wb.close()
    return buf.getvalue()


def pandas_xlsx(table: Any, sheet: str) -> bytes:
    """``DataFrame.to_excel`` with the openpyxl engine."""
    import io

    import pandas as pd

    from gistool.io.tables import _sheet_title

    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as w:
        table.to_excel(w, sheet_name=_sheet_title(sheet), index=False)
    return buf.getvalue()


def _read_back(data: bytes) -> list[list[Any]]:
    import io

    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    rows = [[c.value if c.value != "" else None for c in r] for r in wb.active.iter_rows()]
    wb.close()
    return rows


def run_tables(*, repeat: int = 5) -> list[tuple[CaseResult, dict]]:
    """The demo's XLSX tables: gistool's writer vs openpyxl, xlsxwriter and pandas.

    The same prepared tables (Chinese headings, display rounding) are written
    by each; every workbook is read back with openpyxl and compared cell by
    cell with gistool's. xlsxwriter is timed when installed (it is not a
    gistool dependency). The second case is the whole table step as
    ``gistool run`` does it (CSV + XLSX files).
    """
    import importlib.util

    from gistool.io.tables import _plain_frame, _xlsx_bytes
    from gistool.tables import TABLE_NAMES, _zh, all_tables, write_tables

    tmp = Path(tempfile.mkdtemp(prefix="bench_tables_"))
    try:
        result, _, _, _ = demo_inputs(tmp / "run")
        frames = {**all_tables(result), "four_colour_rules": result.rules}
        prepared = {k: (_plain_frame(_zh(v), "zh"), TABLE_NAMES.get(k, k))
                    for k, v in frames.items()}
        writers = {"gistool (gistool.io._xlsx)": _xlsx_bytes,
                   "openpyxl write-only": openpyxl_xlsx,
                   "pandas.to_excel (openpyxl)": pandas_xlsx}
        if importlib.util.find_spec("xlsxwriter") is not None:
            writers["xlsxwriter constant_memory"] = xlsxwriter_xlsx
        timings = []
        outputs: dict[str, dict[str, bytes]] = {}
        for name, write in writers.items():
            def all_books(write: Any = write, name: str = name) -> None:
                outputs[name] = {k: write(t, s) for k, (t, s) in prepared.items()}

            timings.append(measure_cpu(name, all_books, repeat=repeat))
        ours = {k: _read_back(b) for k, b in outputs["gistool (gistool.io._xlsx)"].items()}
        same = {name: all(_read_back(b) == ours[k] for k, b in books.items())
                for name, books in outputs.items()}
        rows = {k: len(t) for k, (t, _) in prepared.items()}
        t_write = measure_cpu("gistool write_tables (CSV + XLSX, 5 tables)",
                              lambda: write_tables(result, tmp / "tables"), repeat=repeat)
        checks = {"rows": rows, "same_cells_as_gistool": same,
                  "kilobytes": {n: round(sum(map(len, b.values())) / 1e3, 1)
                                for n, b in outputs.items()},
                  "deterministic": all(_xlsx_bytes(t, s) == outputs[
                      "gistool (gistool.io._xlsx)"][k] for k, (t, s) in prepared.items())}
        return [(CaseResult("outputs: XLSX tables, Changge demo (5 tables, 12,378 rows)",
                            timings[0].name, timings), checks),
                (CaseResult("outputs: table files as the pipeline writes them", t_write.name,
                            [t_write]), {})]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


#: Cases of this module by name (``python -m benchmarks.bench_outputs [NAME...]``).
CASES = {"maps": run_maps, "html": run_html, "tables": run_tables}


if __name__ == "__main__":
    import json
    import sys

    for name in sys.argv[1:] or list(CASES):
        for case, checks in CASES[name](repeat=3):
            print(case.markdown())
            print("CPU s (median):", {t.name: round(t.extra["cpu_s_median"], 3)
                                      for t in case.timings if "cpu_s_median" in t.extra})
            print(json.dumps(checks, ensure_ascii=False, indent=1))
