"""Fair prototype representations (Zemel et al. 2013): fairlearn's learner, wrapped."""

from __future__ import annotations

import importlib
import math
import numbers
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from pytest_fairness._optional import import_optional
from pytest_fairness._validation import fail
from pytest_fairness.exceptions import FairnessWarning
from pytest_fairness.preprocessing._base import (
    check_min_int,
    fit_groups,
    param_error,
    split_sensitive,
)

if TYPE_CHECKING:
    from typing import Self

    from numpy.typing import NDArray
    from sklearn.utils import Tags

__all__ = ["PrototypeRepresentationLearner"]

_FAIRLEARN_MIN = "0.13"  # the release that added PrototypeRepresentationLearner


def _fairlearn_learner() -> type[Any]:
    """Return fairlearn's learner class, or raise an ImportError saying what to do."""
    module = import_optional(
        "fairlearn.preprocessing",
        extra="mitigation",
        purpose="fair prototype representations",
    )
    learner: type[Any] | None = getattr(module, "PrototypeRepresentationLearner", None)
    if learner is None:
        version = getattr(importlib.import_module("fairlearn"), "__version__", "?")
        msg = (
            f"PrototypeRepresentationLearner needs fairlearn >= {_FAIRLEARN_MIN}, "
            f"which has the learner; the installed fairlearn is {version}: "
            f'pip install --upgrade "pytest-fairness[mitigation]" '
            f'"fairlearn>={_FAIRLEARN_MIN}"'
        )
        raise ImportError(msg)
    return learner


def _check_real(owner: object, name: str, value: object, *, positive: bool) -> float:
    """Return ``value`` as a finite float >= 0 (> 0 if ``positive``) or raise."""
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(float(value))
        or float(value) < 0
        or (positive and float(value) == 0)
    ):
        expected = "a finite float > 0" if positive else "a finite float >= 0"
        raise param_error(owner, name, value, expected)
    return float(value)


def _check_binary(y: NDArray[Any]) -> None:
    """Raise unless ``y`` holds exactly two classes."""
    kind = type_of_target(y, input_name="y")
    if kind not in ("binary", "multiclass"):
        msg = (
            f"Unknown label type: {kind!r}. PrototypeRepresentationLearner handles "
            "binary labels only: y must hold exactly two classes."
        )
        raise fail(msg)
    classes = np.unique(y)
    if classes.size != 2:
        what = "one class only" if classes.size < 2 else f"{classes.size} classes"
        msg = (
            "Only binary classification is supported: PrototypeRepresentationLearner "
            f"needs y with exactly two classes, but y holds {what} "
            f"({classes[:10].tolist()!r})."
        )
        raise fail(msg)


def _fit_with_progress(
    learner: Any, X: NDArray[np.float64], y: Any, codes: Any
) -> None:
    """Fit fairlearn's learner while a tqdm counter shows the optimiser's progress.

    fairlearn minimises its ``_objective`` with L-BFGS-B and a numerical
    gradient: every gradient costs one evaluation per parameter plus one.
    The counter wraps that method on the instance for the fit only (and
    counts nothing, but still opens and closes, if a fairlearn release
    renames it).
    """
    tqdm = import_optional(
        "tqdm", extra="mitigation", purpose="progress bars (verbose > 0)"
    ).tqdm
    n_params = (learner.n_prototypes + 1) * X.shape[1] + learner.n_prototypes
    objective = getattr(learner, "_objective", None)
    with tqdm(
        desc=f"PrototypeRepresentationLearner.fit (max_iter={learner.max_iter})",
        unit=" gradients",
    ) as bar:
        if objective is None:  # pragma: no cover - fairlearn renamed its method
            learner.fit(X, y, sensitive_features=codes)
            return
        calls = 0
        loss = float("nan")

        def counted(x: NDArray[np.float64], *args: Any) -> float:
            # scipy evaluates the point, then one step along each parameter
            nonlocal calls, loss
            value = float(objective(x, *args))
            calls += 1
            if calls % (n_params + 1) == 1:
                loss = value
            elif calls % (n_params + 1) == 0:
                bar.set_postfix(loss=f"{loss:.5g}", refresh=False)
                bar.update(1)
            return value

        learner._objective = counted
        try:
            learner.fit(X, y, sensitive_features=codes)
        finally:
            del learner._objective  # the fitted learner keeps no progress bar


