"""A baseline that blocks a regressing retrain.

The release gate of ``test_fairness.py`` keeps its values in the committed
``__fairness__/test_fairness.json``. Each test below plays a retrain through
that gate as CI would: it copies ``test_fairness.py`` and the committed
baseline file into a temporary directory, saves the retrain's decisions on
the test half beside them, and runs pytest there with ``CI=true`` (the
release gate only; ``pytester`` runs it in this process). The committed
file is only read, never rewritten.

- A retrain of the fairer model on 90% of the training rows flips a few
  decisions both ways: it passes, within noise.
- A retrain that adds industry back, the proxy of gender that
  ``test_causal_stage.py`` flags, keeps every bound of the gate
  (demographic parity difference 0.088 <= 0.10, ratio 0.89 >= 0.8) but
  widens the gap from its baseline of 0.065: the baseline blocks it, with
  the verdict ``regressed``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import loan_model
import numpy as np

if TYPE_CHECKING:
    import pandas as pd
    import pytest

HERE = Path(__file__).parent
RELEASE_GATE = "test_fairer_model_meets_the_release_gate"

# Stands in for the example's conftest.py: the same fixtures, read from the
# files the test writes (the applications of the test half, the decisions of
# the retrain).
CONFTEST = """
import numpy as np
import pandas as pd
import pytest


@pytest.fixture(scope="session")
def test_applications():
    return pd.read_pickle("applications.pkl")


@pytest.fixture(scope="session")
def fairer_decisions():
    return np.load("decisions.npy")
"""


def run_release_gate(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    applications: pd.DataFrame,
    decisions: np.ndarray,
) -> tuple[pytest.RunResult, dict[str, Any]]:
    """Run the committed release gate and baseline on ``decisions``."""
    pytester.makeconftest(CONFTEST)
    shutil.copy(HERE / "test_fairness.py", pytester.path)
    (pytester.path / "__fairness__").mkdir()
    shutil.copy(
        HERE / "__fairness__" / "test_fairness.json", pytester.path / "__fairness__"
    )
    applications[[loan_model.TARGET, *loan_model.SENSITIVE]].to_pickle(
        pytester.path / "applications.pkl"
    )
    np.save(pytester.path / "decisions.npy", decisions)
    monkeypatch.setenv("CI", "true")
    result = pytester.runpytest_inprocess(
        "-p",
        "no:cacheprovider",
        "--import-mode=importlib",
        "-k",
        RELEASE_GATE,
        "--fairness-report=report.json",
    )
    report = json.loads((pytester.path / "report.json").read_text(encoding="utf-8"))
    (gate,) = report["gates"]
    return result, gate


def test_a_retrain_on_other_rows_passes_within_noise(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    loan_split: loan_model.LoanSplit,
) -> None:
    rows = loan_split.train.sample(frac=0.9, random_state=1)
    retrain = loan_model.train("legitimate_only", rows)
    decisions = loan_model.predict(retrain, loan_split.test)
    result, gate = run_release_gate(pytester, monkeypatch, loan_split.test, decisions)
    result.assert_outcomes(passed=1)
    assert gate["verdict"] == "passed"
    assert {b["outcome"] for b in gate["bounds"]} == {"passed"}
    result.stdout.fnmatch_lines(["*demographic_parity_difference*PASSED (*)*"])


def test_a_retrain_that_brings_the_proxy_back_is_blocked(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    loan_split: loan_model.LoanSplit,
) -> None:
    retrain = loan_model.train("with_industry", loan_split.train)
    decisions = loan_model.predict(retrain, loan_split.test)
    result, gate = run_release_gate(pytester, monkeypatch, loan_split.test, decisions)
    result.assert_outcomes(failed=1)
    assert gate["verdict"] == "failed"
    # Every bound still holds (each bound's own verdict): only the baseline
    # catches the retrain, and the approval-rate gap is what regressed.
    assert {b["verdict"] for b in gate["bounds"]} == {"passed"}
    outcomes = {b["metric"]: b["outcome"] for b in gate["bounds"]}
    assert outcomes["demographic_parity_difference"] == "regressed"
    assert outcomes["demographic_parity_ratio"] == "regressed"
    dp = next(
        b for b in gate["bounds"] if b["metric"] == "demographic_parity_difference"
    )
    assert dp["status"] == "regressed"
    assert dp["value"] - dp["baseline"] > dp["tolerance"]
    print(
        f"\nretrain with industry: demographic parity difference "
        f"{dp['baseline']:.3f} -> {dp['value']:.3f}, {dp['outcome']}"
    )
    result.stdout.fnmatch_lines(["*demographic_parity_difference*REGRESSED*"])
