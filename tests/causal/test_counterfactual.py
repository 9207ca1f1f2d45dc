"""counterfactual_fairness: effects of the attribute follow it into its descendants."""

from __future__ import annotations

import importlib.util

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from pytest_fairness.causal import (
    CausalSpec,
    counterfactual_fairness,
    counterfactual_flip_rate,
)
from pytest_fairness.causal._design import is_categorical
from pytest_fairness.causal._dowhy import counterfactuals, fit_scm, noise_of
from pytest_fairness.datasets import (
    LOAN_DAG_EDGES,
    LOAN_VARIABLE_ROLES,
    make_loan_applications,
)
from pytest_fairness.exceptions import FairnessValueError

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("dowhy") is None, reason="needs the causal extra"
)


@pytest.fixture(scope="module")
def loans() -> pd.DataFrame:
    return make_loan_applications(10_000, random_state=4)


@pytest.fixture(scope="module")
def spec() -> CausalSpec:
    return CausalSpec.from_roles(LOAN_VARIABLE_ROLES, graph=LOAN_DAG_EDGES)


def blind_model(loans, features):
    """A model that reads only ``features`` (the transformer drops the rest)."""
    encode = ColumnTransformer([("num", StandardScaler(), features)])
    model = make_pipeline(encode, LogisticRegression(max_iter=1000))
    return model.fit(loans[[*features, "gender"]], loans.approved)


def test_naive_zero_but_counterfactual_positive_through_income(loans, spec):
    features = ["income", "credit_score"]
    model = blind_model(loans, features)
    X = loans[[*features, "gender"]]
    naive = counterfactual_flip_rate(model, X, protected="gender")
    assert naive.flip_rate == 0.0
    cf = counterfactual_fairness(model, loans, spec, features=list(X.columns))
    assert cf.flip_rate > 0.02
    assert cf.interval[0] > 0
    assert cf.mean_score_shift > 0
    assert cf.held_factual == ("credit_score",)
    pairs = cf.by_pair.set_index(["from", "to"])
    assert pairs.loc[("male", "female"), "mean_score_shift"] < 0
    assert pairs.loc[("female", "male"), "mean_score_shift"] > 0
    with pytest.raises(AssertionError, match=r"counterfactual flip rate of gender"):
        cf.assert_within(max_flip_rate=0.01)


def test_unfair_paths_behave_as_declared(loans):
    features = ["income", "credit_score"]
    model = blind_model(loans, features)
    X_cols = [*features, "gender"]
    income_fair = CausalSpec.from_roles(
        LOAN_VARIABLE_ROLES, graph=LOAN_DAG_EDGES, fair_mediators=["income"]
    )
    every = counterfactual_fairness(model, loans, income_fair, features=X_cols)
    unfair = counterfactual_fairness(
        model, loans, income_fair, paths="unfair", features=X_cols
    )
    # every path into income passes through a fair variable: nothing unfair remains
    assert every.flip_rate > 0
    assert unfair.flip_rate == 0.0  # a count of flipped rows: exact
    # Factual and counterfactual scores come from separate predict_proba calls
    # (all rows, then the moved rows of each level); BLAS may order their sums
    # differently, so the shift is zero up to rounding (1.1e-20 on one machine).
    assert unfair.mean_score_shift == pytest.approx(0.0, abs=1e-12)
    assert set(unfair.held_factual) == {"income", "credit_score"}
    unfair.assert_within(max_flip_rate=0.0)

    # with income unfair, the unfair-path flips equal the all-path flips for a
    # model reading only income (no fair variable lies between gender and it)
    spec = CausalSpec.from_roles(LOAN_VARIABLE_ROLES, graph=LOAN_DAG_EDGES)
    both = [
        counterfactual_fairness(model, loans, spec, paths=p, features=X_cols)
        for p in ("all", "unfair")
    ]
    assert both[0].flip_rate == both[1].flip_rate


