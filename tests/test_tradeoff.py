"""compare_interventions and assert_tradeoff: the before/after table and its gate."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import demographic_parity_difference, equalized_odds_difference
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score

import pytest_fairness as pf
from pytest_fairness._tradeoff import (
    InterventionComparison,
    assert_tradeoff,
    compare_interventions,
)
from pytest_fairness.exceptions import FairnessGateFailure, FairnessValueError


def _data(n=2000, seed=0):
    rng = np.random.default_rng(seed)
    sex = rng.choice(["female", "male"], size=n)
    race = rng.choice(["white", "black"], size=n, p=[0.7, 0.3])
    shift = (sex == "male") * 0.8 + (race == "white") * 0.4
    X = np.column_stack([rng.normal(size=n) + shift, rng.normal(size=n)])
    y = (X[:, 0] + X[:, 1] + rng.normal(size=n) > 0.6).astype(int)
    return X, y, pd.DataFrame({"sex": sex, "race": race})


class _GroupShift(ClassifierMixin, BaseEstimator):
    """A post-processor-like model: its predict needs the sensitive features."""

    def __init__(self, base, offset):
        self.base = base
        self.offset = offset

    def fit(self, X, y):
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X, *, sensitive_features):
        p = self.base.predict_proba(X)[:, 1]
        p = np.clip(p + self.offset * (sensitive_features["sex"] == "female"), 0, 1)
        return np.column_stack([1 - p, p])

    def predict(self, X, *, sensitive_features):
        return (
            self.predict_proba(X, sensitive_features=sensitive_features)[:, 1] > 0.5
        ).astype(int)


@pytest.fixture(scope="module")
def models():
    X, y, sf = _data()
    base = LogisticRegression().fit(X, y)
    return X, y, sf, base, _GroupShift(base, 0.25).fit(X, y)


def test_table_matches_sklearn_and_fairlearn(models):
    X, y, sf, base, shifted = models
    cmp = compare_interventions(base, shifted, X=X, y=y, sensitive_features=sf)
    pb = base.predict(X)
    pa = shifted.predict(X, sensitive_features=sf)
    sa = shifted.predict_proba(X, sensitive_features=sf)[:, 1]
    t = cmp.table
    assert t.loc["accuracy", "before"] == pytest.approx(accuracy_score(y, pb))
    assert t.loc["accuracy", "after"] == pytest.approx(accuracy_score(y, pa))
    assert t.loc["f1", "after"] == pytest.approx(f1_score(y, pa))
    assert t.loc["auc", "before"] == pytest.approx(
        roc_auc_score(y, base.predict_proba(X)[:, 1])
    )
    assert t.loc["auc", "after"] == pytest.approx(roc_auc_score(y, sa))
    for side, pred in (("before", pb), ("after", pa)):
        assert t.loc["demographic_parity_difference", side] == pytest.approx(
            demographic_parity_difference(y, pred, sensitive_features=sf)
        )
        assert t.loc["equalized_odds_difference", side] == pytest.approx(
            equalized_odds_difference(y, pred, sensitive_features=sf)
        )
    np.testing.assert_allclose(t["change"], t["after"] - t["before"])
    np.testing.assert_allclose(t["relative_change"], t["change"] / t["before"].abs())


def test_per_group_rates_are_the_audits(models):
    X, y, sf, base, shifted = models
    cmp = compare_interventions(base, shifted, X=X, y=y, sensitive_features=sf)
    after = pf.audit(
        y, shifted.predict(X, sensitive_features=sf), sensitive_features=sf
    )
    row = cmp.by_group.loc[("female, black", "selection_rate")]
    assert row["after"] == pytest.approx(
        after.by_group.loc[("female", "black"), "selection_rate"]
    )
    assert row["change"] == pytest.approx(row["after"] - row["before"])
    assert len(cmp.by_group) == 4 * 3  # sex x race, three rates each


def test_reports_predictions_and_models_give_the_same_table(models):
    X, y, sf, base, shifted = models
    pb, pa = base.predict(X), shifted.predict(X, sensitive_features=sf)
    from_models = compare_interventions(base, shifted, X=X, y=y, sensitive_features=sf)
    from_preds = compare_interventions(pb, pa, y=y, sensitive_features=sf)
    from_reports = compare_interventions(
        pf.audit(y, pb, sensitive_features=sf), pf.audit(y, pa, sensitive_features=sf)
    )
    cols = ["before", "after"]
    # predictions carry no scores, so their tables have no AUC row
    without_auc = from_models.table.drop(index="auc")[cols]
    pd.testing.assert_frame_equal(without_auc, from_preds.table[cols])
    pd.testing.assert_frame_equal(from_preds.table, from_reports.table)


def test_positive_label_comes_from_the_classifier():
    X, y, sf = _data(600)
    labels = np.where(y == 1, "approve", "deny")
    model = LogisticRegression().fit(X, labels)
    cmp = compare_interventions(model, model, X=X, y=labels, sensitive_features=sf)
    # classes_ = ["approve", "deny"]: "deny" is classes_[1], the scored class
    assert cmp.before.pos_label == "deny"
    pred = model.predict(X)
    assert cmp.table.loc["selection_rate", "before"] == pytest.approx(
        np.mean(pred == "deny")
    )


def test_names_title_the_columns(models):
    X, y, sf, base, shifted = models
    cmp = compare_interventions(
        base, shifted, X=X, y=y, sensitive_features=sf, names=("baseline", "shifted")
    )
    assert list(cmp.table.columns[:2]) == ["baseline", "shifted"]
    assert "baseline" in str(cmp)
    assert "| metric" in cmp.to_markdown()


def test_to_dict_is_json_friendly(models):
    import json

    X, y, sf, base, shifted = models
    data = compare_interventions(
        base, shifted, X=X, y=y, sensitive_features=sf
    ).to_dict()
    text = json.dumps(data, allow_nan=False)
    assert json.loads(text)["metrics"]["accuracy"]["before"] == pytest.approx(
        accuracy_score(y, base.predict(X))
    )


def test_disparity_reduction_measures_ratios_from_parity():
    y = np.array([1, 0, 1, 1, 0, 1, 0, 0] * 10)
    g = np.tile(["a"] * 4 + ["b"] * 4, 10)
    before = np.tile([1, 0, 1, 1, 0, 0, 0, 1], 10)  # rates a 0.75, b 0.25
    after = np.tile([1, 0, 1, 0, 0, 1, 0, 0], 10)  # rates a 0.5, b 0.25
    cmp = compare_interventions(
        before, after, y=y, sensitive_features=g, min_group_size=1, min_denominator=1
    )
    assert cmp.disparity_reduction("demographic_parity_difference") == pytest.approx(
        (0.5 - 0.25) / 0.5
    )
    # ratio 1/3 -> 1/2: the distance from parity goes 2/3 -> 1/2
    assert cmp.disparity_reduction("demographic_parity_ratio") == pytest.approx(
        (2 / 3 - 1 / 2) / (2 / 3)
    )
    with pytest.raises(FairnessValueError, match="not a disparity"):
        cmp.disparity_reduction("accuracy")


# -- assert_tradeoff ------------------------------------------------------------


def test_passing_tradeoff_returns_the_comparison(models):
    X, y, sf, base, shifted = models
    cmp = compare_interventions(base, shifted, X=X, y=y, sensitive_features=sf)
    reduction = cmp.disparity_reduction("demographic_parity_difference")
    drop = cmp.accuracy_drop
    assert reduction > 0.2
    out = assert_tradeoff(
        base,
        shifted,
        X=X,
        y=y,
        sensitive_features=sf,
        max_accuracy_drop=drop + 0.001,
        min_disparity_reduction=reduction - 0.001,
    )
    assert isinstance(out, InterventionComparison)


def test_too_costly_tradeoff_fails_with_the_table(models):
    X, y, sf, base, shifted = models
    cmp = compare_interventions(base, shifted, X=X, y=y, sensitive_features=sf)
    with pytest.raises(FairnessGateFailure) as info:
        assert_tradeoff(
            base,
            shifted,
            X=X,
            y=y,
            sensitive_features=sf,
            max_accuracy_drop=cmp.accuracy_drop / 2,
        )
    message = str(info.value)
    assert "1 of 2 conditions" in message
    assert f"FAILED: accuracy fell by {cmp.accuracy_drop:.3f}" in message
    assert "demographic_parity_difference" in message
    assert "female, black" in message  # the per-group table
    assert isinstance(info.value, AssertionError)
    assert info.value.result is not None


def test_too_small_gain_fails(models):
    X, y, sf, base, shifted = models
    with pytest.raises(FairnessGateFailure, match=r"at least 99% required"):
        assert_tradeoff(
            base,
            shifted,
            X=X,
            y=y,
            sensitive_features=sf,
            max_accuracy_drop=1.0,
            min_disparity_reduction=0.99,
            metric=["demographic_parity_difference", "equalized_odds_difference"],
        )


def test_no_intervention_passes_the_default_gate(models):
    X, y, sf, base, _ = models
    assert_tradeoff(base, base, X=X, y=y, sensitive_features=sf)


def test_an_undefined_disparity_fails_the_gate():
    y = np.array([1, 0] * 20)
    g = np.array(["a"] * 38 + ["b"] * 2)
    pred = y.copy()
    with (
        pytest.warns(pf.FairnessWarning),
        pytest.raises(FairnessGateFailure, match="cannot be measured"),
    ):
        assert_tradeoff(pred, pred, y=y, sensitive_features=g)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"max_accuracy_drop": "5%"}, "max_accuracy_drop must be a finite number"),
        ({"min_disparity_reduction": 1.5}, "at most 1"),
        ({"performance": "precision"}, "performance must be one of"),
        ({"metric": []}, "metric is empty"),
        ({"names": ("a", "a")}, "two distinct strings"),
    ],
)
def test_bad_arguments_are_named(kwargs, match, models):
    X, y, sf, base, shifted = models
    with pytest.raises(FairnessValueError, match=match):
        assert_tradeoff(base, shifted, X=X, y=y, sensitive_features=sf, **kwargs)


def test_a_model_needs_the_evaluation_data(models):
    *_, base, shifted = models
    with pytest.raises(FairnessValueError, match=r"needs X, y, sensitive_features="):
        compare_interventions(base, shifted)


def test_public_names_are_exported():
    assert pf.compare_interventions is compare_interventions
    assert pf.assert_tradeoff is assert_tradeoff
