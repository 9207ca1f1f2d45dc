"""Per-group probability calibration (isotonic or Platt's sigmoid)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from sklearn.base import clone
from sklearn.isotonic import IsotonicRegression
from sklearn.model_selection import cross_val_predict

from pytest_fairness._sample_weight import fit_params_for_weights
from pytest_fairness._validation import check_choice
from pytest_fairness.metrics import score_sums
from pytest_fairness.postprocessing._base import FitData, ProbabilisticPostProcessor

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["GroupCalibrator", "SigmoidCalibration"]

METHODS = ("isotonic", "sigmoid")


@dataclass(frozen=True, slots=True)
class SigmoidCalibration:
    """Platt's sigmoid ``p = 1 / (1 + exp(-(a * score + b)))``.

    Attributes
    ----------
    a, b : float
        Slope and intercept on the score.
    """

    a: float
    b: float

    @classmethod
    def fit(
        cls,
        score: NDArray[np.float64],
        y: NDArray[np.uint8],
        weight: NDArray[np.float64],
    ) -> SigmoidCalibration:
        """Fit by Newton's method on the log loss with Platt's smoothed targets.

        Parameters
        ----------
        score : ndarray of float64
            Scores of the group.
        y : ndarray of uint8
            0/1 labels.
        weight : ndarray of float64
            Row weights.

        Returns
        -------
        SigmoidCalibration
            The fitted sigmoid.
        """
        n_pos = float(weight[y == 1].sum())
        n_neg = float(weight[y == 0].sum())
        # Platt (1999): targets pulled off 0 and 1 so one class still fits
        target = np.where(y == 1, (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2))
        a, b = 0.0, float(np.log((n_pos + 1) / (n_neg + 1)))

        def loss(a_: float, b_: float) -> float:
            z = a_ * score + b_
            # log(1 + exp(z)) - t z, computed stably
            return float(np.sum(weight * (np.logaddexp(0.0, z) - target * z)))

        current = loss(a, b)
        for _ in range(100):
            p = 1.0 / (1.0 + np.exp(-(a * score + b)))
            r = weight * (p - target)
            grad = np.array([np.sum(r * score), np.sum(r)])
            v = weight * p * (1 - p)
            hess = np.array(
                [
                    [np.sum(v * score * score), np.sum(v * score)],
                    [np.sum(v * score), np.sum(v)],
                ]
            )
            hess += 1e-12 * np.eye(2)
            step = np.linalg.solve(hess, grad)
            t = 1.0
            while t > 1e-10:
                cand = loss(a - t * step[0], b - t * step[1])
                if cand <= current:
                    break
                t /= 2
            a, b = a - t * float(step[0]), b - t * float(step[1])
            improved = current - cand
            current = cand
            if abs(improved) <= 1e-12 * max(abs(current), 1.0):
                break
        return cls(a, b)

    def predict(self, score: NDArray[np.float64]) -> NDArray[np.float64]:
        """Return the calibrated probability of each score.

        Parameters
        ----------
        score : ndarray of float64
            Scores.

        Returns
        -------
        ndarray of float64
            Probabilities of the favourable class.
        """
        return np.asarray(1.0 / (1.0 + np.exp(-(self.a * score + self.b))))


class GroupCalibrator(ProbabilisticPostProcessor):
    """Calibrate a classifier's probabilities separately within each group.

    A model can be well calibrated overall and still over-promise for one
    group and under-promise for another, which undermines any threshold
    shared between them. The calibrator maps the model's scores to
    probabilities with one isotonic (or sigmoid) curve per group, learned on
    scores the model did not train on (cross-validated unless the model is
    prefit). :class:`CalibratedEqualizedOdds` expects such probabilities.

    Parameters
    ----------
    estimator : classifier
        A binary classifier with ``predict_proba`` or ``decision_function``.
        Cloned and fitted in :meth:`fit` unless ``prefit=True``.
    method : {"isotonic", "sigmoid"}, default="isotonic"
        Isotonic regression (non-parametric, monotone) or Platt's sigmoid
        (two parameters; better for small groups).
    cv : int or cross-validation splitter, default=5
        With ``prefit=False``: the folds giving out-of-fold scores for the
        calibration, after which the model is refitted on all rows. None
        calibrates on the training scores (optimistic).
    unseen_group : {"error", "overall"}, default="error"
        What a group absent at fit time gets: an error naming it, or a
        calibration fitted on all groups pooled.
    predict_method : {"auto", "predict_proba", "decision_function"}, default="auto"
        Which scores to calibrate; ``"auto"`` prefers ``predict_proba``.
    prefit : bool, default=False
        Use ``estimator`` as fitted, and calibrate on the data given to
        :meth:`fit` (data the model was not trained on).
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
    calibrators_ : dict
        Group to its fitted calibration (an
        :class:`~sklearn.isotonic.IsotonicRegression` or a
        :class:`SigmoidCalibration`).
    calibration_ : pandas.DataFrame
        Per group on the calibration scores: ``count`` and the
        ``calibration_error`` before and after (the metric of
        :func:`pytest_fairness.audit`: ten equal-width bins; NaN before when
        the scores are not probabilities).
    n_features_in_ : int
        Number of features of ``X``, when the estimator records it (or when
        ``sensitive_feature_ids`` is set).

    See Also
    --------
    CalibratedEqualizedOdds : Equalise a cost while keeping calibration.
    sklearn.calibration.CalibratedClassifierCV : One calibration for everyone.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from pytest_fairness.datasets import make_loan_applications
    >>> from pytest_fairness.postprocessing import GroupCalibrator
    >>> df = make_loan_applications(4000, random_state=0)
    >>> X = df[["credit_score", "debt_to_income", "income"]]
    >>> cal = GroupCalibrator(LogisticRegression(max_iter=1000)).fit(
    ...     X, df["approved"], sensitive_features=df["gender"]
    ... )
    >>> proba = cal.predict_proba(X, sensitive_features=df["gender"])
    >>> proba.shape
    (4000, 2)
    >>> list(cal.calibration_.columns)
    ['count', 'calibration_error_before', 'calibration_error_after']
    """

    def __init__(
        self,
        estimator: Any,
        *,
        method: Literal["isotonic", "sigmoid"] = "isotonic",
        cv: Any = 5,
        unseen_group: Literal["error", "overall"] = "error",
        predict_method: Literal["auto", "predict_proba", "decision_function"] = "auto",
        prefit: bool = False,
        sensitive_feature_ids: Any = None,
    ) -> None:
        self.estimator = estimator
        self.method = method
        self.cv = cv
        self.unseen_group = unseen_group
        self.predict_method = predict_method
        self.prefit = prefit
        self.sensitive_feature_ids = sensitive_feature_ids

    def _check_params(self) -> None:
        check_choice("method", self.method, METHODS)

    def _fit_scores(
        self, X: Any, y: Any, w: NDArray[np.float64] | None, sensitive_features: Any
    ) -> NDArray[np.float64]:
        """Fit the model; return scores it did not train on (out-of-fold)."""
        if self.prefit or self.cv is None:
            return super()._fit_scores(X, y, w, sensitive_features)
        method = self._score_method()
        est = clone(self.estimator)
        params = {} if w is None else fit_params_for_weights(est, w, owner=self)
        out = cross_val_predict(est, X, y, cv=self.cv, method=method, params=params)
        out = np.asarray(out, dtype=np.float64)
        score = out[:, 1] if out.ndim == 2 else out
        self._fit_estimator(X, y, w, sensitive_features)
        return score

    def _fit_adjustment(self, data: FitData) -> None:
        """Fit one calibration per group (and a pooled one for unseen groups)."""
        score, y01, weight, codes = data.score, data.y01, data.weight, data.codes
        calibrators: list[Any] = []
        for g in range(data.n_groups):
            m = codes == g
            calibrators.append(self._fit_one(score[m], y01[m], weight[m]))
        self._calibrators = calibrators
        self.calibrators_ = dict(zip(self._labels, calibrators, strict=True))
        self._overall = (
            self._fit_one(score, y01, weight)
            if self.unseen_group == "overall"
            else None
        )
        after = self._favourable_proba(score, codes)
        self._summarise(data, after)

    def _fit_one(
        self,
        score: NDArray[np.float64],
        y: NDArray[np.uint8],
        weight: NDArray[np.float64],
    ) -> Any:
        if self.method == "sigmoid":
            return SigmoidCalibration.fit(score, y, weight)
        iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0)
        return iso.fit(score, y.astype(np.float64), sample_weight=weight)

    def _favourable_proba(
        self, score: NDArray[np.float64], codes: NDArray[np.intp]
    ) -> NDArray[np.float64]:
        """Return the calibrated probabilities (pooled for unseen groups)."""
        out = np.empty(score.shape[0])
        for g, cal in enumerate(self._calibrators):
            m = codes == g
            if m.any():
                out[m] = cal.predict(score[m])
        unseen = codes < 0
        if unseen.any() and self._overall is not None:
            out[unseen] = self._overall.predict(score[unseen])
        return np.clip(out, 0.0, 1.0)

    def _summarise(self, data: FitData, after: NDArray[np.float64]) -> None:
        codes, n_groups, y01, w = (
            data.codes,
            data.n_groups,
            data.y01,
            data.sample_weight,
        )
        weight = np.bincount(codes, weights=data.weight, minlength=n_groups)

        def ece(score: NDArray[np.float64]) -> NDArray[np.float64]:
            if (score < 0).any() or (score > 1).any():
                return np.full(n_groups, np.nan)
            sums = score_sums(codes, n_groups, y01, score, w)
            gap = np.abs(sums["cal_score"] - sums["cal_true"]).sum(axis=1)
            out = np.full(n_groups, np.nan)
            np.divide(gap, weight, out=out, where=weight > 0)
            return out

        self.calibration_ = self._group_table(
            codes,
            {
                "calibration_error_before": ece(data.score),
                "calibration_error_after": ece(after),
            },
        )
