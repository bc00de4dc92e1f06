"""The assessment report ``report.html``: one self-contained, offline HTML file.

:func:`write_report` renders a Jinja2 template (autoescape on, so every data
string is escaped) with the summary, maps (PNG ``data:`` URIs), ranking tables,
the four-colour enterprise map/list/table, weights with the AHP consistency
ratio, method notes with formulas and provenance. Modules:
:mod:`~gistool.report.content` (figures and tables),
:mod:`~gistool.report.images` (maps → data URIs),
:mod:`~gistool.report.fonts` (embedded CJK font subset, one per run for
``map.html`` and ``report.html``),
:mod:`~gistool.report.html` (tables as HTML, escaped in bulk),
:mod:`~gistool.report.render` (template and writing).
"""

from __future__ import annotations

from gistool._lazy import lazy_exports

_EXPORTS: dict[str, str] = {
    "write_report": "gistool.report.render",
    "report_html": "gistool.report.render",
    "collect_maps": "gistool.report.images",
    "MAP_TITLES": "gistool.report.images",
}

__getattr__, __dir__, __all__ = lazy_exports(__name__, _EXPORTS)
