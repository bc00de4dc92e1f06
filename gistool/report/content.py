"""What the report says: summary figures, tables as text cells, weights, provenance.

Everything here returns plain Python data (strings, numbers, lists) for the
template; the template escapes every string (Jinja2 autoescape), so no value
built here is ever trusted as HTML.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gistool.labels import FACTORS, RISK_GRADES, RISK_LEVELS, heading

__all__ = [
    "Table",
    "enterprise_crosstab",
    "format_column",
    "format_value",
    "provenance_rows",
    "summary_cards",
    "table_from_frame",
    "weights_table",
]

#: Packages whose versions the report lists when no provenance is given.
VERSION_PACKAGES: tuple[str, ...] = (
    "gistool", "numpy", "pandas", "scipy", "shapely", "geopandas", "pyogrio", "pyproj",
    "rasterio", "networkx", "mapclassify", "matplotlib", "bokeh", "jinja2", "openpyxl",
)


@dataclass
class Table:
    """A table ready for the template: headings and rows of display strings.

    ``colours`` optionally gives a background colour per row (hex), used for
    risk levels and four-colour grades; ``numeric`` marks right-aligned columns.
    """

    title: str
    headings: list[str]
    rows: list[list[str]]
    colours: list[str | None] = field(default_factory=list)
    numeric: list[bool] = field(default_factory=list)
    note: str = ""
    total_rows: int = 0


def format_value(value: Any, decimals: int = 3) -> str:
    """Display text of a cell: numbers rounded, booleans 是/否, missing and ∞ spelled out.

    Examples
    --------
    >>> [format_value(v) for v in (0.123456, 12.0, True, None, float("inf"), "长葛")]
    ['0.123', '12', '是', '', '∞', '长葛']
    """
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, bool | np.bool_):
        return "是" if value else "否"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        v = float(value)
        if math.isnan(v):
            return ""
        if math.isinf(v):
            return "∞" if v > 0 else "−∞"
        if v == round(v) and abs(v) < 1e15:
            return f"{v:,.0f}" if abs(v) >= 10_000 else str(round(v))
        return f"{v:.{decimals}f}"
    return str(value)


def format_column(values: pd.Series, decimals: int = 3) -> list[str]:
    """:func:`format_value` of every value of a column, a whole numeric column at a time.

    Examples
    --------
    >>> format_column(pd.Series([0.123456, 12.0, 12345.0, float("nan"), float("-inf")]))
    ['0.123', '12', '12,345', '', '−∞']
    """
    dtype = values.dtype
    if not isinstance(dtype, np.dtype) or dtype.kind not in "biuf":
        return [format_value(v, decimals) for v in values.to_numpy(dtype=object)]
    a = values.to_numpy()
    if dtype.kind == "b":
        return ["是" if v else "否" for v in a.tolist()]
    if dtype.kind in "iu":
        return list(map(str, a.tolist()))
    a = a.astype(np.float64)
    out = np.full(len(a), "", dtype=object)
    finite = np.isfinite(a)
    out[np.isposinf(a)] = "∞"
    out[np.isneginf(a)] = "−∞"
    whole = finite & (a == np.round(a)) & (np.abs(a) < 1e15)
    big = whole & (np.abs(a) >= 10_000)
    small = whole & ~big
    frac = finite & ~whole
    out[big] = [f"{v:,.0f}" for v in a[big].tolist()]
    out[small] = [str(round(v)) for v in a[small].tolist()]
    out[frac] = [f"{v:.{decimals}f}" for v in a[frac].tolist()]
    return out.tolist()


def table_from_frame(
    df: pd.DataFrame,
    title: str,
    *,
    headings: Mapping[str, str] | None = None,
    colour_by: str | None = None,
    max_rows: int | None = None,
    note: str = "",
) -> Table:
    """A :class:`Table` from a DataFrame: Chinese headings, display strings, row colours.

    ``colour_by`` names a ``risk_level`` (1–5) or ``risk_grade`` (重大…低)
    column whose colour tints the row.
    """
    geom = getattr(df, "_geometry_column_name", None)
    if geom in df.columns:
        df = pd.DataFrame(df.drop(columns=[geom]))
    total = len(df)
    if max_rows is not None:
        df = df.iloc[:max_rows]
    extra = dict(headings or {})
    heads = [extra.get(str(c), heading(str(c))) for c in df.columns]
    numeric = [pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])
               for c in df.columns]
    cols = [format_column(df.iloc[:, j]) for j in range(df.shape[1])]
    rows = [list(r) for r in zip(*cols, strict=True)] if cols else []
    colours: list[str | None] = []
    if colour_by is not None and colour_by in df.columns:
        for v in df[colour_by].to_numpy(dtype=object):
            if colour_by == "risk_level" and v is not None and not pd.isna(v):
                colours.append(RISK_LEVELS.get(int(v), (None, None, None))[2])
            elif colour_by == "risk_grade":
                colours.append(RISK_GRADES.get(str(v), (None, None, None))[2])
            else:
                colours.append(None)
    return Table(title, heads, rows, colours, numeric, note, total)


def summary_cards(result: Any) -> dict[str, Any]:
    """The headline figures of the summary section.

    ``high_population`` = Σ population of villages at levels 1–2 (高, 中高);
    ``isolated`` = targets reachable normally but not under the flood.
    """
    out: dict[str, Any] = {"levels": [], "grades": []}
    v = getattr(result, "villages", None)
    t = getattr(result, "townships", None)
    z = getattr(result, "zones", None)
    for lvl, (zh, en, colour) in RISK_LEVELS.items():
        row = {"level": lvl, "name": zh, "en": en, "colour": colour}
        for key, gdf in (("townships", t), ("villages", v), ("zones", z)):
            row[key] = (int((gdf["risk_level"].to_numpy() == lvl).sum())
                        if gdf is not None and "risk_level" in gdf else None)
        if z is not None and "risk_level" in z and len(z):
            m = z["risk_level"].to_numpy() == lvl
            row["zone_km2"] = float(z.geometry.area.to_numpy()[m].sum() / 1e6)
        out["levels"].append(row)
    e = getattr(result, "enterprises", None)
    if e is not None and "risk_grade" in e:
        g = e["risk_grade"].astype(str).to_numpy()
        for grade, (en, zh, colour) in RISK_GRADES.items():
            out["grades"].append({"grade": grade, "colour_zh": zh, "en": en, "colour": colour,
                                  "n": int((g == grade).sum())})
        out["n_enterprises"] = len(e)
    if v is not None:
        out["n_villages"] = len(v)
        if {"population", "risk_level"} <= set(v.columns):
            pop = pd.to_numeric(v["population"], errors="coerce").fillna(0).to_numpy(float)
            high = v["risk_level"].to_numpy() <= 2
            out["population"] = float(pop.sum())
            out["high_population"] = float(pop[high].sum())
            out["high_share"] = float(pop[high].sum() / pop.sum()) if pop.sum() else 0.0
            out["high_villages"] = int(high.sum())
    if t is not None:
        out["n_townships"] = len(t)
    reach = getattr(result, "reachability", None)
    if reach is not None and "isolated_flood" in reach:
        iso = reach["isolated_flood"].fillna(False).to_numpy(bool)
        typ = (reach["target_type"].astype(str).to_numpy() if "target_type" in reach
               else np.full(len(iso), "target"))
        pop = (pd.to_numeric(reach["population"], errors="coerce").fillna(0).to_numpy(float)
               if "population" in reach else np.zeros(len(iso)))
        out["isolated_points"] = int((iso & (typ == "population")).sum())
        out["isolated_population"] = float(pop[iso].sum())
        out["isolated_enterprises"] = int((iso & (typ == "enterprise")).sum())
    return out


def weights_table(result: Any) -> tuple[Table | None, Table | None, dict[str, Any]]:
    """Factor weights, the AHP judgement matrix, and the consistency figures.

    ``CR = CI / RI`` with ``CI = (λmax − n)/(n − 1)``; judgements are
    acceptable when CR ≤ 0.1.
    """
    w = getattr(result, "weights", None)
    wt = None
    if w is not None:
        s = pd.Series(w, dtype=float)
        wt = Table(
            "指标权重 Factor weights",
            ["因子", "名称", "权重"],
            [[str(k), FACTORS.get(str(k), str(k)), f"{float(x):.4f}"] for k, x in s.items()],
            numeric=[False, False, True],
            total_rows=len(s),
        )
    ahp = getattr(result, "ahp", None)
    figures: dict[str, Any] = {}
    mt = None
    if ahp is not None and hasattr(ahp, "cr"):
        figures = {
            "lambda_max": float(ahp.lambda_max), "ci": float(ahp.ci), "cr": float(ahp.cr),
            "ri": float(getattr(ahp, "ri", float("nan"))), "consistent": bool(ahp.consistent),
        }
        m = getattr(ahp, "matrix", None)
        if m is not None:
            labels = [str(c) for c in m.columns]
            mt = Table(
                "AHP 判断矩阵 Pairwise comparison matrix",
                ["", *labels, "权重"],
                [[str(i), *[_fraction(x) for x in row], f"{float(ahp.weights[i]):.4f}"]
                 for i, row in zip(m.index, m.to_numpy(float), strict=True)],
                numeric=[False] + [True] * (len(labels) + 1),
                total_rows=len(m),
            )
    return wt, mt, figures


def _fraction(x: float) -> str:
    """Saaty judgements as 3 or 1/3.

    Examples
    --------
    >>> _fraction(3.0), _fraction(1 / 3), _fraction(1.5)
    ('3', '1/3', '1.50')
    """
    if x >= 1 and abs(x - round(x)) < 1e-9:
        return str(round(x))
    if 0 < x < 1 and abs(1 / x - round(1 / x)) < 1e-6:
        return f"1/{round(1 / x)}"
    return f"{x:.2f}"


def enterprise_crosstab(enterprises: pd.DataFrame) -> pd.DataFrame:
    """Enterprises per category (rows) and grade (columns), with totals (一表)."""
    from gistool.labels import ENTERPRISE_CATEGORIES

    cat = enterprises["category"].map(ENTERPRISE_CATEGORIES).fillna(enterprises["category"])
    tab = pd.crosstab(cat, enterprises["risk_grade"]).reindex(columns=list(RISK_GRADES),
                                                               fill_value=0)
    tab["合计"] = tab.sum(axis=1)
    tab.loc["合计"] = tab.sum(axis=0)
    tab.index.name = "行业类别"
    tab.columns = [f"{g}（{RISK_GRADES[g][1]}）" if g in RISK_GRADES else g for g in tab.columns]
    return tab.reset_index()


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def provenance_rows(
    provenance: Mapping[str, Any] | None,
    data: Any = None,
) -> tuple[list[list[str]], list[list[str]], list[str]]:
    """Inputs (name, file, size, sha256), versions, and notes for the provenance section.

    From ``provenance`` (the content of ``provenance.json``: ``inputs`` name →
    files with ``path``/``size``/``sha256``, ``versions``) when given; else the
    study area's raster files are hashed here and package versions read from
    the installed metadata.
    """
    inputs: list[list[str]] = []
    versions: list[list[str]] = []
    notes: list[str] = []
    prov = dict(provenance or {})
    if "inputs" in prov:
        for name, files in dict(prov["inputs"]).items():
            for f in files if isinstance(files, Sequence) and not isinstance(files, str) else [
                    files]:
                f = f if isinstance(f, Mapping) else {"path": str(f)}
                inputs.append([str(name), str(f.get("path", "")), format_value(f.get("size")),
                               str(f.get("sha256", ""))])
    elif data is not None:
        files: list[tuple[str, Path]] = []
        if getattr(data, "dem", None):
            files.append(("dem", Path(data.dem)))
        for T, p in sorted(dict(getattr(data, "flood_depth", {}) or {}).items()):
            files.append((f"flood_depth_{T}", Path(p)))
        for name, p in files:
            if p.is_file():
                inputs.append([name, p.name, format_value(p.stat().st_size), _sha256(p)])
    src = dict(getattr(data, "sources", {}) or {}) if data is not None else {}
    for name, text in src.items():
        notes.append(f"{name}: {text}")
    synthetic = tuple(getattr(data, "synthetic", ()) or ()) if data is not None else ()
    if synthetic:
        notes.append("合成（示例）数据 synthetic layers: " + ", ".join(synthetic))
    vers = prov.get("versions")
    if not vers:
        vers = {}
        for pkg in VERSION_PACKAGES:
            try:
                vers[pkg] = metadata.version(pkg)
            except metadata.PackageNotFoundError:
                continue
    versions = [[str(k), str(v)] for k, v in dict(vers).items() if v is not None]
    return inputs, versions, notes
