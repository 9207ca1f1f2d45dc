"""Metric invariants: bounds, row order, relabelling, duplication, naive reference."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import pytest_fairness as pf
from pytest_fairness.metrics import METRICS

RATES = [m for m, s in METRICS.items() if s.kind == "binary"]


@st.composite
def datasets(draw):
    n = draw(st.integers(1, 60))
    n_cols = draw(st.integers(1, 3))
    y_true = np.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    y_pred = np.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    cols = {
        f"s{j}": np.array(
            draw(st.lists(st.sampled_from("abc"[: j + 2]), min_size=n, max_size=n))
        )
        for j in range(n_cols)
    }
    weights = draw(
        st.none() | st.lists(st.floats(0.1, 5.0), min_size=n, max_size=n).map(np.array)
    )
    return y_true, y_pred, cols, weights


def _audit(y, p, cols, w):
    return pf.audit(
        y,
        p,
        sensitive_features=cols,
        sample_weight=w,
        min_group_size=1,
        min_denominator=1,
    )


def _naive(y, p, cols, w, metric):
    """Per-group rates computed row by row, the slow obvious way."""
    w = np.ones(len(y)) if w is None else w
    keys = list(zip(*cols.values(), strict=True))
    out = {}
    for key in sorted(set(keys)):
        m = np.array([k == key for k in keys])
        yt, yp, ww = y[m], p[m], w[m]
        tp = ww[(yt == 1) & (yp == 1)].sum()
        fp = ww[(yt == 0) & (yp == 1)].sum()
        fn = ww[(yt == 1) & (yp == 0)].sum()
        tn = ww[(yt == 0) & (yp == 0)].sum()
        num, den = {
            "selection_rate": (tp + fp, ww.sum()),
            "tpr": (tp, tp + fn),
            "fpr": (fp, fp + tn),
            "ppv": (tp, tp + fp),
            "accuracy": (tp + tn, ww.sum()),
        }[metric]
        out[key] = num / den if den > 0 else math.nan
    return out


def _same(a, b):
    return (math.isnan(a) and math.isnan(b)) or math.isclose(
        a, b, rel_tol=1e-9, abs_tol=1e-12
    )


@settings(max_examples=60, deadline=None)
@given(datasets())
def test_rates_lie_in_unit_interval_and_match_naive(case):
    y, p, cols, w = case
    report = _audit(y, p, cols, w)
    for metric in RATES:
        values = report.by_group[metric].to_numpy()
        finite = values[~np.isnan(values)]
        assert ((finite >= 0) & (finite <= 1)).all()
    for metric in ["selection_rate", "tpr", "fpr", "ppv", "accuracy"]:
        naive = _naive(y, p, cols, w, metric)
        ours = report.values(metric)
        assert set(ours) == set(naive)
        assert all(_same(ours[k], naive[k]) for k in ours)


@settings(max_examples=40, deadline=None)
@given(datasets(), st.randoms(use_true_random=False))
def test_invariant_to_row_order(case, rnd):
    y, p, cols, w = case
    order = np.array(rnd.sample(range(len(y)), len(y)))
    a = _audit(y, p, cols, w)
    b = _audit(
        y[order],
        p[order],
        {k: v[order] for k, v in cols.items()},
        None if w is None else w[order],
    )
    for name, d in a.disparities().items():
        assert _same(d.value, b.disparity(name).value)


@settings(max_examples=40, deadline=None)
@given(datasets())
def test_invariant_to_relabelling_groups(case):
    y, p, cols, w = case
    renamed = {k: np.char.add("group-", v[::-1].copy()[::-1]) for k, v in cols.items()}
    a = _audit(y, p, cols, w)
    b = _audit(y, p, renamed, w)
    for name, d in a.disparities().items():
        assert _same(d.value, b.disparity(name).value)


@settings(max_examples=40, deadline=None)
@given(datasets())
def test_duplicating_rows_equals_doubling_weights(case):
    y, p, cols, w = case
    base = np.ones(len(y)) if w is None else w
    a = _audit(
        np.tile(y, 2),
        np.tile(p, 2),
        {k: np.tile(v, 2) for k, v in cols.items()},
        np.tile(base, 2),
    )
    b = _audit(y, p, cols, base * 2)
    for metric in RATES:
        assert all(_same(a.values(metric)[k], v) for k, v in b.values(metric).items())
    for name, d in a.disparities().items():
        assert _same(d.value, b.disparity(name).value)


@settings(max_examples=40, deadline=None)
@given(datasets())
def test_difference_and_ratio_bounds(case):
    y, p, cols, w = case
    report = _audit(y, p, cols, w)
    for d in report.disparities().values():
        if not math.isnan(d.value):
            assert 0 <= d.value <= 1
            if d.kind == "difference":
                assert d.value == d.high.value - d.low.value
