"""Checks ``boundary`` and ``coverage``: features outside the study area, gaps and overlaps."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

import numpy as np

from gistool.errors import CRSError, GeometryError, InputError
from gistool.validate._crs import check_gcj02
from gistool.validate._report import Findings, Severity, row_labels

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd


#: Points farther than this outside the boundary are errors, nearer ones warnings (m).
OUTSIDE_ERROR_M: Final[float] = 1000.0
#: Overlaps/gaps up to this many m² are reported as info.
COVERAGE_NEGLIGIBLE_M2: Final[float] = 1.0
#: Overlaps/gaps up to this share of the covered area are warnings; more is an error.
COVERAGE_ERROR_SHARE: Final[float] = 0.001
#: Areas below this (m²) are floating-point noise (e.g. from reprojection) and ignored.
_AREA_NOISE_M2: Final[float] = 0.01


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


def check_boundary(
    data: gpd.GeoDataFrame, kind: str, boundary: Any, f: Findings, metric_crs: Any
) -> None:
    """Features outside ``boundary`` (points: error beyond :data:`OUTSIDE_ERROR_M`)."""
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
        check_gcj02(d, area, f)
        dist = shapely.distance(area, geoms[outside])
        far = np.zeros(len(geoms), dtype=bool)
        far[np.flatnonzero(outside)[dist > OUTSIDE_ERROR_M]] = True
        near = outside & ~far
        if far.any():
            f.add("error", "boundary", None, int(far.sum()),
                  f"{int(far.sum())} point(s) more than {OUTSIDE_ERROR_M:.0f} m outside the "
                  f"boundary (up to {dist.max():,.0f} m; rows {row_labels(far, data.index)})",
                  "check their coordinates (offset coords: coords='gcj02'/'bd09'?) or "
                  "remove them", GeometryError)
        if near.any():
            f.add("warning", "boundary", None, int(near.sum()),
                  f"{int(near.sum())} point(s) just outside the boundary (within "
                  f"{OUTSIDE_ERROR_M:.0f} m; rows {row_labels(near, data.index)})",
                  "move them inside or accept them", GeometryError)
        return
    disjoint = ~shapely.intersects(area, geoms)
    if disjoint.any():
        f.add("error", "boundary", None, int(disjoint.sum()),
              f"{int(disjoint.sum())} feature(s) entirely outside the boundary "
              f"(rows {row_labels(disjoint, data.index)})",
              "check the CRS and coordinates or clip the layer", GeometryError)


def _coverage_finding(
    f: Findings, what: str, m2: float, total: float, pieces: Any, fix: str
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


def check_coverage(
    data: gpd.GeoDataFrame, f: Findings, boundary: Any, metric_crs: Any
) -> None:
    """Overlaps of townships/villages, and gaps against the boundary (or holes)."""
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
