"""Many study areas as tasks on Dask, and a synthetic "province" to exercise it.

A configuration with ``[[areas]]`` runs each area's pipeline (the same cached
stages as one area, :class:`~gistool.pipeline.runner.AreaPipeline`) as one
task: on a ``dask.distributed.LocalCluster`` of single-threaded worker
processes by default, or on a running scheduler (``scheduler="tcp://..."``).
Each area writes its own ``<out>/<area>/`` directory, so tasks share nothing
and the result does not depend on the number of workers.

:func:`synthetic_province` cuts the embedded Changge data into township-sized
areas (a township and its longest-border neighbour, their villages,
enterprises and geohazards; roads and
facilities within a margin; flood rasters cropped to a window), shifting
further copies north by whole multiples of 60 km so that any number of areas
can be made, and writes them with a ``province.toml`` listing them.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from gistool.config import Config
from gistool.pipeline.runner import RunResult, run_area

__all__ = ["run_areas", "synthetic_province"]

log = logging.getLogger("gistool.pipeline")

#: Northward shift (m) between copies of Changge in a synthetic province.
SHIFT_M = 60_000.0


def run_areas(
    config: Config,
    *,
    out: str | os.PathLike[str] | None = None,
    force: bool = False,
    stages: Sequence[str] | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
) -> list[RunResult]:
    """Run every area of a multi-area configuration; results in the order of ``config.areas``.

    Parameters
    ----------
    config
        A configuration listing ``[[areas]]``.
    out
        Job output directory (each area writes ``<out>/<area>/``).
    force, stages
        As for :func:`gistool.run`.
    workers
        Worker processes of the local Dask cluster (default: one per core, at
        most one per area); ``0`` runs the areas here, one after another.
    scheduler
        Address of a running Dask scheduler (overrides ``workers``).
    progress
        A progress bar over the areas.
    """
    n = len(config.areas)
    base = None if out is None else Path(out).resolve()
    if scheduler is None and workers == 0:
        return _with_loaders(config, base, [
            run_area(config, i, base, force=force, stages=stages, progress=progress)
            for i in range(n)
        ])
    from dask.distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler is None:
        n_workers = max(1, min(workers or os.cpu_count() or 1, n))
        cluster = LocalCluster(
            n_workers=n_workers, threads_per_worker=1, processes=True,
            dashboard_address=":0", silence_logs=logging.WARNING,
        )
        client = Client(cluster)
    else:
        client = Client(scheduler)
    try:
        futures = [
            client.submit(
                run_area, config, i, base, force=force, stages=stages,
                key=f"gistool-area-{i}-{config.areas[i].slug()}", pure=False,
            )
            for i in range(n)
        ]
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=n, desc="areas", unit="area")
        for _ in as_completed(futures):
            if bar is not None:
                bar.update(1)
        if bar is not None:
            bar.close()
        results: list[RunResult] = client.gather(futures)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return _with_loaders(config, base, results)


def _with_loaders(config: Config, base: Path | None, results: list[RunResult]) -> list[RunResult]:
    """Give each area's result a loader of its RiskResult (read from its cache on demand)."""
    from gistool.pipeline.runner import AreaPipeline, area_out

    for area, res in zip(config.areas, results, strict=True):
        pipe = AreaPipeline(config, area, area_out(config, area, base))
        res._risk_loader = pipe.risk_result
    return results


def _crop_raster(src: Path, dst: Path, bounds: tuple[float, ...], dy: float) -> None:
    """Copy the window of ``src`` covering ``bounds``, shifted north by ``dy`` metres."""
    import math

    import rasterio
    from affine import Affine
    from rasterio.windows import Window

    from gistool.io import write_raster

    xmin, ymin, xmax, ymax = bounds
    with rasterio.open(src) as ds:
        t = ds.transform
        c0 = max(0, math.floor((xmin - t.c) / t.a))
        c1 = min(ds.width, math.ceil((xmax - t.c) / t.a))
        r0 = max(0, math.floor((ymax - t.f) / t.e))
        r1 = min(ds.height, math.ceil((ymin - t.f) / t.e))
        arr = ds.read(1, window=Window(c0, r0, c1 - c0, r1 - r0))
        shifted = Affine(t.a, t.b, t.c + c0 * t.a, t.d, t.e, t.f + r0 * t.e + dy)
        write_raster(arr, dst, transform=shifted, crs=ds.crs, nodata=ds.nodata)


