"""Evaluate bounds on a report into a GateResult and render its verdict table.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

from pytest_fairness._escape import terminal
from pytest_fairness.exceptions import FairnessGateFailure
from pytest_fairness.gates._bounds import Bound, BoundsLike, parse_bounds

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pytest_fairness.metrics._disparity import Disparity, GroupValue

__all__ = [
    "BoundResult",
    "GateResult",
    "Verdict",
    "evaluate",
    "format_group",
    "format_near",
    "format_side",
    "format_value",
    "left_out_lines",
]

Verdict = Literal["passed", "failed", "inconclusive"]


class _Report(Protocol):
    @property
    def attributes(self) -> tuple[str, ...]: ...

    @property
    def min_group_size(self) -> int: ...

    def disparity(self, name: str) -> Disparity: ...

    def small_groups(self) -> list[GroupValue]: ...

    @property
    def confidence(self) -> float | None: ...

    @property
    def correction(self) -> str: ...

    def interval(
        self, name: str, *, attribute: str | None = None, level: float | None = None
    ) -> tuple[float, float]: ...

    @property
    def n_groups(self) -> int: ...


def format_group(group: Sequence[Any]) -> str:
    """Render a group's levels as ``"female, black"``.

    Parameters
    ----------
    group : sequence
        The group's levels.

    Returns
    -------
    str
        The levels joined by commas (``"(all)"`` for the empty group).
    """
    return ", ".join(str(v) for v in group) if len(group) else "(all)"


def format_value(value: float | None, digits: int = 3) -> str:
    """Render a rate or disparity with fixed decimals, never as ``-0.000``.

    Parameters
    ----------
    value : float or None
        The value (None or NaN when undefined).
    digits : int, default=3
        Decimals shown.

    Returns
    -------
    str
        ``"0.250"``; ``"nan"`` when undefined; a value that rounds to zero
        is shown as zero, without a sign.
    """
    if value is None or math.isnan(value):
        return "nan"
    text = f"{value:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def _fmt(value: float) -> str:
    return format_value(value)


def format_near(value: float | None, limit: float) -> str:
    """Render a value with the decimals that tell it from a bound's limit.

    Parameters
    ----------
    value : float or None
        The value (None or NaN when undefined).
    limit : float
        The bound's limit.

    Returns
    -------
    str
        Three decimals, or up to nine when the value and the limit print
        alike with fewer (``0.2005`` beside a limit of ``0.2``, not
        ``0.200``); a value equal to its limit keeps three.
    """
    if value is None or math.isnan(value) or math.isnan(limit):
        return format_value(value)
    digits = 3
    if format_value(value, 12) != format_value(limit, 12):
        while digits < 9 and format_value(value, digits) == format_value(limit, digits):
            digits += 1
    return format_value(value, digits)


def _fmt_interval(interval: tuple[float, float] | None) -> str:
    if interval is None or any(math.isnan(v) for v in interval):
        return ""
    return f" [{format_value(interval[0])}, {format_value(interval[1])}]"


def format_side(
    label: str,
    value: float | None,
    count: int,
    denominator: int | None,
    metric: str | None,
) -> str:
    """Render one group of a worst pair with the rows its rate rests on.

    Parameters
    ----------
    label : str
        The group, as ``format_group`` renders it.
    value : float or None
        Its rate (None or NaN when undefined).
    count : int
        Its rows.
    denominator : int or None
        Rows in the rate's denominator, when the rate is a share of part of
        the group (actual positives for TPR, ...).
    metric : str or None
        The rate.

    Returns
    -------
    str
        ``female 0.450 (n=40)``, or ``female 0.500 (2 positives, n=262)``
        when the rate rests on fewer rows than the group holds.
    """
    from pytest_fairness.metrics._registry import (  # noqa: PLC0415 - cheap, core
        METRICS,
        denominator_noun,
        is_partial_rate,
    )

    shown = format_value(value)
    if (
        denominator is not None
        and metric is not None
        and metric in METRICS
        and is_partial_rate(metric)
    ):
        return (
            f"{label} {shown} ({denominator:,} {denominator_noun(metric)}, n={count:,})"
        )
    return f"{label} {shown} (n={count:,})"


def _pair(d: Disparity) -> str:
    if d.low is None or d.high is None:
        return d.reason or "-"

    def one(g: GroupValue) -> str:
        return format_side(
            format_group(g.group), g.value, g.count, g.denominator, d.metric
        )

    where = f"[{d.attribute}] " if d.attribute else ""
    ref = "ref " if d.reference is not None else ""
    return f"{where}{d.metric}: {ref}{one(d.low)} vs {one(d.high)}"


def left_out_lines(
    excluded: Sequence[tuple[str, str]],
    lost: Sequence[str],
    *,
    limit: int = 10,
) -> list[str]:
    """Render the groups and levels a gate's disparities left out, with reasons.

    Parameters
    ----------
    excluded : sequence of (str, str)
        Group label and reason, for groups left out for their size, an
        undefined rate, or too few rows in a rate's denominator.
    lost : sequence of str
        Levels of a sensitive column that no compared group carries.
    limit : int, default=10
        Groups shown per reason before "and N more".

    Returns
    -------
    list of str
        One line per kind of reason, then one per lost level.
    """
    by_reason: dict[str, list[str]] = {}
    for label, reason in dict.fromkeys(excluded):
        key = "size" if reason.startswith("n=") else reason.split()[0]
        by_reason.setdefault(key, []).append(f"{label} ({reason})")
    out = []
    for key, items in by_reason.items():
        more = len(items) - limit
        head = "left out for size" if key == "size" else f"left out of {key}"
        out.append(
            f"{head}: {'; '.join(items[:limit])}"
            + (f" and {more} more" if more > 0 else "")
        )
    out += [f"not compared: {line}" for line in dict.fromkeys(lost)]
    return out


@dataclass(frozen=True, slots=True)
class BoundResult:
    """The verdict on one bound.

    Attributes
    ----------
    bound : Bound
        The bound evaluated.
    value : float
        The disparity's value.
    verdict : {"passed", "failed", "inconclusive"}
        Inconclusive when the value could not be computed (NaN), for instance
        when fewer than two groups are large enough; when the comparison lost
        every group of some level of a sensitive column (``lost_levels`` of
        the disparity) and the rest passes; or, with a confidence level, when
        the interval straddles the bound.
    disparity : Disparity
        The disparity with the pair of groups behind it.
    interval : tuple of float or None
        The interval that decided the verdict (at ``level``).
    level : float or None
        Its confidence level, after the multiple-comparison correction.
    settle : str
        For an inconclusive bound, how much more data would settle it.
    """

    bound: Bound
    value: float
    verdict: Verdict
    disparity: Disparity
    interval: tuple[float, float] | None = None
    level: float | None = None
    settle: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-friendly dict.

        Returns
        -------
        dict
            The fields as JSON types (NaN values as None).
        """
        return {
            **self.bound.to_dict(),
            "value": None if math.isnan(self.value) else self.value,
            "verdict": self.verdict,
            "disparity": self.disparity.to_dict(),
            "interval": None
            if self.interval is None
            else [None if math.isnan(v) else v for v in self.interval],
            "level": self.level,
            "settle": self.settle,
        }


