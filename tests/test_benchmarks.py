"""Smoke tests of the benchmark suite: modules import, the harness arithmetic is right.

No timed assertions: timings depend on the machine; only the bookkeeping
(medians, ratios, exponents, tiling) is checked.
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from benchmarks._harness import CaseResult, Timing, measure

MODULES = [
    "benchmarks._harness",
    "benchmarks.bench_overlay",
    "benchmarks.bench_network",
    "benchmarks.bench_datasets",
    "benchmarks.bench_points",
    "benchmarks.bench_end_to_end",
    "benchmarks.bench_scaling",
    "benchmarks.bench_outputs",
    "benchmarks.naive_job",
    "benchmarks.run",
]


@pytest.mark.parametrize("name", MODULES)
def test_benchmark_modules_import(name: str) -> None:
    importlib.import_module(name)


def test_every_case_resolves_to_a_function() -> None:
    from benchmarks import run

    for target, _ in run.CASES.values():
        assert callable(run._resolve(target))


def test_measure_median_min_max_and_warmup(monkeypatch) -> None:
    import benchmarks._harness as h

    # a fake clock that only the timed function advances: the runs take 100
    # (the warm-up, dropped), then 3, 1, 2, 5 and 4 seconds
    durations = iter([100.0, 3.0, 1.0, 2.0, 5.0, 4.0])
    now = [0.0]

    def fn() -> None:
        now[0] += next(durations)

    monkeypatch.setattr(h.time, "perf_counter", lambda: now[0])
    t = measure("toy", fn, repeat=5, warmup=1)
    assert t.runs == 5
    assert (t.median, t.min, t.max) == (3.0, 1.0, 5.0)


def test_case_ratios_and_markdown() -> None:
    res = CaseResult("toy", "fast", [
        Timing("fast", 0.5, 0.4, 0.6, 5, 100.0),
        Timing("slow", 5.0, 4.0, 6.0, 5, 120.0),
    ])
    assert res.ratios() == {"fast": 1.0, "slow": 10.0}
    md = res.markdown()
    assert "| slow | 5.0000 | 4.0000 | 6.0000 | 10.0 | 120 |" in md


def test_fit_exponent_recovers_power_laws() -> None:
    from benchmarks.bench_scaling import fit_exponent

    assert fit_exponent([1, 5, 25], [3.0, 15.0, 75.0]) == pytest.approx(1.0)
    assert fit_exponent([1, 5, 25], [2.0, 2.0 * 5**1.2, 2.0 * 25**1.2]) == pytest.approx(1.2)


def test_scaling_summary_and_headline_from_payloads() -> None:
    from benchmarks import run

    def payload(f: int, s: float, rss: float) -> dict:
        t = Timing(f"assess_risk {f}×", s, s, s, 1, rss,
                   {"area_factor": f, "cpu_s_median": s / 2, "villages": 398 * f,
                    "raster_cells": 10 * f})
        return {"case": f"scaling-{f}", "results": [CaseResult("x", t.name, [t]).to_dict()],
                "checks": [{}], "peak_rss_mb": rss}

    ps = [payload(1, 4.0, 500.0), payload(5, 20.0, 2500.0), payload(25, 100.0, 12500.0)]
    sc = run.scaling_summary(ps)
    assert sc["time_exponent"] == pytest.approx(1.0)
    assert sc["memory_exponent"] == pytest.approx(1.0)
    rows = {a: b for a, b, _ in run.headline(ps)}
    assert rows["scaling: peak RSS at 25×"] == f"{12500 / 1024:.2f} GiB"


def test_tile_raster_window_by_window_equals_numpy_tile(tmp_path) -> None:
    import rasterio
    from affine import Affine

    from benchmarks.bench_scaling import _tile_raster

    rng = np.random.default_rng(0)
    a = rng.random((700, 600)).astype("float32")  # not a multiple of the 512 blocks
    src = tmp_path / "a.tif"
    with rasterio.open(src, "w", driver="GTiff", width=600, height=700, count=1,
                       dtype="float32", crs="EPSG:4547", nodata=-9999.0, tiled=True,
                       blockxsize=512, blockysize=512,
                       transform=Affine(10, 0, 500000, 0, -10, 3800000)) as ds:
        ds.write(a, 1)
    dst = tmp_path / "t.tif"
    _tile_raster(src, dst, 3, 2, 650, 720)
    expected = np.full((720, 650), -9999.0, dtype="float32")
    expected[:700, :600] = a
    with rasterio.open(dst) as ds:
        got = ds.read(1)
        assert ds.transform == Affine(10, 0, 500000, 0, -10, 3800000)
    np.testing.assert_array_equal(got, np.tile(expected, (2, 3)))


def test_naive_helpers_by_hand() -> None:
    from benchmarks import naive_job

    np.testing.assert_allclose(naive_job.normalise([2.0, 4.0, 6.0]), [0.0, 0.5, 1.0])
    # a consistent matrix: weights proportional to the first column's inverse
    m = np.array([[1, 2, 4], [1 / 2, 1, 2], [1 / 4, 1 / 2, 1]])
    np.testing.assert_allclose(naive_job.ahp_weights(m), np.array([4, 2, 1]) / 7)
