"""Within-group standardisation: remove each group's shift and scale."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from pytest_fairness.preprocessing._base import GroupTransformer, check_flag

if TYPE_CHECKING:
    from numpy.typing import NDArray
    from sklearn.utils import Tags

    from pytest_fairness._groups import GroupEncoding

__all__ = ["GroupStandardizer"]


class GroupStandardizer(GroupTransformer):
    r"""Standardise features within each group.

    Every chosen feature is centred on its group's mean and divided by its
    group's standard deviation:

    .. math::

        z = \frac{x - \mu_s}{\sigma_s},

    so that a value says where a person stands *within their group*. This
    removes differences of location and spread between groups, such as
    employment gaps that are longer on average for women because of career
    breaks: after standardisation a gap is measured against the gaps of the
    same group. Shapes beyond mean and spread are left as they are (see
    :class:`DisparateImpactRemover` to align whole distributions).

    Parameters
    ----------
    columns : int, str, list of int or str, or None, default=None
        Columns of ``X`` to standardise; the others pass through unchanged.
        ``None`` standardises every column that is not a sensitive feature.
    with_mean : bool, default=True
        Subtract each group's mean.
    with_std : bool, default=True
        Divide by each group's standard deviation (population, ``ddof=0``).
        A column that is constant within a group is divided by 1 there.
    sensitive_feature_ids : int, str, list of int or str, or None, default=None
        Columns of ``X`` that hold the sensitive features, used when
        ``sensitive_features`` is not passed. They are left out of the output.

    Attributes
    ----------
    mean_ : ndarray of shape (n_groups, n_standardised)
        Mean of every standardised column within every group.
    scale_ : ndarray of shape (n_groups, n_standardised)
        Standard deviation within every group (1 where it is 0).
    count_ : ndarray of shape (n_groups,)
        Training rows of every group.
    columns_ : ndarray of intp
        Positions in ``X`` of the standardised columns.
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
    DisparateImpactRemover : aligns the whole distribution of each group.
    sklearn.preprocessing.StandardScaler : the same, over all rows at once.

    Notes
    -----
    With one group this is :class:`sklearn.preprocessing.StandardScaler`.
    Statistics come from one ``np.bincount`` per column and pass; a group
    with a single training row has scale 1.

    Examples
    --------
    >>> import numpy as np
    >>> from pytest_fairness.preprocessing import GroupStandardizer
    >>> gap = np.array([[0.0], [2.0], [4.0], [6.0], [10.0], [14.0]])
    >>> gender = ["m", "m", "m", "f", "f", "f"]
    >>> GroupStandardizer().fit_transform(gap, sensitive_features=gender).ravel()
    array([-1.22474487,  0.        ,  1.22474487, -1.22474487,  0.        ,
            1.22474487])
    """

    def __init__(
        self,
        *,
        columns: Any = None,
        with_mean: bool = True,
        with_std: bool = True,
        sensitive_feature_ids: Any = None,
    ) -> None:
        self.columns = columns
        self.with_mean = with_mean
        self.with_std = with_std
        self.sensitive_feature_ids = sensitive_feature_ids

    def _fit(self, rest: NDArray[np.float64], groups: GroupEncoding) -> None:
        check_flag(self, "with_mean", self.with_mean)
        check_flag(self, "with_std", self.with_std)
        columns = self._columns_in_rest(self.columns, rest.shape[1])
        codes, n_groups = groups.codes, groups.n_groups
        count = np.bincount(codes, minlength=n_groups).astype(np.float64)
        mean = np.empty((n_groups, columns.size))
        scale = np.empty((n_groups, columns.size))
        for j, column in enumerate(columns):
            x = rest[:, column]
            mean[:, j] = np.bincount(codes, weights=x, minlength=n_groups) / count
            dev = x - mean[codes, j]
            var = np.bincount(codes, weights=dev * dev, minlength=n_groups) / count
            scale[:, j] = np.sqrt(var)
        tiny = 10 * np.finfo(np.float64).eps * np.maximum(1.0, np.abs(mean))
        scale[scale <= tiny] = 1.0
        keep = np.setdiff1d(np.arange(self.n_features_in_), self._sensitive_idx)
        self.columns_ = keep[columns]
        self._standardised = columns
        self.mean_ = mean
        self.scale_ = scale
        self.count_ = count.astype(np.int64)

    def _transform(
        self, rest: NDArray[np.float64], codes: NDArray[np.intp]
    ) -> NDArray[np.float64]:
        out = rest.copy()
        columns = self._standardised
        block = out[:, columns]
        if self.with_mean:
            block -= self.mean_[codes]
        if self.with_std:
            block /= self.scale_[codes]
        out[:, columns] = block
        return out

    def __sklearn_tags__(self) -> Tags:
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64"]
        return tags
