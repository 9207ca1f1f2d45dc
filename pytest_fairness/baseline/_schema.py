"""The baseline file format: versioned, deterministic, validated JSON.

A baseline file holds, for every gate of one test module, what defines the
gate and the value of each bounded disparity, with what a later run needs to
tell a real change from noise::

    {
      "gates": {
        "test_model": {
          "counts": {"cell_rows": [[..4..], ...], "cells": [[..4..], ...],
                     "groups": [["female"], ["male"]], "rows": [412, 388]},
          "definition": {"attributes": ["sex"], "intersectional": true,
                         "min_denominator": 10, "min_group_size": 30,
                         "pos_label": 1, "reference": null, "task": "binary"},
          "kind": "disparity",
          "metrics": {
            "demographic_parity_difference": {
              "definition": {"kind": "difference", "rates": ["selection_rate"],
                             "version": 2},
              "metric": "selection_rate",
              "value": 0.04,
              "worst_pair": [
                {"count": 412, "denominator": 412, "group": ["female"],
                 "rate": 0.58},
                {"count": 388, "denominator": 388, "group": ["male"],
                 "rate": 0.62}
              ]
            }
          },
          "rows": {"decisions": ["<base64, 76 characters a line>", ...],
                   "fingerprint": "sha256:...", "n": 800}
        }
      },
      "schema": 2,
      "version": "0.2.0"
    }

Keys are sorted, floats rounded to 12 significant digits, NaN written as
``null``, short lists of numbers or strings kept on one line, and the file
ends with a newline: the same values always give the same bytes. Reading is
strict: duplicate keys, ``NaN``/``Infinity`` and fields of the wrong type are
errors that name the file and the field.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NoReturn

from pytest_fairness._version import __version__
from pytest_fairness.exceptions import BaselineError

if TYPE_CHECKING:
    from pathlib import Path

__all__ = [
    "OLDEST_SCHEMA",
    "SCHEMA_VERSION",
    "SIGNIFICANT_DIGITS",
    "canonical",
    "dumps",
    "parse_document",
]

SCHEMA_VERSION = 2
#: Files of this schema or newer (up to :data:`SCHEMA_VERSION`) are read;
#: entries of schema 1 carry no definition and are never compared.
OLDEST_SCHEMA = 1
SIGNIFICANT_DIGITS = 12
_INLINE_WIDTH = 100

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


def _render(value: Any, indent: int) -> str:
    """Deterministic JSON: sorted keys, short scalar lists on one line."""
    pad = "  " * (indent + 1)
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        items = [
            f"{pad}{json.dumps(k, ensure_ascii=False)}: {_render(value[k], indent + 1)}"
            for k in sorted(value)
        ]
        return "{\n" + ",\n".join(items) + "\n" + "  " * indent + "}"
    if isinstance(value, list):
        if not value:
            return "[]"
        inline = "[" + ", ".join(_render(v, 0) for v in value) + "]"
        scalars = all(not isinstance(v, Mapping | list) for v in value) or all(
            isinstance(v, list) and all(not isinstance(x, Mapping | list) for x in v)
            for v in value
        )
        if scalars and len(inline) + 2 * indent <= _INLINE_WIDTH:
            return inline
        items = [f"{pad}{_render(v, indent + 1)}" for v in value]
        return "[\n" + ",\n".join(items) + "\n" + "  " * indent + "]"
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


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
    return _render(document, 0) + "\n"


# -- reading ---------------------------------------------------------------------
_ADVICE = (
    "The file is left untouched, even by --fairness-update-baselines: restore "
    "it from version control (git checkout -- <file>), or delete it and record "
    "the baselines again with --fairness-update-baselines."
)


class _Invalid(Exception):
    """A field of a baseline document is not what the schema says."""

    def __init__(self, field: str, expected: str, got: Any) -> None:
        super().__init__(field, expected, got)
        self.field, self.expected, self.got = field, expected, got


def _fail(field: str, expected: str, got: Any) -> NoReturn:
    raise _Invalid(field, expected, got)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            msg = f"the key {key!r} appears twice in one object"
            raise ValueError(msg)
        out[key] = value
    return out


def _no_constant(name: str) -> NoReturn:
    msg = f"{name} is not a number JSON allows (use null for an undefined value)"
    raise ValueError(msg)


def _number(value: Any, field: str, *, null: bool = True) -> None:
    if value is None and null:
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        _fail(field, "a finite number" + (" or null" if null else ""), value)
    if not math.isfinite(value):
        _fail(field, "a finite number", value)


def _integer(value: Any, field: str, minimum: int = 0) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        _fail(field, f"an integer >= {minimum}", value)


def _object(value: Any, field: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        _fail(field, "an object", value)
    return value


def _list(value: Any, field: str) -> list[Any]:
    if not isinstance(value, list):
        _fail(field, "a list", value)
    return value


def _string(value: Any, field: str) -> None:
    if not isinstance(value, str):
        _fail(field, "a string", value)


def _check_metric(data: Any, field: str, kind: str) -> None:
    data = _object(data, field)
    if "value" not in data:
        _fail(f"{field}.value", "a finite number or null", "nothing")
    _number(data["value"], f"{field}.value")
    if "definition" in data:
        _object(data["definition"], f"{field}.definition")
    if "interval" in data and data["interval"] is not None:
        interval = _list(data["interval"], f"{field}.interval")
        if len(interval) != 2:
            _fail(f"{field}.interval", "a list of two numbers", interval)
        for i, v in enumerate(interval):
            _number(v, f"{field}.interval[{i}]")
    if kind == "causal":
        return
    if "metric" in data and data["metric"] is not None:
        _string(data["metric"], f"{field}.metric")
    for i, side in enumerate(_list(data.get("worst_pair", []), f"{field}.worst_pair")):
        where = f"{field}.worst_pair[{i}]"
        side = _object(side, where)
        _list(side.get("group"), f"{where}.group")
        _number(side.get("rate"), f"{where}.rate")
        _integer(side.get("count"), f"{where}.count")
        if side.get("denominator") is not None:
            _integer(side["denominator"], f"{where}.denominator")


def _check_counts(block: Any, field: str) -> None:
    block = _object(block, field)
    groups = _list(block.get("groups"), f"{field}.groups")
    n = len(groups)
    for i, g in enumerate(groups):
        _list(g, f"{field}.groups[{i}]")
    rows = _list(block.get("rows"), f"{field}.rows")
    if len(rows) != n:
        _fail(f"{field}.rows", f"a list of {n} counts (one per group)", rows)
    for i, v in enumerate(rows):
        _integer(v, f"{field}.rows[{i}]")
    for name in ("cells", "cell_rows", "cell_w2"):
        if name not in block:
            if name == "cell_w2":
                continue
            _fail(f"{field}.{name}", f"a list of {n} lists of 4 numbers", "nothing")
        table = _list(block[name], f"{field}.{name}")
        if len(table) != n:
            _fail(f"{field}.{name}", f"a list of {n} lists of 4 numbers", table)
        for i, r in enumerate(table):
            where = f"{field}.{name}[{i}]"
            if not isinstance(r, list) or len(r) != 4:
                _fail(where, "a list of 4 numbers", r)
            for v in r:
                if name == "cell_rows":
                    _integer(v, where)
                else:
                    _number(v, where, null=False)
                    if v < 0:
                        _fail(where, "numbers >= 0", r)
        if name == "cell_rows" and [sum(r) for r in table] != rows:
            _fail(f"{field}.cell_rows", "cells that add up to rows", table)


def _check_rows(block: Any, field: str) -> None:
    block = _object(block, field)
    _integer(block.get("n"), f"{field}.n", minimum=1)
    fp = block.get("fingerprint")
    if not isinstance(fp, str) or not fp.startswith("sha256:"):
        _fail(f"{field}.fingerprint", "a string 'sha256:<hex>'", fp)
    for i, line in enumerate(_list(block.get("decisions"), f"{field}.decisions")):
        _string(line, f"{field}.decisions[{i}]")


def _check_entry(key: str, entry: Any) -> None:
    field = f"gates.{json.dumps(key, ensure_ascii=False)}"
    entry = _object(entry, field)
    kind = entry.get("kind", "disparity")
    if kind not in ("disparity", "causal"):
        _fail(f"{field}.kind", "'disparity' or 'causal'", kind)
    if "definition" in entry:
        _object(entry["definition"], f"{field}.definition")
    metrics = _object(entry.get("metrics"), f"{field}.metrics")
    for name, data in metrics.items():
        _check_metric(data, f"{field}.metrics.{name}", kind)
    if "counts" in entry:
        _check_counts(entry["counts"], f"{field}.counts")
    if "rows" in entry:
        _check_rows(entry["rows"], f"{field}.rows")


def parse_document(text: str, path: Path) -> Entries:
    """Read and validate the text of a baseline file into its gate entries.

    Parameters
    ----------
    text : str
        The file's content.
    path : pathlib.Path
        The file, named in error messages.

    Returns
    -------
    dict
        Gate key to entry. Entries of schema 1 files carry no
        ``definition`` and are never compared.

    Raises
    ------
    BaselineError
        When the text is not JSON (or repeats a key, or holds ``NaN`` or
        ``Infinity``), is not a baseline document, is of a newer schema, or
        a field has the wrong type. The message names the file and the field.
    """
    try:
        data = json.loads(
            text, object_pairs_hook=_unique_keys, parse_constant=_no_constant
        )
    except ValueError as exc:
        msg = f"baseline file {path} is not valid JSON ({exc}). {_ADVICE}"
        raise BaselineError(msg) from None
    if not isinstance(data, Mapping) or "schema" not in data:
        msg = f"baseline file {path} is not a pytest-fairness baseline. {_ADVICE}"
        raise BaselineError(msg)
    schema = data["schema"]
    if (
        isinstance(schema, bool)
        or not isinstance(schema, int)
        or not OLDEST_SCHEMA <= schema <= SCHEMA_VERSION
    ):
        newer = isinstance(schema, int) and not isinstance(schema, bool)
        newer = newer and schema > SCHEMA_VERSION
        advice = (
            "It was written by a newer pytest-fairness: upgrade it (pip install "
            "-U pytest-fairness), or delete the file and record the baselines "
            "again with --fairness-update-baselines. The file is left untouched."
            if newer
            else _ADVICE
        )
        msg = (
            f"baseline file {path} has schema {schema!r}; this version of "
            f"pytest-fairness ({__version__}) reads schemas {OLDEST_SCHEMA} to "
            f"{SCHEMA_VERSION}. {advice}"
        )
        raise BaselineError(msg)
    gates = data.get("gates")
    if not isinstance(gates, Mapping):
        msg = f"baseline file {path} has no 'gates' object. {_ADVICE}"
        raise BaselineError(msg)
    try:
        for key, entry in gates.items():
            _check_entry(key, entry)
    except _Invalid as exc:
        got = "nothing" if exc.got == "nothing" else repr(exc.got)
        if len(got) > 80:
            got = got[:77] + "..."
        msg = (
            f"baseline file {path}: field {exc.field} must be {exc.expected}; "
            f"got {got}. {_ADVICE}"
        )
        raise BaselineError(msg) from None
    return {str(k): dict(v) for k, v in gates.items()}
