"""MonitorResult: windows, groups and alerts of a monitoring run, and their views.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pytest_fairness._labels import decode_label, encode_label
from pytest_fairness._version import __version__
from pytest_fairness.exceptions import FairnessValueError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

    import pandas as pd

__all__ = ["ALERT_KINDS", "SCHEMA_VERSION", "MonitorResult"]

SCHEMA_VERSION = 1
ALERT_KINDS = ("bound", "drift", "composition")
_TIME_COLUMNS = {
    "windows": ("window_start", "window_end"),
    "groups": ("window_start",),
    "alerts": ("window_start", "since"),
}


def _json_value(value: Any) -> Any:
    import numpy as np  # noqa: PLC0415 - loaded with the tables
    import pandas as pd  # noqa: PLC0415

    if value is None:
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else float(value)
    if value is pd.NaT:
        return None
    return encode_label(value)


def _records(frame: pd.DataFrame) -> dict[str, Any]:
    return {
        "columns": [str(c) for c in frame.columns],
        "rows": [
            [_json_value(v) for v in row] for row in frame.itertuples(index=False)
        ],
    }


def _frame(data: Mapping[str, Any], times: Sequence[str]) -> pd.DataFrame:
    import numpy as np  # noqa: PLC0415 - loaded with the tables
    import pandas as pd  # noqa: PLC0415

    rows = [
        [decode_label(v) if isinstance(v, dict) else v for v in r] for r in data["rows"]
    ]
    frame = pd.DataFrame(rows, columns=data["columns"])
    for col in times:
        if col in frame.columns:
            frame[col] = pd.to_datetime(frame[col], format="ISO8601")
    for col in frame.columns:
        values = frame[col]
        numeric = all(v is None or isinstance(v, int | float) for v in values)
        if (
            values.dtype == object
            and any(isinstance(v, float) for v in values)
            and numeric
        ):
            # NaN was written as None: a numeric column comes back numeric
            frame[col] = values.astype(np.float64)
    return frame


@dataclass(frozen=True, eq=False)
class MonitorResult:
    """Fairness over the windows of a log: what :func:`monitor` returns.

    Attributes
    ----------
    windows : pandas.DataFrame
        One row per window and disparity: ``window_start``, ``window_end``,
        ``metric``, ``value`` (equal to :func:`~pytest_fairness.audit` on the
        window's rows), ``low`` / ``high`` (interval at ``confidence``),
        ``rows`` and ``labelled`` (rows with a known label), ``n_compared``,
        the worst pair (``group_low``, ``rate_low``, ``denominator_low``,
        ``group_high``, ...), ``bound`` and ``verdict``, ``reference``
        (in the reference period), the drift test (``drift_z``,
        ``drift_cusum``, ``drift_threshold``, ``drift``: reference, stable,
        alert or skipped) and a ``note`` when the value is missing.
    groups : pandas.DataFrame
        One row per window, group and rate: ``value`` with its Wilson
        interval, ``rows``, ``denominator``, ``share`` of the window's rows
        and ``small`` (under ``min_group_size``).
    alerts : pandas.DataFrame
        ``window_start``, ``kind`` (``"bound"``, ``"drift"``,
        ``"composition"``), ``metric``, ``group``, ``value``, ``message``,
        plus ``window`` (its label), ``what`` (the bound, ``drift``,
        ``shares``, ``appeared``, ``vanished``, ``below min_group_size``,
        ``no rows``), ``since`` (the window the change started in) and
        ``stage`` (the stage to revisit).
    settings : dict
        How the monitoring ran: columns, frequency, disparities, bounds,
        reference period, levels and the drift threshold.
    """

    windows: pd.DataFrame
    groups: pd.DataFrame
    alerts: pd.DataFrame
    settings: dict[str, Any]

    # -- queries ---------------------------------------------------------------
    @property
    def metrics(self) -> list[str]:
        """The disparities followed."""
        return list(self.settings["metrics"])

    @property
    def n_windows(self) -> int:
        """Number of windows, from the first to the last with rows."""
        return int(self.settings["n_windows"])

    def alerts_of(self, *kinds: str) -> pd.DataFrame:
        """Return the alerts of some kinds.

        Parameters
        ----------
        *kinds : str
            ``"bound"``, ``"drift"`` or ``"composition"``; none for all.

        Returns
        -------
        pandas.DataFrame
            The matching rows of :attr:`alerts`.

        Raises
        ------
        FairnessValueError
            For an unknown kind.
        """
        for kind in kinds:
            if kind not in ALERT_KINDS:
                msg = f"alert kind {kind!r} is not one of {list(ALERT_KINDS)!r}."
                raise FairnessValueError(msg)
        if not kinds:
            return self.alerts
        return self.alerts[self.alerts["kind"].isin(kinds)]

    def series(self, metric: str) -> pd.DataFrame:
        """Return one disparity over time.

        Parameters
        ----------
        metric : str
            A followed disparity.

        Returns
        -------
        pandas.DataFrame
            Its rows of :attr:`windows`, indexed by ``window_start``.

        Raises
        ------
        FairnessValueError
            When the disparity is not followed.
        """
        if metric not in self.metrics:
            msg = (
                f"metric={metric!r} is not followed; this result has {self.metrics!r}."
            )
            raise FairnessValueError(msg)
        rows = self.windows[self.windows["metric"] == metric]
        return rows.set_index("window_start")

    # -- text ------------------------------------------------------------------
    def lines(self) -> list[str]:
        """Render the result as plain text: settings, a table per disparity, alerts.

        Returns
        -------
        list of str
            The lines of ``str(result)``.
        """
        from pytest_fairness.monitoring._render import result_lines  # noqa: PLC0415

        return result_lines(self)

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def to_markdown(self) -> str:
        """Render the result as GitHub-flavoured markdown.

        Returns
        -------
        str
            A summary, the table of every disparity over time and the alerts.
        """
        from pytest_fairness.monitoring._render import result_markdown  # noqa: PLC0415

        return result_markdown(self)

    def to_html(self) -> str:
        """Render the result as a standalone HTML page with inline SVG charts.

        Returns
        -------
        str
            One chart per disparity (time on the x axis, the interval as a
            band, the bound as a line, the reference period shaded, alerts
            marked), a chart of the group shares, and the alerts table. No
            script and no external file; every text is escaped.
        """
        from pytest_fairness.monitoring._render import result_html  # noqa: PLC0415

        return result_html(self)

    def _repr_html_(self) -> str:
        return self.to_html()

    def plot(self, metric: str | None = None, *, ax: Any = None) -> Any:
        """Plot disparities over time with matplotlib (the ``plot`` extra).

        Parameters
        ----------
        metric : str, optional
            One disparity; all followed ones by default (one axis each).
        ax : matplotlib.axes.Axes, optional
            Where to draw one disparity.

        Returns
        -------
        matplotlib.figure.Figure
            The figure: the value with its interval band, the bound, the
            reference period shaded and alerts marked.
        """
        from pytest_fairness.monitoring._render import plot_result  # noqa: PLC0415

        return plot_result(self, metric, ax=ax)

    # -- exports ---------------------------------------------------------------
    def to_mlflow(self, run_id: str | None = None, *, prefix: str = "fairness") -> str:
        """Log every window's values to MLflow (the ``mlflow`` extra).

        Parameters
        ----------
        run_id : str, optional
            The run to log into; the active run by default.
        prefix : str, default="fairness"
            Prefix of the metric keys.

        Returns
        -------
        str
            The run's id.

        Raises
        ------
        ImportError
            Without mlflow: ``pip install "pytest-fairness[mlflow]"``.
        FairnessValueError
            Without ``run_id`` and no active run.

        Notes
        -----
        One metric per disparity (``fairness/demographic_parity_difference``,
        and ``_low`` / ``_high`` for its interval), per group and rate
        (``fairness/selection_rate/sex.female/race.black``) and per alert
        kind (``fairness/alerts/drift``, a count), with ``step`` the window's
        number and ``timestamp`` its start. Works with any tracking store,
        including the SQLite store and the local file store (which MLflow 3
        accepts with ``MLFLOW_ALLOW_FILE_STORE=true``).
        """
        from pytest_fairness.monitoring._export import log_mlflow  # noqa: PLC0415

        return log_mlflow(self, run_id, prefix=prefix)

    def to_prometheus(
        self,
        path: str | Path | None = None,
        *,
        window: str = "last",
        labels: Mapping[str, str] | None = None,
    ) -> str:
        """Write the values as Prometheus/OpenMetrics text.

        Parameters
        ----------
        path : str or Path, optional
            File to write (atomically, as the node-exporter textfile
            collector needs: a ``.prom`` file in its directory). None only
            returns the text.
        window : {"last", "all"}, default="last"
            The last window only (the textfile collector exposes current
            values, without timestamps), or every window with a
            ``window_start`` label.
        labels : mapping of str to str, optional
            Labels added to every sample, e.g. ``{"model": "loan"}``.

        Returns
        -------
        str
            The exposition text.

        Raises
        ------
        FairnessValueError
            For a bad ``window`` or label name.
        """
        from pytest_fairness.monitoring._export import prometheus_text  # noqa: PLC0415

        return prometheus_text(self, path, window=window, labels=labels)

    # -- serialisation ---------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Return the result as JSON-friendly data.

        Returns
        -------
        dict
            ``schema``, ``version``, ``settings`` and the three tables as
            ``{"columns": [...], "rows": [[...], ...]}`` (timestamps in ISO
            8601, NaN as None).
        """
        settings = dict(self.settings)
        settings["pos_label"] = encode_label(settings.get("pos_label"))
        return {
            "schema": SCHEMA_VERSION,
            "version": __version__,
            "settings": settings,
            "windows": _records(self.windows),
            "groups": _records(self.groups),
            "alerts": _records(self.alerts),
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        """Return :meth:`to_dict` as a JSON string (sorted keys, no NaN).

        Parameters
        ----------
        indent : int or None, default=2
            Indentation, as for :func:`json.dumps`.

        Returns
        -------
        str
            The JSON document.
        """
        return json.dumps(
            self.to_dict(), indent=indent, sort_keys=True, allow_nan=False
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MonitorResult:
        """Rebuild a result from :meth:`to_dict` output.

        Parameters
        ----------
        data : mapping
            The output of :meth:`to_dict`.

        Returns
        -------
        MonitorResult
            The same tables and settings.

        Raises
        ------
        FairnessValueError
            When the data is not a monitoring result of a readable schema.
        """
        try:
            if data["schema"] != SCHEMA_VERSION:
                msg = (
                    f"monitoring result schema {data['schema']!r} is not supported "
                    f"(this version reads schema {SCHEMA_VERSION})."
                )
                raise FairnessValueError(msg)
            settings = dict(data["settings"])
            settings["pos_label"] = decode_label(settings.get("pos_label"))
            return cls(
                windows=_frame(data["windows"], _TIME_COLUMNS["windows"]),
                groups=_frame(data["groups"], _TIME_COLUMNS["groups"]),
                alerts=_frame(data["alerts"], _TIME_COLUMNS["alerts"]),
                settings=settings,
            )
        except (KeyError, TypeError) as exc:
            msg = f"not a monitoring result: missing or malformed field {exc}."
            raise FairnessValueError(msg) from exc

    @classmethod
    def from_json(cls, text: str) -> MonitorResult:
        """Rebuild a result from :meth:`to_json` output.

        Parameters
        ----------
        text : str
            The JSON document.

        Returns
        -------
        MonitorResult
            The result.

        Raises
        ------
        FairnessValueError
            If the text is not valid JSON or not a monitoring result.
        """
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            msg = f"not a monitoring result: invalid JSON ({exc})."
            raise FairnessValueError(msg) from exc
        return cls.from_dict(data)
