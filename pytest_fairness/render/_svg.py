"""Inline SVG charts of gate records: group rates, disparities, history.

Deterministic text (coordinates with one decimal, ids from the caller), no
scripts, no external references. Every chart has a ``<title>`` and a
``<desc>`` and is readable without colour: the verdict of a point is carried
by its shape and by text beside it as well as by its colour. Every text from
a record is escaped with :func:`pytest_fairness._escape.html`; every number
is formatted by :mod:`pytest_fairness.render._format`, as in the tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pytest_fairness import _escape as esc
from pytest_fairness.render._format import (
    VERDICT_TEXT,
    fmt,
    interval_text,
    value_with_interval,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pytest_fairness.records import (
        BoundRow,
        GroupTable,
        HistoryPoint,
        HistoryValue,
    )

__all__ = ["disparity_chart", "group_chart", "history_chart", "marker"]

WIDTH = 720
_LABEL_W = 190
_TEXT_W = 250
_ROW_H = 26
_TOP = 30
_BOTTOM = 30
_MAX_LABEL = 26
_COLOUR = {
    "passed": "#1a7f37",
    "failed": "#cf222e",
    "regressed": "#bc4c00",
    "inconclusive": "#9a6700",
    "missing": "#8250df",
    "changed": "#8250df",
    "small": "#6e7781",
    "point": "#0969da",
}


def _n(x: float) -> str:
    text = f"{x:.1f}"
    return "0.0" if text == "-0.0" else text


def _ends(
    interval: Sequence[float | None] | None,
) -> tuple[float, float] | None:
    """Return both ends of an interval, or None when either is unknown."""
    if interval is None or len(interval) != 2:
        return None
    low, high = interval
    if low is None or high is None:
        return None
    return low, high


def _short(text: str) -> str:
    return text if len(text) <= _MAX_LABEL else text[: _MAX_LABEL - 1] + "…"


@dataclass(frozen=True)
class _Scale:
    """A linear map from values to x pixels."""

    lo: float
    hi: float
    left: float
    right: float

    def x(self, value: float) -> float:
        span = self.hi - self.lo or 1.0
        clipped = min(max(value, self.lo), self.hi)
        return self.left + (clipped - self.lo) / span * (self.right - self.left)


def _domain(
    values: Sequence[float], *, floor: float | None = 0.0
) -> tuple[float, float]:
    lo = min(values) if values else 0.0
    hi = max(values) if values else 1.0
    if floor is not None:
        lo = min(lo, floor)
    if hi - lo < 1e-9:
        hi = lo + 1.0
    pad = (hi - lo) * 0.05
    lo = lo - pad if floor is None or lo < floor else lo
    return lo, hi + pad


def _ticks(lo: float, hi: float) -> list[float]:
    span = hi - lo
    step = (
        next(
            s
            for s in (0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10)
            if span / s <= 6
        )
        if span <= 60
        else span / 5
    )
    first = -(-lo // step) * step
    out = []
    value = first
    while value <= hi + 1e-12:
        out.append(round(value, 10))
        value += step
    return out


def marker(outcome: str, x: float, y: float, *, hollow: bool = False) -> str:
    """Return the SVG shape of a point with a verdict.

    passed: a circle; failed: a cross; regressed: a triangle; inconclusive:
    a square; no baseline or definition changed: a diamond. Hollow shapes
    mark small groups.

    Parameters
    ----------
    outcome : str
        The verdict (or ``point`` / ``small`` for a group's rate).
    x, y : float
        Centre.
    hollow : bool, default=False
        Draw the outline only.

    Returns
    -------
    str
        One SVG element.
    """
    colour = _COLOUR.get(outcome, _COLOUR["point"])
    fill = "#ffffff" if hollow else colour
    paint = f'fill="{fill}" stroke="{colour}" stroke-width="2"'
    r = 5.0
    if outcome == "failed":
        d = (
            f"M{_n(x - r)},{_n(y - r)}L{_n(x + r)},{_n(y + r)}"
            f"M{_n(x - r)},{_n(y + r)}L{_n(x + r)},{_n(y - r)}"
        )
        return f'<path class="mark failed" d="{d}" stroke="{colour}" stroke-width="3"/>'
    if outcome == "regressed":
        d = (
            f"M{_n(x)},{_n(y - r - 1)}L{_n(x + r + 1)},{_n(y + r)}"
            f"L{_n(x - r - 1)},{_n(y + r)}Z"
        )
        return f'<path class="mark regressed" d="{d}" {paint}/>'
    if outcome == "inconclusive":
        return (
            f'<rect class="mark inconclusive" x="{_n(x - r)}" y="{_n(y - r)}" '
            f'width="{_n(2 * r)}" height="{_n(2 * r)}" {paint}/>'
        )
    if outcome in ("missing", "changed"):
        d = (
            f"M{_n(x)},{_n(y - r - 1)}L{_n(x + r + 1)},{_n(y)}"
            f"L{_n(x)},{_n(y + r + 1)}L{_n(x - r - 1)},{_n(y)}Z"
        )
        return f'<path class="mark {outcome}" d="{d}" {paint}/>'
    return (
        f'<circle class="mark {esc.html(outcome)}" cx="{_n(x)}" cy="{_n(y)}" '
        f'r="{_n(r)}" {paint}/>'
    )


def _open(chart_id: str, height: float, title: str, desc: str, kind: str) -> list[str]:
    return [
        f'<svg class="chart {kind}" xmlns="http://www.w3.org/2000/svg" '
        f'width="{WIDTH}" height="{_n(height)}" viewBox="0 0 {WIDTH} {_n(height)}" '
        f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{esc.html(title)}</title>',
        f'<desc id="{chart_id}-desc">{esc.html(desc)}</desc>',
    ]


def _axis(scale: _Scale, y_top: float, y_bottom: float) -> list[str]:
    out = []
    for t in _ticks(scale.lo, scale.hi):
        x = _n(scale.x(t))
        out.append(
            f'<line class="grid" x1="{x}" y1="{_n(y_top)}" x2="{x}" '
            f'y2="{_n(y_bottom)}" stroke="#d0d7de" stroke-width="1"/>'
        )
        out.append(
            f'<text class="tick" x="{x}" y="{_n(y_bottom + 14)}" '
            f'text-anchor="middle">{esc.html(fmt(t, 2))}</text>'
        )
    return out


def _label(x: float, y: float, text: str, anchor: str = "end") -> str:
    shown = _short(text)
    # always a <title>: the full text, and the same markup for every label
    full = f"<title>{esc.html(text)}</title>"
    return (
        f'<text x="{_n(x)}" y="{_n(y + 4)}" text-anchor="{anchor}">'
        f"{full}{esc.html(shown)}</text>"
    )


def group_chart(t: GroupTable, metric: str, chart_id: str) -> str:
    """Draw each group's rate with its Wilson interval and its denominator.

    Parameters
    ----------
    t : GroupTable
        A per-group table of a gate record.
    metric : str
        One of its rates.
    chart_id : str
        A document-unique id.

    Returns
    -------
    str
        An ``<svg>`` element: one row per group (a dot at the rate, a bar
        across the interval, ``rate [low, high] n=...`` beside it), small
        groups hollow and marked ``(small)``, on an axis from 0 to 1.
    """
    attrs = " × ".join(t.attributes)
    height = _TOP + _ROW_H * len(t.rows) + _BOTTOM
    scale = _Scale(0.0, 1.0, _LABEL_W, WIDTH - _TEXT_W)
    title = f"{metric} by {attrs}"
    desc = (
        f"{metric} of each group with its {t.level:.0%} Wilson interval; "
        "hollow points are groups under min_group_size, left out of disparities."
    )
    out = _open(chart_id, height, title, desc, "groups")
    out.append(f'<text class="heading" x="0" y="16">{esc.html(title)}</text>')
    out += _axis(scale, _TOP - 6, height - _BOTTOM)
    for i, row in enumerate(t.rows):
        y = _TOP + _ROW_H * i + _ROW_H / 2
        value = row.values.get(metric)
        label = row.label + (" (small)" if row.small else "")
        out.append(_label(_LABEL_W - 8, y, label))
        interval = row.intervals.get(metric)
        n = row.denominators.get(metric, row.count)
        text = f"{fmt(value)}{interval_text(interval)} n={n:,}"
        if value is None:
            text = f"undefined n={n:,}"
        elif (ends := _ends(interval)) is not None:
            low, high = ends
            out.append(
                f'<line class="interval" x1="{_n(scale.x(low))}" y1="{_n(y)}" '
                f'x2="{_n(scale.x(high))}" y2="{_n(y)}" stroke="#57606a" '
                'stroke-width="2"/>'
            )
        if value is not None:
            kind = "small" if row.small else "point"
            out.append(marker(kind, scale.x(value), y, hollow=row.small))
        out.append(_label(WIDTH - _TEXT_W + 10, y, text, anchor="start"))
    out.append("</svg>")
    return "\n".join(out)


def _band(row: BoundRow) -> tuple[float, float] | None:
    c = row.comparison
    if c is None or c.baseline is None:
        return None
    half = c.noise if c.noise is not None else c.margin
    if half is None:
        return None
    return c.baseline - half, c.baseline + half


def disparity_chart(rows: Sequence[BoundRow], chart_id: str, title: str) -> str:
    """Draw each bounded value with its interval against its bound and baseline.

    Parameters
    ----------
    rows : sequence of BoundRow
        The bounds of one gate.
    chart_id : str
        A document-unique id.
    title : str
        The chart's title (the gate).

    Returns
    -------
    str
        An ``<svg>`` element: one row per bound with the value's point
        (shaped by its verdict), its interval, the bound as a dashed red
        tick, the baseline as a grey tick and the noise band of the
        regression verdict as a shaded band around it; the verdict and the
        numbers are written beside it.
    """
    values: list[float] = []
    for r in rows:
        values += [v for v in (r.value, r.limit, r.baseline) if v is not None]
        if r.interval is not None:
            values += [v for v in r.interval if v is not None]
        band = _band(r)
        if band is not None:
            values += list(band)
    lo, hi = _domain(values, floor=0.0 if all(v >= 0 for v in values) else None)
    row_h = _ROW_H + 12
    height = _TOP + row_h * len(rows) + _BOTTOM
    scale = _Scale(lo, hi, _LABEL_W, WIDTH - _TEXT_W)
    desc = (
        "Each bounded value with its interval. A dashed red tick marks the "
        "bound, a grey tick the baseline and the shaded band the noise of the "
        "comparison with it. Shapes: circle passed, cross failed, triangle "
        "regressed, square inconclusive, diamond no baseline."
    )
    out = _open(chart_id, height, title, desc, "disparities")
    out.append(f'<text class="heading" x="0" y="16">{esc.html(title)}</text>')
    out += _axis(scale, _TOP - 6, height - _BOTTOM)
    for i, r in enumerate(rows):
        y = _TOP + row_h * i + row_h / 2
        out.append(_label(_LABEL_W - 8, y, r.metric))
        band = _band(r)
        if band is not None:
            x1, x2 = scale.x(band[0]), scale.x(band[1])
            out.append(
                f'<rect class="noise" x="{_n(x1)}" y="{_n(y - 11)}" '
                f'width="{_n(max(x2 - x1, 1.0))}" height="22" fill="#eaeef2">'
                f"<title>noise band {esc.html(fmt(band[0]))} to "
                f"{esc.html(fmt(band[1]))}</title></rect>"
            )
        if r.baseline is not None:
            x = _n(scale.x(r.baseline))
            out.append(
                f'<line class="baseline" x1="{x}" y1="{_n(y - 11)}" x2="{x}" '
                f'y2="{_n(y + 11)}" stroke="#57606a" stroke-width="2">'
                f"<title>baseline {esc.html(fmt(r.baseline))}</title></line>"
            )
        if r.limit is not None:
            x = _n(scale.x(r.limit))
            out.append(
                f'<line class="bound" x1="{x}" y1="{_n(y - 13)}" x2="{x}" '
                f'y2="{_n(y + 13)}" stroke="#cf222e" stroke-width="2" '
                'stroke-dasharray="4 2">'
                f"<title>bound {esc.html(r.bound)}</title></line>"
            )
        if (ends := _ends(r.interval)) is not None:
            low, high = ends
            out.append(
                f'<line class="interval" x1="{_n(scale.x(low))}" y1="{_n(y)}" '
                f'x2="{_n(scale.x(high))}" y2="{_n(y)}" stroke="#24292f" '
                'stroke-width="2"/>'
            )
        if r.value is not None:
            out.append(marker(r.outcome, scale.x(r.value), y))
        # two lines, so that the longest (REGRESSED with an interval, a
        # bound and a baseline) fits beside the plot
        text = f"{VERDICT_TEXT[r.outcome]} {value_with_interval(r)}"
        second = r.bound
        if r.baseline is not None:
            second += f" (baseline {fmt(r.baseline)})"
        x = _n(WIDTH - _TEXT_W + 10)
        out.append(f'<text x="{x}" y="{_n(y - 1)}">{esc.html(text)}</text>')
        out.append(
            f'<text class="tick" x="{x}" y="{_n(y + 11)}">{esc.html(second)}</text>'
        )
    out.append("</svg>")
    return "\n".join(out)


def _run_label(point: HistoryPoint) -> str:
    if point.commit:
        return point.commit[:7]
    return point.timestamp[:10]


def history_chart(
    points: Sequence[HistoryPoint], row: BoundRow, chart_id: str
) -> str | None:
    """Draw one bounded metric over the recent runs of its gate.

    Parameters
    ----------
    points : sequence of HistoryPoint
        The gate's history, oldest first (the current run last).
    row : BoundRow
        The bound now (its limit is drawn).
    chart_id : str
        A document-unique id.

    Returns
    -------
    str or None
        An ``<svg>`` element (runs left to right, labelled by commit or
        date, each value with its interval, shaped by its outcome, the bound
        as a dashed line), or None when no run bounded this metric.
    """
    series: list[tuple[HistoryPoint, HistoryValue]] = []
    for p in points:
        v = p.value_of(row.metric)
        if v is not None and v.value is not None:
            series.append((p, v))
    if not series:
        return None
    values = [] if row.limit is None else [row.limit]
    for _, v in series:
        values.append(v.value or 0.0)
        if v.interval is not None:
            values += [x for x in v.interval if x is not None]
    lo, hi = _domain(values, floor=0.0 if all(v >= 0 for v in values) else None)
    height = 190.0
    top, bottom, left, right = 30.0, height - 40, 60.0, WIDTH - 20.0

    def y_of(value: float) -> float:
        clipped = min(max(value, lo), hi)
        return bottom - (clipped - lo) / (hi - lo) * (bottom - top)

    n = len(series)
    step = (right - left) / max(n, 1)
    title = f"{row.metric} over the last {n} run(s)"
    desc = (
        f"{row.metric} at each run, oldest on the left, with its interval; the "
        f"dashed red line is the bound {row.bound}. Shapes: circle passed, cross "
        "failed, triangle regressed, square inconclusive."
    )
    out = _open(chart_id, height, title, desc, "history")
    out.append(f'<text class="heading" x="0" y="16">{esc.html(title)}</text>')
    for t in _ticks(lo, hi):
        y = _n(y_of(t))
        out.append(
            f'<line class="grid" x1="{_n(left)}" y1="{y}" x2="{_n(right)}" y2="{y}" '
            'stroke="#d0d7de" stroke-width="1"/>'
        )
        out.append(
            f'<text class="tick" x="{_n(left - 6)}" y="{_n(float(y) + 4)}" '
            f'text-anchor="end">{esc.html(fmt(t, 2))}</text>'
        )
    if row.limit is not None:
        y = _n(y_of(row.limit))
        out.append(
            f'<line class="bound" x1="{_n(left)}" y1="{y}" x2="{_n(right)}" '
            f'y2="{y}" stroke="#cf222e" stroke-width="2" stroke-dasharray="6 3">'
            f"<title>bound {esc.html(row.bound)}</title></line>"
        )
    xs = [left + step * (i + 0.5) for i in range(n)]
    path = "".join(
        f"{'M' if i == 0 else 'L'}{_n(x)},{_n(y_of(v.value or 0.0))}"
        for i, (x, (_, v)) in enumerate(zip(xs, series, strict=True))
    )
    out.append(
        f'<path class="trend" d="{path}" fill="none" stroke="#57606a" '
        'stroke-width="1.5"/>'
    )
    label_every = max(1, -(-n // 8))
    for i, (x, (point, v)) in enumerate(zip(xs, series, strict=True)):
        if (ends := _ends(v.interval)) is not None:
            low, high = ends
            out.append(
                f'<line class="interval" x1="{_n(x)}" y1="{_n(y_of(low))}" '
                f'x2="{_n(x)}" y2="{_n(y_of(high))}" stroke="#24292f" '
                'stroke-width="1.5"/>'
            )
        text = (
            f"{_run_label(point)}: {fmt(v.value)}{interval_text(v.interval)} "
            f"{VERDICT_TEXT.get(v.outcome, v.outcome)}"
        )
        shape = marker(v.outcome, x, y_of(v.value or 0.0))
        out.append(f"<g><title>{esc.html(text)}</title>{shape}</g>")
        if i % label_every == 0 or i == n - 1:
            out.append(
                f'<text class="tick" x="{_n(x)}" y="{_n(bottom + 16)}" '
                f'text-anchor="middle">{esc.html(_run_label(point))}</text>'
            )
    last = series[-1][1]
    now = f"now {fmt(last.value)} ({VERDICT_TEXT.get(last.outcome, last.outcome)})"
    out.append(
        f'<text x="{_n(right)}" y="{_n(height - 4)}" text-anchor="end">'
        f"{esc.html(now)}</text>"
    )
    out.append("</svg>")
    return "\n".join(out)
