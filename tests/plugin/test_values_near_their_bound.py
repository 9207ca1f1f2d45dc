"""A value within rounding of its bound shows the digits that tell them apart."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import numpy as np
import pytest

import pytest_fairness as pf

if TYPE_CHECKING:
    from conftest import Project

NEAR = """
import numpy as np

def rates(male_approved):
    # 2500 women approved at 0.5, 2500 men at male_approved / 2500
    sex = np.array(["female"] * 2500 + ["male"] * 2500)
    y_pred = np.zeros(5000, dtype=int)
    y_pred[:1250] = 1
    y_pred[2500 : 2500 + male_approved] = 1
    return np.tile([1, 0], 2500), y_pred, sex

@pytest.mark.fairness_gate(demographic_parity_difference=0.2, baseline=False)
def test_just_over(fairness):
    y_true, y_pred, sex = rates(1751)
    fairness.check(y_true, y_pred, sensitive_features=sex)

@pytest.mark.fairness_gate(demographic_parity_difference=0.2, baseline=False)
def test_just_under(fairness):
    y_true, y_pred, sex = rates(1749)
    fairness.check(y_true, y_pred, sensitive_features=sex)
"""


def test_the_summary_tells_a_value_from_its_bound(project: Project) -> None:
    project.write(NEAR)
    result = project.run("--fairness-report=report.md")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*test_just_over *<= 0.2 *0.2004 *FAILED",
            "*test_just_under *<= 0.2 *0.1996 *PASSED",
        ]
    )
    # the failure message too
    result.stdout.fnmatch_lines(
        ["E   *demographic_parity_difference *<= 0.2 *0.2004 *"]
    )
    markdown = (project.path / "report.md").read_text()
    assert "0.2004" in markdown
    assert "0.1996" in markdown


def test_values_far_from_their_bound_keep_three_digits(project: Project) -> None:
    project.write(NEAR.replace("1751", "2000").replace("1749", "1500"))
    result = project.run("--fairness-report=report.json")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        ["*test_just_over *<= 0.2 *0.300 *FAILED", "*test_just_under *<= 0.2 *0.100 *"]
    )
    gates = json.loads((project.path / "report.json").read_text())["gates"]
    assert len(gates) == 2


def test_the_library_message_tells_a_value_from_its_bound() -> None:
    sex = np.array(["female"] * 2500 + ["male"] * 2500)
    y_pred = np.zeros(5000, dtype=int)
    y_pred[:1250] = 1
    y_pred[2500:4251] = 1
    report = pf.audit(np.tile([1, 0], 2500), y_pred, sensitive_features=sex)
    with pytest.raises(pf.FairnessGateFailure) as failure:
        report.assert_within(demographic_parity_difference=0.2)
    assert "0.2004" in str(failure.value)
