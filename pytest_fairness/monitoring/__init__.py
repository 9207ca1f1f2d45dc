"""Continuous monitoring: fairness over windows of a prediction log, with alerts.

The log is counted inside the engine that holds it (DuckDB, Spark, polars,
pyarrow, Dask, pandas); each window is audited as
:func:`pytest_fairness.audit` audits its rows, and compared with a reference
period for bounds, drift and composition.
"""

from __future__ import annotations

from pytest_fairness.monitoring._monitor import monitor
from pytest_fairness.monitoring._result import ALERT_KINDS, MonitorResult

__all__ = ["ALERT_KINDS", "MonitorResult", "monitor"]
