"""Scalar disparities over groups: between groups or to a reference group.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, overload

import numpy as np

from pytest_fairness.metrics._rates import cell_parts
from pytest_fairness.metrics._registry import (
    METRICS,
    DisparitySpec,
    denominator_noun,
    is_partial_rate,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

    from numpy.typing import NDArray

__all__ = ["Disparity", "Excluded", "GroupValue", "LostLevel", "compute_disparity"]


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
    denominator : int or None
        Rows in the rate's denominator (actual positives for TPR, predicted
        positives for PPV, every row for the selection rate); None for
        metrics that are not rates.
    numerator : int or None
        Rows in the rate's numerator (unweighted), None when not a rate.
    """

    group: tuple[Any, ...]
    value: float
    count: int
    denominator: int | None = None
    numerator: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-friendly dict.

        Returns
        -------
        dict
            The fields as JSON types (NaN values as None).
        """
        out: dict[str, Any] = {
            "group": list(self.group),
            "value": self.value,
            "count": self.count,
        }
        if self.denominator is not None:
            out["denominator"] = self.denominator
            out["numerator"] = self.numerator
        return out


@dataclass(frozen=True, slots=True)
class LostLevel:
    """A level of a sensitive column that no compared group carries.

    Attributes
    ----------
    attribute : str
        The sensitive column.
    level : object
        The level (``"female"``).
    metric : str
        The rate whose comparison lost it.
    reason : str
        Why none of its groups takes part.
    """

    attribute: str
    level: Any
    metric: str
    reason: str

    def __str__(self) -> str:
        return f"{self.attribute}={self.level}: {self.reason}"

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-friendly dict.

        Returns
        -------
        dict
            The fields.
        """
        return {
            "attribute": self.attribute,
            "level": self.level,
            "metric": self.metric,
            "reason": self.reason,
        }


Reason = tuple[tuple[Any, ...], str]


class Excluded(Sequence[Reason]):
    """The groups a disparity left out, with the reason, listed on first use.

    A tuple of ``(group, reason)`` pairs to every reader (it iterates,
    indexes, compares and prints as that tuple), built only when read: an
    audit of 100,000 small groups does not format 100,000 reasons that no
    one looks at.

    Parameters
    ----------
    groups : sequence of tuple
        The labels of all groups.
    parts : list of (ndarray of intp, callable)
        Positions of left-out groups, in order, and the function that words
        the reason of one of them.
    """

    __slots__ = ("_groups", "_items", "_parts")

    def __init__(
        self,
        groups: Sequence[tuple[Any, ...]],
        parts: list[tuple[NDArray[np.intp], Callable[[int], str]]],
    ) -> None:
        self._groups = groups
        self._parts = parts
        self._items: tuple[Reason, ...] | None = None

    def _all(self) -> tuple[Reason, ...]:
        if self._items is None:
            groups = self._groups
            items = [
                (groups[i], why(i)) for idx, why in self._parts for i in idx.tolist()
            ]
            self._items = tuple(dict.fromkeys(items))
            self._parts = []
        return self._items

    def __len__(self) -> int:
        if self._items is None:
            # the parts never repeat a (group, reason) pair
            return sum(len(idx) for idx, _ in self._parts)
        return len(self._items)

    @overload
    def __getitem__(self, i: int) -> Reason: ...
    @overload
    def __getitem__(self, i: slice) -> tuple[Reason, ...]: ...
    def __getitem__(self, i: int | slice) -> Reason | tuple[Reason, ...]:
        return self._all()[i]

    def __iter__(self) -> Iterator[Reason]:
        return iter(self._all())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Excluded | tuple):
            return self._all() == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._all())

    def __repr__(self) -> str:
        return repr(self._all())

    def __reduce__(self) -> tuple[type, tuple[tuple[Reason, ...]]]:
        return tuple, (self._all(),)


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
    excluded : sequence of (tuple, str)
        Groups left out, with the reason (a tuple, or an :class:`Excluded`
        that reads as one and is listed on first use).
    lost_levels : tuple of LostLevel
        For intersections: levels of a sensitive column that none of the
        compared groups carries (every intersection holding them was left
        out, e.g. every group of women was too small). The disparity then
        says nothing about that level, and a gate on it cannot pass.
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
    excluded: Sequence[Reason] = ()
    lost_levels: tuple[LostLevel, ...] = ()
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
            "lost_levels": [lost.to_dict() for lost in self.lost_levels],
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
    # the last of the highest: with every value equal, two different groups
    i_hi = int(idx[sub.size - 1 - int(np.argmax(sub[::-1]))])
    lo, hi = values[i_lo], values[i_hi]
    if kind == "difference":
        return float(hi - lo), i_lo, i_hi
    if hi == 0:
        return math.nan, i_lo, i_hi
    return float(lo / hi), i_lo, i_hi


