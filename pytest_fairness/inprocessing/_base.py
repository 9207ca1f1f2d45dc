"""Shared machinery of the in-processing classifiers: inputs, groups and labels.

Every classifier of this stage takes its groups either from
``sensitive_features=`` (fit metadata, routed by scikit-learn's metadata
routing) or from columns of ``X`` named by its ``sensitive_feature_ids``
parameter; those columns define the groups and are not model inputs. The
helpers here resolve both forms to the numeric feature matrix and to one
intersectional group code per row (through
:func:`pytest_fairness._groups.encode_groups`).
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_array, validate_data

from pytest_fairness._groups import GroupEncoding, encode_groups
from pytest_fairness._validation import fail, hint_for

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = [
    "BinaryTarget",
    "Inputs",
    "check_choice_param",
    "check_real",
    "encode_target",
    "param_error",
    "row_weights",
    "split_sensitive",
]


def param_error(owner: object, name: str, value: object, expected: str) -> Exception:
    """Build the error for a bad constructor parameter (raised in ``fit``).

    Parameters
    ----------
    owner : estimator
        The estimator whose parameter is wrong.
    name : str
        The parameter.
    value : object
        The value it holds.
    expected : str
        What it should be.

    Returns
    -------
    FairnessValueError
        To be raised by the caller.
    """
    msg = (
        f"The {name!r} parameter of {type(owner).__name__} must be {expected}. "
        f"Got {value!r}."
    )
    return fail(msg)


def check_real(
    owner: object,
    name: str,
    value: object,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
) -> float:
    """Return a real parameter as a float, or raise naming it and its range.

    Parameters
    ----------
    owner : estimator
        The estimator whose parameter this is.
    name : str
        The parameter.
    value : object
        Its value.
    low, high : float, optional
        Bounds of the allowed range (inclusive unless ``low_open``).
    low_open : bool, default=False
        Exclude ``low`` itself.

    Returns
    -------
    float
        The value.

    Raises
    ------
    FairnessValueError
        When the value is not a finite real number in range.
    """
    lo = "" if low is None else f"{'>' if low_open else '>='} {low}"
    hi = "" if high is None else f"<= {high}"
    expected = "a finite number" + (
        " " + " and ".join(p for p in (lo, hi) if p) if lo or hi else ""
    )
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise param_error(owner, name, value, expected)
    v = float(value)
    if not np.isfinite(v):
        raise param_error(owner, name, value, expected)
    if low is not None and (v < low or (low_open and v == low)):
        raise param_error(owner, name, value, expected)
    if high is not None and v > high:
        raise param_error(owner, name, value, expected)
    return v


def check_int_param(owner: object, name: str, value: object, *, minimum: int) -> int:
    """Return an integer parameter, or raise naming it.

    Parameters
    ----------
    owner : estimator
        The estimator whose parameter this is.
    name : str
        The parameter.
    value : object
        Its value.
    minimum : int
        Smallest allowed value.

    Returns
    -------
    int
        The value.

    Raises
    ------
    FairnessValueError
        When the value is not an integer >= ``minimum``.
    """
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Integral)
        or int(value) < minimum
    ):
        raise param_error(owner, name, value, f"an integer >= {minimum}")
    return int(value)


def check_choice_param(
    owner: object, name: str, value: object, allowed: tuple[str, ...]
) -> str:
    """Return a string option, or raise naming the allowed values.

    Parameters
    ----------
    owner : estimator
        The estimator whose parameter this is.
    name : str
        The parameter.
    value : object
        Its value.
    allowed : tuple of str
        The allowed values.

    Returns
    -------
    str
        The value.

    Raises
    ------
    FairnessValueError
        When the value is not one of ``allowed`` (with a "did you mean" hint).
    """
    if not isinstance(value, str) or value not in allowed:
        hint = hint_for(value, allowed) if isinstance(value, str) else ""
        msg = (
            f"The {name!r} parameter of {type(owner).__name__} must be one of "
            f"{list(allowed)!r}. Got {value!r}.{hint}"
        )
        raise fail(msg)
    return value


def _n_rows(obj: Any) -> int:
    if isinstance(obj, Mapping):
        return _n_rows(next(iter(obj.values()))) if obj else 0
    shape = getattr(obj, "shape", None)
    if shape is not None and len(shape) >= 1:
        return int(shape[0])
    return len(obj)


def _positions(owner: Any, value: Any, n_features: int) -> NDArray[np.intp]:
    """Return the sorted positions of the columns named by ``sensitive_feature_ids``."""
    ids = (
        [value]
        if isinstance(value, str | int | np.integer) and not isinstance(value, bool)
        else value
    )
    try:
        ids = list(ids)
    except TypeError:
        raise param_error(
            owner, "sensitive_feature_ids", value, "column names or positions"
        ) from None
    names = getattr(owner, "feature_names_in_", None)
    known = [str(n) for n in names] if names is not None else []
    positions: list[int] = []
    for item in ids:
        if isinstance(item, int | np.integer) and not isinstance(item, bool):
            if not 0 <= int(item) < n_features:
                raise param_error(
                    owner,
                    "sensitive_feature_ids",
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
                    f"The 'sensitive_feature_ids' parameter of "
                    f"{type(owner).__name__} names column {item!r}, which is not "
                    f"among {where}.{hint_for(item, known)}"
                )
                raise fail(msg)
            positions.append(known.index(item))
        else:
            raise param_error(
                owner, "sensitive_feature_ids", value, "column names or positions"
            )
    if not positions or len(set(positions)) != len(positions):
        raise param_error(
            owner,
            "sensitive_feature_ids",
            value,
            "a non-empty list of distinct columns",
        )
    return np.array(sorted(positions), dtype=np.intp)


@dataclass(frozen=True, slots=True)
class Inputs:
    """Validated inputs of a fit or predict call.

    Attributes
    ----------
    X : ndarray of float64
        The model inputs (``X`` without the sensitive columns).
    y : ndarray or None
        The validated target (fit only).
    sensitive : object or None
        The sensitive features (metadata, or a dict of the columns of ``X``).
    """

    X: NDArray[np.float64]
    y: NDArray[Any] | None
    sensitive: Any


def split_sensitive(
    owner: Any,
    X: Any,
    sensitive_features: Any,
    *,
    y: Any = None,
    reset: bool,
    need_groups: bool,
) -> Inputs:
    """Validate ``X`` (and ``y``) and separate the sensitive features from ``X``.

    Parameters
    ----------
    owner : estimator
        Has a ``sensitive_feature_ids`` parameter.
    X : array-like or DataFrame
        The input.
    sensitive_features : array-like, Series, DataFrame, dict or None
        The metadata form.
    y : array-like, optional
        The target, validated together with ``X`` in ``fit``.
    reset : bool
        True in ``fit`` (validates ``y``, records ``n_features_in_`` and
        ``feature_names_in_``), False when predicting.
    need_groups : bool
        Raise when neither form gives the sensitive features.

    Returns
    -------
    Inputs
        The numeric model inputs, the target and the sensitive features.

    Raises
    ------
    FairnessValueError
        When both or (with ``need_groups``) neither form is given, when an id
        does not name a column, or on a length mismatch.
    """
    ids = owner.sensitive_feature_ids
    if ids is not None and sensitive_features is not None:
        msg = (
            f"{type(owner).__name__} got both sensitive_features= and "
            f"sensitive_feature_ids={ids!r}. Pass the sensitive features one way: "
            "as metadata, or as columns of X named by sensitive_feature_ids."
        )
        raise fail(msg)
    if ids is None and sensitive_features is None and need_groups:
        msg = (
            f"{type(owner).__name__} needs the sensitive features: pass "
            "sensitive_features= to fit (a column, a DataFrame or a dict of "
            "columns, one value per row of X), or set sensitive_feature_ids to "
            "the columns of X that hold them."
        )
        raise fail(msg)
    kwargs: dict[str, Any] = {"reset": reset}
    if ids is None:
        kwargs["dtype"] = np.float64
    else:
        kwargs.update(dtype=None, ensure_all_finite=False)
    if reset:
        X_checked, y_checked = validate_data(owner, X, y, **kwargs)
    else:
        X_checked = validate_data(owner, X, **kwargs)
        y_checked = None
    n_features = X_checked.shape[1]
    if ids is None:
        rest = X_checked
        sensitive = sensitive_features
    else:
        positions = _positions(owner, ids, n_features)
        names = getattr(owner, "feature_names_in_", None)
        labels = (
            [str(n) for n in names]
            if names is not None
            else [f"x{i}" for i in range(n_features)]
        )
        sensitive = {labels[p]: X_checked[:, p] for p in positions}
        keep = np.setdiff1d(np.arange(n_features), positions)
        if keep.size == 0:
            msg = (
                f"X has {n_features} feature(s), all of them listed in "
                f"sensitive_feature_ids={ids!r}; {type(owner).__name__} needs at "
                "least one other feature to learn from."
            )
            raise fail(msg)
        rest = check_array(X_checked[:, keep], dtype=np.float64)
    if sensitive_features is not None:
        n_sf, n_x = _n_rows(sensitive_features), X_checked.shape[0]
        if n_sf != n_x:
            msg = (
                f"sensitive_features has {n_sf} rows but X has {n_x}. "
                "Pass one value per row of X."
            )
            raise fail(msg)
    return Inputs(rest, y_checked, sensitive)


def fit_groups(sensitive: Any, n_rows: int) -> GroupEncoding:
    """Encode the sensitive features seen at fit time as intersectional groups.

    Parameters
    ----------
    sensitive : object
        Any form :func:`~pytest_fairness.audit` accepts.
    n_rows : int
        Number of rows.

    Returns
    -------
    GroupEncoding
        The groups that occur and each row's group.
    """
    return encode_groups(sensitive, n_rows)


@dataclass(frozen=True, slots=True)
class BinaryTarget:
    """A binary target as 0/1 floats, with its two classes.

    Attributes
    ----------
    y : ndarray of float64
        1.0 where the label is ``classes[1]`` (the positive class).
    classes : ndarray
        The two labels, sorted.
    """

    y: NDArray[np.float64]
    classes: NDArray[Any]


def encode_target(owner: object, y: NDArray[Any] | None) -> BinaryTarget:
    """Check that ``y`` is a binary target and encode it as 0/1.

    Parameters
    ----------
    owner : estimator
        For messages.
    y : ndarray
        Labels, validated by ``validate_data``.

    Returns
    -------
    BinaryTarget
        The encoded target; ``classes[1]`` is the positive class, as in
        scikit-learn.

    Raises
    ------
    FairnessValueError
        For continuous or multiclass targets, or a single class.
    """
    if y is None:  # pragma: no cover - callers always pass y to fit
        msg = "y is required."
        raise fail(msg)
    kind = type_of_target(y, input_name="y", raise_unknown=True)
    classes, codes = np.unique(y, return_inverse=True)
    if kind != "binary" or classes.shape[0] != 2:
        msg = (
            f"Only binary classification is supported. The type of the target is "
            f"{kind!r} with {classes.shape[0]} class(es) "
            f"({classes[:10].tolist()!r}); {type(owner).__name__} needs y with "
            "exactly two classes."
        )
        raise fail(msg)
    return BinaryTarget(codes.astype(np.float64), classes)


def row_weights(sample_weight: Any, n_rows: int) -> NDArray[np.float64]:
    """Return validated sample weights (ones when None).

    Parameters
    ----------
    sample_weight : array-like or None
        Non-negative weights, one per row.
    n_rows : int
        Number of rows of ``X``.

    Returns
    -------
    ndarray of float64
        The weights.

    Raises
    ------
    FairnessValueError
        On a shape mismatch, negative or non-finite weights, or a zero sum.
    """
    if sample_weight is None:
        return np.ones(n_rows, dtype=np.float64)
    w = np.asarray(sample_weight, dtype=np.float64)
    if w.ndim == 0:
        w = np.full(n_rows, float(w))
    if w.ndim != 1 or w.shape[0] != n_rows:
        msg = (
            f"sample_weight must have shape ({n_rows},), one weight per row of X. "
            f"Got shape {w.shape}."
        )
        raise fail(msg)
    if not np.isfinite(w).all() or (w < 0).any():
        msg = "sample_weight must be finite and non-negative."
        raise fail(msg)
    if w.sum() <= 0:
        msg = "sample_weight sums to zero: at least one row must carry weight."
        raise fail(msg)
    return w
