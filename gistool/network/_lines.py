"""Vectorised line helpers: many substrings at once, arc lookup in a CSR matrix."""

from __future__ import annotations

import numpy as np
import shapely
from scipy.sparse import csr_array


def substrings(geoms: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Parts of lines between distances ``start`` and ``end`` (metres along each line).

    Vectorised equivalent of ``shapely.ops.substring`` for ``start <= end``:
    the interior vertices come from the cumulative vertex distances, the two
    cut points from ``shapely.line_interpolate_point``.

    Examples
    --------
    >>> from shapely import LineString
    >>> g = np.array([LineString([(0, 0), (10, 0), (10, 10)])])
    >>> [p.wkt for p in substrings(np.repeat(g, 2), np.array([5.0, 0.0]), np.array([15.0, 2.0]))]
    ['LINESTRING (5 0, 10 0, 10 5)', 'LINESTRING (0 0, 2 0)']
    """
    geoms = np.asarray(geoms, dtype=object)
    start = np.asarray(start, dtype=float)
    end = np.asarray(end, dtype=float)
    n = len(geoms)
    if n == 0:
        return np.empty(0, dtype=object)
    coords, idx = shapely.get_coordinates(geoms, return_index=True)
    counts = np.bincount(idx, minlength=n)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    seg = np.hypot(np.diff(coords[:, 0]), np.diff(coords[:, 1]))
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    cum = cum - cum[first][idx]  # distance of every vertex from its line start
    # every piece is its own line here (callers repeat geometries)
    piece = np.repeat(np.arange(n), counts)
    vert = np.arange(len(coords))
    inner = (cum[vert] > start[piece]) & (cum[vert] < end[piece])
    p0 = shapely.get_coordinates(shapely.line_interpolate_point(geoms, start))
    p1 = shapely.get_coordinates(shapely.line_interpolate_point(geoms, end))
    pieces = np.concatenate([np.arange(n), piece[inner], np.arange(n)])
    kind = np.concatenate([np.zeros(n), np.ones(int(inner.sum())), np.full(n, 2.0)])
    along = np.concatenate([start, cum[inner], end])
    xy = np.concatenate([p0, coords[inner], p1])
    order = np.lexsort((along, kind, pieces))
    return shapely.linestrings(xy[order], indices=pieces[order])


def densify(geoms: np.ndarray, spacing: float) -> np.ndarray:
    """Lines with vertices at most ``spacing`` apart (zero-length lines left as they are)."""
    out = np.asarray(geoms, dtype=object).copy()
    ok = shapely.length(out) > 0
    out[ok] = shapely.segmentize(out[ok], spacing)
    return out


def vertex_fractions(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All vertices of lines, the line each belongs to and its fraction of the line's length."""
    coords, idx = shapely.get_coordinates(geoms, return_index=True)
    n = len(geoms)
    counts = np.bincount(idx, minlength=n)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    seg = np.hypot(np.diff(coords[:, 0]), np.diff(coords[:, 1]))
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    cum = cum - cum[first][idx]
    length = shapely.length(geoms)
    frac = np.divide(cum, length[idx], out=np.zeros(len(cum)), where=length[idx] > 0)
    return coords, idx, np.clip(frac, 0.0, 1.0)


def arc_lookup(
    matrix: csr_array, arcs: np.ndarray, tails: np.ndarray, heads: np.ndarray
) -> np.ndarray:
    """Arc index behind the CSR entries ``(tails[i], heads[i])`` (-1 where absent)."""
    n = matrix.shape[0]
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(matrix.indptr))
    keys = rows * n + matrix.indices.astype(np.int64)
    order = np.argsort(keys, kind="stable")
    skeys = keys[order]
    q = np.asarray(tails, dtype=np.int64) * n + np.asarray(heads, dtype=np.int64)
    pos = np.searchsorted(skeys, q)
    pos = np.minimum(pos, len(skeys) - 1)
    found = (len(skeys) > 0) & (skeys[pos] == q)
    return np.where(found, arcs[order][pos], -1)
