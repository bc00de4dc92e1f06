"""A tiny deterministic study area for the map tests (built in code, fast)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString, Point, box

CRS = "EPSG:4547"
X0, Y0 = 470_000.0, 3_780_000.0
W, H = 20_000.0, 12_000.0


@dataclass
class TinyArea:
    """Duck-typed like gistool.StudyArea for the maps (name, sources, synthetic, layers)."""

    name: str
    crs: object
    boundary: gpd.GeoDataFrame
    townships: gpd.GeoDataFrame
    villages: gpd.GeoDataFrame
    enterprises: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    roads: gpd.GeoDataFrame
    rivers: gpd.GeoDataFrame
    geohazard_points: gpd.GeoDataFrame
    geohazard_zones: gpd.GeoDataFrame
    flood_depth: dict
    synthetic: tuple
    sources: dict


def _gdf(data: dict, geoms: list) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(data, geometry=geoms, crs=CRS)


def write_depth(path: Path) -> Path:
    """200 × 120 cells of 100 m: a diagonal river channel 2–3 m deep, a 1-cell ditch, nodata."""
    import rasterio
    from affine import Affine

    rows, cols = 120, 200
    r, c = np.mgrid[0:rows, 0:cols]
    d = np.abs(r - (20 + 0.45 * c))  # distance (cells) from the channel centre line
    depth = np.clip(3.0 - 0.35 * d, 0.0, None).astype("float32")
    depth[:, 150] = np.maximum(depth[:, 150], 0.8)  # a one-cell ditch, 0.8 m
    depth[:10, :20] = -9999.0  # nodata corner
    transform = Affine(100.0, 0.0, X0, 0.0, -100.0, Y0 + H)
    with rasterio.open(path, "w", driver="GTiff", height=rows, width=cols, count=1,
                       dtype="float32", crs=CRS, transform=transform, nodata=-9999.0) as dst:
        dst.write(depth, 1)
    return path


def tiny_area(tmp: Path) -> TinyArea:
    """Boundary, 3 townships, 12 villages, 60 enterprises, roads, rivers, geohazards, depth."""
    rng = np.random.default_rng(7)
    boundary = _gdf({"code": ["411999"], "name": ["示例县"]}, [box(X0, Y0, X0 + W, Y0 + H)])
    names = ["东城街道", "西山镇", "南湖镇"]
    cuts = [X0, X0 + 7000, X0 + 13000, X0 + W]
    townships = _gdf(
        {"code": [f"41199900{i}" for i in range(1, 4)], "name": names,
         "kind": ["街道", "镇", "镇"]},
        [box(cuts[i], Y0, cuts[i + 1], Y0 + H) for i in range(3)],
    )
    vx = np.linspace(X0, X0 + W, 5)
    vy = np.linspace(Y0, Y0 + H, 4)
    vgeoms = [box(vx[i], vy[j], vx[i + 1], vy[j + 1]) for j in range(3) for i in range(4)]
    villages = _gdf(
        {"code": [f"4119990010{k:02d}" for k in range(12)], "name": [f"村{k}" for k in range(12)],
         "township_code": ["411999001"] * 12, "population": np.arange(12) * 100 + 500,
         "risk_level": [1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 3, 3]},
        vgeoms,
    )
    grades = np.array(["重大"] * 3 + ["较大"] * 9 + ["一般"] * 18 + ["低"] * 30)
    ex = X0 + rng.uniform(500, W - 500, 60)
    ey = Y0 + rng.uniform(500, H - 500, 60)
    enterprises = _gdf(
        {"id": [f"E{i}" for i in range(60)], "name": [f"企业{i}" for i in range(60)],
         "category": ["general"] * 60, "above_scale": [False] * 60, "risk_grade": grades},
        [Point(x, y) for x, y in zip(ex, ey, strict=True)],
    )
    facilities = _gdf(
        {"id": ["F1", "F2", "R1"], "name": ["一中队", "二中队", "救援队"],
         "kind": ["fire_station", "fire_station", "rescue_team"]},
        [Point(X0 + 4000, Y0 + 6000), Point(X0 + 15000, Y0 + 3000), Point(X0 + 10000, Y0 + 9000)],
    )
    roads = _gdf(
        {"road_class": ["expressway", "national", "county", "village", "village"],
         "name": ["G4", "G107", "X001", "", ""]},
        [LineString([(X0 + 9000, Y0), (X0 + 9500, Y0 + H)]),
         LineString([(X0, Y0 + 5000), (X0 + W, Y0 + 5500)]),
         LineString([(X0 + 2000, Y0 + 1000), (X0 + 18000, Y0 + 11000)]),
         LineString([(X0 + 3000, Y0 + 9000), (X0 + 12000, Y0 + 10000)]),
         LineString([(X0 + 14000, Y0 + 1000), (X0 + 16000, Y0 + 11000)])],
    )
    rivers = _gdf({"name": ["清水河"]},
                  [LineString([(X0 + 100 * c, Y0 + H - 100 * (20 + 0.45 * c) - 50)
                               for c in range(0, 200, 10)])])
    gh_points = _gdf(
        {"id": [f"G{i}" for i in range(6)],
         "hazard_type": ["collapse", "collapse", "landslide", "subsidence", "fissure",
                         "landslide"]},
        [Point(X0 + 1000 + 700 * i, Y0 + 9500 + 200 * (i % 2)) for i in range(6)],
    )
    core = Point(X0 + 3000, Y0 + 10000)
    gh_zones = _gdf(
        {"susceptibility": ["high", "medium", "low"]},
        [core.buffer(1200), core.buffer(2400).difference(core.buffer(1200)),
         core.buffer(3600).difference(core.buffer(2400))],
    )
    depth = write_depth(tmp / "depth_100.tif")
    return TinyArea(
        name="示例县", crs=CRS, boundary=boundary, townships=townships, villages=villages,
        enterprises=enterprises, facilities=facilities, roads=roads, rivers=rivers,
        geohazard_points=gh_points, geohazard_zones=gh_zones, flood_depth={100: depth},
        synthetic=("townships", "villages", "enterprises", "flood_depth"),
        sources={"boundary": "示例边界", "enterprises": "合成企业", "flood_depth": "合成水深"},
    )


def zones(area: TinyArea) -> gpd.GeoDataFrame:
    """Five zones, one per level, as vertical strips."""
    xs = np.linspace(X0, X0 + W, 6)
    return _gdf({"risk_level": [1, 2, 3, 4, 5], "risk_level_name": list("abcde")},
                [box(xs[i], Y0, xs[i + 1], Y0 + H) for i in range(5)])


def affected_edges(area: TinyArea) -> gpd.GeoDataFrame:
    """Two cut and one slowed piece of road."""
    return _gdf({"status": ["cut", "cut", "slowed"]},
                [LineString([(X0 + 9200, Y0 + 6000), (X0 + 9300, Y0 + 8000)]),
                 LineString([(X0 + 5000, Y0 + 5100), (X0 + 8000, Y0 + 5200)]),
                 LineString([(X0 + 14500, Y0 + 4000), (X0 + 14800, Y0 + 6000)])])


def isolated(area: TinyArea) -> gpd.GeoDataFrame:
    """Targets in the long format of travel_times: 3 isolated villages, 2 enterprises."""
    pts = [Point(X0 + 6000, Y0 + 7000), Point(X0 + 8000, Y0 + 8000), Point(X0 + 12000, Y0 + 10500),
           Point(X0 + 5500, Y0 + 6500), Point(X0 + 11000, Y0 + 10200), Point(X0 + 1000, Y0 + 1000)]
    df = pd.DataFrame({
        "target_id": ["p1", "p2", "p3", "E1", "E2", "p9"],
        "target_type": ["population"] * 3 + ["enterprise"] * 2 + ["population"],
        "isolated_flood": [True] * 5 + [False],
    })
    both = pd.concat([df, df], ignore_index=True)  # one row per facility kind
    both["kind"] = ["fire_station"] * 6 + ["rescue_team"] * 6
    return gpd.GeoDataFrame(both, geometry=pts + pts, crs=CRS)


def isochrones(area: TinyArea) -> gpd.GeoDataFrame:
    """Buffers around the facilities, shrunk by 40 % under flood (kind, scenario, minutes)."""
    fac = area.facilities
    rows = []
    for scenario, k in (("normal", 1.0), ("flood", 0.6)):
        for kind in ("fire_station", "rescue_team"):
            pts = fac[fac["kind"] == kind].geometry.to_numpy()
            for m in (5, 10, 15, 30):
                geom = shapely.union_all(shapely.buffer(pts, 180.0 * m * k))
                rows.append((kind, scenario, m, geom))
    df = pd.DataFrame(rows, columns=["kind", "scenario", "minutes", "geometry"])
    return gpd.GeoDataFrame(df, geometry="geometry", crs=CRS)
