"""Overlay engine: rasters and points over unit polygons, fast and exact.

Each unit layer is rasterised once onto a raster grid (:func:`coverage`) and
the result is reused for every raster of that grid; every raster then costs
one vectorised pass, read block by block when it is larger than memory.
"""

from gistool.overlay.coverage import Coverage, clear_cache, coverage
from gistool.overlay.grid import RasterGrid
from gistool.overlay.zonal import zonal_stats, zonal_stats_many

__all__ = [
    "Coverage",
    "RasterGrid",
    "clear_cache",
    "coverage",
    "zonal_stats",
    "zonal_stats_many",
]
