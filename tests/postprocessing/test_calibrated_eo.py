"""CalibratedEqualizedOdds: Pleiss et al.'s property on calibrated scores."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

import pytest_fairness as pf
from pytest_fairness.exceptions import FairnessValueError, FairnessWarning
from pytest_fairness.postprocessing import CalibratedEqualizedOdds


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


@pytest.fixture(scope="module")
def calibrated():
    """Scores calibrated by construction (y ~ Bernoulli(score)) in two groups.

    Both groups have base rate 1/2; group b's scores are sharper (Beta(0.5,
    0.5) against Beta(2, 2)), so its costs are lower and reachable.
    """
    rng = np.random.default_rng(0)
    n = 40_000
    group = np.where(rng.random(n) < 0.5, "a", "b")
    h = np.where(group == "a", rng.beta(2, 2, n), rng.beta(0.5, 0.5, n))
    y = (rng.random(n) < h).astype(int)
    X = h[:, None]
    return {"X": X, "y": y, "group": group, "h": h, "model": ScoreColumn().fit(X, y)}


def _generalized(y, p, group, g):
    m = group == g
    return {
        "fpr": p[m & (y == 0)].mean(),
        "fnr": (1 - p[m & (y == 1)]).mean(),
        "mu": y[m].mean(),
    }


def _cost(rates, constraint):
    if constraint == "weighted":
        return (1 - rates["mu"]) * rates["fpr"] + rates["mu"] * rates["fnr"]
    return rates[constraint]


@pytest.mark.parametrize("constraint", ["fnr", "fpr", "weighted"])
def test_expected_costs_are_equal_and_the_worst_group_is_untouched(
    calibrated, constraint
):
    X, y, group, h = (
        calibrated["X"],
        calibrated["y"],
        calibrated["group"],
        calibrated["h"],
    )
    ceo = CalibratedEqualizedOdds(
        calibrated["model"], prefit=True, cost_constraint=constraint, random_state=0
    ).fit(X, y, sensitive_features=group)
    before = {g: _cost(_generalized(y, h, group, g), constraint) for g in "ab"}
    assert ceo.target_cost_ == pytest.approx(max(before.values()), abs=1e-12)
    worst = max(before, key=before.get)
    assert ceo.mix_rates_[worst] == 0.0
    # expected mixed score of each row: (1 - alpha) h + alpha mu
    alpha = np.array([ceo.mix_rates_[g] for g in group])
    mu = np.array([ceo.base_rates_[g] for g in group])
    expected = (1 - alpha) * h + alpha * mu
    after = {g: _cost(_generalized(y, expected, group, g), constraint) for g in "ab"}
    assert after["a"] == pytest.approx(after["b"], abs=1e-12)
    assert after[worst] == pytest.approx(before[worst], abs=1e-12)
    np.testing.assert_allclose(
        ceo.costs_.loc[["a", "b"], "cost_after"], [after["a"], after["b"]], atol=1e-12
    )


@pytest.mark.parametrize("constraint", ["fnr", "fpr", "weighted"])
def test_each_group_stays_calibrated_after_mixing(calibrated, constraint):
    X, y, group = calibrated["X"], calibrated["y"], calibrated["group"]
    ceo = CalibratedEqualizedOdds(
        calibrated["model"], prefit=True, cost_constraint=constraint, random_state=1
    ).fit(X, y, sensitive_features=group)
    p = ceo.predict_proba(X, sensitive_features=group)[:, 1]
    assert any(rate > 0.05 for rate in ceo.mix_rates_.values())
    for g in "ab":
        m = group == g
        bins = np.minimum((p[m] * 10).astype(int), 9)
        for b in np.unique(bins):
            rows = bins == b
            if rows.sum() < 300:
                continue
            mean_p = p[m][rows].mean()
            se = np.sqrt(mean_p * (1 - mean_p) / rows.sum())
            assert abs(y[m][rows].mean() - mean_p) <= 4 * se + 1e-3
    # the audit's per-group calibration error does not grow beyond sampling noise
    before = pf.audit(
        y,
        (calibrated["h"] > 0.5).astype(int),
        sensitive_features=group,
        y_score=calibrated["h"],
    )
    after = pf.audit(y, (p > 0.5).astype(int), sensitive_features=group, y_score=p)
    noise = 4 * np.sqrt(0.25 / (len(y) / 2 / 10))
    assert (
        after.by_group["calibration_error"]
        <= before.by_group["calibration_error"] + noise
    ).all()


def test_realised_costs_match_their_expectation(calibrated):
    X, y, group = calibrated["X"], calibrated["y"], calibrated["group"]
    ceo = CalibratedEqualizedOdds(
        calibrated["model"], prefit=True, cost_constraint="fnr", random_state=2
    ).fit(X, y, sensitive_features=group)
    p = ceo.predict_proba(X, sensitive_features=group)[:, 1]
    mixed = p != calibrated["h"]
    for g in "ab":
        m = group == g
        share = mixed[m].mean()
        rate = ceo.mix_rates_[g]
        assert abs(share - rate) <= 4 * np.sqrt(rate * (1 - rate) / m.sum()) + 1e-9
        realised = _generalized(y, p, group, g)["fnr"]
        assert realised == pytest.approx(ceo.costs_.loc[g, "cost_after"], abs=0.01)


def test_draws_are_seeded_and_predict_agrees_with_predict_proba(calibrated):
    X, y, group = calibrated["X"], calibrated["y"], calibrated["group"]

    def fitted(seed):
        return CalibratedEqualizedOdds(
            calibrated["model"], prefit=True, random_state=seed
        ).fit(X, y, sensitive_features=group)

    a, b, c = fitted(5), fitted(5), fitted(6)
    pa = a.predict_proba(X, sensitive_features=group)
    np.testing.assert_array_equal(pa, b.predict_proba(X, sensitive_features=group))
    np.testing.assert_array_equal(pa, a.predict_proba(X, sensitive_features=group))
    assert not np.array_equal(pa, c.predict_proba(X, sensitive_features=group))
    np.testing.assert_array_equal(
        a.predict(X, sensitive_features=group), (pa[:, 1] > 0.5).astype(int)
    )


def test_a_group_that_cannot_reach_the_cost_is_named():
    rng = np.random.default_rng(3)
    n = 20_000
    group = np.where(rng.random(n) < 0.5, "a", "b")
    # group b: base rate 0.9 with sharp scores (gFNR of the base rate is 0.1,
    # below group a's gFNR), so no mixture of b reaches a's cost
    h = np.where(group == "a", rng.beta(1.2, 1.2, n), rng.beta(9, 1, n))
    y = (rng.random(n) < h).astype(int)
    model = ScoreColumn().fit(h[:, None], y)
    ceo = CalibratedEqualizedOdds(model, prefit=True, cost_constraint="fnr")
    with pytest.warns(FairnessWarning, match=r"\['b'\] cannot reach"):
        ceo.fit(h[:, None], y, sensitive_features=group)
    assert ceo.mix_rates_["b"] == 1.0
    spread_before = np.ptp(ceo.costs_["cost_before"])
    assert np.ptp(ceo.costs_["cost_after"]) < spread_before


def test_needs_probabilities_and_known_groups(calibrated):
    X, y, group = calibrated["X"], calibrated["y"], calibrated["group"]
    svc = LinearSVC().fit(X, y)
    with pytest.raises(FairnessValueError, match="LinearSVC has no such method"):
        CalibratedEqualizedOdds(svc, prefit=True).fit(X, y, sensitive_features=group)
    with pytest.raises(FairnessValueError, match="cost_constraint must be one of"):
        CalibratedEqualizedOdds(
            calibrated["model"], prefit=True, cost_constraint="fdr"
        ).fit(X, y, sensitive_features=group)
    ceo = CalibratedEqualizedOdds(
        calibrated["model"], prefit=True, unseen_group="overall", random_state=0
    ).fit(X, y, sensitive_features=group)
    unseen = np.array(["c"] * 100)
    np.testing.assert_array_equal(
        ceo.predict_proba(X[:100], sensitive_features=unseen)[:, 1], X[:100, 0]
    )


def test_fits_an_unfitted_model_on_a_clone():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(3000, 3))
    group = np.where(X[:, 0] > 0, "a", "b")
    y = (rng.random(3000) < 1 / (1 + np.exp(-X[:, 1] - X[:, 0]))).astype(int)
    est = LogisticRegression()
    ceo = CalibratedEqualizedOdds(est, random_state=0).fit(
        X, y, sensitive_features=group
    )
    assert not hasattr(est, "coef_")
    assert ceo.predict(X, sensitive_features=group).shape == (3000,)
