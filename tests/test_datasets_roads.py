"""Synthetic road network of the embedded Changge dataset."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree
from shapely.geometry import box

from gistool.datasets import hydro, roads
from gistool.datasets.terrain import make_dem
from gistool.errors import CRSError, SchemaError
from gistool.labels import ROAD_CLASSES

_OUTLINE = "changge_outline_cgcs2000.geojson"
_CITY = np.array([478_714.0, 3_787_978.0])  # 113.769 E, 34.219 N in EPSG:4547


def _outline_path() -> Path:
    here = Path(__file__).resolve().parents[1]
    for candidate in (
        here / "gistool" / "datasets" / "reference" / _OUTLINE,
        here / "data" / "boundaries" / _OUTLINE,
        here.parent / "shared" / "reference" / _OUTLINE,
    ):
        if candidate.exists():
            return candidate
    pytest.skip("Changge outline not found")
    raise AssertionError  # unreachable


def _synthetic_units(outline: shapely.Geometry) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """4 subdistricts (quadrants of a 6 km box at the city seat), 10 towns (Voronoi
    cells of the rest), and villages: Voronoi cells of 300 random points cut by towns."""
    rng = np.random.default_rng(1)
    cx, cy = _CITY
    quads = [
        box(cx - 3000, cy, cx, cy + 3000),
        box(cx, cy, cx + 3000, cy + 3000),
        box(cx - 3000, cy - 3000, cx, cy),
        box(cx, cy - 3000, cx + 3000, cy),
    ]
    rest = outline.difference(box(cx - 3000, cy - 3000, cx + 3000, cy + 3000))
    minx, miny, maxx, maxy = outline.bounds
    pts = rng.uniform([minx, miny], [maxx, maxy], size=(400, 2))
    pts = pts[shapely.contains_xy(rest, pts[:, 0], pts[:, 1])][:10]
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=outline))
    towns = [c.intersection(rest) for c in cells]
    towns = [max(shapely.get_parts(t), key=lambda p: p.area) for t in towns if not t.is_empty]
    geoms = quads + towns
    codes = [f"411082{k:03d}" for k in range(1, 5)]
    codes += [f"411082{100 + k}" for k in range(len(towns))]
    kinds = ["街道"] * 4 + ["镇"] * len(towns)
    townships = gpd.GeoDataFrame(
        {"code": codes, "name": codes, "kind": kinds}, geometry=geoms, crs="EPSG:4547"
    )
    vpts = rng.uniform([minx, miny], [maxx, maxy], size=(3000, 2))
    vpts = vpts[shapely.contains_xy(outline, vpts[:, 0], vpts[:, 1])][:300]
    vcells = shapely.get_parts(
        shapely.voronoi_polygons(shapely.multipoints(vpts), extend_to=outline)
    )
    rows = []
    for code, town in zip(codes, geoms, strict=True):
        for k, piece in enumerate(shapely.intersection(vcells, town)):
            if piece.area > 10_000:
                rows.append((f"{code}{200 + k:03d}", code, piece.area / 1e4, piece))
    villages = gpd.GeoDataFrame(
        {
            "code": [r[0] for r in rows],
            "name": [r[0] for r in rows],
            "township_code": [r[1] for r in rows],
            "population": [r[2] for r in rows],
        },
        geometry=[r[3] for r in rows],
        crs="EPSG:4547",
    )
    return townships, villages


@pytest.fixture(scope="module")
def setting():
    outline_gdf = gpd.read_file(_outline_path()).to_crs("EPSG:4547")
    outline = outline_gdf.geometry.iloc[0]
    townships, villages = _synthetic_units(outline)
    dem, transform = make_dem(outline, seed=3)
    rivers = hydro.make_rivers(dem, transform, outline, seed=3)
    return outline, townships, villages, rivers


@pytest.fixture(scope="module")
def network(setting) -> gpd.GeoDataFrame:
    outline, townships, villages, rivers = setting
    return roads.make_roads(outline, townships, villages, rivers, seed=5)


def _node_ids(net: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Endpoints → node ids (coordinates rounded to the millimetre): start, end, node xy."""
    ends = shapely.get_coordinates(net.geometry.to_numpy()).reshape(-1, 2, 2).round(3)
    m = len(ends)
    xy, inv = np.unique(np.vstack([ends[:, 0], ends[:, 1]]), axis=0, return_inverse=True)
    inv = inv.ravel()
    return inv[:m], inv[m:], xy


