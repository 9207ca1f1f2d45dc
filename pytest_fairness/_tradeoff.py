"""Before/after comparison of a fairness intervention, and a gate on its trade-off."""

from __future__ import annotations

import inspect
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from pytest_fairness._validation import check_choice, fail
from pytest_fairness.exceptions import FairnessGateFailure
from pytest_fairness.gates._result import format_group
from pytest_fairness.report import FairnessReport, audit

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "InterventionComparison",
    "TradeoffCheck",
    "assert_tradeoff",
    "compare_interventions",
    "overall_score",
    "takes_sensitive_features",
    "tradeoff_checks",
]

Performance = Literal["accuracy", "f1", "auc"]
PERFORMANCE: tuple[str, ...] = ("accuracy", "f1", "auc")
GROUP_RATES = ("selection_rate", "tpr", "fpr")
_DISPARITY_STEMS = (
    "demographic_parity",
    "equal_opportunity",
    "equalized_odds",
    "predictive_parity",
)


def _is_report(obj: object) -> bool:
    return isinstance(obj, FairnessReport)


def takes_sensitive_features(method: Any) -> bool:
    """Return whether a ``fit``/``predict``-like method has ``sensitive_features``.

    Parameters
    ----------
    method : callable
        A bound method.

    Returns
    -------
    bool
        True when its signature names a ``sensitive_features`` parameter
        (fairness-aware estimators, post-processors).
    """
    try:
        return "sensitive_features" in inspect.signature(method).parameters
    except (TypeError, ValueError):  # pragma: no cover - builtins without signature
        return False


def _call(method: Any, X: Any, sensitive_features: Any) -> Any:
    """Call ``predict``-like ``method``, passing the groups when it takes them."""
    if takes_sensitive_features(method):
        return method(X, sensitive_features=sensitive_features)
    return method(X)


def _report_of(
    side: Any,
    which: str,
    *,
    X: Any,
    y: Any,
    sensitive_features: Any,
    sample_weight: Any,
    pos_label: Any,
    min_group_size: int,
    min_denominator: int,
) -> FairnessReport:
    """Return ``side`` as a report: as given, or audited from a model or predictions."""
    if _is_report(side):
        if side.task != "binary":
            msg = (
                f"{which} is a report of a continuous target; compare_interventions "
                "compares classifiers (binary labels)."
            )
            raise fail(msg)
        return side  # type: ignore[no-any-return]
    is_model = hasattr(side, "predict")
    missing = [
        name
        for name, value in (
            ("X", X if is_model else 0),
            ("y", y),
            ("sensitive_features", sensitive_features),
        )
        if value is None
    ]
    if missing:
        kind = "a fitted model" if is_model else "predictions"
        msg = (
            f"{which} is {kind}, so compare_interventions needs "
            f"{', '.join(missing)}= to evaluate it. Pass the evaluation data, or "
            "pass FairnessReport objects from pytest_fairness.audit()."
        )
        raise fail(msg)
    y_score = None
    if is_model:
        classes = getattr(side, "classes_", None)
        if pos_label is None and classes is not None and len(classes) == 2:
            pos_label = classes[1]
        y_pred = _call(side.predict, X, sensitive_features)
        if hasattr(side, "predict_proba") and classes is not None and len(classes) == 2:
            proba = np.asarray(_call(side.predict_proba, X, sensitive_features))
            if proba.ndim == 2 and proba.shape[1] == 2:
                y_score = proba[:, 1]
    else:
        y_pred = side
    return audit(
        y,
        y_pred,
        sensitive_features=sensitive_features,
        y_score=y_score,
        sample_weight=sample_weight,
        pos_label=pos_label,
        min_group_size=min_group_size,
        min_denominator=min_denominator,
    )


