"""Gates with confidence intervals: three verdicts and the statistical baseline mode."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Project

import pytest

# groups of 40: an approval gap of 0.1 is within sampling noise of a 0.15 bound
INCONCLUSIVE = """
@pytest.mark.fairness_gate(
    demographic_parity_difference=0.15, confidence=0.95, min_group_size=1,
    on_inconclusive="{mode}",
)
def test_model(fairness):
    fairness.check(Y_TRUE, approve(0.5, 0.6), sensitive_features=SEX)
"""


def test_an_inconclusive_bound_fails_by_default_and_says_what_settles_it(
    project: Project,
) -> None:
    project.write(INCONCLUSIVE.format(mode="fail"))
    result = project.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E*95% intervals*",
            "E*demographic_parity_difference*<= 0.15*0.100 [[]0.*[]]*INCONCLUSIVE*",
            "E*to settle the inconclusive bounds:*",
            "E*demographic_parity_difference: about * more rows per group*",
        ]
    )


@pytest.mark.parametrize(("mode", "outcome"), [("warn", "passed"), ("skip", "skipped")])
def test_on_inconclusive_maps_to_a_pytest_outcome(
    project: Project, mode: str, outcome: str
) -> None:
    project.write(INCONCLUSIVE.format(mode=mode))
    result = project.run()
    result.assert_outcomes(**{outcome: 1}, warnings=1 if mode == "warn" else 0)


def test_a_clear_bound_passes_with_confidence(project: Project) -> None:
    project.write(
        """
        @pytest.mark.fairness_gate(
            demographic_parity_difference=0.6, confidence=0.95, min_group_size=1
        )
        def test_model(fairness):
            fairness.check(Y_TRUE, approve(0.5, 0.6), sensitive_features=SEX)
        """
    )
    project.run().assert_outcomes(passed=1)


AUTO = """
@pytest.mark.fairness_gate(
    demographic_parity_difference=0.5, baseline=True, tolerance="auto",
    min_group_size=1,
)
def test_model(fairness):
    fairness.check(Y_TRUE, approve(0.5, {male}), sensitive_features=SEX)
"""


def test_tolerance_auto_fails_only_beyond_the_interval(project: Project) -> None:
    project.write(AUTO.format(male=0.55))
    project.run("--fairness-update-baselines").assert_outcomes(passed=1)
    # 0.05 -> 0.15 with groups of 40: worse, but inside the sampling noise
    project.write(AUTO.format(male=0.65))
    project.run().assert_outcomes(passed=1)
    # 0.05 -> 0.45: the whole interval is worse than the baseline
    project.write(AUTO.format(male=0.95))
    result = project.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["E*REGRESSED*"])
