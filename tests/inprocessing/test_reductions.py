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
