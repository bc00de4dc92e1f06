"""The docstring examples of gistool.network run and hold."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "gistool.network.graph",
    "gistool.network.build",
    "gistool.network.snap",
    "gistool.network.reach",
    "gistool.network.isochrones",
    "gistool.network.critical",
    "gistool.network.route",
    "gistool.network.connectivity",
    "gistool.network.layers",
    "gistool.network._lines",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
