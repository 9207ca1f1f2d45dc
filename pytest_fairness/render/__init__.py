"""Renderers: pure functions from gate records to text, for every output.

The plugin (failure messages, terminal summary, JUnit properties, report
files) and the ``pytest-fairness`` command both call these; escaping for each
output is :mod:`pytest_fairness._escape`, numbers are formatted by
:mod:`pytest_fairness.render._format`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_fairness.render._format import gate_heading, pair_text, verdict_text
from pytest_fairness.render._html import html_report
from pytest_fairness.render._junit import junit_properties
from pytest_fairness.render._markdown import markdown_report
from pytest_fairness.render._text import (
    example_lines,
    gate_lines,
    gate_notes,
    group_lines,
    note_lines,
    summary_lines,
    summary_rows,
    verdict_line,
)

if TYPE_CHECKING:
    from pytest_fairness.records import ReportDocument

__all__ = [
    "example_lines",
    "gate_heading",
    "gate_lines",
    "gate_notes",
    "group_lines",
    "html_report",
    "json_report",
    "junit_properties",
    "markdown_report",
    "note_lines",
    "pair_text",
    "render",
    "summary_lines",
    "summary_rows",
    "verdict_line",
    "verdict_text",
]


def json_report(document: ReportDocument) -> str:
    """Render a run as its JSON report (what ``pytest-fairness report`` reads).

    Parameters
    ----------
    document : ReportDocument
        The run.

    Returns
    -------
    str
        Sorted keys, two-space indent, a final newline.
    """
    return document.to_json()


def render(document: ReportDocument, suffix: str) -> str:
    """Render a run in the format a file suffix names.

    Parameters
    ----------
    document : ReportDocument
        The run.
    suffix : str
        ``.html`` (or ``.htm``), ``.json`` or ``.md``.

    Returns
    -------
    str
        The text.
    """
    suffix = suffix.lower()
    if suffix in (".html", ".htm"):
        return html_report(document)
    if suffix == ".json":
        return json_report(document)
    return markdown_report(document)
