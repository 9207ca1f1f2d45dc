"""Bad arguments raise InvalidArgument at call time, naming the argument."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from pytest_fairness.strategies import (
    GroupComposition,
    fairness_datasets,
    group_compositions,
    sensitive_frames,
)

G = {"gender": ["female", "male"]}
GR = {"gender": ["female", "male"], "race": ["black", "white"]}
C = GroupComposition(G, [10, 10])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"attributes": {}}, r"attributes\) must be a non-empty mapping"),
        ({"attributes": ["gender"]}, r"attributes\) must be a non-empty mapping"),
        ({"attributes": {"g": "ab"}}, r"\['g'\] must be a sequence of levels"),
        ({"attributes": {"g": []}}, r"\['g'\] must hold at least one level"),
        ({"attributes": {"g": ["a", "a"]}}, r"\['g'\] levels must be distinct"),
        ({"attributes": {"g": ["a", None]}}, r"hashable and not missing"),
        ({"attributes": {"g": [["a"]]}}, r"hashable and not missing"),
        ({"attributes": {1: ["a"]}}, r"keys must be non-empty strings"),
        ({"attributes": {"a": range(40), "b": range(40)}}, r"1600 cells"),
        ({"total_size": 0}, r"total_size must be an integer >= 1\. Got 0"),
        ({"total_size": 2.5}, r"total_size must be an integer >= 1\. Got 2\.5"),
        ({"total_size": True}, r"total_size must be an integer"),
        ({"min_group_size": -1}, r"min_group_size must be an integer >= 1"),
        ({"min_group_size": "5"}, r"min_group_size must be an integer"),
        ({"max_share": 0}, r"max_share must be None or a number in \(0, 1\]"),
        ({"max_share": 1.5}, r"max_share must be None or a number in \(0, 1\]"),
        ({"max_share": 0.2}, r"max_share=0\.2 cannot be met by 4 cells"),
        ({"allow_empty": 1}, r"allow_empty must be True or False"),
        (
            {"total_size": 10, "min_group_size": 6},
            r"total_size=10 is too small: one cell per level .* needs at least 6 "
            r"row\(s\), 12 in all",
        ),
        (
            {"total_size": 10, "min_group_size": 3, "allow_empty": False},
            r"total_size=10 is too small: every one of the 4 cells needs at least 3",
        ),
        (
            {"total_size": 10, "max_share": 0.25},
            r"total_size=10 cannot be split with max_share=0\.25",
        ),
    ],
)
def test_group_compositions_rejects(kwargs, match):
    kwargs = {"attributes": GR, **kwargs}
    with pytest.raises(InvalidArgument, match=match):
        group_compositions(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"composition": 3}, r"fairness_datasets\(composition\) must be a Group"),
        ({"composition": {"g": []}}, r"composition\)\['g'\] must hold at least one"),
        ({"base_rates": 1.5}, r"base_rates must be a number in \[0, 1\]"),
        ({"base_rates": -0.1}, r"base_rates must be a number in \[0, 1\]"),
        ({"base_rates": "0.5"}, r"base_rates must be a number in \[0, 1\]"),
        ({"base_rates": {}}, r"base_rates must not be an empty mapping"),
        ({"base_rates": {"female": 2}}, r"base_rates\['female'\] must be a number"),
        ({"base_rates": {"other": 0.5}}, r"base_rates has key 'other', which is not"),
        ({"base_rates": {("female", "x"): 0.5}}, r"base_rates has key \('female',"),
        (
            {"base_rates": {"female": 0.5}},
            r"base_rates gives no rate for group "
            r"\('male',\)",
        ),
        ({"predictions": {"tpr": 0.5}}, r"predictions must be None or a mapping"),
        ({"predictions": 0.5}, r"predictions must be None or a mapping"),
        (
            {"predictions": {"selection_rate": 0.5, "tpr": 0.5}},
            r"predictions must be None or a mapping",
        ),
        (
            {"predictions": {"tpr": 0.5, "fpr": 3}},
            r"predictions\['fpr'\] must be a number in \[0, 1\]",
        ),
        ({"features": ["x"]}, r"features must be a mapping"),
        ({"features": {"x": "numeric"}}, r"features\['x'\] must be one of"),
        ({"features": {"x": 1}}, r"features\['x'\] must be one of"),
        ({"features": {"x": ["a"]}}, r"features\['x'\] must hold at least two"),
        ({"features": {"x": {"kind": "numeric"}}}, r"features\['x'\] has unknown"),
        (
            {"features": {"x": {"depends_on": ["sex"]}}},
            r"features\['x'\]\['depends_on'\] must be a subset",
        ),
        (
            {"features": {"x": {"strength": -1}}},
            r"features\['x'\]\['strength'\] must be a number >= 0",
        ),
        ({"features": {"": "noise"}}, r"features keys must be non-empty strings"),
        ({"label": ""}, r"label must be a non-empty string"),
        ({"prediction": 3}, r"prediction must be a non-empty string"),
        ({"as_frame": "yes"}, r"as_frame must be True or False"),
        ({"label": "gender"}, r"column 'gender' would be both an attribute and the "),
        (
            {"features": {"y": "noise"}},
            r"column 'y' would be both a feature and the label",
        ),
        (
            {"predictions": {"selection_rate": 0.5}, "prediction": "y"},
            r"column 'y' would be both the label and the prediction",
        ),
    ],
)
def test_fairness_datasets_rejects(kwargs, match):
    kwargs = {"composition": C, **kwargs}
    with pytest.raises(InvalidArgument, match=match):
        fairness_datasets(**kwargs)


def test_rate_keys_are_checked_against_every_cell_of_an_attribute_mapping():
    with pytest.raises(
        InvalidArgument, match=r"ambiguous for group \('female', 'black'"
    ):
        fairness_datasets(composition=GR, base_rates={"female": 0.5, "black": 0.4})


def test_sensitive_frames_rejects_a_bad_composition():
    with pytest.raises(InvalidArgument, match=r"sensitive_frames\(composition\)"):
        sensitive_frames(composition=[("female", 3)])


def test_with_a_strategy_the_checks_run_when_drawing():
    strategy = fairness_datasets(
        composition=group_compositions(G, total_size=10), base_rates={"other": 0.5}
    )

    @settings(max_examples=1, database=None)
    @given(strategy)
    def draw(df):
        raise NotImplementedError

    with pytest.raises(InvalidArgument, match=r"base_rates has key 'other'"):
        draw()


@pytest.mark.parametrize(
    ("strategy", "match"),
    [
        (
            fairness_datasets(composition=C, base_rates=st.just(1.5)),
            r"base_rates drew 1\.5 for group \('female',\)",
        ),
        (
            fairness_datasets(
                composition=C, features={"x": {"strength": st.just(-1.0)}}
            ),
            r"features\['x'\] strength drew -1\.0",
        ),
        (
            group_compositions(G, total_size=st.just(2.5)),
            r"total_size must draw integers\. Got 2\.5",
        ),
        (
            fairness_datasets(composition=st.just("x")),
            r"fairness_datasets\(composition\) drew 'x', not a GroupComposition",
        ),
        (
            sensitive_frames(composition=st.just(3)),
            r"sensitive_frames\(composition\) drew 3, not a GroupComposition",
        ),
    ],
)
def test_drawn_values_are_checked(strategy, match):
    @settings(max_examples=1, database=None)
    @given(strategy)
    def draw(value):
        raise NotImplementedError

    with pytest.raises(InvalidArgument, match=match):
        draw()


def test_signatures_are_keyword_only_after_the_attributes():
    import inspect

    params = inspect.signature(group_compositions).parameters
    assert [p.kind for p in params.values()][1:] == [inspect.Parameter.KEYWORD_ONLY] * (
        len(params) - 1
    )
    for f in (fairness_datasets, sensitive_frames):
        assert all(
            p.kind is inspect.Parameter.KEYWORD_ONLY
            for p in inspect.signature(f).parameters.values()
        )
