"""Enterprise four-colour list (安全风险四色图, DESIGN §4).

Each enterprise gets an *inherent grade* from its category (a rule table,
overridable), raised one step — capped at 重大 — by each site or rescue rule
that applies:

======================  ==================================================
rule                    applies when
======================  ==================================================
``flood_depth``         100-year flood depth at the site ≥ 0.5 m
``geohazard``           inside a high-susceptibility zone, or a geohazard
                        point within 200 m
``rescue_access``       rescue takes more than 30 min under the flood
                        scenario
======================  ==================================================

Grades, most severe first: 重大 red, 较大 orange, 一般 yellow, 低 blue
(:data:`gistool.labels.RISK_GRADES`). The rules are data
(:data:`DEFAULT_RULES`) and travel with the result
(``result.attrs["rules"]``) so reports can print them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gistool.errors import ConfigError, SchemaError, describe_source
from gistool.labels import ENTERPRISE_CATEGORIES, RISK_GRADES

__all__ = [
    "DEFAULT_RULES",
    "GRADES",
    "FourColourRules",
    "four_colour",
    "sample_depth",
]

#: Grades from the most to the least severe.
GRADES: tuple[str, ...] = tuple(RISK_GRADES)  # 重大, 较大, 一般, 低


def _default_inherent() -> pd.DataFrame:
    rows = [
        # category, grade, grade if above scale, grade if major hazard source
        ("hazardous_chemicals", "较大", "较大", "重大"),
        ("fireworks", "较大", "较大", "重大"),
        ("metallurgy", "一般", "较大", "重大"),
        ("ammonia_refrigeration", "一般", "较大", "重大"),
        ("dust_explosion", "一般", "较大", "重大"),
        ("confined_space", "一般", "一般", "较大"),
        ("general", "低", "低", "一般"),
    ]
    df = pd.DataFrame(
        rows, columns=["category", "grade", "grade_above_scale", "grade_major_hazard"]
    )
    df.insert(1, "category_zh", df["category"].map(ENTERPRISE_CATEGORIES))
    return df


def _default_raises() -> pd.DataFrame:
    return pd.DataFrame(
        [
            ("flood_depth", 0.5, "m", "百年一遇洪水淹没水深≥0.5米"),
            ("geohazard", 200.0, "m", "位于地质灾害高易发区或距隐患点200米以内"),
            ("rescue_access", 30.0, "min", "洪涝情景下救援到达时间超过30分钟"),
        ],
        columns=["rule", "threshold", "unit", "label"],
    )


@dataclass(frozen=True)
class FourColourRules:
    """The four-colour rule tables.

    Attributes
    ----------
    inherent
        One row per category: ``category``, ``category_zh``, ``grade``,
        ``grade_above_scale`` (used when ``above_scale``) and
        ``grade_major_hazard`` (used when ``major_hazard``; it wins).
    raises
        One row per raising rule: ``rule`` (``flood_depth``, ``geohazard``,
        ``rescue_access``), ``threshold``, ``unit`` and the Chinese
        ``label`` written into ``raised_by``. Drop a row to disable a rule,
        change ``threshold`` to tune it.
    """

    inherent: pd.DataFrame = field(default_factory=_default_inherent)
    raises: pd.DataFrame = field(default_factory=_default_raises)

    def __post_init__(self) -> None:
        need = {"category", "grade", "grade_above_scale", "grade_major_hazard"}
        if missing := need - set(self.inherent.columns):
            msg = f"four-colour inherent rule table lacks columns {sorted(missing)}; add them"
            raise ConfigError(msg)
        for col in ("grade", "grade_above_scale", "grade_major_hazard"):
            bad = sorted(set(self.inherent[col].astype(str)) - set(GRADES))
            if bad:
                msg = f"four-colour rule column '{col}' has grades {bad}; use one of {list(GRADES)}"
                raise ConfigError(msg)
        if missing := {"rule", "threshold", "label"} - set(self.raises.columns):
            msg = f"four-colour raising rule table lacks columns {sorted(missing)}; add them"
            raise ConfigError(msg)
        bad = sorted(set(self.raises["rule"]) - {"flood_depth", "geohazard", "rescue_access"})
        if bad:
            msg = (
                f"unknown four-colour raising rules {bad}; "
                "use flood_depth, geohazard or rescue_access"
            )
            raise ConfigError(msg)

    @classmethod
    def with_thresholds(
        cls,
        *,
        flood_depth_m: float | None = 0.5,
        hazard_point_m: float | None = 200.0,
        access_minutes: float | None = 30.0,
    ) -> FourColourRules:
        """Default tables with other thresholds; ``None`` disables a rule."""
        r = _default_raises()
        thr = {
            "flood_depth": flood_depth_m,
            "geohazard": hazard_point_m,
            "rescue_access": access_minutes,
        }
        r = r[[thr[k] is not None for k in r["rule"]]].copy()
        r["threshold"] = [float(thr[k]) for k in r["rule"]]  # type: ignore[arg-type]
        labels = {
            "flood_depth": f"百年一遇洪水淹没水深≥{flood_depth_m or 0:g}米",
            "geohazard": f"位于地质灾害高易发区或距隐患点{hazard_point_m or 0:g}米以内",
            "rescue_access": f"洪涝情景下救援到达时间超过{access_minutes or 0:g}分钟",
        }
        r["label"] = r["rule"].map(labels)
        return cls(raises=r.reset_index(drop=True))

    def threshold(self, rule: str) -> float | None:
        """Threshold of a raising rule, or ``None`` when the rule is disabled."""
        row = self.raises[self.raises["rule"] == rule]
        return None if row.empty else float(row["threshold"].iloc[0])

    def label(self, rule: str) -> str:
        """Chinese label of a raising rule."""
        return str(self.raises.loc[self.raises["rule"] == rule, "label"].iloc[0])

    def table(self) -> pd.DataFrame:
        """Both tables as one printable table (Chinese headings)."""
        inh = pd.DataFrame(
            {
                "规则": [
                    f"固有风险：{r.category_zh if isinstance(r.category_zh, str) else r.category}"
                    for r in self.inherent.itertuples()
                ],
                "结果": [
                    f"{r.grade}（规模以上{r.grade_above_scale}，重大危险源{r.grade_major_hazard}）"
                    for r in self.inherent.itertuples()
                ],
            }
        )
        up = pd.DataFrame(
            {
                "规则": [f"升级：{lbl}" for lbl in self.raises["label"]],
                "结果": "提升一级（最高重大）",
            }
        )
        return pd.concat([inh, up], ignore_index=True)


#: The default rule tables.
DEFAULT_RULES = FourColourRules()


def sample_depth(points: gpd.GeoDataFrame, raster: Any) -> np.ndarray:
    """Raster value at each point (nodata and points off the raster → 0).

    Reads the band once and indexes it with vectorised row/col.

    Parameters
    ----------
    points
        Points in the raster's CRS (reprojected when a path with another CRS
        is given).
    raster
        A GeoTIFF path or ``(array, RasterGrid, nodata)``
        (:func:`gistool.hazard.read_raster`).
    """
    if isinstance(raster, tuple):
        arr, grid = raster[0], raster[1]
        nodata = raster[2] if len(raster) > 2 else None
        t, pts = grid.transform, points
        from gistool.overlay.grid import check_same_crs

        check_same_crs(points.crs, grid.crs, "the enterprises", "the flood raster")
    else:
        import rasterio

        with rasterio.open(raster) as src:
            same = src.crs is None or points.crs is None or src.crs == points.crs
            pts = points if same else points.to_crs(src.crs)
            arr, t, nodata = src.read(1), src.transform, src.nodata
    xy = shapely.get_coordinates(pts.geometry.to_numpy())
    # invert the affine transform x = a·col + b·row + c, y = d·col + e·row + f
    det = t.a * t.e - t.b * t.d
    dx, dy = xy[:, 0] - t.c, xy[:, 1] - t.f
    c = np.floor((t.e * dx - t.b * dy) / det).astype(np.int64)
    r = np.floor((-t.d * dx + t.a * dy) / det).astype(np.int64)
    inside = (r >= 0) & (r < arr.shape[0]) & (c >= 0) & (c < arr.shape[1])
    out = np.zeros(len(pts))
    vals = arr[r[inside], c[inside]].astype(float)
    if nodata is not None and np.isfinite(nodata):
        vals[vals == float(np.asarray(nodata, dtype=arr.dtype))] = 0.0
    out[inside] = vals
    return np.nan_to_num(out, nan=0.0)


def _grade_index(values: pd.Series) -> np.ndarray:
    lut = {g: i for i, g in enumerate(GRADES)}
    return values.map(lut).to_numpy(dtype=np.int64)


def _as_bool(gdf: pd.DataFrame, col: str) -> np.ndarray:
    from gistool.exposure import as_bool

    return as_bool(gdf[col] if col in gdf.columns else None, len(gdf))


def four_colour(
    enterprises: gpd.GeoDataFrame,
    *,
    flood_depth_100: Any = None,
    geohazard_zones: gpd.GeoDataFrame | None = None,
    geohazard_points: gpd.GeoDataFrame | None = None,
    access_minutes: Any = None,
    rules: FourColourRules | None = None,
) -> gpd.GeoDataFrame:
    """Four-colour risk grade of each enterprise.

    ``grade = max(重大, inherent − n_raise)`` steps on the scale 低 < 一般 <
    较大 < 重大, where ``inherent`` comes from the category row of
    ``rules.inherent`` (``grade_major_hazard`` if ``major_hazard``, else
    ``grade_above_scale`` if ``above_scale``, else ``grade``) and ``n_raise``
    counts the raising rules that apply (each one step).

    Parameters
    ----------
    enterprises
        Enterprise points (``category``, ``above_scale``; optional
        ``major_hazard``).
    flood_depth_100
        100-year flood depth: a GeoTIFF path or ``(array, RasterGrid,
        nodata)`` (sampled at the sites), or one value per enterprise (m).
        ``None`` disables the flood rule.
    geohazard_zones
        Susceptibility polygons (``susceptibility``); sites in ``high`` zones
        trigger the geohazard rule.
    geohazard_points
        Geohazard points; one within the rule's threshold distance triggers
        the geohazard rule.
    access_minutes
        Rescue minutes under the flood scenario, one per enterprise (``inf``
        = isolated). ``None`` disables the access rule.
    rules
        Rule tables (default :data:`DEFAULT_RULES`).

    Returns
    -------
    geopandas.GeoDataFrame
        A copy of ``enterprises`` with ``inherent_grade``, ``flood_depth_100``,
        ``in_high_zone``, ``near_hazard_point``, ``access_minutes_flood``,
        ``n_raised``, ``raised_by`` (Chinese, "；"-separated), ``risk_grade``,
        ``color`` (red/orange/yellow/blue), ``color_hex``; the rule table is in
        ``attrs["rules"]``.
    """
    rules = DEFAULT_RULES if rules is None else rules
    for col in ("category",):
        if col not in enterprises.columns:
            msg = f"{describe_source(layer='enterprises', column=col)} is missing; add it"
            raise SchemaError(msg)
    n = len(enterprises)
    out = enterprises.copy()
    inh = rules.inherent.set_index("category")
    cat = out["category"].astype(str)
    unknown = sorted(set(cat) - set(inh.index))
    if unknown:
        msg = (
            f"{describe_source(layer='enterprises', column='category')} has categories {unknown} "
            "without a four-colour rule; add rows to the inherent rule table"
        )
        raise SchemaError(msg)
    above = _as_bool(out, "above_scale")
    major = _as_bool(out, "major_hazard")
    inherent = np.where(
        major,
        cat.map(inh["grade_major_hazard"]),
        np.where(above, cat.map(inh["grade_above_scale"]), cat.map(inh["grade"])),
    )
    out["inherent_grade"] = inherent
    level = _grade_index(pd.Series(inherent, index=out.index))

    # site and rescue facts
    if flood_depth_100 is None:
        depth = np.full(n, np.nan)
    elif isinstance(flood_depth_100, str | Path | tuple):
        depth = sample_depth(out, flood_depth_100)
    else:
        depth = np.asarray(flood_depth_100, dtype=float)
    in_high = np.zeros(n, dtype=bool)
    if geohazard_zones is not None and len(geohazard_zones) and n:
        high = geohazard_zones[geohazard_zones["susceptibility"].astype(str).str.lower() == "high"]
        if len(high):
            ip, _ = shapely.STRtree(high.geometry.to_numpy()).query(
                out.geometry.to_numpy(), predicate="intersects"
            )
            in_high[np.unique(ip)] = True
    near = np.zeros(n, dtype=bool)
    dist_pt = np.full(n, np.inf)
    d_thr = rules.threshold("geohazard")
    if geohazard_points is not None and len(geohazard_points) and n:
        ip, jp = shapely.STRtree(geohazard_points.geometry.to_numpy()).query_nearest(
            out.geometry.to_numpy(), return_distance=False, all_matches=False
        )
        dist_pt[ip] = shapely.distance(
            out.geometry.to_numpy()[ip], geohazard_points.geometry.to_numpy()[jp]
        )
        if d_thr is not None:
            near = dist_pt <= d_thr
    minutes = (
        np.full(n, np.nan) if access_minutes is None else np.asarray(access_minutes, dtype=float)
    )

    applies: dict[str, np.ndarray] = {}
    if (thr := rules.threshold("flood_depth")) is not None:
        applies["flood_depth"] = np.nan_to_num(depth, nan=-np.inf) >= thr
    if d_thr is not None:
        applies["geohazard"] = in_high | near
    if (thr := rules.threshold("rescue_access")) is not None:
        applies["rescue_access"] = np.nan_to_num(minutes, nan=-np.inf) > thr
    # the applying rules as a bit code per enterprise → one label per code
    names = list(applies)
    code = np.zeros(n, dtype=np.int64)
    for k, rule in enumerate(names):
        code += applies[rule].astype(np.int64) << k
    n_raise = np.zeros(n, dtype=np.int64)
    for hit in applies.values():
        n_raise += hit
    lut = np.array(
        [
            "；".join(rules.label(r) for k, r in enumerate(names) if c >> k & 1)
            for c in range(1 << len(names))
        ],
        dtype=object,
    )
    labels = lut[code]
    final = np.maximum(level - n_raise, 0)
    grades = pd.Series(np.array(GRADES, dtype=object)[final], index=out.index)
    out["flood_depth_100"] = depth
    out["in_high_zone"] = in_high
    out["near_hazard_point"] = near
    out["hazard_point_distance_m"] = dist_pt
    out["access_minutes_flood"] = minutes
    out["n_raised"] = n_raise
    out["raised_by"] = labels
    out["risk_grade"] = grades
    out["color"] = grades.map({g: v[0] for g, v in RISK_GRADES.items()})
    out["color_hex"] = grades.map({g: v[2] for g, v in RISK_GRADES.items()})
    out.attrs["rules"] = rules.table()
    return out
