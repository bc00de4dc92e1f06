"""Synthetic geological-hazard layers of the embedded Changge dataset.

**Synthetic.** No public geohazard inventory or susceptibility map of Changge
is available offline. The layers follow the county's described pattern:
collapses and landslides on the slopes of the low north-western hills
(佛耳湖镇 / 石固镇 side) and ground subsidence with fissures around a former
mining area at their foot (position illustrative, :data:`MINING_AREA_LONLAT`).

Susceptibility is a score on a 100 m grid,

.. math:: s = 0.55\\,\\hat\\theta + 0.25\\,\\hat z + 0.7\\,e^{-(d_m / 2.2\\,\\mathrm{km})^2},

with :math:`\\hat\\theta` the slope (degrees) over 8°, :math:`\\hat z` the
height above 110 m over 60 m (both clipped to 0…1) and :math:`d_m` the
distance to the mining area, smoothed over ~300 m. Superlevel sets of the
score at :data:`THRESHOLDS` give nested high ⊂ medium ⊂ low regions; the zones
are their differences, so they never overlap.
"""

from __future__ import annotations

from typing import Final

import geopandas as gpd
import numpy as np
import shapely
from affine import Affine

from gistool.datasets.admin import SEED, _project_lonlat

#: Former mining subsidence area (lon, lat), illustrative.
MINING_AREA_LONLAT: Final[tuple[float, float]] = (113.685, 34.270)
#: Score thresholds of the susceptibility classes.
THRESHOLDS: Final[dict[str, float]] = {"high": 0.55, "medium": 0.36, "low": 0.22}
#: Number of hazard points per type.
POINT_COUNTS: Final[dict[str, int]] = {
    "collapse": 14,
    "landslide": 12,
    "subsidence": 16,
    "fissure": 8,
}
#: Grid cell of the susceptibility analysis (m).
CELL: Final[float] = 100.0
#: Zone parts smaller than this are dropped (m²).
MIN_PART: Final[float] = 100_000.0

_HAZARD_LABEL: Final[dict[str, str]] = {
    "collapse": "崩塌",
    "landslide": "滑坡",
    "subsidence": "地面塌陷",
    "fissure": "地裂缝",
}


