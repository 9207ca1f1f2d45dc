"""Fit a fairness-aware estimator over a grid and keep its fairness-accuracy front."""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from joblib import effective_n_jobs  # type: ignore[import-untyped]
from sklearn.base import clone
from sklearn.model_selection import ParameterGrid
from sklearn.utils.parallel import Parallel, delayed

from pytest_fairness._optional import import_optional
from pytest_fairness._tradeoff import overall_score, takes_sensitive_features
from pytest_fairness._validation import check_choice, check_int, fail
from pytest_fairness.report import audit

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence

    import pandas as pd
    from numpy.typing import NDArray

__all__ = ["ParetoSweep", "SweepPoint", "pareto_sweep"]

Performance = Literal["accuracy", "f1", "auc"]
PERFORMANCE = ("accuracy", "f1", "auc")


def _gap(metric: str, value: float) -> float:
    """Distance from parity: a difference itself, ``1 - value`` for a ratio."""
    return 1.0 - value if metric.endswith("_ratio") else value


def pareto_mask(
    performance: NDArray[np.float64], gaps: NDArray[np.float64]
) -> NDArray[np.bool_]:
    """Mark the points no other point dominates.

    Parameters
    ----------
    performance : ndarray of shape (n_points,)
        Higher is better.
    gaps : ndarray of shape (n_points, n_metrics)
        Distances from parity; lower is better.

    Returns
    -------
    ndarray of bool
        True for points on the front: no other point is at least as good on
        every objective and strictly better on one. Points with a NaN are
        never on it.
    """
    objectives = np.column_stack([-performance, gaps])
    valid = np.asarray(~np.isnan(objectives).any(axis=1), dtype=bool)
    on_front = np.array(valid, dtype=bool)
    for i in np.flatnonzero(valid):
        others = objectives[valid]
        dominated = (others <= objectives[i]).all(axis=1) & (
            others < objectives[i]
        ).any(axis=1)
        on_front[i] = not dominated.any()
    return on_front


@dataclass(frozen=True, slots=True)
class SweepPoint:
    """One grid point of a sweep: its parameters, scores and fitted estimator.

    Attributes
    ----------
    index : int
        Row of :attr:`ParetoSweep.table`.
    params : dict
        The grid parameters of this point.
    scores : dict of str to float
        Performance and every disparity, on the evaluation data.
    estimator : estimator
        The estimator fitted with ``params``.
    """

    index: int
    params: dict[str, Any]
    scores: dict[str, float]
    estimator: Any


