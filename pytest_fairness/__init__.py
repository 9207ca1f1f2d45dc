"""pytest-fairness: fairness tests beside your unit tests.

Importing the package is cheap: the public names load on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from pytest_fairness._version import __version__

if TYPE_CHECKING:
    import pytest

    from pytest_fairness._tradeoff import (
        InterventionComparison,
        assert_tradeoff,
        compare_interventions,
    )
    from pytest_fairness.exceptions import (
        BaselineError,
        FairnessError,
        FairnessGateFailure,
        FairnessValueError,
        FairnessWarning,
    )
    from pytest_fairness.gates import Bound, BoundResult, GateResult
    from pytest_fairness.metrics import Disparity, GroupValue
    from pytest_fairness.plugin import FairnessFixture
    from pytest_fairness.report import FairnessReport, audit

    fairness_gate: pytest.MarkDecorator

__all__ = [
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

_LAZY = {
    "InterventionComparison": "pytest_fairness._tradeoff",
    "assert_tradeoff": "pytest_fairness._tradeoff",
    "compare_interventions": "pytest_fairness._tradeoff",
    "audit": "pytest_fairness.report",
    "FairnessReport": "pytest_fairness.report",
    "Bound": "pytest_fairness.gates",
    "BoundResult": "pytest_fairness.gates",
    "GateResult": "pytest_fairness.gates",
    "Disparity": "pytest_fairness.metrics",
    "GroupValue": "pytest_fairness.metrics",
    "BaselineError": "pytest_fairness.exceptions",
    "FairnessError": "pytest_fairness.exceptions",
    "FairnessGateFailure": "pytest_fairness.exceptions",
    "FairnessValueError": "pytest_fairness.exceptions",
    "FairnessWarning": "pytest_fairness.exceptions",
    "FairnessFixture": "pytest_fairness.plugin",
}


def __getattr__(name: str) -> Any:
    if name == "fairness_gate":
        import pytest  # noqa: PLC0415 - loaded on first use

        return pytest.mark.fairness_gate
    module = _LAZY.get(name)
    if module is None:
        msg = f"module 'pytest_fairness' has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
