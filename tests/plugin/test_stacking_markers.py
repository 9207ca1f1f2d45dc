"""Markers stack: module and class markers give defaults, closer ones override."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Project


def test_module_class_and_function_markers_combine_closest_first(
    project: Project,
) -> None:
    project.write(
        """
        pytestmark = pytest.mark.fairness_gate(
            demographic_parity_difference=0.01, min_group_size=1
        )

        def test_module_default(fairness):
            report = fairness.check(Y_TRUE, approve(0.5, 0.5), sensitive_features=SEX)
            assert report.min_group_size == 1

        @pytest.mark.fairness_gate(demographic_parity_difference=0.1)
        def test_function_overrides_the_module(fairness):
            fairness.check(Y_TRUE, approve(0.5, 0.55), sensitive_features=SEX)

        @pytest.mark.fairness_gate(demographic_parity_ratio=0.8)
        class TestModels:
            def test_class_adds_a_bound(self, fairness):
                report = fairness.check(
                    Y_TRUE, approve(0.5, 0.5), sensitive_features=SEX
                )
                assert report.min_group_size == 1

            @pytest.mark.fairness_gate(
                demographic_parity_difference=None, min_group_size=5
            )
            def test_none_removes_an_outer_bound(self, fairness):
                report = fairness.check(
                    Y_TRUE, approve(0.5, 0.6), sensitive_features=SEX
                )
                assert report.min_group_size == 5
        """
    )
    result = project.run()
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(
        [
            "*::TestModels::test_class_adds_a_bound*demographic_parity_ratio*"
            ">= 0.8*PASSED",
            "*::TestModels::test_class_adds_a_bound*demographic_parity_difference*"
            "<= 0.01*PASSED",
            "*::TestModels::test_none_removes_an_outer_bound*demographic_parity_ratio*"
            "0.833*PASSED",
            "*::test_function_overrides_the_module*<= 0.1*0.050*PASSED",
            "*::test_module_default*<= 0.01*0.000*PASSED",
        ]
    )
    out = result.stdout.str()
    assert "test_none_removes_an_outer_bound  demographic_parity_difference" not in out


def test_the_module_default_still_fails_a_test_that_does_not_override_it(
    project: Project,
) -> None:
    project.write(
        """
        pytestmark = pytest.mark.fairness_gate(demographic_parity_difference=0.01)

        def test_model(fairness):
            fairness.check(Y_TRUE, approve(0.5, 0.55), sensitive_features=SEX)
        """
    )
    result = project.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["E*demographic_parity_difference*<= 0.01*FAILED*"])


def test_check_overrides_replace_marker_bounds_and_settings(project: Project) -> None:
    project.write(
        """
        @pytest.mark.fairness_gate(demographic_parity_difference=0.01)
        def test_model(fairness):
            report = fairness.check(
                Y_TRUE, approve(0.5, 0.55), sensitive_features=SEX,
                demographic_parity_difference=("<", 0.06), min_group_size=2,
            )
            assert report.min_group_size == 2
        """
    )
    result = project.run()
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*demographic_parity_difference*< 0.06*PASSED"])


def test_a_second_marker_registration_by_another_plugin_is_harmless(
    project: Project,
) -> None:
    project.pytester.makeconftest(
        """
        def pytest_configure(config):
            config.addinivalue_line(
                "markers", "fairness_gate(**kwargs): registered by another plugin"
            )
        """
    )
    project.write(
        """
        @pytest.mark.fairness_gate(demographic_parity_difference=0.1)
        def test_model(fairness):
            fairness.check(Y_TRUE, approve(0.5, 0.5), sensitive_features=SEX)
        """
    )
    project.run("--strict-markers").assert_outcomes(passed=1)
    result = project.run("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.fairness_gate(<disparity>=bound, *"])
