"""Correlation removal: project the sensitive features out of the other features."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.utils.validation import check_array, check_is_fitted

from pytest_fairness._validation import fail
from pytest_fairness.preprocessing._base import (
    GroupTransformer,
    check_unit_interval,
    fit_groups,
    group_codes,
    split_sensitive,
)

if TYPE_CHECKING:
    from typing import Self

    from numpy.typing import NDArray
    from sklearn.utils import Tags

__all__ = ["CorrelationRemover"]


def _numeric_sensitive(sensitive: dict[str, Any]) -> NDArray[np.float64]:
    columns = []
    for name, values in sensitive.items():
        try:
            columns.append(np.asarray(values, dtype=np.float64))
        except ValueError:  # text; other objects raise numpy's TypeError
            msg = (
                f"CorrelationRemover reads the sensitive_feature_ids columns as "
                f"numbers (as fairlearn does), but column {name!r} of X holds "
                f"{values[0]!r}. Encode it as numbers, or pass the groups as "
                "sensitive_features= instead."
            )
            raise fail(msg) from None
    out: NDArray[np.float64] = check_array(np.column_stack(columns), dtype=np.float64)
    return out


class CorrelationRemover(GroupTransformer):
    r"""Remove the linear association between the sensitive and the other features.

    fairlearn's correlation remover, with this package's conventions. Every
    non-sensitive column :math:`z_j` is regressed on the centred sensitive
    features :math:`S - \bar s` (least squares, no intercept) and replaced by
    its residual, blended with the original by ``alpha``:

    .. math::

        z_j^* = z_j - (S - \bar s)\, w_j^*, \qquad
        X_{\text{out}} = \alpha\, Z^* + (1 - \alpha)\, Z.

    The output is uncorrelated with every sensitive feature at
    ``alpha=1``. The sensitive features come in one of two forms:

    - ``sensitive_features=`` (any form, strings included): :math:`S` holds one
      indicator column per intersectional group. The residual is then the
      value minus its group's mean plus the overall mean, so every group has
      the same mean afterwards.
    - ``sensitive_feature_ids``: :math:`S` holds those columns of ``X`` as
      numbers, exactly as :class:`fairlearn.preprocessing.CorrelationRemover`
      does (same output, to rounding). A 0/1 column gives the same result as
      passing it as ``sensitive_features``.

    Parameters
    ----------
    alpha : float, default=1.0
        How much to filter, in [0, 1]: 1 removes all linear association, 0
        changes nothing.
    sensitive_feature_ids : int, str, list of int or str, or None, default=None
        Columns of ``X`` that hold the sensitive features as numbers, used
        when ``sensitive_features`` is not passed. They are left out of the
        output.

    Attributes
    ----------
    beta_ : ndarray of shape (n_sensitive, n_features_out)
        Least-squares coefficients of every output column on the centred
        sensitive features (the minimum-norm solution for group indicators).
    sensitive_mean_ : ndarray of shape (n_sensitive,)
        Mean of every sensitive column (group shares for indicators).
    groups_ : tuple of tuple or None
        The intersectional groups seen in ``fit`` (None with
        ``sensitive_feature_ids``).
    sensitive_attributes_ : tuple of str
        Names of the sensitive columns.
    n_features_in_ : int
        Number of columns of ``X``.
    feature_names_in_ : ndarray of str
        Column names of ``X``, when it has string column names.

    See Also
    --------
    GroupStandardizer : also equalises the spread within groups.
    DisparateImpactRemover : aligns whole distributions, not only means.

    Notes
    -----
    Removing correlation does not remove dependence: a feature whose
    variance (not mean) differs between groups still reveals the group.
    The method suits (generalised) linear models best.

    For group indicators the fit is closed-form: with :math:`m_g` the mean
    of group :math:`g` and :math:`\bar m` the overall mean,
    :math:`(e_g - \bar s)\, W^* = m_g - \bar m`, and :math:`W^*` is the
    minimum-norm solution, as ``numpy.linalg.lstsq`` gives on the indicator
    matrix.

    Examples
    --------
    >>> import numpy as np
    >>> from pytest_fairness.preprocessing import CorrelationRemover
    >>> income = np.array([[30.0], [40.0], [50.0], [60.0], [70.0], [80.0]])
    >>> group = ["f", "f", "f", "m", "m", "m"]
    >>> CorrelationRemover().fit_transform(income, sensitive_features=group).ravel()
    array([45., 55., 65., 45., 55., 65.])
    """

    def __init__(
        self, *, alpha: float = 1.0, sensitive_feature_ids: Any = None
    ) -> None:
        self.alpha = alpha
        self.sensitive_feature_ids = sensitive_feature_ids

    def fit(self, X: Any, y: Any = None, *, sensitive_features: Any = None) -> Self:
        """Learn the projection that removes the sensitive features' linear part.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Training data (numeric).
        y : None
            Ignored.
        sensitive_features : array-like, Series, DataFrame or dict, optional
            One or several sensitive columns (group labels), one value per
            row. Required unless ``sensitive_feature_ids`` is set.

        Returns
        -------
        self : CorrelationRemover
            The fitted transformer.

        Raises
        ------
        FairnessValueError
            On a bad ``alpha``, missing sensitive features, or non-numeric
            ``sensitive_feature_ids`` columns.
        """
        check_unit_interval(self, "alpha", self.alpha)
        rest, sensitive, _ = split_sensitive(self, X, sensitive_features, reset=True)
        if self.sensitive_feature_ids is None:
            groups = fit_groups(sensitive, rest.shape[0])
            n_groups, codes = groups.n_groups, groups.codes
            count = np.bincount(codes, minlength=n_groups).astype(np.float64)
            share = count / count.sum()
            means = np.empty((n_groups, rest.shape[1]))
            for j in range(rest.shape[1]):
                means[:, j] = np.bincount(codes, weights=rest[:, j], minlength=n_groups)
            means /= count[:, None]
            deviation = means - share @ means
            self.beta_ = deviation - deviation.mean(axis=0)
            self.sensitive_mean_ = share
            self.groups_ = groups.groups
            self.sensitive_attributes_ = groups.attributes
            self._shift = deviation
        else:
            s = _numeric_sensitive(sensitive)
            self.sensitive_mean_ = s.mean(axis=0)
            self.beta_, *_ = np.linalg.lstsq(s - self.sensitive_mean_, rest, rcond=None)
            self.groups_ = None
            self.sensitive_attributes_ = tuple(sensitive)
        return self

    def transform(self, X: Any, *, sensitive_features: Any = None) -> Any:
        """Remove the fitted linear part of the sensitive features from ``X``.

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
            The filtered non-sensitive columns.

        Raises
        ------
        FairnessValueError
            On a group not seen in ``fit`` or missing sensitive features.
        """
        check_is_fitted(self)
        rest, sensitive, _ = split_sensitive(self, X, sensitive_features, reset=False)
        alpha = float(self.alpha)
        if self.groups_ is not None:
            codes = group_codes(self, sensitive, rest.shape[0])
            return np.asarray(rest - alpha * self._shift[codes], dtype=np.float64)
        shift = (_numeric_sensitive(sensitive) - self.sensitive_mean_) @ self.beta_
        if alpha != 1.0:  # alpha * (rest - shift) + (1 - alpha) * rest
            shift *= alpha
        rest -= shift  # rest is a copy here: the sensitive columns were taken out
        return rest

    def __sklearn_tags__(self) -> Tags:
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64"]
        return tags
