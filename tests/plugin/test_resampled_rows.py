"""Rows drawn with replacement do not count as more people for an interval.

A cell of 17 rows resampled to 300 would give an interval that rests on 300
rows; with ``confidence=`` the check refuses such data and says how many rows
of each group are distinct. Index labels that only repeat (frames
concatenated with their own labels) warn and are checked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Project

pytest.importorskip("hypothesis")

RESAMPLED = """
import pandas as pd
from pytest_fairness.strategies import GroupComposition

PEOPLE = pd.DataFrame(
    {"sex": ["female"] * 17 + ["male"] * 400, "y": [0] * 17 + [1, 0] * 200}
)
MIX = GroupComposition({"sex": ["female", "male"]}, [300, 300])


def approve_all(batch):
    return np.ones(len(batch), dtype=int)


@pytest.mark.fairness_gate(demographic_parity_difference=0.1, baseline=False,
                           confidence=0.95)
def test_with_an_interval(fairness):
    batch = MIX.sample(PEOPLE, replace=True)
    fairness.check(batch["y"], approve_all(batch), sensitive_features=batch["sex"])


@pytest.mark.fairness_gate(demographic_parity_difference=0.1, baseline=False,
                           confidence=0.95)
def test_with_a_fresh_index(fairness):
    batch = MIX.sample(PEOPLE, replace=True).reset_index(drop=True)
    fairness.check(batch["y"], approve_all(batch), sensitive_features=batch["sex"])


@pytest.mark.fairness_gate(demographic_parity_difference=0.1, baseline=False)
def test_point_estimate(fairness):
    batch = MIX.sample(PEOPLE, replace=True)
    fairness.check(batch["y"], approve_all(batch), sensitive_features=batch["sex"])


@pytest.mark.fairness_gate(demographic_parity_difference=0.3, baseline=False,
                           confidence=0.95, min_group_size=10)
def test_distinct_rows(fairness):
    batch = GroupComposition({"sex": ["female", "male"]}, [17, 300]).sample(PEOPLE)
    fairness.check(batch["y"], approve_all(batch), sensitive_features=batch["sex"])
"""


def test_an_interval_on_resampled_rows_is_refused(project: Project) -> None:
    project.write(RESAMPLED)
    result = project.run("-rf")
    result.assert_outcomes(passed=2, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*FairnessValueError: fairness.check() with confidence=0.95 got rows "
            "drawn with replacement*",
            "*female: 300 rows, 17 distinct*",
            "*male: 300 rows, * distinct*",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "FAILED test_model.py::test_with_an_interval - *",
            "FAILED test_model.py::test_with_a_fresh_index - *",
        ],
        consecutive=False,
    )


CONCATENATED = """
import numpy as np
import pandas as pd

rng = np.random.default_rng(0)


def shop(n):
    return pd.DataFrame({"sex": rng.choice(["female", "male"], n),
                         "y": rng.integers(0, 2, n)})


# two test files read one after the other: both indexes start at 0
BATCH = pd.concat([shop(400), shop(400)])


@pytest.mark.fairness_gate(demographic_parity_difference=0.5, baseline=False,
                           confidence=0.95)
def test_concatenated(fairness):
    fairness.check(BATCH["y"], BATCH["y"], sensitive_features=BATCH["sex"])


@pytest.mark.fairness_gate(demographic_parity_difference=0.5, baseline=False,
                           confidence=0.95)
def test_labels_made_unique(fairness):
    batch = BATCH.reset_index(drop=True)
    fairness.check(batch["y"], batch["y"], sensitive_features=batch["sex"])
"""


def test_repeated_labels_alone_warn_and_are_checked(project: Project) -> None:
    project.write(CONCATENATED)
    result = project.run("-W", "always::pytest_fairness.FairnessWarning")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            "*index labels that repeat, as in rows drawn with replacement*",
            "*female: * rows, * distinct*",
            "*pd.concat(..., ignore_index=True)*",
        ]
    )
    assert result.stdout.str().count("index labels that repeat") == 1


def test_sample_marks_the_rows_it_draws_with_replacement() -> None:
    pd = pytest.importorskip("pandas")
    from pytest_fairness.strategies import GroupComposition

    people = pd.DataFrame({"g": ["a"] * 5 + ["b"] * 5})
    mix = GroupComposition({"g": ["a", "b"]}, [20, 3])
    resampled = mix.sample(people, replace=True)
    assert resampled.attrs["pytest_fairness.resampled"] is True
    assert resampled["g"].attrs["pytest_fairness.resampled"] is True
    assert resampled.index.has_duplicates
    assert "pytest_fairness.resampled" not in people.attrs
    distinct = GroupComposition({"g": ["a", "b"]}, [3, 3]).sample(people)
    assert "pytest_fairness.resampled" not in distinct.attrs
