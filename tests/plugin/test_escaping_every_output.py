"""Text from data cannot forge structure or drive the terminal, in any output.

One payload list runs through every output: the failure message and terminal
summary, the GitHub step summary and ``.md`` report (rendered with GitHub's
own renderer), the ``.html`` and ``.json`` reports, JUnit XML, and
``report.to_markdown()`` / ``to_html()`` / ``lines()``. Each payload is a group
label and a column name; the payloads a check name may hold are also the
``name=`` of the check (the others are refused there).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from typing import TYPE_CHECKING

import cmarkgfm  # type: ignore[import-untyped]
import numpy as np
import pytest
from cmarkgfm.cmark import Options  # type: ignore[import-untyped]

import pytest_fairness as pf
from pytest_fairness import _escape as esc

if TYPE_CHECKING:
    from conftest import Project

PAYLOADS = [
    "x\n## Injected\n![](https://evil.example/x.png)",
    "</details><details open><summary>fake PASS</summary>",
    "a | b || c",
    "`rm -rf /`",
    "![](https://evil.example/pixel.png)",
    "[click here](https://evil.example)",
    "https://evil.example/bare www.evil.example",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "\x1b[31mred\x1b[0m\x1b[2J\x1b]8;;https://evil.example\x07link",
    "invoice\u202etxt.exe \u2066isolate\u2069",
    "nul\x00bell\x07bs\x08del\x7fnel\x85",
    "tab\there\rcr",
    "line\u2028paragraph\u2029end",
    "lone\ud800surrogate",
    "# heading",
    "- item",
    "> quote",
    "*em* _em_ __strong__ ~~gone~~ $x^2$",
    "&lt;b&gt; &amp; R&D",
    "L" * 300,
    "😀 👩‍👩‍👧 ünïcödé",
]
BENIGN = "plain"
IDS = [f"p{i}" for i in range(len(PAYLOADS))]

# C0 and C1 controls (but the newline ending each line), bidirectional
# controls, line separators and lone surrogates
UNSAFE_IN_TERMINAL = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e"
    "\u2066-\u2069\ud800-\udfff]"
)
VOID = {"meta", "br", "img", "hr", "input", "link", "col"}


def name_for(payload: str) -> str:
    """The check's name: the payload when a name may hold it."""
    return payload if not esc.unsafe_characters(payload) else "v2"


class Structure(HTMLParser):
    """Tags in order, well-formedness, and the text of an HTML document."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.links: list[str] = []
        self.unclosed: list[str] = []
        self.mismatched: list[str] = []
        self.parts: list[str] = []
        self.feed(text)
        self.close()
        self.unclosed = [t for t in self.unclosed if t not in ("p", "li")]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.links += [v or "" for k, v in attrs if k in ("href", "src")]
        if tag not in VOID:
            self.unclosed.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.unclosed and self.unclosed[-1] == tag:
            self.unclosed.pop()
        else:
            self.mismatched.append(tag)

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    @property
    def text(self) -> str:
        return "".join(self.parts)


def rendered_markdown(text: str) -> Structure:
    """Render markdown as GitHub does (raw HTML kept) and read the result."""
    return Structure(
        cmarkgfm.github_flavored_markdown_to_html(
            text, options=Options.CMARK_OPT_UNSAFE
        )
    )


def assert_same_markdown_structure(text: str, benign: str, payload: str) -> None:
    page, reference = rendered_markdown(text), rendered_markdown(benign)
    assert page.tags == reference.tags  # no heading, image, link, tag from data
    assert page.links == reference.links
    assert not page.mismatched
    assert esc.visible(payload) in page.text


def assert_same_html_structure(text: str, benign: str, payload: str) -> None:
    page, reference = Structure(text), Structure(benign)
    assert not page.unclosed
    assert not page.mismatched
    assert page.tags == reference.tags
    assert page.links == reference.links
    assert esc.visible(payload) in page.text


def without_run(markdown: str) -> str:
    """Drop the line naming the run (its command differs between runs)."""
    return "\n".join(
        line for line in markdown.splitlines() if not line.startswith("run: ")
    )


def assert_safe_terminal(text: str) -> None:
    found = UNSAFE_IN_TERMINAL.findall(text)
    assert not found, f"raw characters reached the terminal: {found!r}"


# -- the plugin's outputs ------------------------------------------------------
GATE = """
PAYLOAD = {payload!r}
NAME = {name!r}
LABELS = np.array([PAYLOAD] * 40 + ["ref"] * 40 + ["tiny " + PAYLOAD] * 5)
Y = np.array([1, 0] * 42 + [1])
PRED = np.zeros(85, dtype=int)
PRED[:10] = 1
PRED[40:70] = 1


