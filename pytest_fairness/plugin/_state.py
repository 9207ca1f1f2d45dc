"""Session state of the plugin, kept in ``config.stash``.

On every process it caches the validated marker settings and the baseline
files read, and notes which tests the selection removed. On the controller
(the only process when pytest-xdist is not used) it collects the gate
records carried on test reports and what ran, and, at the end of the
session, writes baselines (:mod:`pytest_fairness.plugin._finish`) and
reports.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_fairness.plugin._coverage import NARROWED_KEY, RunCoverage
from pytest_fairness.plugin._marker import marker_entries, parse_settings

if TYPE_CHECKING:
    from collections.abc import Generator

    from pytest_fairness.baseline import BaselineFile
    from pytest_fairness.plugin._marker import Entries, GateSettings
    from pytest_fairness.plugin._options import Options

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


@dataclass
class Notes:
    """What the end of the session did with baselines, for the summary.

    Attributes
    ----------
    recorded : dict
        Baseline file (as displayed) to the keys first recorded in it.
    updated : dict
        Baseline file to lines describing what changed.
    unused : dict
        Baseline file to keys of tests that no longer ask for them.
    removed : dict
        Baseline file to keys dropped by ``--fairness-update-baselines``.
    errors : list of str
        Baselines, reports or summaries that could not be read or written;
        any of them makes the run exit with status 1.
    orphaned : dict
        Baseline file to the test module it belongs to, which no longer
        exists (its keys are also in ``unused``, or in ``removed``).
    kept : list of str
        Why ``--fairness-update-baselines`` removed no entry of tests that
        did not run (an interrupted or narrowed run).
    cleaned : list of str
        Temporary files of interrupted writes that were removed.
    reports : list of str
        The report files written.
    """

    recorded: dict[str, list[str]] = field(default_factory=dict)
    updated: dict[str, list[str]] = field(default_factory=dict)
    unused: dict[str, list[str]] = field(default_factory=dict)
    removed: dict[str, list[str]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    orphaned: dict[str, str] = field(default_factory=dict)
    kept: list[str] = field(default_factory=list)
    cleaned: list[str] = field(default_factory=list)
    reports: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(
            self.recorded
            or self.updated
            or self.unused
            or self.removed
            or self.errors
            or self.orphaned
            or self.kept
            or self.cleaned
        )

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-friendly dict.

        Returns
        -------
        dict
            Every field but ``reports``.
        """
        return {
            "recorded": self.recorded,
            "updated": self.updated,
            "unused": self.unused,
            "removed": self.removed,
            "errors": self.errors,
            "orphaned": self.orphaned,
            "kept": self.kept,
            "cleaned": self.cleaned,
        }

    def extra_lines(self) -> list[str]:
        """Return the notes beyond recorded, updated, removed and unused entries.

        Returns
        -------
        list of str
            Baseline files of deleted modules, why an update kept entries,
            temporary files removed.
        """
        out = [
            f"baseline file {path} belongs to {module}, which no longer exists"
            + (
                "; it was removed"
                if path in self.removed
                else "; --fairness-update-baselines removes it"
            )
            for path, module in sorted(self.orphaned.items())
        ]
        out += self.kept
        if self.cleaned:
            out.append(
                "removed temporary files left by an interrupted write: "
                + ", ".join(self.cleaned)
            )
        return out


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
        self.records: list[dict[str, Any]] = []
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
            self.records.extend(json.loads(payload))

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
            self._write_outputs()
            if self.notes.errors and session.exitstatus == pytest.ExitCode.OK:
                session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def _write_outputs(self) -> None:
        records = self.sorted_records()
        reports = self.options.reports
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if not reports and not (summary and (records or self.notes)):
            return
        from pytest_fairness.plugin._render import json_report, markdown_report
        from pytest_fairness.plugin._render_html import html_report

        renderers = {".html": html_report, ".htm": html_report, ".json": json_report}
        for report in reports:
            render = renderers.get(report.suffix.lower(), markdown_report)
            try:
                text = render(records, self.notes)
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
                text = markdown_report(records, self.notes)
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

    def sorted_records(self) -> list[dict[str, Any]]:
        """Return the gate records in a stable order (test id, then name).

        Returns
        -------
        list of dict
            The records.
        """
        return sorted(self.records, key=lambda r: (r["nodeid"], r["name"] or ""))


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
