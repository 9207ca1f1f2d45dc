"""Pre-processing: fix the training data before a model learns from it.

Estimators of the *Prevent* stage. :class:`Reweighing` and :class:`Resampler`
change how much each row counts; :class:`DisparateImpactRemover`,
:class:`GroupStandardizer` and :class:`CorrelationRemover` change the
features so that they no longer reveal the group;
:class:`PrototypeRepresentationLearner` replaces them with a learnt
representation that keeps the label and hides the group. :func:`bias_profile`
describes a dataset (group sizes, base rates, feature associations) before
and after such a transformation. Every estimator takes the groups as
``sensitive_features=`` metadata (routed by scikit-learn's metadata routing
in a ``Pipeline``) or from columns of ``X`` named by
``sensitive_feature_ids``; several sensitive columns mean intersectional
groups.
"""

from __future__ import annotations

from pytest_fairness.preprocessing._bias_profile import bias_profile
from pytest_fairness.preprocessing._correlation import CorrelationRemover
from pytest_fairness.preprocessing._disparate_impact import DisparateImpactRemover
from pytest_fairness.preprocessing._group_standardizer import GroupStandardizer
from pytest_fairness.preprocessing._profile import BiasProfile
from pytest_fairness.preprocessing._prototype import PrototypeRepresentationLearner
from pytest_fairness.preprocessing._resampler import Resampler
from pytest_fairness.preprocessing._reweighing import Reweighing, ReweighingMeta

__all__ = [
    "BiasProfile",
    "CorrelationRemover",
    "DisparateImpactRemover",
    "GroupStandardizer",
    "PrototypeRepresentationLearner",
    "Resampler",
    "Reweighing",
    "ReweighingMeta",
    "bias_profile",
]
