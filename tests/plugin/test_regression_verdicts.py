"""Regression verdicts a team can leave on: noise, margins, definitions, outcomes.

Each test reproduces a problem met on real model repositories: a reseeded
model failing CI, a regression passing as "inconclusive", a baseline compared
with a gate whose definition changed, a first failing run recorded as the
baseline.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Project

# Two groups of 150 with a fixed model; ``seed`` moves a little noise (a
# retrain), ``shift`` lifts men's scores (a retrain that favours a group).
RETRAIN = """
import numpy as np

SEX = np.repeat(["female", "male"], 150)
Y = np.tile([1, 0, 0], 100)
BASE = np.random.default_rng(0).normal(0, 0.3, 300)


def decisions(seed, shift):
    noise = np.random.default_rng(seed).normal(0, 0.05, 300)
    score = 0.6 * Y + BASE + noise + np.where(SEX == "male", shift, 0)
    return (score > 0.4).astype(int)


@pytest.mark.fairness_gate({marker})
def test_model(fairness):
    fairness.check(Y, decisions({seed}, {shift}), sensitive_features=SEX)
"""
DEFAULTS = (
    "demographic_parity_difference=0.3, equalized_odds_difference=0.3, baseline=True"
)


def write(project: Project, seed: int, shift: float, marker: str = DEFAULTS) -> None:
    project.write(RETRAIN.format(seed=seed, shift=shift, marker=marker))


def test_reseeded_retrains_pass_with_the_default_tolerance(project: Project) -> None:
    write(project, 0, 0.0)
    project.run("--fairness-update-baselines").assert_outcomes(passed=1)
    for seed in range(1, 9):
        write(project, seed, 0.0)
        result = project.run()
        result.assert_outcomes(passed=1)
        result.stdout.no_fnmatch_line("*REGRESSED*")


@pytest.mark.parametrize("shift", [0.15, 0.3])
def test_a_retrain_that_favours_one_group_fails(project: Project, shift: float) -> None:
    write(project, 0, 0.0)
    project.run("--fairness-update-baselines").assert_outcomes(passed=1)
    write(project, 3, shift)
    result = project.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E*demographic_parity_difference*REGRESSED*",
            "E*paired: the baseline's decisions of the same rows",
        ]
    )


def test_tolerance_auto_catches_a_regression_it_used_to_accept(
    project: Project,
) -> None:
    # "auto" once allowed the whole interval: any regression passed
    marker = 'demographic_parity_difference=0.6, baseline=True, tolerance="auto"'
    write(project, 0, 0.0, marker)
    project.run("--fairness-update-baselines").assert_outcomes(passed=1)
    write(project, 1, 0.3, marker)
    project.run().assert_outcomes(failed=1)
    write(project, 1, 0.0, marker)
    project.run().assert_outcomes(passed=1)


def test_a_regression_fails_even_when_its_bound_is_inconclusive_and_warns(
    project: Project,
) -> None:
    marker = (
        "demographic_parity_difference=0.25, baseline=True, confidence=0.95, "
        'on_inconclusive="warn"'
    )
    write(project, 0, 0.0, marker)
    project.run("--fairness-update-baselines").assert_outcomes(passed=1)
    write(project, 1, 0.3, marker)
    result = project.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["E*REGRESSED*", "*test_model*REGRESSED"])


def test_a_missing_baseline_fails_under_ci_also_when_its_bound_is_inconclusive(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = (
        "demographic_parity_difference=0.1, baseline=True, confidence=0.95, "
        'on_inconclusive="warn"'
    )
    monkeypatch.setenv("CI", "true")
    write(project, 0, 0.1, marker)
    result = project.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["E*NO BASELINE*", "E*Create it with: pytest *"])
    assert not project.baseline_file().exists()


def test_a_failing_first_run_records_nothing(project: Project) -> None:
    write(project, 0, 0.6)  # far past the bound of 0.3
    result = project.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["E*the gate failed, so its values were not recorded as the baseline*"]
    )
    assert not project.baseline_file().exists()
    project.run("--fairness-update-baselines")  # the flag records anyway
    assert "test_model" in project.baseline()["gates"]


SEX_RACE = """
import numpy as np

rng = np.random.default_rng(0)
SF = {{"sex": np.repeat(["f", "m"], 200), "race": np.tile(["a", "b"], 200)}}
Y = rng.integers(0, 2, 400)
P = (rng.random(400) < np.where(SF["sex"] == "m", 0.7, 0.5)).astype(int)


@pytest.mark.fairness_gate(demographic_parity_difference=0.5, baseline=True, {marker})
def test_model(fairness):
    fairness.check(Y, P, sensitive_features=SF)
