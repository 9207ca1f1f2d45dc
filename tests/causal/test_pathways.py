"""pathway_report: per-pathway effects against known structural equations."""

from __future__ import annotations

import importlib.util

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from pytest_fairness.causal import CausalSpec, pathway_report
from pytest_fairness.datasets import (
    LOAN_DAG_EDGES,
    LOAN_VARIABLE_ROLES,
    loan_effects,
    make_loan_applications,
)
from pytest_fairness.exceptions import FairnessGateFailure

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("dowhy") is None, reason="needs the causal extra"
)


def linear_chain(n: int, seed: int) -> pd.DataFrame:
    """y = 0.4 A + 0.5 m + 0.3 p + e,  m = 1.0 A + 0.6 p + e,  p = 2.0 A + e."""
    rng = np.random.default_rng(seed)
    a = rng.random(n) < 0.5
    p = 2.0 * a + rng.normal(size=n)
    m = 1.0 * a + 0.6 * p + rng.normal(size=n)
    y = 0.4 * a + 0.5 * m + 0.3 * p + rng.normal(size=n)
    return pd.DataFrame({"a": np.where(a, "yes", "no"), "p": p, "m": m, "y": y})


CHAIN = CausalSpec(
    protected="a",
    mediators="m",
    proxies="p",
    outcome="y",
    edges=[("p", "m")],
)


def test_linear_pathway_effects_are_products_of_coefficients():
    data = linear_chain(8000, 0)
    report = pathway_report(
        CHAIN, data, reference="no", comparison="yes", effects=False
    )
    effects = dict(zip(report.table["pathway"], report.table["effect"], strict=True))
    expected = {
        "a -> y": 0.4,
        "a -> m -> y": 1.0 * 0.5,
        "a -> p -> y": 2.0 * 0.3,
        "a -> p -> m -> y": 2.0 * 0.6 * 0.5,
    }
    assert set(effects) == set(expected)
    for path, value in expected.items():
        assert effects[path] == pytest.approx(value, abs=0.06), path
    total = 0.4 + 0.5 + 0.6 + 0.6
    assert report.total_effect == pytest.approx(total, abs=0.08)
    # nearly linear: the pathways add up to the total (the spline terms of the
    # fitted mechanisms leave a small interaction)
    assert sum(effects.values()) == pytest.approx(report.total_effect, abs=0.03)
    kinds = dict(zip(report.table["pathway"], report.table["kind"], strict=True))
    assert kinds["a -> p -> m -> y"] == "proxy"
    stages = dict(zip(report.table["pathway"], report.table["stage"], strict=True))
    assert stages["a -> y"] == "in-processing"
    assert stages["a -> p -> y"] == "pre-processing"
    assert stages["a -> m -> y"] == "pre-processing"


def test_fair_mediator_moves_its_pathways_out_of_the_unfair_effect():
    data = linear_chain(6000, 1)
    spec = CausalSpec(
        protected="a",
        mediators="m",
        proxies="p",
        fair_mediators="m",
        outcome="y",
        edges=[("p", "m")],
    )
    report = pathway_report(spec, data, reference="no", comparison="yes", effects=False)
    fair = report.table.set_index("pathway")["fair"]
    assert fair.to_dict() == {
        "a -> y": False,
        "a -> m -> y": True,
        "a -> p -> y": False,
        "a -> p -> m -> y": True,
    }
    # unfair together = direct + a -> p -> y (edges into m are not active)
    assert report.unfair_effect == pytest.approx(0.4 + 0.6, abs=0.08)
    assert set(report.unfair["pathway"]) == {"a -> y", "a -> p -> y"}
    assert report.table.set_index("pathway").loc["a -> m -> y", "stage"] == ""


@pytest.fixture(scope="module")
def loans() -> pd.DataFrame:
    return make_loan_applications(10_000, random_state=11)


def test_loan_direct_pathway_is_the_natural_direct_effect(loans):
    spec = CausalSpec.from_roles(LOAN_VARIABLE_ROLES, graph=LOAN_DAG_EDGES)
    report = pathway_report(spec, loans, n_boot=50)
    assert (report.reference, report.comparison) == ("male", "female")
    direct = report.table.iloc[0]
    assert direct["pathway"] == "gender -> approved"
    assert direct["effect"] == pytest.approx(loan_effects().direct, abs=0.02)
    assert report.effects is not None
    assert report.effects.natural_direct_effect == pytest.approx(
        direct["effect"], abs=0.02
    )
    assert report.total_effect == pytest.approx(loan_effects().total, abs=0.03)
    assert len(report.table) == len(spec.pathways("gender"))
    text = report.to_markdown()
    assert "gender -> industry -> approved" in text
    assert "in-processing" in text
    assert "pre-processing" in text
    with pytest.raises(FairnessGateFailure, match=r"direct_effect"):
        report.assert_within(max_direct_effect=0.02)


def test_model_pathways_follow_the_features_it_reads(loans):
    spec = CausalSpec.from_roles(LOAN_VARIABLE_ROLES, graph=LOAN_DAG_EDGES)
    numeric = ["credit_score", "debt_to_income"]
    encode = ColumnTransformer([("num", StandardScaler(), numeric)])
    legit = make_pipeline(encode, LogisticRegression(max_iter=1000))
    legit.fit(loans[[*numeric, "gender"]], loans.approved)
    report = pathway_report(
        spec, loans, legit, features=[*numeric, "gender"], effects=False
    )
    # gender is read but dropped by the pipeline: the direct pathway is zero
    table = report.table.set_index("pathway")
    assert table.loc["gender -> approved", "effect"] == 0.0
    # everything left goes through debt_to_income, a legitimate predictor
    assert table.drop(index="gender -> approved")["fair"].all()
    assert report.unfair_effect == 0.0
    report.assert_within(max_unfair_effect=0.0)

    encode = ColumnTransformer(
        [("num", StandardScaler(), ["income"]), ("cat", OneHotEncoder(), ["industry"])]
    )
    proxy_model = make_pipeline(encode, LogisticRegression(max_iter=1000))
    proxy_model.fit(loans[["income", "industry"]], loans.approved)
    report = pathway_report(spec, loans, proxy_model, effects=False)
    paths = set(report.table["pathway"])
    assert "gender -> industry -> approved" in paths
    assert "gender -> approved" not in paths  # the model does not read gender
    assert report.unfair_effect < 0
    with pytest.raises(FairnessGateFailure, match=r"unfair_effect"):
        report.assert_within(max_unfair_effect=0.01)
