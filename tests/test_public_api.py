"""The public API is pinned: changing it is a reviewed decision."""

from __future__ import annotations

import dataclasses
import importlib
import inspect

from numpydoc.validate import validate

import pytest_fairness as pf

EXPECTED = [
    "BaselineError",
    "Bound",
    "BoundResult",
    "Disparity",
    "FairnessError",
    "FairnessFixture",
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


# -- numpydoc ----------------------------------------------------------------------
PUBLIC_MODULES = [
    "pytest_fairness",
    "pytest_fairness.baseline",
    "pytest_fairness.causal",
    "pytest_fairness.datasets",
    "pytest_fairness.gates",
    "pytest_fairness.inprocessing",
    "pytest_fairness.metrics",
    "pytest_fairness.plugin",
    "pytest_fairness.postprocessing",
    "pytest_fairness.preprocessing",
    "pytest_fairness.strategies",
]
# What numpydoc checks here: a docstring (GL08), every parameter documented and
# none unknown (PR01, PR02), a Returns section when something is returned
# (RT01), a summary line (SS01, SS05). Dataclasses document their fields under
# "Attributes" and are checked for GL08 and SS01 only.
CODES = {"GL08", "PR01", "PR02", "RT01", "SS01", "SS05"}
DATACLASS_CODES = {"GL08", "SS01"}


def _public_objects() -> list[tuple[str, object]]:
    found: dict[str, object] = {}
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            obj = getattr(module, name)
            if not (inspect.isclass(obj) or inspect.isfunction(obj)):
                continue  # constants, the marker object, type aliases
            found.setdefault(f"{module_name}.{name}", obj)
            if inspect.isclass(obj):
                for attr, value in vars(obj).items():
                    if attr.startswith("_"):
                        continue
                    if inspect.isfunction(value) or isinstance(
                        value, property | classmethod | staticmethod
                    ):
                        found.setdefault(f"{module_name}.{name}.{attr}", value)
    return sorted(found.items())


def test_public_functions_classes_and_methods_have_numpydoc_docstrings():
    objects = _public_objects()
    assert len(objects) > 150  # the walk found the API, not an empty list
    problems = []
    for path, obj in objects:
        codes = DATACLASS_CODES if dataclasses.is_dataclass(obj) else CODES
        if isinstance(obj, property):
            codes = codes - {"RT01"}  # a property documents its value, not a return
        for code, message in validate(path)["errors"]:
            if code in codes:
                problems.append(f"{path}: {code} {message}")
    assert not problems, "\n".join(problems)
