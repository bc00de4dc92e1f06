"""Check an input raster (DEM, flood depth) before any analysis reads it.

:func:`check_raster` refuses, in one line naming the file, the config key and
the fix, a raster that cannot be opened or read to the end (empty, truncated,
corrupt), lies in another CRS, does not overlap the study area, or holds no
valid cell; it warns (:class:`~gistool.errors.DataRepairWarning`) about NaN or
±inf cells, which every reader treats as nodata. The raster is read in strips
of rows, so memory stays bounded whatever its size.
"""

from __future__ import annotations

import os
import warnings
from typing import Any

import numpy as np

from gistool.errors import DataRepairWarning, InputError, describe_source

__all__ = ["RASTER_STRIP_CELLS", "check_raster"]

#: Cells read at once (a strip of whole rows).
RASTER_STRIP_CELLS: int = 4_000_000


def _where(path: object, key: str | None) -> str:
    return describe_source(path) + (f" ({key})" if key else "")


def check_raster(
    path: str | os.PathLike[str],
    *,
    crs: Any = None,
    bounds: tuple[float, float, float, float] | None = None,
    key: str | None = None,
) -> dict[str, int]:
    """Open and scan a single-band raster; refuse what no analysis can use.

    Parameters
    ----------
    path
        The raster file.
    crs
        CRS the raster must be in (the study area's); None skips the check.
    bounds
        ``(minx, miny, maxx, maxy)`` of the study area in ``crs``: the raster
        must overlap it.
    key
        Config key named in messages (e.g. ``rasters.flood_depth.100``).

    Returns
    -------
    dict
        ``cells``, ``valid`` (finite and not nodata) and ``nonfinite`` counts.

    Raises
    ------
    InputError
        Unreadable, truncated, in another CRS, outside the area, or all nodata.

    Examples
    --------
    >>> import tempfile, pathlib, rasterio
    >>> from affine import Affine
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "depth.tif"
    >>> a = np.array([[0.2, np.inf], [-9999, 1.0]], dtype="float32")
    >>> with rasterio.open(p, "w", driver="GTiff", width=2, height=2, count=1, dtype="float32",
    ...                    crs="EPSG:4547", transform=Affine(10, 0, 0, 0, -10, 20),
    ...                    nodata=-9999) as ds:
    ...     ds.write(a, 1)
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     check_raster(p, crs="EPSG:4547", bounds=(0, 0, 20, 20))
    {'cells': 4, 'valid': 2, 'nonfinite': 1}
    >>> "1 NaN/inf cell(s)" in str(w[0].message)
    True
    """
    import pyproj
    import rasterio
    from rasterio.windows import Window

    where = _where(path, key)
    try:
        ds = rasterio.open(path)
    except rasterio.errors.RasterioIOError as exc:
        msg = (
            f"{where} cannot be opened as a raster ({' '.join(str(exc).split())}); the file is "
            "empty, damaged or not a raster -- re-export it as GeoTIFF"
        )
        raise InputError(msg) from None
    with ds:
        if crs is not None:
            want = pyproj.CRS.from_user_input(crs)
            if ds.crs is None or not pyproj.CRS(ds.crs.to_wkt()).equals(want):
                msg = (
                    f"{where} is in {ds.crs}, the study area in {want.to_string()}; "
                    f"reproject it, e.g. gdalwarp -t_srs {want.to_string()}"
                )
                raise InputError(msg)
        if bounds is not None:
            b = ds.bounds
            if b.left >= bounds[2] or b.right <= bounds[0] or (
                b.bottom >= bounds[3] or b.top <= bounds[1]
            ):
                msg = (
                    f"{where} covers x {b.left:.0f}…{b.right:.0f}, y {b.bottom:.0f}…{b.top:.0f}, "
                    f"which does not overlap the study area (x {bounds[0]:.0f}…{bounds[2]:.0f}, "
                    f"y {bounds[1]:.0f}…{bounds[3]:.0f}); check its georeferencing and CRS"
                )
                raise InputError(msg)
        nodata = ds.nodata
        rows = max(1, RASTER_STRIP_CELLS // max(ds.width, 1))
        valid = nonfinite = 0
        for row0 in range(0, ds.height, rows):
            window = Window(0, row0, ds.width, min(rows, ds.height - row0))
            try:
                a = ds.read(1, window=window)
            except rasterio.errors.RasterioIOError as exc:
                msg = (
                    f"{where} cannot be read past row {row0} ({' '.join(str(exc).split())}); "
                    "the file is truncated or damaged -- re-export it"
                )
                raise InputError(msg) from None
            ok = np.ones(a.shape, dtype=bool)
            if a.dtype.kind == "f":
                finite = np.isfinite(a)
                bad = ~finite
                if nodata is not None and np.isnan(nodata):
                    bad &= ~np.isnan(a)
                nonfinite += int(bad.sum())
                ok &= finite
            if nodata is not None and not np.isnan(nodata):
                ok &= a != nodata
            valid += int(ok.sum())
        cells = ds.width * ds.height
    if valid == 0:
        what = "nodata" if nodata is None else f"nodata ({nodata:g})"
        msg = f"{where} holds no valid cell (all {cells:,} are {what} or NaN); re-export it"
        raise InputError(msg)
    if nonfinite:
        warnings.warn(
            f"{where}: {nonfinite:,} NaN/inf cell(s) (not the nodata value) treated as nodata",
            DataRepairWarning,
            stacklevel=2,
        )
    return {"cells": cells, "valid": valid, "nonfinite": nonfinite}
