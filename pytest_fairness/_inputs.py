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
from typing import TYPE_CHECKING, Any, overload

import numpy as np

from pytest_fairness._validation import fail

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from numpy.typing import NDArray

__all__ = [
    "Column",
    "Encoded",
    "Labels",
    "Levels",
    "align_by_index",
    "as_1d",
    "binarize_labels",
    "check_levels",
    "check_not_probabilities",
    "encode_columns",
    "factorize",
    "sensitive_columns",
]

# A column whose integer range is at most this many times its length is
# factorised with a bincount over the range (O(n)) instead of a sort.
_DENSE_RANGE_FACTOR = 4
# Rows named in a message about missing or unusable values.
_SHOWN_ROWS = 10


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


def _rows(positions: NDArray[np.intp], index: Any = None) -> str:
    """Name some rows: by index label for pandas inputs, else by position.

    Parameters
    ----------
    positions : ndarray of intp
        Positions of the rows (all of them; at most ``_SHOWN_ROWS`` are shown).
    index : pandas.Index, optional
        The row labels of the inputs, when they came as pandas objects.

    Returns
    -------
    str
        E.g. ``"the rows with index labels [78, 122]"``.
    """
    shown = positions[:_SHOWN_ROWS]
    more = positions.size - shown.size
    tail = f" and {more} more" if more else ""
    if index is not None and len(index) > int(positions.max(initial=-1)):
        labels = [_py(v) for v in index[shown]]
        return f"the rows with index labels {labels!r}{tail}"
    return f"the rows at positions {shown.tolist()!r}{tail}"


def check_no_missing(
    arr: NDArray[Any], name: str, *, suggestion: str = "", index: Any = None
) -> None:
    """Raise when ``arr`` holds NaN or None, saying how many rows and which.

    Parameters
    ----------
    arr : ndarray
        The values.
    name : str
        What they are, for the message (e.g. ``"y_true"``).
    suggestion : str, default=""
        A sentence appended to the message.
    index : pandas.Index, optional
        Row labels of pandas inputs: the message then names the rows by
        label (usable with ``.loc``) instead of by position.

    Raises
    ------
    FairnessValueError
        If some value is missing.
    """
    mask = _missing_mask(arr)
    if mask is None:
        return
    if mask.any():
        raise _missing(mask, name, suggestion, index)


def _missing(
    mask: NDArray[np.bool_], name: str, suggestion: str, index: Any
) -> Exception:
    """Describe the missing values marked in ``mask`` (error path only)."""
    n_missing = int(np.count_nonzero(mask))
    where = _rows(np.flatnonzero(mask), index)
    msg = (
        f"{name} contains {n_missing} missing value(s) (NaN or None) out of "
        f"{mask.shape[0]} rows, in {where}.{suggestion}"
    )
    return fail(msg)


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


def _is_hashable(value: object) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _unhashable(values: NDArray[Any], name: str, index: Any) -> Exception:
    """Describe the first value that cannot name a group (error path only)."""
    position = next(i for i, v in enumerate(values) if not _is_hashable(v))
    bad = values[position]
    kind = type(bad).__name__
    msg = (
        f"sensitive feature {name!r} holds values of type {kind} (e.g. "
        f"{bad!r:.60} in {_rows(np.array([position]), index)}), which cannot "
        "name a group: group values must be hashable, such as str, int, bool "
        "or tuple. Hint: convert the column first, e.g. .map(tuple) for "
        "lists, .map(frozenset) for sets, or .astype(str)."
    )
    return fail(msg)


_FILL_HINT = (
    " Fill them with a level of their own, e.g. "
    "df[col].fillna('missing'), so those rows are audited too."
)
_FILL_CATEGORY_HINT = (
    " Fill them with a level of their own, e.g. "
    "df[col].cat.add_categories('missing').fillna('missing')."
)


def _feature(name: str) -> str:
    return f"sensitive feature {name!r}"


#: Rows read at once by :func:`_min_max`: the second reduction reads them
#: from the CPU cache.
_MIN_MAX_ROWS = 1 << 15


