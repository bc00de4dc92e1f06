"""Uniform, window-by-window access to a raster given as a path, dataset or array."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from gistool.errors import InputError, describe_source
from gistool.overlay.grid import RasterGrid

#: Largest number of cells read into memory at once; larger rasters are read in
#: blocks of whole rows (a float32 block of this size is 128 MiB).
BLOCK_CELLS = 1 << 25

RasterLike = Any  # str | Path | rasterio DatasetReader | (array, RasterGrid[, nodata])


class RasterSource:
    """A single band of a raster, read as row blocks.

    Parameters
    ----------
    grid
        The raster's grid.
    nodata
        The nodata value (``None`` for none); NaN and ±inf are always treated as nodata.
    name
        How to name the raster in messages.
    """

    def __init__(
        self,
        grid: RasterGrid,
        nodata: float | None,
        name: str,
        *,
        array: np.ndarray | None = None,
        dataset: Any = None,
        band: int = 1,
    ) -> None:
        self.grid = grid
        self.nodata = nodata
        self.name = name
        self._array = array
        self._dataset = dataset
        self._band = band
        self.dtype = np.dtype(array.dtype if array is not None else dataset.dtypes[band - 1])

    def read_rows(self, row0: int, row1: int, out: np.ndarray | None = None) -> np.ndarray:
        """Rows ``row0 … row1 − 1`` of the band as a C-contiguous 2-D array."""
        if self._array is not None:
            return np.ascontiguousarray(self._array[row0:row1])
        from rasterio.windows import Window

        window = Window(0, row0, self.grid.width, row1 - row0)
        if out is not None:
            return self._dataset.read(self._band, window=window, out=out)
        return self._dataset.read(self._band, window=window)

    @property
    def in_memory(self) -> bool:
        """Whether the band is an array already in memory."""
        return self._array is not None

    @property
    def tile_shape(self) -> tuple[int, int] | None:
        """Storage tile (block) shape ``(rows, cols)`` of a file band; ``None`` in memory."""
        if self._dataset is None:
            return None
        rows, cols = self._dataset.block_shapes[self._band - 1]
        return int(rows), int(cols)

    def read_into(self, row0: int, col0: int, out: np.ndarray) -> None:
        """Read the window of ``out``'s shape at ``(row0, col0)`` of a file band into ``out``."""
        from rasterio.windows import Window

        height, width = out.shape
        self._dataset.read(self._band, window=Window(col0, row0, width, height), out=out)

    def read_window(self, row0: int, col0: int, height: int, width: int) -> np.ndarray:
        """A rectangular window of the band."""
        if self._array is not None:
            return self._array[row0 : row0 + height, col0 : col0 + width]
        from rasterio.windows import Window

        return self._dataset.read(self._band, window=Window(col0, row0, width, height))

    def row_blocks(self, block_cells: int | None = None) -> Iterator[tuple[int, int]]:
        """``(row0, row1)`` of successive blocks of at most ``block_cells`` cells."""
        limit = BLOCK_CELLS if block_cells is None else block_cells
        rows = max(1, limit // self.grid.width)
        for row0 in range(0, self.grid.height, rows):
            yield row0, min(self.grid.height, row0 + rows)

    def invalid(self, values: np.ndarray) -> np.ndarray:
        """Boolean mask of nodata (and NaN, ±inf) values."""
        bad = np.zeros(values.shape, dtype=bool)
        if self.nodata is not None and not np.isnan(self.nodata):
            bad |= values == self.nodata
        if values.dtype.kind == "f":
            bad |= ~np.isfinite(values)
        return bad


@contextmanager
def open_raster(raster: RasterLike, *, band: int = 1) -> Iterator[RasterSource]:
    """Open ``raster`` (path, rasterio dataset, or ``(array, grid[, nodata])``) as a source.

    Raises
    ------
    InputError
        If the raster cannot be opened, lacks the band, or the array does not fit the grid.
    """
    if isinstance(raster, tuple):
        if len(raster) not in (2, 3):
            msg = "give an in-memory raster as (array, RasterGrid) or (array, RasterGrid, nodata)"
            raise InputError(msg)
        array, grid = raster[0], raster[1]
        nodata = raster[2] if len(raster) == 3 else None
        array = np.asarray(array)
        if array.ndim == 3:
            array = array[band - 1]
        if array.shape != grid.shape:
            msg = (
                f"in-memory raster has shape {array.shape} but its grid is {grid.shape}; "
                "give the RasterGrid of that array"
            )
            raise InputError(msg)
        yield RasterSource(grid, nodata, "in-memory raster", array=array)
        return
    if isinstance(raster, str | Path):
        import rasterio

        try:
            # GDAL decodes compressed tiles on every core
            ds = rasterio.open(raster, num_threads="all_cpus")
        except rasterio.errors.RasterioIOError as exc:
            msg = f"cannot open raster {describe_source(raster)}: {exc}; check the path"
            raise InputError(msg) from exc
        try:
            yield _from_dataset(ds, band, describe_source(raster))
        finally:
            ds.close()
        return
    if hasattr(raster, "read") and hasattr(raster, "transform"):
        yield _from_dataset(raster, band, describe_source(getattr(raster, "name", None)))
        return
    msg = (
        f"cannot use {type(raster).__name__} as a raster; give a path, an open rasterio "
        "dataset or (array, RasterGrid[, nodata])"
    )
    raise InputError(msg)


def _from_dataset(ds: Any, band: int, name: str) -> RasterSource:
    if not 1 <= band <= ds.count:
        msg = f"raster {name} has {ds.count} band(s), band {band} was asked for; pick 1…{ds.count}"
        raise InputError(msg)
    grid = RasterGrid(ds.transform, ds.width, ds.height, ds.crs)
    return RasterSource(grid, ds.nodatavals[band - 1], name, dataset=ds, band=band)


class BlockReader:
    """Reads row blocks of file bands into one reused buffer, only the windows asked for.

    A fresh buffer of a whole block costs page faults on every read (~15 % of
    decoding a 46 MB band); this one is kept for the reader's lifetime (one
    zonal call over several rasters). Cells outside the windows read are
    zero, never left over from an earlier raster: the reductions pass over
    them between runs and must not meet overflowing or invalid values there.
    """

    def __init__(self) -> None:
        self._buf: np.ndarray | None = None
        self._windows: object = None

    def read(
        self, src: RasterSource, row0: int, row1: int,
        windows: list[tuple[int, int, int, int]] | None,
    ) -> np.ndarray:
        """Rows ``row0 … row1 − 1`` of ``src`` (2-D); ``windows`` (block-local
        ``(r0, r1, c0, c1)``) limit what is read from a file, ``None`` reads all."""
        if src.in_memory:
            return src.read_rows(row0, row1)
        shape = (row1 - row0, src.grid.width)
        buf = self._buf
        if buf is None or buf.dtype != src.dtype or buf.size < shape[0] * shape[1]:
            buf = self._buf = np.zeros(shape[0] * shape[1], dtype=src.dtype)
            self._windows = None if windows is not None else "all"
        block = buf[: shape[0] * shape[1]].reshape(shape)
        if windows is None:
            self._windows = "all"
            return src.read_rows(row0, row1, out=block)
        key = (row0, row1, shape[1], src.dtype.str, tuple(windows))
        if self._windows != key:
            if self._windows is not None:  # stale values outside the new windows
                block.fill(0)
            self._windows = key
        for r0, r1, c0, c1 in windows:
            src.read_into(row0 + r0, c0, block[r0:r1, c0:c1])
        return block
