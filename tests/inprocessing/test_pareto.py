"""pareto_sweep: the grid's table, its Pareto front, best() and plot()."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

import pytest_fairness as pf
from pytest_fairness.exceptions import FairnessValueError
from pytest_fairness.inprocessing import (
    FairnessRegularizedClassifier,
    ReductionsClassifier,
    pareto_sweep,
)
from pytest_fairness.inprocessing._pareto import pareto_mask

LAMBDAS = [0.0, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0]


@pytest.fixture(scope="module")
def loan_sweep(loan_split):
    s = loan_split
    return pareto_sweep(
        FairnessRegularizedClassifier(),
        {"lambda_dp": LAMBDAS},
        s.X_train,
        s.y_train,
        sensitive_features=s.sf_train,
        X_val=s.X_test,
        y_val=s.y_test,
        sensitive_features_val=s.sf_test,
    )


def test_each_row_is_the_audit_of_that_fit(loan_sweep, loan_split):
    s = loan_split
    for i in (0, 4, 8):
        model = FairnessRegularizedClassifier(lambda_dp=LAMBDAS[i]).fit(
            s.X_train, s.y_train, sensitive_features=s.sf_train
        )
        pred = model.predict(s.X_test)
        report = pf.audit(s.y_test, pred, sensitive_features=s.sf_test)
        row = loan_sweep.table.iloc[i]
        assert row["lambda_dp"] == LAMBDAS[i]
        assert row["accuracy"] == pytest.approx(np.mean(pred == s.y_test))
        assert row["demographic_parity_difference"] == pytest.approx(
            report.demographic_parity_difference
        )
        assert row["equalized_odds_difference"] == pytest.approx(
            report.equalized_odds_difference
        )
        np.testing.assert_array_equal(
            loan_sweep.point(i).estimator.predict(s.X_test), pred
        )
    assert loan_sweep.evaluated_on == "validation"


def test_demographic_parity_falls_along_the_lambda_sweep(loan_sweep):
    dp = loan_sweep.table["demographic_parity_difference"].to_numpy()
    assert all(b <= a for a, b in itertools.pairwise(dp)), dp
    assert dp[-1] <= 0.5 * dp[0]


def test_front_is_the_set_of_undominated_points(loan_sweep):
    t = loan_sweep.table
    objectives = np.column_stack(
        [
            -t["accuracy"],
            t["demographic_parity_difference"],
            t["equalized_odds_difference"],
        ]
    )
    for i, row in enumerate(objectives):
        dominated = any(
            (other <= row).all() and (other < row).any()
            for j, other in enumerate(objectives)
            if j != i
        )
        assert t["pareto"].iloc[i] == (not dominated)
    front = loan_sweep.front
    assert front["pareto"].all()
    assert list(front["accuracy"]) == sorted(front["accuracy"], reverse=True)


def test_pareto_mask_matches_the_definition_on_random_points():
    rng = np.random.default_rng(5)
    for _ in range(20):
        n = int(rng.integers(2, 15))
        perf = rng.integers(0, 5, size=n).astype(float)  # ties on purpose
        gaps = rng.integers(0, 5, size=(n, 2)).astype(float)
        mask = pareto_mask(perf, gaps)
        obj = np.column_stack([-perf, gaps])
        for i in range(n):
            dominated = any(
                (obj[j] <= obj[i]).all() and (obj[j] < obj[i]).any()
                for j in range(n)
                if j != i
            )
            assert mask[i] == (not dominated)


def test_points_with_undefined_scores_are_never_on_the_front():
    mask = pareto_mask(np.array([0.9, 0.8]), np.array([[np.nan], [0.1]]))
    assert mask.tolist() == [False, True]


def test_best_is_the_fairest_point_within_the_accuracy_budget(loan_sweep):
    t = loan_sweep.table
    for budget in (0.01, 0.03, 0.05):
        best = loan_sweep.best(max_accuracy_drop=budget)
        eligible = t[t["accuracy"] >= t["accuracy"].max() - budget]
        assert best.scores["demographic_parity_difference"] == pytest.approx(
            eligible["demographic_parity_difference"].min()
        )
        assert best.params == {"lambda_dp": t["lambda_dp"].iloc[best.index]}


def test_best_respects_a_disparity_bound_and_explains_failure(loan_sweep):
    t = loan_sweep.table
    best = loan_sweep.best(
        max_disparity=0.25, max_accuracy_drop=0.1, metric="equalized_odds_difference"
    )
    assert best.scores["equalized_odds_difference"] <= 0.25
    assert best.scores["equalized_odds_difference"] == pytest.approx(
        t["equalized_odds_difference"].min()
    )
    with pytest.raises(FairnessValueError, match=r"No grid point .* fairest point"):
        loan_sweep.best(max_disparity=0.001, max_accuracy_drop=0.05)
    with pytest.raises(FairnessValueError, match="was not computed by this sweep"):
        loan_sweep.best(metric="predictive_parity_difference")


def test_ratios_count_their_distance_from_parity(small_loan):
    X, y, sf = small_loan
    sweep = pareto_sweep(
        FairnessRegularizedClassifier(),
        {"lambda_dp": [0.0, 200.0]},
        X,
        y,
        sensitive_features=sf["gender"],
        metrics="demographic_parity_ratio",
    )
    ratios = sweep.table["demographic_parity_ratio"]
    assert ratios.iloc[1] > ratios.iloc[0]  # closer to 1 with the penalty
    best = sweep.best(max_accuracy_drop=1.0)
    assert best.index == 1
    assert sweep.evaluated_on == "training"


def test_any_classifier_and_auc_as_the_performance(small_loan):
    X, y, sf = small_loan
    sweep = pareto_sweep(
        LogisticRegression(),
        {"C": [0.01, 1.0]},
        X[:300],
        y[:300],
        sensitive_features=sf["gender"][:300],
        X_val=X[300:],
        y_val=y[300:],
        sensitive_features_val=sf["gender"][300:],
        performance="auc",
    )
    model = LogisticRegression(C=0.01).fit(X[:300], y[:300])
    assert sweep.table["auc"].iloc[0] == pytest.approx(
        roc_auc_score(y[300:], model.predict_proba(X[300:])[:, 1])
    )


def test_reductions_receive_the_sensitive_features(small_loan):
    X, y, sf = small_loan
    sweep = pareto_sweep(
        ReductionsClassifier(method="grid_search", grid_size=6),
        {"constraint_weight": [0.0, 1.0]},
        X,
        y,
        sensitive_features=sf["gender"],
        metrics=["demographic_parity_difference"],
    )
    assert all(e.groups_ == (("female",), ("male",)) for e in sweep.estimators)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"param_grid": []}, "param_grid is empty"),
        ({"metrics": []}, "metrics is empty"),
        ({"metrics": ["accuracy"]}, "must be disparity names"),
        ({"performance": "recall"}, "performance must be one of"),
        ({"X_val": "given"}, "X_val needs y_val and sensitive_features_val"),
        ({"y_val": [1]}, "need X_val"),
    ],
)
def test_bad_arguments_are_named(kwargs, match, small_loan):
    X, y, sf = small_loan
    args = {"param_grid": {"lambda_dp": [0.0]}, **kwargs}
    grid = args.pop("param_grid")
    with pytest.raises(FairnessValueError, match=match):
        pareto_sweep(
            FairnessRegularizedClassifier(), grid, X, y, sensitive_features=sf, **args
        )


def test_plot_draws_the_front(loan_sweep):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ax = loan_sweep.plot()
    try:
        assert ax.get_xlabel() == "demographic_parity_difference"
        assert ax.get_ylabel() == "accuracy (validation data)"
        (line,) = ax.get_lines()
        front = loan_sweep.front.sort_values("demographic_parity_difference")
        np.testing.assert_allclose(
            line.get_xdata(), front["demographic_parity_difference"]
        )
        assert len(ax.texts) == len(LAMBDAS)
    finally:
        plt.close(ax.figure)


# -- n_jobs and verbose ------------------------------------------------------------


def _tiny_problem():
    rng = np.random.default_rng(0)
    group = rng.integers(0, 2, 300)
    X = np.column_stack([rng.normal(size=300) + group, rng.normal(size=300)])
    y = (X[:, 0] + rng.normal(size=300) > 0.5).astype(int)
    return X, y, group


def _tiny_sweep(**kwargs):
    X, y, group = _tiny_problem()
    return pareto_sweep(
        FairnessRegularizedClassifier(),
        {"lambda_dp": [0.0, 1.0, 10.0], "lambda_eo": [0.0, 5.0]},
        X[:200],
        y[:200],
        sensitive_features=group[:200],
        X_val=X[200:],
        y_val=y[200:],
        sensitive_features_val=group[200:],
        min_group_size=1,
        **kwargs,
    )


def test_two_jobs_give_the_same_sweep_as_one():
    import joblib

    one = _tiny_sweep(n_jobs=1)
    two = _tiny_sweep(n_jobs=2)
    default = _tiny_sweep()
    with joblib.parallel_config(n_jobs=2):  # None follows joblib's context
        in_context = _tiny_sweep()
    for other in (two, default, in_context):
        assert other.params == one.params
        assert other.table.drop(columns="fit_time").equals(
            one.table.drop(columns="fit_time")
        )
        for a, b in zip(one.estimators, other.estimators, strict=True):
            np.testing.assert_array_equal(a.coef_, b.coef_)
    assert one.table["pareto"].any()
    assert (two.table["fit_time"] > 0).all()


def test_verbose_shows_progress_on_stderr_and_is_silent_by_default(capsys):
    _tiny_sweep()
    out, err = capsys.readouterr()
    assert out == ""
    assert err == ""
    _tiny_sweep(verbose=1)
    out, err = capsys.readouterr()
    assert out == ""
    assert "pareto_sweep" in err
    assert "6/6" in err


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_jobs": 0}, "n_jobs must be None, a positive integer"),
        ({"n_jobs": 1.5}, "n_jobs must be None"),
        ({"n_jobs": True}, "n_jobs must be None"),
        ({"verbose": -1}, "verbose must be an integer >= 0"),
        ({"verbose": "yes"}, "verbose must be an integer >= 0"),
    ],
)
def test_bad_n_jobs_or_verbose_is_named(kwargs, match):
    with pytest.raises(FairnessValueError, match=match):
        _tiny_sweep(**kwargs)
