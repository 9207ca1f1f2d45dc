"""The fairness history: gates across runs and commits, beside the baselines.

See :mod:`pytest_fairness.history._store` for the file format, how it merges
in git and its size bound; :func:`run_context` tells which commit and branch
a run tested.
"""

from __future__ import annotations

from pytest_fairness.history._context import run_context, timestamp
from pytest_fairness.history._store import (
    DEFAULT_LIMIT,
    HISTORY_SUFFIX,
    HistoryError,
    append_points,
    history_path,
    merge_points,
    points_by_gate,
    prune_points,
    read_history,
)

__all__ = [
    "DEFAULT_LIMIT",
    "HISTORY_SUFFIX",
    "HistoryError",
    "append_points",
    "history_path",
    "merge_points",
    "points_by_gate",
    "prune_points",
    "read_history",
    "run_context",
    "timestamp",
]