def _min_max(values: NDArray[Any]) -> tuple[int, int]:
    """Return the smallest and largest integer, reading the values from memory once."""
    if values.size <= _MIN_MAX_ROWS:
        return int(values.min()), int(values.max())
    lo, hi = int(values[0]), int(values[0])
    for start in range(0, values.size, _MIN_MAX_ROWS):
        block = values[start : start + _MIN_MAX_ROWS]
        lo = min(lo, int(block.min()))
        hi = max(hi, int(block.max()))
    return lo, hi


def _dense_range(values: NDArray[Any]) -> tuple[int, int] | None:
    """Return ``(lo, hi)`` of integers whose range is short enough to index.

    A column whose integer range is at most ``_DENSE_RANGE_FACTOR`` times its
    length is encoded by offset (``value - lo``) instead of by a sort.
    """
    if values.dtype.kind not in "iu" or not values.size:
        return None
    lo, hi = _min_max(values)
    if hi - lo <= _DENSE_RANGE_FACTOR * values.size + 1024:
        return lo, hi
    return None


def _factorize_object(values: Any, name: str, index: Any) -> Column:
    """Factorise strings or other objects with one hashing pass.

    ``pd.factorize`` marks missing values (the values ``pd.isna`` reports)
    with the code -1, so no separate pass looks for them. A pandas Series of
    strings is factorised as it is (pyarrow strings stay in pyarrow).
    """
    import pandas as pd  # noqa: PLC0415 - loaded on first use

    try:
        pcodes, uniques = pd.factorize(values, sort=True)
    except TypeError:  # values of mixed types that do not sort, or unhashable
        objects = np.asarray(values, dtype=object)
        check_no_missing(objects, _feature(name), suggestion=_FILL_HINT, index=index)
        try:
            pcodes, uniques = pd.factorize(objects, sort=False)
        except TypeError:
            raise _unhashable(objects, name, index) from None
    codes = np.asarray(pcodes, dtype=np.intp)
    if codes.size and codes.min() < 0:
        raise _missing(codes < 0, _feature(name), _FILL_HINT, index)
    return Column(name, codes, tuple(map(_py, uniques)))


def factorize(values: NDArray[Any], name: str, *, index: Any = None) -> Column:
    """Factorise one sensitive column into integer codes and its levels.

    Parameters
    ----------
    values : ndarray
        One-dimensional values of any dtype.
    name : str
        Column name, used in error messages and in the report.
    index : pandas.Index, optional
        Row labels, to name rows in error messages.

    Returns
    -------
    Column
        Codes and the levels that occur, sorted where the values sort.
        datetime64 and timedelta64 levels are pandas Timestamps and
        Timedeltas; numpy scalars are Python scalars.

    Raises
    ------
    FairnessValueError
        If the column contains missing values or values that cannot name a
        group (lists, dicts, sets).
    """
    kind = values.dtype.kind
    if kind not in "biufcmM":
        return _factorize_object(values.astype(object, copy=False), name, index)
    check_no_missing(values, _feature(name), suggestion=_FILL_HINT, index=index)
    if kind == "b":
        codes = values.view(np.uint8).astype(np.intp)
        present = np.bincount(codes, minlength=2) > 0
        remap = np.cumsum(present) - 1
        levels = tuple(bool(v) for v in np.flatnonzero(present))
        return Column(name, remap[codes] if not present.all() else codes, levels)
    dense = _dense_range(values)
    if dense is not None:
        lo, hi = dense
        shifted = values.astype(np.intp, copy=True)
        if lo:
            shifted -= lo
        present = np.bincount(shifted, minlength=hi - lo + 1) > 0
        positions = np.flatnonzero(present)
        if positions.size == present.size:
            return Column(name, shifted, tuple(int(v) + lo for v in positions))
        remap = np.cumsum(present).astype(np.intp) - 1
        return Column(name, remap[shifted], tuple(int(v) + lo for v in positions))
    levels_arr, codes = np.unique(values, return_inverse=True)
    levels = (
        _datetime_levels(levels_arr)
        if kind in "mM"
        else tuple(_py(v) for v in levels_arr)
    )
    return Column(name, codes.astype(np.intp), levels)


