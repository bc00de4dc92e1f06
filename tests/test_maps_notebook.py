"""A map returned in a notebook cell shows as an image, with no pyplot set-up."""

from __future__ import annotations

from pathlib import Path

import _maps_fixtures as fx
import pytest

from gistool import maps

TESTS = Path(__file__).parent


def test_map_figure_has_a_png_repr(tmp_path):
    area = fx.tiny_area(tmp_path)
    fig = maps.four_colour_map(area.enterprises, area=area, date="2026-01-05")
    png = fig._repr_png_()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert fig.get_size_inches().tolist() == pytest.approx([11.69, 8.27])


@pytest.mark.slow
def test_map_displays_in_a_jupyter_kernel():
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    src = "\n".join([
        "import sys, pathlib, tempfile",
        f"sys.path.insert(0, {str(TESTS)!r})",
        "import _maps_fixtures as fx",
        "from gistool import maps",
        "area = fx.tiny_area(pathlib.Path(tempfile.mkdtemp()))",
        "fig = maps.risk_zoning_map(fx.zones(area), area=area, date='2026-01-05')",
        "fig.axes[0].set_title('规划人员自加标题')  # adjustable like any Figure",
        "fig",
    ])
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src)])
    nbclient.NotebookClient(nb, timeout=180, kernel_name="python3").execute()
    outputs = nb.cells[0].outputs
    assert [o["output_type"] for o in outputs] == ["execute_result"]
    assert "image/png" in outputs[0]["data"]