def test_legitimate_descendant_is_held_on_unfair_paths(loans, spec):
    features = ["debt_to_income", "credit_score"]
    model = blind_model(loans, features)
    X_cols = [*features, "gender"]
    every = counterfactual_fairness(model, loans, spec, features=X_cols)
    unfair = counterfactual_fairness(
        model, loans, spec, paths="unfair", features=X_cols
    )
    assert every.flip_rate > 0  # debt_to_income descends from gender via income
    assert unfair.flip_rate == 0.0  # but it is legitimate, so held factual


def test_non_descendant_features_never_flip(loans, spec):
    model = blind_model(loans, ["credit_score"])
    result = counterfactual_fairness(
        model, loans, spec, features=["credit_score", "gender"]
    )
    assert result.flip_rate == 0.0


def linear_scm(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    a = rng.choice(["a", "b"], n)
    c = rng.normal(size=n)
    m = 2.0 * (a == "b") + 0.5 * c + rng.normal(size=n)
    k = np.where(rng.random(n) < 0.3 + 0.4 * (a == "b"), "hi", "lo")
    return pd.DataFrame({"a": a, "c": c, "m": m, "k": k})


class Threshold:
    feature_names_in_ = np.array(["m", "c"])

    def predict(self, X):
        return (X["m"].to_numpy() > 1.0).astype(int)


def test_counterfactual_shift_matches_the_true_linear_equations():
    data = linear_scm(8000, 0)
    spec = CausalSpec(
        protected="a",
        mediators=["m"],
        legitimate=["c"],
        outcome="y",
        edges=[("c", "m")],
    )
    result = counterfactual_fairness(Threshold(), data, spec)
    m = data["m"].to_numpy()
    shift = np.where(data["a"] == "b", -2.0, 2.0)  # the true counterfactual shift
    expected = ((m > 1.0) != (m + shift > 1.0)).mean()
    assert result.flip_rate == pytest.approx(expected, abs=0.004)
    assert result.held_factual == ("c",)


def test_abduction_reproduces_the_factual_world():
    data = linear_scm(3000, 1)
    nodes = ["a", "c", "m", "k"]
    edges = [("a", "m"), ("c", "m"), ("a", "k")]
    scm = fit_scm(
        data,
        nodes,
        edges,
        categorical={n: is_categorical(data[n]) for n in nodes},
    )
    rows = data["a"] == "b"
    noise = noise_of(scm, data[rows])
    same = counterfactuals(scm, noise, {"a": "b"})
    np.testing.assert_allclose(same["m"].to_numpy(float), data.loc[rows, "m"])
    assert (same["k"] == data.loc[rows, "k"]).all()
    moved = counterfactuals(scm, noise, {"a": "a"})
    np.testing.assert_allclose(
        (moved["m"] - data.loc[rows, "m"]).to_numpy(float), -2.0, atol=0.1
    )
    # the categorical child moves towards the level more common under a == "a"
    assert (moved["k"] == "hi").mean() < (same["k"] == "hi").mean()
    assert ((same["k"] == "lo") <= (moved["k"] == "lo")).all()


def test_bad_arguments(loans, spec):
    model = blind_model(loans, ["income"])
    with pytest.raises(FairnessValueError, match=r"spec must be a CausalSpec"):
        counterfactual_fairness(model, loans, {"gender": "protected"})
    with pytest.raises(FairnessValueError, match=r"paths must be one of"):
        counterfactual_fairness(model, loans, spec, paths="fair", features=["income"])
    with pytest.raises(FairnessValueError, match=r"not columns of data"):
        counterfactual_fairness(model, loans, spec, features=["salary"])


def test_missing_values_are_named(loans, spec):
    model = blind_model(loans, ["income"])
    holes = loans.copy()
    holes.loc[holes.index[:3], "income"] = np.nan
    with pytest.raises(FairnessValueError, match=r"'income' contains 3 missing"):
        counterfactual_fairness(model, holes, spec, features=["income", "gender"])
