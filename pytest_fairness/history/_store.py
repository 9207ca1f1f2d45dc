"""The history store: one JSON line per gate and run, beside the baselines.

Each baseline file ``__fairness__/test_model.json`` has a history file
``__fairness__/test_model.history.jsonl`` beside it. Every line is one
:class:`~pytest_fairness.records.HistoryPoint` (a gate at one run: its
bounds' values, intervals and outcomes, its row counts, the commit, branch
and time), written with sorted keys and no spaces.

The file merges cleanly in git:

- lines are ordered by time, then gate, then text, and never repeated, so
  the file is append-only while runs come in order;
- with ``*.history.jsonl merge=union`` in ``.gitattributes``, a merge keeps
  the lines of both sides; the reader sorts and removes repeated lines, and
  the next write stores them in order.

Size bound: at most ``limit`` points per gate (default
:data:`DEFAULT_LIMIT`); older points are pruned when a write would go past
it. A point takes 250-600 bytes (more with many groups), so a module of 10
gates keeps at most about 300 KB at the default limit.

Writes never take a lock when they only append (one ``write`` of whole
lines in append mode, which concurrent writers do not interleave); a write
that sorts or prunes the file rewrites it atomically under the folder lock
of the baselines.

Standard library only (the lock library loads when a file is rewritten).
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING

from pytest_fairness.records import HistoryPoint, history_id

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from pathlib import Path

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
]

HISTORY_SUFFIX = ".history.jsonl"
DEFAULT_LIMIT = 50


class HistoryError(ValueError):
    """A history file that cannot be read (a line that is no history point)."""


def history_path(baseline_file: Path) -> Path:
    """Return the history file beside a baseline file.

    Parameters
    ----------
    baseline_file : pathlib.Path
        ``.../__fairness__/test_model.json``.

    Returns
    -------
    pathlib.Path
        ``.../__fairness__/test_model.history.jsonl``.
    """
    return baseline_file.with_name(baseline_file.stem + HISTORY_SUFFIX)


def read_history(path: Path) -> list[HistoryPoint]:
    """Read a history file, in order and without repeated lines.

    Parameters
    ----------
    path : pathlib.Path
        The file; a missing file has no points.

    Returns
    -------
    list of HistoryPoint
        Oldest first.

    Raises
    ------
    HistoryError
        For a line that is not a history point (named by file and line).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    points = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            points.append(HistoryPoint.from_dict(json.loads(line)))
        except (ValueError, KeyError, TypeError) as exc:
            msg = (
                f"{path}:{number} is not a fairness history point ({exc}). Remove "
                "the line, or the file, to start the history afresh."
            )
            raise HistoryError(msg) from None
    return merge_points(points)


def merge_points(points: Iterable[HistoryPoint]) -> list[HistoryPoint]:
    """Sort points by time, gate and text, and drop repeated ones.

    Parameters
    ----------
    points : iterable of HistoryPoint
        Points, from one file or several (both sides of a merge).

    Returns
    -------
    list of HistoryPoint
        In file order.
    """
    unique = {p.to_line(): p for p in points}
    return sorted(unique.values(), key=lambda p: p.sort_key)


def prune_points(points: Sequence[HistoryPoint], limit: int) -> list[HistoryPoint]:
    """Keep the newest ``limit`` points of every gate.

    Parameters
    ----------
    points : sequence of HistoryPoint
        Points in file order.
    limit : int
        Points kept per gate.

    Returns
    -------
    list of HistoryPoint
        In file order.
    """
    seen: dict[str, int] = {}
    kept = []
    for point in reversed(points):
        n = seen.get(point.key, 0)
        if n < limit:
            kept.append(point)
        seen[point.key] = n + 1
    return kept[::-1]


def _text(points: Sequence[HistoryPoint]) -> str:
    return "".join(p.to_line() + "\n" for p in points)


def append_points(
    path: Path, points: Sequence[HistoryPoint], *, limit: int = DEFAULT_LIMIT
) -> list[HistoryPoint]:
    """Add points to a history file, keeping it sorted, unique and bounded.

    Parameters
    ----------
    path : pathlib.Path
        The history file (created with its folder when missing).
    points : sequence of HistoryPoint
        The points of this run.
    limit : int, default=50
        Points kept per gate.

    Returns
    -------
    list of HistoryPoint
        The file's points after the write, oldest first.

    Raises
    ------
    HistoryError
        When the file holds a line that is no history point.
    OSError
        When the file cannot be written.
    """
    existing = read_history(path)
    merged = prune_points(merge_points([*existing, *points]), limit)
    if merged == existing:
        return merged
    on_disk = path.read_text(encoding="utf-8") if existing else ""
    if merged[: len(existing)] == existing and on_disk == _text(existing):
        # only new lines at the end: append them in one write
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(_text(merged[len(existing) :]))
        return merged
    from pytest_fairness.baseline import folder_lock  # noqa: PLC0415 - rewrites only

    with folder_lock(path.parent):
        current = read_history(path)
        merged = prune_points(merge_points([*current, *points]), limit)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(_text(merged), encoding="utf-8")
        tmp.replace(path)
    return merged


def points_by_gate(points: Iterable[HistoryPoint]) -> dict[str, list[HistoryPoint]]:
    """Group points by gate (test id and check name), oldest first.

    Parameters
    ----------
    points : iterable of HistoryPoint
        Points in file order.

    Returns
    -------
    dict
        :func:`~pytest_fairness.records.history_id` to its points.
    """
    out: dict[str, list[HistoryPoint]] = {}
    for p in points:
        test = p.nodeid.partition("::")[2]
        name = p.key[len(test) + 2 :] if p.key != test else None
        out.setdefault(history_id(p.nodeid, name), []).append(p)
    return out
