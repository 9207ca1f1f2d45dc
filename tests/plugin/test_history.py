"""History across runs: one line per baselined gate and run, beside the baselines."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pytest

    from conftest import Project

GATE = """
@pytest.mark.fairness_gate(demographic_parity_difference=0.2, baseline=True)
def test_model(fairness):
    fairness.check(Y_TRUE, approve(0.5, 0.55), sensitive_features=SEX)

@pytest.mark.fairness_gate(demographic_parity_difference=0.2)
def test_no_baseline(fairness):
    fairness.check(Y_TRUE, approve(0.5, 0.55), sensitive_features=SEX)
"""


def _run_at(
    project: Project,
    monkeypatch: pytest.MonkeyPatch,
    epoch: int,
    sha: str,
    *args: str,
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(epoch))
    monkeypatch.setenv("GITHUB_SHA", sha)
    monkeypatch.setenv("GITHUB_REF_NAME", "main")
    project.run(*args).assert_outcomes(passed=2)


def _lines(project: Project) -> list[dict[str, object]]:
    path = project.path / "__fairness__" / "test_model.history.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_each_run_appends_one_line_per_baselined_gate(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.write(GATE)
    _run_at(
        project, monkeypatch, 1_700_000_000, "a" * 40, "--fairness-update-baselines"
    )
    _run_at(project, monkeypatch, 1_700_086_400, "b" * 40)
    lines = _lines(project)
    # the gate without a baseline file has no history
    assert [(p["key"], p["commit"], p["branch"]) for p in lines] == [
        ("test_model", "a" * 40, "main"),
        ("test_model", "b" * 40, "main"),
    ]
    assert [p["timestamp"] for p in lines] == [
        "2023-11-14T22:13:20Z",
        "2023-11-15T22:13:20Z",
    ]
    values = lines[-1]["values"]
    assert isinstance(values, list)
    (value,) = values
    assert value["metric"] == "demographic_parity_difference"
    assert value["value"] == 0.05
    assert value["outcome"] == "passed"


def test_a_run_repeated_at_the_same_commit_and_time_adds_nothing(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.write(GATE)
    _run_at(
        project, monkeypatch, 1_700_000_000, "a" * 40, "--fairness-update-baselines"
    )
    path = project.path / "__fairness__" / "test_model.history.jsonl"
    before = path.read_bytes()
    _run_at(project, monkeypatch, 1_700_000_000, "a" * 40)
    assert path.read_bytes() == before


def test_the_history_is_pruned_to_its_limit(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.write(GATE)
    project.pytester.makeini("[pytest]\nfairness_history_limit = 2\n")
    for day in range(4):
        _run_at(
            project,
            monkeypatch,
            1_700_000_000 + day * 86_400,
            f"{day}" * 40,
            *(("--fairness-update-baselines",) if day == 0 else ()),
        )
    # the newest two runs are kept
    assert [p["commit"] for p in _lines(project)] == ["2" * 40, "3" * 40]


def test_history_off_neither_writes_nor_draws_it(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.write(GATE)
    _run_at(
        project,
        monkeypatch,
        1_700_000_000,
        "a" * 40,
        "--fairness-update-baselines",
        "--fairness-history=off",
    )
    folder = project.path / "__fairness__"
    assert not (folder / "test_model.history.jsonl").exists()
    _run_at(project, monkeypatch, 1_700_000_000, "a" * 40)
    _run_at(
        project,
        monkeypatch,
        1_700_086_400,
        "b" * 40,
        "--fairness-history=off",
        "--fairness-report=out.html",
    )
    assert len(_lines(project)) == 1  # the second run's point only
    assert 'class="chart history"' not in (project.path / "out.html").read_text()


def test_the_html_report_draws_the_trend_of_recent_runs(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.write(GATE)
    _run_at(
        project, monkeypatch, 1_700_000_000, "a" * 40, "--fairness-update-baselines"
    )
    _run_at(project, monkeypatch, 1_700_086_400, "b" * 40)
    _run_at(project, monkeypatch, 1_700_172_800, "c" * 40, "--fairness-report=out.html")
    page = (project.path / "out.html").read_text()
    start = page.index('<svg class="chart history"')
    chart = page[start : page.index("</svg>", start)]
    assert "<title" in chart
    assert "over the last 3 run(s)" in chart
    # runs are labelled by their short commit, oldest first
    assert chart.index("aaaaaaa") < chart.index("bbbbbbb") < chart.index("ccccccc")


def test_an_unreadable_history_is_a_note_not_an_error(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.write(GATE)
    _run_at(
        project, monkeypatch, 1_700_000_000, "a" * 40, "--fairness-update-baselines"
    )
    path = project.path / "__fairness__" / "test_model.history.jsonl"
    path.write_text("not json\n")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700086400")
    result = project.run()
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*test_model.history.jsonl:1 is not a fairness*"])
    assert path.read_text() == "not json\n"
