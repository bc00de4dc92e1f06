"""Analysis units: the regular grid and population transfer between unit layers.

Three unit layers are assessed (DESIGN §3): townships, villages and a regular
grid of square cells (default 500 m) clipped to the study-area boundary.

Population is known per village. It is carried to any other unit layer by
*areal weighting* (each village's population spread uniformly over its area):
the grid × village intersection "pieces" built once by
:func:`population_pieces` serve every level — a piece knows its cell, its
village and its township, so grid, village and township totals are plain
group sums, and piece representative points are the population targets of the
rescue-access analysis.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gistool.errors import GeometryError, SchemaError, describe_source

__all__ = [
    "areal_pairs",
    "make_grid_units",
    "population_pieces",
    "rural_flag",
    "unit_ids",
]


def _check_projected(gdf: gpd.GeoDataFrame, layer: str) -> None:
    if gdf.crs is None:
        msg = (
            f"{describe_source(layer=layer)} has no CRS; set one with "
            "gdf.set_crs(...) and project it to a metric CRS (e.g. EPSG:4547)"
        )
        raise GeometryError(msg)
    if not gdf.crs.is_projected:
        msg = (
            f"{describe_source(layer=layer)} is in geographic CRS {gdf.crs.to_string()}; "
            "project it to a metric CRS first (gdf.to_crs('EPSG:4547'))"
        )
        raise GeometryError(msg)


def _clip_to_parts(cells: np.ndarray, shape: shapely.Geometry) -> np.ndarray:
    """``intersection(cell, shape)`` of each cell, with the one part it meets when only one.

    A multi-part boundary (several counties, islands) is intersected part by
    part: a cell meeting a single part is clipped by that part alone (the
    overlay's cost grows with the vertices it is given; the result is the
    same, the other parts being outside the cell), others by the whole shape.
    """
    parts = shapely.get_parts(shape)
    if parts.size < 2:
        return shapely.intersection(cells, shape)
    ci, pi = shapely.STRtree(parts).query(cells, predicate="intersects")
    one = np.bincount(ci, minlength=cells.size) == 1
    part = np.full(cells.size, -1, dtype=np.int64)
    part[ci] = pi
    out = np.empty(cells.size, dtype=object)
    out[one] = shapely.intersection(cells[one], parts[part[one]])
    out[~one] = shapely.intersection(cells[~one], shape)
    return out


def make_grid_units(boundary: gpd.GeoDataFrame, *, size: float = 500.0) -> gpd.GeoDataFrame:
    """Square grid cells clipped to the boundary.

    The grid is anchored at multiples of ``size`` in the boundary's CRS, so
    cells of different runs and areas line up. Rows count from the north
    (row 0 is the northernmost), columns from the west.

    Parameters
    ----------
    boundary
        Study-area boundary (one or more polygons) in a projected CRS (metres).
    size
        Cell side length in metres.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per non-empty clipped cell with ``cell_id`` (``"r{row}c{col}"``,
        zero-padded), ``row``, ``col``, ``area_km2`` (clipped area) and the
        clipped geometry, in the boundary's CRS; ``attrs["grid_size"]`` and
        ``attrs["grid_origin"]`` (x of column 0's west edge, y of row 0's
        north edge) describe the lattice.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> b = gpd.GeoDataFrame(geometry=[box(0, 0, 1000, 750)], crs="EPSG:4547")
    >>> g = make_grid_units(b, size=500)
    >>> list(g["cell_id"]), list(g["area_km2"])
    (['r00c00', 'r00c01', 'r01c00', 'r01c01'], [0.125, 0.125, 0.25, 0.25])
    """
    _check_projected(boundary, "boundary")
    if size <= 0:
        msg = f"grid size must be positive, got {size}; use e.g. size=500"
        raise ValueError(msg)
    shape = shapely.union_all(shapely.make_valid(boundary.geometry.to_numpy()))
    if shape.is_empty:
        msg = f"{describe_source(layer='boundary')} is empty; give the study-area polygon"
        raise GeometryError(msg)
    minx, miny, maxx, maxy = shape.bounds
    x0 = np.floor(minx / size) * size
    y1 = np.ceil(maxy / size) * size
    ncol = max(int(np.ceil((maxx - x0) / size)), 1)
    nrow = max(int(np.ceil((y1 - miny) / size)), 1)
    rows, cols = np.divmod(np.arange(nrow * ncol), ncol)
    left = x0 + cols * size
    top = y1 - rows * size
    cells = shapely.box(left, top - size, left + size, top)
    shapely.prepare(shape)
    hit = shapely.intersects(shape, cells)
    cells, left, top = cells[hit], left[hit], top[hit]
    # cells strictly inside the boundary (most of them) are their own clip: built
    # directly, as GEOS's intersection returns them (clockwise from the lower-left
    # corner), instead of an overlay whose cost grows with the boundary's vertices
    inside = shapely.contains_properly(shape, cells)
    clipped = np.empty(cells.size, dtype=object)
    clipped[inside] = shapely.box(
        left[inside], top[inside] - size, left[inside] + size, top[inside], ccw=False
    )
    clipped[~inside] = _clip_to_parts(cells[~inside], shape)
    # keep polygonal parts only (touching cells give lines/points)
    area = shapely.area(clipped)
    keep = area > 0
    clipped, rows, cols, area = clipped[keep], rows[hit][keep], cols[hit][keep], area[keep]
    width = max(len(str(max(nrow - 1, 1))), len(str(max(ncol - 1, 1))), 2)
    ids = np.char.add(
        np.char.add("r", np.char.zfill(rows.astype(str), width)),
        np.char.add("c", np.char.zfill(cols.astype(str), width)),
    ).astype(object)
    out = gpd.GeoDataFrame(
        {
            "cell_id": ids,
            "row": rows.astype(np.int32),
            "col": cols.astype(np.int32),
            "area_km2": area / 1e6,
        },
        geometry=clipped,
        crs=boundary.crs,
    )
    # cell (row, col) spans x0 + col·size … and y1 − row·size downwards
    out.attrs["grid_size"] = float(size)
    out.attrs["grid_origin"] = (float(x0), float(y1))
    return out


def unit_ids(units: gpd.GeoDataFrame) -> pd.Series:
    """Identifier of each unit: ``cell_id`` for grid cells, else ``code``, else ``id``.

    Falls back to the row position when none of those columns exists.
    """
    for col in ("cell_id", "code", "id"):
        if col in units.columns:
            return units[col].astype(str)
    return pd.Series(np.arange(len(units)).astype(str), index=units.index)


def _pairs(
    target: gpd.GeoDataFrame, source: gpd.GeoDataFrame, *, geometries: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """Intersecting pairs, overlap areas and (optionally) overlap geometries.

    Pairs where one polygon lies inside the other skip the costly
    intersection: the overlap is the inner polygon itself.
    """
    if target.crs != source.crs:
        msg = (
            f"CRS mismatch: target in {target.crs}, source in {source.crs}; "
            "project both layers to the working CRS with .to_crs()"
        )
        raise GeometryError(msg)
    src = source.geometry.to_numpy()
    tgt = target.geometry.to_numpy()
    nt = max(len(tgt), 1)
    tree = shapely.STRtree(tgt)
    j, i = tree.query(src, predicate="intersects")
    key = j.astype(np.int64) * nt + i
    jc, ic = tree.query(src, predicate="contains")  # target inside source
    jw, iw = tree.query(src, predicate="within")  # source inside target
    inner = np.full(len(j), -1, dtype=np.int8)  # 0: target inside, 1: source inside
    inner[np.isin(key, jc.astype(np.int64) * nt + ic)] = 0
    inner[np.isin(key, jw.astype(np.int64) * nt + iw)] = 1
    geoms = np.empty(len(j), dtype=object)
    geoms[inner == 0] = tgt[i[inner == 0]]
    geoms[inner == 1] = src[j[inner == 1]]
    rest = inner < 0
    geoms[rest] = shapely.intersection(tgt[i[rest]], src[j[rest]])
    area = shapely.area(geoms)
    keep = area > 0
    return i[keep], j[keep], area[keep], (geoms[keep] if geometries else None)


def areal_pairs(
    target: gpd.GeoDataFrame, source: gpd.GeoDataFrame
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Intersecting (target, source) polygon pairs and their overlap areas.

    Parameters
    ----------
    target, source
        Polygon layers in the same projected CRS.

    Returns
    -------
    tuple of numpy.ndarray
        ``(i_target, j_source, area_m2)`` with positional indices, for every
        pair with a positive overlap area.
    """
    i, j, area, _ = _pairs(target, source, geometries=False)
    return i, j, area


