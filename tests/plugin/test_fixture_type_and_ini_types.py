"""The fixture's type is public, and the min-group-size ini key is an integer."""

from __future__ import annotations

import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from pytest_fairness.plugin._options import INI_INT

if TYPE_CHECKING:
    from conftest import Project


def test_the_fixture_can_be_annotated_with_the_exported_type(project: Project) -> None:
    project.write(
        """
        from pytest_fairness import FairnessFixture

        @pytest.mark.fairness_gate(demographic_parity_difference=0.1)
        def test_model(fairness: FairnessFixture) -> None:
            assert type(fairness) is FairnessFixture
            fairness.check(Y_TRUE, approve(0.5, 0.5), sensitive_features=SEX)
        """
    )
    project.run().assert_outcomes(passed=1)


def test_the_exported_type_is_the_plugins_and_loads_nothing_heavy() -> None:
    code = (
        "import sys, pytest_fairness as pf; "
        "from pytest_fairness.plugin import FairnessFixture; "
        "assert pf.FairnessFixture is FairnessFixture; "
        "print(','.join(m for m in ('numpy', 'pandas') if m in sys.modules))"
    )
    out = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout.strip()
    assert out == ""


def _min_group_size(project: Project) -> pytest.RunResult:
    project.write(
        """
        @pytest.mark.fairness_gate(demographic_parity_difference=0.5)
        def test_model(fairness):
            report = fairness.check(Y_TRUE, approve(0.5, 0.5), sensitive_features=SEX)
            print("MIN_GROUP_SIZE", report.min_group_size)
        """
    )
    return project.run("-s")


def test_a_toml_integer_sets_the_min_group_size(project: Project) -> None:
    project.pytester.makepyprojecttoml(
        "[tool.pytest.ini_options]\nfairness_min_group_size = 12\n"
    )
    result = _min_group_size(project)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*MIN_GROUP_SIZE 12*"])


@pytest.mark.skipif(
    pytest.version_tuple < (9, 0), reason="native TOML configuration: pytest 9"
)
def test_a_native_toml_integer_sets_the_min_group_size(project: Project) -> None:
    project.pytester.makepyprojecttoml("[tool.pytest]\nfairness_min_group_size = 12\n")
    result = _min_group_size(project)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*MIN_GROUP_SIZE 12*"])


@pytest.mark.parametrize(
    ("ini", "got"),
    [
        ("fairness_min_group_size = abc", "Got 'abc'."),
        ("fairness_min_group_size = 0", "Got '0'."),
        ("fairness_min_group_size = 2.5", "Got '2.5'."),
    ],
)
def test_a_bad_ini_integer_keeps_the_message_shape(
    project: Project, ini: str, got: str
) -> None:
    project.pytester.makeini(f"[pytest]\n{ini}\n")
    project.write("def test_plain():\n    pass\n")
    result = project.run()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "*ERROR: ini option fairness_min_group_size in *tox.ini: must be an "
            f"integer >= 1. {got}"
        ]
    )


@pytest.mark.skipif(not INI_INT or pytest.version_tuple < (9, 0), reason="pytest 9")
def test_a_native_toml_string_is_refused_with_its_type(project: Project) -> None:
    project.pytester.makepyprojecttoml(
        '[tool.pytest]\nfairness_min_group_size = "many"\n'
    )
    project.write("def test_plain():\n    pass\n")
    result = project.run()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "*ERROR: ini option fairness_min_group_size in *pyproject.toml: must be "
            "an integer >= 1. Got 'many' (a TOML str)."
        ]
    )
