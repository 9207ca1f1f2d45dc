"""Aggregate a dataframe inside its own engine: only the counts come back.

For the column-name form of :func:`~pytest_fairness.audit` on a polars, DuckDB,
pyarrow, Spark ... frame (anything narwhals reads), the rows are grouped by
(labels, predictions, sensitive columns) where they live; the audit then runs
on one row per distinct combination with its row count and weight sums, which
gives exactly the counts it would have computed from the rows.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from pytest_fairness._validation import fail

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import NDArray

__all__ = [
    "Aggregated",
    "aggregate_frame",
    "aggregate_in_engine",
    "collect",
    "dask_partitions",
    "engine_columns",
    "is_dask",
]

_ROWS, _W, _W2, _WN = (
    "__pytest_fairness_rows__",
    "__pytest_fairness_w__",
    "__pytest_fairness_w2__",
    "__pytest_fairness_wn__",
)


@dataclass(frozen=True, slots=True)
class Aggregated:
    """One row per distinct (y_true, y_pred, sensitive levels) combination.

    Attributes
    ----------
    y_true, y_pred : ndarray
        The combination's label and prediction.
    sensitive : dict of str to ndarray
        The combination's level of each sensitive column.
    rows : ndarray of int64
        Number of rows with that combination.
    weight, weight_sq : ndarray of float64 or None
        Sums of the sample weights and of their squares, when weighted.
    """

    y_true: NDArray[Any]
    y_pred: NDArray[Any]
    sensitive: dict[str, NDArray[Any]]
    rows: NDArray[np.int64]
    weight: NDArray[np.float64] | None
    weight_sq: NDArray[np.float64] | None


def is_dask(data: Any) -> bool:
    """Return whether ``data`` is a Dask DataFrame (without importing Dask).

    Parameters
    ----------
    data : object
        Anything.

    Returns
    -------
    bool
        True for a ``dask.dataframe.DataFrame``.
    """
    dd = sys.modules.get("dask.dataframe")
    return dd is not None and isinstance(data, dd.DataFrame)


def engine_columns(data: Any) -> list[str] | None:
    """Return the column names of a Dask frame from its metadata, else None.

    Parameters
    ----------
    data : object
        A frame.

    Returns
    -------
    list of str or None
        The columns of a Dask DataFrame (nothing is computed); None for any
        other frame, whose names :func:`pytest_fairness._inputs.column_names`
        reads.
    """
    if is_dask(data):
        return [str(c) for c in data.columns]
    return None


def dask_partitions(data: Any, func: Any, *args: Any) -> list[Any]:
    """Run ``func(partition, *args)`` on every partition of a Dask frame.

    Each partition is a pandas DataFrame in the worker that holds it; only
    what ``func`` returns (small counts) travels back. The scheduler is
    Dask's current one: a ``distributed.Client`` when one is active.

    Parameters
    ----------
    data : dask.dataframe.DataFrame
        The frame.
    func : callable
        Called once per partition with a pandas DataFrame.
    *args : object
        Further arguments of ``func``.

    Returns
    -------
    list
        ``func``'s result for each partition, in partition order.
    """
    from dask import compute, delayed  # type: ignore[attr-defined]  # noqa: PLC0415

    parts = [delayed(func)(part, *args) for part in data.to_delayed()]
    return list(compute(*parts))  # type: ignore[no-untyped-call]


def collect(frame: Any) -> Any:
    """Collect a small narwhals result eagerly (polars, else pandas).

    Parameters
    ----------
    frame : narwhals DataFrame or LazyFrame
        A result of a few rows (counts).

    Returns
    -------
    narwhals DataFrame
        The eager result.
    """
    return _collect(frame)


def _collect(frame: Any) -> Any:
    """Collect a small lazy result eagerly (polars, else pandas).

    Some engines export to polars through pyarrow; when that is missing the
    pandas export is tried before giving up.
    """
    import narwhals as nw  # noqa: PLC0415 - optional dataframe support

    if not isinstance(frame, nw.LazyFrame):
        return frame
    error: ImportError | None = None
    for backend in ("polars", "pandas"):
        try:
            return frame.collect(backend=backend)
        except ImportError as exc:  # the backend or its bridge is missing
            error = exc
    raise error  # type: ignore[misc]


def aggregate_in_engine(
    data: Any,
    *,
    y_true: str,
    y_pred: str,
    sensitive: Sequence[str],
    sample_weight: str | None,
) -> Aggregated | None:
    """Group a non-pandas frame by labels, predictions and sensitive columns.

    Parameters
    ----------
    data : DataFrame or LazyFrame
        Any frame narwhals reads (polars, DuckDB, pyarrow, Spark, ...).
    y_true, y_pred : str
        Label and prediction columns.
    sensitive : sequence of str
        Sensitive columns.
    sample_weight : str or None
        Weight column.

    Returns
    -------
    Aggregated or None
        The aggregated combinations; None for pandas frames (audited in
        memory, which is faster) or when narwhals cannot read ``data``.

    Raises
    ------
    FairnessValueError
        When a used column holds missing values (counted in the engine).
    """
    pd = sys.modules.get("pandas")
    if pd is not None and isinstance(data, pd.DataFrame):
        return None
    try:
        import narwhals as nw  # noqa: PLC0415 - optional dataframe support
    except ImportError:  # pragma: no cover - narwhals ships with the frames extra
        return None
    if is_dask(data):
        return _aggregate_dask(
            data,
            y_true=y_true,
            y_pred=y_pred,
            sensitive=sensitive,
            sample_weight=sample_weight,
        )
    try:
        frame = nw.from_native(data)
    except TypeError:
        return None
    return aggregate_frame(
        frame,
        y_true=y_true,
        y_pred=y_pred,
        sensitive=sensitive,
        sample_weight=sample_weight,
    )


def _has_missing(grouped: Any, keys: Sequence[str], sample_weight: str | None) -> bool:
    """Whether the grouped result holds a missing key or weight."""
    import narwhals as nw  # noqa: PLC0415 - optional dataframe support

    schema = grouped.collect_schema()
    checks = []
    for col in keys:
        missing = nw.col(col).is_null()
        if schema[col].is_float():
            missing = missing | nw.col(col).is_nan()
        checks.append(missing.any().alias(col))
    if sample_weight:
        checks.append((nw.col(_WN) != nw.col(_ROWS)).any().alias(_WN))
        checks.append(nw.col(_W).is_nan().any().alias(_W))
    found = grouped.select(*checks).to_dict(as_series=False)
    return any(bool(v[0]) for v in found.values())


def _refuse_missing(frame: Any, used: Sequence[str], sensitive: Sequence[str]) -> None:
    """Count the missing values of every used column and raise for the first."""
    import narwhals as nw  # noqa: PLC0415 - optional dataframe support

    schema = frame.collect_schema()
    checks = []
    for col in dict.fromkeys(used):
        missing = nw.col(col).is_null()
        if schema[col].is_float():
            missing = missing | nw.col(col).is_nan()
        # counted as integers: Spark sums no booleans
        checks.append(missing.cast(nw.Int64).sum().alias(col))
    found = frame.select(nw.len().alias(_ROWS), *checks)
    found = _collect(found)
    tally = {k: int(v[0]) for k, v in found.to_dict(as_series=False).items()}
    total = tally.pop(_ROWS)
    _raise_missing(tally, total, sensitive)


def _raise_missing(tally: dict[str, int], total: int, sensitive: Sequence[str]) -> None:
    """Refuse columns with missing values, given their counts over every row."""
    for col, k in tally.items():
        if k:
            argname = "sensitive feature" if col in sensitive else "column"
            msg = (
                f"{argname} {col!r} contains {k} missing value(s) (NaN or None) out "
                f"of {total} rows."
                + (
                    " Fill them with a level of their own so those rows are "
                    "audited too."
                    if col in sensitive
                    else ""
                )
            )
            raise fail(msg)


def aggregate_frame(
    frame: Any,
    *,
    y_true: str,
    y_pred: str,
    sensitive: Sequence[str],
    sample_weight: str | None,
) -> Aggregated:
    """Group a narwhals frame by labels, predictions and sensitive columns.

    Only elementary aggregations run inside the group-by (a row count and
    plain column sums): the squared weights are computed as a column first.
    Engines such as pyarrow refuse an aggregation of an expression (the sum
    of ``w * w``), and every backend narwhals reads accepts this form.

    Parameters
    ----------
    frame : narwhals DataFrame or LazyFrame
        The data, in any backend (pandas, polars, pyarrow, DuckDB, ...).
    y_true, y_pred : str
        Label and prediction columns.
    sensitive : sequence of str
        Sensitive columns.
    sample_weight : str or None
        Weight column.

    Returns
    -------
    Aggregated
        The combinations with their row counts and weight sums.

    Raises
    ------
    FairnessValueError
        When a used column holds missing values (counted in the engine).
    """
    keys = list(dict.fromkeys([y_true, y_pred, *sensitive]))
    # One pass: the engine's GROUP BY. Missing values form groups of their
    # own (NULL or NaN keys) and missing weights show in the count of
    # weights, so they are found in the small result; only then does a
    # second pass count them per column, for the message.
    grouped = _grouped(frame, keys, sample_weight)
    if _has_missing(grouped, keys, sample_weight):
        _refuse_missing(
            frame, [*keys, *([sample_weight] if sample_weight else [])], sensitive
        )
    return _to_aggregated(grouped, y_true, y_pred, sensitive, sample_weight)


def _grouped(frame: Any, keys: list[str], sample_weight: str | None) -> Any:
    """Run the engine's GROUP BY over ``keys`` and collect counts and weight sums."""
    import narwhals as nw  # noqa: PLC0415 - optional dataframe support

    aggs = [nw.len().alias(_ROWS)]
    if sample_weight:
        w = nw.col(sample_weight).cast(nw.Float64)
        frame = frame.with_columns(w.alias(_W), (w * w).alias(_W2))
        aggs += [nw.col(_W).sum(), nw.col(_W2).sum(), nw.col(_W).count().alias(_WN)]
    return _collect(frame.group_by(keys).agg(*aggs))


