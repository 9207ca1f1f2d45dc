"""Detect: where the gender gap enters, before anything is mitigated.

The bank declares what it knows about its applicants as a causal graph
(``LOAN_VARIABLE_ROLES`` and ``LOAN_DAG_EDGES``): gender acts on the
decision directly, and through employment gaps and income, which it
changes; industry reveals gender without causing repayment (a proxy);
credit score and debt-to-income are legitimate. The tests below measure,
on the historical decisions of the test half:

- how much of the gap is direct and how much runs through what gender
  changes (``causal_effects``, checked against the effects the simulation
  put in);
- which pathways carry it, which are fair, and the stage that can address
  each (``pathway_report``): gender -> income -> approval is unfair and
  points at pre-processing, the direct pathway at in-processing;
- which features reveal gender (``proxy_scan``): industry.

Two of them are gates of the ``fairness`` fixture (``fairness.check_causal``):
the features of the fairer model hold no proxy, and no unfair pathway
reaches its decisions. The mitigations that follow from these findings are
in ``test_mitigation_stages.py``. Run with ``-s`` to see the tables.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import loan_model
import pytest

import pytest_fairness as pf
from pytest_fairness.causal import (
    CausalSpec,
    PathwayReport,
    ProxyScanResult,
    pathway_report,
    proxy_scan,
)
from pytest_fairness.datasets import LOAN_DAG_EDGES, LOAN_VARIABLE_ROLES, loan_effects

if TYPE_CHECKING:
    import pandas as pd
    from sklearn.pipeline import Pipeline

    from pytest_fairness.plugin import FairnessFixture

SENSITIVE = loan_model.SENSITIVE


@pytest.fixture(scope="module")
def spec() -> CausalSpec:
    """The bank's causal graph of its applications."""
    return CausalSpec.from_roles(LOAN_VARIABLE_ROLES, graph=LOAN_DAG_EDGES)


@pytest.fixture(scope="module")
def history_pathways(
    spec: CausalSpec, test_applications: pd.DataFrame
) -> PathwayReport:
    """Pathways of gender to the historical decisions, with the effects."""
    return pathway_report(spec, test_applications)


def test_half_of_the_gap_is_direct_half_runs_through_what_gender_changes(
    history_pathways: PathwayReport,
) -> None:
    effects = history_pathways.effects
    assert effects is not None
    print(f"\n{effects.table.round(3).to_string()}")
    # The estimates recover what the simulation put in (women vs men).
    truth = loan_effects()
    assert effects.total_effect == pytest.approx(truth.total, abs=0.01)
    assert effects.natural_direct_effect == pytest.approx(truth.direct, abs=0.01)
    assert effects.natural_indirect_effect == pytest.approx(truth.indirect, abs=0.01)
    assert -0.20 < effects.total_effect < -0.15


def test_gender_reaches_approval_directly_and_through_income(
    history_pathways: PathwayReport,
) -> None:
    table = history_pathways.table.set_index("pathway")
    print(f"\n{table[['kind', 'fair', 'effect', 'stage']].round(3).to_string()}")
    through_income = table.loc["gender -> income -> approved"]
    assert not through_income["fair"]
    assert through_income["high"] < 0  # women approved less, with confidence
    assert through_income["stage"] == "pre-processing"
    assert table.loc["gender -> approved", "stage"] == "in-processing"
    assert table.loc["gender -> industry -> approved", "kind"] == "proxy"
    # Income also acts through debt-to-income, a legitimate predictor.
    assert table.loc["gender -> income -> debt_to_income -> approved", "fair"]
    # The unfair pathways carry most of the gap.
    assert abs(history_pathways.unfair_effect) > 0.75 * abs(
        history_pathways.total_effect
    )


def test_industry_is_the_proxy_of_gender(
    spec: CausalSpec, test_applications: pd.DataFrame
) -> None:
    scan = proxy_scan(
        test_applications.drop(columns=loan_model.TARGET), SENSITIVE, spec=spec
    )
    print(f"\nflagged: {scan.flagged}; leakage AUC: {scan.leakage}")
    assert scan.flagged == ["industry"]
    # All features together predict gender far better than chance.
    assert scan.leakage["gender"] > 0.7


def test_fairer_model_reads_no_proxy(
    fairness: FairnessFixture, test_applications: pd.DataFrame
) -> None:
    def scan(variant: loan_model.Variant) -> ProxyScanResult:
        features = loan_model.FEATURES[variant]
        return proxy_scan(test_applications[features], test_applications[SENSITIVE])

    fairness.check_causal(scan("legitimate_only"), max_n_flagged=0, name="fairer")
    with pytest.raises(pf.FairnessGateFailure, match="industry"):
        fairness.check_causal(scan("unmitigated"), max_n_flagged=0, name="unmitigated")


def test_no_unfair_pathway_reaches_the_fairer_model(
    fairness: FairnessFixture,
    spec: CausalSpec,
    test_applications: pd.DataFrame,
    fairer_model: Pipeline,
) -> None:
    pathways = pathway_report(spec, test_applications, fairer_model, effects=False)
    print(f"\n{pathways.table[['pathway', 'fair', 'effect']].round(3).to_string()}")
    fairness.check_causal(pathways, max_unfair_effect=0.01)
    # What remains of the gap runs through debt-to-income, declared fair.
    assert pathways.table["fair"].all()
