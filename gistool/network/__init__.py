"""Rescue-route reachability on road networks (DESIGN §5).

Build a routable graph from road lines (:func:`build_road_graph`), snap
facilities and targets to their nearest edge (:func:`snap_points`), cut or slow
flooded edges (:func:`apply_flood`), and compute the nearest facility and
travel time per target (:func:`travel_times`), isochrones, critical links and
routes, all with compiled shortest paths (``scipy.sparse.csgraph``).
``networkx`` is the interchange format (:meth:`RoadGraph.to_networkx`).
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, str] = {
    "RoadGraph": "gistool.network.graph",
    "ComponentReport": "gistool.network.graph",
    "build_road_graph": "gistool.network.build",
    "SnapResult": "gistool.network.snap",
    "snap_points": "gistool.network.snap",
    "FloodResult": "gistool.network.flood",
    "apply_flood": "gistool.network.flood",
    "sample_edge_depth": "gistool.network.flood",
    "travel_times": "gistool.network.reach",
    "target_points": "gistool.network.reach",
    "isochrones": "gistool.network.isochrones",
    "critical_links": "gistool.network.critical",
    "route": "gistool.network.route",
    "check_connectivity": "gistool.network.connectivity",
    "reachability_layers": "gistool.network.layers",
    "capacity_table": "gistool.network.layers",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        msg = f"module 'gistool.network' has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
