"""Mistakes at the audit's boundary get a message that says what to do."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import pytest_fairness as pf

N = 1000


@pytest.fixture
def binary() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(5)
    proba = rng.random(N)
    return {
        "y": (rng.random(N) < proba).astype(int),
        "proba": proba,
        "sex": rng.choice(["f", "m"], N),
    }


# -- missing sensitive values: rows by index label -----------------------------


def test_missing_sensitive_values_are_named_by_index_label():
    te = pd.DataFrame(
        {"y": [1, 0] * 100, "p": [1, 1] * 100, "sex": ["f", "m"] * 100},
        index=np.arange(200) * 3 + 7,
    )
    te.loc[[79, 124], "sex"] = None
    with pytest.raises(
        pf.FairnessValueError,
        match=r"'sex' contains 2 missing value\(s\) \(NaN or None\) out of 200 rows, "
        r"in the rows with index labels \[79, 124\]\. Fill them",
    ):
        pf.audit(te["y"], te["p"], sensitive_features=te["sex"])
    # the labels select those rows
    assert te.loc[[79, 124], "sex"].isna().all()


def test_missing_values_in_arrays_are_named_by_position():
    s = np.array(["f", "m"] * 10, dtype=object)
    s[[3, 8]] = None
    with pytest.raises(
        pf.FairnessValueError, match=r"in the rows at positions \[3, 8\]\."
    ):
        pf.audit([1, 0] * 10, [1, 1] * 10, sensitive_features=s, min_group_size=1)


def test_at_most_ten_rows_are_shown():
    s = pd.Series(["f", "m"] * 50, index=[f"r{i}" for i in range(100)], name="sex")
    s.iloc[::4] = np.nan
    with pytest.raises(
        pf.FairnessValueError,
        match=re.escape(
            "in the rows with index labels ['r0', 'r4', 'r8', 'r12', 'r16', 'r20', "
            "'r24', 'r28', 'r32', 'r36'] and 15 more."
        ),
    ):
        pf.audit([1, 0] * 50, [1, 1] * 50, sensitive_features=s)


def test_an_array_column_beside_pandas_labels_is_named_by_those_labels():
    y = pd.Series([1, 0] * 10, index=range(100, 120))
    s = np.array(["f", "m"] * 10, dtype=object)
    s[5] = np.nan
    with pytest.raises(pf.FairnessValueError, match=r"index labels \[105\]"):
        pf.audit(y, y.to_numpy(), sensitive_features=s, min_group_size=1)


def test_missing_labels_and_weights_are_named_by_index_label():
    y = pd.Series([1.0, 0.0] * 10, index=range(100, 120))
    y.iloc[2] = np.nan
    with pytest.raises(
        pf.FairnessValueError, match=r"y_true contains 1 missing.*index labels \[102\]"
    ):
        pf.audit(y, [1, 0] * 10, sensitive_features=["a", "b"] * 10, min_group_size=1)
    w = pd.Series(np.ones(20), index=range(100, 120))
    w.iloc[7] = np.nan
    with pytest.raises(
        pf.FairnessValueError,
        match=r"sample_weight contains 1 missing.*index labels \[107\]",
    ):
        pf.audit(
            y.fillna(1),
            [1, 0] * 10,
            sensitive_features=["a", "b"] * 10,
            sample_weight=w,
            min_group_size=1,
        )


# -- column names without data= ------------------------------------------------


def test_a_column_name_without_data_says_so(binary):
    y, p = binary["y"], binary["y"]
    with pytest.raises(
        pf.FairnessValueError,
        match=re.escape(
            "sensitive_features='sex' is a column name; pass data=frame "
            "(or the column itself)."
        ),
    ):
        pf.audit(y, p, sensitive_features="sex")
    with pytest.raises(
        pf.FairnessValueError,
        match=re.escape("sensitive_features=['sex', 'race'] are column names"),
    ):
        pf.audit(y, p, sensitive_features=["sex", "race"])
    for arg in ("y_score", "sample_weight"):
        with pytest.raises(
            pf.FairnessValueError, match=rf"{arg}='s' is a column name; pass data="
        ):
            pf.audit(y, p, sensitive_features=binary["sex"], **{arg: "s"})


def test_fairness_check_with_a_column_name_and_no_frame(pytester):
    pytester.makepyfile(
        """
        import numpy as np

        def test_model(fairness):
            y = np.array([0, 1] * 200)
            fairness.check(
                y, y, sensitive_features="sex", demographic_parity_difference=0.1
            )
        """
    )
    result = pytester.runpytest_inprocess()
    result.assert_outcomes(failed=1)
    assert (
        "FairnessValueError: sensitive_features=['sex'] are column names (or 1 "
        "value(s) for 400 rows); pass data=frame (or the columns themselves)."
    ) in result.stdout.str()


# -- unhashable group values -----------------------------------------------------


@pytest.mark.parametrize(
    ("value", "kind"), [([1, 2], "list"), ({"a": 1}, "dict"), ({1, 2}, "set")]
)
def test_unhashable_group_values_name_the_column_and_the_type(value, kind):
    values = np.array(["x"] * 20, dtype=object)
    values[4] = value
    tags = pd.Series(values, index=range(50, 70), name="tags")
    with pytest.raises(
        pf.FairnessValueError,
        match=rf"sensitive feature 'tags' holds values of type {kind} "
        r"\(e\.g\. .* in the rows with index labels \[54\]\), which cannot name a "
        r"group.*\.map\(tuple\)",
    ):
        pf.audit([1, 0] * 10, [1, 1] * 10, sensitive_features=tags, min_group_size=1)


def test_hashable_containers_are_groups():
    tags = pd.Series([("a", 1), ("b", 2)] * 10, name="tags")
    report = pf.audit(
        [1, 0] * 10, [1, 1] * 10, sensitive_features=tags, min_group_size=1
    )
    assert report.groups == (((("a", 1)),), ((("b", 2)),))
