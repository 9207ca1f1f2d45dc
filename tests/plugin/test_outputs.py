"""CI outputs: JUnit XML properties, $GITHUB_STEP_SUMMARY, the report file."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Project

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from html.parser import HTMLParser

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
    dpd = props["test_model"]["fairness.demographic_parity_difference"]
    eor = props["test_model"]["fairness.equal_opportunity_ratio"]
    assert set(props["test_model"]) == {
        "fairness.demographic_parity_difference",
        "fairness.equal_opportunity_ratio",
    }
    # the same decisions as the baseline: unchanged, compared row by row
    assert {k: dpd[k] for k in ("baseline", "bound", "change", "value")} == {
        "baseline": 0.05,
        "bound": "<= 0.1",
        "change": 0.0,
        "value": 0.05,
    }
    assert (dpd["verdict"], dpd["status"], dpd["method"]) == (
        "passed",
        "unchanged",
        "paired",
    )
    assert dpd["change_interval"] == [0.0, 0.0]
    assert dpd["margin"] == 0.025  # one decision in a group of 40
    # a regression must be made of flips, and flips are noisy: caught from ~0.2
    assert 0.15 < dpd["detectable"] < 0.25
    assert (eor["baseline"], eor["value"], eor["verdict"]) == (
        0.909090909091,
        0.909090909091,
        "passed",
    )
    assert props["test_unfair"] == {
        "fairness.v2.demographic_parity_difference": {
            "bound": "<= 0.01",
            "value": 0.5,
            "verdict": "failed",
            "worst_pair": "selection_rate: female 0.250 (n=40) vs male 0.750 (n=40)",
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
    # markdown escapes (rendered: "baseline recorded in __fairness__/...")
    assert r"baseline recorded in \_\_fairness\_\_/test_model.json" in text


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
    assert report["schema"] == 3
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
        "denominator": 40,
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


# A parametrize id with characters that HTML must escape, and a small group.
ESCAPED = """
GROUPS = np.array(["a"] * 40 + ["b"] * 35 + ["c<&>"] * 5)

@pytest.mark.parametrize("cut", [0.5], ids=["x<y&z"])
@pytest.mark.fairness_gate(demographic_parity_difference=0.2, min_group_size=10)
def test_param(fairness, cut):
    fairness.check(Y_TRUE, approve(cut, cut), sensitive_features=GROUPS)
"""

# A model that approves every man: half the rows flip when gender changes.
CAUSAL = """
import pandas as pd
from pytest_fairness.causal import counterfactual_flip_rate

APPLICANTS = pd.DataFrame(
    {"gender": ["female", "male"] * 50, "score": [i / 100 for i in range(100)]}
)


class FavoursMen:
    def predict(self, X):
        men = X["gender"] == "male"
        return (men | (X["score"] >= 0.5)).astype(int).to_numpy()


def test_flips(fairness):
    flips = counterfactual_flip_rate(FavoursMen(), APPLICANTS, protected="gender")
    fairness.check_causal(flips, max_flip_rate=0.01)
"""


@dataclass
class Cell:
    text: str = ""
    classes: list[str] = field(default_factory=list)


@dataclass
class Section:
    open: bool = False
    tables: int = 0
    charts: int = 0
    text: str = ""


class Page(HTMLParser):
    """The parts of the HTML report the tests look at."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.doctype = ""
        self.title = ""
        self.tables: list[list[list[Cell]]] = []
        self.row_classes: list[list[str]] = []
        self.sections: dict[str, Section] = {}
        self.open_tags: list[str] = []
        self._cell: Cell | None = None
        self._section: Section | None = None

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        if tag != "meta":
            self.open_tags.append(tag)
        if tag == "table":
            self.tables.append([])
            self.row_classes.append([])
            if self._section is not None:
                self._section.tables += 1
        elif tag == "tr":
            self.tables[-1].append([])
            self.row_classes[-1].append(attr.get("class") or "")
        elif tag in ("td", "th"):
            self._cell = Cell(classes=(attr.get("class") or "").split())
            self.tables[-1][-1].append(self._cell)
        elif tag == "section":
            self._section = self.sections[attr["id"] or ""] = Section()
        elif tag == "details" and self._section is not None:
            self._section.open = "open" in attr
        elif tag == "svg" and self._section is not None:
            self._section.charts += 1

    def handle_endtag(self, tag: str) -> None:
        assert self.open_tags.pop() == tag
        if tag in ("td", "th"):
            self._cell = None
        elif tag == "section":
            self._section = None

    def handle_data(self, data: str) -> None:
        where = self.open_tags[-1] if self.open_tags else ""
        if self._cell is not None:
            self._cell.text += data
        if self._section is not None and "svg" not in self.open_tags:
            self._section.text += data
        if where == "title" and "head" in self.open_tags:
            self.title += data


def parse(text: str) -> Page:
    page = Page()
    page.feed(text)
    page.close()
    assert page.open_tags == []
    return page


