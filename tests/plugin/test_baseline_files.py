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
    BaselineFile,
    baseline_path,
    canonical,
    compare,
    dumps,
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
    assert data["schema"] == 1
    assert data["version"] == __version__
    assert dumps({"a": ENTRY, "b": ENTRY}) == text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[1, 2", "is not valid JSON"),
        ("[]", "is not a pytest-fairness baseline"),
        ('{"schema": "1", "gates": {}}', "has schema '1'"),
        ('{"schema": 1}', "has no 'gates' object"),
        ('{"schema": 1, "gates": {"t": []}}', "gate 't': expected an object"),
        (
            '{"schema": 1, "gates": {"t": {"metrics": {"m": {"value": true}}}}}',
            "metric 'm' needs a numeric 'value'",
        ),
    ],
)
def test_parse_document_names_the_file_in_every_error(text: str, message: str) -> None:
    with pytest.raises(BaselineError, match=message) as info:
        parse_document(text, Path("tests/__fairness__/test_x.json"))
    assert "tests/__fairness__/test_x.json" in str(info.value)
    assert "left untouched" in str(info.value)


def test_parse_document_reads_what_dumps_writes() -> None:
    assert parse_document(dumps({"t": ENTRY}), Path("x.json")) == {"t": ENTRY}


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
        == root / "b" / "test_m.json"
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
