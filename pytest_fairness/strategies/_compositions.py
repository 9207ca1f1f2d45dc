"""group_compositions(): draw the size of every intersection of sensitive attributes."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from hypothesis import strategies as st
from hypothesis.control import reject
from hypothesis.errors import InvalidArgument
from hypothesis.strategies import SearchStrategy

from pytest_fairness.strategies._allocate import Plan
from pytest_fairness.strategies._check import (
    check_bool,
    check_integer,
    check_share,
    invalid_attributes,
)
from pytest_fairness.strategies._composition import GroupComposition
from pytest_fairness.strategies._notes import note_table

if TYPE_CHECKING:
    from collections.abc import Hashable, Mapping, Sequence

__all__ = ["MAX_CELLS", "group_compositions"]

MAX_CELLS = 1024
_DEFAULT_MAX_TOTAL = 1000
_MAX_MOVES = 24


_SEED = st.integers(0, 2**32 - 1)


def _draw(
    draw: st.DrawFn,
    names: tuple[str, ...],
    levels: tuple[tuple[Hashable, ...], ...],
    plan: Plan,
    totals: SearchStrategy[int],
) -> GroupComposition:
    """Draw a total, the transfers away from balance, and a seed."""
    total = draw(totals)
    if isinstance(total, bool) or not isinstance(total, int):
        msg = f"total_size must draw integers. Got {total!r}."
        raise InvalidArgument(msg)
    sizes = plan.start(total)
    if sizes is None:
        reject()
    k = plan.n_cells
    if k > 1:
        # a move is (source cell and target offset in one integer, amount)
        moves = draw(
            st.lists(
                st.tuples(st.integers(0, k * (k - 1) - 1), st.integers(1, total)),
                max_size=min(2 * k + 2, _MAX_MOVES),
            )
        )
        cap = plan.cap(total)
        for pair, amount in moves:
            source, offset = divmod(pair, k - 1)
            plan.transfer(sizes, source, (source + offset + 1) % k, amount, cap)
    # drawn last, so that shrinking the sizes leaves it alone; shrinks to 0
    seed = draw(_SEED)
    composition = GroupComposition._trusted(names, levels, sizes, seed)
    note_table(str(composition))
    return composition


def group_compositions(
    attributes: Mapping[str, Sequence[Hashable]],
    *,
    total_size: int | SearchStrategy[int] | None = None,
    min_group_size: int = 1,
    max_share: float | None = None,
    allow_empty: bool = True,
) -> SearchStrategy[GroupComposition]:
    """Draw how many rows each intersection of the sensitive attributes holds.

    A minority group shrinks, a majority takes over, an intersection appears
    that was empty before: the drawn compositions vary the mix of people a
    fairness test runs on. Failing compositions shrink toward fewer rows and
    toward balanced, equal-size groups, so a failure is reported with the
    simplest mix that still fails.

    Parameters
    ----------
    attributes : mapping of str to sequence
        Each sensitive attribute and its levels, e.g.
        ``{"gender": ["female", "male"], "race": ["black", "white"]}``. The
        cells are the product of the levels (at most 1024).
    total_size : int or strategy of int, optional
        Rows of the population: a fixed number, or a strategy (values that
        cannot meet the other constraints are rejected). By default drawn
        between the fewest rows that meet the constraints and
        ``max(1000, twice that)``, shrinking toward the fewest.
    min_group_size : int, default=1
        Fewest rows of a non-empty cell, at least 1 (as for the audit). Use
        the ``min_group_size`` of the audit under test to keep every drawn
        group in its disparities.
    max_share : float, optional
        Largest fraction of the rows one cell may hold, in (0, 1].
    allow_empty : bool, default=True
        Whether intersections may be empty. Every level of every attribute
        keeps at least one non-empty cell either way, so each attribute's
        groups all occur.

    Returns
    -------
    SearchStrategy of GroupComposition
        Compositions with exactly ``total_size`` rows, every non-empty cell
        between ``min_group_size`` and ``max_share * total_size`` rows, each
        with a drawn :attr:`~GroupComposition.seed` (which
        :meth:`~GroupComposition.sample` uses by default, so that hypothesis
        replays and shrinks the rows drawn too). Each drawn composition is
        noted (:func:`hypothesis.note`) as a table of cells, rows and shares,
        shown with a failing example.

    Raises
    ------
    hypothesis.errors.InvalidArgument
        At call time, naming the argument, when an argument is malformed or
        the constraints cannot be met together (for example ``max_share``
        below one over the number of cells, or a fixed ``total_size`` too
        small for ``min_group_size``).

    See Also
    --------
    fairness_datasets : A dataset with labels, features and predictions.
    sensitive_frames : Only the sensitive columns.

    Notes
    -----
    A composition is drawn as the balanced one (``total_size`` split evenly
    over every cell, or over as many cells as ``min_group_size`` allows)
    followed by a list of transfers of rows between cells, each cut to
    respect the constraints, then a seed. Shrinking removes transfers and
    lowers their amounts, which moves the composition back toward balance,
    and lowers the seed toward 0.

    Examples
    --------
    The simplest composition of 100 people in which one gender is under a
    fifth of the population:

    >>> from hypothesis import find
    >>> from pytest_fairness.strategies import group_compositions
    >>> find(
    ...     group_compositions({"gender": ["female", "male"]}, total_size=100),
    ...     lambda c: c.smallest < 20,
    ... )
    GroupComposition({'gender': ('female', 'male')}, sizes=(19, 81))

    With empty intersections allowed, the smallest population that shows
    every level has one row per level:

    >>> find(
    ...     group_compositions({"sex": ["f", "m"], "age": ["young", "old"]}),
    ...     lambda c: 0 in c.sizes,
    ... )
    GroupComposition({'sex': ('f', 'm'), 'age': ('young', 'old')}, sizes=(1, 0, 0, 1))
    """
    names, levels = invalid_attributes(attributes, "group_compositions(attributes)")
    n_cells = math.prod(len(lv) for lv in levels)
    if n_cells > MAX_CELLS:
        msg = (
            f"group_compositions(attributes) has {n_cells} cells (the product of "
            f"the levels); at most {MAX_CELLS} are supported."
        )
        raise InvalidArgument(msg)
    min_group_size = check_integer("min_group_size", min_group_size, minimum=1)
    max_share = check_share("max_share", max_share)
    allow_empty = check_bool("allow_empty", allow_empty)
    if max_share is not None and max_share * n_cells < 1.0 - 1e-9:
        msg = (
            f"max_share={max_share!r} cannot be met by {n_cells} cells: together "
            f"they would hold at most {max_share * n_cells:.0%} of the rows. Use "
            f"max_share >= 1/{n_cells}."
        )
        raise InvalidArgument(msg)
    plan = Plan(
        n_levels=tuple(len(lv) for lv in levels),
        min_group_size=min_group_size,
        max_share=max_share,
        allow_empty=allow_empty,
    )
    totals: SearchStrategy[int]
    if isinstance(total_size, SearchStrategy):
        totals = total_size
    elif total_size is None:
        lowest = plan.smallest_total()
        if lowest is None:  # pragma: no cover - only for absurd max_share values
            msg = "group_compositions: no total_size up to 1,000,000 meets max_share."
            raise InvalidArgument(msg)
        highest = max(_DEFAULT_MAX_TOTAL, 2 * lowest)
        totals = st.integers(lowest, highest)
        if max_share is not None:
            totals = totals.filter(plan.feasible)
    else:
        total = check_integer("total_size", total_size, minimum=1)
        if not plan.feasible(total):
            raise InvalidArgument(_infeasible(plan, total))
        totals = st.just(total)
    fixed_totals = totals

    # Named and called like the public function, so that the strategy's repr
    # is the call that built it: group_compositions({...}, total_size=...).
    @st.composite
    def group_compositions(
        draw: st.DrawFn,
        attributes: Mapping[str, Sequence[Hashable]],
        *,
        total_size: int | SearchStrategy[int] | None = None,
        min_group_size: int = 1,
        max_share: float | None = None,
        allow_empty: bool = True,
    ) -> GroupComposition:
        return _draw(draw, names, levels, plan, fixed_totals)

    return group_compositions(
        attributes,
        total_size=total_size,
        min_group_size=min_group_size,
        max_share=max_share,
        allow_empty=allow_empty,
    )


def _infeasible(plan: Plan, total: int) -> str:
    """Explain why ``total`` rows cannot meet the constraints."""
    need = plan.n_cover * plan.low
    if total < need:
        what = (
            f"every one of the {plan.n_cells} cells"
            if not plan.allow_empty
            else f"one cell per level of the largest attribute ({plan.n_cover})"
        )
        return (
            f"total_size={total} is too small: {what} needs at least "
            f"{plan.low} row(s), {need} in all."
        )
    return (
        f"total_size={total} cannot be split with max_share={plan.max_share!r} "
        f"(at most {plan.cap(total)} rows per cell) and "
        f"min_group_size={plan.min_group_size}."
    )
