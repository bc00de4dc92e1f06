"""Shared pytest configuration and tiny fixtures built in code."""

from __future__ import annotations

import os

import matplotlib
import pytest

matplotlib.use("Agg")
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(scope="session")
def changge():
    """The embedded Changge study area (generated once, then loaded from the disk cache).

    Shared by every test of the session: treat its layers as read-only (``.copy()``
    before modifying).
    """
    from gistool.datasets import load_changge

    return load_changge()
