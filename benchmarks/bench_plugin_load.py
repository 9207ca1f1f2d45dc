"""Measure what loading the pytest-fairness plugin adds to a pytest run.

Run from the repository root::

    python benchmarks/bench_plugin_load.py
    python benchmarks/bench_plugin_load.py --runs 20 --budget-ms 20

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

ROOT = Path(__file__).resolve().parents[1]
COMMAND = ("--co", "-q", "-p", "no:cacheprovider")
WITHOUT = ("-p", "no:fairness")
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


def environment() -> dict[str, str]:
    """Return the subprocess environment: byte-code caching on, no pytest extras.

    The repository root goes first on ``PYTHONPATH`` so that the working tree
    is measured even when an older copy of the package is installed.
    """
    env = {k: v for k, v in os.environ.items() if k not in DROPPED_ENV}
    path = env.get("PYTHONPATH")
    env["PYTHONPATH"] = str(ROOT) if not path else os.pathsep.join([str(ROOT), path])
    return env


def pytest_args(*, plugin: bool) -> list[str]:
    return [sys.executable, "-m", "pytest", *COMMAND, *(() if plugin else WITHOUT)]


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
            [*pytest_args(plugin=plugin), "--markers"],
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
        help="largest acceptable load cost in milliseconds (default 20)",
    )
    p.add_argument(
        "--with-test",
        action="store_true",
        help="put one trivial test_x.py in the folder (pytest then exits 0)",
    )
    args = p.parse_args(argv)
    if args.runs < 1:
        p.error("--runs must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    env = environment()
    today = dt.datetime.now(dt.UTC).date().isoformat()
    print(f"pytest-fairness plugin load cost, {today}")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()}")
    print(f"software: {versions()}")

    with tempfile.TemporaryDirectory(prefix="bench-plugin-load-") as tmp:
        folder = Path(tmp)
        if args.with_test:
            (folder / "test_x.py").write_text("def test_x():\n    pass\n")
        contents = "test_x.py" if args.with_test else "empty"
        print(f"folder: {folder} ({contents})")
        print(f"plugin module: {check_setup(folder, env)}")
        print(f"command: python -m pytest {' '.join(COMMAND)} [{' '.join(WITHOUT)}]")

        # One untimed run of each variant writes and warms the byte-code caches.
        for plugin in (True, False):
            run(pytest_args(plugin=plugin), folder, env)

        times: dict[bool, list[tuple[float, float]]] = {True: [], False: []}
        for i in range(args.runs):
            order = (True, False) if i % 2 == 0 else (False, True)
            for plugin in order:
                times[plugin].append(run(pytest_args(plugin=plugin), folder, env))

    with_ms = [wall * 1000 for wall, _ in times[True]]
    without_ms = [wall * 1000 for wall, _ in times[False]]
    cpu_with = statistics.median(cpu * 1000 for _, cpu in times[True])
    cpu_without = statistics.median(cpu * 1000 for _, cpu in times[False])
    median_with = statistics.median(with_ms)
    median_without = statistics.median(without_ms)
    cost = median_with - median_without
    paired = statistics.median(a - b for a, b in zip(with_ms, without_ms, strict=True))
    verdict = "PASS" if cost <= args.budget_ms else "FAIL"

    print()
    print(f"runs: {args.runs} of each variant, alternating")
    print(
        f"with the plugin:      median {median_with:7.1f} ms "
        f"(min {min(with_ms):.1f}, max {max(with_ms):.1f})"
    )
    print(
        f"with -p no:fairness:  median {median_without:7.1f} ms "
        f"(min {min(without_ms):.1f}, max {max(without_ms):.1f})"
    )
    print(f"load cost (difference of the medians): {cost:+.1f} ms")
    print(f"median of the paired differences:      {paired:+.1f} ms")
    print(
        f"CPU time (user + system), medians: {cpu_with:.1f} ms with, "
        f"{cpu_without:.1f} ms without, {cpu_with - cpu_without:+.1f} ms"
    )
    print(f"budget {args.budget_ms:g} ms: {verdict}")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
