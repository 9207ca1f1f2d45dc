"""DisparateImpactRemover: identical group distributions at full repair, ranks kept."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
import sklearn
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import ks_2samp
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from pytest_fairness import FairnessValueError
from pytest_fairness.datasets import make_loan_applications
from pytest_fairness.preprocessing import DisparateImpactRemover

FEATURES = ["income", "credit_score", "debt_to_income", "employment_gap_months"]


def continuous_data(sizes=(300, 500, 800), seed=0):
    """Three groups of different sizes and shapes; no ties."""
    rng = np.random.default_rng(seed)
    g = np.repeat(np.array(["a", "b", "c"]), sizes)
    x0 = np.concatenate(
        [
            rng.normal(0, 1, sizes[0]),
            rng.normal(1, 2, sizes[1]),
            rng.exponential(1, sizes[2]),
        ]
    )
    x1 = rng.lognormal(size=g.size) * (1 + (g == "b") + 3 * (g == "c"))
    return np.c_[x0, x1], g


def max_ks(Z, g):
    out = []
    for a, b in itertools.combinations(np.unique(g), 2):
        stat = ks_2samp(Z[g == a], Z[g == b]).statistic
        out.append((stat, 1 / np.sum(g == a) + 1 / np.sum(g == b)))
    return out


def test_full_repair_makes_group_distributions_identical():
    X, g = continuous_data()
    repair = DisparateImpactRemover().fit(X, sensitive_features=g)
    Z = repair.transform(X, sensitive_features=g)
    for j in range(X.shape[1]):
        before = max(s for s, _ in max_ks(X[:, j], g))
        assert before > 0.3
        # two empirical samples of one distribution on the grids u = i / (n - 1)
        # differ by at most 1/n_a + 1/n_b; the stored quantile levels add 1/K
        for stat, bound in max_ks(Z[:, j], g):
            assert stat <= bound + 1 / repair.n_quantiles_


def test_full_repair_on_intersectional_loan_groups():
    df = make_loan_applications(4000, random_state=2)
    sf = df[["gender", "race"]]
    key = (df["gender"] + "|" + df["race"]).to_numpy()
    X = df[FEATURES].to_numpy(float)
    Z = DisparateImpactRemover().fit_transform(X, sensitive_features=sf)
    for j in range(3):  # income, credit score and debt-to-income have few ties
        before = max(s for s, _ in max_ks(X[:, j], key))
        after = max(s for s, _ in max_ks(Z[:, j], key))
        assert after < before / 5
        assert after < 0.02


def test_repaired_groups_follow_the_median_of_the_group_quantiles():
    X, g = continuous_data()
    repair = DisparateImpactRemover(n_quantiles=200).fit(X, sensitive_features=g)
    refs = np.linspace(0, 1, 200)
    for j in range(2):
        per_group = np.array([np.quantile(X[g == k, j], refs) for k in "abc"])
        np.testing.assert_allclose(repair.quantiles_[j], per_group)
        np.testing.assert_allclose(repair.median_quantiles_[j], np.median(per_group, 0))
    Z = repair.transform(X, sensitive_features=g)
    # the smallest and largest value of every group map onto the target's ends
    for k in "abc":
        zk = Z[g == k, 0]
        assert zk.min() == pytest.approx(repair.median_quantiles_[0, 0])
        assert zk.max() == pytest.approx(repair.median_quantiles_[0, -1])


def test_rank_order_within_each_group_is_kept():
    df = make_loan_applications(3000, random_state=4)
    X = df[FEATURES].to_numpy(float)
    for level in (1.0, 0.6):
        Z = DisparateImpactRemover(repair_level=level).fit_transform(
            X, sensitive_features=df["gender"]
        )
        for group in ("female", "male"):
            mask = (df["gender"] == group).to_numpy()
            for j in range(X.shape[1]):
                order = np.argsort(X[mask, j], kind="stable")
                x, z = X[mask, j][order], Z[mask, j][order]
                assert np.all(np.diff(z) >= -1e-9)  # non-decreasing
                # ties stay tied
                tied = np.diff(x) == 0
                np.testing.assert_allclose(np.diff(z)[tied], 0, atol=1e-9)
                if level < 1:  # a partial repair keeps strict order
                    assert np.all(np.diff(z)[~tied] > 0)


def test_repair_level_zero_is_the_identity():
    df = make_loan_applications(1000, random_state=0)
    X = df[FEATURES].to_numpy(float)
    Z = DisparateImpactRemover(repair_level=0.0).fit_transform(
        X, sensitive_features=df[["gender", "race"]]
    )
    np.testing.assert_array_equal(Z, X)


@settings(max_examples=25, deadline=None)
@given(st.floats(0.0, 1.0))
def test_partial_repair_interpolates_linearly(level):
    X, g = continuous_data((40, 60, 30), seed=1)
    full = DisparateImpactRemover().fit_transform(X, sensitive_features=g)
    part = DisparateImpactRemover(repair_level=level).fit_transform(
        X, sensitive_features=g
    )
    np.testing.assert_allclose(part, (1 - level) * X + level * full, atol=1e-9)


def test_transform_on_new_data_uses_the_fitted_quantiles():
    X, g = continuous_data(seed=0)
    repair = DisparateImpactRemover().fit(X, sensitive_features=g)
    train_out = repair.transform(X, sensitive_features=g)
    attrs = repair.quantiles_.copy()
    X_new, g_new = continuous_data(seed=7)
    out = repair.transform(X_new, sensitive_features=g_new)
    np.testing.assert_array_equal(repair.quantiles_, attrs)
    # a training row transformed alone gets the value it had in training
    for i in (0, 350, 1500):
        alone = repair.transform(X[i : i + 1], sensitive_features=g[i : i + 1])
        np.testing.assert_allclose(alone[0], train_out[i])
    # fresh data from the same groups is repaired too, up to the sampling noise
    # of the training quantiles and of the new sample (a two-sample KS critical
    # value at the 0.1% level, with the variance of both samples)
    for (stat, bound), (raw, _) in zip(
        max_ks(out[:, 0], g_new), max_ks(X_new[:, 0], g_new), strict=True
    ):
        assert stat < 1.95 * np.sqrt(2 * bound)
        assert stat < raw / 3
    # values outside a group's training range map to the target's ends
    far = repair.transform(
        np.array([[-1e6, -1e6], [1e6, 1e6]]), sensitive_features=["a", "a"]
    )
    np.testing.assert_allclose(far[:, 0], repair.median_quantiles_[0, [0, -1]])


def test_only_the_chosen_columns_are_repaired_and_sensitive_columns_dropped():
    df = make_loan_applications(800, random_state=3)
    frame = df[["gender", *FEATURES]]
    repair = DisparateImpactRemover(
        columns=["income", "employment_gap_months"], sensitive_feature_ids="gender"
    ).set_output(transform="pandas")
    out = repair.fit_transform(frame)
    assert list(out.columns) == FEATURES
    pd.testing.assert_frame_equal(
        out[["credit_score", "debt_to_income"]],
        frame[["credit_score", "debt_to_income"]].astype(float),
    )
    assert not np.allclose(out["income"], frame["income"])
    np.testing.assert_array_equal(repair.columns_, [1, 4])
    by_metadata = DisparateImpactRemover(columns=[0, 3]).fit_transform(
        df[FEATURES], sensitive_features=df["gender"]
    )
    np.testing.assert_allclose(out.to_numpy(), by_metadata)


def test_sensitive_features_are_routed_in_a_pipeline():
    df = make_loan_applications(1500, random_state=5)
    X, y, sf = df[FEATURES], df["approved"], df["gender"]
    with sklearn.config_context(enable_metadata_routing=True):
        repair = DisparateImpactRemover().set_fit_request(sensitive_features=True)
        repair = repair.set_transform_request(sensitive_features=True)
        model = LogisticRegression(max_iter=1000).set_fit_request(sample_weight=False)
        pipe = make_pipeline(repair, make_pipeline_scaler(), model)
        pipe.fit(X, y, sensitive_features=sf)
        routed = pipe.predict_proba(X, sensitive_features=sf)
    Z = DisparateImpactRemover().fit_transform(X, sensitive_features=sf)
    manual = make_pipeline(make_pipeline_scaler(), LogisticRegression(max_iter=1000))
    np.testing.assert_allclose(routed, manual.fit(Z, y).predict_proba(Z))


def make_pipeline_scaler():
    from sklearn.preprocessing import StandardScaler

    return StandardScaler()


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"repair_level": 1.5}, "'repair_level' parameter .* float in \\[0, 1\\]"),
        ({"repair_level": "full"}, "'repair_level' parameter"),
        ({"n_quantiles": 1}, "'n_quantiles' parameter .* int >= 2"),
        ({"columns": [7]}, "'columns' parameter"),
        ({"columns": [0], "sensitive_feature_ids": 0}, "not sensitive features"),
        ({"columns": "income"}, "X has no column names"),
    ],
)
def test_bad_parameters_are_named(params, match):
    X = np.random.default_rng(0).normal(size=(20, 3))
    kwargs = (
        {} if "sensitive_feature_ids" in params else {"sensitive_features": [0, 1] * 10}
    )
    with pytest.raises(FairnessValueError, match=match):
        DisparateImpactRemover(**params).fit(X, **kwargs)


def test_unseen_group_at_transform_is_an_error():
    X, g = continuous_data((20, 20, 20))
    repair = DisparateImpactRemover().fit(X, sensitive_features=g)
    with pytest.raises(FairnessValueError, match="not seen at fit time"):
        repair.transform(X[:2], sensitive_features=["a", "z"])
    with pytest.raises(FairnessValueError, match="needs the sensitive features"):
        repair.transform(X)
