"""Synthetic road network of the embedded Changge dataset.

**Synthetic.** No road data of Changge is available offline. The network is
shaped after the real hierarchy: a north–south expressway east of the city
(G4-like, elevated, reached only at three interchanges), a north–south national
road through the city's east side (G107-like), provincial roads, county roads
linking the town seats, township roads from every village to its town seat,
village roads meshing the countryside, and a street grid in the city's
subdistricts. Road numbers other than G4 and G107 are plausible, not surveyed.

How it is built (vectorised with numpy, scipy and shapely 2):

1. **Nodes**: a jittered 100 m grid thinned with a probability that rises near
   town seats and villages; every village's representative point and town
   seat; a slightly rotated 200 m lattice in the subdistricts.
2. **Candidate links**: the Delaunay triangulation of the nodes (planar, so no
   two ground roads cross without a junction), without links leaving the
   outline, longer than 1.2 km, or cutting across the street lattice.
3. **Hierarchy**: national, provincial, county and township roads are least-cost
   paths over the candidates between town seats and villages (each class
   prefers links already used by a higher class); crossing a river or the
   expressway costs extra, so bridges and underpasses are few.
4. **Village roads**: a minimum spanning tree of the candidates keeps every node
   reachable, plus a random share of short extra links for loops.
5. **Bridges**: every link crossing a river channel is split, and the piece over
   the water (plus 8 m each side) is a separate ``bridge``/``elevated`` edge.
6. **Expressway**: its own line of 250 m segments whose vertices are shared
   with no ground road; ramps join it to the ground network at three
   interchanges. Ground roads pass under it without a junction.

Every edge is a two-point LineString between nodes; edges that meet share the
end coordinates exactly, and the whole network is one connected component.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING, Final

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from gistool.datasets.hydro import river_channels
from gistool.datasets.terrain import CRS, boundary_geometry
from gistool.errors import CRSError, SchemaError
from gistool.labels import ROAD_CLASSES

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

#: Class ranks, most important first (used to resolve an edge on several routes).
CLASS_ORDER: Final[tuple[str, ...]] = (
    "expressway",
    "national",
    "provincial",
    "county",
    "township",
    "urban_arterial",
    "urban_local",
    "village",
)
#: Speed (km/h) of interchange ramps.
RAMP_SPEED: Final[float] = 40.0
#: Street-lattice spacing (m) in the subdistricts, and its rotation (degrees).
URBAN_SPACING: Final[float] = 200.0
URBAN_ROTATION: Final[float] = 8.0
#: Spacing (m) of the jittered grid the rural nodes are drawn from.
RURAL_SPACING: Final[float] = 100.0
#: Longest candidate link (m).
MAX_LINK: Final[float] = 1_200.0
#: Extra length (m) of a bridge beyond the channel on each side.
BRIDGE_MARGIN: Final[float] = 8.0
#: Expressway offset east of the city seat (m) and its interchange names.
EXPRESSWAY_OFFSET: Final[float] = 6_000.0
_EXPRESSWAY: Final[str] = "G4京港澳高速"
_INTERCHANGES: Final[tuple[str, ...]] = ("长葛北", "长葛", "长葛南")
_NATIONAL: Final[str] = "G107国道"
_PROVINCIAL: Final[tuple[str, ...]] = ("S220省道", "S103省道")
_STREETS_EW: Final[tuple[str, ...]] = (
    "建设路", "长兴路", "长社路", "金桥路", "八七路", "人民路", "许由路", "文化路",
)  # fmt: skip
_STREETS_NS: Final[tuple[str, ...]] = (
    "钟繇大道", "魏武路", "葛天大道", "新区大道", "兴业路", "黄河路", "长青路", "东大街",
)  # fmt: skip


@dataclass
class _Nodes:
    """Road nodes: coordinates, street-lattice indices (−1 if not a lattice node)."""

    xy: np.ndarray
    lattice: np.ndarray
    seats: np.ndarray  # node index of each town seat
    villages: np.ndarray  # node index of each village


def _prepared(gdf: gpd.GeoDataFrame, layer: str, columns: tuple[str, ...]) -> gpd.GeoDataFrame:
    """The layer in EPSG:4547, after checking its CRS and columns."""
    if gdf.crs is None:
        msg = f"{layer} layer has no CRS; set it first, e.g. {layer}.set_crs('EPSG:4547')"
        raise CRSError(msg)
    missing = [c for c in columns if c not in gdf.columns]
    if missing:
        msg = (
            f"{layer} layer lacks column(s) {missing}; rename yours to the canonical "
            f"names (gistool.schema.SCHEMAS['{layer}'])"
        )
        raise SchemaError(msg)
    return gdf.to_crs(CRS)


def _seat_points(
    townships: gpd.GeoDataFrame, villages: gpd.GeoDataFrame, seats: gpd.GeoDataFrame | None
) -> tuple[np.ndarray, np.ndarray]:
    """Town-seat coordinates in township order, and whether each is a subdistrict (街道)."""
    codes = townships["code"].astype(str).to_numpy()
    if seats is not None:
        by_code = dict(zip(seats["code"].astype(str), seats.geometry, strict=True))
        missing = [c for c in codes if c not in by_code]
        if missing:
            msg = (
                f"seats layer has no point for township code(s) {missing[:3]}; "
                "pass one point per township"
            )
            raise SchemaError(msg)
        xy = shapely.get_coordinates(np.array([by_code[c] for c in codes]))
    else:
        reps = villages.geometry.representative_point()
        xy = np.empty((len(codes), 2))
        for k, code in enumerate(codes):
            mine = villages["township_code"].astype(str).to_numpy() == code
            if mine.any():
                best = np.flatnonzero(mine)[int(np.argmax(villages["population"].to_numpy()[mine]))]
                xy[k] = shapely.get_coordinates(reps.iloc[best])[0]
            else:
                rep = townships.geometry.iloc[k].representative_point()
                xy[k] = shapely.get_coordinates(rep)[0]
    urban = townships["kind"].astype(str).to_numpy() == "街道" if "kind" in townships else None
    if urban is None:
        urban = np.zeros(len(codes), dtype=bool)
    return xy, urban


def _lattice(urban: BaseGeometry, centre: np.ndarray, rng: np.random.Generator):
    """A rotated street lattice filling ``urban``: coordinates and integer indices."""
    theta = math.radians(URBAN_ROTATION)
    u = np.array([math.cos(theta), math.sin(theta)])
    w = np.array([-math.sin(theta), math.cos(theta)])
    minx, miny, maxx, maxy = urban.bounds
    half = math.hypot(maxx - minx, maxy - miny) / URBAN_SPACING
    k = np.arange(-math.ceil(half), math.ceil(half) + 1)
    a, b = (g.ravel() for g in np.meshgrid(k, k, indexing="ij"))
    xy = centre + URBAN_SPACING * (a[:, None] * u + b[:, None] * w)
    inside = shapely.contains_xy(urban, xy[:, 0], xy[:, 1])
    xy, a, b = xy[inside], a[inside], b[inside]
    xy = xy + rng.uniform(-3.0, 3.0, size=xy.shape)
    return xy, np.column_stack([a, b])


def _nodes(
    outline: BaseGeometry,
    seat_xy: np.ndarray,
    seat_urban: np.ndarray,
    urban: BaseGeometry | None,
    village_xy: np.ndarray,
    channels: BaseGeometry,
    expressway: BaseGeometry,
    rng: np.random.Generator,
) -> _Nodes:
    """Sample road nodes (see the module docstring, step 1)."""
    from scipy.spatial import cKDTree

    parts, lattices = [], []
    n = 0
    if urban is not None:
        centre = seat_xy[seat_urban].mean(axis=0)
        lat_xy, lat_ab = _lattice(urban, centre, rng)
        dry = ~shapely.contains_xy(channels.buffer(20.0), lat_xy[:, 0], lat_xy[:, 1])
        lat_xy, lat_ab = lat_xy[dry], lat_ab[dry]
        parts.append(lat_xy)
        lattices.append(lat_ab)
        n = len(lat_xy)
    lat_tree = cKDTree(parts[0]) if n else None

    def place(points: np.ndarray) -> np.ndarray:
        """Node index for each point: the nearest lattice node in town, else a new node."""
        nonlocal n
        index = np.empty(len(points), dtype=np.intp)
        in_town = (
            shapely.contains_xy(urban, points[:, 0], points[:, 1])
            if urban is not None and lat_tree is not None
            else np.zeros(len(points), dtype=bool)
        )
        if in_town.any():
            index[in_town] = lat_tree.query(points[in_town])[1]
        fresh = points[~in_town]
        # one node per distinct position
        uniq, inverse = np.unique(fresh, axis=0, return_inverse=True)
        index[~in_town] = n + inverse.ravel()
        parts.append(uniq)
        lattices.append(np.full((len(uniq), 2), -1))
        n += len(uniq)
        return index

    placed = place(np.vstack([seat_xy, village_xy]))
    seats, villages = placed[: len(seat_xy)], placed[len(seat_xy) :]

    minx, miny, maxx, maxy = outline.bounds
    gx = np.arange(minx + RURAL_SPACING / 2, maxx, RURAL_SPACING)
    gy = np.arange(miny + RURAL_SPACING / 2, maxy, RURAL_SPACING)
    cand = np.column_stack([c.ravel() for c in np.meshgrid(gx, gy)])
    cand = cand + rng.uniform(-0.35, 0.35, size=cand.shape) * RURAL_SPACING
    keep_p = rng.uniform(size=len(cand))
    special = np.vstack([seat_xy, village_xy])
    d_seat = cKDTree(seat_xy).query(cand)[0]
    d_village = cKDTree(village_xy).query(cand)[0]
    prob = (
        0.13
        + 0.65 * np.exp(-((d_seat / 1_500.0) ** 2))
        + 0.25 * np.exp(-((d_village / 350.0) ** 2))
    )
    ok = keep_p < prob
    ok &= shapely.contains_xy(outline.buffer(-15.0), cand[:, 0], cand[:, 1])
    ok &= ~shapely.contains_xy(channels.buffer(20.0), cand[:, 0], cand[:, 1])
    ok &= ~shapely.contains_xy(expressway.buffer(40.0), cand[:, 0], cand[:, 1])
    if urban is not None:
        ok &= ~shapely.contains_xy(urban.buffer(100.0), cand[:, 0], cand[:, 1])
    ok &= cKDTree(special).query(cand)[0] > 50.0
    parts.append(cand[ok])
    lattices.append(np.full((int(ok.sum()), 2), -1))
    return _Nodes(np.vstack(parts), np.vstack(lattices), seats, villages)


def _street_links(lat_a: np.ndarray, lat_b: np.ndarray, lattice: np.ndarray) -> np.ndarray:
    """Which lattice-to-lattice links are streets: along one lattice line, to the next
    node on it (up to 3 steps, so a street bridges a river where nodes were left out)."""
    delta = lat_b - lat_a
    steps = np.abs(delta).max(axis=1)
    ok = (np.abs(delta).min(axis=1) == 0) & (steps >= 1) & (steps <= 3)
    present = lattice[lattice[:, 0] >= 0]
    shift = present.min(axis=0) if len(present) else np.zeros(2, dtype=int)
    span = int(np.ptp(present, axis=0).max()) + 8 if len(present) else 8

    def key(ab: np.ndarray) -> np.ndarray:
        return (ab[:, 0] - shift[0] + 4) * span + (ab[:, 1] - shift[1] + 4)

    existing = np.sort(key(present))
    unit = np.sign(delta)
    for k in (1, 2):
        check = ok & (steps > k)
        between = key(lat_a[check] + k * unit[check])
        pos = np.clip(np.searchsorted(existing, between), 0, max(len(existing) - 1, 0))
        blocked = existing[pos] == between if len(existing) else np.zeros(len(between), bool)
        ok[np.flatnonzero(check)[blocked]] = False
    return ok


def _delaunay_links(xy: np.ndarray) -> np.ndarray:
    """Unique undirected Delaunay edges ``(i, j)``, ``i < j``."""
    from scipy.spatial import Delaunay

    tri = Delaunay(xy).simplices
    pairs = np.vstack([tri[:, [0, 1]], tri[:, [1, 2]], tri[:, [0, 2]]])
    pairs.sort(axis=1)
    return np.unique(pairs, axis=0)


def _segments(lines: np.ndarray) -> np.ndarray:
    """All consecutive-vertex segments of some LineStrings, as 2-point LineStrings."""
    coords, index = shapely.get_coordinates(lines, return_index=True)
    same = index[1:] == index[:-1]
    pairs = np.stack([coords[:-1][same], coords[1:][same]], axis=1)
    return shapely.linestrings(pairs)


def _crossing(links: np.ndarray, barrier_segments: np.ndarray) -> np.ndarray:
    """Boolean: which links intersect any of the barrier segments."""
    hit = np.zeros(len(links), dtype=bool)
    if len(barrier_segments):
        tree = shapely.STRtree(links)
        hit[tree.query(barrier_segments, predicate="intersects")[1]] = True
    return hit


def _graph(n: int, pairs: np.ndarray, weight: np.ndarray) -> csr_matrix:
    from scipy.sparse import coo_matrix

    i, j = pairs[:, 0], pairs[:, 1]
    return coo_matrix((np.r_[weight, weight], (np.r_[i, j], np.r_[j, i])), shape=(n, n)).tocsr()


def _route_edges(
    n: int,
    pairs: np.ndarray,
    weight: np.ndarray,
    routes: list[tuple[int, int]],
    *,
    limit: float = np.inf,
) -> list[np.ndarray]:
    """Link indices of the least-cost path of each (source, target) node pair.

    Paths costing more than ``limit`` are not searched for (empty result).
    """
    from scipy.sparse.csgraph import dijkstra

    graph = _graph(n, pairs, weight)
    keys = pairs[:, 0].astype(np.int64) * n + pairs[:, 1]
    sources = sorted({s for s, _ in routes})
    row = {s: k for k, s in enumerate(sources)}
    dist, pred = dijkstra(graph, indices=sources, return_predecessors=True, limit=limit)
    out = []
    for s, t in routes:
        if s == t or not np.isfinite(dist[row[s], t]):
            out.append(np.empty(0, dtype=np.intp))
            continue
        path = [t]
        p = pred[row[s]]
        while path[-1] != s:
            path.append(p[path[-1]])
        path = np.asarray(path)
        a, b = np.minimum(path[:-1], path[1:]), np.maximum(path[:-1], path[1:])
        out.append(np.searchsorted(keys, a.astype(np.int64) * n + b))
    return out


def _euclidean_tree(points: np.ndarray) -> np.ndarray:
    """Index pairs of the Euclidean minimum spanning tree of a few points."""
    from scipy.sparse.csgraph import minimum_spanning_tree

    if len(points) < 2:
        return np.empty((0, 2), dtype=np.intp)
    dist = np.hypot(*(points[:, None, :] - points[None, :, :]).transpose(2, 0, 1))
    tree = minimum_spanning_tree(np.triu(dist + 1e-9, 1)).tocoo()
    return np.column_stack([tree.row, tree.col])


def _boundary_point(outline: BaseGeometry, start: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """Farthest point where a ray from ``start`` leaves the outline."""
    far = start + direction * 200_000.0
    inter = shapely.intersection(outline.boundary, shapely.LineString([start, far]))
    pts = shapely.get_coordinates(inter)
    if len(pts) == 0:
        return start
    return pts[int(np.argmax((pts - start) @ direction))]


def _expressway_line(outline: BaseGeometry, x: float) -> np.ndarray:
    """Vertices (every ~250 m) of the expressway: a gently bending north–south line."""
    _, miny, _, maxy = outline.bounds
    y = np.arange(miny - 2_000.0, maxy + 2_000.0, 250.0)
    s = (y - y[0]) / (y[-1] - y[0])
    xs = x + 450.0 * np.sin(math.pi * s) - 300.0 * s
    clipped = shapely.intersection(shapely.linestrings(np.column_stack([xs, y])), outline)
    parts = shapely.get_parts(shapely.line_merge(clipped))
    longest = parts[int(np.argmax(shapely.length(parts)))]
    return shapely.get_coordinates(longest)


@dataclass
class _Links:
    """Candidate links (Delaunay edges) between road nodes, with their costs."""

    pairs: np.ndarray  # (m, 2) node indices, i < j, sorted by (i, j)
    length: np.ndarray
    street: np.ndarray  # a link of the street lattice
    crosses_river: np.ndarray
    crosses_expressway: np.ndarray
    cost: np.ndarray
    in_main: np.ndarray  # per node: in the largest connected component

    @property
    def keys(self) -> np.ndarray:
        """Sorted ``i * n + j`` keys, for looking links up by their nodes."""
        n = len(self.in_main)
        return self.pairs[:, 0].astype(np.int64) * n + self.pairs[:, 1]

    def subset(self, mask: np.ndarray) -> _Links:
        return _Links(
            self.pairs[mask],
            self.length[mask],
            self.street[mask],
            self.crosses_river[mask],
            self.crosses_expressway[mask],
            self.cost[mask],
            self.in_main,
        )


def _candidate_links(
    nodes: _Nodes,
    outline: BaseGeometry,
    rivers: gpd.GeoDataFrame,
    expressway: BaseGeometry,
    rng: np.random.Generator,
) -> _Links:
    """Delaunay links that stay inside the outline (see the module docstring, step 2).

    Cost of a link: its length × U(0.9, 1.1) × 4 if it crosses a river × 31 if
    it crosses the expressway.
    """
    from scipy.sparse.csgraph import connected_components

    xy, n = nodes.xy, len(nodes.xy)
    pairs = _delaunay_links(xy)
    length = np.hypot(*(xy[pairs[:, 1]] - xy[pairs[:, 0]]).T)
    lat_a, lat_b = nodes.lattice[pairs[:, 0]], nodes.lattice[pairs[:, 1]]
    both_lattice = (lat_a[:, 0] >= 0) & (lat_b[:, 0] >= 0)
    ok = (length <= MAX_LINK) & (~both_lattice | _street_links(lat_a, lat_b, nodes.lattice))
    pairs, length, both_lattice = pairs[ok], length[ok], both_lattice[ok]
    lines = shapely.linestrings(np.stack([xy[pairs[:, 0]], xy[pairs[:, 1]]], axis=1))
    area = outline.buffer(30.0)
    shapely.prepare(area)
    inside = shapely.contains(area, lines)
    pairs, length, both_lattice, lines = (
        pairs[inside],
        length[inside],
        both_lattice[inside],
        lines[inside],
    )
    crosses_river = _crossing(lines, _segments(rivers.geometry.to_numpy()))
    crosses_expressway = _crossing(lines, _segments(np.array([expressway])))
    noise = rng.uniform(0.9, 1.1, size=len(length))
    cost = length * noise * (1.0 + 3.0 * crosses_river) * (1.0 + 30.0 * crosses_expressway)
    # keep the component holding most nodes (outline concavities may cut off a few)
    _, comp = connected_components(_graph(n, pairs, cost), directed=False)
    in_main = comp == np.bincount(comp).argmax()
    return _Links(pairs, length, both_lattice, crosses_river, crosses_expressway, cost, in_main)


class _Hierarchy:
    """Road class (as a rank into :data:`CLASS_ORDER`) and name of every link."""

    def __init__(self, links: _Links) -> None:
        self.links = links
        self.rank = np.full(len(links.pairs), len(CLASS_ORDER) - 1)  # village
        self.name = np.full(len(links.pairs), None, dtype=object)
        self.used = np.zeros(len(links.pairs), dtype=bool)

    def assign(
        self, cls: str, routes: list[tuple[int, int]], names: list[str], limit: float = np.inf
    ) -> None:
        """Route each (source, target) node pair; its links become at least ``cls``.

        Links already on a road are 40 % cheaper, so roads share corridors.
        """
        links = self.links
        weight = links.cost * np.where(self.used, 0.6, 1.0)
        r = CLASS_ORDER.index(cls)
        paths = _route_edges(len(links.in_main), links.pairs, weight, routes, limit=limit)
        for edges, label in zip(paths, names, strict=True):
            better = self.rank[edges] > r
            self.rank[edges[better]] = r
            self.name[edges[better]] = label
            self.used[edges] = True


def _chain(points: list[int], label: str) -> tuple[list[tuple[int, int]], list[str]]:
    """Routes between consecutive stops, all named ``label``."""
    routes = [(a, b) for a, b in pairwise(points) if a != b]
    return routes, [label] * len(routes)


def _main_roads(
    h: _Hierarchy,
    xy: np.ndarray,
    node_at: Callable[[np.ndarray], int],
    outline: BaseGeometry,
    city: np.ndarray,
    urban: BaseGeometry | None,
    seat_xy: np.ndarray,
    seat_node: np.ndarray,
    rural: np.ndarray,
) -> None:
    """National, provincial and county roads between the seats (step 3)."""
    # national: north–south through the seats east of the city, skirting the street grid
    city_east = np.array([urban.bounds[2] + 300.0, city[1]]) if urban is not None else city
    along = rural & (np.abs(seat_xy[:, 0] - (city[0] + 3_000.0)) < 2_500.0)
    order = np.argsort(-seat_xy[along, 1])
    axis = city + np.array([3_000.0, 0.0])
    north = _boundary_point(outline, axis, np.array([0.0, 1.0]))
    south = _boundary_point(outline, axis, np.array([0.0, -1.0]))
    stops = [node_at(north), *seat_node[along][order], node_at(city_east), node_at(south)]
    h.assign("national", *_chain(sorted(set(stops), key=lambda i: -xy[i, 1]), _NATIONAL))

    # provincial: west–east through the seats near the city's latitude; north-west spur
    city_node = node_at(city)
    along = rural & (np.abs(seat_xy[:, 1] - city[1]) < 3_200.0)
    west = _boundary_point(outline, city, np.array([-1.0, 0.0]))
    east = _boundary_point(outline, city, np.array([1.0, 0.0]))
    stops = sorted(
        {node_at(west), city_node, *seat_node[along], node_at(east)}, key=lambda i: xy[i, 0]
    )
    routes, labels = _chain(stops, _PROVINCIAL[0])
    nw_seat = int(np.argmax(np.where(rural, seat_xy[:, 1] - seat_xy[:, 0], -np.inf)))
    direction = seat_xy[nw_seat] - city
    direction /= np.hypot(*direction)
    offset = seat_xy - city
    across = np.abs(offset @ np.array([-direction[1], direction[0]]))
    near_line = rural & (across < 2_500.0) & (offset @ direction > 0)
    spur = [city_node, *seat_node[near_line][np.argsort(offset[near_line] @ direction)]]
    more, more_labels = _chain(spur, _PROVINCIAL[1])
    h.assign("provincial", routes + more, labels + more_labels)

    # county: links between neighbouring seats (Delaunay of the seats, city as one)
    hubs = np.r_[seat_node[rural], city_node]
    hub_xy = xy[hubs]
    county_pairs = _delaunay_links(hub_xy) if len(hubs) >= 3 else np.array([[0, 1]])
    span = np.hypot(*(hub_xy[county_pairs[:, 1]] - hub_xy[county_pairs[:, 0]]).T)
    county_pairs = county_pairs[span < 14_000.0]
    h.assign(
        "county",
        [(int(hubs[a]), int(hubs[b])) for a, b in county_pairs],
        [f"X{k + 1:03d}县道" for k in range(len(county_pairs))],
    )


def _township_roads(
    h: _Hierarchy,
    xy: np.ndarray,
    seat_node: np.ndarray,
    village_node: np.ndarray,
    village_township: np.ndarray,
    rural: np.ndarray,
) -> None:
    """In each town, township roads along a tree linking the seat and its villages."""
    count = 0
    for t in np.flatnonzero(rural):
        members = np.unique(np.r_[seat_node[t], village_node[village_township == t]])
        routes = [(int(members[a]), int(members[b])) for a, b in _euclidean_tree(xy[members])]
        if not routes:
            continue
        reach = max(np.hypot(*(xy[a] - xy[b])) for a, b in routes)
        labels = [f"Y{count + k + 1:03d}乡道" for k in range(len(routes))]
        count += len(routes)
        # a generous search radius: detours and penalties stay far below it
        h.assign("township", routes, labels, limit=4.0 * reach + 10_000.0)


def _village_roads(links: _Links, used: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Which links to keep: roads so far, streets, a spanning tree and short loops (step 4)."""
    from scipy.sparse.csgraph import minimum_spanning_tree

    n = len(links.in_main)
    mst = minimum_spanning_tree(_upper_graph(n, links.pairs, links.cost)).tocoo()
    lo, hi = np.minimum(mst.row, mst.col), np.maximum(mst.row, mst.col)
    in_tree = np.zeros(len(links.pairs), dtype=bool)
    in_tree[np.searchsorted(links.keys, lo.astype(np.int64) * n + hi)] = True
    extra = (
        (rng.uniform(size=len(links.pairs)) < 0.32)
        & (links.length < 450.0)
        & ~links.crosses_expressway
        & (~links.crosses_river | (rng.uniform(size=len(links.pairs)) < 0.1))
    )
    keep = in_tree | used | extra | links.street
    return keep & links.in_main[links.pairs[:, 0]] & links.in_main[links.pairs[:, 1]]


