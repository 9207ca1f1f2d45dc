"""A tuple built on first full use, for labels and reasons of many groups."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, TypeVar, overload

T = TypeVar("T")

__all__ = ["LazyTuple"]


class LazyTuple(Sequence[T]):
    """A sequence that reads as a tuple and lists its items only when read.

    Subclasses give :meth:`_all` (the tuple, built once) and ``__len__``; the
    rest (iteration, indexing, ``in``, equality, hashing, repr, pickling as a
    plain tuple) reads that tuple, so every reader sees a tuple.
    """

    __slots__ = ()

    def _all(self) -> tuple[T, ...]:  # pragma: no cover - every subclass has one
        raise NotImplementedError

    def __len__(self) -> int:  # pragma: no cover - every subclass has one
        raise NotImplementedError

    @overload
    def __getitem__(self, i: int) -> T: ...
    @overload
    def __getitem__(self, i: slice) -> tuple[T, ...]: ...
    def __getitem__(self, i: int | slice) -> T | tuple[T, ...]:
        return self._all()[i]

    def __iter__(self) -> Iterator[T]:
        return iter(self._all())

    def __contains__(self, value: object) -> bool:
        return value in self._all()

    def index(self, value: Any, start: int = 0, stop: int | None = None) -> int:
        """Return the position of ``value``, as :meth:`tuple.index`.

        Parameters
        ----------
        value : object
            An item.
        start, stop : int, optional
            Where to look.

        Returns
        -------
        int
            Its position.
        """
        return self._all().index(value, start, *(() if stop is None else (stop,)))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyTuple | tuple):
            return self._all() == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._all())

    def __repr__(self) -> str:
        return repr(self._all())

    def __reduce__(self) -> tuple[type, tuple[tuple[T, ...]]]:
        return tuple, (self._all(),)