def test_split_bridges_by_hand() -> None:
    start = np.array([[0.0, 0.0], [0.0, 50.0]])
    end = np.array([[100.0, 0.0], [30.0, 50.0]])
    channel = box(40, -10, 60, 10)
    s, e, piece_of, is_bridge = roads._split_bridges(start, end, channel)
    assert piece_of.tolist() == [0, 0, 0, 1]
    assert is_bridge.tolist() == [False, True, False, False]
    # channel 40..60, margin 8 m each side
    np.testing.assert_allclose(s[:3, 0], [0, 32, 68])
    np.testing.assert_allclose(e[:3, 0], [32, 68, 100])
    np.testing.assert_array_equal(e[0], s[1])  # pieces share their ends exactly


def test_schema_and_classes(network: gpd.GeoDataFrame) -> None:
    net = network
    assert net.crs.to_epsg() == 4547
    assert list(net.columns) == [
        "road_class", "speed_kmh", "oneway", "elevated", "bridge", "name", "geometry",
    ]  # fmt: skip
    assert set(net["road_class"]) == set(ROAD_CLASSES)
    assert (net.geom_type == "LineString").all()
    assert (shapely.get_num_coordinates(net.geometry.to_numpy()) == 2).all()
    # nothing a 1 m endpoint snap would collapse or merge
    assert net.length.min() > 1.0
    _, _, xy = _node_ids(net)
    assert not cKDTree(xy).query_pairs(1.0)
    assert (net["speed_kmh"] > 0).all()
    ground = net[net["road_class"] != "expressway"]
    expected = ground["road_class"].map(lambda c: ROAD_CLASSES[c][1])
    assert (ground["speed_kmh"] == expected).all()
    for col in ("oneway", "elevated", "bridge"):
        assert net[col].dtype == bool
    names = set(net["name"].dropna())
    assert {"G4京港澳高速", "G107国道"} <= names
    assert (net.loc[net["road_class"] == "national", "name"] == "G107国道").all()
    assert net.loc[net["road_class"] == "county", "name"].str.match(r"X\d{3}县道").all()
    assert net["oneway"].sum() > 10
    assert set(net.loc[net["oneway"], "road_class"]) == {"urban_local"}


def test_connected_and_sized(network: gpd.GeoDataFrame, setting) -> None:
    outline = setting[0]
    a, b, xy = _node_ids(network)
    graph = coo_matrix((np.ones(len(a)), (a, b)), shape=(len(xy), len(xy)))
    n_comp, _ = connected_components(graph, directed=False)
    assert n_comp == 1
    assert 10_000 <= len(network) <= 40_000
    # clipped to the boundary
    assert network.within(outline.buffer(35.0)).all()


def test_ground_roads_meet_only_at_shared_nodes(network: gpd.GeoDataFrame) -> None:
    ground = network.loc[~network["elevated"]].geometry.to_numpy()
    tree = shapely.STRtree(ground)
    a, _ = tree.query(ground, predicate="crosses")
    assert len(a) == 0  # planar: a builder noding crossings adds nothing
    # roads pass under the expressway and its bridges without meeting them
    over = network.loc[network["elevated"]].geometry.to_numpy()
    assert len(tree.query(over, predicate="crosses")[0]) > 0


def test_every_village_near_a_road_node(network: gpd.GeoDataFrame, setting) -> None:
    villages = setting[2]
    _, _, xy = _node_ids(network)
    tree = shapely.STRtree(shapely.points(xy))
    reps = villages.geometry.representative_point().to_numpy()
    _, dist = tree.query_nearest(reps, return_distance=True)
    assert dist.max() <= 300.0


