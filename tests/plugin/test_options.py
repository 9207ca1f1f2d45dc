"""Options and ini keys: marker > command line > ini; errors name the source."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Project

import pytest

from pytest_fairness.plugin import _options

GATE = """
@pytest.mark.fairness_gate(demographic_parity_difference=0.1{extra})
def test_model(fairness):
    report = fairness.check(Y_TRUE, approve(0.5, 0.5), sensitive_features=SEX)
    print("MIN_GROUP_SIZE", report.min_group_size)
"""


def min_group_size(project: Project, *args: str, extra: str = "") -> int:
    project.write(GATE.format(extra=extra))
    result = project.run("-s", *args)
    result.assert_outcomes(passed=1)
    (line,) = [x for x in result.outlines if "MIN_GROUP_SIZE" in x]
    return int(line.split("MIN_GROUP_SIZE")[1].split()[0])


def test_help_lists_every_option_and_ini_key_with_the_shared_text(
    project: Project,
) -> None:
    result = project.run("--help")
    out = " ".join(result.stdout.str().split())
    for flag in (
        "--fairness-report=PATH",
        "--fairness-update-baselines",
        "--fairness-baseline-dir=DIR",
        "--fairness-min-group-size=N",
    ):
        assert flag in out
    for key in (
        "fairness_report",
        "fairness_update_baselines",
        "fairness_baseline_dir",
        "fairness_min_group_size",
    ):
        assert key in out
    assert out.count(" ".join(_options.HELP_MIN_GROUP_SIZE.split())) == 2
    assert out.count(" ".join(_options.HELP_REPORT.split())) == 2
    assert "(.html, .json or .md)" in _options.HELP_REPORT


def test_min_group_size_resolves_marker_over_command_line_over_ini(
    project: Project,
) -> None:
    assert min_group_size(project) == 30
    project.pytester.makeini("[pytest]\nfairness_min_group_size = 20\n")
    assert min_group_size(project) == 20
    assert min_group_size(project, "--fairness-min-group-size=10") == 10
    assert (
        min_group_size(
            project, "--fairness-min-group-size=10", extra=", min_group_size=5"
        )
        == 5
    )


def test_the_header_shows_settings_that_differ_from_the_defaults(
    project: Project,
) -> None:
    project.write("def test_plain():\n    pass\n")
    project.run().stdout.no_fnmatch_line("fairness:*")
    result = project.run("--fairness-min-group-size=12", "--fairness-update-baselines")
    result.stdout.fnmatch_lines(
        [
            "fairness: --fairness-update-baselines (baselines are rewritten), "
            "min_group_size=12"
        ]
    )


@pytest.mark.parametrize(
    ("arg", "message"),
    [
        (
            "--fairness-min-group-size=0",
            "*argument --fairness-min-group-size: must be an integer >= 1. Got '0'",
        ),
        (
            "--fairness-min-group-size=many",
            "*argument --fairness-min-group-size: must be an integer >= 1. Got 'many'",
        ),
        (
            "--fairness-report=gates.txt",
            "*argument --fairness-report: the report format is chosen by the file "
            "extension, one of .html, .json, .md (.htm is read as .html). "
            "Got 'gates.txt'",
        ),
    ],
)
def test_a_bad_command_line_value_is_a_usage_error_naming_the_option(
    project: Project, arg: str, message: str
) -> None:
    project.write("def test_plain():\n    pass\n")
    result = project.run(arg)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


@pytest.mark.parametrize(
    ("ini", "message"),
    [
        (
            "fairness_min_group_size = -3",
            "*ini option fairness_min_group_size in *tox.ini: must be an integer >= 1."
            " Got '-3'.",
        ),
        (
            "fairness_report = gates.txt",
            "*ini option fairness_report in *tox.ini: the report format is chosen by "
            "the file extension*",
        ),
    ],
)
def test_a_bad_ini_value_is_a_usage_error_naming_the_key_and_file(
    project: Project, ini: str, message: str
) -> None:
    project.pytester.makeini(f"[pytest]\n{ini}\n")
    project.write("def test_plain():\n    pass\n")
    result = project.run()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


def test_baseline_settings_from_ini(project: Project) -> None:
    project.pytester.makeini(
        "[pytest]\nfairness_update_baselines = true\nfairness_baseline_dir = stored\n"
    )
    project.write(GATE.format(extra=", baseline=True"))
    project.run().assert_outcomes(passed=1)
    assert (project.path / "stored" / "test_model.json").is_file()


def test_the_command_line_baseline_dir_wins_over_ini(project: Project) -> None:
    project.pytester.makeini("[pytest]\nfairness_baseline_dir = from_ini\n")
    project.write(GATE.format(extra=", baseline=True"))
    project.run("--fairness-baseline-dir=from_cli", "--fairness-update-baselines")
    assert (project.path / "from_cli" / "test_model.json").is_file()
    assert not (project.path / "from_ini").exists()


def test_the_suggested_command_repeats_the_baseline_dir(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    project.write(GATE.format(extra=", baseline=True"))
    result = project.run("--fairness-baseline-dir=my dir")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E*Create it with: pytest test_model.py::test_model "
            "--fairness-update-baselines --fairness-baseline-dir='my dir'*"
        ]
    )
