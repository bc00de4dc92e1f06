"""gistool's XLSX writer (:mod:`gistool.io._xlsx`) read back by openpyxl and pandas.

The writer builds the worksheet XML a column at a time; these tests check
what a user opening the file would check — values, types, the bold frozen
header, widths — against openpyxl (an independent reader) and against the
workbook openpyxl itself writes for the same table.
"""

from __future__ import annotations

import datetime as dt
import doctest
import io
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest

import gistool.io._xlsx
from gistool.io import write_table
from gistool.io._xlsx import classify, column_letter, workbook_bytes, xml_text
from gistool.io.tables import _cell_value, _xlsx_bytes


def _sheet(data: bytes) -> openpyxl.worksheet.worksheet.Worksheet:
    return openpyxl.load_workbook(io.BytesIO(data)).active


def _values(ws: openpyxl.worksheet.worksheet.Worksheet) -> list[list[object]]:
    return [[c.value for c in r] for r in ws.iter_rows()]


def _openpyxl_values(df: pd.DataFrame) -> list[list[object]]:
    """The same table written cell by cell by openpyxl, read back (the reference)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([str(c) for c in df.columns])
    for row in df.itertuples(index=False):
        ws.append([_cell_value(v) for v in row])
    for r in ws.iter_rows(min_row=2):
        for c in r:
            if isinstance(c.value, str):
                c.data_type = "s"
    buf = io.BytesIO()
    wb.save(buf)
    return _values(_sheet(buf.getvalue()))


def test_doctests() -> None:
    assert doctest.testmod(gistool.io._xlsx).failed == 0


def test_column_letters() -> None:
    assert [column_letter(i) for i in (0, 1, 25, 26, 27, 51, 52, 701, 702)] == [
        "A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"]


def test_mixed_table_reads_back_as_openpyxl_writes_it() -> None:
    df = pd.DataFrame({
        "名称": ["长葛市", "=HYPERLINK(\"http://x\",\"点我\")", "-1+2", "@SUM(A1)", None, "a&b<c>"],
        "人口": [12.0, np.nan, 3.25, -0.5, 1e-7, 123456789.125],
        "排名": np.array([1, 2, 3, 4, 5, 6], dtype=np.int64),
        "规上": [True, False, True, True, False, False],
        "分钟": [np.inf, -np.inf, 3.5, np.nan, 0.0, 7.0],
        "混合": [1, "二", 3.5, None, True, pd.NA],
        "可空": pd.array([1, None, 3, 4, None, 6], dtype="Int64"),
    })
    ws = _sheet(_xlsx_bytes(df, "表"))
    assert _values(ws) == _openpyxl_values(df)
    assert ws["A3"].data_type == "s"  # a formula-looking text stays text
    assert ws["A3"].value.startswith("=HYPERLINK")
    assert ws["E2"].value == "∞"  # infinity as text, not an empty number
    assert ws["E3"].value == "-∞"
    assert ws["D2"].value is True
    assert ws["D2"].data_type == "b"
    assert all(c.font.b for c in ws[1])
    assert not ws["A2"].font.b
    assert ws.freeze_panes == "A2"
    assert ws.title == "表"


def test_no_formula_element_whatever_the_text() -> None:
    df = pd.DataFrame({"x": ["=1+1", "+A1", "-A1", "@A1", "\tA1", "\rA1"]})
    data = _xlsx_bytes(df, "s")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        xml = zf.read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in xml
    assert b"<f " not in xml
    from openpyxl.utils.escape import unescape  # Excel decodes _x000D_ (CR); openpyxl does not

    ws = _sheet(data)
    assert [unescape(ws.cell(row=r, column=1).value) for r in range(2, 8)] == list(df["x"])
    assert {ws.cell(row=r, column=1).data_type for r in range(2, 8)} == {"s"}


def test_hostile_and_unusual_text_reads_back_exactly() -> None:
    texts = ["<script>alert(1)</script>", "a & b", "  leading and trailing  ", "两行\n文字",
             "_x0041_ literal escape", "ctrl\x01char", "tab\tin", "😀 emoji", "'quoted\""]
    df = pd.DataFrame({"名称": texts})
    wb = openpyxl.load_workbook(io.BytesIO(_xlsx_bytes(df, "x")))
    got = [c.value for c in wb.active["A"][1:]]
    # decoded as Excel decodes the OOXML _xHHHH_ escapes (openpyxl reads them raw)
    from openpyxl.utils.escape import unescape

    assert [unescape(g) for g in got] == texts
    assert xml_text("ctrl\x01char") == "ctrl_x0001_char"


def test_dates_are_date_serials_with_a_date_format() -> None:
    df = pd.DataFrame({"日期": [dt.date(2026, 11, 29), dt.datetime(2026, 11, 29, 6, 30)]})
    ws = _sheet(_xlsx_bytes(df, "d"))
    assert ws["A2"].value == dt.datetime(2026, 11, 29)
    assert ws["A2"].is_date
    assert ws["A3"].value == dt.datetime(2026, 11, 29, 6, 30)


def test_widths_and_deterministic_bytes(tmp_path) -> None:
    df = pd.DataFrame({"name": ["长葛市石固镇后河村民委员会", "abc"], "rank": [1, 22]})
    a = write_table(df, tmp_path / "a" / "t.xlsx")
    b = write_table(df, tmp_path / "b" / "t.xlsx")
    assert a.read_bytes() == b.read_bytes()
    ws = openpyxl.load_workbook(a).active
    assert ws.column_dimensions["A"].width == 13 * 2 + 2  # 13 CJK characters count 2 each
    assert ws.column_dimensions["B"].width == 4 + 2  # "排名" is 4 wide, wider than "22"
    with zipfile.ZipFile(a) as zf:
        assert {i.date_time for i in zf.infolist()} == {(2000, 1, 1, 0, 0, 0)}
        assert b"2000-01-01T00:00:00Z" in zf.read("docProps/core.xml")


def test_pandas_reads_the_same_frame() -> None:
    df = pd.DataFrame({"名称": ["甲", "乙", "丙"], "指数": [0.1234, 0.5, np.nan],
                       "排名": [3, 1, 2]})
    back = pd.read_excel(io.BytesIO(_xlsx_bytes(df, "x")), engine="openpyxl")
    pd.testing.assert_frame_equal(back, df, check_dtype=False)


def test_empty_table_and_empty_strings() -> None:
    ws = _sheet(workbook_bytes(["a", "b"], [classify([]), classify([])], sheet="e"))
    assert _values(ws) == [["a", "b"]]
    ws = _sheet(_xlsx_bytes(pd.DataFrame({"x": ["", "y"]}), "e"))
    assert _values(ws) == [["x"], [None], ["y"]]


@pytest.mark.parametrize("n", [1, 2_000])
def test_large_text_column_equals_openpyxl(n: int) -> None:
    rng = np.random.default_rng(0)
    names = [f"企业{i}<{rng.integers(0, 9)}>&" for i in range(n)]
    df = pd.DataFrame({"名称": names, "值": rng.normal(size=n).round(6), "类": ["一般"] * n})
    assert _values(_sheet(_xlsx_bytes(df, "x"))) == _openpyxl_values(df)
    # every float exactly (openpyxl itself writes 16 significant digits, repr 17)
    full = pd.DataFrame({"值": rng.normal(size=n)})
    assert [r[0] for r in _values(_sheet(_xlsx_bytes(full, "x")))[1:]] == full["值"].tolist()
