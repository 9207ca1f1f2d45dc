"""A saved JSON report renders again to the same HTML and markdown.

The records are typed values with a JSON form, and the renderers are pure
functions of them: what the plugin wrote, the JSON report gives back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pytest

    from conftest import Project

from pytest_fairness import render
from pytest_fairness.records import ReportDocument

GATES = """
@pytest.mark.fairness_gate(
    demographic_parity_difference=0.1, equal_opportunity_ratio=0.8, baseline=True
)
def test_model(fairness):
    fairness.check(Y_TRUE, approve(0.5, 0.55), sensitive_features=SEX)

@pytest.mark.fairness_gate(demographic_parity_difference=0.01, confidence=0.95)
def test_unfair(fairness):
    fairness.check(Y_TRUE, approve(0.25, 0.75), sensitive_features=SEX, name="v<2>")
"""


def test_the_json_report_renders_the_same_html_and_markdown(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.write(GATES)
    project.run("--fairness-update-baselines", "-k", "test_model")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700086400")
    result = project.run(
        "--fairness-report=out.json",
        "--fairness-report=out.html",
        "--fairness-report=out.md",
    )
    result.assert_outcomes(passed=1, failed=1)
    document = ReportDocument.from_json((project.path / "out.json").read_text())
    assert [g.key for g in document.gates] == ["test_model", "test_unfair::v<2>"]
    assert document.to_json() == (project.path / "out.json").read_text()
    html = (project.path / "out.html").read_text()
    assert render.html_report(document) == html
    assert render.markdown_report(document) == (project.path / "out.md").read_text()
    # the run's context heads the report
    assert document.context is not None
    assert document.context.timestamp == "2023-11-15T22:13:20Z"
    assert "2023-11-15T22:13:20Z" in html
    assert "v&lt;2&gt;" in html
    assert "v<2>" not in html
