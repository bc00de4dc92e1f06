"""Offline interactive map: geometry extraction, layers, escaping, determinism, no network."""

from __future__ import annotations

import doctest
import json
import re

import geopandas as gpd
import numpy as np
import pytest
import shapely
from _webmap_fixtures import XSS_ENTERPRISE, XSS_VILLAGE, layers, result, study_area
from shapely.geometry import MultiPolygon, Polygon, box

import gistool.webmap.geometry
import gistool.webmap.write
from gistool.errors import CRSError, InputError, OutputError
from gistool.webmap import external_references, webmap, write_webmap
from gistool.webmap.geometry import line_coords, multi_line_coords, polygon_coords


def test_doctests() -> None:
    for mod in (gistool.webmap.geometry, gistool.webmap.write):
        assert doctest.testmod(mod).failed == 0


def test_polygon_coords_rebuild_the_polygons() -> None:
    holed = Polygon(box(0, 0, 10, 10).exterior.coords,
                    [box(1, 1, 3, 3).exterior.coords, box(5, 5, 7, 8).exterior.coords])
    multi = MultiPolygon([box(20, 0, 21, 1), holed])
    geoms = np.array([box(0, 0, 2, 1), holed, multi, Polygon()], dtype=object)
    xs, ys = polygon_coords(geoms)
    assert [len(f) for f in xs] == [1, 1, 2, 0]
    assert [len(p) for p in xs[2]] == [1, 3]
    rebuilt = [
        shapely.unary_union([
            Polygon(np.c_[px[0], py[0]], [np.c_[hx, hy] for hx, hy in zip(px[1:], py[1:],
                                                                            strict=True)])
            for px, py in zip(fx, fy, strict=True)
        ]) for fx, fy in zip(xs[:3], ys[:3], strict=True)
    ]
    for a, b in zip(rebuilt, geoms[:3], strict=True):
        assert a.equals(b)
    assert rebuilt[1].area == 100 - 4 - 6
    # small holes and parts left out: the 4 m² hole and the 1 m² part go, the 6 m² hole stays
    xs, _ = polygon_coords(geoms[1:3], min_area=5.0)
    assert [len(p) for p in xs[0]] == [2]
    assert [len(p) for p in xs[1]] == [2]
    assert xs[1][0][1] == [5.0, 7.0, 7.0, 5.0, 5.0] or xs[1][0][1] == [7.0, 7.0, 5.0, 5.0, 7.0]


def test_line_coords_nan_separated() -> None:
    from shapely.geometry import LineString, MultiLineString

    g = np.array([LineString([(0, 0), (1, 0), (1, 1)]),
                  MultiLineString([[(5, 5), (6, 6)], [(7, 7), (8, 8)]])], dtype=object)
    x, _y = line_coords(g)
    assert np.isnan(x).sum() == 2
    assert x[~np.isnan(x)].tolist() == [0, 1, 1, 5, 6, 7, 8]
    xs, _ = multi_line_coords(g)
    assert [np.isnan(a).sum() for a in xs] == [0, 1]
    assert len(xs[1]) == 5


def _renderers(layout):
    from bokeh.models import GlyphRenderer

    return list(layout.select({"type": GlyphRenderer}))


