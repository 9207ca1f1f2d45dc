"""The end of the session: exit status, leftovers, deleted modules, options.

- A report or step summary that cannot be written makes the run exit 1.
- Temporary files of interrupted writes are removed when the folder is next
  written; those of a write that may still be under way are kept.
- The baseline file of a deleted test module is reported (and removed by an
  update) when the run swept its folder.
- ``fairness_update_baselines = true`` in an ini file is refused under CI.
- ``--fairness-report`` may be given once per format.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Project

import json
import os
import time

import pytest

from pytest_fairness.baseline import LOCK_NAME

GATE = """
@pytest.mark.fairness_gate(demographic_parity_difference=0.1, baseline=True)
def test_model(fairness):
    fairness.check(Y_TRUE, approve(0.5, 0.5), sensitive_features=SEX)
"""


# -- exit status -----------------------------------------------------------------
def test_a_report_that_cannot_be_written_fails_the_run(project: Project) -> None:
    project.write(GATE)
    (project.path / "gates.json").mkdir()  # a folder where the file should go
    result = project.run("--fairness-report=gates.json", "--fairness-report=ok.md")
    result.assert_outcomes(passed=1, warnings=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    path = project.path / "gates.json"
    result.stdout.fnmatch_lines(
        [
            f"error: cannot write report {path}: *Is a directory*. Choose a "
            "writable path with --fairness-report=PATH",
        ]
    )
    # the other report and the baseline are written all the same
    assert f"cannot write report {path}" in (project.path / "ok.md").read_text()
    assert "test_model" in project.baseline()["gates"]


def test_a_step_summary_that_cannot_be_written_fails_the_run(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = project.path / "summary"
    summary.mkdir()
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    project.write(GATE)
    result = project.run("--fairness-report=gates.json")
    result.assert_outcomes(passed=1, warnings=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [f"error: cannot append to GITHUB_STEP_SUMMARY {summary}: *Is a directory*"]
    )


BROKEN_RENDERER = """
import pytest_fairness.render as render


def broken(document):
    raise RuntimeError("boom")


render.html_report = broken
"""


def test_a_renderer_that_breaks_fails_the_run_and_the_other_outputs_are_written(
    project: Project,
) -> None:
    project.write(GATE)
    project.pytester.makeconftest(BROKEN_RENDERER)
    result = project.run(
        "--fairness-report=g.html", "--fairness-report=g.json", subprocess=True
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    path = project.path / "g.html"
    result.stdout.fnmatch_lines(
        [f"error: cannot render report {path}: RuntimeError: boom"]
    )
    assert not path.exists()
    report = json.loads((project.path / "g.json").read_text())
    assert report["baselines"]["errors"] == [
        f"cannot render report {path}: RuntimeError: boom"
    ]
    assert "test_model" in project.baseline()["gates"]


# A disk that fills up when test_model.json is renamed into place.
DISK_FULL = """
import errno
import pathlib

_replace = pathlib.Path.replace


def replace(self, target):
    if pathlib.Path(target).name == "test_model.json":
        raise OSError(errno.ENOSPC, "No space left on device")
    return _replace(self, target)


