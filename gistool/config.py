"""Run configuration: a TOML file validated by pydantic models (``gistool run config.toml``).

A configuration names the study area(s), where each input layer lives and how
to read it, and every analysis parameter. It is parsed with :mod:`tomllib`
(data only: no evaluation, no object tags) and validated with ``extra="forbid"``
models, so a misspelt key is refused instead of silently ignored. Every error
is a one-line :class:`~gistool.errors.ConfigError` naming the **key path**
(e.g. ``layers.enterprises.coords``) and the fix.

Paths
-----
Relative paths are resolved against the directory of the configuration file.
A resolved path (after following ``..`` and symbolic links) must lie inside
the *allowed tree*: the configuration file's directory, plus any root passed
as ``allowed_roots=`` or listed in the environment variable
``GISTOOL_ALLOWED_ROOTS`` (separated by ``os.pathsep``). A path outside it is
refused, so a configuration received from elsewhere cannot make gistool read
arbitrary files. The embedded Changge data are named with
``builtin = "changge"`` instead of paths.

Shape
-----
One area::

    [area]
    name = "长葛市"
    [layers.villages]
    path = "data/villages.gpkg"

or several (a province job), sharing the analysis sections::

    [[areas]]
    name = "A"
    builtin = "changge"
    [[areas]]
    name = "B"
    [areas.layers.boundary]
    path = "b/boundary.gpkg"

Examples
--------
>>> cfg = parse_config({"area": {"name": "长葛市", "builtin": "changge"}})
>>> cfg.areas[0].name, cfg.units.grid_size_m, cfg.weights.method
('长葛市', 500.0, 'ahp')
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from gistool.errors import ConfigError
from gistool.params import (
    AssessParams,
    CapacityIndicatorParams,
    CapacityParams,
    ClassifyParams,
    ExposureParams,
    FourColourParams,
    HazardParams,
    IndexParams,
    RescueNetworkParams,
    SensitivityParams,
    VulnerabilityParams,
    WeightingParams,
    ZoningParams,
)
from gistool.schema import VECTOR_KINDS

# The analysis tables are the parameter models of gistool.params themselves (one place
# for every threshold, its validation and its file key): [indicators] holds the H, E, V
# tables plus the index and capacity-indicator keys, [network] the rescue-network keys,
# [weights], [classification] and [zoning] are WeightingParams, ClassifyParams and
# ZoningParams. Only the network's graph and output settings are the file's own.

__all__ = [
    "LAYER_KINDS",
    "AreaSpec",
    "Config",
    "LayerSpec",
    "load_config",
    "parse_config",
]

#: Vector layer kinds a configuration may name (DESIGN §1).
LAYER_KINDS: tuple[str, ...] = VECTOR_KINDS
#: Layers every area needs.
REQUIRED_LAYERS: tuple[str, ...] = ("boundary", "townships", "villages")
#: Environment variable with extra allowed roots for input paths.
ALLOWED_ROOTS_ENV = "GISTOOL_ALLOWED_ROOTS"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LayerSpec(_Model):
    """``[layers.<kind>]``: one input layer and how to read it (:func:`gistool.read_layer`)."""

    path: Path
    layer: str | None = None
    crs: str | int | None = None
    coords: Literal["wgs84", "gcj02", "bd09"] | None = None
    encoding: str | None = None
    columns: dict[str, str] = Field(default_factory=dict)


class RasterSpec(_Model):
    """``[rasters]``: DEM and flood depth GeoTIFFs (metres)."""

    dem: Path | None = None
    flood_depth: dict[int, Path] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _periods(self) -> RasterSpec:
        bad = [t for t in self.flood_depth if t <= 0]
        if bad:
            msg = f"return periods must be positive years, got {bad}"
            raise ValueError(msg)
        return self


class AreaSpec(_Model):
    """One study area: a name and its inputs (``builtin`` or ``layers`` + ``rasters``)."""

    name: str = Field(min_length=1)
    builtin: Literal["changge"] | None = None
    layers: dict[str, LayerSpec] = Field(default_factory=dict)
    rasters: RasterSpec = RasterSpec()

    @model_validator(mode="after")
    def _sources(self) -> AreaSpec:
        unknown = sorted(set(self.layers) - set(LAYER_KINDS))
        if unknown:
            msg = f"unknown layer kind {unknown[0]!r}; use one of {', '.join(LAYER_KINDS)}"
            raise ValueError(msg)
        if self.name != self.name.strip() or any(ord(c) < 32 for c in self.name):
            msg = "the name must not have control characters or surrounding spaces"
            raise ValueError(msg)
        if self.builtin is None:
            missing = [k for k in REQUIRED_LAYERS if k not in self.layers]
            if missing:
                msg = (
                    f"layers {missing} are required: add [layers.{missing[0]}] path = ... "
                    'or use builtin = "changge"'
                )
                raise ValueError(msg)
        elif self.layers or self.rasters.dem or self.rasters.flood_depth:
            msg = "give either builtin = \"changge\" or layers/rasters, not both"
            raise ValueError(msg)
        return self

    def slug(self) -> str:
        """A file-system-safe directory name for this area."""
        return safe_name(self.name)


class UnitsSpec(_Model):
    """``[units]``: analysis units."""

    grid_size_m: float = AssessParams.model_fields["grid_size_m"]


class IndicatorsSpec(CapacityIndicatorParams, IndexParams):
    """``[indicators]``: thresholds and weights of H, E, V, C (see ``AssessParams``).

    The keys of :class:`~gistool.params.IndexParams` (``index_method``,
    ``floor``, ``normalization``) and
    :class:`~gistool.params.CapacityIndicatorParams`, and one table per factor.
    """

    hazard: HazardParams = HazardParams()
    exposure: ExposureParams = ExposureParams()
    vulnerability: VulnerabilityParams = VulnerabilityParams()
    four_colour: FourColourParams = FourColourParams()
    sensitivity: SensitivityParams = SensitivityParams()


class NetworkSpec(RescueNetworkParams):
    """``[network]``: road graph, flood scenario and reachability thresholds.

    The keys of :class:`~gistool.params.RescueNetworkParams`, plus how the
    graph is built and which reachability layers a run writes.
    """

    snap_tolerance_m: float = Field(1.0, ge=0)
    node_crossings: bool = False
    speeds: dict[str, float] = Field(default_factory=dict)
    thresholds_min: list[float] = Field(default_factory=lambda: [5.0, 10.0, 15.0, 30.0])
    isochrones: bool = True
    critical_links: int = Field(20, ge=0)
    routes: int = Field(10, ge=0)

    @model_validator(mode="after")
    def _speeds(self) -> NetworkSpec:
        if any(v <= 0 for v in self.speeds.values()):
            msg = "speeds must be positive km/h"
            raise ValueError(msg)
        return self


def _part(model: type[BaseModel], *tables: BaseModel) -> Any:
    """An instance of ``model`` from the same-named fields of configuration tables."""
    values = {
        name: getattr(t, name)
        for t in tables
        for name in type(t).model_fields
        if name in model.model_fields
    }
    return model(**values)


class MapsSpec(_Model):
    """``[maps]``: static map settings."""

    enabled: bool = True
    page: Literal["A4", "A3"] = "A4"
    dpi: int = Field(200, ge=50, le=1200)
    date: str | None = None


class OutputSpec(_Model):
    """``[output]``: where and what to write."""

    dir: Path | None = None
    formats: list[Literal["gpkg", "tif", "csv", "xlsx", "png", "pdf", "html"]] = Field(
        default_factory=lambda: ["gpkg", "tif", "csv", "xlsx", "png", "pdf", "html"]
    )


class Config(_Model):
    """A validated run configuration (one area or several).

    Attributes
    ----------
    areas
        The study areas (one for an ``[area]`` file).
    multi
        True when the file listed ``[[areas]]``.
    source
        The configuration file (``None`` when built from a mapping).
    """

    areas: list[AreaSpec]
    multi: bool = False
    units: UnitsSpec = UnitsSpec()
    indicators: IndicatorsSpec = IndicatorsSpec()
    weights: WeightingParams = WeightingParams()
    classification: ClassifyParams = ClassifyParams()
    zoning: ZoningParams = ZoningParams()
    network: NetworkSpec = NetworkSpec()
    maps: MapsSpec = MapsSpec()
    output: OutputSpec = OutputSpec()
    source: Path | None = None

    def assess_params(self) -> AssessParams:
        """The :class:`gistool.assess.AssessParams` this configuration sets.

        The tables are the parameter models; only where the file groups keys
        differently (capacity over ``[network]`` and ``[indicators]``, the index
        in ``[indicators]``) are they gathered by field name.
        """
        ind = self.indicators
        return AssessParams(
            grid_size_m=self.units.grid_size_m,
            hazard=ind.hazard,
            exposure=ind.exposure,
            vulnerability=ind.vulnerability,
            four_colour=ind.four_colour,
            sensitivity=ind.sensitivity,
            capacity=_part(CapacityParams, self.network, ind),
            weighting=self.weights,
            index=_part(IndexParams, ind),
            classification=self.classification,
            zoning=self.zoning,
        )

    def section(self, name: str) -> Any:
        """A JSON-ready dump of one section or key (``"network"``, ``"indicators.hazard"``).

        Used in cache keys: a stage's key holds exactly the settings it reads.
        """
        value: Any = self
        for part in name.split("."):
            value = getattr(value, part)
        return value.model_dump(mode="json") if isinstance(value, BaseModel) else value


# ----------------------------------------------------------------------------- parsing


def safe_name(name: str) -> str:
    """A name usable as a single path component: no separators, dots or control characters.

    >>> safe_name("../etc/长葛 市")
    'etc_长葛_市'
    """
    out = "".join(c if (c.isalnum() or c in "-_") else "_" for c in name)
    out = out.strip("_.") or "area"
    while "__" in out:
        out = out.replace("__", "_")
    return out[:80]


def _key_path(loc: Sequence[Any], prefix: str = "") -> str:
    parts = [str(p) for p in loc if not (isinstance(p, str) and p.startswith("function-after"))]
    path = ".".join(parts)
    return f"{prefix}{path}" if path else (prefix.rstrip(".") or "config")


def _fix_for(err: Mapping[str, Any]) -> str:
    kind = err.get("type", "")
    if kind == "extra_forbidden":
        return "remove it or check its spelling (`gistool init-config` writes every known key)"
    if kind == "missing":
        return "add it"
    if kind.startswith("literal_error"):
        return "use one of the values listed"
    if kind in ("value_error", "assertion_error"):
        return "see the message"
    return "give a value of the right type"


def _validation_message(err: Mapping[str, Any], where: str, prefix: str = "") -> str:
    key = _key_path(err["loc"], prefix)
    text = err["msg"].removeprefix("Value error, ")
    got = err.get("input")
    plain = not isinstance(got, dict | list) and err.get("type") != "missing"
    shown = f" (got {got!r})" if plain else ""
    return f"{where}: key '{key}': {text}{shown}; {_fix_for(err)}"


def _normalise(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Turn a single-area ``[area]``/``[layers]``/``[rasters]`` file into the ``areas`` form."""
    data = dict(raw)
    if "areas" in data:
        for key in ("area", "layers", "rasters"):
            if key in data:
                msg = (
                    f"key '{key}': a file with [[areas]] keeps layers inside each area; "
                    f"move [{key}] into an [[areas]] entry"
                )
                raise ConfigError(msg)
        if not isinstance(data["areas"], list) or not data["areas"]:
            msg = "key 'areas': must be a non-empty list of [[areas]] tables"
            raise ConfigError(msg)
        data["multi"] = True
        return data
    if "area" not in data:
        msg = "key 'area': missing; add [area] name = \"...\" (or [[areas]] for several areas)"
        raise ConfigError(msg)
    area = data.pop("area")
    if not isinstance(area, Mapping):
        msg = "key 'area': must be a table ([area] name = ...)"
        raise ConfigError(msg)
    area = dict(area)
    for key in ("layers", "rasters"):
        if key in data:
            area[key] = data.pop(key)
    data["areas"] = [area]
    data["multi"] = False
    return data


