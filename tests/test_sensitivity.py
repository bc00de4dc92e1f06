"""Monte-Carlo weight sensitivity: reproducible, stable at huge concentration, equal to a loop."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest
from scipy.stats import rankdata

from gistool.classify import classify
from gistool.errors import InputError
from gistool.risk import composite_index
from gistool.sensitivity import draw_weights, weight_sensitivity

WEIGHTS = pd.Series({"H": 0.4, "E": 0.3, "V": 0.2, "C": 0.1})


def _factors(n: int = 40, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(rng.random((n, 4)), columns=list("HEVC"), index=[f"u{i}" for i in range(n)])


def test_reproducible_with_seed():
    x = _factors()
    a = weight_sensitivity(x, WEIGHTS, draws=300, seed=3)
    b = weight_sensitivity(x, WEIGHTS, draws=300, seed=3)
    pd.testing.assert_frame_equal(a, b)
    c = weight_sensitivity(x, WEIGHTS, draws=300, seed=4)
    assert not a["level_stability"].equals(c["level_stability"])
    assert a.index.equals(x.index)


def test_huge_concentration_is_fully_stable():
    x = _factors()
    s = weight_sensitivity(x, WEIGHTS, draws=200, concentration=1e10)
    assert (s["level_stability"] == 1.0).all()
    assert (s["rank_p05"] == s["rank"]).all()
    assert (s["rank_p95"] == s["rank"]).all()
    base = composite_index(x, WEIGHTS)
    assert s["risk_index"].tolist() == pytest.approx(base.tolist())
    assert s["risk_level"].tolist() == classify(base).levels.tolist()


def test_spread_grows_as_concentration_falls():
    x = _factors(seed=5)
    tight = weight_sensitivity(x, WEIGHTS, draws=400, concentration=1000.0)
    loose = weight_sensitivity(x, WEIGHTS, draws=400, concentration=5.0)
    assert loose["level_stability"].mean() < tight["level_stability"].mean()
    width = lambda s: (s["rank_p95"] - s["rank_p05"]).mean()  # noqa: E731
    assert width(loose) > width(tight)
    assert ((tight["rank_p05"] <= tight["rank"]) & (tight["rank"] <= tight["rank_p95"])).all()


@pytest.mark.parametrize("method", ["geometric", "sum"])
def test_equal_to_a_plain_loop_over_draws(method):
    x = _factors(n=30, seed=2)
    draws, seed = 60, 9
    breaks = [0.2, 0.35, 0.5, 0.65]
    kw = {"method": "fixed", "breaks": breaks}
    s = weight_sensitivity(x, WEIGHTS, draws=draws, seed=seed, method=method, classify_kw=kw)

    base = composite_index(x, WEIGHTS, method=method)
    base_cls = classify(base.to_numpy(), **kw)
    wd = draw_weights(WEIGHTS, draws=draws, seed=seed)
    same = np.zeros(len(x))
    ranks = []
    for _, w in wd.iterrows():
        r = composite_index(x, w.to_dict(), method=method).to_numpy()
        same += classify(r, **kw).levels == base_cls.levels
        ranks.append(rankdata(-r, method="min"))
    ranks = np.array(ranks).T
    assert s["level_stability"].to_numpy() == pytest.approx(same / draws)
    p05 = np.quantile(ranks, 0.05, axis=1, method="inverted_cdf")
    p95 = np.quantile(ranks, 0.95, axis=1, method="inverted_cdf")
    assert s["rank_p05"].tolist() == p05.astype(int).tolist()
    assert s["rank_p95"].tolist() == p95.astype(int).tolist()


def test_quantile_rebreak_equal_to_loop():
    x = _factors(n=25, seed=7)
    s = weight_sensitivity(x, WEIGHTS, draws=40, seed=1, rebreak="quantiles")
    base = classify(composite_index(x, WEIGHTS).to_numpy(), method="quantiles").levels
    wd = draw_weights(WEIGHTS, draws=40, seed=1)
    same = np.zeros(len(x))
    for _, w in wd.iterrows():
        r = composite_index(x, w.to_dict()).to_numpy()
        same += classify(r, method="quantiles").levels == base
    assert s["level_stability"].to_numpy() == pytest.approx(same / 40)
    # the base levels reported stay the natural-breaks ones
    assert s["risk_level"].tolist() == classify(composite_index(x, WEIGHTS)).levels.tolist()
    huge = weight_sensitivity(x, WEIGHTS, draws=20, rebreak="quantiles", concentration=1e12)
    assert (huge["level_stability"] == 1.0).all()


def test_natural_break_midpoints_keep_base_levels():
    x = _factors(n=50, seed=4)
    # draws identical to the base weights: every unit keeps its level
    s = weight_sensitivity(x, WEIGHTS, draws=5, concentration=1e15)
    assert (s["level_stability"] == 1.0).all()
    assert set(s["risk_level"]) == {1, 2, 3, 4, 5}


def test_draw_weights_dirichlet_around_base():
    wd = draw_weights({"H": 0.5, "E": 0.5, "V": 0.0}, draws=5000, concentration=50.0, seed=0)
    assert wd["V"].eq(0.0).all()  # a zero weight stays zero
    assert wd.sum(axis=1).to_numpy() == pytest.approx(1.0)
    assert wd["H"].mean() == pytest.approx(0.5, abs=0.01)
    # Dirichlet(25, 25): sd of a component = sqrt(0.25 / 51)
    assert wd["H"].std() == pytest.approx(np.sqrt(0.25 / 51), rel=0.05)


def test_refuses_bad_arguments():
    x = _factors(n=5)
    with pytest.raises(InputError, match="concentration"):
        weight_sensitivity(x, WEIGHTS, concentration=0.0)
    with pytest.raises(InputError, match="draws"):
        weight_sensitivity(x, WEIGHTS, draws=0)
    with pytest.raises(InputError, match="rebreak"):
        weight_sensitivity(x, WEIGHTS, rebreak="jenks")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="missing"):
        weight_sensitivity(x.drop(columns="C"), WEIGHTS)


def test_min_ranks_equal_scipy_rankdata_with_ties():
    from gistool.sensitivity import _min_ranks

    r = np.random.default_rng(1).integers(0, 6, size=(200, 7)).astype(float)
    assert (_min_ranks(r) == rankdata(-r, axis=0, method="min")).all()


@pytest.mark.parametrize(
    "case", ["distinct", "ties", "near-ties", "negative", "signed-zero", "nan", "one-unit"]
)
def test_draw_ranks_equal_scipy_rankdata(case):
    from gistool.sensitivity import _draw_ranks

    rng = np.random.default_rng(3)
    r = rng.random((9, 300))
    if case == "ties":
        r = np.round(r * 20) / 20
    elif case == "near-ties":  # values one ulp apart: equal once the key is cut short
        up = np.nextafter(r[:, ::2], 2.0)
        r[:, 1::2] = up[:, : r[:, 1::2].shape[1]]
        r[::2] = r[::2, ::-1].copy()
    elif case == "negative":
        r -= 0.5
    elif case == "signed-zero":
        r[:, :5] = 0.0
        r[:, 5:10] = -0.0
    elif case == "nan":
        r[2, 7] = np.nan
    elif case == "one-unit":
        r = r[:, :1]
    keep = r.copy()
    out = np.empty(r.shape, dtype=np.int32)
    _draw_ranks(r, out)
    np.testing.assert_array_equal(r, keep)  # the block is left as it was
    if case == "nan":  # the reference path (argsort): NaN ranks last
        from gistool.sensitivity import _min_ranks

        np.testing.assert_array_equal(out, _min_ranks(r.T).T)
    else:
        np.testing.assert_array_equal(out, rankdata(-r, axis=1, method="min"))
    # and through a transposed view, as weight_sensitivity passes it
    out2 = np.empty(r.shape, dtype=np.int32)
    _draw_ranks(np.ascontiguousarray(r.T).T, out2)
    np.testing.assert_array_equal(out2, out)


def test_near_equal_units_over_many_blocks_equal_a_plain_loop(monkeypatch):
    # copies of units a few ulps apart (as tiled areas give): the packed keys
    # cannot order them, so blocks fall back to the argsort; levels by intervals
    import gistool.sensitivity as sens

    base = _factors(n=25, seed=4)
    x = pd.concat([base * (1 + 2.2e-16 * i) for i in range(4)], ignore_index=True)
    monkeypatch.setattr(sens, "BLOCK_CELLS", 3 * len(x))  # 3 draws per block
    draws, seed = 40, 2
    s = sens.weight_sensitivity(x, WEIGHTS, draws=draws, seed=seed)
    base_r = composite_index(x, WEIGHTS).to_numpy()
    cls = classify(base_r)
    wd = draw_weights(WEIGHTS, draws=draws, seed=seed).to_numpy()
    ranks, same = [], np.zeros(len(x))
    thresholds = sens._draw_thresholds(cls, base_r)
    logx = np.log(np.maximum(x[list(WEIGHTS.index)].to_numpy(), 0.01))
    for d0 in range(0, draws, 3):  # the same products as the module (ulps matter here)
        for r in np.exp(logx @ wd[d0 : d0 + 3].T).T:
            ranks.append(rankdata(-r, method="min"))
            same += cls.bin_levels[np.searchsorted(thresholds, r, side="left")] == cls.levels
    ranks = np.array(ranks).T
    p05 = np.quantile(ranks, 0.05, axis=1, method="inverted_cdf").astype(int)
    p95 = np.quantile(ranks, 0.95, axis=1, method="inverted_cdf").astype(int)
    assert s["rank_p05"].tolist() == p05.tolist()
    assert s["rank_p95"].tolist() == p95.tolist()
    assert s["level_stability"].tolist() == (same / draws).tolist()
    assert (s["rank_p95"] > s["rank_p05"]).any()


def test_docstring_examples_run():
    import gistool.sensitivity as module

    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
