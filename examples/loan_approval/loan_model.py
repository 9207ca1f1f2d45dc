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

Variant = Literal["unmitigated", "legitimate_only"]

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
}

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


def build_model(variant: Variant) -> Pipeline:
    """Return the untrained pipeline of a model variant."""
    features = FEATURES[variant]
    steps: list[tuple[str, object, list[str]]] = []
    if "industry" in features:
        steps.append(("industry", OneHotEncoder(handle_unknown="ignore"), ["industry"]))
    if "income" in features:
        log_income = make_pipeline(
            FunctionTransformer(np.log, feature_names_out="one-to-one"),
            StandardScaler(),
        )
        steps.append(("income", log_income, ["income"]))
    numeric = [name for name in features if name not in {"industry", "income"}]
    steps.append(("numeric", StandardScaler(), numeric))
    return make_pipeline(ColumnTransformer(steps), LogisticRegression(max_iter=1000))


def train(variant: Variant, data: pd.DataFrame) -> Pipeline:
    """Fit a model variant on its features of ``data``."""
    model = build_model(variant)
    model.fit(data[FEATURES[variant]], data[TARGET])
    return model


def predict(model: Pipeline, data: pd.DataFrame) -> np.ndarray:
    """Return the 0/1 decisions of a fitted model on ``data``."""
    return np.asarray(model.predict(data[list(model.feature_names_in_)]))


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
