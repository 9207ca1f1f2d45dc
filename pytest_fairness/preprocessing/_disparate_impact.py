"""Disparate-impact repair (Feldman et al. 2015): align the groups' quantiles."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from pytest_fairness.preprocessing._base import (
    GroupTransformer,
    check_min_int,
    check_unit_interval,
    group_slices,
)

if TYPE_CHECKING:
    from numpy.typing import NDArray
    from sklearn.utils import Tags

    from pytest_fairness._groups import GroupEncoding

__all__ = ["DisparateImpactRemover"]


def _quantiles(
    values: NDArray[np.float64], refs: NDArray[np.float64]
) -> NDArray[np.float64]:
    """``np.quantile(values, refs)`` (linear method) from one sort of ``values``."""
    ordered = np.sort(values)
    position = refs * (ordered.size - 1)
    low = np.floor(position).astype(np.intp)
    high = np.minimum(low + 1, ordered.size - 1)
    frac = position - low
    return ordered[low] + frac * (ordered[high] - ordered[low])


def _rank_in(
    x: NDArray[np.float64], quantiles: NDArray[np.float64], refs: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Quantile level of ``x`` in a quantile function; a run of ties gets its middle."""
    forward = np.interp(x, quantiles, refs)
    if np.all(quantiles[1:] > quantiles[:-1]):  # no flat part: both ways agree
        return np.asarray(forward, dtype=np.float64)
    backward = np.interp(-x, -quantiles[::-1], -refs[::-1])
    return np.asarray(0.5 * (forward - backward), dtype=np.float64)


