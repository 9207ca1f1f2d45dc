"""The baseline package on its own: format, files, merging, comparisons."""

from __future__ import annotations

import json
import math
import stat
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pytest_fairness import BaselineError, __version__
from pytest_fairness.baseline import (
    SCHEMA_VERSION,
    BaselineFile,
    baseline_path,
    canonical,
    change_from_intervals,
    compare,
    dumps,
    judge,
    merge_entries,
    parse_document,
    unused_keys,
    write_atomic,
)

ENTRY = {
    "attributes": ["sex"],
    "metrics": {"demographic_parity_difference": {"value": 0.1, "metric": "x"}},
}


def test_canonical_rounds_floats_to_twelve_significant_digits() -> None:
    assert canonical(1 / 3) == 0.333333333333
    assert canonical(2 / 3 * 1e-5) == 6.66666666667e-06
    assert canonical({"a": (math.nan, math.inf, -0.0)}) == {"a": [None, None, 0.0]}
    assert canonical([np.float64(0.1) + np.float64(0.2), np.int64(3), True]) == [
        0.3,
        3,
        True,
    ]
    assert canonical({1: object}) == {"1": str(object)}


def test_dumps_is_sorted_versioned_and_ends_with_a_newline() -> None:
    text = dumps({"b": ENTRY, "a": ENTRY})
    data = json.loads(text)
    assert text.endswith("}\n")
    assert list(data) == ["gates", "schema", "version"]
    assert list(data["gates"]) == ["a", "b"]
    assert data["schema"] == SCHEMA_VERSION == 2
    assert data["version"] == __version__
    assert dumps({"a": ENTRY, "b": ENTRY}) == text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[1, 2", "is not valid JSON"),
        ("[]", "is not a pytest-fairness baseline"),
        ('{"schema": "1", "gates": {}}', "has schema '1'"),
        ('{"schema": 3, "gates": {}}', "has schema 3; this version .* reads schemas"),
        ('{"schema": 1}', "has no 'gates' object"),
        ('{"schema": 1, "gates": {"t": []}}', 'field gates."t" must be an object'),
        (
            '{"schema": 1, "gates": {"t": {"metrics": {"m": {"value": true}}}}}',
            'field gates."t".metrics.m.value must be a finite number or null; got True',
        ),
        (
            '{"schema": 2, "gates": {"t": {"metrics": {"m": 0.1}}}}',
            'field gates."t".metrics.m must be an object; got 0.1',
        ),
        (
            '{"schema": 2, "gates": {"t": {"metrics": {"m": {"value": Infinity}}}}}',
            "Infinity is not a number JSON allows",
        ),
        (
            '{"schema": 2, "gates": {"t": {"metrics": {"m": {"value": NaN}}}}}',
            "NaN is not a number JSON allows",
        ),
        (
            '{"schema": 2, "gates": {"t": {"metrics": {}}, "t": {"metrics": {}}}}',
            "the key 't' appears twice",
        ),
        (
            '{"schema": 2, "gates": {"t": {"metrics": {}, "counts": {"groups": [["a"]],'
            ' "rows": [3], "cells": [[1, 1, 1]], "cell_rows": [[1, 1, 1, 0]]}}}}',
            r'field gates."t".counts.cells\[0\] must be a list of 4 numbers',
        ),
        (
            '{"schema": 2, "gates": {"t": {"metrics": {}, "rows": {"n": 8, '
            '"fingerprint": "x", "decisions": []}}}}',
            "fingerprint must be a string 'sha256:<hex>'",
        ),
    ],
)
def test_parse_document_names_the_file_in_every_error(text: str, message: str) -> None:
    with pytest.raises(BaselineError, match=message) as info:
        parse_document(text, Path("tests/__fairness__/test_x.json"))
    assert "tests/__fairness__/test_x.json" in str(info.value)
    assert "left untouched" in str(info.value)
    assert "--fairness-update-baselines" in str(info.value)


def test_parse_document_reads_what_dumps_writes() -> None:
    assert parse_document(dumps({"t": ENTRY}), Path("x.json")) == {"t": ENTRY}


def test_a_file_that_is_not_utf8_is_a_baseline_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "test_m.json"
    path.write_bytes(b'{"schema": 2, "gates": {"\xff": {}}}')
    with pytest.raises(BaselineError, match="is not UTF-8 text") as info:
        BaselineFile.load(path)
    assert str(path) in str(info.value)