@dataclass(frozen=True, eq=False)
class ParetoSweep:
    """The result of :func:`pareto_sweep`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per grid point: a column per grid parameter, the performance
        figure, each disparity, ``fit_time`` (seconds) and ``pareto`` (on the
        front).
    estimators : list of estimator
        The fitted estimators, in the rows' order.
    params : list of dict
        The grid points, in the rows' order.
    performance : str
        The performance column (``"accuracy"``, ``"f1"`` or ``"auc"``).
    metrics : tuple of str
        The disparity columns.
    evaluated_on : {"validation", "training"}
        Which data the scores come from.
    """

    table: pd.DataFrame
    estimators: list[Any] = field(repr=False)
    params: list[dict[str, Any]]
    performance: str
    metrics: tuple[str, ...]
    evaluated_on: str

    @property
    def front(self) -> pd.DataFrame:
        """The rows on the Pareto front, from the most to the least accurate."""
        front = self.table[self.table["pareto"]]
        return front.sort_values(self.performance, ascending=False, kind="stable")

    def point(self, index: int) -> SweepPoint:
        """Return one grid point with its fitted estimator.

        Parameters
        ----------
        index : int
            A row of :attr:`table`.

        Returns
        -------
        SweepPoint
            Its parameters, scores and estimator.
        """
        row = self.table.iloc[index]
        scores = {c: float(row[c]) for c in (self.performance, *self.metrics)}
        return SweepPoint(
            index, dict(self.params[index]), scores, self.estimators[index]
        )

    def best(
        self,
        *,
        max_disparity: float | None = None,
        max_accuracy_drop: float = 0.05,
        metric: str | None = None,
    ) -> SweepPoint:
        """Choose the fairest point that keeps enough performance.

        Parameters
        ----------
        max_disparity : float, optional
            Largest allowed value of ``metric`` (for a ratio, the smallest
            allowed value). None sets no bound.
        max_accuracy_drop : float, default=0.05
            Largest allowed fall of the performance figure below the best
            point of the sweep (absolute: 0.05 is five points).
        metric : str, optional
            The disparity to minimise; defaults to the first of ``metrics``.

        Returns
        -------
        SweepPoint
            Among the points within both limits, the one with the smallest
            distance from parity on ``metric``; ties go to the more accurate,
            then to the earlier grid point.

        Raises
        ------
        FairnessValueError
            When no point meets both limits (the message names the closest)
            or ``metric`` was not swept.
        """
        metric = self.metrics[0] if metric is None else metric
        if metric not in self.metrics:
            msg = (
                f"metric={metric!r} was not computed by this sweep; it has "
                f"{list(self.metrics)!r}. Pass it in pareto_sweep(metrics=...)."
            )
            raise fail(msg)
        perf = self.table[self.performance].to_numpy(dtype=np.float64)
        values = self.table[metric].to_numpy(dtype=np.float64)
        gaps = np.array([_gap(metric, v) for v in values])
        floor = np.nanmax(perf) - max_accuracy_drop
        ok = (perf >= floor - 1e-12) & ~np.isnan(gaps)
        if max_disparity is not None:
            ok &= gaps <= _gap(metric, max_disparity) + 1e-12
        if not ok.any():
            fairest = int(np.nanargmin(gaps))
            msg = (
                f"No grid point has {self.performance} >= {floor:.3f} (the best "
                f"{np.nanmax(perf):.3f} minus max_accuracy_drop={max_accuracy_drop})"
                + (
                    ""
                    if max_disparity is None
                    else f" and {metric} within {max_disparity}"
                )
                + f". The fairest point is row {fairest} ({self.params[fairest]!r}: "
                f"{metric}={values[fairest]:.3f}, {self.performance}="
                f"{perf[fairest]:.3f}). Widen the grid or relax a limit."
            )
            raise fail(msg)
        candidates = np.flatnonzero(ok)
        order = np.lexsort((candidates, -perf[candidates], gaps[candidates]))
        return self.point(int(candidates[order[0]]))

    def plot(self, *, metric: str | None = None, ax: Any = None) -> Any:
        """Plot performance against a disparity, with the Pareto front.

        Parameters
        ----------
        metric : str, optional
            The disparity on the x axis; defaults to the first of ``metrics``.
        ax : matplotlib Axes, optional
            Where to draw; a new figure's axes when None.

        Returns
        -------
        matplotlib.axes.Axes
            The axes drawn on.

        Raises
        ------
        ImportError
            When matplotlib is not installed.
        """
        plt = import_optional(
            "matplotlib.pyplot", extra="plot", purpose="ParetoSweep.plot"
        )
        metric = self.metrics[0] if metric is None else metric
        if metric not in self.metrics:
            msg = (
                f"metric={metric!r} was not swept; choose from {list(self.metrics)!r}."
            )
            raise fail(msg)
        if ax is None:
            _, ax = plt.subplots()
        t = self.table
        ax.scatter(t[metric], t[self.performance], color="0.6", label="grid point")
        front = self.front.sort_values(metric)
        ax.plot(
            front[metric],
            front[self.performance],
            marker="o",
            color="C0",
            label="Pareto front",
        )
        points = zip(
            self.params, t[metric].tolist(), t[self.performance].tolist(), strict=True
        )
        for params, x, y in points:
            label = ", ".join(f"{k}={v}" for k, v in params.items())
            ax.annotate(
                label,
                (x, y),
                fontsize="x-small",
                xytext=(3, 3),
                textcoords="offset points",
            )
        ax.set_xlabel(metric)
        ax.set_ylabel(f"{self.performance} ({self.evaluated_on} data)")
        ax.legend()
        return ax

    def __str__(self) -> str:
        from tabulate import tabulate  # noqa: PLC0415 - loaded on first use

        columns = {str(c): self.table[c].tolist() for c in self.table.columns}
        return str(tabulate(columns, headers="keys", tablefmt="simple", floatfmt=".4f"))


def _fit_point(
    estimator: Any,
    params: dict[str, Any],
    X: Any,
    y: Any,
    sensitive_features: Any,
    X_val: Any,
    sf_val: Any,
    performance: str,
) -> tuple[Any, Any, Any, Any, float]:
    """Fit one grid point; return it with its predictions on the evaluation rows.

    Runs in a joblib worker when ``n_jobs`` is not 1, so it returns what the
    audit needs rather than auditing there.
    """
    est = clone(estimator).set_params(**params)
    start = time.perf_counter()
    if takes_sensitive_features(est.fit):
        est.fit(X, y, sensitive_features=sensitive_features)
    else:
        est.fit(X, y)
    elapsed = time.perf_counter() - start
    kwargs = (
        {"sensitive_features": sf_val} if takes_sensitive_features(est.predict) else {}
    )
    y_pred = est.predict(X_val, **kwargs)
    y_score = None
    classes = getattr(est, "classes_", None)
    pos_label = classes[1] if classes is not None and len(classes) == 2 else None
    if performance == "auc":
        if not hasattr(est, "predict_proba"):
            name = type(est).__name__
            msg = f"performance='auc' needs predict_proba; {name} has none."
            raise fail(msg)
        kw = (
            {"sensitive_features": sf_val}
            if takes_sensitive_features(est.predict_proba)
            else {}
        )
        y_score = np.asarray(est.predict_proba(X_val, **kw))[:, 1]
    return est, y_pred, y_score, pos_label, elapsed


