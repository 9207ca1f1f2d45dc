"""Shared setup of the in-processing tests: one BLAS thread, loan data splits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from pytest_fairness.datasets import load_boston_mortgage, make_loan_applications

if TYPE_CHECKING:
    from collections.abc import Iterator

LOAN_FEATURES = [
    "industry",
    "employment_gap_months",
    "income",
    "credit_score",
    "debt_to_income",
]


@pytest.fixture(autouse=True)
def _one_blas_thread() -> Iterator[None]:
    # These fits are many small L-BFGS problems. On a shared two-core machine
    # a multi-threaded BLAS spends far longer synchronising its threads than
    # computing (a 150 x 4 LogisticRegression took 80 ms instead of 2 ms).
    with threadpool_limits(limits=1):
        yield


@dataclass(frozen=True)
class Split:
    """A held-out split of a loan data set, features standardised on train."""

    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray
    sf_train: pd.DataFrame
    sf_test: pd.DataFrame


def _split(X: pd.DataFrame, y: np.ndarray, sf: pd.DataFrame) -> Split:
    idx_train, idx_test = train_test_split(
        np.arange(len(y)), test_size=0.3, random_state=0, stratify=y
    )
    scaler = StandardScaler().fit(X.iloc[idx_train])
    return Split(
        scaler.transform(X.iloc[idx_train]),
        scaler.transform(X.iloc[idx_test]),
        y[idx_train],
        y[idx_test],
        sf.iloc[idx_train].reset_index(drop=True),
        sf.iloc[idx_test].reset_index(drop=True),
    )


@pytest.fixture(scope="session")
def loan_split() -> Split:
    """The reference scenario: groups are gender x race; neither is a feature."""
    df = make_loan_applications(10_000, random_state=0)
    X = pd.get_dummies(df[LOAN_FEATURES], columns=["industry"], dtype=float)
    return _split(X, df["approved"].to_numpy(), df[["gender", "race"]])


@pytest.fixture(scope="session")
def boston_split() -> Split:
    """Boston mortgage decisions (HMDA 1990); groups are the applicant's race."""
    df = load_boston_mortgage().dropna().reset_index(drop=True)
    X = df.drop(columns=["approved", "race", "sex"]).astype(float)
    return _split(X, df["approved"].to_numpy(), df[["race"]])


@pytest.fixture(scope="session")
def small_loan() -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """A small loan sample for the reductions (fairlearn's fits are slow)."""
    df = make_loan_applications(500, random_state=1)
    X = pd.get_dummies(df[LOAN_FEATURES], columns=["industry"], dtype=float)
    X = StandardScaler().fit_transform(X)
    return X, df["approved"].to_numpy(), df[["gender", "race"]]
