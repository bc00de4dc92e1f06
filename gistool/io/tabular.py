"""Point (and WKT) layers from CSV and XLSX tables.

Coordinates come from a lon/lat pair (``lon``/``lng``/``longitude``/``经度`` and
``lat``/``latitude``/``纬度``), an x/y pair, or a WKT column (``wkt``/``geometry``).

CRS rule (documented choice): a lon/lat pair -- or a WKT column -- whose values
all lie within longitude/latitude ranges is taken as EPSG:4326 when the caller
gave no ``crs``; that is what such a table almost always is, and values
outside those ranges are refused rather than guessed. An x/y pair carries no
such meaning and is refused without ``crs=``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from gistool.errors import CRSError, DataRepairWarning, InputError, describe_source
from gistool.io.columns import rename_columns

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

LON_NAMES: Final[tuple[str, ...]] = (
    "lon", "lng", "long", "longitude", "经度", "wgs84_lon", "gcj02_lon", "bd09_lon", "lon_wgs84",
    "东经", "point_x_lon",
)
LAT_NAMES: Final[tuple[str, ...]] = (
    "lat", "latitude", "纬度", "wgs84_lat", "gcj02_lat", "bd09_lat", "lat_wgs84", "北纬",
    "point_y_lat",
)
X_NAMES: Final[tuple[str, ...]] = ("x", "point_x", "easting", "东坐标", "x坐标", "横坐标")
Y_NAMES: Final[tuple[str, ...]] = ("y", "point_y", "northing", "北坐标", "y坐标", "纵坐标")
WKT_NAMES: Final[tuple[str, ...]] = ("wkt", "geometry", "geom", "the_geom", "shape")

# columns kept as text so that codes keep leading zeros and 18-character credit codes stay intact
_TEXT_COLUMNS: Final[frozenset[str]] = frozenset(
    {"code", "township_code", "id", "credit_code", "代码", "编码", "编号", "统一社会信用代码"}
)


def _find(columns: list[str], names: tuple[str, ...]) -> str | None:
    lowered = {c.strip().lower(): c for c in columns}
    for name in names:
        if name in lowered:
            return lowered[name]
    return None


def _max_fields(path: Path, encoding: str, sep: str) -> int:
    """Most fields on any of the first lines (title lines have fewer than the header)."""
    import csv
    import itertools

    with open(path, encoding=encoding, errors="replace", newline="") as fh:
        rows = itertools.islice(csv.reader(fh, delimiter=sep), _TITLE_SCAN)
        return max((len(r) for r in rows), default=1) or 1


def _sniff_sep(path: Path, encoding: str) -> str:
    """The delimiter (``,``, tab, ``;`` or ``|``) that splits most of the first lines alike."""
    import itertools

    with open(path, encoding=encoding, errors="replace") as fh:
        lines = list(itertools.islice(fh, _TITLE_SCAN))
    best, best_score = ",", (0, 0)
    for sep in (",", "\t", ";", "|"):
        counts = [ln.count(sep) for ln in lines if ln.strip()]
        for c in set(counts) - {0}:
            # a delimiter splits most lines into the same number of fields
            score = (counts.count(c), c)
            if score > best_score:
                best, best_score = sep, score
    return best


#: Rows examined for title lines above the header of a spreadsheet-style table.
_TITLE_SCAN: Final[int] = 10


def _title_rows(first: pd.DataFrame) -> int:
    """Number of title lines above the header (e.g. a merged "长葛市企业名录" row).

    ``first`` holds the first rows read without a header. Government
    spreadsheets often put a title and a date line above the header. The
    header is the first line naming a coordinate column; failing that, leading
    rows that fill at most two cells of a wider table are skipped.
    """
    if first.empty:
        return 0
    names = {*LON_NAMES, *LAT_NAMES, *X_NAMES, *Y_NAMES, *WKT_NAMES}
    for i, row in enumerate(first.itertuples(index=False)):
        if any(isinstance(v, str) and v.strip().lower() in names for v in row):
            return i  # the first line naming a coordinate column is the header
    filled = first.notna().sum(axis=1).to_numpy()
    # a title line fills at most two cells ("填报单位：…", "日期：…") of a wider table
    title = (filled <= 2) & (filled < 0.8 * filled.max())
    return int(np.argmin(title)) if title[0] and not title.all() else 0


def _read_csv(
    path: Path, enc: str, dtype: Callable[[list[Any]], dict[Any, type]], lenient: bool
) -> pd.DataFrame:
    import pandas as pd

    sep = _sniff_sep(path, enc)
    errors = "replace" if lenient else "strict"
    try:
        first = pd.read_csv(path, encoding=enc, sep=sep, nrows=_TITLE_SCAN, header=None,
                            encoding_errors=errors, skip_blank_lines=False,
                            names=range(_max_fields(path, enc, sep)))
        skip = _title_rows(first)
        header = pd.read_csv(path, encoding=enc, sep=sep, nrows=0, skiprows=skip,
                             encoding_errors=errors).columns.tolist()
        return pd.read_csv(path, encoding=enc, sep=sep, dtype=dtype(header), skiprows=skip,
                           encoding_errors=errors)
    except UnicodeDecodeError:
        raise
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        msg = (
            f"{describe_source(path)}: cannot be parsed as a delimited text table "
            f"({' '.join(str(exc).split())}); check the delimiter, quoting and encoding="
        )
        raise InputError(msg) from None


def read_table_frame(
    path: Path,
    *,
    layer: str | None = None,
    encoding: str | None = None,
    columns: Mapping[str, str] | None = None,
) -> tuple[pd.DataFrame, str, str]:
    """Read a CSV or XLSX table as a DataFrame with the column map applied.

    Returns
    -------
    tuple
        ``(frame, encoding, how)``; XLSX files report ``("utf-8", "XLSX is Unicode")``.
    """
    import pandas as pd

    from gistool.io.encoding import detect_csv_encoding, normalise_encoding

    text_cols = set(_TEXT_COLUMNS)
    if columns:
        text_cols |= {src for src, dst in columns.items() if dst in _TEXT_COLUMNS}

    def dtype(names: list[Any]) -> dict[Any, type]:
        return {c: str for c in names if str(c) in text_cols}

    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        enc, how = "utf-8", "XLSX is Unicode"
        try:
            book = pd.ExcelFile(path, engine="openpyxl")
        except Exception as exc:
            msg = (
                f"{describe_source(path)}: cannot be read as an XLSX workbook ({exc}); "
                "the file is damaged or not .xlsx -- re-save it from Excel/WPS as .xlsx"
            )
            raise InputError(msg) from None
        with book:
            sheet: str | int = 0
            if layer is not None:
                if layer not in book.sheet_names:
                    msg = (
                        f"{describe_source(path, layer)}: no such sheet; sheets: "
                        f"{book.sheet_names}; pass one of them as layer="
                    )
                    raise InputError(msg)
                sheet = layer
            first = pd.read_excel(book, sheet_name=sheet, nrows=_TITLE_SCAN, header=None)
            skip = _title_rows(first)
            header = pd.read_excel(book, sheet_name=sheet, nrows=0, header=skip).columns.tolist()
            df = pd.read_excel(book, sheet_name=sheet, dtype=dtype(header), header=skip)
    else:
        if encoding is not None:
            enc, how = normalise_encoding(encoding), "given by the caller"
        else:
            enc, how = detect_csv_encoding(path)
        # strict decoding, except for a file that is neither UTF-8 nor GB18030 anywhere
        lenient = how.startswith("not UTF-8")
        failure: UnicodeDecodeError | None = None
        try:
            df = _read_csv(path, enc, dtype, lenient)
        except UnicodeDecodeError as exc:
            failure = exc
        if failure is not None and encoding is None and enc.startswith("utf-8"):
            # the sample was UTF-8 but later bytes are not: GB18030
            enc, how = "gb18030", f"{how}; later bytes not UTF-8, read as GB18030"
            try:
                df = _read_csv(path, enc, dtype, lenient)
                failure = None
            except UnicodeDecodeError as exc:
                failure = exc
        if failure is not None:
            msg = (
                f"{describe_source(path)}: text is not {enc} ({how}; {failure.reason} at byte "
                f"{failure.start}); pass the right encoding= (CLI: --encoding), e.g. 'gb18030'"
            )
            raise InputError(msg)
        if lenient:
            import warnings

            warnings.warn(
                f"{describe_source(path)}: bytes are neither UTF-8 nor GB18030; undecodable "
                "bytes were replaced by U+FFFD -- pass encoding= if you know it",
                DataRepairWarning,
                stacklevel=3,
            )
    df.columns = [str(c).strip() for c in df.columns]
    df = rename_columns(df, columns, source=path, layer=layer)
    return df, enc, how


def _numeric(df: pd.DataFrame, col: str, path: Path, layer: str | None) -> np.ndarray:
    import pandas as pd

    raw = df[col]
    values = pd.to_numeric(raw, errors="coerce")
    if not pd.api.types.is_numeric_dtype(raw):
        text = raw.astype("string").str.strip()
        bad = values.isna() & text.notna() & (text != "")
        if bad.any():
            pos = int(np.flatnonzero(bad.to_numpy())[0])
            msg = (
                f"{describe_source(path, layer, col)}: text {str(raw.iloc[pos])!r} in a "
                f"coordinate column at row {pos + 2} (header = row 1); coordinates must be "
                "decimal numbers -- fix that cell (and any like it)"
            )
            raise InputError(msg)
    return values.to_numpy(dtype="float64")


def _check_lonlat(
    lon: np.ndarray, lat: np.ndarray, cols: tuple[str, str], path: Path, layer: str | None
) -> int | None:
    """None when all lon/lat are in range; raise when swapped; else the first bad row's index."""
    ok = ~(np.isnan(lon) | np.isnan(lat))
    lo, la = lon[ok], lat[ok]
    if lo.size == 0:
        return None
    in_range = (np.abs(lo) <= 180) & (np.abs(la) <= 90)
    if in_range.all():
        return None
    swapped = (np.abs(la) <= 180) & (np.abs(lo) <= 90)
    if swapped.all():
        msg = (
            f"{describe_source(path, layer)}: columns '{cols[0]}' and '{cols[1]}' look swapped "
            f"(longitudes {lo.min():g}..{lo.max():g} fit latitudes, latitudes "
            f"{la.min():g}..{la.max():g} exceed ±90); swap them with "
            f"columns={{'{cols[0]}': 'lat', '{cols[1]}': 'lon'}}"
        )
        raise InputError(msg)
    return int(np.flatnonzero(ok)[np.flatnonzero(~in_range)[0]])


