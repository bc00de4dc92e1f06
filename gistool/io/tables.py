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
import os
import re
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

from gistool._atomic import atomic_path
from gistool.errors import OutputError

if TYPE_CHECKING:
    import pandas as pd

#: First characters that make a spreadsheet treat text as a formula.
FORMULA_PREFIXES: Final[tuple[str, ...]] = ("=", "+", "-", "@", "\t", "\r")
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
    """Widest display width of a column's cell values (text: CJK counts 2).

    Only the longest distinct texts are measured: a text of ``n`` characters
    is between ``n`` and ``2n`` wide, so shorter ones cannot be the widest.

    Examples
    --------
    >>> _column_width(["长葛市", "abcdefg", None, 12.5])
    7
    """
    texts = {v for v in values if isinstance(v, str)}
    others = (len(str(v)) for v in values if v is not None and not isinstance(v, str))
    widest = max(others, default=0)
    for v in sorted(texts, key=len, reverse=True):
        if 2 * len(v) <= widest:
            break
        widest = max(widest, len(v) if v.isascii() else display_width(v))
    return widest


def _xlsx_column(values: Any) -> tuple[Any, int]:
    """The :class:`~gistool.io._xlsx.Column` of a pandas column, and its widest cell.

    Float, integer and boolean columns and columns of text are converted a
    whole column at a time; others cell by cell through :func:`_cell_value`.
    """
    import numpy as np
    import pandas as pd

    from gistool.io._xlsx import Column, classify

    n = len(values)
    dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype) and dtype == np.bool_:
        a = values.to_numpy()
        widest = 5 if (~a).any() else 4 if n else 0  # len("False"), len("True")
        return Column(["b"] * n, np.where(a, "1", "0").tolist()), widest
    if pd.api.types.is_integer_dtype(dtype) and isinstance(dtype, np.dtype):
        texts = list(map(str, values.to_numpy().tolist()))
        return Column(["n"] * n, texts), max(map(len, texts), default=0)
    if pd.api.types.is_float_dtype(dtype) and isinstance(dtype, np.dtype):
        a = values.to_numpy(dtype=np.float64)
        if np.isfinite(a).all():
            texts = list(map(repr, a.tolist()))
            return Column(["n"] * n, texts), max(map(len, texts), default=0)
    elif n and pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
        raw = values.to_numpy(dtype=object)
        missing = pd.isna(raw)
        texts = ["" if m else v for v, m in zip(raw.tolist(), missing.tolist(), strict=True)]
        kinds = ["s" if t else "" for t in texts]  # "" is an empty cell, as openpyxl wrote it
        return Column(kinds, texts), _column_width([t for t, k in zip(texts, kinds,
                                                                      strict=True) if k])
    cells = [_cell_value(v) for v in values.to_numpy(dtype=object)]
    return classify(cells), _column_width(cells)


def _xlsx_bytes(table: pd.DataFrame, sheet: str) -> bytes:
    """Workbook bytes (:mod:`gistool.io._xlsx`): bold frozen header, fitted widths."""
    from gistool.io._xlsx import workbook_bytes

    headers = [str(c) for c in table.columns]
    columns = []
    widths = []
    for j, head in enumerate(headers):
        col, widest = _xlsx_column(table.iloc[:, j])
        columns.append(col)
        widths.append(min(max(display_width(head), widest) + 2, _MAX_WIDTH))
    return workbook_bytes(headers, columns, sheet=_sheet_title(sheet), widths=widths)
