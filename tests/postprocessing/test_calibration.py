"""GroupCalibrator: scikit-learn's calibration, one per group."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_predict

import pytest_fairness as pf
from pytest_fairness.exceptions import FairnessValueError
from pytest_fairness.postprocessing import CalibratedEqualizedOdds, GroupCalibrator


class ScoreColumn(ClassifierMixin, BaseEstimator):
    """A fitted 'model' whose probability of class 1 is column 0 of X."""

    def fit(self, X, y):
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X):
        p = np.asarray(X, dtype=float)[:, 0]
        return np.column_stack([1 - p, p])

    def predict(self, X):
        return (self.predict_proba(X)[:, 1] > 0.5).astype(int)


def _logit(p):
    return np.log(p / (1 - p))


@pytest.fixture(scope="module")
def miscalibrated():
    """One score, calibrated on average, that means different things per group."""
    rng = np.random.default_rng(0)
    n = 60_000
    group = np.where(rng.random(n) < 0.5, "a", "b")
    s = rng.uniform(0.02, 0.98, n)
    true = np.where(
        group == "a",
        1 / (1 + np.exp(-(1.8 * _logit(s) + 0.3))),
        1 / (1 + np.exp(-(0.6 * _logit(s) - 0.3))),
    )
    y = (rng.random(n) < true).astype(int)
    cal = np.arange(n) < n // 2
    return {
        "X": s[:, None],
        "y": y,
        "group": group,
        "true": true,
        "cal": cal,
        "model": ScoreColumn().fit(s[:, None], y),
    }


@pytest.mark.parametrize("method", ["isotonic", "sigmoid"])
def test_held_out_calibration_error_falls_in_every_group(miscalibrated, method):
    d = miscalibrated
    cal, test = d["cal"], ~d["cal"]
    gc = GroupCalibrator(d["model"], method=method, prefit=True).fit(
        d["X"][cal], d["y"][cal], sensitive_features=d["group"][cal]
    )
    p = gc.predict_proba(d["X"][test], sensitive_features=d["group"][test])[:, 1]
    s = d["X"][test, 0]
    y, group = d["y"][test], d["group"][test]
    before = pf.audit(y, (s > 0.5).astype(int), sensitive_features=group, y_score=s)
    after = pf.audit(y, (p > 0.5).astype(int), sensitive_features=group, y_score=p)
    ece_before = before.by_group["calibration_error"]
    ece_after = after.by_group["calibration_error"]
    assert (ece_after < ece_before / 3).all()
    assert after.difference("calibration_error") < before.difference(
        "calibration_error"
    )
    # closer to the true probabilities than the raw score, in both groups
    for g in "ab":
        m = group == g
        assert (
            np.abs(p[m] - d["true"][test][m]).mean()
            < np.abs(s[m] - d["true"][test][m]).mean()
        )


@pytest.mark.parametrize("method", ["isotonic", "sigmoid"])
def test_each_group_matches_sklearn_calibration_on_that_group(miscalibrated, method):
    d = miscalibrated
    idx = np.flatnonzero(d["cal"])[:6000]
    X, y, group = d["X"][idx], d["y"][idx], d["group"][idx]
    gc = GroupCalibrator(d["model"], method=method, prefit=True).fit(
        X, y, sensitive_features=group
    )
    ours = gc.predict_proba(X, sensitive_features=group)[:, 1]
    for g in "ab":
        m = group == g
        ref = CalibratedClassifierCV(FrozenEstimator(d["model"]), method=method)
        ref.fit(X[m], y[m])
        np.testing.assert_allclose(ours[m], ref.predict_proba(X[m])[:, 1], atol=1e-4)


def test_the_table_reports_the_audits_calibration_error(miscalibrated):
    d = miscalibrated
    gc = GroupCalibrator(d["model"], prefit=True).fit(
        d["X"], d["y"], sensitive_features=d["group"]
    )
    s = d["X"][:, 0]
    before = pf.audit(
        d["y"], (s > 0.5).astype(int), sensitive_features=d["group"], y_score=s
    )
    np.testing.assert_allclose(
        gc.calibration_["calibration_error_before"],
        before.by_group.loc[gc.calibration_.index, "calibration_error"],
        atol=1e-12,
    )
    p = gc.predict_proba(d["X"], sensitive_features=d["group"])[:, 1]
    after = pf.audit(
        d["y"], (p > 0.5).astype(int), sensitive_features=d["group"], y_score=p
    )
    np.testing.assert_allclose(
        gc.calibration_["calibration_error_after"],
        after.by_group.loc[gc.calibration_.index, "calibration_error"],
        atol=1e-12,
    )


def test_an_unfitted_model_is_calibrated_on_out_of_fold_scores():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(4000, 3))
    group = np.where(X[:, 2] > 0, "a", "b")
    y = (rng.random(4000) < 1 / (1 + np.exp(-2 * X[:, 0] - X[:, 2]))).astype(int)
    gc = GroupCalibrator(LogisticRegression(), cv=3).fit(X, y, sensitive_features=group)
    oof = cross_val_predict(LogisticRegression(), X, y, cv=3, method="predict_proba")
    for g in "ab":
        m = group == g
        iso = gc.calibrators_[g]
        ref = CalibratedClassifierCV(
            FrozenEstimator(ScoreColumn().fit(oof, y)), method="isotonic"
        ).fit(oof[m, 1:], y[m])
        grid = np.linspace(0.01, 0.99, 50)
        np.testing.assert_allclose(
            iso.predict(grid), ref.predict_proba(grid[:, None])[:, 1], atol=1e-12
        )
    np.testing.assert_allclose(
        gc.estimator_.coef_, LogisticRegression().fit(X, y).coef_
    )


def test_feeds_calibrated_equalized_odds(miscalibrated):
    d = miscalibrated
    gc = GroupCalibrator(d["model"], prefit=True).fit(
        d["X"], d["y"], sensitive_features=d["group"]
    )
    ceo = CalibratedEqualizedOdds(gc, prefit=True, random_state=0).fit(
        d["X"], d["y"], sensitive_features=d["group"]
    )
    cost = ceo.costs_["cost_after"]
    assert cost["a"] == pytest.approx(cost["b"], abs=1e-12)


def test_unseen_groups_and_bad_parameters(miscalibrated):
    d = miscalibrated
    X, y, group = d["X"][:5000], d["y"][:5000], d["group"][:5000]
    with pytest.raises(FairnessValueError, match="method must be one of"):
        GroupCalibrator(d["model"], method="beta", prefit=True).fit(
            X, y, sensitive_features=group
        )
    gc = GroupCalibrator(d["model"], prefit=True, unseen_group="overall").fit(
        X, y, sensitive_features=group
    )
    unseen = np.array(["c"] * 50)
    pooled = GroupCalibrator(d["model"], prefit=True).fit(
        X, y, sensitive_features=np.zeros(len(y))
    )
    np.testing.assert_allclose(
        gc.predict_proba(X[:50], sensitive_features=unseen),
        pooled.predict_proba(X[:50], sensitive_features=np.zeros(50)),
    )
    with pytest.raises(FairnessValueError, match="not seen at fit time"):
        GroupCalibrator(d["model"], prefit=True).fit(
            X, y, sensitive_features=group
        ).predict(X[:50], sensitive_features=unseen)


def test_an_unfitted_calibrator_inside_calibrated_equalized_odds_gets_the_groups():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(3000, 2))
    group = np.where(rng.random(3000) < 0.5, "a", "b")
    y = (rng.random(3000) < 1 / (1 + np.exp(-2 * X[:, 0]))).astype(int)
    ceo = CalibratedEqualizedOdds(
        GroupCalibrator(LogisticRegression(), cv=None), random_state=0
    ).fit(X, y, sensitive_features=group)
    assert set(ceo.estimator_.calibrators_) == {"a", "b"}
    assert ceo.predict_proba(X, sensitive_features=group).shape == (3000, 2)
