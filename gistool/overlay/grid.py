"""The raster grid: where cells are, independent of any cell values.

A :class:`RasterGrid` is the geometry of a north-up raster (affine transform,
shape, CRS). Coverages (:mod:`gistool.overlay.coverage`) are built on a grid and
reused for every raster of the same grid.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyproj
from affine import Affine

from gistool.errors import CRSError, InputError, describe_source


def _to_pyproj(crs: Any) -> pyproj.CRS | None:
    """Convert a rasterio/pyproj/EPSG/WKT CRS to :class:`pyproj.CRS` (``None`` stays)."""
    if crs is None:
        return None
    if isinstance(crs, pyproj.CRS):
        return crs
    if hasattr(crs, "to_wkt"):
        return pyproj.CRS.from_wkt(crs.to_wkt())
    return pyproj.CRS.from_user_input(crs)


@dataclass(frozen=True)
class RasterGrid:
    """The cells of a north-up raster: affine ``transform``, ``width``, ``height``, ``crs``.

    Cell ``(row, col)`` spans ``x0 + col·dx … x0 + (col+1)·dx`` and
    ``y0 − row·|dy| … y0 − (row+1)·|dy|``; its flat index is ``row·width + col``.

    Examples
    --------
    >>> from affine import Affine
    >>> g = RasterGrid(Affine(10, 0, 500_000, 0, -10, 3_800_000), width=4, height=3, crs=None)
    >>> g.bounds
    (500000.0, 3799970.0, 500040.0, 3800000.0)
    >>> g.cell_area
    100.0
    >>> g.window_for((500_011, 3_799_975, 500_019, 3_799_999))
    (0, 1, 3, 1)
    """

    transform: Affine
    width: int
    height: int
    crs: pyproj.CRS | None = None

    def __post_init__(self) -> None:
        t = self.transform
        if t.b != 0 or t.d != 0 or t.a <= 0 or t.e >= 0:
            msg = (
                f"raster transform {tuple(t)[:6]} is rotated or not north-up; "
                "warp it to a north-up grid first (e.g. gdalwarp)"
            )
            raise InputError(msg)
        if self.width <= 0 or self.height <= 0:
            msg = f"raster grid must have cells, got {self.width}×{self.height}"
            raise InputError(msg)
        object.__setattr__(self, "crs", _to_pyproj(self.crs))

    # -- constructors -----------------------------------------------------
    @classmethod
    def from_raster(cls, raster: str | Path | Any) -> RasterGrid:
        """The grid of a raster file or of an open rasterio dataset."""
        if isinstance(raster, str | Path):
            import rasterio

            try:
                with rasterio.open(raster) as ds:
                    return cls(ds.transform, ds.width, ds.height, ds.crs)
            except rasterio.errors.RasterioIOError as exc:
                msg = f"cannot open raster {describe_source(raster)}: {exc}; check the path"
                raise InputError(msg) from exc
        return cls(raster.transform, raster.width, raster.height, raster.crs)

    @classmethod
    def from_bounds(
        cls, bounds: tuple[float, float, float, float], res: float, crs: Any = None
    ) -> RasterGrid:
        """A grid of square ``res`` cells covering ``bounds`` (xmin, ymin, xmax, ymax)."""
        xmin, ymin, xmax, ymax = bounds
        width = max(1, math.ceil((xmax - xmin) / res))
        height = max(1, math.ceil((ymax - ymin) / res))
        return cls(Affine(res, 0, xmin, 0, -res, ymax), width, height, crs)

    # -- properties ---------------------------------------------------------
    @property
    def shape(self) -> tuple[int, int]:
        """``(height, width)``."""
        return self.height, self.width

    @property
    def size(self) -> int:
        """Number of cells."""
        return self.height * self.width

    @property
    def res(self) -> tuple[float, float]:
        """Cell size ``(dx, dy)`` in CRS units (both positive)."""
        return self.transform.a, -self.transform.e

    @property
    def cell_area(self) -> float:
        """Area of one cell in CRS units squared (m² in a projected CRS)."""
        return self.transform.a * -self.transform.e

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """``(xmin, ymin, xmax, ymax)`` of the whole grid."""
        t = self.transform
        return (t.c, t.f + t.e * self.height, t.c + t.a * self.width, t.f)

    # -- cell geometry ------------------------------------------------------
    def rowcol(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Row and column (int64, may be out of range) of the cells holding ``x, y``.

        A point on a shared cell edge belongs to the cell to its right / below,
        as rasterio's ``index`` decides; NaN coordinates give row and col −1.
        """
        t = self.transform
        fc = np.floor((np.asarray(x, dtype=np.float64) - t.c) / t.a)
        fr = np.floor((np.asarray(y, dtype=np.float64) - t.f) / t.e)
        bad = ~(np.isfinite(fc) & np.isfinite(fr))
        if bad.any():  # NaN / inf coordinates fall outside every grid
            fc = np.where(bad, -1.0, fc)
            fr = np.where(bad, -1.0, fr)
        return fr.astype(np.int64), fc.astype(np.int64)

    def cell_bounds(
        self, rows: np.ndarray, cols: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``xmin, ymin, xmax, ymax`` arrays of the cells ``(rows, cols)``."""
        t = self.transform
        rows = np.asarray(rows, dtype=np.float64)
        cols = np.asarray(cols, dtype=np.float64)
        xmin = t.c + cols * t.a
        ymax = t.f + rows * t.e
        return xmin, ymax + t.e, xmin + t.a, ymax

    def cell_centres(self, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``x, y`` arrays of the centres of cells ``(rows, cols)``."""
        t = self.transform
        return (
            t.c + (np.asarray(cols, dtype=np.float64) + 0.5) * t.a,
            t.f + (np.asarray(rows, dtype=np.float64) + 0.5) * t.e,
        )

    def window_for(
        self, bounds: tuple[float, float, float, float]
    ) -> tuple[int, int, int, int] | None:
        """Cells touching ``bounds``, clipped to the grid, as ``(row_off, col_off, height, width)``.

        Returns ``None`` when ``bounds`` do not overlap the grid.
        """
        xmin, ymin, xmax, ymax = bounds
        t = self.transform
        c0 = max(0, math.floor((xmin - t.c) / t.a))
        c1 = min(self.width, math.ceil((xmax - t.c) / t.a))
        r0 = max(0, math.floor((ymax - t.f) / t.e))
        r1 = min(self.height, math.ceil((ymin - t.f) / t.e))
        if c1 <= c0 or r1 <= r0:
            return None
        return r0, c0, r1 - r0, c1 - c0

    def overlaps(self, bounds: tuple[float, float, float, float]) -> bool:
        """Whether ``bounds`` overlap the grid's extent."""
        gx0, gy0, gx1, gy1 = self.bounds
        xmin, ymin, xmax, ymax = bounds
        return xmin < gx1 and xmax > gx0 and ymin < gy1 and ymax > gy0

    def key(self) -> tuple:
        """A hashable key identifying the grid (transform, shape, CRS)."""
        crs = self.crs.to_wkt() if self.crs is not None else None
        return (tuple(self.transform)[:6], self.width, self.height, crs)


def check_same_crs(a: Any, b: Any, what_a: str, what_b: str) -> None:
    """Refuse two layers whose CRSs differ or are missing, naming both and the fix.

    Raises
    ------
    CRSError
        If either CRS is missing or they are not equal.
    """
    ca, cb = _to_pyproj(a), _to_pyproj(b)
    if ca is None or cb is None:
        missing = what_a if ca is None else what_b
        msg = (
            f"{missing} has no CRS; set the one it is in with .set_crs(...) "
            "(gistool never guesses a CRS)"
        )
        raise CRSError(msg)
    if ca != cb:
        name_a = ca.to_string()
        name_b = cb.to_string()
        msg = (
            f"CRS mismatch: {what_a} is in {name_a} but {what_b} is in {name_b}; "
            f"reproject with .to_crs({name_b!r}) (or warp the raster) first"
        )
        raise CRSError(msg)