def _check_n_jobs(n_jobs: object) -> int | None:
    """Return ``n_jobs`` as joblib takes it (1: a plain loop, no joblib)."""
    if n_jobs is None:
        # 1 unless a joblib.parallel_config context sets another number
        return 1 if effective_n_jobs(None) == 1 else None
    if (
        isinstance(n_jobs, bool)
        or not isinstance(n_jobs, int | np.integer)
        or int(n_jobs) == 0
    ):
        msg = (
            "n_jobs must be None, a positive integer or a negative one "
            f"(-1: every core), as in scikit-learn. Got {n_jobs!r}."
        )
        raise fail(msg)
    return int(n_jobs)


@contextmanager
def _progress(verbose: int, total: int) -> Iterator[Any]:
    """Yield a tqdm progress bar when ``verbose`` > 0, else a silent stand-in."""
    if verbose <= 0:
        yield _NoProgress()
        return
    tqdm = import_optional(
        "tqdm", extra="mitigation", purpose="progress bars (verbose > 0)"
    ).tqdm
    with tqdm(total=total, desc="pareto_sweep", unit=" fits") as bar:
        yield bar


class _NoProgress:
    """The part of a progress bar a silent run needs."""

    def update(self, n: int = 1) -> None:
        """Do nothing."""


def pareto_sweep(
    estimator: Any,
    param_grid: Mapping[str, Sequence[Any]] | Sequence[Mapping[str, Sequence[Any]]],
    X: Any,
    y: Any,
    *,
    sensitive_features: Any,
    X_val: Any = None,
    y_val: Any = None,
    sensitive_features_val: Any = None,
    metrics: Sequence[str] | str = (
        "demographic_parity_difference",
        "equalized_odds_difference",
    ),
    performance: Performance = "accuracy",
    min_group_size: int = 30,
    n_jobs: int | None = None,
    verbose: int = 0,
) -> ParetoSweep:
    """Fit an estimator over a parameter grid and trace the fairness-accuracy front.

    Parameters
    ----------
    estimator : estimator
        A classifier; cloned for every grid point. When its ``fit`` has a
        ``sensitive_features`` parameter (the estimators of this package,
        fairlearn's) it receives them; so does its ``predict``.
    param_grid : dict or list of dict
        Parameter values to try, as for
        :class:`sklearn.model_selection.GridSearchCV`, e.g.
        ``{"lambda_dp": [0, 1, 10, 100]}``.
    X, y : array-like
        Training data.
    sensitive_features : array-like, Series, DataFrame or dict
        Sensitive features of the training rows.
    X_val, y_val : array-like, optional
        Held-out data the points are scored on. Without them the scores are
        on the training data (``evaluated_on="training"``), which flatters
        the most flexible points.
    sensitive_features_val : array-like, Series, DataFrame or dict, optional
        Sensitive features of the held-out rows (required with ``X_val``).
    metrics : str or sequence of str, default=("demographic_parity_difference", \
"equalized_odds_difference")
        Disparities to compute, any name :meth:`FairnessReport.disparity`
        accepts. All of them are objectives of the front.
    performance : {"accuracy", "f1", "auc"}, default="accuracy"
        The performance objective (AUC needs ``predict_proba``).
    min_group_size : int, default=30
        Groups with fewer evaluation rows are left out of disparities.
    n_jobs : int or None, default=None
        Grid points fitted in parallel, through joblib (as scikit-learn's
        ``n_jobs``: None is 1 unless in a ``joblib.parallel_config``
        context, -1 is every core; more than one job needs joblib >= 1.3,
        for its generator output). The result is the same for any value;
        the audits of the points run here, in grid order, so their warnings
        are raised here too (warnings of the fits themselves stay in the
        worker processes, as in ``GridSearchCV``).
    verbose : int, default=0
        0 prints nothing; 1 or more shows a progress bar of the fitted grid
        points on stderr (tqdm).

    Returns
    -------
    ParetoSweep
        The table of every point (with a ``pareto`` column), the front, the
        fitted estimators, :meth:`~ParetoSweep.best` and
        :meth:`~ParetoSweep.plot`.

    Raises
    ------
    FairnessValueError
        On an empty grid, an unknown metric, or held-out data without its
        labels or sensitive features.

    See Also
    --------
    FairnessRegularizedClassifier : Its ``lambda_dp`` / ``lambda_eo`` are
        natural grid parameters.
    ReductionsClassifier : Its ``difference_bound`` (or ``eps``) is another.

    Notes
    -----
    A point is on the front when no other point has at least its
    performance and at most its distance from parity on every metric (the
    value of a difference, ``1 - value`` of a ratio), being strictly better
    on one.

    Examples
    --------
    >>> import numpy as np
    >>> from pytest_fairness.inprocessing import (
    ...     FairnessRegularizedClassifier, pareto_sweep,
    ... )
    >>> rng = np.random.default_rng(0)
    >>> group = rng.integers(0, 2, 600)
    >>> X = np.column_stack([rng.normal(size=600) + group, rng.normal(size=600)])
    >>> y = (X[:, 0] + rng.normal(size=600) > 0.5).astype(int)
    >>> sweep = pareto_sweep(
    ...     FairnessRegularizedClassifier(), {"lambda_dp": [0.0, 5.0, 50.0]},
    ...     X[:400], y[:400], sensitive_features=group[:400],
    ...     X_val=X[400:], y_val=y[400:], sensitive_features_val=group[400:],
    ... )
    >>> list(sweep.table.columns[:3])
    ['lambda_dp', 'accuracy', 'demographic_parity_difference']
    >>> sweep.best(max_accuracy_drop=0.05).params["lambda_dp"] > 0
    True
    """
    check_choice("performance", performance, PERFORMANCE)
    metric_names = (metrics,) if isinstance(metrics, str) else tuple(metrics)
    if not metric_names:
        msg = "metrics is empty: name at least one disparity to sweep."
        raise fail(msg)
    for m in metric_names:
        name: object = m
        if not isinstance(name, str) or not name.endswith(("_difference", "_ratio")):
            msg = (
                f"metrics must be disparity names (ending in '_difference' or "
                f"'_ratio'), e.g. 'demographic_parity_difference'. Got {m!r}."
            )
            raise fail(msg)
    grid = list(ParameterGrid(param_grid))
    if not grid:
        msg = "param_grid is empty: give at least one value to try."
        raise fail(msg)
    if X_val is None:
        if y_val is not None or sensitive_features_val is not None:
            msg = "y_val and sensitive_features_val need X_val."
            raise fail(msg)
        X_val, y_val, sf_val, evaluated_on = X, y, sensitive_features, "training"
    else:
        if y_val is None or sensitive_features_val is None:
            msg = (
                "X_val needs y_val and sensitive_features_val: the held-out "
                "labels and groups the points are scored on."
            )
            raise fail(msg)
        sf_val, evaluated_on = sensitive_features_val, "validation"

    n_jobs = _check_n_jobs(n_jobs)
    check_int("verbose", verbose, minimum=0)
    jobs = [
        (
            estimator,
            params,
            X,
            y,
            sensitive_features,
            X_val,
            sf_val,
            performance,
        )
        for params in grid
    ]
    if n_jobs == 1:
        points: Any = (_fit_point(*job) for job in jobs)
    else:
        # scikit-learn's Parallel passes its configuration (metadata routing,
        # ...) on to the workers
        points = Parallel(n_jobs=n_jobs, return_as="generator")(
            delayed(_fit_point)(*job) for job in jobs
        )
    rows: list[dict[str, Any]] = []
    fitted: list[Any] = []
    with _progress(verbose, len(grid)) as bar:
        for params, point in zip(grid, points, strict=True):
            est, y_pred, y_score, pos_label, elapsed = point
            report = audit(
                y_val,
                y_pred,
                sensitive_features=sf_val,
                y_score=y_score,
                pos_label=pos_label,
                min_group_size=min_group_size,
            )
            row: dict[str, Any] = dict(params)
            row[performance] = overall_score(report, performance)
            for m in metric_names:
                row[m] = report.disparity(m).value
            row["fit_time"] = elapsed
            rows.append(row)
            fitted.append(est)
            bar.update(1)

    import pandas as pd  # noqa: PLC0415 - loaded on first use

    table = pd.DataFrame(rows)
    perf = table[performance].to_numpy(dtype=np.float64)
    gaps = np.column_stack(
        [
            [_gap(m, v) for v in table[m].to_numpy(dtype=np.float64)]
            for m in metric_names
        ]
    )
    table["pareto"] = pareto_mask(perf, gaps)
    return ParetoSweep(
        table=table,
        estimators=fitted,
        params=[dict(p) for p in grid],
        performance=performance,
        metrics=metric_names,
        evaluated_on=evaluated_on,
    )
