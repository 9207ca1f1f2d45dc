"""group_compositions: constraints respected, shrinking toward balance and few rows."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

from pytest_fairness.strategies import GroupComposition, group_compositions

FAST = settings(max_examples=40, deadline=None, database=None)
FIND = settings(max_examples=500, database=None)

GENDER_RACE = {"gender": ("female", "male"), "race": ("asian", "black", "white")}


def simplest(strategy):
    """The first (simplest) example hypothesis generates, without shrinking."""
    out = []

    @settings(max_examples=1, database=None, deadline=None, phases=[Phase.generate])
    @given(strategy)
    def draw(value):
        out.append(value)

    draw()
    return out[0]


def levels_present(c: GroupComposition) -> bool:
    return all(all(n > 0 for n in c.marginal(name).values()) for name in c.names)


@FAST
@given(
    group_compositions(GENDER_RACE, total_size=1000, min_group_size=50, max_share=0.4)
)
def test_fixed_total_min_size_and_max_share_hold(c):
    assert c.total == 1000
    assert all(n == 0 or 50 <= n <= 400 for n in c.sizes)
    assert c.cells == tuple(itertools.product(*GENDER_RACE.values()))
    assert levels_present(c)


@FAST
@given(group_compositions(GENDER_RACE, min_group_size=30, allow_empty=False))
def test_without_empty_cells_every_intersection_has_min_size(c):
    assert min(c.sizes) >= 30
    assert 6 * 30 <= c.total <= 1000


@FAST
@given(group_compositions(GENDER_RACE, total_size=st.integers(10, 300)))
def test_total_drawn_from_a_strategy(c):
    assert 10 <= c.total <= 300
    assert levels_present(c)
    assert c.groups == tuple(cell for cell, n in c.counts.items() if n)


@FAST
@given(
    group_compositions(
        {"a": [0, 1, 2], "b": [True, False]}, min_group_size=7, max_share=0.5
    )
)
def test_default_total_meets_every_constraint(c):
    assert all(n == 0 or 7 <= n <= math.floor(0.5 * c.total + 1e-9) for n in c.sizes)
    assert levels_present(c)


@FAST
@given(group_compositions({"only": ["x"]}, total_size=st.integers(1, 50)))
def test_a_single_cell_holds_everyone(c):
    assert c.sizes == (c.total,)


def test_the_search_reaches_small_groups_empty_cells_and_balance():
    seen: list[GroupComposition] = []

    @settings(
        max_examples=150,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(group_compositions(GENDER_RACE, total_size=600, min_group_size=20))
    def collect(c):
        seen.append(c)

    collect()
    assert any(c.sizes == (100,) * 6 for c in seen)  # the balanced one
    assert any(c.smallest == 20 for c in seen)  # a group at min_group_size
    assert any(0 in c.sizes for c in seen)  # an absent intersection
    assert max(c.largest for c in seen) >= 300  # a group with half the rows


def test_shrinks_to_the_smallest_transfer_from_balance():
    c = find(
        group_compositions({"g": ["a", "b"]}, total_size=100),
        lambda c: c.smallest < 20,
        settings=FIND,
    )
    assert c.sizes == (19, 81)


def test_shrinks_toward_few_rows_and_equal_groups():
    # Planted failure: any population with an intersection of at most 40
    # people. The minimal one is balanced at the fewest rows that allow it.
    c = find(
        group_compositions(GENDER_RACE, min_group_size=30, allow_empty=False),
        lambda c: c.smallest <= 40,
        settings=FIND,
    )
    assert c.total == 6 * 30
    assert c.sizes == (30,) * 6


def test_max_share_binding_at_the_smallest_total():
    c = simplest(group_compositions({"g": ["a", "b", "c"]}, max_share=0.34))
    # three cells of at most 34% each: three rows of one each
    assert c.sizes == (1, 1, 1)


def test_empty_allowed_starts_from_the_cells_that_show_every_level():
    c = simplest(
        group_compositions({"s": ["f", "m"], "r": ["x", "y", "z"]}, min_group_size=5)
    )
    # three cells, one per race, cycling through the sexes: (f,x) (m,y) (f,z)
    assert c.counts == {
        ("f", "x"): 5,
        ("f", "y"): 0,
        ("f", "z"): 5,
        ("m", "x"): 0,
        ("m", "y"): 5,
        ("m", "z"): 0,
    }


@pytest.mark.parametrize("total", [18, 19, 35, 36, 37])
def test_balanced_start_when_fewer_cells_than_requested_fit(total):
    # 6 cells of at least 6: below 36 rows only some cells can be filled
    c = simplest(group_compositions(GENDER_RACE, total_size=total, min_group_size=6))
    filled = [n for n in c.sizes if n]
    assert len(filled) == min(6, total // 6)
    assert max(filled) - min(filled) <= 1
    assert levels_present(c)
