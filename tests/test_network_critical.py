"""Critical links against brute-force removal, and subtree sums."""

from __future__ import annotations

import numpy as np
import pytest
from _network_fixtures import X0, Y0, grid_roads, points, random_roads

from gistool.network import build_road_graph, critical_links
from gistool.network.critical import removal_effect, subtree_sums
from gistool.network.snap import snap_points
from gistool.network.solve import node_times, target_times


def test_subtree_sums_chain_and_forest():
    pred = np.array([-9999, 0, 1, 2, -9999, 4, 4])
    w = np.arange(1.0, 8.0)
    np.testing.assert_allclose(subtree_sums(pred, w), [10, 9, 7, 4, 18, 6, 7])


def _brute_force(g, fac, tgt, w):
    s = snap_points(g, fac, max_distance=5000.0)
    t = snap_points(g, tgt, max_distance=5000.0)
    base = target_times(g, node_times(g, s), s, t)[0]
    return {e: removal_effect(g, s, t, w, base, e) for e in range(g.n_edges)}


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_critical_links_equal_brute_force(seed):
    roads = random_roads(15, 12, seed=seed, oneway_share=0.3)
    g = build_road_graph(roads)
    rng = np.random.default_rng(seed)
    lo = np.array([X0, Y0])
    fac = points(rng.uniform(0, 3000, (2, 2)) + lo)
    tgt = points(rng.uniform(0, 3000, (10, 2)) + lo, population=rng.integers(0, 1000, 10))
    w = tgt["population"].to_numpy(dtype=float)
    brute = _brute_force(g, fac, tgt, w)
    got = critical_links(g, fac, tgt, top=g.n_edges, max_distance=5000.0)
    # every edge with an effect is found, with the same numbers
    effective = {e for e, (inc, _, iso_w) in brute.items() if inc > 1e-9 or iso_w > 0}
    assert set(got["edge_id"]) == effective
    for row in got.itertuples():
        inc, n_iso, iso_w = brute[row.edge_id]
        assert row.increase_weighted_minutes == pytest.approx(inc, abs=1e-9)
        assert row.isolated_targets == n_iso
        assert row.isolated_weight == pytest.approx(iso_w)
    # ranked: isolated weight first, then increase
    key = list(zip(got["isolated_weight"], got["increase_weighted_minutes"], strict=True))
    assert key == sorted(key, reverse=True)


def test_bridge_isolates_and_top_limits():
    # two grids joined by a single link: the link isolates the far grid's villages
    a = grid_roads(3, 3)
    b = grid_roads(3, 3)
    b = b.set_geometry(b.geometry.translate(3000, 0))
    import geopandas as gpd
    import pandas as pd
    from shapely import LineString

    link = gpd.GeoDataFrame({"road_class": ["county"], "name": ["link"]},
                            geometry=[LineString([(X0 + 1000, Y0), (X0 + 3000, Y0)])],
                            crs=a.crs)
    roads = gpd.GeoDataFrame(pd.concat([a, b, link], ignore_index=True), crs=a.crs)
    g = build_road_graph(roads)
    fac = points([(X0, Y0)])
    tgt = points([(X0 + 3500, Y0 + 500), (X0 + 4000, Y0 + 1000), (X0 + 500, Y0 + 500)],
                 population=[100, 200, 50])
    got = critical_links(g, fac, tgt, top=3)
    assert len(got) == 3
    first = got.iloc[0]
    assert first["name"] == "link"
    assert first["isolated_targets"] == 2
    assert first["isolated_weight"] == 300
    assert got["rank"].tolist() == [1, 2, 3]
