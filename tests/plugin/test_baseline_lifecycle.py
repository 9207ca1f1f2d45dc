"""Baselines: record, compare, fail on regression, update, and never overwrite."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Project

import json

import pytest

from pytest_fairness.baseline import LOCK_NAME, dumps

GATE = """
@pytest.mark.fairness_gate(
    demographic_parity_difference=0.1, demographic_parity_ratio=0.8, baseline=True
)
def test_model(fairness):
    fairness.check(Y_TRUE, approve({female}, {male}), sensitive_features=SEX)
"""
# loose bounds: the baseline alone decides
LOOSE = """
@pytest.mark.fairness_gate(
    demographic_parity_difference=0.6, demographic_parity_ratio=0.1, baseline=True,
    {extra}
)
def test_model(fairness):
    fairness.check(Y_TRUE, approve({female}, {male}), sensitive_features=SEX)
"""


def write_model(project: Project, female: float, male: float) -> None:
    project.write(GATE.format(female=female, male=male))


def write_loose(project: Project, female: float, male: float, extra: str = "") -> None:
    project.write(LOOSE.format(female=female, male=male, extra=extra))


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
    assert text == dumps(data["gates"])  # the same values give the same bytes
    assert data["schema"] == 2
    assert data["version"] == __import__("pytest_fairness").__version__
    entry = data["gates"]["test_model"]
    assert entry["kind"] == "disparity"
    assert entry["definition"] == {
        "attributes": ["sensitive_feature_0"],
        "intersectional": True,
        "min_denominator": 10,
        "min_group_size": 30,
        "pos_label": 1,
        "reference": None,
        "task": "binary",
    }
    dpd = entry["metrics"]["demographic_parity_difference"]
    assert dpd == {
        "definition": {"kind": "difference", "rates": ["selection_rate"], "version": 2},
        "metric": "selection_rate",
        "value": 0.025,
        "worst_pair": [
            {"count": 40, "denominator": 40, "group": ["female"], "rate": 0.5},
            {"count": 40, "denominator": 40, "group": ["male"], "rate": 0.525},
        ],
    }
    # ratio stored to 12 significant digits
    assert entry["metrics"]["demographic_parity_ratio"]["value"] == 0.952380952381
    # what a later run needs to tell a change from noise: cells and decisions
    assert entry["counts"]["groups"] == [["female"], ["male"]]
    assert entry["counts"]["rows"] == [40, 40]
    assert entry["rows"]["n"] == 80
    assert entry["rows"]["fingerprint"].startswith("sha256:")
    assert all(len(line) <= 76 for line in entry["rows"]["decisions"])
    # beside it only the (empty) lock file of the folder, and the history
    assert sorted(p.name for p in path.parent.iterdir()) == [
        LOCK_NAME,
        "test_model.history.jsonl",
        "test_model.json",
    ]
    assert (path.parent / LOCK_NAME).read_bytes() == b""

    monkeypatch.setenv("CI", "true")
    again = project.run()
    again.assert_outcomes(passed=1)
    again.stdout.fnmatch_lines(
        ["*demographic_parity_difference*<= 0.1*0.025*0.025*+0.000*PASSED (unchanged)"]
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
    write_loose(project, 0.3, 0.6)
    project.run("--fairness-update-baselines").assert_outcomes(passed=1)
    before = project.baseline_file().read_text()
    write_loose(project, 0.1, 0.6)  # 8 approvals of 40 women withdrawn: 0.3 -> 0.5
    result = project.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E*fairness gate failed: 2 regressed past the baseline*",
            "E*baseline: __fairness__/test_model.json ?test_model?",
            "E*metric*bound*value*baseline*change*verdict*worst pair",
            "E*demographic_parity_difference*<= 0.6*0.500*0.300*+0.200 "
            "[[]+0.*, +0.*[]]*REGRESSED*"
            "selection_rate: female 0.100 (n=40) vs male 0.600 (n=40)",
            "E*demographic_parity_ratio*>= 0.1*0.167*0.500*-0.333*REGRESSED*",
            "E*compared with the baseline:",
            "E*demographic_parity_difference: 0.300 -> 0.500, change +0.200*margin "
            "0.025 (one decision moves it by 0.025)*paired: the baseline's decisions "
            "of the same rows",
            "E*demographic_parity_difference moved away from parity by 0.200 since "
            "the baseline (0.300 -> 0.500), more than its margin of 0.025, by at "
            "least 0.* with 95% confidence.",
            "E*If the change is intended, accept it with: pytest "
            "test_model.py::test_model --fairness-update-baselines",
        ]
    )
    result.stdout.fnmatch_lines(["*test_model.py::test_model*REGRESSED"])
    assert project.baseline_file().read_text() == before


def test_a_change_of_two_decisions_passes_and_says_so(project: Project) -> None:
    # two approvals of 40 withdrawn: +0.05, the old 0.01 tolerance failed this;
    # surely worse, but not surely by more than one decision (0.025)
    record(project, 0.5, 0.525)
    write_model(project, 0.45, 0.525)
    result = project.run()
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        ["*demographic_parity_difference*<= 0.1*0.075*0.025*+0.050*PASSED (within *)"]
    )


SEEDED = """
import numpy as np

