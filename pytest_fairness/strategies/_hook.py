"""``st.from_type`` builds the public types of the strategies.

:mod:`pytest_fairness.strategies` calls :func:`register` when it is imported:
a type can be asked for only once its module is loaded, and a project that
does not use the strategies pays nothing (the distribution's ``hypothesis``
entry point, :mod:`pytest_fairness._hypothesis`, imports nothing).
Registering imports neither numpy nor pandas: the strategies load them when
they first draw.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hypothesis import strategies as st

from pytest_fairness.strategies._composition import GroupComposition
from pytest_fairness.strategies._compositions import group_compositions

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

__all__ = ["_hypothesis_setup_hook", "register"]

_LEVELS = ("a", "b", "c")


def _attributes(n_levels: list[int]) -> dict[str, tuple[str, ...]]:
    return {f"s{i}": _LEVELS[:n] for i, n in enumerate(n_levels)}


def _any_composition(_: type[GroupComposition]) -> SearchStrategy[GroupComposition]:
    """Compositions over one or two attributes of two or three levels."""
    shapes = st.lists(st.integers(2, 3), min_size=1, max_size=2)
    return shapes.flatmap(lambda n: group_compositions(_attributes(n)))


def register() -> None:
    """Register a strategy for :class:`GroupComposition` with ``st.from_type``."""
    st.register_type_strategy(GroupComposition, _any_composition)


#: The name the entry point used to point to (kept for callers of it).
_hypothesis_setup_hook = register