def synthetic_province(
    n_areas: int,
    directory: str | os.PathLike[str],
    *,
    seed: int = 0,
    margin_m: float = 3000.0,
    grid_size_m: float = 500.0,
    draws: int = 200,
    isochrones: bool = True,
) -> Path:
    """Write ``n_areas`` small study areas (two townships each) and a ``province.toml``.

    Parameters
    ----------
    n_areas
        Number of areas.
    directory
        Where to write (``<directory>/<area>/layers.gpkg``, cropped flood
        rasters, and ``<directory>/province.toml``).
    seed
        Chooses which townships come first.
    margin_m
        Roads and facilities are kept within this distance of the area.
    grid_size_m, draws, isochrones
        ``[units]`` grid size, the number of sensitivity draws and whether
        isochrones are drawn (``[network]``).

    Returns
    -------
    Path
        The configuration file.
    """
    import geopandas as gpd
    import shapely
    from shapely.affinity import translate

    from gistool.datasets import load_changge
    from gistool.io import write_layer

    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    data = load_changge()
    town = data.townships.sort_values("code").reset_index(drop=True)
    order = np.random.default_rng(seed).permutation(len(town))
    entries = []
    for i in range(n_areas):
        t = town.iloc[int(order[i % len(town)])]
        dy = SHIFT_M * (i // len(town))
        # the township and its neighbour sharing the longest border: two townships per area
        shared = np.array(town.geometry.intersection(t.geometry.boundary).length, dtype=float)
        shared[town["code"].to_numpy() == t["code"]] = -1.0
        pair = town.iloc[[int(order[i % len(town)]), int(np.argmax(shared))]]
        codes = pair["code"].astype(str).tolist()
        geom = shapely.union_all(pair.geometry.to_numpy())
        zone = geom.buffer(margin_m)

        def pick(
            gdf: gpd.GeoDataFrame | None, region: Any, clip: bool = False,
            dy: float = dy,
        ) -> gpd.GeoDataFrame | None:
            if gdf is None:
                return None
            hit = gdf[shapely.intersects(gdf.geometry.to_numpy(), region)].copy()
            if clip and len(hit):
                hit = gpd.clip(hit, region).explode(index_parts=False)
                hit = hit[~hit.geometry.is_empty]
            if dy:
                hit["geometry"] = hit.geometry.map(lambda g: translate(g, 0.0, dy))
            return hit.reset_index(drop=True)

        code = str(t["code"])
        name = f"{t['name']}" + (f"_{i // len(town)}" if dy else "")
        slug = f"area{i:03d}_{code}"
        adir = root / slug
        boundary = gpd.GeoDataFrame(
            {"code": [code], "name": [name]},
            geometry=[translate(geom, 0.0, dy)], crs=data.crs,
        )
        layers = {
            "boundary": boundary,
            "townships": pick(data.townships[data.townships["code"].isin(codes)], geom),
            "villages": pick(data.villages[data.villages["township_code"].isin(codes)], geom),
            "enterprises": pick(data.enterprises, geom),
            "facilities": pick(data.facilities, zone),
            "roads": pick(data.roads, zone, clip=True),
            "rivers": pick(data.rivers, zone, clip=True),
            "geohazard_points": pick(data.geohazard_points, geom),
            "geohazard_zones": pick(data.geohazard_zones, geom, clip=True),
        }
        gpkg = adir / "layers.gpkg"
        entry = [f'[[areas]]\nname = "{name}"\n']
        for kind, gdf in layers.items():
            if gdf is None or not len(gdf):
                continue
            write_layer(gdf, gpkg, layer=kind)
            entry.append(f'[areas.layers.{kind}]\npath = "{slug}/layers.gpkg"\nlayer = "{kind}"\n')
        bounds = tuple(zone.bounds)
        entry.append("[areas.rasters.flood_depth]\n")
        for T, path in sorted(data.flood_depth.items()):
            _crop_raster(Path(path), adir / f"flood_{T}.tif", bounds, dy)
            entry.append(f'{T} = "{slug}/flood_{T}.tif"\n')
        entries.append("".join(entry))
    head = (
        "# synthetic province: township-sized areas cut from the Changge demo data\n"
        f"[units]\ngrid_size_m = {grid_size_m}\n\n"
        f"[indicators.sensitivity]\ndraws = {draws}\n\n"
        f"[network]\nisochrones = {str(isochrones).lower()}\n\n"
        "[maps]\ndpi = 80\n\n"
    )
    cfg = root / "province.toml"
    cfg.write_text(head + "\n".join(entries), encoding="utf-8")
    return cfg
