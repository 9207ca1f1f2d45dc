"""Gate records from the core's results: groups, bounds and their worst pairs.

Turns a :class:`~pytest_fairness.report.FairnessReport` and the verdicts of
its bounds into the plain values of :mod:`pytest_fairness.records`, with
each group's Wilson interval. Used by the plugin, which computes nothing
itself.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pytest_fairness.baseline import canonical
from pytest_fairness.records import GroupRow, GroupSide, GroupTable

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pytest_fairness.gates import BoundResult
    from pytest_fairness.metrics import GroupValue
    from pytest_fairness.report._report import FairnessReport

__all__ = ["bound_details", "group_label", "group_side", "group_tables"]


def _group(group: tuple[Any, ...]) -> tuple[Any, ...]:
    from pytest_fairness._labels import encode_group  # noqa: PLC0415

    return tuple(encode_group(group))


def group_label(group: tuple[Any, ...]) -> str:
    """Return a group's levels as shown: ``"female, black"`` (``(all)`` for none).

    Parameters
    ----------
    group : tuple
        The levels.

    Returns
    -------
    str
        The label.
    """
    return ", ".join(str(v) for v in group) if group else "(all)"


def group_side(g: GroupValue | None, *, with_rate: bool = True) -> GroupSide | None:
    """Return a group of a worst pair (or a small group) as a record.

    Parameters
    ----------
    g : GroupValue or None
        The core's group value.
    with_rate : bool, default=True
        Keep its rate and denominator (a small group has neither).

    Returns
    -------
    GroupSide or None
        The record.
    """
    if g is None:
        return None
    if not with_rate:
        return GroupSide(
            group=_group(g.group), label=group_label(g.group), count=g.count
        )
    return GroupSide(
        group=_group(g.group),
        label=group_label(g.group),
        count=g.count,
        rate=canonical(g.value),
        denominator=g.denominator,
    )


def bound_details(r: BoundResult) -> dict[str, Any]:
    """Return the fields of a disparity's bound row beyond its verdict.

    Parameters
    ----------
    r : BoundResult
        One bound's result.

    Returns
    -------
    dict
        ``rate_metric``, ``attribute``, ``reference``, ``low``, ``high``,
        ``why_undefined``, ``interval_level``, ``settle``, ``excluded`` and
        ``lost_levels`` (keywords of :class:`~pytest_fairness.records.BoundRow`).
    """
    d = r.disparity
    return {
        "rate_metric": d.metric,
        "attribute": d.attribute,
        "reference": None if d.reference is None else _group(d.reference),
        "low": group_side(d.low),
        "high": group_side(d.high),
        "why_undefined": d.reason,
        "interval_level": r.level,
        "settle": r.settle,
        "excluded": tuple((group_label(g), why) for g, why in d.excluded),
        "lost_levels": tuple(str(x) for x in d.lost_levels),
    }


def group_tables(
    report: FairnessReport, metrics: Sequence[str]
) -> tuple[GroupTable, ...]:
    """Return the per-group tables a gate's bounds rest on.

    One table over the intersections (or the only column), else one per
    column. Each row holds the group's size, its rate of every metric, the
    rows a partial rate rests on, and the rate's Wilson interval at the
    report's ``confidence`` (0.95 without one).

    Parameters
    ----------
    report : FairnessReport
        The audit.
    metrics : sequence of str
        The rates the bounds compare.

    Returns
    -------
    tuple of GroupTable
        The tables.
    """
    from pytest_fairness.metrics import is_partial_rate  # noqa: PLC0415
    from pytest_fairness.metrics._registry import METRICS  # noqa: PLC0415

    level = float(report.confidence or 0.95)
    partial = [m for m in metrics if is_partial_rate(m)]
    out = []
    # the tables disparities are taken over (private: the report's own choice)
    for attribute, t in report._tables(None):
        values = {m: report.values(m, attribute=attribute) for m in metrics}
        dens = {m: report.denominators(m, attribute=attribute) for m in partial}
        intervals: dict[str, list[tuple[float | None, float | None]]] = {}
        for m in metrics:
            if METRICS[m].kind == "binary" and t.counts.cell_rows is not None:
                low, high = report._wilson(t, m, level)
                intervals[m] = [
                    (canonical(float(a)), canonical(float(b)))
                    for a, b in zip(low, high, strict=True)
                ]
        rows = []
        for i, g in enumerate(t.groups):
            n = int(t.counts.rows[i])
            rows.append(
                GroupRow(
                    group=_group(g),
                    label=group_label(g),
                    count=n,
                    small=n < report.min_group_size,
                    values={m: canonical(values[m][g]) for m in metrics},
                    denominators={m: dens[m][g] for m in partial},
                    intervals={m: iv[i] for m, iv in intervals.items()},
                )
            )
        names = report.attributes if attribute is None else (attribute,)
        out.append(
            GroupTable(
                attributes=tuple(names),
                metrics=tuple(metrics),
                rows=tuple(rows),
                min_denominator=report.min_denominator,
                level=level,
            )
        )
    return tuple(out)
