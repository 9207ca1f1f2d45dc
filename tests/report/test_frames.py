"""The column-name form aggregates inside the engine, with the same result."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pytest

import pytest_fairness as pf
from pytest_fairness.report._frames import aggregate_in_engine

KW = {"y_true": "y", "y_pred": "p", "sensitive_features": ["sex", "race"]}


@pytest.fixture
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 5000
    return pd.DataFrame(
        {
            "y": rng.integers(0, 2, n),
            "p": rng.integers(0, 2, n),
            "sex": rng.choice(["f", "m"], n),
            "race": rng.choice(["a", "b", "c"], n),
            "w": rng.uniform(0.5, 2.0, n),
        }
    )


def _polars(df: pd.DataFrame) -> pl.DataFrame:
    return pl.DataFrame({c: df[c].to_numpy() for c in df.columns})


@pytest.mark.parametrize("lazy", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_polars_aggregation_equals_the_in_memory_audit(frame, lazy, weighted):
    w = "w" if weighted else None
    expected = pf.audit(data=frame, sample_weight=w, confidence=0.95, **KW)
    data = _polars(frame).lazy() if lazy else _polars(frame)
    report = pf.audit(data=data, sample_weight=w, confidence=0.95, **KW)
    pd.testing.assert_frame_equal(report.by_group, expected.by_group, rtol=1e-12)
    assert report.n_rows == len(frame)
    assert report.interval("equalized_odds_difference") == pytest.approx(
        expected.interval("equalized_odds_difference"), rel=1e-12
    )


def test_only_the_combinations_come_back(frame):
    agg = aggregate_in_engine(
        _polars(frame),
        y_true="y",
        y_pred="p",
        sensitive=["sex", "race"],
        sample_weight="w",
    )
    assert agg is not None
    assert len(agg.rows) == 2 * 2 * 2 * 3  # y x p x sex x race
    assert agg.rows.sum() == len(frame)
    assert agg.weight is not None
    assert agg.weight.sum() == pytest.approx(frame["w"].sum())
    assert (
        aggregate_in_engine(
            frame, y_true="y", y_pred="p", sensitive=["sex"], sample_weight=None
        )
        is None
    )  # pandas is audited in memory


def test_duckdb_relation(frame):
    duckdb = pytest.importorskip("duckdb")
    con = duckdb.connect()
    con.execute("create table t (y integer, p integer, sex varchar, race varchar)")
    con.executemany(
        "insert into t values (?, ?, ?, ?)",
        frame[["y", "p", "sex", "race"]].head(600).astype(object).values.tolist(),
    )
    expected = pf.audit(data=frame.head(600), min_group_size=1, min_denominator=1, **KW)
    report = pf.audit(data=con.table("t"), min_group_size=1, min_denominator=1, **KW)
    pd.testing.assert_frame_equal(report.by_group, expected.by_group, rtol=1e-12)


def test_missing_values_are_counted_in_the_engine(frame):
    data = _polars(frame).with_columns(
        pl.when(pl.int_range(pl.len()) < 3)
        .then(None)
        .otherwise(pl.col("race"))
        .alias("race")
    )
    with pytest.raises(
        pf.FairnessValueError, match=r"'race' contains 3 missing.*of 5000"
    ):
        pf.audit(data=data.lazy(), **KW)
    with pytest.raises(pf.FairnessValueError, match=r"y_true='yy' is not a column"):
        pf.audit(data=data, y_true="yy", y_pred="p", sensitive_features=["sex"])
