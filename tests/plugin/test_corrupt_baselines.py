"""Corrupt or hand-edited baseline files, end to end through pytest runs.

Each corruption of a recorded file fails the test that reads it with a
``BaselineError`` naming the file and the field; the file is left as it is;
the other module's baseline, the terminal summary, the report files and the
GitHub step summary are still written; and the run exits with status 1.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from conftest import Project

import json

import pytest

from pytest_fairness import __version__
from pytest_fairness._escape import markdown

GATE = """
@pytest.mark.fairness_gate(demographic_parity_difference=0.1, baseline=True)
def test_model(fairness):
    fairness.check(Y_TRUE, approve(0.5, {male}), sensitive_features=SEX)
"""
VALUE = '"value": 0.025'
ENTRY = '"gates": {\n    "test_model": '


def replace(old: str, new: str) -> Callable[[bytes], bytes]:
    def corrupt(data: bytes) -> bytes:
        assert old.encode() in data, old
        return data.replace(old.encode(), new.encode(), 1)

    return corrupt


def bare_entry(data: bytes) -> bytes:
    document = json.loads(data)
    document["gates"]["test_model"] = 0.03
    return json.dumps(document).encode()


def duplicate_gates_block(data: bytes) -> bytes:
    # a second "gates" object, as a bad merge of two branches leaves it
    return data.replace(b'\n  "schema"', b'\n  "gates": {},\n  "schema"', 1)


def not_utf8(data: bytes) -> bytes:
    # a Latin-1 editor saved a label
    return data.replace(b'"female"', '"femme é"'.encode("latin-1"), 1)


def truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


CORRUPTIONS = {
    "not UTF-8": (
        not_utf8,
        "is not UTF-8 text (byte *: invalid continuation byte)",
    ),
    "an entry that is a bare number": (
        bare_entry,
        'field gates."test_model" must be an object; got 0.03',
    ),
    "a disparity that is a bare number": (
        replace(
            '"demographic_parity_difference": {',
            '"demographic_parity_difference": 0.03, "x": {',
        ),
        'field gates."test_model".metrics.demographic_parity_difference must be '
        "an object; got 0.03",
    ),
    "Infinity": (
        replace(VALUE, '"value": Infinity'),
        "Infinity is not a number JSON allows (use null for an undefined value)",
    ),
    "NaN": (
        replace(VALUE, '"value": NaN'),
        "NaN is not a number JSON allows (use null for an undefined value)",
    ),
    "-Infinity": (
        replace(VALUE, '"value": -Infinity'),
        "-Infinity is not a number JSON allows*",
    ),
    "a duplicated gates block": (
        duplicate_gates_block,
        "the key 'gates' appears twice in one object",
    ),
    "a duplicated entry": (
        replace(ENTRY, ENTRY + '{"metrics": {}},\n    "test_model": '),
        "the key 'test_model' appears twice in one object",
    ),
    "a value that is a string": (
        replace(VALUE, '"value": "0.03"'),
        'field gates."test_model".metrics.demographic_parity_difference.value '
        "must be a finite number or null; got '0.03'",
    ),
    "a negative row count": (
        replace('"rows": [40, 40]', '"rows": [40, -1]'),
        'field gates."test_model".counts.rows[[]1[]] must be an integer >= 0; got -1',
    ),
    "cells that do not add up to the rows": (
        replace('"rows": [40, 40]', '"rows": [40, 41]'),
        'field gates."test_model".counts.cell_rows must be cells that add up to rows',
    ),
    "a newer schema": (
        replace('"schema": 2', '"schema": 3'),
        f"has schema 3; this version of pytest-fairness ({__version__}) reads "
        "schemas 1 to 2. It was written by a newer pytest-fairness: upgrade it "
        "(pip install -U pytest-fairness)",
    ),
    "a file cut short": (truncated, "is not valid JSON (*)"),
}


def two_modules(project: Project, male: float = 0.525) -> None:
    project.write(GATE.format(male=male))
    project.write(GATE.format(male=0.5), name="test_other")


def outputs(project: Project) -> tuple[str, ...]:
    return ("--fairness-report=out/gates.json", "--fairness-report=out/gates.md")


def corrupt_and_run(
    project: Project,
    monkeypatch: pytest.MonkeyPatch,
    corrupt: Callable[[bytes], bytes],
    *args: str,
) -> tuple[pytest.RunResult, bytes]:
    two_modules(project)
    project.run("--fairness-update-baselines", "test_model.py").assert_outcomes(
        passed=1
    )
    path = project.baseline_file()
    data = corrupt(path.read_bytes())
    path.write_bytes(data)
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(project.path / "step.md"))
    return project.run(*outputs(project), *args), data


def assert_everything_else_was_written(
    project: Project, result: pytest.RunResult, message: str
) -> None:
    path = project.baseline_file()
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(passed=1, failed=1)
    # the test that read it names the file and the field
    result.stdout.fnmatch_lines(
        [f"E*BaselineError: baseline file {path}*{message}*left untouched*"]
    )
    # the terminal summary, with the error again
    result.stdout.fnmatch_lines(
        ["*= fairness gates =*", f"error: baseline file {path}*{message}*"]
    )
    # the other module's baseline
    assert "test_model" in project.baseline("test_other")["gates"]
    # the reports and the step summary
    report = json.loads((project.path / "out" / "gates.json").read_text())
    assert any(str(path) in e for e in report["baselines"]["errors"])
    # (markdown escapes the path: "__fairness__" would read as bold)
    shown = markdown(str(path), cell=True)
    assert shown in (project.path / "out" / "gates.md").read_text()
    assert shown in (project.path / "step.md").read_text()


@pytest.mark.parametrize("case", list(CORRUPTIONS))
def test_a_corrupt_file_is_an_error_naming_it_and_the_rest_is_written(
    project: Project, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    corrupt, message = CORRUPTIONS[case]
    result, data = corrupt_and_run(project, monkeypatch, corrupt)
    assert_everything_else_was_written(project, result, message)
    assert project.baseline_file().read_bytes() == data


@pytest.mark.parametrize("case", ["NaN", "a duplicated gates block", "not UTF-8"])
def test_the_update_flag_leaves_a_corrupt_file_alone_and_updates_the_rest(
    project: Project, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    corrupt, message = CORRUPTIONS[case]
    result, data = corrupt_and_run(
        project, monkeypatch, corrupt, "--fairness-update-baselines"
    )
    assert_everything_else_was_written(project, result, message)
    assert project.baseline_file().read_bytes() == data
    result.stdout.fnmatch_lines(["*delete it and record the baselines again*"])


def test_a_corrupt_file_no_test_reads_fails_the_run_at_its_end(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    corrupt, message = CORRUPTIONS["Infinity"]
    two_modules(project)
    project.run("--fairness-update-baselines").assert_outcomes(passed=2)
    path = project.baseline_file()
    path.write_bytes(corrupt(path.read_bytes()))
    project.write("def test_model():\n    pass\n")  # the gate is gone
    result = project.run()
    result.assert_outcomes(passed=2)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines([f"error: baseline file {path}*{message}*"])


def test_a_stored_value_that_its_decisions_contradict_names_the_gate(
    project: Project,
) -> None:
    two_modules(project)
    project.run("--fairness-update-baselines").assert_outcomes(passed=2)
    path = project.baseline_file()
    # a hand edit hides a worsening: 0.025 -> 0.3 would now read as improved
    path.write_text(path.read_text().replace(VALUE, '"value": 0.3'))
    two_modules(project, male=0.55)
    result = project.run()
    result.assert_outcomes(passed=1, failed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            f"E*BaselineError: baseline file {path}, gate 'test_model': the stored "
            "value of demographic_parity_difference (0.3) does not match what its "
            "stored decisions and cells give (0.025); the entry was edited by hand "
            "or damaged*"
        ]
    )
    result.stdout.no_fnmatch_line("*improved*")
    # recording it again is the way out
    project.run("--fairness-update-baselines").assert_outcomes(passed=2)
    project.run().assert_outcomes(passed=2)
