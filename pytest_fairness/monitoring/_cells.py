"""Window x group cells from the engine's counts, and the reports built on them.

A window's report is built exactly as :func:`pytest_fairness.audit` builds
one from that window's rows: the same groups (those with rows in the
window), marginal groups summed from them, the same settings, so every
metric, disparity and interval is the audit's.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from pytest_fairness._inputs import binarize_labels, sensitive_columns
from pytest_fairness._labels import check_labels
from pytest_fairness.metrics import GroupCounts, combine_codes
from pytest_fairness.monitoring._engine import N_BINS, WindowCounts, labelled_mask
from pytest_fairness.report._report import FairnessReport, GroupTable

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["Cells", "ReportSettings", "encode", "window_report"]


@dataclass(frozen=True, slots=True)
class ReportSettings:
    """The audit settings every window's report shares."""

    metrics: tuple[str, ...]
    intersectional: bool
    min_group_size: int
    min_denominator: int
    reference: Any
    n_boot: int
    random_state: int | None


@dataclass(frozen=True, slots=True)
class Cells:
    """The log as cells of every window and group.

    Attributes
    ----------
    attributes : tuple of str
        Sensitive columns.
    levels : list of tuple
        The levels of each sensitive column (sorted where they sort).
    groups : tuple of tuple
        Every group that occurs in some window, in the audit's order.
    level_table : ndarray of intp, shape (n_groups, n_attributes)
        Each group's level code per column.
    first_key : int
        Window number of the first window.
    labelled : ndarray of float64, shape (n_windows, n_groups, 4)
        Confusion cells (TN, FP, FN, TP) of the rows whose label is known.
    decisions : ndarray of float64, shape (n_windows, n_groups, 2)
        Rows not selected and selected, label known or not.
    score : dict of str to ndarray or None
        With scores: the audit's score sums of the labelled rows per window
        (``brier`` of shape (n_windows, n_groups), ``cal_score`` and
        ``cal_true`` of shape (n_windows, n_groups, 10)) and ``total`` (the
        sum of every row's score, shape (n_windows, n_groups)).
    pos_label : object
        The positive label.
    has_labels : bool
        Whether a label column was given.
    """

    attributes: tuple[str, ...]
    levels: list[tuple[Any, ...]]
    groups: tuple[tuple[Any, ...], ...]
    level_table: NDArray[np.intp]
    first_key: int
    labelled: NDArray[np.float64]
    decisions: NDArray[np.float64]
    score: dict[str, NDArray[np.float64]] | None
    pos_label: Any
    has_labels: bool

    @property
    def n_windows(self) -> int:
        """Number of windows from the first to the last with rows."""
        return int(self.decisions.shape[0])

    @property
    def n_groups(self) -> int:
        """Number of groups that occur in some window."""
        return len(self.groups)

    def rows(self) -> NDArray[np.float64]:
        """Rows of every window and group, shape (n_windows, n_groups)."""
        return np.asarray(self.decisions.sum(axis=2), dtype=np.float64)

    def decision_cells(self, w: Any) -> NDArray[np.float64]:
        """Cells of every row with the label set aside (counted as negative).

        Only the rates of decisions (``selection_rate``) may be read from
        them.
        """
        d = self.decisions[w]
        out = np.zeros((*d.shape[:-1], 4))
        out[..., 0], out[..., 1] = d[..., 0], d[..., 1]
        return out


