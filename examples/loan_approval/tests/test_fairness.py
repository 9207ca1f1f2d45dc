"""Fairness gates of the loan-approval models, beside their unit tests.

Every test of this module is a gate of the pytest-fairness plugin: the
module's ``fairness_gate`` marker sets the defaults (every intersection of
gender and race, the release bounds), each test's own marker overrides or
adds to them, and the ``fairness`` fixture audits the decisions and fails
the test when a bound is not met. The main gate also keeps a baseline in
``__fairness__/test_fairness.json``, so a model that gets less fair fails
even while it stays inside its bounds.

The fairer model must pass the gates; the unmitigated one must be caught.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

import pytest_fairness as pf
from pytest_fairness.causal import counterfactual_flip_rate

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    from sklearn.pipeline import Pipeline

    from pytest_fairness.plugin import FairnessFixture

# The release gate of the loan model, checked on every gender x race
# intersection (8 groups of 1,000 applications or more).
pytestmark = pytest.mark.fairness_gate(
    sensitive_features=["gender", "race"],
    min_group_size=30,
    demographic_parity_difference=0.10,
    equal_opportunity_difference=0.10,
    equalized_odds_difference=0.10,
)


# Equalised odds gets a looser bound here than the module's: it is measured
# against the historical decisions, which refused some women only for being
# women, so a model that approves those women raises their false positive
# rate. With these labels, removing the bias necessarily leaves part of that
# gap. The baseline makes any later loss of fairness fail the test, too.
@pytest.mark.fairness_gate(
    equalized_odds_difference=0.15,
    demographic_parity_ratio=">= 0.8",
    baseline=True,
)
def test_fairer_model_meets_the_release_gate(
    fairness: FairnessFixture,
    test_applications: pd.DataFrame,
    fairer_decisions: np.ndarray,
) -> None:
    report = fairness.check(
        test_applications["approved"],
        fairer_decisions,
        sensitive_features=test_applications,  # narrowed to gender and race
    )
    assert report.attributes == ("gender", "race")
    assert report.n_groups == 8
    assert report.by_group["count"].min() >= 1_000
    assert report.demographic_parity_ratio >= 0.85


# Each attribute on its own (the worst of gender and race counts) must stay
# within half of the intersectional bound on approval rates.
@pytest.mark.fairness_gate(intersectional=False, demographic_parity_difference=0.05)
def test_fairer_model_treats_each_attribute_alike(
    fairness: FairnessFixture,
    test_applications: pd.DataFrame,
    fairer_decisions: np.ndarray,
) -> None:
    report = fairness.check(
        test_applications["approved"],
        fairer_decisions,
        sensitive_features=test_applications,
    )
    assert report.marginal("gender")["selection_rate"].min() >= 0.6


# The bounds of the release gate, without its baseline: the same gate that
# passes the fairer model must catch the unmitigated one.
@pytest.mark.fairness_gate(
    equalized_odds_difference=0.15,
    demographic_parity_ratio=">= 0.8",
)
def test_unmitigated_model_is_caught(
    fairness: FairnessFixture,
    test_applications: pd.DataFrame,
    unmitigated_decisions: np.ndarray,
    fairer_decisions: np.ndarray,
) -> None:
    fairness.check(
        test_applications["approved"],
        fairer_decisions,
        sensitive_features=test_applications,
        name="legitimate_only",
    )
    with pytest.raises(pf.FairnessGateFailure, match="female") as caught:
        fairness.check(
            test_applications["approved"],
            unmitigated_decisions,
            sensitive_features=test_applications,
            name="unmitigated",
        )
    gate = caught.value.result
    assert isinstance(gate, pf.GateResult)
    assert {r.bound.metric for r in gate.failed} == {
        "demographic_parity_difference",
        "demographic_parity_ratio",
        "equalized_odds_difference",
    }


# A causal gate beside the disparity gates: changing an applicant's gender,
# and nothing else, must never change the fairer model's decision. Its
# baseline sits in the same file as the release gate's.
def test_fairer_model_never_reads_gender(
    fairness: FairnessFixture,
    test_applications: pd.DataFrame,
    fairer_model: Pipeline,
) -> None:
    flips = counterfactual_flip_rate(
        fairer_model, test_applications, protected="gender"
    )
    gate = fairness.check_causal(flips, max_flip_rate=0.0, baseline=True)
    assert gate.passed
    assert flips.n_rows == len(test_applications)
