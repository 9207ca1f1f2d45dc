"""``fairness.check_monitor``: a scheduled job over logs fails when an alert fires."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Project

# Twelve weeks of decisions for two groups; ``shift`` lowers women's approval
# rate from week 7 on.
LOGS = """
import pandas as pd
from pytest_fairness.monitoring import monitor


def logs(shift=0.0, women=0.5):
    rng = np.random.default_rng(0)
    n = 24_000
    day = rng.integers(0, 84, n)
    female = rng.random(n) < women
    p = np.where(female, 0.6, 0.7) - np.where(female & (day >= 42), shift, 0.0)
    return pd.DataFrame({{
        "ts": pd.Timestamp("2024-01-01") + pd.to_timedelta(day, unit="D"),
        "sex": np.where(female, "female", "male"),
        "approved": (rng.random(n) < p).astype(int),
    }})


def watch(log, **kw):
    return monitor(log, time="ts", freq="W", y_pred="approved",
                   sensitive_features="sex", **kw)

{test}
"""


def write(project: Project, test: str) -> None:
    project.write(LOGS.format(test=test))


def test_a_stable_log_passes_and_joins_the_summary(project: Project) -> None:
    write(
        project,
        """
def test_last_weeks_logs(fairness):
    result = watch(logs(), bounds={"demographic_parity_difference": 0.2})
    assert fairness.check_monitor(result).alerts.empty
""",
    )
    result = project.run()
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "*fairness gates*",
            "*test_last_weeks_logs*demographic_parity_difference*<= 0.2 in every*"
            "PASSED*",
            "*test_last_weeks_logs*demographic_parity_difference*no drift from the*"
            "PASSED*",
        ]
    )


@pytest.mark.parametrize("xdist", [(), ("-n", "2", "-p", "no:benchmark")])
def test_a_drift_fails_the_test_with_the_alert(
    project: Project, xdist: tuple[str, ...]
) -> None:
    if xdist:
        pytest.importorskip("xdist")
    write(
        project,
        """
def test_last_weeks_logs(fairness):
    fairness.check_monitor(watch(logs(shift=0.12)))

def test_other_model(fairness):
    fairness.check_monitor(watch(logs()), fail_on="drift")
""",
    )
    result = project.run("--junitxml=out.xml", "--fairness-report=report.json", *xdist)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "E*FairnessGateFailure: fairness gate failed: 1 of 1 bound(s) failed*",
            "E*groups: sex (2 groups, min_group_size=30, min_denominator=10)*",
            "E*demographic_parity_difference*no drift from the reference*FAILED*"
            "alert(s) in*",
        ]
    )
    assert "drifted from the reference period" in result.stdout.str()
    junit = (project.path / "out.xml").read_text()
    assert 'name="fairness.demographic_parity_difference"' in junit
    report = json.loads((project.path / "report.json").read_text())
    gates = {g["test"]: g for g in report["gates"]}
    assert gates["test_last_weeks_logs"]["kind"] == "monitor"
    assert gates["test_last_weeks_logs"]["verdict"] == "failed"
    assert gates["test_other_model"]["verdict"] == "passed"


def test_fail_on_composition_and_other_kinds_warn(project: Project) -> None:
    write(
        project,
        """
def shifted():
    later = logs(women=0.1).assign(ts=lambda d: d["ts"] + pd.Timedelta(days=84))
    return pd.concat([logs(), later])

def test_composition_fails(fairness):
    fairness.check_monitor(watch(shifted()), fail_on=["composition"])

def test_composition_only_warns(fairness):
    result = watch(shifted(), bounds={"demographic_parity_difference": 0.3})
    fairness.check_monitor(result, fail_on="bound")
""",
    )
    result = project.run()
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "E*composition*no composition shift*FAILED*group shares moved*",
            "*FairnessWarning: * composition alert(s) (not failing: "
            "fail_on=[[]'bound'[]])*",
        ]
    )


def test_last_counts_only_the_most_recent_windows(project: Project) -> None:
    write(
        project,
        """
def test_only_last_week(fairness):
    result = watch(logs(), bounds={"demographic_parity_difference": 0.05})
    assert not result.alerts.empty  # every window breaches 0.05 ...
    fairness.check_monitor(result, last=1)  # ... and so does the last one
""",
    )
    result = project.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["E*<= 0.05 in every window*FAILED*1 alert(s) in 2024-03-18*"]
    )


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            "fairness.check_monitor(watch(logs()), fail_on='drfit')",
            "*fail_on='drfit') must name alert kinds among "
            "[[]'bound', 'drift', 'composition'[]]*",
        ),
        (
            "fairness.check_monitor(watch(logs()), fail_on='bound')",
            "*has nothing to check: the result has no bounds*",
        ),
        (
            "fairness.check_monitor(42)",
            "*expects what pytest_fairness.monitoring.monitor() returns. Got int.*",
        ),
        (
            "fairness.check_monitor(watch(logs()), last=0)",
            "*last=...) must be a number of windows >= 1*",
        ),
    ],
)
def test_bad_arguments_name_themselves(
    project: Project, call: str, message: str
) -> None:
    write(project, f"\ndef test_bad(fairness):\n    {call}\n")
    result = project.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([f"E*FairnessValueError: {message}"])
