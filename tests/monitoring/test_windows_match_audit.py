"""Every windowed value equals pf.audit on that window's rows, on every engine."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

import pytest_fairness as pf
from pytest_fairness.monitoring import monitor

METRICS = [
    "demographic_parity_difference",
    "demographic_parity_ratio",
    "equal_opportunity_difference",
    "equalized_odds_difference",
]
KW: dict[str, Any] = {
    "time": "ts",
    "freq": "W",
    "y_pred": "approved",
    "y_true": "repaid",
    "sensitive_features": ["sex", "race"],
    "metrics": METRICS,
    "min_group_size": 20,
}


@pytest.fixture(scope="module")
def log(make_log) -> pd.DataFrame:
    # 6 weeks; labels stop arriving during the last week
    return make_log(n=6_000, days=42, seed=3, unlabelled_after=39)


@pytest.fixture(scope="module")
def parquet(log, tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("log") / "log.parquet"
    log.to_parquet(path, index=False)
    return str(path)


@pytest.fixture(scope="module")
def expected(log) -> pd.DataFrame:
    return monitor(log, **KW).windows


def _window_rows(log: pd.DataFrame, start: pd.Timestamp) -> pd.DataFrame:
    end = start + pd.Timedelta(days=7)
    return log[(log["ts"] >= start) & (log["ts"] < end)]


def _audit(rows: pd.DataFrame, **kw: Any) -> pf.FairnessReport:
    return pf.audit(
        data=rows,
        y_true="repaid",
        y_pred="approved",
        sensitive_features=["sex", "race"],
        min_group_size=20,
        **kw,
    )


def test_each_window_is_the_audit_of_its_rows(log, expected):
    assert len(expected) == 6 * len(METRICS)
    for start, rows in expected.groupby("window_start"):
        window = _window_rows(log, start)
        labelled = window[window["repaid"].notna()]
        full = len(labelled) == len(window)
        outcomes = _audit(labelled.astype({"repaid": int}), confidence=0.95)
        decisions = _audit(window.assign(repaid=0), confidence=0.95)
        assert rows["rows"].iloc[0] == len(window)
        assert rows["labelled"].iloc[0] == len(labelled)
        for row in rows.itertuples():
            report = (
                decisions
                if row.metric.startswith("demographic") and not full
                else outcomes
            )
            share = len(labelled) / len(window)
            if not row.metric.startswith("demographic") and share < 0.9:
                assert math.isnan(row.value)
                assert "labels known for" in row.note
                continue
            d = report.disparity(row.metric)
            assert row.value == pytest.approx(d.value, rel=1e-12, abs=1e-12)
            assert row.n_compared == d.n_compared
            assert {row.group_low, row.group_high} == {
                ", ".join(map(str, d.low.group)),
                ", ".join(map(str, d.high.group)),
            }
            if full:  # the same cells: the same bootstrap, the same interval
                assert (row.low, row.high) == pytest.approx(d.interval, rel=1e-12)
    # the last week lost most of its labels: its label metrics are skipped
    last = expected[expected["window_start"] == expected["window_start"].max()]
    assert last["labelled"].iloc[0] < last["rows"].iloc[0]


def test_group_rates_are_the_audits(log):
    result = monitor(log, **KW)
    g = result.groups
    start = g["window_start"].min()
    report = _audit(_window_rows(log, start).astype({"repaid": int}), confidence=0.95)
    table = report.by_group
    sel = g[(g["window_start"] == start) & (g["metric"] == "tpr")].set_index(
        ["sex", "race"]
    )
    for group, row in table.iterrows():
        assert sel.loc[group, "value"] == pytest.approx(row["tpr"], rel=1e-12)
        assert sel.loc[group, "low"] == pytest.approx(row["tpr_low"], rel=1e-12)
        assert sel.loc[group, "rows"] == row["count"]


def _compare(result_windows: pd.DataFrame, expected: pd.DataFrame) -> None:
    got = result_windows.assign(
        window_start=result_windows["window_start"].dt.tz_localize(None)
    )
    if got["window_start"].dt.tz is not None:  # pragma: no cover - localized above
        got = got.assign(window_start=got["window_start"].dt.tz_convert(None))
    cols = [
        "value",
        "low",
        "high",
        "rows",
        "labelled",
        "n_compared",
        "drift_z",
        "drift_cusum",
    ]
    pd.testing.assert_frame_equal(
        got[["window_start", "metric", *cols]].reset_index(drop=True),
        expected[["window_start", "metric", *cols]].reset_index(drop=True),
        check_dtype=False,
        rtol=1e-12,
    )


def _engines(parquet: str) -> dict[str, Any]:
    import duckdb
    import polars as pl
    import pyarrow.parquet as pq

    return {
        "polars": pl.read_parquet(parquet),
        "polars-lazy": pl.scan_parquet(parquet),
        "pyarrow": pq.read_table(parquet),
        "duckdb": duckdb.connect().read_parquet(parquet),
    }


@pytest.mark.parametrize("engine", ["polars", "polars-lazy", "pyarrow", "duckdb"])
def test_every_engine_gives_the_pandas_result(engine, parquet, expected):
    data = _engines(parquet)[engine]
    _compare(monitor(data, **KW).windows, expected)


def test_spark_gives_the_pandas_result(spark, parquet, expected, log):
    frame = spark.read.parquet(parquet)
    result = monitor(frame, **KW)
    _compare(result.windows, expected)
    # audit(data=spark frame) counts in Spark too
    report = pf.audit(
        data=frame.where("repaid is not null"),
        y_true="repaid",
        y_pred="approved",
        sensitive_features=["sex", "race"],
    )
    reference = pf.audit(
        data=log[log["repaid"].notna()].astype({"repaid": int}),
        y_true="repaid",
        y_pred="approved",
        sensitive_features=["sex", "race"],
    )
    pd.testing.assert_frame_equal(report.by_group, reference.by_group, rtol=1e-12)


def test_dask_on_a_distributed_scheduler_gives_the_pandas_result(
    dask_client, expected, log
):
    import dask.dataframe as dd

    # from pandas: dask's parquet reader trips a pandas 3.1 deprecation warning
    frame = dd.from_pandas(log, npartitions=3)
    _compare(monitor(frame, **KW).windows, expected)
    labelled = log[log["repaid"].notna()].astype({"repaid": int})
    report = pf.audit(
        data=dd.from_pandas(labelled, npartitions=4),
        y_true="repaid",
        y_pred="approved",
        sensitive_features=["sex", "race"],
        sample_weight="score",
    )
    reference = pf.audit(
        data=labelled,
        y_true="repaid",
        y_pred="approved",
        sensitive_features=["sex", "race"],
        sample_weight="score",
    )
    pd.testing.assert_frame_equal(report.by_group, reference.by_group, rtol=1e-12)


def test_missing_values_are_counted_over_every_dask_partition(dask_client, log):
    import dask.dataframe as dd

    broken = log.assign(race=log["race"].where(np.arange(len(log)) % 1000 != 0))
    frame = dd.from_pandas(broken, npartitions=4)
    with pytest.raises(
        pf.FairnessValueError, match=r"'race' contains 6 missing.*of 6000"
    ):
        pf.audit(
            data=frame,
            y_true="approved",
            y_pred="approved",
            sensitive_features=["sex", "race"],
        )
    with pytest.raises(
        pf.FairnessValueError, match=r"sensitive_features column 'race' contains 6"
    ):
        monitor(frame, **KW)
