"""Session state of the plugin, kept in ``config.stash``.

On every process it caches the validated marker settings and the baseline
files read, and notes which tests the selection removed. On the controller
(the only process when pytest-xdist is not used) it collects the gate
records carried on test reports and what ran, and, at the end of the
session, writes baselines (:mod:`pytest_fairness.plugin._finish`) and
reports and the history.

Importing this module loads no renderer and no part of the core: the
records are typed values of :mod:`pytest_fairness.records` (standard
library), and the renderers load at the end of the session.
"""

from __future__ import annotations

import json
import os
import shlex
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_fairness._notes import Notes
from pytest_fairness.plugin._coverage import NARROWED_KEY, RunCoverage
from pytest_fairness.plugin._marker import marker_entries, parse_settings

if TYPE_CHECKING:
    from collections.abc import Callable, Generator

    from pytest_fairness.baseline import BaselineFile
    from pytest_fairness.plugin._marker import Entries, GateSettings
    from pytest_fairness.plugin._options import Options
    from pytest_fairness.records import GateRecord, HistoryPoint, RunContext

__all__ = [
    "ENTRIES_KEY",
    "RECORDS_KEY",
    "REPORT_ATTR",
    "STATE_KEY",
    "FairnessState",
    "Notes",
    "display_path",
    "split_nodeid",
]

REPORT_ATTR = "fairness_json"
STATE_KEY = pytest.StashKey["FairnessState"]()
RECORDS_KEY = pytest.StashKey[list[dict[str, Any]]]()
ENTRIES_KEY = pytest.StashKey["Entries"]()


def split_nodeid(nodeid: str) -> tuple[str, str]:
    """Split a test id into its module and the test's name within the module.

    Parameters
    ----------
    nodeid : str
        E.g. ``tests/test_model.py::TestLoan::test_gate[a]``.

    Returns
    -------
    tuple of str
        ``("tests/test_model.py", "TestLoan::test_gate[a]")``.
    """
    module, _, test = nodeid.partition("::")
    return module, test


