"""Missing values in an engine's frame are found in its GROUP BY result.

The aggregation runs one GROUP BY; NULL and NaN keys form groups of their own
and missing weights show in the count of weights, so the small result tells
whether anything is missing, and only then are the missing values counted
per column for the message (the same message as before).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
import pytest

import pytest_fairness as pf
from pytest_fairness.report import _frames

pa = pytest.importorskip("pyarrow")
duckdb = pytest.importorskip("duckdb")

KW: dict[str, Any] = {"y_true": "y", "y_pred": "p", "sensitive_features": ["g", "x"]}


def _frame(n: int = 2000) -> pl.DataFrame:
    rng = np.random.default_rng(3)
    return pl.DataFrame(
        {
            "y": rng.integers(0, 2, n),
            "p": rng.integers(0, 2, n),
            "g": rng.choice(["a", "b"], n),
            "x": rng.integers(0, 3, n).astype(float),
            "w": rng.uniform(0.5, 2.0, n),
        }
    )


def _backends(df: pl.DataFrame) -> dict[str, Any]:
    table = df.to_arrow()
    return {
        "polars": df.lazy(),
        "pyarrow": table,
        "duckdb": duckdb.connect().from_arrow(table),
    }


@pytest.mark.parametrize("backend", ["polars", "pyarrow", "duckdb"])
def test_null_and_nan_keys_are_refused_with_their_count(backend):
    df = _frame().with_columns(
        pl.when(pl.int_range(pl.len()) < 4)
        .then(float("nan"))
        .when(pl.int_range(pl.len()) < 6)
        .then(None)
        .otherwise(pl.col("x"))
        .alias("x")
    )
    with pytest.raises(
        pf.FairnessValueError,
        match=r"sensitive feature 'x' contains 6 missing value\(s\).*of 2000 rows",
    ):
        pf.audit(data=_backends(df)[backend], **KW)


@pytest.mark.parametrize("backend", ["polars", "pyarrow", "duckdb"])
def test_null_weights_are_refused_with_their_count(backend):
    df = _frame().with_columns(
        pl.when(pl.int_range(pl.len()) % 500 == 7)
        .then(None)
        .otherwise(pl.col("w"))
        .alias("w")
    )
    with pytest.raises(
        pf.FairnessValueError, match=r"column 'w' contains 4 missing.*of 2000 rows"
    ):
        pf.audit(data=_backends(df)[backend], sample_weight="w", **KW)


@pytest.mark.parametrize("backend", ["polars", "pyarrow", "duckdb"])
def test_complete_frames_are_read_in_one_pass(backend, monkeypatch):
    def no_second_pass(*_: Any) -> None:
        raise AssertionError

    monkeypatch.setattr(_frames, "_refuse_missing", no_second_pass)
    df = _frame()
    expected = pf.audit(data=df.to_pandas(), sample_weight="w", **KW)
    report = pf.audit(data=_backends(df)[backend], sample_weight="w", **KW)
    np.testing.assert_allclose(
        report.by_group.to_numpy(dtype=float),
        expected.by_group.to_numpy(dtype=float),
        rtol=1e-12,
    )
