"""The end of a session on the controller: every baseline file read, merged and written.

For each baseline file the run touched (a gate recorded into it, its module
was collected, or its module no longer exists in a folder the run swept),
the file is read and what the run learnt is merged into it. When that
changes the file, the folder's lock is taken, the file is read again (another
pytest process may have written it meanwhile), the merge is done again on
what is there now, and the result is written atomically. So two runs that
update different tests of one module both keep their entries.

Entries no test asked for are reported, and removed by
``--fairness-update-baselines``, only for modules that ran whole in a
normal session (see :mod:`pytest_fairness.plugin._coverage`), and only when
this run saw them before the end of the session: an entry that another
process added meanwhile is never removed.

A file that cannot be read or written is an error of the run (named with
the reason); the other files are still written.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_fairness.baseline import (
    BaselineFile,
    baseline_path,
    folder_lock,
    merge_entries,
    remove_stale_temporaries,
    unused_keys,
)
from pytest_fairness.exceptions import BaselineError
from pytest_fairness.plugin._coverage import folder_is_covered
from pytest_fairness.plugin._state import display_path

if TYPE_CHECKING:
    import pytest

    from pytest_fairness.plugin._state import FairnessState

__all__ = ["BaselineWriter"]

Gates = dict[str, dict[str, Any]]


def _fmt(value: Any) -> str:
    return "-" if value is None else f"{value:.3f}"


def _changes(old: Gates, new: Gates) -> list[str]:
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


@dataclass(frozen=True)
class _Plan:
    """What one file becomes, decided from its current content."""

    new: Gates
    unused: list[str]  # entries no test asked for, in a module that ran whole
    drop: list[str]  # the unused entries removed (update only)
    kept: list[str]  # entries no test asked for, kept: the module did not run whole


class BaselineWriter:
    """Write the baselines of one session (controller only).

    Parameters
    ----------
    state : FairnessState
        The plugin's session state: records, coverage, notes.
    session : pytest.Session
        The session ending.
    """

    def __init__(self, state: FairnessState, session: pytest.Session) -> None:
        self.state = state
        self.session = session
        self.notes = state.notes
        self.root = state.config.rootpath
        self.update = state.options.update_baselines
        self.baseline_dir = state.options.baseline_dir
        self.recorded: dict[Path, Gates] = {}
        self.used: dict[Path, set[str]] = {}
        for record in state.records:
            info = record.baseline
            if not info.enabled or info.file is None:
                continue
            path = Path(info.file)
            self.used.setdefault(path, set()).add(record.key)
            if info.write:
                self.recorded.setdefault(path, {})[record.key] = dict(info.entry)
        self.whole, self.why_not = state.coverage.whole_modules(session)
        self.reason = state.coverage.session_reason(session)
        # Test ids name modules relative to the rootdir; one outside it is
        # named by its file name alone, which is no path: left out, so its
        # entries are never judged unused.
        modules = set(state.coverage.collected or {}) | set(state.seen)
        self.module_of = {
            self._path_of(self.root / m): m
            for m in modules
            if m.endswith(".py") and (self.root / m).is_file()
        }
        self.orphans = self._orphans()
        self._cleaned: set[Path] = set()

    def _path_of(self, module: Path) -> Path:
        return baseline_path(module, rootpath=self.root, baseline_dir=self.baseline_dir)

    def _orphans(self) -> dict[Path, Path]:
        """Baseline files, in folders the run swept, whose module is gone."""
        covered = self.state.coverage.covered_folders(self.session)
        if not covered:
            return {}
        folders = {
            Path(os.path.normpath(self.root / m)).parent
            for m in self.module_of.values()
        }
        orphans: dict[Path, Path] = {}
        for folder in sorted(folders):
            if not folder_is_covered(folder, covered):
                continue
            where = self._path_of(folder / "_.py").parent
            for path in sorted(where.glob("*.json")):
                module = folder / f"{path.stem}.py"
                if (
                    path.is_file()
                    and path not in self.module_of
                    and not module.exists()
                ):
                    orphans[path] = module
        return orphans

    # -- one file ---------------------------------------------------------------
    def _plan(self, path: Path, stored: BaselineFile, seen: set[str]) -> _Plan:
        owner = self.module_of.get(path)
        candidates: list[str] = []
        if path in self.orphans:
            candidates = sorted(stored.gates)
        elif owner is not None and stored.exists:
            candidates = unused_keys(
                stored.gates,
                self.used.get(path, ()),
                self.state.undecided.get(owner, ()),
            )
        if path in self.orphans or owner in self.whole:
            unused, kept = candidates, []
        else:
            unused, kept = [], candidates
        drop = [k for k in unused if k in seen] if self.update else []
        new = merge_entries(
            stored.gates, self.recorded.get(path, {}), update=self.update, drop=drop
        )
        return _Plan(new=new, unused=unused, drop=drop, kept=kept)

    def write(self, path: Path) -> None:
        """Merge the run into one file and write it when that changes it.

        Parameters
        ----------
        path : pathlib.Path
            The baseline file.

        Raises
        ------
        BaselineError
            When the file is corrupt, or its folder cannot be locked.
        OSError
            When the file cannot be written.
        """
        stored = BaselineFile.load(path)
        cached = self.state.cached_baseline(path)
        # Entries this run could have known of; only those are ever removed.
        seen = set((cached or stored).gates)
        plan = self._plan(path, stored, seen)
        changed = False
        if stored.differs(plan.new):
            with folder_lock(path.parent):
                self._clean(path.parent)
                stored = BaselineFile.load(path)
                plan = self._plan(path, stored, seen)
                changed = stored.save(plan.new)
        self._note(path, stored, plan, changed)

    def _clean(self, folder: Path) -> None:
        if folder in self._cleaned:
            return
        self._cleaned.add(folder)
        for tmp in remove_stale_temporaries(folder, older_than=self.state.started):
            self.notes.cleaned.append(display_path(tmp, self.root))

    def _note(
        self, path: Path, stored: BaselineFile, plan: _Plan, changed: bool
    ) -> None:
        notes = self.notes
        shown = display_path(path, self.root)
        if path in self.orphans:
            notes.orphaned[shown] = display_path(self.orphans[path], self.root)
        if plan.unused and not self.update:
            notes.unused[shown] = plan.unused
        if plan.drop:
            notes.removed[shown] = list(plan.drop)
        if changed and self.update:
            notes.updated[shown] = _changes(stored.gates, plan.new)
        elif changed:
            notes.recorded[shown] = sorted(
                k
                for k in self.recorded.get(path, {})
                if stored.gates.get(k) != plan.new.get(k)
            )
        if plan.kept and self.update and self.reason is None:
            module = self.module_of[path]
            why = self.why_not.get(module, "not every test of it ran")
            notes.kept.append(
                f"--fairness-update-baselines removed no baseline entry of {module}: "
                f"{why} (kept: {', '.join(plan.kept)})"
            )
        elif plan.kept and self.update:
            line = (
                "--fairness-update-baselines removed no baseline entry: "
                f"{self.reason}; the entries of tests that did not run are kept"
            )
            if line not in notes.kept:
                notes.kept.append(line)

    # -- every file ---------------------------------------------------------------
    def run(self) -> None:
        """Write every baseline file of the session; note what happened."""
        paths = (
            set(self.recorded)
            | {p for p in self.module_of if p.is_file()}
            | set(self.orphans)
        )
        for path in sorted(paths):
            try:
                self.write(path)
            except BaselineError as exc:
                self.notes.errors.append(str(exc))
            except OSError as exc:
                self.notes.errors.append(f"cannot write baseline file {path}: {exc}")
