"""One ``fairness.check_causal`` call: bounds on a causal result, baseline, record.

Imported when a test first calls ``fairness.check_causal``. The causal result
(a flip rate, causal effects, a pathway report or a proxy scan) evaluates its
own bounds; this module says how to compare them with the test's baseline,
and :mod:`pytest_fairness.plugin._pipeline` records and concludes them as it
does every gate, so causal gates appear in the same failure message,
terminal summary, JUnit properties and reports as disparity gates.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pytest_fairness.baseline import (
    Comparison,
    change_from_intervals,
    judge,
    not_compared,
)
from pytest_fairness.exceptions import FairnessValueError
from pytest_fairness.plugin._marker import (
    AUTO,
    DEFAULT_TOLERANCE,
    MarkerError,
    parse_settings,
)
from pytest_fairness.plugin._pipeline import (
    Compared,
    bound_record,
    check_name,
    gate_key,
    run_gate,
)

if TYPE_CHECKING:
    import pytest

    from pytest_fairness.causal import CausalGateResult
    from pytest_fairness.causal._gate import GatedResult
    from pytest_fairness.plugin._state import FairnessState
    from pytest_fairness.records import BoundRow

__all__ = ["run_causal_check"]

_INHERITED = ("baseline", "tolerance", "on_inconclusive")


def _check_result(result: object) -> GatedResult:
    __tracebackhide__ = True
    from pytest_fairness.causal._gate import GatedResult

    if not isinstance(result, GatedResult):
        msg = (
            "fairness.check_causal(result=...) expects a result of "
            "pytest_fairness.causal (counterfactual_flip_rate, "
            "counterfactual_fairness, causal_effects, pathway_report or "
            f"proxy_scan). Got {type(result).__name__}."
        )
        raise FairnessValueError(msg)
    return result


def _tolerance(value: Any, metrics: Mapping[str, str]) -> float | str | dict[str, Any]:
    """Validate ``tolerance=`` against the metrics of a causal result."""
    __tracebackhide__ = True
    allowed = (
        "a number >= 0, 'auto', or a dict {metric: number >= 0 or 'auto'} with "
        f"metrics among {sorted(metrics)!r}"
    )

    def one(tol: Any) -> float | str:
        if tol == AUTO:
            return AUTO
        if isinstance(tol, bool) or not isinstance(tol, int | float) or not tol >= 0:
            msg = (
                f"fairness.check_causal(): tolerance={value!r} is invalid. "
                f"Allowed: {allowed}."
            )
            raise FairnessValueError(msg)
        return float(tol)

    if isinstance(value, Mapping):
        unknown = [k for k in value if k not in metrics]
        if unknown:
            msg = (
                f"fairness.check_causal(): tolerance names {unknown!r}, which this "
                f"result does not offer. Allowed: {allowed}."
            )
            raise FairnessValueError(msg)
        return {str(k): one(v) for k, v in value.items()}
    return one(value)


def _settings(
    item: pytest.Item, state: FairnessState, overrides: Mapping[str, Any]
) -> dict[str, Any]:
    """Baseline, tolerance and on_inconclusive: the call's, else the marker's."""
    __tracebackhide__ = True
    entries = state.marker_entries(item)
    chosen: dict[str, tuple[Any, str]] = {
        k: entries[k] for k in ("baseline", "on_inconclusive") if k in entries
    }
    where = f"fairness.check_causal() in {item.nodeid}"
    for key in ("baseline", "on_inconclusive"):
        if overrides.get(key) is not None:
            chosen[key] = (overrides[key], where)
    try:
        parsed = parse_settings(chosen)
    except MarkerError as exc:
        raise FairnessValueError(str(exc)) from None
    tolerance = overrides.get("tolerance")
    if tolerance is None:
        marked = entries.get("tolerance")
        # a marker's per-disparity dict names disparities, not causal metrics
        tolerance = marked[0] if marked and not isinstance(marked[0], Mapping) else None
    return {
        "baseline": parsed.baseline,
        "on_inconclusive": parsed.on_inconclusive,
        "tolerance": DEFAULT_TOLERANCE if tolerance is None else tolerance,
    }


def _compare(
    gate: CausalGateResult,
    stored: Mapping[str, Any] | None,
    tolerance: float | str | dict[str, Any],
    interval_level: float,
) -> dict[str, Comparison]:
    """Judge each bounded causal metric against its baseline entry."""
    definition = {"kind": "causal", "subject": gate.subject}
    stored_def = None if stored is None else stored.get("definition")
    changed = stored is not None and stored_def != definition
    metrics = {} if stored is None else stored.get("metrics", {})
    out = {}
    for r in gate.results:
        metric = r.bound.metric
        tol = (
            tolerance.get(metric, DEFAULT_TOLERANCE)
            if isinstance(tolerance, dict)
            else tolerance
        )
        tol_value = 0.0 if tol == AUTO else float(tol)
        data = metrics.get(metric)
        old = None
        if data is not None:
            old = math.nan if data.get("value") is None else float(data["value"])
        if changed:
            why = (
                "the baseline was recorded without a definition (an older format)"
                if stored_def is None
                else f"the result is now {gate.subject!r}, "
                f"was {stored_def.get('subject')!r}"
            )
            out[metric] = not_compared(
                metric,
                r.value,
                old,
                higher_is_better=False,
                tolerance=tol_value,
                status="definition_changed",
                reason=why,
            )
            continue
        bounds = None
        if data is not None and old is not None and not math.isnan(old):
            stored_interval = data.get("interval")
            bounds = change_from_intervals(
                r.value,
                r.interval,
                old,
                None if stored_interval is None else tuple(stored_interval),
                interval_level=interval_level,
                level=0.95,
            )
        out[metric] = judge(
            metric,
            r.value,
            old,
            higher_is_better=False,
            tolerance=tol_value,
            bounds=bounds,
            level=0.95 if bounds is not None else None,
            method="fixed" if bounds is None else "two-sample",
        )
    return out


class _CausalGate:
    """A gate on a causal result (see :class:`._pipeline.GateKind`)."""

    def __init__(
        self,
        gate: CausalGateResult,
        tolerance: float | str | dict[str, Any],
        interval_level: float,
        use_intervals: bool,
    ) -> None:
        self.result = gate
        self.tolerance = tolerance
        self.interval_level = interval_level
        self.use_intervals = use_intervals

    def compare(self, stored: Mapping[str, Any] | None, *, update: bool) -> Compared:
        gate = self.result
        comparisons = _compare(gate, stored, self.tolerance, self.interval_level)
        full: dict[str, Any] = {
            "kind": "causal",
            "subject": gate.subject,
            "definition": {"kind": "causal", "subject": gate.subject},
            "metrics": {},
        }
        for r in gate.results:
            data: dict[str, Any] = {"value": r.value}
            if r.interval is not None:
                data["interval"] = list(r.interval)
            if r.detail:
                data["detail"] = r.detail
            full["metrics"][r.bound.metric] = data
        if update or stored is None:
            entry = full
        else:
            entry = {
                "metrics": {
                    m: d
                    for m, d in full["metrics"].items()
                    if comparisons[m].status == "new"
                }
            }
        return Compared(comparisons, entry)

    def rows(
        self,
        comparisons: Mapping[str, Comparison],
        *,
        missing_fails: bool,
        update: bool,
    ) -> list[BoundRow]:
        return [
            bound_record(
                r.bound,
                r.value,
                r.verdict,
                r.interval,
                comparisons.get(r.bound.metric),
                missing_fails=missing_fails,
                update=update,
                detail=r.detail or None,
            )
            for r in self.result.results
        ]

    def fields(self) -> dict[str, Any]:
        return {
            "kind": "causal",
            "subject": self.result.subject,
            "use_intervals": self.use_intervals,
        }


def run_causal_check(
    item: pytest.Item,
    state: FairnessState,
    result: object,
    bounds: Any,
    *,
    name: str | None,
    use_intervals: object,
    overrides: Mapping[str, Any],
    kwargs: Mapping[str, Any],
) -> CausalGateResult:
    """Gate a causal result for a test and raise or warn as its verdict requires.

    Parameters
    ----------
    item : pytest.Item
        The test calling ``fairness.check_causal``.
    state : FairnessState
        The plugin's session state.
    result : GatedResult
        A result of :mod:`pytest_fairness.causal`.
    bounds : mapping, iterable of str, str or None
        Bounds as accepted by the result's ``check``.
    name : str or None
        Distinguishes several checks in one test.
    use_intervals : bool
        True to decide on the result's intervals instead of its point estimates.
    overrides : mapping
        ``baseline``, ``tolerance`` and ``on_inconclusive`` for this call
        (None defers to the test's ``fairness_gate`` marker).
    kwargs : mapping
        Bounds as keywords (``max_flip_rate=0.01``).

    Returns
    -------
    CausalGateResult
        The verdicts.

    Raises
    ------
    FairnessGateFailure
        When a bound fails, a metric regressed past its baseline, a baseline
        is missing under CI, or a bound is inconclusive with
        ``on_inconclusive="fail"``.
    BaselineError
        When the baseline file cannot be read.
    FairnessValueError
        For a result that is not causal, bad bounds or bad settings.
    """
    __tracebackhide__ = True
    gated = _check_result(result)
    name = check_name(name, "fairness.check_causal")
    if not isinstance(use_intervals, bool):
        msg = (
            "fairness.check_causal(use_intervals=...) must be True or False. "
            f"Got {use_intervals!r}."
        )
        raise FairnessValueError(msg)
    key = gate_key(item, name, "fairness checks")
    settings = _settings(item, state, overrides)
    metrics = gated.gate_metrics()
    tolerance = _tolerance(settings["tolerance"], metrics)
    gate = gated.check(bounds, use_intervals=use_intervals, **kwargs)
    interval_level = float(getattr(result, "confidence", 0.95) or 0.95)
    run_gate(
        item,
        state,
        _CausalGate(gate, tolerance, interval_level, use_intervals),
        name=name,
        key=key,
        baseline=settings["baseline"],
        on_inconclusive=settings["on_inconclusive"],
    )
    return gate
