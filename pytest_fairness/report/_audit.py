"""audit(): inputs -> group codes -> counts -> FairnessReport.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import contextlib
import sys
import warnings
from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from pytest_fairness._escape import terminal
from pytest_fairness._inputs import (
    Column,
    Encoded,
    align_by_index,
    as_1d,
    binarize_labels,
    check_no_missing,
    check_not_probabilities,
    column_names,
    encode_columns,
)
from pytest_fairness._labels import check_labels
from pytest_fairness._validation import (
    check_bool,
    check_choice,
    check_int,
    check_probability,
    fail,
    hint_for,
)
from pytest_fairness.exceptions import FairnessWarning
from pytest_fairness.gates._result import format_group
from pytest_fairness.metrics import (
    METRICS,
    GroupCounts,
    auc_by_group,
    combine_codes,
    count_binary,
    count_regression,
    rate_parts,
    resolve_metric,
    score_sums,
)
from pytest_fairness.metrics._counts import count_cells
from pytest_fairness.metrics._encode import combine_into, slot_space
from pytest_fairness.report._frames import (
    Aggregated,
    aggregate_in_engine,
    collect,
    engine_columns,
    is_dask,
)
from pytest_fairness.report._replicates import MANY_GROUPS, many_groups_message
from pytest_fairness.report._report import (
    CI_METHODS,
    CORRECTIONS,
    CiMethod,
    Correction,
    FairnessReport,
    GroupLabels,
    GroupTable,
    Reference,
    Task,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from numpy.typing import NDArray

__all__ = [
    "DEFAULT_BINARY_METRICS",
    "DEFAULT_REGRESSION_METRICS",
    "Rows",
    "audit",
    "capture_rows",
]


@dataclass(frozen=True, slots=True)
class Rows:
    """The encoded rows behind a binary audit, in their input order.

    A baseline keeps the decisions of these rows so that a later run on the
    same rows can be compared row by row (a paired comparison).

    Attributes
    ----------
    group : ndarray of intp
        Each row's position in the report's ``table.groups``.
    y_true, y_pred : ndarray of uint8
        1 where the label (prediction) is the positive label.
    weight : ndarray of float64 or None
        Row weights, when given.
    """

    group: NDArray[np.intp]
    y_true: NDArray[np.uint8]
    y_pred: NDArray[np.uint8]
    weight: NDArray[np.float64] | None


_ROWS: ContextVar[list[Rows | None] | None] = ContextVar("_ROWS", default=None)


@contextlib.contextmanager
def capture_rows() -> Iterator[list[Rows | None]]:
    """Collect the encoded rows of the audits run inside the block.

    Yields
    ------
    list
        One entry per :func:`audit` call: its :class:`Rows`, or None when
        the audit had no rows of its own (aggregated in a dataframe engine,
        or a continuous target).
    """
    sink: list[Rows | None] = []
    token = _ROWS.set(sink)
    try:
        yield sink
    finally:
        _ROWS.reset(token)


DEFAULT_BINARY_METRICS = (
    "selection_rate",
    "base_rate",
    "tpr",
    "fpr",
    "fnr",
    "tnr",
    "ppv",
    "npv",
    "accuracy",
    "error_rate",
    "count",
)
DEFAULT_SCORE_METRICS = ("auc", "brier", "calibration_error")
DEFAULT_REGRESSION_METRICS = ("mean_prediction", "mae", "count")


def _from_data(data: Any, value: Any, argname: str) -> Any:
    """Resolve a column name against ``data`` (any dataframe)."""
    if value is None or not isinstance(value, str):
        return value
    names = engine_columns(data) or column_names(data)
    if value not in names:
        msg = f"{argname}={value!r} is not a column of data.{hint_for(value, names)}"
        raise fail(msg)
    pd = sys.modules.get("pandas")
    if pd is not None and isinstance(data, pd.DataFrame):
        return data[value]
    if is_dask(data):
        return data[value].compute().to_numpy()
    import narwhals as nw  # noqa: PLC0415 - loaded on first use

    frame = nw.from_native(data)
    if isinstance(frame, nw.LazyFrame):
        frame = collect(frame.select(value))
    return frame[value].to_numpy()


def _aggregate(
    data: Any,
    y_true: Any,
    y_pred: Any,
    sensitive_features: Any,
    y_score: Any,
    sample_weight: Any,
) -> Aggregated | None:
    """Group a non-pandas frame in its engine when every input is a column name."""
    if data is None or y_score is not None:
        return None  # scores need every row (AUC is a ranking)
    if isinstance(sensitive_features, str):
        sensitive_features = [sensitive_features]
    names = [y_true, y_pred, *(sensitive_features or [])]
    if sample_weight is not None:
        names.append(sample_weight)
    if not sensitive_features or not all(isinstance(v, str) for v in names):
        return None
    known = engine_columns(data) or column_names(data)
    for argname, value in [
        ("y_true", y_true),
        ("y_pred", y_pred),
        ("sample_weight", sample_weight),
        *(("sensitive_features", s) for s in sensitive_features),
    ]:
        if value is not None and value not in known:
            msg = (
                f"{argname}={value!r} is not a column of data.{hint_for(value, known)}"
            )
            raise fail(msg)
    return aggregate_in_engine(
        data,
        y_true=y_true,
        y_pred=y_pred,
        sensitive=list(sensitive_features),
        sample_weight=sample_weight,
    )


def _sensitive_from_data(data: Any, sensitive_features: Any) -> Any:
    if isinstance(sensitive_features, str):
        sensitive_features = [sensitive_features]
    if isinstance(sensitive_features, Sequence) and all(
        isinstance(s, str) for s in sensitive_features
    ):
        return {
            s: _from_data(data, s, "sensitive_features") for s in sensitive_features
        }
    return sensitive_features


def _weights(
    sample_weight: Any, n: int, index: Any = None
) -> NDArray[np.float64] | None:
    if sample_weight is None:
        return None
    w = as_1d(sample_weight, "sample_weight")
    if w.shape[0] != n:
        msg = f"sample_weight has {w.shape[0]} rows but y_true has {n}."
        raise fail(msg)
    if w.dtype.kind not in "biuf":
        msg = f"sample_weight must be numeric. Got dtype {w.dtype}."
        raise fail(msg)
    w = w.astype(np.float64)
    check_no_missing(w, "sample_weight", index=index)
    if not np.isfinite(w).all() or (w < 0).any():
        msg = (
            f"sample_weight must be finite and non-negative; "
            f"{int((~np.isfinite(w) | (w < 0)).sum())} rows are not."
        )
        raise fail(msg)
    if w.sum() == 0:
        msg = "sample_weight sums to 0: at least one row must carry weight."
        raise fail(msg)
    return w


def _resolve_metrics(
    metrics: Any, *, has_score: bool
) -> tuple[tuple[str, ...] | None, bool]:
    """Return (canonical metrics or None for defaults, whether explicit)."""
    if metrics is None:
        return None, False
    if isinstance(metrics, str):
        metrics = [metrics]
    names = tuple(dict.fromkeys(resolve_metric(m) for m in metrics))
    if not names:
        msg = "metrics is empty: pass None for the defaults or a list of names."
        raise fail(msg)
    if not has_score:
        needs = [m for m in names if METRICS[m].kind == "score"]
        if needs:
            msg = (
                f"metrics {needs!r} need scores: pass y_score= "
                "(e.g. predict_proba[:, 1])."
            )
            raise fail(msg)
    return names, True


def _is_continuous(y: NDArray[Any]) -> bool:
    if y.dtype.kind != "f":
        return False
    finite = y[~np.isnan(y)]
    return not bool(((finite == 0) | (finite == 1)).all())


#: Largest product of the code ranges of the sensitive columns counted by
#: slot (one bincount over the product); larger products are compressed to
#: the combinations that occur, as :func:`combine_codes` does.
_MAX_SLOTS = 1 << 20


class _GroupCodes:
    """The group of every row, from the encoded sensitive columns.

    While the product of the columns' code ranges is small, a group is a slot
    of that product (unused categories and gaps in integer ranges included)
    and the codes are used as they are: counting needs no array the length of
    the data, and the levels that occur are read from the counts. Beyond it,
    the columns are factorised to their levels and combined as before.
    """

    def __init__(self, columns: Sequence[Encoded], n_rows: int) -> None:
        self.columns = list(columns)
        self.n_rows = n_rows
        self.sizes = [c.size for c in columns]
        self.by_slot = slot_space(self.sizes) <= _MAX_SLOTS
        self._group: NDArray[np.intp] | None = None
        self._remap: list[NDArray[np.intp]] = []
        # the slots count() kept (it drops the empty ones), when it ran
        self._counted: NDArray[np.intp] | None = None
        if self.by_slot:
            self.n_codes = slot_space(self.sizes)
            self._factorised: list[Column] = []
        else:
            self._factorised = [c.column() for c in columns]
            self._group, self._table = combine_codes(
                [c.codes for c in self._factorised],
                [len(c.levels) for c in self._factorised],
            )
            self.n_codes = self._table.shape[0]

    def group(self) -> NDArray[np.intp]:
        """Return the group code of every row (built on first use)."""
        if self._group is None:
            group = np.empty(self.n_rows, dtype=np.intp)
            combine_into(
                [c.codes for c in self.columns],
                [c.offset for c in self.columns],
                self.sizes,
                0,
                self.n_rows,
                group,
            )
            self._group = group
        return self._group

    def count(
        self, y_true: NDArray[np.uint8], y_pred: NDArray[np.uint8]
    ) -> GroupCounts:
        """Count the confusion cells of every group (rows in chunks, no copies)."""
        if not self.by_slot:
            return count_binary(self.group(), self.n_codes, y_true, y_pred)
        cell_rows = count_cells(
            [c.codes for c in self.columns],
            [c.offset for c in self.columns],
            self.sizes,
            y_true,
            y_pred,
        )
        # column by column: sum(axis=1) walks four values at a time
        rows = cell_rows[:, 0] + cell_rows[:, 1] + cell_rows[:, 2] + cell_rows[:, 3]
        present = np.flatnonzero(rows > 0)
        if present.shape[0] != rows.shape[0]:
            cell_rows = cell_rows[present]
            rows = rows[present]
        cells = cell_rows.astype(np.float64)
        # whole numbers: their float sums are the row counts
        counts = GroupCounts(
            rows, rows.astype(np.float64), cells, cell_rows, unweighted=True
        )
        # empty groups are dropped here already: select() by the caller's
        # ``present`` (all of these) would copy for nothing
        self._counted = present
        return counts

    def levels(
        self, present: NDArray[np.intp]
    ) -> tuple[NDArray[np.intp], list[Sequence[Any]]]:
        """Return each group's level codes and each column's levels.

        Parameters
        ----------
        present : ndarray of intp
            The groups (positions among the counted ones) that occur.

        Returns
        -------
        level_table : ndarray of intp, shape (n_present, n_columns)
            The position of each present group's level in its column's levels.
        levels : list of tuple
            The levels of every column that occur, in the order of
            :func:`~pytest_fairness._inputs.factorize`.
        """
        if not self.by_slot:
            return self._table[present], [c.levels for c in self._factorised]
        slots = present if self._counted is None else self._counted[present]
        table = np.empty((slots.shape[0], len(self.columns)), dtype=np.intp)
        rest = slots.copy()
        for j in range(len(self.columns) - 1, -1, -1):
            table[:, j] = rest % self.sizes[j]
            rest //= self.sizes[j]
        levels: list[Sequence[Any]] = []
        for j, col in enumerate(self.columns):
            occurs = np.bincount(table[:, j], minlength=self.sizes[j]) > 0
            remap = np.cumsum(occurs).astype(np.intp) - 1
            self._remap.append(remap)  # for column_codes()
            table[:, j] = remap[table[:, j]]
            levels.append(col.levels_of(np.flatnonzero(occurs)))
        return table, levels

    def column_codes(self, j: int) -> NDArray[np.intp]:
        """Return every row's level position in column ``j`` (after :meth:`levels`)."""
        if not self.by_slot:
            return self._factorised[j].codes
        col = self.columns[j]
        slot = col.codes.astype(np.intp)
        if col.offset:
            slot -= col.offset
        return self._remap[j][slot]


