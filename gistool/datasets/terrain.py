"""Synthetic terrain of the embedded Changge dataset: the raster grid and the DEM.

The DEM is **synthetic** (no fine public DEM of Changge exists offline) but
shaped after the real relief: low hills up to about 220 m in the north-west
(佛耳湖镇 / 石固镇 side) and a plain falling from about 100 m to about 65 m
toward the south-east, with smooth multi-scale relief. River valleys are cut
in afterwards by :func:`gistool.datasets.hydro.carve_valleys`, once the rivers
are traced.

Everything here is a pure function of its arguments and ``seed``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Final

import numpy as np
from affine import Affine
from shapely.geometry.base import BaseGeometry

from gistool.errors import CRSError, GeometryError

if TYPE_CHECKING:
    import geopandas as gpd

#: Working CRS of the embedded dataset (CGCS2000 3-degree Gauss–Krüger, CM 114°E).
CRS: Final[str] = "EPSG:4547"

#: Hill centre (EPSG:4547 metres), just beyond the north-western boundary.
_HILL_CENTRE: Final[tuple[float, float]] = (463_500.0, 3_797_500.0)
#: Hill e-folding radius (m) and height (m) above the plain.
_HILL_RADIUS: Final[float] = 7_500.0
_HILL_HEIGHT: Final[float] = 118.0
#: Plain elevation at the north-western and south-eastern corners (m).
_PLAIN_NW: Final[float] = 100.0
_PLAIN_SE: Final[float] = 65.0


def boundary_geometry(boundary: BaseGeometry | gpd.GeoDataFrame | gpd.GeoSeries) -> BaseGeometry:
    """The study-area outline as one shapely (Multi)Polygon in metres.

    Parameters
    ----------
    boundary
        A shapely polygon already in EPSG:4547, or a GeoDataFrame/GeoSeries
        with a projected CRS (reprojected to EPSG:4547), whose parts are united.

    Returns
    -------
    BaseGeometry
        The united outline.

    Raises
    ------
    CRSError
        If a GeoDataFrame/GeoSeries has no CRS.
    GeometryError
        If the outline is empty or not polygonal.
    """
    if isinstance(boundary, BaseGeometry):
        geom = boundary
    else:
        if boundary.crs is None:
            msg = (
                "boundary layer has no CRS; set it first, e.g. "
                "boundary.set_crs('EPSG:4326') if its coordinates are longitude/latitude"
            )
            raise CRSError(msg)
        geom = boundary.to_crs(CRS).geometry.union_all()
    if geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
        msg = (
            f"boundary must be a non-empty Polygon or MultiPolygon, got {geom.geom_type}; "
            "pass the county outline polygon"
        )
        raise GeometryError(msg)
    return geom


def grid_for(
    boundary: BaseGeometry | gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    res: float = 10.0,
    margin: float = 200.0,
) -> tuple[Affine, int, int]:
    """Raster grid covering the boundary's bounds plus a margin.

    The grid's edges are multiples of ``res`` so that grids made for the same
    area at the same resolution align cell for cell.

    Parameters
    ----------
    boundary
        Study-area outline in EPSG:4547 (see :func:`boundary_geometry`).
    res
        Cell size (m).
    margin
        Extra distance (m) around the bounds.

    Returns
    -------
    tuple
        ``(transform, height, width)``: a north-up affine transform and the
        number of rows and columns.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> transform, height, width = grid_for(box(1003, 2004, 1995, 2496), res=10, margin=20)
    >>> (transform.c, transform.f, height, width)
    (980.0, 2520.0, 54, 104)
    """
    if res <= 0:
        msg = f"grid resolution must be positive, got res={res}"
        raise ValueError(msg)
    minx, miny, maxx, maxy = boundary_geometry(boundary).bounds
    x0 = math.floor((minx - margin) / res) * res
    y0 = math.floor((miny - margin) / res) * res
    x1 = math.ceil((maxx + margin) / res) * res
    y1 = math.ceil((maxy + margin) / res) * res
    width = round((x1 - x0) / res)
    height = round((y1 - y0) / res)
    return Affine(res, 0.0, x0, 0.0, -res, y1), height, width


def cell_centres(transform: Affine, height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """1-D arrays of the x coordinates of columns and y coordinates of rows (cell centres)."""
    xs = transform.c + transform.a * (np.arange(width) + 0.5)
    ys = transform.f + transform.e * (np.arange(height) + 0.5)
    return xs, ys


def fractal_noise(shape: tuple[int, int], *, beta: float, rng: np.random.Generator) -> np.ndarray:
    """Smooth multi-scale noise of zero mean and unit standard deviation.

    White noise is filtered in the Fourier domain by an amplitude spectrum
    :math:`|k|^{-\\beta/2}` (power spectrum :math:`|k|^{-\\beta}`; ``beta`` ≈ 3
    gives natural-looking relief).

    Parameters
    ----------
    shape
        Rows, columns.
    beta
        Spectral exponent; larger is smoother.
    rng
        Random generator (the only source of randomness).

    Returns
    -------
    numpy.ndarray
        float64 array of ``shape``.

    Examples
    --------
    >>> z = fractal_noise((64, 32), beta=3.0, rng=np.random.default_rng(0))
    >>> z.shape, round(float(z.std()), 6)
    ((64, 32), 1.0)
    """
    white = rng.standard_normal(shape)
    spec = np.fft.rfft2(white)
    ky = np.fft.fftfreq(shape[0])[:, None]
    kx = np.fft.rfftfreq(shape[1])[None, :]
    k = np.hypot(ky, kx)
    k[0, 0] = np.inf
    spec *= k ** (-beta / 2.0)
    z = np.fft.irfft2(spec, s=shape)
    z -= z.mean()
    return z / z.std()


def _upsample(coarse: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Bilinear upsampling of a coarse field to exactly ``shape`` (float32).

    Cell centres are mapped onto the coarse grid; beyond its outer centres the
    edge values are held. Separable: columns first, then rows.

    Examples
    --------
    >>> _upsample(np.array([[0.0, 4.0]]), (1, 4)).tolist()
    [[0.0, 1.0, 3.0, 4.0]]
    """

    def weights(n_out: int, n_in: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        pos = np.clip((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0.0, n_in - 1.0)
        lo = np.floor(pos).astype(np.intp)
        hi = np.minimum(lo + 1, n_in - 1)
        return lo, hi, (pos - lo).astype(np.float32)

    c = coarse.astype(np.float32)
    c0, c1, wc = weights(shape[1], c.shape[1])
    cols = c[:, c0] * (1.0 - wc) + c[:, c1] * wc
    r0, r1, wr = weights(shape[0], c.shape[0])
    out = cols[r0] * (1.0 - wr)[:, None]
    out += cols[r1] * wr[:, None]
    return out


def make_dem(
    boundary: BaseGeometry | gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    seed: int,
    res: float = 10.0,
) -> tuple[np.ndarray, Affine]:
    """Synthetic DEM (m) of the study area, before river valleys are cut in.

    Elevation is a sum of three parts:

    .. math::

        z = z_\\text{plain}(u, v) + h(x, y)\\,(1 + 0.25\\,n_1) + a(h)\\,n_2

    - the plain :math:`z_\\text{plain} = 65 + 25(1-u) + 10v` with ``u`` the
      west→east and ``v`` the south→north position in the bounds (0…1), so
      about 100 m in the north-west and 65 m in the south-east;
    - the north-western hills :math:`h = 118\\,\\exp(-(d/7500)^2)`, ``d`` the
      distance (m) from a centre just beyond the north-western boundary,
      roughened by multi-scale noise :math:`n_1`;
    - relief noise :math:`n_2` (unit variance, spectral exponent 3) with an
      amplitude :math:`a` of 0.8 m on the plain rising to 12 m in the hills.

    Parameters
    ----------
    boundary
        Study-area outline in EPSG:4547 (see :func:`boundary_geometry`).
    seed
        Random seed; the same seed gives the same array.
    res
        Cell size (m); the grid is :func:`grid_for` ``(boundary, res=res)``.

    Returns
    -------
    tuple
        ``(dem, transform)``: float32 elevations (m), no nodata (the grid's
        margin beyond the boundary is filled too), and the affine transform.
    """
    transform, height, width = grid_for(boundary, res=res)
    rng = np.random.default_rng([seed, 1])
    xs, ys = cell_centres(transform, height, width)
    minx, miny, maxx, maxy = boundary_geometry(boundary).bounds
    u = np.clip((xs - minx) / (maxx - minx), 0.0, 1.0).astype(np.float32)
    v = np.clip((ys - miny) / (maxy - miny), 0.0, 1.0).astype(np.float32)
    drop = _PLAIN_NW - _PLAIN_SE
    plain = _PLAIN_SE + 0.714 * drop * (1.0 - u)[None, :] + 0.286 * drop * v[:, None]

    dx = ((xs - _HILL_CENTRE[0]) / _HILL_RADIUS).astype(np.float32)
    dy = ((ys - _HILL_CENTRE[1]) / _HILL_RADIUS).astype(np.float32)
    hill = _HILL_HEIGHT * np.exp(-(dy[:, None] ** 2)) * np.exp(-(dx[None, :] ** 2))

    # Noise is generated on a 50 m (at most) grid and upsampled: smooth below that.
    factor = max(1, round(50.0 / res))
    coarse = (max(8, -(-height // factor)), max(8, -(-width // factor)))
    n1 = _upsample(fractal_noise(coarse, beta=2.6, rng=rng), (height, width))
    n2 = _upsample(fractal_noise(coarse, beta=3.0, rng=rng), (height, width))
    amp = 0.8 + 11.2 * (hill / _HILL_HEIGHT)
    dem = plain + hill * (1.0 + 0.25 * n1) + amp * n2
    return dem.astype(np.float32), transform
