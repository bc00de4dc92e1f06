"""Zonal statistics of rasters over unit polygons, on a cached coverage.

One pass per raster block: fully covered cells are reduced run by run with
``numpy.ufunc.reduceat`` straight on the raster buffer (no gather, no copy),
chunk by cache-sized chunk, one call per statistic over index plans cached
with the coverage (:mod:`gistool.overlay._plan`); partially covered cells are
gathered and reduced unit by unit; runs that contain nodata are recomputed
from their gathered cells. Only what is asked for is computed (min and max
cost two of the passes). From a file, only the storage tiles holding covered
cells are decoded. Run sums of float32 rasters are accumulated (pairwise) in
float32 within each row run, then in float64: relative error ≲ 1e-7, the
precision of the data themselves.

With ``w`` the coverage fraction of a cell in the unit and ``v`` its value,
over the unit's valid (not nodata, not NaN) cells:

- ``count`` = Σ w  (exactextract's ``count``; under ``coverage="centre"`` the
  number of valid cells whose centre is inside, as rasterstats' ``count``);
- ``sum`` = Σ w·v;  ``mean`` = sum / count;
- ``min``, ``max`` over valid cells with w > 0;
- ``area`` = Σ w · cell area over all cells of the unit on the grid (m²);
- ``nodata_fraction`` = 1 − count / Σ w (share of the covered area that is nodata);
- ``frac_ge_<t>`` = Σ w·[v ≥ t] / count, the share of the unit's valid area
  with value ≥ t;
- ``hist_<i>`` = Σ w·[lo_i ≤ v < hi_i] / count for ``classes=[(lo, hi), ...]``.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from gistool.errors import InputError
from gistool.overlay._plan import BlockPlan, block_plan, covered_tiles, tile_windows, unit_weight
from gistool.overlay._raster import BlockReader, RasterLike, RasterSource, open_raster
from gistool.overlay.coverage import Coverage, Method, _concat_ranges
from gistool.overlay.coverage import coverage as build_coverage
from gistool.overlay.grid import check_same_crs

DEFAULT_STATS = ("count", "sum", "mean", "min", "max")
KNOWN_STATS = ("count", "sum", "mean", "min", "max", "area", "nodata_fraction")
#: Cells reduced at once inside a block: whole rows that stay in the CPU's L2/L3 cache
#: between the reductions of one chunk (2 MiB of float32; 1 MiB chunks measured ~4 % slower).
CHUNK_CELLS = 1 << 19


def threshold_column(t: float) -> str:
    """Column name of the fraction at or above threshold ``t`` (e.g. ``frac_ge_0.15``)."""
    return f"frac_ge_{t:g}"


_scratch = threading.local()


def _scratch_buffer(size: int, dtype: type) -> np.ndarray:
    """A reusable per-thread work buffer (fresh 40 MB allocations cost page faults)."""
    key = np.dtype(dtype).str
    buffers = getattr(_scratch, "buffers", None)
    if buffers is None:
        buffers = _scratch.buffers = {}
    buf = buffers.get(key)
    if buf is None or buf.size < size:
        buf = buffers[key] = np.empty(size, dtype=dtype)
    return buf[:size]


class _Accumulator:
    """Per-unit partial results combined across raster blocks.

    ``need_extremes`` is False when neither ``min`` nor ``max`` was asked for:
    their two passes over the raster are then skipped.
    """

    def __init__(self, n: int, thresholds: np.ndarray, *, need_extremes: bool = True) -> None:
        self.count = np.zeros(n)
        self.sum = np.zeros(n)
        self.min = np.full(n, np.inf)
        self.max = np.full(n, -np.inf)
        self.ge = np.zeros((thresholds.size, n))
        self.thresholds = thresholds
        self.need_extremes = need_extremes
        self.n = n

    def add(self, units: np.ndarray, count: np.ndarray, total: np.ndarray,
            ge: list[np.ndarray]) -> None:
        """Add counts, sums and threshold counts of pieces (``units`` may repeat)."""
        n = self.n
        self.count += np.bincount(units, weights=count, minlength=n)
        self.sum += np.bincount(units, weights=total, minlength=n)
        for k, g in enumerate(ge):
            self.ge[k] += np.bincount(units, weights=g, minlength=n)

    def extremes(self, units: np.ndarray, vmin: np.ndarray, vmax: np.ndarray) -> None:
        """Fold in per-unit minima and maxima (``units`` distinct; NaN = no valid cell)."""
        self.min[units] = np.fmin(self.min[units], vmin)
        self.max[units] = np.fmax(self.max[units], vmax)


def _thresholds_for(a: np.ndarray, thresholds: np.ndarray) -> list:
    """Thresholds in the raster's float dtype, so ``v ≥ t`` means the same on every path."""
    if a.dtype.kind == "f":
        return [a.dtype.type(t) for t in thresholds]
    return [float(t) for t in thresholds]


