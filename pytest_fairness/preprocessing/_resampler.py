"""Resampling (Kamiran & Calders 2012): draw rows so that labels ignore the group."""

from __future__ import annotations

import copy
import numbers
import warnings
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
import sklearn
from sklearn.base import BaseEstimator, clone
from sklearn.naive_bayes import GaussianNB
from sklearn.utils.metadata_routing import UNCHANGED

from pytest_fairness._validation import fail
from pytest_fairness.exceptions import FairnessWarning
from pytest_fairness.preprocessing._base import (
    fit_groups,
    param_error,
    split_sensitive,
    take_rows,
)

if TYPE_CHECKING:
    from numpy.typing import NDArray
    from sklearn.utils import Tags
    from sklearn.utils.metadata_routing import MetadataRequest

__all__ = ["Resampler"]

_STRATEGIES = ("uniform", "preferential", "oversample")


def _generator(owner: object, random_state: Any) -> np.random.Generator:
    if isinstance(random_state, np.random.Generator):
        return random_state
    if random_state is None:
        return np.random.default_rng()
    if isinstance(random_state, bool) or not isinstance(random_state, numbers.Integral):
        raise param_error(
            owner, "random_state", random_state, "None, an int or a numpy Generator"
        )
    return np.random.default_rng(int(random_state))