def audit(
    y_true: Any = None,
    y_pred: Any = None,
    *,
    sensitive_features: Any,
    data: Any = None,
    y_score: Any = None,
    sample_weight: Any = None,
    metrics: Sequence[str] | str | None = None,
    intersectional: bool = True,
    min_group_size: int = 30,
    min_denominator: int = 10,
    reference: Reference = None,
    pos_label: Any = None,
    confidence: float | None = None,
    n_boot: int = 1000,
    random_state: int | None = 0,
    ci_method: CiMethod = "bootstrap",
    correction: Correction = "holm",
) -> FairnessReport:
    """Measure a model's metrics for every group and the disparities between them.

    Parameters
    ----------
    y_true : array-like or str
        True labels (0/1, booleans, or two values with ``pos_label``), or
        continuous targets. With ``data``, a column name.
    y_pred : array-like or str
        Predicted labels (or continuous predictions). With ``data``, a column
        name.
    sensitive_features : array-like, Series, DataFrame, dict, or column names
        The column(s) defining the groups, as fairlearn accepts them; with
        ``data``, column names.
    data : DataFrame, optional
        A pandas, polars, pyarrow, DuckDB, PySpark or Dask frame (or another
        narwhals-supported one) holding the columns named by ``y_true``,
        ``y_pred``, ``sensitive_features``, ``y_score`` and
        ``sample_weight``. Outside pandas, the rows are counted inside the
        engine (Dask partition by partition in its workers) and only the
        counts of each combination come back.
    y_score : array-like or str, optional
        Scores of the positive class in [0, 1], for ``auc``, ``brier`` and
        ``calibration_error``.
    sample_weight : array-like or str, optional
        Non-negative row weights. ``count`` stays the unweighted number of rows.
    metrics : sequence of str, optional
        Metrics to show per group (aliases accepted). Defaults to every rate
        for binary targets (plus the score metrics with ``y_score``) and
        ``mean_prediction``, ``mae`` and ``count`` for continuous targets.
        Disparities of any binary rate can be asked for either way: they all
        derive from the same counts.
    intersectional : bool, default=True
        Compare the intersections of all sensitive columns (True) or the
        groups of each column separately, reporting the worst column (False).
    min_group_size : int, default=30
        Groups with fewer rows are reported and flagged but left out of
        disparities, with a :class:`~pytest_fairness.FairnessWarning`.
    min_denominator : int, default=10
        A group's rate takes part in a disparity only when at least this many
        rows make up the rate's denominator: actual positives for TPR and
        FNR, actual negatives for FPR and TNR, predicted positives for PPV,
        predicted negatives for NPV (rows for the selection rate and
        accuracy, which ``min_group_size`` already covers). A TPR from three
        positives moves by 0.33 with one decision. Groups left out are
        listed in the disparity's ``excluded``; ``1`` turns the limit off.
        (New in 0.2.)
    reference : None, "majority", group, or dict, default=None
        None compares groups between themselves (``max - min`` and
        ``min / max``, as fairlearn); ``"majority"`` compares every group with
        the largest; a group label (a tuple of levels for intersections, or a
        dict of column to level) compares every group with that one.
    pos_label : object, optional
        The favourable label, when it cannot be inferred (0/1, booleans and
        -1/1 need none).
    confidence : float, optional
        Confidence level of intervals, e.g. 0.95. With it, ``by_group`` gains
        ``<rate>_low`` / ``<rate>_high`` columns (Wilson intervals), every
        disparity an interval, and gates three verdicts: a bound passes only
        when its whole interval satisfies it, fails when the whole interval
        violates it, and is inconclusive otherwise. Binary targets only.
    n_boot : int, default=1000
        Bootstrap replicates for disparity intervals. The bootstrap resamples
        each group's confusion cells, not the rows: its cost does not grow
        with the number of rows.
    random_state : int or None, default=0
        Seed of the bootstrap; the same seed gives bit-identical intervals.
    ci_method : {"bootstrap", "newcombe"}, default="bootstrap"
        Interval of disparities: a percentile bootstrap on counts (every
        disparity, including ratios and equalized odds), or Newcombe's score
        interval for the difference of the worst pair (single-metric
        differences only). Rates always use Wilson intervals.
    correction : {"holm", "bonferroni", "none"}, default="holm"
        Multiple-comparison correction across the bounds of one gate.

    Returns
    -------
    FairnessReport
        Per-group metrics (``by_group``), ``overall`` values, disparities and
        gates (``check``, ``assert_within``).

    Raises
    ------
    FairnessValueError
        On mismatched lengths, missing values, more than two label values for
        binary metrics, unknown metric names, bad weights or empty input. The
        message names the argument and what was expected.

    Warns
    -----
    FairnessWarning
        When some groups are smaller than ``min_group_size``.

    See Also
    --------
    FairnessReport.check : Evaluate bounds on the disparities.

    Notes
    -----
    The sensitive columns are factorised into one integer group code per
    row, and a single ``np.bincount`` counts the weighted confusion cells
    (TN, FP, FN, TP) of every group. Every rate and disparity is then a
    function of those counts; marginal groups and the overall population are
    sums of the intersection counts. No loop runs over rows.

    Examples
    --------
    >>> import pytest_fairness as pf
    >>> report = pf.audit(
    ...     [1, 0, 1, 1, 0, 1], [1, 0, 1, 0, 0, 0],
    ...     sensitive_features=["a", "a", "a", "b", "b", "b"],
    ...     min_group_size=1,
    ... )
    >>> report.by_group["selection_rate"].round(3).to_dict()
    {'a': 0.667, 'b': 0.0}
    >>> round(report.demographic_parity_difference, 3)
    0.667
    >>> bool(report.check({"demographic_parity_difference": 0.1}))
    False
    """
    row_counts = weight_sq = None
    aggregated = _aggregate(
        data, y_true, y_pred, sensitive_features, y_score, sample_weight
    )
    if aggregated is not None:
        y_true, y_pred = aggregated.y_true, aggregated.y_pred
        sensitive_features = aggregated.sensitive
        sample_weight = aggregated.weight
        row_counts, weight_sq = aggregated.rows, aggregated.weight_sq
    elif data is not None:
        y_true = _from_data(data, y_true, "y_true")
        y_pred = _from_data(data, y_pred, "y_pred")
        y_score = _from_data(data, y_score, "y_score")
        sample_weight = _from_data(data, sample_weight, "sample_weight")
        sensitive_features = _sensitive_from_data(data, sensitive_features)
    else:
        _no_column_names(
            y_true=y_true, y_pred=y_pred, y_score=y_score, sample_weight=sample_weight
        )
    (y_true, y_pred, sensitive_features, sample_weight, y_score), row_labels = (
        align_by_index(
            [
                ("y_true", y_true),
                ("y_pred", y_pred),
                ("sensitive_features", sensitive_features),
                ("sample_weight", sample_weight),
                ("y_score", y_score),
            ]
        )
    )
    min_group_size = check_int("min_group_size", min_group_size, minimum=1)
    min_denominator = check_int("min_denominator", min_denominator, minimum=1)
    if confidence is not None:
        confidence = check_probability("confidence", confidence)
    n_boot = check_int("n_boot", n_boot, minimum=100)
    check_choice("ci_method", ci_method, CI_METHODS)
    check_choice("correction", correction, CORRECTIONS)
    if random_state is not None:
        random_state = check_int("random_state", random_state, minimum=0)
    intersectional = check_bool("intersectional", intersectional)

    yt = as_1d(y_true, "y_true")
    yp = as_1d(y_pred, "y_pred")
    n = yt.shape[0]
    if yp.shape[0] != n:
        msg = f"y_pred has {yp.shape[0]} rows but y_true has {n}. They must match."
        raise fail(msg)
    if n == 0:
        msg = "y_true is empty: there is nothing to audit."
        raise fail(msg)
    if row_labels is not None and len(row_labels) != n:
        row_labels = None
    check_no_missing(yt, "y_true", index=row_labels)
    check_no_missing(yp, "y_pred", index=row_labels)
    w = _weights(sample_weight, n, row_labels)
    score = None
    if y_score is not None:
        score = as_1d(y_score, "y_score")
        if score.shape[0] != n:
            msg = f"y_score has {score.shape[0]} rows but y_true has {n}."
            raise fail(msg)
        if score.dtype.kind not in "biuf":
            msg = f"y_score must be numeric. Got dtype {score.dtype}."
            raise fail(msg)
        score = score.astype(np.float64)
        check_no_missing(score, "y_score", index=row_labels)
    chosen, explicit = _resolve_metrics(metrics, has_score=score is not None)

    kinds = {METRICS[m].kind for m in chosen or ()}
    if "regression" not in kinds:
        check_not_probabilities(yt, yp)
    regression = "regression" in kinds or (
        not explicit and (_is_continuous(yp) or _is_continuous(yt))
    )
    if regression and kinds & {"binary", "score"}:
        msg = (
            f"metrics {list(chosen or ())!r} mix metrics of continuous targets with "
            "binary ones; audit them separately."
        )
        raise fail(msg)
    if regression and confidence is not None:
        msg = (
            "confidence intervals are available for binary targets; this audit "
            "has a continuous target. Pass confidence=None."
        )
        raise fail(msg)

    columns = encode_columns(sensitive_features, n, index=row_labels)
    for c in columns:
        c.check_levels()
    codes = _GroupCodes(columns, n)
    n_codes = codes.n_codes
    sink = _ROWS.get()
    extra_codes: dict[str, NDArray[np.float64]] = {}
    if regression:
        for arr, name in ((yt, "y_true"), (yp, "y_pred")):
            if arr.dtype.kind not in "biuf":
                msg = f"{name} must be numeric for continuous targets. Got {arr.dtype}."
                raise fail(msg)
            check_no_missing(arr, name)
        counts = count_regression(
            codes.group(),
            n_codes,
            yt.astype(np.float64),
            yp.astype(np.float64),
            w,
            row_counts=row_counts,
        )
        labels_pos: Any = None
        task: Task = "regression"
        metric_names = chosen or DEFAULT_REGRESSION_METRICS
    else:
        labels = binarize_labels(yt, yp, pos_label)
        labels_pos = labels.pos_label
        check_labels([labels_pos], "pos_label")
        if w is None and row_counts is None and score is None and sink is None:
            counts = codes.count(labels.y_true, labels.y_pred)
        else:
            counts = count_binary(
                codes.group(),
                n_codes,
                labels.y_true,
                labels.y_pred,
                w,
                row_counts=row_counts,
                weight_sq=weight_sq,
            )
        task = "binary"
        metric_names = chosen or (
            DEFAULT_BINARY_METRICS[:-1]
            + (DEFAULT_SCORE_METRICS if score is not None else ())
            + ("count",)
        )
        if score is not None:
            if (score < 0).any() or (score > 1).any():
                needs_unit = [
                    m for m in metric_names if m in ("brier", "calibration_error")
                ]
                if needs_unit:
                    msg = (
                        f"y_score must lie in [0, 1] for {needs_unit}; pass "
                        "probabilities (predict_proba[:, 1])."
                    )
                    raise fail(msg)
            else:
                counts = GroupCounts(
                    counts.rows,
                    counts.weight,
                    counts.cells,
                    counts.cell_rows,
                    {
                        **counts.sums,
                        **score_sums(codes.group(), n_codes, labels.y_true, score, w),
                    },
                    counts.unweighted,
                )
            if "auc" in metric_names:
                extra_codes["auc"] = auc_by_group(
                    codes.group(), n_codes, labels.y_true, score, w
                )
        if explicit:
            _check_single_class(counts, metric_names, labels.classes)

    present = np.flatnonzero(counts.rows > 0)
    if sink is not None:
        rows = None
        if task == "binary" and row_counts is None:
            position = np.full(n_codes, -1, dtype=np.intp)
            position[present] = np.arange(present.shape[0])
            rows = Rows(position[codes.group()], labels.y_true, labels.y_pred, w)
        sink.append(rows)
    if present.shape[0] != counts.n_groups:
        counts = counts.select(present)
    level_table, levels = codes.levels(present)
    attributes = tuple(c.name for c in columns)
    table = GroupTable(
        attributes,
        GroupLabels(level_table, levels),
        counts,
        {k: v[present] for k, v in extra_codes.items()},
        codes=level_table,
    )
    marginals = {}
    for j, col in enumerate(columns):
        extra = {}
        if "auc" in extra_codes and score is not None:
            extra["auc"] = auc_by_group(
                codes.column_codes(j), len(levels[j]), labels.y_true, score, w
            )
        if len(columns) == 1:
            # one column: its groups are the table's, their counts too
            marginals[col.name] = GroupTable(
                (col.name,), table.groups, counts, extra, codes=level_table
            )
            continue
        marginals[col.name] = GroupTable(
            (col.name,),
            GroupLabels(np.arange(len(levels[j]))[:, None], [levels[j]]),
            counts.aggregate(level_table[:, j], len(levels[j])),
            extra,
        )
    overall_extra = {}
    if "auc" in extra_codes and score is not None:
        overall_extra["auc"] = auc_by_group(
            np.zeros(n, dtype=np.intp), 1, labels.y_true, score, w
        )
    overall = GroupTable((), ((),), counts.total(), overall_extra)
    report = FairnessReport(
        table=table,
        marginals=marginals,
        overall_table=overall,
        metrics=tuple(metric_names),
        task=task,
        intersectional=bool(intersectional),
        min_group_size=min_group_size,
        min_denominator=min_denominator,
        reference=_check_reference(reference),
        pos_label=labels_pos,
        n_rows=n if row_counts is None else int(row_counts.sum()),
        confidence=confidence,
        n_boot=n_boot,
        random_state=random_state,
        ci_method=ci_method,
        correction=correction,
    )
    if reference is not None:
        for attr, t in report._tables(None):
            report._reference_index(t, attr)
    _warn_small(report, columns)
    if confidence is not None:
        _warn_many(report)
    return report


