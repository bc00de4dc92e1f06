"""Synthetic rivers, river valleys and flood-depth rasters of the embedded Changge dataset.

**Synthetic.** The courses of the 双洎河 (crossing the north-east, west → east),
the 清潩河 (north → south through the city) and the 小洪河 (west / south-west)
follow the real rivers only roughly: control points placed from general
knowledge of the county, joined by a smooth spline and given meanders. The
tributaries' names (石梁河, 大浪沟, 运粮河) are plausible, not surveyed. No
public flood map of Changge exists; the depth rasters are derived from the DEM
and the rivers by a height-above-nearest-drainage (HAND) model:

1. :func:`make_rivers` traces each river (upstream → downstream);
2. :func:`carve_valleys` cuts a channel and a valley along each river into the
   DEM, with a bed that never rises downstream;
3. :func:`make_flood_depths` floods every cell whose height above its nearest
   river cell is below that river's stage for the return period (and which
   the water can reach), and adds rain ponding in hollows of the low plain.

Measured on the embedded dataset (seed 411082, 10 m cells): about 4.6 % of the
county wet at 20 years (3.9 % at ≥ 0.15 m), 10.4 % at 50 and 17.3 % at 100
(13 % at ≥ 0.15 m), every depth class up to > 2 m present.

:func:`make_terrain` runs the DEM and these three steps together.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from gistool.datasets.terrain import CRS, boundary_geometry, make_dem
from gistool.errors import CRSError, GeometryError, InputError

if TYPE_CHECKING:
    from affine import Affine

#: Outside-the-boundary value of the flood-depth rasters.
NODATA: Final[float] = -9999.0
#: Depths below this (m) are written as 0 (dry).
MIN_DEPTH: Final[float] = 0.02
#: Return periods (years) of the embedded flood scenarios.
RETURN_PERIODS: Final[tuple[int, ...]] = (20, 50, 100)


@dataclass(frozen=True)
class RiverSpec:
    """Course of one synthetic river.

    Attributes
    ----------
    name
        Chinese name.
    width_m
        Channel width (m).
    points
        Control points (EPSG:4547 metres), upstream first.
    tributary_of
        Name of the river it joins (its last control point is moved onto that
        river), or ``None``.
    meander
        Meander amplitude (m).
    """

    name: str
    width_m: float
    points: tuple[tuple[float, float], ...]
    tributary_of: str | None = None
    meander: float = 120.0


#: The embedded rivers, parents before tributaries. APPROXIMATE courses.
RIVERS: Final[tuple[RiverSpec, ...]] = (
    RiverSpec(
        "双洎河",
        60.0,
        (
            (481_000, 3_801_600),
            (482_800, 3_797_700),
            (486_500, 3_793_900),
            (490_000, 3_792_300),
            (495_000, 3_791_100),
            (500_500, 3_789_200),
            (505_500, 3_788_900),
            (509_500, 3_785_800),
            (513_600, 3_783_400),
        ),
        meander=180.0,
    ),
    RiverSpec(
        "清潩河",
        40.0,
        (
            (477_500, 3_798_000),
            (478_200, 3_794_500),
            (479_100, 3_790_500),
            (479_000, 3_788_000),
            (479_800, 3_784_500),
            (480_800, 3_779_600),
        ),
        meander=140.0,
    ),
    RiverSpec(
        "小洪河",
        25.0,
        (
            (467_600, 3_790_600),
            (469_000, 3_788_600),
            (471_000, 3_786_000),
            (472_500, 3_783_500),
            (473_600, 3_780_000),
        ),
    ),
    RiverSpec(
        "石梁河",
        15.0,
        ((471_500, 3_795_300), (473_500, 3_794_000), (476_000, 3_792_800), (478_600, 3_792_000)),
        tributary_of="清潩河",
        meander=90.0,
    ),
    RiverSpec(
        "大浪沟",
        12.0,
        ((489_500, 3_786_000), (491_500, 3_788_500), (493_500, 3_791_300)),
        tributary_of="双洎河",
        meander=70.0,
    ),
    RiverSpec(
        "运粮河",
        15.0,
        ((497_000, 3_787_000), (501_000, 3_785_000), (505_000, 3_783_000), (508_200, 3_779_400)),
        meander=90.0,
    ),
)


@dataclass(frozen=True)
class Valley:
    """Cross-section of a river valley, from the channel width.

    Height above the river bed at distance ``d`` (m) from the centre line, with
    :math:`e = \\max(d - w/2, 0)` the distance from the channel edge:

    .. math::

        b(d) = D_c\\,\\min(e/20, 1) + (D_t - D_c)(1 - e^{-e/L}) + 0.04\\,\\max(e - 1.5L, 0)

    a channel of depth :math:`D_c = 1.5 + 0.025w`, a floodplain rising to the
    valley top :math:`D_t = 3 + 0.08w` over a length :math:`L = 200 + 8w`, and
    4 % valley walls beyond 1.5 L (they only bite where the land is high, in the hills).

    Examples
    --------
    >>> v = Valley(20.0)
    >>> v.channel_depth, v.total_depth, v.length
    (2.0, 4.6, 360.0)
    >>> round(v.stage(20), 3), round(v.stage(100), 3)
    (2.572, 3.508)
    """

    width: float

    @property
    def channel_depth(self) -> float:
        """:math:`D_c` (m)."""
        return 1.5 + 0.025 * self.width

    @property
    def total_depth(self) -> float:
        """:math:`D_t` (m)."""
        return 3.0 + 0.08 * self.width

    @property
    def length(self) -> float:
        """:math:`L` (m)."""
        return 200.0 + 8.0 * self.width

    def stage(self, return_period: float) -> float:
        """Flood stage above the river bed (m) for a return period (years).

        :math:`S_T = D_c + (D_t - D_c)\\,f_T`, with
        :math:`f_T = 0.22 + 0.36\\,\\log_5(T/20)` (0.22 at 20 years, 0.36 at 50,
        0.58 at 100): rising with the return period and with the river's size.
        """
        f = 0.22 + 0.36 * math.log(return_period / 20.0) / math.log(5.0)
        return self.channel_depth + (self.total_depth - self.channel_depth) * max(f, 0.0)


def _bank_height(d: np.ndarray, near: np.ndarray, widths: np.ndarray) -> np.ndarray:
    """Vectorised :class:`Valley` profile :math:`b(d)`, cells taking their nearest
    river's (index ``near``) parameters; float32."""
    w = widths.astype(np.float32)
    half, dc = (w / 2.0)[near], (1.5 + 0.025 * w)[near]
    rise, length = (3.0 + 0.08 * w - (1.5 + 0.025 * w))[near], (200.0 + 8.0 * w)[near]
    e = np.maximum(d - half, np.float32(0.0))
    out = dc * np.minimum(e / np.float32(20.0), np.float32(1.0))
    out += rise * (np.float32(1.0) - np.exp(-e / length))
    out += np.float32(0.04) * np.maximum(e - np.float32(1.5) * length, np.float32(0.0))
    return out


