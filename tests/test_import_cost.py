"""Loading the plugin (every pytest run of a user's repo) imports nothing heavy."""

from __future__ import annotations

import subprocess
import sys

HEAVY = [
    "numpy",
    "pandas",
    "sklearn",
    "fairlearn",
    "dowhy",
    "matplotlib",
    "scipy",
    "tabulate",
    "hypothesis",
    "narwhals",
    "polars",
]


def _loaded_after(statement: str) -> set[str]:
    code = (
        f"import sys; {statement}; "
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout.strip()
    return set(filter(None, out.split(",")))


def test_plugin_import_loads_no_heavy_module():
    assert _loaded_after("import pytest_fairness.plugin") == set()


def test_package_import_loads_no_heavy_module():
    assert _loaded_after("import pytest_fairness") == set()


def test_audit_loads_numpy_but_not_the_mitigation_stack():
    loaded = _loaded_after("import pytest_fairness as pf; pf.audit")
    assert "numpy" in loaded
    assert not loaded & {"sklearn", "fairlearn", "dowhy", "matplotlib"}
