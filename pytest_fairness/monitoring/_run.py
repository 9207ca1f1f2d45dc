"""The steps of one monitor() call over the cells of a log: windows, tests, alerts.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import TYPE_CHECKING, Any

import numpy as np

from pytest_fairness._validation import (
    fail,
)
from pytest_fairness.exceptions import FairnessValueError
from pytest_fairness.metrics import METRICS, rate_parts
from pytest_fairness.metrics._intervals import (
    disparity_replicates,
    replicate_values,
    wilson_interval,
)
from pytest_fairness.monitoring._cells import (
    Cells,
    ReportSettings,
    window_report,
)
from pytest_fairness.monitoring._composition import (
    composition_test,
    poisson_cdf,
    stability_index,
)
from pytest_fairness.monitoring._drift import (
    CUSUM_K,
    DriftScore,
    cusum,
    cusum_threshold,
    null_cells,
    score_window,
)
from pytest_fairness.monitoring._freq import Windowing, window_label
from pytest_fairness.monitoring._result import MonitorResult

if TYPE_CHECKING:
    import pandas as pd
    from numpy.typing import NDArray

    from pytest_fairness.gates import Bound
    from pytest_fairness.metrics import DisparitySpec
    from pytest_fairness.report._report import FairnessReport

#: Factor on the correlation the reference period gives two windows' scores.
_SHARED_MARGIN = 2.0

__all__ = ["STAGES", "Monitor", "needs_labels"]


_NORMAL = NormalDist()
_DEFAULT_DECISION = ("demographic_parity_difference",)
_DEFAULT_OUTCOME = ("equal_opportunity_difference", "equalized_odds_difference")
STAGES = {
    "pre-processing": (
        "pre-processing: the groups' shares moved; reweigh or resample the "
        "training data (pytest_fairness.preprocessing)"
    ),
    "post-processing": (
        "post-processing: the decisions moved for every group (threshold or "
        "score drift); recalibrate the group thresholds "
        "(pytest_fairness.postprocessing)"
    ),
    "causal": (
        "causal and in-processing: a new disparity with a stable composition; "
        "look for the path it takes (pytest_fairness.causal) and retrain with a "
        "fairness constraint (pytest_fairness.inprocessing)"
    ),
}


def needs_labels(spec: DisparitySpec) -> bool:
    return any(m != "selection_rate" for m in spec.metrics)


def _label(group: Sequence[Any]) -> str:
    return ", ".join(str(v) for v in group) if len(group) else "(all)"


def _fmt(value: float, digits: int = 3) -> str:
    return "nan" if math.isnan(value) else f"{value:.{digits}f}"


@dataclass
class _Window:
    """What one window holds, as the monitor builds it."""

    index: int
    start: pd.Timestamp
    label: str
    rows: int
    labelled: int
    decisions: tuple[FairnessReport, NDArray[np.intp]] | None = None
    outcomes: tuple[FairnessReport, NDArray[np.intp]] | None = None
    skip: str = ""
    comp_alert: bool = False
    null: dict[str, NDArray[np.float64]] = field(default_factory=dict)


def _parse_reference(
    reference: object, starts: list[pd.Timestamp], n_windows: int
) -> tuple[list[int], str]:
    """Return the reference windows and how they were chosen."""
    import pandas as pd  # noqa: PLC0415 - the tables are pandas

    if reference is None:
        k = max(1, n_windows // 4)
        if n_windows < 2:
            msg = (
                "the log spans one window only: monitoring compares windows with "
                "a reference period, so give it a longer span or a shorter freq."
            )
            raise fail(msg)
        return list(range(k)), f"the first quarter of the windows ({k})"
    if isinstance(reference, bool):
        reference = str(reference)
    if isinstance(reference, int | np.integer):
        k = int(reference)
        if not 1 <= k < n_windows:
            msg = (
                f"reference={k} must be a number of windows from 1 to "
                f"{n_windows - 1} (the log has {n_windows} windows; at least "
                "one must stay to be monitored)."
            )
            raise fail(msg)
        return list(range(k)), f"the first {k} windows"
    if (
        isinstance(reference, Sequence)
        and not isinstance(reference, str)
        and len(reference) == 2
    ):
        try:
            lo, hi = (pd.Timestamp(v) for v in reference)
        except (TypeError, ValueError):
            msg = (
                f"reference={reference!r} must be a number of windows or a pair "
                "of dates (start, end), e.g. ('2024-01-01', '2024-03-31')."
            )
            raise fail(msg) from None
        tz = starts[0].tz
        if tz is not None:
            lo = lo.tz_localize(tz) if lo.tz is None else lo.tz_convert(tz)
            hi = hi.tz_localize(tz) if hi.tz is None else hi.tz_convert(tz)
        if lo > hi:
            msg = (
                f"reference={reference!r} is not sorted: its start {lo} is after "
                f"its end {hi}. Pass (start, end)."
            )
            raise fail(msg)
        chosen = [i for i, s in enumerate(starts) if lo <= s <= hi]
        if not chosen:
            msg = (
                f"reference={reference!r} holds no window: the windows start "
                f"from {starts[0]} to {starts[-1]}. Pass dates inside that span."
            )
            raise fail(msg)
        if len(chosen) == n_windows:
            msg = (
                f"reference={reference!r} covers all {n_windows} windows: leave "
                "at least one window to monitor."
            )
            raise fail(msg)
        return chosen, f"windows starting from {lo.date()} to {hi.date()}"
    msg = (
        f"reference={reference!r} must be None (the first quarter of the "
        "windows), a number of windows, or a pair of dates (start, end)."
    )
    raise fail(msg)


class Monitor:
    """The steps of one monitor() call, over the cells of the log."""

    def __init__(
        self,
        *,
        cells: Cells,
        windowing: Windowing,
        specs: tuple[DisparitySpec, ...],
        bounds: tuple[Bound, ...],
        reference: Any,
        confidence: float | None,
        level: float,
        tz: str | None,
        settings: ReportSettings,
        min_labelled: float,
        composition_threshold: float,
        names: dict[str, str | None],
    ) -> None:
        import pandas as pd  # noqa: PLC0415 - the tables are pandas

        self.cells = cells
        self.windowing = windowing
        self.specs = specs
        self.bounds = bounds
        self.confidence = confidence
        self.level = level
        self.settings = settings
        self.min_labelled = min_labelled
        self.composition_threshold = composition_threshold
        self.names = names
        n = cells.n_windows
        starts = [
            pd.Timestamp(windowing.start(cells.first_key + w)) for w in range(n + 1)
        ]
        if tz is not None:
            starts = [s.tz_localize(tz) for s in starts]
        self.starts = starts
        self.labels = [window_label(s, windowing) for s in starts]
        self.ref, self.ref_text = _parse_reference(reference, starts[:n], n)
        last_ref = max(self.ref)
        self.watched = [w for w in range(n) if w > last_ref]
        self.n_bound_tests = max(1, n * max(1, len(bounds)))
        self.bound_level = (
            None
            if confidence is None
            else 1.0 - (1.0 - confidence) / self.n_bound_tests
        )
        self.alpha = 1.0 - level
        self.rows = cells.rows()
        self.alerts: list[dict[str, Any]] = []
        self._streaks: dict[tuple[Any, ...], tuple[int, int]] = {}
        self.rng = np.random.default_rng(settings.random_state)

    # -- the reference ---------------------------------------------------------
    def _reference_cells(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        lab = self.cells.labelled[self.ref].sum(axis=0)
        dec = self.cells.decision_cells(self.ref).sum(axis=0)
        return lab, dec

    # -- windows ---------------------------------------------------------------
    def _window(self, w: int) -> _Window:
        c = self.cells
        rows = int(self.rows[w].sum())
        labelled = int(c.labelled[w].sum())
        win = _Window(w, self.starts[w], self.labels[w], rows, labelled)
        if rows == 0:
            win.skip = "no rows in this window"
            return win
        level = self.bound_level
        settings = self.settings
        sums = None
        if c.score is not None:
            sums = {k: c.score[k][w] for k in ("brier", "cal_score", "cal_true")}
        if c.has_labels and labelled == rows:
            win.outcomes = window_report(
                c, c.labelled[w], settings, confidence=level, sums=sums
            )
            win.decisions = win.outcomes
            return win
        win.decisions = window_report(
            c, c.decision_cells(w), settings, confidence=level
        )
        if c.has_labels:
            share = labelled / rows
            if share >= self.min_labelled and labelled > 0:
                win.outcomes = window_report(
                    c, c.labelled[w], settings, confidence=level, sums=sums
                )
            else:
                win.skip = (
                    f"labels known for {share:.0%} of the rows "
                    f"(< min_labelled={self.min_labelled:g}): metrics that need "
                    "y_true are skipped"
                )
        return win

    @staticmethod
    def _report_for(
        win: _Window, spec: DisparitySpec
    ) -> tuple[FairnessReport, NDArray[np.intp]] | None:
        return win.outcomes if needs_labels(spec) else win.decisions

    # -- run -------------------------------------------------------------------
    def run(self) -> MonitorResult:
        import pandas as pd  # noqa: PLC0415 - the tables are pandas

        c = self.cells
        windows = [self._window(w) for w in range(c.n_windows)]
        ref_lab, ref_dec = self._reference_cells()
        self.ref_lab, self.ref_dec = ref_lab, ref_dec
        ref_settings = self.settings
        ref_outcomes = (
            window_report(c, ref_lab, ref_settings, confidence=None)
            if c.has_labels
            else None
        )
        ref_decisions = (
            ref_outcomes
            if c.has_labels and ref_lab.sum() == ref_dec.sum()
            else window_report(c, ref_dec, ref_settings, confidence=None)
        )
        self.ref_reports = {"outcomes": ref_outcomes, "decisions": ref_decisions}
        composition = self._composition(windows)
        drift = self._drift(windows)
        rows = [
            self._row(win, spec, drift.get((win.index, spec.name)))
            for win in windows
            for spec in self.specs
        ]
        for win in windows:
            for spec in self.specs:
                self._bound_alerts(win, spec, composition)
        self._drift_alerts(windows, drift, composition)
        table = pd.DataFrame(rows)
        groups = self._group_table(windows)
        alerts = _alert_frame(self.alerts)
        return MonitorResult(
            windows=table,
            groups=groups,
            alerts=alerts,
            settings=self._settings_dict(drift),
        )

    # -- drift -------------------------------------------------------------------
    def _drift_threshold(self) -> float:
        """Return the CUSUM threshold of the watched windows, all disparities together.

        The scores of two windows share the reference period's noise: their
        correlation is about ``n / (n + N)`` for ``n`` rows in a typical
        watched window and ``N`` in the reference period.
        """
        m = len(self.watched)
        rows = self.rows.sum(axis=1)
        watched = rows[self.watched]
        typical = float(np.median(watched[watched > 0])) if (watched > 0).any() else 0.0
        reference = float(rows[self.ref].sum())
        shared = typical / (typical + reference) if typical + reference > 0 else 0.0
        # Twice that, as a margin: on stable simulated logs (two groups, 13
        # reference windows) the scores' correlation measured 0.107 +- 0.018
        # where n / (n + N) gives 0.071 (benchmarks/bench_monitoring.py).
        shared = min(0.5, _SHARED_MARGIN * shared)
        self.shared = shared
        return cusum_threshold(m, self.alpha / max(1, len(self.specs)), shared=shared)

    def _drift(self, windows: list[_Window]) -> dict[tuple[int, str], dict[str, Any]]:
        out: dict[tuple[int, str], dict[str, Any]] = {}
        h = self._drift_threshold()
        self.h = h
        for spec in self.specs:
            scores: list[float] = []
            details: list[tuple[int, DriftScore | None, str]] = []
            for w in self.watched:
                win = windows[w]
                found = self._report_for(win, spec)
                if found is None:
                    reason = win.skip or "no rows"
                    details.append((w, None, reason))
                    scores.append(math.nan)
                    continue
                scored = self._score(win, spec, found)
                details.append(
                    (w, scored, "" if not math.isnan(scored.z) else "undefined")
                )
                scores.append(scored.z)
            sums = cusum(scores, CUSUM_K)
            last_zero = None
            for (w, score, reason), s in zip(details, sums, strict=True):
                if s == 0.0:
                    last_zero = w
                out[(w, spec.name)] = {
                    "score": score,
                    "cusum": float(s),
                    "alert": bool(s > h),
                    "reason": reason,
                    "since": self._next_watched(last_zero),
                }
        return out

    def _next_watched(self, w: int | None) -> int:
        if w is None:
            return self.watched[0]
        later = [x for x in self.watched if x > w]
        return later[0] if later else w

    def _score(
        self,
        win: _Window,
        spec: DisparitySpec,
        found: tuple[FairnessReport, NDArray[np.intp]],
    ) -> DriftScore:
        report, present = found
        which = (
            "outcomes" if needs_labels(spec) or found is win.outcomes else "decisions"
        )
        ref = self.ref_lab if which == "outcomes" else self.ref_dec
        ref_cells = ref[present]
        comparable = ref_cells.sum(axis=1) > 0
        if which not in win.null:
            sizes = report.table.counts.rows.astype(np.int64)
            win.null[which] = null_cells(
                ref_cells, sizes, self.settings.n_boot, self.rng
            )
        sims = win.null[which]
        try:
            tables = report._tables(None)
            observed_parts, sim_parts = [], []
            for attr, t in tables:
                if attr is None:
                    reps, mapping = sims, None
                else:
                    j = report.attributes.index(attr)
                    mapping = np.array(
                        [t.groups.index((g[j],)) for g in report.table.groups],
                        dtype=np.intp,
                    )
                    onehot = np.zeros((len(report.table.groups), len(t.groups)))
                    onehot[np.arange(len(mapping)), mapping] = 1.0
                    reps = np.einsum("bgc,gm->bmc", sims, onehot)
                ok = (
                    comparable
                    if mapping is None
                    else (
                        np.bincount(
                            mapping,
                            weights=comparable.astype(float),
                            minlength=len(t.groups),
                        )
                        > 0
                    )
                )
                eligible = {m: report._eligible(t, m) & ok for m in spec.metrics}
                ref_index = report._reference_index(t, attr)
                observed_parts.append(
                    disparity_replicates(
                        {m: t.values(m)[None, :] for m in spec.metrics},
                        eligible,
                        spec.kind,
                        ref_index,
                    )[0]
                )
                sim_parts.append(
                    disparity_replicates(
                        {m: replicate_values(reps, m) for m in spec.metrics},
                        eligible,
                        spec.kind,
                        ref_index,
                    )
                )
        except FairnessValueError:  # the reference group is not in this window
            return DriftScore(math.nan, math.nan, math.nan, math.nan)
        worst = max if spec.kind == "difference" else min
        value = (
            worst(observed_parts)
            if not any(math.isnan(v) for v in observed_parts)
            else math.nan
        )
        stacked = np.stack(sim_parts)
        sim = stacked.max(axis=0) if spec.kind == "difference" else stacked.min(axis=0)
        sim = np.where(np.isnan(stacked).any(axis=0), np.nan, sim)
        return score_window(value, sim, spec.kind)

    # -- composition -------------------------------------------------------------
    def _composition(self, windows: list[_Window]) -> dict[int, list[dict[str, Any]]]:
        """Composition alerts of every watched window (also kept in self.alerts)."""
        out: dict[int, list[dict[str, Any]]] = {}
        ref_rows = self.rows[self.ref].sum(axis=0)
        ref_total = ref_rows.sum()
        ref_share = ref_rows / max(ref_total, 1.0)
        n_ref_groups = int((ref_rows > 0).sum())
        m = max(1, len(self.watched))
        alpha = self.alpha
        for w in self.watched:
            win = windows[w]
            start = len(self.alerts)
            rows = self.rows[w]
            total = rows.sum()
            if total == 0:
                (
                    self._alert(
                        win,
                        "composition",
                        None,
                        None,
                        0.0,
                        "no rows",
                        (
                            f"the window of {win.label} has no rows: the log has a gap "
                            "(a logging outage, or traffic routed elsewhere)"
                        ),
                        "pre-processing",
                    )
                )
                out[w] = self.alerts[start:]
                continue
            test = composition_test(rows, ref_rows)
            if test.psi >= self.composition_threshold and test.p_value < alpha / m:
                psi, a, e = stability_index(rows, ref_rows)
                moves = np.argsort(-np.abs(a - e))[:3]
                shown = "; ".join(
                    f"{_label(self.cells.groups[i])} {e[i]:.1%} -> {a[i]:.1%}"
                    for i in moves
                )
                (
                    self._alert(
                        win,
                        "composition",
                        None,
                        None,
                        psi,
                        "shares",
                        (
                            f"group shares moved in the window of {win.label}: "
                            f"stability index {psi:.3f} >= "
                            f"{self.composition_threshold:g} against "
                            f"the reference ({self.ref_text}), chi-square p = "
                            f"{test.p_value:.2g}; largest moves: {shown}"
                        ),
                        "pre-processing",
                    )
                )
            for i in np.flatnonzero((rows > 0) & (ref_rows == 0)):
                (
                    self._alert(
                        win,
                        "composition",
                        None,
                        self.cells.groups[i],
                        float(rows[i]),
                        "appeared",
                        (
                            f"group {_label(self.cells.groups[i])} appeared with "
                            f"{int(rows[i]):,} rows in the window of {win.label}; the "
                            f"reference ({self.ref_text}) has none"
                            + (
                                ""
                                if rows[i] >= self.settings.min_group_size
                                else " (below min_group_size="
                                f"{self.settings.min_group_size}: "
                                "left out of disparities)"
                            )
                        ),
                        "pre-processing",
                    )
                )
            expected = total * ref_share
            small = (
                (rows < self.settings.min_group_size)
                & (ref_rows > 0)
                & (expected >= self.settings.min_group_size)
            )
            for i in np.flatnonzero(small):
                p = poisson_cdf(int(rows[i]), float(expected[i]))
                if p >= alpha / (m * max(1, n_ref_groups)):
                    continue
                what = "vanished" if rows[i] == 0 else "below min_group_size"
                text = (
                    f"group {_label(self.cells.groups[i])} "
                    + (
                        "has no rows"
                        if rows[i] == 0
                        else f"has {int(rows[i])} rows, below min_group_size="
                        f"{self.settings.min_group_size}"
                    )
                    + f" in the window of {win.label}, where the reference "
                    f"({ref_share[i]:.2%} of rows) leads to expect "
                    f"{expected[i]:.0f}; it "
                    "is left out of this window's disparities"
                )
                (
                    self._alert(
                        win,
                        "composition",
                        None,
                        self.cells.groups[i],
                        float(rows[i]),
                        what,
                        text,
                        "pre-processing",
                    )
                )
            out[w] = self.alerts[start:]
            win.comp_alert = bool(out[w])
        return out

    # -- alerts ------------------------------------------------------------------
    def _alert(
        self,
        win: _Window,
        kind: str,
        metric: str | None,
        group: tuple[Any, ...] | None,
        value: float,
        what: str,
        message: str,
        stage: str,
        since: int | None = None,
    ) -> dict[str, Any]:
        key = (kind, metric, group, what)
        last, start = self._streaks.get(key, (None, win.index))
        position = win.index
        if last is None or last != position - 1:
            start = win.index
        self._streaks[key] = (position, start)
        if since is None:
            since = start
        alert = {
            "window_start": win.start,
            "window": win.label,
            "kind": kind,
            "what": what,
            "metric": metric,
            "group": None if group is None else _label(group),
            "value": value,
            "since": self.starts[since],
            "stage": stage,
            "message": (
                f"{message}; since {self.labels[since]}. Revisit {STAGES[stage]}."
            ),
        }
        self.alerts.append(alert)
        return alert

    def _stage(
        self,
        win: _Window,
        spec: DisparitySpec,
        composition: Mapping[int, list[Any]],
        change: float,
    ) -> tuple[str, str]:
        """Which stage to revisit for a disparity that moved in a window, and why.

        A guide, not a diagnosis: a composition alert in the window points to
        the data (pre-processing); an overall rate that moved significantly
        and by at least as much as the disparity points to the decisions of
        every group (threshold or score drift: post-processing); otherwise a
        gap opened between groups of a stable population (causal analysis
        and in-processing).
        """
        if composition.get(win.index):
            return (
                "pre-processing",
                "the composition moved too (see the composition alerts)",
            )
        found = self._report_for(win, spec)
        ref = self.ref_reports["outcomes" if needs_labels(spec) else "decisions"]
        if found is None or ref is None:
            return "causal", ""
        report = found[0]
        m = len(self.watched) or 1
        z_crit = _NORMAL.inv_cdf(1 - self.alpha / (2 * m))
        moved, held = [], []
        for rate in spec.metrics:
            num, den = rate_parts(report.overall_table.counts, rate)
            rnum, rden = rate_parts(ref[0].overall_table.counts, rate)
            if den[0] == 0 or rden[0] == 0:
                continue
            p1, p0 = num[0] / den[0], rnum[0] / rden[0]
            pooled = (num[0] + rnum[0]) / (den[0] + rden[0])
            se = math.sqrt(
                max(pooled * (1 - pooled) * (1 / den[0] + 1 / rden[0]), 1e-300)
            )
            text = f"overall {rate} {p0:.3f} -> {p1:.3f}"
            if abs(p1 - p0) / se > z_crit and abs(p1 - p0) >= abs(change):
                moved.append(text)
            else:
                held.append(text)
        if moved:
            return "post-processing", (
                "the composition held and the decisions moved for every group: "
                + ", ".join(moved)
            )
        return "causal", "the composition held and the gap opened between groups (" + (
            ", ".join(held) or "overall rates held"
        ) + ")"

    def _bound_alerts(
        self, win: _Window, spec: DisparitySpec, composition: Mapping[int, list[Any]]
    ) -> None:
        found = self._report_for(win, spec)
        if found is None:
            return
        report = found[0]
        for bound in self.bounds:
            if bound.metric != spec.name:
                continue
            result = report.check({bound.metric: (bound.op, bound.limit)}).results[0]
            if result.verdict != "failed":
                continue
            d = result.disparity
            pair = ""
            if d.low is not None and d.high is not None:
                low_n = d.low.count if d.low.denominator is None else d.low.denominator
                high_n = (
                    d.high.count if d.high.denominator is None else d.high.denominator
                )
                pair = (
                    f"; worst pair {_label(d.low.group)} ({d.metric} "
                    f"{d.low.value:.3f} of {low_n:,}) vs {_label(d.high.group)} "
                    f"({d.high.value:.3f} of {high_n:,})"
                )
            if result.interval is not None and self.bound_level is not None:
                lo, hi = result.interval
                how = (
                    f" [{lo:.3f}, {hi:.3f}] with {self.bound_level:.2%} confidence "
                    f"(Bonferroni over {self.n_bound_tests} window bounds)"
                )
            else:
                how = " (point estimate)"
            ref_value = self._reference_value(spec)
            change = result.value - ref_value if not math.isnan(ref_value) else 0.0
            stage, why = self._stage(win, spec, composition, change)
            text = (
                f"{spec.name} = {result.value:.3f}{how} breaches its bound "
                f"{bound} in the window of {win.label} (reference period "
                f"{_fmt(ref_value)}){pair}" + (f"; {why}" if why else "")
            )
            self._alert(
                win, "bound", spec.name, None, result.value, str(bound), text, stage
            )

    def _reference_value(self, spec: DisparitySpec) -> float:
        ref = self.ref_reports["outcomes" if needs_labels(spec) else "decisions"]
        if ref is None:
            return math.nan
        try:
            return ref[0].disparity(spec.name).value
        except FairnessValueError:
            return math.nan

    def _drift_alerts(
        self,
        windows: list[_Window],
        drift: Mapping[tuple[int, str], Mapping[str, Any]],
        composition: Mapping[int, list[Any]],
    ) -> None:
        for spec in self.specs:
            for w in self.watched:
                d = drift[(w, spec.name)]
                if not d["alert"]:
                    continue
                win = windows[w]
                score: DriftScore | None = d["score"]
                ref_value = self._reference_value(spec)
                change = 0.0 if score is None else score.value - score.expected
                stage, why = self._stage(win, spec, composition, change)
                if score is not None and not math.isnan(score.z):
                    now = (
                        f"{score.value:.3f} in the window of {win.label}, where the "
                        f"reference process gives {score.expected:.3f} (s.e. "
                        f"{score.se:.3f}): {score.value - score.expected:+.3f}, "
                        f"z = {score.z:.1f}"
                    )
                else:
                    now = f"not computed in the window of {win.label} ({d['reason']})"
                text = (
                    f"{spec.name} drifted from the reference period ({self.ref_text}: "
                    f"{_fmt(ref_value)}): {now}; CUSUM {d['cusum']:.2f} > {self.h:.2f}"
                    + (f"; {why}" if why else "")
                )
                value = score.value if score is not None else math.nan
                self._alert(
                    win,
                    "drift",
                    spec.name,
                    None,
                    value,
                    "drift",
                    text,
                    stage,
                    d["since"],
                )

    # -- tables ------------------------------------------------------------------
    def _row(
        self, win: _Window, spec: DisparitySpec, drift: Mapping[str, Any] | None
    ) -> dict[str, Any]:
        bound = next((b for b in self.bounds if b.metric == spec.name), None)
        row: dict[str, Any] = {
            "window_start": win.start,
            "window_end": self.starts[win.index + 1],
            "window": win.label,
            "metric": spec.name,
            "value": math.nan,
            "low": math.nan,
            "high": math.nan,
            "rows": win.rows,
            "labelled": win.labelled,
            "n_compared": 0,
            "group_low": None,
            "rate_low": math.nan,
            "denominator_low": None,
            "group_high": None,
            "rate_high": math.nan,
            "denominator_high": None,
            "bound": None if bound is None else str(bound),
            "verdict": None,
            "reference": win.index in self.ref,
            "drift_z": math.nan,
            "drift_cusum": math.nan,
            "drift_threshold": self.h if win.index in self.watched else math.nan,
            "drift": "reference" if win.index in self.ref else None,
            "note": "",
        }
        found = self._report_for(win, spec)
        if found is None:
            row["note"] = win.skip or "no rows"
            if win.index in self.watched:
                row["drift"] = "skipped"
            return row
        report = found[0]
        try:
            d = report.disparity(spec.name)
        except FairnessValueError as exc:
            row["note"] = str(exc)
            return row
        row["value"] = d.value
        row["metric_rate"] = d.metric
        row["n_compared"] = d.n_compared
        if d.low is not None and d.high is not None:
            row.update(
                group_low=_label(d.low.group),
                rate_low=d.low.value,
                denominator_low=d.low.denominator
                if d.low.denominator is not None
                else d.low.count,
                group_high=_label(d.high.group),
                rate_high=d.high.value,
                denominator_high=d.high.denominator
                if d.high.denominator is not None
                else d.high.count,
            )
        if math.isnan(d.value):
            row["note"] = d.reason
        if self.confidence is not None and not math.isnan(d.value):
            row["low"], row["high"] = report.interval(spec.name, level=self.confidence)
        if bound is not None:
            row["verdict"] = (
                report.check({bound.metric: (bound.op, bound.limit)}).results[0].verdict
            )
        if drift is not None:
            score = drift["score"]
            row["drift_z"] = math.nan if score is None else score.z
            row["drift_cusum"] = drift["cusum"]
            row["drift"] = (
                "alert"
                if drift["alert"]
                else ("skipped" if score is None else "stable")
            )
        return row

    def _group_table(self, windows: list[_Window]) -> pd.DataFrame:
        import pandas as pd  # noqa: PLC0415 - the tables are pandas

        c = self.cells
        rates = tuple(dict.fromkeys(("selection_rate", *self.settings.metrics)))
        columns = [
            "window_start",
            "window",
            "group",
            *c.attributes,
            "metric",
            "value",
            "low",
            "high",
            "rows",
            "denominator",
            "share",
            "small",
        ]
        frames = []
        for win in windows:
            parts: list[tuple[tuple[FairnessReport, NDArray[np.intp]], list[str]]] = []
            scores = ["brier", "calibration_error"] if c.score is not None else []
            if win.outcomes is not None and win.outcomes is win.decisions:
                parts.append((win.outcomes, [*rates, *scores]))
            else:
                if win.decisions is not None:
                    parts.append((win.decisions, ["selection_rate"]))
                if win.outcomes is not None:
                    outcome_rates = [m for m in rates if m != "selection_rate"]
                    parts.append((win.outcomes, [*outcome_rates, *scores]))
            for (report, _), metrics in parts:
                t = report.table
                rows = t.counts.rows
                cell_rows = t.counts.cell_rows
                for m in metrics:
                    values = t.values(m)
                    low = high = np.full(values.shape[0], np.nan)
                    den = rows
                    if METRICS[m].kind == "binary" and cell_rows is not None:
                        den = cell_rows[:, list(METRICS[m].denominator)].sum(axis=1)
                        if self.confidence is not None:
                            low, high = wilson_interval(
                                values, den.astype(np.float64), self.confidence
                            )
                    data = {
                        "window_start": win.start,
                        "window": win.label,
                        "group": [_label(g) for g in t.groups],
                        **{
                            a: [g[j] for g in t.groups]
                            for j, a in enumerate(c.attributes)
                        },
                        "metric": m,
                        "value": values,
                        "low": low,
                        "high": high,
                        "rows": rows,
                        "denominator": den,
                        "share": rows / rows.sum(),
                        "small": rows < self.settings.min_group_size,
                    }
                    frames.append(pd.DataFrame(data, columns=columns))
        if not frames:
            return pd.DataFrame(columns=columns)
        return pd.concat(frames, ignore_index=True)

    def _settings_dict(self, drift: Mapping[Any, Any]) -> dict[str, Any]:
        return {
            "freq": self.windowing.freq,
            "time": self.names["time"],
            "y_pred": self.names["y_pred"],
            "y_true": self.names["y_true"],
            "y_score": self.names["y_score"],
            "attributes": list(self.cells.attributes),
            "metrics": [s.name for s in self.specs],
            "bounds": [b.to_dict() for b in self.bounds],
            "confidence": self.confidence,
            "bound_level": self.bound_level,
            "min_group_size": self.settings.min_group_size,
            "min_denominator": self.settings.min_denominator,
            "intersectional": self.settings.intersectional,
            "min_labelled": self.min_labelled,
            "composition_threshold": self.composition_threshold,
            "n_boot": self.settings.n_boot,
            "random_state": self.settings.random_state,
            "pos_label": self.cells.pos_label,
            "reference": self.ref_text,
            "reference_windows": [self.labels[i] for i in self.ref],
            "n_windows": self.cells.n_windows,
            "n_watched": len(self.watched),
            "n_groups": self.cells.n_groups,
            "n_rows": int(self.rows.sum()),
            "drift_k": CUSUM_K,
            "drift_threshold": self.h,
            "drift_alpha": self.alpha / max(1, len(self.specs)),
            "drift_shared": self.shared,
        }


def _alert_frame(alerts: list[dict[str, Any]]) -> pd.DataFrame:
    import pandas as pd  # noqa: PLC0415 - the tables are pandas

    columns = [
        "window_start",
        "kind",
        "metric",
        "group",
        "value",
        "message",
        "window",
        "what",
        "since",
        "stage",
    ]
    frame = pd.DataFrame(alerts, columns=columns)
    order = {"bound": 0, "drift": 1, "composition": 2}
    if not frame.empty:
        frame = (
            frame.assign(_k=frame["kind"].map(order))
            .sort_values(["window_start", "_k"], kind="stable")
            .drop(columns="_k")
            .reset_index(drop=True)
        )
    return frame
