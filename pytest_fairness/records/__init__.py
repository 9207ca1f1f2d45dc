"""Typed records of fairness checks, shared by the plugin, the renderers and the CLI.

A :class:`GateRecord` holds what one check measured and decided; a
:class:`ReportDocument` holds the gates of a run with its context, history
and baseline notes. Renderers (:mod:`pytest_fairness.render`) are pure
functions of these records. Standard library only.
"""

from __future__ import annotations

from pytest_fairness.records._gate import (
    COMPARISON_FIELDS,
    RECORD_SCHEMA,
    BaselineComparison,
    BaselineInfo,
    BoundRow,
    ExampleInfo,
    GateRecord,
    GroupRow,
    GroupSide,
    GroupTable,
    WorstExample,
    sort_records,
)
from pytest_fairness.records._run import (
    HistoryPoint,
    HistoryValue,
    Notes,
    ReportDocument,
    RunContext,
    history_id,
)

__all__ = [
    "COMPARISON_FIELDS",
    "RECORD_SCHEMA",
    "BaselineComparison",
    "BaselineInfo",
    "BoundRow",
    "ExampleInfo",
    "GateRecord",
    "GroupRow",
    "GroupSide",
    "GroupTable",
    "HistoryPoint",
    "HistoryValue",
    "Notes",
    "ReportDocument",
    "RunContext",
    "WorstExample",
    "history_id",
    "sort_records",
]
