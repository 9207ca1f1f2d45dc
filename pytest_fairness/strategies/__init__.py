"""Hypothesis strategies that fuzz group compositions and fairness datasets.

Fairness often breaks not on the test set a team happens to have but on
another mix of people: a minority group shrinks, base rates shift, an
intersection appears that was empty before. These strategies draw such mixes
so that a fairness test can say "for any composition with groups of at least
50, the model keeps the TPR gap under 0.05". They need the ``hypothesis``
extra: ``pip install "pytest-fairness[hypothesis]"``.
"""

from __future__ import annotations

from pytest_fairness._optional import import_optional

import_optional("hypothesis", extra="hypothesis", purpose="Hypothesis strategies")

from pytest_fairness.strategies._composition import GroupComposition  # noqa: E402
from pytest_fairness.strategies._compositions import group_compositions  # noqa: E402
from pytest_fairness.strategies._datasets import (  # noqa: E402
    fairness_datasets,
    sensitive_frames,
)
from pytest_fairness.strategies._hook import register as _register  # noqa: E402

_register()  # st.from_type(GroupComposition), as soon as the type can be reached

__all__ = [
    "GroupComposition",
    "fairness_datasets",
    "group_compositions",
    "sensitive_frames",
]