def _smooth_course(
    points: np.ndarray, *, step: float, meander: float, rng: np.random.Generator
) -> np.ndarray:
    """A smooth, meandering curve through control points, sampled every ``step`` m.

    The meander offset is tapered to zero at both ends so that the curve starts
    and ends exactly at the first and last control points.
    """
    from scipy.interpolate import CubicSpline

    chord = np.r_[0.0, np.cumsum(np.hypot(*np.diff(points, axis=0).T))]
    spline = CubicSpline(chord, points, bc_type="natural")
    s = np.linspace(0.0, chord[-1], max(int(chord[-1] / step), 2) + 1)
    xy = spline(s)
    tangent = spline(s, 1)
    tangent /= np.hypot(tangent[:, 0], tangent[:, 1])[:, None]
    normal = np.column_stack([-tangent[:, 1], tangent[:, 0]])
    wavelengths = np.array([2_600.0, 1_100.0, 6_500.0])
    weights = np.array([1.0, 0.35, 0.8])
    phases = rng.uniform(0.0, 2.0 * math.pi, size=3)
    wave = (weights[None, :] * np.sin(2 * math.pi * s[:, None] / wavelengths + phases)).sum(1)
    taper = np.clip(np.minimum(s, chord[-1] - s) / 1_500.0, 0.0, 1.0) ** 2
    xy = xy + normal * (meander * taper * wave / weights.sum() * 1.6)[:, None]
    # Re-sample at an even spacing along the meandering curve.
    arc = np.r_[0.0, np.cumsum(np.hypot(*np.diff(xy, axis=0).T))]
    t = np.r_[np.arange(0.0, arc[-1], step), arc[-1]]
    return np.column_stack([np.interp(t, arc, xy[:, 0]), np.interp(t, arc, xy[:, 1])])


