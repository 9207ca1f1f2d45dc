"""Confidence intervals computed on counts: Wilson, Newcombe and a cell bootstrap.

The bootstrap resamples the confusion cells of each group (a multinomial draw
per group and replicate), never the rows, so its cost depends on the number of
groups and replicates only.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import TYPE_CHECKING

import numpy as np

from pytest_fairness.metrics._rates import rate_from_cells

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from pytest_fairness.metrics._counts import GroupCounts

__all__ = [
    "bootstrap_cells",
    "disparity_replicates",
    "effective_size",
    "newcombe_interval",
    "pair_interval",
    "percentile_interval",
    "replicate_values",
    "wilson_interval",
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
    assert counts.cells is not None  # noqa: S101 - binary counts only
    total, n_eff = effective_size(counts, (0, 1, 2, 3))
    size = np.rint(n_eff).astype(np.int64)
    probs = np.zeros_like(counts.cells)
    np.divide(counts.cells, total[:, None], out=probs, where=total[:, None] > 0)
    probs[total <= 0] = 0.25  # empty groups draw nothing (size 0) anyway
    probs /= probs.sum(axis=1, keepdims=True)
    draws = rng.multinomial(size, probs, size=(n_boot, counts.n_groups))
    return draws.astype(np.float64)


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


def _one_replicated(
    vals: NDArray[np.float64],
    eligible: NDArray[np.bool_],
    kind: str,
    ref: int | None,
) -> NDArray[np.float64]:
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
    eligible: NDArray[np.bool_],
    kind: str,
    reference: int | None = None,
) -> NDArray[np.float64]:
    """Compute a disparity in every bootstrap replicate.

    Parameters
    ----------
    values : dict of str to ndarray, shape (n_boot, n_groups)
        Replicated values of each metric the disparity combines.
    eligible : ndarray of bool, shape (n_groups,)
        Groups taking part (large enough in the observed data).
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
    parts = [_one_replicated(v, eligible, kind, reference) for v in values.values()]
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
