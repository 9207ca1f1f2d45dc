"""Scalar disparities over groups: between groups or to a reference group.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from pytest_fairness.metrics._registry import METRICS, DisparitySpec

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from numpy.typing import NDArray

__all__ = ["Disparity", "GroupValue", "compute_disparity"]


@dataclass(frozen=True, slots=True)
class GroupValue:
    """One group's value of a metric, with its size.

    Attributes
    ----------
    group : tuple
        The group's levels, one per sensitive column.
    value : float
        The metric's value for the group.
    count : int
        Number of rows in the group.
    """

    group: tuple[Any, ...]
    value: float
    count: int

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-friendly dict.

        Returns
        -------
        dict
            The fields as JSON types (NaN values as None).
        """
        return {"group": list(self.group), "value": self.value, "count": self.count}


@dataclass(frozen=True, slots=True)
class Disparity:
    """A disparity's value and the pair of groups behind it.

    Attributes
    ----------
    name : str
        Disparity name, e.g. ``"demographic_parity_difference"``.
    kind : {"difference", "ratio"}
        Difference (0 is parity) or ratio (1 is parity).
    value : float
        The disparity; NaN when fewer than two groups could be compared.
    metric : str or None
        The metric that decided it (for equalized odds, TPR or FPR).
    low, high : GroupValue or None
        The groups with the lowest and highest value of ``metric`` among the
        compared ones (with a reference group, the reference and the group
        farthest from it).
    components : dict of str to float
        The disparity of each metric it combines.
    n_compared : int
        Number of groups compared.
    excluded : tuple of (tuple, str)
        Groups left out, with the reason.
    reference : tuple or None
        The reference group, when disparities are taken to one.
    attribute : str or None
        The sensitive column for a single-attribute disparity; None for the
        (intersectional) groups of the report.
    reason : str
        Why the value is NaN, or an empty string.
    interval : tuple of float or None
        Confidence interval of the value, when the audit has a ``confidence``.
    confidence : float or None
        Level of ``interval``.
    """

    name: str
    kind: Literal["difference", "ratio"]
    value: float
    metric: str | None
    low: GroupValue | None
    high: GroupValue | None
    components: Mapping[str, float] = field(default_factory=dict)
    n_compared: int = 0
    excluded: tuple[tuple[tuple[Any, ...], str], ...] = ()
    reference: tuple[Any, ...] | None = None
    attribute: str | None = None
    reason: str = ""
    interval: tuple[float, float] | None = None
    confidence: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-friendly dict.

        Returns
        -------
        dict
            Every field, groups as lists.
        """
        return {
            "name": self.name,
            "kind": self.kind,
            "value": _json_float(self.value),
            "metric": self.metric,
            "low": None if self.low is None else self.low.to_dict(),
            "high": None if self.high is None else self.high.to_dict(),
            "components": {k: _json_float(v) for k, v in self.components.items()},
            "n_compared": self.n_compared,
            "excluded": [[list(g), r] for g, r in self.excluded],
            "reference": None if self.reference is None else list(self.reference),
            "attribute": self.attribute,
            "reason": self.reason,
            "interval": None
            if self.interval is None
            else [_json_float(v) for v in self.interval],
            "confidence": self.confidence,
        }


def _json_float(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def _one_metric(
    values: NDArray[np.float64],
    eligible: NDArray[np.bool_],
    kind: str,
    ref: int | None,
) -> tuple[float, int | None, int | None]:
    """Return (value, index of low, index of high) over the eligible groups."""
    idx = np.flatnonzero(eligible)
    if ref is not None:
        if not eligible[ref]:
            return math.nan, None, None
        idx = idx[idx != ref]
        if idx.size == 0:
            return math.nan, None, None
        v_ref = values[ref]
        if kind == "difference":
            gaps = np.abs(values[idx] - v_ref)
            j = int(idx[int(np.argmax(gaps))])
            return float(gaps.max()), ref, j
        with np.errstate(divide="ignore", invalid="ignore"):
            folded = np.minimum(values[idx] / v_ref, v_ref / values[idx])
        if np.isnan(folded).any():
            return math.nan, ref, None
        j = int(idx[int(np.argmin(folded))])
        return float(folded.min()), ref, j
    if idx.size < 2:
        return math.nan, None, None
    sub = values[idx]
    i_lo = int(idx[int(np.argmin(sub))])
    i_hi = int(idx[int(np.argmax(sub))])
    lo, hi = values[i_lo], values[i_hi]
    if kind == "difference":
        return float(hi - lo), i_lo, i_hi
    if hi == 0:
        return math.nan, i_lo, i_hi
    return float(lo / hi), i_lo, i_hi


def compute_disparity(
    spec: DisparitySpec,
    values: Mapping[str, NDArray[np.float64]],
    groups: Sequence[tuple[Any, ...]],
    rows: NDArray[np.int64],
    *,
    min_group_size: int,
    reference: int | None = None,
    attribute: str | None = None,
) -> Disparity:
    """Compute a disparity over groups from their metric values.

    Parameters
    ----------
    spec : DisparitySpec
        Which metrics and whether a difference or a ratio.
    values : mapping of str to ndarray
        Per-group values of every metric in ``spec.metrics``.
    groups : sequence of tuple
        Group labels, aligned with the values.
    rows : ndarray of int64
        Rows per group; groups under ``min_group_size`` are left out.
    min_group_size : int
        Smallest group that takes part.
    reference : int, optional
        Position of the reference group. Without it, groups are compared
        between themselves (``max - min`` and ``min / max``, as fairlearn).
        With it, the difference is the largest ``|v_g - v_ref|`` and the
        ratio the smallest ``min(v_g / v_ref, v_ref / v_g)``.
    attribute : str, optional
        Recorded on the result for single-attribute disparities.

    Returns
    -------
    Disparity
        The value, the pair of groups that decided it, and what was left out.

    Notes
    -----
    With several metrics (equalized odds), the worst one decides: the largest
    difference, or the smallest ratio.
    """
    big_enough = rows >= min_group_size
    excluded: list[tuple[tuple[Any, ...], str]] = [
        (groups[int(i)], f"n={int(rows[i])} < min_group_size={min_group_size}")
        for i in np.flatnonzero(~big_enough)
    ]
    best: tuple[float, str, int | None, int | None] | None = None
    components: dict[str, float] = {}
    n_compared = 0
    reasons = []
    for metric in spec.metrics:
        vals = values[metric]
        defined = ~np.isnan(vals)
        why = f"{metric} undefined: {METRICS[metric].undefined_when}"
        excluded += [
            (groups[int(i)], why) for i in np.flatnonzero(big_enough & ~defined)
        ]
        eligible = big_enough & defined
        n_compared = max(n_compared, int(eligible.sum()))
        value, lo, hi = _one_metric(vals, eligible, spec.kind, reference)
        components[metric] = value
        if math.isnan(value):
            if reference is not None and not eligible[reference]:
                reasons.append(f"the reference group has no usable {metric}")
            else:
                reasons.append(f"fewer than two groups with a usable {metric}")
            best = (value, metric, lo, hi) if best is None else best
            continue
        worse = (
            best is None
            or math.isnan(best[0])
            or (value > best[0] if spec.kind == "difference" else value < best[0])
        )
        if worse:
            best = (value, metric, lo, hi)
    if best is None:  # pragma: no cover - every spec names at least one metric
        msg = f"disparity {spec.name!r} names no metric"
        raise ValueError(msg)
    value, metric, lo, hi = best
    if any(math.isnan(v) for v in components.values()):
        value = math.nan

    def gv(i: int | None) -> GroupValue | None:
        if i is None:
            return None
        return GroupValue(groups[i], float(values[metric][i]), int(rows[i]))

    return Disparity(
        name=spec.name,
        kind=spec.kind,
        value=value,
        metric=metric,
        low=gv(lo),
        high=gv(hi),
        components=components,
        n_compared=n_compared,
        excluded=tuple(dict.fromkeys(excluded)),
        reference=None if reference is None else groups[reference],
        attribute=attribute,
        reason="; ".join(dict.fromkeys(reasons)),
    )
