"""Records of a run: its context, its baseline notes, history points, the document.

Standard library only.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from pytest_fairness._notes import Notes
from pytest_fairness.records._gate import RECORD_SCHEMA, GateRecord, sort_records

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = [
    "HistoryPoint",
    "HistoryValue",
    "Notes",
    "ReportDocument",
    "RunContext",
]


def _num(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    out = float(value)
    return None if math.isnan(out) or math.isinf(out) else out


@dataclass(frozen=True)
class RunContext:
    """Where and how a run happened.

    Attributes
    ----------
    version : str
        The pytest-fairness version.
    timestamp : str or None
        When the run ended, ISO 8601 in UTC (``SOURCE_DATE_EPOCH`` when set).
    commit : str or None
        The commit tested, from the CI environment or git; None when unknown.
    branch : str or None
        The branch, likewise.
    command : str or None
        The command line, as typed after ``pytest``.
    """

    version: str
    timestamp: str | None = None
    commit: str | None = None
    branch: str | None = None
    command: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form.

        Returns
        -------
        dict
            Every field.
        """
        return {
            "version": self.version,
            "timestamp": self.timestamp,
            "commit": self.commit,
            "branch": self.branch,
            "command": self.command,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunContext:
        """Read the JSON form.

        Parameters
        ----------
        data : mapping
            As written by :meth:`to_dict`.

        Returns
        -------
        RunContext
            The context.
        """
        return cls(
            version=str(data.get("version") or ""),
            timestamp=data.get("timestamp"),
            commit=data.get("commit"),
            branch=data.get("branch"),
            command=data.get("command"),
        )


@dataclass(frozen=True)
class HistoryValue:
    """One bound of a gate at one run.

    Attributes
    ----------
    metric : str
        The bounded metric.
    value : float or None
        Its value.
    interval : tuple of float or None
        Its interval.
    outcome : str
        The bound's outcome at that run.
    """

    metric: str
    value: float | None
    interval: tuple[float | None, float | None] | None
    outcome: str

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form.

        Returns
        -------
        dict
            ``metric``, ``value``, ``interval`` (when known), ``outcome``.
        """
        out: dict[str, Any] = {"metric": self.metric, "value": self.value}
        if self.interval is not None:
            out["interval"] = list(self.interval)
        out["outcome"] = self.outcome
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> HistoryValue:
        """Read the JSON form.

        Parameters
        ----------
        data : mapping
            As written by :meth:`to_dict`.

        Returns
        -------
        HistoryValue
            The value.
        """
        interval = data.get("interval")
        return cls(
            metric=str(data["metric"]),
            value=_num(data.get("value")),
            interval=None
            if interval is None
            else (_num(interval[0]), _num(interval[1])),
            outcome=str(data.get("outcome") or ""),
        )


@dataclass(frozen=True)
class HistoryPoint:
    """One gate at one run: the line a history file keeps for it.

    Attributes
    ----------
    key : str
        The gate's key in its module (``test`` or ``test::name``).
    nodeid : str
        The test id.
    timestamp : str
        When the run ended, ISO 8601 in UTC.
    verdict : str
        The gate's verdict.
    values : tuple of HistoryValue
        Each bound's value, interval and outcome.
    n_rows : int or None
        Rows audited.
    counts : dict
        Rows per group (the first table's groups).
    commit, branch : str or None
        Where the run happened, when known.
    """

    key: str
    nodeid: str
    timestamp: str
    verdict: str
    values: tuple[HistoryValue, ...]
    n_rows: int | None = None
    counts: Mapping[str, int] = field(default_factory=dict)
    commit: str | None = None
    branch: str | None = None

    def value_of(self, metric: str) -> HistoryValue | None:
        """Return the value of one bounded metric at this run, if it was bounded.

        Parameters
        ----------
        metric : str
            The metric.

        Returns
        -------
        HistoryValue or None
            Its value.
        """
        return next((v for v in self.values if v.metric == metric), None)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form.

        Returns
        -------
        dict
            Every field; ``commit`` and ``branch`` only when known.
        """
        out: dict[str, Any] = {
            "key": self.key,
            "nodeid": self.nodeid,
            "timestamp": self.timestamp,
            "verdict": self.verdict,
            "values": [v.to_dict() for v in self.values],
            "n_rows": self.n_rows,
            "counts": dict(self.counts),
        }
        if self.commit is not None:
            out["commit"] = self.commit
        if self.branch is not None:
            out["branch"] = self.branch
        return out

    def to_line(self) -> str:
        """Return the point as one line of JSON (sorted keys, no newline).

        Returns
        -------
        str
            The line a history file holds.
        """
        return json.dumps(
            self.to_dict(), sort_keys=True, separators=(",", ":"), allow_nan=False
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> HistoryPoint:
        """Read the JSON form.

        Parameters
        ----------
        data : mapping
            As written by :meth:`to_dict`.

        Returns
        -------
        HistoryPoint
            The point.
        """
        return cls(
            key=str(data["key"]),
            nodeid=str(data["nodeid"]),
            timestamp=str(data["timestamp"]),
            verdict=str(data["verdict"]),
            values=tuple(HistoryValue.from_dict(v) for v in data["values"]),
            n_rows=data.get("n_rows"),
            counts={str(k): int(v) for k, v in (data.get("counts") or {}).items()},
            commit=data.get("commit"),
            branch=data.get("branch"),
        )

    @classmethod
    def of(cls, record: GateRecord, context: RunContext) -> HistoryPoint:
        """Return the point a gate record adds to its history.

        Parameters
        ----------
        record : GateRecord
            The gate.
        context : RunContext
            The run (time, commit, branch).

        Returns
        -------
        HistoryPoint
            The point.
        """
        counts = (
            {r.label: r.count for r in record.groups[0].rows} if record.groups else {}
        )
        return cls(
            key=record.key,
            nodeid=record.nodeid,
            timestamp=context.timestamp or "",
            verdict=record.verdict,
            values=tuple(
                HistoryValue(b.metric, b.value, b.interval, b.outcome)
                for b in record.bounds
            ),
            n_rows=record.n_rows,
            counts=counts,
            commit=context.commit,
            branch=context.branch,
        )

    @property
    def sort_key(self) -> tuple[str, str, str]:
        """Order of a history file: time, then gate, then the line itself."""
        return self.timestamp, self.key, self.to_line()


@dataclass(frozen=True)
class ReportDocument:
    """Everything a report shows: the run's context, gates, history and notes.

    Attributes
    ----------
    gates : tuple of GateRecord
        The gate records, in display order.
    notes : Notes
        What the session end did with baselines.
    context : RunContext or None
        Where and how the run happened.
    history : dict
        Gate (``nodeid`` and name, see :func:`history_id`) to its earlier
        points, oldest first, the current run last.
    schema : int
        The document's schema.
    """

    gates: tuple[GateRecord, ...]
    notes: Notes = field(default_factory=Notes)
    context: RunContext | None = None
    history: Mapping[str, tuple[HistoryPoint, ...]] = field(default_factory=dict)
    schema: int = RECORD_SCHEMA

    @classmethod
    def of(
        cls,
        gates: Sequence[GateRecord],
        notes: Notes | None = None,
        context: RunContext | None = None,
        history: Mapping[str, Sequence[HistoryPoint]] | None = None,
    ) -> ReportDocument:
        """Build a document, sorting the gates.

        Parameters
        ----------
        gates : sequence of GateRecord
            The records.
        notes : Notes, optional
            Baseline notes.
        context : RunContext, optional
            The run's context.
        history : mapping, optional
            Gate id to its points.

        Returns
        -------
        ReportDocument
            The document.
        """
        return cls(
            gates=tuple(sort_records(gates)),
            notes=notes or Notes(),
            context=context,
            history={k: tuple(v) for k, v in (history or {}).items()},
        )

    def history_of(self, gate: GateRecord) -> tuple[HistoryPoint, ...]:
        """Return the history of one gate (empty without one).

        Parameters
        ----------
        gate : GateRecord
            The gate.

        Returns
        -------
        tuple of HistoryPoint
            Oldest first.
        """
        return self.history.get(history_id(gate.nodeid, gate.name), ())

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form.

        Returns
        -------
        dict
            ``schema``, ``version``, ``context``, ``gates`` (as a saved report
            keeps them), ``history`` and ``baselines`` (the notes).
        """
        context = self.context or RunContext(version="")
        return {
            "schema": self.schema,
            "version": context.version,
            "context": context.to_dict(),
            "gates": [g.public().to_dict() for g in self.gates],
            "history": {
                k: [p.to_dict() for p in v] for k, v in sorted(self.history.items())
            },
            "baselines": self.notes.to_dict(),
        }

    def to_json(self) -> str:
        """Return the JSON report: sorted keys, two-space indent, a final newline.

        Returns
        -------
        str
            The document.
        """
        return (
            json.dumps(self.to_dict(), indent=2, sort_keys=True, allow_nan=False) + "\n"
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ReportDocument:
        """Read a JSON report (schema 1, 2 or 3).

        Parameters
        ----------
        data : mapping
            A parsed JSON report.

        Returns
        -------
        ReportDocument
            The document.

        Raises
        ------
        ValueError
            For a document that is no fairness report, or of a newer schema.
        """
        schema = data.get("schema")
        if not isinstance(schema, int) or "gates" not in data:
            msg = (
                "not a pytest-fairness JSON report: it has no integer 'schema' "
                "and 'gates' (write one with pytest --fairness-report=PATH.json)"
            )
            raise ValueError(msg)
        if schema > RECORD_SCHEMA:
            msg = (
                f"the report has schema {schema}; this version reads schemas 1 to "
                f"{RECORD_SCHEMA}. Upgrade pytest-fairness to render it."
            )
            raise ValueError(msg)
        context = data.get("context")
        if context is None and data.get("version"):
            context = {"version": data["version"]}
        history = {
            str(k): tuple(HistoryPoint.from_dict(p) for p in v)
            for k, v in (data.get("history") or {}).items()
        }
        return cls(
            gates=tuple(sort_records([GateRecord.from_dict(g) for g in data["gates"]])),
            notes=Notes.from_dict(data.get("baselines") or {}),
            context=None if context is None else RunContext.from_dict(context),
            history=history,
            schema=RECORD_SCHEMA,
        )

    @classmethod
    def from_json(cls, text: str) -> ReportDocument:
        """Read a JSON report's text.

        Parameters
        ----------
        text : str
            The report.

        Returns
        -------
        ReportDocument
            The document.

        Raises
        ------
        ValueError
            For text that is not JSON, or no fairness report.
        """
        return cls.from_dict(json.loads(text))

    def with_history(
        self, history: Mapping[str, Sequence[HistoryPoint]]
    ) -> ReportDocument:
        """Return the document with another history.

        Parameters
        ----------
        history : mapping
            Gate id to its points.

        Returns
        -------
        ReportDocument
            A copy.
        """
        return replace(self, history={k: tuple(v) for k, v in history.items()})


def history_id(nodeid: str, name: str | None) -> str:
    """Return the id of a gate across runs: its test id, and its check name.

    Parameters
    ----------
    nodeid : str
        The test id.
    name : str or None
        The check's name.

    Returns
    -------
    str
        ``nodeid`` or ``nodeid::name``.
    """
    return nodeid if name is None else f"{nodeid}::{name}"
