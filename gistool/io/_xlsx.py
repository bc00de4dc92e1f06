"""A small, fast XLSX writer for one table on one sheet (Office Open XML written directly).

openpyxl and xlsxwriter build every cell as a Python object and serialise it
on its own (≈ 10 µs a cell; the 11,932-row enterprise list has ~200,000
cells). Here a column is turned into its cells' XML at once: values are
classified and formatted column by column (``repr`` of the floats, one XML
escape over the joined strings of a column) and each row is one string join.
Measured side by side in ``benchmarks/bench_outputs.py``.

What is written: one worksheet with the header row bold and frozen, column
widths, numbers as numbers, booleans as booleans, dates as date serials with
a date format, and every text as an inline string — never a formula,
whatever its first character. Characters XML cannot hold (controls) are
written in the OOXML ``_xHHHH_`` escape, and a literal ``_xHHHH_`` in a text
is protected as ``_x005F_xHHHH_``, so the text reads back exactly. The zip
entries carry fixed dates and the document properties a fixed creation time,
so the same table gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

__all__ = ["Column", "column_letter", "workbook_bytes", "xml_text"]

_FIXED_ZIP_TIME: Final[tuple[int, ...]] = (2000, 1, 1, 0, 0, 0)
_FIXED_DOC_TIME: Final[str] = "2000-01-01T00:00:00Z"
_EPOCH: Final[dt.datetime] = dt.datetime(1899, 12, 30)
#: Cell style indexes (``cellXfs`` of :data:`_STYLES`).
_BOLD, _DATETIME, _DATE = 1, 2, 3

_NS: Final[str] = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_NS_R: Final[str] = (
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"')
_REL: Final[str] = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL: Final[str] = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT: Final[str] = "application/vnd.openxmlformats-officedocument"
_HEAD: Final[str] = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

#: Characters written as ``_xHHHH_``: controls XML cannot hold, and CR (XML parsers
#: turn a literal CR into LF).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]")
_LITERAL_ESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
_SEP: Final[str] = "\x00"


def xml_text(text: str) -> str:
    """``text`` escaped for an OOXML text element (``&<>``, controls as ``_xHHHH_``).

    Examples
    --------
    >>> xml_text("<a & b>\\x01_x0041_")
    '&lt;a &amp; b&gt;_x0001__x005F_x0041_'
    """
    text = _LITERAL_ESCAPE.sub(r"_x005F_\1", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _CONTROL.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)


def _xml_texts(texts: list[str]) -> list[str]:
    """:func:`xml_text` of every text, in one pass over their NUL-joined concatenation."""
    if not texts:
        return []
    joined = _SEP.join(texts)
    if joined.count(_SEP) != len(texts) - 1:  # a text holds NUL itself
        return [xml_text(t) for t in texts]
    joined = _LITERAL_ESCAPE.sub(r"_x005F_\1", joined)
    joined = joined.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if _CONTROL.search(joined.replace(_SEP, "")):
        return [xml_text(t) for t in texts]
    return joined.split(_SEP)


def _attr(text: str) -> str:
    return xml_text(text).replace('"', "&quot;")


def column_letter(index: int) -> str:
    """Spreadsheet letters of a 0-based column index.

    Examples
    --------
    >>> column_letter(0), column_letter(25), column_letter(26), column_letter(16383)
    ('A', 'Z', 'AA', 'XFD')
    """
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


@dataclass
class Column:
    """One column's cells: a kind per row and the display text per row.

    ``kinds`` holds ``"n"`` (number), ``"s"`` (text), ``"b"`` (boolean),
    ``"d"``/``"t"`` (date / date-time serial) or ``""`` (empty cell);
    ``texts`` the number as written (``repr``), the text itself, ``"1"``/``"0"``
    or the serial.
    """

    kinds: list[str]
    texts: list[str]


def _serial(value: dt.date) -> str:
    if isinstance(value, dt.datetime):
        delta = value.replace(tzinfo=None) - _EPOCH
        return repr(delta.days + delta.seconds / 86400 + delta.microseconds / 86400e6)
    return str((value - _EPOCH.date()).days)


def classify(values: Sequence[Any]) -> Column:
    """Kinds and texts of a column of Python values (None and "" → empty cell).

    Finite floats and ints are numbers, ``bool`` booleans, ``str`` texts,
    ``datetime``/``date`` date serials; anything else is written as its
    ``str``.

    Examples
    --------
    >>> classify([1.5, None, "甲", True, 3]).kinds
    ['n', '', 's', 'b', 'n']
    """
    kinds: list[str] = []
    texts: list[str] = []
    for v in values:
        if v is None or v == "":
            kinds.append("")
            texts.append("")
        elif isinstance(v, bool):
            kinds.append("b")
            texts.append("1" if v else "0")
        elif isinstance(v, int | float):
            if isinstance(v, float) and not math.isfinite(v):
                kinds.append("")
                texts.append("")
            else:
                kinds.append("n")
                texts.append(repr(v))
        elif isinstance(v, str):
            kinds.append("s")
            texts.append(v)
        elif isinstance(v, dt.datetime):
            kinds.append("t")
            texts.append(_serial(v))
        elif isinstance(v, dt.date):
            kinds.append("d")
            texts.append(_serial(v))
        else:
            kinds.append("s")
            texts.append(str(v))
    return Column(kinds, texts)


def _cells(col: Column, letter: str, first_row: int) -> list[str]:
    """The ``<c>`` elements of a column (``""`` for an empty cell)."""
    kinds = set(col.kinds)
    n = len(col.kinds)
    rows = range(first_row, first_row + n)
    if kinds == {"s"}:
        esc = _xml_texts(col.texts)
        return [f'<c r="{letter}{r}" t="inlineStr"><is><t xml:space="preserve">{t}</t></is></c>'
                for r, t in zip(rows, esc, strict=True)]
    if kinds == {"n"}:
        return [f'<c r="{letter}{r}"><v>{t}</v></c>' for r, t in zip(rows, col.texts, strict=True)]
    strings = [t for k, t in zip(col.kinds, col.texts, strict=True) if k == "s"]
    esc = iter(_xml_texts(strings))
    out = []
    for r, k, t in zip(rows, col.kinds, col.texts, strict=True):
        if k == "s":
            out.append(f'<c r="{letter}{r}" t="inlineStr"><is><t xml:space="preserve">'
                       f"{next(esc)}</t></is></c>")
        elif k == "n":
            out.append(f'<c r="{letter}{r}"><v>{t}</v></c>')
        elif k == "b":
            out.append(f'<c r="{letter}{r}" t="b"><v>{t}</v></c>')
        elif k in ("d", "t"):
            style = _DATE if k == "d" else _DATETIME
            out.append(f'<c r="{letter}{r}" s="{style}"><v>{t}</v></c>')
        else:
            out.append("")
    return out


def _sheet_xml(headers: Sequence[str], columns: Sequence[Column], widths: Sequence[float]) -> str:
    letters = [column_letter(j) for j in range(len(headers))]
    n = max((len(c.kinds) for c in columns), default=0)
    head = "".join(
        f'<c r="{L}1" t="inlineStr" s="{_BOLD}"><is><t xml:space="preserve">{h}</t></is></c>'
        for L, h in zip(letters, _xml_texts([str(h) for h in headers]), strict=True))
    body = [f'<row r="1">{head}</row>']
    cells = [_cells(c, L, 2) for c, L in zip(columns, letters, strict=True)]
    body += [f'<row r="{i}">{"".join(row)}</row>'
             for i, row in enumerate(zip(*cells, strict=True), start=2)]
    last = f"{letters[-1]}{n + 1}" if letters else "A1"
    cols = "".join(f'<col min="{j}" max="{j}" width="{w:g}" customWidth="1"/>'
                   for j, w in enumerate(widths, start=1))
    return (
        f"{_HEAD}<worksheet {_NS} {_NS_R}>"
        f'<dimension ref="A1:{last}"/>'
        '<sheetViews><sheetView workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15"/>'
        + (f"<cols>{cols}</cols>" if cols else "")
        + "<sheetData>" + "".join(body) + "</sheetData>"
        '<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/>'
        "</worksheet>"
    )


_STYLES: Final[str] = (
    f"{_HEAD}<styleSheet {_NS}>"
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd h:mm:ss"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def _package(sheet_name: str) -> dict[str, str]:
    """Every part of the workbook but the worksheet."""
    return {
        "[Content_Types].xml": (
            f'{_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package'
            '.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.spreadsheetml.sheet'
            '.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_CT}.spreadsheetml'
            '.worksheet+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.spreadsheetml.styles+xml"/>'
            '<Override PartName="/docProps/core.xml" ContentType="application/vnd'
            '.openxmlformats-package.core-properties+xml"/>'
            f'<Override PartName="/docProps/app.xml" ContentType="{_CT}.extended-properties'
            '+xml"/></Types>'),
        "_rels/.rels": (
            f'{_HEAD}<Relationships xmlns="{_PKG_REL}">'
            f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/'
            'relationships/metadata/core-properties" Target="docProps/core.xml"/>'
            f'<Relationship Id="rId3" Type="{_REL}/extended-properties" '
            'Target="docProps/app.xml"/></Relationships>'),
        "docProps/app.xml": (
            f'{_HEAD}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
            'extended-properties"><Application>gistool</Application></Properties>'),
        "docProps/core.xml": (
            f'{_HEAD}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/'
            '2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            "<dc:creator>gistool</dc:creator>"
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{_FIXED_DOC_TIME}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{_FIXED_DOC_TIME}</dcterms:modified>'
            "</cp:coreProperties>"),
        "xl/workbook.xml": (
            f"{_HEAD}<workbook {_NS} {_NS_R}><bookViews><workbookView/></bookViews>"
            f'<sheets><sheet name="{_attr(sheet_name)}" sheetId="1" r:id="rId1"/></sheets>'
            "</workbook>"),
        "xl/_rels/workbook.xml.rels": (
            f'{_HEAD}<Relationships xmlns="{_PKG_REL}">'
            f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/>'
            "</Relationships>"),
        "xl/styles.xml": _STYLES,
    }


def workbook_bytes(
    headers: Sequence[str],
    columns: Sequence[Column],
    *,
    sheet: str = "Sheet1",
    widths: Sequence[float] = (),
) -> bytes:
    """The bytes of a one-sheet workbook: a bold, frozen header row above the columns.

    Parameters
    ----------
    headers
        Column headings (text).
    columns
        One :class:`Column` per heading, all of the same length.
    sheet
        Sheet name (at most 31 characters, none of ``[]:*?/\\``).
    widths
        Column widths in characters (none: the spreadsheet's default).

    Examples
    --------
    >>> import openpyxl
    >>> data = workbook_bytes(["名称", "人口"], [classify(["=1+1", "乙"]), classify([3.5, None])])
    >>> ws = openpyxl.load_workbook(io.BytesIO(data)).active
    >>> [[c.value for c in r] for r in ws.iter_rows()], ws["A2"].data_type, ws.freeze_panes
    ([['名称', '人口'], ['=1+1', 3.5], ['乙', None]], 's', 'A2')
    """
    parts = _package(sheet)
    parts["xl/worksheets/sheet1.xml"] = _sheet_xml(headers, columns, widths)
    order = ["[Content_Types].xml", "_rels/.rels", "docProps/app.xml", "docProps/core.xml",
             "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml",
             "xl/worksheets/sheet1.xml"]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in order:
            entry = zipfile.ZipInfo(name, date_time=_FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            zf.writestr(entry, parts[name].encode("utf-8"))
    return buf.getvalue()
