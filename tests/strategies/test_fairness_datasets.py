"""fairness_datasets: exact rates per group, features, predictions, shrinking, notes."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pytest
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st

from pytest_fairness.strategies import (
    GroupComposition,
    fairness_datasets,
    group_compositions,
)

if TYPE_CHECKING:
    import pandas as pd

FAST = settings(max_examples=30, deadline=None, database=None)
FIND = settings(max_examples=300, database=None)

GENDER_RACE = {"gender": ("female", "male"), "race": ("black", "white")}
COMPOSITIONS = group_compositions(GENDER_RACE, min_group_size=20, total_size=400)


def simplest(strategy):
    """The first (simplest) example hypothesis generates, without shrinking."""
    out = []

    @settings(max_examples=1, database=None, deadline=None, phases=[Phase.generate])
    @given(strategy)
    def draw(value):
        out.append(value)

    draw()
    return out[0]


def rounded(rate: float, n: int) -> int:
    """Rows a rate asks for, rounded half up (the documented rule)."""
    return math.floor(rate * n + 0.5)


def by_group(df: pd.DataFrame, attributes=("gender", "race")):
    return df.groupby(list(attributes), sort=True)


@FAST
@given(
    fairness_datasets(
        composition=COMPOSITIONS,
        base_rates={"female": 0.4, "male": st.floats(0.1, 0.9)},
        predictions={
            "tpr": {("female", "black"): 0.5, "female": 0.9, "male": 0.7},
            "fpr": 0.2,
        },
    )
)
def test_rates_are_met_per_group_up_to_whole_rows(df):
    assert list(df.columns) == ["gender", "race", "y", "y_pred"]
    male_rates = set()
    for (gender, race), g in by_group(df):
        n, pos = len(g), int(g["y"].sum())
        if gender == "female":
            assert pos == rounded(0.4, n)
        else:
            male_rates.add(pos / n)
        tpr = (
            0.5
            if (gender, race) == ("female", "black")
            else (0.9 if gender == "female" else 0.7)
        )
        tp = int(((g["y"] == 1) & (g["y_pred"] == 1)).sum())
        fp = int(((g["y"] == 0) & (g["y_pred"] == 1)).sum())
        assert tp == rounded(tpr, pos)
        assert fp == rounded(0.2, n - pos)
    assert set(df["y"]) <= {0, 1}
    assert set(df["y_pred"]) <= {0, 1}


@FAST
@given(
    COMPOSITIONS.flatmap(
        lambda c: st.tuples(
            st.just(c),
            fairness_datasets(composition=c, predictions={"selection_rate": 0.3}),
        )
    )
)
def test_the_rows_follow_the_composition(pair):
    composition, df = pair
    counts = df.groupby(["gender", "race"]).size().to_dict()
    assert counts == {cell: n for cell, n in composition.counts.items() if n}
    for _, g in by_group(df):
        assert int(g["y_pred"].sum()) == rounded(0.3, len(g))


@FAST
@given(fairness_datasets(composition=COMPOSITIONS))
def test_default_base_rates_lie_in_the_default_range(df):
    for _, g in by_group(df):
        n = len(g)
        assert rounded(0.05, n) <= g["y"].sum() <= rounded(0.95, n)


def test_shrinks_toward_few_rows_and_equal_rates():
    # Planted failure: a dataset of at least 60 rows in which some group has
    # a positive label. The minimal one has the fewest rows (60, balanced over
    # the two genders) and equal base rates.
    df = find(
        fairness_datasets(composition=group_compositions({"g": ["a", "b"]})),
        lambda df: len(df) >= 60 and df["y"].sum() > 0,
        settings=FIND,
    )
    assert len(df) == 60
    rates = df.groupby("g")["y"].mean()
    assert rates["a"] == rates["b"]


def test_shrinks_to_the_smallest_disparity_that_fails():
    # Planted failure: base rates differ by more than 0.2. The minimal
    # dataset keeps the composition balanced and the fewest rows.
    df = find(
        fairness_datasets(
            composition=group_compositions({"g": ["a", "b"]}, min_group_size=50),
            base_rates=st.floats(0.0, 1.0),
        ),
        lambda df: np.ptp(df.groupby("g")["y"].mean()) > 0.2,
        settings=FIND,
    )
    assert df["g"].value_counts().to_dict() == {"a": 50, "b": 50}


def test_features_signal_proxy_noise_and_categorical():
    comp = GroupComposition(GENDER_RACE, [500, 500, 500, 500])
    strategy = fairness_datasets(
        composition=comp,
        base_rates=0.5,
        features={
            "signal": {"depends_on": "label", "strength": 3.0},
            "proxy": {"depends_on": ["group"], "strength": 0.0},
            "noise": "noise",
            "industry": {"categories": ["care", "tech", "retail"], "strength": 0.0},
        },
    )
    df = simplest(strategy)
    assert list(df.columns) == [
        "gender",
        "race",
        "signal",
        "proxy",
        "noise",
        "industry",
        "y",
    ]
    # signal = noise + 3 * y: the class means differ by 3 (standard error ~0.045)
    gap = df.loc[df["y"] == 1, "signal"].mean() - df.loc[df["y"] == 0, "signal"].mean()
    assert gap == pytest.approx(3.0, abs=0.3)
    # strength 0: the proxy is pure standard normal noise
    assert df["proxy"].std() == pytest.approx(1.0, abs=0.1)
    assert set(df["industry"]) == {"care", "tech", "retail"}
    assert df["industry"].value_counts(normalize=True).min() > 0.25


def test_a_strong_proxy_separates_the_groups():
    comp = GroupComposition({"g": ["a", "b", "c"]}, [300, 300, 300])
    df = simplest(
        fairness_datasets(
            composition=comp,
            features={"zip": {"depends_on": "group", "strength": 20.0}},
        )
    )
    # group offsets are 20 * N(0, 1): the group means sit far apart compared
    # with the within-group standard deviation of 1
    means = df.groupby("g")["zip"].mean()
    stds = df.groupby("g")["zip"].std()
    assert stds.max() < 1.2
    assert len({round(m / 5) for m in means}) >= 2


def test_as_frame_false_returns_numpy_columns():
    comp = GroupComposition({"g": [1, 2]}, [3, 4])
    data = simplest(
        fairness_datasets(
            composition=comp, base_rates=1.0, as_frame=False, features={"c": ["x", "y"]}
        )
    )
    assert list(data) == ["g", "c", "y"]
    assert all(isinstance(v, np.ndarray) and len(v) == 7 for v in data.values())
    assert data["g"].dtype.kind == "i"
    assert sorted(data["g"].tolist()) == [1, 1, 1, 2, 2, 2, 2]
    assert data["y"].tolist() == [1] * 7


def test_custom_column_names():
    comp = GroupComposition({"sex": ["f", "m"]}, [5, 5])
    df = simplest(
        fairness_datasets(
            composition=comp,
            label="approved",
            prediction="decision",
            predictions={"selection_rate": 1.0},
        )
    )
    assert list(df.columns) == ["sex", "approved", "decision"]
    assert df["decision"].tolist() == [1] * 10


def test_a_failing_test_notes_the_composition_and_rates():
    comp = GroupComposition({"gender": ["female", "male"]}, [40, 60])

    @settings(max_examples=5, database=None, deadline=None)
    @given(
        fairness_datasets(composition=comp, base_rates={"female": 0.25, "male": 0.5})
    )
    def gate(df):
        msg = "planted"
        raise AssertionError(msg)

    with pytest.raises(AssertionError, match="planted") as caught:
        gate()
    notes = "\n".join(getattr(caught.value, "__notes__", []))
    assert "composition of 100 rows over gender" in notes
    assert "female  40" in notes
    assert "base_rate=0.250" in notes
    assert "base_rate=0.500" in notes
