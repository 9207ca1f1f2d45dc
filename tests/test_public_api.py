"""The public API is pinned: changing it is a reviewed decision."""

from __future__ import annotations

import inspect

import pytest_fairness as pf

EXPECTED = [
    "BaselineError",
    "Bound",
    "BoundResult",
    "Disparity",
    "FairnessError",
    "FairnessGateFailure",
    "FairnessReport",
    "FairnessValueError",
    "FairnessWarning",
    "GateResult",
    "GroupValue",
    "InterventionComparison",
    "__version__",
    "assert_tradeoff",
    "audit",
    "compare_interventions",
    "fairness_gate",
]


def test_all_is_sorted_and_pinned():
    assert pf.__all__ == sorted(pf.__all__)
    assert pf.__all__ == EXPECTED


def test_every_public_name_resolves_and_is_documented():
    for name in pf.__all__:
        obj = getattr(pf, name)
        if name in ("__version__", "fairness_gate"):
            continue
        assert inspect.getdoc(obj), name


def test_audit_signature_is_keyword_only_after_the_data():
    params = inspect.signature(pf.audit).parameters
    assert list(params)[:2] == ["y_true", "y_pred"]
    assert all(
        p.kind is inspect.Parameter.KEYWORD_ONLY for p in list(params.values())[2:]
    )


def test_fairness_gate_is_the_pytest_marker():
    assert pf.fairness_gate.name == "fairness_gate"


def test_audit_stays_the_function_after_submodules_load():
    import importlib

    importlib.import_module("pytest_fairness.report._audit")
    assert callable(pf.audit)
    assert pf.audit.__module__ == "pytest_fairness.report._audit"
