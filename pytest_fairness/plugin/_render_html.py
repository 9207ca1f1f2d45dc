"""The HTML gate report: one self-contained page drawn from gate records.

Inline CSS, no scripts or external files; every text from a record is
escaped (:func:`pytest_fairness._escape.html`). Loaded only when a report
path ends in ``.html`` or ``.htm``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pytest_fairness import _escape as esc
from pytest_fairness._version import __version__
from pytest_fairness.plugin._render import (
    SUMMARY_HEADERS,
    gate_heading,
    gate_label,
    gate_lines,
    group_table,
    note_lines,
    summary_rows,
    verdict_line,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from pytest_fairness.plugin._state import Notes

__all__ = ["html_report"]


_HTML_STYLE = """\
body { font-family: system-ui, sans-serif; margin: 2em; color: #1f2328; }
table { border-collapse: collapse; margin: 0.5em 0 1em; }
th, td { border: 1px solid #d0d7de; padding: 0.25em 0.6em; text-align: left; }
th { background: #f6f8fa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
pre { background: #f6f8fa; padding: 0.75em; overflow-x: auto; }
summary { cursor: pointer; font-weight: 600; margin: 0.5em 0; }
tr.small td { color: #656d76; font-style: italic; }
.passed { background: #dafbe1; color: #116329; }
.failed { background: #ffebe9; color: #a40e26; font-weight: 600; }
.regressed { background: #fff1e5; color: #953800; font-weight: 600; }
.inconclusive { background: #fff8c5; color: #7d4e00; }
.missing { background: #fbefff; color: #6e40c9; font-weight: 600; }
.changed { background: #fbefff; color: #6e40c9; font-weight: 600; }
.expected { background: #f6f8fa; color: #57606a; font-weight: normal; }
"""
_SUMMARY_NUMERIC = {"value", "baseline", "change"}


def _h(text: object) -> str:
    return esc.html(text)


def _html_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    cell_class: Callable[[int, int], str] = lambda i, j: "",
    row_classes: Sequence[str] = (),
) -> list[str]:
    # Headers are text; the cells of ``rows`` are HTML already (escaped).
    def attr(name: str) -> str:
        return f' class="{_h(name)}"' if name else ""

    out = ["<table>", "<thead><tr>"]
    out += [f"<th>{_h(h)}</th>" for h in headers]
    out += ["</tr></thead>", "<tbody>"]
    for i, row in enumerate(rows):
        cells = "".join(
            f"<td{attr(cell_class(i, j))}>{cell}</td>" for j, cell in enumerate(row)
        )
        row_class = row_classes[i] if row_classes else ""
        out.append(f"<tr{attr(row_class)}>{cells}</tr>")
    return [*out, "</tbody>", "</table>"]


def _html_summary(records: Sequence[Mapping[str, Any]]) -> list[str]:
    rows = summary_rows(records)
    outcomes = [
        r["outcome"] + (" expected" if rec.get("expected") else "")
        for rec in records
        for r in rec["bounds"]
    ]
    anchors = [i for i, rec in enumerate(records, 1) for _ in rec["bounds"]]
    cells = [
        [f'<a href="#gate-{a}">{_h(row[0])}</a>', *(_h(c) for c in row[1:])]
        for row, a in zip(rows, anchors, strict=True)
    ]
    last = len(SUMMARY_HEADERS) - 1

    def cell_class(i: int, j: int) -> str:
        if j == last:
            return f"verdict {outcomes[i]}"
        return "num" if SUMMARY_HEADERS[j] in _SUMMARY_NUMERIC else ""

    return _html_table(SUMMARY_HEADERS, cells, cell_class)


def _html_groups(record: Mapping[str, Any]) -> list[str]:
    out = []
    for table in record.get("groups") or []:
        headers, rows = group_table(table)
        out += _html_table(
            headers,
            [[_h(cell) for cell in row] for row in rows],
            cell_class=lambda i, j: "num" if j else "",
            row_classes=["small" if row["small"] else "" for row in table["rows"]],
        )
    return out


def _html_gate(index: int, record: Mapping[str, Any]) -> list[str]:
    heading, outcome = gate_heading(record)
    expected = bool(record.get("expected"))
    # open when the gate needs attention: it did not pass, and not as expected
    opened = "" if record["verdict"] == "passed" or expected else " open"
    classes = f"verdict {outcome}" + (" expected" if expected else "")
    return [
        f'<section id="gate-{index}">',
        f"<details{opened}>",
        f"<summary>{_h(gate_label(record))} "
        f'<span class="{_h(classes)}">{_h(heading)}</span>'
        "</summary>",
        "<pre>" + "\n".join(_h(line) for line in gate_lines(record)) + "</pre>",
        *_html_groups(record),
        "</details>",
        "</section>",
    ]


def html_report(records: Sequence[Mapping[str, Any]], notes: Notes) -> str:
    """Render the gates as one self-contained HTML page.

    Parameters
    ----------
    records : sequence of mapping
        Gate records.
    notes : Notes
        What happened to baselines.

    Returns
    -------
    str
        A UTF-8 page with inline CSS and no scripts: a verdict line, the
        table of every bound (each verdict cell classed by its outcome), one
        section per gate (open when it did not pass) with its failure
        message and per-group tables, and the baseline notes. The same
        records give the same text.
    """
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta name="generator" content="pytest-fairness {_h(__version__)}">',
        "<title>Fairness gates</title>",
        f"<style>\n{_HTML_STYLE}</style>",
        "</head>",
        "<body>",
        "<h1>Fairness gates</h1>",
        f"<p>{_h(verdict_line(records))}</p>",
    ]
    if records:
        out += _html_summary(records)
        out.append("<h2>Gates</h2>")
        for index, record in enumerate(records, 1):
            out += _html_gate(index, record)
    notes_text = note_lines(notes)
    if notes_text:
        out += ["<h2>Baselines</h2>", "<ul>"]
        out += [f"<li>{_h(line.strip())}</li>" for line in notes_text]
        out.append("</ul>")
    out += ["</body>", "</html>", ""]
    return "\n".join(out)
