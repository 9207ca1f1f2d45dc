"""audit() and the FairnessReport it returns: per-group metrics and disparities."""

from __future__ import annotations

from pytest_fairness.report._audit import audit
from pytest_fairness.report._report import FairnessReport, GroupTable

__all__ = ["FairnessReport", "GroupTable", "audit"]
