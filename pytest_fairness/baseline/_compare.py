"""Judge a disparity against its baseline: a change measured against its noise.

Standard library only. The caller measures the change (paired on the same
rows, or between two samples) and its one-sided confidence bounds; this
module turns them into a verdict. A disparity regresses when it moved away
from parity by more than its margin *with confidence*: the lower confidence
bound of the worsening exceeds the margin. The margin is the tolerance
(0.01 unless set), and never less than what one decision moves the
disparity by on this test set.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "DEFAULT_TOLERANCE",
    "Comparison",
    "Method",
    "Status",
    "change_from_intervals",
    "compare",
    "judge",
    "not_compared",
]

DEFAULT_TOLERANCE = 0.01
# Changes this small are rounding (baselines keep 12 significant digits).
_SAME = 1e-9
# One-sided power behind the "could detect" figure: a worsening this much past
# the margin is caught four times in five.
_POWER_Z = 0.8416212335729143

Status = Literal[
    "new",
    "unchanged",
    "improved",
    "within_noise",
    "within_tolerance",
    "regressed",
    "undefined",
    "definition_changed",
    "not_compared",
]
Method = Literal["paired", "two-sample", "fixed", "none"]


def _jf(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


@dataclass(frozen=True, slots=True)
class Comparison:
    """A disparity's current value judged against its baseline.

    Attributes
    ----------
    metric : str
        The disparity name.
    value : float
        The value measured now (NaN when undefined).
    baseline : float or None
        The stored value; None when there is none (or it was undefined).
    tolerance : float
        The tolerance asked for (the margin is never smaller).
    higher_is_better : bool
        True for ratios, False for differences.
    status : str
        ``new`` (no stored value), ``unchanged``, ``improved`` (better with
        confidence), ``within_noise`` (neither better nor worse with
        confidence), ``within_tolerance`` (worse with confidence, but not by
        more than the margin), ``regressed`` (worse by more than the margin
        with confidence), ``undefined`` (a value is NaN),
        ``definition_changed`` (the gate or the disparity is defined
        otherwise than when the baseline was recorded: never compared) or
        ``not_compared`` (for instance a comparison that lost a level).
    method : {"paired", "two-sample", "fixed", "none"}
        How the change's noise was measured: on the same rows as the
        baseline (paired), between two samples, not at all (fixed: the
        tolerance alone decides), or no comparison.
    margin : float or None
        How much worse the value may get: ``max(tolerance, resolution)``.
    resolution : float or None
        What one decision in the worst pair's smaller denominator moves the
        disparity by.
    low, high : float or None
        One-sided confidence bounds of the worsening (positive is worse) at
        ``level``.
    level : float or None
        Confidence level of ``low`` and ``high`` (one-sided each).
    reason : str
        Why a comparison was not made, or what changed in the definition.
    step : float
        In a paired comparison, the change one more flipped decision brings:
        a worsening ``d`` made of flips adds about ``d * step`` to the
        variance of the change (0 for two samples).
    """

    metric: str
    value: float
    baseline: float | None
    tolerance: float
    higher_is_better: bool
    status: Status
    method: Method = "fixed"
    margin: float | None = None
    resolution: float | None = None
    low: float | None = None
    high: float | None = None
    level: float | None = None
    reason: str = ""
    step: float = 0.0

    @property
    def change(self) -> float | None:
        """``value - baseline`` (0 when unchanged), or None when not compared."""
        if self.baseline is None or math.isnan(self.value):
            return None
        if self.status in ("definition_changed", "not_compared"):
            return None
        if self.status == "unchanged":
            return 0.0
        return self.value - self.baseline

    @property
    def worsening(self) -> float | None:
        """How much worse than the baseline (negative when better)."""
        change = self.change
        if change is None:
            return None
        return -change if self.higher_is_better else change

    @property
    def change_interval(self) -> tuple[float, float] | None:
        """Bounds of ``change`` in the metric's own direction, or None."""
        if self.low is None or self.high is None:
            return None
        if self.higher_is_better:
            return -self.high, -self.low
        return self.low, self.high

    @property
    def noise(self) -> float | None:
        """Half the width of the change's bounds (the ``±`` of "within noise")."""
        if self.low is None or self.high is None:
            return None
        return (self.high - self.low) / 2

    @property
    def detectable(self) -> float | None:
        """The smallest worsening this comparison catches four times in five.

        A worsening ``d`` is caught when ``d - z * se(d) > margin``; with the
        noise measured here (``se`` from the one-sided reach of the bounds)
        plus, in a paired comparison, the noise of the flips that make up
        ``d`` itself (``d * step``), the ``d`` that is caught with 80%
        power solves ``(d - margin)**2 = c**2 * (se**2 + d * step)`` with
        ``c = z + 0.84``. Without bounds (fixed tolerance), the margin.
        """
        worsening = self.worsening
        if self.margin is None or worsening is None:
            return None
        if self.low is None:
            return self.margin
        z = _z(self.level or 0.95)
        se = max(worsening - self.low, 0.0) / z
        c = z + _POWER_Z
        m, v = self.margin, self.step
        b = 2 * m + c * c * v
        return (b + math.sqrt(max(b * b - 4 * (m * m - c * c * se * se), 0.0))) / 2

    @property
    def regressed(self) -> bool:
        """True when the value got worse than the margin with confidence."""
        return self.status == "regressed"

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-friendly dict.

        Returns
        -------
        dict
            Every field, with ``change``, its interval, ``noise`` and
            ``detectable``; NaN as None.
        """
        interval = self.change_interval
        return {
            "metric": self.metric,
            "value": _jf(self.value),
            "baseline": self.baseline,
            "change": self.change,
            "change_interval": None if interval is None else list(interval),
            "worsening": self.worsening,
            "worsening_low": self.low,
            "tolerance": self.tolerance,
            "margin": self.margin,
            "resolution": self.resolution,
            "noise": self.noise,
            "detectable": self.detectable,
            "level": self.level,
            "method": self.method,
            "higher_is_better": self.higher_is_better,
            "status": self.status,
            "reason": self.reason,
        }


def _z(level: float) -> float:
    from statistics import NormalDist  # noqa: PLC0415 - standard library

    return NormalDist().inv_cdf(level)


def judge(
    metric: str,
    value: float,
    baseline: float | None,
    *,
    higher_is_better: bool,
    tolerance: float = DEFAULT_TOLERANCE,
    resolution: float = 0.0,
    bounds: tuple[float, float] | None = None,
    level: float | None = None,
    method: Method = "fixed",
    step: float = 0.0,
) -> Comparison:
    """Judge a disparity's change since its baseline against the change's noise.

    Parameters
    ----------
    metric : str
        The disparity name.
    value : float
        The value measured now.
    baseline : float or None
        The stored value, or None when there is no baseline for it.
    higher_is_better : bool
        Direction: True for ratios (1 is parity), False for differences.
    tolerance : float, default=0.01
        How much worse the value may get before it counts as a regression.
    resolution : float, default=0.0
        What one decision moves the disparity by on this test set: the
        margin is ``max(tolerance, resolution)``, so a verdict never asks
        for less than the test set can resolve.
    bounds : tuple of float, optional
        One-sided lower and upper confidence bounds (each at ``level``) of
        the worsening, ``(value - baseline)`` for differences and
        ``(baseline - value)`` for ratios. Without them, the tolerance alone
        decides (``method="fixed"``).
    level : float, optional
        Confidence level of ``bounds``.
    method : {"paired", "two-sample", "fixed", "none"}, default="fixed"
        How ``bounds`` were measured; recorded on the result.
    step : float, default=0.0
        For a paired comparison, the change one flipped decision brings (the
        resolution), which sets how noisy a worsening made of flips is; it
        enters only the ``detectable`` figure.

    Returns
    -------
    Comparison
        The verdict.

    Examples
    --------
    >>> judge("demographic_parity_difference", 0.30, 0.10,
    ...       higher_is_better=False, bounds=(0.12, 0.28), level=0.95,
    ...       method="paired").status
    'regressed'
    >>> judge("demographic_parity_difference", 0.13, 0.10,
    ...       higher_is_better=False, bounds=(-0.01, 0.07), level=0.95,
    ...       method="paired").status
    'within_noise'
    """
    margin = max(float(tolerance), float(resolution))
    common: dict[str, Any] = {
        "tolerance": float(tolerance),
        "higher_is_better": higher_is_better,
        "margin": margin,
        "resolution": float(resolution),
    }
    if baseline is None:
        return Comparison(metric, float(value), None, status="new", **common)
    if math.isnan(value) or math.isnan(baseline):
        return Comparison(
            metric,
            float(value),
            None if math.isnan(baseline) else float(baseline),
            status="undefined",
            method="none",
            **common,
        )
    worse = (baseline - value) if higher_is_better else (value - baseline)
    status: Status
    if bounds is None or any(math.isnan(b) for b in bounds):
        low = high = None
        method = "fixed"
        if abs(worse) <= _SAME:
            status = "unchanged"
        elif worse < 0:
            status = "improved"
        elif worse > margin + _SAME:
            status = "regressed"
        else:
            status = "within_tolerance"
    else:
        low, high = (float(b) for b in bounds)
        if abs(worse) <= _SAME:
            status = "unchanged"
        elif low > margin + _SAME:
            status = "regressed"
        elif high < -_SAME:
            status = "improved"
        elif low > _SAME:
            status = "within_tolerance"
        else:
            status = "within_noise"
    return Comparison(
        metric,
        float(value),
        float(baseline),
        status=status,
        method=method,
        low=low,
        high=high,
        level=None if low is None else level,
        step=float(step) if low is not None else 0.0,
        **common,
    )


def not_compared(
    metric: str,
    value: float,
    baseline: float | None,
    *,
    higher_is_better: bool,
    tolerance: float,
    status: Literal["definition_changed", "not_compared"],
    reason: str,
) -> Comparison:
    """Return the verdict of a disparity that is not compared with its baseline.

    Parameters
    ----------
    metric : str
        The disparity name.
    value : float
        The value measured now.
    baseline : float or None
        The stored value.
    higher_is_better : bool
        Direction of the disparity.
    tolerance : float
        The tolerance asked for.
    status : {"definition_changed", "not_compared"}
        Why: the gate is defined otherwise than the baseline, or this run's
        comparison is not comparable (it lost a level).
    reason : str
        What changed, or what was lost.

    Returns
    -------
    Comparison
        With ``method="none"``.
    """
    return Comparison(
        metric,
        float(value),
        None if baseline is None or math.isnan(baseline) else float(baseline),
        float(tolerance),
        higher_is_better,
        status,
        method="none",
        reason=reason,
    )


def compare(
    metric: str,
    value: float,
    baseline: float | None,
    *,
    higher_is_better: bool,
    tolerance: float = DEFAULT_TOLERANCE,
) -> Comparison:
    """Judge a disparity against its baseline with a fixed tolerance alone.

    For values without a noise estimate (continuous targets, score metrics).
    Disparities of binary rates are judged by :func:`judge`, with the
    change's confidence bounds.

    Parameters
    ----------
    metric : str
        The disparity name.
    value : float
        The value measured now.
    baseline : float or None
        The stored value, or None when there is no baseline for it.
    higher_is_better : bool
        Direction: True for ratios (1 is parity), False for differences.
    tolerance : float, default=0.01
        Absolute amount the value may worsen before it counts as a regression.

    Returns
    -------
    Comparison
        The verdict, with the change.

    Examples
    --------
    >>> compare("demographic_parity_difference", 0.12, 0.10,
    ...         higher_is_better=False).status
    'regressed'
    >>> compare("demographic_parity_ratio", 0.90, 0.85,
    ...         higher_is_better=True).status
    'improved'
    """
    return judge(
        metric,
        value,
        baseline,
        higher_is_better=higher_is_better,
        tolerance=tolerance,
    )


def change_from_intervals(
    value: float,
    interval: tuple[float, float] | None,
    baseline: float,
    baseline_interval: tuple[float, float] | None,
    *,
    interval_level: float,
    level: float,
) -> tuple[float, float] | None:
    """Bound the change of a "lower is better" metric from two runs' intervals.

    The two runs are taken as independent samples; each interval's half
    width gives its standard error (a normal approximation).

    Parameters
    ----------
    value : float
        This run's value.
    interval : tuple of float or None
        Its interval.
    baseline : float
        The baseline run's value.
    baseline_interval : tuple of float or None
        The baseline run's interval.
    interval_level : float
        Two-sided confidence level of both intervals (e.g. 0.95).
    level : float
        One-sided confidence level of the returned bounds.

    Returns
    -------
    tuple of float or None
        Lower and upper bounds of ``value - baseline``; None when either
        interval is missing or not finite.
    """
    if interval is None or baseline_interval is None:
        return None
    ends = [*interval, *baseline_interval]
    if not all(math.isfinite(e) for e in ends):
        return None
    z_in = _z(0.5 + interval_level / 2)
    se_new = (interval[1] - interval[0]) / (2 * z_in)
    se_old = (baseline_interval[1] - baseline_interval[0]) / (2 * z_in)
    reach = _z(level) * math.hypot(se_new, se_old)
    change = value - baseline
    return change - reach, change + reach
