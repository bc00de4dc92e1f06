"""Synthetic emergency facilities of the embedded Changge dataset.

**Synthetic.** Names follow local naming habits (长葛市消防救援大队…, the
city's "1 + 11" emergency rescue command, 中心卫生院, 应急避难场所) but the list
and every position are invented: each facility stands near its township's
seat (or the city seat), on a road.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

from gistool.datasets.admin import (
    CITY_SEAT_LONLAT,
    SEED,
    _project_lonlat,
    read_township_table,
    township_seats,
)
from gistool.datasets.points import containing_code, sample_points


@dataclass(frozen=True)
class _Facility:
    kind: str
    name: str
    township: str | None  # seat that anchors it (None: the city seat)
    capacity: float | None = None


def _facility_table() -> list[_Facility]:
    """The synthetic facility list: names follow local naming, places are illustrative."""
    city = None
    rows = [
        # fire stations: the city brigade's stations (消防救援大队) and town stations
        _Facility("fire_station", "长葛市消防救援大队城区消防救援站", city),
        _Facility("fire_station", "长葛市消防救援大队开发区特勤站", "411082002"),
        _Facility("fire_station", "长葛市消防救援大队大周消防救援站", "411082106"),
        _Facility("fire_station", "长葛市消防救援大队南席专职消防站", "411082105"),
        _Facility("fire_station", "长葛市消防救援大队石固专职消防站", "411082103"),
        _Facility("fire_station", "长葛市消防救援大队石象专职消防站", "411082108"),
        # rescue teams: 1 city team + 11 town teams (the city's "1+11" emergency command)
        _Facility("rescue_team", "长葛市综合应急救援大队", city),
    ]
    towns = [
        "411082100",
        "411082101",
        "411082102",
        "411082103",
        "411082104",
        "411082105",
        "411082106",
        "411082107",
        "411082108",
        "411082109",
        "411082111",
    ]
    table = read_township_table()
    names = dict(zip(table["code"], table["name"], strict=True))
    rows += [_Facility("rescue_team", f"长葛市{names[c]}应急救援队", c) for c in towns]
    rows += [
        _Facility("hospital", "长葛市人民医院", city),
        _Facility("hospital", "长葛市中医院", "411082001"),
        _Facility("hospital", "长葛市妇幼保健院", "411082003"),
        _Facility("hospital", "长葛市第二人民医院", "411082106"),
        _Facility("hospital", "长葛市第三人民医院", "411082103"),
        _Facility("hospital", "长葛市和尚桥镇中心卫生院", "411082100"),
        _Facility("hospital", "长葛市坡胡镇中心卫生院", "411082101"),
        _Facility("hospital", "长葛市南席镇中心卫生院", "411082105"),
        _Facility("hospital", "长葛市古桥镇中心卫生院", "411082109"),
        _Facility("hospital", "长葛市石象镇中心卫生院", "411082108"),
        _Facility("depot", "长葛市应急物资储备库", city),
        _Facility("depot", "长葛市防汛抗旱物资储备库", "411082004"),
        _Facility("depot", "长葛市大周镇应急物资储备点", "411082106"),
        _Facility("depot", "长葛市佛耳湖镇应急物资储备点", "411082111"),
        _Facility("depot", "长葛市石象镇应急物资储备点", "411082108"),
    ]
    # shelters: city parks and squares, then schools and squares in every township
    rows += [
        _Facility("shelter", "长葛市人民广场应急避难场所", city, 20_000.0),
        _Facility("shelter", "长葛市葛天广场应急避难场所", "411082002", 15_000.0),
        _Facility("shelter", "长葛市钟繇公园应急避难场所", "411082001", 12_000.0),
        _Facility("shelter", "长葛市体育中心应急避难场所", "411082003", 18_000.0),
        _Facility("shelter", "长葛市第一高级中学应急避难场所", "411082004", 6_000.0),
        _Facility("shelter", "长葛市第三高级中学应急避难场所", "411082002", 5_000.0),
    ]
    for code in sorted(names):
        if names[code].endswith("街道"):
            continue
        rows.append(_Facility("shelter", f"{names[code]}中心学校应急避难场所", code, 2_500.0))
        rows.append(_Facility("shelter", f"{names[code]}文化广场应急避难场所", code, 3_000.0))
    rows += [
        _Facility("shelter", "长葛市第二高级中学应急避难场所", "411082110", 4_000.0),
        _Facility("shelter", "长葛市职业教育中心应急避难场所", "411082004", 4_500.0),
        _Facility("shelter", "长葛市植物园应急避难场所", "411082001", 8_000.0),
        _Facility("shelter", "长葛市森林公园应急避难场所", "411082111", 6_000.0),
        _Facility("shelter", "长葛市东区公园应急避难场所", "411082104", 5_000.0),
        _Facility("shelter", "长葛市清潩河湿地公园应急避难场所", "411082003", 7_000.0),
        _Facility("shelter", "长葛市实验中学应急避难场所", "411082002", 3_500.0),
        _Facility("shelter", "长葛市市民中心应急避难场所", city, 9_000.0),
        _Facility("shelter", "长葛市第四高级中学应急避难场所", "411082106", 3_500.0),
        _Facility("shelter", "长葛市第五高级中学应急避难场所", "411082108", 3_000.0),
    ]
    return rows


def make_facilities(
    boundary: gpd.GeoDataFrame,
    townships: gpd.GeoDataFrame,
    *,
    roads: gpd.GeoDataFrame | None = None,
    exclude: shapely.Geometry | None = None,
    seed: int = SEED,
) -> gpd.GeoDataFrame:
    """Synthetic emergency facilities: 6 fire stations, 12 rescue teams (1 + 11),
    10 hospitals, 40 shelters (with ``capacity``, persons) and 5 material depots.

    Each facility is placed 250–1,200 m from its township's seat (or the city
    seat) in a random direction, then moved onto the nearest road when
    ``roads`` is given (facilities front a road), never into ``exclude``.

    Returns
    -------
    geopandas.GeoDataFrame
        ``id`` (``F001``…), ``name``, ``kind``, ``capacity`` (shelters only,
        NaN elsewhere), ``township_code``, point geometry.
    """
    rng = np.random.default_rng(seed + 2)
    crs = boundary.crs
    region = boundary.geometry.union_all()
    table = _facility_table()
    seats = township_seats(townships)
    seat_of = dict(
        zip(seats["code"], shapely.get_coordinates(seats.geometry.to_numpy()), strict=True)
    )
    city_xy = _project_lonlat(np.array([CITY_SEAT_LONLAT]), crs)[0]
    anchors = np.array([city_xy if f.township is None else seat_of[f.township] for f in table])
    # the city seat is shared by many facilities: spread them further
    spread = np.array([2_000.0 if f.township is None else 1_200.0 for f in table])
    n = len(table)
    xy = np.full((n, 2), np.nan)
    todo = np.arange(n)
    road_lines = None
    if roads is not None and len(roads):
        road_lines = roads.geometry.to_numpy()
        tree = shapely.STRtree(road_lines)
    if exclude is not None:
        shapely.prepare(exclude)
    shapely.prepare(region)
    for _ in range(100):
        if len(todo) == 0:
            break
        r = rng.uniform(250.0, spread[todo])
        a = rng.uniform(0, 2 * np.pi, len(todo))
        cand = anchors[todo] + np.column_stack([r * np.cos(a), r * np.sin(a)])
        if road_lines is not None:
            pts = shapely.points(cand)
            nearest = tree.query_nearest(pts, all_matches=False, return_distance=False)[1]
            lines = road_lines[nearest]
            snapped = shapely.line_interpolate_point(lines, shapely.line_locate_point(lines, pts))
            cand = shapely.get_coordinates(snapped)
        ok = shapely.contains_xy(region, cand[:, 0], cand[:, 1])
        if exclude is not None:
            ok &= ~shapely.contains_xy(exclude, cand[:, 0], cand[:, 1])
        xy[todo[ok]] = cand[ok]
        todo = todo[~ok]
    if len(todo):
        xy[todo] = sample_points(len(todo), region, rng, exclude=exclude)
    gdf = gpd.GeoDataFrame(
        {
            "id": [f"F{i + 1:03d}" for i in range(n)],
            "name": [f.name for f in table],
            "kind": [f.kind for f in table],
            "capacity": [np.nan if f.capacity is None else f.capacity for f in table],
        },
        geometry=shapely.points(xy),
        crs=crs,
    )
    gdf["township_code"] = containing_code(gdf.geometry.to_numpy(), townships)
    return gdf
