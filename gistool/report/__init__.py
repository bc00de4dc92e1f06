"""The assessment report ``report.html``: one self-contained, offline HTML file.

:func:`write_report` renders a Jinja2 template (autoescape on, so every data
string is escaped) with the summary, maps (PNG ``data:`` URIs), ranking tables,
the four-colour enterprise map/list/table, weights with the AHP consistency
ratio, method notes with formulas and provenance. Modules:
:mod:`~gistool.report.content` (figures and tables),
:mod:`~gistool.report.images` (maps → data URIs),
:mod:`~gistool.report.fonts` (embedded CJK font subset),
:mod:`~gistool.report.render` (template and writing).
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, str] = {
    "write_report": "gistool.report.render",
    "report_html": "gistool.report.render",
    "collect_maps": "gistool.report.images",
    "MAP_TITLES": "gistool.report.images",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        msg = f"module 'gistool.report' has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