def _level_codes(
    groups: Sequence[tuple[Any, ...]], n_attributes: int
) -> NDArray[np.intp]:
    """Return the position of each group's levels among their column's levels."""
    codes = np.empty((len(groups), n_attributes), dtype=np.intp)
    for j in range(n_attributes):
        index: dict[Any, int] = {}
        codes[:, j] = [index.setdefault(g[j], len(index)) for g in groups]
    return codes


def _lost_levels(
    groups: Sequence[tuple[Any, ...]],
    present: NDArray[np.bool_],
    eligible: NDArray[np.bool_],
    attributes: Sequence[str],
    metric: str,
    reason: Callable[[int], str],
    level_codes: NDArray[np.intp] | None,
) -> list[LostLevel]:
    """Levels carried by some group of the data but by no compared group.

    Only intersections lose levels this way: in a table of one column, a
    level is a group, and a group left out is reported as such.
    """
    if len(attributes) < 2 or bool(eligible[present].all()):
        return []
    if level_codes is None:
        level_codes = _level_codes(groups, len(attributes))
    candidates = np.flatnonzero(present & ~eligible)
    out = []
    for j, attribute in enumerate(attributes):
        codes = level_codes[:, j]
        kept = np.zeros(int(codes.max(initial=-1)) + 1, dtype=bool)
        kept[codes[eligible]] = True
        members = candidates[~kept[codes[candidates]]]
        if not members.size:
            continue
        member_codes = codes[members]
        # levels in the order their first left-out group comes
        _, first = np.unique(member_codes, return_index=True)
        for k in np.sort(first).tolist():
            of_level = members[member_codes == member_codes[k]].tolist()
            why = sorted({reason(i) for i in of_level})
            noun = "group" if len(of_level) == 1 else f"{len(of_level)} groups"
            shown = "; ".join(why[:3]) + ("; ..." if len(why) > 3 else "")
            out.append(
                LostLevel(
                    attribute,
                    groups[of_level[0]][j],
                    metric,
                    f"no compared group carries it (its {noun} left out: {shown})",
                )
            )
    return out


def _fixed(text: str) -> Callable[[int], str]:
    def why(_: int) -> str:
        return text

    return why


def _thin(metric: str, den: NDArray[Any], min_denominator: int) -> Callable[[int], str]:
    noun = denominator_noun(metric)

    def why(i: int) -> str:
        return f"{metric} from {int(den[i])} {noun} < min_denominator={min_denominator}"

    return why


def _reason(
    small: Callable[[int], str],
    undefined_text: str,
    big_enough: NDArray[np.bool_],
    defined: NDArray[np.bool_],
    metric: str,
    den: NDArray[Any] | None,
    min_denominator: int,
) -> Callable[[int], str]:
    """Word why one group's value of ``metric`` does not take part."""
    thin = None if den is None else _thin(metric, den, min_denominator)

    def why(i: int) -> str:
        if not big_enough[i]:
            return small(i)
        if not defined[i] or thin is None:
            return undefined_text
        return thin(i)

    return why


