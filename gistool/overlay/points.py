"""Points against rasters and unit polygons: sampling, point-in-polygon, counting."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gistool.errors import GeometryError, InputError, SchemaError
from gistool.overlay._raster import RasterLike, open_raster
from gistool.overlay.grid import RasterGrid, check_same_crs

#: Most cells of the label raster used to locate points in units.
LOOKUP_CELLS = 1 << 22
#: From this many points on, ``point_in_units`` builds the label raster.
LOOKUP_MIN_POINTS = 100_000

_lookup_cache: OrderedDict[tuple, _Lookup] = OrderedDict()


def _xy(points: gpd.GeoDataFrame | gpd.GeoSeries, what: str = "points") -> tuple[
    np.ndarray, np.ndarray
]:
    """Coordinates of Point geometries (NaN for missing or empty ones)."""
    geo = points.geometry if isinstance(points, gpd.GeoDataFrame) else points
    geoms = np.asarray(geo.values, dtype=object)
    types = shapely.get_type_id(geoms)  # −1 missing, 0 point (empty too)
    wrong = types > 0
    if wrong.any():
        first = int(np.flatnonzero(wrong)[0])
        msg = (
            f"{what} must be Point geometries, row {geo.index[first]!r} is a "
            f"{geoms[first].geom_type}; use .representative_point() or .centroid first"
        )
        raise GeometryError(msg)
    try:
        return shapely.get_x(geoms), shapely.get_y(geoms)
    except shapely.errors.GEOSException:  # empty points: GEOS refuses their x/y
        x = np.full(geoms.size, np.nan)
        y = np.full(geoms.size, np.nan)
        ok = ~shapely.is_empty(geoms) & (types == 0)
        x[ok] = shapely.get_x(geoms[ok])
        y[ok] = shapely.get_y(geoms[ok])
        return x, y


def sample_raster(
    points: gpd.GeoDataFrame | gpd.GeoSeries,
    raster: RasterLike,
    *,
    band: int = 1,
    block_cells: int | None = None,
) -> np.ndarray:
    """Value of the raster cell under each point (float64; NaN for nodata or outside).

    The band is read once (the window around the points, row block by row block
    when larger than ``block_cells``) and indexed with vectorised row/col; a
    point on a shared cell edge takes the cell to its right / below, as
    rasterio's ``dataset.sample`` does.

    Parameters
    ----------
    points
        Point layer in the raster's CRS.
    raster
        A path, an open rasterio dataset, or ``(array, RasterGrid[, nodata])``.
    band
        Band number (1-based).
    block_cells
        Read at most this many cells at once.

    Returns
    -------
    numpy.ndarray
        One value per point, in the order of ``points``.

    Raises
    ------
    InputError
        If no point falls on the raster (usually a wrong area or CRS).

    Examples
    --------
    >>> import numpy as np, geopandas as gpd, shapely
    >>> from affine import Affine
    >>> grid = RasterGrid(Affine(10, 0, 0, 0, -10, 20), 2, 2, "EPSG:4547")
    >>> a = np.array([[1, 2], [3, -1]], dtype="float32")
    >>> pts = gpd.GeoSeries(shapely.points([(5, 15), (15, 5), (99, 5)]), crs="EPSG:4547")
    >>> sample_raster(pts, (a, grid, -1))
    array([ 1., nan, nan])
    """
    x, y = _xy(points)
    out = np.full(x.size, np.nan)
    with open_raster(raster, band=band) as src:
        geo = points.geometry if isinstance(points, gpd.GeoDataFrame) else points
        check_same_crs(geo.crs, src.grid.crs, "the point layer", f"raster {src.name}")
        row, col = src.grid.rowcol(x, y)
        inside = (row >= 0) & (row < src.grid.height) & (col >= 0) & (col < src.grid.width)
        inside &= np.isfinite(x)
        if not inside.any():
            if np.isfinite(x).any():
                msg = (
                    f"none of the {int(np.isfinite(x).sum())} points falls on raster "
                    f"{src.name} (bounds {tuple(round(b) for b in src.grid.bounds)}); "
                    "check that both cover the same area"
                )
                raise InputError(msg)
            return out
        sel = np.flatnonzero(inside)
        r, c = row[sel], col[sel]
        c0, c1 = int(c.min()), int(c.max()) + 1
        limit = block_cells or (1 << 25)
        rows_per = max(1, limit // (c1 - c0))
        order = np.argsort(r, kind="stable")
        r, c, sel = r[order], c[order], sel[order]
        r_lo, r_hi = int(r[0]), int(r[-1]) + 1
        for b0 in range(r_lo, r_hi, rows_per):
            b1 = min(r_hi, b0 + rows_per)
            k0, k1 = np.searchsorted(r, [b0, b1])
            if k1 == k0:
                continue
            window = src.read_window(b0, c0, b1 - b0, c1 - c0)
            vals = window[r[k0:k1] - b0, c[k0:k1] - c0]
            bad = src.invalid(vals)
            out[sel[k0:k1]] = np.where(bad, np.nan, vals)
    return out


class _Lookup:
    """A label raster of units: a cell's unit where one unit alone covers it fully."""

    def __init__(self, geoms: np.ndarray, crs: Any) -> None:
        from gistool.overlay.coverage import coverage

        self.geoms = geoms
        self.tree = shapely.STRtree(geoms)
        xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
        span = max(xmax - xmin, ymax - ymin, 1e-9)
        # cells ~1/64 of a typical unit's side (most points then skip the exact
        # test), but no more than LOOKUP_CELLS of them
        areas = shapely.area(geoms)
        typical = np.sqrt(np.median(areas[areas > 0])) if (areas > 0).any() else span
        res = max(
            typical / 64,
            np.sqrt((xmax - xmin) * (ymax - ymin) / LOOKUP_CELLS),
            span / 8192,
        )
        # a slightly irrational origin keeps cell edges off the usual round coordinates
        pad = res * 0.31830988618
        self.grid = RasterGrid.from_bounds(
            (xmin - pad, ymin - pad, xmax + pad, ymax + pad), res, crs
        )
        cov = coverage(gpd.GeoSeries(geoms, crs=crs), self.grid, cache=False)
        size = self.grid.size
        # number of units fully covering each cell, and the sum of their ids + 1
        depth = np.zeros(size + 1, dtype=np.int32)
        ids = np.zeros(size + 1, dtype=np.int64)
        np.add.at(depth, cov.run_start, 1)
        np.add.at(depth, cov.run_end, -1)
        np.add.at(ids, cov.run_start, cov.run_unit.astype(np.int64) + 1)
        np.add.at(ids, cov.run_end, -(cov.run_unit.astype(np.int64) + 1))
        depth = np.cumsum(depth[:-1])
        label = np.cumsum(ids[:-1])
        label = np.where(depth == 1, label - 1, -1).astype(np.int32)
        # cells touched by any partial coverage, or by several units, need the exact test
        label[cov.cell] = -2
        label[depth > 1] = -2
        self.label = label


