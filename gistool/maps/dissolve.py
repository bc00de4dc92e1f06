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
    each. Rings are compared after :func:`shapely.normalize` (same vertices,
    any start and orientation). Missing and empty inputs are left out.

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
        return shapely.union_all(arr)
    parts, feature = shapely.get_parts(arr, return_index=True)
    rings, part = shapely.get_rings(parts, return_index=True)
    # position of each ring in its part: 0 = shell
    first = np.r_[0, np.cumsum(shapely.get_num_interior_rings(parts) + 1)[:-1]]
    hole = np.arange(len(rings)) != first[part]
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
    filled = shapely.polygons(rings[keep], indices=part[keep])
    _, once = np.unique(inv[common], return_index=True)
    cut = shapely.multipolygons(holes[common][np.sort(once)])
    return shapely.difference(shapely.union_all(filled), cut)
