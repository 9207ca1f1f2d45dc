"""What is otherwise only a warning appears in the terminal summary too, once per gate.

``-p no:warnings`` (or a warning filter) hides warnings: the groups a gate left
out, how much data would settle an inconclusive bound, and the baseline's
notices must still be read in the ``fairness gates`` section. The runs are
subprocesses: without the warnings plugin, an in-process run would apply this
suite's own warning filters.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Project

MODES = pytest.mark.parametrize(
    "xdist", [(), ("-n", "2", "-p", "no:benchmark")], ids=["serial", "xdist"]
)

SMALL = """
GROUPS = np.array(["a"] * 40 + ["b"] * 35 + ["c"] * 5)

@pytest.mark.fairness_gate(
    demographic_parity_difference=0.2, equal_opportunity_difference=0.5,
    min_group_size=10,
)
def test_small(fairness):
    fairness.check(Y_TRUE, approve(0.5, 0.5), sensitive_features=GROUPS)
"""


@MODES
def test_groups_left_out_for_size_are_named_in_the_summary_once(
    project: Project, xdist: tuple[str, ...]
) -> None:
    project.write(SMALL)
    result = project.run("-p", "no:warnings", *xdist, subprocess=True)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "*= fairness gates =*",
            "*test_small*equal_opportunity_difference*PASSED",
            "",
            "test_model.py::test_small:",
            "  left out for size: c (n=5 < min_group_size=10)",
        ]
    )
    assert result.stdout.str().count("left out for size") == 1


INCONCLUSIVE = """
@pytest.mark.fairness_gate(
    demographic_parity_difference=0.15, confidence=0.95, min_group_size=1,
    on_inconclusive="warn",
)
def test_unsettled(fairness):
    fairness.check(Y_TRUE, approve(0.5, 0.6), sensitive_features=SEX)
"""


@MODES
def test_the_data_that_would_settle_a_bound_is_in_the_summary(
    project: Project, xdist: tuple[str, ...]
) -> None:
    project.write(INCONCLUSIVE)
    result = project.run("-p", "no:warnings", *xdist, subprocess=True)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "*test_unsettled*<= 0.15*0.100*INCONCLUSIVE",
            "",
            "test_model.py::test_unsettled:",
            "  to settle demographic_parity_difference: about * more rows per group "
            "(*x the data; worst pair n=40 and n=40)",
        ]
    )


NEW_BASELINE = """
@pytest.mark.fairness_gate(demographic_parity_difference=0.2, baseline=True)
def test_recorded(fairness):
    fairness.check(Y_TRUE, approve(0.5, {male}), sensitive_features=SEX)
"""


@MODES
def test_a_new_baseline_is_announced_in_the_summary(
    project: Project, xdist: tuple[str, ...]
) -> None:
    project.write(NEW_BASELINE.format(male=0.55))
    result = project.run("-p", "no:warnings", *xdist, subprocess=True)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "*test_recorded*PASSED (new baseline)",
            "",
            "test_model.py::test_recorded:",
            "  no fairness baseline for 'test_recorded' (demographic_parity_difference)"
            " in __fairness__/test_model.json: the current values are recorded*",
        ]
    )
    # an unchanged second run has nothing to announce
    again = project.run("-p", "no:warnings", *xdist, subprocess=True)
    again.assert_outcomes(passed=1)
    again.stdout.no_fnmatch_line("test_model.py::test_recorded:")


def test_a_changed_definition_is_announced_in_the_summary(project: Project) -> None:
    source = """
@pytest.mark.fairness_gate(
    demographic_parity_difference=0.2, baseline=True, min_group_size={size}
)
def test_redefined(fairness):
    fairness.check(Y_TRUE, approve(0.5, 0.55), sensitive_features=SEX)
"""
    project.write(source.format(size=30))
    project.run("--fairness-update-baselines").assert_outcomes(passed=1)
    project.write(source.format(size=20))
    result = project.run("-p", "no:warnings", subprocess=True)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "test_model.py::test_redefined:",
            "  the fairness gate 'test_redefined' is defined otherwise than its "
            "baseline in __fairness__/test_model.json (min_group_size 30 -> 20), so "
            "it was not compared. Record it again with: pytest "
            "test_model.py::test_redefined --fairness-update-baselines*",
        ]
    )


def test_a_gate_without_notes_adds_nothing(project: Project) -> None:
    project.write(
        """
        @pytest.mark.fairness_gate(demographic_parity_difference=0.2)
        def test_quiet(fairness):
            fairness.check(Y_TRUE, approve(0.5, 0.5), sensitive_features=SEX)
        """
    )
    result = project.run("-p", "no:warnings", subprocess=True)
    result.assert_outcomes(passed=1)
    result.stdout.no_fnmatch_line("test_model.py::test_quiet:")


def test_the_markdown_summary_lists_them_too(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = project.path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    project.write(SMALL)
    project.run().assert_outcomes(passed=1)
    assert (
        "- test_model.py::test_small: left out for size: c (n=5 < "
        "min_group_size=10)\n" in summary.read_text()
    )
