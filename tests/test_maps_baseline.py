"""Image-baseline tests: every static map type rendered from a tiny synthetic area.

Each map is drawn at 50 dpi and compared with its committed PNG in
``tests/baseline/`` (RMS tolerance 10). ``GISTOOL_REGEN_BASELINES=1`` rewrites
the baselines instead of comparing (look at them before committing).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import _maps_fixtures as fx
import pytest
from matplotlib.testing.compare import compare_images

from gistool import maps

BASELINE = Path(__file__).parent / "baseline"
REGEN = os.environ.get("GISTOOL_REGEN_BASELINES") == "1"
DATE = "2026-01-05"
DPI = 50
TOL = 10.0


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> fx.TinyArea:
    return fx.tiny_area(tmp_path_factory.mktemp("tiny"))


def _maps(area: fx.TinyArea) -> dict:
    return {
        "risk_zoning": lambda: maps.risk_zoning_map(
            fx.zones(area), villages=area.villages, area=area, date=DATE),
        "risk_zoning_villages": lambda: maps.risk_zoning_map(
            area.villages, area=area, date=DATE, page="A3"),
        "four_colour": lambda: maps.four_colour_map(area.enterprises, area=area, date=DATE),
        "flood_scenario": lambda: maps.flood_scenario_map(
            area.flood_depth[100], affected_edges=fx.affected_edges(area),
            isolated_targets=fx.isolated(area), area=area, date=DATE),
        "reachability": lambda: maps.reachability_map(
            fx.isochrones(area), area=area, date=DATE, arrangement="horizontal"),
        "hazard_overview": lambda: maps.hazard_overview_map(area=area, date=DATE),
    }


NAMES = ["risk_zoning", "risk_zoning_villages", "four_colour", "flood_scenario",
         "reachability", "hazard_overview"]


@pytest.mark.parametrize("name", NAMES)
def test_map_matches_baseline(name: str, tiny: fx.TinyArea, tmp_path: Path) -> None:
    fig = _maps(tiny)[name]()
    actual = maps.save_map(fig, tmp_path / f"{name}.png", dpi=DPI)
    expected = BASELINE / f"{name}.png"
    if REGEN:
        BASELINE.mkdir(exist_ok=True)
        shutil.copyfile(actual, expected)
        pytest.skip(f"baseline {expected.name} rewritten")
    assert expected.exists(), f"no baseline {expected}; run with GISTOOL_REGEN_BASELINES=1"
    result = compare_images(str(expected), str(actual), tol=TOL)
    assert result is None, result
