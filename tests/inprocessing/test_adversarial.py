"""AdversarialDebiasingClassifier: the output hides the group; fits are repeatable."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

import pytest_fairness as pf
from pytest_fairness.exceptions import FairnessValueError
from pytest_fairness.inprocessing import AdversarialDebiasingClassifier

N_TRAIN = 4000
EPOCHS = 15


def _group_auc(score, member):
    """How well a score separates two groups, folded: 0.5 is no information."""
    auc = roc_auc_score(member, score)
    return max(auc, 1.0 - auc)


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


@pytest.fixture(scope="module")
def fits(torch, loan_split):
    s = loan_split
    X, y, sf = s.X_train[:N_TRAIN], s.y_train[:N_TRAIN], s.sf_train["gender"][:N_TRAIN]
    out = {}
    for criterion in ("demographic_parity", "equalized_odds"):
        for alpha in (0.0, 1.0):
            model = AdversarialDebiasingClassifier(
                adversary_loss_weight=alpha, criterion=criterion, epochs=EPOCHS
            )
            out[criterion, alpha] = model.fit(X, y, sensitive_features=sf)
    return out


def test_adversary_recovers_the_group_less_from_the_output(fits, loan_split):
    s = loan_split
    male = (s.sf_test["gender"] == "male").to_numpy()
    baseline = fits["demographic_parity", 0.0].decision_function(s.X_test)
    debiased = fits["demographic_parity", 1.0].decision_function(s.X_test)
    auc_base, auc_debiased = _group_auc(baseline, male), _group_auc(debiased, male)
    assert auc_base > 0.58  # the plain network's output does reveal gender
    assert auc_debiased < auc_base - 0.03
    # and the decisions it ships are closer to demographic parity
    dp = [
        pf.audit(
            s.y_test,
            fits["demographic_parity", a].predict(s.X_test),
            sensitive_features=s.sf_test["gender"],
        ).demographic_parity_difference
        for a in (0.0, 1.0)
    ]
    assert dp[1] < dp[0]


def test_equalized_odds_adversary_hides_the_group_within_each_class(fits, loan_split):
    s = loan_split
    male = (s.sf_test["gender"] == "male").to_numpy()
    within, eo = [], []
    for alpha in (0.0, 1.0):
        model = fits["equalized_odds", alpha]
        z = model.decision_function(s.X_test)
        # equalized odds: given the true label, the output says nothing of the group
        within.append(
            np.mean([_group_auc(z[s.y_test == c], male[s.y_test == c]) for c in (0, 1)])
        )
        report = pf.audit(
            s.y_test, model.predict(s.X_test), sensitive_features=s.sf_test["gender"]
        )
        eo.append(report.equalized_odds_difference)
    assert within[1] < within[0] - 0.02
    assert eo[1] < 0.6 * eo[0]


def test_without_adversary_the_criterion_does_not_matter(fits):
    base_dp = fits["demographic_parity", 0.0]
    base_eo = fits["equalized_odds", 0.0]
    for a, b in zip(base_dp.coefs_, base_eo.coefs_, strict=True):
        np.testing.assert_array_equal(a, b)
    assert np.isnan(base_dp.adversary_loss_curve_).all()


def test_fits_are_bit_identical_and_leave_torch_as_they_found_it(torch, small_loan):
    X, y, sf = small_loan
    threads = torch.get_num_threads()
    rng_state = torch.random.get_rng_state()
    flag = torch.are_deterministic_algorithms_enabled()
    fit = lambda: AdversarialDebiasingClassifier(epochs=3, random_state=11).fit(  # noqa: E731
        X, y, sensitive_features=sf
    )
    a, b = fit(), fit()
    for wa, wb in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_, strict=True):
        np.testing.assert_array_equal(wa, wb)
    assert a.loss_curve_ == b.loss_curve_
    assert torch.get_num_threads() == threads
    assert torch.equal(torch.random.get_rng_state(), rng_state)
    assert torch.are_deterministic_algorithms_enabled() == flag
    other = AdversarialDebiasingClassifier(epochs=3, random_state=12).fit(
        X, y, sensitive_features=sf
    )
    assert not np.array_equal(other.coefs_[0], a.coefs_[0])


def test_intersectional_groups_are_the_adversarys_classes(torch, small_loan):
    X, y, sf = small_loan
    model = AdversarialDebiasingClassifier(epochs=2).fit(X, y, sensitive_features=sf)
    assert set(model.groups_) == set(sf.itertuples(index=False, name=None))
    proba = model.predict_proba(X)
    np.testing.assert_array_equal(model.predict(X), (proba[:, 1] > 0.5).astype(int))
    assert len(model.loss_curve_) == model.n_iter_ == 2


def test_logistic_predictor_when_there_are_no_hidden_layers(torch, small_loan):
    X, y, sf = small_loan
    model = AdversarialDebiasingClassifier(hidden_layer_sizes=(), epochs=2)
    model.fit(X, y, sensitive_features=sf["gender"])
    assert [c.shape for c in model.coefs_] == [(X.shape[1], 1)]
    np.testing.assert_allclose(
        model.decision_function(X), X @ model.coefs_[0][:, 0] + model.intercepts_[0][0]
    )


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"adversary_loss_weight": -1}, r"'adversary_loss_weight' .* >= 0\.0"),
        ({"criterion": "equal_odds"}, "Did you mean 'equalized_odds'"),
        ({"hidden_layer_sizes": (8, 0)}, r"'hidden_layer_sizes' .* positive integers"),
        ({"epochs": 0}, r"'epochs' .* integer >= 1"),
        ({"learning_rate": 0}, r"'learning_rate' .* > 0\.0"),
    ],
)
def test_bad_parameters_are_named(params, match, small_loan):
    X, y, sf = small_loan
    with pytest.raises(FairnessValueError, match=match):
        AdversarialDebiasingClassifier(**params).fit(X, y, sensitive_features=sf)


def test_missing_torch_names_the_extra(monkeypatch, small_loan):
    X, y, sf = small_loan
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(ImportError, match=r'pip install "pytest-fairness\[torch\]"'):
        AdversarialDebiasingClassifier(epochs=1).fit(X, y, sensitive_features=sf)
