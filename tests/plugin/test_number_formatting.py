"""Counts agree with their nouns and no value is shown as -0.000, in every renderer."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import numpy as np
import pytest

import pytest_fairness as pf
from pytest_fairness.gates._result import format_side, format_value

if TYPE_CHECKING:
    from conftest import Project


def one_group() -> pf.FairnessReport:
    return pf.audit(
        np.array([1, 0] * 20),
        np.array([1, 1, 0, 0] * 10),
        sensitive_features=np.array(["female"] * 40),
    )


def test_a_report_of_one_group_says_one_group() -> None:
    report = one_group()
    headline = report.lines()[0]
    assert headline.endswith(
        "over sensitive_feature_0: 1 group, 0 under min_group_size=30"
    )
    assert "1 groups" not in report.to_markdown()
    assert "1 groups" not in report.to_html()
    gate = report.check({"demographic_parity_difference": 0.1})
    assert "groups: sensitive_feature_0 (1 group, min_group_size=30)" in str(gate)


def test_reports_of_several_groups_keep_the_plural() -> None:
    sex = np.array(["female", "male"] * 80)
    race = np.array(["a"] * 80 + ["b"] * 80)
    y = np.array([1, 0, 0, 1] * 40)
    groups = {"sex": sex, "race": race}
    intersectional = pf.audit(y, y, sensitive_features=groups)
    assert ": 4 intersectional groups, " in intersectional.lines()[0]
    per_column = pf.audit(y, y, sensitive_features=groups, intersectional=False)
    assert ": 4 intersections (disparities per column), " in per_column.lines()[0]


def test_values_that_round_to_zero_are_never_negative() -> None:
    assert format_value(-0.0) == "0.000"
    assert format_value(-0.0004) == "0.000"
    assert format_value(-0.0005) == "-0.001"
    assert format_value(None) == "nan"
    assert format_value(float("nan")) == "nan"
    assert format_side("female", -1e-12, 40, None, "selection_rate") == (
        "female 0.000 (n=40)"
    )


def test_a_gate_table_shows_an_interval_touching_zero_without_a_sign() -> None:
    sex = np.array(["female", "male"] * 200)
    y = np.array([1, 0, 0, 1] * 100)
    report = pf.audit(y, y, sensitive_features=sex, confidence=0.95)
    gate = report.check({"demographic_parity_difference": 0.1})
    (result,) = gate.results
    nudged = dataclasses.replace(
        gate, results=(dataclasses.replace(result, interval=(-1e-12, 0.05)),)
    )
    text = str(nudged)
    assert "0.000 [0.000, 0.050]" in text
    assert "-0.000" not in text


@pytest.mark.parametrize("option", ["-v", "-q"])
def test_the_plugin_says_one_group(project: Project, option: str) -> None:
    project.write(
        """
        @pytest.mark.fairness_gate(
            demographic_parity_difference=0.1, on_inconclusive="warn"
        )
        def test_model(fairness):
            fairness.check(Y_TRUE, approve(0.5, 0.5), sensitive_features=["f"] * 80)
        """
    )
    result = project.run(option)
    result.assert_outcomes(passed=1, warnings=1)
    out = result.stdout.str()
    assert "groups: sensitive_feature_0 (1 group, min_group_size=30" in out
    assert "1 groups" not in out
