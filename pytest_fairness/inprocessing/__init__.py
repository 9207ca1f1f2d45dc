"""In-processing: build fairness into training, and choose a point on the trade-off.

Estimators follow the scikit-learn API and take ``sensitive_features=`` as fit
metadata (or read the sensitive columns of ``X`` named by
``sensitive_feature_ids``); groups are the intersections of every sensitive
column.
"""

from __future__ import annotations

from pytest_fairness._optional import import_optional

import_optional("sklearn", extra="mitigation", purpose="in-processing estimators")

from pytest_fairness.inprocessing._adversarial import (  # noqa: E402
    AdversarialDebiasingClassifier,
)
from pytest_fairness.inprocessing._pareto import (  # noqa: E402
    ParetoSweep,
    SweepPoint,
    pareto_sweep,
)
from pytest_fairness.inprocessing._reductions import ReductionsClassifier  # noqa: E402
from pytest_fairness.inprocessing._regularized import (  # noqa: E402
    FairnessRegularizedClassifier,
)

__all__ = [
    "AdversarialDebiasingClassifier",
    "FairnessRegularizedClassifier",
    "ParetoSweep",
    "ReductionsClassifier",
    "SweepPoint",
    "pareto_sweep",
]
