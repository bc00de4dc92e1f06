"""Shared preparation of every map: one CRS, the frame extent, boundaries, notes."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import pyproj

from gistool.errors import CRSError, InputError, SchemaError, describe_source
from gistool.maps.notes import SYNTHETIC_NOTE, crs_note, data_note

__all__ = ["MapInputs", "prepare"]


@dataclass
class MapInputs:
    """Layers of one map in one projected CRS, with its extent and notes."""

    crs: pyproj.CRS
    layers: dict[str, gpd.GeoDataFrame | None]
    townships: gpd.GeoDataFrame | None
    boundary: gpd.GeoDataFrame | None
    bounds: tuple[float, float, float, float]
    notes: list[str]


def _check_frame(name: str, gdf: Any) -> gpd.GeoDataFrame:
    if not isinstance(gdf, gpd.GeoDataFrame):
        msg = f"{describe_source(layer=name)}: expected a GeoDataFrame, got {type(gdf).__name__}"
        raise InputError(msg)
    if gdf.crs is None:
        msg = (f"{describe_source(layer=name)} has no CRS; set it with "
               f".set_crs('EPSG:…') (maps never guess a CRS)")
        raise CRSError(msg)
    return gdf


def require_columns(name: str, gdf: gpd.GeoDataFrame, columns: Sequence[str]) -> None:
    """Refuse a layer that lacks a canonical column, naming the layer and column."""
    for col in columns:
        if col not in gdf.columns:
            msg = (f"{describe_source(layer=name, column=col)} is missing; map your column onto "
                   f"'{col}' (gdf.rename(columns={{'yours': '{col}'}}))")
            raise SchemaError(msg)


def prepare(
    layers: Mapping[str, gpd.GeoDataFrame | None],
    *,
    area: Any = None,
    townships: gpd.GeoDataFrame | None = None,
    boundary: gpd.GeoDataFrame | None = None,
    source_keys: Iterable[str] = (),
    synthetic: bool | None = None,
    sources: str | Sequence[str] | None = None,
    data_note_text: str | None = None,
    date: _dt.date | str | None = None,
    extra_notes: Sequence[str] = (),
) -> MapInputs:
    """Check and reproject the layers of a map and build its notes.

    The map CRS is that of ``boundary`` (else ``townships``, else the area's,
    else the first layer's); it must be projected (metres, for the scale bar).
    Layers in another CRS are reprojected to it; a layer without CRS is refused.
    ``townships``/``boundary`` default to the area's. ``synthetic`` defaults to
    whether any of ``source_keys`` (or the boundaries) is in ``area.synthetic``;
    ``sources`` defaults to ``area.sources`` of those keys.
    """
    if townships is None and area is not None:
        townships = area.townships
    if boundary is None and area is not None:
        boundary = area.boundary
    checked = {k: _check_frame(k, v) for k, v in layers.items() if v is not None}
    if townships is not None:
        townships = _check_frame("townships", townships)
    if boundary is not None:
        boundary = _check_frame("boundary", boundary)
    if boundary is not None:
        crs = boundary.crs
    elif townships is not None:
        crs = townships.crs
    elif area is not None:
        crs = area.crs
    elif checked:
        crs = next(iter(checked.values())).crs
    else:
        msg = "a map needs at least one layer; pass townships=, boundary= or area="
        raise InputError(msg)
    crs = pyproj.CRS.from_user_input(crs)
    if not crs.is_projected:
        msg = (f"maps are drawn in a projected CRS in metres, not {crs.name}; reproject the "
               "layers first, e.g. gdf.to_crs(gistool.working_crs(boundary))")
        raise CRSError(msg)

    def same(gdf: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
        if gdf is None or gdf.crs == crs:
            return gdf
        return gdf.to_crs(crs)

    out = {k: same(checked.get(k)) for k in layers}
    townships, boundary = same(townships), same(boundary)
    frame = boundary if boundary is not None else townships
    if frame is not None and len(frame):
        bounds = tuple(float(v) for v in frame.total_bounds)
    else:
        present = [g for g in out.values() if g is not None and len(g)]
        if not present:
            msg = "nothing to draw: every layer is empty; pass boundary= to frame the map"
            raise InputError(msg)
        b = gpd.GeoSeries(
            [g.geometry.union_all().envelope for g in present], crs=crs
        ).total_bounds
        bounds = tuple(float(v) for v in b)

    keys = list(source_keys)
    used = [*keys, *(["townships"] if townships is not None else []),
            *(["boundary"] if boundary is not None else [])]
    if synthetic is None:
        synthetic = area is not None and any(k in getattr(area, "synthetic", ()) for k in used)
    if sources is None:
        area_sources = getattr(area, "sources", None) or {}
        src_list = [area_sources[k] for k in ("boundary", *keys) if k in area_sources]
    else:
        src_list = [sources] if isinstance(sources, str) else list(sources)
    if data_note_text is not None:
        note = data_note_text
        if synthetic and SYNTHETIC_NOTE not in note:
            note = f"{note}\n{SYNTHETIC_NOTE}"
    else:
        note = data_note(src_list, date=date, synthetic=bool(synthetic))
    notes = [crs_note(crs), *extra_notes, note]
    return MapInputs(crs=crs, layers=out, townships=townships, boundary=boundary,
                     bounds=bounds, notes=notes)
