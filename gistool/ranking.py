"""Ranking tables: rank of each unit by risk index and the factor that drives it (DESIGN §4).

**Driver.** The factors are min–max normalised within the table and oriented
so that higher means more risk (capacity ``C`` enters as 1 − C_norm, see
:func:`gistool.risk.normalize`); the contribution of factor k to unit i is its
weighted normalised value c_ik = w_k · x_ik, and the driver is the factor with
the largest c_ik — the term that adds most to the weighted sum, and the factor
whose weighted level most raises the geometric mean. A unit where every
contribution is 0 (lowest on every factor) has no driver (missing).

>>> import pandas as pd
>>> t = pd.DataFrame({"risk_index": [0.2, 0.9, 0.5],
...                   "H": [0.0, 1.0, 0.2], "E": [1.0, 0.5, 0.0]})
>>> out = rank_units(t, factors=("H", "E"))
>>> out["rank"].tolist(), out["driver"].tolist(), out["driver_name"].tolist()
([3, 1, 2], ['E', 'H', 'H'], ['暴露度', '危险性', '危险性'])
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from gistool.errors import DataRepairWarning, InputError, SchemaError
from gistool.labels import FACTORS

if TYPE_CHECKING:
    import geopandas as gpd

    from gistool.risk import AHPResult

__all__ = ["factor_contributions", "rank_units"]


def factor_contributions(
    units: pd.DataFrame,
    *,
    factors: Sequence[str] = ("H", "E", "V", "C"),
    weights: Mapping[str, float] | pd.Series | AHPResult | None = None,
    directions: Mapping[str, int] | None = None,
) -> pd.DataFrame:
    """Weighted normalised value c_ik = w_k · x_ik of each factor for each unit.

    Parameters
    ----------
    units
        Table with one column per factor (raw or already normalised values).
    factors
        Factor columns.
    weights
        Factor → weight (normalised to sum 1); default equal weights.
    directions
        As in :func:`gistool.risk.normalize` (default: ``C`` −1, others +1).

    Returns
    -------
    pandas.DataFrame
        One column per factor, same index as ``units``.

    Examples
    --------
    >>> import pandas as pd
    >>> c = factor_contributions(pd.DataFrame({"H": [1.0, 3.0], "C": [5.0, 1.0]}),
    ...                          factors=("H", "C"), weights={"H": 0.75, "C": 0.25})
    >>> c.to_numpy().tolist()
    [[0.0, 0.0], [0.75, 0.25]]
    """
    from gistool.risk import _weights_series, normalize

    factors = list(factors)
    missing = [f for f in factors if f not in units.columns]
    if missing:
        msg = (
            f"ranking: factor columns {missing} are missing; compute them or pass "
            f"factors=... naming the columns present"
        )
        raise SchemaError(msg)
    if weights is None:
        w = pd.Series(1.0 / len(factors), index=factors)
    else:
        w = _weights_series(weights)
        extra = [f for f in w.index if f not in factors]
        if extra:
            msg = f"ranking: weights name {extra}, which are not among factors {factors}"
            raise InputError(msg)
        w = w.reindex(factors, fill_value=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataRepairWarning)  # constant factor: contributes 0
        x = normalize(units[factors], directions=directions)
    return x * w.to_numpy()


def rank_units(
    gdf: gpd.GeoDataFrame | pd.DataFrame,
    *,
    index: str = "risk_index",
    factors: Sequence[str] = ("H", "E", "V", "C"),
    weights: Mapping[str, float] | pd.Series | AHPResult | None = None,
    directions: Mapping[str, int] | None = None,
    by: str | None = None,
) -> gpd.GeoDataFrame | pd.DataFrame:
    """Rank units by risk index and name the factor driving each.

    Parameters
    ----------
    gdf
        Units with ``index`` and the factor columns.
    index
        Column ranked, highest first.
    factors
        Factor columns considered as drivers.
    weights
        Weights of the composite index (default equal).
    directions
        Factor directions (default: ``C`` −1, others +1).
    by
        Optional grouping column (e.g. ``township_code``): ranks then count
        within each group; drivers are still normalised over the whole table.

    Returns
    -------
    GeoDataFrame or DataFrame
        A copy with ``rank`` (1 = highest index; ties share the best rank,
        ``method="min"``), ``driver`` (factor column name, see the module notes)
        and ``driver_name`` (Chinese, :data:`gistool.labels.FACTORS`). Row order
        is kept; sort by ``rank`` for a table.

    Raises
    ------
    SchemaError
        If ``index``, ``by`` or a factor column is missing.
    InputError
        If ``index`` has missing values.
    """
    for col in (index, by):
        if col is not None and col not in gdf.columns:
            msg = f"ranking: column '{col}' is missing; compute it first or name another column"
            raise SchemaError(msg)
    values = pd.to_numeric(gdf[index], errors="coerce")
    if values.isna().any():
        msg = (
            f"ranking: column '{index}' has {int(values.isna().sum())} missing values; "
            "fill or drop those units before ranking"
        )
        raise InputError(msg)
    out = gdf.copy()
    if by is None:
        rank = values.rank(ascending=False, method="min")
    else:
        rank = values.groupby(gdf[by]).rank(ascending=False, method="min")
    out["rank"] = rank.astype(np.int64)

    contrib = factor_contributions(gdf, factors=factors, weights=weights, directions=directions)
    c = contrib.to_numpy()
    names = np.array(list(contrib.columns), dtype=object)
    if c.size:
        top = np.argmax(c, axis=1)
        has = c[np.arange(len(c)), top] > 0
        driver = np.where(has, names[top], None)
    else:
        driver = np.full(len(gdf), None, dtype=object)
    out["driver"] = pd.Series(driver, index=gdf.index, dtype=object)
    out["driver_name"] = out["driver"].map({f: FACTORS.get(f, f) for f in names})
    return out
