"""The audit: per-group metrics and disparities in a FairnessReport."""

from __future__ import annotations

from pytest_fairness.audit._audit import audit
from pytest_fairness.audit._report import FairnessReport, GroupTable

__all__ = ["FairnessReport", "GroupTable", "audit"]
