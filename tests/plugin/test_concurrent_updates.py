"""Two pytest processes updating one baseline file keep each other's entries.

Each process re-reads the file under the folder's lock and merges its own
entries into what is there now. The processes are synchronised with files:
a conftest hook at the start of ``pytest_sessionfinish`` (before the plugin
writes) announces that the process got there and waits for the other one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

    from conftest import Project

import os
import subprocess
import time

import pytest

from pytest_fairness.baseline import LOCK_NAME, BaselineFile, folder_lock

GATES = """
@pytest.mark.fairness_gate(demographic_parity_difference=0.1, baseline=True)
@pytest.mark.parametrize("i", range(20))
def test_gate(fairness, i):
    fairness.check(Y_TRUE, approve(0.5, 0.5), sensitive_features=SEX)
"""
ALL = sorted(f"test_gate[{i}]" for i in range(20))
EVEN = sorted(f"test_gate[{i}]" for i in range(0, 20, 2))

# FAIRNESS_TEST_HALF=0 runs the even tests, 1 the odd ones. At the end of the
# session, before the plugin writes, it creates at-end-<half> and waits until
# the file named by FAIRNESS_TEST_WAIT_FOR exists.
CONFTEST = """
import os
import pathlib
import time

import pytest

HALF = os.environ.get("FAIRNESS_TEST_HALF")


def pytest_collection_modifyitems(items):
    if HALF is not None:
        items[:] = [i for i in items if i.callspec.params["i"] % 2 == int(HALF)]


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session):
    if HALF is None:
        return
    pathlib.Path(f"at-end-{HALF}").write_text("")
    other = os.environ.get("FAIRNESS_TEST_WAIT_FOR")
    deadline = time.monotonic() + 120
    while other and not pathlib.Path(other).exists():
        assert time.monotonic() < deadline, f"{other} never appeared"
        time.sleep(0.01)
"""


def start(project: Project, half: int, wait_for: str = "") -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "FAIRNESS_TEST_HALF": str(half),
        "FAIRNESS_TEST_WAIT_FOR": wait_for,
    }
    return subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        project.command("--fairness-update-baselines"),
        cwd=project.path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_for(path: Path, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 120
    while not path.exists():
        assert proc.poll() is None, proc.communicate()[0]
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.01)


def finish(proc: subprocess.Popen[str]) -> str:
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0, out
    return out


def test_two_runs_updating_halves_of_a_module_at_once_keep_every_entry(
    project: Project,
) -> None:
    project.write(GATES)
    project.pytester.makeconftest(CONFTEST)
    # each process waits at its session end until the other got to its own
    even = start(project, 0, wait_for="at-end-1")
    odd = start(project, 1, wait_for="at-end-0")
    outputs = finish(even) + finish(odd)
    assert sorted(project.baseline()["gates"]) == ALL, outputs
    assert "error" not in outputs


def test_a_run_waits_for_the_lock_and_merges_into_what_is_there_now(
    project: Project,
) -> None:
    project.write(GATES)
    project.pytester.makeconftest(CONFTEST)
    path = project.baseline_file()
    folder = path.parent
    with folder_lock(folder):
        # another writer holds the lock: it read the (missing) file ...
        stored = BaselineFile.load(path)
        odd = start(project, 1)
        # ... the run finished its tests and now waits for the lock ...
        wait_for(project.path / "at-end-1", odd)
        # ... while the other writer writes what it computed
        theirs: dict[str, dict[str, Any]] = {key: {"metrics": {}} for key in EVEN}
        assert stored.save(theirs)
    out = finish(odd)
    gates = project.baseline()["gates"]
    assert sorted(gates) == ALL, out
    assert all(gates[key] == {"metrics": {}} for key in EVEN)
    assert "baseline updated: __fairness__/test_model.json" in out


def test_a_lock_held_too_long_is_an_error_naming_the_folder_and_the_lock(
    tmp_path: Path,
) -> None:
    from pytest_fairness import BaselineError

    folder = tmp_path / "__fairness__"
    with (
        folder_lock(folder),
        pytest.raises(BaselineError, match="another process has held") as info,
        folder_lock(folder, timeout=0.01),
    ):
        pass
    message = str(info.value)
    assert str(folder) in message
    assert str(folder / LOCK_NAME) in message
    assert "baselines were not written" in message
    # released: the next writer gets it at once
    with folder_lock(folder, timeout=0):
        assert (folder / LOCK_NAME).is_file()


def test_a_run_that_writes_nothing_takes_no_lock(project: Project) -> None:
    project.write(GATES)
    project.run("--fairness-update-baselines").assert_outcomes(passed=20)
    folder = project.baseline_file().parent
    (folder / LOCK_NAME).unlink()
    files = {p.name: p.read_bytes() for p in folder.iterdir()}
    # the update run appended its history beside the baselines
    assert sorted(files) == ["test_model.history.jsonl", "test_model.json"]
    # compares, writes nothing (a read-only checkout works); the history is
    # off, which would append beside the baselines
    result = project.run("--fairness-history=off")
    result.assert_outcomes(passed=20)
    assert result.ret == pytest.ExitCode.OK
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == files
