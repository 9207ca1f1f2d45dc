"""Hypothesis entry point: ``st.from_type`` builds the public types of the strategies.

Hypothesis calls :func:`_hypothesis_setup_hook` when it is imported (through
the ``hypothesis`` entry point of the distribution), never before, so a
project that does not use hypothesis pays nothing. Registering imports
neither numpy nor pandas: the strategies load them when they first draw.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hypothesis import strategies as st

from pytest_fairness.strategies._composition import GroupComposition
from pytest_fairness.strategies._compositions import group_compositions

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

__all__ = ["_hypothesis_setup_hook"]

_LEVELS = ("a", "b", "c")


def _attributes(n_levels: list[int]) -> dict[str, tuple[str, ...]]:
    return {f"s{i}": _LEVELS[:n] for i, n in enumerate(n_levels)}


def _any_composition(_: type[GroupComposition]) -> SearchStrategy[GroupComposition]:
    """Compositions over one or two attributes of two or three levels."""
    shapes = st.lists(st.integers(2, 3), min_size=1, max_size=2)
    return shapes.flatmap(lambda n: group_compositions(_attributes(n)))


def _hypothesis_setup_hook() -> None:
    """Register a strategy for :class:`GroupComposition` with ``st.from_type``."""
    st.register_type_strategy(GroupComposition, _any_composition)
