"""Bad input gets a FairnessValueError that names the argument and what was expected."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pytest

import pytest_fairness as pf
from pytest_fairness.exceptions import FairnessError, FairnessValueError

Y = np.array([1, 0, 1, 1, 0, 0])
P = np.array([1, 0, 0, 1, 1, 0])
S = np.array(["a", "a", "a", "b", "b", "b"])


def run(y_true=Y, y_pred=P, sf=S, **kw):
    kw.setdefault("min_group_size", 1)
    kw.setdefault("min_denominator", 1)
    return pf.audit(y_true, y_pred, sensitive_features=sf, **kw)


def test_error_is_a_value_error_and_a_fairness_error():
    assert issubclass(FairnessValueError, ValueError)
    assert issubclass(FairnessValueError, FairnessError)


def test_mismatched_lengths_name_both_arguments():
    with pytest.raises(FairnessValueError, match=r"y_pred has 5 rows but y_true has 6"):
        run(y_pred=P[:5])
    with pytest.raises(
        FairnessValueError, match=r"sensitive_features column .* 4 rows"
    ):
        run(sf=S[:4])
    with pytest.raises(FairnessValueError, match=r"sample_weight has 2 rows"):
        run(sample_weight=[1, 2])


def test_missing_values_in_labels_are_counted():
    y = Y.astype(float)
    y[[1, 4]] = np.nan
    with pytest.raises(
        FairnessValueError, match=r"y_true contains 2 missing value\(s\)"
    ):
        run(y_true=y)
    p = np.array([1, None, 0, 1, 1, 0], dtype=object)
    with pytest.raises(FairnessValueError, match=r"y_pred contains 1 missing"):
        run(y_pred=p)


def test_missing_sensitive_values_suggest_fillna():
    s = pd.Series(["a", None, "a", "b", np.nan, "b"], name="sex")
    with pytest.raises(FairnessValueError, match=r"'sex' contains 2 missing.*fillna"):
        run(sf=s)
    cat = pd.Series(["a", None, "a", "b", "b", "b"], dtype="category", name="sex")
    with pytest.raises(FairnessValueError, match=r"'sex' contains 1 missing"):
        run(sf=cat)


def test_more_than_two_label_values():
    with pytest.raises(FairnessValueError, match=r"at most two label values.*hold 3"):
        run(y_true=[0, 1, 2, 1, 0, 1])


def test_two_strings_need_pos_label():
    yt = np.array(["yes", "no", "yes", "yes", "no", "no"])
    yp = np.array(["yes", "no", "no", "yes", "yes", "no"])
    with pytest.raises(
        FairnessValueError, match=r"Pass pos_label=, e.g. pos_label='yes'"
    ):
        run(y_true=yt, y_pred=yp)
    report = run(y_true=yt, y_pred=yp, pos_label="yes")
    reference = run()
    assert (
        report.demographic_parity_difference == reference.demographic_parity_difference
    )
    with pytest.raises(FairnessValueError, match=r"pos_label='maybe' does not occur"):
        run(y_true=yt, y_pred=yp, pos_label="maybe")


def test_booleans_and_minus_one_labels():
    a = run(y_true=Y.astype(bool), y_pred=P.astype(bool))
    b = run(y_true=np.where(Y == 1, 1, -1), y_pred=np.where(P == 1, 1, -1))
    c = run()
    assert a.equalized_odds_difference == b.equalized_odds_difference
    assert a.equalized_odds_difference == c.equalized_odds_difference


def test_single_class_when_rate_needs_both():
    with pytest.raises(FairnessValueError, match=r"tpr is undefined for every group"):
        run(y_true=np.zeros(6, dtype=int), metrics=["tpr"])
    # without asking for it explicitly, the rate is reported as NaN
    report = run(y_true=np.zeros(6, dtype=int))
    assert report.by_group["tpr"].isna().all()


def test_unknown_metric_suggests_closest():
    with pytest.raises(
        FairnessValueError, match=r"unknown metric 'selction_rate'.*'selection_rate'"
    ):
        run(metrics=["selction_rate"])
    report = run()
    with pytest.raises(
        FairnessValueError, match=r"unknown disparity.*'demographic_parity_difference'"
    ):
        report.check({"demographic_parity_diference": 0.1})


def test_bad_weights():
    with pytest.raises(FairnessValueError, match=r"non-negative"):
        run(sample_weight=[1, -1, 1, 1, 1, 1])
    with pytest.raises(FairnessValueError, match=r"sample_weight contains 1 missing"):
        run(sample_weight=[1, np.nan, 1, 1, 1, 1])
    with pytest.raises(FairnessValueError, match=r"sums to 0"):
        run(sample_weight=np.zeros(6))


def test_empty_input():
    with pytest.raises(FairnessValueError, match=r"y_true is empty"):
        run(y_true=[], y_pred=[], sf=[])


def test_bound_on_a_metric_that_needs_scores():
    report = run()
    with pytest.raises(FairnessValueError, match=r"auc needs scores: pass y_score"):
        report.check({"auc_difference": 0.1})
    with pytest.raises(FairnessValueError, match=r"need scores: pass y_score"):
        run(metrics=["auc"])


def test_binary_metric_on_continuous_target():
    rng = np.random.default_rng(0)
    report = run(y_true=rng.random(6), y_pred=rng.random(6))
    assert report.task == "regression"
    with pytest.raises(FairnessValueError, match=r"tpr is a binary metric"):
        report.difference("tpr")


def test_bad_settings():
    with pytest.raises(
        FairnessValueError, match=r"min_group_size must be an integer >= 1"
    ):
        run(min_group_size=0)
    with pytest.raises(
        FairnessValueError, match=r"intersectional must be True or False"
    ):
        run(intersectional="yes")
    with pytest.raises(FairnessValueError, match=r"reference='zzz' is not a group"):
        run(reference="zzz")


def test_bad_bounds():
    report = run()
    with pytest.raises(FairnessValueError, match=r"must be a number or a pair"):
        report.check({"demographic_parity_difference": ("=<", 0.1)})
    with pytest.raises(FairnessValueError, match=r"must be a number. Got 'abc'"):
        report.check({"demographic_parity_difference": "abc"})
    with pytest.raises(FairnessValueError, match=r"cannot read the bound"):
        report.check(["demographic parity"])


@pytest.mark.parametrize(
    "make_sf",
    [
        lambda s: s.tolist(),
        lambda s: pd.Series(s, name="g"),
        lambda s: pd.Series(s, name="g", dtype="category"),
        lambda s: pd.Series(s, name="g", dtype="string"),
        lambda s: pd.DataFrame({"g": s}),
        lambda s: {"g": s},
        lambda s: pl.Series("g", s),
        lambda s: pl.DataFrame({"g": s}),
        lambda s: s.reshape(-1, 1),
    ],
)
def test_every_input_form_gives_the_same_report(make_sf):
    expected = run().demographic_parity_difference
    report = run(sf=make_sf(S))
    assert report.demographic_parity_difference == expected
    assert report.groups == (("a",), ("b",))


def test_int_bool_and_float_sensitive_columns():
    ints = np.array([10, 10, 10, 3000, 3000, 3000])
    assert run(sf=ints).groups == ((10,), (3000,))
    assert run(sf=ints > 100).groups == ((False,), (True,))
    assert run(sf=ints.astype(float)).groups == ((10.0,), (3000.0,))
    far = np.array([-(10**12), -(10**12), -(10**12), 10**12, 10**12, 10**12])
    assert run(sf=far).groups == ((-(10**12),), (10**12,))


def test_data_form_with_pandas_and_polars():
    frame = pd.DataFrame({"label": Y, "approved": P, "sex": S, "w": np.ones(6)})
    expected = run().by_group
    polars_frame = pl.DataFrame({"label": Y, "approved": P, "sex": S, "w": np.ones(6)})
    for data in (frame, polars_frame, polars_frame.lazy()):
        report = pf.audit(
            data=data,
            y_true="label",
            y_pred="approved",
            sensitive_features=["sex"],
            sample_weight="w",
            min_group_size=1,
            min_denominator=1,
        )
        pd.testing.assert_frame_equal(
            report.by_group.reset_index(drop=True), expected.reset_index(drop=True)
        )
    with pytest.raises(
        FairnessValueError, match=r"y_true='lable' is not a column.*'label'"
    ):
        pf.audit(
            data=frame, y_true="lable", y_pred="approved", sensitive_features="sex"
        )
    with pytest.raises(
        FairnessValueError, match=r"y_true=.label. is a column name; pass data=frame"
    ):
        pf.audit("label", "approved", sensitive_features=S)


def test_inputs_are_not_mutated():
    y, p, s = Y.copy(), P.copy(), S.copy()
    w = np.ones(6)
    run(y_true=y, y_pred=p, sf=s, sample_weight=w)
    np.testing.assert_array_equal(y, Y)
    np.testing.assert_array_equal(p, P)
    np.testing.assert_array_equal(s, S)
    np.testing.assert_array_equal(w, np.ones(6))
