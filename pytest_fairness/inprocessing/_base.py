"""Shared machinery of the in-processing classifiers: inputs, groups and labels.

Every classifier of this stage takes its groups either from
``sensitive_features=`` (fit metadata, routed by scikit-learn's metadata
routing) or from columns of ``X`` named by its ``sensitive_feature_ids``
parameter; those columns define the groups and are not model inputs. The
helpers here resolve both forms to the numeric feature matrix and to one
intersectional group code per row (through
:func:`pytest_fairness._groups.encode_groups`). :class:`InProcessingClassifier`
runs them at the start of ``fit`` and of every prediction method, and
:class:`LogitClassifier` derives probabilities and labels from a log-odds
``decision_function``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from pytest_fairness._groups import (
    check_one_source,
    check_rows,
    columns_of,
    encode_groups,
    resolve_columns,
)
from pytest_fairness._validation import fail

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray
    from sklearn.utils import Tags

__all__ = [
    "FitData",
    "InProcessingClassifier",
    "LogitClassifier",
    "encode_target",
    "expit",
    "row_weights",
    "split_sensitive",
]


def split_sensitive(
    owner: Any,
    X: Any,
    sensitive_features: Any,
    *,
    y: Any = None,
    reset: bool,
    need_groups: bool,
    passthrough: bool = False,
) -> tuple[Any, NDArray[Any] | None, Any]:
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
    passthrough : bool, default=False
        Leave the model inputs as given (any dtypes; a DataFrame stays one),
        for a wrapped estimator that validates them itself; ``X`` is only
        checked for its shape and column names.

    Returns
    -------
    X_model : ndarray of float64, or as given
        The model inputs (``X`` without the sensitive columns).
    y : ndarray or None
        The validated target (None when predicting).
    sensitive : object or None
        The sensitive features (metadata, or a dict of the columns of ``X``).

    Raises
    ------
    FairnessValueError
        When both or (with ``need_groups``) neither form is given, when an id
        does not name a column, or on a length mismatch.
    """
    check_one_source(owner, sensitive_features, required=need_groups)
    ids = owner.sensitive_feature_ids
    kwargs: dict[str, Any] = {"reset": reset}
    if ids is None and not passthrough:
        kwargs["dtype"] = np.float64
    else:
        kwargs.update(dtype=None, ensure_all_finite=False)
    if passthrough:
        kwargs["accept_sparse"] = ["csr", "csc"]
    if reset:
        X_checked, y_checked = validate_data(owner, X, y, **kwargs)
    else:
        X_checked = validate_data(owner, X, **kwargs)
        y_checked = None
    n_features = X_checked.shape[1]
    if ids is None:
        # a frame stays a frame; a list becomes the validated array
        rest = X if passthrough and hasattr(X, "shape") else X_checked
        sensitive = sensitive_features
    else:
        positions = resolve_columns(
            owner, ids, name="sensitive_feature_ids", n_features=n_features
        )
        if positions is None:  # pragma: no cover - ids is not None here
            msg = "sensitive_feature_ids names no column."
            raise fail(msg)
        sensitive = columns_of(owner, X_checked, positions)
        keep = np.setdiff1d(np.arange(n_features), positions)
        if keep.size == 0:
            msg = (
                f"X has {n_features} feature(s), all of them listed in "
                f"sensitive_feature_ids={ids!r}; {type(owner).__name__} needs at "
                "least one other feature to learn from."
            )
            raise fail(msg)
        if passthrough:
            rest = X.iloc[:, keep] if hasattr(X, "iloc") else X_checked[:, keep]
        else:
            rest = check_array(X_checked[:, keep], dtype=np.float64)
    if sensitive_features is not None:
        check_rows(sensitive_features, X_checked.shape[0])
    return rest, y_checked, sensitive


