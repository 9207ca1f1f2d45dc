"""proxy_scan ranks the scenario's proxies first and measures leakage honestly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from pytest_fairness._association import association_table
from pytest_fairness.causal import CausalSpec, proxy_scan
from pytest_fairness.causal._design import roc_auc
from pytest_fairness.datasets import (
    LOAN_DAG_EDGES,
    LOAN_VARIABLE_ROLES,
    make_loan_applications,
)
from pytest_fairness.exceptions import FairnessGateFailure, FairnessValueError


@pytest.fixture(scope="module")
def loans() -> pd.DataFrame:
    return make_loan_applications(20_000, random_state=1)


def test_declared_proxies_rank_above_legitimate_predictors(loans):
    spec = CausalSpec.from_roles(LOAN_VARIABLE_ROLES, graph=LOAN_DAG_EDGES)
    scan = proxy_scan(loans.drop(columns=["approved", "race"]), "gender", spec=spec)
    table = scan.table
    rank = {f: i for i, f in enumerate(table["feature"])}
    for proxy in spec.proxies:
        for legit in spec.legitimate:
            assert rank[proxy] < rank[legit]
    assert table["role"].iloc[0] == "proxy"
    assert scan.flagged == ["industry"]
    assert table["association"].is_monotonic_decreasing


def test_table_holds_the_association_table_plus_flags(loans):
    X = loans.drop(columns=["approved", "gender", "race"])
    sf = loans[["gender", "race"]]
    scan = proxy_scan(X, sf, threshold=0.2, auc_threshold=0.6, leakage=False)
    ref = association_table(X, sf).set_index(["feature", "attribute"])
    got = scan.table.set_index(["feature", "attribute"]).loc[ref.index]
    for column in ("association", "nmi", "auc"):
        np.testing.assert_allclose(got[column], ref[column])
    flagged = (ref["association"] >= 0.2) | (ref["auc"] >= 0.6)
    np.testing.assert_array_equal(got["flagged"].to_numpy(), flagged.to_numpy())
    assert set(scan.leakage) == {"gender", "race"}
    assert all(np.isnan(v) for v in scan.leakage.values())


def test_leakage_auc_is_held_out_and_matches_a_logistic_reference(loans):
    X = loans[["employment_gap_months", "income", "credit_score"]]
    y = (loans["gender"] == "female").to_numpy()
    scan = proxy_scan(X, loans["gender"])
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, random_state=0
    )
    scaled = (X_train - X_train.mean()) / X_train.std()
    model = LogisticRegression(max_iter=1000).fit(scaled, y_train)
    reference = roc_auc_score(
        y_test, model.predict_proba((X_test - X_train.mean()) / X_train.std())[:, 1]
    )
    # the spline model captures at least what the linear one does, and no more
    # than a few points beyond it on this additive scenario
    assert reference - 0.01 <= scan.leakage["gender"] <= reference + 0.05


def test_independent_features_do_not_leak():
    rng = np.random.default_rng(3)
    n = 6000
    X = pd.DataFrame(
        {"a": rng.normal(size=n), "b": rng.choice(list("xyz"), n), "c": rng.random(n)}
    )
    scan = proxy_scan(X, rng.choice(["f", "m", "o"], n))
    assert abs(scan.leakage["sensitive_feature_0"] - 0.5) < 0.03
    assert scan.flagged == []


def test_roc_auc_matches_sklearn():
    rng = np.random.default_rng(0)
    y = rng.random(500) < 0.4
    score = np.round(rng.normal(size=500) + y, 1)  # with ties
    assert roc_auc(y, score) == pytest.approx(roc_auc_score(y, score), abs=1e-12)


def test_gate_on_a_scan(loans):
    scan = proxy_scan(loans.drop(columns=["approved", "race"]), "gender")
    scan.assert_within(max_association=0.5, max_leakage_auc=0.9)
    with pytest.raises(FairnessGateFailure) as info:
        scan.assert_within(max_association=0.3, max_n_flagged=0)
    message = str(info.value)
    assert "industry vs gender" in message
    assert "FAILED" in message
    assert scan.gate_values()["n_flagged"] == 1.0
    assert "| industry" in scan.to_markdown()
    assert scan.to_dict()["flagged"] == ["industry"]


def test_bad_thresholds():
    X = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0]})
    with pytest.raises(FairnessValueError, match=r"threshold must be a number in"):
        proxy_scan(X, ["f", "m", "f", "m"], threshold=2)
    with pytest.raises(FairnessValueError, match=r"auc_threshold must be"):
        proxy_scan(X, ["f", "m", "f", "m"], auc_threshold=0.2)
