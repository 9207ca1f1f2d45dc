"""Prediction logs for the monitoring tests, and the engines that hold them."""

from __future__ import annotations

import shutil
from typing import Any

import numpy as np
import pandas as pd
import pytest

START = pd.Timestamp("2024-01-01")


def _make_log(
    *,
    n: int = 20_000,
    days: int = 84,
    seed: int = 0,
    rates: dict[str, float] | None = None,
    shift: dict[str, float] | None = None,
    shift_from: int | None = None,
    unlabelled_after: int | None = None,
    race: bool = True,
) -> pd.DataFrame:
    """A log of loan decisions: one row per applicant and day.

    ``rates`` are the approval rates of each sex; ``shift`` moves them from
    day ``shift_from`` on. Labels after day ``unlabelled_after`` are missing.
    """
    rng = np.random.default_rng(seed)
    rates = rates or {"female": 0.58, "male": 0.76}
    day = np.sort(rng.integers(0, days, n))
    sex = rng.choice(["female", "male"], n)
    p = np.where(sex == "male", rates["male"], rates["female"])
    if shift and shift_from is not None:
        later = day >= shift_from
        for level, delta in shift.items():
            p = np.where(later & (sex == level), p + delta, p)
    approved = (rng.random(n) < p).astype(np.int64)
    repaid = (rng.random(n) < np.where(approved == 1, 0.8, 0.5)).astype(np.int64)
    seconds = rng.integers(0, 86_400, n)
    frame = pd.DataFrame(
        {
            "ts": START
            + pd.to_timedelta(day, unit="D")
            + pd.to_timedelta(seconds, unit="s"),
            "sex": sex,
            "approved": approved,
            "repaid": pd.array(repaid, dtype="Int64"),
            "score": np.clip(p + rng.normal(0, 0.15, n), 0, 1),
        }
    )
    if race:
        frame["race"] = rng.choice(["black", "white", "asian"], n, p=[0.3, 0.6, 0.1])
    if unlabelled_after is not None:
        frame.loc[day > unlabelled_after, "repaid"] = pd.NA
    return frame


@pytest.fixture(scope="session")
def make_log() -> Any:
    """The log maker (a fixture: test modules import no conftest)."""
    return _make_log


def java_missing() -> bool:
    return shutil.which("java") is None


@pytest.fixture(scope="session")
def spark() -> Any:
    """One local Spark session for the whole run (it takes ~15 s to start)."""
    if java_missing():
        pytest.skip("PySpark tests need Java (a JRE 17) on the PATH")
    pyspark_sql = pytest.importorskip(
        "pyspark.sql", reason="needs pyspark (the spark extra)"
    )
    session = (
        pyspark_sql.SparkSession.builder.master("local[2]")
        .appName("pytest-fairness-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def dask_client() -> Any:
    """A distributed scheduler in this process (threads: no new interpreters)."""
    distributed = pytest.importorskip("distributed", reason="needs dask[distributed]")
    cluster = distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    )
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()
