"""Who is in the log: group shares against the reference period.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["CompositionTest", "composition_test", "poisson_cdf", "stability_index"]


def stability_index(
    window: NDArray[np.float64], reference: NDArray[np.float64]
) -> tuple[float, NDArray[np.float64], NDArray[np.float64]]:
    """Compute the population stability index of group shares, and the shares.

    Parameters
    ----------
    window, reference : ndarray of float64, shape (n_groups,)
        Rows of every group in the window and in the reference period.

    Returns
    -------
    psi : float
        ``sum((a - e) * log(a / e))`` over groups, with shares smoothed by
        half a row per group so that a group absent on one side counts.
    a, e : ndarray of float64
        The window's and the reference's (unsmoothed) shares.
    """
    a = window / max(window.sum(), 1.0)
    e = reference / max(reference.sum(), 1.0)
    half = 0.5 * np.ones_like(window)
    sa = (window + half) / (window.sum() + half.sum())
    se = (reference + half) / (reference.sum() + half.sum())
    return float(((sa - se) * np.log(sa / se)).sum()), a, e


@dataclass(frozen=True, slots=True)
class CompositionTest:
    """Chi-square test that a window's group shares are the reference's.

    Attributes
    ----------
    statistic : float
        Pearson's chi-square of the 2 x groups table.
    dof : int
        Degrees of freedom.
    p_value : float
        Upper tail probability (Wilson-Hilferty approximation).
    psi : float
        Population stability index of the shares.
    """

    statistic: float
    dof: int
    p_value: float
    psi: float


def _chi2_sf(x: float, dof: int) -> float:
    """Upper tail of a chi-square distribution (Wilson-Hilferty)."""
    if dof <= 0:
        return 1.0
    c = 2.0 / (9.0 * dof)
    z = ((x / dof) ** (1.0 / 3.0) - (1.0 - c)) / math.sqrt(c)
    return 0.5 * math.erfc(z / math.sqrt(2.0))


def composition_test(
    window: NDArray[np.float64], reference: NDArray[np.float64]
) -> CompositionTest:
    """Test whether the window's groups come in the reference's proportions.

    Parameters
    ----------
    window, reference : ndarray of float64, shape (n_groups,)
        Rows of every group in the window and in the reference period.

    Returns
    -------
    CompositionTest
        The chi-square test of homogeneity over the groups seen on either
        side, and the stability index.
    """
    seen = (window + reference) > 0
    w, r = window[seen], reference[seen]
    psi, _, _ = stability_index(w, r)
    n_w, n_r = w.sum(), r.sum()
    if n_w == 0 or n_r == 0 or w.size < 2:
        return CompositionTest(0.0, 0, 1.0, psi)
    total = w + r
    ew = total * n_w / (n_w + n_r)
    er = total * n_r / (n_w + n_r)
    stat = float((((w - ew) ** 2) / ew).sum() + (((r - er) ** 2) / er).sum())
    dof = int(w.size - 1)
    return CompositionTest(stat, dof, _chi2_sf(stat, dof), psi)


def poisson_cdf(k: int, mean: float) -> float:
    """Return ``P(X <= k)`` for a Poisson variable of the given mean.

    Parameters
    ----------
    k : int
        Count.
    mean : float
        Expected count.

    Returns
    -------
    float
        The lower tail probability.

    Examples
    --------
    >>> from pytest_fairness.monitoring._composition import poisson_cdf
    >>> round(poisson_cdf(0, 2.0), 4)
    0.1353
    """
    if k < 0:
        return 0.0
    if mean <= 0:
        return 1.0
    terms = [i * math.log(mean) - mean - math.lgamma(i + 1) for i in range(k + 1)]
    top = max(terms)
    return min(1.0, math.exp(top) * sum(math.exp(t - top) for t in terms))
