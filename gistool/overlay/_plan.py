"""Reduction plans: a coverage laid out once for the raster passes that reuse it.

Every raster evaluated over a cached :class:`~gistool.overlay.coverage.Coverage`
needs the same index work: which full-cell runs fall in which cache-sized chunk
of rows, where each run's segment lies in a ``ufunc.reduceat`` call, how runs
and partial cells group by unit. A :class:`BlockPlan` holds that work for one
row block. Plans are cached per coverage object (weakly: they go when the
coverage goes), so a raster pass is only the reductions themselves.

Segments. ``reduceat(chunk, idx)`` reduces ``chunk[idx[i]:idx[i+1]]`` for every
``i``, so the cells between two runs cost a segment too. When the runs of a
chunk do not overlap, ``idx`` holds each distinct run boundary once: two runs
that touch (a 500 m grid cell next to the next one, with no partial cell in
between) share a boundary and no empty gap segment is reduced between them.
Overlapping runs (overlapping units) get a start and an end each.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from gistool.overlay.coverage import Coverage


@dataclass(frozen=True, eq=False)
class Chunk:
    """Runs ``k0 … k1 − 1`` of a block, all inside its cells ``lo … hi − 1``.

    ``idx`` are the chunk-local ``reduceat`` indices and ``sel`` the position
    of each run's segment in the ``reduceat`` output.
    """

    lo: int
    hi: int
    k0: int
    k1: int
    idx: np.ndarray
    sel: np.ndarray


@dataclass(frozen=True, eq=False)
class BlockPlan:
    """A coverage's runs and partial cells in rows ``row0 … row1 − 1``, ready to reduce.

    Attributes
    ----------
    n_cells
        Cells in the block.
    run_unit, run_length
        Unit and length (float64) of each full-cell run, runs sorted by start.
    run_start, run_end
        Block-local flat bounds of each run.
    chunks
        The runs split into chunks of whole rows (see :class:`Chunk`).
    cell, cell_unit, cell_weight
        Partially covered cells (block-local), grouped by unit.
    cell_seg, cell_units
        Start of each unit's group among the partial cells, and its unit.
    run_order, run_seg, run_units
        The runs sorted by unit (stable), the start of each unit's group in
        that order, and its unit: per-unit minima and maxima of run results
        are one ``reduceat`` each.
    """

    n_cells: int
    run_start: np.ndarray
    run_end: np.ndarray
    run_unit: np.ndarray
    run_length: np.ndarray
    chunks: tuple[Chunk, ...]
    cell: np.ndarray
    cell_unit: np.ndarray
    cell_weight: np.ndarray
    cell_seg: np.ndarray
    cell_units: np.ndarray
    run_order: np.ndarray
    run_seg: np.ndarray
    run_units: np.ndarray

    @property
    def empty(self) -> bool:
        """Whether the block holds no covered cell."""
        return self.run_unit.size == 0 and self.cell.size == 0


_lock = threading.Lock()
_plans: weakref.WeakKeyDictionary[Coverage, dict[tuple, Any]] = weakref.WeakKeyDictionary()
T = TypeVar("T")


def _cached(cov: Coverage, key: tuple, build: Callable[[], T]) -> T:
    with _lock:
        memo = _plans.setdefault(cov, {})
        if key in memo:
            return memo[key]
    value = build()
    with _lock:
        return _plans[cov].setdefault(key, value)


def unit_weight(cov: Coverage) -> np.ndarray:
    """:meth:`Coverage.unit_weight`, computed once per coverage (read-only)."""

    def build() -> np.ndarray:
        w = cov.unit_weight()
        w.flags.writeable = False
        return w

    return _cached(cov, ("unit_weight",), build)


def block_plan(cov: Coverage, row0: int, row1: int, chunk_cells: int) -> BlockPlan:
    """The :class:`BlockPlan` of rows ``row0 … row1 − 1`` (cached per coverage).

    Parameters
    ----------
    cov
        The coverage.
    row0, row1
        The row block.
    chunk_cells
        Cells per chunk (whole rows, at least one row): small enough for the
        CPU cache, so the several reductions of a chunk read it from cache.
    """
    return _cached(cov, ("block", row0, row1, chunk_cells),
                   lambda: _build(cov, row0, row1, chunk_cells))


def _build(cov: Coverage, row0: int, row1: int, chunk_cells: int) -> BlockPlan:
    s, e, u, c, cu, cw = cov.block(row0, row1)
    width = cov.grid.width
    n = (row1 - row0) * width
    rows = max(1, chunk_cells // width)
    step = rows * width
    firsts = np.searchsorted(s, np.arange(0, n + step, step))
    chunks = []
    for lo, k0, k1 in zip(range(0, n, step), firsts[:-1], firsts[1:], strict=False):
        if k1 > k0:
            chunks.append(_chunk(s[k0:k1] - lo, e[k0:k1] - lo, lo, min(n, lo + step + 1),
                                 int(k0), int(k1)))
    order = np.argsort(u, kind="stable")
    run_seg = _group_starts(u[order])
    seg = _group_starts(cu)
    return BlockPlan(
        n_cells=n, run_start=s, run_end=e, run_unit=u,
        run_length=(e - s).astype(np.float64), chunks=tuple(chunks),
        cell=c, cell_unit=cu, cell_weight=cw, cell_seg=seg, cell_units=cu[seg],
        run_order=order, run_seg=run_seg, run_units=u[order][run_seg],
    )


def _group_starts(sorted_units: np.ndarray) -> np.ndarray:
    """Positions where a new unit starts in a unit-grouped array."""
    if sorted_units.size == 0:
        return np.empty(0, dtype=np.intp)
    return np.flatnonzero(np.concatenate([[True], sorted_units[1:] != sorted_units[:-1]]))


def _chunk(s: np.ndarray, e: np.ndarray, lo: int, hi: int, k0: int, k1: int) -> Chunk:
    if s.size == 1 or bool(np.all(s[1:] >= e[:-1])):  # disjoint runs: shared boundaries
        idx = np.unique(np.concatenate([s, e]))
        sel = np.searchsorted(idx, s)
    else:
        idx = np.empty(2 * s.size, dtype=np.intp)
        idx[0::2] = s
        idx[1::2] = e
        sel = np.arange(0, idx.size, 2)
    # reduceat wants indices < len(chunk): a run ending at the block's last cell
    # is then the last segment, which runs to the end of the chunk anyway
    if idx[-1] == hi - lo:
        idx = idx[:-1]
    return Chunk(lo=lo, hi=hi, k0=k0, k1=k1, idx=idx.astype(np.intp), sel=sel)


def covered_tiles(cov: Coverage, row0: int, row1: int, chunk_cells: int,
                  tile: tuple[int, int]) -> np.ndarray:
    """Which storage tiles of rows ``row0 … row1 − 1`` hold a cell of the coverage (cached).

    Parameters
    ----------
    cov
        The coverage.
    row0, row1
        The row block.
    chunk_cells
        As for :func:`block_plan`.
    tile
        The raster's tile (block) shape ``(rows, cols)``.

    Returns
    -------
    numpy.ndarray
        Boolean, one row per tile row meeting the block (the first is the one
        holding ``row0``), one column per tile column.
    """

    def build() -> np.ndarray:
        plan = block_plan(cov, row0, row1, chunk_cells)
        width = cov.grid.width
        th, tw = tile
        first = row0 // th
        need = np.zeros(((row1 - 1) // th - first + 1, -(-width // tw) + 1), dtype=np.int64)
        s, e = plan.run_start, plan.run_end
        tr = (row0 + s // width) // th - first
        np.add.at(need, (tr, (s % width) // tw), 1)
        np.add.at(need, (tr, ((e - 1) % width) // tw + 1), -1)
        out = np.cumsum(need, axis=1)[:, :-1] > 0
        c = plan.cell
        out[(row0 + c // width) // th - first, (c % width) // tw] = True
        out.flags.writeable = False
        return out

    return _cached(cov, ("tiles", row0, row1, chunk_cells, tuple(tile)), build)


def tile_windows(need: np.ndarray, row0: int, row1: int, width: int,
                 tile: tuple[int, int]) -> list[tuple[int, int, int, int]] | None:
    """Windows ``(r0, r1, c0, c1)`` (block-local rows) reading the tiles marked in ``need``.

    Consecutive tiles of a tile row are one window, and the same window in
    consecutive tile rows is one window (a striped file's needed strips are a
    few reads, not one per strip); ``None`` means every tile is needed (one
    read of the whole block).

    Examples
    --------
    >>> need = np.array([[True, True, False], [True, True, False], [False, False, True]])
    >>> tile_windows(need, 0, 30, 25, (10, 10))
    [(0, 20, 0, 20), (20, 30, 20, 25)]
    """
    if need.all():
        return None
    th, tw = tile
    first = row0 // th
    edges = np.diff(np.pad(need.astype(np.int8), ((0, 0), (1, 1))), axis=1)
    rows, c0 = np.nonzero(edges == 1)
    _, c1 = np.nonzero(edges == -1)  # row-major, so paired with the starts
    order = np.lexsort((rows, c1, c0))
    rows, c0, c1 = rows[order], c0[order], c1[order]
    new = np.ones(rows.size, dtype=bool)
    new[1:] = (c0[1:] != c0[:-1]) | (c1[1:] != c1[:-1]) | (rows[1:] != rows[:-1] + 1)
    starts = np.flatnonzero(new)
    ends = np.append(starts[1:], rows.size) - 1
    windows = [
        (max(row0, (first + int(rows[a])) * th) - row0,
         min(row1, (first + int(rows[b]) + 1) * th) - row0,
         int(c0[a]) * tw, min(width, int(c1[a]) * tw))
        for a, b in zip(starts, ends, strict=True)
    ]
    return sorted(windows)
