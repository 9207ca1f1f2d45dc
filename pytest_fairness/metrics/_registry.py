"""The metric table: names, aliases, definitions on counts, ideal values.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pytest_fairness._validation import fail, hint_for

__all__ = [
    "ALIASES",
    "BINARY_METRICS",
    "DEFINITION_VERSION",
    "DISPARITIES",
    "METRICS",
    "REGRESSION_METRICS",
    "SCORE_METRICS",
    "DisparitySpec",
    "MetricSpec",
    "denominator_noun",
    "is_partial_rate",
    "resolve_disparity",
    "resolve_metric",
]

# Cell order in GroupCounts.cells: actual 0/1 x predicted 0/1.
TN, FP, FN, TP = 0, 1, 2, 3
ALL = (TN, FP, FN, TP)

#: Version of what a disparity means, stored with baselines so that a value is
#: never compared with one computed under other rules. 2: groups take part in
#: a rate's disparity only with ``min_denominator`` rows in its denominator.
DEFINITION_VERSION = 2

_NOUNS = {
    ALL: "rows",
    (FN, TP): "positives",
    (TN, FP): "negatives",
    (FP, TP): "predicted positives",
    (TN, FN): "predicted negatives",
}

Kind = Literal["binary", "score", "regression", "count"]


@dataclass(frozen=True, slots=True)
class MetricSpec:
    """Definition of one per-group metric.

    Attributes
    ----------
    name : str
        Canonical name.
    kind : {"binary", "score", "regression", "count"}
        What input it needs: binary labels and predictions, scores, continuous
        targets, or nothing beyond the rows.
    description : str
        One line for tables and docs.
    numerator, denominator : tuple of int
        For binary rates: the confusion cells (TN, FP, FN, TP) summed above
        and below the fraction bar. Empty for other kinds.
    undefined_when : str
        Why the value is NaN when the denominator is empty.
    higher_is_better : bool or None
        Direction used to name the disadvantaged group; None when neither.
    """

    name: str
    kind: Kind
    description: str
    numerator: tuple[int, ...] = ()
    denominator: tuple[int, ...] = ()
    undefined_when: str = "the group is empty"
    higher_is_better: bool | None = None


_SPECS = [
    MetricSpec("count", "count", "number of rows (unweighted)"),
    MetricSpec(
        "selection_rate",
        "binary",
        "share predicted positive",
        (FP, TP),
        ALL,
        "the group is empty",
        True,
    ),
    MetricSpec(
        "base_rate",
        "binary",
        "share actually positive",
        (FN, TP),
        ALL,
        "the group is empty",
        None,
    ),
    MetricSpec(
        "tpr",
        "binary",
        "true positive rate (recall)",
        (TP,),
        (FN, TP),
        "the group has no actual positives",
        True,
    ),
    MetricSpec(
        "fpr",
        "binary",
        "false positive rate",
        (FP,),
        (TN, FP),
        "the group has no actual negatives",
        False,
    ),
    MetricSpec(
        "fnr",
        "binary",
        "false negative rate",
        (FN,),
        (FN, TP),
        "the group has no actual positives",
        False,
    ),
    MetricSpec(
        "tnr",
        "binary",
        "true negative rate (specificity)",
        (TN,),
        (TN, FP),
        "the group has no actual negatives",
        True,
    ),
    MetricSpec(
        "ppv",
        "binary",
        "positive predictive value (precision)",
        (TP,),
        (FP, TP),
        "the group has no predicted positives",
        True,
    ),
    MetricSpec(
        "npv",
        "binary",
        "negative predictive value",
        (TN,),
        (TN, FN),
        "the group has no predicted negatives",
        True,
    ),
    MetricSpec(
        "accuracy",
        "binary",
        "share predicted correctly",
        (TN, TP),
        ALL,
        "the group is empty",
        True,
    ),
    MetricSpec(
        "error_rate",
        "binary",
        "share predicted wrongly",
        (FP, FN),
        ALL,
        "the group is empty",
        False,
    ),
    MetricSpec(
        "auc",
        "score",
        "area under the ROC curve of y_score",
        undefined_when="the group lacks actual positives or negatives",
        higher_is_better=True,
    ),
    MetricSpec(
        "brier",
        "score",
        "mean squared error of y_score (Brier score)",
        higher_is_better=False,
    ),
    MetricSpec(
        "calibration_error",
        "score",
        "expected calibration error of y_score (10 equal-width bins)",
        higher_is_better=False,
    ),
    MetricSpec("mean_prediction", "regression", "mean of y_pred"),
    MetricSpec("mae", "regression", "mean absolute error", higher_is_better=False),
]

METRICS: dict[str, MetricSpec] = {s.name: s for s in _SPECS}


def is_partial_rate(metric: str) -> bool:
    """Return whether a binary rate is a share of part of a group's rows.

    Parameters
    ----------
    metric : str
        Canonical metric name.

    Returns
    -------
    bool
        True for TPR, FPR, FNR, TNR, PPV and NPV (their denominators are the
        actual or predicted positives or negatives), False for the selection
        rate, base rate, accuracy and error rate (every row) and for metrics
        that are not binary rates. ``min_denominator`` applies to the former.
    """
    spec = METRICS[metric]
    return spec.kind == "binary" and spec.denominator != ALL


def denominator_noun(metric: str) -> str:
    """Name the rows a binary rate is a share of.

    Parameters
    ----------
    metric : str
        Canonical name of a binary metric.

    Returns
    -------
    str
        ``"rows"`` (selection rate, accuracy), ``"positives"`` (TPR, FNR),
        ``"negatives"`` (FPR, TNR), ``"predicted positives"`` (PPV) or
        ``"predicted negatives"`` (NPV).

    Examples
    --------
    >>> denominator_noun("tpr")
    'positives'
    """
    return _NOUNS.get(METRICS[metric].denominator, "rows")


BINARY_METRICS = tuple(n for n, s in METRICS.items() if s.kind == "binary")
SCORE_METRICS = tuple(n for n, s in METRICS.items() if s.kind == "score")
REGRESSION_METRICS = tuple(n for n, s in METRICS.items() if s.kind == "regression")

ALIASES: dict[str, str] = {
    "true_positive_rate": "tpr",
    "recall": "tpr",
    "sensitivity": "tpr",
    "false_positive_rate": "fpr",
    "false_negative_rate": "fnr",
    "true_negative_rate": "tnr",
    "specificity": "tnr",
    "precision": "ppv",
    "positive_predictive_value": "ppv",
    "negative_predictive_value": "npv",
    "accuracy_score": "accuracy",
    "zero_one_loss": "error_rate",
    "roc_auc": "auc",
    "roc_auc_score": "auc",
    "brier_score": "brier",
    "brier_score_loss": "brier",
    "ece": "calibration_error",
    "mean_absolute_error": "mae",
}


def resolve_metric(name: object, *, argname: str = "metrics") -> str:
    """Return the canonical name of a metric or alias.

    Parameters
    ----------
    name : str
        A metric name or alias, e.g. ``"true_positive_rate"``.
    argname : str, default="metrics"
        Argument name used in the error message.

    Returns
    -------
    str
        The canonical name, e.g. ``"tpr"``.

    Raises
    ------
    FairnessValueError
        If the name is unknown; the message lists the closest valid names.
    """
    if not isinstance(name, str):
        msg = f"{argname} must hold metric names (str). Got {name!r}."
        raise fail(msg)
    if name in METRICS:
        return name
    if name in ALIASES:
        return ALIASES[name]
    known = sorted([*METRICS, *ALIASES])
    msg = (
        f"unknown metric {name!r} in {argname}.{hint_for(name, known)} "
        f"Known metrics: {', '.join(sorted(METRICS))}."
    )
    raise fail(msg)


@dataclass(frozen=True, slots=True)
class DisparitySpec:
    """A scalar disparity: a difference or ratio of one or more metrics.

    Attributes
    ----------
    name : str
        The name as the user wrote it (canonical for named disparities).
    metrics : tuple of str
        The per-group metrics it compares; with several, the worst one counts
        (largest difference, smallest ratio), as in equalized odds.
    kind : {"difference", "ratio"}
        ``max - min`` (or the distance to the reference group) or
        ``min / max`` (or the ratio to the reference group, folded below 1).
    """

    name: str
    metrics: tuple[str, ...]
    kind: Literal["difference", "ratio"]

    @property
    def higher_is_better(self) -> bool:
        """Whether a larger value means fairer (true for ratios)."""
        return self.kind == "ratio"


# Named criteria; each also exists as <criterion>_difference and _ratio.
CRITERIA: dict[str, tuple[str, ...]] = {
    "demographic_parity": ("selection_rate",),
    "equal_opportunity": ("tpr",),
    "equalized_odds": ("tpr", "fpr"),
    "predictive_parity": ("ppv",),
}

DISPARITIES: tuple[str, ...] = tuple(
    sorted(f"{c}_{k}" for c in CRITERIA for k in ("difference", "ratio"))
)


def resolve_disparity(name: object) -> DisparitySpec:
    """Parse a disparity name into its metrics and kind.

    Accepts the named criteria (``demographic_parity_difference``,
    ``equalized_odds_ratio``, ...) and ``<metric>_difference`` or
    ``<metric>_ratio`` for any metric or alias (``false_positive_rate_difference``,
    ``accuracy_ratio``, ...).

    Parameters
    ----------
    name : str
        The disparity name.

    Returns
    -------
    DisparitySpec
        Its metrics and kind.

    Raises
    ------
    FairnessValueError
        If the name is not a known disparity; the message suggests the closest.
    """
    if isinstance(name, str):
        for kind in ("difference", "ratio"):
            suffix = "_" + kind
            if name.endswith(suffix):
                stem = name[: -len(suffix)]
                if stem in CRITERIA:
                    return DisparitySpec(name, CRITERIA[stem], kind)
                canonical = ALIASES.get(stem, stem)
                if canonical in METRICS:
                    return DisparitySpec(name, (canonical,), kind)
    known = [*DISPARITIES]
    known += [f"{m}_{k}" for m in [*METRICS, *ALIASES] for k in ("difference", "ratio")]
    msg = (
        f"unknown disparity {name!r}.{hint_for(str(name), known)} Use a named "
        f"disparity ({', '.join(DISPARITIES)}) or <metric>_difference / "
        "<metric>_ratio for any metric."
    )
    raise fail(msg)
