"""Group codes from sensitive features, for the intervention estimators.

The same factorisation as :func:`pytest_fairness.audit` (intersections of every
sensitive column), packaged for fitting and predicting: a fitted estimator keeps
the groups it saw and maps new data onto them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from pytest_fairness._inputs import sensitive_columns
from pytest_fairness._validation import fail
from pytest_fairness.metrics import combine_codes

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["GroupEncoding", "encode_groups"]


@dataclass(frozen=True, slots=True)
class GroupEncoding:
    """Intersectional groups seen in some data, and each row's group.

    Attributes
    ----------
    codes : ndarray of intp
        Position of each row's group in ``groups``.
    groups : tuple of tuple
        The groups that occur (tuples of levels, one per sensitive column),
        sorted.
    attributes : tuple of str
        The sensitive columns.
    """

    codes: NDArray[np.intp]
    groups: tuple[tuple[Any, ...], ...]
    attributes: tuple[str, ...]

    @property
    def n_groups(self) -> int:
        """Number of groups."""
        return len(self.groups)

    def map_to(
        self, known: tuple[tuple[Any, ...], ...], *, unseen: str = "error"
    ) -> NDArray[np.intp]:
        """Return each row's position in ``known`` (groups seen at fit time).

        Parameters
        ----------
        known : tuple of tuple
            The groups of the fitted estimator.
        unseen : {"error", "minus_one"}, default="error"
            What a group absent from ``known`` becomes: an error naming it, or
            the code -1 for the caller to handle.

        Returns
        -------
        ndarray of intp
            Positions in ``known`` (or -1).

        Raises
        ------
        FairnessValueError
            With ``unseen="error"``, when some group was not seen at fit time.
        """
        index = {g: i for i, g in enumerate(known)}
        lookup = np.array([index.get(g, -1) for g in self.groups], dtype=np.intp)
        if unseen == "error" and (lookup < 0).any():
            missing = [g for g, i in zip(self.groups, lookup, strict=True) if i < 0]
            msg = (
                f"sensitive_features hold group(s) not seen at fit time: "
                f"{missing[:5]!r}. Known groups: {list(known)[:10]!r}."
            )
            raise fail(msg)
        return lookup[self.codes]


def encode_groups(sensitive_features: Any, n_rows: int) -> GroupEncoding:
    """Encode sensitive features (any accepted form) as intersectional groups.

    Parameters
    ----------
    sensitive_features : array-like, Series, DataFrame or dict
        One or several sensitive columns.
    n_rows : int
        Expected number of rows.

    Returns
    -------
    GroupEncoding
        Each row's group among the groups that occur.

    Raises
    ------
    FairnessValueError
        On a length mismatch or missing values (the message names the column).
    """
    columns = sensitive_columns(sensitive_features, n_rows)
    group, table = combine_codes(
        [c.codes for c in columns], [len(c.levels) for c in columns]
    )
    present, codes = np.unique(group, return_inverse=True)
    groups = tuple(
        tuple(columns[j].levels[table[p, j]] for j in range(len(columns)))
        for p in present
    )
    return GroupEncoding(codes.astype(np.intp), groups, tuple(c.name for c in columns))
