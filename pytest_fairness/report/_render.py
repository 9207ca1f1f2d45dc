"""Render a FairnessReport as plain text, markdown or HTML (no pytest, no ANSI).

Group labels and column names come from data: each output escapes them with
its function of :mod:`pytest_fairness._escape`.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from pytest_fairness import _escape as esc
from pytest_fairness.exceptions import FairnessError
from pytest_fairness.gates._result import format_group, format_value
from pytest_fairness.metrics import METRICS

if TYPE_CHECKING:
    from collections.abc import Callable

    from pytest_fairness.metrics import Disparity
    from pytest_fairness.report._report import FairnessReport, GroupTable

__all__ = ["STYLE", "report_html", "report_lines", "report_markdown"]


def _fmt(value: float) -> str:
    return format_value(value)


def _headline(report: FairnessReport) -> str:
    attrs = " × ".join(report.attributes)
    small = len(report.small_groups())
    one = report.n_groups == 1
    kind = "group" if one else "groups"
    if len(report.attributes) > 1:
        kind = "intersectional " + kind
        if not report.intersectional:
            kind = "intersection" if one else "intersections"
            kind += " (disparities per column)"
    return (
        f"fairness audit of {report.n_rows:,} rows over {attrs}: "
        f"{report.n_groups} {kind}, {small} under min_group_size="
        f"{report.min_group_size}"
    )


def _group_rows(
    report: FairnessReport, t: GroupTable, *, intervals: bool = False
) -> tuple[list[str], list[list[str]]]:
    """Return the headers and rows of a group table.

    With ``intervals`` and a ``confidence`` in the audit, each binary rate is
    followed by its Wilson interval's ends, as ``by_group`` names them
    (``selection_rate_low``, ``selection_rate_high``).
    """
    metrics = [m for m in report.metrics if m != "count"]
    headers = [" × ".join(t.attributes), "count"]
    columns: list[list[str]] = []
    for m in metrics:
        values = t.values(m)
        headers.append(m)
        columns.append([_fmt(v) for v in values])
        if intervals and report.confidence is not None and METRICS[m].kind == "binary":
            low, high = report._wilson(t, m, report.confidence)
            headers += [f"{m}_low", f"{m}_high"]
            columns += [[_fmt(v) for v in low], [_fmt(v) for v in high]]
    rows = []
    for i, g in enumerate(t.groups):
        n = int(t.counts.rows[i])
        flag = " (small)" if n < report.min_group_size else ""
        rows.append([format_group(g) + flag, f"{n:,}", *(c[i] for c in columns)])
    return headers, rows


def _disparity_headers(report: FairnessReport, *, intervals: bool) -> list[str]:
    interval = intervals and report.confidence is not None
    return ["disparity", "value", *(["interval"] if interval else []), "worst pair"]


def _disparity_rows(
    report: FairnessReport, *, intervals: bool = False
) -> list[list[str]]:
    def pair(d: Disparity) -> str:
        if d.low is None or d.high is None:
            return d.reason or "-"
        where = f"[{d.attribute}] " if d.attribute else ""
        return (
            f"{where}{d.metric}: {format_group(d.low.group)} {_fmt(d.low.value)} vs "
            f"{format_group(d.high.group)} {_fmt(d.high.value)}"
        )

    def interval(name: str) -> list[str]:
        if not intervals or report.confidence is None:
            return []
        try:
            low, high = report.interval(name)
        except FairnessError:
            return ["-"]
        if math.isnan(low) or math.isnan(high):
            return ["-"]
        return [f"[{_fmt(low)}, {_fmt(high)}]"]

    return [
        [name, _fmt(d.value), *interval(name), pair(d)]
        for name, d in report.disparities().items()
    ]


def _escaped(
    headers: list[str], rows: list[list[str]], escape: Callable[[str], str]
) -> tuple[list[str], list[list[str]]]:
    return [escape(h) for h in headers], [[escape(c) for c in r] for r in rows]


def _md_cell(text: str) -> str:
    return esc.markdown(text, cell=True)


#: The style of :func:`report_html`'s fragment, scoped to its section so that
#: a notebook or page around it keeps its own.
STYLE = (
    ".fairness-report{font-family:system-ui,sans-serif;color:#1f2328}"
    ".fairness-report table{border-collapse:collapse;margin:0.4em 0 1em}"
    ".fairness-report th,.fairness-report td{border:1px solid #d0d7de;"
    "padding:0.2em 0.6em;text-align:right;font-variant-numeric:tabular-nums}"
    ".fairness-report th{background:#f6f8fa}"
    ".fairness-report td:first-child,.fairness-report th:first-child"
    "{text-align:left}"
)


def _level_line(report: FairnessReport) -> str | None:
    if report.confidence is None:
        return None
    return (
        f"intervals: {report.confidence:.0%} (Wilson for group rates; "
        "disparities as FairnessReport.interval computes them)"
    )


def report_lines(report: FairnessReport) -> list[str]:
    """Render the report as lines of plain text.

    Parameters
    ----------
    report : FairnessReport
        The report.

    Returns
    -------
    list of str
        Headline, per-group table, disparities and notes on undefined values.
    """
    from tabulate import tabulate  # noqa: PLC0415 - loaded on first use

    def table(headers: list[str], rows: list[list[str]]) -> list[str]:
        headers, rows = _escaped(headers, rows, esc.terminal)
        return str(
            tabulate(rows, headers=headers, tablefmt="simple", disable_numparse=True)
        ).splitlines()

    out = [_headline(report), ""]
    out += table(*_group_rows(report, report.table))
    out.append("")
    out += table(["disparity", "value", "worst pair"], _disparity_rows(report))
    notes = report.undefined()
    if notes:
        out += ["", *notes]
    return [esc.terminal(line) for line in out]


def report_markdown(report: FairnessReport) -> str:
    """Render the report as GitHub-flavoured markdown.

    Parameters
    ----------
    report : FairnessReport
        The report.

    Returns
    -------
    str
        Headline, per-group table, one table per sensitive column when there
        are several, and the disparities.
    """
    from tabulate import tabulate  # noqa: PLC0415 - loaded on first use

    def table(headers: list[str], rows: list[list[str]]) -> str:
        headers, rows = _escaped(headers, rows, _md_cell)
        return str(
            tabulate(rows, headers=headers, tablefmt="github", disable_numparse=True)
        )

    parts = [
        f"### {esc.markdown(_headline(report))}",
        "",
        table(*_group_rows(report, report.table, intervals=True)),
    ]
    if len(report.attributes) > 1:
        for attr, t in report.marginals.items():
            parts += [
                "",
                f"#### by {esc.markdown(attr)}",
                "",
                table(*_group_rows(report, t, intervals=True)),
            ]
    parts += [
        "",
        "#### disparities",
        "",
        table(
            _disparity_headers(report, intervals=True),
            _disparity_rows(report, intervals=True),
        ),
    ]
    level = _level_line(report)
    if level:
        parts += ["", esc.markdown(level)]
    notes = report.undefined()
    if notes:
        parts += ["", *(f"- {esc.markdown(n)}" for n in notes)]
    return "\n".join(parts) + "\n"


def report_html(report: FairnessReport) -> str:
    """Render the report as an HTML fragment.

    Parameters
    ----------
    report : FairnessReport
        The report.

    Returns
    -------
    str
        A ``<section>`` with the headline and tables.
    """
    from tabulate import tabulate  # noqa: PLC0415 - loaded on first use

    def table(headers: list[str], rows: list[list[str]]) -> str:
        headers, rows = _escaped(headers, rows, esc.html)
        return str(
            tabulate(
                rows, headers=headers, tablefmt="unsafehtml", disable_numparse=True
            )
        )

    parts = [
        '<section class="fairness-report">',
        f"<style>{STYLE}</style>",
        f"<h3>{esc.html(_headline(report))}</h3>",
        table(*_group_rows(report, report.table, intervals=True)),
    ]
    if len(report.attributes) > 1:
        for attr, t in report.marginals.items():
            parts += [
                f"<h4>by {esc.html(attr)}</h4>",
                table(*_group_rows(report, t, intervals=True)),
            ]
    parts += [
        "<h4>disparities</h4>",
        table(
            _disparity_headers(report, intervals=True),
            _disparity_rows(report, intervals=True),
        ),
    ]
    level = _level_line(report)
    if level:
        parts.append(f"<p>{esc.html(level)}</p>")
    notes = report.undefined()
    if notes:
        parts.append(
            "<ul>" + "".join(f"<li>{esc.html(n)}</li>" for n in notes) + "</ul>"
        )
    parts.append("</section>")
    return "\n".join(parts) + "\n"
