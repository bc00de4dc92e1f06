"""``provenance.json``: inputs with hashes, configuration, versions, stage timings.

The one output that differs between two runs of the same job (timings and
cached/recomputed flags); every other output is byte-reproducible.
"""

from __future__ import annotations

import json
import platform
import sys
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from gistool._atomic import atomic_write_text

__all__ = ["PACKAGES", "package_versions", "write_provenance"]

#: Packages whose versions are recorded.
PACKAGES: tuple[str, ...] = (
    "gistool", "numpy", "pandas", "scipy", "shapely", "geopandas", "pyogrio", "pyproj",
    "rasterio", "networkx", "mapclassify", "exactextract", "matplotlib", "openpyxl",
    "pydantic", "pyarrow", "dask", "distributed",
)


def package_versions() -> dict[str, str | None]:
    """Installed version of each of :data:`PACKAGES` (``None`` when absent), GDAL and GEOS."""
    out: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    import rasterio
    import shapely

    out["GDAL"] = rasterio.__gdal_version__
    out["GEOS"] = shapely.geos_version_string
    out["python"] = platform.python_version()
    return out


def write_provenance(
    path: Path,
    *,
    area: str,
    config: Mapping[str, Any],
    config_file: str | None,
    inputs: Mapping[str, Sequence[Mapping[str, Any]]],
    stages: Sequence[Mapping[str, Any]],
    outputs: Mapping[str, str],
) -> Path:
    """Write ``provenance.json`` atomically.

    Parameters
    ----------
    path
        Destination.
    area
        Area name.
    config
        The validated configuration (JSON form).
    config_file
        The configuration file, if any.
    inputs
        Input name → files (``path``, ``size``, ``sha256``).
    stages
        Per stage: ``name``, ``status`` (cached / ran), ``seconds``, ``key``.
    outputs
        Relative output path → sha256.
    """
    doc = {
        "area": area,
        "config_file": config_file,
        "config": config,
        "inputs": inputs,
        "stages": list(stages),
        "outputs": dict(sorted(outputs.items())),
        "versions": package_versions(),
        "platform": {"system": platform.system(), "machine": platform.machine(),
                     "python": sys.version.split()[0]},
    }
    text = json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=False, default=str)
    return atomic_write_text(path, text + "\n")
