"""GroupStandardizer: StandardScaler within every (intersectional) group."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from pytest_fairness import FairnessValueError
from pytest_fairness.datasets import make_loan_applications
from pytest_fairness.preprocessing import GroupStandardizer

FEATURES = ["income", "credit_score", "debt_to_income", "employment_gap_months"]


@pytest.fixture(scope="module")
def loan() -> pd.DataFrame:
    return make_loan_applications(3000, random_state=6)


def keys(df):
    return (df["gender"] + "|" + df["race"]).to_numpy()


def test_equals_a_standard_scaler_fitted_on_each_group(loan):
    X = loan[FEATURES].to_numpy(float)
    sf = loan[["gender", "race"]]
    Z = GroupStandardizer().fit_transform(X, sensitive_features=sf)
    key = keys(loan)
    for k in np.unique(key):
        mask = key == k
        expected = StandardScaler().fit_transform(X[mask])
        np.testing.assert_allclose(Z[mask], expected, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(Z[mask].mean(axis=0), 0, atol=1e-12)
        np.testing.assert_allclose(Z[mask].std(axis=0), 1, rtol=1e-12)


def test_one_group_is_a_standard_scaler(loan):
    X = loan[FEATURES].to_numpy(float)
    Z = GroupStandardizer().fit_transform(X, sensitive_features=np.zeros(len(X)))
    np.testing.assert_allclose(Z, StandardScaler().fit_transform(X), rtol=1e-10)


@pytest.mark.parametrize(("with_mean", "with_std"), [(True, False), (False, True)])
def test_centring_and_scaling_can_be_switched_off(loan, with_mean, with_std):
    X = loan[FEATURES].to_numpy(float)
    g = loan["gender"].to_numpy()
    gs = GroupStandardizer(with_mean=with_mean, with_std=with_std)
    Z = gs.fit_transform(X, sensitive_features=g)
    for k in ("female", "male"):
        mask = g == k
        ref = StandardScaler(with_mean=with_mean, with_std=with_std).fit(X[mask])
        np.testing.assert_allclose(Z[mask], ref.transform(X[mask]), rtol=1e-10)


def test_group_shift_is_removed_from_the_employment_gap(loan):
    gap = loan[["employment_gap_months"]].to_numpy(float)
    g = loan["gender"].to_numpy()
    raw = [gap[g == k].mean() for k in ("female", "male")]
    assert raw[0] > raw[1] + 1  # women's gaps are longer in the scenario
    Z = GroupStandardizer().fit_transform(gap, sensitive_features=g)
    means = [Z[g == k].mean() for k in ("female", "male")]
    stds = [Z[g == k].std() for k in ("female", "male")]
    np.testing.assert_allclose(means, 0, atol=1e-12)
    np.testing.assert_allclose(stds, 1, rtol=1e-12)


def test_transform_uses_the_fitted_statistics(loan):
    X = loan[FEATURES].to_numpy(float)
    g = loan["gender"].to_numpy()
    gs = GroupStandardizer().fit(X[:2000], sensitive_features=g[:2000])
    Z = gs.transform(X[2000:], sensitive_features=g[2000:])
    for i, k in enumerate(gs.groups_):
        mask = g[2000:] == k[0]
        fitted = g[:2000] == k[0]
        np.testing.assert_allclose(gs.mean_[i], X[:2000][fitted].mean(axis=0))
        np.testing.assert_allclose(gs.scale_[i], X[:2000][fitted].std(axis=0))
        np.testing.assert_allclose(
            Z[mask], (X[2000:][mask] - gs.mean_[i]) / gs.scale_[i]
        )
    np.testing.assert_array_equal(
        gs.count_, [np.sum(g[:2000] == k[0]) for k in gs.groups_]
    )


def test_a_constant_column_within_a_group_is_divided_by_one():
    X = np.array([[5.0, 1.0], [5.0, 2.0], [1.0, 3.0], [3.0, 5.0]])
    g = ["a", "a", "b", "b"]
    gs = GroupStandardizer().fit(X, sensitive_features=g)
    np.testing.assert_array_equal(gs.scale_[0], [1.0, 0.5])
    np.testing.assert_allclose(gs.transform(X, sensitive_features=g)[:2, 0], 0)


def test_chosen_columns_only_and_names_out(loan):
    frame = loan[["race", "gender", *FEATURES]]
    gs = GroupStandardizer(
        columns="employment_gap_months", sensitive_feature_ids=["gender", "race"]
    ).set_output(transform="pandas")
    out = gs.fit_transform(frame)
    assert list(out.columns) == FEATURES
    pd.testing.assert_frame_equal(out[FEATURES[:3]], frame[FEATURES[:3]].astype(float))
    assert gs.sensitive_attributes_ == ("race", "gender")
    assert len(gs.groups_) == 8
    np.testing.assert_array_equal(gs.columns_, [5])


def test_routed_through_a_pipeline(loan):
    X, y, sf = loan[FEATURES], loan["approved"], loan[["gender", "race"]]
    with sklearn.config_context(enable_metadata_routing=True):
        gs = GroupStandardizer().set_fit_request(sensitive_features=True)
        gs = gs.set_transform_request(sensitive_features=True)
        pipe = make_pipeline(gs, LogisticRegression())
        pipe.fit(X, y, sensitive_features=sf)
        routed = pipe.predict(X, sensitive_features=sf)
    Z = GroupStandardizer().fit_transform(X, sensitive_features=sf)
    np.testing.assert_array_equal(routed, LogisticRegression().fit(Z, y).predict(Z))


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"with_mean": "yes"}, "'with_mean' parameter .* True or False"),
        ({"with_std": None}, "'with_std' parameter"),
        ({"columns": [3]}, "'columns' parameter"),
        ({"columns": []}, "non-empty"),
    ],
)
def test_bad_parameters_are_named(params, match):
    X = np.ones((6, 2))
    with pytest.raises(FairnessValueError, match=match):
        GroupStandardizer(**params).fit(X, sensitive_features=[0, 1] * 3)
