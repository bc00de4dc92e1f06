"""Rescue capacity C: providers, weighted statistics, shelter shares."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from gistool.capacity import (
    _reduce_travel_table,
    access_score,
    capacity_index,
    shelter_share,
    straight_line_minutes,
    weighted_group_stats,
)
from gistool.errors import SchemaError

CRS = "EPSG:4547"


def _pts(xy, **cols):
    return gpd.GeoDataFrame(cols, geometry=[Point(x, y) for x, y in xy], crs=CRS)


def test_straight_line_minutes_nearest_rescue_kind():
    fac = _pts(
        [(0, 0), (10000, 0), (300, 0)],
        id=["F1", "R1", "H1"],
        kind=["fire_station", "rescue_team", "hospital"],
    )
    t = _pts([(3000, 4000), (9000, 0)])
    m = straight_line_minutes(t, fac)
    # 5 km × 1.3 / (40 km/h) = 9.75 min; 1 km × 1.3 / 40 km/h = 1.95 min
    assert m["minutes_flood"].to_numpy() == pytest.approx([9.75, 1.95])
    assert m["facility_id"].tolist() == ["F1", "R1"]
    assert (m["minutes_normal"] == m["minutes_flood"]).all()
    m2 = straight_line_minutes(t, fac, detour=1.0, speed_kmh=60.0)
    assert m2["minutes_flood"].to_numpy() == pytest.approx([5.0, 1.0])
    with pytest.raises(SchemaError, match="fire stations"):
        straight_line_minutes(t, fac[fac["kind"] == "hospital"])


def test_weighted_group_stats_against_numpy():
    rng = np.random.default_rng(3)
    x = rng.uniform(0, 60, 200)
    w = rng.integers(1, 5, 200).astype(float)
    g = rng.integers(0, 4, 200)
    mean, q = weighted_group_stats(x, w, g, 5, quantile=0.95)
    for k in range(4):
        m = g == k
        assert mean[k] == pytest.approx(np.average(x[m], weights=w[m]))
        # integer weights: the weighted quantile is the quantile of the repeated values
        rep = np.repeat(x[m], w[m].astype(int))
        assert q[k] == pytest.approx(np.quantile(rep, 0.95, method="inverted_cdf"))
    assert np.isnan(mean[4])
    assert np.isnan(q[4])
    # zero total weight → equal weights
    mean0, _ = weighted_group_stats([1.0, 3.0], [0.0, 0.0], [0, 0], 1)
    assert mean0.tolist() == [2.0]


def test_shelter_share_pro_rata_and_distance():
    fac = _pts(
        [(0, 0), (10000, 0)], id=["S1", "S2"], kind=["shelter", "shelter"], capacity=[100.0, np.nan]
    )
    t = _pts([(100, 0), (200, 0), (9000, 0), (50000, 0)])
    s = shelter_share(t, fac, population=[150.0, 50.0, 10.0, 10.0])
    # S1: 100 places for 200 people → 0.5; S2 unlimited → 1; last target > 5 km → 0
    assert s.tolist() == [0.5, 0.5, 1.0, 0.0]
    assert shelter_share(t, fac[fac["kind"] == "none"]).tolist() == [0, 0, 0, 0]


def test_capacity_index_by_hand():
    units = pd.DataFrame(index=["A", "B", "C"])
    targets = pd.DataFrame(
        {
            "minutes_flood": [10.0, 30.0, 20.0, np.inf, 5.0],
            "population": [300.0, 100.0, 1.0, 1.0, 0.0],
            "shelter_share": [1.0, 0.0, 0.5, 0.5, 1.0],
            "unit": [0, 0, 1, 1, -1],
        }
    )
    c = capacity_index(units, targets, unit_positions=targets["unit"])
    # A: mean (300·10 + 100·30)/400 = 15 → a = .75; p95 = 30 → .5; shelter .75
    # B: inf → 60 min: mean 40 → 1/3; p95 60 → 0; shelter .5
    # C: no target → median score of A and B
    a_mean = [0.75, 1 / 3, (0.75 + 1 / 3) / 2]
    a_p95 = [0.5, 0.0, 0.25]
    s = [0.75, 0.5, 0.0]
    exp = [0.4 * a + 0.3 * b + 0.3 * d for a, b, d in zip(a_mean, a_p95, s, strict=True)]
    assert c["C"].to_numpy() == pytest.approx(exp)
    assert c["access_mean_min"].iloc[:2].tolist() == [15.0, 40.0]
    assert c["access_p95_min"].iloc[:2].tolist() == [30.0, 60.0]
    assert access_score([30.0], reference_minutes=60.0).tolist() == [0.5]


def test_reduce_network_table_takes_min_over_kinds():
    tt = pd.DataFrame(
        {
            "target_id": [0, 0, 1, 1, 0],
            "kind": ["fire_station", "rescue_team", "fire_station", "rescue_team", "hospital"],
            "facility_id": ["F", "R", "F", "R", "H"],
            "minutes_normal": [5.0, 7.0, 12.0, 9.0, 1.0],
            "facility_id_flood": ["F", "R", "F", None, "H"],
            "minutes_flood": [8.0, 7.5, 20.0, np.inf, 1.0],
        }
    )
    out = _reduce_travel_table(tt, pd.Index(["a", "b", "c"]), ("fire_station", "rescue_team"))
    assert out["minutes_normal"].tolist() == [5.0, 9.0, np.inf]
    assert out["minutes_flood"].tolist() == [7.5, 20.0, np.inf]
    assert out["facility_id"].iloc[:2].tolist() == ["R", "F"]


def test_network_minutes_flood_cuts_and_other_kind_takes_over(tmp_path):
    import rasterio
    from affine import Affine
    from shapely.geometry import LineString

    from gistool.capacity import network_minutes
    from gistool.network import apply_flood, build_road_graph

    roads = gpd.GeoDataFrame(
        {"road_class": ["county", "county"]},
        geometry=[LineString([(0, 0), (2500, 0)]), LineString([(2500, 0), (5000, 0)])],
        crs=CRS,
    )
    graph = build_road_graph(roads)  # 50 km/h: 2.5 km = 3 min
    fac = _pts([(0, 0), (5000, 0)], id=["F1", "R1"], kind=["fire_station", "rescue_team"])
    tgt = _pts([(2500, 0), (4000, 0), (100, 0)])
    # 1 m of water over x 1000–2000 cuts the fire station's road
    depth = np.zeros((1, 50), dtype="float32")
    depth[0, 10:20] = 1.0
    path = tmp_path / "flood.tif"
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=50,
        height=1,
        count=1,
        dtype="float32",
        crs=CRS,
        transform=Affine(100.0, 0.0, 0.0, 0.0, -100.0, 50.0),
    ) as dst:
        dst.write(depth, 1)
    flood_graph, _ = apply_flood(graph, path)
    m = network_minutes(graph, tgt, fac, flood_graph=flood_graph)
    assert m["minutes_normal"].to_numpy() == pytest.approx([3.0, 1.2, 0.12])
    # under flood the rescue team from the east takes over; the target on the
    # cut edge is isolated (inf), which capacity_index counts as t_ref
    assert m["minutes_flood"].iloc[:2].to_numpy() == pytest.approx([3.0, 1.2])
    assert np.isinf(m["minutes_flood"].iloc[2])
    assert m["facility_id"].iloc[:2].tolist() == ["R1", "R1"]
    m0 = network_minutes(graph, tgt, fac)
    assert (m0["minutes_flood"] == m0["minutes_normal"]).all()
