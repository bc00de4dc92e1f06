"""Point-in-polygon and raster sampling, 11,932 and 1,000,000 points.

gistool (:func:`gistool.overlay.point_in_units`, :func:`gistool.overlay.sample_raster`)
against :func:`geopandas.sjoin` and rasterio's ``dataset.sample`` on the Changge
villages and the 100-year flood-depth raster. The point-in-polygon case is
:func:`benchmarks.bench_overlay.pip_case` (reused, not duplicated).

rasterio's ``dataset.sample`` is a Python generator (one windowed read per
point): about 60 s for a million points. For the 1 M case it is timed on the
first 50,000 points and **extrapolated linearly** (× 20); the table says so,
and its values are checked against gistool's on those 50,000 points.

Run alone with ``python -m benchmarks.bench_points`` (prints the tables).
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
import shapely

from benchmarks._harness import CaseResult, measure
from benchmarks.bench_overlay import pip_case
from gistool.overlay import sample_raster

#: Points of the rasterio run in the 1 M case (then extrapolated linearly).
RASTERIO_SUBSET = 50_000
MILLION = 1_000_000


def random_points(boundary: gpd.GeoDataFrame, n: int, seed: int = 42) -> gpd.GeoDataFrame:
    """``n`` uniform random points over the bounding box of ``boundary``."""
    rng = np.random.default_rng(seed)
    xmin, ymin, xmax, ymax = boundary.total_bounds
    geoms = shapely.points(rng.uniform(xmin, xmax, n), rng.uniform(ymin, ymax, n))
    return gpd.GeoDataFrame(geometry=geoms, crs=boundary.crs)


def point_sets(area) -> dict[str, gpd.GeoDataFrame]:
    """The two point sets: the enterprise registry and a million random points."""
    return {
        "11,932 enterprises": area.enterprises,
        "1,000,000 random points": random_points(area.boundary, MILLION),
    }


def _rasterio_sample(path: Path, xy: np.ndarray) -> np.ndarray:
    with rasterio.open(path) as ds:
        nodata = ds.nodata
        vals = np.fromiter((v[0] for v in ds.sample(xy)), dtype=np.float64, count=len(xy))
    if nodata is not None:
        vals[vals == nodata] = np.nan
    return vals


def sample_case(label: str, points: gpd.GeoDataFrame, path: Path, *, repeat: int = 5,
                slow_repeat: int = 3) -> tuple[CaseResult, dict]:
    """gistool ``sample_raster`` vs rasterio ``dataset.sample`` (extrapolated above 50k)."""
    xy = np.column_stack([shapely.get_x(points.geometry.values),
                          shapely.get_y(points.geometry.values)])
    n = len(xy)
    sub = xy[:RASTERIO_SUBSET]
    factor = n / len(sub)
    t_ours = measure("gistool sample_raster", lambda: sample_raster(points, path), repeat=repeat)
    t_rio = measure("rasterio dataset.sample", lambda: _rasterio_sample(path, sub),
                    repeat=slow_repeat if factor > 1 else repeat)
    if factor > 1:
        t_rio = replace(
            t_rio,
            name=f"rasterio dataset.sample (timed on {len(sub):,} points, × {factor:g} "
                 "extrapolated linearly)",
            median=t_rio.median * factor, min=t_rio.min * factor, max=t_rio.max * factor,
            extra={"timed_points": len(sub), "extrapolation_factor": factor},
        )
    ours = sample_raster(points, path)[: len(sub)]
    ref = _rasterio_sample(path, sub)
    same = (ours == ref) | (np.isnan(ours) & np.isnan(ref))
    checks = {"mismatches_vs_rasterio": int((~same).sum()), "points_checked": len(sub)}
    return CaseResult(f"raster sampling, {label}, 100-year depth", t_ours.name,
                      [t_ours, t_rio]), checks


def _area_and_raster():
    from gistool.datasets import load_changge

    area = load_changge()
    tmp = Path(tempfile.mkdtemp(prefix="bench_points_"))
    # a private copy: the dataset cache may be regenerated while the benchmark runs
    path = Path(shutil.copy(area.flood_depth[100], tmp / "flood_depth_100.tif"))
    return area, path, tmp


def run_pip(which: str, *, repeat: int = 5) -> list[tuple[CaseResult, dict]]:
    """Point-in-polygon for one point set (``"enterprises"`` or ``"million"``)."""
    from gistool.datasets import load_changge

    area = load_changge()
    label, pts = list(point_sets(area).items())[0 if which == "enterprises" else 1]
    return [pip_case(f"{label} in {len(area.villages)} villages", pts, area.villages,
                     repeat=repeat)]


def run_sampling(which: str, *, repeat: int = 5) -> list[tuple[CaseResult, dict]]:
    """Raster sampling for one point set (``"enterprises"`` or ``"million"``)."""
    area, path, tmp = _area_and_raster()
    try:
        label, pts = list(point_sets(area).items())[0 if which == "enterprises" else 1]
        return [sample_case(label, pts, path, repeat=repeat, slow_repeat=max(3, repeat // 2))]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    for which in ("enterprises", "million"):
        for fn in (run_pip, run_sampling):
            for res, chk in fn(which, repeat=3):
                print(res.markdown(), "\n", chk, "\n")


if __name__ == "__main__":
    main()
