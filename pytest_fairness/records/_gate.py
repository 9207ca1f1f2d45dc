"""The gate record: what one fairness check measured and decided, as typed data.

A :class:`GateRecord` is built once, in the test that ran the check, and
every output is drawn from it: the failure message, the terminal summary,
the JUnit properties, the markdown and HTML reports and the JSON report,
which ``pytest-fairness report`` reads back. It travels between processes as
JSON (``to_dict`` / ``from_dict``), so an xdist controller renders exactly
what a single process would.

The records are frozen dataclasses of plain values (no numpy), versioned by
:data:`RECORD_SCHEMA`. Fields a later version adds are kept: a record read
from a newer writer keeps the keys it does not know in ``extra`` and writes
them back unchanged.

Standard library only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = [
    "RECORD_SCHEMA",
    "BaselineComparison",
    "BaselineInfo",
    "BoundRow",
    "ExampleInfo",
    "GateRecord",
    "GroupRow",
    "GroupSide",
    "GroupTable",
    "WorstExample",
]

#: Version of the record's JSON form. 1: the untyped dicts of earlier
#: versions (read as well); 2: adds per-group intervals, ``kind`` on every
#: record and the run's history; 3: adds ``example``, the example of
#: hypothesis' ``@given`` a gate was checked on.
RECORD_SCHEMA = 3


def _num(value: Any) -> float | None:
    """Return a JSON number or None (NaN and infinities are None)."""
    if value is None or isinstance(value, bool):
        return None
    out = float(value)
    return None if math.isnan(out) or math.isinf(out) else out


def _pair(value: Any) -> tuple[float | None, float | None] | None:
    if value is None:
        return None
    low, high = value
    return _num(low), _num(high)


def _list(value: tuple[Any, ...] | None) -> list[Any] | None:
    return None if value is None else list(value)


@dataclass(frozen=True)
class GroupSide:
    """One group of a disparity's worst pair, or a group left out for size.

    Attributes
    ----------
    group : tuple
        The group's levels (JSON values).
    label : str
        The levels as shown (``"female, black"``).
    count : int
        Rows of the group.
    rate : float or None
        The rate compared (None for a group left out, or undefined).
    denominator : int or None
        Rows the rate rests on, for rates of part of a group (TPR: the
        positives).
    """

    group: tuple[Any, ...]
    label: str
    count: int
    rate: float | None = None
    denominator: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form.

        Returns
        -------
        dict
            ``group``, ``label``, ``count``, and ``rate`` and
            ``denominator`` for a side of a pair.
        """
        out: dict[str, Any] = {
            "group": list(self.group),
            "label": self.label,
            "count": self.count,
        }
        if self.rate is not None or self.denominator is not None:
            out["rate"] = self.rate
            out["denominator"] = self.denominator
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GroupSide:
        """Read the JSON form.

        Parameters
        ----------
        data : mapping
            As written by :meth:`to_dict`.

        Returns
        -------
        GroupSide
            The side.
        """
        return cls(
            group=tuple(data.get("group") or ()),
            label=str(data["label"]),
            count=int(data["count"]),
            rate=_num(data.get("rate")),
            denominator=data.get("denominator"),
        )


#: The fields of a bound's comparison with its baseline, as the JSON form of a
#: bound carries them (flat, beside the bound's own fields).
COMPARISON_FIELDS = (
    "baseline",
    "change",
    "change_interval",
    "worsening",
    "worsening_low",
    "tolerance",
    "margin",
    "resolution",
    "noise",
    "detectable",
    "level",
    "method",
    "reason",
)


