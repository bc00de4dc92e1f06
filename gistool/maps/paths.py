"""Layers drawn as a few compound paths: thousands of features, one artist.

geopandas' ``plot`` makes one matplotlib path per feature, and every backend
then draws (and the PDF writes) them one by one with their own graphics
state: 29,000 roads are 29,000 path objects. Here all features of one style
become one :class:`~matplotlib.path.Path` with a ``MOVETO`` at the start of
each line or ring, built from shapely's coordinate arrays without a Python
loop over features, and drawn as one
:class:`~matplotlib.collections.PathCollection` (so :func:`elements.clip_to
<gistool.maps.elements.clip_to>` clips it like any layer).

Geometries are first normalised (:func:`shapely.normalize`), as geopandas
does before plotting, so the same vertices are drawn in the same order and
direction (dashes start at the same end). Polygon shells then run clockwise
and holes counter-clockwise; matplotlib fills with the non-zero winding rule,
so a hole stays empty and the fill of one compound path covers the union of
its polygons. Where polygons overlap, anti-aliased edges are not those of
their union (a pixel's coverages are summed and clipped), so layers whose
pieces overlap in sub-pixel detail — isochrones of several facility kinds —
are dissolved before drawing (:func:`gistool.maps.dissolve.union_polygons`),
and outlines that coincide (shared borders) are kept as separate paths
(``merge=False``). Very large layers are split into chunks of about
:data:`MAX_VERTICES` vertices (Agg refuses paths that cover too many cells);
chunks are whole features.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import shapely

__all__ = ["MAX_VERTICES", "add_lines", "add_polygons", "line_paths", "polygon_paths"]

#: Vertices of one compound path (a chunk: whole features, about this many).
MAX_VERTICES = 250_000

def _as_array(geoms: Any) -> np.ndarray:
    """Geometries as a 1-d object array, missing and empty ones dropped."""
    arr = np.asarray(getattr(geoms, "geometry", geoms), dtype=object).ravel()
    arr = arr[~shapely.is_missing(arr)]
    return arr[~shapely.is_empty(arr)]


def _explode(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Single-part geometries of ``arr`` (collections too) and the index of their feature."""
    parts, feature = shapely.get_parts(arr, return_index=True)
    if (shapely.get_type_id(parts) >= 4).any():  # members of a collection may be multi-parts
        parts, sub = shapely.get_parts(parts, return_index=True)
        feature = feature[sub]
    return parts, feature


def _compound(coords: np.ndarray, index: np.ndarray, feature: np.ndarray,
              max_vertices: int, *, closed: bool = False) -> list[Any]:
    """Paths of ``coords`` split into parts by ``index``, in chunks of whole features.

    ``index`` numbers the part (line or ring) of every vertex, ascending;
    ``feature`` numbers the input feature of every part. ``closed`` ends every
    part with ``CLOSEPOLY`` (rings, as geopandas draws them).
    """
    from matplotlib.path import Path

    if not len(coords):
        return []
    codes = np.full(len(coords), Path.LINETO, dtype=Path.code_type)
    starts = np.flatnonzero(np.r_[True, index[1:] != index[:-1]])
    codes[starts] = Path.MOVETO
    if closed:
        codes[np.r_[starts[1:] - 1, len(coords) - 1]] = Path.CLOSEPOLY
    # a chunk starts at the first feature starting in each block of max_vertices vertices
    feat_of_vertex = feature[index]
    feat_starts = np.flatnonzero(np.r_[True, feat_of_vertex[1:] != feat_of_vertex[:-1]])
    block = feat_starts // max(int(max_vertices), 1)
    cuts = [*feat_starts[np.r_[True, block[1:] != block[:-1]]].tolist(), len(coords)]
    return [Path(coords[a:b], codes[a:b]) for a, b in itertools.pairwise(cuts)]


