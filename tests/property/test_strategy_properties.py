"""Metric invariants on datasets drawn by pytest_fairness.strategies.

Bounds, invariance to row order, to relabelling groups and to duplicating
rows, agreement with a naive per-group implementation, and gates on datasets
drawn with a declared disparity: zero passes, large fails.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pytest_fairness as pf
from pytest_fairness.metrics import METRICS
from pytest_fairness.strategies import fairness_datasets, group_compositions

FAST = settings(max_examples=30, deadline=None)

GENDER_RACE = {"gender": ("female", "male"), "race": ("asian", "black", "white")}
RATES = [m for m, s in METRICS.items() if s.kind == "binary"]
DIFFERENCES = ["selection_rate", "tpr", "fpr", "ppv", "accuracy"]
ANY_RATE = st.floats(0.0, 1.0)

DATASETS = st.one_of(
    fairness_datasets(
        composition=group_compositions(GENDER_RACE, total_size=st.integers(3, 300)),
        base_rates=ANY_RATE,
        predictions={"tpr": ANY_RATE, "fpr": ANY_RATE},
    ),
    fairness_datasets(
        composition=group_compositions(
            {"age": ("young", "middle", "old")}, total_size=st.integers(3, 300)
        ),
        base_rates=ANY_RATE,
        predictions={"selection_rate": ANY_RATE},
    ),
)


def sensitive(df: pd.DataFrame) -> list[str]:
    return [c for c in df.columns if c not in ("y", "y_pred")]


def audit(df: pd.DataFrame, **kwargs) -> pf.FairnessReport:
    return pf.audit(
        df["y"], df["y_pred"], sensitive_features=df[sensitive(df)], **kwargs
    )


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or math.isclose(
        a, b, rel_tol=1e-12, abs_tol=1e-12
    )


def naive_rates(df: pd.DataFrame) -> dict[str, dict[tuple, float]]:
    """Per-group rates from the rows, one boolean mask at a time."""
    out: dict[str, dict[tuple, float]] = {}
    for key, g in df.groupby(sensitive(df), sort=True):
        y, p = g["y"].to_numpy() == 1, g["y_pred"].to_numpy() == 1
        group = key if isinstance(key, tuple) else (key,)

        def mean(values, where):
            return float(values[where].mean()) if where.any() else math.nan

        everyone = np.ones(len(g), dtype=bool)
        rates = {
            "selection_rate": mean(p, everyone),
            "base_rate": mean(y, everyone),
            "tpr": mean(p, y),
            "fpr": mean(p, ~y),
            "fnr": mean(~p, y),
            "tnr": mean(~p, ~y),
            "ppv": mean(y, p),
            "npv": mean(~y, ~p),
            "accuracy": mean(y == p, everyone),
            "error_rate": mean(y != p, everyone),
        }
        for metric, value in rates.items():
            out.setdefault(metric, {})[group] = value
    return out


@FAST
@given(DATASETS)
def test_rates_and_disparities_lie_in_the_unit_interval(df):
    report = audit(df, min_group_size=1, min_denominator=1)
    for metric in RATES:
        values = np.array(list(report.values(metric).values()))
        finite = values[~np.isnan(values)]
        assert ((finite >= 0) & (finite <= 1)).all(), metric
    for d in report.disparities().values():
        assert math.isnan(d.value) or 0 <= d.value <= 1


@FAST
@given(DATASETS)
def test_rates_match_a_naive_per_group_implementation(df):
    report = audit(df, min_group_size=1, min_denominator=1)
    naive = naive_rates(df)
    for metric, expected in naive.items():
        ours = report.values(metric)
        assert set(ours) == set(expected)
        assert all(same(ours[g], expected[g]) for g in ours), metric
    for metric in DIFFERENCES:
        values = [v for v in naive[metric].values() if not math.isnan(v)]
        want = max(values) - min(values) if len(values) >= 2 else math.nan
        assert same(report.difference(metric), want), metric


@FAST
@given(DATASETS, st.integers(0, 2**32 - 1))
def test_invariant_to_row_order(df, seed):
    shuffled = df.iloc[np.random.default_rng(seed).permutation(len(df))]
    a, b = (
        audit(df, min_group_size=1, min_denominator=1),
        audit(shuffled, min_group_size=1, min_denominator=1),
    )
    for name, d in a.disparities().items():
        assert same(d.value, b.disparity(name).value), name
    for metric in RATES:
        assert a.values(metric) == pytest.approx(b.values(metric), nan_ok=True)


@FAST
@given(DATASETS, st.data())
def test_invariant_to_relabelling_groups(df, data):
    # Each attribute's levels are permuted and renamed: group g becomes
    # rename(g). Every group keeps its values under its new name.
    renames = {}
    for column in sensitive(df):
        levels = sorted(df[column].unique())
        shuffled = data.draw(st.permutations(levels), label=f"{column} order")
        renames[column] = {
            a: f"level-{b}" for a, b in zip(levels, shuffled, strict=True)
        }
    relabelled = df.assign(**{c: df[c].map(m) for c, m in renames.items()})
    a, b = (
        audit(df, min_group_size=1, min_denominator=1),
        audit(relabelled, min_group_size=1, min_denominator=1),
    )
    columns = sensitive(df)
    for metric in RATES:
        after = b.values(metric)
        for group, value in a.values(metric).items():
            new = tuple(renames[c][v] for c, v in zip(columns, group, strict=True))
            assert same(after[new], value), (metric, group)
    for name, d in a.disparities().items():
        assert same(d.value, b.disparity(name).value), name


@FAST
@given(DATASETS)
def test_duplicating_every_row_changes_counts_not_rates(df):
    a = audit(df, min_group_size=1, min_denominator=1)
    b = audit(
        pd.concat([df, df], ignore_index=True), min_group_size=1, min_denominator=1
    )
    for metric in RATES:
        assert a.values(metric) == pytest.approx(
            b.values(metric), nan_ok=True, rel=1e-12
        )
    assert {g: 2 * n for g, n in a.values("count").items()} == b.values("count")
    for name, d in a.disparities().items():
        assert same(d.value, b.disparity(name).value), name


# -- gates on declared disparities ---------------------------------------------
MIN_GROUP = 40
GATED = group_compositions(
    GENDER_RACE, total_size=st.integers(240, 800), min_group_size=MIN_GROUP
)


def rounding_slack(report: pf.FairnessReport) -> dict[str, float]:
    """Largest gap rounding to whole rows can open between two groups' rates.

    A rate r asked of n rows is met as floor(r * n + 0.5) / n, within 0.5 / n
    of r; two groups differ by at most 0.5 / n_i + 0.5 / n_j <= 1 / min(n).
    TPR and FPR are rounded among positives and negatives; the selection
    rate adds both roundings (up to one row per group): 2 / min(n).
    """
    by_group = report.by_group
    n = by_group["count"].to_numpy()
    positives = np.rint(by_group["base_rate"].to_numpy() * n)
    return {
        "selection": 2 / n.min(),
        "positives": 1 / positives.min(),
        "negatives": 1 / (n - positives).min(),
    }


@FAST
@given(
    fairness_datasets(
        composition=GATED,
        base_rates=st.shared(st.floats(0.2, 0.8), key="base rate"),
        predictions={
            "tpr": st.shared(st.floats(0.0, 1.0), key="tpr"),
            "fpr": st.shared(st.floats(0.0, 1.0), key="fpr"),
        },
    )
)
def test_a_dataset_drawn_without_disparity_passes_the_gate(df):
    report = audit(df, min_group_size=MIN_GROUP, min_denominator=1)
    slack = rounding_slack(report)
    tol = 1e-12
    assert report.demographic_parity_difference <= slack["selection"] + tol
    result = report.check(
        {
            "equal_opportunity_difference": slack["positives"] + tol,
            "false_positive_rate_difference": slack["negatives"] + tol,
            "equalized_odds_difference": max(slack["positives"], slack["negatives"])
            + tol,
        }
    )
    assert result.passed, str(result)


@FAST
@given(
    fairness_datasets(
        composition=GATED,
        base_rates=st.shared(st.floats(0.2, 0.8), key="base rate"),
        predictions={
            "tpr": {"female": st.floats(0.85, 1.0), "male": st.floats(0.0, 0.3)},
            "fpr": st.shared(st.floats(0.0, 1.0), key="fpr"),
        },
    )
)
def test_a_dataset_drawn_with_a_large_disparity_fails_the_gate(df):
    report = audit(df, min_group_size=MIN_GROUP, min_denominator=1)
    slack = rounding_slack(report)
    tpr = report.values("tpr")
    female_lowest = min(v for g, v in tpr.items() if g[0] == "female")
    male_highest = max(v for g, v in tpr.items() if g[0] == "male")
    assert report.equal_opportunity_difference >= 0.55 - slack["positives"]
    assert female_lowest - male_highest >= 0.55 - slack["positives"]
    with pytest.raises(pf.FairnessGateFailure, match="equal_opportunity_difference"):
        report.assert_within(equal_opportunity_difference=0.1)
    with pytest.raises(pf.FairnessGateFailure, match="equalized_odds_difference"):
        report.assert_within(equalized_odds_difference=0.1)