def overall_score(report: FairnessReport, metric: str) -> float:
    """Return an overall performance figure of a report.

    Parameters
    ----------
    report : FairnessReport
        A binary audit.
    metric : str
        ``"f1"``, ``"auc"`` (needs scores in the audit) or any binary rate
        such as ``"accuracy"``.

    Returns
    -------
    float
        The value over the whole population; NaN when unavailable.
    """
    t = report.overall_table
    if metric == "f1":
        ppv = float(t.values("ppv")[0])
        tpr = float(t.values("tpr")[0])
        if math.isnan(ppv) or math.isnan(tpr) or ppv + tpr == 0:
            return math.nan
        return 2 * ppv * tpr / (ppv + tpr)
    if metric == "auc":
        auc = t.extra.get("auc")
        return math.nan if auc is None else float(auc[0])
    return float(t.values(metric)[0])


def _gap(name: str, value: float) -> float:
    """Distance from parity: the value of a difference, ``1 - value`` of a ratio."""
    return 1.0 - value if name.endswith("_ratio") else value


def _relative(before: float, after: float) -> float:
    if math.isnan(before) or math.isnan(after) or before == 0:
        return math.nan
    return (after - before) / abs(before)


def _fmt(value: float, *, signed: bool = False, percent: bool = False) -> str:
    if math.isnan(value):
        return "-"
    if percent:
        return f"{value:+.1%}"
    return f"{value:+.3f}" if signed else f"{value:.3f}"


