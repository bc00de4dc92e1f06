"""Layer readers and writers (``gistool.read_layer``, ``gistool.write_layer``...).

Modules: :mod:`~gistool.io.read` (vector readers), :mod:`~gistool.io.tabular`
(CSV/XLSX coordinates), :mod:`~gistool.io.encoding` (Shapefile/CSV encodings),
:mod:`~gistool.io.columns` (column maps and schema checks),
:mod:`~gistool.io.write` (vector writers), :mod:`~gistool.io.raster` (COG),
:mod:`~gistool.io.tables` (CSV/XLSX tables), :mod:`~gistool.io.describe`
(what ``gistool info`` shows).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS: dict[str, str] = {
    "read_layer": "gistool.io.read",
    "read_table": "gistool.io.tabular",
    "list_layers": "gistool.io.read",
    "detect_encoding": "gistool.io.encoding",
    "write_layer": "gistool.io.write",
    "write_raster": "gistool.io.raster",
    "write_table": "gistool.io.tables",
    "describe_path": "gistool.io.describe",
}

__all__ = [
    "describe_path",
    "detect_encoding",
    "list_layers",
    "read_layer",
    "read_table",
    "write_layer",
    "write_raster",
    "write_table",
]

if TYPE_CHECKING:  # pragma: no cover
    from gistool.io.describe import describe_path
    from gistool.io.encoding import detect_encoding
    from gistool.io.raster import write_raster
    from gistool.io.read import list_layers, read_layer
    from gistool.io.tables import write_table
    from gistool.io.tabular import read_table
    from gistool.io.write import write_layer


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        msg = f"module 'gistool.io' has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
