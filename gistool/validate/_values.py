"""Checks ``columns`` and ``values``: required columns, numbers, booleans, division codes, text."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

from gistool.errors import SchemaError
from gistool.validate._report import Findings, examples, row_labels

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd


_TRUE: Final[frozenset[str]] = frozenset(
    {"是", "有", "√", "y", "yes", "true", "t", "1", "1.0", "on"}
)
_FALSE: Final[frozenset[str]] = frozenset(
    {"否", "无", "×", "n", "no", "false", "f", "0", "0.0", "off"}
)


def check_columns(data: gpd.GeoDataFrame, kind: str, f: Findings) -> set[str]:
    """Required columns of the schema present; returns the schema columns found."""
    from gistool.io.columns import suggest_column
    from gistool.schema import SCHEMAS

    schema = SCHEMAS[kind]
    geom_col = data.geometry.name
    found = [str(c) for c in data.columns if c != geom_col]
    missing = [c for c in schema.required if c not in data.columns]
    if missing:
        fixes, cli = [], []
        for col in missing:
            guess = suggest_column(col, [c for c in found if c not in schema.columns])
            fixes.append(f'"{guess or "<source column>"}": "{col}"')
            cli.append(f"--column {guess or '<source column>'}={col}")
        f.add(
            "error", "columns", ", ".join(missing), len(missing),
            f"{kind} layer is missing required column(s) {missing}; columns found: {found}",
            f"map them with columns={{{', '.join(fixes)}}} (CLI: {' '.join(cli)})", SchemaError,
        )
    return {c for c in schema.columns if c in data.columns}


def _to_bool(s: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Booleans from bool/0-1 numbers/是否 text; returns (values, mask of unparseable)."""
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.astype("boolean"), np.zeros(len(s), dtype=bool)
    if pd.api.types.is_numeric_dtype(s.dtype):
        bad = s.notna() & ~s.isin([0, 1])
        out = s.where(~bad).map({1: True, 0: False}, na_action="ignore").astype("boolean")
        return out, bad.to_numpy(dtype=bool)
    text = s.map(lambda v: v if isinstance(v, str) else (str(v) if pd.notna(v) else None))
    low = text.str.strip().str.lower()
    blank = low.isna() | (low == "")
    t = low.isin(_TRUE)
    fl = low.isin(_FALSE)
    out = pd.Series(pd.NA, index=s.index, dtype="boolean")
    out[t.to_numpy(dtype=bool)] = True
    out[fl.to_numpy(dtype=bool)] = False
    bad = ~(t | fl | blank)
    return out, bad.to_numpy(dtype=bool)


def code_strings(s: pd.Series) -> tuple[pd.Series, bool]:
    """Codes as text: integral numbers become digits. Returns (codes, changed)."""
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        vals = s.to_numpy(dtype=float, na_value=np.nan)
        integral = np.isfinite(vals) & (vals == np.round(vals))
        out = pd.Series(
            [f"{int(v):d}" if ok else None for v, ok in zip(vals, integral, strict=True)],
            index=s.index, dtype=object,
        )
        return out, True
    if pd.api.types.is_string_dtype(s.dtype) or s.dtype == object:

        def conv(v: Any) -> Any:
            if isinstance(v, str):
                return v.strip()
            if isinstance(v, int | np.integer) and not isinstance(v, bool):
                return str(int(v))
            if isinstance(v, float | np.floating) and np.isfinite(v) and v == round(v):
                return str(int(v))
            return v

        converted = s.map(conv)
        changed = [
            type(new) is not type(old) or (isinstance(new, str) and new != old)
            for new, old in zip(converted, s, strict=True)
        ]
        return converted, any(changed)
    return s, False


