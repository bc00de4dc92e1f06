"""Overlay engine: rasters and points over unit polygons, fast and exact.

Each unit layer is rasterised once onto a raster grid (:func:`coverage`) and
the result is reused for every raster of that grid; every raster then costs
one vectorised pass, read block by block when it is larger than memory.

- :func:`zonal_stats`, :func:`zonal_stats_many` (several rasters),
  :func:`zonal_stats_layers` (several rasters × unit layers, each raster read
  once) — count, sum, mean, min, max, area, nodata share, fractions at or
  above thresholds and class histograms of rasters per unit;
  ``coverage="exact"`` (partial cells weighted by the share inside, as
  exactextract) or ``"centre"`` (as rasterstats);
- :func:`sample_raster` — raster values at points;
- :func:`point_in_units`, :func:`count_points` — which unit holds each point,
  counts and weight sums per unit and category;
- :func:`class_area_shares` — area share of each class of a polygon layer;
- :func:`nearest_distance` — distance to the nearest feature.

Examples
--------
>>> import numpy as np, geopandas as gpd, shapely
>>> from affine import Affine
>>> grid = RasterGrid(Affine(10, 0, 0, 0, -10, 30), 3, 3, "EPSG:4547")
>>> depth = {20: np.zeros((3, 3), "float32"), 100: np.full((3, 3), 0.6, "float32")}
>>> villages = gpd.GeoDataFrame({"code": ["a", "b"]}, crs="EPSG:4547",
...     geometry=[shapely.box(0, 0, 15, 30), shapely.box(15, 0, 30, 30)])
>>> cov = coverage(villages, grid)  # once per layer and grid
>>> out = zonal_stats_many(villages, {rp: (a, grid) for rp, a in depth.items()},
...                        ("area",), thresholds=[0.15], cov=cov)
>>> out[100]
    area  frac_ge_0.15
0  450.0           1.0
1  450.0           1.0
"""

from gistool.overlay.coverage import Coverage, clear_cache, coverage
from gistool.overlay.distance import nearest_distance
from gistool.overlay.grid import RasterGrid
from gistool.overlay.points import count_points, point_in_units, sample_raster
from gistool.overlay.polygons import class_area_shares
from gistool.overlay.zonal import (
    threshold_column,
    zonal_stats,
    zonal_stats_layers,
    zonal_stats_many,
)

__all__ = [
    "Coverage",
    "RasterGrid",
    "class_area_shares",
    "clear_cache",
    "count_points",
    "coverage",
    "nearest_distance",
    "point_in_units",
    "sample_raster",
    "threshold_column",
    "zonal_stats",
    "zonal_stats_layers",
    "zonal_stats_many",
]
