"""A gate that fails: the test fails in its call phase with a readable table."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Project

import pytest


def test_a_violated_bound_fails_with_the_worst_pair_and_both_rates(
    project: Project,
) -> None:
    project.write(
        """
        @pytest.mark.fairness_gate(
            demographic_parity_difference=0.1, demographic_parity_ratio=0.7
        )
        def test_model(fairness):
            fairness.check(Y_TRUE, approve(0.575, 0.775), sensitive_features=SEX)
        """
    )
    result = project.run()
    result.assert_outcomes(failed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "E*FairnessGateFailure: fairness gate failed: 1 of 2 bound(s) failed *",
            "E*groups: sensitive_feature_0 (2 groups, min_group_size=30, "
            "min_denominator=10)",
            "E*metric*bound*value*verdict*worst pair",
            "E*demographic_parity_difference*<= 0.1*0.200*FAILED*"
            "selection_rate: female 0.575 (n=40) vs male 0.775 (n=40)",
            "E*demographic_parity_ratio*>= 0.7*0.742*PASSED*",
        ]
    )
    # the failure is in the call phase, and the summary lists it
    result.stdout.fnmatch_lines(["*test_model*FAILED*"])
    assert "ERROR at setup" not in result.stdout.str()


def test_check_raises_an_assertion_error_that_tests_can_expect(
    project: Project,
) -> None:
    project.write(
        """
        from pytest_fairness import FairnessGateFailure

        @pytest.mark.fairness_gate(demographic_parity_difference=0.1)
        def test_unmitigated_model_is_caught(fairness):
            with pytest.raises(FairnessGateFailure, match="female 0.250"):
                fairness.check(Y_TRUE, approve(0.25, 0.75), sensitive_features=SEX)
            with pytest.raises(AssertionError):
                fairness.check(
                    Y_TRUE, approve(0.25, 0.75), sensitive_features=SEX, name="again"
                )
        """
    )
    project.run().assert_outcomes(passed=1)


def test_a_marked_test_that_never_checks_fails(project: Project) -> None:
    project.write(
        """
        @pytest.mark.fairness_gate(demographic_parity_difference=0.1)
        def test_forgot(fairness):
            pass

        @pytest.mark.fairness_gate(demographic_parity_difference=0.1)
        def test_no_fixture():
            pass
        """
    )
    result = project.run()
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        [
            "*test_forgot is marked fairness_gate but checked no gate: call "
            "fairness.check(*",
            "*test_no_fixture is marked fairness_gate but checked no gate: "
            "request the `fairness` fixture*",
        ]
    )


def test_two_checks_under_one_name_are_an_error(project: Project) -> None:
    project.write(
        """
        @pytest.mark.fairness_gate(demographic_parity_difference=0.1)
        def test_model(fairness):
            fairness.check(Y_TRUE, approve(0.5, 0.5), sensitive_features=SEX)
            fairness.check(Y_TRUE, approve(0.5, 0.5), sensitive_features=SEX)
        """
    )
    result = project.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*FairnessValueError: fairness.check() ran twice*distinct name=*"]
    )


def test_check_without_any_bound_is_an_error(project: Project) -> None:
    project.write(
        """
        def test_model(fairness):
            fairness.check(Y_TRUE, approve(0.5, 0.5), sensitive_features=SEX)
        """
    )
    result = project.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*has no bound to check*fairness_gate*"])


def test_check_without_sensitive_features_is_an_error(project: Project) -> None:
    project.write(
        """
        @pytest.mark.fairness_gate(demographic_parity_difference=0.1)
        def test_model(fairness):
            fairness.check(Y_TRUE, approve(0.5, 0.5))

        @pytest.mark.fairness_gate(
            demographic_parity_difference=0.1, sensitive_features=["sex", "race"]
        )
        def test_missing_column(fairness):
            fairness.check(Y_TRUE, approve(0.5, 0.5), sensitive_features={"sex": SEX})
        """
    )
    result = project.run()
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        [
            "*fairness.check() needs sensitive_features*",
            "*names columns ?'race'? that are not in the sensitive_features*",
        ]
    )


INCONCLUSIVE = """
@pytest.mark.fairness_gate(
    demographic_parity_difference=0.1, on_inconclusive={mode!r}
)
def test_model(fairness):
    # every group is under min_group_size: nothing can be compared
    fairness.check(
        Y_TRUE, approve(0.5, 0.5), sensitive_features=SEX, min_group_size=100
    )
"""


@pytest.mark.parametrize(
    ("mode", "outcome", "line"),
    [
        (
            "fail",
            {"failed": 1},
            "*FairnessGateFailure: fairness gate failed: 1 of 1 bound(s) inconclusive*",
        ),
        ("warn", {"passed": 1, "warnings": 2}, "*FairnessWarning: fairness gate*"),
        ("skip", {"skipped": 1}, "SKIPPED*fairness gate inconclusive*"),
    ],
)
def test_on_inconclusive_maps_an_undecidable_bound_to_an_outcome(
    project: Project, mode: str, outcome: dict[str, int], line: str
) -> None:
    project.write(INCONCLUSIVE.format(mode=mode))
    result = project.run("-rs", "-W", "always")
    result.assert_outcomes(**outcome)
    result.stdout.fnmatch_lines([line])
    result.stdout.fnmatch_lines(["*INCONCLUSIVE*fewer than two groups*"])
