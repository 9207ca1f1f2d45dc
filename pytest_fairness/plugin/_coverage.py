"""What a run covered: the modules whose every test ran, and the folders it swept.

A baseline entry that no test asked for is removed by
``--fairness-update-baselines`` only when the run could have asked for it
(syrupy's reasoning): the session finished normally, nothing narrowed the
run of that module, and every test collected from it finished. This module
keeps what is needed to tell, on the controller:

- the tests collected from each module, after every plugin's
  ``pytest_collection_modifyitems`` (from ``session.items``, or from what
  xdist workers collected);
- the modules some of whose tests were deselected or dropped while the
  items were modified (-k, -m, --deselect, --lf, or any plugin, whether or
  not it calls ``pytest_deselected``);
- the tests that finished: a call-phase report, or a setup that failed or
  skipped;
- whether the session was interrupted (Ctrl-C, ``pytest.exit()``), stopped
  early (-x, --maxfail, a plugin setting ``session.shouldstop``), or lost an
  xdist worker.

Standard library and pytest only.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["NARROWED_KEY", "RunCoverage", "folder_is_covered"]

#: Key of the modules narrowed on an xdist worker, in ``config.workeroutput``.
NARROWED_KEY = "fairness_narrowed_modules"
_NARROWING_OPTIONS = (
    ("keyword", "-k"),
    ("markexpr", "-m"),
    ("deselect", "--deselect"),
    ("lf", "--lf"),
    ("stepwise", "--sw"),
    ("stepwise_skip", "--sw-skip"),
)
_NORMAL_EXIT = (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED)


def _split(nodeid: str) -> tuple[str, str]:
    module, _, test = nodeid.partition("::")
    return module, test


@dataclass
class RunCoverage:
    """What one session collected, ran and skipped, as seen by the controller.

    Attributes
    ----------
    collected : dict of str to set of str, or None
        Module to the tests collected from it after selection; None until
        collection finished.
    narrowed : set of str
        Modules some of whose collected tests were deselected or dropped.
    finished : dict of str to set of str
        Module to the tests that finished (call phase reported, or setup
        failed or skipped).
    interrupted : str or None
        Why the session was interrupted, e.g. ``KeyboardInterrupt``.
    lost_worker : str or None
        The xdist worker that went down with an error.
    """

    collected: dict[str, set[str]] | None = None
    narrowed: set[str] = field(default_factory=set)
    finished: dict[str, set[str]] = field(default_factory=dict)
    interrupted: str | None = None
    lost_worker: str | None = None

    # -- what happened -------------------------------------------------------
    def note_selection(self, before: Iterable[str], after: Iterable[str]) -> set[str]:
        """Note the modules whose tests were removed while items were modified.

        Parameters
        ----------
        before, after : iterable of str
            Test ids before and after ``pytest_collection_modifyitems``.

        Returns
        -------
        set of str
            The modules narrowed by this selection.
        """
        removed = set(before) - set(after)
        modules = {_split(nodeid)[0] for nodeid in removed}
        self.narrowed |= modules
        return modules

    def note_collected(self, nodeids: Iterable[str]) -> None:
        """Note the tests that will run (after selection).

        Parameters
        ----------
        nodeids : iterable of str
            Their ids.
        """
        collected = self.collected if self.collected is not None else {}
        for nodeid in nodeids:
            module, test = _split(nodeid)
            collected.setdefault(module, set()).add(test)
        self.collected = collected

    def note_report(self, report: pytest.TestReport) -> None:
        """Note a test that finished.

        Parameters
        ----------
        report : pytest.TestReport
            A report of any phase.
        """
        if report.when == "call" or (report.when == "setup" and not report.passed):
            module, test = _split(report.nodeid)
            self.finished.setdefault(module, set()).add(test)

    def note_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        """Note that the session was interrupted.

        Parameters
        ----------
        excinfo : pytest.ExceptionInfo
            The ``KeyboardInterrupt`` or ``pytest.exit`` exception.
        """
        exc = excinfo.value
        if isinstance(exc, pytest.exit.Exception):
            self.interrupted = f"pytest.exit: {exc.msg}"
        else:
            self.interrupted = excinfo.typename

    # -- what it means -------------------------------------------------------
    def session_reason(self, session: pytest.Session) -> str | None:
        """Return why no module of this session counts as wholly run, if any.

        Parameters
        ----------
        session : pytest.Session
            The session ending.

        Returns
        -------
        str or None
            E.g. ``"the session was interrupted (KeyboardInterrupt)"``; None
            when the session finished normally and was not narrowed as a
            whole.
        """
        if self.interrupted:
            return f"the session was interrupted ({self.interrupted})"
        if session.shouldstop or session.shouldfail:
            why = session.shouldstop or session.shouldfail
            return f"the session stopped early ({why})"
        if self.lost_worker:
            return f"an xdist worker was lost ({self.lost_worker})"
        if session.exitstatus not in _NORMAL_EXIT:
            return f"pytest exits with status {int(session.exitstatus)}"
        option = session.config.option
        flags = [
            flag for name, flag in _NARROWING_OPTIONS if getattr(option, name, None)
        ]
        if flags:
            return f"the run was narrowed by {', '.join(flags)}"
        if self.collected is None:
            return "collection did not finish"
        return None

    def whole_modules(self, session: pytest.Session) -> tuple[set[str], dict[str, str]]:
        """Return the modules whose every test ran in a normal session.

        Parameters
        ----------
        session : pytest.Session
            The session ending.

        Returns
        -------
        whole : set of str
            Module paths (as in test ids) that ran whole.
        why_not : dict of str to str
            Every other collected module, with the reason.
        """
        collected = self.collected or {}
        reason = self.session_reason(session)
        if reason is not None:
            return set(), dict.fromkeys(collected, reason)
        by_id = _modules_named_by_id(session.config)
        whole: set[str] = set()
        why_not: dict[str, str] = {}
        for module, tests in collected.items():
            path = os.path.normpath(session.config.rootpath / module)
            if module in self.narrowed or path in by_id:
                why_not[module] = "not every test of it was selected"
            elif not tests <= self.finished.get(module, set()):
                why_not[module] = "not every test of it finished"
            else:
                whole.add(module)
        return whole, why_not

    def covered_folders(self, session: pytest.Session) -> list[Path]:
        """Return the folders whose every test module the run collected.

        Parameters
        ----------
        session : pytest.Session
            The session ending.

        Returns
        -------
        list of pathlib.Path
            The folders given as arguments (or the invocation folder), none
            when the session was interrupted or narrowed, or when arguments
            are ``--pyargs`` names.
        """
        config = session.config
        if self.session_reason(session) is not None or config.option.pyargs:
            return []
        invocation = config.invocation_params.dir
        folders = []
        for arg in config.args:
            path = Path(os.path.normpath(invocation / arg))
            if "::" not in arg and path.is_dir():
                folders.append(path)
        return folders


def _modules_named_by_id(config: pytest.Config) -> set[str]:
    invocation = config.invocation_params.dir
    return {
        os.path.normpath(invocation / arg.partition("::")[0])
        for arg in config.args
        if "::" in arg
    }


def folder_is_covered(folder: Path, covered: Iterable[Path]) -> bool:
    """Return whether ``folder`` is one of ``covered`` or inside one.

    Parameters
    ----------
    folder : pathlib.Path
        A folder holding test modules.
    covered : iterable of pathlib.Path
        Folders the run swept.

    Returns
    -------
    bool
        Whether the run collected every module of ``folder``.
    """
    return any(folder == top or top in folder.parents for top in covered)