def _is_categorical(series: Any) -> bool:
    import pandas as pd  # noqa: PLC0415 - loaded on first use

    return isinstance(series.dtype, pd.CategoricalDtype)


def _is_strings(series: Any) -> bool:
    """Whether a Series holds strings in a pandas extension array."""
    import pandas as pd  # noqa: PLC0415 - loaded on first use

    return isinstance(series.dtype, pd.StringDtype)


def _category_codes(series: Any, name: str) -> NDArray[Any]:
    """Return a categorical Series' codes (their own small dtype), refusing -1."""
    codes = np.asarray(series.array.codes)  # a view (Series.cat.codes copies)
    if codes.size and codes.min() < 0:
        raise _missing(codes < 0, _feature(name), _FILL_CATEGORY_HINT, series.index)
    return np.asarray(codes)


def _index_levels(index: Any) -> tuple[Any, ...]:
    """Return the values of a pandas Index as Python or pandas scalars.

    ``Index.tolist()`` gives what iterating the Index gives (Python scalars
    for numpy dtypes and strings, pandas scalars such as Timestamp and
    Interval otherwise), without a Python loop over the values; objects are
    passed through :func:`_py` as iterating did.
    """
    values = index.tolist()
    if index.dtype.kind == "O" and not _is_strings(index):
        return tuple(map(_py, values))
    return tuple(values)


class Levels(Sequence[Any]):
    """The levels of a column that occur, listed on first full use.

    Reads as the tuple of levels (iterates, indexes, compares and prints as
    that tuple); one level is read without listing the others, so a report
    over 100,000 categories converts them only when all are shown.

    Parameters
    ----------
    n : int
        Number of levels.
    build : callable
        Returns the tuple of levels.
    one : callable
        Returns the level at one position.
    """

    __slots__ = ("_build", "_items", "_n", "_one")

    def __init__(
        self, n: int, build: Callable[[], tuple[Any, ...]], one: Callable[[int], Any]
    ) -> None:
        self._n = n
        self._build: Callable[[], tuple[Any, ...]] | None = build
        self._one = one
        self._items: tuple[Any, ...] | None = None

    def _all(self) -> tuple[Any, ...]:
        if self._items is None:
            assert self._build is not None  # noqa: S101 - set until built
            self._items = self._build()
            self._build = None
        return self._items

    def __len__(self) -> int:
        return self._n

    @overload
    def __getitem__(self, i: int) -> Any: ...
    @overload
    def __getitem__(self, i: slice) -> tuple[Any, ...]: ...
    def __getitem__(self, i: int | slice) -> Any:
        if self._items is not None or isinstance(i, slice):
            return self._all()[i]
        k = range(self._n)[i]  # the bounds and negative positions of a tuple
        return self._one(k)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._all())

    def __contains__(self, value: object) -> bool:
        return value in self._all()

    def index(self, value: Any, start: int = 0, stop: int | None = None) -> int:
        """Return the position of ``value``, as :meth:`tuple.index`.

        Parameters
        ----------
        value : object
            A level.
        start, stop : int, optional
            Where to look.

        Returns
        -------
        int
            Its position.
        """
        return self._all().index(value, start, *(() if stop is None else (stop,)))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Levels | tuple):
            return self._all() == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._all())

    def __repr__(self) -> str:
        return repr(self._all())

    def __reduce__(self) -> tuple[type, tuple[tuple[Any, ...]]]:
        return tuple, (self._all(),)


def _factorize_pandas(series: Any, name: str) -> Column:
    if _is_categorical(series):
        codes = _category_codes(series, name).astype(np.intp)
        n_categories = len(series.cat.categories)
        present = np.bincount(codes, minlength=n_categories) > 0
        remap = np.cumsum(present).astype(np.intp) - 1
        levels = _index_levels(series.cat.categories[present])
        return Column(name, remap[codes], levels)
    if _is_strings(series):
        return _factorize_object(series, name, series.index)
    values = series.to_numpy()
    if values.dtype.kind in "biufcmM":
        return factorize(values, name, index=series.index)
    return factorize(values.astype(object, copy=False), name, index=series.index)


