"""Rescue network: gistool (scipy.sparse.csgraph) vs networkx, on Changge and 20× larger.

Run with ``python -m benchmarks.bench_network`` (``--quick`` skips the large
synthetic network's networkx run). Writes ``benchmarks/results/network.json``
(and ``network.md``).

Cases, side by side in one process (medians after a warm-up):

- **travel times**: every village and enterprise of Changge, nearest facility
  of every kind, normal and 100-year flood graph. gistool: the whole
  :func:`gistool.network.travel_times` call (snapping, virtual source nodes,
  one ``dijkstra(min_only=True)`` per kind, the long table). networkx: on the
  same augmented graph (converted outside the timing, which favours it),
  ``multi_source_dijkstra_path_length`` per kind and scenario, then the same
  vectorised formula for the targets. The minutes of both are compared.
- **graph building** from the road layer (target < 2 s).
- **critical links**, top 20 for villages from fire stations and rescue teams
  (target < 30 s).
- **isochrones**, raster vs exact vector construction, fire stations, 4 thresholds.
- **20× synthetic network** (jittered street lattice, 20× the Changge edges,
  5× the targets): building, all-kinds travel times, and one kind against
  networkx.
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from benchmarks._harness import CaseResult, Timing, measure, save_results
from gistool.network import (
    RoadGraph,
    apply_flood,
    build_road_graph,
    critical_links,
    isochrones,
    snap_points,
    target_points,
    travel_times,
)
from gistool.network.solve import NodeTimes, augmented_csr, node_times, target_times

log = logging.getLogger("bench_network")
RESULTS = Path(__file__).parent / "results" / "network.json"


def _targets(villages: gpd.GeoDataFrame, enterprises: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    v = target_points(villages)[["target_id", "geometry"]]
    e = gpd.GeoDataFrame(
        {"target_id": enterprises["id"].to_numpy()}, geometry=enterprises.geometry.to_numpy(),
        crs=enterprises.crs,
    )
    return gpd.GeoDataFrame(pd.concat([v, e], ignore_index=True), crs=villages.crs)


def gistool_times(g: RoadGraph, fg: RoadGraph | None, fac: gpd.GeoDataFrame,
                  targets: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return travel_times(g, fac, targets, flood_graph=fg)


class NxBaseline:
    """networkx multi-source Dijkstra on the same augmented graph (built once, untimed)."""

    def __init__(self, graphs: dict[str, RoadGraph], fac: gpd.GeoDataFrame,
                 targets: gpd.GeoDataFrame, kinds: list[str] | None = None) -> None:
        import networkx as nx

        self.graphs = graphs
        self.kinds = kinds or sorted(fac["kind"].unique())
        self.kind_of = fac["kind"].to_numpy()
        any_g = next(iter(graphs.values()))
        self.s = snap_points(any_g, fac)
        self.t = snap_points(any_g, targets)
        self.nx_graphs = {}
        for name, g in graphs.items():
            matrix, _ = augmented_csr(g, self.s)
            self.nx_graphs[name] = nx.from_scipy_sparse_array(matrix, create_using=nx.DiGraph)
        self.n_nodes = {name: g.n_nodes for name, g in graphs.items()}

    def run_gistool(self) -> dict[tuple[str, str], np.ndarray]:
        """The same work with gistool's solver: same snapped inputs, same outputs."""
        out = {}
        for name, g in self.graphs.items():
            matrix, _ = augmented_csr(g, self.s)
            for kind in self.kinds:
                members = np.flatnonzero((self.kind_of == kind) & self.s.snapped)
                times = node_times(g, self.s, members, matrix=matrix)
                out[(name, kind)] = target_times(g, times, self.s, self.t)[0]
        return out

    def run(self) -> dict[tuple[str, str], np.ndarray]:
        import networkx as nx

        out = {}
        for name, G in self.nx_graphs.items():
            g = self.graphs[name]
            n = self.n_nodes[name]
            for kind in self.kinds:
                members = np.flatnonzero((self.kind_of == kind) & self.s.snapped)
                d = nx.multi_source_dijkstra_path_length(G, [int(n + j) for j in members])
                dist = np.full(n, np.inf)
                keys = np.fromiter(d.keys(), dtype=np.int64, count=len(d))
                vals = np.fromiter(d.values(), dtype=float, count=len(d))
                real = keys < n
                dist[keys[real]] = vals[real]
                times = NodeTimes(dist=dist, source=np.zeros(n, np.int64),
                                  pred=np.zeros(0, np.int64), members=members)
                out[(name, kind)] = target_times(g, times, self.s, self.t)[0]
        return out


