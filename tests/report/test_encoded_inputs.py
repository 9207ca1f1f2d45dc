"""Category codes and integer ranges counted as they are give the same reports.

The audit counts category codes and short ranges of integers by slot (unused
categories and gaps included), factorises other columns, and falls back to the
combined, compressed codes when the slots would be too many: every way must
give the report the factorised columns give.
"""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest

import pytest_fairness as pf
from pytest_fairness.report import _audit


def _data(n=6000, seed=0):
    rng = np.random.default_rng(seed)
    sex = np.array(["f", "m"], dtype=object)[rng.integers(0, 2, n)]
    race = np.array(["a", "b", "c", "d"], dtype=object)[rng.integers(0, 4, n)]
    age = rng.choice([19, 35, 62, 80], n)  # gaps: a range of 62 slots
    y = rng.integers(0, 2, n).astype(np.int8)
    p = (rng.random(n) < 0.3 + 0.3 * (sex == "m")).astype(np.int8)
    score = np.clip(0.6 * p + 0.4 * rng.random(n), 0, 1)
    return sex, race, age, y, p, score


def _audit_json(y, p, frame, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pf.FairnessWarning)
        report = pf.audit(y, p, sensitive_features=frame, **kwargs)
    return report, report.to_json()


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"confidence": 0.95, "n_boot": 200},
        {"intersectional": False, "confidence": 0.9, "n_boot": 200},
        {"sample_weight": "w"},
        {"y_score": "score"},
        {"min_group_size": 200, "reference": "majority"},
    ],
)
def test_codes_strings_and_fallback_give_the_same_report(kwargs, monkeypatch):
    sex, race, age, y, p, score = _data()
    kwargs = dict(kwargs)
    if kwargs.get("sample_weight") == "w":
        kwargs["sample_weight"] = np.random.default_rng(3).gamma(2.0, 1.0, y.size)
    if kwargs.get("y_score") == "score":
        kwargs["y_score"] = score
    strings = pd.DataFrame({"sex": sex, "race": race, "age": age.astype(object)})
    categories = pd.DataFrame(
        {
            "sex": pd.Categorical(sex, categories=["f", "m", "x"]),  # x unused
            "race": pd.Categorical(race),
            "age": age,
        }
    )
    _, expected = _audit_json(y, p, strings, **kwargs)
    _, by_slot = _audit_json(y, p, categories, **kwargs)
    monkeypatch.setattr(_audit, "_MAX_SLOTS", 1)
    _, compressed = _audit_json(y, p, categories, **kwargs)
    assert by_slot == expected
    assert compressed == expected


def test_unused_categories_and_gaps_are_not_groups():
    _sex, race, age, y, p, _ = _data()
    cats = pd.Categorical(race, categories=["z", "a", "b", "c", "d"])
    report = pf.audit(
        y, p, sensitive_features={"race": cats, "age": age}, min_group_size=1
    )
    assert report.marginals["race"].groups == (("a",), ("b",), ("c",), ("d",))
    assert report.marginals["age"].groups == ((19,), (35,), (62,), (80,))
    assert report.n_groups == 16
    assert all(type(g[1]) is int for g in report.groups)


def test_group_labels_read_as_the_tuple_they_stand_for():
    sex, _race, age, y, p, _ = _data()
    report = pf.audit(
        y, p, sensitive_features={"sex": sex, "age": age}, min_group_size=1
    )
    labels = report.table.groups
    expected = tuple((s, a) for s in ("f", "m") for a in (19, 35, 62, 80))
    assert labels == expected
    assert expected == labels
    assert report.groups == expected
    assert isinstance(report.groups, tuple)
    assert len(labels) == 8
    assert labels[0] == ("f", 19)
    assert labels[-1] == ("m", 80)
    assert labels[2:4] == expected[2:4]
    assert labels.index(("m", 35)) == 5
    assert ("m", 35) in labels
    fresh = pf.audit(
        y, p, sensitive_features={"sex": sex, "age": age}, min_group_size=1
    ).table.groups
    assert fresh.index(("m", 35)) == 5  # found from the level codes
    for table in (labels, fresh):
        with pytest.raises(ValueError, match="not"):
            table.index(("m", 36))
    assert repr(labels) == repr(expected)
    assert pickle.loads(pickle.dumps(labels)) == expected  # noqa: S301 - our own bytes
    assert list(labels) == list(expected)


def test_left_out_groups_read_as_a_tuple_of_reasons():
    _sex, race, age, y, p, _ = _data(n=400)
    with pytest.warns(pf.FairnessWarning, match="fewer than min_group_size"):
        report = pf.audit(
            y, p, sensitive_features={"race": race, "age": age}, min_group_size=30
        )
    d = report.disparity("demographic_parity_difference")
    excluded = tuple(d.excluded)
    assert excluded
    assert all(r.startswith("n=") and "< min_group_size=30" in r for _, r in excluded)
    assert d.excluded == excluded
    assert excluded == d.excluded
    assert len(d.excluded) == len(excluded)
    assert d.excluded[0] == excluded[0]
    assert dict(d.excluded) == dict(excluded)
    assert repr(d.excluded) == repr(excluded)
    assert pickle.loads(pickle.dumps(d.excluded)) == excluded  # noqa: S301 - our own bytes


def test_strings_with_missing_values_name_their_rows_once():
    values = np.array(["a", "b", None, "a", "b", None], dtype=object)
    y = np.array([1, 0, 1, 0, 1, 0])
    for column in (
        pd.Series(values, index=list("uvwxyz")),
        pd.Series(values, index=list("uvwxyz"), dtype="string"),
    ):
        with pytest.raises(pf.FairnessValueError) as caught:
            pf.audit(y, y, sensitive_features=column)
        message = str(caught.value)
        assert "contains 2 missing value(s) (NaN or None) out of 6 rows" in message
        assert "index labels ['w', 'z']" in message
    with pytest.raises(pf.FairnessValueError, match=r"positions \[2, 5\]"):
        pf.audit(y, y, sensitive_features=values)


def test_missing_category_codes_are_refused_with_their_rows():
    cats = pd.Series(pd.Categorical(["a", None, "b", "a"]))
    y = np.array([1, 0, 1, 0])
    with pytest.raises(pf.FairnessValueError, match=r"1 missing value.*labels \[1\]"):
        pf.audit(y, y, sensitive_features=cats)


def test_integer_labels_are_used_as_they_are():
    sex, _race, _age, y, p, _ = _data()
    as_int8 = pf.audit(y, p, sensitive_features=sex, min_group_size=1)
    as_int64 = pf.audit(
        y.astype(np.int64), p.astype(np.int64), sensitive_features=sex, min_group_size=1
    )
    as_bool = pf.audit(
        y.astype(bool), p.astype(bool), sensitive_features=sex, min_group_size=1
    )
    assert as_int8.to_json() == as_int64.to_json() == as_bool.to_json()
    assert y.dtype == np.int8  # the input is not converted in place
