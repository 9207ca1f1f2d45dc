"""Each transformation lowers a model's demographic parity difference on real data.

The same logistic regression is fitted on the raw training data and after
each pre-processing step, with 5-fold cross-validation so that every row gets
an out-of-fold prediction. The demographic parity difference of those
predictions (``pytest_fairness.audit``) must be smaller after the step. The
sensitive features are left out of the model's inputs in every case.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler

import pytest_fairness as pf
from pytest_fairness.datasets import load_boston_mortgage, make_loan_applications
from pytest_fairness.preprocessing import (
    CorrelationRemover,
    DisparateImpactRemover,
    GroupStandardizer,
    Resampler,
    Reweighing,
)

LOAN_NUMERIC = ["income", "employment_gap_months", "credit_score", "debt_to_income"]
BOSTON_NUMERIC = [
    "hrat", "obrat", "loanprc", "loanamt", "appinc", "unem", "mortg", "cons", "dep"
]  # fmt: skip
METHODS = [
    "Reweighing",
    "Resampler(uniform)",
    "Resampler(preferential)",
    "Resampler(oversample)",
    "DisparateImpactRemover",
    "GroupStandardizer",
    "CorrelationRemover",
]


def loan_case():
    df = make_loan_applications(6000, random_state=0)
    industry = pd.get_dummies(df["industry"], dtype=float)
    X = pd.concat([df[LOAN_NUMERIC], industry], axis=1)
    # intersectional groups, for the transformations and for the audit
    return X, df["approved"], df[["gender", "race"]], LOAN_NUMERIC


def boston_case():
    df = load_boston_mortgage().dropna().reset_index(drop=True)
    X = df.drop(columns=["approved", "race", "sex"]).astype(float)
    return X, df["approved"], df[["race"]], BOSTON_NUMERIC


CASES = {"loan": loan_case, "boston": boston_case}


def fit_predict(method, X_train, y_train, sf_train, X_test, sf_test, numeric):
    weights = None
    if method == "Reweighing":
        rw = Reweighing().fit(X_train, y_train, sensitive_features=sf_train)
        weights = rw.sample_weight_
    elif method.startswith("Resampler"):
        sampler = Resampler(strategy=method[len("Resampler(") : -1], random_state=0)
        X_train, y_train = sampler.fit_resample(
            X_train, y_train, sensitive_features=sf_train
        )
    elif method != "raw":
        step = {
            "DisparateImpactRemover": DisparateImpactRemover(columns=numeric),
            "GroupStandardizer": GroupStandardizer(columns=numeric),
            "CorrelationRemover": CorrelationRemover(),
        }[method]
        X_train = step.fit_transform(X_train, sensitive_features=sf_train)
        X_test = step.transform(X_test, sensitive_features=sf_test)
    scaler = StandardScaler().fit(X_train)
    model = LogisticRegression(max_iter=2000)
    model.fit(scaler.transform(X_train), y_train, sample_weight=weights)
    return model.predict(scaler.transform(X_test))


def cross_validated_dp(case, method):
    X, y, sf, numeric = CASES[case]()
    pred = np.empty(len(y), dtype=np.int64)
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    for train, test in folds.split(X, y):
        pred[test] = fit_predict(
            method,
            X.iloc[train],
            y.iloc[train],
            sf.iloc[train],
            X.iloc[test],
            sf.iloc[test],
            numeric,
        )
    report = pf.audit(y, pred, sensitive_features=sf)
    return report.demographic_parity_difference


@pytest.fixture(scope="module")
def raw_dp():
    return {case: cross_validated_dp(case, "raw") for case in CASES}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("method", METHODS)
def test_transformation_lowers_demographic_parity_difference(raw_dp, case, method):
    before = raw_dp[case]
    assert before > 0.1  # the raw model is clearly unfair on both datasets
    after = cross_validated_dp(case, method)
    assert after < before, f"{method} on {case}: {after:.4f} >= raw {before:.4f}"


def test_the_module_runs_without_dowhy():
    code = textwrap.dedent(
        """
        import sys
        sys.modules["dowhy"] = None  # importing dowhy now raises ImportError
        from sklearn.naive_bayes import GaussianNB

        from pytest_fairness import preprocessing as pp
        from pytest_fairness.datasets import make_loan_applications

        df = make_loan_applications(500, random_state=0)
        X = df[["income", "credit_score", "employment_gap_months"]]
        y, sf = df["approved"], df[["gender", "race"]]
        pp.Reweighing().fit(X, y, sensitive_features=sf)
        pp.ReweighingMeta(estimator=GaussianNB()).fit(X, y, sensitive_features=sf)
        for strategy in ("uniform", "preferential", "oversample"):
            pp.Resampler(strategy=strategy, random_state=0).fit_resample(
                X, y, sensitive_features=sf)
        for step in (pp.DisparateImpactRemover(), pp.GroupStandardizer(),
                     pp.CorrelationRemover()):
            step.fit_transform(X, sensitive_features=sf)
        pp.bias_profile(df, sensitive_features=["gender", "race"],
                        label="approved").to_markdown()
        assert sys.modules["dowhy"] is None
        print("ok")
        """
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