@pytest.mark.fairness_gate(demographic_parity_difference=0.1)
def test_gate(fairness):
    fairness.check(Y, PRED, sensitive_features={{PAYLOAD: LABELS}}, name=NAME)
"""


def run_outputs(
    project: Project, monkeypatch: pytest.MonkeyPatch, payload: str, tag: str
) -> dict[str, str]:
    """Run one failing gate with ``payload`` as label and column; read its outputs."""
    folder = project.path / tag
    folder.mkdir()
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(folder / "summary.md"))
    project.write(GATE.format(payload=payload, name=name_for(payload)))
    first = project.run(
        "-v",
        f"--junitxml={folder / 'junit.xml'}",
        f"--fairness-report={folder / 'report.html'}",
    )
    first.assert_outcomes(failed=1)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY")
    project.run(f"--fairness-report={folder / 'report.json'}").assert_outcomes(failed=1)
    project.run(f"--fairness-report={folder / 'report.md'}").assert_outcomes(failed=1)
    outputs = {
        name: (folder / name).read_text(encoding="utf-8")
        for name in ("summary.md", "report.md", "report.html", "report.json")
    }
    outputs["terminal"] = first.stdout.str() + first.stderr.str()
    outputs["junit"] = str(folder / "junit.xml")
    return outputs


@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_every_plugin_output_escapes_a_label_from_data(
    project: Project, monkeypatch: pytest.MonkeyPatch, payload: str
) -> None:
    out = run_outputs(project, monkeypatch, payload, "payload")
    benign = run_outputs(project, monkeypatch, BENIGN, "benign")
    shown = esc.visible(payload)
    pair = f"selection_rate: {shown} 0.250 (n=40) vs ref 0.750 (n=40)"

    # terminal: failure message, summary, -v group table, all on safe lines
    assert_safe_terminal(out["terminal"])
    assert pair in out["terminal"]
    assert f"tiny {shown} (n=5 < min_group_size=30)" in out["terminal"]
    assert f"groups: {shown} (3 groups," in out["terminal"]

    # markdown: GitHub step summary and the .md report
    # the same but for the last line, the run's command line
    assert without_run(out["summary.md"]) == without_run(out["report.md"])
    assert_same_markdown_structure(out["report.md"], benign["report.md"], payload)

    # HTML report
    assert_same_html_structure(out["report.html"], benign["report.html"], payload)
    assert "<script" not in out["report.html"].lower()

    # JSON report: the labels round-trip exactly
    gate = json.loads(out["report.json"])["gates"][0]
    assert gate["bounds"][0]["low"]["label"] == payload
    assert gate["attributes"] == [payload]
    assert gate["name"] == name_for(payload)

    # JUnit XML parses, and its property reads as the terminal shows it
    root = ET.parse(out["junit"]).getroot()  # noqa: S314 - our own file
    (prop,) = root.iter("property")
    assert (
        prop.get("name")
        == f"fairness.{name_for(payload)}.demographic_parity_difference"
    )
    assert json.loads(prop.get("value") or "")["worst_pair"] == pair


def test_the_outputs_escape_under_xdist_too(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    labels = [p for p in PAYLOADS if len(p) < 100]
    source = """
