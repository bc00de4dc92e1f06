"""Exposure E and vulnerability V per analysis unit (DESIGN §3).

Exposure sequence (each step callable alone):

1. population per unit — the village column itself, or a sum of
   :func:`gistool.units.population_pieces` (areal weighting);
2. :func:`enterprise_weights` — one weight per enterprise from its category,
   above-scale and major-hazard flags (the table is data, overridable);
3. :func:`enterprise_sums` — per unit: enterprise count, weighted sum,
   employees, hazardous and exposed-site counts;
4. :func:`exposure_index` — ``E = Σ_k w_k · mm(x_k)`` over the densities of
   population, weighted enterprises and employees (per km²).

Vulnerability: :func:`vulnerability_index` —
``V = w_h·share_hazardous + w_s·share_exposed_site + w_r·share_rural``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from gistool.errors import SchemaError, describe_source
from gistool.hazard import assign_points, density_area_km2, minmax
from gistool.params import CATEGORY_WEIGHTS  # the one table; re-exported here

__all__ = [
    "CATEGORY_WEIGHTS",
    "as_bool",
    "enterprise_sums",
    "enterprise_weights",
    "exposure_index",
    "hazardous_mask",
    "vulnerability_index",
]

#: Spellings read as true in flag columns (``above_scale``, ``major_hazard``).
TRUE_WORDS: tuple[str, ...] = ("true", "t", "1", "yes", "y", "是")


def as_bool(values: Any, n: int | None = None) -> np.ndarray:
    """A flag column as booleans, vectorised; missing values are False.

    Accepts booleans, numbers (non-zero = true) and text (:data:`TRUE_WORDS`,
    case-insensitive). ``None`` gives ``n`` False values.

    Examples
    --------
    >>> as_bool(["是", "否", None, "TRUE", 1]).tolist()
    [True, False, False, True, True]
    """
    if values is None:
        return np.zeros(n or 0, dtype=bool)
    s = pd.Series(values)
    if s.dtype == bool:
        return s.to_numpy()
    if pd.api.types.is_numeric_dtype(s) and s.dtype.name != "boolean":
        return (s.fillna(0) != 0).to_numpy(dtype=bool)
    if s.dtype.name == "boolean":
        return s.fillna(False).to_numpy(dtype=bool)
    txt = s.astype("string").str.strip().str.lower()
    return txt.isin(TRUE_WORDS).fillna(False).to_numpy(dtype=bool)


def enterprise_weights(
    enterprises: pd.DataFrame,
    *,
    category_weights: Mapping[str, float] = CATEGORY_WEIGHTS,
    above_scale_factor: float = 1.5,
    major_hazard_bonus: float = 3.0,
) -> np.ndarray:
    """Exposure weight of each enterprise.

    ``w = c_cat × (f_above if above_scale else 1) + b_major·[major_hazard]``

    with ``c_cat`` the category weight, ``f_above`` the above-scale factor and
    ``b_major`` the major-hazard bonus.

    Defaults: hazardous_chemicals 5, fireworks 5, metallurgy 4,
    ammonia_refrigeration 4, dust_explosion 3, confined_space 2, general 1;
    above-scale ×1.5; a major hazard source (重大危险源) +3.

    Examples
    --------
    >>> import pandas as pd
    >>> e = pd.DataFrame({"category": ["fireworks", "general"], "above_scale": [True, False],
    ...                   "major_hazard": [True, False]})
    >>> enterprise_weights(e).tolist()  # 5·1.5 + 3, 1
    [10.5, 1.0]
    """
    if "category" not in enterprises.columns:
        msg = f"{describe_source(layer='enterprises', column='category')} is missing; add it"
        raise SchemaError(msg)
    cat = enterprises["category"].astype(str)
    unknown = sorted(set(cat) - set(category_weights))
    if unknown:
        msg = (
            f"{describe_source(layer='enterprises', column='category')} has values {unknown} "
            f"without an exposure weight; use one of {sorted(category_weights)} "
            "or add them to the category weights"
        )
        raise SchemaError(msg)
    n = len(enterprises)
    base = cat.map(category_weights).to_numpy(dtype=float)
    above = as_bool(enterprises.get("above_scale"), n)
    major = as_bool(enterprises.get("major_hazard"), n)
    return base * np.where(above, above_scale_factor, 1.0) + major_hazard_bonus * major


def hazardous_mask(enterprises: pd.DataFrame) -> np.ndarray:
    """True for enterprises of a hazardous category (any category but ``general``)."""
    return enterprises["category"].astype(str).to_numpy() != "general"


def enterprise_sums(
    units: gpd.GeoDataFrame,
    enterprises: gpd.GeoDataFrame | None,
    *,
    weights: Any = None,
    exposed_site: Any = None,
    positions: Any = None,
) -> pd.DataFrame:
    """Per-unit enterprise totals.

    Parameters
    ----------
    units
        Unit polygons.
    enterprises
        Enterprise points (``category``; optional ``employees``).
    weights
        Per-enterprise exposure weights (default :func:`enterprise_weights`).
    exposed_site
        Per-enterprise booleans: sited where the 100-year depth ≥ 0.5 m or in a
        high-susceptibility zone (default all False).
    positions
        Precomputed unit position of each enterprise (−1 = outside), e.g. from
        :func:`gistool.hazard.assign_points`.

    Returns
    -------
    pandas.DataFrame
        ``n_enterprises``, ``enterprise_weight``, ``employees``,
        ``n_hazardous``, ``n_exposed_site``, index of ``units``.
    """
    n = len(units)
    cols = ["n_enterprises", "enterprise_weight", "employees", "n_hazardous", "n_exposed_site"]
    if enterprises is None or len(enterprises) == 0:
        return pd.DataFrame(0.0, index=units.index, columns=cols)
    pos = assign_points(enterprises, units) if positions is None else np.asarray(positions)
    w = enterprise_weights(enterprises) if weights is None else np.asarray(weights, float)
    if "employees" in enterprises.columns:
        emp = pd.to_numeric(enterprises["employees"], errors="coerce").fillna(0.0)
        emp = emp.to_numpy(dtype=float)
    else:
        emp = np.zeros(len(enterprises))
    haz = hazardous_mask(enterprises).astype(float)
    site = (
        np.zeros(len(enterprises))
        if exposed_site is None
        else np.asarray(exposed_site, dtype=bool).astype(float)
    )
    m = pos >= 0
    p = pos[m]

    def tot(x: np.ndarray) -> np.ndarray:
        return np.bincount(p, weights=x[m], minlength=n)

    return pd.DataFrame(
        {
            "n_enterprises": tot(np.ones(len(enterprises))),
            "enterprise_weight": tot(w),
            "employees": tot(emp),
            "n_hazardous": tot(haz),
            "n_exposed_site": tot(site),
        },
        index=units.index,
    )


def exposure_index(
    units: gpd.GeoDataFrame,
    population: Any,
    sums: pd.DataFrame,
    *,
    w_population: float = 0.5,
    w_enterprises: float = 0.35,
    w_employees: float = 0.15,
    area_km2: Any = None,
) -> pd.DataFrame:
    """Exposure ``E = w_p·mm(pop/km²) + w_e·mm(Σ enterprise weight/km²) + w_m·mm(employees/km²)``.

    Densities are per km² of :func:`gistool.hazard.density_area_km2` (the
    unit's area; the nominal cell area for grid cells, so boundary slivers
    are not inflated) unless ``area_km2`` is given; ``mm`` is min–max across
    the units (defaults 0.5 / 0.35 / 0.15).

    Returns
    -------
    pandas.DataFrame
        ``population``, ``pop_density``, ``enterprise_density``,
        ``employee_density`` and ``E``.
    """
    area = density_area_km2(units) if area_km2 is None else np.asarray(area_km2, float)
    pop = np.nan_to_num(np.asarray(population, dtype=float))

    def dens(x: Any) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        return np.divide(x, area, out=np.zeros_like(x), where=area > 0)

    d_pop = dens(pop)
    d_ent = dens(sums["enterprise_weight"])
    d_emp = dens(sums["employees"])
    E = w_population * minmax(d_pop) + w_enterprises * minmax(d_ent) + w_employees * minmax(d_emp)
    return pd.DataFrame(
        {
            "population": pop,
            "pop_density": d_pop,
            "enterprise_density": d_ent,
            "employee_density": d_emp,
            "E": E,
        },
        index=units.index,
    )


def vulnerability_index(
    sums: pd.DataFrame,
    rural_share: Any = None,
    *,
    w_hazardous: float = 0.4,
    w_site: float = 0.3,
    w_rural: float = 0.3,
) -> pd.DataFrame:
    """Vulnerability ``V = w_h·s_haz + w_s·s_site + w_r·s_rural`` (defaults 0.4 / 0.3 / 0.3).

    - ``s_haz = n_hazardous / n_enterprises`` — share of hazardous-category
      (non-``general``) enterprises;
    - ``s_site = n_exposed_site / n_enterprises`` — share of enterprises sited
      where the 100-year depth ≥ 0.5 m or in a high-susceptibility zone;
    - ``s_rural`` — share of the unit's population living in 村委会 (rural)
      villages, whose housing and ageing population make them more fragile.

    A unit without enterprises has ``s_haz = s_site = 0`` (nothing industrial
    to be vulnerable); without ``rural_share`` the rural term is 0. All terms
    are shares, so V is in [0, 1] without normalisation.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"n_enterprises": [4, 0], "n_hazardous": [1, 0], "n_exposed_site": [2, 0]})
    >>> vulnerability_index(s, [0.5, 1.0])["V"].round(6).tolist()  # .4·.25+.3·.5+.3·.5, .3·1
    [0.4, 0.3]
    """
    n = sums["n_enterprises"].to_numpy(dtype=float)

    def share(x: Any) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        return np.divide(x, n, out=np.zeros_like(x), where=n > 0)

    s_haz = share(sums["n_hazardous"])
    s_site = share(sums["n_exposed_site"])
    s_rural = (
        np.zeros(len(sums))
        if rural_share is None
        else np.nan_to_num(np.asarray(rural_share, float))
    )
    V = w_hazardous * s_haz + w_site * s_site + w_rural * s_rural
    return pd.DataFrame(
        {"share_hazardous": s_haz, "share_exposed_site": s_site, "share_rural": s_rural, "V": V},
        index=sums.index,
    )
