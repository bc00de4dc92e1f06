"""End-to-end: ``gistool run`` on Changge (cold and cached), ``assess_risk``, and the naive job.

Side by side in one process:

- ``gistool run`` cold — :func:`gistool.run` of the demo configuration with
  ``force=True`` (every stage recomputed: load, validate, overlay, network,
  risk, zoning, outputs with maps, web map and report);
- ``gistool run`` cached — the same configuration again, nothing changed
  (inputs hashed, every stage found in the cache, output files checked);
- ``assess_risk`` — the analysis alone on the loaded data (the "cached-input
  assessment": layers in memory, no maps), the job the naive script does;
- the naive script (:mod:`benchmarks.naive_job`: geopandas + rasterstats +
  networkx + mapclassify), which takes minutes, so it runs ``naive_repeat``
  times without a warm-up.

The headline ratio is naive ÷ (``assess_risk`` + writing the same
GeoPackage layers) — the same job both ways. Stage seconds of the cold run
(from :class:`gistool.RunResult`) and of ``assess_risk`` (``RiskResult.timings``)
are recorded, and CPU seconds next to wall seconds (the machine is shared).

Run alone with ``python -m benchmarks.bench_end_to_end``.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks._harness import CaseResult, Timing, measure

DEMO_CONFIG = Path(__file__).resolve().parents[1] / "gistool" / "data" / "demo_config.toml"


def measure_cpu(name: str, fn: Callable[[], Any], *, repeat: int = 5,
                warmup: int = 1) -> Timing:
    """:func:`benchmarks._harness.measure` plus the median CPU seconds in ``extra``."""
    cpu: list[float] = []

    def timed() -> Any:
        c0 = time.process_time()
        out = fn()
        cpu.append(time.process_time() - c0)
        return out

    t = measure(name, timed, repeat=repeat, warmup=warmup)
    t.extra["cpu_s_median"] = statistics.median(cpu[warmup:])
    return t


def _write_gpkg(result: Any, path: Path) -> None:
    """The result's layers in one GeoPackage (a superset of the naive job's)."""
    result.to_gpkg(path, overwrite=True)


def run_case(*, repeat: int = 5, cold_repeat: int = 2,
             naive_repeat: int = 1) -> list[tuple[CaseResult, dict]]:
    """Time the cold and cached pipeline, ``assess_risk`` and the naive job.

    The cold run (every stage, maps and report) runs ``min(repeat, cold_repeat)``
    times and the naive job ``naive_repeat`` times, without a warm-up: each takes
    minutes on a shared 2-core machine.
    """
    import gistool
    from benchmarks import naive_job

    tmp = Path(tempfile.mkdtemp(prefix="bench_e2e_"))
    try:
        out = tmp / "changge"
        stage_s: dict[str, list[float]] = {}

        def cold() -> Any:
            res = gistool.run(DEMO_CONFIG, out=out, force=True)
            for s in res.stages:
                stage_s.setdefault(s.name, []).append(s.seconds)
            return res

        t_cold = measure_cpu("gistool run, cold (--force, maps + report)", cold,
                             repeat=min(repeat, cold_repeat), warmup=0)
        t_cold.extra["note"] = "no warm-up: the first run includes imports and font loading"
        t_cold.extra["stage_s_median"] = {k: statistics.median(v) for k, v in stage_s.items()}
        t_cached = measure_cpu("gistool run, cached (nothing changed)",
                               lambda: gistool.run(DEMO_CONFIG, out=out), repeat=repeat)
        cached_res = gistool.run(DEMO_CONFIG, out=out)
        t_cached.extra["stages_ran"] = cached_res.ran

        area = gistool.load_changge()
        assess_s: dict[str, list[float]] = {}

        def assess() -> Any:
            r = gistool.assess_risk(area)
            for k, v in r.timings.items():
                assess_s.setdefault(k, []).append(v)
            return r

        gpkg = tmp / "gistool.gpkg"
        t_assess = measure_cpu("gistool assess_risk (layers in memory, no maps)", assess,
                               repeat=repeat)
        t_assess.extra["stage_s_median"] = {k: statistics.median(v)
                                            for k, v in assess_s.items()}
        t_job = measure_cpu("gistool assess_risk + GeoPackage (the naive job's outputs)",
                            lambda: _write_gpkg(assess(), gpkg), repeat=repeat)
        naive_s: dict[str, list[float]] = {}

        def naive() -> None:
            for k, v in naive_job.run(area, tmp / "naive").items():
                naive_s.setdefault(k, []).append(v)

        t_naive = measure_cpu("naive job (geopandas + rasterstats + networkx + mapclassify)",
                              naive, repeat=naive_repeat, warmup=0)
        t_naive.extra["stage_s_median"] = {k: statistics.median(v) for k, v in naive_s.items()}
        t_naive.extra["note"] = f"{naive_repeat} run(s), no warm-up (minutes per run)"
        timings = [t_job, t_assess, t_cold, t_cached, t_naive]
        result = CaseResult("end to end, Changge (398 villages, 11,932 enterprises)",
                            t_job.name, timings)
        checks = {
            "naive_over_gistool": t_naive.median / t_job.median,
            "naive_over_gistool_cpu": t_naive.extra["cpu_s_median"]
            / t_job.extra["cpu_s_median"],
            "naive_over_gistool_run_cold": t_naive.median / t_cold.median,
            "assess_risk_s": t_assess.median,
            "assess_risk_cpu_s": t_assess.extra["cpu_s_median"],
            "outputs_stage_s": t_cold.extra["stage_s_median"].get("outputs"),
            "cached_run_s": t_cached.median,
        }
        return [(result, checks)]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    for res, chk in run_case(repeat=3, naive_repeat=1):
        print(res.markdown(), "\n", chk)
