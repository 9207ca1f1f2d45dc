"""Rows drawn with replacement are recognised by their index or their mark."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pytest_fairness._resampled import RESAMPLED, find_resampled


def test_arrays_and_distinct_rows_are_not_resampled():
    frame = pd.DataFrame({"g": ["a", "b", "a"], "y": [1, 0, 1]})
    assert (
        find_resampled(np.array([1, 0, 1]), sensitive=np.array(["a", "b", "a"])) is None
    )
    assert find_resampled(frame["y"], sensitive=frame["g"]) is None
    assert find_resampled(frame["y"], sensitive=["g"], data=frame) is None


def test_repeated_labels_count_rows_and_distinct_rows_per_group():
    frame = pd.DataFrame({"g": ["a", "b", "b"], "h": ["x", "x", "y"]})
    resampled = frame.iloc[[0, 0, 0, 1, 2, 2]]
    found = find_resampled(resampled["g"], sensitive=resampled[["g", "h"]])
    assert found is not None
    assert (found.rows, found.distinct) == (6, 3)
    assert found.lines() == [
        "a, x: 3 rows, 1 distinct",
        "b, x: 1 rows, 1 distinct",
        "b, y: 2 rows, 1 distinct",
    ]
    by_name = find_resampled(sensitive=["g"], data=resampled)
    assert by_name is not None
    assert by_name.lines() == ["a: 3 rows, 1 distinct", "b: 3 rows, 2 distinct"]


def test_the_mark_survives_a_reset_index():
    frame = pd.DataFrame({"g": ["a", "b"] * 3})
    frame.attrs[RESAMPLED] = True
    found = find_resampled(frame["g"], sensitive=frame["g"])
    assert found is not None
    assert found.distinct is None
    assert found.lines() == ["6 rows, how many distinct unknown (index reset)"]