@dataclass(frozen=True, eq=False)
class InterventionComparison:
    """Before/after table of a fairness intervention.

    Build it with :func:`~pytest_fairness.compare_interventions`.

    Attributes
    ----------
    before, after : FairnessReport
        The audits of the model before and after the intervention.
    names : tuple of str
        Column titles of the two sides, ``("before", "after")`` by default.
    """

    before: FairnessReport
    after: FairnessReport
    names: tuple[str, str] = ("before", "after")

    def value(self, metric: str, side: Literal["before", "after"]) -> float:
        """Return a performance figure or a disparity on one side.

        Parameters
        ----------
        metric : str
            ``"accuracy"``, ``"f1"``, ``"auc"``, any binary rate
            (``"selection_rate"``...), or a disparity name
            (``"demographic_parity_difference"``, ``"tpr_ratio"``...).
        side : {"before", "after"}
            Which report.

        Returns
        -------
        float
            The value; NaN when undefined (e.g. AUC without scores).
        """
        check_choice("side", side, ("before", "after"))
        report = self.before if side == "before" else self.after
        if metric.endswith(("_difference", "_ratio")):
            return report.disparity(metric).value
        return overall_score(report, metric)

    def change(self, metric: str) -> float:
        """Return ``after - before`` of a metric.

        Parameters
        ----------
        metric : str
            As for :meth:`value`.

        Returns
        -------
        float
            The absolute change.
        """
        return self.value(metric, "after") - self.value(metric, "before")

    def disparity_reduction(self, metric: str) -> float:
        """Return the relative reduction of a disparity's distance from parity.

        Parameters
        ----------
        metric : str
            A disparity name. Differences are distances from parity (0);
            ratios are measured as ``1 - ratio``.

        Returns
        -------
        float
            ``(gap_before - gap_after) / gap_before``: 0.5 means the gap
            halved, a negative value that it grew. NaN when a value is
            undefined or the gap was already 0.
        """
        if not metric.endswith(("_difference", "_ratio")):
            msg = (
                f"metric={metric!r} is not a disparity: pass a name ending in "
                "'_difference' or '_ratio', e.g. 'demographic_parity_difference'."
            )
            raise fail(msg)
        before = _gap(metric, self.value(metric, "before"))
        after = _gap(metric, self.value(metric, "after"))
        if math.isnan(before) or math.isnan(after) or before == 0:
            return math.nan
        return (before - after) / before

    @property
    def accuracy_drop(self) -> float:
        """Accuracy before minus accuracy after (positive when it fell)."""
        return -self.change("accuracy")

    def _rows(self) -> list[tuple[str, float, float]]:
        names = ["accuracy", "f1", "auc", "selection_rate"]
        names += [f"{s}_{k}" for s in _DISPARITY_STEMS for k in ("difference", "ratio")]
        rows = []
        for m in names:
            b, a = self.value(m, "before"), self.value(m, "after")
            if m == "auc" and math.isnan(b) and math.isnan(a):
                continue
            rows.append((m, b, a))
        return rows

    @cached_property
    def table(self) -> pd.DataFrame:
        """Performance and disparities: one row per metric.

        Columns are the two sides (``names``), ``change`` (after - before) and
        ``relative_change`` (change / |before|).
        """
        import pandas as pd  # noqa: PLC0415 - loaded on first use

        rows = self._rows()
        b_name, a_name = self.names
        return pd.DataFrame(
            {
                b_name: [b for _, b, _ in rows],
                a_name: [a for _, _, a in rows],
                "change": [a - b for _, b, a in rows],
                "relative_change": [_relative(b, a) for _, b, a in rows],
            },
            index=pd.Index([m for m, _, _ in rows], name="metric"),
        )

    @cached_property
    def by_group(self) -> pd.DataFrame:
        """Per-group selection rate, TPR and FPR on both sides.

        Indexed by (group, metric); groups are the intersections of the
        sensitive columns, written ``"female, black"``.
        """
        import pandas as pd  # noqa: PLC0415 - loaded on first use

        keys: list[tuple[str, str]] = []
        before: list[float] = []
        after: list[float] = []
        groups = list(dict.fromkeys(self.before.groups + self.after.groups))
        values = {m: (self.before.values(m), self.after.values(m)) for m in GROUP_RATES}
        for g in groups:
            for metric in GROUP_RATES:
                vb, va = values[metric]
                keys.append((format_group(g), metric))
                before.append(vb.get(g, math.nan))
                after.append(va.get(g, math.nan))
        b_name, a_name = self.names
        index = pd.MultiIndex.from_tuples(keys, names=["group", "metric"])
        frame = pd.DataFrame({b_name: before, a_name: after}, index=index)
        frame["change"] = frame[a_name] - frame[b_name]
        return frame

    def _table_rows(self) -> tuple[list[str], list[list[str]]]:
        headers = ["metric", *self.names, "change", "relative"]
        rows = [
            [
                m,
                _fmt(b),
                _fmt(a),
                _fmt(a - b, signed=True),
                _fmt(_relative(b, a), percent=True),
            ]
            for m, b, a in self._rows()
        ]
        return headers, rows

    def _group_rows(self) -> tuple[list[str], list[list[str]]]:
        headers = ["group", "metric", *self.names, "change"]
        frame = self.by_group
        b_name, a_name = self.names
        rows = [
            [group, metric, _fmt(b), _fmt(a), _fmt(a - b, signed=True)]
            for (group, metric), b, a in zip(
                frame.index.tolist(),
                frame[b_name].tolist(),
                frame[a_name].tolist(),
                strict=True,
            )
        ]
        return headers, rows

    def lines(self) -> list[str]:
        """Render the comparison as text lines.

        Returns
        -------
        list of str
            The overall table, then the per-group rates.
        """
        from tabulate import tabulate  # noqa: PLC0415 - loaded on first use

        headers, rows = self._table_rows()
        out = [f"Intervention: {self.names[0]} -> {self.names[1]}"]
        out += tabulate(
            rows, headers=headers, tablefmt="simple", disable_numparse=True
        ).splitlines()
        out.append("")
        headers, rows = self._group_rows()
        out += tabulate(
            rows, headers=headers, tablefmt="simple", disable_numparse=True
        ).splitlines()
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def to_markdown(self) -> str:
        """Render the comparison as GitHub-flavoured markdown, for a review.

        Returns
        -------
        str
            A headline, the overall table and the per-group table.
        """
        from tabulate import tabulate  # noqa: PLC0415 - loaded on first use

        parts = [f"### Intervention: {self.names[0]} → {self.names[1]}", ""]
        headers, rows = self._table_rows()
        parts.append(
            tabulate(rows, headers=headers, tablefmt="github", disable_numparse=True)
        )
        parts.append("")
        headers, rows = self._group_rows()
        parts.append(
            tabulate(rows, headers=headers, tablefmt="github", disable_numparse=True)
        )
        return "\n".join(parts) + "\n"

    def to_dict(self) -> dict[str, Any]:
        """Return the comparison as JSON-friendly data.

        Returns
        -------
        dict
            ``names``, ``metrics`` (metric to before/after/change) and
            ``groups`` (rate to group to before/after); NaN is None.
        """

        def jf(v: float) -> float | None:
            return None if math.isnan(v) else float(v)

        b_name, a_name = self.names
        metrics = {
            m: {"before": jf(b), "after": jf(a), "change": jf(a - b)}
            for m, b, a in self._rows()
        }
        groups: dict[str, dict[str, dict[str, float | None]]] = {}
        frame = self.by_group
        for (group, metric), b, a in zip(
            frame.index.tolist(),
            frame[b_name].tolist(),
            frame[a_name].tolist(),
            strict=True,
        ):
            groups.setdefault(str(metric), {})[str(group)] = {
                "before": jf(b),
                "after": jf(a),
            }
        return {"names": list(self.names), "metrics": metrics, "groups": groups}


