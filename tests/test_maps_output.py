"""Map output: CJK font and no missing glyphs, page size, PDF text and font, byte identity."""

from __future__ import annotations

import re
import warnings
import zlib
from pathlib import Path

import _maps_fixtures as fx
import pytest
from matplotlib import font_manager
from matplotlib.text import Text
from PIL import Image

from gistool import maps
from gistool.errors import InputError, OutputError
from gistool.maps.fonts import CJK_FAMILY, cjk_font_path

DATE = "2026-01-05"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> fx.TinyArea:
    return fx.tiny_area(tmp_path_factory.mktemp("tiny"))


def _all_maps(area: fx.TinyArea) -> list:
    return [
        maps.risk_zoning_map(fx.zones(area), area=area, date=DATE),
        maps.four_colour_map(area.enterprises, area=area, date=DATE),
        maps.flood_scenario_map(affected_edges=fx.affected_edges(area),
                                isolated_targets=fx.isolated(area), area=area, date=DATE),
        maps.reachability_map(fx.isochrones(area), area=area, date=DATE),
        maps.hazard_overview_map(area=area, date=DATE),
    ]


def _texts(fig) -> list[Text]:
    return [t for t in fig.findobj(Text) if t.get_text()]


def test_all_text_renders_in_the_cjk_font_without_warnings(tiny, tmp_path):
    expected = Path(cjk_font_path())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figs = _all_maps(tiny)
        for i, fig in enumerate(figs):
            maps.save_map(fig, tmp_path / f"m{i}.png", dpi=40)
    glyphs = [str(w.message) for w in caught]
    assert glyphs == []
    for fig in figs:
        texts = _texts(fig)
        assert any(re.search(r"[\u4e00-\u9fff]", t.get_text()) for t in texts)
        for t in texts:
            assert t.get_fontfamily() == [CJK_FAMILY], t.get_text()
            found = font_manager.fontManager.findfont(t.get_fontproperties(),
                                                      fallback_to_default=False)
            assert Path(found) == expected


def test_every_map_has_title_scale_north_crs_and_data_notes(tiny):
    for fig in _all_maps(tiny):
        texts = [t.get_text() for t in _texts(fig)]
        joined = "\n".join(texts)
        assert "N" in texts  # north arrow
        assert "km" in texts
        assert "0" in texts
        assert "坐标系：CGCS2000 / 3度带高斯-克吕格 114°E (EPSG:4547)" in joined
        assert "制图日期：2026-01-05" in joined
        assert "示意数据（合成）/ synthetic demo data" in joined
        assert "数据来源：示例边界" in joined
        assert all(n in texts for n in ("东城街道", "西山镇", "南湖镇"))  # township names
        assert fig.legends == []
        assert fig.axes[-1].artists


def test_synthetic_note_follows_the_flag(tiny):
    fig = maps.four_colour_map(tiny.enterprises, area=tiny, date=DATE, synthetic=False)
    joined = "\n".join(t.get_text() for t in _texts(fig))
    assert "synthetic" not in joined
    fig = maps.four_colour_map(tiny.enterprises, townships=tiny.townships,
                               boundary=tiny.boundary, data_note="来源：某局 2025", synthetic=True)
    joined = "\n".join(t.get_text() for t in _texts(fig))
    assert "来源：某局 2025\n示意数据（合成）" in joined.replace("\n\n", "\n")


def test_png_is_a4_at_300_dpi(tiny, tmp_path):
    fig = maps.risk_zoning_map(fx.zones(tiny), area=tiny, date=DATE)
    out = maps.save_map(fig, tmp_path / "a4.png")
    with Image.open(out) as im:
        assert im.size == (round(11.69 * 300), round(8.27 * 300))  # 3507 × 2481
        assert [round(v) for v in im.info["dpi"]] == [300, 300]
    fig = maps.risk_zoning_map(fx.zones(tiny), area=tiny, date=DATE, page="A3")
    out = maps.save_map(fig, tmp_path / "a3.png", dpi=100)
    with Image.open(out) as im:
        assert im.size == (1654, 1169)


def _pdf_streams(data: bytes) -> list[bytes]:
    out = []
    for m in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
        try:  # a decompressor object ignores the end-of-line before "endstream"
            out.append(zlib.decompressobj().decompress(m.group(1)))
        except zlib.error:
            out.append(m.group(1))
    return out


