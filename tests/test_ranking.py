"""Rankings and the driving factor."""

from __future__ import annotations

import doctest

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from gistool.errors import InputError, SchemaError
from gistool.ranking import factor_contributions, rank_units
from gistool.risk import composite_index, normalize

RAW = pd.DataFrame(
    {
        "code": ["411082001", "411082002", "411082003", "411082100"],
        "township_code": ["t1", "t1", "t2", "t2"],
        "H": [0.2, 0.6, 1.0, 0.2],
        "E": [100.0, 300.0, 500.0, 500.0],
        "V": [0.1, 0.1, 0.4, 0.1],
        "C": [30.0, 20.0, 10.0, 30.0],
    }
)
WEIGHTS = {"H": 0.4, "E": 0.3, "V": 0.2, "C": 0.1}


def test_rank_and_driver_by_hand():
    t = RAW.copy()
    t["risk_index"] = composite_index(normalize(t[["H", "E", "V", "C"]]), WEIGHTS, method="sum")
    # normalised: H [0, .5, 1, 0]; E [0, .5, 1, 1]; V [0, 0, 1, 0]; 1-C [0, .5, 1, 0]
    # contributions w*x: unit 0 all 0 -> no driver; unit 1 H .2, E .15, C .05 -> H;
    # unit 2 H .4 -> H; unit 3 E .3 -> E
    assert t["risk_index"].tolist() == pytest.approx([0.0, 0.4, 1.0, 0.3])
    out = rank_units(t, weights=WEIGHTS)
    assert out["rank"].tolist() == [4, 2, 1, 3]
    assert out["driver"].tolist()[1:] == ["H", "H", "E"]
    assert out["driver"].isna().tolist() == [True, False, False, False]
    assert out["driver_name"].tolist()[1:] == ["危险性", "危险性", "暴露度"]
    assert "rank" not in t.columns  # input untouched


def test_contributions_and_capacity_direction():
    c = factor_contributions(RAW, weights=WEIGHTS)
    assert c["C"].tolist() == pytest.approx([0.0, 0.05, 0.1, 0.0])  # 0.1 * (30 - C) / 20
    assert c["E"].tolist() == pytest.approx([0.0, 0.15, 0.3, 0.3])
    # C as a risk-raising factor when told so
    c2 = factor_contributions(RAW, weights=WEIGHTS, directions={"C": 1})
    assert c2["C"].tolist() == pytest.approx([0.1, 0.05, 0.0, 0.1])


def test_ties_share_the_best_rank_and_grouped_ranks():
    t = RAW.assign(risk_index=[0.5, 0.9, 0.5, 0.1])
    out = rank_units(t)
    assert out["rank"].tolist() == [2, 1, 2, 4]
    grouped = rank_units(t, by="township_code")
    assert grouped["rank"].tolist() == [2, 1, 1, 2]


def test_keeps_geodataframe_and_crs():
    g = gpd.GeoDataFrame(
        RAW.assign(risk_index=[0.1, 0.2, 0.3, 0.4]),
        geometry=shapely.points(np.arange(4.0), np.zeros(4)),
        crs="EPSG:4547",
    )
    out = rank_units(g)
    assert isinstance(out, gpd.GeoDataFrame)
    assert out.crs == g.crs
    assert out["rank"].tolist() == [4, 3, 2, 1]


def test_refuses_missing_columns_and_values():
    with pytest.raises(SchemaError, match="'risk_index' is missing"):
        rank_units(RAW)
    with pytest.raises(SchemaError, match=r"\['V'\] are missing"):
        rank_units(RAW.drop(columns="V").assign(risk_index=1.0))
    with pytest.raises(InputError, match="1 missing"):
        rank_units(RAW.assign(risk_index=[0.1, np.nan, 0.2, 0.3]))
    with pytest.raises(InputError, match="not among factors"):
        rank_units(RAW.assign(risk_index=1.0), factors=("H", "E"), weights=WEIGHTS)


def test_docstring_examples_run():
    import gistool.ranking as module

    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
