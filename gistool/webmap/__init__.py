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

from gistool._lazy import lazy_exports

_EXPORTS: dict[str, str] = {
    "webmap": "gistool.webmap.build",
    "collect_layers": "gistool.webmap.build",
    "LAYER_LABELS": "gistool.webmap.build",
    "write_webmap": "gistool.webmap.write",
    "webmap_html": "gistool.webmap.write",
    "standalone_html": "gistool.webmap.write",
    "external_references": "gistool.webmap.write",
}

__getattr__, __dir__, __all__ = lazy_exports(__name__, _EXPORTS)
