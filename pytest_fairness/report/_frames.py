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

__all__ = ["Aggregated", "aggregate_frame", "aggregate_in_engine"]

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
        checks.append(missing.sum().alias(col))
    found = frame.select(nw.len().alias(_ROWS), *checks)
    found = _collect(found)
    tally = {k: int(v[0]) for k, v in found.to_dict(as_series=False).items()}
    total = tally.pop(_ROWS)
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
    import narwhals as nw  # noqa: PLC0415 - optional dataframe support

    keys = list(dict.fromkeys([y_true, y_pred, *sensitive]))
    aggs = [nw.len().alias(_ROWS)]
    source = frame
    if sample_weight:
        w = nw.col(sample_weight).cast(nw.Float64)
        frame = frame.with_columns(w.alias(_W), (w * w).alias(_W2))
        aggs += [nw.col(_W).sum(), nw.col(_W2).sum(), nw.col(_W).count().alias(_WN)]
    # One pass: the engine's GROUP BY. Missing values form groups of their
    # own (NULL or NaN keys) and missing weights show in the count of
    # weights, so they are found in the small result; only then does a
    # second pass count them per column, for the message.
    grouped = _collect(frame.group_by(keys).agg(*aggs))
    if _has_missing(grouped, keys, sample_weight):
        _refuse_missing(
            source, [*keys, *([sample_weight] if sample_weight else [])], sensitive
        )
    out = {k: np.asarray(grouped[k].to_numpy()) for k in grouped.columns}
    return Aggregated(
        y_true=out[y_true],
        y_pred=out[y_pred],
        sensitive={s: out[s] for s in sensitive},
        rows=out[_ROWS].astype(np.int64),
        weight=out[_W].astype(np.float64) if sample_weight else None,
        weight_sq=out[_W2].astype(np.float64) if sample_weight else None,
    )