def test_pdf_is_vector_with_embedded_subset_font(tiny, tmp_path):
    fig = maps.four_colour_map(tiny.enterprises, area=tiny, date=DATE)
    out = maps.save_map(fig, tmp_path / "map.pdf")
    data = out.read_bytes()
    assert data.startswith(b"%PDF-")
    assert b"NotoSansCJKsc-Regular" in data  # the font is embedded …
    assert b"/Subtype /Type3" in data
    assert len(data) < 2_000_000  # … as a subset, not the 16 MB file
    streams = _pdf_streams(data)
    text_ops = [s for s in streams if b" Tf" in s and b"BT" in s]
    assert text_ops, "no text objects: text must stay text, not paths"
    assert b"CreationDate" not in data
    assert rb"/Producer (gistool \(matplotlib\))" in data


@pytest.mark.parametrize("suffix", [".png", ".pdf"])
def test_two_saves_are_byte_identical(tiny, tmp_path, suffix):
    fig = maps.hazard_overview_map(area=tiny, date=DATE)
    a = maps.save_map(fig, tmp_path / f"a{suffix}", dpi=60)
    b = maps.save_map(fig, tmp_path / f"b{suffix}", dpi=60)
    assert a.read_bytes() == b.read_bytes()
    fig2 = maps.hazard_overview_map(area=tiny, date=DATE)
    c = maps.save_map(fig2, tmp_path / f"c{suffix}", dpi=60)
    assert c.read_bytes() == a.read_bytes()  # a fresh figure too


def test_script_name_is_drawn_as_text(tiny):
    towns = tiny.townships.copy()
    towns.loc[1, "name"] = "<script>alert(1)</script>"
    fig = maps.four_colour_map(tiny.enterprises, townships=towns, boundary=tiny.boundary,
                               date=DATE)
    assert "<script>alert(1)</script>" in [t.get_text() for t in _texts(fig)]


def test_save_map_refuses_unknown_format_and_existing_file(tiny, tmp_path):
    fig = maps.four_colour_map(tiny.enterprises, area=tiny, date=DATE)
    with pytest.raises(InputError, match=r"\.png or \.pdf"):
        maps.save_map(fig, tmp_path / "map.jpg")
    maps.save_map(fig, tmp_path / "m.png", dpi=20)
    with pytest.raises(OutputError, match="exists"):
        maps.save_map(fig, tmp_path / "m.png", dpi=20, overwrite=False)
    assert [p.name for p in tmp_path.iterdir()] == ["m.png"]  # no temporary left


def test_importing_maps_does_not_import_matplotlib():
    import subprocess
    import sys

    code = ("import sys, gistool.maps; "
            "print('matplotlib' in sys.modules, 'rasterio' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == ["False", "False"]


def test_text_added_later_renders_in_the_cjk_font_and_rc_stays(tiny, tmp_path):
    import matplotlib as mpl

    before = {k: mpl.rcParams[k] for k in ("font.family", "font.sans-serif",
                                           "axes.unicode_minus")}
    fig = maps.four_colour_map(tiny.enterprises, area=tiny, date=DATE)
    fig.axes[0].set_title("规划人员自加标题 −3")  # default family, Chinese and a minus
    fig.text(0.1, 0.1, "另加注记")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        maps.save_map(fig, tmp_path / "later.png", dpi=40)
        maps.save_map(fig, tmp_path / "later.pdf")
    assert {k: mpl.rcParams[k] for k in before} == before


def test_pdf_opens_and_its_chinese_text_is_extractable(tiny, tmp_path):
    import shutil
    import subprocess

    if shutil.which("pdftotext") is None or shutil.which("pdffonts") is None:
        pytest.skip("poppler-utils (pdftotext, pdffonts) not installed")
    fig = maps.risk_zoning_map(fx.zones(tiny), area=tiny, date=DATE)
    out = maps.save_map(fig, tmp_path / "zoning.pdf")
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True,
                          check=True).stdout
    for s in ("示例县综合风险区划图", "高风险（1个，48.0 km²）", "西山镇", "EPSG:4547"):
        assert s in text
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True,
                           check=True).stdout.splitlines()[2:]
    assert fonts
    for row in fonts:
        name, kind, emb_sub_uni = row.split()[0], row.split()[1:3], row.split()[-5:-2]
        assert name.endswith("+NotoSansCJKsc-Regular")
        assert kind == ["Type", "3"]
        assert emb_sub_uni == ["yes", "yes", "yes"]  # embedded, subset, with Unicode map