@pytest.mark.fairness_gate(
    demographic_parity_difference=0.3, equalized_odds_difference=0.3,
    baseline=True, min_group_size=20,
)
def test_model(fairness):
    rng = np.random.default_rng({seed})
    sex = np.repeat(["female", "male"], 150)
    y = np.tile([1, 0, 0], 100)
    score = 0.6 * y + rng.normal(0, 0.35, 300) + np.where(sex == "male", {shift}, 0)
    fairness.check(y, (score > 0.45).astype(int), sensitive_features=sex)
"""


def test_a_retrain_with_another_seed_passes_and_one_that_favours_a_group_fails(
    project: Project,
) -> None:
    project.write(SEEDED.format(seed=0, shift=0.0))
    project.run("--fairness-update-baselines").assert_outcomes(passed=1)
    for seed in (1, 2, 3):  # the same model, another seed
        project.write(SEEDED.format(seed=seed, shift=0.0))
        result = project.run()
        result.assert_outcomes(passed=1)
        result.stdout.fnmatch_lines(["*PASSED (within noise ±0.*)"])
    project.write(SEEDED.format(seed=1, shift=0.25))  # approves more men
    result = project.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*demographic_parity_difference*REGRESSED*"])


def test_a_worsening_within_tolerance_passes(project: Project) -> None:
    write_loose(project, 0.5, 0.525)
    project.run("--fairness-update-baselines").assert_outcomes(passed=1)
    write_loose(project, 0.3, 0.525)  # +0.2, surely worse ...
    project.run().assert_outcomes(failed=1)
    tolerance = (
        'tolerance={"demographic_parity_difference": 0.3,'
        ' "demographic_parity_ratio": 0.5}'
    )
    write_loose(project, 0.3, 0.525, tolerance)
    result = project.run()  # ... but not surely by more than 0.3
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        ["*demographic_parity_difference*0.225*0.025*+0.200*PASSED (within tolerance)"]
    )


def test_an_improvement_passes_is_reported_and_does_not_overwrite(
    project: Project,
) -> None:
    write_loose(project, 0.2, 0.55)
    project.run("--fairness-update-baselines").assert_outcomes(passed=1)
    before = project.baseline_file().read_text()
    write_loose(project, 0.5, 0.5)
    result = project.run()
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "*demographic_parity_difference*0.000*0.350*-0.350*PASSED (improved)",
            "improved on the baseline (--fairness-update-baselines keeps it):",
            "  test_model.py::test_model: demographic_parity_difference 0.350 -> 0.000",
        ]
    )
    assert project.baseline_file().read_text() == before
    updated = project.run("--fairness-update-baselines")
    updated.stdout.fnmatch_lines(
        ["  test_model: demographic_parity_difference 0.350 -> 0.000"]
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


def test_a_newly_bounded_metric_is_compared_with_the_baseline_runs_own_decisions(
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
    # the baseline kept its decisions, so its TPR gap is known without a new run
    monkeypatch.setenv("CI", "1")
    ci = project.run()
    ci.assert_outcomes(passed=1)
    ci.stdout.fnmatch_lines(["*equal_opportunity_difference*PASSED (unchanged)"])
    assert (
        "equal_opportunity_difference"
        not in project.baseline()["gates"]["test_model"]["metrics"]
    )
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
        ('{"schema": 3, "gates": {}}', "has schema 3; this version"),
        ('{"gates": {}}', "is not a pytest-fairness baseline"),
        (
            '{"schema": 1, "gates": {"test_model": '
            '{"metrics": {"x": {"value": "a"}}}}}',
            'field gates."test_model".metrics.x.value must be a finite number',
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
    result.stdout.fnmatch_lines(["*0.000*0.000*+0.000*PASSED (unchanged)"])


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
