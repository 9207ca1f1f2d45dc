"""Fairness checks inside hypothesis' ``@given``: one gate per example.

Hypothesis calls a test body once per example. Each example's check is
judged (it raises when the gate fails, so hypothesis sees the failure and
shrinks it), but only the gate of the final example is kept for the summary,
the reports and the JUnit properties: the minimal failing example, which
hypothesis replays last, or else the last example that checked. Each record
says which example it is (``record["example"]``): the composition tables the
strategies of :mod:`pytest_fairness.strategies` noted, and the worst example
seen for each bound.

Standard library and pytest only: hypothesis is read from ``sys.modules``,
where a test running under ``@given`` has already put it.
"""

from __future__ import annotations

import math
import sys
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest

from pytest_fairness.plugin._state import RECORDS_KEY

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = [
    "BASELINE_UNDER_GIVEN",
    "EXAMPLES_KEY",
    "Examples",
    "begin_example",
    "build_context",
    "finish_test",
    "refuse_baseline",
    "score",
    "settle_failure",
]

#: The examples one test's checks ran under.
EXAMPLES_KEY = pytest.StashKey["Examples"]()

BASELINE_UNDER_GIVEN = (
    "{call} in {nodeid} runs under hypothesis' @given with baseline=True "
    "(from {where}): a baseline compares one fixed data set across commits, "
    "and a fuzzed gate checks other data on every run (the examples depend on "
    "the strategies, the seed and hypothesis' database), so there is nothing "
    "stable to compare. Allowed under @given: baseline=False. Hint: pass "
    "baseline=False to {call} (or to the test's fairness_gate marker), and keep "
    "the baseline on an ordinary test of the fixed test set."
)

_NOTES_MODULE = "pytest_fairness.strategies._notes"


def build_context() -> object | None:
    """Return hypothesis' build context of the running example, if any.

    Returns
    -------
    object or None
        ``hypothesis.control.current_build_context()`` inside an example of
        ``@given`` (or ``find``), else None. Hypothesis is not imported here:
        a test under ``@given`` has imported it already.
    """
    if "hypothesis" not in sys.modules:
        return None
    from hypothesis import currently_in_test_context
    from hypothesis.control import current_build_context

    if not currently_in_test_context():
        return None
    return current_build_context()


def _strategy_notes(context: object) -> list[str]:
    """Return what the fairness strategies noted in this example (tables)."""
    module = sys.modules.get(_NOTES_MODULE)
    if module is None:
        return []
    notes: list[str] = module.example_notes(context)
    return notes


def score(row: Mapping[str, Any]) -> float | None:
    """Return how far a bound's value lies past its limit (positive: it fails).

    Parameters
    ----------
    row : mapping
        A bound of a gate record (``op``, ``limit``, ``value``).

    Returns
    -------
    float or None
        ``value - limit`` for an upper bound (``<``, ``<=``), ``limit -
        value`` for a lower one; None when the value is undefined.
    """
    value, limit = row.get("value"), row.get("limit")
    if value is None or limit is None:
        return None
    distance = float(value) - float(limit)
    if row.get("op") in (">", ">="):
        distance = -distance
    return distance if math.isfinite(distance) else None


@dataclass
class _Worst:
    """The example that went furthest past one bound."""

    score: float
    value: float
    example: int
    notes: list[str]