def compute_disparity(
    spec: DisparitySpec,
    values: Mapping[str, NDArray[np.float64]],
    groups: Sequence[tuple[Any, ...]],
    rows: NDArray[np.int64],
    *,
    min_group_size: int,
    reference: int | None = None,
    attribute: str | None = None,
    cell_rows: NDArray[np.int64] | None = None,
    min_denominator: int = 1,
    attributes: Sequence[str] = (),
    level_codes: NDArray[np.intp] | None = None,
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
    cell_rows : ndarray of int64, shape (n_groups, 4), optional
        Unweighted confusion cells (TN, FP, FN, TP) per group. With them, a
        binary rate's numerator and denominator rows are reported for the
        worst pair, and ``min_denominator`` applies.
    min_denominator : int, default=1
        Smallest number of rows in a rate's own denominator (actual positives
        for TPR, predicted positives for PPV) for a group's rate to take
        part; needs ``cell_rows``. Rates of every row (selection rate,
        accuracy) are left to ``min_group_size``.
    attributes : sequence of str, default=()
        Names of the sensitive columns the group labels hold, one per
        position; with two or more (intersections), levels that no compared
        group carries are reported in ``lost_levels``.
    level_codes : ndarray of intp, shape (n_groups, n_attributes), optional
        The position of each group's level among its column's levels; found
        from ``groups`` when not given.

    Returns
    -------
    Disparity
        The value, the pair of groups that decided it, and what was left out.

    Notes
    -----
    With several metrics (equalized odds), the worst one counts: the largest
    difference, or the smallest ratio.
    """
    present = rows > 0
    big_enough = rows >= min_group_size

    def small(i: int) -> str:
        return f"n={int(rows[i])} < min_group_size={min_group_size}"

    parts: list[tuple[NDArray[np.intp], Callable[[int], str]]] = [
        (np.flatnonzero(~big_enough), small)
    ]
    best: tuple[float, str, int | None, int | None] | None = None
    components: dict[str, float] = {}
    n_compared = 0
    nan_reasons = []
    lost: list[LostLevel] = []
    rate_parts: dict[str, tuple[NDArray[Any], NDArray[Any]]] = {}
    for metric in spec.metrics:
        vals = values[metric]
        defined = ~np.isnan(vals)
        undefined_text = f"{metric} undefined: {METRICS[metric].undefined_when}"
        parts.append((np.flatnonzero(big_enough & ~defined), _fixed(undefined_text)))
        eligible = big_enough & defined
        den: NDArray[Any] | None = None
        if cell_rows is not None and METRICS[metric].kind == "binary":
            num, den = cell_parts(cell_rows, metric)
            rate_parts[metric] = (num, den)
            limit = min_denominator if is_partial_rate(metric) else 0
            thin = eligible & (den < limit)
            parts.append((np.flatnonzero(thin), _thin(metric, den, min_denominator)))
            eligible = eligible & (den >= limit)
        lost += _lost_levels(
            groups,
            present,
            eligible,
            attributes,
            metric,
            _reason(
                small, undefined_text, big_enough, defined, metric, den, min_denominator
            ),
            level_codes,
        )
        n_compared = max(n_compared, int(eligible.sum()))
        value, lo, hi = _one_metric(vals, eligible, spec.kind, reference)
        components[metric] = value
        if math.isnan(value):
            if reference is not None and not eligible[reference]:
                nan_reasons.append(f"the reference group has no usable {metric}")
            else:
                nan_reasons.append(f"fewer than two groups with a usable {metric}")
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
        den = num = None
        if metric in rate_parts:
            num, den = int(rate_parts[metric][0][i]), int(rate_parts[metric][1][i])
        return GroupValue(groups[i], float(values[metric][i]), int(rows[i]), den, num)

    return Disparity(
        name=spec.name,
        kind=spec.kind,
        value=value,
        metric=metric,
        low=gv(lo),
        high=gv(hi),
        components=components,
        n_compared=n_compared,
        excluded=Excluded(groups, parts),
        lost_levels=tuple(dict.fromkeys(lost)),
        reference=None if reference is None else groups[reference],
        attribute=attribute,
        reason="; ".join(dict.fromkeys(nan_reasons)),
    )
