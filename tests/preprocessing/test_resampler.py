"""Resampler: expected cell sizes, preferential choice of rows, oversampling only."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from pytest_fairness import FairnessValueError, FairnessWarning
from pytest_fairness.datasets import make_loan_applications
from pytest_fairness.preprocessing import Resampler

FEATURES = ["income", "credit_score", "debt_to_income", "employment_gap_months"]


@pytest.fixture(scope="module")
def loan() -> pd.DataFrame:
    return make_loan_applications(3000, random_state=9)


def cell_counts(sf: pd.DataFrame, y) -> pd.Series:
    frame = sf.reset_index(drop=True).assign(label=np.asarray(y))
    return frame.groupby([*sf.columns, "label"]).size()


def test_uniform_sampling_reaches_the_expected_cell_sizes(loan):
    sf = loan[["gender", "race"]]
    y = loan["approved"]
    sampler = Resampler(random_state=0)
    X_res, y_res = sampler.fit_resample(loan[FEATURES], y, sensitive_features=sf)
    table = sampler.target_table_
    n = len(loan)
    n_s = sf.value_counts().rename("n_s").reset_index()
    n_y = y.value_counts().rename("n_y").rename_axis("label").reset_index()
    merged = table.merge(n_s, on=["gender", "race"]).merge(n_y, on="label")
    np.testing.assert_allclose(merged["expected"], merged["n_s"] * merged["n_y"] / n)
    np.testing.assert_array_equal(table["target"], np.rint(table["expected"]))
    got = cell_counts(sf.iloc[sampler.sample_indices_], y_res)
    want = table.set_index(["gender", "race", "label"])["target"]
    pd.testing.assert_series_equal(got, want, check_names=False, check_dtype=False)
    # every group now has the overall base rate, up to rounding to whole rows
    res_sf = sf.iloc[sampler.sample_indices_].reset_index(drop=True)
    rates = y_res.groupby([res_sf["gender"], res_sf["race"]]).mean()
    sizes = res_sf.value_counts()
    for key, rate in rates.items():
        assert abs(rate - y.mean()) <= 1 / sizes[key]
    assert abs(len(X_res) - n) <= len(table)
    pd.testing.assert_frame_equal(
        X_res, loan[FEATURES].iloc[sampler.sample_indices_].reset_index(drop=True)
    )


def test_uniform_draws_without_replacement_and_keeps_whole_copies(loan):
    sf, y = loan["gender"], loan["approved"].to_numpy()
    sampler = Resampler(random_state=1)
    sampler.fit_resample(loan[FEATURES], y, sensitive_features=sf)
    taken = np.bincount(sampler.sample_indices_, minlength=len(y))
    for row in sampler.target_table_.itertuples():
        rows = np.flatnonzero((sf == row.gender).to_numpy() & (y == row.label))
        copies = taken[rows]
        if row.target <= row.count:  # shrinking cell: a subset, no row twice
            assert copies.max() <= 1
        else:  # growing cell: every row at least floor(target / count) times
            assert copies.min() >= row.target // row.count
        assert copies.sum() == row.target


def test_random_state_makes_it_deterministic(loan):
    args = (loan[FEATURES], loan["approved"])
    kw = {"sensitive_features": loan["gender"]}
    a = Resampler(random_state=3).fit_resample(*args, **kw)[0]
    b = Resampler(random_state=3).fit_resample(*args, **kw)[0]
    c = Resampler(random_state=4).fit_resample(*args, **kw)[0]
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)
    gen = Resampler(random_state=np.random.default_rng(3)).fit_resample(*args, **kw)[0]
    assert len(gen) == len(a)


def test_preferential_sampling_moves_the_borderline_rows(loan):
    X = StandardScaler().fit_transform(loan[FEATURES])
    y = loan["approved"].to_numpy()
    sf = loan["gender"].to_numpy()
    sampler = Resampler(strategy="preferential", estimator=LogisticRegression())
    sampler.fit_resample(X, y, sensitive_features=sf)
    proba = sampler.ranker_.predict_proba(X)
    np.testing.assert_allclose(
        proba, LogisticRegression().fit(X, y).predict_proba(X)
    )  # the ranker is fitted on the data
    own = proba[np.arange(len(y)), y]
    taken = np.bincount(sampler.sample_indices_, minlength=len(y))
    shrunk = grown = 0
    for row in sampler.target_table_.itertuples():
        rows = np.flatnonzero((sf == row.sensitive_feature_0) & (y == row.label))
        if row.target < row.count:  # the dropped rows are the least certain ones
            dropped, kept = rows[taken[rows] == 0], rows[taken[rows] == 1]
            assert dropped.size == row.count - row.target
            assert own[dropped].max() <= own[kept].min()
            shrunk += 1
        elif row.target > row.count:  # the duplicated rows are the least certain
            twice, once = rows[taken[rows] == 2], rows[taken[rows] == 1]
            assert twice.size == row.target - row.count
            assert own[twice].max() <= own[once].min()
            grown += 1
    assert shrunk == 2  # approved men and refused women
    assert grown == 2  # approved women and refused men


def test_preferential_default_ranker_is_naive_bayes(loan):
    sampler = Resampler(strategy="preferential").fit(
        loan[FEATURES], loan["approved"], sensitive_features=loan["gender"]
    )
    assert type(sampler.ranker_).__name__ == "GaussianNB"


def test_oversampling_never_drops_a_row(loan):
    sf = loan[["gender", "race"]]
    y = loan["approved"]
    sampler = Resampler(strategy="oversample", random_state=0)
    X_res, y_res = sampler.fit_resample(loan[FEATURES], y, sensitive_features=sf)
    taken = np.bincount(sampler.sample_indices_, minlength=len(y))
    assert taken.min() >= 1
    table = sampler.target_table_
    assert (table["target"] >= table["count"]).all()
    res_sf = sf.iloc[sampler.sample_indices_].reset_index(drop=True)
    rates = y_res.groupby([res_sf["gender"], res_sf["race"]]).mean()
    sizes = res_sf.value_counts()
    for key, rate in rates.items():
        assert abs(rate - y.mean()) <= 1 / sizes[key]
    # minimal: in every group one label keeps exactly its rows
    unchanged = (table["target"] == table["count"]).groupby(
        [table["gender"], table["race"]]
    )
    assert unchanged.any().all()
    assert len(X_res) > len(loan)


def test_multiclass_labels_and_sensitive_columns_kept_in_x():
    rng = np.random.default_rng(0)
    s = rng.choice(["a", "b"], 600)
    y = np.where(s == "a", rng.choice(3, 600, p=[0.6, 0.3, 0.1]), rng.choice(3, 600))
    frame = pd.DataFrame({"s": s, "x": rng.normal(size=600)})
    sampler = Resampler(sensitive_feature_ids="s", random_state=0)
    X_res, y_res = sampler.fit_resample(frame, list(y))
    assert list(X_res.columns) == ["s", "x"]
    assert isinstance(y_res, np.ndarray)
    overall = np.bincount(y) / y.size
    for g in "ab":
        mask = (X_res["s"] == g).to_numpy()
        share = np.bincount(y_res[mask], minlength=3) / mask.sum()
        np.testing.assert_allclose(share, overall, atol=1.5 / mask.sum())


def test_polars_and_numpy_inputs_keep_their_type(loan):
    sf = loan["gender"].to_numpy()
    X_pl = pl.from_pandas(loan[FEATURES])
    X_res, y_res = Resampler(random_state=0).fit_resample(
        X_pl, pl.Series(loan["approved"].to_numpy()), sensitive_features=sf
    )
    assert isinstance(X_res, pl.DataFrame)
    assert isinstance(y_res, pl.Series)
    X_np, _ = Resampler(random_state=0).fit_resample(
        loan[FEATURES].to_numpy(), loan["approved"].to_numpy(), sensitive_features=sf
    )
    np.testing.assert_array_equal(X_np, X_res.to_numpy())


def test_resampled_data_trains_a_pipeline(loan):
    X_res, y_res = Resampler(random_state=0).fit_resample(
        loan[FEATURES], loan["approved"], sensitive_features=loan["gender"]
    )
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(X_res, y_res)
    assert model.predict(loan[FEATURES]).shape == (len(loan),)


def test_a_cell_without_rows_warns_and_stays_empty():
    s = np.array(["a"] * 6 + ["b"] * 6)
    y = np.array([1] * 6 + [0, 1] * 3)
    sampler = Resampler(random_state=0)
    with pytest.warns(FairnessWarning, match=r"\('a',\), 0"):
        sampler.fit_resample(np.zeros((12, 1)), y, sensitive_features=s)
    assert sampler.target_table_["target"].iloc[0] == 0


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"strategy": "smote"}, "'strategy' parameter .* one of"),
        ({"random_state": "seed"}, "'random_state' parameter"),
    ],
)
def test_bad_parameters_are_named(params, match):
    with pytest.raises(FairnessValueError, match=match):
        Resampler(**params).fit_resample(
            np.zeros((4, 1)), [0, 1, 0, 1], sensitive_features=[0, 0, 1, 1]
        )


# -- metadata routing of fit_resample (imbalanced-learn's Pipeline) -----------------


def test_set_fit_resample_request_is_defined_on_the_class():
    # scikit-learn generates set_<method>_request only for the methods it knows
    # when the class is defined; imbalanced-learn adds fit_resample to them on
    # import, so without an explicit method the setter would exist or not
    # depending on which package was imported first
    assert "set_fit_resample_request" in vars(Resampler)


def test_set_fit_resample_request_needs_routing_and_a_valid_request():
    import sklearn

    with pytest.raises(RuntimeError, match="only available when metadata routing"):
        Resampler().set_fit_resample_request(sensitive_features=True)
    with sklearn.config_context(enable_metadata_routing=True):
        with pytest.raises(FairnessValueError, match="True, False, None or a string"):
            Resampler().set_fit_resample_request(sensitive_features=1)
        sampler = Resampler()
        assert sampler.set_fit_resample_request() is sampler


IMBLEARN_PIPELINE_TEST = """
import numpy as np
import sklearn
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

