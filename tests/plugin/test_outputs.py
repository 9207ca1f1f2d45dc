"""CI outputs: JUnit XML properties, $GITHUB_STEP_SUMMARY, the report file."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Project

import json
import xml.etree.ElementTree as ET

import pytest

GATES = """
@pytest.mark.fairness_gate(
    demographic_parity_difference=0.1, equal_opportunity_ratio=0.8, baseline=True
)
def test_model(fairness):
    fairness.check(Y_TRUE, approve(0.5, 0.55), sensitive_features=SEX)

@pytest.mark.fairness_gate(demographic_parity_difference=0.01)
def test_unfair(fairness):
    fairness.check(Y_TRUE, approve(0.25, 0.75), sensitive_features=SEX, name="v2")
"""

MODES = pytest.mark.parametrize(
    "xdist", [(), ("-n", "2", "-p", "no:benchmark")], ids=["serial", "xdist"]
)


@MODES
def test_junit_xml_has_one_property_per_bound(
    project: Project, xdist: tuple[str, ...]
) -> None:
    project.write(GATES)
    project.run("--fairness-update-baselines", "-k", "test_model")
    result = project.run("--junitxml=out.xml", *xdist)
    result.assert_outcomes(passed=1, failed=1)
    root = ET.parse(project.path / "out.xml").getroot()  # noqa: S314 - our own file
    props = {
        case.get("name"): {
            p.get("name"): json.loads(p.get("value") or "")
            for p in case.iter("property")
        }
        for case in root.iter("testcase")
    }
    assert props["test_model"] == {
        "fairness.demographic_parity_difference": {
            "baseline": 0.05,
            "bound": "<= 0.1",
            "change": 0.0,
            "value": 0.05,
            "verdict": "passed",
        },
        "fairness.equal_opportunity_ratio": {
            "baseline": 0.909090909091,
            "bound": ">= 0.8",
            "change": 0.0,
            "value": 0.909090909091,
            "verdict": "passed",
        },
    }
    assert props["test_unfair"] == {
        "fairness.v2.demographic_parity_difference": {
            "bound": "<= 0.01",
            "value": 0.5,
            "verdict": "failed",
        }
    }


@MODES
def test_a_markdown_summary_is_appended_to_github_step_summary(
    project: Project, monkeypatch: pytest.MonkeyPatch, xdist: tuple[str, ...]
) -> None:
    summary = project.path / "summary.md"
    summary.write_text("# earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    project.write(GATES)
    project.run(*xdist).assert_outcomes(passed=1, failed=1)
    text = summary.read_text()
    assert text.startswith("# earlier step\n## Fairness gates\n")
    assert "2 gate(s), 1 not passed" in text
    assert (
        "| test_model.py::test_model | demographic_parity_difference | <= 0.1 "
        "| 0.050 | - | - | PASSED (new baseline) |" in text
    )
    assert (
        "| test_model.py::test_unfair (name=v2) | demographic_parity_difference "
        "| <= 0.01 | 0.500 | - | - | FAILED |" in text
    )
    assert "selection_rate: female 0.250 (n=40) vs male 0.750 (n=40)" in text
    assert "baseline recorded in __fairness__/test_model.json" in text


def test_no_github_summary_without_gates(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = project.path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    project.write("def test_plain():\n    pass\n")
    project.run().assert_outcomes(passed=1)
    assert not summary.exists()


@MODES
def test_the_json_report_holds_every_gate_with_its_groups(
    project: Project, xdist: tuple[str, ...]
) -> None:
    project.write(GATES)
    result = project.run("--fairness-report=reports/fairness.json", *xdist)
    result.assert_outcomes(passed=1, failed=1)
    path = project.path / "reports" / "fairness.json"
    result.stdout.fnmatch_lines([f"fairness report written to {path}"])
    text = path.read_text()
    report = json.loads(text)
    assert text.endswith("\n")
    assert report["schema"] == 1
    assert [(g["nodeid"], g["name"], g["verdict"]) for g in report["gates"]] == [
        ("test_model.py::test_model", None, "passed"),
        ("test_model.py::test_unfair", "v2", "failed"),
    ]
    gate = report["gates"][1]
    (bound,) = gate["bounds"]
    assert bound["metric"] == "demographic_parity_difference"
    assert bound["value"] == 0.5
    assert bound["low"] == {
        "count": 40,
        "group": ["female"],
        "label": "female",
        "rate": 0.25,
    }
    (table,) = gate["groups"]
    assert table["metrics"] == ["selection_rate"]
    assert [(r["label"], r["count"], r["values"]) for r in table["rows"]] == [
        ("female", 40, {"selection_rate": 0.25}),
        ("male", 40, {"selection_rate": 0.75}),
    ]
    assert report["gates"][0]["baseline"]["file"] == "__fairness__/test_model.json"
    assert report["baselines"]["recorded"] == {
        "__fairness__/test_model.json": ["test_model"]
    }


def test_the_markdown_report(project: Project) -> None:
    project.write(GATES)
    project.run("--fairness-report=fairness.md").assert_outcomes(passed=1, failed=1)
    text = (project.path / "fairness.md").read_text()
    assert text.startswith("## Fairness gates\n")
    assert "| test | metric | bound | value | baseline | change | verdict |" in text


def test_the_report_path_can_come_from_ini(project: Project) -> None:
    project.pytester.makeini("[pytest]\nfairness_report = out/gates.json\n")
    project.write(GATES)
    project.run().assert_outcomes(passed=1, failed=1)
    assert (
        len(json.loads((project.path / "out" / "gates.json").read_text())["gates"]) == 2
    )
