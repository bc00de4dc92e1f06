"""Four-colour enterprise list: inherent grades and each raising rule alone."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from affine import Affine
from shapely.geometry import Point, box

from gistool.enterprise import DEFAULT_RULES, FourColourRules, four_colour, sample_depth
from gistool.errors import ConfigError, SchemaError

CRS = "EPSG:4547"


def _ent(categories, above=None, major=None, xy=None):
    n = len(categories)
    xy = xy or [(100.0 * i + 50, 50.0) for i in range(n)]
    return gpd.GeoDataFrame(
        {
            "id": [f"E{i}" for i in range(n)],
            "name": [f"企业{i}" for i in range(n)],
            "category": categories,
            "above_scale": above if above is not None else [False] * n,
            "major_hazard": major if major is not None else [False] * n,
        },
        geometry=[Point(x, y) for x, y in xy],
        crs=CRS,
    )


def test_inherent_grades_by_category_and_flags():
    e = _ent(
        [
            "hazardous_chemicals",
            "fireworks",
            "metallurgy",
            "metallurgy",
            "dust_explosion",
            "confined_space",
            "general",
            "general",
            "ammonia_refrigeration",
        ],
        above=[False, False, False, True, False, False, False, False, True],
        major=[True, False, False, False, False, False, False, True, False],
    )
    out = four_colour(e)
    assert out["inherent_grade"].tolist() == [
        "重大",
        "较大",
        "一般",
        "较大",
        "一般",
        "一般",
        "低",
        "一般",
        "较大",
    ]
    # no rule data → no raise
    assert (out["risk_grade"] == out["inherent_grade"]).all()
    assert (out["raised_by"] == "").all()
    assert out["color"].tolist()[:3] == ["red", "orange", "yellow"]
    assert out.loc[out["risk_grade"] == "低", "color"].tolist() == ["blue"]
    assert out.attrs["rules"]["规则"].str.startswith("升级").sum() == 3


def test_flood_rule_alone():
    e = _ent(["general", "general", "metallurgy"])
    out = four_colour(e, flood_depth_100=[0.49, 0.5, 1.2])
    assert out["risk_grade"].tolist() == ["低", "一般", "较大"]
    assert out["raised_by"].tolist() == [
        "",
        "百年一遇洪水淹没水深≥0.5米",
        "百年一遇洪水淹没水深≥0.5米",
    ]
    assert out["flood_depth_100"].tolist() == [0.49, 0.5, 1.2]


def test_flood_rule_samples_a_raster(tmp_path):
    path = tmp_path / "d100.tif"
    arr = np.array([[0.2, 0.8], [np.nan, 3.0]], dtype="float32")
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=2,
        height=2,
        count=1,
        dtype="float32",
        crs=CRS,
        transform=Affine(100.0, 0.0, 0.0, 0.0, -100.0, 200.0),
        nodata=np.nan,
    ) as dst:
        dst.write(arr, 1)
    e = _ent(["general"] * 4, xy=[(50, 150), (150, 150), (50, 50), (150, 50)])
    assert sample_depth(e, path).tolist() == pytest.approx([0.2, 0.8, 0.0, 3.0])
    out = four_colour(e, flood_depth_100=path)
    assert out["risk_grade"].tolist() == ["低", "一般", "低", "一般"]


def test_geohazard_rule_alone_zone_and_point():
    e = _ent(["general"] * 4, xy=[(50, 50), (550, 50), (1000, 0), (5000, 5000)])
    zones = gpd.GeoDataFrame(
        {"susceptibility": ["high", "medium"]},
        geometry=[box(0, 0, 100, 100), box(500, 0, 600, 100)],
        crs=CRS,
    )
    pts = gpd.GeoDataFrame(
        {"id": ["G1"], "hazard_type": ["collapse"]}, geometry=[Point(1000, 199.0)], crs=CRS
    )
    out = four_colour(e, geohazard_zones=zones, geohazard_points=pts)
    assert out["in_high_zone"].tolist() == [True, False, False, False]
    assert out["near_hazard_point"].tolist() == [False, False, True, False]
    assert out["hazard_point_distance_m"].iloc[2] == pytest.approx(199.0)
    assert out["risk_grade"].tolist() == ["一般", "低", "一般", "低"]
    assert out["raised_by"].iloc[0] == "位于地质灾害高易发区或距隐患点200米以内"


def test_access_rule_alone():
    e = _ent(["confined_space"] * 3)
    out = four_colour(e, access_minutes=[30.0, 30.5, np.inf])
    assert out["risk_grade"].tolist() == ["一般", "较大", "较大"]
    assert out["raised_by"].iloc[2] == "洪涝情景下救援到达时间超过30分钟"


def test_rules_stack_and_cap_at_major():
    e = _ent(["general", "hazardous_chemicals"], xy=[(50, 50), (150, 50)])
    zones = gpd.GeoDataFrame({"susceptibility": ["high"]}, geometry=[box(0, 0, 200, 100)], crs=CRS)
    out = four_colour(
        e, flood_depth_100=[1.0, 1.0], geohazard_zones=zones, access_minutes=[45.0, 45.0]
    )
    # 低 + 3 steps = 重大; 较大 + 3 steps capped at 重大
    assert out["risk_grade"].tolist() == ["重大", "重大"]
    assert out["n_raised"].tolist() == [3, 3]
    assert out["raised_by"].iloc[0].count("；") == 2


def test_rules_are_data_thresholds_and_disabling():
    e = _ent(["general"])
    strict = FourColourRules.with_thresholds(flood_depth_m=0.3, access_minutes=None)
    out = four_colour(e, flood_depth_100=[0.35], access_minutes=[90.0], rules=strict)
    assert out["risk_grade"].tolist() == ["一般"]
    assert out["raised_by"].tolist() == ["百年一遇洪水淹没水深≥0.3米"]
    # a changed inherent table
    inh = DEFAULT_RULES.inherent.copy()
    inh.loc[inh["category"] == "general", "grade"] = "一般"
    out2 = four_colour(e, rules=FourColourRules(inherent=inh))
    assert out2["risk_grade"].tolist() == ["一般"]


def test_bad_rules_and_categories_refused():
    inh = DEFAULT_RULES.inherent.copy()
    inh.loc[0, "grade"] = "特大"
    with pytest.raises(ConfigError, match="特大"):
        FourColourRules(inherent=inh)
    with pytest.raises(ConfigError, match="unknown four-colour"):
        FourColourRules(raises=pd.DataFrame({"rule": ["wind"], "threshold": [1.0], "label": ["x"]}))
    with pytest.raises(SchemaError, match="mining"):
        four_colour(_ent(["mining"]))
