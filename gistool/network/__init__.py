"""Rescue-route reachability on road networks (DESIGN §5).

Build a routable graph from road lines (:func:`build_road_graph`), snap
facilities and targets to their nearest edge (:func:`snap_points`), cut or slow
flooded edges (:func:`apply_flood`), and compute the nearest facility and
travel time per target (:func:`travel_times`), isochrones, critical links and
routes, all with compiled shortest paths (``scipy.sparse.csgraph``).
``networkx`` is the interchange format (:meth:`RoadGraph.to_networkx`).

Functions are imported eagerly: several share their module's name
(``isochrones``, ``route``), and a lazy attribute would be shadowed by the
submodule once it is imported.
"""

from __future__ import annotations

from gistool.network.build import build_road_graph
from gistool.network.connectivity import check_connectivity
from gistool.network.critical import critical_links
from gistool.network.flood import FloodResult, apply_flood, sample_edge_depth
from gistool.network.graph import ComponentReport, RoadGraph
from gistool.network.isochrones import isochrones
from gistool.network.layers import reachability_layers, rescue_access
from gistool.network.reach import target_points, travel_times
from gistool.network.route import route, routes
from gistool.network.snap import SnapResult, snap_points

__all__ = [
    "ComponentReport",
    "FloodResult",
    "RoadGraph",
    "SnapResult",
    "apply_flood",
    "build_road_graph",
    "check_connectivity",
    "critical_links",
    "isochrones",
    "reachability_layers",
    "rescue_access",
    "route",
    "routes",
    "sample_edge_depth",
    "snap_points",
    "target_points",
    "travel_times",
]
