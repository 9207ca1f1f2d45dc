"""A gate that holds: the test passes and the summary lists every bound."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Project


def test_a_gate_within_its_bounds_passes_and_returns_the_report(
    project: Project,
) -> None:
    project.write(
        """
        @pytest.mark.fairness_gate(
            demographic_parity_difference=0.1, demographic_parity_ratio=0.8
        )
        def test_model(fairness):
            report = fairness.check(Y_TRUE, approve(0.5, 0.55), sensitive_features=SEX)
            assert round(report.demographic_parity_difference, 3) == 0.05
            assert report.min_group_size == 30
        """
    )
    result = project.run()
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "*= fairness gates =*",
            "test*metric*bound*value*baseline*change*verdict",
            "test_model.py::test_model*demographic_parity_difference*<= 0.1*0.050*"
            "PASSED",
            "test_model.py::test_model*demographic_parity_ratio*>= 0.8*0.909*PASSED",
        ]
    )


def test_no_summary_section_when_no_gate_ran(project: Project) -> None:
    project.write(
        """
        def test_plain():
            assert approve(0.5, 0.5).sum() == 40
        """
    )
    result = project.run()
    result.assert_outcomes(passed=1)
    result.stdout.no_fnmatch_line("*fairness gates*")


def test_verbose_adds_the_per_group_table(project: Project) -> None:
    project.write(
        """
        @pytest.mark.fairness_gate(equalized_odds_difference=0.5)
        def test_model(fairness):
            fairness.check(Y_TRUE, approve(0.5, 0.5), sensitive_features=SEX)
        """
    )
    result = project.run("-v")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "*= fairness gates =*",
            "*equalized_odds_difference*PASSED*",
            "test_model.py::test_model:",
            "sensitive_feature_0*count*tpr*fpr*",
            "female*40*",
            "male*40*",
        ]
    )
    assert "sensitive_feature_0" not in project.run().stdout.str()


def test_bounds_can_be_given_to_check_without_a_marker(project: Project) -> None:
    project.write(
        """
        import pandas as pd

        def test_model(fairness):
            frame = pd.DataFrame({"sex": SEX, "y": Y_TRUE, "pred": approve(0.5, 0.5)})
            fairness.check(
                "y", "pred", data=frame, sensitive_features="sex",
                equal_opportunity_difference=0.05,
            )
        """
    )
    result = project.run()
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*equal_opportunity_difference*<= 0.05*PASSED*"])


def test_marker_columns_select_from_the_frame_given_to_check(project: Project) -> None:
    project.write(
        """
        import pandas as pd

        RACE = np.array(["a", "b"] * N)

        @pytest.mark.fairness_gate(
            demographic_parity_difference=0.2, sensitive_features=["sex"]
        )
        def test_model(fairness):
            frame = pd.DataFrame({"sex": SEX, "race": RACE})
            report = fairness.check(Y_TRUE, approve(0.5, 0.5), sensitive_features=frame)
            assert report.attributes == ("sex",)

        @pytest.mark.fairness_gate(
            demographic_parity_difference=0.2, sensitive_features=["sex", "race"]
        )
        def test_from_data(fairness):
            frame = pd.DataFrame(
                {"sex": SEX, "race": RACE, "y": Y_TRUE, "p": approve(0.5, 0.5)}
            )
            report = fairness.check("y", "p", data=frame, min_group_size=20)
            assert report.attributes == ("sex", "race")
            assert report.n_groups == 4
        """
    )
    project.run().assert_outcomes(passed=2)


def test_named_checks_gate_several_models_in_one_test(project: Project) -> None:
    project.write(
        """
        @pytest.mark.fairness_gate(demographic_parity_difference=0.1)
        def test_models(fairness):
            fairness.check(Y_TRUE, approve(0.5, 0.5), sensitive_features=SEX, name="a")
            fairness.check(Y_TRUE, approve(0.5, 0.55), sensitive_features=SEX, name="b")
            assert set(fairness.reports) == {"a", "b"}
        """
    )
    result = project.run()
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "test_model.py::test_models (name=a)*0.000*PASSED",
            "test_model.py::test_models (name=b)*0.050*PASSED",
        ]
    )
