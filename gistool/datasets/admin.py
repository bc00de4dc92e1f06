"""Administrative units of the embedded Changge dataset: boundary, townships, villages.

The outline, the codes and the names are **real** (see
``gistool/datasets/reference/README.md``); the township and village polygons
and the populations are **synthetic**: no public boundary polygons exist for
Changge's township- and village-level units.

Townships are cells of a power diagram (weighted Voronoi) whose sites are the
approximate town seats and whose weights are fitted so that each cell has a
plausible area; the straight cell edges are bent by a smooth invertible warp,
then the cells are cut to the real outline. Villages tessellate their township
the same way. Because every village is cut from its township and every township
from the outline, the unions match by construction.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from gistool.datasets._tessellate import fit_power_diagram, make_single_part, smooth_warp

REFERENCE_DIR: Final[Path] = Path(__file__).with_name("reference")
OUTLINE_FILE: Final[Path] = REFERENCE_DIR / "changge_outline_cgcs2000.geojson"
TOWNSHIPS_FILE: Final[Path] = REFERENCE_DIR / "changge_townships_2023.csv"
VILLAGES_FILE: Final[Path] = REFERENCE_DIR / "changge_villages_2023.csv"

#: Statistical code and name of the county.
COUNTY_CODE: Final[str] = "411082"
COUNTY_NAME: Final[str] = "长葛市"
#: Approximate seat of the city government (lon, lat), from the reference README.
CITY_SEAT_LONLAT: Final[tuple[float, float]] = (113.769, 34.219)
#: Resident population the village populations sum to (approximate real figure).
TOTAL_POPULATION: Final[int] = 780_000
#: Seed of every random draw in this module.
SEED: Final[int] = 411082


@dataclass(frozen=True)
class _Seat:
    lon: float
    lat: float
    area_km2: float


#: Township code → approximate seat (lon, lat) and target area (km²). APPROXIMATE:
#: placed from general knowledge of the county's layout (hills and 佛耳湖镇/石固镇
#: in the north-west, 大周镇 east of the city, 石象镇 in the far east), not surveyed,
#: then nudged so that each lies well inside its synthetic polygon.
TOWNSHIP_SEATS: Final[dict[str, _Seat]] = {
    "411082001": _Seat(113.754, 34.231, 10.0),  # 建设路街道, north-west of the seat
    "411082002": _Seat(113.781, 34.229, 11.0),  # 长兴路街道, north-east
    "411082003": _Seat(113.760, 34.209, 12.0),  # 长社路街道, south-west
    "411082004": _Seat(113.785, 34.207, 10.0),  # 金桥路街道, south-east
    "411082100": _Seat(113.805, 34.300, 45.0),  # 和尚桥镇, north on G107
    "411082101": _Seat(113.713, 34.177, 58.0),  # 坡胡镇, south-west
    "411082102": _Seat(113.672, 34.205, 50.0),  # 后河镇, west
    "411082103": _Seat(113.727, 34.287, 55.0),  # 石固镇, north-west hills
    "411082104": _Seat(113.862, 34.245, 40.0),  # 老城镇, east of the city
    "411082105": _Seat(113.820, 34.186, 50.0),  # 南席镇, south (sanitary ware)
    "411082106": _Seat(113.990, 34.216, 55.0),  # 大周镇, east (recycled metals)
    "411082107": _Seat(113.915, 34.285, 50.0),  # 董村镇, north-east
    "411082108": _Seat(114.060, 34.205, 62.0),  # 石象镇, far east
    "411082109": _Seat(113.909, 34.201, 52.0),  # 古桥镇, south-east
    "411082110": _Seat(113.786, 34.265, 28.0),  # 增福镇, just north of the city
    "411082111": _Seat(113.622, 34.252, 48.0),  # 佛耳湖镇, far north-west hills
}


def working_crs() -> pyproj.CRS:
    """The projected working CRS of Changge, chosen from the outline by
    :func:`gistool.crs.working_crs`: CGCS2000 / 3-degree GK CM 114E (EPSG:4547)."""
    from gistool.crs import working_crs as _working_crs

    return pyproj.CRS(_working_crs(gpd.read_file(OUTLINE_FILE)))


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def read_township_table() -> pd.DataFrame:
    """The 16 real township-level units: ``code``, ``name``, ``kind`` (街道/镇)."""
    rows = _read_csv(TOWNSHIPS_FILE)
    df = pd.DataFrame({"code": [r["code"] for r in rows], "name": [r["name"] for r in rows]})
    df["kind"] = np.where(df["name"].str.endswith("街道"), "街道", "镇")
    return df


def read_village_table() -> pd.DataFrame:
    """The 398 real village-level units: ``code``, ``name``, ``township_code``, ``kind``.

    ``kind`` follows the statistical code: suffix 001–199 居委会, 200–399 村委会.
    """
    rows = _read_csv(VILLAGES_FILE)
    df = pd.DataFrame(
        {
            "code": [r["code"] for r in rows],
            "name": [r["name"] for r in rows],
            "township_code": [r["streetCode"] for r in rows],
        }
    )
    df["kind"] = np.where(df["code"].str[-3:].astype(int) < 200, "居委会", "村委会")
    return df


def make_boundary(crs: pyproj.CRS | None = None) -> gpd.GeoDataFrame:
    """The real county outline, projected to the working CRS.

    Returns
    -------
    geopandas.GeoDataFrame
        One row: ``code`` ``"411082"``, ``name`` ``"长葛市"``.

    Examples
    --------
    >>> b = make_boundary()
    >>> b.crs.to_epsg(), b.loc[0, "code"], round(b.area.iloc[0] / 1e6)
    (4547, '411082', 636)
    """
    crs = crs or working_crs()
    src = gpd.read_file(OUTLINE_FILE)
    geom = shapely.make_valid(src.to_crs(crs).geometry.iloc[0])
    return gpd.GeoDataFrame(
        {"code": [COUNTY_CODE], "name": [COUNTY_NAME]}, geometry=[geom], crs=crs
    )


def _project_lonlat(lonlat: np.ndarray, crs: pyproj.CRS) -> np.ndarray:
    tr = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    x, y = tr.transform(lonlat[:, 0], lonlat[:, 1])
    return np.column_stack([x, y])


def make_townships(boundary: gpd.GeoDataFrame, *, seed: int = SEED) -> gpd.GeoDataFrame:
    """Synthetic township polygons with the real codes, names and kinds.

    Two levels, so the subdistricts stay compact around the city seat: an urban
    core (a disc of the subdistricts' total target area around the city seat)
    is split among the 4 街道 by a power diagram fitted to their target areas;
    the rest of the outline is split among the 12 镇 the same way. Cells are
    bent by a smooth field (≤ 350 m; :func:`smooth_warp`) before being cut, so
    edges look surveyed yet stay shared. Stray pieces go to the neighbour with
    the longest shared edge.

    Parameters
    ----------
    boundary
        The county outline (one polygon) in a projected CRS.
    seed
        Seed of the warp.

    Returns
    -------
    geopandas.GeoDataFrame
        16 rows: ``code`` (9 digits), ``name``, ``kind`` (街道/镇), single-part polygons.
    """
    table = read_township_table()
    outline = boundary.geometry.union_all()
    crs = boundary.crs
    lonlat = np.array([[TOWNSHIP_SEATS[c].lon, TOWNSHIP_SEATS[c].lat] for c in table["code"]])
    sites = _project_lonlat(lonlat, crs)
    targets = np.array([TOWNSHIP_SEATS[c].area_km2 for c in table["code"]]) * 1e6
    targets *= outline.area / targets.sum()
    urban = (table["kind"] == "街道").to_numpy()
    xmin, ymin, xmax, ymax = outline.bounds
    margin = 5_000.0
    bounds = (xmin - margin, ymin - margin, xmax + margin, ymax + margin)

    def warp(geoms: np.ndarray) -> np.ndarray:
        return smooth_warp(geoms, amplitude=350.0, wavelength=4_000.0, seed=seed, spacing=100.0)

    centre = city_seat(crs)
    core_disc = centre.buffer(float(np.sqrt(targets[urban].sum() / np.pi)), quad_segs=32)
    core = shapely.intersection(warp(np.array([core_disc]))[0], outline)
    rural = shapely.difference(outline, core)
    polys = np.empty(len(table), dtype=object)
    for mask, region in ((urban, core), (~urban, rural)):
        _, _, cells = fit_power_diagram(
            sites[mask], targets[mask], region, bounds=bounds, iterations=80
        )
        polys[mask] = make_single_part(shapely.intersection(warp(cells), region))
    polys = make_single_part(polys)
    return gpd.GeoDataFrame(table, geometry=list(polys), crs=crs)


def township_seats(townships: gpd.GeoDataFrame, *, min_depth: float = 800.0) -> gpd.GeoDataFrame:
    """Seat (government location) of each township.

    The approximate seat of :data:`TOWNSHIP_SEATS` when it lies at least
    ``min_depth`` metres inside the synthetic polygon, else the polygon's pole
    of inaccessibility (the synthetic borders may have moved past the seat).

    Returns
    -------
    geopandas.GeoDataFrame
        ``code``, ``name``, ``kind`` and point geometry, in the townships' CRS.
    """
    codes = townships["code"].to_numpy()
    lonlat = np.array([[TOWNSHIP_SEATS[c].lon, TOWNSHIP_SEATS[c].lat] for c in codes])
    pts = shapely.points(_project_lonlat(lonlat, townships.crs))
    polys = townships.geometry.to_numpy()
    inside = shapely.contains(polys, pts) & (
        shapely.distance(pts, shapely.boundary(polys)) >= min_depth
    )
    poles = shapely.get_point(shapely.maximum_inscribed_circle(polys, tolerance=10.0), 0)
    pts = np.where(inside, pts, poles)
    return gpd.GeoDataFrame(
        townships[["code", "name", "kind"]].reset_index(drop=True),
        geometry=list(pts),
        crs=townships.crs,
    )


def city_seat(crs: pyproj.CRS) -> shapely.Point:
    """The city government seat (113.769 E, 34.219 N, approximate) in ``crs``."""
    xy = _project_lonlat(np.array([CITY_SEAT_LONLAT]), crs)[0]
    return shapely.Point(xy)


def _village_sites(
    poly: shapely.Polygon,
    seat: np.ndarray,
    n_ju: int,
    n_cun: int,
    urban: bool,
    rng: np.random.Generator,
) -> np.ndarray:
    """Seed points for one township's villages: 居委会 near the seat, 村委会 spread out.

    Best-candidate sampling (each new site is the candidate farthest from the
    ones already chosen) gives an even spread; 居委会 candidates are drawn from a
    Gaussian around the seat, so residential communities are small and central.
    """
    shapely.prepare(poly)
    xmin, ymin, xmax, ymax = poly.bounds
    scale = np.sqrt(poly.area)
    chosen: list[np.ndarray] = []

    def draw(k: int, centre: np.ndarray | None, sigma: float) -> np.ndarray:
        pts = np.empty((0, 2))
        while len(pts) < k:
            if centre is None:
                cand = rng.uniform([xmin, ymin], [xmax, ymax], (4 * k + 16, 2))
            else:
                cand = centre + rng.normal(0.0, sigma, (4 * k + 16, 2))
            inside = shapely.contains_xy(poly, cand[:, 0], cand[:, 1])
            pts = np.vstack([pts, cand[inside]])
        return pts[:k]

    def best_candidate(n: int, centre: np.ndarray | None, sigma: float) -> None:
        for _ in range(n):
            cand = draw(12, centre, sigma)
            if chosen:
                d = np.min(
                    np.hypot(*(cand[:, None, :] - np.array(chosen)[None, :, :]).transpose(2, 0, 1)),
                    axis=1,
                )
                chosen.append(cand[int(np.argmax(d))])
            else:
                chosen.append(cand[0])

    # in subdistricts and fully urbanised towns the communities fill the unit;
    # elsewhere they cluster around the seat
    ju_sigma = scale * (0.35 if urban else 0.12 + 0.02 * n_ju)
    best_candidate(n_ju, seat, ju_sigma)
    best_candidate(n_cun, None, 0.0)
    return np.array(chosen)


def make_villages(
    townships: gpd.GeoDataFrame, *, seed: int = SEED, total_population: int = TOTAL_POPULATION
) -> gpd.GeoDataFrame:
    """Synthetic village polygons with the real codes, names and kinds, and populations.

    Each township is tessellated by the Voronoi cells of its villages' sites
    (:func:`_village_sites`), warped (≤ 120 m) and cut to the township.

    Populations follow an urban gradient,

    .. math:: P_v \\propto \\kappa_v \\, (1 + 1.5 e^{-d_v / 1.5\\,\\mathrm{km}})
              \\, (1 + 4 e^{-D_v / 2.5\\,\\mathrm{km}}) \\, \\varepsilon_v \\, A_v^{0.6},

    with :math:`d_v` the distance to the township seat, :math:`D_v` to the city
    seat, :math:`\\kappa = 2` for 居委会 and 1 for 村委会, :math:`\\varepsilon_v`
    log-normal (σ = 0.25) and :math:`A_v` the area (a sub-linear power: a large
    village is not proportionally more populous); rescaled to
    ``total_population`` and rounded by largest remainder so the sum is exact.
    About 31 % live in the 4 subdistricts; a 村委会 has ~1,000 people.

    Parameters
    ----------
    townships
        Output of :func:`make_townships`.
    seed
        Seed of the sites, warp and population noise.
    total_population
        Sum of the ``population`` column.

    Returns
    -------
    geopandas.GeoDataFrame
        398 rows: ``code`` (12 digits), ``name``, ``township_code``, ``kind``,
        ``population`` (int64), single-part polygons, in code order.
    """
    rng = np.random.default_rng(seed)
    table = read_village_table()
    seats = township_seats(townships).set_index("code")
    crs = townships.crs
    city = np.array(city_seat(crs).coords[0])
    frames = []
    for i, row in enumerate(townships.itertuples()):
        poly = row.geometry
        sub = table[table["township_code"] == row.code].sort_values("code")
        ju = sub[sub["kind"] == "居委会"]
        cun = sub[sub["kind"] == "村委会"]
        seat = np.array(seats.loc[row.code, "geometry"].coords[0])
        urban = row.kind == "街道" or len(cun) <= len(sub) // 3
        sites = _village_sites(poly, seat, len(ju), len(cun), urban, rng)
        xmin, ymin, xmax, ymax = poly.bounds
        margin = 2_000.0
        cells = shapely.voronoi_polygons(
            shapely.multipoints(sites),
            extend_to=shapely.box(xmin - margin, ymin - margin, xmax + margin, ymax + margin),
            ordered=True,
        )
        cells = shapely.get_parts(cells)
        warped = smooth_warp(
            cells, amplitude=120.0, wavelength=1_500.0, seed=seed + i, spacing=60.0
        )
        clipped = make_single_part(shapely.intersection(warped, poly))
        frames.append(
            gpd.GeoDataFrame(
                pd.concat([ju, cun]).reset_index(drop=True),
                geometry=list(clipped),
                crs=crs,
            )
        )
    villages = pd.concat(frames, ignore_index=True)
    villages = gpd.GeoDataFrame(villages, geometry="geometry", crs=crs)
    villages = villages.sort_values("code").reset_index(drop=True)
    villages["population"] = _populations(villages, seats, city, rng, total_population)
    return villages[["code", "name", "township_code", "kind", "population", "geometry"]]


def _populations(
    villages: gpd.GeoDataFrame,
    seats: gpd.GeoDataFrame,
    city: np.ndarray,
    rng: np.random.Generator,
    total: int,
) -> np.ndarray:
    centroid = shapely.get_coordinates(villages.geometry.centroid.to_numpy())
    seat_xy = shapely.get_coordinates(seats.loc[villages["township_code"], "geometry"].to_numpy())
    d_seat = np.hypot(*(centroid - seat_xy).T)
    d_city = np.hypot(*(centroid - city).T)
    base = np.where(villages["kind"].to_numpy() == "居委会", 2.0, 1.0)
    density = base * (1 + 1.5 * np.exp(-d_seat / 1_500)) * (1 + 4 * np.exp(-d_city / 2_500))
    density *= rng.lognormal(0.0, 0.25, len(villages))
    raw = density * villages.area.to_numpy() ** 0.6
    return largest_remainder(raw, total)


def largest_remainder(weights: np.ndarray, total: int) -> np.ndarray:
    """Integers proportional to ``weights`` that sum exactly to ``total``.

    Each share :math:`q_i = T w_i / \\sum w` is floored and the remaining units go
    to the largest fractional parts (Hamilton's method; ties by index).

    Examples
    --------
    >>> largest_remainder(np.array([1.0, 1.0, 1.0]), 10).tolist()
    [4, 3, 3]
    """
    q = total * np.asarray(weights, dtype=float) / float(np.sum(weights))
    out = np.floor(q).astype(np.int64)
    rest = total - int(out.sum())
    if rest > 0:
        out[np.argsort(-(q - out), kind="stable")[:rest]] += 1
    return out
