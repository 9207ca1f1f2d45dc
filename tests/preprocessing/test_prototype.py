"""PrototypeRepresentationLearner: fairlearn's result, a smaller parity gap, errors."""

from __future__ import annotations

import re
import sys

import numpy as np
import pandas as pd
import pytest
import sklearn
from fairlearn.preprocessing import (
    PrototypeRepresentationLearner as FairlearnPrototypeRepresentationLearner,
)
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import pytest_fairness as pf
from pytest_fairness import FairnessValueError, FairnessWarning
from pytest_fairness.preprocessing import PrototypeRepresentationLearner

# fairlearn differentiates numerically: every fit costs (n_params + 1) objective
# evaluations per iteration, so the data stay small and max_iter low.
FAST = {"max_iter": 12, "random_state": 0}


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    """Two features, one a proxy of gender; labels follow the proxy."""
    rng = np.random.default_rng(0)
    n = 200
    gender = rng.choice(["female", "male"], n)
    race = rng.choice(["a", "b"], n, p=[0.7, 0.3])
    proxy = 1.5 * (gender == "male") + rng.normal(size=n)
    other = rng.normal(size=n)
    label = (proxy + other + rng.normal(0, 0.5, n) > 0.75).astype(int)
    return pd.DataFrame(
        {"proxy": proxy, "other": other, "gender": gender, "race": race, "y": label}
    )


def features(df: pd.DataFrame) -> np.ndarray:
    return df[["proxy", "other"]].to_numpy()


@pytest.mark.parametrize("fairness_weight", [0.0, 2.0])
def test_equals_fairlearn_with_intersectional_groups(data, fairness_weight):
    X, y, sf = features(data), data["y"].to_numpy(), data[["gender", "race"]]
    params = {**FAST, "n_prototypes": 3, "fairness_weight": fairness_weight}
    ours = PrototypeRepresentationLearner(**params).fit(X, y, sensitive_features=sf)
    # fairlearn merges the two columns into one itself
    theirs = FairlearnPrototypeRepresentationLearner(**params).fit(
        X, y, sensitive_features=sf
    )
    np.testing.assert_allclose(ours.transform(X), theirs.transform(X), rtol=1e-10)
    np.testing.assert_allclose(
        ours.predict_proba(X), theirs.predict_proba(X), rtol=1e-10, atol=1e-12
    )
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
    np.testing.assert_allclose(ours.prototypes_, theirs.prototypes_, rtol=1e-10)
    np.testing.assert_allclose(ours.alpha_, theirs.alpha_, rtol=1e-10)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-10)
    assert ours.n_iter_ == theirs.n_iter_
    assert len(ours.groups_) == 4
    assert ours.sensitive_attributes_ == ("gender", "race")
    np.testing.assert_array_equal(ours.classes_, [0, 1])


def test_sensitive_columns_of_x_are_read_and_left_out(data):
    frame = data[["gender", "proxy", "other"]]
    ours = PrototypeRepresentationLearner(sensitive_feature_ids="gender", **FAST)
    ours.set_output(transform="pandas")
    out = ours.fit_transform(frame, data["y"])
    assert list(out.columns) == ["prototype0", "prototype1"]
    assert list(ours.feature_names_in_) == ["gender", "proxy", "other"]
    theirs = FairlearnPrototypeRepresentationLearner(**FAST).fit(
        features(data), data["y"], sensitive_features=data["gender"]
    )
    np.testing.assert_allclose(out.to_numpy(), theirs.transform(features(data)))
    np.testing.assert_allclose(
        ours.predict_proba(frame), theirs.predict_proba(features(data))
    )
    np.testing.assert_allclose(out.sum(axis=1), 1.0)
    # the same seed gives the same fit; the learner has randomness to fix
    again = PrototypeRepresentationLearner(sensitive_feature_ids="gender", **FAST)
    np.testing.assert_array_equal(again.fit(frame, data["y"]).transform(frame), out)