def encode(
    counts: WindowCounts, sensitive: list[str], pos_label: Any, has_labels: bool
) -> Cells:
    """Turn the engine's counts into window x group cells.

    Parameters
    ----------
    counts : WindowCounts
        The engine's counts.
    sensitive : list of str
        Sensitive columns.
    pos_label : object
        The favourable label, when it cannot be inferred.
    has_labels : bool
        Whether ``counts.y_true`` holds labels.

    Returns
    -------
    Cells
        The cells.
    """
    n = counts.rows.shape[0]
    columns = sensitive_columns({s: counts.sensitive[s] for s in sensitive}, n)
    for c in columns:
        check_labels(c.levels, f"sensitive feature {c.name!r}")
    code, table = combine_codes(
        [c.codes for c in columns], [len(c.levels) for c in columns]
    )
    used, group = np.unique(code, return_inverse=True)
    level_table = table[used]
    n_groups = used.shape[0]
    key = counts.key
    first = int(key.min())
    window = (key - first).astype(np.intp)
    n_windows = int(window.max()) + 1
    known = (
        labelled_mask(counts.y_true)
        if has_labels and counts.y_true is not None
        else np.zeros(n, dtype=bool)
    )
    y_true = counts.y_true[known] if counts.y_true is not None else np.zeros(0)
    labels = binarize_labels(np.asarray(y_true), counts.y_pred, pos_label)
    check_labels([labels.pos_label], "pos_label")
    pred = labels.y_pred.astype(np.intp)
    rows = counts.rows.astype(np.float64)
    base = window * n_groups + group
    decisions = np.bincount(
        base * 2 + pred, weights=rows, minlength=n_windows * n_groups * 2
    )
    cell = base[known] * 4 + 2 * labels.y_true.astype(np.intp) + pred[known]
    labelled = np.bincount(
        cell, weights=rows[known], minlength=n_windows * n_groups * 4
    )
    score: dict[str, NDArray[np.float64]] | None = None
    if (
        counts.score_bin is not None
        and counts.score_sum is not None
        and counts.score_sq is not None
    ):
        y = labels.y_true.astype(np.float64)
        s, s2 = counts.score_sum[known], counts.score_sq[known]
        size = n_windows * n_groups
        k = base[known]
        # sum over rows of (s - y)^2 = sum s^2 - 2 y sum s + y * rows (y is 0 or 1)
        brier = np.bincount(k, weights=s2 - 2 * y * s + y * rows[known], minlength=size)
        kb = k * N_BINS + counts.score_bin[known]
        cal_score = np.bincount(kb, weights=s, minlength=size * N_BINS)
        cal_true = np.bincount(kb, weights=y * rows[known], minlength=size * N_BINS)
        total = np.bincount(base, weights=counts.score_sum, minlength=size)
        score = {
            "brier": brier.reshape(n_windows, n_groups).astype(np.float64),
            "cal_score": cal_score.reshape(n_windows, n_groups, N_BINS).astype(
                np.float64
            ),
            "cal_true": cal_true.reshape(n_windows, n_groups, N_BINS).astype(
                np.float64
            ),
            "total": total.reshape(n_windows, n_groups).astype(np.float64),
        }
    groups = tuple(
        tuple(columns[j].levels[level_table[i, j]] for j in range(len(columns)))
        for i in range(n_groups)
    )
    return Cells(
        attributes=tuple(c.name for c in columns),
        levels=[c.levels for c in columns],
        groups=groups,
        level_table=level_table,
        first_key=first,
        labelled=labelled.reshape(n_windows, n_groups, 4).astype(np.float64),
        decisions=decisions.reshape(n_windows, n_groups, 2).astype(np.float64),
        score=score,
        pos_label=labels.pos_label,
        has_labels=has_labels,
    )


def window_report(
    cells: Cells,
    confusion: NDArray[np.float64],
    settings: ReportSettings,
    *,
    confidence: float | None,
    sums: dict[str, NDArray[np.float64]] | None = None,
) -> tuple[FairnessReport, NDArray[np.intp]] | None:
    """Build the report of one window (or period) from its cells.

    Parameters
    ----------
    cells : Cells
        The log's cells (for the groups and levels).
    confusion : ndarray, shape (n_groups, 4)
        The window's confusion cells of every group.
    settings : ReportSettings
        The audit settings.
    confidence : float or None
        Confidence level of the report's intervals and verdicts.
    sums : dict of str to ndarray, optional
        Score sums of every group (``brier``, ``cal_score``, ``cal_true``).

    Returns
    -------
    tuple of (FairnessReport, ndarray of intp) or None
        The report and the positions (in ``cells.groups``) of its groups;
        None when the window has no rows.
    """
    rows_all = confusion.sum(axis=1)
    present = np.flatnonzero(rows_all > 0)
    if present.size == 0:
        return None
    cell_rows = np.rint(confusion[present]).astype(np.int64)
    extra = {} if sums is None else {k: v[present] for k, v in sums.items()}
    counts = GroupCounts(
        cell_rows.sum(axis=1),
        cell_rows.sum(axis=1).astype(np.float64),
        cell_rows.astype(np.float64),
        cell_rows,
        extra,
    )
    level_table = cells.level_table[present]
    groups = tuple(cells.groups[i] for i in present)
    table = GroupTable(cells.attributes, groups, counts)
    marginals = {}
    for j, name in enumerate(cells.attributes):
        codes = np.unique(level_table[:, j])
        position = np.full(len(cells.levels[j]), -1, dtype=np.intp)
        position[codes] = np.arange(codes.shape[0])
        marginals[name] = GroupTable(
            (name,),
            tuple((cells.levels[j][c],) for c in codes),
            counts.aggregate(position[level_table[:, j]], codes.shape[0]),
        )
    report = FairnessReport(
        table=table,
        marginals=marginals,
        overall_table=GroupTable((), ((),), counts.total()),
        metrics=settings.metrics,
        task="binary",
        intersectional=settings.intersectional,
        min_group_size=settings.min_group_size,
        min_denominator=settings.min_denominator,
        reference=settings.reference,
        pos_label=cells.pos_label,
        n_rows=int(counts.rows.sum()),
        confidence=confidence,
        n_boot=settings.n_boot,
        random_state=settings.random_state,
    )
    return report, present
