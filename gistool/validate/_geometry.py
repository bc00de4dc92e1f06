"""Check ``geometry``: null/empty, type against the schema, multi-part points, validity."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gistool.errors import GeometryError
from gistool.validate._report import Findings, examples, row_labels

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd


def _keep_dimension(geoms: np.ndarray, dim: int) -> np.ndarray:
    """Keep only the parts of dimension ``dim`` of each geometry (empty if none), vectorised."""
    import shapely

    parts, idx = shapely.get_parts(geoms, return_index=True)
    # flatten nested collections/multi-geometries until only simple parts remain
    while True:
        nested = shapely.get_type_id(parts) >= 4
        if not nested.any():
            break
        sub, sub_idx = shapely.get_parts(parts[nested], return_index=True)
        parts = np.concatenate([parts[~nested], sub])
        idx = np.concatenate([idx[~nested], idx[nested][sub_idx]])
    keep = (shapely.get_dimensions(parts) == dim) & ~shapely.is_empty(parts)
    parts, idx = parts[keep], idx[keep]
    out = np.empty(len(geoms), dtype=object)
    empty = {0: shapely.Point(), 1: shapely.LineString(), 2: shapely.Polygon()}[dim]
    out[:] = [empty] * len(geoms)
    if parts.size:
        counts = np.bincount(idx, minlength=len(geoms))
        maker = {0: shapely.multipoints, 1: shapely.multilinestrings, 2: shapely.multipolygons}
        order = np.argsort(idx, kind="stable")
        multi = maker[dim](parts[order], indices=idx[order])
        has = np.flatnonzero(counts > 0)
        single = counts[has] == 1
        # unwrap single-part results to their simple type
        collected = np.asarray(multi)
        simple = shapely.get_geometry(collected[single], 0)
        collected[single] = simple
        out[has] = collected
    return out


def check_geometry(
    data: gpd.GeoDataFrame, kind: str, f: Findings, repair: bool
) -> gpd.GeoDataFrame:
    """Null/empty geometries, types against the schema, multi-part points, validity."""
    import shapely

    from gistool.schema import SCHEMAS

    allowed = SCHEMAS[kind].geometry
    geoms = np.asarray(data.geometry.values, dtype=object)
    n_rows = len(geoms)
    null = shapely.is_missing(geoms)
    empty = ~null & shapely.is_empty(geoms)
    gone = null | empty
    if gone.any():
        what = (
            f"{int(null.sum())} null and {int(empty.sum())} empty geometries "
            f"(rows {row_labels(gone, data.index)})"
        )
        if repair:
            f.add("warning", "geometry repaired", None, int(gone.sum()), f"dropped {what}",
                  "", GeometryError)
            data = data[~gone]
            geoms = geoms[~gone]
        else:
            f.add("warning", "geometry", None, int(gone.sum()), what,
                  "drop them or validate with repair=True", GeometryError)
            geoms = np.where(gone, None, geoms)
    present = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    if not present.any():
        f.add("error", "geometry", None, 0,
              "the layer has no features with a geometry" if n_rows else
              "the layer has no features",
              "check the file, the layer name and any filter that produced it", GeometryError)
    types = np.where(present, shapely.get_type_id(np.where(present, geoms, None)), -1)
    names = np.array(["Point", "LineString", "LinearRing", "Polygon", "MultiPoint",
                      "MultiLineString", "MultiPolygon", "GeometryCollection"])
    type_names = np.where(types >= 0, names[np.clip(types, 0, 7)], "")
    # single-part MultiPoints of point layers
    if allowed == ("Point",):
        mp = type_names == "MultiPoint"
        if mp.any():
            nparts = shapely.get_num_geometries(np.where(mp, geoms, None))
            one = mp & (nparts == 1)
            many = mp & (nparts > 1)
            if one.any():
                if repair:
                    geoms = geoms.copy()
                    geoms[one] = shapely.get_geometry(geoms[one], 0)
                    type_names = np.where(one, "Point", type_names)
                    f.add("warning", "geometry repaired", None, int(one.sum()),
                          f"unwrapped {int(one.sum())} single-part MultiPoint(s) to Point",
                          "", GeometryError)
                else:
                    f.add("error", "geometry", None, int(one.sum()),
                          f"{int(one.sum())} single-part MultiPoint(s) where Points are expected "
                          f"(rows {row_labels(one, data.index)})",
                          "validate with repair=True or convert them to Point", GeometryError)
                    type_names = np.where(one, "", type_names)
            if many.any():
                f.add("error", "geometry", None, int(many.sum()),
                      f"{int(many.sum())} multi-part MultiPoint(s) where one Point per feature is "
                      f"expected (rows {row_labels(many, data.index)})",
                      "split them into separate features, each with its own id", GeometryError)
                type_names = np.where(many, "", type_names)
    wrong = present & (type_names != "") & ~np.isin(type_names, allowed)
    if wrong.any():
        found = sorted({str(t) for t in type_names[wrong]})
        f.add("error", "geometry", None, int(wrong.sum()),
              f"{kind} layer needs {'/'.join(allowed)} geometries but has {found} "
              f"(rows {row_labels(wrong, data.index)})",
              "export the right layer or convert the geometries", GeometryError)
    check = present & ~wrong
    invalid = check & ~shapely.is_valid(np.where(check, geoms, None))
    if invalid.any():
        reasons = shapely.is_valid_reason(geoms[invalid])
        detail = examples(r.split("[")[0] for r in reasons)
        if repair:
            dim = {"Point": 0, "LineString": 1, "Polygon": 2}[allowed[0]]
            if dim == 2:
                fixed = shapely.make_valid(geoms[invalid], method="structure",
                                           keep_collapsed=False)
            else:
                fixed = _keep_dimension(shapely.make_valid(geoms[invalid]), dim)
            geoms = geoms.copy()
            geoms[invalid] = fixed
            collapsed = shapely.is_empty(fixed)
            msg = f"made {int(invalid.sum())} invalid geometries valid ({detail})"
            if collapsed.any():
                msg += f"; {int(collapsed.sum())} collapsed to nothing and were dropped"
            f.add("warning", "geometry repaired", None, int(invalid.sum()), msg, "",
                  GeometryError)
            data = data.set_geometry(
                _geoseries(geoms, data)
            )
            if collapsed.any():
                keep = np.ones(len(data), dtype=bool)
                keep[np.flatnonzero(invalid)[collapsed]] = False
                data = data[keep]
            return data
        f.add("error", "geometry", None, int(invalid.sum()),
              f"{int(invalid.sum())} invalid geometries ({detail}; rows "
              f"{row_labels(invalid, data.index)})",
              "validate with repair=True (shapely.make_valid) or fix them in a GIS",
              GeometryError)
    return data.set_geometry(_geoseries(geoms, data)) if repair else data


def _geoseries(geoms: np.ndarray, data: gpd.GeoDataFrame) -> gpd.GeoSeries:
    import geopandas as gpd

    return gpd.GeoSeries(geoms, index=data.index, crs=data.crs, name=data.geometry.name)
