"""Same inputs and configuration, same bytes: across runs, directories and worker counts.

Every output format (GeoPackage, COG, CSV, XLSX, PNG, PDF, map.html, report.html)
is compared by SHA-256; only ``provenance.json`` (timings) is excluded.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from _pipeline_fixtures import make_province, output_hashes, single_area

import gistool
from gistool.config import load_config

pytestmark = pytest.mark.slow

CMD = [sys.executable, "-c", "from gistool.cli.main import main; main()"]
ALL_FORMATS = ("gpkg", "tif", "csv", "xlsx", "png", "pdf", "html")


def test_two_runs_in_fresh_directories_are_byte_identical(tmp_path: Path) -> None:
    prov = make_province(tmp_path / "province", n=1)
    job = single_area(prov, tmp_path / "project", formats=ALL_FORMATS)
    a = gistool.run(job, out=tmp_path / "a")
    b = gistool.run(job, out=tmp_path / "b", force=True)
    ha, hb = output_hashes(a.out), output_hashes(b.out)
    suffixes = {Path(rel).suffix for rel in ha}
    assert {".gpkg", ".tif", ".csv", ".xlsx", ".png", ".pdf", ".html"} <= suffixes
    assert ha == hb, sorted(k for k in ha if ha[k] != hb.get(k))


def test_workers_1_and_2_give_the_same_bytes(tmp_path: Path) -> None:
    """``gistool run --workers 1`` and ``--workers 2`` (Dask local cluster) on a two-area job."""
    prov = make_province(tmp_path / "province", n=2)
    text = prov.read_text(encoding="utf-8")
    if "[output]" not in text:
        prov.write_text(text + '[output]\nformats = ["gpkg", "tif", "csv", "xlsx", "html"]\n',
                        encoding="utf-8")
    names = [a.slug() for a in load_config(prov).areas]
    outs = {}
    for workers in (1, 2):
        out = tmp_path / f"w{workers}"
        subprocess.run([*CMD, "-q", "run", str(prov), "--out", str(out),
                        "--workers", str(workers)], check=True, capture_output=True)
        outs[workers] = out
    for name in names:
        h1, h2 = output_hashes(outs[1] / name), output_hashes(outs[2] / name)
        assert "zoning.gpkg" in h1
        assert h1 == h2, (name, sorted(k for k in h1 if h1[k] != h2.get(k)))