#: Label types that :func:`pytest_fairness._labels.encode_label` always saves.
_PLAIN_LABELS = frozenset({str, int, float, bool})


def _plain(levels: Sequence[Any]) -> bool:
    return set(map(type, levels)) <= _PLAIN_LABELS


def check_levels(levels: Sequence[Any], name: str) -> None:
    """Refuse levels a report could not save (a no-op for plain labels).

    Parameters
    ----------
    levels : sequence
        The levels of a sensitive column.
    name : str
        The column.

    Raises
    ------
    FairnessValueError
        As :func:`pytest_fairness._labels.check_labels`.
    """
    if _plain(levels):
        return
    from pytest_fairness._labels import check_labels  # noqa: PLC0415 - rare types

    check_labels(levels, _feature(name))


@dataclass(frozen=True, slots=True)
class Encoded:
    """One sensitive column as integer codes used as they are, for counting.

    The codes index a range of slots (``codes - offset`` in ``[0, size)``)
    that may hold levels which never occur (unused categories, gaps in a
    range of integers): the counts tell which occur, and only those become
    levels of the report.

    Attributes
    ----------
    name : str
        Column name.
    codes : ndarray of int
        The column's integer codes, in their own dtype (category codes of
        int8, integers as given), or factorised codes.
    offset : int
        The code of slot 0.
    size : int
        Number of slots.
    kind : {"codes", "bool", "int", "categorical"}
        What a slot stands for: a factorised level, a boolean, the integer
        ``offset + slot``, or a category.
    source : object
        The levels of factorised codes (a tuple), or the categories (a
        pandas Index).
    """

    name: str
    codes: NDArray[Any]
    offset: int
    size: int
    kind: str
    source: Any = None

    def levels_of(self, slots: NDArray[np.intp]) -> Sequence[Any]:
        """Return the levels of some slots (increasing), as ``factorize`` would.

        Parameters
        ----------
        slots : ndarray of intp
            Slots that occur, increasing.

        Returns
        -------
        tuple or Levels
            Their levels, in slot order (a :class:`Levels` lists them on
            first full use).
        """
        if self.kind == "codes":
            levels: tuple[Any, ...] = self.source
            if slots.size == len(levels):
                return levels
            return tuple(levels[i] for i in slots.tolist())
        if self.kind == "bool":
            return tuple(bool(v) for v in slots)
        if self.kind == "int":
            offset = self.offset
            return Levels(
                slots.shape[0],
                lambda: tuple((slots.astype(np.int64) + offset).tolist()),
                lambda k: int(slots[k]) + offset,
            )
        categories = self.source
        return Levels(
            slots.shape[0],
            lambda: _index_levels(categories[slots]),
            lambda k: _py(categories[int(slots[k])]),
        )

    def check_levels(self) -> None:
        """Refuse levels a report could not save, as :func:`audit` always did.

        Raises
        ------
        FairnessValueError
            For a level of an unsupported type among those that occur.
        """
        if self.kind == "codes":
            check_levels(self.source, self.name)
        if self.kind != "categorical":
            return  # booleans and integers are plain labels
        categories = self.source
        if categories.dtype.kind in "biuf" or _is_strings(categories):
            return
        if categories.dtype.kind == "O" and _plain(categories.tolist()):
            return
        # only the categories that occur are levels (and checked)
        present = np.flatnonzero(np.bincount(self.codes, minlength=self.size))
        check_levels(self.levels_of(present), self.name)

    def column(self) -> Column:
        """Return the column factorised to the levels that occur.

        Returns
        -------
        Column
            What :func:`sensitive_columns` gives for this column.
        """
        if self.kind == "codes":
            return Column(self.name, self.codes.astype(np.intp), self.source)
        slot = self.codes.astype(np.intp)
        if self.offset:
            slot -= self.offset
        present = np.bincount(slot, minlength=self.size) > 0
        levels = tuple(self.levels_of(np.flatnonzero(present)))
        if self.kind == "bool" and present.all():
            return Column(self.name, slot, levels)
        remap = np.cumsum(present).astype(np.intp) - 1
        return Column(self.name, remap[slot], levels)


