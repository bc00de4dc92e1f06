"""Synthetic road networks built in code for the network tests."""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import shapely
from shapely import LineString

CRS = "EPSG:4547"
X0, Y0 = 500_000.0, 3_780_000.0


def grid_roads(nx_: int = 5, ny_: int = 4, step: float = 500.0, road_class: str = "village",
               seed: int | None = None) -> gpd.GeoDataFrame:
    """A street grid: every block side one LineString, endpoints shared exactly."""
    rng = np.random.default_rng(seed)
    lines, classes = [], []
    for j in range(ny_):
        for i in range(nx_ - 1):
            lines.append(LineString([(X0 + i * step, Y0 + j * step),
                                     (X0 + (i + 1) * step, Y0 + j * step)]))
    for i in range(nx_):
        for j in range(ny_ - 1):
            lines.append(LineString([(X0 + i * step, Y0 + j * step),
                                     (X0 + i * step, Y0 + (j + 1) * step)]))
    n = len(lines)
    if seed is None:
        classes = [road_class] * n
        speed = np.full(n, np.nan)
    else:
        classes = list(rng.choice(["village", "township", "county"], n))
        speed = np.where(rng.random(n) < 0.3, rng.uniform(10, 80, n), np.nan)
    return gpd.GeoDataFrame(
        {"road_class": classes, "speed_kmh": speed, "oneway": np.zeros(n, bool),
         "elevated": np.zeros(n, bool), "name": [f"r{k}" for k in range(n)]},
        geometry=lines, crs=CRS,
    )


def random_roads(n_nodes: int, n_edges: int, seed: int, oneway_share: float = 0.2,
                 extent: float = 3000.0) -> gpd.GeoDataFrame:
    """Random (not planar) straight or bent roads between random nodes."""
    rng = np.random.default_rng(seed)
    pts = rng.uniform(0, extent, (n_nodes, 2)) + np.array([X0, Y0])
    a = rng.integers(0, n_nodes, n_edges)
    b = rng.integers(0, n_nodes, n_edges)
    # a spanning path keeps most of it connected
    a = np.concatenate([np.arange(n_nodes - 1), a])
    b = np.concatenate([np.arange(1, n_nodes), b])
    keep = a != b
    a, b = a[keep], b[keep]
    mid = (pts[a] + pts[b]) / 2 + rng.normal(0, 50, (len(a), 2))
    coords = np.stack([pts[a], mid, pts[b]], axis=1)
    lines = shapely.linestrings(coords)
    m = len(lines)
    return gpd.GeoDataFrame(
        {"road_class": rng.choice(["village", "township", "county", "national"], m),
         "oneway": rng.random(m) < oneway_share,
         "elevated": np.zeros(m, bool),
         "name": [f"r{k}" for k in range(m)]},
        geometry=lines, crs=CRS,
    )


def points(xy, crs: str = CRS, **cols) -> gpd.GeoDataFrame:
    xy = np.asarray(xy, dtype=float)
    return gpd.GeoDataFrame(cols, geometry=shapely.points(xy), crs=crs)


def nx_times_with_virtual(graph, s_snap, t_snap, members):
    """Independent reference: split snapped edges in the networkx export, run networkx."""
    import networkx as nx

    G = graph.to_networkx()
    fwd, bwd = graph.edge_minutes
    eu, ev = graph.edge_uv
    H = nx.DiGraph()

    def add(a, b, w):  # parallel arcs (loop edges split at a point too): keep the fastest
        if H.has_edge(a, b):
            w = min(w, H[a][b]["w"])
        H.add_edge(a, b, w=w)

    for a, b, d in G.edges(data=True):
        if a != b:
            add(a, b, d["minutes"])
    # virtual nodes on edges: all points of an edge sorted along it, chained
    on_edge: dict[int, list] = {}
    for k in range(len(s_snap)):
        if s_snap.snapped[k]:
            on_edge.setdefault(int(s_snap.edge[k]), []).append((s_snap.fraction[k], ("s", k)))
    for k in range(len(t_snap)):
        if t_snap.snapped[k]:
            on_edge.setdefault(int(t_snap.edge[k]), []).append((t_snap.fraction[k], ("t", k)))
    for e, items in on_edge.items():
        items.sort(key=lambda it: it[0])
        chain = [(0.0, int(eu[e])), *[(f, ("p", e, i)) for i, (f, _) in enumerate(items)],
                 (1.0, int(ev[e]))]
        for (f0, n0), (f1, n1) in itertools.pairwise(chain):
            if f1 == f0:  # same place: no travel needed in either direction
                add(n0, n1, 0.0)
                add(n1, n0, 0.0)
                continue
            if np.isfinite(fwd[e]):
                add(n0, n1, (f1 - f0) * fwd[e])
            if np.isfinite(bwd[e]):
                add(n1, n0, (f1 - f0) * bwd[e])
        for i, (_, who) in enumerate(items):
            node = ("p", e, i)
            H.add_node(node)
            if who[0] == "s":
                H.add_edge(who, node, w=float(s_snap.offroad_minutes[who[1]]))
            else:
                H.add_edge(node, who, w=float(t_snap.offroad_minutes[who[1]]))
    srcs = [("s", int(k)) for k in members if s_snap.snapped[k]]
    srcs = [s for s in srcs if s in H]
    dist = nx.multi_source_dijkstra_path_length(H, srcs, weight="w") if srcs else {}
    return np.array([dist.get(("t", k), np.inf) for k in range(len(t_snap))])
