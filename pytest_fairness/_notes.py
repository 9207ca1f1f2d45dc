"""The baseline notes of a session: what its end did with the files.

A module of its own, standard library only, because the plugin creates the
notes of every session when pytest starts: loading the record types
(:mod:`pytest_fairness.records`, which re-exports :class:`Notes`) waits until
a gate ran.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["Notes"]


@dataclass
class Notes:
    """What the end of the session did with baselines, for the summary.

    Filled in by the session end, then rendered; the only mutable record.

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
    history : list of str
        History files that could not be written (the run's verdict does not
        change: history is a record, not a gate).
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
    history: list[str] = field(default_factory=list)
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
            or self.history
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
            "history": self.history,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Notes:
        """Read the JSON form.

        Parameters
        ----------
        data : mapping
            As written by :meth:`to_dict`.

        Returns
        -------
        pytest_fairness.records.Notes
            The notes.
        """
        return cls(
            recorded={k: list(v) for k, v in (data.get("recorded") or {}).items()},
            updated={k: list(v) for k, v in (data.get("updated") or {}).items()},
            unused={k: list(v) for k, v in (data.get("unused") or {}).items()},
            removed={k: list(v) for k, v in (data.get("removed") or {}).items()},
            errors=list(data.get("errors") or ()),
            orphaned=dict(data.get("orphaned") or {}),
            kept=list(data.get("kept") or ()),
            cleaned=list(data.get("cleaned") or ()),
            history=list(data.get("history") or ()),
        )

    def extra_lines(self) -> list[str]:
        """Return the notes beyond recorded, updated, removed and unused entries.

        Returns
        -------
        list of str
            Baseline files of deleted modules, why an update kept entries,
            temporary files removed, history not written.
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
        out += self.history
        return out
