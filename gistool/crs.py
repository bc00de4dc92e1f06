"""Coordinate reference systems: Chinese offset systems, working CRS, CRS checks.

Three concerns live here (DESIGN §2):

* the Chinese *offset* systems GCJ-02 (Amap, Tencent) and BD-09 (Baidu), which
  are not EPSG codes: forward transforms follow the published (leaked, widely
  reimplemented) algorithm; the inverses are solved iteratively to 1e-9°;
* the *working CRS*: the CGCS2000 3-degree Gauss–Krüger zone (no zone prefix)
  that contains a layer (EPSG:4534–4554; Changge → EPSG:4547, CM 114°E);
* *CRS checks*: a missing CRS is refused unless the caller states one, projected
  coordinates under a geographic CRS and swapped lon/lat are refused, eastings
  that carry a Gauss–Krüger zone prefix (38,xxx,xxx m) are detected and
  stripped with a warning, and Xi'an-80 / Beijing-54 / CGCS2000 mix-ups between
  layers are reported.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gistool.errors import CRSError, CRSWarning, describe_source

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd
    import pyproj

__all__ = [
    "CHINA_BOX",
    "OffsetCoords",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "central_meridian",
    "check_crs_families",
    "convert_offset_coords",
    "crs_family",
    "detect_gcj02_offset",
    "detect_zone_prefix",
    "ensure_crs",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "out_of_china",
    "strip_zone_prefix",
    "to_working",
    "transform_geometries",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
    "working_crs",
    "zone_crs",
]

OffsetCoords = Literal["wgs84", "gcj02", "bd09"]
Array = NDArray[np.float64]

# --------------------------------------------------------------------------- #
# GCJ-02 / BD-09
# --------------------------------------------------------------------------- #

#: Krasovsky 1940 semi-major axis and eccentricity², as used by GCJ-02.
_A = 6378245.0
_EE = 0.00669342162296594323
#: Baidu's x_pi constant.
_X_PI = math.pi * 3000.0 / 180.0
#: (lon_min, lon_max, lat_min, lat_max): the published ``out_of_china`` rectangle.
CHINA_BOX: tuple[float, float, float, float] = (72.004, 137.8347, 0.8293, 55.8271)

_TOL_DEG = 1e-9
_MAX_ITER = 30


def _as_arrays(lon: ArrayLike, lat: ArrayLike) -> tuple[Array, Array]:
    x, y = np.broadcast_arrays(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return x.astype(float, copy=True), y.astype(float, copy=True)


def out_of_china(lon: ArrayLike, lat: ArrayLike) -> NDArray[np.bool_]:
    """True where a point lies outside the published GCJ-02 rectangle.

    The rectangle is ``72.004 < lon < 137.8347`` and ``0.8293 < lat < 55.8271``;
    outside it GCJ-02 equals WGS84.

    Examples
    --------
    >>> out_of_china([113.8, 2.35], [34.2, 48.85]).tolist()
    [False, True]
    """
    x, y = _as_arrays(lon, lat)
    x0, x1, y0, y1 = CHINA_BOX
    return ~((x > x0) & (x < x1) & (y > y0) & (y < y1))


def _gcj_delta(lon: Array, lat: Array) -> tuple[Array, Array]:
    """GCJ-02 offset (dlon, dlat) in degrees at WGS84 (lon, lat), ignoring the rectangle."""
    x = lon - 105.0
    y = lat - 35.0
    sx = np.sqrt(np.abs(x))
    common = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sx + common
    dlat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sx + common
    dlon += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    radlat = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * np.pi)
    return dlon, dlat


def _shape(out: Array, like: Any) -> Any:
    return float(out) if np.ndim(like) == 0 and out.ndim == 0 else out


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[Any, Any]:
    """WGS84 → GCJ-02 (Amap/Tencent), the published forward algorithm.

    ``gcj = wgs + delta(wgs)`` inside :data:`CHINA_BOX`, identity outside; the
    offset is a few hundred metres.

    Parameters
    ----------
    lon, lat
        WGS84 longitude and latitude in degrees (scalars or arrays).

    Returns
    -------
    tuple
        GCJ-02 ``(lon, lat)``; floats for scalar input, arrays otherwise.

    Examples
    --------
    >>> lon, lat = wgs84_to_gcj02(121.5272106, 31.1774276)  # Shanghai
    >>> round(lon, 9), round(lat, 9)
    (121.531541859, 31.175303984)
    """
    x, y = _as_arrays(lon, lat)
    dx, dy = _gcj_delta(x, y)
    outside = out_of_china(x, y)
    gx = np.where(outside, x, x + dx)
    gy = np.where(outside, y, y + dy)
    return _shape(gx, lon), _shape(gy, lat)


def _invert(
    forward: Callable[[Array, Array], tuple[Array, Array]], tx: Array, ty: Array,
    x: Array, y: Array,
) -> tuple[Array, Array, NDArray[np.bool_]]:
    """Solve ``forward(x, y) = (tx, ty)`` by fixed-point iteration from (x, y).

    The forward maps are the identity plus a slowly varying offset (Jacobian ≈ I),
    so ``p ← p + (target − forward(p))`` converges in a few iterations. Only the
    points not yet converged are recomputed.
    """
    shape = tx.shape
    tx, ty = tx.ravel(), ty.ravel()
    px, py = x.astype(float).ravel().copy(), y.astype(float).ravel().copy()
    todo = np.ones(tx.shape, dtype=bool)
    for _ in range(_MAX_ITER):
        idx = np.flatnonzero(todo)
        if idx.size == 0:
            break
        fx, fy = forward(px[idx], py[idx])
        rx = tx[idx] - fx
        ry = ty[idx] - fy
        px[idx] += rx
        py[idx] += ry
        done = (np.abs(rx) < _TOL_DEG) & (np.abs(ry) < _TOL_DEG)
        done |= ~np.isfinite(rx) | ~np.isfinite(ry)
        todo[idx[done]] = False
    return px.reshape(shape), py.reshape(shape), ~todo.reshape(shape)


def _gcj_forward_inside(x: Array, y: Array) -> tuple[Array, Array]:
    dx, dy = _gcj_delta(x, y)
    return x + dx, y + dy


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[Any, Any]:
    """GCJ-02 → WGS84, the exact inverse of :func:`wgs84_to_gcj02` (iterative).

    Starting from ``w₀ = g − delta(g)``, iterate ``w ← w + (g − F(w))`` with
    ``F = wgs84_to_gcj02`` until the residual is below 1e-9° (~0.1 mm), all
    points at once. Where the inside-China solution exists it is returned;
    outside the rectangle the transform is the identity.

    Examples
    --------
    >>> lon, lat = gcj02_to_wgs84(121.531541859215, 31.17530398364597)
    >>> round(lon, 7), round(lat, 7)
    (121.5272106, 31.1774276)
    """
    gx, gy = _as_arrays(lon, lat)
    dx, dy = _gcj_delta(gx, gy)
    wx, wy, _ = _invert(_gcj_forward_inside, gx, gy, gx - dx, gy - dy)
    # keep the inside solution when it really is inside; otherwise identity
    inside = ~out_of_china(wx, wy) & np.isfinite(wx) & np.isfinite(wy)
    wx = np.where(inside, wx, gx)
    wy = np.where(inside, wy, gy)
    return _shape(wx, lon), _shape(wy, lat)


def _bd_forward(x: Array, y: Array) -> tuple[Array, Array]:
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[Any, Any]:
    """GCJ-02 → BD-09 (Baidu), the published transform (``x_pi = π·3000/180``).

    ``z = √(x²+y²) + 2e-5·sin(y·x_pi)``, ``θ = atan2(y, x) + 3e-6·cos(x·x_pi)``,
    ``bd = (z·cos θ + 0.0065, z·sin θ + 0.006)``. Applied everywhere, as published.

    Examples
    --------
    >>> lon, lat = gcj02_to_bd09(123.0, 45.0)
    >>> round(lon, 7), round(lat, 7)
    (123.006365, 45.006369)
    """
    x, y = _as_arrays(lon, lat)
    bx, by = _bd_forward(x, y)
    return _shape(bx, lon), _shape(by, lat)


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[Any, Any]:
    """BD-09 → GCJ-02: the published approximate inverse refined to 1e-9°.

    The published closed form (``z = √(x²+y²) − 2e-5·sin(y·x_pi)`` ... on
    ``(bd − (0.0065, 0.006))``) is off by up to ~1e-6°; it is used as the
    starting point of the fixed-point iteration ``g ← g + (bd − B(g))``.

    Examples
    --------
    >>> lon, lat = bd09_to_gcj02(116.43351, 39.90851)  # Beijing railway station
    >>> round(lon, 4), round(lat, 4)
    (116.427, 39.9025)
    """
    bx, by = _as_arrays(lon, lat)
    x = bx - 0.0065
    y = by - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    gx, gy, _ = _invert(_bd_forward, bx, by, z * np.cos(theta), z * np.sin(theta))
    return _shape(gx, lon), _shape(gy, lat)


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[Any, Any]:
    """WGS84 → BD-09: :func:`wgs84_to_gcj02` then :func:`gcj02_to_bd09`.

    Examples
    --------
    >>> lon, lat = wgs84_to_bd09(121.0917077, 30.6107779)
    >>> round(lon, 6), round(lat, 6)
    (121.102717, 30.614846)
    """
    gx, gy = wgs84_to_gcj02(lon, lat)
    return gcj02_to_bd09(gx, gy)


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[Any, Any]:
    """BD-09 → WGS84: :func:`bd09_to_gcj02` then :func:`gcj02_to_wgs84`.

    Examples
    --------
    >>> lon, lat = bd09_to_wgs84(*wgs84_to_bd09(121.0917077, 30.6107779))
    >>> round(lon, 7), round(lat, 7)
    (121.0917077, 30.6107779)
    """
    gx, gy = bd09_to_gcj02(lon, lat)
    return gcj02_to_wgs84(gx, gy)


_TO_WGS84: dict[str, Callable[[ArrayLike, ArrayLike], tuple[Any, Any]]] = {
    "gcj02": gcj02_to_wgs84,
    "bd09": bd09_to_wgs84,
}


def transform_geometries(
    geoms: Any, func: Callable[[ArrayLike, ArrayLike], tuple[Any, Any]]
) -> Any:
    """Apply ``func(lon, lat) -> (lon, lat)`` to every vertex of every geometry.

    One vectorised call over all vertices (``shapely.transform``), any geometry
    type, no per-feature loop. ``geoms`` may be a GeoSeries, an array of
    geometries or a single geometry; the same kind is returned.

    Examples
    --------
    >>> import shapely
    >>> shift = lambda x, y: (x + 1, y)
    >>> transform_geometries(shapely.Point(1, 2), shift).wkt
    'POINT (2 2)'
    """
    import shapely

    def _xy(coords: NDArray[np.float64]) -> NDArray[np.float64]:
        if coords.shape[0] == 0:
            return coords
        x, y = func(coords[:, 0], coords[:, 1])
        return np.column_stack([np.asarray(x, dtype=float), np.asarray(y, dtype=float)])

    try:
        import geopandas as gpd
    except ImportError:  # pragma: no cover - geopandas is a dependency
        gpd = None
    if gpd is not None and isinstance(geoms, gpd.GeoSeries):
        out = shapely.transform(geoms.values, _xy)
        return gpd.GeoSeries(out, index=geoms.index, crs=geoms.crs, name=geoms.name)
    return shapely.transform(geoms, _xy)


def convert_offset_coords(
    gdf: gpd.GeoDataFrame,
    coords: OffsetCoords,
    *,
    source: object = None,
    layer: str | None = None,
) -> gpd.GeoDataFrame:
    """Convert a layer in GCJ-02 or BD-09 lon/lat to WGS84 (EPSG:4326).

    Every vertex of every geometry goes through the iterative inverse
    (:func:`gcj02_to_wgs84` or :func:`bd09_to_wgs84`). ``coords="wgs84"``
    returns the layer unchanged. The layer must be in lon/lat: no CRS, or a
    geographic CRS (offset coordinates are published as lon/lat only).

    Raises
    ------
    CRSError
        If ``coords`` is unknown or the layer has a projected CRS.
    """
    if coords not in ("wgs84", "gcj02", "bd09"):
        msg = (
            f"{describe_source(source, layer)}: unknown coords={coords!r}; "
            "use 'wgs84', 'gcj02' (Amap/Tencent) or 'bd09' (Baidu)"
        )
        raise CRSError(msg)
    if coords == "wgs84":
        return gdf
    if gdf.crs is not None and not gdf.crs.is_geographic:
        msg = (
            f"{describe_source(source, layer)}: coords={coords!r} needs lon/lat degrees "
            f"but the layer's CRS is projected ({_crs_label(gdf.crs)}); "
            "drop coords= or give the lon/lat layer"
        )
        raise CRSError(msg)
    out = gdf.copy()
    out = out.set_geometry(transform_geometries(gdf.geometry, _TO_WGS84[coords]))
    return out.set_crs("EPSG:4326", allow_override=True)


# --------------------------------------------------------------------------- #
# working CRS and Gauss–Krüger zones
# --------------------------------------------------------------------------- #

#: CGCS2000 3-degree GK, no prefix: EPSG:4534 (CM 75°E) … EPSG:4554 (CM 135°E).
_CGCS2000_3DEG_NOPREFIX_FIRST = 4534
_CM_MIN, _CM_MAX = 75, 135


def zone_crs(central_meridian: int) -> pyproj.CRS:
    """CGCS2000 3-degree Gauss–Krüger CRS (no zone prefix) of a central meridian.

    ``EPSG = 4534 + (CM − 75) / 3`` for CM = 75°E … 135°E.

    Examples
    --------
    >>> zone_crs(114).to_epsg()
    4547
    """
    import pyproj

    cm = int(central_meridian)
    if cm % 3 or not _CM_MIN <= cm <= _CM_MAX:
        msg = f"central meridian {cm}°E is not a CGCS2000 3-degree zone (75, 78, …, 135)"
        raise CRSError(msg)
    return pyproj.CRS.from_epsg(_CGCS2000_3DEG_NOPREFIX_FIRST + (cm - _CM_MIN) // 3)


def _lonlat_centroid(obj: Any) -> tuple[float, float]:
    import geopandas as gpd
    import shapely

    if isinstance(obj, gpd.GeoDataFrame | gpd.GeoSeries):
        geo = obj.geometry if isinstance(obj, gpd.GeoDataFrame) else obj
        if geo.crs is None:
            msg = (
                "cannot choose a working CRS: the layer has no CRS; "
                "pass crs='EPSG:4490' (or --crs) if you know it"
            )
            raise CRSError(msg)
        geo = geo[~(geo.is_empty | geo.isna())]
        if geo.empty:
            msg = "cannot choose a working CRS: the layer has no geometries"
            raise CRSError(msg)
        minx, miny, maxx, maxy = geo.total_bounds
        centre = gpd.GeoSeries(
            [shapely.Point((minx + maxx) / 2, (miny + maxy) / 2)], crs=geo.crs
        ).to_crs("EPSG:4326")
        return float(centre.x.iloc[0]), float(centre.y.iloc[0])
    if isinstance(obj, shapely.Geometry):
        c = obj.centroid
        return float(c.x), float(c.y)
    if isinstance(obj, tuple | list) and len(obj) == 2:
        return float(obj[0]), float(obj[1])
    msg = (
        f"working_crs() takes a GeoDataFrame, GeoSeries, lon/lat geometry or (lon, lat), "
        f"not {type(obj).__name__}"
    )
    raise TypeError(msg)


def working_crs(obj: Any) -> pyproj.CRS:
    """CGCS2000 3-degree Gauss–Krüger CRS (no zone prefix) containing ``obj``.

    The centre of the layer's bounds is taken in lon/lat and the zone is
    ``CM = 3·round(lon / 3)``, ``EPSG = 4534 + (CM − 75) / 3``.

    Parameters
    ----------
    obj
        A GeoDataFrame or GeoSeries in any CRS, a shapely geometry in lon/lat, or
        a ``(lon, lat)`` tuple.

    Raises
    ------
    CRSError
        If the layer has no CRS or lies outside China's meridians (73.5–136.5°E).

    Examples
    --------
    >>> working_crs((113.8, 34.2)).to_epsg()  # Changge
    4547
    >>> working_crs((87.6, 43.8)).to_epsg()   # Urumqi
    4538
    """
    lon, lat = _lonlat_centroid(obj)
    if not (math.isfinite(lon) and math.isfinite(lat)) or abs(lat) > 90:
        msg = f"cannot choose a working CRS: centre ({lon}, {lat}) is not a lon/lat position"
        raise CRSError(msg)
    cm = 3 * round(lon / 3)
    if not _CM_MIN <= cm <= _CM_MAX:
        msg = (
            f"cannot choose a working CRS: the data centre {lon:.3f}°E is outside the "
            "CGCS2000 3-degree zones of China (73.5–136.5°E); pass crs= with a projected CRS"
        )
        raise CRSError(msg)
    return zone_crs(cm)


def _crs_label(crs: Any) -> str:
    import pyproj

    c = pyproj.CRS.from_user_input(crs)
    epsg = c.to_epsg()
    return f"EPSG:{epsg}, {c.name}" if epsg else c.name


def crs_family(crs: Any) -> str:
    """Geodetic family of a CRS: ``"CGCS2000"``, ``"WGS84"``, ``"Xian80"``,
    ``"Beijing54"`` or ``"other"`` (``"none"`` when ``crs`` is None).

    Examples
    --------
    >>> crs_family("EPSG:4547"), crs_family("EPSG:2383"), crs_family("EPSG:2414")
    ('CGCS2000', 'Xian80', 'Beijing54')
    """
    import pyproj

    if crs is None:
        return "none"
    c = pyproj.CRS.from_user_input(crs)
    datum = c.datum.name.lower() if c.datum is not None else ""
    if not datum and c.geodetic_crs is not None and c.geodetic_crs.datum is not None:
        datum = c.geodetic_crs.datum.name.lower()
    if "china 2000" in datum or "cgcs2000" in datum:
        return "CGCS2000"
    if "xian 1980" in datum or "xi'an 1980" in datum:
        return "Xian80"
    if "beijing 1954" in datum:
        return "Beijing54"
    if "world geodetic system 1984" in datum or "wgs 84" in datum or "wgs84" in datum:
        return "WGS84"
    return "other"


_FAMILY_NOTE = {
    "Xian80": "Xi'an-80",
    "Beijing54": "Beijing-54",
    "CGCS2000": "CGCS2000",
    "WGS84": "WGS84",
    "other": "another datum",
}


def check_crs_families(
    crs_by_layer: Mapping[str, Any], *, source: object = None
) -> list[str]:
    """Warn when layers mix Xi'an-80 / Beijing-54 with CGCS2000 / WGS84.

    CGCS2000 and WGS84 agree within centimetres; Xi'an-80 and Beijing-54 differ
    from them (and from each other) by up to ~100 m, and a layer labelled with
    the wrong one lands that far off. Reprojecting is correct only if each
    layer's *declared* CRS is right, so the warning names both CRSs.

    Parameters
    ----------
    crs_by_layer
        Layer name → CRS (anything pyproj accepts, or a GeoDataFrame).

    Returns
    -------
    list of str
        The messages warned (empty when the families are compatible).
    """
    crss = {k: getattr(v, "crs", v) for k, v in crs_by_layer.items()}
    fams = {k: crs_family(v) for k, v in crss.items() if v is not None}
    modern = {"CGCS2000", "WGS84"}
    groups: dict[str, list[str]] = {}
    for k, f in fams.items():
        groups.setdefault("modern" if f in modern else f, []).append(k)
    if len(groups) <= 1:
        return []
    majority = max(groups, key=lambda g: len(groups[g]))
    ref_layer = groups[majority][0]
    messages = []
    for g, layers in groups.items():
        if g == majority:
            continue
        for name in layers:
            msg = (
                f"{describe_source(source, name)} is {_FAMILY_NOTE[fams[name]]} "
                f"({_crs_label(crss[name])}) while layer '{ref_layer}' is "
                f"{_FAMILY_NOTE[fams[ref_layer]]} ({_crs_label(crss[ref_layer])}); the datums "
                "differ by up to ~100 m — it will be reprojected, which is right only if its "
                "declared CRS is true; if its coordinates are really "
                f"{_FAMILY_NOTE[fams[ref_layer]]}, read it with crs='{_epsg(crss[ref_layer])}'"
            )
            warnings.warn(msg, CRSWarning, stacklevel=2)
            messages.append(msg)
    return messages


def _epsg(crs: Any) -> str:
    import pyproj

    c = pyproj.CRS.from_user_input(crs)
    e = c.to_epsg()
    return f"EPSG:{e}" if e else c.to_string()


def _xy_bounds(gdf: gpd.GeoDataFrame) -> tuple[float, float, float, float] | None:
    geo = gdf.geometry
    geo = geo[~(geo.isna() | geo.is_empty)]
    if geo.empty:
        return None
    b = geo.total_bounds
    if not np.all(np.isfinite(b)):
        return None
    return float(b[0]), float(b[1]), float(b[2]), float(b[3])


def ensure_crs(
    gdf: gpd.GeoDataFrame,
    *,
    crs: Any = None,
    source: object = None,
    layer: str | None = None,
) -> gpd.GeoDataFrame:
    """Return ``gdf`` with a CRS the coordinates agree with, or refuse.

    * No CRS and no ``crs=``: refused, never guessed.
    * ``crs=`` given: it states the CRS of the coordinates and is set; a
      different declared CRS is overridden with a :class:`CRSWarning` naming
      both (the way to fix a mislabelled Xi'an-80 / Beijing-54 layer).
    * A geographic CRS with coordinates beyond ±180/±90: refused (they look
      projected, in metres).
    * A geographic CRS with x in 0–56 and y in 72–138: refused as lon/lat
      swapped.

    Raises
    ------
    CRSError
        With the file/layer and the fix.
    """
    where = describe_source(source, layer)
    if crs is not None:
        crs = _user_crs(crs, where)
    if gdf.crs is None:
        if crs is None:
            hint = ""
            b = _xy_bounds(gdf)
            if b is not None:
                zone = detect_zone_prefix(np.array([b[0], b[2]]))
                if zone is not None:
                    hint = (
                        f" (eastings carry the Gauss–Krüger zone prefix {zone}: "
                        f"try crs='{_epsg(_prefixed_crs(zone, 'CGCS2000'))}')"
                    )
                elif abs(b[0]) <= 180 and abs(b[2]) <= 180 and abs(b[1]) <= 90 and abs(b[3]) <= 90:
                    hint = " (coordinates look like lon/lat degrees)"
            msg = (
                f"{where} has no coordinate reference system{hint}; "
                "pass crs='EPSG:4490' (or --crs) if you know it"
            )
            raise CRSError(msg)
        gdf = gdf.set_crs(crs)
    elif crs is not None:
        import pyproj

        stated = pyproj.CRS.from_user_input(crs)
        if not stated.equals(gdf.crs):
            msg = (
                f"{where} declares {_crs_label(gdf.crs)} but crs={_epsg(stated)!r} was "
                f"given; using {_crs_label(stated)} for its coordinates (no reprojection)"
            )
            warnings.warn(msg, CRSWarning, stacklevel=2)
            gdf = gdf.set_crs(stated, allow_override=True)
    if gdf.crs.is_geographic:
        b = _xy_bounds(gdf)
        if b is not None:
            minx, miny, maxx, maxy = b
            if minx >= 0 and maxx <= 56 and miny >= 72 and maxy <= 138:
                msg = (
                    f"{where}: longitude and latitude look swapped (x {minx:.3f}…{maxx:.3f} "
                    f"looks like latitude, y {miny:.3f}…{maxy:.3f} like longitude); "
                    "swap the lon/lat columns (x = longitude, y = latitude)"
                )
                raise CRSError(msg)
            if max(abs(minx), abs(maxx)) > 180 or max(abs(miny), abs(maxy)) > 90:
                zone = detect_zone_prefix(np.array([minx, maxx]))
                hint = (
                    f"; the eastings carry zone prefix {zone}, try "
                    f"crs='{_epsg(_prefixed_crs(zone, 'CGCS2000'))}'"
                    if zone is not None
                    else "; pass the projected CRS, e.g. crs='EPSG:4547'"
                )
                msg = (
                    f"{where}: coordinates look projected (metres) but the CRS is geographic "
                    f"({_crs_label(gdf.crs)}), x {minx:.0f}…{maxx:.0f}, y {miny:.0f}…{maxy:.0f}"
                    f"{hint}"
                )
                raise CRSError(msg)
    return gdf


def _user_crs(crs: Any, where: str) -> pyproj.CRS:
    """``crs`` given by the user as a pyproj CRS, or a :class:`CRSError` naming it."""
    import pyproj

    try:
        return pyproj.CRS.from_user_input(crs)
    except pyproj.exceptions.CRSError:
        msg = (
            f"{where}: crs={crs!r} is not a coordinate reference system PROJ knows; "
            "give an EPSG code such as 'EPSG:4490' or 'EPSG:4547'"
        )
        raise CRSError(msg) from None


def detect_zone_prefix(x: ArrayLike) -> int | None:
    """Gauss–Krüger zone number carried as a prefix of eastings, or None.

    Prefixed eastings are ``zone·10⁶ + 500 000 ± offset`` (e.g. 38 512 345 m
    for zone 38): the zone is ``x // 10⁶`` when it is the same for all values
    and is a Chinese zone, 13–23 (6-degree) or 25–45 (3-degree). Eastings
    without a prefix are below 10⁶.

    Examples
    --------
    >>> detect_zone_prefix([38_512_345.0, 38_498_000.0])
    38
    >>> detect_zone_prefix([512_345.0]) is None
    True
    """
    arr = np.asarray(x, dtype=float).ravel()
    arr = arr[np.isfinite(arr)]
    if arr.size == 0:
        return None
    zones = np.unique(np.floor(arr / 1e6))
    if zones.size != 1:
        return None
    zone = int(zones[0])
    if 13 <= zone <= 23 or 25 <= zone <= 45:
        # the remainder must look like a GK easting (false easting 500 km)
        rest = arr - zone * 1e6
        if rest.min() > 100_000 and rest.max() < 900_000:
            return zone
    return None


@lru_cache(maxsize=1)
def _gk_index() -> dict[tuple[str, str, int], int]:
    """(family, "zone"|"cm"|"zone6"|"cm6", number) → EPSG code, from the pyproj database."""
    import re

    from pyproj.database import query_crs_info
    from pyproj.enums import PJType

    datums = r"^(CGCS2000|Xian 1980|Beijing 1954)"
    pat3 = re.compile(datums + r" / 3-degree Gauss-Kruger (zone|CM) (\d+)E?$")
    pat6 = re.compile(datums + r" / Gauss-Kruger (zone|CM) (\d+)E?$")
    fam = {"CGCS2000": "CGCS2000", "Xian 1980": "Xian80", "Beijing 1954": "Beijing54"}
    out: dict[tuple[str, str, int], int] = {}
    for info in query_crs_info(auth_name="EPSG", pj_types=PJType.PROJECTED_CRS):
        for pat, suffix in ((pat3, ""), (pat6, "6")):
            m = pat.match(info.name)
            if m:
                out[(fam[m.group(1)], m.group(2).lower() + suffix, int(m.group(3)))] = int(
                    info.code
                )
    return out


def _prefixed_crs(zone: int, family: str) -> pyproj.CRS:
    import pyproj

    key = (family, "zone", zone) if zone >= 25 else (family, "zone6", zone)
    code = _gk_index().get(key)
    if code is None:
        msg = f"no EPSG code for {family} Gauss–Krüger zone {zone}"
        raise CRSError(msg)
    return pyproj.CRS.from_epsg(code)


def _noprefix_crs(zone: int, family: str) -> pyproj.CRS:
    import pyproj

    key = (family, "cm", 3 * zone) if zone >= 25 else (family, "cm6", 6 * zone - 3)
    code = _gk_index().get(key)
    if code is None:
        msg = f"no EPSG code for {family} Gauss–Krüger zone {zone} without prefix"
        raise CRSError(msg)
    return pyproj.CRS.from_epsg(code)


def strip_zone_prefix(
    gdf: gpd.GeoDataFrame, *, source: object = None, layer: str | None = None
) -> gpd.GeoDataFrame:
    """Remove a Gauss–Krüger zone prefix from eastings and set the no-prefix CRS.

    If the eastings carry a zone prefix (see :func:`detect_zone_prefix`), every
    x becomes ``x − zone·10⁶`` and the CRS becomes the matching no-prefix CRS of
    the same geodetic family (CGCS2000 unless the declared CRS is Xi'an-80 or
    Beijing-54), e.g. zone 38 → EPSG:4526 with prefix → EPSG:4547 without. A
    :class:`~gistool.errors.CRSWarning` names both CRSs. Layers without a
    prefix are returned unchanged.

    Returns
    -------
    GeoDataFrame
        The data without the prefix; its ``.crs`` is the matching no-prefix CRS.
    """
    import shapely

    b = _xy_bounds(gdf)
    if b is None:
        return gdf
    coords_x = shapely.get_coordinates(gdf.geometry.values)[:, 0]
    zone = detect_zone_prefix(coords_x)
    if zone is None:
        return gdf
    declared = gdf.crs
    family = crs_family(declared)
    if family not in ("CGCS2000", "Xian80", "Beijing54"):
        family = "CGCS2000"
    with_prefix = _prefixed_crs(zone, family)
    target = _noprefix_crs(zone, family)
    if declared is not None and declared.is_projected and not declared.equals(with_prefix):
        # declared a CRS whose eastings have no prefix: check its central meridian
        cm = central_meridian(declared)
        expected = 3 * zone if zone >= 25 else 6 * zone - 3
        if cm is not None and abs(cm - expected) > 1e-6:
            msg = (
                f"{describe_source(source, layer)}: eastings carry zone prefix {zone} "
                f"(central meridian {expected}°E) but the declared CRS is "
                f"{_crs_label(declared)} (central meridian {cm:g}°E); "
                f"read it with crs='{_epsg(with_prefix)}'"
            )
            raise CRSError(msg)
        target = declared
    offset = zone * 1e6
    out = gdf.copy()
    out = out.set_geometry(
        transform_geometries(gdf.geometry, lambda x, y: (np.asarray(x) - offset, y))
    ).set_crs(target, allow_override=True)
    if declared is not None and declared.equals(with_prefix):
        decl, fix = "as declared", ""
    else:
        decl = f"declared {_crs_label(declared)}" if declared is not None else "no CRS declared"
        fix = f"; read it with crs='{_epsg(with_prefix)}' to say so explicitly"
    msg = (
        f"{describe_source(source, layer)}: eastings carry the zone prefix {zone} "
        f"({_crs_label(with_prefix)}, {decl}); converted to {_crs_label(target)} by "
        f"subtracting {int(offset):,} m{fix}"
    )
    warnings.warn(msg, CRSWarning, stacklevel=2)
    return out


def central_meridian(crs: pyproj.CRS) -> float | None:
    """Longitude of natural origin (central meridian) of a projected CRS, or None.

    Examples
    --------
    >>> import pyproj
    >>> central_meridian(pyproj.CRS.from_epsg(4547))
    114.0
    """
    try:
        params = crs.coordinate_operation.params  # type: ignore[union-attr]
    except AttributeError:
        return None
    for p in params:
        if "longitude of natural origin" in p.name.lower() or "central meridian" in p.name.lower():
            return float(p.value)
    return None


def to_working(
    gdf: gpd.GeoDataFrame,
    crs: Any = None,
    *,
    source: object = None,
    layer: str | None = None,
) -> gpd.GeoDataFrame:
    """Reproject a layer to ``crs`` or, when None, to its :func:`working_crs`.

    The layer must already carry a CRS (see :func:`ensure_crs`); a zone prefix
    is stripped first (:func:`strip_zone_prefix`).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> g = gpd.GeoDataFrame(geometry=[shapely.Point(113.8, 34.2)], crs="EPSG:4490")
    >>> to_working(g).crs.to_epsg()
    4547
    """
    gdf = ensure_crs(gdf, source=source, layer=layer)
    if gdf.crs.is_projected:
        gdf = strip_zone_prefix(gdf, source=source, layer=layer)
    if crs is None:
        try:
            target = working_crs(gdf)
        except CRSError as exc:
            # name the file: "the layer has no geometries" alone does not say which
            msg = f"{describe_source(source, layer)}: {exc}"
            raise CRSError(msg) from None
    else:
        target = crs
    import pyproj

    target_crs = pyproj.CRS.from_user_input(target)
    if gdf.crs.equals(target_crs):
        return gdf
    return gdf.to_crs(target_crs)


# --------------------------------------------------------------------------- #
# GCJ-02 data declared as WGS84
# --------------------------------------------------------------------------- #

#: Least number of points outside the boundary before an offset is suspected.
GCJ02_MIN_OUTSIDE: int = 3
#: The correction must bring back at least this share of the points outside.
GCJ02_MIN_RECOVERED: float = 0.75


def detect_gcj02_offset(
    points: gpd.GeoDataFrame | gpd.GeoSeries,
    boundary: Any,
    *,
    min_outside: int = GCJ02_MIN_OUTSIDE,
) -> dict[str, float] | None:
    """Detect GCJ-02 (Amap/Tencent) lon/lat read as WGS84, by the fit to the boundary.

    GCJ-02 positions are WGS84 shifted by a few hundred metres (about 560 m
    east and 150 m south at Changge). Read as WGS84, the points near the edge
    of the study area on the shifted side fall outside its boundary. Every
    point is corrected with :func:`gcj02_to_wgs84` and the points outside the
    boundary are counted before (``n_raw``) and after (``n_fixed``); GCJ-02 is
    reported when

    ``n_raw ≥ min_outside`` and ``n_raw − n_fixed ≥ 0.75 · n_raw``,

    i.e. the correction brings back at least three quarters of the strays —
    something a random scatter outside the boundary does not do.

    Parameters
    ----------
    points
        Point layer in any CRS (other geometries are represented by a point on them).
    boundary
        GeoDataFrame/GeoSeries (any CRS) or a geometry in the CRS of ``points``.
    min_outside
        Points outside the boundary needed before deciding.

    Returns
    -------
    dict or None
        ``outside_raw``, ``outside_corrected`` (counts) and ``shift_m`` (median
        shift of the correction) when the points look like GCJ-02; else None.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> square = shapely.box(113.70, 34.15, 113.84, 34.29)
    >>> lon, lat = np.meshgrid(np.linspace(113.701, 113.839, 8), np.linspace(34.151, 34.289, 8))
    >>> glon, glat = wgs84_to_gcj02(lon.ravel(), lat.ravel())
    >>> pts = gpd.GeoSeries(gpd.points_from_xy(glon, glat), crs="EPSG:4326")
    >>> found = detect_gcj02_offset(pts, gpd.GeoSeries([square], crs="EPSG:4326"))
    >>> found["outside_raw"] > 0, found["outside_corrected"], round(found["shift_m"], -1)
    (True, 0.0, 580.0)
    """
    import geopandas as gpd
    import shapely

    geo = points.geometry if isinstance(points, gpd.GeoDataFrame) else points
    if geo.crs is None:
        return None
    geo = geo[~(geo.is_empty | geo.isna())]
    if len(geo) < min_outside:
        return None
    # the test runs in the boundary's own CRS: points reproject exactly, polygon
    # edges do not (a straight lon/lat edge bows in a projected CRS)
    area_crs = geo.crs
    if isinstance(boundary, gpd.GeoDataFrame | gpd.GeoSeries):
        b = boundary.geometry if isinstance(boundary, gpd.GeoDataFrame) else boundary
        area_crs = b.crs or geo.crs
        area = shapely.union_all(np.asarray(b.values))
    else:
        area = boundary
    shapely.prepare(area)
    raw = np.asarray(geo.values)
    if not (shapely.get_type_id(raw) == 0).all():
        raw = shapely.point_on_surface(raw)
    raw_in_area = np.asarray(gpd.GeoSeries(raw, crs=geo.crs).to_crs(area_crs).values)
    out_raw = ~shapely.covers(area, raw_in_area)
    n_raw = int(out_raw.sum())
    if n_raw < min_outside:
        return None
    ll = gpd.GeoSeries(raw, crs=geo.crs).to_crs("EPSG:4326")
    x, y = ll.x.to_numpy(), ll.y.to_numpy()
    inside = ~out_of_china(x, y)
    if not inside.any():
        return None
    lon, lat = gcj02_to_wgs84(x, y)
    fixed = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs="EPSG:4326").to_crs(area_crs)
    n_fixed = int((~shapely.covers(area, np.asarray(fixed.values))).sum())
    if n_raw - n_fixed < GCJ02_MIN_RECOVERED * n_raw:
        return None
    dx = (lon - x) * 111_320.0 * np.cos(np.radians(y))
    dy = (lat - y) * 110_574.0
    shift = float(np.median(np.hypot(dx, dy)[inside]))
    return {"outside_raw": float(n_raw), "outside_corrected": float(n_fixed), "shift_m": shift}
