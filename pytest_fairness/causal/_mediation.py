"""Nested potential-outcome means by the mediation formula, with a linearised bootstrap.

The estimator behind :func:`pytest_fairness.causal.causal_effects` (numpy only).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from pytest_fairness.causal._design import (
    expit,
    fit_design,
    fit_linear,
    fit_logistic,
    single_threaded_blas,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from numpy.typing import NDArray

__all__ = ["nested_means"]

_CHUNK = 25  # bootstrap replicates handled together


@dataclass(frozen=True, slots=True)
class _Fit:
    """A regression and what a linearised bootstrap needs from it."""

    beta: NDArray[np.float64]
    inverse_hessian: NDArray[np.float64]
    residual: NDArray[np.float64]
    penalty: NDArray[np.float64]
    logistic: bool


def _with_intercept(X: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.hstack([np.ones((X.shape[0], 1)), X])


def _fit(
    X: NDArray[np.float64], y: NDArray[np.float64], *, logistic: bool, ridge: float
) -> _Fit:
    X1 = _with_intercept(X)
    if logistic:
        beta = fit_logistic(X, y, ridge=ridge)
        fitted = expit(X1 @ beta)
        curvature = fitted * (1 - fitted)
    else:
        beta = fit_linear(X, y, ridge=ridge)
        fitted = X1 @ beta
        curvature = np.ones_like(fitted)
    penalty = np.full(X1.shape[1], ridge * X1.shape[0])
    penalty[0] = 0.0
    hessian = (X1 * curvature[:, None]).T @ X1 + np.diag(penalty)
    try:
        inverse = np.asarray(np.linalg.inv(hessian), dtype=np.float64)
    except np.linalg.LinAlgError:
        inverse = np.asarray(np.linalg.pinv(hessian), dtype=np.float64)
    residual = np.asarray(y - fitted, dtype=np.float64)
    return _Fit(beta, inverse, residual, penalty, logistic)


def _replicate_betas(
    fit: _Fit, X1: NDArray[np.float64], counts: NDArray[np.float64]
) -> NDArray[np.float64]:
    """One Newton step from the full-data fit for each bootstrap weight vector.

    Returns an array of shape (n_replicates, p): the coefficients that the
    replicate's weighted score would move the full-data fit to, using the
    full-data Hessian (a linearised bootstrap).
    """
    grad = (counts * fit.residual[None, :]) @ X1 - (fit.penalty * fit.beta)[None, :]
    return fit.beta[None, :] + grad @ fit.inverse_hessian


def _predict(
    X1: NDArray[np.float64], betas: NDArray[np.float64], logistic: bool
) -> NDArray[np.float64]:
    eta = X1 @ betas.T
    return expit(eta) if logistic else eta


def _bootstrap_counts(
    rng: np.random.Generator, n: int, size: int
) -> NDArray[np.float64]:
    """Multinomial row counts of ``size`` bootstrap resamples of ``n`` rows."""
    draws = rng.integers(0, n, size=(size, n)) + n * np.arange(size)[:, None]
    counts = np.bincount(draws.ravel(), minlength=size * n)
    return counts.reshape(size, n).astype(np.float64)


def nested_means(
    *,
    codes: NDArray[np.intp],
    reference: int,
    comparison: int,
    y: NDArray[np.float64],
    columns: Mapping[str, Any],
    confounders: Mapping[str, Any],
    interactions: bool,
    n_boot: int,
    random_state: int,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Estimate the four nested means and their bootstrap replicates.

    Parameters
    ----------
    codes : ndarray of intp
        Each row's level of the attribute.
    reference, comparison : int
        The two levels compared.
    y : ndarray of float64
        The outcome (0/1 for a logistic outcome model, else linear).
    columns : mapping of str to array-like
        Mediators and covariates of the outcome model.
    confounders : mapping of str to array-like
        Covariates that cause the attribute (empty when it has none); they
        enter the propensity model of the inverse-probability weights.
    interactions : bool
        Let the attribute interact with every term of the outcome model.
    n_boot : int
        Bootstrap replicates.
    random_state : int
        Seed of the bootstrap.

    Returns
    -------
    point : ndarray of shape (4,)
        ``E[Y(r, M(r))]``, ``E[Y(c, M(r))]``, ``E[Y(c, M(c))]``,
        ``E[Y(r, M(c))]``.
    replicates : ndarray of shape (n_boot, 4)
        The same for each bootstrap replicate.
    """
    ref, comp = reference, comparison
    logistic = bool(np.isin(y, (0.0, 1.0)).all())
    n_levels = int(codes.max()) + 1
    others = [k for k in range(n_levels) if k != ref]
    with single_threaded_blas():
        base = fit_design(columns).transform(columns)

        def outcome_design(level_codes: NDArray[np.intp]) -> NDArray[np.float64]:
            indicators = np.column_stack(
                [(level_codes == k).astype(np.float64) for k in others]
            )
            blocks = [indicators, base]
            if interactions:
                blocks += [indicators[:, [j]] * base for j in range(len(others))]
            return np.hstack(blocks)

        q_fit = _fit(outcome_design(codes), y, logistic=logistic, ridge=1e-6)
        X1 = _with_intercept(outcome_design(codes))
        X_ref = _with_intercept(outcome_design(np.full(codes.size, ref, dtype=np.intp)))
        X_comp = _with_intercept(
            outcome_design(np.full(codes.size, comp, dtype=np.intp))
        )
        e_fits: dict[int, _Fit] = {}
        C1 = np.zeros((0, 0))
        if confounders:
            C = fit_design(confounders).transform(confounders)
            C1 = _with_intercept(C)
            e_fits = {
                k: _fit(C, (codes == k).astype(np.float64), logistic=True, ridge=1e-6)
                for k in (ref, comp)
            }
        at = {k: (codes == k).astype(np.float64) for k in (ref, comp)}

        def means(counts: NDArray[np.float64], *, full: bool) -> NDArray[np.float64]:
            """Nested means for each row of weights: (r,r), (c,r), (c,c), (r,c)."""
            if full:
                betas = q_fit.beta[None, :]
                e_betas = {k: f.beta[None, :] for k, f in e_fits.items()}
            else:
                betas = _replicate_betas(q_fit, X1, counts)
                e_betas = {
                    k: _replicate_betas(f, C1, counts) for k, f in e_fits.items()
                }
            q_ref = _predict(X_ref, betas, logistic)  # rows x replicates
            q_comp = _predict(X_comp, betas, logistic)
            out = np.empty((counts.shape[0], 4))
            for level, targets in (
                (ref, ((q_ref, 0), (q_comp, 1))),
                (comp, ((q_comp, 2), (q_ref, 3))),
            ):
                w = counts * at[level][None, :]
                if e_fits:
                    propensity = _predict(C1, e_betas[level], True).T
                    w = w / np.clip(propensity, 1e-3, 1.0)
                total = w.sum(axis=1)
                for q, j in targets:
                    out[:, j] = np.einsum("rn,nr->r", w, q) / total
            return out

        point = means(np.ones((1, codes.size)), full=True)[0]
        rng = np.random.default_rng(random_state)
        reps = [
            means(
                _bootstrap_counts(rng, codes.size, min(_CHUNK, n_boot - start)),
                full=False,
            )
            for start in range(0, n_boot, _CHUNK)
        ]
    return point, np.vstack(reps)
