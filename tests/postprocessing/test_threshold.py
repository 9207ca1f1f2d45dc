"""GroupThresholdOptimizer: exact threshold search, constraints, fairlearn."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
import sklearn
from fairlearn.postprocessing import ThresholdOptimizer
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_curve
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

import pytest_fairness as pf
from pytest_fairness.datasets import make_loan_applications
from pytest_fairness.exceptions import FairnessValueError
from pytest_fairness.postprocessing import GroupThresholdOptimizer
from pytest_fairness.postprocessing._curves import build_curves, window_search

FEATURES = ["credit_score", "debt_to_income", "income", "employment_gap_months"]
FAIRLEARN_NAMES = {
    "equal_opportunity": "true_positive_rate_parity",
    "demographic_parity": "demographic_parity",
    "predictive_equality": "false_positive_rate_parity",
    "equalized_odds": "equalized_odds",
}
CONSTRAINT_METRICS = {
    "equal_opportunity": ("tpr",),
    "demographic_parity": ("selection_rate",),
    "predictive_equality": ("fpr",),
    "equalized_odds": ("tpr", "fpr"),
}


@pytest.fixture(scope="module")
def loan():
    """A fitted model that cannot change, with training and held-out rows."""
    df = make_loan_applications(20_000, random_state=0)
    X = df[FEATURES].assign(income=np.log(df["income"]))
    y = df["approved"].to_numpy()
    train = np.arange(len(df)) < 14_000
    model = make_pipeline(StandardScaler(), LogisticRegression())
    model.fit(X[train], y[train])
    return {
        "X": X[train],
        "y": y[train],
        "sf": df.loc[train, "gender"],
        "sf2": df.loc[train, ["gender", "race"]],
        "X_test": X[~train],
        "y_test": y[~train],
        "sf_test": df.loc[~train, "gender"],
        "model": model,
    }


def _spread(y, decision, groups, metric):
    """max - min over groups of a rate of (expected) decisions, from the rows."""
    values = []
    for g in np.unique(groups):
        m = groups == g
        if metric == "tpr":
            m = m & (y == 1)
        elif metric == "fpr":
            m = m & (y == 0)
        values.append(decision[m].mean())
    return max(values) - min(values)


def _accuracy(y, p_favourable):
    return float(np.mean(p_favourable * y + (1 - p_favourable) * (1 - y)))


# -- the curves ------------------------------------------------------------------


@pytest.mark.parametrize("weighted", [False, True])
def test_curves_equal_sklearn_roc_curve_per_group(weighted):
    rng = np.random.default_rng(3)
    n = 3000
    group = rng.integers(0, 3, n)
    y = (rng.random(n) < 0.4 + 0.1 * group).astype(np.uint8)
    score = np.round(rng.random(n) * 0.6 + 0.4 * y, 2)  # many ties
    w = rng.uniform(0.2, 3.0, n) if weighted else None
    curves = build_curves(group.astype(np.intp), 3, y, score, w)
    for g in range(3):
        m = group == g
        fpr, tpr, thr = roc_curve(
            y[m],
            score[m],
            sample_weight=None if w is None else w[m],
            drop_intermediate=False,
        )
        a, b = curves.start[g], curves.start[g + 1]
        np.testing.assert_allclose(curves.threshold[a + 1 : b], thr[1:])
        np.testing.assert_allclose(curves.tp[a:b] / curves.pos[g], tpr, atol=1e-12)
        np.testing.assert_allclose(curves.fp[a:b] / curves.neg[g], fpr, atol=1e-12)


def _naive_choice(rates, values, low, tol):
    """Direct transcription of the window rule for one window (Python loops)."""
    total, chosen = 0.0, []
    for r, v in zip(rates, values, strict=True):
        inside = [j for j in range(len(r)) if low - 1e-12 <= r[j] <= low + tol + 1e-12]
        if inside:
            j = max(inside, key=lambda j: (v[j], -j))
        else:
            r_below = max(x for x in r if x < low)
            r_above = min(x for x in r if x > low + tol)
            # the best rule at the nearest rate on each side
            below = max(
                (j for j in range(len(r)) if r[j] == r_below), key=lambda j: (v[j], -j)
            )
            above = max(
                (j for j in range(len(r)) if r[j] == r_above), key=lambda j: (v[j], -j)
            )
            db, da = low - r_below, r_above - low - tol
            if abs(db - da) <= 1e-12:
                j = above if v[above] > v[below] else below
            else:
                j = above if da < db else below
        total += v[j]
        chosen.append(j)
    return total, chosen


@pytest.mark.parametrize(("seed", "tol"), list(itertools.product(range(6), [0.0, 0.1])))
def test_window_search_beats_brute_force_and_the_naive_rule(seed, tol):
    rng = np.random.default_rng(seed)
    n = 60
    group = rng.integers(0, 3, n).astype(np.intp)
    group[:3] = [0, 1, 2]
    y = (rng.random(n) < 0.5).astype(np.uint8)
    y[:6] = [0, 0, 0, 1, 1, 1]
    group[3:6] = [0, 1, 2]
    score = np.round(rng.random(n) * 0.7 + 0.3 * y, 1)
    curves = build_curves(group, 3, y, score)
    tpr = curves.rates("tpr")
    value = curves.tp - curves.fp
    choice = window_search(curves, tpr, value, tol)
    ours = value[choice.points].sum()
    seg = [slice(curves.start[g], curves.start[g + 1]) for g in range(3)]
    rates = [tpr[s] for s in seg]
    values = [value[s] for s in seg]
    # every combination of rules whose rates differ by at most tol
    best = -np.inf
    for combo in itertools.product(*(range(len(r)) for r in rates)):
        rs = [rates[g][j] for g, j in enumerate(combo)]
        if max(rs) - min(rs) <= tol + 1e-12:
            best = max(best, sum(values[g][j] for g, j in enumerate(combo)))
    assert ours >= best - 1e-9
    # the chosen window is optimal among a fine grid of windows under the rule
    grid = np.linspace(0, 1 - tol, 2001)
    naive = max(_naive_choice(rates, values, low, tol)[0] for low in grid)
    assert ours >= naive - 1e-9
    total, _ = _naive_choice(rates, values, choice.low, tol)
    assert total == pytest.approx(ours)
    # each group is in the window or within its step of it
    r = tpr[choice.points]
    assert r.max() - r.min() <= tol + choice.step.max() + 1e-12


# -- the defining property and fairlearn ---------------------------------------------


def _max_step(y, score, groups, metric):
    """Largest jump of a group's rate between neighbouring distinct thresholds."""
    worst = 0.0
    for g in np.unique(groups):
        m = groups == g
        fpr, tpr, _ = roc_curve(y[m], score[m], drop_intermediate=False)
        worst = max(worst, np.diff(tpr if metric == "tpr" else fpr).max())
    return worst


