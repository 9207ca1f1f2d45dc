"""Plain text of gate records: the failure message and the terminal summary.

Pure functions from records to lines. Every line is passed through
:func:`pytest_fairness._escape.terminal`; tables are laid out by
``tabulate`` (loaded on first use) after their cells are escaped, so that
widths stay right.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_fairness import _escape as esc
from pytest_fairness.render._format import (
    METHOD_TEXT,
    VERDICT_TEXT,
    change_text,
    fmt,
    fmt_value,
    pair_text,
    signed_interval,
    value_with_interval,
    verdict_text,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pytest_fairness.records import (
        GateRecord,
        GroupRow,
        GroupTable,
        Notes,
        RunContext,
    )

__all__ = [
    "SUMMARY_HEADERS",
    "context_lines",
    "example_lines",
    "gate_lines",
    "gate_notes",
    "group_lines",
    "group_table",
    "headline",
    "left_out",
    "note_lines",
    "regression_notes",
    "summary_lines",
    "summary_rows",
    "table",
    "verdict_line",
    "worst_lines",
]

SUMMARY_HEADERS = ["test", "metric", "bound", "value", "baseline", "change", "verdict"]


def table(rows: Sequence[Sequence[str]], headers: Sequence[str], fmt: str) -> str:
    """Lay out a terminal table, escaping cells first so that widths stay right.

    Parameters
    ----------
    rows : sequence of sequence of str
        Cells.
    headers : sequence of str
        Column headers.
    fmt : str
        A ``tabulate`` table format.

    Returns
    -------
    str
        The table.
    """
    from tabulate import tabulate  # noqa: PLC0415 - loaded on first use

    return str(
        tabulate(
            [[esc.terminal(c) for c in row] for row in rows],
            headers=[esc.terminal(h) for h in headers],
            tablefmt=fmt,
            disable_numparse=True,
        )
    )


def headline(record: GateRecord) -> str:
    """Return a gate's first line: passed, or what failed and how many.

    Parameters
    ----------
    record : GateRecord
        A gate.

    Returns
    -------
    str
        ``fairness gate failed: 1 of 2 bound(s) failed, ...``.
    """
    rows = record.bounds
    n = len(rows)
    count = {k: sum(r.outcome == k for r in rows) for k in VERDICT_TEXT}
    if record.verdict == "passed":
        return f"fairness gate passed: {n} bound(s) hold"
    parts = []
    if count["failed"]:
        parts.append(f"{count['failed']} of {n} bound(s) failed")
    if count["regressed"]:
        parts.append(f"{count['regressed']} regressed past the baseline")
    if count["missing"]:
        parts.append(f"{count['missing']} without a baseline")
    if count["changed"]:
        parts.append(f"{count['changed']} defined otherwise than the baseline")
    if count["inconclusive"]:
        parts.append(f"{count['inconclusive']} of {n} bound(s) inconclusive")
    word = "failed" if record.verdict == "failed" else "inconclusive"
    if word == "failed" and parts and count["inconclusive"] == sum(count.values()):
        parts[-1] += f" (on_inconclusive={record.on_inconclusive!r})"
    return f"fairness gate {word}: " + ", ".join(parts)


def comparison_lines(record: GateRecord) -> list[str]:
    """Return one line per bound compared with its baseline: change, noise, margin.

    Parameters
    ----------
    record : GateRecord
        A gate.

    Returns
    -------
    list of str
        Not escaped.
    """
    out = []
    for r in record.bounds:
        c = r.comparison
        if c is None or c.status == "new":
            continue
        if c.status in ("definition_changed", "not_compared"):
            out.append(f"{r.metric}: not compared: {c.reason}")
            continue
        if c.status == "undefined":
            out.append(f"{r.metric}: not compared (a value is undefined)")
            continue
        method = METHOD_TEXT.get(c.method or "", "")
        text = (
            f"{r.metric}: {fmt(c.baseline)} -> {fmt(r.value)}, "
            f"change {change_text(c.change)}"
        )
        if c.change_interval is not None and c.level is not None:
            text += (
                f"{signed_interval(c.change_interval)} (one-sided {c.level:.0%} bounds)"
            )
        text += f", margin {fmt(c.margin)}"
        if (c.resolution or 0) > (c.tolerance or 0):
            text += f" (one decision moves it by {fmt(c.resolution)})"
        if c.detectable is not None:
            text += f"; detects a worsening of {fmt(c.detectable)} or more"
        if method:
            text += f"; {method}"
        out.append(text)
    return out


def regression_notes(record: GateRecord) -> list[str]:
    """Explain each regressed bound: how far it moved, and past which margin.

    Parameters
    ----------
    record : GateRecord
        A gate.

    Returns
    -------
    list of str
        Not escaped.
    """
    notes = []
    for r in record.bounds:
        c = r.comparison
        if r.outcome != "regressed" or c is None:
            continue
        text = (
            f"{r.metric} moved away from parity by {fmt(c.worsening)} since "
            f"the baseline ({fmt(c.baseline)} -> {fmt(r.value)}), more than "
            f"its margin of {fmt(c.margin)}"
        )
        if c.level is not None and c.worsening_low is not None:
            text += (
                f", by at least {fmt(c.worsening_low)} with {c.level:.0%} confidence"
            )
        notes.append(text + ".")
    return notes


def groups_line(record: GateRecord) -> str:
    """Return the line naming the groups a gate compared, and its size limits.

    Parameters
    ----------
    record : GateRecord
        A gate (not causal).

    Returns
    -------
    str
        ``groups: sex × race (6 groups, min_group_size=30)``.
    """
    attrs = " × ".join(record.attributes)
    groups = "group" if record.n_groups == 1 else "groups"
    limits = f"min_group_size={record.min_group_size}"
    if record.min_denominator is not None:
        limits += f", min_denominator={record.min_denominator}"
    return f"groups: {attrs} ({record.n_groups} {groups}, {limits})"


def intervals_line(record: GateRecord) -> str | None:
    """Return how intervals decide a gate's bounds, when they do.

    Parameters
    ----------
    record : GateRecord
        A gate.

    Returns
    -------
    str or None
        The line, or None without ``confidence``.
    """
    if record.confidence is None:
        return None
    method = {"holm": "Holm", "bonferroni": "Bonferroni"}.get(record.correction)
    n = len(record.bounds)
    corr = f", {method}-corrected over {n} bounds" if method and n > 1 else ""
    return (
        f"{record.confidence:.0%} intervals{corr}: a bound passes when its "
        "whole interval satisfies it and fails when the whole interval violates it"
    )


def next_steps(record: GateRecord) -> list[str]:
    """Return what a gate's failure asks of its reader: notes and a command.

    Parameters
    ----------
    record : GateRecord
        A gate.

    Returns
    -------
    list of str
        Regressions explained, how to settle inconclusive bounds, why a
        missing or changed baseline fails, the worst example of each bound
        under hypothesis' ``@given`` (see :func:`worst_lines`), and the
        command to run. Not escaped.
    """
    baseline = record.baseline
    notes = regression_notes(record)
    settle = [f"{r.metric}: {r.settle}" for r in record.bounds if r.settle]
    if settle:
        notes += ["to settle the inconclusive bounds:", *settle]
    missing = [r.metric for r in record.bounds if r.outcome == "missing"]
    if missing:
        notes.append(
            f"no baseline for {', '.join(missing)} in {baseline.display} "
            "and the environment variable CI is set, so nothing is recorded."
        )
    changed = [r.metric for r in record.bounds if r.outcome == "changed"]
    if changed:
        notes.append(
            f"{', '.join(changed)}: the gate is defined otherwise than its baseline "
            f"in {baseline.display}, and the environment variable CI is set: "
            "a baseline is never compared across definitions."
        )
    if baseline.enabled and baseline.status == "not recorded":
        notes.append(
            "the gate failed, so its values were not recorded as the baseline "
            "(--fairness-update-baselines records them anyway)."
        )
    notes += worst_lines(record)
    if missing or changed:
        notes.append(
            f"Create it with: {record.update_command}  (then commit the file)"
            if missing and not changed
            else f"Record it again with: {record.update_command}  "
            "(then commit the file)"
        )
    elif any(r.outcome == "regressed" for r in record.bounds):
        notes.append(
            f"If the change is intended, accept it with: {record.update_command}"
        )
    return notes


def worst_lines(record: GateRecord) -> list[str]:
    """Return the example that went furthest past each bound, when not this one.

    Parameters
    ----------
    record : GateRecord
        A gate.

    Returns
    -------
    list of str
        For a gate under hypothesis' ``@given``, one line per bound that
        another example took further past its limit (its number and value),
        followed by the tables the strategies noted for that example;
        nothing otherwise. Not escaped.
    """
    if record.example is None:
        return []
    limits = {r.metric: r.limit for r in record.bounds}
    out = []
    for worst in record.example.worst:
        value = fmt_value(worst.value, limits.get(worst.metric))
        out.append(
            f"worst example seen (example {worst.example}): {worst.metric} "
            f"{value} ({worst.bound})" + (":" if worst.notes else "")
        )
        out += [f"  {line}" for note in worst.notes for line in note.splitlines()]
    return out


def example_lines(record: GateRecord) -> list[str]:
    """Return the example a gate under hypothesis' ``@given`` was checked on.

    Parameters
    ----------
    record : GateRecord
        A gate.

    Returns
    -------
    list of str
        Nothing for a gate outside ``@given`` or one that passed. Else which
        example it is (hypothesis' falsifying one, which it replays last, or
        the last one checked), the tables the strategies noted for it (the
        composition of groups), and the worst example of each bound when
        another one went further past it. Not escaped.
    """
    example = record.example
    if example is None or record.verdict == "passed":
        return []
    checked = f"{example.number} example(s) checked"
    if example.final:
        out = [f"falsifying example (hypothesis' final replay; {checked})"]
    else:
        out = [f"last example ({checked})"]
    out[0] += ":" if example.notes else ""
    out += [f"  {line}" for note in example.notes for line in note.splitlines()]
    return out + worst_lines(record)


def bound_table(record: GateRecord) -> tuple[list[str], list[list[str]]]:
    """Return the headers and cells of a gate's table of bounds.

    Parameters
    ----------
    record : GateRecord
        A gate.

    Returns
    -------
    tuple
        metric, bound, value (with its interval), baseline and change when
        baselines are on, verdict, and the worst pair (or a causal detail).
    """
    with_baseline = record.baseline.enabled
    headers = ["metric", "bound", "value"]
    if with_baseline:
        headers += ["baseline", "change"]
    # gates on a result (causal, monitoring, trade-off) explain each row;
    # gates on groups name the worst pair
    headers += ["verdict", "worst pair" if record.kind == "disparity" else "detail"]
    rows = []
    for r in record.bounds:
        row = [r.metric, r.bound, value_with_interval(r)]
        if with_baseline:
            c = r.comparison
            row += ["-" if r.baseline is None else fmt(r.baseline)]
            row += [
                change_text(r.change)
                + signed_interval(None if c is None else c.change_interval)
            ]
        row += [verdict_text(r), pair_text(r)]
        rows.append(row)
    return headers, rows


def gate_lines(record: GateRecord) -> list[str]:
    """Render one gate as the failure message of its test.

    Parameters
    ----------
    record : GateRecord
        A gate.

    Returns
    -------
    list of str
        Headline, groups compared, the table of bounds, the groups left
        out, the comparison with the baseline, explanations of regressions
        and the next command to run; escaped for a terminal.
    """
    title = record.key if record.name else record.test
    out = [f"{headline(record)} [{title}]"]
    if record.causal:
        out.append(f"result: {record.subject}")
        if record.use_intervals:
            out.append(
                "decided on intervals: a bound passes when its whole interval "
                "satisfies it and fails when the whole interval violates it"
            )
    else:
        if record.subject:
            out.append(f"result: {record.subject}")
        out.append(groups_line(record))
    if record.baseline.enabled:
        out.append(f"baseline: {record.baseline.display} [{record.key}]")
    line = intervals_line(record)
    if line is not None:
        out.append(line)
    headers, rows = bound_table(record)
    out += ["", *table(rows, headers, "simple").splitlines()]
    lines = left_out(record)
    if lines:
        out += ["", *lines]
    compared = comparison_lines(record) if record.baseline.enabled else []
    if compared:
        out += ["", "compared with the baseline:", *compared]
    # a trade-off's before/after table
    table_lines = record.extra.get("comparison")
    if isinstance(table_lines, list) and table_lines:
        out += ["", *(str(line) for line in table_lines)]
    steps = next_steps(record)
    if steps:
        out += ["", *steps]
    return [esc.terminal(line) for line in out]


def left_out(record: GateRecord) -> list[str]:
    """Return the groups and levels a gate left out, with reasons.

    Parameters
    ----------
    record : GateRecord
        A gate.

    Returns
    -------
    list of str
        Not escaped.
    """
    from pytest_fairness.gates._result import left_out_lines  # noqa: PLC0415

    limit = f"min_group_size={record.min_group_size}"
    excluded = [(g.label, f"n={g.count} < {limit}") for g in record.small_groups]
    excluded += [e for r in record.bounds for e in r.excluded]
    lost = [x for r in record.bounds for x in r.lost_levels]
    return left_out_lines(excluded, lost)


def summary_rows(records: Sequence[GateRecord]) -> list[list[str]]:
    """Return one summary row per bound of every gate.

    Parameters
    ----------
    records : sequence of GateRecord
        Gates.

    Returns
    -------
    list of list of str
        test, metric, bound, value (with its interval when it has one),
        baseline, change, verdict.
    """
    return [
        [
            record.label,
            r.metric,
            r.bound,
            value_with_interval(r),
            "-" if r.baseline is None else fmt(r.baseline),
            change_text(r.change),
            verdict_text(r, expected=record.expected),
        ]
        for record in records
        for r in record.bounds
    ]


def _cell(row: GroupRow, metric: str, partial: set[str]) -> str:
    text = fmt(row.values.get(metric))
    if metric in partial:
        text += f" ({row.denominators.get(metric, row.count):,})"
    return text


def group_table(t: GroupTable) -> tuple[list[str], list[list[str]]]:
    """Return the headers and cells of one per-group table.

    Parameters
    ----------
    t : GroupTable
        A table of a gate record.

    Returns
    -------
    tuple
        Headers (the attributes, ``count``, each metric, with the rows its
        denominator counts for rates of part of a group) and rows of text.
    """
    from pytest_fairness.metrics._registry import denominator_noun  # noqa: PLC0415

    first = t.rows[0] if t.rows else None
    partial = set(first.denominators) if first is not None else set()
    headers = [" × ".join(t.attributes), "count"]
    headers += [
        f"{m} (of {denominator_noun(m)})" if m in partial else m for m in t.metrics
    ]
    rows = [
        [
            row.label + (" (small)" if row.small else ""),
            f"{row.count:,}",
            *(_cell(row, m, partial) for m in t.metrics),
        ]
        for row in t.rows
    ]
    return headers, rows


def group_lines(record: GateRecord) -> list[str]:
    """Render the per-group tables of one gate (verbose summary).

    Parameters
    ----------
    record : GateRecord
        A gate.

    Returns
    -------
    list of str
        One table per set of compared groups, each followed by a blank line.
    """
    out = []
    for t in record.groups:
        headers, rows = group_table(t)
        out += [
            esc.terminal(f"{record.label}:"),
            *table(rows, headers, "simple").splitlines(),
        ]
        out.append("")
    return out


def note_lines(notes: Notes) -> list[str]:
    """Return what the session end did with baselines, one line each.

    Parameters
    ----------
    notes : Notes
        The notes.

    Returns
    -------
    list of str
        Not escaped.
    """
    out = []
    for path, keys in sorted(notes.recorded.items()):
        out.append(f"baseline recorded in {path} (commit it): {', '.join(keys)}")
    for path, lines in sorted(notes.updated.items()):
        out.append(f"baseline updated: {path}")
        out += [f"  {line}" for line in lines]
    for path, keys in sorted(notes.removed.items()):
        out.append(f"baseline entries removed from {path}: {', '.join(keys)}")
    for path, keys in sorted(notes.unused.items()):
        out.append(
            f"unused baseline entries in {path} (their tests no longer check "
            f"them; --fairness-update-baselines removes them): {', '.join(keys)}"
        )
    out += notes.extra_lines()
    out += [f"error: {e}" for e in notes.errors]
    return out


def gate_notes(record: GateRecord) -> list[str]:
    """Return what a gate left out or could not settle, and its baseline notices.

    Parameters
    ----------
    record : GateRecord
        A gate.

    Returns
    -------
    list of str
        The groups left out, how much more data would settle each
        inconclusive bound, the baseline's notices, and for a gate under
        hypothesis' ``@given`` that did not pass, the example it was checked
        on (see :func:`example_lines`). Not escaped.
    """
    out = left_out(record)
    out += [
        f"to settle {r.metric}: {r.settle}"
        for r in record.bounds
        if r.settle and r.outcome == "inconclusive"
    ]
    out += list(record.baseline.warnings)
    return out + example_lines(record)


def context_lines(context: RunContext | None) -> list[str]:
    """Return the run's context: version, commit, branch, command, time.

    Parameters
    ----------
    context : RunContext or None
        The context.

    Returns
    -------
    list of str
        ``name: value`` lines for what is known. Not escaped.
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
    return [f"{name}: {value}" for name, value in pairs if value]


