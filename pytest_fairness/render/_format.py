"""Numbers, verdicts and names as every output shows them (plain text).

The one place that turns a record's numbers into text, so that the terminal,
markdown, HTML, the charts' labels and the JUnit properties agree to the
digit. Nothing here escapes: each output escapes the text it writes with
:mod:`pytest_fairness._escape`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pytest_fairness.records import BoundRow, GateRecord, GroupSide

__all__ = [
    "METHOD_TEXT",
    "VERDICT_TEXT",
    "change_text",
    "fmt",
    "fmt_value",
    "gate_heading",
    "interval_text",
    "pair_text",
    "side_text",
    "signed_interval",
    "value_with_interval",
    "verdict_text",
]

VERDICT_TEXT = {
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
METHOD_TEXT = {
    "paired": "paired: the baseline's decisions of the same rows",
    "two-sample": "two samples: the baseline's per-group cells (other rows)",
    "fixed": "fixed tolerance: no noise estimate for this metric",
}
# the outcome a gate's heading shows: the first of these among its bounds
_HEADING_ORDER = ("failed", "regressed", "missing", "changed", "inconclusive")


def fmt(value: float | None, digits: int = 3) -> str:
    """Return a number with fixed decimals; ``nan`` for None; never ``-0.000``.

    Parameters
    ----------
    value : float or None
        The number.
    digits : int, default=3
        Decimals.

    Returns
    -------
    str
        The text.
    """
    if value is None:
        return "nan"
    text = f"{value:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def fmt_value(value: float | None, limit: float | None) -> str:
    """Return a value with enough digits to tell it from a bound it is near.

    Parameters
    ----------
    value : float or None
        The value.
    limit : float or None
        The bound's limit.

    Returns
    -------
    str
        Three decimals, or more (up to nine) while value and limit read
        the same.
    """
    if value is None or limit is None:
        return fmt(value)
    digits = 3
    if fmt(value, 12) != fmt(limit, 12):
        while digits < 9 and fmt(value, digits) == fmt(limit, digits):
            digits += 1
    return fmt(value, digits)


def interval_text(interval: Sequence[float | None] | None) -> str:
    """Return `` [low, high]``, or nothing without a (whole) interval.

    Parameters
    ----------
    interval : sequence of float or None
        The interval.

    Returns
    -------
    str
        The text, with a leading space.
    """
    if not interval or any(v is None for v in interval):
        return ""
    low, high = interval
    return f" [{fmt(low)}, {fmt(high)}]"


def value_with_interval(row: BoundRow) -> str:
    """Return a bound's value with its interval: ``0.050 [0.010, 0.090]``.

    Parameters
    ----------
    row : BoundRow
        The bound.

    Returns
    -------
    str
        The text.
    """
    return fmt_value(row.value, row.limit) + interval_text(row.interval)


def change_text(value: float | None) -> str:
    """Return a signed change (``+0.012``), ``-`` for None, never ``-0.000``.

    Parameters
    ----------
    value : float or None
        The change.

    Returns
    -------
    str
        The text.
    """
    if value is None:
        return "-"
    text = f"{value:+.3f}"
    return "+0.000" if float(text) == 0 else text


def signed_interval(interval: Sequence[float | None] | None) -> str:
    """Return `` [+low, +high]`` of a change, or nothing.

    Parameters
    ----------
    interval : sequence of float or None
        The change's bounds.

    Returns
    -------
    str
        The text, with a leading space.
    """
    if not interval or any(v is None for v in interval):
        return ""
    low, high = interval
    return f" [{change_text(low)}, {change_text(high)}]"


def verdict_text(row: BoundRow, *, expected: bool = False) -> str:
    """Return the verdict shown for one bound, e.g. ``PASSED (improved)``.

    Parameters
    ----------
    row : BoundRow
        A bound.
    expected : bool, default=False
        The gate's failure was expected: a bound that did not pass reads
        ``FAILED (expected)``.

    Returns
    -------
    str
        The verdict in capitals, with the baseline's status when it passed.
    """
    text = VERDICT_TEXT[row.outcome]
    status = row.status
    noise = None if row.comparison is None else row.comparison.noise
    if row.outcome != "passed" and expected:
        text += " (expected)"
    elif row.outcome == "passed" and status == "within_noise":
        text += f" (within noise ±{fmt(noise)})"
    elif row.outcome == "passed" and status in _PASSED_STATUS:
        text += f" ({_PASSED_STATUS[status]})"
    return text


def gate_heading(record: GateRecord) -> tuple[str, str]:
    """Return the verdict a gate's heading shows, consistent with its rows.

    Parameters
    ----------
    record : GateRecord
        A gate.

    Returns
    -------
    tuple of str
        The text (the worst verdict among its bounds, with `` (expected)``
        for an expected failure) and the outcome it stands for.
    """
    outcomes = {row.outcome for row in record.bounds}
    outcome = next((o for o in _HEADING_ORDER if o in outcomes), "passed")
    text = VERDICT_TEXT[outcome]
    if outcome != "passed" and record.expected:
        text += " (expected)"
    return text, outcome


def side_text(side: GroupSide, rate_metric: str | None) -> str:
    """Return one group of a worst pair: ``female 0.550 (n=200)``.

    Parameters
    ----------
    side : GroupSide
        The group.
    rate_metric : str or None
        The rate compared (names the denominator of partial rates).

    Returns
    -------
    str
        The text.
    """
    from pytest_fairness.gates._result import format_side  # noqa: PLC0415

    return format_side(side.label, side.rate, side.count, side.denominator, rate_metric)


def pair_text(row: BoundRow) -> str:
    """Return a bound's worst pair of groups, or why it has none.

    Parameters
    ----------
    row : BoundRow
        A bound.

    Returns
    -------
    str
        ``selection_rate: female 0.550 (n=200) vs male 0.640 (n=200)``.
    """
    pair = row.pair
    if pair is None:
        return str(row.why_undefined or row.detail or "-")
    low, high = pair
    where = f"[{row.attribute}] " if row.attribute else ""
    ref = "ref " if row.reference is not None else ""
    return (
        f"{where}{row.rate_metric}: {ref}{side_text(low, row.rate_metric)} vs "
        f"{side_text(high, row.rate_metric)}"
    )