def _to_aggregated(
    grouped: Any,
    y_true: str,
    y_pred: str,
    sensitive: Sequence[str],
    sample_weight: str | None,
) -> Aggregated:
    """Convert the collected GROUP BY result to numpy arrays."""
    out = {k: np.asarray(grouped[k].to_numpy()) for k in grouped.columns}
    return Aggregated(
        y_true=out[y_true],
        y_pred=out[y_pred],
        sensitive={s: out[s] for s in sensitive},
        rows=out[_ROWS].astype(np.int64),
        weight=out[_W].astype(np.float64) if sample_weight else None,
        weight_sq=out[_W2].astype(np.float64) if sample_weight else None,
    )


def _group_counts(
    frame: Any,
    keys: list[str],
    y_true: str,
    y_pred: str,
    sensitive: Sequence[str],
    sample_weight: str | None,
) -> Aggregated:
    """Group a frame known to hold no missing value."""
    grouped = _grouped(frame, keys, sample_weight)
    return _to_aggregated(grouped, y_true, y_pred, sensitive, sample_weight)


def _partition_counts(
    part: Any,
    keys: list[str],
    used: list[str],
    y_true: str,
    y_pred: str,
    sensitive: Sequence[str],
    sample_weight: str | None,
) -> tuple[dict[str, int], int, Aggregated]:
    """Missing values and group counts of one pandas partition of a Dask frame."""
    import narwhals as nw  # noqa: PLC0415 - optional dataframe support

    missing = part[used].isna()
    tally = {c: int(missing[c].sum()) for c in used}
    clean = nw.from_native(part[~missing.any(axis=1)], eager_only=True)
    counts = _group_counts(clean, keys, y_true, y_pred, sensitive, sample_weight)
    return tally, len(part), counts