def test_short_lists_stay_on_one_line_and_long_ones_break() -> None:
    entry = {
        "metrics": {},
        "counts": {"groups": [["female"], ["male"]], "rows": [2, 2]},
        "rows": {"decisions": ["A" * 76, "B" * 20], "fingerprint": "sha256:0", "n": 1},
    }
    text = dumps({"t": entry})
    assert '"rows": [2, 2]' in text
    assert '"groups": [["female"], ["male"]]' in text
    assert f'"{"A" * 76}",\n' in text
    assert json.loads(text)["gates"]["t"] == entry


def test_baseline_path_beside_the_module_or_mirrored_below_a_folder(
    tmp_path: Path,
) -> None:
    root = tmp_path
    assert (
        baseline_path("tests/unit/test_m.py", rootpath=root)
        == root / "tests" / "unit" / "__fairness__" / "test_m.json"
    )
    assert (
        baseline_path(root / "tests" / "test_m.py", rootpath=root, baseline_dir="b")
        == root / "b" / "tests" / "test_m.json"
    )
    outside = tmp_path.parent / "elsewhere" / "test_m.py"
    assert (
        baseline_path(outside, rootpath=root, baseline_dir=root / "b")
        == root / "b" / "__outside_rootdir__" / "up-1" / "elsewhere" / "test_m.json"
    )


def test_modules_outside_the_rootdir_keep_one_file_each(tmp_path: Path) -> None:
    root = tmp_path / "repo" / "tests"
    paths = [
        baseline_path(root / module, rootpath=root, baseline_dir="b")
        for module in (
            "../x/test_m.py",
            "../y/test_m.py",
            "../../x/test_m.py",
            "../up-1/x/test_m.py",
            "x/test_m.py",
        )
    ]
    assert len(set(paths)) == len(paths)
    b = root / "b"
    assert paths == [
        b / "__outside_rootdir__" / "up-1" / "x" / "test_m.json",
        b / "__outside_rootdir__" / "up-1" / "y" / "test_m.json",
        b / "__outside_rootdir__" / "up-2" / "x" / "test_m.json",
        b / "__outside_rootdir__" / "up-1" / "up-1" / "x" / "test_m.json",
        b / "x" / "test_m.json",  # inside the rootdir: mirrored as before
    ]
    # a checkout moved elsewhere finds the same relative places
    moved = tmp_path / "elsewhere" / "repo" / "tests"
    assert (
        baseline_path(moved / "../x/test_m.py", rootpath=moved, baseline_dir="b")
        == moved / "b" / "__outside_rootdir__" / "up-1" / "x" / "test_m.json"
    )


def test_a_baseline_file_round_trips_and_saves_only_changes(tmp_path: Path) -> None:
    path = tmp_path / "__fairness__" / "test_m.json"
    empty = BaselineFile.load(path)
    assert (empty.gates, empty.exists) == ({}, False)
    assert not empty.save({})
    assert empty.save({"t": ENTRY})
    stored = BaselineFile.load(path)
    assert stored.exists
    assert stored.gates == {"t": ENTRY}
    assert not stored.save({"t": ENTRY})
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert [p.name for p in path.parent.iterdir()] == ["test_m.json"]
    assert stored.save({})
    assert not path.exists()


