"""Shared machinery of the post-processors: the wrapped model, labels and groups."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.exceptions import NotFittedError
from sklearn.utils import get_tags
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from pytest_fairness._groups import (
    GroupEncoding,
    check_one_source,
    check_rows,
    columns_of,
    encode_groups,
    n_rows_of,
    resolve_columns,
)
from pytest_fairness._inputs import as_1d
from pytest_fairness._sample_weight import fit_params_for_weights
from pytest_fairness._validation import check_choice, fail

if TYPE_CHECKING:
    from typing import Self

    from numpy.typing import NDArray

__all__ = [
    "FitData",
    "PostProcessor",
    "ProbabilisticPostProcessor",
    "group_index",
    "group_label",
    "random_generator",
]

PREDICT_METHODS = ("auto", "predict_proba", "decision_function")
UNSEEN_GROUPS = ("error", "overall")


def group_label(group: tuple[Any, ...]) -> Any:
    """Return a group as users name it: the level itself for one column."""
    return group[0] if len(group) == 1 else group


def group_index(groups: tuple[tuple[Any, ...], ...], names: tuple[str, ...]) -> Any:
    """Return a pandas index of groups (a MultiIndex for intersections)."""
    import pandas as pd  # noqa: PLC0415 - pandas loads when a table is asked for

    if len(names) == 1:
        return pd.Index([g[0] for g in groups], name=names[0])
    return pd.MultiIndex.from_tuples(list(groups), names=list(names))


@dataclass(frozen=True, slots=True)
class FitData:
    """The validated fitting rows, as a post-processor's adjustment sees them.

    Attributes
    ----------
    y01 : ndarray of uint8
        The labels as 0/1, 1 for the favourable class ``classes_[1]``.
    score : ndarray of float64
        The model's score of the favourable class for every row.
    codes : ndarray of intp
        The group of every row, a position in ``groups_``.
    n_groups : int
        Number of groups seen at fit time.
    sample_weight : ndarray of float64 or None
        The validated row weights, None when none were given.
    weight : ndarray of float64
        The row weights, ones when none were given.
    """

    y01: NDArray[np.uint8]
    score: NDArray[np.float64]
    codes: NDArray[np.intp]
    n_groups: int
    sample_weight: NDArray[np.float64] | None
    weight: NDArray[np.float64]


class PostProcessor(ClassifierMixin, MetaEstimatorMixin, BaseEstimator):  # type: ignore[misc]
    """Base of the post-processors: a binary classifier around a scoring model.

    A template (as imbalanced-learn's samplers): :meth:`fit` validates the
    common parameters, then the subclass's own (``_check_params``), then the
    rows; it fits the model and hands the scores, labels and groups to the
    subclass's ``_fit_adjustment``. :meth:`predict` scores the rows, maps
    their groups onto the fitted ones and asks the subclass's ``_favourable``
    for the decisions. Subclasses set ``estimator``, ``prefit``,
    ``predict_method``, ``unseen_group`` and ``sensitive_feature_ids`` in
    ``__init__``. The favourable (positive) class is ``classes_[1]``, as in
    scikit-learn.

    The groups come from ``sensitive_features=`` (metadata of ``fit``,
    ``predict`` and ``score``) or from the columns of ``X`` named by
    ``sensitive_feature_ids``; those columns are then not model inputs: the
    wrapped estimator sees ``X`` without them.
    """

    # parameters as given by the user (validated in fit)
    estimator: Any
    prefit: Any
    predict_method: Any
    unseen_group: Any
    sensitive_feature_ids: Any
    _sensitive_idx: NDArray[np.intp]

    # -- template --------------------------------------------------------------
    def fit(
        self,
        X: Any,
        y: Any,
        *,
        sensitive_features: Any = None,
        sample_weight: Any = None,
    ) -> Self:
        """Fit the model (unless prefit), then the adjustment of every group.

        The adjustment is the estimator's own (thresholds, a band of flipped
        decisions, mixing rates or calibration curves), fitted on the model's
        scores of these rows.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Features, as the estimator takes them.
        y : array-like of shape (n_samples,)
            Binary labels; ``classes_[1]`` is favourable.
        sensitive_features : array-like, Series, DataFrame or dict, optional
            The group of every row (several columns give intersectional
            groups). Required unless ``sensitive_feature_ids`` is set.
        sample_weight : array-like of shape (n_samples,), optional
            Row weights, for the estimator's fit and for the per-group
            counts, rates, costs or calibrations. A Pipeline gets them at its
            last step.

        Returns
        -------
        self : object
            The fitted post-processor.

        Raises
        ------
        FairnessValueError
            On invalid parameters, non-binary ``y``, a model without the
            scores the method needs (``predict_proba`` for
            :class:`~pytest_fairness.postprocessing.CalibratedEqualizedOdds`),
            missing groups, or inputs of different lengths.
        """
        self._check_common_params()
        self._check_params()
        X, sensitive_features = self._split_sensitive(X, sensitive_features, reset=True)
        y01, classes, y = self._binary_target(y)
        n = y01.shape[0]
        n_x = n_rows_of(X)
        if n_x != n:
            msg = f"X has {n_x} rows but y has {n}. Pass one label per row of X."
            raise fail(msg)
        w = self._check_weights(sample_weight, y01)
        codes = self._fit_groups(sensitive_features, n)
        self.classes_ = classes
        score = self._fit_scores(X, y, w, sensitive_features)
        data = FitData(
            y01=y01,
            score=score,
            codes=codes,
            n_groups=len(self.groups_),
            sample_weight=w,
            weight=np.ones(n) if w is None else w,
        )
        self._fit_adjustment(data)
        return self

    def predict(self, X: Any, *, sensitive_features: Any = None) -> NDArray[Any]:
        """Decide every row with the adjustment fitted for its group.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Features, as the estimator takes them.
        sensitive_features : array-like, Series, DataFrame or dict, optional
            The group of every row. Required unless ``sensitive_feature_ids``
            is set.

        Returns
        -------
        ndarray of shape (n_samples,)
            The decisions, as labels from ``classes_``. An estimator with
            ``predict_proba`` decides for the more probable class (favourable
            when its adjusted probability exceeds 0.5).

        Raises
        ------
        FairnessValueError
            When a group was not seen at fit time (unless
            ``unseen_group="overall"``), or ``sensitive_features`` and ``X``
            differ in length.
        """
        score, codes = self._predict_inputs(X, sensitive_features)
        favourable = self._favourable(score, codes)
        return np.asarray(self.classes_)[favourable.astype(np.intp)]

    def score(
        self,
        X: Any,
        y: Any,
        *,
        sensitive_features: Any = None,
        sample_weight: Any = None,
    ) -> float:
        """Return the accuracy of the adjusted decisions.

        The decisions are :meth:`predict`'s, so ``sensitive_features`` is
        needed here too (unless ``sensitive_feature_ids`` is set). With
        scikit-learn's metadata routing enabled, request it with
        ``set_score_request(sensitive_features=True)``: ``cross_val_score``
        and ``GridSearchCV`` then pass each fold's groups.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Features, as the estimator takes them.
        y : array-like of shape (n_samples,)
            True labels.
        sensitive_features : array-like, Series, DataFrame or dict, optional
            The group of every row. Required unless ``sensitive_feature_ids``
            is set.
        sample_weight : array-like of shape (n_samples,), optional
            Row weights of the accuracy.

        Returns
        -------
        float
            Share (weighted, with ``sample_weight``) of the rows whose
            decision equals ``y``.

        Raises
        ------
        FairnessValueError
            As :meth:`predict`.
        """
        from sklearn.metrics import accuracy_score  # noqa: PLC0415 - on first use

        pred = self.predict(X, sensitive_features=sensitive_features)
        return float(accuracy_score(y, pred, sample_weight=sample_weight))

    def _check_params(self) -> None:
        """Validate the subclass's own parameters (before any row is read)."""

    def _fit_adjustment(self, data: FitData) -> None:
        """Fit the subclass's adjustment on the model's scores of the rows."""
        raise NotImplementedError

    def _favourable(
        self, score: NDArray[np.float64], codes: NDArray[np.intp]
    ) -> NDArray[np.bool_]:
        """Return True for the rows decided favourably (code -1: unseen group)."""
        raise NotImplementedError

    def _predict_inputs(
        self, X: Any, sensitive_features: Any
    ) -> tuple[NDArray[np.float64], NDArray[np.intp]]:
        """Scores of new rows and their groups among the fitted ones (-1: unseen)."""
        check_is_fitted(self, "estimator_")
        X, sensitive_features = self._split_sensitive(
            X, sensitive_features, reset=False
        )
        if sensitive_features is not None:
            # before scoring: the message names both inputs, not the model's
            check_rows(sensitive_features, n_rows_of(X))
        score = self._scores(X, sensitive_features)
        return score, self._predict_groups(sensitive_features, score.shape[0])

    def _split_sensitive(
        self, X: Any, sensitive_features: Any, *, reset: bool
    ) -> tuple[Any, Any]:
        """Return the model's input and the sensitive features, from either form.

        With ``sensitive_feature_ids`` the named columns of ``X`` are the
        sensitive features and the rest of ``X`` (a DataFrame stays one) is
        the model's input; ``fit`` (``reset=True``) records
        ``n_features_in_`` and ``feature_names_in_`` of the whole ``X``.
        """
        ids = self.sensitive_feature_ids
        check_one_source(self, sensitive_features, required=False)
        if ids is None:
            return X, sensitive_features
        X_checked = validate_data(
            self,
            X,
            reset=reset,
            dtype=None,
            ensure_all_finite=False,
            accept_sparse=["csr", "csc"],
        )
        n_features = X_checked.shape[1]
        if reset:
            found = resolve_columns(
                self, ids, name="sensitive_feature_ids", n_features=n_features
            )
            if found is None:  # pragma: no cover - ids is not None here
                msg = "sensitive_feature_ids names no column."
                raise fail(msg)
            self._sensitive_idx = found
        positions = self._sensitive_idx
        sensitive = columns_of(self, X_checked, positions)
        keep = np.setdiff1d(np.arange(n_features), positions)
        if keep.size == 0:
            msg = (
                f"X has {n_features} feature(s), all of them listed in "
                f"sensitive_feature_ids={ids!r}; {type(self).__name__} needs at "
                "least one other column for the estimator to score."
            )
            raise fail(msg)
        X_model = X.iloc[:, keep] if hasattr(X, "iloc") else X_checked[:, keep]
        return X_model, sensitive

    # -- fitting ---------------------------------------------------------------
    def _check_common_params(self) -> None:
        if self.estimator is None:
            msg = (
                f"{type(self).__name__} needs a classifier as estimator. Got None. "
                "Hint: pass a fitted model with prefit=True to adjust it as is."
            )
            raise fail(msg)
        check_choice("predict_method", self.predict_method, PREDICT_METHODS)
        check_choice("unseen_group", self.unseen_group, UNSEEN_GROUPS)
        if not isinstance(self.prefit, bool | np.bool_):
            msg = f"prefit must be True or False. Got {self.prefit!r}."
            raise fail(msg)

    def _check_prefit(self) -> None:
        try:
            check_is_fitted(self.estimator)
        except NotFittedError as exc:
            msg = (
                f"prefit=True but the estimator {type(self.estimator).__name__} "
                "is not fitted. Fit it first, or pass prefit=False."
            )
            raise NotFittedError(msg) from exc

    def _binary_target(
        self, y: Any
    ) -> tuple[NDArray[np.uint8], NDArray[Any], NDArray[Any]]:
        """Return y as 0/1 (1 for the favourable class), the classes, and y as 1-D."""
        y = column_or_1d(y, warn=True)
        if y.dtype.kind == "f" and not np.isfinite(y).all():
            msg = "y contains NaN or infinity: labels must be two classes."
            raise fail(msg)
        y_type = type_of_target(y, input_name="y", raise_unknown=True)
        if y_type != "binary":
            msg = (
                f"{type(self).__name__} adjusts binary classifiers. Only binary "
                f"classification is supported. The type of the target is {y_type}."
            )
            raise fail(msg)
        if self.prefit:
            self._check_prefit()
            classes = np.asarray(self.estimator.classes_)
            unknown = np.setdiff1d(np.unique(y), classes)
            if unknown.size:
                msg = (
                    f"y holds labels the prefit estimator does not know: "
                    f"{unknown[:5].tolist()!r}. Its classes: {classes.tolist()!r}."
                )
                raise fail(msg)
        else:
            classes = np.unique(y)
        if classes.shape[0] != 2:
            msg = (
                f"{type(self).__name__} adjusts binary classifiers: y must hold "
                f"exactly two classes. Got {classes.shape[0]} class(es): "
                f"{classes[:5].tolist()!r}."
            )
            raise fail(msg)
        return (y == classes[1]).astype(np.uint8), classes, y

    def _check_weights(
        self, sample_weight: Any, y01: NDArray[np.uint8]
    ) -> NDArray[np.float64] | None:
        n = y01.shape[0]
        if sample_weight is None:
            return None
        w = as_1d(sample_weight, "sample_weight")
        if w.shape[0] != n:
            msg = f"sample_weight has {w.shape[0]} rows but X has {n}."
            raise fail(msg)
        if w.dtype.kind not in "biuf":
            msg = f"sample_weight must be numeric. Got dtype {w.dtype}."
            raise fail(msg)
        w = w.astype(np.float64)
        if not np.isfinite(w).all() or (w < 0).any():
            msg = "sample_weight must be finite and non-negative."
            raise fail(msg)
        if not (w > 0).any():
            msg = "sample_weight is zero for every row: there is nothing to fit."
            raise fail(msg)
        if not (w[y01 == 1] > 0).any() or not (w[y01 == 0] > 0).any():
            msg = (
                "sample_weight leaves a single class with positive weight: "
                "post-processing needs rows of both classes."
            )
            raise fail(msg)
        return w

    def _fit_estimator(
        self,
        X: Any,
        y: Any,
        sample_weight: NDArray[np.float64] | None,
        sensitive_features: Any = None,
    ) -> None:
        """Set ``estimator_`` (the wrapped model, fitted unless prefit)."""
        if self.prefit:
            self._check_prefit()
            self.estimator_ = self.estimator
        else:
            est = clone(self.estimator)
            kwargs: dict[str, Any] = {}
            if sample_weight is not None:
                kwargs.update(fit_params_for_weights(est, sample_weight, owner=self))
            if "sensitive_features" in inspect.signature(est.fit).parameters:
                # another post-processor of this package: pass the groups on
                kwargs["sensitive_features"] = sensitive_features
            est.fit(X, y, **kwargs)
            self.estimator_ = est
        if self.sensitive_feature_ids is not None:
            return  # n_features_in_ is the whole X's, set in fit
        for attr in ("n_features_in_", "feature_names_in_"):
            if hasattr(self.estimator_, attr):
                setattr(self, attr, getattr(self.estimator_, attr))

    def _fit_scores(
        self, X: Any, y: Any, w: NDArray[np.float64] | None, sensitive_features: Any
    ) -> NDArray[np.float64]:
        """Fit the wrapped model; return its scores of the fitting rows."""
        self._fit_estimator(X, y, w, sensitive_features)
        return self._scores(X, sensitive_features)

    def _score_method(self) -> str:
        est = self.estimator_ if hasattr(self, "estimator_") else self.estimator
        if self.predict_method != "auto":
            if not hasattr(est, self.predict_method):
                msg = (
                    f"predict_method={self.predict_method!r} but "
                    f"{type(est).__name__} has no such method."
                )
                raise fail(msg)
            return str(self.predict_method)
        for method in ("predict_proba", "decision_function"):
            if hasattr(est, method):
                return method
        msg = (
            f"{type(est).__name__} has neither predict_proba nor "
            "decision_function: post-processing needs scores."
        )
        raise fail(msg)

    def _scores(self, X: Any, sensitive_features: Any) -> NDArray[np.float64]:
        """Scores of the favourable class from the wrapped model."""
        method = getattr(self.estimator_, self._score_method())
        kwargs = {}
        if "sensitive_features" in inspect.signature(method).parameters:
            # another post-processor of this package: pass the groups on
            kwargs["sensitive_features"] = sensitive_features
        out = np.asarray(method(X, **kwargs))
        if out.ndim == 2:
            # columns follow the model's classes_, which are ours
            out = out[:, 1]
        score = out.astype(np.float64)
        if not np.isfinite(score).all():
            msg = f"{type(self.estimator_).__name__} returned non-finite scores."
            raise fail(msg)
        return score

    # -- groups ----------------------------------------------------------------
    @staticmethod
    def _encode(sensitive_features: Any, n: int, missing: str) -> GroupEncoding:
        """Encode the groups of ``n`` rows; ``missing`` is the error for None."""
        if sensitive_features is None:
            raise fail(missing)
        check_rows(sensitive_features, n)
        return encode_groups(sensitive_features, n)

    def _fit_groups(self, sensitive_features: Any, n: int) -> NDArray[np.intp]:
        """Encode the groups at fit time; sets ``groups_`` and the labels."""
        missing = (
            f"{type(self).__name__}.fit needs sensitive_features (one value "
            "per row, or several columns). Got None. Hint: or set "
            "sensitive_feature_ids to the columns of X that hold them."
        )
        enc = self._encode(sensitive_features, n, missing)
        self.groups_ = enc.groups
        self._labels = tuple(group_label(g) for g in enc.groups)
        self.sensitive_attributes_ = enc.attributes
        return enc.codes

    def _predict_groups(self, sensitive_features: Any, n: int) -> NDArray[np.intp]:
        """Map the groups of new rows onto the fitted ones (-1 for unseen)."""
        missing = (
            f"{type(self).__name__} decides per group: pass "
            "sensitive_features=... to predict (and score) as well. Got None. "
            "Hint: with metadata routing, request them with "
            "set_predict_request(sensitive_features=True) and "
            "set_score_request(sensitive_features=True); without it, set "
            "sensitive_feature_ids to the columns of X that hold them."
        )
        enc = self._encode(sensitive_features, n, missing)
        width = len(self.sensitive_attributes_)
        if len(enc.attributes) != width:
            msg = (
                f"sensitive_features has {len(enc.attributes)} column(s) but the "
                f"estimator was fitted with {width}: "
                f"{list(self.sensitive_attributes_)!r}."
            )
            raise fail(msg)
        unseen = "minus_one" if self.unseen_group == "overall" else "error"
        try:
            return enc.map_to(self.groups_, unseen=unseen)
        except ValueError as exc:
            msg = f"{exc} Hint: unseen_group='overall' applies the pooled rule to them."
            raise fail(msg) from exc

    def _group_table(self, codes: NDArray[np.intp], columns: dict[str, Any]) -> Any:
        """Per-group table of the fitting rows: ``count``, then ``columns``.

        Indexed like ``report.by_group`` (a MultiIndex for intersections).
        """
        import pandas as pd  # noqa: PLC0415 - the summary table is a DataFrame

        table = {"count": np.bincount(codes, minlength=len(self.groups_)), **columns}
        return pd.DataFrame(
            table, index=group_index(self.groups_, self.sensitive_attributes_)
        )

    # -- scikit-learn protocol ---------------------------------------------------
    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        if self.estimator is not None:
            tags.input_tags.sparse = get_tags(self.estimator).input_tags.sparse
        return tags


