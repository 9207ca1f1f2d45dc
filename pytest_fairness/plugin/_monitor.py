"""One ``fairness.check_monitor`` call: a monitoring result gated like any gate.

Imported when a test first calls ``fairness.check_monitor``. The monitoring
result already holds its alerts; this module picks those of the kinds that
fail the test, turns them into a gate record (one row per followed
disparity and alert kind) and concludes it, so a scheduled job over last
week's logs shows in the failure message, the terminal summary, JUnit
properties and the reports like any other gate. The reference period is the
monitoring's own baseline: no baseline file is read or written.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from pytest_fairness.exceptions import FairnessValueError, FairnessWarning
from pytest_fairness.plugin._pipeline import (
    check_name,
    conclude,
    gate_verdict,
    update_command,
)
from pytest_fairness.plugin._state import RECORDS_KEY, FairnessState, split_nodeid
from pytest_fairness.records._gate import COMPARISON_FIELDS

if TYPE_CHECKING:
    import pandas as pd
    import pytest

    from pytest_fairness.monitoring import MonitorResult

__all__ = ["run_monitor_check"]

_KINDS = ("bound", "drift", "composition")


def _fail_on(value: object) -> tuple[str, ...]:
    __tracebackhide__ = True
    kinds = (value,) if isinstance(value, str) else value
    if not isinstance(kinds, Iterable) or isinstance(kinds, bytes):
        kinds = None
    else:
        kinds = tuple(kinds)
    if not kinds or any(k not in _KINDS for k in kinds):
        msg = (
            f"fairness.check_monitor(fail_on={value!r}) must name alert kinds "
            f"among {list(_KINDS)!r}, e.g. fail_on=('bound', 'drift')."
        )
        raise FairnessValueError(msg)
    return tuple(dict.fromkeys(kinds))


def _recent(result: MonitorResult, last: object) -> pd.DataFrame:
    __tracebackhide__ = True
    alerts = result.alerts
    if last is None:
        return alerts
    if isinstance(last, bool) or not isinstance(last, int) or last < 1:
        msg = (
            "fairness.check_monitor(last=...) must be a number of windows >= 1 "
            f"(the most recent ones), or None for every window. Got {last!r}."
        )
        raise FairnessValueError(msg)
    starts = list(dict.fromkeys(result.windows["window_start"]))[-last:]
    return alerts[alerts["window_start"].isin(starts)]


def _worst(result: MonitorResult, metric: str, op: str | None) -> float:
    values = result.windows.loc[result.windows["metric"] == metric, "value"].astype(
        float
    )
    values = values[~values.isna()]
    if values.empty:
        return math.nan
    return float(values.min() if op in (">=", ">") else values.max())


def _row(
    metric: str,
    bound: str,
    value: float,
    alerts: pd.DataFrame,
    ok_text: str,
) -> dict[str, Any]:
    failed = not alerts.empty
    if failed:
        first = alerts.iloc[0]
        windows = ", ".join(dict.fromkeys(str(w) for w in alerts["window"]))
        detail = f"{len(alerts)} alert(s) in {windows}: {first['message']}"
    else:
        detail = ok_text
    verdict = "failed" if failed else "passed"
    return {
        "metric": metric,
        "op": None,
        "limit": None,
        "bound": bound,
        "value": None if math.isnan(value) else value,
        "verdict": verdict,
        "interval": None,
        "status": None,
        "outcome": verdict,
        "rate_metric": None,
        "attribute": None,
        "reference": None,
        "low": None,
        "high": None,
        "detail": detail,
        "settle": None,
        "excluded": [],
        "lost_levels": [],
        **dict.fromkeys(COMPARISON_FIELDS),
    }


def _rows(
    result: MonitorResult, alerts: pd.DataFrame, kinds: tuple[str, ...]
) -> list[dict[str, Any]]:
    s = result.settings
    n = s["n_watched"]
    rows = []
    if "bound" in kinds:
        for b in s["bounds"]:
            hit = alerts[
                (alerts["kind"] == "bound") & (alerts["metric"] == b["metric"])
            ]
            text = f"{b['op']} {b['limit']:g}"
            rows.append(
                _row(
                    b["metric"],
                    f"{text} in every window",
                    _worst(result, b["metric"], b["op"]),
                    hit,
                    f"held in all {s['n_windows']} windows (worst value shown)",
                )
            )
    if "drift" in kinds:
        for metric in s["metrics"]:
            hit = alerts[(alerts["kind"] == "drift") & (alerts["metric"] == metric)]
            cusum = result.windows.loc[
                result.windows["metric"] == metric, "drift_cusum"
            ].astype(float)
            top = float(cusum.max()) if cusum.notna().any() else math.nan
            rows.append(
                _row(
                    metric,
                    "no drift from the reference",
                    _worst(result, metric, None),
                    hit,
                    f"stable over {n} windows: CUSUM at most {top:.2f} < "
                    f"{s['drift_threshold']:.2f} ({s['reference']})",
                )
            )
    if "composition" in kinds:
        hit = alerts[alerts["kind"] == "composition"]
        rows.append(
            _row(
                "composition",
                "no composition shift",
                float(len(hit)),
                hit,
                f"group shares and sizes held over {n} windows",
            )
        )
    return rows


def run_monitor_check(
    item: pytest.Item,
    state: FairnessState,
    result: object,
    *,
    fail_on: object,
    name: str | None,
    last: object,
) -> MonitorResult:
    """Gate a monitoring result for a test and fail it when an alert fires.

    Parameters
    ----------
    item : pytest.Item
        The test calling ``fairness.check_monitor``.
    state : FairnessState
        The plugin's session state.
    result : MonitorResult
        What :func:`pytest_fairness.monitoring.monitor` returned.
    fail_on : str or iterable of str
        Alert kinds that fail the test.
    name : str or None
        Distinguishes several checks in one test.
    last : int or None
        Only the alerts of the last windows count.

    Returns
    -------
    MonitorResult
        The result.

    Raises
    ------
    FairnessGateFailure
        When an alert of a kind in ``fail_on`` fired.
    FairnessValueError
        For a result that is not a monitoring result, or bad arguments.
    """
    __tracebackhide__ = True
    from pytest_fairness.monitoring import MonitorResult

    if not isinstance(result, MonitorResult):
        msg = (
            "fairness.check_monitor(result=...) expects what "
            "pytest_fairness.monitoring.monitor() returns. Got "
            f"{type(result).__name__}."
        )
        raise FairnessValueError(msg)
    kinds = _fail_on(fail_on)
    name = check_name(name, "fairness.check_monitor")
    alerts = _recent(result, last)
    module, test = split_nodeid(item.nodeid)
    key = test if name is None else f"{test}::{name}"
    if any(r["key"] == key for r in item.stash.setdefault(RECORDS_KEY, [])):
        msg = (
            f"fairness checks ran twice in {item.nodeid} under the same name "
            f"{name!r}: give each check of a test a distinct name=."
        )
        raise FairnessValueError(msg)
    rows = _rows(result, alerts, kinds)
    if not rows:
        msg = (
            f"fairness.check_monitor(fail_on={list(kinds)!r}) has nothing to "
            "check: the result has no bounds. Pass bounds= to monitor(), or "
            "fail on 'drift' or 'composition'."
        )
        raise FairnessValueError(msg)
    s = result.settings
    record: dict[str, Any] = {
        "kind": "monitor",
        "nodeid": item.nodeid,
        "module": module,
        "test": test,
        "name": name,
        "key": key,
        "verdict": gate_verdict(rows, "fail"),
        "attributes": list(s["attributes"]),
        "n_groups": s["n_groups"],
        "n_rows": s["n_rows"],
        "min_group_size": s["min_group_size"],
        "min_denominator": s["min_denominator"],
        "intersectional": s["intersectional"],
        "reference": s["reference"],
        "on_inconclusive": "fail",
        "confidence": None,
        "correction": "none",
        "bounds": rows,
        "small_groups": [],
        "groups": [],
        "baseline": {"enabled": False},
        "update_command": update_command(state, item.nodeid),
        "monitor": {
            "freq": s["freq"],
            "windows": s["n_windows"],
            "watched": s["n_watched"],
            "fail_on": list(kinds),
            "last": last,
        },
    }
    others = alerts[~alerts["kind"].isin(kinds)]
    for kind, group in others.groupby("kind", sort=False):
        warnings.warn(
            FairnessWarning(
                f"{len(group)} {kind} alert(s) (not failing: fail_on="
                f"{list(kinds)!r}); the first: {group.iloc[0]['message']}"
            ),
            stacklevel=3,
        )
    conclude(item, record, result=result, on_inconclusive="fail")
    return result
