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