def compare_interventions(
    before: Any,
    after: Any,
    *,
    X: Any = None,
    y: Any = None,
    sensitive_features: Any = None,
    sample_weight: Any = None,
    pos_label: Any = None,
    min_group_size: int = 30,
    min_denominator: int = 10,
    names: tuple[str, str] = ("before", "after"),
) -> InterventionComparison:
    """Compare a model before and after a fairness intervention.

    Parameters
    ----------
    before, after : FairnessReport, fitted classifier, or array-like
        Each side is a report from :func:`~pytest_fairness.audit`, a fitted
        classifier (evaluated on ``X``, ``y``, ``sensitive_features``; its
        ``predict_proba`` gives the AUC; a ``predict`` that takes
        ``sensitive_features=``, as post-processors do, gets them), or its
        predictions on ``y``'s rows.
    X : array-like or DataFrame, optional
        Evaluation inputs, for fitted classifiers.
    y : array-like, optional
        True labels of the evaluation data, for models and predictions.
    sensitive_features : array-like, Series, DataFrame or dict, optional
        Groups of the evaluation rows, for models and predictions.
    sample_weight : array-like, optional
        Row weights of the evaluation data.
    pos_label : object, optional
        The favourable label; defaults to a classifier's ``classes_[1]`` (or
        what :func:`~pytest_fairness.audit` infers).
    min_group_size : int, default=30
        Groups with fewer rows are left out of disparities, as in
        :func:`~pytest_fairness.audit`.
    min_denominator : int, default=10
        Rows a rate's denominator needs for a group to take part in that
        rate's disparities, as in :func:`~pytest_fairness.audit`.
    names : tuple of str, default=("before", "after")
        Titles of the two sides in tables.

    Returns
    -------
    InterventionComparison
        The ``table`` (accuracy, F1, AUC when scores are available, overall
        selection rate, each disparity; before, after, absolute and relative
        change) and the per-group rates (``by_group``).

    Raises
    ------
    FairnessValueError
        When a model or predictions come without the data to evaluate them,
        or a report has a continuous target.

    See Also
    --------
    assert_tradeoff : Fail a test when the intervention costs too much.

    Examples
    --------
    >>> import pytest_fairness as pf
    >>> y = [1, 0, 1, 1, 0, 1, 0, 0]
    >>> group = ["a", "a", "a", "a", "b", "b", "b", "b"]
    >>> cmp = pf.compare_interventions(
    ...     [1, 0, 1, 1, 0, 0, 0, 0], [1, 0, 1, 0, 0, 1, 0, 0],
    ...     y=y, sensitive_features=group, min_group_size=1,
    ... )
    >>> cmp.table.loc["demographic_parity_difference"].round(3).to_dict()
    {'before': 0.75, 'after': 0.25, 'change': -0.5, 'relative_change': -0.667}
    """
    given: object = names
    if (
        not isinstance(given, Sequence)
        or len(given) != 2
        or not all(isinstance(n, str) for n in given)
        or given[0] == given[1]
    ):
        msg = f"names must be two distinct strings. Got {names!r}."
        raise fail(msg)
    kwargs = {
        "X": X,
        "y": y,
        "sensitive_features": sensitive_features,
        "sample_weight": sample_weight,
        "pos_label": pos_label,
        "min_group_size": min_group_size,
        "min_denominator": min_denominator,
    }
    return InterventionComparison(
        _report_of(before, "before", **kwargs),
        _report_of(after, "after", **kwargs),
        (names[0], names[1]),
    )


