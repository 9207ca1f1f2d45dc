"""FairnessReport: disparities, reference groups, small groups, gates, serialisation."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

import pytest_fairness as pf


@pytest.fixture
def loan():
    """Approval rates 0.76 (men) vs 0.58 (women), race with a small group."""
    rng = np.random.default_rng(42)
    n = 4000
    sex = rng.choice(["male", "female"], n)
    race = rng.choice(["white", "black", "asian"], n, p=[0.6, 0.39, 0.01])
    rate = np.where(sex == "male", 0.76, 0.58)
    y_pred = (rng.random(n) < rate).astype(int)
    y_true = (rng.random(n) < 0.5 + 0.3 * (y_pred - 0.5)).astype(int)
    return y_true, y_pred, pd.DataFrame({"sex": sex, "race": race})


def test_small_groups_are_flagged_warned_and_left_out(loan):
    y, p, sf = loan
    with pytest.warns(pf.FairnessWarning, match=r"fewer than min_group_size=30.*asian"):
        report = pf.audit(y, p, sensitive_features=sf)
    small = report.by_group[report.by_group["small_group"]]
    assert set(small.index.get_level_values("race")) == {"asian"}
    d = report.disparity("demographic_parity_difference")
    assert all(g[1] != "asian" for g in (d.low.group, d.high.group))
    assert any(g[1] == "asian" and "min_group_size" in r for g, r in d.excluded)
    # with the small groups kept, the value is computed over all groups
    all_groups = pf.audit(
        y, p, sensitive_features=sf, min_group_size=1, min_denominator=1
    )
    eligible = report.by_group[~report.by_group["small_group"]]["selection_rate"]
    assert d.value == pytest.approx(eligible.max() - eligible.min())
    assert all_groups.demographic_parity_difference >= d.value


def test_marginals_sum_from_intersections(loan):
    y, p, sf = loan
    report = pf.audit(y, p, sensitive_features=sf, min_group_size=1, min_denominator=1)
    by_sex = report.marginal("sex")
    for sex in ["female", "male"]:
        mask = (sf["sex"] == sex).to_numpy()
        assert by_sex.loc[sex, "count"] == mask.sum()
        assert by_sex.loc[sex, "selection_rate"] == pytest.approx(p[mask].mean())
    single = pf.audit(
        y, p, sensitive_features=sf["sex"], min_group_size=1, min_denominator=1
    )
    assert report.difference("selection_rate", attribute="sex") == pytest.approx(
        single.demographic_parity_difference
    )


def test_intersectional_false_reports_worst_column(loan):
    y, p, sf = loan
    report = pf.audit(y, p, sensitive_features=sf, intersectional=False)
    per_column = {
        a: report.difference("selection_rate", attribute=a) for a in ["sex", "race"]
    }
    d = report.disparity("demographic_parity_difference")
    assert d.value == max(per_column.values())
    assert d.attribute == "sex"
    assert list(report.by_group.index.names) == ["attribute", "level"]


def test_reference_group(loan):
    y, p, sf = loan
    report = pf.audit(y, p, sensitive_features=sf["sex"], reference="male")
    rates = report.by_group["selection_rate"]
    d = report.disparity("demographic_parity_ratio")
    assert d.reference == ("male",)
    assert d.value == pytest.approx(rates["female"] / rates["male"])
    majority = pf.audit(y, p, sensitive_features=sf["sex"], reference="majority")
    biggest = report.by_group["count"].idxmax()
    assert majority.disparity("demographic_parity_difference").reference == (biggest,)
    inter = pf.audit(
        y,
        p,
        sensitive_features=sf,
        reference=("male", "white"),
        min_group_size=1,
        min_denominator=1,
    )
    r = inter.by_group["selection_rate"]
    ref = r[("male", "white")]
    assert inter.demographic_parity_difference == pytest.approx((r - ref).abs().max())
    folded = np.minimum(r / ref, ref / r).drop(("male", "white")).min()
    assert inter.demographic_parity_ratio == pytest.approx(folded)


def test_check_and_assert_within_render_a_readable_table(loan):
    y, p, sf = loan
    with pytest.warns(pf.FairnessWarning):
        report = pf.audit(y, p, sensitive_features=sf, min_group_size=50)
    result = report.check(
        {
            "demographic_parity_difference": 0.1,
            "demographic_parity_ratio": (">=", 0.8),
            "equalized_odds_difference": 1.0,
        }
    )
    assert not result
    assert result.verdict == "failed"
    # every asian group is under 50 rows: no bound can pass without that level
    # (a failed one stays failed: the groups compared already violate it)
    assert [r.verdict for r in result.results] == ["failed", "failed", "inconclusive"]
    text = str(result)
    lines = text.splitlines()
    assert lines[0] == "fairness gate failed: 2 of 3 bound(s) failed, 1 inconclusive"
    assert "not compared: race=asian: no compared group carries it" in text
    assert "equalized_odds_difference: the comparison lost race=asian" in text
    assert "sex × race" in lines[1]
    row = next(
        line for line in lines if line.startswith("demographic_parity_difference")
    )
    d = report.disparity("demographic_parity_difference")
    assert "<= 0.1" in row
    assert f"{d.value:.3f}" in row
    assert "FAILED" in row
    # worst pair: both groups with their rates and counts
    assert f"{d.low.value:.3f} (n={d.low.count:,})" in row
    assert f"{d.high.value:.3f} (n={d.high.count:,})" in row
    assert "left out for size: female, asian (n=" in text
    with pytest.raises(pf.FairnessGateFailure) as excinfo:
        report.assert_within(demographic_parity_difference=0.1)
    assert isinstance(excinfo.value, AssertionError)
    assert "demographic_parity_difference" in str(excinfo.value)
    assert excinfo.value.result.failed
    # without the asian groups, even a loose bound is not passed ...
    with pytest.raises(pf.FairnessGateFailure, match="lost race=asian"):
        report.assert_within(demographic_parity_difference=0.5)
    # ... while the marginal groups of each column (asian: 48 rows) pass it
    marginal = pf.audit(
        y, p, sensitive_features=sf, min_group_size=40, intersectional=False
    )
    ok = marginal.assert_within(demographic_parity_difference=0.5)
    assert ok.passed


def test_bound_forms_are_equivalent(loan):
    y, p, sf = loan
    report = pf.audit(y, p, sensitive_features=sf["sex"])
    forms = [
        {"demographic_parity_ratio": 0.8},
        {"demographic_parity_ratio": (">=", 0.8)},
        {"demographic_parity_ratio": ">= 0.8"},
        ["demographic_parity_ratio >= 0.8"],
        "demographic_parity_ratio >= 0.8",
    ]
    results = [report.check(f) for f in forms]
    assert {r.results[0].bound.op for r in results} == {">="}
    assert len({r.passed for r in results}) == 1
    assert (
        report.check({"demographic_parity_difference": 0.5}).results[0].bound.op == "<="
    )


def test_undefined_disparity_is_inconclusive_and_fails_the_gate():
    with pytest.warns(pf.FairnessWarning):
        report = pf.audit(
            [1, 0, 1, 0], [1, 0, 1, 1], sensitive_features=["a", "a", "b", "b"]
        )
    result = report.check({"demographic_parity_difference": 0.1})
    assert result.verdict == "inconclusive"
    assert "fewer than two groups" in str(result)
    with pytest.raises(pf.FairnessGateFailure):
        result.raise_for_failure()
    result.raise_for_failure(on_inconclusive="pass")


def test_round_trip_through_json(loan):
    y, p, sf = loan
    rng = np.random.default_rng(0)
    report = pf.audit(
        y,
        p,
        sensitive_features=sf,
        y_score=rng.random(len(y)),
        sample_weight=rng.uniform(0.5, 2, len(y)),
        min_group_size=10,
    )
    text = report.to_json()
    data = json.loads(text)
    assert data["schema"] == 1
    again = pf.FairnessReport.from_json(text)
    pd.testing.assert_frame_equal(again.by_group, report.by_group)
    pd.testing.assert_series_equal(again.overall, report.overall)
    for name, d in report.disparities().items():
        other = again.disparity(name).value
        assert (math.isnan(d.value) and math.isnan(other)) or other == d.value
    assert again.to_json() == text
    with pytest.raises(pf.FairnessValueError, match="invalid JSON"):
        pf.FairnessReport.from_json("{not json")
    with pytest.raises(pf.FairnessValueError, match="schema 99 is not supported"):
        pf.FairnessReport.from_dict({**data, "schema": 99})
    with pytest.raises(pf.FairnessValueError, match="missing or malformed field"):
        pf.FairnessReport.from_dict({"schema": 1})


def test_renderings(loan):
    y, p, sf = loan
    report = pf.audit(y, p, sensitive_features=sf, min_group_size=1, min_denominator=1)
    text = str(report)
    assert text.startswith("fairness audit of 4,000 rows over sex × race")
    assert "demographic_parity_difference" in text
    md = report.to_markdown()
    assert "| sex × race" in md
    assert "#### by sex" in md
    html = report.to_html()
    assert html.startswith('<section class="fairness-report">')
    assert "<table>" in html
    assert report.to_dict()["disparities"]["equalized_odds_difference"]["value"] == (
        pytest.approx(report.equalized_odds_difference)
    )


def test_metrics_selection_and_aliases(loan):
    y, p, sf = loan
    report = pf.audit(
        y,
        p,
        sensitive_features=sf["sex"],
        metrics=["true_positive_rate", "precision", "tpr"],
    )
    assert list(report.by_group.columns) == ["tpr", "ppv", "count", "small_group"]
    # disparities of rates that were not listed still derive from the counts
    assert report.demographic_parity_difference > 0
