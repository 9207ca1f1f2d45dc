"""scikit-learn's common checks on every in-processing estimator.

The estimators need sensitive features, so the checks run on instances that
read them from column 0 of ``X`` (``sensitive_feature_ids=0``). The checks'
data are continuous, so every distinct value of column 0 is its own group:
a hard case for the penalties and the reductions, and a fast one to set up.
"""

from __future__ import annotations

import importlib.util

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from pytest_fairness.inprocessing import (
    AdversarialDebiasingClassifier,
    FairnessRegularizedClassifier,
    ReductionsClassifier,
)

# Waivers shared by every estimator that reads its groups from column 0.
SENSITIVE_COLUMN_0 = {
    "check_dtype_object": (
        "column 0 holds the sensitive feature, whose values are group labels "
        "(strings are welcome there); the check puts an unhashable dict in it, "
        "which fails in group encoding with 'unhashable type' rather than "
        "numpy's float-conversion message"
    ),
    "check_estimators_nan_inf": (
        "the check puts NaN in X[0, 0] only, i.e. in the sensitive column, "
        "which predict does not use (groups matter at fit time only); NaN in "
        "any model input is rejected"
    ),
}

ESTIMATORS = [
    FairnessRegularizedClassifier(
        lambda_dp=0.1, lambda_eo=0.1, sensitive_feature_ids=0
    ),
    ReductionsClassifier(method="grid_search", sensitive_feature_ids=0),
    # max_iter=5 (fairlearn's minimum number of iterations) keeps each fit
    # under a second with one group per row
    ReductionsClassifier(max_iter=5, sensitive_feature_ids=0),
]
if importlib.util.find_spec("torch") is not None:  # the optional torch extra
    ESTIMATORS.append(
        AdversarialDebiasingClassifier(epochs=20, sensitive_feature_ids=0)
    )


def _expected_failed_checks(estimator: object) -> dict[str, str]:
    return SENSITIVE_COLUMN_0


@pytest.mark.filterwarnings(
    # sklearn's checks fit on tiny or odd data where L-BFGS may stop at
    # max_iter; the checks themselves decide what matters there
    "ignore::sklearn.exceptions.ConvergenceWarning"
)
@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    check(estimator)
