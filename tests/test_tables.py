"""Tables: rankings, four-colour list, summary; CSV (BOM) and XLSX with Chinese headers."""

from __future__ import annotations

import doctest
from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

import gistool.tables
from gistool.errors import SchemaError
from gistool.tables import enterprise_list, ranking_table, summary_table, write_tables

CRS = "EPSG:4547"


def _townships() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "code": ["411082100", "411082101"],
            "name": ["和尚桥镇", "大周镇"],
            "kind": ["镇", "镇"],
            "risk_index": [0.3, 0.8],
            "risk_level": [3, 1],
            "population": [3000.0, 5000.0],
            "driver": ["E", "H"],
        },
        geometry=[box(0, 0, 2000, 2000), box(2000, 0, 4000, 2000)],
        crs=CRS,
    )


def _villages() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "code": ["411082100200", "411082100201", "411082101200", "411082101201"],
            "name": ["甲村", "=cmd|' /C calc'!A0", "丙村", "丁村"],
            "township_code": ["411082100", "411082100", "411082101", "411082101"],
            "population": [1000.0, 2000.0, 1500.0, 3500.0],
            "risk_index": [0.1, 0.5, 0.9, 0.5],
            "risk_level": [5, 2, 1, 2],
            "H": [0.1, 0.4, 0.9, 0.3],
            "E": [0.2, 0.6, 0.5, 0.7],
            "V": [0.1, 0.1, 0.2, 0.3],
            "C": [0.9, 0.5, 0.2, 0.4],
            "driver": ["C", "E", "H", "E"],
        },
        geometry=[box(0, 0, 1000, 2000), box(1000, 0, 2000, 2000),
                  box(2000, 0, 3000, 2000), box(3000, 0, 4000, 2000)],
        crs=CRS,
    )


def _enterprises() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "id": ["E3", "E1", "E2", "E4", "E5"],
            "name": ["三厂", "一厂", "二厂", "@SUM(A1)", "五厂"],
            "category": ["general", "hazardous_chemicals", "metallurgy", "general",
                         "fireworks"],
            "risk_grade": ["低", "重大", "较大", "一般", "重大"],
            "n_raised": [0, 0, 1, 0, 2],
            "above_scale": [False, True, True, False, False],
        },
        geometry=[Point(500, 500), Point(1500, 500), Point(2500, 500), Point(3500, 500),
                  Point(3600, 600)],
        crs=CRS,
    )


def _result() -> SimpleNamespace:
    reach = pd.DataFrame({
        "target_type": ["population", "population", "population", "enterprise"],
        "population": [400.0, 600.0, 50.0, 0.0],
        "isolated_flood": [True, False, True, True],
    })
    zones = gpd.GeoDataFrame({"risk_level": [1, 3]},
                             geometry=[box(0, 0, 1000, 1000), box(1000, 0, 4000, 1000)], crs=CRS)
    return SimpleNamespace(townships=_townships(), villages=_villages(), zones=zones,
                           enterprises=_enterprises(), reachability=reach)


def test_doctests() -> None:
    assert doctest.testmod(gistool.tables).failed == 0


def test_village_ranking_order_ties_and_township_names() -> None:
    t = ranking_table(_villages(), "village", townships=_townships())
    # 0.9 first; the two 0.5 share rank 2, ordered by code; 0.1 last with rank 4
    assert t["name"].tolist() == ["丙村", "=cmd|' /C calc'!A0", "丁村", "甲村"]
    assert t["rank"].tolist() == [1, 2, 2, 4]
    assert t["township_name"].tolist() == ["大周镇", "和尚桥镇", "大周镇", "和尚桥镇"]
    assert t["risk_level_name"].tolist() == ["高风险", "中高风险", "中高风险", "低风险"]
    assert t["driver_name"].tolist() == ["危险性", "暴露度", "暴露度", "救援能力"]
    assert "geometry" not in t


def test_township_ranking_drops_village_columns() -> None:
    t = ranking_table(_townships(), "township")
    assert t["name"].tolist() == ["大周镇", "和尚桥镇"]
    assert "township_name" not in t
    assert t.columns[0] == "rank"


def test_ranking_missing_column_names_layer() -> None:
    with pytest.raises(SchemaError, match=r"villages.*risk_index"):
        ranking_table(_villages().drop(columns="risk_index"))
    with pytest.raises(ValueError, match="village' or 'township"):
        ranking_table(_villages(), "county")  # type: ignore[arg-type]


def test_enterprise_list_order_colour_and_township() -> None:
    e = enterprise_list(_enterprises(), townships=_townships())
    # 重大 first (2 raises before 0), then 较大, 一般, 低
    assert e["id"].tolist() == ["E5", "E1", "E2", "E4", "E3"]
    assert e["color_name"].tolist() == ["红", "红", "橙", "黄", "蓝"]
    assert e["category_name"].tolist() == ["烟花爆竹", "危险化学品", "冶金", "一般工贸", "一般工贸"]
    assert e["township_name"].tolist() == ["大周镇", "和尚桥镇", "大周镇", "大周镇", "和尚桥镇"]