@dataclass(frozen=True)
class BaselineComparison:
    """A bound's value judged against its baseline.

    Attributes
    ----------
    status : str
        ``new``, ``unchanged``, ``improved``, ``within_noise``,
        ``within_tolerance``, ``regressed``, ``undefined``,
        ``definition_changed`` or ``not_compared``.
    baseline : float or None
        The stored value.
    change : float or None
        ``value - baseline``.
    change_interval : tuple of float or None
        One-sided bounds of the change, in the metric's own direction.
    worsening, worsening_low : float or None
        How much worse than the baseline (positive is worse), and its lower
        confidence bound.
    tolerance, margin, resolution : float or None
        The tolerance asked for; the margin a worsening must pass
        (``max(tolerance, resolution)``); what one decision moves the value
        by.
    noise : float or None
        Half the width of the change's bounds.
    detectable : float or None
        The smallest worsening the comparison catches four times in five.
    level : float or None
        Confidence level of the one-sided bounds.
    method : str or None
        ``paired``, ``two-sample``, ``fixed`` or ``none``.
    reason : str or None
        Why the bound was not compared.
    """

    status: str
    baseline: float | None = None
    change: float | None = None
    change_interval: tuple[float | None, float | None] | None = None
    worsening: float | None = None
    worsening_low: float | None = None
    tolerance: float | None = None
    margin: float | None = None
    resolution: float | None = None
    noise: float | None = None
    detectable: float | None = None
    level: float | None = None
    method: str | None = None
    reason: str | None = None

    @classmethod
    def from_core(cls, data: Mapping[str, Any]) -> BaselineComparison:
        """Take a comparison of the core (``Comparison.to_dict()``).

        Parameters
        ----------
        data : mapping
            The comparison's dict.

        Returns
        -------
        BaselineComparison
            Its fields.
        """
        return cls.from_dict(data)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form (flat fields, see :data:`COMPARISON_FIELDS`).

        Returns
        -------
        dict
            ``status`` and every comparison field.
        """
        out: dict[str, Any] = {"status": self.status}
        for name in COMPARISON_FIELDS:
            value = getattr(self, name)
            out[name] = list(value) if isinstance(value, tuple) else value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BaselineComparison:
        """Read the JSON form.

        Parameters
        ----------
        data : mapping
            A bound's JSON form, or a comparison's.

        Returns
        -------
        BaselineComparison
            The comparison.
        """
        reason = data.get("reason")
        return cls(
            status=str(data["status"]),
            baseline=_num(data.get("baseline")),
            change=_num(data.get("change")),
            change_interval=_pair(data.get("change_interval")),
            worsening=_num(data.get("worsening")),
            worsening_low=_num(data.get("worsening_low")),
            tolerance=_num(data.get("tolerance")),
            margin=_num(data.get("margin")),
            resolution=_num(data.get("resolution")),
            noise=_num(data.get("noise")),
            detectable=_num(data.get("detectable")),
            level=_num(data.get("level")),
            method=data.get("method"),
            reason=None if reason in (None, "") else str(reason),
        )


@dataclass(frozen=True)
class BoundRow:
    """One bound of a gate: its value, interval, verdict and baseline comparison.

    Attributes
    ----------
    metric : str
        The bounded disparity or causal metric.
    op : str or None
        The bound's comparison (``<=``, ``>=`` ...); None for a row that is
        not a numeric bound (a monitoring alert kind).
    limit : float or None
        The bound's limit, None with ``op``.
    bound : str
        The bound as shown (``<= 0.1``).
    value : float or None
        The value (None when undefined).
    verdict : str
        The bound's own verdict: passed, failed or inconclusive.
    outcome : str
        What it did to the test: passed, failed, regressed, missing
        (no baseline under CI), changed (definition changed under CI) or
        inconclusive.
    interval : tuple of float or None
        The value's confidence interval.
    interval_level : float or None
        Its level (after correction for several bounds).
    comparison : BaselineComparison or None
        The comparison with the baseline, when baselines are on.
    rate_metric : str or None
        The per-group rate the disparity compares.
    attribute : str or None
        The sensitive column, for a disparity taken per column.
    reference : tuple or None
        The reference group, when groups are compared with one.
    low, high : GroupSide or None
        The worst pair of groups.
    why_undefined : str or None
        Why the disparity has no value.
    detail : str or None
        What a causal metric rests on (``50 of 100 rows flip``).
    settle : str or None
        How much more data would settle an inconclusive bound.
    excluded : tuple of (str, str)
        Groups left out, with the reason.
    lost_levels : tuple of str
        Levels of a column that no eligible group holds.
    """

    metric: str
    op: str | None
    limit: float | None
    bound: str
    value: float | None
    verdict: str
    outcome: str
    interval: tuple[float | None, float | None] | None = None
    interval_level: float | None = None
    comparison: BaselineComparison | None = None
    rate_metric: str | None = None
    attribute: str | None = None
    reference: tuple[Any, ...] | None = None
    low: GroupSide | None = None
    high: GroupSide | None = None
    why_undefined: str | None = None
    detail: str | None = None
    settle: str | None = None
    excluded: tuple[tuple[str, str], ...] = ()
    lost_levels: tuple[str, ...] = ()

    # -- the comparison's fields, None without one -------------------------------
    @property
    def status(self) -> str | None:
        """The comparison's status, or None without a baseline."""
        return None if self.comparison is None else self.comparison.status

    @property
    def baseline(self) -> float | None:
        """The baseline's value, or None."""
        return None if self.comparison is None else self.comparison.baseline

    @property
    def change(self) -> float | None:
        """``value - baseline``, or None."""
        return None if self.comparison is None else self.comparison.change

    @property
    def pair(self) -> tuple[GroupSide, GroupSide] | None:
        """The worst pair ``(low, high)``, or None when there is none."""
        if self.low is None or self.high is None:
            return None
        return self.low, self.high

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form: the bound's fields and its comparison's, flat.

        Returns
        -------
        dict
            Every field; ``status`` and the comparison fields are None
            without a baseline.
        """
        out: dict[str, Any] = {
            "metric": self.metric,
            "op": self.op,
            "limit": self.limit,
            "bound": self.bound,
            "value": self.value,
            "verdict": self.verdict,
            "outcome": self.outcome,
            "interval": _list(self.interval),
            "interval_level": self.interval_level,
            "rate_metric": self.rate_metric,
            "attribute": self.attribute,
            "reference": _list(self.reference),
            "low": None if self.low is None else self.low.to_dict(),
            "high": None if self.high is None else self.high.to_dict(),
            "why_undefined": self.why_undefined,
            "detail": self.detail,
            "settle": self.settle,
            "excluded": [list(e) for e in self.excluded],
            "lost_levels": list(self.lost_levels),
        }
        if self.comparison is None:
            out["status"] = None
            out.update(dict.fromkeys(COMPARISON_FIELDS))
        else:
            out.update(self.comparison.to_dict())
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BoundRow:
        """Read the JSON form.

        Parameters
        ----------
        data : mapping
            As written by :meth:`to_dict`.

        Returns
        -------
        BoundRow
            The row.
        """
        low, high, ref = data.get("low"), data.get("high"), data.get("reference")
        return cls(
            metric=str(data["metric"]),
            op=None if data.get("op") is None else str(data["op"]),
            limit=_num(data.get("limit")),
            bound=str(data["bound"]),
            value=_num(data.get("value")),
            verdict=str(data["verdict"]),
            outcome=str(data["outcome"]),
            interval=_pair(data.get("interval")),
            interval_level=_num(data.get("interval_level")),
            comparison=None
            if data.get("status") is None
            else BaselineComparison.from_dict(data),
            rate_metric=data.get("rate_metric"),
            attribute=data.get("attribute"),
            reference=None if ref is None else tuple(ref),
            low=None if low is None else GroupSide.from_dict(low),
            high=None if high is None else GroupSide.from_dict(high),
            why_undefined=data.get("why_undefined"),
            detail=data.get("detail") or None,
            settle=data.get("settle"),
            excluded=tuple((str(a), str(b)) for a, b in data.get("excluded") or ()),
            lost_levels=tuple(str(x) for x in data.get("lost_levels") or ()),
        )


@dataclass(frozen=True)
class GroupRow:
    """One group of a per-group table: its size and the rates compared.

    Attributes
    ----------
    group : tuple
        The group's levels.
    label : str
        The levels as shown.
    count : int
        Rows of the group.
    small : bool
        Under ``min_group_size``: shown, left out of disparities.
    values : dict
        Metric to the group's rate (None when undefined).
    denominators : dict
        For rates of part of a group, metric to the rows the rate rests on.
    intervals : dict
        Metric to the rate's Wilson interval ``(low, high)`` at the table's
        ``level``.
    """

    group: tuple[Any, ...]
    label: str
    count: int
    small: bool
    values: Mapping[str, float | None]
    denominators: Mapping[str, int] = field(default_factory=dict)
    intervals: Mapping[str, tuple[float | None, float | None]] = field(
        default_factory=dict
    )

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form.

        Returns
        -------
        dict
            Every field.
        """
        return {
            "group": list(self.group),
            "label": self.label,
            "count": self.count,
            "small": self.small,
            "values": dict(self.values),
            "denominators": dict(self.denominators),
            "intervals": {m: list(v) for m, v in self.intervals.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GroupRow:
        """Read the JSON form.

        Parameters
        ----------
        data : mapping
            As written by :meth:`to_dict`.

        Returns
        -------
        GroupRow
            The row.
        """
        intervals = data.get("intervals") or {}
        return cls(
            group=tuple(data.get("group") or ()),
            label=str(data["label"]),
            count=int(data["count"]),
            small=bool(data.get("small")),
            values={str(m): _num(v) for m, v in (data.get("values") or {}).items()},
            denominators={
                str(m): int(v) for m, v in (data.get("denominators") or {}).items()
            },
            intervals={str(m): _pair(v) or (None, None) for m, v in intervals.items()},
        )


@dataclass(frozen=True)
class GroupTable:
    """The groups a gate compared, with the rates its bounds rest on.

    Attributes
    ----------
    attributes : tuple of str
        The sensitive columns of the groups.
    metrics : tuple of str
        The rates shown.
    rows : tuple of GroupRow
        One row per group.
    min_denominator : int or None
        Fewest rows a partial rate's denominator needs.
    level : float
        Level of the rows' intervals.
    """

    attributes: tuple[str, ...]
    metrics: tuple[str, ...]
    rows: tuple[GroupRow, ...]
    min_denominator: int | None = None
    level: float = 0.95

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form.

        Returns
        -------
        dict
            Every field.
        """
        return {
            "attributes": list(self.attributes),
            "metrics": list(self.metrics),
            "min_denominator": self.min_denominator,
            "level": self.level,
            "rows": [r.to_dict() for r in self.rows],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GroupTable:
        """Read the JSON form.

        Parameters
        ----------
        data : mapping
            As written by :meth:`to_dict`.

        Returns
        -------
        GroupTable
            The table.
        """
        return cls(
            attributes=tuple(str(a) for a in data["attributes"]),
            metrics=tuple(str(m) for m in data["metrics"]),
            rows=tuple(GroupRow.from_dict(r) for r in data["rows"]),
            min_denominator=data.get("min_denominator"),
            level=float(data.get("level") or 0.95),
        )


@dataclass(frozen=True)
class BaselineInfo:
    """What a gate's record says of its baseline.

    Attributes
    ----------
    enabled : bool
        Baselines are on for the gate.
    file : str or None
        The baseline file (absolute while the run lasts; as displayed in a
        saved report).
    display : str or None
        The file as shown (relative to the rootdir when inside it).
    status : str or None
        ``updated``, ``recorded``, ``not recorded``, ``missing``,
        ``changed`` or ``compared``.
    missing, changed : tuple of str
        Metrics without a baseline, and metrics defined otherwise.
    write : bool
        The session end writes ``entry`` into the file.
    entry : dict
        What to write (the whole entry, or the metrics to add).
    warnings : tuple of str
        Notices the test issued (a baseline recorded, a definition changed).
    method : str or None
        How the noise of the comparison was measured.
    """

    enabled: bool = False
    file: str | None = None
    display: str | None = None
    status: str | None = None
    missing: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    write: bool = False
    entry: Mapping[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    method: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form.

        Returns
        -------
        dict
            ``{"enabled": False}`` when baselines are off, else every field.
        """
        if not self.enabled:
            return {"enabled": False}
        out: dict[str, Any] = {
            "enabled": True,
            "file": self.file,
            "display": self.display,
            "status": self.status,
            "missing": list(self.missing),
            "changed": list(self.changed),
            "write": self.write,
            "entry": dict(self.entry),
            "warnings": list(self.warnings),
        }
        if self.method is not None:
            out["method"] = self.method
        return out

    def public(self) -> BaselineInfo:
        """Return the info a saved report keeps: no entry, the file as displayed.

        Returns
        -------
        BaselineInfo
            A copy without what only the session end needs.
        """
        if not self.enabled:
            return self
        return replace(self, file=self.display, write=False, entry={})

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BaselineInfo:
        """Read the JSON form.

        Parameters
        ----------
        data : mapping
            As written by :meth:`to_dict`.

        Returns
        -------
        BaselineInfo
            The info.
        """
        if not data.get("enabled"):
            return cls()
        return cls(
            enabled=True,
            file=data.get("file"),
            display=data.get("display", data.get("file")),
            status=data.get("status"),
            missing=tuple(data.get("missing") or ()),
            changed=tuple(data.get("changed") or ()),
            write=bool(data.get("write")),
            entry=dict(data.get("entry") or {}),
            warnings=tuple(data.get("warnings") or ()),
            method=data.get("method"),
        )


def _notes(value: Any) -> tuple[str, ...]:
    return tuple(str(n) for n in value or ())


@dataclass(frozen=True)
class WorstExample:
    """The example of ``@given`` that went furthest past one bound.

    Attributes
    ----------
    metric : str
        The bounded metric.
    bound : str
        The bound as shown (``<= 0.1``).
    value : float or None
        The metric's value in that example.
    example : int
        Its number (1 for the first example that checked the gate).
    notes : tuple of str
        The composition tables the strategies noted for it.
    """

    metric: str
    bound: str
    value: float | None
    example: int
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form.

        Returns
        -------
        dict
            Every field.
        """
        return {
            "metric": self.metric,
            "bound": self.bound,
            "value": self.value,
            "example": self.example,
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WorstExample:
        """Read the JSON form.

        Parameters
        ----------
        data : mapping
            As written by :meth:`to_dict`.

        Returns
        -------
        WorstExample
            The example.
        """
        return cls(
            metric=str(data["metric"]),
            bound=str(data["bound"]),
            value=_num(data.get("value")),
            example=int(data["example"]),
            notes=_notes(data.get("notes")),
        )


@dataclass(frozen=True)
class ExampleInfo:
    """The example of hypothesis' ``@given`` a gate was checked on.

    Under ``@given`` each example's check is judged and the gate of the
    final example is recorded: hypothesis' minimal failing example (which it
    replays last), or else the last example that checked.

    Attributes
    ----------
    number : int
        How many examples checked the gate (this one included).
    final : bool
        This is hypothesis' final replay (the falsifying example, or an
        explicit ``@example``).
    notes : tuple of str
        The composition tables the strategies noted for this example.
    worst : tuple of WorstExample
        For each bound that another example took further past its limit,
        that example.
    """

    number: int
    final: bool
    notes: tuple[str, ...] = ()
    worst: tuple[WorstExample, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form.

        Returns
        -------
        dict
            ``final``, ``number``, ``notes`` and ``worst``.
        """
        return {
            "final": self.final,
            "number": self.number,
            "notes": list(self.notes),
            "worst": [w.to_dict() for w in self.worst],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ExampleInfo:
        """Read the JSON form.

        Parameters
        ----------
        data : mapping
            As written by :meth:`to_dict`.

        Returns
        -------
        ExampleInfo
            The example.
        """
        return cls(
            number=int(data["number"]),
            final=bool(data.get("final")),
            notes=_notes(data.get("notes")),
            worst=tuple(WorstExample.from_dict(w) for w in data.get("worst") or ()),
        )


_GATE_DEFAULTS: dict[str, Any] = {
    "kind": "disparity",
    "subject": None,
    "use_intervals": None,
    "attributes": (),
    "n_groups": 0,
    "n_rows": None,
    "min_group_size": None,
    "min_denominator": None,
    "intersectional": None,
    "reference": None,
    "confidence": None,
    "correction": "none",
    "small_groups": (),
    "groups": (),
    "update_command": "",
    "expected": False,
    "test_outcome": None,
    "example": None,
}


@dataclass(frozen=True)
class GateRecord:
    """One fairness check of a test: settings, verdicts, groups and baseline.

    Attributes
    ----------
    nodeid : str
        The test.
    module, test : str
        The test id split at the first ``::``.
    name : str or None
        The check's ``name=``, when a test runs several.
    key : str
        ``test`` or ``test::name``: the key of the baseline entry.
    verdict : str
        ``passed``, ``failed`` or ``inconclusive``.
    on_inconclusive : str
        What an inconclusive bound does.
    bounds : tuple of BoundRow
        One row per bound.
    baseline : BaselineInfo
        The baseline's file and status.
    kind : str
        ``disparity`` (``fairness.check``) or ``causal``
        (``fairness.check_causal``); later versions may add kinds.
    subject : str or None
        What a causal result measured.
    use_intervals : bool or None
        A causal gate decided on intervals.
    attributes : tuple of str
        The sensitive columns.
    n_groups, n_rows : int
        Groups compared and rows audited.
    min_group_size, min_denominator : int or None
        Group-size limits.
    intersectional : bool or None
        Groups are intersections of the columns.
    reference : object
        The reference group, or None.
    confidence : float or None
        Interval level, when intervals decide.
    correction : str
        Correction for several bounds (``holm``, ``bonferroni``, ``none``).
    small_groups : tuple of GroupSide
        Groups under ``min_group_size``.
    groups : tuple of GroupTable
        The per-group tables.
    update_command : str
        The command that records this test's baseline.
    expected : bool
        The gate failed and its test expected that (caught the failure, or
        is marked xfail).
    test_outcome : str or None
        The test's outcome.
    example : ExampleInfo or None
        For a gate checked under hypothesis' ``@given``, the example it was
        checked on; None outside ``@given``.
    extra : dict
        Fields this version does not know (kept as read, written back).
    """

    nodeid: str
    module: str
    test: str
    name: str | None
    key: str
    verdict: str
    on_inconclusive: str
    bounds: tuple[BoundRow, ...]
    baseline: BaselineInfo = field(default_factory=BaselineInfo)
    kind: str = "disparity"
    subject: str | None = None
    use_intervals: bool | None = None
    attributes: tuple[str, ...] = ()
    n_groups: int = 0
    n_rows: int | None = None
    min_group_size: int | None = None
    min_denominator: int | None = None
    intersectional: bool | None = None
    reference: Any = None
    confidence: float | None = None
    correction: str = "none"
    small_groups: tuple[GroupSide, ...] = ()
    groups: tuple[GroupTable, ...] = ()
    update_command: str = ""
    expected: bool = False
    test_outcome: str | None = None
    example: ExampleInfo | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def causal(self) -> bool:
        """True for a gate on a causal result."""
        return self.kind == "causal"

    @property
    def label(self) -> str:
        """How the gate is named in tables: the test id, and its check name."""
        return self.nodeid + (f" (name={self.name})" if self.name else "")

    @property
    def sort_key(self) -> tuple[str, str]:
        """Display order: test id, then check name."""
        return self.nodeid, self.name or ""

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form.

        Returns
        -------
        dict
            Every field (``extra`` merged in), with sequences as lists;
        ``example`` only for a gate checked under ``@given``.
        """
        out: dict[str, Any] = dict(self.extra)
        out.update(
            {
                "kind": self.kind,
                "nodeid": self.nodeid,
                "module": self.module,
                "test": self.test,
                "name": self.name,
                "key": self.key,
                "verdict": self.verdict,
                "on_inconclusive": self.on_inconclusive,
                "bounds": [b.to_dict() for b in self.bounds],
                "baseline": self.baseline.to_dict(),
                "subject": self.subject,
                "use_intervals": self.use_intervals,
                "attributes": list(self.attributes),
                "n_groups": self.n_groups,
                "n_rows": self.n_rows,
                "min_group_size": self.min_group_size,
                "min_denominator": self.min_denominator,
                "intersectional": self.intersectional,
                "reference": self.reference,
                "confidence": self.confidence,
                "correction": self.correction,
                "small_groups": [g.to_dict() for g in self.small_groups],
                "groups": [t.to_dict() for t in self.groups],
                "update_command": self.update_command,
                "expected": self.expected,
                "test_outcome": self.test_outcome,
            }
        )
        if self.example is not None:
            out["example"] = self.example.to_dict()
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GateRecord:
        """Read the JSON form (of this schema or the first).

        Parameters
        ----------
        data : mapping
            As written by :meth:`to_dict`.

        Returns
        -------
        GateRecord
            The record; keys it does not know are kept in ``extra``.
        """
        known = {f.name for f in fields(cls)}
        values = {**_GATE_DEFAULTS, **{k: v for k, v in data.items() if k in known}}
        values.pop("extra", None)
        return cls(
            nodeid=str(values["nodeid"]),
            module=str(values["module"]),
            test=str(values["test"]),
            name=values.get("name"),
            key=str(values["key"]),
            verdict=str(values["verdict"]),
            on_inconclusive=str(values["on_inconclusive"]),
            bounds=tuple(BoundRow.from_dict(b) for b in values["bounds"]),
            baseline=BaselineInfo.from_dict(values.get("baseline") or {}),
            kind=str(values["kind"] or "disparity"),
            subject=values["subject"],
            use_intervals=values["use_intervals"],
            attributes=tuple(str(a) for a in values["attributes"] or ()),
            n_groups=int(values["n_groups"] or 0),
            n_rows=values["n_rows"],
            min_group_size=values["min_group_size"],
            min_denominator=values["min_denominator"],
            intersectional=values["intersectional"],
            reference=values["reference"],
            confidence=_num(values["confidence"]),
            correction=str(values["correction"] or "none"),
            small_groups=tuple(
                GroupSide.from_dict(g) for g in values["small_groups"] or ()
            ),
            groups=tuple(GroupTable.from_dict(t) for t in values["groups"] or ()),
            update_command=str(values["update_command"] or ""),
            expected=bool(values["expected"]),
            test_outcome=values["test_outcome"],
            example=None
            if values["example"] is None
            else ExampleInfo.from_dict(values["example"]),
            extra={k: v for k, v in data.items() if k not in known},
        )

    def public(self) -> GateRecord:
        """Return the record a saved report keeps (see :meth:`BaselineInfo.public`).

        Returns
        -------
        GateRecord
            A copy without the baseline entry to write.
        """
        return replace(self, baseline=self.baseline.public())


def sort_records(records: Sequence[GateRecord]) -> list[GateRecord]:
    """Return gate records in display order (test id, then check name).

    Parameters
    ----------
    records : sequence of GateRecord
        The records.

    Returns
    -------
    list of GateRecord
        Sorted.
    """
    return sorted(records, key=lambda r: r.sort_key)
