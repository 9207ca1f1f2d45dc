"""The numeric core: group codes, per-group counts, metrics and disparities.

Every metric is a function of :class:`GroupCounts`, the weighted confusion
cells of each group counted with one ``np.bincount``.
"""

from __future__ import annotations

from pytest_fairness.metrics._counts import GroupCounts, count_binary, count_regression
from pytest_fairness.metrics._disparity import (
    Disparity,
    GroupValue,
    LostLevel,
    compute_disparity,
)
from pytest_fairness.metrics._encode import combine_codes
from pytest_fairness.metrics._rates import metric_values, rate_parts
from pytest_fairness.metrics._registry import (
    ALIASES,
    DEFINITION_VERSION,
    DISPARITIES,
    METRICS,
    DisparitySpec,
    MetricSpec,
    denominator_noun,
    is_partial_rate,
    resolve_disparity,
    resolve_metric,
)
from pytest_fairness.metrics._scores import auc_by_group, score_sums

__all__ = [
    "ALIASES",
    "DEFINITION_VERSION",
    "DISPARITIES",
    "METRICS",
    "Disparity",
    "DisparitySpec",
    "GroupCounts",
    "GroupValue",
    "LostLevel",
    "MetricSpec",
    "auc_by_group",
    "combine_codes",
    "compute_disparity",
    "count_binary",
    "count_regression",
    "denominator_noun",
    "is_partial_rate",
    "metric_values",
    "rate_parts",
    "resolve_disparity",
    "resolve_metric",
    "score_sums",
]
