"""The entry point: :func:`validate_layer` runs every check in order and builds the report."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

from gistool.errors import (
    CRSWarning,
    DataRepairWarning,
    GeometryError,
    SchemaError,
    describe_source,
)
from gistool.validate._area import check_boundary, check_coverage
from gistool.validate._crs import check_crs
from gistool.validate._domain import check_domain
from gistool.validate._geometry import check_geometry
from gistool.validate._ids import check_codes, check_ids
from gistool.validate._report import Findings, ValidationReport
from gistool.validate._values import check_columns, check_values

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

__all__ = ["validate_layer"]


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
    f = Findings()
    data = gdf.copy()
    n_input = len(gdf)
    if n_input == 0:
        f.add("error", "geometry", None, 0, "the layer has no features",
              "check the file, the layer name and any filter that produced it", GeometryError)
        return _finish(kind, f, data, source, layer, n_input, strict, repair)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data, metric_crs = check_crs(data, f, repair, source, layer)
        present = check_columns(data, kind, f)
        data = check_geometry(data, kind, f, repair)
        data = check_values(data, kind, present, f, repair)
        data = check_domain(data, kind, present, f, repair)
        check_ids(data, kind, present, f)
        check_codes(data, kind, present, f)
        if boundary is not None:
            check_boundary(data, kind, boundary, f, metric_crs)
        if kind in ("townships", "villages"):
            check_coverage(data, f, boundary, metric_crs)
    # warnings raised by helpers (e.g. zone prefix) are recorded as findings already
    del caught
    return _finish(kind, f, data, source, layer, n_input, strict, repair)


def _finish(
    kind: str, f: Findings, data: gpd.GeoDataFrame, source: object, layer: str | None,
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
