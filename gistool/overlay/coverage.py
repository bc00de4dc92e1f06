"""Coverage: a unit layer rasterised once onto a grid, reused for every raster.

For every unit, the coverage lists the grid cells it covers and the fraction of
each cell's area inside the unit:

- ``method="exact"`` — the exact fraction of the cell inside the polygon (as
  exactextract computes it; the fractions come from exactextract's C++
  coverage engine, evaluated once per unit layer and grid);
- ``method="centre"`` — weight 1 for cells whose centre is inside the polygon
  (GDAL's rasteriser, the rule rasterstats uses by default).

Storage is compact and ordered for block-wise reading: cells fully covered by a
unit are kept as *runs* (flat start, exclusive end, unit) of consecutive cells
within one row, sorted by start; partially covered cells are kept as a sparse
list (flat cell, unit, fraction) sorted by unit, then cell. Overlapping units simply have
overlapping runs, so a cell may belong to several units.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import numpy as np
import shapely
from affine import Affine

from gistool.errors import GeometryError, InputError
from gistool.overlay.grid import RasterGrid, check_same_crs

Method = Literal["exact", "centre"]

#: Number of coverages kept by the least-recently-used cache.
CACHE_SIZE = 8
#: Units handed to exactextract at once (bounds the memory of its cell lists).
_EXACT_CHUNK = 64

_cache: OrderedDict[tuple, Coverage] = OrderedDict()
#: Object ids of a layer's geometries → (the geometries, their content key).
_key_memo: OrderedDict[bytes, tuple[np.ndarray, str]] = OrderedDict()
_key_lock = threading.Lock()


@dataclass(frozen=True, eq=False)
class Coverage:
    """Cells covered by each unit of a layer, with coverage fractions, on one grid.

    Attributes
    ----------
    grid
        The grid the coverage is defined on.
    n_units
        Number of units (rows of the unit layer), in layer order.
    method
        ``"exact"`` or ``"centre"``.
    run_start, run_end, run_unit
        Runs of fully covered cells: flat cell indices ``run_start … run_end − 1``
        (within one grid row) belong to unit ``run_unit`` with fraction 1;
        sorted by ``run_start``.
    cell, cell_unit, cell_weight
        Partially covered cells: flat cell index, unit, fraction in (0, 1);
        sorted by unit, then cell.
    """

    grid: RasterGrid
    n_units: int
    method: str
    run_start: np.ndarray
    run_end: np.ndarray
    run_unit: np.ndarray
    cell: np.ndarray
    cell_unit: np.ndarray
    cell_weight: np.ndarray

    @property
    def nbytes(self) -> int:
        """Memory held by the coverage arrays, in bytes."""
        arrays = (self.run_start, self.run_end, self.run_unit, self.cell)
        return sum(a.nbytes for a in (*arrays, self.cell_unit, self.cell_weight))

    def unit_weight(self) -> np.ndarray:
        """Σ coverage fractions per unit (cells of the unit on the grid, nodata included)."""
        full = np.bincount(
            self.run_unit, weights=self.run_end - self.run_start, minlength=self.n_units
        )
        part = np.bincount(self.cell_unit, weights=self.cell_weight, minlength=self.n_units)
        return full + part

    def cells_of(self, unit: int) -> tuple[np.ndarray, np.ndarray]:
        """Flat cell indices (sorted) and coverage fractions of one unit."""
        sel = self.run_unit == unit
        starts, ends = self.run_start[sel], self.run_end[sel]
        full = _concat_ranges(starts, ends)
        psel = self.cell_unit == unit
        cells = np.concatenate([full, self.cell[psel]])
        weights = np.concatenate([np.ones(full.size), self.cell_weight[psel]])
        order = np.argsort(cells, kind="stable")
        return cells[order], weights[order]

    def block(
        self, row0: int, row1: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Runs and partial cells of rows ``row0 … row1 − 1``, in block-local flat indices."""
        w = self.grid.width
        lo, hi = row0 * w, row1 * w
        r0, r1 = np.searchsorted(self.run_start, [lo, hi])
        if row0 == 0 and row1 >= self.grid.height:
            cells, units, weights = self.cell, self.cell_unit, self.cell_weight
        else:
            sel = (self.cell >= lo) & (self.cell < hi)
            cells, units, weights = self.cell[sel], self.cell_unit[sel], self.cell_weight[sel]
        return (
            self.run_start[r0:r1] - lo,
            self.run_end[r0:r1] - lo,
            self.run_unit[r0:r1],
            cells - lo,
            units,
            weights,
        )