class PrototypeRepresentationLearner(ClassifierMixin, TransformerMixin, BaseEstimator):  # type: ignore[misc]
    r"""Learn a representation that keeps the label but hides the group.

    fairlearn's prototype representation learner (Zemel et al.'s *learning
    fair representations*), with this package's conventions. Each row
    :math:`x` is represented by its soft assignment to ``n_prototypes``
    learnt prototypes :math:`v_k`,

    .. math::

        M_{k}(x) = \operatorname{softmax}_k\bigl(-d_\alpha(x, v_k)\bigr),
        \qquad d_\alpha(x, v) = \sqrt{\textstyle\sum_j \alpha_j (x_j - v_j)^2},

    and predicts :math:`P(y = 1 \mid x) = M(x)\, w` with one label
    probability :math:`w_k \in [0, 1]` per prototype. The prototypes, the
    dimension weights :math:`\alpha` and :math:`w` minimise

    .. math::

        A_x\, \tfrac{1}{n} \lVert X - M V \rVert^2
        + A_y\, \text{log-loss}(y, M w)
        + A_z\, \operatorname{mean}_{g < h} \lvert \bar M_g - \bar M_h \rvert

    where :math:`\bar M_g` is the mean assignment of group :math:`g`: the
    last term is the demographic parity gap of the prototype assignment,
    averaged over every pair of groups and every prototype. ``transform``
    returns :math:`M(x)`; ``predict_proba`` and ``predict`` the label.

    The groups come from ``sensitive_features=`` (several columns mean
    intersectional groups, encoded into one group code before fairlearn
    sees them) or from the ``X`` columns named by ``sensitive_feature_ids``,
    which are then left out of the representation. The fit is fairlearn's
    own (L-BFGS-B), so it gives fairlearn's result for the same data and
    seed.

    Parameters
    ----------
    n_prototypes : int, default=2
        Number of prototypes, the width of the representation.
    reconstruct_weight : float, default=1.0
        Weight :math:`A_x` of the reconstruction error (>= 0).
    target_weight : float, default=1.0
        Weight :math:`A_y` of the classification log-loss (>= 0; unused
        when fitted without ``y``).
    fairness_weight : float, default=1.0
        Weight :math:`A_z` of the group-parity term (>= 0).
    random_state : int, numpy RandomState or None, default=None
        Seed of the random starting point; set it for reproducible fits.
    tol : float, default=1e-6
        Convergence tolerance of the optimiser (> 0).
    max_iter : int, default=1000
        Maximum number of optimiser iterations.
    sensitive_feature_ids : int, str, list of int or str, or None, default=None
        Columns of ``X`` that hold the sensitive features, used when
        ``sensitive_features`` is not passed. They are left out of the
        representation.
    verbose : int, default=0
        0 prints nothing; 1 or more shows the optimiser's progress on stderr
        (a tqdm counter of gradient evaluations with the current loss). A
        fit on a few thousand rows takes seconds to minutes.

    Attributes
    ----------
    learner_ : fairlearn.preprocessing.PrototypeRepresentationLearner
        The fitted fairlearn learner, on the non-sensitive columns.
    prototypes_ : ndarray of shape (n_prototypes, n_features_out)
        The prototypes :math:`v_k`.
    alpha_ : ndarray of shape (n_features_out,)
        The dimension weights of the distance.
    coef_ : ndarray of shape (n_prototypes,)
        The label probability :math:`w_k` of every prototype (meaningless
        when fitted without ``y``).
    n_iter_ : int
        Iterations the optimiser ran.
    classes_ : ndarray of shape (2,) or None
        The two labels; None when fitted without ``y``.
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
    CorrelationRemover : a closed-form, linear fix of the features.
    fairlearn.preprocessing.PrototypeRepresentationLearner : the learner wrapped.

    Notes
    -----
    fairlearn's optimiser differentiates the objective numerically, so a fit
    costs about ``(n_prototypes + 1) * n_features + n_prototypes + 1``
    objective evaluations per iteration, each over all rows: a few thousand
    rows and a handful of features already take seconds to minutes. Scale
    the features first (the distance is not scale-free), keep the data
    small, and lower ``max_iter`` to trade accuracy for time.

    With one group only the parity term is zero and ``fit`` warns. Labels
    must be binary; ``X`` must be numeric and finite.

    References
    ----------
    R. Zemel, Y. Wu, K. Swersky, T. Pitassi and C. Dwork, "Learning fair
    representations", ICML 2013.

    Examples
    --------
    >>> import numpy as np
    >>> from pytest_fairness.preprocessing import PrototypeRepresentationLearner
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [0.0, 0.0], [1.0, 1.0]])
    >>> y = np.array([0, 1, 0, 1])
    >>> group = ["a", "a", "b", "b"]
    >>> prl = PrototypeRepresentationLearner(random_state=0, max_iter=50)
    >>> prl.fit(X, y, sensitive_features=group).transform(X).shape
    (4, 2)
    >>> prl.predict_proba(X).shape
    (4, 2)
    """

    def __init__(
        self,
        *,
        n_prototypes: int = 2,
        reconstruct_weight: float = 1.0,
        target_weight: float = 1.0,
        fairness_weight: float = 1.0,
        random_state: int | np.random.RandomState | None = None,
        tol: float = 1e-6,
        max_iter: int = 1000,
        sensitive_feature_ids: Any = None,
        verbose: int = 0,
    ) -> None:
        self.n_prototypes = n_prototypes
        self.reconstruct_weight = reconstruct_weight
        self.target_weight = target_weight
        self.fairness_weight = fairness_weight
        self.random_state = random_state
        self.tol = tol
        self.max_iter = max_iter
        self.sensitive_feature_ids = sensitive_feature_ids
        self.verbose = verbose

    def _learner_params(self) -> dict[str, Any]:
        """Validate the parameters and return them as fairlearn's keywords."""
        random_state: object = self.random_state
        if random_state is not None and (
            isinstance(random_state, bool)
            or not isinstance(random_state, numbers.Integral | np.random.RandomState)
        ):
            raise param_error(
                self, "random_state", random_state, "None, an int or a RandomState"
            )
        weights = {
            name: _check_real(self, name, getattr(self, name), positive=False)
            for name in ("reconstruct_weight", "target_weight", "fairness_weight")
        }
        return {
            "n_prototypes": check_min_int(self, "n_prototypes", self.n_prototypes, 1),
            **weights,
            "random_state": random_state,
            "tol": _check_real(self, "tol", self.tol, positive=True),
            "max_iter": check_min_int(self, "max_iter", self.max_iter, 1),
        }

    def fit(self, X: Any, y: Any = None, *, sensitive_features: Any = None) -> Self:
        """Learn the prototypes, their label probabilities and the distance weights.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Training data (numeric and finite, except the
            ``sensitive_feature_ids`` columns).
        y : array-like of shape (n_samples,), optional
            Binary labels. Without them only the representation is learnt
            (``predict`` is then unavailable).
        sensitive_features : array-like, Series, DataFrame or dict, optional
            One or several sensitive columns (group labels), one value per
            row. Required unless ``sensitive_feature_ids`` is set.

        Returns
        -------
        self : PrototypeRepresentationLearner
            The fitted estimator.

        Raises
        ------
        FairnessValueError
            On bad parameters, labels that are not binary, missing or
            unknown sensitive features, or missing group values.
        ValueError
            On NaN or infinity in ``X`` or ``y`` (scikit-learn's message).
        ImportError
            When fairlearn is missing or too old to have the learner.
        """
        params = self._learner_params()
        verbose = check_min_int(self, "verbose", self.verbose, 0)
        learner_cls = _fairlearn_learner()
        rest, sensitive, y_checked = split_sensitive(
            self, X, sensitive_features, y=y, reset=True
        )
        if y_checked is not None:
            _check_binary(y_checked)
        groups = fit_groups(sensitive, rest.shape[0])
        if groups.n_groups < 2 and params["fairness_weight"] > 0:
            msg = (
                f"sensitive_features hold one group only ({groups.groups[0]!r}): "
                "the fairness term of PrototypeRepresentationLearner is zero, so "
                "the representation is not made fair."
            )
            warnings.warn(msg, FairnessWarning, stacklevel=2)
        learner = learner_cls(**params)
        # With a zero weight fairlearn would compute the group term only to
        # multiply it by 0: leaving it out gives the same objective, faster.
        codes = groups.codes if params["fairness_weight"] > 0 else None
        if verbose:
            _fit_with_progress(learner, rest, y_checked, codes)
        else:
            learner.fit(rest, y_checked, sensitive_features=codes)
        self.learner_ = learner
        self.prototypes_ = np.asarray(learner.prototypes_, dtype=np.float64)
        self.alpha_ = np.asarray(learner.alpha_, dtype=np.float64)
        self.coef_ = np.asarray(learner.coef_, dtype=np.float64)
        self.n_iter_ = int(learner.n_iter_)
        self.classes_ = learner.classes_
        self.groups_ = groups.groups
        self.sensitive_attributes_ = groups.attributes
        return self

    def _rest(self, X: Any) -> NDArray[np.float64]:
        """Validate ``X`` against the fit and return its non-sensitive columns."""
        check_is_fitted(self)
        if self.sensitive_feature_ids is None:
            out: NDArray[np.float64] = validate_data(
                self, X, reset=False, dtype=np.float64
            )
            return out
        # NaN or infinity in a sensitive column is rejected too, as in fit
        checked = validate_data(self, X, reset=False, dtype=None)
        keep = np.setdiff1d(np.arange(self.n_features_in_), self._sensitive_idx)
        rest: NDArray[np.float64] = check_array(
            checked[:, keep], dtype=np.float64, input_name="X"
        )
        return rest

    def _check_has_labels(self) -> None:
        check_is_fitted(self)
        if self.classes_ is None:
            msg = (
                "PrototypeRepresentationLearner was fitted without y, so it cannot "
                "predict labels: fit it with y (binary labels), or use transform."
            )
            raise fail(msg)

    def transform(self, X: Any) -> Any:
        """Return every row's soft assignment to the prototypes.

        The groups are not needed: the representation depends on ``X`` only.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Data with the columns seen in ``fit``.

        Returns
        -------
        ndarray of shape (n_samples, n_prototypes)
            Non-negative rows that sum to 1 (a DataFrame with
            ``set_output(transform="pandas")``).
        """
        rest = self._rest(X)
        return np.asarray(self.learner_.transform(rest), dtype=np.float64)

    def fit_transform(
        self, X: Any, y: Any = None, *, sensitive_features: Any = None
    ) -> Any:
        """Fit, then return the representation of the same data.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,), optional
            Binary labels.
        sensitive_features : array-like, Series, DataFrame or dict, optional
            One or several sensitive columns, one value per row. Required
            unless ``sensitive_feature_ids`` is set.

        Returns
        -------
        ndarray of shape (n_samples, n_prototypes)
            The soft assignment of every row to the prototypes.
        """
        return self.fit(X, y, sensitive_features=sensitive_features).transform(X)

    def predict_proba(self, X: Any) -> NDArray[np.float64]:
        """Return the probability of each of the two labels.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Data with the columns seen in ``fit``.

        Returns
        -------
        ndarray of shape (n_samples, 2)
            Columns in the order of ``classes_``.

        Raises
        ------
        FairnessValueError
            When the learner was fitted without ``y``.
        """
        self._check_has_labels()
        rest = self._rest(X)
        return np.asarray(self.learner_.predict_proba(rest), dtype=np.float64)

    def predict(self, X: Any) -> NDArray[Any]:
        """Return the more probable label of every row (ties go to ``classes_[0]``).

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Data with the columns seen in ``fit``.

        Returns
        -------
        ndarray of shape (n_samples,)
            Labels from ``classes_``.

        Raises
        ------
        FairnessValueError
            When the learner was fitted without ``y``.
        """
        proba = self.predict_proba(X)
        classes: NDArray[Any] = self.classes_
        return classes[(proba[:, 1] > 0.5).astype(np.intp)]

    def get_feature_names_out(self, input_features: Any = None) -> NDArray[np.object_]:
        """Return the names of the representation columns: ``prototype0``, ...

        Parameters
        ----------
        input_features : array-like of str, optional
            Ignored (the output columns do not come from input columns).

        Returns
        -------
        ndarray of object
            ``prototype0`` to ``prototype{n_prototypes - 1}``.
        """
        check_is_fitted(self)
        return np.asarray(
            [f"prototype{k}" for k in range(self.prototypes_.shape[0])], dtype=object
        )

    def __sklearn_tags__(self) -> Tags:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        tags.target_tags.required = False
        tags.transformer_tags.preserves_dtype = ["float64"]
        return tags
