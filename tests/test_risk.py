"""Weights (AHP, entropy, explicit), normalisation and the composite index."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pandas as pd
import pytest

from gistool.errors import ConsistencyWarning, DataRepairWarning, InputError
from gistool.risk import (
    RANDOM_INDEX,
    ahp_weights,
    composite_index,
    entropy_weights,
    explicit_weights,
    normalize,
)

# Saaty, T. L. (1990). How to make a decision: the analytic hierarchy process.
# European Journal of Operational Research 48, 9-26, Table 1 (choosing a house,
# eight criteria). Published: priorities .173 .054 .188 .018 .031 .036 .167 .333,
# lambda_max = 9.669, C.I. = 0.238, C.R. = 0.169.
SAATY_1990_HOUSE = [
    [1, 5, 3, 7, 6, 6, 1 / 3, 1 / 4],
    [1 / 5, 1, 1 / 3, 5, 3, 3, 1 / 5, 1 / 7],
    [1 / 3, 3, 1, 6, 3, 4, 6, 1 / 5],
    [1 / 7, 1 / 5, 1 / 6, 1, 1 / 3, 1 / 4, 1 / 7, 1 / 8],
    [1 / 6, 1 / 3, 1 / 3, 3, 1, 1 / 2, 1 / 5, 1 / 6],
    [1 / 6, 1 / 3, 1 / 4, 4, 2, 1, 1 / 5, 1 / 6],
    [3, 5, 1 / 6, 7, 5, 5, 1, 1 / 2],
    [4, 7, 5, 8, 6, 6, 2, 1],
]

# Saaty, T. L. (1977). A scaling method for priorities in hierarchical structures.
# J. Math. Psychology 15, 234-281 (light intensity of four chairs). Published:
# eigenvector (0.61, 0.24, 0.10, 0.05), lambda_max = 4.39.
SAATY_1977_LIGHT = [
    [1, 5, 6, 7],
    [1 / 5, 1, 4, 6],
    [1 / 6, 1 / 4, 1, 4],
    [1 / 7, 1 / 6, 1 / 4, 1],
]


def test_ahp_saaty_1990_house_example():
    with pytest.warns(ConsistencyWarning, match=r"CR = 0\.169"):
        r = ahp_weights(SAATY_1990_HOUSE)
    assert r.weights.round(3).tolist() == [0.173, 0.054, 0.188, 0.018, 0.031, 0.036, 0.167, 0.333]
    assert round(r.lambda_max, 3) == 9.669
    assert round(r.ci, 3) == 0.238
    assert round(r.cr, 3) == 0.169
    assert r.ri == 1.41
    assert not r.consistent
    t = r.table()
    assert t.shape == (8, 9)
    assert t["weight"].sum() == pytest.approx(1.0)


def test_ahp_saaty_1977_light_example():
    with pytest.warns(ConsistencyWarning, match=r"CR = 0\.145"):
        r = ahp_weights(SAATY_1977_LIGHT, labels=["C1", "C2", "C3", "C4"])
    assert round(r.lambda_max, 2) == 4.39
    assert r.weights.round(2).tolist() == [0.62, 0.24, 0.10, 0.05]  # published rounds .618 to .61
    assert r.weights.index.tolist() == ["C1", "C2", "C3", "C4"]
    assert r.ci == pytest.approx((r.lambda_max - 4) / 3)
    assert r.cr == pytest.approx(r.ci / 0.90)
    assert round(r.ci, 2) == 0.13


def test_ahp_consistent_matrix_has_exact_weights():
    w = np.array([0.5, 0.3, 0.2])
    m = pd.DataFrame(w[:, None] / w[None, :], index=["H", "E", "V"], columns=["H", "E", "V"])
    r = ahp_weights(m)
    assert r.weights.to_dict() == pytest.approx({"H": 0.5, "E": 0.3, "V": 0.2})
    assert r.lambda_max == pytest.approx(3.0)
    assert r.cr == pytest.approx(0.0, abs=1e-12)
    assert r.consistent


def test_random_index_table():
    assert RANDOM_INDEX[2] == 0.58
    assert RANDOM_INDEX[7] == 1.41
    assert len(RANDOM_INDEX) == 15


def test_ahp_refuses_non_reciprocal_naming_the_cell():
    m = [[1, 3, 5], [1 / 3, 1, 2], [1 / 5, 2, 1]]
    with pytest.raises(InputError, match=r"\[E, V\] = 2 but \[V, E\] = 2"):
        ahp_weights(m, labels=["H", "E", "V"])


@pytest.mark.parametrize(
    ("matrix", "pattern"),
    [
        ([[1, 2, 3], [0.5, 1, 2]], "square"),
        ([[1, -2], [-0.5, 1]], "positive"),
        ([[2, 2], [0.5, 1]], "diagonal"),
    ],
)
def test_ahp_refuses_bad_matrices(matrix, pattern):
    with pytest.raises(InputError, match=pattern):
        ahp_weights(matrix)


def test_ahp_accepts_rounded_reciprocals():
    r = ahp_weights([[1, 3, 7], [0.33, 1, 3], [0.14, 0.33, 1]])
    assert r.weights.sum() == pytest.approx(1.0)
    assert r.consistent


def test_entropy_weights_by_hand():
    df = pd.DataFrame({"H": [1.0, 2.0, 3.0], "E": [1.0, 1.0, 4.0], "V": [2.0, 4.0, 3.0]})
    # min-max: H [0, .5, 1] -> p [0, 1/3, 2/3]; E [0, 0, 1] -> p [0, 0, 1];
    # V [0, 1, .5] -> p [0, 2/3, 1/3]
    k = 1 / math.log(3)
    e_h = -k * (1 / 3 * math.log(1 / 3) + 2 / 3 * math.log(2 / 3))
    e_e = 0.0
    e_v = e_h
    d = np.array([1 - e_h, 1 - e_e, 1 - e_v])
    expected = d / d.sum()
    w = entropy_weights(df)
    assert w.tolist() == pytest.approx(expected.tolist(), abs=1e-12)
    assert w.round(6).tolist() == [0.228444, 0.543112, 0.228444]


def test_entropy_weights_direction_and_constant_column():
    df = pd.DataFrame({"H": [1.0, 2.0, 3.0], "C": [3.0, 2.0, 1.0], "K": [5.0, 5.0, 5.0]})
    w = entropy_weights(df)  # C flipped: same information as H; K constant -> weight 0
    assert w["H"] == pytest.approx(0.5)
    assert w["C"] == pytest.approx(0.5)
    assert w["K"] == 0.0


def test_entropy_weights_refuses_all_constant():
    with pytest.raises(InputError, match="constant"):
        entropy_weights(pd.DataFrame({"H": [1.0, 1.0], "E": [2.0, 2.0]}))


def test_explicit_weights_validated_and_normalised():
    w = explicit_weights({"H": 2, "E": 1, "V": 1})
    assert w.to_dict() == {"H": 0.5, "E": 0.25, "V": 0.25}
    with pytest.raises(InputError, match="'E'"):
        explicit_weights({"H": 1, "E": -1})
    with pytest.raises(InputError, match="zero"):
        explicit_weights({"H": 0, "E": 0})


# A 3-unit example computed by hand.
RAW = pd.DataFrame(
    {
        "H": [0.2, 0.6, 1.0],
        "E": [100.0, 300.0, 500.0],
        "V": [0.1, 0.1, 0.4],
        "C": [30.0, 20.0, 10.0],  # capacity: higher lowers risk
    },
    index=["a", "b", "c"],
)
WEIGHTS = {"H": 0.4, "E": 0.3, "V": 0.2, "C": 0.1}


def test_normalize_minmax_direction_aware():
    x = normalize(RAW)
    assert x["H"].tolist() == pytest.approx([0, 0.5, 1])
    assert x["E"].tolist() == pytest.approx([0, 0.5, 1])
    assert x["V"].tolist() == pytest.approx([0, 0, 1])
    assert x["C"].tolist() == pytest.approx([0, 0.5, 1])  # (30 - C) / 20 = 1 - C_norm
    assert x.index.tolist() == ["a", "b", "c"]
    up = normalize(RAW, directions={"C": 1})
    assert up["C"].tolist() == pytest.approx([1, 0.5, 0])


def test_normalize_zscore_and_rank():
    z = normalize(RAW, method="zscore")
    assert z["E"].tolist() == pytest.approx([-math.sqrt(1.5), 0, math.sqrt(1.5)])
    r = normalize(RAW, method="rank")
    assert r["V"].tolist() == pytest.approx([0.25, 0.25, 1.0])  # tied ranks 1.5, 1.5, 3


def test_normalize_constant_column_warns_and_is_zero():
    with pytest.warns(DataRepairWarning, match="'K' is constant"):
        x = normalize(pd.DataFrame({"H": [1.0, 2.0], "K": [4.0, 4.0]}))
    assert x["K"].tolist() == [0.0, 0.0]


def test_normalize_refuses_unknown_direction_column():
    with pytest.raises(InputError, match="not among"):
        normalize(RAW, directions={"X": -1})


def test_composite_geometric_by_hand():
    x = normalize(RAW)
    r = composite_index(x, WEIGHTS)
    # a: every factor floored at 0.01 -> R = 0.01
    # b: 0.5^(0.4+0.3+0.1) * 0.01^0.2
    # c: all ones -> 1
    assert r.tolist() == pytest.approx([0.01, 0.5**0.8 * 0.01**0.2, 1.0])
    assert r["b"] == pytest.approx(0.228653, abs=1e-6)
    assert r.name == "risk_index"


def test_composite_sum_by_hand():
    r = composite_index(normalize(RAW), WEIGHTS, method="sum")
    assert r.tolist() == pytest.approx([0.0, 0.4 * 0.5 + 0.3 * 0.5 + 0.1 * 0.5, 1.0])


def test_composite_accepts_ahp_result_and_ignores_extra_columns():
    ahp = ahp_weights([[1, 1], [1, 1]], labels=["H", "E"])
    df = pd.DataFrame({"H": [0.25, 1.0], "E": [1.0, 1.0], "name": ["x", "y"]})
    assert composite_index(df, ahp).tolist() == pytest.approx([0.5, 1.0])


def test_composite_refuses_missing_column_nan_and_negative():
    x = normalize(RAW)
    with pytest.raises(InputError, match=r"\['V'\] are missing"):
        composite_index(x.drop(columns="V"), WEIGHTS)
    bad = x.copy()
    bad.loc["b", "H"] = np.nan
    with pytest.raises(InputError, match="'H' has 1 missing"):
        composite_index(bad, WEIGHTS)
    with pytest.raises(InputError, match="negative"):
        composite_index(normalize(RAW, method="zscore"), WEIGHTS)


def test_docstring_examples_run():
    import gistool.risk as module

    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
