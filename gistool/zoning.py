"""Risk zones from a classified grid (DESIGN §4).

Contiguous grid cells of one risk level are dissolved into zone polygons;
zones smaller than a minimum area ("slivers") are merged into the neighbouring
zone with which they share the longest border, taking its level.

Contiguity is by shared edges (a border of positive length; cells touching at
a corner only are not neighbours). Cell adjacency and shared-border lengths
come from one STRtree query and one vectorised boundary intersection, so any
polygon coverage works (square cells, cells clipped by the boundary, even
irregular units); connected components come from
:func:`scipy.sparse.csgraph.connected_components`. The sliver loop works on
zones, not cells.

>>> import geopandas as gpd, shapely
>>> cells = shapely.box([0, 1000, 2000], 0, [1000, 2000, 3000], 1000)
>>> grid = gpd.GeoDataFrame({"risk_level": [1, 1, 5]}, geometry=cells, crs=4547)
>>> zones = make_zones(grid, min_area=0)
>>> zones["risk_level"].tolist(), zones["area_km2"].tolist()
([1, 5], [2.0, 1.0])
"""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from gistool.errors import CRSError, InputError, SchemaError
from gistool.labels import RISK_LEVELS

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["cell_adjacency", "make_zones", "summary_by_level", "zone_labels"]

#: Default minimum zone area in m² (0.5 km²).
MIN_ZONE_AREA: float = 0.5e6

ZONE_COLUMNS = ["zone_id", "risk_level", "risk_level_name", "area_km2", "population", "enterprises"]


