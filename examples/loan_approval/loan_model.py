"""Loan-approval models of a bank, trained on its historical decisions.

Two variants of one scikit-learn pipeline are trained on the reference
scenario of pytest-fairness (:func:`pytest_fairness.datasets.make_loan_applications`):

``unmitigated``
    Uses every applicant attribute except the protected ones: industry,
    employment gap, income, credit score and debt-to-income. Leaving gender
    out is not enough, because industry, income and employment gaps carry
    it (they are its mediators and proxies) and the historical labels
    contain direct discrimination that the model learns to reproduce.
``legitimate_only``
    Uses only the legitimate predictors of repayment, credit score and
    debt-to-income.
``with_industry``
    A retrain of ``legitimate_only`` that adds industry back, the proxy of
    gender: the regression the baseline of the release gate must block.

Three mitigations keep every feature of ``unmitigated`` and act at one stage
each: :func:`train_preprocessed` repairs the data, :func:`train_inprocessed`
trains under a fairness penalty and :func:`adjust_postprocessed` sets a
decision threshold per group on the unmitigated model.

Run ``python loan_model.py`` to print the approval rate each variant gives
men and women.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from pytest_fairness.datasets import make_loan_applications
from pytest_fairness.inprocessing import FairnessRegularizedClassifier
from pytest_fairness.postprocessing import GroupThresholdOptimizer
from pytest_fairness.preprocessing import GroupStandardizer

Variant = Literal["unmitigated", "legitimate_only", "with_industry"]

TARGET = "approved"
SENSITIVE = ["gender", "race"]
FEATURES: dict[Variant, list[str]] = {
    "unmitigated": [
        "industry",
        "employment_gap_months",
        "income",
        "credit_score",
        "debt_to_income",
    ],
    "legitimate_only": ["credit_score", "debt_to_income"],
    "with_industry": ["industry", "credit_score", "debt_to_income"],
}
# The mediators through which gender reaches the decision (the causal stage
# finds them): the pre-processing step measures them within each group.
MEDIATORS = ["employment_gap_months", "income"]
# The weight of the demographic parity penalty of the in-processing model.
LAMBDA_DP = 50.0

# Large enough that the smallest gender x race group of the test half (Asian
# women, about 4% of applicants) has some 2,000 rows.
N_APPLICATIONS = 100_000
RANDOM_STATE = 0


@dataclass(frozen=True)
class LoanSplit:
    """Training and test halves of the historical applications."""

    train: pd.DataFrame
    test: pd.DataFrame


def load_split(
    n: int = N_APPLICATIONS, *, random_state: int = RANDOM_STATE
) -> LoanSplit:
    """Generate the applications and split them in two stratified halves."""
    data = make_loan_applications(n, random_state=random_state)
    train, test = train_test_split(
        data, test_size=0.5, random_state=random_state, stratify=data[TARGET]
    )
    return LoanSplit(train=train, test=test)


def _encoder(features: list[str]) -> ColumnTransformer:
    """One-hot industry, log income, the other features as they are."""
    steps: list[tuple[str, object, list[str]]] = []
    if "industry" in features:
        steps.append(
            (
                "industry",
                OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                ["industry"],
            )
        )
    if "income" in features:
        log_income = make_pipeline(
            FunctionTransformer(np.log, feature_names_out="one-to-one"),
            StandardScaler(),
        )
        steps.append(("income", log_income, ["income"]))
    numeric = [name for name in features if name not in {"industry", "income"}]
    steps.append(("numeric", StandardScaler(), numeric))
    return ColumnTransformer(steps, verbose_feature_names_out=False)


def build_model(variant: Variant) -> Pipeline:
    """Return the untrained pipeline of a model variant."""
    return make_pipeline(_encoder(FEATURES[variant]), LogisticRegression(max_iter=1000))


def train(variant: Variant, data: pd.DataFrame) -> Pipeline:
    """Fit a model variant on its features of ``data``."""
    model = build_model(variant)
    model.fit(data[FEATURES[variant]], data[TARGET])
    return model


def predict(model: Pipeline, data: pd.DataFrame) -> np.ndarray:
    """Return the 0/1 decisions of a fitted model on ``data``."""
    return np.asarray(model.predict(data[list(model.feature_names_in_)]))


def train_preprocessed(data: pd.DataFrame) -> Pipeline:
    """Pre-processing: standardise the mediators within each group, then train.

    :class:`~pytest_fairness.preprocessing.GroupStandardizer` measures
    employment gaps and income against those of the applicant's own gender
    × race group, so the model no longer reads gender from them. It reads
    the groups from the ``gender`` and ``race`` columns, at training and at
    prediction time.
    """
    features = FEATURES["unmitigated"]
    encode = ColumnTransformer(
        [
            ("features", _encoder(features), features),
            ("groups", "passthrough", SENSITIVE),
        ],
        verbose_feature_names_out=False,
    ).set_output(transform="pandas")
    model = make_pipeline(
        encode,
        GroupStandardizer(columns=MEDIATORS, sensitive_feature_ids=SENSITIVE),
        LogisticRegression(max_iter=1000),
    )
    model.fit(data[features + SENSITIVE], data[TARGET])
    return model


def train_inprocessed(data: pd.DataFrame) -> Pipeline:
    """In-processing: a logistic model penalised for its approval-rate gaps.

    :class:`~pytest_fairness.inprocessing.FairnessRegularizedClassifier`
    needs the gender × race groups to train only; it decides from the
    features of ``unmitigated`` alone.
    """
    features = FEATURES["unmitigated"]
    encode = _encoder(features).fit(data[features])
    classifier = FairnessRegularizedClassifier(lambda_dp=LAMBDA_DP)
    classifier.fit(
        encode.transform(data[features]),
        data[TARGET],
        sensitive_features=data[SENSITIVE],
    )
    return Pipeline([("encode", encode), ("classifier", classifier)])


def adjust_postprocessed(
    model: Pipeline, data: pd.DataFrame
) -> GroupThresholdOptimizer:
    """Post-processing: one approval threshold per group on a trained model.

    The model stays as it is;
    :class:`~pytest_fairness.postprocessing.GroupThresholdOptimizer` chooses
    thresholds on its scores so that every gender × race group is approved
    at nearly the same rate. It needs each applicant's group when deciding:
    ``adjusted.predict(X, sensitive_features=groups)``.
    """
    adjusted = GroupThresholdOptimizer(
        model, prefit=True, constraints="demographic_parity"
    )
    features = list(model.feature_names_in_)
    adjusted.fit(data[features], data[TARGET], sensitive_features=data[SENSITIVE])
    return adjusted


def main() -> None:
    """Train both variants and print their approval rates by gender."""
    split = load_split()
    print("historical approval rate by gender:")
    print(split.test.groupby("gender")[TARGET].mean().round(3).to_string())
    for variant in FEATURES:
        model = train(variant, split.train)
        decisions = pd.Series(predict(model, split.test), index=split.test.index)
        rates = decisions.groupby(split.test["gender"]).mean().round(3)
        accuracy = float(np.mean(decisions == split.test[TARGET]))
        print(f"\n{variant} (accuracy {accuracy:.3f}), approval rate by gender:")
        print(rates.to_string())


if __name__ == "__main__":
    main()
