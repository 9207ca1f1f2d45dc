"""causal_effects recovers known effects: the loan scenario and a linear model."""

from __future__ import annotations

import importlib.util

import numpy as np
import pandas as pd
import pytest

from pytest_fairness.causal import CausalSpec, causal_effects
from pytest_fairness.datasets import (
    LOAN_DAG_EDGES,
    LOAN_VARIABLE_ROLES,
    make_loan_applications,
)
from pytest_fairness.exceptions import FairnessGateFailure, FairnessValueError

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("dowhy") is None, reason="needs the causal extra"
)

SPEC = CausalSpec.from_roles(LOAN_VARIABLE_ROLES, graph=LOAN_DAG_EDGES)
TRUTH = {
    "total_effect": "total",
    "natural_direct_effect": "direct",
    "natural_indirect_effect": "indirect",
    "pure_indirect_effect": "pure_indirect",
}


@pytest.mark.parametrize("direct", [-0.6, 0.0])
def test_recovers_the_loan_scenario_within_its_intervals(direct):
    df, truth = make_loan_applications(
        10_000, random_state=7, gender_direct_effect=direct, return_effects=True
    )
    effects = causal_effects(df, SPEC, confidence=0.99)
    assert (effects.reference, effects.comparison) == ("male", "female")
    for name, field in TRUTH.items():
        low, high = effects.interval(name)
        assert low <= getattr(truth, field) <= high, (name, low, high)
        assert low <= getattr(effects, name) <= high
    assert effects.total_effect == pytest.approx(
        effects.natural_direct_effect + effects.natural_indirect_effect
    )
    if direct == 0.0:
        low, high = effects.interval("direct_effect")
        assert low < 0 < high
        assert abs(effects.natural_direct_effect) < 0.02
        effects.assert_within(max_direct_effect=0.02)
    else:
        with pytest.raises(FairnessGateFailure, match=r"direct_effect"):
            effects.assert_within(max_direct_effect=0.02)


def test_estimates_are_unbiased_over_samples():
    """Averaged over samples, the estimates sit on the true effects."""
    estimates = []
    for seed in range(6):
        df, truth = make_loan_applications(
            8_000, random_state=100 + seed, return_effects=True
        )
        e = causal_effects(df, SPEC, n_boot=20)
        estimates.append([getattr(e, name) for name in TRUTH])
    mean = np.mean(estimates, axis=0)
    expected = [getattr(truth, field) for field in TRUTH.values()]
    # the sampling sd of one estimate is about 0.01; of the mean about 0.004
    np.testing.assert_allclose(mean, expected, atol=0.012)


def linear(n: int, seed: int) -> tuple[pd.DataFrame, dict[str, float]]:
    """Y = 0.3 A + 0.5 M + 0.2 C + e,  M = 1.5 A + 0.8 C + e,  A depends on C."""
    rng = np.random.default_rng(seed)
    c = rng.normal(size=n)
    a = (rng.random(n) < 1 / (1 + np.exp(-c))).astype(int)
    m = 1.5 * a + 0.8 * c + rng.normal(size=n)
    y = 0.3 * a + 0.5 * m + 0.2 * c + rng.normal(size=n)
    frame = pd.DataFrame({"a": np.where(a == 1, "t", "u"), "c": c, "m": m, "y": y})
    return frame, {"total_effect": 1.05, "natural_direct_effect": 0.3}


LINEAR_SPEC = CausalSpec(
    protected="a",
    mediators="m",
    outcome="y",
    graph=[("c", "a"), ("c", "m"), ("c", "y"), ("a", "m"), ("a", "y"), ("m", "y")],
)


def test_linear_model_with_a_confounder():
    data, truth = linear(6000, 1000)
    e = causal_effects(data, LINEAR_SPEC, reference="u", comparison="t")
    assert e.backdoor == ("c",)
    assert e.mediators == ("m",)
    assert e.covariates == ("c",)
    for name, value in truth.items():
        low, high = e.interval(name)
        assert low <= value <= high, name
    low, high = e.interval("indirect_effect")
    assert low <= 0.75 <= high
    # the naive difference in means is confounded by c
    naive = data.y[data.a == "t"].mean() - data.y[data.a == "u"].mean()
    assert abs(naive - 1.05) > 0.3


def test_bootstrap_intervals_cover_the_truth():
    """95% intervals over 12 independent samples: at most two misses per effect."""
    truth = np.array([1.05, 0.3, 0.75])
    covered = np.zeros(3)
    for seed in range(12):
        data, _ = linear(3000, 2000 + seed)
        e = causal_effects(data, LINEAR_SPEC, reference="u", comparison="t", n_boot=100)
        names = ("total_effect", "direct_effect", "indirect_effect")
        intervals = np.array([e.interval(n) for n in names])
        covered += (intervals[:, 0] <= truth) & (truth <= intervals[:, 1])
    assert (covered >= 10).all(), covered


def test_model_predictions_as_outcome_and_dowhy_cross_check():
    df = make_loan_applications(5_000, random_state=3)
    score = 1 / (
        1 + np.exp(-(df.credit_score - 690) / 50 + 0.5 * (df.gender == "female"))
    )
    e = causal_effects(df, SPEC, outcome=score.to_numpy(), refute=True, n_simulations=5)
    # scores read gender directly and no mediator: all of it is direct
    assert abs(e.natural_indirect_effect) < 0.01
    assert e.natural_direct_effect < -0.05
    # gender has no causes, so dowhy's regression estimate is the difference in means
    diff = score[df.gender == "female"].mean() - score[df.gender == "male"].mean()
    assert e.dowhy_total_effect == pytest.approx(diff)
    assert e.total_effect == pytest.approx(diff, abs=1e-3)
    methods = {r.method: r for r in e.refutations}
    assert abs(methods["placebo_treatment"].new_effect) < abs(diff) / 5
    assert methods["random_common_cause"].new_effect == pytest.approx(diff, abs=0.005)
    assert "backdoor" in e.estimand.lower()
    assert "| total_effect" in e.to_markdown()
    assert e.to_dict()["refutations"][0]["method"] == "placebo_treatment"


def test_intervals_follow_the_replicates():
    df = make_loan_applications(3_000, random_state=5)
    e = causal_effects(df, SPEC, n_boot=100, confidence=0.9)
    reps = e.replicates
    assert len(reps) == 100
    low, high = e.interval("total_effect")
    assert low == pytest.approx(np.quantile(reps["total_effect"], 0.05))
    assert high == pytest.approx(np.quantile(reps["total_effect"], 0.95))
    assert e.table["effect"].tolist() == list(TRUTH)


def test_bad_arguments():
    df = make_loan_applications(500, random_state=0)
    with pytest.raises(FairnessValueError, match=r"reference='other' is not a level"):
        causal_effects(df, SPEC, reference="other")
    with pytest.raises(
        FairnessValueError, match=r"reference and comparison must differ"
    ):
        causal_effects(df, SPEC, reference="male", comparison="male")
    with pytest.raises(FairnessValueError, match=r"outcome must be numeric"):
        causal_effects(df, SPEC, outcome="industry")
    with pytest.raises(FairnessValueError, match=r"no column\(s\) \['income'\]"):
        causal_effects(df.drop(columns="income"), SPEC)
    with pytest.raises(FairnessValueError, match=r"n_boot must be an integer >= 20"):
        causal_effects(df, SPEC, n_boot=5)
    with pytest.raises(FairnessValueError, match=r"unknown effect 'direct'"):
        causal_effects(df, SPEC, n_boot=20).interval("direct")