@dataclass(frozen=True, slots=True)
class TradeoffCheck:
    """One condition of :func:`assert_tradeoff` and whether it held.

    Attributes
    ----------
    name : str
        The metric checked.
    kind : {"cost", "gain"}
        ``"cost"``: the drop of a performance figure; ``"gain"``: the
        relative reduction of a disparity.
    observed : float
        The drop, or the reduction.
    limit : float
        The most drop allowed, or the least reduction required.
    passed : bool
        Whether the condition held (False when ``observed`` is NaN).
    """

    name: str
    kind: Literal["cost", "gain"]
    observed: float
    limit: float
    passed: bool

    def describe(self, comparison: InterventionComparison) -> str:
        """Return one line explaining the condition, with both values."""
        b = comparison.value(self.name, "before")
        a = comparison.value(self.name, "after")
        values = f"({_fmt(b)} -> {_fmt(a)})"
        mark = "ok" if self.passed else "FAILED"
        if self.kind == "cost":
            moved = (
                f"rose by {_fmt(-self.observed)}"
                if self.observed < 0
                else f"fell by {_fmt(self.observed + 0.0)}"
            )
            return (
                f"{mark}: {self.name} {moved} {values}; "
                f"a fall of at most {_fmt(self.limit)} allowed"
            )
        if math.isnan(self.observed):
            why = (
                "it was already at parity before"
                if not math.isnan(b) and _gap(self.name, b) == 0
                else "a value is undefined (too few groups large enough?)"
            )
            return (
                f"{mark}: {self.name} reduction cannot be measured {values}: "
                f"{why}; at least {self.limit:.0%} required"
            )
        return (
            f"{mark}: {self.name} fell by {self.observed:.1%} {values}; "
            f"at least {self.limit:.0%} required"
        )


def assert_tradeoff(
    before: Any,
    after: Any,
    *,
    max_accuracy_drop: float = 0.05,
    min_disparity_reduction: float = 0.0,
    metric: str | Sequence[str] = "demographic_parity_difference",
    performance: Performance = "accuracy",
    X: Any = None,
    y: Any = None,
    sensitive_features: Any = None,
    sample_weight: Any = None,
    pos_label: Any = None,
    min_group_size: int = 30,
    min_denominator: int = 10,
    names: tuple[str, str] = ("before", "after"),
) -> InterventionComparison:
    """Fail unless an intervention reduces a disparity enough at a bounded cost.

    Parameters
    ----------
    before, after : FairnessReport, fitted classifier, or array-like
        As for :func:`compare_interventions`.
    max_accuracy_drop : float, default=0.05
        Largest allowed fall of ``performance`` (absolute: 0.05 is five
        points of accuracy).
    min_disparity_reduction : float, default=0.0
        Least required relative reduction of each ``metric``'s distance from
        parity (0.5: the gap must at least halve). 0 only requires that it
        does not grow.
    metric : str or sequence of str, default="demographic_parity_difference"
        The disparity (or disparities) the intervention targets; ratios
        count their distance ``1 - ratio``.
    performance : {"accuracy", "f1", "auc"}, default="accuracy"
        The performance figure whose drop is bounded.
    X, y, sensitive_features, sample_weight, pos_label, min_group_size, \
min_denominator, names
        As for :func:`compare_interventions`.

    Returns
    -------
    InterventionComparison
        The comparison, when every condition holds.

    Raises
    ------
    FairnessGateFailure
        An ``AssertionError`` whose message lists each condition and the
        before/after table, when the performance fell too much or a
        disparity fell too little (or is undefined).
    FairnessValueError
        On bad arguments (see :func:`compare_interventions`).

    See Also
    --------
    compare_interventions : The before/after table alone.

    Examples
    --------
    >>> import pytest_fairness as pf
    >>> y = [1, 0, 1, 1, 0, 1, 0, 0]
    >>> group = ["a", "a", "a", "a", "b", "b", "b", "b"]
    >>> cmp = pf.assert_tradeoff(
    ...     [1, 0, 1, 1, 0, 0, 0, 0], [1, 0, 1, 0, 0, 1, 0, 0],
    ...     y=y, sensitive_features=group, min_group_size=1,
    ...     max_accuracy_drop=0.3, min_disparity_reduction=0.5,
    ... )
    >>> round(cmp.disparity_reduction("demographic_parity_difference"), 3)
    0.667
    """
    __tracebackhide__ = True
    metrics = _tradeoff_metrics(
        metric, performance, max_accuracy_drop, min_disparity_reduction
    )
    comparison = compare_interventions(
        before,
        after,
        X=X,
        y=y,
        sensitive_features=sensitive_features,
        sample_weight=sample_weight,
        pos_label=pos_label,
        min_group_size=min_group_size,
        min_denominator=min_denominator,
        names=names,
    )
    checks = tradeoff_checks(
        comparison,
        performance=performance,
        metrics=metrics,
        max_accuracy_drop=max_accuracy_drop,
        min_disparity_reduction=min_disparity_reduction,
    )
    if all(c.passed for c in checks):
        return comparison
    failed = sum(not c.passed for c in checks)
    lines = [
        f"Intervention trade-off failed ({failed} of {len(checks)} conditions):",
        *(f"  {c.describe(comparison)}" for c in checks),
        "",
        *comparison.lines(),
    ]
    raise FairnessGateFailure("\n".join(lines), comparison)


