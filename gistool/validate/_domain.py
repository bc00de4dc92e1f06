"""Check ``domain``: categories, kinds, hazard types and classes among the known values."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from gistool.errors import SchemaError
from gistool.validate._report import Findings, Severity, examples, row_labels

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd


def _domain_map(allowed: dict[str, str] | tuple[str, ...]) -> dict[str, str]:
    """Normalised spelling (key or Chinese label) → canonical value."""
    out: dict[str, str] = {}
    if isinstance(allowed, dict):
        for key, label in allowed.items():
            out[key.lower()] = key
            out[label] = key
    else:
        for key in allowed:
            out[key.lower()] = key
    return out


def check_domain(
    data: gpd.GeoDataFrame, kind: str, present: set[str], f: Findings, repair: bool
) -> gpd.GeoDataFrame:
    """Categorical columns among their known values (Chinese labels mapped to keys)."""
    from gistool import labels

    spec: dict[str, tuple[dict[str, str], Severity, str]] = {}
    if kind == "enterprises":
        spec["category"] = (_domain_map(labels.ENTERPRISE_CATEGORIES), "error",
                            "enterprise categories")
    elif kind == "facilities":
        spec["kind"] = (_domain_map(labels.FACILITY_KINDS), "error", "facility kinds")
    elif kind == "geohazard_points":
        spec["hazard_type"] = (_domain_map(labels.GEOHAZARD_TYPES), "error", "hazard types")
    elif kind == "geohazard_zones":
        m = _domain_map({k: v[0] for k, v in labels.SUSCEPTIBILITY.items()})
        m.update({"高": "high", "中": "medium", "低": "low", "高易发": "high",
                  "中易发": "medium", "低易发": "low"})
        spec["susceptibility"] = (m, "error", "susceptibility classes")
    elif kind == "townships":
        spec["kind"] = (_domain_map(labels.TOWNSHIP_KINDS), "warning", "township kinds")
    elif kind == "villages":
        spec["kind"] = (_domain_map(labels.VILLAGE_KINDS), "warning", "village kinds")
    elif kind == "roads":
        spec["road_class"] = (_domain_map({k: v[0] for k, v in labels.ROAD_CLASSES.items()}),
                              "error", "road classes")
    for col, (mapping, severity, what) in spec.items():
        if col not in present:
            continue
        s = data[col]
        norm = s.map(lambda v: v.strip() if isinstance(v, str) else v)
        canon = norm.map(
            lambda v, m=mapping: m.get(v, m.get(v.lower())) if isinstance(v, str) else None
        )
        blank = (norm.isna() | (norm.astype(str) == "")).to_numpy(bool)
        unknown = canon.isna().to_numpy(bool) & ~blank
        allowed = sorted(set(mapping.values()))
        sev = severity
        fix = f"use one of {allowed} (or their Chinese labels)"
        if kind == "roads" and "speed_kmh" in present:
            speed = pd.to_numeric(data["speed_kmh"], errors="coerce").to_numpy(float)
            has_speed = np.isfinite(speed) & (speed > 0)
            if (unknown & has_speed).any():
                f.add("info", "domain", col, int((unknown & has_speed).sum()),
                      f"{int((unknown & has_speed).sum())} road(s) of unknown class "
                      f"({examples(s[unknown & has_speed])}) use their speed_kmh", "",
                      SchemaError)
            unknown &= ~has_speed
            fix += " or give speed_kmh"
        if unknown.any():
            f.add(sev, "domain", col, int(unknown.sum()),
                  f"{int(unknown.sum())} value(s) not among the {what} "
                  f"({examples(s[unknown])}; rows {row_labels(unknown, data.index)})",
                  fix, SchemaError)
        if blank.any() and severity == "error":
            f.add("error", "domain", col, int(blank.sum()),
                  f"{int(blank.sum())} missing value(s) (rows {row_labels(blank, data.index)})",
                  fix, SchemaError)
        known = canon.notna().to_numpy(bool)
        changed = known & (canon.astype(object) != s.astype(object)).to_numpy(bool)
        if repair and changed.any():
            data[col] = canon.where(pd.Series(known, index=s.index), s)
            f.add("info", "values repaired", col, int(changed.sum()),
                  f"mapped {int(changed.sum())} label(s) onto canonical values "
                  f"({examples(s[changed])})", "", SchemaError)
    return data
