"""Evaluate bounds on a report into a GateResult and render its verdict table.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

from pytest_fairness.exceptions import FairnessGateFailure
from pytest_fairness.gates._bounds import Bound, BoundsLike, parse_bounds

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pytest_fairness.metrics._disparity import Disparity, GroupValue

__all__ = ["BoundResult", "GateResult", "Verdict", "evaluate", "format_group"]

Verdict = Literal["passed", "failed", "inconclusive"]


class _Report(Protocol):
    @property
    def attributes(self) -> tuple[str, ...]: ...

    @property
    def min_group_size(self) -> int: ...

    def disparity(self, name: str) -> Disparity: ...

    def small_groups(self) -> list[GroupValue]: ...

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


def _fmt(value: float) -> str:
    return "nan" if math.isnan(value) else f"{value:.3f}"


def _pair(d: Disparity) -> str:
    if d.low is None or d.high is None:
        return d.reason or "-"

    def one(g: GroupValue) -> str:
        return f"{format_group(g.group)} {_fmt(g.value)} (n={g.count:,})"

    where = f"[{d.attribute}] " if d.attribute else ""
    ref = "ref " if d.reference is not None else ""
    return f"{where}{d.metric}: {ref}{one(d.low)} vs {one(d.high)}"


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
        when fewer than two groups are large enough.
    disparity : Disparity
        The disparity with the pair of groups behind it.
    """

    bound: Bound
    value: float
    verdict: Verdict
    disparity: Disparity

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-friendly dict."""
        return {
            **self.bound.to_dict(),
            "value": None if math.isnan(self.value) else self.value,
            "verdict": self.verdict,
            "disparity": self.disparity.to_dict(),
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
    """

    results: tuple[BoundResult, ...]
    attributes: tuple[str, ...]
    n_groups: int
    min_group_size: int
    small_groups: tuple[GroupValue, ...] = ()

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
        if self.passed:
            head = f"fairness gate passed: {len(self.results)} bound(s) hold"
        else:
            parts = [f"{n_failed} of {len(self.results)} bound(s) failed"]
            if n_inconclusive:
                parts.append(f"{n_inconclusive} inconclusive")
            head = "fairness gate failed: " + ", ".join(parts)
        rows = [
            [
                r.bound.metric,
                str(r.bound),
                _fmt(r.value),
                r.verdict.upper(),
                _pair(r.disparity),
            ]
            for r in self.results
        ]
        table = tabulate(
            rows,
            headers=["metric", "bound", "value", "verdict", "worst pair"],
            tablefmt="simple",
            disable_numparse=True,
        )
        groups = " × ".join(self.attributes)
        out = [
            head,
            f"groups: {groups} ({self.n_groups} groups, "
            f"min_group_size={self.min_group_size})",
            "",
            *table.splitlines(),
        ]
        if self.small_groups:
            shown = "; ".join(
                f"{format_group(g.group)} (n={g.count})" for g in self.small_groups[:10]
            )
            more = len(self.small_groups) - 10
            out += [
                "",
                f"left out for size (n < {self.min_group_size}): {shown}"
                + (f" and {more} more" if more > 0 else ""),
            ]
        return out

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
    """
    results = []
    for bound in parse_bounds(bounds):
        d = report.disparity(bound.metric)
        verdict: Verdict
        if math.isnan(d.value):
            verdict = "inconclusive"
        else:
            verdict = "passed" if bound.holds(d.value) else "failed"
        results.append(BoundResult(bound, d.value, verdict, d))
    return GateResult(
        tuple(results),
        report.attributes,
        report.n_groups,
        report.min_group_size,
        tuple(report.small_groups()),
    )