def cell_adjacency(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs of polygons sharing a border of positive length, and its length.

    Parameters
    ----------
    geoms
        Array of shapely polygons (a coverage: no overlaps), in a projected CRS.

    Returns
    -------
    i, j, length
        Index pairs with ``i < j`` and the length of their shared border, in CRS units.

    Examples
    --------
    >>> import shapely
    >>> cells = shapely.box([0, 1, 1], [0, 0, 1], [1, 2, 2], [1, 1, 2])
    >>> [a.tolist() for a in cell_adjacency(cells)]
    [[0, 1], [1, 2], [1.0, 1.0]]
    """
    import shapely

    geoms = np.asarray(geoms, dtype=object)
    if geoms.size < 2:
        empty = np.array([], dtype=np.int64)
        return empty, empty, np.array([], dtype=float)
    tree = shapely.STRtree(geoms)
    i, j = tree.query(geoms, predicate="intersects")
    keep = i < j
    i, j = i[keep], j[keep]
    bounds = shapely.boundary(geoms)
    length = shapely.length(shapely.intersection(bounds[i], bounds[j]))
    scale = float(np.sqrt(np.median(shapely.area(geoms)))) or 1.0
    edge = length > 1e-9 * scale  # corner contacts and float noise are not borders
    order = np.lexsort((j[edge], i[edge]))
    return i[edge][order], j[edge][order], length[edge][order]


def _lattice_adjacency(
    grid: gpd.GeoDataFrame, geoms: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """:func:`cell_adjacency` of a grid from :func:`gistool.units.make_grid_units`, by lattice.

    Cells only share a border with their four lattice neighbours (a clipped
    cell lies inside its square); two whole squares side by side share their
    full side, whose length is read off their bounds — the difference GEOS
    takes of the same coordinates — and only pairs with a clipped cell go
    through the boundary overlay. Same pairs, order and lengths as
    :func:`cell_adjacency`; ``None`` when ``grid`` is not such a grid.
    """
    import shapely

    size = grid.attrs.get("grid_size")
    if size is None or "row" not in grid.columns or "col" not in grid.columns or geoms.size < 2:
        return None
    rows = grid["row"].to_numpy(np.int64)
    cols = grid["col"].to_numpy(np.int64)
    ncol = int(cols.max()) + 2
    flat = rows * ncol + cols
    order = np.argsort(flat, kind="stable")
    if np.any(np.diff(flat[order]) == 0):
        return None  # two cells in one square: not a lattice
    bounds = shapely.bounds(geoms)
    whole = (shapely.get_num_coordinates(geoms) == 5) & (
        shapely.area(geoms) == float(size) * float(size)
    )
    pi, pj, horizontal = [], [], []
    for step, is_h in ((1, True), (ncol, False)):  # east and south neighbours
        pos = np.searchsorted(flat[order], flat + step)
        ok = pos < flat.size
        hit = np.zeros(flat.size, dtype=bool)
        hit[ok] = flat[order][pos[ok]] == flat[ok] + step
        a = np.flatnonzero(hit)
        pi.append(a)
        pj.append(order[pos[hit]])
        horizontal.append(np.full(a.size, is_h))
    i, j, h = np.concatenate(pi), np.concatenate(pj), np.concatenate(horizontal)
    i, j = np.minimum(i, j), np.maximum(i, j)
    length = np.empty(i.size)
    bi, bj = bounds[i], bounds[j]  # xmin, ymin, xmax, ymax
    # whole squares whose common side has the very same coordinates in both
    same_side = np.where(
        h[:, None],
        bi[:, [2, 1, 3]] == bj[:, [0, 1, 3]],  # east: x_max(i) = x_min(j), same y range
        bi[:, [1, 0, 2]] == bj[:, [3, 0, 2]],  # south: y_min(i) = y_max(j), same x range
    ).all(axis=1)
    both = whole[i] & whole[j] & same_side
    b = bi[both]
    length[both] = np.where(h[both], b[:, 3] - b[:, 1], b[:, 2] - b[:, 0])
    rest = ~both
    edges = shapely.boundary(geoms[np.r_[i[rest], j[rest]]])
    length[rest] = shapely.length(shapely.intersection(edges[: rest.sum()], edges[rest.sum() :]))
    scale = float(np.sqrt(np.median(shapely.area(geoms)))) or 1.0
    edge = length > 1e-9 * scale
    srt = np.lexsort((j[edge], i[edge]))
    return i[edge][srt], j[edge][srt], length[edge][srt]


def _check_grid(grid: gpd.GeoDataFrame, level_column: str) -> np.ndarray:
    if grid.crs is None:
        msg = "zoning: layer 'grid' has no CRS; set it (grid.set_crs(...)) before zoning"
        raise CRSError(msg)
    if not grid.crs.is_projected:
        msg = (
            f"zoning: layer 'grid' is in geographic CRS {grid.crs.to_string()}; areas need metres: "
            "project it first (grid.to_crs(gistool.working_crs(boundary)))"
        )
        raise CRSError(msg)
    if level_column not in grid.columns:
        msg = (
            f"zoning: layer 'grid', column '{level_column}' is missing; "
            "classify the grid first (gistool.classify.add_levels)"
        )
        raise SchemaError(msg)
    lv = pd.to_numeric(grid[level_column], errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(lv) & np.isin(lv, list(RISK_LEVELS))
    if not ok.all():
        bad = grid[level_column].to_numpy()[~ok][0]
        bad = bad.item() if isinstance(bad, np.generic) else bad
        msg = (
            f"zoning: layer 'grid', column '{level_column}' has value {bad!r}; "
            f"levels must be integers {min(RISK_LEVELS)}–{max(RISK_LEVELS)}"
        )
        raise SchemaError(msg)
    return lv.astype(int)


def _merge_slivers(
    level: np.ndarray,
    area: np.ndarray,
    nbr: list[dict[int, float]],
    min_area: float,
) -> np.ndarray:
    """Merge zones below ``min_area`` into their longest-border neighbour.

    Smallest sliver first; a merged zone keeps the neighbour's level, and
    same-level zones that become adjacent are united. Returns the surviving
    zone each zone ended in.
    """
    nz = level.size
    area = area.astype(float).copy()
    parent = np.arange(nz)
    alive = np.ones(nz, dtype=bool)

    def absorb(t: int, z: int) -> None:
        """Zone t absorbs zone z."""
        parent[z] = t
        alive[z] = False
        area[t] += area[z]
        for o, length in nbr[z].items():
            del nbr[o][z]
            if o == t:
                continue
            nbr[t][o] = nbr[t].get(o, 0.0) + length
            nbr[o][t] = nbr[o].get(t, 0.0) + length
        nbr[z] = {}

    heap = [(float(area[z]), z) for z in range(nz) if area[z] < min_area]
    heapq.heapify(heap)
    while heap:
        a, z = heapq.heappop(heap)
        if not alive[z] or a != area[z] or area[z] >= min_area or not nbr[z]:
            continue  # stale entry, grown large enough, or nothing to merge with
        # longest shared border; ties → the larger neighbour, then the lower id
        t = max(nbr[z], key=lambda o: (nbr[z][o], area[o], -o))
        absorb(t, z)
        same = [o for o in nbr[t] if level[o] == level[t]]
        while same:  # keep zones maximal: unite same-level neighbours
            for o in same:
                if alive[o] and o in nbr[t]:
                    absorb(t, o)
            same = [o for o in nbr[t] if level[o] == level[t]]
        if area[t] < min_area:
            heapq.heappush(heap, (float(area[t]), t))

    # resolve chains z → t → … to the surviving zone
    root = parent.copy()
    while True:
        nxt = root[root]
        if (nxt == root).all():
            return root
        root = nxt


def zone_labels(
    grid: gpd.GeoDataFrame,
    *,
    min_area: float = MIN_ZONE_AREA,
    level_column: str = "risk_level",
) -> tuple[np.ndarray, np.ndarray]:
    """Zone of each grid cell, after dissolving same-level neighbours and merging slivers.

    Parameters
    ----------
    grid
        Classified cells (projected CRS) with ``level_column``.
    min_area
        Zones smaller than this (m²) are merged into their longest-border neighbour.
    level_column
        Column of risk levels 1 … 5.

    Returns
    -------
    labels, levels
        ``labels[i]`` is the zone (0 … m − 1) of cell i; ``levels[z]`` the level of zone z.
    """
    import shapely
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    cell_level = _check_grid(grid, level_column)
    geoms = np.asarray(grid.geometry.array, dtype=object)
    n = geoms.size
    if n == 0:
        return np.array([], dtype=np.int64), np.array([], dtype=np.int64)
    lattice = _lattice_adjacency(grid, geoms)
    i, j, length = cell_adjacency(geoms) if lattice is None else lattice
    same = cell_level[i] == cell_level[j]
    graph = coo_matrix((np.ones(int(same.sum())), (i[same], j[same])), shape=(n, n))
    nz, comp = connected_components(graph, directed=False)
    zone_level = np.zeros(nz, dtype=np.int64)
    zone_level[comp] = cell_level
    zone_area = np.bincount(comp, weights=shapely.area(geoms), minlength=nz)

    # zone adjacency with summed border lengths
    zi, zj = comp[i[~same]], comp[j[~same]]
    a, b = np.minimum(zi, zj), np.maximum(zi, zj)
    border = coo_matrix((length[~same], (a, b)), shape=(nz, nz)).tocsr()
    border.sum_duplicates()
    bc = border.tocoo()
    nbr: list[dict[int, float]] = [{} for _ in range(nz)]
    for u, v, w in zip(bc.row.tolist(), bc.col.tolist(), bc.data.tolist(), strict=True):
        nbr[u][v] = w
        nbr[v][u] = w

    root = _merge_slivers(zone_level, zone_area, nbr, float(min_area))
    survivors, labels = np.unique(root[comp], return_inverse=True)
    return labels.astype(np.int64), zone_level[survivors]


def _cell_values(grid: gpd.GeoDataFrame, value: object, name: str) -> np.ndarray:
    """Per-cell values from a column name, an array, or the same-named grid column."""
    if value is None:
        if name not in grid.columns:
            return np.full(len(grid), np.nan)
        value = name
    if isinstance(value, str):
        if value not in grid.columns:
            msg = f"zoning: layer 'grid', column '{value}' for {name} is missing"
            raise SchemaError(msg)
        arr = pd.to_numeric(grid[value], errors="coerce").to_numpy(dtype=float)
    else:
        arr = np.asarray(value, dtype=float).ravel()
        if arr.size != len(grid):
            msg = f"zoning: {name} has {arr.size} values for {len(grid)} grid cells"
            raise InputError(msg)
    return arr


def make_zones(
    grid: gpd.GeoDataFrame,
    *,
    min_area: float = MIN_ZONE_AREA,
    population: str | np.ndarray | pd.Series | None = None,
    enterprises: str | np.ndarray | pd.Series | None = None,
    level_column: str = "risk_level",
) -> gpd.GeoDataFrame:
    """Dissolve a classified grid into risk zones.

    1. Cells sharing an edge and a level form a zone (connected components).
    2. Zones below ``min_area`` m² merge, smallest first, into the neighbour with
       the longest shared border and take its level; same-level zones that
       thereby touch are united. Repeats until no zone is below the minimum or
       a small zone has no neighbour (an isolated island stays).
    3. Each zone's cells are dissolved into one (multi)polygon.

    Parameters
    ----------
    grid
        Grid cells in a projected CRS with ``risk_level`` (1 … 5).
    min_area
        Minimum zone area in m² (default 0.5 km²); 0 disables sliver merging.
    population, enterprises
        Per-cell counts: a grid column name or an array aligned with ``grid``.
        Default: the grid's ``population`` / ``enterprises`` column if present,
        else the zone column is missing-valued (NaN). Missing cell values count as 0.
    level_column
        Column holding the levels.

    Returns
    -------
    geopandas.GeoDataFrame
        ``zone_id`` (1 … m, ordered by level, then area descending),
        ``risk_level``, ``risk_level_name``, ``area_km2``, ``population``,
        ``enterprises`` (sums over the zone's cells), geometry; grid's CRS.

    Raises
    ------
    CRSError
        If the grid has no CRS or a geographic one.
    SchemaError
        If levels are missing or not in 1 … 5.
    """
    import geopandas as gpd

    labels, levels = zone_labels(grid, min_area=min_area, level_column=level_column)
    pop = _cell_values(grid, population, "population")
    ent = _cell_values(grid, enterprises, "enterprises")
    if len(grid) == 0:
        return gpd.GeoDataFrame(
            {c: [] for c in ZONE_COLUMNS}, geometry=gpd.GeoSeries([], crs=grid.crs)
        )
    nz = levels.size
    cells = gpd.GeoDataFrame(
        {"_zone": labels}, geometry=np.asarray(grid.geometry.array), crs=grid.crs
    )
    geom = cells.dissolve(by="_zone").geometry.reindex(np.arange(nz))

    def per_zone(v: np.ndarray) -> np.ndarray:
        if np.isnan(v).all():
            return np.full(nz, np.nan)
        return np.bincount(labels, weights=np.nan_to_num(v), minlength=nz)

    out = gpd.GeoDataFrame(
        {
            "risk_level": levels.astype(np.int64),
            "area_km2": geom.area.to_numpy() / 1e6,
            "population": per_zone(pop),
            "enterprises": per_zone(ent),
        },
        geometry=geom.to_numpy(),
        crs=grid.crs,
    )
    out = out.sort_values(["risk_level", "area_km2"], ascending=[True, False], kind="stable")
    out = out.reset_index(drop=True)
    out.insert(0, "zone_id", np.arange(1, nz + 1, dtype=np.int64))
    names = {lvl: v[0] for lvl, v in RISK_LEVELS.items()}
    out.insert(2, "risk_level_name", out["risk_level"].map(names))
    return out


def summary_by_level(zones: gpd.GeoDataFrame | pd.DataFrame) -> pd.DataFrame:
    """Zone count, area, population and enterprises per risk level.

    Every level 1 … 5 appears (zeros where no zone has it); ``area_share`` is
    the level's area over the total.

    Parameters
    ----------
    zones
        Output of :func:`make_zones`.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``risk_level``: ``risk_level_name``, ``zones``, ``area_km2``,
        ``area_share``, ``population``, ``enterprises``.

    Examples
    --------
    >>> import pandas as pd
    >>> z = pd.DataFrame({"risk_level": [1, 5, 5], "area_km2": [1.0, 2.0, 1.0],
    ...                   "population": [10, 0, 5], "enterprises": [2, 0, 1]})
    >>> s = summary_by_level(z)
    >>> int(s.loc[5, "zones"]), float(s.loc[5, "area_km2"]), float(s.loc[5, "population"])
    (2, 3.0, 5.0)
    """
    for col in ("risk_level", "area_km2"):
        if col not in zones.columns:
            msg = f"summary_by_level: column '{col}' is missing; pass the output of make_zones"
            raise SchemaError(msg)
    levels = pd.Index(sorted(RISK_LEVELS), name="risk_level")
    g = zones.groupby("risk_level")
    out = pd.DataFrame(index=levels)
    out["risk_level_name"] = [RISK_LEVELS[lvl][0] for lvl in levels]
    out["zones"] = g.size().reindex(levels, fill_value=0).astype(np.int64)
    out["area_km2"] = g["area_km2"].sum().reindex(levels, fill_value=0.0).astype(float)
    total = out["area_km2"].sum()
    out["area_share"] = out["area_km2"] / total if total > 0 else 0.0
    for col in ("population", "enterprises"):
        if col in zones.columns:
            out[col] = g[col].sum().reindex(levels, fill_value=0.0).astype(float)
        else:
            out[col] = np.nan
    return out