def _no_column_names(**inputs: Any) -> None:
    """Refuse column names given without the frame that holds them."""
    for argname, value in inputs.items():
        if isinstance(value, str):
            msg = (
                f"{argname}={value!r} is a column name; pass data=frame "
                "(or the column itself)."
            )
            raise fail(msg)


def _check_reference(reference: Any) -> Reference:
    if isinstance(reference, list):
        reference = tuple(reference)
    if reference is None or isinstance(reference, str | tuple | Mapping):
        return reference
    return (reference,)


def _check_single_class(
    counts: GroupCounts, metric_names: Sequence[str], classes: Sequence[Any]
) -> None:
    total = counts.total()
    for m in metric_names:
        if METRICS[m].kind != "binary":
            continue
        _, den = rate_parts(total, m)
        if den[0] == 0:
            msg = (
                f"{m} is undefined for every group: {METRICS[m].undefined_when} "
                f"anywhere in the data (label values seen: {list(classes)!r}). "
                f"A rate like {m} needs both classes; drop it from metrics."
            )
            raise fail(msg)


def _warn_many(report: FairnessReport) -> None:
    n_compared = sum(
        int(np.count_nonzero(t.counts.rows >= report.min_group_size))
        for _, t in report._tables(None)
    )
    if n_compared > MANY_GROUPS:
        message = many_groups_message(n_compared, report.n_groups, report.n_boot)
        warnings.warn(FairnessWarning(message), stacklevel=3)


def _warn_small(report: FairnessReport, columns: Sequence[Encoded]) -> None:
    small = report._small_positions()
    n_small = sum(len(idx) for _, idx in small)
    if not n_small:
        return
    shown_groups = [
        f"{terminal(format_group(t.groups[i]))} (n={int(t.counts.rows[i])})"
        for t, idx in small
        for i in idx[:10].tolist()
    ][:10]
    shown = "; ".join(shown_groups)
    more = f" and {n_small - 10} more" if n_small > 10 else ""
    names = terminal(" × ".join(c.name for c in columns))
    warnings.warn(
        FairnessWarning(
            f"{n_small} group(s) of {names} have fewer than "
            f"min_group_size={report.min_group_size} rows and are left out of "
            f"disparities: {shown}{more}."
        ),
        stacklevel=3,
    )
