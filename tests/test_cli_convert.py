"""gistool convert: formats, offset coordinates, CRS, overwrite refusal, bad input."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from click.testing import CliRunner

from gistool.cli.main import cli, main
from gistool.crs import wgs84_to_bd09, wgs84_to_gcj02
from gistool.io import read_layer

LON = np.array([113.769, 113.81])
LAT = np.array([34.219, 34.26])


def _truth_4547() -> np.ndarray:
    g = gpd.GeoSeries(shapely.points(LON, LAT), crs=4326).to_crs(4547)
    return shapely.get_coordinates(g.values)


def _gcj_csv(tmp_path: Path) -> Path:
    glon, glat = wgs84_to_gcj02(LON, LAT)
    path = tmp_path / "amap.csv"
    pd.DataFrame({"名称": ["消防站", "医院"], "lng": glon, "lat": glat}).to_csv(
        path, index=False, encoding="utf-8-sig")
    return path


def test_convert_gcj02_csv_to_gpkg(tmp_path: Path) -> None:
    src, dst = _gcj_csv(tmp_path), tmp_path / "poi.gpkg"
    res = CliRunner().invoke(cli, ["convert", str(src), str(dst), "--from", "gcj02",
                                   "--dst-crs", "EPSG:4547"])
    assert res.exit_code == 0, res.output
    got = read_layer(dst, to_crs=None)
    assert got.crs.to_epsg() == 4547
    assert got["名称"].tolist() == ["消防站", "医院"]
    err = np.hypot(*(shapely.get_coordinates(got.geometry.values) - _truth_4547()).T)
    assert err.max() < 1.0


def test_convert_to_bd09_and_back(tmp_path: Path) -> None:
    src = tmp_path / "wgs.geojson"
    pyogrio.write_dataframe(gpd.GeoDataFrame({"n": [1, 2]}, geometry=shapely.points(LON, LAT),
                                             crs=4326), src)
    bd = tmp_path / "bd.csv"
    res = CliRunner().invoke(cli, ["convert", str(src), str(bd), "--to", "bd09"])
    assert res.exit_code == 0, res.output
    table = pd.read_csv(bd, encoding="utf-8-sig")
    blon, blat = wgs84_to_bd09(LON, LAT)
    np.testing.assert_allclose(table["lon"], blon, atol=1e-9)
    np.testing.assert_allclose(table["lat"], blat, atol=1e-9)
    back = tmp_path / "back.gpkg"
    res = CliRunner().invoke(cli, ["convert", str(bd), str(back), "--from", "bd09"])
    assert res.exit_code == 0, res.output
    got = read_layer(back)
    err = np.hypot(*(shapely.get_coordinates(got.geometry.values) - _truth_4547()).T)
    assert err.max() < 0.5


def test_convert_gbk_shapefile_to_utf8(tmp_path: Path) -> None:
    src = tmp_path / "gbk.shp"
    gdf = gpd.GeoDataFrame({"名称": ["后河村"]}, geometry=[shapely.Point(470000, 3785000)],
                           crs=4547)
    pyogrio.write_dataframe(gdf, src, encoding="GBK")
    src.with_suffix(".cpg").unlink()
    dst = tmp_path / "utf8.shp"
    res = CliRunner().invoke(cli, ["convert", str(src), str(dst), "--encoding", "gbk"])
    assert res.exit_code == 0, res.output
    assert dst.with_suffix(".cpg").read_text() == "UTF-8"
    assert read_layer(dst)["名称"].tolist() == ["后河村"]


def test_convert_crs_for_source_without_one(tmp_path: Path) -> None:
    src = tmp_path / "xy.csv"
    xy = _truth_4547()
    pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1]}).to_csv(src, index=False)
    dst = tmp_path / "xy.geojson"
    res = CliRunner().invoke(cli, ["convert", str(src), str(dst), "--crs", "EPSG:4547"])
    assert res.exit_code == 0, res.output
    got = read_layer(dst, to_crs=None)
    np.testing.assert_allclose(shapely.get_coordinates(got.geometry.values)[:, 0], LON,
                               atol=1e-7)


def test_convert_refuses_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src, dst = _gcj_csv(tmp_path), tmp_path / "out.gpkg"
    dst.write_bytes(b"keep me")
    with pytest.raises(SystemExit) as info:
        main(["convert", str(src), str(dst)])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err == f"gistool: error: output '{dst}' exists; pass --overwrite to replace it\n"
    assert dst.read_bytes() == b"keep me"
    main(["convert", str(src), str(dst), "--overwrite"])
    assert len(read_layer(dst)) == 2


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--to", "gcj02", "--dst-crs", "EPSG:4547"], "contradicts --dst-crs"),
        (["--from", "gcj02", "--crs", "EPSG:4547"], "needs lon/lat"),
    ],
)
def test_convert_bad_options(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                             args: list[str], expected: str) -> None:
    src = _gcj_csv(tmp_path)
    with pytest.raises(SystemExit) as info:
        main(["-q", "convert", str(src), str(tmp_path / "o.gpkg"), *args])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert expected in err
    assert "Traceback" not in err


def test_convert_missing_crs_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "a.shp"
    gdf = gpd.GeoDataFrame({"n": [1]}, geometry=[shapely.Point(470000, 3785000)], crs=4547)
    pyogrio.write_dataframe(gdf, src)
    src.with_suffix(".prj").unlink()
    with pytest.raises(SystemExit) as info:
        main(["convert", str(src), str(tmp_path / "b.gpkg")])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "has no coordinate reference system" in err
    assert not (tmp_path / "b.gpkg").exists()


def test_real_outline_published_in_gcj02_lands_on_wgs84(tmp_path: Path) -> None:
    """The Changge outline shifted to GCJ-02, read back with coords='gcj02', overlaps again."""
    outline = Path(__file__).parents[1] / "gistool" / "datasets" / "reference" / \
        "changge_outline_cgcs2000.geojson"
    if not outline.exists():
        pytest.skip("embedded reference outline not present")
    gcj = tmp_path / "outline_gcj02.geojson"
    assert main(["-q", "convert", str(outline), str(gcj), "--to", "gcj02"]) in (None, 0)
    truth = read_layer(outline).union_all()
    shifted = read_layer(gcj).union_all()
    fixed = read_layer(gcj, coords="gcj02").union_all()

    def iou(a: shapely.Geometry, b: shapely.Geometry) -> float:
        return a.intersection(b).area / a.union(b).area

    assert truth.area / 1e6 == pytest.approx(636, abs=1)
    assert iou(truth, shifted) < 0.95  # GCJ-02 moves Changge by several hundred metres
    assert iou(truth, fixed) > 0.99999
    assert truth.hausdorff_distance(fixed) < 0.05  # metres


def test_convert_warning_is_one_log_line(tmp_path: Path,
                                         caplog: pytest.LogCaptureFixture) -> None:
    src = tmp_path / "holes.csv"
    src.write_text("name,lon,lat\na,113.7,34.2\nb,,\n", encoding="utf-8")
    with caplog.at_level("WARNING", logger="gistool"):
        main(["convert", str(src), str(tmp_path / "o.gpkg")])
    (record,) = [r for r in caplog.records if r.levelname == "WARNING"]
    assert "1 row(s) without coordinates (first: row 3" in record.getMessage()
    assert len(read_layer(tmp_path / "o.gpkg")) == 2


def test_failed_convert_shows_only_the_error(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "junk.csv"
    src.write_bytes(b"\x80\xff\x80,\x81\n1,2\n")  # undecodable (a warning) and no coordinates
    with pytest.raises(SystemExit) as info:
        main(["convert", str(src), str(tmp_path / "o.gpkg")])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "no coordinate columns found" in err
