"""Tables staff hand on: unit rankings, the four-colour enterprise list, the summary.

Each function takes plain (Geo)DataFrames with canonical columns and returns a
:class:`pandas.DataFrame` with canonical column names in reading order (rank
first, most severe first); :func:`write_tables` writes them as CSV (UTF-8 with
BOM) and XLSX with Chinese headings and a frozen header row through
:func:`gistool.io.write_table`, which also neutralises spreadsheet formulas.

>>> import pandas as pd
>>> v = pd.DataFrame({"code": ["411082001200", "411082001201"], "name": ["甲村", "乙村"],
...                   "risk_index": [0.2, 0.7], "risk_level": [4, 1]})
>>> ranking_table(v)[["rank", "name", "risk_level_name"]].to_numpy().tolist()
[[1, '乙村', '高风险'], [2, '甲村', '中低风险']]
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

import numpy as np
import pandas as pd

from gistool.errors import SchemaError, describe_source
from gistool.labels import ENTERPRISE_CATEGORIES, FACTORS, RISK_GRADES, RISK_LEVELS

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "TABLE_NAMES",
    "all_tables",
    "enterprise_list",
    "ranking_table",
    "summary_table",
    "write_tables",
]

#: Output table name → Chinese title (file stems of :func:`write_tables`).
TABLE_NAMES: Final[dict[str, str]] = {
    "township_ranking": "乡镇风险排名表",
    "village_ranking": "村（社区）风险排名表",
    "enterprise_four_colour": "企业安全风险四色清单",
    "summary": "风险统计汇总表",
}

_RANKING_COLUMNS: Final[tuple[str, ...]] = (
    "rank", "code", "name", "township_code", "township_name", "kind", "risk_index",
    "risk_level", "risk_level_name", "driver_name", "H", "E", "V", "C", "population",
    "area_km2", "level_stability", "rank_p05", "rank_p95",
)

_ENTERPRISE_COLUMNS: Final[tuple[str, ...]] = (
    "id", "name", "credit_code", "category_name", "industry", "above_scale", "major_hazard",
    "employees", "risk_grade", "color_name", "inherent_grade", "raised_by", "flood_depth_100",
    "in_high_zone", "near_hazard_point", "access_minutes_flood", "township_name",
)

#: Chinese headings of the summary table's own columns (the others come from
#: :data:`gistool.labels.COLUMN_HEADINGS`).
EXTRA_HEADINGS: Final[dict[str, str]] = {
    "item": "项目",
    "class_name": "类别",
    "n": "数量",
    "share": "占比",
}


#: Text written for a target the flood cuts off (travel time ∞).
UNREACHABLE: Final[str] = "不可达"

#: Decimals kept per column in the tables (display precision, not computation).
DECIMALS: Final[dict[str, int]] = {
    "risk_index": 4, "H": 4, "E": 4, "V": 4, "C": 4, "population": 0, "area_km2": 3,
    "level_stability": 3, "flood_depth_100": 2, "share": 4,
}


def _rounded(df: pd.DataFrame) -> pd.DataFrame:
    """Numbers rounded to :data:`DECIMALS`; population as whole people; ±∞ → missing."""
    out = df.copy()
    for col, d in DECIMALS.items():
        if col in out and pd.api.types.is_float_dtype(out[col]):
            v = out[col].replace([np.inf, -np.inf], np.nan).round(d)
            out[col] = v.astype("Int64") if d == 0 else v
    return out


def _require(df: pd.DataFrame, columns: tuple[str, ...], layer: str) -> None:
    for col in columns:
        if col not in df.columns:
            msg = (
                f"{describe_source(layer=layer, column=col)} is missing; "
                "run gistool.assess_risk first or add the column"
            )
            raise SchemaError(msg)


def _level_names(levels: pd.Series) -> pd.Series:
    return levels.map(lambda v: RISK_LEVELS[int(v)][0] if pd.notna(v) else None)


def ranking_table(
    units: gpd.GeoDataFrame | pd.DataFrame,
    level: Literal["village", "township"] = "village",
    *,
    townships: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Ranking table of assessed units, highest risk first.

    Rank 1 is the highest ``risk_index``; ties share the best rank
    (``method="min"``); equal ranks are ordered by ``code``. Missing
    ``rank``/``risk_level_name``/``driver_name`` columns are derived from
    ``risk_index``, ``risk_level`` and ``driver``.

    Parameters
    ----------
    units
        Village or township units with ``code``, ``name``, ``risk_index`` and
        ``risk_level`` (1 = 高风险 … 5 = 低风险).
    level
        ``"village"`` adds the township name (from ``townships`` when given,
        looked up by ``township_code``); ``"township"`` drops village-only
        columns.
    townships
        Township table (``code``, ``name``) for the village table's township names.

    Returns
    -------
    pandas.DataFrame
        Canonical columns in reading order (see :func:`gistool.labels.heading`).
    """
    if level not in ("village", "township"):
        msg = f"ranking_table level must be 'village' or 'township', not {level!r}"
        raise ValueError(msg)
    layer = f"{level}s"
    _require(units, ("code", "name", "risk_index", "risk_level"), layer)
    df = pd.DataFrame(units.drop(columns=getattr(units, "_geometry_column_name", None) or [],
                                 errors="ignore")).copy()
    df["risk_index"] = pd.to_numeric(df["risk_index"], errors="coerce")
    if "rank" not in df:
        df["rank"] = df["risk_index"].rank(ascending=False, method="min").astype("Int64")
    df["risk_level_name"] = _level_names(df["risk_level"])
    if "driver_name" not in df and "driver" in df:
        df["driver_name"] = df["driver"].map(FACTORS)
    if level == "village" and townships is not None and "township_code" in df:
        names = dict(zip(townships["code"].astype(str), townships["name"], strict=False))
        df["township_name"] = df["township_code"].astype(str).map(names)
    if level == "township":
        df = df.drop(columns=["township_code", "township_name"], errors="ignore")
    cols = [c for c in _RANKING_COLUMNS if c in df.columns]
    out = df[cols].sort_values(["rank", "code"], kind="stable").reset_index(drop=True)
    return _rounded(out)