def _longest_run(inside: np.ndarray) -> slice:
    """Slice of the longest run of ``True`` in a boolean vector (empty if none)."""
    if not inside.any():
        return slice(0, 0)
    padded = np.r_[False, inside, False].astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    starts, stops = edges[::2], edges[1::2]
    k = int(np.argmax(stops - starts))
    return slice(int(starts[k]), int(stops[k]))


def make_rivers(
    dem: np.ndarray,
    transform: Affine,
    boundary: BaseGeometry | gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    seed: int,
    specs: tuple[RiverSpec, ...] = RIVERS,
) -> gpd.GeoDataFrame:
    """Trace the synthetic rivers (upstream → downstream) over the DEM's grid.

    Each river is a smooth meandering curve through its control points
    (:data:`RIVERS`), with vertices every 20 m; a tributary ends exactly on a
    vertex of the river it joins. A river is cut to its longest stretch inside
    the boundary buffered by 150 m (and inside the DEM grid), so it may run
    slightly beyond the outline. Rivers flow downhill once
    :func:`carve_valleys` has cut their beds into the DEM; a river drawn
    uphill on ``dem`` (start lower than end by more than 5 m) is reversed,
    unless it is a tributary (it must end on its parent).

    Parameters
    ----------
    dem
        Elevations (m) on the grid of ``transform``.
    transform
        Affine transform of the grid (EPSG:4547).
    boundary
        Study-area outline.
    seed
        Random seed of the meanders.
    specs
        River courses, parents before tributaries.

    Returns
    -------
    geopandas.GeoDataFrame
        ``name``, ``width_m`` and LineString geometry, EPSG:4547, in ``specs`` order.
    """
    outline = boundary_geometry(boundary).buffer(150.0)
    height, width = dem.shape
    res = transform.a
    x0, y1 = transform.c, transform.f
    grid_box = shapely.box(x0 + res, y1 - (height - 1) * res, x0 + (width - 1) * res, y1 - res)
    area = outline.intersection(grid_box)
    rng = np.random.default_rng([seed, 2])
    done: dict[str, np.ndarray] = {}
    names, widths, lines = [], [], []
    for spec in specs:
        points = np.asarray(spec.points, dtype=float)
        if spec.tributary_of is not None:
            parent = done[spec.tributary_of]
            k = int(np.argmin(np.hypot(*(parent - points[-1]).T)))
            points[-1] = parent[k]
        course = _smooth_course(points, step=2.5, meander=spec.meander, rng=rng)
        vertices = np.r_[course[:-1:8], course[-1:]]
        if spec.tributary_of is not None:
            vertices[-1] = points[-1]  # exactly the parent's vertex
        run = _longest_run(shapely.contains_xy(area, vertices[:, 0], vertices[:, 1]))
        vertices = vertices[run]
        if len(vertices) < 2:
            continue
        rows, cols = rowcol(transform, vertices[:, 0], vertices[:, 1])
        z = dem[rows, cols]
        if spec.tributary_of is None and z[:50].mean() < z[-50:].mean() - 5.0:
            vertices = vertices[::-1]
        done[spec.name] = vertices
        names.append(spec.name)
        widths.append(spec.width_m)
        lines.append(shapely.linestrings(vertices))
    return gpd.GeoDataFrame({"name": names, "width_m": widths}, geometry=lines, crs=CRS)


