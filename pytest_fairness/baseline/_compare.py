"""Compare a disparity with its baseline: regressed, improved or unchanged.

Standard library only. A disparity regresses when it moved away from parity
by more than the tolerance: up for differences (0 is parity), down for ratios
(1 is parity), even while it still satisfies its bound.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["DEFAULT_TOLERANCE", "Comparison", "Status", "compare"]

DEFAULT_TOLERANCE = 0.01
# Changes this small are rounding (baselines keep 12 significant digits).
_SAME = 1e-9

Status = Literal[
    "new", "unchanged", "improved", "within_tolerance", "regressed", "undefined"
]


@dataclass(frozen=True, slots=True)
class Comparison:
    """A disparity's current value against its baseline.

    Attributes
    ----------
    metric : str
        The disparity name.
    value : float
        The value measured now (NaN when undefined).
    baseline : float or None
        The stored value; None when there is none (or it was undefined).
    tolerance : float
        How much worse than the baseline the value may get.
    higher_is_better : bool
        True for ratios, False for differences.
    status : {"new", "unchanged", "improved", "within_tolerance", "regressed", \
"undefined"}
        ``new`` without a stored value; ``undefined`` when either value is
        NaN; ``regressed`` when worse by more than ``tolerance``.
    """

    metric: str
    value: float
    baseline: float | None
    tolerance: float
    higher_is_better: bool
    status: Status

    @property
    def change(self) -> float | None:
        """``value - baseline`` (0 when unchanged), or None without both."""
        if self.baseline is None or math.isnan(self.value):
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
    def regressed(self) -> bool:
        """True when the value got worse by more than the tolerance."""
        return self.status == "regressed"

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-friendly dict.

        Returns
        -------
        dict
            Every field, with ``change``; NaN as None.
        """
        return {
            "metric": self.metric,
            "value": None if math.isnan(self.value) else self.value,
            "baseline": self.baseline,
            "change": self.change,
            "tolerance": self.tolerance,
            "higher_is_better": self.higher_is_better,
            "status": self.status,
        }


def compare(
    metric: str,
    value: float,
    baseline: float | None,
    *,
    higher_is_better: bool,
    tolerance: float = DEFAULT_TOLERANCE,
    interval: tuple[float, float] | None = None,
) -> Comparison:
    """Judge a disparity against its stored baseline.

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
    interval : tuple of float, optional
        The value's confidence interval. When given, the tolerance becomes the
        distance from the value to the interval's fairer end (the statistical
        mode, ``tolerance="auto"``): a regression is a baseline outside the
        whole interval, on its fairer side.

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
    status: Status
    if interval is not None and not math.isnan(value):
        fairer = interval[1] if higher_is_better else interval[0]
        tolerance = abs(value - fairer) if not math.isnan(fairer) else math.inf
    if baseline is None:
        status = "new"
    elif math.isnan(value) or math.isnan(baseline):
        status = "undefined"
    else:
        worse = (baseline - value) if higher_is_better else (value - baseline)
        if abs(worse) <= _SAME:
            status = "unchanged"
        elif worse < 0:
            status = "improved"
        elif worse > tolerance + _SAME:
            status = "regressed"
        else:
            status = "within_tolerance"
    return Comparison(
        metric,
        float(value),
        None if baseline is None or math.isnan(baseline) else float(baseline),
        float(tolerance),
        higher_is_better,
        status,
    )
