"""The output set of a run (DESIGN §6), written atomically and reproducibly.

Every file is first written completely into a staging directory inside the
output directory, then moved into place with one ``os.replace`` per file: a
run killed at any moment leaves each output either at its previous complete
version or at the new complete one. Bytes are reproducible: fixed GeoPackage
timestamps (:data:`gistool.io.write.FIXED_TIMESTAMP`), sorted layers and rows,
deterministic COG/CSV/XLSX writers; ``provenance.json`` (with timings) is the
one file that differs between runs.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from gistool.assess import RiskResult
from gistool.config import Config

__all__ = ["GPKG_LAYERS", "OUTPUT_DESCRIPTIONS", "risk_raster", "write_outputs"]

log = logging.getLogger(__name__)

#: Layers of ``zoning.gpkg``, in order.
GPKG_LAYERS: tuple[str, ...] = (
    "townships", "villages", "grid", "zones", "enterprises",
    "reachability", "isochrones", "critical_links", "routes",
)

#: What each output file is (printed by ``gistool demo``).
OUTPUT_DESCRIPTIONS: dict[str, str] = {
    "zoning.gpkg": "GeoPackage：乡镇、村、网格、风险区、企业、可达性、等时圈、关键路段、救援路线",
    "risk_index.tif": "风险指数栅格（COG，网格分辨率）",
    "tables/": "排名表与企业四色清单（CSV 带 BOM / XLSX）",
    "maps/": "专题图（PNG / PDF）",
    "map.html": "离线交互地图",
    "report.html": "自包含的评估报告",
    "provenance.json": "数据来源、哈希、配置、软件版本与各阶段耗时",
}

NODATA = -9999.0


@contextlib.contextmanager
def staging_dir(out: Path) -> Iterator[Path]:
    """A fresh staging directory inside ``out``, removed afterwards."""
    out.mkdir(parents=True, exist_ok=True)
    stage = out / f".staging-{os.getpid()}"
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir()
    try:
        yield stage
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def risk_raster(grid: gpd.GeoDataFrame) -> tuple[np.ndarray, Any]:
    """The grid's ``risk_index`` as an array on the grid lattice, and its transform.

    Cell ``(row, col)`` of the analysis grid is pixel ``(row, col)``; pixels
    without a cell are :data:`NODATA`.
    """
    from affine import Affine

    size = float(grid.attrs["grid_size"])
    x0, y1 = grid.attrs["grid_origin"]
    rows = grid["row"].to_numpy(np.int64)
    cols = grid["col"].to_numpy(np.int64)
    arr = np.full((int(rows.max()) + 1, int(cols.max()) + 1), NODATA, dtype=np.float32)
    arr[rows, cols] = grid["risk_index"].to_numpy(np.float32)
    return arr, Affine(size, 0.0, float(x0), 0.0, -size, float(y1))


def write_outputs(
    result: RiskResult,
    network_layers: Mapping[str, gpd.GeoDataFrame],
    data: Any,
    out: Path,
    config: Config,
    *,
    findings: pd.DataFrame | None = None,
    provenance: Mapping[str, Any] | None = None,
) -> dict[str, Path]:
    """Write the whole output set of one area into ``out`` (see the module docstring).

    Parameters
    ----------
    result
        The assessment.
    network_layers
        ``isochrones``, ``critical_links``, ``routes``, ``flood_edges`` when computed.
    data
        The study area.
    out
        Output directory.
    config
        The run configuration (``[output]``, ``[maps]``).
    findings
        Validation findings (written as the ``validation`` table).
    provenance
        Inputs, versions and configuration shown in the report (no timings,
        so the report stays reproducible).

    Returns
    -------
    dict
        Relative path → final path of every file written.
    """
    from gistool.io import write_raster, write_table
    from gistool.io.write import write_gpkg_layers
    from gistool.tables import all_tables, write_tables

    formats = set(config.output.formats)
    produced: dict[str, Path] = {}
    with staging_dir(out) as stage:
        if "gpkg" in formats:
            layers = {name: getattr(result, name, None) for name in GPKG_LAYERS}
            layers.update({k: v for k, v in network_layers.items() if k in GPKG_LAYERS})
            write_gpkg_layers({name: layers.get(name) for name in GPKG_LAYERS},
                              stage / "zoning.gpkg")
        if "tif" in formats:
            arr, transform = risk_raster(result.grid)
            write_raster(
                arr, stage / "risk_index.tif", transform=transform, crs=result.grid.crs,
                nodata=NODATA,
            )
        extra = {"four_colour_rules": result.rules}
        if findings is not None and len(findings):
            extra["validation"] = findings
        exts = tuple(e for e in ("csv", "xlsx") if e in formats)
        tables = {**all_tables(result), **extra}
        if exts:
            write_tables(result, stage / "tables", formats=exts)
            for name, df in extra.items():
                for ext in exts:
                    write_table(df, stage / "tables" / f"{name}.{ext}")
        _maps(result, network_layers, data, stage, config, formats)
        _html(result, network_layers, data, stage, config, formats, tables, provenance)
        for path in sorted(p for p in stage.rglob("*") if p.is_file()):
            rel = path.relative_to(stage).as_posix()
            if Path(rel).name.startswith("."):
                continue
            final = out / rel
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, final)
            produced[rel] = final
    return produced


def _maps(
    result: RiskResult,
    network_layers: Mapping[str, gpd.GeoDataFrame],
    data: Any,
    stage: Path,
    config: Config,
    formats: set[str],
) -> None:
    """The static maps (:mod:`gistool.maps`) as PNG and PDF."""
    kinds = [e for e in ("png", "pdf") if e in formats]
    if not kinds or not config.maps.enabled:
        return
    import matplotlib.pyplot as plt

    from gistool import maps

    m = config.maps
    common = {"area": data, "page": m.page, "date": m.date}
    T = config.network.flood_return_period
    if T not in data.flood_depth and data.flood_depth:
        T = max(data.flood_depth)
    flood = data.flood_depth.get(T) if data.flood_depth else None
    makers: dict[str, Callable[[], Any]] = {
        "risk_zoning": lambda: maps.risk_zoning_map(result, **common),
        "risk_villages": lambda: maps.risk_zoning_map(result, layer="villages", **common),
    }
    if result.enterprises is not None and len(result.enterprises):
        makers["four_colour"] = lambda: maps.four_colour_map(result.enterprises, **common)
    if flood is not None:
        makers["hazard_overview"] = lambda: maps.hazard_overview_map(
            flood, return_period=T, **common
        )
        makers["flood_scenario"] = lambda: maps.flood_scenario_map(
            flood, affected_edges=network_layers.get("flood_edges"),
            isolated_targets=result.reachability, return_period=T, **common,
        )
    iso = network_layers.get("isochrones")
    if iso is not None and len(iso):
        normal = iso[iso["scenario"] == "normal"].drop(columns="scenario")
        fl = iso[iso["scenario"] == "flood"].drop(columns="scenario")
        makers["reachability"] = lambda: maps.reachability_map(
            normal, fl if len(fl) else None, return_period=T or 100, **common
        )
    for name, make in makers.items():
        fig = make()
        try:
            for ext in kinds:
                maps.save_map(fig, stage / "maps" / f"{name}.{ext}", dpi=m.dpi)
        finally:
            plt.close(fig)


def _html(
    result: RiskResult,
    network_layers: Mapping[str, gpd.GeoDataFrame],
    data: Any,
    stage: Path,
    config: Config,
    formats: set[str],
    tables: Mapping[str, pd.DataFrame],
    provenance: Mapping[str, Any] | None,
) -> None:
    """``map.html`` (:mod:`gistool.webmap`) and ``report.html`` (:mod:`gistool.report`)."""
    if "html" not in formats:
        return
    from gistool._atomic import atomic_write_text
    from gistool.report import report_html
    from gistool.report.fonts import embed_font
    from gistool.webmap import webmap_html

    # the web map also shows the flood-cut and slowed roads (`flood_edges`)
    layers = {k: v for k, v in network_layers.items() if k in (*GPKG_LAYERS, "flood_edges")}
    map_page = webmap_html(result, data=data, network=layers, embed_font=False)
    maps_dir = stage / "maps"
    report_page = report_html(
        result, data=data,
        maps_dir=maps_dir if maps_dir.exists() else None,
        tables=dict(tables), network=layers, provenance=provenance,
        date=config.maps.date, embed_font=False,
    )
    # one CJK font subset (the union of both pages' characters) instead of one per page
    map_page, report_page = embed_font([map_page, report_page])
    atomic_write_text(stage / "map.html", map_page)
    atomic_write_text(stage / "report.html", report_page)