class ProbabilisticPostProcessor(PostProcessor):
    """Base of the post-processors that adjust the favourable class's probability.

    Subclasses implement ``_favourable_proba``; :meth:`predict` decides for
    the more probable class.
    """

    def predict_proba(self, X: Any, *, sensitive_features: Any = None) -> NDArray[Any]:
        """Return the adjusted probabilities of both classes.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Features, as the estimator takes them.
        sensitive_features : array-like, Series, DataFrame or dict
            The group of every row.

        Returns
        -------
        ndarray of shape (n_samples, 2)
            Probabilities of ``classes_[0]`` and ``classes_[1]``, adjusted
            per group: the group's calibration
            (:class:`~pytest_fairness.postprocessing.GroupCalibrator`), or the
            group base rate for a row whose draw falls under its group's
            mixing rate
            (:class:`~pytest_fairness.postprocessing.CalibratedEqualizedOdds`).

        Raises
        ------
        FairnessValueError
            When a group was not seen at fit time (unless
            ``unseen_group="overall"``).
        """
        p = self._favourable_proba(*self._predict_inputs(X, sensitive_features))
        return np.column_stack([1.0 - p, p])

    def _favourable_proba(
        self, score: NDArray[np.float64], codes: NDArray[np.intp]
    ) -> NDArray[np.float64]:
        """Return the adjusted probability of the favourable class (-1: unseen)."""
        raise NotImplementedError

    def _favourable(
        self, score: NDArray[np.float64], codes: NDArray[np.intp]
    ) -> NDArray[np.bool_]:
        p = self._favourable_proba(score, codes)
        # the larger of the two columns of predict_proba
        return np.asarray(p > 1.0 - p)


def random_generator(random_state: Any) -> np.random.Generator:
    """Return a :class:`numpy.random.Generator` from ``random_state``."""
    if not isinstance(random_state, bool) and (
        random_state is None
        or isinstance(random_state, int | np.integer | np.random.Generator)
    ):
        return np.random.default_rng(random_state)
    msg = (
        f"random_state must be None, an int or a numpy Generator. Got {random_state!r}."
    )
    raise fail(msg)
