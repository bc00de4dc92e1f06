"""Checks ``ids`` and ``codes``: unique ids, villages under their townships, credit codes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from gistool.errors import SchemaError
from gistool.validate._report import Findings, examples, row_labels
from gistool.validate._values import code_strings

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd


def check_ids(data: gpd.GeoDataFrame, kind: str, present: set[str], f: Findings) -> None:
    """Ids present and unique."""
    from gistool.schema import SCHEMAS

    col = SCHEMAS[kind].id_column
    if col is None or col not in present:
        return
    s = data[col].map(lambda v: v.strip() if isinstance(v, str) else v)
    missing = (s.isna() | (s.astype(str) == "")).to_numpy(bool)
    if missing.any() and SCHEMAS[kind].required.get(col) == "str":
        f.add("error", "ids", col, int(missing.sum()),
              f"{int(missing.sum())} feature(s) without an id "
              f"(rows {row_labels(missing, data.index)})",
              f"give every feature a unique '{col}'", SchemaError)
    dup = (s.duplicated(keep=False) & ~pd.Series(missing, index=s.index)).to_numpy(bool)
    if dup.any():
        f.add("error", "ids", col, int(dup.sum()),
              f"{int(dup.sum())} features share {s[dup].nunique()} duplicate id(s) "
              f"({examples(s[dup])})",
              f"make '{col}' unique (or merge the duplicated features)", SchemaError)


def check_codes(data: gpd.GeoDataFrame, kind: str, present: set[str], f: Findings) -> None:
    """Village codes under their township code; 统一社会信用代码 check characters."""
    from gistool.codes import (
        credit_code_problems,
        township_codes_valid,
        village_codes_valid,
        villages_in_townships,
    )

    if kind == "villages" and {"code", "township_code"} <= present:
        v, _ = code_strings(data["code"])
        t, _ = code_strings(data["township_code"])
        both = village_codes_valid(v) & township_codes_valid(t)
        inside = villages_in_townships(v, t)
        bad = both & ~inside
        if bad.any():
            pairs = [f"{a}∉{b}" for a, b in zip(v[bad], t[bad], strict=True)]
            f.add("error", "codes", "township_code", int(bad.sum()),
                  f"{int(bad.sum())} village code(s) not under their township_code "
                  f"({examples(pairs)})",
                  "a village code starts with its township's 9 digits: fix code or "
                  "township_code", SchemaError)
    if kind == "enterprises" and "credit_code" in present:
        p = credit_code_problems(data["credit_code"])
        codes = data["credit_code"]
        for name, sev, text, fix in (
            ("malformed", "error", "malformed 统一社会信用代码 (not 18 characters of "
             "0-9 A-H J-N P Q R T U W X Y)", "correct or blank them"),
            ("bad_check", "error", "统一社会信用代码 with a wrong check character "
             "(GB 32100-2015)", "a typo is likely: correct them or blank them"),
            ("bad_org_check", "warning", "统一社会信用代码 whose organisation code "
             "(positions 9–17) fails its GB 11714 check", "check them against the registry"),
        ):
            m = p[name].to_numpy(bool)
            if m.any():
                f.add(sev, "codes", "credit_code", int(m.sum()),
                      f"{int(m.sum())} {text} ({examples(codes[m])})", fix, SchemaError)
