"""Under pytest-xdist, gate results travel on reports and the controller writes."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Project

import json

import pytest

pytest.importorskip("xdist")

MODULE_A = """
@pytest.mark.fairness_gate(demographic_parity_difference=0.1, baseline=True)
@pytest.mark.parametrize("male", [0.5, 0.525, 0.55, 0.575])
def test_model(fairness, male):
    fairness.check(Y_TRUE, approve(0.5, male), sensitive_features=SEX)
"""
MODULE_B = """
@pytest.mark.fairness_gate(equalized_odds_ratio=0.5, baseline=True)
def test_models(fairness):
    fairness.check(Y_TRUE, approve(0.5, 0.5), sensitive_features=SEX, name="x")
    fairness.check(Y_TRUE, approve(0.45, 0.5), sensitive_features=SEX, name="y")

@pytest.mark.fairness_gate(demographic_parity_difference=0.01)
def test_failing(fairness):
    fairness.check(Y_TRUE, approve(0.5, 0.6), sensitive_features=SEX)
"""


# pytest-benchmark, when installed, warns that it is off under xdist.
XDIST = ("-n", "2", "-p", "no:benchmark")


def snapshot(project: Project) -> dict[str, str]:
    files = sorted((project.path / "__fairness__").glob("*.json"))
    return {p.name: p.read_text() for p in files}


def run_both(
    project: Project, *args: str
) -> tuple[pytest.RunResult, pytest.RunResult, dict[str, str]]:
    project.write(MODULE_A, name="test_a")
    project.write(MODULE_B, name="test_b")
    serial = project.run(*args, "--fairness-report=serial.json")
    serial.assert_outcomes(passed=5, failed=1)
    files = snapshot(project)
    for p in (project.path / "__fairness__").iterdir():
        p.unlink()
    parallel = project.run(*args, *XDIST, "--fairness-report=parallel.json")
    parallel.assert_outcomes(passed=5, failed=1)
    return serial, parallel, files


def test_two_workers_write_the_same_baselines_and_report(project: Project) -> None:
    serial, parallel, files = run_both(project, "--fairness-update-baselines")
    assert snapshot(project) == files
    assert sorted(files) == ["test_a.json", "test_b.json"]
    assert sorted(json.loads(files["test_b.json"])["gates"]) == [
        "test_models::x",
        "test_models::y",
    ]
    a = json.loads((project.path / "serial.json").read_text())
    b = json.loads((project.path / "parallel.json").read_text())
    # the same document, but for the command line (-n 2)
    assert "-n 2" in b["context"].pop("command")
    a["context"].pop("command")
    assert a == b
    assert len(b["gates"]) == 7
    for result in (serial, parallel):
        result.stdout.fnmatch_lines(
            [
                "*= fairness gates =*",
                "test_a.py::test_model?0.525]*demographic_parity_difference*PASSED*",
                "test_a.py::test_model?0.575]*0.075*PASSED*",
                "test_a.py::test_model?0.5]*0.000*PASSED*",
                "test_b.py::test_failing*<= 0.01*0.100*FAILED",
                "test_b.py::test_models (name=x)*equalized_odds_ratio*PASSED*",
                "test_b.py::test_models (name=y)*equalized_odds_ratio*PASSED*",
            ]
        )


def test_local_recording_under_xdist_matches_the_update(project: Project) -> None:
    _, parallel, files = run_both(project)
    assert snapshot(project) == files
    parallel.stdout.fnmatch_lines(
        [
            "baseline recorded in __fairness__/test_a.json (commit it): "
            "test_model?0.525], test_model?0.55], test_model?0.575], test_model?0.5]",
            "baseline recorded in __fairness__/test_b.json (commit it): "
            "test_models::x, test_models::y",
        ]
    )


REGRESSING = """
@pytest.mark.fairness_gate(demographic_parity_difference=0.6, baseline=True)
@pytest.mark.parametrize("male", [0.6, 0.65, 0.7, 0.75])
def test_model(fairness, male):
    fairness.check(Y_TRUE, approve(0.3, male), sensitive_features=SEX)
"""


def test_a_regression_fails_under_xdist_with_the_full_message(project: Project) -> None:
    project.write(REGRESSING, name="test_a")
    project.run("--fairness-update-baselines").assert_outcomes(passed=4)
    # 8 approvals of 40 women withdrawn, every male rate: +0.2 each
    project.write(REGRESSING.replace("0.3, male", "0.1, male"), name="test_a")
    result = project.run(*XDIST)
    result.assert_outcomes(failed=4)
    result.stdout.fnmatch_lines(
        [
            "E*demographic_parity_difference*<= 0.6*0.500*0.300*+0.200*REGRESSED*",
            "*test_a.py::test_model?0.65]*0.550*0.350*+0.200*REGRESSED",
        ]
    )
