"""Prevent, embed, adjust: one mitigation per stage, each gated in its own test.

The causal stage (``test_causal_stage.py``) found where the gender gap of
the unmitigated model comes from: directly from gender in the historical
labels, through employment gaps and income, and through the proxy industry.
Each test below keeps every feature of the unmitigated model and mitigates
at one stage (the models are built in ``loan_model.py``):

- **prevent** (pre-processing): employment gaps and income measured within
  each gender x race group (``GroupStandardizer``);
- **embed** (in-processing): a logistic model penalised for its
  approval-rate gaps (``FairnessRegularizedClassifier``);
- **adjust** (post-processing): one threshold per group on the unmitigated
  model's scores (``GroupThresholdOptimizer``).

Each is gated twice. ``pf.assert_tradeoff`` compares it with the unmitigated
model on the test half: at most 5 points of accuracy lost, at least 40% of
the demographic parity difference removed. The ``fairness`` fixture then
applies the release bounds of ``test_fairness.py`` with a baseline in
``__fairness__/test_mitigation_stages.json``, so a later retrain of the stage
cannot quietly lose what it gained. Run with ``-s`` to see the numbers.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING

import loan_model
import pytest

import pytest_fairness as pf

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    from sklearn.pipeline import Pipeline

    from pytest_fairness.plugin import FairnessFixture
    from pytest_fairness.postprocessing import GroupThresholdOptimizer

SENSITIVE = loan_model.SENSITIVE
FEATURES = loan_model.FEATURES["unmitigated"]

# The release bounds of test_fairness.py, and a baseline for every stage.
pytestmark = pytest.mark.fairness_gate(
    sensitive_features=SENSITIVE,
    min_group_size=30,
    demographic_parity_difference=0.10,
    demographic_parity_ratio=">= 0.8",
    equal_opportunity_difference=0.10,
    equalized_odds_difference=0.15,
    baseline=True,
)

# What a mitigation may cost and must gain, against the unmitigated model.
MAX_ACCURACY_DROP = 0.05
MIN_DP_REDUCTION = 0.4


def gate_tradeoff(
    stage: str,
    unmitigated_model: Pipeline,
    mitigated: object,
    X: pd.DataFrame,
    applications: pd.DataFrame,
) -> pf.InterventionComparison:
    """Fail unless ``mitigated`` costs <= 5 accuracy points and removes >= 40%."""
    __tracebackhide__ = True
    comparison = pf.assert_tradeoff(
        unmitigated_model,
        mitigated,
        X=X,
        y=applications[loan_model.TARGET],
        sensitive_features=applications[SENSITIVE],
        max_accuracy_drop=MAX_ACCURACY_DROP,
        min_disparity_reduction=MIN_DP_REDUCTION,
        metric="demographic_parity_difference",
        names=("unmitigated", stage),
    )
    dp = "demographic_parity_difference"
    print(
        f"\n{stage}: accuracy {comparison.value('accuracy', 'before'):.3f} -> "
        f"{comparison.value('accuracy', 'after'):.3f} "
        f"(-{comparison.accuracy_drop:.3f}); DP difference "
        f"{comparison.value(dp, 'before'):.3f} -> {comparison.value(dp, 'after'):.3f} "
        f"(-{comparison.disparity_reduction(dp):.0%})"
    )
    return comparison


def test_prevent_standardises_the_mediators_within_groups(
    fairness: FairnessFixture,
    test_applications: pd.DataFrame,
    unmitigated_model: Pipeline,
    preprocessed_model: Pipeline,
) -> None:
    comparison = gate_tradeoff(
        "prevent",
        unmitigated_model,
        preprocessed_model,
        test_applications[FEATURES + SENSITIVE],
        test_applications,
    )
    # The repair reads each applicant's group at prediction time.
    assert set(SENSITIVE) <= set(preprocessed_model.feature_names_in_)
    decisions = loan_model.predict(preprocessed_model, test_applications)
    report = fairness.check(
        test_applications[loan_model.TARGET],
        decisions,
        sensitive_features=test_applications,
    )
    # Measuring income within groups also narrows the gaps of error rates.
    assert comparison.change("equalized_odds_difference") < -0.05
    assert report.n_groups == 8


def test_embed_penalises_the_gap_in_training(
    fairness: FairnessFixture,
    test_applications: pd.DataFrame,
    unmitigated_model: Pipeline,
    inprocessed_model: Pipeline,
) -> None:
    comparison = gate_tradeoff(
        "embed",
        unmitigated_model,
        inprocessed_model,
        test_applications[FEATURES],
        test_applications,
    )
    # It needs the groups to train only: it decides without them.
    assert not set(SENSITIVE) & set(inprocessed_model.feature_names_in_)
    assert (
        "sensitive_features"
        not in inspect.signature(inprocessed_model.predict).parameters
    )
    decisions = loan_model.predict(inprocessed_model, test_applications)
    fairness.check(
        test_applications[loan_model.TARGET],
        decisions,
        sensitive_features=test_applications,
    )
    assert comparison.disparity_reduction("demographic_parity_difference") > 0.6


def test_adjust_sets_a_threshold_per_group(
    fairness: FairnessFixture,
    test_applications: pd.DataFrame,
    unmitigated_model: Pipeline,
    postprocessed_model: GroupThresholdOptimizer,
) -> None:
    comparison = gate_tradeoff(
        "adjust",
        unmitigated_model,
        postprocessed_model,  # assert_tradeoff passes the groups to predict
        test_applications[FEATURES],
        test_applications,
    )
    decisions: np.ndarray = postprocessed_model.predict(
        test_applications[FEATURES], sensitive_features=test_applications[SENSITIVE]
    )
    fairness.check(
        test_applications[loan_model.TARGET],
        decisions,
        sensitive_features=test_applications,
    )
    # Thresholds aimed at equal approval rates bring them nearly level.
    assert comparison.value("demographic_parity_difference", "after") < 0.03
