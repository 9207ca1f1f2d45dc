"""One ``fairness.check`` call: audit, bounds, then the shared gate pipeline.

This module is imported when a test first calls ``fairness.check``; it reads
the test's settings and calls the core (``audit``, ``FairnessReport.check``,
the comparison with the baseline); :mod:`pytest_fairness.plugin._pipeline`
turns the verdicts into a gate record and a test outcome, as for every kind
of gate. It computes no metric itself.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pytest_fairness.exceptions import FairnessValueError, FairnessWarning
from pytest_fairness.plugin._marker import MarkerError, parse_settings
from pytest_fairness.plugin._pipeline import (
    FAILURES_KEY,
    Compared,
    baseline_info,
    bound_record,
    bound_row,
    check_name,
    conclude,
    gate_key,
    gate_verdict,
    judge_gate,
    run_gate,
    stored_baseline,
    update_command,
)

if TYPE_CHECKING:
    import pytest

    from pytest_fairness import FairnessReport
    from pytest_fairness.baseline import Comparison
    from pytest_fairness.gates import GateResult
    from pytest_fairness.plugin._marker import GateSettings
    from pytest_fairness.plugin._state import FairnessState
    from pytest_fairness.records import BoundRow
    from pytest_fairness.report._audit import Rows

# The shared steps are re-exported here, where other gate kinds found them.
__all__ = [
    "FAILURES_KEY",
    "baseline_info",
    "bound_record",
    "bound_row",
    "check_name",
    "conclude",
    "gate_verdict",
    "judge_gate",
    "run_check",
    "stored_baseline",
    "update_command",
]


def _select_columns(value: Any, names: tuple[str, ...]) -> Any:
    """Pick the marker's sensitive columns out of a frame or dict, if given one."""
    __tracebackhide__ = True
    if isinstance(value, Mapping):
        available = [str(k) for k in value]
        chosen = {n: value[n] for n in names if n in value}
    elif hasattr(value, "columns"):
        available = [str(c) for c in value.columns]
        chosen = {}
        if all(n in available for n in names):
            return value[list(names)]
    else:
        return value
    missing = [n for n in names if n not in available]
    if missing:
        msg = (
            f"sensitive_features={list(names)!r} (from fairness_gate) names "
            f"columns {missing!r} that are not in the sensitive_features given to "
            f"fairness.check(); it has {available!r}."
        )
        raise FairnessValueError(msg)
    return chosen


def _sensitive(value: Any, data: Any, settings: GateSettings) -> Any:
    __tracebackhide__ = True
    names = settings.sensitive_features
    if value is not None:
        if isinstance(value, str):
            return [value]
        return _select_columns(value, names) if names else value
    if names and data is not None:
        return list(names)
    if names:
        msg = (
            f"fairness_gate(sensitive_features={list(names)!r}) names columns, "
            "but fairness.check() got no frame to take them from: pass "
            "data=frame (with y_true/y_pred as column names or arrays) or "
            "sensitive_features=frame."
        )
    else:
        msg = (
            "fairness.check() needs sensitive_features: pass an array, a "
            "DataFrame or a dict of arrays, or name columns with "
            "fairness_gate(sensitive_features=[...]) and pass data=frame."
        )
    raise FairnessValueError(msg)


def _refuse_resampled(
    confidence: float, inputs: tuple[Any, ...], sensitive: Any, data: Any
) -> None:
    """Refuse an interval on rows drawn with replacement, counting both.

    Rows marked by ``GroupComposition.sample(replace=True)`` are refused.
    Repeated index labels alone only warn: frames concatenated without
    ``ignore_index=True`` repeat labels too, and their rows are people.
    """
    __tracebackhide__ = True
    from pytest_fairness._resampled import find_resampled

    found = find_resampled(*inputs, sensitive=sensitive, data=data)
    if found is None:
        return
    counts = "\n".join(f"  {line}" for line in found.lines())
    if not found.marked:
        warnings.warn(
            FairnessWarning(
                f"fairness.check() with confidence={confidence} got index labels "
                "that repeat, as in rows drawn with replacement: if the repeated "
                "rows are copies, the interval counts every copy as another "
                f"person and comes out too narrow.\n{counts}\n"
                "Hint: if they are distinct people (frames concatenated with "
                "their own labels), give them unique labels "
                "(pd.concat(..., ignore_index=True) or reset_index(drop=True)); "
                "if they are copies, check the distinct rows."
            ),
            stacklevel=4,
        )
        return
    msg = (
        f"fairness.check() with confidence={confidence} got rows drawn with "
        "replacement (GroupComposition.sample(replace=True)): an interval "
        "would count every copy as another person and come out too narrow, "
        "and the rows it asks for to settle a bound would be copies too.\n"
        f"{counts}\n"
        "Hint: check the distinct rows (sample without replace=True, asking "
        "no cell for more rows than the data holds), or pass confidence=None "
        "to this check so that the point estimate decides."
    )
    raise FairnessValueError(msg)