def test_expressway_meets_ground_roads_only_at_interchanges(network: gpd.GeoDataFrame) -> None:
    net = network
    a, b, xy = _node_ids(net)
    is_ex = (net["road_class"] == "expressway").to_numpy()
    is_ramp = net["name"].fillna("").str.contains("匝道").to_numpy()
    mainline = is_ex & ~is_ramp
    assert net.loc[is_ex, "elevated"].all()
    main_nodes = set(a[mainline]) | set(b[mainline])
    ground_nodes = set(a[~is_ex]) | set(b[~is_ex])
    assert not main_nodes & ground_nodes
    # the ramps, and only they, link the two
    assert is_ramp.sum() == 3
    for i in np.flatnonzero(is_ramp):
        assert (a[i] in main_nodes) != (b[i] in main_nodes)
        assert (a[i] in ground_nodes) != (b[i] in ground_nodes)
    # no ground node within 1 m of the expressway (a 1 m snap would not join them)
    line = shapely.union_all(net.geometry.to_numpy()[mainline])
    ground_pts = shapely.points(xy[sorted(ground_nodes)])
    assert shapely.distance(ground_pts, line).min() > 1.0
    # it runs north–south across the county
    ex_xy = xy[sorted(main_nodes)]
    assert np.ptp(ex_xy[:, 1]) > 12_000
    assert np.ptp(ex_xy[:, 0]) < 2_000


def test_bridges_where_roads_cross_rivers(network: gpd.GeoDataFrame, setting) -> None:
    rivers = setting[3]
    channels = shapely.union_all(hydro.river_channels(rivers).geometry.to_numpy())
    net = network
    bridges = net[net["bridge"]]
    assert len(bridges) >= 20
    assert bridges["elevated"].all()
    assert bridges.intersects(channels).all()
    # no other road touches water
    others = net[~net["bridge"]].geometry.to_numpy()
    assert not shapely.intersects(others, channels.buffer(-0.5)).any()
    # bridges of several classes, including the expressway
    assert bridges["road_class"].nunique() >= 3
    assert (bridges["road_class"] == "expressway").any()


def test_deterministic(network: gpd.GeoDataFrame, setting) -> None:
    outline, townships, villages, rivers = setting
    again = roads.make_roads(outline, townships, villages, rivers, seed=5)
    assert again.geometry.geom_equals_exact(network.geometry, tolerance=0).all()
    assert again.drop(columns="geometry").equals(network.drop(columns="geometry"))


def test_on_the_changge_units(setting) -> None:
    admin = pytest.importorskip("gistool.datasets.admin")
    rivers = setting[3]
    boundary = admin.make_boundary()
    townships = admin.make_townships(boundary)
    villages = admin.make_villages(townships)
    net = roads.make_roads(
        boundary, townships, villages, rivers, seed=5, seats=admin.township_seats(townships)
    )
    a, b, xy = _node_ids(net)
    graph = coo_matrix((np.ones(len(a)), (a, b)), shape=(len(xy), len(xy)))
    assert connected_components(graph, directed=False)[0] == 1
    assert 10_000 <= len(net) <= 40_000
    _, dist = shapely.STRtree(shapely.points(xy)).query_nearest(
        villages.geometry.representative_point().to_numpy(), return_distance=True
    )
    assert dist.max() <= 300.0
    # the project's own graph builder sees one component too
    build = pytest.importorskip("gistool.network.build")
    graph = build.build_road_graph(net, snap_tolerance=1.0, node_crossings=True)
    assert graph.components().n_components == 1
    assert graph.meta["dropped_degenerate"] == 0


def test_docstring_examples_run() -> None:
    import doctest

    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    result = doctest.testmod(roads, optionflags=flags)
    assert result.attempted > 0
    assert result.failed == 0


def test_refuses_layers_without_crs_or_columns(setting) -> None:
    outline, townships, villages, rivers = setting
    with pytest.raises(SchemaError, match="population"):
        roads.make_roads(outline, townships, villages.drop(columns="population"), rivers, seed=1)
    with pytest.raises(CRSError, match="set_crs"):
        roads.make_roads(
            outline, townships.set_crs(None, allow_override=True), villages, rivers, seed=1
        )
    seats = gpd.GeoDataFrame({"code": ["x"]}, geometry=[shapely.Point(0, 0)], crs="EPSG:4547")
    with pytest.raises(SchemaError, match="one point per township"):
        roads.make_roads(outline, townships, villages, rivers, seed=1, seats=seats)
