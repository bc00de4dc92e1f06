"""Flood scenario on a road graph: cut deep-flooded edges, slow shallow-flooded ones."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj
import shapely

from gistool.errors import CRSError, InputError, describe_source
from gistool.network._lines import densify as _densify
from gistool.network.graph import RoadGraph

__all__ = ["FloodResult", "apply_flood", "sample_edge_depth"]


@dataclass(frozen=True)
class FloodResult:
    """A flooded graph and the edges the flood affects.

    Unpacks as ``graph, affected = apply_flood(...)``.

    Attributes
    ----------
    graph
        The graph under the scenario (same nodes and edge ids, fewer/slower arcs).
    affected
        One row per cut or slowed edge: ``edge_id``, ``road_class``, ``name``,
        ``max_depth_m``, ``status`` (``cut``/``slowed``), ``speed_factor``, geometry.
    max_depth
        Maximum sampled depth (m) of every edge (0 where dry or outside the raster).
    """

    graph: RoadGraph
    affected: gpd.GeoDataFrame
    max_depth: np.ndarray

    def __iter__(self) -> Iterator[object]:
        return iter((self.graph, self.affected))


def sample_edge_depth(graph: RoadGraph, depth_raster: str | Path) -> np.ndarray:
    """Maximum raster value along every edge (dry, nodata and outside count as 0).

    Every edge is densified so consecutive sample points are at most half a
    cell apart (``shapely.segmentize``), the band is read once over the
    graph's extent, points are turned into row/column indices with the inverse
    geotransform, and the maximum per edge is taken with ``np.maximum.reduceat``.
    Above :data:`EDGE_CHUNK` edges this is done strip by strip (edges sorted by
    centroid), each strip reading only its window, so memory stays bounded.
    A raster in another CRS is handled by transforming the sample points.
    """
    import rasterio

    path = Path(depth_raster)
    try:
        ds = rasterio.open(path)
    except rasterio.errors.RasterioIOError as exc:
        msg = (
            f"{describe_source(path)} cannot be read as a flood-depth raster ({exc}); "
            "check the path"
        )
        raise InputError(msg) from exc
    with ds:
        if ds.crs is None:
            msg = (
                f"{describe_source(path)} has no CRS; "
                "assign one (e.g. gdal_edit.py -a_srs EPSG:4547)"
            )
            raise CRSError(msg)
        geoms = graph.edges.geometry.to_numpy()
        t = ds.transform
        cell = min(abs(t.a), abs(t.e))
        tr = None
        step = cell / 2.0
        if graph.crs is not None and not pyproj.CRS(ds.crs).equals(graph.crs):
            tr = pyproj.Transformer.from_crs(graph.crs, ds.crs, always_xy=True)
            back = pyproj.Transformer.from_crs(ds.crs, graph.crs, always_xy=True)
            cx, cy = t @ (ds.width / 2, ds.height / 2)
            (x0, x1), (y0, y1) = back.transform([cx, cx + cell], [cy, cy + cell])
            step = min(abs(x1 - x0), abs(y1 - y0)) / 4.0
        n_edges = len(geoms)
        out = np.zeros(n_edges)
        if n_edges <= EDGE_CHUNK:
            chunks = [np.arange(n_edges)]
        else:
            # strips of edges sorted by centroid y then x: each chunk reads only
            # its strip of the band, so memory stays bounded as the area grows
            c = shapely.centroid(geoms)
            order = np.lexsort((shapely.get_x(c), shapely.get_y(c)))
            chunks = np.array_split(order, -(-n_edges // EDGE_CHUNK))
        for sel in chunks:
            out[sel] = _max_along(ds, geoms[sel], step, tr)
    return out


#: Edges sampled per chunk by :func:`sample_edge_depth` (bounds its memory).
EDGE_CHUNK = 50_000


def _max_along(ds, geoms: np.ndarray, step: float, tr: pyproj.Transformer | None) -> np.ndarray:
    """Maximum band value along each line (0 where dry, nodata, masked or outside)."""
    from rasterio.enums import MaskFlags
    from rasterio.windows import Window, from_bounds

    t = ds.transform
    n_edges = len(geoms)
    dense = _densify(geoms, step)
    coords, idx = shapely.get_coordinates(dense, return_index=True)
    if tr is not None:
        xs, ys = tr.transform(coords[:, 0], coords[:, 1])
    else:
        xs, ys = coords[:, 0], coords[:, 1]
    if len(xs) == 0:
        return np.zeros(n_edges)
    win = from_bounds(xs.min(), ys.min(), xs.max(), ys.max(), transform=t)
    win = win.round_offsets(op="floor").round_lengths(op="ceil")
    c0 = max(int(win.col_off) - 1, 0)
    r0 = max(int(win.row_off) - 1, 0)
    c1 = min(int(win.col_off + win.width) + 1, ds.width)
    r1 = min(int(win.row_off + win.height) + 1, ds.height)
    if c1 <= c0 or r1 <= r0:
        return np.zeros(n_edges)
    window = Window(c0, r0, c1 - c0, r1 - r0)
    # the band as stored; nodata/mask and non-finite values are zeroed on the
    # sampled points only (not on the whole window)
    values = ds.read(1, window=window)
    flags = ds.mask_flag_enums[0]
    valid = None
    if MaskFlags.all_valid not in flags and MaskFlags.nodata not in flags:
        valid = ds.read_masks(1, window=window)
    nodata = ds.nodata
    inv = ~t
    cols = inv.a * xs + inv.b * ys + inv.c
    rows = inv.d * xs + inv.e * ys + inv.f
    cols = np.floor(np.asarray(cols)).astype(np.int64) - c0
    rows = np.floor(np.asarray(rows)).astype(np.int64) - r0
    inside = (rows >= 0) & (rows < values.shape[0]) & (cols >= 0) & (cols < values.shape[1])
    depth = np.zeros(len(xs))
    ri, ci = rows[inside], cols[inside]
    got = values[ri, ci].astype(np.float64)
    bad = ~np.isfinite(got)
    if valid is not None:
        bad |= valid[ri, ci] == 0
    elif nodata is not None:
        bad |= values[ri, ci] == values.dtype.type(nodata)
    got[bad] = 0.0
    np.maximum(got, 0.0, out=got)
    depth[inside] = got
    starts = np.searchsorted(idx, np.arange(n_edges))
    out = np.zeros(n_edges)
    has = np.bincount(idx, minlength=n_edges) > 0
    out[has] = np.maximum.reduceat(depth, starts[has])
    return out


def _cached_edge_depth(graph: RoadGraph, depth_raster: str | Path) -> np.ndarray:
    """:func:`sample_edge_depth`, memoised on the graph's shared ``meta``.

    Keyed by the raster file's resolved path, size and modification time (and
    the edge table, which a flood scenario shares with its graph), so the same
    scenario applied twice in a run — for the risk index and for the run's
    layers — samples the band once, and a rewritten file is sampled again.
    """
    path = Path(depth_raster)
    try:
        st = path.stat()
    except OSError:
        return sample_edge_depth(graph, path)  # reports the unreadable file
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    cache = graph.meta.setdefault("_edge_depth", {})
    hit = cache.get(key)
    if hit is not None and hit[0] is graph.edges:
        return hit[1].copy()
    depth = sample_edge_depth(graph, path)
    while len(cache) >= 4:  # a few scenarios, 8 bytes per edge each
        cache.pop(next(iter(cache)))
    cache[key] = (graph.edges, depth.copy())
    return depth


def apply_flood(
    graph: RoadGraph,
    depth_raster: str | Path,
    *,
    cut_depth: float = 0.3,
    slow_depth: float = 0.15,
    slow_factor: float | Callable[[np.ndarray], np.ndarray] = 0.5,
) -> FloodResult:
    """Flood scenario: edges at or above ``cut_depth`` are removed, shallower ones slowed.

    With ``d`` the maximum depth sampled along an edge (:func:`sample_edge_depth`):
    ``d ≥ cut_depth`` → cut; ``slow_depth ≤ d < cut_depth`` → speed multiplied
    by ``slow_factor`` (``minutes / slow_factor``); ``elevated`` edges are spared.

    Parameters
    ----------
    graph
        The normal graph.
    depth_raster
        Flood-depth GeoTIFF (m).
    cut_depth, slow_depth
        Depth thresholds (m).
    slow_factor
        Speed multiplier in (0, 1] for slowed edges, or a function of the depth
        array returning one (a configurable speed–depth curve).

    Returns
    -------
    FloodResult
        Unpacks as ``(graph, affected)``.
    """
    if not 0 < slow_depth <= cut_depth:
        msg = f"flood thresholds need 0 < slow_depth ({slow_depth}) <= cut_depth ({cut_depth})"
        raise InputError(msg)
    depth = _cached_edge_depth(graph, depth_raster)
    elevated = graph.edges["elevated"].to_numpy(dtype=bool)
    cut = (depth >= cut_depth) & ~elevated
    slowed = (depth >= slow_depth) & ~cut & ~elevated
    factor = np.ones(graph.n_edges)
    if callable(slow_factor):
        f = np.asarray(slow_factor(depth[slowed]), dtype=float)
    else:
        f = np.full(int(slowed.sum()), float(slow_factor))
    if ((f <= 0) | (f > 1) | ~np.isfinite(f)).any():
        msg = f"slow_factor must give speed multipliers in (0, 1], got {f.min()}…{f.max()}"
        raise InputError(msg)
    factor[slowed] = f
    minutes = graph.minutes / factor[graph.edge]
    new = graph.with_arcs(~cut[graph.edge], minutes)
    hit = np.flatnonzero(cut | slowed)
    edges = graph.edges
    affected = gpd.GeoDataFrame(
        {
            "edge_id": hit,
            "road_class": edges["road_class"].to_numpy()[hit],
            "name": edges["name"].to_numpy()[hit],
            "max_depth_m": depth[hit],
            "status": np.where(cut[hit], "cut", "slowed"),
            "speed_factor": np.where(cut[hit], 0.0, factor[hit]),
        },
        geometry=edges.geometry.to_numpy()[hit],
        crs=graph.crs,
    )
    return FloodResult(graph=new, affected=affected, max_depth=depth)