def _check_layer_kinds(data: Mapping[str, Any], where: str) -> None:
    """Refuse an unknown layer kind with its key path (before model validation)."""
    for i, area in enumerate(data["areas"]):
        layers = area.get("layers") if isinstance(area, Mapping) else None
        if not isinstance(layers, Mapping):
            continue
        for kind in layers:
            if kind not in LAYER_KINDS:
                pre = f"areas[{i}]." if data.get("multi") else ""
                msg = (
                    f"{where}: key '{pre}layers.{kind}': unknown layer kind; "
                    f"use one of {', '.join(LAYER_KINDS)}"
                )
                raise ConfigError(msg)


def _area_prefix(loc: Sequence[Any], multi: bool) -> tuple[list[Any], str]:
    """Map an ``areas.0.layers...`` location back onto the key path the user wrote."""
    loc = list(loc)
    if loc[:1] == ["areas"] and len(loc) >= 2 and isinstance(loc[1], int):
        if multi:
            return loc[2:], f"areas[{loc[1]}]."
        rest = loc[2:]
        if rest[:1] in (["layers"], ["rasters"]):
            return rest, ""
        return rest, "area."
    return loc, ""


def parse_config(
    raw: Mapping[str, Any],
    *,
    base: str | os.PathLike[str] | None = None,
    allowed_roots: Sequence[str | os.PathLike[str]] = (),
    check_files: bool = True,
    where: str = "config",
) -> Config:
    """Validate a configuration mapping (e.g. parsed TOML).

    Parameters
    ----------
    raw
        The mapping.
    base
        Directory relative paths are resolved against (default: the current one).
    allowed_roots
        Extra roots input paths may lie under (besides ``base``).
    check_files
        Refuse paths that do not exist.
    where
        How to name the source in messages.

    Raises
    ------
    ConfigError
        Naming the key path and the fix.
    """
    data = _normalise(raw)
    _check_layer_kinds(data, where)
    try:
        cfg = Config.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc, prefix = _area_prefix(err["loc"], bool(data.get("multi")))
        err = {**err, "loc": tuple(loc)}
        raise ConfigError(_validation_message(err, where, prefix)) from None
    names = [a.name for a in cfg.areas]
    slugs = [a.slug() for a in cfg.areas]
    if len(set(slugs)) != len(slugs):
        dup = next(n for n, s in zip(names, slugs, strict=True) if slugs.count(s) > 1)
        msg = f"{where}: key 'areas': two areas are named like {dup!r}; give each a distinct name"
        raise ConfigError(msg)
    base_dir = Path(base if base is not None else Path.cwd()).resolve()
    roots = [base_dir, *(Path(r).resolve() for r in allowed_roots), *_env_roots()]
    areas = [
        _resolve_area(a, i, cfg.multi, base_dir, roots, check_files, where)
        for i, a in enumerate(cfg.areas)
    ]
    out_dir = cfg.output.dir
    if out_dir is not None:
        out_dir = _inside(out_dir, "output.dir", base_dir, roots, where)
    return cfg.model_copy(
        update={"areas": areas, "output": cfg.output.model_copy(update={"dir": out_dir})}
    )


