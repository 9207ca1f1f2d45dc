"""Logistic regression with smooth penalties on demographic parity and TPR gaps."""

from __future__ import annotations

import importlib
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from pytest_fairness.inprocessing._base import LogitClassifier, expit
from pytest_fairness.inprocessing._params import (
    check_int_param,
    check_real,
    param_error,
)

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

__all__ = ["FairnessRegularizedClassifier", "soft_gap"]


def soft_gap(
    p: NDArray[np.float64],
    codes: NDArray[np.intp],
    weights: NDArray[np.float64],
    n_groups: int,
) -> tuple[float, NDArray[np.float64]]:
    """Return the mean squared pairwise gap of group means of ``p``, and its gradient.

    Parameters
    ----------
    p : ndarray of float64
        A value per row (here the predicted probability of the positive class).
    codes : ndarray of intp
        Group of each row, in ``[0, n_groups)``.
    weights : ndarray of float64
        Row weights; a group whose weights sum to 0 is left out (for the
        true positive rate, the weights are zero on negative rows).
    n_groups : int
        Number of groups.

    Returns
    -------
    value : float
        ``mean over pairs (g, h) of (m_g - m_h) ** 2``, where ``m_g`` is the
        weighted mean of ``p`` in group ``g``; 0 with fewer than two groups.
    grad : ndarray of float64
        Derivative of ``value`` with respect to each ``p_i``.

    Notes
    -----
    With ``G`` compared groups and ``m̄`` the unweighted mean of the ``m_g``,
    the mean over the ``G (G - 1) / 2`` pairs equals
    ``2 / (G - 1) * sum_g (m_g - m̄) ** 2``, whose derivative with respect to
    ``m_g`` is ``4 / (G - 1) * (m_g - m̄)``; and
    ``d m_g / d p_i = w_i / W_g`` for a row ``i`` of group ``g``.
    """
    total = np.bincount(codes, weights=weights, minlength=n_groups)
    present = total > 0
    g = int(present.sum())
    grad = np.zeros_like(p)
    if g < 2:
        return 0.0, grad
    safe = np.where(present, total, 1.0)
    means = np.bincount(codes, weights=weights * p, minlength=n_groups) / safe
    dev = np.where(present, means - means[present].mean(), 0.0)
    value = 2.0 / (g - 1) * float(np.sum(dev**2))
    slope = 4.0 / (g - 1) * dev / safe
    grad = slope[codes] * weights
    return value, grad


@dataclass(frozen=True, slots=True)
class _Problem:
    """The penalised objective of one fit, as a function of the parameters.

    The objective is the weighted mean log-loss, plus ``||w||^2 / (2 C W)``
    (``W`` the sum of weights: scikit-learn's ``LogisticRegression``
    objective divided by ``C W``), plus ``lambda_dp`` times the soft
    demographic parity gap and ``lambda_eo`` times the soft true positive
    rate gap (:func:`soft_gap` of the predicted probabilities over all rows
    and over the positive rows).
    """

    X: NDArray[np.float64]
    y: NDArray[np.float64]
    weights: NDArray[np.float64]
    codes: NDArray[np.intp]
    n_groups: int
    C: float
    lambda_dp: float
    lambda_eo: float
    fit_intercept: bool

    def split(self, theta: NDArray[np.float64]) -> tuple[NDArray[np.float64], float]:
        """Return the coefficients and the intercept held in ``theta``."""
        d = self.X.shape[1]
        return theta[:d], float(theta[d]) if self.fit_intercept else 0.0

    def terms(self, theta: NDArray[np.float64]) -> dict[str, float]:
        """Return the value of each term of the objective at ``theta``."""
        w, b = self.split(theta)
        z = self.X @ w + b
        p = expit(z)
        total = float(self.weights.sum())
        dp, _ = soft_gap(p, self.codes, self.weights, self.n_groups)
        eo, _ = soft_gap(p, self.codes, self.weights * self.y, self.n_groups)
        loss = float(np.dot(self.weights, np.logaddexp(0.0, z) - self.y * z)) / total
        return {
            "log_loss": loss,
            "l2": float(w @ w) / (2.0 * self.C * total),
            "dp_gap": dp,
            "eo_gap": eo,
        }

    def value_and_grad(
        self, theta: NDArray[np.float64]
    ) -> tuple[float, NDArray[np.float64]]:
        """Return the objective and its gradient at ``theta``."""
        w, b = self.split(theta)
        z = self.X @ w + b
        p = expit(z)
        total = float(self.weights.sum())
        value = float(np.dot(self.weights, np.logaddexp(0.0, z) - self.y * z)) / total
        value += float(w @ w) / (2.0 * self.C * total)
        dz = self.weights * (p - self.y) / total
        slope = p * (1.0 - p)
        if self.lambda_dp > 0.0:
            gap, dp = soft_gap(p, self.codes, self.weights, self.n_groups)
            value += self.lambda_dp * gap
            dz += self.lambda_dp * dp * slope
        if self.lambda_eo > 0.0:
            gap, dp = soft_gap(p, self.codes, self.weights * self.y, self.n_groups)
            value += self.lambda_eo * gap
            dz += self.lambda_eo * dp * slope
        grad = np.empty_like(theta)
        grad[: w.shape[0]] = self.X.T @ dz + w / (self.C * total)
        if self.fit_intercept:
            grad[-1] = dz.sum()
        return value, grad


