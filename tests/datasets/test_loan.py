"""Tests of the loan-approval structural causal model."""

from __future__ import annotations

import dataclasses
import graphlib
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from pytest_fairness.datasets import (
    LOAN_DAG_EDGES,
    LOAN_VARIABLE_ROLES,
    LoanEffects,
    loan_effects,
    make_loan_applications,
)
from pytest_fairness.exceptions import FairnessValueError

COLUMNS = [
    "gender",
    "race",
    "industry",
    "employment_gap_months",
    "income",
    "credit_score",
    "debt_to_income",
    "approved",
]

NO_MEDIATION: dict[str, Any] = {
    "gender_pay_gap": 0.0,
    "gender_employment_gap": 0.0,
    "industry_segregation": 0.0,
}


@pytest.fixture(scope="module")
def large() -> pd.DataFrame:
    return make_loan_applications(200_000, random_state=0)


# The argument-error tests pass values the annotations forbid on purpose.
make_untyped: Any = make_loan_applications
effects_untyped: Any = loan_effects


def approval_rates(frame: pd.DataFrame) -> pd.Series[float]:
    return frame.groupby("gender")["approved"].mean()


# --- the reference scenario ----------------------------------------------


def test_default_approval_rates_are_76_and_58_percent(large: pd.DataFrame) -> None:
    rates = approval_rates(large)
    assert rates["male"] == pytest.approx(0.76, abs=0.015)
    assert rates["female"] == pytest.approx(0.58, abs=0.015)


def test_approval_rates_hold_for_another_seed() -> None:
    rates = approval_rates(make_loan_applications(200_000, random_state=12345))
    assert rates["male"] == pytest.approx(0.76, abs=0.015)
    assert rates["female"] == pytest.approx(0.58, abs=0.015)


def test_columns_dtypes_and_ranges(large: pd.DataFrame) -> None:
    assert list(large.columns) == COLUMNS
    assert large.shape == (200_000, len(COLUMNS))
    assert not large.isna().any().any()
    assert set(large["gender"]) == {"male", "female"}
    assert set(large["race"]) == {"white", "black", "hispanic", "asian"}
    assert large["industry"].nunique() == 8
    for name in ("employment_gap_months", "credit_score", "approved"):
        assert large[name].dtype == np.int64
    assert set(large["approved"].unique()) == {0, 1}
    assert large["credit_score"].between(300, 850).all()
    assert large["debt_to_income"].between(0.02, 0.80).all()
    assert (large["income"] > 0).all()
    assert (large["employment_gap_months"] >= 0).all()


def test_gender_is_balanced_and_race_is_independent_of_gender(
    large: pd.DataFrame,
) -> None:
    assert (large["gender"] == "female").mean() == pytest.approx(0.5, abs=0.01)
    shares = pd.crosstab(large["gender"], large["race"], normalize="index")
    expected = {"white": 0.60, "black": 0.13, "hispanic": 0.19, "asian": 0.08}
    for race, share in expected.items():
        assert shares.loc["male", race] == pytest.approx(share, abs=0.01)
        assert shares.loc["female", race] == pytest.approx(share, abs=0.01)


def test_mediators_and_proxy_differ_by_gender(large: pd.DataFrame) -> None:
    by_gender = large.groupby("gender")
    income = by_gender["income"].median()
    assert income["female"] < 0.85 * income["male"]
    gap = by_gender["employment_gap_months"].mean()
    assert gap["female"] - gap["male"] == pytest.approx(9.0, abs=0.5)
    mix = pd.crosstab(large["industry"], large["gender"], normalize="columns")
    female, male = mix["female"], mix["male"]
    assert female["healthcare"] > 2 * male["healthcare"]
    assert male["construction"] > 3 * female["construction"]


def test_credit_score_does_not_depend_on_gender_or_race(large: pd.DataFrame) -> None:
    by_gender = large.groupby("gender")["credit_score"].mean()
    assert by_gender["female"] == pytest.approx(by_gender["male"], abs=1.5)
    by_race = large.groupby("race")["credit_score"].mean()
    assert by_race.max() - by_race.min() < 4.0


def test_race_shifts_income_so_intersections_differ(large: pd.DataFrame) -> None:
    income = large.groupby("race")["income"].median()
    assert income["black"] < income["white"] < income["asian"]
    rates = large.groupby(["gender", "race"])["approved"].mean()
    assert rates[("female", "black")] < rates[("female", "white")]
    assert rates[("male", "black")] < rates[("male", "white")]


def test_scenario_parameters_change_the_data() -> None:
    fair = make_loan_applications(
        100_000, random_state=1, gender_direct_effect=0.0, **NO_MEDIATION
    )
    rates = approval_rates(fair)
    assert rates["female"] == pytest.approx(rates["male"], abs=0.01)
    skewed = make_loan_applications(20_000, random_state=1, female_share=0.2)
    assert (skewed["gender"] == "female").mean() == pytest.approx(0.2, abs=0.01)


