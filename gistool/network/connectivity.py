"""Are facilities and targets on the same connected part of the road network?"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd

from gistool.errors import NetworkError, NetworkWarning
from gistool.network.graph import RoadGraph
from gistool.network.reach import feature_ids
from gistool.network.snap import snap_points

__all__ = ["check_connectivity"]


def check_connectivity(
    graph: RoadGraph,
    sources: gpd.GeoDataFrame,
    targets: gpd.GeoDataFrame,
    *,
    min_share: float = 0.5,
    max_distance: float = 500.0,
) -> pd.DataFrame:
    """Share of the targets in each facility's (weakly) connected component.

    Warns (:class:`~gistool.errors.NetworkWarning`) naming the facilities whose
    component holds less than ``min_share`` of the snapped targets, and raises
    :class:`~gistool.errors.NetworkError` when no facility shares a component
    with any target.

    Returns
    -------
    pandas.DataFrame
        ``facility_id``, ``component`` (-1 when not snapped), ``target_share``.

    Examples
    --------
    >>> from shapely import LineString, Point
    >>> from gistool.network import build_road_graph
    >>> roads = gpd.GeoDataFrame({"road_class": ["village"] * 2},
    ...     geometry=[LineString([(0, 0), (100, 0)]), LineString([(0, 900), (100, 900)])],
    ...     crs="EPSG:4547")
    >>> g = build_road_graph(roads)
    >>> fac = gpd.GeoDataFrame({"id": ["F"]}, geometry=[Point(0, 0)], crs="EPSG:4547")
    >>> tgt = gpd.GeoDataFrame(geometry=[Point(50, 0), Point(50, 900)], crs="EPSG:4547")
    >>> check_connectivity(g, fac, tgt)["target_share"].tolist()
    [0.5]
    """
    labels = graph.components().labels
    eu, _ = graph.edge_uv
    s = snap_points(graph, sources, max_distance=max_distance, what="facilities")
    t = snap_points(graph, targets, max_distance=max_distance, what="targets")
    s_comp = np.where(s.snapped, labels[eu[np.maximum(s.edge, 0)]], -1)
    t_comp = labels[eu[t.edge[t.snapped]]]
    n_t = max(len(t_comp), 1)
    counts = np.bincount(t_comp, minlength=labels.max() + 1) if len(t_comp) else None
    share = np.array(
        [counts[c] / n_t if (c >= 0 and counts is not None) else 0.0 for c in s_comp]
    )
    report = pd.DataFrame(
        {"facility_id": feature_ids(sources, ("id", "code")), "component": s_comp,
         "target_share": share}
    )
    if len(report) and (share == 0).all():
        msg = (
            "no facility is on a road component that holds any target: check that facilities, "
            "targets and roads cover the same area (and the snapping max_distance)"
        )
        raise NetworkError(msg)
    weak = report[report["target_share"] < min_share]
    if len(weak):
        ids = ", ".join(str(x) for x in weak["facility_id"].head(10))
        msg = (
            f"{len(weak)} facilities sit on road components holding under {min_share:.0%} of "
            f"the targets ({ids}); connect their roads or check their positions"
        )
        warnings.warn(msg, NetworkWarning, stacklevel=2)
    return report
