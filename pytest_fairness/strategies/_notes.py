"""The tables the strategies note, kept per example for the fairness fixture.

:func:`hypothesis.note` prints a note with the falsifying example only, and
keeps nothing that another library could read. The strategies also keep
their tables here, keyed by hypothesis' build context of the example, so
that a ``fairness.check`` in that example records the composition it ran on
(the plugin reads this module from ``sys.modules``; it never imports it).
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from hypothesis import currently_in_test_context, note
from hypothesis.control import current_build_context

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["example_notes", "note_table", "quiet"]

_NOTES: WeakKeyDictionary[object, list[str]] = WeakKeyDictionary()
_QUIET: ContextVar[bool] = ContextVar("pytest_fairness_quiet_notes", default=False)


def note_table(text: str) -> None:
    """Note a table for the falsifying example and keep it for this example.

    Does nothing outside a test (``strategy.example()``) and inside
    :func:`quiet`.

    Parameters
    ----------
    text : str
        The table.
    """
    if _QUIET.get() or not currently_in_test_context():
        return
    note(text)
    _NOTES.setdefault(current_build_context(), []).append(text)


@contextmanager
def quiet() -> Iterator[None]:
    """Draw without noting: a strategy that notes a fuller table itself.

    Yields
    ------
    None
        Control to the draws whose notes are dropped.
    """
    token = _QUIET.set(True)
    try:
        yield
    finally:
        _QUIET.reset(token)


def example_notes(context: object) -> list[str]:
    """Return the tables noted in one example.

    Parameters
    ----------
    context : object
        Hypothesis' build context of the example.

    Returns
    -------
    list of str
        The tables, in the order they were drawn.
    """
    return list(_NOTES.get(context, ()))
