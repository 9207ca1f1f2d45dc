"""Additive design matrices and small Newton solvers (numpy only).

The regression models behind the leakage AUC and the effect estimates:
one-hot columns for categorical variables, a standardised value plus linear
spline (hinge) terms at quantile knots for numeric ones, and logistic or
linear regression fitted by Newton's method with a small ridge penalty.
Bootstrap replicates refit from the full-data solution, which converges in a
few steps.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from numpy.typing import NDArray

__all__ = [
    "Design",
    "expit",
    "fit_design",
    "fit_linear",
    "fit_logistic",
    "is_categorical",
    "predict",
    "roc_auc",
    "single_threaded_blas",
]

_MAX_LEVELS = 64


@contextlib.contextmanager
def single_threaded_blas() -> Iterator[None]:
    """Run the block with one BLAS thread, when threadpoolctl is installed.

    The matrices here are narrow (tens to hundreds of columns): a threaded
    BLAS gains nothing on them and, on a busy machine, its threads wait for
    each other (measured 7x slower on two loaded cores).

    Yields
    ------
    None
        Inside the block BLAS runs on one thread.
    """
    # a new import may have loaded another BLAS: rescan when modules were added
    controller = _threadpool_controller(len(sys.modules))
    if controller is None:  # pragma: no cover - threadpoolctl ships with sklearn
        yield
        return
    with controller.limit(limits=1, user_api="blas"):
        yield


@functools.lru_cache(maxsize=1)
def _threadpool_controller(n_modules: int) -> Any:
    """Return a ``threadpoolctl.ThreadpoolController`` (creating one is slow)."""
    try:
        threadpoolctl = importlib.import_module("threadpoolctl")
    except ImportError:  # pragma: no cover - threadpoolctl ships with scikit-learn
        return None
    return threadpoolctl.ThreadpoolController()


def is_categorical(values: Any) -> bool:
    """Return whether a column is categorical (object, string, category or bool).

    Parameters
    ----------
    values : array-like or Series
        The column.

    Returns
    -------
    bool
        True for non-numeric columns.
    """
    dtype = getattr(values, "dtype", None)
    if dtype is None:
        values = np.asarray(values)
        dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(dtype):
        return True
    return bool(np.dtype(dtype).kind in "bOSU")


@dataclass(frozen=True, slots=True)
class _Term:
    name: str
    categorical: bool
    levels: tuple[Any, ...] = ()
    mean: float = 0.0
    scale: float = 1.0
    knots: tuple[float, ...] = ()
    has_missing: bool = False


@dataclass(frozen=True, slots=True)
class Design:
    """A fitted additive design: how each variable becomes columns.

    Attributes
    ----------
    terms : tuple
        One term per variable.
    """

    terms: tuple[_Term, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """The variables, in column order."""
        return tuple(t.name for t in self.terms)

    def transform(self, columns: Mapping[str, Any]) -> NDArray[np.float64]:
        """Return the design matrix of some data (no intercept column).

        Parameters
        ----------
        columns : mapping of str to array-like
            At least the variables of the design.

        Returns
        -------
        ndarray of float64
            One block of columns per term.
        """
        blocks = [_block(t, columns[t.name]) for t in self.terms]
        if not blocks:
            n = len(next(iter(columns.values()))) if columns else 0
            return np.zeros((n, 0))
        return np.hstack(blocks)


def _as_values(values: Any) -> NDArray[Any]:
    if isinstance(values, pd.Series):
        return np.asarray(values.to_numpy())
    return np.asarray(values)


def _block(term: _Term, values: Any) -> NDArray[np.float64]:
    arr = _as_values(values)
    if term.categorical:
        index = pd.Index(list(term.levels[1:]), dtype=object)
        codes = index.get_indexer(pd.Index(arr, dtype=object))
        onehot = np.zeros((arr.shape[0], len(index)))
        rows = np.flatnonzero(codes >= 0)
        onehot[rows, codes[rows]] = 1.0
        return onehot
    x = arr.astype(np.float64)
    missing = ~np.isfinite(x)
    z = (np.where(missing, term.mean, x) - term.mean) / term.scale
    cols = [z[:, None]]
    if term.knots:
        cols.append(np.maximum(z[:, None] - np.asarray(term.knots)[None, :], 0.0))
    if term.has_missing:
        cols.append(missing[:, None].astype(np.float64))
    return np.hstack(cols)


def fit_design(
    columns: Mapping[str, Any],
    *,
    categorical: Mapping[str, bool] | None = None,
    n_knots: int = 4,
    max_levels: int = _MAX_LEVELS,
) -> Design:
    """Learn an additive design from data.

    Parameters
    ----------
    columns : mapping of str to array-like
        The variables.
    categorical : mapping of str to bool, optional
        Force the kind of some variables; others are detected.
    n_knots : int, default=4
        Interior quantile knots of the linear spline of a numeric variable.
    max_levels : int, default=64
        A categorical variable keeps its most frequent levels (the others
        share the baseline column).

    Returns
    -------
    Design
        The fitted design.
    """
    forced = categorical or {}
    terms = []
    for name, values in columns.items():
        arr = _as_values(values)
        if forced.get(name, is_categorical(values)):
            counts = pd.Series(arr, dtype=object).value_counts(sort=True, dropna=False)
            levels = tuple(counts.index[: max_levels + 1])
            if len(levels) > 1:
                terms.append(_Term(name, True, levels=levels))
            continue
        x = arr.astype(np.float64)
        finite = np.isfinite(x)
        if not finite.any():
            continue
        kept = x[finite]
        mean, scale = float(kept.mean()), float(kept.std())
        if scale <= 0.0:
            continue
        qs = np.quantile((kept - mean) / scale, np.linspace(0, 1, n_knots + 2)[1:-1])
        knots = tuple(
            float(k) for k in np.unique(qs) if k > (kept.min() - mean) / scale
        )
        terms.append(
            _Term(
                name,
                False,
                mean=mean,
                scale=scale,
                knots=knots,
                has_missing=not finite.all(),
            )
        )
    return Design(tuple(terms))


def expit(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """Return the logistic function, computed without overflow.

    Parameters
    ----------
    x : ndarray of float64
        Log-odds.

    Returns
    -------
    ndarray of float64
        Probabilities.
    """
    out: NDArray[np.float64] = 1.0 / (1.0 + np.exp(-np.clip(x, -700.0, 700.0)))
    return out


def _with_intercept(X: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.hstack([np.ones((X.shape[0], 1)), X])


def fit_logistic(
    X: NDArray[np.float64],
    y: NDArray[np.float64],
    *,
    weights: NDArray[np.float64] | None = None,
    start: NDArray[np.float64] | None = None,
    ridge: float = 1e-4,
    max_iter: int = 50,
    tol: float = 1e-8,
) -> NDArray[np.float64]:
    """Fit a logistic regression by Newton's method.

    Parameters
    ----------
    X : ndarray of float64, shape (n, p)
        Design matrix without intercept.
    y : ndarray of float64, shape (n,)
        Outcomes in [0, 1].
    weights : ndarray of float64, optional
        Row weights (bootstrap counts).
    start : ndarray of float64, shape (p + 1,), optional
        Starting coefficients (intercept first).
    ridge : float, default=1e-4
        Penalty per unit of total weight on the squared coefficients
        (not the intercept).
    max_iter : int, default=50
        Newton steps at most.
    tol : float, default=1e-8
        Stop when no coefficient moves by more than this.

    Returns
    -------
    ndarray of float64, shape (p + 1,)
        Coefficients, intercept first.
    """
    X1 = _with_intercept(X)
    w = np.ones(X1.shape[0]) if weights is None else weights
    p = X1.shape[1]
    penalty = np.full(p, ridge * float(w.sum()))
    penalty[0] = 0.0
    beta = np.zeros(p) if start is None else start.astype(np.float64, copy=True)
    if start is None:
        mean = float(np.clip((w * y).sum() / w.sum(), 1e-6, 1 - 1e-6))
        beta[0] = np.log(mean / (1 - mean))
    for _ in range(max_iter):
        prob = expit(X1 @ beta)
        grad = X1.T @ (w * (y - prob)) - penalty * beta
        hess = (X1 * (w * prob * (1 - prob))[:, None]).T @ X1 + np.diag(penalty)
        try:
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(hess, grad, rcond=None)[0]
        beta += step
        if np.max(np.abs(step)) < tol:
            break
    return beta


def fit_linear(
    X: NDArray[np.float64],
    y: NDArray[np.float64],
    *,
    weights: NDArray[np.float64] | None = None,
    ridge: float = 1e-4,
) -> NDArray[np.float64]:
    """Fit a (weighted, lightly ridged) least-squares regression.

    Parameters
    ----------
    X : ndarray of float64, shape (n, p)
        Design matrix without intercept.
    y : ndarray of float64, shape (n,)
        Outcomes.
    weights : ndarray of float64, optional
        Row weights.
    ridge : float, default=1e-4
        Penalty per unit of total weight (not on the intercept).

    Returns
    -------
    ndarray of float64, shape (p + 1,)
        Coefficients, intercept first.
    """
    X1 = _with_intercept(X)
    w = np.ones(X1.shape[0]) if weights is None else weights
    penalty = np.full(X1.shape[1], ridge * float(w.sum()))
    penalty[0] = 0.0
    gram = (X1 * w[:, None]).T @ X1 + np.diag(penalty)
    rhs = X1.T @ (w * y)
    try:
        beta = np.asarray(np.linalg.solve(gram, rhs), dtype=np.float64)
    except np.linalg.LinAlgError:
        beta = np.asarray(np.linalg.lstsq(gram, rhs, rcond=None)[0], dtype=np.float64)
    return beta


def predict(
    X: NDArray[np.float64], beta: NDArray[np.float64], *, logistic: bool
) -> NDArray[np.float64]:
    """Return fitted values (probabilities for a logistic fit).

    Parameters
    ----------
    X : ndarray of float64
        Design matrix without intercept.
    beta : ndarray of float64
        Coefficients, intercept first.
    logistic : bool
        Apply the logistic function.

    Returns
    -------
    ndarray of float64
        One value per row.
    """
    eta = X @ beta[1:] + beta[0]
    return expit(eta) if logistic else eta


def roc_auc(positive: NDArray[np.bool_], score: NDArray[np.float64]) -> float:
    """Return the area under the ROC curve (Mann-Whitney, ties count half).

    Parameters
    ----------
    positive : ndarray of bool
        True for the positive rows.
    score : ndarray of float64
        Higher means more likely positive.

    Returns
    -------
    float
        The AUC, NaN without both classes.
    """
    n_pos = int(positive.sum())
    n_neg = positive.size - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    _, inverse, counts = np.unique(score, return_inverse=True, return_counts=True)
    ranks = (np.cumsum(counts) - (counts - 1) / 2.0)[inverse]
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))