class FairnessState:
    """The plugin's state for one pytest process.

    It is registered as a plugin on every process: on xdist workers it only
    notes the modules whose tests the selection removed (sent to the
    controller in ``workeroutput``); on the controller it also collects the
    gate records and what ran.

    Parameters
    ----------
    config : pytest.Config
        The pytest configuration.
    options : Options
        The resolved ``--fairness-*`` / ``fairness_*`` settings.
    """

    def __init__(self, config: pytest.Config, options: Options) -> None:
        self.config = config
        self.options = options
        self.is_controller = not hasattr(config, "workerinput")
        self.records: list[GateRecord] = []
        self.notes = Notes()
        self.coverage = RunCoverage()
        #: When this process started; temporary files older than this are
        #: leftovers of earlier runs.
        self.started = time.time()
        #: Module to the tests that reported (any phase).
        self.seen: dict[str, set[str]] = {}
        #: Module to the tests that skipped or failed in setup or call: their
        #: baseline entries are kept.
        self.undecided: dict[str, set[str]] = {}
        self._baselines: dict[Path, BaselineFile | Exception] = {}
        self._context: RunContext | None = None

    # -- every process ---------------------------------------------------------
    def marker_entries(self, item: pytest.Item) -> Entries:
        """Return a test's ``fairness_gate`` keywords (closest marker first).

        Parameters
        ----------
        item : pytest.Item
            The test.

        Returns
        -------
        dict
            Keyword to ``(value, where)``.
        """
        entries = item.stash.get(ENTRIES_KEY, None)
        if entries is None:
            entries = marker_entries(item)
            item.stash[ENTRIES_KEY] = entries
        return entries

    def validate(self, item: pytest.Item) -> GateSettings:
        """Validate the markers of a test (called in its setup).

        Parameters
        ----------
        item : pytest.Item
            A test carrying ``fairness_gate``.

        Returns
        -------
        GateSettings
            The validated settings.

        Raises
        ------
        MarkerError
            For an unknown keyword or a bad value.
        """
        return parse_settings(self.marker_entries(item))

    def load_baseline(self, path: Path) -> BaselineFile:
        """Read a baseline file once per process.

        Parameters
        ----------
        path : pathlib.Path
            The file.

        Returns
        -------
        BaselineFile
            Its gates.

        Raises
        ------
        BaselineError
            When the file is corrupt or of another schema (every time it is
            asked for).
        """
        from pytest_fairness.baseline import BaselineFile

        cached = self._baselines.get(path)
        if cached is None:
            try:
                cached = BaselineFile.load(path)
            except Exception as exc:  # re-raised below, every time
                cached = exc
            self._baselines[path] = cached
        if isinstance(cached, Exception):
            raise cached
        return cached

    def cached_baseline(self, path: Path) -> BaselineFile | None:
        """Return a baseline file as this process first read it, if it did.

        Parameters
        ----------
        path : pathlib.Path
            The file.

        Returns
        -------
        BaselineFile or None
            None when no test read it, or it could not be read.
        """
        cached = self._baselines.get(path)
        return None if isinstance(cached, Exception) else cached

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_collection_modifyitems(
        self, items: list[pytest.Item]
    ) -> Generator[None, None, None]:
        """Note the modules whose tests any plugin deselected or dropped.

        A wrapper around every other implementation (-k, -m, --deselect,
        --lf, conftest files and plugins), comparing the items before and
        after them, so that a plugin that drops items without calling
        ``pytest_deselected`` is seen too.

        Parameters
        ----------
        items : list of pytest.Item
            The collected items, modified in place by the implementations.

        Yields
        ------
        None
            Control to the other implementations.
        """
        before = [item.nodeid for item in items]
        result = yield
        narrowed = self.coverage.note_selection(before, [i.nodeid for i in items])
        workeroutput = getattr(self.config, "workeroutput", None)
        if workeroutput is not None:
            workeroutput[NARROWED_KEY] = sorted(narrowed)
        return result

    # -- controller --------------------------------------------------------------
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """Note the tests that will run (without xdist).

        Parameters
        ----------
        session : pytest.Session
            The session, whose ``items`` are selected.
        """
        if self.is_controller:
            self.coverage.note_collected(item.nodeid for item in session.items)

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        """Note the tests that will run, as an xdist worker collected them.

        Parameters
        ----------
        node : xdist.workermanage.WorkerController
            The worker.
        ids : list of str
            The test ids it collected (after selection).
        """
        self.coverage.note_collected(ids)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: object) -> None:
        """Take the modules an xdist worker narrowed; note a lost worker.

        Parameters
        ----------
        node : xdist.workermanage.WorkerController
            The worker.
        error : object
            Why it went down, or None when it finished.
        """
        output = getattr(node, "workeroutput", None) or {}
        self.coverage.narrowed.update(output.get(NARROWED_KEY, ()))
        if error is not None:
            self.coverage.lost_worker = str(getattr(node, "gateway", node))

    def pytest_keyboard_interrupt(
        self, excinfo: pytest.ExceptionInfo[BaseException]
    ) -> None:
        """Note that Ctrl-C or ``pytest.exit()`` ended the session.

        Parameters
        ----------
        excinfo : pytest.ExceptionInfo
            The exception.
        """
        self.coverage.note_interrupt(excinfo)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Take the gate records off a test report and note what ran.

        On the controller, reports of xdist workers arrive here too.

        Parameters
        ----------
        report : pytest.TestReport
            A report of any phase, from this process or an xdist worker.
        """
        if not self.is_controller:
            return
        module, test = split_nodeid(report.nodeid)
        self.seen.setdefault(module, set()).add(test)
        self.coverage.note_report(report)
        if report.when in ("setup", "call") and not report.passed:
            self.undecided.setdefault(module, set()).add(test)
        payload = getattr(report, REPORT_ATTR, None)
        if payload:
            from pytest_fairness.records import GateRecord

            self.records.extend(GateRecord.from_dict(r) for r in json.loads(payload))

    def finish(self, session: pytest.Session) -> None:
        """Write baselines and reports (controller only).

        A baseline, report or summary that cannot be read or written is
        noted, the other files are still written, and the session's exit
        status becomes "tests failed" (unless it already says something
        worse).

        Parameters
        ----------
        session : pytest.Session
            The session ending.
        """
        try:
            if self.records or self.seen:
                from pytest_fairness.plugin._finish import BaselineWriter

                BaselineWriter(self, session).run()
        except Exception as exc:  # the summary and reports must still be written
            self.notes.errors.append(
                f"writing the baselines failed: {type(exc).__name__}: {exc}"
            )
        finally:
            try:
                history = self._write_history()
            except Exception as exc:  # the reports must still be written
                self.notes.history.append(
                    f"history not written: {type(exc).__name__}: {exc}"
                )
                history = {}
            self._write_outputs(history)
            if self.notes.errors and session.exitstatus == pytest.ExitCode.OK:
                session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def context(self) -> RunContext:
        """Return the run's context: version, commit, branch, command, time.

        Returns
        -------
        RunContext
            Read once per session.
        """
        if self._context is None:
            from pytest_fairness.history import run_context

            args = self.config.invocation_params.args
            command = shlex.join(["pytest", *map(str, args)])
            self._context = run_context(self.config.rootpath, command)
        return self._context

    def _write_history(self) -> dict[str, list[HistoryPoint]]:
        """Append this run's point of every baselined gate to its history file.

        Returns
        -------
        dict
            Gate id to its points (the file's, this run's last), for the
            reports' trend charts; empty with ``--fairness-history=off``.
        """
        if not self.options.history or not self.records:
            return {}
        from pytest_fairness.history import (
            HistoryError,
            append_points,
            history_path,
            points_by_gate,
        )
        from pytest_fairness.records import HistoryPoint

        context = self.context()
        files: dict[Path, list[HistoryPoint]] = {}
        for record in self.records:
            if record.baseline.enabled and record.baseline.file:
                path = history_path(Path(record.baseline.file))
                files.setdefault(path, []).append(HistoryPoint.of(record, context))
        out: dict[str, list[HistoryPoint]] = {}
        for path, points in sorted(files.items()):
            shown = display_path(path, self.config.rootpath)
            try:
                kept = append_points(path, points, limit=self.options.history_limit)
            except (HistoryError, OSError) as exc:
                self.notes.history.append(f"history not written to {shown}: {exc}")
                continue
            out.update(points_by_gate(kept))
        return out

    def _write_outputs(self, history: dict[str, list[HistoryPoint]]) -> None:
        records = self.sorted_records()
        reports = self.options.reports
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if not reports and not (summary and (records or self.notes)):
            return
        from pytest_fairness import render
        from pytest_fairness.records import ReportDocument

        def document() -> ReportDocument:
            return ReportDocument.of(records, self.notes, self.context(), history)

        renderers: dict[str, Callable[[ReportDocument], str]] = {
            ".html": render.html_report,
            ".htm": render.html_report,
            ".json": render.json_report,
        }
        for report in reports:
            run = renderers.get(report.suffix.lower(), render.markdown_report)
            try:
                text = run(document())
                report.parent.mkdir(parents=True, exist_ok=True)
                report.write_text(text, encoding="utf-8")
                self.notes.reports.append(str(report))
            except OSError as exc:
                self.notes.errors.append(
                    f"cannot write report {report}: {exc}. Choose a writable "
                    "path with --fairness-report=PATH"
                )
            except Exception as exc:  # a renderer's bug must not stop the others
                self.notes.errors.append(
                    f"cannot render report {report}: {type(exc).__name__}: {exc}"
                )
        if summary and (records or self.notes):
            try:
                text = render.markdown_report(document())
                with Path(summary).open("a", encoding="utf-8") as handle:
                    handle.write(text)
            except OSError as exc:
                self.notes.errors.append(
                    f"cannot append to GITHUB_STEP_SUMMARY {summary}: {exc}"
                )
            except Exception as exc:  # a renderer's bug must not stop the others
                self.notes.errors.append(
                    f"cannot render GITHUB_STEP_SUMMARY {summary}: "
                    f"{type(exc).__name__}: {exc}"
                )

    def sorted_records(self) -> list[GateRecord]:
        """Return the gate records in a stable order (test id, then name).

        Returns
        -------
        list of GateRecord
            The records.
        """
        return sorted(self.records, key=lambda r: r.sort_key)


def display_path(path: Path, root: Path) -> str:
    """Return ``path`` relative to ``root`` when inside it, else absolute.

    Parameters
    ----------
    path : pathlib.Path
        A file.
    root : pathlib.Path
        The rootdir.

    Returns
    -------
    str
        The path to show.
    """
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)
