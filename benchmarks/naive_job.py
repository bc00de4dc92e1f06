"""The Changge risk job written the way a user would without gistool.

geopandas + rasterstats + networkx + mapclassify, straightforward calls, no
caching tricks — the baseline of the end-to-end benchmark
(:mod:`benchmarks.bench_end_to_end`). The job is the same as
:func:`gistool.assess_risk`'s in substance:

1. a 500 m grid clipped to the boundary (``gpd.overlay``);
2. flood hazard per village and per grid cell, per return period: share of
   the unit with depth ≥ 0.15 m and the 0.15–0.5 / 0.5–1 / 1–2 / > 2 m class
   shares (``rasterstats.zonal_stats`` with ``add_stats``), combined over the
   return periods weighted by 1/T; geological hazard from the susceptibility
   zones (``gpd.overlay`` area shares) and hazard points (``sjoin``);
3. exposure: population (area-weighted for grid cells, ``gpd.overlay``),
   enterprises weighted by category (``sjoin`` + groupby), employees;
4. vulnerability: share of hazardous enterprises, share of enterprises at
   100-year depth ≥ 0.5 m (``rasterio`` ``dataset.sample``);
5. capacity: a networkx graph from the road lines (nodes at endpoints), the
   100-year flood cutting edges whose vertices are ≥ 0.3 m deep, nearest node
   of each village centroid / enterprise (``scipy.spatial.cKDTree``), minutes
   from the nearest fire station or rescue team by
   ``nx.multi_source_dijkstra_path_length``, normal and flood;
6. index: min–max normalisation, AHP weights (numpy eigenvector), weighted
   geometric mean ``R = Π max(x'_k, 0.01)^{w_k}``;
7. five levels by ``mapclassify.FisherJenks``;
8. zones: grid cells dissolved by level and exploded into contiguous parts;
9. everything written to one GeoPackage.

Run alone: ``python -m benchmarks.naive_job OUT_DIR``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

BREAKS = (0.15, 0.5, 1.0, 2.0)
HAZARDOUS = {"hazardous_chemicals", "fireworks", "metallurgy", "dust_explosion",
             "ammonia_refrigeration"}
CATEGORY_WEIGHT = {"hazardous_chemicals": 5.0, "fireworks": 5.0, "metallurgy": 4.0,
                   "ammonia_refrigeration": 4.0, "dust_explosion": 3.0,
                   "confined_space": 2.0, "general": 1.0}
SPEED = {"expressway": 100.0, "national": 70.0, "provincial": 60.0, "county": 50.0,
         "township": 40.0, "village": 25.0, "urban_arterial": 45.0, "urban_local": 30.0}
AHP = np.array([[1, 2, 3, 3], [1 / 2, 1, 2, 2], [1 / 3, 1 / 2, 1, 1], [1 / 3, 1 / 2, 1, 1]])
SUSC = {"high": 3.0, "medium": 2.0, "low": 1.0}


def make_grid(boundary: gpd.GeoDataFrame, size: float = 500.0) -> gpd.GeoDataFrame:
    xmin, ymin, xmax, ymax = boundary.total_bounds
    cells = []
    for x in np.arange(np.floor(xmin / size) * size, xmax, size):
        for y in np.arange(np.floor(ymin / size) * size, ymax, size):
            cells.append(shapely.geometry.box(x, y, x + size, y + size))
    grid = gpd.GeoDataFrame(geometry=cells, crs=boundary.crs)
    grid = gpd.overlay(grid, boundary[["geometry"]], how="intersection")
    grid["cell"] = np.arange(len(grid))
    return grid


def flood_hazard(units: gpd.GeoDataFrame, rasters: dict[int, Path]) -> np.ndarray:
    from rasterstats import zonal_stats

    def shares(a: np.ma.MaskedArray) -> dict:
        n = a.count()
        v = a.compressed()
        out = {"wet": float((v >= BREAKS[0]).sum() / n) if n else 0.0}
        edges = [*BREAKS, np.inf]
        for i in range(len(BREAKS)):
            out[f"c{i}"] = float(((v >= edges[i]) & (v < edges[i + 1])).sum() / n) if n else 0.0
        return out

    score = np.zeros(len(units))
    total_w = 0.0
    for T, path in sorted(rasters.items()):
        stats = zonal_stats(list(units.geometry), str(path), stats=["count"],
                            add_stats={"shares": shares})
        df = pd.DataFrame([s["shares"] for s in stats])
        depth_score = sum((i + 1) * df[f"c{i}"] for i in range(len(BREAKS))) / len(BREAKS)
        score += (1 / T) * (0.5 * df["wet"].to_numpy() + 0.5 * depth_score.to_numpy())
        total_w += 1 / T
    return score / total_w


def geo_hazard(units: gpd.GeoDataFrame, zones: gpd.GeoDataFrame,
               points: gpd.GeoDataFrame) -> np.ndarray:
    u = units[["geometry"]].reset_index(drop=True).reset_index(names="uid")
    ov = gpd.overlay(u, zones[["susceptibility", "geometry"]], how="intersection")
    ov["score"] = ov.area * ov["susceptibility"].map(SUSC)
    zone_score = ov.groupby("uid")["score"].sum().reindex(u["uid"], fill_value=0.0)
    zone_score = zone_score.to_numpy() / (3.0 * u.area.to_numpy())
    j = gpd.sjoin(points, u, predicate="within")
    people = j.groupby("uid")["threatened_people"].sum().reindex(u["uid"], fill_value=0)
    density = people.to_numpy() / (u.area.to_numpy() / 1e6)
    dmax = density.max() if density.max() > 0 else 1.0
    return 0.6 * zone_score + 0.4 * density / dmax


def build_graph(roads: gpd.GeoDataFrame):
    import networkx as nx

    G = nx.Graph()
    for geom, cls, speed in zip(roads.geometry, roads["road_class"], roads["speed_kmh"],
                                strict=True):
        coords = list(geom.coords)
        a = (round(coords[0][0], 1), round(coords[0][1], 1))
        b = (round(coords[-1][0], 1), round(coords[-1][1], 1))
        v = speed if speed == speed and speed > 0 else SPEED.get(cls, 30.0)
        minutes = geom.length / (v * 1000 / 60)
        if G.has_edge(a, b) and G[a][b]["minutes"] <= minutes:
            continue
        G.add_edge(a, b, minutes=minutes, geometry=geom)
    return G


def flood_graph(G, depth_path: Path, cut: float = 0.3):
    import rasterio

    H = G.copy()
    with rasterio.open(depth_path) as ds:
        for a, b, d in list(H.edges(data=True)):
            depths = [v[0] for v in ds.sample(list(d["geometry"].coords))]
            if max(depths) >= cut:
                H.remove_edge(a, b)
    return H


def rescue_minutes(G, facilities: gpd.GeoDataFrame, targets: gpd.GeoSeries) -> np.ndarray:
    import networkx as nx
    from scipy.spatial import cKDTree

    nodes = list(G.nodes)
    tree = cKDTree(np.array(nodes))
    fac = facilities[facilities["kind"].isin(["fire_station", "rescue_team"])]
    _, fi = tree.query(np.column_stack([fac.geometry.x, fac.geometry.y]))
    dist = nx.multi_source_dijkstra_path_length(G, {nodes[i] for i in fi}, weight="minutes")
    _, ti = tree.query(np.column_stack([targets.x, targets.y]))
    return np.array([dist.get(nodes[i], np.inf) for i in ti])


def ahp_weights(m: np.ndarray) -> np.ndarray:
    vals, vecs = np.linalg.eig(m)
    w = np.abs(np.real(vecs[:, np.argmax(np.real(vals))]))
    return w / w.sum()


def normalise(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    lo, hi = np.nanmin(x), np.nanmax(x)
    return np.zeros_like(x) if hi == lo else (x - lo) / (hi - lo)


def score(units: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    import mapclassify

    w = ahp_weights(AHP)
    f = np.column_stack([normalise(units[k]) for k in ("H", "E", "V")]
                        + [1 - normalise(units["C"])])
    units["risk_index"] = np.exp((np.log(np.maximum(f, 0.01)) * w).sum(axis=1))
    fj = mapclassify.FisherJenks(units["risk_index"].to_numpy(), k=5)
    units["risk_level"] = 5 - fj.yb
    units["rank"] = units["risk_index"].rank(ascending=False, method="min").astype(int)
    return units


def run(area, out: Path) -> dict[str, float]:
    """Do the whole job on ``area`` (a :class:`gistool.StudyArea`); write ``out/naive.gpkg``."""
    timings: dict[str, float] = {}
    t = time.perf_counter()

    def tick(name: str) -> None:
        nonlocal t
        timings[name] = time.perf_counter() - t
        t = time.perf_counter()

    villages = area.villages.copy()
    ents = area.enterprises.copy()
    grid = make_grid(area.boundary)
    # population of grid cells, area-weighted from villages
    v = villages[["population", "geometry"]].copy()
    v["varea"] = v.area
    ov = gpd.overlay(grid[["cell", "geometry"]], v, how="intersection")
    ov["pop"] = ov["population"] * ov.area / ov["varea"]
    grid["population"] = ov.groupby("cell")["pop"].sum().reindex(grid["cell"], fill_value=0.0
                                                                 ).to_numpy()
    tick("units")

    for units in (villages, grid):
        fh = flood_hazard(units, area.flood_depth)
        gh = geo_hazard(units, area.geohazard_zones, area.geohazard_points)
        units["H"] = 0.7 * normalise(fh) + 0.3 * normalise(gh)
    tick("hazard (rasterstats, overlay)")

    import rasterio

    ents["w"] = ents["category"].map(CATEGORY_WEIGHT).fillna(1.0) * np.where(
        ents["above_scale"].astype(bool), 1.5, 1.0) + 3.0 * ents["major_hazard"].astype(bool)
    ents["hazardous"] = ents["category"].isin(HAZARDOUS)
    with rasterio.open(area.flood_depth[max(area.flood_depth)]) as ds:
        depth = np.array([v[0] for v in ds.sample(list(zip(ents.geometry.x, ents.geometry.y,
                                                           strict=True)))])
    ents["deep"] = depth >= 0.5
    for units in (villages, grid):
        u = units[["geometry"]].reset_index(drop=True).reset_index(names="uid")
        j = gpd.sjoin(ents, u, predicate="within")
        g = j.groupby("uid")
        n = g.size().reindex(u["uid"], fill_value=0).to_numpy()
        ew = g["w"].sum().reindex(u["uid"], fill_value=0).to_numpy()
        emp = g["employees"].sum().reindex(u["uid"], fill_value=0).to_numpy()
        haz = g["hazardous"].sum().reindex(u["uid"], fill_value=0).to_numpy()
        deep = g["deep"].sum().reindex(u["uid"], fill_value=0).to_numpy()
        units["E"] = (0.5 * normalise(units["population"]) + 0.35 * normalise(ew)
                      + 0.15 * normalise(emp))
        with np.errstate(invalid="ignore", divide="ignore"):
            units["V"] = np.nan_to_num(0.5 * haz / n + 0.5 * deep / n)
    tick("exposure, vulnerability (sjoin, rasterio sample)")

    G = build_graph(area.roads)
    GF = flood_graph(G, area.flood_depth[100])
    tick("graph + flood cut (networkx, rasterio sample)")
    for units in (villages, grid):
        pts = units.geometry.representative_point()
        normal = rescue_minutes(G, area.facilities, pts)
        flood = rescue_minutes(GF, area.facilities, pts)
        flood = np.where(np.isfinite(flood), flood, 120.0)
        units["C"] = 1.0 / (1.0 + 0.5 * np.where(np.isfinite(normal), normal, 120.0)
                            + 0.5 * flood)
    ents_min = rescue_minutes(GF, area.facilities, ents.geometry)
    ents["minutes_flood"] = ents_min
    tick("travel times (networkx)")

    villages = score(villages)
    grid = score(grid)
    tick("index + FisherJenks (mapclassify)")
    zones = grid[["risk_level", "geometry"]].dissolve(by="risk_level").explode(
        index_parts=False).reset_index()
    zones["area_km2"] = zones.area / 1e6
    tick("zones (dissolve)")

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "naive.gpkg"
    if path.exists():
        path.unlink()
    for name, gdf in {"villages": villages, "grid": grid, "zones": zones,
                      "enterprises": ents.drop(columns=["hazardous", "deep"])}.items():
        gdf.to_file(path, layer=name, driver="GPKG")
    tick("write GeoPackage")
    timings["total"] = float(sum(timings.values()))
    return timings


if __name__ == "__main__":
    from gistool.datasets import load_changge

    print(run(load_changge(), Path(sys.argv[1] if len(sys.argv) > 1 else "outputs/naive")))