def _coarsen(dem: np.ndarray, transform: Affine, cell: float) -> tuple[np.ndarray, Affine]:
    """Block-mean the DEM to ``cell`` metres (trailing rows/columns dropped)."""
    f = max(1, round(cell / transform.a))
    h, w = (dem.shape[0] // f) * f, (dem.shape[1] // f) * f
    coarse = dem[:h, :w].reshape(h // f, f, w // f, f).mean(axis=(1, 3))
    return coarse, transform @ Affine.scale(f)


def susceptibility_score(
    dem: np.ndarray, transform: Affine, mining_xy: np.ndarray
) -> tuple[np.ndarray, Affine, np.ndarray]:
    """Susceptibility score (module docstring formula) and slope on a 100 m grid.

    Returns
    -------
    score, transform, slope
        Score (0…~1.5), the coarse grid's transform, slope in degrees.
    """
    from scipy import ndimage

    z, tr = _coarsen(np.asarray(dem, dtype=np.float64), transform, CELL)
    gy, gx = np.gradient(z, abs(tr.e), tr.a)
    slope = np.degrees(np.arctan(np.hypot(gx, gy)))
    rows, cols = np.indices(z.shape)
    x = tr.c + (cols + 0.5) * tr.a
    y = tr.f + (rows + 0.5) * tr.e
    d_mine = np.hypot(x - mining_xy[0], y - mining_xy[1])
    score = (
        0.55 * np.clip(slope / 8.0, 0, 1)
        + 0.25 * np.clip((z - 110.0) / 60.0, 0, 1)
        + 0.7 * np.exp(-((d_mine / 2_200.0) ** 2))
    )
    return ndimage.gaussian_filter(score, 3.0), tr, slope


def _superlevel_polygon(mask: np.ndarray, tr: Affine) -> shapely.Geometry:
    from rasterio import features

    shapes = [
        shapely.geometry.shape(geom)
        for geom, val in features.shapes(mask.astype(np.uint8), mask=mask, transform=tr)
        if val == 1
    ]
    if not shapes:
        return shapely.Polygon()
    poly = shapely.union_all(shapes)
    # round the 100 m staircase into smooth outlines
    return shapely.simplify(poly.buffer(CELL, quad_segs=4).buffer(-CELL, quad_segs=4), 20.0)


def make_geohazard_zones(
    dem: np.ndarray, transform: Affine, boundary: gpd.GeoDataFrame
) -> gpd.GeoDataFrame:
    """High / medium / low susceptibility zones, non-overlapping, cut to the boundary.

    Returns
    -------
    geopandas.GeoDataFrame
        ``susceptibility`` (high, medium, low), single-part polygons over
        :data:`MIN_PART`, in the boundary's CRS.
    """
    crs = boundary.crs
    outline = boundary.geometry.union_all()
    mining = _project_lonlat(np.array([MINING_AREA_LONLAT]), crs)[0]
    score, tr, _ = susceptibility_score(dem, transform, mining)
    nested = {}
    inner = None
    for level in ("high", "medium", "low"):
        poly = shapely.intersection(_superlevel_polygon(score >= THRESHOLDS[level], tr), outline)
        if inner is not None:
            poly = shapely.union(poly, inner)  # keep nesting after smoothing
        nested[level] = poly
        inner = poly
    rows, geoms = [], []
    prev = None
    for level in ("high", "medium", "low"):
        zone = nested[level] if prev is None else shapely.difference(nested[level], prev)
        prev = nested[level]
        for part in shapely.get_parts(zone):
            if part.geom_type == "Polygon" and part.area >= MIN_PART:
                rows.append(level)
                geoms.append(part)
    return gpd.GeoDataFrame({"susceptibility": rows}, geometry=geoms, crs=crs)


def make_geohazard_points(
    dem: np.ndarray,
    transform: Affine,
    boundary: gpd.GeoDataFrame,
    villages: gpd.GeoDataFrame,
    *,
    exclude: shapely.Geometry | None = None,
    seed: int = SEED,
) -> gpd.GeoDataFrame:
    """Hazard points: collapses and landslides on steep hill slopes, subsidence and
    fissures around the former mining area.

    Collapse cells are drawn with probability ∝ slope³ among cells steeper than
    4°, landslides ∝ slope² × height; subsidence is Gaussian (σ 1.2 km) around
    the mining area, fissures on a ring 1.5–3 km from it. ``threatened_people``
    is log-normal (median 25; 60 for subsidence, where houses stand on the
    undermined ground).

    Returns
    -------
    geopandas.GeoDataFrame
        ``id`` (``G001``…), ``hazard_type``, ``name`` (village + type),
        ``threatened_people``, ``township_code``, ``village_code``, points.
    """
    from gistool.datasets.points import containing_code

    rng = np.random.default_rng(seed + 3)
    crs = boundary.crs
    outline = boundary.geometry.union_all()
    shapely.prepare(outline)
    if exclude is not None:
        shapely.prepare(exclude)
    mining = _project_lonlat(np.array([MINING_AREA_LONLAT]), crs)[0]
    _, tr, slope = susceptibility_score(dem, transform, mining)
    z, _ = _coarsen(np.asarray(dem, dtype=np.float64), transform, CELL)
    rows, cols = np.indices(slope.shape)
    cx = (tr.c + (cols + 0.5) * tr.a).ravel()
    cy = (tr.f + (rows + 0.5) * tr.e).ravel()
    inside = shapely.contains_xy(outline, cx, cy)
    s = slope.ravel()
    hz = np.clip(z.ravel() - 100.0, 1.0, None)

    def valid(xy: np.ndarray) -> np.ndarray:
        ok = shapely.contains_xy(outline, xy[:, 0], xy[:, 1])
        if exclude is not None:
            ok &= ~shapely.contains_xy(exclude, xy[:, 0], xy[:, 1])
        return ok

    def from_cells(weight: np.ndarray, k: int) -> np.ndarray:
        w = np.where(inside, weight, 0.0)
        picks = rng.choice(len(w), size=4 * k, replace=False, p=w / w.sum())
        xy = np.column_stack([cx[picks], cy[picks]]) + rng.uniform(-CELL / 2, CELL / 2, (4 * k, 2))
        return xy[valid(xy)][:k]

    def around(k: int, r_min: float, r_max: float, sigma: float | None) -> np.ndarray:
        out = np.empty((0, 2))
        while len(out) < k:
            if sigma is None:
                r = rng.uniform(r_min, r_max, 4 * k)
            else:
                r = np.abs(rng.normal(0.0, sigma, 4 * k))
            a = rng.uniform(0, 2 * np.pi, 4 * k)
            xy = mining + np.column_stack([r * np.cos(a), r * np.sin(a)])
            out = np.vstack([out, xy[valid(xy)]])
        return out[:k]

    steep = s > 4.0
    parts = {
        "collapse": from_cells(np.where(steep, s**3, 0.0), POINT_COUNTS["collapse"]),
        "landslide": from_cells(np.where(steep, s**2 * hz, 0.0), POINT_COUNTS["landslide"]),
        "subsidence": around(POINT_COUNTS["subsidence"], 0.0, 0.0, 1_200.0),
        "fissure": around(POINT_COUNTS["fissure"], 1_500.0, 3_000.0, None),
    }
    kinds = np.concatenate([[k] * len(v) for k, v in parts.items()])
    xy = np.vstack(list(parts.values()))
    people = (
        np.where(
            kinds == "subsidence",
            rng.lognormal(np.log(60.0), 0.7, len(kinds)),
            rng.lognormal(np.log(25.0), 0.8, len(kinds)),
        )
        .round()
        .astype(np.int64)
    )
    pts = shapely.points(xy)
    vcode = containing_code(pts, villages)
    vname = villages.set_index("code").loc[vcode, "name"].to_numpy()
    names = [f"{_place_name(v)}{_HAZARD_LABEL[k]}" for v, k in zip(vname, kinds, strict=True)]
    gdf = gpd.GeoDataFrame(
        {
            "id": [f"G{i + 1:03d}" for i in range(len(kinds))],
            "hazard_type": kinds,
            "name": names,
            "threatened_people": people,
            "township_code": [c[:9] for c in vcode],
            "village_code": vcode,
        },
        geometry=pts,
        crs=crs,
    )
    return gdf


def _place_name(village: str) -> str:
    """Short place name of a village-level unit: 'X村委会' → 'X村', 'X居委会' → 'X社区'.

    Examples
    --------
    >>> _place_name("后河村委会"), _place_name("学苑路社区居委会"), _place_name("建南居委会")
    ('后河村', '学苑路社区', '建南社区')
    """
    if village.endswith("村委会"):
        return village.removesuffix("委会")
    place = village.removesuffix("居委会")
    return place if place.endswith("社区") else place + "社区"
