"""Start and finish a map page: frames, boundaries, furniture, legends and notes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

from gistool.maps import elements
from gistool.maps._prepare import MapInputs
from gistool.maps.layout import MapPage, new_page

if TYPE_CHECKING:
    from gistool.maps.figure import MapFigure

__all__ = ["finish_page", "start_page"]


def start_page(
    inputs: MapInputs,
    page: str,
    *,
    n_maps: int = 1,
    arrangement: Literal["auto", "horizontal", "vertical"] = "auto",
) -> MapPage:
    """A new page framing the inputs' extent; autoscaling is off so layers keep the frame."""
    mp = new_page(page, inputs.bounds, n_maps=n_maps, arrangement=arrangement)
    for ax in mp.maps:
        ax.set_autoscale_on(False)
    return mp


def finish_page(
    mp: MapPage,
    inputs: MapInputs,
    *,
    title: str,
    subtitle: str | None = None,
    legends: Sequence[elements.LegendSection] = (),
    township_names: bool = True,
    clip: bool = True,
    boundary_items: Sequence[tuple[Any, str]] = (),
) -> MapFigure:
    """Boundaries and names, north arrow and scale bar on every frame; title, legends, notes.

    With ``clip``, the layers drawn so far are clipped to the county boundary.
    ``boundary_items`` are more legend entries for the "边界" section.

    Returns the figure.
    """
    for ax in mp.maps:
        if clip:
            elements.clip_to(ax, inputs.boundary)
        lim = ax.get_xlim(), ax.get_ylim()
        elements.draw_boundaries(mp, ax, inputs.townships, inputs.boundary,
                                 names=township_names)
        ax.set_xlim(*lim[0])
        ax.set_ylim(*lim[1])
        ax.set_xlabel("")
        ax.set_ylabel("")
        elements.add_north_arrow(mp, ax)
        elements.add_scale_bar(mp, ax)
    elements.add_title(mp, title, subtitle)
    bounds = [*elements.boundary_items(inputs.townships, inputs.boundary), *boundary_items]
    sections = [*legends, ("边界", bounds)]
    notes = elements.add_notes(mp, inputs.notes)
    nb = notes.get_window_extent().transformed(mp.panel.transAxes.inverted())
    limit = nb.x0 - 0.02 if mp.panel_below else nb.y1 + 0.03
    elements.add_legends(mp, sections, limit=limit)
    return mp.fig
