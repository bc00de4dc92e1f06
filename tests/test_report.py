"""The self-contained report: sections, figures a reader checks, escaping, no network."""

from __future__ import annotations

import doctest
import re
from html.parser import HTMLParser

import pytest
from _webmap_fixtures import XSS_ENTERPRISE, XSS_VILLAGE, layers, result, study_area

import gistool.report.content
import gistool.report.images
from gistool.errors import InputError, OutputError
from gistool.report import collect_maps, write_report
from gistool.webmap import external_references


class _Tags(HTMLParser):
    """Every start tag with its attributes, and the text of each element id."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(text: str) -> _Tags:
    p = _Tags()
    p.feed(text)
    return p


def _figure():
    from matplotlib.figure import Figure

    fig = Figure(figsize=(3, 2))
    fig.add_subplot().fill([0, 1, 1], [0, 0, 1], color="#d7191c")
    return fig


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("report") / "report.html"
    lay = layers()
    write_report(result(), out, data=study_area(), maps={"risk_zoning": _figure(),
                                                         "four_colour": _figure()},
                 network={"isochrones": lay["isochrones"]}, date="2026-11-29", embed_font=False)
    return out.read_text(encoding="utf-8")


def test_doctests() -> None:
    for mod in (gistool.report.content, gistool.report.images):
        assert doctest.testmod(mod).failed == 0


def test_sections_and_title(page: str) -> None:
    for anchor in ("summary", "maps", "ranking", "four-colour", "weights", "method",
                   "provenance"):
        assert f'<section id="{anchor}">' in page
    assert "<title>测试县自然灾害与安全生产风险评估报告</title>" in page
    assert "合成（示例）数据" in page
    assert "2026-11-29" in page


def test_self_contained_no_scripts_no_network(page: str) -> None:
    tags = _parse(page).tags
    assert external_references(page) == []
    assert not [t for t, _ in tags if t in ("script", "link", "iframe", "object")]
    imgs = [a["src"] for t, a in tags if t == "img"]
    assert len(imgs) == 2
    assert all(src.startswith("data:image/png;base64,iVBORw0KGgo") for src in imgs)
    csp = next(a["content"] for t, a in tags if t == "meta" and a.get("http-equiv"))
    assert "default-src 'none'" in csp


def test_user_strings_escaped(page: str) -> None:
    assert XSS_VILLAGE not in page
    assert XSS_ENTERPRISE not in page
    assert "&lt;img src=x onerror=&#34;document.title=&#39;pwned&#39;&#34;&gt;" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    # the parser sees the names as text, and no element carries an event handler
    p = _parse(page)
    assert XSS_VILLAGE in "".join(p.text)
    assert not [a for _, a in p.tags if any(k.startswith("on") for k in a)]


def test_summary_figures(page: str) -> None:
    # levels 1–2 hold 丙村 1500 + the XSS village 2000 = 3500 of 8000 people
    card = re.search(r'id="high-population"><div class="v">([^<]+)<', page)
    assert card.group(1) == "3,500"
    assert "43.8% of population" in page
    iso = re.search(r'id="isolated"><div class="v">([^<]+)<', page)
    assert iso.group(1) == "1 / 1"
    levels = page[page.index('id="level-counts"'):page.index("</table>",
                                                             page.index('id="level-counts"'))]
    rows = re.findall(r"<tr><td><span[^>]*></span>(\d) ([^（]+)（", levels)
    assert rows == [("1", "高风险"), ("2", "中高风险"), ("3", "中风险"), ("4", "中低风险"),
                    ("5", "低风险")]
    grades = page[page.index('id="grade-counts"'):]
    counts = re.findall(r'<td class="num">(\d+)</td>', grades[:grades.index("</table>")])
    assert counts == ["2", "1", "2", "1"]


def test_weights_and_consistency_ratio(page: str) -> None:
    r = result()
    cr = re.search(r"CR = CI/RI = ([0-9.]+)", page)
    assert float(cr.group(1)) == pytest.approx(r.ahp.cr, abs=5e-5)
    assert "一致性可以接受" in page
    for k, w in r.weights.items():
        assert f"<td>{k}</td>" in page
        assert f"{w:.4f}" in page
    assert "1/3" in page  # Saaty judgements as fractions


def test_ranking_enterprise_list_and_crosstab(page: str) -> None:
    vr = page[page.index('id="village-ranking"'):]
    vr = vr[:vr.index("</figure>")]
    order = re.findall(r"<td>(411082\d{6})</td>", vr)
    assert order == ["411082101200", "411082100201", "411082101201", "411082100200"]
    assert "所属乡镇" in vr
    el = page[page.index('id="enterprise-list"'):]
    el = el[:el.index("</figure>")]
    ids = re.findall(r"<td[^>]*>(E\d)</td>", el)
    assert ids == ["E4", "E0", "E1", "E5", "E2", "E3"]  # 重大 (most raised first) … 低
    ct = page[page.index('id="enterprise-crosstab"'):]
    ct = ct[:ct.index("</figure>")]
    total = re.findall(r"<td>合计</td>(.*?)</tr>", ct)[-1]
    assert re.findall(r">(\d+)<", total) == ["2", "1", "2", "1", "6"]
    # the four-colour map sits with its list (一图一单一表)
    fc = page[page.index('<section id="four-colour">'):]
    assert fc.index('id="map-four_colour"') < fc.index('id="enterprise-list"')
    assert "四色分级规则" in fc


def test_method_notes_have_formulas(page: str) -> None:
    method = page[page.index('<section id="method">'):page.index('<section id="provenance">')]
    for text in ("R = H·E·V·(1 − C)", "Fisher–Jenks", "CR = CI/RI", "max(x′<sub>k</sub>, 0.01)",
                 "重大 = 红"):
        assert text in method


def test_maps_from_dir_paths_and_bytes(tmp_path) -> None:
    fig = _figure()
    png = tmp_path / "maps"
    png.mkdir()
    fig.savefig(png / "hazard_overview.png", dpi=20)
    fig.savefig(png / "extra_map.png", dpi=20)
    raw = (png / "extra_map.png").read_bytes()
    images = collect_maps({"reachability": raw, "risk_zoning": png / "extra_map.png"}, png)
    assert [i.name for i in images] == ["risk_zoning", "reachability", "hazard_overview",
                                        "extra_map"]
    assert images[0].title == "风险区划图"
    with pytest.raises(InputError, match="not a PNG"):
        collect_maps({"x": b"GIF89a"})
    with pytest.raises(InputError, match="does not exist"):
        collect_maps({"x": tmp_path / "missing.png"})


def test_overwrite_refused_and_truncated_villages(tmp_path) -> None:
    out = write_report(result(), tmp_path / "r.html", embed_font=False, max_village_rows=2)
    text = out.read_text(encoding="utf-8")
    assert "（2 / 4）" in text
    assert "完整排名见" in text
    with pytest.raises(OutputError, match="exists"):
        write_report(result(), out, overwrite=False, embed_font=False)


def test_provenance_given_and_embedded_font(tmp_path) -> None:
    pytest.importorskip("mplfonts")
    prov = {"inputs": {"villages": [{"path": "村<界>.shp", "size": 1234, "sha256": "ab" * 32}]},
            "versions": {"gistool": "0.1.0"}}
    out = write_report(result(), tmp_path / "r.html", provenance=prov)
    text = out.read_text(encoding="utf-8")
    assert "村&lt;界&gt;.shp" in text
    assert "ab" * 32 in text
    assert "url(data:font/woff;base64," in text
    assert external_references(text) == []


def test_maps_auto_draws_the_available_maps(tmp_path) -> None:
    from _webmap_fixtures import real_area

    lay = layers()
    out = write_report(result(), tmp_path / "r.html", data=real_area(), maps="auto",
                       network={"isochrones": lay["isochrones"]}, embed_font=False)
    ids = re.findall(r'<figure class="map" id="map-([a-z_]+)">', out.read_text(encoding="utf-8"))
    # no flood raster or geohazards in this area: three of the five maps
    assert ids == ["risk_zoning", "reachability", "four_colour"]
    with pytest.raises(ValueError, match="'auto'"):
        write_report(result(), tmp_path / "x.html", maps="all", embed_font=False)


def test_two_writes_are_byte_identical(tmp_path) -> None:
    kw = {"data": study_area(), "maps": {"risk_zoning": _figure()}, "date": "2026-11-29",
          "embed_font": False}
    a = write_report(result(), tmp_path / "a.html", **kw)
    b = write_report(result(), tmp_path / "b.html", **kw)
    assert a.read_bytes() == b.read_bytes()


def test_critical_links_table_in_chinese(tmp_path) -> None:
    """Road class, scenario and headings read in Chinese; an unnamed road is blank."""
    import geopandas as gpd
    import numpy as np
    import shapely

    crit = gpd.GeoDataFrame(
        {"rank": [1, 2], "edge_id": [17, 4], "name": ["许昌路", None],
         "road_class": ["national", "village"], "increase_weighted_minutes": [1234.5, 0.0],
         "isolated_targets": [0, 3], "isolated_weight": [0.0, 812.0],
         "downstream_weight": [5000.0, 812.0], "scenario": ["flood", "flood"]},
        geometry=shapely.linestrings([[(0, 0), (1, 0)], [(1, 0), (2, 0)]]), crs="EPSG:4547",
    )
    out = tmp_path / "report.html"
    write_report(result(), out, data=study_area(), maps={}, network={"critical_links": crit},
                 date="2026-11-29", embed_font=False)
    text = out.read_text(encoding="utf-8")
    section = text[text.index("关键路段"):]
    section = section[: section.index("</table>")]
    cells = [c.strip() for c in _parse(section).text if c.strip()]
    for want in ("情景", "道路等级", "路段编号", "孤立目标数", "洪涝", "国道", "村道", "许昌路"):
        assert want in cells, want
    assert not {"flood", "national", "village", "nan", "None"} & set(cells)
    assert np.isin(["1,234.500", "1234.500"], cells).any()
