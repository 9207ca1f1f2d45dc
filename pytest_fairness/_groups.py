"""Group codes from sensitive features, for the intervention estimators.

The same factorisation as :func:`pytest_fairness.audit` (intersections of every
sensitive column), packaged for fitting and predicting: a fitted estimator keeps
the groups it saw and maps new data onto them.

The estimators of every stage take their sensitive features in one of two
forms: ``sensitive_features=`` metadata, or the columns of ``X`` named by their
``sensitive_feature_ids`` parameter. :func:`check_one_source`,
:func:`resolve_columns` and :func:`columns_of` implement the second form once
for all of them; :func:`check_rows` checks the first against ``X``.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from pytest_fairness._inputs import sensitive_columns
from pytest_fairness._validation import fail, hint_for, param_error
from pytest_fairness.metrics import combine_codes

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = [
    "GroupEncoding",
    "as_column_list",
    "check_one_source",
    "check_rows",
    "columns_of",
    "encode_groups",
    "n_rows_of",
    "resolve_columns",
]


@dataclass(frozen=True, slots=True)
class GroupEncoding:
    """Intersectional groups seen in some data, and each row's group.

    Attributes
    ----------
    codes : ndarray of intp
        Position of each row's group in ``groups``.
    groups : tuple of tuple
        The groups that occur (tuples of levels, one per sensitive column),
        sorted.
    attributes : tuple of str
        The sensitive columns.
    """

    codes: NDArray[np.intp]
    groups: tuple[tuple[Any, ...], ...]
    attributes: tuple[str, ...]

    @property
    def n_groups(self) -> int:
        """Number of groups."""
        return len(self.groups)

    def map_to(
        self, known: tuple[tuple[Any, ...], ...], *, unseen: str = "error"
    ) -> NDArray[np.intp]:
        """Return each row's position in ``known`` (groups seen at fit time).

        Parameters
        ----------
        known : tuple of tuple
            The groups of the fitted estimator.
        unseen : {"error", "minus_one"}, default="error"
            What a group absent from ``known`` becomes: an error naming it, or
            the code -1 for the caller to handle.

        Returns
        -------
        ndarray of intp
            Positions in ``known`` (or -1).

        Raises
        ------
        FairnessValueError
            With ``unseen="error"``, when some group was not seen at fit time.
        """
        index = {g: i for i, g in enumerate(known)}
        lookup = np.array([index.get(g, -1) for g in self.groups], dtype=np.intp)
        if unseen == "error" and (lookup < 0).any():
            missing = [g for g, i in zip(self.groups, lookup, strict=True) if i < 0]
            msg = (
                f"sensitive_features hold group(s) not seen at fit time: "
                f"{missing[:5]!r}. Known groups: {list(known)[:10]!r}."
            )
            raise fail(msg)
        return lookup[self.codes]


def encode_groups(sensitive_features: Any, n_rows: int) -> GroupEncoding:
    """Encode sensitive features (any accepted form) as intersectional groups.

    Parameters
    ----------
    sensitive_features : array-like, Series, DataFrame or dict
        One or several sensitive columns.
    n_rows : int
        Expected number of rows.

    Returns
    -------
    GroupEncoding
        Each row's group among the groups that occur.

    Raises
    ------
    FairnessValueError
        On a length mismatch or missing values (the message names the column).
    """
    columns = sensitive_columns(sensitive_features, n_rows)
    group, table = combine_codes(
        [c.codes for c in columns], [len(c.levels) for c in columns]
    )
    present, codes = np.unique(group, return_inverse=True)
    groups = tuple(
        tuple(columns[j].levels[table[p, j]] for j in range(len(columns)))
        for p in present
    )
    return GroupEncoding(codes.astype(np.intp), groups, tuple(c.name for c in columns))


# -- where the sensitive features come from ---------------------------------------
def n_rows_of(obj: Any) -> int:
    """Return the number of rows of an array-like, frame, Series or dict of columns.

    Parameters
    ----------
    obj : array-like, Series, DataFrame or dict
        The object; a dict counts the rows of its first column.

    Returns
    -------
    int
        Its number of rows.
    """
    shape = getattr(obj, "shape", None)  # first: a sparse DOK array is a dict
    if shape is not None and len(shape) >= 1:
        return int(shape[0])
    if isinstance(obj, Mapping):
        if not obj:
            return 0
        return n_rows_of(next(iter(obj.values())))
    if hasattr(obj, "__len__"):
        return len(obj)
    return int(np.asarray(obj).shape[0])  # an object with __array__ only


def check_rows(sensitive_features: Any, n_rows: int, *, of: str = "X") -> None:
    """Raise unless ``sensitive_features`` has one value per row of ``of``.

    Parameters
    ----------
    sensitive_features : array-like, Series, DataFrame or dict
        The metadata form of the sensitive features.
    n_rows : int
        Number of rows of the data they describe.
    of : str, default="X"
        Name of that data, for the message.

    Raises
    ------
    FairnessValueError
        Naming ``sensitive_features`` (and the column, for a dict), ``of``
        and both lengths.
    """
    if isinstance(sensitive_features, Mapping):
        for name, column in sensitive_features.items():
            n = n_rows_of(column)
            if n != n_rows:
                msg = (
                    f"sensitive_features column {name!r} has {n} rows but {of} has "
                    f"{n_rows}. Pass one value per row of {of}."
                )
                raise fail(msg)
        return
    n = n_rows_of(sensitive_features)
    if n != n_rows:
        msg = (
            f"sensitive_features has {n} rows but {of} has {n_rows}. "
            f"Pass one value per row of {of}."
        )
        raise fail(msg)


def check_one_source(
    owner: Any, sensitive_features: Any, *, required: bool = True
) -> None:
    """Raise unless the sensitive features are given in exactly one form.

    Parameters
    ----------
    owner : estimator
        Has a ``sensitive_feature_ids`` parameter.
    sensitive_features : object or None
        The metadata form.
    required : bool, default=True
        Raise when neither form is given.

    Raises
    ------
    FairnessValueError
        When both forms are given, or (``required``) neither.
    """
    ids = owner.sensitive_feature_ids
    if ids is not None and sensitive_features is not None:
        msg = (
            f"{type(owner).__name__} got both sensitive_features= and "
            f"sensitive_feature_ids={ids!r}. Pass the sensitive features one way: "
            "as metadata, or as columns of X named by sensitive_feature_ids."
        )
        raise fail(msg)
    if required and ids is None and sensitive_features is None:
        msg = (
            f"{type(owner).__name__} needs the sensitive features: pass "
            "sensitive_features= (a column, a DataFrame or a dict of columns, one "
            "value per row of X), or set sensitive_feature_ids to the columns of X "
            "that hold them."
        )
        raise fail(msg)


def as_column_list(value: Any) -> list[Any] | None:
    """Return ``value`` as a list of column ids (a scalar becomes a list of one).

    Parameters
    ----------
    value : int, str, iterable of int or str, or None
        A ``sensitive_feature_ids`` (or ``columns``) parameter.

    Returns
    -------
    list or None
        The ids; None for None.

    Raises
    ------
    TypeError
        When ``value`` is neither a scalar id nor iterable.
    """
    if value is None:
        return None
    if isinstance(value, str | numbers.Integral):
        return [value]
    return list(value)


def resolve_columns(
    owner: Any, value: Any, *, name: str, n_features: int
) -> NDArray[np.intp] | None:
    """Return the positions of the columns named by a ``*_ids``/``columns`` parameter.

    Integers are positions; strings are names of the columns of the
    DataFrame seen at fit time (``owner.feature_names_in_``).

    Parameters
    ----------
    owner : estimator
        The estimator whose parameter this is (for messages and feature names).
    value : int, str, list of int or str, or None
        The parameter value.
    name : str
        The parameter name.
    n_features : int
        Number of columns of ``X``.

    Returns
    -------
    ndarray of intp or None
        Sorted, distinct positions; None when ``value`` is None.

    Raises
    ------
    FairnessValueError
        On an unknown name, a position out of range, a duplicate, an empty
        list or a value that is not column ids.
    """
    try:
        ids = as_column_list(value)
    except TypeError:
        raise param_error(
            owner, name, value, "column names (str) or positions"
        ) from None
    if ids is None:
        return None
    if not ids:
        raise param_error(owner, name, value, "a non-empty list of columns")
    names = getattr(owner, "feature_names_in_", None)
    known = [str(n) for n in names] if names is not None else []
    positions: list[int] = []
    for item in ids:
        if isinstance(item, bool):
            raise param_error(owner, name, value, "column names (str) or positions")
        if isinstance(item, numbers.Integral):
            if not 0 <= int(item) < n_features:
                raise param_error(
                    owner,
                    name,
                    value,
                    f"column positions in [0, {n_features - 1}] or column names",
                )
            positions.append(int(item))
        elif isinstance(item, str):
            if item not in known:
                where = (
                    f"the columns of X: {known[:20]!r}"
                    if known
                    else "names of DataFrame columns, but X has no column names"
                )
                msg = (
                    f"The {name!r} parameter of {type(owner).__name__} names "
                    f"column {item!r}, which is not among {where}."
                    f"{hint_for(item, known)}"
                )
                raise fail(msg)
            positions.append(known.index(item))
        else:
            raise param_error(owner, name, value, "column names (str) or positions")
    if len(set(positions)) != len(positions):
        raise param_error(owner, name, value, "distinct columns")
    return np.array(sorted(positions), dtype=np.intp)


def columns_of(
    owner: Any, X_checked: Any, positions: NDArray[np.intp]
) -> dict[str, NDArray[Any]]:
    """Return the columns at ``positions`` of a validated ``X``, by name.

    Parameters
    ----------
    owner : estimator
        Fitted on ``X`` (``feature_names_in_`` names the columns; ``x<i>``
        without).
    X_checked : ndarray or sparse matrix
        ``X`` after ``validate_data``.
    positions : ndarray of intp
        The columns to take.

    Returns
    -------
    dict of str to ndarray
        One dense 1-D array per column, in the form
        :func:`encode_groups` takes.

    Raises
    ------
    FairnessValueError
        When a float column holds infinity (it cannot name a group).
    """
    names = getattr(owner, "feature_names_in_", None)
    labels = (
        [str(n) for n in names]
        if names is not None
        else [f"x{i}" for i in range(X_checked.shape[1])]
    )
    out: dict[str, NDArray[Any]] = {}
    for p in positions.tolist():
        if hasattr(X_checked, "toarray"):  # a scipy sparse matrix
            column = np.asarray(X_checked[:, [p]].toarray()).ravel()
        else:
            column = np.asarray(X_checked[:, p])
        if column.dtype.kind == "f" and np.isinf(column).any():
            msg = (
                f"Column {labels[p]!r} of X (a sensitive feature, from "
                "sensitive_feature_ids) contains infinity; groups need finite "
                "values or labels."
            )
            raise fail(msg)
        out[labels[p]] = column
    return out
