"""The union of overlapping polygons that share holes, faster than a plain ``union_all``.

Isochrones of several facility kinds polygonised from one raster grid share
most of their small holes ring for ring (cells no kind reaches). GEOS spends
most of a union noding those coincident rings. A hole that every input has,
identically, is a hole of the union too, so it can be set aside: the inputs
are unioned with those holes filled and the holes cut out of the result. The
geometry is the same as :func:`shapely.union_all`'s.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely

__all__ = ["union_polygons"]


def union_polygons(geoms: Any) -> Any:
    r"""Union of (multi)polygons, holes common to all of them set aside.

    With :math:`H` the holes present, as the same ring, in every input
    :math:`P_i` (:math:`n \geq 2` inputs, each ring counted once per input),

    .. math:: \bigcup_i P_i = \Bigl(\bigcup_i (P_i \cup H)\Bigr) \setminus \mathring{H}

    since a hole of every input lies outside all of them and is enclosed by
    each: the inputs are unioned with those holes filled, and the holes put
    back as rings of the part enclosing each (no second overlay). Rings are
    compared after :func:`shapely.normalize` (same vertices, any start and
    orientation). Missing and empty inputs are left out; a single input is
    returned as it is.

    Parameters
    ----------
    geoms
        Polygons or multipolygons (array-like or GeoSeries).

    Returns
    -------
    shapely.Geometry
        The union; equal (:func:`shapely.equals`) to ``shapely.union_all(geoms)``.

    Examples
    --------
    >>> from shapely.geometry import Polygon, box
    >>> hole = box(4, 4, 5, 5).exterior
    >>> a = Polygon(box(0, 0, 10, 10).exterior, [hole, box(1, 1, 2, 2).exterior])
    >>> b = Polygon(box(3, 3, 12, 12).exterior, [hole])
    >>> u = union_polygons([a, b])
    >>> bool(u.equals(shapely.union_all([a, b]))), u.area  # 100 + 81 - 49 - 1 (shared hole)
    (True, 130.0)
    >>> len(u.interiors)  # the shared hole, and a's hole at (1, 1) that b does not cover
    2
    """
    arr = np.asarray(getattr(geoms, "geometry", geoms), dtype=object).ravel()
    arr = arr[~(shapely.is_missing(arr) | shapely.is_empty(arr))]
    n = len(arr)
    if n < 2:
        return arr[0] if n else shapely.union_all(arr)
    parts, feature = shapely.get_parts(arr, return_index=True)
    rings, part = shapely.get_rings(parts, return_index=True)
    hole = _is_hole(parts, part)
    if not hole.any():
        return shapely.union_all(arr)
    holes = shapely.normalize(shapely.polygons(rings[hole]))
    keys = shapely.to_wkb(holes)
    uniq, inv = np.unique(keys, return_inverse=True)
    # in how many inputs each distinct hole occurs
    pairs = np.unique(np.stack([inv, feature[part[hole]]], axis=1), axis=0)
    common = np.bincount(pairs[:, 0], minlength=len(uniq))[inv] == n
    if not common.any():
        return shapely.union_all(arr)
    keep = np.ones(len(rings), dtype=bool)
    keep[np.flatnonzero(hole)[common]] = False
    union = shapely.union_all(shapely.polygons(rings[keep], indices=part[keep]))
    _, once = np.unique(inv[common], return_index=True)
    return _add_holes(union, shapely.get_exterior_ring(holes[common][np.sort(once)]))


def _is_hole(parts: np.ndarray, part: np.ndarray) -> np.ndarray:
    """Whether each ring of ``shapely.get_rings(parts)`` is a hole (not its part's shell)."""
    first = np.r_[0, np.cumsum(shapely.get_num_interior_rings(parts) + 1)[:-1]]
    return np.arange(len(part)) != first[part]


def _add_holes(geom: Any, holes: np.ndarray) -> Any:
    """``geom`` with the rings ``holes`` (inside its interior, disjoint) as more holes.

    Each hole goes to the part that contains it; this is
    ``shapely.difference(geom, polygons(holes))`` without the overlay (the
    holes touch nothing but, at a corner, other holes).
    """
    parts = shapely.get_parts(geom)
    rings, part = shapely.get_rings(parts, return_index=True)
    points = shapely.point_on_surface(shapely.polygons(holes))
    inside, owner = shapely.STRtree(parts).query(points)  # by bounding box
    shapely.prepare(parts)
    ok = shapely.contains_properly(parts[owner], points[inside])
    inside, owner = inside[ok], owner[ok]
    if len(inside) != len(holes):  # not one enclosing part each: the overlay decides
        return shapely.difference(geom, shapely.multipolygons(shapely.polygons(holes)))
    order = np.argsort(inside, kind="stable")
    all_rings = np.concatenate([rings, holes[inside[order]]])
    all_part = np.concatenate([part, owner[order]])
    # shell first, then the part's own holes, then the added ones
    rank = np.concatenate([np.where(_is_hole(parts, part), 1, 0), np.full(len(order), 2)])
    seq = np.lexsort((np.arange(len(all_part)), rank, all_part))
    polys = shapely.polygons(all_rings[seq], indices=all_part[seq])
    return polys[0] if len(polys) == 1 else shapely.multipolygons(polys)
