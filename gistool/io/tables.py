"""Write attribute tables as CSV (UTF-8 with BOM) and XLSX, safely and readably.

* CSV is UTF-8 with a byte-order mark so Excel shows Chinese correctly, CRLF
  line ends (RFC 4180).
* XLSX: header row bold and frozen, column widths fitted to the display width
  of the text (a CJK character counts two), deterministic bytes (fixed zip
  and document timestamps).
* Spreadsheet-formula injection: a text cell starting with ``=``, ``+``, ``-``,
  ``@``, tab or carriage return is written as ``'`` + text in CSV, and as a
  string cell (never a formula) in XLSX.
* Canonical column names become Chinese headings through
  :func:`gistool.labels.heading` (``headings="zh"``); geometry is dropped.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import unicodedata
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

from gistool._atomic import atomic_path
from gistool.errors import OutputError

if TYPE_CHECKING:
    import pandas as pd

#: First characters that make a spreadsheet treat text as a formula.
FORMULA_PREFIXES: Final[tuple[str, ...]] = ("=", "+", "-", "@", "\t", "\r")
_FIXED_ZIP_TIME: Final[tuple[int, ...]] = (2000, 1, 1, 0, 0, 0)
_FIXED_DOC_TIME: Final[str] = "2000-01-01T00:00:00Z"
_MAX_WIDTH: Final[int] = 60


def neutralise_formula(value: Any) -> Any:
    """Prefix ``'`` to text that a spreadsheet would run as a formula.

    Examples
    --------
    >>> neutralise_formula('=HYPERLINK("http://x","点我")')
    '\\'=HYPERLINK("http://x","点我")'
    >>> neutralise_formula("长葛"), neutralise_formula(-3)
    ('长葛', -3)
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def display_width(text: str) -> int:
    """Display width of text in monospace cells: East-Asian wide characters count 2.

    Examples
    --------
    >>> display_width("长葛市"), display_width("abc")
    (6, 3)
    """
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _plain_frame(df: pd.DataFrame, headings: str) -> pd.DataFrame:
    import pandas as pd

    from gistool.labels import heading

    geom = getattr(df, "_geometry_column_name", None)
    out = pd.DataFrame(df.drop(columns=[geom])) if geom in df.columns else pd.DataFrame(df)
    if headings == "zh":
        out = out.rename(columns={c: heading(str(c)) for c in out.columns})
    elif headings != "canonical":
        msg = f"headings must be 'zh' or 'canonical', not {headings!r}"
        raise ValueError(msg)
    return out


def write_table(
    df: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    headings: Literal["zh", "canonical"] = "zh",
    overwrite: bool = True,
    sheet: str | None = None,
) -> Path:
    """Write a table to ``.csv`` (UTF-8 with BOM) or ``.xlsx``, atomically.

    Parameters
    ----------
    df
        The table (a GeoDataFrame's geometry column is dropped).
    path
        ``.csv`` or ``.xlsx`` output.
    headings
        ``"zh"``: canonical columns get their Chinese heading
        (:data:`gistool.labels.COLUMN_HEADINGS`); ``"canonical"``: names kept.
    overwrite
        If False, refuse to replace an existing file.
    sheet
        XLSX sheet name (default: the file stem, at most 31 characters).

    Returns
    -------
    Path
        The written file.

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "rank.csv"
    >>> _ = write_table(pd.DataFrame({"name": ["大周镇"], "rank": [1]}), p)
    >>> p.read_bytes().decode("utf-8-sig").splitlines()
    ['名称,排名', '大周镇,1']
    """
    final = Path(path)
    suffix = final.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        msg = f"cannot write a table to '{final}'; use a .csv or .xlsx file name"
        raise OutputError(msg)
    import pandas as pd

    from gistool.io.write import write_guard

    table = _plain_frame(df, headings)
    with write_guard(final), atomic_path(final, overwrite=overwrite) as tmp:
        if suffix == ".csv":
            safe = table.copy()
            for col in safe.columns:
                if not pd.api.types.is_numeric_dtype(safe[col]):
                    safe[col] = safe[col].map(neutralise_formula)
            safe.to_csv(tmp, index=False, encoding="utf-8-sig", lineterminator="\r\n")
        else:
            tmp.write_bytes(_xlsx_bytes(table, sheet or final.stem))
    return final


def _cell_value(value: Any) -> Any:
    import numpy as np
    import pandas as pd

    if value is None or (not isinstance(value, str) and pd.api.types.is_scalar(value)
                         and pd.isna(value)):
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and np.isinf(value):
        # XLSX has no infinity (an empty numeric cell makes Excel repair the file):
        # keep the meaning as text
        return "∞" if value > 0 else "-∞"
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if not isinstance(value, str | int | float | bool | dt.datetime | dt.date):
        return str(value)
    return value


def _sheet_title(name: str) -> str:
    title = re.sub(r"[\[\]:*?/\\]", "_", name)[:31]
    return title or "Sheet1"


def _column_width(values: list[Any]) -> int:
    """Widest display width of a column's cell values (text: CJK counts 2)."""
    widest = 0
    for v in values:
        if isinstance(v, str):
            w = len(v) if v.isascii() else display_width(v)
        elif v is None:
            continue
        else:
            w = len(str(v))
        widest = max(widest, w)
    return widest


def _xlsx_bytes(table: pd.DataFrame, sheet: str) -> bytes:
    """Workbook bytes, written in openpyxl's streaming (write-only) mode."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_sheet_title(sheet))
    columns = [[_cell_value(v) for v in table[c].to_numpy(dtype=object)] for c in table.columns]
    headers = [str(c) for c in table.columns]
    for j, (head, values) in enumerate(zip(headers, columns, strict=True), start=1):
        width = max(display_width(head), _column_width(values))
        ws.column_dimensions[get_column_letter(j)].width = min(width + 2, _MAX_WIDTH)
    ws.freeze_panes = "A2"
    bold = Font(bold=True)

    def text_cell(value: str, font: Font | None = None) -> WriteOnlyCell:
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"  # never a formula, whatever the first character
        if font is not None:
            cell.font = font
        return cell

    ws.append([text_cell(h, bold) for h in headers])
    for row in zip(*columns, strict=True):
        ws.append([text_cell(v) if isinstance(v, str) and v.startswith(FORMULA_PREFIXES) else v
                   for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    return _deterministic_zip(buf.getvalue())


def _deterministic_zip(data: bytes) -> bytes:
    """Rewrite an OOXML zip with fixed entry times and document timestamps."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(
        out, "w", compression=zipfile.ZIP_DEFLATED
    ) as zout:
        for info in zin.infolist():
            content = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)",
                    rb"\g<1>" + _FIXED_DOC_TIME.encode() + rb"\g<2>",
                    content,
                )
            entry = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            zout.writestr(entry, content)
    return out.getvalue()
