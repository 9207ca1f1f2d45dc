"""Loading the plugin costs nothing heavy: the core loads on first use."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Project

import subprocess
import sys
from pathlib import Path

import pytest_fairness

ROOT = Path(pytest_fairness.__file__).resolve().parent.parent
NOT_LOADED = (
    "numpy",
    "pandas",
    "sklearn",
    "fairlearn",
    "dowhy",
    "matplotlib",
    "tabulate",
    "narwhals",
    "pytest_fairness.report",
    "pytest_fairness.metrics",
    "pytest_fairness.gates",
    "pytest_fairness.plugin._gate",
    "pytest_fairness.plugin._finish",
    "pytest_fairness.baseline",
    "filelock",
)


def test_importing_the_plugin_loads_no_heavy_module() -> None:
    code = (
        "import sys, pytest_fairness.plugin; "
        f"print(sorted(m for m in {NOT_LOADED!r} if m in sys.modules))"
    )
    out = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout
    assert out.strip() == "[]"


def test_a_pytest_run_without_fairness_tests_loads_no_heavy_module(
    project: Project,
) -> None:
    project.pytester.makepyfile(
        test_plain=f"""
import sys

def test_nothing_heavy_is_loaded():
    assert "pytest_fairness.plugin" in sys.modules
    assert [m for m in {NOT_LOADED!r} if m in sys.modules] == []
"""
    )
    result = project.run(subprocess=True)
    result.assert_outcomes(passed=1)
    result.stdout.no_fnmatch_line("*fairness gates*")


def test_the_plugin_can_be_disabled_by_its_entry_point_name(project: Project) -> None:
    project.pytester.makepyfile(test_plain="def test_plain():\n    pass\n")
    result = project.pytester.runpytest_subprocess("-p", "no:fairness", "--markers")
    assert "fairness_gate" not in result.stdout.str()


# Writes whether the lock library was loaded by the end of the session.
REPORT_LOCK_LIBRARY = """
import pathlib
import sys


def pytest_unconfigure(config):
    pathlib.Path("loaded.txt").write_text(str("filelock" in sys.modules))
"""
GATE = """
@pytest.mark.fairness_gate(demographic_parity_difference=0.1, baseline=True)
def test_model(fairness):
    fairness.check(Y_TRUE, approve(0.5, 0.5), sensitive_features=SEX)
"""


def test_the_lock_library_loads_only_when_a_baseline_is_written(
    project: Project,
) -> None:
    project.write(GATE)
    project.pytester.makeconftest(REPORT_LOCK_LIBRARY)
    loaded = project.path / "loaded.txt"
    project.run("--fairness-update-baselines", subprocess=True).assert_outcomes(
        passed=1
    )
    assert loaded.read_text() == "True"
    project.run(subprocess=True).assert_outcomes(passed=1)  # compares only
    assert loaded.read_text() == "False"