def river_channels(rivers: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Channel polygons of the rivers: each line buffered by half its ``width_m``.

    Parameters
    ----------
    rivers
        Lines with ``name`` and ``width_m`` (a missing width counts as 20 m).

    Returns
    -------
    geopandas.GeoDataFrame
        ``name``, ``width_m`` and Polygon geometry, in the rivers' CRS.
    """
    widths = (
        rivers["width_m"].fillna(20.0).to_numpy(float)
        if "width_m" in rivers
        else np.full(len(rivers), 20.0)
    )
    polys = shapely.buffer(rivers.geometry.to_numpy(), widths / 2.0)
    return gpd.GeoDataFrame(
        {"name": rivers["name"].to_numpy(), "width_m": widths}, geometry=polys, crs=rivers.crs
    )


def rowcol(transform: Affine, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices of the cells containing points (north-up grid)."""
    cols = np.floor((np.asarray(x) - transform.c) / transform.a).astype(np.intp)
    rows = np.floor((np.asarray(y) - transform.f) / transform.e).astype(np.intp)
    return rows, cols


def river_cells(
    line: BaseGeometry, transform: Affine, shape: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """Cells a river line passes through, in flow order, each once.

    The line is densified to a quarter cell, so consecutive cells are
    8-neighbours; a cell visited again later keeps its first position.

    Returns
    -------
    tuple
        ``(rows, cols)`` index arrays, upstream first, inside the grid.

    Examples
    --------
    >>> from affine import Affine
    >>> rows, cols = river_cells(
    ...     shapely.LineString([(5, 25), (25, 5)]), Affine(10, 0, 0, 0, -10, 30), (3, 3))
    >>> rows.tolist(), cols.tolist()
    ([0, 1, 2], [0, 1, 2])
    """
    dense = shapely.get_coordinates(shapely.segmentize(line, abs(transform.a) / 4.0))
    rows, cols = rowcol(transform, dense[:, 0], dense[:, 1])
    ok = (rows >= 0) & (rows < shape[0]) & (cols >= 0) & (cols < shape[1])
    flat = rows[ok] * shape[1] + cols[ok]
    _, first = np.unique(flat, return_index=True)
    flat = flat[np.sort(first)]
    return flat // shape[1], flat % shape[1]


def _rasterise_rivers(
    rivers: gpd.GeoDataFrame, transform: Affine, shape: tuple[int, int]
) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
    """River index raster (−1 where no river; the first river listed wins) and cells."""
    _check_rivers(rivers)
    label = np.full(shape, -1, dtype=np.int32)
    cells = []
    for i, line in enumerate(rivers.geometry.to_numpy()):
        r, c = river_cells(line, transform, shape)
        free = label[r, c] < 0
        label[r[free], c[free]] = i
        cells.append((r, c))
    if not (label >= 0).any():
        msg = (
            "no river line crosses the raster grid; pass rivers in the grid's CRS "
            "(EPSG:4547 for the embedded dataset) that overlap the DEM"
        )
        raise InputError(msg)
    return label, cells


def _check_rivers(rivers: gpd.GeoDataFrame) -> None:
    """Refuse river layers that cannot be laid on a metric grid."""
    if rivers.crs is not None and not rivers.crs.is_projected:
        msg = (
            f"rivers layer is in {rivers.crs.to_string()}, not a projected CRS in metres; "
            "reproject it first: rivers.to_crs('EPSG:4547')"
        )
        raise CRSError(msg)
    kinds = set(rivers.geom_type.dropna())
    if not kinds <= {"LineString"}:
        msg = (
            f"rivers layer must hold LineStrings, got {sorted(kinds)}; "
            "explode multi-part lines first: rivers.explode(index_parts=False)"
        )
        raise GeometryError(msg)


def _nearest_river(label: np.ndarray, res: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distance (m) to, and row/col of, the nearest river cell of every cell."""
    from scipy.ndimage import distance_transform_edt

    dist, (ir, ic) = distance_transform_edt(label < 0, sampling=res, return_indices=True)
    return dist.astype(np.float32), ir, ic


def _widths(rivers: gpd.GeoDataFrame) -> np.ndarray:
    if "width_m" in rivers:
        return rivers["width_m"].fillna(20.0).to_numpy(float)
    return np.full(len(rivers), 20.0)


def carve_valleys(dem: np.ndarray, transform: Affine, rivers: gpd.GeoDataFrame) -> np.ndarray:
    """Cut river channels and valleys into a DEM, beds falling downstream.

    Along each river (in the order listed; tributaries after the rivers they
    join) the bed is the running minimum of the smoothed elevation, lowered by
    the valley depth :math:`D_t`; a tributary's bed stays at or above the bed
    where it joins. Every cell then becomes

    .. math::

        z' = \\min\\bigl(z,\\; z_\\text{bed}(n) + b(d)\\bigr)

    with ``n`` the nearest river cell, ``d`` the distance to it and ``b`` the
    :class:`Valley` profile of that river. River cells get exactly their bed.

    Parameters
    ----------
    dem
        Elevations (m).
    transform
        Affine transform of the grid.
    rivers
        Lines (upstream → downstream) with ``width_m``.

    Returns
    -------
    numpy.ndarray
        A new float32 DEM; the input is not modified.
    """
    return _carve(dem, rivers, _drainage(rivers, transform, dem.shape))


@dataclass(frozen=True)
class _Drainage:
    """Rivers on the grid: river index per cell (−1 off the rivers), each river's
    cells in flow order, and every cell's distance (m) to and row/col of its
    nearest river cell."""

    label: np.ndarray
    cells: list[tuple[np.ndarray, np.ndarray]]
    dist: np.ndarray
    ir: np.ndarray
    ic: np.ndarray


def _drainage(rivers: gpd.GeoDataFrame, transform: Affine, shape: tuple[int, int]) -> _Drainage:
    label, cells = _rasterise_rivers(rivers, transform, shape)
    dist, ir, ic = _nearest_river(label, abs(transform.a))
    return _Drainage(label, cells, dist, ir, ic)


def _carve(dem: np.ndarray, rivers: gpd.GeoDataFrame, drainage: _Drainage) -> np.ndarray:
    """:func:`carve_valleys` on precomputed drainage."""
    from scipy.ndimage import uniform_filter1d

    shape = dem.shape
    label, cells = drainage.label, drainage.cells
    bed = np.full(shape, np.nan, dtype=np.float64)
    widths = _widths(rivers)
    for i, (r, c) in enumerate(cells):
        if len(r) == 0:
            continue
        smooth = uniform_filter1d(dem[r, c].astype(np.float64), size=101, mode="nearest")
        own = np.minimum.accumulate(smooth) - Valley(widths[i]).total_depth
        taken = label[r, c] != i
        if taken[-1]:  # joins an earlier river: stay at or above its bed there
            own = np.maximum(own, bed[r[-1], c[-1]])
        profile = np.minimum.accumulate(np.where(taken, bed[r, c], own))
        bed[r[~taken], c[~taken]] = profile[~taken]
    dist, ir, ic = drainage.dist, drainage.ir, drainage.ic
    near_bed = bed.astype(np.float32)[ir, ic]
    carved = np.minimum(dem, near_bed + _bank_height(dist, label[ir, ic], widths))
    on_river = label >= 0
    carved[on_river] = bed[on_river]
    return carved


def _connected_to_rivers(wet: np.ndarray, river: np.ndarray) -> np.ndarray:
    """Wet cells 8-connected, through wet cells, to a river cell."""
    from scipy.ndimage import label as label_components

    parts, _ = label_components(wet, structure=np.ones((3, 3), dtype=bool))
    keep = np.zeros(parts.max() + 1, dtype=bool)
    keep[np.unique(parts[river & wet])] = True
    keep[0] = False
    return keep[parts]


def _ponding_threshold(return_period: float) -> float:
    """Hollow depth (m) above which rain ponds: :math:`c_T = 0.4 - 0.25\\log_5(T/20)`."""
    return 0.4 - 0.25 * math.log(return_period / 20.0) / math.log(5.0)


def _ponding_inputs(
    dem: np.ndarray, inside: np.ndarray, river_distance: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Hollow depth ``q`` (m) below the 1 km-smoothed ground, and the ponding weight ``w``.

    The smoothing runs on 100 m block means (then bilinear back to the grid).
    ``w`` = :math:`\\mathrm{clip}((z_5 + 15 - \\bar z)/5, 0, 1)
    \\cdot \\mathrm{clip}((d - 1000)/500, 0, 1)`, with :math:`\\bar z` the
    smoothed ground, :math:`z_5` its 5th percentile inside the boundary and
    ``d`` the distance (m) to the nearest river: the lowest plain, off the
    river valleys.
    """
    from scipy.ndimage import gaussian_filter

    from gistool.datasets.terrain import _upsample

    h, w = dem.shape
    f = 10
    hp, wp = -(-h // f) * f, -(-w // f) * f
    padded = np.pad(dem, ((0, hp - h), (0, wp - w)), mode="edge")
    coarse = padded.reshape(hp // f, f, wp // f, f).mean(axis=(1, 3), dtype=np.float64)
    smooth = _upsample(gaussian_filter(coarse, 10.0, mode="nearest"), (hp, wp))[:h, :w]
    hollow = np.maximum(smooth - dem, 0.0)
    z5 = float(np.percentile(smooth[inside], 5)) if inside.any() else float(smooth.min())
    weight = np.clip((z5 + 15.0 - smooth) / 5.0, 0.0, 1.0) * np.clip(
        (river_distance - 1_000.0) / 500.0, 0.0, 1.0
    )
    return hollow.astype(np.float32), weight.astype(np.float32)


def make_flood_depths(
    dem: np.ndarray,
    transform: Affine,
    rivers: gpd.GeoDataFrame,
    boundary: BaseGeometry | gpd.GeoDataFrame | gpd.GeoSeries,
    return_periods: tuple[int, ...] = RETURN_PERIODS,
    *,
    ponding: bool = True,
) -> dict[int, np.ndarray]:
    """Flood-depth rasters (m) from the DEM and the rivers, by height above nearest drainage.

    For every cell, with ``n`` its nearest river cell at distance ``d`` (m) and
    :math:`\\mathrm{HAND} = z - z(n)`:

    .. math::

        h_T = \\max(0,\\; S_T - \\mathrm{HAND})\\;\\exp\\bigl(-(d / A_T)^2\\bigr)

    with the stage :math:`S_T` of that river (:meth:`Valley.stage`: larger
    rivers and longer return periods rise higher) and an attenuation length
    :math:`A_T = 1.5L\\,(T/20)^{0.3}` (:math:`L` the river's valley length).
    Cells more than 1 m below their nearest river's bed (HAND < −1) drain
    elsewhere and stay dry. Depths under :data:`MIN_DEPTH` are 0, and so are
    wet patches not connected
    (8-neighbour, through wet cells) to a river cell: water cannot cross the
    higher ground between. Both factors grow with ``T``, so extents and depths
    are nested: a cell wet at 20 years is wet, at least as deep, at 50 and 100.

    With ``ponding``, rain also ponds in the hollows of the low plain away
    from the rivers (:func:`_ponding_inputs`): :math:`p_T = \\max(0,\\; q - c_T)\\,w`
    with ``q`` the hollow depth below the 1 km-smoothed ground, ``w`` a weight
    that is 1 on the lowest plain and 1.5 km or more from a river, and a
    threshold :math:`c_T = 0.4 - 0.25\\,\\log_5(T/20)` m falling with ``T``
    (so ponding is nested too); the depth is :math:`\\max(h_T, p_T)`.

    Parameters
    ----------
    dem
        Elevations (m), valleys carved (:func:`carve_valleys`).
    transform
        Affine transform of the grid.
    rivers
        Lines with ``width_m``.
    boundary
        Study-area outline; cells outside get :data:`NODATA`.
    return_periods
        Return periods (years).
    ponding
        Add rain ponding in the hollows of the low plain.

    Returns
    -------
    dict
        Return period → float32 depth array (0 where dry, −9999 outside the boundary).
    """
    drainage = _drainage(rivers, transform, dem.shape)
    return _flood(dem, transform, rivers, boundary, return_periods, ponding, drainage)


def _flood(
    dem: np.ndarray,
    transform: Affine,
    rivers: gpd.GeoDataFrame,
    boundary: BaseGeometry | gpd.GeoDataFrame | gpd.GeoSeries,
    return_periods: tuple[int, ...],
    ponding: bool,
    drainage: _Drainage,
) -> dict[int, np.ndarray]:
    """:func:`make_flood_depths` on precomputed drainage."""
    from rasterio.features import geometry_mask

    shape = dem.shape
    label, dist = drainage.label, drainage.dist
    hand = dem - dem[drainage.ir, drainage.ic]
    near = label[drainage.ir, drainage.ic]
    widths = _widths(rivers)
    outside = geometry_mask([boundary_geometry(boundary)], out_shape=shape, transform=transform)
    lengths = np.array([Valley(w).length for w in widths], dtype=np.float32)
    stages = {
        p: np.array([Valley(w).stage(p) for w in widths], dtype=np.float32) for p in return_periods
    }
    # only cells below the highest stage can flood from a river: work on those alone
    top = max(float(v.max()) for v in stages.values())
    idx = np.flatnonzero(((hand >= -1.0) & (hand < top)).ravel())
    h_c, d_c, n_c = hand.ravel()[idx], dist.ravel()[idx], near.ravel()[idx]
    pond = pond_weight = None
    if ponding:
        pond, pond_weight = _ponding_inputs(dem, ~outside, dist)
    depths: dict[int, np.ndarray] = {}
    for period in sorted(return_periods):
        reach = 1.5 * lengths[n_c] * np.float32((period / 20.0) ** 0.3)
        wet = (stages[period][n_c] - h_c) * np.exp(-((d_c / reach) ** 2))
        wet[wet < MIN_DEPTH] = 0.0
        depth = np.zeros(dem.size, dtype=np.float32)
        depth[idx] = wet
        depth = depth.reshape(shape)
        depth[~_connected_to_rivers(depth > 0.0, label >= 0)] = 0.0
        if pond is not None:
            still = np.maximum(pond - _ponding_threshold(period), 0.0) * pond_weight
            depth = np.where(still >= MIN_DEPTH, np.maximum(depth, still), depth)
        depth[outside] = NODATA
        depths[int(period)] = depth.astype(np.float32)
    return {p: depths[p] for p in return_periods}


def make_terrain(
    boundary: BaseGeometry | gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    seed: int,
    res: float = 10.0,
    return_periods: tuple[int, ...] = RETURN_PERIODS,
) -> tuple[np.ndarray, Affine, gpd.GeoDataFrame, dict[int, np.ndarray]]:
    """DEM with carved valleys, rivers and flood depths, in one call.

    Runs :func:`~gistool.datasets.terrain.make_dem`, :func:`make_rivers`,
    :func:`carve_valleys` and :func:`make_flood_depths` (with ponding), laying
    the rivers on the grid once for both of the last two.

    Returns
    -------
    tuple
        ``(dem, transform, rivers, flood_depths)``.
    """
    dem0, transform = make_dem(boundary, seed=seed, res=res)
    rivers = make_rivers(dem0, transform, boundary, seed=seed)
    drainage = _drainage(rivers, transform, dem0.shape)  # shared by both steps
    dem = _carve(dem0, rivers, drainage)
    floods = _flood(dem, transform, rivers, boundary, return_periods, True, drainage)
    return dem, transform, rivers, floods
