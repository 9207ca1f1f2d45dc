"""The baseline file format: versioned, deterministic JSON.

A baseline file holds, for every gate of one test module, the value of each
bounded disparity and the worst pair of groups behind it::

    {
      "gates": {
        "test_model": {
          "attributes": ["sex"],
          "metrics": {
            "demographic_parity_difference": {
              "metric": "selection_rate",
              "value": 0.04,
              "worst_pair": [
                {"count": 412, "group": ["female"], "rate": 0.58},
                {"count": 388, "group": ["male"], "rate": 0.62}
              ]
            }
          }
        }
      },
      "schema": 1,
      "version": "0.1.0"
    }

Keys are sorted, floats rounded to 12 significant digits, NaN written as
``null``, and the file ends with a newline, so the same values always give the
same bytes.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pytest_fairness._version import __version__
from pytest_fairness.exceptions import BaselineError

if TYPE_CHECKING:
    from pathlib import Path

__all__ = [
    "SCHEMA_VERSION",
    "SIGNIFICANT_DIGITS",
    "canonical",
    "dumps",
    "parse_document",
]

SCHEMA_VERSION = 1
SIGNIFICANT_DIGITS = 12

Entries = dict[str, dict[str, Any]]


def _round(value: float) -> float | None:
    if math.isnan(value) or math.isinf(value):
        return None
    rounded = float(f"{value:.{SIGNIFICANT_DIGITS}g}")
    return 0.0 if rounded == 0 else rounded


def canonical(value: Any) -> Any:
    """Return ``value`` as plain JSON data with floats rounded.

    Parameters
    ----------
    value : object
        Nested dicts, lists, tuples, strings, numbers, booleans and None.
        Objects with an ``item()`` method (numpy scalars) are unwrapped;
        anything else becomes its ``str()``.

    Returns
    -------
    object
        The same structure with floats rounded to 12 significant digits,
        NaN and infinities as None, tuples as lists and mapping keys as str.
    """
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return _round(value)
    if isinstance(value, Mapping):
        return {str(k): canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    item = getattr(value, "item", None)
    if callable(item):
        return canonical(item())
    return str(value)


def dumps(gates: Mapping[str, Any]) -> str:
    """Render the gates of one module as the text of a baseline file.

    Parameters
    ----------
    gates : mapping
        Baseline entries keyed by gate key (test name, plus ``::name`` for a
        named check).

    Returns
    -------
    str
        Indented JSON with sorted keys, the schema version and the package
        version, ending with a newline.
    """
    document = {
        "gates": canonical(dict(gates)),
        "schema": SCHEMA_VERSION,
        "version": __version__,
    }
    return (
        json.dumps(
            document, indent=2, sort_keys=True, allow_nan=False, ensure_ascii=False
        )
        + "\n"
    )


def _check_entry(path: Path, key: str, entry: Any, advice: str) -> None:
    where = f"baseline file {path}, gate {key!r}"
    if not isinstance(entry, Mapping) or not isinstance(entry.get("metrics"), Mapping):
        msg = f"{where}: expected an object with a 'metrics' object. {advice}"
        raise BaselineError(msg)
    for metric, data in entry["metrics"].items():
        value = data.get("value", "missing") if isinstance(data, Mapping) else data
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int | float)
        ):
            msg = (
                f"{where}: metric {metric!r} needs a numeric 'value' (or null). "
                f"Got {value!r}. {advice}"
            )
            raise BaselineError(msg)


def parse_document(text: str, path: Path) -> Entries:
    """Read the text of a baseline file into its gate entries.

    Parameters
    ----------
    text : str
        The file's content.
    path : pathlib.Path
        The file, named in error messages.

    Returns
    -------
    dict
        Gate key to entry.

    Raises
    ------
    BaselineError
        When the text is not JSON, not a baseline document, or of another
        schema version. The message names the file.
    """
    advice = (
        "The file is left untouched: restore it from version control, or "
        "delete it and record the baseline again."
    )
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        msg = f"baseline file {path} is not valid JSON ({exc}). {advice}"
        raise BaselineError(msg) from None
    if not isinstance(data, Mapping) or "schema" not in data:
        msg = f"baseline file {path} is not a pytest-fairness baseline. {advice}"
        raise BaselineError(msg)
    if data["schema"] != SCHEMA_VERSION:
        msg = (
            f"baseline file {path} has schema {data['schema']!r}; this version "
            f"of pytest-fairness ({__version__}) reads schema {SCHEMA_VERSION}. "
            f"{advice}"
        )
        raise BaselineError(msg)
    gates = data.get("gates")
    if not isinstance(gates, Mapping):
        msg = f"baseline file {path} has no 'gates' object. {advice}"
        raise BaselineError(msg)
    for key, entry in gates.items():
        _check_entry(path, key, entry, advice)
    return {str(k): dict(v) for k, v in gates.items()}
