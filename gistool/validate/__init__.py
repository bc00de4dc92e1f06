"""Validate a layer against its canonical schema (DESIGN §1) and repair what is safe.

:func:`validate_layer` runs every check, collects the findings in a
:class:`ValidationReport` (a DataFrame: severity, check, column, count,
message, fix) and returns the repaired data with it. With ``strict=True`` the
first error is raised as the matching :class:`~gistool.errors.InputError`
subclass (osmnx's "validate, then warn or raise" is the model).

Checks, in order
----------------
``crs``
    missing CRS (error); geographic coordinates out of range or lon/lat
    swapped (error); eastings with a Gauss–Krüger zone prefix (stripped with
    ``repair``, warning); a Xi'an-80 or Beijing-54 CRS (info: ~100 m from
    CGCS2000, reprojected — right only if the declared CRS is true).
``columns``
    required columns of :data:`gistool.schema.SCHEMAS` present (error naming
    the missing and the found columns and a ``columns={...}`` fix).
``geometry``
    null/empty geometries (dropped with ``repair``, warning); geometry type
    against the schema; invalid geometries (repaired with
    ``shapely.make_valid`` keeping the schema's dimension, warning).
    *Multi-part points*: a MultiPoint with one part is unwrapped to a Point
    (warning); a MultiPoint with several parts is an **error**, because one
    enterprise, facility or hazard point is one place and exploding it would
    duplicate its id — split it into separate features with their own ids.
``values``
    numeric columns numeric (text that parses as numbers is converted);
    booleans from 是/否, Y/N, 1/0, true/false, yes/no; 9/12-digit division
    codes; negative counts.
``domain``
    enterprise ``category``, facility ``kind``, geohazard ``hazard_type`` and
    ``susceptibility`` in the known values (Chinese labels are mapped to the
    canonical keys); township/village ``kind``; road classes without a speed.
``ids``
    duplicate or missing ids.
``codes``
    village codes under their ``township_code``; 统一社会信用代码 check
    characters (GB 32100 error, GB 11714 organisation-code check warning).
``boundary``
    features outside ``boundary`` (points farther than 1 km: error, nearer:
    warning, since points snapped to a boundary road often fall just outside).
``coverage``
    townships/villages: overlap = Σ areas − area(∪), gaps = area(boundary) −
    area(∪ ∩ boundary) (or the holes enclosed by ∪ without a boundary), both in
    m² in a metric CRS. Up to 1 m²: info; up to 0.1 % of the area: warning
    (digitising slivers); more: error.

Layout: :mod:`~gistool.validate._layer` runs the checks in the order above; one
private module per check family (``_crs``, ``_values`` (columns and values),
``_geometry``, ``_domain``, ``_ids`` (ids and codes), ``_area`` (boundary and
coverage)) adds findings to the collector of :mod:`~gistool.validate._report`.
"""

from __future__ import annotations

from gistool.validate._area import COVERAGE_ERROR_SHARE, COVERAGE_NEGLIGIBLE_M2, OUTSIDE_ERROR_M
from gistool.validate._layer import validate_layer
from gistool.validate._report import FINDING_COLUMNS, ValidationReport
from gistool.validate._values import MAX_TEXT_CHARS

__all__ = [
    "COVERAGE_ERROR_SHARE",
    "COVERAGE_NEGLIGIBLE_M2",
    "FINDING_COLUMNS",
    "MAX_TEXT_CHARS",
    "OUTSIDE_ERROR_M",
    "ValidationReport",
    "validate_layer",
]