# --- reproducibility -------------------------------------------------------


def test_same_seed_gives_the_same_data() -> None:
    first = make_loan_applications(5_000, random_state=7)
    second = make_loan_applications(5_000, random_state=7)
    pd.testing.assert_frame_equal(first, second)


def test_different_seeds_give_different_data() -> None:
    first = make_loan_applications(5_000, random_state=1)
    second = make_loan_applications(5_000, random_state=2)
    assert not first.equals(second)
    assert (first["income"] != second["income"]).mean() > 0.9


def test_generator_and_int_seeds_agree() -> None:
    from_int = make_loan_applications(1_000, random_state=3)
    from_rng = make_loan_applications(1_000, random_state=np.random.default_rng(3))
    pd.testing.assert_frame_equal(from_int, from_rng)


def test_none_seed_draws_fresh_data() -> None:
    frame = make_loan_applications(1_000, random_state=None)
    assert frame.shape == (1_000, len(COLUMNS))


def test_dict_output_holds_the_same_values_as_the_frame() -> None:
    frame = make_loan_applications(2_000, random_state=4)
    arrays = make_loan_applications(2_000, random_state=4, as_frame=False)
    assert isinstance(arrays, dict)
    assert list(arrays) == COLUMNS
    for name, values in arrays.items():
        assert isinstance(values, np.ndarray)
        assert len(values) == 2_000
        np.testing.assert_array_equal(values, frame[name].to_numpy())


# --- causal effects --------------------------------------------------------


def test_return_effects_gives_the_effects_of_the_same_parameters() -> None:
    frame, effects = make_loan_applications(
        100, random_state=0, gender_direct_effect=-0.3, return_effects=True
    )
    assert isinstance(frame, pd.DataFrame)
    assert effects == loan_effects(gender_direct_effect=-0.3)
    arrays, effects = make_loan_applications(100, as_frame=False, return_effects=True)
    assert isinstance(arrays, dict)
    assert effects == loan_effects()


def test_default_effects_split_the_gap_between_direct_and_indirect() -> None:
    effects = loan_effects()
    assert effects.total == pytest.approx(-0.18, abs=0.01)
    assert effects.direct == pytest.approx(-0.09, abs=0.01)
    assert effects.indirect == pytest.approx(-0.09, abs=0.01)
    assert effects.male_rate == pytest.approx(0.76, abs=0.01)
    assert effects.female_rate == pytest.approx(0.58, abs=0.01)
    assert effects.n_simulations == 500_000


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"gender_direct_effect": 0.4},
        {"gender_pay_gap": 0.3, "industry_segregation": 0.5},
        {"gender_direct_effect": -1.5, "gender_employment_gap": 20.0},
    ],
)
def test_total_is_direct_plus_indirect(params: dict[str, Any]) -> None:
    # total = NDE (mediators at male) + NIE (direct path at female), exactly.
    effects = loan_effects(**params)
    assert math.isclose(
        effects.total, effects.direct + effects.indirect, rel_tol=0, abs_tol=1e-12
    )
    assert math.isclose(
        effects.total, effects.female_rate - effects.male_rate, abs_tol=1e-12
    )


def test_total_effect_matches_the_gap_in_a_large_sample(large: pd.DataFrame) -> None:
    rates = approval_rates(large)
    effects = loan_effects()
    assert rates["female"] - rates["male"] == pytest.approx(effects.total, abs=0.01)
    assert rates["male"] == pytest.approx(effects.male_rate, abs=0.01)


def test_direct_effect_is_zero_without_the_direct_path() -> None:
    effects = loan_effects(gender_direct_effect=0.0)
    assert effects.direct == 0.0
    assert effects.indirect == effects.total
    assert effects.indirect < -0.05


def test_indirect_effect_is_zero_without_mediation() -> None:
    effects = loan_effects(**NO_MEDIATION)
    assert effects.indirect == 0.0
    assert effects.pure_indirect == 0.0
    assert effects.direct == effects.total
    assert effects.direct < -0.05


def test_no_effect_when_every_path_is_switched_off() -> None:
    effects = loan_effects(gender_direct_effect=0.0, **NO_MEDIATION)
    assert effects.total == 0.0


def test_female_share_does_not_change_the_effects() -> None:
    assert loan_effects(female_share=0.3) == loan_effects()


def test_effects_are_deterministic_and_stable_in_the_population_size() -> None:
    assert loan_effects(n_simulations=50_000) == loan_effects(n_simulations=50_000)
    small = loan_effects(n_simulations=100_000)
    default = loan_effects()
    assert small.total == pytest.approx(default.total, abs=0.005)
    assert small.direct == pytest.approx(default.direct, abs=0.005)