class FairnessRegularizedClassifier(LogitClassifier):
    r"""Logistic regression penalised for demographic parity and TPR gaps.

    The loss is scikit-learn's L2-regularised logistic loss plus smooth
    surrogates of two group disparities, each weighted by its ``lambda``:
    the gap in mean predicted probability between groups (demographic
    parity) and the gap in mean predicted probability among the positive
    rows (equal opportunity, the true positive rate). Groups are the
    intersections of every sensitive column. The objective is minimised with
    scipy's L-BFGS using its analytic gradient.

    Parameters
    ----------
    lambda_dp : float, default=0.0
        Weight of the demographic parity penalty (>= 0).
    lambda_eo : float, default=0.0
        Weight of the equal opportunity (true positive rate) penalty (>= 0).
    C : float, default=1.0
        Inverse strength of the L2 penalty on the coefficients, as in
        :class:`sklearn.linear_model.LogisticRegression` (> 0).
    fit_intercept : bool, default=True
        Fit an (unpenalised) intercept.
    max_iter : int, default=1000
        Maximum number of L-BFGS iterations.
    tol : float, default=1e-6
        L-BFGS stops when the largest component of the projected gradient
        falls below ``tol``.
    sensitive_feature_ids : int, str, list or None, default=None
        Columns of ``X`` (positions, or names of DataFrame columns) holding
        the sensitive features. They define the groups and are not model
        inputs. Leave None to pass ``sensitive_features=`` to :meth:`fit`.

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
        The two labels; ``classes_[1]`` is the positive class.
    coef_ : ndarray of shape (1, n_model_features)
        Coefficients of the model inputs (``X`` without the sensitive
        columns).
    intercept_ : ndarray of shape (1,)
        The intercept (0 when ``fit_intercept=False``).
    groups_ : tuple of tuple
        The intersectional groups seen at fit time (empty when fitted
        without sensitive features).
    objective_terms_ : dict of str to float
        At the solution: ``log_loss`` (weighted mean), ``l2``, ``dp_gap`` and
        ``eo_gap`` (the soft gaps, before their lambdas).
    n_iter_ : ndarray of shape (1,)
        Number of L-BFGS iterations.
    n_features_in_ : int
        Number of columns of ``X`` seen in :meth:`fit`.
    feature_names_in_ : ndarray of str
        Column names of ``X``, when it has them.

    See Also
    --------
    ReductionsClassifier : Constrained training through fairlearn's reductions.

    Notes
    -----
    For labels ``y_i`` in {0, 1}, weights ``s_i`` summing to ``S``, and
    ``p_i = sigmoid(x_i . w + b)``, the fit minimises

    .. math::

        \frac{1}{S} \sum_i s_i\,\ell(y_i, p_i)
        + \frac{\lVert w \rVert^2}{2 C S}
        + \lambda_{dp}\, D\big(\{m_g\}\big)
        + \lambda_{eo}\, D\big(\{t_g\}\big)

    where ``m_g`` is the weighted mean of ``p`` over group ``g``, ``t_g``
    that over the positive rows of ``g``, and ``D`` the mean over pairs of
    groups of the squared gap (for two groups, the squared gap itself). The
    first two terms are scikit-learn's objective divided by ``C S``, so with
    both lambdas 0 the solution is that of ``LogisticRegression(C=C)``. The
    penalties use probabilities rather than thresholded decisions, so they
    are differentiable; a smaller soft gap pulls the decision gap down with
    it. The gradient is exact: ``dm_g / dp_i = s_i / S_g`` and
    ``dp_i / dz_i = p_i (1 - p_i)``.

    Examples
    --------
    >>> import numpy as np
    >>> from pytest_fairness.inprocessing import FairnessRegularizedClassifier
    >>> rng = np.random.default_rng(0)
    >>> group = rng.integers(0, 2, 400)
    >>> X = np.column_stack([rng.normal(size=400) + group, rng.normal(size=400)])
    >>> y = (X[:, 0] + rng.normal(size=400) > 0.5).astype(int)
    >>> plain = FairnessRegularizedClassifier().fit(X, y, sensitive_features=group)
    >>> fair = FairnessRegularizedClassifier(lambda_dp=5.0).fit(
    ...     X, y, sensitive_features=group
    ... )
    >>> def gap(model):
    ...     rates = [model.predict(X)[group == g].mean() for g in (0, 1)]
    ...     return abs(rates[0] - rates[1])
    >>> bool(gap(fair) < gap(plain))
    True
    """

    def __init__(
        self,
        *,
        lambda_dp: float = 0.0,
        lambda_eo: float = 0.0,
        C: float = 1.0,
        fit_intercept: bool = True,
        max_iter: int = 1000,
        tol: float = 1e-6,
        sensitive_feature_ids: Any = None,
    ) -> None:
        self.lambda_dp = lambda_dp
        self.lambda_eo = lambda_eo
        self.C = C
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.sensitive_feature_ids = sensitive_feature_ids

    def _check_params(self) -> None:
        check_real(self, "lambda_dp", self.lambda_dp, low=0.0)
        check_real(self, "lambda_eo", self.lambda_eo, low=0.0)
        check_real(self, "C", self.C, low=0.0, low_open=True)
        check_real(self, "tol", self.tol, low=0.0, low_open=True)
        check_int_param(self, "max_iter", self.max_iter, minimum=1)
        if not isinstance(self.fit_intercept, bool | np.bool_):
            raise param_error(
                self, "fit_intercept", self.fit_intercept, "True or False"
            )

    def fit(
        self,
        X: ArrayLike,
        y: ArrayLike,
        *,
        sensitive_features: Any = None,
        sample_weight: ArrayLike | None = None,
    ) -> FairnessRegularizedClassifier:
        """Fit the penalised logistic regression.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Training inputs.
        y : array-like of shape (n_samples,)
            Binary labels (two distinct values).
        sensitive_features : array-like, Series, DataFrame or dict, optional
            The sensitive column(s), one value per row; groups are their
            intersections. Needed when a lambda is positive, unless
            ``sensitive_feature_ids`` names columns of ``X``.
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative row weights; they weight the log-loss and the group
            means of both penalties.

        Returns
        -------
        FairnessRegularizedClassifier
            The fitted estimator.

        Raises
        ------
        FairnessValueError
            On a bad parameter, a target that is not binary, bad weights, or
            missing sensitive features when a penalty is on.
        """
        self._check_params()
        penalised = self.lambda_dp > 0 or self.lambda_eo > 0
        data = self._fit_data(
            X,
            y,
            sensitive_features,
            sample_weight=sample_weight,
            need_groups=penalised,
        )
        problem = _Problem(
            X=data.X,
            y=data.y,
            weights=data.weights,
            codes=data.codes,
            n_groups=data.n_groups,
            C=float(self.C),
            lambda_dp=float(self.lambda_dp),
            lambda_eo=float(self.lambda_eo),
            fit_intercept=bool(self.fit_intercept),
        )
        # scipy ships with scikit-learn; imported by name, as it has no type stubs
        minimize = importlib.import_module("scipy.optimize").minimize
        theta0 = np.zeros(data.X.shape[1] + int(bool(self.fit_intercept)))
        result = minimize(
            problem.value_and_grad,
            theta0,
            jac=True,
            method="L-BFGS-B",
            options={
                "maxiter": int(self.max_iter),
                "gtol": float(self.tol),
                "ftol": 64 * float(np.finfo(np.float64).eps),
                "maxls": 50,
            },
        )
        if result.status == 1:
            warnings.warn(
                f"{type(self).__name__} did not converge in max_iter="
                f"{self.max_iter} L-BFGS iterations; increase max_iter or scale "
                "the features (e.g. StandardScaler).",
                ConvergenceWarning,
                stacklevel=2,
            )
        theta = np.asarray(result.x, dtype=np.float64)
        w, b = problem.split(theta)
        self._record_fit(data)
        self.coef_ = w.reshape(1, -1).copy()
        self.intercept_ = np.array([b])
        self.objective_terms_ = problem.terms(theta)
        self.n_iter_ = np.array([int(result.nit)])
        return self

    def decision_function(self, X: ArrayLike) -> NDArray[np.float64]:
        """Return the log-odds of the positive class.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Inputs, with the columns seen in :meth:`fit`.

        Returns
        -------
        ndarray of shape (n_samples,)
            ``X @ coef_.T + intercept_``; positive values predict
            ``classes_[1]``.
        """
        out: NDArray[np.float64] = (
            self._model_inputs(X) @ self.coef_[0] + self.intercept_[0]
        )
        return out
