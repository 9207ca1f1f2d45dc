"""The reference scenario: a loan model that cannot change, adjusted per group.

Each post-processor is fitted on a validation split and judged on held-out
applications with :func:`pytest_fairness.audit`: the disparity it targets must
fall, and its accuracy cost is measured.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import pytest_fairness as pf
from pytest_fairness.datasets import make_loan_applications
from pytest_fairness.postprocessing import (
    CalibratedEqualizedOdds,
    GroupCalibrator,
    GroupThresholdOptimizer,
    RejectOptionClassifier,
)


@pytest.fixture(scope="module")
def bank():
    df = make_loan_applications(30_000, random_state=0)
    X = df[["credit_score", "debt_to_income", "income", "employment_gap_months"]]
    X = X.assign(income=np.log(X["income"]))
    y = df["approved"].to_numpy()
    part = np.arange(len(df)) % 4
    train, val, test = part < 2, part == 2, part == 3
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(
        X[train], y[train]
    )
    return {
        "X": X,
        "y": y,
        "sf": df[["gender"]],
        "val": val,
        "test": test,
        "model": model,
    }


def _held_out(bank, est):
    val = bank["val"]
    est.fit(bank["X"][val], bank["y"][val], sensitive_features=bank["sf"][val])
    return est


@pytest.mark.parametrize(
    ("make", "target"),
    [
        (
            lambda m: GroupThresholdOptimizer(m, prefit=True),
            "equal_opportunity_difference",
        ),
        (
            lambda m: GroupThresholdOptimizer(
                m, prefit=True, constraints="demographic_parity"
            ),
            "demographic_parity_difference",
        ),
        (
            lambda m: GroupThresholdOptimizer(
                m,
                prefit=True,
                constraints="equalized_odds",
                randomized=True,
                random_state=0,
            ),
            "equalized_odds_difference",
        ),
        (
            lambda m: RejectOptionClassifier(m, prefit=True, bound=0.05),
            "demographic_parity_difference",
        ),
    ],
    ids=["thresholds-eo", "thresholds-dp", "thresholds-eodds", "reject-option"],
)
def test_each_decision_post_processor_reduces_its_disparity(bank, make, target):
    test = bank["test"]
    X, y, sf = bank["X"][test], bank["y"][test], bank["sf"][test]
    before = pf.audit(y, bank["model"].predict(X), sensitive_features=sf)
    est = _held_out(bank, make(bank["model"]))
    after = pf.audit(y, est.predict(X, sensitive_features=sf), sensitive_features=sf)
    assert after.disparity(target).value < before.disparity(target).value / 2
    cost = before.overall["accuracy"] - after.overall["accuracy"]
    assert cost < 0.02


def test_calibrated_equalized_odds_reduces_the_generalized_fpr_gap(bank):
    test = bank["test"]
    X, y, sf = bank["X"][test], bank["y"][test], bank["sf"][test]["gender"].to_numpy()

    def gap(p):
        rates = [p[(sf == g) & (y == 0)].mean() for g in ("female", "male")]
        return abs(rates[0] - rates[1])

    ceo = _held_out(
        bank,
        CalibratedEqualizedOdds(
            bank["model"], prefit=True, cost_constraint="fpr", random_state=0
        ),
    )
    p = ceo.predict_proba(X, sensitive_features=bank["sf"][test])[:, 1]
    assert gap(p) < gap(bank["model"].predict_proba(X)[:, 1]) / 2


def test_group_calibration_reduces_the_worst_calibration_error(bank):
    test = bank["test"]
    X, y, sf = bank["X"][test], bank["y"][test], bank["sf"][test]
    s = bank["model"].predict_proba(X)[:, 1]
    before = pf.audit(y, (s > 0.5).astype(int), sensitive_features=sf, y_score=s)
    gc = _held_out(bank, GroupCalibrator(bank["model"], prefit=True))
    p = gc.predict_proba(X, sensitive_features=sf)[:, 1]
    after = pf.audit(y, (p > 0.5).astype(int), sensitive_features=sf, y_score=p)
    worst_before = before.by_group["calibration_error"].max()
    assert after.by_group["calibration_error"].max() < worst_before