@dataclass(frozen=True, slots=True)
class GateResult:
    """The verdicts on a set of bounds, renderable as a table.

    ``bool(result)`` is True when every bound passed.

    Attributes
    ----------
    results : tuple of BoundResult
        One verdict per bound, in the order given.
    attributes : tuple of str
        The sensitive columns defining the groups.
    n_groups : int
        Number of groups in the report.
    min_group_size : int
        Groups smaller than this were left out.
    small_groups : tuple of GroupValue
        The groups left out for their size (``value`` holds their count).
    confidence : float or None
        The audit's confidence level; None for point-estimate verdicts.
    correction : {"holm", "bonferroni", "none"}
        The multiple-comparison correction over the bounds (the family).
    """

    results: tuple[BoundResult, ...]
    attributes: tuple[str, ...]
    n_groups: int
    min_group_size: int
    small_groups: tuple[GroupValue, ...] = ()
    confidence: float | None = None
    correction: str = "none"

    @property
    def family_size(self) -> int:
        """Number of bounds corrected for together."""
        return len(self.results)

    @property
    def passed(self) -> bool:
        """True when every bound passed."""
        return all(r.verdict == "passed" for r in self.results)

    @property
    def failed(self) -> tuple[BoundResult, ...]:
        """The bounds that failed."""
        return tuple(r for r in self.results if r.verdict == "failed")

    @property
    def inconclusive(self) -> tuple[BoundResult, ...]:
        """The bounds that could not be decided."""
        return tuple(r for r in self.results if r.verdict == "inconclusive")

    @property
    def verdict(self) -> Verdict:
        """Return ``failed``, else ``inconclusive``, else ``passed``."""
        if self.failed:
            return "failed"
        return "inconclusive" if self.inconclusive else "passed"

    def __bool__(self) -> bool:
        return self.passed

    def lines(self) -> list[str]:
        """Render the verdict table as lines of plain text.

        Returns
        -------
        list of str
            A headline, the groups compared, a table of every bound (metric,
            bound, value, verdict, worst pair of groups with their values and
            counts) and the groups left out for size.
        """
        from tabulate import tabulate  # noqa: PLC0415 - loaded on first use

        n_failed, n_inconclusive = len(self.failed), len(self.inconclusive)
        n = len(self.results)
        if self.passed:
            head = f"fairness gate passed: {n} bound(s) hold"
        elif n_failed:
            parts = [f"{n_failed} of {n} bound(s) failed"]
            if n_inconclusive:
                parts.append(f"{n_inconclusive} inconclusive")
            head = "fairness gate failed: " + ", ".join(parts)
        else:
            head = f"fairness gate inconclusive: {n_inconclusive} of {n} bound(s)"
        rows = [
            [
                r.bound.metric,
                str(r.bound),
                format_near(r.value, r.bound.limit) + _fmt_interval(r.interval),
                r.verdict.upper(),
                _pair(r.disparity),
            ]
            for r in self.results
        ]
        table = tabulate(
            [[terminal(c) for c in row] for row in rows],
            headers=["metric", "bound", "value", "verdict", "worst pair"],
            tablefmt="simple",
            disable_numparse=True,
        )
        groups = " × ".join(self.attributes)
        noun = "group" if self.n_groups == 1 else "groups"
        out = [
            head,
            f"groups: {groups} ({self.n_groups} {noun}, "
            f"min_group_size={self.min_group_size})",
            "",
            *table.splitlines(),
        ]
        if self.confidence is not None:
            method = {"holm": "Holm", "bonferroni": "Bonferroni"}.get(self.correction)
            corr = (
                f", {method}-corrected over {self.family_size} bound(s)"
                if method and self.family_size > 1
                else ""
            )
            out[2:2] = [
                f"{self.confidence:.0%} intervals{corr}: a bound passes when its whole "
                "interval satisfies it and fails when the whole interval violates it"
            ]
        settle = [f"{r.bound.metric}: {r.settle}" for r in self.results if r.settle]
        if settle:
            out += ["", "to settle the inconclusive bounds:", *settle]
        excluded = [
            (
                format_group(g.group),
                f"n={g.count} < min_group_size={self.min_group_size}",
            )
            for g in self.small_groups
        ]
        excluded += [
            (format_group(group), reason)
            for r in self.results
            for group, reason in r.disparity.excluded
        ]
        lost = [str(x) for r in self.results for x in r.disparity.lost_levels]
        left_out = left_out_lines(excluded, lost)
        if left_out:
            out += ["", *left_out]
        # group labels and column names come from data
        return [terminal(line) for line in out]

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-friendly dict.

        Returns
        -------
        dict
            The overall verdict and every bound's result.
        """
        return {
            "verdict": self.verdict,
            "attributes": list(self.attributes),
            "n_groups": self.n_groups,
            "min_group_size": self.min_group_size,
            "small_groups": [g.to_dict() for g in self.small_groups],
            "results": [r.to_dict() for r in self.results],
        }

    def raise_for_failure(
        self, *, on_inconclusive: Literal["fail", "pass"] = "fail"
    ) -> None:
        """Raise :class:`FairnessGateFailure` unless the gate passed.

        Parameters
        ----------
        on_inconclusive : {"fail", "pass"}, default="fail"
            Whether an inconclusive bound fails the gate.

        Raises
        ------
        FairnessGateFailure
            With the rendered table as message.
        """
        __tracebackhide__ = True
        if self.failed or (self.inconclusive and on_inconclusive == "fail"):
            raise FairnessGateFailure(str(self), result=self)


def _settle(bound: Bound, d: Disparity, interval: tuple[float, float]) -> str:
    """Say how much more data would make an interval clear the bound."""
    low, high = interval
    gap = abs(d.value - bound.limit)
    # The side of the interval that reaches across the limit: intervals of
    # max-min disparities are lopsided, so half the width would misjudge it.
    reach = high - d.value if bound.limit > d.value else d.value - low
    if gap == 0 or math.isnan(reach):
        return "the estimate sits on the bound; no sample size settles it"
    # the interval's reach shrinks as 1/sqrt(n); it must shrink to the gap
    factor = max((reach / gap) ** 2, 1.0)
    if d.low is None or d.high is None:
        return f"about {factor:.1f}x the data"
    sizes = [g.count for g in (d.low, d.high)]
    more = [max(1, math.ceil(n * (factor - 1))) for n in sizes]
    return (
        f"about {max(more):,} more rows per group ({factor:.1f}x the data; "
        f"worst pair n={sizes[0]:,} and n={sizes[1]:,})"
    )


def _decide(bound: Bound, value: float, interval: tuple[float, float]) -> Verdict:
    low, high = interval
    if math.isnan(value) or math.isnan(low) or math.isnan(high):
        return "inconclusive"
    if bound.holds(low) and bound.holds(high):
        return "passed"
    if not bound.holds(low) and not bound.holds(high):
        return "failed"
    return "inconclusive"


def evaluate(report: _Report, bounds: BoundsLike) -> GateResult:
    """Evaluate bounds against a report.

    Parameters
    ----------
    report : FairnessReport
        The audit to judge.
    bounds : mapping, iterable of str, or str
        Bounds in any form :func:`parse_bounds` accepts.

    Returns
    -------
    GateResult
        One verdict per bound.

    Notes
    -----
    Without a confidence level the point estimate decides. With one, a bound
    passes when its whole interval satisfies it, fails when the whole
    interval violates it, and is inconclusive otherwise. The bounds of one
    gate form the family of the multiple-comparison correction: Bonferroni
    uses intervals at level ``1 - alpha / m`` for all ``m`` bounds; Holm's
    step-down starts there and, each time some bounds are decided, widens
    the level for the ``k`` still undecided to ``1 - alpha / k``.
    """
    parsed = parse_bounds(bounds)
    found = [report.disparity(b.metric) for b in parsed]
    confidence = report.confidence
    verdicts: list[Verdict] = []
    intervals: list[tuple[float, float] | None] = [None] * len(parsed)
    levels: list[float | None] = [None] * len(parsed)
    if confidence is None:
        for b, d in zip(parsed, found, strict=True):
            if math.isnan(d.value):
                verdicts.append("inconclusive")
            else:
                verdicts.append("passed" if b.holds(d.value) else "failed")
    else:
        alpha = 1 - confidence
        m = len(parsed)
        undecided = list(range(m))
        decided: dict[int, Verdict] = {}
        while undecided:
            k = {"holm": len(undecided), "bonferroni": m}.get(report.correction, 1)
            level = 1 - alpha / k
            newly = []
            for i in undecided:
                iv = report.interval(parsed[i].metric, level=level)
                intervals[i], levels[i] = iv, level
                verdict = _decide(parsed[i], found[i].value, iv)
                if verdict != "inconclusive":
                    decided[i] = verdict
                    newly.append(i)
            undecided = [i for i in undecided if i not in newly]
            if not newly or report.correction != "holm":
                break
        verdicts = [decided.get(i, "inconclusive") for i in range(m)]
    for i, d in enumerate(found):
        # a comparison that lost a whole level says nothing about it: not passed
        if verdicts[i] == "passed" and d.lost_levels:
            verdicts[i] = "inconclusive"
    results = []
    for i, (b, d) in enumerate(zip(parsed, found, strict=True)):
        interval = intervals[i]
        settle = ""
        if d.lost_levels and verdicts[i] == "inconclusive":
            lost = ", ".join(f"{x.attribute}={x.level}" for x in d.lost_levels)
            settle = (
                f"the comparison lost {lost}: collect more rows of those groups, "
                "lower min_group_size / min_denominator, or merge levels"
            )
        elif (
            verdicts[i] == "inconclusive"
            and interval is not None
            and not math.isnan(d.value)
        ):
            settle = _settle(b, d, interval)
        results.append(
            BoundResult(b, d.value, verdicts[i], d, interval, levels[i], settle)
        )
    return GateResult(
        tuple(results),
        report.attributes,
        report.n_groups,
        report.min_group_size,
        tuple(report.small_groups()),
        confidence,
        report.correction if confidence is not None else "none",
    )
