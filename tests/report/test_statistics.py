"""Intervals, three-state verdicts, corrections, agreement with fairlearn."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from fairlearn import metrics as flm

import pytest_fairness as pf


def _data(rates, n_per_group, seed=0):
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(len(rates)), n_per_group)
    y = rng.integers(0, 2, g.size)
    p = (rng.random(g.size) < np.asarray(rates)[g]).astype(int)
    return y, p, g


def test_by_group_gets_wilson_columns_and_disparities_intervals():
    y, p, g = _data([0.5, 0.6], 400)
    report = pf.audit(y, p, sensitive_features=g, confidence=0.95)
    cols = list(report.by_group.columns)
    assert cols[:3] == ["selection_rate", "selection_rate_low", "selection_rate_high"]
    bg = report.by_group
    assert (bg["selection_rate_low"] < bg["selection_rate"]).all()
    assert (bg["selection_rate"] < bg["selection_rate_high"]).all()
    d = report.disparity("demographic_parity_difference")
    low, high = d.interval
    assert low < d.value < high
    assert report.interval("demographic_parity_difference") == d.interval
    eo_low, eo_high = report.interval("equalized_odds_ratio")
    assert eo_low < report.equalized_odds_ratio <= eo_high
    o_low, o_high = report.interval("selection_rate")
    assert o_low < report.overall["selection_rate"] < o_high


def test_same_seed_gives_bit_identical_intervals():
    y, p, g = _data([0.5, 0.55, 0.6], 300)
    a = pf.audit(y, p, sensitive_features=g, confidence=0.9, random_state=3)
    b = pf.audit(y, p, sensitive_features=g, confidence=0.9, random_state=3)
    assert a.to_json() == b.to_json()
    state = np.random.get_state()[1].copy()  # noqa: NPY002 - the legacy global state
    pf.audit(y, p, sensitive_features=g, confidence=0.9).interval("accuracy_difference")
    np.testing.assert_array_equal(np.random.get_state()[1], state)  # noqa: NPY002


def _fairlearn_and_ours(groups, rates, n=6000):
    rng = np.random.default_rng(0)
    s = rng.choice(groups, n)
    y = rng.integers(0, 2, n)
    rate = dict(zip(groups, rates, strict=True))
    p = (rng.random(n) < np.vectorize(rate.get)(s)).astype(int)
    mf = flm.MetricFrame(
        metrics=flm.selection_rate,
        y_true=y,
        y_pred=p,
        sensitive_features=s,
        n_boot=1000,
        ci_quantiles=[0.025, 0.975],
        random_state=0,
    )
    report = pf.audit(y, p, sensitive_features=s, confidence=0.95)
    return mf, report


def test_two_group_intervals_agree_with_fairlearn_bootstrap():
    # fairlearn resamples rows, we resample each group's cells: with groups of
    # ~3000 both estimate the same sampling distribution; 1000 replicates give
    # quantiles with Monte-Carlo error of about 0.003, so 0.01 is the tolerance.
    mf, report = _fairlearn_and_ours(["a", "b"], [0.45, 0.55])
    np.testing.assert_allclose(
        report.interval("selection_rate_difference"), mf.difference_ci(), atol=0.01
    )
    np.testing.assert_allclose(
        report.interval("selection_rate_ratio"), mf.ratio_ci(), atol=0.01
    )


def test_with_more_groups_the_unfair_end_agrees_and_the_fair_end_is_guarded():
    # With three groups the disparity is the largest of three gaps. The unfair
    # end (high for a difference, low for a ratio) is fairlearn's percentile;
    # the fair end holds for every pair at once, so it lies at least as far
    # from the estimate as fairlearn's (which reads the noisiest pair).
    mf, report = _fairlearn_and_ours(["a", "b", "c"], [0.45, 0.55, 0.65])
    low, high = report.interval("selection_rate_difference")
    fl_low, fl_high = mf.difference_ci()
    assert high == pytest.approx(fl_high, abs=0.01)
    assert low <= fl_low + 0.003
    low, high = report.interval("selection_rate_ratio")
    fl_low, fl_high = mf.ratio_ci()
    assert low == pytest.approx(fl_low, abs=0.01)
    assert high >= fl_high - 0.003
    assert low < report.ratio("selection_rate") < high


def test_the_fair_end_guards_against_the_worst_pair_of_equal_groups():
    # 20 groups with the same true rate: the observed worst pair is the largest
    # of 190 noisy gaps. Its own interval excludes 0 most of the time; the
    # interval of the disparity must still include parity.
    rng = np.random.default_rng(3)
    g = np.repeat(np.arange(20), 200)
    y = rng.integers(0, 2, g.size)
    p = (rng.random(g.size) < 0.5).astype(int)
    report = pf.audit(y, p, sensitive_features=g, confidence=0.95)
    d = report.disparity("demographic_parity_difference")
    assert d.value > 0.1  # what the point estimate alone would fail on
    assert d.interval[0] == 0.0
    assert report.interval("demographic_parity_ratio")[1] == 1.0
    verdict = report.check({"demographic_parity_difference": 0.05}).verdict
    assert verdict == "inconclusive"  # not "failed": the data cannot tell


def test_three_verdicts_and_how_much_data_settles():
    y, p, g = _data([0.5, 0.6], 300)
    report = pf.audit(y, p, sensitive_features=g, confidence=0.95, correction="none")
    d = report.disparity("demographic_parity_difference")
    result = report.check(
        {
            "demographic_parity_difference": 0.5,  # whole interval below: passed
            "demographic_parity_ratio": 0.99,  # whole interval below 0.99: failed
            "selection_rate_difference": round(d.value, 2),
        }  # straddles: inconclusive
    )
    assert [r.verdict for r in result.results] == ["passed", "failed", "inconclusive"]
    settle = result.results[2].settle
    assert "more rows per group" in settle
    text = str(result)
    assert "95% intervals" in text
    assert "to settle the inconclusive bounds" in text
    assert f"[{result.results[0].interval[0]:.3f}," in text
    with pytest.raises(pf.FairnessGateFailure):
        report.assert_within(selection_rate_difference=round(d.value, 2))
    with pytest.warns(pf.FairnessWarning, match="INCONCLUSIVE"):
        report.assert_within(
            selection_rate_difference=round(d.value, 2), on_inconclusive="warn"
        )


def test_holm_decides_more_than_bonferroni():
    y, p, g = _data([0.5, 0.62], 400, seed=4)
    bounds = {
        "demographic_parity_difference": 0.5,
        "false_positive_rate_difference": 0.6,
        "accuracy_difference": 0.5,
        "demographic_parity_ratio": 0.75,
    }
    verdicts = {}
    for correction in ("none", "holm", "bonferroni"):
        report = pf.audit(
            y, p, sensitive_features=g, confidence=0.95, correction=correction
        )
        result = report.check(bounds)
        assert result.family_size == 4
        verdicts[correction] = [r.verdict for r in result.results]
        levels = {r.level for r in result.results}
        if correction == "bonferroni":
            assert levels == {1 - 0.05 / 4}
    decided = {k: sum(v != "inconclusive" for v in vs) for k, vs in verdicts.items()}
    assert decided["none"] >= decided["holm"] >= decided["bonferroni"]


def test_coverage_of_nominal_95_percent_intervals():
    # fast version of benchmarks/bench_intervals.py: a fixed seed, 200 samples
    reps, cover = 200, {"rate": 0, "difference": 0, "equalized_odds": 0}
    rng = np.random.default_rng(2024)
    true_rates = np.array([0.5, 0.6])
    for r in range(reps):
        g = np.repeat([0, 1], 500)
        y = rng.integers(0, 2, g.size)
        p = (rng.random(g.size) < true_rates[g]).astype(int)
        report = pf.audit(
            y, p, sensitive_features=g, confidence=0.95, n_boot=400, random_state=r
        )
        low, high = report.by_group.loc[
            0, ["selection_rate_low", "selection_rate_high"]
        ]
        cover["rate"] += low <= 0.5 <= high
        low, high = report.interval("demographic_parity_difference")
        cover["difference"] += low <= 0.1 <= high
        # predictions independent of labels: TPR and FPR gaps both equal 0.1
        low, high = report.interval("equalized_odds_difference")
        cover["equalized_odds"] += low <= 0.1 <= high
    for name, k in cover.items():
        assert 0.90 <= k / reps <= 0.99, (name, k / reps)


def test_zero_disparity_rarely_fails_a_confident_gate():
    # 20 groups with equal rates, 8 bounds under Holm: false alarms <= 5%
    bounds = {
        f"{m}_difference": 0.1
        for m in [
            "selection_rate",
            "tpr",
            "fpr",
            "fnr",
            "tnr",
            "ppv",
            "accuracy",
            "npv",
        ]
    }
    failures = 0
    rng = np.random.default_rng(5)
    for r in range(60):
        g = np.repeat(np.arange(20), 200)
        y = rng.integers(0, 2, g.size)
        p = (rng.random(g.size) < 0.5).astype(int)
        report = pf.audit(
            y, p, sensitive_features=g, confidence=0.95, n_boot=300, random_state=r
        )
        failures += bool(report.check(bounds).failed)
    assert failures / 60 <= 0.05


def test_bad_statistics_settings():
    y, p, g = _data([0.5, 0.6], 50)
    with pytest.raises(pf.FairnessValueError, match="confidence must be a number"):
        pf.audit(y, p, sensitive_features=g, confidence=95)
    with pytest.raises(pf.FairnessValueError, match="ci_method must be one of"):
        pf.audit(y, p, sensitive_features=g, ci_method="wald")
    with pytest.raises(pf.FairnessValueError, match="correction must be one of"):
        pf.audit(y, p, sensitive_features=g, correction="fdr")
    with pytest.raises(pf.FairnessValueError, match="n_boot must be an integer >= 100"):
        pf.audit(y, p, sensitive_features=g, n_boot=10)
    report = pf.audit(y, p, sensitive_features=g)
    with pytest.raises(pf.FairnessValueError, match="no confidence level"):
        report.interval("demographic_parity_difference")
    assert report.interval("demographic_parity_difference", level=0.9)[0] >= 0
    with pytest.raises(pf.FairnessValueError, match="binary targets"):
        pf.audit(
            np.random.default_rng(0).random(100),
            np.random.default_rng(1).random(100),
            sensitive_features=np.repeat([0, 1], 50),
            confidence=0.95,
        )


def test_newcombe_method_for_differences_and_bootstrap_elsewhere():
    y, p, g = _data([0.5, 0.6], 400)
    report = pf.audit(y, p, sensitive_features=g, confidence=0.95, ci_method="newcombe")
    d = report.disparity("demographic_parity_difference")
    from pytest_fairness.metrics._intervals import newcombe_interval

    expected = newcombe_interval(
        d.low.value, d.low.count, d.high.value, d.high.count, 0.95
    )
    assert d.interval == pytest.approx(expected)
    low, high = report.interval("demographic_parity_ratio")  # bootstrap
    assert low < report.demographic_parity_ratio < high


def test_weights_widen_intervals_through_the_effective_size():
    y, p, g = _data([0.5, 0.6], 400)
    plain = pf.audit(y, p, sensitive_features=g, confidence=0.95)
    w = np.where(np.arange(y.size) % 2 == 0, 0.2, 1.8)
    weighted = pf.audit(y, p, sensitive_features=g, confidence=0.95, sample_weight=w)
    width = lambda r: np.subtract(*r.interval("selection_rate")[::-1])  # noqa: E731
    assert width(weighted) > width(plain)


def test_report_round_trip_keeps_statistics_settings():
    y, p, g = _data([0.5, 0.6], 200)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report = pf.audit(
            y,
            p,
            sensitive_features=g,
            confidence=0.9,
            n_boot=200,
            random_state=11,
            correction="bonferroni",
        )
    again = pf.FairnessReport.from_json(report.to_json())
    assert again.interval("demographic_parity_difference") == report.interval(
        "demographic_parity_difference"
    )
    assert again.correction == "bonferroni"


def _exact(rates, n_per_group):
    """Groups whose selection rates are exactly ``rates`` (rounded to a row)."""
    g = np.repeat(np.arange(len(rates)), n_per_group)
    p = np.zeros(g.size, dtype=int)
    for i, rate in enumerate(rates):
        p[i * n_per_group : i * n_per_group + round(rate * n_per_group)] = 1
    y = np.tile([0, 1], g.size // 2 + 1)[: g.size]
    return y, p, g


def _verdict(rates, n, bound):
    y, p, g = _exact(rates, n)
    report = pf.audit(y, p, sensitive_features=g, confidence=0.95, correction="none")
    (result,) = report.check(bound).results
    return result


@pytest.mark.parametrize(
    ("rates", "limit"),
    [
        ([0.5, 0.6], 0.14),  # passes once settled
        ([0.5, 0.6], 0.07),  # fails once settled
        ([0.5, 0.52, 0.6], 0.13),  # three groups: a lopsided max-min interval
        ([0.3, 0.31], 0.02),  # the estimate near the bound
    ],
)
def test_the_rows_that_settle_an_inconclusive_bound_do_settle_it(rates, limit):
    n = 200
    bound = {"demographic_parity_difference": limit}
    result = _verdict(rates, n, bound)
    assert result.verdict == "inconclusive"
    found = re.search(r"about ([\d,]+) more rows per group", result.settle)
    assert found is not None, result.settle
    more = int(found[1].replace(",", ""))
    assert more >= 1
    # the estimate is a normal approximation, and an interval end moves by about
    # 0.1 standard errors with the bootstrap's seed: 30% more rows must settle it
    assert _verdict(rates, n + int(1.3 * more), bound).verdict in ("passed", "failed")
    # and it does not ask for far more than needed: half of it is not enough
    assert _verdict(rates, n + more // 2, bound).verdict == "inconclusive"
