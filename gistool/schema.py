"""Canonical layer schemas (DESIGN §1).

Every function of gistool speaks these column names. Readers map user columns
onto them and :func:`gistool.validate.validate_layer` checks a layer against
them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal

ColumnKind = Literal["str", "int", "float", "bool", "code9", "code12"]


@dataclass(frozen=True)
class LayerSchema:
    """Schema of one layer kind.

    Attributes
    ----------
    kind
        Layer kind, e.g. ``"villages"``.
    geometry
        Accepted geometry types (multi-part variants of polygons accepted).
    required
        Required column → value kind.
    optional
        Optional column → value kind.
    id_column
        Column whose values must be unique, if any.
    """

    kind: str
    geometry: tuple[str, ...]
    required: dict[str, ColumnKind] = field(default_factory=dict)
    optional: dict[str, ColumnKind] = field(default_factory=dict)
    id_column: str | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        """All canonical columns, required first."""
        return (*self.required, *self.optional)


_POLY = ("Polygon", "MultiPolygon")
_LINE = ("LineString", "MultiLineString")
_POINT = ("Point",)

SCHEMAS: Final[dict[str, LayerSchema]] = {
    s.kind: s
    for s in (
        LayerSchema("boundary", _POLY, {"code": "str", "name": "str"}),
        LayerSchema(
            "townships", _POLY, {"code": "code9", "name": "str", "kind": "str"}, id_column="code"
        ),
        LayerSchema(
            "villages",
            _POLY,
            {"code": "code12", "name": "str", "township_code": "code9", "population": "float"},
            {"kind": "str"},
            id_column="code",
        ),
        LayerSchema(
            "enterprises",
            _POINT,
            {"id": "str", "name": "str", "category": "str", "above_scale": "bool"},
            {
                "credit_code": "str",
                "industry": "str",
                "employees": "float",
                "major_hazard": "bool",
                "township_code": "code9",
            },
            id_column="id",
        ),
        LayerSchema(
            "facilities",
            _POINT,
            {"id": "str", "name": "str", "kind": "str"},
            {"capacity": "float"},
            id_column="id",
        ),
        LayerSchema(
            "roads",
            _LINE,
            {"road_class": "str"},
            {"speed_kmh": "float", "oneway": "bool", "elevated": "bool", "name": "str"},
        ),
        LayerSchema("rivers", _LINE, {"name": "str"}),
        LayerSchema(
            "geohazard_points",
            _POINT,
            {"id": "str", "hazard_type": "str"},
            {"threatened_people": "float", "name": "str"},
            id_column="id",
        ),
        LayerSchema("geohazard_zones", _POLY, {"susceptibility": "str"}),
    )
}

#: Layer kinds that are vector layers.
VECTOR_KINDS: Final[tuple[str, ...]] = tuple(SCHEMAS)
#: Raster layer kinds.
RASTER_KINDS: Final[tuple[str, ...]] = ("dem", "flood_depth")
