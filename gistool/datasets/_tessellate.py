"""Plane tessellation helpers for the synthetic administrative units.

Power diagrams (weighted Voronoi) whose cell areas are fitted to targets, a
smooth invertible warp that makes straight cell edges look like surveyed
boundaries while keeping shared edges shared, and a clean-up that makes every
clipped cell single-part by handing stray pieces to the neighbour they share
the longest edge with.

All functions are deterministic: the same inputs give the same coordinates.
"""

from __future__ import annotations

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import Polygon, box

FloatArray = NDArray[np.float64]


def _halfplane_quads(
    origin: FloatArray, normal: FloatArray, offset: FloatArray, size: float
) -> NDArray[np.object_]:
    """Big quadrilaterals approximating the half-planes ``normal·x <= offset``."""
    norm = np.hypot(normal[:, 0], normal[:, 1])
    n = normal / norm[:, None]
    t = np.column_stack([-n[:, 1], n[:, 0]])
    x0 = n * (offset / norm)[:, None]
    a = x0 + size * t
    b = x0 - size * t
    c = b - size * n
    d = a - size * n
    ring = np.stack([a, b, c, d, a], axis=1) + origin
    return shapely.polygons(ring)


def power_cells(
    sites: FloatArray, weights: FloatArray, bounds: tuple[float, float, float, float]
) -> NDArray[np.object_]:
    """Cells of the power diagram of weighted sites, within a rectangle.

    Cell *i* is the set of points whose power distance to site *i* is the
    smallest:

    .. math:: C_i = \\{x : \\lVert x - p_i \\rVert^2 - w_i \\le
              \\lVert x - p_j \\rVert^2 - w_j \\;\\forall j\\}

    i.e. the intersection of the half-planes
    :math:`2 x\\cdot(p_j - p_i) \\le \\lVert p_j\\rVert^2 - \\lVert p_i\\rVert^2 - w_j + w_i`.
    With equal weights this is the ordinary Voronoi diagram.

    Parameters
    ----------
    sites
        ``(n, 2)`` site coordinates.
    weights
        ``(n,)`` weights (m²); a larger weight gives a larger cell.
    bounds
        ``(xmin, ymin, xmax, ymax)`` of the rectangle the cells are cut to.

    Returns
    -------
    numpy.ndarray
        ``n`` polygons (possibly empty) tiling the rectangle.

    Examples
    --------
    >>> import numpy as np, shapely
    >>> cells = power_cells(np.array([[0.0, 0.0], [2.0, 0.0]]), np.zeros(2), (-2, -1, 4, 1))
    >>> [round(float(a), 6) for a in shapely.area(cells)]
    [6.0, 6.0]
    """
    sites = np.asarray(sites, dtype=float)
    weights = np.asarray(weights, dtype=float)
    n = len(sites)
    frame = box(*bounds)
    if n == 1:
        return np.array([frame], dtype=object)
    origin = np.array([(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2])
    p = sites - origin
    size = 10.0 * float(np.hypot(bounds[2] - bounds[0], bounds[3] - bounds[1]))
    ii, jj = np.nonzero(~np.eye(n, dtype=bool))
    normal = 2.0 * (p[jj] - p[ii])
    sq = np.einsum("ij,ij->i", p, p)
    offset = sq[jj] - sq[ii] - weights[jj] + weights[ii]
    quads = _halfplane_quads(origin, normal, offset, size).reshape(n, n - 1)
    cells = np.empty(n, dtype=object)
    for i in range(n):
        cells[i] = shapely.intersection_all(np.append(quads[i], frame))
    return cells


def fit_power_diagram(
    sites: FloatArray,
    targets: FloatArray,
    region: Polygon,
    *,
    bounds: tuple[float, float, float, float],
    iterations: int = 60,
    relax: float = 0.0,
) -> tuple[FloatArray, FloatArray, NDArray[np.object_]]:
    """Fit power-diagram weights so that the cells cut to ``region`` have target areas.

    Weights are updated by :math:`w_i \\leftarrow w_i + (T_i - A_i)/\\pi` (the
    area of a disc grows by π per unit of squared radius), damped by one half;
    with ``relax > 0`` each site also moves that fraction of the way to its
    clipped cell's centroid (Lloyd relaxation), which keeps cells compact.

    Parameters
    ----------
    sites
        ``(n, 2)`` initial sites.
    targets
        ``(n,)`` target areas (m²); rescaled to sum to the region's area.
    region
        Polygon the cells are clipped to.
    bounds
        Rectangle the diagram is built in (must contain ``region``).
    iterations
        Number of weight updates.
    relax
        Fraction of the Lloyd step taken per iteration (0 keeps sites fixed).

    Returns
    -------
    sites, weights, cells
        Final sites and weights and the (unclipped) power cells.
    """
    sites = np.array(sites, dtype=float)
    targets = np.asarray(targets, dtype=float)
    targets = targets * (region.area / targets.sum())
    weights = np.zeros(len(sites))
    shapely.prepare(region)
    cells = power_cells(sites, weights, bounds)
    for _ in range(iterations):
        clipped = shapely.intersection(cells, region)
        areas = shapely.area(clipped)
        weights += 0.5 * (targets - areas) / np.pi
        weights -= weights.mean()
        if relax > 0:
            cent = shapely.centroid(clipped)
            move = np.column_stack([shapely.get_x(cent), shapely.get_y(cent)]) - sites
            ok = np.isfinite(move).all(axis=1)
            sites[ok] += relax * move[ok]
        cells = power_cells(sites, weights, bounds)
    return sites, weights, cells


def smooth_warp(
    geoms: NDArray[np.object_],
    *,
    amplitude: float,
    wavelength: float,
    seed: int,
    spacing: float,
    n_waves: int = 5,
) -> NDArray[np.object_]:
    """Bend geometries by a smooth, invertible displacement field.

    The displacement is a sum of plane waves,

    .. math:: d(x) = \\sum_k a_k \\sin(\\kappa_k \\cdot x + \\varphi_k),

    with :math:`\\sum_k a_k = ` ``amplitude`` and wavelengths between
    ``wavelength`` and twice that. Its Jacobian norm stays below
    :math:`2\\pi\\,\\text{amplitude}/\\text{wavelength}`; keep that under 1 so the
    warp is one-to-one and a tessellation stays a tessellation (shared vertices
    move identically). Edges are first densified to ``spacing`` metres.

    Parameters
    ----------
    geoms
        Polygons to warp.
    amplitude
        Largest displacement (m).
    wavelength
        Shortest wavelength (m).
    seed
        Seed of the wave directions and phases.
    spacing
        Maximum vertex spacing after densification (m).
    n_waves
        Number of plane waves per axis.
    """
    rng = np.random.default_rng(seed)
    theta = rng.uniform(0, 2 * np.pi, (2, n_waves))
    lam = wavelength * rng.uniform(1.0, 2.0, (2, n_waves))
    phase = rng.uniform(0, 2 * np.pi, (2, n_waves))
    amp = rng.uniform(0.5, 1.0, (2, n_waves))
    amp *= amplitude / amp.sum(axis=1, keepdims=True)
    kx = 2 * np.pi / lam * np.cos(theta)
    ky = 2 * np.pi / lam * np.sin(theta)

    def displace(xy: FloatArray) -> FloatArray:
        out = xy.copy()
        for axis in (0, 1):
            arg = xy[:, :1] * kx[axis] + xy[:, 1:] * ky[axis] + phase[axis]
            out[:, axis] += (np.sin(arg) * amp[axis]).sum(axis=1)
        return out

    dense = shapely.segmentize(geoms, spacing)
    return shapely.transform(dense, displace)


def make_single_part(polys: NDArray[np.object_]) -> NDArray[np.object_]:
    """Turn multi-part cells of a tessellation into single polygons.

    The largest part of each multi-part cell stays; every other part is merged
    into the neighbouring cell with which it shares the longest edge, so the
    union of all cells does not change.

    Parameters
    ----------
    polys
        Polygons tiling a region (clipped cells).
    """
    out = np.array(polys, dtype=object)
    tree = shapely.STRtree(out)
    for i in range(len(out)):
        g = out[i]
        if g is None or g.geom_type != "MultiPolygon":
            continue
        parts = sorted(shapely.get_parts(g), key=lambda p: -p.area)
        keep = [parts[0]]
        for part in parts[1:]:
            cand = [j for j in tree.query(part) if j != i]
            shared = (
                shapely.length(shapely.intersection(part.boundary, out[cand].tolist()))
                if cand
                else np.array([])
            )
            if len(shared) == 0 or shared.max() <= 0:
                keep.append(part)
                continue
            j = cand[int(np.argmax(shared))]
            out[j] = _clean(shapely.union(out[j], part))
        out[i] = _clean(shapely.union_all(keep))
    return out


def _clean(geom: shapely.Geometry) -> shapely.Geometry:
    """Drop zero-area debris (lines, points) left by overlay operations."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        parts = [p for p in shapely.get_parts(geom) if p.area > 1e-6]
    else:
        parts = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and p.area > 1e-6]
    if len(parts) == 1:
        return parts[0]
    return shapely.multipolygons(parts)
