"""Build a :class:`~gistool.network.graph.RoadGraph` from a road line layer.

Nodes are the line endpoints, merged when they lie within ``snap_tolerance``
metres of each other (a KD-tree finds the close pairs; connected components of
those pairs are the nodes). With ``node_crossings=True`` ground roads are also
split where they cross each other; ``elevated`` roads (bridges, viaducts,
expressways on embankments) are never split where they pass over others.
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from gistool.errors import CRSError, GeometryError, SchemaError, describe_source
from gistool.labels import ROAD_CLASSES
from gistool.network.graph import RoadGraph, minutes_from_speed

__all__ = ["build_road_graph"]

_LAYER = "roads"


def build_road_graph(
    roads: gpd.GeoDataFrame,
    *,
    snap_tolerance: float = 1.0,
    node_crossings: bool = False,
    speeds: Mapping[str, float] | None = None,
) -> RoadGraph:
    """Build a routable graph from road lines.

    Travel time of every edge: ``minutes = length_m / (speed_kmh · 1000 / 60)``.
    The speed of a road is, in order of precedence: ``speeds[road_class]``
    when given, the row's ``speed_kmh`` when it is a positive number, else the
    default speed of its class in :data:`gistool.labels.ROAD_CLASSES`.

    Parameters
    ----------
    roads
        LineString layer (MultiLineStrings are exploded) in a projected CRS with
        ``road_class`` and optionally ``speed_kmh``, ``oneway`` (one arc in the
        direction of digitising), ``elevated`` and ``name``.
    snap_tolerance
        Endpoints closer than this (metres) become one node; 0 joins only
        exactly equal endpoints.
    node_crossings
        Also split ground (non-elevated) roads where they cross or touch each
        other, so that crossings become junctions.
    speeds
        Road class → speed (km/h), overriding the class table and the
        ``speed_kmh`` column for the classes it names.

    Returns
    -------
    RoadGraph
        Lines that collapse onto a single node (zero length after snapping) are
        dropped; their count is in ``graph.meta["dropped_degenerate"]``. Nodes
        no line uses any more stay, isolated.

    Examples
    --------
    >>> from shapely import LineString
    >>> roads = gpd.GeoDataFrame(
    ...     {"road_class": ["county", "county"], "oneway": [False, True]},
    ...     geometry=[LineString([(0, 0), (1000, 0)]), LineString([(1000, 0.4), (1000, 500)])],
    ...     crs="EPSG:4547",
    ... )
    >>> g = build_road_graph(roads)
    >>> g.n_nodes, g.n_edges, g.n_arcs
    (3, 2, 3)
    >>> g.minutes.round(2).tolist()   # 1 km at 50 km/h both ways, 0.5 km one way
    [1.2, 0.6, 1.2]
    """
    crs = _check_layer(roads)
    roads = _explode(roads)
    attrs = _attributes(roads, speeds)
    geoms = roads.geometry.to_numpy()
    if node_crossings:
        geoms, attrs = _node_crossings(geoms, attrs)
    node_of_end, nx_, ny_ = _snap_endpoints(geoms, snap_tolerance)
    n = len(geoms)
    eu, ev = node_of_end[:n], node_of_end[n:]
    geoms = _move_endpoints(geoms, nx_[eu], ny_[eu], nx_[ev], ny_[ev])
    length = shapely.length(geoms)
    # lines shorter than the tolerance collapse onto one node: they carry nothing
    degenerate = (eu == ev) & (length == 0)
    if degenerate.any():
        keep = ~degenerate
        geoms, length, eu, ev = geoms[keep], length[keep], eu[keep], ev[keep]
        attrs = attrs[keep].reset_index(drop=True)
        n = len(geoms)
    minutes = minutes_from_speed(length, attrs["speed_kmh"].to_numpy())
    oneway = attrs["oneway"].to_numpy(dtype=bool)
    edges = gpd.GeoDataFrame(
        {
            "edge_id": np.arange(n, dtype=np.int64),
            "u": eu,
            "v": ev,
            "length_m": length,
            "speed_kmh": attrs["speed_kmh"].to_numpy(dtype=float),
            "road_class": attrs["road_class"].to_numpy(dtype=object),
            "oneway": oneway,
            "elevated": attrs["elevated"].to_numpy(dtype=bool),
            "name": attrs["name"].to_numpy(dtype=object),
            "source_row": attrs["source_row"].to_numpy(dtype=np.int64),
        },
        geometry=geoms,
        crs=crs,
    )
    two = np.flatnonzero(~oneway)
    e_all = np.arange(n, dtype=np.int64)
    return RoadGraph(
        x=nx_,
        y=ny_,
        u=np.concatenate([eu, ev[two]]),
        v=np.concatenate([ev, eu[two]]),
        minutes=np.concatenate([minutes, minutes[two]]),
        length_m=np.concatenate([length, length[two]]),
        edge=np.concatenate([e_all, two]),
        forward=np.concatenate([np.ones(n, bool), np.zeros(len(two), bool)]),
        edges=edges,
        crs=crs,
        meta={
            "snap_tolerance": snap_tolerance,
            "node_crossings": node_crossings,
            "dropped_degenerate": int(degenerate.sum()),
        },
    )


def _check_layer(roads: gpd.GeoDataFrame) -> pyproj.CRS:
    if roads.crs is None:
        msg = f"{describe_source(layer=_LAYER)} has no CRS; set it with .set_crs(...) first"
        raise CRSError(msg)
    crs = pyproj.CRS(roads.crs)
    if not crs.is_projected:
        msg = (
            f"{describe_source(layer=_LAYER)} is in {crs.to_string()}, a geographic CRS; "
            "project it to metres first (e.g. .to_crs(gistool.working_crs(boundary)))"
        )
        raise CRSError(msg)
    if "road_class" not in roads.columns:
        msg = (
            f"{describe_source(layer=_LAYER, column='road_class')} is missing; map your class "
            f"column onto it (values: {', '.join(ROAD_CLASSES)})"
        )
        raise SchemaError(msg)
    if len(roads) == 0:
        msg = f"{describe_source(layer=_LAYER)} is empty: a road graph needs at least one line"
        raise GeometryError(msg)
    return crs


def _explode(roads: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    roads = roads.reset_index(drop=True).copy()
    roads["source_row"] = np.arange(len(roads))
    geoms = roads.geometry.to_numpy()
    types = shapely.get_type_id(geoms)
    if (types == 5).any():
        roads = roads.explode(index_parts=False, ignore_index=True)
        geoms = roads.geometry.to_numpy()
        types = shapely.get_type_id(geoms)
    bad = (types != 1) | shapely.is_empty(geoms)
    if bad.any():
        rows = roads["source_row"].to_numpy()[bad]
        msg = (
            f"{describe_source(layer=_LAYER)} has {int(bad.sum())} geometries that are not "
            f"non-empty LineStrings (first at row {int(rows[0])}); drop or fix them"
        )
        raise GeometryError(msg)
    return roads


def _bool_column(roads: gpd.GeoDataFrame, column: str) -> np.ndarray:
    if column not in roads.columns:
        return np.zeros(len(roads), dtype=bool)
    col = roads[column]
    if col.dtype == bool:
        return col.to_numpy()
    if pd.api.types.is_numeric_dtype(col):
        return col.fillna(0).to_numpy() != 0
    text = col.astype("string").str.strip().str.lower()
    truthy = text.isin(["1", "true", "yes", "y", "t", "是"])
    falsy = text.isin(["0", "false", "no", "n", "f", "否", ""]) | col.isna()
    bad = ~(truthy | falsy)
    if bad.any():
        msg = (
            f"{describe_source(layer=_LAYER, column=column)} has values that are not yes/no "
            f"(e.g. {col[bad].iloc[0]!r}); use true/false"
        )
        raise SchemaError(msg)
    return truthy.to_numpy(dtype=bool)


def _attributes(roads: gpd.GeoDataFrame, speeds: Mapping[str, float] | None) -> pd.DataFrame:
    cls = roads["road_class"].astype(object).to_numpy()
    table = {k: v[1] for k, v in ROAD_CLASSES.items()}
    if speeds:
        table.update({k: float(v) for k, v in speeds.items()})
    class_speed = np.array([table.get(c, np.nan) for c in pd.unique(cls)], dtype=float)
    lookup = dict(zip(pd.unique(cls), class_speed, strict=True))
    by_class = pd.Series(cls).map(lookup).to_numpy(dtype=float)
    if "speed_kmh" in roads.columns:
        row = pd.to_numeric(roads["speed_kmh"], errors="coerce").to_numpy(dtype=float)
        row = np.where(np.isfinite(row) & (row > 0), row, np.nan)
    else:
        row = np.full(len(roads), np.nan)
    speed = row.copy()
    if speeds:
        named = np.isin(cls, list(speeds))
        speed[named] = by_class[named]
    speed = np.where(np.isnan(speed), by_class, speed)
    if np.isnan(speed).any() or (speed <= 0).any():
        bad = np.flatnonzero(np.isnan(speed) | (speed <= 0))
        msg = (
            f"{describe_source(layer=_LAYER, column='road_class')}: no speed for class "
            f"{cls[bad[0]]!r} (row {int(roads['source_row'].iloc[bad[0]])}); give 'speed_kmh' "
            f"or speeds={{...}} or use one of {', '.join(ROAD_CLASSES)}"
        )
        raise SchemaError(msg)
    names = roads["name"].astype(object).to_numpy() if "name" in roads.columns else None
    return pd.DataFrame(
        {
            "road_class": cls,
            "speed_kmh": speed,
            "oneway": _bool_column(roads, "oneway"),
            "elevated": _bool_column(roads, "elevated"),
            "name": names if names is not None else np.full(len(roads), None, dtype=object),
            "source_row": roads["source_row"].to_numpy(),
        }
    )


def _node_crossings(
    geoms: np.ndarray, attrs: pd.DataFrame
) -> tuple[np.ndarray, pd.DataFrame]:
    """Split ground lines at their mutual crossings; keep elevated lines whole.

    Only the lines that cross another one, or that another line ends on (a
    T-junction without a shared vertex), are noded; the others are kept as they are.
    """
    elevated = attrs["elevated"].to_numpy(dtype=bool)
    all_ground = np.flatnonzero(~elevated)
    if len(all_ground) < 2:
        return geoms, attrs
    g = geoms[all_ground]
    tree = shapely.STRtree(g)
    a, b = tree.query(g, predicate="crosses")
    ends = np.concatenate([shapely.get_point(g, 0), shapely.get_point(g, -1)])
    owner = np.tile(np.arange(len(g)), 2)
    p, line = tree.query(ends, predicate="intersects")
    # an endpoint lying on another line away from that line's own endpoints
    inner = (owner[p] != line) & (shapely.distance(ends[p], shapely.get_point(g[line], 0)) > 0) & (
        shapely.distance(ends[p], shapely.get_point(g[line], -1)) > 0
    )
    involved = np.unique(np.concatenate([a, b, line[inner], owner[p[inner]]]))
    if len(involved) == 0:
        return geoms, attrs
    ground = all_ground[involved]
    untouched = np.setdiff1d(np.arange(len(geoms)), ground)
    noded = shapely.get_parts(shapely.node(shapely.multilinestrings(geoms[ground])))
    noded = noded[shapely.length(noded) > 0]
    # the original ground line each piece lies on: nearest to the piece's midpoint
    mid = shapely.line_interpolate_point(noded, 0.5, normalized=True)
    tree = shapely.STRtree(geoms[ground])
    piece, src = tree.query_nearest(mid, all_matches=False)
    src_line = ground[src[np.argsort(piece)]]
    # keep the original direction (one-way roads)
    start = shapely.line_locate_point(geoms[src_line], shapely.get_point(noded, 0))
    end = shapely.line_locate_point(geoms[src_line], shapely.get_point(noded, -1))
    flip = start > end
    noded[flip] = shapely.reverse(noded[flip])
    new_geoms = np.concatenate([noded, geoms[untouched]])
    rows = np.concatenate([src_line, untouched])
    return new_geoms, attrs.iloc[rows].reset_index(drop=True)


def _snap_endpoints(
    geoms: np.ndarray, tolerance: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Node id of every endpoint (starts then ends) and the node coordinates."""
    from scipy.sparse import coo_array
    from scipy.sparse.csgraph import connected_components
    from scipy.spatial import cKDTree

    pts = np.concatenate(
        [
            shapely.get_coordinates(shapely.get_point(geoms, 0)),
            shapely.get_coordinates(shapely.get_point(geoms, -1)),
        ]
    )
    uniq, inv = np.unique(pts, axis=0, return_inverse=True)
    inv = inv.ravel()
    m = len(uniq)
    if tolerance > 0 and m > 1:
        pairs = cKDTree(uniq).query_pairs(tolerance, output_type="ndarray")
        adj = coo_array(
            (np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(m, m)
        ).tocsr()
        _, label = connected_components(adj, directed=False)
    else:
        label = np.arange(m)
    # node coordinate: the first (lowest) unique endpoint of each cluster
    n_nodes = int(label.max()) + 1 if m else 0
    rep = np.full(n_nodes, m, dtype=np.int64)
    np.minimum.at(rep, label, np.arange(m))
    # number nodes in order of first appearance of their representative
    order = np.argsort(rep, kind="stable")
    renum = np.empty(n_nodes, dtype=np.int64)
    renum[order] = np.arange(n_nodes)
    node_of_end = renum[label[inv]]
    coords = uniq[rep[order]]
    return node_of_end, coords[:, 0].copy(), coords[:, 1].copy()


def _move_endpoints(
    geoms: np.ndarray, x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray
) -> np.ndarray:
    """Set the first and last vertex of every line to the given node coordinates."""
    coords, idx = shapely.get_coordinates(geoms, return_index=True)
    counts = np.bincount(idx, minlength=len(geoms))
    last = np.cumsum(counts) - 1
    firsts = last - counts + 1
    moved = (
        (coords[firsts, 0] != x0)
        | (coords[firsts, 1] != y0)
        | (coords[last, 0] != x1)
        | (coords[last, 1] != y1)
    )
    if not moved.any():
        return geoms
    coords[firsts, 0], coords[firsts, 1] = x0, y0
    coords[last, 0], coords[last, 1] = x1, y1
    return shapely.linestrings(coords, indices=idx)
