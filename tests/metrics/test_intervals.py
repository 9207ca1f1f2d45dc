"""Intervals on counts: Wilson, Newcombe (published values), the cell bootstrap."""

from __future__ import annotations

import numpy as np
import pytest

from pytest_fairness.metrics import count_binary
from pytest_fairness.metrics._intervals import (
    bootstrap_cells,
    newcombe_interval,
    pair_interval,
    wilson_interval,
)


def test_wilson_matches_the_closed_form():
    # 50/100 at 95%: 0.5 +- 1.96 * sqrt(0.25/100 + 1.96**2/40000) / (1 + 1.96**2/100)
    low, high = wilson_interval(
        np.array([0.5, 0.0, np.nan]), np.array([100.0, 10, 5]), 0.95
    )
    assert low[0] == pytest.approx(0.40383, abs=1e-5)
    assert high[0] == pytest.approx(0.59617, abs=1e-5)
    # stays inside [0, 1] where the Wald interval would not
    assert low[1] == pytest.approx(0.0, abs=1e-12)
    assert high[1] == pytest.approx(0.27753, abs=1e-5)
    assert np.isnan(low[2])


def test_newcombe_reproduces_the_published_example():
    # Newcombe (1998), Statistics in Medicine 17:873-890, table II, example (a):
    # 56/70 vs 48/80, difference 0.2000, method 10 interval 0.0524 to 0.3339.
    low, high = newcombe_interval(48 / 80, 80, 56 / 70, 70, 0.95)
    assert low == pytest.approx(0.0524, abs=1e-4)
    assert high == pytest.approx(0.3339, abs=1e-4)


def _counts(n_per_group, rates, seed=0):
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(len(rates)), n_per_group).astype(np.intp)
    y = rng.integers(0, 2, g.size).astype(np.uint8)
    p = (rng.random(g.size) < np.asarray(rates)[g]).astype(np.uint8)
    return count_binary(g, len(rates), y, p)


def test_bootstrap_keeps_group_sizes_and_cell_shares():
    counts = _counts(500, [0.3, 0.6])
    reps = bootstrap_cells(counts, 4000, np.random.default_rng(1))
    assert reps.shape == (4000, 2, 4)
    np.testing.assert_array_equal(reps.sum(axis=2), np.tile(counts.rows, (4000, 1)))
    np.testing.assert_allclose(reps.mean(axis=0), counts.cells, rtol=0.02)


def test_bootstrap_is_deterministic_and_independent_of_row_count():
    small = _counts(1000, [0.3, 0.6])
    a = bootstrap_cells(small, 200, np.random.default_rng(7))
    b = bootstrap_cells(small, 200, np.random.default_rng(7))
    np.testing.assert_array_equal(a, b)
    big = _counts(100_000, [0.3, 0.6])
    assert bootstrap_cells(big, 200, np.random.default_rng(7)).shape == a.shape


def test_pair_interval_folds_a_sign_change_to_parity():
    values = np.column_stack([np.linspace(0.4, 0.6, 101), np.full(101, 0.5)])
    low, high = pair_interval(values, 1, 0, "difference", 0.9)
    assert low == 0.0
    assert high == pytest.approx(0.09, abs=0.01)
    low, high = pair_interval(values, 0, 1, "ratio", 0.9)
    assert high == 1.0
    assert low < 1.0