pathlib.Path.replace = replace
"""


def test_a_baseline_that_cannot_be_written_fails_the_run_and_the_rest_is_written(
    project: Project,
) -> None:
    project.write(GATE)
    project.write(GATE, name="test_other")
    project.pytester.makeconftest(DISK_FULL)
    result = project.run(
        "--fairness-report=gates.json", "--fairness-history=off", subprocess=True
    )
    result.assert_outcomes(passed=2)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    path = project.baseline_file()
    result.stdout.fnmatch_lines(
        [f"error: cannot write baseline file {path}: *No space left on device*"]
    )
    assert not path.exists()
    assert sorted(p.name for p in path.parent.iterdir()) == [
        LOCK_NAME,
        "test_other.json",
    ]
    report = json.loads((project.path / "gates.json").read_text())
    assert len(report["baselines"]["errors"]) == 1


# -- temporary files -------------------------------------------------------------
def test_temporary_files_of_interrupted_writes_are_removed_on_the_next_write(
    project: Project,
) -> None:
    project.write(GATE)
    project.run("--fairness-update-baselines").assert_outcomes(passed=1)
    folder = project.path / "__fairness__"
    old = folder / ".test_model.json.k2x9_q0a.tmp"
    other_module = folder / ".test_gone.json.ab3de5fg.tmp"
    young = folder / ".test_model.json.zz9yy8xx.tmp"  # a write under way elsewhere
    unrelated = folder / "notes.tmp"
    for path in (old, other_module, young, unrelated):
        path.write_text('{"gates": {}, "sch')
    hour_ago = time.time() - 3600
    for path in (old, other_module, unrelated):
        os.utime(path, (hour_ago, hour_ago))
    future = time.time() + 3600
    os.utime(young, (future, future))
    everything = sorted(p.name for p in folder.iterdir())

    # a run that compares writes nothing, so it touches nothing
    project.run("--fairness-history=off").assert_outcomes(passed=1)
    assert sorted(p.name for p in folder.iterdir()) == everything

    project.write(GATE.replace("approve(0.5, 0.5)", "approve(0.5, 0.525)"))
    result = project.run("--fairness-update-baselines")
    result.assert_outcomes(passed=1)
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [
            LOCK_NAME,
            "test_model.json",
            "test_model.history.jsonl",
            young.name,
            unrelated.name,
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "removed temporary files left by an interrupted write: "
            "__fairness__/.test_gone.json.ab3de5fg.tmp, "
            "__fairness__/.test_model.json.k2x9_q0a.tmp"
        ]
    )


# -- deleted modules -------------------------------------------------------------
def test_the_baseline_file_of_a_deleted_module_is_reported_and_removed_by_update(
    project: Project,
) -> None:
    project.write(GATE)
    project.write(GATE, name="test_gone")
    project.run("--fairness-update-baselines").assert_outcomes(passed=2)
    gone = project.baseline_file("test_gone")
    before = gone.read_text()
    (project.path / "test_gone.py").unlink()

    result = project.run()
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        [
            "unused baseline entries in __fairness__/test_gone.json (*): test_model",
            "baseline file __fairness__/test_gone.json belongs to test_gone.py, "
            "which no longer exists; --fairness-update-baselines removes it",
        ]
    )
    # not when the run did not sweep the folder, or was narrowed
    for args in (("test_model.py",), ("-k", "model"), ("test_model.py::test_model",)):
        narrowed = project.run(*args, "--fairness-update-baselines")
        narrowed.stdout.no_fnmatch_line("*test_gone*")
        assert gone.read_text() == before

    result = project.run("--fairness-update-baselines")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "baseline entries removed from __fairness__/test_gone.json: test_model",
            "baseline file __fairness__/test_gone.json belongs to test_gone.py, "
            "which no longer exists; it was removed",
        ]
    )
    assert not gone.exists()
    assert project.baseline_file().is_file()


def test_a_deleted_module_is_found_below_the_baseline_dir_too(
    project: Project,
) -> None:
    project.pytester.mkdir("tests")
    for name in ("test_model", "test_gone"):
        project.write(GATE, name=name)
        (project.path / f"{name}.py").rename(project.path / "tests" / f"{name}.py")
    args = ("--fairness-baseline-dir=stored",)
    project.run(*args, "--fairness-update-baselines").assert_outcomes(passed=2)
    (project.path / "tests" / "test_gone.py").unlink()
    result = project.run(*args)
    result.stdout.fnmatch_lines(
        [
            "baseline file stored/tests/test_gone.json belongs to "
            "tests/test_gone.py, which no longer exists; *"
        ]
    )


# -- options ---------------------------------------------------------------------
def test_an_ini_update_flag_is_refused_under_ci(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    ini = project.pytester.makeini("[pytest]\nfairness_update_baselines = true\n")
    project.write(GATE)
    monkeypatch.setenv("CI", "true")
    result = project.run()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            f"ERROR: ini option fairness_update_baselines in {ini} is true and the "
            "environment variable CI is set: a committed setting would accept every "
            "regression on CI. Remove it from the ini file and pass "
            "--fairness-update-baselines on the command line when you mean to "
            "update the baselines."
        ]
    )
    assert not project.baseline_file().exists()
    # the command line says it was meant
    project.run("--fairness-update-baselines").assert_outcomes(passed=1)
    assert project.baseline_file().is_file()


def test_one_report_per_format(project: Project) -> None:
    project.write(GATE)
    result = project.run(
        "--fairness-report=out/g.json",
        "--fairness-report=out/g.md",
        "--fairness-report=out/g.html",
    )
    result.assert_outcomes(passed=1, warnings=1)
    for suffix in ("json", "md", "html"):
        path = project.path / "out" / f"g.{suffix}"
        assert path.is_file()
        result.stdout.fnmatch_lines([f"fairness report written to {path}"])
    assert json.loads((project.path / "out" / "g.json").read_text())["gates"]


@pytest.mark.parametrize(
    ("paths", "message"),
    [
        (("a.json", "b.json"), ".json format ('a.json', 'b.json')"),
        (("a.html", "b.htm"), ".html format ('a.html', 'b.htm')"),
        (("a.md", "a.md"), ".md format ('a.md', 'a.md')"),
    ],
)
def test_a_report_format_given_twice_is_a_usage_error(
    project: Project, paths: tuple[str, ...], message: str
) -> None:
    project.write(GATE)
    result = project.run(*(f"--fairness-report={p}" for p in paths))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            f"ERROR: --fairness-report was given 2 times for the {message}: give "
            "at most one path per format (.html, .json, .md); several formats may "
            "be written at once."
        ]
    )


# -- baseline paths --------------------------------------------------------------
OUTSIDE = """
@pytest.mark.fairness_gate(demographic_parity_difference=0.6, baseline=True)
def test_gate(fairness):
    fairness.check(Y_TRUE, approve(0.5, {male}), sensitive_features=SEX)
