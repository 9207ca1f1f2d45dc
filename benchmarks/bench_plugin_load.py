"""Measure what loading the pytest-fairness plugin adds to a pytest run.

Run from the repository root::

    python benchmarks/bench_plugin_load.py
    python benchmarks/bench_plugin_load.py --runs 20 --budget-ms 20
    python benchmarks/bench_plugin_load.py --old-hypothesis-hook  # the hook of before

pytest-fairness registers itself through the ``pytest11`` entry point
``fairness``, so every pytest run of an environment that has it installed
loads the plugin, fairness tests or not. This script times
``python -m pytest --co -q -p no:cacheprovider`` in a fresh, empty folder
(no configuration file, no conftest.py, no test), in subprocesses, with the
plugin and with ``-p no:fairness``. The two variants run alternately, the
first of each pair swapping every time, so both see the same background
noise. Byte-code caching stays on (``PYTHONDONTWRITEBYTECODE`` is removed
from the environment) and each variant runs once untimed first, as a
developer's machine would. The load cost is the difference of the two
medians of wall time, which is compared with a budget (20 ms by default).
The CPU time of the subprocesses (user + system) is printed beside it: it
does not count the time a process waits for a core, so it varies less on a
busy machine.

A third variant runs without pytest-fairness installed: its distribution
(and, with ``--old-hypothesis-hook``, the one declaring the old hook) is
hidden from ``importlib.metadata``, so neither pytest's ``pytest11`` nor
hypothesis' ``hypothesis`` entry points find it; every other plugin and entry
point loads as usual (hypothesis' pytest plugin imports hypothesis, which
reads the entry points, on every run). All three variants start through the
same small wrapper. The cost against it, with hypothesis installed, is held to
``--target-ms`` (5 ms, issue 18). ``--old-hypothesis-hook`` adds a
distribution declaring the entry point as it was before
(``pytest_fairness.strategies._hook:_hypothesis_setup_hook``, which imports
the strategies), to measure what that hook cost.

pytest exits with status 5 when it collects no test; in the empty folder that
is the expected outcome of every run. The exit status of the script is 1 when
the load cost is over the budget.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
COMMAND = ("--co", "-q", "-p", "no:cacheprovider")
WITHOUT = ("-p", "no:fairness")
OLD_HOOK = "pytest_fairness.strategies._hook:_hypothesis_setup_hook"
#: Runs pytest; with "hide" first, importlib.metadata does not list the
#: distributions of pytest-fairness (as if it were not installed).
WRAPPER = """
import sys, importlib.metadata as m
if sys.argv.pop(1) == "hide":
    _all = m.distributions
    _ours = {"pytest_fairness", "old_hypothesis_hook"}
    def _visible(**kw):
        for d in _all(**kw):
            path = getattr(d, "_path", None)
            # pytest_fairness-0.1.0.dist-info, pytest_fairness.egg-info
            stem = "" if path is None else path.name.split("-")[0].split(".")[0]
            if stem not in _ours:
                yield d
    m.distributions = _visible
if sys.argv[1:] == ["--import-hypothesis"]:
    import hypothesis
    sys.exit(5)
import pytest
sys.exit(pytest.main(sys.argv[1:]))
"""
#: The variants: wrapper mode and pytest arguments.
VARIANTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "plugin": ("show", ()),
    "no:fairness": ("show", WITHOUT),
    "not installed": ("hide", ()),
}
#: ``import hypothesis`` alone, with and without the distribution: the cost of
#: the hypothesis entry point, without pytest's noise.
HOOK_VARIANTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "import hypothesis": ("show", ()),
    "import hypothesis, not installed": ("hide", ()),
}
# pytest's exit statuses: tests collected (0), none collected (5).
EXPECTED_STATUS = {0, 5}
# Variables that would change which plugins load or what a run does.
DROPPED_ENV = (
    "PYTHONDONTWRITEBYTECODE",
    "PYTEST_ADDOPTS",
    "PYTEST_PLUGINS",
    "PYTEST_DISABLE_PLUGIN_AUTOLOAD",
    "PYTEST_XDIST_AUTO_NUM_WORKERS",
    "CI",
    "GITHUB_STEP_SUMMARY",
)


def environment(*first: Path) -> dict[str, str]:
    """Return the subprocess environment: byte-code caching on, no pytest extras.

    The repository root (after ``first``) goes first on ``PYTHONPATH`` so that
    the working tree is measured even when an older copy of the package is
    installed.
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in DROPPED_ENV and k != "HYPOTHESIS_NO_PLUGINS"
    }
    parts = [*map(str, first), str(ROOT)]
    if env.get("PYTHONPATH"):
        parts.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(parts)
    return env