def test_equal_opportunity_equalises_tpr_up_to_the_score_granularity(loan):
    opt = GroupThresholdOptimizer(loan["model"], prefit=True)
    opt.fit(loan["X"], loan["y"], sensitive_features=loan["sf"])
    pred = opt.predict(loan["X"], sensitive_features=loan["sf"])
    before = pf.audit(
        loan["y"], loan["model"].predict(loan["X"]), sensitive_features=loan["sf"]
    )
    after = pf.audit(loan["y"], pred, sensitive_features=loan["sf"])
    score = loan["model"].predict_proba(loan["X"])[:, 1]
    step = _max_step(loan["y"], score, loan["sf"].to_numpy(), "tpr")
    assert after.equal_opportunity_difference == pytest.approx(
        opt.disparity_, abs=1e-12
    )
    assert opt.disparity_ <= opt.granularity_ + 1e-12
    assert opt.granularity_ <= step
    assert after.equal_opportunity_difference < before.equal_opportunity_difference
    # a threshold per group, reproduced exactly by a second fit
    again = GroupThresholdOptimizer(loan["model"], prefit=True)
    again.fit(loan["X"], loan["y"], sensitive_features=loan["sf"])
    assert again.thresholds_ == opt.thresholds_
    for g, t in opt.thresholds_.items():
        m = (loan["sf"] == g).to_numpy()
        np.testing.assert_array_equal(pred[m] == 1, score[m] >= t)


