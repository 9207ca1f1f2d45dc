"""ReductionsClassifier: fairlearn's reductions, deterministic predictions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fairlearn import reductions
from sklearn.linear_model import LogisticRegression

import pytest_fairness as pf
from pytest_fairness.exceptions import FairnessValueError
from pytest_fairness.inprocessing import ReductionsClassifier

MOMENTS = {
    "demographic_parity": reductions.DemographicParity,
    "equalized_odds": reductions.EqualizedOdds,
    "equal_opportunity": reductions.TruePositiveRateParity,
    "false_positive_rate_parity": reductions.FalsePositiveRateParity,
    "error_rate_parity": reductions.ErrorRateParity,
}


@pytest.fixture(scope="module")
def gender_only(small_loan):
    X, y, sf = small_loan
    return X, y, sf["gender"]


@pytest.mark.filterwarnings("ignore::DeprecationWarning:fairlearn")
@pytest.mark.parametrize("constraint", list(MOMENTS))
def test_mixture_equals_fairlearns_exponentiated_gradient(constraint, gender_only):
    X, y, sf = gender_only
    ours = ReductionsClassifier(LogisticRegression(), constraints=constraint)
    ours.fit(X, y, sensitive_features=sf)
    ref = reductions.ExponentiatedGradient(
        LogisticRegression(), constraints=MOMENTS[constraint]()
    ).fit(X, y, sensitive_features=sf)
    pmf = ref._pmf_predict(X)
    np.testing.assert_allclose(ours.predict_proba(X), pmf, atol=1e-12)
    # the deterministic rule thresholds that mixture, the same at every call
    first = ours.predict(X)
    np.testing.assert_array_equal(first, (pmf[:, 1] > 0.5).astype(int))
    np.testing.assert_array_equal(first, ours.predict(X))


@pytest.mark.filterwarnings("ignore::DeprecationWarning:fairlearn")
def test_intersectional_groups_match_fairlearns_own(small_loan):
    X, y, sf = small_loan
    ours = ReductionsClassifier(constraints="demographic_parity")
    ours.fit(X, y, sensitive_features=sf)
    ref = reductions.ExponentiatedGradient(
        LogisticRegression(), constraints=reductions.DemographicParity()
    ).fit(X, y, sensitive_features=sf)
    np.testing.assert_allclose(ours.predict_proba(X), ref._pmf_predict(X), atol=1e-12)
    assert set(ours.groups_) == set(sf.itertuples(index=False, name=None))


@pytest.mark.filterwarnings("ignore::DeprecationWarning:fairlearn")
def test_randomized_prediction_reproduces_fairlearn_with_the_same_seed(gender_only):
    X, y, sf = gender_only
    ours = ReductionsClassifier(
        constraints="equalized_odds", prediction="randomized", random_state=7
    ).fit(X, y, sensitive_features=sf)
    ref = reductions.ExponentiatedGradient(
        LogisticRegression(), constraints=reductions.EqualizedOdds()
    ).fit(X, y, sensitive_features=sf)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X, random_state=7))
    np.testing.assert_array_equal(ours.predict(X), ours.predict(X))


@pytest.mark.filterwarnings("ignore::DeprecationWarning:fairlearn")
@pytest.mark.parametrize("constraint", ["demographic_parity", "equalized_odds"])
def test_grid_search_equals_fairlearns(constraint, small_loan):
    X, y, sf = small_loan
    ours = ReductionsClassifier(
        constraints=constraint, method="grid_search", grid_size=12
    ).fit(X, y, sensitive_features=sf)
    ref = reductions.GridSearch(
        LogisticRegression(), constraints=MOMENTS[constraint](), grid_size=12
    ).fit(X, y, sensitive_features=sf)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X))
    assert ours.weights_.sum() == 1.0
    assert ours.weights_[ref.best_idx_] == 1.0


def test_the_mixture_meets_its_bound_and_the_shipped_labels_gain(gender_only):
    X, y, sf = gender_only
    bound = 0.02
    fair = ReductionsClassifier(difference_bound=bound).fit(X, y, sensitive_features=sf)
    # fairlearn's guarantee: each group's selection rate under the mixture is
    # within bound + 2 (eps + best_gap) of the overall rate, so two groups are
    # within twice that of each other
    share = fair.predict_proba(X)[:, 1]
    rates = [share[(sf == g).to_numpy()].mean() for g in ("female", "male")]
    slack = 2 * (fair.eps + fair.reduction_.best_gap_)
    assert abs(rates[0] - rates[1]) <= 2 * (bound + slack) + 1e-12
    # the thresholded labels are not bound by it, but still gain over plain LR
    plain = LogisticRegression().fit(X, y).predict(X)
    before = pf.audit(y, plain, sensitive_features=sf).demographic_parity_difference
    after = pf.audit(
        y, fair.predict(X), sensitive_features=sf
    ).demographic_parity_difference
    assert after < before


def test_difference_bound_reaches_the_fairlearn_moment(gender_only):
    X, y, sf = gender_only
    ours = ReductionsClassifier(difference_bound=0.05).fit(X, y, sensitive_features=sf)
    assert ours.reduction_.constraints.eps == 0.05


def test_a_fairlearn_moment_is_used_as_given(gender_only):
    X, y, sf = gender_only
    moment = reductions.DemographicParity(ratio_bound=0.9)
    ours = ReductionsClassifier(constraints=moment).fit(X, y, sensitive_features=sf)
    assert ours.reduction_.constraints is moment


def test_labels_and_frames_round_trip(gender_only):
    X, y, sf = gender_only
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    frame.insert(2, "gender", sf.to_numpy())
    labels = np.where(y == 1, "approved", "denied")
    ours = ReductionsClassifier(sensitive_feature_ids=["gender"]).fit(frame, labels)
    assert list(ours.classes_) == ["approved", "denied"]
    # classes_[1] = "denied" is the positive class here: predictions still
    # come back as labels and predict_proba's columns follow classes_
    pred = ours.predict(frame)
    assert set(pred) <= {"approved", "denied"}
    proba = ours.predict_proba(frame)
    np.testing.assert_array_equal(pred, ours.classes_[(proba[:, 1] > 0.5).astype(int)])


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"constraints": "demographic_party"}, "Did you mean 'demographic_parity'"),
        ({"method": "grid"}, r"'method' parameter .* one of"),
        ({"eps": 0.0}, r"'eps' parameter .* > 0\.0"),
        ({"constraint_weight": 2.0}, r"'constraint_weight' parameter .* <= 1\.0"),
        ({"prediction": "randomized"}, "needs an integer random_state"),
        ({"random_state": -1}, r"'random_state' parameter .* Got -1"),
        (
            {"constraints": reductions.DemographicParity(), "difference_bound": 0.1},
            "set the bound on the fairlearn Moment",
        ),
    ],
)
def test_bad_parameters_are_named(params, match, gender_only):
    X, y, sf = gender_only
    with pytest.raises(FairnessValueError, match=match):
        ReductionsClassifier(**params).fit(X, y, sensitive_features=sf)


def test_sensitive_features_are_required(gender_only):
    X, y, _ = gender_only
    with pytest.raises(FairnessValueError, match="needs the sensitive features"):
        ReductionsClassifier().fit(X, y)


# -- a Pipeline as the estimator -------------------------------------------------


@pytest.fixture(scope="module")
def loan_frame():
    from pytest_fairness.datasets import make_loan_applications

    df = make_loan_applications(1500, random_state=0)
    return df, df["approved"].to_numpy()


def _encoded_pipeline():
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    return make_pipeline(OneHotEncoder(handle_unknown="ignore"), LogisticRegression())


@pytest.mark.filterwarnings("ignore::DeprecationWarning:fairlearn")
@pytest.mark.parametrize("method", ["exponentiated_gradient", "grid_search"])
def test_a_pipeline_on_string_columns_fits_and_predicts(loan_frame, method):
    df, y = loan_frame
    X = df[["race", "industry"]]  # strings such as 'white', 'construction'
    clf = ReductionsClassifier(_encoded_pipeline(), method=method)
    clf.fit(X, y, sensitive_features=df["gender"])
    pred = clf.predict(X)
    assert pred.shape == y.shape
    assert set(np.unique(pred)) <= {0, 1}
    assert list(clf.feature_names_in_) == ["race", "industry"]
    # the reduction's weights reached the last step: fairlearn itself, told to
    # pass them as logisticregression__sample_weight, fits the same predictors
    cls = (
        reductions.ExponentiatedGradient
        if method == "exponentiated_gradient"
        else reductions.GridSearch
    )
    ref = cls(
        _encoded_pipeline(),
        constraints=reductions.DemographicParity(),
        sample_weight_name="logisticregression__sample_weight",
    ).fit(X, y, sensitive_features=df["gender"])
    assert len(clf.predictors_) == len(ref.predictors_)
    for ours, theirs in zip(clf.predictors_, ref.predictors_, strict=True):
        np.testing.assert_allclose(
            ours[-1].coef_, theirs[-1].coef_, rtol=1e-9, atol=1e-12
        )
    if method == "exponentiated_gradient":
        np.testing.assert_allclose(
            clf.predict_proba(X), ref._pmf_predict(X), atol=1e-12
        )
    else:
        np.testing.assert_array_equal(pred, ref.predict(X))


@pytest.mark.filterwarnings("ignore::DeprecationWarning:fairlearn")
def test_a_pipeline_with_sensitive_feature_ids_does_not_see_them(loan_frame):
    df, y = loan_frame
    with_gender = ReductionsClassifier(
        _encoded_pipeline(), sensitive_feature_ids="gender"
    ).fit(df[["gender", "race", "industry"]], y)
    by_metadata = ReductionsClassifier(_encoded_pipeline()).fit(
        df[["race", "industry"]], y, sensitive_features=df["gender"]
    )
    encoder = with_gender.predictors_[0][0]
    assert list(encoder.feature_names_in_) == ["race", "industry"]
    np.testing.assert_allclose(
        with_gender.predict_proba(df[["gender", "race", "industry"]]),
        by_metadata.predict_proba(df[["race", "industry"]]),
        atol=1e-12,
    )


@pytest.mark.filterwarnings("ignore::DeprecationWarning:fairlearn")
def test_a_numeric_pipeline_gets_the_weights_at_its_last_step(loan_frame):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    df, y = loan_frame
    X = df[["credit_score", "debt_to_income", "income"]]
    pipe = make_pipeline(StandardScaler(), LogisticRegression())
    clf = ReductionsClassifier(pipe).fit(X, y, sensitive_features=df["gender"])
    ref = ReductionsClassifier(LogisticRegression()).fit(
        StandardScaler().fit_transform(X), y, sensitive_features=df["gender"]
    )
    np.testing.assert_allclose(
        clf.predict_proba(X),
        ref.predict_proba(StandardScaler().fit_transform(X)),
        atol=1e-9,
    )


def test_a_pipeline_that_cannot_take_weights_says_what_to_do(loan_frame):
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline

    df, y = loan_frame
    X = df[["race", "industry"]]
    pipe = make_pipeline(_encoded_pipeline()[0], KNeighborsClassifier())
    with pytest.raises(
        FairnessValueError,
        match=r"KNeighborsClassifier.fit takes no sample_weight.*make_pipeline\(",
    ):
        ReductionsClassifier(pipe).fit(X, y, sensitive_features=df["gender"])
    with pytest.raises(FairnessValueError, match="its fit must accept sample_weight"):
        ReductionsClassifier(KNeighborsClassifier()).fit(
            df[["credit_score", "income"]], y, sensitive_features=df["gender"]
        )


@pytest.mark.filterwarnings("ignore::DeprecationWarning:fairlearn")
def test_with_metadata_routing_the_last_step_requests_the_weights(loan_frame):
    import sklearn

    df, y = loan_frame
    X = df[["race", "industry"]]
    expected = ReductionsClassifier(_encoded_pipeline()).fit(
        X, y, sensitive_features=df["gender"]
    )
    with sklearn.config_context(enable_metadata_routing=True):
        with pytest.raises(
            FairnessValueError,
            match=r"Request it there.*set_fit_request\(sample_weight=True\)",
        ):
            ReductionsClassifier(_encoded_pipeline()).fit(
                X, y, sensitive_features=df["gender"]
            )
        pipe = _encoded_pipeline()
        pipe[-1].set_fit_request(sample_weight=True)
        clf = ReductionsClassifier(pipe).fit(X, y, sensitive_features=df["gender"])
        proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba, expected.predict_proba(X), atol=1e-12)