def check_values(
    data: gpd.GeoDataFrame, kind: str, present: set[str], f: Findings, repair: bool
) -> gpd.GeoDataFrame:
    """Numbers, booleans, division codes, required text; converted with ``repair``."""
    from gistool.codes import township_codes_valid, village_codes_valid
    from gistool.schema import SCHEMAS

    schema = SCHEMAS[kind]
    kinds = {**schema.optional, **schema.required}
    for col in [c for c in schema.columns if c in present]:
        vkind = kinds[col]
        s = data[col]
        required = col in schema.required
        if vkind in ("float", "int"):
            nulls = int((s.isna() | (s.astype(str).str.strip() == "")).sum())
            if pd.api.types.is_bool_dtype(s.dtype) or not pd.api.types.is_numeric_dtype(s.dtype):
                num = pd.to_numeric(
                    s.map(lambda v: v.strip().replace(",", "") if isinstance(v, str) else v),
                    errors="coerce",
                )
                bad = (num.isna() & s.notna() & (s.astype(str).str.strip() != "")).to_numpy(bool)
                if bad.any():
                    f.add("error", "values", col, int(bad.sum()),
                          f"{int(bad.sum())} non-numeric value(s) in a numeric column "
                          f"({examples(s[bad])}; rows {row_labels(bad, data.index)})",
                          "clean the column or map another column onto it", SchemaError)
                elif repair:
                    data[col] = num.astype("float64")
                    f.add("info", "values repaired", col, int(s.notna().sum()),
                          "converted text to numbers", "", SchemaError)
                s = num
            if nulls and required:
                f.add("warning", "values", col, nulls,
                      f"{nulls} missing value(s) in required column", "fill them in",
                      SchemaError)
            num_values = pd.to_numeric(s, errors="coerce")
            neg = ((num_values <= 0) if col == "speed_kmh" else (num_values < 0)).to_numpy(bool)
            if neg.any():
                what = "zero or negative" if col == "speed_kmh" else "negative"
                f.add("error", "values", col, int(neg.sum()),
                      f"{int(neg.sum())} {what} value(s) (rows {row_labels(neg, data.index)})",
                      "counts and capacities cannot be negative, speeds must be positive",
                      SchemaError)
        elif vkind == "bool":
            out, bad = _to_bool(s)
            if bad.any():
                f.add("error", "values", col, int(bad.sum()),
                      f"{int(bad.sum())} value(s) not readable as yes/no "
                      f"({examples(s[bad])}; rows {row_labels(bad, data.index)})",
                      "use 是/否, Y/N, 1/0 or true/false", SchemaError)
            elif repair and not pd.api.types.is_bool_dtype(s.dtype):
                data[col] = out
                f.add("info", "values repaired", col, int(out.notna().sum()),
                      "converted 是/否, Y/N, 1/0 text to booleans", "", SchemaError)
        elif vkind in ("code9", "code12"):
            codes, changed = code_strings(s)
            width = 9 if vkind == "code9" else 12
            ok = (township_codes_valid if width == 9 else village_codes_valid)(codes)
            blank = codes.isna().to_numpy(bool)
            bad = ~ok & ~blank
            if bad.any():
                f.add("error", "codes", col, int(bad.sum()),
                      f"{int(bad.sum())} malformed {width}-digit division code(s) "
                      f"({examples(s[bad])}; rows {row_labels(bad, data.index)})",
                      f"use the {width}-digit 统计用区划代码 as text (leading digits kept)",
                      SchemaError)
            if blank.any() and required:
                f.add("error" if col == schema.id_column else "warning", "codes", col,
                      int(blank.sum()), f"{int(blank.sum())} missing code(s)",
                      "fill them in", SchemaError)
            if changed and repair:
                data[col] = codes
                f.add("info", "values repaired", col, int((~blank).sum()),
                      "codes converted to text", "", SchemaError)
        elif vkind == "str":
            nulls = (s.isna() | (s.astype(str).str.strip() == "")).to_numpy(bool)
            if nulls.any() and required and col != schema.id_column:
                f.add("warning", "values", col, int(nulls.sum()),
                      f"{int(nulls.sum())} missing value(s) in required column",
                      "fill them in", SchemaError)
    return _check_text_length(data, f, repair)


#: Text values longer than this are cut (a name this long is a data error, it would
#: swamp tables and maps, and an Excel cell holds at most 32,767 characters).
MAX_TEXT_CHARS: Final[int] = 1000


def _check_text_length(data: gpd.GeoDataFrame, f: Findings, repair: bool) -> gpd.GeoDataFrame:
    """Cut (repair) or report text values longer than :data:`MAX_TEXT_CHARS`, any column."""
    import pandas as pd

    for col in data.columns:
        s = data[col]
        if col == data.geometry.name or not (
            pd.api.types.is_object_dtype(s.dtype) or pd.api.types.is_string_dtype(s.dtype)
        ):
            continue
        lengths = s.astype("string").str.len().fillna(0).to_numpy(dtype=np.int64)
        long = lengths > MAX_TEXT_CHARS
        if not long.any():
            continue
        n = int(long.sum())
        what = (f"{n} text value(s) longer than {MAX_TEXT_CHARS:,} characters "
                f"(up to {int(lengths.max()):,}; rows {row_labels(long, data.index)})")
        if repair:
            data[col] = s.where(~long, s.astype("string").str.slice(0, MAX_TEXT_CHARS))
            f.add("warning", "values repaired", col, n, f"{what} cut to {MAX_TEXT_CHARS:,}",
                  "", SchemaError)
        else:
            f.add("error", "values", col, n, what, "shorten them", SchemaError)
    return data
