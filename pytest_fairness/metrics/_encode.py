"""Combine factorised sensitive columns into one integer group code.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import NDArray

__all__ = ["CHUNK_ROWS", "combine_codes", "combine_into", "slot_space"]

# Up to this many combinations the code space is the full cartesian product
# (no sort needed); beyond it, codes are compressed to those that occur.
_MAX_DENSE_GROUPS = 1 << 20


def combine_codes(
    codes: Sequence[NDArray[np.intp]], n_levels: Sequence[int]
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Encode several columns of level codes as one group code per row.

    Parameters
    ----------
    codes : sequence of ndarray of intp
        One array of level codes per column, all of the same length.
    n_levels : sequence of int
        Number of levels of each column.

    Returns
    -------
    group : ndarray of intp
        The group code of each row.
    table : ndarray of intp, shape (n_groups, n_columns)
        The level code of each column for every group code. Some groups of
        the code space may not occur in the data (the product is not
        compressed while it is small); counts tell which do.

    Notes
    -----
    The first column varies slowest, so group codes sort like the tuples of
    levels. No loop runs over rows.
    """
    group = codes[0]
    table = np.arange(n_levels[0], dtype=np.intp)[:, None]
    n_groups = n_levels[0]
    for i, (col_codes, k) in enumerate(zip(codes[1:], n_levels[1:], strict=True)):
        if i == 0:
            group = group * k  # a new array: the caller's codes stay untouched
        else:
            group *= k
        group += col_codes
        if n_groups * k <= _MAX_DENSE_GROUPS:
            table = np.column_stack(
                [
                    np.repeat(table, k, axis=0),
                    np.tile(np.arange(k, dtype=np.intp), n_groups),
                ]
            )
            n_groups *= k
        else:
            uniq, group = np.unique(group, return_inverse=True)
            table = np.column_stack([table[uniq // k], uniq % k])
            n_groups = uniq.shape[0]
    return np.asarray(group, dtype=np.intp), table


#: Rows encoded at once by :func:`combine_into` callers that work in chunks:
#: the working arrays stay in the CPU cache and their size does not grow with
#: the number of rows.
CHUNK_ROWS = 1 << 18


def slot_space(sizes: Sequence[int]) -> int:
    """Return the number of slots of the cartesian product of code ranges.

    Parameters
    ----------
    sizes : sequence of int
        Number of code slots of each column.

    Returns
    -------
    int
        Their product (1 for no column).
    """
    total = 1
    for k in sizes:
        total *= int(k)
    return total


def combine_into(
    codes: Sequence[NDArray[Any]],
    offsets: Sequence[int],
    sizes: Sequence[int],
    start: int,
    stop: int,
    out: NDArray[np.intp],
) -> NDArray[np.intp]:
    """Write the slot of rows ``start:stop`` in the product of the code ranges.

    Parameters
    ----------
    codes : sequence of ndarray of int
        One array of integer codes per column (any integer dtype, used as
        they are: category codes, small integers).
    offsets : sequence of int
        The smallest code of each column: slot ``codes - offset``.
    sizes : sequence of int
        Number of slots of each column; every ``codes - offset`` lies in
        ``[0, size)``.
    start, stop : int
        The rows.
    out : ndarray of intp
        At least ``stop - start`` long; the first ``stop - start`` entries
        receive the slots.

    Returns
    -------
    ndarray of intp
        ``out[: stop - start]``: the slots, the first column varying slowest
        (slots sort like the tuples of levels, as :func:`combine_codes`).
    """
    slot = out[: stop - start]
    first = codes[0][start:stop]
    np.copyto(slot, first, casting="unsafe")
    if offsets[0]:
        slot -= offsets[0]
    for col, offset, k in zip(codes[1:], offsets[1:], sizes[1:], strict=True):
        slot *= k
        np.add(slot, col[start:stop], out=slot, casting="unsafe")
        if offset:
            slot -= offset
    return slot