def test_equal_opportunity_holds_on_held_out_rows_within_sampling_error(loan):
    opt = GroupThresholdOptimizer(loan["model"], prefit=True)
    opt.fit(loan["X"], loan["y"], sensitive_features=loan["sf"])
    y, sf = loan["y_test"], loan["sf_test"].to_numpy()
    pred = opt.predict(loan["X_test"], sensitive_features=sf)
    tprs, var = [], 0.0
    for g in np.unique(sf):
        m = (sf == g) & (y == 1)
        t = pred[m].mean()
        tprs.append(t)
        var += t * (1 - t) / m.sum()
    # |difference| within three standard errors of what the fit data allow
    assert abs(tprs[0] - tprs[1]) <= opt.granularity_ + 3 * np.sqrt(var)


@pytest.mark.parametrize("constraint", list(FAIRLEARN_NAMES))
def test_randomized_is_exact_and_at_least_as_accurate_as_fairlearn(loan, constraint):
    X, y, sf = loan["X"], loan["y"], loan["sf2"]
    groups = sf["gender"].str.cat(sf["race"], sep="/").to_numpy()
    opt = GroupThresholdOptimizer(
        loan["model"], prefit=True, constraints=constraint, randomized=True
    ).fit(X, y, sensitive_features=sf)
    ref = ThresholdOptimizer(
        estimator=loan["model"],
        prefit=True,
        constraints=FAIRLEARN_NAMES[constraint],
        predict_method="predict_proba",
    ).fit(X, y, sensitive_features=groups)
    ours = opt.decision_proba(X, sensitive_features=sf)[:, 1]
    theirs = ref._pmf_predict(X, sensitive_features=groups)[:, 1]
    for metric in CONSTRAINT_METRICS[constraint]:
        # exact in expectation (fairlearn's expected rates are equal too)
        assert _spread(y, ours, groups, metric) <= 1e-9
        assert _spread(y, theirs, groups, metric) <= 1e-9
    assert _accuracy(y, ours) >= _accuracy(y, theirs) - 1e-9
    assert opt.objective_ == pytest.approx(_accuracy(y, ours), abs=1e-12)


@pytest.mark.parametrize("constraint", list(FAIRLEARN_NAMES))
def test_deterministic_is_fairer_than_fairlearn_draws_and_comparably_accurate(
    loan, constraint
):
    X, y, sf = loan["X"], loan["y"], loan["sf"]
    opt = GroupThresholdOptimizer(
        loan["model"], prefit=True, constraints=constraint
    ).fit(X, y, sensitive_features=sf)
    ref = ThresholdOptimizer(
        estimator=loan["model"],
        prefit=True,
        constraints=FAIRLEARN_NAMES[constraint],
        predict_method="predict_proba",
    ).fit(X, y, sensitive_features=sf)
    ours = opt.predict(X, sensitive_features=sf).astype(float)
    drawn = ref.predict(X, sensitive_features=sf, random_state=0).astype(float)
    expected = ref._pmf_predict(X, sensitive_features=sf)[:, 1]
    groups = sf.to_numpy()
    if constraint != "equalized_odds":
        # one rate: within one score step, below the spread of fairlearn's draws
        for metric in CONSTRAINT_METRICS[constraint]:
            assert _spread(y, ours, groups, metric) <= _spread(y, drawn, groups, metric)
    # one threshold per group gives up at most 0.2 points of accuracy
    assert _accuracy(y, ours) >= _accuracy(y, expected) - 0.002
    assert opt.disparity_ <= opt.tolerance + opt.granularity_ + 1e-12


