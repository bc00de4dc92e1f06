"""gistool info: vectors (GBK shapefile, multi-layer GPKG, CSV) and rasters."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from affine import Affine
from click.testing import CliRunner

from gistool.cli.main import cli, main
from gistool.io import write_raster


@pytest.fixture
def gbk_shp(tmp_path: Path) -> Path:
    """A GBK shapefile with Chinese field names and values and no .cpg."""
    gdf = gpd.GeoDataFrame(
        {"村名": ["后河村", "大周村"], "人口": [1520, 2310]},
        geometry=shapely.points([113.70, 113.80], [34.20, 34.30]), crs="EPSG:4490",
    )
    path = tmp_path / "村.shp"
    pyogrio.write_dataframe(gdf, path, encoding="GBK")
    path.with_suffix(".cpg").unlink()
    return path


def test_info_gbk_shapefile_shows_chinese(gbk_shp: Path) -> None:
    res = CliRunner().invoke(cli, ["info", str(gbk_shp)])
    assert res.exit_code == 0, res.output
    out = res.output
    assert "driver:    ESRI Shapefile" in out
    assert "encoding:  gb18030 (bytes decode as GB18030" in out
    assert "features:  2" in out
    assert "CRS:       EPSG:4490 (China Geodetic Coordinate System 2000, degree)" in out
    assert "bounds:    113.7, 34.2, 113.8, 34.3" in out
    assert "村名" in out
    assert "人口" in out


def test_info_json(gbk_shp: Path) -> None:
    res = CliRunner().invoke(cli, ["info", str(gbk_shp), "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    assert d["encoding"] == "gb18030"
    (layer,) = d["layers"]
    assert layer["features"] == 2
    assert layer["crs"]["epsg"] == 4490
    assert [c["name"] for c in layer["columns"]] == ["村名", "人口"]
    assert layer["bounds"] == pytest.approx([113.7, 34.2, 113.8, 34.3])


def test_info_multilayer_gpkg(tmp_path: Path) -> None:
    path = tmp_path / "zoning.gpkg"
    pts = gpd.GeoDataFrame({"name": ["甲"]}, geometry=[shapely.Point(470000, 3785000)], crs=4547)
    pyogrio.write_dataframe(pts, path, layer="企业")
    pyogrio.write_dataframe(pts.set_geometry(pts.buffer(10)), path, layer="分区")
    res = CliRunner().invoke(cli, ["info", str(path)])
    assert res.exit_code == 0, res.output
    assert "layers:    企业, 分区" in res.output
    assert "layer '分区'" in res.output
    assert "geometry:  Polygon" in res.output
    res = CliRunner().invoke(cli, ["info", str(path), "--layer", "分区", "--json"])
    assert [layer["name"] for layer in json.loads(res.output)["layers"]] == ["分区"]


def test_info_csv_xy_without_crs(tmp_path: Path) -> None:
    path = tmp_path / "xy.csv"
    path.write_text("名称,x,y\n甲,470000,3785000\n", encoding="gbk")
    res = CliRunner().invoke(cli, ["info", str(path)])
    assert res.exit_code == 0, res.output
    assert "encoding:  gb18030" in res.output
    assert "CRS:       none" in res.output
    assert "note:" in res.output


def test_info_raster(tmp_path: Path) -> None:
    data = np.array([[0.0, 0.5], [1.5, np.nan]], dtype="float32")
    path = tmp_path / "depth.tif"
    write_raster(data, path, transform=Affine(10, 0, 470000, 0, -10, 3785020), crs="EPSG:4547")
    res = CliRunner().invoke(cli, ["info", str(path), "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    assert (d["width"], d["height"], d["resolution"]) == (2, 2, [10.0, 10.0])
    assert d["crs"]["epsg"] == 4547
    assert d["nodata"] == "nan"
    assert d["bounds"] == [470000.0, 3785000.0, 470020.0, 3785020.0]
    band = d["bands"][0]
    assert (band["valid"], band["min"], band["max"]) == (3, 0.0, 1.5)
    assert band["mean"] == pytest.approx(2.0 / 3)
    text = CliRunner().invoke(cli, ["info", str(path)]).output
    assert "layout:    COG" in text


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("broken.tif", b"II*\x00garbage", "cannot be read as a raster"),
        ("empty.tif", b"", "is empty (0 bytes)"),
        ("broken.gpkg", b"not a database at all" * 10, "cannot be read as GeoPackage"),
        ("notes.docx", b"x", "unknown format '.docx'"),
    ],
)
def test_info_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str,
                        content: bytes, expected: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(SystemExit) as info:
        main(["info", str(path)])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert name in err
    assert expected in err


def test_info_unknown_layer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "a.gpkg"
    pts = gpd.GeoDataFrame(geometry=[shapely.Point(1, 1)], crs=4547)
    pyogrio.write_dataframe(pts, path, layer="企业")
    with pytest.raises(SystemExit) as info:
        main(["info", str(path), "--layer", "x"])
    assert info.value.code == 2
    assert "no such layer; layers: ['企业']" in capsys.readouterr().err


def test_info_plain_table(tmp_path: Path) -> None:
    path = tmp_path / "乡镇.csv"
    path.write_text("代码,名称\n411082001,长兴路街道\n", encoding="utf-8-sig")
    res = CliRunner().invoke(cli, ["info", str(path)])
    assert res.exit_code == 0, res.output
    assert "geometry:  none" in res.output
    assert "no coordinate columns found" in res.output
    assert "代码" in res.output


def test_info_xlsx_lists_every_sheet(tmp_path: Path) -> None:
    import pandas as pd

    path = tmp_path / "名录.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        pd.DataFrame({"说明": ["本表为示例"]}).to_excel(xw, sheet_name="说明", index=False)
        pd.DataFrame({"名称": ["甲"], "经度": [113.7], "纬度": [34.2]}).to_excel(
            xw, sheet_name="企业", index=False)
    d = json.loads(CliRunner().invoke(cli, ["info", str(path), "--json"]).output)
    assert [s["name"] for s in d["layers"]] == ["说明", "企业"]
    assert d["layers"][0]["geometry_type"] is None
    assert d["layers"][1]["crs"]["epsg"] == 4326