def _pos_label_from(
    item: pytest.Item, state: FairnessState, overrides: Mapping[str, Any]
) -> str:
    """Name where the test's ``pos_label`` was set ("" when it was not)."""
    if "pos_label" in overrides:
        return f"fairness.check() in {item.nodeid}"
    entry = state.marker_entries(item).get("pos_label")
    return "" if entry is None else entry[1]


def _settings(
    item: pytest.Item, state: FairnessState, overrides: Mapping[str, Any]
) -> GateSettings:
    __tracebackhide__ = True
    entries = dict(state.marker_entries(item))
    where = f"fairness.check() in {item.nodeid}"
    for key, value in overrides.items():
        entries[key] = (value, where)
    try:
        settings = parse_settings(entries)
    except MarkerError as exc:
        raise FairnessValueError(str(exc)) from None
    if not settings.bounds:
        msg = (
            f"fairness.check() in {item.nodeid} has no bound to check: mark the "
            "test with @pytest.mark.fairness_gate(demographic_parity_difference="
            "0.1, ...) or pass bounds as keywords to fairness.check()."
        )
        raise FairnessValueError(msg)
    return settings


_POS_LABEL_HINT = re.compile(r"Pass pos_label=, e\.g\. pos_label=(.*)\.$", re.DOTALL)


def _audit_error(exc: FairnessValueError, pos_label_from: str) -> FairnessValueError:
    """Say where a test sets ``pos_label`` when the audit needs (another) one."""
    text = str(exc)
    match = _POS_LABEL_HINT.search(text)
    if match is not None:
        example = match.group(1)
        text = (
            text[: match.start()]
            + "Pass pos_label= to fairness.check() or to the fairness_gate marker: "
            f"fairness.check(..., pos_label={example}) or "
            f"@pytest.mark.fairness_gate(pos_label={example})."
        )
    elif text.startswith("pos_label=") and pos_label_from:
        text += f" (pos_label from {pos_label_from})"
    return FairnessValueError(text)


def _tolerance_for(settings: GateSettings) -> Any:
    def tolerance(metric: str) -> float:
        tol = settings.tolerance_for(metric)
        return 0.0 if tol == "auto" else float(tol)

    return tolerance