def _reduce_block(src: RasterSource, a: np.ndarray, plan: BlockPlan, acc: _Accumulator) -> None:
    """Add one row block (flat array ``a``) of the raster to the accumulator."""
    if plan.run_unit.size:
        _reduce_runs(src, a, plan, acc)
    if plan.cell.size:
        _reduce_cells(src, a, plan, acc)


def _reduce_cells(src: RasterSource, a: np.ndarray, plan: BlockPlan, acc: _Accumulator) -> None:
    """Reduce the partially covered cells (grouped by unit, weighted by their fractions)."""
    seg, units, cw = plan.cell_seg, plan.cell_units, plan.cell_weight
    raw = a[plan.cell]
    bad = src.invalid(raw)
    if bad.any():
        v = raw.astype(np.float64)
        v[bad] = np.nan
        wv = np.where(bad, 0.0, cw)
        wsum = wv * np.where(bad, 0.0, v)
    else:
        v = raw
        wv = cw
        wsum = wv * raw.astype(np.float64)
    # compare in the raster's dtype, as the run path does (NaN >= t is False)
    ge = [np.add.reduceat(np.where(raw >= t, wv, 0.0), seg)
          for t in _thresholds_for(a, acc.thresholds)]
    acc.add(units, np.add.reduceat(wv, seg), np.add.reduceat(wsum, seg), ge)
    if acc.need_extremes:
        acc.extremes(units, np.fmin.reduceat(v, seg).astype(np.float64),
                     np.fmax.reduceat(v, seg).astype(np.float64))


def _count_dtype(width: int) -> type:
    """Smallest unsigned integer counting a row's cells (runs never cross rows)."""
    return np.uint16 if width <= np.iinfo(np.uint16).max else np.uint32


