"""Write vector layers: GeoPackage, GeoJSON, Shapefile, GeoParquet, FlatGeobuf, CSV, XLSX.

Every file goes through :func:`gistool._atomic.atomic_path` (a temporary
sibling renamed into place), so an interrupted write never leaves a
half-written file. Bytes are deterministic where the format allows: the
GeoPackage ``gpkg_contents.last_change`` timestamp is pinned with GDAL's
``OGR_CURRENT_DATE`` and the ``.dbf`` header date with ``DBF_DATE_LAST_UPDATE``.

Format notes
------------
GeoPackage
    Several layers per file: writing layer B into an existing file keeps
    layer A (the file is copied to the temporary path, the layer written there,
    then renamed into place).
GeoJSON
    RFC 7946 requires WGS84 lon/lat: layers are reprojected to EPSG:4326.
Shapefile
    Text is UTF-8 with a ``.cpg``. dBase field names hold at most 10 *bytes*
    (3 per Chinese character in UTF-8): longer names are shortened at a
    character boundary, made unique, and a :class:`~gistool.errors.DataRepairWarning`
    lists the renames. Prefer GeoPackage.
CSV / XLSX
    Points become ``lon``/``lat`` columns, other geometries a ``wkt`` column,
    both in EPSG:4326 (what :func:`~gistool.io.read.read_layer` reads back);
    see :func:`~gistool.io.tables.write_table` for the text safety rules.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Final

from gistool._atomic import SHAPEFILE_SIDECARS, atomic_path
from gistool.errors import CRSError, DataRepairWarning, OutputError

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

log = logging.getLogger(__name__)

#: Fixed timestamp written into GeoPackages so equal data give equal bytes.
FIXED_TIMESTAMP: Final[str] = "2000-01-01T00:00:00.000Z"
FIXED_DBF_DATE: Final[str] = "2000-01-01"

#: Extension → driver.
DRIVERS: Final[dict[str, str]] = {
    ".gpkg": "GPKG",
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".shp": "ESRI Shapefile",
    ".parquet": "Parquet",
    ".geoparquet": "Parquet",
    ".fgb": "FlatGeobuf",
    ".csv": "CSV",
    ".xlsx": "XLSX",
}

_DBF_NAME_BYTES: Final[int] = 10


def _driver_for(path: Path, driver: str | None) -> str:
    if driver is not None:
        if driver not in set(DRIVERS.values()):
            known = sorted(set(DRIVERS.values()))
            msg = f"unknown driver {driver!r} for '{path}'; choose one of {known}"
            raise OutputError(msg)
        return driver
    drv = DRIVERS.get(path.suffix.lower())
    if drv is None:
        msg = (
            f"cannot tell the output format of '{path}' from its extension; "
            f"use one of {sorted(DRIVERS)} or pass driver="
        )
        raise OutputError(msg)
    return drv


@contextlib.contextmanager
def write_guard(final: Path) -> Iterator[None]:
    """Turn OS and GDAL write failures into one-line :class:`OutputError`; log GDAL notes.

    GDAL's non-fatal notes arrive as ``RuntimeWarning``; they are logged, not
    raised, so a harmless note never aborts a write.
    """
    from pyogrio.errors import DataLayerError, DataSourceError

    try:
        with warnings.catch_warnings(record=True) as notes:
            warnings.simplefilter("always", RuntimeWarning)
            yield
    except OutputError:
        raise
    except (OSError, DataSourceError, DataLayerError) as exc:
        reason = getattr(exc, "strerror", None) or " ".join(str(exc).split())
        msg = f"cannot write '{final}': {reason}; check that the folder exists and is writable"
        raise OutputError(msg) from exc
    finally:
        for note in notes:
            if issubclass(note.category, RuntimeWarning):
                log.warning("writing '%s': GDAL: %s", final, note.message)
            else:
                warnings.warn_explicit(note.message, note.category, note.filename, note.lineno)


@contextlib.contextmanager
def gdal_config(**options: str) -> Iterator[None]:
    """Set GDAL configuration options for pyogrio within a block, then restore them."""
    import pyogrio

    old = {k: pyogrio.get_gdal_config_option(k) for k in options}
    pyogrio.set_gdal_config_options(options)
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options(old)


def dbf_field_names(columns: list[str]) -> dict[str, str]:
    """Shorten column names to dBase's 10 bytes (UTF-8), unique; return the renames.

    Examples
    --------
    >>> dbf_field_names(["name", "统一社会信用代码", "统一社会信用等级"])
    {'统一社会信用代码': '统一社', '统一社会信用等级': '统一_1'}
    """
    renames: dict[str, str] = {}
    used = {c for c in columns if len(c.encode("utf-8")) <= _DBF_NAME_BYTES}
    for col in columns:
        if len(col.encode("utf-8")) <= _DBF_NAME_BYTES:
            continue
        base = col.encode("utf-8")[:_DBF_NAME_BYTES].decode("utf-8", errors="ignore")
        name, i = base, 0
        while name in used:
            i += 1
            suffix = f"_{i}"
            room = _DBF_NAME_BYTES - len(suffix)
            name = col.encode("utf-8")[:room].decode("utf-8", errors="ignore") + suffix
        used.add(name)
        renames[col] = name
    return renames


def layer_to_frame(gdf: gpd.GeoDataFrame) -> pd.DataFrame:
    """Table form of a layer: points → ``lon``/``lat``, others → ``wkt``, in EPSG:4326.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> g = gpd.GeoDataFrame({"name": ["a"]}, geometry=[shapely.Point(113.5, 34.0)], crs=4326)
    >>> layer_to_frame(g).columns.tolist()
    ['name', 'lon', 'lat']
    """
    import numpy as np
    import pandas as pd
    import shapely

    geo = gdf.to_crs("EPSG:4326") if not gdf.crs.equals("EPSG:4326") else gdf
    geoms = geo.geometry.to_numpy()
    df = pd.DataFrame(geo.drop(columns=geo.geometry.name))
    present = ~shapely.is_missing(geoms)
    types = shapely.get_type_id(geoms[present])
    if present.any() and (types == 0).all():
        xy = shapely.get_coordinates(geoms[present])
        lon = np.full(len(geoms), np.nan)
        lat = lon.copy()
        lon[present], lat[present] = xy[:, 0], xy[:, 1]
        df["lon"], df["lat"] = lon, lat
    else:
        df["wkt"] = shapely.to_wkt(geoms, rounding_precision=-1)
    return df


def write_layer(
    gdf: gpd.GeoDataFrame,
    path: str | os.PathLike[str],
    *,
    layer: str | None = None,
    overwrite: bool = True,
    driver: str | None = None,
    keep_layers: bool = True,
) -> Path:
    """Write a layer atomically; the format comes from the extension or ``driver``.

    Parameters
    ----------
    gdf
        The layer; it must carry a CRS.
    path
        Output file (``.gpkg``, ``.geojson``, ``.shp``, ``.parquet``, ``.fgb``,
        ``.csv``, ``.xlsx``).
    layer
        GeoPackage layer name (default: the file stem). Other layers of an
        existing GeoPackage are kept.
    overwrite
        If False, refuse to replace an existing file (GeoPackage: an existing layer).
    driver
        ``"GPKG"``, ``"GeoJSON"``, ``"ESRI Shapefile"``, ``"Parquet"``,
        ``"FlatGeobuf"``, ``"CSV"`` or ``"XLSX"``.
    keep_layers
        GeoPackage only: keep the other layers of an existing file (default);
        False replaces the whole file.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    OutputError
        Unknown format, or the output exists and ``overwrite`` is False.
    CRSError
        The layer has no CRS.

    Examples
    --------
    >>> import tempfile, pathlib, geopandas as gpd, shapely
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> g = gpd.GeoDataFrame({"name": ["长葛"]}, geometry=[shapely.Point(1, 2)], crs=4547)
    >>> _ = write_layer(g, d / "out.gpkg", layer="a")
    >>> _ = write_layer(g, d / "out.gpkg", layer="b")
    >>> import pyogrio; pyogrio.list_layers(d / "out.gpkg")[:, 0].tolist()
    ['a', 'b']
    """
    final = Path(path)
    drv = _driver_for(final, driver)
    if gdf.crs is None:
        msg = (
            f"cannot write '{final}': the layer has no CRS; set one with "
            "gdf.set_crs(...) (every gistool output stores its CRS)"
        )
        raise CRSError(msg)
    if drv in ("CSV", "XLSX"):
        from gistool.io.tables import write_table

        return write_table(layer_to_frame(gdf), final, headings="canonical", overwrite=overwrite)
    with write_guard(final):
        if drv == "GPKG":
            return _write_gpkg(gdf, final, layer or final.stem, overwrite=overwrite,
                               keep_layers=keep_layers)
        if drv == "ESRI Shapefile":
            return _write_shapefile(gdf, final, overwrite=overwrite)
        return _write_single(gdf, final, drv, layer, overwrite=overwrite)


def _write_single(
    gdf: gpd.GeoDataFrame, final: Path, drv: str, layer: str | None, *, overwrite: bool
) -> Path:
    with atomic_path(final, overwrite=overwrite) as tmp:
        if drv == "Parquet":
            gdf.to_parquet(tmp, index=False)
        elif drv == "GeoJSON":
            import pyogrio

            out = gdf
            if not gdf.crs.equals("EPSG:4326"):
                log.info("GeoJSON (RFC 7946) is lon/lat: reprojecting '%s' to EPSG:4326", final)
                out = gdf.to_crs("EPSG:4326")
            pyogrio.write_dataframe(
                out, tmp, driver="GeoJSON", layer=layer or final.stem,
                layer_options={"RFC7946": "YES", "WRITE_NAME": "NO"},
            )
        else:
            import pyogrio

            pyogrio.write_dataframe(gdf, tmp, driver=drv, layer=layer or final.stem)
    return final


def _write_gpkg(
    gdf: gpd.GeoDataFrame, final: Path, layer: str, *, overwrite: bool, keep_layers: bool
) -> Path:
    import pyogrio

    if final.exists() and not keep_layers and not overwrite:
        msg = f"output '{final}' exists; pass overwrite=True (CLI: --overwrite) to replace it"
        raise OutputError(msg)
    keep = keep_layers and final.exists()
    if keep:
        from gistool.io.read import list_layers

        existing = [name for name, _ in list_layers(final)]
        if layer in existing and not overwrite:
            msg = (
                f"layer '{layer}' exists in '{final}'; pass overwrite=True "
                "(CLI: --overwrite) to replace it"
            )
            raise OutputError(msg)
    with atomic_path(final, overwrite=True) as tmp, gdal_config(OGR_CURRENT_DATE=FIXED_TIMESTAMP):
        if keep:
            shutil.copyfile(final, tmp)
        pyogrio.write_dataframe(gdf, tmp, driver="GPKG", layer=layer)
    return final


def _write_shapefile(gdf: gpd.GeoDataFrame, final: Path, *, overwrite: bool) -> Path:
    import pyogrio

    if final.exists() and not overwrite:
        msg = f"output '{final}' exists; pass overwrite=True (CLI: --overwrite) to replace it"
        raise OutputError(msg)
    cols = [str(c) for c in gdf.columns if c != gdf.geometry.name]
    renames = dbf_field_names(cols)
    if renames:
        listed = ", ".join(f"{k} → {v}" for k, v in renames.items())
        warnings.warn(
            f"'{final}': Shapefile field names hold at most 10 bytes; renamed {listed} "
            "(write GeoPackage to keep full names)",
            DataRepairWarning,
            stacklevel=3,
        )
        gdf = gdf.rename(columns=renames)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmpdir = Path(tempfile.mkdtemp(prefix=f".{final.stem}.", dir=final.parent))
    try:
        written = tmpdir / f"{final.stem}.shp"
        pyogrio.write_dataframe(
            gdf, written, driver="ESRI Shapefile", encoding="UTF-8",
            layer_options={"DBF_DATE_LAST_UPDATE": FIXED_DBF_DATE},
        )
        parts = sorted(p for p in tmpdir.iterdir() if p.suffix.lower() in SHAPEFILE_SIDECARS)
        with contextlib.ExitStack() as stack:
            for part in parts:
                tmp = stack.enter_context(atomic_path(final.with_suffix(part.suffix)))
                os.replace(part, tmp)
        # sidecars of a previous shapefile that the new one does not have (e.g. a stale .qix)
        new = {p.suffix.lower() for p in parts}
        for ext in SHAPEFILE_SIDECARS:
            stale = final.with_suffix(ext)
            if ext not in new and stale.exists():
                stale.unlink()
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    return final


def _missing(value: object) -> bool:
    """None, ``pd.NA``, NaN or NaT: a missing text cell (``str(nan)`` would write "nan")."""
    import pandas as pd

    return value is None or value is pd.NA or value is pd.NaT or (
        isinstance(value, float) and value != value
    )


def gpkg_frame(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A copy of ``gdf`` with columns a GeoPackage stores faithfully.

    Text-like objects become ``str`` (missing values — None, NA, NaN — become
    None, i.e. NULL, never the text "nan"), infinite floats become NaN
    (SQLite has no infinity), the index is dropped and ``attrs`` cleared;
    booleans stay booleans (GeoPackage stores them with a boolean subtype).
    """
    import numpy as np

    out = gdf.reset_index(drop=True).copy()
    out.attrs = {}
    for col in out.columns:
        if col == out.geometry.name:
            continue
        s = out[col]
        if s.dtype == object or str(s.dtype).startswith(("string", "str")):
            out[col] = s.map(lambda v: None if _missing(v) else str(v)).astype(object)
        elif s.dtype.kind == "f":
            out[col] = s.replace([np.inf, -np.inf], np.nan)
    return out