def test_effects_round_trip_through_a_dict() -> None:
    effects = loan_effects()
    data = effects.to_dict()
    assert list(data) == [
        "total",
        "direct",
        "indirect",
        "pure_indirect",
        "male_rate",
        "female_rate",
        "n_simulations",
    ]
    assert LoanEffects.from_dict(data) == effects


def test_effects_from_dict_rejects_wrong_keys() -> None:
    data = loan_effects().to_dict()
    del data["total"]
    with pytest.raises(FairnessValueError, match=r"Missing \['total'\]"):
        LoanEffects.from_dict(data)
    with pytest.raises(FairnessValueError, match=r"unknown \['extra'\]"):
        LoanEffects.from_dict({**loan_effects().to_dict(), "extra": 1.0})


def test_effects_are_frozen() -> None:
    effects = loan_effects()
    with pytest.raises(dataclasses.FrozenInstanceError):
        effects.total = 0.0  # type: ignore[misc]


# --- the causal graph ------------------------------------------------------


def test_graph_is_acyclic_and_covers_every_column() -> None:
    nodes = {node for edge in LOAN_DAG_EDGES for node in edge}
    assert nodes == set(COLUMNS)
    assert set(LOAN_VARIABLE_ROLES) == set(COLUMNS)
    predecessors: dict[str, set[str]] = {node: set() for node in nodes}
    for cause, effect in LOAN_DAG_EDGES:
        predecessors[effect].add(cause)
    order = list(graphlib.TopologicalSorter(predecessors).static_order())
    assert order[-1] == "approved"


def test_roles_match_the_scenario() -> None:
    roles = LOAN_VARIABLE_ROLES
    assert {name for name, role in roles.items() if role == "protected"} == {
        "gender",
        "race",
    }
    assert roles["industry"] == "proxy"
    assert roles["income"] == roles["employment_gap_months"] == "mediator"
    assert roles["credit_score"] == roles["debt_to_income"] == "legitimate"
    assert roles["approved"] == "outcome"
    parents_of_outcome = {
        cause for cause, effect in LOAN_DAG_EDGES if effect == "approved"
    }
    assert "gender" in parents_of_outcome
    assert "race" not in parents_of_outcome
    assert ("gender", "credit_score") not in LOAN_DAG_EDGES


# --- argument errors -------------------------------------------------------


@pytest.mark.parametrize("n", [0, -5, 2.5, True, "100", None])
def test_n_must_be_a_positive_int(n: object) -> None:
    with pytest.raises(FairnessValueError, match=r"'n' argument .* positive int"):
        make_untyped(n)


def test_n_accepts_numpy_integers() -> None:
    assert len(make_untyped(np.int64(10))) == 10


@pytest.mark.parametrize("random_state", [-1, 1.5, "0", True])
def test_random_state_must_be_a_seed(random_state: object) -> None:
    with pytest.raises(FairnessValueError, match="'random_state' argument"):
        make_untyped(10, random_state=random_state)


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("female_share", 0.0, r"in \(0, 1\)"),
        ("female_share", 1.0, r"in \(0, 1\)"),
        ("female_share", float("nan"), r"in \(0, 1\)"),
        ("gender_direct_effect", float("inf"), "a finite real number"),
        ("gender_direct_effect", "strong", "a finite real number"),
        ("gender_pay_gap", None, "a finite real number"),
        ("gender_employment_gap", -1.0, r"in \[0, inf\]"),
        ("industry_segregation", 1.5, r"in \[0, 1\]"),
        ("industry_segregation", -0.1, r"in \[0, 1\]"),
        ("race_income_scale", -2, r"in \[0, inf\]"),
        ("race_income_scale", False, r"in \[0, inf\]"),
    ],
)
def test_scenario_parameters_are_checked(
    name: str, value: object, expected: str
) -> None:
    pattern = rf"'{name}' argument of make_loan_applications must be .*{expected}"
    with pytest.raises(FairnessValueError, match=pattern) as info:
        make_untyped(10, **{name: value})
    assert repr(value) in str(info.value)
    with pytest.raises(FairnessValueError, match=rf"'{name}' argument of loan_effects"):
        effects_untyped(**{name: value})


@pytest.mark.parametrize("name", ["as_frame", "return_effects"])
def test_flags_must_be_bools(name: str) -> None:
    with pytest.raises(FairnessValueError, match=rf"'{name}' .* True or False"):
        make_untyped(10, **{name: 1})


@pytest.mark.parametrize("n_simulations", [0, 10.0])
def test_n_simulations_must_be_a_positive_int(n_simulations: object) -> None:
    with pytest.raises(FairnessValueError, match="'n_simulations' argument"):
        effects_untyped(n_simulations=n_simulations)


def test_argument_errors_are_value_errors() -> None:
    with pytest.raises(ValueError, match="Got -1"):
        make_loan_applications(-1)
