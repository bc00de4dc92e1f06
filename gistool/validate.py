"""Validate a layer against its canonical schema (DESIGN §1) and repair what is safe.

:func:`validate_layer` runs every check, collects the findings in a
:class:`ValidationReport` (a DataFrame: severity, check, column, count,
message, fix) and returns the repaired data with it. With ``strict=True`` the
first error is raised as the matching :class:`~gistool.errors.InputError`
subclass (osmnx's "validate, then warn or raise" is the model).

Checks, in order
----------------
``crs``
    missing CRS (error); geographic coordinates out of range or lon/lat
    swapped (error); eastings with a Gauss–Krüger zone prefix (stripped with
    ``repair``, warning); a Xi'an-80 or Beijing-54 CRS (info: ~100 m from
    CGCS2000, reprojected — right only if the declared CRS is true).
``columns``
    required columns of :data:`gistool.schema.SCHEMAS` present (error naming
    the missing and the found columns and a ``columns={...}`` fix).
``geometry``
    null/empty geometries (dropped with ``repair``, warning); geometry type
    against the schema; invalid geometries (repaired with
    ``shapely.make_valid`` keeping the schema's dimension, warning).
    *Multi-part points*: a MultiPoint with one part is unwrapped to a Point
    (warning); a MultiPoint with several parts is an **error**, because one
    enterprise, facility or hazard point is one place and exploding it would
    duplicate its id — split it into separate features with their own ids.
``values``
    numeric columns numeric (text that parses as numbers is converted);
    booleans from 是/否, Y/N, 1/0, true/false, yes/no; 9/12-digit division
    codes; negative counts.
``domain``
    enterprise ``category``, facility ``kind``, geohazard ``hazard_type`` and
    ``susceptibility`` in the known values (Chinese labels are mapped to the
    canonical keys); township/village ``kind``; road classes without a speed.
``ids``
    duplicate or missing ids.
``codes``
    village codes under their ``township_code``; 统一社会信用代码 check
    characters (GB 32100 error, GB 11714 organisation-code check warning).
``boundary``
    features outside ``boundary`` (points farther than 1 km: error, nearer:
    warning, since points snapped to a boundary road often fall just outside).
``coverage``
    townships/villages: overlap = Σ areas − area(∪), gaps = area(boundary) −
    area(∪ ∩ boundary) (or the holes enclosed by ∪ without a boundary), both in
    m² in a metric CRS. Up to 1 m²: info; up to 0.1 % of the area: warning
    (digitising slivers); more: error.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Literal

import numpy as np
import pandas as pd

from gistool.errors import (
    CRSError,
    CRSWarning,
    DataRepairWarning,
    GeometryError,
    InputError,
    SchemaError,
    describe_source,
)

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

__all__ = ["FINDING_COLUMNS", "ValidationReport", "validate_layer"]

Severity = Literal["error", "warning", "info"]

#: Columns of :attr:`ValidationReport.findings`.
FINDING_COLUMNS: Final[tuple[str, ...]] = ("severity", "check", "column", "count", "message", "fix")

#: Points farther than this outside the boundary are errors, nearer ones warnings (m).
OUTSIDE_ERROR_M: Final[float] = 1000.0
#: Overlaps/gaps up to this many m² are reported as info.
COVERAGE_NEGLIGIBLE_M2: Final[float] = 1.0
#: Overlaps/gaps up to this share of the covered area are warnings; more is an error.
COVERAGE_ERROR_SHARE: Final[float] = 0.001

_TRUE: Final[frozenset[str]] = frozenset(
    {"是", "有", "√", "y", "yes", "true", "t", "1", "1.0", "on"}
)
_FALSE: Final[frozenset[str]] = frozenset(
    {"否", "无", "×", "n", "no", "false", "f", "0", "0.0", "off"}
)
_MAX_EXAMPLES = 5


@dataclass
class ValidationReport:
    """Findings of :func:`validate_layer` and the repaired data.

    Attributes
    ----------
    kind
        Layer kind checked.
    findings
        One row per finding: ``severity`` (error, warning, info), ``check``,
        ``column`` (or ``""``), ``count`` (features or m² concerned),
        ``message`` and ``fix``.
    data
        The layer after the repairs (rows dropped, geometries made valid, values
        converted); the input is not modified.
    source, layer
        Where the layer came from, named in messages.
    n_features
        Number of features of the input layer.
    """

    kind: str
    findings: pd.DataFrame
    data: gpd.GeoDataFrame
    source: str | None = None
    layer: str | None = None
    n_features: int = 0
    _errors: list[type[InputError]] = field(default_factory=list, repr=False)

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings and info allowed)."""
        return not bool((self.findings["severity"] == "error").any())

    @property
    def errors(self) -> pd.DataFrame:
        """The error rows of :attr:`findings`."""
        return self.findings[self.findings["severity"] == "error"]

    @property
    def warnings(self) -> pd.DataFrame:
        """The warning rows of :attr:`findings`."""
        return self.findings[self.findings["severity"] == "warning"]

    def exception(self, i: int) -> InputError:
        """The exception of finding ``i`` (message and fix on one line)."""
        row = self.findings.iloc[i]
        where = describe_source(self.source, self.layer, row["column"] or None)
        msg = f"{where}: {row['message']}; {row['fix']}" if row["fix"] else (
            f"{where}: {row['message']}"
        )
        return self._errors[i](msg)

    def raise_for_errors(self) -> None:
        """Raise the first error as its :class:`~gistool.errors.InputError` subclass."""
        idx = np.flatnonzero((self.findings["severity"] == "error").to_numpy())
        if idx.size:
            raise self.exception(int(idx[0]))

    def summary(self) -> str:
        """One line: kind, source, feature count and the number of findings per severity."""
        counts = self.findings["severity"].value_counts()
        parts = [
            f"{int(counts.get(s, 0))} {s}{'s' if counts.get(s, 0) != 1 and s != 'info' else ''}"
            for s in ("error", "warning", "info")
        ]
        where = describe_source(self.source, self.layer)
        return f"{self.kind} layer ({where}), {self.n_features} features: {', '.join(parts)}"

    def __str__(self) -> str:
        lines = [self.summary()]
        if self.findings.empty:
            lines.append("  no problems found")
        for row in self.findings.itertuples(index=False):
            col = f"[{row.column}] " if row.column else ""
            lines.append(f"  {row.severity.upper():7} {row.check:9} {col}{row.message}")
            if row.fix:
                lines.append(f"  {'':7} {'':9} fix: {row.fix}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:  # pragma: no cover - notebook display
        return f"<p>{self.summary()}</p>" + self.findings.to_html(index=False)


class _Findings:
    """Collects findings and the exception class of each."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.errors: list[type[InputError]] = []

    def add(
        self,
        severity: Severity,
        check: str,
        column: str | None,
        count: float,
        message: str,
        fix: str = "",
        exc: type[InputError] = InputError,
    ) -> None:
        self.rows.append(
            {
                "severity": severity,
                "check": check,
                "column": column or "",
                "count": count,
                "message": message,
                "fix": fix,
            }
        )
        self.errors.append(exc)

    def frame(self) -> pd.DataFrame:
        df = pd.DataFrame(self.rows, columns=list(FINDING_COLUMNS))
        df["count"] = pd.to_numeric(df["count"]).astype("float64")
        if len(df) and (df["count"] == df["count"].round()).all():
            df["count"] = df["count"].astype("int64")
        return df


def _examples(values: Any) -> str:
    vals = list(dict.fromkeys(str(v) for v in values))
    shown = ", ".join(repr(v) for v in vals[:_MAX_EXAMPLES])
    return shown + (f" … (+{len(vals) - _MAX_EXAMPLES})" if len(vals) > _MAX_EXAMPLES else "")


def _rows(mask: np.ndarray, index: pd.Index) -> str:
    rows = index[mask][:_MAX_EXAMPLES].tolist()
    more = int(mask.sum()) - len(rows)
    return ", ".join(map(str, rows)) + (f" … (+{more})" if more > 0 else "")


# --------------------------------------------------------------------------- #
# entry point
# --------------------------------------------------------------------------- #


def validate_layer(
    gdf: gpd.GeoDataFrame,
    kind: str,
    *,
    boundary: Any = None,
    strict: bool = False,
    repair: bool = True,
    source: object = None,
    layer: str | None = None,
) -> ValidationReport:
    """Check a layer against its canonical schema; repair what is safe.

    Parameters
    ----------
    gdf
        The layer, with canonical column names (map them when reading:
        ``read_layer(..., columns={...})``).
    kind
        A key of :data:`gistool.schema.SCHEMAS` (``"villages"``, ``"enterprises"``...).
    boundary
        Optional study-area boundary (GeoDataFrame, GeoSeries or a geometry in
        the layer's CRS): features outside it are reported, and for townships
        and villages the gaps against it are measured.
    strict
        Raise the first error instead of returning a report with errors.
    repair
        Drop null/empty geometries, make invalid geometries valid, unwrap
        single-part MultiPoints, strip a zone prefix and convert values (text
        numbers, 是/否 booleans, Chinese category labels, integer codes). Each
        repair is a finding and a :class:`~gistool.errors.DataRepairWarning`.
    source, layer
        File and layer named in messages (default: ``gdf.attrs['source_path']``
        and ``['source_layer']`` as set by :func:`gistool.read_layer`).

    Returns
    -------
    ValidationReport
        ``.findings``, ``.data`` (repaired copy), ``.ok``, ``.errors``.

    Raises
    ------
    SchemaError
        Unknown ``kind``; with ``strict``, a missing column or bad values.
    CRSError, GeometryError, InputError
        With ``strict``, the first error found.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> g = gpd.GeoDataFrame(
    ...     {"id": ["a", "a"], "name": ["甲", "乙"], "kind": ["消防站", "hospital"]},
    ...     geometry=[shapely.Point(0, 0), shapely.Point(1, 1)], crs="EPSG:4547")
    >>> rep = validate_layer(g, "facilities", repair=False)
    >>> rep.ok, rep.errors["check"].tolist()
    (False, ['ids'])
    """
    from gistool.schema import SCHEMAS

    if kind not in SCHEMAS:
        msg = f"unknown layer kind {kind!r}; choose one of {sorted(SCHEMAS)}"
        raise SchemaError(msg)
    if source is None:
        source = gdf.attrs.get("source_path")
    if layer is None:
        layer = gdf.attrs.get("source_layer")
    f = _Findings()
    data = gdf.copy()
    n_input = len(gdf)
    if n_input == 0:
        f.add("error", "geometry", None, 0, "the layer has no features",
              "check the file, the layer name and any filter that produced it", GeometryError)
        return _finish(kind, f, data, source, layer, n_input, strict, repair)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data, metric_crs = _check_crs(data, f, repair, source, layer)
        present = _check_columns(data, kind, f)
        data = _check_geometry(data, kind, f, repair)
        data = _check_values(data, kind, present, f, repair)
        data = _check_domain(data, kind, present, f, repair)
        _check_ids(data, kind, present, f)
        _check_codes(data, kind, present, f)
        if boundary is not None:
            _check_boundary(data, kind, boundary, f, metric_crs)
        if kind in ("townships", "villages"):
            _check_coverage(data, f, boundary, metric_crs)
    # warnings raised by helpers (e.g. zone prefix) are recorded as findings already
    del caught
    return _finish(kind, f, data, source, layer, n_input, strict, repair)


def _finish(
    kind: str, f: _Findings, data: gpd.GeoDataFrame, source: object, layer: str | None,
    n_input: int, strict: bool, repair: bool,
) -> ValidationReport:
    """Build the report; raise its first error (strict) or warn about the repairs."""
    report = ValidationReport(
        kind=kind,
        findings=f.frame(),
        data=data,
        source=None if source is None else str(source),
        layer=layer,
        n_features=n_input,
        _errors=f.errors,
    )
    if strict:
        report.raise_for_errors()
    for row in report.findings[report.findings["check"] == "coords"].itertuples(index=False):
        warnings.warn(
            f"{describe_source(report.source, layer)}: {row.message}; {row.fix}",
            CRSWarning,
            stacklevel=3,
        )
    if repair:
        repaired = report.findings[report.findings["check"].str.endswith("repaired")]
        for row in repaired.itertuples(index=False):
            warnings.warn(
                f"{describe_source(report.source, layer, row.column or None)}: {row.message}",
                DataRepairWarning,
                stacklevel=3,
            )
    return report


# --------------------------------------------------------------------------- #
# checks
# --------------------------------------------------------------------------- #


def _check_crs(
    data: gpd.GeoDataFrame, f: _Findings, repair: bool, source: object, layer: str | None
) -> tuple[gpd.GeoDataFrame, Any]:
    """CRS present and plausible; returns (data, metric CRS or None)."""
    from gistool.crs import crs_family, detect_zone_prefix, ensure_crs, strip_zone_prefix

    if data.crs is None:
        f.add(
            "error", "crs", None, len(data), "the layer has no coordinate reference system",
            "pass crs='EPSG:4490' (or --crs) if you know it; never guessed", CRSError,
        )
        return data, None
    try:
        ensure_crs(data)
    except CRSError as exc:
        text = str(exc).split(": ", 1)[-1]
        message, _, fix = text.partition("; ")
        f.add("error", "crs", None, len(data), message, fix, CRSError)
        return data, None
    if data.crs.is_projected:
        import shapely

        xs = shapely.get_coordinates(data.geometry.values)[:, 0]
        zone = detect_zone_prefix(xs)
        if zone is not None:
            if repair:
                with warnings.catch_warnings(record=True) as w:
                    warnings.simplefilter("always", CRSWarning)
                    try:
                        data = strip_zone_prefix(data, source=source, layer=layer)
                    except CRSError as exc:
                        f.add("error", "crs", None, len(data), str(exc), "", CRSError)
                        return data, None
                text = str(w[0].message).split(": ", 1)[-1] if w else f"zone prefix {zone}"
                f.add("warning", "crs repaired", None, len(data), text, "", CRSError)
            else:
                f.add(
                    "warning", "crs", None, len(data),
                    f"eastings carry the Gauss–Krüger zone prefix {zone}",
                    "validate with repair=True or read with the zone-prefixed CRS", CRSError,
                )
                return data, None
    family = crs_family(data.crs)
    if family in ("Xian80", "Beijing54"):
        name = {"Xian80": "Xi'an-80", "Beijing54": "Beijing-54"}[family]
        epsg = data.crs.to_epsg()
        f.add("info", "crs", None, len(data),
              f"declared in {name} (EPSG:{epsg}, {data.crs.name}); it differs from CGCS2000 "
              "by up to ~100 m and will be reprojected",
              "if the coordinates are really CGCS2000, read it with crs= the CGCS2000 CRS",
              CRSError)
    return data, _metric_crs(data)


def _metric_crs(data: gpd.GeoDataFrame) -> Any:
    """CRS for areas and distances: the layer's Gauss–Krüger working CRS (scale error
    < 0.1 % inside a 3° zone, unlike e.g. Web Mercator's 1/cos²φ), else the layer's own
    CRS when it is projected in metres, else None."""
    from gistool.crs import working_crs

    if data.empty or data.geometry.isna().all():
        return None
    try:
        return working_crs(data)
    except CRSError:
        pass
    unit = data.crs.axis_info[0].unit_name if data.crs.axis_info else ""
    return data.crs if data.crs.is_projected and unit in ("metre", "meter") else None


def _check_columns(data: gpd.GeoDataFrame, kind: str, f: _Findings) -> set[str]:
    from gistool.io.columns import suggest_column
    from gistool.schema import SCHEMAS

    schema = SCHEMAS[kind]
    geom_col = data.geometry.name
    found = [str(c) for c in data.columns if c != geom_col]
    missing = [c for c in schema.required if c not in data.columns]
    if missing:
        fixes, cli = [], []
        for col in missing:
            guess = suggest_column(col, [c for c in found if c not in schema.columns])
            fixes.append(f'"{guess or "<source column>"}": "{col}"')
            cli.append(f"--column {guess or '<source column>'}={col}")
        f.add(
            "error", "columns", ", ".join(missing), len(missing),
            f"{kind} layer is missing required column(s) {missing}; columns found: {found}",
            f"map them with columns={{{', '.join(fixes)}}} (CLI: {' '.join(cli)})", SchemaError,
        )
    return {c for c in schema.columns if c in data.columns}


def _keep_dimension(geoms: np.ndarray, dim: int) -> np.ndarray:
    """Keep only the parts of dimension ``dim`` of each geometry (empty if none), vectorised."""
    import shapely

    parts, idx = shapely.get_parts(geoms, return_index=True)
    # flatten nested collections/multi-geometries until only simple parts remain
    while True:
        nested = shapely.get_type_id(parts) >= 4
        if not nested.any():
            break
        sub, sub_idx = shapely.get_parts(parts[nested], return_index=True)
        parts = np.concatenate([parts[~nested], sub])
        idx = np.concatenate([idx[~nested], idx[nested][sub_idx]])
    keep = (shapely.get_dimensions(parts) == dim) & ~shapely.is_empty(parts)
    parts, idx = parts[keep], idx[keep]
    out = np.empty(len(geoms), dtype=object)
    empty = {0: shapely.Point(), 1: shapely.LineString(), 2: shapely.Polygon()}[dim]
    out[:] = [empty] * len(geoms)
    if parts.size:
        counts = np.bincount(idx, minlength=len(geoms))
        maker = {0: shapely.multipoints, 1: shapely.multilinestrings, 2: shapely.multipolygons}
        order = np.argsort(idx, kind="stable")
        multi = maker[dim](parts[order], indices=idx[order])
        has = np.flatnonzero(counts > 0)
        single = counts[has] == 1
        # unwrap single-part results to their simple type
        collected = np.asarray(multi)
        simple = shapely.get_geometry(collected[single], 0)
        collected[single] = simple
        out[has] = collected
    return out


def _check_geometry(
    data: gpd.GeoDataFrame, kind: str, f: _Findings, repair: bool
) -> gpd.GeoDataFrame:
    import shapely

    from gistool.schema import SCHEMAS

    allowed = SCHEMAS[kind].geometry
    geoms = np.asarray(data.geometry.values, dtype=object)
    n_rows = len(geoms)
    null = shapely.is_missing(geoms)
    empty = ~null & shapely.is_empty(geoms)
    gone = null | empty
    if gone.any():
        what = (
            f"{int(null.sum())} null and {int(empty.sum())} empty geometries "
            f"(rows {_rows(gone, data.index)})"
        )
        if repair:
            f.add("warning", "geometry repaired", None, int(gone.sum()), f"dropped {what}",
                  "", GeometryError)
            data = data[~gone]
            geoms = geoms[~gone]
        else:
            f.add("warning", "geometry", None, int(gone.sum()), what,
                  "drop them or validate with repair=True", GeometryError)
            geoms = np.where(gone, None, geoms)
    present = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    if not present.any():
        f.add("error", "geometry", None, 0,
              "the layer has no features with a geometry" if n_rows else
              "the layer has no features",
              "check the file, the layer name and any filter that produced it", GeometryError)
    types = np.where(present, shapely.get_type_id(np.where(present, geoms, None)), -1)
    names = np.array(["Point", "LineString", "LinearRing", "Polygon", "MultiPoint",
                      "MultiLineString", "MultiPolygon", "GeometryCollection"])
    type_names = np.where(types >= 0, names[np.clip(types, 0, 7)], "")
    # single-part MultiPoints of point layers
    if allowed == ("Point",):
        mp = type_names == "MultiPoint"
        if mp.any():
            nparts = shapely.get_num_geometries(np.where(mp, geoms, None))
            one = mp & (nparts == 1)
            many = mp & (nparts > 1)
            if one.any():
                if repair:
                    geoms = geoms.copy()
                    geoms[one] = shapely.get_geometry(geoms[one], 0)
                    type_names = np.where(one, "Point", type_names)
                    f.add("warning", "geometry repaired", None, int(one.sum()),
                          f"unwrapped {int(one.sum())} single-part MultiPoint(s) to Point",
                          "", GeometryError)
                else:
                    f.add("error", "geometry", None, int(one.sum()),
                          f"{int(one.sum())} single-part MultiPoint(s) where Points are expected "
                          f"(rows {_rows(one, data.index)})",
                          "validate with repair=True or convert them to Point", GeometryError)
                    type_names = np.where(one, "", type_names)
            if many.any():
                f.add("error", "geometry", None, int(many.sum()),
                      f"{int(many.sum())} multi-part MultiPoint(s) where one Point per feature is "
                      f"expected (rows {_rows(many, data.index)})",
                      "split them into separate features, each with its own id", GeometryError)
                type_names = np.where(many, "", type_names)
    wrong = present & (type_names != "") & ~np.isin(type_names, allowed)
    if wrong.any():
        found = sorted({str(t) for t in type_names[wrong]})
        f.add("error", "geometry", None, int(wrong.sum()),
              f"{kind} layer needs {'/'.join(allowed)} geometries but has {found} "
              f"(rows {_rows(wrong, data.index)})",
              "export the right layer or convert the geometries", GeometryError)
    check = present & ~wrong
    invalid = check & ~shapely.is_valid(np.where(check, geoms, None))
    if invalid.any():
        reasons = shapely.is_valid_reason(geoms[invalid])
        detail = _examples(r.split("[")[0] for r in reasons)
        if repair:
            dim = {"Point": 0, "LineString": 1, "Polygon": 2}[allowed[0]]
            if dim == 2:
                fixed = shapely.make_valid(geoms[invalid], method="structure",
                                           keep_collapsed=False)
            else:
                fixed = _keep_dimension(shapely.make_valid(geoms[invalid]), dim)
            geoms = geoms.copy()
            geoms[invalid] = fixed
            collapsed = shapely.is_empty(fixed)
            msg = f"made {int(invalid.sum())} invalid geometries valid ({detail})"
            if collapsed.any():
                msg += f"; {int(collapsed.sum())} collapsed to nothing and were dropped"
            f.add("warning", "geometry repaired", None, int(invalid.sum()), msg, "",
                  GeometryError)
            data = data.set_geometry(
                _geoseries(geoms, data)
            )
            if collapsed.any():
                keep = np.ones(len(data), dtype=bool)
                keep[np.flatnonzero(invalid)[collapsed]] = False
                data = data[keep]
            return data
        f.add("error", "geometry", None, int(invalid.sum()),
              f"{int(invalid.sum())} invalid geometries ({detail}; rows "
              f"{_rows(invalid, data.index)})",
              "validate with repair=True (shapely.make_valid) or fix them in a GIS",
              GeometryError)
    return data.set_geometry(_geoseries(geoms, data)) if repair else data


def _geoseries(geoms: np.ndarray, data: gpd.GeoDataFrame) -> gpd.GeoSeries:
    import geopandas as gpd

    return gpd.GeoSeries(geoms, index=data.index, crs=data.crs, name=data.geometry.name)


def _to_bool(s: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Booleans from bool/0-1 numbers/是否 text; returns (values, mask of unparseable)."""
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.astype("boolean"), np.zeros(len(s), dtype=bool)
    if pd.api.types.is_numeric_dtype(s.dtype):
        bad = s.notna() & ~s.isin([0, 1])
        out = s.where(~bad).map({1: True, 0: False}, na_action="ignore").astype("boolean")
        return out, bad.to_numpy(dtype=bool)
    text = s.map(lambda v: v if isinstance(v, str) else (str(v) if pd.notna(v) else None))
    low = text.str.strip().str.lower()
    blank = low.isna() | (low == "")
    t = low.isin(_TRUE)
    fl = low.isin(_FALSE)
    out = pd.Series(pd.NA, index=s.index, dtype="boolean")
    out[t.to_numpy(dtype=bool)] = True
    out[fl.to_numpy(dtype=bool)] = False
    bad = ~(t | fl | blank)
    return out, bad.to_numpy(dtype=bool)


def _code_strings(s: pd.Series) -> tuple[pd.Series, bool]:
    """Codes as text: integral numbers become digits. Returns (codes, changed)."""
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        vals = s.to_numpy(dtype=float, na_value=np.nan)
        integral = np.isfinite(vals) & (vals == np.round(vals))
        out = pd.Series(
            [f"{int(v):d}" if ok else None for v, ok in zip(vals, integral, strict=True)],
            index=s.index, dtype=object,
        )
        return out, True
    if pd.api.types.is_string_dtype(s.dtype) or s.dtype == object:

        def conv(v: Any) -> Any:
            if isinstance(v, str):
                return v.strip()
            if isinstance(v, int | np.integer) and not isinstance(v, bool):
                return str(int(v))
            if isinstance(v, float | np.floating) and np.isfinite(v) and v == round(v):
                return str(int(v))
            return v

        converted = s.map(conv)
        changed = [
            type(new) is not type(old) or (isinstance(new, str) and new != old)
            for new, old in zip(converted, s, strict=True)
        ]
        return converted, any(changed)
    return s, False


def _check_values(
    data: gpd.GeoDataFrame, kind: str, present: set[str], f: _Findings, repair: bool
) -> gpd.GeoDataFrame:
    from gistool.codes import township_codes_valid, village_codes_valid
    from gistool.schema import SCHEMAS

    schema = SCHEMAS[kind]
    kinds = {**schema.optional, **schema.required}
    for col in [c for c in schema.columns if c in present]:
        vkind = kinds[col]
        s = data[col]
        required = col in schema.required
        if vkind in ("float", "int"):
            nulls = int((s.isna() | (s.astype(str).str.strip() == "")).sum())
            if pd.api.types.is_bool_dtype(s.dtype) or not pd.api.types.is_numeric_dtype(s.dtype):
                num = pd.to_numeric(
                    s.map(lambda v: v.strip().replace(",", "") if isinstance(v, str) else v),
                    errors="coerce",
                )
                bad = (num.isna() & s.notna() & (s.astype(str).str.strip() != "")).to_numpy(bool)
                if bad.any():
                    f.add("error", "values", col, int(bad.sum()),
                          f"{int(bad.sum())} non-numeric value(s) in a numeric column "
                          f"({_examples(s[bad])}; rows {_rows(bad, data.index)})",
                          "clean the column or map another column onto it", SchemaError)
                elif repair:
                    data[col] = num.astype("float64")
                    f.add("info", "values repaired", col, int(s.notna().sum()),
                          "converted text to numbers", "", SchemaError)
                s = num
            if nulls and required:
                f.add("warning", "values", col, nulls,
                      f"{nulls} missing value(s) in required column", "fill them in",
                      SchemaError)
            num_values = pd.to_numeric(s, errors="coerce")
            neg = ((num_values <= 0) if col == "speed_kmh" else (num_values < 0)).to_numpy(bool)
            if neg.any():
                what = "zero or negative" if col == "speed_kmh" else "negative"
                f.add("error", "values", col, int(neg.sum()),
                      f"{int(neg.sum())} {what} value(s) (rows {_rows(neg, data.index)})",
                      "counts and capacities cannot be negative, speeds must be positive",
                      SchemaError)
        elif vkind == "bool":
            out, bad = _to_bool(s)
            if bad.any():
                f.add("error", "values", col, int(bad.sum()),
                      f"{int(bad.sum())} value(s) not readable as yes/no "
                      f"({_examples(s[bad])}; rows {_rows(bad, data.index)})",
                      "use 是/否, Y/N, 1/0 or true/false", SchemaError)
            elif repair and not pd.api.types.is_bool_dtype(s.dtype):
                data[col] = out
                f.add("info", "values repaired", col, int(out.notna().sum()),
                      "converted 是/否, Y/N, 1/0 text to booleans", "", SchemaError)
        elif vkind in ("code9", "code12"):
            codes, changed = _code_strings(s)
            width = 9 if vkind == "code9" else 12
            ok = (township_codes_valid if width == 9 else village_codes_valid)(codes)
            blank = codes.isna().to_numpy(bool)
            bad = ~ok & ~blank
            if bad.any():
                f.add("error", "codes", col, int(bad.sum()),
                      f"{int(bad.sum())} malformed {width}-digit division code(s) "
                      f"({_examples(s[bad])}; rows {_rows(bad, data.index)})",
                      f"use the {width}-digit 统计用区划代码 as text (leading digits kept)",
                      SchemaError)
            if blank.any() and required:
                f.add("error" if col == schema.id_column else "warning", "codes", col,
                      int(blank.sum()), f"{int(blank.sum())} missing code(s)",
                      "fill them in", SchemaError)
            if changed and repair:
                data[col] = codes
                f.add("info", "values repaired", col, int((~blank).sum()),
                      "codes converted to text", "", SchemaError)
        elif vkind == "str":
            nulls = (s.isna() | (s.astype(str).str.strip() == "")).to_numpy(bool)
            if nulls.any() and required and col != schema.id_column:
                f.add("warning", "values", col, int(nulls.sum()),
                      f"{int(nulls.sum())} missing value(s) in required column",
                      "fill them in", SchemaError)
    return _check_text_length(data, f, repair)


#: Text values longer than this are cut (a name this long is a data error, it would
#: swamp tables and maps, and an Excel cell holds at most 32,767 characters).
MAX_TEXT_CHARS: Final[int] = 1000


def _check_text_length(data: gpd.GeoDataFrame, f: _Findings, repair: bool) -> gpd.GeoDataFrame:
    """Cut (repair) or report text values longer than :data:`MAX_TEXT_CHARS`, any column."""
    import pandas as pd

    for col in data.columns:
        s = data[col]
        if col == data.geometry.name or not (
            pd.api.types.is_object_dtype(s.dtype) or pd.api.types.is_string_dtype(s.dtype)
        ):
            continue
        lengths = s.astype("string").str.len().fillna(0).to_numpy(dtype=np.int64)
        long = lengths > MAX_TEXT_CHARS
        if not long.any():
            continue
        n = int(long.sum())
        what = (f"{n} text value(s) longer than {MAX_TEXT_CHARS:,} characters "
                f"(up to {int(lengths.max()):,}; rows {_rows(long, data.index)})")
        if repair:
            data[col] = s.where(~long, s.astype("string").str.slice(0, MAX_TEXT_CHARS))
            f.add("warning", "values repaired", col, n, f"{what} cut to {MAX_TEXT_CHARS:,}",
                  "", SchemaError)
        else:
            f.add("error", "values", col, n, what, "shorten them", SchemaError)
    return data


def _domain_map(allowed: dict[str, str] | tuple[str, ...]) -> dict[str, str]:
    """Normalised spelling (key or Chinese label) → canonical value."""
    out: dict[str, str] = {}
    if isinstance(allowed, dict):
        for key, label in allowed.items():
            out[key.lower()] = key
            out[label] = key
    else:
        for key in allowed:
            out[key.lower()] = key
    return out


def _check_domain(
    data: gpd.GeoDataFrame, kind: str, present: set[str], f: _Findings, repair: bool
) -> gpd.GeoDataFrame:
    from gistool import labels

    spec: dict[str, tuple[dict[str, str], Severity, str]] = {}
    if kind == "enterprises":
        spec["category"] = (_domain_map(labels.ENTERPRISE_CATEGORIES), "error",
                            "enterprise categories")
    elif kind == "facilities":
        spec["kind"] = (_domain_map(labels.FACILITY_KINDS), "error", "facility kinds")
    elif kind == "geohazard_points":
        spec["hazard_type"] = (_domain_map(labels.GEOHAZARD_TYPES), "error", "hazard types")
    elif kind == "geohazard_zones":
        m = _domain_map({k: v[0] for k, v in labels.SUSCEPTIBILITY.items()})
        m.update({"高": "high", "中": "medium", "低": "low", "高易发": "high",
                  "中易发": "medium", "低易发": "low"})
        spec["susceptibility"] = (m, "error", "susceptibility classes")
    elif kind == "townships":
        spec["kind"] = (_domain_map(labels.TOWNSHIP_KINDS), "warning", "township kinds")
    elif kind == "villages":
        spec["kind"] = (_domain_map(labels.VILLAGE_KINDS), "warning", "village kinds")
    elif kind == "roads":
        spec["road_class"] = (_domain_map({k: v[0] for k, v in labels.ROAD_CLASSES.items()}),
                              "error", "road classes")
    for col, (mapping, severity, what) in spec.items():
        if col not in present:
            continue
        s = data[col]
        norm = s.map(lambda v: v.strip() if isinstance(v, str) else v)
        canon = norm.map(
            lambda v, m=mapping: m.get(v, m.get(v.lower())) if isinstance(v, str) else None
        )
        blank = (norm.isna() | (norm.astype(str) == "")).to_numpy(bool)
        unknown = canon.isna().to_numpy(bool) & ~blank
        allowed = sorted(set(mapping.values()))
        sev = severity
        fix = f"use one of {allowed} (or their Chinese labels)"
        if kind == "roads" and "speed_kmh" in present:
            speed = pd.to_numeric(data["speed_kmh"], errors="coerce").to_numpy(float)
            has_speed = np.isfinite(speed) & (speed > 0)
            if (unknown & has_speed).any():
                f.add("info", "domain", col, int((unknown & has_speed).sum()),
                      f"{int((unknown & has_speed).sum())} road(s) of unknown class "
                      f"({_examples(s[unknown & has_speed])}) use their speed_kmh", "",
                      SchemaError)
            unknown &= ~has_speed
            fix += " or give speed_kmh"
        if unknown.any():
            f.add(sev, "domain", col, int(unknown.sum()),
                  f"{int(unknown.sum())} value(s) not among the {what} "
                  f"({_examples(s[unknown])}; rows {_rows(unknown, data.index)})",
                  fix, SchemaError)
        if blank.any() and severity == "error":
            f.add("error", "domain", col, int(blank.sum()),
                  f"{int(blank.sum())} missing value(s) (rows {_rows(blank, data.index)})",
                  fix, SchemaError)
        known = canon.notna().to_numpy(bool)
        changed = known & (canon.astype(object) != s.astype(object)).to_numpy(bool)
        if repair and changed.any():
            data[col] = canon.where(pd.Series(known, index=s.index), s)
            f.add("info", "values repaired", col, int(changed.sum()),
                  f"mapped {int(changed.sum())} label(s) onto canonical values "
                  f"({_examples(s[changed])})", "", SchemaError)
    return data


def _check_ids(data: gpd.GeoDataFrame, kind: str, present: set[str], f: _Findings) -> None:
    from gistool.schema import SCHEMAS

    col = SCHEMAS[kind].id_column
    if col is None or col not in present:
        return
    s = data[col].map(lambda v: v.strip() if isinstance(v, str) else v)
    missing = (s.isna() | (s.astype(str) == "")).to_numpy(bool)
    if missing.any() and SCHEMAS[kind].required.get(col) == "str":
        f.add("error", "ids", col, int(missing.sum()),
              f"{int(missing.sum())} feature(s) without an id (rows {_rows(missing, data.index)})",
              f"give every feature a unique '{col}'", SchemaError)
    dup = (s.duplicated(keep=False) & ~pd.Series(missing, index=s.index)).to_numpy(bool)
    if dup.any():
        f.add("error", "ids", col, int(dup.sum()),
              f"{int(dup.sum())} features share {s[dup].nunique()} duplicate id(s) "
              f"({_examples(s[dup])})",
              f"make '{col}' unique (or merge the duplicated features)", SchemaError)


def _check_codes(data: gpd.GeoDataFrame, kind: str, present: set[str], f: _Findings) -> None:
    from gistool.codes import (
        credit_code_problems,
        township_codes_valid,
        village_codes_valid,
        villages_in_townships,
    )

    if kind == "villages" and {"code", "township_code"} <= present:
        v, _ = _code_strings(data["code"])
        t, _ = _code_strings(data["township_code"])
        both = village_codes_valid(v) & township_codes_valid(t)
        inside = villages_in_townships(v, t)
        bad = both & ~inside
        if bad.any():
            pairs = [f"{a}∉{b}" for a, b in zip(v[bad], t[bad], strict=True)]
            f.add("error", "codes", "township_code", int(bad.sum()),
                  f"{int(bad.sum())} village code(s) not under their township_code "
                  f"({_examples(pairs)})",
                  "a village code starts with its township's 9 digits: fix code or "
                  "township_code", SchemaError)
    if kind == "enterprises" and "credit_code" in present:
        p = credit_code_problems(data["credit_code"])
        codes = data["credit_code"]
        for name, sev, text, fix in (
            ("malformed", "error", "malformed 统一社会信用代码 (not 18 characters of "
             "0-9 A-H J-N P Q R T U W X Y)", "correct or blank them"),
            ("bad_check", "error", "统一社会信用代码 with a wrong check character "
             "(GB 32100-2015)", "a typo is likely: correct them or blank them"),
            ("bad_org_check", "warning", "统一社会信用代码 whose organisation code "
             "(positions 9–17) fails its GB 11714 check", "check them against the registry"),
        ):
            m = p[name].to_numpy(bool)
            if m.any():
                f.add(sev, "codes", "credit_code", int(m.sum()),
                      f"{int(m.sum())} {text} ({_examples(codes[m])})", fix, SchemaError)


def _boundary_union(boundary: Any, crs: Any) -> Any:
    import geopandas as gpd
    import shapely

    if isinstance(boundary, gpd.GeoDataFrame | gpd.GeoSeries):
        if boundary.crs is None:
            msg = "the boundary has no CRS; give it one (boundary.set_crs(...))"
            raise CRSError(msg)
        b = boundary.to_crs(crs) if crs is not None else boundary
        geoms = np.asarray(b.geometry.values, dtype=object)
    elif isinstance(boundary, shapely.Geometry):
        geoms = np.array([boundary], dtype=object)
    else:
        msg = (f"boundary must be a GeoDataFrame, GeoSeries or geometry, "
               f"not {type(boundary).__name__}")
        raise TypeError(msg)
    # an invalid (e.g. self-intersecting) boundary would make the overlays raise
    bad = ~shapely.is_valid(geoms)
    if bad.any():
        geoms[bad] = shapely.make_valid(geoms[bad])
    return shapely.union_all(geoms)


def _check_boundary(
    data: gpd.GeoDataFrame, kind: str, boundary: Any, f: _Findings, metric_crs: Any
) -> None:
    import shapely

    from gistool.schema import SCHEMAS

    if data.empty:
        return
    if data.crs is None or metric_crs is None:
        f.add("info", "boundary", None, 0,
              "features against the boundary not checked (no usable CRS)", "", InputError)
        return
    d = data.to_crs(metric_crs) if not data.crs.equals(metric_crs) else data
    area = _boundary_union(boundary, metric_crs)
    shapely.prepare(area)
    geoms = np.asarray(d.geometry.values, dtype=object)
    if SCHEMAS[kind].geometry == ("Point",):
        outside = ~shapely.covers(area, geoms)
        if not outside.any():
            return
        _check_gcj02(d, area, f)
        dist = shapely.distance(area, geoms[outside])
        far = np.zeros(len(geoms), dtype=bool)
        far[np.flatnonzero(outside)[dist > OUTSIDE_ERROR_M]] = True
        near = outside & ~far
        if far.any():
            f.add("error", "boundary", None, int(far.sum()),
                  f"{int(far.sum())} point(s) more than {OUTSIDE_ERROR_M:.0f} m outside the "
                  f"boundary (up to {dist.max():,.0f} m; rows {_rows(far, data.index)})",
                  "check their coordinates (offset coords: coords='gcj02'/'bd09'?) or "
                  "remove them", GeometryError)
        if near.any():
            f.add("warning", "boundary", None, int(near.sum()),
                  f"{int(near.sum())} point(s) just outside the boundary (within "
                  f"{OUTSIDE_ERROR_M:.0f} m; rows {_rows(near, data.index)})",
                  "move them inside or accept them", GeometryError)
        return
    disjoint = ~shapely.intersects(area, geoms)
    if disjoint.any():
        f.add("error", "boundary", None, int(disjoint.sum()),
              f"{int(disjoint.sum())} feature(s) entirely outside the boundary "
              f"(rows {_rows(disjoint, data.index)})",
              "check the CRS and coordinates or clip the layer", GeometryError)


def _check_gcj02(d: gpd.GeoDataFrame, area: Any, f: _Findings) -> None:
    """Warn when points fit the boundary much better after a GCJ-02 correction."""
    from gistool.crs import detect_gcj02_offset

    found = detect_gcj02_offset(d, area)
    if found is None:
        return
    f.add("warning", "coords", None, int(found["outside_raw"]),
          f"coordinates look like GCJ-02 (Amap/Tencent) lon/lat read as WGS84: "
          f"{found['outside_raw']:.0f} point(s) outside the boundary, "
          f"{found['outside_corrected']:.0f} after a GCJ-02 correction "
          f"(shift {found['shift_m']:.0f} m)",
          "read the layer with coords='gcj02' (CLI: --coords gcj02; config: coords = \"gcj02\")",
          CRSError)


#: Areas below this (m²) are floating-point noise (e.g. from reprojection) and ignored.
_AREA_NOISE_M2: Final[float] = 0.01


def _coverage_finding(
    f: _Findings, what: str, m2: float, total: float, pieces: Any, fix: str
) -> None:
    """Add an overlap/gap finding; ``pieces`` is a count or a geometry to count parts of."""
    import shapely

    if m2 < _AREA_NOISE_M2:
        return
    if isinstance(pieces, shapely.Geometry):
        parts = shapely.get_parts(pieces)
        pieces = int((shapely.area(parts) >= _AREA_NOISE_M2).sum())
    share = m2 / total if total > 0 else 1.0
    severity: Severity
    if m2 <= COVERAGE_NEGLIGIBLE_M2:
        severity = "info"
    elif share <= COVERAGE_ERROR_SHARE:
        severity = "warning"
    else:
        severity = "error"
    f.add(severity, "coverage", None, round(m2, 3),
          f"{what}: {m2:,.1f} m² ({share:.4%} of the area) in {pieces} piece(s)",
          fix if severity != "info" else "", GeometryError)


def _check_coverage(
    data: gpd.GeoDataFrame, f: _Findings, boundary: Any, metric_crs: Any
) -> None:
    import shapely

    if metric_crs is None or len(data) == 0:
        if len(data):
            f.add("info", "coverage", None, 0,
                  "gaps and overlaps not measured (no usable metric CRS)", "", InputError)
        return
    d = data.to_crs(metric_crs) if not data.crs.equals(metric_crs) else data
    geoms = np.asarray(d.geometry.values, dtype=object)
    geoms = geoms[shapely.get_dimensions(geoms) == 2]
    if geoms.size == 0:
        return
    total_area = float(shapely.area(geoms).sum())
    if shapely.coverage_is_valid(geoms):
        # a valid coverage (no overlaps, matching edges) unions 10× faster
        union = shapely.coverage_union_all(geoms)
        union_area = float(shapely.area(union))
        overlap = 0.0
    else:
        union = shapely.union_all(geoms)
        union_area = float(shapely.area(union))
        overlap = max(total_area - union_area, 0.0)
    if overlap >= _AREA_NOISE_M2:
        tree = shapely.STRtree(geoms)
        left, right = tree.query(geoms, predicate="overlaps")
        pairs = int((left < right).sum())
        _coverage_finding(f, "polygons overlap", overlap, union_area, max(pairs, 1),
                          "remove the overlaps in a GIS (snap shared edges, topology check)")
    if boundary is not None:
        area = _boundary_union(boundary, metric_crs)
        gaps = shapely.difference(area, union)
        outside = shapely.difference(union, area)
        _coverage_finding(f, "gaps between the polygons and the boundary",
                          float(shapely.area(gaps)), float(shapely.area(area)), gaps,
                          "extend the polygons to the boundary (or check both are the same "
                          "area and CRS)")
        _coverage_finding(f, "polygon area outside the boundary",
                          float(shapely.area(outside)), float(shapely.area(area)), outside,
                          "clip the polygons to the boundary (or check both are the same "
                          "area and CRS)")
    else:
        parts = shapely.get_parts(union)
        parts = parts[shapely.get_dimensions(parts) == 2]
        filled = shapely.polygons(shapely.get_exterior_ring(parts))
        holes = float(shapely.area(filled).sum() - shapely.area(parts).sum())
        n_holes = int(shapely.get_num_interior_rings(parts).sum())
        _coverage_finding(f, "gaps enclosed by the polygons", max(holes, 0.0),
                          float(shapely.area(filled).sum()), n_holes,
                          "close the gaps in a GIS (snap shared edges, topology check)")