@dataclass
class Examples:
    """What the checks of one test saw under ``@given``.

    Attributes
    ----------
    context : object or None
        The build context of the example that checked last.
    number : int
        How many examples checked a gate so far.
    final : bool
        The current example is hypothesis' final replay (the minimal failing
        example, or an explicit ``@example``).
    records : list of dict
        The gate records of the current example (as stashed on the test).
    properties : list of tuple
        The JUnit properties those records added.
    worst : dict
        ``(gate key, metric)`` to the example that went furthest past it.
    inconclusive : dict
        Gate key to how many examples were inconclusive and the failure
        text of the last one (``on_inconclusive="warn"`` warns once, at the
        end of the test).
    """

    context: object | None = None
    number: int = 0
    final: bool = False
    records: list[dict[str, Any]] = field(default_factory=list)
    properties: list[tuple[str, object]] = field(default_factory=list)
    worst: dict[tuple[str, str], _Worst] = field(default_factory=dict)
    inconclusive: dict[str, tuple[int, str]] = field(default_factory=dict)

    def start(self, item: pytest.Item, context: object) -> None:
        """Forget the gates of the previous example when a new one checks.

        Parameters
        ----------
        item : pytest.Item
            The test.
        context : object
            Hypothesis' build context of the running example.
        """
        if context is self.context:
            return
        self.forget(item)
        self.context = context
        self.number += 1
        self.final = bool(getattr(context, "is_final", False))

    def forget(self, item: pytest.Item) -> None:
        """Remove this example's gates from the test (records, JUnit properties).

        Parameters
        ----------
        item : pytest.Item
            The test.
        """
        from pytest_fairness.plugin._pipeline import FAILURES_KEY

        stashed = item.stash.get(RECORDS_KEY, [])
        mine = {id(r) for r in self.records}
        stashed[:] = [r for r in stashed if id(r) not in mine]
        failures = item.stash.get(FAILURES_KEY, {})
        for record in self.records:
            failures.pop(record["key"], None)
        added = {id(p) for p in self.properties}
        item.user_properties[:] = [
            p for p in item.user_properties if id(p) not in added
        ]
        self.records.clear()
        self.properties.clear()

    def adopt(
        self, record: dict[str, Any], properties: Sequence[tuple[str, object]]
    ) -> None:
        """Note a gate record (and its JUnit properties) of this example.

        Parameters
        ----------
        record : dict
            The record as stashed on the test.
        properties : list of tuple
            The properties it added to ``item.user_properties``.
        """
        self.records.append(record)
        self.properties.extend(properties)

    def describe(self, record: dict[str, Any]) -> dict[str, Any]:
        """Return what a record says of its example, and steer the search.

        Each bound's distance past its limit is given to
        :func:`hypothesis.target`, so that the search moves toward failing
        examples, and the worst example of each bound is kept.

        Parameters
        ----------
        record : dict
            A gate record of this example (its ``bounds`` evaluated).

        Returns
        -------
        dict
            ``final``, ``number`` (1 for the first example that checked),
            ``notes`` (the composition tables the strategies noted) and
            ``worst``: for each bound that another example took further past
            its limit, that example's value, number and notes.
        """
        from hypothesis import target

        notes = _strategy_notes(self.context)
        worst = []
        for row in record["bounds"]:
            distance = score(row)
            if distance is None:
                continue
            prefix = f"{record['name']}: " if record.get("name") else ""
            target(distance, label=f"{prefix}{row['metric']} past {row['bound']}")
            slot = (record["key"], row["metric"])
            seen = self.worst.get(slot)
            if seen is None or distance > seen.score:
                self.worst[slot] = _Worst(
                    distance, float(row["value"]), self.number, notes
                )
            elif seen.example != self.number and seen.score > distance:
                worst.append(
                    {
                        "metric": row["metric"],
                        "bound": row["bound"],
                        "value": seen.value,
                        "example": seen.example,
                        "notes": seen.notes,
                    }
                )
        return {
            "final": self.final,
            "number": self.number,
            "notes": notes,
            "worst": worst,
        }

    def reject(self) -> None:
        """Skip this example (``on_inconclusive="skip"``): hypothesis draws another.

        Raises
        ------
        hypothesis.errors.UnsatisfiedAssumption
            Always, as :func:`hypothesis.reject` does.
        """
        from hypothesis import event, reject

        event("fairness gate inconclusive: example skipped")
        reject()

    def settle(self, item: pytest.Item) -> None:
        """Drop the gates of an example that is not the one that failed.

        When a ``@given`` test fails, hypothesis replays the failing example
        last; if that replay raised before checking a gate, the gates left
        are another example's and are not recorded.

        Parameters
        ----------
        item : pytest.Item
            The test, which failed.
        """
        if not self.final:
            self.forget(item)

    def defer_warning(self, key: str, text: str) -> None:
        """Count an inconclusive example instead of warning for each one.

        Parameters
        ----------
        key : str
            The gate's key.
        text : str
            The gate's message.
        """
        count, _ = self.inconclusive.get(key, (0, ""))
        self.inconclusive[key] = (count + 1, text)


def begin_example(item: pytest.Item) -> Examples | None:
    """Start a check: under ``@given``, forget the previous example's gates.

    Parameters
    ----------
    item : pytest.Item
        The test.

    Returns
    -------
    Examples or None
        The test's examples, or None outside ``@given``.
    """
    context = build_context()
    if context is None:
        return None
    examples = item.stash.setdefault(EXAMPLES_KEY, Examples())
    examples.start(item, context)
    return examples


def refuse_baseline(
    item: pytest.Item,
    call: str,
    override: object,
    entries: Mapping[str, tuple[Any, str]],
) -> None:
    """Refuse ``baseline=True`` for a check under ``@given``.

    Parameters
    ----------
    item : pytest.Item
        The test.
    call : str
        ``fairness.check()`` or ``fairness.check_causal()``.
    override : object
        The call's ``baseline`` (None when it gave none).
    entries : mapping
        The test's marker keywords, ``(value, where)`` by name.

    Raises
    ------
    FairnessValueError
        When the check's baseline is on and it runs in an example.
    """
    __tracebackhide__ = True
    if override is not None:
        baseline, where = override, call
    elif "baseline" in entries:
        baseline, where = entries["baseline"]
    else:
        return
    if baseline is True and build_context() is not None:
        from pytest_fairness.exceptions import FairnessValueError

        raise FairnessValueError(
            BASELINE_UNDER_GIVEN.format(call=call, nodeid=item.nodeid, where=where)
        )


def settle_failure(item: pytest.Item) -> None:
    """Keep only the gates of the failing example of a failed ``@given`` test.

    Parameters
    ----------
    item : pytest.Item
        A test whose call failed.
    """
    examples = item.stash.get(EXAMPLES_KEY, None)
    if examples is None or "hypothesis" not in sys.modules:
        return
    from hypothesis import is_hypothesis_test

    if is_hypothesis_test(getattr(item, "obj", None)):
        examples.settle(item)


def finish_test(item: pytest.Item) -> None:
    """Warn once per gate whose examples were inconclusive (``"warn"``).

    Parameters
    ----------
    item : pytest.Item
        The test, after its body ran.
    """
    examples = item.stash.get(EXAMPLES_KEY, None)
    if examples is None:
        return
    from pytest_fairness.exceptions import FairnessWarning

    for key, (count, text) in examples.inconclusive.items():
        what = "example was" if count == 1 else "examples were"
        warnings.warn(
            FairnessWarning(
                f"{count} {what} inconclusive for the fairness gate {key!r} "
                f"under @given (of {examples.number} checked); the last:\n{text}"
            ),
            stacklevel=2,
        )
    examples.inconclusive.clear()
