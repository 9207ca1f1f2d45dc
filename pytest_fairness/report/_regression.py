"""A gate against its baseline: what a baseline keeps and how a run is judged.

The pytest plugin stores :func:`baseline_entry` for each gate and judges later
runs with :func:`compare_with_baseline`; both live in the core so that the
plugin holds no metric logic. The baseline keeps what defines the gate (a
baseline recorded under another definition is never compared), each bounded
disparity's value and worst pair, the per-group cells, and (up to
:data:`~pytest_fairness.report._change.PAIRED_MAX_ROWS` rows) the decisions of
every row with a fingerprint of the labels, groups and weights, so that a run
on the same rows is compared decision by decision.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pytest_fairness._labels import encode_group
from pytest_fairness.baseline import (
    Comparison,
    judge,
    not_compared,
)
from pytest_fairness.exceptions import BaselineError, FairnessValueError
from pytest_fairness.metrics import METRICS, resolve_disparity
from pytest_fairness.report._change import (
    PAIRED_MAX_ROWS,
    Change,
    counts_block,
    definition_changes,
    fingerprint,
    gate_definition,
    metric_definition,
    old_run_report,
    pack_decisions,
    paired_change,
    report_from_counts,
    resolution,
    two_sample_change,
    unpack_decisions,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from pytest_fairness.gates import GateResult
    from pytest_fairness.metrics import Disparity, GroupValue
    from pytest_fairness.report._audit import Rows
    from pytest_fairness.report._report import FairnessReport

__all__ = [
    "ENTRY_MAX_GROUPS",
    "BaselineComparison",
    "baseline_entry",
    "compare_with_baseline",
    "metric_entry",
]

#: Baselines keep the per-group cells of gates with up to this many groups.
ENTRY_MAX_GROUPS = 10_000
# Recomputing a stored value from the stored cells may differ by rounding only
# (values are kept to 12 significant digits).
_CONSISTENT = 1e-9


def _side(g: GroupValue) -> dict[str, Any]:
    out: dict[str, Any] = {
        "group": encode_group(g.group),
        "rate": g.value,
        "count": g.count,
    }
    if g.denominator is not None:
        out["denominator"] = g.denominator
    return out


def metric_entry(d: Disparity) -> dict[str, Any]:
    """Return what a baseline keeps of one bounded disparity.

    Parameters
    ----------
    d : Disparity
        The disparity, as the report computed it.

    Returns
    -------
    dict
        ``definition``, ``value``, the ``metric`` that decided it and the
        ``worst_pair`` with rates, rows and denominators (plus ``attribute``
        and ``reference`` when they apply).
    """
    out: dict[str, Any] = {
        "definition": metric_definition(d.name),
        "metric": d.metric,
        "value": None if math.isnan(d.value) else d.value,
        "worst_pair": [_side(g) for g in (d.low, d.high) if g is not None],
    }
    if d.attribute is not None:
        out["attribute"] = d.attribute
    if d.reference is not None:
        out["reference"] = encode_group(d.reference)
    return out


def baseline_entry(
    report: FairnessReport, gate: GateResult, rows: Rows | None
) -> dict[str, Any]:
    """Return the baseline entry of a gate: definition, values, cells, decisions.

    Parameters
    ----------
    report : FairnessReport
        The audit the gate judged.
    gate : GateResult
        Its verdicts (the bounded disparities).
    rows : Rows or None
        The audit's encoded rows, when it had rows of its own.

    Returns
    -------
    dict
        ``kind``, ``definition``, ``metrics``; ``counts`` for up to
        :data:`ENTRY_MAX_GROUPS` groups; ``rows`` (fingerprint and packed
        decisions) for up to 250,000 rows.
    """
    entry: dict[str, Any] = {
        "kind": "disparity",
        "definition": gate_definition(report),
        "metrics": {r.bound.metric: metric_entry(r.disparity) for r in gate.results},
    }
    block = counts_block(report)
    if block is not None and report.n_groups <= ENTRY_MAX_GROUPS:
        entry["counts"] = block
    if rows is not None and 0 < rows.y_pred.shape[0] <= PAIRED_MAX_ROWS:
        entry["rows"] = {
            "n": int(rows.y_pred.shape[0]),
            "fingerprint": fingerprint(rows, report.table.groups),
            "decisions": pack_decisions(rows.y_pred),
        }
    return entry


@dataclass
class BaselineComparison:
    """A gate judged against its baseline entry.

    Attributes
    ----------
    comparisons : dict of str to Comparison
        One verdict per bounded disparity.
    derived : dict of str to dict
        Entries of disparities the baseline did not hold yet, computed from
        the baseline run's stored decisions or cells (the same run the other
        values come from), to be added to the file.
    method : str
        How the baseline run was reconstructed: ``paired`` (its decisions of
        the same rows), ``two-sample`` (its cells), ``fixed`` (its values
        only) or ``none`` (no entry, or another definition).
    """

    comparisons: dict[str, Comparison] = field(default_factory=dict)
    derived: dict[str, dict[str, Any]] = field(default_factory=dict)
    method: str = "none"


def _noise_measurable(report: FairnessReport, name: str) -> bool:
    spec = resolve_disparity(name)
    return report.task == "binary" and all(
        METRICS[m].kind == "binary" for m in spec.metrics
    )


def _inconsistent(where: str, name: str, stored: float, recomputed: float) -> None:
    if math.isnan(stored) and math.isnan(recomputed):
        return
    if abs(stored - recomputed) <= _CONSISTENT * max(1.0, abs(stored)):
        return
    msg = (
        f"{where}: the stored value of {name} ({stored:.6g}) does not match "
        f"what its stored decisions and cells give ({recomputed:.6g}); the "
        "entry was edited by hand or damaged. Restore it from version control "
        "or record it again with --fairness-update-baselines."
    )
    raise BaselineError(msg)


def compare_with_baseline(
    report: FairnessReport,
    gate: GateResult,
    rows: Rows | None,
    stored: Mapping[str, Any] | None,
    *,
    tolerance_for: Callable[[str], float],
    level: float,
    where: str,
) -> BaselineComparison:
    """Judge every bounded disparity of a gate against its baseline entry.

    Parameters
    ----------
    report : FairnessReport
        This run's audit.
    gate : GateResult
        Its verdicts.
    rows : Rows or None
        Its encoded rows (a paired comparison needs them).
    stored : mapping or None
        The gate's baseline entry, None when there is none.
    tolerance_for : callable
        Disparity name to its tolerance (0 for ``"auto"``: the noise and the
        test set's resolution alone set the margin).
    level : float
        One-sided confidence level of the change's bounds.
    where : str
        The baseline file and gate, named in errors.

    Returns
    -------
    BaselineComparison
        The verdicts, and the disparities derived from the baseline run.

    Raises
    ------
    BaselineError
        When a stored value does not match the stored decisions or cells,
        or the stored decisions cannot be read.
    """
    out = BaselineComparison()
    changes: list[str] = []
    old_report: FairnessReport | None = None
    old_pred = None
    if stored is not None:
        changes = definition_changes(stored.get("definition"), gate_definition(report))
        if not changes:
            block = stored.get("rows")
            if (
                rows is not None
                and block is not None
                and block["n"] == rows.y_pred.shape[0]
                and block["fingerprint"] == fingerprint(rows, report.table.groups)
            ):
                try:
                    old_pred = unpack_decisions(block["decisions"], block["n"])
                except ValueError as exc:
                    msg = f"{where}: field rows.decisions is unreadable: {exc}."
                    raise BaselineError(msg) from None
                old_report = old_run_report(report, rows, old_pred)
                out.method = "paired"
            elif stored.get("counts") is not None and report.task == "binary":
                old_report = report_from_counts(report, stored["counts"])
                out.method = "two-sample"
            else:
                out.method = "fixed"
    stored_metrics: Mapping[str, Any] = (stored or {}).get("metrics", {})
    for r in gate.results:
        name = r.bound.metric
        spec = resolve_disparity(name)
        tolerance = tolerance_for(name)
        common: dict[str, Any] = {
            "higher_is_better": spec.higher_is_better,
            "tolerance": tolerance,
        }
        data = stored_metrics.get(name)
        old_value = (
            None
            if data is None
            else (math.nan if data.get("value") is None else float(data["value"]))
        )
        if stored is None:
            out.comparisons[name] = judge(name, r.value, None, **common)
            continue
        if changes:
            out.comparisons[name] = not_compared(
                name,
                r.value,
                old_value,
                status="definition_changed",
                reason="; ".join(changes),
                **common,
            )
            continue
        metric_changes = (
            definition_changes(data.get("definition"), metric_definition(name))
            if data is not None
            else []
        )
        if metric_changes:
            out.comparisons[name] = not_compared(
                name,
                r.value,
                old_value,
                status="definition_changed",
                reason=f"{name}: " + "; ".join(metric_changes),
                **common,
            )
            continue
        if r.disparity.lost_levels:
            lost = ", ".join(
                f"{x.attribute}={x.level}" for x in r.disparity.lost_levels
            )
            out.comparisons[name] = not_compared(
                name,
                r.value,
                old_value,
                status="not_compared",
                reason=f"this run's comparison lost {lost}",
                **common,
            )
            continue
        change: Change | None = None
        measurable = _noise_measurable(report, name)
        old_disparity: Disparity | None = None
        if measurable and old_pred is not None and rows is not None:
            change = paired_change(report, rows, old_pred, name, level=level)
        elif measurable and old_report is not None:
            try:
                change = two_sample_change(old_report, report, name, level=level)
            except FairnessValueError:
                # the baseline's groups lack what this gate compares with (its
                # reference group): its value alone is compared
                change = None
        if change is not None and old_report is not None:
            old_disparity = old_report.disparity(name)
            if old_value is None:
                old_value = change.baseline
                out.derived[name] = metric_entry(old_disparity)
            else:
                _inconsistent(where, name, old_value, change.baseline)
        if old_value is None:
            out.comparisons[name] = judge(name, r.value, None, **common)
            continue
        found = [r.disparity] if old_disparity is None else [r.disparity, old_disparity]
        step = resolution(spec, *found)
        out.comparisons[name] = judge(
            name,
            r.value,
            old_value,
            resolution=step,
            step=step if change is not None and change.method == "paired" else 0.0,
            bounds=None if change is None else (change.low, change.high),
            level=level if change is not None else None,
            method="fixed" if change is None else change.method,
            **common,
        )
    return out