def test_webmap_layers_legend_popups_and_zoom() -> None:
    from bokeh.models import CheckboxGroup, HoverTool, Legend, Select

    lay = layers()
    m = webmap(result(), data=study_area(), network={"isochrones": lay["isochrones"],
                                                     "affected_roads": lay["cut_roads"]})
    legend = m.select_one({"type": Legend})
    labels = [it.label.value for it in legend.items]
    # the five levels red → green, the four colours, facilities in Chinese
    assert labels[:5] == ["风险区·高风险", "风险区·中高风险", "风险区·中风险", "风险区·中低风险",
                          "风险区·低风险"]
    for text in ("企业·重大风险（红）", "企业·低风险（蓝）", "消防站", "救援队", "医院",
                 "洪涝中断道路", "洪涝减速道路", "救援等时圈（常态）", "救援等时圈（洪涝）"):
        assert text in labels
    assert legend.click_policy == "hide"
    zone_colours = [it.renderers[0].glyph.fill_color for it in legend.items[:5]]
    assert zone_colours == ["#d7191c", "#fdae61", "#ffffbf", "#a6d96a", "#1a9641"]
    checks = m.select_one({"type": CheckboxGroup})
    assert checks.labels == ["风险区划", "村（社区）风险等级", "救援等时圈", "乡镇界", "道路",
                             "洪涝受阻道路", "企业四色", "救援设施"]
    assert checks.active == [0, 3, 4, 5, 6, 7]  # villages and isochrones start hidden
    tips = {lbl for h in m.select({"type": HoverTool}) for lbl, _ in h.tooltips}
    assert {"名称", "风险等级", "风险指数", "四色等级", "行业类别", "最大水深(米)"} <= tips
    sel = m.select_one({"type": Select})
    assert [label for _, label in sel.options] == ["全市（全部）", "和尚桥镇", "大周镇"]
    # enterprise data reach the popups as plain values (escaped by Bokeh when shown)
    names = [n for r in _renderers(m) for n in r.data_source.data.get("name", [])]
    assert XSS_ENTERPRISE in names
    assert XSS_VILLAGE in names
    village = next(r for r in _renderers(m) if XSS_VILLAGE in r.data_source.data.get("name", []))
    assert village.data_source.data["township"] == ["和尚桥镇", "和尚桥镇", "大周镇", "大周镇"]
    assert village.data_source.data["driver"] == ["救援能力", "暴露度", "危险性", "暴露度"]
    assert village.data_source.data["level"] == ["低风险", "中高风险", "高风险", "中风险"]


def test_webmap_reprojects_and_refuses_missing_crs() -> None:
    lay = layers()
    fac = lay["facilities"].to_crs(4326)
    m = webmap(townships=lay["townships"], facilities=fac)
    xs = [x for r in _renderers(m) for x in r.data_source.data.get("x", [])]
    assert np.allclose(sorted(xs), sorted(lay["facilities"].geometry.x), atol=0.01)
    bad = gpd.GeoDataFrame({"name": ["a"]}, geometry=[box(0, 0, 1, 1)])
    with pytest.raises(CRSError, match=r"townships.*set_crs"):
        webmap(townships=bad)
    with pytest.raises(InputError, match="unknown layers"):
        webmap(rivers=lay["roads"])
    with pytest.raises(InputError, match="no layers"):
        webmap()


def test_write_webmap_offline_escaped_deterministic(tmp_path) -> None:
    lay = layers()
    kw = {"data": study_area(), "network": {"isochrones": lay["isochrones"],
                                           "affected_roads": lay["cut_roads"]},
          "embed_font": False}
    a = write_webmap(result(), tmp_path / "a.html", **kw)
    b = write_webmap(result(), tmp_path / "b.html", **kw)
    text = a.read_text(encoding="utf-8")
    assert a.read_bytes() == b.read_bytes()  # byte-reproducible
    assert external_references(text) == []
    assert not re.search(r"<script[^>]*\bsrc=", text)
    assert not re.search(r"<link[^>]*\bhref=", text)
    assert "Content-Security-Policy" in text
    assert "connect-src 'none'" in text
    # user strings only inside the JSON, escaped: never as markup
    assert "<img src=x" not in text
    assert "<script>alert(1)" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    # the title Div is escaped by us
    m = write_webmap(result(), tmp_path / "t.html", title="<b>长葛</b>", **kw)
    assert "&lt;b&gt;" in m.read_text(encoding="utf-8") or "\\u0026lt;b" in m.read_text(
        encoding="utf-8")
    with pytest.raises(OutputError, match="exists"):
        write_webmap(result(), a, overwrite=False, **kw)


