"""What ``gistool info`` shows about a vector source or a raster.

:func:`describe_path` returns a plain, JSON-ready dict: driver, layers, CRS,
feature count, bounds, geometry type, columns with dtypes and the detected
text encoding (with how it was found) for vectors; size, resolution, CRS,
nodata, bounds and per-band statistics for rasters.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Final

import numpy as np

from gistool.errors import InputError, describe_source
from gistool.io.read import RASTER_SUFFIXES


def crs_summary(crs: Any) -> dict[str, Any] | None:
    """``{"epsg": 4547, "name": "...", "geographic": False, "units": "metre"}`` or None."""
    if crs is None:
        return None
    import pyproj

    c = pyproj.CRS.from_user_input(crs)
    units = c.axis_info[0].unit_name if c.axis_info else None
    return {"epsg": c.to_epsg(), "name": c.name, "geographic": c.is_geographic, "units": units}


def _bounds(values: Any) -> list[float] | None:
    b = [float(v) for v in values]
    return None if any(np.isnan(b)) else b


def describe_path(path: str | os.PathLike[str], *, layer: str | None = None) -> dict[str, Any]:
    """Describe a vector source (every layer, or ``layer``) or a raster.

    Parameters
    ----------
    path
        Any source :func:`~gistool.io.read.read_layer` reads, or a raster
        (``.tif``, ``.vrt``, ``.img``, ``.asc``).
    layer
        Only this layer (or sheet).

    Returns
    -------
    dict
        ``kind`` is ``"vector"`` or ``"raster"``; see ``gistool info --json``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.csv"
    >>> _ = p.write_text("名称,lon,lat\\n长葛,113.77,34.22\\n", encoding="utf-8")
    >>> d = describe_path(p)
    >>> d["layers"][0]["features"], d["layers"][0]["crs"]["epsg"], d["layers"][0]["columns"]
    (1, 4326, [{'name': '名称', 'dtype': 'str'}])
    """
    p = Path(path)
    if p.suffix.lower() in RASTER_SUFFIXES:
        return describe_raster(p)
    from gistool.io.read import FORMATS, check_source, list_layers

    check_source(p)
    fmt, driver = FORMATS.get(p.suffix.lower(), ("", None))
    if fmt in ("CSV", "XLSX", "GeoParquet"):
        sheets: list[str | None] = [layer]
        if fmt == "XLSX":
            names = [n for n, _ in list_layers(p)]
            if layer is not None and layer not in names:
                msg = f"{describe_source(p, layer)}: no such sheet; sheets: {names}"
                raise InputError(msg)
            sheets = [layer] if layer is not None else list(names)
        layers = [_describe_table(p, fmt, s) for s in sheets]
        enc = layers[0].pop("_encoding")
        for extra in layers[1:]:
            extra.pop("_encoding")
        return {"kind": "vector", "path": str(p), "driver": fmt, "format": fmt,
                "encoding": enc[0], "encoding_how": enc[1], "layers": layers}
    names = [n for n, _ in list_layers(p)]
    if layer is not None and layer not in names:
        msg = f"{describe_source(p, layer)}: no such layer; layers: {names}; pass one with --layer"
        raise InputError(msg)
    enc, how = "utf-8", f"{fmt or 'GDAL'} text is UTF-8"
    if fmt in ("Shapefile", "zipped Shapefile"):
        from gistool.io.encoding import detect_encoding

        enc, how = detect_encoding(p)
    described = [_describe_gdal_layer(p, fmt, n, enc) for n in ([layer] if layer else names)]
    return {"kind": "vector", "path": str(p), "driver": described[0]["driver"] if described
            else driver, "format": fmt or "GDAL", "encoding": enc, "encoding_how": how,
            "layers": described}


def _describe_gdal_layer(p: Path, fmt: str, name: str, enc: str) -> dict[str, Any]:
    import warnings

    import pyogrio
    from pyogrio.errors import DataLayerError, DataSourceError

    from gistool.io.read import _corrupt_message

    kwargs = {"encoding": enc} if fmt in ("Shapefile", "zipped Shapefile") else {}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            info = pyogrio.read_info(p, layer=name, force_feature_count=True,
                                     force_total_bounds=True, **kwargs)
    except (DataSourceError, DataLayerError) as exc:
        raise InputError(_corrupt_message(p, fmt, exc)) from None
    return {
        "name": name,
        "driver": info["driver"],
        "geometry_type": info["geometry_type"],
        "features": int(info["features"]),
        "crs": crs_summary(info["crs"]),
        "bounds": _bounds(info["total_bounds"]) if info["features"] else None,
        "columns": [{"name": str(f), "dtype": str(d)}
                    for f, d in zip(info["fields"], info["dtypes"], strict=True)],
    }


def _describe_table(p: Path, fmt: str, layer: str | None) -> dict[str, Any]:
    import geopandas as gpd

    if fmt == "GeoParquet":
        from gistool.io.read import _read_parquet

        gdf = _read_parquet(p)
        enc = ("utf-8", "GeoParquet text is UTF-8")
        note = None
    else:
        from gistool.io.tabular import read_table_frame, table_to_geodataframe

        df, e, h = read_table_frame(p, layer=layer)
        enc = (e, h)
        note = None
        try:
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # rows without coordinates: info only counts
                gdf = table_to_geodataframe(df, p, layer=layer)
        except InputError as exc:  # x/y without CRS, no coordinate columns: still a table
            gdf = gpd.GeoDataFrame(df)
            note = str(exc)
    geom = gdf.geometry if gdf._geometry_column_name in gdf.columns else None
    types = sorted(set(geom.geom_type.dropna())) if geom is not None else []
    out: dict[str, Any] = {
        "name": layer or p.stem,
        "driver": fmt,
        "geometry_type": "/".join(types) if types else None,
        "features": len(gdf),
        "crs": crs_summary(gdf.crs) if geom is not None else None,
        "bounds": _bounds(geom.total_bounds) if geom is not None and len(gdf) else None,
        "columns": [{"name": str(c), "dtype": str(gdf[c].dtype)} for c in gdf.columns
                    if c != gdf._geometry_column_name],
        "_encoding": enc,
    }
    if note:
        out["note"] = note
    return out


#: Pixels read at once when computing band statistics.
_CHUNK_PIXELS: Final[int] = 4_000_000


def _row_chunks(height: int, width: int, block_rows: int) -> list[Any]:
    """Full-width row windows of about :data:`_CHUNK_PIXELS`, aligned to the block height."""
    from rasterio.windows import Window

    rows = max(block_rows, (_CHUNK_PIXELS // max(width, 1)) // block_rows * block_rows)
    return [Window(0, r, width, min(rows, height - r)) for r in range(0, height, rows)]


def describe_raster(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Size, resolution, CRS, nodata, bounds and per-band min/max/mean/valid count.

    Statistics are accumulated over full-width row chunks of about four million
    pixels, so memory stays bounded for large rasters.
    """
    import rasterio
    from rasterio.errors import RasterioIOError

    from gistool.io.read import check_source

    p = Path(path)
    if not p.exists():
        check_source(p)
    if p.stat().st_size == 0:
        msg = f"{describe_source(p)} is empty (0 bytes); it was not copied or exported completely"
        raise InputError(msg)
    try:
        src = rasterio.open(p)
    except RasterioIOError as exc:
        msg = (
            f"{describe_source(p)}: cannot be read as a raster ({' '.join(str(exc).split())}); "
            "the file is damaged or of another format -- re-export it"
        )
        raise InputError(msg) from None
    with src:
        bands = []
        for b in range(1, src.count + 1):
            lo, hi, total, n = np.inf, -np.inf, 0.0, 0
            for window in _row_chunks(src.height, src.width, src.block_shapes[b - 1][0]):
                block = src.read(b, window=window, masked=True)
                vals = block.compressed()
                if np.issubdtype(vals.dtype, np.floating):
                    vals = vals[np.isfinite(vals)]
                if vals.size:
                    lo, hi = min(lo, float(vals.min())), max(hi, float(vals.max()))
                    total += float(vals.sum(dtype="float64"))
                    n += int(vals.size)
            bands.append({"band": b, "dtype": src.dtypes[b - 1], "valid": n,
                          "min": lo if n else None, "max": hi if n else None,
                          "mean": total / n if n else None})
        nodata = src.nodata
        return {
            "kind": "raster",
            "path": str(p),
            "driver": src.driver,
            "width": src.width,
            "height": src.height,
            "count": src.count,
            "resolution": [abs(src.res[0]), abs(src.res[1])],
            "crs": crs_summary(src.crs) if src.crs else None,
            "nodata": None if nodata is None else (str(nodata) if np.isnan(nodata) else nodata),
            "bounds": list(src.bounds),
            "layout": src.tags(ns="IMAGE_STRUCTURE").get("LAYOUT"),
            "compression": src.compression.name if src.compression else None,
            "bands": bands,
        }
