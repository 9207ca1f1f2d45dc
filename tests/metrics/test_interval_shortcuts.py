"""Shortcuts of the interval code give the numbers of the long way, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from pytest_fairness.metrics import _intervals
from pytest_fairness.metrics._intervals import wilson_interval, wilson_pair_limits


def _groups(rng, n_groups):
    n = rng.integers(5, 400, n_groups).astype(float)
    k = rng.binomial(n.astype(int), rng.choice([0.0, 0.05, 0.5, 0.9, 1.0], n_groups))
    p = k / n
    if rng.random() < 0.3:  # ties at the extremes
        p[: n_groups // 3] = p.max()
    low, high = wilson_interval(p, n, 0.95)
    eligible = rng.random(n_groups) < 0.9
    return p, low, high, eligible


@pytest.mark.parametrize("kind", ["difference", "ratio"])
def test_pruned_pairs_give_the_same_limits(kind, monkeypatch):
    rng = np.random.default_rng(11)
    for _ in range(60):
        p, low, high, eligible = _groups(rng, int(rng.integers(40, 500)))
        pruned = wilson_pair_limits(p, low, high, eligible, kind, pair=(0, 1))
        with monkeypatch.context() as m:
            m.setattr(_intervals, "_prune", lambda a, b, *_: (a, b))
            every = wilson_pair_limits(p, low, high, eligible, kind, pair=(0, 1))
        np.testing.assert_array_equal(pruned, every)


@pytest.mark.parametrize("kind", ["difference", "ratio"])
def test_group_bands_without_missing_replicates_match_nanstd(kind):
    rng = np.random.default_rng(5)
    for _ in range(40):
        n_boot, n_groups = int(rng.integers(100, 1200)), int(rng.integers(2, 500))
        size = rng.integers(20, 400, n_groups)
        reps = rng.binomial(size, rng.uniform(0.05, 0.95, n_groups), (n_boot, n_groups))
        values = reps / size
        if (values == 0).any():
            continue  # a log of 0: the long way, NaN handling and all
        family = _intervals.Family(values, values.mean(axis=0), np.ones(n_groups, bool))
        fast = _intervals._group_stats(family, kind)
        slow_se = np.nanstd(np.log(values) if kind == "ratio" else values, axis=0)
        np.testing.assert_array_equal(fast[1], slow_se)
