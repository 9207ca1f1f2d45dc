"""Confidence intervals computed on counts: Wilson, Newcombe and a cell bootstrap.

The bootstrap resamples the confusion cells of each group (a multinomial draw
per group and replicate), never the rows, so its cost depends on the number of
groups and replicates only.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from statistics import NormalDist
from typing import TYPE_CHECKING, Any

import numpy as np

from pytest_fairness.metrics._rates import rate_from_cells
from pytest_fairness.metrics._registry import METRICS

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from pytest_fairness.metrics._counts import GroupCounts

__all__ = [
    "PAIRWISE_LIMIT",
    "FairEnd",
    "Family",
    "bootstrap_cells",
    "cell_sampler",
    "disparity_replicates",
    "draw_cells",
    "effective_size",
    "fair_end_stats",
    "n_pairs",
    "newcombe_interval",
    "pair_interval",
    "percentile_interval",
    "replicate_rate",
    "replicate_values",
    "simultaneous_fair_end",
    "wilson_interval",
    "wilson_pair_limits",
    "z_value",
]


def z_value(level: float) -> float:
    """Return the two-sided standard normal quantile for a confidence level.

    Parameters
    ----------
    level : float
        Confidence level in (0, 1), e.g. 0.95.

    Returns
    -------
    float
        ``z`` such that ``P(|Z| <= z) = level``.
    """
    return NormalDist().inv_cdf(0.5 + level / 2.0)


def effective_size(
    counts: GroupCounts, cells: tuple[int, ...]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Return the weighted total and Kish effective size of some cells per group.

    Parameters
    ----------
    counts : GroupCounts
        Counts with confusion cells.
    cells : tuple of int
        The cells summed (a rate's denominator).

    Returns
    -------
    total, n_eff : ndarray of float64
        ``sum(w)`` and ``sum(w)**2 / sum(w**2)`` over the rows in those cells;
        without weights both equal the row count.
    """
    assert counts.cells is not None  # noqa: S101 - binary counts only
    idx = list(cells)
    total = counts.cells[:, idx].sum(axis=1)
    if "cell_w2" not in counts.sums:
        return total, total
    w2 = counts.sums["cell_w2"][:, idx].sum(axis=1)
    n_eff = np.zeros_like(total)
    np.divide(total**2, w2, out=n_eff, where=w2 > 0)
    return total, n_eff


