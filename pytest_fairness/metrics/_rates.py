"""Per-group metric values from counts, with one zero-division policy.

A rate whose denominator is empty for a group (TPR of a group with no actual
positives, PPV of a group with no predicted positives, any rate of an empty
group) is NaN, never 0; the report says why and leaves that group out of the
disparities of that metric.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from pytest_fairness.metrics._registry import METRICS

if TYPE_CHECKING:
    from collections.abc import Mapping

    from numpy.typing import NDArray

    from pytest_fairness.metrics._counts import GroupCounts

__all__ = [
    "cell_parts",
    "metric_values",
    "rate_from_cells",
    "rate_parts",
    "whole_cells",
]


def _ratio(num: NDArray[np.float64], den: NDArray[np.float64]) -> NDArray[np.float64]:
    out = np.full(np.shape(num), np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


def rate_parts(
    counts: GroupCounts, metric: str
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Return the weighted numerator and denominator of a binary rate per group.

    Parameters
    ----------
    counts : GroupCounts
        Counts with confusion cells.
    metric : str
        Canonical name of a binary metric.

    Returns
    -------
    numerator, denominator : ndarray of float64
        The summed confusion cells above and below the fraction bar.
    """
    if counts.cells is None:
        msg = f"{metric} needs binary labels and predictions"
        raise ValueError(msg)
    if counts.cell_rows is not None and whole_cells(counts):
        # unweighted: the cells are the rows, whose sums are exact in any order
        num, den = cell_parts(counts.cell_rows, metric)
        return num.astype(np.float64), den.astype(np.float64)
    return cell_parts(counts.cells, metric)


def whole_cells(counts: GroupCounts) -> bool:
    """Whether the (weighted) cells are the row counts, as without weights.

    Parameters
    ----------
    counts : GroupCounts
        Counts with confusion cells.

    Returns
    -------
    bool
        True when ``cells`` equals ``cell_rows``.
    """
    if counts.cells is None or counts.cell_rows is None:
        return False
    if counts.unweighted:
        return True
    return "cell_w2" not in counts.sums and bool(
        np.array_equal(counts.cells, counts.cell_rows)
    )


def cell_parts(cells: NDArray[Any], metric: str) -> tuple[NDArray[Any], NDArray[Any]]:
    """Sum the numerator and denominator cells of a binary rate.

    Parameters
    ----------
    cells : ndarray, shape (..., 4)
        Confusion cells TN, FP, FN, TP in the last axis (per group, or per
        bootstrap replicate and group), weighted (float) or rows (int).
    metric : str
        Canonical name of a binary metric.

    Returns
    -------
    numerator, denominator : ndarray of float64, shape (...)
        The summed cells above and below the fraction bar.
    """
    spec = METRICS[metric]
    if cells.dtype.kind in "iu":
        # whole numbers: added column by column (exact in any order, and
        # without the copy of the selected cells)
        def total(idx: tuple[int, ...]) -> NDArray[Any]:
            out = cells[..., idx[0]]
            for i in idx[1:]:
                out = out + cells[..., i]
            return out

        return total(spec.numerator), total(spec.denominator)
    return (
        cells[..., list(spec.numerator)].sum(axis=-1),
        cells[..., list(spec.denominator)].sum(axis=-1),
    )


def rate_from_cells(cells: NDArray[np.float64], metric: str) -> NDArray[np.float64]:
    """Compute a binary rate from confusion cells, NaN where undefined.

    Parameters
    ----------
    cells : ndarray of float64, shape (..., 4)
        Confusion cells in the last axis.
    metric : str
        Canonical name of a binary metric.

    Returns
    -------
    ndarray of float64, shape (...)
        The rate; NaN where its denominator is empty (the zero-division
        policy of this module).
    """
    return _ratio(*cell_parts(cells, metric))


def metric_values(
    counts: GroupCounts,
    metric: str,
    extra: Mapping[str, NDArray[np.float64]] | None = None,
) -> NDArray[np.float64]:
    """Compute one metric for every group from its counts.

    Parameters
    ----------
    counts : GroupCounts
        Sufficient statistics of the groups.
    metric : str
        Canonical metric name (see :data:`~pytest_fairness.metrics.METRICS`).
    extra : mapping, optional
        Values that are not sums of rows, computed beside the counts
        (``auc``).

    Returns
    -------
    ndarray of float64, shape (n_groups,)
        The metric per group, NaN where it is undefined.
    """
    spec = METRICS[metric]
    if metric == "count":
        return counts.rows.astype(np.float64)
    if spec.kind == "binary":
        return _ratio(*rate_parts(counts, metric))
    if metric == "auc":
        if extra is None or "auc" not in extra:
            msg = "auc needs y_score"
            raise ValueError(msg)
        return np.asarray(extra["auc"], dtype=np.float64)
    if metric == "brier":
        return _ratio(counts.sums["brier"], counts.weight)
    if metric == "calibration_error":
        gap = np.abs(counts.sums["cal_score"] - counts.sums["cal_true"]).sum(axis=1)
        return _ratio(gap, counts.weight)
    if metric == "mean_prediction":
        return _ratio(counts.sums["pred"], counts.weight)
    if metric == "mae":
        return _ratio(counts.sums["abs_error"], counts.weight)
    raise NotImplementedError(metric)  # pragma: no cover - registry and code agree