def write_gpkg_layers(
    layers: dict[str, gpd.GeoDataFrame | None],
    path: str | os.PathLike[str],
    *,
    overwrite: bool = True,
    descriptions: dict[str, str] | None = None,
) -> list[str]:
    """Write several layers into one new GeoPackage, atomically and with deterministic bytes.

    Layers are written in the order given; ``None`` or empty layers are
    skipped. The whole file is built at a temporary path and renamed into
    place, so readers never see a file with only some of the layers.

    Parameters
    ----------
    layers
        Layer name → GeoDataFrame (each must carry a CRS).
    path
        Output ``.gpkg``; replaced as a whole.
    overwrite
        If False, refuse to replace an existing file.
    descriptions
        Optional layer name → description stored in ``gpkg_contents``
        (QGIS shows it as the layer's abstract).

    Returns
    -------
    list of str
        The names of the layers written.

    Examples
    --------
    >>> import tempfile, pathlib, geopandas as gpd, shapely
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> g = gpd.GeoDataFrame({"v": [float("inf")]}, geometry=[shapely.Point(0, 0)], crs=4547)
    >>> write_gpkg_layers({"a": g, "b": g, "empty": g.iloc[:0]}, d / "x.gpkg")
    ['a', 'b']
    """
    import pyogrio

    final = Path(path)
    written: list[str] = []
    with (
        write_guard(final),
        atomic_path(final, overwrite=overwrite) as tmp,
        gdal_config(OGR_CURRENT_DATE=FIXED_TIMESTAMP),
    ):
        for name, gdf in layers.items():
            if gdf is None or len(gdf) == 0:
                continue
            if gdf.crs is None:
                msg = f"cannot write layer '{name}' to '{final}': it has no CRS; set one first"
                raise CRSError(msg)
            options = {}
            if descriptions and name in descriptions:
                options["DESCRIPTION"] = descriptions[name]
            pyogrio.write_dataframe(
                gpkg_frame(gdf), tmp, driver="GPKG", layer=name, append=tmp.exists(),
                layer_options=options or None,
            )
            written.append(name)
    return written
