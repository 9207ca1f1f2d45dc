"""Fixtures of the loan-approval model repo.

The applications are generated and each model is trained once per test run
(session scope); every fairness test reuses them.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

# A model repo puts its own folder on the path through its pytest
# configuration (``pythonpath = ["."]``). This example runs under the
# configuration of pytest-fairness, so it does that here.
_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

import loan_model  # noqa: E402

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    from sklearn.pipeline import Pipeline

    from pytest_fairness.postprocessing import GroupThresholdOptimizer


@pytest.fixture(scope="session")
def loan_split() -> loan_model.LoanSplit:
    """Historical applications, split in stratified training and test halves."""
    return loan_model.load_split()


@pytest.fixture(scope="session")
def test_applications(loan_split: loan_model.LoanSplit) -> pd.DataFrame:
    """The held-out half the models are audited on."""
    return loan_split.test


@pytest.fixture(scope="session")
def unmitigated_model(loan_split: loan_model.LoanSplit) -> Pipeline:
    """The model trained on every non-protected attribute, proxies included."""
    return loan_model.train("unmitigated", loan_split.train)


@pytest.fixture(scope="session")
def fairer_model(loan_split: loan_model.LoanSplit) -> Pipeline:
    """The model trained on credit score and debt-to-income only."""
    return loan_model.train("legitimate_only", loan_split.train)


@pytest.fixture(scope="session")
def unmitigated_decisions(
    unmitigated_model: Pipeline, test_applications: pd.DataFrame
) -> np.ndarray:
    """Decisions of the unmitigated model on the test half."""
    return loan_model.predict(unmitigated_model, test_applications)


@pytest.fixture(scope="session")
def fairer_decisions(
    fairer_model: Pipeline, test_applications: pd.DataFrame
) -> np.ndarray:
    """Decisions of the fairer model on the test half."""
    return loan_model.predict(fairer_model, test_applications)


@pytest.fixture(scope="session")
def preprocessed_model(loan_split: loan_model.LoanSplit) -> Pipeline:
    """Pre-processing: the mediators standardised within each group."""
    return loan_model.train_preprocessed(loan_split.train)


@pytest.fixture(scope="session")
def inprocessed_model(loan_split: loan_model.LoanSplit) -> Pipeline:
    """In-processing: trained under a penalty on approval-rate gaps."""
    return loan_model.train_inprocessed(loan_split.train)


@pytest.fixture(scope="session")
def postprocessed_model(
    loan_split: loan_model.LoanSplit, unmitigated_model: Pipeline
) -> GroupThresholdOptimizer:
    """Post-processing: the unmitigated model with a threshold per group."""
    return loan_model.adjust_postprocessed(unmitigated_model, loan_split.train)
