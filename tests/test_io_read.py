"""read_layer: every format round-trips, CRS handling, column maps, clear errors."""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from gistool.errors import (
    CRSError,
    CRSWarning,
    DataRepairWarning,
    GeometryError,
    InputError,
    SchemaError,
)
from gistool.io import read_layer, write_layer

LON = np.array([113.769, 113.80, 113.72])
LAT = np.array([34.219, 34.25, 34.18])


@pytest.fixture
def points() -> gpd.GeoDataFrame:
    """Three enterprises in lon/lat with Chinese names and categories."""
    return gpd.GeoDataFrame(
        {
            "id": ["E1", "E2", "E3"],
            "name": ["长葛市某化工厂", "大周镇再生金属公司", "南席镇卫浴厂"],
            "category": ["hazardous_chemicals", "metallurgy", "general"],
            "above_scale": [True, False, True],
        },
        geometry=shapely.points(LON, LAT),
        crs="EPSG:4326",
    )


def _xy_4547(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    g = gpd.GeoSeries(shapely.points(lon, lat), crs=4326).to_crs(4547)
    return shapely.get_coordinates(g.values)


@pytest.mark.parametrize(
    ("name", "driver"),
    [
        ("a.gpkg", "GPKG"),
        ("a.shp", "ESRI Shapefile"),
        ("a.geojson", "GeoJSON"),
        ("a.fgb", "FlatGeobuf"),
    ],
)
def test_gdal_formats_round_trip(tmp_path: Path, points: gpd.GeoDataFrame, name: str,
                                 driver: str) -> None:
    path = tmp_path / name
    pyogrio.write_dataframe(points, path, driver=driver)
    got = read_layer(path).sort_values("id")  # FlatGeobuf reorders along its spatial index
    assert got.crs.to_epsg() == 4547
    assert got["name"].tolist() == points["name"].tolist()
    np.testing.assert_allclose(shapely.get_coordinates(got.geometry.values),
                               _xy_4547(LON, LAT), atol=1e-3)
    assert got.attrs["source_crs"] == "EPSG:4326"


def test_geoparquet_round_trip(tmp_path: Path, points: gpd.GeoDataFrame) -> None:
    path = tmp_path / "a.parquet"
    points.to_parquet(path)
    got = read_layer(path, to_crs=None)
    assert got.crs.to_epsg() == 4326
    assert got["name"].tolist() == points["name"].tolist()
    assert got.attrs["source_format"] == "GeoParquet"


def test_zipped_shapefile(tmp_path: Path, points: gpd.GeoDataFrame) -> None:
    pyogrio.write_dataframe(points, tmp_path / "ent.shp", encoding="GBK")
    (tmp_path / "ent.cpg").unlink()
    zpath = tmp_path / "ent.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        for ext in (".shp", ".shx", ".dbf", ".prj"):
            zf.write(tmp_path / f"ent{ext}", f"ent{ext}")
    got = read_layer(zpath)
    assert got["name"].tolist() == points["name"].tolist()
    assert got.attrs["source_encoding"] == "gb18030"


def test_to_crs_options(tmp_path: Path, points: gpd.GeoDataFrame) -> None:
    path = tmp_path / "a.gpkg"
    pyogrio.write_dataframe(points, path)
    assert read_layer(path, to_crs=None).crs.to_epsg() == 4326
    assert read_layer(path, to_crs="EPSG:3857").crs.to_epsg() == 3857


def test_gpkg_layers(tmp_path: Path, points: gpd.GeoDataFrame) -> None:
    path = tmp_path / "two.gpkg"
    pyogrio.write_dataframe(points, path, layer="企业")
    pyogrio.write_dataframe(points.iloc[:1], path, layer="其他")
    assert len(read_layer(path, layer="其他")) == 1
    with pytest.raises(InputError, match=r"has 2 layers.*企业.*其他.*layer="):
        read_layer(path)
    with pytest.raises(InputError, match=r"'nope': no such layer; layers: \['企业', '其他'\]"):
        read_layer(path, layer="nope")


# --------------------------------------------------------------------------- CSV / XLSX


def test_csv_chinese_lonlat_columns(tmp_path: Path) -> None:
    path = tmp_path / "企业.csv"
    pd.DataFrame({"企业名称": ["甲厂", "乙厂"], "经度": LON[:2], "纬度": LAT[:2],
                  "编号": ["007", "010"]}).to_csv(path, index=False, encoding="utf-8-sig")
    got = read_layer(path, columns={"企业名称": "name", "编号": "id"})
    assert got["name"].tolist() == ["甲厂", "乙厂"]
    assert got["id"].tolist() == ["007", "010"]  # codes keep their leading zeros
    assert "经度" not in got.columns
    np.testing.assert_allclose(shapely.get_coordinates(got.geometry.values),
                               _xy_4547(LON[:2], LAT[:2]), atol=1e-3)
    assert got.attrs["source_encoding"] == "utf-8-sig"


def test_csv_gbk_fallback(tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    text = "名称,lng,lat\n长葛市消防救援大队,113.77,34.22\n"
    path.write_bytes(text.encode("gbk"))
    got = read_layer(path, to_crs=None)
    assert got["名称"].tolist() == ["长葛市消防救援大队"]
    assert got.attrs["source_encoding"] == "gb18030"
    assert got.geometry.iloc[0].equals(shapely.Point(113.77, 34.22))


def test_csv_encoding_override(tmp_path: Path) -> None:
    path = tmp_path / "big5.csv"
    path.write_bytes("名稱,lon,lat\n長葛,113.77,34.22\n".encode("big5"))
    assert read_layer(path, encoding="big5")["名稱"].tolist() == ["長葛"]


def test_csv_xy_needs_crs(tmp_path: Path) -> None:
    path = tmp_path / "xy.csv"
    xy = _xy_4547(LON, LAT)
    pd.DataFrame({"name": list("abc"), "X": xy[:, 0], "Y": xy[:, 1]}).to_csv(path, index=False)
    with pytest.raises(CRSError, match=r"xy.csv.*columns 'X'/'Y' hold x/y.*pass crs="):
        read_layer(path)
    got = read_layer(path, crs="EPSG:4547")
    np.testing.assert_allclose(shapely.get_coordinates(got.geometry.values), xy)


def test_csv_semicolon_and_wkt(tmp_path: Path) -> None:
    path = tmp_path / "lines.csv"
    path.write_text("name;wkt\n清潩河;LINESTRING (113.8 34.3, 113.81 34.1)\n", encoding="utf-8")
    got = read_layer(path, to_crs=None, kind="rivers")
    assert got.geom_type.tolist() == ["LineString"]
    assert got.crs.to_epsg() == 4326


def test_xlsx_mapped_columns_and_sheet(tmp_path: Path) -> None:
    path = tmp_path / "企业名录.xlsx"
    df = pd.DataFrame({"单位名称": ["甲", "乙"], "行业类别": ["fireworks", "general"],
                       "序号": ["1", "2"], "规上": [True, False],
                       "经度": LON[:2], "纬度": LAT[:2]})
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        df.to_excel(xw, sheet_name="说明", index=False)
        df.to_excel(xw, sheet_name="企业", index=False)
    got = read_layer(path, layer="企业", kind="enterprises",
                     columns={"单位名称": "name", "行业类别": "category", "序号": "id",
                              "规上": "above_scale"})
    assert got["name"].tolist() == ["甲", "乙"]
    assert got["above_scale"].tolist() == [True, False]
    with pytest.raises(InputError, match=r"layer 'x': no such sheet; sheets: \['说明', '企业'\]"):
        read_layer(path, layer="x")


def test_xlsx_with_title_rows(tmp_path: Path) -> None:
    """Government spreadsheets put a merged title and a date line above the header."""
    import openpyxl

    path = tmp_path / "名录.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["长葛市重点企业名录"])
    ws.merge_cells("A1:D1")
    ws.append(["填报日期：2024年5月"])
    ws.append(["序号", "企业名称", "经度", "纬度"])
    ws.append([1, "甲厂", 113.77, 34.22])
    ws.append([2, "乙厂", 113.80, 34.25])
    wb.save(path)
    got = read_layer(path, columns={"企业名称": "name"}, to_crs=None)
    assert got["name"].tolist() == ["甲厂", "乙厂"]
    assert got.geometry.iloc[1].equals(shapely.Point(113.80, 34.25))


def test_sparse_header_is_not_a_title(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("lon,lat,,,\n113.7,34.2,a,b,c\n", encoding="utf-8")
    got = read_layer(path, to_crs=None)
    assert len(got) == 1
    assert got.geometry.iloc[0].equals(shapely.Point(113.7, 34.2))


def test_csv_with_title_row(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("长葛市消防站一览\nname;lon;lat\n城区站;113.77;34.22\n", encoding="utf-8")
    got = read_layer(path, to_crs=None)
    assert got["name"].tolist() == ["城区站"]


# --------------------------------------------------------------------------- offset coords


def test_gcj02_csv_lands_on_wgs84_truth(tmp_path: Path) -> None:
    from gistool.crs import wgs84_to_gcj02

    glon, glat = wgs84_to_gcj02(LON, LAT)
    path = tmp_path / "amap.csv"
    pd.DataFrame({"name": list("abc"), "lng": glon, "lat": glat}).to_csv(path, index=False)
    got = read_layer(path, coords="gcj02")
    truth = _xy_4547(LON, LAT)
    err = np.hypot(*(shapely.get_coordinates(got.geometry.values) - truth).T)
    assert err.max() < 1.0
    # without coords= the offset is several hundred metres
    raw = read_layer(path)
    off = np.hypot(*(shapely.get_coordinates(raw.geometry.values) - truth).T)
    assert off.min() > 100


def test_bd09_geojson(tmp_path: Path, points: gpd.GeoDataFrame) -> None:
    from gistool.crs import wgs84_to_bd09

    blon, blat = wgs84_to_bd09(LON, LAT)
    baidu = points.set_geometry(shapely.points(blon, blat), crs=4326)
    path = tmp_path / "baidu.geojson"
    pyogrio.write_dataframe(baidu, path)
    got = read_layer(path, coords="bd09")
    err = np.hypot(*(shapely.get_coordinates(got.geometry.values) - _xy_4547(LON, LAT)).T)
    assert err.max() < 1.0


def test_offset_coords_refuse_projected(tmp_path: Path, points: gpd.GeoDataFrame) -> None:
    path = tmp_path / "proj.gpkg"
    pyogrio.write_dataframe(points.to_crs(4547), path)
    with pytest.raises(CRSError, match=r"proj.gpkg.*coords='gcj02' needs lon/lat"):
        read_layer(path, coords="gcj02")


# --------------------------------------------------------------------------- schema


def test_kind_missing_column_suggests_mapping(tmp_path: Path, points: gpd.GeoDataFrame) -> None:
    path = tmp_path / "ent.gpkg"
    pyogrio.write_dataframe(points.rename(columns={"name": "企业名称", "category": "行业"}), path)
    with pytest.raises(SchemaError) as info:
        read_layer(path, kind="enterprises")
    msg = str(info.value)
    assert "ent.gpkg" in msg
    assert "layer 'ent'" in msg
    assert "missing required column(s) ['name', 'category']" in msg
    assert "columns found: ['id', '企业名称', '行业', 'above_scale']" in msg
    assert 'columns={"企业名称": "name", "行业": "category"}' in msg


def test_kind_wrong_geometry(tmp_path: Path, points: gpd.GeoDataFrame) -> None:
    path = tmp_path / "poly.gpkg"
    polys = points.to_crs(4547)
    pyogrio.write_dataframe(polys.set_geometry(polys.buffer(100)), path)
    with pytest.raises(GeometryError, match=r"poly.gpkg.*enterprises layer needs Point.*Polygon"):
        read_layer(path, kind="enterprises")


def test_one_part_multipoints_become_points(tmp_path: Path,
                                            points: gpd.GeoDataFrame) -> None:
    multi = points.set_geometry(shapely.multipoints(shapely.get_coordinates(points.geometry.values)
                                                    .reshape(3, 1, 2)), crs=4326)
    pyogrio.write_dataframe(multi, tmp_path / "m.gpkg")
    with pytest.warns(DataRepairWarning, match=r"3 one-part MultiPoint\(s\) read as Point"):
        got = read_layer(tmp_path / "m.gpkg", kind="enterprises")
    assert got.geom_type.tolist() == ["Point"] * 3
    two = multi.set_geometry([shapely.MultiPoint([(113.7, 34.2), (113.8, 34.3)])] * 3,
                             crs=4326)
    pyogrio.write_dataframe(two, tmp_path / "two.gpkg")
    with pytest.raises(GeometryError, match=r"needs Point geometries but has \['MultiPoint'\]"):
        read_layer(tmp_path / "two.gpkg", kind="enterprises")


def test_column_map_unknown_source(tmp_path: Path, points: gpd.GeoDataFrame) -> None:
    path = tmp_path / "a.gpkg"
    pyogrio.write_dataframe(points, path)
    with pytest.raises(SchemaError, match=r"names column\(s\) \['名称'\] that are not in"):
        read_layer(path, columns={"名称": "name"})


# --------------------------------------------------------------------------- bad input


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"file '.*nope.gpkg' does not exist; check the path"):
        read_layer(tmp_path / "nope.gpkg")


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.geojson"
    path.write_bytes(b"")
    with pytest.raises(InputError, match=r"empty.geojson' is empty \(0 bytes\)"):
        read_layer(path)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("bad.gpkg", b"SQLite format 3\x00" + b"\x07" * 200),
        ("bad.geojson", b'{"type": "FeatureCollection", "features": [{"type":'),
        ("bad.parquet", b"PAR1" + b"\x00" * 50),
        ("bad.xlsx", b"PK\x03\x04 not really a zip"),
    ],
)
def test_corrupt_file(tmp_path: Path, name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError, match=rf"{name}'.*cannot be read as .*re-"):
        read_layer(path)


@pytest.mark.parametrize(
    ("part", "expected"),
    [
        (".shp", r"a.shp' is truncated \(\d+ of \d+ bytes\); copy or export all of a.shp"),
        (".shx", r"a.shx' is truncated"),
        (".dbf", r"a.dbf' is truncated"),
    ],
)
def test_truncated_shapefile(tmp_path: Path, points: gpd.GeoDataFrame, part: str,
                             expected: str) -> None:
    many = pd.concat([points] * 20, ignore_index=True)
    pyogrio.write_dataframe(many, tmp_path / "a.shp")
    f = tmp_path / f"a{part}"
    f.write_bytes(f.read_bytes()[: f.stat().st_size // 2])
    with pytest.raises(InputError, match=expected):
        read_layer(tmp_path / "a.shp")


def test_not_a_shapefile(tmp_path: Path) -> None:
    for ext in (".shp", ".shx", ".dbf"):
        (tmp_path / f"bad{ext}").write_bytes(b"\x00" * 120)
    with pytest.raises(InputError, match=r"bad.shp' is not a Shapefile .shp \(bad header\)"):
        read_layer(tmp_path / "bad.shp")


def test_raster_refused(tmp_path: Path) -> None:
    (tmp_path / "dem.tif").write_bytes(b"II*\x00")
    with pytest.raises(InputError, match=r"dem.tif' is a raster; this reads vector layers"):
        read_layer(tmp_path / "dem.tif")


def test_shapefile_sidecar_missing(tmp_path: Path, points: gpd.GeoDataFrame) -> None:
    pyogrio.write_dataframe(points, tmp_path / "a.shp")
    (tmp_path / "a.dbf").unlink()
    with pytest.raises(InputError, match=r"a.shp'.*\.dbf file is missing"):
        read_layer(tmp_path / "a.shp")


def test_unknown_format(tmp_path: Path) -> None:
    path = tmp_path / "a.docx"
    path.write_bytes(b"x")
    with pytest.raises(InputError, match=r"unknown format '.docx'; supported: .*\.gpkg"):
        read_layer(path)


def test_missing_crs(tmp_path: Path, points: gpd.GeoDataFrame) -> None:
    pyogrio.write_dataframe(points.to_crs(4547), tmp_path / "a.shp")
    (tmp_path / "a.prj").unlink()
    with pytest.raises(CRSError, match=r"a.shp'.*has no coordinate reference system.*crs="):
        read_layer(tmp_path / "a.shp")
    assert read_layer(tmp_path / "a.shp", crs="EPSG:4547").crs.to_epsg() == 4547


def test_degrees_labelled_projected(tmp_path: Path, points: gpd.GeoDataFrame) -> None:
    wrong = points.set_crs(4547, allow_override=True)  # lon/lat with a Gauss–Krüger .prj
    pyogrio.write_dataframe(wrong, tmp_path / "w.shp")
    with pytest.raises(CRSError, match=r"w.shp'.*look like lon/lat degrees .* projected "
                                       r"\(EPSG:4547\); the CRS label is wrong.*crs="):
        read_layer(tmp_path / "w.shp")
    with pytest.warns(CRSWarning, match="declares"):
        got = read_layer(tmp_path / "w.shp", crs="EPSG:4490")
    assert got.crs.to_epsg() == 4547
    assert 400_000 < got.geometry.x.min() < 500_000


def test_text_in_lon_column(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("name,经度,纬度\na,113.7,34.2\nb,东经113度,34.3\n", encoding="utf-8")
    with pytest.raises(InputError,
                       match=r"t.csv', column '经度': text '东经113度'.*row 3 \(header = row 1\)"):
        read_layer(path)


def test_lonlat_swapped(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    pd.DataFrame({"lon": LAT, "lat": LON}).to_csv(path, index=False)
    with pytest.raises(InputError, match=r"s.csv.*'lon' and 'lat' look swapped.*columns="):
        read_layer(path)


def test_lonlat_swapped_vector(tmp_path: Path, points: gpd.GeoDataFrame) -> None:
    swapped = points.set_geometry(shapely.points(LAT, LON), crs=4326)
    pyogrio.write_dataframe(swapped, tmp_path / "s.gpkg")
    with pytest.raises(CRSError, match=r"s.gpkg.*look swapped"):
        read_layer(tmp_path / "s.gpkg")


def test_lonlat_out_of_range(tmp_path: Path) -> None:
    path = tmp_path / "o.csv"
    pd.DataFrame({"lon": [472000.0, 473000.0], "lat": [3786000.0, 3787000.0]}).to_csv(
        path, index=False)
    with pytest.raises(InputError, match=r"o.csv.*outside longitude/latitude range.*crs="):
        read_layer(path)


def test_one_lonlat_row_out_of_range(tmp_path: Path) -> None:
    path = tmp_path / "one.csv"
    path.write_text("name,lon,lat\na,113.7,34.2\nb,1137,34.3\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"first at row 3 \(1137, 34.3\) \(header = row 1\)"):
        read_layer(path)


def test_unreadable_prj(tmp_path: Path, points: gpd.GeoDataFrame) -> None:
    pyogrio.write_dataframe(points, tmp_path / "p.shp")
    (tmp_path / "p.prj").write_text("GEOGCS[garbage", encoding="ascii")
    with pytest.raises(InputError, match=r"p.prj' holds an unreadable CRS definition"):
        read_layer(tmp_path / "p.shp")


def test_no_coordinate_columns(tmp_path: Path) -> None:
    path = tmp_path / "n.csv"
    path.write_text("名称,地址\n甲,长葛\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"no coordinate columns found among \['名称', '地址'\]"):
        read_layer(path)


def test_attrs_do_not_leak_between_reads(tmp_path: Path, points: gpd.GeoDataFrame) -> None:
    write_layer(points, tmp_path / "a.gpkg")
    got = read_layer(tmp_path / "a.gpkg", layer="a")
    assert got.attrs["source_layer"] == "a"
    assert got.attrs["source_encoding"] == "utf-8"
