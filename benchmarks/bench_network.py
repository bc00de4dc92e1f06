"""Rescue network: gistool (scipy.sparse.csgraph) vs networkx, on Changge and 20× larger.

Run with ``python -m benchmarks.bench_network`` (``--quick`` skips the large
synthetic network's networkx run). Writes ``benchmarks/results/network.json``
(and ``network.md``).

Cases, side by side in one process (medians after a warm-up):

- **travel times**: every village and enterprise of Changge, nearest facility
  of every kind, normal and 100-year flood graph. gistool: the whole
  :func:`gistool.network.travel_times` call (snapping, the contracted core,
  one ``dijkstra(min_only=True)`` per kind on the core's top level, the long
  table), and the solver alone on the same snapped inputs as networkx
  (:class:`gistool.network.solve.CoreSolver`, prebuilt per scenario as
  networkx's graphs are, and with that per-scenario preparation timed too);
  the full-graph solver it replaces (``dijkstra`` on the augmented graph) for
  reference. networkx: on the same augmented graph (converted outside the
  timing, which favours it), ``multi_source_dijkstra_path_length`` per kind
  and scenario, then the same vectorised formula for the targets; igraph (if
  installed) the same with a zero-weight super source per kind. The minutes
  of all are compared. The contraction (topology + pinned source edges,
  cached with the graph) is timed separately.
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
import importlib.util
import logging
import time
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import csr_array

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
from gistool.network.contract import contract
from gistool.network.hierarchy import build_hierarchy
from gistool.network.solve import (
    NodeTimes,
    augmented_csr,
    core_solver,
    node_times,
    target_times,
)

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
    """networkx (and igraph) multi-source Dijkstra on the same augmented graph (built once,
    untimed), next to gistool's solvers on the same snapped inputs."""

    def __init__(self, graphs: dict[str, RoadGraph], fac: gpd.GeoDataFrame,
                 targets: gpd.GeoDataFrame, kinds: list[str] | None = None) -> None:
        import networkx as nx

        self.graphs = graphs
        self.kinds = kinds or sorted(fac["kind"].unique())
        self.kind_of = fac["kind"].to_numpy()
        any_g = next(iter(graphs.values()))
        self.s = snap_points(any_g, fac)
        self.t = snap_points(any_g, targets)
        self.members = {k: np.flatnonzero((self.kind_of == k) & self.s.snapped)
                        for k in self.kinds}
        self.matrices = {name: augmented_csr(g, self.s)[0] for name, g in graphs.items()}
        self.nx_graphs = {name: nx.from_scipy_sparse_array(m, create_using=nx.DiGraph)
                          for name, m in self.matrices.items()}
        self.n_nodes = {name: g.n_nodes for name, g in graphs.items()}
        self.solvers = {name: core_solver(g, self.s) for name, g in graphs.items()}
        self.indexes = {name: sol.target_index(self.t) for name, sol in self.solvers.items()}
        self.ig_graphs = (_igraph_graphs(self.matrices, self.n_nodes, self.members)
                          if HAS_IGRAPH else {})

    def run_gistool(self) -> dict[tuple[str, str], np.ndarray]:
        """The same work with gistool's solver: core solvers prebuilt per scenario."""
        return {(name, kind): sol.target_minutes(self.indexes[name], self.members[kind])[0]
                for name, sol in self.solvers.items() for kind in self.kinds}

    def run_gistool_prep(self) -> dict[tuple[str, str], np.ndarray]:
        """The same work including the per-scenario core weights, matrix and target terms."""
        out = {}
        for name, g in self.graphs.items():
            sol = core_solver(g, self.s)
            index = sol.target_index(self.t)
            for kind in self.kinds:
                out[(name, kind)] = sol.target_minutes(index, self.members[kind])[0]
        return out

    def run_fullgraph(self) -> dict[tuple[str, str], np.ndarray]:
        """The solver before the contraction: ``dijkstra`` on the whole augmented graph."""
        out = {}
        for name, g in self.graphs.items():
            for kind in self.kinds:
                times = node_times(g, self.s, self.members[kind], matrix=self.matrices[name])
                out[(name, kind)] = target_times(g, times, self.s, self.t)[0]
        return out

    def _targets_from(self, name: str, kind: str, dist_all: np.ndarray) -> np.ndarray:
        """Target minutes from node times (same formula; sources on the target's edge too)."""
        n = self.n_nodes[name]
        times = NodeTimes(dist=dist_all[:n], source=np.zeros(n, np.int64),
                          pred=np.zeros(0, np.int64), members=self.members[kind])
        return target_times(self.graphs[name], times, self.s, self.t)[0]

    def run(self) -> dict[tuple[str, str], np.ndarray]:
        import networkx as nx

        out = {}
        for name, G in self.nx_graphs.items():
            n = self.n_nodes[name]
            for kind in self.kinds:
                d = nx.multi_source_dijkstra_path_length(
                    G, [int(n + j) for j in self.members[kind]])
                dist = np.full(n, np.inf)
                keys = np.fromiter(d.keys(), dtype=np.int64, count=len(d))
                vals = np.fromiter(d.values(), dtype=float, count=len(d))
                real = keys < n
                dist[keys[real]] = vals[real]
                out[(name, kind)] = self._targets_from(name, kind, dist)
        return out

    def run_igraph(self) -> dict[tuple[str, str], np.ndarray]:
        """igraph ``distances`` from a zero-weight super source per kind (graphs prebuilt)."""
        out = {}
        for (name, kind), G in self.ig_graphs.items():
            d = np.asarray(G.distances(source=G.vcount() - 1, weights="weight", mode="out")[0])
            out[(name, kind)] = self._targets_from(name, kind, d)
        return out


