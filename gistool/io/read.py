"""Read any supported vector layer into a GeoDataFrame in the working CRS.

One entry point, :func:`read_layer`, for GeoPackage, Shapefile (also zipped),
GeoJSON, GeoParquet, FlatGeobuf (and other formats GDAL opens), and CSV/XLSX
tables with coordinate columns. The steps, in order:

1. read the source (encoding of Shapefiles and CSV detected, see
   :mod:`gistool.io.encoding`);
2. apply the column map ``columns=`` (renaming onto DESIGN §1 names);
3. settle the source CRS (``crs=`` states it; a missing CRS is refused);
4. convert GCJ-02 / BD-09 offset lon/lat to WGS84 (``coords=``);
5. check the schema of ``kind=`` (required columns, geometry type);
6. reproject to ``to_crs`` (default: the CGCS2000 3-degree Gauss–Krüger zone).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

from gistool.errors import InputError, describe_source

if TYPE_CHECKING:
    import geopandas as gpd

log = logging.getLogger(__name__)

#: Extension → (format name, GDAL driver or None for non-GDAL readers).
FORMATS: Final[dict[str, tuple[str, str | None]]] = {
    ".gpkg": ("GeoPackage", "GPKG"),
    ".shp": ("Shapefile", "ESRI Shapefile"),
    ".zip": ("zipped Shapefile", "ESRI Shapefile"),
    ".geojson": ("GeoJSON", "GeoJSON"),
    ".json": ("GeoJSON", "GeoJSON"),
    ".fgb": ("FlatGeobuf", "FlatGeobuf"),
    ".parquet": ("GeoParquet", None),
    ".geoparquet": ("GeoParquet", None),
    ".csv": ("CSV", None),
    ".txt": ("CSV", None),
    ".tsv": ("CSV", None),
    ".xlsx": ("XLSX", None),
    ".xlsm": ("XLSX", None),
}
#: Raster extensions (refused by the vector reader with a pointer to rasterio).
RASTER_SUFFIXES: Final[tuple[str, ...]] = (".tif", ".tiff", ".vrt", ".img", ".asc", ".nc")
#: Other extensions handed to GDAL as they are.
GDAL_OTHER: Final[tuple[str, ...]] = (".kml", ".gml", ".gdb", ".tab", ".mif", ".sqlite", ".gpx")

Coords = Literal["wgs84", "gcj02", "bd09"]


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    text = text.split("; It might help")[0]
    return text[:300]


def check_source(path: str | os.PathLike[str]) -> Path:
    """Refuse a missing, empty or unsupported source; return it as a Path.

    Raises
    ------
    InputError
        Naming the file and the fix.
    """
    p = Path(path)
    where = describe_source(p)
    if not p.exists():
        hint = ""
        if p.parent.is_dir():
            near = sorted(q.name for q in p.parent.glob(f"{p.stem}.*"))[:5]
            if near:
                hint = f" (found {near})"
        msg = f"{where} does not exist{hint}; check the path"
        raise InputError(msg)
    suffix = p.suffix.lower()
    if p.is_dir() and suffix != ".gdb":
        shps = sorted(q.name for q in p.glob("*.shp"))[:5]
        msg = f"{where} is a directory; give a file inside it" + (f", e.g. {shps}" if shps else "")
        raise InputError(msg)
    if p.is_file() and p.stat().st_size == 0:
        msg = f"{where} is empty (0 bytes); it was not copied or exported completely -- redo that"
        raise InputError(msg)
    if suffix in RASTER_SUFFIXES:
        msg = (
            f"{where} is a raster; this reads vector layers and tables "
            "(rasters are read with rasterio; `gistool info` describes them)"
        )
        raise InputError(msg)
    if suffix not in FORMATS and suffix not in GDAL_OTHER:
        known = sorted({*FORMATS, *GDAL_OTHER})
        msg = f"{where}: unknown format '{suffix or '(no extension)'}'; supported: {known}"
        raise InputError(msg)
    if p.is_file() and not os.access(p, os.R_OK):
        msg = f"{where} cannot be opened: permission denied; make it readable (chmod/ACL)"
        raise InputError(msg)
    if suffix == ".shp":
        check_shapefile(p)
    return p


def _sidecar(p: Path, ext: str) -> Path | None:
    for cand in (p.with_suffix(ext), p.with_suffix(ext.upper())):
        if cand.exists():
            return cand
    return None


def check_shapefile(p: Path) -> None:
    """Refuse a Shapefile whose parts are missing, empty or shorter than their headers say.

    A truncated ``.shp``/``.shx``/``.dbf`` (an interrupted copy) otherwise reads
    "successfully" with missing geometries or records.
    """
    where = describe_source(p)
    fix = f"copy or export all of {p.stem}.shp/.shx/.dbf/.prj/.cpg again"
    parts = {".shp": p}
    for side in (".shx", ".dbf"):
        sp = _sidecar(p, side)
        if sp is None:
            msg = f"{where}: the Shapefile's {side} file is missing; {fix}"
            raise InputError(msg)
        parts[side] = sp
    for side, sp in parts.items():
        size = sp.stat().st_size
        if size == 0:
            msg = f"{describe_source(sp)} is empty (0 bytes); {fix}"
            raise InputError(msg)
        with open(sp, "rb") as fh:
            head = fh.read(32)
        if side in (".shp", ".shx"):
            if len(head) < 28 or int.from_bytes(head[0:4], "big") != 9994:
                msg = f"{describe_source(sp)} is not a Shapefile {side} (bad header); {fix}"
                raise InputError(msg)
            expected = int.from_bytes(head[24:28], "big") * 2  # 16-bit words
        else:
            if len(head) < 12:
                msg = f"{describe_source(sp)} is truncated (no complete .dbf header); {fix}"
                raise InputError(msg)
            records = int.from_bytes(head[4:8], "little")
            expected = int.from_bytes(head[8:10], "little") + records * int.from_bytes(
                head[10:12], "little"
            )
        if size < expected:
            msg = (
                f"{describe_source(sp)} is truncated ({size} of {expected} bytes); {fix}"
            )
            raise InputError(msg)


def list_layers(path: str | os.PathLike[str]) -> list[tuple[str, str | None]]:
    """Return ``(layer name, geometry type or None)`` for every layer of a source.

    CSV and GeoParquet sources have one layer named after the file; an XLSX
    workbook has one layer per sheet.
    """
    p = check_source(path)
    fmt, driver = FORMATS.get(p.suffix.lower(), ("", "GDAL"))
    if fmt == "XLSX":
        import openpyxl

        try:
            book = openpyxl.load_workbook(p, read_only=True)
        except Exception as exc:
            msg = f"{describe_source(p)}: cannot be read as an XLSX workbook ({_short(exc)})"
            raise InputError(msg) from None
        try:
            return [(name, "Point") for name in book.sheetnames]
        finally:
            book.close()
    if driver is None:
        return [(p.stem, None)]
    import warnings

    import pyogrio
    from pyogrio.errors import DataSourceError

    try:
        with warnings.catch_warnings():
            # GDAL notes on damaged files come as RuntimeWarnings; the error says it all
            warnings.simplefilter("ignore", RuntimeWarning)
            layers = pyogrio.list_layers(p)
    except DataSourceError as exc:
        msg = _corrupt_message(p, fmt, exc)
        raise InputError(msg) from None
    return [(str(name), None if gt is None else str(gt)) for name, gt in layers]


def _bad_prj(p: Path) -> str | None:
    """Message for a Shapefile whose ``.prj`` cannot be parsed, else None."""
    prj = _sidecar(p, ".prj") if p.suffix.lower() == ".shp" else None
    if prj is None:
        return None
    import pyproj

    text = prj.read_text(encoding="utf-8", errors="replace").strip()
    try:
        pyproj.CRS.from_user_input(text)
    except pyproj.exceptions.CRSError:
        return (
            f"{describe_source(prj)} holds an unreadable CRS definition ({text[:60]!r}...); "
            "fix or delete the .prj and pass crs= (CLI: --crs) with the right EPSG code"
        )
    return None


def _corrupt_message(p: Path, fmt: str, exc: BaseException) -> str:
    prj = _bad_prj(p)
    if prj is not None:
        return prj
    kind = fmt or "a GIS file"
    return (
        f"{describe_source(p)}: cannot be read as {kind} ({_short(exc)}); the file is damaged, "
        "truncated or of another format -- re-export it"
    )


def _choose_layer(p: Path, fmt: str, layer: str | None) -> str | None:
    layers = list_layers(p)
    names = [n for n, _ in layers]
    if layer is not None:
        if layer not in names:
            msg = (
                f"{describe_source(p, layer)}: no such layer; layers: {names}; "
                "pass one of them as layer= (CLI: --layer)"
            )
            raise InputError(msg)
        return layer
    if len(layers) <= 1:
        return names[0] if names else None
    spatial = [n for n, gt in layers if gt is not None]
    if len(spatial) == 1:
        return spatial[0]
    msg = (
        f"{describe_source(p)}: {fmt or 'the source'} has {len(names)} layers {names}; "
        "choose one with layer= (CLI: --layer)"
    )
    raise InputError(msg)


def _read_gdal(
    p: Path, fmt: str, layer: str | None, encoding: str | None
) -> tuple[gpd.GeoDataFrame, str, str, str | None]:
    import warnings

    import pyogrio
    from pyogrio.errors import DataLayerError, DataSourceError, FieldError, GeometryError

    from gistool.io.encoding import detect_encoding, normalise_encoding

    chosen = _choose_layer(p, fmt, layer)
    if fmt in ("Shapefile", "zipped Shapefile"):
        if encoding is not None:
            enc, how = normalise_encoding(encoding), "given by the caller"
        else:
            enc, how = detect_encoding(p, layer=chosen)
        # GB18030 is a superset of GBK/GB2312: decode with it so rare characters survive.
        # No Arrow here: the Arrow path passes undecodable .dbf bytes through unchecked,
        # the plain path decodes eagerly and fails loudly on a wrong encoding.
        kwargs: dict[str, Any] = {"encoding": "gb18030" if enc == "gbk" else enc,
                                  "use_arrow": False}
    else:
        enc, how = "utf-8", f"{fmt or 'GDAL'} text is UTF-8"
        kwargs = {"use_arrow": True}
    def read(**kw: Any) -> gpd.GeoDataFrame:
        with warnings.catch_warnings(record=True) as notes:
            # GDAL's notes (mixed geometry types, recoding problems...) come as
            # RuntimeWarnings; they go to the log rather than stopping the read
            warnings.simplefilter("always", RuntimeWarning)
            out = pyogrio.read_dataframe(p, layer=chosen, **kw)
        for note in notes:
            if issubclass(note.category, RuntimeWarning):
                log.warning("%s: GDAL: %s", describe_source(p, chosen), note.message)
            else:
                warnings.warn_explicit(note.message, note.category, note.filename, note.lineno)
        return out

    try:
        try:
            gdf = read(**kwargs)
        except UnicodeDecodeError:
            if encoding is not None or enc != "utf-8":
                raise
            # the sampled bytes were ASCII/UTF-8 but later records are not: GB18030
            enc, how = "gb18030", f"{how}; later bytes not UTF-8, read as GB18030"
            gdf = read(encoding=enc, use_arrow=False)
    except (DataSourceError, DataLayerError, FieldError, GeometryError) as exc:
        raise InputError(_corrupt_message(p, fmt, exc)) from None
    except UnicodeDecodeError as exc:
        msg = (
            f"{describe_source(p, chosen)}: text is not {enc} ({how}); "
            "pass the right encoding= (CLI: --encoding), e.g. 'gb18030' or 'utf-8'"
        )
        raise InputError(msg) from exc
    return gdf, enc, how, chosen


def _read_parquet(p: Path, columns: list[str] | None = None) -> gpd.GeoDataFrame:
    import geopandas as gpd

    try:
        return gpd.read_parquet(p, columns=columns)
    except (ValueError, OSError) as exc:
        msg = (
            f"{describe_source(p)}: cannot be read as GeoParquet ({_short(exc)}); the file is "
            "damaged or a plain Parquet table without geometry metadata -- re-export it"
        )
        raise InputError(msg) from None


def _refuse_degrees_in_projected(gdf: gpd.GeoDataFrame, p: Path, layer: str | None) -> None:
    """Refuse lon/lat degrees labelled with a projected CRS (a wrong ``.prj``).

    A real layer in a projected CRS of China lies hundreds of kilometres from
    the projection origin (false easting 500 km); one whose every coordinate
    is within ±180/±90 is lon/lat mislabelled, and projecting it would put it
    off the coast of Africa.
    """
    import numpy as np

    from gistool.errors import CRSError

    if gdf.crs is None or not gdf.crs.is_projected or gdf.empty:
        return
    b = gdf.total_bounds
    if np.isnan(b).any() or not (np.abs(b[[0, 2]]).max() <= 180
                                 and np.abs(b[[1, 3]]).max() <= 90) or not b.any():
        return
    epsg = gdf.crs.to_epsg()
    msg = (
        f"{describe_source(p, layer)}: coordinates look like lon/lat degrees "
        f"(x {b[0]:g}…{b[2]:g}, y {b[1]:g}…{b[3]:g}) but the CRS is projected "
        f"({f'EPSG:{epsg}' if epsg else gdf.crs.name}); the CRS label is wrong -- pass "
        "crs='EPSG:4490' (CGCS2000) or 'EPSG:4326' (WGS84) (CLI: --crs)"
    )
    raise CRSError(msg)


def read_layer(
    path: str | os.PathLike[str],
    *,
    layer: str | None = None,
    crs: Any = None,
    coords: Coords | None = None,
    encoding: str | None = None,
    columns: Mapping[str, str] | None = None,
    kind: str | None = None,
    to_crs: Any = "working",
) -> gpd.GeoDataFrame:
    """Read a vector layer or a coordinate table into a GeoDataFrame.

    Parameters
    ----------
    path
        ``.gpkg``, ``.shp`` (or a ``.zip`` holding one), ``.geojson``/``.json``,
        ``.parquet``, ``.fgb``, ``.csv``/``.txt``, ``.xlsx``, or another format
        GDAL opens (``.kml``, ``.gml``, ``.gdb``...).
    layer
        Layer of a multi-layer source (GeoPackage) or sheet of a workbook.
        Required when a source has several spatial layers.
    crs
        CRS of the source coordinates. Needed when the source declares none
        (never guessed); overrides a declared CRS with a warning otherwise.
        CSV/XLSX lon/lat columns default to EPSG:4326 when all values are
        within ±180/±90 (see :mod:`gistool.io.tabular`).
    coords
        ``"gcj02"`` (Amap/Tencent) or ``"bd09"`` (Baidu) converts offset lon/lat
        to WGS84 before anything else; ``"wgs84"`` or None leaves them.
    encoding
        Text encoding of a Shapefile ``.dbf`` or CSV; detected when None.
    columns
        Source column → canonical column (DESIGN §1), e.g. ``{"企业名称": "name"}``.
    kind
        Layer kind of :data:`gistool.schema.SCHEMAS`; checks required columns
        and geometry type after the column map.
    to_crs
        ``"working"`` (the CGCS2000 3-degree Gauss–Krüger zone of the layer,
        :func:`gistool.crs.working_crs`), None to keep the source CRS, or any CRS.

    Returns
    -------
    GeoDataFrame
        With ``attrs``: ``source_path``, ``source_layer``, ``source_format``,
        ``source_encoding``, ``source_encoding_how``, ``source_crs``.

    Raises
    ------
    InputError
        Missing, empty, damaged or unknown file; unknown layer; bad coordinate
        columns. Subclasses :class:`~gistool.errors.CRSError`,
        :class:`~gistool.errors.SchemaError` and
        :class:`~gistool.errors.GeometryError` for those problems.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "企业.csv"
    >>> _ = p.write_text("企业名称,经度,纬度\\n长葛某厂,113.77,34.22\\n", encoding="utf-8-sig")
    >>> g = read_layer(p, columns={"企业名称": "name"})
    >>> g.crs.to_epsg(), g["name"].tolist()
    (4547, ['长葛某厂'])
    """
    from gistool.crs import convert_offset_coords, ensure_crs, to_working
    from gistool.io.columns import check_schema, rename_columns, single_part_points

    p = check_source(path)
    if crs is not None:
        from gistool.crs import _user_crs

        crs = _user_crs(crs, describe_source(p, layer))
    fmt, _driver = FORMATS.get(p.suffix.lower(), ("", None))
    chosen = layer
    if fmt in ("CSV", "XLSX"):
        from gistool.io.tabular import read_table_frame, table_to_geodataframe

        df, enc, how = read_table_frame(p, layer=layer, encoding=encoding, columns=columns)
        gdf = table_to_geodataframe(df, p, layer=layer, crs=crs)
    else:
        if fmt == "GeoParquet":
            gdf, enc, how = _read_parquet(p), "utf-8", "GeoParquet text is UTF-8"
        else:
            gdf, enc, how, chosen = _read_gdal(p, fmt, layer, encoding)
        gdf = rename_columns(gdf, columns, source=p, layer=chosen)
    source_crs = gdf.crs
    offset = coords.lower() if coords else None  # "GCJ02" as good as "gcj02"
    if offset not in (None, "wgs84"):
        if gdf.crs is None and crs is None:
            # offset coordinates are published as lon/lat; ensure_crs still checks the ranges
            gdf = gdf.set_crs("EPSG:4326")
        gdf = ensure_crs(gdf, crs=crs, source=p, layer=chosen)
        gdf = convert_offset_coords(gdf, offset, source=p, layer=chosen)
    else:
        gdf = ensure_crs(gdf, crs=crs, source=p, layer=chosen)
    _refuse_degrees_in_projected(gdf, p, chosen)
    if kind is not None:
        gdf = single_part_points(gdf, kind, source=p, layer=chosen)
        check_schema(gdf, kind, source=p, layer=chosen)
    if to_crs is not None:
        # compare as text: pyproj's CRS == "working" would parse "working" as a CRS (~1 s)
        working = isinstance(to_crs, str) and to_crs == "working"
        gdf = to_working(gdf, None if working else to_crs, source=p, layer=chosen)
    gdf.attrs.update(
        source_path=str(p),
        source_layer=chosen,
        source_format=fmt or "GDAL",
        source_encoding=enc,
        source_encoding_how=how,
        source_crs=None if source_crs is None else source_crs.to_string(),
    )
    return gdf
