"""Text, markdown, HTML (inline SVG) and matplotlib views of a MonitorResult.

Every view reads the result's tables only; the HTML has no script and no
external file, and every text in it is escaped.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import html
import math
from typing import TYPE_CHECKING, Any

from pytest_fairness._version import __version__

if TYPE_CHECKING:
    from collections.abc import Sequence

    import pandas as pd

    from pytest_fairness.monitoring._result import MonitorResult

__all__ = ["plot_result", "result_html", "result_lines", "result_markdown"]

_W, _H = 760, 240
_LEFT, _RIGHT, _TOP, _BOTTOM = 56, 16, 28, 36


def _num(value: Any, digits: int = 3) -> str:
    if value is None:
        return "-"
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    return "-" if math.isnan(v) else f"{v:.{digits}f}"


def _value(row: Any) -> str:
    text = _num(row["value"])
    if not math.isnan(float(row["low"])) and not math.isnan(float(row["value"])):
        text += f" [{_num(row['low'])}, {_num(row['high'])}]"
    return text


def _status(row: Any) -> str:
    parts = []
    if row["verdict"] is not None and isinstance(row["verdict"], str):
        parts.append(row["verdict"])
    drift = row["drift"]
    if isinstance(drift, str) and drift not in ("stable",):
        parts.append(f"drift {drift}")
    if isinstance(row["note"], str) and row["note"]:
        parts.append(row["note"])
    return "; ".join(parts)


def _headline(result: MonitorResult) -> list[str]:
    s = result.settings
    w = result.windows
    first, last = (w["window"].iloc[0], w["window"].iloc[-1]) if len(w) else ("-", "-")
    counts = {
        k: int((result.alerts["kind"] == k).sum())
        for k in ("bound", "drift", "composition")
    }
    total = sum(counts.values())
    return [
        f"fairness monitoring: {s['n_windows']} windows (freq={s['freq']}) from "
        f"{first} to {last}, {s['n_rows']:,} rows, {s['n_groups']} groups of "
        f"{' × '.join(s['attributes'])}",
        f"reference period: {s['reference']}; {s['n_watched']} windows watched "
        f"after it",
        f"alerts: {total} (bound {counts['bound']}, drift {counts['drift']}, "
        f"composition {counts['composition']})",
    ]


def _metric_rows(result: MonitorResult, metric: str) -> list[list[str]]:
    rows = result.windows[result.windows["metric"] == metric]
    out = []
    for _, r in rows.iterrows():
        out.append(
            [
                str(r["window"]),
                _value(r),
                f"{int(r['rows']):,}",
                _num(r["drift_z"], 2),
                _num(r["drift_cusum"], 2),
                _status(r),
            ]
        )
    return out


_HEADERS = ["window", "value [interval]", "rows", "drift z", "CUSUM", "status"]


def result_lines(result: MonitorResult) -> list[str]:
    """Render a result as plain text.

    Parameters
    ----------
    result : MonitorResult
        The result.

    Returns
    -------
    list of str
        Headline, one table per disparity, and the alerts.
    """
    from tabulate import tabulate  # noqa: PLC0415 - loaded on first use

    out = _headline(result)
    s = result.settings
    for metric in result.metrics:
        bound = next((b for b in s["bounds"] if b["metric"] == metric), None)
        title = metric + (f" (bound {bound['op']} {bound['limit']:g})" if bound else "")
        out += ["", title]
        out += tabulate(
            _metric_rows(result, metric),
            headers=_HEADERS,
            tablefmt="simple",
            disable_numparse=True,
        ).splitlines()
    if not result.alerts.empty:
        out += ["", "alerts:"]
        out += [
            f"- {a.window} [{a.kind}] {a.message}" for a in result.alerts.itertuples()
        ]
    return out


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def result_markdown(result: MonitorResult) -> str:
    """Render a result as GitHub-flavoured markdown.

    Parameters
    ----------
    result : MonitorResult
        The result.

    Returns
    -------
    str
        ``## Fairness monitoring``, the headline, a table per disparity and
        the alerts.
    """
    out = [
        "## Fairness monitoring",
        "",
        *[f"- {_md(x)}" for x in _headline(result)],
        "",
    ]
    for metric in result.metrics:
        out += [f"### {metric}", "", "| " + " | ".join(_HEADERS) + " |"]
        out.append("|" + "---|" * len(_HEADERS))
        out += [
            "| " + " | ".join(_md(c) for c in row) + " |"
            for row in _metric_rows(result, metric)
        ]
        out.append("")
    if not result.alerts.empty:
        out += ["### Alerts", ""]
        out += [
            f"- **{a.window}** `{a.kind}`: {_md(str(a.message))}"
            for a in result.alerts.itertuples()
        ]
        out.append("")
    return "\n".join(out)


# -- SVG ---------------------------------------------------------------------------
def _h(text: object) -> str:
    return html.escape(str(text), quote=True)


def _finite(values: Sequence[float | None]) -> list[float]:
    return [v for v in values if v is not None and not math.isnan(v)]


def _segments(
    xs: Sequence[float], ys: Sequence[float | None]
) -> list[list[tuple[float, float]]]:
    """Split a line where values are missing."""
    out: list[list[tuple[float, float]]] = [[]]
    for x, y in zip(xs, ys, strict=True):
        if y is None or math.isnan(y):
            if out[-1]:
                out.append([])
            continue
        out[-1].append((x, y))
    return [seg for seg in out if seg]


def _svg_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    band: tuple[Sequence[float], Sequence[float]] | None = None,
    bound: float | None = None,
    reference: Sequence[bool] = (),
    alerts: Sequence[tuple[int, str]] = (),
    y_label: str = "",
) -> str:
    """One line chart with time on the x axis, as an SVG element."""
    n = len(labels)
    values = [v for _, ys in series for v in ys]
    if band is not None:
        values += list(band[0]) + list(band[1])
    if bound is not None:
        values.append(bound)
    finite = _finite(values) or [0.0, 1.0]
    lo, hi = min(0.0, min(finite)), max(finite)
    if hi <= lo:
        hi = lo + 1.0
    hi += 0.08 * (hi - lo)
    inner_w, inner_h = _W - _LEFT - _RIGHT, _H - _TOP - _BOTTOM

    def x(i: float) -> float:
        return _LEFT + (inner_w * (i + 0.5) / max(n, 1))

    def y(v: float) -> float:
        return _TOP + inner_h * (1 - (v - lo) / (hi - lo))

    step = inner_w / max(n, 1)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{_W}" '
        f'height="{_H}" viewBox="0 0 {_W} {_H}" aria-labelledby="t-{_h(title)}">',
        f'<title id="t-{_h(title)}">{_h(title)}</title>',
        f'<rect x="{_LEFT}" y="{_TOP}" width="{inner_w}" height="{inner_h}" '
        'fill="#ffffff" stroke="#d0d7de"/>',
    ]
    for i, ref in enumerate(reference):
        if ref:
            out.append(
                f'<rect class="reference" x="{x(i) - step / 2:.1f}" y="{_TOP}" '
                f'width="{step:.1f}" height="{inner_h}" fill="#eaeef2">'
                "<title>reference period</title></rect>"
            )
    for k in range(5):
        v = lo + (hi - lo) * k / 4
        out.append(
            f'<line x1="{_LEFT}" x2="{_W - _RIGHT}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
            'stroke="#eaeef2"/>'
            f'<text x="{_LEFT - 6}" y="{y(v) + 4:.1f}" font-size="11" '
            f'text-anchor="end">{v:.2f}</text>'
        )
    ticks = sorted({0, n - 1, *range(0, n, max(1, n // 6))}) if n else []
    out += [
        f'<text x="{x(i):.1f}" y="{_H - 12}" font-size="11" '
        f'text-anchor="middle">{_h(labels[i])}</text>'
        for i in ticks
    ]
    if y_label:
        out.append(f'<text x="{_LEFT}" y="16" font-size="12">{_h(y_label)}</text>')
    if band is not None:
        for seg_lo, seg_hi in zip(
            _segments(range(n), band[0]), _segments(range(n), band[1]), strict=False
        ):
            pts = [f"{x(i):.1f},{y(v):.1f}" for i, v in seg_hi]
            pts += [f"{x(i):.1f},{y(v):.1f}" for i, v in reversed(seg_lo)]
            out.append(
                f'<polygon class="interval" points="{" ".join(pts)}" '
                'fill="#54aeff" fill-opacity="0.25" stroke="none"/>'
            )
    if bound is not None:
        out.append(
            f'<line class="bound" x1="{_LEFT}" x2="{_W - _RIGHT}" y1="{y(bound):.1f}" '
            f'y2="{y(bound):.1f}" stroke="#cf222e" stroke-dasharray="6 4">'
            f"<title>bound {bound:g}</title></line>"
        )
    palette = ["#0969da", "#8250df", "#1a7f37", "#bf3989", "#9a6700", "#57606a"]
    for k, (name, ys) in enumerate(series):
        color = palette[k % len(palette)]
        for seg in _segments(range(n), ys):
            line = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in seg)
            out.append(
                f'<polyline class="value" points="{line}" fill="none" '
                f'stroke="{color}" stroke-width="2">'
                f"<title>{_h(name)}</title></polyline>"
            )
        for i, v in enumerate(ys):
            if not math.isnan(v):
                out.append(
                    f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="2.5" fill="{color}">'
                    f"<title>{_h(labels[i])}: {_h(name)} {v:.3f}</title></circle>"
                )
        if len(series) > 1 and _finite(ys):
            last = max(i for i, v in enumerate(ys) if not math.isnan(v))
            out.append(
                f'<text x="{x(last) - 4:.1f}" y="{y(ys[last]) - 6:.1f}" '
                'font-size="10" '
                f'text-anchor="end" fill="{color}">{_h(name)}</text>'
            )
    for i, text in alerts:
        cx, cy = x(i), _TOP + 10
        out.append(
            f'<path class="alert" d="M{cx - 6:.1f},{cy - 6:.1f} '
            f"L{cx + 6:.1f},{cy - 6:.1f} "
            f'L{cx:.1f},{cy + 5:.1f} Z" fill="#cf222e">'
            f"<title>{_h(text)}</title></path>"
        )
    out.append("</svg>")
    return "\n".join(out)


def _metric_chart(result: MonitorResult, metric: str) -> str:
    rows = result.windows[result.windows["metric"] == metric]
    labels = [str(v) for v in rows["window"]]
    bound_spec = next(
        (b for b in result.settings["bounds"] if b["metric"] == metric), None
    )
    alerts = result.alerts[result.alerts["metric"] == metric]
    marks = []
    for window, group in alerts.groupby("window", sort=False):
        if str(window) in labels:
            text = "; ".join(f"{k} alert" for k in dict.fromkeys(group["kind"]))
            marks.append((labels.index(str(window)), f"{window!s}: {text}"))
    return _svg_chart(
        f"{metric} per window",
        labels,
        [(metric, [float(v) for v in rows["value"]])],
        band=([float(v) for v in rows["low"]], [float(v) for v in rows["high"]]),
        bound=None if bound_spec is None else float(bound_spec["limit"]),
        reference=[bool(v) for v in rows["reference"]],
        alerts=marks,
        y_label=metric,
    )


def _share_chart(result: MonitorResult) -> str:
    g = result.groups[result.groups["metric"] == "selection_rate"]
    if g.empty:
        return ""
    windows = list(dict.fromkeys(result.windows["window"]))
    top = g.groupby("group")["rows"].sum().sort_values(ascending=False).index[:6]
    series = []
    for group in top:
        shares = g[g["group"] == group].set_index("window")["share"]
        series.append((str(group), [float(shares.get(w, math.nan)) for w in windows]))
    ref = result.windows.drop_duplicates("window")["reference"].tolist()
    comp = result.alerts[result.alerts["kind"] == "composition"]
    marks = [
        (windows.index(str(w)), f"{w}: composition alert")
        for w in dict.fromkeys(comp["window"])
        if str(w) in windows
    ]
    return _svg_chart(
        "share of rows of the largest groups per window",
        windows,
        series,
        reference=ref,
        alerts=marks,
        y_label="share of the window's rows",
    )


_STYLE = """\
body { font-family: system-ui, sans-serif; margin: 2em; color: #1f2328; }
table { border-collapse: collapse; margin: 0.5em 0 1em; }
th, td { border: 1px solid #d0d7de; padding: 0.25em 0.6em; text-align: left; }
th { background: #f6f8fa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.alert td { background: #ffebe9; }
summary { cursor: pointer; font-weight: 600; margin: 0.5em 0; }
"""


def result_html(result: MonitorResult) -> str:
    """Render a result as a standalone HTML page.

    Parameters
    ----------
    result : MonitorResult
        The result.

    Returns
    -------
    str
        The page: headline, one SVG chart and table per disparity, the
        share chart and the alerts.
    """
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>Fairness monitoring</title>",
        f"<style>{_STYLE}</style></head><body>",
        "<h1>Fairness monitoring</h1>",
        "<ul>" + "".join(f"<li>{_h(x)}</li>" for x in _headline(result)) + "</ul>",
    ]
    if not result.alerts.empty:
        out.append("<h2>Alerts</h2>")
        out.append(
            "<table><thead><tr><th>window</th><th>kind</th><th>metric</th>"
            "<th>group</th><th>message</th></tr></thead><tbody>"
        )
        out += [
            f'<tr class="alert"><td>{_h(a.window)}</td><td>{_h(a.kind)}</td>'
            f"<td>{_h(a.metric or '')}</td><td>{_h(a.group or '')}</td>"
            f"<td>{_h(a.message)}</td></tr>"
            for a in result.alerts.itertuples()
        ]
        out.append("</tbody></table>")
    for metric in result.metrics:
        out.append(f"<h2>{_h(metric)}</h2>")
        out.append(f"<figure>{_metric_chart(result, metric)}</figure>")
        out.append(
            f"<details><summary>{_h(metric)} per window</summary><table><thead><tr>"
        )
        out += [f"<th>{_h(h)}</th>" for h in _HEADERS]
        out.append("</tr></thead><tbody>")
        for row in _metric_rows(result, metric):
            cls = ' class="alert"' if "alert" in row[-1] or "failed" in row[-1] else ""
            cells = "".join(
                f'<td class="num">{_h(c)}</td>'
                if j in (1, 2, 3, 4)
                else f"<td>{_h(c)}</td>"
                for j, c in enumerate(row)
            )
            out.append(f"<tr{cls}>{cells}</tr>")
        out.append("</tbody></table></details>")
    shares = _share_chart(result)
    if shares:
        out += ["<h2>Composition</h2>", f"<figure>{shares}</figure>"]
    out.append(f"<p><small>pytest-fairness {_h(__version__)}</small></p>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def plot_result(result: MonitorResult, metric: str | None, *, ax: Any = None) -> Any:
    """Draw disparities over time with matplotlib.

    Parameters
    ----------
    result : MonitorResult
        The result.
    metric : str or None
        One disparity, or all followed ones.
    ax : matplotlib.axes.Axes, optional
        Where to draw (one disparity only).

    Returns
    -------
    matplotlib.figure.Figure
        The figure.
    """
    from pytest_fairness._optional import import_optional  # noqa: PLC0415

    plt = import_optional("matplotlib.pyplot", extra="plot", purpose="monitoring plots")
    if metric is not None:
        result.series(metric)  # refuses a disparity that is not followed
    metrics = result.metrics if metric is None else [metric]
    if ax is not None and len(metrics) != 1:
        from pytest_fairness.exceptions import FairnessValueError  # noqa: PLC0415

        msg = "ax= draws one disparity: pass metric= too."
        raise FairnessValueError(msg)
    if ax is None:
        fig, axes = plt.subplots(
            len(metrics), 1, figsize=(9, 2.6 * len(metrics)), squeeze=False
        )
        axes = [a[0] for a in axes]
    else:
        fig, axes = ax.figure, [ax]
    for name, a in zip(metrics, axes, strict=True):
        rows: pd.DataFrame = result.series(str(name)).reset_index()
        xs = rows["window_start"]
        a.fill_between(
            xs,
            rows["low"].astype(float),
            rows["high"].astype(float),
            alpha=0.25,
            label="interval",
        )
        a.plot(
            xs, rows["value"].astype(float), marker="o", markersize=3, label=str(name)
        )
        ref = rows[rows["reference"].astype(bool)]
        if not ref.empty:
            a.axvspan(
                ref["window_start"].min(),
                ref["window_end"].max(),
                color="0.9",
                label="reference",
            )
        bound = next(
            (b for b in result.settings["bounds"] if b["metric"] == name), None
        )
        if bound is not None:
            a.axhline(
                float(bound["limit"]),
                color="tab:red",
                linestyle="--",
                label=f"bound {bound['op']} {bound['limit']:g}",
            )
        hits = result.alerts[result.alerts["metric"] == name]
        if not hits.empty:
            hit_rows = rows[rows["window_start"].isin(hits["window_start"])]
            a.scatter(
                hit_rows["window_start"],
                hit_rows["value"].astype(float),
                marker="v",
                color="tab:red",
                zorder=3,
                label="alert",
            )
        a.set_title(str(name))
        a.legend(loc="upper left", fontsize="small")
    fig.autofmt_xdate()
    return fig
