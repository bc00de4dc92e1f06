"""Area shares of the classes of a polygon layer within each unit."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gistool.errors import SchemaError
from gistool.overlay.grid import check_same_crs


def class_area_shares(
    units: gpd.GeoDataFrame | gpd.GeoSeries,
    polygons: gpd.GeoDataFrame,
    column: str,
) -> pd.DataFrame:
    """Share of each unit's area covered by each class of a polygon layer.

    share(u, k) = Σ area(u ∩ p) / area(u) over the polygons p of class k.
    Intersections are computed only for the unit/polygon pairs an STRtree finds,
    in one vectorised shapely call. The classes are assumed not to overlap
    each other (as susceptibility zones do not); where they do, shares add up
    to more than 1.

    Parameters
    ----------
    units
        Polygon layer (e.g. villages).
    polygons
        Class polygons (e.g. geohazard susceptibility zones) in the units' CRS.
    column
        The class column of ``polygons`` (e.g. ``susceptibility``).

    Returns
    -------
    pandas.DataFrame
        Indexed like ``units``, one column per class value (named by the value),
        shares in [0, 1].

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> units = gpd.GeoSeries([shapely.box(0, 0, 10, 10)], crs="EPSG:4547")
    >>> zones = gpd.GeoDataFrame({"susceptibility": ["high", "low"]},
    ...     geometry=[shapely.box(0, 0, 2.5, 10), shapely.box(2.5, 0, 10, 4)], crs="EPSG:4547")
    >>> class_area_shares(units, zones, "susceptibility")
    susceptibility  high  low
    0               0.25  0.3
    """
    if column not in polygons.columns:
        msg = (
            f"the polygon layer has no column '{column}'; available: "
            f"{[c for c in polygons.columns if c != polygons.geometry.name]}"
        )
        raise SchemaError(msg)
    geo_u = units.geometry if isinstance(units, gpd.GeoDataFrame) else units
    check_same_crs(polygons.crs, geo_u.crs, "the class polygon layer", "the unit layer")
    ug = np.asarray(geo_u.values, dtype=object)
    pg = np.asarray(polygons.geometry.values, dtype=object)
    cats = pd.Categorical(polygons[column])
    k = len(cats.categories)
    n = len(ug)
    tree = shapely.STRtree(pg)
    iu, ip = tree.query(ug, predicate="intersects")
    codes = cats.codes[ip]
    ok = codes >= 0
    iu, ip, codes = iu[ok], ip[ok], codes[ok]
    # pairs where the unit lies inside the zone need no clipping
    inside = shapely.contains_properly(pg[ip], ug[iu])
    shapely.prepare(ug)
    area = np.where(inside, shapely.area(ug[iu]), 0.0)
    todo = ~inside
    area[todo] = shapely.area(shapely.intersection(ug[iu[todo]], pg[ip[todo]]))
    table = np.bincount(iu * k + codes, weights=area, minlength=n * k).reshape(n, k)
    with np.errstate(invalid="ignore", divide="ignore"):
        table = table / shapely.area(ug)[:, None]
    return pd.DataFrame(table, index=units.index, columns=pd.Index(cats.categories, name=column))
