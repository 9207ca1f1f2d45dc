"""The dowhy backend: lazy, quiet under -W error, and a clear error when missing."""

from __future__ import annotations

import importlib.util
import logging
import subprocess
import sys
import warnings

import numpy as np
import pytest

from pytest_fairness.causal._dowhy import load_dowhy, quiet, refute_total_effect
from pytest_fairness.datasets import LOAN_DAG_EDGES, make_loan_applications

needs_dowhy = pytest.mark.skipif(
    importlib.util.find_spec("dowhy") is None, reason="needs the causal extra"
)


def test_importing_the_causal_package_loads_no_heavy_dependency():
    code = (
        "import sys, pytest_fairness.causal\n"
        "heavy = ['dowhy', 'sklearn', 'networkx', 'statsmodels', 'matplotlib']\n"
        "print([m for m in heavy if m in sys.modules])\n"
    )
    out = subprocess.run(  # noqa: S603 - runs this interpreter
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


@needs_dowhy
def test_importing_dowhy_keeps_the_display_hook():
    code = (
        "import sys\n"
        "hook = sys.displayhook\n"
        "from pytest_fairness.causal._dowhy import load_dowhy\n"
        "load_dowhy()\n"
        "print(sys.displayhook is hook, 'dowhy' in sys.modules)\n"
    )
    out = subprocess.run(  # noqa: S603 - runs this interpreter
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.split()[-2:] == ["True", "True"]


def test_missing_dowhy_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "dowhy", None)
    with pytest.raises(ImportError, match=r'pip install "pytest-fairness\[causal\]"'):
        load_dowhy()


@needs_dowhy
def test_quiet_restores_filters_loggers_and_progress_bars():
    load_dowhy()
    import dowhy.gcm.config as config

    logger = logging.getLogger("dowhy")
    logger.setLevel(logging.DEBUG)
    bars = config.show_progress_bars
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        before = list(warnings.filters)
        with quiet():
            warnings.warn("inside", DeprecationWarning, stacklevel=1)  # ignored
            assert logger.level == logging.ERROR
            assert config.show_progress_bars is False
        assert warnings.filters == before
        with pytest.raises(DeprecationWarning):
            warnings.warn("outside", DeprecationWarning, stacklevel=1)
    assert logger.level == logging.DEBUG
    assert config.show_progress_bars == bars
    logger.setLevel(logging.NOTSET)


@needs_dowhy
def test_the_backend_matches_dowhy_and_emits_no_warning():
    df = make_loan_applications(2000, random_state=0)
    df["gender"] = df["gender"] == "female"
    nodes = list(df.columns)
    load_dowhy()
    import networkx as nx
    from dowhy import CausalModel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # dowhy 0.14 with pandas 3 warns here
        model = CausalModel(
            data=df,
            treatment="gender",
            outcome="approved",
            graph=nx.DiGraph(LOAN_DAG_EDGES),
        )
        estimand = model.identify_effect(proceed_when_unidentifiable=True)
        estimate = model.estimate_effect(
            estimand, method_name="backdoor.linear_regression", effect_modifiers=[]
        )
        model.refute_estimate(
            estimand, estimate, method_name="random_common_cause", num_simulations=2
        )
    with warnings.catch_warnings(record=True) as contained:
        warnings.simplefilter("always")
        value, refutations = refute_total_effect(
            df,
            nodes,
            list(LOAN_DAG_EDGES),
            treatment="gender",
            outcome="approved",
            n_simulations=2,
        )
    assert contained == []
    assert value == pytest.approx(estimate.value)
    diff = df.approved[df.gender].mean() - df.approved[~df.gender].mean()
    assert value == pytest.approx(diff)
    assert [r.method for r in refutations] == [
        "placebo_treatment",
        "random_common_cause",
    ]
    assert all(np.isfinite(r.new_effect) for r in refutations)
