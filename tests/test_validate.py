"""Tests of gistool.validate: every check on a tiny hand-built layer."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from gistool.codes import make_credit_code
from gistool.errors import CRSError, DataRepairWarning, GeometryError, SchemaError
from gistool.validate import FINDING_COLUMNS, ValidationReport, validate_layer

X0, Y0 = 480_000.0, 3_785_000.0  # Changge, EPSG:4547


def villages(n: int = 2, size: float = 1000.0, crs: str | None = "EPSG:4547") -> gpd.GeoDataFrame:
    """An n×n grid of square villages in two townships, all consistent."""
    rows = []
    for i in range(n):
        for j in range(n):
            t = f"41108200{1 + i}"
            rows.append(
                {
                    "code": f"{t}{200 + j:03d}",
                    "name": f"村{i}{j}",
                    "township_code": t,
                    "population": 1000.0 + 10 * (i * n + j),
                    "geometry": shapely.box(
                        X0 + j * size, Y0 + i * size, X0 + (j + 1) * size, Y0 + (i + 1) * size
                    ),
                }
            )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)


def enterprises(crs: str | None = "EPSG:4547") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "id": ["e1", "e2", "e3"],
            "name": ["甲厂", "乙厂", "丙厂"],
            "category": ["general", "hazardous_chemicals", "fireworks"],
            "above_scale": [True, False, True],
            "credit_code": [
                make_credit_code("9", "1", "411082", "MA3X5F1B"),
                make_credit_code("9", "1", "411082", "MA44AB2C"),
                None,
            ],
        },
        geometry=[shapely.Point(X0 + 100, Y0 + 100), shapely.Point(X0 + 500, Y0 + 500),
                  shapely.Point(X0 + 900, Y0 + 900)],
        crs=crs,
    )


def checks(report: ValidationReport, severity: str | None = None) -> list[tuple[str, str]]:
    f = report.findings
    if severity:
        f = f[f["severity"] == severity]
    return list(zip(f["check"], f["column"], strict=True))


def finding(report: ValidationReport, check: str, column: str = "") -> pd.Series:
    f = report.findings
    rows = f[(f["check"] == check) & (f["column"] == column)]
    assert len(rows) >= 1, report
    return rows.iloc[0]


# --------------------------------------------------------------------------- #
# clean layers, report
# --------------------------------------------------------------------------- #


def test_clean_layers_have_no_findings():
    for gdf, kind in ((villages(), "villages"), (enterprises(), "enterprises")):
        rep = validate_layer(gdf, kind, boundary=shapely.box(X0, Y0, X0 + 2000, Y0 + 2000),
                             strict=True)
        assert rep.ok
        assert rep.findings.empty, rep
        assert list(rep.findings.columns) == list(FINDING_COLUMNS)
        pd.testing.assert_frame_equal(pd.DataFrame(rep.data), pd.DataFrame(gdf))
        assert "no problems found" in str(rep)


def test_report_print_and_properties():
    gdf = enterprises()
    gdf.loc[2, "id"] = "e1"
    rep = validate_layer(gdf, "enterprises", source="企业.gpkg", layer="qy")
    assert not rep.ok
    assert rep.errors["check"].tolist() == ["ids"]
    assert rep.warnings.empty
    text = str(rep)
    assert text.splitlines()[0] == (
        "enterprises layer (file '企业.gpkg', layer 'qy'), 3 features: 1 error, 0 warnings, 0 info"
    )
    assert "ERROR   ids       [id] 2 features share 1 duplicate id(s) ('e1')" in text
    assert "fix: make 'id' unique" in text
    first_line = r"^file '企业.gpkg', layer 'qy', column 'id': 2 features share"
    with pytest.raises(SchemaError, match=first_line):
        rep.raise_for_errors()


def test_input_not_modified_and_attrs_used():
    gdf = enterprises()
    gdf["above_scale"] = ["是", "否", "是"]
    gdf.attrs.update(source_path="e.csv", source_layer=None)
    before = gdf.copy()
    with pytest.warns(DataRepairWarning, match="file 'e.csv', column 'above_scale'"):
        rep = validate_layer(gdf, "enterprises")
    pd.testing.assert_frame_equal(pd.DataFrame(gdf), pd.DataFrame(before))
    assert rep.source == "e.csv"
    assert rep.data["above_scale"].tolist() == [True, False, True]


def test_unknown_kind():
    with pytest.raises(SchemaError, match=r"unknown layer kind 'village'.*'villages'"):
        validate_layer(villages(), "village")


# --------------------------------------------------------------------------- #
# CRS
# --------------------------------------------------------------------------- #


def test_missing_crs():
    gdf = villages(crs=None)
    rep = validate_layer(gdf, "villages")
    assert finding(rep, "crs")["severity"] == "error"
    # gaps/overlaps cannot be measured without a CRS: said so
    assert "not measured" in finding(rep, "coverage")["message"]
    with pytest.raises(
        CRSError, match=r"file 'v.shp': the layer has no coordinate reference system; pass crs="
    ):
        validate_layer(gdf, "villages", strict=True, source="v.shp")


def test_swapped_and_projected_as_geographic():
    e = enterprises().to_crs(4326)
    swapped = e.set_geometry(shapely.points(e.geometry.y, e.geometry.x), crs=4326)
    with pytest.raises(CRSError, match="longitude and latitude look swapped"):
        validate_layer(swapped, "enterprises", strict=True)
    metres = enterprises().set_crs(4490, allow_override=True)
    with pytest.raises(CRSError, match="look projected"):
        validate_layer(metres, "enterprises", strict=True)


def test_zone_prefix_repaired():
    e = enterprises()
    e = e.set_geometry(shapely.points(e.geometry.x + 38e6, e.geometry.y), crs="EPSG:4526")
    with pytest.warns(DataRepairWarning, match="zone prefix 38"):
        rep = validate_layer(e, "enterprises")
    assert rep.ok
    row = finding(rep, "crs repaired")
    assert row["severity"] == "warning"
    assert "EPSG:4547" in row["message"]
    assert rep.data.crs.to_epsg() == 4547
    np.testing.assert_allclose(rep.data.geometry.x, enterprises().geometry.x)
    rep = validate_layer(e, "enterprises", repair=False)
    assert finding(rep, "crs")["severity"] == "warning"
    assert rep.data.geometry.x.iloc[0] > 38e6


def test_xian80_declared_is_noted():
    e = enterprises().set_crs("EPSG:2383", allow_override=True)  # Xian 1980 / 3-degree CM 114E
    rep = validate_layer(e, "enterprises", strict=True)
    row = finding(rep, "crs")
    assert row["severity"] == "info"
    assert "Xi'an-80 (EPSG:2383" in row["message"]


# --------------------------------------------------------------------------- #
# columns and values
# --------------------------------------------------------------------------- #


def test_missing_column_names_found_columns_and_fix():
    gdf = villages().rename(columns={"population": "常住人口"})
    rep = validate_layer(gdf, "villages")
    row = finding(rep, "columns", "population")
    assert row["severity"] == "error"
    with pytest.raises(
        SchemaError,
        match=r"missing required column\(s\) \['population'\]; columns found: "
        r"\['code', 'name', 'township_code', '常住人口'\]; "
        r"map them with columns=\{\"常住人口\": \"population\"\}",
    ):
        rep.raise_for_errors()


def test_numeric_text_converted_and_garbage_refused():
    gdf = villages()
    gdf["population"] = ["1,200", "300", " 45.5 ", None]
    with pytest.warns(DataRepairWarning, match="converted text to numbers"):
        rep = validate_layer(gdf, "villages")
    assert rep.data["population"].tolist()[:3] == [1200.0, 300.0, 45.5]
    assert np.isnan(rep.data["population"].iloc[3])
    assert finding(rep, "values", "population")["count"] == 1  # one missing value
    gdf["population"] = ["1200", "约300", "n/a", "5"]
    rep = validate_layer(gdf, "villages")
    row = finding(rep, "values", "population")
    assert (row["severity"], row["count"]) == ("error", 2)
    assert "'约300', 'n/a'" in row["message"]
    with pytest.raises(SchemaError, match="non-numeric value"):
        rep.raise_for_errors()


def test_negative_values_refused():
    gdf = villages()
    gdf.loc[1, "population"] = -5
    rep = validate_layer(gdf, "villages")
    row = finding(rep, "values", "population")
    assert (row["severity"], row["count"]) == ("error", 1)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["是", "否", "是"], [True, False, True]),
        (["Y", "n", "y"], [True, False, True]),
        (["1", "0", "1"], [True, False, True]),
        (["TRUE", "false", "True"], [True, False, True]),
        ([1, 0, 1], [True, False, True]),
    ],
)
def test_booleans_coerced(values, expected):
    gdf = enterprises()
    gdf["above_scale"] = values
    with pytest.warns(DataRepairWarning):
        rep = validate_layer(gdf, "enterprises", strict=True)
    assert rep.data["above_scale"].tolist() == expected


def test_booleans_unreadable():
    gdf = enterprises()
    gdf["above_scale"] = ["是", "maybe", 2]
    rep = validate_layer(gdf, "enterprises", repair=False)
    row = finding(rep, "values", "above_scale")
    assert (row["severity"], row["count"]) == ("error", 2)
    assert "'maybe', '2'" in row["message"]


# --------------------------------------------------------------------------- #
# geometry
# --------------------------------------------------------------------------- #


def test_wrong_geometry_type():
    gdf = enterprises()
    gdf.loc[1, "geometry"] = shapely.LineString([(X0, Y0), (X0 + 1, Y0 + 1)])
    with pytest.raises(
        GeometryError, match=r"enterprises layer needs Point geometries but has \['LineString'\]"
    ):
        validate_layer(gdf, "enterprises", strict=True)


def test_multipoints():
    gdf = enterprises()
    gdf.loc[0, "geometry"] = shapely.MultiPoint([(X0 + 100, Y0 + 100)])
    with pytest.warns(DataRepairWarning, match="unwrapped 1 single-part MultiPoint"):
        rep = validate_layer(gdf, "enterprises", strict=True)
    assert rep.data.geom_type.tolist() == ["Point"] * 3
    assert rep.data.geometry.iloc[0].equals(shapely.Point(X0 + 100, Y0 + 100))
    gdf.loc[1, "geometry"] = shapely.MultiPoint([(X0, Y0), (X0 + 5, Y0)])
    with pytest.raises(GeometryError, match="split them"):
        validate_layer(gdf, "enterprises", strict=True)


def test_invalid_geometries_repaired_and_counted():
    gdf = villages(n=1)
    bow = shapely.Polygon([(X0, Y0), (X0 + 2, Y0 + 2), (X0 + 2, Y0), (X0, Y0 + 2)])
    gdf.loc[0, "geometry"] = bow
    with pytest.warns(DataRepairWarning, match="made 1 invalid geometries valid"):
        rep = validate_layer(gdf, "villages")
    row = finding(rep, "geometry repaired")
    assert (row["severity"], row["count"]) == ("warning", 1)
    assert "Self-intersection" in row["message"]
    g = rep.data.geometry.iloc[0]
    assert g.is_valid
    assert g.geom_type == "MultiPolygon"
    assert g.area == pytest.approx(2.0)  # two triangles of 1 m² each
    rep = validate_layer(gdf, "villages", repair=False)
    assert finding(rep, "geometry")["severity"] == "error"
    with pytest.raises(GeometryError, match="1 invalid geometries"):
        rep.raise_for_errors()


def test_invalid_polygon_with_spike_keeps_polygon_only():
    gdf = villages(n=1)
    spike = shapely.Polygon(
        [(X0, Y0), (X0 + 10, Y0), (X0 + 10, Y0 + 10), (X0, Y0 + 10), (X0, Y0), (X0 - 5, Y0 - 5),
         (X0, Y0)]
    )
    gdf.loc[0, "geometry"] = spike
    with pytest.warns(DataRepairWarning):
        rep = validate_layer(gdf, "villages")
    assert rep.data.geom_type.tolist() == ["Polygon"]
    assert rep.data.geometry.iloc[0].area == pytest.approx(100.0)


def test_invalid_line_repaired_to_line():
    roads = gpd.GeoDataFrame(
        {"road_class": ["county", "county"]},
        geometry=[shapely.LineString([(X0, Y0), (X0, Y0)]),
                  shapely.LineString([(X0, Y0), (X0 + 10, Y0)])],
        crs="EPSG:4547",
    )
    with pytest.warns(DataRepairWarning, match="collapsed to nothing and were dropped"):
        rep = validate_layer(roads, "roads")
    assert len(rep.data) == 1
    assert rep.data.geometry.iloc[0].length == 10


def test_null_and_empty_geometries():
    gdf = enterprises()
    gdf.loc[0, "geometry"] = None
    gdf.loc[2, "geometry"] = shapely.Point()
    with pytest.warns(
        DataRepairWarning, match=r"dropped 1 null and 1 empty geometries \(rows 0, 2\)"
    ):
        rep = validate_layer(gdf, "enterprises")
    assert rep.data["id"].tolist() == ["e2"]
    assert finding(rep, "geometry repaired")["count"] == 2
    rep = validate_layer(gdf, "enterprises", repair=False)
    assert finding(rep, "geometry")["severity"] == "warning"
    assert len(rep.data) == 3


# --------------------------------------------------------------------------- #
# ids, codes
# --------------------------------------------------------------------------- #


def test_duplicate_and_missing_ids():
    gdf = enterprises()
    gdf["id"] = ["a", "a", None]
    rep = validate_layer(gdf, "enterprises")
    ids = rep.findings[rep.findings["check"] == "ids"]
    assert ids["count"].tolist() == [1, 2]
    assert ids["severity"].tolist() == ["error", "error"]


def test_malformed_division_codes():
    gdf = villages()
    gdf.loc[0, "code"] = "41108200120"  # 11 digits
    gdf.loc[1, "township_code"] = "41108200A"
    rep = validate_layer(gdf, "villages")
    assert finding(rep, "codes", "code")["count"] == 1
    assert "malformed 12-digit" in finding(rep, "codes", "code")["message"]
    assert finding(rep, "codes", "township_code")["count"] == 1
    with pytest.raises(SchemaError, match="12-digit division code"):
        rep.raise_for_errors()


def test_duplicate_village_codes():
    gdf = villages()
    gdf.loc[1, "code"] = gdf.loc[0, "code"]
    rep = validate_layer(gdf, "villages")
    assert finding(rep, "ids", "code")["count"] == 2


def test_integer_codes_converted_to_text():
    gdf = villages()
    gdf["code"] = gdf["code"].astype("int64")
    gdf["township_code"] = gdf["township_code"].astype("int64")
    with pytest.warns(DataRepairWarning, match="codes converted to text"):
        rep = validate_layer(gdf, "villages", strict=True)
    assert rep.data["code"].tolist() == villages()["code"].tolist()


def test_village_not_under_its_township():
    gdf = villages()
    gdf.loc[3, "township_code"] = "411082001"  # its code starts with 411082002
    rep = validate_layer(gdf, "villages")
    row = finding(rep, "codes", "township_code")
    assert (row["severity"], row["count"]) == ("error", 1)
    assert "411082002201∉411082001" in row["message"]


def test_credit_codes():
    gdf = enterprises()
    good = gdf.loc[0, "credit_code"]
    wrong_check = good[:17] + ("0" if good[17] != "0" else "1")
    first17 = "9141108200000000" + "1"  # GB 11714 check of 00000000 is '0'
    from gistool.codes import credit_code_check_char

    bad_org = first17 + credit_code_check_char(first17)
    gdf["credit_code"] = [wrong_check, bad_org, "91411082ABC"]
    rep = validate_layer(gdf, "enterprises")
    f = rep.findings[rep.findings["column"] == "credit_code"]
    assert f["severity"].tolist() == ["error", "error", "warning"]
    assert f["count"].tolist() == [1, 1, 1]
    assert "GB 32100" in f["message"].iloc[1]
    assert wrong_check in f["message"].iloc[1]
    gdf["credit_code"] = [good, None, ""]
    assert validate_layer(gdf, "enterprises", strict=True).ok


# --------------------------------------------------------------------------- #
# domains
# --------------------------------------------------------------------------- #


def test_enterprise_category_labels_and_unknown():
    gdf = enterprises()
    gdf["category"] = ["危险化学品", " Fireworks ", "粉尘涉爆"]
    with pytest.warns(DataRepairWarning, match="mapped 3 label"):
        rep = validate_layer(gdf, "enterprises", strict=True)
    assert rep.data["category"].tolist() == ["hazardous_chemicals", "fireworks", "dust_explosion"]
    gdf["category"] = ["general", "化工", None]
    rep = validate_layer(gdf, "enterprises", repair=False)
    dom = rep.findings[rep.findings["check"] == "domain"]
    assert dom["count"].tolist() == [1, 1]
    assert "'化工'" in dom["message"].iloc[0]
    with pytest.raises(SchemaError, match=r"not among the enterprise categories.*use one of"):
        rep.raise_for_errors()


def test_facility_kinds():
    fac = gpd.GeoDataFrame(
        {"id": ["f1", "f2", "f3"], "name": ["一", "二", "三"],
         "kind": ["消防站", "hospital", "police"]},
        geometry=shapely.points([(X0, Y0), (X0 + 1, Y0), (X0 + 2, Y0)]),
        crs="EPSG:4547",
    )
    with pytest.warns(DataRepairWarning):
        rep = validate_layer(fac, "facilities")
    assert rep.data["kind"].tolist() == ["fire_station", "hospital", "police"]
    row = finding(rep, "domain", "kind")
    assert (row["severity"], row["count"]) == ("error", 1)


def test_susceptibility_and_hazard_types():
    zones = gpd.GeoDataFrame(
        {"susceptibility": ["高易发区", "中", "low", "very high"]},
        geometry=[shapely.box(X0 + i, Y0, X0 + i + 1, Y0 + 1) for i in range(4)],
        crs="EPSG:4547",
    )
    with pytest.warns(DataRepairWarning):
        rep = validate_layer(zones, "geohazard_zones")
    assert rep.data["susceptibility"].tolist()[:3] == ["high", "medium", "low"]
    assert finding(rep, "domain", "susceptibility")["count"] == 1
    pts = gpd.GeoDataFrame(
        {"id": ["g1", "g2"], "hazard_type": ["滑坡", "flood"]},
        geometry=shapely.points([(X0, Y0), (X0 + 1, Y0)]),
        crs="EPSG:4547",
    )
    with pytest.warns(DataRepairWarning):
        rep = validate_layer(pts, "geohazard_points")
    assert rep.data["hazard_type"].iloc[0] == "landslide"
    assert finding(rep, "domain", "hazard_type")["count"] == 1


def test_zero_speed_refused():
    roads = gpd.GeoDataFrame(
        {"road_class": ["county", "county"], "speed_kmh": [0, 30]},
        geometry=[shapely.LineString([(X0, Y0 + i), (X0 + 10, Y0 + i)]) for i in range(2)],
        crs="EPSG:4547",
    )
    row = finding(validate_layer(roads, "roads"), "values", "speed_kmh")
    assert (row["severity"], row["count"]) == ("error", 1)
    assert "zero or negative" in row["message"]


def test_road_classes_need_a_speed_when_unknown():
    roads = gpd.GeoDataFrame(
        {"road_class": ["county", "forest_track", "forest_track"], "speed_kmh": [None, 20, None]},
        geometry=[shapely.LineString([(X0, Y0 + i), (X0 + 10, Y0 + i)]) for i in range(3)],
        crs="EPSG:4547",
    )
    rep = validate_layer(roads, "roads")
    dom = rep.findings[rep.findings["check"] == "domain"]
    assert dom["severity"].tolist() == ["info", "error"]
    assert dom["count"].tolist() == [1, 1]


def test_township_kind_is_a_warning():
    t = gpd.GeoDataFrame(
        {"code": ["411082001", "411082100"], "name": ["建设路街道", "某镇"],
         "kind": ["街道", "town"]},
        geometry=[shapely.box(X0, Y0, X0 + 1, Y0 + 1), shapely.box(X0 + 1, Y0, X0 + 2, Y0 + 1)],
        crs="EPSG:4547",
    )
    rep = validate_layer(t, "townships")
    assert rep.ok
    assert finding(rep, "domain", "kind")["severity"] == "warning"


# --------------------------------------------------------------------------- #
# boundary and coverage
# --------------------------------------------------------------------------- #


def test_points_outside_boundary():
    gdf = enterprises()
    gdf.loc[1, "geometry"] = shapely.Point(X0 + 2000 + 500, Y0 + 500)  # 500 m outside
    gdf.loc[2, "geometry"] = shapely.Point(X0 + 2000 + 5000, Y0 + 500)  # 5 km outside
    boundary = gpd.GeoDataFrame(
        {"code": ["411082"], "name": ["长葛市"]},
        geometry=[shapely.box(X0, Y0, X0 + 2000, Y0 + 2000)],
        crs="EPSG:4547",
    )
    rep = validate_layer(gdf, "enterprises", boundary=boundary.to_crs(4490))
    b = rep.findings[rep.findings["check"] == "boundary"]
    assert b["severity"].tolist() == ["error", "warning"]
    assert b["count"].tolist() == [1, 1]
    assert "up to 5,000 m" in b["message"].iloc[0]
    with pytest.raises(GeometryError, match="more than 1000 m outside the boundary"):
        rep.raise_for_errors()


def test_polygons_outside_boundary():
    gdf = villages()
    gdf.loc[0, "geometry"] = shapely.box(X0 - 9000, Y0, X0 - 8000, Y0 + 1000)
    rep = validate_layer(gdf, "villages", boundary=shapely.box(X0, Y0, X0 + 2000, Y0 + 2000))
    assert finding(rep, "boundary")["count"] == 1


def test_overlaps_in_square_metres():
    gdf = villages()
    # widen village 0 by 10 m into village 1: overlap 10 m × 1000 m = 10 000 m²
    gdf.loc[0, "geometry"] = shapely.box(X0, Y0, X0 + 1010, Y0 + 1000)
    rep = validate_layer(gdf, "villages")
    row = finding(rep, "coverage")
    assert "overlap" in row["message"]
    assert row["count"] == pytest.approx(10_000.0)
    # 10 000 m² of 4 km² = 0.25 % > 0.1 %: an error
    assert row["severity"] == "error"
    gdf.loc[0, "geometry"] = shapely.box(X0, Y0, X0 + 1001, Y0 + 1000)  # 1000 m² = 0.025 %
    rep = validate_layer(gdf, "villages")
    assert finding(rep, "coverage")["severity"] == "warning"
    assert finding(rep, "coverage")["count"] == pytest.approx(1000.0)


def test_gaps_against_boundary_and_enclosed():
    gdf = villages(n=3)
    hole = gdf.index[4]  # the centre village
    boundary = shapely.box(X0 - 100, Y0, X0 + 3000, Y0 + 3000)  # 100 m strip uncovered on the left
    rep = validate_layer(gdf.drop(index=hole), "villages", boundary=boundary)
    row = finding(rep, "coverage")
    assert "gaps between the polygons and the boundary" in row["message"]
    assert row["count"] == pytest.approx(1_000_000 + 100 * 3000)
    assert "in 2 piece(s)" in row["message"]
    rep = validate_layer(gdf.drop(index=hole), "villages")
    row = finding(rep, "coverage")
    assert "gaps enclosed by the polygons" in row["message"]
    assert row["count"] == pytest.approx(1_000_000)
    assert row["severity"] == "error"


def test_coverage_in_geographic_crs_measured_in_metres():
    gdf = villages()
    gdf.loc[0, "geometry"] = shapely.box(X0, Y0, X0 + 1010, Y0 + 1000)
    rep = validate_layer(gdf.to_crs(4490), "villages")
    assert finding(rep, "coverage")["count"] == pytest.approx(10_000.0, rel=1e-3)


def test_tiny_slivers_are_info():
    gdf = villages()
    gdf.loc[0, "geometry"] = shapely.box(X0, Y0, X0 + 1000.0005, Y0 + 1000)  # 0.5 m²
    rep = validate_layer(gdf, "villages", strict=True)
    assert finding(rep, "coverage")["severity"] == "info"


def test_coverage_in_web_mercator_measured_in_gauss_kruger():
    gdf = villages()
    gdf.loc[0, "geometry"] = shapely.box(X0, Y0, X0 + 1010, Y0 + 1000)
    # Web Mercator inflates areas by 1/cos²(34°) ≈ 1.46 here; the check must not
    rep = validate_layer(gdf.to_crs(3857), "villages")
    assert finding(rep, "coverage")["count"] == pytest.approx(10_000.0, rel=1e-3)


def test_empty_layer_is_an_error():
    empty = villages().iloc[:0]
    rep = validate_layer(empty, "villages")
    assert checks(rep) == [("geometry", "")]
    with pytest.raises(GeometryError, match="the layer has no features"):
        rep.raise_for_errors()
    gdf = enterprises()
    gdf["geometry"] = None
    with pytest.warns(DataRepairWarning, match="dropped 3 null"):
        rep = validate_layer(gdf, "enterprises")
    assert ("error", "geometry") in list(zip(rep.findings["severity"], rep.findings["check"],
                                             strict=True))
    assert "no features with a geometry" in str(rep)


@settings(max_examples=40, deadline=None)
@given(
    st.tuples(*[st.floats(0, 900) for _ in range(4)]),
    st.tuples(*[st.floats(10, 500) for _ in range(4)]),
)
def test_overlap_equals_pairwise_intersection(origins, sizes):
    a = shapely.box(X0 + origins[0], Y0 + origins[1], X0 + origins[0] + sizes[0],
                    Y0 + origins[1] + sizes[1])
    b = shapely.box(X0 + origins[2], Y0 + origins[3], X0 + origins[2] + sizes[2],
                    Y0 + origins[3] + sizes[3])
    gdf = villages(n=1).iloc[[0, 0]].reset_index(drop=True)
    gdf["code"] = ["411082001201", "411082001202"]
    gdf = gdf.set_geometry([a, b], crs="EPSG:4547")
    rep = validate_layer(gdf, "villages")
    expected = a.intersection(b).area
    cov = rep.findings[rep.findings["message"].str.startswith("polygons overlap")]
    if expected < 0.01:
        assert cov.empty
    else:
        assert cov["count"].iloc[0] == pytest.approx(expected, rel=1e-6, abs=1e-3)