# the order of the report: this package first, imbalanced-learn second
from pytest_fairness.datasets import make_loan_applications
from pytest_fairness.preprocessing import Resampler
from imblearn.pipeline import Pipeline

FEATURES = ["income", "credit_score", "debt_to_income", "employment_gap_months"]


def test_pipeline():
    loan = make_loan_applications(3000, random_state=9)
    X, y, g = loan[FEATURES], loan["approved"], loan["gender"]
    X_res, y_res = Resampler(random_state=0).fit_resample(
        X, y, sensitive_features=g
    )
    expected = make_pipeline(StandardScaler(), LogisticRegression()).fit(X_res, y_res)
    with sklearn.config_context(enable_metadata_routing=True):
        sampler = Resampler(random_state=0).set_fit_resample_request(
            sensitive_features=True
        )
        routing = sampler.get_metadata_routing()
        assert routing.consumes("fit_resample", ["sensitive_features"]) == {
            "sensitive_features"
        }
        # the request of fit, which the pipeline validates too, follows it
        assert routing.consumes("fit", ["sensitive_features"]) == {
            "sensitive_features"
        }
        pipe = Pipeline(
            [
                ("resample", sampler),
                ("scale", StandardScaler()),
                ("model", LogisticRegression()),
            ]
        )
        pipe.fit(X, y, sensitive_features=g)
        np.testing.assert_allclose(pipe[-1].coef_, expected[-1].coef_)
        # clone (as GridSearchCV and cross_validate do) keeps the request
        again = clone(pipe).fit(X, y, sensitive_features=g)
        np.testing.assert_allclose(again[-1].coef_, expected[-1].coef_)
        scores = cross_validate(pipe, X, y, params={"sensitive_features": g}, cv=3)
        assert not np.isnan(scores["test_score"]).any()
        # a request refused for fit stays refused; fit_resample still gets them
        refused = clone(sampler).set_fit_request(sensitive_features=False)
        routing = refused.get_metadata_routing()
        assert routing.consumes("fit", ["sensitive_features"]) == set()
        assert routing.consumes("fit_resample", ["sensitive_features"]) == {
            "sensitive_features"
        }
"""


def test_in_an_imbalanced_learn_pipeline_with_routing(pytester):
    # in a subprocess: importing imbalanced-learn changes scikit-learn's list
    # of routed methods for the rest of the process
    pytest.importorskip("imblearn")
    pytester.makepyfile(IMBLEARN_PIPELINE_TEST)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