@pytest.mark.parametrize("constraint", list(CONSTRAINT_METRICS))
def test_disparity_and_rates_match_the_audit_of_the_decisions(loan, constraint):
    X, y, sf = loan["X"], loan["y"], loan["sf2"]
    opt = GroupThresholdOptimizer(
        loan["model"], prefit=True, constraints=constraint, tolerance=0.01
    ).fit(X, y, sensitive_features=sf)
    pred = opt.predict(X, sensitive_features=sf)
    report = pf.audit(
        y, pred, sensitive_features=sf, min_group_size=1, min_denominator=1
    )
    by_group = report.by_group
    for metric in ("selection_rate", "tpr", "fpr"):
        np.testing.assert_allclose(
            opt.rates_[metric].to_numpy(),
            by_group.loc[opt.rates_.index, metric].to_numpy(),
            atol=1e-12,
        )
    expected = max(report.difference(m) for m in CONSTRAINT_METRICS[constraint])
    assert opt.disparity_ == pytest.approx(expected, abs=1e-12)
    assert opt.disparity_ <= 0.01 + opt.granularity_ + 1e-12
    assert opt.objective_ == pytest.approx(np.mean(pred == y), abs=1e-12)


def test_a_wider_tolerance_never_lowers_the_objective(loan):
    X, y, sf = loan["X"], loan["y"], loan["sf2"]
    objectives = [
        GroupThresholdOptimizer(loan["model"], prefit=True, tolerance=t)
        .fit(X, y, sensitive_features=sf)
        .objective_
        for t in (0.0, 0.02, 0.05, 1.0)
    ]
    assert objectives == sorted(objectives)
    unconstrained = GroupThresholdOptimizer(
        loan["model"], prefit=True, tolerance=1.0
    ).fit(X, y, sensitive_features=sf)
    # no constraint: every group takes its own most accurate threshold
    score = loan["model"].predict_proba(X)[:, 1]
    groups = [tuple(r) for r in sf.to_numpy()]
    for g, t in unconstrained.thresholds_.items():
        m = np.array([k == g for k in groups])
        best = max(np.mean((score[m] >= s) == y[m]) for s in np.unique(score[m]))
        assert np.mean((score[m] >= t) == y[m]) == pytest.approx(best)


def test_randomized_equalized_odds_draws_are_seeded(loan):
    X, y, sf = loan["X"], loan["y"], loan["sf2"]
    opt = GroupThresholdOptimizer(
        loan["model"],
        prefit=True,
        constraints="equalized_odds",
        randomized=True,
        random_state=7,
    ).fit(X, y, sensitive_features=sf)
    first = opt.predict(X, sensitive_features=sf)
    np.testing.assert_array_equal(first, opt.predict(X, sensitive_features=sf))
    other = opt.set_params(random_state=8).predict(X, sensitive_features=sf)
    p = opt.decision_proba(X, sensitive_features=sf)[:, 1]
    mixed = (p > 0) & (p < 1)
    assert mixed.any()
    assert (first[mixed] != other[mixed]).any()
    np.testing.assert_array_equal(first[~mixed], other[~mixed])
    for g, rule in opt.thresholds_.items():
        assert sum(w for _, w in rule) == pytest.approx(1.0)
        assert len(rule) <= 3, g


# -- invariances -----------------------------------------------------------------------