def test_docs_json_parses_and_ids_are_stable(tmp_path) -> None:
    p = write_webmap(townships=layers()["townships"], path=tmp_path / "m.html",
                     embed_font=False)
    text = p.read_text(encoding="utf-8")
    blob = re.search(r'<script type="application/json" id="([^"]+)">\s*(.*?)\s*</script>', text,
                     re.S)
    assert re.fullmatch(r"00000000-0000-4000-8000-\d{12}", blob.group(1))
    docs = json.loads(blob.group(2).replace("&quot;", '"').replace("&amp;", "&")
                      .replace("&lt;", "<").replace("&gt;", ">").replace("&#x27;", "'"))
    (doc,) = docs.values()
    assert doc["roots"][0]["id"] == "p1000"


def test_embedded_font_covers_page_characters(tmp_path) -> None:
    pytest.importorskip("mplfonts")
    from fontTools.ttLib import TTFont

    p = write_webmap(townships=layers()["townships"], path=tmp_path / "m.html")
    text = p.read_text(encoding="utf-8")
    m = re.search(r"url\(data:font/woff;base64,([A-Za-z0-9+/=]+)\)", text)
    assert m is not None
    import base64
    import io

    font = TTFont(io.BytesIO(base64.b64decode(m.group(1))))
    cmap = font.getBestCmap()
    for ch in "和尚桥镇大周镇乡镇界缩放至全市图层":
        assert ord(ch) in cmap
    assert len(m.group(1)) < 400_000


def test_critical_links_and_routes() -> None:
    from _webmap_fixtures import CRS, X0, Y0
    from bokeh.models import CheckboxGroup, HoverTool
    from shapely.geometry import LineString

    crit = gpd.GeoDataFrame(
        {"rank": [1, 2], "edge_id": [7, 9], "name": ["县道", ""], "road_class": ["county", "x"],
         "increase_weighted_minutes": [1234.56, 10.0], "isolated_population": [300.0, 0.0]},
        geometry=[LineString([(X0, Y0), (X0 + 500, Y0)]),
                  LineString([(X0, Y0 + 10), (X0 + 20, Y0 + 10)])], crs=CRS)
    routes = gpd.GeoDataFrame(
        {"source_id": ["F1"], "target_id": ["411082100200/3"], "minutes": [12.345],
         "length_m": [8000.0], "road_names": ["G4；县道"]},
        geometry=[LineString([(X0, Y0), (X0 + 4000, Y0 + 2000)])], crs=CRS)
    m = webmap(townships=layers()["townships"],
               network={"critical_links": crit, "routes": routes})
    assert m.select_one({"type": CheckboxGroup}).labels == ["乡镇界", "关键路段", "救援路线"]
    src = next(r.data_source for r in _renderers(m) if "increase_weighted_minutes"
               in r.data_source.data)
    assert src.data["road_class"] == ["县道", "x"]
    assert src.data["increase_weighted_minutes"] == ["1234.6", "10"]
    tips = {lbl for h in m.select({"type": HoverTool}) for lbl, _ in h.tooltips}
    assert {"断开后孤立人口", "出发设施", "途经道路", "时间(分钟)"} <= tips


def test_local_tiles_draw_in_web_mercator(tmp_path) -> None:
    from bokeh.models import WMTSTileSource

    t = layers()["townships"]
    m = webmap(townships=t, tiles="tiles/{Z}/{X}/{Y}.png")
    src = m.select_one({"type": WMTSTileSource})
    assert src.url == "tiles/{Z}/{X}/{Y}.png"
    xs = [x for r in _renderers(m) for f in r.data_source.data.get("xs", []) for p in f
          for x in p[0]]
    expected = t.to_crs(3857).total_bounds
    assert min(xs) == pytest.approx(expected[0], abs=1.0)
    assert max(xs) == pytest.approx(expected[2], abs=1.0)
    # without tiles the page forbids every request; with them the user's source is allowed
    text = write_webmap(townships=t, tiles="tiles/{Z}/{X}/{Y}.png", path=tmp_path / "m.html",
                        embed_font=False).read_text(encoding="utf-8")
    assert "Content-Security-Policy" not in text
