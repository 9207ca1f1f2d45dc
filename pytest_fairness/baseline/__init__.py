"""Baselines: stored disparity values that later runs must not worsen.

One deterministic JSON file per test module (``__fairness__/<module>.json``
beside it), keyed by test. Pure standard library: no pytest, no numpy.
"""

from __future__ import annotations

from pytest_fairness.baseline._compare import (
    DEFAULT_TOLERANCE,
    Comparison,
    Status,
    compare,
)
from pytest_fairness.baseline._schema import (
    SCHEMA_VERSION,
    SIGNIFICANT_DIGITS,
    canonical,
    dumps,
    parse_document,
)
from pytest_fairness.baseline._store import (
    BASELINE_DIRNAME,
    BaselineFile,
    baseline_path,
    merge_entries,
    unused_keys,
    write_atomic,
)

__all__ = [
    "BASELINE_DIRNAME",
    "DEFAULT_TOLERANCE",
    "SCHEMA_VERSION",
    "SIGNIFICANT_DIGITS",
    "BaselineFile",
    "Comparison",
    "Status",
    "baseline_path",
    "canonical",
    "compare",
    "dumps",
    "merge_entries",
    "parse_document",
    "unused_keys",
    "write_atomic",
]
