"""Five census levels: natural breaks, quantiles, equal interval, fixed breaks."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gistool.classify import add_levels, classify, fisher_jenks_breaks
from gistool.errors import InputError, SchemaError

# mapclassify's FisherJenks falls back to pure Python without numba and says so
no_numba_warning = pytest.mark.filterwarnings("ignore:Numba not installed:UserWarning")


def _datasets():
    rng = np.random.default_rng(42)
    return [
        ("normal", rng.normal(size=200), 5),
        ("lognormal", rng.lognormal(size=300), 5),
        ("zero_heavy", np.concatenate([np.zeros(150), rng.exponential(size=100)]), 5),
        ("integers", rng.integers(0, 30, size=250).astype(float), 5),
        ("k3", rng.random(120), 3),
        ("k7", rng.gamma(2.0, size=180), 7),
    ]


@no_numba_warning
@pytest.mark.parametrize(("name", "data", "k"), _datasets(), ids=[d[0] for d in _datasets()])
def test_natural_breaks_equal_mapclassify_fisher_jenks(name, data, k):
    mapclassify = pytest.importorskip("mapclassify")
    ref = mapclassify.FisherJenks(data, k=k)
    ours = classify(data, k=k)
    np.testing.assert_allclose(ours.breaks, ref.bins)
    assert ours.levels.tolist() == (k - ref.yb).tolist()  # 1 = highest class
    np.testing.assert_allclose(fisher_jenks_breaks(data, k), ref.bins)


def _dense_fisher_jenks(values: np.ndarray, k: int) -> np.ndarray:
    """Brute-force O(k n^2) Fisher-Jenks, the textbook recurrence without shortcuts."""
    x = np.sort(values)
    n = x.size

    def ssd(i: int, j: int) -> float:
        seg = x[i : j + 1]
        return float(((seg - seg.mean()) ** 2).sum())

    inf = float("inf")
    d = [[ssd(0, j) for j in range(n)]]
    start = [[0] * n]
    for c in range(1, k):
        row, arg = [inf] * n, [0] * n
        for j in range(c, n):
            for i in range(c, j + 1):
                if x[i] == x[i - 1]:
                    continue  # no class starts inside a run of equal values
                v = d[c - 1][i - 1] + ssd(i, j)
                if v < row[j] - 1e-12:
                    row[j], arg[j] = v, i
        d.append(row)
        start.append(arg)
    breaks, j = [], n - 1
    for c in range(k - 1, 0, -1):
        breaks.append(x[j])
        j = start[c][j] - 1
    breaks.append(x[j])
    return np.array(breaks[::-1])


def test_fisher_jenks_equals_brute_force_including_ties():
    rng = np.random.default_rng(11)
    for _ in range(40):
        n = int(rng.integers(6, 40))
        k = int(rng.integers(2, 6))
        x = rng.integers(0, 12, size=n).astype(float) if rng.random() < 0.5 else rng.random(n)
        if np.unique(x).size < k:
            continue
        ours = fisher_jenks_breaks(x, k)
        ref = _dense_fisher_jenks(x, k)
        # equal total within-class deviation (the optimum), and distinct breaks
        def sdcm(b, x=x):
            cls = np.searchsorted(b[:-1], x, side="left")
            return sum(((x[cls == c] - x[cls == c].mean()) ** 2).sum() for c in np.unique(cls))

        assert sdcm(ours) == pytest.approx(sdcm(ref), abs=1e-9)
        assert np.unique(ours).size == k


def test_quantiles_and_equal_interval_equal_mapclassify():
    mapclassify = pytest.importorskip("mapclassify")
    data = np.random.default_rng(3).lognormal(size=500)
    q = mapclassify.Quantiles(data, k=5)
    ours = classify(data, method="quantiles")
    np.testing.assert_allclose(ours.breaks, q.bins)
    assert ours.levels.tolist() == (5 - q.yb).tolist()
    e = mapclassify.EqualInterval(data, k=5)
    ours = classify(data, method="equal_interval")
    np.testing.assert_allclose(ours.breaks, e.bins)
    assert ours.levels.tolist() == (5 - e.yb).tolist()
    u = mapclassify.UserDefined(data, bins=[0.5, 1.0, 2.0, 4.0])
    ours = classify(data, method="fixed", breaks=[0.5, 1.0, 2.0, 4.0])
    assert ours.levels.tolist() == (5 - u.yb).tolist()


def test_hand_example_three_units():
    # the 3-unit composite of tests/test_risk.py: 0.01, 0.5**0.8 * 0.01**0.2, 1.0
    r = [0.01, 0.5**0.8 * 0.01**0.2, 1.0]
    c = classify(r)
    # three distinct values < 5 classes: one class each, spread over levels 5, 3, 1
    assert c.levels.tolist() == [5, 3, 1]
    assert c.breaks.tolist() == pytest.approx(r)


def test_fewer_distinct_values_spread_levels():
    assert classify([1.0, 1.0, 2.0, 2.0]).levels.tolist() == [5, 5, 1, 1]
    assert classify([1.0, 2.0, 3.0, 4.0, 4.0]).levels.tolist() == [5, 4, 2, 1, 1]
    assert classify([5.0] * 4).levels.tolist() == [3, 3, 3, 3]
    assert classify([5.0] * 4, method="quantiles").levels.tolist() == [3, 3, 3, 3]
    assert classify([5.0] * 4, method="equal_interval").levels.tolist() == [3, 3, 3, 3]
    # tied quantiles collapse: zero-heavy data
    c = classify([0.0] * 8 + [1.0, 2.0], method="quantiles")
    assert c.breaks.tolist() == pytest.approx([0.0, 0.2, 2.0])  # 0.8-quantile: 0 + 0.2 * (1 - 0)
    assert c.levels.tolist() == [5] * 8 + [1, 1]  # classes spread over levels 5, 3, 1


def test_equal_interval_keeps_empty_levels():
    c = classify([0.0, 0.1, 0.2, 10.0], method="equal_interval")
    assert c.levels.tolist() == [5, 5, 5, 1]
    assert c.counts == {1: 1, 2: 0, 3: 0, 4: 0, 5: 3}


def test_fixed_breaks_validated():
    assert classify([0.0, 0.2, 0.2001, 1.0], method="fixed", breaks=[0.2, 0.4, 0.6, 0.8]).levels.tolist() == [5, 5, 4, 1]  # fmt: skip  # noqa: E501
    with pytest.raises(InputError, match="ascending"):
        classify([1.0, 2.0], method="fixed", breaks=[0.5, 0.4, 0.6, 0.8])
    with pytest.raises(InputError, match="needs breaks"):
        classify([1.0, 2.0], method="fixed")
    with pytest.raises(InputError, match="below the largest value"):
        classify([1.0, 9.0], method="fixed", breaks=[1, 2, 3, 4, 5])
    with pytest.raises(InputError, match="use method='fixed'"):
        classify([1.0, 9.0], breaks=[1, 2, 3, 4])
    with pytest.raises(InputError, match="3 fixed breaks"):
        classify([1.0, 9.0], method="fixed", breaks=[1, 2, 3])


def test_refuses_missing_values_and_bad_method():
    with pytest.raises(InputError, match="1 of 3 values are missing"):
        classify([1.0, np.nan, 2.0])
    with pytest.raises(InputError, match="unknown"):
        classify([1.0, 2.0], method="jenks")  # type: ignore[arg-type]


@no_numba_warning
def test_large_arrays_use_seeded_sample_breaks():
    mapclassify = pytest.importorskip("mapclassify")
    v = np.random.default_rng(7).lognormal(size=20_000)
    c = classify(v, sample=300, seed=5)
    rng = np.random.default_rng(5)
    pick = rng.choice(v.size, size=300, replace=False)
    sample = np.concatenate([v[pick], [v.min(), v.max()]])
    np.testing.assert_allclose(c.breaks, mapclassify.FisherJenks(sample, k=5).bins)
    assert c.breaks[-1] == v.max()
    assert set(np.unique(c.levels)) == {1, 2, 3, 4, 5}
    # every value classified by those breaks
    assert c.levels.tolist() == c.assign(v).tolist()
    assert classify(v, sample=300, seed=5).breaks.tolist() == c.breaks.tolist()


def _assert_monotone(values: np.ndarray, levels: np.ndarray) -> None:
    order = np.argsort(values, kind="stable")
    lv = levels[order]
    # higher index never gets a lower-risk (larger) level
    assert (np.diff(lv) <= 0).all()
    assert lv.min() >= 1
    assert lv.max() <= 5


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(
        st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False),
        min_size=1,
        max_size=60,
    ),
    method=st.sampled_from(["natural_breaks", "quantiles", "equal_interval"]),
)
def test_levels_monotone_property(values, method):
    v = np.array(values)
    c = classify(v, method=method)
    _assert_monotone(v, c.levels)
    # equal values get equal levels
    for x in np.unique(v)[:5]:
        assert len(set(c.levels[v == x].tolist())) == 1
    if np.unique(v).size >= 5 and method == "natural_breaks":
        assert set(c.levels.tolist()) == {1, 2, 3, 4, 5}


def test_add_levels_names_and_attrs():
    df = pd.DataFrame({"risk_index": [0.05, 0.1, 0.3, 0.5, 0.7, 0.95]}, index=list("abcdef"))
    out = add_levels(df)
    assert out["risk_level"].tolist() == [5, 5, 4, 3, 2, 1]
    assert out["risk_level_name"].tolist() == [
        "低风险", "低风险", "中低风险", "中风险", "中高风险", "高风险",
    ]  # fmt: skip
    assert out.attrs["risk_method"] == "natural_breaks"
    assert len(out.attrs["risk_breaks"]) == 5
    assert "risk_level" not in df.columns  # input left unmodified
    with pytest.raises(SchemaError, match="'R' is missing"):
        add_levels(df, column="R")
    df.loc["a", "risk_index"] = np.nan
    with pytest.raises(InputError, match="column 'risk_index'"):
        add_levels(df)


def test_docstring_examples_run():
    import gistool.classify as module

    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
