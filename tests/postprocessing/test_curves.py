"""The geometry behind the randomized search: hulls and exact mixtures."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial import ConvexHull

from pytest_fairness.postprocessing._curves import (
    build_curves,
    convex_vertices,
    mixture_search,
    upper_hull,
)


@pytest.mark.parametrize("seed", range(5))
def test_hulls_have_the_vertices_qhull_finds(seed):
    rng = np.random.default_rng(seed)
    n = 400
    group = np.zeros(n, dtype=np.intp)
    y = (rng.random(n) < 0.5).astype(np.uint8)
    score = np.round(rng.random(n) + 0.4 * y, 2)
    curves = build_curves(group, 1, y, score)
    fpr, tpr = curves.rates("fpr"), curves.rates("tpr")
    ours = set(convex_vertices(fpr, tpr).tolist())
    points = np.column_stack([fpr, tpr])
    ref = {int(i) for i in ConvexHull(points).vertices}
    # qhull names one point per vertex location; ours names the same locations
    assert {tuple(points[i]) for i in ours} == {tuple(points[i]) for i in ref}
    # upper envelope of a concave-then-noisy curve: every other point is below
    x = np.sort(rng.random(200))
    v = np.sin(3 * x) + rng.normal(0, 0.05, 200)
    top = upper_hull(x, v)
    for i in range(200):
        assert v[i] <= np.interp(x[i], x[top], v[top]) + 1e-12


@pytest.mark.parametrize("n_rates", [1, 2])
def test_mixtures_hit_the_common_rates_exactly(n_rates):
    rng = np.random.default_rng(7)
    n = 5000
    group = rng.integers(0, 4, n).astype(np.intp)
    y = (rng.random(n) < 0.3 + 0.1 * group).astype(np.uint8)
    score = 1 / (1 + np.exp(-(rng.normal(size=n) + 1.5 * y - 0.2 * group)))
    curves = build_curves(group, 4, y, score)
    rates = (
        [curves.rates("tpr")]
        if n_rates == 1
        else [
            curves.rates("fpr"),
            curves.rates("tpr"),
        ]
    )
    value = curves.tp - curves.fp
    mix = mixture_search(curves, rates, value, 0.0)
    for k in range(n_rates):
        realised = [
            w @ rates[k][p] for p, w in zip(mix.points, mix.weights, strict=True)
        ]
        assert np.ptp(realised) <= 1e-12
    for p, w in zip(mix.points, mix.weights, strict=True):
        assert w.sum() == pytest.approx(1.0, abs=1e-12)
        assert (w >= 0).all()
        assert len(p) <= n_rates + 1
    # a wider box never lowers the expected objective
    wide = mixture_search(curves, rates, value, 0.05)
    objective = sum(w @ value[p] for p, w in zip(mix.points, mix.weights, strict=True))
    wider = sum(w @ value[p] for p, w in zip(wide.points, wide.weights, strict=True))
    assert wider >= objective - 1e-9