def verdict_line(records: Sequence[GateRecord]) -> str:
    """Count the gates, those that did not pass, and those expected to fail.

    Parameters
    ----------
    records : sequence of GateRecord
        Gates.

    Returns
    -------
    str
        ``3 gate(s), 1 not passed`` (and ``, 1 failed as expected``).
    """
    if not records:
        return "No fairness gate ran."
    expected = sum(r.expected for r in records)
    failed = sum(r.verdict != "passed" and not r.expected for r in records)
    text = f"{len(records)} gate(s), {failed} not passed"
    return text + (f", {expected} failed as expected" if expected else "")


def summary_lines(
    records: Sequence[GateRecord], notes: Notes, *, verbose: bool
) -> list[str]:
    """Render the terminal summary section.

    Parameters
    ----------
    records : sequence of GateRecord
        Gates, in display order.
    notes : Notes
        What happened to baselines.
    verbose : bool
        Add the per-group table of every gate.

    Returns
    -------
    list of str
        The table of every bound, then the notes of each gate that has
        some, improvements, the per-group tables when verbose, and the
        baseline notes; escaped for a terminal.
    """
    out: list[str] = []
    if records:
        out += table(summary_rows(records), SUMMARY_HEADERS, "simple").splitlines()
        out.append(verdict_line(records))
    for record in records:
        lines = gate_notes(record)
        if lines:
            out += ["", f"{record.label}:", *(f"  {line}" for line in lines)]
    improved = [
        f"{rec.label}: {r.metric} {fmt(r.baseline)} -> {fmt(r.value)}"
        for rec in records
        for r in rec.bounds
        if r.status == "improved" and r.outcome == "passed"
    ]
    if improved and not any(notes.updated.values()):
        out += ["", "improved on the baseline (--fairness-update-baselines keeps it):"]
        out += [f"  {line}" for line in improved]
    if verbose and records:
        out.append("")
        for record in records:
            out += group_lines(record)
        if out[-1] == "":
            out.pop()
    notes_text = note_lines(notes)
    if notes_text:
        out += ["", *notes_text]
    return [esc.terminal(line) for line in out]