def test_write_atomic_keeps_the_old_file_when_the_write_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "b.json"
    path.write_text("old\n")
    path.chmod(0o600)

    def broken(self: Path, target: Path) -> None:
        msg = "disk full"
        raise OSError(msg)

    monkeypatch.setattr(Path, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(path, "new\n")
    monkeypatch.undo()
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["b.json"]
    write_atomic(path, "new\n")
    assert path.read_text() == "new\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_merge_adds_what_is_missing_and_never_overwrites_without_update() -> None:
    other = {"value": 0.5}
    stored: dict[str, dict[str, Any]] = {
        "t": {"metrics": {"a": {"value": 0.1}}},
        "gone": ENTRY,
    }
    recorded: dict[str, dict[str, Any]] = {
        "t": {"metrics": {"a": {"value": 0.9}, "b": other}},
        "new": ENTRY,
    }
    merged = merge_entries(stored, recorded, update=False, drop=["gone"])
    assert merged == {
        "t": {"metrics": {"a": {"value": 0.1}, "b": other}},
        "gone": ENTRY,
        "new": ENTRY,
    }
    updated = merge_entries(stored, recorded, update=True, drop=["gone"])
    assert updated == {"t": recorded["t"], "new": ENTRY}


def test_unused_keys_keep_the_entries_of_tests_that_did_not_finish() -> None:
    stored = ["t1", "t2", "t2::a", "t3::a", "Cls::t4", "t5"]
    assert unused_keys(stored, used=["t1"], undecided_tests=["t2", "Cls::t4"]) == [
        "t3::a",
        "t5",
    ]


@pytest.mark.parametrize(
    ("bounds", "status"),
    [
        ((0.03, 0.09), "regressed"),  # worse by more than the margin, surely
        ((0.005, 0.09), "within_tolerance"),  # surely worse, not surely past 0.01
        ((-0.02, 0.09), "within_noise"),  # could be no change at all
        ((-0.09, -0.01), "improved"),  # surely better
    ],
)
def test_judge_asks_whether_the_worsening_exceeds_the_margin_with_confidence(
    bounds: tuple[float, float], status: str
) -> None:
    result = judge(
        "demographic_parity_difference",
        0.16,
        0.10,
        higher_is_better=False,
        bounds=bounds,
        level=0.95,
        method="paired",
    )
    assert result.status == status
    assert result.margin == 0.01
    assert result.noise == pytest.approx((bounds[1] - bounds[0]) / 2)
    assert result.change_interval == bounds
    # the smallest worsening it catches four times in five lies past the margin
    assert result.detectable is not None
    assert result.detectable > result.margin
    assert json.dumps(result.to_dict(), allow_nan=False)


def test_the_margin_is_never_finer_than_one_decision() -> None:
    # one more true positive of 62 moves a TPR by 0.016: not a regression
    result = judge(
        "equal_opportunity_difference",
        0.116,
        0.100,
        higher_is_better=False,
        tolerance=0.01,
        resolution=1 / 62,
        bounds=(0.0161, 0.03),
        level=0.95,
    )
    assert result.margin == pytest.approx(1 / 62)
    assert result.status == "within_tolerance"


def test_ratios_worsen_downwards_and_report_the_change_in_their_direction() -> None:
    result = judge(
        "demographic_parity_ratio",
        0.70,
        0.90,
        higher_is_better=True,
        bounds=(0.1, 0.3),
        level=0.95,
        method="two-sample",
    )
    assert result.status == "regressed"
    assert result.change == pytest.approx(-0.2)
    assert result.change_interval == (-0.3, -0.1)


def test_change_from_intervals_adds_the_two_runs_noise() -> None:
    bounds = change_from_intervals(
        0.05, (0.03, 0.07), 0.02, (0.0, 0.04), interval_level=0.95, level=0.95
    )
    assert bounds is not None
    low, high = bounds
    se = 0.02 / 1.959964
    assert (low + high) / 2 == pytest.approx(0.03)
    assert high - low == pytest.approx(2 * 1.644854 * math.hypot(se, se), rel=1e-5)
    assert (
        change_from_intervals(
            0.05, None, 0.02, (0.0, 0.04), interval_level=0.95, level=0.95
        )
        is None
    )


@pytest.mark.parametrize(
    ("value", "baseline", "higher_is_better", "status", "change"),
    [
        (0.12, 0.10, False, "regressed", 0.02),
        (0.105, 0.10, False, "within_tolerance", 0.005),
        (0.11, 0.10, False, "within_tolerance", 0.01),
        (0.08, 0.10, False, "improved", -0.02),
        (0.10 + 1e-15, 0.10, False, "unchanged", 0.0),
        (0.85, 0.90, True, "regressed", -0.05),
        (0.95, 0.90, True, "improved", 0.05),
        (0.10, None, False, "new", None),
        (math.nan, 0.10, False, "undefined", None),
        (0.10, math.nan, False, "undefined", None),
    ],
)
def test_compare_knows_which_way_is_worse(
    value: float,
    baseline: float | None,
    higher_is_better: bool,
    status: str,
    change: float | None,
) -> None:
    result = compare(
        "d", value, baseline, higher_is_better=higher_is_better, tolerance=0.01
    )
    assert result.status == status
    assert result.regressed == (status == "regressed")
    if change is None:
        assert result.change is None
    else:
        assert result.change == pytest.approx(change)
    assert json.dumps(result.to_dict(), allow_nan=False)
