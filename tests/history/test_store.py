"""The history store: sorted, deduplicated JSON lines, bounded, merged as git would."""

from __future__ import annotations

import json
import subprocess
from typing import TYPE_CHECKING

import pytest

from pytest_fairness.history import (
    HistoryError,
    append_points,
    history_path,
    merge_points,
    points_by_gate,
    prune_points,
    read_history,
    run_context,
    timestamp,
)
from pytest_fairness.history._context import ci_commit, git_commit
from pytest_fairness.records import HistoryPoint, HistoryValue

if TYPE_CHECKING:
    from pathlib import Path


def point(day: int, key: str = "test_a", value: float = 0.05) -> HistoryPoint:
    return HistoryPoint(
        key=key,
        nodeid=f"test_m.py::{key.partition('::')[0]}",
        timestamp=f"2024-01-{day:02d}T00:00:00Z",
        verdict="passed",
        values=(HistoryValue("demographic_parity_difference", value, None, "passed"),),
        commit=f"{day}" * 40,
    )


def test_the_history_file_sits_beside_its_baseline_file(tmp_path: Path) -> None:
    path = history_path(tmp_path / "__fairness__" / "test_m.json")
    assert path == tmp_path / "__fairness__" / "test_m.history.jsonl"


def test_points_are_one_sorted_json_line_each(tmp_path: Path) -> None:
    path = tmp_path / "h.jsonl"
    append_points(path, [point(2), point(1, "test_b")])
    lines = path.read_text().splitlines()
    assert [json.loads(x)["timestamp"][:10] for x in lines] == [
        "2024-01-01",
        "2024-01-02",
    ]
    # compact, sorted keys: a line reads the same whoever wrote it
    assert all(": " not in x for x in lines)
    assert lines[0] == point(1, "test_b").to_line()
    assert read_history(path) == [point(1, "test_b"), point(2)]


def test_appending_in_order_only_appends(tmp_path: Path) -> None:
    path = tmp_path / "h.jsonl"
    append_points(path, [point(1)])
    first = path.read_bytes()
    append_points(path, [point(2)])
    assert path.read_bytes().startswith(first)
    assert read_history(path) == [point(1), point(2)]


def test_repeated_points_are_kept_once(tmp_path: Path) -> None:
    path = tmp_path / "h.jsonl"
    append_points(path, [point(1), point(1)])
    append_points(path, [point(1)])
    assert path.read_text().count("\n") == 1


def test_a_union_merge_of_two_branches_reads_back_sorted_and_unique(
    tmp_path: Path,
) -> None:
    # what git's merge=union leaves: both sides' lines, out of order, repeated
    path = tmp_path / "h.jsonl"
    lines = [point(1), point(3), point(1), point(2)]
    path.write_text("".join(p.to_line() + "\n" for p in lines))
    assert read_history(path) == [point(1), point(2), point(3)]
    # the next write stores them in order
    append_points(path, [point(4)])
    assert path.read_text() == "".join(
        p.to_line() + "\n" for p in (point(1), point(2), point(3), point(4))
    )


def test_each_gate_keeps_its_newest_points_up_to_the_limit(tmp_path: Path) -> None:
    points = [point(d) for d in range(1, 6)] + [point(3, "test_b")]
    kept = prune_points(merge_points(points), 2)
    assert kept == [point(3, "test_b"), point(4), point(5)]
    path = tmp_path / "h.jsonl"
    for d in range(1, 6):
        append_points(path, [point(d)], limit=3)
    assert [p.timestamp[8:10] for p in read_history(path)] == ["03", "04", "05"]


def test_a_line_that_is_no_point_names_its_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "h.jsonl"
    path.write_text(point(1).to_line() + "\n{oops\n")
    with pytest.raises(HistoryError, match=r"h\.jsonl:2 is not a fairness history"):
        read_history(path)
    assert read_history(tmp_path / "missing.jsonl") == []


def test_points_are_grouped_by_gate_and_check_name() -> None:
    groups = points_by_gate([point(1), point(2, "test_a::women")])
    assert set(groups) == {"test_m.py::test_a", "test_m.py::test_a::women"}


def test_source_date_epoch_fixes_the_time() -> None:
    assert timestamp({"SOURCE_DATE_EPOCH": "0"}) == "1970-01-01T00:00:00Z"
    assert timestamp({"SOURCE_DATE_EPOCH": "1700000000"}) == "2023-11-14T22:13:20Z"
    assert timestamp({}).endswith("Z")


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"GITHUB_SHA": "abc", "GITHUB_REF_NAME": "main"}, ("abc", "main")),
        (
            {
                "GITHUB_SHA": "abc",
                "GITHUB_HEAD_REF": "pr",
                "GITHUB_REF_NAME": "9/merge",
            },
            ("abc", "pr"),
        ),
        ({"CI_COMMIT_SHA": "def", "CI_COMMIT_REF_NAME": "dev"}, ("def", "dev")),
        ({"GITHUB_SHA": "abc"}, ("abc", None)),
        ({}, (None, None)),
    ],
)
def test_commit_and_branch_come_from_the_ci_environment(
    env: dict[str, str], expected: tuple[str | None, str | None]
) -> None:
    assert ci_commit(env) == expected


def test_commit_and_branch_come_from_git_otherwise(tmp_path: Path) -> None:
    assert git_commit(tmp_path) == (None, None)
    git = ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q", "-b", "trunk"], check=True)  # noqa: S603
    subprocess.run(  # noqa: S603
        [*git, "commit", "-q", "--allow-empty", "-m", "x"], check=True
    )
    commit, branch = git_commit(tmp_path)
    assert commit is not None
    assert len(commit) == 40
    assert branch == "trunk"
    context = run_context(tmp_path, "pytest", {"SOURCE_DATE_EPOCH": "0"})
    assert (context.commit, context.branch, context.command) == (
        commit,
        "trunk",
        "pytest",
    )
    assert context.timestamp == "1970-01-01T00:00:00Z"
    # the CI environment wins over git
    ci = run_context(tmp_path, None, {"GITHUB_SHA": "f" * 40})
    assert (ci.commit, ci.branch) == ("f" * 40, None)