class _DisparityGate:
    """A gate on an audit's disparities (see :class:`._pipeline.GateKind`)."""

    def __init__(
        self,
        report: FairnessReport,
        gate: GateResult,
        rows: Rows | None,
        settings: GateSettings,
        where: str,
    ) -> None:
        self.report = report
        self.result = gate
        self.audit_rows = rows
        self.settings = settings
        self.where = where

    def compare(self, stored: Mapping[str, Any] | None, *, update: bool) -> Compared:
        from pytest_fairness.report._regression import (
            baseline_entry,
            compare_with_baseline,
        )

        judged = compare_with_baseline(
            self.report,
            self.result,
            self.audit_rows,
            stored,
            tolerance_for=_tolerance_for(self.settings),
            level=self.settings.confidence or 0.95,
            where=self.where,
        )
        if update or stored is None:
            entry = baseline_entry(self.report, self.result, self.audit_rows)
        else:
            entry = {"metrics": judged.derived}
        return Compared(judged.comparisons, entry, judged.method)

    def rows(
        self,
        comparisons: Mapping[str, Comparison],
        *,
        missing_fails: bool,
        update: bool,
    ) -> list[BoundRow]:
        from pytest_fairness.report._records import bound_details

        return [
            bound_record(
                r.bound,
                r.value,
                r.verdict,
                r.interval,
                comparisons.get(r.bound.metric),
                missing_fails=missing_fails,
                update=update,
                **bound_details(r),
            )
            for r in self.result.results
        ]

    def fields(self) -> dict[str, Any]:
        from pytest_fairness.baseline import canonical
        from pytest_fairness.metrics import resolve_disparity
        from pytest_fairness.report._records import group_side, group_tables

        report, gate = self.report, self.result
        metrics = list(
            dict.fromkeys(
                m for b in self.settings.bounds for m in resolve_disparity(b).metrics
            )
        )
        small = (group_side(g, with_rate=False) for g in gate.small_groups)
        return {
            "kind": "disparity",
            "attributes": tuple(report.attributes),
            "n_groups": report.n_groups,
            "n_rows": report.n_rows,
            "min_group_size": report.min_group_size,
            "min_denominator": report.min_denominator,
            "intersectional": report.intersectional,
            "reference": canonical(report.reference),
            "confidence": gate.confidence,
            "correction": gate.correction,
            "small_groups": tuple(g for g in small if g is not None),
            "groups": group_tables(report, metrics),
        }


def run_check(
    item: pytest.Item,
    state: FairnessState,
    *,
    y_true: Any,
    y_pred: Any,
    sensitive_features: Any,
    data: Any,
    y_score: Any,
    sample_weight: Any,
    name: str | None,
    overrides: Mapping[str, Any],
) -> FairnessReport:
    """Run one gate for a test and raise or warn as its verdict requires.

    Parameters
    ----------
    item : pytest.Item
        The test calling ``fairness.check``.
    state : FairnessState
        The plugin's session state.
    y_true, y_pred, sensitive_features, data, y_score, sample_weight : object
        Passed to :func:`pytest_fairness.audit`.
    name : str or None
        Distinguishes several checks in one test.
    overrides : mapping
        Keywords that add or replace the marker's bounds and settings.

    Returns
    -------
    FairnessReport
        The audit.

    Raises
    ------
    FairnessGateFailure
        When a bound fails, a disparity regressed past its baseline, a
        baseline is missing (or defined otherwise) under CI, or a bound is
        inconclusive with ``on_inconclusive="fail"``.
    BaselineError
        When the baseline file cannot be read.
    FairnessValueError
        For bad arguments or overrides.
    """
    __tracebackhide__ = True
    import pytest_fairness as pf
    from pytest_fairness.report._audit import capture_rows

    name = check_name(name)
    key = gate_key(item, name, "fairness.check()")
    settings = _settings(item, state, overrides)
    min_group_size = settings.min_group_size or state.options.min_group_size
    sensitive = _sensitive(sensitive_features, data, settings)
    if settings.confidence is not None:
        _refuse_resampled(
            settings.confidence,
            (y_true, y_pred, y_score, sample_weight),
            sensitive,
            data,
        )
    with warnings.catch_warnings(record=True) as caught, capture_rows() as captured:
        warnings.simplefilter("always")
        try:
            report = pf.audit(
                y_true,
                y_pred,
                sensitive_features=sensitive,
                data=data,
                y_score=y_score,
                sample_weight=sample_weight,
                intersectional=settings.intersectional,
                min_group_size=min_group_size,
                min_denominator=settings.min_denominator,
                reference=settings.reference,
                pos_label=settings.pos_label,
                confidence=settings.confidence,
            )
        except FairnessValueError as exc:
            raise _audit_error(exc, _pos_label_from(item, state, overrides)) from None
    # Re-issued so that they point at the test's call of fairness.check.
    for w in caught:
        warnings.warn(w.message, stacklevel=3)
    rows = captured[0] if captured else None
    gate = report.check(settings.bounds)
    where = ""
    if settings.baseline:
        path, _ = stored_baseline(item, state, key)
        where = f"baseline file {path}, gate {key!r}"
    kind = _DisparityGate(report, gate, rows, settings, where)
    run_gate(
        item,
        state,
        kind,
        name=name,
        key=key,
        baseline=settings.baseline,
        on_inconclusive=settings.on_inconclusive,
    )
    return report