def line_paths(geoms: Any, *, merge: bool = True, max_vertices: int = MAX_VERTICES) -> list[Any]:
    """Compound paths of (multi)line geometries: one ``MOVETO`` per line part.

    Polygons are taken by their rings (outline); points are ignored. With
    ``merge=False`` every part is a path of its own, as geopandas draws it
    (dash patterns restart at every part; overlapping parts are stroked twice).

    Examples
    --------
    >>> from shapely.geometry import LineString, MultiLineString
    >>> [p] = line_paths([LineString([(0, 0), (1, 0)]),
    ...                   MultiLineString([[(0, 1), (1, 1), (1, 2)], [(5, 5), (6, 6)]])])
    >>> p.vertices.tolist()
    [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, 2.0], [5.0, 5.0], [6.0, 6.0]]
    >>> p.codes.tolist()  # 1 = MOVETO, 2 = LINETO
    [1, 2, 1, 2, 2, 1, 2]
    """
    arr = _as_array(geoms)
    poly = np.isin(shapely.get_type_id(arr), (3, 6))
    if poly.any():  # outlines: a polygon's rings, as GeoSeries.boundary
        arr = arr.copy()
        arr[poly] = shapely.boundary(arr[poly])
    parts, feature = _explode(shapely.normalize(arr))
    line = np.isin(shapely.get_type_id(parts), (1, 2))
    coords, index = shapely.get_coordinates(parts[line], return_index=True)
    if not merge:
        return _compound(coords, index, np.arange(int(line.sum())), 1)
    return _compound(coords, index, feature[line], max_vertices)


def polygon_paths(geoms: Any, *, merge: bool = True,
                  max_vertices: int = MAX_VERTICES) -> list[Any]:
    """Compound paths of (multi)polygons whose non-zero fill is their union.

    Every ring is one subpath (``MOVETO``, ``LINETO``s, ``CLOSEPOLY``); after
    :func:`shapely.normalize` shells run clockwise and holes
    counter-clockwise, so a hole stays empty unless another polygon of the
    layer covers it. Other geometries are ignored. With ``merge=False``
    every feature is a path of its own, as geopandas draws it (each filled
    and outlined in turn).

    Examples
    --------
    >>> from shapely.geometry import Polygon, box
    >>> # shell counter-clockwise and hole clockwise: both are turned
    >>> ring = Polygon(box(0, 0, 4, 4).exterior, [box(1, 1, 2, 2, ccw=False).exterior])
    >>> [p] = polygon_paths([ring, box(5, 0, 6, 1)])
    >>> p.codes.tolist()  # MOVETO 1, LINETO 2, CLOSEPOLY 79: shell, hole, second polygon
    [1, 2, 2, 2, 79, 1, 2, 2, 2, 79, 1, 2, 2, 2, 79]
    >>> [bool(shapely.is_ccw(shapely.linearrings(p.vertices[i:i + 5]))) for i in (0, 5, 10)]
    [False, True, False]
    """
    parts, feature = _explode(shapely.normalize(_as_array(geoms)))
    poly = shapely.get_type_id(parts) == 3
    parts, feature = parts[poly], feature[poly]
    rings, part = shapely.get_rings(parts, return_index=True)
    coords, index = shapely.get_coordinates(rings, return_index=True)
    return _compound(coords, index, feature[part], max_vertices if merge else 1, closed=True)


def _add(ax: Any, paths: list[Any], zorder: float, **style: Any) -> Any:
    from matplotlib.collections import PathCollection

    coll = PathCollection(paths, transform=ax.transData, zorder=zorder, **style)
    ax.add_collection(coll, autolim=False)
    return coll


def add_lines(ax: Any, geoms: Any, *, color: Any, linewidth: float = 1.0,
              linestyle: Any = "solid", zorder: float = 2, merge: bool = True,
              **style: Any) -> Any:
    """Draw line geometries (or polygon outlines) in one style; returns the collection.

    Looks like ``GeoSeries.plot(color=…, linewidth=…)`` — butt caps, round
    joins — with one compound path instead of one path per part (``merge``;
    see :func:`line_paths`: keep parts apart for dashed lines and outlines
    that coincide, such as shared village borders).
    """
    return _add(ax, line_paths(geoms, merge=merge), zorder, facecolors="none",
                edgecolors=color, linewidths=linewidth, linestyles=linestyle, **style)


def add_polygons(ax: Any, geoms: Any, *, color: Any, edgecolor: Any = "none",
                 linewidth: float = 1.0, zorder: float = 2, merge: bool = True,
                 **style: Any) -> Any:
    """Fill polygons in one colour (optional outline); returns the collection.

    Looks like ``GeoDataFrame.plot(color=…, edgecolor=…)``. With ``merge``
    (one compound path) the colour is laid once where polygons overlap, also
    with ``alpha``; keep polygons apart (``merge=False``) when they have
    outlines along shared borders, which one path would stroke as one line
    twice as heavy.
    """
    return _add(ax, polygon_paths(geoms, merge=merge), zorder, facecolors=color,
                edgecolors=edgecolor, linewidths=linewidth, **style)
