"""Bounds on disparities and the verdicts on them (no pytest here)."""

from __future__ import annotations

from pytest_fairness.gates._bounds import Bound, parse_bounds
from pytest_fairness.gates._result import BoundResult, GateResult, evaluate

__all__ = ["Bound", "BoundResult", "GateResult", "evaluate", "parse_bounds"]
