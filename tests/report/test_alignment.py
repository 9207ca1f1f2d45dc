"""pandas inputs pair by index label; arrays and lists pair by position."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import pytest_fairness as pf

N = 400


@pytest.fixture
def test_set() -> pd.DataFrame:
    """A held-out split: its index is a shuffled subset of a larger frame's."""
    rng = np.random.default_rng(3)
    sex = rng.choice(["f", "m"], N)
    race = rng.choice(["a", "b"], N)
    y = (rng.random(N) < np.where(sex == "m", 0.7, 0.45)).astype(int)
    p = (rng.random(N) < np.where(sex == "m", 0.75, 0.5)).astype(int)
    index = rng.choice(np.arange(10 * N), N, replace=False)
    return pd.DataFrame(
        {
            "y": y,
            "p": p,
            "sex": sex,
            "race": race,
            "w": rng.uniform(0.5, 2.0, N),
            "s": rng.random(N),
        },
        index=index,
    )


def _by_position(te: pd.DataFrame, **kw: object) -> pf.FairnessReport:
    return pf.audit(
        te["y"].to_numpy(),
        te["p"].to_numpy(),
        sensitive_features={"sex": te["sex"].to_numpy()},
        **kw,
    )


def test_a_prediction_series_sorted_by_index_pairs_with_its_rows(test_set):
    te = test_set
    expected = _by_position(te).demographic_parity_difference
    assert expected > 0.15
    report = pf.audit(te["y"], te["p"].sort_index(), sensitive_features=te["sex"])
    assert report.demographic_parity_difference == pytest.approx(expected, abs=1e-12)
    # pairing the sorted predictions by position would hide the gap
    scrambled = pf.audit(
        te["y"].to_numpy(),
        te["p"].sort_index().to_numpy(),
        sensitive_features=te["sex"].to_numpy(),
    )
    assert scrambled.demographic_parity_difference < expected / 2


def test_every_pandas_argument_is_reordered_to_the_first(test_set):
    te = test_set
    kw = {"y_score": te["s"].to_numpy(), "sample_weight": te["w"].to_numpy()}
    expected = pf.audit(
        te["y"].to_numpy(),
        te["p"].to_numpy(),
        sensitive_features={
            "sex": te["sex"].to_numpy(),
            "race": te["race"].to_numpy(),
        },
        min_group_size=1,
        **kw,
    )
    rng = np.random.default_rng(0)

    def shuffled(obj):
        return obj.iloc[rng.permutation(len(obj))]

    for sf in (
        shuffled(te[["sex", "race"]]),
        {"sex": shuffled(te["sex"]), "race": shuffled(te["race"])},
    ):
        report = pf.audit(
            te["y"],
            shuffled(te["p"]),
            sensitive_features=sf,
            y_score=shuffled(te["s"]),
            sample_weight=shuffled(te["w"]),
            min_group_size=1,
        )
        pd.testing.assert_frame_equal(report.by_group, expected.by_group, rtol=1e-12)


def test_arrays_pair_by_position_with_the_first_pandas_input(test_set):
    te = test_set
    shuffled = te.sample(frac=1.0, random_state=1)
    # y_true is an array in shuffled's row order; y_pred a Series in te's
    report = pf.audit(
        shuffled["y"].to_numpy(),
        te["p"],
        sensitive_features=shuffled["sex"],
        min_group_size=1,
    )
    expected = pf.audit(
        shuffled["y"].to_numpy(),
        shuffled["p"].to_numpy(),
        sensitive_features=shuffled["sex"].to_numpy(),
        min_group_size=1,
    )
    # y_pred (the first pandas input) keeps its order: the array pairs with it
    assert report.by_group["base_rate"].to_numpy() == pytest.approx(
        pf.audit(
            shuffled["y"].to_numpy(),
            te["p"].to_numpy(),
            sensitive_features=te["sex"].to_numpy(),
            min_group_size=1,
        )
        .by_group["base_rate"]
        .to_numpy(),
        abs=1e-12,
    )
    assert report.by_group["selection_rate"].to_numpy() == pytest.approx(
        expected.by_group["selection_rate"].to_numpy(), abs=1e-12
    )


