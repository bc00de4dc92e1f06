"""Property-based tests (hypothesis) for the invariants the owners' tests do not yet cover.

Already covered elsewhere (see docs/reliability.md): GCJ-02/BD-09 round trips
(test_crs), tessellation conserving zonal counts (test_overlay_zonal), travel
times equal to networkx (test_network_reach), levels monotone in the index
(test_classify).
"""

from __future__ import annotations

import itertools
import string

import geopandas as gpd
import numpy as np
import shapely
from _network_fixtures import X0, Y0, points, random_roads
from affine import Affine
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gistool.config import safe_name
from gistool.crs import detect_gcj02_offset, wgs84_to_gcj02
from gistool.network import build_road_graph
from gistool.network.snap import snap_points
from gistool.network.solve import node_times
from gistool.overlay import RasterGrid, zonal_stats
from gistool.zoning import make_zones

CRS = "EPSG:4547"
FAST = settings(max_examples=25, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(
    nx=st.integers(1, 12), ny=st.integers(1, 12), n_cuts=st.integers(0, 5),
    seed=st.integers(0, 10_000), nodata_share=st.floats(0, 0.6),
)
def test_zonal_counts_sum_to_valid_cells_and_fractions_in_unit_interval(
    nx, ny, n_cuts, seed, nodata_share
):
    """Units tiling the raster: Σ count = valid cells; frac/hist ∈ [0, 1], Σ hist ≤ 1."""
    rng = np.random.default_rng(seed)
    grid = RasterGrid(Affine(10, 0, 0, 0, -10, 10 * ny), nx, ny, CRS)
    a = rng.uniform(0, 3, (ny, nx)).astype("float32")
    a[rng.random((ny, nx)) < nodata_share] = -9999
    xs = np.sort(np.concatenate([[0.0, 10.0 * nx], rng.uniform(0, 10 * nx, n_cuts)]))
    xs = np.unique(xs)
    units = gpd.GeoDataFrame(
        geometry=[shapely.box(x0, 0, x1, 10 * ny) for x0, x1 in itertools.pairwise(xs)],
        crs=CRS,
    )
    z = zonal_stats(units, (a, grid, -9999), ("count",), thresholds=[0.15, 1.0],
                    classes=[(0.15, 0.5), (0.5, 1.0), (1.0, 2.0), (2.0, None)])
    # coverage weights are float32 (see gistool.overlay.zonal)
    assert np.isclose(z["count"].sum(), (a != -9999).sum(), rtol=1e-5, atol=1e-5)
    fr = z.drop(columns="count").to_numpy(dtype=float)
    ok = z["count"].to_numpy() > 0
    fr = fr[ok]
    assert np.all((fr >= -1e-6) & (fr <= 1 + 1e-6))
    hist = z.filter(like="hist_").to_numpy(dtype=float)[ok]
    assert np.all(hist.sum(axis=1) <= 1 + 1e-6)
    # the ≥ 0.15 m share is the sum of the depth classes above it
    np.testing.assert_allclose(hist.sum(axis=1), z.loc[ok, "frac_ge_0.15"], atol=1e-6)


@FAST
@given(seed=st.integers(0, 10_000), n_nodes=st.integers(3, 20), n_extra=st.integers(0, 30),
       oneway=st.floats(0, 0.8), n_src=st.integers(1, 3))
def test_node_times_obey_the_triangle_inequality(seed, n_nodes, n_extra, oneway, n_src):
    """For every arc u→v: T(v) ≤ T(u) + w(u, v) — no shorter path was missed."""
    g = build_road_graph(random_roads(n_nodes, n_extra, seed=seed, oneway_share=oneway))
    rng = np.random.default_rng(seed + 7)
    src = points(rng.uniform(0, 3000, (n_src, 2)) + np.array([X0, Y0]))
    t = node_times(g, snap_points(g, src, max_distance=5000.0)).dist
    u, v, w = g.u, g.v, g.minutes
    reach = np.isfinite(t[u])
    assert np.all(t[v][reach] <= t[u][reach] + w[reach] + 1e-9)
    assert np.all(t[np.isfinite(t)] >= 0)


@FAST
@given(nx=st.integers(1, 8), ny=st.integers(1, 8), seed=st.integers(0, 10_000),
       min_area=st.sampled_from([0.0, 15_000.0, 60_000.0]))
def test_zoning_conserves_area(nx, ny, seed, min_area):
    """Zones cover exactly the grid: Σ zone areas = Σ cell areas = area of their union."""
    rng = np.random.default_rng(seed)
    cells = [shapely.box(X0 + 100 * i, Y0 + 100 * j, X0 + 100 * (i + 1), Y0 + 100 * (j + 1))
             for j in range(ny) for i in range(nx)]
    keep = rng.random(len(cells)) < 0.85
    keep[0] = True
    grid = gpd.GeoDataFrame(
        {"risk_level": rng.integers(1, 6, int(keep.sum())),
         "population": rng.integers(0, 50, int(keep.sum()))},
        geometry=[c for c, k in zip(cells, keep, strict=True) if k], crs=CRS,
    )
    zones = make_zones(grid, min_area=min_area)
    total = grid.area.sum()
    assert np.isclose(zones.area.sum(), total, rtol=1e-9)
    assert np.isclose(shapely.union_all(zones.geometry.values).area, total, rtol=1e-9)
    assert zones["population"].sum() == grid["population"].sum()
    assert set(zones["risk_level"]) <= set(grid["risk_level"])


# the Changge area, in lon/lat
LON0, LAT0 = 113.70, 34.15


@FAST
@given(seed=st.integers(0, 10_000), size=st.floats(0.03, 0.15), n=st.integers(30, 120))
# a point metres inside a lon/lat edge: outside the edge once the box is projected
@example(seed=195, size=0.125, n=114)
def test_gcj02_detector_finds_shifted_points(seed, size, n):
    """Points filling the boundary, published in GCJ-02: detected whenever ≥ 3 stray out."""
    rng = np.random.default_rng(seed)
    box = shapely.box(LON0, LAT0, LON0 + size, LAT0 + size)
    lon, lat = LON0 + rng.uniform(0, size, n), LAT0 + rng.uniform(0, size, n)
    glon, glat = wgs84_to_gcj02(lon, lat)
    pts = gpd.GeoSeries(gpd.points_from_xy(glon, glat), crs="EPSG:4326").to_crs(CRS)
    boundary = gpd.GeoSeries([box], crs="EPSG:4326")
    outside = int((~shapely.covers(box, gpd.points_from_xy(glon, glat))).sum())
    found = detect_gcj02_offset(pts, boundary)
    if outside >= 3:
        assert found is not None
        assert found["outside_raw"] == outside
        assert found["outside_corrected"] == 0
        assert 400 < found["shift_m"] < 800
    else:
        assert found is None


@FAST
@given(seed=st.integers(0, 10_000), n_out=st.integers(0, 20))
def test_gcj02_detector_no_false_alarm(seed, n_out):
    """True WGS84 points, some strays far west of the boundary: never reported as GCJ-02."""
    rng = np.random.default_rng(seed)
    size = 0.1
    box = shapely.box(LON0, LAT0, LON0 + size, LAT0 + size)
    lon = np.concatenate([LON0 + rng.uniform(0, size, 60),
                          LON0 - rng.uniform(0.02, 0.05, n_out)])
    lat = LAT0 + rng.uniform(0, size, 60 + n_out)
    pts = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    assert detect_gcj02_offset(pts, gpd.GeoSeries([box], crs="EPSG:4326")) is None


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(), max_size=120)
       | st.text(alphabet=string.printable + "./\\长葛", max_size=60))
def test_safe_name_is_one_harmless_path_component(name):
    out = safe_name(name)
    assert 0 < len(out) <= 80
    assert "/" not in out
    assert "\\" not in out
    assert out not in (".", "..")
    assert not out.startswith(".")
    assert all(c.isalnum() or c in "-_" for c in out)