def _env_roots() -> list[Path]:
    value = os.environ.get(ALLOWED_ROOTS_ENV, "")
    return [Path(p).expanduser().resolve() for p in value.split(os.pathsep) if p.strip()]


def _inside(
    path: Path, key: str, base: Path, roots: Sequence[Path], where: str
) -> Path:
    full = (base / Path(path).expanduser()).resolve()
    if not any(full == r or full.is_relative_to(r) for r in roots):
        msg = (
            f"{where}: key '{key}': path '{path}' resolves to '{full}', outside the allowed "
            f"tree ({', '.join(str(r) for r in roots)}); move the data under the configuration's "
            f"directory or allow its root with {ALLOWED_ROOTS_ENV}"
        )
        raise ConfigError(msg)
    return full


def _resolve_area(
    area: AreaSpec,
    i: int,
    multi: bool,
    base: Path,
    roots: Sequence[Path],
    check: bool,
    where: str,
) -> AreaSpec:
    pre = f"areas[{i}]." if multi else ""

    def resolve(path: Path, key: str) -> Path:
        full = _inside(path, pre + key, base, roots, where)
        if check and not full.exists():
            msg = (
                f"{where}: key '{pre}{key}': file '{path}' not found (looked for '{full}'); "
                "fix the path (relative paths start at the configuration's directory)"
            )
            raise ConfigError(msg)
        if check and key.startswith("rasters.") and full.is_dir():
            msg = (
                f"{where}: key '{pre}{key}': '{path}' is a directory; "
                "give the raster file (a GeoTIFF) inside it"
            )
            raise ConfigError(msg)
        return full

    layers = {
        kind: spec.model_copy(update={"path": resolve(spec.path, f"layers.{kind}.path")})
        for kind, spec in area.layers.items()
    }
    r = area.rasters
    rasters = RasterSpec(
        dem=resolve(r.dem, "rasters.dem") if r.dem is not None else None,
        flood_depth={
            t: resolve(p, f"rasters.flood_depth.{t}") for t, p in sorted(r.flood_depth.items())
        },
    )
    return area.model_copy(update={"layers": layers, "rasters": rasters})


