"""The in-processing public API: pinned names, keyword-only parameters, lazy imports."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

import pytest_fairness.inprocessing as inp

EXPECTED = [
    "AdversarialDebiasingClassifier",
    "FairnessRegularizedClassifier",
    "ParetoSweep",
    "ReductionsClassifier",
    "SweepPoint",
    "pareto_sweep",
]
ESTIMATORS = [
    inp.AdversarialDebiasingClassifier,
    inp.FairnessRegularizedClassifier,
    inp.ReductionsClassifier,
]


def test_all_is_sorted_pinned_and_documented():
    assert inp.__all__ == sorted(inp.__all__) == EXPECTED
    for name in inp.__all__:
        assert inspect.getdoc(getattr(inp, name)), name


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_constructor_parameters_are_keyword_only(cls):
    params = list(inspect.signature(cls.__init__).parameters.values())[1:]
    positional = [p.name for p in params if p.kind is not p.KEYWORD_ONLY]
    # a meta-estimator takes its base estimator first, as scikit-learn's do
    assert positional == (["estimator"] if cls is inp.ReductionsClassifier else [])


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_sensitive_features_is_keyword_only_fit_metadata(cls):
    param = inspect.signature(cls.fit).parameters["sensitive_features"]
    assert param.kind is param.KEYWORD_ONLY
    assert param.default is None


def test_importing_the_stage_loads_neither_torch_nor_matplotlib():
    code = (
        "import sys, pytest_fairness.inprocessing; "
        "print(','.join(m for m in ('torch', 'matplotlib', 'fairlearn') "
        "if m in sys.modules))"
    )
    out = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout.strip()
    assert out == ""
