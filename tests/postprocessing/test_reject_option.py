"""RejectOptionClassifier: the narrowest band meeting the bound, and nothing else."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

import pytest_fairness as pf
from pytest_fairness.datasets import make_loan_applications
from pytest_fairness.exceptions import FairnessValueError, FairnessWarning
from pytest_fairness.postprocessing import RejectOptionClassifier

FEATURES = ["credit_score", "debt_to_income", "income", "employment_gap_months"]


@pytest.fixture(scope="module")
def loan():
    df = make_loan_applications(4000, random_state=2)
    X = df[FEATURES].assign(income=np.log(df["income"]))
    y = df["approved"].to_numpy()
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    return {
        "X": X,
        "y": y,
        "sf": df["gender"],
        "sf2": df[["gender", "race"]],
        "model": model,
        "score": model.predict_proba(X)[:, 1],
    }


def _by_definition(score, groups, unprivileged, threshold, margin):
    """Kamiran et al.'s rule written out: flip inside the critical band."""
    decision = score >= threshold
    band = np.abs(score - threshold) <= margin
    unpriv = np.isin(groups, list(unprivileged))
    return np.where(band, unpriv, decision).astype(int)


@pytest.mark.parametrize(
    ("metric", "bound"),
    [
        ("demographic_parity_difference", 0.05),
        ("demographic_parity_ratio", 0.9),
        ("equal_opportunity_difference", 0.01),
        ("equalized_odds_difference", 0.03),
    ],
)
def test_the_band_is_the_narrowest_meeting_the_bound(loan, metric, bound):
    X, y, sf, score = loan["X"], loan["y"], loan["sf"], loan["score"]
    roc = RejectOptionClassifier(loan["model"], prefit=True, metric=metric, bound=bound)
    roc.fit(X, y, sensitive_features=sf)
    assert roc.unprivileged_ == ("female",)  # the lower selection rate
    groups = sf.to_numpy()
    pred = roc.predict(X, sensitive_features=sf)
    np.testing.assert_array_equal(
        pred, _by_definition(score, groups, roc.unprivileged_, 0.5, roc.margin_)
    )

    def value(margin):
        decision = (
            _by_definition(score, groups, ("female",), 0.5, margin)
            if margin >= 0
            else (score >= 0.5).astype(int)
        )
        return pf.audit(y, decision, sensitive_features=sf).disparity(metric).value

    def meets(v):
        return v >= bound if metric.endswith("_ratio") else v <= bound

    assert value(-1) == pytest.approx(roc.disparity_before_)
    assert not meets(roc.disparity_before_)
    assert value(roc.margin_) == pytest.approx(roc.disparity_)
    assert meets(roc.disparity_)
    # every narrower band (each distance at which a decision could flip) fails
    distances = np.unique(np.abs(score - 0.5))
    narrower = distances[distances < roc.margin_]
    decisions = np.where(
        np.abs(score - 0.5)[None, :] <= narrower[:, None],
        (groups == "female")[None, :],
        (score >= 0.5)[None, :],
    )
    values = _disparities(y, decisions, groups, metric)
    assert not any(meets(v) for v in values)


def _disparities(y, decisions, groups, metric):
    """The metric of each row of a (bands x rows) decision matrix, from counts."""
    rates = {}
    for name, member in (
        ("selection_rate", np.ones_like(y, dtype=bool)),
        ("tpr", y == 1),
        ("fpr", y == 0),
    ):
        rates[name] = np.column_stack(
            [
                decisions[:, (groups == g) & member].mean(axis=1)
                for g in np.unique(groups)
            ]
        )
    used = {
        "demographic_parity": ["selection_rate"],
        "equal_opportunity": ["tpr"],
        "equalized_odds": ["tpr", "fpr"],
    }[metric.rsplit("_", 1)[0]]
    if metric.endswith("_ratio"):
        return np.min(
            [r.min(axis=1) / r.max(axis=1) for k, r in rates.items() if k in used],
            axis=0,
        )
    return np.max(
        [r.max(axis=1) - r.min(axis=1) for k, r in rates.items() if k in used], axis=0
    )


def test_no_decision_outside_the_band_changes(loan):
    X, y, sf2, score = loan["X"], loan["y"], loan["sf2"], loan["score"]
    roc = RejectOptionClassifier(
        loan["model"], prefit=True, unprivileged={"gender": "female"}, margin=0.08
    ).fit(X, y, sensitive_features=sf2)
    pred = roc.predict(X, sensitive_features=sf2)
    base = loan["model"].predict(X)
    outside = np.abs(score - 0.5) > 0.08
    np.testing.assert_array_equal(pred[outside], base[outside])
    inside = ~outside
    female = (sf2["gender"] == "female").to_numpy()
    assert (pred[inside & female] == 1).all()
    assert (pred[inside & ~female] == 0).all()
    changed = pred != base
    assert roc.changed_ == pytest.approx(changed.mean())
    expected = sf2.assign(changed=changed).groupby(["gender", "race"])["changed"].sum()
    np.testing.assert_array_equal(
        roc.changes_["changed"].to_numpy(),
        expected.loc[roc.changes_.index].to_numpy(),
    )
    assert set(roc.unprivileged_) == {g for g in roc.groups_ if g[0] == "female"}
    assert all(len(g) == 2 for g in roc.groups_)
    assert roc.changes_["unprivileged"].sum() == len(roc.unprivileged_)


