"""Cell sizes under constraints: a balanced start and transfers between cells.

A drawn composition is the balanced one (every cell, or as many as the total
allows, of equal size) changed by a list of transfers of rows from one cell to
another. Hypothesis shrinks that list toward empty and each amount toward
zero, so a failing composition shrinks toward the balanced one: the simplest
mix that still fails is what the report shows. Pure Python.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

__all__ = ["Plan"]

_EPS = 1e-9


@dataclass(frozen=True)
class Plan:
    """The constraints on a composition and the moves that respect them.

    Parameters
    ----------
    n_levels : tuple of int
        Levels of each attribute; cells are their product (first attribute
        varying slowest).
    min_group_size : int
        Smallest size of a non-empty cell.
    max_share : float or None
        Largest fraction of the rows one cell may hold.
    allow_empty : bool
        Whether a cell may be empty. Every level of every attribute keeps at
        least one non-empty cell either way.
    """

    n_levels: tuple[int, ...]
    min_group_size: int
    max_share: float | None
    allow_empty: bool
    _cells: tuple[tuple[int, ...], ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        cells: list[tuple[int, ...]] = [()]
        for n in self.n_levels:
            cells = [(*c, i) for c in cells for i in range(n)]
        object.__setattr__(self, "_cells", tuple(cells))

    @property
    def n_cells(self) -> int:
        """Number of cells."""
        return len(self._cells)

    @property
    def low(self) -> int:
        """Smallest size of a non-empty cell (at least 1)."""
        return max(self.min_group_size, 1)

    @property
    def n_cover(self) -> int:
        """Fewest non-empty cells that still show every level."""
        return max(self.n_levels) if self.allow_empty else self.n_cells

    def cap(self, total: int) -> int:
        """Largest size of a cell in a population of ``total`` rows."""
        if self.max_share is None:
            return total
        return math.floor(self.max_share * total + _EPS)

    def _index(self, levels: tuple[int, ...]) -> int:
        i = 0
        for level, n in zip(levels, self.n_levels, strict=True):
            i = i * n + level
        return i

    def start(self, total: int) -> list[int] | None:
        """Return the balanced sizes for ``total`` rows, or None if impossible.

        Every cell gets ``total // n`` rows (the first ones one more), with
        ``n`` every cell, or with empty cells allowed the most cells that
        can reach ``min_group_size``, chosen so that every level occurs.
        """
        if total < 1:
            return None
        n = min(self.n_cells, total // self.low)
        if not self.allow_empty and n < self.n_cells:
            return None
        if n < self.n_cover:
            return None
        per, extra = divmod(total, n)
        if per + (extra > 0) > self.cap(total):
            return None
        chosen = {
            self._index(tuple(i % m for m in self.n_levels))
            for i in range(self.n_cover)
        }
        for i in range(self.n_cells):
            if len(chosen) == n:
                break
            chosen.add(i)
        sizes = [0] * self.n_cells
        for rank, i in enumerate(sorted(chosen)):
            sizes[i] = per + (rank < extra)
        return sizes

    def feasible(self, total: int) -> bool:
        """Whether a population of ``total`` rows can meet the constraints."""
        return self.start(total) is not None

    def smallest_total(self, limit: int = 1_000_000) -> int | None:
        """Return the fewest rows that meet the constraints (None if over ``limit``)."""
        total = self.n_cover * self.low
        while total <= limit:
            if self.feasible(total):
                return total
            total += 1
        return None

    def _can_empty(self, sizes: list[int], cell: int) -> bool:
        """Whether emptying ``cell`` leaves every one of its levels present."""
        if not self.allow_empty:
            return False
        mine = self._cells[cell]
        for j, level in enumerate(mine):
            if not any(
                sizes[i] and i != cell and c[j] == level
                for i, c in enumerate(self._cells)
            ):
                return False
        return True

    def transfer(
        self, sizes: list[int], source: int, target: int, amount: int, cap: int
    ) -> None:
        """Move up to ``amount`` rows from ``source`` to ``target``, in place.

        The amount is cut (or the move dropped) so that both cells stay empty
        or between ``min_group_size`` and ``cap``. A source empties only when
        ``amount`` covers all its rows, empty cells are allowed, and its
        levels stay present elsewhere; a target that was empty receives at
        least ``min_group_size`` rows.
        """
        have, get = sizes[source], sizes[target]
        move = min(amount, have, cap - get)
        if move <= 0:
            return
        if get == 0:
            move = max(move, self.low)
        if move > have or get + move > cap:
            return
        rest = have - move
        keeps = self._can_empty(sizes, source) if rest == 0 else rest >= self.low
        if not keeps:
            move = have - self.low
            if move <= 0 or (get == 0 and move < self.low):
                return
        sizes[source] -= move
        sizes[target] += move
