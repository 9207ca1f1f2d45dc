"""Reweighing: the closed-form weights, equalised base rates, aif360, the meta form."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import sklearn
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from pytest_fairness import FairnessValueError, FairnessWarning
from pytest_fairness.datasets import make_loan_applications
from pytest_fairness.preprocessing import Reweighing, ReweighingMeta

FEATURES = ["income", "credit_score", "debt_to_income", "employment_gap_months"]


@pytest.fixture(scope="module")
def loan() -> pd.DataFrame:
    return make_loan_applications(4000, random_state=1)


def formula_weights(groups: pd.Series, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """W(s, y) = P(s) P(y) / P(s, y), row by row, with weighted probabilities."""
    frame = pd.DataFrame({"s": groups.to_numpy(), "y": y, "w": w})
    total = frame["w"].sum()
    p_s = frame.groupby("s")["w"].sum() / total
    p_y = frame.groupby("y")["w"].sum() / total
    p_sy = frame.groupby(["s", "y"])["w"].sum() / total
    out = np.empty(len(frame))
    for i, (s, label) in enumerate(zip(frame["s"], frame["y"], strict=True)):
        out[i] = p_s[s] * p_y[label] / p_sy[(s, label)]
    return out * w


def intersection(df: pd.DataFrame) -> pd.Series:
    return df["gender"] + "|" + df["race"]


def test_weights_equal_the_closed_form_over_intersectional_groups(loan):
    y = loan["approved"].to_numpy()
    rw = Reweighing().fit(
        loan[FEATURES], y, sensitive_features=loan[["gender", "race"]]
    )
    expected = formula_weights(intersection(loan), y, np.ones(len(loan)))
    np.testing.assert_allclose(rw.sample_weight_, expected, rtol=1e-12, atol=0)
    assert len(rw.weight_table_) == 8 * 2
    assert rw.groups_ == tuple(
        sorted(set(zip(loan["gender"], loan["race"], strict=True)))
    )


def test_weights_with_prior_sample_weight_equal_the_weighted_formula(loan):
    y = loan["approved"].to_numpy()
    w = np.random.default_rng(0).uniform(0.2, 3.0, len(loan))
    rw = Reweighing().fit(
        loan[FEATURES], y, sensitive_features=loan[["gender", "race"]], sample_weight=w
    )
    expected = formula_weights(intersection(loan), y, w)
    np.testing.assert_allclose(rw.sample_weight_, expected, rtol=1e-12, atol=0)


def weighted_rates(codes, y, w):
    pos = np.bincount(codes, weights=w * (y == 1))
    tot = np.bincount(codes, weights=w)
    return pos / tot


def test_weighted_base_rate_of_every_group_equals_the_overall_rate(loan):
    y = loan["approved"].to_numpy()
    rw = Reweighing().fit(
        loan[FEATURES], y, sensitive_features=loan[["gender", "race"]]
    )
    overall = y.mean()
    raw_gap = loan.groupby("gender")["approved"].mean()
    assert raw_gap.max() - raw_gap.min() > 0.1  # the data is biased to begin with
    for key in (intersection(loan), loan["gender"], loan["race"]):
        codes = pd.factorize(key)[0]
        rates = weighted_rates(codes, y, rw.sample_weight_)
        np.testing.assert_allclose(rates, overall, rtol=0, atol=1e-12)
        # the total weight of each group is its row count
        np.testing.assert_allclose(
            np.bincount(codes, weights=rw.sample_weight_),
            np.bincount(codes),
            rtol=1e-12,
        )


def test_multiclass_labels_become_independent_of_the_group():
    rng = np.random.default_rng(3)
    s = rng.choice(["a", "b", "c"], 900)
    y = np.where(s == "a", rng.choice(3, 900, p=[0.6, 0.3, 0.1]), rng.choice(3, 900))
    rw = Reweighing().fit(np.zeros((900, 1)), y, sensitive_features=s)
    overall = np.bincount(y) / y.size
    for g in "abc":
        mask = s == g
        dist = np.bincount(y[mask], weights=rw.sample_weight_[mask], minlength=3)
        np.testing.assert_allclose(dist / dist.sum(), overall, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 1), st.integers(1, 4)),
        min_size=2,
        max_size=60,
    )
)
def test_weighted_rates_equalise_for_any_composition(rows):
    s = np.array([r[0] for r in rows])
    y = np.array([r[1] for r in rows])
    w = np.array([r[2] for r in rows], dtype=float)
    both = {g for g in set(s.tolist()) if len(set(y[s == g].tolist())) == 2}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FairnessWarning)  # groups lacking a label
        rw = Reweighing().fit(
            np.zeros((len(s), 1)), y, sensitive_features=s, sample_weight=w
        )
    overall = np.sum(w * y) / np.sum(w)
    for g in both:
        mask = s == g
        wg = rw.sample_weight_[mask]
        assert np.sum(wg * y[mask]) / np.sum(wg) == pytest.approx(overall, abs=1e-12)


def test_integer_sample_weight_equals_duplicating_rows():
    rng = np.random.default_rng(5)
    s = rng.choice(["a", "b"], 200)
    y = (rng.random(200) < np.where(s == "a", 0.7, 0.4)).astype(int)
    k = rng.integers(1, 4, 200)
    weighted = Reweighing().fit(
        np.zeros((200, 1)), y, sensitive_features=s, sample_weight=k
    )
    rep = np.repeat(np.arange(200), k)
    duplicated = Reweighing().fit(
        np.zeros((rep.size, 1)), y[rep], sensitive_features=s[rep]
    )
    np.testing.assert_allclose(
        weighted.sample_weight_ / k, weighted_rep_per_row(duplicated, rep), rtol=1e-12
    )


def weighted_rep_per_row(fitted, rep):
    out = np.empty(rep.max() + 1)
    out[rep] = fitted.sample_weight_
    return out


def test_weights_do_not_depend_on_how_groups_are_labelled(loan):
    y = loan["approved"].to_numpy()
    a = Reweighing().fit(loan[FEATURES], y, sensitive_features=loan["gender"])
    relabelled = loan["gender"].map({"male": 7, "female": -3})
    b = Reweighing().fit(loan[FEATURES], y, sensitive_features=relabelled)
    np.testing.assert_array_equal(a.sample_weight_, b.sample_weight_)


def test_weight_table_is_consistent_with_the_row_weights(loan):
    y = loan["approved"].to_numpy()
    rw = Reweighing().fit(loan[FEATURES], y, sensitive_features=loan[["gender"]])
    table = rw.weight_table_
    assert list(table.columns) == [
        "gender",
        "label",
        "count",
        "observed",
        "expected",
        "weight",
    ]
    np.testing.assert_allclose(table["weight"], table["expected"] / table["observed"])
    for row in table.itertuples():
        mask = (loan["gender"] == row.gender).to_numpy() & (y == row.label)
        assert mask.sum() == row.count
        np.testing.assert_allclose(rw.sample_weight_[mask], row.weight, rtol=1e-12)
    # favoured cells weigh less than 1, deprived cells more
    weight = table.set_index(["gender", "label"])["weight"]
    assert weight["female", 1] > 1 > weight["male", 1]


def test_sensitive_columns_of_x_give_the_same_weights(loan):
    y = loan["approved"].to_numpy()
    frame = loan[["gender", "race", *FEATURES]]
    by_ids = Reweighing(sensitive_feature_ids=["gender", "race"]).fit(frame, y)
    by_metadata = Reweighing().fit(
        loan[FEATURES], y, sensitive_features=loan[["gender", "race"]]
    )
    np.testing.assert_array_equal(by_ids.sample_weight_, by_metadata.sample_weight_)
    assert list(by_ids.feature_names_in_) == list(frame.columns)


def test_group_without_some_label_warns():
    s = np.array(["a"] * 5 + ["b"] * 5)
    y = np.array([1, 1, 1, 1, 1, 0, 1, 0, 1, 0])
    with pytest.warns(FairnessWarning, match=r"\('a',\), 0"):
        rw = Reweighing().fit(np.zeros((10, 1)), y, sensitive_features=s)
    assert np.isnan(rw.weight_table_["weight"].iloc[0])


@pytest.mark.parametrize(
    ("kwargs", "init", "match"),
    [
        ({}, {}, "needs the sensitive features"),
        ({"sensitive_features": np.zeros(9)}, {}, "sensitive_features has 9 rows"),
        (
            {"sensitive_features": np.zeros(10)},
            {"sensitive_feature_ids": 0},
            "got both",
        ),
        (
            {"sensitive_features": np.zeros(10), "sample_weight": -np.ones(10)},
            {},
            "non-negative",
        ),
        (
            {"sensitive_features": np.zeros(10), "sample_weight": np.ones(3)},
            {},
            "one number per row",
        ),
        ({}, {"sensitive_feature_ids": 5}, "'sensitive_feature_ids' parameter"),
        ({}, {"sensitive_feature_ids": "gender"}, "column 'gender'"),
    ],
)
def test_bad_input_names_the_argument(kwargs, init, match):
    X = np.zeros((10, 2))
    y = np.arange(10) % 2
    with pytest.raises(FairnessValueError, match=match):
        Reweighing(**init).fit(X, y, **kwargs)


def test_unknown_column_name_gets_a_hint(loan):
    with pytest.raises(FairnessValueError, match="Did you mean 'gender'"):
        Reweighing(sensitive_feature_ids="gendr").fit(
            loan[["gender", "income"]], loan["approved"]
        )


def test_aif360_reweighing_gives_the_same_weights(loan):
    pytest.importorskip("aif360")
    from aif360.sklearn.preprocessing import Reweighing as AifReweighing

    y = loan["approved"].to_numpy()
    X = loan[FEATURES].set_index([loan["gender"], loan["race"]])
    _, aif_weights = AifReweighing(prot_attr=["gender", "race"]).fit_transform(
        X, pd.Series(y, index=X.index)
    )
    ours = Reweighing().fit(
        loan[FEATURES], y, sensitive_features=loan[["gender", "race"]]
    )
    np.testing.assert_allclose(ours.sample_weight_, aif_weights, rtol=1e-12, atol=0)


def test_aif360_classic_reweighing_gives_the_same_weights(loan):
    pytest.importorskip("aif360")
    from aif360.algorithms.preprocessing import Reweighing as AifClassic
    from aif360.datasets import BinaryLabelDataset

    frame = loan[["income", "approved"]].assign(
        female=(loan["gender"] == "female").astype(float)
    )
    data = BinaryLabelDataset(
        df=frame, label_names=["approved"], protected_attribute_names=["female"]
    )
    out = AifClassic(
        unprivileged_groups=[{"female": 1.0}], privileged_groups=[{"female": 0.0}]
    ).fit_transform(data)
    ours = Reweighing().fit(
        frame[["income"]], frame["approved"], sensitive_features=frame["female"]
    )
    np.testing.assert_allclose(ours.sample_weight_, out.instance_weights, rtol=1e-12)


def test_meta_fits_the_estimator_with_the_reweighing_weights(loan):
    X = StandardScaler().fit_transform(loan[FEATURES])
    y = loan["approved"]
    meta = ReweighingMeta(estimator=LogisticRegression()).fit(
        X, y, sensitive_features=loan["gender"]
    )
    weights = Reweighing().fit(X, y, sensitive_features=loan["gender"]).sample_weight_
    manual = LogisticRegression().fit(X, y, sample_weight=weights)
    np.testing.assert_allclose(meta.predict_proba(X), manual.predict_proba(X))
    np.testing.assert_allclose(meta.decision_function(X), manual.decision_function(X))
    np.testing.assert_array_equal(meta.predict(X), manual.predict(X))
    np.testing.assert_array_equal(meta.classes_, [0, 1])
    np.testing.assert_allclose(meta.reweighing_.sample_weight_, weights)
    unweighted = LogisticRegression().fit(X, y)
    assert not np.allclose(unweighted.coef_, meta.estimator_.coef_)


def test_meta_needs_an_estimator_that_takes_sample_weight():
    class NoWeights(LogisticRegression):
        def fit(self, X, y):  # type: ignore[override]
            return super().fit(X, y)

    with pytest.raises(FairnessValueError, match="must accept sample_weight"):
        ReweighingMeta(estimator=NoWeights()).fit(
            np.zeros((4, 1)), [0, 1, 0, 1], sensitive_features=[0, 0, 1, 1]
        )


def test_meta_gets_sensitive_features_through_metadata_routing(loan):
    X, y = loan[FEATURES], loan["approved"]
    with sklearn.config_context(enable_metadata_routing=True):
        meta = ReweighingMeta(estimator=LogisticRegression()).set_fit_request(
            sensitive_features=True
        )
        pipe = make_pipeline(StandardScaler(), meta)
        pipe.fit(X, y, sensitive_features=loan["gender"])
    direct = ReweighingMeta(estimator=LogisticRegression()).fit(
        StandardScaler().fit_transform(X), y, sensitive_features=loan["gender"]
    )
    np.testing.assert_allclose(
        pipe.predict_proba(X), direct.predict_proba(StandardScaler().fit_transform(X))
    )


def test_meta_gives_the_weights_to_a_pipelines_last_step(loan):
    from sklearn.neighbors import KNeighborsClassifier

    X, y = loan[FEATURES], loan["approved"]
    meta = ReweighingMeta(make_pipeline(StandardScaler(), LogisticRegression())).fit(
        X, y, sensitive_features=loan["gender"]
    )
    weights = Reweighing().fit(X, y, sensitive_features=loan["gender"]).sample_weight_
    scaled = StandardScaler().fit_transform(X)
    manual = LogisticRegression().fit(scaled, y, sample_weight=weights)
    np.testing.assert_allclose(meta.predict_proba(X), manual.predict_proba(scaled))
    with pytest.raises(
        FairnessValueError,
        match=r"KNeighborsClassifier.fit takes no sample_weight.*make_pipeline",
    ):
        ReweighingMeta(make_pipeline(StandardScaler(), KNeighborsClassifier())).fit(
            X, y, sensitive_features=loan["gender"]
        )
    with sklearn.config_context(enable_metadata_routing=True):
        with pytest.raises(FairnessValueError, match="Request it there"):
            ReweighingMeta(
                make_pipeline(StandardScaler(), LogisticRegression())
            ).set_fit_request(sensitive_features=True).fit(
                X, y, sensitive_features=loan["gender"]
            )
        requested = ReweighingMeta(
            make_pipeline(
                StandardScaler().set_fit_request(sample_weight=False),
                LogisticRegression().set_fit_request(sample_weight=True),
            )
        ).fit(X, y, sensitive_features=loan["gender"])
        proba = requested.predict_proba(X)
    np.testing.assert_allclose(proba, manual.predict_proba(scaled))


def test_meta_reaches_nested_pipelines_and_estimators_that_pass_weights_on(loan):
    from sklearn.model_selection import GridSearchCV

    X, y = StandardScaler().fit_transform(loan[FEATURES]), loan["approved"]
    weights = Reweighing().fit(X, y, sensitive_features=loan["gender"]).sample_weight_
    manual = LogisticRegression().fit(X, y, sample_weight=weights)
    for estimator in (
        make_pipeline(make_pipeline(LogisticRegression())),
        # fit(X, y, **params) passes sample_weight on to LogisticRegression
        GridSearchCV(LogisticRegression(), {"C": [1.0]}, cv=2),
    ):
        meta = ReweighingMeta(estimator).fit(X, y, sensitive_features=loan["gender"])
        np.testing.assert_allclose(meta.predict_proba(X), manual.predict_proba(X))
