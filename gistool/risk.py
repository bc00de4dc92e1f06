"""Indicator weights, normalisation and the composite risk index (DESIGN §3).

Three ways to weight the factors H (hazard), E (exposure), V (vulnerability)
and C (capacity):

- :func:`ahp_weights` — the analytic hierarchy process (Saaty): principal
  eigenvector of a pairwise comparison matrix, with its consistency ratio;
- :func:`entropy_weights` — the entropy-weight method, from the data;
- :func:`explicit_weights` — weights given by the user, validated.

:func:`normalize` brings indicators onto a common, *risk-oriented* scale
(higher = more risk; capacity ``C`` is flipped by default) and
:func:`composite_index` combines them, as the weighted geometric mean form of
R = H·E·V·(1−C) or as a weighted sum.

>>> import pandas as pd
>>> raw = pd.DataFrame({"H": [0.0, 0.5, 1.0], "C": [10.0, 5.0, 0.0]})
>>> x = normalize(raw)            # C has direction -1: x_C = 1 - C_norm
>>> x["C"].tolist()
[0.0, 0.5, 1.0]
>>> composite_index(x, {"H": 0.5, "C": 0.5}, method="sum").round(3).tolist()
[0.0, 0.5, 1.0]
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from gistool.errors import ConsistencyWarning, DataRepairWarning, InputError

__all__ = [
    "DEFAULT_DIRECTIONS",
    "RANDOM_INDEX",
    "AHPResult",
    "ahp_weights",
    "composite_index",
    "entropy_weights",
    "explicit_weights",
    "normalize",
    "resolve_directions",
]

#: Saaty's random consistency index RI for matrices of order n = 1 … 15.
RANDOM_INDEX: tuple[float, ...] = (
    0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59,
)  # fmt: skip

#: Consistency ratio above which a pairwise matrix is reported inconsistent.
CR_LIMIT: float = 0.1

#: Tolerance on a_ij · a_ji = 1 (rounded entries such as 0.33 or 0.14 pass).
RECIPROCAL_TOLERANCE: float = 0.05

#: Directions used when none are given: capacity C lowers risk, every other column raises it.
DEFAULT_DIRECTIONS: dict[str, int] = {"C": -1}


@dataclass(frozen=True)
class AHPResult:
    """Weights and consistency of an AHP pairwise comparison matrix.

    Attributes
    ----------
    weights
        Principal eigenvector normalised to sum 1, indexed by the criteria labels.
    lambda_max
        Principal eigenvalue λmax.
    ci
        Consistency index CI = (λmax − n) / (n − 1) (0 for n ≤ 2).
    cr
        Consistency ratio CR = CI / RI(n), RI being Saaty's random index (0 for n ≤ 2).
    consistent
        ``cr <= 0.1``.
    ri
        Saaty's random index RI(n) used for CR.
    matrix
        The pairwise comparison matrix, labelled.
    """

    weights: pd.Series
    lambda_max: float
    ci: float
    cr: float
    consistent: bool
    ri: float = 0.0
    matrix: pd.DataFrame | None = None

    def table(self) -> pd.DataFrame:
        """The judgement matrix with a ``weight`` column, for reports.

        Examples
        --------
        >>> ahp_weights([[1, 3], [1 / 3, 1]], labels=["H", "E"]).table().round(2)
              H    E  weight
        H  1.00  3.0    0.75
        E  0.33  1.0    0.25
        """
        m = self.matrix if self.matrix is not None else pd.DataFrame(index=self.weights.index)
        return m.assign(weight=self.weights.to_numpy())


def ahp_weights(
    matrix: pd.DataFrame | np.ndarray | list[list[float]],
    labels: list[str] | tuple[str, ...] | None = None,
) -> AHPResult:
    """Weights from an AHP pairwise comparison matrix (principal eigenvector).

    ``matrix[i][j]`` says how much more important criterion *i* is than *j*
    (Saaty's 1–9 scale), with ``a_ji = 1 / a_ij`` and ones on the diagonal.

    - weights w = the eigenvector of the largest real eigenvalue λmax, real part,
      normalised so that Σ w = 1;
    - CI = (λmax − n) / (n − 1);
    - CR = CI / RI(n), with Saaty's random index RI(n) (:data:`RANDOM_INDEX`).

    A :class:`~gistool.errors.ConsistencyWarning` is issued when CR > 0.1.

    Parameters
    ----------
    matrix
        Square matrix of positive judgements; a DataFrame's index gives the labels.
    labels
        Criteria names (default: the DataFrame index, else ``c1 … cn``).

    Returns
    -------
    AHPResult

    Raises
    ------
    InputError
        If the matrix is not square, has non-positive or non-finite entries, a
        diagonal other than 1, or a cell whose mirror is not its reciprocal
        (a_ij · a_ji within 5 % of 1, so rounded entries such as 0.33 pass),
        or more than 15 criteria.

    Examples
    --------
    >>> r = ahp_weights([[1, 3], [1 / 3, 1]], labels=["H", "E"])
    >>> r.weights.round(2).tolist(), r.cr
    ([0.75, 0.25], 0.0)
    """
    if labels is None and isinstance(matrix, pd.DataFrame):
        labels = [str(c) for c in matrix.index]
    a = np.asarray(matrix, dtype=float)
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] == 0:
        msg = (
            f"AHP matrix must be square (n × n), got shape {a.shape}: "
            "give one row and one column per criterion"
        )
        raise InputError(msg)
    n = a.shape[0]
    if labels is None:
        labels = [f"c{i + 1}" for i in range(n)]
    labels = [str(x) for x in labels]
    if len(labels) != n or len(set(labels)) != n:
        msg = f"AHP labels {labels} must be {n} distinct names, one per matrix row"
        raise InputError(msg)
    if n > len(RANDOM_INDEX):
        msg = (
            f"AHP matrix has {n} criteria; Saaty's random index is tabulated up to "
            f"{len(RANDOM_INDEX)}: group the criteria into a hierarchy"
        )
        raise InputError(msg)
    bad = ~np.isfinite(a) | (a <= 0)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        msg = (
            f"AHP matrix cell [{labels[i]}, {labels[j]}] = {a[i, j]!r} is not a positive "
            "number: judgements are on Saaty's 1/9 … 9 scale"
        )
        raise InputError(msg)
    diag = np.abs(np.diag(a) - 1.0) > 1e-9
    if diag.any():
        i = int(np.flatnonzero(diag)[0])
        msg = f"AHP matrix diagonal cell [{labels[i]}, {labels[i]}] = {a[i, i]!r}: must be 1"
        raise InputError(msg)
    prod = a * a.T
    off = np.abs(prod - 1.0) > RECIPROCAL_TOLERANCE
    if off.any():
        i, j = np.argwhere(off)[0]
        msg = (
            f"AHP matrix is not reciprocal: cell [{labels[i]}, {labels[j]}] = {a[i, j]:g} but "
            f"[{labels[j]}, {labels[i]}] = {a[j, i]:g}; set it to 1/{a[i, j]:g} = "
            f"{1 / a[i, j]:.4g}"
        )
        raise InputError(msg)

    values, vectors = np.linalg.eig(a)
    top = int(np.argmax(values.real))
    lambda_max = float(values[top].real)
    vec = np.abs(vectors[:, top].real)
    weights = pd.Series(vec / vec.sum(), index=labels, name="weight")
    if n <= 2:
        ci = cr = 0.0
    else:
        ci = (lambda_max - n) / (n - 1)
        cr = ci / RANDOM_INDEX[n - 1]
    consistent = cr <= CR_LIMIT
    if not consistent:
        msg = (
            f"AHP matrix is inconsistent: CR = {cr:.3f} > {CR_LIMIT} (λmax = {lambda_max:.3f}, "
            f"CI = {ci:.3f}); revise the judgements that contradict each other "
            "(if A > B and B > C, A should exceed C by more)"
        )
        warnings.warn(msg, ConsistencyWarning, stacklevel=2)
    return AHPResult(
        weights=weights,
        lambda_max=lambda_max,
        ci=ci,
        cr=cr,
        consistent=consistent,
        ri=RANDOM_INDEX[n - 1],
        matrix=pd.DataFrame(a, index=labels, columns=labels),
    )


def explicit_weights(mapping: Mapping[str, float] | pd.Series) -> pd.Series:
    """Validate user weights and normalise them to sum 1.

    w_k = v_k / Σ v, for non-negative finite v with Σ v > 0.

    Parameters
    ----------
    mapping
        Factor name → weight (any positive scale, e.g. percentages).

    Returns
    -------
    pandas.Series
        Weights summing to 1, indexed by factor name.

    Raises
    ------
    InputError
        If a weight is negative, missing or not finite, or all are zero.

    Examples
    --------
    >>> explicit_weights({"H": 40, "E": 30, "V": 20, "C": 10}).tolist()
    [0.4, 0.3, 0.2, 0.1]
    """
    s = pd.Series(mapping, dtype=object)
    if s.empty:
        msg = "weights are empty: give one weight per factor, e.g. {'H': 0.4, 'E': 0.3, ...}"
        raise InputError(msg)
    values = pd.to_numeric(s, errors="coerce").astype(float)
    bad = ~np.isfinite(values.to_numpy()) | (values.to_numpy() < 0)
    if bad.any():
        name = s.index[int(np.flatnonzero(bad)[0])]
        msg = (
            f"weight of '{name}' is {s[name]!r}: weights must be finite numbers ≥ 0 "
            "(they are normalised to sum 1)"
        )
        raise InputError(msg)
    total = float(values.sum())
    if total <= 0:
        msg = "all weights are zero: give at least one positive weight"
        raise InputError(msg)
    out = values / total
    out.index = [str(i) for i in out.index]
    out.name = "weight"
    return out


def _weights_series(weights: object) -> pd.Series:
    """Weights as a normalised Series from a mapping, Series or :class:`AHPResult`."""
    if isinstance(weights, AHPResult):
        weights = weights.weights
    if not isinstance(weights, Mapping | pd.Series):
        msg = (
            f"weights must be a mapping factor → weight, a Series or an AHPResult, "
            f"got {type(weights).__name__}"
        )
        raise InputError(msg)
    return explicit_weights(weights)


def resolve_directions(columns: list[str], directions: Mapping[str, int] | None) -> pd.Series:
    """Direction (+1 raises risk, −1 lowers it) of each column.

    ``None`` means :data:`DEFAULT_DIRECTIONS` (capacity ``C`` is −1, the rest +1);
    columns not named in ``directions`` are +1.

    Raises
    ------
    InputError
        If a direction is not ±1 or names a column that is absent.
    """
    given = dict(DEFAULT_DIRECTIONS if directions is None else directions)
    if directions is not None:
        unknown = [c for c in given if c not in columns]
        if unknown:
            msg = f"directions name columns {unknown} that are not among {list(columns)}"
            raise InputError(msg)
    out = pd.Series(1, index=list(columns), dtype=int)
    for col, d in given.items():
        if col not in out.index:
            continue
        if d not in (1, -1):
            msg = f"direction of column '{col}' is {d!r}: use +1 (raises risk) or -1 (lowers it)"
            raise InputError(msg)
        out[col] = int(d)
    return out


def _numeric_frame(df: pd.DataFrame, what: str) -> pd.DataFrame:
    """The numeric columns of ``df`` as float, refusing non-numeric ones."""
    if not isinstance(df, pd.DataFrame) or df.shape[1] == 0:
        msg = f"{what}: expected a DataFrame with one numeric column per indicator"
        raise InputError(msg)
    out = {}
    for col in df.columns:
        if col == "geometry":
            continue
        try:
            out[col] = pd.to_numeric(df[col], errors="raise").astype(float)
        except (ValueError, TypeError):
            msg = f"{what}: column '{col}' is not numeric; drop it or convert it to numbers"
            raise InputError(msg) from None
    return pd.DataFrame(out, index=df.index)


def normalize(
    df: pd.DataFrame,
    *,
    method: Literal["minmax", "zscore", "rank"] = "minmax",
    directions: Mapping[str, int] | None = None,
) -> pd.DataFrame:
    """Bring indicators onto a common, risk-oriented scale (higher = more risk).

    With d_j = +1 (raises risk) or −1 (lowers risk, e.g. capacity C):

    - ``minmax``: x' = (x − min) / (max − min) if d = +1, (max − x) / (max − min)
      if d = −1 — in [0, 1]; for C this is 1 − C_norm;
    - ``zscore``: x' = d · (x − mean) / std (population std);
    - ``rank``: x' = (r − 1) / (n − 1), r the average rank of d·x — in [0, 1].

    A constant column cannot tell units apart: it becomes 0 and a
    :class:`~gistool.errors.DataRepairWarning` names it. Missing values stay
    missing (min, max, mean and ranks ignore them).

    Parameters
    ----------
    df
        One column per indicator, one row per unit (a ``geometry`` column is dropped).
    method
        ``"minmax"`` (default), ``"zscore"`` or ``"rank"``.
    directions
        Column → +1 / −1. Default :data:`DEFAULT_DIRECTIONS`: ``C`` is −1, others +1.

    Returns
    -------
    pandas.DataFrame
        Same index and columns, float.

    Examples
    --------
    >>> import pandas as pd
    >>> normalize(pd.DataFrame({"E": [2.0, 4.0, 6.0]}), method="rank")["E"].tolist()
    [0.0, 0.5, 1.0]
    """
    x = _numeric_frame(df, "normalize")
    d = resolve_directions(list(x.columns), directions)
    out = pd.DataFrame(index=x.index)
    for col in x.columns:
        v = x[col].to_numpy() * d[col]
        finite = v[np.isfinite(v)]
        lo, hi = (finite.min(), finite.max()) if finite.size else (np.nan, np.nan)
        if finite.size == 0 or hi == lo:
            msg = (
                f"indicator column '{col}' is constant ({x[col].iloc[0] if len(x) else 'empty'}): "
                "it cannot tell units apart and is set to 0; drop it or check its source"
            )
            warnings.warn(msg, DataRepairWarning, stacklevel=2)
            out[col] = np.where(np.isnan(v), np.nan, 0.0)
            continue
        if method == "minmax":
            out[col] = (v - lo) / (hi - lo)
        elif method == "zscore":
            out[col] = (v - finite.mean()) / finite.std()
        elif method == "rank":
            r = pd.Series(v).rank(method="average").to_numpy()
            out[col] = (r - 1.0) / (finite.size - 1.0)
        else:
            msg = f"normalisation method {method!r} is unknown: use 'minmax', 'zscore' or 'rank'"
            raise InputError(msg)
    return out


def entropy_weights(
    df: pd.DataFrame, *, directions: Mapping[str, int] | None = None
) -> pd.Series:
    """Entropy-weight method: indicators that vary more across units weigh more.

    With x_ij the min–max normalised, direction-aware value of indicator j for
    unit i (see :func:`normalize`), over n units:

    - p_ij = x_ij / Σ_i x_ij
    - e_j = −k Σ_i p_ij ln p_ij, k = 1 / ln n, with 0 · ln 0 = 0
    - d_j = 1 − e_j
    - w_j = d_j / Σ_j d_j

    A constant indicator carries no information and gets d_j = 0 (weight 0).

    Parameters
    ----------
    df
        One column per indicator, one row per unit; at least 2 rows, no missing values.
    directions
        As in :func:`normalize` (default: ``C`` −1, others +1).

    Returns
    -------
    pandas.Series
        Weights summing to 1, indexed by column.

    Raises
    ------
    InputError
        On fewer than 2 units, missing values, or when every indicator is constant.

    Examples
    --------
    >>> import pandas as pd
    >>> w = entropy_weights(pd.DataFrame({"H": [0.0, 0.0, 1.0], "E": [0.0, 1.0, 1.0]}))
    >>> bool(w["H"] > w["E"])
    True
    """
    x = _numeric_frame(df, "entropy_weights")
    n = len(x)
    if n < 2:
        msg = f"entropy weights need at least 2 units, got {n}"
        raise InputError(msg)
    missing = x.columns[x.isna().any()].tolist()
    if missing:
        msg = f"entropy weights: columns {missing} have missing values; fill or drop those units"
        raise InputError(msg)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataRepairWarning)
        z = normalize(x, directions=directions).to_numpy()
    col_sum = z.sum(axis=0)
    informative = col_sum > 0
    p = np.divide(z, col_sum, out=np.zeros_like(z), where=informative)
    plogp = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    e = -plogp.sum(axis=0) / np.log(n)
    dvar = np.where(informative, 1.0 - e, 0.0)
    if dvar.sum() <= 0:
        msg = (
            f"entropy weights: every indicator {list(x.columns)} is constant or equally "
            "spread, so the data cannot weight them; give explicit or AHP weights"
        )
        raise InputError(msg)
    return pd.Series(dvar / dvar.sum(), index=[str(c) for c in x.columns], name="weight")


def composite_index(
    factors: pd.DataFrame,
    weights: Mapping[str, float] | pd.Series | AHPResult,
    *,
    method: Literal["geometric", "sum"] = "geometric",
    floor: float = 0.01,
) -> pd.Series:
    """Composite risk index of each unit from normalised, risk-oriented factors.

    ``factors`` are the output of :func:`normalize` (higher = more risk, so the
    capacity column already holds 1 − C_norm). With weights w_k, Σ w_k = 1:

    - ``geometric`` (default): R = Π_k max(x_k, floor)^{w_k}
      = exp(Σ_k w_k ln max(x_k, floor)) — the weighted geometric mean form of
      R = H·E·V·(1−C); the floor (0.01) keeps one zero factor from zeroing R;
    - ``sum``: R = Σ_k w_k x_k.

    Parameters
    ----------
    factors
        One column per factor named in ``weights`` (other columns are ignored).
    weights
        Factor → weight (normalised to sum 1), or an :class:`AHPResult`.
    method
        ``"geometric"`` or ``"sum"``.
    floor
        Lower bound applied to each factor in the geometric form (> 0).

    Returns
    -------
    pandas.Series
        ``risk_index``, same index as ``factors``.

    Raises
    ------
    InputError
        If a weighted factor column is missing, has missing values, or (geometric)
        negative values — z-scores cannot enter a geometric mean.

    Examples
    --------
    >>> import pandas as pd
    >>> x = pd.DataFrame({"H": [1.0, 0.25], "E": [1.0, 1.0]})
    >>> composite_index(x, {"H": 0.5, "E": 0.5}).tolist()
    [1.0, 0.5]
    """
    w = _weights_series(weights)
    missing = [c for c in w.index if c not in factors.columns]
    if missing:
        msg = (
            f"composite index: factor columns {missing} are missing (have "
            f"{[c for c in factors.columns if c != 'geometry']}); "
            "compute them or drop their weights"
        )
        raise InputError(msg)
    x = _numeric_frame(factors[list(w.index)], "composite index")
    nan_cols = x.columns[x.isna().any()].tolist()
    if nan_cols:
        col = nan_cols[0]
        first = x.index[x[col].isna()][0]
        msg = (
            f"composite index: column '{col}' has {int(x[col].isna().sum())} missing values "
            f"(first at unit {first!r}); fill them (e.g. 0 = no risk) or drop those units"
        )
        raise InputError(msg)
    v = x.to_numpy()
    if method == "geometric":
        if not floor > 0:
            msg = f"composite index floor must be > 0, got {floor!r}"
            raise InputError(msg)
        neg = (v < 0).any(axis=0)
        if neg.any():
            col = x.columns[int(np.flatnonzero(neg)[0])]
            msg = (
                f"composite index: column '{col}' has negative values, which a geometric mean "
                "cannot take; normalise with method='minmax' or 'rank', or use method='sum'"
            )
            raise InputError(msg)
        r = np.exp(np.log(np.maximum(v, floor)) @ w.to_numpy())
    elif method == "sum":
        r = v @ w.to_numpy()
    else:
        msg = f"composite method {method!r} is unknown: use 'geometric' or 'sum'"
        raise InputError(msg)
    return pd.Series(r, index=factors.index, name="risk_index")
