"""Shapefile and CSV encodings: GBK without .cpg, language-driver bytes, overrides."""

from __future__ import annotations

import contextlib
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from gistool.errors import DataRepairWarning, InputError
from gistool.io import detect_encoding, read_layer
from gistool.io.encoding import detect_dbf_encoding, normalise_encoding

NAMES = ["长葛市", "大周镇", "佛耳湖镇"]


def _gbk_shapefile(folder: Path, ldid: int | None = None, *, cpg: str | None = None) -> Path:
    """A GBK shapefile with Chinese field names and values, no .cpg, optional LDID byte."""
    gdf = gpd.GeoDataFrame(
        {"名称": NAMES, "人口": [780000, 65000, 41000], "类型": ["市", "镇", "镇"]},
        geometry=shapely.points([113.77, 113.80, 113.60], [34.22, 34.25, 34.30]),
        crs="EPSG:4326",
    )
    path = folder / "gbk.shp"
    pyogrio.write_dataframe(gdf, path, encoding="GBK")
    path.with_suffix(".cpg").unlink()
    if ldid is not None:
        dbf = path.with_suffix(".dbf")
        raw = bytearray(dbf.read_bytes())
        raw[29] = ldid
        dbf.write_bytes(bytes(raw))
    if cpg is not None:
        path.with_suffix(".cpg").write_text(cpg, encoding="ascii")
    return path


@pytest.mark.parametrize(
    ("ldid", "expected", "how"),
    [
        (None, "gb18030", "bytes decode as GB18030"),
        (0x00, "gb18030", "bytes decode as GB18030"),
        (0x4D, "gbk", "language driver byte 0x4D"),
        (0x7A, "gbk", "language driver byte 0x7A"),
        (0x57, "gb18030", "bytes decode as GB18030"),  # "ANSI" byte on GBK data
    ],
)
def test_gbk_shapefile_without_cpg(tmp_path: Path, ldid: int | None, expected: str,
                                   how: str) -> None:
    path = _gbk_shapefile(tmp_path, ldid)
    enc, found_how = detect_encoding(path)
    assert enc == expected
    assert how in found_how
    got = read_layer(path)
    assert list(got.columns[:3]) == ["名称", "人口", "类型"]
    assert got["名称"].tolist() == NAMES
    assert got["类型"].tolist() == ["市", "镇", "镇"]
    assert got.attrs["source_encoding"] == expected


def test_cpg_wins(tmp_path: Path) -> None:
    path = _gbk_shapefile(tmp_path, 0x57, cpg="936")
    assert detect_encoding(path) == ("gbk", ".cpg file says '936'")
    assert read_layer(path)["名称"].tolist() == NAMES


def test_wrong_cpg_overridden_by_encoding(tmp_path: Path) -> None:
    path = _gbk_shapefile(tmp_path, cpg="ISO-8859-1")  # a lying .cpg
    assert "名称" not in read_layer(path).columns  # mojibake, as the .cpg asks
    assert read_layer(path, encoding="gbk")["名称"].tolist() == NAMES


def test_utf8_shapefile(tmp_path: Path) -> None:
    xy = shapely.points([470e3, 471e3, 472e3], [3785e3] * 3)
    gdf = gpd.GeoDataFrame({"名称": NAMES}, geometry=xy, crs="EPSG:4547")
    path = tmp_path / "u.shp"
    pyogrio.write_dataframe(gdf, path, encoding="UTF-8")
    assert detect_encoding(path)[0] == "utf-8"
    path.with_suffix(".cpg").unlink()
    assert detect_encoding(path) == ("utf-8", "bytes decode as UTF-8 (no .cpg, language "
                                              "driver byte 0x00)")
    assert read_layer(path)["名称"].tolist() == NAMES


def test_latin1_falls_back_to_ldid() -> None:
    header = bytearray(64)  # 32-byte header + one 32-byte field descriptor, then 0x0D
    header[8:10] = (65).to_bytes(2, "little")
    header[29] = 0x57
    header[32:36] = b"NAME"
    data = bytes(header) + b"\r" + " café é".encode("latin-1")
    assert detect_dbf_encoding(None, data) == ("cp1252", "dBase language driver byte 0x57")


def test_csv_detection(tmp_path: Path) -> None:
    p = tmp_path / "a.csv"
    p.write_bytes("名称\n长葛\n".encode("utf-8-sig"))
    assert detect_encoding(p) == ("utf-8-sig", "UTF-8 byte-order mark")
    p.write_bytes("名称\n长葛\n".encode("gb18030"))
    assert detect_encoding(p)[0] == "gb18030"


def test_unknown_encoding_name() -> None:
    with pytest.raises(InputError, match=r"unknown text encoding 'klingon'.*'gb18030'"):
        normalise_encoding("klingon")
    assert normalise_encoding("CP936") == "gbk"


