"""``make bench``: every benchmark case, each in its own process, side by side.

Each case (a comparison of gistool with what a user would otherwise write, on
the same data) runs in a fresh ``python -m benchmarks.run --child CASE``
subprocess, so the peak RSS reported for it (the child's ``ru_maxrss``) is
that case's alone. Inside a case every implementation is timed by
:func:`benchmarks._harness.measure` — median of ``--repeat`` runs (default 5)
after a warm-up, with min and max — and the ratio to gistool is computed from
medians **measured in the same run**. The machine (CPU model, cores, RAM,
load average before and after each case, library versions) is recorded.

Writes ``benchmarks/results/latest.json`` and ``latest.md``.

Usage::

    python -m benchmarks.run                    # everything (≈ 30 min on 2 cores)
    python -m benchmarks.run --quick            # 3 repeats, no 25× scaling
    python -m benchmarks.run --cases zonal-villages,network
    python -m benchmarks.run --list
    python -m benchmarks.run --jobs 2 --update --cases network   # merge into latest.json

Case functions live with their topic (:mod:`benchmarks.bench_overlay`,
:mod:`benchmarks.bench_network`, :mod:`benchmarks.bench_points`,
:mod:`benchmarks.bench_end_to_end`, :mod:`benchmarks.bench_scaling`); the
adapters here only load the data and call them.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import logging
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks._harness import CaseResult, Timing

log = logging.getLogger("benchmarks")
RESULTS = Path(__file__).parent / "results"

#: Case name → ("module:function", keyword arguments). Every function takes
#: ``repeat=`` and returns a list of ``(CaseResult, checks dict)``.
CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "zonal-townships": ("benchmarks.run:zonal", {"layer": "townships", "slow_repeat": 5}),
    "zonal-villages": ("benchmarks.run:zonal", {"layer": "villages", "slow_repeat": 3}),
    "zonal-grid": ("benchmarks.run:zonal", {"layer": "500 m grid", "slow_repeat": 2}),
    "pip-enterprises": ("benchmarks.bench_points:run_pip", {"which": "enterprises"}),
    "pip-million": ("benchmarks.bench_points:run_pip", {"which": "million"}),
    "sample-enterprises": ("benchmarks.bench_points:run_sampling", {"which": "enterprises"}),
    "sample-million": ("benchmarks.bench_points:run_sampling", {"which": "million"}),
    "network": ("benchmarks.run:network", {}),
    "end-to-end": ("benchmarks.bench_end_to_end:run_case", {}),
    "scaling-1": ("benchmarks.bench_scaling:run_factor", {"factor": 1}),
    "scaling-5": ("benchmarks.bench_scaling:run_factor", {"factor": 5}),
    "scaling-25": ("benchmarks.bench_scaling:run_factor", {"factor": 25}),
    "maps": ("benchmarks.bench_outputs:run_maps", {}),
    "html": ("benchmarks.bench_outputs:run_html", {}),
    "tables": ("benchmarks.bench_outputs:run_tables", {}),
}
QUICK_SKIP = ("scaling-25",)


# ----------------------------------------------------------------------------- adapters


def zonal(layer: str, *, repeat: int = 5, slow_repeat: int = 5) -> list[tuple[CaseResult, dict]]:
    """Zonal flood statistics over one unit layer (:func:`bench_overlay.zonal_case`).

    rasterstats and exactextract run ``min(repeat, slow_repeat)`` times (they
    take tens of seconds per run on the villages and the grid).
    """
    import shutil

    import rasterio

    from benchmarks.bench_overlay import grid_500, zonal_case
    from gistool.datasets import load_changge
    from gistool.overlay import RasterGrid

    area = load_changge()
    tmp = Path(tempfile.mkdtemp(prefix="bench_zonal_"))
    try:
        # private copies: the dataset cache may be regenerated while the benchmark runs
        paths = {f"flood_{T}": Path(shutil.copy(p, tmp / Path(p).name))
                 for T, p in sorted(area.flood_depth.items())}
        grid = RasterGrid.from_raster(next(iter(paths.values())))
        arrays = {}
        for name, path in paths.items():
            with rasterio.open(path) as ds:
                arrays[name] = ds.read(1)
        units = {"townships": area.townships, "villages": area.villages}.get(layer)
        if units is None:
            units = grid_500(area.boundary)
        return [zonal_case(layer, units, paths, arrays, grid, repeat=repeat,
                           slow_repeat=min(repeat, slow_repeat))]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def network(*, repeat: int = 5) -> list[tuple[CaseResult, dict]]:
    """Travel times, every kind, normal and flood: gistool vs networkx (bench_network)."""
    from benchmarks._harness import measure
    from benchmarks.bench_network import NxBaseline, _targets, compare, gistool_times
    from gistool.datasets import load_changge
    from gistool.network import apply_flood, build_road_graph

    area = load_changge()
    g = build_road_graph(area.roads)
    fg = apply_flood(g, area.flood_depth[100]).graph
    fac, targets = area.facilities, _targets(area.villages, area.enterprises)
    base = NxBaseline({"normal": g, "flood": fg}, fac, targets)
    diff = compare(gistool_times(g, fg, fac, targets), base.run(), flood=True)
    t_ours = measure("gistool travel_times", lambda: gistool_times(g, fg, fac, targets),
                     repeat=repeat)
    t_nx = measure("networkx multi_source_dijkstra_path_length", base.run, repeat=repeat)

    # the networkx row's work only (same snapped points; the core solvers and
    # networkx's graphs built outside the timing): Dijkstra + target minutes
    solve_only = base.run_gistool
    solve_diff = max(
        float(np.nanmax(np.abs(np.where(np.isfinite(a), a, 0) - np.where(np.isfinite(b), b, 0))))
        for a, b in zip(solve_only().values(), base.run().values(), strict=True))
    t_solve = measure("gistool solve only (the networkx row's work)", solve_only,
                      repeat=repeat)
    t_before = measure("(gistool full-graph dijkstra, the solver before the contraction)",
                       base.run_fullgraph, repeat=repeat)
    t_build = measure("(gistool build_road_graph, for reference)",
                      lambda: build_road_graph(area.roads), repeat=repeat)
    has_igraph = importlib.util.find_spec("igraph") is not None
    extra_rows = [t_before]
    if has_igraph:
        extra_rows.append(measure("igraph distances (same augmented graph, super source)",
                                  base.run_igraph, repeat=repeat))
    checks = {
        "max_abs_diff_minutes_vs_networkx": diff,
        "solve_only_max_abs_diff_minutes_vs_networkx": solve_diff,
        "targets": len(targets),
        "kinds": len(base.kinds),
        "graph_nodes": g.n_nodes,
        "graph_edges": g.n_edges,
        "igraph": "installed" if has_igraph else "not installed",
    }
    res = CaseResult(
        f"travel times, {len(targets):,} targets × {len(base.kinds)} kinds × normal/flood",
        t_ours.name, [t_ours, t_solve, t_nx, *extra_rows, t_build])
    return [(res, checks)]


# ----------------------------------------------------------------------------- machine


def machine() -> dict[str, Any]:
    """CPU model, cores, RAM, load average, library versions, git commit."""
    info: dict[str, Any] = {"platform": platform.platform(), "python": platform.python_version()}
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        models = [ln.split(":", 1)[1].strip() for ln in cpuinfo.splitlines()
                  if ln.startswith("model name")]
        info["cpu"] = models[0] if models else platform.processor()
    except OSError:
        info["cpu"] = platform.processor()
    info["cores"] = os.cpu_count()
    try:
        mem = Path("/proc/meminfo").read_text().split("\n")[0].split()[1]
        info["ram_gib"] = round(int(mem) / 2**20, 1)
    except (OSError, IndexError, ValueError):
        info["ram_gib"] = None
    info["loadavg_start"] = os.getloadavg()
    versions = {}
    for mod in ("numpy", "scipy", "shapely", "geopandas", "pyogrio", "rasterio", "pyproj",
                "networkx", "rasterstats", "exactextract", "mapclassify", "pandas"):
        try:
            versions[mod] = importlib.import_module(mod).__version__
        except (ImportError, AttributeError):
            versions[mod] = None
    try:
        import rasterio

        versions["GDAL"] = rasterio.__gdal_version__
    except ImportError:
        pass
    versions["igraph"] = "installed" if importlib.util.find_spec("igraph") else "not installed"
    info["versions"] = versions
    try:
        info["git_commit"] = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
            cwd=Path(__file__).parent, check=False).stdout.strip()
    except OSError:
        info["git_commit"] = None
    return info


# ----------------------------------------------------------------------------- child


def _resolve(target: str):
    module, _, func = target.partition(":")
    return getattr(importlib.import_module(module), func)


def child(name: str, repeat: int, out: Path) -> None:
    """Run one case in this process and write its results (JSON) to ``out``."""
    target, kwargs = CASES[name]
    t0 = time.perf_counter()
    c0 = time.process_time()
    pairs = _resolve(target)(repeat=repeat, **kwargs)
    payload = {
        "case": name,
        "results": [r.to_dict() for r, _ in pairs],
        "checks": [c for _, c in pairs],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        "wall_s": time.perf_counter() - t0,
        "cpu_s": time.process_time() - c0,
    }
    out.write_text(json.dumps(payload, default=_jsonable, ensure_ascii=False))


def _jsonable(obj: Any) -> Any:
    if hasattr(obj, "item"):
        return obj.item()
    if isinstance(obj, (set, tuple)):
        return list(obj)
    return str(obj)


def run_case(name: str, repeat: int) -> dict[str, Any]:
    """Run ``name`` in a fresh subprocess; its payload plus the load average around it."""
    with tempfile.TemporaryDirectory(prefix="bench_child_") as tmp:
        out = Path(tmp) / "result.json"
        load0 = os.getloadavg()
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "benchmarks.run", "--child", name, "--repeat", str(repeat),
             "--child-out", str(out)],
            cwd=Path(__file__).resolve().parents[1], check=False,
        )
        wall = time.perf_counter() - t0
        if proc.returncode != 0 or not out.exists():
            return {"case": name, "error": f"exit code {proc.returncode}", "wall_s": wall,
                    "loadavg": [load0, os.getloadavg()]}
        payload = json.loads(out.read_text())
    payload["loadavg"] = [load0, os.getloadavg()]
    return payload


# ----------------------------------------------------------------------------- report


def _case_results(payload: dict[str, Any]) -> list[CaseResult]:
    out = []
    for d in payload.get("results", []):
        timings = [Timing(**t) for t in d["timings"]]
        out.append(CaseResult(d["case"], d["baseline"], timings))
    return out


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, dict):
        return ", ".join(f"{k} {_fmt(x)}" for k, x in v.items())
    return str(v)


def scaling_summary(payloads: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Time and peak memory vs area factor, with the fitted log-log exponents."""
    from benchmarks.bench_scaling import fit_exponent

    rows = []
    for p in payloads:
        if not p["case"].startswith("scaling-") or "error" in p:
            continue
        t = p["results"][0]["timings"][0]
        rows.append({"factor": t["extra"]["area_factor"], "median_s": t["median"],
                     "cpu_s": t["extra"].get("cpu_s_median"), "peak_rss_mb": p["peak_rss_mb"],
                     "villages": t["extra"]["villages"],
                     "raster_cells": t["extra"]["raster_cells"]})
    if len(rows) < 2:
        return None
    rows.sort(key=lambda r: r["factor"])
    f = [r["factor"] for r in rows]
    return {
        "rows": rows,
        "time_exponent": fit_exponent(f, [r["median_s"] for r in rows]),
        "cpu_time_exponent": fit_exponent(f, [r["cpu_s"] for r in rows]),
        "memory_exponent": fit_exponent(f, [r["peak_rss_mb"] for r in rows]),
    }


