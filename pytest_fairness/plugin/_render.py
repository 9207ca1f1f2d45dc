"""Text of the plugin's outputs, rendered from gate records (plain data).

Gate records are the JSON-friendly dicts that travel on test reports: the
failure message, the terminal summary, the markdown summary and the JSON
report are all drawn from them, so the controller of an xdist run renders
exactly what a single process would. ``tabulate`` loads on first use.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pytest_fairness import _escape as esc
from pytest_fairness._version import __version__

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from pytest_fairness.plugin._state import Notes

__all__ = [
    "example_lines",
    "gate_heading",
    "gate_label",
    "gate_lines",
    "gate_notes",
    "group_lines",
    "json_report",
    "markdown_report",
    "pair_text",
    "summary_lines",
    "summary_rows",
    "verdict_line",
    "verdict_text",
]

REPORT_SCHEMA = 1
SUMMARY_HEADERS = ["test", "metric", "bound", "value", "baseline", "change", "verdict"]
_VERDICT = {
    "passed": "PASSED",
    "failed": "FAILED",
    "inconclusive": "INCONCLUSIVE",
    "regressed": "REGRESSED",
    "missing": "NO BASELINE",
    "changed": "DEFINITION CHANGED",
}
_PASSED_STATUS = {
    "new": "new baseline",
    "unchanged": "unchanged",
    "improved": "improved",
    "within_tolerance": "within tolerance",
    "definition_changed": "definition changed, not compared",
    "not_compared": "not compared",
    "undefined": "baseline undefined",
}
_METHOD = {
    "paired": "paired: the baseline's decisions of the same rows",
    "two-sample": "two samples: the baseline's per-group cells (other rows)",
    "fixed": "fixed tolerance: no noise estimate for this metric",
}


def _fmt(value: float | None, digits: int = 3) -> str:
    if value is None:
        return "nan"
    text = f"{value:.{digits}f}"
    # never "-0.000": a value that rounds to zero is shown as zero
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def _fmt_value(value: float | None, limit: float | None) -> str:
    """Format a value with enough digits to tell it from a bound it is near."""
    if value is None or limit is None:
        return _fmt(value)
    digits = 3
    if _fmt(value, 12) != _fmt(limit, 12):
        while digits < 9 and _fmt(value, digits) == _fmt(limit, digits):
            digits += 1
    return _fmt(value, digits)


def _interval(interval: Sequence[float | None] | None) -> str:
    if not interval or any(v is None for v in interval):
        return ""
    low, high = interval
    return f" [{_fmt(low)}, {_fmt(high)}]"


def _change(value: float | None) -> str:
    if value is None:
        return "-"
    text = f"{value:+.3f}"
    return "+0.000" if float(text) == 0 else text


def _signed_interval(interval: Sequence[float | None] | None) -> str:
    if not interval or any(v is None for v in interval):
        return ""
    low, high = interval
    return f" [{_change(low)}, {_change(high)}]"


def _table(rows: Sequence[Sequence[str]], headers: Sequence[str], fmt: str) -> str:
    """Lay out a terminal table, escaping cells first so that widths stay right."""
    from tabulate import tabulate

    return str(
        tabulate(
            [[esc.terminal(c) for c in row] for row in rows],
            headers=[esc.terminal(h) for h in headers],
            tablefmt=fmt,
            disable_numparse=True,
        )
    )


def verdict_text(row: Mapping[str, Any], *, expected: bool = False) -> str:
    """Return the verdict shown for one bound, e.g. ``PASSED (improved)``.

    Parameters
    ----------
    row : mapping
        A bound of a gate record.
    expected : bool, default=False
        The gate's failure was expected (caught by the test, or in an xfail
        test): a bound that did not pass reads ``FAILED (expected)``.

    Returns
    -------
    str
        The verdict in capitals, with the baseline's status when it passed.
    """
    text = _VERDICT[row["outcome"]]
    status = row.get("status")
    if row["outcome"] != "passed" and expected:
        text += " (expected)"
    elif row["outcome"] == "passed" and status == "within_noise":
        text += f" (within noise ±{_fmt(row.get('noise'))})"
    elif row["outcome"] == "passed" and status in _PASSED_STATUS:
        text += f" ({_PASSED_STATUS[status]})"
    return text


# the outcome a gate's heading shows: the first of these among its bounds
_HEADING_ORDER = ("failed", "regressed", "missing", "changed", "inconclusive")


def gate_heading(record: Mapping[str, Any]) -> tuple[str, str]:
    """Return the verdict a gate's heading shows, consistent with its rows.

    Parameters
    ----------
    record : mapping
        A gate record.

    Returns
    -------
    tuple of str
        The text (``PASSED``, ``FAILED``, ``REGRESSED``, ``NO BASELINE``,
        ``DEFINITION CHANGED`` or ``INCONCLUSIVE``, the worst verdict among
        its bounds, with `` (expected)`` for an expected failure) and the
        outcome it stands for (``passed``, ``failed``, ...).
    """
    outcomes = {row["outcome"] for row in record["bounds"]}
    outcome = next((o for o in _HEADING_ORDER if o in outcomes), "passed")
    text = _VERDICT[outcome]
    if outcome != "passed" and record.get("expected"):
        text += " (expected)"
    return text, outcome


def pair_text(row: Mapping[str, Any]) -> str:
    """Return a bound's worst pair of groups, or why it has none (plain text).

    Parameters
    ----------
    row : mapping
        A bound of a gate record.

    Returns
    -------
    str
        ``selection_rate: female 0.550 (n=200) vs male 0.640 (n=200)``, not
        escaped for any output.
    """
    return _pair(row)


def _pair(row: Mapping[str, Any]) -> str:
    from pytest_fairness.gates._result import format_side

    low, high = row.get("low"), row.get("high")
    if low is None or high is None:
        return str(row.get("why_undefined") or row.get("detail") or "-")

    def one(g: Mapping[str, Any]) -> str:
        return format_side(
            g["label"], g["rate"], g["count"], g.get("denominator"), row["rate_metric"]
        )

    where = f"[{row['attribute']}] " if row.get("attribute") else ""
    ref = "ref " if row.get("reference") is not None else ""
    return f"{where}{row['rate_metric']}: {ref}{one(low)} vs {one(high)}"


def gate_label(record: Mapping[str, Any]) -> str:
    """Return how a gate is named in tables: the test id, and its check name.

    Parameters
    ----------
    record : mapping
        A gate record.

    Returns
    -------
    str
        ``tests/test_model.py::test_gate`` or
        ``tests/test_model.py::test_gate (name=women)``.
    """
    name = record.get("name")
    return str(record["nodeid"]) + (f" (name={name})" if name else "")


def _headline(record: Mapping[str, Any]) -> str:
    rows = record["bounds"]
    n = len(rows)
    count = {k: sum(r["outcome"] == k for r in rows) for k in _VERDICT}
    if record["verdict"] == "passed":
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
    word = "failed" if record["verdict"] == "failed" else "inconclusive"
    if word == "failed" and parts and count["inconclusive"] == sum(count.values()):
        parts[-1] += f" (on_inconclusive={record['on_inconclusive']!r})"
    return f"fairness gate {word}: " + ", ".join(parts)


def _comparison_lines(record: Mapping[str, Any]) -> list[str]:
    """One line per bound compared with its baseline: change, noise, margin."""
    out = []
    for r in record["bounds"]:
        status = r.get("status")
        if status in (None, "new"):
            continue
        if status in ("definition_changed", "not_compared"):
            out.append(f"{r['metric']}: not compared: {r.get('reason')}")
            continue
        if status == "undefined":
            out.append(f"{r['metric']}: not compared (a value is undefined)")
            continue
        method = _METHOD.get(r.get("method") or "", "")
        text = (
            f"{r['metric']}: {_fmt(r['baseline'])} -> {_fmt(r['value'])}, "
            f"change {_change(r['change'])}"
        )
        if r.get("change_interval") is not None and r.get("level") is not None:
            text += (
                f"{_signed_interval(r['change_interval'])} "
                f"(one-sided {r['level']:.0%} bounds)"
            )
        text += f", margin {_fmt(r.get('margin'))}"
        if (r.get("resolution") or 0) > (r.get("tolerance") or 0):
            text += f" (one decision moves it by {_fmt(r['resolution'])})"
        if r.get("detectable") is not None:
            text += f"; detects a worsening of {_fmt(r['detectable'])} or more"
        if method:
            text += f"; {method}"
        out.append(text)
    return out


def gate_lines(record: Mapping[str, Any]) -> list[str]:
    """Render one gate as the failure message of its test.

    Parameters
    ----------
    record : mapping
        A gate record.

    Returns
    -------
    list of str
        Headline, groups compared, the table of bounds (metric, bound, value,
        baseline and change when baselines are on, verdict, worst pair of
        groups with their rates and counts), the groups left out for size,
        explanations of regressions and the next command to run.
    """
    baseline = record["baseline"]
    with_baseline = bool(baseline["enabled"])
    headers = ["metric", "bound", "value"]
    if with_baseline:
        headers += ["baseline", "change"]
    causal = record.get("kind") == "causal"
    headers += ["verdict", "detail" if causal else "worst pair"]
    rows = []
    for r in record["bounds"]:
        value = _fmt_value(r["value"], r.get("limit")) + _interval(r.get("interval"))
        row = [r["metric"], r["bound"], value]
        if with_baseline:
            row += ["-" if r["baseline"] is None else _fmt(r["baseline"])]
            row += [_change(r["change"]) + _signed_interval(r.get("change_interval"))]
        row += [verdict_text(r), _pair(r)]
        rows.append(row)
    attrs = " × ".join(record["attributes"])
    title = record["key"] if record.get("name") else record["test"]
    out = [f"{_headline(record)} [{title}]"]
    if causal:
        out.append(f"result: {record['subject']}")
        if record.get("use_intervals"):
            out.append(
                "decided on intervals: a bound passes when its whole interval "
                "satisfies it and fails when the whole interval violates it"
            )
    else:
        groups = "group" if record["n_groups"] == 1 else "groups"
        limits = f"min_group_size={record['min_group_size']}"
        if record.get("min_denominator") is not None:
            limits += f", min_denominator={record['min_denominator']}"
        out.append(f"groups: {attrs} ({record['n_groups']} {groups}, {limits})")
    if with_baseline:
        out.append(f"baseline: {baseline['display']} [{record['key']}]")
    if record.get("confidence") is not None:
        method = {"holm": "Holm", "bonferroni": "Bonferroni"}.get(record["correction"])
        n = len(record["bounds"])
        corr = f", {method}-corrected over {n} bounds" if method and n > 1 else ""
        out.append(
            f"{record['confidence']:.0%} intervals{corr}: a bound passes when its "
            "whole interval satisfies it and fails when the whole interval violates it"
        )
    out += ["", *_table(rows, headers, "simple").splitlines()]
    left_out = _left_out(record)
    if left_out:
        out += ["", *left_out]
    compared = _comparison_lines(record) if with_baseline else []
    if compared:
        out += ["", "compared with the baseline:", *compared]
    notes = []
    for r in record["bounds"]:
        if r["outcome"] != "regressed":
            continue
        text = (
            f"{r['metric']} moved away from parity by {_fmt(r['worsening'])} since "
            f"the baseline ({_fmt(r['baseline'])} -> {_fmt(r['value'])}), more than "
            f"its margin of {_fmt(r['margin'])}"
        )
        if r.get("level") is not None and r.get("worsening_low") is not None:
            text += (
                f", by at least {_fmt(r['worsening_low'])} with {r['level']:.0%} "
                "confidence"
            )
        notes.append(text + ".")
    settle = [
        f"{r['metric']}: {r['settle']}" for r in record["bounds"] if r.get("settle")
    ]
    if settle:
        notes += ["to settle the inconclusive bounds:", *settle]
    missing = [r["metric"] for r in record["bounds"] if r["outcome"] == "missing"]
    if missing:
        notes.append(
            f"no baseline for {', '.join(missing)} in {baseline['display']} "
            "and the environment variable CI is set, so nothing is recorded."
        )
    changed = [r["metric"] for r in record["bounds"] if r["outcome"] == "changed"]
    if changed:
        notes.append(
            f"{', '.join(changed)}: the gate is defined otherwise than its baseline "
            f"in {baseline['display']}, and the environment variable CI is set: "
            "a baseline is never compared across definitions."
        )
    if with_baseline and baseline.get("status") == "not recorded":
        notes.append(
            "the gate failed, so its values were not recorded as the baseline "
            "(--fairness-update-baselines records them anyway)."
        )
    worst = _worst_lines(record)
    if worst:
        notes += worst
    if notes:
        out += ["", *notes]
    if missing or changed:
        out.append(
            f"Create it with: {record['update_command']}  (then commit the file)"
            if missing and not changed
            else f"Record it again with: {record['update_command']}  "
            "(then commit the file)"
        )
    elif any(r["outcome"] == "regressed" for r in record["bounds"]):
        out.append(
            f"If the change is intended, accept it with: {record['update_command']}"
        )
    return [esc.terminal(line) for line in out]


def _worst_lines(record: Mapping[str, Any]) -> list[str]:
    """Return the example that went furthest past each bound, when not this one."""
    example = record.get("example") or {}
    out = []
    for worst in example.get("worst") or ():
        value = _fmt_value(worst["value"], _limit(record, worst["metric"]))
        out.append(
            f"worst example seen (example {worst['example']}): {worst['metric']} "
            f"{value} ({worst['bound']})" + (":" if worst["notes"] else "")
        )
        out += [f"  {line}" for note in worst["notes"] for line in note.splitlines()]
    return out


def _limit(record: Mapping[str, Any], metric: str) -> float | None:
    row: Mapping[str, Any] = next(
        (r for r in record["bounds"] if r["metric"] == metric), {}
    )
    limit: float | None = row.get("limit")
    return limit


def example_lines(record: Mapping[str, Any]) -> list[str]:
    """Return the example a gate under hypothesis' ``@given`` was checked on.

    Parameters
    ----------
    record : mapping
        A gate record.

    Returns
    -------
    list of str
        Nothing for a gate outside ``@given`` or one that passed. Else which
        example it is (hypothesis' falsifying one, which it replays last, or
        the last one checked), the tables the strategies noted for it (the
        composition of groups), and the worst example of each bound when
        another one went further past it. Not escaped.
    """
    example = record.get("example")
    if not example or record["verdict"] == "passed":
        return []
    checked = f"{example['number']} example(s) checked"
    if example["final"]:
        out = [f"falsifying example (hypothesis' final replay; {checked})"]
    else:
        out = [f"last example ({checked})"]
    out[0] += ":" if example["notes"] else ""
    out += [f"  {line}" for note in example["notes"] for line in note.splitlines()]
    return out + _worst_lines(record)


def _left_out(record: Mapping[str, Any]) -> list[str]:
    from pytest_fairness.gates._result import left_out_lines

    limit = f"min_group_size={record.get('min_group_size')}"
    excluded = [
        (g["label"], f"n={g['count']} < {limit}") for g in record["small_groups"]
    ]
    excluded += [
        (label, why) for r in record["bounds"] for label, why in r.get("excluded", [])
    ]
    lost = [x for r in record["bounds"] for x in r.get("lost_levels", [])]
    return left_out_lines(excluded, lost)


def summary_rows(records: Sequence[Mapping[str, Any]]) -> list[list[str]]:
    """Return one summary row per bound of every gate.

    Parameters
    ----------
    records : sequence of mapping
        Gate records.

    Returns
    -------
    list of list of str
        test, metric, bound, value, baseline, change, verdict.
    """
    return [
        [
            gate_label(record),
            r["metric"],
            r["bound"],
            _fmt_value(r["value"], r.get("limit")),
            "-" if r["baseline"] is None else _fmt(r["baseline"]),
            _change(r["change"]),
            verdict_text(r, expected=bool(record.get("expected"))),
        ]
        for record in records
        for r in record["bounds"]
    ]


def group_table(table: Mapping[str, Any]) -> tuple[list[str], list[list[str]]]:
    """Return the headers and cells of one per-group table of a gate record.

    Parameters
    ----------
    table : mapping
        One entry of a record's ``groups``.

    Returns
    -------
    tuple
        Headers (the attributes, ``count``, each metric, with the rows its
        denominator counts for rates of part of a group) and rows of text.
    """
    from pytest_fairness.metrics import denominator_noun

    metrics = table["metrics"]
    first = table["rows"][0] if table["rows"] else {}
    partial = set(first.get("denominators", {}))
    headers = [" × ".join(table["attributes"]), "count"]
    headers += [
        f"{m} (of {denominator_noun(m)})" if m in partial else m for m in metrics
    ]

    def cell(row: Mapping[str, Any], m: str) -> str:
        text = _fmt(row["values"][m])
        if m in partial:
            text += f" ({row['denominators'][m]:,})"
        return text

    rows = [
        [
            row["label"] + (" (small)" if row["small"] else ""),
            f"{row['count']:,}",
            *(cell(row, m) for m in metrics),
        ]
        for row in table["rows"]
    ]
    return headers, rows


def group_lines(record: Mapping[str, Any]) -> list[str]:
    """Render the per-group tables of one gate (verbose summary).

    Parameters
    ----------
    record : mapping
        A gate record.

    Returns
    -------
    list of str
        One table per set of compared groups: group, count and the rate of
        every metric the bounds compare.
    """
    out = []
    for table in record["groups"]:
        headers, rows = group_table(table)
        out += [
            esc.terminal(f"{gate_label(record)}:"),
            *_table(rows, headers, "simple").splitlines(),
        ]
        out.append("")
    return out


def note_lines(notes: Notes) -> list[str]:
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


def gate_notes(record: Mapping[str, Any]) -> list[str]:
    """Return what a gate left out or could not settle, and its baseline notices.

    These are also warnings, which ``-p no:warnings`` or a warning filter can
    hide; the summary repeats them once per gate.

    Parameters
    ----------
    record : mapping
        A gate record.

    Returns
    -------
    list of str
        The groups left out (for size, an undefined rate or a thin
        denominator) and the levels not compared, how much more data would
        settle each inconclusive bound, the baseline's notices (a newly
        recorded baseline, a definition that changed), and for a gate under
        hypothesis' ``@given`` that did not pass, the example it was checked
        on (see :func:`example_lines`). Not escaped.
    """
    out = _left_out(record)
    out += [
        f"to settle {r['metric']}: {r['settle']}"
        for r in record["bounds"]
        if r.get("settle") and r["outcome"] == "inconclusive"
    ]
    out += list(record["baseline"].get("warnings") or ())
    return out + example_lines(record)


def summary_lines(
    records: Sequence[Mapping[str, Any]], notes: Notes, *, verbose: bool
) -> list[str]:
    """Render the terminal summary section.

    Parameters
    ----------
    records : sequence of mapping
        Gate records, in display order.
    notes : Notes
        What happened to baselines.
    verbose : bool
        Add the per-group table of every gate.

    Returns
    -------
    list of str
        The table of every bound, then for each gate that has some, the
        groups it left out, the data that would settle its inconclusive
        bounds and its baseline notices; improvements, the per-group tables
        when verbose, and the baseline notes.
    """
    out: list[str] = []
    if records:
        out += _table(summary_rows(records), SUMMARY_HEADERS, "simple").splitlines()
        out.append(verdict_line(records))
    for record in records:
        lines = gate_notes(record)
        if lines:
            out += ["", f"{gate_label(record)}:", *(f"  {line}" for line in lines)]
    improved = [
        f"{gate_label(rec)}: {r['metric']} {_fmt(r['baseline'])} -> {_fmt(r['value'])}"
        for rec in records
        for r in rec["bounds"]
        if r.get("status") == "improved" and r["outcome"] == "passed"
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


def _md_table(rows: Sequence[Sequence[str]], headers: Sequence[str]) -> list[str]:
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(esc.markdown(c, cell=True) for c in cells) + " |"

    return [line(headers), "|" + "---|" * len(headers), *(line(r) for r in rows)]


def verdict_line(records: Sequence[Mapping[str, Any]]) -> str:
    """Count the gates, those that did not pass, and those expected to fail.

    Parameters
    ----------
    records : sequence of mapping
        Gate records.

    Returns
    -------
    str
        ``3 gate(s), 1 not passed``, followed by ``, 1 failed as expected``
        when tests expected gates to fail (those are not counted as not
        passed).
    """
    if not records:
        return "No fairness gate ran."
    expected = sum(bool(r.get("expected")) for r in records)
    failed = sum(r["verdict"] != "passed" and not r.get("expected") for r in records)
    text = f"{len(records)} gate(s), {failed} not passed"
    return text + (f", {expected} failed as expected" if expected else "")


def markdown_report(records: Sequence[Mapping[str, Any]], notes: Notes) -> str:
    """Render the gates as GitHub-flavoured markdown.

    Parameters
    ----------
    records : sequence of mapping
        Gate records.
    notes : Notes
        What happened to baselines.

    Returns
    -------
    str
        A ``## Fairness gates`` section: a verdict line, the table of every
        bound, each gate's worst pairs, the groups each gate left out (and
        its other notes, see :func:`gate_notes`) and the baseline notes.
    """
    out = ["## Fairness gates", "", verdict_line(records), ""]
    if records:
        out += [*_md_table(summary_rows(records), SUMMARY_HEADERS), ""]
        pairs = [
            f"- {esc.markdown(gate_label(rec))} {esc.markdown(r['metric'])}: "
            f"{esc.markdown(_pair(r))}"
            for rec in records
            for r in rec["bounds"]
        ]
        out += ["<details><summary>worst pairs</summary>", "", *pairs, "", "</details>"]
        out.append("")
        gate_notes_md = [
            f"- {esc.markdown(gate_label(rec))}: {esc.markdown(line)}"
            for rec in records
            for line in gate_notes(rec)
        ]
        if gate_notes_md:
            out += [*gate_notes_md, ""]
    notes_text = note_lines(notes)
    if notes_text:
        out += [f"- {esc.markdown(line.strip())}" for line in notes_text] + [""]
    return "\n".join(out)


def json_report(records: Sequence[Mapping[str, Any]], notes: Notes) -> str:
    """Render the gates as a JSON document.

    Parameters
    ----------
    records : sequence of mapping
        Gate records.
    notes : Notes
        What happened to baselines.

    Returns
    -------
    str
        ``{"schema": 1, "version": ..., "gates": [...], "baselines": {...}}``
        with sorted keys and a trailing newline; each gate keeps its bounds,
        worst pairs and per-group tables.
    """
    gates = []
    for record in records:
        gate = {k: v for k, v in record.items() if k not in ("update_command",)}
        info = dict(gate["baseline"])
        info.pop("entry", None)
        info.pop("write", None)
        info["file"] = info.pop("display", info.get("file"))
        gate["baseline"] = info
        gates.append(gate)
    document = {
        "schema": REPORT_SCHEMA,
        "version": __version__,
        "gates": gates,
        "baselines": notes.to_dict(),
    }
    return json.dumps(document, indent=2, sort_keys=True, allow_nan=False) + "\n"
