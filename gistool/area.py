"""The study area: every input layer of one assessment, held together.

"Hold, don't subclass": a small dataclass of GeoDataFrames and raster paths,
returned by :func:`gistool.datasets.load_changge` and by the pipeline's load
stage, accepted by :func:`gistool.assess_risk` and the network functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pyproj

from gistool.schema import VECTOR_KINDS


@dataclass
class StudyArea:
    """All layers of one study area, in one projected working CRS (metres).

    Attributes
    ----------
    name
        Name of the area (e.g. ``"长葛市"``).
    crs
        The working CRS every vector layer is in (e.g. EPSG:4547).
    boundary, townships, villages, enterprises, facilities, roads, rivers,
    geohazard_points, geohazard_zones
        Layers in the canonical schemas of :mod:`gistool.schema`; optional ones
        may be ``None``.
    dem
        Path of the DEM GeoTIFF (m), or ``None``.
    flood_depth
        Return period in years → path of a flood-depth GeoTIFF (m).
    synthetic
        Names of layers that are synthetic (printed on maps and reports).
    sources
        Layer name → a short source note (printed on maps and reports).
    """

    name: str
    crs: pyproj.CRS
    boundary: gpd.GeoDataFrame
    townships: gpd.GeoDataFrame
    villages: gpd.GeoDataFrame
    enterprises: gpd.GeoDataFrame | None = None
    facilities: gpd.GeoDataFrame | None = None
    roads: gpd.GeoDataFrame | None = None
    rivers: gpd.GeoDataFrame | None = None
    geohazard_points: gpd.GeoDataFrame | None = None
    geohazard_zones: gpd.GeoDataFrame | None = None
    dem: Path | None = None
    flood_depth: dict[int, Path] = field(default_factory=dict)
    synthetic: tuple[str, ...] = ()
    sources: dict[str, str] = field(default_factory=dict)

    VECTOR_LAYERS = VECTOR_KINDS

    def layers(self) -> dict[str, gpd.GeoDataFrame]:
        """The vector layers that are present, by name."""
        out = {}
        for name in self.VECTOR_LAYERS:
            gdf = getattr(self, name)
            if gdf is not None:
                out[name] = gdf
        return out

    def flood_scenario(self, wanted: int | None = None) -> tuple[int | None, Path | None]:
        """The flood scenario's return period and depth raster.

        ``wanted`` when :attr:`flood_depth` has it, else the rarest flood
        available (the largest return period); ``(None, None)`` without any
        flood raster.

        Examples
        --------
        >>> a = StudyArea("x", pyproj.CRS(4547), None, None, None,
        ...               flood_depth={20: Path("d20.tif"), 100: Path("d100.tif")})
        >>> a.flood_scenario(20)[0], a.flood_scenario(50)[0], a.flood_scenario(None)[0]
        (20, 100, 100)
        """
        if not self.flood_depth:
            return None, None
        T = wanted if wanted is not None and wanted in self.flood_depth else max(self.flood_depth)
        return T, Path(self.flood_depth[T])

    def __repr__(self) -> str:
        rows = [f"StudyArea({self.name!r}, crs={self.crs.to_string()})"]
        for name, gdf in self.layers().items():
            tag = " (synthetic)" if name in self.synthetic else ""
            rows.append(f"  {name}: {len(gdf)} features{tag}")
        if self.dem is not None:
            rows.append(f"  dem: {self.dem}")
        for rp, path in sorted(self.flood_depth.items()):
            rows.append(f"  flood_depth[{rp}]: {path}")
        return "\n".join(rows)