def headline(payloads: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """(what, measured, target) rows of the summary table."""
    rows = []
    by = {p["case"]: p for p in payloads if "error" not in p}
    for name in ("zonal-townships", "zonal-villages", "zonal-grid"):
        if name in by:
            c = by[name]["checks"][0]
            layer = name.split("-", 1)[1]
            rows.append((f"zonal, {layer}: rasterstats ÷ gistool",
                         f"{c['rasterstats_over_gistool']:.1f}×", "≥ 10×"))
            rows.append((f"zonal, {layer}: exactextract ÷ gistool",
                         f"{c['exactextract_over_gistool']:.1f}×", "≥ 5×"))
            rows.append((f"zonal, {layer}: gistool (labels cached, in memory) ÷ numpy.sum, "
                         "per raster", f"{c['cached_in_memory_vs_floor']:.1f}×", "≤ 20×"))
    zonal_names = ("zonal-townships", "zonal-villages", "zonal-grid")
    if all(n in by for n in zonal_names):
        # the indicator set of issue 4: three flood rasters over all three unit layers
        tot: dict[str, float] = {}
        for n in zonal_names:
            for t in _case_results(by[n])[0].timings:
                tot[t.name] = tot.get(t.name, 0.0) + t.median
        rows.append(("zonal, the whole set (townships + villages + grid): rasterstats ÷ gistool",
                     f"{tot['rasterstats'] / tot['gistool']:.1f}×", "≥ 10×"))
        rows.append(("zonal, the whole set: exactextract ÷ gistool",
                     f"{tot['exactextract'] / tot['gistool']:.1f}×", "≥ 5×"))
    for name, alt in (("pip-enterprises", "geopandas.sjoin"), ("pip-million", "geopandas.sjoin"),
                      ("sample-enterprises", "rasterio dataset.sample"),
                      ("sample-million", "rasterio dataset.sample")):
        if name in by:
            res = _case_results(by[name])[0]
            r = res.ratios()
            key = next(k for k in r if k.startswith(alt))
            rows.append((f"{res.case}: {alt} ÷ gistool", f"{r[key]:.1f}×", ""))
    if "network" in by:
        res = _case_results(by["network"])[0]
        r = res.ratios()
        rows.append((f"{res.case}: networkx ÷ gistool (whole travel_times call)",
                     f"{r['networkx multi_source_dijkstra_path_length']:.1f}×", "≥ 20×"))
        solve = "gistool solve only (the networkx row's work)"
        if solve in r:
            rows.append(("travel times, the same work (Dijkstra + target minutes): "
                         "networkx ÷ gistool",
                         f"{r['networkx multi_source_dijkstra_path_length'] / r[solve]:.1f}×",
                         "≥ 20×"))
    if "end-to-end" in by:
        c = by["end-to-end"]["checks"][0]
        rows.append(("end to end: naive script ÷ gistool (assess_risk + GeoPackage)",
                     f"{c['naive_over_gistool']:.1f}× (CPU {c['naive_over_gistool_cpu']:.1f}×)",
                     "≥ 10×"))
        rows.append(("cached-input Changge assess_risk (no maps)",
                     f"{c['assess_risk_s']:.2f} s wall, {c['assess_risk_cpu_s']:.2f} s CPU",
                     "< 5 s"))
        if c.get("outputs_stage_s") is not None:
            rows.append(("maps + web map + report (outputs stage of the cold run)",
                         f"{c['outputs_stage_s']:.1f} s", "< 15 s"))
        rows.append(("gistool run, cached (nothing changed)", f"{c['cached_run_s']:.2f} s", ""))
    sc = scaling_summary(payloads)
    if sc:
        rows.append(("scaling: time exponent (log-log fit, wall)",
                     f"{sc['time_exponent']:.2f} (CPU {sc['cpu_time_exponent']:.2f})", "≤ 1.1"))
        rows.append(("scaling: memory exponent", f"{sc['memory_exponent']:.2f}", ""))
        big = sc["rows"][-1]
        rows.append((f"scaling: peak RSS at {big['factor']}×",
                     f"{big['peak_rss_mb'] / 1024:.2f} GiB", "< 6 GiB at 25×"))
    return rows


def markdown(info: dict[str, Any], payloads: list[dict[str, Any]]) -> str:
    """The Markdown report: machine, headline ratios, every case, scaling."""
    v = info["versions"]
    lines = [
        "# gistool benchmarks (`make bench`)",
        "",
        f"Machine: {info['cpu']}, {info['cores']} cores, {info['ram_gib']} GiB RAM; "
        f"{info['platform']}; Python {info['python']}; commit {info.get('git_commit')}. "
        f"Load average at start {', '.join(f'{x:.1f}' for x in info['loadavg_start'])} "
        "(the machine is shared: ratios measured in the same run are the result, "
        "absolute seconds are not).",
        "",
        "Versions: " + ", ".join(f"{k} {x}" for k, x in v.items()) + ".",
        "",
    ]
    if info.get("updated_cases"):
        earlier = info.get("earlier_run", {})
        lines += [
            f"Cases {', '.join(info['updated_cases'])} rerun later (up to commit "
            f"{info.get('git_commit')}; each case's own load average is in its section) and "
            f"merged into the full run of commit {earlier.get('git_commit')} (load average "
            f"then {', '.join(f'{x:.1f}' for x in earlier.get('loadavg_start') or [])}).",
            "",
        ]
    lines += [
        "Every figure: median of the stated runs after one warm-up (unless noted), min and "
        "max; × gistool = the implementation's median ÷ gistool's, same process, same run; "
        "peak RSS per case = `ru_maxrss` of the case's own subprocess.",
        "",
        "## Summary",
        "",
        "| what | measured | target |",
        "|---|---:|---|",
    ]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in headline(payloads)]
    lines.append("")
    for p in payloads:
        lines.append(f"## case `{p['case']}`")
        lines.append("")
        if "error" in p:
            lines += [f"**failed**: {p['error']}", ""]
            continue
        load = p["loadavg"]
        lines.append(f"Subprocess: peak RSS {p['peak_rss_mb']:.0f} MiB, {p['wall_s']:.0f} s "
                     f"wall, load average {load[0][0]:.1f} → {load[1][0]:.1f}.")
        lines.append("")
        for res, chk in zip(_case_results(p), p["checks"], strict=True):
            lines.append(res.markdown())
            lines.append("")
            runs = {t.name: t.runs for t in res.timings}
            lines.append("Runs: " + "; ".join(f"{k} {n}" for k, n in runs.items()) + ".")
            for t in res.timings:
                if t.extra:
                    lines.append(f"- {t.name}: {_fmt(t.extra)}")
            for k, x in chk.items():
                lines.append(f"- {k}: {_fmt(x)}")
            lines.append("")
    sc = scaling_summary(payloads)
    if sc:
        lines += ["## Scaling", "", "| area | villages | raster cells | assess_risk median s "
                  "| CPU s | peak RSS MiB |", "|---:|---:|---:|---:|---:|---:|"]
        for r in sc["rows"]:
            lines.append(f"| {r['factor']}× | {r['villages']} | {r['raster_cells']:,} | "
                         f"{r['median_s']:.2f} | {r['cpu_s']:.2f} | {r['peak_rss_mb']:.0f} |")
        lines += ["", f"Fitted exponents (log-log least squares): time "
                  f"{sc['time_exponent']:.2f} (CPU time {sc['cpu_time_exponent']:.2f}), "
                  f"peak memory {sc['memory_exponent']:.2f}.", ""]
    return "\n".join(lines) + "\n"


