"""Exception and warning hierarchy of gistool.

Every error raised on purpose derives from :class:`GistoolError` and mixes in
the builtin a caller would expect (rasterio's ``errors.py`` is the model), so
``except ValueError`` and ``except GistoolError`` both work.

Messages name the thing (file, layer, column, config key) and the fix, in one
line: the CLI prints ``str(exc)`` and exits with code 2 for every
:class:`UserFacingError`.
"""

from __future__ import annotations


class GistoolError(Exception):
    """Root of all gistool errors."""


class UserFacingError(GistoolError):
    """An error caused by the user's input or configuration (CLI exit code 2)."""


class InputError(UserFacingError, ValueError):
    """A layer or raster cannot be read or does not meet its schema."""


class CRSError(InputError):
    """A coordinate reference system is missing, unknown or inconsistent."""


class SchemaError(InputError):
    """A required column is missing or has values of the wrong kind."""


class GeometryError(InputError):
    """Geometries are of the wrong type, empty or cannot be repaired."""


class ConfigError(UserFacingError, ValueError):
    """A configuration file or value is invalid."""


class NetworkError(UserFacingError, ValueError):
    """A road network cannot serve the requested analysis."""


class OutputError(UserFacingError, OSError):
    """An output cannot be written (exists without ``overwrite``, unsafe path...)."""


class GistoolWarning(UserWarning):
    """Root of gistool warnings: a problem repaired or worth a look."""


class DataRepairWarning(GistoolWarning):
    """Input data were repaired (invalid geometries, encodings, dropped rows)."""


class CRSWarning(GistoolWarning):
    """A coordinate problem was detected and handled (e.g. a zone prefix)."""


class ConsistencyWarning(GistoolWarning):
    """A pairwise comparison matrix is not consistent enough (CR > 0.1)."""


class NetworkWarning(GistoolWarning):
    """A road network serves an analysis only in part (a facility cut off from most targets)."""


def describe_source(
    path: object = None, layer: str | None = None, column: str | None = None
) -> str:
    """Return ``"file 'x.shp', layer 'y', column 'z'"`` for the parts that are given.

    Used to build messages that name the thing at fault.
    """
    parts = []
    if path is not None:
        parts.append(f"file '{path}'")
    if layer is not None:
        parts.append(f"layer '{layer}'")
    if column is not None:
        parts.append(f"column '{column}'")
    return ", ".join(parts) if parts else "input"
