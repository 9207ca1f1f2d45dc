"""Every group's threshold rules from sorted cumulative counts, and the searches.

A threshold rule "favourable when score >= t" only changes where ``t`` crosses
a distinct score, so the rules of a group are its distinct scores (plus "none
favourable"). One sort by (group, score) and cumulative weighted counts give
the true and false positives of every rule of every group at once. The
searches below pick one rule per group (or a mixture of rules) on these
curves without visiting rows again.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from pytest_fairness._optional import import_optional
from pytest_fairness._validation import fail

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = [
    "Curves",
    "Mixture",
    "build_curves",
    "convex_vertices",
    "mixture_search",
    "nearest_rules",
    "upper_hull",
    "window_search",
]

# Rates are ratios of float sums; two rates closer than this are equal.
RATE_TOL = 1e-12


@dataclass(frozen=True, slots=True)
class Curves:
    """The threshold rules of every group with their weighted outcome counts.

    Group ``g`` owns the points ``start[g]:start[g + 1]`` of the flat arrays,
    ordered from the strictest rule (``threshold = +inf``, nobody favoured) to
    the most lenient (the group's lowest score, everybody favoured).

    Attributes
    ----------
    start : ndarray of intp, shape (n_groups + 1,)
        Offsets of each group's points.
    threshold : ndarray of float64
        The rule's threshold: favourable when ``score >= threshold``.
    tp, fp : ndarray of float64
        Weighted true and false positives of the rule.
    pos, neg : ndarray of float64, shape (n_groups,)
        Weighted positives and negatives of each group.
    """

    start: NDArray[np.intp]
    threshold: NDArray[np.float64]
    tp: NDArray[np.float64]
    fp: NDArray[np.float64]
    pos: NDArray[np.float64]
    neg: NDArray[np.float64]

    @property
    def n_groups(self) -> int:
        """Number of groups."""
        return int(self.start.shape[0] - 1)

    def subset(self, groups: NDArray[np.intp]) -> tuple[Curves, NDArray[np.intp]]:
        """Return the curves of some groups only, and where their points were.

        A group's rules depend on its own rows alone, so the curves of a
        subset of groups are slices of these.

        Parameters
        ----------
        groups : ndarray of intp
            The groups to keep, in the order they take in the result.

        Returns
        -------
        curves : Curves
            The kept groups' points, group ``j`` being ``groups[j]``.
        positions : ndarray of intp
            For every point of ``curves``, its flat position in ``self``.
        """
        sizes = np.diff(self.start)[groups]
        start = np.zeros(groups.shape[0] + 1, dtype=np.intp)
        start[1:] = np.cumsum(sizes)
        positions = np.concatenate(
            [np.arange(self.start[g], self.start[g + 1]) for g in groups.tolist()]
            or [np.zeros(0, dtype=np.intp)]
        ).astype(np.intp)
        sub = Curves(
            start,
            self.threshold[positions],
            self.tp[positions],
            self.fp[positions],
            self.pos[groups],
            self.neg[groups],
        )
        return sub, positions

    def group_of_point(self) -> NDArray[np.intp]:
        """Group of every point of the flat arrays."""
        return np.repeat(np.arange(self.n_groups), np.diff(self.start))

    def rates(self, name: str) -> NDArray[np.float64]:
        """Return the rate ``name`` of every point (NaN where undefined).

        Parameters
        ----------
        name : {"tpr", "fpr", "selection_rate"}
            The rate.

        Returns
        -------
        ndarray of float64
            One value per point.
        """
        g = self.group_of_point()
        if name == "tpr":
            num, den = self.tp, self.pos[g]
        elif name == "fpr":
            num, den = self.fp, self.neg[g]
        else:
            num, den = self.tp + self.fp, (self.pos + self.neg)[g]
        out = np.full(num.shape[0], np.nan)
        np.divide(num, den, out=out, where=den > 0)
        return out


def build_curves(
    group: NDArray[np.intp],
    n_groups: int,
    y: NDArray[np.uint8],
    score: NDArray[np.float64],
    weight: NDArray[np.float64] | None = None,
) -> Curves:
    """Count the outcomes of every threshold rule of every group.

    Parameters
    ----------
    group : ndarray of intp
        Group code of each row, ``0 <= code < n_groups``; every group occurs.
    n_groups : int
        Number of groups.
    y : ndarray of uint8
        1 for the favourable (positive) class.
    score : ndarray of float64
        Finite scores; higher means more likely favourable.
    weight : ndarray of float64, optional
        Non-negative row weights.

    Returns
    -------
    Curves
        The rules of every group and their weighted true and false positives.
    """
    n = score.shape[0]
    w = np.ones(n) if weight is None else weight
    # Descending score within ascending group: a stable sort by score, reversed,
    # then a stable sort by group (integer keys sort in linear time).
    order = np.argsort(score, kind="stable")[::-1]
    order = order[np.argsort(group[order], kind="stable")]
    s = score[order]
    g = group[order]
    new_block = np.empty(n, dtype=bool)
    new_block[0] = True
    new_block[1:] = (s[1:] != s[:-1]) | (g[1:] != g[:-1])
    block_start = np.flatnonzero(new_block)
    wo = w[order]
    yo = y[order].astype(bool)
    pos_block = np.add.reduceat(np.where(yo, wo, 0.0), block_start)
    neg_block = np.add.reduceat(np.where(yo, 0.0, wo), block_start)
    block_group = g[block_start]
    blocks_per_group = np.bincount(block_group, minlength=n_groups)
    # Cumulative counts within each group: global cumsum minus the group's
    # running total before its first block.
    tp_run = np.cumsum(pos_block)
    fp_run = np.cumsum(neg_block)
    first_block = np.cumsum(blocks_per_group) - blocks_per_group
    tp_before = np.concatenate([[0.0], tp_run])[first_block]
    fp_before = np.concatenate([[0.0], fp_run])[first_block]
    n_points = block_start.shape[0] + n_groups
    start = np.zeros(n_groups + 1, dtype=np.intp)
    start[1:] = np.cumsum(blocks_per_group + 1)
    point_of_block = np.arange(block_start.shape[0]) + block_group + 1
    threshold = np.full(n_points, np.inf)
    tp = np.zeros(n_points)
    fp = np.zeros(n_points)
    threshold[point_of_block] = s[block_start]
    tp[point_of_block] = tp_run - tp_before[block_group]
    fp[point_of_block] = fp_run - fp_before[block_group]
    last = start[1:] - 1
    return Curves(start, threshold, tp, fp, tp[last].copy(), fp[last].copy())


def upper_hull(x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.intp]:
    """Return the vertices of the upper concave envelope of points sorted by x.

    Parameters
    ----------
    x : ndarray of float64
        Non-decreasing abscissae.
    y : ndarray of float64
        Ordinates.

    Returns
    -------
    ndarray of intp
        Positions of the envelope's vertices, left to right. Among points with
        the same x only the highest (the first of equals) can be a vertex.

    Notes
    -----
    Every pass drops, all at once, each point that lies on or below the chord
    of its two current neighbours (such a point is never a vertex), until none
    does. Each pass is vectorised; on threshold curves a few dozen passes
    suffice.
    """
    n = x.shape[0]
    idx = np.arange(n)
    if n > 1:
        # keep the highest point of each run of equal x (first of ties)
        key = np.lexsort((idx, -y, x))
        first = np.ones(n, dtype=bool)
        first[1:] = x[key[1:]] != x[key[:-1]]
        idx = np.sort(key[first])
    scale = max(float(np.abs(y).max(initial=0.0)), 1.0) * max(
        float(np.abs(x).max(initial=0.0)), 1.0
    )
    while idx.shape[0] > 2:
        x0, x1, x2 = x[idx[:-2]], x[idx[1:-1]], x[idx[2:]]
        y0, y1, y2 = y[idx[:-2]], y[idx[1:-1]], y[idx[2:]]
        above = (x2 - x0) * (y1 - y0) - (y2 - y0) * (x1 - x0) > 1e-13 * scale
        if above.all():
            break
        keep = np.ones(idx.shape[0], dtype=bool)
        keep[1:-1] = above
        idx = idx[keep]
    return idx


def convex_vertices(x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.intp]:
    """Return the vertices of the convex hull of a monotone chain of points.

    Parameters
    ----------
    x, y : ndarray of float64
        Points sorted by x, with y non-decreasing along the chain (an ROC
        curve).

    Returns
    -------
    ndarray of intp
        Sorted positions of the vertices of the upper and the lower hull.
    """
    upper = upper_hull(x, y)
    lower = upper_hull(x, -y)
    return np.union1d(upper, lower)


def _sparse_argmax(values: NDArray[np.float64], levels: int) -> NDArray[np.intp]:
    """Sparse table for range-argmax queries (first position among ties)."""
    n = values.shape[0]
    table = np.empty((levels + 1, n), dtype=np.intp)
    table[0] = np.arange(n)
    for k in range(1, levels + 1):
        half = 1 << (k - 1)
        prev = table[k - 1]
        left = prev[: n - half]
        right = prev[half:]
        table[k, : n - half] = np.where(values[right] > values[left], right, left)
        table[k, n - half :] = prev[n - half :]
    return table


def _range_argmax(
    values: NDArray[np.float64],
    lo: NDArray[np.intp],
    hi: NDArray[np.intp],
) -> NDArray[np.intp]:
    """Position of the largest value in each inclusive range ``[lo, hi]``."""
    length = hi - lo + 1
    levels = int(length.max(initial=1)).bit_length() - 1
    table = _sparse_argmax(values, levels)
    k = np.zeros(length.shape[0], dtype=np.intp)
    for level in range(1, levels + 1):
        k[length >= (1 << level)] = level
    a = table[k, lo]
    b = table[k, hi - (1 << k) + 1]
    return np.where(values[b] > values[a], b, a)


@dataclass(frozen=True, slots=True)
class WindowChoice:
    """Result of :func:`window_search`.

    Attributes
    ----------
    points : ndarray of intp, shape (n_groups,)
        The chosen point (flat position) of each group.
    low : float
        Lower end of the common window of rates.
    step : ndarray of float64, shape (n_groups,)
        For a group with no rule inside the window, the rate gap between the
        two rules around it; 0 otherwise (and for unconstrained groups).
    """

    points: NDArray[np.intp]
    low: float
    step: NDArray[np.float64]


def window_search(
    curves: Curves,
    rate: NDArray[np.float64],
    value: NDArray[np.float64],
    tolerance: float,
) -> WindowChoice:
    """Best single rule per group with every group's rate in a common window.

    Parameters
    ----------
    curves : Curves
        The groups' rules.
    rate : ndarray of float64
        The constrained rate of every point, non-decreasing within a group;
        NaN for a group where it is undefined (that group is unconstrained).
    value : ndarray of float64
        The objective contribution of every point (to maximise).
    tolerance : float
        Width of the window.

    Returns
    -------
    WindowChoice
        The chosen rules.

    Notes
    -----
    For a window ``[L, L + tolerance]``, a group takes its best rule whose rate
    lies in the window; when none does, it takes whichever of the two rules
    around the window is nearer (the better one when both are as near). The
    total objective is piecewise constant in ``L`` and changes only where ``L``
    or ``L + tolerance`` meets a rate or the midpoint between two neighbouring
    rates, so those points and the midpoints between them are every case.
    Range maxima come from a sparse table, so all candidate windows are
    evaluated in vectorised passes, one per group.
    """
    n_groups = curves.n_groups
    start = curves.start
    points = np.empty(n_groups, dtype=np.intp)
    step = np.zeros(n_groups)
    # each constrained group's distinct rates, with the best point of each
    runs: dict[int, tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.intp]]]
    runs = {}
    for g in range(n_groups):
        a, b = start[g], start[g + 1]
        r, v = rate[a:b], value[a:b]
        if np.isnan(r).any():
            points[g] = a + int(np.argmax(v))
            continue
        # rates are non-decreasing along the curve, so equal rates are runs;
        # keep the first point with the best value of each run
        starts = np.flatnonzero(np.concatenate([[True], r[1:] != r[:-1]]))
        run_best = np.maximum.reduceat(v, starts)
        run_of = np.repeat(
            np.arange(starts.shape[0]), np.diff(np.append(starts, b - a))
        )
        position = np.where(v == run_best[run_of], np.arange(b - a), b - a)
        best = np.minimum.reduceat(position, starts)
        runs[g] = (r[best], v[best], a + best)
    if not runs:
        return WindowChoice(points, 0.0, step)
    top = max(0.0, 1.0 - tolerance)
    # each group's own breakpoints; the union of them is every case
    own: dict[int, NDArray[np.float64]] = {}
    for g, (r, _, _) in runs.items():
        raw = np.concatenate([r, r - tolerance, (r[1:] + r[:-1] - tolerance) / 2.0])
        own[g] = np.unique(np.clip(raw, 0.0, top))
    events = np.unique(np.concatenate(list(own.values())))
    low = np.concatenate([events, (events[1:] + events[:-1]) / 2.0])
    total = np.zeros(low.shape[0])
    spread_hi = np.full(low.shape[0], -np.inf)
    spread_lo = np.full(low.shape[0], np.inf)
    for g, (r, v, _) in runs.items():
        # the group's choice on its own breakpoints and the gaps between them,
        # then read off for every window (its choice is constant in a gap)
        e = own[g]
        local = np.empty(2 * e.shape[0] - 1)
        local[0::2] = e
        local[1::2] = (e[1:] + e[:-1]) / 2.0
        chosen, _ = _choose(r, v, local, tolerance)
        k = np.searchsorted(e, low, side="left")
        k = np.minimum(k, e.shape[0] - 1)
        at = np.where(e[k] == low, 2 * k, 2 * k - 1)
        pick = chosen[at]
        total += v[pick]
        np.maximum(spread_hi, r[pick], out=spread_hi)
        np.minimum(spread_lo, r[pick], out=spread_lo)
    spread = spread_hi - spread_lo
    # best objective; among equals the smallest spread, then the lowest window
    # (low is not sorted: events first, then the midpoints between them)
    tie = total == total.max()
    tie &= spread == spread[tie].min()
    best_low = int(np.flatnonzero(tie)[np.argmin(low[tie])])
    at = low[best_low : best_low + 1]
    for g, (r, v, where) in runs.items():
        chosen, gap = _choose(r, v, at, tolerance)
        points[g] = where[chosen[0]]
        step[g] = float(gap[0])
    return WindowChoice(points, float(at[0]), step)


def _choose(
    r: NDArray[np.float64],
    v: NDArray[np.float64],
    low: NDArray[np.float64],
    tolerance: float,
) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
    """One group's best rule for each window ``[low, low + tolerance]``."""
    lo = np.searchsorted(r, low - RATE_TOL, side="left")
    hi = np.searchsorted(r, low + tolerance + RATE_TOL, side="right")
    inside = hi > lo
    chosen = np.empty(low.shape[0], dtype=np.intp)
    gap = np.zeros(low.shape[0])
    if inside.any():
        chosen[inside] = _range_argmax(v, lo[inside], hi[inside] - 1)
    out = ~inside
    if out.any():
        above = lo[out]
        below = above - 1
        d_below = low[out] - r[below]
        d_above = r[above] - (low[out] + tolerance)
        pick_above = np.where(
            np.abs(d_below - d_above) <= RATE_TOL,
            v[above] > v[below],
            d_above < d_below,
        )
        chosen[out] = np.where(pick_above, above, below)
        gap[out] = r[above] - r[below]
    return chosen, gap


def nearest_rules(
    curves: Curves,
    rates: list[NDArray[np.float64]],
    value: NDArray[np.float64],
    targets: NDArray[np.float64],
) -> NDArray[np.intp]:
    """Each group's single rule nearest to its target rates.

    Parameters
    ----------
    curves : Curves
        The groups' rules.
    rates : list of ndarray of float64
        The constrained rates of every point (one array per rate).
    value : ndarray of float64
        Objective contribution of every point (breaks ties in distance).
    targets : ndarray of float64, shape (n_groups, len(rates))
        The target rates of each group (NaN where unconstrained).

    Returns
    -------
    ndarray of intp, shape (n_groups,)
        The chosen point of each group: smallest largest distance over the
        rates, then the best value.
    """
    out = np.empty(curves.n_groups, dtype=np.intp)
    for g in range(curves.n_groups):
        a, b = curves.start[g], curves.start[g + 1]
        dist = np.zeros(b - a)
        for k, r in enumerate(rates):
            if not np.isnan(targets[g, k]):
                np.maximum(dist, np.abs(r[a:b] - targets[g, k]), out=dist)
        out[g] = a + int(np.lexsort((-value[a:b], dist))[0])
    return out


@dataclass(frozen=True, slots=True)
class Mixture:
    """Result of :func:`mixture_search`: each group's rules and their weights.

    Attributes
    ----------
    points : list of ndarray of intp
        The flat positions of the rules each group mixes.
    weights : list of ndarray of float64
        Their probabilities (summing to 1 per group).
    targets : ndarray of float64, shape (n_groups, n_rates)
        Each group's expected rates under its mixture (NaN where
        unconstrained).
    """

    points: list[NDArray[np.intp]]
    weights: list[NDArray[np.float64]]
    targets: NDArray[np.float64]


def mixture_search(
    curves: Curves,
    rates: list[NDArray[np.float64]],
    value: NDArray[np.float64],
    tolerance: float,
) -> Mixture:
    """Best mixture of rules per group with every group's rates in a common box.

    Parameters
    ----------
    curves : Curves
        The groups' rules.
    rates : list of ndarray of float64
        One or two constrained rates of every point (NaN in a group where one
        is undefined: that rate leaves the group unconstrained).
    value : ndarray of float64
        Objective contribution of every point (to maximise in expectation).
    tolerance : float
        Side of the box: every group's expected rate ``k`` lies in
        ``[L_k, L_k + tolerance]``.

    Returns
    -------
    Mixture
        The mixed rules of every group.

    Raises
    ------
    FairnessValueError
        If the linear program has no solution (it always has one: every
        group can reach every point of the diagonal).

    Notes
    -----
    Mixing rules reaches every point of the convex hull of a group's points
    (rates, and value in one dimension), and the value of a mixture is the
    mixture of the values, so only hull vertices matter: the upper envelope of
    (rate, value) for one rate, the convex hull of the ROC points for two. The
    linear program maximises the expected value over the vertex weights of all
    groups and the box position.
    """
    optimize = import_optional(
        "scipy.optimize", extra="mitigation", purpose="randomized thresholds"
    )
    n_groups = curves.n_groups
    start = curves.start
    d = len(rates)
    columns: list[NDArray[np.intp]] = []
    constrained_dims: list[list[int]] = []
    for g in range(n_groups):
        a, b = start[g], start[g + 1]
        dims = [k for k in range(d) if not np.isnan(rates[k][a:b]).any()]
        constrained_dims.append(dims)
        if not dims:
            columns.append(np.array([a + int(np.argmax(value[a:b]))]))
        elif len(dims) == 1:
            columns.append(a + upper_hull(rates[dims[0]][a:b], value[a:b]))
        else:
            columns.append(a + convex_vertices(rates[0][a:b], rates[1][a:b]))
    n_var = sum(c.shape[0] for c in columns)
    n_cols = n_var + d
    cost = np.zeros(n_cols)
    cost[:n_var] = -np.concatenate([value[c] for c in columns])
    a_eq = np.zeros((n_groups, n_cols))
    a_ub_rows = []
    b_ub = []
    offset = 0
    for g, cols in enumerate(columns):
        m = cols.shape[0]
        a_eq[g, offset : offset + m] = 1.0
        for k in constrained_dims[g]:
            row = np.zeros(n_cols)
            row[offset : offset + m] = rates[k][cols]
            row[n_var + k] = -1.0
            a_ub_rows.append(-row)  # L_k - rate <= 0
            b_ub.append(0.0)
            a_ub_rows.append(row)  # rate - L_k <= tolerance
            b_ub.append(tolerance)
        offset += m
    bounds = [(0.0, None)] * n_var + [(0.0, 1.0)] * d
    res: Any = optimize.linprog(
        cost,
        A_ub=np.array(a_ub_rows) if a_ub_rows else None,
        b_ub=np.array(b_ub) if b_ub else None,
        A_eq=a_eq,
        b_eq=np.ones(n_groups),
        bounds=bounds,
        method="highs",
        options={
            "primal_feasibility_tolerance": 1e-10,
            "dual_feasibility_tolerance": 1e-10,
        },
    )
    if not res.success:  # pragma: no cover - the diagonal is always feasible
        msg = f"The threshold search found no solution: {res.message}"
        raise fail(msg)
    lam = np.clip(res.x[:n_var], 0.0, None)
    box = res.x[n_var:]
    points: list[NDArray[np.intp]] = []
    weights: list[NDArray[np.float64]] = []
    targets = np.full((n_groups, d), np.nan)
    offset = 0
    for g, cols in enumerate(columns):
        m = cols.shape[0]
        w = lam[offset : offset + m]
        offset += m
        keep = w > 1e-12
        p, w = cols[keep], w[keep] / w[keep].sum()
        if tolerance == 0.0 and constrained_dims[g]:
            dims = constrained_dims[g]
            w = _exact_weights(p, w, [rates[k] for k in dims], box[dims])
        points.append(p)
        weights.append(w)
        for k in constrained_dims[g]:
            targets[g, k] = float(w @ rates[k][p])
    return Mixture(points, weights, targets)


def _exact_weights(
    p: NDArray[np.intp],
    w: NDArray[np.float64],
    rates: list[NDArray[np.float64]],
    target: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Re-solve a group's mixture weights so its rates hit the box exactly.

    The linear program meets the constraints to its feasibility tolerance;
    with a zero tolerance the target rates are known (the box corner), and
    the weights of the chosen rules follow from a small linear system.
    Falls back to the program's weights when the system has no non-negative
    solution.
    """
    if p.shape[0] < 2:
        return w
    mat = np.vstack([*(r[p] for r in rates), np.ones(p.shape[0])])
    rhs = np.concatenate([target, [1.0]])
    sol, *_ = np.linalg.lstsq(mat, rhs, rcond=None)
    if (sol < -1e-9).any() or not np.allclose(mat @ sol, rhs, atol=1e-12, rtol=0):
        return w
    sol = np.clip(sol, 0.0, None)
    return np.asarray(sol / sol.sum(), dtype=np.float64)
