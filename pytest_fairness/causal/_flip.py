"""Counterfactual flip tests: does a decision change with the protected attribute."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np
import pandas as pd

from pytest_fairness._groups import encode_groups
from pytest_fairness._validation import check_int, check_probability, fail, hint_for
from pytest_fairness.causal._gate import GatedResult
from pytest_fairness.metrics._intervals import wilson_interval

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from numpy.typing import NDArray

__all__ = [
    "FlipRateResult",
    "FlipTally",
    "counterfactual_flip_rate",
    "flip_core",
    "level_targets",
    "model_outputs",
]

Method = Literal["naive", "counterfactual"]


@dataclass(frozen=True, slots=True)
class FlipRateResult(GatedResult):
    """How often a model's decision changes with the protected attribute.

    Attributes
    ----------
    method : {"naive", "counterfactual"}
        ``naive``: only the attribute's own column changes
        (:func:`counterfactual_flip_rate`); ``counterfactual``: its effect
        also propagates to its descendants (:func:`counterfactual_fairness`).
    protected : tuple of str
        The attribute(s) changed.
    flip_rate : float
        Share of rows whose decision changes for at least one other level of
        the attribute.
    interval : tuple of float
        Wilson interval of ``flip_rate`` at ``confidence``.
    confidence : float
        Confidence level of the interval.
    n_rows : int
        Rows tested.
    n_flipped : int
        Rows whose decision changed.
    mean_score_shift : float
        Mean absolute change of the positive-class score over every
        (row, other level) pair; NaN when the model has no ``predict_proba``
        or is not binary.
    by_pair : pandas.DataFrame
        One row per (``from``, ``to``) level pair: ``n``, ``flips``,
        ``flip_rate``, ``mean_score_shift`` (signed, to minus from) and
        ``mean_abs_score_shift``.
    examples : pandas.DataFrame
        Up to ``n_examples`` rows whose decision flipped: their features,
        ``from``, ``to``, ``prediction`` and ``counterfactual_prediction``.
    paths : {"all", "unfair"} or None
        For the counterfactual method, which paths carried the change.
    held_factual : tuple of str
        Features kept at their factual values (not descendants of the
        attribute in the graph, or held as fair variables).
    """

    method: Method
    protected: tuple[str, ...]
    flip_rate: float
    interval: tuple[float, float]
    confidence: float
    n_rows: int
    n_flipped: int
    mean_score_shift: float
    by_pair: pd.DataFrame = field(repr=False)
    examples: pd.DataFrame = field(repr=False)
    paths: str | None = None
    held_factual: tuple[str, ...] = ()

    _gate_aliases: ClassVar[Mapping[str, str]] = MappingProxyType(
        {"flips": "flip_rate", "score_shift": "mean_score_shift"}
    )

    def gate_metrics(self) -> dict[str, str]:
        """Return the metrics a bound can name.

        Returns
        -------
        dict of str to str
            ``flip_rate`` and ``mean_score_shift``.
        """
        return {
            "flip_rate": "share of rows whose decision flips",
            "mean_score_shift": "mean absolute score change",
        }

    def gate_value(self, metric: str) -> tuple[float, tuple[float, float] | None, str]:
        """Return a gate metric's value, interval and detail.

        Parameters
        ----------
        metric : str
            One of :meth:`gate_metrics`.

        Returns
        -------
        tuple
            ``(value, interval, detail)``.
        """
        if metric == "flip_rate":
            detail = f"{self.n_flipped:,} of {self.n_rows:,} rows"
            if not self.by_pair.empty:
                rates = self.by_pair["flip_rate"].to_numpy()
                worst = self.by_pair.iloc[int(np.argmax(rates))]
                detail += (
                    f"; worst {worst['from']} -> {worst['to']} {worst['flip_rate']:.4f}"
                )
            return self.flip_rate, self.interval, detail
        return self.mean_score_shift, None, f"over {self.n_rows:,} rows"

    def _gate_subject(self) -> str:
        what = (
            "naive flip rate" if self.method == "naive" else "counterfactual flip rate"
        )
        paths = f", {self.paths} paths" if self.paths else ""
        return f"{what} of {' × '.join(self.protected)}{paths}"

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-friendly dict.

        Returns
        -------
        dict
            The scalar fields and ``by_pair`` as records.
        """
        return {
            "method": self.method,
            "protected": list(self.protected),
            "paths": self.paths,
            "flip_rate": self.flip_rate,
            "interval": list(self.interval),
            "confidence": self.confidence,
            "n_rows": self.n_rows,
            "n_flipped": self.n_flipped,
            "mean_score_shift": None
            if math.isnan(self.mean_score_shift)
            else self.mean_score_shift,
            "held_factual": list(self.held_factual),
            "by_pair": self.by_pair.to_dict(orient="records"),
        }

    def to_markdown(self) -> str:
        """Render the result as markdown.

        Returns
        -------
        str
            A headline with the flip rate and interval, then the pair table.
        """
        lo, hi = self.interval
        head = (
            f"**{self._gate_subject()}**: {self.flip_rate:.4f} "
            f"[{lo:.4f}, {hi:.4f}] ({self.n_flipped:,} of {self.n_rows:,} rows)"
        )
        return head + "\n\n" + self.by_pair.to_markdown(index=False, floatfmt=".4f")


