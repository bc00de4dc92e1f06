"""Offline interactive risk map (``map.html``) drawn with Bokeh.

:func:`webmap` returns a Bokeh layout (shows inline in Jupyter with
``bokeh.io.output_notebook(bokeh.resources.INLINE)``); :func:`write_webmap`
writes one self-contained HTML file with BokehJS inlined from the wheel: no
CDN, no tile server, no network at all. Modules:
:mod:`~gistool.webmap.geometry` (vectorised shapely → glyph coordinates),
:mod:`~gistool.webmap.build` (layers, legend, popups, township zoom),
:mod:`~gistool.webmap.write` (standalone, deterministic HTML).
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, str] = {
    "webmap": "gistool.webmap.build",
    "collect_layers": "gistool.webmap.build",
    "LAYER_LABELS": "gistool.webmap.build",
    "write_webmap": "gistool.webmap.write",
    "standalone_html": "gistool.webmap.write",
    "external_references": "gistool.webmap.write",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        msg = f"module 'gistool.webmap' has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
