"""The docstring examples of gistool.io and the info/convert commands run and hold."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "gistool.io.encoding",
    "gistool.io.columns",
    "gistool.io.tabular",
    "gistool.io.read",
    "gistool.io.write",
    "gistool.io.tables",
    "gistool.io.raster",
    "gistool.io.describe",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
