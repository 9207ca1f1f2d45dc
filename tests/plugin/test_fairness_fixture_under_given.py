"""The ``fairness`` fixture in hypothesis' ``@given`` tests: one gate per example.

Each example's check is judged; only the final example's gate (the minimal
failing one, which hypothesis replays last, or else the last one) reaches the
summary, the reports and the JUnit properties.
"""

from __future__ import annotations

import importlib.metadata
import json
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING, Any

import pytest

from pytest_fairness.exceptions import FairnessValueError
from pytest_fairness.plugin._fixtures import OUTSIDE_A_TEST, FairnessFixture
from pytest_fairness.plugin._state import STATE_KEY

if TYPE_CHECKING:
    from conftest import Project

pytest.importorskip("hypothesis")

HEADER = """
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from pytest_fairness.strategies import group_compositions

FAST = settings(max_examples=15, derandomize=True, database=None, deadline=None)
# enough examples to meet a small group of women whatever the derandomized seed
SEARCH = settings(max_examples=100, derandomize=True, database=None, deadline=None)
PEOPLE = pd.DataFrame({"sex": ["female"] * 200 + ["male"] * 200, "y": [1, 0] * 200})
COMPOSITIONS = group_compositions(
    {"sex": ["female", "male"]}, total_size=200, min_group_size=30
)


def refuse_small_groups_of_women(batch):
    # approves everyone, except the women of a batch with fewer than 60 of them
    women = batch["sex"] == "female"
    return np.where(women & (women.sum() < 60), 0, 1)

"""

PASSING = """
@pytest.mark.fairness_gate(demographic_parity_difference=0.1)
@FAST
@given(male=st.integers(18, 22))
def test_close_rates(fairness, male):
    fairness.check(Y_TRUE, approve(0.5, male / N), sensitive_features=SEX)
"""

FAILING = """
@pytest.mark.fairness_gate(demographic_parity_difference=0.2)
@SEARCH
@given(composition=COMPOSITIONS)
def test_small_groups(fairness, composition):
    batch = composition.sample(PEOPLE)
    decisions = refuse_small_groups_of_women(batch)
    fairness.check(batch["y"], decisions, sensitive_features=batch["sex"])
"""

FALSIFYING_SUMMARY = [
    "*test_model.py::test_small_groups*demographic_parity_difference*<= 0.2*"
    "1.000*FAILED",
    "*1 gate(s), 1 not passed",
    "test_model.py::test_small_groups:",
    "  falsifying example (hypothesis' final replay; * example(s) checked):",
    "    composition of 200 rows over sex (2 cells)",
    "      female   59   29.5%",
    "      male    141   70.5%",
]


def gates(project: Project, report: str = "report.json") -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads((project.path / report).read_text())[
        "gates"
    ]
    return found


def test_the_fixture_runs_under_given_without_a_health_check(
    project: Project,
) -> None:
    project.write(HEADER + PASSING)
    result = project.run("--fairness-report=report.json")
    result.assert_outcomes(passed=1)
    assert "function-scoped fixture" not in result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "*test_model.py::test_close_rates*demographic_parity_difference*PASSED",
            "*1 gate(s), 0 not passed",
        ]
    )
    (gate,) = gates(project)
    example = gate["example"]
    assert example["final"] is False
    assert example["number"] >= 2  # several examples, one gate
    assert gate["verdict"] == "passed"


def test_a_failing_gate_shows_failed_with_the_falsifying_composition(
    project: Project,
) -> None:
    project.write(HEADER + FAILING)
    result = project.run("--fairness-report=report.json")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(FALSIFYING_SUMMARY)
    # The failure is the falsifying example's gate, followed by hypothesis'
    # note of its composition.
    result.stdout.fnmatch_lines(
        [
            "E   *FairnessGateFailure: fairness gate failed: 1 of 1 bound(s) failed*",
            "E   *selection_rate: female 0.000 (n=59) vs male 1.000 (n=141)",
            "E   *composition of 200 rows over sex (2 cells)",
        ]
    )
    (gate,) = gates(project)
    assert gate["verdict"] == "failed"
    assert gate["expected"] is False
    assert gate["n_rows"] == 200
    example = gate["example"]
    assert example["final"] is True
    (table,) = example["notes"]
    assert table.splitlines()[1].split() == ["female", "59", "29.5%"]


def test_under_xdist_the_falsifying_gate_reaches_the_controller(
    project: Project,
) -> None:
    pytest.importorskip("xdist")
    project.write(HEADER + FAILING + PASSING)
    serial = project.run("--fairness-report=serial.json")
    parallel = project.run("-n", "2", "-p", "no:benchmark", "--fairness-report=n2.json")
    both = [line.replace("*1 gate(s)", "*2 gate(s)") for line in FALSIFYING_SUMMARY]
    for result in (serial, parallel):
        result.assert_outcomes(passed=1, failed=1)
        result.stdout.fnmatch_lines(both)
    assert gates(project, "serial.json") == gates(project, "n2.json")


