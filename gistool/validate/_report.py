"""The findings of a validation: :class:`ValidationReport` and the collector the checks fill."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Literal

import numpy as np
import pandas as pd

from gistool.errors import InputError, describe_source

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

__all__ = ["FINDING_COLUMNS", "Severity", "ValidationReport"]

Severity = Literal["error", "warning", "info"]

#: Columns of :attr:`ValidationReport.findings`.
FINDING_COLUMNS: Final[tuple[str, ...]] = ("severity", "check", "column", "count", "message", "fix")

_MAX_EXAMPLES = 5


@dataclass
class ValidationReport:
    """Findings of :func:`validate_layer` and the repaired data.

    Attributes
    ----------
    kind
        Layer kind checked.
    findings
        One row per finding: ``severity`` (error, warning, info), ``check``,
        ``column`` (or ``""``), ``count`` (features or m² concerned),
        ``message`` and ``fix``.
    data
        The layer after the repairs (rows dropped, geometries made valid, values
        converted); the input is not modified.
    source, layer
        Where the layer came from, named in messages.
    n_features
        Number of features of the input layer.
    """

    kind: str
    findings: pd.DataFrame
    data: gpd.GeoDataFrame
    source: str | None = None
    layer: str | None = None
    n_features: int = 0
    _errors: list[type[InputError]] = field(default_factory=list, repr=False)

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings and info allowed)."""
        return not bool((self.findings["severity"] == "error").any())

    @property
    def errors(self) -> pd.DataFrame:
        """The error rows of :attr:`findings`."""
        return self.findings[self.findings["severity"] == "error"]

    @property
    def warnings(self) -> pd.DataFrame:
        """The warning rows of :attr:`findings`."""
        return self.findings[self.findings["severity"] == "warning"]

    def exception(self, i: int) -> InputError:
        """The exception of finding ``i`` (message and fix on one line)."""
        row = self.findings.iloc[i]
        where = describe_source(self.source, self.layer, row["column"] or None)
        msg = f"{where}: {row['message']}; {row['fix']}" if row["fix"] else (
            f"{where}: {row['message']}"
        )
        return self._errors[i](msg)

    def raise_for_errors(self) -> None:
        """Raise the first error as its :class:`~gistool.errors.InputError` subclass."""
        idx = np.flatnonzero((self.findings["severity"] == "error").to_numpy())
        if idx.size:
            raise self.exception(int(idx[0]))

    def summary(self) -> str:
        """One line: kind, source, feature count and the number of findings per severity."""
        counts = self.findings["severity"].value_counts()
        parts = [
            f"{int(counts.get(s, 0))} {s}{'s' if counts.get(s, 0) != 1 and s != 'info' else ''}"
            for s in ("error", "warning", "info")
        ]
        where = describe_source(self.source, self.layer)
        return f"{self.kind} layer ({where}), {self.n_features} features: {', '.join(parts)}"

    def __str__(self) -> str:
        lines = [self.summary()]
        if self.findings.empty:
            lines.append("  no problems found")
        for row in self.findings.itertuples(index=False):
            col = f"[{row.column}] " if row.column else ""
            lines.append(f"  {row.severity.upper():7} {row.check:9} {col}{row.message}")
            if row.fix:
                lines.append(f"  {'':7} {'':9} fix: {row.fix}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:  # pragma: no cover - notebook display
        return f"<p>{self.summary()}</p>" + self.findings.to_html(index=False)


class Findings:
    """Collects findings and the exception class of each."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.errors: list[type[InputError]] = []

    def add(
        self,
        severity: Severity,
        check: str,
        column: str | None,
        count: float,
        message: str,
        fix: str = "",
        exc: type[InputError] = InputError,
    ) -> None:
        self.rows.append(
            {
                "severity": severity,
                "check": check,
                "column": column or "",
                "count": count,
                "message": message,
                "fix": fix,
            }
        )
        self.errors.append(exc)

    def frame(self) -> pd.DataFrame:
        df = pd.DataFrame(self.rows, columns=list(FINDING_COLUMNS))
        df["count"] = pd.to_numeric(df["count"]).astype("float64")
        if len(df) and (df["count"] == df["count"].round()).all():
            df["count"] = df["count"].astype("int64")
        return df


def examples(values: Any) -> str:
    vals = list(dict.fromkeys(str(v) for v in values))
    shown = ", ".join(repr(v) for v in vals[:_MAX_EXAMPLES])
    return shown + (f" … (+{len(vals) - _MAX_EXAMPLES})" if len(vals) > _MAX_EXAMPLES else "")


def row_labels(mask: np.ndarray, index: pd.Index) -> str:
    rows = index[mask][:_MAX_EXAMPLES].tolist()
    more = int(mask.sum()) - len(rows)
    return ", ".join(map(str, rows)) + (f" … (+{more})" if more > 0 else "")
