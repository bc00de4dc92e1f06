"""``gistool run`` killed with SIGKILL at 20 seeded random moments never corrupts anything.

After each kill, every output file is the previous complete version or the new
complete one (by hash), the GeoPackage opens with its layers, and no half-written
file sits under its final name. Afterwards a plain run (using whatever the
killed runs cached) finishes and its outputs equal those of a clean run in a
fresh directory: the cache never serves a broken stage.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyogrio
import pytest
from _pipeline_fixtures import make_province, output_hashes, single_area

pytestmark = pytest.mark.slow

CMD = [sys.executable, "-c", "from gistool.cli.main import main; main()"]
KILLS = 20
SEED = 20261129


def _run(job: Path, out: Path, *extra: str) -> float:
    t0 = time.perf_counter()
    subprocess.run([*CMD, "-q", "run", str(job), "--out", str(out), *extra], check=True,
                   capture_output=True)
    return time.perf_counter() - t0


def _check_whole(out: Path, old: dict[str, str], new: dict[str, str], when: str) -> None:
    now = output_hashes(out)
    for rel, digest in now.items():
        assert digest in (old.get(rel), new.get(rel)), f"{when}: {rel} is neither old nor new"
    assert set(old) <= set(now), f"{when}: outputs disappeared: {set(old) - set(now)}"
    layers = {row[0] for row in pyogrio.list_layers(out / "zoning.gpkg")}
    assert {"villages", "grid", "zones"} <= layers, when
    assert len(pyogrio.read_dataframe(out / "zoning.gpkg", layer="zones")) > 0


def test_sigkill_at_random_moments(tmp_path: Path) -> None:
    prov = make_province(tmp_path / "province", n=1)
    job = single_area(prov, tmp_path / "project", formats=("gpkg", "csv"))
    out, clean = job.parent / "out", job.parent / "clean"
    _run(job, out)
    old = output_hashes(out)
    # the new version of the job: other weights change every output
    job.write_text(job.read_text(encoding="utf-8") + '[weights]\nmethod = "entropy"\n',
                   encoding="utf-8")
    full = _run(job, clean)
    new = output_hashes(clean)
    assert set(new) == set(old)
    assert new != old
    delays = np.random.default_rng(SEED).uniform(0.05, 1.0, KILLS) * full
    finished = 0
    for i, delay in enumerate(delays):
        # --force on even kills recomputes (and rewrites the cache of) every stage; odd
        # kills reuse whatever the previous ones cached
        extra = ["--force"] if i % 2 == 0 else []
        proc = subprocess.Popen([*CMD, "-q", "run", str(job), "--out", str(out), *extra],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        finished += proc.wait() == 0
        _check_whole(out, old, new, f"kill {i} after {delay:.2f} s")
    _run(job, out)
    assert output_hashes(out) == new
    leftovers = [p.name for p in out.iterdir() if p.name.startswith((".staging", ".zoning"))
                 or p.name.endswith((".tmp", ".part"))]
    assert leftovers == []
    assert finished < KILLS  # the kills did interrupt runs
