"""The embedded Changge dataset: first generation and cached load.

Run with ``python -m benchmarks.bench_datasets`` (``--quick`` skips the
generation case). Targets (issue 3): first generation under 60 s on 2 cores,
cached load under 2 s. The cached load is timed side by side with reading the
same GeoPackage layer by layer with ``geopandas.read_file``.

Writes ``benchmarks/results/datasets.json`` (and ``datasets.md``).
"""

from __future__ import annotations

import argparse
import logging
import tempfile
from pathlib import Path

import geopandas as gpd

from benchmarks._harness import CaseResult, measure, save_results
from gistool.datasets import load_changge
from gistool.datasets.changge import GPKG_NAME, MANIFEST_NAME, source_key

log = logging.getLogger("bench_datasets")
OUT = Path(__file__).with_name("results") / "datasets.json"


def main(argv: list[str] | None = None) -> list[CaseResult]:
    """Run the cases and save the results."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="skip the generation case")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    results = []
    if not args.quick:
        with tempfile.TemporaryDirectory() as tmp:
            runs = iter(range(100))

            def generate() -> None:
                load_changge(cache_dir=Path(tmp) / str(next(runs)))

            timing = measure("load_changge (first, generates)", generate, repeat=1, warmup=0)
        results.append(CaseResult("Changge first generation", timing.name, [timing]))
        log.info("first generation: %.1f s", timing.median)

    area = load_changge()  # make sure the default cache exists
    gpkg = Path(area.dem).with_name(GPKG_NAME)
    layers = list(area.layers())

    def read_all_geopandas() -> None:
        for name in layers:
            gpd.read_file(gpkg, layer=name)

    cached = measure("load_changge (cached)", load_changge, repeat=5)
    other = measure("geopandas.read_file, every layer", read_all_geopandas, repeat=5)
    results.append(CaseResult("Changge cached load", cached.name, [cached, other]))
    log.info("cached load: %.2f s (read_file: %.2f s)", cached.median, other.median)
    assert (gpkg.parent / MANIFEST_NAME).exists()
    log.info("cache key %s", source_key())
    save_results(results, args.out)
    return results


if __name__ == "__main__":
    main()
