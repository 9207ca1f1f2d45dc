"""Gate records as typed values, and the renderers as pure functions of them."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest

from pytest_fairness import render
from pytest_fairness.records import (
    BaselineComparison,
    BaselineInfo,
    BoundRow,
    GateRecord,
    GroupRow,
    GroupSide,
    GroupTable,
    HistoryPoint,
    HistoryValue,
    ReportDocument,
    RunContext,
)
from pytest_fairness.render._svg import (
    disparity_chart,
    group_chart,
    history_chart,
    marker,
)

SVG = "{http://www.w3.org/2000/svg}"
EVIL = "<b>&\"x'</b>"

CONTEXT = RunContext(
    version="0.2.0",
    timestamp="2023-11-14T22:13:20Z",
    commit="a" * 40,
    branch="main",
    command="pytest tests",
)


def _row(outcome: str, value: float = 0.2, **kw: object) -> BoundRow:
    return BoundRow(
        metric="demographic_parity_difference",
        op="<=",
        limit=0.1,
        bound="<= 0.1",
        value=value,
        verdict="failed" if outcome == "failed" else "passed",
        outcome=outcome,
        interval=(value - 0.05, value + 0.05),
        rate_metric="selection_rate",
        low=GroupSide(("female",), "female", 40, 0.5, 40),
        high=GroupSide(("male",), "male", 40, 0.7, 40),
        **kw,  # type: ignore[arg-type]
    )


def _gate(outcome: str = "failed", label: str = "female") -> GateRecord:
    comparison = BaselineComparison(
        status="regressed" if outcome == "regressed" else "unchanged",
        baseline=0.05,
        change=0.15,
        margin=0.025,
        noise=0.03,
    )
    table = GroupTable(
        attributes=("sex",),
        metrics=("selection_rate",),
        rows=(
            GroupRow(
                (label,),
                label,
                40,
                False,
                {"selection_rate": 0.5},
                {"selection_rate": 40},
                {"selection_rate": (0.35, 0.65)},
            ),
            GroupRow(
                ("male",),
                "male",
                40,
                False,
                {"selection_rate": 0.7},
                {"selection_rate": 40},
                {"selection_rate": (0.55, 0.82)},
            ),
            GroupRow(("other",), "other", 3, True, {"selection_rate": None}),
        ),
    )
    return GateRecord(
        nodeid="test_model.py::test_model",
        module="test_model.py",
        test="test_model",
        name=None,
        key="test_model",
        verdict="failed" if outcome != "passed" else "passed",
        on_inconclusive="fail",
        bounds=(_row(outcome, comparison=comparison),),
        baseline=BaselineInfo(
            enabled=True, file="/x/__fairness__/test_model.json", status="compared"
        ),
        attributes=("sex",),
        n_groups=2,
        n_rows=83,
        groups=(table,),
    )


def _history(n: int) -> tuple[HistoryPoint, ...]:
    return tuple(
        HistoryPoint(
            key="test_model",
            nodeid="test_model.py::test_model",
            timestamp=f"2023-11-{10 + i:02d}T00:00:00Z",
            verdict="passed",
            values=(
                HistoryValue(
                    "demographic_parity_difference",
                    0.05 + 0.01 * i,
                    (0.01 * i, 0.1 + 0.01 * i),
                    "passed",
                ),
            ),
            commit=f"{i}" * 40,
        )
        for i in range(n)
    )


def _document(label: str = "female") -> ReportDocument:
    return ReportDocument.of(
        [_gate(label=label)],
        context=CONTEXT,
        history={"test_model.py::test_model": _history(3)},
    )


def test_a_gate_record_survives_its_json_form() -> None:
    gate = _gate("regressed")
    back = GateRecord.from_dict(json.loads(json.dumps(gate.to_dict())))
    assert back == gate


def test_a_report_document_survives_its_json_form() -> None:
    document = _document()
    text = document.to_json()
    assert ReportDocument.from_json(text).to_json() == text
    assert json.loads(text)["schema"] == 3


def test_a_report_of_a_newer_schema_is_refused() -> None:
    data = json.loads(_document().to_json())
    data["schema"] = 99
    with pytest.raises(ValueError, match="Upgrade pytest-fairness"):
        ReportDocument.from_dict(data)
    with pytest.raises(ValueError, match="not a pytest-fairness JSON report"):
        ReportDocument.from_dict({"gates": []})


def test_unknown_fields_are_kept() -> None:
    data = _gate().to_dict()
    data["added_later"] = {"x": 1}
    assert GateRecord.from_dict(data).to_dict()["added_later"] == {"x": 1}


@pytest.mark.parametrize("suffix", [".html", ".md", ".json"])
def test_renderers_are_pure(suffix: str) -> None:
    one = render.render(_document(), suffix)
    assert one == render.render(_document(), suffix)
    assert one == render.render(ReportDocument.from_json(_document().to_json()), suffix)


def test_the_summary_shows_each_value_with_its_interval() -> None:
    html = render.html_report(_document())
    assert "0.200 [0.150, 0.250]" in html
    # markdown escapes the brackets (they would open a link)
    assert r"0.200 \[0.150, 0.250\]" in render.markdown_report(_document())


def test_gate_details_are_tables_not_preformatted_text() -> None:
    html = render.html_report(_document())
    assert "<pre" not in html
    assert html.count("<th") >= 10
    assert "<h1" in html
    assert "<h2" in html


def test_every_chart_is_well_formed_svg_with_a_title() -> None:
    html = render.html_report(_document())
    charts = re.findall(r"<svg.*?</svg>", html, flags=re.DOTALL)
    # the bounds, the one rate of the groups, the history of the one bound
    assert len(charts) == 3
    for chart in charts:
        root = ET.fromstring(chart)  # noqa: S314 - our own output
        assert root.find(f"{SVG}title") is not None
        assert root.find(f"{SVG}desc") is not None
        assert root.get("role") == "img"
        assert "<script" not in chart
        assert "href" not in chart


def test_text_from_data_is_escaped_in_charts_and_tables() -> None:
    html = render.html_report(_document(label=EVIL))
    assert EVIL not in html
    assert "&lt;b&gt;&amp;&quot;x&#x27;&lt;/b&gt;" in html
    for chart in re.findall(r"<svg.*?</svg>", html, flags=re.DOTALL):
        ET.fromstring(chart)  # noqa: S314 - still well-formed


def test_group_chart_shows_rates_intervals_denominators_and_small_groups() -> None:
    table = _gate().groups[0]
    chart = group_chart(table, "selection_rate", "c1")
    root = ET.fromstring(chart)  # noqa: S314 - our own output
    assert len(root.findall(f".//{SVG}line[@class='interval']")) == 2
    text = " ".join(t.text or "" for t in root.iter(f"{SVG}title"))
    assert "0.500 [0.350, 0.650] n=40" in text
    assert "other (small)" in text


def test_disparity_chart_draws_bound_baseline_and_noise_band() -> None:
    chart = disparity_chart(_gate("regressed").bounds, "c2", "bounds")
    root = ET.fromstring(chart)  # noqa: S314 - our own output
    classes = {e.get("class") for e in root.iter()}
    assert {"bound", "baseline", "interval", "mark regressed"} <= classes
    assert "noise" in classes
    text = " ".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))
    assert "REGRESSED" in text
    assert "(baseline 0.050)" in text


def test_history_chart_draws_each_run_oldest_first() -> None:
    row = _gate().bounds[0]
    chart = history_chart(_history(12), row, "c3")
    assert chart is not None
    root = ET.fromstring(chart)  # noqa: S314 - our own output
    assert len(root.findall(f".//{SVG}line[@class='interval']")) == 12
    assert "over the last 12 run(s)" in chart
    assert history_chart((), row, "c4") is None


@pytest.mark.parametrize(
    ("outcome", "tag"),
    [
        ("passed", "circle"),
        ("failed", "path"),
        ("regressed", "path"),
        ("inconclusive", "rect"),
        ("missing", "path"),
    ],
)
def test_each_outcome_has_its_own_shape(outcome: str, tag: str) -> None:
    shape = marker(outcome, 10.0, 10.0)
    assert shape.startswith(f"<{tag} ")
    assert f'class="mark {outcome}"' in shape


def test_a_bound_without_a_limit_is_drawn_without_one() -> None:
    row = BoundRow(
        metric="composition",
        op=None,
        limit=None,
        bound="no composition shift",
        value=0.0,
        verdict="passed",
        outcome="passed",
    )
    chart = disparity_chart((row,), "c5", "monitor")
    assert 'class="bound"' not in chart
    assert BoundRow.from_dict(row.to_dict()) == row