def model_outputs(
    model: Any, X: Any
) -> tuple[NDArray[Any], NDArray[np.float64] | None]:
    """Return a model's decisions and, for a binary classifier, its positive score.

    Parameters
    ----------
    model : estimator
        Anything with ``predict`` (and optionally ``predict_proba``).
    X : DataFrame or ndarray
        The rows.

    Returns
    -------
    decisions : ndarray
        ``model.predict(X)``.
    scores : ndarray of float64 or None
        ``predict_proba(X)[:, 1]`` for a two-class model, else None.
    """
    decisions = np.asarray(model.predict(X))
    scores = None
    if hasattr(model, "predict_proba"):
        proba = np.asarray(model.predict_proba(X), dtype=np.float64)
        if proba.ndim == 2 and proba.shape[1] == 2:
            scores = proba[:, 1]
    return decisions, scores


class FlipTally:
    """Accumulates decision changes over counterfactual levels.

    Parameters
    ----------
    decisions : ndarray
        The factual decisions.
    scores : ndarray of float64 or None
        The factual scores.
    """

    def __init__(self, decisions: NDArray[Any], scores: NDArray[np.float64] | None):
        self.decisions = decisions
        self.scores = scores
        self.flipped = np.zeros(decisions.shape[0], dtype=bool)
        self.first_flip: dict[int, tuple[Any, Any, Any]] = {}
        self.pairs: list[dict[str, Any]] = []
        self.abs_shift_sum = 0.0
        self.n_pairs = 0

    def add(
        self,
        rows: NDArray[np.intp],
        source: NDArray[np.intp],
        labels: NDArray[Any],
        target: Any,
        decisions: NDArray[Any],
        scores: NDArray[np.float64] | None,
    ) -> None:
        """Record the counterfactual decisions of some rows set to one level.

        Parameters
        ----------
        rows : ndarray of intp
            Positions of the rows.
        source : ndarray of intp
            Their factual level codes.
        labels : ndarray
            The label of each level code (used in ``by_pair``).
        target : object
            The level they were set to.
        decisions : ndarray
            Their counterfactual decisions.
        scores : ndarray of float64 or None
            Their counterfactual scores.
        """
        changed = decisions != self.decisions[rows]
        new = changed & ~self.flipped[rows]
        for i in np.flatnonzero(new)[:50]:
            self.first_flip.setdefault(
                int(rows[i]), (labels[source[i]], target, decisions[i])
            )
        self.flipped[rows] |= changed
        shift = None
        if scores is not None and self.scores is not None:
            shift = scores - self.scores[rows]
            self.abs_shift_sum += float(np.abs(shift).sum())
        self.n_pairs += rows.size
        keys, inverse = np.unique(source, return_inverse=True)
        counts = np.bincount(inverse, minlength=keys.size)
        flips = np.bincount(inverse, weights=changed, minlength=keys.size)
        for k, key in enumerate(keys):
            row: dict[str, Any] = {
                "from": labels[key],
                "to": target,
                "n": int(counts[k]),
                "flips": int(flips[k]),
                "flip_rate": float(flips[k] / counts[k]),
            }
            if shift is not None:
                mask = inverse == k
                row["mean_score_shift"] = float(shift[mask].mean())
                row["mean_abs_score_shift"] = float(np.abs(shift[mask]).mean())
            else:
                row["mean_score_shift"] = math.nan
                row["mean_abs_score_shift"] = math.nan
            self.pairs.append(row)

    def result(
        self,
        *,
        method: Method,
        protected: tuple[str, ...],
        features: Any,
        confidence: float,
        n_examples: int,
        paths: str | None = None,
        held_factual: tuple[str, ...] = (),
    ) -> FlipRateResult:
        """Summarise the tally.

        Parameters
        ----------
        method : {"naive", "counterfactual"}
            How the counterfactuals were made.
        protected : tuple of str
            The attribute(s).
        features : DataFrame or ndarray
            The factual features (for the examples).
        confidence : float
            Level of the Wilson interval.
        n_examples : int
            Flipped rows to keep as examples.
        paths : str or None
            Which paths carried the change.
        held_factual : tuple of str
            Features held at their factual values.

        Returns
        -------
        FlipRateResult
            The summary.
        """
        n = int(self.decisions.shape[0])
        n_flipped = int(self.flipped.sum())
        rate = n_flipped / n if n else math.nan
        low, high = wilson_interval(np.array([rate]), np.array([float(n)]), confidence)
        columns = [
            "from",
            "to",
            "n",
            "flips",
            "flip_rate",
            "mean_score_shift",
            "mean_abs_score_shift",
        ]
        by_pair = pd.DataFrame(self.pairs, columns=columns)
        chosen = sorted(self.first_flip)[:n_examples]
        if isinstance(features, pd.DataFrame):
            examples = features.iloc[chosen].copy()
        else:
            examples = pd.DataFrame(np.asarray(features)[chosen])
        examples["from"] = [self.first_flip[i][0] for i in chosen]
        examples["to"] = [self.first_flip[i][1] for i in chosen]
        examples["prediction"] = self.decisions[chosen]
        examples["counterfactual_prediction"] = [self.first_flip[i][2] for i in chosen]
        shift = self.abs_shift_sum / self.n_pairs if self.n_pairs else math.nan
        if self.scores is None:
            shift = math.nan
        return FlipRateResult(
            method=method,
            protected=protected,
            flip_rate=float(rate),
            interval=(float(low[0]), float(high[0])),
            confidence=confidence,
            n_rows=n,
            n_flipped=n_flipped,
            mean_score_shift=float(shift),
            by_pair=by_pair,
            examples=examples,
            paths=paths,
            held_factual=held_factual,
        )


