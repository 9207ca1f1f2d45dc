"""Bootstrap replicates of a report's cells, and what intervals read from them.

The replicates are drawn from the report's seed, replicate after replicate and
group after group. While all of them are small (:data:`KEEP_BYTES`) they are
drawn once and kept, and every interval reads the same arrays. Beyond that
they are drawn again for each disparity, in chunks of replicates
(:data:`CHUNK_BYTES`): the draws of a chunk are those the single large draw
would give, so the intervals are the same, and the memory they need does not
grow with groups x replicates.

Every statistic an interval reads is computed on the groups that take part in
the disparity (the eligible groups, and the reference group): a replicate's
disparity, the two groups of the observed worst pair, and the bootstrap
spread of every compared group. Only those columns are kept, and each
statistic is computed from them as from all groups (the other groups enter
each computation as NaN and drop out), so the numbers are the same bit for
bit. One exception, with more than :data:`FAMILY_BYTES` of compared groups x
replicates (about 8,000 groups at 1,000 replicates): the groups' bootstrap
standard errors are then accumulated chunk by chunk (Chan's pairwise update
of means and sums of squares) and read again in a second pass, which may
change the last bits of the fair end of an interval.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from pytest_fairness.metrics._intervals import (
    PAIRWISE_LIMIT,
    FairEnd,
    Family,
    _one_replicated,
    cell_sampler,
    draw_cells,
    fair_end_stats,
    n_pairs,
    replicate_rate,
)

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from numpy.typing import NDArray

    from pytest_fairness.metrics import DisparitySpec
    from pytest_fairness.report._report import FairnessReport, GroupTable

__all__ = [
    "CHUNK_BYTES",
    "FAMILY_BYTES",
    "KEEP_BYTES",
    "MANY_GROUPS",
    "Bootstrap",
    "Compared",
    "IntervalStats",
    "many_groups_message",
]

#: The replicate cells of every group are kept in memory up to this size
#: (replicates x groups x 4 cells x 8 bytes: 2,000 groups at 1,000 replicates).
KEEP_BYTES = 64 * 2**20
#: Beyond it, replicates are drawn in chunks of this size, again for every
#: disparity that needs them.
CHUNK_BYTES = 16 * 2**20
#: The replicate rates of the groups a disparity compares are kept up to this
#: size; beyond it their spreads are accumulated over two passes of draws.
FAMILY_BYTES = 32 * 2**20
#: Beyond this many groups x levels, a marginal table's replicates are summed
#: with one bincount instead of a product with an indicator matrix.
_ONEHOT_CELLS = 1 << 22


@dataclass(frozen=True)
class Compared:
    """The groups of one table whose rate a disparity compares.

    Attributes
    ----------
    attribute : str or None
        The table (None for the intersections).
    metric : str
        The rate.
    columns : ndarray of intp
        The groups kept: the eligible ones, the reference group, and others
        (left out) up to two columns (numpy sums a single column in another
        order than several, and reduces no empty one).
    eligible : ndarray of bool
        Which of ``columns`` take part.
    reference : int or None
        Position of the reference group among ``columns``.
    observed : ndarray of float64
        The observed rate of ``columns``.
    """

    attribute: str | None
    metric: str
    columns: NDArray[np.intp]
    eligible: NDArray[np.bool_]
    reference: int | None
    observed: NDArray[np.float64]

    @classmethod
    def of(
        cls,
        attribute: str | None,
        metric: str,
        eligible: NDArray[np.bool_],
        reference: int | None,
        observed: NDArray[np.float64],
    ) -> Compared:
        """Restrict a table's groups to those a disparity reads.

        Parameters
        ----------
        attribute : str or None
            The table.
        metric : str
            The rate.
        eligible : ndarray of bool, shape (n_groups,)
            The groups taking part.
        reference : int or None
            The reference group.
        observed : ndarray of float64, shape (n_groups,)
            The observed rates.

        Returns
        -------
        Compared
            The kept groups.
        """
        keep = eligible.copy()
        if reference is not None:
            keep[reference] = True
        columns = np.flatnonzero(keep)
        if columns.size < min(2, eligible.size):
            # at least two columns, as in the whole table (see ``columns``)
            extra = np.flatnonzero(~keep)[: 2 - columns.size]
            columns = np.sort(np.concatenate([columns, extra]))
        ref = None
        if reference is not None:
            ref = int(np.searchsorted(columns, reference))
        return cls(
            attribute, metric, columns, eligible[columns], ref, observed[columns]
        )

    def take(self, values: NDArray[np.float64]) -> NDArray[np.float64]:
        """Return the kept columns of replicate rates, C-ordered.

        Parameters
        ----------
        values : ndarray, shape (n_boot, n_groups)
            Replicate rates of the whole table.

        Returns
        -------
        ndarray, shape (n_boot, n_columns)
            Those of the kept groups (C order: numpy sums the replicates of
            a group in the same order as in the whole table).
        """
        n = values.shape[1]
        if self.columns.size == n and values.flags.c_contiguous:
            return values  # every group: the columns in order already
        return np.ascontiguousarray(values[:, self.columns])

    def disparity(self, values: NDArray[np.float64], kind: str) -> NDArray[np.float64]:
        """Return the disparity of this rate in every replicate.

        Parameters
        ----------
        values : ndarray, shape (n_boot, n_columns)
            Replicate rates of the kept groups.
        kind : {"difference", "ratio"}
            The disparity's kind.

        Returns
        -------
        ndarray of float64, shape (n_boot,)
            As :func:`~pytest_fairness.metrics._intervals.disparity_replicates`
            for one rate.
        """
        return _one_replicated(values, self.eligible, kind, self.reference)


def _worst(parts: Sequence[NDArray[np.float64]], kind: str) -> NDArray[np.float64]:
    """Combine per-rate (or per-table) replicate disparities: the worst one."""
    stacked = np.stack(parts)
    any_nan = np.isnan(stacked).any(axis=0)
    worst = stacked.max(axis=0) if kind == "difference" else stacked.min(axis=0)
    return np.where(any_nan, np.nan, worst)


@dataclass
class IntervalStats:
    """What the interval of one disparity reads, at any confidence level.

    Attributes
    ----------
    disparity : ndarray of float64, shape (n_boot,)
        The disparity in every replicate.
    pair : ndarray of float64, shape (n_boot, 2) or None
        The rate of the observed worst pair's two groups (low, high) in
        every replicate.
    fair : FairEnd or None
        The simultaneous fair end, when more than one pair is compared.
    """

    disparity: NDArray[np.float64]
    pair: NDArray[np.float64] | None = None
    fair: FairEnd | None = None


class _Moments:
    """Running count, mean and sum of squares of every column (Chan's update)."""

    def __init__(self, n_columns: int) -> None:
        self.n = np.zeros(n_columns)
        self.mean = np.zeros(n_columns)
        self.m2 = np.zeros(n_columns)

    def add(self, block: NDArray[np.float64]) -> None:
        finite = np.isfinite(block)
        n_b = finite.sum(axis=0).astype(np.float64)
        if not n_b.any():
            return
        filled = np.where(finite, block, 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            mean_b = filled.sum(axis=0) / n_b
            dev = np.where(finite, block - mean_b, 0.0)
            m2_b = (dev * dev).sum(axis=0)
            n = self.n + n_b
            delta = mean_b - self.mean
            has = n_b > 0
            self.mean = np.where(has, self.mean + delta * (n_b / n), self.mean)
            self.m2 = np.where(
                has, self.m2 + m2_b + delta * delta * (self.n * n_b / n), self.m2
            )
        self.n = n

    def std(self) -> NDArray[np.float64]:
        out = np.full(self.n.shape, np.nan)
        np.divide(self.m2, self.n, out=out, where=self.n > 0)
        np.sqrt(out, out=out)
        return out


class Bootstrap:
    """The bootstrap replicates of one report, and the interval statistics.

    Parameters
    ----------
    report : FairnessReport
        The report whose tables are resampled.
    """

    def __init__(self, report: FairnessReport) -> None:
        self.report = report
        self._given: NDArray[np.float64] | None = None
        self._cells: dict[str | None, NDArray[Any]] = {}
        self._rates: dict[tuple[str | None, str], NDArray[np.float64]] = {}
        self._mappings: dict[str, NDArray[np.intp]] = {}
        self._disparities: dict[tuple[str, str | None], NDArray[np.float64]] = {}
        self._stats: dict[tuple[str, str | None], IntervalStats] = {}

    # -- the replicates ---------------------------------------------------------
    def seed(self, cells: NDArray[np.float64]) -> None:
        """Use these replicate cells of the intersections instead of drawing.

        Parameters
        ----------
        cells : ndarray, shape (n_replicates, n_groups, 4)
            Replicated cells (e.g. of a paired comparison).
        """
        self._given = cells
        self._cells = {None: cells}
        self._rates.clear()
        self._disparities.clear()
        self._stats.clear()

    @property
    def n_boot(self) -> int:
        """Number of replicates."""
        if self._given is not None:
            return int(self._given.shape[0])
        return self.report.n_boot

    @property
    def kept(self) -> bool:
        """Whether every replicate is kept in memory (drawn once)."""
        if self._given is not None:
            return True
        n_cells = 4 * self.report.n_groups
        return self.n_boot * n_cells * 8 <= KEEP_BYTES

    def _mapping(self, attribute: str) -> NDArray[np.intp]:
        """Each intersection's level position in a marginal table."""
        if attribute not in self._mappings:
            report = self.report
            j = report.attributes.index(attribute)
            codes = report.table.codes
            if codes is not None:
                mapping = np.ascontiguousarray(codes[:, j], dtype=np.intp)
            else:
                marginal = report.marginals[attribute]
                mapping = np.array(
                    [marginal.groups.index((g[j],)) for g in report.table.groups],
                    dtype=np.intp,
                )
            self._mappings[attribute] = mapping
        return self._mappings[attribute]

    def _marginal(self, attribute: str, cells: NDArray[Any]) -> NDArray[np.float64]:
        """Sum intersection replicates into a marginal table's replicates."""
        mapping = self._mapping(attribute)
        n_levels = len(self.report.marginals[attribute].groups)
        n_groups = mapping.shape[0]
        if n_groups * n_levels <= _ONEHOT_CELLS:
            onehot = np.zeros((n_groups, n_levels))
            onehot[np.arange(n_groups), mapping] = 1.0
            return np.einsum("bgc,gm->bmc", cells, onehot)  # type: ignore[no-any-return]
        b = cells.shape[0]
        index = (np.arange(b)[:, None, None] * n_levels + mapping[None, :, None]) * 4
        index = index + np.arange(4)[None, None, :]
        summed = np.bincount(
            index.ravel(), weights=cells.ravel(), minlength=b * n_levels * 4
        )
        return np.asarray(summed, dtype=np.float64).reshape(b, n_levels, 4)

    def cells(self, attribute: str | None) -> NDArray[Any]:
        """Return every replicate of a table's cells (kept replicates only).

        Parameters
        ----------
        attribute : str or None
            The table: None for the intersections.

        Returns
        -------
        ndarray, shape (n_boot, n_groups, 4)
            Drawn counts (int64) or the given cells.
        """
        if None not in self._cells:
            report = self.report
            size, probs = cell_sampler(report.table.counts)
            rng = np.random.default_rng(report.random_state)
            self._cells[None] = draw_cells(size, probs, self.n_boot, rng)
        if attribute is not None and attribute not in self._cells:
            self._cells[attribute] = self._marginal(attribute, self._cells[None])
        return self._cells[attribute]

    def chunks(
        self, attributes: Sequence[str | None]
    ) -> Iterator[dict[str | None, NDArray[Any]]]:
        """Yield the replicates of some tables, chunk after chunk of replicates.

        Parameters
        ----------
        attributes : sequence of str or None
            The tables.

        Yields
        ------
        dict
            Each table's cells in the chunk: shape (n_chunk, n_groups, 4).
            Kept replicates come as one chunk.
        """
        if self.kept:
            yield {a: self.cells(a) for a in attributes}
            return
        report = self.report
        size, probs = cell_sampler(report.table.counts)
        rng = np.random.default_rng(report.random_state)
        step = max(1, CHUNK_BYTES // (32 * max(1, report.n_groups)))
        for start in range(0, self.n_boot, step):
            draws = draw_cells(size, probs, min(step, self.n_boot - start), rng)
            yield {
                a: draws if a is None else self._marginal(a, draws) for a in attributes
            }

    def rates(
        self, attribute: str | None, metric: str, cells: NDArray[Any]
    ) -> NDArray[np.float64]:
        """Return a binary rate of every replicate and group of a table.

        Parameters
        ----------
        attribute : str or None
            The table.
        metric : str
            The rate.
        cells : ndarray, shape (n_chunk, n_groups, 4)
            The table's replicate cells (from :meth:`chunks`).

        Returns
        -------
        ndarray of float64, shape (n_chunk, n_groups)
            The rate (kept replicates: computed once per table and rate).
        """
        counts = self._given is None
        if not self.kept:
            return replicate_rate(cells, metric, counts=counts)
        key = (attribute, metric)
        if key not in self._rates:
            self._rates[key] = replicate_rate(cells, metric, counts=counts)
        return self._rates[key]

    # -- what a disparity reads -------------------------------------------------
    def _compared(
        self, metrics: Sequence[str], attribute: str | None
    ) -> list[tuple[GroupTable, Compared]]:
        report = self.report
        out = []
        for attr, t in report._tables(attribute):
            ref = report._reference_index(t, attr)
            for m in metrics:
                c = Compared.of(attr, m, report._eligible(t, m), ref, t.values(m))
                out.append((t, c))
        return out

    def disparity(
        self, spec: DisparitySpec, metrics: tuple[str, ...], attribute: str | None
    ) -> NDArray[np.float64]:
        """Return the disparity in every replicate.

        Parameters
        ----------
        spec : DisparitySpec
            The disparity.
        metrics : tuple of str
            Its rates.
        attribute : str or None
            Compare the groups of this column alone.

        Returns
        -------
        ndarray of float64, shape (n_boot,)
            The worst rate's disparity of the worst table, NaN where fewer
            than two groups have a value.
        """
        key = (spec.name, attribute)
        if key not in self._disparities:
            compared = self._compared(metrics, attribute)
            tables = list(dict.fromkeys(c.attribute for _, c in compared))
            pieces = [
                self._chunk_disparity(spec, compared, chunk)
                for chunk in self.chunks(tables)
            ]
            self._disparities[key] = np.concatenate(pieces)
        return self._disparities[key]

    def _chunk_disparity(
        self,
        spec: DisparitySpec,
        compared: Sequence[tuple[GroupTable, Compared]],
        chunk: dict[str | None, NDArray[Any]],
        taken: dict[int, NDArray[np.float64]] | None = None,
    ) -> NDArray[np.float64]:
        per_table: dict[str | None, list[NDArray[np.float64]]] = {}
        for k, (_, c) in enumerate(compared):
            values = c.take(self.rates(c.attribute, c.metric, chunk[c.attribute]))
            if taken is not None:
                taken[k] = values
            per_table.setdefault(c.attribute, []).append(c.disparity(values, spec.kind))
        parts = [_worst(p, spec.kind) for p in per_table.values()]
        return _worst(parts, spec.kind)

    def interval_stats(
        self,
        spec: DisparitySpec,
        metrics: tuple[str, ...],
        attribute: str | None,
        pair: tuple[str | None, str, int, int] | None,
    ) -> IntervalStats:
        """Return what the interval of a disparity reads, computed once.

        Parameters
        ----------
        spec : DisparitySpec
            The disparity.
        metrics : tuple of str
            Its rates.
        attribute : str or None
            Compare the groups of this column alone.
        pair : tuple or None
            The observed worst pair: (table, rate, low group, high group).

        Returns
        -------
        IntervalStats
            The replicate disparities, the pair's replicate rates and the
            fair end's statistics.
        """
        key = (spec.name, attribute)
        if key in self._stats:
            return self._stats[key]
        compared = self._compared(metrics, attribute)
        families = len(compared) > 0 and self._n_pairs(compared) > 1
        n_boot = self.n_boot
        big = sum(c.columns.size for _, c in compared) * n_boot * 8 > FAMILY_BYTES
        # the band of every group reads its spread first: two passes of draws
        stream = families and big and self._n_pairs(compared) * n_boot > PAIRWISE_LIMIT
        tables = list(dict.fromkeys(c.attribute for _, c in compared))
        if pair is not None and pair[0] not in tables:
            tables.append(pair[0])
        disparities, pair_values = [], []
        kept: list[list[NDArray[np.float64]]] = [[] for _ in compared]
        moments = (
            [None] * len(compared)
            if not stream
            else [_Moments(c.columns.size) for _, c in compared]
        )
        for chunk in self.chunks(tables):
            taken: dict[int, NDArray[np.float64]] = {}
            disparities.append(self._chunk_disparity(spec, compared, chunk, taken))
            if pair is not None:
                attr, metric, i_lo, i_hi = pair
                rates = self.rates(attr, metric, chunk[attr])
                pair_values.append(np.ascontiguousarray(rates[:, [i_lo, i_hi]]))
            if families:
                for k, (_, c) in enumerate(compared):
                    if stream:
                        moments[k].add(_band_scale(taken[k], c, spec.kind))  # type: ignore[union-attr]
                    else:
                        kept[k].append(taken[k])
        stats = IntervalStats(np.concatenate(disparities))
        self._disparities.setdefault(key, stats.disparity)
        if pair is not None:
            stats.pair = np.concatenate(pair_values)
        if families and not stream:
            fams = [
                Family(
                    kept[k][0] if len(kept[k]) == 1 else np.concatenate(kept[k]),
                    c.observed,
                    c.eligible,
                    c.reference,
                )
                for k, (_, c) in enumerate(compared)
            ]
            stats.fair = fair_end_stats(fams, spec.kind)
        elif families:
            stats.fair = self._streamed_bands(spec, compared, tables, moments)  # type: ignore[arg-type]
        self._stats[key] = stats
        return stats

    @staticmethod
    def _n_pairs(compared: Sequence[tuple[GroupTable, Compared]]) -> int:
        return n_pairs(
            [
                Family(
                    np.empty((0, c.columns.size)), c.observed, c.eligible, c.reference
                )
                for _, c in compared
            ]
        )

    def _streamed_bands(
        self,
        spec: DisparitySpec,
        compared: Sequence[tuple[GroupTable, Compared]],
        tables: list[str | None],
        moments: list[_Moments],
    ) -> FairEnd:
        """Return every group's band, from spreads accumulated over the chunks."""
        kind = spec.kind
        est_se = []
        for (_, c), mom in zip(compared, moments, strict=True):
            ok = _band_ok(c, kind)
            est = np.where(ok, _scale(c.observed, kind), np.nan)
            se = np.where(ok, mom.std(), np.nan)
            est_se.append((est, se))
        deviations = []
        for chunk in self.chunks(tables):
            devs = []
            for (_, c), (est, se) in zip(compared, est_se, strict=True):
                values = c.take(self.rates(c.attribute, c.metric, chunk[c.attribute]))
                boot = _band_scale(values, c, kind)
                with np.errstate(divide="ignore", invalid="ignore"):
                    dev = np.abs(boot - est) / se
                devs.append(np.where(np.isfinite(dev), dev, np.nan))
            n = devs[0].shape[0]
            out = np.full(n, np.nan)
            for dev in devs:
                if dev.shape[1]:
                    out = np.fmax(out, np.fmax.reduce(dev, axis=1))
            deviations.append(out)
        parts: list[tuple[NDArray[np.float64], NDArray[np.float64], int | None]] = [
            (est, se, c.reference)
            for (est, se), (_, c) in zip(est_se, compared, strict=True)
        ]
        return FairEnd(kind, False, np.concatenate(deviations), parts)


def _band_ok(c: Compared, kind: str) -> NDArray[np.bool_]:
    ok = c.eligible & np.isfinite(c.observed)
    if kind == "ratio":
        ok &= c.observed > 0
    return ok


def _scale(values: NDArray[np.float64], kind: str) -> NDArray[np.float64]:
    if kind == "difference":
        return values
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(values)


def _band_scale(
    values: NDArray[np.float64], c: Compared, kind: str
) -> NDArray[np.float64]:
    """Replicates on the band's scale, NaN where a group does not take part."""
    boot = _scale(values, kind)
    ok = _band_ok(c, kind)
    return np.where(ok[None, :] & np.isfinite(boot), boot, np.nan)


#: With more groups than this in a disparity, an audit with ``confidence``
#: warns that its intervals say little.
MANY_GROUPS = 5_000


def many_groups_message(n_compared: int, n_groups: int, n_boot: int) -> str:
    """Say why intervals over very many groups are of little use.

    Parameters
    ----------
    n_compared : int
        Groups large enough to take part in disparities.
    n_groups : int
        All groups (the bootstrap draws every one).
    n_boot : int
        Replicates.

    Returns
    -------
    str
        The warning's text.
    """
    # the largest of k standard normal deviations is about sqrt(2 ln 2k)
    c = math.sqrt(2 * math.log(2 * n_compared))
    return (
        f"{n_compared} groups take part in disparities: their intervals hold "
        f"for every pair of groups at once, so a gap is told from noise only "
        f"beyond about {c:.1f} standard errors (1.96 for one pair), and most "
        f"bounds will be inconclusive; each interval also draws "
        f"{n_boot} x {n_groups} multinomial samples of cells. Merge levels, "
        "raise min_group_size, compare fewer sensitive columns, or pass "
        "intersectional=False."
    )
