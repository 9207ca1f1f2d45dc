"""Shared machinery of the pre-processing estimators: sensitive features and columns.

Every estimator of this stage takes its groups either from ``sensitive_features=``
(fit/transform metadata, routed by scikit-learn's metadata routing) or from
columns of ``X`` named by its ``sensitive_feature_ids`` parameter. The helpers
here resolve both forms to one group code per row (through
:func:`pytest_fairness._groups.encode_groups`) and to the numeric matrix of the
remaining columns.
"""

from __future__ import annotations

import numbers
from typing import TYPE_CHECKING, Any

import numpy as np

from pytest_fairness._groups import (
    GroupEncoding,
    check_one_source,
    check_rows,
    columns_of,
    encode_groups,
    resolve_columns,
)
from pytest_fairness._optional import import_optional
from pytest_fairness._validation import fail, param_error

import_optional("sklearn", extra="mitigation", purpose="pre-processing estimators")

from sklearn.base import BaseEstimator, TransformerMixin  # noqa: E402
from sklearn.utils.validation import (  # noqa: E402
    check_array,
    check_is_fitted,
    validate_data,
)

if TYPE_CHECKING:
    from typing import Self

    from numpy.typing import NDArray

__all__ = [
    "GroupTransformer",
    "check_flag",
    "check_min_int",
    "check_unit_interval",
    "feature_names",
    "fit_groups",
    "group_codes",
    "group_slices",
    "output_feature_names",
    "param_error",
    "split_sensitive",
    "take_rows",
]


