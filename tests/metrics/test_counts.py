"""GroupCounts: one bincount, additive, coarsened by summation."""

from __future__ import annotations

import numpy as np
import pytest

from pytest_fairness.metrics import combine_codes, count_binary, metric_values


def test_counts_add_like_batches():
    rng = np.random.default_rng(0)
    g = rng.integers(0, 5, 1000).astype(np.intp)
    y = rng.integers(0, 2, 1000).astype(np.uint8)
    p = rng.integers(0, 2, 1000).astype(np.uint8)
    whole = count_binary(g.copy(), 5, y, p)
    first = count_binary(g[:400].copy(), 5, y[:400], p[:400])
    second = count_binary(g[400:].copy(), 5, y[400:], p[400:])
    merged = first + second
    np.testing.assert_array_equal(merged.cells, whole.cells)
    np.testing.assert_array_equal(merged.rows, whole.rows)
    np.testing.assert_array_equal(
        metric_values(merged, "tpr"), metric_values(whole, "tpr")
    )
    total = whole.total()
    assert total.rows[0] == 1000
    assert total.cells[0, 3] == ((y == 1) & (p == 1)).sum()
    with pytest.raises(ValueError, match="same groups"):
        _ = whole + count_binary(g.copy(), 6, y, p)


def test_combine_codes_is_row_major_and_compresses_large_products():
    a = np.array([0, 1, 1, 0], dtype=np.intp)
    b = np.array([2, 0, 2, 1], dtype=np.intp)
    group, table = combine_codes([a, b], [2, 3])
    np.testing.assert_array_equal(group, [2, 3, 5, 1])
    np.testing.assert_array_equal(table[group], np.column_stack([a, b]))
    # a product too large for a dense code space is compressed to what occurs
    big = np.array([0, 5000, 9999, 5000], dtype=np.intp)
    group, table = combine_codes([big, big, big], [10000, 10000, 10000])
    assert table.shape[0] < 10000**2  # never the full product
    np.testing.assert_array_equal(table[group], np.column_stack([big, big, big]))
