"""A module or class marker gives defaults; only a test's own marker demands a check."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Project


def test_a_module_marker_leaves_plain_unit_tests_alone(project: Project) -> None:
    project.write(
        """
        pytestmark = pytest.mark.fairness_gate(demographic_parity_difference=0.1)

        def test_parser():
            assert int("3") == 3

        class TestHelpers:
            def test_helper(self):
                assert approve(0.5, 0.5).sum() == 40

        def test_model(fairness):
            fairness.check(Y_TRUE, approve(0.5, 0.55), sensitive_features=SEX)
        """
    )
    result = project.run()
    result.assert_outcomes(passed=3)
    assert "checked no gate" not in result.stdout.str()
    result.stdout.fnmatch_lines(["*::test_model*<= 0.1*0.050*PASSED"])


def test_a_class_marker_leaves_plain_methods_alone(project: Project) -> None:
    project.write(
        """
        @pytest.mark.fairness_gate(demographic_parity_difference=0.01)
        class TestModel:
            def test_shapes(self):
                assert approve(0.5, 0.5).shape == (80,)

            def test_model(self, fairness):
                fairness.check(Y_TRUE, approve(0.5, 0.55), sensitive_features=SEX)
        """
    )
    result = project.run()
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "E *FairnessGateFailure: fairness gate failed: 1 of 1 bound(s) failed*",
            "FAILED *::TestModel::test_model - *",
        ]
    )


def test_an_inherited_marker_applies_to_tests_that_request_the_fixture(
    project: Project,
) -> None:
    project.write(
        """
        pytestmark = pytest.mark.fairness_gate(demographic_parity_difference=0.01)

        def test_unfair(fairness):
            fairness.check(Y_TRUE, approve(0.5, 0.6), sensitive_features=SEX)

        def test_requests_the_fixture_but_checks_nothing(fairness):
            pass
        """
    )
    result = project.run()
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        ["E *FairnessGateFailure: *", "FAILED *::test_unfair - *"]
    )


def test_a_bad_module_marker_errors_only_the_tests_it_applies_to(
    project: Project,
) -> None:
    project.write(
        """
        pytestmark = pytest.mark.fairness_gate(demographic_parity_diference=0.1)

        def test_parser():
            pass

        def test_model(fairness):
            fairness.check(Y_TRUE, approve(0.5, 0.5), sensitive_features=SEX)
        """
    )
    result = project.run()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at setup of test_model*",
            "Invalid fairness gate: *(set on the module test_model.py): unknown "
            "keyword demographic_parity_diference=0.1*",
        ]
    )


def test_a_marker_on_the_test_itself_still_demands_a_check(project: Project) -> None:
    project.write(
        """
        pytestmark = pytest.mark.fairness_gate(min_group_size=5)

        @pytest.mark.fairness_gate(demographic_parity_difference=0.1)
        def test_forgot():
            pass

        @pytest.mark.parametrize(
            "share",
            [pytest.param(0.5, marks=pytest.mark.fairness_gate(
                demographic_parity_difference=0.1
            ))],
        )
        def test_param_forgot(share):
            pass
        """
    )
    result = project.run()
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        [
            "*test_forgot is marked fairness_gate but checked no gate*",
            "*test_param_forgot?0.5? is marked fairness_gate but checked no gate*",
        ]
    )