def hypothesis_entry_points(env: dict[str, str]) -> list[str]:
    """Return the ``hypothesis`` entry points the subprocesses see."""
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import importlib.metadata as m; "
            "print('\\n'.join(e.value for e in m.entry_points(group='hypothesis')))",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [line for line in out.splitlines() if line]


def check_hidden(cwd: Path, env: dict[str, str]) -> None:
    """Check that the hidden variant loads neither the plugin nor the hook."""
    out = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [*pytest_args("--markers", mode="hide")],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    if "fairness_gate" in out:
        msg = "the 'not installed' variant still registers the fairness_gate marker"
        raise RuntimeError(msg)


def old_hook_distribution(folder: Path) -> Path:
    """Write a distribution declaring the hypothesis entry point of before."""
    info = folder / "old_hypothesis_hook-0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: old-hypothesis-hook\nVersion: 0\n"
    )
    (info / "entry_points.txt").write_text(f"[hypothesis]\nold = {OLD_HOOK}\n")
    return folder


def measure(
    runs: int,
    *,
    with_test: bool = False,
    old_hook: bool = False,
    log: Any = print,
) -> dict[str, list[tuple[float, float]]]:
    """Time every variant ``runs`` times, alternating, in an empty folder.

    Returns
    -------
    dict
        Variant name to (wall, CPU) seconds of each run.
    """
    with tempfile.TemporaryDirectory(prefix="bench-plugin-load-") as tmp:
        folder = Path(tmp) / "project"
        folder.mkdir()
        extra = [old_hook_distribution(Path(tmp) / "dists")] if old_hook else []
        env = environment(*extra)
        if with_test:
            (folder / "test_x.py").write_text("def test_x():\n    pass\n")
        log(f"hypothesis entry points: {hypothesis_entry_points(env)}")
        log(f"plugin module: {check_setup(folder, env)}")
        commands = {
            name: pytest_args(*args, mode=mode)
            for name, (mode, args) in VARIANTS.items()
        }
        commands.update(
            {
                name: pytest_args("--import-hypothesis", mode=mode)
                for name, (mode, _) in HOOK_VARIANTS.items()
            }
        )
        for command in commands.values():  # write and warm the byte-code caches
            run(command, folder, env)
        check_hidden(folder, env)
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        names = list(commands)
        for i in range(runs):
            order = names[i % len(names) :] + names[: i % len(names)]
            for name in order:
                times[name].append(run(commands[name], folder, env))
    return times


def pytest_args(*extra: str, mode: str | None = None) -> list[str]:
    if mode is None:
        return [sys.executable, "-m", "pytest", *COMMAND, *extra]
    if extra == ("--import-hypothesis",):
        return [sys.executable, "-c", WRAPPER, mode, *extra]
    return [sys.executable, "-c", WRAPPER, mode, *COMMAND, *extra]


def cpu_of_children() -> float:
    """Return the user + system CPU seconds of the waited-for children so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Run one pytest subprocess; return its wall time and CPU time in seconds."""
    cpu = cpu_of_children()
    start = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        args, cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - start
    cpu = cpu_of_children() - cpu
    if done.returncode not in EXPECTED_STATUS:
        msg = (
            f"{' '.join(args)} exited with status {done.returncode} in {cwd}:\n"
            f"{done.stdout}{done.stderr}"
        )
        raise RuntimeError(msg)
    return elapsed, cpu


