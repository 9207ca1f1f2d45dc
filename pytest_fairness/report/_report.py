"""FairnessReport: per-group metrics, disparities, gates and serialisation.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal, overload

import numpy as np

from pytest_fairness._labels import (
    decode_group,
    decode_label,
    encode_group,
    encode_label,
    is_tagged,
)
from pytest_fairness._validation import check_choice, check_probability, fail
from pytest_fairness._version import __version__
from pytest_fairness.exceptions import FairnessValueError, FairnessWarning
from pytest_fairness.gates import GateResult, evaluate
from pytest_fairness.metrics import (
    METRICS,
    Disparity,
    DisparitySpec,
    GroupCounts,
    GroupValue,
    compute_disparity,
    is_partial_rate,
    metric_values,
    resolve_disparity,
    resolve_metric,
)
from pytest_fairness.metrics._intervals import (
    effective_size,
    newcombe_interval,
    pair_interval,
    percentile_interval,
    wilson_interval,
    wilson_pair_limits,
)
from pytest_fairness.report._replicates import Bootstrap

if TYPE_CHECKING:
    from collections.abc import Iterator

    import pandas as pd
    from numpy.typing import NDArray

    from pytest_fairness.gates._bounds import BoundsLike

__all__ = ["SCHEMA_VERSION", "FairnessReport", "GroupLabels", "GroupTable"]

# Schema 2 adds tagged group labels ({"$bytes": ...}, see pytest_fairness._labels);
# a report whose labels are all plain JSON is still written as schema 1.
SCHEMA_VERSION = 2
_READABLE_SCHEMAS = (1, 2)
Task = Literal["binary", "regression"]
Reference = None | str | tuple[Any, ...] | Mapping[str, Any]
CiMethod = Literal["bootstrap", "newcombe"]
Correction = Literal["holm", "bonferroni", "none"]
CI_METHODS: tuple[CiMethod, ...] = ("bootstrap", "newcombe")
CORRECTIONS: tuple[Correction, ...] = ("holm", "bonferroni", "none")


class GroupLabels(Sequence[tuple[Any, ...]]):
    """Each group's tuple of levels, built from level codes on first full use.

    Reads as the tuple of group labels it stands for (iterates, indexes,
    compares and prints as that tuple), but a single group, a count or a
    lookup needs no label of the other groups: an audit of 100,000 groups
    builds 100,000 tuples only when a table or a message lists them all.

    Parameters
    ----------
    codes : ndarray of intp, shape (n_groups, n_columns)
        The position of each group's level among its column's levels.
    levels : sequence of sequences
        The levels of every column (tuples, or lazy ``Levels``).
    """

    __slots__ = ("_codes", "_items", "_levels")

    def __init__(
        self, codes: NDArray[np.intp], levels: Sequence[Sequence[Any]]
    ) -> None:
        self._codes = codes
        self._levels = tuple(levels)
        self._items: tuple[tuple[Any, ...], ...] | None = None

    def _all(self) -> tuple[tuple[Any, ...], ...]:
        if self._items is None:
            n = self._codes.shape[0]
            per_column: list[Sequence[Any]] = []
            for j, lv in enumerate(self._levels):
                codes = self._codes[:, j]
                if len(lv) == n and np.array_equal(codes, np.arange(n)):
                    per_column.append(lv)  # one group per level, in level order
                else:
                    per_column.append(list(map(lv.__getitem__, codes.tolist())))
            self._items = tuple(zip(*per_column, strict=True))
        return self._items

    def __len__(self) -> int:
        return int(self._codes.shape[0])

    @overload
    def __getitem__(self, i: int) -> tuple[Any, ...]: ...
    @overload
    def __getitem__(self, i: slice) -> tuple[tuple[Any, ...], ...]: ...
    def __getitem__(
        self, i: int | slice
    ) -> tuple[Any, ...] | tuple[tuple[Any, ...], ...]:
        if self._items is not None or isinstance(i, slice):
            return self._all()[i]
        row = self._codes[i].tolist()
        return tuple(lv[c] for lv, c in zip(self._levels, row, strict=True))

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(self._all())

    def __contains__(self, value: object) -> bool:
        return value in self._all()

    def index(self, value: Any, start: int = 0, stop: int | None = None) -> int:
        """Return the position of the first group equal to ``value``.

        Parameters
        ----------
        value : tuple
            A group label.
        start, stop : int, optional
            Where to look, as for :meth:`tuple.index`.

        Returns
        -------
        int
            The position.

        Raises
        ------
        ValueError
            When no group equals ``value``.
        """
        if self._items is not None or start or stop is not None:
            return self._all().index(value, start, *(() if stop is None else (stop,)))
        if not isinstance(value, tuple) or len(value) != len(self._levels):
            msg = f"{value!r} is not a group"
            raise ValueError(msg)
        match = np.ones(self._codes.shape[0], dtype=bool)
        for j, (lv, v) in enumerate(zip(self._levels, value, strict=True)):
            try:
                k = lv.index(v)
            except ValueError:
                msg = f"{value!r} is not a group"
                raise ValueError(msg) from None
            match &= self._codes[:, j] == k
        found = np.flatnonzero(match)
        if not found.size:
            msg = f"{value!r} is not a group"
            raise ValueError(msg)
        return int(found[0])

    def __eq__(self, other: object) -> bool:
        if isinstance(other, GroupLabels | tuple):
            return self._all() == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._all())

    def __add__(self, other: object) -> tuple[Any, ...]:
        if isinstance(other, GroupLabels | tuple):
            return self._all() + tuple(other)
        return NotImplemented

    def __radd__(self, other: object) -> tuple[Any, ...]:
        if isinstance(other, tuple):
            return other + self._all()
        return NotImplemented

    def __repr__(self) -> str:
        return repr(self._all())

    def __reduce__(self) -> tuple[type, tuple[tuple[tuple[Any, ...], ...]]]:
        return tuple, (self._all(),)


@dataclass(frozen=True, slots=True, eq=False)
class GroupTable:
    """Groups over some sensitive columns, with their counts.

    Attributes
    ----------
    attributes : tuple of str
        The sensitive columns the groups are defined on.
    groups : tuple of tuple, or GroupLabels
        Each group's levels, one per attribute (the audit gives a
        :class:`GroupLabels`, which reads as that tuple).
    counts : GroupCounts
        Sufficient statistics, aligned with ``groups``.
    extra : mapping of str to ndarray
        Per-group values that are not sums over rows (``auc``).
    codes : ndarray of intp, shape (n_groups, n_attributes), optional
        The position of each group's level among the levels of its column,
        when known (the audit knows it): it lets a disparity find the levels
        no compared group carries without reading the labels.
    """

    attributes: tuple[str, ...]
    groups: Sequence[tuple[Any, ...]]
    counts: GroupCounts
    extra: Mapping[str, NDArray[np.float64]] = field(default_factory=dict)
    codes: NDArray[np.intp] | None = None
    _values: dict[str, NDArray[np.float64]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def values(self, metric: str) -> NDArray[np.float64]:
        """Return one metric for every group.

        Parameters
        ----------
        metric : str
            Canonical metric name.

        Returns
        -------
        ndarray of float64
            The values, NaN where undefined (computed once per metric; the
            array is shared, and read-only).
        """
        if metric not in self._values:
            values = metric_values(self.counts, metric, self.extra)
            values.flags.writeable = False
            self._values[metric] = values
        return self._values[metric]

    def index_of(self, group: tuple[Any, ...]) -> int | None:
        """Return the position of a group, or None when it does not occur."""
        try:
            return self.groups.index(group)
        except ValueError:
            return None

    def to_dict(self) -> dict[str, Any]:
        """Return the table as JSON-friendly data (the counts, not the metrics)."""
        c = self.counts
        out: list[dict[str, Any]] = []
        for i, g in enumerate(self.groups):
            entry: dict[str, Any] = {
                "group": encode_group(g),
                "rows": int(c.rows[i]),
                "weight": float(c.weight[i]),
            }
            if c.cells is not None and c.cell_rows is not None:
                entry["cells"] = [float(v) for v in c.cells[i]]
                entry["cell_rows"] = [int(v) for v in c.cell_rows[i]]
            if c.sums:
                entry["sums"] = {
                    k: np.asarray(v[i]).tolist() for k, v in c.sums.items()
                }
            if self.extra:
                entry["extra"] = {k: _jf(v[i]) for k, v in self.extra.items()}
            out.append(entry)
        return {"attributes": list(self.attributes), "groups": out}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GroupTable:
        """Rebuild a table from :meth:`to_dict` output.

        Parameters
        ----------
        data : mapping
            The output of :meth:`to_dict`.

        Returns
        -------
        GroupTable
            The same groups and counts.
        """
        entries = data["groups"]
        rows = np.array([e["rows"] for e in entries], dtype=np.int64)
        weight = np.array([e["weight"] for e in entries], dtype=np.float64)
        has_cells = bool(entries) and "cells" in entries[0]
        cells = (
            np.array([e["cells"] for e in entries], dtype=np.float64)
            if has_cells
            else None
        )
        cell_rows = (
            np.array([e["cell_rows"] for e in entries], dtype=np.int64)
            if has_cells
            else None
        )
        sum_keys = entries[0].get("sums", {}).keys() if entries else ()
        sums = {
            k: np.array([e["sums"][k] for e in entries], dtype=np.float64)
            for k in sum_keys
        }
        extra_keys = entries[0].get("extra", {}).keys() if entries else ()
        extra = {
            k: np.array(
                [np.nan if e["extra"][k] is None else e["extra"][k] for e in entries],
                dtype=np.float64,
            )
            for k in extra_keys
        }
        return cls(
            tuple(data["attributes"]),
            tuple(decode_group(e["group"]) for e in entries),
            GroupCounts(rows, weight, cells, cell_rows, sums),
            extra,
        )


def _disparity_dict(d: Disparity) -> dict[str, Any]:
    """Return ``d.to_dict()`` with its group labels encoded for JSON."""
    out = d.to_dict()
    for side in ("low", "high"):
        gv = getattr(d, side)
        if gv is not None:
            out[side]["group"] = encode_group(gv.group)
    out["excluded"] = [[encode_group(g), r] for g, r in d.excluded]
    out["lost_levels"] = [
        {**lost.to_dict(), "level": encode_label(lost.level)} for lost in d.lost_levels
    ]
    if d.reference is not None:
        out["reference"] = encode_group(d.reference)
    return out


def _jf(value: Any) -> float | None:
    value = float(value)
    return None if math.isnan(value) else value


def _label(group: Sequence[Any]) -> str:
    return ", ".join(str(v) for v in group) if len(group) else "(all)"


@dataclass(frozen=True, eq=False)
class FairnessReport:
    """The result of :func:`~pytest_fairness.report`: metrics per group and disparities.

    Build it with :func:`~pytest_fairness.report`; every number in it derives
    from the per-group counts it holds, so it serialises losslessly with
    :meth:`to_dict` / :meth:`from_dict`.

    Attributes
    ----------
    table : GroupTable
        The groups disparities are taken over: intersections of every
        sensitive column (or the single column).
    marginals : dict of str to GroupTable
        The groups of each sensitive column alone.
    overall_table : GroupTable
        The whole population as one group.
    metrics : tuple of str
        The metrics shown in :attr:`by_group`.
    task : {"binary", "regression"}
        The kind of target.
    intersectional : bool
        Whether disparities compare intersections (True) or the groups of
        each column separately, reporting the worst column (False).
    min_group_size : int
        Groups with fewer rows are reported and flagged but left out of
        disparities.
    min_denominator : int
        A group's rate takes part in a disparity only when this many rows
        make up its denominator (actual positives for TPR, predicted
        positives for PPV, ...).
    reference : None, "majority", a group, or a dict of column to level
        What groups are compared with (see :meth:`disparity`).
    pos_label : object
        The label counted as the positive outcome (binary targets).
    n_rows : int
        Number of rows audited.
    confidence : float or None
        Confidence level of intervals; None for point estimates only.
    n_boot : int
        Bootstrap replicates behind disparity intervals.
    random_state : int or None
        Seed of the bootstrap.
    ci_method : {"bootstrap", "newcombe"}
        How disparity intervals are computed.
    correction : {"holm", "bonferroni", "none"}
        Multiple-comparison correction across the bounds of a gate.
    """

    table: GroupTable
    marginals: Mapping[str, GroupTable]
    overall_table: GroupTable
    metrics: tuple[str, ...]
    task: Task = "binary"
    intersectional: bool = True
    min_group_size: int = 30
    min_denominator: int = 1
    reference: Reference = None
    pos_label: Any = 1
    n_rows: int = 0
    confidence: float | None = None
    n_boot: int = 1000
    random_state: int | None = 0
    ci_method: CiMethod = "bootstrap"
    correction: Correction = "holm"

    # -- structure -----------------------------------------------------------
    @property
    def attributes(self) -> tuple[str, ...]:
        """The sensitive columns."""
        return self.table.attributes

    @property
    def groups(self) -> tuple[tuple[Any, ...], ...]:
        """The groups of :attr:`by_group` (intersections), as tuples of levels."""
        return tuple(self.table.groups)

    @property
    def n_groups(self) -> int:
        """Number of groups (intersections) that occur in the data."""
        return len(self.table.groups)

    def _tables(self, attribute: str | None) -> list[tuple[str | None, GroupTable]]:
        """Return the tables a disparity is taken over, with their attributes."""
        if attribute is not None:
            if attribute not in self.marginals:
                msg = (
                    f"attribute={attribute!r} is not a sensitive column; "
                    f"the report has {list(self.attributes)!r}."
                )
                raise fail(msg)
            return [(attribute, self.marginals[attribute])]
        if self.intersectional or len(self.attributes) == 1:
            return [(None, self.table)]
        return [(a, t) for a, t in self.marginals.items()]

    def small_groups(self) -> list[GroupValue]:
        """List the groups under ``min_group_size``.

        Returns
        -------
        list of GroupValue
            The small groups of the tables disparities are taken over
            (``value`` and ``count`` hold their rows).
        """
        out = []
        for t, idx in self._small_positions():
            rows = t.counts.rows[idx].tolist()
            out += [
                GroupValue(t.groups[i], float(r), int(r))
                for i, r in zip(idx.tolist(), rows, strict=True)
            ]
        return out

    def _small_positions(self) -> list[tuple[GroupTable, NDArray[np.intp]]]:
        """Return the tables disparities are taken over, with their small groups."""
        return [
            (t, np.flatnonzero(t.counts.rows < self.min_group_size))
            for _, t in self._tables(None)
        ]

    # -- tables --------------------------------------------------------------
    def _frame(self, t: GroupTable, prefix: tuple[str, ...] = ()) -> pd.DataFrame:
        import pandas as pd  # noqa: PLC0415 - loaded on first use

        data: dict[str, Any] = {}
        for m in self.metrics:
            data[m] = np.array(t.values(m))  # the table keeps its own
            if self.confidence is not None and METRICS[m].kind == "binary":
                data[f"{m}_low"], data[f"{m}_high"] = self._wilson(
                    t, m, self.confidence
                )
        data["count"] = t.counts.rows.astype(np.int64)
        data["small_group"] = t.counts.rows < self.min_group_size
        names = list(t.attributes)
        tuples = [(*prefix, *g) for g in t.groups]
        if prefix:
            names = ["attribute", "level"]
        if len(names) == 1:
            index = pd.Index([tp[0] for tp in tuples], name=names[0])
        else:
            index = pd.MultiIndex.from_tuples(tuples, names=names)
        return pd.DataFrame(data, index=index)

    @cached_property
    def by_group(self) -> pd.DataFrame:
        """One row per group: every metric, ``count`` and ``small_group``.

        Intersectional reports index the rows by every sensitive column (a
        MultiIndex); with ``intersectional=False`` and several columns the
        index is (attribute, level). Only groups that occur are listed.
        """
        if self.intersectional or len(self.attributes) == 1:
            return self._frame(self.table)
        import pandas as pd  # noqa: PLC0415 - loaded on first use

        return pd.concat([self._frame(t, (a,)) for a, t in self.marginals.items()])

    def marginal(self, attribute: str) -> pd.DataFrame:
        """Tabulate the groups of one sensitive column alone, like :attr:`by_group`.

        Parameters
        ----------
        attribute : str
            A sensitive column.

        Returns
        -------
        pandas.DataFrame
            One row per level of that column.
        """
        ((_, t),) = self._tables(attribute)
        return self._frame(t)

    @cached_property
    def overall(self) -> pd.Series:
        """Every metric over the whole population, and ``count``."""
        import pandas as pd  # noqa: PLC0415 - loaded on first use

        data: dict[str, float] = {}
        t = self.overall_table
        for m in self.metrics:
            data[m] = float(t.values(m)[0])
            if self.confidence is not None and METRICS[m].kind == "binary":
                low, high = self._wilson(t, m, self.confidence)
                data[f"{m}_low"], data[f"{m}_high"] = float(low[0]), float(high[0])
        data["count"] = float(t.counts.rows[0])
        return pd.Series(data, name="overall")

    def values(
        self, metric: str, *, attribute: str | None = None
    ) -> dict[tuple[Any, ...], float]:
        """Return one metric per group as a dict.

        Parameters
        ----------
        metric : str
            Metric name or alias.
        attribute : str, optional
            Give the groups of this column alone instead of the intersections.

        Returns
        -------
        dict
            Group (tuple of levels) to value.
        """
        metric = self._metric(metric)
        t = self.table if attribute is None else self._tables(attribute)[0][1]
        return {g: float(v) for g, v in zip(t.groups, t.values(metric), strict=True)}

    def denominators(
        self, metric: str, *, attribute: str | None = None
    ) -> dict[tuple[Any, ...], int]:
        """Return the rows in a binary rate's denominator, for every group.

        Parameters
        ----------
        metric : str
            A binary rate or its alias.
        attribute : str, optional
            Give the groups of this column alone instead of the intersections.

        Returns
        -------
        dict
            Group to rows (unweighted): actual positives for ``tpr``, predicted
            positives for ``ppv``, every row for ``selection_rate``.

        Raises
        ------
        FairnessValueError
            For a metric that is not a binary rate.

        Examples
        --------
        >>> import pytest_fairness as pf
        >>> report = pf.audit([1, 1, 0, 1, 0, 0], [1, 0, 0, 1, 1, 0],
        ...                   sensitive_features=list("aaabbb"), min_group_size=1)
        >>> report.denominators("tpr")
        {('a',): 2, ('b',): 1}
        """
        metric = self._metric(metric)
        t = self.table if attribute is None else self._tables(attribute)[0][1]
        cell_rows = t.counts.cell_rows
        if METRICS[metric].kind != "binary" or cell_rows is None:
            msg = f"{metric} is not a binary rate: it has no denominator."
            raise fail(msg)
        den = cell_rows[:, list(METRICS[metric].denominator)].sum(axis=1)
        return {g: int(v) for g, v in zip(t.groups, den, strict=True)}

    def _metric(self, name: str) -> str:
        metric = resolve_metric(name, argname="metric")
        kind = METRICS[metric].kind
        if (
            kind == "score"
            and "auc" not in self.overall_table.extra
            and (metric == "auc" or "brier" not in self.overall_table.counts.sums)
        ):
            msg = f"{metric} needs scores: pass y_score= to audit()."
            raise fail(msg)
        if kind == "binary" and self.task != "binary":
            msg = (
                f"{metric} is a binary metric, but this audit has a continuous target."
            )
            raise fail(msg)
        if kind == "regression" and self.task != "regression":
            msg = (
                f"{metric} is a metric of continuous targets, but this audit has "
                "binary labels."
            )
            raise fail(msg)
        return metric

    # -- disparities ---------------------------------------------------------
    def _reference_index(self, t: GroupTable, attribute: str | None) -> int | None:
        ref = self.reference
        if ref is None:
            return None
        eligible = t.counts.rows >= self.min_group_size
        if isinstance(ref, str) and ref == "majority":
            rows = np.where(eligible, t.counts.rows, -1)
            return int(np.argmax(rows))
        if isinstance(ref, Mapping):
            if attribute is None:
                key = tuple(ref.get(a) for a in t.attributes)
            else:
                key = (ref.get(attribute),)
        elif isinstance(ref, tuple):
            key = ref
        else:
            key = (ref,)
        i = t.index_of(key)
        if i is None:
            shown = ", ".join(repr(g if len(g) > 1 else g[0]) for g in t.groups[:10])
            msg = (
                f"reference={ref!r} is not a group of the data. Pass 'majority', "
                f"None, or one of: {shown}."
            )
            raise FairnessValueError(msg)
        return i

    def disparity(self, name: str, *, attribute: str | None = None) -> Disparity:
        """Compute a named disparity with the pair of groups behind it.

        Parameters
        ----------
        name : str
            ``demographic_parity_difference``, ``equalized_odds_ratio``, ...,
            or ``<metric>_difference`` / ``<metric>_ratio`` for any metric.
        attribute : str, optional
            Compare the groups of this column alone instead of the intersections.

        Returns
        -------
        Disparity
            Its value, the worst pair of groups with their values and counts,
            and the groups left out (too small, or metric undefined).

        Notes
        -----
        Without a reference, the difference is ``max - min`` and the ratio
        ``min / max`` over the compared groups, as fairlearn computes them.
        With ``reference``, the difference is the largest distance of a group
        to the reference group and the ratio the smallest
        ``min(v / v_ref, v_ref / v)``. With ``intersectional=False`` and
        several columns, the worst column's disparity is returned.
        """
        spec = resolve_disparity(name)
        metrics = tuple(self._metric(m) for m in spec.metrics)
        results = []
        for attr, t in self._tables(attribute):
            values = {m: t.values(m) for m in metrics}
            results.append(
                compute_disparity(
                    spec,
                    values,
                    t.groups,
                    t.counts.rows,
                    min_group_size=self.min_group_size,
                    reference=self._reference_index(t, attr),
                    attribute=attr,
                    cell_rows=t.counts.cell_rows,
                    min_denominator=self.min_denominator,
                    attributes=t.attributes,
                    level_codes=t.codes,
                )
            )
        if len(results) == 1:
            result = results[0]
        elif any(math.isnan(r.value) for r in results):
            result = next(r for r in results if math.isnan(r.value))
        else:
            key = (
                (lambda r: r.value)
                if spec.kind == "difference"
                else (lambda r: -r.value)
            )
            result = max(results, key=key)
        if len(results) > 1:
            lost = tuple(dict.fromkeys(x for r in results for x in r.lost_levels))
            result = replace(result, lost_levels=lost)
        if self.confidence is None:
            return result
        interval = self._disparity_interval(
            result, spec, metrics, attribute, self.confidence
        )
        return replace(result, interval=interval, confidence=self.confidence)

    # -- statistics ----------------------------------------------------------
    def _wilson(
        self, t: GroupTable, metric: str, level: float
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Return Wilson intervals of a binary rate for every group of a table."""
        _, n_eff = effective_size(t.counts, METRICS[metric].denominator)
        return wilson_interval(t.values(metric), n_eff, level)

    def _eligible(self, t: GroupTable, metric: str) -> NDArray[np.bool_]:
        """Return the groups whose value of ``metric`` takes part in disparities.

        Large enough (``min_group_size`` rows) and, for binary rates, with
        ``min_denominator`` rows in the rate's denominator. Taken from the
        observed data, and fixed across bootstrap replicates.
        """
        eligible = t.counts.rows >= self.min_group_size
        cell_rows = t.counts.cell_rows
        if cell_rows is not None and is_partial_rate(metric):
            den = cell_rows[:, list(METRICS[metric].denominator)].sum(axis=1)
            eligible = eligible & (den >= self.min_denominator)
        return eligible

    @cached_property
    def _boot(self) -> Bootstrap:
        """The bootstrap replicates and the statistics read from them, cached."""
        return Bootstrap(self)

    @cached_property
    def _cache(self) -> dict[Any, Any]:
        """Disparities and intervals already computed, by name (and level)."""
        return {}

    def _disparity_replicates(
        self, spec: DisparitySpec, metrics: tuple[str, ...], attribute: str | None
    ) -> NDArray[np.float64]:
        return self._boot.disparity(spec, metrics, attribute)

    def _disparity_interval(
        self,
        d: Disparity,
        spec: DisparitySpec,
        metrics: tuple[str, ...],
        attribute: str | None,
        level: float,
    ) -> tuple[float, float]:
        if math.isnan(d.value):
            return math.nan, math.nan
        if any(METRICS[m].kind != "binary" for m in metrics):
            msg = (
                f"no interval for {spec.name}: intervals are computed for binary "
                "rates. Pass confidence=None, or bound a rate's disparity."
            )
            raise fail(msg)
        key = ("interval", spec.name, attribute, level)
        if key not in self._cache:
            self._cache[key] = self._compute_interval(
                d, spec, metrics, attribute, level
            )
        interval: tuple[float, float] = self._cache[key]
        return interval

    def _compute_interval(
        self,
        d: Disparity,
        spec: DisparitySpec,
        metrics: tuple[str, ...],
        attribute: str | None,
        level: float,
    ) -> tuple[float, float]:
        newcombe = (
            self.ci_method == "newcombe"
            and spec.kind == "difference"
            and len(metrics) == 1
            and d.low is not None
            and d.high is not None
        )
        if newcombe and d.low is not None and d.high is not None:
            ((_, t),) = self._tables(d.attribute) if d.attribute else self._tables(None)
            _, n_eff = effective_size(t.counts, METRICS[metrics[0]].denominator)
            i_lo, i_hi = t.index_of(d.low.group), t.index_of(d.high.group)
            if i_lo is None or i_hi is None:  # pragma: no cover - from this table
                msg = "the worst pair is not in its own table"
                raise RuntimeError(msg)
            p1, p2 = d.low.value, d.high.value
            n1, n2 = float(n_eff[i_lo]), float(n_eff[i_hi])
            if p2 < p1:  # a reference comparison: the gap is |p2 - p1|
                p1, p2, n1, n2 = p2, p1, n2, n1
            lo, hi = newcombe_interval(p1, n1, p2, n2, level)
            return (max(lo, 0.0), hi)
        pair = None
        if d.low is not None and d.high is not None and d.metric is not None:
            (_, t), *_ = (
                self._tables(d.attribute) if d.attribute else self._tables(None)
            )
            i_lo, i_hi = t.index_of(d.low.group), t.index_of(d.high.group)
            if i_lo is not None and i_hi is not None:
                pair = (d.attribute, d.metric, i_lo, i_hi)
        stats = self._boot.interval_stats(spec, metrics, attribute, pair)
        whole = percentile_interval(stats.disparity, level)
        if pair is None or stats.pair is None:
            return whole
        pair_iv = pair_interval(stats.pair, 0, 1, spec.kind, level)
        # The fair end holds for every compared pair at once, so that a worst
        # pair picked out of many similar groups does not look worse than it
        # is (docs/statistics.md); the observed pair's own end bounds it.
        # One pair (two groups, one rate): nothing is selected, its own end
        # is exact.
        fair = math.nan if stats.fair is None else stats.fair.end(level)
        if spec.kind == "difference":
            low = pair_iv[0] if math.isnan(fair) else min(pair_iv[0], fair)
            high = max(pair_iv[1], whole[1])
        else:
            high = pair_iv[1] if math.isnan(fair) else max(pair_iv[1], fair)
            low = min(pair_iv[0], whole[0])
        return self._widen_to_wilson(d, spec, metrics, attribute, level, low, high)

    def _widen_to_wilson(
        self,
        d: Disparity,
        spec: DisparitySpec,
        metrics: tuple[str, ...],
        attribute: str | None,
        level: float,
        low: float,
        high: float,
    ) -> tuple[float, float]:
        """Widen an interval to what the groups' Wilson intervals imply.

        A rate of 0 or 1, or a rate from a handful of rows, has no spread in
        the bootstrap; the Wilson interval still knows how uncertain it is
        (docs/statistics.md, "Rates at 0 and 1").
        """
        if math.isnan(low) or math.isnan(high):
            return low, high
        unfair_ends, fair = [], math.nan
        for attr, t in self._tables(attribute):
            for m in metrics:
                wl, wh = self._wilson(t, m, level)
                pair = None
                if (
                    m == d.metric
                    and attr == d.attribute
                    and d.low is not None
                    and d.high is not None
                ):
                    i_lo, i_hi = t.index_of(d.low.group), t.index_of(d.high.group)
                    if i_lo is not None and i_hi is not None:
                        pair = (i_lo, i_hi)
                unfair, fair_m = wilson_pair_limits(
                    t.values(m),
                    wl,
                    wh,
                    self._eligible(t, m),
                    spec.kind,
                    reference=self._reference_index(t, attr),
                    pair=pair,
                )
                unfair_ends.append(unfair)
                if pair is not None:
                    fair = fair_m
        finite = [u for u in unfair_ends if not math.isnan(u)]
        if spec.kind == "difference":
            if finite:
                high = max(high, *finite)
            if not math.isnan(fair):
                low = min(low, fair)
        else:
            if finite:
                low = min(low, *finite)
            if not math.isnan(fair):
                high = max(high, fair)
        return low, high

    def interval(
        self, name: str, *, attribute: str | None = None, level: float | None = None
    ) -> tuple[float, float]:
        """Return the confidence interval of a disparity or of an overall rate.

        Parameters
        ----------
        name : str
            A disparity (``"demographic_parity_difference"``, ...) or a binary
            rate (``"selection_rate"``: its overall Wilson interval).
        attribute : str, optional
            For a disparity, compare the groups of this column alone.
        level : float, optional
            Confidence level; defaults to the audit's ``confidence``.

        Returns
        -------
        tuple of float
            ``(low, high)``; NaN when the value itself is undefined.

        Raises
        ------
        FairnessValueError
            Without a level (no ``confidence`` in the audit and no ``level``),
            or for a metric without intervals.
        """
        if level is None:
            level = self.confidence
        if level is None:
            msg = (
                f"no confidence level for the interval of {name!r}: pass "
                "confidence= to audit() or level= here."
            )
            raise fail(msg)
        level = check_probability("level", level)
        if name.endswith(("_difference", "_ratio")):
            spec = resolve_disparity(name)
            metrics = tuple(self._metric(m) for m in spec.metrics)
            d = self.disparity(name, attribute=attribute)
            return self._disparity_interval(d, spec, metrics, attribute, level)
        metric = self._metric(name)
        if METRICS[metric].kind != "binary":
            msg = f"no interval for {metric}: intervals are computed for binary rates."
            raise fail(msg)
        low, high = self._wilson(self.overall_table, metric, level)
        return float(low[0]), float(high[0])

    def difference(self, metric: str, *, attribute: str | None = None) -> float:
        """Return the difference of a metric between groups (0 is parity).

        Parameters
        ----------
        metric : str
            Metric name or alias.
        attribute : str, optional
            Compare the groups of this column alone.

        Returns
        -------
        float
            ``max - min`` over the compared groups (or the largest distance to
            the reference group); NaN when fewer than two can be compared.
        """
        return self.disparity(f"{metric}_difference", attribute=attribute).value

    def ratio(self, metric: str, *, attribute: str | None = None) -> float:
        """Return the ratio of a metric between groups (1 is parity).

        Parameters
        ----------
        metric : str
            Metric name or alias.
        attribute : str, optional
            Compare the groups of this column alone.

        Returns
        -------
        float
            ``min / max`` over the compared groups (or the smallest folded ratio
            to the reference group); NaN when undefined.
        """
        return self.disparity(f"{metric}_ratio", attribute=attribute).value

    @property
    def demographic_parity_difference(self) -> float:
        """Largest gap in selection rate between groups."""
        return self.disparity("demographic_parity_difference").value

    @property
    def demographic_parity_ratio(self) -> float:
        """Smallest ratio of selection rates between groups."""
        return self.disparity("demographic_parity_ratio").value

    @property
    def equal_opportunity_difference(self) -> float:
        """Largest gap in true positive rate between groups."""
        return self.disparity("equal_opportunity_difference").value

    @property
    def equal_opportunity_ratio(self) -> float:
        """Smallest ratio of true positive rates between groups."""
        return self.disparity("equal_opportunity_ratio").value

    @property
    def equalized_odds_difference(self) -> float:
        """The larger of the TPR and FPR differences."""
        return self.disparity("equalized_odds_difference").value

    @property
    def equalized_odds_ratio(self) -> float:
        """The smaller of the TPR and FPR ratios."""
        return self.disparity("equalized_odds_ratio").value

    @property
    def predictive_parity_difference(self) -> float:
        """Largest gap in positive predictive value (precision) between groups."""
        return self.disparity("predictive_parity_difference").value

    @property
    def predictive_parity_ratio(self) -> float:
        """Smallest ratio of positive predictive values between groups."""
        return self.disparity("predictive_parity_ratio").value

    @property
    def accuracy_difference(self) -> float:
        """Largest gap in accuracy between groups."""
        return self.disparity("accuracy_difference").value

    @property
    def accuracy_ratio(self) -> float:
        """Smallest ratio of accuracies between groups."""
        return self.disparity("accuracy_ratio").value

    @property
    def false_positive_rate_difference(self) -> float:
        """Largest gap in false positive rate between groups."""
        return self.disparity("false_positive_rate_difference").value

    @property
    def false_positive_rate_ratio(self) -> float:
        """Smallest ratio of false positive rates between groups."""
        return self.disparity("false_positive_rate_ratio").value

    @property
    def false_negative_rate_difference(self) -> float:
        """Largest gap in false negative rate between groups."""
        return self.disparity("false_negative_rate_difference").value

    @property
    def false_negative_rate_ratio(self) -> float:
        """Smallest ratio of false negative rates between groups."""
        return self.disparity("false_negative_rate_ratio").value

    @property
    def error_rate_difference(self) -> float:
        """Largest gap in error rate between groups."""
        return self.disparity("error_rate_difference").value

    @property
    def error_rate_ratio(self) -> float:
        """Smallest ratio of error rates between groups."""
        return self.disparity("error_rate_ratio").value

    def disparities(self) -> dict[str, Disparity]:
        """Every named disparity that applies to this audit.

        Returns
        -------
        dict of str to Disparity
            For binary targets the four criteria (demographic parity, equal
            opportunity, equalized odds, predictive parity) as difference and
            ratio; for continuous targets those of ``mean_prediction`` and
            ``mae``.
        """
        if self.task == "binary":
            stems = [
                "demographic_parity",
                "equal_opportunity",
                "equalized_odds",
                "predictive_parity",
            ]
        else:
            stems = ["mean_prediction", "mae"]
        names = [f"{s}_{k}" for s in stems for k in ("difference", "ratio")]
        return {n: self.disparity(n) for n in names}

    def undefined(self) -> list[str]:
        """Explain every NaN in :attr:`by_group`.

        Returns
        -------
        list of str
            One line per (metric, groups) with the reason.
        """
        out = []
        for m in self.metrics:
            vals = self.table.values(m)
            bad = [
                self.table.groups[i] for i in np.flatnonzero(np.isnan(vals)).tolist()
            ]
            if bad:
                shown = "; ".join(_label(g) for g in bad[:5])
                more = f" and {len(bad) - 5} more" if len(bad) > 5 else ""
                out.append(
                    f"{m} is undefined for {shown}{more}: {METRICS[m].undefined_when}"
                )
        return out

    # -- gates ---------------------------------------------------------------
    def check(self, bounds: BoundsLike) -> GateResult:
        """Evaluate bounds on disparities.

        Parameters
        ----------
        bounds : mapping, iterable of str, or str
            ``{"demographic_parity_difference": 0.1, "demographic_parity_ratio":
            (">=", 0.8)}`` or ``["equalized_odds_difference <= 0.1"]``. A bare
            number is an upper limit for a difference and a lower limit for a
            ratio.

        Returns
        -------
        GateResult
            Truthy when every bound holds; ``str()`` renders the table.
        """
        return evaluate(self, bounds)

    def assert_within(
        self,
        bounds: BoundsLike | None = None,
        /,
        *,
        on_inconclusive: Literal["fail", "warn"] = "fail",
        **kwargs: Any,
    ) -> GateResult:
        """Raise :class:`~pytest_fairness.FairnessGateFailure` unless every bound holds.

        Parameters
        ----------
        bounds : mapping, iterable of str, or str, optional
            Bounds as for :meth:`check`.
        on_inconclusive : {"fail", "warn"}, default="fail"
            What an inconclusive bound does: fail, or pass with a
            :class:`~pytest_fairness.FairnessWarning` carrying the table.
        **kwargs
            More bounds as keywords, e.g. ``demographic_parity_difference=0.1``.

        Returns
        -------
        GateResult
            The result, when no bound failed.

        Raises
        ------
        FairnessGateFailure
            An ``AssertionError`` whose message is the verdict table, when a
            bound fails, or is inconclusive (its interval straddles the bound,
            or the disparity is NaN) with ``on_inconclusive="fail"``.

        Warns
        -----
        FairnessWarning
            With ``on_inconclusive="warn"``, when a bound is inconclusive.
        """
        __tracebackhide__ = True
        merged: dict[str, Any] = {}
        if bounds is not None:
            from pytest_fairness.gates import parse_bounds  # noqa: PLC0415 - loaded on first use

            merged.update({b.metric: (b.op, b.limit) for b in parse_bounds(bounds)})
        check_choice("on_inconclusive", on_inconclusive, ("fail", "warn"))
        merged.update(kwargs)
        result = self.check(merged)
        if on_inconclusive == "warn" and not result.failed and result.inconclusive:
            warnings.warn(FairnessWarning(str(result)), stacklevel=2)
            return result
        result.raise_for_failure()
        return result

    # -- rendering and serialisation -----------------------------------------
    def lines(self) -> list[str]:
        """Render the report as plain text lines (groups table, disparities).

        Returns
        -------
        list of str
            The text shown by ``str(report)``.
        """
        from pytest_fairness.report._render import report_lines  # noqa: PLC0415 - loaded on first use

        return report_lines(self)

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def to_markdown(self) -> str:
        """Render the report as GitHub-flavoured markdown.

        Returns
        -------
        str
            Headline, per-group table, marginal tables and disparities.
        """
        from pytest_fairness.report._render import report_markdown  # noqa: PLC0415 - loaded on first use

        return report_markdown(self)

    def to_html(self) -> str:
        """Render the report as a standalone HTML fragment.

        A ``<section class="fairness-report">`` with its own scoped style:
        the headline, the per-group table (one per sensitive column too when
        there are several) and the disparities. With ``confidence`` set,
        each binary rate is followed by its Wilson interval
        (``selection_rate_low``, ``selection_rate_high``, as in
        :attr:`by_group`) and each disparity by its interval.

        .. versionchanged:: 0.2.0
           Interval columns, per-column tables and a scoped style.

        Returns
        -------
        str
            The fragment; text from data is escaped.
        """
        from pytest_fairness.report._render import report_html  # noqa: PLC0415 - loaded on first use

        return report_html(self)

    def _repr_html_(self) -> str:
        """Return :meth:`to_html`, which notebooks show for the report."""
        return self.to_html()

    def plot(
        self,
        metrics: str | Sequence[str] | None = None,
        *,
        level: float | None = None,
        ax: Any = None,
    ) -> Any:
        """Draw each group's rates with their Wilson intervals (matplotlib).

        In the spirit of fairlearn's ``plot_metric_frame``: one panel per
        rate, one row per group, the rate as a point with its interval as
        error bars and the group's denominator beside it; groups under
        ``min_group_size`` are drawn hollow and marked ``(small)``.

        Parameters
        ----------
        metrics : str or sequence of str, optional
            The rates to draw; default every binary rate of the audit.
        level : float, optional
            Interval level; default the audit's ``confidence``, else 0.95.
        ax : matplotlib.axes.Axes, optional
            Where to draw one rate.

        Returns
        -------
        matplotlib.figure.Figure
            The figure.

        Raises
        ------
        ImportError
            Without matplotlib: ``pip install "pytest-fairness[plot]"``.
        FairnessValueError
            For a rate the audit has not, or one that is not binary.

        .. versionadded:: 0.2.0
        """
        from pytest_fairness.report._plot import plot_report  # noqa: PLC0415 - loaded on first use

        return plot_report(self, metrics, level=level, ax=ax)

    def _labels_need_tags(self) -> bool:
        """Whether some label is not plain JSON (the report is then schema 2)."""
        tables = [self.table, *self.marginals.values()]
        levels = [lv for t in tables for g in t.groups for lv in g]
        ref = self.reference
        if isinstance(ref, Mapping):
            levels += list(ref.values())
        elif isinstance(ref, tuple):
            levels += list(ref)
        return any(is_tagged(encode_label(v)) for v in [*levels, self.pos_label])

    def to_dict(self) -> dict[str, Any]:
        """Return the report as JSON-friendly data.

        Returns
        -------
        dict
            Settings, the counts of every group (intersections, marginals,
            overall), the metric values and the named disparities. NaN is
            written as None. Group labels that are not plain JSON values
            (bytes, dates, ±inf, tuples, ...) are written in the tagged form
            of :func:`pytest_fairness._labels.encode_label`, and the report
            is then marked as schema 2.
        """

        def metric_rows(t: GroupTable) -> list[dict[str, Any]]:
            values = {m: t.values(m) for m in self.metrics}
            return [
                {m: _jf(values[m][i]) for m in self.metrics}
                for i in range(len(t.groups))
            ]

        def table(t: GroupTable) -> dict[str, Any]:
            d = t.to_dict()
            for entry, vals in zip(d["groups"], metric_rows(t), strict=True):
                entry["metrics"] = vals
            return d

        ref = self.reference
        return {
            "schema": SCHEMA_VERSION if self._labels_need_tags() else 1,
            "version": __version__,
            "task": self.task,
            "pos_label": encode_label(self.pos_label),
            "metrics": list(self.metrics),
            "intersectional": self.intersectional,
            "min_group_size": self.min_group_size,
            "min_denominator": self.min_denominator,
            "reference": {k: encode_label(v) for k, v in ref.items()}
            if isinstance(ref, Mapping)
            else (encode_group(ref) if isinstance(ref, tuple) else ref),
            "n_rows": self.n_rows,
            "confidence": self.confidence,
            "n_boot": self.n_boot,
            "random_state": self.random_state,
            "ci_method": self.ci_method,
            "correction": self.correction,
            "groups": table(self.table),
            "marginals": {a: table(t) for a, t in self.marginals.items()},
            "overall": table(self.overall_table),
            "disparities": {
                k: _disparity_dict(v) for k, v in self.disparities().items()
            },
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        """Return :meth:`to_dict` as a JSON string (sorted keys, no NaN).

        Parameters
        ----------
        indent : int or None, default=2
            Indentation, as for :func:`json.dumps`.

        Returns
        -------
        str
            The JSON document.
        """
        return json.dumps(
            self.to_dict(), indent=indent, sort_keys=True, allow_nan=False
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FairnessReport:
        """Rebuild a report from :meth:`to_dict` output.

        Parameters
        ----------
        data : mapping
            A report as data.

        Returns
        -------
        FairnessReport
            A report with the same counts, hence the same metrics and
            disparities.

        Raises
        ------
        FairnessValueError
            If the data is not a report of a supported schema version.
        """
        try:
            schema = data["schema"]
            if schema not in _READABLE_SCHEMAS:
                msg = (
                    f"report schema {schema!r} is not supported "
                    f"(this version reads schemas 1 to {SCHEMA_VERSION})."
                )
                raise FairnessValueError(msg)
            ref = data["reference"]
            if isinstance(ref, list):
                ref = decode_group(ref)
            elif isinstance(ref, Mapping):
                ref = {k: decode_label(v) for k, v in ref.items()}
            return cls(
                table=GroupTable.from_dict(data["groups"]),
                marginals={
                    a: GroupTable.from_dict(t) for a, t in data["marginals"].items()
                },
                overall_table=GroupTable.from_dict(data["overall"]),
                metrics=tuple(data["metrics"]),
                task=data["task"],
                intersectional=bool(data["intersectional"]),
                min_group_size=int(data["min_group_size"]),
                min_denominator=int(data.get("min_denominator", 1)),
                reference=ref,
                pos_label=decode_label(data["pos_label"]),
                n_rows=int(data["n_rows"]),
                confidence=data.get("confidence"),
                n_boot=int(data.get("n_boot", 1000)),
                random_state=data.get("random_state", 0),
                ci_method=data.get("ci_method", "bootstrap"),
                correction=data.get("correction", "holm"),
            )
        except (KeyError, TypeError, IndexError) as exc:
            msg = f"not a fairness report: missing or malformed field {exc}."
            raise FairnessValueError(msg) from exc

    @classmethod
    def from_json(cls, text: str) -> FairnessReport:
        """Rebuild a report from :meth:`to_json` output.

        Parameters
        ----------
        text : str
            The JSON document.

        Returns
        -------
        FairnessReport
            The report.

        Raises
        ------
        FairnessValueError
            If the text is not valid JSON or not a report.
        """
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            msg = f"not a fairness report: invalid JSON ({exc})."
            raise FairnessValueError(msg) from exc
        return cls.from_dict(data)
