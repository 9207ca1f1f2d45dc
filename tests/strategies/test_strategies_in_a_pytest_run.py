"""The strategies in a user's pytest run: replays, falsifying examples, arguments.

Each test writes a test module of a model repo and runs it with pytester, as
a user's ``pytest`` would.
"""

from __future__ import annotations

import pytest

pytest.importorskip("hypothesis")

DATA = """
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from pytest_fairness.strategies import group_compositions

SEARCH = settings(max_examples=60, derandomize=True, database=None, deadline=None)
PEOPLE = pd.DataFrame(
    {
        "sex": ["female", "male"] * 150,
        "race": ["a", "b", "c"] * 100,
        "y": np.random.default_rng(0).integers(0, 2, 300),
    }
)
CELLS = {"sex": ["female", "male"], "race": ["a", "b", "c"]}
"""


def run(pytester: pytest.Pytester, source: str) -> pytest.RunResult:
    pytester.makepyfile(test_model=DATA + source)
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "-W", "default")


def test_sampling_without_a_seed_replays_the_same_rows(
    pytester: pytest.Pytester,
) -> None:
    # The outcome depends on which rows are drawn: with a fresh seed on every
    # call, hypothesis' replay of the failing example would draw other rows
    # and report a FlakyFailure.
    result = run(
        pytester,
        """
@SEARCH
@given(composition=group_compositions(CELLS, total_size=60, min_group_size=5))
def test_rows(composition):
    batch = composition.sample(PEOPLE)
    assert batch["y"].mean() < 0.55
""",
    )
    result.assert_outcomes(failed=1)
    text = result.stdout.str()
    assert "Flaky" not in text
    result.stdout.fnmatch_lines(["*Failing test case: test_rows(", "*composition=*"])


def test_a_seed_drawn_with_the_composition_gives_the_same_rows_again() -> None:
    from hypothesis import find

    from pytest_fairness.strategies import GroupComposition, group_compositions

    strategy = group_compositions({"g": ["a", "b"]}, total_size=20)
    found = find(strategy, lambda c: c.seed > 0)
    data = {"g": ["a", "b"] * 50}
    import pandas as pd

    frame = pd.DataFrame(data)
    again = GroupComposition.from_dict(found.to_dict())
    assert again.seed == found.seed
    assert list(found.sample(frame).index) == list(again.sample(frame).index)
    assert f"seed={found.seed}" in repr(found)


def test_the_falsifying_example_notes_a_table_of_cells(
    pytester: pytest.Pytester,
) -> None:
    result = run(
        pytester,
        """
@SEARCH
@given(composition=group_compositions(CELLS, total_size=120, min_group_size=5))
def test_women_of_race_a(composition):
    assert composition.sizes[0] < 30
""",
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*composition of 120 rows over sex × race (6 cells*",
            "*female, a  30 *25.0%",
            "*female, b *%",
            "*male, c *%",
        ]
    )


def test_strategies_show_the_call_that_built_them() -> None:
    from pytest_fairness.strategies import (
        fairness_datasets,
        group_compositions,
        sensitive_frames,
    )

    compositions = group_compositions({"sex": ["f", "m"]}, total_size=50)
    assert repr(compositions) == (
        "group_compositions({'sex': ['f', 'm']}, total_size=50)"
    )
    assert repr(sensitive_frames(composition=compositions)).startswith(
        "sensitive_frames(composition=group_compositions("
    )
    assert repr(fairness_datasets(composition=compositions, base_rates=0.5)) == (
        "fairness_datasets(composition=group_compositions({'sex': ['f', 'm']}, "
        "total_size=50), base_rates=0.5)"
    )


def test_min_group_size_zero_is_refused_as_the_audit_refuses_it(
    pytester: pytest.Pytester,
) -> None:
    result = run(
        pytester,
        """
import pytest_fairness as pf

def test_zero():
    group_compositions(CELLS, min_group_size=0)

def test_the_audit():
    with pytest.raises(ValueError, match="min_group_size must be an integer >= 1"):
        pf.audit([1, 0], [1, 0], sensitive_features=["a", "b"], min_group_size=0)
""",
    )
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        ["*InvalidArgument: min_group_size must be an integer >= 1. Got 0."]
    )