def check_setup(cwd: Path, env: dict[str, str]) -> str:
    """Check that the plugin loads from the working tree and ``-p no:fairness`` works.

    Returns
    -------
    str
        Where the plugin module is loaded from.
    """
    where = subprocess.run(
        [
            sys.executable,
            "-c",
            "import pytest_fairness.plugin as p; print(p.__file__)",
        ],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    for plugin in (True, False):
        markers = subprocess.run(  # noqa: S603 - our own interpreter and arguments
            [*pytest_args(*(() if plugin else WITHOUT)), "--markers"],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        if ("fairness_gate" in markers) != plugin:
            state = "not registered" if plugin else "still registered"
            msg = f"the fairness_gate marker is {state} with {COMMAND + WITHOUT!r}"
            raise RuntimeError(msg)
    return where


def versions() -> str:
    parts = [f"Python {platform.python_version()}"]
    for dist in ("pytest", "pytest-fairness"):
        try:
            parts.append(f"{dist} {importlib.metadata.version(dist)}")
        except importlib.metadata.PackageNotFoundError:
            parts.append(f"{dist} not installed")
    return ", ".join(parts)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--runs",
        type=int,
        default=10,
        help="timed runs of each variant (default 10)",
    )
    p.add_argument(
        "--budget-ms",
        type=float,
        default=20.0,
        help="largest acceptable cost against -p no:fairness (default 20)",
    )
    p.add_argument(
        "--target-ms",
        type=float,
        default=5.0,
        help="largest acceptable cost against no pytest-fairness (default 5)",
    )
    p.add_argument(
        "--with-test",
        action="store_true",
        help="put one trivial test_x.py in the folder (pytest then exits 0)",
    )
    p.add_argument(
        "--old-hypothesis-hook",
        action="store_true",
        help=f"also declare the entry point of before ({OLD_HOOK})",
    )
    args = p.parse_args(argv)
    if args.runs < 1:
        p.error("--runs must be at least 1")
    return args


def summary(
    times: dict[str, list[tuple[float, float]]],
) -> dict[str, dict[str, float]]:
    """Median wall and CPU milliseconds of every variant."""
    return {
        name: {
            "wall": statistics.median(w * 1000 for w, _ in runs),
            "cpu": statistics.median(c * 1000 for _, c in runs),
            "min": min(w * 1000 for w, _ in runs),
            "max": max(w * 1000 for w, _ in runs),
        }
        for name, runs in times.items()
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    today = dt.datetime.now(dt.UTC).date().isoformat()
    print(f"pytest-fairness plugin load cost, {today}")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()}")
    print(f"software: {versions()}")
    print(f"command: python -m pytest {' '.join(COMMAND)} [{' '.join(WITHOUT)}]")
    print(f"folder: empty{' but test_x.py' if args.with_test else ''}")
    times = measure(
        args.runs, with_test=args.with_test, old_hook=args.old_hypothesis_hook
    )
    stats = summary(times)
    print()
    print(f"runs: {args.runs} of each variant, in rotating order")
    for name, st in stats.items():
        print(
            f"{name:>14}: median {st['wall']:7.1f} ms (min {st['min']:.1f}, "
            f"max {st['max']:.1f}), CPU {st['cpu']:.1f} ms"
        )
    plugin = stats["plugin"]
    cost = plugin["wall"] - stats["no:fairness"]["wall"]
    cost_ni = plugin["wall"] - stats["not installed"]["wall"]
    ok_budget = cost <= args.budget_ms
    ok_target = cost_ni <= args.target_ms
    print()
    print(
        f"against -p no:fairness: {cost:+.1f} ms wall, "
        f"{plugin['cpu'] - stats['no:fairness']['cpu']:+.1f} ms CPU "
        f"(budget {args.budget_ms:g} ms: {'PASS' if ok_budget else 'FAIL'})"
    )
    print(
        f"against not installed:  {cost_ni:+.1f} ms wall, "
        f"{plugin['cpu'] - stats['not installed']['cpu']:+.1f} ms CPU "
        f"(target {args.target_ms:g} ms: {'PASS' if ok_target else 'FAIL'})"
    )
    hook, bare = stats["import hypothesis"], stats["import hypothesis, not installed"]
    print(
        f"the hypothesis entry point (import hypothesis, with and without the "
        f"distribution): {hook['wall'] - bare['wall']:+.1f} ms wall, "
        f"{hook['cpu'] - bare['cpu']:+.1f} ms CPU"
    )
    return 0 if ok_budget and ok_target else 1


if __name__ == "__main__":
    sys.exit(main())
