"""Exports of a MonitorResult to the monitoring systems teams run.

MLflow (the ``mlflow`` extra) receives every window as a step of one run;
Prometheus reads the exposition text, written atomically for the
node-exporter textfile collector (no dependency needed to write it).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import math
import os
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pytest_fairness._optional import import_optional
from pytest_fairness.exceptions import FairnessValueError

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from pytest_fairness.monitoring._result import MonitorResult

__all__ = ["log_mlflow", "metric_key", "prometheus_text"]

_KEY_CHARS = re.compile(r"[^\w\-. :/]")
_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
#: MLflow's limit of metrics per ``log_batch`` call.
_BATCH = 1000


def metric_key(*parts: str) -> str:
    """Join parts into an MLflow metric key of allowed characters.

    Parameters
    ----------
    *parts : str
        Prefix, metric, group levels.

    Returns
    -------
    str
        The parts joined by ``/``, characters MLflow refuses replaced by
        ``_``.

    Examples
    --------
    >>> from pytest_fairness.monitoring._export import metric_key
    >>> metric_key("fairness", "selection_rate", "sex.female", "race.a|b")
    'fairness/selection_rate/sex.female/race.a_b'
    """
    return "/".join(_KEY_CHARS.sub("_", p) for p in parts)


def _millis(ts: Any) -> int:
    return int(ts.timestamp() * 1000)


def _points(
    result: MonitorResult, prefix: str
) -> Iterator[tuple[str, float, int, int]]:
    """(key, value, timestamp in ms, step) of every finite value."""
    w = result.windows
    starts = list(dict.fromkeys(w["window_start"]))
    step_of = {s: i for i, s in enumerate(starts)}
    for row in w.itertuples(index=False):
        step, ts = step_of[row.window_start], _millis(row.window_start)
        for suffix, raw in (("", row.value), ("_low", row.low), ("_high", row.high)):
            value = float(raw)  # type: ignore[arg-type]
            if not math.isnan(value):
                yield (
                    metric_key(prefix, f"{row.metric}{suffix}"),
                    value,
                    ts,
                    step,
                )
    attributes = list(result.settings["attributes"])
    g = result.groups
    levels = (
        g[attributes].astype(str).to_numpy()
        if set(attributes) <= set(g.columns)
        else None
    )
    for i, row in enumerate(g.itertuples(index=False)):
        value = float(row.value)  # type: ignore[arg-type]
        if math.isnan(value) or row.window_start not in step_of:
            continue
        names = (
            [f"{a}.{v}" for a, v in zip(attributes, levels[i], strict=True)]
            if levels is not None
            else [str(row.group)]
        )
        yield (
            metric_key(prefix, str(row.metric), *names),
            value,
            _millis(row.window_start),
            step_of[row.window_start],
        )
    counts = result.alerts.groupby(["window_start", "kind"]).size()
    for start in starts:
        for kind in ("bound", "drift", "composition"):
            n = int(counts.get((start, kind), 0))
            yield (
                metric_key(prefix, "alerts", kind),
                float(n),
                _millis(start),
                step_of[start],
            )


def log_mlflow(result: MonitorResult, run_id: str | None, *, prefix: str) -> str:
    """Log a result's per-window values into an MLflow run.

    Parameters
    ----------
    result : MonitorResult
        The result.
    run_id : str or None
        The run; the active run when None.
    prefix : str
        Prefix of the metric keys.

    Returns
    -------
    str
        The run's id.

    Raises
    ------
    FairnessValueError
        Without ``run_id`` and no active run.
    """
    mlflow = import_optional("mlflow", extra="mlflow", purpose="MLflow exports")
    entities = import_optional(
        "mlflow.entities", extra="mlflow", purpose="MLflow exports"
    )
    if run_id is None:
        active = mlflow.active_run()
        if active is None:
            msg = (
                "to_mlflow() found no active MLflow run: call it inside "
                "`with mlflow.start_run():`, or pass run_id=."
            )
            raise FairnessValueError(msg)
        run_id = str(active.info.run_id)
    client = mlflow.tracking.MlflowClient()
    batch = []
    for key, value, ts, step in _points(result, prefix):
        batch.append(entities.Metric(key=key, value=value, timestamp=ts, step=step))
        if len(batch) == _BATCH:
            client.log_batch(run_id, metrics=batch)
            batch = []
    if batch:
        client.log_batch(run_id, metrics=batch)
    s = result.settings
    client.set_tag(run_id, f"{prefix}.freq", str(s["freq"]))
    client.set_tag(run_id, f"{prefix}.reference", str(s["reference"]))
    client.set_tag(run_id, f"{prefix}.alerts", str(len(result.alerts)))
    return run_id


def _escape(value: object) -> str:
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(pairs: Mapping[str, object]) -> str:
    if not pairs:
        return ""
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in pairs.items()) + "}"


def _number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    return repr(float(value))


def prometheus_text(
    result: MonitorResult,
    path: str | os.PathLike[str] | None,
    *,
    window: str,
    labels: Mapping[str, str] | None,
) -> str:
    """Render (and optionally write) a result as Prometheus exposition text.

    Parameters
    ----------
    result : MonitorResult
        The result.
    path : path-like or None
        Where to write the text atomically.
    window : {"last", "all"}
        The last window, or every window with a ``window_start`` label.
    labels : mapping or None
        Labels of every sample.

    Returns
    -------
    str
        The text: gauges ``pytest_fairness_disparity`` (and ``_low`` /
        ``_high``), ``pytest_fairness_group_rate``,
        ``pytest_fairness_group_rows``, ``pytest_fairness_drift_cusum``,
        ``pytest_fairness_alerts`` and
        ``pytest_fairness_window_start_timestamp_seconds``.

    Raises
    ------
    FairnessValueError
        For a bad ``window`` or label name.
    """
    if window not in ("last", "all"):
        msg = f"window must be 'last' or 'all'. Got {window!r}."
        raise FairnessValueError(msg)
    base = dict(labels or {})
    for name in base:
        if not _LABEL_NAME.match(str(name)) or str(name).startswith("__"):
            msg = (
                f"labels: {name!r} is not a Prometheus label name "
                "([a-zA-Z_][a-zA-Z0-9_]*, not starting with __)."
            )
            raise FairnessValueError(msg)
    w, g, a = result.windows, result.groups, result.alerts
    starts = list(dict.fromkeys(w["window_start"]))
    chosen = starts[-1:] if window == "last" else starts
    families: dict[str, tuple[str, list[str]]] = {
        "pytest_fairness_disparity": (
            "Disparity between groups in a monitoring window.",
            [],
        ),
        "pytest_fairness_disparity_low": ("Lower end of the disparity's interval.", []),
        "pytest_fairness_disparity_high": (
            "Upper end of the disparity's interval.",
            [],
        ),
        "pytest_fairness_drift_cusum": (
            "CUSUM of the disparity's drift from the reference period.",
            [],
        ),
        "pytest_fairness_drift_threshold": (
            "CUSUM value that raises a drift alert.",
            [],
        ),
        "pytest_fairness_group_rate": (
            "A rate of one group in a monitoring window.",
            [],
        ),
        "pytest_fairness_group_rows": ("Rows of one group in a monitoring window.", []),
        "pytest_fairness_alerts": (
            "Alerts raised in a monitoring window, by kind.",
            [],
        ),
        "pytest_fairness_window_start_timestamp_seconds": (
            "Start of the monitoring window.",
            [],
        ),
    }

    def add(family: str, extra: Mapping[str, object], value: float, start: Any) -> None:
        pairs = {**base, **extra}
        if window == "all":
            pairs["window_start"] = start.isoformat()
        families[family][1].append(f"{family}{_labels(pairs)} {_number(value)}")

    for start in chosen:
        rows = w[w["window_start"] == start]
        for r in rows.itertuples(index=False):
            metric = {"metric": r.metric}
            add("pytest_fairness_disparity", metric, float(r.value), start)
            add("pytest_fairness_disparity_low", metric, float(r.low), start)
            add("pytest_fairness_disparity_high", metric, float(r.high), start)
            if not math.isnan(float(r.drift_cusum)):
                add("pytest_fairness_drift_cusum", metric, float(r.drift_cusum), start)
                add(
                    "pytest_fairness_drift_threshold",
                    metric,
                    float(r.drift_threshold),
                    start,
                )
        grows = g[g["window_start"] == start]
        for r in grows.itertuples(index=False):
            add(
                "pytest_fairness_group_rate",
                {"metric": r.metric, "group": r.group},
                float(r.value),
                start,
            )
        for r in grows.drop_duplicates("group").itertuples(index=False):
            add("pytest_fairness_group_rows", {"group": r.group}, float(r.rows), start)
        here = a[a["window_start"] == start]
        for kind in ("bound", "drift", "composition"):
            add(
                "pytest_fairness_alerts",
                {"kind": kind},
                float((here["kind"] == kind).sum()),
                start,
            )
        add(
            "pytest_fairness_window_start_timestamp_seconds",
            {},
            float(start.timestamp()),
            start,
        )
    out = []
    for family, (text, samples) in families.items():
        if not samples:
            continue
        out += [f"# HELP {family} {text}", f"# TYPE {family} gauge", *samples]
    body = "\n".join(out) + "\n"
    if path is not None:
        target = Path(path)
        fd, tmp = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
        )
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(body)
            Path(tmp).replace(target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return body
