"""``fairness.check_tradeoff``: an intervention's trade-off reported like a gate."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Project

# before: women approved at 0.25, men at 0.75 (accuracy 0.5 on Y_TRUE);
# after: 0.45 and 0.55 (the gap falls by 80%, accuracy unchanged)
TRADEOFF = """
@pytest.fixture
def sides():
    return approve(0.25, 0.75), approve(0.45, 0.55)

def test_pays_off(fairness, sides):
    before, after = sides
    cmp = fairness.check_tradeoff(
        before, after, y=Y_TRUE, sensitive_features=SEX,
        max_accuracy_drop=0.02, min_disparity_reduction=0.5,
    )
    assert round(cmp.disparity_reduction("demographic_parity_difference"), 3) == 0.8

def test_asks_too_much(fairness, sides):
    before, after = sides
    fairness.check_tradeoff(
        before, after, y=Y_TRUE, sensitive_features=SEX,
        min_disparity_reduction=0.9, name="strict",
    )
"""


def test_a_tradeoff_passes_or_fails_like_a_gate(project: Project) -> None:
    project.write(TRADEOFF)
    result = project.run("--junitxml=out.xml", "--fairness-report=out.json")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*fairness gate failed: 1 of 2 bound(s) failed*",
            "*result: before -> after: accuracy and demographic_parity_difference",
            "*demographic_parity_difference*reduction >= 90%*0.800*FAILED*"
            "fell by 80.0% (0.500 -> 0.100)*",
            # the before/after table follows the rows
            "*before*after*",
        ]
    )
    # the terminal summary lists both gates
    result.stdout.fnmatch_lines(
        [
            "*fairness gates*",
            "*test_asks_too_much (name=strict)*accuracy*fall <= 0.05*PASSED*",
            "*test_asks_too_much (name=strict)*demographic_parity_difference*FAILED*",
            "*test_pays_off*accuracy*PASSED*",
        ]
    )
    gates = json.loads((project.path / "out.json").read_text())["gates"]
    assert [(g["kind"], g["key"], g["verdict"]) for g in gates] == [
        ("tradeoff", "test_asks_too_much::strict", "failed"),
        ("tradeoff", "test_pays_off", "passed"),
    ]
    assert gates[1]["bounds"][1]["value"] == 0.8
    root = ET.parse(project.path / "out.xml").getroot()  # noqa: S314 - our own file
    names = {p.get("name") for p in root.iter("property")}
    assert "fairness.demographic_parity_difference" in names
    assert "fairness.strict.accuracy" in names


def test_a_tradeoff_is_in_the_html_report(project: Project) -> None:
    project.write(TRADEOFF)
    project.run("--fairness-report=out.html").assert_outcomes(passed=1, failed=1)
    page = (project.path / "out.html").read_text()
    assert "result: before -&gt; after" in page
    assert '<th scope="col">detail</th>' in page
    assert "reduction &gt;= 90%" in page


def test_bad_conditions_are_errors_of_the_test(project: Project) -> None:
    project.write(
        """
def test_bad(fairness):
    fairness.check_tradeoff(
        approve(0.5, 0.5), approve(0.5, 0.5), y=Y_TRUE, sensitive_features=SEX,
        min_disparity_reduction=2,
    )
"""
    )
    result = project.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*min_disparity_reduction is a share of the gap*"])