def test_rows_order_group_labels_and_weights_do_not_change_the_thresholds(loan):
    X, y, sf = loan["X"].iloc[:3000], loan["y"][:3000], loan["sf"].iloc[:3000]
    base = GroupThresholdOptimizer(loan["model"], prefit=True).fit(
        X, y, sensitive_features=sf
    )
    perm = np.random.default_rng(0).permutation(len(y))
    shuffled = GroupThresholdOptimizer(loan["model"], prefit=True).fit(
        X.iloc[perm], y[perm], sensitive_features=sf.iloc[perm]
    )
    assert shuffled.thresholds_ == base.thresholds_
    renamed = GroupThresholdOptimizer(loan["model"], prefit=True).fit(
        X, y, sensitive_features=sf.map({"female": "F", "male": "M"})
    )
    assert renamed.thresholds_ == {
        "F": base.thresholds_["female"],
        "M": base.thresholds_["male"],
    }
    # integer weights count as repeated rows
    reps = np.random.default_rng(1).integers(0, 3, len(y))
    weighted = GroupThresholdOptimizer(loan["model"], prefit=True).fit(
        X, y, sensitive_features=sf, sample_weight=reps
    )
    idx = np.repeat(np.arange(len(y)), reps)
    repeated = GroupThresholdOptimizer(loan["model"], prefit=True).fit(
        X.iloc[idx], y[idx], sensitive_features=sf.iloc[idx]
    )
    assert weighted.thresholds_ == repeated.thresholds_


# -- usage ---------------------------------------------------------------------------


def test_unfitted_estimator_is_fitted_on_a_clone(loan):
    est = LogisticRegression()
    opt = GroupThresholdOptimizer(est).fit(
        loan["X"], loan["y"], sensitive_features=loan["sf"]
    )
    assert not hasattr(est, "coef_")
    assert opt.estimator_ is not est
    assert opt.n_features_in_ == len(FEATURES)
    assert list(opt.feature_names_in_) == FEATURES


def test_decision_function_scores_work_too(loan):
    X = StandardScaler().fit_transform(loan["X"])
    svc = LinearSVC().fit(X, loan["y"])
    opt = GroupThresholdOptimizer(svc, prefit=True).fit(
        X, loan["y"], sensitive_features=loan["sf"]
    )
    pred = opt.predict(X, sensitive_features=loan["sf"])
    report = pf.audit(loan["y"], pred, sensitive_features=loan["sf"])
    assert report.equal_opportunity_difference <= opt.granularity_ + 1e-12
    assert min(opt.thresholds_.values()) < 0.5  # margins, not probabilities


def test_string_labels_keep_their_names(loan):
    y = np.where(loan["y"] == 1, "approve", "deny")
    opt = GroupThresholdOptimizer(LogisticRegression()).fit(
        loan["X"], y, sensitive_features=loan["sf"]
    )
    assert list(opt.classes_) == ["approve", "deny"]
    pred = opt.predict(loan["X"], sensitive_features=loan["sf"])
    assert set(np.unique(pred)) <= {"approve", "deny"}


def test_unseen_group_is_an_error_unless_overall(loan):
    X, y, sf = loan["X"], loan["y"], loan["sf"]
    opt = GroupThresholdOptimizer(loan["model"], prefit=True).fit(
        X, y, sensitive_features=sf
    )
    other = np.array(["nonbinary"] * 5)
    with pytest.raises(FairnessValueError, match=r"nonbinary.*unseen_group='overall'"):
        opt.predict(X[:5], sensitive_features=other)
    opt.set_params(unseen_group="overall").fit(X, y, sensitive_features=sf)
    score = loan["model"].predict_proba(X[:5])[:, 1]
    pred = opt.predict(X[:5], sensitive_features=other)
    np.testing.assert_array_equal(pred == 1, score >= opt.overall_threshold_)
    # the pooled rule is the most accurate single threshold on all rows
    s_all = loan["model"].predict_proba(X)[:, 1]
    best = max(np.mean((s_all >= t) == y) for t in np.unique(s_all))
    assert np.mean((s_all >= opt.overall_threshold_) == y) == pytest.approx(best)


