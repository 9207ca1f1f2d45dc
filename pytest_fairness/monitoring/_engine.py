"""Count a prediction log by window, label, decision and group inside its engine.

Only one row per (window, label, decision, groups[, score bin]) comes back,
with its number of rows (and score sums): for a year of daily logs of 1e8
rows and 400 groups, a few hundred thousand numbers. Dask frames are counted
partition by partition in their workers with the same expressions on pandas.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from pytest_fairness._inputs import column_names
from pytest_fairness._validation import fail, hint_for
from pytest_fairness.report._frames import (
    collect,
    dask_partitions,
    engine_columns,
    is_dask,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import NDArray

    from pytest_fairness.monitoring._freq import Windowing

__all__ = ["WindowCounts", "count_windows"]

_KEY, _ROWS, _BIN, _S, _S2 = (
    "__pf_window__",
    "__pf_rows__",
    "__pf_bin__",
    "__pf_score__",
    "__pf_score2__",
)
#: Score bins of the calibration error, as :func:`pytest_fairness.audit` uses.
N_BINS = 10


@dataclass(frozen=True, slots=True)
class WindowCounts:
    """One entry per distinct (window, label, decision, groups[, score bin]).

    Attributes
    ----------
    key : ndarray of int64
        Window number.
    y_true : ndarray
        The label (None or NaN where it is not known yet).
    y_pred : ndarray
        The decision.
    sensitive : dict of str to ndarray
        The level of each sensitive column.
    rows : ndarray of int64
        Rows with that combination.
    score_bin : ndarray of intp or None
        Calibration bin of the scores (with ``y_score``).
    score_sum, score_sq : ndarray of float64 or None
        Sums of the scores and of their squares (with ``y_score``).
    """

    key: NDArray[np.int64]
    y_true: NDArray[Any] | None
    y_pred: NDArray[Any]
    sensitive: dict[str, NDArray[Any]]
    rows: NDArray[np.int64]
    score_bin: NDArray[np.intp] | None = None
    score_sum: NDArray[np.float64] | None = None
    score_sq: NDArray[np.float64] | None = None


def _check_columns(data: Any, named: Sequence[tuple[str, object]]) -> None:
    known = engine_columns(data) or list(column_names(data))
    for argname, value in named:
        if value is None:
            continue
        if not isinstance(value, str):
            msg = (
                f"{argname} must name a column of data (a string). Got "
                f"{type(value).__name__} {value!r}."
            )
            raise fail(msg)
        if value not in known:
            msg = (
                f"{argname}={value!r} is not a column of data; it has "
                f"{sorted(known)[:20]!r}.{hint_for(value, known)}"
            )
            raise fail(msg)


def _check_time(schema: Any, time: str, windowing: Windowing) -> None:
    import narwhals as nw  # noqa: PLC0415 - optional dataframe support

    dtype = schema[time]
    if isinstance(dtype, nw.Datetime) or dtype == nw.Datetime:
        return
    if dtype == nw.Date:
        if windowing.needs_time_of_day:
            msg = (
                f"time={time!r} holds dates, which cannot be cut into windows of "
                f"freq={windowing.freq!r} (shorter than a day). Pass a timestamp "
                "column or a freq of a day or more."
            )
            raise fail(msg)
        return
    msg = (
        f"time={time!r} must be a timestamp (datetime) or date column. Got dtype "
        f"{dtype}. Parse it first, e.g. pd.to_datetime(df[{time!r}]) or, in SQL, "
        f"CAST({time} AS TIMESTAMP)."
    )
    raise fail(msg)


def _missing(frame: Any, schema: Any, col: str) -> Any:
    import narwhals as nw  # noqa: PLC0415 - optional dataframe support

    missing = nw.col(col).is_null()
    if schema[col].is_float():
        missing = missing | nw.col(col).is_nan()
    return missing


def _prepare(
    frame: Any,
    *,
    time: str,
    windowing: Windowing,
    y_true: str | None,
    y_pred: str,
    sensitive: Sequence[str],
    y_score: str | None,
) -> tuple[Any, list[str], list[Any], list[str]]:
    """Add the window key (and score bins); return the frame, keys, sums, checks."""
    import narwhals as nw  # noqa: PLC0415 - optional dataframe support

    schema = frame.collect_schema()
    _check_time(schema, time, windowing)
    checked = [time, y_pred, *sensitive] + ([y_score] if y_score else [])
    keys = [_KEY] + ([y_true] if y_true else []) + [y_pred, *sensitive]
    keys = list(dict.fromkeys(keys))
    extra = [windowing.key(time).alias(_KEY)]
    aggs: list[Any] = [nw.len().alias(_ROWS)]
    if y_score:
        score = nw.col(y_score).cast(nw.Float64)
        # floor(10 s) capped at 9, as comparisons: an engine's float-to-integer
        # cast may round where numpy truncates
        scaled = score * N_BINS
        bins = sum(
            ((scaled >= k).cast(nw.Int64) for k in range(2, N_BINS)),
            (scaled >= 1).cast(nw.Int64),
        )
        extra += [bins.alias(_BIN), score.alias(_S), (score * score).alias(_S2)]
        keys.append(_BIN)
        aggs += [nw.col(_S).sum(), nw.col(_S2).sum()]
    tallies = [
        _missing(frame, schema, c).cast(nw.Int64).sum().alias(c) for c in checked
    ]
    return frame.with_columns(*extra), keys, aggs, [nw.len().alias(_ROWS), *tallies]


def _frame_counts(
    frame: Any, **kw: Any
) -> tuple[dict[str, int], int, dict[str, NDArray[Any]]]:
    """Missing values per column, rows, and the grouped counts of one frame."""
    prepared, keys, aggs, tallies = _prepare(frame, **kw)
    found = collect(frame.select(*tallies)).to_dict(as_series=False)
    tally = {k: int(v[0] or 0) for k, v in found.items()}
    total = tally.pop(_ROWS)
    if any(tally.values()):
        return tally, total, {}
    grouped = collect(prepared.group_by(keys).agg(*aggs))
    return tally, total, {k: np.asarray(grouped[k].to_numpy()) for k in grouped.columns}


def _partition(part: Any, kw: dict[str, Any]) -> Any:
    import narwhals as nw  # noqa: PLC0415 - optional dataframe support

    return _frame_counts(nw.from_native(part, eager_only=True), **kw)


def count_windows(
    data: Any,
    *,
    time: str,
    windowing: Windowing,
    y_true: str | None,
    y_pred: str,
    sensitive: Sequence[str],
    y_score: str | None,
) -> WindowCounts:
    """Count the rows of a log by window, label, decision and group in its engine.

    Parameters
    ----------
    data : DataFrame or LazyFrame
        pandas, polars, pyarrow, DuckDB, PySpark, Dask, or any frame narwhals
        reads.
    time : str
        Timestamp column.
    windowing : Windowing
        How timestamps fall into windows.
    y_true : str or None
        Label column (missing values allowed: labels not known yet).
    y_pred : str
        Decision column.
    sensitive : sequence of str
        Sensitive columns.
    y_score : str or None
        Score column.

    Returns
    -------
    WindowCounts
        The counts.

    Raises
    ------
    FairnessValueError
        For a column that does not exist, a time column that is not a
        timestamp, missing values in the time, decision, sensitive or score
        columns, or a log without rows.
    """
    named = [
        ("time", time),
        ("y_pred", y_pred),
        ("y_true", y_true),
        ("y_score", y_score),
        *(("sensitive_features", s) for s in sensitive),
    ]
    _check_columns(data, named)
    kw: dict[str, Any] = {
        "time": time,
        "windowing": windowing,
        "y_true": y_true,
        "y_pred": y_pred,
        "sensitive": list(sensitive),
        "y_score": y_score,
    }
    if is_dask(data):
        import narwhals as nw  # noqa: PLC0415 - optional dataframe support

        # the schema check runs on the frame's (empty, pandas) metadata
        _prepare(nw.from_native(data._meta, eager_only=True), **kw)
        parts = dask_partitions(data, _partition, kw)
    else:
        import narwhals as nw  # noqa: PLC0415 - optional dataframe support

        try:
            frame = nw.from_native(data)
        except TypeError:
            msg = (
                "data must be a dataframe (pandas, polars, pyarrow, DuckDB, "
                f"PySpark, Dask, ...). Got {type(data).__name__}."
            )
            raise fail(msg) from None
        parts = [_frame_counts(frame, **kw)]
    checked = [time, y_pred, *sensitive] + ([y_score] if y_score else [])
    total = sum(p[1] for p in parts)
    for col in checked:
        k = sum(p[0].get(col, 0) for p in parts)
        if k:
            argname = {v: a for a, v in reversed(named) if v is not None}[col]
            msg = (
                f"{argname} column {col!r} contains {k} missing value(s) (NaN or "
                f"None) out of {total} rows."
                + (
                    " Fill them with a level of their own so those rows are "
                    "monitored too."
                    if argname == "sensitive_features"
                    else ""
                )
            )
            raise fail(msg)
    if total == 0:
        msg = "data has no rows: there is no window to monitor."
        raise fail(msg)
    found = [p[2] for p in parts if p[2] and len(p[2][_ROWS])]

    def cat(name: str | None) -> Any:
        if name is None:
            return None
        return np.concatenate([f[name] for f in found])

    return WindowCounts(
        key=cat(_KEY).astype(np.int64),
        y_true=cat(y_true),
        y_pred=cat(y_pred),
        sensitive={s: cat(s) for s in sensitive},
        rows=cat(_ROWS).astype(np.int64),
        score_bin=None if y_score is None else cat(_BIN).astype(np.intp),
        score_sum=None if y_score is None else cat(_S).astype(np.float64),
        score_sq=None if y_score is None else cat(_S2).astype(np.float64),
    )


def labelled_mask(y_true: NDArray[Any]) -> NDArray[np.bool_]:
    """Return where a label is known (not None, not NaN).

    Parameters
    ----------
    y_true : ndarray
        Labels as they came back from the engine.

    Returns
    -------
    ndarray of bool
        True where the label is known.
    """
    import pandas as pd  # noqa: PLC0415 - the monitoring tables load pandas

    return np.asarray(~pd.isna(y_true), dtype=np.bool_)
