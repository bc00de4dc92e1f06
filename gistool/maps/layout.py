"""Page presets and the arrangement of map frames, legend panel and title on a page.

A page holds one or two map frames (axes in the layers' projected CRS, equal
aspect) and a legend panel. The panel goes to the right of the maps or below
them, whichever draws the study area at the larger scale: a wide county
(Changge is 52 km × 22 km) gets its legend below, a tall one to the right.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from gistool.errors import InputError

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from gistool.maps.figure import MapFigure

__all__ = ["PAGES", "MapPage", "choose_layout", "new_page"]

#: Landscape page sizes (width, height) in inches.
PAGES: dict[str, tuple[float, float]] = {
    "A4": (11.69, 8.27),
    "A3": (16.54, 11.69),
}

#: Font sizes (points) on an A4 page; A3 scales them by √2.
FONT_SIZES: dict[str, float] = {
    "title": 18.0,
    "subtitle": 11.0,
    "legend": 8.5,
    "legend_title": 9.5,
    "note": 7.0,
    "label": 7.5,
    "scale": 7.0,
    "north": 11.0,
}

# figure-fraction boxes (left, bottom, width, height) of the candidate layouts
_TITLE_TOP = 0.915  # maps end below the title
_BOXES: dict[str, dict[str, tuple[float, float, float, float] | list]] = {
    "right": {
        "maps": [(0.02, 0.03, 0.71, _TITLE_TOP - 0.03)],
        "panel": (0.75, 0.03, 0.23, _TITLE_TOP - 0.03),
    },
    "bottom": {
        "maps": [(0.02, 0.26, 0.96, _TITLE_TOP - 0.26)],
        "panel": (0.02, 0.02, 0.96, 0.215),
    },
    "horizontal": {
        "maps": [(0.02, 0.26, 0.475, _TITLE_TOP - 0.30), (0.505, 0.26, 0.475, _TITLE_TOP - 0.30)],
        "panel": (0.02, 0.02, 0.96, 0.215),
    },
    "vertical": {
        "maps": [
            (0.02, 0.03 + (_TITLE_TOP - 0.03) / 2, 0.71, (_TITLE_TOP - 0.03) / 2 - 0.035),
            (0.02, 0.03, 0.71, (_TITLE_TOP - 0.03) / 2 - 0.035),
        ],
        "panel": (0.75, 0.03, 0.23, _TITLE_TOP - 0.03),
    },
}

Layout = Literal["right", "bottom", "horizontal", "vertical"]


@dataclass
class MapPage:
    """A figure with its map axes and legend panel.

    Attributes
    ----------
    fig
        The :class:`matplotlib.figure.Figure`.
    maps
        Map axes (one, or two for comparisons), limits set to the study area.
    panel
        Axes (frame off) holding legends and notes.
    layout
        ``"right"``/``"vertical"`` (panel at the right) or ``"bottom"``/``"horizontal"``.
    size
        Font scale of the page (A4 = 1, A3 = √2).
    """

    fig: MapFigure
    maps: list[Axes]
    panel: Axes
    layout: str
    size: float
    title_y: float = 0.965

    @property
    def panel_below(self) -> bool:
        """True when the panel lies below the maps (legends side by side)."""
        return self.layout in ("bottom", "horizontal")

    def fontsize(self, role: str) -> float:
        """Font size (points) of a text role on this page."""
        return FONT_SIZES[role] * self.size


def _scale(box: tuple[float, float, float, float], page: tuple[float, float],
           width: float, height: float) -> float:
    """Inches per metre when an extent of ``width`` × ``height`` fills ``box``."""
    return min(box[2] * page[0] / width, box[3] * page[1] / height)


def choose_layout(
    page: str, width: float, height: float, n_maps: int = 1,
    arrangement: Literal["auto", "horizontal", "vertical"] = "auto",
) -> Layout:
    """The layout that draws an extent of ``width`` × ``height`` metres largest.

    Examples
    --------
    >>> choose_layout("A4", 52_000, 22_000)   # a wide county: legend below
    'bottom'
    >>> choose_layout("A4", 30_000, 36_000)   # a tall one: legend at the right
    'right'
    >>> choose_layout("A4", 30_000, 36_000, n_maps=2)
    'horizontal'
    """
    size = page_size(page)
    if n_maps == 1:
        candidates: list[Layout] = ["right", "bottom"]
    elif arrangement == "auto":
        candidates = ["horizontal", "vertical"]
    elif arrangement in ("horizontal", "vertical"):
        return arrangement
    else:
        msg = f"arrangement={arrangement!r}: use 'auto', 'horizontal' or 'vertical'"
        raise InputError(msg)
    return max(candidates, key=lambda c: _scale(_BOXES[c]["maps"][0], size, width, height))


def page_size(page: str) -> tuple[float, float]:
    """Landscape (width, height) in inches of a page preset ("A4" or "A3")."""
    key = str(page).upper()
    if key not in PAGES:
        msg = f"page={page!r} is not a page preset; use one of {', '.join(PAGES)}"
        raise InputError(msg)
    return PAGES[key]


def _fit(box: tuple[float, float, float, float], page: tuple[float, float],
         bounds: tuple[float, float, float, float], pad: float) -> tuple[list[float], tuple]:
    """Axes rectangle inside ``box`` with the data aspect, and the padded data limits."""
    x0, y0, x1, y1 = bounds
    w, h = max(x1 - x0, 1.0), max(y1 - y0, 1.0)
    w, h = w * (1 + 2 * pad), h * (1 + 2 * pad)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    k = _scale(box, page, w, h)  # inches per metre
    aw, ah = w * k / page[0], h * k / page[1]  # figure fractions
    left = box[0] + (box[2] - aw) / 2
    bottom = box[1] + box[3] - ah  # top-aligned under the title
    return [left, bottom, aw, ah], (cx - w / 2, cx + w / 2, cy - h / 2, cy + h / 2)


def new_page(
    page: str,
    bounds: tuple[float, float, float, float],
    *,
    n_maps: int = 1,
    arrangement: Literal["auto", "horizontal", "vertical"] = "auto",
    pad: float = 0.03,
) -> MapPage:
    """A new figure of a page preset with map axes framing ``bounds`` (m).

    The figure is a :class:`~gistool.maps.figure.MapFigure`, a plain
    :class:`matplotlib.figure.Figure` not registered with pyplot (batch runs do
    not accumulate open figures) that displays itself in Jupyter; call inside
    :func:`gistool.maps.fonts.map_style`.
    """
    from gistool.maps.figure import MapFigure

    size = page_size(page)
    layout = choose_layout(page, bounds[2] - bounds[0], bounds[3] - bounds[1], n_maps, arrangement)
    boxes = _BOXES[layout]
    fig = MapFigure(figsize=size, dpi=100)
    fig.patch.set_facecolor("white")
    fitted = [_fit(box, size, bounds, pad) for box in boxes["maps"]]
    panel_box = list(boxes["panel"])
    shift = 0.0
    if layout in ("bottom", "horizontal"):
        # panel right under the maps; the block centred in the height left over
        low = min(r[1] for r, _ in fitted)
        panel_box[1] = low - 0.025 - panel_box[3]
        shift = (panel_box[1] - 0.02) / 2
        panel_box[1] -= shift
        fitted = [([r[0], r[1] - shift, r[2], r[3]], lim) for r, lim in fitted]
    else:
        # panel right beside the maps
        right = max(r[0] + r[2] for r, _ in fitted)
        panel_box[0] = right + 0.025
        panel_box[2] = 0.98 - panel_box[0]
    maps = []
    for rect, lim in fitted:
        ax = fig.add_axes(rect)
        ax.set_xlim(lim[0], lim[1])
        ax.set_ylim(lim[2], lim[3])
        ax.set_aspect("equal", adjustable="box")
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_linewidth(0.8)
        ax.set_facecolor("white")
        maps.append(ax)
    panel = fig.add_axes(panel_box)
    panel.set_axis_off()
    scale = 1.0 if page.upper() == "A4" else 2**0.5
    return MapPage(fig=fig, maps=maps, panel=panel, layout=layout, size=scale,
                   title_y=0.965 - shift)