def test_enterprise_list_display_values() -> None:
    ents = _enterprises().assign(
        access_minutes_flood=[12.345, np.inf, 3.0, 7.25, np.inf],
        flood_depth_100=[0.123456, 0.0, 1.5, 0.0, 0.7],
    )
    e = enterprise_list(ents).set_index("id")
    assert e.loc["E1", "access_minutes_flood"] == "不可达"
    assert e.loc["E3", "access_minutes_flood"] == 12.3
    assert e.loc["E3", "flood_depth_100"] == 0.12
    assert e.loc["E1", "above_scale"] == "是"
    assert e.loc["E3", "above_scale"] == "否"


def test_ranking_rounds_for_display() -> None:
    v = _villages().assign(population=[1000.000000007, 2000.4, 1500.6, 3500.0],
                           risk_index=[0.123456789, 0.5, 0.9, 0.5])
    t = ranking_table(v).set_index("code")
    assert t.loc["411082100200", "risk_index"] == 0.1235
    pop = t["population"].to_dict()
    assert pop == {"411082101200": 1501, "411082100201": 2000, "411082101201": 3500,
                   "411082100200": 1000}


def test_enterprise_list_refuses_unknown_grade() -> None:
    bad = _enterprises().assign(risk_grade=["低", "红色", "较大", "一般", "重大"])
    with pytest.raises(SchemaError, match=r"risk_grade.*红色"):
        enterprise_list(bad)


def test_summary_counts_high_population_and_isolated() -> None:
    s = summary_table(_result())
    vill = s[s["item"] == "村（社区）·风险等级"].set_index("class_name")
    assert vill["n"].tolist() == [1, 2, 0, 0, 1]
    assert vill.loc["中高风险", "population"] == 5500.0
    assert vill.loc["高风险", "area_km2"] == pytest.approx(2.0)
    ent = s[s["item"] == "企业·四色等级"]
    assert ent["n"].tolist() == [2, 1, 1, 1]
    assert ent["class_name"].iloc[0] == "重大（红）"
    high = s[s["item"] == "高风险区人口(1–2级)"].iloc[0]
    # levels 1–2: 2000 + 1500 + 3500 of 8000
    assert high["population"] == 7000.0
    assert high["share"] == pytest.approx(7000 / 8000)
    iso = s[s["item"] == "洪涝孤立目标"].set_index("class_name")
    assert iso.loc["人口点", "n"] == 2
    assert iso.loc["人口点", "population"] == 450.0
    assert iso.loc["企业", "n"] == 1
    zones = s[s["item"] == "风险区·风险等级"].set_index("class_name")
    assert zones.loc["中风险", "area_km2"] == pytest.approx(3.0)


def test_write_tables_csv_bom_xlsx_frozen_chinese(tmp_path) -> None:
    from openpyxl import load_workbook

    written = write_tables(_result(), tmp_path)
    assert set(written) == {
        f"{s}.{e}" for s in ("township_ranking", "village_ranking", "summary",
                             "enterprise_four_colour") for e in ("csv", "xlsx")
    }
    raw = (tmp_path / "village_ranking.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    csv = pd.read_csv(tmp_path / "village_ranking.csv", encoding="utf-8-sig", dtype=str)
    assert list(csv.columns[:3]) == ["排名", "代码", "名称"]
    assert "风险等级名称" in csv.columns
    assert "主导因子名称" in csv.columns
    # the formula-looking name is neutralised in CSV
    assert "'=cmd|' /C calc'!A0" in csv["名称"].tolist()
    wb = load_workbook(tmp_path / "village_ranking.xlsx")
    ws = wb.active
    assert ws.freeze_panes == "A2"
    header = [c.value for c in ws[1]]
    assert header[:3] == ["排名", "代码", "名称"]
    names = [ws.cell(row=r, column=3) for r in range(2, ws.max_row + 1)]
    cell = next(c for c in names if str(c.value).startswith("=cmd"))
    assert cell.data_type == "s"  # text, not a formula
    assert cell.value == "=cmd|' /C calc'!A0"
    ent = load_workbook(tmp_path / "enterprise_four_colour.xlsx").active
    assert [c.value for c in ent[1]][:2] == ["编号", "名称"]
    assert "四色" in [c.value for c in ent[1]]
    e4 = next(r for r in ent.iter_rows(min_row=2) if r[0].value == "E4")
    assert e4[1].value == "@SUM(A1)"
    assert e4[1].data_type == "s"
    summ = pd.read_csv(tmp_path / "summary.csv", encoding="utf-8-sig")
    assert list(summ.columns) == ["项目", "类别", "数量", "人口", "面积(km²)", "占比"]
    assert np.isclose(summ.loc[summ["项目"] == "高风险区人口(1–2级)", "人口"].iloc[0], 7000.0)