def _protected_columns(X: Any, protected: Any) -> tuple[list[Any], list[str]]:
    """Return the column keys of the protected attribute(s) and their names."""
    keys = (
        [protected]
        if isinstance(protected, str | int | np.integer)
        else list(protected)
    )
    if not keys:
        msg = "protected must name at least one column. Got an empty list."
        raise fail(msg)
    if isinstance(X, pd.DataFrame):
        columns = [str(c) for c in X.columns]
        for key in keys:
            if key not in X.columns:
                msg = (
                    f"protected={key!r} is not a column of X."
                    f"{hint_for(str(key), columns)} Columns: {columns[:20]!r}."
                )
                raise fail(msg)
        return keys, [str(k) for k in keys]
    width = np.asarray(X).shape[1]
    for key in keys:
        if (
            isinstance(key, bool)
            or not isinstance(key, int | np.integer)
            or not (-width <= int(key) < width)
        ):
            msg = (
                f"protected must be column position(s) of the array X (0 to "
                f"{width - 1}). Got {key!r}."
            )
            raise fail(msg)
    return [int(k) for k in keys], [f"x{int(k)}" for k in keys]


def level_targets(
    groups: tuple[tuple[Any, ...], ...], values: Any, names: list[str]
) -> list[tuple[Any, ...]]:
    if values is None:
        return list(groups)
    items = list(values) if isinstance(values, list | tuple | set) else [values]
    out = []
    for item in items:
        level = item if isinstance(item, tuple) else (item,)
        if len(level) != len(names):
            msg = (
                f"values must hold levels of {names!r} "
                f"({'tuples of ' + str(len(names)) if len(names) > 1 else 'scalars'}). "
                f"Got {item!r}."
            )
            raise fail(msg)
        out.append(level)
    return out


def _set_columns(
    X: Any, rows: NDArray[np.intp], keys: list[Any], level: tuple[Any, ...]
) -> Any:
    if isinstance(X, pd.DataFrame):
        sub = X.iloc[rows].copy()
        for key, value in zip(keys, level, strict=True):
            filled = pd.Series([value] * len(sub), index=sub.index)
            try:
                sub[key] = filled.astype(X[key].dtype)
            except (TypeError, ValueError):
                sub[key] = filled
        return sub
    arr = np.array(np.asarray(X)[rows], copy=True)
    for key, value in zip(keys, level, strict=True):
        arr[:, key] = value
    return arr


