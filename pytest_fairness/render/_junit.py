"""JUnit XML properties of a gate record: one property per bound.

The values are JSON; every text from data is escaped with
:func:`pytest_fairness._escape.xml_attr` (pytest's XML writer escapes the
markup characters).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pytest_fairness import _escape as esc
from pytest_fairness.render._format import pair_text

if TYPE_CHECKING:
    from pytest_fairness.records import GateRecord

__all__ = ["junit_properties"]

_COMPARED = (
    "baseline",
    "change",
    "change_interval",
    "margin",
    "noise",
    "detectable",
    "method",
    "status",
)


def junit_properties(record: GateRecord) -> list[tuple[str, str]]:
    """Return the JUnit properties of one gate: ``fairness.[<name>.]<metric>``.

    Parameters
    ----------
    record : GateRecord
        A gate.

    Returns
    -------
    list of (str, str)
        Name and JSON value (bound, value, verdict, the worst pair as the
        terminal shows it, and the comparison with the baseline when
        baselines are on).
    """
    prefix = "fairness." + (f"{record.name}." if record.name else "")
    out = []
    for row in record.bounds:
        value: dict[str, Any] = {
            "bound": row.bound,
            "value": row.value,
            "verdict": row.outcome,
        }
        if row.pair is not None:
            value["worst_pair"] = esc.xml_attr(pair_text(row))
        if record.baseline.enabled:
            data = row.to_dict()
            value.update({k: data.get(k) for k in _COMPARED})
        text = json.dumps(value, sort_keys=True)
        out.append((esc.xml_attr(prefix + row.metric), text))
    return out