def test_metadata_routing_passes_groups_through_a_pipeline(loan):
    X, y, sf = loan["X"], loan["y"], loan["sf"]
    with sklearn.config_context(enable_metadata_routing=True):
        opt = (
            GroupThresholdOptimizer(LogisticRegression())
            .set_fit_request(sensitive_features=True)
            .set_predict_request(sensitive_features=True)
        )
        pipe = make_pipeline(StandardScaler(), opt)
        pipe.fit(X, y, sensitive_features=sf)
        pred = pipe.predict(X, sensitive_features=sf)
    direct = GroupThresholdOptimizer(LogisticRegression()).fit(
        StandardScaler().fit_transform(X), y, sensitive_features=sf
    )
    assert pipe[-1].thresholds_ == pytest.approx(direct.thresholds_)
    assert pred.shape == y.shape


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"constraints": "equal_oportunity"}, "Did you mean 'equal_opportunity'"),
        ({"objective": "f1"}, "objective must be one of"),
        ({"tolerance": 1.5}, r"tolerance must be a number in \[0, 1\]. Got 1.5"),
        ({"randomized": "yes"}, "randomized must be True or False"),
        ({"unseen_group": "pooled"}, "unseen_group must be one of"),
        ({"predict_method": "predict"}, "predict_method must be one of"),
        ({"random_state": "seed"}, "random_state must be None, an int"),
    ],
)
def test_bad_parameters_are_named(loan, params, match):
    opt = GroupThresholdOptimizer(loan["model"], prefit=True, **params)
    with pytest.raises(FairnessValueError, match=match):
        opt.fit(loan["X"], loan["y"], sensitive_features=loan["sf"])


def test_bad_inputs_are_named(loan):
    X, y, sf = loan["X"], loan["y"], loan["sf"]
    opt = GroupThresholdOptimizer(loan["model"], prefit=True)
    with pytest.raises(FairnessValueError, match="needs sensitive_features"):
        opt.fit(X, y)
    with pytest.raises(FairnessValueError, match="Only binary classification"):
        GroupThresholdOptimizer(LogisticRegression()).fit(
            X, np.arange(len(y)) % 3, sensitive_features=sf
        )
    with pytest.raises(FairnessValueError, match="does not know"):
        opt.fit(X, y + 5, sensitive_features=sf)
    with pytest.raises(NotFittedError, match="prefit=True but the estimator"):
        GroupThresholdOptimizer(LogisticRegression(), prefit=True).fit(
            X, y, sensitive_features=sf
        )
    with pytest.raises(FairnessValueError, match="needs a classifier"):
        GroupThresholdOptimizer(None).fit(X, y, sensitive_features=sf)
    opt.fit(X, y, sensitive_features=sf)
    with pytest.raises(FairnessValueError, match="pass sensitive_features"):
        opt.predict(X)
    with pytest.raises(FairnessValueError, match="2 column"):
        opt.predict(X, sensitive_features=loan["sf2"])
    with pytest.raises(FairnessValueError, match="sample_weight has 3 rows"):
        opt.fit(X, y, sensitive_features=sf, sample_weight=[1, 2, 3])


def test_fitted_attributes_describe_every_group(loan):
    opt = GroupThresholdOptimizer(loan["model"], prefit=True).fit(
        loan["X"], loan["y"], sensitive_features=loan["sf2"]
    )
    assert isinstance(opt.rates_.index, pd.MultiIndex)
    assert list(opt.rates_.index.names) == ["gender", "race"]
    assert set(opt.thresholds_) == set(opt.groups_) == set(opt.rates_.index)
    single = GroupThresholdOptimizer(loan["model"], prefit=True).fit(
        loan["X"], loan["y"], sensitive_features=loan["sf"]
    )
    assert single.groups_ == (("female",), ("male",))
    assert set(single.thresholds_) == {"female", "male"}
    assert opt.rates_["count"].sum() == len(loan["y"])
    assert opt.sensitive_attributes_ == ("gender", "race")