HAS_IGRAPH = importlib.util.find_spec("igraph") is not None


def _igraph_graphs(matrices: dict[str, csr_array], n_nodes: dict[str, int],
                   members: dict[str, np.ndarray]) -> dict[tuple[str, str], object]:
    """Per scenario and kind, the augmented graph plus a zero-weight super source (igraph)."""
    import igraph as ig

    out = {}
    for name, m in matrices.items():
        coo = m.tocoo()
        size = m.shape[0]
        for kind, mem in members.items():
            tails = np.concatenate([coo.row, np.full(len(mem), size)])
            heads = np.concatenate([coo.col, n_nodes[name] + mem])
            G = ig.Graph(n=size + 1, edges=np.stack([tails, heads], 1).tolist(), directed=True)
            G.es["weight"] = np.concatenate([coo.data, np.zeros(len(mem))]).tolist()
            out[(name, kind)] = G
    return out


def cpu_median(fn: Callable[[], object], repeat: int) -> float:
    """Median CPU seconds (``time.process_time``) of ``repeat`` runs after one warm-up."""
    fn()
    runs = []
    for _ in range(repeat):
        c0 = time.process_time()
        fn()
        runs.append(time.process_time() - c0)
    return float(np.median(runs))


def interleaved_ratio(slow: Callable[[], object], fast: Callable[[], object],
                      repeat: int) -> float:
    """Median of ``slow ÷ fast`` wall times over pairs run back to back (robust to load drift).

    ``fast`` is timed as the median of 5 runs next to each ``slow`` run.
    """
    fast()
    ratios = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        slow()
        t_slow = time.perf_counter() - t0
        fast_runs = []
        for _ in range(5):
            t0 = time.perf_counter()
            fast()
            fast_runs.append(time.perf_counter() - t0)
        ratios.append(t_slow / float(np.median(fast_runs)))
    return float(np.median(ratios))


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
    parser.add_argument("--only", choices=["all", "travel", "synthetic"], default="all",
                        help="run only the Changge travel-times case or the 20× case")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    from gistool.datasets import load_changge

    area = load_changge()
    results: list[CaseResult] = []
    rep = args.repeat

    g = build_road_graph(area.roads)
    if args.only == "all":  # -- graph building
        t_build = measure("gistool build_road_graph", lambda: build_road_graph(area.roads),
                          repeat=rep)
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

    if args.only in ("all", "travel"):
        # -- travel times, all kinds, normal + flood
        base = NxBaseline({"normal": g, "flood": fg}, fac, targets)
        ours = gistool_times(g, fg, fac, targets)
        ref = base.run()
        diff = compare(ours, ref, flood=True)
        t_ours = measure("gistool travel_times", lambda: gistool_times(g, fg, fac, targets),
                         repeat=rep)
        t_ours.extra = {"targets": len(targets), "kinds": len(base.kinds), "scenarios": 2,
                        "max_abs_diff_minutes_vs_networkx": diff,
                        "cpu_median_s": cpu_median(lambda: gistool_times(g, fg, fac, targets), rep)}
        t_solver = measure("gistool solver (contracted core, prebuilt per scenario)",
                           base.run_gistool, repeat=rep)
        t_solver.extra = {"max_abs_diff_minutes_vs_networkx": max_diff(base.run_gistool(), ref),
                          "cpu_median_s": cpu_median(base.run_gistool, rep)}
        t_prep = measure("gistool solver incl. per-scenario core weights and target terms",
                         base.run_gistool_prep, repeat=rep)
        t_prep.extra = {"cpu_median_s": cpu_median(base.run_gistool_prep, rep)}
        t_full = measure("gistool full-graph dijkstra (the solver before the contraction)",
                         base.run_fullgraph, repeat=rep)
        t_full.extra = {"max_abs_diff_minutes_vs_networkx": max_diff(base.run_fullgraph(), ref),
                        "cpu_median_s": cpu_median(base.run_fullgraph, rep)}
        t_nx = measure("networkx multi_source_dijkstra_path_length", base.run,
                       repeat=max(rep // 2, 1))
        t_nx.extra = {"cpu_median_s": cpu_median(base.run, max(rep // 2, 1)),
                      "interleaved_ratio_to_solver": interleaved_ratio(base.run, base.run_gistool,
                                                                       max(rep // 2, 1)),
                      "interleaved_ratio_to_travel_times": interleaved_ratio(
                          base.run, lambda: gistool_times(g, fg, fac, targets), max(rep // 2, 1))}
        timings = [t_solver, t_prep, t_full, t_nx, t_ours]
        if HAS_IGRAPH:
            t_ig = measure("igraph distances (super source)", base.run_igraph, repeat=rep)
            t_ig.extra = {"max_abs_diff_minutes_vs_networkx": max_diff(base.run_igraph(), ref),
                          "cpu_median_s": cpu_median(base.run_igraph, rep)}
            timings.insert(4, t_ig)
        # the contraction itself (cached with the graph; here rebuilt every time)
        eu, ev = g.edge_uv
        snapped = base.s.edge[base.s.snapped]
        pins = np.concatenate([eu[snapped], ev[snapped]])
        c = contract(eu, ev, g.n_nodes, pins)
        t_contract = measure("gistool contract (pendant trees, chains, shortcut levels)",
                             lambda: contract(eu, ev, g.n_nodes, pins), repeat=rep)
        core_tail = c.arc_tail[c.arc_group]
        core_head = c.arc_head[c.arc_group]
        t_levels = measure("  of which shortcut levels (build_hierarchy)",
                           lambda: build_hierarchy(core_tail, core_head, c.n_core,
                                                   np.isin(c.core, pins)), repeat=rep)
        t_contract.extra = {
            "nodes": g.n_nodes, "pendant": int(c.pendant.sum()), "chain_interior":
            int(c.interior.sum()), "core": c.n_core, "levels": len(c.hierarchy.levels),
            "top_nodes": c.hierarchy.n_top, "top_arcs": len(c.hierarchy.tail),
            "cpu_median_s": cpu_median(lambda: contract(eu, ev, g.n_nodes, pins), rep)}
        timings += [t_contract, t_levels]
        results.append(CaseResult(
            f"Changge: {len(targets)} targets × {len(base.kinds)} kinds × normal/flood "
            "(same snapped inputs)",
            t_solver.name, timings))
        log.info(results[-1].markdown())
        log.info("interleaved networkx ÷ gistool: solver %.1f×, whole travel_times %.1f×",
                 t_nx.extra["interleaved_ratio_to_solver"],
                 t_nx.extra["interleaved_ratio_to_travel_times"])
        del base

    if args.only == "all":  # -- critical links
        rescue = fac[fac["kind"].isin(["fire_station", "rescue_team"])]
        villages = target_points(area.villages)
        t_crit = measure("gistool critical_links top 20",
                         lambda: critical_links(g, rescue, villages, top=20),
                         repeat=max(rep // 2, 1))
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

    if args.only in ("all", "synthetic"):  # -- 20× synthetic network
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
            t_big_full = measure("gistool full-graph dijkstra fire_station (20×, before)",
                                 big.run_fullgraph, repeat=max(rep // 2, 1))
            t_big_nx = measure("networkx fire_station (20×)", big.run, repeat=1)
            d = max_diff(big.run_gistool(), big.run())
            t_big_nx.extra = {"max_abs_diff_minutes": d}
            timings += [t_big_solver, t_big_full, t_big_nx]
            if HAS_IGRAPH:
                timings.append(measure("igraph fire_station (20×)", big.run_igraph,
                                       repeat=max(rep // 2, 1)))
            su, sv = sg.edge_uv
            sn = big.s.edge[big.s.snapped]
            spins = np.concatenate([su[sn], sv[sn]])
            t_big_c = measure("gistool contract (20×)",
                              lambda: contract(su, sv, sg.n_nodes, spins), repeat=max(rep // 2, 1))
            cc = contract(su, sv, sg.n_nodes, spins)
            t_big_c.extra = {"core": cc.n_core, "top_nodes": cc.hierarchy.n_top}
            timings.append(t_big_c)
            base_name = t_big_solver.name
            del big
        results.append(CaseResult(
            f"Synthetic 20× network ({sg.n_edges} edges, {len(stgt)} targets)",
            base_name, timings))
        log.info(results[-1].markdown())
    if args.only == "all":
        save_results(results, RESULTS)
    return results


if __name__ == "__main__":
    main()