def max_diff(a: dict[tuple[str, str], np.ndarray], b: dict[tuple[str, str], np.ndarray]) -> float:
    worst = 0.0
    for key, x in a.items():
        y = b[key]
        if not np.array_equal(np.isfinite(x), np.isfinite(y)):
            return float("inf")
        fin = np.isfinite(x)
        if fin.any():
            worst = max(worst, float(np.max(np.abs(x[fin] - y[fin]))))
    return worst


def compare(ours: gpd.GeoDataFrame, ref: dict[tuple[str, str], np.ndarray], flood: bool) -> float:
    worst = 0.0
    for (scenario, kind), minutes in ref.items():
        col = ("minutes_flood" if scenario == "flood" else "minutes_normal") if flood else "minutes"
        mine = ours.loc[ours["kind"] == kind, col].to_numpy(dtype=float)
        both = np.isfinite(mine) & np.isfinite(minutes)
        if not np.array_equal(np.isfinite(mine), np.isfinite(minutes)):
            return float("inf")
        if both.any():
            worst = max(worst, float(np.max(np.abs(mine[both] - minutes[both]))))
    return worst


def synthetic_area(scale_edges: int, n_fac: int, n_targets: int, seed: int = 1):
    """A jittered street lattice with about ``scale_edges`` edges, facilities and targets."""
    rng = np.random.default_rng(seed)
    side = int(np.sqrt(scale_edges / 2)) + 1
    step = 150.0
    ii, jj = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    xy = np.stack([ii.ravel() * step, jj.ravel() * step], axis=1) + 400_000.0
    xy += rng.normal(0, 25, xy.shape)
    idx = np.arange(side * side).reshape(side, side)
    a = np.concatenate([idx[:-1, :].ravel(), idx[:, :-1].ravel()])
    b = np.concatenate([idx[1:, :].ravel(), idx[:, 1:].ravel()])
    drop = rng.random(len(a)) < 0.1  # some missing blocks
    a, b = a[~drop], b[~drop]
    lines = shapely.linestrings(np.stack([xy[a], xy[b]], axis=1))
    m = len(lines)
    classes = rng.choice(["village", "township", "county", "provincial", "urban_local"], m,
                         p=[0.55, 0.2, 0.1, 0.05, 0.1])
    roads = gpd.GeoDataFrame({"road_class": classes, "oneway": rng.random(m) < 0.02},
                             geometry=lines, crs="EPSG:4547")
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    kinds = rng.choice(["fire_station", "rescue_team", "hospital", "shelter", "depot"], n_fac)
    fac = gpd.GeoDataFrame({"id": [f"F{i}" for i in range(n_fac)], "kind": kinds},
                           geometry=shapely.points(rng.uniform(lo, hi, (n_fac, 2))),
                           crs="EPSG:4547")
    tgt = gpd.GeoDataFrame({"target_id": np.arange(n_targets)},
                           geometry=shapely.points(rng.uniform(lo, hi, (n_targets, 2))),
                           crs="EPSG:4547")
    return roads, fac, tgt