# -- small groups ------------------------------------------------------------------


def _with_tiny_groups(loan, n=3000):
    """The first n rows, with one row relabelled 'x' and two relabelled 'y'."""
    X, y = loan["X"].iloc[:n], loan["y"][:n]
    sf = loan["sf"].iloc[:n].to_numpy().copy()
    sf[[10]] = "x"
    sf[[20, 30]] = "y"
    return X, y, sf


@pytest.mark.parametrize("randomized", [False, True])
def test_groups_under_min_group_size_get_the_overall_threshold(loan, randomized):
    X, y, sf = _with_tiny_groups(loan)
    with pytest.warns(
        pf.FairnessWarning, match=r"2 group\(s\).*min_group_size=30"
    ) as w:
        opt = GroupThresholdOptimizer(
            loan["model"], prefit=True, randomized=randomized, random_state=0
        ).fit(X, y, sensitive_features=sf)
    assert "'x' (n=1)" in str(w[0].message)
    assert "'y' (n=2)" in str(w[0].message)
    assert opt.rates_["small_group"].to_dict() == {
        "female": False,
        "male": False,
        "x": True,
        "y": True,
    }
    t = opt.overall_threshold_
    expected = ((t, 1.0),) if randomized else t
    assert opt.thresholds_["x"] == opt.thresholds_["y"] == expected
    # the small groups' rows are decided by the pooled rule
    rows = np.isin(sf, ["x", "y"])
    score = loan["model"].predict_proba(X[rows])[:, 1]
    pred = opt.predict(X[rows], sensitive_features=sf[rows])
    np.testing.assert_array_equal(pred == 1, score >= t)
    # the others get the thresholds they get without the small groups' rows
    big = GroupThresholdOptimizer(
        loan["model"], prefit=True, randomized=randomized, random_state=0
    ).fit(X[~rows], y[~rows], sensitive_features=sf[~rows])
    for g in ("female", "male"):
        assert opt.thresholds_[g] == big.thresholds_[g]
    assert opt.disparity_ == pytest.approx(big.disparity_, abs=1e-12)
    assert opt.granularity_ == pytest.approx(big.granularity_, abs=1e-12)
    assert np.isnan(opt.rates_.loc["x", "step"])


def test_min_group_size_one_fits_every_group(loan):
    X, y, sf = _with_tiny_groups(loan)
    opt = GroupThresholdOptimizer(loan["model"], prefit=True, min_group_size=1).fit(
        X, y, sensitive_features=sf
    )
    assert not opt.rates_["small_group"].any()
    # a one-row group forces a coarse step: the reason for the default
    assert opt.granularity_ > 0.3


def test_all_groups_small_is_the_overall_rule(loan):
    X, y, sf = loan["X"].iloc[:50], loan["y"][:50], loan["sf"].iloc[:50]
    with pytest.warns(pf.FairnessWarning, match="2 group"):
        opt = GroupThresholdOptimizer(loan["model"], prefit=True).fit(
            X, y, sensitive_features=sf
        )
    assert set(opt.thresholds_.values()) == {opt.overall_threshold_}
    assert opt.disparity_ == 0.0
    assert opt.granularity_ == 0.0
    score = loan["model"].predict_proba(X)[:, 1]
    np.testing.assert_array_equal(
        opt.predict(X, sensitive_features=sf) == 1, score >= opt.overall_threshold_
    )


@pytest.mark.parametrize("value", [0, -1, 2.5, "30", True])
def test_bad_min_group_size_is_named(loan, value):
    opt = GroupThresholdOptimizer(loan["model"], prefit=True, min_group_size=value)
    with pytest.raises(FairnessValueError, match="min_group_size must be an integer"):
        opt.fit(loan["X"], loan["y"], sensitive_features=loan["sf"])