def _lookup_key(geo: gpd.GeoSeries) -> tuple:
    from gistool.overlay.coverage import _geometry_key

    geoms = np.asarray(geo.values, dtype=object)
    return (_geometry_key(geoms), geo.crs.to_wkt() if geo.crs is not None else None)


def _lookup(geo: gpd.GeoSeries) -> _Lookup:
    key = _lookup_key(geo)
    hit = _lookup_cache.get(key)
    if hit is None:
        hit = _lookup_cache[key] = _Lookup(np.asarray(geo.values, dtype=object), geo.crs)
        while len(_lookup_cache) > 4:
            _lookup_cache.popitem(last=False)
    return hit


def _first_hit(tree: shapely.STRtree, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Lowest tree position intersecting each point ``(x, y)``, or −1."""
    first = np.full(x.size, -1, dtype=np.int64)
    if x.size == 0:
        return first
    ip, iu = tree.query(shapely.points(x, y), predicate="intersects")
    order = np.lexsort((iu, ip))
    ip, iu = ip[order], iu[order]
    keep = np.ones(ip.size, dtype=bool)
    keep[1:] = ip[1:] != ip[:-1]
    first[ip[keep]] = iu[keep]
    return first


def point_in_units(
    points: gpd.GeoDataFrame | gpd.GeoSeries,
    units: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    method: Literal["auto", "lookup", "tree"] = "auto",
) -> np.ndarray:
    """Position (0-based row) of the unit holding each point, or −1.

    A point on a unit's boundary counts as inside (``intersects``); where units
    overlap or share the boundary the point lies on, the first unit wins.

    Parameters
    ----------
    points
        Point layer, in the units' CRS.
    units
        Polygon layer.
    method
        ``"lookup"``: points are located on a label raster of the units (built
        once per unit layer and cached, ~1 s for 400 villages); only points in
        cells crossed by a unit boundary are tested exactly against the
        polygons. ``"tree"``: every point is tested with an STRtree query.
        ``"auto"`` (default): the lookup when it is already cached or there
        are at least ``LOOKUP_MIN_POINTS`` points, else the tree.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> units = gpd.GeoSeries([shapely.box(0, 0, 10, 10), shapely.box(10, 0, 20, 10)],
    ...                       crs="EPSG:4547")
    >>> pts = gpd.GeoSeries(shapely.points([(5, 5), (15, 2), (10, 5), (30, 5)]),
    ...                     crs="EPSG:4547")
    >>> point_in_units(pts, units)
    array([ 0,  1,  0, -1])
    >>> point_in_units(pts, units, method="lookup")
    array([ 0,  1,  0, -1])
    """
    if method not in ("auto", "lookup", "tree"):
        msg = f"point_in_units method must be 'auto', 'lookup' or 'tree', not {method!r}"
        raise InputError(msg)
    geo_u = units.geometry if isinstance(units, gpd.GeoDataFrame) else units
    geo_p = points.geometry if isinstance(points, gpd.GeoDataFrame) else points
    check_same_crs(geo_p.crs, geo_u.crs, "the point layer", "the unit layer")
    x, y = _xy(points)
    out = np.full(x.size, -1, dtype=np.int64)
    if len(geo_u) == 0 or x.size == 0:
        return out
    ok = np.isfinite(x)
    if method == "auto":
        cached = _lookup_key(geo_u) in _lookup_cache
        method = "lookup" if cached or x.size >= LOOKUP_MIN_POINTS else "tree"
    if method == "tree":
        geoms = np.asarray(geo_u.values, dtype=object)
        out[ok] = _first_hit(shapely.STRtree(geoms), x[ok], y[ok])
        return out
    lk = _lookup(geo_u)
    row, col = lk.grid.rowcol(x, y)
    inside = (row >= 0) & (row < lk.grid.height) & (col >= 0) & (col < lk.grid.width) & ok
    sel = np.flatnonzero(inside)
    lab = lk.label[row[sel] * lk.grid.width + col[sel]]
    # points on a cell edge may touch a unit boundary running along it: test them exactly
    t = lk.grid.transform
    fx = (x[sel] - t.c) / t.a
    fy = (y[sel] - t.f) / t.e
    lab = np.where((fx == np.floor(fx)) | (fy == np.floor(fy)), -2, lab)
    out[sel] = lab
    exact = sel[lab == -2]
    out[exact] = _first_hit(lk.tree, x[exact], y[exact])
    return out


def count_points(
    units: gpd.GeoDataFrame | gpd.GeoSeries,
    points: gpd.GeoDataFrame,
    *,
    by: str | None = None,
    weights: str | None = None,
) -> pd.DataFrame:
    """Number of points (or sum of a weight column) per unit, optionally per category.

    Parameters
    ----------
    units
        Polygon layer.
    points
        Point layer in the units' CRS.
    by
        A category column of ``points``: one output column per category value.
    weights
        A numeric column of ``points`` to sum instead of counting (NaN counts as 0).

    Returns
    -------
    pandas.DataFrame
        Indexed like ``units``. Without ``by``: a column ``count`` (and
        ``<weights>`` when given). With ``by``: one column per category holding
        counts, or weight sums when ``weights`` is given.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> units = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 10, 10), shapely.box(10, 0, 20, 10)],
    ...                          crs="EPSG:4547")
    >>> pts = gpd.GeoDataFrame({"category": ["a", "b", "a"], "employees": [5, 7, 1]},
    ...                        geometry=shapely.points([(1, 1), (2, 2), (15, 5)]), crs="EPSG:4547")
    >>> count_points(units, pts, weights="employees")
       count  employees
    0      2       12.0
    1      1        1.0
    >>> count_points(units, pts, by="category")
    category  a  b
    0         1  1
    1         1  0
    """
    for col in (by, weights):
        if col is not None and col not in points.columns:
            msg = (
                f"the point layer has no column '{col}'; available: "
                f"{[c for c in points.columns if c != points.geometry.name]}"
            )
            raise SchemaError(msg)
    n = len(units)
    where = point_in_units(points, units)
    hit = where >= 0
    w = None
    if weights is not None:
        try:
            w = pd.to_numeric(points[weights], errors="raise").to_numpy(np.float64)
        except (TypeError, ValueError) as exc:
            msg = f"column '{weights}' of the point layer must be numeric to be summed"
            raise SchemaError(msg) from exc
        w = np.nan_to_num(w)[hit]
    if by is None:
        cols = {"count": np.bincount(where[hit], minlength=n)}
        if w is not None:
            cols[weights] = np.bincount(where[hit], weights=w, minlength=n)
        return pd.DataFrame(cols, index=units.index)
    cats = pd.Categorical(points[by])
    codes = cats.codes[hit]
    known = codes >= 0
    k = len(cats.categories)
    flat = where[hit][known] * k + codes[known]
    table = np.bincount(flat, weights=None if w is None else w[known], minlength=n * k)
    table = table.reshape(n, k)
    if w is None:
        table = table.astype(np.int64)
    return pd.DataFrame(table, index=units.index, columns=pd.Index(cats.categories, name=by))

