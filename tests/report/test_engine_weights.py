"""Engine-side aggregation, with and without weights, on every backend.

pyarrow refuses a group-by aggregation of an expression (the sum of ``w * w``);
the squared weights are now a column computed before the group-by, so the
same counts come back from pandas, polars, pyarrow and DuckDB as from numpy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import narwhals as nw
import numpy as np
import pandas as pd
import polars as pl
import pytest

import pytest_fairness as pf
from pytest_fairness.metrics import combine_codes
from pytest_fairness.report._frames import aggregate_frame, aggregate_in_engine

if TYPE_CHECKING:
    from collections.abc import Callable

pa = pytest.importorskip("pyarrow")
duckdb = pytest.importorskip("duckdb")

KW: dict[str, Any] = {
    "y_true": "y",
    "y_pred": "p",
    "sensitive_features": ["sex", "race"],
}
RTOL = 1e-12  # sums of the same float weights in another order


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 3000
    return pd.DataFrame(
        {
            "y": rng.integers(0, 2, n),
            "p": rng.integers(0, 2, n),
            "sex": rng.choice(["f", "m"], n),
            "race": rng.choice(["a", "b", "c"], n),
            "w": rng.uniform(0.1, 3.0, n),
        }
    )


def _polars(df: pd.DataFrame) -> pl.DataFrame:
    return pl.DataFrame({c: df[c].to_numpy() for c in df.columns})


def _arrow(df: pd.DataFrame) -> Any:
    return pa.table({c: df[c].to_numpy() for c in df.columns})


def _duckdb(df: pd.DataFrame) -> Any:
    return duckdb.connect().from_arrow(_arrow(df))


BACKENDS: dict[str, Callable[[pd.DataFrame], Any]] = {
    "pandas": lambda df: df,
    "polars": _polars,
    "polars-lazy": lambda df: _polars(df).lazy(),
    "pyarrow": _arrow,
    "duckdb": _duckdb,
}


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _numpy_counts(
    df: pd.DataFrame, weighted: bool
) -> dict[tuple[Any, ...], tuple[int, float, float]]:
    """(y, p, sex, race) -> (rows, sum of w, sum of w^2), by a plain bincount."""
    keys = ["y", "p", "sex", "race"]
    codes, levels = [], []
    for k in keys:
        lv, c = np.unique(df[k].to_numpy(), return_inverse=True)
        codes.append(c)
        levels.append(lv)
    combined, table = combine_codes(codes, [len(lv) for lv in levels])
    w = df["w"].to_numpy() if weighted else np.ones(len(df))
    size = table.shape[0]
    rows = np.bincount(combined, minlength=size)
    sw = np.bincount(combined, weights=w, minlength=size)
    sw2 = np.bincount(combined, weights=w * w, minlength=size)
    return {
        tuple(_plain(levels[j][table[i, j]]) for j in range(len(keys))): (
            int(rows[i]),
            float(sw[i]),
            float(sw2[i]),
        )
        for i in np.flatnonzero(rows)
    }


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("backend", list(BACKENDS))
def test_engine_counts_equal_the_numpy_counts(frame, backend, weighted):
    native = BACKENDS[backend](frame)
    agg = aggregate_frame(
        nw.from_native(native),
        y_true="y",
        y_pred="p",
        sensitive=["sex", "race"],
        sample_weight="w" if weighted else None,
    )
    expected = _numpy_counts(frame, weighted)
    got = {
        (
            _plain(agg.y_true[i]),
            _plain(agg.y_pred[i]),
            _plain(agg.sensitive["sex"][i]),
            _plain(agg.sensitive["race"][i]),
        ): i
        for i in range(len(agg.rows))
    }
    assert set(got) == set(expected)
    for key, i in got.items():
        rows, sw, sw2 = expected[key]
        assert agg.rows[i] == rows
        if weighted:
            assert agg.weight is not None
            assert agg.weight_sq is not None
            assert agg.weight[i] == pytest.approx(sw, rel=RTOL)
            assert agg.weight_sq[i] == pytest.approx(sw2, rel=RTOL)
        else:
            assert agg.weight is None
            assert agg.weight_sq is None


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("backend", list(BACKENDS))
def test_audit_of_every_backend_equals_the_array_audit(frame, backend, weighted):
    expected = pf.audit(
        frame["y"].to_numpy(),
        frame["p"].to_numpy(),
        sensitive_features={
            "sex": frame["sex"].to_numpy(),
            "race": frame["race"].to_numpy(),
        },
        sample_weight=frame["w"].to_numpy() if weighted else None,
        confidence=0.95,
    )
    report = pf.audit(
        data=BACKENDS[backend](frame),
        sample_weight="w" if weighted else None,
        confidence=0.95,
        **KW,
    )
    pd.testing.assert_frame_equal(report.by_group, expected.by_group, rtol=RTOL)
    assert report.n_rows == len(frame)
    assert report.demographic_parity_difference == pytest.approx(
        expected.demographic_parity_difference, rel=RTOL
    )
    assert report.interval("equalized_odds_difference") == pytest.approx(
        expected.interval("equalized_odds_difference"), rel=RTOL
    )


def test_pyarrow_table_with_weights_is_aggregated_in_the_engine(frame):
    agg = aggregate_in_engine(
        _arrow(frame), y_true="y", y_pred="p", sensitive=["sex"], sample_weight="w"
    )
    assert agg is not None
    assert len(agg.rows) == 2 * 2 * 2  # y x p x sex
    assert agg.rows.sum() == len(frame)
    assert agg.weight is not None
    assert agg.weight_sq is not None
    assert agg.weight.sum() == pytest.approx(frame["w"].sum(), rel=RTOL)
    assert agg.weight_sq.sum() == pytest.approx((frame["w"] ** 2).sum(), rel=RTOL)


@pytest.mark.parametrize("backend", ["pyarrow", "duckdb"])
def test_missing_weights_are_counted_in_the_engine(frame, backend):
    df = frame.copy()
    df.loc[[3, 5], "w"] = np.nan
    native = _arrow(df) if backend == "pyarrow" else _duckdb(df)
    with pytest.raises(
        pf.FairnessValueError, match=r"column 'w' contains 2 missing.*of 3000"
    ):
        pf.audit(data=native, sample_weight="w", **KW)