LABELS = np.array(sum(([label] * 40 for label in {labels!r}), ["ref"] * 40))
Y = np.array([1, 0] * (len(LABELS) // 2))
PRED = np.zeros(len(LABELS), dtype=int)
PRED[:{n}] = 1
PRED[-40:] = 1

@pytest.mark.fairness_gate(demographic_parity_difference=0.1)
def test_gate(fairness):
    fairness.check(Y, PRED, sensitive_features=LABELS, name="all")
"""
    summary = project.path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    project.write(source.format(labels=labels, n=len(labels) * 40 // 2))
    result = project.run(
        "-v",
        "-n",
        "2",
        "-p",
        "no:benchmark",
        "--junitxml=junit.xml",
        "--fairness-report=report.html",
    )
    result.assert_outcomes(failed=1)
    assert_safe_terminal(result.stdout.str())
    page = Structure((project.path / "report.html").read_text(encoding="utf-8"))
    assert not page.unclosed
    assert not page.mismatched
    assert not {"script", "img"} & set(page.tags)
    assert page.links == ["#gate-1"]
    for label in labels:
        assert esc.visible(label) in page.text
    md = rendered_markdown(summary.read_text(encoding="utf-8"))
    assert {"h1", "h3", "img", "a", "script", "code"}.isdisjoint(md.tags)
    assert md.tags.count("h2") == 1
    assert md.tags.count("details") == 1
    ET.parse(project.path / "junit.xml")  # noqa: S314 - our own file


def test_a_check_name_with_control_characters_is_refused(project: Project) -> None:
    unsafe = [p for p in PAYLOADS if esc.unsafe_characters(p)]
    project.write(
        f"""
        from pytest_fairness import FairnessValueError

        @pytest.mark.parametrize("name", {unsafe!r})
        @pytest.mark.fairness_gate(demographic_parity_difference=0.1)
        def test_name(fairness, name):
            with pytest.raises(FairnessValueError) as caught:
                fairness.check(Y_TRUE, approve(0.5, 0.5), sensitive_features=SEX,
                               name=name)
            message = str(caught.value)
            assert message.startswith(
                "fairness.check(name=...) must be printable text: it names the "
                "check in the baseline file, the JUnit properties and every report. "
                f"Got {{name!r}}, which holds "
            )
            assert "Hint: name checks after the model or slice" in message
            fairness.check(Y_TRUE, approve(0.5, 0.5), sensitive_features=SEX,
                           name=repr(name))
        """
    )
    result = project.run("--junitxml=junit.xml")
    result.assert_outcomes(passed=len(unsafe))
    assert_safe_terminal(result.stdout.str())
    root = ET.parse(project.path / "junit.xml").getroot()  # noqa: S314 - our own file
    names = sorted(p.get("name") or "" for p in root.iter("property"))
    assert names == sorted(
        f"fairness.{esc.visible(repr(p))}.demographic_parity_difference" for p in unsafe
    )


def test_check_causal_refuses_such_a_name_too(project: Project) -> None:
    project.write(
        """
        import pandas as pd
        from pytest_fairness import FairnessValueError
        from pytest_fairness.causal import counterfactual_flip_rate

        class Model:
            def predict(self, X):
                return (X["score"] >= 0.5).astype(int).to_numpy()

        def test_flips(fairness):
            rows = pd.DataFrame({"gender": ["female", "male"] * 20,
                                 "score": [i / 40 for i in range(40)]})
            flips = counterfactual_flip_rate(Model(), rows, protected="gender")
            with pytest.raises(FairnessValueError, match="must be printable text"):
                fairness.check_causal(flips, max_flip_rate=0.0, name="a\\nb")
        """
    )
    project.run().assert_outcomes(passed=1)


# -- the report's own renderings ----------------------------------------------
def audit(label: str) -> pf.FairnessReport:
    labels = np.array([label] * 40 + ["ref"] * 40 + ["tiny " + label] * 5)
    pred = np.zeros(85, dtype=int)
    pred[:10] = 1
    pred[40:70] = 1
    with pytest.warns(pf.FairnessWarning) as caught:
        report = pf.audit(
            np.array([1, 0] * 42 + [1]), pred, sensitive_features={label: labels}
        )
    for warning in caught:
        assert_safe_terminal(str(warning.message))
    return report


@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_the_reports_own_renderings_escape_a_label_from_data(payload: str) -> None:
    report, benign = audit(payload), audit(BENIGN)
    shown = esc.visible(payload)

    lines = "\n".join(report.lines())
    assert_safe_terminal(lines)
    assert f"over {shown}:" in lines
    assert f"tiny {shown} (small)" in lines

    assert_same_markdown_structure(report.to_markdown(), benign.to_markdown(), payload)
    assert_same_html_structure(report.to_html(), benign.to_html(), payload)

    gate = report.check({"demographic_parity_difference": 0.1})
    text = str(gate)
    assert_safe_terminal(text)
    assert f"{shown} 0.250 (n=40) vs ref 0.750 (n=40)" in text
    assert f"left out for size: tiny {shown} (n=5 < min_group_size=30)" in text
    with pytest.raises(pf.FairnessGateFailure) as caught:
        report.assert_within(demographic_parity_difference=0.1)
    assert_safe_terminal(str(caught.value))


# -- the escaping functions themselves ----------------------------------------
@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_each_escape_is_idempotent_on_visible_text_and_keeps_it_readable(
    payload: str,
) -> None:
    shown = esc.visible(payload)
    assert esc.visible(shown) == shown
    assert esc.terminal(payload) == shown
    assert esc.xml_attr(payload) == shown
    assert "\n" not in esc.markdown(payload)
    for render in (esc.markdown, esc.html):
        # visible first: rendering the visible text gives the same output
        assert render(shown) == render(payload)


def test_plain_text_stays_plain() -> None:
    for text in ("female, black", "test_model.py::test_gate", "<= 0.1", "R&D"):
        assert esc.terminal(text) == text
        assert esc.markdown(text, cell=True) == text
    assert esc.markdown("snake_case_name") == "snake_case_name"
    assert esc.visible("a\x1b[31mb\u202ec\n") == "a\\x1b[31mb\\u202ec\\n"