"""


@pytest.mark.parametrize(
    ("marker", "changed"),
    [
        ('sensitive_features=["sex"]', "sensitive features ['sex', 'race'] -> ['sex']"),
        ("intersectional=False", "intersectional True -> False"),
        ("min_group_size=20", "min_group_size 30 -> 20"),
        ("min_denominator=5", "min_denominator 10 -> 5"),
        ('reference=("m", "a")', "reference None -> ['m', 'a']"),
    ],
)
def test_a_baseline_is_never_compared_with_a_gate_defined_otherwise(
    project: Project, monkeypatch: pytest.MonkeyPatch, marker: str, changed: str
) -> None:
    changed = changed.replace("[", "[[]")  # literal brackets for fnmatch
    project.write(SEX_RACE.format(marker='sensitive_features=["sex", "race"]'))
    project.run("--fairness-update-baselines").assert_outcomes(passed=1)
    before = project.baseline_file().read_text()
    project.write(SEX_RACE.format(marker=marker))
    # locally: not compared, a warning that says what changed, nothing written
    local = project.run()
    local.assert_outcomes(passed=1, warnings=1)
    local.stdout.fnmatch_lines(
        [f"*defined otherwise than its baseline*{changed}*--fairness-update-baselines*"]
    )
    local.stdout.no_fnmatch_line("*improved*")
    assert project.baseline_file().read_text() == before
    # under CI: a verdict of its own that fails and names the change
    monkeypatch.setenv("CI", "true")
    ci = project.run()
    ci.assert_outcomes(failed=1)
    ci.stdout.fnmatch_lines(
        [
            "E*DEFINITION CHANGED*",
            f"E*not compared: {changed}*",
            "E*Record it again with: pytest test_model.py::test_model "
            "--fairness-update-baselines*",
        ]
    )
    assert project.baseline_file().read_text() == before


def test_a_baseline_of_the_older_format_is_not_compared(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.write(SEX_RACE.format(marker="intersectional=True"))
    path = project.baseline_file()
    path.parent.mkdir()
    old = {
        "gates": {
            "test_model": {
                "attributes": ["sex", "race"],
                "metrics": {"demographic_parity_difference": {"value": 0.9}},
            }
        },
        "schema": 1,
        "version": "0.1.0",
    }
    path.write_text(json.dumps(old))
    monkeypatch.setenv("CI", "true")
    result = project.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E*DEFINITION CHANGED*",
            "E*recorded without a definition (an older format)*",
            "E*Record it again with*--fairness-update-baselines*",
        ]
    )
    monkeypatch.delenv("CI")
    project.run("--fairness-update-baselines").assert_outcomes(passed=1)
    assert project.baseline()["schema"] == 2


# German-credit-like: 61 women in 200 rows, split over three age bands, so
# every intersection of women is under min_group_size.
LOST = """
import numpy as np

sex = np.array(["f"] * 60 + ["m"] * 300)
age = np.tile(["<25", "25-45", ">45"], 120)
y = np.tile([1, 1, 0], 120)
p = np.where(sex == "m", np.tile([1, 1, 0, 1], 90), 0)


@pytest.mark.fairness_gate(demographic_parity_difference=0.9, min_group_size=30)
def test_model(fairness):
    fairness.check(y, p, sensitive_features={"sex": sex, "age": age})
"""


def test_a_gate_whose_comparison_lost_a_whole_level_is_not_passed(
    project: Project,
) -> None:
    project.write(LOST)
    result = project.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E*fairness gate failed: 1 of 1 bound(s) inconclusive*",
            "E*demographic_parity_difference*INCONCLUSIVE*",
            "E*left out for size: f, 25-45 (n=20 < min_group_size=30); f, <25 (n=20*",
            "E*not compared: sex=f: no compared group carries it (its 3 groups left "
            "out: n=20 < min_group_size=30)",
            "E*the comparison lost sex=f*",
        ]
    )


# TPRs from two and three positives: too few to gate on by default.
THIN = """
import numpy as np

g = np.array(["a"] * 40 + ["b"] * 40 + ["c"] * 40)
y = np.zeros(120, dtype=int)
y[:2] = 1          # a: 2 positives
y[40:43] = 1       # b: 3 positives
y[80:100] = 1      # c: 20 positives
p = y.copy()
p[0] = 0           # a: tpr 1/2
p[80:90] = 0       # c: tpr 10/20


@pytest.mark.fairness_gate(equal_opportunity_difference=0.6, {marker})
def test_model(fairness):
    fairness.check(y, p, sensitive_features=g)
"""


def test_rates_from_few_rows_of_their_denominator_are_left_out_and_listed(
    project: Project,
) -> None:
    project.write(THIN.format(marker="min_group_size=30"))
    result = project.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E*groups: sensitive_feature_0 (3 groups, min_group_size=30, "
            "min_denominator=10)",
            "E*equal_opportunity_difference*nan*INCONCLUSIVE*fewer than two groups*",
            "E*left out of tpr: a (tpr from 2 positives < min_denominator=10); "
            "b (tpr from 3 positives < min_denominator=10)",
        ]
    )
    project.write(THIN.format(marker="min_group_size=30, min_denominator=2"))
    result = project.run()
    result.assert_outcomes(passed=1)
    # the worst pair shows the rows each rate rests on
    project.write(
        THIN.format(marker="min_group_size=30, min_denominator=2").replace(
            "equal_opportunity_difference=0.6", "equal_opportunity_difference=0.4"
        )
    )
    result = project.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E*equal_opportunity_difference*<= 0.4*0.500*FAILED*"
            "tpr: a 0.500 (2 positives, n=40) vs b 1.000 (3 positives, n=40)"
        ]
    )


def test_the_group_table_shows_each_rates_denominator(project: Project) -> None:
    project.write(THIN.format(marker="min_group_size=30, min_denominator=2"))
    result = project.run("-v")
    result.stdout.fnmatch_lines(
        [
            "*sensitive_feature_0*count*tpr (of positives)*",
            "a*40*0.500 (2)*",
            "c*40*0.500 (20)*",
        ]
    )


def test_within_noise_is_visible_in_every_output(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(project, 0, 0.0)
    project.run("--fairness-update-baselines").assert_outcomes(passed=1)
    write(project, 1, 0.0)
    summary = project.path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    result = project.run("--fairness-report=gates.html", "--junitxml=junit.xml")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*PASSED (within noise ±0.*)*"])
    assert "PASSED (within noise ±0." in summary.read_text()
    assert "PASSED (within noise ±0." in (project.path / "gates.html").read_text()
    junit = (project.path / "junit.xml").read_text()
    assert "within_noise" in junit
    assert "detectable" in junit