"""


def test_modules_outside_the_rootdir_with_one_name_keep_their_own_baselines(
    project: Project,
) -> None:
    project.pytester.mkdir("repo")
    for folder, male in (("x", 0.5), ("y", 0.75)):
        project.pytester.mkdir(folder)
        project.write(OUTSIDE.format(male=male), name="test_m")
        (project.path / "test_m.py").rename(project.path / folder / "test_m.py")
    args: tuple[str, ...] = ("--rootdir=repo", "--import-mode=importlib")
    args = (*args, "--fairness-baseline-dir=b", "x", "y")
    project.run(*args, "--fairness-update-baselines").assert_outcomes(passed=2)
    stored = project.path / "b" / "__outside_rootdir__" / "up-1"
    values = {
        folder: json.loads((stored / folder / "test_m.json").read_text())["gates"][
            "test_gate"
        ]["metrics"]["demographic_parity_difference"]["value"]
        for folder in ("x", "y")
    }
    assert values == {"x": 0.0, "y": 0.25}
    assert not (project.path / "b" / "test_m.json").exists()
    # each gate is compared with its own value
    result = project.run(*args)
    result.assert_outcomes(passed=2)
    # (pytest names a test outside the rootdir by its file name alone)
    result.stdout.fnmatch_lines(
        [
            "test_m.py::test_gate*0.000*0.000*+0.000*PASSED (unchanged)",
            "test_m.py::test_gate*0.250*0.250*+0.000*PASSED (unchanged)",
        ]
    )
    # an update of one of them leaves the other alone
    project.run(*args[:-1], "--fairness-update-baselines").assert_outcomes(passed=1)
    assert (stored / "y" / "test_m.json").is_file()
