"""Rasters for display: a decimated read that keeps thin flood channels, and the depth classes."""

from __future__ import annotations

import functools
import math
import os
from typing import Any

import numpy as np
import pyproj
from affine import Affine

from gistool.errors import CRSError, InputError, describe_source

__all__ = ["DEPTH_CLASSES", "depth_colours", "draw_depth", "read_for_display"]

#: Flood-depth display classes (m): lower bounds of 0.15–0.5, 0.5–1, 1–2, > 2 m.
DEPTH_CLASSES: tuple[float, ...] = (0.15, 0.5, 1.0, 2.0)

_DEPTH_LABELS = ("0.15–0.5 m", "0.5–1 m", "1–2 m", "> 2 m")


def depth_colours() -> list[str]:
    """Four Blues, light to dark, one per class of :data:`DEPTH_CLASSES`."""
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    cmap = colormaps["Blues"]
    return [to_hex(cmap(v)) for v in (0.35, 0.55, 0.75, 0.95)]


def _warped_grid(src: Any, crs: pyproj.CRS) -> tuple[Affine, int, int]:
    """A north-up grid in ``crs`` covering ``src`` with about as many square cells."""
    tr = pyproj.Transformer.from_crs(pyproj.CRS.from_user_input(src.crs), crs, always_xy=True)
    left, bottom, right, top = tr.transform_bounds(*src.bounds, densify_pts=21)
    res = min((right - left) / src.width, (top - bottom) / src.height)
    cols = max(1, math.ceil((right - left) / res))
    rows = max(1, math.ceil((top - bottom) / res))
    return Affine(res, 0.0, left, 0.0, -res, top), cols, rows


def read_for_display(
    path: str | os.PathLike[str],
    crs: pyproj.CRS,
    *,
    max_pixels: tuple[int, int],
) -> tuple[np.ma.MaskedArray, tuple[float, float, float, float]]:
    """Band 1 of a raster, decimated to at most ``max_pixels`` (rows, cols), in ``crs``.

    The decimation factor is ``f = ceil(max(rows / max_rows, cols / max_cols))``
    (at least 1); each output pixel is the **maximum** of its ``f × f`` block
    (``Resampling.max``, through a ``WarpedVRT`` on the coarse grid: GDAL does
    not offer max for plain decimated reads) so a one-pixel flood channel stays
    visible. Nodata is masked. A raster in another CRS is warped to ``crs``.

    The last few reads are kept (keyed by the file's path, size and
    modification time, the CRS and ``max_pixels``): maps drawing the same
    depth at the same size — the hazard overview and the flood scenario —
    decode the band once. Each call returns its own copy.

    Returns
    -------
    tuple
        The masked array and its extent ``(left, right, bottom, top)`` for ``imshow``.
    """
    wkt = pyproj.CRS.from_user_input(crs).to_wkt()
    rows_cols = (int(max_pixels[0]), int(max_pixels[1]))
    try:
        st = os.stat(path)
    except OSError:  # let rasterio say what is wrong with the path
        return _read_for_display(os.fspath(path), wkt, rows_cols)
    data, extent = _cached_read(os.fspath(path), st.st_size, st.st_mtime_ns, wkt, rows_cols)
    return data.copy(), extent


@functools.lru_cache(maxsize=4)
def _cached_read(path: str, size: int, mtime_ns: int, crs_wkt: str,
                 max_pixels: tuple[int, int]) -> tuple[np.ma.MaskedArray, tuple]:
    return _read_for_display(path, crs_wkt, max_pixels)


def _read_for_display(path: str, crs_wkt: str, max_pixels: tuple[int, int]
                      ) -> tuple[np.ma.MaskedArray, tuple[float, float, float, float]]:
    import rasterio
    from rasterio.enums import Resampling
    from rasterio.vrt import WarpedVRT

    try:
        src = rasterio.open(path)
    except rasterio.errors.RasterioIOError as exc:
        msg = f"{describe_source(path)}: cannot open the raster ({exc}); check the path"
        raise InputError(msg) from exc
    with src:
        if src.crs is None:
            msg = (f"{describe_source(path)} has no CRS; assign one "
                   "(e.g. gdal_edit.py -a_srs EPSG:4547)")
            raise CRSError(msg)
        crs = pyproj.CRS.from_wkt(crs_wkt)
        if pyproj.CRS.from_user_input(src.crs) == crs:
            transform, cols, rows = src.transform, src.width, src.height
        else:
            transform, cols, rows = _warped_grid(src, crs)
        f = max(1, math.ceil(max(rows / max_pixels[0], cols / max_pixels[1])))
        shape = (max(1, math.ceil(rows / f)), max(1, math.ceil(cols / f)))
        # GDAL's max resampling works in warps, not plain reads: a warped VRT on the coarse grid
        with WarpedVRT(src, crs=crs.to_wkt(), transform=transform @ Affine.scale(f),
                       width=shape[1], height=shape[0], resampling=Resampling.max) as vrt:
            data = vrt.read(1, masked=True)
            b = vrt.bounds
    data = np.ma.masked_invalid(data.astype("float32", copy=False))
    return data, (b.left, b.right, b.bottom, b.top)


def draw_depth(ax: Any, path: str | os.PathLike[str], crs: pyproj.CRS, *, dpi: float = 200,
               alpha: float = 1.0, zorder: float = 2) -> list[tuple[Any, str]]:
    """Draw a flood-depth raster in the four classes; depths below 0.15 m transparent.

    The read is decimated to about ``dpi`` pixels per inch of the axes. The
    classes are coloured here (an RGBA image: class
    :math:`i` where :math:`b_i \\le d < b_{i+1}` of :data:`DEPTH_CLASSES`), so
    the renderers only resample colours — the same pixels as a colour map
    with a ``BoundaryNorm``, without its per-render normalisation.
    Returns the legend items (one per class).
    """
    from matplotlib.colors import to_rgba_array

    from gistool.maps.elements import patch

    bbox = ax.get_position()
    fw, fh = ax.figure.get_size_inches()
    max_px = (max(1, int(bbox.height * fh * dpi)), max(1, int(bbox.width * fw * dpi)))
    data, extent = read_for_display(path, crs, max_pixels=max_px)
    colours = depth_colours()
    lut = np.zeros((len(colours) + 1, 4), dtype=np.uint8)  # row 0: transparent
    lut[1:] = np.round(to_rgba_array(colours, alpha=alpha) * 255).astype(np.uint8)
    cls = np.searchsorted(np.asarray(DEPTH_CLASSES), data.filled(-np.inf), side="right")
    cls[np.ma.getmaskarray(data)] = 0  # nodata, and depths below the first class
    ax.imshow(lut[cls], extent=extent, interpolation="nearest", origin="upper", zorder=zorder,
              resample=False)
    return [(patch(c, edge="none", alpha=alpha), lab)
            for c, lab in zip(colours, _DEPTH_LABELS, strict=True)]
