"""Reweighing (Kamiran & Calders 2012): weights making labels independent of groups."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any, TypeVar, cast

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from pytest_fairness._sample_weight import fit_params_for_weights
from pytest_fairness._validation import fail
from pytest_fairness.exceptions import FairnessWarning
from pytest_fairness.preprocessing._base import fit_groups, split_sensitive

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Self

    from numpy.typing import NDArray
    from sklearn.utils import Tags

__all__ = ["Reweighing", "ReweighingMeta"]

_F = TypeVar("_F", bound="Callable[..., Any]")


def _check_sample_weight(sample_weight: Any, n_rows: int) -> NDArray[np.float64]:
    if sample_weight is None:
        return np.ones(n_rows, dtype=np.float64)
    try:
        weights = np.asarray(sample_weight, dtype=np.float64)
    except (TypeError, ValueError):
        msg = f"sample_weight must be numbers. Got {type(sample_weight).__name__}."
        raise fail(msg) from None
    if weights.ndim != 1 or weights.shape[0] != n_rows:
        msg = (
            f"sample_weight must hold one number per row of X ({n_rows}). "
            f"Got shape {weights.shape}."
        )
        raise fail(msg)
    if not np.isfinite(weights).all() or (weights < 0).any():
        msg = "sample_weight must be finite and non-negative."
        raise fail(msg)
    if not weights.sum() > 0:
        msg = "sample_weight must not be all zero."
        raise fail(msg)
    return weights


class Reweighing(BaseEstimator):  # type: ignore[misc]
    r"""Weights that make the label statistically independent of the group.

    Kamiran and Calders' reweighing gives every row of group :math:`s` with
    label :math:`y` the weight

    .. math::

        W(s, y) = \frac{P(s)\,P(y)}{P(s, y)},

    the ratio of the cell's expected share (were label and group independent)
    to its observed share. Rows of cells that are rarer than independence
    would make them (for example approved women, when women are approved less
    often) weigh more than 1. A model fitted with these weights sees data in
    which every group has the overall base rate. The data and the labels are
    not changed.

    Groups are the intersections of every sensitive column (e.g. gender ×
    race). Labels may have any number of classes.

    Parameters
    ----------
    sensitive_feature_ids : int, str, list of int or str, or None, default=None
        Columns of ``X`` that hold the sensitive features, used when ``fit``
        gets no ``sensitive_features``. ``X`` itself is never changed.

    Attributes
    ----------
    sample_weight_ : ndarray of shape (n_samples,)
        The weight of every training row (times the ``sample_weight`` given to
        ``fit``, if any).
    weight_table_ : pandas.DataFrame
        One row per group × label: one column per sensitive attribute, then
        ``label``, ``count`` (rows), ``observed`` (weighted rows), ``expected``
        (:math:`N\,P(s)\,P(y)`) and ``weight`` (:math:`W(s, y)`; NaN for a
        cell without rows).
    groups_ : tuple of tuple
        The intersectional groups seen in ``fit``.
    classes_ : ndarray
        The labels seen in ``fit``.
    n_features_in_ : int
        Number of columns of ``X``.
    feature_names_in_ : ndarray of str
        Column names of ``X``, when it has string column names.

    See Also
    --------
    ReweighingMeta : fits an estimator with these weights.
    Resampler : the same goal by resampling rows instead of weighting them.

    Notes
    -----
    With :math:`N_{sy}` the (weighted) number of rows of group :math:`s` and
    label :math:`y`, :math:`N_s` and :math:`N_y` the margins and :math:`N`
    the total, :math:`W(s, y) = N_s N_y / (N N_{sy})`. The weighted base rate
    of every group is then exactly the overall base rate:
    :math:`\sum_{i \in s, y_i = y} w_i / \sum_{i \in s} w_i = N_y / N`, and
    the total weight of every group is unchanged. A group that has no row of
    some label cannot reach the overall rate; ``fit`` warns about it.

    References
    ----------
    F. Kamiran and T. Calders, "Data preprocessing techniques for
    classification without discrimination", *Knowledge and Information
    Systems* 33, 1-33 (2012).

    Examples
    --------
    >>> import numpy as np
    >>> from pytest_fairness.preprocessing import Reweighing
    >>> X = np.zeros((8, 1))
    >>> y = np.array([1, 1, 1, 0, 1, 0, 0, 0])
    >>> gender = np.array(["m", "m", "m", "m", "f", "f", "f", "f"])
    >>> rw = Reweighing().fit(X, y, sensitive_features=gender)
    >>> rw.sample_weight_
    array([0.66666667, 0.66666667, 0.66666667, 2.        , 2.        ,
           0.66666667, 0.66666667, 0.66666667])
    >>> rw.weight_table_[["sensitive_feature_0", "label", "count", "weight"]]
      sensitive_feature_0  label  count    weight
    0                   f      0      3  0.666667
    1                   f      1      1  2.000000
    2                   m      0      1  2.000000
    3                   m      1      3  0.666667
    """

    def __init__(self, *, sensitive_feature_ids: Any = None) -> None:
        self.sensitive_feature_ids = sensitive_feature_ids

    def fit(
        self,
        X: Any,
        y: Any,
        *,
        sensitive_features: Any = None,
        sample_weight: Any = None,
    ) -> Self:
        """Compute the weight of every group × label cell and of every row.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Training data; only its rows count (and the columns named by
            ``sensitive_feature_ids``).
        y : array-like of shape (n_samples,)
            Labels (any number of classes).
        sensitive_features : array-like, Series, DataFrame or dict, optional
            One or several sensitive columns, one value per row. Required
            unless ``sensitive_feature_ids`` is set.
        sample_weight : array-like of shape (n_samples,), optional
            Prior weights; probabilities are weighted by them and the result
            multiplies them.

        Returns
        -------
        self : Reweighing
            The fitted estimator.

        Raises
        ------
        FairnessValueError
            On missing or inconsistent sensitive features or bad weights.
        """
        _, sensitive, y_checked = split_sensitive(
            self, X, sensitive_features, y=y, reset=True, numeric=False, requires_y=True
        )
        n_rows = y_checked.shape[0]
        weights = _check_sample_weight(sample_weight, n_rows)
        groups = fit_groups(sensitive, n_rows)
        classes, y_codes = np.unique(y_checked, return_inverse=True)
        n_groups, n_classes = groups.n_groups, classes.shape[0]
        cell = groups.codes * n_classes + y_codes
        observed = np.bincount(
            cell, weights=weights, minlength=n_groups * n_classes
        ).reshape(n_groups, n_classes)
        total = observed.sum()
        by_group = observed.sum(axis=1)
        by_label = observed.sum(axis=0)
        expected = np.outer(by_group, by_label) / total
        with np.errstate(divide="ignore", invalid="ignore"):
            factor = np.where(
                observed > 0,
                np.outer(by_group, by_label) / (total * observed),
                np.nan,
            )
        # a cell without weight holds only rows of prior weight 0: they stay at 0
        row_factor = np.nan_to_num(factor.ravel()[cell], nan=0.0)
        self.sample_weight_ = weights * row_factor
        counts = np.bincount(cell, minlength=n_groups * n_classes)
        self.groups_ = groups.groups
        self.classes_ = classes
        self.weight_table_ = _weight_table(
            groups.attributes,
            groups.groups,
            classes,
            counts,
            observed.ravel(),
            expected.ravel(),
            factor.ravel(),
        )
        _warn_empty_cells(groups.groups, classes, observed, by_group)
        return self

    def __sklearn_tags__(self) -> Tags:
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        # X is not read (only its rows and the sensitive_feature_ids columns)
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True
        tags.input_tags.sparse = True
        return tags


def _weight_table(
    attributes: tuple[str, ...],
    groups: tuple[tuple[Any, ...], ...],
    classes: NDArray[Any],
    counts: NDArray[Any],
    observed: NDArray[Any],
    expected: NDArray[np.float64],
    weight: NDArray[np.float64],
) -> pd.DataFrame:
    n_classes = classes.shape[0]
    data: dict[str, Any] = {
        name: [g[j] for g in groups for _ in range(n_classes)]
        for j, name in enumerate(attributes)
    }
    data["label"] = np.tile(classes, len(groups))
    data["count"] = counts.astype(np.int64)
    data["observed"] = observed
    data["expected"] = expected
    data["weight"] = weight
    return pd.DataFrame(data)


def _py(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _warn_empty_cells(
    groups: tuple[tuple[Any, ...], ...],
    classes: NDArray[Any],
    observed: NDArray[Any],
    by_group: NDArray[Any],
) -> None:
    empty = np.argwhere((observed == 0) & (by_group[:, None] > 0))
    if empty.size == 0:
        return
    cells = [(groups[g], _py(classes[c])) for g, c in empty[:5]]
    msg = (
        f"Reweighing: {len(empty)} group × label cell(s) have no rows, e.g. "
        f"(group, label) = {cells!r}. Those groups cannot reach the overall base "
        "rate by weighting; merge small groups or collect more data."
    )
    warnings.warn(msg, FairnessWarning, stacklevel=3)


def _if_inner_has(name: str) -> Callable[[_F], _F]:
    """Expose a method only when the (fitted or given) estimator has it."""

    def check(self: Any) -> bool:
        inner = self.estimator_ if hasattr(self, "estimator_") else self.estimator
        return hasattr(inner, name)

    return cast("Callable[[_F], _F]", available_if(check))


class ReweighingMeta(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """Fit an estimator on data reweighed by :class:`Reweighing`.

    The meta-estimator form of reweighing, usable wherever an estimator is
    (a ``Pipeline``, ``GridSearchCV``, ``cross_validate``): ``fit`` computes
    the Kamiran-Calders weights of the training rows and fits a clone of
    ``estimator`` with them as ``sample_weight``. Prediction needs no
    sensitive features.

    Parameters
    ----------
    estimator : estimator object
        A classifier whose ``fit`` accepts ``sample_weight``, or a
        :class:`~sklearn.pipeline.Pipeline` whose last step's does (the
        weights go to that step; with metadata routing enabled, request them
        there with ``set_fit_request(sample_weight=True)``). It is cloned.
        The first positional parameter, as in every meta-estimator of this
        package.
    sensitive_feature_ids : int, str, list of int or str, or None, default=None
        Columns of ``X`` that hold the sensitive features, used when ``fit``
        gets no ``sensitive_features``. ``X`` is passed to the estimator
        unchanged, these columns included.

    Attributes
    ----------
    estimator_ : estimator object
        The fitted clone of ``estimator``.
    reweighing_ : Reweighing
        The fitted reweighing (weights in ``reweighing_.sample_weight_``).
    classes_ : ndarray
        Class labels, from ``estimator_``.
    n_features_in_ : int
        Number of columns of ``X``.
    feature_names_in_ : ndarray of str
        Column names of ``X``, when it has string column names.

    See Also
    --------
    Reweighing : the weights alone.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from pytest_fairness.datasets import make_loan_applications
    >>> from pytest_fairness.preprocessing import ReweighingMeta
    >>> df = make_loan_applications(2000, random_state=0)
    >>> X = df[["income", "credit_score", "debt_to_income"]]
    >>> X = (X - X.mean()) / X.std()
    >>> model = ReweighingMeta(LogisticRegression())
    >>> model = model.fit(X, df["approved"], sensitive_features=df["gender"])
    >>> model.predict(X).shape
    (2000,)
    """

    def __init__(self, estimator: Any, *, sensitive_feature_ids: Any = None) -> None:
        self.estimator = estimator
        self.sensitive_feature_ids = sensitive_feature_ids

    def fit(
        self,
        X: Any,
        y: Any,
        *,
        sensitive_features: Any = None,
        sample_weight: Any = None,
    ) -> Self:
        """Reweigh the training rows and fit the estimator with the weights.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Training data, passed to the estimator unchanged.
        y : array-like of shape (n_samples,)
            Labels.
        sensitive_features : array-like, Series, DataFrame or dict, optional
            One or several sensitive columns, one value per row. Required
            unless ``sensitive_feature_ids`` is set.
        sample_weight : array-like of shape (n_samples,), optional
            Prior weights, multiplied by the reweighing factors.

        Returns
        -------
        self : ReweighingMeta
            The fitted meta-estimator.

        Raises
        ------
        FairnessValueError
            When the estimator's ``fit`` (a Pipeline's last step's) takes no
            ``sample_weight``, or on bad sensitive features.
        """
        estimator = clone(self.estimator)
        # fails before the reweighing when the weights cannot reach the model
        fit_params_for_weights(estimator, None, owner=self)
        reweighing = Reweighing(sensitive_feature_ids=self.sensitive_feature_ids)
        reweighing.fit(
            X, y, sensitive_features=sensitive_features, sample_weight=sample_weight
        )
        params = fit_params_for_weights(
            estimator, reweighing.sample_weight_, owner=self
        )
        estimator.fit(X, y, **params)
        self.reweighing_ = reweighing
        self.estimator_ = estimator
        self.n_features_in_ = reweighing.n_features_in_
        if hasattr(reweighing, "feature_names_in_"):
            self.feature_names_in_ = reweighing.feature_names_in_
        if hasattr(estimator, "classes_"):
            self.classes_ = estimator.classes_
        return self

    @_if_inner_has("predict")
    def predict(self, X: Any) -> NDArray[Any]:
        """Predict with the fitted estimator.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Data.

        Returns
        -------
        ndarray of shape (n_samples,)
            Predicted labels.
        """
        check_is_fitted(self)
        return np.asarray(self.estimator_.predict(X))

    @_if_inner_has("predict_proba")
    def predict_proba(self, X: Any) -> NDArray[np.float64]:
        """Predict class probabilities with the fitted estimator.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Data.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Class probabilities.
        """
        check_is_fitted(self)
        return np.asarray(self.estimator_.predict_proba(X))

    @_if_inner_has("predict_log_proba")
    def predict_log_proba(self, X: Any) -> NDArray[np.float64]:
        """Predict log class probabilities with the fitted estimator.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Data.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Log class probabilities.
        """
        check_is_fitted(self)
        return np.asarray(self.estimator_.predict_log_proba(X))

    @_if_inner_has("decision_function")
    def decision_function(self, X: Any) -> NDArray[np.float64]:
        """Return the fitted estimator's decision function.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Data.

        Returns
        -------
        ndarray
            Decision scores.
        """
        check_is_fitted(self)
        return np.asarray(self.estimator_.decision_function(X))

    def __sklearn_tags__(self) -> Tags:
        tags = super().__sklearn_tags__()
        inner = self.estimator.__sklearn_tags__()
        tags.target_tags.required = True
        tags.input_tags.allow_nan = inner.input_tags.allow_nan
        tags.input_tags.sparse = inner.input_tags.sparse
        return tags
