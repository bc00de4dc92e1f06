"""gistool: county-scale disaster and safety-production risk assessment.

The public API is re-exported here lazily, so ``import gistool`` (and
``gistool --help``) stay fast: heavy modules load on first use.

>>> import gistool
>>> gistool.__version__
'0.1.0'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gistool._lazy import lazy_exports

__version__ = "0.1.0"

# public name → module that defines it
_EXPORTS: dict[str, str] = {
    "read_layer": "gistool.io",
    "write_layer": "gistool.io",
    "write_raster": "gistool.io",
    "write_table": "gistool.io",
    "validate_layer": "gistool.validate",
    "working_crs": "gistool.crs",
    "StudyArea": "gistool.area",
    "load_changge": "gistool.datasets",
    "assess_risk": "gistool.assess",
    "RiskResult": "gistool.assess",
    "AssessParams": "gistool.assess",
    "run": "gistool.pipeline",
    "RunResult": "gistool.pipeline",
    "write_tables": "gistool.tables",
    "write_webmap": "gistool.webmap",
    "write_report": "gistool.report",
}

if TYPE_CHECKING:  # pragma: no cover
    from gistool.area import StudyArea
    from gistool.assess import AssessParams, RiskResult, assess_risk
    from gistool.crs import working_crs
    from gistool.datasets import load_changge
    from gistool.io import read_layer, write_layer, write_raster, write_table
    from gistool.pipeline import RunResult, run
    from gistool.report import write_report
    from gistool.tables import write_tables
    from gistool.validate import validate_layer
    from gistool.webmap import write_webmap


__getattr__, __dir__, _names = lazy_exports(__name__, _EXPORTS)
__all__ = ["__version__", *_names]
