"""CorrelationRemover: fairlearn's output, group indicators, no correlation left."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fairlearn.preprocessing import CorrelationRemover as FairlearnCorrelationRemover

from pytest_fairness import FairnessValueError
from pytest_fairness.datasets import make_loan_applications
from pytest_fairness.preprocessing import CorrelationRemover

FEATURES = ["income", "credit_score", "debt_to_income", "employment_gap_months"]


@pytest.fixture(scope="module")
def loan() -> pd.DataFrame:
    df = make_loan_applications(2500, random_state=8)
    return df.assign(
        female=(df["gender"] == "female").astype(float),
        minority=(df["race"] != "white").astype(float),
    )


@pytest.mark.parametrize("alpha", [1.0, 0.4, 0.0])
def test_numeric_sensitive_columns_reproduce_fairlearn(loan, alpha):
    frame = loan[["female", *FEATURES, "minority"]]
    ids = ["female", "minority"]
    ours = CorrelationRemover(sensitive_feature_ids=ids, alpha=alpha)
    theirs = FairlearnCorrelationRemover(sensitive_feature_ids=ids, alpha=alpha)
    np.testing.assert_allclose(
        ours.fit_transform(frame), theirs.fit(frame).transform(frame), rtol=1e-10
    )
    np.testing.assert_allclose(ours.beta_, theirs.beta_, rtol=1e-10)
    # and with a plain array, by position
    arr = frame.to_numpy()
    np.testing.assert_allclose(
        CorrelationRemover(sensitive_feature_ids=[0, 5], alpha=alpha).fit_transform(
            arr
        ),
        FairlearnCorrelationRemover(sensitive_feature_ids=[0, 5], alpha=alpha)
        .fit(arr)
        .transform(arr),
        rtol=1e-10,
    )


def test_group_labels_equal_fairlearn_on_group_indicator_columns(loan):
    sf = loan[["gender", "race"]]
    key = loan["gender"] + "|" + loan["race"]
    indicators = pd.get_dummies(key, prefix="g", dtype=float)
    X = loan[FEATURES]
    ours = CorrelationRemover().fit(X, sensitive_features=sf)
    out = ours.transform(X, sensitive_features=sf)
    frame = pd.concat([X, indicators], axis=1)
    theirs = FairlearnCorrelationRemover(sensitive_feature_ids=list(indicators.columns))
    expected = theirs.fit(frame).transform(frame)
    np.testing.assert_allclose(
        out, expected, rtol=1e-9, atol=1e-9 * X.abs().max().max()
    )
    # the closed-form minimum-norm coefficients are lstsq's
    np.testing.assert_allclose(ours.beta_, theirs.beta_, rtol=1e-7, atol=1e-8)
    np.testing.assert_allclose(ours.sensitive_mean_, indicators.mean().to_numpy())


def test_a_binary_column_gives_the_same_result_either_way(loan):
    by_ids = CorrelationRemover(sensitive_feature_ids="female").fit_transform(
        loan[["female", *FEATURES]]
    )
    by_groups = CorrelationRemover().fit_transform(
        loan[FEATURES], sensitive_features=loan["gender"]
    )
    np.testing.assert_allclose(by_ids, by_groups, rtol=1e-10)


def test_no_correlation_with_any_group_is_left(loan):
    sf = loan[["gender", "race"]]
    out = CorrelationRemover().fit_transform(loan[FEATURES], sensitive_features=sf)
    key = (loan["gender"] + "|" + loan["race"]).to_numpy()
    indicators = pd.get_dummies(key, dtype=float).to_numpy()
    raw = [abs(np.corrcoef(loan["income"], ind)[0, 1]) for ind in indicators.T]
    assert max(raw) > 0.1  # income reveals the group before
    for j in range(out.shape[1]):
        for k in range(indicators.shape[1]):
            assert abs(np.corrcoef(out[:, j], indicators[:, k])[0, 1]) < 1e-10
    # every group has the overall mean
    for k in np.unique(key):
        np.testing.assert_allclose(
            out[key == k].mean(axis=0), loan[FEATURES].mean().to_numpy(), rtol=1e-10
        )


def test_transform_on_new_rows_uses_the_fitted_coefficients(loan):
    X, g = loan[FEATURES].to_numpy(float), loan["gender"].to_numpy()
    cr = CorrelationRemover(alpha=0.5).fit(X[:2000], sensitive_features=g[:2000])
    out = cr.transform(X[2000:], sensitive_features=g[2000:])
    fitted_means = {k: X[:2000][g[:2000] == k].mean(axis=0) for k in ("female", "male")}
    overall = X[:2000].mean(axis=0)
    for k, mean in fitted_means.items():
        mask = g[2000:] == k
        np.testing.assert_allclose(out[mask], X[2000:][mask] - 0.5 * (mean - overall))


def test_text_in_a_sensitive_column_of_x_is_explained(loan):
    with pytest.raises(
        FairnessValueError, match="pass the groups as sensitive_features"
    ):
        CorrelationRemover(sensitive_feature_ids="gender").fit(
            loan[["gender", *FEATURES]]
        )


def test_output_names_and_errors(loan):
    cr = CorrelationRemover(sensitive_feature_ids=["female"]).set_output(
        transform="pandas"
    )
    out = cr.fit_transform(loan[[*FEATURES, "female"]])
    assert list(out.columns) == FEATURES
    with pytest.raises(FairnessValueError, match="'alpha' parameter"):
        CorrelationRemover(alpha=2).fit(loan[FEATURES], sensitive_features=loan["race"])
    fitted = CorrelationRemover().fit(loan[FEATURES], sensitive_features=loan["race"])
    with pytest.raises(FairnessValueError, match="not seen at fit time"):
        fitted.transform(
            loan[FEATURES].head(2), sensitive_features=["white", "martian"]
        )
