"""One ``fairness.check_tradeoff`` call: an intervention's trade-off as a gate.

Imported when a test first calls ``fairness.check_tradeoff``. The conditions
of :func:`~pytest_fairness.assert_tradeoff` (the performance may fall by at
most so much; each targeted disparity must shrink by at least so much)
become the rows of a gate record, so the trade-off shows in the failure
message, the terminal summary, JUnit properties and the reports like any
gate. A trade-off compares two models of the same run: no baseline file is
read or written.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from pytest_fairness.plugin._pipeline import (
    check_name,
    conclude,
    gate_key,
    gate_verdict,
    update_command,
)
from pytest_fairness.plugin._state import split_nodeid
from pytest_fairness.records import BoundRow, GateRecord

if TYPE_CHECKING:
    from collections.abc import Sequence

    import pytest

    from pytest_fairness._tradeoff import InterventionComparison, TradeoffCheck
    from pytest_fairness.plugin._state import FairnessState

__all__ = ["run_tradeoff_check"]


def _row(check: TradeoffCheck, comparison: InterventionComparison) -> BoundRow:
    verdict = "passed" if check.passed else "failed"
    if check.kind == "cost":
        op, bound = "<=", f"fall <= {check.limit:g}"
    else:
        op, bound = ">=", f"reduction >= {check.limit:.0%}"
    return BoundRow(
        metric=check.name,
        op=op,
        limit=check.limit,
        bound=bound,
        value=None if math.isnan(check.observed) else float(check.observed),
        verdict=verdict,
        outcome=verdict,
        detail=check.describe(comparison),
    )


def run_tradeoff_check(
    item: pytest.Item,
    state: FairnessState,
    before: Any,
    after: Any,
    *,
    max_accuracy_drop: float,
    min_disparity_reduction: float,
    metric: str | Sequence[str],
    performance: str,
    name: str | None,
    kwargs: dict[str, Any],
) -> InterventionComparison:
    """Gate an intervention's trade-off for a test and fail it when a condition fails.

    Parameters
    ----------
    item : pytest.Item
        The test calling ``fairness.check_tradeoff``.
    state : FairnessState
        The plugin's session state.
    before, after : object
        As for :func:`pytest_fairness.assert_tradeoff`.
    max_accuracy_drop : float
        Largest allowed fall of ``performance``.
    min_disparity_reduction : float
        Least required relative reduction of each disparity's gap.
    metric : str or sequence of str
        The disparities the intervention targets.
    performance : str
        The performance figure whose drop is bounded.
    name : str or None
        Distinguishes several checks in one test.
    kwargs : dict
        Further arguments of :func:`pytest_fairness.compare_interventions`.

    Returns
    -------
    InterventionComparison
        The comparison.

    Raises
    ------
    FairnessGateFailure
        When a condition does not hold.
    FairnessValueError
        For bad arguments.
    """
    __tracebackhide__ = True
    from pytest_fairness._tradeoff import (
        _tradeoff_metrics,
        compare_interventions,
        tradeoff_checks,
    )

    name = check_name(name, "fairness.check_tradeoff")
    key = gate_key(item, name, "fairness.check_tradeoff()")
    metrics = _tradeoff_metrics(
        metric, performance, max_accuracy_drop, min_disparity_reduction
    )
    comparison = compare_interventions(before, after, **kwargs)
    checks = tradeoff_checks(
        comparison,
        performance=performance,
        metrics=metrics,
        max_accuracy_drop=max_accuracy_drop,
        min_disparity_reduction=min_disparity_reduction,
    )
    rows = tuple(_row(c, comparison) for c in checks)
    module, test = split_nodeid(item.nodeid)
    report = comparison.after
    first, second = comparison.names
    record = GateRecord(
        kind="tradeoff",
        nodeid=item.nodeid,
        module=module,
        test=test,
        name=name,
        key=key,
        verdict=gate_verdict(rows, "fail"),
        on_inconclusive="fail",
        bounds=rows,
        subject=f"{first} -> {second}: {performance} and {', '.join(metrics)}",
        attributes=tuple(str(a) for a in report.attributes),
        n_groups=report.n_groups,
        n_rows=report.n_rows,
        min_group_size=report.min_group_size,
        update_command=update_command(state, item.nodeid),
        extra={"comparison": comparison.lines()},
    )
    conclude(item, record, result=comparison, on_inconclusive="fail")
    return comparison
