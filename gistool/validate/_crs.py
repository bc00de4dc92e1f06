"""Checks ``crs`` and ``coords``: a CRS present and plausible, zone prefixes, GCJ-02 offsets."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

from gistool.errors import CRSError, CRSWarning
from gistool.validate._report import Findings

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd


def check_crs(
    data: gpd.GeoDataFrame, f: Findings, repair: bool, source: object, layer: str | None
) -> tuple[gpd.GeoDataFrame, Any]:
    """CRS present and plausible; returns (data, metric CRS or None)."""
    from gistool.crs import crs_family, detect_zone_prefix, ensure_crs, strip_zone_prefix

    if data.crs is None:
        f.add(
            "error", "crs", None, len(data), "the layer has no coordinate reference system",
            "pass crs='EPSG:4490' (or --crs) if you know it; never guessed", CRSError,
        )
        return data, None
    try:
        ensure_crs(data)
    except CRSError as exc:
        text = str(exc).split(": ", 1)[-1]
        message, _, fix = text.partition("; ")
        f.add("error", "crs", None, len(data), message, fix, CRSError)
        return data, None
    if data.crs.is_projected:
        import shapely

        xs = shapely.get_coordinates(data.geometry.values)[:, 0]
        zone = detect_zone_prefix(xs)
        if zone is not None:
            if repair:
                with warnings.catch_warnings(record=True) as w:
                    warnings.simplefilter("always", CRSWarning)
                    try:
                        data = strip_zone_prefix(data, source=source, layer=layer)
                    except CRSError as exc:
                        f.add("error", "crs", None, len(data), str(exc), "", CRSError)
                        return data, None
                text = str(w[0].message).split(": ", 1)[-1] if w else f"zone prefix {zone}"
                f.add("warning", "crs repaired", None, len(data), text, "", CRSError)
            else:
                f.add(
                    "warning", "crs", None, len(data),
                    f"eastings carry the Gauss–Krüger zone prefix {zone}",
                    "validate with repair=True or read with the zone-prefixed CRS", CRSError,
                )
                return data, None
    family = crs_family(data.crs)
    if family in ("Xian80", "Beijing54"):
        name = {"Xian80": "Xi'an-80", "Beijing54": "Beijing-54"}[family]
        epsg = data.crs.to_epsg()
        f.add("info", "crs", None, len(data),
              f"declared in {name} (EPSG:{epsg}, {data.crs.name}); it differs from CGCS2000 "
              "by up to ~100 m and will be reprojected",
              "if the coordinates are really CGCS2000, read it with crs= the CGCS2000 CRS",
              CRSError)
    return data, _metric_crs(data)


def _metric_crs(data: gpd.GeoDataFrame) -> Any:
    """CRS for areas and distances: the layer's Gauss–Krüger working CRS (scale error
    < 0.1 % inside a 3° zone, unlike e.g. Web Mercator's 1/cos²φ), else the layer's own
    CRS when it is projected in metres, else None."""
    from gistool.crs import working_crs

    if data.empty or data.geometry.isna().all():
        return None
    try:
        return working_crs(data)
    except CRSError:
        pass
    unit = data.crs.axis_info[0].unit_name if data.crs.axis_info else ""
    return data.crs if data.crs.is_projected and unit in ("metre", "meter") else None


def check_gcj02(d: gpd.GeoDataFrame, area: Any, f: Findings) -> None:
    """Warn when points fit the boundary much better after a GCJ-02 correction."""
    from gistool.crs import detect_gcj02_offset

    found = detect_gcj02_offset(d, area)
    if found is None:
        return
    f.add("warning", "coords", None, int(found["outside_raw"]),
          f"coordinates look like GCJ-02 (Amap/Tencent) lon/lat read as WGS84: "
          f"{found['outside_raw']:.0f} point(s) outside the boundary, "
          f"{found['outside_corrected']:.0f} after a GCJ-02 correction "
          f"(shift {found['shift_m']:.0f} m)",
          "read the layer with coords='gcj02' (CLI: --coords gcj02; config: coords = \"gcj02\")",
          CRSError)
