"""The HTML report: one self-contained page drawn from a run's records.

Inline CSS and SVG, no scripts, no external files; every text from a record
is escaped (:func:`pytest_fairness._escape.html`), every number formatted by
:mod:`pytest_fairness.render._format`. The same document gives the same
bytes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_fairness import _escape as esc
from pytest_fairness.render._format import (
    change_text,
    fmt,
    gate_heading,
    signed_interval,
)
from pytest_fairness.render._svg import disparity_chart, group_chart, history_chart
from pytest_fairness.render._text import (
    SUMMARY_HEADERS,
    bound_table,
    group_table,
    groups_line,
    headline,
    intervals_line,
    left_out,
    next_steps,
    note_lines,
    summary_rows,
    verdict_line,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from pytest_fairness.records import GateRecord, ReportDocument, RunContext

__all__ = ["STYLE", "html_report", "html_table"]

STYLE = """\
body { font-family: system-ui, sans-serif; margin: 2em; color: #1f2328;
       max-width: 80em; }
table { border-collapse: collapse; margin: 0.5em 0 1em; }
th, td { border: 1px solid #d0d7de; padding: 0.25em 0.6em; text-align: left; }
th { background: #f6f8fa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
summary { cursor: pointer; margin: 0.5em 0; }
summary h3 { display: inline; font-size: 1.05em; }
dl.context { display: grid; grid-template-columns: max-content auto;
             gap: 0.1em 1em; }
dl.context dt { font-weight: 600; }
dl.context dd { margin: 0; font-family: ui-monospace, monospace; }
tr.small td { color: #656d76; font-style: italic; }
svg.chart { display: block; margin: 0.5em 0 1em; font-size: 12px;
            font-family: system-ui, sans-serif; }
svg.chart text.heading { font-weight: 600; }
svg.chart text.tick { fill: #57606a; font-size: 11px; }
.passed { background: #dafbe1; color: #116329; }
.failed { background: #ffebe9; color: #a40e26; font-weight: 600; }
.regressed { background: #fff1e5; color: #953800; font-weight: 600; }
.inconclusive { background: #fff8c5; color: #7d4e00; }
.missing { background: #fbefff; color: #6e40c9; font-weight: 600; }
.changed { background: #fbefff; color: #6e40c9; font-weight: 600; }
.expected { background: #f6f8fa; color: #57606a; font-weight: normal; }
svg .mark { background: none; }
"""
_SUMMARY_NUMERIC = {"value", "baseline", "change"}


def _h(text: object) -> str:
    return esc.html(text)


def html_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    cell_class: Callable[[int, int], str] = lambda i, j: "",
    row_classes: Sequence[str] = (),
    caption: str | None = None,
) -> list[str]:
    """Return an HTML table; headers and cells are plain text, escaped here.

    Parameters
    ----------
    headers : sequence of str
        Column headers.
    rows : sequence of sequence of str
        Cells.
    cell_class : callable, optional
        ``(row, column) -> class``.
    row_classes : sequence of str, optional
        A class per row.
    caption : str, optional
        The table's caption.

    Returns
    -------
    list of str
        The table's lines.
    """
    return html_table_markup(
        headers,
        [[_h(c) for c in row] for row in rows],
        cell_class,
        row_classes,
        caption,
    )


def html_table_markup(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    cell_class: Callable[[int, int], str] = lambda i, j: "",
    row_classes: Sequence[str] = (),
    caption: str | None = None,
) -> list[str]:
    """Return an HTML table whose cells are markup already (escaped).

    Parameters
    ----------
    headers : sequence of str
        Column headers (plain text).
    rows : sequence of sequence of str
        Cells, as HTML.
    cell_class : callable, optional
        ``(row, column) -> class``.
    row_classes : sequence of str, optional
        A class per row.
    caption : str, optional
        The table's caption (plain text).

    Returns
    -------
    list of str
        The table's lines.
    """

    def attr(name: str) -> str:
        return f' class="{_h(name)}"' if name else ""

    out = ["<table>"]
    if caption:
        out.append(f"<caption>{_h(caption)}</caption>")
    out.append("<thead><tr>")
    out += [f'<th scope="col">{_h(h)}</th>' for h in headers]
    out += ["</tr></thead>", "<tbody>"]
    for i, row in enumerate(rows):
        cells = "".join(
            f"<td{attr(cell_class(i, j))}>{cell}</td>" for j, cell in enumerate(row)
        )
        row_class = row_classes[i] if row_classes else ""
        out.append(f"<tr{attr(row_class)}>{cells}</tr>")
    return [*out, "</tbody>", "</table>"]


def _summary(records: Sequence[GateRecord]) -> list[str]:
    rows = summary_rows(records)
    outcomes = [
        r.outcome + (" expected" if rec.expected else "")
        for rec in records
        for r in rec.bounds
    ]
    anchors = [i for i, rec in enumerate(records, 1) for _ in rec.bounds]
    cells = [
        [f'<a href="#gate-{a}">{_h(row[0])}</a>', *(_h(c) for c in row[1:])]
        for row, a in zip(rows, anchors, strict=True)
    ]
    last = len(SUMMARY_HEADERS) - 1

    def cell_class(i: int, j: int) -> str:
        if j == last:
            return f"verdict {outcomes[i]}"
        return "num" if SUMMARY_HEADERS[j] in _SUMMARY_NUMERIC else ""

    return html_table_markup(SUMMARY_HEADERS, cells, cell_class)


def _bounds(record: GateRecord) -> list[str]:
    headers, rows = bound_table(record)
    verdict = headers.index("verdict")
    numeric = {"value", "baseline", "change"}
    outcomes = [r.outcome for r in record.bounds]

    def cell_class(i: int, j: int) -> str:
        if j == verdict:
            return f"verdict {outcomes[i]}" + (" expected" if record.expected else "")
        return "num" if headers[j] in numeric else ""

    return html_table(headers, rows, cell_class, caption="bounds")


def _comparisons(record: GateRecord) -> list[str]:
    headers = [
        "metric",
        "baseline",
        "value",
        "change [one-sided bounds]",
        "margin",
        "noise ±",
        "detects a worsening of",
        "method",
        "status",
    ]
    rows = []
    for r in record.bounds:
        c = r.comparison
        if c is None or c.status == "new":
            continue
        rows.append(
            [
                r.metric,
                "-" if c.baseline is None else fmt(c.baseline),
                fmt(r.value),
                change_text(c.change) + signed_interval(c.change_interval),
                "-" if c.margin is None else fmt(c.margin),
                "-" if c.noise is None else fmt(c.noise),
                "-" if c.detectable is None else fmt(c.detectable),
                c.method or "-",
                c.status.replace("_", " ") + (f": {c.reason}" if c.reason else ""),
            ]
        )
    if not rows:
        return []
    return html_table(
        headers,
        rows,
        lambda i, j: "num" if 1 <= j <= 6 else "",
        caption="compared with the baseline",
    )


def _groups(record: GateRecord, index: int) -> list[str]:
    out = []
    for k, t in enumerate(record.groups, 1):
        for m, metric in enumerate(t.metrics, 1):
            out.append(group_chart(t, metric, f"g{index}-groups-{k}-{m}"))
        headers, rows = group_table(t)
        out += html_table(
            headers,
            rows,
            cell_class=lambda i, j: "num" if j else "",
            row_classes=["small" if row.small else "" for row in t.rows],
            caption=f"groups by {' × '.join(t.attributes)}",
        )
    return out


def _list(items: Sequence[str], cls: str) -> list[str]:
    if not items:
        return []
    return [f'<ul class="{cls}">', *(f"<li>{_h(i)}</li>" for i in items), "</ul>"]


def _gate(index: int, record: GateRecord, document: ReportDocument) -> list[str]:
    heading, outcome = gate_heading(record)
    expected = record.expected
    # open when the gate needs attention: it did not pass, and not as expected
    opened = "" if record.verdict == "passed" or expected else " open"
    classes = f"verdict {outcome}" + (" expected" if expected else "")
    facts = []
    if record.causal:
        facts.append(f"result: {record.subject}")
    else:
        if record.subject:
            facts.append(f"result: {record.subject}")
        facts.append(groups_line(record))
        if record.n_rows is not None:
            facts.append(f"rows: {record.n_rows:,}")
    if record.baseline.enabled:
        facts.append(f"baseline: {record.baseline.display} [{record.key}]")
    line = intervals_line(record)
    if line is not None:
        facts.append(line)
    out = [
        f'<section id="gate-{index}">',
        f"<details{opened}>",
        f"<summary><h3>{_h(record.label)}</h3> "
        f'<span class="{_h(classes)}">{_h(heading)}</span>'
        "</summary>",
        f'<p class="headline">{_h(headline(record))}</p>',
        *_list(facts, "facts"),
        *_bounds(record),
        disparity_chart(record.bounds, f"g{index}-bounds", f"bounds of {record.label}"),
    ]
    history = document.history_of(record)
    if history:
        for k, row in enumerate(record.bounds, 1):
            chart = history_chart(history, row, f"g{index}-history-{k}")
            if chart is not None:
                out.append(chart)
    out += _comparisons(record)
    out += _list(left_out(record), "left-out")
    out += _list(next_steps(record), "next")
    out += _groups(record, index)
    return [*out, "</details>", "</section>"]


def context_items(context: RunContext | None) -> list[tuple[str, str]]:
    """Return the run's context as (name, value) pairs, for what is known.

    Parameters
    ----------
    context : RunContext or None
        The context.

    Returns
    -------
    list of (str, str)
        Plain text pairs.
    """
    if context is None:
        return []
    pairs = [
        ("pytest-fairness", context.version),
        ("commit", context.commit),
        ("branch", context.branch),
        ("command", context.command),
        ("time", context.timestamp),
    ]
    return [(k, v) for k, v in pairs if v]


def _run(document: ReportDocument) -> list[str]:
    items = context_items(document.context)
    gates = [g for g in document.gates if not g.causal]
    if not items and not gates:
        return []
    out = ['<dl class="context">']
    out += [f"<dt>{_h(k)}</dt><dd>{_h(v)}</dd>" for k, v in items]
    out.append("</dl>")
    return out


def html_report(document: ReportDocument) -> str:
    """Render a run's gates as one self-contained HTML page.

    Parameters
    ----------
    document : ReportDocument
        The gates, their history, the baseline notes and the run's context.

    Returns
    -------
    str
        A UTF-8 page with inline CSS and SVG and no scripts: a verdict line,
        the run's context, the table of every bound (value and interval,
        each verdict cell classed by its outcome), one section per gate
        (open when it did not pass) with its bounds, charts (bounds against
        bound, baseline and noise; history; group rates with intervals) and
        tables, and the baseline notes. The same document gives the same
        text.
    """
    records = document.gates
    version = document.context.version if document.context else ""
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta name="generator" content="pytest-fairness {_h(version)}">',
        "<title>Fairness gates</title>",
        f"<style>\n{STYLE}</style>",
        "</head>",
        "<body>",
        "<main>",
        "<h1>Fairness gates</h1>",
        f"<p>{_h(verdict_line(records))}</p>",
        *_run(document),
    ]
    if records:
        out += _summary(records)
        out.append("<h2>Gates</h2>")
        for index, record in enumerate(records, 1):
            out += _gate(index, record, document)
    notes_text = note_lines(document.notes)
    if notes_text:
        out += ["<h2>Baselines</h2>", "<ul>"]
        out += [f"<li>{_h(line.strip())}</li>" for line in notes_text]
        out.append("</ul>")
    out += ["</main>", "</body>", "</html>", ""]
    return "\n".join(out)
