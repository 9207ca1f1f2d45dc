"""Adjust the decisions of a trained model per group (the "Adjust" stage).

Meta-estimators around a fitted (``prefit=True``) or unfitted scikit-learn
classifier. Each takes ``sensitive_features=`` at fit, predict and score
time, so scikit-learn's metadata routing passes the groups through a
Pipeline, ``cross_val_score`` and ``GridSearchCV``; or reads them from the
columns of ``X`` named by ``sensitive_feature_ids``. Requires the
``mitigation`` extra (scikit-learn).
"""

from __future__ import annotations

from pytest_fairness.postprocessing._calibrated_eo import CalibratedEqualizedOdds
from pytest_fairness.postprocessing._calibration import (
    GroupCalibrator,
    SigmoidCalibration,
)
from pytest_fairness.postprocessing._reject_option import RejectOptionClassifier
from pytest_fairness.postprocessing._threshold import GroupThresholdOptimizer

__all__ = [
    "CalibratedEqualizedOdds",
    "GroupCalibrator",
    "GroupThresholdOptimizer",
    "RejectOptionClassifier",
    "SigmoidCalibration",
]
