"""Baselines: stored disparity values that later runs must not worsen.

One deterministic JSON file per test module (``__fairness__/<module>.json``
beside it), keyed by test. Pure standard library: no pytest, no numpy (the
change of a disparity and its noise are measured by
``pytest_fairness.report._change``; this package judges them).
"""

from __future__ import annotations

from pytest_fairness.baseline._compare import (
    DEFAULT_TOLERANCE,
    Comparison,
    Method,
    Status,
    change_from_intervals,
    compare,
    judge,
    not_compared,
)
from pytest_fairness.baseline._schema import (
    OLDEST_SCHEMA,
    SCHEMA_VERSION,
    SIGNIFICANT_DIGITS,
    canonical,
    dumps,
    parse_document,
)
from pytest_fairness.baseline._store import (
    BASELINE_DIRNAME,
    LOCK_NAME,
    LOCK_TIMEOUT,
    OUTSIDE_ROOTDIR,
    BaselineFile,
    baseline_path,
    folder_lock,
    merge_entries,
    remove_stale_temporaries,
    unused_keys,
    write_atomic,
)

__all__ = [
    "BASELINE_DIRNAME",
    "DEFAULT_TOLERANCE",
    "LOCK_NAME",
    "LOCK_TIMEOUT",
    "OLDEST_SCHEMA",
    "OUTSIDE_ROOTDIR",
    "SCHEMA_VERSION",
    "SIGNIFICANT_DIGITS",
    "BaselineFile",
    "Comparison",
    "Method",
    "Status",
    "baseline_path",
    "canonical",
    "change_from_intervals",
    "compare",
    "dumps",
    "folder_lock",
    "judge",
    "merge_entries",
    "not_compared",
    "parse_document",
    "remove_stale_temporaries",
    "unused_keys",
    "write_atomic",
]
