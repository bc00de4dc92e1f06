"""The faster output paths give what the slower ones gave.

- report tables rendered in bulk (:mod:`gistool.report.html`) equal the Jinja
  macro the template used before, hostile strings included;
- one CJK font subset shared by several pages covers every page's characters,
  keeps the Simplified-Chinese ``locl`` forms and sits after ``<meta charset>``;
- the web map's plain Douglas–Peucker path keeps every feature.
"""

from __future__ import annotations

import base64
import doctest
import io
import re
from typing import Any

import jinja2
import numpy as np
import pytest
import shapely
from _webmap_fixtures import XSS_ENTERPRISE, XSS_VILLAGE, layers, result, study_area
from shapely.geometry import Polygon, box

import gistool.report.fonts
import gistool.report.html
from gistool.report import report_html
from gistool.report.content import Table, table_from_frame
from gistool.report.html import escape_all, table_html
from gistool.webmap.geometry import simplify

#: The ``render_table`` macro report.html.j2 had, rendered by Jinja with the
#: report's environment settings: the independent implementation.
MACRO = """{% macro render_table(t, id="") %}
{% if t %}
<figure class="table"{% if id %} id="{{ id }}"{% endif %}>
<figcaption>{{ t.title }}{% if t.total_rows > t.rows|length %}（{{ t.rows|length }} / \
{{ t.total_rows }}）{% endif %}</figcaption>
<div class="scroll"><table>
<thead><tr>{% for h in t.headings %}<th>{{ h }}</th>{% endfor %}</tr></thead>
<tbody>
{% for row in t.rows %}
{% set colour = t.colours[loop.index0] if t.colours and t.colours[loop.index0] else none %}
<tr>{% for cell in row %}<td{% if t.numeric and t.numeric[loop.index0] %} class="num"\
{% endif %}{% if colour and loop.first %} style="border-left:6px solid {{ colour }}"\
{% endif %}>{{ cell }}</td>{% endfor %}</tr>
{% endfor %}
</tbody></table></div>
{% if t.note %}<p class="note">{{ t.note }}</p>{% endif %}
</figure>
{% endif %}
{% endmacro %}{{ render_table(t, id) }}"""


def _jinja(t: Table | None, id: str = "") -> str:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    return env.from_string(MACRO).render(t=t, id=id)


HOSTILE = [XSS_ENTERPRISE, XSS_VILLAGE, "a & b", "'\"", "{0}{}", "x\x00y", "=1+1", "长葛", ""]


def test_doctests() -> None:
    for mod in (gistool.report.html, gistool.report.fonts):
        assert doctest.testmod(mod).failed == 0


@pytest.mark.parametrize("table", [
    Table("<t>", ["<h>", "人口"], [[h, str(i)] for i, h in enumerate(HOSTILE)],
          ["#d7191c", None, "<x>", "#fdae61", None, None, "#1a9641", None, None],
          [False, True], "note <n> & more", 99),
    Table("空", ["a"], [], [], [], "", 0),
    Table("no columns", [], [[], []], [], [], "", 2),
    Table("no flags", ["a", "b"], [["1", "2"], ["3", "4"]], [], [], "", 2),
    None,
])
def test_table_html_equals_the_jinja_macro(table: Table | None) -> None:
    assert str(table_html(table, "id&<")) == _jinja(table, "id&<")
    assert str(table_html(table)) == _jinja(table)


def test_table_html_equals_the_jinja_macro_on_frames() -> None:
    import pandas as pd

    r = result()
    from gistool.tables import enterprise_list, ranking_table

    frames = [
        (ranking_table(r.villages, "village", townships=r.townships),
         {"colour_by": "risk_level", "max_rows": 3, "note": "前 3 名"}),
        (enterprise_list(r.enterprises), {"colour_by": "risk_grade"}),
        (pd.DataFrame({"x": [1.5, np.nan, np.inf], "flag": [True, False, True],
                       "name": ["<b>", None, "&amp;"]}), {}),
    ]
    for df, kw in frames:
        t = table_from_frame(df, "T <1>", **kw)
        assert str(table_html(t, "x")) == _jinja(t, "x")


def test_escape_all_matches_markupsafe_per_cell() -> None:
    from markupsafe import escape

    assert escape_all(HOSTILE) == [str(escape(h)) for h in HOSTILE]
    assert escape_all([]) == []


def test_hostile_names_stay_text_in_the_report() -> None:
    page = report_html(result(), data=study_area(), embed_font=False)
    assert XSS_ENTERPRISE not in page
    assert XSS_VILLAGE not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.startswith("<!DOCTYPE html>")


#: The start of the embedded subset's rule (Bokeh's own CSS has other @font-face rules).
FACE = "@font-face { font-family: 'gistool CJK'"


def _font(page: str) -> Any:
    from fontTools.ttLib import TTFont

    m = re.search(r"url\(data:font/woff;base64,([A-Za-z0-9+/=]+)\)", page)
    assert m is not None
    return TTFont(io.BytesIO(base64.b64decode(m.group(1)))), m.group(1)


