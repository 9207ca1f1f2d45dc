"""Labels such as 'Y'/'N' or '>50K'/'<=50K': pos_label on the marker or the check."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Project

# The preamble's 0/1 data spelt as strings: women approved at 0.5, men at 0.6.
LABELS = """
def as_yes_no(values):
    return np.where(values == 1, "Y", "N")

def as_income(values):
    return np.where(values == 1, ">50K", "<=50K")

Y_YN, P_YN = as_yes_no(Y_TRUE), as_yes_no(approve(0.5, 0.6))
Y_INCOME, P_INCOME = as_income(Y_TRUE), as_income(approve(0.5, 0.6))
"""

MODES = pytest.mark.parametrize(
    "xdist", [(), ("-n", "2", "-p", "no:benchmark")], ids=["serial", "xdist"]
)


@MODES
def test_pos_label_on_the_marker_or_the_check_gates_string_labels(
    project: Project, xdist: tuple[str, ...]
) -> None:
    project.write(
        LABELS
        + """
@pytest.mark.fairness_gate(demographic_parity_difference=0.15, pos_label="Y")
def test_yes_no_on_the_marker(fairness):
    report = fairness.check(Y_YN, P_YN, sensitive_features=SEX)
    assert report.pos_label == "Y"
    assert report.demographic_parity_difference == pytest.approx(0.1)

@pytest.mark.fairness_gate(demographic_parity_difference=0.15, baseline=True)
def test_income_on_the_check(fairness):
    report = fairness.check(Y_INCOME, P_INCOME, sensitive_features=SEX,
                            pos_label=">50K")
    assert report.pos_label == ">50K"

@pytest.mark.fairness_gate(demographic_parity_difference=0.05, pos_label=">50K")
def test_income_fails_a_tight_bound(fairness):
    fairness.check(Y_INCOME, P_INCOME, sensitive_features=SEX)
"""
    )
    first = project.run(*xdist)
    first.assert_outcomes(passed=2, failed=1)
    first.stdout.fnmatch_lines(
        [
            "E*fairness gate failed: 1 of 1 bound(s) failed [[]test_income_fails*",
            "E*demographic_parity_difference*<= 0.05*0.100*FAILED*"
            "selection_rate: female 0.500 (n=40) vs male 0.600 (n=40)",
        ]
    )
    stored = project.baseline()["gates"]["test_income_on_the_check"]
    assert json.dumps(stored).count('">50K"') >= 1
    # the recorded baseline is read back and compared: string labels round-trip
    second = project.run(*xdist)
    second.assert_outcomes(passed=2, failed=1)
    second.stdout.fnmatch_lines(
        ["*::test_income_on_the_check*<= 0.15*0.100*0.100*PASSED (unchanged)"]
    )


def test_without_pos_label_the_error_says_where_to_pass_it(project: Project) -> None:
    project.write(
        LABELS
        + """
@pytest.mark.fairness_gate(demographic_parity_difference=0.15)
def test_income(fairness):
    fairness.check(Y_INCOME, P_INCOME, sensitive_features=SEX)
"""
    )
    result = project.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E*FairnessValueError: cannot tell which label is the positive outcome "
            "among [[]'<=50K', '>50K']. Pass pos_label= to fairness.check() or to the "
            "fairness_gate marker: fairness.check(..., pos_label='>50K') or "
            "@pytest.mark.fairness_gate(pos_label='>50K')."
        ]
    )


@pytest.mark.parametrize(
    ("marker", "call", "source"),
    [
        ("pos_label='yes'", "", "the fairness_gate marker of test_model.py::test_yn"),
        ("", ", pos_label='yes'", "fairness.check() in test_model.py::test_yn"),
    ],
)
def test_a_pos_label_that_does_not_occur_names_where_it_was_set(
    project: Project, marker: str, call: str, source: str
) -> None:
    project.write(
        LABELS
        + f"""
@pytest.mark.fairness_gate(demographic_parity_difference=0.15, {marker})
def test_yn(fairness):
    fairness.check(Y_YN, P_YN, sensitive_features=SEX{call})
"""
    )
    result = project.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E*FairnessValueError: pos_label='yes' does not occur in y_true or "
            f"y_pred [[]'N', 'Y']. (pos_label from {source})"
        ]
    )


def test_check_causal_refuses_pos_label_and_says_where_it_belongs(
    project: Project,
) -> None:
    project.write(
        """
        import pandas as pd
        from pytest_fairness import FairnessValueError
        from pytest_fairness.causal import counterfactual_flip_rate

        class Model:
            def predict(self, X):
                return np.where(X["score"] >= 0.5, ">50K", "<=50K")

        def test_flips(fairness):
            rows = pd.DataFrame({"gender": ["female", "male"] * 20,
                                 "score": [i / 40 for i in range(40)]})
            flips = counterfactual_flip_rate(Model(), rows, protected="gender")
            with pytest.raises(FairnessValueError) as caught:
                fairness.check_causal(flips, max_flip_rate=0.0, pos_label=">50K")
            assert str(caught.value).startswith(
                "fairness.check_causal() takes no pos_label: a causal result is "
                "measured before it is checked"
            )
            assert "pos_label belongs to fairness.check()" in str(caught.value)
            fairness.check_causal(flips, max_flip_rate=0.0)
        """
    )
    project.run().assert_outcomes(passed=1)