def encode_target(
    owner: object, y: NDArray[Any] | None
) -> tuple[NDArray[np.float64], NDArray[Any]]:
    """Check that ``y`` is a binary target and encode it as 0/1.

    Parameters
    ----------
    owner : estimator
        For messages.
    y : ndarray
        Labels, validated by ``validate_data``.

    Returns
    -------
    y01 : ndarray of float64
        1.0 where the label is ``classes[1]`` (the positive class, as in
        scikit-learn), else 0.0.
    classes : ndarray
        The two labels, sorted.

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
    return codes.astype(np.float64), classes


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


def expit(z: NDArray[np.float64]) -> NDArray[np.float64]:
    """Return the logistic function of ``z`` without overflow.

    Parameters
    ----------
    z : ndarray of float64
        Log-odds.

    Returns
    -------
    ndarray of float64
        ``1 / (1 + exp(-z))``.
    """
    out: NDArray[np.float64] = np.exp(-np.logaddexp(0.0, -z))
    return out


@dataclass(frozen=True, slots=True)
class FitData:
    """The validated training data of an in-processing classifier.

    Attributes
    ----------
    X : ndarray of float64, or as given
        The model inputs (``X`` without the sensitive columns); as given to
        ``fit`` for a classifier that passes them through.
    y : ndarray of float64
        1.0 where the label is ``classes[1]`` (the positive class), else 0.0.
    classes : ndarray
        The two labels, sorted.
    weights : ndarray of float64
        The row weights (ones without ``sample_weight``).
    codes : ndarray of intp
        Each row's position in ``groups`` (all 0 without sensitive features).
    groups : tuple of tuple
        The intersectional groups that occur (empty without sensitive
        features).
    """

    X: Any
    y: NDArray[np.float64]
    classes: NDArray[Any]
    weights: NDArray[np.float64]
    codes: NDArray[np.intp]
    groups: tuple[tuple[Any, ...], ...]

    @property
    def n_groups(self) -> int:
        """Number of groups; 1 without sensitive features (every row in group 0)."""
        return max(len(self.groups), 1)


class InProcessingClassifier(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """Base of the in-processing classifiers: the start of fit and of predictions.

    A subclass stores its parameters (among them ``sensitive_feature_ids``)
    in ``__init__``, checks them at the start of ``fit``, gets its training
    data from :meth:`_fit_data`, records them with :meth:`_record_fit`, and
    gets the model inputs of every prediction from :meth:`_model_inputs`.
    The classifiers are binary.

    Attributes
    ----------
    sensitive_feature_ids : int, str, list or None
        Columns of ``X`` holding the sensitive features (a parameter of each
        subclass).
    """

    sensitive_feature_ids: Any
    classes_: NDArray[Any]
    groups_: tuple[tuple[Any, ...], ...]
    #: Give ``X`` to the model as given (see :func:`split_sensitive`).
    _passthrough_X = False

    def __sklearn_tags__(self) -> Tags:
        tags = super().__sklearn_tags__()
        if tags.classifier_tags is not None:
            tags.classifier_tags.multi_class = False
        return tags

    def _fit_data(
        self,
        X: ArrayLike,
        y: ArrayLike,
        sensitive_features: Any,
        *,
        sample_weight: Any = None,
        need_groups: bool = True,
    ) -> FitData:
        """Validate the inputs of ``fit``: ``X``, a binary ``y``, weights, groups.

        Records ``n_features_in_`` and ``feature_names_in_``. Raises as
        :func:`split_sensitive`, :func:`encode_target` and
        :func:`row_weights` do.
        """
        X_model, y_checked, sensitive = split_sensitive(
            self,
            X,
            sensitive_features,
            y=y,
            reset=True,
            need_groups=need_groups,
            passthrough=self._passthrough_X,
        )
        y01, classes = encode_target(self, y_checked)
        n = X_model.shape[0]
        weights = row_weights(sample_weight, n)
        groups: tuple[tuple[Any, ...], ...] = ()
        if sensitive is None:
            codes = np.zeros(n, dtype=np.intp)
        else:
            encoding = encode_groups(sensitive, n)
            codes, groups = encoding.codes, encoding.groups
        return FitData(X_model, y01, classes, weights, codes, groups)

    def _record_fit(self, data: FitData) -> None:
        """Set the fitted attributes every subclass has: ``classes_``, ``groups_``."""
        self.classes_ = data.classes
        self.groups_ = data.groups

    def _model_inputs(self, X: ArrayLike) -> Any:
        """Check that the estimator is fitted; return the model inputs of ``X``."""
        check_is_fitted(self)
        X_model, _, _ = split_sensitive(
            self,
            X,
            None,
            reset=False,
            need_groups=False,
            passthrough=self._passthrough_X,
        )
        return X_model


class LogitClassifier(InProcessingClassifier):
    """An in-processing classifier whose decision function is a log-odds.

    A subclass defines ``decision_function(X)``, the log-odds of
    ``classes_[1]``; the class probabilities and the labels follow from it.
    """

    if TYPE_CHECKING:  # each subclass defines it, with its own docstring

        def decision_function(self, X: ArrayLike) -> NDArray[np.float64]: ...

    def predict_proba(self, X: ArrayLike) -> NDArray[np.float64]:
        """Return the probability of each class.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Inputs, with the columns seen in :meth:`fit`.

        Returns
        -------
        ndarray of shape (n_samples, 2)
            Columns in the order of ``classes_``.
        """
        p = expit(self.decision_function(X))
        return np.column_stack([1.0 - p, p])

    def predict(self, X: ArrayLike) -> NDArray[Any]:
        """Predict class labels.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Inputs, with the columns seen in :meth:`fit`.

        Returns
        -------
        ndarray of shape (n_samples,)
            ``classes_[1]`` where the decision function is positive, else
            ``classes_[0]``.
        """
        positive = self.decision_function(X) > 0
        out: NDArray[Any] = self.classes_[positive.astype(int)]
        return out
