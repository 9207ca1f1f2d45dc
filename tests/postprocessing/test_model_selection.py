"""Post-processors in cross-validation and grid search: score, routing, column ids."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.base import clone
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from pytest_fairness.datasets import make_loan_applications
from pytest_fairness.exceptions import FairnessValueError
from pytest_fairness.postprocessing import (
    CalibratedEqualizedOdds,
    GroupCalibrator,
    GroupThresholdOptimizer,
    RejectOptionClassifier,
)

FEATURES = ["credit_score", "debt_to_income", "income"]
CV = KFold(3, shuffle=True, random_state=0)


def _model():
    return make_pipeline(StandardScaler(), LogisticRegression())


POST_PROCESSORS = {
    "thresholds": lambda **kw: GroupThresholdOptimizer(_model(), **kw),
    "reject_option": lambda **kw: RejectOptionClassifier(_model(), **kw),
    "calibrated_eo": lambda **kw: CalibratedEqualizedOdds(
        _model(), cost_constraint="fpr", random_state=0, **kw
    ),
    "calibrator": lambda **kw: GroupCalibrator(_model(), cv=3, **kw),
}


@pytest.fixture(scope="module")
def loan():
    df = make_loan_applications(3000, random_state=0)
    return {
        "X": df[FEATURES],
        "y": df["approved"].to_numpy(),
        "sf": df["gender"],
        # the groups as a column of X, for sensitive_feature_ids
        "X_with_sf": df[["gender", *FEATURES]],
    }


def _by_hand(make, X, y, sf):
    """Accuracy of the adjusted decisions on each held-out fold."""
    scores = []
    for train, test in CV.split(X):
        est = make().fit(X.iloc[train], y[train], sensitive_features=sf.iloc[train])
        pred = est.predict(X.iloc[test], sensitive_features=sf.iloc[test])
        scores.append(accuracy_score(y[test], pred))
    return np.array(scores)


@pytest.mark.parametrize("name", list(POST_PROCESSORS))
def test_cross_val_score_with_routing_scores_the_adjusted_decisions(loan, name):
    make = POST_PROCESSORS[name]
    with sklearn.config_context(enable_metadata_routing=True):
        est = (
            make()
            .set_fit_request(sensitive_features=True)
            .set_score_request(sensitive_features=True)
        )
        scores = cross_val_score(
            est, loan["X"], loan["y"], cv=CV, params={"sensitive_features": loan["sf"]}
        )
    assert not np.isnan(scores).any()
    expected = _by_hand(make, loan["X"], loan["y"], loan["sf"])
    np.testing.assert_allclose(scores, expected, rtol=0, atol=1e-12)
    assert (scores > 0.6).all()  # a real classifier, not a constant


@pytest.mark.parametrize("name", list(POST_PROCESSORS))
def test_cross_val_score_without_routing_reads_the_groups_from_x(loan, name):
    make = POST_PROCESSORS[name]
    scores = cross_val_score(
        make(sensitive_feature_ids="gender"), loan["X_with_sf"], loan["y"], cv=CV
    )
    expected = _by_hand(make, loan["X"], loan["y"], loan["sf"])
    np.testing.assert_allclose(scores, expected, rtol=0, atol=1e-12)


def _grid():
    # the first candidate is a model without information: with NaN scores
    # GridSearchCV would keep it (ties go to the first candidate)
    return {"estimator": [DummyClassifier(strategy="prior"), _model()]}


def test_grid_search_with_routing_picks_the_best_candidate(loan):
    with sklearn.config_context(enable_metadata_routing=True):
        est = (
            GroupThresholdOptimizer(_model())
            .set_fit_request(sensitive_features=True)
            .set_score_request(sensitive_features=True)
        )
        search = GridSearchCV(est, _grid(), cv=CV).fit(
            loan["X"], loan["y"], sensitive_features=loan["sf"]
        )
    scores = search.cv_results_["mean_test_score"]
    assert not np.isnan(scores).any()
    assert search.best_index_ == 1
    assert scores[1] > scores[0] + 0.05
    assert isinstance(search.best_estimator_.estimator_[-1], LogisticRegression)


def test_grid_search_without_routing_picks_the_best_candidate(loan):
    search = GridSearchCV(
        GroupThresholdOptimizer(_model(), sensitive_feature_ids=0), _grid(), cv=CV
    ).fit(loan["X_with_sf"], loan["y"])
    scores = search.cv_results_["mean_test_score"]
    assert not np.isnan(scores).any()
    assert search.best_index_ == 1
    assert scores[1] > scores[0] + 0.05


def test_score_is_the_weighted_accuracy_of_predict(loan):
    X, y, sf = loan["X"], loan["y"], loan["sf"]
    opt = GroupThresholdOptimizer(_model()).fit(X, y, sensitive_features=sf)
    pred = opt.predict(X, sensitive_features=sf)
    w = np.random.default_rng(0).uniform(0.0, 3.0, len(y))
    assert opt.score(X, y, sensitive_features=sf) == pytest.approx(
        accuracy_score(y, pred)
    )
    assert opt.score(X, y, sensitive_features=sf, sample_weight=w) == pytest.approx(
        accuracy_score(y, pred, sample_weight=w)
    )
    assert opt.score(X, y, sensitive_features=sf, sample_weight=w) != pytest.approx(
        opt.score(X, y, sensitive_features=sf)
    )
    with pytest.raises(FairnessValueError, match=r"predict \(and score\)"):
        opt.score(X, y)


@pytest.mark.parametrize("name", list(POST_PROCESSORS))
def test_sensitive_feature_ids_equal_the_metadata_form(loan, name):
    make = POST_PROCESSORS[name]
    X, y, sf, X_sf = loan["X"], loan["y"], loan["sf"], loan["X_with_sf"]
    by_metadata = make().fit(X, y, sensitive_features=sf)
    for ids in ("gender", 0, [0]):
        by_column = make(sensitive_feature_ids=ids).fit(X_sf, y)
        # the model never saw the sensitive column
        assert list(by_column.estimator_.feature_names_in_) == FEATURES
        assert by_column.n_features_in_ == 4
        assert list(by_column.feature_names_in_) == ["gender", *FEATURES]
        assert by_column.groups_ == by_metadata.groups_ == (("female",), ("male",))
        np.testing.assert_array_equal(
            by_column.predict(X_sf), by_metadata.predict(X, sensitive_features=sf)
        )


def test_sensitive_feature_ids_on_arrays_and_with_a_prefit_model(loan):
    X, y, sf = loan["X"], loan["y"], loan["sf"]
    model = _model().fit(X.to_numpy(), y)
    codes = (sf == "female").to_numpy(dtype=float)
    X_arr = np.column_stack([X.to_numpy(), codes])
    opt = GroupThresholdOptimizer(model, prefit=True, sensitive_feature_ids=3).fit(
        X_arr, y
    )
    assert set(opt.thresholds_) == {0.0, 1.0}
    assert not hasattr(opt, "feature_names_in_")
    same = GroupThresholdOptimizer(model, prefit=True).fit(
        X.to_numpy(), y, sensitive_features=codes
    )
    assert opt.thresholds_ == same.thresholds_
    with pytest.raises(ValueError, match="X has 3 features"):
        opt.predict(X.to_numpy())


def test_sensitive_feature_ids_errors_name_the_parameter(loan):
    X_sf, y, sf = loan["X_with_sf"], loan["y"], loan["sf"]
    with pytest.raises(FairnessValueError, match="got both"):
        GroupThresholdOptimizer(_model(), sensitive_feature_ids=0).fit(
            X_sf, y, sensitive_features=sf
        )
    with pytest.raises(FairnessValueError, match=r"names column 'gendr'.*'gender'"):
        GroupThresholdOptimizer(_model(), sensitive_feature_ids="gendr").fit(X_sf, y)
    with pytest.raises(FairnessValueError, match=r"positions in \[0, 3\]"):
        GroupThresholdOptimizer(_model(), sensitive_feature_ids=4).fit(X_sf, y)
    with pytest.raises(FairnessValueError, match="all of them listed"):
        GroupThresholdOptimizer(_model(), sensitive_feature_ids=0).fit(
            X_sf[["gender"]], y
        )
    fitted = GroupThresholdOptimizer(_model(), sensitive_feature_ids=0).fit(X_sf, y)
    with pytest.raises(FairnessValueError, match="got both"):
        fitted.predict(X_sf, sensitive_features=sf)


@pytest.mark.parametrize("name", list(POST_PROCESSORS))
def test_wrong_length_groups_name_sensitive_features_and_x(loan, name):
    X, y, sf = loan["X"], loan["y"], loan["sf"]
    est = POST_PROCESSORS[name]().fit(X, y, sensitive_features=sf)
    message = r"sensitive_features has 10 rows but X has 3000"
    with pytest.raises(FairnessValueError, match=message) as info:
        est.predict(X, sensitive_features=sf[:10])
    assert "y_true" not in str(info.value)
    with pytest.raises(FairnessValueError, match=message):
        POST_PROCESSORS[name]().fit(X, y, sensitive_features=sf[:10])
    frame = pd.DataFrame({"gender": sf[:10].to_numpy()})
    with pytest.raises(FairnessValueError, match=message):
        est.predict(X, sensitive_features=frame)
    with pytest.raises(
        FairnessValueError, match="column 'gender' has 10 rows but X has 3000"
    ):
        est.predict(X, sensitive_features={"gender": sf[:10].to_numpy()})


def test_x_and_y_of_different_lengths_are_named(loan):
    X, y, sf = loan["X"], loan["y"], loan["sf"]
    model = _model().fit(X, y)
    with pytest.raises(FairnessValueError, match="X has 3000 rows but y has 2999"):
        GroupThresholdOptimizer(model, prefit=True).fit(
            X, y[:-1], sensitive_features=sf[:-1]
        )


def test_score_request_is_generated_for_every_post_processor():
    for make in POST_PROCESSORS.values():
        est = make()
        with sklearn.config_context(enable_metadata_routing=True):
            est = est.set_score_request(sensitive_features=True, sample_weight=True)
            routing = est.get_metadata_routing()
        consumed = routing.consumes("score", ["sensitive_features", "sample_weight"])
        assert consumed == {"sensitive_features", "sample_weight"}
        # the request survives cloning (GridSearchCV clones the candidates)
        assert clone(est).get_metadata_routing().consumes(
            "score", ["sensitive_features"]
        ) == {"sensitive_features"}


def test_sample_weight_reaches_a_pipelines_last_step(loan):
    from sklearn.neighbors import KNeighborsClassifier

    X, y, sf = loan["X"], loan["y"], loan["sf"]
    w = np.random.default_rng(1).uniform(0.1, 3.0, len(y))
    scaled = StandardScaler().fit_transform(X)
    for make in (
        lambda m: GroupThresholdOptimizer(m),
        lambda m: GroupCalibrator(m, cv=3),
    ):
        piped = make(_model()).fit(X, y, sensitive_features=sf, sample_weight=w)
        direct = make(LogisticRegression()).fit(
            scaled, y, sensitive_features=sf, sample_weight=w
        )
        np.testing.assert_allclose(
            piped.estimator_[-1].coef_, direct.estimator_.coef_, rtol=1e-6
        )
        np.testing.assert_array_equal(
            piped.predict(X, sensitive_features=sf),
            direct.predict(scaled, sensitive_features=sf),
        )
    knn = make_pipeline(StandardScaler(), KNeighborsClassifier())
    with pytest.raises(FairnessValueError, match="takes no sample_weight"):
        GroupThresholdOptimizer(knn).fit(X, y, sensitive_features=sf, sample_weight=w)
    # without weights any pipeline works, as before
    GroupThresholdOptimizer(knn).fit(X, y, sensitive_features=sf)