def enterprise_list(
    enterprises: gpd.GeoDataFrame | pd.DataFrame,
    *,
    townships: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """The four-colour enterprise list (一单), most severe grade first.

    Rows are ordered by grade (重大, 较大, 一般, 低), then by the number of
    raising rules that applied (descending), then ``id``. The colour column
    is the Chinese colour of the grade (红/橙/黄/蓝).

    Parameters
    ----------
    enterprises
        Enterprises with ``id``, ``name``, ``category`` and ``risk_grade``
        (:func:`gistool.enterprise.four_colour`).
    townships
        Township polygons; when given (and ``enterprises`` has geometry) each
        enterprise gets the name of the township containing it.

    Returns
    -------
    pandas.DataFrame
    """
    _require(enterprises, ("id", "name", "category", "risk_grade"), "enterprises")
    bad = sorted(set(enterprises["risk_grade"].dropna().astype(str)) - set(RISK_GRADES))
    if bad:
        msg = (
            f"{describe_source(layer='enterprises', column='risk_grade')} has grades {bad}; "
            f"use one of {list(RISK_GRADES)}"
        )
        raise SchemaError(msg)
    df = pd.DataFrame(enterprises).copy()
    if townships is not None and hasattr(enterprises, "geometry") and len(df):
        import shapely

        tree = shapely.STRtree(townships.geometry.to_numpy())
        pts, polys = tree.query(enterprises.geometry.to_numpy(), predicate="intersects")
        first = pd.Series(polys, index=pts).groupby(level=0).min()
        name = np.full(len(df), None, dtype=object)
        name[first.index.to_numpy()] = townships["name"].to_numpy()[first.to_numpy()]
        df["township_name"] = name
    geom = getattr(enterprises, "_geometry_column_name", None)
    if geom in df.columns:
        df = df.drop(columns=[geom])
    df["category_name"] = df["category"].map(ENTERPRISE_CATEGORIES).fillna(df["category"])
    df["color_name"] = df["risk_grade"].map({g: v[1] for g, v in RISK_GRADES.items()})
    order = {g: i for i, g in enumerate(RISK_GRADES)}
    df["_grade"] = df["risk_grade"].map(order)
    raised = df["n_raised"] if "n_raised" in df else pd.Series(0, index=df.index)
    df["_raised"] = -pd.to_numeric(raised, errors="coerce").fillna(0)
    df = df.sort_values(["_grade", "_raised", "id"], kind="stable")
    for col in ("above_scale", "major_hazard", "in_high_zone", "near_hazard_point"):
        if col in df and pd.api.types.is_bool_dtype(df[col]):
            df[col] = np.where(df[col].to_numpy(), "是", "否")
    if "access_minutes_flood" in df:
        m = pd.to_numeric(df["access_minutes_flood"], errors="coerce").to_numpy(float)
        df["access_minutes_flood"] = np.where(
            np.isinf(m), UNREACHABLE, pd.Series(np.round(m, 1)).astype(object).to_numpy()
        )
    cols = [c for c in _ENTERPRISE_COLUMNS if c in df.columns]
    return _rounded(df[cols].reset_index(drop=True))


def _level_rows(zh: str, gdf: gpd.GeoDataFrame | pd.DataFrame) -> list[dict[str, Any]]:
    geom = getattr(gdf, "_geometry_column_name", None)
    area = (
        gdf.geometry.area.to_numpy() / 1e6 if geom in gdf.columns else np.full(len(gdf), np.nan)
    )
    pop = (
        pd.to_numeric(gdf["population"], errors="coerce").to_numpy(float)
        if "population" in gdf else np.full(len(gdf), np.nan)
    )
    lv = gdf["risk_level"].to_numpy()
    rows = []
    for lvl, (name, _, _) in RISK_LEVELS.items():
        m = lv == lvl
        rows.append({
            "item": f"{zh}·风险等级", "class_name": name, "n": int(m.sum()),
            "population": float(pop[m].sum()) if "population" in gdf else np.nan,
            "area_km2": float(area[m].sum()),
            "share": float(m.sum() / len(gdf)) if len(gdf) else 0.0,
        })
    return rows


def summary_table(
    result: Any = None,
    *,
    villages: gpd.GeoDataFrame | None = None,
    townships: gpd.GeoDataFrame | None = None,
    zones: gpd.GeoDataFrame | None = None,
    enterprises: pd.DataFrame | None = None,
    reachability: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Counts per risk level and colour, high-risk population, isolated targets.

    Rows (``item``, ``class_name``, ``n``, ``population``, ``area_km2``,
    ``share``):

    - per layer (townships, villages, zones) and level: count, population,
      area, share of units;
    - enterprises per four-colour grade: count and share;
    - ``高风险区人口(1–2级)``: population of villages at levels 1–2
      (``Σ population_i [level_i ≤ 2]``) and its share of the total;
    - ``洪涝孤立目标``: targets reachable normally but not under the flood
      (``isolated_flood``), by type, with their population.

    Parameters
    ----------
    result
        A :class:`gistool.RiskResult`; its layers are used unless given explicitly.
    villages, townships, zones, enterprises, reachability
        Layers overriding the result's.

    Returns
    -------
    pandas.DataFrame
    """
    def pick(name: str, given: Any) -> Any:
        return given if given is not None else getattr(result, name, None)

    villages = pick("villages", villages)
    townships = pick("townships", townships)
    zones = pick("zones", zones)
    enterprises = pick("enterprises", enterprises)
    reachability = pick("reachability", reachability)
    rows: list[dict[str, Any]] = []
    for gdf, zh in ((townships, "乡镇"), (villages, "村（社区）"), (zones, "风险区")):
        if gdf is not None and "risk_level" in gdf:
            rows += _level_rows(zh, gdf)
    if enterprises is not None and "risk_grade" in enterprises:
        g = enterprises["risk_grade"].to_numpy()
        for grade, (_, colour, _) in RISK_GRADES.items():
            n = int((g == grade).sum())
            rows.append({
                "item": "企业·四色等级", "class_name": f"{grade}（{colour}）", "n": n,
                "population": np.nan, "area_km2": np.nan,
                "share": n / len(g) if len(g) else 0.0,
            })
    if villages is not None and {"risk_level", "population"} <= set(villages.columns):
        pop = pd.to_numeric(villages["population"], errors="coerce").fillna(0).to_numpy(float)
        high = villages["risk_level"].to_numpy() <= 2
        rows.append({
            "item": "高风险区人口(1–2级)", "class_name": "高风险 + 中高风险",
            "n": int(high.sum()), "population": float(pop[high].sum()), "area_km2": np.nan,
            "share": float(pop[high].sum() / pop.sum()) if pop.sum() else 0.0,
        })
    if reachability is not None and "isolated_flood" in reachability:
        iso = reachability["isolated_flood"].fillna(False).to_numpy(bool)
        types = (reachability["target_type"].astype(str).to_numpy()
                 if "target_type" in reachability else np.full(len(iso), "target"))
        pop = (pd.to_numeric(reachability["population"], errors="coerce").fillna(0).to_numpy()
               if "population" in reachability else np.zeros(len(iso)))
        names = {"population": "人口点", "enterprise": "企业", "target": "目标"}
        for t in sorted(set(types)):
            m = types == t
            rows.append({
                "item": "洪涝孤立目标", "class_name": names.get(t, t), "n": int(iso[m].sum()),
                "population": float(pop[m & iso].sum()), "area_km2": np.nan,
                "share": float(iso[m].sum() / m.sum()) if m.sum() else 0.0,
            })
    return _rounded(pd.DataFrame(rows, columns=["item", "class_name", "n", "population",
                                                "area_km2", "share"]))


def _zh(df: pd.DataFrame) -> pd.DataFrame:
    """Rename the columns this module adds to Chinese (canonical ones are left to io)."""
    return df.rename(columns={c: h for c, h in EXTRA_HEADINGS.items() if c in df.columns})


def all_tables(result: Any) -> dict[str, pd.DataFrame]:
    """The tables of a result by file stem (see :data:`TABLE_NAMES`)."""
    tabs = {
        "township_ranking": ranking_table(result.townships, "township"),
        "village_ranking": ranking_table(result.villages, "village", townships=result.townships),
        "summary": summary_table(result),
    }
    if getattr(result, "enterprises", None) is not None:
        tabs["enterprise_four_colour"] = enterprise_list(
            result.enterprises, townships=result.townships
        )
    return tabs


def write_tables(
    result: Any,
    out_dir: str | os.PathLike[str],
    *,
    formats: tuple[str, ...] = ("csv", "xlsx"),
    tables: Mapping[str, pd.DataFrame] | None = None,
) -> dict[str, Path]:
    """Write the ranking, enterprise and summary tables as CSV and XLSX.

    CSV is UTF-8 with a byte-order mark; XLSX has a bold, frozen header row
    (``freeze_panes == "A2"``); both have Chinese headings and text that would
    start a spreadsheet formula stays text (:func:`gistool.io.write_table`).

    Parameters
    ----------
    result
        A :class:`gistool.RiskResult` (or any object with ``townships``,
        ``villages`` and optionally ``enterprises``, ``zones``, ``reachability``).
    out_dir
        Directory (created if missing).
    formats
        Any of ``"csv"``, ``"xlsx"``.
    tables
        Tables to write instead of those built from ``result``.

    Returns
    -------
    dict
        ``"<stem>.<ext>"`` → written path.
    """
    from gistool.io import write_table

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tabs = dict(tables) if tables is not None else all_tables(result)
    written: dict[str, Path] = {}
    for stem, df in tabs.items():
        for ext in formats:
            if ext not in ("csv", "xlsx"):
                msg = f"table format must be 'csv' or 'xlsx', not {ext!r}"
                raise ValueError(msg)
            path = out / f"{stem}.{ext}"
            write_table(_zh(df), path, headings="zh", sheet=TABLE_NAMES.get(stem, stem))
            written[path.name] = path
    return written
