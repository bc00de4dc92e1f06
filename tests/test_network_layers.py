"""Run layers on a small synthetic study area; connectivity checks."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from _network_fixtures import CRS, X0, Y0, grid_roads, points
from test_network_reach import write_depth

from gistool.area import StudyArea
from gistool.errors import InputError, NetworkError, NetworkWarning
from gistool.network import build_road_graph, check_connectivity, reachability_layers


@pytest.fixture
def area(tmp_path):
    roads = grid_roads(6, 6, step=500.0)
    boxes, codes, pops = [], [], []
    for i in range(5):
        for j in range(5):
            boxes.append(shapely.box(X0 + i * 500 + 50, Y0 + j * 500 + 50,
                                     X0 + i * 500 + 450, Y0 + j * 500 + 450))
            codes.append(f"4110821000{i}{j}")
            pops.append(100 * (i + j + 1))
    villages = gpd.GeoDataFrame({"code": codes, "name": [f"村{c[-2:]}" for c in codes],
                                 "township_code": "411082100", "population": pops},
                                geometry=boxes, crs=CRS)
    fac = points([(X0, Y0), (X0 + 2500, Y0 + 2500), (X0 + 1250, Y0 + 1000)],
                 id=["F1", "R1", "H1"], name=["消防站", "救援队", "医院"],
                 kind=["fire_station", "rescue_team", "hospital"])
    ent = points([(X0 + 700, Y0 + 520), (X0 + 2100, Y0 + 1480)], id=["E1", "E2"],
                 name=["甲厂", "乙厂"], category=["metallurgy", "general"])
    # flood: a 1 m-deep band over the middle street row y = Y0 + 1500
    depth = np.zeros((300, 300))
    row = int((Y0 + 2750 - (Y0 + 1500)) // 10)
    depth[row - 2:row + 3, :] = 1.0
    write_depth(tmp_path / "d100.tif", depth, X0 - 250, Y0 + 2750)
    boundary = gpd.GeoDataFrame({"code": ["411082"], "name": ["长葛市"]},
                                geometry=[shapely.box(X0 - 250, Y0 - 250, X0 + 2750, Y0 + 2750)],
                                crs=CRS)
    return StudyArea(name="test", crs=villages.crs, boundary=boundary, townships=boundary,
                     villages=villages, enterprises=ent, facilities=fac, roads=roads,
                     flood_depth={100: tmp_path / "d100.tif"})


def test_reachability_layers(area):
    out = reachability_layers(area, n_routes=3, critical_top=5)
    assert set(out) == {"reachability", "village_access", "isochrones", "critical_links",
                        "routes", "flooded_roads"}
    reach = out["reachability"]
    assert len(reach) == (25 + 2) * 3
    assert set(reach["target_type"]) == {"village", "enterprise"}
    assert (reach["minutes_flood"] >= reach["minutes_normal"] - 1e-12).all()
    acc = out["village_access"]
    assert len(acc) == 25
    assert set(acc["kind"].dropna()) <= {"fire_station", "rescue_team"}
    # the per-village minimum over rescue kinds equals the long table's
    v = reach[(reach["target_type"] == "village") & reach["kind"].isin(["fire_station",
                                                                        "rescue_team"])]
    mins = v.groupby("target_id")["minutes_normal"].min()
    np.testing.assert_allclose(acc.set_index("target_id")["minutes_normal"].loc[mins.index], mins)
    assert acc["population"].sum() == area.villages["population"].sum()
    flooded = out["flooded_roads"]
    # the five blocks of the flooded street and the 2 × 6 cross streets ending in it
    assert (flooded["status"] == "cut").sum() == 5 + 12
    iso = out["isochrones"]
    assert set(iso["scenario"]) == {"normal", "flood"}
    assert set(iso["kind"]) == {"fire_station", "rescue_team", "hospital"}
    routes = out["routes"]
    assert set(routes["scenario"]) == {"normal", "flood"}
    assert (routes.geometry.length > 0).all()
    # a flood route is never faster than the normal route to the same village
    r = routes.pivot_table(index="target_id", columns="scenario", values="minutes")
    assert (r["flood"] >= r["normal"] - 1e-9).all()
    crit = out["critical_links"]
    assert set(crit["scenario"]) <= {"normal", "flood"}
    assert (crit["rank"] >= 1).all()


def test_reachability_layers_no_flood_and_bad_rp(area):
    out = reachability_layers(area, flood_rp=None, n_routes=2, critical_top=3)
    reach = out["reachability"]
    np.testing.assert_array_equal(reach["minutes_flood"], reach["minutes_normal"])
    assert len(out["flooded_roads"]) == 0
    with pytest.raises(InputError, match="available: 100"):
        reachability_layers(area, flood_rp=50)


def test_connectivity_warns_and_raises():
    a = grid_roads(3, 3)
    b = grid_roads(2, 2)
    b = b.set_geometry(b.geometry.translate(20_000, 0))
    g = build_road_graph(gpd.GeoDataFrame(pd.concat([a, b], ignore_index=True), crs=CRS))
    tgt = points([(X0 + 500, Y0 + 500), (X0 + 250, Y0), (X0 + 20_250, Y0)])
    fac = points([(X0, Y0), (X0 + 20_000, Y0)], id=["near", "island"])
    with pytest.warns(NetworkWarning, match="island"):
        rep = check_connectivity(g, fac, tgt)
    np.testing.assert_allclose(rep["target_share"], [2 / 3, 1 / 3])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_connectivity(g, fac.iloc[:1], tgt)
    with pytest.raises(NetworkError, match="no facility"):
        check_connectivity(g, fac.iloc[1:], tgt.iloc[:2])


def test_reachability_layers_custom_targets_access_scenarios_and_layers(area):
    """The pipeline's call: own targets and their solved access, flood-only links and routes."""
    from gistool.network import apply_flood, critical_links, rescue_access, travel_times
    from gistool.network.layers import worst_routes

    g = build_road_graph(area.roads)
    fg, _ = apply_flood(g, area.flood_depth[100])
    rescue = area.facilities.iloc[:2]
    tgt = reachability_layers(area, layers=("reachability",))["reachability"]
    assert set(reachability_layers(area, layers=("reachability",))) == {"reachability"}
    pts = gpd.GeoDataFrame(
        {"target_id": [f"T{i}" for i in range(25)], "population": area.villages["population"]},
        geometry=area.villages.geometry.representative_point(), crs=CRS,
    )
    tt = travel_times(g, rescue, pts, flood_graph=fg, offroad_speed_kmh=15.0)
    acc = rescue_access(tt, ["fire_station", "rescue_team"])
    out = reachability_layers(area, graph=g, targets=pts, access=acc, scenarios=("flood",),
                              layers=("critical_links", "routes"), n_routes=4, critical_top=5)
    assert set(out) == {"critical_links", "routes"}
    crit = out["critical_links"]
    assert set(crit["scenario"]) == {"flood"}
    # the same links as critical_links on the flooded graph with population weights
    direct = critical_links(fg, rescue, pts, top=5, max_distance=500.0, offroad_speed_kmh=15.0)
    np.testing.assert_array_equal(crit["edge_id"], direct["edge_id"])
    np.testing.assert_allclose(crit["increase_weighted_minutes"],
                               direct["increase_weighted_minutes"])
    r = out["routes"]
    assert list(r["scenario"]) == ["flood"] * 4
    assert list(r["worst_rank"]) == [1, 2, 3, 4]
    # the four targets with the longest flood minutes (isolated ones have no route), from
    # their nearest facility
    reached = acc[np.isfinite(acc["minutes_flood"])]
    assert len(reached) < len(acc)
    worst = reached.sort_values(["minutes_flood", "minutes_normal"], ascending=False,
                                kind="stable").head(4)
    assert list(r["target_id"]) == list(worst["target_id"])
    assert list(r["source_id"]) == list(worst["facility_id"])
    np.testing.assert_allclose(r["minutes"], worst["minutes_flood"], rtol=1e-9)
    # without access, the same routes are solved from the targets
    again = reachability_layers(area, graph=g, targets=pts, scenarios=("flood",),
                                layers=("routes",), n_routes=4)["routes"]
    pd.testing.assert_frame_equal(pd.DataFrame(again.drop(columns="geometry")),
                                  pd.DataFrame(r.drop(columns="geometry")))
    # without a flood scenario, "flood" is the normal network
    no = reachability_layers(area, flood_rp=None, graph=g, targets=pts, access=acc,
                             scenarios=("flood",), layers=("critical_links", "flooded_roads"),
                             critical_top=3)
    assert set(no["critical_links"]["scenario"]) == {"normal"}
    assert len(no["flooded_roads"]) == 0
    # both scenarios: a normal and a flood route per target, normal never slower
    both = worst_routes(g, fg, rescue, acc, n=3, max_distance=500.0, offroad_speed_kmh=15.0)
    assert list(both["scenario"]) == ["normal", "flood"] * 3
    piv = both.pivot_table(index="target_id", columns="scenario", values="minutes")
    assert (piv["flood"] >= piv["normal"] - 1e-9).all()
    assert len(tgt) == (25 + 2) * 3
    with pytest.raises(ValueError, match="unknown reachability layer 'roads'"):
        reachability_layers(area, layers=("roads",))
    with pytest.raises(ValueError, match="unknown scenario 'dry'"):
        worst_routes(g, fg, rescue, acc, scenarios=("dry",))