def _streets(
    h: _Hierarchy, lattice: np.ndarray, xy: np.ndarray, city: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Classify lattice links not on a main road as streets; every 4th line an arterial.

    Returns
    -------
    tuple
        ``oneway`` (a few side streets near the centre) and ``flip`` (draw the
        link from its second node to its first: the direction of travel).
    """
    pairs = h.links.pairs
    lat0, lat1 = lattice[pairs[:, 0]], lattice[pairs[:, 1]]
    street = h.links.street & (h.rank > CLASS_ORDER.index("township"))
    along_b = lat0[:, 0] == lat1[:, 0]  # constant a: runs along w (north–south-ish)
    line_id = np.where(along_b, lat0[:, 0], lat0[:, 1])
    arterial = street & (line_id % 4 == 0)
    h.rank[street] = CLASS_ORDER.index("urban_local")
    h.rank[arterial] = CLASS_ORDER.index("urban_arterial")
    ns_names = np.array(_STREETS_NS, dtype=object)
    ew_names = np.array(_STREETS_EW, dtype=object)
    idx = line_id // 4
    h.name[arterial & along_b] = ns_names[idx[arterial & along_b] % len(ns_names)]
    h.name[arterial & ~along_b] = ew_names[idx[arterial & ~along_b] % len(ew_names)]
    dist_centre = np.hypot(*((xy[pairs[:, 0]] - city).T))
    oneway = street & ~arterial & (line_id % 8 == 2) & (dist_centre < 1_500.0)
    # one-way streets run toward increasing lattice index on alternate lines
    forward = np.where(along_b, lat1[:, 1] > lat0[:, 1], lat1[:, 0] > lat0[:, 0])
    flip = oneway & (forward != ((line_id // 8) % 2 == 0))
    return oneway, flip


def _ramps(
    expressway_xy: np.ndarray, city: np.ndarray, xy: np.ndarray, node_at: Callable
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Interchange ramps: from an expressway vertex to a ground node 350 m east.

    Interchanges sit at the city's latitude and 55 % / 60 % of the way to the
    expressway's northern / southern ends.
    """
    ys = expressway_xy[:, 1]
    ramps_from, ramps_to, names = [], [], []
    for frac, label in zip((0.55, 0.0, -0.6), _INTERCHANGES, strict=True):
        end_y = ys.max() if frac > 0 else ys.min()
        y_ic = city[1] + abs(frac) * (end_y - city[1])
        v = int(np.argmin(np.abs(ys[1:-1] - y_ic))) + 1
        ramps_from.append(expressway_xy[v])
        ramps_to.append(xy[node_at(expressway_xy[v] + np.array([350.0, 0.0]))])
        names.append(f"{_EXPRESSWAY}{label}互通匝道")
    return np.array(ramps_from), np.array(ramps_to), names


def make_roads(
    boundary: BaseGeometry | gpd.GeoDataFrame | gpd.GeoSeries,
    townships: gpd.GeoDataFrame,
    villages: gpd.GeoDataFrame,
    rivers: gpd.GeoDataFrame,
    *,
    seed: int,
    seats: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """A connected, hierarchical synthetic road network (see the module docstring).

    Parameters
    ----------
    boundary
        Study-area outline (EPSG:4547).
    townships
        ``code``, ``kind`` (街道 units form the city and get a street grid) and polygons.
    villages
        ``township_code``, ``population`` and polygons; every village's
        representative point becomes a road node.
    rivers
        Lines with ``width_m`` (see :func:`gistool.datasets.hydro.river_channels`).
    seed
        Random seed; the same seed gives the same network.
    seats
        Town seats: ``code`` and a point per township. Default: the
        representative point of each township's most populous village.

    Returns
    -------
    geopandas.GeoDataFrame
        One two-point LineString per edge, EPSG:4547, with ``road_class``
        (keys of :data:`gistool.labels.ROAD_CLASSES`), ``speed_kmh``,
        ``oneway`` (the geometry runs in the direction of travel),
        ``elevated``, ``bridge`` and ``name`` (``None`` for unnamed village
        roads and streets).

    Examples
    --------
    A 9 × 6 km county: a subdistrict (street grid) west, a town east, a river.

    >>> import geopandas as gpd, shapely
    >>> from shapely.geometry import box
    >>> townships = gpd.GeoDataFrame(
    ...     {"code": ["411082001", "411082100"], "kind": ["街道", "镇"]},
    ...     geometry=[box(0, 0, 3000, 6000), box(3000, 0, 9000, 6000)], crs="EPSG:4547")
    >>> villages = gpd.GeoDataFrame(
    ...     {"township_code": ["411082001"] * 2 + ["411082100"] * 4,
    ...      "population": [900, 800, 500, 400, 300, 200]},
    ...     geometry=[box(x, y, x + 3000, y + 3000) for x in (0, 3000, 6000) for y in (0, 3000)],
    ...     crs="EPSG:4547")
    >>> rivers = gpd.GeoDataFrame({"name": ["河"], "width_m": [30.0]},
    ...     geometry=[shapely.LineString([(0, 4500), (9000, 4000)])], crs="EPSG:4547")
    >>> roads = make_roads(box(0, 0, 9000, 6000), townships, villages, rivers, seed=1)
    >>> sorted(set(roads["road_class"]))  # doctest: +NORMALIZE_WHITESPACE
    ['expressway', 'national', 'provincial', 'township', 'urban_arterial', 'urban_local',
     'village']
    >>> bool(roads.loc[roads["bridge"], "elevated"].all()), bool(roads["bridge"].any())
    (True, True)
    """
    from scipy.spatial import cKDTree

    outline = boundary_geometry(boundary)
    townships = _prepared(townships, "townships", ("code",))
    needed = ("township_code",) if seats is not None else ("township_code", "population")
    villages = _prepared(villages, "villages", needed)
    rivers = _prepared(rivers, "rivers", ())
    rng = np.random.default_rng([seed, 3])

    seat_xy, seat_urban = _seat_points(townships, villages, seats)
    rural = ~seat_urban
    urban_units = townships.geometry.to_numpy()[seat_urban]
    urban = shapely.union_all(urban_units).intersection(outline) if len(urban_units) else None
    if urban is not None and urban.is_empty:
        urban = None
    channels = shapely.union_all(river_channels(rivers).geometry.to_numpy())
    village_xy = shapely.get_coordinates(villages.geometry.representative_point().to_numpy())
    city = seat_xy[seat_urban].mean(axis=0) if seat_urban.any() else seat_xy.mean(axis=0)
    expressway_xy = _expressway_line(outline, city[0] + EXPRESSWAY_OFFSET)
    expressway = shapely.linestrings(expressway_xy)

    nodes = _nodes(outline, seat_xy, seat_urban, urban, village_xy, channels, expressway, rng)
    xy = nodes.xy
    links = _candidate_links(nodes, outline, rivers, expressway, rng)
    main_index = np.flatnonzero(links.in_main)
    tree = cKDTree(xy[main_index])

    def node_at(p: np.ndarray) -> int:
        """The node of the main component nearest to ``p``."""
        return int(main_index[tree.query(p)[1]])

    seat_node = np.array([node_at(xy[s]) for s in nodes.seats])
    village_node = np.array([node_at(xy[v]) for v in nodes.villages])
    code_row = {c: k for k, c in enumerate(townships["code"].astype(str))}
    village_township = np.array(
        [code_row.get(c, -1) for c in villages["township_code"].astype(str)]
    )

    h = _Hierarchy(links)
    _main_roads(h, xy, node_at, outline, city, urban, seat_xy, seat_node, rural)
    _township_roads(h, xy, seat_node, village_node, village_township, rural)
    keep = _village_roads(links, h.used, rng)
    oneway, flip = _streets(h, nodes.lattice, xy, city)

    pairs = links.pairs[keep]
    flip = flip[keep]
    start = np.where(flip[:, None], xy[pairs[:, 1]], xy[pairs[:, 0]])
    end = np.where(flip[:, None], xy[pairs[:, 0]], xy[pairs[:, 1]])
    cls = np.array(CLASS_ORDER, dtype=object)[h.rank[keep]]
    name = h.name[keep]
    oneway = oneway[keep]

    # step 6: the expressway (250 m segments, no shared vertex) and its ramps
    ramps_from, ramps_to, ramp_names = _ramps(expressway_xy, city, xy, node_at)
    n_ex, n_ramp = len(expressway_xy) - 1, len(ramps_from)
    start = np.vstack([start, expressway_xy[:-1], ramps_from])
    end = np.vstack([end, expressway_xy[1:], ramps_to])
    cls = np.r_[cls, np.full(n_ex + n_ramp, "expressway", dtype=object)]
    name = np.r_[name, np.full(n_ex, _EXPRESSWAY, dtype=object), np.array(ramp_names, object)]
    oneway = np.r_[oneway, np.zeros(n_ex + n_ramp, dtype=bool)]
    elevated = np.r_[np.zeros(len(pairs), dtype=bool), np.ones(n_ex + n_ramp, dtype=bool)]
    speed = np.array([ROAD_CLASSES[c][1] for c in cls], dtype=float)
    speed[len(speed) - n_ramp :] = RAMP_SPEED

    # step 5: bridges
    start, end, piece_of, is_bridge = _split_bridges(start, end, channels)
    return gpd.GeoDataFrame(
        {
            "road_class": cls[piece_of],
            "speed_kmh": speed[piece_of],
            "oneway": oneway[piece_of],
            "elevated": elevated[piece_of] | is_bridge,
            "bridge": is_bridge,
            "name": name[piece_of],
        },
        geometry=shapely.linestrings(np.stack([start, end], axis=1)),
        crs=CRS,
    )


def _upper_graph(n: int, pairs: np.ndarray, weight: np.ndarray) -> csr_matrix:
    """Each link once (``i < j``): what the spanning tree needs."""
    from scipy.sparse import coo_matrix

    return coo_matrix((weight, (pairs[:, 0], pairs[:, 1])), shape=(n, n)).tocsr()


def _split_bridges(
    start: np.ndarray, end: np.ndarray, channels: BaseGeometry
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split every segment crossing a river channel into approach, bridge, approach.

    Returns
    -------
    tuple
        New ``start`` and ``end`` coordinates, the index of the original segment
        of each piece, and whether the piece is the bridge.
    """
    lines = shapely.linestrings(np.stack([start, end], axis=1))
    parts = shapely.get_parts(channels)
    candidates = np.unique(shapely.STRtree(lines).query(parts, predicate="intersects")[1])
    crossing = np.sort(candidates)
    inter = shapely.intersection(lines[crossing], channels)
    pts, idx = shapely.get_coordinates(inter, return_index=True)
    d = end[crossing] - start[crossing]
    seg_len = np.hypot(d[:, 0], d[:, 1])
    t = ((pts - start[crossing][idx]) * d[idx]).sum(axis=1) / seg_len[idx] ** 2
    t_in = np.full(len(crossing), np.inf)
    t_out = np.full(len(crossing), -np.inf)
    np.minimum.at(t_in, idx, t)
    np.maximum.at(t_out, idx, t)
    margin = BRIDGE_MARGIN / seg_len
    t_a = np.clip(t_in - margin, 0.0, 1.0)
    t_b = np.clip(t_out + margin, 0.0, 1.0)
    # no approach piece shorter than 2 m (a 1 m endpoint snap would collapse it)
    t_a[t_a * seg_len < 2.0] = 0.0
    t_b[(1.0 - t_b) * seg_len < 2.0] = 1.0
    a = start[crossing] + t_a[:, None] * d
    b = start[crossing] + t_b[:, None] * d

    untouched = np.ones(len(start), dtype=bool)
    untouched[crossing] = False
    keep = np.flatnonzero(untouched)
    before = t_a > 0.0
    after = t_b < 1.0
    new_start = np.vstack([start[keep], start[crossing][before], a, b[after]])
    new_end = np.vstack([end[keep], a[before], b, end[crossing][after]])
    piece_of = np.r_[keep, crossing[before], crossing, crossing[after]]
    is_bridge = np.r_[
        np.zeros(len(keep) + before.sum(), dtype=bool),
        np.ones(len(crossing), dtype=bool),
        np.zeros(after.sum(), dtype=bool),
    ]
    order = np.argsort(piece_of, kind="stable")
    return new_start[order], new_end[order], piece_of[order], is_bridge[order]
