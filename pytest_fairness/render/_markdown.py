"""GitHub-flavoured markdown of a run's gates (the step summary and ``.md`` report).

Every text from a record is escaped with
:func:`pytest_fairness._escape.markdown`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_fairness import _escape as esc
from pytest_fairness.render._format import pair_text
from pytest_fairness.render._text import (
    SUMMARY_HEADERS,
    context_lines,
    gate_notes,
    note_lines,
    summary_rows,
    verdict_line,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pytest_fairness.records import ReportDocument

__all__ = ["markdown_report", "markdown_table"]


def markdown_table(rows: Sequence[Sequence[str]], headers: Sequence[str]) -> list[str]:
    """Return a markdown table, every cell escaped.

    Parameters
    ----------
    rows : sequence of sequence of str
        Cells (plain text).
    headers : sequence of str
        Column headers (plain text).

    Returns
    -------
    list of str
        The table's lines.
    """

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(esc.markdown(c, cell=True) for c in cells) + " |"

    return [line(headers), "|" + "---|" * len(headers), *(line(r) for r in rows)]


def markdown_report(document: ReportDocument) -> str:
    """Render the gates as GitHub-flavoured markdown.

    Parameters
    ----------
    document : ReportDocument
        The run's gates, notes and context.

    Returns
    -------
    str
        A ``## Fairness gates`` section: a verdict line, the table of every
        bound, each gate's worst pairs, the gates' notes, the baseline notes
        and the run's context.
    """
    records = document.gates
    out = ["## Fairness gates", "", verdict_line(records), ""]
    if records:
        out += [*markdown_table(summary_rows(records), SUMMARY_HEADERS), ""]
        pairs = [
            f"- {esc.markdown(rec.label)} {esc.markdown(r.metric)}: "
            f"{esc.markdown(pair_text(r))}"
            for rec in records
            for r in rec.bounds
        ]
        out += ["<details><summary>worst pairs</summary>", "", *pairs, "", "</details>"]
        out.append("")
        gate_notes_md = [
            f"- {esc.markdown(rec.label)}: {esc.markdown(line)}"
            for rec in records
            for line in gate_notes(rec)
        ]
        if gate_notes_md:
            out += [*gate_notes_md, ""]
    notes_text = note_lines(document.notes)
    if notes_text:
        out += [f"- {esc.markdown(line.strip())}" for line in notes_text] + [""]
    context = context_lines(document.context)
    if context:
        out += [esc.markdown("run: " + "; ".join(context)), ""]
    return "\n".join(out)
