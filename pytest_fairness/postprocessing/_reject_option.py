"""Reject-option classification: flip uncertain decisions towards parity."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from pytest_fairness._validation import check_choice, fail
from pytest_fairness.exceptions import FairnessWarning
from pytest_fairness.postprocessing._base import (
    FitData,
    PostProcessor,
    group_label,
)

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["RejectOptionClassifier"]

#: Disparities the band can be searched for, and the rates behind them.
ROC_METRICS: dict[str, tuple[str, ...]] = {
    "demographic_parity_difference": ("selection_rate",),
    "demographic_parity_ratio": ("selection_rate",),
    "equal_opportunity_difference": ("tpr",),
    "equal_opportunity_ratio": ("tpr",),
    "equalized_odds_difference": ("tpr", "fpr"),
    "equalized_odds_ratio": ("tpr", "fpr"),
}


class RejectOptionClassifier(PostProcessor):
    """Flip decisions in a band around the threshold (reject-option classification).

    Kamiran, Karim & Zhang (2012): where the model is least certain, within
    ``margin`` of the decision threshold, rows of the unprivileged groups get
    the favourable decision and rows of the privileged groups the unfavourable
    one. Decisions outside the band are the model's own. With
    ``margin=None`` the narrowest band whose decisions meet ``bound`` on the
    fitting data is found exactly.

    Parameters
    ----------
    estimator : classifier
        A binary classifier with ``predict_proba`` or ``decision_function``.
        Cloned and fitted in :meth:`fit` unless ``prefit=True``.
    threshold : float or "auto", default="auto"
        The model's decision threshold: favourable when ``score >= threshold``.
        ``"auto"`` is 0.5 for probabilities and 0 for decision functions.
    margin : float, optional
        Half-width of the critical band ``|score - threshold| <= margin``.
        None searches the narrowest band that meets ``bound``; 0 changes
        nothing.
    unprivileged : label, list of labels, dict, or None, default=None
        The groups that get the favourable decision in the band: a group
        label, a list of them (tuples for intersections), or a dict of
        sensitive column to level(s), e.g. ``{"gender": "female"}`` (every
        intersection with that level). None takes the groups whose selection
        rate under the model is below the overall rate. Every other group
        seen at fit time is privileged.
    metric : str, default="demographic_parity_difference"
        The disparity ``bound`` applies to: ``demographic_parity``,
        ``equal_opportunity`` or ``equalized_odds``, with ``_difference`` or
        ``_ratio`` (as in :func:`pytest_fairness.audit`).
    bound : float, optional
        Upper limit for a difference, lower limit for a ratio. Defaults to
        0.05 for a difference and 0.8 (the four-fifths rule) for a ratio.
    unseen_group : {"error", "overall"}, default="error"
        What a group absent at fit time gets in :meth:`predict`: an error
        naming it, or the model's own decision (it is in neither list).
    predict_method : {"auto", "predict_proba", "decision_function"}, default="auto"
        Which scores to use; ``"auto"`` prefers ``predict_proba``.
    prefit : bool, default=False
        Use ``estimator`` as fitted (the model cannot be retrained).
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
    threshold_ : float
        The decision threshold used.
    margin_ : float
        The half-width of the band used.
    unprivileged_ : tuple
        The unprivileged groups.
    disparity_before_ : float
        ``metric`` of the model's own decisions on the fitting data.
    disparity_ : float
        ``metric`` after the flips, on the fitting data.
    changed_ : float
        Share of the fitting rows whose decision changed.
    changes_ : pandas.DataFrame
        Per group: ``count``, ``changed`` (rows whose decision changed),
        ``share`` and ``unprivileged``.
    n_features_in_ : int
        Number of features of ``X``, when the estimator records it (or when
        ``sensitive_feature_ids`` is set).

    See Also
    --------
    GroupThresholdOptimizer : Separate thresholds instead of a shared band.

    Notes
    -----
    Widening the band only changes decisions when its edge passes a row that
    would flip (an unprivileged row below the threshold or a privileged row at
    or above it). Sorting those rows by ``|score - threshold|`` and summing
    their weights per group gives every group's rates for every possible band
    at once; the narrowest band meeting the bound is the first one in that
    order. When none meets it, the band with the smallest disparity is used
    and a :class:`~pytest_fairness.FairnessWarning` says so.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from pytest_fairness.datasets import make_loan_applications
    >>> from pytest_fairness.postprocessing import RejectOptionClassifier
    >>> df = make_loan_applications(2000, random_state=0)
    >>> X = df[["credit_score", "debt_to_income", "income"]]
    >>> model = LogisticRegression(max_iter=1000).fit(X, df["approved"])
    >>> roc = RejectOptionClassifier(model, prefit=True, bound=0.05)
    >>> roc = roc.fit(X, df["approved"], sensitive_features=df["gender"])
    >>> roc.unprivileged_
    ('female',)
    >>> bool(roc.disparity_ <= 0.05 < roc.disparity_before_)
    True
    """

    def __init__(
        self,
        estimator: Any,
        *,
        threshold: float | Literal["auto"] = "auto",
        margin: float | None = None,
        unprivileged: Any = None,
        metric: str = "demographic_parity_difference",
        bound: float | None = None,
        unseen_group: Literal["error", "overall"] = "error",
        predict_method: Literal["auto", "predict_proba", "decision_function"] = "auto",
        prefit: bool = False,
        sensitive_feature_ids: Any = None,
    ) -> None:
        self.estimator = estimator
        self.threshold = threshold
        self.margin = margin
        self.unprivileged = unprivileged
        self.metric = metric
        self.bound = bound
        self.unseen_group = unseen_group
        self.predict_method = predict_method
        self.prefit = prefit
        self.sensitive_feature_ids = sensitive_feature_ids

    # -- parameters ------------------------------------------------------------------
    def _resolve_threshold(self) -> float:
        thr: object = self.threshold
        if thr == "auto":
            return 0.5 if self._score_method() == "predict_proba" else 0.0
        if isinstance(thr, bool) or not isinstance(thr, int | float | np.floating):
            msg = f"threshold must be a number or 'auto'. Got {thr!r}."
            raise fail(msg)
        return float(thr)

    def _resolve_bound(self) -> float:
        value: object = self.bound
        if value is None:
            return 0.8 if self.metric.endswith("_ratio") else 0.05
        if isinstance(value, bool) or not isinstance(value, int | float | np.floating):
            msg = f"bound must be a number. Got {value!r}."
            raise fail(msg)
        return float(value)

    def _check_margin(self) -> float | None:
        m: object = self.margin
        if m is None:
            return None
        if (
            isinstance(m, bool)
            or not isinstance(m, int | float | np.floating)
            or not float(m) >= 0.0
        ):
            msg = f"margin must be None or a number >= 0. Got {m!r}."
            raise fail(msg)
        return float(m)

    def _resolve_unprivileged(
        self, base_rate: NDArray[np.float64], overall: float
    ) -> NDArray[np.bool_]:
        groups = self.groups_
        spec = self.unprivileged
        if spec is None:
            return np.asarray(base_rate < overall)
        if isinstance(spec, Mapping):
            names = list(self.sensitive_attributes_)
            mask = np.ones(len(groups), dtype=bool)
            for column, levels in spec.items():
                if column not in names:
                    msg = (
                        f"unprivileged names the column {column!r}, which is not "
                        f"a sensitive feature. Sensitive features: {names!r}."
                    )
                    raise fail(msg)
                allowed = (
                    list(levels)
                    if isinstance(levels, list | tuple | set | frozenset)
                    else [levels]
                )
                j = names.index(column)
                mask &= np.array([g[j] in allowed for g in groups])
        else:
            wanted = list(spec) if isinstance(spec, list | set | frozenset) else [spec]
            mask = np.array(
                [g in wanted or group_label(g) in wanted for g in groups], dtype=bool
            )
        if not mask.any():
            msg = (
                f"unprivileged={spec!r} matches none of the groups seen at fit "
                f"time: {list(self._labels)[:10]!r}."
            )
            raise fail(msg)
        return mask

    # -- fit ---------------------------------------------------------------------------
    def _check_params(self) -> None:
        check_choice("metric", self.metric, ROC_METRICS)
        self._resolve_bound()
        self._check_margin()

    def _fit_adjustment(self, data: FitData) -> None:
        """Choose the unprivileged groups and the band."""
        bound = self._resolve_bound()
        margin = self._check_margin()
        score, y01, weight, codes = data.score, data.y01, data.weight, data.codes
        n_groups = data.n_groups
        threshold = self._resolve_threshold()

        base = score >= threshold
        group_weight = np.bincount(codes, weights=weight, minlength=n_groups)
        base_sel = np.bincount(codes, weights=weight * base, minlength=n_groups)
        with np.errstate(invalid="ignore", divide="ignore"):
            base_rate = base_sel / group_weight
        total = float(weight.sum())
        overall = float((weight * base).sum() / total) if total > 0 else 0.0
        unpriv = self._resolve_unprivileged(base_rate, overall)

        distance, delta = self._flips(score, threshold, codes, unpriv)
        names = ROC_METRICS[self.metric]
        ratio = self.metric.endswith("_ratio")
        # candidate bands: no band, then every distance at which a row flips
        flipping = delta != 0
        cand = np.concatenate([[-1.0], np.unique(distance[flipping])])
        values = self._disparity_by_band(
            cand, distance, delta, codes, n_groups, y01, weight, base, names, ratio
        )
        self.disparity_before_ = float(values[0])
        if margin is None:
            ok = values >= bound if ratio else values <= bound
            if ok.any():
                k = int(np.argmax(ok))
            else:
                finite = np.where(
                    np.isnan(values), np.inf, -values if ratio else values
                )
                k = int(np.argmin(finite))
                warnings.warn(
                    f"No band meets {self.metric} {'>=' if ratio else '<='} {bound}"
                    f" on the fitting data; using the band with the best value "
                    f"({values[k]:.4g}, margin {max(cand[k], 0.0):.4g}).",
                    FairnessWarning,
                    stacklevel=3,
                )
            active = k > 0
            margin_used = float(cand[k]) if active else 0.0
            self.disparity_ = float(values[k])
        else:
            active = margin > 0
            margin_used = margin
            at = np.array([margin if active else -1.0])
            self.disparity_ = float(
                self._disparity_by_band(
                    at,
                    distance,
                    delta,
                    codes,
                    n_groups,
                    y01,
                    weight,
                    base,
                    names,
                    ratio,
                )[0]
            )
        self.threshold_ = threshold
        self.margin_ = margin_used
        self._band_active = active
        self.unprivileged_ = tuple(
            g for g, u in zip(self._labels, unpriv, strict=True) if u
        )
        self._unprivileged_mask = unpriv
        changed = flipping & (distance <= margin_used) & active
        self.changed_ = float(changed.mean())
        moved = np.bincount(codes[changed], minlength=n_groups)
        count = np.bincount(codes, minlength=n_groups)
        self.changes_ = self._group_table(
            codes,
            {
                "changed": moved,
                "share": moved / np.maximum(count, 1),
                "unprivileged": unpriv,
            },
        )

    @staticmethod
    def _flips(
        score: NDArray[np.float64],
        threshold: float,
        codes: NDArray[np.intp],
        unpriv: NDArray[np.bool_],
    ) -> tuple[NDArray[np.float64], NDArray[np.int8]]:
        """Distance to the threshold, and +1/-1 for rows a band would flip."""
        distance = np.abs(score - threshold)
        row_unpriv = unpriv[codes]
        base = score >= threshold
        delta = np.zeros(score.shape[0], dtype=np.int8)
        delta[row_unpriv & ~base] = 1
        delta[~row_unpriv & base] = -1
        return distance, delta

    @staticmethod
    def _disparity_by_band(
        cand: NDArray[np.float64],
        distance: NDArray[np.float64],
        delta: NDArray[np.int8],
        codes: NDArray[np.intp],
        n_groups: int,
        y01: NDArray[np.uint8],
        weight: NDArray[np.float64],
        base: NDArray[np.bool_],
        names: tuple[str, ...],
        ratio: bool,
    ) -> NDArray[np.float64]:
        """Return the metric of the decisions for each band half-width in ``cand``."""
        flip = delta != 0
        worst = np.full(cand.shape[0], np.inf if ratio else -np.inf)
        for name in names:
            if name == "selection_rate":
                member = np.ones(codes.shape[0], dtype=bool)
            elif name == "tpr":
                member = y01 == 1
            else:
                member = y01 == 0
            den = np.bincount(codes[member], weights=weight[member], minlength=n_groups)
            num0 = np.bincount(
                codes[member], weights=(weight * base)[member], minlength=n_groups
            )
            rates = np.empty((cand.shape[0], n_groups))
            for g in range(n_groups):
                rows = flip & member & (codes == g)
                d = distance[rows]
                order = np.argsort(d, kind="stable")
                step = np.cumsum((weight[rows] * delta[rows])[order])
                k = np.searchsorted(d[order], cand, side="right")
                moved = np.where(
                    k > 0, step[np.maximum(k - 1, 0)] if step.size else 0.0, 0.0
                )
                with np.errstate(invalid="ignore", divide="ignore"):
                    rates[:, g] = (num0[g] + moved) / den[g]
            defined = ~np.isnan(rates)
            enough = defined.sum(axis=1) >= 2
            hi = np.where(defined, rates, -np.inf).max(axis=1)
            lo = np.where(defined, rates, np.inf).min(axis=1)
            if ratio:
                with np.errstate(invalid="ignore", divide="ignore"):
                    value = np.where(hi > 0, lo / hi, np.nan)
                value = np.where(enough, value, np.nan)
                worst = np.fmin(worst, value)
            else:
                value = np.where(enough, hi - lo, np.nan)
                worst = np.fmax(worst, value)
        return np.where(np.isinf(worst), np.nan, worst)

    # -- predict -----------------------------------------------------------------------
    def _favourable(
        self, score: NDArray[np.float64], codes: NDArray[np.intp]
    ) -> NDArray[np.bool_]:
        """Return the model's decisions, flipped inside the band."""
        favourable = score >= self.threshold_
        if self._band_active:
            band = np.abs(score - self.threshold_) <= self.margin_
            known = codes >= 0
            unpriv = np.zeros(score.shape[0], dtype=bool)
            unpriv[known] = self._unprivileged_mask[codes[known]]
            favourable = np.where(band & known, unpriv, favourable)
        return favourable