def test_a_larger_fairness_weight_closes_the_parity_gap(data):
    X, y, g = features(data), data["y"].to_numpy(), data["gender"].to_numpy()

    def gap(pred):
        return pf.audit(y, pred, sensitive_features=g).demographic_parity_difference

    plain = gap(LogisticRegression().fit(X, y).predict(X))
    fits = {
        w: PrototypeRepresentationLearner(
            fairness_weight=w, max_iter=20, random_state=0
        ).fit(X, y, sensitive_features=g)
        for w in (0.0, 2.0)
    }
    assert plain > 0.4  # the proxy carries the gender gap into a plain model
    assert gap(fits[0.0].predict(X)) > 0.4  # and into the learner without the term
    assert gap(fits[2.0].predict(X)) < 0.1
    # the term it minimises: the groups' mean prototype assignments
    for w, bound in ((0.0, (0.2, 1.0)), (2.0, (0.0, 0.02))):
        M = fits[w].transform(X)
        spread = np.abs(M[g == "female"].mean(axis=0) - M[g == "male"].mean(axis=0))
        assert bound[0] <= spread.max() <= bound[1], (w, spread)
    # fairness costs accuracy (the proxy is the best predictor), but the
    # representation still predicts the label better than the majority class
    majority = max(y.mean(), 1 - y.mean())
    assert fits[0.0].score(X, y) > fits[2.0].score(X, y) > majority + 0.05


def test_sensitive_features_are_routed_in_a_pipeline(data):
    X, y, sf = data[["proxy", "other"]], data["y"], data[["gender", "race"]]
    with sklearn.config_context(enable_metadata_routing=True):
        learner = PrototypeRepresentationLearner(**FAST).set_fit_request(
            sensitive_features=True
        )
        as_model = make_pipeline(StandardScaler(), learner).fit(
            X, y, sensitive_features=sf
        )
        routed_proba = as_model.predict_proba(X)
        as_step = make_pipeline(learner, LogisticRegression()).fit(
            X, y, sensitive_features=sf
        )
        routed_pred = as_step.predict(X)
    Z = StandardScaler().fit_transform(X)
    direct = PrototypeRepresentationLearner(**FAST).fit(Z, y, sensitive_features=sf)
    np.testing.assert_allclose(routed_proba, direct.predict_proba(Z))
    M = PrototypeRepresentationLearner(**FAST).fit_transform(
        X, y, sensitive_features=sf
    )
    np.testing.assert_array_equal(
        routed_pred, LogisticRegression().fit(M, y).predict(M)
    )


def test_without_labels_only_the_representation_is_learnt(data):
    X, g = features(data), data["gender"]
    ours = PrototypeRepresentationLearner(**FAST).fit(X, sensitive_features=g)
    theirs = FairlearnPrototypeRepresentationLearner(**FAST).fit(
        X, sensitive_features=g
    )
    np.testing.assert_allclose(ours.transform(X), theirs.transform(X), rtol=1e-10)
    assert ours.classes_ is None
    with pytest.raises(FairnessValueError, match="fitted without y"):
        ours.predict(X)


@pytest.mark.parametrize(
    ("y", "match"),
    [
        ([0, 1, 2] * 4, "binary classification.*y holds 3 classes"),
        ([1] * 12, "y holds one class only"),
        (np.linspace(0, 1, 12), "Unknown label type: 'continuous'"),
    ],
)
def test_labels_must_be_binary(y, match):
    X = np.arange(24.0).reshape(12, 2)
    with pytest.raises(FairnessValueError, match=match):
        PrototypeRepresentationLearner().fit(X, y, sensitive_features=[0, 1] * 6)


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"n_prototypes": 0}, "'n_prototypes' parameter .* an int >= 1"),
        ({"fairness_weight": -1.0}, "'fairness_weight' parameter .* float >= 0"),
        ({"target_weight": np.nan}, "'target_weight' parameter"),
        ({"reconstruct_weight": "1"}, "'reconstruct_weight' parameter"),
        ({"tol": 0}, "'tol' parameter .* float > 0"),
        ({"max_iter": 0}, "'max_iter' parameter .* an int >= 1"),
        ({"random_state": "seed"}, "'random_state' parameter .* None, an int"),
        ({"sensitive_feature_ids": "sexx"}, "names column 'sexx'"),
        ({"verbose": -1}, "'verbose' parameter .* an int >= 0"),
    ],
)
def test_bad_parameters_are_named(data, params, match):
    frame = data[["gender", "proxy", "other"]]
    learner = PrototypeRepresentationLearner(
        **{"sensitive_feature_ids": "gender", **params}
    )
    with pytest.raises(FairnessValueError, match=match):
        learner.fit(frame, data["y"])


