"""The figure class of the maps: a plain matplotlib Figure that shows itself in Jupyter."""

from __future__ import annotations

import io
from typing import Any

import matplotlib as mpl
from matplotlib.figure import Figure

from gistool.maps.fonts import register_cjk_font

__all__ = ["MapFigure"]


class MapFigure(Figure):
    """A :class:`matplotlib.figure.Figure` with a PNG representation for Jupyter.

    Map figures are not registered with pyplot (batch runs do not pile up open
    figures), so a notebook would otherwise show only their ``repr`` when no
    pyplot backend has been activated; ``_repr_png_`` draws them at 100 dpi.

    Text a planner adds later in the default (sans-serif) family renders in
    the CJK font too: the figure draws with the CJK family first in
    ``font.sans-serif`` (only while drawing; global settings stay as they are).
    Everything else is the ordinary Figure API.
    """

    def draw(self, renderer: Any) -> None:
        family = register_cjk_font()
        sans = [family, *(f for f in mpl.rcParams["font.sans-serif"] if f != family)]
        with mpl.rc_context({"font.sans-serif": sans, "axes.unicode_minus": False}):
            super().draw(renderer)

    def _repr_png_(self) -> bytes:
        buf = io.BytesIO()
        self.savefig(buf, format="png", dpi=100, metadata={"Software": None}, facecolor="white")
        return buf.getvalue()
