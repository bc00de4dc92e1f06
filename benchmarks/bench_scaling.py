"""Scaling: ``assess_risk`` on synthetic areas 1×, 5× and 25× Changge's.

A synthetic area of ``nx × ny`` Changges is built by tiling: every vector
layer is translated by whole steps of the raster extent rounded up to the
500 m grid (52.5 km × 22 km), with codes and ids made unique per tile
(township/village codes get a per-tile 6-digit prefix), and every flood-depth
raster is written **window by window** (one source block at a time into each
tile's window, gaps written as nodata) — the 25× raster is never in memory.
The tiles are kept under ``$GISTOOL_BENCH_DIR`` (default
``/tmp/gistool-bench-scaling``) and reused.

:func:`run_factor` (run by ``benchmarks.run`` in its own subprocess, so
``ru_maxrss`` is the peak RSS of that factor alone) times
:func:`gistool.assess_risk`; :func:`fit_exponent` is the log-log least
squares slope of time (or memory) against area.

Run alone: ``python -m benchmarks.bench_scaling 5`` (one factor).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

from benchmarks._harness import CaseResult, peak_rss_mb

#: Tiling (columns, rows) per area factor.
LAYOUTS: dict[int, tuple[int, int]] = {1: (1, 1), 5: (5, 1), 25: (5, 5), 100: (10, 10)}
#: Tile step rounded up to this (the default grid size), so grid cells align.
ALIGN_M = 500.0


def bench_dir() -> Path:
    """Where the tiled areas are kept."""
    return Path(os.environ.get("GISTOOL_BENCH_DIR", "/tmp/gistool-bench-scaling"))


def fit_exponent(sizes: np.ndarray | list[float], values: np.ndarray | list[float]) -> float:
    """Slope ``b`` of the least-squares fit ``log v = a + b log s``.

    Examples
    --------
    >>> round(fit_exponent([1, 5, 25], [2.0, 10.0, 50.0]), 6)
    1.0
    >>> round(fit_exponent([1, 4, 16], [1.0, 8.0, 64.0]), 6)
    1.5
    """
    x = np.log(np.asarray(sizes, dtype=float))
    y = np.log(np.asarray(values, dtype=float))
    return float(np.polyfit(x, y, 1)[0])


def _tile_raster(src_path: Path, dst_path: Path, nx: int, ny: int, step_cols: int,
                 step_rows: int) -> None:
    """Write ``nx × ny`` copies of a raster side by side, one block at a time."""
    import rasterio
    from rasterio.windows import Window

    from gistool._atomic import atomic_path

    with rasterio.open(src_path) as src:
        profile = src.profile.copy()
        nodata = src.nodata if src.nodata is not None else -9999.0
        width, height = step_cols * nx, step_rows * ny
        profile.update(width=width, height=height, nodata=nodata, tiled=True,
                       blockxsize=512, blockysize=512, compress="deflate", BIGTIFF="IF_SAFER",
                       num_threads="ALL_CPUS")
        # rows: tile row 0 is the top; the transform keeps the source's top-left corner
        blocks = [w for _, w in src.block_windows(1)]
        with atomic_path(dst_path) as tmp, rasterio.open(tmp, "w", **profile) as dst:
            # nodata gaps between tiles
            gap_c, gap_r = step_cols - src.width, step_rows - src.height
            for j in range(ny):
                for i in range(nx):
                    c0, r0 = i * step_cols, j * step_rows
                    for w in blocks:
                        data = src.read(1, window=w)
                        dst.write(data, 1, window=Window(c0 + w.col_off, r0 + w.row_off,
                                                         w.width, w.height))
                    if gap_c > 0:
                        fill = np.full((step_rows, gap_c), nodata, dtype=profile["dtype"])
                        dst.write(fill, 1, window=Window(c0 + src.width, r0, gap_c,
                                                         step_rows))
                    if gap_r > 0:
                        fill = np.full((gap_r, src.width), nodata, dtype=profile["dtype"])
                        dst.write(fill, 1, window=Window(c0, r0 + src.height, src.width,
                                                         gap_r))
            dst.update_tags(tiling=f"{nx}x{ny} copies of {src_path.name}")


def _recode(values, k: int, width: int = 6):
    """Replace the 6-digit county prefix of statistical codes with a per-tile one."""
    import pandas as pd

    s = pd.Series(values).astype(str)
    return (f"{(411082 + k) % 10**width:0{width}d}" + s.str[width:]).to_numpy()


def tiled_area(factor: int, base=None):
    """The synthetic area ``factor`` × Changge (built once, then read back)."""
    import geopandas as gpd
    import pandas as pd
    import rasterio

    from gistool.area import StudyArea
    from gistool.datasets import load_changge

    nx, ny = LAYOUTS[factor]
    base = base or load_changge()
    if factor == 1:
        return base
    with rasterio.open(base.flood_depth[min(base.flood_depth)]) as ds:
        res = ds.res[0]
        step_x = np.ceil(ds.width * res / ALIGN_M) * ALIGN_M
        step_y = np.ceil(ds.height * abs(ds.res[1]) / ALIGN_M) * ALIGN_M
    step_cols, step_rows = round(float(step_x) / res), round(float(step_y) / res)
    out = bench_dir() / f"x{factor}"
    out.mkdir(parents=True, exist_ok=True)
    flood = {}
    for T, p in sorted(base.flood_depth.items()):
        dst = out / f"flood_depth_{T}.tif"
        if not dst.exists():
            _tile_raster(Path(p), dst, nx, ny, step_cols, step_rows)
        flood[T] = dst
    layers = {}
    for name, gdf in base.layers().items():
        parts = []
        for j in range(ny):
            for i in range(nx):
                k = j * nx + i
                g = gdf.copy()
                g.geometry = g.geometry.translate(i * step_x, -j * step_y)
                for col in ("code", "township_code", "village_code"):
                    if col in g.columns and name != "boundary":
                        g[col] = _recode(g[col], k)
                for col in ("id", "credit_code"):
                    if col in g.columns:
                        g[col] = f"T{k}-" + g[col].astype(str)
                parts.append(g)
        layers[name] = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=gdf.crs)
    b = layers["boundary"]
    layers["boundary"] = gpd.GeoDataFrame(
        {"code": [base.boundary["code"].iloc[0]], "name": [f"{factor}× {base.name}"]},
        geometry=[b.geometry.union_all()], crs=b.crs,
    )
    return StudyArea(name=f"{factor}x {base.name}", crs=base.crs, dem=None, flood_depth=flood,
                     synthetic=tuple(layers), **layers)


def run_factor(factor: int, *, repeat: int = 3) -> list[tuple[CaseResult, dict]]:
    """Time ``assess_risk`` on the ``factor`` × Changge area (in this process)."""
    import time

    import gistool
    from benchmarks.bench_end_to_end import measure_cpu

    t0 = time.perf_counter()
    area = tiled_area(factor)
    build_s = time.perf_counter() - t0
    rss_before = peak_rss_mb()
    stage_s: dict[str, list[float]] = {}

    def assess():
        r = gistool.assess_risk(area)
        for k, v in r.timings.items():
            stage_s.setdefault(k, []).append(v)
        return r

    # the same protocol at every size: one warm-up (the first call in the process
    # computes the exact coverage of the villages and of the clipped grid cells,
    # timed and reported apart as the first run), then the median of the runs;
    # minutes per run at 25×: fewer runs there (stated in the table)
    c0, t0 = time.process_time(), time.perf_counter()
    assess()
    first_s, first_cpu_s = time.perf_counter() - t0, time.process_time() - c0
    stage_s.clear()
    runs = {1: repeat, 5: min(repeat, 3)}.get(factor, min(repeat, 2))
    t = measure_cpu(f"assess_risk {factor}× Changge", assess, repeat=runs, warmup=0)
    t.extra.update({
        "area_factor": factor,
        "villages": len(area.villages),
        "enterprises": len(area.enterprises),
        "road_lines": len(area.roads),
        "raster_cells": _cells(area),
        "stage_s_median": {k: float(np.median(v)) for k, v in stage_s.items()},
        "first_run_s": first_s,
        "first_run_cpu_s": first_cpu_s,
        "rss_before_assess_mb": rss_before,
        "area_build_or_load_s": build_s,
        "load_average": os.getloadavg()[0],
    })
    return [(CaseResult(f"scaling, {factor}× Changge", t.name, [t]), {})]


def _cells(area) -> int:
    import rasterio

    with rasterio.open(next(iter(area.flood_depth.values()))) as ds:
        return int(ds.width * ds.height)


if __name__ == "__main__":
    for res, _ in run_factor(int(sys.argv[1]) if len(sys.argv) > 1 else 5, repeat=1):
        print(res.markdown())
        print(res.timings[0].extra)