def load_config(
    path: str | os.PathLike[str],
    *,
    allowed_roots: Sequence[str | os.PathLike[str]] = (),
    check_files: bool = True,
) -> Config:
    """Read and validate a TOML configuration file.

    Parameters
    ----------
    path
        The ``.toml`` file. Relative paths inside it start at its directory.
    allowed_roots
        Extra roots input paths may lie under (see the module docstring).
    check_files
        Refuse input paths that do not exist.

    Raises
    ------
    ConfigError
        Unreadable file, TOML syntax error, unknown key, wrong type, missing
        file, path outside the allowed tree — naming the key path and the fix.
    """
    p = Path(path)
    try:
        text = p.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        msg = f"configuration file '{p}' not found; create one with `gistool init-config {p}`"
        raise ConfigError(msg) from None
    except UnicodeDecodeError:
        msg = f"configuration file '{p}' is not UTF-8 text; save it as UTF-8"
        raise ConfigError(msg) from None
    except OSError as exc:
        msg = f"configuration file '{p}' cannot be read ({exc.strerror}); check the path"
        raise ConfigError(msg) from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = f"configuration file '{p}' is not valid TOML: {exc}; fix the syntax there"
        raise ConfigError(msg) from None
    cfg = parse_config(
        raw,
        base=p.resolve().parent,
        allowed_roots=allowed_roots,
        check_files=check_files,
        where=f"configuration '{p}'",
    )
    return cfg.model_copy(update={"source": p.resolve()})


def template_path() -> Path:
    """The commented configuration template shipped with gistool."""
    return Path(__file__).parent / "data" / "config_template.toml"


def demo_config_path() -> Path:
    """The configuration of ``gistool demo`` (the embedded Changge data)."""
    return Path(__file__).parent / "data" / "demo_config.toml"
