"""The public names of pytest_fairness.preprocessing are pinned and documented."""

from __future__ import annotations

import inspect

import numpy as np

from pytest_fairness import preprocessing

EXPECTED = [
    "BiasProfile",
    "CorrelationRemover",
    "DisparateImpactRemover",
    "GroupStandardizer",
    "PrototypeRepresentationLearner",
    "Resampler",
    "Reweighing",
    "ReweighingMeta",
    "bias_profile",
]


def test_all_is_sorted_and_pinned():
    assert preprocessing.__all__ == sorted(preprocessing.__all__)
    assert preprocessing.__all__ == EXPECTED


def test_every_public_name_is_documented_with_examples():
    for name in preprocessing.__all__:
        doc = inspect.getdoc(getattr(preprocessing, name))
        assert doc, name
        if name != "BiasProfile":
            assert "Examples\n--------" in doc, name


def test_estimators_take_keyword_only_parameters():
    for name in preprocessing.__all__:
        obj = getattr(preprocessing, name)
        if not (inspect.isclass(obj) and hasattr(obj, "get_params")):
            continue
        params = list(inspect.signature(obj.__init__).parameters.values())[1:]
        assert params, name
        if name == "ReweighingMeta":  # a meta-estimator: see the next test
            params = params[1:]
        assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params), name


def test_meta_estimators_take_the_estimator_first_positional_or_keyword():
    from sklearn.linear_model import LogisticRegression

    from pytest_fairness import inprocessing, postprocessing

    meta = [
        preprocessing.ReweighingMeta,
        inprocessing.ReductionsClassifier,
        postprocessing.GroupThresholdOptimizer,
        postprocessing.RejectOptionClassifier,
        postprocessing.CalibratedEqualizedOdds,
        postprocessing.GroupCalibrator,
    ]
    for cls in meta:
        first, *rest = list(inspect.signature(cls.__init__).parameters.values())[1:]
        assert first.name == "estimator", cls
        assert first.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD, cls
        assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in rest), cls
        model = LogisticRegression(C=0.5)
        assert cls(model).estimator is model
        assert cls(estimator=model).get_params()["estimator"] is model
    # Resampler's estimator is the ranker of one strategy, not a wrapped model
    param = inspect.signature(preprocessing.Resampler).parameters["estimator"]
    assert param.kind is inspect.Parameter.KEYWORD_ONLY


def test_sensitive_features_is_keyword_only_fit_metadata():
    for name in ("CorrelationRemover", "DisparateImpactRemover", "GroupStandardizer"):
        cls = getattr(preprocessing, name)
        for method in ("fit", "transform", "fit_transform"):
            param = inspect.signature(getattr(cls, method)).parameters[
                "sensitive_features"
            ]
            assert param.kind is inspect.Parameter.KEYWORD_ONLY
        assert hasattr(cls(), "set_fit_request")
        assert hasattr(cls(), "set_transform_request")
    for name in ("Reweighing", "ReweighingMeta", "Resampler"):
        cls = getattr(preprocessing, name)
        param = inspect.signature(cls.fit).parameters["sensitive_features"]
        assert param.kind is inspect.Parameter.KEYWORD_ONLY


def test_inputs_are_never_modified():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = (rng.random(200) < 0.5).astype(int)
    g = rng.choice(["a", "b"], 200)
    with_ids = np.c_[X, (g == "a").astype(float)]
    before = (X.copy(), y.copy(), g.copy(), with_ids.copy())
    for step in (
        preprocessing.DisparateImpactRemover(),
        preprocessing.GroupStandardizer(),
        preprocessing.CorrelationRemover(),
    ):
        step.fit_transform(X, sensitive_features=g)
    preprocessing.CorrelationRemover(sensitive_feature_ids=3, alpha=0.5).fit_transform(
        with_ids
    )
    preprocessing.Reweighing().fit(X, y, sensitive_features=g)
    for strategy in ("uniform", "preferential", "oversample"):
        preprocessing.Resampler(strategy=strategy, random_state=0).fit_resample(
            X, y, sensitive_features=g
        )
    for old, new in zip(before, (X, y, g, with_ids), strict=True):
        np.testing.assert_array_equal(old, new)
