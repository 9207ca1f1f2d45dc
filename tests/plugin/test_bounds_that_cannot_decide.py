"""Bounds that can never fail or pass, and stacked markers that disagree, are errors."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest

import pytest_fairness as pf
from pytest_fairness.gates import parse_bounds

if TYPE_CHECKING:
    from conftest import Project

NEVER = [
    # a ratio with "<=": the reversed operator of issue 14 (0.335 passed it)
    (
        {"demographic_parity_ratio": "<= 0.8"},
        "the bound 'demographic_parity_ratio <= 0.8' points the wrong way: a ratio "
        "is 1 at parity",
    ),
    (
        {"equal_opportunity_ratio": ("<", 0.9)},
        "the bound 'equal_opportunity_ratio < 0.9' points the wrong way",
    ),
    (
        {"demographic_parity_difference": (">=", 0.1)},
        "the bound 'demographic_parity_difference >= 0.1' points the wrong way: a "
        "difference is 0 at parity",
    ),
    (
        {"demographic_parity_difference": 1.5},
        "the bound 'demographic_parity_difference <= 1.5' can never fail: "
        "demographic_parity_difference is a difference of rates, which lies in "
        "[0, 1]",
    ),
    (
        {"equalized_odds_difference": -0.1},
        "the bound 'equalized_odds_difference <= -0.1' can never pass: a "
        "difference is never below 0",
    ),
    (
        {"demographic_parity_difference": ("<", 0)},
        "the bound 'demographic_parity_difference < 0' can never pass",
    ),
    (
        {"demographic_parity_ratio": 1.25},
        "the bound 'demographic_parity_ratio >= 1.25' can never pass: a ratio lies "
        "between 0 and 1",
    ),
    (
        {"demographic_parity_ratio": (">", 1)},
        "the bound 'demographic_parity_ratio > 1' can never pass",
    ),
    (
        {"demographic_parity_ratio": 0},
        "the bound 'demographic_parity_ratio >= 0' leaves the ratio unbounded",
    ),
    (
        {"demographic_parity_ratio": -0.5},
        "the bound 'demographic_parity_ratio >= -0.5' leaves the ratio unbounded",
    ),
    (
        {"demographic_parity_difference": True},
        "the limit of 'demographic_parity_difference' must be a number, not a "
        "boolean. Got True.",
    ),
    (
        {"demographic_parity_ratio": False},
        "the limit of 'demographic_parity_ratio' must be a number, not a boolean.",
    ),
    (
        {"demographic_parity_difference": math.inf},
        "the limit of 'demographic_parity_difference' must be a finite number. Got inf",
    ),
    (
        {"demographic_parity_ratio": ("<=", -math.inf)},
        "must be a finite number. Got -inf",
    ),
    (
        {"demographic_parity_difference": math.nan},
        "must be a finite number. Got nan",
    ),
    (
        {"demographic_parity_difference": "<= inf"},
        "must be a finite number. Got inf",
    ),
    (
        {"mae_difference": -1.0},
        "the bound 'mae_difference <= -1' can never pass: a difference is never "
        "below 0 (0 is parity). Allowed on a difference: a limit >= 0",
    ),
    (
        {"mean_prediction_ratio": 1.5},
        "the bound 'mean_prediction_ratio >= 1.5' can never pass",
    ),
    (
        {"mae_difference": (">", 2.0)},
        "the bound 'mae_difference > 2' points the wrong way",
    ),
]


@pytest.mark.parametrize(("bounds", "message"), NEVER)
def test_parse_bounds_refuses_bounds_that_cannot_decide(
    bounds: dict[str, Any], message: str
) -> None:
    with pytest.raises(pf.FairnessValueError) as caught:
        parse_bounds(bounds)
    assert message in str(caught.value)


def test_the_messages_say_which_way_is_fair_and_what_to_write() -> None:
    with pytest.raises(pf.FairnessValueError) as ratio:
        parse_bounds("demographic_parity_ratio <= 0.8")
    assert "Allowed on a ratio: '>=' or '>' with a limit in (0, 1]." in str(ratio.value)
    assert "Hint: demographic_parity_ratio='>= 0.8'" in str(ratio.value)
    with pytest.raises(pf.FairnessValueError) as difference:
        parse_bounds({"demographic_parity_difference": (">", 0.1)})
    assert "Allowed on a difference: '<=' or '<'." in str(difference.value)
    assert "Hint: demographic_parity_difference=0.1" in str(difference.value)


@pytest.mark.parametrize(
    "bounds",
    [
        {"demographic_parity_difference": 0},
        {"demographic_parity_difference": 1},
        {"demographic_parity_difference": ("<", 1)},
        {"demographic_parity_ratio": 1},
        {"demographic_parity_ratio": (">", 0.999)},
        {"auc_difference": 0.05},
        # differences of non-rates are not bounded by 1
        {"mae_difference": 3.5},
        {"mean_prediction_difference": 250.0},
        {"count_difference": 100},
        {"mean_prediction_ratio": 0.9},
    ],
)
def test_bounds_at_the_edges_of_their_range_are_accepted(
    bounds: dict[str, Any],
) -> None:
    (bound,) = parse_bounds(bounds)
    assert bound.metric == next(iter(bounds))


def test_report_check_refuses_a_reversed_ratio() -> None:
    sex = np.array(["female"] * 40 + ["male"] * 40)
    pred = np.array([1] * 10 + [0] * 30 + [1] * 30 + [0] * 10)
    report = pf.audit(np.array([1, 0] * 40), pred, sensitive_features=sex)
    assert round(report.demographic_parity_ratio, 3) == 0.333
    with pytest.raises(pf.FairnessValueError, match="points the wrong way"):
        report.check({"demographic_parity_ratio": ("<=", 0.8)})
    with pytest.raises(pf.FairnessValueError, match="can never fail"):
        report.assert_within(demographic_parity_difference=2)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        (
            "demographic_parity_ratio='<= 0.8'",
            "demographic_parity_ratio='<= 0.8' is invalid: the bound "
            "'demographic_parity_ratio <= 0.8' points the wrong way",
        ),
        (
            "demographic_parity_difference=True",
            "demographic_parity_difference=True is invalid: the limit of "
            "'demographic_parity_difference' must be a number, not a boolean.",
        ),
        (
            "demographic_parity_difference=float('nan')",
            "demographic_parity_difference=nan is invalid: the limit of "
            "'demographic_parity_difference' must be a finite number. Got nan",
        ),
        (
            "demographic_parity_difference=1.5",
            "demographic_parity_difference=1.5 is invalid: the bound "
            "'demographic_parity_difference <= 1.5' can never fail",
        ),
    ],
)
def test_the_marker_refuses_them_in_the_tests_setup(
    project: Project, kwargs: str, expected: str
) -> None:
    project.write(
        f"""
        @pytest.mark.fairness_gate({kwargs})
        def test_model(fairness):
            fairness.check(Y_TRUE, approve(0.25, 0.75), sensitive_features=SEX)
        """
    )
    result = project.run()
    result.assert_outcomes(errors=1)
    out = result.stdout.str()
    assert (
        "Invalid fairness gate: the fairness_gate marker of test_model.py::test_model: "
        + expected
    ) in out.replace("\n", " ")


def test_a_check_override_is_refused_naming_the_check(project: Project) -> None:
    project.write(
        """
        from pytest_fairness import FairnessValueError

        def test_model(fairness):
            with pytest.raises(FairnessValueError) as caught:
                fairness.check(
                    Y_TRUE, approve(0.25, 0.75), sensitive_features=SEX,
                    demographic_parity_ratio=("<=", 0.8),
                )
            assert str(caught.value).startswith(
                "fairness.check() in test_model.py::test_model: "
                "demographic_parity_ratio=('<=', 0.8) is invalid: the bound "
                "'demographic_parity_ratio <= 0.8' points the wrong way"
            )
        """
    )
    project.run().assert_outcomes(passed=1)


def test_two_markers_on_one_test_setting_a_bound_differently_are_an_error(
    project: Project,
) -> None:
    project.write(
        """
        @pytest.mark.fairness_gate(demographic_parity_difference=0.7)
        @pytest.mark.fairness_gate(demographic_parity_difference=0.1)
        def test_model(fairness):
            fairness.check(Y_TRUE, approve(0.1, 0.765), sensitive_features=SEX)
        """
    )
    result = project.run()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "Invalid fairness gate: the fairness_gate markers of "
            "test_model.py::test_model set demographic_parity_difference twice on "
            "the test test_model.py::test_model: 0.1 and 0.7. Allowed: one value "
            "per keyword on one test, class or module*Hint: keep one of the two "
            "markers*"
        ]
    )


def test_two_markers_on_one_module_setting_a_keyword_differently_are_an_error(
    project: Project,
) -> None:
    project.write(
        """
        pytestmark = [
            pytest.mark.fairness_gate(min_group_size=5),
            pytest.mark.fairness_gate(min_group_size=20),
        ]

        def test_model(fairness):
            fairness.check(
                Y_TRUE, approve(0.5, 0.5), sensitive_features=SEX,
                demographic_parity_difference=0.1,
            )
        """
    )
    result = project.run()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "Invalid fairness gate: the fairness_gate markers of "
            "test_model.py::test_model set min_group_size twice on the module "
            "test_model.py: 5 and 20.*"
        ]
    )


def test_markers_on_different_nodes_still_stack_and_equal_repeats_are_fine(
    project: Project,
) -> None:
    project.write(
        """
        pytestmark = pytest.mark.fairness_gate(demographic_parity_difference=0.01)

        @pytest.mark.fairness_gate(demographic_parity_difference=0.2)
        class TestModel:
            @pytest.mark.fairness_gate(min_group_size=5)
            @pytest.mark.fairness_gate(demographic_parity_difference=0.1)
            @pytest.mark.fairness_gate(demographic_parity_difference=0.1)
            def test_model(self, fairness):
                report = fairness.check(
                    Y_TRUE, approve(0.5, 0.55), sensitive_features=SEX
                )
                assert report.min_group_size == 5
        """
    )
    result = project.run()
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*::TestModel::test_model*<= 0.1*0.050*PASSED"])
