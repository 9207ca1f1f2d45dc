"""``FairnessReport.plot``: group rates with Wilson intervals, drawn by matplotlib.

Loaded on first use; matplotlib is the ``plot`` extra.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pytest_fairness._optional import import_optional
from pytest_fairness._validation import check_probability, fail
from pytest_fairness.gates._result import format_group, format_value
from pytest_fairness.metrics import METRICS
from pytest_fairness.metrics._intervals import effective_size

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pytest_fairness.report._report import FairnessReport

__all__ = ["plot_report"]


def _rates(report: FairnessReport, metrics: str | Sequence[str] | None) -> list[str]:
    __tracebackhide__ = True
    if metrics is None:
        names = [m for m in report.metrics if METRICS[m].kind == "binary"]
    else:
        names = [metrics] if isinstance(metrics, str) else list(metrics)
    out = []
    for name in names:
        metric = report._metric(name)
        if METRICS[metric].kind != "binary" or metric not in report.metrics:
            allowed = [m for m in report.metrics if METRICS[m].kind == "binary"]
            msg = (
                "report.plot() draws the binary rates of the audit "
                f"({', '.join(allowed)}). Got {name!r}."
            )
            raise fail(msg)
        out.append(metric)
    if not out:
        msg = "report.plot() has no binary rate to draw: pass metrics= to audit()."
        raise fail(msg)
    return out


def plot_report(
    report: FairnessReport,
    metrics: str | Sequence[str] | None,
    *,
    level: float | None,
    ax: Any,
) -> Any:
    """Draw each group's rates with their Wilson intervals.

    Parameters
    ----------
    report : FairnessReport
        The audit.
    metrics : str or sequence of str or None
        The rates; None for every binary rate of the audit.
    level : float or None
        Interval level; None for the audit's ``confidence``, else 0.95.
    ax : matplotlib.axes.Axes or None
        Where to draw one rate.

    Returns
    -------
    matplotlib.figure.Figure
        The figure.
    """
    __tracebackhide__ = True
    plt = import_optional("matplotlib.pyplot", extra="plot", purpose="report plots")
    rates = _rates(report, metrics)
    if level is None:
        level = report.confidence if report.confidence is not None else 0.95
    level = check_probability("level", level)
    if ax is not None and len(rates) != 1:
        msg = "ax= draws one rate: pass metrics= with one name too."
        raise fail(msg)
    t = report.table
    labels = [format_group(g) for g in t.groups]
    small = t.counts.rows < report.min_group_size
    if ax is None:
        fig, grid = plt.subplots(
            1,
            len(rates),
            figsize=(4.2 * len(rates), 0.45 * len(labels) + 1.6),
            squeeze=False,
            sharey=True,
        )
        axes = list(grid[0])
    else:
        fig, axes = ax.figure, [ax]
    ys = list(range(len(labels)))[::-1]
    for metric, a in zip(rates, axes, strict=True):
        values = t.values(metric)
        low, high = report._wilson(t, metric, level)
        den, _ = effective_size(t.counts, METRICS[metric].denominator)
        for i, y in enumerate(ys):
            v = float(values[i])
            hollow = bool(small[i])
            a.errorbar(
                [v],
                [y],
                xerr=[[v - float(low[i])], [float(high[i]) - v]],
                fmt="o",
                color="tab:gray" if hollow else "tab:blue",
                markerfacecolor="white" if hollow else "tab:blue",
                capsize=3,
            )
            a.annotate(
                f"{format_value(v)} n={round(float(den[i])):,}",
                (1.02, y),
                xycoords=("axes fraction", "data"),
                va="center",
                fontsize="small",
            )
        a.set_xlim(0.0, 1.0)
        a.set_title(f"{metric} ({level:.0%} Wilson)")
        a.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(ys)
    axes[0].set_yticklabels(
        [
            f"{label} (small)" if s else label
            for label, s in zip(labels, small, strict=True)
        ]
    )
    axes[0].set_ylabel(" × ".join(report.attributes))
    fig.tight_layout()
    return fig
