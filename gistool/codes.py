"""Identifier codes: unified social credit codes and statistical division codes.

Unified social credit code (统一社会信用代码, GB 32100-2015)
-----------------------------------------------------------
18 characters from the 31-character alphabet ``0-9 A-H J-N P Q R T U W X Y``
(no I, O, Z, S, V)::

    position  1     registration department (登记管理部门), e.g. 9 = 工商/市场监管
    position  2     organisation type (机构类别), e.g. 1 = 企业
    positions 3–8   administrative division code (登记管理机关行政区划码, 6 digits)
    positions 9–17  organisation code (主体标识码, GB 11714: 8 body chars + check)
    position  18    check character

Check character (GB 32100-2015, §4.3): with the characters' values ``c_i``
(their index in the alphabet) and weights ``w_i = 3^(i−1) mod 31`` =
1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28::

    C18 = 31 − (Σ_{i=1..17} c_i·w_i  mod 31),   31 ↦ 0

Organisation code check (GB 11714-1997), on positions 9–16, digit values and
letters A=10 … Z=35, weights 3, 7, 9, 10, 5, 8, 4, 2::

    C9 = 11 − (Σ c_i·w_i  mod 11),   10 ↦ 'X',  11 ↦ '0'

Every code issued under GB 32100 carries a valid GB 11714 organisation code
(also those of 个体工商户, whose organisation code is generated); this module
reports the two checks separately so that a caller can treat the second as a
warning (:func:`credit_code_problems`).

Division codes
--------------
Statistical division codes (统计用区划代码): 9 digits for a township
(乡级: 6-digit county + 3 digits), 12 digits for a village-level unit (村级:
township + 3 digits). A village lies in a township when its code starts with
the township's 9 digits.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

__all__ = [
    "CREDIT_ALPHABET",
    "CREDIT_WEIGHTS",
    "ORG_WEIGHTS",
    "credit_code_check_char",
    "credit_code_problems",
    "is_township_code",
    "is_valid_credit_code",
    "is_village_code",
    "make_credit_code",
    "org_code_check_char",
    "township_codes_valid",
    "validate_credit_codes",
    "village_codes_valid",
    "village_in_township",
    "villages_in_townships",
]

#: The 31 characters of GB 32100-2015, in value order.
CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
#: Weights of positions 1–17 (3^(i−1) mod 31).
CREDIT_WEIGHTS: tuple[int, ...] = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
#: Weights of the 8 body characters of a GB 11714 organisation code.
ORG_WEIGHTS: tuple[int, ...] = (3, 7, 9, 10, 5, 8, 4, 2)

_CREDIT_VALUE = {c: i for i, c in enumerate(CREDIT_ALPHABET)}
# byte → value lookup tables for the vectorised checks (-1 = not allowed)
_CREDIT_LUT = np.full(256, -1, dtype=np.int64)
for _c, _v in _CREDIT_VALUE.items():
    _CREDIT_LUT[ord(_c)] = _v
_ORG_LUT = np.full(256, -1, dtype=np.int64)
for _i in range(10):
    _ORG_LUT[ord(str(_i))] = _i
for _i in range(26):
    _ORG_LUT[ord("A") + _i] = 10 + _i


def _org_value(ch: str) -> int:
    v = int(_ORG_LUT[ord(ch)]) if len(ch) == 1 and ord(ch) < 256 else -1
    if v < 0:
        msg = f"{ch!r} is not a digit or capital letter of an organisation code"
        raise ValueError(msg)
    return v


def credit_code_check_char(first17: str) -> str:
    """Check character (position 18) of a unified social credit code.

    ``C18 = 31 − (Σ c_i·w_i mod 31)``, mapped 31 → ``'0'``, where ``c_i`` is the
    value of character i in :data:`CREDIT_ALPHABET` and ``w_i`` =
    :data:`CREDIT_WEIGHTS`.

    Parameters
    ----------
    first17
        The first 17 characters of the code.

    Raises
    ------
    ValueError
        If ``first17`` is not 17 characters of the alphabet.

    Examples
    --------
    >>> credit_code_check_char("91440300708461136")  # Shenzhen Tencent Computer Systems
    'T'
    """
    s = first17.strip().upper()
    if len(s) != 17:
        msg = f"need the first 17 characters of a credit code, got {len(s)}: {first17!r}"
        raise ValueError(msg)
    try:
        total = sum(_CREDIT_VALUE[c] * w for c, w in zip(s, CREDIT_WEIGHTS, strict=True))
    except KeyError as exc:
        msg = (
            f"{first17!r}: {exc.args[0]!r} is not allowed in a credit code "
            f"(alphabet {CREDIT_ALPHABET}; no I, O, S, V, Z)"
        )
        raise ValueError(msg) from None
    return CREDIT_ALPHABET[(31 - total % 31) % 31]


def org_code_check_char(body8: str) -> str:
    """Check character of a GB 11714 organisation code from its 8 body characters.

    ``C9 = 11 − (Σ c_i·w_i mod 11)`` with weights 3, 7, 9, 10, 5, 8, 4, 2, digits
    0–9 and letters A=10 … Z=35; 10 → ``'X'``, 11 → ``'0'``.

    Examples
    --------
    >>> org_code_check_char("70846113")  # Tencent: organisation code 70846113-6
    '6'
    """
    s = body8.strip().upper()
    if len(s) != 8:
        msg = f"an organisation code body has 8 characters, got {len(s)}: {body8!r}"
        raise ValueError(msg)
    total = sum(_org_value(c) * w for c, w in zip(s, ORG_WEIGHTS, strict=True))
    c9 = 11 - total % 11
    return "X" if c9 == 10 else "0" if c9 == 11 else str(c9)


def is_valid_credit_code(code: Any, *, check_org: bool = True) -> bool:
    """True if ``code`` is a well-formed unified social credit code.

    18 characters of the alphabet, a correct GB 32100 check character and,
    with ``check_org`` (default), a correct GB 11714 organisation-code check at
    position 17. Surrounding spaces and lower case are accepted.

    Examples
    --------
    >>> is_valid_credit_code("91440300708461136T")
    True
    >>> is_valid_credit_code("91440300708461137T")
    False
    """
    return bool(validate_credit_codes(pd.Series([code]), check_org=check_org)[0])


def _code_matrix(values: pd.Series, width: int) -> tuple[NDArray[np.uint8], NDArray[np.bool_]]:
    """Uppercased, stripped strings of exactly ``width`` ASCII chars as a byte matrix.

    Returns the (n, width) matrix (garbage rows where not ok) and the mask of
    rows that are strings of the right length and plain ASCII.
    """
    s = pd.Series(values, copy=False)
    is_str = s.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
    text = s.where(is_str, "").astype(str).str.strip().str.upper()
    ok = is_str & (text.str.len().to_numpy() == width) & text.map(str.isascii).to_numpy(bool)
    padded = text.where(ok, "0" * width)
    raw = "".join(padded.tolist()).encode("ascii")
    mat = np.frombuffer(raw, dtype=np.uint8).reshape(len(s), width)
    return mat, ok


def credit_code_problems(values: Any) -> pd.DataFrame:
    """Per-code diagnosis of unified social credit codes, vectorised.

    Returns
    -------
    DataFrame
        Same index as ``values``; boolean columns ``missing`` (null/blank),
        ``malformed`` (not 18 characters of the alphabet), ``bad_check``
        (GB 32100 check character wrong) and ``bad_org_check`` (GB 11714 check of
        positions 9–17 wrong), each False where an earlier problem applies.
    """
    s = pd.Series(values, copy=False)
    n = len(s)
    blank = s.isna().to_numpy() | s.map(lambda v: isinstance(v, str) and not v.strip()).to_numpy(
        dtype=bool
    )
    mat, ok = _code_matrix(s, 18)
    vals = _CREDIT_LUT[mat] if n else np.zeros((0, 18), dtype=np.int64)
    ok &= (vals >= 0).all(axis=1) if n else ok
    weights = np.asarray(CREDIT_WEIGHTS, dtype=np.int64)
    check = (31 - (vals[:, :17] @ weights) % 31) % 31
    bad_check = ok & (check != vals[:, 17])
    org = _ORG_LUT[mat[:, 8:16]] if n else np.zeros((0, 8), dtype=np.int64)
    c9 = 11 - (org @ np.asarray(ORG_WEIGHTS, dtype=np.int64)) % 11
    expected = np.where(c9 == 10, ord("X"), np.where(c9 == 11, ord("0"), ord("0") + c9))
    bad_org = ok & ~bad_check & (expected != mat[:, 16])
    return pd.DataFrame(
        {
            "missing": blank,
            "malformed": ~ok & ~blank,
            "bad_check": bad_check,
            "bad_org_check": bad_org,
        },
        index=s.index,
    )


def validate_credit_codes(values: Any, *, check_org: bool = True) -> NDArray[np.bool_]:
    """Vectorised :func:`is_valid_credit_code` over a Series or sequence.

    Examples
    --------
    >>> validate_credit_codes(["91440300708461136T", "91440300708461136X", None]).tolist()
    [True, False, False]
    """
    p = credit_code_problems(values)
    bad = p["missing"] | p["malformed"] | p["bad_check"]
    if check_org:
        bad |= p["bad_org_check"]
    return ~bad.to_numpy(dtype=bool)


def make_credit_code(
    registration_dept: str, org_type: str, adcode6: str, org_body8: str
) -> str:
    """Build a valid unified social credit code.

    The organisation code is ``org_body8`` plus its GB 11714 check character, and
    the code ends with the GB 32100 check character.

    Parameters
    ----------
    registration_dept
        One character, e.g. ``"9"`` (市场监管/工商).
    org_type
        One character, e.g. ``"1"`` (企业), ``"2"`` (个体工商户).
    adcode6
        Six-digit administrative division code, e.g. ``"411082"`` (长葛市).
    org_body8
        Eight characters of the credit alphabet (the organisation code body).

    Examples
    --------
    >>> make_credit_code("9", "1", "440300", "70846113")
    '91440300708461136T'
    """
    if len(registration_dept) != 1 or len(org_type) != 1:
        msg = "registration_dept and org_type are one character each"
        raise ValueError(msg)
    if len(adcode6) != 6 or not adcode6.isdigit():
        msg = f"adcode6 must be 6 digits, got {adcode6!r}"
        raise ValueError(msg)
    body = org_body8.upper()
    if len(body) != 8 or any(c not in _CREDIT_VALUE for c in body):
        msg = (
            f"org_body8 must be 8 characters of {CREDIT_ALPHABET} "
            f"(no I, O, S, V, Z), got {org_body8!r}"
        )
        raise ValueError(msg)
    first17 = f"{registration_dept}{org_type}{adcode6}{body}{org_code_check_char(body)}".upper()
    return first17 + credit_code_check_char(first17)


# --------------------------------------------------------------------------- #
# statistical division codes
# --------------------------------------------------------------------------- #


def _digits(value: Any, width: int) -> bool:
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, int | np.integer):
        value = str(int(value))
    return isinstance(value, str) and len(value) == width and value.isascii() and value.isdigit()


def _as_code_strings(values: Any) -> pd.Series:
    """Codes as strings: ints become their decimal text, others stay (non-str → NA)."""
    s = pd.Series(values, copy=False)
    if pd.api.types.is_integer_dtype(s.dtype):
        return s.astype("int64").astype(str)

    def conv(v: Any) -> Any:
        if isinstance(v, bool):
            return None
        if isinstance(v, int | np.integer):
            return str(int(v))
        return v if isinstance(v, str) else None

    return s.map(conv)


def _digits_series(values: Any, width: int) -> NDArray[np.bool_]:
    s = _as_code_strings(values)
    text = s.fillna("")
    ok = text.str.fullmatch(rf"[0-9]{{{width}}}")
    return ok.fillna(False).to_numpy(dtype=bool)


def is_township_code(code: Any) -> bool:
    """True for a 9-digit township-level statistical code (e.g. ``"411082001"``).

    Examples
    --------
    >>> is_township_code("411082001"), is_township_code("41108201")
    (True, False)
    """
    return _digits(code, 9)


def is_village_code(code: Any) -> bool:
    """True for a 12-digit village-level statistical code (e.g. ``"411082001001"``).

    Examples
    --------
    >>> is_village_code("411082001001"), is_village_code("41108200100A")
    (True, False)
    """
    return _digits(code, 12)


def village_in_township(village_code: Any, township_code: Any) -> bool:
    """True if a well-formed village code starts with a well-formed township code.

    Examples
    --------
    >>> village_in_township("411082001001", "411082001")
    True
    >>> village_in_township("411082002001", "411082001")
    False
    """
    if not (is_village_code(village_code) and is_township_code(township_code)):
        return False
    return str(village_code)[:9] == str(township_code)


def township_codes_valid(values: Any) -> NDArray[np.bool_]:
    """Vectorised :func:`is_township_code`."""
    return _digits_series(values, 9)


def village_codes_valid(values: Any) -> NDArray[np.bool_]:
    """Vectorised :func:`is_village_code`."""
    return _digits_series(values, 12)


def villages_in_townships(village_codes: Any, township_codes: Any) -> NDArray[np.bool_]:
    """Vectorised :func:`village_in_township`, element by element.

    Examples
    --------
    >>> villages_in_townships(["411082001001", "411082002001"],
    ...                       ["411082001", "411082001"]).tolist()
    [True, False]
    """
    v = _as_code_strings(village_codes).reset_index(drop=True)
    t = _as_code_strings(township_codes).reset_index(drop=True)
    ok = _digits_series(v, 12) & _digits_series(t, 9)
    same = (v.fillna("").str[:9] == t.fillna("")).to_numpy(dtype=bool)
    return ok & same