def check_unit_interval(owner: object, name: str, value: object) -> float:
    """Return ``value`` as a float in [0, 1] or raise naming the parameter."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise param_error(owner, name, value, "a float in [0, 1]")
    if not 0.0 <= float(value) <= 1.0:
        raise param_error(owner, name, value, "a float in [0, 1]")
    return float(value)


def check_min_int(owner: object, name: str, value: object, minimum: int) -> int:
    """Return ``value`` as an int >= ``minimum`` or raise naming the parameter."""
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Integral)
        or int(value) < minimum
    ):
        raise param_error(owner, name, value, f"an int >= {minimum}")
    return int(value)


def check_flag(owner: object, name: str, value: object) -> bool:
    """Return ``value`` as a bool or raise naming the parameter."""
    if not isinstance(value, bool | np.bool_):
        raise param_error(owner, name, value, "True or False")
    return bool(value)


def feature_names(owner: Any) -> list[str]:
    """Return the input feature names of a fitted estimator (``x0``... without)."""
    names = getattr(owner, "feature_names_in_", None)
    if names is not None:
        return [str(n) for n in names]
    return [f"x{i}" for i in range(owner.n_features_in_)]


def split_sensitive(
    owner: Any,
    X: Any,
    sensitive_features: Any,
    *,
    y: Any = None,
    reset: bool,
    numeric: bool = True,
    requires_y: bool = False,
) -> tuple[NDArray[Any], Any, Any]:
    """Validate ``X`` and separate the sensitive features from the other columns.

    Parameters
    ----------
    owner : estimator
        Has a ``sensitive_feature_ids`` parameter.
    X : array-like or DataFrame
        The input.
    sensitive_features : array-like, Series, DataFrame, dict or None
        The metadata form.
    y : array-like, optional
        Validated together with ``X`` when given.
    reset : bool
        True in ``fit`` (records ``n_features_in_`` and ``feature_names_in_``).
    numeric : bool, default=True
        Convert the non-sensitive columns to a finite float64 matrix.
    requires_y : bool, default=False
        Raise when ``y`` is None.

    Returns
    -------
    rest : ndarray
        The columns of ``X`` that are not sensitive (float64 when ``numeric``).
    sensitive : object or None
        ``sensitive_features``, or a dict of the sensitive columns of ``X``.
    y : ndarray or None
        The validated target.

    Raises
    ------
    FairnessValueError
        When both or neither form is given, or an id does not name a column.
    """
    if requires_y and y is None:
        msg = (
            f"{type(owner).__name__} requires y to be passed, but the target y is None."
        )
        raise fail(msg)
    check_one_source(owner, sensitive_features)
    ids = owner.sensitive_feature_ids
    kwargs: dict[str, Any] = {"reset": reset}
    if ids is None and numeric:
        kwargs["dtype"] = np.float64
    else:
        kwargs["dtype"] = None
        kwargs["ensure_all_finite"] = False
        kwargs["accept_sparse"] = ["csr", "csc"] if not numeric else False
    if y is None:
        X_checked = validate_data(owner, X, **kwargs)
        y_checked = None
    else:
        X_checked, y_checked = validate_data(owner, X, y, **kwargs)
    n_features = X_checked.shape[1]
    if ids is None:
        rest = X_checked
        sensitive = sensitive_features
        if reset:
            owner._sensitive_idx = np.zeros(0, dtype=np.intp)
    else:
        if reset:
            positions = resolve_columns(
                owner, ids, name="sensitive_feature_ids", n_features=n_features
            )
            owner._sensitive_idx = positions
        positions = owner._sensitive_idx
        if positions is None:  # pragma: no cover - resolve_columns got ids
            raise param_error(
                owner, "sensitive_feature_ids", ids, "a non-empty list of columns"
            )
        sensitive = columns_of(owner, X_checked, positions)
        keep = np.setdiff1d(np.arange(n_features), positions)
        rest = X_checked[:, keep]
        if numeric:
            if keep.size == 0:
                msg = (
                    f"X has {n_features} feature(s), all of them listed in "
                    f"sensitive_feature_ids={ids!r}; {type(owner).__name__} needs "
                    "at least one other feature to work on."
                )
                raise fail(msg)
            rest = check_array(rest, dtype=np.float64)
    if sensitive_features is not None:
        check_rows(sensitive_features, X_checked.shape[0])
    return rest, sensitive, y_checked


def fit_groups(sensitive: Any, n_rows: int) -> GroupEncoding:
    """Encode the sensitive features seen at fit time as intersectional groups."""
    return encode_groups(sensitive, n_rows)


def group_codes(owner: Any, sensitive: Any, n_rows: int) -> NDArray[np.intp]:
    """Map rows to the fitted groups (``owner.groups_``); unseen groups are errors."""
    return encode_groups(sensitive, n_rows).map_to(owner.groups_, unseen="error")


def take_rows(data: Any, indices: NDArray[np.intp]) -> Any:
    """Return the rows ``indices`` of an array, pandas or polars object, same type.

    pandas objects get a fresh ``RangeIndex``.
    """
    if hasattr(data, "iloc"):
        return data.iloc[indices].reset_index(drop=True)
    if hasattr(data, "tocsr"):  # a scipy sparse matrix or array
        return data.tocsr()[indices]
    if isinstance(data, np.ndarray):
        return data[indices]
    module = type(data).__module__.split(".", 1)[0]
    if module == "polars":
        return data[indices]
    return np.asarray(data)[indices]


def output_feature_names(
    owner: Any, input_features: Any, *, drop: NDArray[np.intp]
) -> NDArray[np.object_]:
    """Return output feature names: the input names without the dropped columns.

    Parameters
    ----------
    owner : estimator
        A fitted estimator with ``n_features_in_``.
    input_features : array-like of str or None
        Names given by the caller; they must match ``feature_names_in_``.
    drop : ndarray of intp
        Positions left out of the output.

    Returns
    -------
    ndarray of object
        Output names.

    Raises
    ------
    FairnessValueError
        When ``input_features`` does not match the fitted input.
    """
    names = feature_names(owner)
    if input_features is not None:
        given = [str(n) for n in input_features]
        fitted = getattr(owner, "feature_names_in_", None)
        if fitted is not None and given != [str(n) for n in fitted]:
            msg = (
                f"input_features is not equal to feature_names_in_: {given!r} "
                f"against {names!r}."
            )
            raise fail(msg)
        if len(given) != owner.n_features_in_:
            msg = (
                f"input_features should have length equal to the number of "
                f"features ({owner.n_features_in_}), got {len(given)}."
            )
            raise fail(msg)
        names = given
    keep = [n for i, n in enumerate(names) if i not in set(drop.tolist())]
    return np.asarray(keep, dtype=object)


def group_slices(codes: NDArray[np.intp], n_groups: int) -> list[NDArray[np.intp]]:
    """Return the row positions of every group (one stable sort, no mask per group)."""
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(n_groups + 1))
    return [order[bounds[g] : bounds[g + 1]] for g in range(n_groups)]


class GroupTransformer(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Template for the transformers that work on the non-sensitive columns.

    Subclasses implement ``_fit(rest, groups)`` and ``_transform(rest, codes)``
    on the float matrix of the non-sensitive columns. The sensitive columns
    named by ``sensitive_feature_ids`` are read as the groups and left out of
    the output.
    """

    sensitive_feature_ids: Any
    groups_: tuple[tuple[Any, ...], ...] | None

    def _fit(self, rest: NDArray[np.float64], groups: GroupEncoding) -> None:
        raise NotImplementedError

    def _transform(
        self, rest: NDArray[np.float64], codes: NDArray[np.intp]
    ) -> NDArray[np.float64]:
        raise NotImplementedError

    def _columns_in_rest(self, value: Any, n_rest: int) -> NDArray[np.intp]:
        """Positions (among the non-sensitive columns) of a ``columns`` parameter."""
        sensitive = self._sensitive_idx
        n_features = self.n_features_in_
        keep = np.setdiff1d(np.arange(n_features), sensitive)
        if value is None:
            return np.arange(n_rest, dtype=np.intp)
        positions = resolve_columns(self, value, name="columns", n_features=n_features)
        if positions is None:  # pragma: no cover - value is not None here
            raise param_error(self, "columns", value, "a non-empty list of columns")
        clash = np.intersect1d(positions, sensitive)
        if clash.size:
            names = feature_names(self)
            raise param_error(
                self,
                "columns",
                value,
                "columns that are not sensitive features (it includes "
                f"{[names[i] for i in clash]!r}, listed in sensitive_feature_ids)",
            )
        return np.searchsorted(keep, positions).astype(np.intp)

    def fit(self, X: Any, y: Any = None, *, sensitive_features: Any = None) -> Self:
        """Learn the per-group statistics of the non-sensitive columns.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Training data (numeric, except the ``sensitive_feature_ids``
            columns).
        y : None
            Ignored.
        sensitive_features : array-like, Series, DataFrame or dict, optional
            One or several sensitive columns, one value per row. Required
            unless ``sensitive_feature_ids`` is set.

        Returns
        -------
        self : object
            The fitted transformer.

        Raises
        ------
        FairnessValueError
            On bad parameters, missing sensitive features or unknown columns.
        """
        rest, sensitive, _ = split_sensitive(self, X, sensitive_features, reset=True)
        groups = fit_groups(sensitive, rest.shape[0])
        self.groups_ = groups.groups
        self.sensitive_attributes_ = groups.attributes
        self._fit(rest, groups)
        return self

    def transform(self, X: Any, *, sensitive_features: Any = None) -> Any:
        """Transform the non-sensitive columns of ``X`` with the fitted statistics.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Data with the columns seen in ``fit``.
        sensitive_features : array-like, Series, DataFrame or dict, optional
            The group of every row (same columns as in ``fit``). Required
            unless ``sensitive_feature_ids`` is set.

        Returns
        -------
        ndarray of shape (n_samples, n_features_out)
            The transformed non-sensitive columns (a DataFrame with
            ``set_output(transform="pandas")``).

        Raises
        ------
        FairnessValueError
            On a group not seen in ``fit`` or missing sensitive features.
        """
        check_is_fitted(self)
        rest, sensitive, _ = split_sensitive(self, X, sensitive_features, reset=False)
        codes = group_codes(self, sensitive, rest.shape[0])
        return self._transform(rest, codes)

    def fit_transform(
        self, X: Any, y: Any = None, *, sensitive_features: Any = None
    ) -> Any:
        """Fit, then transform the same data.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Training data.
        y : None
            Ignored.
        sensitive_features : array-like, Series, DataFrame or dict, optional
            One or several sensitive columns, one value per row. Required
            unless ``sensitive_feature_ids`` is set.

        Returns
        -------
        ndarray of shape (n_samples, n_features_out)
            The transformed non-sensitive columns.
        """
        return self.fit(X, y, sensitive_features=sensitive_features).transform(
            X, sensitive_features=sensitive_features
        )

    def get_feature_names_out(self, input_features: Any = None) -> NDArray[np.object_]:
        """Return the output column names: the input names minus the sensitive ones.

        Parameters
        ----------
        input_features : array-like of str, optional
            Input names; must equal ``feature_names_in_`` when that is set.

        Returns
        -------
        ndarray of object
            Output names.
        """
        check_is_fitted(self)
        return output_feature_names(self, input_features, drop=self._sensitive_idx)
