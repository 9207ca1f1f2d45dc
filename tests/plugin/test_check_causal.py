"""``fairness.check_causal``: causal results gated like disparities, with baselines."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Project

# A model that adds ``bias`` to the score of men: with scores spread evenly
# over [0, 1) and a 0.5 threshold, a share ``bias`` of the rows flips when
# gender changes (exactly, up to the grid of 200 scores).
MODEL = """
import pandas as pd
from pytest_fairness.causal import counterfactual_flip_rate

APPLICANTS = pd.DataFrame(
    {{
        "gender": ["female", "male"] * 100,
        "score": [i / 200 for i in range(200)],
    }}
)


class Model:
    def __init__(self, bias):
        self.bias = bias

    def predict(self, X):
        lift = self.bias * (X["gender"] == "male")
        return ((X["score"] + lift) >= 0.5).astype(int).to_numpy()


def flips(bias):
    return counterfactual_flip_rate(Model(bias), APPLICANTS, protected="gender")

{test}
"""


def write(project: Project, test: str, name: str = "test_model") -> None:
    project.write(MODEL.format(test=test), name=name)


def test_a_causal_bound_that_holds_passes_and_joins_the_summary(
    project: Project,
) -> None:
    write(
        project,
        """
def test_gender_does_not_flip_decisions(fairness):
    gate = fairness.check_causal(flips(0.0), max_flip_rate=0.01)
    assert gate.passed
    assert gate.results[0].value == 0.0
""",
    )
    result = project.run()
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "*fairness gates*",
            "*test_gender_does_not_flip_decisions*flip_rate*<= 0.01*0.000*PASSED*",
        ]
    )


def test_a_causal_bound_that_fails_fails_the_test_with_the_table(
    project: Project,
) -> None:
    write(
        project,
        """
def test_gender_does_not_flip_decisions(fairness):
    fairness.check_causal(flips(0.1), "flip_rate <= 0.01")
""",
    )
    result = project.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E*FairnessGateFailure: fairness gate failed: 1 of 1 bound(s) failed*",
            "E*result: naive flip rate*gender*",
            "E*metric*bound*value*verdict*detail*",
            "E*flip_rate*<= 0.01*0.100 [[]0.*, 0.*[]]*FAILED*20 of 200 rows*",
        ]
    )


def test_a_causal_baseline_is_recorded_then_blocks_a_regression(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = """
def test_flips(fairness):
    fairness.check_causal(flips({bias}), max_flip_rate=0.3, baseline=True)
"""
    write(project, gate.format(bias=0.05))
    project.run("--fairness-update-baselines").assert_outcomes(passed=1)
    stored = json.loads(project.baseline_file().read_text())
    entry = stored["gates"]["test_flips"]
    assert entry["kind"] == "causal"
    assert entry["metrics"]["flip_rate"]["value"] == pytest.approx(0.05)

    monkeypatch.setenv("CI", "true")
    # the same model passes against its baseline; an unbiased one improves
    project.run().assert_outcomes(passed=1)
    write(project, gate.format(bias=0.0))
    result = project.run()
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*flip_rate*0.000*0.050*-0.050*PASSED (improved)*"])

    # 10 more flips of 200 is within the noise of two flip tests of 200 rows
    write(project, gate.format(bias=0.1))
    result = project.run()
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*flip_rate*0.100*0.050*+0.050*PASSED (within *"])
    # within the bound of 0.3 but 0.15 worse than the baseline: regressed
    write(project, gate.format(bias=0.2))
    result = project.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E*flip_rate*<= 0.3*0.200*0.050*+0.150*REGRESSED*",
            "E*flip_rate moved away from parity by 0.150 since the baseline*",
            "E*If the change is intended, accept it with: pytest "
            "test_model.py::test_flips --fairness-update-baselines",
        ]
    )
    # the baseline file is untouched without the update flag
    assert json.loads(project.baseline_file().read_text()) == stored


def test_a_missing_causal_baseline_fails_under_ci(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    write(
        project,
        """
def test_flips(fairness):
    fairness.check_causal(flips(0.0), max_flip_rate=0.01, baseline=True)
""",
    )
    result = project.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["E*flip_rate*NO BASELINE*"])
    assert not project.baseline_file().exists()


def test_the_marker_gives_baseline_and_tolerance_to_causal_checks(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = """
@pytest.mark.fairness_gate(baseline=True, tolerance=0.06)
def test_flips(fairness):
    fairness.check_causal(flips({bias}), max_flip_rate=0.5)
"""
    write(project, gate.format(bias=0.05))
    project.run("--fairness-update-baselines").assert_outcomes(passed=1)
    monkeypatch.setenv("CI", "true")
    write(project, gate.format(bias=0.15))
    project.run().assert_outcomes(passed=1)  # +0.10 is not surely more than 0.06
    write(project, gate.format(bias=0.25))
    project.run().assert_outcomes(failed=1)  # +0.20 is


def test_intervals_make_a_bound_near_the_value_inconclusive(
    project: Project,
) -> None:
    write(
        project,
        """
def test_flips(fairness):
    fairness.check_causal(
        flips(0.05), max_flip_rate=0.06, use_intervals=True, on_inconclusive="skip"
    )
""",
    )
    result = project.run("-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(
        [
            "*fairness gate inconclusive: 1 of 1 bound(s) inconclusive*",
            "*decided on intervals*",
        ]
    )


def test_several_named_causal_checks_and_a_disparity_check_share_a_test(
    project: Project,
) -> None:
    write(
        project,
        """
@pytest.mark.fairness_gate(demographic_parity_difference=0.1)
def test_model(fairness):
    fairness.check(Y_TRUE, approve(0.5, 0.5), sensitive_features=SEX)
    fairness.check_causal(flips(0.0), max_flip_rate=0.01, name="unbiased")
    fairness.check_causal(flips(0.02), max_flip_rate=0.01, name="biased")
""",
    )
    result = project.run("--fairness-report=report.json")
    result.assert_outcomes(failed=1)
    report = json.loads((project.path / "report.json").read_text())
    verdicts = {g["key"]: g["verdict"] for g in report["gates"]}
    assert verdicts == {
        "test_model": "passed",
        "test_model::unbiased": "passed",
        "test_model::biased": "failed",
    }


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            "fairness.check_causal(0.3, max_flip_rate=0.01)",
            "*check_causal(result=...) expects a result of pytest_fairness.causal*"
            "Got float*",
        ),
        (
            "fairness.check_causal(flips(0.0), max_flip_rat=0.01)",
            "*unknown bound 'max_flip_rat'*Did you mean 'max_flip_rate'*",
        ),
        (
            "fairness.check_causal(flips(0.0), max_flip_rate=0.01, tolerance=-1)",
            "*tolerance=-1 is invalid*",
        ),
        (
            "fairness.check_causal(flips(0.0), max_flip_rate=0.01,"
            " tolerance={'flips_rate': 0.1})",
            "*tolerance names ?'flips_rate'?, which this result does not offer*",
        ),
        (
            "fairness.check_causal(flips(0.0), max_flip_rate=0.01,"
            " on_inconclusive='pass')",
            "*on_inconclusive='pass' is invalid*",
        ),
        (
            "fairness.check_causal(flips(0.0), max_flip_rate=0.01, name='')",
            "*check_causal(name=...) must be a non-empty string*",
        ),
    ],
)
def test_bad_arguments_name_what_was_expected(
    project: Project, call: str, message: str
) -> None:
    write(project, f"\ndef test_flips(fairness):\n    {call}\n")
    result = project.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([f"E*FairnessValueError{message}"])
