"""GroupComposition: validation, views, round trips, frames and samples."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings

from pytest_fairness import FairnessValueError
from pytest_fairness.strategies import (
    GroupComposition,
    group_compositions,
    sensitive_frames,
)

FAST = settings(max_examples=30, deadline=None, database=None)
GR = {"gender": ("female", "male"), "race": ("asian", "black", "white")}
ANY = group_compositions(GR, total_size=300)


def test_views_follow_the_product_of_levels():
    c = GroupComposition(GR, [10, 0, 30, 20, 40, 0])
    assert c.cells == tuple(itertools.product(*GR.values()))
    assert c.total == 100
    assert c.groups == (
        ("female", "asian"),
        ("female", "white"),
        ("male", "asian"),
        ("male", "black"),
    )
    assert c.smallest == 10
    assert c.largest == 40
    assert c.marginal("gender") == {"female": 40, "male": 60}
    assert c.marginal("race") == {"asian": 30, "black": 40, "white": 30}
    assert c.size_of(("male", "black")) == 40
    assert c.shares[("female", "white")] == 0.3
    assert sum(c.shares.values()) == pytest.approx(1.0)


def test_a_mapping_of_sizes_leaves_other_cells_empty():
    c = GroupComposition({"g": ["a", "b", "c"]}, {"b": 4, ("c",): 1})
    assert c.sizes == (0, 4, 1)
    assert c.size_of("b") == 4


@pytest.mark.parametrize(
    ("attributes", "sizes", "match"),
    [
        ({"g": ["a", "b"]}, [1], r"one size per cell \(2 cells"),
        ({"g": ["a", "b"]}, [1, -1], r"non-negative integers\. Got -1"),
        ({"g": ["a", "b"]}, [1, 2.0], r"non-negative integers\. Got 2\.0"),
        ({"g": ["a", "b"]}, "12", r"sequence of int or a mapping"),
        ({"g": ["a", "b"]}, {"c": 1}, r"not a cell of the attributes: 'c'"),
        ({"g": []}, [], r"attributes\['g'\] must hold at least one level"),
        ({"g": ["a", float("nan")]}, [1, 1], r"hashable and not missing"),
    ],
)
def test_malformed_compositions_raise_fairness_value_errors(attributes, sizes, match):
    with pytest.raises(FairnessValueError, match=match):
        GroupComposition(attributes, sizes)


def test_lookups_of_unknown_groups_raise():
    c = GroupComposition({"g": ["a", "b"]}, [1, 2])
    with pytest.raises(FairnessValueError, match=r"group='c' is not a cell"):
        c.size_of("c")
    with pytest.raises(FairnessValueError, match=r"attribute='h' is not one of"):
        c.marginal("h")


@FAST
@given(ANY)
def test_repr_json_and_dict_round_trips(c):
    assert eval(repr(c), {"GroupComposition": GroupComposition}) == c  # noqa: S307
    assert GroupComposition.from_dict(json.loads(json.dumps(c.to_dict()))) == c
    assert hash(GroupComposition(c.attributes, c.sizes)) == hash(c)


def test_levels_from_numpy_and_pandas():
    c = GroupComposition({"g": np.array([1, 2]), "h": pd.Index(["x"])}, [3, 4])
    assert c.levels == ((1, 2), ("x",))
    assert all(type(v) is int for v in c.levels[0])


def test_str_is_a_table_of_cells():
    c = GroupComposition({"gender": ["female", "male"]}, [30, 1970])
    assert str(c).splitlines() == [
        "composition of 2,000 rows over gender (2 cells)",
        "  female     30    1.5%",
        "  male    1,970   98.5%",
    ]
    empty = GroupComposition(GR, [1, 0, 0, 0, 0, 1])
    assert "(6 cells, 4 empty)" in str(empty)


@FAST
@given(ANY)
def test_to_frame_has_one_row_per_member(c):
    frame = c.to_frame(random_state=1)
    assert list(frame.columns) == ["gender", "race"]
    counts = frame.value_counts().to_dict()
    assert counts == {cell: n for cell, n in c.counts.items() if n}
    grouped = c.to_frame()
    assert grouped.value_counts().to_dict() == counts
    assert list(map(tuple, grouped.drop_duplicates().to_numpy())) == list(c.groups)


@FAST
@given(sensitive_frames(composition=ANY))
def test_sensitive_frames_hold_only_the_sensitive_columns(frame):
    assert list(frame.columns) == ["gender", "race"]
    assert len(frame) == 300
    assert frame["gender"].nunique() == 2
    assert frame["race"].nunique() == 3


def test_sensitive_frames_of_an_attribute_mapping_and_of_a_fixed_composition():
    fixed = GroupComposition({"g": [0, 1]}, [2, 3])

    @settings(max_examples=5, database=None, deadline=None)
    @given(
        sensitive_frames(composition=fixed),
        sensitive_frames(composition={"g": ["a", "b", "c"]}),
    )
    def check(a, b):
        assert sorted(a["g"]) == [0, 0, 1, 1, 1]
        assert set(b["g"]) == {"a", "b", "c"}

    check()


@pytest.fixture(scope="module")
def people() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 6000  # at least ~500 rows per gender x race cell
    return pd.DataFrame(
        {
            "gender": rng.choice(["female", "male", "other"], n, p=[0.3, 0.6, 0.1]),
            "race": rng.choice(["asian", "black", "white"], n),
            "income": rng.normal(size=n),
        },
        index=pd.RangeIndex(10_000, 10_000 + n),
    )


@FAST
@given(c=ANY)
def test_sample_draws_exactly_the_composition(people, c):
    batch = c.sample(people, random_state=0)
    assert batch.index.is_unique
    assert batch.index.isin(people.index).all()
    assert list(batch.columns) == ["gender", "race", "income"]
    counts = batch.groupby(["gender", "race"]).size().to_dict()
    assert counts == {cell: n for cell, n in c.counts.items() if n}
    pd.testing.assert_frame_equal(people.loc[batch.index], batch)


def test_sample_is_reproducible_and_never_draws_undeclared_levels(people):
    c = GroupComposition(GR, [50] * 6)
    a = c.sample(people, random_state=3)
    assert a.index.equals(c.sample(people, random_state=3).index)
    assert not a.index.equals(c.sample(people, random_state=4).index)
    assert "other" not in set(a["gender"])


def test_sample_needs_enough_rows_or_replacement(people):
    small = people.iloc[:20]
    c = GroupComposition({"gender": ["female", "male"]}, [30, 5])
    with pytest.raises(FairnessValueError, match=r"group \(female\), the composition"):
        c.sample(small)
    batch = c.sample(small, replace=True, random_state=0)
    assert batch["gender"].value_counts().to_dict() == {"female": 30, "male": 5}
    with pytest.raises(FairnessValueError, match=r"missing \['sex'\]"):
        GroupComposition({"sex": ["f"]}, [1]).sample(people)
