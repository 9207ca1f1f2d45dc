"""Counting by slot, in chunks of rows, gives the counts of one bincount."""

from __future__ import annotations

import numpy as np
import pytest

from pytest_fairness.metrics import combine_codes, count_binary
from pytest_fairness.metrics._counts import count_cells
from pytest_fairness.metrics._encode import combine_into, slot_space


def _columns(rng, n):
    return [
        (rng.integers(0, 3, n).astype(np.int8), 0, 3),
        (rng.integers(-5, 2, n).astype(np.int16), -5, 7),
        (rng.integers(10**12, 10**12 + 4, n), 10**12, 4),
        (rng.integers(0, 2, n).astype(np.uint8), 0, 2),
    ]


@pytest.mark.parametrize("chunk_rows", [1, 7, 1000, 1 << 18])
def test_chunked_counts_equal_one_bincount_over_the_slots(chunk_rows):
    rng = np.random.default_rng(0)
    n = 5000
    cols = _columns(rng, n)
    codes, offsets, sizes = zip(*cols, strict=True)
    y = rng.integers(0, 2, n).astype(np.uint8)
    p = rng.integers(0, 2, n).astype(np.uint8)
    counted = count_cells(codes, offsets, sizes, y, p, chunk_rows=chunk_rows)
    slot = np.empty(n, dtype=np.intp)
    combine_into(codes, offsets, sizes, 0, n, slot)
    expected = count_binary(slot, slot_space(sizes), y, p).cell_rows
    assert counted.dtype == np.int64
    np.testing.assert_array_equal(counted, expected)


def test_slots_sort_like_the_tuples_of_levels():
    rng = np.random.default_rng(1)
    n = 2000
    cols = _columns(rng, n)
    codes, offsets, sizes = zip(*cols, strict=True)
    slot = np.empty(n, dtype=np.intp)
    combine_into(codes, offsets, sizes, 0, n, slot)
    shifted = [
        np.asarray(c, dtype=np.intp) - o for c, o in zip(codes, offsets, strict=True)
    ]
    group, table = combine_codes(shifted, list(sizes))
    np.testing.assert_array_equal(slot, group)
    assert table.shape == (slot_space(sizes), len(sizes))


def test_an_empty_input_counts_nothing():
    empty = np.empty(0, dtype=np.int8)
    out = count_cells([empty], [0], [3], empty.view(np.uint8), empty.view(np.uint8))
    np.testing.assert_array_equal(out, np.zeros((3, 4), dtype=np.int64))
