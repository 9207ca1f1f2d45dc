"""An update prunes only after a whole, normally finished run of the module.

Ctrl-C, ``pytest.exit()`` and items deselected by a plugin leave tests that
never ran; their baseline entries are kept, and not reported as unused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Project

import os
import signal
import subprocess
import time

import pytest

# Four gates; test_b can stop the run (SIGINT or pytest.exit) once its gate
# is checked, so test_c and test_d never run.
GATES = """
import os
import pathlib
import time

STOP = os.environ.get("FAIRNESS_TEST_STOP", "")


def gate(fairness):
    fairness.check(Y_TRUE, approve(0.5, 0.5), sensitive_features=SEX)


@pytest.mark.fairness_gate(demographic_parity_difference=0.1, baseline=True)
def test_a(fairness):
    gate(fairness)


@pytest.mark.fairness_gate(demographic_parity_difference=0.1, baseline=True)
def test_b(fairness):
    gate(fairness)
    if STOP == "sigint":
        pathlib.Path("ready").write_text("waiting for SIGINT")
        time.sleep(600)  # interrupted by the signal the test sends
    elif STOP.startswith("exit"):
        pytest.exit("stopped by the test", returncode=int(STOP[4:] or 2))


@pytest.mark.fairness_gate(demographic_parity_difference=0.1, baseline=True)
def test_c(fairness):
    gate(fairness)


@pytest.mark.fairness_gate(demographic_parity_difference=0.1, baseline=True)
def test_d(fairness):
    gate(fairness)
"""
ALL = ["test_a", "test_b", "test_c", "test_d"]


def recorded(project: Project) -> list[str]:
    project.write(GATES)
    project.run("--fairness-update-baselines").assert_outcomes(passed=4)
    keys = sorted(project.baseline()["gates"])
    assert keys == ALL
    return keys


def test_sigint_during_an_update_keeps_the_entries_of_tests_that_never_ran(
    project: Project,
) -> None:
    recorded(project)
    before = project.baseline_file().read_text()
    env = {**os.environ, "FAIRNESS_TEST_STOP": "sigint"}
    command = project.command("--fairness-update-baselines")
    ready = project.path / "ready"
    with subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        command,
        cwd=project.path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as proc:
        # test_b writes `ready` and then sleeps until the signal arrives
        deadline = time.monotonic() + 120
        while not ready.exists() and proc.poll() is None:
            assert time.monotonic() < deadline, "test_b never started"
            time.sleep(0.02)
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=120)
    assert proc.returncode == pytest.ExitCode.INTERRUPTED, out
    assert "KeyboardInterrupt" in out
    assert sorted(project.baseline()["gates"]) == ALL
    assert project.baseline_file().read_text() == before
    assert "baseline entries removed" not in out
    assert "the session was interrupted (KeyboardInterrupt)" in out


@pytest.mark.parametrize("returncode", ["", "0", "3"])
def test_pytest_exit_during_an_update_keeps_every_entry(
    project: Project, monkeypatch: pytest.MonkeyPatch, returncode: str
) -> None:
    recorded(project)
    before = project.baseline_file().read_text()
    monkeypatch.setenv("FAIRNESS_TEST_STOP", "exit" + returncode)
    for args in ((), ("--fairness-update-baselines",)):
        result = project.run(*args)
        assert result.ret == int(returncode or 2)
        result.assert_outcomes(passed=1)
        result.stdout.no_fnmatch_line("*unused baseline entries*")
        result.stdout.no_fnmatch_line("baseline entries removed*")
        assert project.baseline_file().read_text() == before
    if returncode == "3":
        return  # pytest writes no terminal summary for status 3
    result.stdout.fnmatch_lines(
        [
            "--fairness-update-baselines removed no baseline entry: the session "
            "was interrupted (pytest.exit: stopped by the test)*"
        ]
    )


DESELECTING = """
import pytest

def pytest_collection_modifyitems(config, items):
    kept = [i for i in items if i.name not in ("test_c", "test_d")]
    dropped = [i for i in items if i not in kept]
    items[:] = kept
    if {announce}:
        config.hook.pytest_deselected(items=dropped)
"""


@pytest.mark.parametrize("announce", [True, False], ids=["deselected", "dropped"])
@pytest.mark.parametrize("xdist", [(), ("-n", "2", "-p", "no:benchmark")])
def test_items_removed_by_a_plugin_keep_their_entries(
    project: Project, announce: bool, xdist: tuple[str, ...]
) -> None:
    if xdist:
        pytest.importorskip("xdist")
    recorded(project)
    before = project.baseline_file().read_text()
    project.pytester.makeconftest(DESELECTING.format(announce=announce))
    runs: list[tuple[str, ...]] = [("--fairness-update-baselines",)]
    if not xdist:  # a comparing run reports no unused entry either
        runs.insert(0, ())
    for args in runs:
        result = project.run(*args, *xdist)
        result.assert_outcomes(passed=2)
        result.stdout.no_fnmatch_line("*unused baseline entries*")
        result.stdout.no_fnmatch_line("baseline entries removed*")
        assert project.baseline_file().read_text() == before
    result.stdout.fnmatch_lines(
        [
            "--fairness-update-baselines removed no baseline entry of "
            "test_model.py: not every test of it was selected*"
        ]
    )


def test_a_whole_normal_run_still_prunes_under_xdist(project: Project) -> None:
    pytest.importorskip("xdist")
    recorded(project)
    project.write(GATES.replace("def test_d(", "def test_e("))
    result = project.run("--fairness-update-baselines", "-n", "2", "-p", "no:benchmark")
    result.stdout.fnmatch_lines(["baseline entries removed from *: test_d"])
    assert sorted(project.baseline()["gates"]) == [
        "test_a",
        "test_b",
        "test_c",
        "test_e",
    ]


def test_a_run_stopped_by_maxfail_keeps_the_entries_of_tests_after_it(
    project: Project,
) -> None:
    recorded(project)
    project.write(
        GATES.replace("    gate(fairness)\n    if STOP", "    assert 0\n    if STOP")
    )
    result = project.run("-x", "--fairness-update-baselines")
    result.assert_outcomes(passed=1, failed=1)
    assert sorted(project.baseline()["gates"]) == ALL
    result.stdout.fnmatch_lines(
        [
            "--fairness-update-baselines removed no baseline entry: the session "
            "stopped early (stopping after 1 failures)*"
        ]
    )