def _tradeoff_metrics(
    metric: str | Sequence[str],
    performance: str,
    max_accuracy_drop: float,
    min_disparity_reduction: float,
) -> list[str]:
    """Validate the conditions of a trade-off; return the disparities named."""
    __tracebackhide__ = True
    check_choice("performance", performance, PERFORMANCE)
    limits: tuple[tuple[str, object], ...] = (
        ("max_accuracy_drop", max_accuracy_drop),
        ("min_disparity_reduction", min_disparity_reduction),
    )
    for name, value in limits:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            msg = f"{name} must be a finite number. Got {value!r}."
            raise fail(msg)
    if min_disparity_reduction > 1:
        msg = (
            "min_disparity_reduction is a share of the gap, at most 1 (parity). "
            f"Got {min_disparity_reduction!r}."
        )
        raise fail(msg)
    metrics = [metric] if isinstance(metric, str) else list(metric)
    if not metrics:
        msg = "metric is empty: name at least one disparity."
        raise fail(msg)
    return metrics


def tradeoff_checks(
    comparison: InterventionComparison,
    *,
    performance: str,
    metrics: Sequence[str],
    max_accuracy_drop: float,
    min_disparity_reduction: float,
) -> list[TradeoffCheck]:
    """Return the conditions of a trade-off and whether each held.

    Parameters
    ----------
    comparison : InterventionComparison
        The model before and after the intervention.
    performance : {"accuracy", "f1", "auc"}
        The performance figure whose drop is bounded.
    metrics : sequence of str
        The disparities the intervention targets.
    max_accuracy_drop : float
        Largest allowed fall of ``performance``.
    min_disparity_reduction : float
        Least required relative reduction of each disparity's gap.

    Returns
    -------
    list of TradeoffCheck
        The cost first, then one gain per disparity.
    """
    drop = -comparison.change(performance)
    checks = [
        TradeoffCheck(
            performance,
            "cost",
            drop,
            float(max_accuracy_drop),
            not math.isnan(drop) and drop <= max_accuracy_drop + 1e-12,
        )
    ]
    for m in metrics:
        reduction = comparison.disparity_reduction(m)
        checks.append(
            TradeoffCheck(
                m,
                "gain",
                reduction,
                float(min_disparity_reduction),
                not math.isnan(reduction)
                and reduction >= min_disparity_reduction - 1e-12,
            )
        )
    return checks
