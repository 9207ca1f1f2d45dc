"""Honest verdicts at the edges: rates of 0 and 1, thin denominators, lost levels."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pytest_fairness as pf
from pytest_fairness.metrics._intervals import newcombe_interval, wilson_interval


def tpr_groups(hits: list[int], positives: list[int], **kw) -> pf.FairnessReport:
    """Groups with only positives: ``hits[i]`` of ``positives[i]`` predicted 1."""
    y, p, g = [], [], []
    for i, (k, n) in enumerate(zip(hits, positives, strict=True)):
        y += [1] * n
        p += [1] * k + [0] * (n - k)
        g += [f"g{i}"] * n
    kw.setdefault("min_group_size", 1)
    kw.setdefault("min_denominator", 1)
    return pf.audit(y, p, sensitive_features=g, confidence=0.95, **kw)


def test_zero_of_three_against_all_of_23_is_not_certain() -> None:
    report = tpr_groups([0, 23], [3, 23])
    low, high = report.interval("equal_opportunity_difference")
    # Wilson: 0/3 <= 0.56 and 23/23 >= 0.86, so the gap may be as small as 0.30
    assert high == pytest.approx(1.0)
    assert low < 1 - 0.56 + 0.01  # well below 1.0: no false certainty
    (result,) = report.check({"equal_opportunity_difference": 0.9}).results
    assert result.verdict == "inconclusive"


def test_two_perfect_groups_do_not_pass_a_tight_bound() -> None:
    report = tpr_groups([3, 23], [3, 23])
    low, high = report.interval("equal_opportunity_difference")
    assert low == 0.0
    assert high >= 0.5  # 3/3 is compatible with a TPR of 0.44
    (result,) = report.check({"equal_opportunity_difference": 0.01}).results
    assert result.verdict == "inconclusive"
    assert "-0.000" not in str(report.check({"equal_opportunity_difference": 0.01}))


def test_a_perfect_rate_from_twelve_rows_widens_the_interval() -> None:
    # one group at 12/12, others near it: the bootstrap alone says [0, 0.04]
    report = tpr_groups([12, 196, 193], [12, 200, 200])
    _, high = report.interval("equal_opportunity_difference")
    wilson_low, _ = wilson_interval(np.array([1.0]), np.array([12.0]), 0.95)
    assert high >= 1 - wilson_low[0] - 0.05


@settings(max_examples=60, deadline=None)
@given(
    n1=st.integers(3, 60),
    n2=st.integers(3, 60),
    data=st.data(),
)
def test_a_difference_interval_holds_the_worst_pairs_newcombe_interval(
    n1: int, n2: int, data: st.DataObject
) -> None:
    k1 = data.draw(st.integers(0, n1))
    k2 = data.draw(st.integers(0, n2))
    report = tpr_groups([k1, k2], [n1, n2])
    d = report.disparity("equal_opportunity_difference")
    if d.low is None or d.high is None:
        return
    p1, p2 = d.low.value, d.high.value
    m1, m2 = (n1, n2) if d.low.group == ("g0",) else (n2, n1)
    lo, hi = newcombe_interval(p1, m1, p2, m2, 0.95)
    low, high = report.interval("equal_opportunity_difference")
    assert low <= max(lo, 0.0) + 1e-12
    assert high >= hi - 1e-12


def test_min_denominator_leaves_thin_rates_out_and_says_why() -> None:
    report = tpr_groups([1, 2, 15], [2, 3, 20], min_denominator=10)
    d = report.disparity("equal_opportunity_difference")
    assert np.isnan(d.value)
    reasons = dict(d.excluded)
    assert reasons[("g0",)] == "tpr from 2 positives < min_denominator=10"
    assert reasons[("g1",)] == "tpr from 3 positives < min_denominator=10"
    # selection rates count every row: min_group_size governs them alone
    assert not np.isnan(report.demographic_parity_difference)
    assert report.denominators("tpr") == {("g0",): 2, ("g1",): 3, ("g2",): 20}
    with pytest.raises(pf.FairnessValueError, match="not a binary rate"):
        report.denominators("count")


def test_the_worst_pair_carries_its_rates_denominators() -> None:
    report = tpr_groups([1, 15], [2, 20])
    d = report.disparity("equal_opportunity_difference")
    assert d.low is not None
    assert d.high is not None
    assert (d.low.denominator, d.low.numerator) == (2, 1)
    assert (d.high.denominator, d.high.numerator) == (20, 15)
    row = next(
        line
        for line in str(report.check({"equal_opportunity_difference": 0.1})).split("\n")
        if line.startswith("equal_opportunity_difference")
    )
    assert "g0 0.500 (2 positives, n=2) vs g1 0.750 (20 positives, n=20)" in row


def test_a_level_lost_to_small_intersections_keeps_a_bound_from_passing() -> None:
    # 60 women over three age bands of 20: every intersection of women is small
    sex = np.array(["f"] * 60 + ["m"] * 300)
    age = np.tile(["<25", "25-45", ">45"], 120)
    y = np.tile([1, 1, 0], 120)
    p = np.where(sex == "m", np.tile([1, 1, 0, 1], 90), 0)
    with pytest.warns(pf.FairnessWarning):
        report = pf.audit(y, p, sensitive_features={"sex": sex, "age": age})
    d = report.disparity("demographic_parity_difference")
    assert [(x.attribute, x.level) for x in d.lost_levels] == [("sex", "f")]
    (result,) = report.check({"demographic_parity_difference": 0.9}).results
    assert result.verdict == "inconclusive"
    assert "lost sex=f" in result.settle
    # on sex alone the 60 women are compared, and the gap of 0.75 fails
    alone = pf.audit(y, p, sensitive_features=sex)
    assert alone.check({"demographic_parity_difference": 0.5}).verdict == "failed"