#: Largest integer dtype whose codes are used as they are (uint64 values may
#: not fit in a signed code).
_DIRECT_INTS = frozenset("bBhHiIlq")


def _encode_array(values: NDArray[Any], name: str, index: Any) -> Encoded:
    kind = values.dtype.kind
    if kind == "b":
        return Encoded(name, values.view(np.uint8), 0, 2, "bool")
    if kind in "iu" and values.dtype.char in _DIRECT_INTS:
        dense = _dense_range(values)
        if dense is not None:
            lo, hi = dense
            return Encoded(name, values, lo, hi - lo + 1, "int")
    column = factorize(values, name, index=index)
    return Encoded(name, column.codes, 0, len(column.levels), "codes", column.levels)


def _encode_pandas(series: Any, name: str) -> Encoded:
    if _is_categorical(series):
        codes = _category_codes(series, name)
        categories = series.cat.categories
        return Encoded(name, codes, 0, len(categories), "categorical", categories)
    if _is_strings(series):
        column = _factorize_object(series, name, series.index)
        return Encoded(
            name, column.codes, 0, len(column.levels), "codes", column.levels
        )
    values = series.to_numpy()
    if values.dtype.kind not in "biufcmM":
        values = values.astype(object, copy=False)
    return _encode_array(values, name, series.index)


def encode_columns(
    sensitive_features: Any,
    n_rows: int,
    *,
    argname: str = "sensitive_features",
    index: Any = None,
) -> list[Encoded]:
    """Encode every sensitive column for counting, using codes as they are.

    Category codes and short ranges of integers are kept as they are (no
    copy, no sort, no remapping); other columns are factorised as by
    :func:`sensitive_columns`, with the same checks and messages.

    Parameters
    ----------
    sensitive_features : array-like, Series, DataFrame or dict of array-likes
        As for :func:`sensitive_columns`.
    n_rows : int
        Expected number of rows.
    argname : str, default="sensitive_features"
        Argument name used in error messages.
    index : pandas.Index, optional
        Row labels of the audit's pandas inputs.

    Returns
    -------
    list of Encoded
        One per sensitive feature, in input order.

    Raises
    ------
    FairnessValueError
        As :func:`sensitive_columns`.
    """
    columns = []
    pd = sys.modules.get("pandas")
    for name, values in _raw_columns(sensitive_features, n_rows, argname):
        if pd is not None and isinstance(values, pd.Series):
            n = len(values)
            column = None if n != n_rows else _encode_pandas(values, name)
        else:
            arr = as_1d(values, f"{argname}[{name!r}]")
            n = arr.shape[0]
            column = None if n != n_rows else _encode_array(arr, name, index)
        if column is None:
            raise _length_error(argname, name, n, n_rows)
        columns.append(column)
    return columns


def _looks_like_names(value: Any) -> bool:
    return (
        isinstance(value, list | tuple)
        and bool(value)
        and all(isinstance(v, str) for v in value)
    )


def _raw_columns(
    sensitive_features: Any, n_rows: int, argname: str
) -> list[tuple[str, Any]]:
    """Split sensitive features given in any supported form into named columns."""
    if sensitive_features is None:
        msg = f"{argname} is required: pass the column(s) that define the groups."
        raise fail(msg)
    if isinstance(sensitive_features, str):
        msg = (
            f"{argname}={sensitive_features!r} is a column name; pass data=frame "
            "(or the column itself)."
        )
        raise fail(msg)
    if _looks_like_names(sensitive_features) and len(sensitive_features) != n_rows:
        msg = (
            f"{argname}={list(sensitive_features)!r} are column names (or "
            f"{len(sensitive_features)} value(s) for {n_rows} rows); pass "
            "data=frame (or the columns themselves)."
        )
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
    return raw


