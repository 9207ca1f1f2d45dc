"""Bootstrap replicates drawn in chunks give the intervals of one draw.

Kept replicates, replicates drawn again in chunks, and standard errors
accumulated over chunks are three ways to the same intervals: the first two
bit for bit, the third to rounding. Memory stays bounded by the chunk size.
"""

from __future__ import annotations

import dataclasses
import math
import tracemalloc
import warnings

import numpy as np
import pytest

import pytest_fairness as pf
from pytest_fairness.report import _audit, _replicates

NAMES = (
    "demographic_parity_difference",
    "demographic_parity_ratio",
    "equalized_odds_difference",
    "equalized_odds_ratio",
    "predictive_parity_difference",
)


def _report(n_groups=300, n=30000, seed=0, **kwargs):
    rng = np.random.default_rng(seed)
    g = np.column_stack([rng.integers(0, n_groups // 10, n), rng.integers(0, 10, n)])
    y = rng.integers(0, 2, n)
    p = (rng.random(n) < 0.35 + 0.2 * (g[:, 0] % 3 == 0)).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pf.FairnessWarning)
        return pf.audit(
            y, p, sensitive_features=g, confidence=0.95, n_boot=300, **kwargs
        )


def _intervals(report):
    fresh = dataclasses.replace(report)  # empty caches
    out = {}
    for name in NAMES:
        for level in (0.9, 0.99):
            out[name, level] = fresh.interval(name, level=level)
        out[name, "reps"] = fresh._disparity_replicates(
            pf.metrics.resolve_disparity(name),
            tuple(pf.metrics.resolve_disparity(name).metrics),
            None,
        )
    return out


@pytest.mark.parametrize(
    "kwargs",
    [
        {"min_group_size": 20},
        {"min_group_size": 20, "reference": "majority"},
        {"intersectional": False},
        {"min_group_size": 60, "min_denominator": 15},
    ],
)
def test_replicates_drawn_in_chunks_give_the_same_intervals(kwargs, monkeypatch):
    report = _report(**kwargs)
    kept = _intervals(report)
    monkeypatch.setattr(_replicates, "KEEP_BYTES", 0)
    monkeypatch.setattr(_replicates, "CHUNK_BYTES", 50_000)  # 5 replicates a chunk
    chunked = _intervals(report)
    for key, value in kept.items():
        if key[1] == "reps":
            np.testing.assert_array_equal(chunked[key], value)
        else:
            assert chunked[key] == value, key


def test_spreads_accumulated_over_chunks_agree_to_rounding(monkeypatch):
    # 300 groups x 300 replicates: the fair end has one band per group
    report = _report(min_group_size=20)
    kept = _intervals(report)
    monkeypatch.setattr(_replicates, "KEEP_BYTES", 0)
    monkeypatch.setattr(_replicates, "CHUNK_BYTES", 50_000)
    monkeypatch.setattr(_replicates, "FAMILY_BYTES", 0)
    streamed = _intervals(report)
    for key, value in kept.items():
        if key[1] == "reps":
            np.testing.assert_array_equal(streamed[key], value)
        else:
            np.testing.assert_allclose(streamed[key], value, rtol=1e-12, atol=1e-15)


def test_the_memory_of_an_interval_is_bounded_by_the_chunks(monkeypatch):
    report = dataclasses.replace(
        _report(n_groups=1000, n=60000, min_group_size=20), n_boot=1000
    )
    all_cells = report.n_boot * report.n_groups * 4 * 8
    monkeypatch.setattr(_replicates, "KEEP_BYTES", all_cells // 20)
    monkeypatch.setattr(_replicates, "CHUNK_BYTES", all_cells // 20)
    monkeypatch.setattr(_replicates, "FAMILY_BYTES", all_cells // 20)
    fresh = dataclasses.replace(report)
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        low, high = fresh.interval("equalized_odds_difference")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert low <= fresh.equalized_odds_difference <= high
    # all replicates' cells would be all_cells; the chunks need a fraction
    assert peak < all_cells / 2


def test_a_gate_reuses_the_replicates_at_every_holm_level():
    report = _report(min_group_size=20)
    bounds = {name: 0.2 for name in NAMES if name.endswith("difference")}
    result = report.check(bounds)
    fresh = dataclasses.replace(report)
    for r in result.results:
        assert r.interval == fresh.interval(r.bound.metric, level=r.level)
    # the replicates were drawn once: one table of cells in the cache
    assert list(report._boot._cells) == [None]


def test_many_groups_in_disparities_warn(monkeypatch):
    monkeypatch.setattr(_audit, "MANY_GROUPS", 50)
    rng = np.random.default_rng(0)
    g = rng.integers(0, 100, 10000)
    y = rng.integers(0, 2, g.size)
    with pytest.warns(pf.FairnessWarning, match=r"100 groups take part") as seen:
        pf.audit(y, y, sensitive_features=g, confidence=0.95, n_boot=100)
    text = str(seen[0].message)
    assert "standard errors" in text
    assert "100 x 100 multinomial samples" in text
    with warnings.catch_warnings(record=True) as quiet:
        warnings.simplefilter("always")
        pf.audit(y, y, sensitive_features=g, n_boot=100)  # no intervals: no warning
        pf.audit(y, y, sensitive_features=g, confidence=0.95, min_group_size=200)
    assert not [w for w in quiet if "take part" in str(w.message)]


def test_a_disparity_of_no_group_has_no_replicates():
    rng = np.random.default_rng(0)
    g = rng.integers(0, 3, 90)
    y = rng.integers(0, 2, 90)
    with pytest.warns(pf.FairnessWarning):
        report = pf.audit(
            y, y, sensitive_features=g, confidence=0.95, min_group_size=100
        )
    spec = pf.metrics.resolve_disparity("demographic_parity_difference")
    reps = report._disparity_replicates(spec, ("selection_rate",), None)
    assert reps.shape == (report.n_boot,)
    assert np.isnan(reps).all()
    assert all(math.isnan(v) for v in report.interval(spec.name))