def table_to_geodataframe(
    df: pd.DataFrame,
    path: Path,
    *,
    layer: str | None = None,
    crs: Any = None,
) -> gpd.GeoDataFrame:
    """Build point (or WKT) geometries from a table's coordinate columns.

    Parameters
    ----------
    df
        Table after the column map (``lon``/``lat``, ``x``/``y`` or ``wkt`` may
        come from the map).
    path, layer
        Named in error messages.
    crs
        CRS of the coordinates; see the module docstring for the default.

    Raises
    ------
    InputError
        No coordinate columns, text in a coordinate column, lon/lat swapped or
        out of range.
    CRSError
        x/y (or out-of-lon/lat-range WKT) coordinates and no ``crs``.
    """
    import geopandas as gpd
    import shapely

    cols = [str(c) for c in df.columns]
    lon_col, lat_col = _find(cols, LON_NAMES), _find(cols, LAT_NAMES)
    x_col, y_col = _find(cols, X_NAMES), _find(cols, Y_NAMES)
    wkt_col = _find(cols, WKT_NAMES)
    where = describe_source(path, layer)
    if lon_col and lat_col:
        pair, lonlat = (lon_col, lat_col), True
    elif x_col and y_col:
        pair, lonlat = (x_col, y_col), False
    elif wkt_col:
        pair, lonlat = None, True
    else:
        msg = (
            f"{where}: no coordinate columns found among {cols}; expected lon/lat "
            "(经度/纬度, lng, longitude...), x/y or wkt -- or map yours with "
            "columns={'<your lon column>': 'lon', '<your lat column>': 'lat'}"
        )
        raise InputError(msg)

    if pair is not None:
        xs = _numeric(df, pair[0], path, layer)
        ys = _numeric(df, pair[1], path, layer)
        missing = np.isnan(xs) | np.isnan(ys)
        geoms = shapely.points(xs, ys)
        geoms[missing] = None
        drop = list(pair)
    else:
        text = df[wkt_col].astype("string")
        try:
            geoms = shapely.from_wkt(text.to_numpy(dtype=object, na_value=None))
        except shapely.errors.GEOSException as exc:
            msg = f"{describe_source(path, layer, wkt_col)}: invalid WKT ({exc}); fix that cell"
            raise InputError(msg) from None
        missing = shapely.is_missing(geoms)
        drop = [wkt_col]
    if missing.any():
        import warnings

        first = int(np.flatnonzero(missing)[0]) + 2
        warnings.warn(
            f"{where}: {int(missing.sum())} row(s) without coordinates (first: row {first}, "
            "header = row 1) kept with empty geometry; fill them or drop them",
            DataRepairWarning,
            stacklevel=4,
        )

    if crs is None:
        if not lonlat:
            msg = (
                f"{where}: columns '{pair[0]}'/'{pair[1]}' hold x/y coordinates of unknown CRS; "
                "pass crs= (e.g. crs='EPSG:4547'; CLI: --crs), or crs='EPSG:4326' if they "
                "are longitude/latitude"
            )
            raise CRSError(msg)
        if pair is not None:
            bad = _check_lonlat(xs, ys, pair, path, layer)
        else:
            b = shapely.bounds(geoms)
            outside = (np.abs(b[:, [0, 2]]) > 180).any(axis=1) | (
                np.abs(b[:, [1, 3]]) > 90).any(axis=1)
            bad = int(np.flatnonzero(outside)[0]) if outside.any() else None
        if bad is not None:
            what = f"columns '{pair[0]}'/'{pair[1]}'" if pair else f"column '{wkt_col}'"
            example = f" ({xs[bad]:g}, {ys[bad]:g})" if pair is not None else ""
            msg = (
                f"{where}: {what} hold values outside longitude/latitude range (±180/±90), "
                f"first at row {bad + 2}{example} (header = row 1); if they are projected "
                "metres pass crs= (e.g. 'EPSG:4547'), otherwise fix the coordinates"
            )
            raise InputError(msg)
        crs = "EPSG:4326"
    elif pair is not None and lonlat:
        _check_lonlat(xs, ys, pair, path, layer)
    data = df.drop(columns=drop)
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(geoms, index=df.index), crs=crs)


def read_table(
    path: str | os.PathLike[str],
    *,
    layer: str | None = None,
    encoding: str | None = None,
    columns: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Read a plain CSV/XLSX table (no geometry), encoding detected, columns mapped.

    Code-like columns (``code``, ``id``, ``credit_code``, 代码, 编码...) stay
    text so leading zeros survive. The detected encoding is in
    ``attrs["source_encoding"]``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "乡镇.csv"
    >>> _ = p.write_bytes("代码,名称\\n411082001,长兴路街道\\n".encode("gbk"))
    >>> read_table(p, columns={"代码": "code", "名称": "name"}).to_dict("records")
    [{'code': '411082001', 'name': '长兴路街道'}]
    """
    from gistool.io.read import check_source

    p = check_source(path)
    if p.suffix.lower() not in (".csv", ".txt", ".tsv", ".xlsx", ".xlsm"):
        msg = f"{describe_source(p)}: not a table; read_table reads .csv, .txt, .tsv or .xlsx"
        raise InputError(msg)
    df, enc, how = read_table_frame(p, layer=layer, encoding=encoding, columns=columns)
    df.attrs.update(source_path=str(p), source_encoding=enc, source_encoding_how=how)
    return df
