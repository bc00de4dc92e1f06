"""Mapping user columns onto the canonical layer schemas (DESIGN §1).

``columns={"企业名称": "name", ...}`` renames source columns; with a layer
``kind`` the required columns and geometry types of
:data:`gistool.schema.SCHEMAS` are then checked, and a missing column is
refused with the columns found and a suggested mapping.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Final

from gistool.errors import GeometryError, SchemaError, describe_source

if TYPE_CHECKING:
    import pandas as pd

#: Canonical column → common source-column names (compared case-insensitively).
#: Used only to *suggest* a mapping in error messages, never applied silently.
COLUMN_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "name": ("名称", "企业名称", "单位名称", "名字", "村名", "乡镇名称", "村庄名称", "站名", "nm"),
    "code": ("代码", "编码", "区划代码", "行政区划代码", "统计用区划代码", "adcode", "dm"),
    "id": ("编号", "序号", "企业编号", "编码", "fid", "objectid", "bh"),
    "category": ("行业类别", "行业", "类别", "企业类别", "风险类别", "type"),
    "population": ("人口", "人口数", "常住人口", "户籍人口", "总人口", "pop", "rk"),
    "township_code": ("乡镇代码", "街道代码", "乡镇编码", "所属乡镇代码"),
    "kind": ("类型", "性质", "种类", "类别"),
    "above_scale": ("规模以上", "规上", "是否规上", "是否规模以上"),
    "credit_code": ("统一社会信用代码", "信用代码", "社会信用代码", "uscc"),
    "industry": ("产业", "所属行业", "行业门类", "行业代码"),
    "employees": ("从业人数", "员工人数", "职工人数", "从业人员", "员工数"),
    "major_hazard": ("重大危险源", "是否重大危险源"),
    "capacity": ("容量", "容纳人数", "可容纳人数", "床位数"),
    "road_class": ("道路等级", "公路等级", "等级", "道路类型", "fclass", "highway", "class"),
    "speed_kmh": ("速度", "限速", "设计速度", "设计时速", "maxspeed", "speed"),
    "oneway": ("单行", "单向", "是否单行"),
    "elevated": ("高架", "是否高架", "bridge"),
    "hazard_type": ("灾害类型", "灾种", "灾害种类", "隐患类型"),
    "threatened_people": ("威胁人数", "受威胁人数", "威胁人口"),
    "susceptibility": ("易发性", "易发程度", "易发等级", "易发区"),
}


def rename_columns(
    df: pd.DataFrame,
    columns: Mapping[str, str] | None,
    *,
    source: object = None,
    layer: str | None = None,
) -> pd.DataFrame:
    """Rename source columns onto canonical names.

    Parameters
    ----------
    df
        The frame read from ``source``.
    columns
        Source column → canonical column. A source column that does not exist is
        refused (a typo in a column map should not pass silently).
    source, layer
        Named in error messages.

    Raises
    ------
    SchemaError
        If a mapped source column is not in the frame, or two columns would
        end with the same name.

    Examples
    --------
    >>> import pandas as pd
    >>> rename_columns(pd.DataFrame({"企业名称": ["甲"]}), {"企业名称": "name"}).columns.tolist()
    ['name']
    """
    if not columns:
        return df
    found = [str(c) for c in df.columns if c != getattr(df, "_geometry_column_name", None)]
    missing = [src for src in columns if src not in df.columns]
    if missing:
        where = describe_source(source, layer)
        msg = (
            f"{where}: column map names column(s) {missing} that are not in the layer; "
            f"columns found: {found}; fix the keys of columns={{...}}"
        )
        raise SchemaError(msg)
    renamed = [columns.get(str(c), str(c)) for c in df.columns]
    dupes = sorted({c for c in renamed if renamed.count(c) > 1})
    if dupes:
        where = describe_source(source, layer)
        msg = (
            f"{where}: column map would create duplicate column(s) {dupes}; "
            f"columns found: {found}; map only one source column onto each canonical name"
        )
        raise SchemaError(msg)
    return df.rename(columns=dict(columns))


def suggest_column(canonical: str, found: list[str]) -> str | None:
    """Return the found column most likely meant for ``canonical``, or None.

    Exact (case-insensitive) matches of the canonical name or an alias in
    :data:`COLUMN_ALIASES` win over a found column that contains an alias.

    Examples
    --------
    >>> suggest_column("name", ["ID", "企业名称", "行业"])
    '企业名称'
    >>> suggest_column("population", ["村名", "常住人口数"])
    '常住人口数'
    """
    aliases = (canonical, *COLUMN_ALIASES.get(canonical, ()))
    lowered = {c: c.strip().lower() for c in found}
    for alias in aliases:
        for col, low in lowered.items():
            if low == alias.lower():
                return col
    for alias in aliases:
        if len(alias) < 2:
            continue
        for col, low in lowered.items():
            if alias.lower() in low:
                return col
    return None


def single_part_points(
    gdf: pd.DataFrame, kind: str, *, source: object = None, layer: str | None = None
) -> pd.DataFrame:
    """Turn one-part MultiPoints into Points for a Point layer kind (with a warning).

    Many GIS exports store every point as a MultiPoint of one part; that is a
    Point in all but name. MultiPoints of several parts are left for
    :func:`check_schema` to refuse.
    """
    import warnings

    import numpy as np
    import shapely

    from gistool.errors import DataRepairWarning
    from gistool.schema import SCHEMAS

    schema = SCHEMAS.get(kind)
    if schema is None or schema.geometry != ("Point",) or not len(gdf):
        return gdf
    geoms = gdf.geometry.to_numpy()
    multi = shapely.get_type_id(geoms) == 4  # MultiPoint
    if not multi.any() or (shapely.get_num_geometries(geoms[multi]) != 1).any():
        return gdf
    fixed = geoms.copy()
    fixed[multi] = shapely.get_geometry(geoms[multi], 0)
    warnings.warn(
        f"{describe_source(source, layer)}: {int(np.count_nonzero(multi))} one-part "
        "MultiPoint(s) read as Point(s)",
        DataRepairWarning,
        stacklevel=3,
    )
    out = gdf.copy()
    out[gdf.geometry.name] = fixed
    return out


def check_schema(
    gdf: pd.DataFrame,
    kind: str,
    *,
    source: object = None,
    layer: str | None = None,
) -> None:
    """Refuse a layer that lacks a required column or has the wrong geometry type.

    Parameters
    ----------
    gdf
        Layer after the column map was applied.
    kind
        A key of :data:`gistool.schema.SCHEMAS`.
    source, layer
        Named in error messages.

    Raises
    ------
    SchemaError
        A required column is missing: the message lists the missing columns, the
        columns found and a ``columns={...}`` fix with the likely source column.
    GeometryError
        A geometry type other than those of the schema is present.
    """
    from gistool.schema import SCHEMAS

    if kind not in SCHEMAS:
        msg = f"unknown layer kind {kind!r}; choose one of {sorted(SCHEMAS)}"
        raise SchemaError(msg)
    schema = SCHEMAS[kind]
    geom_col = getattr(gdf, "_geometry_column_name", None)
    found = [str(c) for c in gdf.columns if c != geom_col]
    missing = [c for c in schema.required if c not in gdf.columns]
    if missing:
        fixes = []
        for col in missing:
            guess = suggest_column(col, [c for c in found if c not in schema.columns])
            fixes.append(f'"{guess or f"<column for {col}>"}": "{col}"')
        where = describe_source(source, layer)
        msg = (
            f"{where}: {kind} layer is missing required column(s) {missing}; "
            f"columns found: {found}; map them with columns={{{', '.join(fixes)}}}"
        )
        raise SchemaError(msg)
    if geom_col is not None and len(gdf):
        types = gdf.geometry.geom_type.dropna()
        bad = sorted(set(types.unique()) - set(schema.geometry))
        if bad:
            where = describe_source(source, layer)
            first = int(gdf.geometry.geom_type.isin(bad).to_numpy().argmax())
            msg = (
                f"{where}: {kind} layer needs {'/'.join(schema.geometry)} geometries but has "
                f"{bad} (first at row {first}); export the right layer "
                "or convert the geometries (e.g. explode multi-part features)"
            )
            raise GeometryError(msg)