def test_wrong_encoding_is_a_clear_error(tmp_path: Path) -> None:
    path = _gbk_shapefile(tmp_path)
    with pytest.raises(InputError, match=r"gbk.shp', layer 'gbk': text is not utf-8 \(given by "
                                         r"the caller\); pass the right encoding="):
        read_layer(path, encoding="utf-8")


def test_read_table_gbk_codes(tmp_path: Path) -> None:
    from gistool.io import read_table

    p = tmp_path / "villages.csv"
    p.write_bytes("代码,名称,人口\n411082100201,后河村,1520\n".encode("gbk"))
    df = read_table(p, columns={"代码": "code", "名称": "name", "人口": "population"})
    assert df["code"].tolist() == ["411082100201"]
    assert df["population"].tolist() == [1520]
    assert df.attrs["source_encoding"] == "gb18030"


def test_gbk_beyond_the_sample_falls_back(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import gistool.io.encoding as encoding

    n = 400
    gdf = gpd.GeoDataFrame({"name": ["ascii"] * (n - 1) + ["长葛市"]},
                           geometry=shapely.points(range(n), range(n)), crs="EPSG:4547")
    path = tmp_path / "late.shp"
    pyogrio.write_dataframe(gdf, path, encoding="GBK")
    path.with_suffix(".cpg").unlink()
    monkeypatch.setattr(encoding, "_SAMPLE_BYTES", 2048)  # the GBK record lies beyond it
    assert detect_encoding(path)[0] == "utf-8"
    got = read_layer(path)
    assert got["name"].iloc[-1] == "长葛市"
    assert got.attrs["source_encoding"] == "gb18030"
    assert "later bytes not UTF-8" in got.attrs["source_encoding_how"]


def test_csv_gbk_beyond_the_sample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import gistool.io.encoding as encoding

    path = tmp_path / "late.csv"
    rows = "".join(f"a{i},113.7,34.2\n" for i in range(300))
    path.write_bytes(("name,lon,lat\n" + rows + "长葛,113.8,34.3\n").encode("gbk"))
    monkeypatch.setattr(encoding, "_SAMPLE_BYTES", 1024)
    got = read_layer(path, to_crs=None)
    assert got["name"].iloc[-1] == "长葛"
    assert got.attrs["source_encoding"] == "gb18030"


def test_csv_wrong_encoding_given(tmp_path: Path) -> None:
    path = tmp_path / "g.csv"
    path.write_bytes("name,lon,lat\n长葛,113.8,34.3\n".encode("gbk"))
    with pytest.raises(InputError, match=r"g.csv': text is not utf-8 \(given by the caller; "
                                         r"invalid .* at byte \d+\); pass the right encoding="):
        read_layer(path, encoding="utf-8")


def test_csv_undecodable_is_replaced_with_warning(tmp_path: Path) -> None:
    path = tmp_path / "bin.csv"
    path.write_bytes(b"name,lon,lat\n\x80\xff\x80,113.8,34.3\n")
    with pytest.warns(DataRepairWarning, match="neither UTF-8 nor GB18030"):
        got = read_layer(path, to_crs=None)
    assert "\ufffd" in got["name"].iloc[0]


def test_utf8_data_with_a_gbk_language_byte(tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame({"名称": NAMES}, geometry=shapely.points([1e5] * 3, [1e6] * 3),
                           crs="EPSG:4547")
    path = tmp_path / "lying.shp"
    pyogrio.write_dataframe(gdf, path, encoding="UTF-8")
    path.with_suffix(".cpg").unlink()
    dbf = path.with_suffix(".dbf")
    raw = bytearray(dbf.read_bytes())
    raw[29] = 0x4D
    dbf.write_bytes(bytes(raw))
    enc, how = detect_encoding(path)
    assert enc == "utf-8"
    assert "says gbk, ignored" in how
    assert read_layer(path)["名称"].tolist() == NAMES


def _gb2312_hanzi() -> list[str]:
    out = []
    for lead in range(0xB0, 0xF8):
        for trail in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):
                out.append(bytes([lead, trail]).decode("gb2312"))
    return out


HANZI = _gb2312_hanzi()


@settings(max_examples=300, deadline=None)
@given(
    words=st.lists(st.text(st.sampled_from(HANZI), min_size=1, max_size=6), min_size=1,
                   max_size=4),
    pad=st.sampled_from(["", " ", "   ", ",12,"]),
)
def test_guess_gbk_versus_utf8(words: list[str], pad: str) -> None:
    """Any Chinese text (even the ~14 % of GBK characters that are valid UTF-8 pairs)."""
    from gistool.io.encoding import guess_bytes_encoding

    text = pad.join(words) + pad
    assert guess_bytes_encoding(text.encode("gbk"))[0] == "gb18030"
    assert guess_bytes_encoding(text.encode("utf-8"))[0] == "utf-8"


@pytest.mark.parametrize("text", ["café", "Zürich Straße", "Ελλάδα", "Москва"])
def test_guess_non_chinese_utf8(text: str) -> None:
    from gistool.io.encoding import guess_bytes_encoding

    assert guess_bytes_encoding(text.encode("utf-8"))[0] == "utf-8"
