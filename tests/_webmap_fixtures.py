"""Tiny synthetic layers for the web map, report and browser tests (EPSG:4547 metres)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import LineString, Point, Polygon, box

CRS = "EPSG:4547"
X0, Y0 = 500_000.0, 3_780_000.0

XSS_VILLAGE = "<img src=x onerror=\"document.title='pwned'\">"
XSS_ENTERPRISE = "<script>alert(1)</script>"
XSS_FORMULA = "=cmd|' /C calc'!A0"


def layers() -> dict[str, gpd.GeoDataFrame]:
    """Two townships, four villages, zones of all five levels, enterprises, roads, facilities."""
    t = gpd.GeoDataFrame(
        {"code": ["411082100", "411082101"], "name": ["和尚桥镇", "大周镇"], "kind": ["镇", "镇"],
         "risk_index": [0.3, 0.8], "risk_level": [3, 1], "population": [3000.0, 5000.0],
         "rank": [2, 1], "H": [0.2, 0.9], "E": [0.5, 0.6], "V": [0.1, 0.3], "C": [0.7, 0.2]},
        geometry=[box(X0, Y0, X0 + 4000, Y0 + 4000), box(X0 + 4000, Y0, X0 + 8000, Y0 + 4000)],
        crs=CRS,
    )
    v = gpd.GeoDataFrame(
        {"code": ["411082100200", "411082100201", "411082101200", "411082101201"],
         "name": ["甲村", XSS_VILLAGE, "丙村", "丁村"],
         "township_code": ["411082100", "411082100", "411082101", "411082101"],
         "population": [1000.0, 2000.0, 1500.0, 3500.0],
         "risk_index": [0.1, 0.5, 0.9, 0.45], "risk_level": [5, 2, 1, 3],
         "rank": [4, 2, 1, 3], "H": [0.1, 0.4, 0.9, 0.3], "E": [0.2, 0.6, 0.5, 0.7],
         "V": [0.1, 0.1, 0.2, 0.3], "C": [0.9, 0.5, 0.2, 0.4], "driver": ["C", "E", "H", "E"],
         "driver_name": ["救援能力", "暴露度", "危险性", "暴露度"]},
        geometry=[box(X0 + 2000 * i, Y0, X0 + 2000 * (i + 1), Y0 + 4000) for i in range(4)],
        crs=CRS,
    )
    # five zones, one per level, the middle one with a hole
    zones = gpd.GeoDataFrame(
        {"risk_level": [1, 2, 3, 4, 5]},
        geometry=[
            box(X0 + 6000, Y0, X0 + 8000, Y0 + 4000),
            box(X0 + 4000, Y0, X0 + 6000, Y0 + 4000),
            Polygon(box(X0 + 2000, Y0, X0 + 4000, Y0 + 4000).exterior,
                    [box(X0 + 2500, Y0 + 500, X0 + 3500, Y0 + 1500).exterior]),
            box(X0 + 1000, Y0, X0 + 2000, Y0 + 4000),
            box(X0, Y0, X0 + 1000, Y0 + 4000),
        ],
        crs=CRS,
    )
    grades = ["重大", "较大", "一般", "低", "重大", "一般"]
    colours = {"重大": "red", "较大": "orange", "一般": "yellow", "低": "blue"}
    e = gpd.GeoDataFrame(
        {"id": [f"E{i}" for i in range(6)],
         "name": [XSS_ENTERPRISE, "长葛冷链", "再生金属厂", XSS_FORMULA, "烟花仓库", "卫浴厂"],
         "category": ["hazardous_chemicals", "ammonia_refrigeration", "metallurgy", "general",
                      "fireworks", "general"],
         "above_scale": [True, True, False, False, False, True],
         "risk_grade": grades, "color": [colours[g] for g in grades],
         "n_raised": [1, 0, 0, 0, 2, 1],
         "raised_by": ["百年一遇洪水淹没水深≥0.5米", "", "", "", "两条", "一条"]},
        geometry=[Point(X0 + 7000, Y0 + 1000), Point(X0 + 5000, Y0 + 2000),
                  Point(X0 + 3000, Y0 + 3000), Point(X0 + 1500, Y0 + 1000),
                  Point(X0 + 7500, Y0 + 3500), Point(X0 + 500, Y0 + 500)],
        crs=CRS,
    )
    roads = gpd.GeoDataFrame(
        {"road_class": ["expressway", "county", "village"], "name": ["G4", "县道", "村道"]},
        geometry=[LineString([(X0 + 100, Y0 + 2000), (X0 + 7900, Y0 + 2000)]),
                  LineString([(X0 + 4000, Y0 + 100), (X0 + 4000, Y0 + 3900)]),
                  LineString([(X0 + 1000, Y0 + 3000), (X0 + 3000, Y0 + 3500)])],
        crs=CRS,
    )
    cut = gpd.GeoDataFrame(
        {"edge_id": [1, 2], "road_class": ["county", "village"], "name": ["县道", "村道"],
         "max_depth_m": [0.8, 0.2], "status": ["cut", "slowed"]},
        geometry=[LineString([(X0 + 4000, Y0 + 100), (X0 + 4000, Y0 + 1500)]),
                  LineString([(X0 + 1000, Y0 + 3000), (X0 + 2000, Y0 + 3250)])],
        crs=CRS,
    )
    fac = gpd.GeoDataFrame(
        {"id": ["F1", "F2", "F3"], "name": ["长葛市消防救援大队", "应急救援队", "中心医院"],
         "kind": ["fire_station", "rescue_team", "hospital"], "capacity": [np.nan, 50, 300]},
        geometry=[Point(X0 + 3900, Y0 + 2100), Point(X0 + 6000, Y0 + 1000),
                  Point(X0 + 2000, Y0 + 2500)],
        crs=CRS,
    )
    f = Point(X0 + 3900, Y0 + 2100)
    iso = gpd.GeoDataFrame(
        {"kind": ["fire_station"] * 4, "scenario": ["normal", "normal", "flood", "flood"],
         "minutes": [5, 10, 5, 10]},
        geometry=[f.buffer(1500), f.buffer(3000), f.buffer(1000), f.buffer(2000)],
        crs=CRS,
    )
    iso["area_km2"] = iso.geometry.area / 1e6
    return {"townships": t, "villages": v, "zones": zones, "enterprises": e, "roads": roads,
            "cut_roads": cut, "facilities": fac, "isochrones": iso}


def result() -> SimpleNamespace:
    """A stand-in for :class:`gistool.RiskResult` with the same attributes."""
    from gistool.enterprise import DEFAULT_RULES
    from gistool.risk import ahp_weights

    lay = layers()
    ahp = ahp_weights([[1, 2, 3, 3], [1 / 2, 1, 2, 2], [1 / 3, 1 / 2, 1, 1],
                       [1 / 3, 1 / 2, 1, 1]], labels=["H", "E", "V", "C"])
    reach = pd.DataFrame({
        "target_type": ["population", "population", "enterprise"],
        "target_id": ["411082100200/1", "411082101201/7", "E0"],
        "population": [400.0, 600.0, 0.0],
        "minutes_normal": [6.0, 8.0, 4.0],
        "minutes_flood": [np.inf, 12.0, np.inf],
        "isolated_flood": [True, False, True],
    })
    return SimpleNamespace(
        townships=lay["townships"], villages=lay["villages"], zones=lay["zones"],
        grid=lay["zones"], enterprises=lay["enterprises"], weights=ahp.weights, ahp=ahp,
        rules=DEFAULT_RULES.table(), reachability=reach, params=None, timings={"total": 1.0},
    )


def study_area() -> SimpleNamespace:
    """A stand-in for :class:`gistool.StudyArea` (name, roads, facilities, synthetic flag)."""
    lay = layers()
    return SimpleNamespace(name="测试县", roads=lay["roads"], facilities=lay["facilities"],
                           townships=lay["townships"], villages=lay["villages"],
                           enterprises=lay["enterprises"], synthetic=("villages", "roads"),
                           sources={"villages": "合成数据"}, flood_depth={}, dem=None)


def real_area() -> Any:
    """A :class:`gistool.StudyArea` of the same layers (no rasters)."""
    from gistool.area import StudyArea

    lay = layers()
    boundary = gpd.GeoDataFrame({"code": ["411082"], "name": ["测试县"]},
                                geometry=[lay["townships"].union_all()], crs=CRS)
    return StudyArea(name="测试县", crs=lay["townships"].crs, boundary=boundary,
                     townships=lay["townships"], villages=lay["villages"],
                     enterprises=lay["enterprises"], facilities=lay["facilities"],
                     roads=lay["roads"], synthetic=("villages", "roads"))
