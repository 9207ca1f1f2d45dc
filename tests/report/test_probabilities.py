"""Probabilities or scores passed as y_pred are refused at audit time."""

from __future__ import annotations

import numpy as np
import pytest

import pytest_fairness as pf

N = 1000


@pytest.fixture
def binary() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(5)
    proba = rng.random(N)
    return {
        "y": (rng.random(N) < proba).astype(int),
        "proba": proba,
        "sex": rng.choice(["f", "m"], N),
    }


def test_probabilities_as_y_pred_are_refused_at_audit_time(binary):
    proba = binary["proba"]
    with pytest.raises(pf.FairnessValueError) as info:
        pf.audit(binary["y"], proba, sensitive_features=binary["sex"])
    msg = str(info.value)
    n_distinct = np.unique(proba).size
    lo, hi = proba.min(), proba.max()
    assert msg.startswith(
        f"y_pred has {n_distinct} distinct values in [0, 1] "
        f"(from {lo:.3g} to {hi:.3g}) but y_true is binary ([0, 1])"
    )
    assert "Threshold them" in msg
    assert "pass scores as y_score=" in msg


@pytest.mark.parametrize(
    "y_true",
    [
        lambda y: y.astype(bool),
        lambda y: np.where(y == 1, "approved", "denied"),
        lambda y: np.where(y == 1, 1, -1),
        lambda y: y.astype(float),
    ],
    ids=["bool", "strings", "minus-one", "float-0-1"],
)
def test_every_binary_target_form_is_recognised(binary, y_true):
    with pytest.raises(pf.FairnessValueError, match=r"distinct values in \[0, 1\]"):
        pf.audit(y_true(binary["y"]), binary["proba"], sensitive_features=binary["sex"])


def test_explicit_binary_metrics_get_the_same_message(binary):
    with pytest.raises(pf.FairnessValueError, match=r"look like probabilities"):
        pf.audit(
            binary["y"],
            binary["proba"],
            sensitive_features=binary["sex"],
            metrics="tpr",
        )


def test_scores_outside_the_unit_interval_are_named_scores(binary):
    scores = np.log(binary["proba"] / (1 - binary["proba"]))
    with pytest.raises(
        pf.FairnessValueError,
        match=rf"y_pred has {N} distinct values in \[-?[\d.]+, [\d.]+\] but y_true "
        r"is binary \(\[0, 1\]\): they look like scores",
    ):
        pf.audit(binary["y"], scores, sensitive_features=binary["sex"])


def test_thresholded_predictions_and_scores_as_y_score_work(binary):
    report = pf.audit(
        binary["y"],
        binary["proba"] >= 0.5,
        y_score=binary["proba"],
        sensitive_features=binary["sex"],
    )
    assert report.task == "binary"
    assert 0.0 <= report.difference("auc") <= 1.0


def test_a_regression_audit_keeps_working(binary):
    rng = np.random.default_rng(1)
    target = rng.random(N)
    report = pf.audit(target, binary["proba"], sensitive_features=binary["sex"])
    assert report.task == "regression"
    # explicit regression metrics of probabilities against a binary target
    report = pf.audit(
        binary["y"],
        binary["proba"],
        sensitive_features=binary["sex"],
        metrics=["mean_prediction", "mae"],
    )
    assert report.task == "regression"
    f = binary["sex"] == "f"
    assert report.by_group.loc["f", "mean_prediction"] == pytest.approx(
        binary["proba"][f].mean(), rel=1e-12
    )
