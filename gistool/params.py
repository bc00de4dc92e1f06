"""Parameters of the risk assessment: one typed place for every threshold and weight.

:class:`AssessParams` nests one pydantic model per step (hazard, exposure,
vulnerability, capacity, weighting, index, classification, zoning,
sensitivity, four-colour). Unknown keys are refused, so a typo in a config
file never silently falls back to a default.

The same models are the tables of the TOML run configuration
(:mod:`gistool.config`): a field added here is a configuration key at once.
Where the file's key differs from the Python name it is the field's *alias*
(``[weights] matrix`` is ``WeightingParams.ahp_matrix``); both are accepted,
and dumps use the file's key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from gistool.errors import ConfigError

__all__ = [
    "DEFAULT_AHP_MATRIX",
    "FACTOR_NAMES",
    "AssessParams",
    "CapacityIndicatorParams",
    "CapacityParams",
    "RescueNetworkParams",
]

FACTOR_NAMES: tuple[str, ...] = ("H", "E", "V", "C")

#: Default AHP pairwise matrix over H, E, V, C (Saaty 1–9 scale).
#: Hazard is judged twice as important as exposure and three times as
#: important as vulnerability and capacity; exposure twice vulnerability and
#: capacity; vulnerability and capacity equal. Weights ≈ H 0.455, E 0.263,
#: V 0.141, C 0.141; CR ≈ 0.004.
DEFAULT_AHP_MATRIX: tuple[tuple[float, ...], ...] = (
    (1.0, 2.0, 3.0, 3.0),
    (1 / 2, 1.0, 2.0, 2.0),
    (1 / 3, 1 / 2, 1.0, 1.0),
    (1 / 3, 1 / 2, 1.0, 1.0),
)


#: Exposure weight of one enterprise by category (DESIGN §1 categories):
#: hazardous categories weigh more.
CATEGORY_WEIGHTS: dict[str, float] = {
    "hazardous_chemicals": 5.0,
    "fireworks": 5.0,
    "metallurgy": 4.0,
    "ammonia_refrigeration": 4.0,
    "dust_explosion": 3.0,
    "confined_space": 2.0,
    "general": 1.0,
}


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, validate_by_name=True, validate_by_alias=True,
        serialize_by_alias=True,
    )


class HazardParams(_Model):
    """Hazard H (:mod:`gistool.hazard`)."""

    depth_breaks: tuple[float, ...] = (0.15, 0.5, 1.0, 2.0)
    depth_scores: tuple[float, ...] = (1.0, 2.0, 3.0, 4.0)
    w_flood: float = Field(0.7, ge=0)
    w_geo: float = Field(0.3, ge=0)
    w_zone: float = Field(0.6, ge=0)
    w_points: float = Field(0.4, ge=0)

    @model_validator(mode="after")
    def _check(self) -> HazardParams:
        if len(self.depth_breaks) != len(self.depth_scores):
            msg = "hazard.depth_breaks and hazard.depth_scores must have the same length"
            raise ValueError(msg)
        if list(self.depth_breaks) != sorted(self.depth_breaks):
            msg = "hazard.depth_breaks must be ascending"
            raise ValueError(msg)
        return self


class ExposureParams(_Model):
    """Exposure E (:mod:`gistool.exposure`)."""

    category_weights: dict[str, float] = Field(default_factory=lambda: dict(CATEGORY_WEIGHTS))
    above_scale_factor: float = Field(1.5, gt=0)
    major_hazard_bonus: float = Field(3.0, ge=0)
    w_population: float = Field(0.5, ge=0)
    w_enterprises: float = Field(0.35, ge=0)
    w_employees: float = Field(0.15, ge=0)


class VulnerabilityParams(_Model):
    """Vulnerability V (:func:`gistool.exposure.vulnerability_index`)."""

    w_hazardous: float = Field(0.4, ge=0)
    w_site: float = Field(0.3, ge=0)
    w_rural: float = Field(0.3, ge=0)
    site_depth_m: float = Field(0.5, gt=0)


class RescueNetworkParams(_Model):
    """Rescue travel times (:mod:`gistool.capacity`): the network, its flood scenario, the fallback.

    The ``[network]`` table of the run configuration.
    """

    kinds: tuple[str, ...] = ("fire_station", "rescue_team")
    use_network: bool = True
    flood_return_period: int | None = Field(
        100, description="flood scenario (return period, years); none or without its raster: "
        "the rarest flood available / 洪水情景（重现期，年）"
    )
    cut_depth: float = Field(0.3, gt=0, alias="cut_depth_m")
    slow_depth: float = Field(0.15, gt=0, alias="slow_depth_m")
    slow_factor: float = Field(0.5, gt=0, le=1)
    snap_max_distance_m: float = Field(2000.0, gt=0)
    offroad_speed_kmh: float = Field(5.0, gt=0)
    detour: float = Field(
        1.3, ge=1, description="straight-line fallback (no roads, or use_network = false): "
        "distance × detour"
    )
    speed_kmh: float = Field(40.0, gt=0, description="straight-line fallback: speed (km/h)")

    @model_validator(mode="after")
    def _depths(self) -> RescueNetworkParams:
        if self.slow_depth > self.cut_depth:
            msg = "slow_depth_m must not exceed cut_depth_m"
            raise ValueError(msg)
        return self


class CapacityIndicatorParams(_Model):
    """The capacity indicator C from the rescue minutes and shelters (:mod:`gistool.capacity`)."""

    reference_minutes: float = Field(60.0, gt=0)
    quantile: float = Field(
        0.95, gt=0, le=1, description="quantile of the population-weighted rescue minutes in C"
    )
    w_mean: float = Field(0.4, ge=0, description="weight of the population-weighted mean "
                          "rescue minutes in C")
    w_p95: float = Field(0.3, ge=0, description="weight of the rescue-minutes quantile in C")
    w_shelter: float = Field(0.3, ge=0, description="weight of the shelter share in C")
    shelter_max_distance_m: float = Field(5000.0, gt=0)


class CapacityParams(CapacityIndicatorParams, RescueNetworkParams):
    """Rescue capacity C (:mod:`gistool.capacity`) and the flood scenario.

    Every field of :class:`RescueNetworkParams` (the configuration's
    ``[network]`` keys) and of :class:`CapacityIndicatorParams` (its
    ``[indicators]`` keys).
    """


class WeightingParams(_Model):
    """Factor weights of H, E, V, C (:mod:`gistool.risk`)."""

    method: Literal["ahp", "entropy", "explicit"] = "ahp"
    ahp_matrix: tuple[tuple[float, ...], ...] = Field(DEFAULT_AHP_MATRIX, alias="matrix")
    explicit: dict[Literal["H", "E", "V", "C"], float] | None = Field(None, alias="values")

    @model_validator(mode="after")
    def _check(self) -> WeightingParams:
        if self.method == "explicit" and not self.explicit:
            msg = (
                'method "explicit" needs values = { H = ..., E = ..., V = ..., C = ... } '
                "(explicit= in Python)"
            )
            raise ValueError(msg)
        n = len(FACTOR_NAMES)
        if len(self.ahp_matrix) != n or any(len(r) != n for r in self.ahp_matrix):
            msg = "matrix must be 4 × 4 (rows and columns H, E, V, C)"
            raise ValueError(msg)
        return self


class IndexParams(_Model):
    """Composite index (:func:`gistool.risk.composite_index`)."""

    method: Literal["geometric", "sum"] = Field("geometric", alias="index_method")
    floor: float = Field(0.01, gt=0, lt=1)
    normalization: Literal["minmax", "zscore", "rank"] = "minmax"


class ClassifyParams(_Model):
    """Five census levels (:func:`gistool.classify.classify`)."""

    method: Literal["natural_breaks", "quantiles", "equal_interval", "fixed"] = "natural_breaks"
    k: Literal[5] = 5
    breaks: tuple[float, ...] | None = None

    @model_validator(mode="after")
    def _check(self) -> ClassifyParams:
        if self.method == "fixed" and (self.breaks is None or len(self.breaks) != self.k - 1):
            msg = 'method "fixed" needs breaks = [b1, b2, b3, b4] (four inner breaks)'
            raise ValueError(msg)
        return self


class ZoningParams(_Model):
    """Zones from the classified grid."""

    min_area_km2: float = Field(0.5, ge=0)


class SensitivityParams(_Model):
    """Monte-Carlo weight sensitivity."""

    draws: int = Field(1000, ge=0)
    concentration: float = Field(100.0, gt=0)
    seed: int = 0


class FourColourParams(_Model):
    """Four-colour enterprise rules (:mod:`gistool.enterprise`)."""

    flood_depth_m: float | None = 0.5
    hazard_point_m: float | None = 200.0
    access_minutes: float | None = 30.0
    return_period: int = 100


class AssessParams(_Model):
    """Every parameter of :func:`assess_risk`, with defaults (one place for the thresholds).

    Build from keyword arguments, a nested dict (e.g. a TOML table) with
    :meth:`from_any`; unknown keys are refused.

    Examples
    --------
    >>> p = AssessParams.from_any({"grid_size_m": 1000, "hazard": {"w_flood": 0.6}})
    >>> p.grid_size_m, p.hazard.w_flood, p.hazard.w_geo
    (1000.0, 0.6, 0.3)
    """

    grid_size_m: float = Field(500.0, gt=0, le=100_000)
    hazard: HazardParams = HazardParams()
    exposure: ExposureParams = ExposureParams()
    vulnerability: VulnerabilityParams = VulnerabilityParams()
    capacity: CapacityParams = CapacityParams()
    weighting: WeightingParams = WeightingParams()
    index: IndexParams = IndexParams()
    classification: ClassifyParams = ClassifyParams()
    zoning: ZoningParams = ZoningParams()
    sensitivity: SensitivityParams = SensitivityParams()
    four_colour: FourColourParams = FourColourParams()

    @classmethod
    def from_any(cls, config: AssessParams | Mapping[str, Any] | None) -> AssessParams:
        """Parameters from ``None`` (defaults), a mapping, or an instance.

        Raises
        ------
        ConfigError
            Naming the first bad key and what is wrong with it.
        """
        if config is None:
            return cls()
        if isinstance(config, cls):
            return config
        if not isinstance(config, Mapping):
            msg = f"assess config must be AssessParams or a dict, not {type(config).__name__}"
            raise ConfigError(msg)
        try:
            return cls.model_validate(dict(config))
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"]) or "config"
            msg = f"assess config key '{where}': {err['msg']} (got {err.get('input')!r})"
            raise ConfigError(msg) from None


