"""A tiny benchmark harness: median of repeated runs after a warm-up, and ratios.

The machine is noisy, so every case is timed side by side with its alternative
in the same process and reported as a ratio (alternative / gistool).
"""

from __future__ import annotations

import gc
import json
import resource
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Timing:
    """Timing of one implementation of a case, in seconds."""

    name: str
    median: float
    min: float
    max: float
    runs: int
    peak_rss_mb: float
    extra: dict[str, Any] = field(default_factory=dict)


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB (Linux: ru_maxrss is KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def measure(name: str, fn: Callable[[], Any], *, repeat: int = 5, warmup: int = 1) -> Timing:
    """Run ``fn`` ``warmup`` times, then ``repeat`` times, and return the timing."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return Timing(
        name=name,
        median=statistics.median(times),
        min=min(times),
        max=max(times),
        runs=repeat,
        peak_rss_mb=peak_rss_mb(),
    )


@dataclass
class CaseResult:
    """All implementations of one case, with ratios relative to ``baseline``."""

    case: str
    baseline: str
    timings: list[Timing]

    def ratios(self) -> dict[str, float]:
        """Median of each implementation divided by the baseline's median."""
        base = next(t for t in self.timings if t.name == self.baseline).median
        return {t.name: t.median / base for t in self.timings}

    def to_dict(self) -> dict[str, Any]:
        return {
            "case": self.case,
            "baseline": self.baseline,
            "timings": [asdict(t) for t in self.timings],
            "ratio_to_baseline": self.ratios(),
        }

    def markdown(self) -> str:
        rows = [
            f"### {self.case}",
            "",
            "| implementation | median s | min s | max s | × gistool | peak RSS MiB |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        ratios = self.ratios()
        for t in self.timings:
            rows.append(
                f"| {t.name} | {t.median:.4f} | {t.min:.4f} | {t.max:.4f} | "
                f"{ratios[t.name]:.1f} | {t.peak_rss_mb:.0f} |"
            )
        return "\n".join(rows)


def save_results(results: list[CaseResult], path: str | Path) -> None:
    """Write results as JSON (and a Markdown table beside it)."""
    from gistool._atomic import atomic_write_text

    path = Path(path)
    atomic_write_text(path, json.dumps([r.to_dict() for r in results], indent=2))
    atomic_write_text(path.with_suffix(".md"), "\n\n".join(r.markdown() for r in results) + "\n")
