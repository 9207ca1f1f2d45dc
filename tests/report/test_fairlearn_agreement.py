"""Every metric and named disparity equals fairlearn's on the same input."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from fairlearn import metrics as flm
from sklearn.metrics import precision_score, roc_auc_score

import pytest_fairness as pf

RTOL = 1e-12


def _npv(y_true, y_pred, sample_weight=None):
    # negative predictive value = precision of the negative class
    return precision_score(y_true, y_pred, pos_label=0, sample_weight=sample_weight)


FAIRLEARN = {
    "selection_rate": flm.selection_rate,
    "tpr": flm.true_positive_rate,
    "fpr": flm.false_positive_rate,
    "fnr": flm.false_negative_rate,
    "tnr": flm.true_negative_rate,
    "ppv": lambda yt, yp, sample_weight=None: precision_score(
        yt, yp, sample_weight=sample_weight, zero_division=0
    ),
    "npv": _npv,
    "accuracy": lambda yt, yp, sample_weight=None: float(
        np.average(yt == yp, weights=sample_weight)
    ),
    "error_rate": lambda yt, yp, sample_weight=None: float(
        np.average(yt != yp, weights=sample_weight)
    ),
    "base_rate": lambda yt, yp, sample_weight=None: float(
        np.average(yt, weights=sample_weight)
    ),
}

NAMED = [
    ("demographic_parity_difference", flm.demographic_parity_difference),
    ("demographic_parity_ratio", flm.demographic_parity_ratio),
    ("equalized_odds_difference", flm.equalized_odds_difference),
    ("equalized_odds_ratio", flm.equalized_odds_ratio),
    ("equal_opportunity_difference", flm.equal_opportunity_difference),
    ("equal_opportunity_ratio", flm.equal_opportunity_ratio),
    ("false_positive_rate_difference", flm.false_positive_rate_difference),
    ("false_negative_rate_ratio", flm.false_negative_rate_ratio),
    ("true_negative_rate_difference", flm.true_negative_rate_difference),
    ("selection_rate_ratio", flm.selection_rate_ratio),
]


def _metric_frame(d, weighted):
    params = None
    if weighted:
        params = {m: {"sample_weight": d["w"]} for m in FAIRLEARN}
    return flm.MetricFrame(
        metrics=FAIRLEARN,
        y_true=d["y_true"],
        y_pred=d["y_pred"],
        sensitive_features=d["sf"],
        sample_params=params,
    )


@pytest.mark.parametrize("n_columns", [1, 2, 3])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_by_group_equals_metric_frame(n_columns, weighted, seed, make_data):
    d = make_data(3000, seed=seed, n_columns=n_columns, weights=weighted)
    report = pf.audit(
        d["y_true"],
        d["y_pred"],
        sensitive_features=d["sf"],
        sample_weight=d["w"],
        min_group_size=1,
        min_denominator=1,
    )
    mf = _metric_frame(d, weighted)
    expected = mf.by_group.dropna(how="all")
    ours = report.by_group
    assert len(ours) == len(expected)
    for metric in FAIRLEARN:
        ours_m = ours[metric].to_numpy()
        theirs = expected[metric].reindex(ours.index).to_numpy(dtype=float)
        np.testing.assert_allclose(ours_m, theirs, rtol=RTOL, atol=1e-15)
        overall = mf.overall[metric]
        assert report.overall[metric] == pytest.approx(overall, rel=RTOL, abs=1e-15)
    counts = flm.MetricFrame(
        metrics=flm.count,
        y_true=d["y_true"],
        y_pred=d["y_pred"],
        sensitive_features=d["sf"],
    ).by_group.dropna()
    np.testing.assert_array_equal(
        ours["count"].to_numpy(), counts.reindex(ours.index).to_numpy()
    )


@pytest.mark.parametrize("n_columns", [1, 2, 3])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize(("name", "fn"), NAMED)
def test_named_disparities_equal_fairlearn(n_columns, weighted, name, fn, make_data):
    d = make_data(4000, seed=n_columns, n_columns=n_columns, weights=weighted)
    report = pf.audit(
        d["y_true"],
        d["y_pred"],
        sensitive_features=d["sf"],
        sample_weight=d["w"],
        min_group_size=1,
        min_denominator=1,
    )
    expected = fn(
        d["y_true"], d["y_pred"], sensitive_features=d["sf"], sample_weight=d["w"]
    )
    assert report.disparity(name).value == pytest.approx(expected, rel=RTOL, abs=1e-15)


def test_named_properties_match_disparity(make_data):
    d = make_data(2000, seed=5)
    report = pf.audit(d["y_true"], d["y_pred"], sensitive_features=d["sf"])
    assert report.demographic_parity_difference == pytest.approx(
        flm.demographic_parity_difference(
            d["y_true"], d["y_pred"], sensitive_features=d["sf"]
        ),
        rel=RTOL,
    )
    assert report.equalized_odds_ratio == pytest.approx(
        flm.equalized_odds_ratio(d["y_true"], d["y_pred"], sensitive_features=d["sf"]),
        rel=RTOL,
    )
    assert report.difference("ppv") == report.predictive_parity_difference
    assert report.ratio("accuracy") == report.accuracy_ratio


def test_auc_and_brier_equal_sklearn_per_group(make_data):
    d = make_data(3000, seed=7, weights=True)
    rng = np.random.default_rng(7)
    # scores with many ties, to exercise the tie handling
    score = np.round(np.clip(0.3 * d["y_true"] + rng.random(3000) * 0.7, 0, 1), 2)
    report = pf.audit(
        d["y_true"],
        d["y_pred"],
        sensitive_features=d["sf"],
        y_score=score,
        sample_weight=d["w"],
        min_group_size=1,
        min_denominator=1,
    )
    sf = d["sf"]
    for (sex, race), row in report.by_group.iterrows():
        mask = ((sf["sex"] == sex) & (sf["race"] == race)).to_numpy()
        yt, s, w = d["y_true"][mask], score[mask], d["w"][mask]
        assert row["auc"] == pytest.approx(
            roc_auc_score(yt, s, sample_weight=w), rel=1e-12
        )
        assert row["brier"] == pytest.approx(
            np.average((s - yt) ** 2, weights=w), rel=1e-12
        )
    assert report.overall["auc"] == pytest.approx(
        roc_auc_score(d["y_true"], score, sample_weight=d["w"]), rel=1e-12
    )
    marg = report.marginal("sex")
    for sex, row in marg.iterrows():
        mask = (sf["sex"] == sex).to_numpy()
        assert row["auc"] == pytest.approx(
            roc_auc_score(d["y_true"][mask], score[mask], sample_weight=d["w"][mask]),
            rel=1e-12,
        )


def test_calibration_error_matches_binned_definition():
    rng = np.random.default_rng(3)
    n = 2000
    g = rng.choice(["a", "b"], n)
    score = rng.random(n)
    y = (rng.random(n) < score**1.5).astype(int)
    report = pf.audit(y, (score > 0.5).astype(int), sensitive_features=g, y_score=score)
    for grp in ["a", "b"]:
        m = g == grp
        bins = np.minimum((score[m] * 10).astype(int), 9)
        ece = (
            sum(
                abs(score[m][bins == b].sum() - y[m][bins == b].sum())
                for b in range(10)
            )
            / m.sum()
        )
        assert report.by_group.loc[grp, "calibration_error"] == pytest.approx(ece)


def test_mean_prediction_and_mae_equal_fairlearn():
    rng = np.random.default_rng(11)
    n = 1500
    sf = pd.DataFrame(
        {"sex": rng.choice(["f", "m"], n), "race": rng.choice(["x", "y"], n)}
    )
    y_true = rng.normal(50, 10, n)
    y_pred = y_true + rng.normal(2, 5, n)
    w = rng.uniform(0.5, 2, n)
    report = pf.audit(y_true, y_pred, sensitive_features=sf, sample_weight=w)
    from sklearn.metrics import mean_absolute_error

    mf = flm.MetricFrame(
        metrics={"mean_prediction": flm.mean_prediction, "mae": mean_absolute_error},
        y_true=y_true,
        y_pred=y_pred,
        sensitive_features=sf,
        sample_params={
            "mean_prediction": {"sample_weight": w},
            "mae": {"sample_weight": w},
        },
    )
    for metric in ["mean_prediction", "mae"]:
        np.testing.assert_allclose(
            report.by_group[metric].to_numpy(),
            mf.by_group[metric].reindex(report.by_group.index).to_numpy(),
            rtol=1e-12,
        )
    assert report.task == "regression"
    assert report.difference("mae") == pytest.approx(mf.difference()["mae"], rel=1e-12)


def test_empty_denominator_is_nan_where_fairlearn_gives_zero():
    # group "b" has no actual positives: TPR is undefined there.
    y_true = np.array([1, 1, 0, 0, 0, 0, 0, 0])
    y_pred = np.array([1, 0, 0, 1, 1, 0, 0, 0])
    sf = np.array(["a", "a", "a", "a", "b", "b", "b", "b"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sklearn warns about the ill-defined recall
        theirs = flm.MetricFrame(
            metrics=flm.true_positive_rate,
            y_true=y_true,
            y_pred=y_pred,
            sensitive_features=sf,
        ).by_group
    report = pf.audit(
        y_true, y_pred, sensitive_features=sf, min_group_size=1, min_denominator=1
    )
    assert theirs["b"] == 0.0
    assert np.isnan(report.by_group.loc["b", "tpr"])
    d = report.disparity("equal_opportunity_difference")
    # fewer than two groups have a TPR: the disparity is undefined, and says why
    assert np.isnan(d.value)
    assert (("b",), "tpr undefined: the group has no actual positives") in d.excluded
    assert "fewer than two groups" in d.reason
    assert any("tpr is undefined for b" in line for line in report.undefined())


def test_groups_that_do_not_occur_are_not_listed():
    sf = pd.DataFrame({"sex": ["f", "f", "m", "m"], "race": ["x", "y", "x", "x"]})
    report = pf.audit(
        [1, 0, 1, 0],
        [1, 0, 0, 0],
        sensitive_features=sf,
        min_group_size=1,
        min_denominator=1,
    )
    theirs = flm.MetricFrame(
        metrics=flm.selection_rate,
        y_true=[1, 0, 1, 0],
        y_pred=[1, 0, 0, 0],
        sensitive_features=sf,
    ).by_group
    assert len(theirs) == 4  # fairlearn lists the full product, with NaN for (m, y)
    assert list(report.by_group.index) == [("f", "x"), ("f", "y"), ("m", "x")]