def test_margin_zero_keeps_the_model_decisions(loan):
    roc = RejectOptionClassifier(loan["model"], prefit=True, margin=0.0)
    roc.fit(loan["X"], loan["y"], sensitive_features=loan["sf"])
    np.testing.assert_array_equal(
        roc.predict(loan["X"], sensitive_features=loan["sf"]),
        loan["model"].predict(loan["X"]),
    )
    assert roc.changed_ == 0.0
    assert roc.disparity_ == roc.disparity_before_


def test_an_unreachable_bound_warns_and_takes_the_best_band(loan):
    X, y, sf2 = loan["X"], loan["y"], loan["sf2"]
    roc = RejectOptionClassifier(loan["model"], prefit=True, bound=0.0)
    with pytest.warns(FairnessWarning, match="No band meets"):
        roc.fit(X, y, sensitive_features=sf2)
    assert roc.disparity_ < roc.disparity_before_


def test_weights_count_as_repeated_rows(loan):
    X, y, sf = loan["X"], loan["y"], loan["sf"]
    reps = np.random.default_rng(0).integers(0, 3, len(y))
    idx = np.repeat(np.arange(len(y)), reps)
    a = RejectOptionClassifier(loan["model"], prefit=True).fit(
        X, y, sensitive_features=sf, sample_weight=reps
    )
    b = RejectOptionClassifier(loan["model"], prefit=True).fit(
        X.iloc[idx], y[idx], sensitive_features=sf.iloc[idx]
    )
    assert a.margin_ == b.margin_
    assert a.disparity_ == pytest.approx(b.disparity_)


def test_decision_function_uses_zero_as_the_threshold(loan):
    X = StandardScaler().fit_transform(loan["X"])
    svc = LinearSVC().fit(X, loan["y"])
    roc = RejectOptionClassifier(svc, prefit=True).fit(
        X, loan["y"], sensitive_features=loan["sf"]
    )
    assert roc.threshold_ == 0.0
    pred = roc.predict(X, sensitive_features=loan["sf"])
    outside = np.abs(svc.decision_function(X)) > roc.margin_
    np.testing.assert_array_equal(pred[outside], svc.predict(X)[outside])


def test_unseen_groups_keep_the_model_decision_with_overall(loan):
    X, y, sf = loan["X"], loan["y"], loan["sf"]
    roc = RejectOptionClassifier(loan["model"], prefit=True, margin=0.2)
    roc.fit(X, y, sensitive_features=sf)
    other = np.array(["nonbinary"] * 50)
    with pytest.raises(FairnessValueError, match="not seen at fit time"):
        roc.predict(X[:50], sensitive_features=other)
    roc.set_params(unseen_group="overall").fit(X, y, sensitive_features=sf)
    np.testing.assert_array_equal(
        roc.predict(X[:50], sensitive_features=other), loan["model"].predict(X[:50])
    )


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"metric": "demographic_parity"}, "metric must be one of"),
        ({"margin": -0.1}, "margin must be None or a number >= 0"),
        ({"threshold": "half"}, "threshold must be a number or 'auto'"),
        ({"bound": "small"}, "bound must be a number"),
        ({"unprivileged": "nonbinary"}, "matches none of the groups"),
        ({"unprivileged": {"sex": "female"}}, "not a sensitive feature"),
    ],
)
def test_bad_parameters_are_named(loan, params, match):
    roc = RejectOptionClassifier(loan["model"], prefit=True, **params)
    with pytest.raises(FairnessValueError, match=match):
        roc.fit(loan["X"], loan["y"], sensitive_features=loan["sf"])


def test_unprivileged_accepts_labels_lists_and_intersections(loan):
    X, y, sf2 = loan["X"], loan["y"], loan["sf2"]
    one = RejectOptionClassifier(
        loan["model"], prefit=True, margin=0.1, unprivileged=("female", "black")
    ).fit(X, y, sensitive_features=sf2)
    assert one.unprivileged_ == (("female", "black"),)
    many = RejectOptionClassifier(
        loan["model"],
        prefit=True,
        margin=0.1,
        unprivileged={"gender": "female", "race": ["black", "hispanic"]},
    ).fit(X, y, sensitive_features=sf2)
    assert set(many.unprivileged_) == {("female", "black"), ("female", "hispanic")}
    listed = RejectOptionClassifier(
        loan["model"], prefit=True, margin=0.1, unprivileged=["female"]
    ).fit(X, y, sensitive_features=loan["sf"])
    assert listed.unprivileged_ == ("female",)
