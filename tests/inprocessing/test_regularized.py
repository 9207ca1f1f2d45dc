"""FairnessRegularizedClassifier: the loss, its gradient, and what it buys."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import check_grad
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

import pytest_fairness as pf
from pytest_fairness._tradeoff import assert_tradeoff
from pytest_fairness.exceptions import FairnessGateFailure, FairnessValueError
from pytest_fairness.inprocessing import FairnessRegularizedClassifier
from pytest_fairness.inprocessing._regularized import _Problem, soft_gap

SWEEP = [0.0, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0]
MODERATE = 50.0


def _toy(n=400, seed=0):
    rng = np.random.default_rng(seed)
    group = rng.choice(["a", "b", "c"], size=n, p=[0.5, 0.3, 0.2])
    shift = np.select([group == "a", group == "b"], [0.8, 0.0], -0.6)
    X = np.column_stack([rng.normal(size=n) + shift, rng.normal(size=n)])
    y = (X[:, 0] + 0.5 * X[:, 1] + rng.normal(size=n) > 0.3).astype(int)
    return X, y, group


# -- the objective ------------------------------------------------------------


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("C", [0.05, 1.0, 20.0])
@pytest.mark.parametrize("weighted", [False, True])
def test_without_penalties_it_is_sklearn_logistic_regression(
    C, fit_intercept, weighted
):
    X, y, group = _toy()
    w = np.random.default_rng(1).uniform(0.2, 3.0, size=len(y)) if weighted else None
    ours = FairnessRegularizedClassifier(C=C, fit_intercept=fit_intercept, tol=1e-10)
    ours.fit(X, y, sensitive_features=group, sample_weight=w)
    ref = LogisticRegression(
        C=C, fit_intercept=fit_intercept, tol=1e-10, max_iter=10_000
    )
    ref.fit(X, y, sample_weight=w)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-6)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-6)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-6)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))


@pytest.mark.parametrize(
    ("lambda_dp", "lambda_eo", "fit_intercept"),
    [(3.0, 0.0, True), (0.0, 7.0, True), (2.0, 5.0, True), (2.0, 5.0, False)],
)
def test_gradient_matches_finite_differences(lambda_dp, lambda_eo, fit_intercept):
    rng = np.random.default_rng(2)
    n = 300
    X = rng.normal(size=(n, 4))
    y = (rng.random(n) < 0.4).astype(float)
    codes = rng.integers(0, 5, size=n)
    y[codes == 4] = 0.0  # a group without positives: left out of the TPR gap
    problem = _Problem(
        X=X,
        y=y,
        weights=rng.uniform(0.1, 2.0, size=n),
        codes=codes,
        n_groups=5,
        C=0.7,
        lambda_dp=lambda_dp,
        lambda_eo=lambda_eo,
        fit_intercept=fit_intercept,
    )
    for _ in range(3):
        theta = rng.normal(size=4 + int(fit_intercept))
        error = check_grad(
            lambda t: problem.value_and_grad(t)[0],
            lambda t: problem.value_and_grad(t)[1],
            theta,
        )
        assert error < 1e-6 * max(1.0, np.linalg.norm(problem.value_and_grad(theta)[1]))


def test_soft_gap_is_the_mean_squared_gap_over_pairs_of_groups():
    rng = np.random.default_rng(3)
    p = rng.random(200)
    codes = rng.integers(0, 4, size=200)
    w = rng.uniform(0.5, 2.0, size=200)
    means = [np.average(p[codes == g], weights=w[codes == g]) for g in range(4)]
    pairs = list(itertools.combinations(means, 2))
    expected = np.mean([(a - b) ** 2 for a, b in pairs])
    value, _ = soft_gap(p, codes, w, 4)
    assert value == pytest.approx(expected, rel=1e-12)
    two, _ = soft_gap(p, codes % 2, w, 2)
    m0, m1 = (np.average(p[codes % 2 == g], weights=w[codes % 2 == g]) for g in (0, 1))
    assert two == pytest.approx((m0 - m1) ** 2, rel=1e-12)


def test_soft_gap_leaves_out_groups_without_weight():
    p = np.array([0.2, 0.4, 0.9, 0.1])
    codes = np.array([0, 0, 1, 2])
    value, grad = soft_gap(p, codes, np.array([1.0, 1.0, 0.0, 1.0]), 3)
    assert value == pytest.approx((0.3 - 0.1) ** 2)
    assert grad[2] == 0.0


def test_objective_terms_report_the_fitted_soft_gaps():
    X, y, group = _toy()
    model = FairnessRegularizedClassifier(lambda_dp=4.0).fit(
        X, y, sensitive_features=group
    )
    p = model.predict_proba(X)[:, 1]
    codes = pd.factorize(group, sort=True)[0]
    dp, _ = soft_gap(p, codes, np.ones_like(p), 3)
    eo, _ = soft_gap(p, codes, y.astype(float), 3)
    assert model.objective_terms_["dp_gap"] == pytest.approx(dp, rel=1e-9)
    assert model.objective_terms_["eo_gap"] == pytest.approx(eo, rel=1e-9)


# -- what the penalties buy (the measurable checks) -------------------


def _dp_and_accuracy(model, split):
    pred = model.predict(split.X_test)
    # 28 hispanic applicants are in Boston's test split: compare them too
    report = pf.audit(
        split.y_test, pred, sensitive_features=split.sf_test, min_group_size=20
    )
    return report.demographic_parity_difference, float((pred == split.y_test).mean())


@pytest.mark.parametrize("dataset", ["loan_split", "boston_split"])
def test_moderate_lambda_halves_demographic_parity_at_small_accuracy_cost(
    dataset, request
):
    split = request.getfixturevalue(dataset)
    plain = FairnessRegularizedClassifier().fit(
        split.X_train, split.y_train, sensitive_features=split.sf_train
    )
    fair = FairnessRegularizedClassifier(lambda_dp=MODERATE).fit(
        split.X_train, split.y_train, sensitive_features=split.sf_train
    )
    dp_plain, acc_plain = _dp_and_accuracy(plain, split)
    dp_fair, acc_fair = _dp_and_accuracy(fair, split)
    # unpenalised logistic regression is sklearn's (checked above)
    ref = LogisticRegression().fit(split.X_train, split.y_train)
    assert _dp_and_accuracy(ref, split) == pytest.approx((dp_plain, acc_plain))
    assert dp_fair <= 0.5 * dp_plain
    assert acc_plain - acc_fair <= 0.05


def test_demographic_parity_falls_as_lambda_grows_on_held_out_loans(loan_split):
    s = loan_split
    dps = []
    for lam in SWEEP:
        model = FairnessRegularizedClassifier(lambda_dp=lam)
        model.fit(s.X_train, s.y_train, sensitive_features=s.sf_train)
        dps.append(_dp_and_accuracy(model, s)[0])
    assert all(b <= a for a, b in itertools.pairwise(dps)), dps
    assert dps[-1] < 0.5 * dps[0]


@pytest.mark.parametrize("dataset", ["loan_split", "boston_split"])
def test_the_penalised_soft_gap_never_grows_with_lambda(dataset, request):
    # For minimisers of f + lambda * g, g at the optimum is non-increasing in
    # lambda: a property of the optimisation, exact on the training data.
    s = request.getfixturevalue(dataset)
    gaps = []
    for lam in SWEEP:
        model = FairnessRegularizedClassifier(lambda_dp=lam, tol=1e-9)
        model.fit(s.X_train, s.y_train, sensitive_features=s.sf_train)
        gaps.append(model.objective_terms_["dp_gap"])
    assert all(b <= a * (1 + 1e-6) for a, b in itertools.pairwise(gaps)), gaps


def test_equal_opportunity_penalty_narrows_the_tpr_gap(loan_split):
    s = loan_split
    tprs = []
    for lam in (0.0, 100.0):
        model = FairnessRegularizedClassifier(lambda_eo=lam)
        model.fit(s.X_train, s.y_train, sensitive_features=s.sf_train)
        report = pf.audit(
            s.y_test, model.predict(s.X_test), sensitive_features=s.sf_test
        )
        tprs.append(report.equal_opportunity_difference)
    assert tprs[1] <= 0.6 * tprs[0]


# -- estimator behaviour ------------------------------------------------------


def test_integer_sample_weight_equals_duplicated_rows():
    X, y, group = _toy(150)
    w = np.random.default_rng(4).integers(0, 4, size=len(y))
    model = FairnessRegularizedClassifier(lambda_dp=3.0, lambda_eo=2.0, tol=1e-10)
    weighted = model.fit(X, y, sensitive_features=group, sample_weight=w)
    coef_w = weighted.coef_.copy(), weighted.intercept_.copy()
    rows = np.repeat(np.arange(len(y)), w)
    dup = FairnessRegularizedClassifier(lambda_dp=3.0, lambda_eo=2.0, tol=1e-10)
    dup.fit(X[rows], y[rows], sensitive_features=group[rows])
    np.testing.assert_allclose(dup.coef_, coef_w[0], atol=1e-6)
    np.testing.assert_allclose(dup.intercept_, coef_w[1], atol=1e-6)


def test_output_does_not_depend_on_group_labels():
    X, y, group = _toy()
    renamed = np.array([{"a": "z", "b": "y", "c": "x"}[g] for g in group])
    a = FairnessRegularizedClassifier(lambda_dp=5.0, lambda_eo=5.0, tol=1e-10)
    b = FairnessRegularizedClassifier(lambda_dp=5.0, lambda_eo=5.0, tol=1e-10)
    a.fit(X, y, sensitive_features=group)
    b.fit(X, y, sensitive_features=renamed)
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-7)


def test_groups_are_intersections_of_every_sensitive_column(loan_split):
    s = loan_split
    model = FairnessRegularizedClassifier(lambda_dp=1.0).fit(
        s.X_train[:2000],
        s.y_train[:2000],
        sensitive_features={
            "gender": s.sf_train["gender"][:2000].to_numpy(),
            "race": s.sf_train["race"][:2000].to_numpy(),
        },
    )
    expected = set(s.sf_train.iloc[:2000].itertuples(index=False, name=None))
    assert set(model.groups_) == expected
    assert all(len(g) == 2 for g in model.groups_)


def test_sensitive_columns_of_X_equal_the_metadata_form():
    X, y, group = _toy()
    frame = pd.DataFrame({"x0": X[:, 0], "group": group, "x1": X[:, 1]})
    by_id = FairnessRegularizedClassifier(
        lambda_dp=5.0, sensitive_feature_ids="group", tol=1e-10
    ).fit(frame, y)
    by_meta = FairnessRegularizedClassifier(lambda_dp=5.0, tol=1e-10).fit(
        X, y, sensitive_features=group
    )
    np.testing.assert_allclose(by_id.coef_, by_meta.coef_, atol=1e-9)
    np.testing.assert_allclose(
        by_id.predict_proba(frame), by_meta.predict_proba(X), atol=1e-9
    )
    assert list(by_id.feature_names_in_) == ["x0", "group", "x1"]


def test_string_labels_and_positive_class():
    X, y, group = _toy()
    labels = np.where(y == 1, "yes", "no")
    model = FairnessRegularizedClassifier(lambda_dp=1.0).fit(
        X, labels, sensitive_features=group
    )
    assert list(model.classes_) == ["no", "yes"]
    proba = model.predict_proba(X)[:, 1]
    np.testing.assert_array_equal(model.predict(X), np.where(proba > 0.5, "yes", "no"))


def test_fits_without_groups_when_no_penalty_is_on():
    X, y, _ = _toy()
    model = FairnessRegularizedClassifier().fit(X, y)
    assert model.groups_ == ()


def test_warns_when_lbfgs_stops_at_max_iter():
    X, y, group = _toy()
    with pytest.warns(ConvergenceWarning, match="max_iter=1"):
        FairnessRegularizedClassifier(max_iter=1).fit(X, y, sensitive_features=group)


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"lambda_dp": -1.0}, r"'lambda_dp' parameter .* >= 0.0\. Got -1\.0"),
        ({"lambda_eo": "big"}, r"'lambda_eo' parameter .* Got 'big'"),
        ({"C": 0.0}, r"'C' parameter .* > 0\.0\. Got 0\.0"),
        ({"max_iter": 0}, r"'max_iter' parameter .* integer >= 1\. Got 0"),
        ({"fit_intercept": "yes"}, r"'fit_intercept' .* True or False"),
    ],
)
def test_bad_parameters_are_named(params, match):
    X, y, group = _toy(60)
    with pytest.raises(FairnessValueError, match=match):
        FairnessRegularizedClassifier(**params).fit(X, y, sensitive_features=group)


def test_a_penalty_needs_the_sensitive_features():
    X, y, _ = _toy(60)
    with pytest.raises(FairnessValueError, match="needs the sensitive features"):
        FairnessRegularizedClassifier(lambda_dp=1.0).fit(X, y)


def test_sensitive_features_must_match_the_rows():
    X, y, group = _toy(60)
    with pytest.raises(FairnessValueError, match="sensitive_features has 59 rows"):
        FairnessRegularizedClassifier(lambda_dp=1.0).fit(
            X, y, sensitive_features=group[:-1]
        )


def test_both_forms_of_sensitive_features_is_an_error():
    X, y, group = _toy(60)
    with pytest.raises(FairnessValueError, match="one way"):
        FairnessRegularizedClassifier(sensitive_feature_ids=0).fit(
            X, y, sensitive_features=group
        )


def test_unknown_sensitive_column_gets_a_hint():
    X, y, group = _toy(60)
    frame = pd.DataFrame({"x0": X[:, 0], "gender": group, "x1": X[:, 1]})
    with pytest.raises(FairnessValueError, match="Did you mean 'gender'"):
        FairnessRegularizedClassifier(sensitive_feature_ids="gendr").fit(frame, y)


def test_multiclass_targets_are_refused():
    X, _, group = _toy(60)
    y = np.arange(60) % 3
    with pytest.raises(FairnessValueError, match="Only binary classification"):
        FairnessRegularizedClassifier().fit(X, y, sensitive_features=group)


@pytest.mark.parametrize("dataset", ["loan_split", "boston_split"])
def test_the_tradeoff_gate_accepts_a_moderate_lambda(dataset, request):
    s = request.getfixturevalue(dataset)
    plain = FairnessRegularizedClassifier().fit(
        s.X_train, s.y_train, sensitive_features=s.sf_train
    )
    fair = FairnessRegularizedClassifier(lambda_dp=MODERATE).fit(
        s.X_train, s.y_train, sensitive_features=s.sf_train
    )
    assert_tradeoff(
        plain,
        fair,
        X=s.X_test,
        y=s.y_test,
        sensitive_features=s.sf_test,
        max_accuracy_drop=0.05,
        min_disparity_reduction=0.5,
        min_group_size=20,
    )
    with pytest.raises(FairnessGateFailure, match=r"at most 0\.005 allowed"):
        assert_tradeoff(
            plain,
            fair,
            X=s.X_test,
            y=s.y_test,
            sensitive_features=s.sf_test,
            max_accuracy_drop=0.005,
            min_group_size=20,
        )
