"""Tests of gistool.crs: offset systems, working CRS, CRS checks."""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from gistool.crs import (
    CHINA_BOX,
    bd09_to_gcj02,
    bd09_to_wgs84,
    central_meridian,
    check_crs_families,
    convert_offset_coords,
    crs_family,
    detect_zone_prefix,
    ensure_crs,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    out_of_china,
    strip_zone_prefix,
    to_working,
    transform_geometries,
    wgs84_to_bd09,
    wgs84_to_gcj02,
    working_crs,
    zone_crs,
)
from gistool.errors import CRSError, CRSWarning

_GEOD = pyproj.Geod(ellps="WGS84")


def metres(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Geodesic distance in metres between two sets of lon/lat points."""
    return np.asarray(_GEOD.inv(lon1, lat1, lon2, lat2)[2])


# --------------------------------------------------------------------------- #
# reference pairs
# --------------------------------------------------------------------------- #

# WGS84 → GCJ-02 pairs from the test suite of googollee/eviltransform
# (python/test.py: shanghai, shenzhen, beijing), an independent implementation.
EVIL_PAIRS = [
    # wgs lon, wgs lat, gcj lon, gcj lat
    (121.5272106, 31.1774276, 121.531541859215, 31.17530398364597),
    (113.912316, 22.543847, 113.9171764808363, 22.540796131694766),
    (116.377817, 39.911954, 116.38404722455657, 39.91334545536069),
]


@pytest.mark.parametrize(("wlon", "wlat", "glon", "glat"), EVIL_PAIRS)
def test_wgs84_to_gcj02_matches_reference(wlon, wlat, glon, glat):
    lon, lat = wgs84_to_gcj02(wlon, wlat)
    # eviltransform uses a=6378137 instead of Krasovsky's 6378245: differs by ~1e-8°
    assert lon == pytest.approx(glon, abs=1e-7)
    assert lat == pytest.approx(glat, abs=1e-7)


@pytest.mark.parametrize(("wlon", "wlat", "glon", "glat"), EVIL_PAIRS)
def test_gcj02_to_wgs84_inverts_reference(wlon, wlat, glon, glat):
    lon, lat = gcj02_to_wgs84(glon, glat)
    assert metres(lon, lat, wlon, wlat) < 0.05


def test_gcoord_reference_values():
    # hujiulong/gcoord test/unit/crs/GCJ02.spec.js: GCJ02 → WGS84 and → BD09 of (123, 45)
    lon, lat = gcj02_to_wgs84(123.0, 45.0)
    assert lon == pytest.approx(122.99395597, abs=1e-6)
    assert lat == pytest.approx(44.99804071, abs=1e-6)
    lon, lat = gcj02_to_bd09(123.0, 45.0)
    assert lon == pytest.approx(123.00636499, abs=1e-8)
    assert lat == pytest.approx(45.00636899, abs=1e-8)


def test_baidu_beijing_railway_station():
    # Beijing railway station, GCJ-02 (116.42703, 39.90245) ↔ BD-09 (116.43351, 39.90851)
    # (published pair of the R package documentation for bd2gcj, 5 decimals)
    lon, lat = gcj02_to_bd09(116.42703, 39.90245)
    assert (round(lon, 5), round(lat, 5)) == (116.43351, 39.9085)
    lon, lat = bd09_to_gcj02(116.43351, 39.90851)
    assert metres(lon, lat, 116.42703, 39.90245) < 1.5  # the pair is rounded to 1e-5°


def test_forward_offsets_are_hundreds_of_metres():
    lon, lat = np.meshgrid(np.linspace(74, 134, 61), np.linspace(18, 53, 36))
    glon, glat = wgs84_to_gcj02(lon, lat)
    assert glon.shape == lon.shape
    d = metres(lon.ravel(), lat.ravel(), glon.ravel(), glat.ravel())
    # measured over China's box: 44 m … 667 m, median ~430 m
    assert d.min() > 20
    assert d.max() < 700
    assert 300 < np.median(d) < 550
    # Changge: a few hundred metres
    g = wgs84_to_gcj02(113.8, 34.2)
    assert 100 < metres(113.8, 34.2, *g) < 700
    b = wgs84_to_bd09(113.8, 34.2)
    assert 500 < metres(113.8, 34.2, *b) < 1500


def test_identity_outside_china():
    lon = np.array([2.35, -74.0, 151.2])
    lat = np.array([48.85, 40.7, -33.9])
    glon, glat = wgs84_to_gcj02(lon, lat)
    np.testing.assert_array_equal(glon, lon)
    np.testing.assert_array_equal(glat, lat)
    wlon, wlat = gcj02_to_wgs84(lon, lat)
    np.testing.assert_array_equal(wlon, lon)
    np.testing.assert_array_equal(wlat, lat)
    assert out_of_china(lon, lat).all()
    assert not out_of_china(113.8, 34.2)


def test_scalars_give_floats_arrays_keep_shape():
    lon, lat = gcj02_to_wgs84(113.8, 34.2)
    assert isinstance(lon, float)
    assert isinstance(lat, float)
    arr = np.full((2, 3), 113.8), np.full((2, 3), 34.2)
    lon, lat = bd09_to_wgs84(*arr)
    assert lon.shape == (2, 3)
    assert np.allclose(lon, lon[0, 0])
    lon, lat = wgs84_to_gcj02([113.8, 114.0], [34.2, 34.3])
    assert lon.shape == (2,)


def test_nan_passes_through():
    lon, _ = gcj02_to_wgs84(np.array([np.nan, 113.8]), np.array([np.nan, 34.2]))
    assert np.isnan(lon[0])
    assert np.isfinite(lon[1])


# --------------------------------------------------------------------------- #
# round trips
# --------------------------------------------------------------------------- #

china_lon = st.floats(CHINA_BOX[0] + 1e-6, CHINA_BOX[1] - 1e-6)
china_lat = st.floats(CHINA_BOX[2] + 1e-6, CHINA_BOX[3] - 1e-6)


@settings(max_examples=300, deadline=None)
@given(china_lon, china_lat)
def test_gcj02_round_trip_hypothesis(lon, lat):
    g = wgs84_to_gcj02(lon, lat)
    w = gcj02_to_wgs84(*g)
    assert metres(lon, lat, *w) < 0.5


@settings(max_examples=300, deadline=None)
@given(china_lon, china_lat)
def test_bd09_round_trip_hypothesis(lon, lat):
    b = wgs84_to_bd09(lon, lat)
    w = bd09_to_wgs84(*b)
    assert metres(lon, lat, *w) < 0.5
    g = bd09_to_gcj02(*gcj02_to_bd09(lon, lat))
    assert metres(lon, lat, *g) < 0.5


def test_round_trip_vectorised_dense():
    rng = np.random.default_rng(0)
    lon = rng.uniform(CHINA_BOX[0], CHINA_BOX[1], 200_000)
    lat = rng.uniform(CHINA_BOX[2], CHINA_BOX[3], 200_000)
    w = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert metres(lon, lat, *w).max() < 0.01
    w = bd09_to_wgs84(*wgs84_to_bd09(lon, lat))
    assert metres(lon, lat, *w).max() < 0.01


# --------------------------------------------------------------------------- #
# geometries
# --------------------------------------------------------------------------- #


def _mixed_layer(crs="EPSG:4326") -> gpd.GeoDataFrame:
    shell = [(113.7, 34.1), (113.9, 34.1), (113.9, 34.3), (113.7, 34.3)]
    hole = [(113.75, 34.15), (113.8, 34.15), (113.8, 34.2)]
    geoms = [
        shapely.Point(113.8, 34.2),
        shapely.Polygon(shell, [hole]),
        shapely.MultiLineString([[(113.7, 34.1), (113.8, 34.2)], [(113.85, 34.25), (113.9, 34.3)]]),
        shapely.GeometryCollection([shapely.Point(113.71, 34.11)]),
        None,
    ]
    return gpd.GeoDataFrame({"name": list("abcde")}, geometry=geoms, crs=crs)


@pytest.mark.parametrize(
    ("coords", "inverse"), [("gcj02", gcj02_to_wgs84), ("bd09", bd09_to_wgs84)]
)
def test_convert_offset_coords_every_vertex(coords, inverse):
    gdf = _mixed_layer()
    out = convert_offset_coords(gdf, coords)
    assert out.crs.to_epsg() == 4326
    assert list(out["name"]) == list("abcde")
    assert out.geometry.iloc[4] is None
    before = shapely.get_coordinates(gdf.geometry.values)
    after = shapely.get_coordinates(out.geometry.values)
    exp_lon, exp_lat = inverse(before[:, 0], before[:, 1])
    np.testing.assert_allclose(after[:, 0], exp_lon, atol=1e-12)
    np.testing.assert_allclose(after[:, 1], exp_lat, atol=1e-12)
    assert list(out.geom_type[:4]) == list(gdf.geom_type[:4])
    assert len(out.geometry.iloc[1].interiors) == 1
    # the input is left unmodified
    np.testing.assert_array_equal(shapely.get_coordinates(gdf.geometry.values), before)


def test_convert_offset_coords_wgs84_is_identity_and_projected_refused():
    gdf = _mixed_layer()
    assert convert_offset_coords(gdf, "wgs84") is gdf
    with pytest.raises(CRSError, match=r"needs lon/lat degrees.*projected"):
        convert_offset_coords(gdf.to_crs(4547), "gcj02", source="poi.shp")
    with pytest.raises(CRSError, match="unknown coords='utm'"):
        convert_offset_coords(gdf, "utm")  # type: ignore[arg-type]


def test_transform_geometries_array_and_single():
    arr = np.array([shapely.Point(1, 2), shapely.LineString([(0, 0), (1, 1)])])
    out = transform_geometries(arr, lambda x, y: (x * 2, y + 1))
    assert out[1].equals(shapely.LineString([(0, 1), (2, 2)]))
    assert transform_geometries(shapely.Point(1, 2), lambda x, y: (y, x)).equals(
        shapely.Point(2, 1)
    )


# --------------------------------------------------------------------------- #
# working CRS
# --------------------------------------------------------------------------- #

CITIES = [
    ("Changge", 113.82, 34.22, 4547),
    ("Kashgar", 75.99, 39.47, 4534),
    ("Urumqi", 87.62, 43.83, 4538),
    ("Lhasa", 91.11, 29.65, 4539),
    ("Chengdu", 104.07, 30.67, 4544),
    ("Sanya", 109.51, 18.25, 4546),
    ("Beijing", 116.40, 39.90, 4548),
    ("Shanghai", 121.47, 31.23, 4549),
    ("Harbin", 126.63, 45.75, 4551),
    ("Fuyuan", 134.29, 48.36, 4554),
]


@pytest.mark.parametrize(("city", "lon", "lat", "epsg"), CITIES)
def test_working_crs_across_china(city, lon, lat, epsg):
    crs = working_crs((lon, lat))
    assert crs.to_epsg() == epsg, city
    cm = central_meridian(crs)
    assert abs(lon - cm) <= 1.5
    assert working_crs(shapely.Point(lon, lat)).to_epsg() == epsg


def test_working_crs_of_layers_in_any_crs():
    gdf = gpd.GeoDataFrame(
        geometry=[shapely.box(113.65, 34.08, 113.98, 34.35)], crs="EPSG:4490"
    )
    assert working_crs(gdf).to_epsg() == 4547
    assert working_crs(gdf.to_crs(4547)).to_epsg() == 4547
    assert working_crs(gdf.to_crs(3857).geometry).to_epsg() == 4547


def test_working_crs_refusals():
    with pytest.raises(CRSError, match=r"outside the CGCS2000 3-degree zones.*crs="):
        working_crs((2.35, 48.85))
    with pytest.raises(CRSError, match=r"no CRS.*EPSG:4490"):
        working_crs(gpd.GeoDataFrame(geometry=[shapely.Point(113.8, 34.2)]))
    with pytest.raises(CRSError, match="not a CGCS2000 3-degree zone"):
        zone_crs(115)


# --------------------------------------------------------------------------- #
# CRS checks
# --------------------------------------------------------------------------- #


def _pts(xy, crs=None) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=[shapely.Point(x, y) for x, y in xy], crs=crs)


def test_missing_crs_refused_unless_stated():
    gdf = _pts([(113.8, 34.2), (113.9, 34.3)])
    with pytest.raises(
        CRSError,
        match=r"file 'pois.shp', layer 'pois' has no coordinate reference system.*"
        r"pass crs='EPSG:4490' \(or --crs\)",
    ):
        ensure_crs(gdf, source="pois.shp", layer="pois")
    out = ensure_crs(gdf, crs="EPSG:4490")
    assert out.crs.to_epsg() == 4490
    assert gdf.crs is None


def test_missing_crs_hint_for_zone_prefix():
    gdf = _pts([(38_480_000, 3_785_000)])
    with pytest.raises(CRSError, match=r"zone prefix 38: try crs='EPSG:4526'"):
        ensure_crs(gdf, source="a.shp")


def test_projected_coordinates_under_geographic_crs_refused():
    gdf = _pts([(480_000, 3_785_000)], crs="EPSG:4490")
    with pytest.raises(
        CRSError, match="coordinates look projected \\(metres\\) but the CRS is geographic"
    ):
        ensure_crs(gdf, source="v.gpkg", layer="villages")


def test_swapped_lon_lat_refused():
    gdf = _pts([(34.2, 113.8), (34.3, 113.9)], crs="EPSG:4326")
    with pytest.raises(CRSError, match=r"longitude and latitude look swapped.*swap the lon/lat"):
        ensure_crs(gdf, source="e.csv")


def test_stated_crs_overrides_declared_with_warning():
    gdf = _pts([(480_000, 3_785_000)], crs="EPSG:2383")
    with pytest.warns(CRSWarning, match=r"declares EPSG:2383.*crs='EPSG:4547'"):
        out = ensure_crs(gdf, crs="EPSG:4547")
    assert out.crs.to_epsg() == 4547
    assert out.geometry.iloc[0].x == 480_000


def test_detect_zone_prefix():
    assert detect_zone_prefix([38_512_345.0, 38_498_000.0]) == 38
    assert detect_zone_prefix(np.array([20_400_000.0])) == 20
    assert detect_zone_prefix([512_345.0]) is None
    assert detect_zone_prefix([38_512_345.0, 39_498_000.0]) is None  # mixed zones
    assert detect_zone_prefix([24_500_000.0]) is None  # no Chinese zone 24
    assert detect_zone_prefix([]) is None


def test_strip_zone_prefix_declared_prefixed_crs():
    gdf = _pts([(38_480_000, 3_785_000), (38_490_000, 3_790_000)], crs="EPSG:4526")
    with pytest.warns(CRSWarning, match=r"zone prefix 38 \(EPSG:4526.*converted to EPSG:4547"):
        out = strip_zone_prefix(gdf, source="roads.shp")
    assert out.crs.to_epsg() == 4547
    assert out.geometry.iloc[0].coords[0] == (480_000, 3_785_000)
    # same place: reprojecting both to lon/lat agrees
    a = gdf.to_crs(4490).geometry.iloc[0]
    b = out.to_crs(4490).geometry.iloc[0]
    assert a.distance(b) < 1e-9


def test_strip_zone_prefix_declared_noprefix_crs_and_xian80():
    gdf = _pts([(38_480_000, 3_785_000)], crs="EPSG:4547")
    with pytest.warns(CRSWarning, match=r"declared EPSG:4547.*crs='EPSG:4526'"):
        out = strip_zone_prefix(gdf)
    assert out.crs.to_epsg() == 4547
    gdf = _pts([(38_480_000, 3_785_000)], crs="EPSG:2362")  # Xian 1980 3-degree zone 38
    with pytest.warns(CRSWarning, match="EPSG:2383"):
        out = strip_zone_prefix(gdf)
    assert out.crs.to_epsg() == 2383  # Xian 1980 CM 114E


def test_strip_zone_prefix_wrong_meridian_refused_and_noop():
    gdf = _pts([(38_480_000, 3_785_000)], crs="EPSG:4548")  # CM 117E, prefix says 114E
    with pytest.raises(CRSError, match=r"zone prefix 38 \(central meridian 114°E\).*EPSG:4526"):
        strip_zone_prefix(gdf)
    plain = _pts([(480_000, 3_785_000)], crs="EPSG:4547")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert strip_zone_prefix(plain) is plain


def test_crs_family_and_mixups():
    assert crs_family("EPSG:4547") == "CGCS2000"
    assert crs_family("EPSG:4490") == "CGCS2000"
    assert crs_family("EPSG:4326") == "WGS84"
    assert crs_family("EPSG:2383") == "Xian80"
    assert crs_family("EPSG:2435") == "Beijing54"
    assert crs_family("EPSG:3857") == "WGS84"
    assert crs_family(None) == "none"
    with pytest.warns(CRSWarning, match=r"layer 'roads' is Beijing-54 \(EPSG:2435.*EPSG:4547"):
        msgs = check_crs_families(
            {"villages": "EPSG:4547", "roads": "EPSG:2435", "rivers": "EPSG:4326"}
        )
    assert len(msgs) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check_crs_families({"a": "EPSG:4547", "b": "EPSG:4326", "c": None}) == []


def test_to_working():
    gdf = _pts([(113.8, 34.2)], crs="EPSG:4490")
    out = to_working(gdf)
    assert out.crs.to_epsg() == 4547
    t = pyproj.Transformer.from_crs(4490, 4547, always_xy=True)
    x, y = t.transform(113.8, 34.2)
    assert out.geometry.iloc[0].x == pytest.approx(x)
    assert out.geometry.iloc[0].y == pytest.approx(y)
    assert to_working(gdf, "EPSG:3857").crs.to_epsg() == 3857
    prefixed = _pts([(38_480_000, 3_785_000)], crs="EPSG:4526")
    with pytest.warns(CRSWarning):
        out = to_working(prefixed)
    assert out.crs.to_epsg() == 4547
    assert out.geometry.iloc[0].x == pytest.approx(480_000)


# --------------------------------------------------------------------------- #
# the real Changge outline (Tianditu, CGCS2000 ≈ WGS84; packaged reference data)
# --------------------------------------------------------------------------- #

OUTLINE = (
    Path(__file__).resolve().parents[1]
    / "gistool" / "datasets" / "reference" / "changge_outline_cgcs2000.geojson"
)


def _iou(a, b) -> float:
    return float(shapely.intersection(a, b).area / shapely.union(a, b).area)


def test_changge_outline_working_crs_and_gcj02_round_trip():
    outline = gpd.read_file(OUTLINE)
    assert working_crs(outline).to_epsg() == 4547
    # the outline as Amap would publish it (GCJ-02), read back with coords="gcj02"
    gcj = outline.set_geometry(transform_geometries(outline.geometry, wgs84_to_gcj02))
    back = convert_offset_coords(gcj, "gcj02")
    truth = outline.to_crs(4547).geometry.iloc[0]
    offset = gcj.set_crs(4326, allow_override=True).to_crs(4547).geometry.iloc[0]
    fixed = back.to_crs(4547).geometry.iloc[0]
    # ~636 km² county, offset of a few hundred metres: overlap visibly below 1 ...
    assert 600e6 < truth.area < 670e6
    assert _iou(truth, offset) < 0.99
    # ... and back to the WGS84 outline within millimetres once converted
    assert _iou(truth, fixed) > 0.999999
    assert truth.hausdorff_distance(fixed) < 0.01
    shift = truth.hausdorff_distance(offset)
    assert 100 < shift < 700
