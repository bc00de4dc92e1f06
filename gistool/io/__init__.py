"""Layer readers and writers (``gistool.read_layer``, ``gistool.write_layer``...).

Modules: :mod:`~gistool.io.read` (vector readers), :mod:`~gistool.io.tabular`
(CSV/XLSX coordinates), :mod:`~gistool.io.encoding` (Shapefile/CSV encodings),
:mod:`~gistool.io.columns` (column maps and schema checks),
:mod:`~gistool.io.write` (vector writers), :mod:`~gistool.io.raster` (COG),
:mod:`~gistool.io.tables` (CSV/XLSX tables), :mod:`~gistool.io.describe`
(what ``gistool info`` shows).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gistool._lazy import lazy_exports

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


if TYPE_CHECKING:  # pragma: no cover
    from gistool.io.describe import describe_path
    from gistool.io.encoding import detect_encoding
    from gistool.io.raster import write_raster
    from gistool.io.read import list_layers, read_layer
    from gistool.io.tables import write_table
    from gistool.io.tabular import read_table
    from gistool.io.write import write_layer

__getattr__, __dir__, __all__ = lazy_exports(__name__, _EXPORTS)
