"""Per-group statistics of predicted scores: Brier sums, calibration bins, AUC.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import NDArray

from pytest_fairness.metrics._counts import weighted_sum

__all__ = ["N_CALIBRATION_BINS", "auc_by_group", "score_sums"]

N_CALIBRATION_BINS = 10


def score_sums(
    group: NDArray[np.intp],
    n_groups: int,
    y_true: NDArray[np.uint8],
    y_score: NDArray[np.float64],
    sample_weight: NDArray[np.float64] | None = None,
) -> dict[str, NDArray[np.float64]]:
    """Additive per-group sums behind the Brier score and calibration error.

    Parameters
    ----------
    group : ndarray of intp
        Group code of each row.
    n_groups : int
        Size of the group code space.
    y_true : ndarray of uint8
        0/1 labels.
    y_score : ndarray of float64
        Scores in [0, 1] (probability of the positive class).
    sample_weight : ndarray of float64, optional
        Row weights.

    Returns
    -------
    dict
        ``brier`` (shape (n_groups,)): weighted sum of squared errors;
        ``cal_score`` and ``cal_true`` (shape (n_groups, 10)): weighted sums
        of scores and labels in ten equal-width score bins.
    """
    w = np.ones_like(y_score) if sample_weight is None else sample_weight
    sq = (y_score - y_true) ** 2
    bins = np.minimum(
        (y_score * N_CALIBRATION_BINS).astype(np.intp), N_CALIBRATION_BINS - 1
    )
    cell = group * N_CALIBRATION_BINS + bins
    size = n_groups * N_CALIBRATION_BINS
    shape = (n_groups, N_CALIBRATION_BINS)
    return {
        "brier": weighted_sum(group, sq * w, n_groups),
        "cal_score": weighted_sum(cell, y_score * w, size).reshape(shape),
        "cal_true": weighted_sum(cell, y_true * w, size).reshape(shape),
    }


def auc_by_group(
    group: NDArray[np.intp],
    n_groups: int,
    y_true: NDArray[np.uint8],
    y_score: NDArray[np.float64],
    sample_weight: NDArray[np.float64] | None = None,
) -> NDArray[np.float64]:
    """Exact area under the ROC curve of every group, ties counted as one half.

    Parameters
    ----------
    group : ndarray of intp
        Group code of each row.
    n_groups : int
        Size of the group code space.
    y_true : ndarray of uint8
        0/1 labels.
    y_score : ndarray of float64
        Scores; higher means more likely positive.
    sample_weight : ndarray of float64, optional
        Row weights.

    Returns
    -------
    ndarray of float64, shape (n_groups,)
        AUC per group; NaN where a group lacks positives or negatives.

    Notes
    -----
    The weighted Mann-Whitney statistic: rows are ordered by (group, score)
    with one sort, and each block of tied scores contributes its positive
    weight times the negative weight below it plus half the tied negative
    weight. It equals :func:`sklearn.metrics.roc_auc_score` per group.
    """
    w = np.ones_like(y_score) if sample_weight is None else sample_weight
    score_levels, score_code = np.unique(y_score, return_inverse=True)
    n_scores = score_levels.shape[0]
    key = group.astype(np.int64) * n_scores + score_code
    blocks, block_of_row = np.unique(key, return_inverse=True)
    pos = np.bincount(block_of_row, weights=w * y_true, minlength=blocks.shape[0])
    neg = np.bincount(block_of_row, weights=w * (1 - y_true), minlength=blocks.shape[0])
    block_group = (blocks // n_scores).astype(np.intp)
    neg_per_group = np.bincount(block_group, weights=neg, minlength=n_groups)
    group_start = np.cumsum(neg_per_group) - neg_per_group
    neg_below = np.cumsum(neg) - neg - group_start[block_group]
    u = np.bincount(
        block_group, weights=pos * (neg_below + 0.5 * neg), minlength=n_groups
    )
    pos_per_group = np.bincount(block_group, weights=pos, minlength=n_groups)
    denom = pos_per_group * neg_per_group
    out = np.full(n_groups, np.nan)
    np.divide(u, denom, out=out, where=denom > 0)
    return out
