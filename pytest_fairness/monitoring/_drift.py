"""Drift of a disparity away from its reference period: a calibrated CUSUM.

Each monitored window gets a standardised score ``z``: how unusual its
disparity is for the reference process observed with that window's group
sizes. A one-sided CUSUM accumulates the scores, and its threshold is set
by simulation so that a stable process raises a drift alert in any of the
monitored windows with probability at most ``alpha`` (docs/monitoring.md).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import NDArray

__all__ = [
    "CUSUM_K",
    "DriftScore",
    "cusum",
    "cusum_threshold",
    "null_cells",
    "score_window",
]

#: Reference value of the CUSUM, in standard errors: the sum grows for
#: windows more than 1.25 standard errors worse than the reference, which
#: makes it quickest at shifts of about 2.5 standard errors and up.
CUSUM_K = 1.25
#: Prior rows of every group in the Dirichlet draw of its reference cells
#: (spread over the four cells), so that a group seen rarely in the
#: reference is not taken as known exactly.
_PRIOR_ROWS = 1.0
#: Replicated runs of a stable process behind the CUSUM's threshold.
_CALIBRATION_RUNS = 20_000
_NORMAL = NormalDist()


@dataclass(frozen=True, slots=True)
class DriftScore:
    """How unusual one window's disparity is for the reference process.

    Attributes
    ----------
    value : float
        The disparity over the groups compared with the reference (those of
        the window that the reference has seen).
    expected : float
        Its mean under the reference process, at the window's group sizes.
    se : float
        Its standard deviation there (the standard error of the window's
        disparity).
    z : float
        The score: the normal quantile of the value's rank among the
        simulated ones, oriented so that positive is less fair.
    """

    value: float
    expected: float
    se: float
    z: float


def null_cells(
    reference: NDArray[np.float64],
    sizes: NDArray[np.int64],
    n_boot: int,
    rng: np.random.Generator,
) -> NDArray[np.float64]:
    """Draw windows of the reference process with the given group sizes.

    Parameters
    ----------
    reference : ndarray, shape (n_groups, 4)
        The reference period's confusion cells of each group.
    sizes : ndarray of int64, shape (n_groups,)
        Rows of each group in the window.
    n_boot : int
        Number of simulated windows.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    ndarray, shape (n_boot, n_groups, 4)
        Simulated cells: the cell shares drawn from their Dirichlet
        posterior given the reference counts (the reference is an estimate
        too), then each group's rows from a multinomial with those shares.
    """
    alpha = reference + _PRIOR_ROWS / 4
    shares = rng.standard_gamma(alpha, size=(n_boot, *alpha.shape))
    shares /= shares.sum(axis=-1, keepdims=True)
    return rng.multinomial(sizes, shares).astype(np.float64)


def score_window(value: float, sims: NDArray[np.float64], kind: str) -> DriftScore:
    """Score a window's disparity against simulated windows of the reference.

    Parameters
    ----------
    value : float
        The window's disparity, over the groups compared with the reference.
    sims : ndarray of float64, shape (n_boot,)
        The same disparity in windows of the reference process with the
        window's group sizes (NaN where undefined).
    kind : {"difference", "ratio"}
        Larger differences and smaller ratios are less fair.

    Returns
    -------
    DriftScore
        The score is the normal quantile of the value's mid-rank among the
        simulated values, oriented so that positive is less fair; beyond
        every simulated value, the normal score ``(value - mean) / sd``
        when it is larger. NaN fields when the value is undefined or most
        simulations are.

    Examples
    --------
    >>> import numpy as np
    >>> from pytest_fairness.monitoring._drift import score_window
    >>> sims = np.random.default_rng(0).normal(0.05, 0.01, 1000)
    >>> abs(score_window(0.05, sims, "difference").z) < 0.2  # a typical value
    True
    >>> round(score_window(0.08, sims, "difference").z, 1)  # three s.e. worse
    3.0
    """
    sims = sims[~np.isnan(sims)]
    n = sims.size
    if math.isnan(value) or n < 50:
        return DriftScore(float(value), math.nan, math.nan, math.nan)
    sign = 1.0 if kind == "difference" else -1.0
    worse = int((sign * sims > sign * value).sum())
    ties = int((sims == value).sum())
    # mid-rank: where the value falls among the simulated windows
    share_below = (n - worse - ties + 0.5 * ties + 0.5) / (n + 1)
    z = _NORMAL.inv_cdf(share_below)
    expected, se = float(sims.mean()), float(sims.std())
    if worse == 0 and se > 0:
        # beyond every simulated window: extrapolate with the normal score
        z = max(z, sign * (value - expected) / se)
    return DriftScore(float(value), expected, se, float(z))


def cusum(z: Sequence[float], k: float = CUSUM_K) -> NDArray[np.float64]:
    """Run a one-sided CUSUM over standardised scores.

    Parameters
    ----------
    z : sequence of float
        Scores in time order; NaN (a window without a score) leaves the sum
        as it was.
    k : float, default=CUSUM_K
        Reference value subtracted from each score.

    Returns
    -------
    ndarray of float64
        ``S_t = max(0, S_{t-1} + z_t - k)``, with ``S_0 = 0``.

    Examples
    --------
    >>> from pytest_fairness.monitoring._drift import cusum
    >>> cusum([0.0, 3.0, 3.0, float("nan"), -5.0], k=1.0).tolist()
    [0.0, 2.0, 4.0, 4.0, 0.0]
    """
    out = np.zeros(len(z))
    s = 0.0
    for i, v in enumerate(z):
        if not math.isnan(v):
            s = max(0.0, s + v - k)
        out[i] = s
    return out


def cusum_threshold(
    n_windows: int, alpha: float, k: float = CUSUM_K, shared: float = 0.0
) -> float:
    """Return the CUSUM threshold that a stable process crosses with probability alpha.

    Parameters
    ----------
    n_windows : int
        Number of windows scored (watched after the reference period).
    alpha : float
        Probability that a stable process raises a drift alert in any of
        those windows.
    k : float, default=CUSUM_K
        The CUSUM's reference value.
    shared : float, default=0.0
        Correlation of any two windows' scores. Every window is compared
        with the same reference period, whose own noise is shared: with
        ``n`` rows a window and ``N`` in the reference, it is about
        ``n / (n + N)`` (1/14 for 13 reference windows of the same size).

    Returns
    -------
    float
        ``h`` such that ``P(max_t S_t > h) = alpha`` for standard normal
        scores with that correlation, estimated from 20,000 simulated runs
        with a fixed seed (the same threshold on every call).

    Examples
    --------
    >>> from pytest_fairness.monitoring._drift import cusum_threshold
    >>> round(cusum_threshold(39, 0.05), 1)
    2.0
    >>> cusum_threshold(39, 0.05, shared=0.07) > cusum_threshold(39, 0.05)
    True
    """
    shared = round(min(max(float(shared), 0.0), 0.99), 3)
    return _threshold(max(1, int(n_windows)), float(alpha), float(k), shared)


@functools.lru_cache(maxsize=64)
def _threshold(n_windows: int, alpha: float, k: float, shared: float) -> float:
    rng = np.random.default_rng(20_240_517)
    common = math.sqrt(shared) * rng.standard_normal(_CALIBRATION_RUNS)
    own = math.sqrt(1.0 - shared)
    s = np.zeros(_CALIBRATION_RUNS)
    top = np.zeros(_CALIBRATION_RUNS)
    for _ in range(n_windows):
        z = own * rng.standard_normal(_CALIBRATION_RUNS) + common
        s = np.maximum(0.0, s + z - k)
        np.maximum(top, s, out=top)
    return float(np.quantile(top, 1.0 - alpha))
