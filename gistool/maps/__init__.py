"""Static risk maps with Chinese labels (PNG 300 dpi / vector PDF, A4/A3 landscape).

Each map function takes plain GeoDataFrames (or result objects) and returns a
:class:`matplotlib.figure.Figure` that a planner can adjust before
:func:`save_map` writes it:

- :func:`risk_zoning_map` — 风险区划图, five levels red → green;
- :func:`four_colour_map` — 安全风险四色图, enterprises red/orange/yellow/blue;
- :func:`flood_scenario_map` — 100-year depth, cut roads, isolated targets;
- :func:`reachability_map` — 救援可达性, isochrones normal vs flood;
- :func:`hazard_overview_map` — flood depth, geohazard zones and points, rivers.

Every map has a title, legend, scale bar (km), north arrow, township
boundaries and names, CRS note and data note. The CJK font comes from the pip
package ``mplfonts`` (:mod:`gistool.maps.fonts`); matplotlib loads lazily.
"""

from __future__ import annotations

from gistool._lazy import lazy_exports

_EXPORTS: dict[str, str] = {
    "risk_zoning_map": "gistool.maps.zoning",
    "four_colour_map": "gistool.maps.four_colour",
    "flood_scenario_map": "gistool.maps.flood",
    "reachability_map": "gistool.maps.reachability",
    "hazard_overview_map": "gistool.maps.hazard",
    "save_map": "gistool.maps.save",
    "map_style": "gistool.maps.fonts",
    "register_cjk_font": "gistool.maps.fonts",
    "crs_note": "gistool.maps.notes",
    "data_note": "gistool.maps.notes",
    "PAGES": "gistool.maps.layout",
}

__getattr__, __dir__, __all__ = lazy_exports(__name__, _EXPORTS)
