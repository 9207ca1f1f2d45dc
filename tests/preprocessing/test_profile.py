"""bias_profile: groups, base-rate gaps, associations, before/after, rendering."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import polars as pl
import pytest

from pytest_fairness import FairnessValueError
from pytest_fairness._association import association_table
from pytest_fairness.datasets import make_loan_applications
from pytest_fairness.preprocessing import (
    BiasProfile,
    DisparateImpactRemover,
    Resampler,
    Reweighing,
    bias_profile,
)

FEATURES = ["income", "credit_score", "debt_to_income", "employment_gap_months"]


@pytest.fixture(scope="module")
def loan() -> pd.DataFrame:
    return make_loan_applications(3000, random_state=11)


def reference_groups(df, columns, weights):
    frame = df.assign(_w=weights, _pos=df["approved"] * weights)
    grouped = frame.groupby(columns)
    out = pd.DataFrame(
        {
            "count": grouped.size(),
            "share": grouped["_w"].sum() / weights.sum(),
            "base_rate": grouped["_pos"].sum() / grouped["_w"].sum(),
        }
    )
    out.index = [
        " × ".join(map(str, k if isinstance(k, tuple) else (k,))) for k in out.index
    ]
    return out


@pytest.mark.parametrize("weighted", [False, True])
def test_groups_match_a_groupby_reference(loan, weighted):
    weights = (
        np.random.default_rng(0).uniform(0.5, 2, len(loan))
        if weighted
        else np.ones(len(loan))
    )
    profile = bias_profile(
        loan,
        sensitive_features=["gender", "race"],
        label="approved",
        sample_weight=weights if weighted else None,
    )
    for attribute, columns in [
        ("gender", ["gender"]),
        ("race", ["race"]),
        ("gender × race", ["gender", "race"]),
    ]:
        ours = profile.groups[profile.groups["attribute"] == attribute].set_index(
            "group"
        )
        ref = reference_groups(loan, columns, weights)
        np.testing.assert_array_equal(ours["count"], ref["count"].loc[ours.index])
        np.testing.assert_allclose(ours["share"], ref["share"].loc[ours.index])
        np.testing.assert_allclose(ours["base_rate"], ref["base_rate"].loc[ours.index])
    overall = np.sum(weights * loan["approved"]) / np.sum(weights)
    assert profile.overall_base_rate == pytest.approx(overall)


def test_gaps_leave_out_small_groups(loan):
    profile = bias_profile(
        loan,
        sensitive_features=["gender", "race"],
        label="approved",
        min_group_size=200,
    )
    groups = profile.groups
    for row in profile.gaps.itertuples():
        part = groups[(groups["attribute"] == row.attribute) & ~groups["small"]]
        rates = part.set_index("group")["base_rate"]
        assert row.difference == pytest.approx(rates.max() - rates.min())
        assert row.ratio == pytest.approx(rates.min() / rates.max())
        assert row.lowest == rates.idxmin()
        assert row.highest == rates.idxmax()
    small = groups[groups["small"]]
    assert (small["count"] < 200).all()
    assert len(small) > 0
    gender = profile.gaps.set_index("attribute").loc["gender"]
    assert gender["lowest"] == "female"
    assert gender["difference"] > 0.1  # the scenario: 58% against 76%


def test_associations_are_the_shared_association_table(loan):
    profile = bias_profile(
        loan, sensitive_features=["gender", "race"], label="approved"
    )
    features = ["industry", *FEATURES]
    expected = association_table(loan[features], loan[["gender", "race"]])
    ours = profile.associations.set_index(["feature", "attribute"]).sort_index()
    pd.testing.assert_frame_equal(
        ours, expected.set_index(["feature", "attribute"]).sort_index()
    )
    assert profile.associations["association"].is_monotonic_decreasing


def test_associations_agree_with_the_proxy_scan(loan):
    causal = pytest.importorskip("pytest_fairness.causal")
    scan = causal.proxy_scan(
        loan[["industry", *FEATURES]], loan["gender"], leakage=False
    )
    profile = bias_profile(
        loan,
        sensitive_features="gender",
        label="approved",
        features=["industry", *FEATURES],
    )
    key = ["feature", "attribute"]
    cols = ["association", "nmi", "auc"]
    pd.testing.assert_frame_equal(
        profile.associations.set_index(key)[cols].sort_index(),
        scan.table.set_index(key)[cols].sort_index(),
    )


def test_reweighing_weights_close_the_base_rate_gaps(loan):
    sf = loan[["gender", "race"]]
    rw = Reweighing().fit(loan[FEATURES], loan["approved"], sensitive_features=sf)
    profile = bias_profile(
        loan,
        sensitive_features=["gender", "race"],
        label="approved",
        after=loan,
        after_sample_weight=rw.sample_weight_,
    )
    assert profile.after is not None
    np.testing.assert_allclose(profile.after.gaps["difference"], 0, atol=1e-12)
    cmp = profile.comparison()
    np.testing.assert_allclose(cmp["share_after"], cmp["share_before"], rtol=1e-12)
    np.testing.assert_allclose(
        cmp["base_rate_after"], profile.overall_base_rate, atol=1e-12
    )


def test_resampled_rows_are_profiled_as_given(loan):
    sampler = Resampler(random_state=0)
    X_res, _ = sampler.fit_resample(
        loan, loan["approved"], sensitive_features=loan["gender"]
    )
    profile = bias_profile(
        loan, sensitive_features="gender", label="approved", after=X_res
    )
    assert profile.after is not None
    assert profile.after.n_rows == len(X_res)
    after = profile.after.groups.set_index("group")["count"]
    targets = sampler.target_table_.groupby("gender")["target"].sum()
    np.testing.assert_array_equal(after.loc[targets.index], targets)
    assert profile.after.gaps["difference"].iloc[0] < 0.01


def test_transformed_features_borrow_label_and_groups(loan):
    sf = loan[["gender", "race"]]
    repaired = (
        DisparateImpactRemover()
        .set_output(transform="pandas")
        .fit_transform(loan[FEATURES], sensitive_features=sf)
    )
    profile = bias_profile(
        loan,
        sensitive_features=["gender", "race"],
        label="approved",
        features=FEATURES,
        after=repaired,
    )
    cmp = profile.association_comparison()
    assert len(cmp) == len(FEATURES) * 2
    income = cmp.loc[("income", "gender")]
    assert income["association_before"] > 0.1
    assert income["association_after"] < 0.02
    assert (cmp["association_change"] <= 1e-9).all()
    # the labels and groups were borrowed: base rates are unchanged
    np.testing.assert_allclose(profile.comparison()["base_rate_change"], 0, atol=1e-15)


def test_markdown_and_round_trip(loan):
    profile = bias_profile(
        loan,
        sensitive_features=["gender", "race"],
        label="approved",
        after=loan,
        min_group_size=150,
    )
    text = profile.to_markdown(top=3)
    assert text.startswith("### Bias profile of 'approved'")
    for heading in ("**Groups**", "**Base-rate gaps**", "**Strongest feature"):
        assert heading in text
    assert "(small)" in text
    assert "base_rate_after" in text
    assert "association_after" in text
    table_rows = [
        line
        for line in text.split("**Strongest")[1].splitlines()
        if line.startswith("| ")
    ]
    assert len(table_rows) == 1 + 3  # header and the top three
    data = profile.to_dict()
    json.dumps(data)
    back = BiasProfile.from_dict(data)
    pd.testing.assert_frame_equal(back.groups, profile.groups, check_dtype=False)
    pd.testing.assert_frame_equal(
        back.associations, profile.associations, check_dtype=False
    )
    assert back.after is not None
    assert back.to_dict() == data


def test_polars_frames_are_read(loan):
    frame = pl.DataFrame({c: loan[c].to_numpy() for c in loan.columns})
    profile = bias_profile(frame, sensitive_features="race", label="approved")
    ref = bias_profile(loan, sensitive_features="race", label="approved")
    pd.testing.assert_frame_equal(profile.groups, ref.groups)


def test_text_labels_need_pos_label(loan):
    labelled = loan.assign(decision=np.where(loan["approved"] == 1, "yes", "no"))
    with pytest.raises(FairnessValueError, match="pass pos_label"):
        bias_profile(labelled, sensitive_features="gender", label="decision")
    profile = bias_profile(
        labelled,
        sensitive_features="gender",
        label="decision",
        pos_label="yes",
        features=FEATURES,
    )
    assert profile.overall_base_rate == pytest.approx(loan["approved"].mean())


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"sensitive_features": "gendr"}, "Did you mean 'gender'"),
        ({"sensitive_features": 3}, "must name one or several columns"),
        ({"label": "race"}, "must be binary"),
        ({"features": ["salary"]}, "features names column 'salary'"),
        ({"sample_weight": np.ones(3)}, "sample_weight has 3 values"),
        ({"sample_weight": -np.ones(3000)}, "non-negative"),
        ({"after": pd.DataFrame({"x": [1.0]})}, "cannot be borrowed"),
        ({"min_group_size": 0}, "min_group_size"),
    ],
)
def test_bad_input_is_named(loan, kwargs, match):
    args = {"sensitive_features": "gender", "label": "approved", **kwargs}
    with pytest.raises(FairnessValueError, match=match):
        bias_profile(loan, **args)


def test_comparison_needs_after(loan):
    profile = bias_profile(loan, sensitive_features="gender", label="approved")
    with pytest.raises(FairnessValueError, match="no 'after' data"):
        profile.comparison()
