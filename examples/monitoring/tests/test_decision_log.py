"""Last weeks' loan decisions stay fair: the scheduled monitoring job."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pytest_fairness.datasets import make_loan_applications
from pytest_fairness.monitoring import monitor

WEEKS_WATCHED = 4


def synthetic_log() -> pd.DataFrame:
    """Twenty weeks of the reference scenario's decisions, 2,000 a week."""
    log = make_loan_applications(20 * 2_000, random_state=0)
    days = np.sort(np.random.default_rng(0).integers(0, 20 * 7, len(log)))
    log["decided_at"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(days, unit="D")
    return log


@pytest.fixture(scope="module")
def decision_log():
    source = os.environ.get("FAIRNESS_DECISION_LOG")
    if not source:
        return synthetic_log()
    import duckdb

    # lazy: the rows stay in DuckDB, only counts per week and group come back
    return duckdb.connect().read_parquet(source)


def test_last_weeks_decisions_stay_fair(fairness, decision_log):
    result = monitor(
        decision_log,
        time="decided_at",
        freq="W",
        y_pred="approved",
        sensitive_features=["gender", "race"],
        bounds={"demographic_parity_difference": 0.4},
    )
    Path("monitoring.html").write_text(result.to_html())
    prometheus = os.environ.get("FAIRNESS_PROMETHEUS_FILE")
    if prometheus:
        result.to_prometheus(prometheus, labels={"model": "loan"})
    fairness.check_monitor(result, fail_on=("bound", "drift"), last=WEEKS_WATCHED)
