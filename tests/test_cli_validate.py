"""``gistool validate``: findings printed, exit codes 0 / 2, one clear error line."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from click.testing import CliRunner

from gistool.cli.main import cli, main
from gistool.crs import wgs84_to_gcj02

X0, Y0 = 480_000.0, 3_785_000.0


def exit_code(args: list[str]) -> int:
    try:
        rc = main(args)
    except SystemExit as exc:
        return int(exc.code or 0)
    return int(rc or 0)


def _villages(**cols) -> gpd.GeoDataFrame:
    data = {
        "code": ["411082001201", "411082001202"],
        "name": ["甲村", "乙村"],
        "township_code": ["411082001", "411082001"],
        "population": [1200.0, 800.0],
    }
    data.update(cols)
    return gpd.GeoDataFrame(
        data,
        geometry=[shapely.box(X0, Y0, X0 + 1000, Y0 + 1000),
                  shapely.box(X0 + 1000, Y0, X0 + 2000, Y0 + 1000)],
        crs="EPSG:4547",
    )


@pytest.fixture
def good_gpkg(tmp_path: Path) -> Path:
    p = tmp_path / "村.gpkg"
    _villages().to_file(p, layer="villages")
    return p


def test_clean_layer_exits_0(good_gpkg: Path):
    res = CliRunner().invoke(cli, ["validate", str(good_gpkg), "--kind", "villages"])
    assert res.exit_code == 0, res.output
    assert "villages layer" in res.stdout
    assert "2 features: 0 errors, 0 warnings, 0 info" in res.stdout
    assert "no problems found" in res.stdout
    assert res.stderr == ""
    assert exit_code(["validate", str(good_gpkg), "--kind", "villages"]) == 0


def test_errors_exit_2_with_one_line_on_stderr(tmp_path: Path, capsys):
    p = tmp_path / "bad.gpkg"
    _villages(township_code=["411082001", "411082002"]).to_file(p, layer="villages")
    res = CliRunner().invoke(cli, ["validate", str(p), "--kind", "villages"])
    assert res.exit_code == 2
    err = res.stderr.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("gistool: error: 1 error in villages layer; first: file ")
    assert "not under their township_code" in err[0]
    assert "ERROR   codes" in res.stdout
    assert exit_code(["validate", str(p), "--kind", "villages"]) == 2
    captured = capsys.readouterr()
    assert len(captured.err.strip().splitlines()) == 1
    assert "Traceback" not in captured.err


def test_missing_column_and_column_option(tmp_path: Path):
    p = tmp_path / "v.gpkg"
    _villages().rename(columns={"population": "人口"}).to_file(p, layer="villages")
    res = CliRunner().invoke(cli, ["validate", str(p), "--kind", "villages"])
    assert res.exit_code == 2
    assert "missing required column(s) ['population']" in res.stderr
    assert "--column 人口=population" in res.stderr
    res = CliRunner().invoke(
        cli, ["validate", str(p), "--kind", "villages", "--column", "人口=population"]
    )
    assert res.exit_code == 0, res.output
    assert exit_code(["validate", str(p), "--kind", "villages", "--column", "人口"]) == 2


def test_missing_crs_exit_2(tmp_path: Path, capsys):
    p = tmp_path / "nocrs.shp"
    gdf = _villages().rename(columns={"township_code": "tcode"})
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        gdf.set_crs(None, allow_override=True).to_file(p, encoding="utf-8")
    assert not p.with_suffix(".prj").exists()
    args = ["validate", str(p), "--kind", "villages", "--column", "tcode=township_code"]
    assert exit_code(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "no coordinate reference system" in err[0]
    assert "--crs" in err[0]
    assert exit_code([*args, "--crs", "EPSG:4547"]) == 0


def test_boundary_option(tmp_path: Path, good_gpkg: Path):
    b = tmp_path / "boundary.geojson"
    gpd.GeoDataFrame(
        {"code": ["411082"], "name": ["长葛市"]},
        geometry=[shapely.box(X0, Y0, X0 + 2000, Y0 + 1100)],
        crs="EPSG:4547",
    ).to_crs(4326).to_file(b)
    res = CliRunner().invoke(
        cli, ["validate", str(good_gpkg), "--kind", "villages", "--boundary", str(b), "--json"]
    )
    # 2000 m × 100 m strip uncovered = 200 000 m² = 9 % of the boundary: an error
    assert res.exit_code == 2, res.output
    out = json.loads(res.stdout)
    assert out["ok"] is False
    (row,) = out["findings"]
    assert row["check"] == "coverage"
    assert row["count"] == pytest.approx(200_000, rel=1e-3)


def test_gcj02_points(tmp_path: Path):
    lon = [113.80, 113.81]
    lat = [34.20, 34.21]
    glon, glat = wgs84_to_gcj02(lon, lat)
    p = tmp_path / "企业.csv"
    p.write_text(
        "编号,企业名称,行业类别,规上,经度,纬度\n"
        f"E1,甲厂,危险化学品,是,{glon[0]:.8f},{glat[0]:.8f}\n"
        f"E2,乙厂,一般工贸,否,{glon[1]:.8f},{glat[1]:.8f}\n",
        encoding="utf-8-sig",
    )
    args = ["validate", str(p), "--kind", "enterprises", "--coords", "gcj02",
            "--column", "编号=id", "--column", "企业名称=name", "--column", "行业类别=category",
            "--column", "规上=above_scale"]
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 0, res.output
    assert "INFO    values repaired [category]" in res.stdout


def test_unreadable_file_exit_2(tmp_path: Path, capsys):
    p = tmp_path / "broken.gpkg"
    p.write_bytes(b"not a geopackage")
    assert exit_code(["validate", str(p), "--kind", "villages"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("gistool: error:")


def test_unknown_kind_is_a_usage_error(good_gpkg: Path):
    res = CliRunner().invoke(cli, ["validate", str(good_gpkg), "--kind", "village"])
    assert res.exit_code == 2
    assert "Invalid value for '--kind'" in res.stderr


def test_empty_layer_exit_2(tmp_path: Path, capsys):
    p = tmp_path / "empty.geojson"
    p.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    assert exit_code(["validate", str(p), "--kind", "facilities"]) == 2
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert len(err) == 1
    assert err[0].endswith("the layer has no features; check the file, the layer name and any "
                           "filter that produced it")
    assert "0 features: 1 error" in captured.out
