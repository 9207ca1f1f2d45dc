"""Baselines: record, compare, fail on regression, update, and never overwrite."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Project

import json

import pytest

GATE = """
@pytest.mark.fairness_gate(
    demographic_parity_difference=0.1, demographic_parity_ratio=0.8, baseline=True
)
def test_model(fairness):
    fairness.check(Y_TRUE, approve({female}, {male}), sensitive_features=SEX)
"""


def write_model(project: Project, female: float, male: float) -> None:
    project.write(GATE.format(female=female, male=male))


def record(
    project: Project, female: float = 0.5, male: float = 0.525
) -> pytest.RunResult:
    write_model(project, female, male)
    result = project.run("--fairness-update-baselines")
    result.assert_outcomes(passed=1)
    return result


def test_a_missing_baseline_fails_under_ci_with_the_command_that_creates_it(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    write_model(project, 0.5, 0.525)
    result = project.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E*FairnessGateFailure: fairness gate failed: 2 without a baseline*",
            "E*demographic_parity_difference*<= 0.1*0.025*-*-*NO BASELINE*",
            "E*no baseline for demographic_parity_difference, demographic_parity_ratio"
            " in __fairness__/test_model.json and the environment variable CI is set*",
            "E*Create it with: pytest test_model.py::test_model "
            "--fairness-update-baselines  (then commit the file)",
        ]
    )
    assert not project.baseline_file().exists()


def test_the_update_flag_writes_a_deterministic_file_that_then_passes_in_ci(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = record(project)
    result.stdout.fnmatch_lines(
        [
            "baseline updated: __fairness__/test_model.json",
            "  test_model: demographic_parity_difference recorded at 0.025",
            "  test_model: demographic_parity_ratio recorded at 0.952",
        ]
    )
    path = project.baseline_file()
    text = path.read_text()
    data = json.loads(text)
    assert text.endswith("}\n")
    assert text == json.dumps(data, indent=2, sort_keys=True) + "\n"
    assert data["schema"] == 1
    assert data["version"] == __import__("pytest_fairness").__version__
    entry = data["gates"]["test_model"]
    assert entry["attributes"] == ["sensitive_feature_0"]
    dpd = entry["metrics"]["demographic_parity_difference"]
    assert dpd == {
        "metric": "selection_rate",
        "value": 0.025,
        "worst_pair": [
            {"count": 40, "group": ["female"], "rate": 0.5},
            {"count": 40, "group": ["male"], "rate": 0.525},
        ],
    }
    # ratio stored to 12 significant digits
    assert entry["metrics"]["demographic_parity_ratio"]["value"] == 0.952380952381
    assert [p.name for p in path.parent.iterdir()] == ["test_model.json"]

    monkeypatch.setenv("CI", "true")
    again = project.run()
    again.assert_outcomes(passed=1)
    again.stdout.fnmatch_lines(
        ["*demographic_parity_difference*<= 0.1*0.025*0.025*+0.000*PASSED"]
    )
    assert path.read_text() == text
    # an update with unchanged values leaves the file alone
    project.run("--fairness-update-baselines").stdout.no_fnmatch_line(
        "*baseline updated*"
    )
    assert path.read_text() == text


def test_a_disparity_worse_than_its_baseline_fails_even_within_its_bound(
    project: Project,
) -> None:
    record(project, 0.5, 0.525)
    before = project.baseline_file().read_text()
    write_model(project, 0.45, 0.525)  # 0.075: inside the bound of 0.1
    result = project.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E*fairness gate failed: 2 regressed past the baseline*",
            "E*baseline: __fairness__/test_model.json ?test_model?",
            "E*metric*bound*value*baseline*change*verdict*worst pair",
            "E*demographic_parity_difference*<= 0.1*0.075*0.025*+0.050*REGRESSED*"
            "selection_rate: female 0.450 (n=40) vs male 0.525 (n=40)",
            "E*demographic_parity_ratio*>= 0.8*0.857*0.952*-0.095*REGRESSED*",
            "E*demographic_parity_difference moved away from parity by 0.050 since "
            "the baseline (0.025 -> 0.075), more than its tolerance of 0.01.",
            "E*If the change is intended, accept it with: pytest "
            "test_model.py::test_model --fairness-update-baselines",
        ]
    )
    result.stdout.fnmatch_lines(["*test_model.py::test_model*REGRESSED"])
    assert project.baseline_file().read_text() == before


def test_a_worsening_within_tolerance_passes(project: Project) -> None:
    record(project, 0.5, 0.525)
    write_model(project, 0.5, 0.55)  # +0.025 ...
    project.run().assert_outcomes(failed=1)
    project.write(
        """
        @pytest.mark.fairness_gate(
            demographic_parity_difference=0.1, baseline=True,
            tolerance={"demographic_parity_difference": 0.03},
        )
        def test_model(fairness):
            fairness.check(Y_TRUE, approve(0.5, 0.55), sensitive_features=SEX)
        """
    )
    result = project.run()  # ... within a tolerance of 0.03
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*0.050*0.025*+0.025*PASSED"])


def test_an_improvement_passes_is_reported_and_does_not_overwrite(
    project: Project,
) -> None:
    record(project, 0.5, 0.55)
    before = project.baseline_file().read_text()
    write_model(project, 0.5, 0.5)
    result = project.run()
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "*demographic_parity_difference*0.000*0.050*-0.050*PASSED (improved)",
            "improved on the baseline (--fairness-update-baselines keeps it):",
            "  test_model.py::test_model: demographic_parity_difference 0.050 -> 0.000",
        ]
    )
    assert project.baseline_file().read_text() == before
    updated = project.run("--fairness-update-baselines")
    updated.stdout.fnmatch_lines(
        ["  test_model: demographic_parity_difference 0.050 -> 0.000"]
    )
    assert (
        project.baseline()["gates"]["test_model"]["metrics"][
            "demographic_parity_difference"
        ]["value"]
        == 0.0
    )


def test_a_missing_baseline_is_recorded_locally_with_a_warning(
    project: Project,
) -> None:
    write_model(project, 0.5, 0.525)
    result = project.run()
    result.assert_outcomes(passed=1, warnings=1)
    result.stdout.fnmatch_lines(
        [
            "*FairnessWarning: no fairness baseline for 'test_model' "
            "(demographic_parity_difference, demographic_parity_ratio) in "
            "__fairness__/test_model.json: the current values are recorded*",
            "baseline recorded in __fairness__/test_model.json (commit it): test_model",
        ]
    )
    assert (
        project.baseline()["gates"]["test_model"]["metrics"][
            "demographic_parity_difference"
        ]["value"]
        == 0.025
    )
    second = project.run()
    second.assert_outcomes(passed=1)
    second.stdout.no_fnmatch_line("baseline recorded*")


def test_under_filterwarnings_error_the_first_run_fails_but_still_records(
    project: Project,
) -> None:
    project.pytester.makeini("[pytest]\nfilterwarnings = error\n")
    write_model(project, 0.5, 0.525)
    first = project.run(subprocess=True)
    first.assert_outcomes(failed=1)
    first.stdout.fnmatch_lines(["E*FairnessWarning: no fairness baseline for*"])
    assert "test_model" in project.baseline()["gates"]
    project.run(subprocess=True).assert_outcomes(passed=1)


def test_a_newly_bounded_metric_is_missing_until_recorded(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    record(project)
    project.write(
        """
        @pytest.mark.fairness_gate(
            demographic_parity_difference=0.1, demographic_parity_ratio=0.8,
            equal_opportunity_difference=0.2, baseline=True,
        )
        def test_model(fairness):
            fairness.check(Y_TRUE, approve(0.5, 0.525), sensitive_features=SEX)
        """
    )
    monkeypatch.setenv("CI", "1")
    ci = project.run()
    ci.assert_outcomes(failed=1)
    ci.stdout.fnmatch_lines(["E*equal_opportunity_difference*NO BASELINE*"])
    monkeypatch.delenv("CI")
    project.run().assert_outcomes(passed=1, warnings=1)
    metrics = project.baseline()["gates"]["test_model"]["metrics"]
    assert sorted(metrics) == [
        "demographic_parity_difference",
        "demographic_parity_ratio",
        "equal_opportunity_difference",
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not valid JSON"),
        ('{"schema": 2, "gates": {}}', "has schema 2; this version"),
        ('{"gates": {}}', "is not a pytest-fairness baseline"),
        (
            '{"schema": 1, "gates": {"test_model": '
            '{"metrics": {"x": {"value": "a"}}}}}',
            "metric 'x' needs a numeric 'value'",
        ),
    ],
)
def test_a_corrupt_baseline_is_an_error_naming_the_file_and_never_replaced(
    project: Project, content: str, message: str
) -> None:
    write_model(project, 0.5, 0.525)
    path = project.baseline_file()
    path.parent.mkdir()
    path.write_text(content)
    for args in ((), ("--fairness-update-baselines",)):
        result = project.run(*args)
        result.assert_outcomes(failed=1)
        result.stdout.fnmatch_lines(
            [f"E*BaselineError: baseline file {path}*{message}*left untouched*"]
        )
        assert path.read_text() == content
        assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_baselines_of_tests_that_no_longer_exist_are_reported(project: Project) -> None:
    project.write(
        """
        @pytest.mark.fairness_gate(demographic_parity_difference=0.1, baseline=True)
        def test_kept(fairness):
            fairness.check(Y_TRUE, approve(0.5, 0.5), sensitive_features=SEX)

        @pytest.mark.fairness_gate(demographic_parity_difference=0.1, baseline=True)
        def test_removed(fairness):
            fairness.check(Y_TRUE, approve(0.5, 0.5), sensitive_features=SEX)
        """
    )
    project.run("--fairness-update-baselines").assert_outcomes(passed=2)
    assert sorted(project.baseline()["gates"]) == ["test_kept", "test_removed"]
    project.write(
        """
        @pytest.mark.fairness_gate(demographic_parity_difference=0.1, baseline=True)
        def test_kept(fairness):
            fairness.check(Y_TRUE, approve(0.5, 0.5), sensitive_features=SEX)

        def test_other():
            pass
        """
    )
    result = project.run()
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            "unused baseline entries in __fairness__/test_model.json (their tests no "
            "longer check them; --fairness-update-baselines removes them): "
            "test_removed"
        ]
    )
    assert result.ret == pytest.ExitCode.OK
    # not judged when only part of the module ran
    for args in (("-k", "kept"), ("test_model.py::test_kept",)):
        project.run(*args).stdout.no_fnmatch_line("*unused baseline*")
    project.run("test_model.py::test_kept", "--fairness-update-baselines")
    assert "test_removed" in project.baseline()["gates"]
    # an update of the whole module drops it
    result = project.run("--fairness-update-baselines")
    result.stdout.fnmatch_lines(
        ["baseline entries removed from __fairness__/test_model.json: test_removed"]
    )
    assert sorted(project.baseline()["gates"]) == ["test_kept"]


def test_a_skipped_test_keeps_its_baseline(project: Project) -> None:
    project.write(
        """
        @pytest.mark.fairness_gate(demographic_parity_difference=0.1, baseline=True)
        def test_model(fairness):
            fairness.check(Y_TRUE, approve(0.5, 0.5), sensitive_features=SEX)
        """
    )
    project.run("--fairness-update-baselines")
    project.write(
        """
        @pytest.mark.skip(reason="model not trained today")
        @pytest.mark.fairness_gate(demographic_parity_difference=0.1, baseline=True)
        def test_model(fairness):
            pass
        """
    )
    result = project.run("--fairness-update-baselines")
    result.assert_outcomes(skipped=1)
    result.stdout.no_fnmatch_line("*unused*")
    assert "test_model" in project.baseline()["gates"]


def test_named_checks_have_their_own_entries(project: Project) -> None:
    project.write(
        """
        @pytest.mark.fairness_gate(demographic_parity_difference=0.1, baseline=True)
        @pytest.mark.parametrize("female", [0.5])
        def test_models(fairness, female):
            fairness.check(Y_TRUE, approve(female, 0.5), sensitive_features=SEX,
                           name="fair")
            fairness.check(Y_TRUE, approve(female, 0.55), sensitive_features=SEX,
                           name="gap")
        """
    )
    project.run("--fairness-update-baselines").assert_outcomes(passed=1)
    assert sorted(project.baseline()["gates"]) == [
        "test_models[0.5]::fair",
        "test_models[0.5]::gap",
    ]


def test_the_baseline_dir_option_mirrors_the_test_folders(project: Project) -> None:
    project.pytester.mkdir("tests")
    path = project.path / "tests" / "test_model.py"
    write_model(project, 0.5, 0.5)
    (project.path / "test_model.py").rename(path)
    result = project.run(
        "--fairness-baseline-dir=baselines", "--fairness-update-baselines"
    )
    result.assert_outcomes(passed=1)
    stored = project.path / "baselines" / "tests" / "test_model.json"
    assert "test_model" in json.loads(stored.read_text())["gates"]
    assert not (project.path / "tests" / "__fairness__").exists()
    result = project.run("--fairness-baseline-dir=baselines")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*0.000*0.000*+0.000*PASSED"])


def test_baselines_are_off_unless_asked_for(project: Project) -> None:
    project.write(
        """
        @pytest.mark.fairness_gate(demographic_parity_difference=0.1)
        def test_model(fairness):
            fairness.check(Y_TRUE, approve(0.5, 0.5), sensitive_features=SEX)
        """
    )
    project.run("--fairness-update-baselines").assert_outcomes(passed=1)
    assert not project.baseline_file().exists()