def test_lists_and_arrays_alone_still_pair_by_position():
    y, p, s = [1, 0, 1, 0], [1, 1, 0, 0], ["a", "a", "b", "b"]
    report = pf.audit(y, p, sensitive_features=np.array(s), min_group_size=1)
    assert report.by_group["selection_rate"].to_dict() == {"a": 1.0, "b": 0.0}


def test_different_labels_are_an_error_that_shows_the_fix(test_set):
    te = test_set
    y = te["y"].reset_index(drop=True)  # 0..399: 400 labels te does not have
    with pytest.raises(pf.FairnessValueError) as info:
        pf.audit(y, te["p"], sensitive_features=te["sex"])
    msg = str(info.value)
    assert "y_true and y_pred are pandas objects whose indexes hold different" in msg
    assert "of the 400 index labels of y_pred are not in the index of y_true" in msg
    assert ".reset_index(drop=True)" in msg
    assert "y_pred.loc[y_true.index]" in msg
    assert "y_pred.reindex(y_true.index)" in msg


def test_the_count_of_differing_labels_is_exact(test_set):
    te = test_set
    sex = te["sex"].copy()
    sex.index = [*te.index[:-3], -1, -2, -3]
    with pytest.raises(
        pf.FairnessValueError,
        match=r"y_true and sensitive_features .* 3 of the 400 index labels of "
        r"sensitive_features are not in the index of y_true \(e\.g\. \[-1, -2, -3\]\)",
    ):
        pf.audit(te["y"], te["p"].to_numpy(), sensitive_features=sex)


def test_a_dict_column_with_other_labels_is_named(test_set):
    te = test_set
    with pytest.raises(
        pf.FairnessValueError, match=r"y_true and sensitive_features\['race'\]"
    ):
        pf.audit(
            te["y"],
            te["p"],
            sensitive_features={
                "sex": te["sex"],
                "race": te["race"].reset_index(drop=True),
            },
        )


def test_repeated_labels_in_another_order_are_ambiguous(test_set):
    te = test_set.iloc[:100].copy()
    te.index = np.repeat(np.arange(50), 2)
    p = te["p"].iloc[::-1]
    with pytest.raises(
        pf.FairnessValueError,
        match=r"index of y_true repeats 50 label\(s\) \(e\.g\. \[0, 1, 2, 3, 4\] "
        r"\.\.\.\).*reset_index\(drop=True\)",
    ):
        pf.audit(te["y"], p, sensitive_features=te["sex"], min_group_size=1)
    # the same repeated labels in the same order pair unambiguously
    report = pf.audit(te["y"], te["p"], sensitive_features=te["sex"], min_group_size=1)
    assert report.n_rows == 100


def test_different_lengths_keep_the_length_message(test_set):
    te = test_set
    with pytest.raises(pf.FairnessValueError, match=r"y_pred has 399 rows"):
        pf.audit(te["y"], te["p"].iloc[1:], sensitive_features=te["sex"])


def test_multiindex_inputs_align(test_set):
    te = test_set.copy()
    te.index = pd.MultiIndex.from_arrays([te.index % 7, te.index], names=["k", "i"])
    expected = _by_position(te).by_group
    report = pf.audit(te["y"], te["p"].sort_index(), sensitive_features=te["sex"])
    pd.testing.assert_frame_equal(report.by_group, expected)


def test_a_series_beside_a_pandas_data_frame_aligns(test_set):
    te = test_set
    expected = _by_position(te).by_group
    report = pf.audit(
        data=te, y_true="y", y_pred=te["p"].sort_index(), sensitive_features="sex"
    )
    pd.testing.assert_frame_equal(report.by_group, expected)


def test_aligned_inputs_are_not_mutated(test_set):
    te = test_set
    p = te["p"].sort_index()
    before = p.copy()
    pf.audit(te["y"], p, sensitive_features=te["sex"])
    pd.testing.assert_series_equal(p, before)
