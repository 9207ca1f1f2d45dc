"""Group-specific decision thresholds chosen to meet a fairness constraint."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from pytest_fairness._validation import check_bool, check_choice, check_int, fail
from pytest_fairness.exceptions import FairnessWarning
from pytest_fairness.postprocessing._base import (
    FitData,
    PostProcessor,
    random_generator,
)
from pytest_fairness.postprocessing._curves import (
    build_curves,
    mixture_search,
    nearest_rules,
    window_search,
)

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from pytest_fairness.postprocessing._curves import Curves

__all__ = ["GroupThresholdOptimizer"]

Constraint = Literal[
    "demographic_parity", "equal_opportunity", "predictive_equality", "equalized_odds"
]
Objective = Literal["accuracy", "balanced_accuracy"]

#: Rates each constraint equalises, and the fairlearn names accepted for them.
CONSTRAINT_RATES: dict[str, tuple[str, ...]] = {
    "demographic_parity": ("selection_rate",),
    "equal_opportunity": ("tpr",),
    "predictive_equality": ("fpr",),
    "equalized_odds": ("fpr", "tpr"),
}
CONSTRAINT_ALIASES = {
    "selection_rate_parity": "demographic_parity",
    "true_positive_rate_parity": "equal_opportunity",
    "false_negative_rate_parity": "equal_opportunity",
    "false_positive_rate_parity": "predictive_equality",
    "true_negative_rate_parity": "predictive_equality",
}
OBJECTIVE_ALIASES = {
    "accuracy_score": "accuracy",
    "balanced_accuracy_score": "balanced_accuracy",
}


class GroupThresholdOptimizer(PostProcessor):
    """Per-group decision thresholds on a classifier's scores, meeting a constraint.

    The adjustment of Hardt, Price & Srebro (2016) for a model that stays as
    it is: each group gets its own threshold on the model's scores, chosen to
    maximise ``objective`` while the rate named by ``constraints`` is (nearly)
    equal across groups. By default every group gets one deterministic
    threshold, which a lender can state and defend; ``randomized=True`` mixes
    thresholds within a group to meet the constraint exactly (as fairlearn's
    ``ThresholdOptimizer``), which is the only way to equalise two rates at
    once.

    Parameters
    ----------
    estimator : classifier
        A binary classifier with ``predict_proba`` or ``decision_function``.
        Cloned and fitted in :meth:`fit` unless ``prefit=True``.
    constraints : str, default="equal_opportunity"
        ``"equal_opportunity"`` (true positive rate), ``"demographic_parity"``
        (selection rate), ``"predictive_equality"`` (false positive rate) or
        ``"equalized_odds"`` (both error rates). fairlearn's names
        (``"true_positive_rate_parity"``, ...) are accepted.
    objective : {"accuracy", "balanced_accuracy"}, default="accuracy"
        What the thresholds maximise on the fitting data.
    tolerance : float, default=0.0
        Largest allowed difference of the constrained rate between groups
        (for equalized odds, of each of the two rates).
    randomized : bool, default=False
        Mix thresholds within a group so that the constraint holds exactly
        in expectation. Predictions then draw from ``random_state``.
    unseen_group : {"error", "overall"}, default="error"
        What a group absent at fit time gets in :meth:`predict`: an error
        naming it, or the objective-best single threshold of the pooled data.
    predict_method : {"auto", "predict_proba", "decision_function"}, default="auto"
        Which scores to threshold; ``"auto"`` prefers ``predict_proba``.
    prefit : bool, default=False
        Use ``estimator`` as fitted (the model cannot be retrained).
    random_state : int, numpy.random.Generator or None, default=None
        Seed of the draws of randomized predictions. An int makes every call
        of :meth:`predict` on the same rows repeat its decisions.
    min_group_size : int, default=30
        Groups with fewer fitting rows (counted unweighted, as in
        :func:`pytest_fairness.audit`) get no threshold of their own: their
        rates are too uncertain to equalise. They get ``overall_threshold_``,
        are left out of the constraint and of ``disparity_``, are flagged in
        ``rates_["small_group"]``, and a
        :class:`~pytest_fairness.FairnessWarning` names them. ``1`` fits every
        group.
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
        The two classes; ``classes_[1]`` is the favourable one.
    groups_ : tuple of tuple
        The groups seen at fit time, each a tuple of levels (one per sensitive
        column). Dictionaries below are keyed by the level itself for one
        sensitive column and by the tuple for several.
    sensitive_attributes_ : tuple of str
        Names of the sensitive columns.
    thresholds_ : dict
        Group to threshold: a row is favoured when ``score >= threshold``.
        With ``randomized=True``, group to a tuple of ``(threshold, weight)``
        pairs: the rule uses each threshold with that probability.
    rates_ : pandas.DataFrame
        Per group on the fitting data: ``count``, the expected
        ``selection_rate``, ``tpr`` and ``fpr`` after adjustment, and
        ``step``, the rate gap between the two thresholds around the common
        target when no threshold of the group reaches it (NaN for a small
        group), and ``small_group`` (fewer rows than ``min_group_size``).
    disparity_ : float
        Largest difference between groups of the constrained rate(s) on the
        fitting data after adjustment (expected values when randomized),
        over the groups with at least ``min_group_size`` rows.
    granularity_ : float
        The part of ``disparity_`` that the distinct scores force beyond
        ``tolerance``: ``disparity_ <= tolerance + granularity_``. Zero when
        randomized; with one deterministic threshold per group it is the
        largest ``step`` (for equalized odds, twice the largest distance from a
        group's threshold to the common operating point).
    objective_ : float
        The objective on the fitting data after adjustment (expected value
        when randomized).
    overall_threshold_ : float
        The objective-best single threshold of all fitting rows pooled: the
        rule of the small groups, and of unseen groups with
        ``unseen_group="overall"``.
    n_features_in_ : int
        Number of features of ``X``, when the estimator records it (or when
        ``sensitive_feature_ids`` is set).

    See Also
    --------
    RejectOptionClassifier : Flip decisions near the threshold instead.
    CalibratedEqualizedOdds : Equalise a cost while keeping calibration.

    Notes
    -----
    For every group the rules "favourable when score >= t" change only at
    the group's distinct scores, so one sort by (group, score) and cumulative
    weighted counts give the true and false positives of every rule of every
    group. The search is exact over those rules:

    - deterministic, one rate: the window ``[L, L + tolerance]`` that maximises
      the objective when each group takes its best rule with its rate in the
      window, or, when it has none there, the nearer of the two rules around
      it. Every window where that choice changes is evaluated.
    - randomized: a linear program over the vertices of each group's
      achievable region (the upper envelope of (rate, objective) for one rate,
      the ROC convex hull for equalized odds), which meets the constraint
      exactly; its objective is at least fairlearn's ``ThresholdOptimizer``
      on the same scores.
    - deterministic equalized odds: each group takes its single threshold
      nearest to the operating point of the randomized solution.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from pytest_fairness.datasets import make_loan_applications
    >>> from pytest_fairness.postprocessing import GroupThresholdOptimizer
    >>> df = make_loan_applications(2000, random_state=0)
    >>> X = df[["credit_score", "debt_to_income", "income"]]
    >>> model = LogisticRegression(max_iter=1000).fit(X, df["approved"])
    >>> opt = GroupThresholdOptimizer(model, prefit=True).fit(
    ...     X, df["approved"], sensitive_features=df["gender"]
    ... )
    >>> sorted(opt.thresholds_)
    ['female', 'male']
    >>> bool(opt.disparity_ <= opt.tolerance + opt.granularity_)
    True
    >>> opt.predict(X[:3], sensitive_features=df["gender"][:3]).shape
    (3,)
    """

    def __init__(
        self,
        estimator: Any,
        *,
        constraints: Constraint | str = "equal_opportunity",
        objective: Objective | str = "accuracy",
        tolerance: float = 0.0,
        randomized: bool = False,
        unseen_group: Literal["error", "overall"] = "error",
        predict_method: Literal["auto", "predict_proba", "decision_function"] = "auto",
        prefit: bool = False,
        random_state: int | np.random.Generator | None = None,
        min_group_size: int = 30,
        sensitive_feature_ids: Any = None,
    ) -> None:
        self.estimator = estimator
        self.constraints = constraints
        self.objective = objective
        self.tolerance = tolerance
        self.randomized = randomized
        self.unseen_group = unseen_group
        self.predict_method = predict_method
        self.prefit = prefit
        self.random_state = random_state
        self.min_group_size = min_group_size
        self.sensitive_feature_ids = sensitive_feature_ids

    # -- parameters ----------------------------------------------------------------
    def _constraint(self) -> str:
        name = CONSTRAINT_ALIASES.get(str(self.constraints), self.constraints)
        check_choice("constraints", name, [*CONSTRAINT_RATES, *CONSTRAINT_ALIASES])
        return str(name)

    def _objective(self) -> str:
        name = OBJECTIVE_ALIASES.get(str(self.objective), self.objective)
        check_choice("objective", name, [*OBJECTIVE_ALIASES.values()])
        return str(name)

    def _tolerance(self) -> float:
        tol: object = self.tolerance
        if (
            isinstance(tol, bool)
            or not isinstance(tol, int | float | np.floating)
            or not 0.0 <= float(tol) <= 1.0
        ):
            msg = f"tolerance must be a number in [0, 1]. Got {tol!r}."
            raise fail(msg)
        return float(tol)

    # -- fit -------------------------------------------------------------------------
    def _check_params(self) -> None:
        self._constraint()
        self._objective()
        self._tolerance()
        check_bool("randomized", self.randomized)
        random_generator(self.random_state)
        check_int("min_group_size", self.min_group_size, minimum=1)

    def _fit_adjustment(self, data: FitData) -> None:
        """Choose every group's threshold(s), and the pooled one."""
        constraint = self._constraint()
        objective = self._objective()
        tolerance = self._tolerance()
        randomized = check_bool("randomized", self.randomized)
        min_size = check_int("min_group_size", self.min_group_size, minimum=1)
        score, y01, w, codes = data.score, data.y01, data.sample_weight, data.codes
        n_groups = data.n_groups

        pooled = build_curves(np.zeros_like(codes), 1, y01, score, w)
        pooled_value = _objective_values(pooled, objective)
        overall = float(pooled.threshold[int(np.argmax(pooled_value))])
        self.overall_threshold_ = overall

        curves = build_curves(codes, n_groups, y01, score, w)
        value = _objective_values(curves, objective)
        names = CONSTRAINT_RATES[constraint]
        rates = [curves.rates(r) for r in names]
        counts = np.bincount(codes, minlength=n_groups)
        small = counts < min_size
        if small.any():
            self._warn_small(counts, small, min_size, overall)
        points = [_rule_at(curves, g, overall) for g in range(n_groups)]
        weights = [np.ones(1) for _ in range(n_groups)]
        step = np.full(n_groups, np.nan)
        granularity = 0.0
        keep = np.flatnonzero(~small)
        if keep.size:
            sub, at = curves.subset(keep)
            sub_points, sub_weights, sub_step, granularity = self._search(
                sub, [r[at] for r in rates], value[at], tolerance, randomized
            )
            for j, g in enumerate(keep.tolist()):
                points[g] = at[sub_points[j]]
                weights[g] = sub_weights[j]
                step[g] = sub_step[j]

        self._set_rules(curves, points, weights, small, overall)
        self._summarise(curves, codes, points, weights, names, step, objective, small)
        self.granularity_ = granularity

    def _search(
        self,
        curves: Curves,
        rates: list[NDArray[np.float64]],
        value: NDArray[np.float64],
        tolerance: float,
        randomized: bool,
    ) -> tuple[
        list[NDArray[np.intp]], list[NDArray[np.float64]], NDArray[np.float64], float
    ]:
        """Each group's rule(s) under the constraint: points, weights, steps."""
        n_groups = curves.n_groups
        if randomized:
            mix = mixture_search(curves, rates, value, tolerance)
            return mix.points, mix.weights, np.zeros(n_groups), 0.0
        if len(rates) == 1:
            choice = window_search(curves, rates[0], value, tolerance)
            points = [np.array([p]) for p in choice.points]
            step = choice.step
        else:
            mix = mixture_search(curves, rates, value, tolerance)
            chosen = nearest_rules(curves, rates, value, mix.targets)
            points = [np.array([p]) for p in chosen]
            dist = np.zeros(n_groups)
            for k, r in enumerate(rates):
                gap = np.abs(r[chosen] - mix.targets[:, k])
                np.fmax(dist, np.nan_to_num(gap, nan=0.0), out=dist)
            step = 2.0 * dist
        weights = [np.ones(1) for _ in range(n_groups)]
        return points, weights, step, float(step.max(initial=0.0))

    def _warn_small(
        self,
        counts: NDArray[np.intp],
        small: NDArray[np.bool_],
        min_size: int,
        overall: float,
    ) -> None:
        shown = ", ".join(
            f"{self._labels[g]!r} (n={int(counts[g])})"
            for g in np.flatnonzero(small)[:10]
        )
        more = f" and {int(small.sum()) - 10} more" if small.sum() > 10 else ""
        msg = (
            f"GroupThresholdOptimizer: {int(small.sum())} group(s) have fewer than "
            f"min_group_size={min_size} rows: {shown}{more}. Their rates are too "
            "uncertain to fit a threshold of their own, so they get the overall "
            f"threshold ({overall:.4g}, the most accurate single threshold of all "
            "rows; see overall_threshold_) and are left out of the constraint and "
            "of disparity_. Lower min_group_size to fit them anyway."
        )
        warnings.warn(msg, FairnessWarning, stacklevel=4)

    def _set_rules(
        self,
        curves: Curves,
        points: list[NDArray[np.intp]],
        weights: list[NDArray[np.float64]],
        small: NDArray[np.bool_],
        overall: float,
    ) -> None:
        width = max(p.shape[0] for p in points)
        n_groups = len(points)
        thr = np.full((n_groups, width), np.inf)
        wts = np.zeros((n_groups, width))
        thresholds: dict[Any, Any] = {}
        for g, (p, w) in enumerate(zip(points, weights, strict=True)):
            order = np.argsort(-curves.threshold[p], kind="stable")
            thr[g, : p.shape[0]] = curves.threshold[p][order]
            wts[g, : p.shape[0]] = w[order]
            if small[g]:
                # the pooled threshold itself, not the group's score next to it
                thr[g, 0] = overall
            if self.randomized:
                thresholds[self._labels[g]] = tuple(
                    (float(t), float(x))
                    for t, x in zip(
                        thr[g, : p.shape[0]], wts[g, : p.shape[0]], strict=True
                    )
                )
            else:
                thresholds[self._labels[g]] = float(thr[g, 0])
        self.thresholds_ = thresholds
        self._rule_thresholds = thr
        self._rule_weights = wts

    def _summarise(
        self,
        curves: Curves,
        codes: NDArray[np.intp],
        points: list[NDArray[np.intp]],
        weights: list[NDArray[np.float64]],
        names: tuple[str, ...],
        step: NDArray[np.float64],
        objective: str,
        small: NDArray[np.bool_],
    ) -> None:
        table: dict[str, Any] = {}
        for name in ("selection_rate", "tpr", "fpr"):
            r = curves.rates(name)
            table[name] = [
                float(w @ r[p]) for p, w in zip(points, weights, strict=True)
            ]
        table["step"] = step
        table["small_group"] = small
        self.rates_ = self._group_table(codes, table)
        spread = 0.0
        for name in names:
            col = self.rates_[name].to_numpy(dtype=np.float64)[~small]
            col = col[~np.isnan(col)]
            if col.shape[0] > 1:
                spread = max(spread, float(col.max() - col.min()))
        self.disparity_ = spread
        tp = sum(float(w @ curves.tp[p]) for p, w in zip(points, weights, strict=True))
        fp = sum(float(w @ curves.fp[p]) for p, w in zip(points, weights, strict=True))
        pos, neg = float(curves.pos.sum()), float(curves.neg.sum())
        if objective == "accuracy":
            self.objective_ = (tp + neg - fp) / (pos + neg)
        else:
            self.objective_ = 0.5 * (tp / pos + (neg - fp) / neg)

    # -- predict ---------------------------------------------------------------------
    def _favourable_probability(
        self, score: NDArray[np.float64], codes: NDArray[np.intp]
    ) -> NDArray[np.float64]:
        """Probability of the favourable decision under the group's rule."""
        thr = self._rule_thresholds
        wts = self._rule_weights
        if self.unseen_group == "overall":
            thr = np.vstack([thr, np.full((1, thr.shape[1]), np.inf)])
            thr[-1, 0] = self.overall_threshold_
            wts = np.vstack([wts, np.zeros((1, wts.shape[1]))])
            wts[-1, 0] = 1.0
            codes = np.where(codes < 0, thr.shape[0] - 1, codes)
        prob = np.zeros(score.shape[0])
        for k in range(thr.shape[1]):
            prob += np.where(score >= thr[codes, k], wts[codes, k], 0.0)
        return np.clip(prob, 0.0, 1.0)

    def decision_proba(self, X: Any, *, sensitive_features: Any = None) -> NDArray[Any]:
        """Probability of each decision for each row.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Features, as the estimator takes them.
        sensitive_features : array-like, Series, DataFrame or dict
            The group of every row.

        Returns
        -------
        ndarray of shape (n_samples, 2)
            Probabilities of deciding ``classes_[0]`` and ``classes_[1]``:
            0 or 1 with deterministic thresholds. These are probabilities of
            the adjusted decision, not of the label.
        """
        p = self._favourable_probability(*self._predict_inputs(X, sensitive_features))
        return np.column_stack([1.0 - p, p])

    def _favourable(
        self, score: NDArray[np.float64], codes: NDArray[np.intp]
    ) -> NDArray[np.bool_]:
        """Each row's group threshold(s); randomized rules draw."""
        p = self._favourable_probability(score, codes)
        if self.randomized:
            draws = random_generator(self.random_state).random(p.shape[0])
            return draws < p
        return p >= 0.5


def _rule_at(curves: Curves, group: int, threshold: float) -> NDArray[np.intp]:
    """Return the point of ``group`` that decides like ``score >= threshold``."""
    a, b = int(curves.start[group]), int(curves.start[group + 1])
    # thresholds fall from +inf along the group's points: take the last one
    # still >= threshold (the group's lowest score that the rule favours)
    k = np.searchsorted(-curves.threshold[a:b], -threshold, side="right") - 1
    return np.array([a + int(k)], dtype=np.intp)


def _objective_values(curves: Curves, objective: str) -> NDArray[np.float64]:
    """Each rule's contribution to the objective, up to a constant per group."""
    pos, neg = float(curves.pos.sum()), float(curves.neg.sum())
    if objective == "accuracy":
        return (curves.tp - curves.fp) / (pos + neg)
    if pos == 0.0 or neg == 0.0:  # pragma: no cover - y holds both classes
        return curves.tp - curves.fp
    return 0.5 * curves.tp / pos - 0.5 * curves.fp / neg
