"""Synthetic point layers of the Changge dataset: enterprises, facilities, geohazards."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from gistool.codes import validate_credit_codes
from gistool.datasets import points
from gistool.datasets.geohazards import _place_name
from gistool.datasets.hydro import river_channels

DAZHOU, NANXI = "411082106", "411082105"
NORTH_WEST = {"411082111", "411082103", "411082102"}  # 佛耳湖镇, 石固镇, 后河镇

# --- helpers on tiny examples ---------------------------------------------------------


def test_sample_points_inside_region_and_outside_exclude():
    rng = np.random.default_rng(3)
    region = shapely.box(0, 0, 100, 100)
    river = shapely.box(40, 0, 60, 100)
    xy = points.sample_points(500, region, rng, exclude=river)
    assert xy.shape == (500, 2)
    assert shapely.contains_xy(region, xy[:, 0], xy[:, 1]).all()
    assert not shapely.intersects_xy(river, xy[:, 0], xy[:, 1]).any()


def test_sample_points_clustered_around_centres():
    rng = np.random.default_rng(4)
    region = shapely.box(0, 0, 1000, 1000)
    centres = np.tile([[200.0, 800.0]], (400, 1))
    xy = points.sample_points(400, region, rng, centres=centres, sigma=30.0)
    assert np.hypot(*(xy - [200, 800]).T).mean() == pytest.approx(30 * np.sqrt(np.pi / 2), rel=0.15)


def test_containing_code_picks_the_polygon_under_each_point():
    polys = gpd.GeoDataFrame(
        {"code": ["a", "b"]}, geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)]
    )
    pts = shapely.points([[0.5, 0.5], [1.5, 0.2], [3.0, 0.5]])
    assert points.containing_code(pts, polys).tolist() == ["a", "b", "b"]


def test_credit_codes_are_valid_and_unique():
    codes = points.make_credit_codes(np.random.default_rng(0), 500)
    assert validate_credit_codes(codes).all()
    assert len(set(codes)) == 500
    assert all(c.startswith("91411082") and len(c) == 18 for c in codes)


def test_place_name():
    assert _place_name("后河村委会") == "后河村"
    assert _place_name("学苑路社区居委会") == "学苑路社区"


# --- the Changge layers ---------------------------------------------------------------


@pytest.fixture(scope="module")
def enterprises(changge) -> gpd.GeoDataFrame:
    return changge.enterprises


def test_enterprise_totals(enterprises):
    assert len(enterprises) == 11_932
    assert enterprises["above_scale"].dtype == bool
    assert int(enterprises["above_scale"].sum()) == 1_046
    assert int((enterprises["above_scale"] & enterprises["industrial"]).sum()) == 529
    assert int(enterprises["major_hazard"].sum()) == 30
    assert enterprises["id"].is_unique
    assert enterprises["id"].iloc[0] == "E000001"
    assert enterprises["name"].is_unique
    assert enterprises["name"].str.startswith("长葛市").all()


def test_enterprise_categories(enterprises):
    counts = enterprises["category"].value_counts().to_dict()
    assert set(counts) == {
        "general", "hazardous_chemicals", "fireworks", "metallurgy",
        "dust_explosion", "ammonia_refrigeration", "confined_space",
    }  # fmt: skip
    assert 20 <= counts["hazardous_chemicals"] <= 80
    assert 5 <= counts["fireworks"] <= 8
    assert 40 <= counts["ammonia_refrigeration"] <= 80
    assert 200 <= counts["dust_explosion"] <= 400
    assert 300 <= counts["confined_space"] <= 600
    assert counts["general"] > 0.85 * len(enterprises)
    # major-hazard installations are hazardous sites
    assert (enterprises.loc[enterprises["major_hazard"], "category"] != "general").all()


def test_metallurgy_clusters_in_dazhou_and_sanitary_ware_in_nanxi(enterprises):
    metal = enterprises[enterprises["category"] == "metallurgy"]
    assert (metal["township_code"] == DAZHOU).mean() > 0.5
    sanitary = enterprises[enterprises["industry"] == "卫浴陶瓷"]
    assert sanitary["township_code"].value_counts().index[0] == NANXI
    recycled = enterprises[enterprises["industry"] == "再生金属"]
    assert recycled["township_code"].value_counts().index[0] == DAZHOU


def test_enterprise_industries_and_employees(enterprises):
    assert set(enterprises["industry"]) == set(points.INDUSTRIES)
    emp = enterprises["employees"].to_numpy()
    assert emp.dtype.kind == "i"
    assert (emp >= 1).all()
    above = enterprises["above_scale"].to_numpy()
    assert np.median(emp[above]) > 5 * np.median(emp[~above])


def test_enterprises_inside_boundary_outside_rivers(changge, enterprises):
    xy = shapely.get_coordinates(enterprises.geometry.to_numpy())
    outline = changge.boundary.geometry.iloc[0]
    assert shapely.contains_xy(outline, xy[:, 0], xy[:, 1]).all()
    channels = shapely.union_all(river_channels(changge.rivers).geometry.to_numpy())
    assert not shapely.intersects_xy(channels, xy[:, 0], xy[:, 1]).any()


def test_enterprises_are_clustered(changge, enterprises):
    # nearest-neighbour distances far below those of as many uniform points (Clark–Evans)
    from scipy.spatial import cKDTree

    xy = shapely.get_coordinates(enterprises.geometry.to_numpy())
    d, _ = cKDTree(xy).query(xy, k=2)
    expected = 0.5 / np.sqrt(len(xy) / changge.boundary.area.iloc[0])
    assert d[:, 1].mean() < 0.6 * expected


def test_enterprise_township_codes_match_geometry(changge, enterprises):
    joined = gpd.sjoin(
        enterprises[["id", "township_code", "geometry"]],
        changge.townships[["code", "geometry"]],
        predicate="within",
    )
    assert len(joined) == len(enterprises)
    assert (joined["township_code"] == joined["code"]).all()


def test_enterprise_credit_codes(enterprises):
    codes = enterprises["credit_code"]
    assert codes.is_unique
    assert validate_credit_codes(codes).all()
    assert codes.str[2:8].eq("411082").all()


def test_facilities(changge):
    fac = changge.facilities
    counts = fac["kind"].value_counts().to_dict()
    assert counts == {
        "fire_station": 6, "rescue_team": 12, "hospital": 10, "shelter": 40, "depot": 5,
    }  # fmt: skip
    assert fac["id"].is_unique
    assert fac["name"].is_unique
    shelters = fac["kind"] == "shelter"
    assert (fac.loc[shelters, "capacity"] > 0).all()
    assert fac.loc[~shelters, "capacity"].isna().all()
    outline = changge.boundary.geometry.iloc[0]
    assert fac.within(outline).all()
    # facilities front a road
    roads = shapely.union_all(changge.roads.geometry.to_numpy())
    assert (fac.distance(roads) < 1.0).all()


def test_geohazard_points(changge):
    gp = changge.geohazard_points
    assert 40 <= len(gp) <= 60
    assert set(gp["hazard_type"]) == {"collapse", "landslide", "subsidence", "fissure"}
    assert gp["id"].is_unique
    assert (gp["threatened_people"] > 0).all()
    assert gp.within(changge.boundary.geometry.iloc[0]).all()
    # mostly in the north-western hills
    assert gp["township_code"].isin(NORTH_WEST).mean() > 0.8


def test_geohazard_zones(changge):
    zones = changge.geohazard_zones
    assert set(zones["susceptibility"]) == {"high", "medium", "low"}
    assert shapely.is_valid(zones.geometry.to_numpy()).all()
    polys = zones.geometry.to_numpy()
    union = shapely.union_all(polys)
    assert shapely.area(polys).sum() - union.area < 1.0  # no overlaps
    outline = changge.boundary.geometry.iloc[0]
    assert shapely.difference(union, outline).area < 1.0
    area = zones.assign(a=zones.area / 1e6).groupby("susceptibility")["a"].sum()
    assert 2 < area["high"] < area["high"] + area["medium"] + area["low"] < 150
    # the zones lie in the north-west
    nw = changge.townships[changge.townships["code"].isin(NORTH_WEST)].union_all()
    assert shapely.intersection(union, nw).area > 0.8 * union.area