def test_bad_input_is_explained(data):
    X, y, g = features(data), data["y"].to_numpy(), data["gender"].to_numpy()
    learner = PrototypeRepresentationLearner()
    with pytest.raises(FairnessValueError, match="needs the sensitive features"):
        learner.fit(X, y)
    with pytest.raises(FairnessValueError, match="sensitive_features has 3 rows"):
        learner.fit(X, y, sensitive_features=g[:3])
    with pytest.raises(FairnessValueError, match="missing"):
        learner.fit(X, y, sensitive_features=np.where(g == "male", None, g))
    with_nan = X.copy()
    with_nan[3, 1] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        learner.fit(with_nan, y, sensitive_features=g)
    with pytest.raises(ValueError, match="Input y contains NaN"):
        learner.fit(X, np.where(y == 1, np.nan, 0.0), sensitive_features=g)
    with pytest.warns(FairnessWarning, match="one group only"):
        PrototypeRepresentationLearner(max_iter=1).fit(
            X, y, sensitive_features=["female"] * len(y)
        )
    fitted = PrototypeRepresentationLearner(max_iter=1).fit(X, y, sensitive_features=g)
    with pytest.raises(ValueError, match="Input X contains NaN"):
        fitted.transform(with_nan)
    with pytest.raises(ValueError, match="features"):
        fitted.predict(X[:, :1])


def test_an_old_or_missing_fairlearn_is_explained(data, monkeypatch):
    X, y, g = features(data), data["y"], data["gender"]
    import fairlearn.preprocessing

    monkeypatch.delattr(fairlearn.preprocessing, "PrototypeRepresentationLearner")
    with pytest.raises(
        ImportError, match=r"fairlearn >= 0\.13.*pytest-fairness\[mitigation\]"
    ):
        PrototypeRepresentationLearner().fit(X, y, sensitive_features=g)
    monkeypatch.setitem(sys.modules, "fairlearn.preprocessing", None)
    with pytest.raises(ImportError, match=r"pytest-fairness\[mitigation\]"):
        PrototypeRepresentationLearner().fit(X, y, sensitive_features=g)


def test_verbose_shows_the_optimisers_progress_and_changes_nothing(data, capsys):
    X, y, g = features(data), data["y"].to_numpy(), data["gender"]
    params = {**FAST, "fairness_weight": 2.0}
    quiet = PrototypeRepresentationLearner(**params).fit(X, y, sensitive_features=g)
    out, err = capsys.readouterr()
    assert (out, err) == ("", "")
    loud = PrototypeRepresentationLearner(verbose=1, **params).fit(
        X, y, sensitive_features=g
    )
    out, err = capsys.readouterr()
    assert out == ""
    assert "PrototypeRepresentationLearner.fit (max_iter=12)" in err
    assert "loss=" in err
    # one gradient per (n_params + 1) evaluations: at least one per iteration
    shown = int(re.findall(r"(\d+) gradients \[", err)[-1])
    assert shown >= loud.n_iter_
    np.testing.assert_array_equal(loud.prototypes_, quiet.prototypes_)
    np.testing.assert_array_equal(loud.coef_, quiet.coef_)
    # the fitted learner keeps no progress bar (nor a closure over it)
    assert "_objective" not in vars(loud.learner_)
