"""Distances from points to the nearest feature of a layer."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from gistool.errors import InputError
from gistool.overlay.grid import check_same_crs


def nearest_distance(
    points: gpd.GeoDataFrame | gpd.GeoSeries,
    features: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    return_index: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Distance (CRS units, metres) from each point to the nearest feature.

    Uses ``shapely.STRtree.query_nearest`` (one tree of ``features``, all
    points queried at once). Missing or empty points get NaN (index −1).

    Parameters
    ----------
    points
        Geometries to measure from (usually points).
    features
        Geometries to measure to (points, lines or polygons), same CRS.
    return_index
        Also return the 0-based position of the nearest feature.

    Returns
    -------
    numpy.ndarray or (numpy.ndarray, numpy.ndarray)
        Distances, and with ``return_index`` the nearest feature positions.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> stations = gpd.GeoSeries(shapely.points([(0, 0), (100, 0)]), crs="EPSG:4547")
    >>> sites = gpd.GeoSeries(shapely.points([(30, 40), (90, 0)]), crs="EPSG:4547")
    >>> nearest_distance(sites, stations)
    array([50., 10.])
    """
    gp = points.geometry if isinstance(points, gpd.GeoDataFrame) else points
    gf = features.geometry if isinstance(features, gpd.GeoDataFrame) else features
    check_same_crs(gp.crs, gf.crs, "the point layer", "the feature layer")
    fg = np.asarray(gf.values, dtype=object)
    fg_ok = ~(shapely.is_empty(fg) | shapely.is_missing(fg))
    if not fg_ok.any():
        msg = "the feature layer to measure distances to has no geometries; give a non-empty layer"
        raise InputError(msg)
    pg = np.asarray(gp.values, dtype=object)
    dist = np.full(len(pg), np.nan)
    nearest = np.full(len(pg), -1, dtype=np.int64)
    ok = ~(shapely.is_empty(pg) | shapely.is_missing(pg))
    if ok.any():
        tree = shapely.STRtree(fg)
        (ip, it), d = tree.query_nearest(pg[ok], return_distance=True, all_matches=False)
        pos = np.flatnonzero(ok)[ip]
        dist[pos] = d
        nearest[pos] = it
    return (dist, nearest) if return_index else dist
