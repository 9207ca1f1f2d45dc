"""Session state of the plugin, kept in ``config.stash``.

On every process it caches the validated marker settings and the baseline
files read. On the controller (the only process when pytest-xdist is not
used) it collects the gate records carried on test reports and, at the end of
the session, writes baselines and reports.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pytest_fairness.plugin._marker import marker_entries, parse_settings

if TYPE_CHECKING:
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
        Baselines that could not be read or written.
    report : str or None
        The report file written.
    """

    recorded: dict[str, list[str]] = field(default_factory=dict)
    updated: dict[str, list[str]] = field(default_factory=dict)
    unused: dict[str, list[str]] = field(default_factory=dict)
    removed: dict[str, list[str]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    report: str | None = None

    def __bool__(self) -> bool:
        return bool(
            self.recorded or self.updated or self.unused or self.removed or self.errors
        )

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-friendly dict.

        Returns
        -------
        dict
            Every field.
        """
        return {
            "recorded": self.recorded,
            "updated": self.updated,
            "unused": self.unused,
            "removed": self.removed,
            "errors": self.errors,
        }


def _fmt(value: Any) -> str:
    return "-" if value is None else f"{value:.3f}"


def _changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    lines = []
    for key in sorted(set(old) | set(new)):
        if key not in new:
            lines.append(f"{key}: removed")
            continue
        before = old.get(key, {}).get("metrics", {})
        after = new[key].get("metrics", {})
        for metric in sorted(set(before) | set(after)):
            a = before.get(metric, {}).get("value")
            b = after.get(metric, {}).get("value")
            if metric not in after:
                lines.append(f"{key}: {metric} removed")
            elif metric not in before:
                lines.append(f"{key}: {metric} recorded at {_fmt(b)}")
            elif a != b:
                lines.append(f"{key}: {metric} {_fmt(a)} -> {_fmt(b)}")
    return lines


class FairnessState:
    """The plugin's state for one pytest process.

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
        self._baselines: dict[Path, BaselineFile | Exception] = {}
        self._seen: dict[str, set[str]] = {}
        self._undecided: dict[str, set[str]] = {}

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

    # -- controller --------------------------------------------------------------
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Take the gate records off a test report and note what ran.

        Registered as a plugin on the controller only, so reports of xdist
        workers arrive here too.

        Parameters
        ----------
        report : pytest.TestReport
            A report of any phase, from this process or an xdist worker.
        """
        module, test = split_nodeid(report.nodeid)
        self._seen.setdefault(module, set()).add(test)
        if report.when in ("setup", "call") and not report.passed:
            self._undecided.setdefault(module, set()).add(test)
        payload = getattr(report, REPORT_ATTR, None)
        if payload:
            self.records.extend(json.loads(payload))

    def _whole_modules(self, session: pytest.Session) -> set[str]:
        """Return the modules whose every test ran, so unused entries can be told."""
        config = self.config
        if session.shouldfail or session.shouldstop:
            return set()
        option = config.option
        for name in ("keyword", "markexpr", "deselect", "lf", "stepwise"):
            if getattr(option, name, None):
                return set()
        narrowed = set()
        invocation = config.invocation_params.dir
        for arg in config.args:
            if "::" in arg:
                narrowed.add(os.path.normpath(invocation / arg.partition("::")[0]))
        root = config.rootpath
        return {
            m
            for m in self._seen
            if m.endswith(".py") and os.path.normpath(root / m) not in narrowed
        }

    def finish(self, session: pytest.Session) -> None:
        """Write baselines and reports (controller only).

        Parameters
        ----------
        session : pytest.Session
            The session ending; its exit status is set to "tests failed" when
            a baseline could not be read or written.
        """
        options = self.options
        if not self.records and not self._seen:
            self._write_outputs()
            return
        from pytest_fairness.baseline import (
            BaselineFile,
            baseline_path,
            merge_entries,
            unused_keys,
        )
        from pytest_fairness.exceptions import BaselineError

        root = self.config.rootpath
        recorded: dict[Path, dict[str, dict[str, Any]]] = {}
        used: dict[Path, set[str]] = {}
        for record in self.records:
            info = record["baseline"]
            if not info["enabled"]:
                continue
            path = Path(info["file"])
            used.setdefault(path, set()).add(record["key"])
            if info["write"]:
                recorded.setdefault(path, {})[record["key"]] = info["entry"]
        whole = self._whole_modules(session)
        module_of: dict[Path, str] = {}
        for module in self._seen:
            if module.endswith(".py"):
                path = baseline_path(
                    module, rootpath=root, baseline_dir=options.baseline_dir
                )
                module_of[path] = module
        paths = set(recorded) | {p for p in module_of if p.is_file()}
        for path in sorted(paths):
            shown = display_path(path, root)
            try:
                stored = BaselineFile.load(path)
            except BaselineError as exc:
                self.notes.errors.append(str(exc))
                continue
            owner = module_of.get(path)
            unused: list[str] = []
            if owner is not None and owner in whole and stored.exists:
                unused = unused_keys(
                    stored.gates, used.get(path, ()), self._undecided.get(owner, ())
                )
            drop = unused if options.update_baselines else []
            new = merge_entries(
                stored.gates,
                recorded.get(path, {}),
                update=options.update_baselines,
                drop=drop,
            )
            try:
                changed = stored.save(new)
            except OSError as exc:
                self.notes.errors.append(f"cannot write baseline file {path}: {exc}")
                continue
            if unused and not options.update_baselines:
                self.notes.unused[shown] = unused
            if drop:
                self.notes.removed[shown] = list(drop)
            if changed and options.update_baselines:
                self.notes.updated[shown] = _changes(stored.gates, new)
            elif changed:
                self.notes.recorded[shown] = sorted(
                    k for k in recorded.get(path, {}) if stored.gates.get(k) != new[k]
                )
        if self.notes.errors and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
        self._write_outputs()

    def _write_outputs(self) -> None:
        records = self.sorted_records()
        report = self.options.report
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if report is None and not (summary and (records or self.notes)):
            return
        from pytest_fairness.plugin._render import json_report, markdown_report
        from pytest_fairness.plugin._render_html import html_report

        if report is not None:
            renderers = {
                ".html": html_report,
                ".htm": html_report,
                ".json": json_report,
            }
            render = renderers.get(report.suffix.lower(), markdown_report)
            text = render(records, self.notes)
            try:
                report.parent.mkdir(parents=True, exist_ok=True)
                report.write_text(text, encoding="utf-8")
                self.notes.report = str(report)
            except OSError as exc:
                self.notes.errors.append(f"cannot write report {report}: {exc}")
        if summary and (records or self.notes):
            try:
                with Path(summary).open("a", encoding="utf-8") as handle:
                    handle.write(markdown_report(records, self.notes))
            except OSError as exc:
                self.notes.errors.append(
                    f"cannot append to GITHUB_STEP_SUMMARY {summary}: {exc}"
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
    """Return ``path`` relative to ``root`` when inside it, else absolute."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)