@MODES
def test_the_html_report_is_one_page_with_a_row_per_bound(
    project: Project, xdist: tuple[str, ...]
) -> None:
    project.write(GATES + ESCAPED)
    result = project.run("--fairness-report=reports/fairness.html", *xdist)
    result.assert_outcomes(passed=2, failed=1)
    path = project.path / "reports" / "fairness.html"
    result.stdout.fnmatch_lines([f"fairness report written to {path}"])
    raw = path.read_bytes()
    text = raw.decode("utf-8")
    assert text.startswith("<!DOCTYPE html>\n")
    assert "<script" not in text
    assert "x<y&z" not in text
    assert "test_param[x&lt;y&amp;z]" in text
    page = parse(text)
    assert page.doctype == "DOCTYPE html"
    assert page.title == "Fairness gates"
    assert "3 gate(s), 1 not passed" in text

    summary = page.tables[0]
    assert [c.text for c in summary[0]] == [
        "test",
        "metric",
        "bound",
        "value",
        "baseline",
        "change",
        "verdict",
    ]
    rows = [[c.text for c in row] for row in summary[1:]]
    assert rows == [
        [
            "test_model.py::test_model",
            "demographic_parity_difference",
            "<= 0.1",
            "0.050",
            "-",
            "-",
            "PASSED (new baseline)",
        ],
        [
            "test_model.py::test_model",
            "equal_opportunity_ratio",
            ">= 0.8",
            "0.909",
            "-",
            "-",
            "PASSED (new baseline)",
        ],
        [
            "test_model.py::test_param[x<y&z]",
            "demographic_parity_difference",
            "<= 0.2",
            "0.071",
            "-",
            "-",
            "PASSED",
        ],
        [
            "test_model.py::test_unfair (name=v2)",
            "demographic_parity_difference",
            "<= 0.01",
            "0.500",
            "-",
            "-",
            "FAILED",
        ],
    ]
    verdicts = [row[-1].classes for row in summary[1:]]
    assert verdicts == [["verdict", "passed"]] * 3 + [["verdict", "failed"]]

    # one section per gate, open only for the gate that did not pass, with a
    # table of its bounds and one of its groups, a chart of its bounds and
    # one per rate (test_model bounds selection_rate and tpr, and has a
    # baseline, so a history: one trend per bound)
    assert [(s.open, s.tables, s.charts) for s in page.sections.values()] == [
        (False, 2, 5),
        (False, 2, 2),
        (True, 2, 2),
    ]
    failed = page.sections["gate-3"].text
    assert "fairness gate failed: 1 of 1 bound(s) failed" in failed
    assert "selection_rate: female 0.250 (n=40) vs male 0.750 (n=40)" in failed
    assert "<pre" not in text

    # the per-group table of the parametrized gate marks its small group
    groups = page.tables[4]
    assert [[c.text for c in row] for row in groups] == [
        ["sensitive_feature_0", "count", "selection_rate"],
        ["a", "40", "0.500"],
        ["b", "35", "0.571"],
        ["c<&> (small)", "5", "0.000"],
    ]
    assert page.row_classes[4] == ["", "", "", "small"]
    assert "<li>baseline recorded in __fairness__/test_model.json" in text


def test_a_causal_gate_is_in_the_html_report(project: Project) -> None:
    project.write(CAUSAL)
    result = project.run("--fairness-report=fairness.htm")
    result.assert_outcomes(failed=1)
    page = parse((project.path / "fairness.htm").read_text(encoding="utf-8"))
    ((_, *row),) = page.tables[0][1:]
    assert [c.text for c in row] == [
        "flip_rate",
        "<= 0.01",
        "0.500 [0.404, 0.596]",
        "-",
        "-",
        "FAILED",
    ]
    assert "failed" in row[-1].classes
    section = page.sections["gate-1"]
    assert section.open
    assert (section.tables, section.charts) == (1, 1)  # its bounds; no groups
    assert "result: naive flip rate" in section.text
    assert "50 of 100 rows" in section.text


def test_the_html_report_is_the_same_for_the_same_gates(project: Project) -> None:
    project.write(GATES + ESCAPED)
    project.run("--fairness-update-baselines").assert_outcomes(passed=2, failed=1)
    history = project.path / "__fairness__" / "test_model.history.jsonl"
    before = history.read_bytes()
    # the same command line (xdist from PYTEST_ADDOPTS), the same history
    project.run("--fairness-report=out.html").assert_outcomes(passed=2, failed=1)
    one = (project.path / "out.html").read_bytes()
    history.write_bytes(before)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PYTEST_ADDOPTS", "-n 2 -p no:benchmark")
        result = project.run("--fairness-report=out.html")
    result.assert_outcomes(passed=2, failed=1)
    assert one == (project.path / "out.html").read_bytes()
    assert b"<svg" in one
    assert b'0.050</td><td class="num">0.050</td><td class="num">+0.000' in one
