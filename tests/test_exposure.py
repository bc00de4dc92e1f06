"""Exposure E and vulnerability V on tiny hand-computed layers."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from gistool.errors import SchemaError
from gistool.exposure import (
    enterprise_sums,
    enterprise_weights,
    exposure_index,
    vulnerability_index,
)

CRS = "EPSG:4547"


@pytest.fixture
def units():
    # three 1 km² squares in a row
    return gpd.GeoDataFrame(
        {"code": ["A", "B", "C"]},
        geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000), box(2000, 0, 3000, 1000)],
        crs=CRS,
    )


@pytest.fixture
def enterprises():
    return gpd.GeoDataFrame(
        {
            "id": ["e1", "e2", "e3", "e4"],
            "category": ["hazardous_chemicals", "general", "metallurgy", "general"],
            "above_scale": [True, False, False, True],
            "major_hazard": [False, False, True, False],
            "employees": [100.0, 20.0, 50.0, np.nan],
        },
        geometry=[Point(100, 100), Point(200, 200), Point(1500, 500), Point(9000, 9000)],
        crs=CRS,
    )


def test_enterprise_weights_table(enterprises):
    # 5·1.5, 1, 4 + 3, 1·1.5
    assert enterprise_weights(enterprises).tolist() == [7.5, 1.0, 7.0, 1.5]
    w = enterprise_weights(
        enterprises, category_weights={**_all(2.0)}, above_scale_factor=1.0, major_hazard_bonus=0.0
    )
    assert w.tolist() == [2.0, 2.0, 2.0, 2.0]
    bad = enterprises.assign(category=["hazardous_chemicals", "mining", "general", "general"])
    with pytest.raises(SchemaError, match="mining"):
        enterprise_weights(bad)


def _all(v):
    from gistool.exposure import CATEGORY_WEIGHTS

    return dict.fromkeys(CATEGORY_WEIGHTS, v)


def test_enterprise_sums_per_unit(units, enterprises):
    s = enterprise_sums(units, enterprises, exposed_site=[True, False, True, True])
    # e4 lies outside every unit
    assert s["n_enterprises"].tolist() == [2, 1, 0]
    assert s["enterprise_weight"].tolist() == [8.5, 7.0, 0.0]
    assert s["employees"].tolist() == [120.0, 50.0, 0.0]
    assert s["n_hazardous"].tolist() == [1, 1, 0]
    assert s["n_exposed_site"].tolist() == [1, 1, 0]
    empty = enterprise_sums(units, None)
    assert (empty.to_numpy() == 0).all()


def test_exposure_index_by_hand(units, enterprises):
    s = enterprise_sums(units, enterprises)
    e = exposure_index(units, [1000.0, 3000.0, 2000.0], s)
    # densities per km² (units are 1 km²): pop 1000/3000/2000 → mm 0, 1, .5
    # enterprise weight 8.5/7/0 → mm 1, 7/8.5, 0; employees 120/50/0 → 1, 50/120, 0
    expected = [
        0.5 * 0 + 0.35 * 1 + 0.15 * 1,
        0.5 * 1 + 0.35 * 7 / 8.5 + 0.15 * 50 / 120,
        0.5 * 0.5 + 0 + 0,
    ]
    assert e["E"].to_numpy() == pytest.approx(expected)
    assert e["pop_density"].tolist() == pytest.approx([1000.0, 3000.0, 2000.0])


def test_vulnerability_by_hand_and_empty_units():
    s = pd.DataFrame(
        {
            "n_enterprises": [2.0, 1.0, 0.0],
            "n_hazardous": [1.0, 1.0, 0.0],
            "n_exposed_site": [1.0, 0.0, 0.0],
        }
    )
    v = vulnerability_index(s, rural_share=[0.0, 1.0, 0.5])
    # A: .4·.5 + .3·.5 + 0; B: .4·1 + 0 + .3·1; C (no enterprises): .3·.5
    assert v["V"].to_numpy() == pytest.approx([0.35, 0.7, 0.15])
    assert v["share_hazardous"].tolist() == [0.5, 1.0, 0.0]
    assert vulnerability_index(s)["V"].to_numpy() == pytest.approx([0.35, 0.4, 0.0])


def test_as_bool_reads_flags_of_every_kind():
    from gistool.exposure import as_bool

    assert as_bool(pd.Series([True, None, False], dtype="boolean")).tolist() == [True, False, False]
    assert as_bool([0.0, 2.0, np.nan]).tolist() == [False, True, False]
    assert as_bool(pd.Series(["Y", " yes ", "no", "是"], dtype=object)).tolist() == [
        True,
        True,
        False,
        True,
    ]
    assert as_bool(None, 2).tolist() == [False, False]
