"""Fuzzing the mix of applicants the loan model is audited on.

The release gate in ``test_fairness.py`` audits one test set, with the mix of
applicants the bank happened to see. A model can pass it and still treat a
group badly once that group is rarer. Here hypothesis draws other mixes
(:func:`pytest_fairness.strategies.group_compositions`): every gender × race
intersection of 100 to 1,500 applicants, or absent, in batches of 3,000 drawn
from the test half (``GroupComposition.sample``, whose rows follow the seed
hypothesis drew with the composition, so a failing mix replays exactly).

The gate is the ``fairness`` fixture's, as in any other test: the marker
gives the bound, ``fairness.check`` judges every example, steers the search
toward the largest gap (``hypothesis.target``), and the summary keeps the
gate of the final example, with the falsifying composition as a table when
it fails. A fuzzed gate keeps no baseline (``baseline=False``): its data
change from run to run.

With groups of 100 a gap is measured to about ±0.1, so the gate asks for 95%
confidence: it fails when the whole interval of the gap lies above the bound,
not when noise in a small group makes the point estimate cross it; an
example whose interval straddles the bound is skipped
(``on_inconclusive="skip"``) and hypothesis draws another.

The search is derandomized, so every run (locally and in CI) tries the same
compositions, and ``report_multiple_bugs=False`` stops at the first failing
mix; a model repo would rather register a ``ci`` profile
(``settings.register_profile("ci", derandomize=True)``) and let local runs
explore new compositions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import loan_model
import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings, target

import pytest_fairness as pf
from pytest_fairness.strategies import GroupComposition, group_compositions

if TYPE_CHECKING:
    import pandas as pd
    from sklearn.pipeline import Pipeline

SENSITIVE = ["gender", "race"]
MIN_GROUP = 100
BOUND = {"demographic_parity_difference": 0.15}

# Every gender × race intersection, at 100 to 1,500 of 3,000 applicants, or
# absent (each gender and each race keeps at least one group).
COMPOSITIONS = group_compositions(
    {"gender": ("female", "male"), "race": ("asian", "black", "hispanic", "white")},
    total_size=3_000,
    min_group_size=MIN_GROUP,
    max_share=0.5,
)

FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    report_multiple_bugs=False,
    phases=[Phase.explicit, Phase.generate, Phase.target, Phase.shrink],
    suppress_health_check=[HealthCheck.too_slow],
)

Decide = Callable[["pd.DataFrame"], np.ndarray]


def gate_on_mix(
    decide: Decide, composition: GroupComposition, applications: pd.DataFrame
) -> pf.FairnessReport:
    """Audit ``decide`` on a batch with this composition; raise if the gate fails.

    The library form of the gate, for a search run inside another test.
    """
    batch = composition.sample(applications)
    report = pf.audit(
        batch["approved"],
        decide(batch),
        sensitive_features=batch[SENSITIVE],
        min_group_size=MIN_GROUP,
        confidence=0.95,
    )
    gap = report.demographic_parity_difference
    target(gap, label="demographic parity difference")
    report.check(BOUND).raise_for_failure(on_inconclusive="pass")
    return report


class RefusesSmallGroups:
    """A planted bias: refuses every applicant of a gender × race group that
    has fewer than ``threshold`` applicants in the batch.

    On the test half, where the smallest group has some 1,900 applicants, it
    decides exactly as the model it wraps.
    """

    def __init__(self, model: Pipeline, threshold: int = 150) -> None:
        self.model = model
        self.threshold = threshold

    def __call__(self, batch: pd.DataFrame) -> np.ndarray:
        decisions = loan_model.predict(self.model, batch)
        size = batch.groupby(SENSITIVE)["approved"].transform("size").to_numpy()
        return np.where(size < self.threshold, 0, decisions)


@pytest.mark.fairness_gate(
    **BOUND,
    sensitive_features=SENSITIVE,
    min_group_size=MIN_GROUP,
    confidence=0.95,
    on_inconclusive="skip",
    baseline=False,
)
@FUZZ
@given(composition=COMPOSITIONS)
def test_fairer_model_keeps_the_gap_for_any_mix_of_applicants(
    fairness: pf.FairnessFixture,
    composition: GroupComposition,
    fairer_model: Pipeline,
    test_applications: pd.DataFrame,
) -> None:
    batch = composition.sample(test_applications)
    report = fairness.check(
        "approved", loan_model.predict(fairer_model, batch), data=batch
    )
    assert report.n_groups == len(composition.groups)


def test_fuzzing_finds_a_model_that_fails_only_small_groups(
    fairer_model: Pipeline, test_applications: pd.DataFrame
) -> None:
    planted = RefusesSmallGroups(fairer_model)
    # The test set cannot show the bias: every group is large there.
    assert np.array_equal(
        planted(test_applications), loan_model.predict(fairer_model, test_applications)
    )
    tried: list[GroupComposition] = []

    @FUZZ
    @given(composition=COMPOSITIONS)
    def gate(composition: GroupComposition) -> None:
        tried.append(composition)
        gate_on_mix(planted, composition, test_applications)

    with pytest.raises(
        pf.FairnessGateFailure, match="demographic_parity_difference"
    ) as caught:
        gate()
    # The last composition tried is the one hypothesis reports, shrunk toward
    # balance until it pins the planted threshold: one group of 149
    # applicants, one row under it.
    shrunk = tried[-1]
    assert shrunk.smallest == planted.threshold - 1
    notes = "\n".join(caught.value.__notes__)
    # hypothesis heads the note "Falsifying example" or, since 6.16x,
    # "Failing test case"; the call it prints is the same.
    assert f"gate(\n    composition={shrunk!r},\n)" in notes
    assert str(shrunk) in notes