def _rewrite(path: Path) -> int:
    """Recompute the summary and Markdown of a saved run (no benchmark is rerun)."""
    from gistool._atomic import atomic_write_text

    doc = json.loads(path.read_text())
    payloads = doc["cases"]
    doc["scaling"] = scaling_summary(payloads)
    doc["summary"] = [dict(zip(("what", "measured", "target"), r, strict=True))
                      for r in headline(payloads)]
    atomic_write_text(path, json.dumps(doc, indent=2, default=_jsonable, ensure_ascii=False))
    atomic_write_text(path.with_suffix(".md"), markdown(doc["machine"], payloads))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", help="comma-separated case names (default: all)")
    parser.add_argument("--quick", action="store_true",
                        help="3 repeats, skip " + ", ".join(QUICK_SKIP))
    parser.add_argument("--repeat", type=int, default=None, help="runs per figure (default 5)")
    parser.add_argument("--out", type=Path, default=RESULTS / "latest.json")
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    parser.add_argument("--jobs", type=int, default=1,
                        help="cases run at once, each in its own process (default 1; "
                             "ratios are measured within a case, so they hold either way)")
    parser.add_argument("--update", action="store_true",
                        help="merge the cases run now into the existing --out JSON")
    parser.add_argument("--from-json", type=Path,
                        help="rewrite the Markdown (and summary) of an earlier run's JSON")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--child-out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    repeat = args.repeat or (3 if args.quick else 5)
    if args.child:
        child(args.child, repeat, args.child_out)
        return 0
    if args.from_json:
        return _rewrite(args.from_json)
    if args.list:
        print("\n".join(CASES))
        return 0
    names = args.cases.split(",") if args.cases else [
        n for n in CASES if not (args.quick and n in QUICK_SKIP)]
    unknown = [n for n in names if n not in CASES]
    if unknown:
        parser.error(f"unknown case(s) {unknown}; --list shows them")
    info = machine()
    def one(name: str) -> dict[str, Any]:
        log.info("case %s (repeat %d)", name, repeat)
        p = run_case(name, repeat)
        log.info("case %s done in %.0f s", name, p["wall_s"])
        return p

    if args.jobs > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(args.jobs) as pool:
            done = dict(zip(names, pool.map(one, names), strict=True))
        payloads = [done[n] for n in names]
    else:
        payloads = [one(n) for n in names]
    info["loadavg_end"] = os.getloadavg()
    if args.update and args.out.exists():
        old = json.loads(args.out.read_text())
        fresh = {p["case"]: p for p in payloads}
        merged = [fresh.pop(p["case"], p) for p in old["cases"]]
        payloads = merged + list(fresh.values())
        # the first full run stays the reference; rerun cases accumulate
        prev = old["machine"]
        info["updated_cases"] = list(dict.fromkeys([*prev.get("updated_cases", []), *names]))
        info["earlier_run"] = prev.get("earlier_run") or {
            k: prev.get(k) for k in ("git_commit", "loadavg_start")}
    from gistool._atomic import atomic_write_text

    doc = {"machine": info, "repeat": repeat, "cases": payloads,
           "scaling": scaling_summary(payloads),
           "summary": [dict(zip(("what", "measured", "target"), r, strict=True))
                       for r in headline(payloads)]}
    atomic_write_text(args.out, json.dumps(doc, indent=2, default=_jsonable,
                                           ensure_ascii=False))
    md = markdown(info, payloads)
    atomic_write_text(args.out.with_suffix(".md"), md)
    print(md)
    return 1 if any("error" in p for p in payloads) else 0


if __name__ == "__main__":
    sys.exit(main())
