"""association_table agrees with scipy and scikit-learn on every statistic."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pytest
from scipy.stats.contingency import association, crosstab
from sklearn.metrics import normalized_mutual_info_score, roc_auc_score

from pytest_fairness._association import ASSOCIATION_COLUMNS, association_table
from pytest_fairness.exceptions import FairnessValueError


def make_frame(n: int = 4000, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    sex = rng.choice(["f", "m"], size=n, p=[0.4, 0.6])
    race = rng.choice(["a", "b", "c"], size=n, p=[0.5, 0.3, 0.2])
    female = sex == "f"
    sector = np.where(
        rng.random(n) < 0.6,
        np.where(female, "care", "build"),
        rng.choice(["care", "build", "tech", "shop"], size=n),
    )
    X = pd.DataFrame(
        {
            "sector": sector,
            "income": rng.normal(50 - 5 * female + 3 * (race == "c"), 10, n).round(),
            "noise": rng.normal(size=n),
            "score": rng.integers(0, 5, n).astype(float),  # many ties
            "flag": rng.random(n) < 0.3 + 0.2 * female,
        }
    )
    return X, pd.DataFrame({"sex": sex, "race": race})


def reference_row(x: pd.Series, s: pd.Series, *, n_bins: int = 10) -> dict:
    levels = np.unique(s)
    categorical = x.dtype.kind in "bO" or pd.api.types.is_string_dtype(x.dtype)
    if categorical:
        table = crosstab(x.to_numpy(), s.to_numpy()).count
        assoc = association(table, method="cramer")
        binned = x.to_numpy()
        share = pd.crosstab(x, s, normalize="index").reindex(x.to_numpy()).to_numpy()
        if len(levels) == 2:
            auc = roc_auc_score(s == levels[1], share[:, 1])
        else:
            auc = roc_auc_score(s, share, multi_class="ovr", average="macro")
    else:
        groups = [x[s == lv].to_numpy() for lv in levels]
        between = sum(len(g) * (g.mean() - x.mean()) ** 2 for g in groups)
        assoc = np.sqrt(between / ((x - x.mean()) ** 2).sum())
        binned = pd.qcut(x, n_bins, duplicates="drop", labels=False)
        per_level = [roc_auc_score(s == lv, x) for lv in levels]
        folded = [max(a, 1 - a) for a in per_level]
        auc = folded[0] if len(levels) == 2 else np.mean(folded)
    nmi = normalized_mutual_info_score(s, binned)
    return {"association": assoc, "nmi": nmi, "auc": auc}


def test_every_statistic_matches_scipy_and_sklearn():
    X, sf = make_frame()
    table = association_table(X, sf)
    assert list(table.columns) == list(ASSOCIATION_COLUMNS)
    assert len(table) == X.shape[1] * sf.shape[1]
    for row in table.itertuples():
        ref = reference_row(X[row.feature], sf[row.attribute])
        for key, value in ref.items():
            assert getattr(row, key) == pytest.approx(value, abs=1e-10), (
                row.feature,
                row.attribute,
                key,
            )
    kinds = dict(zip(table.feature, table.kind, strict=False))
    assert kinds == {
        "sector": "categorical",
        "income": "numeric",
        "noise": "numeric",
        "score": "numeric",
        "flag": "categorical",
    }


def test_two_level_eta_is_the_absolute_point_biserial_correlation():
    X, sf = make_frame(seed=3)
    row = association_table(X[["income"]], sf["sex"]).iloc[0]
    r = np.corrcoef(X["income"], sf["sex"] == "f")[0, 1]
    assert row.association == pytest.approx(abs(r), abs=1e-12)


def test_planted_proxy_outranks_noise():
    X, sf = make_frame()
    table = association_table(X, sf["sex"]).set_index("feature")
    for column in ("association", "nmi", "auc"):
        assert table.loc["sector", column] > table.loc["noise", column]
        assert table.loc["income", column] > table.loc["noise", column]
    assert table.loc["noise", "auc"] < 0.55


def test_columns_named_as_sensitive_features_leave_the_features():
    X, sf = make_frame(500)
    frame = pd.concat([X, sf], axis=1)
    by_name = association_table(frame, ["sex", "race"])
    by_value = association_table(X, sf)
    pd.testing.assert_frame_equal(by_name, by_value)
    single = association_table(frame.drop(columns="race"), "sex")
    assert set(single.attribute) == {"sex"}
    assert "sex" not in set(single.feature)


def test_accepts_dicts_arrays_polars_and_series():
    X, sf = make_frame(300)
    expected = association_table(X[["income", "noise"]], sf["sex"])
    as_dict = {c: X[c].to_numpy() for c in ("income", "noise")}
    got = association_table(as_dict, {"sex": sf["sex"].to_numpy()})
    pd.testing.assert_frame_equal(got, expected)
    got = association_table(pl.from_pandas(X[["income", "noise"]]), sf["sex"])
    pd.testing.assert_frame_equal(got, expected)
    arr = association_table(X[["income", "noise"]].to_numpy(), sf["sex"])
    assert list(arr.feature) == ["x0", "x1"]
    np.testing.assert_allclose(arr.auc, expected.auc)


def test_forced_categorical_integer_column():
    X, sf = make_frame(800)
    table = association_table(X[["score"]], sf["race"], categorical=["score"])
    ref = reference_row(X["score"].astype(str), sf["race"])
    assert table.kind[0] == "categorical"
    assert table.association[0] == pytest.approx(ref["association"])
    assert table.auc[0] == pytest.approx(ref["auc"])


def test_missing_values():
    X, sf = make_frame(600)
    income = X["income"].copy()
    income[:50] = np.nan
    income[50] = np.inf
    got = association_table({"income": income}, sf["sex"]).iloc[0]
    keep = np.isfinite(income.to_numpy())
    ref = reference_row(income[keep], sf["sex"][keep])
    assert got.association == pytest.approx(ref["association"])
    assert got.auc == pytest.approx(ref["auc"])
    sector = X["sector"].astype(object)
    sector[:40] = None
    got = association_table({"sector": sector}, sf["sex"]).iloc[0]
    ref = reference_row(sector.fillna("<missing>"), sf["sex"])
    assert got.association == pytest.approx(ref["association"])


def test_constant_feature_has_no_association():
    _, sf = make_frame(200)
    table = association_table({"c": np.ones(200), "k": ["x"] * 200}, sf["sex"])
    assert table.association.tolist() == [0.0, 0.0]
    assert table.nmi.tolist() == [0.0, 0.0]
    assert table.auc.tolist() == [0.5, 0.5]


def test_bad_input_names_the_argument():
    X, sf = make_frame(100)
    with pytest.raises(FairnessValueError, match=r"n_bins must be an integer >= 2"):
        association_table(X, sf, n_bins=1)
    with pytest.raises(FairnessValueError, match=r"categorical .* \['incme'\]"):
        association_table(X, sf, categorical=["incme"])
    with pytest.raises(FairnessValueError, match=r"single level"):
        association_table(X, np.zeros(100))
    with pytest.raises(FairnessValueError, match=r"'sexx' is not a column.*'sex'"):
        association_table(pd.concat([X, sf], axis=1), "sexx")
    with pytest.raises(FairnessValueError, match=r"has 50 rows"):
        association_table(X, sf["sex"][:50])
    with pytest.raises(FairnessValueError, match=r"must be a DataFrame"):
        association_table(object(), sf)
