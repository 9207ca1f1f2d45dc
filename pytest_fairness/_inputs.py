"""Boundary coercion: array-likes and dataframe columns to numpy codes and labels.

Everything past this module sees plain numpy arrays. pandas and polars objects
are recognised through ``sys.modules`` (so checking for them never imports them),
and any other dataframe library is read through narwhals when it is installed.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from pytest_fairness._validation import fail

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = [
    "Column",
    "Labels",
    "as_1d",
    "binarize_labels",
    "factorize",
    "sensitive_columns",
]

# A column whose integer range is at most this many times its length is
# factorised with a bincount over the range (O(n)) instead of a sort.
_DENSE_RANGE_FACTOR = 4


@dataclass(frozen=True, slots=True)
class Column:
    """One sensitive column, factorised.

    Attributes
    ----------
    name : str
        Column name (``sensitive_feature_<i>`` when the input had none).
    codes : ndarray of intp
        Code of each row, ``0 <= code < len(levels)``.
    levels : tuple
        The distinct values that occur, in sorted order where they sort.
    """

    name: str
    codes: NDArray[np.intp]
    levels: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Labels:
    """Binary labels and predictions as 0/1 arrays.

    Attributes
    ----------
    y_true, y_pred : ndarray of uint8
        1 where the value equals ``pos_label``.
    pos_label : object
        The value counted as the positive (favourable) outcome.
    classes : tuple
        The distinct values seen in ``y_true`` and ``y_pred`` together.
    """

    y_true: NDArray[np.uint8]
    y_pred: NDArray[np.uint8]
    pos_label: Any
    classes: tuple[Any, ...]


def _module_of(obj: object) -> str:
    return type(obj).__module__.split(".", 1)[0]


def _is_pandas(obj: object) -> bool:
    pd = sys.modules.get("pandas")
    return pd is not None and isinstance(obj, pd.Series | pd.DataFrame | pd.Index)


def _is_polars(obj: object) -> bool:
    return "polars" in sys.modules and _module_of(obj) == "polars"


def _to_numpy(obj: object) -> NDArray[Any]:
    if isinstance(obj, np.ndarray):
        return obj
    if _is_pandas(obj) or _is_polars(obj):
        return np.asarray(obj.to_numpy())  # type: ignore[attr-defined]
    if hasattr(obj, "__array__") or isinstance(obj, list | tuple | range):
        return np.asarray(obj)
    nw = sys.modules.get("narwhals")
    if nw is None:
        try:
            import narwhals as nw  # noqa: PLC0415 - loaded on first use
        except ImportError:  # pragma: no cover - narwhals ships with the frames extra
            nw = None
    if nw is not None:
        try:
            native = nw.from_native(obj, series_only=True, allow_series=True)
        except TypeError:
            pass
        else:
            return np.asarray(native.to_numpy())
    return np.asarray(obj)


def as_1d(obj: object, name: str) -> NDArray[Any]:
    """Return ``obj`` as a one-dimensional numpy array.

    Parameters
    ----------
    obj : array-like
        A list, numpy array, pandas or polars Series, or a single-column frame.
    name : str
        Argument name used in error messages.

    Returns
    -------
    ndarray
        A 1-D view or copy of the data.

    Raises
    ------
    FairnessValueError
        If the input is ``None`` or has more than one column.
    """
    if obj is None:
        msg = f"{name} is required. Got None."
        raise fail(msg)
    arr = _to_numpy(obj)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        msg = (
            f"{name} must be one-dimensional (one value per row). "
            f"Got an array of shape {arr.shape}."
        )
        raise fail(msg)
    return arr


def _missing_mask(arr: NDArray[Any]) -> NDArray[np.bool_] | None:
    """Return a mask of missing values, or None when the dtype cannot hold any."""
    if arr.dtype.kind in "biu":
        return None
    if arr.dtype.kind in "fc":
        return np.asarray(np.isnan(arr), dtype=bool)
    if arr.dtype.kind == "M" or arr.dtype.kind == "m":
        return np.asarray(np.isnat(arr), dtype=bool)
    if arr.dtype.kind == "O":
        import pandas as pd  # noqa: PLC0415 - loaded on first use

        return np.asarray(pd.isna(arr), dtype=bool)
    return None


def check_no_missing(arr: NDArray[Any], name: str, *, suggestion: str = "") -> None:
    """Raise when ``arr`` holds NaN or None, saying how many rows and where."""
    mask = _missing_mask(arr)
    if mask is None:
        return
    n_missing = int(np.count_nonzero(mask))
    if n_missing:
        first = np.flatnonzero(mask)[:5].tolist()
        msg = (
            f"{name} contains {n_missing} missing value(s) (NaN or None) out of "
            f"{arr.shape[0]} rows, first at row(s) {first}.{suggestion}"
        )
        raise fail(msg)


def _py(value: Any) -> Any:
    """Return a plain Python scalar (JSON-friendly) for a numpy scalar."""
    return value.item() if isinstance(value, np.generic) else value


def _datetime_levels(levels: NDArray[Any]) -> tuple[Any, ...]:
    """Return datetime64 / timedelta64 levels as pandas Timestamps / Timedeltas.

    ``np.datetime64.item()`` gives a ``datetime`` for some units and an int
    (nanoseconds) for others; pandas scalars keep every unit, compare equal
    to the ``datetime`` / ``timedelta`` of the same value and label the rows
    of :attr:`FairnessReport.by_group` as pandas does.
    """
    import pandas as pd  # noqa: PLC0415 - loaded on first use

    box = pd.Timestamp if levels.dtype.kind == "M" else pd.Timedelta
    return tuple(box(v) for v in levels)


def factorize(values: NDArray[Any], name: str) -> Column:
    """Factorise one sensitive column into integer codes and its levels.

    Parameters
    ----------
    values : ndarray
        One-dimensional values of any dtype.
    name : str
        Column name, used in error messages and in the report.

    Returns
    -------
    Column
        Codes and the levels that occur, sorted where the values sort.
        datetime64 and timedelta64 levels are pandas Timestamps and
        Timedeltas; numpy scalars are Python scalars.

    Raises
    ------
    FairnessValueError
        If the column contains missing values.
    """
    check_no_missing(
        values,
        f"sensitive feature {name!r}",
        suggestion=(
            " Fill them with a level of their own, e.g. "
            "df[col].fillna('missing'), so those rows are audited too."
        ),
    )
    kind = values.dtype.kind
    if kind == "b":
        codes = values.view(np.uint8).astype(np.intp)
        present = np.bincount(codes, minlength=2) > 0
        remap = np.cumsum(present) - 1
        levels = tuple(bool(v) for v in np.flatnonzero(present))
        return Column(name, remap[codes] if not present.all() else codes, levels)
    if kind in "iu" and values.size:
        lo, hi = int(values.min()), int(values.max())
        if hi - lo <= _DENSE_RANGE_FACTOR * values.size + 1024:
            shifted = values.astype(np.intp, copy=True)
            if lo:
                shifted -= lo
            present = np.bincount(shifted, minlength=hi - lo + 1) > 0
            positions = np.flatnonzero(present)
            if positions.size == present.size:
                return Column(name, shifted, tuple(int(v) + lo for v in positions))
            remap = np.cumsum(present).astype(np.intp) - 1
            return Column(name, remap[shifted], tuple(int(v) + lo for v in positions))
    if kind in "biufcmM":
        levels_arr, codes = np.unique(values, return_inverse=True)
        levels = (
            _datetime_levels(levels_arr)
            if kind in "mM"
            else tuple(_py(v) for v in levels_arr)
        )
        return Column(name, codes.astype(np.intp), levels)
    import pandas as pd  # noqa: PLC0415 - loaded on first use

    try:
        pcodes, uniques = pd.factorize(values, sort=True)
    except TypeError:  # values of mixed types that do not sort
        pcodes, uniques = pd.factorize(values, sort=False)
    return Column(
        name, np.asarray(pcodes, dtype=np.intp), tuple(_py(v) for v in uniques)
    )


def _factorize_pandas(series: Any, name: str) -> Column:
    import pandas as pd  # noqa: PLC0415 - loaded on first use

    if isinstance(series.dtype, pd.CategoricalDtype):
        cat = series.cat
        codes = np.asarray(cat.codes.to_numpy(), dtype=np.intp)
        if (codes < 0).any():
            check_no_missing(
                np.where(codes < 0, np.nan, 0.0),
                f"sensitive feature {name!r}",
                suggestion=(
                    " Fill them with a level of their own, e.g. "
                    "df[col].cat.add_categories('missing').fillna('missing')."
                ),
            )
        present = np.bincount(codes, minlength=len(cat.categories)) > 0
        remap = np.cumsum(present).astype(np.intp) - 1
        # iterating an Index gives Python / pandas scalars (Timestamp, Interval)
        levels = tuple(_py(v) for v in cat.categories[present])
        return Column(name, remap[codes], levels)
    values = series.to_numpy()
    if values.dtype.kind in "biufcmM":
        return factorize(values, name)
    return factorize(values.astype(object, copy=False), name)


def sensitive_columns(
    sensitive_features: Any, n_rows: int, *, argname: str = "sensitive_features"
) -> list[Column]:
    """Factorise every sensitive column given in any supported form.

    Parameters
    ----------
    sensitive_features : array-like, Series, DataFrame or dict of array-likes
        One column (array, list, Series) or several (DataFrame, 2-D array,
        dict mapping names to arrays, polars DataFrame).
    n_rows : int
        Expected number of rows (the length of ``y_true``).
    argname : str, default="sensitive_features"
        Argument name used in error messages.

    Returns
    -------
    list of Column
        One factorised column per sensitive feature, in input order.

    Raises
    ------
    FairnessValueError
        On a length mismatch, missing values, no columns, or duplicate names.
    """
    if sensitive_features is None:
        msg = f"{argname} is required: pass the column(s) that define the groups."
        raise fail(msg)
    raw: list[tuple[str, Any]] = []
    pd = sys.modules.get("pandas")
    if isinstance(sensitive_features, Mapping):
        raw = [(str(k), v) for k, v in sensitive_features.items()]
    elif pd is not None and isinstance(sensitive_features, pd.DataFrame):
        raw = [(str(c), sensitive_features[c]) for c in sensitive_features.columns]
    elif pd is not None and isinstance(sensitive_features, pd.Series):
        name = sensitive_features.name
        raw = [
            (
                str(name) if name is not None else "sensitive_feature_0",
                sensitive_features,
            )
        ]
    elif _is_polars(sensitive_features) and hasattr(sensitive_features, "columns"):
        raw = [(str(c), sensitive_features[c]) for c in sensitive_features.columns]
    elif _is_polars(sensitive_features):
        raw = [
            (str(sensitive_features.name) or "sensitive_feature_0", sensitive_features)
        ]
    else:
        arr = _to_numpy(sensitive_features)
        if arr.ndim == 1:
            raw = [("sensitive_feature_0", arr)]
        elif arr.ndim == 2:
            raw = [(f"sensitive_feature_{j}", arr[:, j]) for j in range(arr.shape[1])]
        else:
            msg = f"{argname} must be 1- or 2-dimensional. Got shape {arr.shape}."
            raise fail(msg)
    if not raw:
        msg = f"{argname} has no columns: pass at least one sensitive feature."
        raise fail(msg)
    names = [n for n, _ in raw]
    if len(set(names)) != len(names):
        msg = f"{argname} has duplicate column names: {names!r}."
        raise fail(msg)
    columns = []
    for name, values in raw:
        if pd is not None and isinstance(values, pd.Series):
            n = len(values)
            column = None if n != n_rows else _factorize_pandas(values, name)
        else:
            arr = as_1d(values, f"{argname}[{name!r}]")
            n = arr.shape[0]
            column = None if n != n_rows else factorize(arr, name)
        if column is None:
            msg = (
                f"{argname} column {name!r} has {n} rows but y_true has {n_rows}. "
                "Every input must have one value per row."
            )
            raise fail(msg)
        columns.append(column)
    return columns


def _is_zero_one(arr: NDArray[Any]) -> bool:
    if arr.dtype.kind == "b":
        return True
    if arr.dtype.kind in "iuf":
        return bool(((arr == 0) | (arr == 1)).all())
    return False


def _distinct(arr: NDArray[Any]) -> list[Any]:
    if arr.dtype.kind == "O":
        import pandas as pd  # noqa: PLC0415 - loaded on first use

        uniq = pd.unique(arr)
    else:
        uniq = np.unique(arr)
    return [_py(v) for v in uniq]


def binarize_labels(
    y_true: NDArray[Any], y_pred: NDArray[Any], pos_label: Any = None
) -> Labels:
    """Turn binary labels and predictions into 0/1 arrays.

    Parameters
    ----------
    y_true, y_pred : ndarray
        Labels and predictions with at most two distinct values between them:
        0/1, booleans, -1/1, or any two values together with ``pos_label``.
    pos_label : object, optional
        The positive (favourable) value. Inferred for 0/1, booleans and -1/1.

    Returns
    -------
    Labels
        0/1 arrays and the positive label used.

    Raises
    ------
    FairnessValueError
        On missing values, more than two distinct values, or two values
        without a ``pos_label`` that can be inferred.
    """
    check_no_missing(y_true, "y_true")
    check_no_missing(y_pred, "y_pred")
    if pos_label is None and _is_zero_one(y_true) and _is_zero_one(y_pred):
        yt = _as_uint8(y_true)
        yp = _as_uint8(y_pred)
        return Labels(yt, yp, 1, (0, 1))
    classes_true = _distinct(y_true)
    classes_pred = _distinct(y_pred)
    classes: list[Any] = list(dict.fromkeys([*classes_true, *classes_pred]))
    with contextlib.suppress(TypeError):
        classes.sort()
    if len(classes) > 2:
        msg = (
            f"binary metrics need at most two label values, but y_true and y_pred "
            f"hold {len(classes)}: {classes[:10]!r}"
            f"{' ...' if len(classes) > 10 else ''}. Binarise them first "
            "(e.g. y == 'approved'), or use metrics for continuous targets "
            "('mean_prediction', 'mae')."
        )
        raise fail(msg)
    if pos_label is None:
        if set(classes) <= {0, 1} or set(classes) <= {-1, 1}:
            pos_label = 1
        else:
            msg = (
                f"cannot tell which label is the positive outcome among {classes!r}. "
                f"Pass pos_label=, e.g. pos_label={classes[-1]!r}."
            )
            raise fail(msg)
    elif pos_label not in classes:
        msg = f"pos_label={pos_label!r} does not occur in y_true or y_pred {classes!r}."
        raise fail(msg)
    yt = (y_true == pos_label).astype(np.uint8)
    yp = (y_pred == pos_label).astype(np.uint8)
    return Labels(np.asarray(yt), np.asarray(yp), pos_label, tuple(classes))


def _as_uint8(arr: NDArray[Any]) -> NDArray[np.uint8]:
    if arr.dtype.kind == "b":
        return arr.view(np.uint8)
    if arr.dtype == np.uint8:
        return arr
    return arr.astype(np.uint8)


def column_names(data: Any) -> Sequence[str]:
    """Return the column names of a dataframe (pandas, or any narwhals-supported one).

    Parameters
    ----------
    data : DataFrame or LazyFrame
        The frame.

    Returns
    -------
    list of str
        Its column names (for a lazy frame, from its schema, without running it).
    """
    pd = sys.modules.get("pandas")
    if pd is not None and isinstance(data, pd.DataFrame):
        return [str(c) for c in data.columns]
    try:
        import narwhals as nw  # noqa: PLC0415 - optional dataframe support
    except ImportError:  # pragma: no cover - narwhals ships with the frames extra
        cols = getattr(data, "columns", None)
        return [str(c) for c in cols] if cols is not None else []
    try:
        frame = nw.from_native(data)
    except TypeError:
        msg = (
            f"data must be a dataframe (pandas, polars, pyarrow, duckdb, ...). "
            f"Got {type(data).__name__}."
        )
        raise fail(msg) from None
    return [str(c) for c in frame.collect_schema().names()]