def test_junit_keeps_the_properties_of_the_final_example_only(
    project: Project,
) -> None:
    project.write(HEADER + FAILING)
    project.run("--junitxml=junit.xml").assert_outcomes(failed=1)
    tree = ET.parse(project.path / "junit.xml")  # noqa: S314 - our own output
    properties = tree.findall(".//testcase/properties/property")
    assert [p.get("name") for p in properties] == [
        "fairness.demographic_parity_difference"
    ]
    value = json.loads(properties[0].get("value") or "")
    assert value["verdict"] == "failed"
    assert value["value"] == 1.0


def test_checks_of_one_example_still_need_distinct_names(project: Project) -> None:
    project.write(
        HEADER
        + """
@pytest.mark.fairness_gate(demographic_parity_difference=0.1)
@FAST
@given(male=st.integers(18, 22))
def test_named(fairness, male):
    fairness.check(Y_TRUE, approve(0.5, male / N), sensitive_features=SEX,
                   name="model a")
    fairness.check(Y_TRUE, approve(0.5, 0.5), sensitive_features=SEX,
                   name="model b")

@pytest.mark.fairness_gate(demographic_parity_difference=0.1)
@FAST
@given(male=st.integers(18, 22))
def test_twice(fairness, male):
    fairness.check(Y_TRUE, approve(0.5, male / N), sensitive_features=SEX)
    fairness.check(Y_TRUE, approve(0.5, 0.5), sensitive_features=SEX)
"""
    )
    result = project.run("--fairness-report=report.json")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*FairnessValueError: fairness.check() ran twice in *test_twice under the "
            "same name None*"
        ]
    )
    named = [g["name"] for g in gates(project) if g["test"] == "test_named"]
    assert named == ["model a", "model b"]


def test_a_baseline_is_refused_under_given(project: Project) -> None:
    project.write(
        HEADER
        + """
@pytest.mark.fairness_gate(demographic_parity_difference=0.1, baseline=True)
@FAST
@given(male=st.integers(18, 22))
def test_from_the_marker(fairness, male):
    fairness.check(Y_TRUE, approve(0.5, male / N), sensitive_features=SEX)

@pytest.mark.fairness_gate(demographic_parity_difference=0.1, baseline=True)
@FAST
@given(male=st.integers(18, 22))
def test_turned_off(fairness, male):
    fairness.check(Y_TRUE, approve(0.5, male / N), sensitive_features=SEX,
                   baseline=False)

@pytest.mark.fairness_gate(demographic_parity_difference=0.1, baseline=True)
def test_ordinary(fairness):
    fairness.check(Y_TRUE, approve(0.5, 0.5), sensitive_features=SEX)
"""
    )
    result = project.run()
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "E   *FairnessValueError: fairness.check() in "
            "test_model.py::test_from_the_marker runs under hypothesis' @given "
            "with baseline=True (from the fairness_gate marker of *",
        ]
    )
    assert "Allowed under @given: baseline=False" in result.stdout.str()
    # the ordinary test keeps its baseline
    assert list(project.baseline()["gates"]) == ["test_ordinary"]


def test_inconclusive_examples_warn_once(project: Project) -> None:
    project.write(
        HEADER
        + """
@pytest.mark.fairness_gate(demographic_parity_difference=0.1, confidence=0.95,
                           on_inconclusive="warn")
@FAST
@given(male=st.integers(18, 22))
def test_noisy(fairness, male):
    fairness.check(Y_TRUE, approve(0.5, male / N), sensitive_features=SEX)
"""
    )
    result = project.run()
    result.assert_outcomes(passed=1)
    text = result.stdout.str()
    assert text.count("inconclusive for the fairness gate") == 1
    result.stdout.fnmatch_lines(
        [
            "*FairnessWarning: * examples were inconclusive for the fairness gate "
            "'test_noisy' under @given (of * checked); the last:"
        ]
    )


def test_skip_skips_the_inconclusive_example_not_the_test(project: Project) -> None:
    # With 40 people per group, a gap of 0.2 or 0.3 straddles the bound and
    # is inconclusive; only a gap of 0.4 or more fails on its whole interval.
    project.write(
        HEADER
        + """
@pytest.mark.fairness_gate(demographic_parity_difference=0.1, confidence=0.95,
                           on_inconclusive="skip")
@settings(max_examples=40, derandomize=True, database=None, deadline=None)
@given(gap=st.sampled_from([0.2, 0.3, 0.4, 0.5]))
def test_noisy(fairness, gap):
    fairness.check(Y_TRUE, approve(0.5, 0.5 - gap), sensitive_features=SEX)
"""
    )
    result = project.run("--fairness-report=report.json")
    result.assert_outcomes(failed=1)
    (gate,) = gates(project)
    assert gate["verdict"] == "failed"
    assert gate["bounds"][0]["value"] == pytest.approx(0.4)


