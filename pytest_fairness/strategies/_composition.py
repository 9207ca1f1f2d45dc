"""GroupComposition: how many rows each intersection of sensitive attributes holds.

Standard library only at import time (numpy and pandas load inside the methods
that build frames), so registering it with hypothesis costs nothing.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pytest_fairness._resampled import RESAMPLED
from pytest_fairness.exceptions import FairnessValueError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    from numpy.typing import NDArray

__all__ = ["Cell", "GroupComposition", "check_attributes"]

Cell = tuple[Hashable, ...]


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def check_attributes(
    attributes: object,
    *,
    error: type[Exception] = FairnessValueError,
    where: str = "attributes",
) -> tuple[tuple[str, ...], tuple[tuple[Hashable, ...], ...]]:
    """Validate a mapping of attribute name to levels.

    Parameters
    ----------
    attributes : object
        Should be a non-empty mapping of str to a non-empty sequence of
        distinct, hashable, non-missing levels.
    error : type of Exception, default=FairnessValueError
        The exception raised on bad input.
    where : str, default="attributes"
        How the argument is named in messages.

    Returns
    -------
    names : tuple of str
        The attribute names, in the mapping's order.
    levels : tuple of tuple
        The levels of each attribute, in the given order.

    Raises
    ------
    Exception
        Of type ``error``, naming the argument and the offending value.
    """
    if not isinstance(attributes, Mapping) or not attributes:
        msg = (
            f"{where} must be a non-empty mapping of attribute name to levels, "
            f'e.g. {{"gender": ["female", "male"]}}. Got {attributes!r}.'
        )
        raise error(msg)
    names: list[str] = []
    levels: list[tuple[Hashable, ...]] = []
    for name, values in attributes.items():
        if not isinstance(name, str) or not name:
            msg = f"{where} keys must be non-empty strings. Got {name!r}."
            raise error(msg)
        if hasattr(values, "tolist") and not isinstance(values, str | bytes):
            values = values.tolist()  # numpy arrays, pandas Series and Index
        if isinstance(values, str | bytes) or not isinstance(values, Sequence):
            msg = (
                f"{where}[{name!r}] must be a sequence of levels, e.g. "
                f'["female", "male"]. Got {values!r}.'
            )
            raise error(msg)
        row = tuple(values)
        if not row:
            msg = f"{where}[{name!r}] must hold at least one level. Got {values!r}."
            raise error(msg)
        for level in row:
            if not isinstance(level, Hashable) or _is_missing(level):
                msg = (
                    f"{where}[{name!r}] levels must be hashable and not missing. "
                    f"Got {level!r}."
                )
                raise error(msg)
        if len(set(row)) != len(row):
            msg = f"{where}[{name!r}] levels must be distinct. Got {values!r}."
            raise error(msg)
        names.append(name)
        levels.append(row)
    return tuple(names), tuple(levels)


def _format_level(level: Hashable) -> str:
    return level if isinstance(level, str) else repr(level)


def _format_cell(cell: Cell) -> str:
    return ", ".join(_format_level(v) for v in cell)


@dataclass(frozen=True, slots=True, init=False, repr=False)
class GroupComposition:
    """How many rows each intersection of the sensitive attributes holds.

    The cells are the cartesian product of the attributes' levels, the first
    attribute varying slowest; a cell of size 0 is an intersection absent from
    the population. :func:`~pytest_fairness.strategies.group_compositions`
    draws them; a composition can also be written by hand, for example in an
    ``@example`` of a fuzzed test.

    Parameters
    ----------
    attributes : mapping of str to sequence
        Each sensitive attribute and its levels, e.g.
        ``{"gender": ["female", "male"], "race": ["black", "white"]}``.
    sizes : sequence of int or mapping
        Rows per cell, in product order, or a mapping of cell (a tuple of
        levels, or a bare level with a single attribute) to rows; cells a
        mapping leaves out are empty.
    seed : int, default=0
        Seed of :meth:`sample` when it is given no ``random_state``.
        :func:`~pytest_fairness.strategies.group_compositions` draws it, so
        that hypothesis replays (and shrinks) the rows a composition samples.

    Attributes
    ----------
    names : tuple of str
        The attribute names.
    levels : tuple of tuple
        The levels of each attribute.
    sizes : tuple of int
        Rows per cell, in the order of :attr:`cells`.
    seed : int
        Seed of :meth:`sample` by default; shown by :func:`repr` when not 0.
        It takes no part in equality and hashing: two compositions are equal
        when their cells hold the same rows.

    Raises
    ------
    FairnessValueError
        When the attributes or the sizes are malformed (the message names the
        argument and the value).

    Examples
    --------
    >>> from pytest_fairness.strategies import GroupComposition
    >>> c = GroupComposition({"gender": ["female", "male"]}, sizes=[30, 970])
    >>> c.total, c.smallest, c.shares[("female",)]
    (1000, 30, 0.03)
    >>> c = GroupComposition(
    ...     {"gender": ["female", "male"], "race": ["black", "white"]},
    ...     sizes={("female", "white"): 40, ("male", "black"): 60},
    ... )
    >>> c.sizes, c.groups
    ((0, 40, 60, 0), (('female', 'white'), ('male', 'black')))
    """

    names: tuple[str, ...]
    levels: tuple[tuple[Hashable, ...], ...]
    sizes: tuple[int, ...]
    seed: int = field(default=0, compare=False)

    def __init__(
        self,
        attributes: Mapping[str, Sequence[Hashable]],
        sizes: Sequence[int] | Mapping[Any, int],
        *,
        seed: int = 0,
    ) -> None:
        names, levels = check_attributes(attributes)
        seed_value: object = seed
        if (
            isinstance(seed_value, bool)
            or not isinstance(seed_value, int)
            or seed_value < 0
        ):
            msg = f"seed must be an integer >= 0. Got {seed!r}."
            raise FairnessValueError(msg)
        cells = list(itertools.product(*levels))
        if isinstance(sizes, Mapping):
            index = {cell: i for i, cell in enumerate(cells)}
            values = [0] * len(cells)
            for key, size in sizes.items():
                cell = key if isinstance(key, tuple) else (key,)
                if cell not in index:
                    msg = (
                        f"sizes names a group that is not a cell of the attributes: "
                        f"{key!r}. Cells are tuples of levels, e.g. {cells[0]!r}."
                    )
                    raise FairnessValueError(msg)
                values[index[cell]] = size
        elif isinstance(sizes, str | bytes) or not isinstance(sizes, Sequence):
            msg = f"sizes must be a sequence of int or a mapping. Got {sizes!r}."
            raise FairnessValueError(msg)
        else:
            values = list(sizes)
            if len(values) != len(cells):
                msg = (
                    f"sizes must hold one size per cell ({len(cells)} cells, the "
                    f"product of the levels). Got {len(values)} sizes."
                )
                raise FairnessValueError(msg)
        checked: list[int] = []
        for value in values:
            if isinstance(value, bool) or not hasattr(value, "__index__"):
                msg = f"sizes must be non-negative integers. Got {value!r}."
                raise FairnessValueError(msg)
            if int(value) < 0:
                msg = f"sizes must be non-negative integers. Got {value!r}."
                raise FairnessValueError(msg)
            checked.append(int(value))
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "levels", levels)
        object.__setattr__(self, "sizes", tuple(checked))
        object.__setattr__(self, "seed", int(seed))

    @classmethod
    def _trusted(
        cls,
        names: tuple[str, ...],
        levels: tuple[tuple[Hashable, ...], ...],
        sizes: Sequence[int],
        seed: int = 0,
    ) -> GroupComposition:
        """Build from already validated parts (the strategies' fast path)."""
        self = object.__new__(cls)
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "levels", levels)
        object.__setattr__(self, "sizes", tuple(sizes))
        object.__setattr__(self, "seed", seed)
        return self

    # -- views -----------------------------------------------------------------
    @property
    def attributes(self) -> dict[str, tuple[Hashable, ...]]:
        """Each attribute's levels."""
        return dict(zip(self.names, self.levels, strict=True))

    @property
    def cells(self) -> tuple[Cell, ...]:
        """Every intersection of levels, in the order of :attr:`sizes`."""
        return tuple(itertools.product(*self.levels))

    @property
    def counts(self) -> dict[Cell, int]:
        """Rows of every cell, empty ones included."""
        return dict(zip(self.cells, self.sizes, strict=True))

    @property
    def groups(self) -> tuple[Cell, ...]:
        """The non-empty cells: the groups an audit of this population reports."""
        return tuple(c for c, n in zip(self.cells, self.sizes, strict=True) if n)

    @property
    def total(self) -> int:
        """Number of rows."""
        return sum(self.sizes)

    @property
    def shares(self) -> dict[Cell, float]:
        """Each cell's fraction of the rows (0.0 for every cell when empty)."""
        total = self.total
        return {c: (n / total if total else 0.0) for c, n in self.counts.items()}

    @property
    def smallest(self) -> int:
        """Rows of the smallest non-empty cell (0 when every cell is empty)."""
        return min((n for n in self.sizes if n), default=0)

    @property
    def largest(self) -> int:
        """Rows of the largest cell."""
        return max(self.sizes)

    def size_of(self, group: Hashable) -> int:
        """Return the rows of one cell.

        Parameters
        ----------
        group : tuple or level
            A tuple of levels, one per attribute, or a bare level when there
            is a single attribute.

        Returns
        -------
        int
            Its number of rows.

        Raises
        ------
        FairnessValueError
            When ``group`` is not a cell of the composition.
        """
        cell = group if isinstance(group, tuple) else (group,)
        counts = self.counts
        if cell not in counts:
            msg = f"group={group!r} is not a cell of {self.names!r}."
            raise FairnessValueError(msg)
        return counts[cell]

    def marginal(self, attribute: str) -> dict[Hashable, int]:
        """Return the rows of each level of one attribute.

        Parameters
        ----------
        attribute : str
            One of :attr:`names`.

        Returns
        -------
        dict
            Level to number of rows.

        Raises
        ------
        FairnessValueError
            When ``attribute`` is not one of the attributes.
        """
        if attribute not in self.names:
            msg = f"attribute={attribute!r} is not one of {self.names!r}."
            raise FairnessValueError(msg)
        j = self.names.index(attribute)
        out = dict.fromkeys(self.levels[j], 0)
        for cell, n in zip(self.cells, self.sizes, strict=True):
            out[cell[j]] += n
        return out

    # -- serialisation ---------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-friendly dict (when the levels are).

        Returns
        -------
        dict
            ``{"attributes": {name: [levels]}, "sizes": [...]}``, and
            ``"seed"`` when it is not 0.
        """
        out: dict[str, Any] = {
            "attributes": {
                n: list(lv) for n, lv in zip(self.names, self.levels, strict=True)
            },
            "sizes": list(self.sizes),
        }
        if self.seed:
            out["seed"] = self.seed
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GroupComposition:
        """Rebuild a composition from :meth:`to_dict`.

        Parameters
        ----------
        data : mapping
            With keys ``attributes`` and ``sizes``, and optionally ``seed``.

        Returns
        -------
        GroupComposition
            The composition.
        """
        return cls(data["attributes"], data["sizes"], seed=data.get("seed", 0))

    # -- rows ------------------------------------------------------------------
    def _cell_table(self) -> NDArray[np.intp]:
        """Level index of each attribute for every cell (cells x attributes)."""
        import numpy as np  # noqa: PLC0415 - the type imports nothing heavy

        shape = tuple(len(lv) for lv in self.levels)
        grid = np.indices(shape).reshape(len(shape), -1).T
        return np.ascontiguousarray(grid, dtype=np.intp)

    def to_frame(self, *, random_state: int | None = None) -> pd.DataFrame:
        """Return one row per member of the population, sensitive columns only.

        Parameters
        ----------
        random_state : int, optional
            Shuffle the rows with this seed; rows come grouped by cell, in
            the order of :attr:`cells`, without it.

        Returns
        -------
        pandas.DataFrame
            One column per attribute, :attr:`total` rows.

        Examples
        --------
        >>> from pytest_fairness.strategies import GroupComposition
        >>> GroupComposition({"gender": ["female", "male"]}, [1, 2]).to_frame()
           gender
        0  female
        1    male
        2    male
        """
        import numpy as np  # noqa: PLC0415 - the type imports nothing heavy
        import pandas as pd  # noqa: PLC0415

        rows = np.repeat(np.arange(len(self.sizes)), self.sizes)
        if random_state is not None:
            rows = np.random.default_rng(random_state).permutation(rows)
        table = self._cell_table()[rows]
        return pd.DataFrame(
            {
                name: pd.Index(list(lv), tupleize_cols=False).take(table[:, j])
                for j, (name, lv) in enumerate(
                    zip(self.names, self.levels, strict=True)
                )
            }
        )

    def sample(
        self,
        data: pd.DataFrame,
        *,
        random_state: int | None = None,
        replace: bool = False,
    ) -> pd.DataFrame:
        """Draw rows of ``data`` so that the sample has this composition.

        Feed the result to an existing model to audit it on another mix of
        people than the test set happens to hold.

        Parameters
        ----------
        data : pandas.DataFrame
            Holds a column per attribute (rows whose levels are not declared
            are never drawn).
        random_state : int, optional
            Seed of the draw and of the shuffle of the sampled rows. Defaults
            to :attr:`seed`: the seed hypothesis drew with the composition
            (so that a failing example replays and shrinks with the same
            rows), or 0 for a composition written by hand.
        replace : bool, default=False
            Draw with replacement, so that a cell may ask for more rows than
            ``data`` holds. The rows drawn twice keep their index label, and
            the frame is marked (``attrs["pytest_fairness.resampled"]``), so
            that ``fairness.check`` with ``confidence=`` refuses it (an
            interval would count every copy as another person) and counts
            the distinct rows of each group.

        Returns
        -------
        pandas.DataFrame
            :attr:`total` rows of ``data`` (index kept), shuffled, with
            exactly :attr:`sizes` rows per cell.

        Raises
        ------
        FairnessValueError
            When ``data`` lacks an attribute column, or a cell asks for more
            rows than ``data`` holds (without ``replace``).

        Examples
        --------
        >>> import pandas as pd
        >>> from pytest_fairness.strategies import GroupComposition
        >>> people = pd.DataFrame({"gender": ["female"] * 10 + ["male"] * 10})
        >>> c = GroupComposition({"gender": ["female", "male"]}, [2, 6])
        >>> c.sample(people, random_state=0)["gender"].value_counts().to_dict()
        {'male': 6, 'female': 2}
        """
        import numpy as np  # noqa: PLC0415 - the type imports nothing heavy
        import pandas as pd  # noqa: PLC0415

        missing = [n for n in self.names if n not in getattr(data, "columns", ())]
        if missing:
            msg = (
                f"data must hold a column per attribute; missing {missing!r}. "
                f"Got columns {list(getattr(data, 'columns', []))!r}."
            )
            raise FairnessValueError(msg)
        shape = tuple(len(lv) for lv in self.levels)
        codes = []
        for name, lv in zip(self.names, self.levels, strict=True):
            # factorise the column, then place its few distinct values
            found, distinct = pd.factorize(np.asarray(data[name]))
            where = pd.Index(list(lv), tupleize_cols=False).get_indexer(
                pd.Index(distinct, tupleize_cols=False)
            )
            codes.append(np.append(where, -1)[found])
        known = np.logical_and.reduce([c >= 0 for c in codes])
        cell = np.full(len(data), -1, dtype=np.intp)
        cell[known] = np.ravel_multi_index(tuple(c[known] for c in codes), shape)
        order = np.argsort(cell, kind="stable")
        available = np.bincount(cell[known], minlength=len(self.sizes))
        starts = np.searchsorted(cell[order], np.arange(len(self.sizes)))
        rng = np.random.default_rng(self.seed if random_state is None else random_state)
        chosen = []
        for i, (want, have) in enumerate(zip(self.sizes, available, strict=True)):
            if not want:
                continue
            if have < want and not (replace and have):
                msg = (
                    f"data holds {int(have)} row(s) of group "
                    f"({_format_cell(self.cells[i])}), the composition asks for "
                    f"{want}. Pass replace=True or a larger data set."
                )
                raise FairnessValueError(msg)
            rows = order[starts[i] : starts[i] + have]
            chosen.append(rng.choice(rows, size=want, replace=bool(replace)))
        picked = np.concatenate(chosen) if chosen else np.empty(0, dtype=np.intp)
        sampled = data.iloc[rng.permutation(picked)]
        if replace:
            sampled.attrs = {**sampled.attrs, RESAMPLED: True}
        return sampled

    # -- rendering -------------------------------------------------------------
    def __repr__(self) -> str:
        seed = f", seed={self.seed!r}" if self.seed else ""
        return f"GroupComposition({self.attributes!r}, sizes={self.sizes!r}{seed})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """Print :func:`repr` in hypothesis' (and IPython's) pretty printer."""
        printer.text(repr(self))

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def lines(self) -> list[str]:
        """Render the composition as a table of cells, rows and shares.

        Returns
        -------
        list of str
            A headline, then one line per cell.
        """
        total = self.total
        empty = sum(1 for n in self.sizes if not n)
        head = (
            f"composition of {total:,} rows over {' × '.join(self.names)} "
            f"({len(self.sizes)} cells" + (f", {empty} empty" if empty else "") + ")"
        )
        labels = [_format_cell(c) for c in self.cells]
        width = max(len(s) for s in labels)
        digits = max(len(f"{n:,}") for n in self.sizes)
        body = [
            f"  {label:<{width}}  {n:>{digits},}  {n / total if total else 0:>6.1%}"
            for label, n in zip(labels, self.sizes, strict=True)
        ]
        return [head, *body]