class DisparateImpactRemover(GroupTransformer):
    r"""Repair numeric features so that their distribution no longer reveals the group.

    Feldman et al.'s repair moves every value toward the same quantile of a
    common target distribution. For a value :math:`x` of group :math:`s`
    with quantile level :math:`u = F_s(x)` inside its group, the repaired
    value is

    .. math::

        \tilde x = (1 - \lambda)\, x + \lambda\, \bar Q(u), \qquad
        \bar Q(u) = \operatorname{median}_t Q_t(u),

    where :math:`Q_t` is the quantile function of group :math:`t` and
    :math:`\lambda` the ``repair_level``. At :math:`\lambda = 1` every group
    follows the median distribution :math:`\bar Q`, so the feature alone no
    longer tells the groups apart; at :math:`\lambda = 0` nothing changes.
    The order of values within a group is kept (the map is non-decreasing),
    so a model can still rank people within their group.

    Parameters
    ----------
    repair_level : float, default=1.0
        :math:`\lambda` in [0, 1]: 0 is the identity, 1 the full repair.
    columns : int, str, list of int or str, or None, default=None
        Columns of ``X`` to repair; the others pass through unchanged.
        ``None`` repairs every column that is not a sensitive feature.
    n_quantiles : int, default=1000
        Number of quantile levels stored per group and column (at most the
        number of training rows). More levels follow the training
        distribution more closely.
    sensitive_feature_ids : int, str, list of int or str, or None, default=None
        Columns of ``X`` that hold the sensitive features, used when
        ``sensitive_features`` is not passed. They are left out of the output.

    Attributes
    ----------
    quantiles_ : ndarray of shape (n_repaired, n_groups, n_quantiles_)
        Quantiles of every repaired column within every group.
    median_quantiles_ : ndarray of shape (n_repaired, n_quantiles_)
        The target distribution: the median over groups of ``quantiles_``.
    references_ : ndarray of shape (n_quantiles_,)
        The quantile levels, evenly spaced in [0, 1].
    n_quantiles_ : int
        Number of quantile levels used.
    columns_ : ndarray of intp
        Positions in ``X`` of the repaired columns.
    groups_ : tuple of tuple
        The intersectional groups seen in ``fit``.
    sensitive_attributes_ : tuple of str
        Names of the sensitive columns.
    n_features_in_ : int
        Number of columns of ``X``.
    feature_names_in_ : ndarray of str
        Column names of ``X``, when it has string column names.

    See Also
    --------
    GroupStandardizer : removes only each group's shift and scale.
    CorrelationRemover : removes only the linear association.

    Notes
    -----
    Quantile functions are estimated on ``n_quantiles_`` evenly spaced levels
    with linear interpolation; a value's level :math:`u` is read off its
    group's stored quantiles (the middle of the range when a value is tied),
    as in :class:`sklearn.preprocessing.QuantileTransformer`. ``transform``
    uses the quantiles learnt in ``fit``; values beyond a group's training
    range map to the ends of the target distribution. Tied values stay tied,
    so a feature with many ties (a count that is often 0) cannot be made
    identical across groups; it is repaired as far as the ties allow.

    Intended for numeric features with an order. A one-hot column is
    better left out of ``columns``.

    References
    ----------
    M. Feldman, S. A. Friedler, J. Moeller, C. Scheidegger and
    S. Venkatasubramanian, "Certifying and removing disparate impact",
    *KDD* 2015.

    Examples
    --------
    >>> import numpy as np
    >>> from pytest_fairness.preprocessing import DisparateImpactRemover
    >>> income = np.array([[30.0], [40.0], [50.0], [60.0], [70.0], [80.0]])
    >>> group = ["f", "f", "f", "m", "m", "m"]
    >>> repair = DisparateImpactRemover(repair_level=1.0)
    >>> repair.fit_transform(income, sensitive_features=group).ravel()
    array([45., 55., 65., 45., 55., 65.])
    >>> repair.set_params(repair_level=0.5).transform(
    ...     income, sensitive_features=group
    ... ).ravel()
    array([37.5, 47.5, 57.5, 52.5, 62.5, 72.5])
    """

    def __init__(
        self,
        *,
        repair_level: float = 1.0,
        columns: Any = None,
        n_quantiles: int = 1000,
        sensitive_feature_ids: Any = None,
    ) -> None:
        self.repair_level = repair_level
        self.columns = columns
        self.n_quantiles = n_quantiles
        self.sensitive_feature_ids = sensitive_feature_ids

    def _fit(self, rest: NDArray[np.float64], groups: GroupEncoding) -> None:
        check_unit_interval(self, "repair_level", self.repair_level)
        n_quantiles = check_min_int(self, "n_quantiles", self.n_quantiles, 2)
        columns = self._columns_in_rest(self.columns, rest.shape[1])
        n_levels = min(n_quantiles, rest.shape[0])
        refs = np.linspace(0.0, 1.0, max(n_levels, 2))
        slices = group_slices(groups.codes, groups.n_groups)
        quantiles = np.empty((columns.size, groups.n_groups, refs.size))
        for j, column in enumerate(columns):
            values = rest[:, column]
            for g, rows in enumerate(slices):
                quantiles[j, g] = _quantiles(values[rows], refs)
        keep = np.setdiff1d(np.arange(self.n_features_in_), self._sensitive_idx)
        self.columns_ = keep[columns]
        self._repaired = columns
        self.references_ = refs
        self.n_quantiles_ = refs.size
        self.quantiles_ = quantiles
        self.median_quantiles_ = np.median(quantiles, axis=1)

    def _transform(
        self, rest: NDArray[np.float64], codes: NDArray[np.intp]
    ) -> NDArray[np.float64]:
        level = float(self.repair_level)
        out = rest.copy()
        if level == 0.0:
            return out
        refs = self.references_
        for g, rows in enumerate(group_slices(codes, self.quantiles_.shape[1])):
            if rows.size == 0:
                continue
            for j, column in enumerate(self._repaired):
                x = rest[rows, column]
                u = _rank_in(x, self.quantiles_[j, g], refs)
                target = np.interp(u, refs, self.median_quantiles_[j])
                out[rows, column] = (1.0 - level) * x + level * target
        return out

    def __sklearn_tags__(self) -> Tags:
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64"]
        return tags
