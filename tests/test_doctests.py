"""Every docstring example in the gistool package runs and holds.

Modules are discovered by walking the package, so a new module's examples are
run without registering it. Modules whose examples a module's own test file
already runs are listed in :data:`RUN_ELSEWHERE` (with that file) and skipped
here, so nothing runs twice; :func:`test_run_elsewhere_is_true` checks the list
against those files, so it cannot silently go stale.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import gistool

TESTS = Path(__file__).resolve().parent

#: module → the test file that runs its doctests.
RUN_ELSEWHERE: dict[str, str] = {
    **{
        f"gistool.io.{m}": "test_io_doctests.py"
        for m in ("encoding", "columns", "tabular", "read", "write", "tables", "raster", "describe")
    },
    **{
        f"gistool.network.{m}": "test_network_doctests.py"
        for m in (
            "graph", "build", "snap", "reach", "isochrones", "critical", "route",
            "connectivity", "layers", "_lines",
        )
    },
    **{
        f"gistool.maps.{m}": "test_maps_parts.py"
        for m in ("fonts", "notes", "layout", "elements", "save", "four_colour")
    },
    "gistool.classify": "test_classify.py",
    "gistool.ranking": "test_ranking.py",
    "gistool.risk": "test_risk.py",
    "gistool.sensitivity": "test_sensitivity.py",
    "gistool.tables": "test_tables.py",
    "gistool.zoning": "test_zoning.py",
    "gistool.datasets.roads": "test_datasets_roads.py",
    "gistool.datasets.terrain": "test_datasets_terrain.py",
    "gistool.datasets.hydro": "test_datasets_terrain.py",
    "gistool.report.content": "test_report.py",
    "gistool.report.images": "test_report.py",
    "gistool.webmap.geometry": "test_webmap.py",
    "gistool.webmap.write": "test_webmap.py",
}


def _modules() -> list[str]:
    names = ["gistool"]
    for info in pkgutil.walk_packages(gistool.__path__, prefix="gistool."):
        if not info.name.endswith(".__main__"):  # importing one could run a command
            names.append(info.name)
    return sorted(names)


def _has_examples(name: str) -> bool:
    module = importlib.import_module(name)
    tests = doctest.DocTestFinder(exclude_empty=True).find(module, name)
    return any(t.examples for t in tests)


ALL = _modules()
HERE = [m for m in ALL if m not in RUN_ELSEWHERE]


@pytest.mark.parametrize("name", HERE)
def test_docstring_examples(name: str) -> None:
    if not _has_examples(name):
        return  # nothing to run (kept in the list so a first example is picked up)
    module = importlib.import_module(name)
    result = doctest.testmod(
        module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False
    )
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"


def test_run_elsewhere_is_true() -> None:
    """Each listed module exists and its test file names it (so its examples do run)."""
    missing = [m for m in RUN_ELSEWHERE if m not in ALL]
    assert missing == [], f"listed modules that no longer exist: {missing}"
    for module, filename in RUN_ELSEWHERE.items():
        text = (TESTS / filename).read_text(encoding="utf-8")
        assert "doctest" in text, f"{filename} runs no doctests"
        short = module.rsplit(".", 1)[-1]
        pattern = rf"{re.escape(module)}\b|[\"']{re.escape(short)}[\"']|\b{re.escape(short)}\b"
        assert re.search(pattern, text), f"{filename} does not name {module}"


def test_most_modules_have_examples() -> None:
    """The package documents itself by example: at least half its modules have one."""
    with_examples = [m for m in ALL if _has_examples(m)]
    assert len(with_examples) >= len(ALL) // 2, (len(with_examples), len(ALL))