def flip_core(
    *,
    decisions: NDArray[Any],
    scores: NDArray[np.float64] | None,
    group_codes: NDArray[np.intp],
    groups: tuple[tuple[Any, ...], ...],
    targets: Sequence[tuple[Any, ...]],
    counterfactual: Callable[[NDArray[np.intp], tuple[Any, ...]], Any],
    model: Any,
) -> FlipTally:
    """Tally decision changes when rows are moved to every target level.

    Parameters
    ----------
    decisions, scores : ndarray
        Factual model outputs.
    group_codes : ndarray of intp
        Each row's position in ``groups``.
    groups : tuple of tuple
        The factual levels.
    targets : sequence of tuple
        The levels rows are moved to.
    counterfactual : callable
        ``(rows, level) -> X`` builds the counterfactual features of some rows.
    model : estimator
        The model.

    Returns
    -------
    FlipTally
        The tally.
    """
    tally = FlipTally(decisions, scores)
    labels = np.empty(len(groups), dtype=object)
    labels[:] = [g[0] if len(g) == 1 else g for g in groups]
    index = {g: i for i, g in enumerate(groups)}
    for level in targets:
        code = index.get(level, -1)
        rows = np.flatnonzero(group_codes != code).astype(np.intp)
        if rows.size == 0:
            continue
        X_cf = counterfactual(rows, level)
        cf_decisions, cf_scores = model_outputs(model, X_cf)
        target = level[0] if len(level) == 1 else level
        tally.add(rows, group_codes[rows], labels, target, cf_decisions, cf_scores)
    return tally


def counterfactual_flip_rate(
    model: Any,
    X: Any,
    *,
    protected: str | int | Sequence[str] | Sequence[int],
    values: Any = None,
    confidence: float = 0.95,
    n_examples: int = 5,
) -> FlipRateResult:
    """Share of rows whose decision changes when only the protected attribute changes.

    Every row is copied once per other level of the attribute (each other
    observed combination for several attributes), the attribute is set to
    that level and the model predicts again. A model that does not read the
    attribute scores 0; a model that reads it, or reads it through a feature
    derived from it inside a pipeline, scores above 0. Features that are
    themselves caused by the attribute (income, a proxy) are left unchanged:
    :func:`counterfactual_fairness` changes them too.

    Parameters
    ----------
    model : estimator
        A fitted model or pipeline with ``predict`` (``predict_proba`` adds
        the score shift).
    X : pandas.DataFrame or 2-D ndarray
        The rows, including the protected column(s).
    protected : str, int or list of them
        The protected column name(s) (positions for an array). Several give
        intersectional levels.
    values : level or list of levels, optional
        The levels to move rows to (tuples for several attributes); every
        observed level by default.
    confidence : float, default=0.95
        Level of the Wilson interval of the flip rate.
    n_examples : int, default=5
        Flipped rows kept in ``result.examples``.

    Returns
    -------
    FlipRateResult
        ``result.flip_rate`` with ``result.interval``, the per-pair table
        ``result.by_pair`` and ``result.examples``; gate it with
        ``result.assert_within(max_flip_rate=0.01)``.

    Raises
    ------
    FairnessValueError
        If a protected column is missing, a level has the wrong shape, or
        ``confidence`` is not in (0, 1).

    See Also
    --------
    counterfactual_fairness : Also change what the attribute causes.

    Notes
    -----
    ``flip_rate = #{i : f(x_i^{a'}) != f(x_i) for some a' != a_i} / n``, where
    :math:`x_i^{a'}` is row :math:`i` with the attribute set to
    :math:`a'`. Rows already at a target level are not moved to it.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from pytest_fairness.causal import counterfactual_flip_rate
    >>> from pytest_fairness.datasets import make_loan_applications
    >>> df = make_loan_applications(2_000, random_state=0)
    >>> X = df[["credit_score", "debt_to_income"]].assign(
    ...     female=(df.gender == "female").astype(int))
    >>> model = LogisticRegression(max_iter=1000).fit(X, df.approved)
    >>> result = counterfactual_flip_rate(model, X, protected="female")
    >>> bool(result.flip_rate > 0), result.n_rows
    (True, 2000)
    """
    confidence = check_probability("confidence", confidence)
    n_examples = check_int("n_examples", n_examples)
    if not isinstance(X, pd.DataFrame):
        arr = np.asarray(X)
        if arr.ndim != 2:
            msg = f"X must be a DataFrame or a 2-D array. Got shape {arr.shape}."
            raise fail(msg)
    keys, names = _protected_columns(X, protected)
    if isinstance(X, pd.DataFrame):
        encoding = encode_groups(
            {n: X[k] for n, k in zip(names, keys, strict=True)}, len(X)
        )
    else:
        arr = np.asarray(X)
        encoding = encode_groups(
            {n: arr[:, k] for n, k in zip(names, keys, strict=True)}, arr.shape[0]
        )
    targets = level_targets(encoding.groups, values, names)
    decisions, scores = model_outputs(model, X)
    tally = flip_core(
        decisions=decisions,
        scores=scores,
        group_codes=encoding.codes,
        groups=encoding.groups,
        targets=targets,
        counterfactual=lambda rows, level: _set_columns(X, rows, keys, level),
        model=model,
    )
    return tally.result(
        method="naive",
        protected=tuple(names),
        features=X,
        confidence=confidence,
        n_examples=n_examples,
    )
