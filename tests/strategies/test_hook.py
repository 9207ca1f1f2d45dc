"""The hypothesis entry point costs nothing; importing the strategies registers them."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import TYPE_CHECKING

from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_fairness.strategies import GroupComposition
from pytest_fairness.strategies._hook import register

if TYPE_CHECKING:
    from pathlib import Path

HOOK = "pytest_fairness._hypothesis:_hypothesis_setup_hook"


def test_registering_lets_from_type_build_compositions():
    register()
    seen = []

    @settings(max_examples=20, database=None, deadline=None)
    @given(st.from_type(GroupComposition))
    def check(c):
        seen.append(c)
        assert isinstance(c, GroupComposition)
        assert 1 <= len(c.names) <= 2
        assert all(len(levels) in (2, 3) for levels in c.levels)
        assert c.total == sum(c.sizes) >= 2

    check()
    assert len(seen) == 20


def _run(code: str, path: Path) -> str:
    env = {**os.environ, "PYTHONPATH": str(path)}
    env.pop("HYPOTHESIS_NO_PLUGINS", None)
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-W", "error", "-c", code],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    ).stdout.strip()


def _probe(path: Path) -> None:
    """A distribution declaring the entry point as pyproject.toml does."""
    info = path / "entry_point_probe-0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: entry-point-probe\nVersion: 0\n"
    )
    (info / "entry_points.txt").write_text(f"[hypothesis]\nprobe = {HOOK}\n")


def test_importing_hypothesis_runs_the_entry_point_without_importing_the_strategies(
    tmp_path,
):
    _probe(tmp_path)
    out = _run(
        "import sys, importlib.metadata as md, hypothesis\n"
        "points = [e.value for e in md.entry_points(group='hypothesis')]\n"
        f"assert {HOOK!r} in points, points\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('pytest_fairness'))\n"
        "heavy = [m for m in ('numpy', 'pandas', 'tabulate') if m in sys.modules]\n"
        "print(loaded, heavy)\n",
        tmp_path,
    )
    # the entry point module and the package root (its version) only
    assert out == "['pytest_fairness', 'pytest_fairness._hypothesis', " + (
        "'pytest_fairness._version'] []"
    )


def test_importing_the_strategies_registers_their_types(tmp_path):
    _probe(tmp_path)
    out = _run(
        "import sys, hypothesis\n"
        "from hypothesis.strategies._internal.types import _global_type_lookup\n"
        "from pytest_fairness.strategies import GroupComposition\n"
        "heavy = [m for m in ('numpy', 'pandas', 'tabulate') if m in sys.modules]\n"
        "print(heavy, GroupComposition in _global_type_lookup)\n",
        tmp_path,
    )
    assert out == "[] True"


def test_the_entry_point_registers_when_the_strategies_are_loaded(tmp_path):
    out = _run(
        "from hypothesis.strategies._internal.types import _global_type_lookup\n"
        "from pytest_fairness.strategies import GroupComposition\n"
        "from pytest_fairness._hypothesis import _hypothesis_setup_hook\n"
        "del _global_type_lookup[GroupComposition]\n"
        "_hypothesis_setup_hook()\n"
        "print(GroupComposition in _global_type_lookup)\n",
        tmp_path,
    )
    assert out == "True"


def test_the_package_and_the_plugin_never_import_hypothesis(tmp_path):
    out = _run(
        "import sys, pytest_fairness, pytest_fairness.plugin\n"
        "print('hypothesis' in sys.modules, 'pytest_fairness.strategies' in "
        "sys.modules)\n",
        tmp_path,
    )
    assert out == "False False"
