"""write_layer, write_table and write_raster: formats, atomicity, determinism, safety."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pytest
import rasterio
import shapely
from affine import Affine

from gistool.errors import CRSError, DataRepairWarning, OutputError
from gistool.io import read_layer, write_layer, write_raster, write_table
from gistool.io.write import write_gpkg_layers


@pytest.fixture
def villages() -> gpd.GeoDataFrame:
    """Two square villages in EPSG:4547 near Changge."""
    squares = [shapely.box(470000, 3785000, 471000, 3786000),
               shapely.box(471000, 3785000, 472000, 3786000)]
    return gpd.GeoDataFrame(
        {"code": ["411082100201", "411082100202"], "name": ["后河村", "大周村"],
         "population": [1520.0, 2310.0]},
        geometry=squares, crs="EPSG:4547",
    )


def _md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def _no_temp_left(folder: Path) -> None:
    assert not [p.name for p in folder.iterdir() if p.name.startswith(".")]


# --------------------------------------------------------------------------- vector


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson", ".shp", ".parquet", ".fgb", ".csv",
                                    ".xlsx"])
def test_round_trip(tmp_path: Path, villages: gpd.GeoDataFrame, suffix: str) -> None:
    path = tmp_path / f"villages{suffix}"
    write_layer(villages, path)
    got = read_layer(path, to_crs="EPSG:4547").sort_values("code")
    assert got["name"].tolist() == ["后河村", "大周村"]
    assert got["code"].tolist() == ["411082100201", "411082100202"]
    # GeoJSON (RFC 7946) keeps 7 decimals of a degree, about 1 cm
    np.testing.assert_allclose(got.area.to_numpy(), [1e6, 1e6], rtol=1e-5)
    _no_temp_left(tmp_path)


@pytest.mark.parametrize("dtype", ["str", object])
def test_gpkg_missing_text_is_null_not_nan(tmp_path: Path, villages: gpd.GeoDataFrame,
                                           dtype: object) -> None:
    """A missing name is NULL in the GeoPackage (pandas' string dtype holds it as NaN)."""
    villages = villages.copy()
    villages["name"] = pd.Series(["后河村", None], dtype=dtype)
    path = tmp_path / "villages.gpkg"
    write_layer(villages, path)
    write_gpkg_layers({"villages": villages}, tmp_path / "two.gpkg")
    for p in (path, tmp_path / "two.gpkg"):
        raw = pyogrio.read_dataframe(p, read_geometry=False)
        assert raw["name"].iloc[0] == "后河村"
        assert pd.isna(raw["name"].iloc[1])


def test_gpkg_keeps_other_layers(tmp_path: Path, villages: gpd.GeoDataFrame) -> None:
    path = tmp_path / "zoning.gpkg"
    write_layer(villages, path, layer="villages")
    write_layer(villages.iloc[:1], path, layer="zones")
    assert pyogrio.list_layers(path)[:, 0].tolist() == ["villages", "zones"]
    assert len(read_layer(path, layer="villages")) == 2
    write_layer(villages.iloc[:1], path, layer="villages")  # replace layer A, keep B
    assert len(read_layer(path, layer="villages")) == 1
    assert len(read_layer(path, layer="zones")) == 1
    with pytest.raises(OutputError, match=r"layer 'zones' exists in '.*zoning.gpkg'.*overwrite"):
        write_layer(villages, path, layer="zones", overwrite=False)
    write_layer(villages, path, layer="new", overwrite=False)  # a new layer is not an overwrite
    _no_temp_left(tmp_path)


def test_gpkg_deterministic(tmp_path: Path, villages: gpd.GeoDataFrame) -> None:
    a, b = tmp_path / "a" / "z.gpkg", tmp_path / "b" / "z.gpkg"
    write_layer(villages, a, layer="villages")
    write_layer(villages, b, layer="villages")
    assert _md5(a) == _md5(b)


def test_shapefile_utf8_cpg_and_deterministic(tmp_path: Path,
                                              villages: gpd.GeoDataFrame) -> None:
    a, b = tmp_path / "a" / "v.shp", tmp_path / "b" / "v.shp"
    write_layer(villages, a)
    write_layer(villages, b)
    assert a.with_suffix(".cpg").read_text() == "UTF-8"
    for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
        assert _md5(a.with_suffix(ext)) == _md5(b.with_suffix(ext))
    _no_temp_left(a.parent)


def test_shapefile_long_names_warn(tmp_path: Path, villages: gpd.GeoDataFrame) -> None:
    gdf = villages.assign(统一社会信用代码=["91411082MA00000000", "91411082MA00000001"])
    with pytest.warns(DataRepairWarning, match=r"10 bytes; renamed 统一社会信用代码 → 统一社"):
        write_layer(gdf, tmp_path / "v.shp")
    assert "统一社" in read_layer(tmp_path / "v.shp").columns


def test_geojson_is_rfc7946_wgs84(tmp_path: Path, villages: gpd.GeoDataFrame) -> None:
    path = tmp_path / "v.geojson"
    write_layer(villages, path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    lon, lat = doc["features"][0]["geometry"]["coordinates"][0][0]
    assert 113 < lon < 114
    assert 34 < lat < 35
    assert doc["features"][0]["properties"]["name"] == "后河村"


def test_csv_points_are_lonlat(tmp_path: Path) -> None:
    pts = gpd.GeoDataFrame({"name": ["消防站"]}, geometry=[shapely.Point(113.77, 34.22)],
                           crs=4326).to_crs(4547)
    path = tmp_path / "p.csv"
    write_layer(pts, path)
    rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0] == ["name", "lon", "lat"]
    assert rows[1][0] == "消防站"
    assert float(rows[1][1]) == pytest.approx(113.77, abs=1e-9)
    assert float(rows[1][2]) == pytest.approx(34.22, abs=1e-9)


def test_refuse_overwrite_and_missing_crs(tmp_path: Path, villages: gpd.GeoDataFrame) -> None:
    path = tmp_path / "v.geojson"
    write_layer(villages, path)
    before = path.read_bytes()
    with pytest.raises(OutputError, match=r"v.geojson' exists; pass overwrite=True"):
        write_layer(villages, path, overwrite=False)
    assert path.read_bytes() == before
    with pytest.raises(CRSError, match=r"the layer has no CRS"):
        write_layer(villages.set_crs(None, allow_override=True), tmp_path / "x.gpkg")
    with pytest.raises(OutputError, match=r"cannot tell the output format of .*\.dwg"):
        write_layer(villages, tmp_path / "x.dwg")


def test_failed_write_leaves_old_file(tmp_path: Path, villages: gpd.GeoDataFrame,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "v.gpkg"
    write_layer(villages, path, layer="villages")
    before = _md5(path)

    def crash(gdf: gpd.GeoDataFrame, tmp: Path, **kwargs: object) -> None:
        Path(tmp).write_bytes(b"half a file")
        raise RuntimeError("disk full")

    monkeypatch.setattr(pyogrio, "write_dataframe", crash)
    with pytest.raises(RuntimeError, match="disk full"):
        write_layer(villages, path, layer="villages")
    with pytest.raises(RuntimeError, match="disk full"):
        write_layer(villages, tmp_path / "v.shp")
    assert _md5(path) == before
    assert not (tmp_path / "v.shp").exists()
    _no_temp_left(tmp_path)


# --------------------------------------------------------------------------- tables


def test_table_csv_bom_headings_and_injection(tmp_path: Path) -> None:
    df = pd.DataFrame({"name": ['=HYPERLINK("http://evil","点我")', "-1+2", "后河村"],
                       "rank": [1, 2, 3], "risk_index": [0.9, -0.5, 0.1]})
    path = tmp_path / "rank.csv"
    write_table(df, path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0] == ["名称", "排名", "风险指数"]
    assert rows[1][0] == '\'=HYPERLINK("http://evil","点我")'
    assert rows[2][0] == "'-1+2"
    assert rows[3] == ["后河村", "3", "0.1"]
    assert rows[2][2] == "-0.5"  # numbers are not text: untouched


def test_table_xlsx(tmp_path: Path) -> None:
    df = gpd.GeoDataFrame(
        {"name": ['=HYPERLINK("http://evil","点我")', "长葛市石固镇后河村民委员会"],
         "population": [12.0, np.nan]},
        geometry=[shapely.Point(0, 0), shapely.Point(1, 1)], crs=4547)
    path = tmp_path / "t.xlsx"
    write_table(df, path)
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    assert [c.value for c in ws[1]] == ["名称", "人口"]
    assert ws["A1"].font.bold
    assert ws.freeze_panes == "A2"
    cell = ws["A2"]
    assert cell.data_type == "s"  # a string, never a formula
    assert cell.value == '=HYPERLINK("http://evil","点我")'
    assert ws["B3"].value is None
    # widest: the 30-character formula text with 2 CJK characters = 32 columns, +2 padding
    assert ws.column_dimensions["A"].width == 34
    wb.close()


def test_table_xlsx_deterministic(tmp_path: Path) -> None:
    df = pd.DataFrame({"name": ["甲", "乙"], "rank": [1, 2]})
    a, b = tmp_path / "a" / "t.xlsx", tmp_path / "b" / "t.xlsx"  # sheet named after the stem
    write_table(df, a)
    write_table(df, b)
    assert _md5(a) == _md5(b)


def test_table_canonical_headings(tmp_path: Path) -> None:
    write_table(pd.DataFrame({"name": ["甲"]}), tmp_path / "c.csv", headings="canonical")
    assert (tmp_path / "c.csv").read_text(encoding="utf-8-sig").splitlines()[0] == "name"
    with pytest.raises(OutputError, match=r"use a .csv or .xlsx"):
        write_table(pd.DataFrame({"a": [1]}), tmp_path / "c.txt")


# --------------------------------------------------------------------------- raster


def test_write_raster_cog(tmp_path: Path) -> None:
    data = np.linspace(0, 3, 700 * 600, dtype="float32").reshape(700, 600)
    data[0, 0] = np.nan
    transform = Affine(10, 0, 470000, 0, -10, 3790000)
    a, b = tmp_path / "a.tif", tmp_path / "b.tif"
    write_raster(data, a, transform=transform, crs="EPSG:4547")
    write_raster(data, b, transform=transform, crs="EPSG:4547")
    assert _md5(a) == _md5(b)
    with rasterio.open(a) as src:
        assert src.crs.to_epsg() == 4547
        assert src.transform == transform
        assert np.isnan(src.nodata)
        assert src.tags(ns="IMAGE_STRUCTURE")["LAYOUT"] == "COG"
        assert src.compression.name.upper() == "DEFLATE"
        assert src.overviews(1) == [2]
        assert "TIFFTAG_DATETIME" not in src.tags()
        np.testing.assert_array_equal(src.read(1), data)
        profile = src.profile
    c = tmp_path / "c.tif"
    write_raster(data.astype("float64"), c, profile=profile, cog=False)
    with rasterio.open(c) as src:
        assert src.crs.to_epsg() == 4547
        assert src.transform == transform


@pytest.mark.parametrize("cog", [True, False])
def test_write_raster_predictor_switch(tmp_path: Path, cog: bool) -> None:
    """predictor=False writes plain DEFLATE; the values are the same either way."""
    depth = np.zeros((600, 700), dtype="float32")
    depth[200:260, 100:500] = np.linspace(0.1, 2.5, 400, dtype="float32")
    transform = Affine(10, 0, 470000, 0, -10, 3790000)
    with_p, without = tmp_path / "p.tif", tmp_path / "n.tif"
    write_raster(depth, with_p, transform=transform, crs="EPSG:4547", cog=cog)
    write_raster(depth, without, transform=transform, crs="EPSG:4547", cog=cog, predictor=False)
    for path, tag in ((with_p, "3"), (without, None)):
        with rasterio.open(path) as src:
            assert src.tags(ns="IMAGE_STRUCTURE").get("PREDICTOR") == tag
            np.testing.assert_array_equal(src.read(1), depth)


def test_write_raster_refuses(tmp_path: Path) -> None:
    t = Affine(10, 0, 0, 0, -10, 0)
    with pytest.raises(CRSError, match="no CRS given"):
        write_raster(np.zeros((2, 2)), tmp_path / "x.tif", transform=t)
    write_raster(np.zeros((2, 2)), tmp_path / "x.tif", transform=t, crs=4547)
    with pytest.raises(OutputError, match="exists"):
        write_raster(np.zeros((2, 2)), tmp_path / "x.tif", transform=t, crs=4547,
                     overwrite=False)


def test_gpkg_replace_whole_file(tmp_path: Path, villages: gpd.GeoDataFrame) -> None:
    path = tmp_path / "z.gpkg"
    write_layer(villages, path, layer="a")
    write_layer(villages, path, layer="b", keep_layers=False)
    assert pyogrio.list_layers(path)[:, 0].tolist() == ["b"]
    with pytest.raises(OutputError, match="exists"):
        write_layer(villages, path, layer="c", keep_layers=False, overwrite=False)


def test_unwritable_destination(tmp_path: Path, villages: gpd.GeoDataFrame) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")  # a file where a folder should be
    for name in ("v.gpkg", "v.geojson", "v.shp", "v.csv"):
        with pytest.raises(OutputError, match=rf"cannot write '.*file/sub/{name}'"):
            write_layer(villages, blocker / "sub" / name)
    with pytest.raises(OutputError, match=r"cannot write '.*file/d.tif'"):
        write_raster(np.zeros((2, 2)), blocker / "d.tif", transform=Affine(1, 0, 0, 0, -1, 0),
                     crs=4547)


def test_xlsx_infinity_is_text_not_an_empty_number(tmp_path) -> None:
    import numpy as np
    import openpyxl
    import pandas as pd

    from gistool.io import write_table

    path = write_table(
        pd.DataFrame({"name": ["甲", "乙"], "minutes": [np.inf, 3.5]}), tmp_path / "t.xlsx"
    )
    ws = openpyxl.load_workbook(path).active
    assert [ws.cell(row=r, column=2).value for r in (2, 3)] == ["∞", 3.5]