def _run_extremes(chunk: np.ndarray, idx: np.ndarray,
                  sel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Minimum and maximum of each run of a chunk (segments ``idx``, runs at ``sel``).

    Float rasters are reduced on their bits seen as signed integers: for
    non-negative floats (sign bit clear) integer order is float order, and
    numpy's integer ``reduceat`` costs half the float one on short runs. A run
    whose minimum has the sign bit set holds a negative value (or −0.0, or a
    negative NaN); if the chunk has one, its runs are reduced as floats.
    """
    if chunk.dtype.kind != "f" or chunk.dtype.itemsize not in (4, 8):
        return np.minimum.reduceat(chunk, idx)[sel], np.maximum.reduceat(chunk, idx)[sel]
    bits = chunk.view(np.int32 if chunk.dtype.itemsize == 4 else np.int64)
    lo = np.minimum.reduceat(bits, idx)[sel]
    if lo.size and lo.min() < 0:
        return np.minimum.reduceat(chunk, idx)[sel], np.maximum.reduceat(chunk, idx)[sel]
    hi = np.maximum.reduceat(bits, idx)[sel]
    return lo.view(chunk.dtype), hi.view(chunk.dtype)


def _reduce_runs(src: RasterSource, a: np.ndarray, plan: BlockPlan, acc: _Accumulator) -> None:
    """Reduce the runs of fully covered cells directly on the raster buffer.

    Chunk by chunk (whole rows that stay in the CPU cache; runs never cross
    rows), one ``reduceat`` per statistic over the plan's segments: the sum
    (float32 pairwise for float32 rasters), min and max when asked for, and
    per threshold the count of cells ``v ≥ t`` as a sum of a boolean mask
    (bytes summed in a 16-bit integer: exact, a run holds at most one row).
    Runs holding nodata or NaN are recomputed from their cells afterwards:
    NaN and ±inf show in the sum; the nodata value is the run's min or max,
    or lies strictly between them (then the run is checked cell by cell), or,
    when min and max are not computed, is counted like a threshold.
    """
    s, e, u = plan.run_start, plan.run_end, plan.run_unit
    n_runs = u.size
    tcmp = _thresholds_for(a, acc.thresholds)
    extremes = acc.need_extremes
    nd = src.nodata
    check_nodata = nd is not None and not np.isnan(nd)
    count_nodata = check_nodata and not extremes
    rsum = np.empty(n_runs)
    rmin = np.empty(n_runs) if extremes else None
    rmax = np.empty(n_runs) if extremes else None
    rge = [np.empty(n_runs) for _ in tcmp]
    rnd = np.empty(n_runs) if count_nodata else None
    sum_dtype = a.dtype if a.dtype.kind == "f" else np.float64
    cdtype = _count_dtype(src.grid.width)
    for ch in plan.chunks:
        chunk = a[ch.lo : ch.hi]
        idx, sel, k0, k1 = ch.idx, ch.sel, ch.k0, ch.k1
        rsum[k0:k1] = np.add.reduceat(chunk, idx, dtype=sum_dtype)[sel]
        if extremes:
            rmin[k0:k1], rmax[k0:k1] = _run_extremes(chunk, idx, sel)
        if tcmp or count_nodata:
            mask = _scratch_buffer(chunk.size, np.bool_)
            flags = mask.view(np.uint8)
            for k, t in enumerate(tcmp):
                np.greater_equal(chunk, t, out=mask)
                rge[k][k0:k1] = np.add.reduceat(flags, idx, dtype=cdtype)[sel]
            if count_nodata:
                np.equal(chunk, nd, out=mask)
                rnd[k0:k1] = np.add.reduceat(flags, idx, dtype=cdtype)[sel]
    rcount = plan.run_length.copy()
    bad = ~np.isfinite(rsum)
    if count_nodata:
        bad |= rnd > 0
    elif check_nodata:
        bad |= (rmin == nd) | (rmax == nd)
        maybe = ~bad & (rmin < nd) & (rmax > nd)
        if maybe.any():
            ms, me = s[maybe], e[maybe]
            hits = a[_concat_ranges(ms, me)] == nd
            seg = np.concatenate([[0], np.cumsum(me - ms)[:-1]])
            bad[maybe] = np.add.reduceat(hits, seg, dtype=np.int64) > 0
    if bad.any():
        bs, be = s[bad], e[bad]
        cells = _concat_ranges(bs, be)
        seg = np.concatenate([[0], np.cumsum(be - bs)[:-1]])
        v = a[cells]
        valid = ~src.invalid(v)
        vv = np.where(valid, v, 0).astype(np.float64)
        rcount[bad] = np.add.reduceat(valid.astype(np.float64), seg)
        rsum[bad] = np.add.reduceat(vv, seg)
        if extremes:
            vnan = np.where(valid, v, np.nan).astype(np.float64)
            rmin[bad] = np.fmin.reduceat(vnan, seg)
            rmax[bad] = np.fmax.reduceat(vnan, seg)
        for k, t in enumerate(tcmp):
            rge[k][bad] = np.add.reduceat((valid & (v >= t)).astype(np.float64), seg)
    acc.add(u, rcount, rsum, rge)
    if extremes:
        order, starts = plan.run_order, plan.run_seg
        acc.extremes(plan.run_units, np.fmin.reduceat(rmin[order], starts),
                     np.fmax.reduceat(rmax[order], starts))


def _check_inputs(units: gpd.GeoDataFrame | gpd.GeoSeries, src: RasterSource) -> None:
    check_same_crs(units.crs, src.grid.crs, "the unit layer", f"raster {src.name}")
    if len(units) and not src.grid.overlaps(tuple(units.total_bounds)):
        msg = (
            f"raster {src.name} (bounds {tuple(round(b) for b in src.grid.bounds)}) does not "
            f"overlap the units (bounds {tuple(round(b) for b in units.total_bounds)}); "
            "check that both cover the same area"
        )
        raise InputError(msg)


def _class_thresholds(
    classes: Sequence[tuple[float | None, float | None]] | None,
) -> list[tuple[float, float]]:
    out = []
    for lo, hi in classes or ():
        lo_ = -np.inf if lo is None else float(lo)
        hi_ = np.inf if hi is None else float(hi)
        if not lo_ < hi_:
            msg = f"class ({lo}, {hi}) is empty; give classes as (low, high) with low < high"
            raise InputError(msg)
        out.append((lo_, hi_))
    return out


def _zonal(
    index: pd.Index,
    src: RasterSource,
    cov: Coverage,
    stats: Sequence[str],
    thresholds: Sequence[float],
    classes: list[tuple[float, float]],
    block_cells: int | None,
    reader: BlockReader | None = None,
) -> pd.DataFrame:
    return _zonal_layers([(index, cov)], src, stats, thresholds, classes, block_cells,
                         reader)[0]


def _zonal_layers(
    targets: list[tuple[pd.Index, Coverage]],
    src: RasterSource,
    stats: Sequence[str],
    thresholds: Sequence[float],
    classes: list[tuple[float, float]],
    block_cells: int | None,
    reader: BlockReader | None = None,
) -> list[pd.DataFrame]:
    """Statistics of one raster for several unit layers, reading each block once.

    From a file only the storage tiles holding a covered cell are decoded
    (e.g. 38 of the 55 tiles of Changge's bands for its townships), into the
    ``reader``'s buffer, reused across the rasters of one call.
    """
    for index, cov in targets:
        if cov.grid.key() != src.grid.key():
            msg = (
                f"the coverage was built on another grid than raster {src.name}'s; build it "
                "with coverage(units, RasterGrid.from_raster(raster))"
            )
            raise InputError(msg)
        if cov.n_units != len(index):
            msg = f"the coverage has {cov.n_units} units but the layer has {len(index)} rows"
            raise InputError(msg)
    edges = sorted(
        {float(t) for t in thresholds}
        | {x for pair in classes for x in pair if np.isfinite(x)}
    )
    extremes = "min" in stats or "max" in stats
    accs = [_Accumulator(len(index), np.asarray(edges, dtype=np.float64), need_extremes=extremes)
            for index, _ in targets]
    reader = BlockReader() if reader is None else reader
    tile = src.tile_shape
    for row0, row1 in src.row_blocks(block_cells):
        plans = [block_plan(cov, row0, row1, CHUNK_CELLS) for _, cov in targets]
        if all(plan.empty for plan in plans):
            continue
        windows = None
        if tile is not None:
            need = np.logical_or.reduce(
                [covered_tiles(cov, row0, row1, CHUNK_CELLS, tile) for _, cov in targets])
            windows = tile_windows(need, row0, row1, src.grid.width, tile)
        a = reader.read(src, row0, row1, windows).reshape(-1)
        for plan, acc in zip(plans, accs, strict=True):
            _reduce_block(src, a, plan, acc)
    return [
        _result(index, cov, acc, stats, thresholds, classes, edges)
        for (index, cov), acc in zip(targets, accs, strict=True)
    ]


def _result(
    index: pd.Index, cov: Coverage, acc: _Accumulator, stats: Sequence[str],
    thresholds: Sequence[float], classes: list[tuple[float, float]], edges: list[float],
) -> pd.DataFrame:
    count = acc.count
    with np.errstate(invalid="ignore", divide="ignore"):
        safe = np.where(count > 0, count, 1.0)

        def per_count(x: np.ndarray) -> np.ndarray:
            return np.where(count > 0, x / safe, np.nan)

        weight = unit_weight(cov)
        values = {
            "count": count,
            "sum": acc.sum,
            "mean": per_count(acc.sum),
            "min": np.where(np.isinf(acc.min), np.nan, acc.min),
            "max": np.where(np.isinf(acc.max), np.nan, acc.max),
            "area": weight * cov.grid.cell_area,
            "nodata_fraction": np.where(weight > 0, 1.0 - count / np.where(weight > 0, weight, 1),
                                        np.nan),
        }
    pos = {t: k for k, t in enumerate(edges)}

    def ge(t: float) -> np.ndarray:
        if t == -np.inf:
            return count
        if t == np.inf:
            return np.zeros_like(count)
        return acc.ge[pos[t]]

    cols: dict[str, np.ndarray] = {name: values[name] for name in stats}
    for t in thresholds:
        cols[threshold_column(t)] = per_count(ge(float(t)))
    for i, (lo, hi) in enumerate(classes):
        cols[f"hist_{i}"] = per_count(ge(lo) - ge(hi))
    return pd.DataFrame(cols, index=index)


def _check_stats(stats: Sequence[str]) -> None:
    unknown = [s for s in stats if s not in KNOWN_STATS]
    if unknown:
        msg = (
            f"unknown zonal statistic(s) {unknown}; choose from {list(KNOWN_STATS)} "
            "(use thresholds= for frac_ge_<t> and classes= for hist_<i>)"
        )
        raise InputError(msg)


def zonal_stats(
    units: gpd.GeoDataFrame | gpd.GeoSeries,
    raster: RasterLike,
    stats: Sequence[str] = DEFAULT_STATS,
    *,
    coverage: Method = "exact",
    thresholds: Sequence[float] | None = None,
    classes: Sequence[tuple[float | None, float | None]] | None = None,
    band: int = 1,
    cov: Coverage | None = None,
    block_cells: int | None = None,
) -> pd.DataFrame:
    """Zonal statistics of one raster band over unit polygons.

    Parameters
    ----------
    units
        Polygon layer, in the raster's CRS.
    raster
        A path, an open rasterio dataset, or ``(array, RasterGrid)`` /
        ``(array, RasterGrid, nodata)``. NaN is always nodata.
    stats
        Any of ``count, sum, mean, min, max, area, nodata_fraction`` (formulas in
        the module docstring).
    coverage
        ``"exact"`` (coverage fractions, as exactextract) or ``"centre"`` (cells
        whose centre is inside, as rasterstats).
    thresholds
        For each ``t``, a column ``frac_ge_<t>`` = Σ w·[v ≥ t] / count.
    classes
        Bins ``[(lo, hi), ...]`` (``lo ≤ v < hi``; ``None`` = open end), giving
        ``hist_<i>`` = Σ w·[lo ≤ v < hi] / count.
    band
        Band number (1-based).
    cov
        A coverage of ``units`` on the raster's grid to reuse; by default one is
        built (and cached).
    block_cells
        Read at most this many cells at once (default
        ``gistool.overlay._raster.BLOCK_CELLS``); rasters larger than memory are
        read row block by row block.

    Returns
    -------
    pandas.DataFrame
        One row per unit, indexed like ``units``.

    Examples
    --------
    >>> import numpy as np, geopandas as gpd, shapely
    >>> from affine import Affine
    >>> from gistool.overlay import RasterGrid
    >>> grid = RasterGrid(Affine(10, 0, 0, 0, -10, 20), 2, 2, "EPSG:4547")
    >>> depth = np.array([[0.0, 1.0], [2.0, -1]], dtype="float32")
    >>> units = gpd.GeoDataFrame(geometry=[shapely.box(5, 0, 20, 20)], crs="EPSG:4547")
    >>> zonal_stats(units, (depth, grid, -1), ("count", "sum", "mean", "max"), thresholds=[1])
       count  sum  mean  max  frac_ge_1
    0    2.0  2.0   1.0  2.0       0.75

    Cells of column 0 are half inside (w = 0.5), the nodata cell is left out:
    count = 0.5 + 1 + 0.5, sum = 0.5·0 + 1·1 + 0.5·2, frac_ge_1 = (1 + 0.5) / 2.
    """
    _check_stats(stats)
    klasses = _class_thresholds(classes)
    with open_raster(raster, band=band) as src:
        _check_inputs(units, src)
        if cov is None:
            cov = build_coverage(units, src.grid, method=coverage)
        return _zonal(units.index, src, cov, stats, thresholds or (), klasses, block_cells)


def zonal_stats_many(
    units: gpd.GeoDataFrame | gpd.GeoSeries,
    rasters: Mapping[str, RasterLike],
    stats: Sequence[str] = DEFAULT_STATS,
    *,
    coverage: Method = "exact",
    thresholds: Sequence[float] | None = None,
    classes: Sequence[tuple[float | None, float | None]] | None = None,
    band: int = 1,
    cov: Coverage | None = None,
    block_cells: int | None = None,
) -> dict[str, pd.DataFrame]:
    """:func:`zonal_stats` of several rasters, sharing one coverage per grid.

    The common case is one flood-depth raster per return period: the units are
    rasterised once and every raster costs one pass.

    Returns
    -------
    dict of str to pandas.DataFrame
        Raster name → the statistics table of that raster.
    """
    _check_stats(stats)
    klasses = _class_thresholds(classes)
    out: dict[str, pd.DataFrame] = {}
    covs: dict[tuple, Coverage] = {} if cov is None else {cov.grid.key(): cov}
    reader = BlockReader()
    for name, raster in rasters.items():
        with open_raster(raster, band=band) as src:
            _check_inputs(units, src)
            key = src.grid.key()
            if key not in covs:
                covs[key] = build_coverage(units, src.grid, method=coverage)
            out[name] = _zonal(units.index, src, covs[key], stats, thresholds or (), klasses,
                               block_cells, reader)
    return out


def zonal_stats_layers(
    layers: Mapping[str, gpd.GeoDataFrame | gpd.GeoSeries],
    rasters: Mapping[str, RasterLike],
    stats: Sequence[str] = DEFAULT_STATS,
    *,
    coverage: Method = "exact",
    thresholds: Sequence[float] | None = None,
    classes: Sequence[tuple[float | None, float | None]] | None = None,
    band: int = 1,
    block_cells: int | None = None,
) -> dict[str, dict[str, pd.DataFrame]]:
    """:func:`zonal_stats` of several rasters over several unit layers, each raster read once.

    The indicator set of an assessment — every flood raster over townships,
    villages and the analysis grid — reads and decodes each raster block once
    and reduces it with every layer's (cached) coverage.

    Returns
    -------
    dict of str to dict of str to pandas.DataFrame
        Layer name → raster name → the statistics table.

    Examples
    --------
    >>> import numpy as np, geopandas as gpd, shapely
    >>> from affine import Affine
    >>> from gistool.overlay import RasterGrid
    >>> grid = RasterGrid(Affine(10, 0, 0, 0, -10, 20), 2, 2, "EPSG:4547")
    >>> depth = (np.array([[0.0, 1.0], [2.0, 3.0]], dtype="float32"), grid)
    >>> whole = gpd.GeoSeries([shapely.box(0, 0, 20, 20)], crs="EPSG:4547")
    >>> halves = gpd.GeoSeries([shapely.box(0, 0, 10, 20), shapely.box(10, 0, 20, 20)],
    ...                        crs="EPSG:4547")
    >>> out = zonal_stats_layers({"county": whole, "towns": halves}, {"d100": depth},
    ...                          ("mean",))
    >>> out["towns"]["d100"]
       mean
    0   1.0
    1   2.0
    """
    _check_stats(stats)
    klasses = _class_thresholds(classes)
    out: dict[str, dict[str, pd.DataFrame]] = {name: {} for name in layers}
    reader = BlockReader()
    for rname, raster in rasters.items():
        with open_raster(raster, band=band) as src:
            targets = []
            for units in layers.values():
                _check_inputs(units, src)
                targets.append((units.index, build_coverage(units, src.grid, method=coverage)))
            tables = _zonal_layers(targets, src, stats, thresholds or (), klasses, block_cells,
                                   reader)
            for lname, table in zip(layers, tables, strict=True):
                out[lname][rname] = table
    return out
