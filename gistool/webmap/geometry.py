"""Shapely geometries → the coordinate arrays Bokeh glyphs draw, vectorised.

Polygons become the nested ``xs``/``ys`` of ``multi_polygons`` (feature →
part → ring, exterior first), lines become one NaN-separated array (one
``line`` glyph draws a whole road class) or the ``xs``/``ys`` of
``multi_line``. Coordinates are extracted once with
:func:`shapely.get_coordinates` and split at ring/line boundaries with numpy;
only the nesting of the resulting arrays into lists runs in Python (one step
per ring, never per vertex).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray

__all__ = [
    "compact",
    "drop_small",
    "line_coords",
    "multi_line_coords",
    "polygon_coords",
    "simplify",
]


def simplify(geoms: NDArray[np.object_], tolerance: float, *,
             preserve_topology: bool = True) -> NDArray[np.object_]:
    """Douglas–Peucker simplification (``tolerance`` in CRS units).

    ``preserve_topology=False`` runs plain Douglas–Peucker, several times
    faster than the topology-preserving simplifier on large rings (GEOS
    repairs a polygon that would self-intersect with a zero buffer, which
    can drop a spike narrower than the tolerance); features it would empty
    are simplified again with ``preserve_topology=True``, so nothing given
    disappears from the map.

    Examples
    --------
    >>> from shapely.geometry import LineString, Polygon
    >>> g = np.array([LineString([(0, 0), (5, 0.1), (10, 0)]),
    ...               Polygon([(0, 0), (1, 0), (1, 0.2), (0, 0.2)])])
    >>> [x.wkt for x in simplify(g, 0.5, preserve_topology=False)]  # the sliver is kept
    ['LINESTRING (0 0, 10 0)', 'POLYGON ((0 0.2, 1 0, 1 0.2, 0 0.2))']
    """
    if tolerance <= 0:
        return geoms
    if preserve_topology:
        return shapely.simplify(geoms, tolerance, preserve_topology=True)
    geoms = np.asarray(geoms, dtype=object)
    out = shapely.simplify(geoms, tolerance, preserve_topology=False)
    lost = shapely.is_empty(out) & ~shapely.is_empty(geoms) & ~shapely.is_missing(geoms)
    if lost.any():
        out[lost] = shapely.simplify(geoms[lost], tolerance, preserve_topology=True)
    return out


#: Arrays shorter than this are emitted as lists (a JSON list of a few numbers is
#: smaller than Bokeh's base64 ndarray wrapper, ~100 bytes per array).
SHORT: int = 32


def compact(a: NDArray[np.float64]) -> NDArray[np.float32] | list[float]:
    """A coordinate array in its smallest serialisation: float32, or a list when short.

    float32 keeps 0.25 m at northings of 3.8e6 m, far below the simplification
    tolerance. Arrays holding NaN separators stay arrays (JSON has no NaN).

    Examples
    --------
    >>> compact(np.array([500000.04, 500001.0]))
    [500000.0, 500001.0]
    >>> compact(np.arange(40.0)).dtype
    dtype('float32')
    """
    if len(a) < SHORT and not np.isnan(a).any():
        return np.round(a, 1).tolist()
    return a.astype(np.float32)


def drop_small(geoms: NDArray[np.object_], min_area: float) -> NDArray[np.object_]:
    """(Multi)Polygons without the parts and holes smaller than ``min_area``.

    Vectorised: rings are measured at once and the polygons rebuilt with
    :func:`shapely.polygons` / :func:`shapely.multipolygons` (``indices=``).
    Run before :func:`simplify`: simplifying thousands of tiny holes is what
    makes isochrones slow.

    Examples
    --------
    >>> from shapely.geometry import Polygon, box
    >>> holes = [box(1, 1, 2, 2).exterior, box(4, 4, 7, 7).exterior]
    >>> g = Polygon(box(0, 0, 10, 10).exterior, holes)
    >>> [p.area for p in drop_small(np.array([g, box(0, 0, 1, 1)]), 5.0)]
    [91.0, 0.0]
    """
    geoms = np.asarray(geoms, dtype=object)
    n = len(geoms)
    parts, feat = shapely.get_parts(geoms, return_index=True)
    rings, part = shapely.get_rings(parts, return_index=True)
    out = np.array([shapely.MultiPolygon()] * n, dtype=object)
    if not len(rings):
        return out
    area = shapely.area(shapely.polygons(rings))
    first = np.r_[True, part[1:] != part[:-1]]
    big_part = area[first] >= min_area
    keep = big_part[np.cumsum(first) - 1] & (first | (area >= min_area))
    kept_parts = np.flatnonzero(big_part)
    if not len(kept_parts):
        return out
    polys = shapely.polygons(rings[keep], indices=np.searchsorted(kept_parts, part[keep]))
    pfeat = feat[kept_parts]
    multi = shapely.multipolygons(polys, indices=pfeat)
    has = np.unique(pfeat)
    out[has] = multi[has]
    return out


def _split(coords: NDArray[np.float64], index: NDArray[np.intp], n: int) -> list[NDArray]:
    """Split rows of ``coords`` by the (sorted) group ``index`` into ``n`` groups."""
    bounds = np.searchsorted(index, np.arange(1, n))
    return np.split(coords, bounds)


def polygon_coords(
    geoms: NDArray[np.object_], *, decimals: int = 1, min_area: float = 0.0
) -> tuple[list[list[list[Any]]], list[list[list[Any]]]]:
    """``multi_polygons`` coordinates of (Multi)Polygons.

    Parameters
    ----------
    geoms
        Polygon or MultiPolygon geometries (empty or missing → no parts).
    decimals
        Coordinates are rounded to this many decimals (metres: 0.1 m).
    min_area
        Parts whose exterior encloses less, and holes smaller than this
        (CRS units², e.g. m²) are left out (isochrones have thousands of
        tiny holes between roads).

    Returns
    -------
    xs, ys
        ``xs[i][j][k]`` is the x of ring ``k`` (0 = exterior) of part ``j`` of
        feature ``i`` (see :func:`compact`).

    Examples
    --------
    >>> from shapely.geometry import Polygon, box
    >>> holed = Polygon(box(0, 0, 4, 4).exterior, [box(1, 1, 2, 2).exterior])
    >>> g = np.array([box(0, 0, 2, 1), holed])
    >>> xs, ys = polygon_coords(g)
    >>> [len(f) for f in xs], [len(p) for p in xs[1]], xs[0][0][0]
    ([1, 1], [2], [2.0, 2.0, 0.0, 0.0, 2.0])
    """
    geoms = np.asarray(geoms, dtype=object)
    n = len(geoms)
    parts, feat = shapely.get_parts(geoms, return_index=True)
    keep = ~shapely.is_empty(parts)
    parts, feat = parts[keep], feat[keep]
    rings, part = shapely.get_rings(parts, return_index=True)
    if min_area > 0 and len(rings):
        area = shapely.area(shapely.polygons(rings))
        first = np.r_[True, part[1:] != part[:-1]]
        big_part = area[first] >= min_area  # by part, in order
        keep = big_part[np.cumsum(first) - 1] & (first | (area >= min_area))
        kept_parts = np.flatnonzero(big_part)
        rings = rings[keep]
        part = np.searchsorted(kept_parts, part[keep])  # renumber the kept parts
        parts, feat = parts[kept_parts], feat[kept_parts]
    coords, ring = shapely.get_coordinates(rings, return_index=True)
    coords = np.round(coords, decimals)
    ring_xy = [compact(c[:, 0]) for c in _split(coords, ring, len(rings))]
    ring_y = [compact(c[:, 1]) for c in _split(coords, ring, len(rings))]
    # group rings by part and parts by feature (both indexes are sorted)
    ring_bounds = np.searchsorted(part, np.arange(1, len(parts) + 1))
    part_bounds = np.searchsorted(feat, np.arange(1, n + 1))
    xs: list[list[list[Any]]] = []
    ys: list[list[list[Any]]] = []
    r0 = 0
    p0 = 0
    for i in range(n):
        fx: list[list[Any]] = []
        fy: list[list[Any]] = []
        for p in range(p0, int(part_bounds[i])):
            r1 = int(ring_bounds[p])
            fx.append(ring_xy[r0:r1])
            fy.append(ring_y[r0:r1])
            r0 = r1
        p0 = int(part_bounds[i])
        xs.append(fx)
        ys.append(fy)
    return xs, ys


def _line_parts(geoms: NDArray[np.object_]) -> tuple[NDArray, NDArray[np.intp]]:
    parts, feat = shapely.get_parts(np.asarray(geoms, dtype=object), return_index=True)
    keep = ~shapely.is_empty(parts)
    return parts[keep], feat[keep]


def line_coords(
    geoms: NDArray[np.object_], *, decimals: int = 1
) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """All (Multi)LineStrings as one float32 x and y array, lines separated by NaN.

    Examples
    --------
    >>> from shapely.geometry import LineString
    >>> x, y = line_coords(np.array([LineString([(0, 0), (1, 1)]), LineString([(5, 5), (6, 5)])]))
    >>> x.tolist()
    [0.0, 1.0, nan, 5.0, 6.0]
    """
    parts, _ = _line_parts(geoms)
    coords, idx = shapely.get_coordinates(parts, return_index=True)
    coords = np.round(coords, decimals)
    if not len(coords):
        return np.empty(0), np.empty(0)
    # insert a NaN row before the first vertex of every line but the first
    starts = np.flatnonzero(np.diff(idx)) + 1
    out = np.insert(coords, starts, np.nan, axis=0).astype(np.float32)
    return out[:, 0], out[:, 1]


def multi_line_coords(
    geoms: NDArray[np.object_], *, decimals: int = 1
) -> tuple[list[Any], list[Any]]:
    """``multi_line`` coordinates: one NaN-separated array (or short list) per feature.

    Examples
    --------
    >>> from shapely.geometry import LineString, MultiLineString
    >>> g = np.array([MultiLineString([[(0, 0), (1, 0)], [(2, 0), (3, 0)]]),
    ...               LineString([(0, 1), (1, 1)])])
    >>> xs, ys = multi_line_coords(g)
    >>> [np.asarray(x).tolist() for x in xs]
    [[0.0, 1.0, nan, 2.0, 3.0], [0.0, 1.0]]
    """
    geoms = np.asarray(geoms, dtype=object)
    parts, feat = _line_parts(geoms)
    coords, idx = shapely.get_coordinates(parts, return_index=True)
    coords = np.round(coords, decimals)
    starts = np.flatnonzero(np.diff(idx)) + 1
    # NaN between parts of one feature only
    same = feat[idx[starts]] == feat[idx[starts - 1]]
    sep = starts[same]
    padded = np.insert(coords, sep, np.nan, axis=0)
    vfeat = np.insert(feat[idx], sep, feat[idx[sep]])
    pieces = _split(padded, vfeat, len(geoms))
    return [compact(p[:, 0]) for p in pieces], [compact(p[:, 1]) for p in pieces]
