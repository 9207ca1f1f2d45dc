"""Calibrated equalized odds: equalise one error cost while keeping calibration."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from pytest_fairness._validation import check_choice, fail
from pytest_fairness.exceptions import FairnessWarning
from pytest_fairness.postprocessing._base import (
    FitData,
    ProbabilisticPostProcessor,
    random_generator,
)

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["CalibratedEqualizedOdds"]

COST_CONSTRAINTS = ("fnr", "fpr", "weighted")


class CalibratedEqualizedOdds(ProbabilisticPostProcessor):
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
    sensitive_feature_ids : int, str, list of int or str, or None, default=None
        Columns of ``X`` (positions, or names of DataFrame columns) that hold
        the sensitive features, read at fit, predict and score time instead
        of ``sensitive_features=``. They are not model inputs: the estimator
        is fitted on (and, with ``prefit=True``, must take) ``X`` without
        them. Lets ``cross_val_score`` and ``GridSearchCV`` score the
        adjusted decisions without metadata routing.

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
        Number of features of ``X``, when the estimator records it (or when
        ``sensitive_feature_ids`` is set).

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
        sensitive_feature_ids: Any = None,
    ) -> None:
        self.estimator = estimator
        self.cost_constraint = cost_constraint
        self.random_state = random_state
        self.unseen_group = unseen_group
        self.prefit = prefit
        self.sensitive_feature_ids = sensitive_feature_ids

    def _check_params(self) -> None:
        check_choice("cost_constraint", self.cost_constraint, COST_CONSTRAINTS)
        random_generator(self.random_state)

    def _fit_adjustment(self, data: FitData) -> None:
        """Fit the mixing rate of every group."""
        rng = random_generator(self.random_state)
        h, y01, weight, codes = data.score, data.y01, data.weight, data.codes
        if (h < 0).any() or (h > 1).any():  # pragma: no cover - predict_proba
            msg = "CalibratedEqualizedOdds needs probabilities in [0, 1]."
            raise fail(msg)
        n_groups = data.n_groups

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
                stacklevel=3,
            )
        gfpr_after = (1 - alpha) * gfpr + alpha * mu
        gfnr_after = (1 - alpha) * gfnr + alpha * (1 - mu)
        self.target_cost_ = target
        self.base_rates_ = dict(zip(self._labels, mu.tolist(), strict=True))
        self.mix_rates_ = dict(zip(self._labels, alpha.tolist(), strict=True))
        self._mu = np.nan_to_num(mu)
        self._alpha = alpha
        self._seed = int(rng.integers(2**63 - 1))
        self.costs_ = self._group_table(
            codes,
            {
                "base_rate": mu,
                "mix_rate": alpha,
                "cost_before": cost,
                "cost_after": self._cost(gfpr_after, gfnr_after, mu),
                "trivial_cost": trivial,
                "gfpr": gfpr_after,
                "gfnr": gfnr_after,
            },
        )

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

    def _favourable_proba(
        self, score: NDArray[np.float64], codes: NDArray[np.intp]
    ) -> NDArray[np.float64]:
        """Return the model's probability, or the group base rate if drawn."""
        known = codes >= 0
        alpha = np.zeros(score.shape[0])
        mu = np.zeros(score.shape[0])
        alpha[known] = self._alpha[codes[known]]
        mu[known] = self._mu[codes[known]]
        draws = np.random.default_rng(self._seed).random(score.shape[0])
        return np.where(draws < alpha, mu, score)
