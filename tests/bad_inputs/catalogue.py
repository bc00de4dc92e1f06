"""Broken inputs, each written by a small function, with the outcome gistool promises.

Every case derives its broken input from a good small study area (:class:`Base`:
two townships cut from the embedded Changge data, every layer in EPSG:4547),
so the same file can be fed to :func:`gistool.read_layer` /
:func:`gistool.validate_layer`, to ``gistool validate`` and, swapped into the
project's configuration, to ``gistool run``.

Outcomes
--------
``refused``
    An :class:`~gistool.errors.UserFacingError` subclass (CLI: exit code 2 and
    one line on stderr) whose message matches ``match``.
``repaired``
    The input is read and repaired; a warning of class ``expected`` whose text
    matches ``match`` is issued (CLI: exit code 0, the warning on stderr).
``flagged``
    Accepted, with a warning finding of the validation report matching
    ``match`` (``gistool validate`` prints it; exit code 0).
``accepted``
    Read correctly as it is: ``check(base, gdf)`` verifies the values (e.g. GBK
    names decoded right); nothing to warn about.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from gistool.errors import (
    ConfigError,
    CRSError,
    CRSWarning,
    DataRepairWarning,
    GeometryError,
    InputError,
    NetworkError,
    SchemaError,
)

Outcome = Literal["refused", "repaired", "flagged", "accepted"]


@dataclass
class Base:
    """The good project the broken inputs are derived from.

    Attributes
    ----------
    root
        Project directory (holds ``job.toml`` and ``data/``).
    job
        The good configuration (relative paths ``data/<kind>.gpkg``).
    """

    root: Path
    job: Path
    _cache: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)

    def layer(self, kind: str) -> gpd.GeoDataFrame:
        """A copy of the good layer ``kind`` (EPSG:4547)."""
        if kind not in self._cache:
            self._cache[kind] = pyogrio.read_dataframe(self.root / "data" / f"{kind}.gpkg")
        return self._cache[kind].copy()

    def raster(self, period: int) -> Path:
        """The good flood-depth raster of return period ``period``."""
        return self.root / "data" / f"flood_{period}.tif"


@dataclass(frozen=True)
class BadInput:
    """What a case wrote: a layer/raster file and how to read it, or a configuration.

    Attributes
    ----------
    path
        The broken file (a layer, a raster or the configuration).
    options
        Options of :func:`gistool.read_layer` / ``[layers.<kind>]`` (``crs``,
        ``coords``, ``encoding``, ``layer``, ``columns``).
    """

    path: Path
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Case:
    """One catalogue entry.

    Attributes
    ----------
    name
        Short identifier (test id, table row).
    kind
        Layer kind, ``"flood_depth"`` (a raster) or ``"config"``.
    what
        One line describing the broken input.
    build
        ``build(base, directory) -> BadInput`` writes the input under ``directory``.
    outcome
        ``"refused"`` or ``"repaired"``.
    expected
        The error class (refused) or warning class (repaired).
    match
        Regular expression the message must match (case-insensitive).
    stages
        ``--stages`` of the ``gistool run`` check (None: the whole pipeline).
    api
        ``"layer"``: the API check is ``read_layer`` + ``validate_layer``;
        ``"run"``: ``gistool.run`` (problems only a run can see).
    check
        ``accepted`` cases: ``check(base, gdf)`` asserts the values read.
    """

    name: str
    kind: str
    what: str
    build: Callable[[Base, Path], BadInput]
    outcome: Outcome
    expected: type[Exception] | type[Warning] | None
    match: str
    stages: str | None = None
    api: Literal["layer", "run"] = "layer"
    check: Callable[[Base, gpd.GeoDataFrame], None] | None = None


CASES: list[Case] = []


def case(
    kind: str, what: str, outcome: Outcome, expected: type[Exception] | type[Warning] | None,
    match: str = "", *, stages: str | None = None, api: Literal["layer", "run"] = "layer",
    check: Callable[[Base, gpd.GeoDataFrame], None] | None = None,
) -> Callable[[Callable[[Base, Path], BadInput]], Callable[[Base, Path], BadInput]]:
    """Register the decorated builder as a case named after the function.

    Cases that are not refused run ``gistool run --stages load,validate`` by default
    (a whole run would rewrite the outputs, which is what a good input should do).
    """

    def deco(fn: Callable[[Base, Path], BadInput]) -> Callable[[Base, Path], BadInput]:
        if stages is None and outcome != "refused" and kind != "config":
            run_stages: str | None = "load,validate"
        else:
            run_stages = stages
        CASES.append(Case(fn.__name__, kind, what, fn, outcome, expected, match, run_stages,
                          api, check))
        return fn

    return deco


# ----------------------------------------------------------------------------- helpers


def _gpkg(gdf: gpd.GeoDataFrame, path: Path, layer: str | None = None) -> BadInput:
    path.parent.mkdir(parents=True, exist_ok=True)
    pyogrio.write_dataframe(gdf, path, layer=layer or path.stem, driver="GPKG")
    return BadInput(path)


def _geojson(gdf: gpd.GeoDataFrame, path: Path) -> BadInput:
    path.parent.mkdir(parents=True, exist_ok=True)
    pyogrio.write_dataframe(gdf, path, driver="GeoJSON")
    return BadInput(path)


def _shp(gdf: gpd.GeoDataFrame, path: Path, encoding: str = "UTF-8") -> BadInput:
    path.parent.mkdir(parents=True, exist_ok=True)
    pyogrio.write_dataframe(gdf, path, driver="ESRI Shapefile", encoding=encoding)
    return BadInput(path)


def _xy_frame(gdf: gpd.GeoDataFrame, crs: str = "EPSG:4326") -> pd.DataFrame:
    pts = gdf.to_crs(crs)
    df = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    df["lon"], df["lat"] = pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy()
    return df


def _few(gdf: gpd.GeoDataFrame, n: int = 40) -> gpd.GeoDataFrame:
    return gdf.iloc[:n].copy()


def _rewrite_raster(src: Path, dst: Path, fn: Callable[[np.ndarray], np.ndarray],
                    **profile: Any) -> BadInput:
    import rasterio

    dst.parent.mkdir(parents=True, exist_ok=True)
    with rasterio.open(src) as ds:
        arr = ds.read(1)
        prof = ds.profile
    prof.update(profile)
    out = fn(arr)
    prof.update(height=out.shape[0], width=out.shape[1], dtype=str(out.dtype))
    with rasterio.open(dst, "w", **prof) as ds:
        ds.write(out, 1)
    return BadInput(dst)


def _same_names(kind: str, n: int | None = 40) -> Callable[[Base, gpd.GeoDataFrame], None]:
    """A check that the first ``n`` names were read exactly (Chinese text decoded right)."""

    def check(base: Base, gdf: gpd.GeoDataFrame) -> None:
        want = base.layer(kind)["name"].iloc[:n].tolist()
        assert gdf["name"].tolist() == want, gdf["name"].head().tolist()

    return check


# ----------------------------------------------------------------------------- boundary


@case("boundary", "Shapefile without .prj (no CRS)", "refused", CRSError,
      r"has no coordinate reference system.*crs=")
def boundary_no_crs(base: Base, d: Path) -> BadInput:
    got = _shp(base.layer("boundary"), d / "boundary.shp")
    (d / "boundary.prj").unlink()
    return got


@case("boundary", "Shapefile whose .prj is garbage text", "refused", InputError,
      r"boundary\.prj.*unreadable CRS")
def boundary_unknown_crs(base: Base, d: Path) -> BadInput:
    got = _shp(base.layer("boundary"), d / "boundary.shp")
    (d / "boundary.prj").write_text("PROJCS[nonsense", encoding="ascii")
    return got


@case("boundary", "GeoJSON with every coordinate pair as (lat, lon)", "refused", CRSError,
      r"swapped")
def boundary_lonlat_swapped(base: Base, d: Path) -> BadInput:
    g = base.layer("boundary").to_crs("EPSG:4326")
    g.geometry = shapely.transform(g.geometry.array, lambda xy: xy[:, ::-1])
    return _geojson(g, d / "boundary.geojson")


@case("boundary", "projected metres (EPSG:4547) labelled EPSG:4326", "refused", CRSError,
      r"look projected.*EPSG:4547")
def boundary_projected_declared_geographic(base: Base, d: Path) -> BadInput:
    g = base.layer("boundary").set_crs("EPSG:4326", allow_override=True)
    return _gpkg(g, d / "boundary.gpkg")


@case("boundary", "eastings with the Gauss–Krüger zone prefix 38 in EPSG:4547", "repaired",
      CRSWarning, r"zone prefix 38.*subtracting 38,000,000 m")
def boundary_zone_prefix(base: Base, d: Path) -> BadInput:
    g = base.layer("boundary")
    g.geometry = g.geometry.translate(xoff=38_000_000)
    return _gpkg(g, d / "boundary.gpkg")


@case("boundary", "empty (0-byte) GeoPackage", "refused", InputError, r"empty")
def boundary_empty_file(base: Base, d: Path) -> BadInput:
    p = d / "boundary.gpkg"
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(b"")
    return BadInput(p)


@case("boundary", "GeoPackage truncated to half its bytes", "refused", InputError,
      r"boundary\.gpkg")
def boundary_truncated(base: Base, d: Path) -> BadInput:
    got = _gpkg(base.layer("boundary"), d / "full.gpkg")
    p = d / "boundary.gpkg"
    raw = got.path.read_bytes()
    p.write_bytes(raw[: len(raw) // 2])
    got.path.unlink()
    return BadInput(p)


@case("boundary", "self-intersecting ring (a 200 m spike out and back)", "repaired",
      DataRepairWarning, r"made 1 invalid geometr")
def boundary_self_intersecting(base: Base, d: Path) -> BadInput:
    g = base.layer("boundary")
    ring = np.asarray(g.geometry.iloc[0].exterior.coords)
    p0, p1 = ring[0], ring[1]
    away = p0 + 200.0 * (p0 - p1) / np.hypot(*(p0 - p1))
    spiked = np.vstack([p0, away, ring])
    g.geometry = [shapely.Polygon(spiked)]
    assert not g.geometry.iloc[0].is_valid
    return _gpkg(g, d / "boundary.gpkg")


@case("boundary", "GeoJSON that is not JSON (random bytes)", "refused", InputError,
      r"boundary\.geojson")
def boundary_corrupt_geojson(base: Base, d: Path) -> BadInput:
    p = d / "boundary.geojson"
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(np.random.default_rng(1).bytes(2000))
    return BadInput(p)


@case("boundary", "ZIP archive with no Shapefile inside", "refused", InputError,
      r"boundary\.zip")
def boundary_zip_without_shapefile(base: Base, d: Path) -> BadInput:
    p = d / "boundary.zip"
    p.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("readme.txt", "no layer here")
    return BadInput(p)


# ----------------------------------------------------------------------------- townships


@case("townships", "9-digit codes cut to 8 digits", "refused", SchemaError, r"code")
def townships_code_wrong_length(base: Base, d: Path) -> BadInput:
    g = base.layer("townships")
    g["code"] = g["code"].astype(str).str[:8]
    return _gpkg(g, d / "townships.gpkg")


@case("townships", "required column 'name' missing", "refused", SchemaError, r"'name'")
def townships_missing_column(base: Base, d: Path) -> BadInput:
    return _gpkg(base.layer("townships").drop(columns="name"), d / "townships.gpkg")


@case("townships", "points instead of polygons", "refused", GeometryError, r"[Pp]oint")
def townships_points(base: Base, d: Path) -> BadInput:
    g = base.layer("townships")
    g.geometry = g.geometry.representative_point()
    return _gpkg(g, d / "townships.gpkg")


@case("townships", "unknown kind value '开发区'", "flagged", None, r"开发区")
def townships_unknown_kind(base: Base, d: Path) -> BadInput:
    g = base.layer("townships")
    g.loc[g.index[0], "kind"] = "开发区"
    return _gpkg(g, d / "townships.gpkg")


# ----------------------------------------------------------------------------- villages


@case("villages", "two villages share one 12-digit code", "refused", InputError,
      r"code.*(duplicate|twice|repeated|unique)|(duplicate|twice|repeated|unique).*code")
def villages_duplicated_code(base: Base, d: Path) -> BadInput:
    g = base.layer("villages")
    g.loc[g.index[1], "code"] = g.loc[g.index[0], "code"]
    return _gpkg(g, d / "villages.gpkg")


@case("villages", "population given as text ('很多')", "refused", SchemaError, r"population")
def villages_population_text(base: Base, d: Path) -> BadInput:
    g = base.layer("villages")
    g["population"] = g["population"].astype(str)
    g.loc[g.index[3], "population"] = "很多"
    return _gpkg(g, d / "villages.gpkg")


@case("villages", "negative population", "refused", SchemaError, r"population")
def villages_negative_population(base: Base, d: Path) -> BadInput:
    g = base.layer("villages")
    g.loc[g.index[2], "population"] = -5
    return _gpkg(g, d / "villages.gpkg")


@case("villages", "two extra rows: one empty geometry, one null", "repaired", DataRepairWarning,
      r"dropped.*(empty|null)")
def villages_empty_geometries(base: Base, d: Path) -> BadInput:
    g = base.layer("villages")
    extra = g.iloc[:2].copy()
    extra["code"] = ["411082003901", "411082003902"]
    extra.geometry = [shapely.Polygon(), None]
    return _gpkg(pd.concat([g, extra], ignore_index=True), d / "villages.gpkg")


@case("villages", "GBK .dbf with a .cpg that says UTF-8", "accepted", None,
      check=_same_names("villages", None))
def villages_gbk_declared_utf8(base: Base, d: Path) -> BadInput:
    got = _shp(base.layer("villages"), d / "villages.shp", encoding="GBK")
    (d / "villages.cpg").write_text("UTF-8", encoding="ascii")
    # a Shapefile cuts field names to 10 characters
    return BadInput(got.path, {"columns": {"township_c": "township_code"}})


@case("villages", "GBK .dbf read with encoding='utf-8' stated", "refused", InputError,
      r"utf-8|UTF-8")
def villages_gbk_stated_utf8(base: Base, d: Path) -> BadInput:
    got = _shp(base.layer("villages"), d / "villages.shp", encoding="GBK")
    (d / "villages.cpg").unlink(missing_ok=True)
    return BadInput(got.path, {"encoding": "utf-8",
                               "columns": {"township_c": "township_code"}})


@case("villages", "a polygon and a stray line in one GeometryCollection", "refused",
      GeometryError, r"GeometryCollection")
def villages_mixed_types(base: Base, d: Path) -> BadInput:
    g = base.layer("villages")
    geoms = g.geometry.array.copy()
    geoms[0] = shapely.GeometryCollection([geoms[0], shapely.LineString(
        [geoms[0].centroid, shapely.Point(geoms[0].centroid.x + 50, geoms[0].centroid.y)])])
    g.geometry = geoms
    return _gpkg(g, d / "villages.gpkg")


@case("villages", "a 1 MB village name", "repaired", DataRepairWarning,
      r"longer than 1,000 characters")
def villages_huge_attribute(base: Base, d: Path) -> BadInput:
    g = base.layer("villages")
    g["name"] = g["name"].astype(object)
    g.loc[g.index[0], "name"] = "村" * 1_000_000
    return _gpkg(g, d / "villages.gpkg")


@case("villages", "township_code naming no township of the layer's county", "refused",
      SchemaError, r"township_code")
def villages_township_code_wrong_length(base: Base, d: Path) -> BadInput:
    g = base.layer("villages")
    g["township_code"] = g["township_code"].astype(str).str[:6]
    return _gpkg(g, d / "villages.gpkg")


# ----------------------------------------------------------------------------- enterprises


@case("enterprises", "a third of the enterprises moved 40 km east, outside the county",
      "refused", InputError, r"outside")
def enterprises_outside_county(base: Base, d: Path) -> BadInput:
    g = _few(base.layer("enterprises"), 60)
    g.geometry = [p if i % 3 else shapely.Point(p.x + 40_000, p.y)
                  for i, p in enumerate(g.geometry)]
    return _gpkg(g, d / "enterprises.gpkg")


@case("enterprises", "GCJ-02 (Amap) lon/lat in a CSV read as WGS84", "repaired", CRSWarning,
      r"GCJ-02")
def enterprises_gcj02_as_wgs84(base: Base, d: Path) -> BadInput:
    from gistool.crs import wgs84_to_gcj02

    df = _xy_frame(base.layer("enterprises"))
    df["lon"], df["lat"] = wgs84_to_gcj02(df["lon"].to_numpy(), df["lat"].to_numpy())
    p = d / "enterprises.csv"
    p.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(p, index=False, encoding="utf-8-sig")
    return BadInput(p)


@case("enterprises", "CSV with the 经度/纬度 values swapped", "refused", InputError,
      r"swapped")
def enterprises_lonlat_swapped_csv(base: Base, d: Path) -> BadInput:
    df = _xy_frame(_few(base.layer("enterprises")))
    df = df.rename(columns={"lon": "纬度", "lat": "经度"})
    p = d / "enterprises.csv"
    p.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(p, index=False, encoding="utf-8-sig")
    return BadInput(p)


@case("enterprises", "two enterprises with the same id", "refused", InputError, r"\bid\b")
def enterprises_duplicated_id(base: Base, d: Path) -> BadInput:
    g = _few(base.layer("enterprises"))
    g.loc[g.index[1], "id"] = g.loc[g.index[0], "id"]
    return _gpkg(g, d / "enterprises.gpkg")


@case("enterprises", "unknown category '核电'", "refused", SchemaError, r"category")
def enterprises_unknown_category(base: Base, d: Path) -> BadInput:
    g = _few(base.layer("enterprises"))
    g["category"] = g["category"].astype(object)
    g.loc[g.index[0], "category"] = "核电"
    return _gpkg(g, d / "enterprises.gpkg")


@case("enterprises", "CSV in GBK read without stating the encoding", "accepted", None,
      check=_same_names("enterprises"))
def enterprises_csv_gbk(base: Base, d: Path) -> BadInput:
    df = _xy_frame(_few(base.layer("enterprises")))
    p = d / "enterprises.csv"
    p.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(p, index=False, encoding="gbk")
    return BadInput(p)


@case("enterprises", "XLSX with a merged title row above the header", "accepted", None,
      check=_same_names("enterprises"))
def enterprises_xlsx_merged_header(base: Base, d: Path) -> BadInput:
    from openpyxl import Workbook

    df = _xy_frame(_few(base.layer("enterprises")))
    wb = Workbook()
    ws = wb.active
    ws.title = "企业"
    ws.append(["长葛市重点企业名录（2024年）"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(df.columns))
    ws.append(list(df.columns))
    for row in df.itertuples(index=False):
        ws.append([v.item() if hasattr(v, "item") else v for v in row])
    p = d / "enterprises.xlsx"
    p.parent.mkdir(parents=True, exist_ok=True)
    wb.save(p)
    return BadInput(p)


@case("enterprises", "an infinite longitude in a CSV", "refused", InputError, r"lon|经度")
def enterprises_inf_coordinates(base: Base, d: Path) -> BadInput:
    df = _xy_frame(_few(base.layer("enterprises")))
    df.loc[df.index[2], "lon"] = np.inf
    p = d / "enterprises.csv"
    p.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(p, index=False, encoding="utf-8-sig")
    return BadInput(p)


@case("enterprises", "CSV with a header and no rows", "refused", InputError,
      r"enterprises\.csv.*(no geometries|no rows|no features|empty)")
def enterprises_header_only_csv(base: Base, d: Path) -> BadInput:
    df = _xy_frame(_few(base.layer("enterprises"))).iloc[:0]
    p = d / "enterprises.csv"
    p.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(p, index=False, encoding="utf-8-sig")
    return BadInput(p)


@case("enterprises", "single-point MultiPoints", "repaired", DataRepairWarning,
      r"MultiPoint|multi-part|single")
def enterprises_multipoint(base: Base, d: Path) -> BadInput:
    g = _few(base.layer("enterprises"))
    g.geometry = shapely.multipoints(g.geometry.array, indices=np.arange(len(g)))
    return _gpkg(g, d / "enterprises.gpkg")


@case("enterprises", "MultiPoints with two distant parts", "refused", GeometryError,
      r"MultiPoint|parts")
def enterprises_multipoint_parts(base: Base, d: Path) -> BadInput:
    g = _few(base.layer("enterprises"))
    pts = g.geometry.array
    geoms = list(pts)
    geoms[0] = shapely.MultiPoint([pts[0], pts[5]])
    g.geometry = geoms
    return _gpkg(g, d / "enterprises.gpkg")


@case("enterprises", "an .xlsx that is random bytes", "refused", InputError,
      r"enterprises\.xlsx")
def enterprises_corrupt_xlsx(base: Base, d: Path) -> BadInput:
    p = d / "enterprises.xlsx"
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(b"PK\x03\x04" + np.random.default_rng(2).bytes(3000))
    return BadInput(p)


@case("enterprises", "credit codes of 17 characters", "refused", SchemaError, r"credit_code")
def enterprises_credit_code_wrong_length(base: Base, d: Path) -> BadInput:
    g = _few(base.layer("enterprises"))
    g["credit_code"] = g["credit_code"].astype(str).str[:17]
    return _gpkg(g, d / "enterprises.gpkg")


# ----------------------------------------------------------------------------- facilities


@case("facilities", "unknown facility kind 'spaceport'", "refused", SchemaError, r"kind")
def facilities_unknown_kind(base: Base, d: Path) -> BadInput:
    g = base.layer("facilities")
    g["kind"] = g["kind"].astype(object)
    g.loc[g.index[0], "kind"] = "spaceport"
    return _gpkg(g, d / "facilities.gpkg")


@case("facilities", "CSV of x/y metres with no CRS stated", "refused", CRSError, r"crs")
def facilities_xy_without_crs(base: Base, d: Path) -> BadInput:
    g = base.layer("facilities")
    df = pd.DataFrame(g.drop(columns="geometry"))
    df["x"], df["y"] = g.geometry.x, g.geometry.y
    p = d / "facilities.csv"
    p.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(p, index=False, encoding="utf-8-sig")
    return BadInput(p)


# ----------------------------------------------------------------------------- roads


@case("roads", "polygons instead of lines", "refused", GeometryError, r"[Pp]olygon|[Ll]ine")
def roads_polygons(base: Base, d: Path) -> BadInput:
    g = base.layer("roads").iloc[:200].copy()
    g.geometry = g.geometry.buffer(5)
    return _gpkg(g, d / "roads.gpkg")


@case("roads", "unknown road class 'hyperloop' and no speed_kmh", "refused", SchemaError,
      r"column 'road_class'.*hyperloop")
def roads_unknown_class(base: Base, d: Path) -> BadInput:
    g = base.layer("roads")
    g["road_class"] = g["road_class"].astype(object)
    g.loc[g.index[0], "road_class"] = "hyperloop"
    g.loc[g.index[0], "speed_kmh"] = np.nan
    return _gpkg(g, d / "roads.gpkg")


@case("roads", "a road network far from every facility (no component holds one)", "refused",
      NetworkError, r"facilit", api="run")
def roads_no_component_with_facility(base: Base, d: Path) -> BadInput:
    g = base.layer("roads")
    x0, y0, _, _ = g.total_bounds
    # a small grid of roads 30 km south-west of the area: nothing is reachable
    lines = []
    for i in range(4):
        lines.append(shapely.LineString([(x0 - 30_000, y0 - 30_000 + i * 300),
                                         (x0 - 29_100, y0 - 30_000 + i * 300)]))
        lines.append(shapely.LineString([(x0 - 30_000 + i * 300, y0 - 30_000),
                                         (x0 - 30_000 + i * 300, y0 - 29_100)]))
    r = gpd.GeoDataFrame({"road_class": ["county"] * len(lines)}, geometry=lines,
                         crs=g.crs)
    return _gpkg(r, d / "roads.gpkg")


# ----------------------------------------------------------------------------- rivers


@case("rivers", "no 'name' column", "refused", SchemaError, r"'name'")
def rivers_missing_name(base: Base, d: Path) -> BadInput:
    return _gpkg(base.layer("rivers").drop(columns="name"), d / "rivers.gpkg")


@case("rivers", "rivers with zero-length (degenerate) lines", "repaired", DataRepairWarning,
      r"dropped|empty|degenerate|repaired")
def rivers_degenerate_lines(base: Base, d: Path) -> BadInput:
    g = base.layer("rivers")
    geoms = list(g.geometry.array)
    p = geoms[0].coords[0]
    geoms.append(shapely.LineString([p, p]))
    g = gpd.GeoDataFrame({"name": [*g["name"], "断流"]}, geometry=geoms, crs=g.crs)
    return _gpkg(g, d / "rivers.gpkg")


@case("rivers", "crs = 'EPSG:999999' stated for the layer (unknown to PROJ)", "refused",
      CRSError, r"rivers\.gpkg.*EPSG:999999.*not a coordinate reference system")
def rivers_unknown_stated_crs(base: Base, d: Path) -> BadInput:
    got = _gpkg(base.layer("rivers"), d / "rivers.gpkg")
    return BadInput(got.path, {"crs": "EPSG:999999"})


# ----------------------------------------------------------------------------- geohazards


def _geohazard_points(base: Base) -> gpd.GeoDataFrame:
    b = base.layer("villages")
    pts = b.geometry.representative_point().iloc[:6]
    return gpd.GeoDataFrame(
        {"id": [f"G{i}" for i in range(len(pts))],
         "hazard_type": ["collapse", "landslide", "subsidence"] * 2,
         "threatened_people": [10, 20, 0, 5, 3, 8]},
        geometry=pts.to_numpy(), crs=b.crs,
    )


@case("geohazard_points", "unknown hazard type 'volcano'", "refused", SchemaError,
      r"hazard_type")
def geohazard_points_unknown_type(base: Base, d: Path) -> BadInput:
    g = _geohazard_points(base)
    g.loc[g.index[0], "hazard_type"] = "volcano"
    return _gpkg(g, d / "geohazard_points.gpkg")


@case("geohazard_points", "threatened_people = -3", "refused", SchemaError,
      r"threatened_people")
def geohazard_points_negative_people(base: Base, d: Path) -> BadInput:
    g = _geohazard_points(base)
    g.loc[g.index[1], "threatened_people"] = -3
    return _gpkg(g, d / "geohazard_points.gpkg")


@case("geohazard_zones", "susceptibility 'extreme'", "refused", SchemaError, r"susceptibility")
def geohazard_zones_bad_susceptibility(base: Base, d: Path) -> BadInput:
    v = base.layer("villages").iloc[:4]
    g = gpd.GeoDataFrame({"susceptibility": ["high", "medium", "low", "extreme"]},
                         geometry=v.geometry.to_numpy(), crs=v.crs)
    return _gpkg(g, d / "geohazard_zones.gpkg")


# ----------------------------------------------------------------------------- rasters


@case("flood_depth", "100-year depth raster with nodata everywhere", "refused", InputError,
      r"flood_100\.tif.*rasters\.flood_depth\.100.*no valid cell")
def raster_nodata_only(base: Base, d: Path) -> BadInput:
    return _rewrite_raster(base.raster(100), d / "flood_100.tif",
                           lambda a: np.full_like(a, -9999.0))


@case("flood_depth", "NaN and +inf cells in the 100-year depths", "repaired",
      DataRepairWarning, r"flood_100\.tif.*2,900 NaN/inf cell\(s\).*treated as nodata")
def raster_nan_inf(base: Base, d: Path) -> BadInput:
    def spoil(a: np.ndarray) -> np.ndarray:
        a = a.copy()
        a[:50, :50] = np.nan
        a[60:80, 60:80] = np.inf
        return a

    return _rewrite_raster(base.raster(100), d / "flood_100.tif", spoil)


@case("flood_depth", "raster 100 km east of the boundary", "refused", InputError,
      r"flood_100\.tif.*does not overlap the study area")
def raster_not_overlapping(base: Base, d: Path) -> BadInput:
    import rasterio

    with rasterio.open(base.raster(100)) as ds:
        t = ds.transform
    from affine import Affine

    moved = Affine(t.a, t.b, t.c + 100_000, t.d, t.e, t.f)
    return _rewrite_raster(base.raster(100), d / "flood_100.tif", lambda a: a, transform=moved)


@case("flood_depth", "raster in UTM 49N (EPSG:32649) instead of EPSG:4547", "refused",
      InputError, r"flood_100\.tif.*reproject")
def raster_other_crs(base: Base, d: Path) -> BadInput:
    return _rewrite_raster(base.raster(100), d / "flood_100.tif", lambda a: a,
                           crs="EPSG:32649")


@case("flood_depth", "GeoTIFF truncated to 3 kB", "refused", InputError,
      r"flood_100\.tif.*(truncated|damaged)")
def raster_truncated(base: Base, d: Path) -> BadInput:
    p = d / "flood_100.tif"
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(base.raster(100).read_bytes()[:3000])
    return BadInput(p)


@case("flood_depth", "empty (0-byte) .tif", "refused", InputError,
      r"flood_100\.tif.*cannot be opened")
def raster_empty_file(base: Base, d: Path) -> BadInput:
    p = d / "flood_100.tif"
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(b"")
    return BadInput(p)


@case("flood_depth", "20 m cells instead of 10 m (another resolution)", "accepted", None,
      stages="load,validate,overlay")
def raster_other_resolution(base: Base, d: Path) -> BadInput:
    import rasterio

    with rasterio.open(base.raster(100)) as ds:
        t = ds.transform
    from affine import Affine

    coarse = Affine(t.a * 2, t.b, t.c, t.d, t.e * 2, t.f)
    return _rewrite_raster(base.raster(100), d / "flood_100.tif",
                           lambda a: np.ascontiguousarray(a[::2, ::2]), transform=coarse)


# ----------------------------------------------------------------------------- config


def _config(base: Base, d: Path, extra: str = "", text: str | None = None) -> BadInput:
    """A configuration next to the good one (same allowed tree), named after the case."""
    p = base.root / f"case_{d.name}.toml"
    body = base.job.read_text(encoding="utf-8") if text is None else text
    p.write_text(body + extra, encoding="utf-8")
    return BadInput(p)


@case("config", "a misspelt key ([units] grid_size = 500)", "refused", ConfigError,
      r"'units\.grid_size'.*(spelling|remove)")
def config_unknown_key(base: Base, d: Path) -> BadInput:
    return _config(base, d, "[units]\ngrid_size = 500\n")


@case("config", "a number given as text (grid_size_m = \"big\")", "refused", ConfigError,
      r"'units\.grid_size_m'")
def config_wrong_type(base: Base, d: Path) -> BadInput:
    return _config(base, d, '[units]\ngrid_size_m = "big"\n')


@case("config", "a layer path escaping the project (../../../etc/passwd)", "refused",
      ConfigError, r"outside the allowed tree")
def config_path_outside(base: Base, d: Path) -> BadInput:
    text = base.job.read_text(encoding="utf-8").replace(
        'path = "data/rivers.gpkg"', 'path = "../../../../../../../../etc/passwd"')
    return _config(base, d, text=text)


@case("config", "a symbolic link inside the project pointing outside it", "refused",
      ConfigError, r"outside the allowed tree")
def config_symlink_outside(base: Base, d: Path) -> BadInput:
    d.mkdir(parents=True, exist_ok=True)
    (d / "rivers.gpkg").symlink_to(Path("/etc/hostname"))
    text = base.job.read_text(encoding="utf-8").replace(
        "data/rivers.gpkg", f"cases/{d.name}/rivers.gpkg")
    return _config(base, d, text=text)


@case("config", "not TOML (a YAML document with a Python object tag)", "refused",
      ConfigError, r"not valid TOML")
def config_yaml_object_tag(base: Base, d: Path) -> BadInput:
    p = base.root / f"case_{d.name}.toml"
    p.write_text("area: !!python/object/apply:os.system ['touch /tmp/pwned']\n",
                 encoding="utf-8")
    return BadInput(p)


@case("config", "configuration saved in GBK", "refused", ConfigError, r"not UTF-8")
def config_not_utf8(base: Base, d: Path) -> BadInput:
    p = base.root / f"case_{d.name}.toml"
    p.write_bytes('[area]\nname = "长葛市"\n'.encode("gbk"))
    return BadInput(p)


@case("config", "a layer file that does not exist", "refused", ConfigError, r"not found")
def config_missing_file(base: Base, d: Path) -> BadInput:
    text = base.job.read_text(encoding="utf-8").replace("data/rivers.gpkg", "data/河流.gpkg")
    return _config(base, d, text=text)


@case("config", "a flood raster path naming a directory", "refused", ConfigError,
      r"rasters\.flood_depth\.20.*is a directory")
def config_raster_directory(base: Base, d: Path) -> BadInput:
    text = base.job.read_text(encoding="utf-8").replace('"data/flood_20.tif"', '"data"')
    return _config(base, d, text=text)


@case("config", "an unknown layer kind [layers.lakes]", "refused", ConfigError,
      r"layers\.lakes.*unknown layer kind")
def config_unknown_layer_kind(base: Base, d: Path) -> BadInput:
    return _config(base, d, '[layers.lakes]\npath = "data/rivers.gpkg"\n')


@case("config", "a negative return period", "refused", ConfigError, r"return period")
def config_negative_return_period(base: Base, d: Path) -> BadInput:
    text = base.job.read_text(encoding="utf-8").replace("20 = ", "-20 = ")
    return _config(base, d, text=text)


@case("config", "required boundary layer left out", "refused", ConfigError, r"boundary")
def config_missing_boundary(base: Base, d: Path) -> BadInput:
    text = base.job.read_text(encoding="utf-8").replace(
        '[layers.boundary]\npath = "data/boundary.gpkg"\n', "")
    return _config(base, d, text=text)