def wilson_interval(
    p: NDArray[np.float64], n: NDArray[np.float64], level: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Wilson score interval of proportions.

    Parameters
    ----------
    p : ndarray of float64
        Observed proportions (NaN where undefined).
    n : ndarray of float64
        (Effective) sample sizes.
    level : float
        Confidence level.

    Returns
    -------
    low, high : ndarray of float64
        Bounds; NaN where ``n`` is 0 or ``p`` is NaN.

    Notes
    -----
    ``(p + z²/2n ± z sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)``. Unlike the
    normal (Wald) interval it stays inside [0, 1] and keeps its coverage near
    0 and 1 and for small groups.
    """
    z = z_value(level)
    with np.errstate(divide="ignore", invalid="ignore"):
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    bad = (n <= 0) | np.isnan(p)
    low = np.where(bad, np.nan, np.clip(centre - half, 0.0, 1.0))
    high = np.where(bad, np.nan, np.clip(centre + half, 0.0, 1.0))
    return low, high


def newcombe_interval(
    p1: float, n1: float, p2: float, n2: float, level: float
) -> tuple[float, float]:
    """Newcombe's hybrid score interval for the difference ``p2 - p1``.

    Parameters
    ----------
    p1, p2 : float
        The two proportions.
    n1, n2 : float
        Their (effective) sample sizes.
    level : float
        Confidence level.

    Returns
    -------
    tuple of float
        Lower and upper bound of ``p2 - p1``.

    Notes
    -----
    Newcombe (1998), method 10: combines the Wilson intervals of each
    proportion; good coverage for small samples and rates near 0 or 1.
    """
    (l1,), (u1,) = wilson_interval(np.array([p1]), np.array([n1]), level)
    (l2,), (u2,) = wilson_interval(np.array([p2]), np.array([n2]), level)
    d = p2 - p1
    low = d - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    high = d + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    return float(low), float(high)


def cell_sampler(
    counts: GroupCounts,
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Return the size and cell shares of every group's multinomial draw.

    Parameters
    ----------
    counts : GroupCounts
        Observed counts with confusion cells.

    Returns
    -------
    size : ndarray of int64, shape (n_groups,)
        Rows drawn per group: its (Kish effective) size, rounded.
    probs : ndarray of float64, shape (n_groups, 4)
        The observed, weighted shares of the four cells.
    """
    assert counts.cells is not None  # noqa: S101 - binary counts only
    total, n_eff = effective_size(counts, (0, 1, 2, 3))
    size = np.rint(n_eff).astype(np.int64)
    probs = np.zeros_like(counts.cells)
    np.divide(counts.cells, total[:, None], out=probs, where=total[:, None] > 0)
    probs[total <= 0] = 0.25  # empty groups draw nothing (size 0) anyway
    probs /= probs.sum(axis=1, keepdims=True)
    return size, probs


def draw_cells(
    size: NDArray[np.int64],
    probs: NDArray[np.float64],
    n_boot: int,
    rng: np.random.Generator,
) -> NDArray[np.int64]:
    """Draw ``n_boot`` replicates of every group's cells (integer counts).

    Draws made in several calls on the same generator, ``n1`` then ``n2``
    replicates, are the ``n1 + n2`` replicates of one call: the generator
    fills replicate after replicate, group after group.

    Parameters
    ----------
    size, probs : ndarray
        From :func:`cell_sampler`.
    n_boot : int
        Number of replicates.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    ndarray of int64, shape (n_boot, n_groups, 4)
        Replicated cell counts.
    """
    return rng.multinomial(size, probs, size=(n_boot, size.shape[0]))


def bootstrap_cells(
    counts: GroupCounts, n_boot: int, rng: np.random.Generator
) -> NDArray[np.float64]:
    """Draw bootstrap replicates of every group's confusion cells.

    Parameters
    ----------
    counts : GroupCounts
        Observed counts with confusion cells.
    n_boot : int
        Number of replicates.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    ndarray of float64, shape (n_boot, n_groups, 4)
        Replicated cell counts.

    Notes
    -----
    Each group keeps its size (a stratified bootstrap: the audit conditions
    on who is in which group) and its cells are drawn from a multinomial with
    the observed, weighted cell shares. With weights, the group's size is its
    Kish effective size ``sum(w)**2 / sum(w**2)``, so unequal weights widen
    the intervals as they should. The cost is ``n_boot * n_groups * 4``
    draws, whatever the number of rows.
    """
    size, probs = cell_sampler(counts)
    return draw_cells(size, probs, n_boot, rng).astype(np.float64)


def replicate_values(reps: NDArray[np.float64], metric: str) -> NDArray[np.float64]:
    """Compute a binary rate for every replicate and group.

    Parameters
    ----------
    reps : ndarray, shape (n_boot, n_groups, 4)
        Replicated cells from :func:`bootstrap_cells`.
    metric : str
        Canonical name of a binary rate.

    Returns
    -------
    ndarray of float64, shape (n_boot, n_groups)
        The rate, NaN where its denominator is empty in a replicate.
    """
    return rate_from_cells(reps, metric)


def replicate_rate(
    reps: NDArray[Any], metric: str, *, counts: bool = True
) -> NDArray[np.float64]:
    """Compute a binary rate for every replicate and group, from cell counts.

    Parameters
    ----------
    reps : ndarray, shape (n_boot, n_groups, 4)
        Replicated cells.
    metric : str
        Canonical name of a binary rate.
    counts : bool, default=True
        Whether the cells are whole numbers (drawn counts): their sums are
        then exact in any order, and the cells are added as they are instead
        of through :func:`replicate_values`' copy of the summed cells. Cells
        of other values (reweighted) go through :func:`replicate_values`.

    Returns
    -------
    ndarray of float64, shape (n_boot, n_groups)
        The rate, NaN where its denominator is empty; equal to
        :func:`replicate_values` bit for bit.
    """
    if not counts:
        return replicate_values(np.asarray(reps, dtype=np.float64), metric)
    spec = METRICS[metric]

    def total(cells: tuple[int, ...]) -> NDArray[Any]:
        out = reps[..., cells[0]]
        for c in cells[1:]:
            out = out + reps[..., c]
        return out

    num, den = total(spec.numerator), total(spec.denominator)
    out = np.full(den.shape, np.nan)
    np.divide(num, den, out=out, where=den > 0, casting="unsafe")
    return out


def _one_replicated(
    vals: NDArray[np.float64],
    eligible: NDArray[np.bool_],
    kind: str,
    ref: int | None,
) -> NDArray[np.float64]:
    if not eligible.all():
        vals = np.where(eligible[None, :], vals, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        if ref is not None:
            v_ref = vals[:, ref : ref + 1]
            others = vals.copy()
            others[:, ref] = np.nan
            if kind == "difference":
                stat = np.abs(others - v_ref)
                valid = ~np.isnan(stat)
                out = np.where(valid, stat, -np.inf).max(axis=1)
            else:
                stat = np.minimum(others / v_ref, v_ref / others)
                valid = ~np.isnan(stat)
                out = np.where(valid, stat, np.inf).min(axis=1)
            return np.where(valid.any(axis=1), out, np.nan)
        valid = ~np.isnan(vals)
        hi = np.where(valid, vals, -np.inf).max(axis=1)
        lo = np.where(valid, vals, np.inf).min(axis=1)
        enough = valid.sum(axis=1) >= 2
        ratio = np.where(hi > 0, lo / hi, np.nan)
        out = hi - lo if kind == "difference" else ratio
    return np.where(enough, out, np.nan)


def disparity_replicates(
    values: dict[str, NDArray[np.float64]],
    eligible: NDArray[np.bool_] | Mapping[str, NDArray[np.bool_]],
    kind: str,
    reference: int | None = None,
) -> NDArray[np.float64]:
    """Compute a disparity in every bootstrap replicate.

    Parameters
    ----------
    values : dict of str to ndarray, shape (n_boot, n_groups)
        Replicated values of each metric the disparity combines.
    eligible : ndarray of bool, shape (n_groups,), or dict of str to such
        Groups taking part (large enough in the observed data), for every
        metric alike or per metric.
    kind : {"difference", "ratio"}
        The disparity's kind.
    reference : int, optional
        Position of the reference group.

    Returns
    -------
    ndarray of float64, shape (n_boot,)
        The disparity per replicate (the worst metric for several), NaN
        where fewer than two groups have a value.
    """
    parts = [
        _one_replicated(
            v,
            eligible[m] if isinstance(eligible, Mapping) else eligible,
            kind,
            reference,
        )
        for m, v in values.items()
    ]
    stacked = np.stack(parts)
    any_nan = np.isnan(stacked).any(axis=0)
    worst = stacked.max(axis=0) if kind == "difference" else stacked.min(axis=0)
    return np.where(any_nan, np.nan, worst)


def pair_interval(
    values: NDArray[np.float64], low: int, high: int, kind: str, level: float
) -> tuple[float, float]:
    """Interval of the gap between two given groups, folded like the disparity.

    Parameters
    ----------
    values : ndarray, shape (n_boot, n_groups)
        Replicated values of the metric.
    low, high : int
        Positions of the two groups (the observed worst pair, or the
        reference and the group farthest from it).
    kind : {"difference", "ratio"}
        The disparity's kind.
    level : float
        Confidence level.

    Returns
    -------
    tuple of float
        The percentile interval of ``v_high - v_low`` (or ``v_low / v_high``)
        mapped through ``abs`` (or ``min(r, 1 / r)``): a sign change inside
        the interval puts parity (0, or 1) inside it.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "difference":
            stat = values[:, high] - values[:, low]
        else:
            stat = values[:, low] / values[:, high]
    stat = stat[np.isfinite(stat)]
    if stat.size == 0 or stat.size < values.shape[0] / 2:
        return math.nan, math.nan
    a, b = (float(q) for q in np.quantile(stat, [(1 - level) / 2, (1 + level) / 2]))
    if kind == "difference":
        if a <= 0.0 <= b:
            return 0.0, max(-a, b)
        return min(abs(a), abs(b)), max(abs(a), abs(b))

    def fold(r: float) -> float:
        return min(r, 1.0 / r) if r > 0 else 0.0

    if a <= 1.0 <= b:
        return min(fold(a), fold(b)), 1.0
    return min(fold(a), fold(b)), max(fold(a), fold(b))


def percentile_interval(
    replicates: NDArray[np.float64], level: float
) -> tuple[float, float]:
    """Return the percentile interval of bootstrap replicates.

    Parameters
    ----------
    replicates : ndarray of float64
        The statistic per replicate (NaN replicates are ignored).
    level : float
        Confidence level.

    Returns
    -------
    tuple of float
        The ``(1 - level) / 2`` and ``(1 + level) / 2`` quantiles; NaN when
        more than half of the replicates are undefined.
    """
    finite = replicates[~np.isnan(replicates)]
    if finite.size == 0 or finite.size < replicates.size / 2:
        return math.nan, math.nan
    lo, hi = np.quantile(finite, [(1 - level) / 2, (1 + level) / 2])
    return float(lo), float(hi)


#: Above this many pairs x replicates, the fair end uses one band per group
#: (linear in the groups) instead of one per pair.
PAIRWISE_LIMIT = 5_000_000


@dataclass(frozen=True, slots=True)
class Family:
    """One set of groups whose pairs a disparity compares.

    Attributes
    ----------
    replicates : ndarray, shape (n_boot, n_groups)
        Bootstrap replicates of one rate for every group.
    observed : ndarray, shape (n_groups,)
        The observed rate of every group.
    eligible : ndarray of bool, shape (n_groups,)
        Groups taking part (large enough).
    reference : int or None
        Position of the reference group, when the disparity compares every
        group with it; None compares every pair.
    """

    replicates: NDArray[np.float64]
    observed: NDArray[np.float64]
    eligible: NDArray[np.bool_]
    reference: int | None = None

    def pairs(self, kind: str) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
        """Return the compared pairs ``(a, b)``, ordered so ``v_a >= v_b``.

        Parameters
        ----------
        kind : {"difference", "ratio"}
            For ratios, pairs with an observed rate of 0 are left out (their
            log-ratio is undefined).

        Returns
        -------
        tuple of ndarray
            Positions of the higher and the lower group of every pair.
        """
        ok = self.eligible & np.isfinite(self.observed)
        if kind == "ratio":
            ok &= self.observed > 0
        idx = np.flatnonzero(ok)
        if self.reference is not None:
            if not ok[self.reference]:
                return np.empty(0, np.intp), np.empty(0, np.intp)
            others = idx[idx != self.reference]
            a = others
            b = np.full_like(others, self.reference)
        else:
            a, b = (idx[x] for x in np.triu_indices(idx.size, k=1))
        swap = self.observed[a] < self.observed[b]
        return np.where(swap, b, a), np.where(swap, a, b)


def _pair_stats(
    family: Family, kind: str
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Observed gaps, their bootstrap standard errors and studentized deviations.

    The gap is ``v_a - v_b`` for differences and ``log(v_a / v_b)`` for
    ratios, both >= 0. The deviation of a replicate, ``|gap* - gap| / se``,
    stands for ``|gap - true gap| / se``.
    """
    a, b = family.pairs(kind)
    obs, reps = family.observed, family.replicates
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "difference":
            gap = obs[a] - obs[b]
            boot = reps[:, a] - reps[:, b]
        else:
            gap = np.log(obs[a] / obs[b])
            boot = np.log(reps[:, a] / reps[:, b])
    finite = np.isfinite(boot)
    if finite.all():
        se = boot.std(axis=0)
    else:
        boot = np.where(finite, boot, np.nan)
        se = np.nanstd(boot, axis=0) if boot.size else np.empty(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        # absolute: which group of a pair is higher is itself read from the data
        boot -= gap
        np.abs(boot, out=boot)
        boot /= se
    dev = boot if np.isfinite(boot).all() else np.where(np.isfinite(boot), boot, np.nan)
    return gap, se, dev


def _group_stats(
    family: Family, kind: str
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Per-group estimates (rates, or log rates), standard errors, deviations."""
    ok = family.eligible & np.isfinite(family.observed)
    if kind == "ratio":
        ok &= family.observed > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "difference":
            est, boot = family.observed, family.replicates
        else:
            est, boot = np.log(family.observed), np.log(family.replicates)
    est = np.where(ok, est, np.nan)
    boot = np.where(ok[None, :] & np.isfinite(boot), boot, np.nan)
    if not np.isnan(boot).any():
        # nanstd's own arithmetic without its NaN handling: the same numbers
        se = boot.std(axis=0)
    else:
        with warnings.catch_warnings():
            # a group without a defined replicate has no spread (NaN), as meant
            warnings.simplefilter("ignore", RuntimeWarning)
            se = np.nanstd(boot, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        dev = np.abs(boot - est) / se
    return est, se, np.where(np.isfinite(dev), dev, np.nan)


def _max_over(devs: list[NDArray[np.float64]], n_boot: int) -> NDArray[np.float64]:
    """Row-wise maximum over several arrays, ignoring NaN (NaN for none)."""
    out = np.full(n_boot, np.nan)
    for dev in devs:
        if dev.shape[1]:
            # fmax ignores NaN: an all-NaN row stays NaN
            out = np.fmax(out, np.fmax.reduce(dev, axis=1))
    return out


def n_pairs(families: list[Family]) -> int:
    """Return how many pairs of groups the families compare.

    Parameters
    ----------
    families : list of Family
        The compared groups.

    Returns
    -------
    int
        Pairs with defined observed rates, over all families.
    """
    total = 0
    for f in families:
        ok = f.eligible & np.isfinite(f.observed)
        k = int(ok.sum())
        if f.reference is not None:
            total += k - 1 if ok[f.reference] else 0
        else:
            total += k * (k - 1) // 2
    return total


@dataclass(frozen=True, slots=True)
class FairEnd:
    """What the fair end of a disparity's interval needs, for any level.

    Attributes
    ----------
    kind : {"difference", "ratio"}
        The disparity's kind.
    pairwise : bool
        Whether every pair of groups has its own band (else every group).
    deviations : ndarray of float64, shape (n_boot,)
        The largest studentized deviation of each replicate (NaN for none).
    parts : list of tuple
        Per family: ``(gap, se, None)`` of every pair, or ``(estimate, se,
        reference)`` of every group.
    """

    kind: str
    pairwise: bool
    deviations: NDArray[np.float64]
    parts: list[tuple[NDArray[np.float64], NDArray[np.float64], int | None]]

    def end(self, level: float) -> float:
        """Return the fair end at a confidence level.

        Parameters
        ----------
        level : float
            Confidence level of the two-sided interval.

        Returns
        -------
        float
            As :func:`simultaneous_fair_end`.
        """
        n_boot = self.deviations.shape[0]
        t = self.deviations[~np.isnan(self.deviations)]
        if t.size < n_boot / 2:
            return math.nan
        c = float(np.quantile(t, (1 + level) / 2))
        best = -math.inf
        if self.pairwise:
            for gap, se, _ in self.parts:
                bound = gap - c * se
                bound = bound[np.isfinite(bound)]
                if bound.size:
                    best = max(best, float(bound.max()))
        else:
            for est, se, reference in self.parts:
                lower, upper = est - c * se, est + c * se
                if reference is not None:
                    r = reference
                    gaps = np.maximum(lower - upper[r], lower[r] - upper)
                else:
                    gaps = np.array([np.nanmax(lower) - np.nanmin(upper)])
                gaps = gaps[np.isfinite(gaps)]
                if gaps.size:
                    best = max(best, float(gaps.max()))
        if best == -math.inf:
            return math.nan
        if self.kind == "difference":
            return max(0.0, best)
        return min(1.0, math.exp(-max(0.0, best)))


def fair_end_stats(families: list[Family], kind: str) -> FairEnd:
    """Studentize the bootstrap gaps of every compared pair (or group) once.

    Parameters
    ----------
    families : list of Family
        As for :func:`simultaneous_fair_end`.
    kind : {"difference", "ratio"}
        The disparity's kind.

    Returns
    -------
    FairEnd
        Gives the fair end at any level without new replicates.
    """
    n_boot = families[0].replicates.shape[0] if families else 0
    if n_pairs(families) * n_boot <= PAIRWISE_LIMIT:
        stats = [_pair_stats(f, kind) for f in families]
        t = _max_over([dev for _, _, dev in stats], n_boot)
        return FairEnd(kind, True, t, [(gap, se, None) for gap, se, _ in stats])
    gstats = [_group_stats(f, kind) for f in families]
    t = _max_over([dev for _, _, dev in gstats], n_boot)
    parts = [
        (est, se, f.reference) for (est, se, _), f in zip(gstats, families, strict=True)
    ]
    return FairEnd(kind, False, t, parts)


def simultaneous_fair_end(families: list[Family], kind: str, level: float) -> float:
    """Return the fair end of a max-min disparity's interval, for any group.

    The disparity is the largest gap over many pairs of groups; the gap of
    the observed worst pair is the largest of many noisy gaps and overstates
    the truth when several groups are close to the extremes. This end holds
    for every pair at once: with the studentized bootstrap deviations of all
    pairs (of all families), ``c`` is the ``(1 + level) / 2`` quantile of
    their maximum absolute value, and every true gap is at least
    ``gap - c * se`` together.

    Parameters
    ----------
    families : list of Family
        The groups and rates the disparity compares: one per rate (several
        for the worst-of aggregates) and per table (several for
        ``intersectional=False``).
    kind : {"difference", "ratio"}
        ``difference``: the lower end, ``max(0, max over pairs of gap - c
        se)``. ``ratio``: the upper end, ``min(1, min over pairs of
        exp(-(log gap - c se)))`` on the log scale.
    level : float
        Confidence level of the two-sided interval.

    Returns
    -------
    float
        The end; NaN when no pair has a gap defined in most replicates.

    Notes
    -----
    With more than :data:`PAIRWISE_LIMIT` pairs x replicates, every group
    gets a band instead (``c`` from the maximum of the groups' absolute
    deviations) and a pair's gap is at least the distance between its two
    bands: linear in the groups, wider than the pairwise end.
    """
    return fair_end_stats(families, kind).end(level)


#: Up to this many groups, the Wilson limits look at every pair; above it, at
#: the pairs among the groups with the most extreme Wilson ends.
_ALL_PAIRS_GROUPS = 1500
_EXTREME_GROUPS = 200
#: Rows of the matrix of pairs computed at once.
_PAIR_BLOCK = 128


def _candidates(
    idx: NDArray[np.intp], top_key: NDArray[np.float64], bottom_key: NDArray[np.float64]
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Return the groups that may head (``a``) or trail (``b``) the widest pair."""
    if idx.size <= _ALL_PAIRS_GROUPS:
        return idx, idx
    k = _EXTREME_GROUPS
    a = idx[np.argsort(top_key[idx], kind="stable")[-k:]]
    b = idx[np.argsort(bottom_key[idx], kind="stable")[:k]]
    return a, b


#: Pairs searched for a first bound before the others are pruned.
_PRUNE_FIRST = 16


def _prune(
    a: NDArray[np.intp],
    b: NDArray[np.intp],
    p: NDArray[np.float64],
    low: NDArray[np.float64],
    high: NDArray[np.float64],
    kind: str,
    span: Any,
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Drop the groups that cannot make the widest pair; the result is exact.

    A pair's upper end (difference) is at most ``high_a - low_b`` (the
    hypotenuse is at most the sum of the sides), and its lower end (ratio)
    at least ``low_b / high_a``. The exact ends of a few likely pairs give a
    value the widest pair reaches; only groups that may pass it are kept
    (a margin of 1e-9 covers rounding). The ends of the kept pairs are then
    computed exactly as before, so the extreme is the same number.
    """
    if a.size * b.size <= 4 * _PRUNE_FIRST * _PRUNE_FIRST:
        return a, b
    first_a = a[np.argsort(high[a], kind="stable")[-_PRUNE_FIRST:]]
    first_b = b[np.argsort(low[b], kind="stable")[:_PRUNE_FIRST]]
    same = first_a[:, None] == first_b[None, :]
    if kind == "difference":
        _, ends = span(first_a[:, None], first_b[None, :])
        reached = np.fmax.reduce(np.where(same, -np.inf, ends), axis=None)
        if not np.isfinite(reached):
            return a, b
        floor = reached - 1e-9
        keep_a = a[high[a] - low[b].min() >= floor]
        keep_b = b[high[a].max() - low[b] >= floor]
        return keep_a, keep_b
    ends, _ = span(first_a[:, None], first_b[None, :])
    reached = np.fmin.reduce(np.where(same, np.inf, ends), axis=None)
    if not np.isfinite(reached):
        return a, b
    ceiling = reached + 1e-9
    # a rate of 0 gives a ratio of 0 with any group: such groups stay
    with np.errstate(divide="ignore", invalid="ignore"):
        keep_a = a[(low[b].min() / high[a] <= ceiling) | (p[a] == 0)]
        keep_b = b[(low[b] / high[a].max() <= ceiling) | (p[b] == 0)]
    return keep_a, keep_b


def _fold_high(lo: float, hi: float) -> float:
    """Upper end of ``min(r, 1 / r)`` for ``r`` in ``[lo, hi]``."""
    if lo <= 1.0 <= hi:
        return 1.0
    return hi if hi < 1.0 else 1.0 / lo


def wilson_pair_limits(
    p: NDArray[np.float64],
    low: NDArray[np.float64],
    high: NDArray[np.float64],
    eligible: NDArray[np.bool_],
    kind: str,
    *,
    reference: int | None = None,
    pair: tuple[int, int] | None = None,
) -> tuple[float, float]:
    """Return the ends of a disparity interval implied by the Wilson intervals.

    A disparity interval must not claim more precision than the Wilson
    intervals of the groups' rates allow: with a TPR of 0/3 against 23/23,
    the bootstrap sees no variation at all, but the Wilson intervals give
    [0, 0.56] and [0.86, 1]. The gaps of pairs of groups combine their two
    Wilson intervals as Newcombe's hybrid score interval does (method 10),
    and ratios on the log scale as the MOVER method does.

    Parameters
    ----------
    p : ndarray of float64, shape (n_groups,)
        Observed rates.
    low, high : ndarray of float64, shape (n_groups,)
        Their Wilson intervals.
    eligible : ndarray of bool, shape (n_groups,)
        Groups taking part.
    kind : {"difference", "ratio"}
        The disparity's kind.
    reference : int, optional
        Position of the reference group: pairs are (reference, group).
    pair : tuple of int, optional
        The observed worst pair ``(low group, high group)`` (with a
        reference, the reference and the farthest group).

    Returns
    -------
    unfair, fair : float
        ``unfair``: the largest upper end of a gap (difference) or the
        smallest lower end of a ratio, over every compared pair. ``fair``:
        the other end for the observed worst pair. NaN when not defined.

    Notes
    -----
    For rates ``p_a >= p_b`` with Wilson intervals ``[l, u]``, the gap
    ``p_a - p_b`` lies in ``[d - sqrt((p_a - l_a)**2 + (u_b - p_b)**2),
    d + sqrt((u_a - p_a)**2 + (p_b - l_b)**2)]``; the log ratio likewise
    with the logs of the rates and their limits. With more than 1,500
    groups, only pairs among the 200 groups with the highest and lowest
    Wilson ends are searched for the unfair end.
    """
    ok = eligible & np.isfinite(p) & np.isfinite(low) & np.isfinite(high)
    idx = np.flatnonzero(ok)
    if idx.size < 2 or (reference is not None and not ok[reference]):
        return math.nan, math.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "difference":
            up, down = high - p, p - low  # reach of each Wilson interval

            def span(a: Any, b: Any) -> tuple[Any, Any]:
                """Interval of p_a - p_b (Newcombe)."""
                d = p[a] - p[b]
                return (
                    d - np.sqrt(down[a] ** 2 + up[b] ** 2),
                    d + np.sqrt(up[a] ** 2 + down[b] ** 2),
                )

        else:
            logp, logl, logu = np.log(p), np.log(low), np.log(high)

            def span(a: Any, b: Any) -> tuple[Any, Any]:
                """Interval of p_b / p_a (MOVER on the log scale)."""
                theta = logp[b] - logp[a]
                lo = theta - np.sqrt(
                    (logp[b] - logl[b]) ** 2 + (logu[a] - logp[a]) ** 2
                )
                hi = theta + np.sqrt(
                    (logu[b] - logp[b]) ** 2 + (logp[a] - logl[a]) ** 2
                )
                # a rate of 0: the ratio is 0 and its upper end the Wilson box
                zero = np.asarray(p[b] == 0)
                lo = np.where(zero, -np.inf, lo)
                hi = np.where(zero, logu[b] - logl[a], hi)
                return np.exp(lo), np.exp(hi)

        if reference is not None:
            others = idx[idx != reference]
            r = np.full(others.shape, reference)
            if kind == "difference":
                _, up1 = span(others, r)
                _, up2 = span(r, others)
                unfair = float(np.nanmax(np.maximum(up1, up2)))
            else:
                lo1, _ = span(r, others)
                lo2, _ = span(others, r)
                unfair = float(np.nanmin(np.minimum(lo1, lo2)))
        else:
            a, b = _candidates(idx, high, -low)
            a, b = _prune(a, b, p, low, high, kind, span)
            # blocks of rows of the pair matrix: the memory stays bounded
            # (a max or min over blocks is the max or min over all pairs)
            worst = []
            for start in range(0, a.size, _PAIR_BLOCK):
                rows = a[start : start + _PAIR_BLOCK, None]
                if kind == "difference":
                    _, ends = span(rows, b[None, :])
                    ends = np.where(rows == b[None, :], -np.inf, ends)
                    worst.append(np.fmax.reduce(ends, axis=None))
                else:
                    ends, _ = span(rows, b[None, :])
                    ends = np.where(rows == b[None, :], np.inf, ends)
                    worst.append(np.fmin.reduce(ends, axis=None))
            reduce = np.nanmax if kind == "difference" else np.nanmin
            unfair = float(reduce(np.array(worst)))
        fair = math.nan
        if pair is not None:
            i, j = pair
            if kind == "difference":
                (lo_ij,), _ = span(np.array([j]), np.array([i]))
                (lo_ji,), _ = span(np.array([i]), np.array([j]))
                fair = max(0.0, float(lo_ij), float(lo_ji))
            else:
                (lo_r,), (hi_r,) = span(np.array([j]), np.array([i]))
                fair = _fold_high(float(lo_r), float(hi_r))
    if kind == "ratio":
        unfair = min(max(unfair, 0.0), 1.0) if math.isfinite(unfair) else unfair
    return unfair, fair