def rural_flag(villages: gpd.GeoDataFrame) -> np.ndarray:
    """1.0 for 村委会 (rural) villages, 0.0 for 居委会 (urban communities).

    Uses the ``kind`` column when present, else the statistical-code rule:
    the last three digits 001–199 are 居委会, 200–399 村委会.
    """
    if "kind" in villages.columns:
        kind = villages["kind"].astype(str)
        return (kind == "村委会").to_numpy(dtype=float)
    codes = villages["code"].astype(str).str[-3:]
    num = pd.to_numeric(codes, errors="coerce").to_numpy()
    return (num >= 200).astype(float)


def population_pieces(
    villages: gpd.GeoDataFrame,
    grid: gpd.GeoDataFrame | None = None,
    *,
    polygons: bool = False,
) -> gpd.GeoDataFrame:
    """Grid × village pieces carrying each village's population by area share.

    ``population_piece = population_village × area(piece) / area(village)``

    Parameters
    ----------
    villages
        Village polygons with ``code``, ``township_code`` and ``population``.
    grid
        Grid cells from :func:`make_grid_units`; without it each village is one
        piece.
    polygons
        Return the piece polygons instead of their representative points.

    Returns
    -------
    geopandas.GeoDataFrame
        Point layer (representative point of each piece; its polygon with
        ``polygons=True``) with ``village_code``,
        ``township_code``, ``cell_id`` (``None`` without grid), ``population``,
        ``rural`` (1 = 村委会) and ``area_km2``.
    """
    for col in ("code", "township_code", "population"):
        if col not in villages.columns:
            msg = f"{describe_source(layer='villages', column=col)} is missing; add it"
            raise SchemaError(msg)
    vgeom = villages.geometry.to_numpy()
    varea = shapely.area(vgeom)
    pop = pd.to_numeric(villages["population"], errors="coerce").fillna(0.0).to_numpy(float)
    rural = rural_flag(villages)
    if grid is None:
        j = np.arange(len(villages))
        geoms = vgeom
        area = varea
        cell = np.full(len(villages), None, dtype=object)
    else:
        i, j, area, geoms = _pairs(grid, villages, geometries=True)
        cell = grid["cell_id"].to_numpy()[i]
    share = np.divide(area, varea[j], out=np.zeros_like(area), where=varea[j] > 0)
    return gpd.GeoDataFrame(
        {
            "village_code": villages["code"].astype(str).to_numpy()[j],
            "township_code": villages["township_code"].astype(str).to_numpy()[j],
            "cell_id": cell,
            "population": pop[j] * share,
            "rural": rural[j],
            "area_km2": area / 1e6,
        },
        geometry=geoms if polygons else shapely.point_on_surface(geoms),
        crs=villages.crs,
    )
