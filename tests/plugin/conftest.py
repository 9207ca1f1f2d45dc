"""Helpers for the plugin's end-to-end tests (pytester).

``project`` writes a test module of a model repo (with tiny two-group data)
and runs pytest on it, in process or in a subprocess.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import sys
import textwrap
from pathlib import Path
from typing import Any

# Imported here, before any in-process pytester run, so that those runs (which
# drop the modules they import) never load them a second time.
import numpy as np  # noqa: F401
import pandas as pd  # noqa: F401
import pytest
import tabulate  # noqa: F401

# The hypothesis plugin imports hypothesis at the end of every run.
with contextlib.suppress(ImportError):
    import hypothesis  # noqa: F401

import pytest_fairness
import pytest_fairness.plugin._gate
import pytest_fairness.report

ROOT = Path(pytest_fairness.__file__).resolve().parent.parent
_REGISTERED = any(
    ep.value == "pytest_fairness.plugin"
    for ep in importlib.metadata.entry_points(group="pytest11")
)
# Load the plugin explicitly when its entry point is not installed.
PLUGIN_ARGS: tuple[str, ...] = () if _REGISTERED else ("-p", "pytest_fairness.plugin")

PREAMBLE = '''
import numpy as np
import pytest

N = 40
SEX = np.array(["female"] * N + ["male"] * N)
Y_TRUE = np.array([1, 0] * N)


def approve(female, male):
    """Approve the given share of each group of 40 (multiples of 0.025)."""
    pred = np.zeros(2 * N, dtype=int)
    pred[: round(female * N)] = 1
    pred[N : N + round(male * N)] = 1
    return pred

'''


class Project:
    """A model repo with fairness tests, run through pytester."""

    def __init__(self, pytester: pytest.Pytester) -> None:
        self.pytester = pytester
        self.path = pytester.path

    def write(self, source: str, name: str = "test_model") -> Path:
        """Write a test module (the data preamble is prepended)."""
        return self.pytester.makepyfile(**{name: PREAMBLE + textwrap.dedent(source)})

    def run(self, *args: str, subprocess: bool = False) -> pytest.RunResult:
        """Run pytest with the plugin loaded and the cache disabled.

        An in-process run inherits the warning filters of this test suite
        (``filterwarnings = error``); ``-W default`` restores what a model
        repo without that setting sees. A subprocess is isolated anyway.
        """
        full = (*PLUGIN_ARGS, "-p", "no:cacheprovider", *args)
        if subprocess:
            return self.pytester.runpytest_subprocess(*full)
        return self.pytester.runpytest("-W", "default", *full)

    def command(self, *args: str) -> list[str]:
        """The command line of a pytest subprocess run like :meth:`run`, for Popen."""
        python = [sys.executable, "-m", "pytest"]
        return [*python, *PLUGIN_ARGS, "-p", "no:cacheprovider", *args]

    def baseline_file(self, name: str = "test_model") -> Path:
        return self.path / "__fairness__" / f"{name}.json"

    def baseline(self, name: str = "test_model") -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.baseline_file(name).read_text())
        return data


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Project:
    """A fresh model repo; CI and GitHub variables unset, the package importable."""
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    # the reports' and history's time: the same records give the same bytes
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    for name in ("GITHUB_SHA", "GITHUB_REF_NAME", "GITHUB_HEAD_REF"):
        monkeypatch.delenv(name, raising=False)
    # Under this suite's own ``-n 2``, a subprocess run must not look like an
    # xdist worker (pytest-benchmark, for one, warns then, and a project with
    # ``filterwarnings = error`` fails on that warning).
    for name in (
        "PYTEST_XDIST_WORKER",
        "PYTEST_XDIST_WORKER_COUNT",
        "PYTEST_XDIST_TESTRUNUID",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    return Project(pytester)
