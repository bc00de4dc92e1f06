"""Overlay engine: rasters and points over unit polygons, fast and exact.

Each unit layer is rasterised once onto a raster grid (:func:`coverage`) and
the result is reused for every raster of that grid; every raster then costs
one vectorised pass, read block by block when it is larger than memory.
"""

from gistool.overlay.coverage import Coverage, clear_cache, coverage
from gistool.overlay.distance import nearest_distance
from gistool.overlay.grid import RasterGrid
from gistool.overlay.points import count_points, point_in_units, sample_raster
from gistool.overlay.polygons import class_area_shares
from gistool.overlay.zonal import threshold_column, zonal_stats, zonal_stats_many

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
    "zonal_stats_many",
]
