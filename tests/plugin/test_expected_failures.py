"""A gate a test expects to fail reads "FAILED (expected)"; headings match rows."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Project

MODES = pytest.mark.parametrize(
    "xdist", [(), ("-n", "2", "-p", "no:benchmark")], ids=["serial", "xdist"]
)

GATES = """
from pytest_fairness import FairnessGateFailure

@pytest.mark.fairness_gate(demographic_parity_difference=0.1)
def test_unfair_model_is_caught(fairness):
    fairness.check(Y_TRUE, approve(0.5, 0.55), sensitive_features=SEX, name="fair")
    with pytest.raises(FairnessGateFailure, match="female"):
        fairness.check(Y_TRUE, approve(0.25, 0.75), sensitive_features=SEX,
                       name="unfair")

@pytest.mark.fairness_gate(demographic_parity_difference=0.1)
def test_unfair_model_fails(fairness):
    fairness.check(Y_TRUE, approve(0.25, 0.75), sensitive_features=SEX)
"""


@MODES
def test_a_caught_failure_is_expected_and_an_escaped_one_is_not(
    project: Project, monkeypatch: pytest.MonkeyPatch, xdist: tuple[str, ...]
) -> None:
    summary = project.path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    project.write(GATES)
    result = project.run("--fairness-report=gates.json", *xdist)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*= fairness gates =*",
            "*::test_unfair_model_fails  *<= 0.1*0.500*FAILED",
            "*::test_unfair_model_is_caught (name=fair)  *<= 0.1*0.050*PASSED",
            "*::test_unfair_model_is_caught (name=unfair)  *<= 0.1*0.500*"
            "FAILED (expected)",
            "3 gate(s), 1 not passed, 1 failed as expected",
        ]
    )
    assert (
        re.search(
            r"test_unfair_model_fails .* FAILED \(expected\)", result.stdout.str()
        )
        is None
    )

    text = summary.read_text()
    assert "3 gate(s), 1 not passed, 1 failed as expected" in text
    assert "| test_model.py::test_unfair_model_is_caught (name=unfair) |" in text
    assert "| 0.500 | - | - | FAILED (expected) |" in text
    assert "| 0.500 | - | - | FAILED |" in text

    gates = {
        g["key"]: g
        for g in json.loads((project.path / "gates.json").read_text())["gates"]
    }
    assert {
        k: (g["verdict"], g["expected"], g["test_outcome"]) for k, g in gates.items()
    } == {
        "test_unfair_model_fails": ("failed", False, "failed"),
        "test_unfair_model_is_caught::fair": ("passed", False, "passed"),
        "test_unfair_model_is_caught::unfair": ("failed", True, "passed"),
    }
    assert not any("raised" in g for g in gates.values())


def test_a_caught_gate_stays_expected_when_a_later_gate_fails_the_test(
    project: Project,
) -> None:
    project.write(
        """
        from pytest_fairness import FairnessGateFailure

        @pytest.mark.fairness_gate(demographic_parity_difference=0.1)
        def test_model(fairness):
            with pytest.raises(FairnessGateFailure):
                fairness.check(Y_TRUE, approve(0.25, 0.75), sensitive_features=SEX,
                               name="caught")
            fairness.check(Y_TRUE, approve(0.3, 0.7), sensitive_features=SEX,
                           name="escaped")
        """
    )
    result = project.run("--fairness-report=gates.json")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*(name=caught)  *0.500*FAILED (expected)",
            "*(name=escaped)  *0.400*FAILED",
            "2 gate(s), 1 not passed, 1 failed as expected",
        ]
    )
    gates = json.loads((project.path / "gates.json").read_text())["gates"]
    assert [(g["name"], g["expected"]) for g in gates] == [
        ("caught", True),
        ("escaped", False),
    ]


def test_a_failure_re_raised_or_chained_by_the_test_is_not_expected(
    project: Project,
) -> None:
    project.write(
        """
        from pytest_fairness import FairnessGateFailure

        @pytest.mark.fairness_gate(demographic_parity_difference=0.1)
        def test_reraised(fairness):
            try:
                fairness.check(Y_TRUE, approve(0.25, 0.75), sensitive_features=SEX)
            except FairnessGateFailure:
                raise

        @pytest.mark.fairness_gate(demographic_parity_difference=0.1)
        def test_chained(fairness):
            try:
                fairness.check(Y_TRUE, approve(0.25, 0.75), sensitive_features=SEX)
            except FairnessGateFailure as exc:
                raise RuntimeError("release blocked") from exc
        """
    )
    result = project.run()
    result.assert_outcomes(failed=2)
    assert "(expected)" not in result.stdout.str()
    result.stdout.fnmatch_lines(["2 gate(s), 2 not passed"])


@MODES
def test_a_failed_gate_in_an_xfail_test_is_expected(
    project: Project, xdist: tuple[str, ...]
) -> None:
    project.write(
        """
        @pytest.mark.xfail(reason="the mitigation lands next sprint", strict=True)
        @pytest.mark.fairness_gate(demographic_parity_difference=0.1)
        def test_model(fairness):
            fairness.check(Y_TRUE, approve(0.25, 0.75), sensitive_features=SEX)
        """
    )
    result = project.run(*xdist)
    result.assert_outcomes(xfailed=1)
    result.stdout.fnmatch_lines(
        [
            "*::test_model  *0.500*FAILED (expected)",
            "1 gate(s), 0 not passed, 1 failed as expected",
        ]
    )


def test_the_html_heading_matches_the_rows(project: Project) -> None:
    source = """
from pytest_fairness import FairnessGateFailure

@pytest.mark.fairness_gate(demographic_parity_difference=0.5, baseline=True)
def test_regressed(fairness):
    fairness.check(Y_TRUE, approve(0.5, {male}), sensitive_features=SEX)

@pytest.mark.fairness_gate(demographic_parity_difference=0.1)
def test_caught(fairness):
    with pytest.raises(FairnessGateFailure):
        fairness.check(Y_TRUE, approve(0.25, 0.75), sensitive_features=SEX)
"""
    project.write(source.format(male=0.55))
    project.run("--fairness-update-baselines").assert_outcomes(passed=2)
    project.write(source.format(male=0.9))
    result = project.run("--fairness-report=gates.html")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*test_regressed  *0.400*0.050*+0.350*REGRESSED"])
    page = (project.path / "gates.html").read_text()
    # the heading of a gate that only regressed says so, as its rows do
    assert (
        '<h3>test_model.py::test_regressed</h3> <span class="verdict regressed">'
        "REGRESSED</span></summary>" in page
    )
    assert "<details open>\n<summary><h3>test_model.py::test_regressed" in page
    # an expected failure is neither counted nor opened, and reads as such
    assert "<p>2 gate(s), 1 not passed, 1 failed as expected</p>" in page
    assert (
        '<details>\n<summary><h3>test_model.py::test_caught</h3> <span class="verdict '
        'failed expected">FAILED (expected)</span></summary>' in page
    )
    assert '<td class="verdict failed expected">FAILED (expected)</td>' in page