def test_check_causal_under_given_records_the_falsifying_example(
    project: Project,
) -> None:
    project.write(
        """
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from pytest_fairness.causal import counterfactual_flip_rate

APPLICANTS = pd.DataFrame(
    {"gender": ["female", "male"] * 100, "score": [i / 200 for i in range(200)]}
)


class Model:
    def __init__(self, bias):
        self.bias = bias

    def predict(self, X):
        lift = self.bias * (X["gender"] == "male")
        return ((X["score"] + lift) >= 0.5).astype(int).to_numpy()


@settings(max_examples=30, derandomize=True, database=None, deadline=None)
@given(percent=st.integers(0, 20))
def test_flips(fairness, percent):
    flips = counterfactual_flip_rate(Model(percent / 100), APPLICANTS,
                                     protected="gender")
    fairness.check_causal(flips, max_flip_rate=0.05)
"""
    )
    result = project.run("--fairness-report=report.json")
    result.assert_outcomes(failed=1)
    (gate,) = gates(project)
    assert gate["kind"] == "causal"
    assert gate["verdict"] == "failed"
    assert gate["bounds"][0]["value"] == pytest.approx(0.06)
    assert gate["example"]["final"] is True


def test_reports_are_those_of_the_latest_example(project: Project) -> None:
    project.write(
        HEADER
        + """
SEEN = []

@pytest.mark.fairness_gate(demographic_parity_difference=0.1)
@FAST
@given(male=st.integers(18, 22))
def test_close_rates(fairness, male):
    report = fairness.check(Y_TRUE, approve(0.5, male / N), sensitive_features=SEX)
    assert fairness.reports == {None: report}
    SEEN.append(report)

def test_after(fairness):
    assert SEEN and fairness.reports == {}
"""
    )
    project.run().assert_outcomes(passed=2)


def test_the_fixture_refuses_to_check_outside_a_test(
    pytester: pytest.Pytester,
) -> None:
    registered = any(
        ep.value == "pytest_fairness.plugin"
        for ep in importlib.metadata.entry_points(group="pytest11")
    )
    config = pytester.parseconfigure(
        *(() if registered else ("-p", "pytest_fairness.plugin"))
    )
    fixture = FairnessFixture(config, config.stash[STATE_KEY])
    with pytest.raises(FairnessValueError, match="no test is running"):
        fixture.check([1, 0], [1, 0], sensitive_features=["a", "b"])
    assert OUTSIDE_A_TEST.startswith("The fairness fixture checks gates")


GRADED = """
def approve_fewer_women_in_smaller_groups(batch):
    # approves every man, and a share women / 100 of the women: the fewer
    # the women, the wider the gap
    women = (batch["sex"] == "female").to_numpy()
    decisions = np.ones(len(batch), dtype=int)
    n = int(women.sum())
    refused = np.flatnonzero(women)[: n - round(n * min(n, 100) / 100)]
    decisions[refused] = 0
    return decisions


@pytest.mark.fairness_gate(demographic_parity_difference=0.2)
@SEARCH
@given(composition=COMPOSITIONS)
def test_graded(fairness, composition):
    batch = composition.sample(PEOPLE)
    decisions = approve_fewer_women_in_smaller_groups(batch)
    fairness.check(batch["y"], decisions, sensitive_features=batch["sex"])
"""


def test_the_worst_composition_is_shown_beside_the_minimal_one(
    project: Project,
) -> None:
    project.write(HEADER + GRADED)
    result = project.run("--fairness-report=report.json")
    result.assert_outcomes(failed=1)
    # hypothesis shrinks to the mix that barely fails; the summary also
    # shows the mix that failed worst
    result.stdout.fnmatch_lines(
        [
            "test_model.py::test_graded:",
            "  falsifying example (hypothesis' final replay; * example(s) checked):",
            "    composition of 200 rows over sex (2 cells)",
            "      female   79   39.5%",
            "  worst example seen (example *): demographic_parity_difference 0.* "
            "(<= 0.2):",
            "    composition of 200 rows over sex (2 cells)",
        ]
    )
    (gate,) = gates(project)
    (worst,) = gate["example"]["worst"]
    assert worst["metric"] == "demographic_parity_difference"
    assert worst["value"] > gate["bounds"][0]["value"] + 0.1
    assert worst["notes"]
    assert worst["notes"] != gate["example"]["notes"]


def test_the_failing_test_case_shows_the_fixture_briefly(project: Project) -> None:
    project.write(HEADER + FAILING)
    result = project.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*Failing test case: test_small_groups(", "*fairness=<fairness fixture>,"]
    )
    assert "FairnessFixture object at" not in result.stdout.str()
