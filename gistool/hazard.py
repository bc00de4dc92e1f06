"""Hazard indicator H per analysis unit: flood and geological hazard (DESIGN §3).

Sequence (each step callable alone, DataFrame in → DataFrame out):

1. :func:`flood_class_fractions` — per return period T, the coverage-weighted
   area fraction of each unit in each depth class (overlay engine, one
   rasterisation of the units per raster grid); for grid cells that nest in
   the raster, :func:`grid_class_fractions` gets the same numbers by block
   sums; :func:`aggregate_fractions` sums parts that tile a unit (villages →
   townships); :func:`read_raster` reads a raster once for all of them;
2. :func:`flood_hazard` — per-T score ``h_T`` and the combination ``H_flood``
   across return periods;
3. :func:`susceptibility_shares` and :func:`geohazard_point_density` — area
   shares of the susceptibility classes and the people-weighted density of
   hazard points;
4. :func:`geo_hazard` — ``H_geo``;
5. :func:`combine_hazard` — ``H = w_f·mm(H_flood) + w_g·mm(H_geo)``.

:func:`hazard_indicators` runs the whole sequence for one unit layer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gistool.errors import GeometryError, SchemaError, describe_source
from gistool.units import areal_pairs

__all__ = [
    "DEPTH_BREAKS",
    "DEPTH_SCORES",
    "aggregate_fractions",
    "assign_points",
    "combine_hazard",
    "combine_return_periods",
    "density_area_km2",
    "flood_class_fractions",
    "flood_hazard",
    "geo_hazard",
    "geohazard_point_density",
    "geohazard_point_weights",
    "grid_class_fractions",
    "hazard_indicators",
    "minmax",
    "read_raster",
    "susceptibility_score",
    "susceptibility_shares",
]

#: Lower edges (m) of the flood-depth classes 0.15–0.5, 0.5–1, 1–2, > 2 m.
DEPTH_BREAKS: tuple[float, ...] = (0.15, 0.5, 1.0, 2.0)
#: Score of each depth class.
DEPTH_SCORES: tuple[float, ...] = (1.0, 2.0, 3.0, 4.0)
#: Bands larger than this are read in strips (bytes; see :func:`read_raster`).
READ_STRIP_BYTES: int = 64 * 2**20
#: Score of each geohazard susceptibility class.
SUSCEPTIBILITY_SCORES: dict[str, float] = {"high": 3.0, "medium": 2.0, "low": 1.0}


def minmax(values: Any) -> np.ndarray:
    """Min–max normalisation ``(x − min) / (max − min)`` to [0, 1].

    NaN values count as 0. When all values are equal the result is all zeros
    (no unit stands out).

    Examples
    --------
    >>> minmax([2.0, 4.0, 3.0]).tolist()
    [0.0, 1.0, 0.5]
    >>> minmax([5.0, 5.0]).tolist()
    [0.0, 0.0]
    """
    x = np.nan_to_num(np.asarray(values, dtype=float), nan=0.0)
    if x.size == 0:
        return x
    lo, hi = x.min(), x.max()
    if hi - lo <= 0:
        return np.zeros_like(x)
    return (x - lo) / (hi - lo)


def _unit_area_m2(units: gpd.GeoDataFrame) -> np.ndarray:
    return shapely.area(units.geometry.to_numpy())


# ----------------------------------------------------------------------------- flood


def flood_class_fractions(
    units: gpd.GeoDataFrame,
    raster: Any,
    *,
    breaks: Sequence[float] = DEPTH_BREAKS,
    coverage: Any = None,
    method: str = "exact",
) -> pd.DataFrame:
    """Area fraction of each unit in each flood-depth class, from one depth raster.

    ``frac_c = Σ_cells w·a·[b_c ≤ depth < b_{c+1}] / area(unit)`` where ``w``
    is the coverage fraction of a cell in the unit (exact: partial cells
    weighted by the part inside) and ``a`` the cell area. Nodata and dry cells
    count as depth 0, and so does any part of the unit off the raster: the
    fractions are shares of the whole unit area.

    Parameters
    ----------
    units
        Unit polygons in the raster's CRS.
    raster
        Path of a flood-depth GeoTIFF (metres), or anything
        :func:`gistool.overlay.zonal_stats` reads.
    breaks
        Lower class edges (m); the last class is open-ended.
    coverage
        A :class:`gistool.overlay.Coverage` of ``units`` on this raster grid,
        reused across rasters of the same grid.
    method
        ``"exact"`` or ``"centre"`` coverage when ``coverage`` is not given.

    Returns
    -------
    pandas.DataFrame
        ``frac_c1 … frac_cK`` and ``frac_wet`` (depth ≥ ``breaks[0]``), one row
        per unit, index of ``units``.
    """
    from gistool import overlay

    edges = [float(b) for b in breaks]
    classes = [(lo, hi) for lo, hi in zip(edges, [*edges[1:], None], strict=True)]
    grid = raster[1] if isinstance(raster, tuple) else overlay.RasterGrid.from_raster(raster)
    cell_area = grid.cell_area
    if coverage is None:
        coverage = overlay.coverage(units, grid, method=method)
    stats = overlay.zonal_stats(units, raster, ("count",), classes=classes, cov=coverage)
    valid_area = np.nan_to_num(stats["count"].to_numpy(dtype=float)) * cell_area
    area = _unit_area_m2(units)
    out = {}
    for k in range(len(classes)):
        share = np.nan_to_num(stats[f"hist_{k}"].to_numpy(dtype=float))
        out[f"frac_c{k + 1}"] = np.clip(
            np.divide(share * valid_area, area, out=np.zeros(len(units)), where=area > 0),
            0.0,
            1.0,
        )
    out["frac_wet"] = np.clip(sum(out.values()), 0.0, 1.0)
    return pd.DataFrame(out, index=units.index)


def read_raster(path: str | Path) -> tuple[np.ndarray, Any, float | None]:
    """Read band 1 of a raster once, as ``(array, RasterGrid, nodata)``.

    The tuple is accepted by :func:`flood_class_fractions`,
    :func:`grid_class_fractions` and :func:`gistool.overlay.zonal_stats`, so a
    raster shared by several unit layers is read from disk only once. A band
    larger than :data:`READ_STRIP_BYTES` is read in strips of whole block rows
    (GDAL's block cache then holds one strip, not a second copy of the band).
    """
    import rasterio
    from rasterio.windows import Window

    from gistool.overlay import RasterGrid

    with rasterio.open(path) as src:
        grid, nodata = RasterGrid.from_raster(src), src.nodata
        height, width, dtype = src.height, src.width, np.dtype(src.dtypes[0])
        block = src.block_shapes[0][0]
        rows = max(block, READ_STRIP_BYTES // max(width * dtype.itemsize, 1) // block * block)
        if rows >= height:
            return src.read(1), grid, nodata
    # GDAL keeps the decoded blocks of an open dataset in its cache (up to
    # GDAL_CACHEMAX, 5 % of RAM): a whole-band read would hold a second copy of
    # a large band there. Strips of whole block rows, each from a freshly
    # opened dataset, bound that copy to one strip (same values).
    out = np.empty((height, width), dtype=dtype)
    for r0 in range(0, height, rows):
        n = min(rows, height - r0)
        with rasterio.open(path) as src:
            src.read(1, window=Window(0, r0, width, n), out=out[r0 : r0 + n])
    return out, grid, nodata


def _grid_geometry(grid: gpd.GeoDataFrame) -> tuple[float, float, float] | None:
    """``(size, x0, y1)`` of a grid from :func:`gistool.units.make_grid_units`."""
    if "row" not in grid.columns or "col" not in grid.columns or len(grid) == 0:
        return None
    size = grid.attrs.get("grid_size")
    if size is None:
        return None
    size = float(size)
    x0, y1 = (float(v) for v in grid.attrs["grid_origin"])
    return size, x0, y1


def _block_counts_at_or_above(
    array: np.ndarray,
    edges: np.ndarray,
    *,
    k: int,
    offset: tuple[int, int],
    shape: tuple[int, int],
    rows: np.ndarray,
    nodata: float | None,
) -> np.ndarray:
    """Raster cells ``≥`` each edge in every ``k × k`` block of a grid: ``(K, nrow, ncol)``.

    Block ``(r, c)`` spans raster rows ``io + r·k …`` and columns ``jo + c·k …``
    (``offset = (io, jo)``, possibly negative); cells off the raster, NaN and
    (when given) ``nodata`` count as below every edge. One grid row of blocks
    is counted at a time (a strip of ``k`` raster rows), only for ``rows``: no
    full-raster temporary, so memory and time stay linear in the raster.
    """
    io, jo = offset
    nrow, ncol = shape
    height, width = array.shape
    out = np.zeros((edges.size, nrow, ncol), dtype=np.int64)
    c0, c1 = max(jo, 0), min(width, jo + ncol * k)  # raster columns inside the grid
    if c1 <= c0:
        return out
    strip = np.zeros((k, ncol * k), dtype=np.bool_)
    blocks = strip.view(np.int8).reshape(k, ncol, k)
    inner = np.int16 if k < np.iinfo(np.int16).max else np.int64
    valid = None
    for r in rows.tolist():
        r0, r1 = max(io + r * k, 0), min(height, io + (r + 1) * k)
        if r1 <= r0:
            continue
        v = array[r0:r1, c0:c1]
        part = strip[r0 - io - r * k : r1 - io - r * k, c0 - jo : c1 - jo]
        if part.shape != strip.shape:
            strip[:] = False  # the strip's cells off the raster stay dry
        if nodata is not None:
            valid = v != nodata
        for e, edge in enumerate(edges):
            np.greater_equal(v, edge, out=part)  # NaN compares False: dry
            if valid is not None:
                part &= valid
            out[e, r] = blocks.sum(axis=2, dtype=inner).sum(axis=0, dtype=np.int64)
    return out


def grid_class_fractions(
    grid: gpd.GeoDataFrame,
    raster: Any,
    *,
    breaks: Sequence[float] = DEPTH_BREAKS,
) -> pd.DataFrame:
    """Depth-class fractions of grid cells, by block sums when the raster nests in the grid.

    When every grid cell is an exact block of ``k × k`` raster cells (cell
    size a multiple of the resolution, origins on common lines), a whole cell
    needs no coverage computation: ``frac_c = n_c · a_cell / area(cell)`` with
    ``n_c`` the count of raster cells of class c in the block (block sums over
    one strip of ``k`` raster rows at a time, no full-raster temporary).
    Cells clipped by the boundary go through :func:`flood_class_fractions`
    (exact coverage). Results equal
    :func:`flood_class_fractions` on all cells; when the raster does not nest,
    that function is used for every cell.

    Parameters
    ----------
    grid
        Grid from :func:`gistool.units.make_grid_units` (``row``, ``col`` and
        the ``grid_size`` / ``grid_origin`` attributes).
    raster
        Path or ``(array, RasterGrid, nodata)`` (:func:`read_raster`).
    breaks
        Lower class edges (m).

    Returns
    -------
    pandas.DataFrame
        As :func:`flood_class_fractions`.
    """
    geo = _grid_geometry(grid)
    if not isinstance(raster, tuple):
        raster = read_raster(raster)
    array, rgrid, nodata = raster[0], raster[1], (raster[2] if len(raster) > 2 else None)
    from gistool.overlay.grid import check_same_crs

    check_same_crs(grid.crs, rgrid.crs, "the grid", "the flood raster")
    t = rgrid.transform
    res = float(t.a)
    aligned = geo is not None and abs(res + float(t.e)) < 1e-9
    if aligned:
        size, x0, y1 = geo
        k = size / res
        jo = (x0 - float(t.c)) / res
        io = (float(t.f) - y1) / res
        aligned = all(abs(v - round(v)) < 1e-6 for v in (k, jo, io)) and round(k) >= 1
    if not aligned:
        return flood_class_fractions(grid, raster, breaks=breaks)
    k, jo, io = round(k), round(jo), round(io)
    edges = np.asarray([float(b) for b in breaks])
    rows = grid["row"].to_numpy(np.int64)
    cols = grid["col"].to_numpy(np.int64)
    nodata = nodata if nodata is not None and np.isfinite(nodata) and nodata >= edges[0] else None
    blocks = _block_counts_at_or_above(
        np.asarray(array),
        edges,
        k=k,
        offset=(io, jo),
        shape=(int(rows.max()) + 1, int(cols.max()) + 1),
        rows=np.unique(rows),
        nodata=nodata,
    )
    area = _unit_area_m2(grid)
    cell_area = res * res
    out = {}
    # cells at or above each edge, per block; class c = ge[c−1] − ge[c]
    ge = [blocks[c, rows, cols] for c in range(len(edges))]
    ge.append(np.zeros(len(grid), dtype=np.int64))
    for c in range(1, len(edges) + 1):
        counts = ge[c - 1] - ge[c]
        out[f"frac_c{c}"] = np.clip(
            np.divide(counts * cell_area, area, out=np.zeros(len(grid)), where=area > 0),
            0.0,
            1.0,
        )
    res_df = pd.DataFrame(out, index=grid.index)
    clipped = np.abs(area - size * size) > 1e-6 * size * size
    if clipped.any():
        exact = flood_class_fractions(grid[clipped], raster, breaks=breaks)
        res_df.loc[clipped, list(out)] = exact[list(out)].to_numpy()
    res_df["frac_wet"] = np.clip(res_df[list(out)].sum(axis=1), 0.0, 1.0)
    return res_df


def aggregate_fractions(
    fractions: pd.DataFrame,
    part_area_m2: Any,
    positions: Any,
    unit_area_m2: Any,
) -> pd.DataFrame:
    """Area fractions of units from the fractions of the parts that tile them.

    ``frac_unit = Σ_{parts p in unit} frac_p · area_p / area(unit)``

    Exact when the parts tile the units (e.g. grid × village pieces tile both
    the grid and the villages), so one rasterisation of the parts serves every
    unit layer.

    Parameters
    ----------
    fractions
        Per-part fractions (e.g. :func:`flood_class_fractions` of the parts).
    part_area_m2
        Area of each part (m²).
    positions
        Position of each part's unit (−1 = none).
    unit_area_m2
        Area of each unit (m²).

    Returns
    -------
    pandas.DataFrame
        The same columns, one row per unit (positional index).

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"frac_c1": [1.0, 0.0, 0.5]})
    >>> aggregate_fractions(f, [1.0, 3.0, 2.0], [0, 0, 1], [4.0, 2.0])["frac_c1"].tolist()
    [0.25, 0.5]
    """
    pos = np.asarray(positions, dtype=np.int64)
    a = np.asarray(part_area_m2, dtype=float)
    ua = np.asarray(unit_area_m2, dtype=float)
    n = len(ua)
    ok = pos >= 0
    out = {}
    for col in fractions.columns:
        num = np.bincount(pos[ok], weights=(fractions[col].to_numpy(float) * a)[ok], minlength=n)
        out[col] = np.clip(np.divide(num, ua, out=np.zeros(n), where=ua > 0), 0.0, 1.0)
    return pd.DataFrame(out)


def flood_score(fractions: pd.DataFrame, *, scores: Sequence[float] = DEPTH_SCORES) -> np.ndarray:
    """Flood score of one return period from the depth-class fractions.

    ``h_T = Σ_c s_c · frac_c / max_c s_c``, in [0, 1]: 1 when the whole unit
    is in the deepest class (with scores 1–4: ``Σ s_c frac_c / 4``).

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"frac_c1": [0.5], "frac_c2": [0.0], "frac_c3": [0.0], "frac_c4": [0.25]})
    >>> flood_score(f).tolist()  # (1·0.5 + 4·0.25) / 4
    [0.375]
    """
    s = np.asarray(scores, dtype=float)
    cols = [f"frac_c{k + 1}" for k in range(len(s))]
    missing = [c for c in cols if c not in fractions.columns]
    if missing:
        msg = (
            f"depth-class fractions lack columns {missing}; compute them with flood_class_fractions"
        )
        raise SchemaError(msg)
    f = fractions[cols].to_numpy(dtype=float)
    return np.nan_to_num(f, nan=0.0) @ s / s.max()


def combine_return_periods(scores_by_T: Mapping[int, Any]) -> np.ndarray:
    """Combine per-return-period scores weighted by annual exceedance probability.

    ``H_flood = Σ_T p_T · h_T / Σ_T p_T`` with ``p_T = 1 / T``, so frequent
    floods weigh more than rare ones.

    Examples
    --------
    >>> # (0.05·0.2 + 0.01·0.8) / 0.06
    >>> combine_return_periods({20: [0.2], 100: [0.8]}).round(6).tolist()
    [0.3]
    """
    if not scores_by_T:
        msg = "no flood return periods given; add flood_depth rasters (e.g. {100: 'depth100.tif'})"
        raise ValueError(msg)
    periods = sorted(scores_by_T)
    p = np.array([1.0 / float(T) for T in periods])
    h = np.vstack([np.asarray(scores_by_T[T], dtype=float) for T in periods])
    return (p[:, None] * h).sum(axis=0) / p.sum()


def flood_hazard(
    fractions_by_T: Mapping[int, pd.DataFrame], *, scores: Sequence[float] = DEPTH_SCORES
) -> pd.DataFrame:
    """Flood hazard per unit from depth-class fractions of several return periods.

    Per return period T: ``h_T = Σ_c s_c·frac_c / max s`` (:func:`flood_score`);
    combined: ``H_flood = Σ p_T h_T / Σ p_T``, ``p_T = 1/T``
    (:func:`combine_return_periods`).

    Returns
    -------
    pandas.DataFrame
        ``flood_frac_<T>`` (area fraction with depth ≥ the first class edge),
        ``flood_h_<T>`` and ``H_flood``.
    """
    out: dict[str, Any] = {}
    h: dict[int, np.ndarray] = {}
    index = None
    for T in sorted(fractions_by_T):
        fr = fractions_by_T[T]
        index = fr.index
        h[T] = flood_score(fr, scores=scores)
        wet = fr["frac_wet"] if "frac_wet" in fr.columns else fr.filter(like="frac_c").sum(axis=1)
        out[f"flood_frac_{T}"] = np.asarray(wet, dtype=float)
        out[f"flood_h_{T}"] = h[T]
    out["H_flood"] = combine_return_periods(h)
    return pd.DataFrame(out, index=index)


# ----------------------------------------------------------------------------- geological


def susceptibility_shares(
    units: gpd.GeoDataFrame, zones: gpd.GeoDataFrame | None, *, column: str = "susceptibility"
) -> pd.DataFrame:
    """Area share of each susceptibility class (high, medium, low) in each unit.

    ``share_k = area(unit ∩ zones of class k) / area(unit)``, exact polygon
    overlay. Units outside every zone get 0.

    Returns
    -------
    pandas.DataFrame
        ``share_high``, ``share_medium``, ``share_low``, index of ``units``.
    """
    cols = {f"share_{k}": np.zeros(len(units)) for k in SUSCEPTIBILITY_SCORES}
    if zones is not None and len(zones):
        if column not in zones.columns:
            msg = f"{describe_source(layer='geohazard_zones', column=column)} is missing; add it"
            raise SchemaError(msg)
        cls = zones[column].astype(str).str.lower().to_numpy()
        bad = sorted(set(cls) - set(SUSCEPTIBILITY_SCORES))
        if bad:
            msg = (
                f"{describe_source(layer='geohazard_zones', column=column)} has values {bad}; "
                f"use one of {sorted(SUSCEPTIBILITY_SCORES)}"
            )
            raise SchemaError(msg)
        i, j, a = areal_pairs(units, zones)
        area = _unit_area_m2(units)
        for k in SUSCEPTIBILITY_SCORES:
            m = cls[j] == k
            tot = np.bincount(i[m], weights=a[m], minlength=len(units))
            cols[f"share_{k}"] = np.clip(
                np.divide(tot, area, out=np.zeros(len(units)), where=area > 0), 0.0, 1.0
            )
    return pd.DataFrame(cols, index=units.index)


def susceptibility_score(
    shares: pd.DataFrame, *, scores: Mapping[str, float] = SUSCEPTIBILITY_SCORES
) -> np.ndarray:
    """Zone score ``g_zone = Σ_k share_k · s_k / max s`` (high 3, medium 2, low 1 → /3).

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"share_high": [0.5], "share_medium": [0.0], "share_low": [0.5]})
    >>> susceptibility_score(s).tolist()  # (3·0.5 + 1·0.5) / 3
    [0.6666666666666666]
    """
    top = max(scores.values())
    g = np.zeros(len(shares))
    for k, s in scores.items():
        col = f"share_{k}"
        if col in shares.columns:
            g = g + shares[col].to_numpy(dtype=float) * float(s)
    return g / top


def geohazard_point_weights(points: gpd.GeoDataFrame) -> np.ndarray:
    """Weight of each geohazard point: ``w = 1 + ln(1 + threatened_people)``.

    A point threatening nobody (or with the column missing) counts 1; one
    threatening 100 people counts ≈ 5.6 — people matter, but logarithmically,
    so one large point does not swamp a cluster of small ones.
    """
    if "threatened_people" in points.columns:
        people = pd.to_numeric(points["threatened_people"], errors="coerce").fillna(0.0)
        people = np.clip(people.to_numpy(dtype=float), 0.0, None)
    else:
        people = np.zeros(len(points))
    return 1.0 + np.log1p(people)


def assign_points(points: gpd.GeoDataFrame, units: gpd.GeoDataFrame) -> np.ndarray:
    """Position of the unit containing each point, −1 for points outside every unit.

    A point on a shared border goes to the first unit found.
    """
    if points.crs != units.crs:
        msg = (
            f"CRS mismatch: points in {points.crs}, units in {units.crs}; "
            "project both layers to the working CRS with .to_crs()"
        )
        raise GeometryError(msg)
    out = np.full(len(points), -1, dtype=np.int64)
    if len(points) == 0 or len(units) == 0:
        return out
    pts = points.geometry.to_numpy()
    ip, iu = shapely.STRtree(units.geometry.to_numpy()).query(pts, predicate="intersects")
    # first hit per point
    order = np.lexsort((iu, ip))
    ip, iu = ip[order], iu[order]
    first = np.r_[True, ip[1:] != ip[:-1]] if len(ip) else np.array([], bool)
    out[ip[first]] = iu[first]
    return out


def density_area_km2(units: gpd.GeoDataFrame) -> np.ndarray:
    """Area (km²) that densities of a unit layer are taken over.

    The unit's own area, except for grid cells from
    :func:`gistool.units.make_grid_units`, which use the nominal cell area
    (size²): a boundary sliver of a few m² holding one point would otherwise
    get an absurd density and top the ranking.
    """
    size = units.attrs.get("grid_size") if "row" in units.columns else None
    if size is not None:
        return np.full(len(units), float(size) ** 2 / 1e6)
    return _unit_area_m2(units) / 1e6


def geohazard_point_density(
    units: gpd.GeoDataFrame,
    points: gpd.GeoDataFrame | None,
    *,
    area_km2: Any = None,
) -> np.ndarray:
    """People-weighted density of geohazard points per unit (weight per km²).

    ``d = Σ_{points in unit} (1 + ln(1 + threatened_people)) / area_km2``
    (:func:`geohazard_point_weights`), with ``area_km2`` from
    :func:`density_area_km2` unless given.
    """
    area_km2 = density_area_km2(units) if area_km2 is None else np.asarray(area_km2, float)
    if points is None or len(points) == 0:
        return np.zeros(len(units))
    pos = assign_points(points, units)
    w = geohazard_point_weights(points)
    m = pos >= 0
    tot = np.bincount(pos[m], weights=w[m], minlength=len(units))
    return np.divide(tot, area_km2, out=np.zeros(len(units)), where=area_km2 > 0)


def geo_hazard(
    zone_score: Any, point_density: Any, *, w_zone: float = 0.6, w_points: float = 0.4
) -> np.ndarray:
    """Geological hazard ``H_geo = w_zone·g_zone + w_points·mm(d)``.

    ``g_zone`` is :func:`susceptibility_score` (already in [0, 1]); the point
    density ``d`` (:func:`geohazard_point_density`) is min–max normalised
    across the units.
    """
    return w_zone * np.asarray(zone_score, dtype=float) + w_points * minmax(point_density)


def combine_hazard(
    H_flood: Any, H_geo: Any, *, w_flood: float = 0.7, w_geo: float = 0.3
) -> np.ndarray:
    """Combined hazard ``H = w_f·mm(H_flood) + w_g·mm(H_geo)`` (defaults 0.7 / 0.3).

    Examples
    --------
    >>> combine_hazard([0.0, 0.2, 0.4], [1.0, 0.0, 0.0]).round(6).tolist()
    [0.3, 0.35, 0.7]
    """
    return w_flood * minmax(H_flood) + w_geo * minmax(H_geo)


def hazard_indicators(
    units: gpd.GeoDataFrame,
    *,
    flood_depth: Mapping[int, str | Path] | None = None,
    geohazard_zones: gpd.GeoDataFrame | None = None,
    geohazard_points: gpd.GeoDataFrame | None = None,
    breaks: Sequence[float] = DEPTH_BREAKS,
    scores: Sequence[float] = DEPTH_SCORES,
    w_flood: float = 0.7,
    w_geo: float = 0.3,
    w_zone: float = 0.6,
    w_points: float = 0.4,
    fractions_by_T: Mapping[int, pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """All hazard indicators of one unit layer.

    Runs :func:`flood_class_fractions` (:func:`grid_class_fractions` for a
    grid from :func:`gistool.units.make_grid_units`; neither when
    ``fractions_by_T`` is given),
    :func:`flood_hazard`, :func:`susceptibility_shares`,
    :func:`geohazard_point_density`, :func:`geo_hazard` and
    :func:`combine_hazard`.

    Returns
    -------
    pandas.DataFrame
        ``flood_frac_<T>``, ``flood_h_<T>``, ``H_flood``, ``share_high``,
        ``share_medium``, ``share_low``, ``g_zone``, ``geo_point_density``,
        ``H_geo`` and ``H``, index of ``units``.
    """
    if fractions_by_T is None:
        fractions_by_T = {}
        if flood_depth:
            from gistool import overlay

            covs: dict[Any, Any] = {}
            for T, path in sorted(flood_depth.items()):
                if _grid_geometry(units) is not None:  # grid cells: block sums
                    fractions_by_T[T] = grid_class_fractions(units, path, breaks=breaks)
                    continue
                grid = overlay.RasterGrid.from_raster(path)
                if grid.key() not in covs:  # rasterise the units once per grid
                    covs[grid.key()] = overlay.coverage(units, grid)
                fractions_by_T[T] = flood_class_fractions(
                    units, path, breaks=breaks, coverage=covs[grid.key()]
                )
    if fractions_by_T:
        fl = flood_hazard(fractions_by_T, scores=scores)
    else:
        fl = pd.DataFrame({"H_flood": np.zeros(len(units))}, index=units.index)
    fl.index = units.index
    sh = susceptibility_shares(units, geohazard_zones)
    g_zone = susceptibility_score(sh)
    dens = geohazard_point_density(units, geohazard_points)
    H_geo = geo_hazard(g_zone, dens, w_zone=w_zone, w_points=w_points)
    out = pd.concat([fl, sh], axis=1)
    out["g_zone"] = g_zone
    out["geo_point_density"] = dens
    out["H_geo"] = H_geo
    out["H"] = combine_hazard(out["H_flood"], H_geo, w_flood=w_flood, w_geo=w_geo)
    return out