def _length_error(argname: str, name: str, n: int, n_rows: int) -> Exception:
    msg = (
        f"{argname} column {name!r} has {n} rows but y_true has {n_rows}. "
        "Every input must have one value per row."
    )
    return fail(msg)


def sensitive_columns(
    sensitive_features: Any,
    n_rows: int,
    *,
    argname: str = "sensitive_features",
    index: Any = None,
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
    index : pandas.Index, optional
        Row labels of the audit's pandas inputs, to name rows in error
        messages about columns given as arrays (a pandas column names its rows
        by its own index).

    Returns
    -------
    list of Column
        One factorised column per sensitive feature, in input order.

    Raises
    ------
    FairnessValueError
        On a length mismatch, missing or unhashable values, no columns,
        duplicate names, or column names given without a frame.
    """
    columns = []
    pd = sys.modules.get("pandas")
    for name, values in _raw_columns(sensitive_features, n_rows, argname):
        if pd is not None and isinstance(values, pd.Series):
            n = len(values)
            column = None if n != n_rows else _factorize_pandas(values, name)
        else:
            arr = as_1d(values, f"{argname}[{name!r}]")
            n = arr.shape[0]
            column = None if n != n_rows else factorize(arr, name, index=index)
        if column is None:
            raise _length_error(argname, name, n, n_rows)
        columns.append(column)
    return columns


def _is_zero_one(arr: NDArray[Any]) -> bool:
    if arr.dtype.kind == "b":
        return True
    if arr.dtype.kind in "iu":
        # no temporaries the length of the data: the range tells
        if not arr.size:
            return True
        if arr.dtype.itemsize == 1:
            return bool(arr.view(np.uint8).max() <= 1)  # int8 -1 reads as 255
        return bool(arr.min() >= 0 and arr.max() <= 1)
    if arr.dtype.kind == "f":
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
    if arr.dtype.kind == "b" or arr.dtype == np.int8:
        return arr.view(np.uint8)  # 0/1: the same bytes
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


def _pandas_index(obj: object) -> Any:
    """Return the index of a pandas Series or DataFrame, else None."""
    pd = sys.modules.get("pandas")
    if pd is not None and isinstance(obj, pd.Series | pd.DataFrame):
        return obj.index
    return None


_PAIRING_HINT = (
    " Hint: to pair the rows by position, drop both indexes with "
    ".reset_index(drop=True) (or pass .to_numpy()); to pair them by label, "
    "select the same rows in both, e.g. {other}.loc[{first}.index] or "
    "{other}.reindex({first}.index)."
)


def _examples(labels: Any) -> str:
    shown = [_py(v) for v in labels[:5]]
    return f"{shown!r}{' ...' if len(labels) > 5 else ''}"


class _Aligner:
    """Reorder pandas inputs to the index of the first one, or say why not."""

    def __init__(self) -> None:
        self.index: Any = None
        self.name = ""

    def __call__(self, name: str, obj: Any) -> Any:
        idx = _pandas_index(obj)
        if idx is None:
            return obj
        if self.index is None:
            self.index, self.name = idx, name
            return obj
        ref = self.index
        if len(idx) != len(ref) or idx.equals(ref):
            return obj  # same order already, or a length mismatch said later
        if not (ref.is_unique and idx.is_unique):
            dup_name, dup = (self.name, ref) if not ref.is_unique else (name, idx)
            repeated = dup[dup.duplicated()].unique()
            msg = (
                f"{self.name} and {name} are pandas objects whose indexes are "
                f"not in the same order, and the index of {dup_name} repeats "
                f"{len(repeated)} label(s) (e.g. {_examples(repeated)}), so "
                "their rows cannot be paired by label. Hint: to pair the rows "
                "by position, drop both indexes with .reset_index(drop=True) "
                "(or pass .to_numpy()); to pair them by label, give the rows "
                "unique labels first."
            )
            raise fail(msg)
        hint = _PAIRING_HINT.format(other=name, first=self.name)
        positions = idx.get_indexer(ref)
        if (positions < 0).any():
            foreign = idx[~idx.isin(ref)]
            msg = (
                f"{self.name} and {name} are pandas objects whose indexes hold "
                f"different labels: {len(foreign)} of the {len(idx)} index labels "
                f"of {name} are not in the index of {self.name} (e.g. "
                f"{_examples(foreign)}). pandas inputs are paired by index "
                "label, so those rows have no partner." + hint
            )
            raise fail(msg)
        return obj.iloc[positions]


def align_by_index(inputs: Sequence[tuple[str, Any]]) -> tuple[list[Any], Any]:
    """Pair pandas inputs by index label; leave arrays and lists by position.

    Parameters
    ----------
    inputs : sequence of (str, object)
        The audit's inputs with their argument names, in argument order
        (``y_true``, ``y_pred``, ``sensitive_features``, ...). A dict of
        columns is aligned column by column.

    Returns
    -------
    values : list
        The inputs, with every pandas Series or DataFrame reordered to the
        index of the first one (inputs already in that order, and all
        non-pandas inputs, are returned as they are).
    index : pandas.Index or None
        The index of the first pandas input: the row labels of the audit,
        used to name rows in error messages. None without pandas inputs.

    Raises
    ------
    FairnessValueError
        When two pandas inputs of the same length have indexes with
        different labels, or with repeated labels in a different order, so
        that their rows cannot be paired by label. The message names both
        arguments, counts the labels that differ and shows the fix.

    Notes
    -----
    Arrays and lists carry no labels; they pair by position with the row
    order of the first pandas input.
    """
    if "pandas" not in sys.modules:
        return [obj for _, obj in inputs], None
    align = _Aligner()
    out: list[Any] = []
    for name, obj in inputs:
        if isinstance(obj, Mapping):
            aligned = {k: align(f"{name}[{k!r}]", v) for k, v in obj.items()}
            same = all(aligned[k] is v for k, v in obj.items())
            out.append(obj if same else aligned)
        else:
            out.append(align(name, obj))
    return out, align.index


def _is_two_valued(arr: NDArray[Any]) -> bool:
    if arr.dtype.kind == "b":
        return True
    return len(_distinct(arr)) <= 2


def check_not_probabilities(y_true: NDArray[Any], y_pred: NDArray[Any]) -> None:
    """Refuse continuous predictions for a binary target, saying what to do.

    Probabilities or scores passed as ``y_pred`` would otherwise turn the
    audit into one of a continuous target, and the binary rates would fail
    later with a less helpful message.

    Parameters
    ----------
    y_true : ndarray
        Labels.
    y_pred : ndarray
        Predictions.

    Raises
    ------
    FairnessValueError
        If ``y_pred`` holds floats that are not all 0 or 1 while ``y_true``
        has at most two distinct values. The message gives the number of
        distinct predictions and their range.
    """
    if y_pred.dtype.kind != "f" or y_pred.size == 0:
        return
    finite = y_pred[np.isfinite(y_pred)]
    if finite.size == 0 or ((finite == 0) | (finite == 1)).all():
        return
    if not _is_two_valued(y_true):
        return  # a continuous target: a regression audit
    lo, hi = float(finite.min()), float(finite.max())
    n_distinct = int(np.unique(finite).size)
    classes = _distinct(y_true)
    with contextlib.suppress(TypeError):
        classes.sort()
    regression = (
        " For a regression audit of these values, pass "
        "metrics=['mean_prediction', 'mae']."
    )
    if lo >= 0 and hi <= 1:
        msg = (
            f"y_pred has {n_distinct} distinct values in [0, 1] (from {lo:.3g} "
            f"to {hi:.3g}) but y_true is binary ({classes!r}): they look like "
            "probabilities. Threshold them (e.g. y_pred=proba >= 0.5), or pass "
            "scores as y_score= for auc, brier and calibration_error." + regression
        )
    else:
        msg = (
            f"y_pred has {n_distinct} distinct values in [{lo:.3g}, {hi:.3g}] "
            f"but y_true is binary ({classes!r}): they look like scores, not "
            "labels. Threshold them (e.g. y_pred=score >= 0), or pass scores "
            "as y_score= for auc." + regression
        )
    raise fail(msg)
