"""The network on the embedded Changge dataset, checked against networkx."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from _network_fixtures import nx_times_with_virtual

from gistool.network import (
    apply_flood,
    build_road_graph,
    isochrones,
    snap_points,
    target_points,
    travel_times,
)
from gistool.network.solve import node_times, target_times

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def net(changge):
    g = build_road_graph(changge.roads)
    flood = apply_flood(g, changge.flood_depth[100])
    return g, flood


def test_graph_built_and_connected(changge, net):
    g, _ = net
    assert g.n_edges >= len(changge.roads) - 10
    rep = g.components()
    assert rep.largest_share > 0.99
    assert g.crs.to_epsg() == 4547


def test_travel_times_equal_networkx_for_every_target(changge, net):
    g, flood = net
    fac = changge.facilities
    targets = [target_points(changge.villages), changge.enterprises]
    for graph in (g, flood.graph):
        s = snap_points(graph, fac)
        for tgt in targets:
            t = snap_points(graph, tgt)
            for kind in ("fire_station", "rescue_team"):
                members = np.flatnonzero(fac["kind"].to_numpy() == kind)
                got = target_times(graph, node_times(graph, s, members), s, t)[0]
                ref = nx_times_with_virtual(graph, s, t, members)
                np.testing.assert_allclose(got, ref, rtol=0, atol=1e-9)


def test_flood_isolates_some_and_lengthens_others(changge, net):
    g, flood = net
    assert (flood.affected["status"] == "cut").any()
    tt = travel_times(g, changge.facilities, target_points(changge.villages),
                      flood_graph=flood.graph)
    fire = tt[tt["kind"] == "fire_station"]
    assert fire["reachable_normal"].all()
    assert fire["isolated_flood"].sum() > 0
    both = fire[fire["reachable_flood"]]
    assert (both["delta"] > 1e-6).sum() > 0
    assert (both["delta"] >= -1e-9).all()


def test_isochrones_nested_on_changge(changge, net):
    g, flood = net
    fac = changge.facilities[changge.facilities["kind"] == "fire_station"]
    iso = isochrones(g, fac, flood_graph=flood.graph)
    for _, grp in iso.groupby(["kind", "scenario"]):
        polys = grp.sort_values("minutes").geometry.to_numpy()
        for small, big in itertools.pairwise(polys):
            assert small.difference(big).area <= 1e-6 * small.area
    for p in fac.geometry:
        assert iso.geometry.iloc[0].contains(p)
    normal = iso[iso["scenario"] == "normal"].set_index("minutes")["area_km2"]
    flooded = iso[iso["scenario"] == "flood"].set_index("minutes")["area_km2"]
    assert (flooded <= normal + 1e-9).all()