def _concat_ranges(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """``concatenate([arange(s, e) for s, e in zip(starts, ends)])``, vectorised."""
    lengths = ends - starts
    total = int(lengths.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64)
    offsets = np.repeat(starts - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
    return np.arange(total, dtype=np.int64) + offsets


def _runs_from_cells(
    cells: np.ndarray, units: np.ndarray, width: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Group cells (sorted within each unit) into runs of consecutive cells in one row."""
    if cells.size == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty.copy(), np.empty(0, dtype=np.int32)
    brk = np.ones(cells.size, dtype=bool)
    brk[1:] = (cells[1:] != cells[:-1] + 1) | (units[1:] != units[:-1]) | (cells[1:] % width == 0)
    first = np.flatnonzero(brk)
    last = np.concatenate([first[1:], [cells.size]]) - 1
    return cells[first], cells[last] + 1, units[first].astype(np.int32)


def _sorted_coverage(
    grid: RasterGrid,
    n_units: int,
    method: str,
    runs: tuple[np.ndarray, np.ndarray, np.ndarray],
    part: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> Coverage:
    start, end, unit = runs
    order = np.lexsort((unit, start))
    cell, cunit, cweight = part
    corder = np.lexsort((cell, cunit))
    return Coverage(
        grid=grid,
        n_units=n_units,
        method=method,
        run_start=start[order].astype(np.int64),
        run_end=end[order].astype(np.int64),
        run_unit=unit[order].astype(np.int32),
        cell=cell[corder].astype(np.int64),
        cell_unit=cunit[corder].astype(np.int32),
        cell_weight=cweight[corder].astype(np.float64),
    )


def _exact(geoms: np.ndarray, grid: RasterGrid) -> Coverage:
    """Exact coverage fractions from exactextract, compressed into runs + partial cells."""
    from exactextract import exact_extract
    from exactextract.raster import NumPyRasterSource

    xmin, ymin, xmax, ymax = grid.bounds
    # exactextract only needs the grid: a zero-size broadcast view stands in for values
    dummy = np.broadcast_to(np.float32(0), grid.shape)
    wkt = grid.crs.to_wkt() if grid.crs is not None else None
    src = NumPyRasterSource(dummy, xmin, ymin, xmax, ymax, srs_wkt=wkt)
    todo = np.flatnonzero(~shapely.is_empty(geoms) & ~shapely.is_missing(geoms))
    run_parts, cell_parts = [], []
    for lo in range(0, todo.size, _EXACT_CHUNK):
        ids = todo[lo : lo + _EXACT_CHUNK]
        frame = gpd.GeoDataFrame({"_u": ids}, geometry=geoms[ids], crs=grid.crs)
        out = exact_extract(src, frame, ["cell_id", "coverage"], include_cols=["_u"],
                            output="pandas")
        sizes = np.fromiter((c.size for c in out["cell_id"]), dtype=np.int64, count=len(out))
        if sizes.sum() == 0:
            continue
        cells = np.concatenate(list(out["cell_id"])).astype(np.int64)
        fracs = np.concatenate(list(out["coverage"])).astype(np.float64)
        units = np.repeat(out["_u"].to_numpy(np.int32), sizes)
        full = fracs >= 1.0
        run_parts.append(_runs_from_cells(cells[full], units[full], grid.width))
        partial = ~full & (fracs > 0.0)
        cell_parts.append((cells[partial], units[partial], fracs[partial]))
    return _sorted_coverage(grid, len(geoms), "exact", _stack(run_parts, 3), _stack(cell_parts, 3))


def _stack(parts: list[tuple[np.ndarray, ...]], n: int) -> tuple[np.ndarray, ...]:
    if not parts:
        return (np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int32))[:n]
    return tuple(np.concatenate([p[i] for p in parts]) for i in range(n))


def _overlapping(geoms: np.ndarray, todo: np.ndarray, grid: RasterGrid) -> np.ndarray:
    """Positions (among ``todo``) of units sharing a cell centre with another unit.

    Candidates are pairs whose interiors meet (DE-9IM ``T********``); real layers
    often have slivers of 1e-7 m² between neighbours, so a pair only counts if
    a cell centre lies in (or on the edge of) the intersection.
    """
    from rasterio import features

    g = geoms[todo]
    i, j = shapely.STRtree(g).query(g, predicate="intersects")
    pair = i < j
    i, j = i[pair], j[pair]
    inner = shapely.relate_pattern(g[i], g[j], "T********")
    i, j = i[inner], j[inner]
    if i.size == 0:
        return np.empty(0, dtype=np.int64)
    slivers = shapely.intersection(g[i], g[j])
    t = grid.transform
    shared = np.zeros(i.size, dtype=bool)
    for k, sliver in enumerate(slivers):  # loops over overlapping pairs only
        win = grid.window_for(shapely.bounds(sliver))
        if win is None or shapely.is_empty(sliver):
            continue
        r0, c0, h, ww = win
        touched = features.rasterize(
            [(sliver, 1)], out_shape=(h, ww), transform=t @ Affine.translation(c0, r0),
            fill=0, dtype="uint8", all_touched=True,
        )
        rr, cc = np.nonzero(touched)
        xs, ys = grid.cell_centres(rr + r0, cc + c0)
        shared[k] = shapely.intersects_xy(sliver, xs, ys).any()
    return np.unique(np.concatenate([i[shared], j[shared]]))


def _centre(geoms: np.ndarray, grid: RasterGrid, block_cells: int | None) -> Coverage:
    """Cell-centre coverage from GDAL's rasteriser (``all_touched=False``).

    Units that share no cell centre with another unit are burnt at once as
    labels, row block by row block (a cell centre on a shared edge goes to one
    side only); each unit whose overlap with another holds a cell centre is
    rasterised alone on its window.
    """
    from rasterio import features

    from gistool.overlay._raster import BLOCK_CELLS

    todo = np.flatnonzero(~shapely.is_empty(geoms) & ~shapely.is_missing(geoms))
    alone = np.zeros(todo.size, dtype=bool)
    if todo.size:
        alone[:] = True
        alone[_overlapping(geoms, todo, grid)] = False
    w = grid.width
    t = grid.transform
    run_parts = []
    together = todo[alone]
    rows_per_block = max(1, (BLOCK_CELLS if block_cells is None else block_cells) // w)
    gx0, _, gx1, gy1 = grid.bounds
    dy = grid.res[1]
    for row0 in range(0, grid.height if together.size else 0, rows_per_block):
        row1 = min(grid.height, row0 + rows_per_block)
        block_box = shapely.box(gx0, gy1 - row1 * dy, gx1, gy1 - row0 * dy)
        here = together[shapely.intersects(geoms[together], block_box)]
        if here.size == 0:
            continue
        labels = features.rasterize(
            zip(geoms[here], (here + 1).tolist(), strict=True), out_shape=(row1 - row0, w),
            transform=t @ Affine.translation(0, row0), fill=0, dtype="int32",
        ).reshape(-1)
        local = np.flatnonzero(labels)
        # cells ascend, so consecutive cells of one unit in one row form the runs
        run_parts.append(_runs_from_cells(local + row0 * w, labels[local] - 1, w))
    for i in todo[~alone]:
        win = grid.window_for(shapely.bounds(geoms[i]))
        if win is None:
            continue
        r0, c0, h, ww = win
        mask = features.rasterize(
            [(geoms[i], 1)], out_shape=(h, ww),
            transform=t @ Affine.translation(c0, r0), fill=0, dtype="uint8",
        )
        rr, cc = np.nonzero(mask)
        cells = (rr + r0).astype(np.int64) * w + cc + c0
        run_parts.append(_runs_from_cells(cells, np.full(cells.size, i, dtype=np.int32), w))
    empty = (np.empty(0, np.int64), np.empty(0, np.int32), np.empty(0, np.float64))
    return _sorted_coverage(grid, len(geoms), "centre", _stack(run_parts, 3), empty)


def _geometry_key(geoms: np.ndarray) -> str:
    """A content hash of the geometries (WKB), memoised by the identity of the objects.

    Shapely geometries are immutable and the memo holds the objects it saw, so
    an object id found in it cannot have been reused by another geometry: the
    same ids in the same order mean the same geometries. A layer passed again
    (every raster of a session) then costs a list of ids, not a WKB hash.
    """
    ids = np.fromiter(map(id, geoms), dtype=np.int64, count=len(geoms)).tobytes()
    with _key_lock:
        hit = _key_memo.get(ids)
        if hit is not None:
            _key_memo.move_to_end(ids)
            return hit[1]
    key = _wkb_key(geoms)
    with _key_lock:
        _key_memo[ids] = (geoms.copy(), key)
        while len(_key_memo) > CACHE_SIZE:
            _key_memo.popitem(last=False)
    return key


def _wkb_key(geoms: np.ndarray) -> str:
    wkbs = shapely.to_wkb(geoms, hex=False)
    sizes = np.fromiter((0 if w is None else len(w) for w in wkbs), dtype=np.int64,
                        count=len(wkbs))
    h = hashlib.blake2b(sizes.tobytes(), digest_size=16)
    h.update(b"".join(w for w in wkbs if w is not None))
    return h.hexdigest()


def coverage(
    units: gpd.GeoDataFrame | gpd.GeoSeries,
    grid: RasterGrid,
    *,
    method: Method = "exact",
    cache: bool = True,
    block_cells: int | None = None,
) -> Coverage:
    """Rasterise a unit layer onto ``grid`` once, for reuse with every raster of that grid.

    Parameters
    ----------
    units
        Polygon layer (holes, multipolygons, overlaps and parts outside the grid
        are handled); must be in the grid's CRS.
    grid
        Target grid, e.g. ``RasterGrid.from_raster(path)``.
    method
        ``"exact"``: weight = area(cell ∩ unit) / area(cell), as exactextract;
        ``"centre"``: weight 1 for cells whose centre is inside the unit, as rasterstats.
    cache
        Keep the result in a small LRU cache keyed by (geometry hash, grid, method).
    block_cells
        Cells rasterised at once by the centre method (bounds memory on huge grids).

    Returns
    -------
    Coverage

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> from affine import Affine
    >>> grid = RasterGrid(Affine(1, 0, 0, 0, -1, 4), 4, 4, "EPSG:4547")
    >>> sq = gpd.GeoSeries([shapely.box(0.2, 0.2, 2.7, 2.7)], crs="EPSG:4547")
    >>> float(coverage(sq, grid).unit_weight()[0])  # 2.5 × 2.5 m² in 1 m² cells
    6.25
    >>> float(coverage(sq, grid, method="centre").unit_weight()[0])  # 3 × 3 centres inside
    9.0
    """
    if method not in ("exact", "centre"):
        msg = f"coverage method must be 'exact' or 'centre', not {method!r}"
        raise InputError(msg)
    geo = units.geometry if isinstance(units, gpd.GeoDataFrame) else units
    check_same_crs(geo.crs, grid.crs, "the unit layer", "the raster")
    geoms = np.asarray(geo.values, dtype=object)
    types = shapely.get_type_id(geoms)
    bad = ~np.isin(types, (-1, 3, 6)) & ~shapely.is_empty(geoms)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        msg = (
            f"units must be polygons, but row {geo.index[first]!r} is a "
            f"{shapely.get_type_id(geoms[first])!r}-type geometry "
            f"({geoms[first].geom_type}); buffer or drop it"
        )
        raise GeometryError(msg)
    key = (_geometry_key(geoms), grid.key(), method) if cache else None
    if key is not None and key in _cache:
        _cache.move_to_end(key)
        return _cache[key]
    cov = _exact(geoms, grid) if method == "exact" else _centre(geoms, grid, block_cells)
    if key is not None:
        _cache[key] = cov
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return cov


def clear_cache() -> None:
    """Forget every cached coverage."""
    _cache.clear()
    with _key_lock:
        _key_memo.clear()