def _aggregate_dask(
    data: Any,
    *,
    y_true: str,
    y_pred: str,
    sensitive: Sequence[str],
    sample_weight: str | None,
) -> Aggregated:
    """Group a Dask frame partition by partition, in its workers.

    Counts add, so the combinations of every partition are concatenated
    as they are: the audit sums repeated combinations like any other.
    """
    keys = list(dict.fromkeys([y_true, y_pred, *sensitive]))
    used = keys + ([sample_weight] if sample_weight else [])
    parts = dask_partitions(
        data, _partition_counts, keys, used, y_true, y_pred, sensitive, sample_weight
    )
    tally = {c: sum(p[0][c] for p in parts) for c in used}
    _raise_missing(tally, sum(p[1] for p in parts), sensitive)
    found = [p[2] for p in parts if p[2].rows.size]
    if not found:
        found = [parts[0][2]]

    def cat(name: str) -> Any:
        values = [getattr(a, name) for a in found]
        return None if values[0] is None else np.concatenate(values)

    return Aggregated(
        y_true=cat("y_true"),
        y_pred=cat("y_pred"),
        sensitive={
            s: np.concatenate([a.sensitive[s] for a in found]) for s in sensitive
        },
        rows=cat("rows"),
        weight=cat("weight"),
        weight_sq=cat("weight_sq"),
    )