class Resampler(BaseEstimator):  # type: ignore[misc]
    r"""Resample rows so that every group has the overall base rate.

    Kamiran and Calders' sampling: the rows of each group × label cell are
    drawn so that the cell gets its *expected* size, the size it would have
    were label and group independent,

    .. math::

        E(s, y) = \frac{n_s\, n_y}{n}.

    Cells larger than that (for example approved men) lose rows, smaller
    ones (approved women) gain duplicates. ``fit_resample`` returns the new
    ``X`` and ``y`` (the imbalanced-learn interface) and the rows it took in
    ``sample_indices_``, to subset the sensitive features or weights too.

    Parameters
    ----------
    strategy : {"uniform", "preferential", "oversample"}, default="uniform"
        How rows are chosen:

        - ``"uniform"``: at random within each cell (uniform sampling). A
          cell that grows keeps all its rows, copied as many whole times as
          fit, plus a random draw of the remainder.
        - ``"preferential"``: the rows closest to the decision boundary go
          first (preferential sampling). A ranker (``estimator``) scores
          every row; a shrinking cell drops the rows it is least sure about
          (lowest probability of their own label), and a growing cell
          duplicates those same borderline rows.
        - ``"oversample"``: no row is dropped. Within each group, the cells
          of under-represented labels are duplicated (at random, as in
          ``"uniform"``) until the group's label shares equal the overall
          ones; the group grows accordingly.
    estimator : classifier or None, default=None
        Ranker for ``"preferential"``, fitted on the non-sensitive columns
        of ``X``; it needs ``predict_proba``. ``None`` uses Gaussian naive
        Bayes, as in the paper. It is cloned.
    random_state : int, numpy Generator or None, default=None
        Seed of the random draws; an int makes ``fit_resample``
        deterministic.
    sensitive_feature_ids : int, str, list of int or str, or None, default=None
        Columns of ``X`` that hold the sensitive features, used when
        ``sensitive_features`` is not passed. ``X`` keeps them.

    Attributes
    ----------
    target_table_ : pandas.DataFrame
        One row per group × label: one column per sensitive attribute, then
        ``label``, ``count`` (rows now), ``expected`` (:math:`E(s, y)`) and
        ``target`` (rows after resampling).
    sample_indices_ : ndarray of intp
        Rows of the input taken by the last ``fit_resample``, sorted (a row
        taken twice appears twice).
    ranker_ : estimator
        The fitted ranker (``"preferential"`` only).
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
    Reweighing : the same independence through weights, with no row dropped
        or copied.

    Notes
    -----
    Targets are rounded to whole rows, so a group's base rate after
    resampling equals the overall one up to :math:`1 / n_s`. A cell with no
    rows cannot grow; ``fit`` warns about it and its target is 0.

    In an imbalanced-learn ``Pipeline`` with metadata routing enabled, the
    pipeline calls ``fit_resample`` with the routed ``sensitive_features``:
    request them with :meth:`set_fit_resample_request` (the request of
    ``fit``, which the pipeline also validates, follows it unless set with
    ``set_fit_request``).

    References
    ----------
    F. Kamiran and T. Calders, "Data preprocessing techniques for
    classification without discrimination", *Knowledge and Information
    Systems* 33, 1-33 (2012).

    Examples
    --------
    >>> import numpy as np
    >>> from pytest_fairness.preprocessing import Resampler
    >>> X = np.arange(8).reshape(-1, 1)
    >>> y = np.array([1, 1, 1, 0, 1, 0, 0, 0])
    >>> gender = np.array(["m", "m", "m", "m", "f", "f", "f", "f"])
    >>> sampler = Resampler(random_state=0)
    >>> X_res, y_res = sampler.fit_resample(X, y, sensitive_features=gender)
    >>> sampler.target_table_[["sensitive_feature_0", "label", "count", "target"]]
      sensitive_feature_0  label  count  target
    0                   f      0      3       2
    1                   f      1      1       2
    2                   m      0      1       2
    3                   m      1      3       2
    >>> sampler.sample_indices_
    array([0, 2, 3, 3, 4, 4, 6, 7])
    """

    def __init__(
        self,
        *,
        strategy: Literal["uniform", "preferential", "oversample"] = "uniform",
        estimator: Any = None,
        random_state: Any = None,
        sensitive_feature_ids: Any = None,
    ) -> None:
        self.strategy = strategy
        self.estimator = estimator
        self.random_state = random_state
        self.sensitive_feature_ids = sensitive_feature_ids

    def fit(self, X: Any, y: Any, *, sensitive_features: Any = None) -> Resampler:
        """Compute the target size of every group × label cell.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Data; any dtypes, except numeric for ``"preferential"`` (which
            ranks rows with it).
        y : array-like of shape (n_samples,)
            Labels (any number of classes).
        sensitive_features : array-like, Series, DataFrame or dict, optional
            One or several sensitive columns, one value per row. Required
            unless ``sensitive_feature_ids`` is set.

        Returns
        -------
        self : Resampler
            The fitted resampler.

        Raises
        ------
        FairnessValueError
            On a bad parameter or missing sensitive features.
        """
        self._fit(X, y, sensitive_features)
        return self

    def _fit(self, X: Any, y: Any, sensitive_features: Any) -> None:
        if self.strategy not in _STRATEGIES:
            raise param_error(self, "strategy", self.strategy, f"one of {_STRATEGIES}")
        preferential = self.strategy == "preferential"
        rest, sensitive, y_checked = split_sensitive(
            self, X, sensitive_features, y=y, reset=True, numeric=preferential,
            requires_y=True,
        )  # fmt: skip
        n_rows = y_checked.shape[0]
        groups = fit_groups(sensitive, n_rows)
        classes, y_codes = np.unique(y_checked, return_inverse=True)
        n_groups, n_classes = groups.n_groups, classes.shape[0]
        cell = groups.codes * n_classes + y_codes
        count = np.bincount(cell, minlength=n_groups * n_classes).reshape(
            n_groups, n_classes
        )
        expected = np.outer(count.sum(axis=1), count.sum(axis=0)) / n_rows
        if self.strategy == "oversample":
            share = count.sum(axis=0) / n_rows
            with np.errstate(divide="ignore", invalid="ignore"):
                scale = np.where(count > 0, count / share, 0.0).max(axis=1)
            target = np.rint(scale[:, None] * share).astype(np.int64)
        else:
            target = np.rint(expected).astype(np.int64)
        empty = (count == 0) & (target > 0)
        target[count == 0] = 0
        if preferential:
            ranker = clone(
                self.estimator if self.estimator is not None else GaussianNB()
            )
            ranker.fit(rest, y_checked)
            proba = np.asarray(ranker.predict_proba(rest))
            column = np.searchsorted(np.asarray(ranker.classes_), y_checked)
            self.ranker_ = ranker
            self._own_label_proba = proba[np.arange(n_rows), column]
        self._cell = cell
        self._target = target.ravel()
        self.groups_ = groups.groups
        self.classes_ = classes
        self.target_table_ = _target_table(groups, classes, count, expected, target)
        if empty.any():
            cells = [
                (groups.groups[g], _py(classes[c])) for g, c in np.argwhere(empty)[:5]
            ]
            msg = (
                f"Resampler: {int(empty.sum())} group × label cell(s) have no rows "
                f"to draw from, e.g. (group, label) = {cells!r}. Those groups cannot "
                "reach the overall base rate; merge small groups or collect more data."
            )
            warnings.warn(msg, FairnessWarning, stacklevel=3)

    def fit_resample(
        self, X: Any, y: Any, *, sensitive_features: Any = None
    ) -> tuple[Any, Any]:
        """Resample ``X`` and ``y`` to the target cell sizes.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Data; any dtypes, except numeric for ``"preferential"``.
        y : array-like of shape (n_samples,)
            Labels.
        sensitive_features : array-like, Series, DataFrame or dict, optional
            One or several sensitive columns, one value per row. Required
            unless ``sensitive_feature_ids`` is set.

        Returns
        -------
        X_resampled : same type as X
            The rows of ``sample_indices_`` (pandas objects get a new
            ``RangeIndex``).
        y_resampled : same type as y (a numpy array for a list)
            Their labels.

        Raises
        ------
        FairnessValueError
            On a bad parameter or missing sensitive features.
        """
        self._fit(X, y, sensitive_features)
        rng = _generator(self, self.random_state)
        order = np.argsort(self._cell, kind="stable")
        bounds = np.searchsorted(self._cell[order], np.arange(self._target.size + 1))
        taken: list[NDArray[np.intp]] = []
        for c, target in enumerate(self._target.tolist()):
            rows = order[bounds[c] : bounds[c + 1]]
            if target == 0 or rows.size == 0:
                continue
            taken.append(self._draw(rows, int(target), rng))
        indices = np.sort(np.concatenate(taken)) if taken else np.zeros(0, np.intp)
        indices = indices.astype(np.intp)
        self.sample_indices_ = indices
        return take_rows(X, indices), take_rows(y, indices)

    def _draw(
        self, rows: NDArray[np.intp], target: int, rng: np.random.Generator
    ) -> NDArray[np.intp]:
        """Rows of one cell for its target size (may repeat rows)."""
        n = rows.size
        if self.strategy == "preferential":
            # most borderline first: the lowest probability of the row's own label
            by_doubt = rows[np.argsort(self._own_label_proba[rows], kind="stable")]
            if target <= n:
                return by_doubt[n - target :]
            copies, extra = divmod(target, n)
            return np.concatenate([np.tile(rows, copies), by_doubt[:extra]])
        if target <= n:
            return rng.choice(rows, size=target, replace=False)
        copies, extra = divmod(target, n)
        return np.concatenate(
            [np.tile(rows, copies), rng.choice(rows, size=extra, replace=False)]
        )

    # -- metadata routing of fit_resample ----------------------------------------
    # scikit-learn generates set_{method}_request only for the methods it
    # knows; imbalanced-learn adds "fit_resample" to that list when imported,
    # so a class defined before it would lack the setter. It is defined here,
    # on public API only: the request is kept on the instance, added to the
    # routing that get_metadata_routing reports, and copied by clone.
    def set_fit_resample_request(
        self, *, sensitive_features: object = UNCHANGED
    ) -> Resampler:
        """Request ``sensitive_features`` for ``fit_resample`` (metadata routing).

        For an imbalanced-learn ``Pipeline``, which routes the metadata of its
        ``fit`` to each sampler's ``fit_resample``. Only available when
        metadata routing is enabled
        (``sklearn.set_config(enable_metadata_routing=True)``).

        Parameters
        ----------
        sensitive_features : bool, str or None, default=UNCHANGED
            True to request them (passed when given), False to refuse them,
            None to raise when they are given, a string to take them under
            that name (an alias), or
            ``sklearn.utils.metadata_routing.UNCHANGED`` to keep the current
            request.
            Unless set separately with ``set_fit_request``, the request of
            ``fit`` is the same.

        Returns
        -------
        self : Resampler
            The resampler, with the request recorded.

        Raises
        ------
        RuntimeError
            When metadata routing is not enabled.
        FairnessValueError
            When the request is not True, False, None or a string.
        """
        if not sklearn.get_config().get("enable_metadata_routing", False):
            msg = (
                "This method is only available when metadata routing is enabled. "
                "You can enable it using "
                "sklearn.set_config(enable_metadata_routing=True)."
            )
            raise RuntimeError(msg)
        if sensitive_features is UNCHANGED:
            return self
        if sensitive_features is not None and not isinstance(
            sensitive_features, bool | str
        ):
            msg = (
                "set_fit_resample_request(sensitive_features=...) must be True, "
                "False, None or a string (an alias). "
                f"Got {sensitive_features!r}."
            )
            raise fail(msg)
        requests = dict(getattr(self, "_fit_resample_requests", {}))
        requests["sensitive_features"] = sensitive_features
        self._fit_resample_requests = requests
        return self

    def get_metadata_routing(self) -> MetadataRequest:
        """Return the metadata requests of this resampler.

        scikit-learn's own requests (``set_fit_request``), plus those of
        ``fit_resample`` (:meth:`set_fit_resample_request`) once
        imbalanced-learn is loaded (it defines that method of the routing).

        Returns
        -------
        MetadataRequest
            The requests of every method.
        """
        routing = super().get_metadata_routing()
        requests = getattr(self, "_fit_resample_requests", {})
        if not requests or not hasattr(routing, "fit_resample"):
            return routing
        routing = copy.deepcopy(routing)
        for param, alias in requests.items():
            routing.fit_resample.add_request(param=param, alias=alias)
            if routing.fit.requests.get(param) is None:
                routing.fit.add_request(param=param, alias=alias)
        return routing

    def __sklearn_clone__(self) -> Resampler:
        new: Resampler = super().__sklearn_clone__()
        if hasattr(self, "_fit_resample_requests"):
            new._fit_resample_requests = dict(self._fit_resample_requests)
        return new

    def __sklearn_tags__(self) -> Tags:
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        any_x = self.strategy != "preferential"  # X is only copied, not read
        tags.input_tags.allow_nan = any_x
        tags.input_tags.string = any_x
        tags.input_tags.sparse = any_x
        return tags


def _py(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _target_table(
    groups: Any,
    classes: NDArray[Any],
    count: NDArray[Any],
    expected: NDArray[np.float64],
    target: NDArray[Any],
) -> pd.DataFrame:
    n_classes = classes.shape[0]
    data: dict[str, Any] = {
        name: [g[j] for g in groups.groups for _ in range(n_classes)]
        for j, name in enumerate(groups.attributes)
    }
    data["label"] = np.tile(classes, len(groups.groups))
    data["count"] = count.ravel().astype(np.int64)
    data["expected"] = expected.ravel()
    data["target"] = target.ravel().astype(np.int64)
    return pd.DataFrame(data)
