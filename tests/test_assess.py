"""assess_risk: a 3-unit example computed by hand, parameters, and Changge."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import rasterio
from affine import Affine
from shapely.geometry import Point, box

from gistool.area import StudyArea
from gistool.assess import DEFAULT_AHP_MATRIX, AssessParams, assess_risk, factor_weights
from gistool.errors import ConfigError, SchemaError

CRS = "EPSG:4547"


@pytest.fixture
def three(tmp_path):
    """Three 1 km² villages A, B, C in a row, each its own township and grid cell.

    Flood (100-year, 100 m cells): A has 25 cells at 0.3 m; B 50 cells at
    0.8 m and 10 at 2.5 m; C is dry. A high-susceptibility zone covers the
    western half of C and a hazard point (nobody threatened) lies in C.
    """
    squares = [box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000), box(2000, 0, 3000, 1000)]
    depth = np.zeros((10, 30), dtype="float32")
    depth[0:5, 0:5] = 0.3  # A: 25 cells, class 0.15–0.5
    depth[0:5, 10:20] = 0.8  # B: 50 cells, class 0.5–1
    depth[5:6, 10:20] = 2.5  # B: 10 cells, class > 2
    path = tmp_path / "depth_100.tif"
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=30,
        height=10,
        count=1,
        dtype="float32",
        crs=CRS,
        transform=Affine(100.0, 0.0, 0.0, 0.0, -100.0, 1000.0),
        nodata=-1.0,
    ) as dst:
        dst.write(depth, 1)
    townships = gpd.GeoDataFrame(
        {
            "code": ["411082001", "411082002", "411082003"],
            "name": ["甲镇", "乙街道", "丙镇"],
            "kind": ["镇", "街道", "镇"],
        },
        geometry=squares,
        crs=CRS,
    )
    villages = gpd.GeoDataFrame(
        {
            # last three digits: 200+ = 村委会 (rural), 001–199 = 居委会
            "code": ["411082001200", "411082002001", "411082003201"],
            "name": ["甲村", "乙社区", "丙村"],
            "township_code": ["411082001", "411082002", "411082003"],
            "population": [1000.0, 4000.0, 2000.0],
        },
        geometry=squares,
        crs=CRS,
    )
    enterprises = gpd.GeoDataFrame(
        {
            "id": ["e1", "e2", "e3", "e4"],
            "name": ["甲厂", "乙化工", "乙厂", "丙钢"],
            "category": ["general", "hazardous_chemicals", "general", "metallurgy"],
            "above_scale": [False, True, False, False],
            "major_hazard": [False, False, False, True],
            "employees": [10.0, 100.0, 20.0, 50.0],
        },
        # e2 stands in 0.8 m of water, e4 in the high zone
        geometry=[Point(550, 550), Point(1150, 750), Point(1900, 100), Point(2200, 500)],
        crs=CRS,
    )
    facilities = gpd.GeoDataFrame(
        {
            "id": ["F1", "S1"],
            "name": ["消防站", "避难场所"],
            "kind": ["fire_station", "shelter"],
            "capacity": [np.nan, 2500.0],
        },
        geometry=[Point(0, 500), Point(1000, 500)],
        crs=CRS,
    )
    zones = gpd.GeoDataFrame(
        {"susceptibility": ["high"]}, geometry=[box(2000, 0, 2500, 1000)], crs=CRS
    )
    points = gpd.GeoDataFrame(
        {"id": ["g1"], "hazard_type": ["collapse"], "threatened_people": [0.0]},
        geometry=[Point(2800, 800)],
        crs=CRS,
    )
    boundary = gpd.GeoDataFrame(
        {"code": ["411082"], "name": ["测试县"]}, geometry=[box(0, 0, 3000, 1000)], crs=CRS
    )
    return StudyArea(
        name="三单元",
        crs=pyproj.CRS(CRS),
        boundary=boundary,
        townships=townships,
        villages=villages,
        enterprises=enterprises,
        facilities=facilities,
        geohazard_points=points,
        geohazard_zones=zones,
        flood_depth={100: path},
    )


CONFIG = {
    "grid_size_m": 1000,
    "weighting": {"method": "explicit", "explicit": {"H": 0.4, "E": 0.3, "V": 0.15, "C": 0.15}},
    "classification": {"method": "fixed", "breaks": [0.1, 0.2, 0.3, 0.5]},
    "capacity": {"shelter_max_distance_m": 1000},
    "sensitivity": {"draws": 200, "seed": 1},
}


def mm(x):
    lo, hi = min(x), max(x)
    return [(v - lo) / (hi - lo) for v in x]


def test_three_units_by_hand(three):
    r = assess_risk(three, CONFIG, network=False)

    # --- H: flood classes → h = Σ score·frac / 4 (one return period)
    h_flood = [1 * 0.25 / 4, (2 * 0.5 + 4 * 0.1) / 4, 0.0]  # .0625, .35, 0
    # geology: g_zone = 3·share_high/3; point density 1 per km² in C only
    h_geo = [0.0, 0.0, 0.6 * 0.5 + 0.4 * 1.0]
    H = [0.7 * f + 0.3 * g for f, g in zip(mm(h_flood), mm(h_geo), strict=True)]
    # --- E: densities per km² (1 km² units)
    pop = [1000, 4000, 2000]
    ent_w = [1.0, 5 * 1.5 + 1.0, 4 + 3.0]  # general; hazchem above scale + general; major hazard
    emp = [10, 120, 50]
    E = [0.5 * a + 0.35 * b + 0.15 * c for a, b, c in zip(mm(pop), mm(ent_w), mm(emp), strict=True)]
    # --- V: .4·share hazardous + .3·share exposed site + .3·rural share
    V = [0.3 * 1, 0.4 * 0.5 + 0.3 * 0.5 + 0.0, 0.4 * 1 + 0.3 * 1 + 0.3 * 1]
    # --- C: straight line from the fire station at (0, 500) to each village's
    # centre × 1.3 at 40 km/h; shelter S1 (2500 places) within 1 km of A and B
    t = [d * 1.3 / (40_000 / 60) for d in (500, 1500, 2500)]
    a = [1 - x / 60 for x in t]
    shelter = [2500 / 5000, 2500 / 5000, 0.0]
    C = [0.4 * x + 0.3 * x + 0.3 * s for x, s in zip(a, shelter, strict=True)]

    for layer in (r.villages, r.townships, r.grid):
        assert layer["H"].to_numpy() == pytest.approx(H)
        assert layer["E"].to_numpy() == pytest.approx(E)
        assert layer["V"].to_numpy() == pytest.approx(V)
        assert layer["C"].to_numpy() == pytest.approx(C)
        assert layer["access_mean_min"].to_numpy() == pytest.approx(t)

    # --- index: R = Π max(x', .01)^w, x' min–max, C reversed
    w = {"H": 0.4, "E": 0.3, "V": 0.15, "C": 0.15}
    xs = {"H": mm(H), "E": mm(E), "V": mm(V), "C": [1 - c for c in mm(C)]}
    R = [math.prod(max(xs[k][i], 0.01) ** w[k] for k in w) for i in range(3)]
    assert R[0] == pytest.approx(0.01)  # A is the minimum of every factor
    for layer in (r.villages, r.townships, r.grid):
        assert layer["risk_index"].to_numpy() == pytest.approx(R)
        # fixed breaks .1 .2 .3 .5: A ≤ .1 → 5 (低); B ≈ .487 → 2; C ≈ .505 → 1
        assert layer["risk_level"].tolist() == [5, 2, 1]
        assert layer["risk_level_name"].tolist() == ["低风险", "中高风险", "高风险"]
        assert layer["rank"].tolist() == [3, 2, 1]
        # driver = argmax w·x': B → H (.4), C → E (.3·.5012 > .15)
        assert layer["driver"].tolist()[1:] == ["H", "E"]
        assert layer["level_stability"].between(0, 1).all()
    assert r.weights.to_dict() == pytest.approx(w)
    assert r.ahp is None

    # --- four colours: e2 (较大) raised by 0.8 m water → 重大; e4 major hazard → 重大
    # already; e1, e3 general → 低
    assert r.enterprises["risk_grade"].tolist() == ["低", "重大", "低", "重大"]
    assert r.enterprises["village_code"].tolist() == [
        "411082001200",
        "411082002001",
        "411082002001",
        "411082003201",
    ]
    # zones: one per level present, area = grid area
    assert r.zones.geometry.area.sum() == pytest.approx(r.grid.geometry.area.sum())
    table = r.ranking("villages")
    assert table["code"].tolist() == ["411082003201", "411082002001", "411082001200"]
    zh = r.ranking("townships", chinese=True)
    assert zh.columns[:2].tolist() == ["代码", "名称"]
    assert zh["排名"].tolist() == [1, 2, 3]
    s = r.summary()
    assert s.loc[s["layer"] == "villages", "n"].sum() == 3
    zs = s[s["layer"] == "zones"]
    assert zs["area_km2"].sum() == pytest.approx(3.0)
    assert s.loc[s["layer"] == "enterprises", "n"].sum() == 4
    assert set(r.reachability["source"]) == {"straight_line"}


def test_default_weights_are_ahp_and_consistent():
    w, ahp = factor_weights(pd.DataFrame())
    assert list(w.index) == ["H", "E", "V", "C"]
    assert w.sum() == pytest.approx(1.0)
    assert ahp.cr < 0.1
    assert w["H"] > w["E"] > w["V"] == pytest.approx(w["C"])
    assert len(DEFAULT_AHP_MATRIX) == 4


def test_entropy_weights_and_to_gpkg(three, tmp_path):
    cfg = {**CONFIG, "weighting": {"method": "entropy"}}
    r = assess_risk(three, cfg, network=False)
    assert r.weights.sum() == pytest.approx(1.0)
    out = r.to_gpkg(tmp_path / "zoning.gpkg")
    import pyogrio

    layers = [name for name, _ in pyogrio.list_layers(out)]
    assert {"townships", "villages", "grid", "zones", "enterprises"} <= set(layers)
    back = gpd.read_file(out, layer="villages")
    assert back["risk_level"].tolist() == r.villages["risk_level"].tolist()
    from gistool.errors import OutputError

    with pytest.raises(OutputError, match="overwrite"):
        r.to_gpkg(out)


def test_params_refuse_unknown_keys_and_bad_values():
    with pytest.raises(ConfigError, match=r"hazard\.w_flud"):
        AssessParams.from_any({"hazard": {"w_flud": 0.5}})
    with pytest.raises(ConfigError, match="grid_size_m"):
        AssessParams.from_any({"grid_size_m": -5})
    with pytest.raises(ConfigError, match="explicit"):
        AssessParams.from_any({"weighting": {"method": "explicit"}})
    assert AssessParams.from_any(None) == AssessParams()


def test_assess_refuses_bad_data(three):
    with pytest.raises(SchemaError, match="StudyArea"):
        assess_risk({"villages": None})  # type: ignore[arg-type]
    three.villages = three.villages.to_crs("EPSG:3857")
    with pytest.raises(SchemaError, match="villages"):
        assess_risk(three, CONFIG, network=False)


# ----------------------------------------------------------------------------- Changge


@pytest.fixture(scope="module")
def changge_result(changge):
    return assess_risk(changge)


@pytest.mark.slow
def test_changge_levels_colours_and_invariants(changge_result):
    r = changge_result
    for name in ("villages", "grid"):
        layer = getattr(r, name)
        assert sorted(layer["risk_level"].unique()) == [1, 2, 3, 4, 5], name
        for col in ("H", "E", "V", "C", "risk_index", "level_stability"):
            assert layer[col].between(0, 1).all(), (name, col)
        assert layer["rank"].min() == 1
        assert set(layer["driver"].dropna()) <= {"H", "E", "V", "C"}
    assert len(r.villages) == 398
    assert len(r.townships) == 16
    assert set(r.enterprises["color"]) == {"red", "orange", "yellow", "blue"}
    assert r.zones.geometry.area.sum() == pytest.approx(r.grid.geometry.area.sum(), rel=1e-9)
    assert r.grid["area_km2"].sum() == pytest.approx(r.grid.geometry.area.sum() / 1e6)
    assert r.ahp.cr < 0.1
    assert set(r.reachability["source"]) == {"network"}
    # population is carried, not invented
    assert r.grid["population"].sum() == pytest.approx(r.villages["population"].sum())
    assert r.townships["population"].sum() == pytest.approx(r.villages["population"].sum())


@pytest.mark.slow
def test_changge_reproducible(changge, changge_result):
    again = assess_risk(changge)
    for name in ("townships", "villages", "grid"):
        a, b = getattr(changge_result, name), getattr(again, name)
        cols = ["risk_index", "risk_level", "rank", "driver", "level_stability"]
        pd.testing.assert_frame_equal(
            pd.DataFrame(a[cols]), pd.DataFrame(b[cols]), check_exact=True
        )
    assert (changge_result.enterprises["risk_grade"] == again.enterprises["risk_grade"]).all()


@pytest.mark.slow
def test_changge_village_flood_fractions_equal_exactextract(changge, changge_result):
    from exactextract import exact_extract

    T = 100
    v = changge.villages
    with rasterio.open(changge.flood_depth[T]) as src:
        cell = abs(src.transform.a * src.transform.e)
        out = exact_extract(src, v, ["coverage", "values"], output="pandas")
        nodata = src.nodata
    wet = np.array(
        [
            float(np.sum(c[(x >= 0.15) & (x != nodata) & np.isfinite(x)]))
            for c, x in zip(out["coverage"], out["values"], strict=True)
        ]
    )
    expected = wet * cell / v.geometry.area.to_numpy()
    got = changge_result.villages[f"flood_frac_{T}"].to_numpy()
    np.testing.assert_allclose(got, expected, atol=1e-3)
    assert expected.max() > 0.1


def test_three_units_on_a_road_network(three):
    from shapely.geometry import LineString

    from gistool.network import build_road_graph

    # a dry county road along y = 250, 250 m south of the village centres
    three.roads = gpd.GeoDataFrame(
        {"road_class": ["county"]}, geometry=[LineString([(0, 250), (3000, 250)])], crs=CRS
    )
    r = assess_risk(three, CONFIG, progress=True)
    assert set(r.reachability["source"]) == {"network"}
    # off-road legs of 250 m at 5 km/h (3 min each end) + the road at 50 km/h
    t = [3 + d / 1000 * 60 / 50 + 3 for d in (500, 1500, 2500)]
    assert r.villages["access_mean_min"].to_numpy() == pytest.approx(t)
    reach = r.reachability
    assert (reach["minutes_flood"] == reach["minutes_normal"]).all()  # the road stays dry
    reused = assess_risk(three, CONFIG, network=build_road_graph(three.roads))
    pd.testing.assert_series_equal(r.villages["C"], reused.villages["C"])


def test_travel_time_provider_is_swappable(three):
    def flat_ten(targets, facilities):
        return pd.DataFrame(
            {
                "facility_id": "F1",
                "minutes_normal": 10.0,
                "minutes_flood": 10.0 + targets.geometry.x / 100,
            },
            index=targets.index,
        )

    r = assess_risk(three, CONFIG, network=flat_ten)
    assert set(r.reachability["source"]) == {"flat_ten"}
    assert r.reachability["delta"].to_numpy() == pytest.approx(r.reachability.geometry.x / 100)
    # village centres at x = 500, 1500, 2500 → 15, 25, 35 min under flood
    assert r.villages["access_mean_min"].tolist() == pytest.approx([15.0, 25.0, 35.0])
    # e4 (x = 2200) waits 32 min > 30 → raised; it is already 重大
    assert r.enterprises["access_minutes_flood"].tolist() == pytest.approx([15.5, 21.5, 29.0, 32.0])
    assert r.enterprises["raised_by"].iloc[3].endswith("超过30分钟")

    def broken(targets, facilities):
        return pd.DataFrame({"minutes": 1.0}, index=targets.index)

    with pytest.raises(ConfigError, match="minutes_flood"):
        assess_risk(three, CONFIG, network=broken)


def test_flood_fractions_by_level_any_order(three):
    from gistool.assess import flood_fractions_by_level

    a = flood_fractions_by_level(three, {"townships": three.townships, "villages": three.villages})
    # townships equal their single village: summed from the villages
    np.testing.assert_allclose(a["townships"][100].to_numpy(), a["villages"][100].to_numpy())
    assert a["villages"][100]["frac_wet"].tolist() == pytest.approx([0.25, 0.6, 0.0])


def test_flood_fractions_by_level_release_hands_the_read_bands_over(three):
    from gistool.assess import flood_fractions_by_level
    from gistool.hazard import read_raster

    levels = {"townships": three.townships, "villages": three.villages}
    plain = flood_fractions_by_level(three, levels)
    T = max(three.flood_depth)
    given = {t: read_raster(p) if t == T else p for t, p in three.flood_depth.items()}
    kept = dict(given)
    held = flood_fractions_by_level(three, levels, rasters=given)
    assert given == kept  # shared, not consumed
    released = flood_fractions_by_level(three, levels, rasters=given, release=True)
    assert given == {}  # handed over: the caller holds no band any more
    for res in (held, released):
        assert list(res) == list(plain)
        for name in plain:
            assert list(res[name]) == list(plain[name])
            for t in plain[name]:
                pd.testing.assert_frame_equal(res[name][t], plain[name][t])


def test_runs_without_enterprises_or_flood_rasters(three):
    three.enterprises = None
    three.flood_depth = {}
    r = assess_risk(three, CONFIG, network=False)
    assert r.enterprises is None
    # H from geology only: C's high zone and hazard point
    assert r.villages["H"].tolist() == pytest.approx([0.0, 0.0, 0.3])
    # V from the rural share only
    assert r.villages["V"].tolist() == pytest.approx([0.3, 0.0, 0.3])
    assert r.summary()["layer"].isin(["enterprises"]).sum() == 0
