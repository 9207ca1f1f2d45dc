"""counterfactual_flip_rate against a brute-force recomputation of every flip."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from pytest_fairness.causal import counterfactual_flip_rate
from pytest_fairness.datasets import make_loan_applications
from pytest_fairness.exceptions import FairnessGateFailure, FairnessValueError

if TYPE_CHECKING:
    import pandas as pd

NUMERIC = ["income", "credit_score", "debt_to_income"]


@pytest.fixture(scope="module")
def loans() -> pd.DataFrame:
    return make_loan_applications(6000, random_state=2)


def pipeline(categorical):
    encode = ColumnTransformer(
        [
            ("num", StandardScaler(), NUMERIC),
            ("cat", OneHotEncoder(handle_unknown="ignore"), categorical),
        ]
    )
    return make_pipeline(encode, LogisticRegression(max_iter=1000))


def brute_force(model, X, column):
    """Every row, every other level, one prediction at a time per level."""
    base = model.predict(X)
    levels = sorted(X[column].unique())
    any_flip = np.zeros(len(X), dtype=bool)
    for level in levels:
        moved = X.copy()
        moved[column] = level
        changed = (model.predict(moved) != base) & (X[column] != level).to_numpy()
        any_flip |= changed
    return any_flip


def test_model_reading_gender_flips_and_matches_brute_force(loans):
    X = loans[[*NUMERIC, "gender"]]
    model = pipeline(["gender"]).fit(X, loans.approved)
    result = counterfactual_flip_rate(model, X, protected="gender")
    expected = brute_force(model, X, "gender")
    assert result.flip_rate > 0
    assert result.n_flipped == expected.sum()
    assert result.flip_rate == pytest.approx(expected.mean())
    proportion = pytest.importorskip("statsmodels.stats.proportion")
    low, high = proportion.proportion_confint(
        expected.sum(), len(X), alpha=0.05, method="wilson"
    )
    assert result.interval == pytest.approx((low, high))
    pairs = result.by_pair.set_index(["from", "to"])
    assert set(pairs.index) == {("female", "male"), ("male", "female")}
    assert pairs["n"].sum() == len(X)
    # men become women: the score drops; women become men: it rises
    assert pairs.loc[("male", "female"), "mean_score_shift"] < 0
    assert pairs.loc[("female", "male"), "mean_score_shift"] > 0
    examples = result.examples
    assert len(examples) == 5
    assert (examples["prediction"] != examples["counterfactual_prediction"]).all()
    assert (examples["gender"] == examples["from"]).all()


def test_model_blind_to_gender_never_flips(loans):
    X = loans[[*NUMERIC, "gender"]]
    model = pipeline([]).fit(X, loans.approved)  # the transformer drops gender
    result = counterfactual_flip_rate(model, X, protected="gender")
    assert result.flip_rate == 0.0
    assert result.n_flipped == 0
    assert result.mean_score_shift == 0.0
    assert result.examples.empty
    result.assert_within(max_flip_rate=0.0)


def test_intersectional_levels(loans):
    X = loans[[*NUMERIC, "gender", "race"]]
    model = pipeline(["gender", "race"]).fit(X, loans.approved)
    result = counterfactual_flip_rate(model, X, protected=["gender", "race"])
    base = model.predict(X)
    combos = X[["gender", "race"]].drop_duplicates().itertuples(index=False)
    any_flip = np.zeros(len(X), dtype=bool)
    for g, r in combos:
        moved = X.assign(gender=g, race=r)
        same = ((X.gender == g) & (X.race == r)).to_numpy()
        any_flip |= (model.predict(moved) != base) & ~same
    assert result.flip_rate == pytest.approx(any_flip.mean())
    assert result.protected == ("gender", "race")
    assert len(result.by_pair) == 8 * 7


def test_values_restrict_the_target_levels(loans):
    X = loans[[*NUMERIC, "race"]]
    model = pipeline(["race"]).fit(X, loans.approved)
    result = counterfactual_flip_rate(model, X, protected="race", values="white")
    assert set(result.by_pair["to"]) == {"white"}
    moved = X.assign(race="white")
    expected = (model.predict(moved) != model.predict(X)) & (X.race != "white")
    assert result.n_flipped == expected.sum()


def test_numpy_arrays_and_models_without_predict_proba(loans):
    X = loans[["credit_score", "debt_to_income"]].to_numpy()
    female = (loans.gender == "female").to_numpy().astype(float)
    X = np.column_stack([X, female])

    class Threshold:
        def predict(self, X):
            return (X[:, 0] - 40 * X[:, 2] > 680).astype(int)

    result = counterfactual_flip_rate(Threshold(), X, protected=2)
    score = X[:, 0]
    expected = ((score > 680) != (score - 40 > 680)).mean()
    assert result.flip_rate == pytest.approx(expected)
    assert np.isnan(result.mean_score_shift)
    assert result.protected == ("x2",)


def test_gate_message_names_the_worst_pair(loans):
    X = loans[[*NUMERIC, "gender"]]
    model = pipeline(["gender"]).fit(X, loans.approved)
    result = counterfactual_flip_rate(model, X, protected="gender")
    with pytest.raises(FairnessGateFailure, match=r"naive flip rate of gender"):
        result.assert_within(max_flip_rate=0.001)
    message = str(result.check(max_flip_rate=0.001))
    assert "worst" in message
    assert "->" in message
    assert result.to_dict()["n_rows"] == len(X)
    assert "female" in result.to_markdown()


def test_bad_input(loans):
    X = loans[[*NUMERIC, "gender"]]
    model = pipeline(["gender"]).fit(X, loans.approved)
    with pytest.raises(FairnessValueError, match=r"protected='sex' is not a column"):
        counterfactual_flip_rate(model, X, protected="sex")
    with pytest.raises(FairnessValueError, match=r"column position"):
        counterfactual_flip_rate(model, X.to_numpy(), protected=7)
    with pytest.raises(FairnessValueError, match=r"confidence"):
        counterfactual_flip_rate(model, X, protected="gender", confidence=1.5)
    with pytest.raises(FairnessValueError, match=r"values must hold levels"):
        counterfactual_flip_rate(model, X, protected="gender", values=[("female", "x")])
