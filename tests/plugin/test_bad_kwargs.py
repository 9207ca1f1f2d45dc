"""Bad marker keywords are an error in that test's setup, naming everything."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Project

import pytest

GATE = """
@pytest.mark.fairness_gate({kwargs})
def test_model(fairness):
    fairness.check(Y_TRUE, approve(0.5, 0.5), sensitive_features=SEX)

def test_unmarked_neighbour():
    pass
"""


def run_marker(project: Project, kwargs: str) -> str:
    project.write(GATE.format(kwargs=kwargs))
    result = project.run()
    result.assert_outcomes(errors=1, passed=1)
    result.stdout.fnmatch_lines(["*ERROR at setup of test_model*"])
    return result.stdout.str()


def test_an_unknown_keyword_names_the_test_the_value_and_the_closest_name(
    project: Project,
) -> None:
    out = run_marker(project, "demographic_parity_diference=0.1")
    assert (
        "Invalid fairness gate: the fairness_gate marker of test_model.py::test_model: "
        "unknown keyword demographic_parity_diference=0.1." in out
    )
    assert "Allowed: a disparity (demographic_parity_difference, " in out
    assert "or a setting (sensitive_features, intersectional, min_group_size" in out
    assert "Hint: did you mean 'demographic_parity_difference'?" in out


def test_a_misspelt_setting_suggests_the_setting(project: Project) -> None:
    out = run_marker(project, "demographic_parity_difference=0.1, tolerence=0.02")
    assert "unknown keyword tolerence=0.02" in out
    assert "Hint: did you mean 'tolerance'?" in out


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        (
            "demographic_parity_difference='lots'",
            "demographic_parity_difference='lots' is invalid: the limit of "
            "'demographic_parity_difference' must be a number. Got 'lots'. "
            "Allowed: a number, an (op, value) pair",
        ),
        (
            "demographic_parity_difference=('~', 0.1)",
            "demographic_parity_difference=('~', 0.1) is invalid",
        ),
        (
            "demographic_parity_difference=0.1, on_inconclusive='wran'",
            "on_inconclusive='wran' is invalid. Allowed: 'fail', 'warn', 'skip'. "
            "Hint: did you mean 'warn'?",
        ),
        (
            "demographic_parity_difference=0.1, tolerance=-0.5",
            "tolerance=-0.5 is invalid. Allowed: a number >= 0, 'auto', or a dict",
        ),
        (
            "demographic_parity_difference=0.1, "
            "tolerance={'demographic_parity_diff': 0.02}",
            "Hint: did you mean 'demographic_parity_difference'?",
        ),
        (
            "demographic_parity_difference=0.1, min_group_size=0",
            "min_group_size=0 is invalid. Allowed: None or an integer >= 1",
        ),
        (
            "demographic_parity_difference=0.1, intersectional='yes'",
            "intersectional='yes' is invalid. Allowed: True or False",
        ),
        (
            "demographic_parity_difference=0.1, baseline=1",
            "baseline=1 is invalid. Allowed: True or False",
        ),
        (
            "demographic_parity_difference=0.1, sensitive_features=[1, 2]",
            "sensitive_features=[1, 2] is invalid. Allowed: None, a column name",
        ),
        (
            "demographic_parity_difference=0.1, confidence=1.5",
            "confidence=1.5 is invalid. Allowed: None or a number strictly between "
            "0 and 1",
        ),
    ],
)
def test_a_bad_value_names_the_keyword_the_value_and_what_is_allowed(
    project: Project, kwargs: str, expected: str
) -> None:
    out = run_marker(project, kwargs)
    assert "the fairness_gate marker of test_model.py::test_model: " in out
    assert expected in out


def test_positional_arguments_are_rejected(project: Project) -> None:
    out = run_marker(project, "'demographic_parity_difference <= 0.1'")
    assert "positional arguments ('demographic_parity_difference <= 0.1',)" in out


def test_an_error_in_a_module_marker_names_where_it_was_set(project: Project) -> None:
    project.write(
        """
        pytestmark = pytest.mark.fairness_gate(on_inconclusive="never")

        @pytest.mark.fairness_gate(demographic_parity_difference=0.1)
        def test_model(fairness):
            fairness.check(Y_TRUE, approve(0.5, 0.5), sensitive_features=SEX)
        """
    )
    result = project.run()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*the fairness_gate marker of test_model.py::test_model (set on the "
            "module test_model.py): on_inconclusive='never' is invalid*"
        ]
    )


def test_a_bad_override_in_check_is_a_value_error_naming_check(
    project: Project,
) -> None:
    project.write(
        """
        from pytest_fairness import FairnessValueError

        @pytest.mark.fairness_gate(demographic_parity_difference=0.1)
        def test_model(fairness):
            with pytest.raises(FairnessValueError, match="fairness.check.. in "):
                fairness.check(
                    Y_TRUE, approve(0.5, 0.5), sensitive_features=SEX,
                    equal_oportunity_difference=0.1,
                )
            with pytest.raises(FairnessValueError, match="must be a non-empty"):
                fairness.check(Y_TRUE, approve(0.5, 0.5), sensitive_features=SEX,
                               name="")
            fairness.check(Y_TRUE, approve(0.5, 0.5), sensitive_features=SEX)
        """
    )
    project.run().assert_outcomes(passed=1)


def test_a_skip_marker_wins_over_validation(project: Project) -> None:
    project.write(
        """
        @pytest.mark.skip(reason="not today")
        @pytest.mark.fairness_gate(not_a_metric=1)
        def test_model(fairness):
            pass
        """
    )
    project.run().assert_outcomes(skipped=1)
