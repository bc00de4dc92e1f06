"""Administrative units of the embedded Changge dataset: tessellation, codes, population."""

from __future__ import annotations

import csv
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from gistool.datasets import admin
from gistool.datasets._tessellate import (
    fit_power_diagram,
    make_single_part,
    power_cells,
    smooth_warp,
)

REFERENCE = Path(admin.__file__).with_name("reference")
SHARED = Path("/work/shared/reference")


def _csv(name: str) -> list[dict[str, str]]:
    with (REFERENCE / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _gaps_and_overlaps(polys: np.ndarray, region: shapely.Geometry) -> tuple[float, float]:
    """(gap area, overlap area) of polygons meant to tile ``region`` exactly."""
    union = shapely.union_all(polys)
    gap = shapely.difference(region, union).area
    tree = shapely.STRtree(polys)
    a, b = tree.query(polys, predicate="intersects")
    keep = a < b
    overlap = float(shapely.area(shapely.intersection(polys[a[keep]], polys[b[keep]])).sum())
    return gap, overlap


@pytest.fixture(scope="module")
def units() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    boundary = admin.make_boundary()
    townships = admin.make_townships(boundary)
    villages = admin.make_villages(townships)
    return boundary, townships, villages


# --- tessellation helpers on tiny examples -------------------------------------------


def test_power_cells_equal_weights_split_halfway():
    cells = power_cells(np.array([[0.0, 0.0], [2.0, 0.0]]), np.zeros(2), (-2, -1, 4, 1))
    assert shapely.area(cells).tolist() == pytest.approx([6.0, 6.0])
    assert cells[0].bounds == pytest.approx((-2, -1, 1, 1))


def test_power_cells_weight_moves_the_bisector():
    # |x - p1|² - w1 = |x - p2|² - w2  →  x = (|p2|² - |p1|² + w1 - w2) / (2 (x2 - x1)) = 1.5
    cells = power_cells(np.array([[0.0, 0.0], [2.0, 0.0]]), np.array([2.0, 0.0]), (-2, -1, 4, 1))
    assert cells[0].bounds[2] == pytest.approx(1.5)
    assert shapely.area(cells).tolist() == pytest.approx([7.0, 5.0])


def test_power_cells_tile_the_frame():
    rng = np.random.default_rng(0)
    sites = rng.uniform(0, 100, (30, 2))
    cells = power_cells(sites, rng.uniform(0, 200, 30), (0, 0, 100, 100))
    gap, overlap = _gaps_and_overlaps(cells[~shapely.is_empty(cells)], shapely.box(0, 0, 100, 100))
    assert gap < 1e-6
    assert overlap < 1e-6


def test_fit_power_diagram_reaches_target_areas():
    square = shapely.box(0, 0, 1000, 1000)
    sites = np.array([[200.0, 200.0], [800.0, 250.0], [500.0, 800.0], [450.0, 450.0]])
    targets = np.array([0.4, 0.3, 0.2, 0.1]) * 1e6
    _, _, cells = fit_power_diagram(sites, targets, square, bounds=(-500, -500, 1500, 1500))
    areas = shapely.area(shapely.intersection(cells, square))
    np.testing.assert_allclose(areas, targets, rtol=0.02)


def test_smooth_warp_keeps_a_tiling_a_tiling():
    squares = np.array([shapely.box(x, y, x + 500, y + 500) for x in (0, 500) for y in (0, 500)])
    warped = smooth_warp(squares, amplitude=60.0, wavelength=800.0, seed=1, spacing=20.0)
    assert shapely.is_valid(warped).all()
    moved = shapely.hausdorff_distance(squares, warped)
    assert (moved > 1.0).all()
    assert (moved <= 60.0 + 1e-9).all()
    union = shapely.union_all(warped)
    assert abs(shapely.area(warped).sum() - union.area) < 1e-6  # no overlaps
    assert len(shapely.get_parts(union)) == 1


def test_make_single_part_hands_stray_pieces_to_the_neighbour():
    left = shapely.box(0, 0, 1, 2)
    # cell B owns the right half plus a stray square inside A's column
    stray = shapely.box(0, 0, 0.5, 0.5)
    a = shapely.difference(left, stray)
    b = shapely.union(shapely.box(1, 0, 2, 2), shapely.box(0.5, 1.9, 1, 2))
    a = shapely.difference(a, shapely.box(0.5, 1.9, 1, 2))
    b = shapely.MultiPolygon([*shapely.get_parts(b), stray])
    out = make_single_part(np.array([a, b], dtype=object))
    assert [g.geom_type for g in out] == ["Polygon", "Polygon"]
    assert out[0].area == pytest.approx(a.area + stray.area)
    assert shapely.union_all(out).area == pytest.approx(4.0)


def test_largest_remainder_sums_exactly():
    out = admin.largest_remainder(np.array([0.2, 0.3, 0.5, 1e-9]), 7)
    assert out.sum() == 7
    assert out.tolist() == [1, 2, 4, 0]


# --- the real reference data ----------------------------------------------------------


def test_boundary_is_the_real_outline(units):
    boundary, _, _ = units
    assert boundary.crs.to_epsg() == 4547
    assert boundary.loc[0, "code"] == "411082"
    assert boundary.loc[0, "name"] == "长葛市"
    src = gpd.read_file(REFERENCE / "changge_outline_cgcs2000.geojson").to_crs(4547)
    assert boundary.geometry.iloc[0].equals_exact(src.geometry.iloc[0], 1e-6)
    assert boundary.area.iloc[0] / 1e6 == pytest.approx(635.7, abs=0.1)


@pytest.mark.skipif(not SHARED.exists(), reason="shared reference directory absent")
@pytest.mark.parametrize(
    "name",
    [
        "changge_outline_cgcs2000.geojson",
        "changge_townships_2023.csv",
        "changge_villages_2023.csv",
    ],
)
def test_packaged_reference_files_are_verbatim_copies(name):
    assert (REFERENCE / name).read_bytes() == (SHARED / name).read_bytes()


def test_township_codes_names_kinds(units):
    _, townships, _ = units
    ref = _csv("changge_townships_2023.csv")
    assert len(townships) == 16
    assert townships["code"].tolist() == [r["code"] for r in ref]
    assert townships["name"].tolist() == [r["name"] for r in ref]
    kinds = dict(zip(townships["name"], townships["kind"], strict=True))
    assert [n for n, k in kinds.items() if k == "街道"] == [
        "建设路街道",
        "长兴路街道",
        "长社路街道",
        "金桥路街道",
    ]
    assert sum(k == "镇" for k in kinds.values()) == 12


def test_village_codes_names_kinds(units):
    _, _, villages = units
    ref = sorted(_csv("changge_villages_2023.csv"), key=lambda r: r["code"])
    assert len(villages) == 398
    assert villages["code"].tolist() == [r["code"] for r in ref]
    assert villages["name"].tolist() == [r["name"] for r in ref]
    assert villages["township_code"].tolist() == [r["streetCode"] for r in ref]
    suffix = villages["code"].str[-3:].astype(int)
    assert (villages["kind"] == np.where(suffix < 200, "居委会", "村委会")).all()
    assert (villages["kind"] == "居委会").sum() == 151
    assert (villages["kind"] == "村委会").sum() == 247


def test_townships_tessellate_the_outline(units):
    boundary, townships, _ = units
    outline = boundary.geometry.iloc[0]
    polys = townships.geometry.to_numpy()
    assert shapely.is_valid(polys).all()
    assert (townships.geom_type == "Polygon").all()
    gap, overlap = _gaps_and_overlaps(polys, outline)
    assert gap <= 1.0
    assert overlap <= 1.0
    union = shapely.union_all(polys)
    assert abs(union.area - outline.area) / outline.area < 1e-4
    assert shapely.difference(union, outline).area <= 1.0


def test_villages_tessellate_their_townships(units):
    boundary, townships, villages = units
    polys = villages.geometry.to_numpy()
    assert shapely.is_valid(polys).all()
    assert (villages.geom_type == "Polygon").all()
    gap, overlap = _gaps_and_overlaps(polys, boundary.geometry.iloc[0])
    assert gap <= 1.0
    assert overlap <= 1.0
    by_township = villages.dissolve("township_code")
    for code, town in zip(townships["code"], townships.geometry, strict=True):
        union = by_township.loc[code, "geometry"]
        assert shapely.symmetric_difference(union, town).area <= 1.0, code


def test_township_areas_are_plausible(units):
    _, townships, _ = units
    km2 = townships.area.to_numpy() / 1e6
    streets = (townships["kind"] == "街道").to_numpy()
    assert ((km2[streets] >= 8) & (km2[streets] <= 20)).all()
    assert ((km2[~streets] >= 20) & (km2[~streets] <= 70)).all()


def test_subdistricts_are_compact_around_the_city_seat(units):
    _, townships, _ = units
    seat = admin.city_seat(townships.crs)
    streets = townships[townships["kind"] == "街道"]
    assert shapely.union_all(streets.geometry.to_numpy()).contains(seat)
    assert (streets.distance(seat) < 500).all()  # every subdistrict reaches the seat
    assert (shapely.hausdorff_distance(streets.geometry.to_numpy(), seat) < 5_000).all()


def test_township_seats_lie_inside_their_township(units):
    _, townships, _ = units
    seats = admin.township_seats(townships)
    polys, pts = townships.geometry.to_numpy(), seats.geometry.to_numpy()
    assert shapely.contains(polys, pts).all()
    assert (shapely.distance(pts, shapely.boundary(polys)) >= 800).all()
    # every tabulated approximate seat is used as is (none replaced by the fallback)
    lonlat = np.array([[admin.TOWNSHIP_SEATS[c].lon, admin.TOWNSHIP_SEATS[c].lat]
                       for c in townships["code"]])  # fmt: skip
    table = admin._project_lonlat(lonlat, townships.crs)
    np.testing.assert_allclose(shapely.get_coordinates(pts), table)


def test_population_sums_and_is_denser_in_town(units):
    _, townships, villages = units
    pop = villages["population"].to_numpy()
    assert pop.dtype.kind == "i"
    assert pop.sum() == admin.TOTAL_POPULATION == 780_000
    assert (pop > 0).all()
    density = pop / (villages.area.to_numpy() / 1e6)
    urban = villages["township_code"].isin(townships.loc[townships["kind"] == "街道", "code"])
    assert np.median(density[urban]) > 3 * np.median(density[~urban])
    ju = (villages["kind"] == "居委会").to_numpy()
    assert np.median(density[ju & ~urban]) > np.median(density[~ju & ~urban])


def test_generation_is_deterministic(units):
    boundary, _, villages = units
    again = admin.make_villages(admin.make_townships(boundary))
    assert shapely.equals_exact(
        again.geometry.to_numpy(), villages.geometry.to_numpy(), tolerance=0.0
    ).all()
    assert (again["population"] == villages["population"]).all()
