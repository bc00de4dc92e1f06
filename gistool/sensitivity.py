"""Monte-Carlo sensitivity of levels and ranks to the weights (DESIGN §4).

Weights are drawn from a Dirichlet distribution centred on the base weights,
α = concentration · w (mean w; larger concentration = smaller spread: the
standard deviation of w_k is √(w_k(1 − w_k)/(concentration + 1))). For every
draw the composite index of every unit is recomputed — all draws at once, as a
matrix product (log R = log X · Wᵀ for the geometric form) — and so are the
ranks and levels.

**Levels per draw.** By default each draw is classified with the *base*
classification's breaks (``rebreak="fixed"``): a unit is stable when its index
stays in its base class. For data-driven breaks (natural breaks, quantiles)
each break is moved to the midpoint between the two base values around it,
which changes no base level but keeps a unit sitting exactly on a break from
flipping under an infinitesimal perturbation. ``rebreak="quantiles"``
reclassifies each draw by its own quantiles instead (relative position only)
and compares with the base weights' quantile levels.
Natural breaks are not recomputed per draw (costly, and the base breaks are
what the map shows).

>>> import pandas as pd
>>> x = pd.DataFrame({"H": [0.1, 0.5, 0.9, 0.3, 0.7, 0.2], "E": [0.9, 0.5, 0.1, 0.6, 0.4, 0.2]})
>>> s = weight_sensitivity(x, {"H": 0.5, "E": 0.5}, draws=200, concentration=1e9)
>>> s["level_stability"].tolist()
[1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from gistool.classify import Classification, classify
from gistool.errors import InputError
from gistool.risk import _weights_series, composite_index

if TYPE_CHECKING:
    from gistool.risk import AHPResult

__all__ = ["draw_weights", "weight_sensitivity"]

#: Cells of the units × draws block processed at once (bounds memory).
BLOCK_CELLS: int = 4_000_000


def draw_weights(
    weights: Mapping[str, float] | pd.Series | AHPResult,
    *,
    draws: int = 1000,
    concentration: float = 100.0,
    seed: int = 0,
) -> pd.DataFrame:
    """Dirichlet draws of weights around the base weights.

    α_k = concentration · w_k; factors of weight 0 stay 0.

    Parameters
    ----------
    weights
        Base weights (normalised to sum 1).
    draws
        Number of draws.
    concentration
        Dirichlet concentration (> 0): higher means draws closer to the base.
    seed
        Random seed.

    Returns
    -------
    pandas.DataFrame
        ``draws`` rows, one column per factor, rows summing to 1.

    Examples
    --------
    >>> w = draw_weights({"H": 0.6, "E": 0.4}, draws=4000, seed=1)
    >>> w.mean().round(2).tolist(), w.sum(axis=1).round(12).unique().tolist()
    ([0.6, 0.4], [1.0])
    """
    w = _weights_series(weights)
    if not (isinstance(draws, int | np.integer) and draws >= 1):
        msg = f"sensitivity: draws must be a positive integer, got {draws!r}"
        raise InputError(msg)
    if not (np.isfinite(concentration) and concentration > 0):
        msg = f"sensitivity: concentration must be a positive number, got {concentration!r}"
        raise InputError(msg)
    rng = np.random.default_rng(seed)
    pos = w.to_numpy() > 0
    out = np.zeros((int(draws), w.size))
    out[:, pos] = rng.dirichlet(concentration * w.to_numpy()[pos], size=int(draws))
    return pd.DataFrame(out, columns=w.index)


def _draw_thresholds(cls: Classification, base: np.ndarray) -> np.ndarray:
    """Inner thresholds used for the draws (see the module notes)."""
    inner = cls.breaks[:-1].astype(float).copy()
    if cls.method not in ("natural_breaks", "quantiles"):
        return inner
    srt = np.sort(base)
    pos = np.searchsorted(srt, inner, side="right")
    ok = (pos > 0) & (pos < srt.size)
    inner[ok] = (srt[pos[ok] - 1] + srt[pos[ok]]) / 2.0
    return inner


def _min_ranks(r: np.ndarray) -> np.ndarray:
    """Rank of each row within each column, 1 = highest, ties share the lowest rank.

    Equal to ``scipy.stats.rankdata(-r, axis=0, method="min")``, about 3× faster:
    one argsort of the transposed (contiguous) block, ties found on the sorted rows.
    """
    neg = np.ascontiguousarray(-r.T)  # draws × units
    order = np.argsort(neg, axis=1)
    srt = np.take_along_axis(neg, order, axis=1)
    start = np.broadcast_to(np.arange(srt.shape[1], dtype=np.int32), srt.shape).copy()
    start[:, 1:][srt[:, 1:] == srt[:, :-1]] = 0  # a tie continues its run
    np.maximum.accumulate(start, axis=1, out=start)
    out = np.empty(srt.shape, dtype=np.int32)
    np.put_along_axis(out, order, start + 1, axis=1)
    return out.T


#: Largest float64 bit pattern of a non-negative, non-NaN value (+inf).
_POS_INF_BITS = np.uint64(0x7FF0_0000_0000_0000)


def _draw_ranks(r: np.ndarray, out: np.ndarray) -> int:
    """Min-ranks (1 = highest) of each row of ``r`` (draws × units) into ``out``.

    Equal to ``_min_ranks(r.T).T``, faster: the ranks come from a *value* sort
    (SIMD, no argsort) of one 64-bit key per unit, its high bits the inverted
    float64 bit pattern (for values ≥ 0 the bit patterns are ordered as the
    values) cut short to make room for the unit's position in the low bits.
    Units whose cut keys are equal are checked on their full values: equal
    values are ties (they share the lowest rank, ``method="min"``); a row
    where the cut reordered distinct values (values a few ulps apart), or any
    row with negative, NaN or −0 values, is ranked by :func:`_min_ranks`
    instead. Returns the number of rows so re-ranked.
    """
    n = r.shape[1]
    shift = max(int(n - 1).bit_length(), 1)
    key = np.array(r, order="C").view(np.uint64)  # a copy: ``r`` is left as it is
    if (key > _POS_INF_BITS).any():  # sign bit (negative, −0) or NaN
        out[:] = _min_ranks(r.T).T
        return r.shape[0]
    np.invert(key, out=key)  # larger value → smaller key
    key >>= np.uint64(shift)
    key <<= np.uint64(shift)
    key |= np.arange(n, dtype=np.uint64)
    key.sort(axis=1)
    order = (key & np.uint64((1 << shift) - 1)).astype(np.intp)
    key >>= np.uint64(shift)
    if not (key[:, 1:] == key[:, :-1]).any():  # no cut key repeats: positions are ranks
        pos = np.broadcast_to(np.arange(1, n + 1, dtype=np.int32), order.shape)
        np.put_along_axis(out, order, pos, axis=1)
        return 0
    srt = np.take_along_axis(r, order, axis=1)  # values, highest first
    start = np.broadcast_to(np.arange(1, n + 1, dtype=np.int32), srt.shape).copy()
    start[:, 1:][srt[:, 1:] == srt[:, :-1]] = 0  # a tie continues its run
    np.maximum.accumulate(start, axis=1, out=start)
    np.put_along_axis(out, order, start, axis=1)
    bad = np.flatnonzero((srt[:, 1:] > srt[:, :-1]).any(axis=1))
    for d in bad:
        out[d] = _min_ranks(r[d][:, None])[:, 0]
    return int(bad.size)


def _level_intervals(
    thresholds: np.ndarray, bin_levels: np.ndarray, reference: np.ndarray
) -> tuple[np.ndarray, np.ndarray] | None:
    """Per unit, the index interval ``(lo, hi]`` that keeps it at its reference level.

    A value ``r`` falls in bin ``searchsorted(thresholds, r, side="left")``,
    i.e. bin b when ``t_{b−1} < r ≤ t_b``; when the bins of each level are
    consecutive (levels are monotone in the bins), "same level" is one
    interval test instead of a search, a gather and a comparison. ``None``
    when some level's bins are not consecutive.
    """
    ext = np.r_[-np.inf, thresholds, np.inf]
    lo_of, hi_of = {}, {}
    for lvl in np.unique(bin_levels).tolist():
        bins = np.flatnonzero(bin_levels == lvl)
        if bins[-1] - bins[0] + 1 != bins.size:
            return None
        lo_of[lvl], hi_of[lvl] = ext[bins[0]], ext[bins[-1] + 1]
    ref = np.asarray(reference).tolist()
    lo = np.array([lo_of.get(v, np.nan) for v in ref], dtype=float)
    hi = np.array([hi_of.get(v, np.nan) for v in ref], dtype=float)
    return lo[:, None], hi[:, None]


def _levels_by_quantiles(r: np.ndarray, k: int) -> np.ndarray:
    """Quantile classification of each column of ``r`` (as classify(method='quantiles'))."""
    q = np.quantile(r, np.arange(1, k + 1) / k, axis=0)  # k × draws
    distinct = (np.diff(q, axis=0) > 0).all(axis=0)
    levels = np.empty(r.shape, dtype=np.int64)
    if distinct.any():
        rr, qq = r[:, distinct], q[:-1, distinct]
        bins = (rr[:, None, :] > qq[None, :, :]).sum(axis=1)
        levels[:, distinct] = k - bins
    for d in np.flatnonzero(~distinct):  # tied quantiles: rare, classify alone
        levels[:, d] = classify(r[:, d], method="quantiles", k=k).levels
    return levels


def weight_sensitivity(
    factors: pd.DataFrame,
    weights: Mapping[str, float] | pd.Series | AHPResult,
    *,
    draws: int = 1000,
    concentration: float = 100.0,
    seed: int = 0,
    method: Literal["geometric", "sum"] = "geometric",
    floor: float = 0.01,
    classify_kw: dict[str, Any] | None = None,
    rebreak: Literal["fixed", "quantiles"] = "fixed",
) -> pd.DataFrame:
    """Stability of each unit's level and rank when the weights are perturbed.

    For draws d = 1 … D of weights W_d ~ Dirichlet(concentration · w):
    R_d = exp(log max(X, floor) · W_d) (geometric) or X · W_d (sum); rank_d
    (1 = highest, ties ``min``) and level_d as in the module notes.

    Parameters
    ----------
    factors
        Normalised, risk-oriented factors (the input of
        :func:`gistool.risk.composite_index`), one row per unit.
    weights
        Base weights.
    draws
        Number of Monte-Carlo draws (default 1,000).
    concentration
        Dirichlet concentration (default 100: a weight of 0.25 varies by ±0.043 s.d.).
    seed
        Random seed; equal seeds give equal results.
    method, floor
        Composite form, as in :func:`gistool.risk.composite_index`.
    classify_kw
        Keywords of :func:`gistool.classify.classify` for the base levels
        (default natural breaks, k = 5).
    rebreak
        ``"fixed"`` (base breaks, default) or ``"quantiles"`` (each draw's own
        quantiles, compared with the quantile levels under the base weights).

    Returns
    -------
    pandas.DataFrame
        Indexed like ``factors``: ``risk_index`` and ``risk_level`` and ``rank``
        under the base weights, ``level_stability`` (share of draws at the base
        level), ``rank_p05`` and ``rank_p95`` (5 % and 95 % empirical quantiles
        of the rank over the draws, inverted-CDF: both are ranks actually drawn).
    """
    kw = dict(classify_kw or {})
    base = composite_index(factors, weights, method=method, floor=floor)
    base_v = base.to_numpy()
    cls = classify(base_v, **kw)
    base_rank = _min_ranks(base_v[:, None])[:, 0].astype(np.int64)
    if rebreak not in ("fixed", "quantiles"):
        msg = f"sensitivity: rebreak {rebreak!r} is unknown; use 'fixed' or 'quantiles'"
        raise InputError(msg)

    wd = draw_weights(weights, draws=draws, concentration=concentration, seed=seed)
    w_mat = wd.to_numpy()  # draws × K
    x = factors[list(wd.columns)].to_numpy(dtype=float)
    x = np.log(np.maximum(x, floor)) if method == "geometric" else x
    thresholds = _draw_thresholds(cls, base_v)
    n, n_draws = x.shape[0], w_mat.shape[0]
    if rebreak == "fixed":
        reference = cls.levels
    else:
        reference = _levels_by_quantiles(base_v[:, None], cls.k)[:, 0]

    same = np.zeros(n, dtype=np.int64)
    bounds = _level_intervals(thresholds, cls.bin_levels, reference) if rebreak == "fixed" else None
    # every unit's rank in every draw is kept for the percentiles: draws × n × 2 bytes
    # (4 above 65,535 units), e.g. 20 MB for 10,000 cells and 1,000 draws
    ranks = np.empty((n_draws, n), dtype=np.uint16 if n <= np.iinfo(np.uint16).max else np.int32)
    step = max(1, BLOCK_CELLS // max(n, 1))
    packed = True
    for d0 in range(0, n_draws, step):
        r = x @ w_mat[d0 : d0 + step].T  # units × block
        if method == "geometric":
            r = np.exp(r)
        if d0 == 0:  # probe one draw: near-equal values (tiled areas) defeat the packed keys
            packed = _draw_ranks(r.T[:1], ranks[:1]) == 0
            r0 = 1 if packed else 0
        else:
            r0 = 0
        if packed:  # many rows re-ranked: the argsort for the rest
            packed = _draw_ranks(r.T[r0:], ranks[d0 + r0 : d0 + step]) <= r.shape[1] // 4
        else:
            ranks[d0 : d0 + step] = _min_ranks(r).T
        if bounds is not None and np.isfinite(r).all():
            same += ((r > bounds[0]) & (r <= bounds[1])).sum(axis=1)
            continue
        if rebreak == "fixed":
            lv = cls.bin_levels[np.searchsorted(thresholds, r, side="left")]
        else:
            lv = _levels_by_quantiles(r, cls.k)
        same += (lv == reference[:, None]).sum(axis=1)

    # 5 % and 95 % of each unit's ranks: units transposed and sorted a chunk at a time
    k05, k95 = int(np.ceil(0.05 * n_draws)) - 1, int(np.ceil(0.95 * n_draws)) - 1
    lo, hi = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
    chunk = max(1, BLOCK_CELLS // n_draws)
    for u0 in range(0, n, chunk):
        sub = np.ascontiguousarray(ranks[:, u0 : u0 + chunk].T)
        sub.sort(axis=1)
        lo[u0 : u0 + chunk], hi[u0 : u0 + chunk] = sub[:, k05], sub[:, k95]
    return pd.DataFrame(
        {
            "risk_index": base_v,
            "risk_level": cls.levels.astype(np.int64),
            "rank": base_rank,
            "level_stability": same / n_draws,
            "rank_p05": lo,
            "rank_p95": hi,
        },
        index=factors.index,
    )
