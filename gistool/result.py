"""The result of :func:`gistool.assess_risk`: a small dataclass of GeoDataFrames."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from gistool.labels import RISK_GRADES, RISK_LEVELS
from gistool.params import FACTOR_NAMES, AssessParams

__all__ = ["RiskResult"]

@dataclass
class RiskResult:
    """Everything :func:`assess_risk` computes.

    Attributes
    ----------
    townships, villages, grid
        Unit layers with the indicators, ``H``, ``E``, ``V``, ``C``,
        ``risk_index``, ``risk_level`` (1 = 高风险 … 5 = 低风险),
        ``risk_level_name``, ``rank``, ``driver`` and ``level_stability``.
    zones
        Dissolved zones of the classified grid.
    enterprises
        The four-colour list (:func:`gistool.enterprise.four_colour`).
    weights
        Factor weights (H, E, V, C), summing to 1.
    ahp
        The :class:`gistool.risk.AHPResult` when weights came from AHP.
    rules
        The four-colour rule table (printable, Chinese).
    params
        The parameters used.
    reachability
        Per-target rescue minutes (population pieces and enterprises), normal
        and flood, and where they came from (``source``: network or
        straight_line).
    timings
        Seconds per stage.
    """

    townships: gpd.GeoDataFrame
    villages: gpd.GeoDataFrame
    grid: gpd.GeoDataFrame
    zones: gpd.GeoDataFrame
    enterprises: gpd.GeoDataFrame | None
    weights: pd.Series
    ahp: Any
    rules: pd.DataFrame
    params: AssessParams
    reachability: gpd.GeoDataFrame | None = None
    timings: dict[str, float] = field(default_factory=dict)

    LAYERS = ("townships", "villages", "grid", "zones", "enterprises", "reachability")

    def summary(self) -> pd.DataFrame:
        """Counts, area and population per risk level of each unit layer and of the
        zones, and the number of enterprises per four-colour grade.

        Returns
        -------
        pandas.DataFrame
            ``layer``, ``class``, ``class_name``, ``n``, ``area_km2``,
            ``population``, ``area_share``.
        """
        rows = []
        for name in ("townships", "villages", "grid"):
            gdf = getattr(self, name)
            area = gdf.geometry.area.to_numpy() / 1e6
            total = area.sum()
            pop = gdf["population"].to_numpy() if "population" in gdf else np.zeros(len(gdf))
            for lvl, (zh, _, _) in RISK_LEVELS.items():
                m = gdf["risk_level"].to_numpy() == lvl
                rows.append(
                    {
                        "layer": name,
                        "class": str(lvl),
                        "class_name": zh,
                        "n": int(m.sum()),
                        "area_km2": float(area[m].sum()),
                        "population": float(pop[m].sum()),
                        "area_share": float(area[m].sum() / total) if total else 0.0,
                    }
                )
        if self.zones is not None and len(self.zones):
            z = self.zones
            area = z["area_km2"].to_numpy(float)
            pop = z["population"].to_numpy(float) if "population" in z else np.zeros(len(z))
            for lvl, (zh, _, _) in RISK_LEVELS.items():
                m = z["risk_level"].to_numpy() == lvl
                rows.append(
                    {
                        "layer": "zones",
                        "class": str(lvl),
                        "class_name": zh,
                        "n": int(m.sum()),
                        "area_km2": float(area[m].sum()),
                        "population": float(np.nansum(pop[m])),
                        "area_share": float(area[m].sum() / area.sum()) if area.sum() else 0.0,
                    }
                )
        if self.enterprises is not None:
            g = self.enterprises["risk_grade"].to_numpy()
            for grade, (colour, _, _) in RISK_GRADES.items():
                rows.append(
                    {
                        "layer": "enterprises",
                        "class": colour,
                        "class_name": grade,
                        "n": int((g == grade).sum()),
                        "area_km2": np.nan,
                        "population": np.nan,
                        "area_share": np.nan,
                    }
                )
        return pd.DataFrame(rows)

    def ranking(self, layer: str = "villages", *, chinese: bool = False) -> pd.DataFrame:
        """The ranking table of a unit layer, highest risk first.

        Parameters
        ----------
        layer
            ``"villages"``, ``"townships"`` or ``"grid"``.
        chinese
            Use the Chinese headings of :data:`gistool.labels.COLUMN_HEADINGS`.

        Returns
        -------
        pandas.DataFrame
            Identifier and name, H, E, V, C, ``risk_index``, level, ``rank``,
            driver and the sensitivity columns, sorted by rank.
        """
        from gistool.labels import heading

        if layer not in ("villages", "townships", "grid"):
            msg = f"ranking layer must be villages, townships or grid, not {layer!r}"
            raise ValueError(msg)
        gdf = getattr(self, layer)
        cols = [
            "cell_id", "code", "name", "township_code", *FACTOR_NAMES, "risk_index",
            "risk_level", "risk_level_name", "rank", "driver", "driver_name",
            "level_stability", "rank_p05", "rank_p95",
        ]  # fmt: skip
        out = pd.DataFrame(gdf[[c for c in cols if c in gdf.columns]])
        out = out.sort_values(["rank", "risk_index"], ascending=[True, False], kind="stable")
        out = out.reset_index(drop=True)
        return out.rename(columns=heading) if chinese else out

    def to_gpkg(self, path: str | Path, *, overwrite: bool = False) -> Path:
        """Write every layer into one GeoPackage (atomically: temp file, then rename).

        Raises
        ------
        OutputError
            If ``path`` exists and ``overwrite`` is false.
        """
        from gistool.io.write import write_gpkg_layers

        path = Path(path)
        write_gpkg_layers(
            {name: getattr(self, name) for name in self.LAYERS}, path, overwrite=overwrite
        )
        return path
