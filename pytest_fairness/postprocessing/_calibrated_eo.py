"""Calibrated equalized odds: equalise one error cost while keeping calibration."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from sklearn.utils.validation import check_is_fitted

from pytest_fairness._validation import check_choice, fail
from pytest_fairness.exceptions import FairnessWarning
from pytest_fairness.postprocessing._base import (
    PostProcessor,
    group_index,
    random_generator,
)

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["CalibratedEqualizedOdds"]

COST_CONSTRAINTS = ("fnr", "fpr", "weighted")


class CalibratedEqualizedOdds(PostProcessor):
    r"""Equalise a generalized error cost across groups without losing calibration.

    Pleiss, Raghavan, Wu, Kleinberg & Weinberger (2017), "On Fairness and
    Calibration": calibration and equalized odds cannot both hold, but one
    cost can be equalised while every group stays calibrated. Each group
    whose cost is below the highest is mixed with its trivial calibrated
    predictor, its base rate: a share of its rows (drawn at random) get the
    group base rate instead of the model's probability, raising the group's
    cost to the highest one.

    Parameters
    ----------
    estimator : classifier
        A binary classifier with ``predict_proba`` whose probabilities are
        calibrated within each group (see :class:`GroupCalibrator`). Cloned
        and fitted in :meth:`fit` unless ``prefit=True``.
    cost_constraint : {"fnr", "fpr", "weighted"}, default="weighted"
        The cost to equalise: the generalized false negative rate
        :math:`E[1 - h \mid y = 1]`, the generalized false positive rate
        :math:`E[h \mid y = 0]`, or their mix weighted by the group's base
        rate :math:`\mu`, :math:`(1 - \mu)\,\mathrm{gFPR} + \mu\,\mathrm{gFNR}`
        (the expected absolute error :math:`E|y - h|` of the group).
    random_state : int, numpy.random.Generator or None, default=None
        Seed of the draws that choose the rows given the base rate. The
        fitted model keeps one seed, so :meth:`predict` and
        :meth:`predict_proba` agree and repeat on the same rows; an int makes
        the whole procedure repeatable.
    unseen_group : {"error", "overall"}, default="error"
        What a group absent at fit time gets: an error naming it, or the
        model's own probability.
    prefit : bool, default=False
        Use ``estimator`` as fitted. Fit the mixing rates on data the model
        was not trained on (the paper uses a validation set).

    Attributes
    ----------
    estimator_ : classifier
        The scoring model (``estimator`` itself when ``prefit=True``).
    classes_ : ndarray of shape (2,)
        The two classes; ``classes_[1]`` is favourable.
    groups_ : tuple of tuple
        The groups seen at fit time, each a tuple of levels (one per sensitive
        column). Dictionaries below are keyed by the level itself for one
        sensitive column and by the tuple for several.
    sensitive_attributes_ : tuple of str
        Names of the sensitive columns.
    base_rates_ : dict
        Group to its (weighted) base rate on the fitting data.
    mix_rates_ : dict
        Group to the probability that a row gets the base rate instead of the
        model's probability (0 for the group with the highest cost).
    costs_ : pandas.DataFrame
        Per group on the fitting data: ``count``, ``base_rate``, ``mix_rate``,
        ``cost_before``, ``cost_after`` (expected), ``trivial_cost`` (the
        cost of predicting the base rate), and the expected generalized
        ``gfpr`` and ``gfnr`` after mixing.
    target_cost_ : float
        The cost every group is brought to: the highest group cost.
    n_features_in_ : int
        Number of features of ``X``, when the estimator records it.

    See Also
    --------
    GroupThresholdOptimizer : Equalised odds with thresholds (no calibration).
    GroupCalibrator : Calibrate the model within each group first.

    Notes
    -----
    For a calibrated score :math:`h`, the mixture
    :math:`\tilde h = h` with probability :math:`1 - \alpha` and
    :math:`\tilde h = \mu` with probability :math:`\alpha` (independently of
    the row) stays calibrated, and its cost is linear in :math:`\alpha`:
    :math:`c(\tilde h) = (1 - \alpha)\,c(h) + \alpha\,c(\mu)`. With
    :math:`c^*` the highest group cost,
    :math:`\alpha_g = (c^* - c(h_g)) / (c(\mu_g) - c(h_g))`. When the trivial
    cost of a group is below :math:`c^*` the group cannot reach it while
    staying calibrated; it gets :math:`\alpha = 1` and a
    :class:`~pytest_fairness.FairnessWarning` names it.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from pytest_fairness.datasets import make_loan_applications
    >>> from pytest_fairness.postprocessing import CalibratedEqualizedOdds
    >>> df = make_loan_applications(2000, random_state=0)
    >>> X = df[["credit_score", "debt_to_income", "income"]]
    >>> model = LogisticRegression(max_iter=1000).fit(X, df["approved"])
    >>> ceo = CalibratedEqualizedOdds(
    ...     model, prefit=True, cost_constraint="fpr", random_state=0
    ... ).fit(X, df["approved"], sensitive_features=df["gender"])
    >>> costs = ceo.costs_["cost_after"]
    >>> bool(abs(costs["female"] - costs["male"]) < 1e-12)
    True
    """

    predict_method = "predict_proba"

    def __init__(
        self,
        estimator: Any,
        *,
        cost_constraint: Literal["fnr", "fpr", "weighted"] = "weighted",
        random_state: int | np.random.Generator | None = None,
        unseen_group: Literal["error", "overall"] = "error",
        prefit: bool = False,
    ) -> None:
        self.estimator = estimator
        self.cost_constraint = cost_constraint
        self.random_state = random_state
        self.unseen_group = unseen_group
        self.prefit = prefit

    def fit(
        self,
        X: Any,
        y: Any,
        *,
        sensitive_features: Any = None,
        sample_weight: Any = None,
    ) -> CalibratedEqualizedOdds:
        """Fit the model (unless prefit) and the mixing rate of every group.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Features, as the estimator takes them.
        y : array-like of shape (n_samples,)
            Binary labels; ``classes_[1]`` is favourable.
        sensitive_features : array-like, Series, DataFrame or dict
            The group of every row.
        sample_weight : array-like of shape (n_samples,), optional
            Row weights, for the estimator's fit and for the costs.

        Returns
        -------
        CalibratedEqualizedOdds
            The fitted post-processor.

        Raises
        ------
        FairnessValueError
            On invalid parameters, non-binary ``y``, a model without
            ``predict_proba``, or missing groups.
        """
        self._check_common_params()
        check_choice("cost_constraint", self.cost_constraint, COST_CONSTRAINTS)
        rng = random_generator(self.random_state)
        y01, classes, y = self._binary_target(y)
        n = y01.shape[0]
        w = self._check_weights(sample_weight, y01)
        weight = np.ones(n) if w is None else w
        codes = self._fit_groups(sensitive_features, n)
        self.classes_ = classes
        self._fit_estimator(X, y, w, sensitive_features)
        h = self._scores(X, sensitive_features)
        if (h < 0).any() or (h > 1).any():  # pragma: no cover - predict_proba
            msg = "CalibratedEqualizedOdds needs probabilities in [0, 1]."
            raise fail(msg)
        n_groups = len(self.groups_)

        def per_group(values: NDArray[np.float64]) -> NDArray[np.float64]:
            return np.bincount(codes, weights=values, minlength=n_groups).astype(
                np.float64
            )

        pos = per_group(weight * y01)
        neg = per_group(weight * (1 - y01))
        with np.errstate(invalid="ignore", divide="ignore"):
            mu = pos / (pos + neg)
            gfnr = per_group(weight * y01 * (1 - h)) / pos
            gfpr = per_group(weight * (1 - y01) * h) / neg
        cost = self._cost(gfpr, gfnr, mu)
        trivial = self._cost(mu, 1 - mu, mu)
        defined = ~np.isnan(cost)
        target = float(np.max(cost[defined])) if defined.any() else float("nan")
        alpha = np.zeros(n_groups)
        stuck = []
        for g in np.flatnonzero(defined):
            if cost[g] >= target:
                continue
            if trivial[g] >= target:
                alpha[g] = (target - cost[g]) / (trivial[g] - cost[g])
            else:
                alpha[g] = 1.0 if trivial[g] > cost[g] else 0.0
                stuck.append(self._labels[g])
        if stuck:
            warnings.warn(
                f"Group(s) {stuck!r} cannot reach the highest {self.cost_constraint} "
                f"cost ({target:.4g}) while staying calibrated: even their base "
                "rate costs less. They are brought as close as possible.",
                FairnessWarning,
                stacklevel=2,
            )
        gfpr_after = (1 - alpha) * gfpr + alpha * mu
        gfnr_after = (1 - alpha) * gfnr + alpha * (1 - mu)
        self.target_cost_ = target
        self.base_rates_ = dict(zip(self._labels, mu.tolist(), strict=True))
        self.mix_rates_ = dict(zip(self._labels, alpha.tolist(), strict=True))
        self._mu = np.nan_to_num(mu)
        self._alpha = alpha
        self._seed = int(rng.integers(2**63 - 1))
        import pandas as pd  # noqa: PLC0415 - the summary table is a DataFrame

        self.costs_ = pd.DataFrame(
            {
                "count": np.bincount(codes, minlength=n_groups),
                "base_rate": mu,
                "mix_rate": alpha,
                "cost_before": cost,
                "cost_after": self._cost(gfpr_after, gfnr_after, mu),
                "trivial_cost": trivial,
                "gfpr": gfpr_after,
                "gfnr": gfnr_after,
            },
            index=group_index(self.groups_, self.sensitive_attributes_),
        )
        return self

    def _cost(
        self,
        gfpr: NDArray[np.float64],
        gfnr: NDArray[np.float64],
        mu: NDArray[np.float64],
    ) -> NDArray[np.float64]:
        if self.cost_constraint == "fpr":
            return gfpr
        if self.cost_constraint == "fnr":
            return gfnr
        return np.asarray((1 - mu) * gfpr + mu * gfnr, dtype=np.float64)

    def predict_proba(self, X: Any, *, sensitive_features: Any = None) -> NDArray[Any]:
        """Return the mixed, still calibrated, probabilities of both classes.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Features, as the estimator takes them.
        sensitive_features : array-like, Series, DataFrame or dict
            The group of every row.

        Returns
        -------
        ndarray of shape (n_samples, 2)
            Probabilities of ``classes_[0]`` and ``classes_[1]``. A row whose
            draw falls under its group's mixing rate gets the group base rate.

        Raises
        ------
        FairnessValueError
            When a group was not seen at fit time (unless
            ``unseen_group="overall"``).
        """
        check_is_fitted(self, "estimator_")
        h = self._scores(X, sensitive_features)
        codes = self._predict_groups(sensitive_features, h.shape[0])
        known = codes >= 0
        alpha = np.zeros(h.shape[0])
        mu = np.zeros(h.shape[0])
        alpha[known] = self._alpha[codes[known]]
        mu[known] = self._mu[codes[known]]
        draws = np.random.default_rng(self._seed).random(h.shape[0])
        mixed = np.where(draws < alpha, mu, h)
        return np.column_stack([1.0 - mixed, mixed])

    def predict(self, X: Any, *, sensitive_features: Any = None) -> NDArray[Any]:
        """Decide every row: favourable when its mixed probability exceeds 0.5.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Features, as the estimator takes them.
        sensitive_features : array-like, Series, DataFrame or dict
            The group of every row.

        Returns
        -------
        ndarray of shape (n_samples,)
            The decisions, as labels from ``classes_`` (the larger of the two
            probabilities of :meth:`predict_proba`).
        """
        proba = self.predict_proba(X, sensitive_features=sensitive_features)
        favourable = proba[:, 1] > proba[:, 0]
        return np.asarray(self.classes_)[favourable.astype(np.intp)]
