"""What the gates rest on, asserted with the library API.

These tests call :func:`pytest_fairness.audit` directly and assert on the
report (``report.check``, ``by_group``, disparities): where the gap comes
from, who is approved least, and what removing it costs. They carry no
``fairness_gate`` marker; the gates are in ``test_fairness.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pytest

import pytest_fairness as pf

if TYPE_CHECKING:
    import pandas as pd
    from sklearn.pipeline import Pipeline

SENSITIVE = ["gender", "race"]
FOUR_FIFTHS = {"demographic_parity_ratio": (">=", 0.8)}


def audit(decisions: np.ndarray, applications: pd.DataFrame) -> pf.FairnessReport:
    return pf.audit(
        applications["approved"],
        decisions,
        sensitive_features=applications[SENSITIVE],
        min_group_size=30,
    )


@pytest.fixture(scope="module")
def unmitigated_report(
    unmitigated_decisions: np.ndarray, test_applications: pd.DataFrame
) -> pf.FairnessReport:
    return audit(unmitigated_decisions, test_applications)


@pytest.fixture(scope="module")
def fairer_report(
    fairer_decisions: np.ndarray, test_applications: pd.DataFrame
) -> pf.FairnessReport:
    return audit(fairer_decisions, test_applications)


def test_history_approves_76_percent_of_men_and_58_percent_of_women(
    test_applications: pd.DataFrame,
) -> None:
    approved = test_applications["approved"]
    report = pf.audit(
        approved, approved, sensitive_features=test_applications[["gender"]]
    )
    rates = report.by_group["selection_rate"]
    assert rates["male"] == pytest.approx(0.76, abs=0.02)
    assert rates["female"] == pytest.approx(0.58, abs=0.02)


def test_four_fifths_rule_separates_the_models(
    fairer_report: pf.FairnessReport, unmitigated_report: pf.FairnessReport
) -> None:
    assert fairer_report.check(FOUR_FIFTHS)
    assert fairer_report.ratio("selection_rate") >= 0.85
    assert fairer_report.difference("tpr") <= 0.05
    assert not unmitigated_report.check(
        {"demographic_parity_difference": 0.10, **FOUR_FIFTHS}
    )


def test_leaving_gender_out_does_not_remove_the_gender_gap(
    unmitigated_model: Pipeline,
    unmitigated_decisions: np.ndarray,
    test_applications: pd.DataFrame,
) -> None:
    assert "gender" not in unmitigated_model.feature_names_in_
    report = pf.audit(
        test_applications["approved"],
        unmitigated_decisions,
        sensitive_features=test_applications[["gender"]],
    )
    assert report.demographic_parity_difference > 0.10
    worst = report.by_group["selection_rate"].idxmin()
    assert worst == "female"


def test_women_get_the_lowest_approval_rates_of_the_unmitigated_model(
    unmitigated_report: pf.FairnessReport,
) -> None:
    rates = unmitigated_report.by_group["selection_rate"].sort_values()
    lowest_four = {gender for gender, _race in rates.index[:4]}
    assert lowest_four == {"female"}


def test_fairer_model_cuts_the_gap_by_more_than_half(
    fairer_report: pf.FairnessReport, unmitigated_report: pf.FairnessReport
) -> None:
    before = unmitigated_report.demographic_parity_difference
    after = fairer_report.demographic_parity_difference
    assert after < before / 2


def test_fairness_costs_little_accuracy(
    fairer_decisions: np.ndarray,
    unmitigated_decisions: np.ndarray,
    test_applications: pd.DataFrame,
) -> None:
    truth = test_applications["approved"].to_numpy()
    unmitigated = float(np.mean(unmitigated_decisions == truth))
    fairer = float(np.mean(fairer_decisions == truth))
    assert unmitigated - fairer < 0.05
