"""The one table of user-facing Chinese (and English) labels.

Maps, reports, tables and readers all take their wording from here so that a
category, level or colour is named the same everywhere.
"""

from __future__ import annotations

from typing import Final

#: Enterprise categories (DESIGN §1) → Chinese label.
ENTERPRISE_CATEGORIES: Final[dict[str, str]] = {
    "hazardous_chemicals": "危险化学品",
    "fireworks": "烟花爆竹",
    "metallurgy": "冶金",
    "dust_explosion": "粉尘涉爆",
    "ammonia_refrigeration": "涉氨制冷",
    "confined_space": "有限空间",
    "general": "一般工贸",
}

#: Facility kinds → Chinese label.
FACILITY_KINDS: Final[dict[str, str]] = {
    "fire_station": "消防站",
    "rescue_team": "救援队",
    "hospital": "医院",
    "shelter": "避难场所",
    "depot": "物资储备库",
}

#: Township kinds.
TOWNSHIP_KINDS: Final[tuple[str, ...]] = ("街道", "镇", "乡")

#: Village kinds.
VILLAGE_KINDS: Final[tuple[str, ...]] = ("居委会", "村委会")

#: Road classes → (Chinese label, default speed in km/h).
ROAD_CLASSES: Final[dict[str, tuple[str, float]]] = {
    "expressway": ("高速公路", 100.0),
    "national": ("国道", 70.0),
    "provincial": ("省道", 60.0),
    "county": ("县道", 50.0),
    "township": ("乡道", 40.0),
    "village": ("村道", 25.0),
    "urban_arterial": ("城市主干道", 45.0),
    "urban_local": ("城市支路", 30.0),
}

#: Geological hazard types.
GEOHAZARD_TYPES: Final[dict[str, str]] = {
    "collapse": "崩塌",
    "landslide": "滑坡",
    "subsidence": "地面塌陷",
    "fissure": "地裂缝",
    "debris_flow": "泥石流",
}

#: Geohazard susceptibility classes → (Chinese label, score).
SUSCEPTIBILITY: Final[dict[str, tuple[str, int]]] = {
    "high": ("高易发区", 3),
    "medium": ("中易发区", 2),
    "low": ("低易发区", 1),
}

#: Five census risk levels: level → (Chinese, English, colour). 1 is the highest risk.
RISK_LEVELS: Final[dict[int, tuple[str, str, str]]] = {
    1: ("高风险", "high", "#d7191c"),
    2: ("中高风险", "medium-high", "#fdae61"),
    3: ("中风险", "medium", "#ffffbf"),
    4: ("中低风险", "medium-low", "#a6d96a"),
    5: ("低风险", "low", "#1a9641"),
}

#: Four-colour enterprise grades, most severe first: grade → (colour name, Chinese colour, hex).
RISK_GRADES: Final[dict[str, tuple[str, str, str]]] = {
    "重大": ("red", "红", "#e31a1c"),
    "较大": ("orange", "橙", "#ff7f00"),
    "一般": ("yellow", "黄", "#ffd700"),
    "低": ("blue", "蓝", "#1f78b4"),
}

#: Indicator factors of the composite index.
FACTORS: Final[dict[str, str]] = {
    "H": "危险性",
    "E": "暴露度",
    "V": "脆弱性",
    "C": "救援能力",
}

#: Column headings of exported tables: canonical column → Chinese heading.
COLUMN_HEADINGS: Final[dict[str, str]] = {
    "code": "代码",
    "name": "名称",
    "township_code": "乡镇代码",
    "township_name": "乡镇",
    "kind": "类型",
    "population": "人口",
    "area_km2": "面积(km²)",
    "id": "编号",
    "category": "行业类别",
    "industry": "产业",
    "above_scale": "规模以上",
    "employees": "从业人数",
    "credit_code": "统一社会信用代码",
    "major_hazard": "重大危险源",
    "H": "危险性H",
    "E": "暴露度E",
    "V": "脆弱性V",
    "C": "救援能力C",
    "risk_index": "风险指数",
    "risk_level": "风险等级",
    "risk_level_name": "风险等级名称",
    "rank": "排名",
    "driver": "主导因子",
    "level_stability": "等级稳定性",
    "rank_p05": "排名5%分位",
    "rank_p95": "排名95%分位",
    "risk_grade": "风险等级(四色)",
    "color": "颜色",
    "minutes_normal": "常态通行时间(分钟)",
    "minutes_flood": "洪涝通行时间(分钟)",
    "delta": "增加时间(分钟)",
    "isolated_flood": "洪涝孤立",
    # indicator columns of gistool.assess (hazard, exposure, vulnerability, capacity)
    "cell_id": "网格编号",
    "H_flood": "洪涝危险性",
    "H_geo": "地质灾害危险性",
    "share_high": "高易发区面积占比",
    "share_medium": "中易发区面积占比",
    "share_low": "低易发区面积占比",
    "g_zone": "易发区得分",
    "geo_point_density": "隐患点加权密度(/km²)",
    "pop_density": "人口密度(人/km²)",
    "n_enterprises": "企业数",
    "enterprise_weight": "企业加权数",
    "enterprise_density": "企业加权密度(/km²)",
    "employee_density": "从业人员密度(人/km²)",
    "n_hazardous": "危险行业企业数",
    "n_exposed_site": "选址受威胁企业数",
    "share_hazardous": "危险行业企业占比",
    "share_exposed_site": "选址受威胁企业占比",
    "share_rural": "农村人口占比",
    "access_mean_min": "救援平均到达时间(分钟)",
    "access_p95_min": "救援95%到达时间(分钟)",
    "shelter_share": "避难场所容纳率",
    "driver_name": "主导因子名称",
    "inherent_grade": "固有风险等级",
    "flood_depth_100": "百年一遇淹没水深(m)",
    "in_high_zone": "位于地质灾害高易发区",
    "near_hazard_point": "邻近地质灾害隐患点",
    "access_minutes_flood": "洪涝情景救援时间(分钟)",
    "raised_by": "升级原因",
    "village_code": "村级代码",
    "village_risk_level": "所在村风险等级",
    "category_name": "行业类别名称",
    "color_name": "四色",
    # network layers (critical links, routes)
    "scenario": "情景",
    "edge_id": "路段编号",
    "road_class": "道路等级",
    "increase_weighted_minutes": "加权通行时间增加(分钟)",
    "isolated_targets": "孤立目标数",
    "isolated_weight": "孤立目标权重",
    "isolated_population": "孤立人口",
    "downstream_weight": "经由该路段的目标权重",
}

#: Network scenario → Chinese name.
SCENARIOS: Final[dict[str, str]] = {"normal": "常态", "flood": "洪涝"}


def risk_level_name(level: int) -> str:
    """Chinese name of a census risk level (1 = 高风险 … 5 = 低风险)."""
    return RISK_LEVELS[int(level)][0]


def heading(column: str) -> str:
    """Chinese table heading of a canonical column, or the column itself."""
    return COLUMN_HEADINGS.get(column, column)
