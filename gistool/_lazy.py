"""Lazy re-exports for package ``__init__`` modules.

A package lists ``public name → defining module`` once; the names load on
first access (PEP 562 module ``__getattr__``), so importing ``gistool`` or a
subpackage stays cheap and ``gistool --help`` never imports GDAL or
matplotlib.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(
    package: str, exports: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]], list[str]]:
    """Return ``(__getattr__, __dir__, __all__)`` for ``package``.

    Parameters
    ----------
    package
        The package's ``__name__``.
    exports
        Public name → module that defines it.

    Examples
    --------
    >>> getattr_, dir_, all_ = lazy_exports("gistool.io", {"read_layer": "gistool.io.read"})
    >>> all_
    ['read_layer']
    >>> getattr_("read_layer").__name__
    'read_layer'
    """
    names = sorted(exports)

    def __getattr__(name: str) -> Any:  # noqa: N807 - PEP 562 module hook
        module = exports.get(name)
        if module is None:
            msg = f"module {package!r} has no attribute {name!r}"
            raise AttributeError(msg)
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)  # cache: later lookups skip this hook
        return value

    def __dir__() -> list[str]:  # noqa: N807 - PEP 562 module hook
        return list(names)

    return __getattr__, __dir__, names
