"""Embedded datasets: the Changge (长葛市) reference study area.

Real outline, codes and names; every other layer synthetic (see
``data/README.md``). :func:`load_changge` generates the dataset once
(deterministically, offline) and caches it in :func:`cache_dir`.
"""

from __future__ import annotations

from gistool.datasets.changge import cache_dir, load_changge

__all__ = ["cache_dir", "load_changge"]
