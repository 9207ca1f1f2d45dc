"""The example of a gate under @given: typed on the record, rendered by each format."""

from __future__ import annotations

import json
from dataclasses import replace

from pytest_fairness import render
from pytest_fairness.records import (
    BoundRow,
    ExampleInfo,
    GateRecord,
    ReportDocument,
    WorstExample,
)

TABLE = (
    "composition of 200 rows over sex (2 cells)\nfemale  59  29.5%\nmale  141  70.5%"
)
WORST_TABLE = "composition of 200 rows over sex (2 cells)\nfemale  9  4.5%"


def _gate(*, verdict: str = "failed", value: float = 0.2004) -> GateRecord:
    row = BoundRow(
        metric="demographic_parity_difference",
        op="<=",
        limit=0.2,
        bound="<= 0.2",
        value=value,
        verdict=verdict,
        outcome=verdict,
    )
    return GateRecord(
        nodeid="test_model.py::test_mix",
        module="test_model.py",
        test="test_mix",
        name=None,
        key="test_mix",
        verdict=verdict,
        on_inconclusive="fail",
        bounds=(row,),
        attributes=("sex",),
        n_groups=2,
        n_rows=200,
        example=ExampleInfo(
            number=14,
            final=True,
            notes=(TABLE,),
            worst=(
                WorstExample(
                    metric="demographic_parity_difference",
                    bound="<= 0.2",
                    value=0.38,
                    example=9,
                    notes=(WORST_TABLE,),
                ),
            ),
        ),
    )


def test_the_example_survives_the_json_report() -> None:
    gate = _gate()
    data = json.loads(json.dumps(gate.to_dict()))
    assert data["example"]["final"] is True
    assert data["example"]["worst"][0]["value"] == 0.38
    assert GateRecord.from_dict(data) == gate
    document = ReportDocument.of([gate])
    back = ReportDocument.from_json(document.to_json())
    assert back.gates[0].example == gate.example


def test_a_gate_outside_given_has_no_example_key() -> None:
    data = replace(_gate(), example=None).to_dict()
    assert "example" not in data
    assert GateRecord.from_dict(data).example is None


def test_the_failure_message_shows_the_worst_example() -> None:
    lines = render.gate_lines(_gate())
    assert (
        "worst example seen (example 9): demographic_parity_difference 0.380 (<= 0.2):"
    ) in lines
    assert "  female  9  4.5%" in lines


def test_the_summary_shows_the_falsifying_example_and_near_bound_digits() -> None:
    gate = _gate()
    lines = render.summary_lines([gate], ReportDocument.of([gate]).notes, verbose=False)
    text = "\n".join(lines)
    assert "0.2004" in text
    assert "falsifying example (hypothesis' final replay; 14 example(s) checked):" in (
        text
    )
    assert "female  59  29.5%" in text
    assert "worst example seen (example 9)" in text


def test_a_passing_gate_shows_no_example() -> None:
    gate = _gate(verdict="passed", value=0.1)
    assert render.example_lines(gate) == []


def test_markdown_and_html_show_the_examples() -> None:
    document = ReportDocument.of([_gate()])
    markdown = render.markdown_report(document)
    assert "falsifying example (hypothesis' final replay" in markdown
    assert "worst example seen (example 9)" in markdown
    assert "0.2004" in markdown
    html = render.html_report(document)
    assert "worst example seen (example 9)" in html
    assert "0.2004" in html