def test_one_subset_for_two_pages_covers_both() -> None:
    pytest.importorskip("mplfonts")
    from gistool.report.fonts import embed_font
    from gistool.webmap.write import webmap_html

    lay = layers()
    map_page = webmap_html(townships=lay["townships"], embed_font=False)
    report_page = report_html(result(), data=study_area(), embed_font=False)
    assert FACE not in map_page + report_page
    a, b = embed_font([map_page, report_page])
    (fa, data_a), data_b = _font(a), _font(b)[1]
    assert data_a == data_b  # one subset, embedded in both
    cmap = fa.getBestCmap()
    for ch in "和尚桥镇缩放至全市" + "自然灾害与安全生产风险评估报告一图一单一表":
        assert ord(ch) in cmap
    # each page's own subset would cover only its own characters
    only_map = _font(embed_font([map_page])[0])[0].getBestCmap()
    assert ord("报") in cmap
    assert ord("报") not in only_map
    # the same characters give the same bytes (cached and deterministic)
    assert embed_font([map_page, report_page]) == [a, b]


def test_font_sits_after_meta_charset_in_the_first_kilobyte() -> None:
    pytest.importorskip("mplfonts")
    from gistool.webmap.write import webmap_html

    lay = layers()
    for page in (webmap_html(townships=lay["townships"]),
                 report_html(result(), data=study_area())):
        head = page.encode("utf-8")[:1024].decode("utf-8", "ignore")
        assert '<meta charset="utf-8">' in head
        assert page.index('<meta charset="utf-8">') < page.index(FACE)
        assert page.index("</title>") < page.index(FACE)


def test_subset_keeps_default_and_simplified_chinese_forms_only() -> None:
    """Features browsers apply stay; ZHS ``locl`` (e.g. the em dash) stays; JAN/KOR/ZHT go."""
    pytest.importorskip("mplfonts")
    from fontTools.ttLib import TTFont

    from gistool.maps.fonts import cjk_font_path
    from gistool.report.fonts import subset_font

    font = TTFont(io.BytesIO(subset_font("风险—“”\"'")))
    gsub = font["GSUB"].table
    langs = {r.LangSysTag for s in gsub.ScriptList.ScriptRecord for r in s.Script.LangSysRecord}
    assert langs == {"ZHS "}
    tags = {f.FeatureTag for f in gsub.FeatureList.FeatureRecord}
    assert "locl" in tags
    assert "aalt" not in tags
    assert "fwid" not in tags
    # the ZHS locl lookup of the source font maps the em dash; so does the subset's
    with TTFont(str(cjk_font_path()), lazy=True) as full:
        dash = full.getBestCmap()[ord("—")]
        source = zhs_locl(full)
    assert dash in source
    assert zhs_locl(font).get(dash) == source[dash]
    # 95 ASCII + 6 characters and their ZHS forms, not thousands of alternates
    assert len(font.getGlyphOrder()) < 150


def zhs_locl(f: Any) -> dict[str, str]:
    """The glyph mapping of the ``locl`` feature under ``hani``/``ZHS``."""
    t = f["GSUB"].table
    out: dict[str, str] = {}
    for s in t.ScriptList.ScriptRecord:
        for r in s.Script.LangSysRecord:
            if r.LangSysTag != "ZHS ":
                continue
            for i in r.LangSys.FeatureIndex:
                rec = t.FeatureList.FeatureRecord[i]
                if rec.FeatureTag != "locl":
                    continue
                for li in rec.Feature.LookupListIndex:
                    for st in t.LookupList.Lookup[li].SubTable:
                        out.update(getattr(getattr(st, "ExtSubTable", st), "mapping", {}))
    return out


def test_plain_douglas_peucker_keeps_every_feature() -> None:
    sliver = Polygon([(0, 0), (1, 0), (1, 0.2), (0, 0.2)])
    ring = Polygon([(x, y) for x, y in zip(np.cos(np.linspace(0, 6.2, 400)) * 100,
                                            np.sin(np.linspace(0, 6.2, 400)) * 100, strict=True)])
    g = np.array([sliver, ring, box(0, 0, 10, 10), None], dtype=object)
    fast = simplify(g, 0.5, preserve_topology=False)
    slow = simplify(g, 0.5)
    assert not shapely.is_empty(fast[:3]).any()  # the sliver DP would empty is kept
    assert fast[3] is None
    # where DP keeps the shape, it is the topology-preserving result
    assert shapely.equals(fast[1], slow[1])
    assert shapely.equals(fast[2], slow[2])
    assert shapely.get_num_coordinates(fast[1]) < 100


def test_format_column_equals_format_value_cell_by_cell() -> None:
    import pandas as pd

    from gistool.report.content import format_column, format_value

    rng = np.random.default_rng(1)
    floats = np.concatenate([rng.normal(0, 1e5, 500), rng.integers(-20_000, 20_000, 200),
                             [0.0, -0.0, 0.5, 1.5, 2.5, 9999.0, 10_000.0, -10_000.0, 1e15, 1e16,
                              np.nan, np.inf, -np.inf, 123.4565, 1e-9]])
    columns = [
        pd.Series(floats), pd.Series(floats.astype(np.float32)),
        pd.Series(rng.integers(-10**12, 10**12, 50)), pd.Series([True, False, True]),
        pd.Series([1, "甲", None, 2.5, True, np.nan, pd.NA], dtype=object),
        pd.Series(["a", None, "b"], dtype="string"), pd.Series([1, None], dtype="Int64"),
        pd.Series(pd.to_datetime(["2026-11-29", None])),
    ]
    for col in columns:
        assert format_column(col) == [format_value(v) for v in col.to_numpy(dtype=object)]
