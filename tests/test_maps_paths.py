"""Compound-path drawing (maps/paths.py) and the isochrone union (maps/dissolve.py).

The paths are checked against geopandas' own plotting (same vertices, same
pixels) and the union against :func:`shapely.union_all`.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Polygon, box

from gistool.maps.dissolve import union_polygons
from gistool.maps.paths import add_lines, add_polygons, line_paths


def _canvas(bounds: tuple[float, float, float, float], px: int = 120) -> tuple[Figure, object]:
    fig = Figure(figsize=(1, 1), dpi=px)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(bounds[0], bounds[2])
    ax.set_ylim(bounds[1], bounds[3])
    ax.set_axis_off()
    return fig, ax


def _pixels(fig: Figure) -> np.ndarray:
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[:, :, :3].astype(int)


def _random_lines(rng: np.random.Generator, n: int) -> list:
    out = []
    for _ in range(n):
        steps = rng.normal(0, 3, (int(rng.integers(2, 7)), 2))
        out.append(LineString(np.cumsum(steps, axis=0) + rng.uniform(0, 100, 2)))
    out[3] = MultiLineString([out[3], out[4]])
    out[5] = None
    out[6] = LineString()
    return out


def test_line_paths_hold_the_vertices_geopandas_draws():
    lines = _random_lines(np.random.default_rng(1), 40)
    _fig, ax = _canvas((0, 0, 100, 100))
    gpd.GeoSeries(lines).plot(ax=ax, color="k", linewidth=0.6)
    theirs = ax.collections[0].get_paths()
    apart = line_paths(lines, merge=False)
    assert len(apart) == len(theirs) == 39  # the multi-line gives two parts; None, empty dropped
    for a, b in zip(apart, theirs, strict=True):
        np.testing.assert_array_equal(a.vertices, b.vertices)
    [merged] = line_paths(lines)
    np.testing.assert_array_equal(merged.vertices, np.concatenate([p.vertices for p in theirs]))
    starts = np.cumsum([0, *[len(p.vertices) for p in theirs[:-1]]])
    assert set(np.flatnonzero(merged.codes == 1)) == set(starts)  # MOVETO at every part
    assert (np.delete(merged.codes, starts) == 2).all()  # LINETO elsewhere


def test_polygon_outlines_are_their_rings():
    poly = Polygon(box(0, 0, 10, 10).exterior, [box(2, 2, 4, 4).exterior])
    [path] = line_paths([poly])
    assert (path.codes == 1).sum() == 2  # shell and hole
    assert len(path.vertices) == 10


def test_chunks_keep_features_whole_and_every_vertex():
    lines = [LineString([(i, 0), (i, 1), (i, 2)]) for i in range(10)]
    chunks = line_paths(lines, max_vertices=7)
    assert [len(p.vertices) for p in chunks] == [9, 6, 6, 9]  # 3, 2, 2, 3 lines
    assert all(p.codes[0] == 1 for p in chunks)
    assert sum(len(p.vertices) for p in chunks) == 30


def test_merged_fill_keeps_holes_and_equals_separate_fills():
    # non-overlapping polygons, one with a hole, one clockwise
    ring = Polygon(box(10, 10, 60, 60).exterior, [box(25, 25, 45, 45).exterior])
    geoms = [ring, box(70, 10, 90, 90, ccw=False), MultiPolygon([box(10, 70, 30, 90),
                                                                   box(40, 70, 60, 90)])]
    fig_a, ax_a = _canvas((0, 0, 100, 100))
    add_polygons(ax_a, geoms, color="#1a9850")
    fig_b, ax_b = _canvas((0, 0, 100, 100))
    gpd.GeoSeries(geoms).plot(ax=ax_b, color="#1a9850", edgecolor="none")
    a, b = _pixels(fig_a), _pixels(fig_b)
    np.testing.assert_array_equal(a, b)
    assert (a[120 - 42, 42] == 255).all()  # the hole (35, 42) stays white
    assert (a[120 - 24, 24] != 255).any()  # the ring is filled


def test_unmerged_polygons_with_outlines_draw_like_geopandas():
    cells = [box(x, y, x + 20, y + 20) for x in range(0, 100, 20) for y in range(0, 100, 20)]
    fig_a, ax_a = _canvas((0, 0, 100, 100), px=150)
    add_polygons(ax_a, cells, color="#fdae61", edgecolor="white", linewidth=0.4, merge=False)
    fig_b, ax_b = _canvas((0, 0, 100, 100), px=150)
    gpd.GeoSeries(cells).plot(ax=ax_b, color="#fdae61", edgecolor="white", linewidth=0.4)
    np.testing.assert_array_equal(_pixels(fig_a), _pixels(fig_b))


def test_dashed_unmerged_lines_draw_like_geopandas():
    lines = _random_lines(np.random.default_rng(7), 30)
    fig_a, ax_a = _canvas((0, 0, 100, 100), px=200)
    add_lines(ax_a, lines, color="#555555", linewidth=0.6, linestyle=(0, (4, 2)), merge=False)
    fig_b, ax_b = _canvas((0, 0, 100, 100), px=200)
    gpd.GeoSeries(lines).plot(ax=ax_b, color="#555555", linewidth=0.6, linestyle=(0, (4, 2)))
    np.testing.assert_array_equal(_pixels(fig_a), _pixels(fig_b))


def test_the_collection_is_clipped_like_any_layer():
    from gistool.maps.elements import clip_to

    _fig, ax = _canvas((0, 0, 100, 100))
    coll = add_lines(ax, _random_lines(np.random.default_rng(2), 10), color="k")
    clip_to(ax, gpd.GeoDataFrame(geometry=[box(10, 10, 90, 90)]))
    assert coll.get_clip_path() is not None
    assert coll in ax.collections


def _grid_isochrones(rng: np.random.Generator, n: int, shared: np.ndarray) -> list:
    """Polygons of random masks on one grid, every mask with the ``shared`` cells left out."""
    from affine import Affine
    from rasterio import features

    out = []
    for _ in range(n):
        mask = rng.random((40, 60)) < 0.8
        mask[shared] = False
        mask[0, :] = mask[-1, :] = False
        polys = [shapely.geometry.shape(g) for g, v in features.shapes(
            mask.astype("uint8"), mask=mask, transform=Affine(25, 0, 1000, 0, -25, 2000),
            connectivity=4)]
        out.append(shapely.union_all(polys))
    return out


@pytest.mark.parametrize("n", [2, 3])
def test_union_polygons_equals_union_all(n):
    rng = np.random.default_rng(n)
    shared = rng.random((40, 60)) < 0.05  # holes every input has
    geoms = _grid_isochrones(rng, n, shared)
    assert sum(len(p.interiors) for g in geoms for p in shapely.get_parts(g)) > 20
    ours, ref = union_polygons(geoms), shapely.union_all(geoms)
    assert ours.equals(ref)
    assert shapely.is_valid(ours)
    assert ours.area == pytest.approx(ref.area, rel=1e-12)
    # with missing and empty inputs, and in a GeoSeries
    mixed = gpd.GeoSeries([*geoms, None, Polygon()])
    assert union_polygons(mixed).equals(ref)


def test_union_polygons_edge_cases():
    a = box(0, 0, 2, 2)
    assert union_polygons([a]).equals(a)
    assert union_polygons([]).is_empty
    # no holes at all; and holes that are not shared by every input
    assert union_polygons([a, box(1, 1, 3, 3)]).area == 7.0
    ring = Polygon(box(0, 0, 10, 10).exterior, [box(4, 4, 6, 6).exterior])
    assert union_polygons([ring, box(3, 3, 5, 5)]).area == pytest.approx(100 - 4 + 1)
    # the same hole ring written from another start and direction is still shared
    hole_b = shapely.LinearRing([(6, 6), (4, 6), (4, 4), (6, 4), (6, 6)])
    other = Polygon(box(2, 2, 12, 12).exterior, [hole_b])
    u = union_polygons([ring, other])
    assert u.equals(shapely.union_all([ring, other]))
    assert len(u.interiors) == 1
