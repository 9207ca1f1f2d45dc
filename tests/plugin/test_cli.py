"""The ``pytest-fairness`` command: report, baselines show|diff, history, audit."""

from __future__ import annotations

import subprocess
import sys
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest

from pytest_fairness.cli import main

if TYPE_CHECKING:
    from pathlib import Path

    from conftest import Project

GATE = """
@pytest.mark.fairness_gate(demographic_parity_difference=0.2, baseline=True)
def test_model(fairness):
    fairness.check(Y_TRUE, approve(0.5, {male}), sensitive_features=SEX)
"""


def _git(path: Path, *args: str) -> None:
    subprocess.run(  # noqa: S603
        ["git", "-C", str(path), "-c", "user.name=t", "-c", "user.email=t@t", *args],  # noqa: S607
        check=True,
        capture_output=True,
    )


@pytest.fixture
def repo(project: Project, monkeypatch: pytest.MonkeyPatch) -> Project:
    """A model repo with one baselined gate, committed, then run twice more."""
    monkeypatch.chdir(project.path)
    project.write(GATE.format(male=0.55))
    project.run("--fairness-update-baselines").assert_outcomes(passed=1)
    _git(project.path, "init", "-q", "-b", "main")
    _git(project.path, "add", "-A")
    _git(project.path, "commit", "-q", "-m", "baselines")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700086400")
    project.run("--fairness-report=out.json").assert_outcomes(passed=1)
    return project


def test_report_renders_a_saved_json_report(
    repo: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.run("--fairness-report=run.json", "--fairness-report=run.html")
    status = main(["report", "run.json", "-o", "again.html", "-o", "again.md"])
    assert status == 0
    assert (repo.path / "again.html").read_text() == (
        repo.path / "run.html"
    ).read_text()
    assert "| test_model.py::test_model |" in (repo.path / "again.md").read_text()
    assert "wrote again.html (1 gate(s))" in capsys.readouterr().out


def test_report_refuses_what_is_no_report(
    repo: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo.path / "x.json").write_text('{"a": 1}')
    assert main(["report", "x.json", "-o", "x.html"]) == 2
    assert "x.json is not a pytest-fairness JSON report" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["report", "x.json", "-o", "x.txt"])
    assert exc.value.code == 2
    assert "chosen by the file extension" in capsys.readouterr().err


def test_baselines_show_lists_each_stored_value(
    repo: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["baselines", "show"]) == 0
    out = capsys.readouterr().out
    assert "__fairness__/test_model.json" in out
    assert "test_model  disparity  demographic_parity_difference  0.050" in out


def test_baselines_diff_names_what_changed_since_a_commit(
    repo: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["baselines", "diff"]) == 0
    assert "no baseline changed since HEAD" in capsys.readouterr().out
    repo.write(GATE.format(male=0.6))
    repo.run("--fairness-update-baselines").assert_outcomes(passed=1)
    assert main(["baselines", "diff", "--against", "HEAD"]) == 1
    out = capsys.readouterr().out
    assert "demographic_parity_difference  0.050   0.100  +0.050    changed" in out
    assert main(["baselines", "diff", "--against", "nosuchrev"]) == 2
    assert "git ls-tree" in capsys.readouterr().err


def test_history_prints_the_trend_and_draws_it(
    repo: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["history", "--gate", "test_model.py::test_model"]) == 0
    out = capsys.readouterr().out.splitlines()
    runs = [line for line in out if line.startswith("test_model.py::test_model")]
    assert [r.split()[2] for r in runs] == [
        "2023-11-14T22:13:20Z",
        "2023-11-15T22:13:20Z",
    ]
    assert all(r.split()[-1] == "PASSED" for r in runs)
    assert main(["history", "-o", "trend.svg"]) == 0
    svg = (repo.path / "trend.svg").read_text()
    assert svg.startswith('<svg class="chart history"')
    assert "<title" in svg
    assert main(["history", "--gate", "nope"]) == 2
    assert "no history for gate 'nope'" in capsys.readouterr().err


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    n = 2_000
    sex = rng.choice(["female", "male"], size=n)
    frame = pd.DataFrame(
        {
            "label": rng.integers(0, 2, size=n),
            "approved": (rng.random(n) < np.where(sex == "male", 0.7, 0.5)).astype(int),
            "sex": sex,
            "race": rng.choice(["a", "b"], size=n),
        }
    )
    path = tmp_path / "scored.csv"
    frame.to_csv(path, index=False)
    frame.to_parquet(tmp_path / "scored.parquet")
    return path


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_audit_prints_the_verdicts_and_exits_1_on_a_failed_bound(
    data_file: Path, suffix: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(data_file.with_suffix(suffix))
    common = [path, "--y-true", "label", "--y-pred", "approved", "--sensitive", "sex"]
    assert main(["audit", *common, "--bound", "demographic_parity_difference=0.3"]) == 0
    out = capsys.readouterr().out
    assert "fairness audit of 2,000 rows over sex" in out
    assert "PASSED" in out
    status = main(
        [
            "audit",
            *common,
            "--bound",
            "demographic_parity_difference=0.05",
            "--bound",
            "demographic_parity_ratio >= 0.8",
        ]
    )
    assert status == 1
    assert "FAILED" in capsys.readouterr().out


def test_audit_decides_on_intervals_and_shows_progress(
    data_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [
        "audit",
        str(data_file),
        "--y-true=label",
        "--y-pred=approved",
        "--sensitive=sex,race",
        "--confidence=0.95",
        "--bound=demographic_parity_difference=0.25",
        "--progress",
    ]
    # 0.228 [0.144, 0.292] straddles 0.25: inconclusive, which fails...
    assert main(args) == 1
    captured = capsys.readouterr()
    assert "reading [" in captured.err
    assert "100%" in captured.err
    assert "0.228 [0.144, 0.292]  INCONCLUSIVE" in captured.out
    assert "more rows per group" in captured.out
    # ... unless told otherwise
    quiet = [a for a in args if a != "--progress"]
    assert main([*quiet, "--on-inconclusive=warn", "--no-progress"]) == 0
    assert "reading [" not in capsys.readouterr().err


def test_audit_errors_name_the_problem(
    data_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["--y-true", "label", "--y-pred", "approved", "--sensitive", "sex"]
    assert main(["audit", str(data_file.with_suffix(".txt")), *base]) == 2
    assert "audit reads .csv and .parquet files" in capsys.readouterr().err
    assert main(["audit", str(data_file), *base[:-1], "nosuch"]) == 2
    assert "nosuch" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["audit", str(data_file), *base, "--bound", "dpd=lots"])
    assert "METRIC=VALUE needs a number" in capsys.readouterr().err


def test_python_m_runs_the_command(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest_fairness", "--help"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0
    for command in ("report", "baselines", "history", "audit"):
        assert command in done.stdout