def main(argv: list[str] | None = None) -> list[CaseResult]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the large networkx run")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    from gistool.datasets import load_changge

    area = load_changge()
    results: list[CaseResult] = []
    rep = args.repeat

    # -- graph building
    t_build = measure("gistool build_road_graph", lambda: build_road_graph(area.roads), repeat=rep)
    g = build_road_graph(area.roads)
    t_build.extra = {"edges": g.n_edges, "nodes": g.n_nodes, "arcs": g.n_arcs,
                     "target_s": 2.0}
    t_noded = measure("gistool build_road_graph(node_crossings=True)",
                      lambda: build_road_graph(area.roads, node_crossings=True), repeat=rep)
    results.append(CaseResult("Changge: graph from the road layer", t_build.name,
                              [t_build, t_noded]))
    log.info(results[-1].markdown())

    fg = apply_flood(g, area.flood_depth[100]).graph
    fac = area.facilities
    targets = _targets(area.villages, area.enterprises)

    # -- travel times, all kinds, normal + flood
    base = NxBaseline({"normal": g, "flood": fg}, fac, targets)
    ours = gistool_times(g, fg, fac, targets)
    ref = base.run()
    diff = compare(ours, ref, flood=True)
    t_ours = measure("gistool travel_times", lambda: gistool_times(g, fg, fac, targets),
                     repeat=rep)
    t_ours.extra = {"targets": len(targets), "kinds": len(base.kinds), "scenarios": 2,
                    "max_abs_diff_minutes_vs_networkx": diff}
    t_solver = measure("gistool solver (csgraph dijkstra min_only)", base.run_gistool,
                       repeat=rep)
    t_solver.extra = {"max_abs_diff_minutes_vs_networkx": max_diff(base.run_gistool(), ref)}
    t_nx = measure("networkx multi_source_dijkstra_path_length", base.run, repeat=max(rep // 2, 1))
    results.append(CaseResult(
        f"Changge: {len(targets)} targets × {len(base.kinds)} kinds × normal/flood "
        "(same snapped inputs)",
        t_solver.name, [t_solver, t_nx, t_ours]))
    log.info(results[-1].markdown())
    del base

    # -- critical links
    rescue = fac[fac["kind"].isin(["fire_station", "rescue_team"])]
    villages = target_points(area.villages)
    t_crit = measure("gistool critical_links top 20",
                     lambda: critical_links(g, rescue, villages, top=20), repeat=max(rep // 2, 1))
    t_crit.extra = {"target_s": 30.0}
    results.append(CaseResult("Changge: critical links (villages, fire+rescue)", t_crit.name,
                              [t_crit]))
    log.info(results[-1].markdown())

    # -- isochrones
    fire = fac[fac["kind"] == "fire_station"]
    t_iso_r = measure("gistool isochrones raster",
                      lambda: isochrones(g, fire), repeat=max(rep // 2, 1))
    t_iso_v = measure("gistool isochrones vector (exact)",
                      lambda: isochrones(g, fire, method="vector"), repeat=1, warmup=0)
    results.append(CaseResult("Changge: fire-station isochrones 5/10/15/30 min",
                              t_iso_r.name, [t_iso_r, t_iso_v]))
    log.info(results[-1].markdown())

    # -- 20× synthetic network
    roads, sfac, stgt = synthetic_area(20 * g.n_edges, len(fac), 5 * len(targets))
    t0 = time.perf_counter()
    sg = build_road_graph(roads)
    build_s = time.perf_counter() - t0
    t_big_build = measure("gistool build_road_graph (20×)", lambda: build_road_graph(roads),
                          repeat=max(rep // 2, 1), warmup=0)
    t_big_build.extra = {"edges": sg.n_edges, "nodes": sg.n_nodes, "first_build_s": build_s}
    t_big_all = measure("gistool travel_times all kinds (20×)",
                        lambda: travel_times(sg, sfac, stgt), repeat=max(rep // 2, 1))
    t_big_all.extra = {"targets": len(stgt), "kinds": int(sfac["kind"].nunique())}
    timings: list[Timing] = [t_big_build, t_big_all]
    one = sfac[sfac["kind"] == "fire_station"]
    t_big_one = measure("gistool travel_times fire_station (20×)",
                        lambda: travel_times(sg, one, stgt), repeat=max(rep // 2, 1))
    timings.append(t_big_one)
    base_name = t_big_one.name
    if not args.quick:
        big = NxBaseline({"normal": sg}, one, stgt)
        t_big_solver = measure("gistool solver fire_station (20×)", big.run_gistool,
                               repeat=max(rep // 2, 1))
        t_big_nx = measure("networkx fire_station (20×)", big.run, repeat=1)
        d = max_diff(big.run_gistool(), big.run())
        t_big_nx.extra = {"max_abs_diff_minutes": d}
        timings += [t_big_solver, t_big_nx]
        base_name = t_big_solver.name
        del big
    results.append(CaseResult(
        f"Synthetic 20× network ({sg.n_edges} edges, {len(stgt)} targets)",
        base_name, timings))
    log.info(results[-1].markdown())
    save_results(results, RESULTS)
    return results


if __name__ == "__main__":
    main()
