"""Tests of gistool.codes: credit codes (GB 32100 / GB 11714) and division codes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gistool.codes import (
    CREDIT_ALPHABET,
    CREDIT_WEIGHTS,
    credit_code_check_char,
    credit_code_problems,
    is_township_code,
    is_valid_credit_code,
    is_village_code,
    make_credit_code,
    org_code_check_char,
    township_codes_valid,
    validate_credit_codes,
    village_codes_valid,
    village_in_township,
    villages_in_townships,
)

# Codes printed on public business-registration records (each also passes the
# GB 11714 check; a random string would pass both with probability 1/341).
REAL_CODES = [
    "91440300708461136T",  # 深圳市腾讯计算机系统有限公司
    "91330100716105852F",  # 阿里巴巴（中国）有限公司
    "914403001922038216",  # 华为技术有限公司
    "91110108551385082Q",  # 小米科技有限责任公司
    "91110000802100433B",
    "91310000MA1FL1MMXL",
]


def test_weights_are_powers_of_three():
    assert tuple(pow(3, i, 31) for i in range(17)) == CREDIT_WEIGHTS
    assert len(CREDIT_ALPHABET) == 31
    assert not set("IOSVZ") & set(CREDIT_ALPHABET)


def test_check_char_hand_computed():
    # all zeros: Σ = 0 → 31 − 0 = 31 → '0'
    assert credit_code_check_char("0" * 17) == "0"
    # '1' then zeros: Σ = 1·1 = 1 → 31 − 1 = 30 → 'Y' (the last character)
    assert credit_code_check_char("1" + "0" * 16) == CREDIT_ALPHABET[30] == "Y"
    # Tencent: Σ = 9·1 + 1·3 + 4·9 + 4·27 + 0 + 3·26 + 0 + 0 + 7·20 + 0 + 8·25 + 4·13
    #            + 6·8 + 1·24 + 1·10 + 3·30 + 6·28 = 966; 966 mod 31 = 5; 31 − 5 = 26 → 'T'
    assert credit_code_check_char("91440300708461136") == "T"
    assert CREDIT_ALPHABET[26] == "T"


def test_org_check_hand_computed():
    # 70846113: 7·3+0·7+8·9+4·10+6·5+1·8+1·4+3·2 = 181; 181 mod 11 = 5; 11 − 5 = 6
    assert org_code_check_char("70846113") == "6"
    # Σ mod 11 = 1 → 10 → 'X'; Σ mod 11 = 0 → 11 → '0'
    assert org_code_check_char("00000006") == "X"  # 6·2 = 12; 12 mod 11 = 1; 11 − 1 = 10
    for body in ["00000000", "12345678", "MA1FL1MM", "D2345678"]:
        total = sum(
            (int(c) if c.isdigit() else ord(c) - 55) * w
            for c, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)
        )
        c9 = 11 - total % 11
        assert org_code_check_char(body) == {10: "X", 11: "0"}.get(c9, str(c9))
    assert org_code_check_char("00000000") == "0"


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_are_valid(code):
    assert is_valid_credit_code(code)
    assert is_valid_credit_code(code.lower())
    assert is_valid_credit_code(f" {code} ")
    assert credit_code_check_char(code[:17]) == code[17]


@pytest.mark.parametrize("code", REAL_CODES)
def test_every_single_character_corruption_is_caught(code):
    corrupted = []
    for i in range(18):
        for c in CREDIT_ALPHABET:
            if c != code[i]:
                corrupted.append(code[:i] + c + code[i + 1 :])
    ok = validate_credit_codes(pd.Series(corrupted), check_org=False)
    # a mod-31 check with weights coprime to 31 detects every single substitution
    assert not ok.any()
    assert len(corrupted) == 18 * 30


def test_adjacent_transpositions_mostly_caught():
    code = REAL_CODES[0]
    swapped = [
        code[:i] + code[i + 1] + code[i] + code[i + 2 :]
        for i in range(17)
        if code[i] != code[i + 1]
    ]
    assert not validate_credit_codes(swapped).any()


def test_malformed_codes():
    bad = [
        None,
        "",
        "   ",
        "91440300708461136",  # 17 chars
        "91440300708461136TT",  # 19 chars
        "9144030070846113IT",  # I not allowed
        "9144030070846113６T",  # full-width digit
        914403007084611360,  # a number, not a string
    ]
    p = credit_code_problems(pd.Series(bad, dtype=object))
    assert p["missing"].tolist() == [True, True, True, False, False, False, False, False]
    assert p["malformed"].tolist() == [False, False, False, True, True, True, True, True]
    assert not p["bad_check"].any()
    assert not validate_credit_codes(pd.Series(bad, dtype=object)).any()


def test_org_check_reported_separately():
    # a code whose GB 32100 check is right but whose organisation-code check is wrong
    first17 = "9141108200000000" + "1"  # body 00000000 needs '0', has '1'
    code = first17 + credit_code_check_char(first17)
    p = credit_code_problems([code])
    assert not p["bad_check"].iloc[0]
    assert p["bad_org_check"].iloc[0]
    assert not is_valid_credit_code(code)
    assert is_valid_credit_code(code, check_org=False)


def test_vectorised_equals_scalar_and_keeps_index():
    codes = pd.Series([*REAL_CODES, "91440300708461136X", None], index=range(10, 18))
    vec = validate_credit_codes(codes)
    assert vec.tolist() == [is_valid_credit_code(c) for c in codes]
    assert credit_code_problems(codes).index.tolist() == list(range(10, 18))
    assert validate_credit_codes(pd.Series([], dtype=object)).shape == (0,)


body_chars = st.text(alphabet=CREDIT_ALPHABET, min_size=8, max_size=8)


@settings(max_examples=200, deadline=None)
@given(body_chars, st.sampled_from(["1", "2", "3"]), st.sampled_from(["411082", "110108"]))
def test_make_credit_code_is_valid(body, org_type, adcode):
    code = make_credit_code("9", org_type, adcode, body)
    assert len(code) == 18
    assert code.startswith(f"9{org_type}{adcode}{body}")
    assert is_valid_credit_code(code)
    assert code[16] == org_code_check_char(body)


def test_make_credit_code_reproduces_real_code():
    assert make_credit_code("9", "1", "440300", "70846113") == "91440300708461136T"
    assert make_credit_code("9", "1", "310000", "MA1FL1MM") == "91310000MA1FL1MMXL"


def test_make_credit_code_rejects_bad_parts():
    with pytest.raises(ValueError, match="adcode6 must be 6 digits"):
        make_credit_code("9", "1", "41108", "12345678")
    with pytest.raises(ValueError, match="org_body8 must be 8 characters"):
        make_credit_code("9", "1", "411082", "1234567O")
    with pytest.raises(ValueError, match="one character each"):
        make_credit_code("91", "1", "411082", "12345678")
    with pytest.raises(ValueError, match="'I' is not allowed"):
        credit_code_check_char("9144030070846113I")


# --------------------------------------------------------------------------- #
# division codes
# --------------------------------------------------------------------------- #


def test_division_code_scalars():
    assert is_township_code("411082001")
    assert is_township_code(411082001)
    assert not is_township_code("41108200")
    assert not is_township_code("41108200A")
    assert not is_township_code(None)
    assert not is_township_code(True)
    assert not is_township_code("４１１０８２００１")  # full-width digits
    assert is_village_code("411082001001")
    assert not is_village_code("411082001")
    assert village_in_township("411082001201", "411082001")
    assert not village_in_township("411082002201", "411082001")
    assert not village_in_township("41108200120", "411082001")


def test_division_code_vectorised():
    t = pd.Series(["411082001", "41108200", None, 411082100, "４１１０８２００１"], dtype=object)
    assert township_codes_valid(t).tolist() == [True, False, False, True, False]
    ints = pd.Series([411082001, 411082100], dtype="int64")
    assert township_codes_valid(ints).tolist() == [True, True]
    v = pd.Series(["411082001001", "411082001", np.nan, "4110820010012"], dtype=object)
    assert village_codes_valid(v).tolist() == [True, False, False, False]
    vin = villages_in_townships(
        pd.Series(["411082001001", "411082002001", "411082001001", None], index=[5, 6, 7, 8]),
        pd.Series(["411082001", "411082001", "41108200", "411082001"], index=[1, 2, 3, 4]),
    )
    assert vin.tolist() == [True, False, False, False]


def test_real_changge_division_codes():
    ref = Path(__file__).resolve().parents[1] / "gistool" / "datasets" / "reference"
    towns = pd.read_csv(ref / "changge_townships_2023.csv", dtype=str)
    vills = pd.read_csv(ref / "changge_villages_2023.csv", dtype=str)
    assert len(towns) == 16
    assert len(vills) == 398
    assert township_codes_valid(towns["code"]).all()
    assert village_codes_valid(vills["code"]).all()
    assert villages_in_townships(vills["code"], vills["streetCode"]).all()
    assert vills["streetCode"].isin(towns["code"]).all()
    # and a shuffled pairing is caught
    shuffled = vills["streetCode"].sample(frac=1, random_state=1).reset_index(drop=True)
    inside = villages_in_townships(vills["code"], shuffled)
    expected = vills["code"].str[:9].to_numpy() == shuffled.to_numpy()
    np.testing.assert_array_equal(inside, expected)
