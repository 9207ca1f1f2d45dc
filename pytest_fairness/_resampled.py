"""Rows drawn with replacement: detected, so that no interval rests on copies.

A data set resampled with replacement repeats rows. Its rates are those of
the mix it was drawn for, but an interval computed on it counts every copy as
another person and comes out too narrow (17 distinct rows resampled to 300
look like 300). Resampled pandas rows are recognised by their repeated index
labels (the rows keep the label of the row they copy), or by the mark
:meth:`~pytest_fairness.strategies.GroupComposition.sample` puts on the
frames it draws with ``replace=True``.

Nothing is imported here: pandas objects are recognised by their attributes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["RESAMPLED", "Resampled", "find_resampled"]

#: The key of ``DataFrame.attrs`` that marks rows drawn with replacement.
RESAMPLED = "pytest_fairness.resampled"


@dataclass(frozen=True)
class Resampled:
    """How many rows, and how many distinct rows, resampled data holds.

    Attributes
    ----------
    rows : int
        Rows in all.
    distinct : int or None
        Distinct rows (distinct index labels); None when the index no
        longer tells (it was reset after the draw).
    groups : tuple of (str, int, int)
        Per group: its levels, its rows and its distinct rows (empty when
        the groups could not be read from a pandas object).
    marked : bool
        Whether an input carries the mark of a draw with replacement (else
        only its index labels repeat, which frames concatenated without
        ``ignore_index=True`` also do).
    """

    rows: int
    distinct: int | None
    groups: tuple[tuple[str, int, int], ...] = ()
    marked: bool = False

    def lines(self) -> list[str]:
        """Return one line per group (or one for all rows): rows and distinct.

        Returns
        -------
        list of str
            ``"female: 300 rows, 17 distinct"``, or the totals.
        """
        if self.groups:
            return [f"{g}: {n} rows, {d} distinct" for g, n, d in self.groups]
        if self.distinct is None:
            return [f"{self.rows} rows, how many distinct unknown (index reset)"]
        return [f"{self.rows} rows, {self.distinct} distinct"]


def _index(obj: Any) -> Any:
    index = getattr(obj, "index", None)
    return index if hasattr(index, "has_duplicates") else None


def _marked(obj: Any) -> bool:
    attrs = getattr(obj, "attrs", None)
    return isinstance(attrs, dict) and attrs.get(RESAMPLED) is True


def _groups(sensitive: Any, data: Any) -> tuple[tuple[str, int, int], ...]:
    """Return rows and distinct index labels per group of a pandas input."""
    frame = sensitive
    if isinstance(sensitive, list | tuple) and data is not None:
        frame = data[list(sensitive)] if _index(data) is not None else None
    if _index(frame) is None:
        return ()
    if getattr(frame, "ndim", 2) == 1:
        frame = frame.to_frame()
    labels = frame.index.to_series(index=range(len(frame)))
    keys = [frame[c].astype(str).to_numpy() for c in frame.columns]
    stats = labels.groupby(keys).agg(["size", "nunique"])
    out = []
    for key, row in stats.iterrows():
        levels = ", ".join(key) if isinstance(key, tuple) else str(key)
        out.append((levels, int(row["size"]), int(row["nunique"])))
    return tuple(out)


def find_resampled(
    *inputs: Any, sensitive: Any = None, data: Any = None
) -> Resampled | None:
    """Return the counts of resampled inputs, or None for distinct rows.

    Parameters
    ----------
    *inputs : object
        The arrays, series or frames of one check (``y_true``, ``y_pred``
        ...); anything without a pandas index is passed over.
    sensitive : object, optional
        The sensitive features (a series, a frame, or column names of
        ``data``), to count rows per group.
    data : object, optional
        The frame the columns are named in.

    Returns
    -------
    Resampled or None
        None when no input repeats an index label or carries the mark of
        :meth:`~pytest_fairness.strategies.GroupComposition.sample`;
        ``marked`` tells the mark from repeated labels alone.
    """
    candidates = [x for x in (data, sensitive, *inputs) if _index(x) is not None]
    repeated = next((x for x in candidates if _index(x).has_duplicates), None)
    marked = any(_marked(x) for x in candidates)
    if repeated is None:
        if not marked:
            return None
        first = candidates[0]
        return Resampled(rows=len(first), distinct=None, marked=True)
    index = _index(repeated)
    groups = _groups(sensitive, data) if sensitive is not None else ()
    if groups and sum(n for _, n, _ in groups) != len(index):
        groups = ()
    return Resampled(
        rows=len(index), distinct=int(index.nunique()), groups=groups, marked=marked
    )
