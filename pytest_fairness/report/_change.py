"""How far a disparity moved since a baseline run, and how noisy that move is.

A regression gate compares this run's disparity with the one stored in a
baseline. Both are estimates from a finite test set, so their difference is
noisy too; this module measures that noise from counts, as the intervals do:

* **Paired**, when the baseline kept the decisions of the very same rows (same
  labels, groups and weights, checked by a fingerprint). Each group's rows
  fall into eight cells (label x old decision x new decision); a bootstrap
  draws those cells per group and computes both disparities from every
  replicate. A harmless retrain flips decisions both ways within a group and
  its change stays within the noise; a regression flips them one way.
* **Two-sample**, when the rows differ (or the baseline holds counts only):
  both runs are bootstrapped independently from their per-group cells.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from pytest_fairness._labels import decode_group, encode_group, encode_label
from pytest_fairness.metrics import (
    DEFINITION_VERSION,
    METRICS,
    GroupCounts,
    is_partial_rate,
    resolve_disparity,
)
from pytest_fairness.report._report import FairnessReport, GroupTable

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from numpy.typing import NDArray

    from pytest_fairness.metrics import Disparity, DisparitySpec
    from pytest_fairness.report._audit import Rows

__all__ = [
    "PAIRED_MAX_ROWS",
    "Change",
    "counts_block",
    "definition_changes",
    "fingerprint",
    "gate_definition",
    "metric_definition",
    "old_run_report",
    "pack_decisions",
    "paired_change",
    "report_from_counts",
    "resolution",
    "two_sample_change",
    "unpack_decisions",
]

#: Baselines keep the decisions of test sets up to this many rows (one bit per
#: row: at most 31,250 bytes, 41,668 base64 characters). Larger test sets are
#: compared as two samples, whose noise is small at that size anyway.
PAIRED_MAX_ROWS = 250_000
#: Characters per line of the base64 text of the decisions in a baseline file.
_LINE = 76
#: Bootstrap cells drawn at once (replicates x groups x 8) in a paired
#: comparison; larger problems are drawn in chunks of replicates.
_CHUNK_CELLS = 4_000_000
#: Weight, in rows, of the prior of a group's flip share (centred on the
#: share of every group), and a floor that keeps the Beta proper.
_PRIOR_ROWS = 2.0
_PRIOR_FLOOR = 0.01


@dataclass(frozen=True, slots=True)
class Change:
    """The change of a disparity since its baseline, with its noise.

    Attributes
    ----------
    name : str
        The disparity.
    method : {"paired", "two-sample"}
        How the noise was measured.
    baseline : float
        The baseline's value, recomputed from what the baseline keeps.
    value : float
        This run's value.
    worsening : float
        ``value - baseline`` for differences, ``baseline - value`` for
        ratios: positive is less fair.
    low, high : float
        One-sided lower and upper confidence bounds of ``worsening``, each at
        ``level``. NaN when most replicates are undefined.
    se : float
        Bootstrap standard error of the worsening.
    level : float
        One-sided confidence level of ``low`` and ``high``.
    """

    name: str
    method: Literal["paired", "two-sample"]
    baseline: float
    value: float
    worsening: float
    low: float
    high: float
    se: float
    level: float


# -- what identifies the rows and the gate -------------------------------------
def _label_key(group: Sequence[Any]) -> str:
    return json.dumps(encode_group(group), sort_keys=True, ensure_ascii=False)


def _encode_reference(reference: Any) -> Any:
    if reference is None or isinstance(reference, str):
        return reference
    if isinstance(reference, Mapping):
        return {str(k): encode_label(v) for k, v in sorted(reference.items())}
    return encode_group(reference)


def fingerprint(rows: Rows, groups: Sequence[tuple[Any, ...]]) -> str:
    """Identify the rows of an audit: their labels, groups and weights, in order.

    Parameters
    ----------
    rows : Rows
        The encoded rows.
    groups : sequence of tuple
        The report's groups (``rows.group`` indexes them).

    Returns
    -------
    str
        ``"sha256:<hex>"``; equal for the same rows however the groups are
        ordered or encoded.
    """
    keys = [_label_key(g) for g in groups]
    order = sorted(range(len(keys)), key=keys.__getitem__)
    rank = np.empty(len(keys), dtype="<i4")
    rank[order] = np.arange(len(keys), dtype="<i4")
    h = hashlib.sha256(b"pytest-fairness rows 1\0")
    h.update("\n".join(sorted(keys)).encode("utf-8") + b"\0")
    h.update(np.int64(rows.y_true.shape[0]).astype("<i8").tobytes())
    h.update(rank[rows.group].tobytes())
    h.update(np.packbits(rows.y_true).tobytes())
    if rows.weight is not None:
        h.update(b"weights\0" + rows.weight.astype("<f8").tobytes())
    return "sha256:" + h.hexdigest()


def pack_decisions(y_pred: NDArray[np.uint8]) -> list[str]:
    """Pack 0/1 decisions into lines of base64 text (one bit per row).

    Parameters
    ----------
    y_pred : ndarray of uint8
        The decisions.

    Returns
    -------
    list of str
        Lines of at most 76 characters.
    """
    text = base64.b64encode(np.packbits(y_pred).tobytes()).decode("ascii")
    return [text[i : i + _LINE] for i in range(0, len(text), _LINE)]


def unpack_decisions(lines: Sequence[str], n: int) -> NDArray[np.uint8]:
    """Read decisions packed by :func:`pack_decisions`.

    Parameters
    ----------
    lines : sequence of str
        The base64 lines.
    n : int
        Number of rows.

    Returns
    -------
    ndarray of uint8
        The decisions.

    Raises
    ------
    ValueError
        When the text is not base64 or holds another number of rows.
    """
    try:
        raw = base64.b64decode("".join(lines).encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError) as exc:
        msg = f"the decisions are not base64 text ({exc})"
        raise ValueError(msg) from None
    if len(raw) != (n + 7) // 8:
        msg = f"the decisions hold {len(raw) * 8} bits, not the {n} rows stated"
        raise ValueError(msg)
    bits = np.unpackbits(np.frombuffer(raw, dtype=np.uint8))
    if bits[n:].any():
        msg = "the decisions have bits set past the last row"
        raise ValueError(msg)
    return bits[:n].astype(np.uint8, copy=False)


def gate_definition(report: FairnessReport) -> dict[str, Any]:
    """Return what defines a gate's groups and comparisons, for its baseline.

    Parameters
    ----------
    report : FairnessReport
        The audit the gate judged.

    Returns
    -------
    dict
        The sensitive attributes in order, ``intersectional``, ``reference``,
        ``min_group_size``, ``min_denominator``, the positive label and the
        task. A baseline recorded under another definition is never compared.
    """
    return {
        "attributes": list(report.attributes),
        "intersectional": bool(report.intersectional or len(report.attributes) == 1),
        "reference": _encode_reference(report.reference),
        "min_group_size": report.min_group_size,
        "min_denominator": report.min_denominator,
        "pos_label": encode_label(report.pos_label),
        "task": report.task,
    }


def metric_definition(name: str) -> dict[str, Any]:
    """Return what defines one disparity, for its baseline.

    Parameters
    ----------
    name : str
        The disparity name.

    Returns
    -------
    dict
        Its rates, kind (difference or ratio) and the version of the rules
        that compute it.
    """
    spec = resolve_disparity(name)
    return {
        "rates": list(spec.metrics),
        "kind": spec.kind,
        "version": DEFINITION_VERSION,
    }


_NAMES = {
    "attributes": "sensitive features",
    "min_group_size": "min_group_size",
    "min_denominator": "min_denominator",
    "pos_label": "the positive label",
    "task": "the target",
    "rates": "its rates",
    "kind": "its kind",
    "version": "the version of its rules",
}


def definition_changes(
    stored: Mapping[str, Any] | None, current: Mapping[str, Any]
) -> list[str]:
    """List what differs between a stored definition and the current one.

    Parameters
    ----------
    stored : mapping or None
        The definition kept in the baseline (None: recorded without one).
    current : mapping
        The definition of this run.

    Returns
    -------
    list of str
        One phrase per difference, e.g. ``"sensitive features ['sex',
        'race'] -> ['sex']"``; empty when they agree.
    """
    if stored is None:
        return ["the baseline was recorded without a definition (an older format)"]
    out = []
    for key in sorted(set(stored) | set(current)):
        old, new = stored.get(key), current.get(key)
        if old != new:
            out.append(f"{_NAMES.get(key, key)} {old!r} -> {new!r}")
    return out


# -- counts kept by a baseline ---------------------------------------------------
def counts_block(report: FairnessReport) -> dict[str, Any] | None:
    """Return the per-group cells a two-sample comparison needs later.

    Parameters
    ----------
    report : FairnessReport
        A binary audit.

    Returns
    -------
    dict or None
        ``groups`` (levels), ``rows``, ``cells`` (weighted TN, FP, FN, TP)
        and, with weights, ``cell_w2``; None for continuous targets.
    """
    c = report.table.counts
    if c.cells is None or c.cell_rows is None:
        return None
    out: dict[str, Any] = {
        "groups": [encode_group(g) for g in report.table.groups],
        "rows": [int(v) for v in c.rows],
        "cell_rows": [[int(v) for v in r] for r in c.cell_rows],
        "cells": [[float(v) for v in r] for r in c.cells],
    }
    if "cell_w2" in c.sums:
        out["cell_w2"] = [[float(v) for v in r] for r in c.sums["cell_w2"]]
    return out


def _with_counts(
    report: FairnessReport,
    groups: Sequence[tuple[Any, ...]],
    counts: GroupCounts,
    **changes: Any,
) -> FairnessReport:
    """Return ``report`` with other intersection counts (marginals re-summed)."""
    marginals = {}
    for j, attribute in enumerate(report.attributes):
        levels = list(dict.fromkeys(g[j] for g in groups))
        index = {level: k for k, level in enumerate(levels)}
        mapping = np.array([index[g[j]] for g in groups], dtype=np.intp)
        marginals[attribute] = GroupTable(
            (attribute,),
            tuple((level,) for level in levels),
            counts.aggregate(mapping, len(levels)),
        )
    return replace(
        report,
        table=GroupTable(report.attributes, tuple(groups), counts),
        marginals=marginals,
        overall_table=GroupTable((), ((),), counts.total()),
        n_rows=int(counts.rows.sum()),
        **changes,
    )


def report_from_counts(
    template: FairnessReport, block: Mapping[str, Any]
) -> FairnessReport:
    """Rebuild a baseline run's report from the counts its baseline keeps.

    Parameters
    ----------
    template : FairnessReport
        This run's report: the settings (which the definition check found
        equal) are taken from it.
    block : mapping
        The output of :func:`counts_block`.

    Returns
    -------
    FairnessReport
        The baseline run's report, with a bootstrap seed of its own.
    """
    groups = [decode_group(g) for g in block["groups"]]
    cells = np.asarray(block["cells"], dtype=np.float64).reshape(len(groups), 4)
    cell_rows = np.asarray(block["cell_rows"], dtype=np.int64).reshape(len(groups), 4)
    sums = {}
    if "cell_w2" in block:
        w2 = np.asarray(block["cell_w2"], dtype=np.float64).reshape(len(groups), 4)
        sums["cell_w2"] = w2
    counts = GroupCounts(
        cell_rows.sum(axis=1), cells.sum(axis=1), cells, cell_rows, sums
    )
    seed = None if template.random_state is None else template.random_state + 1
    return _with_counts(template, groups, counts, random_state=seed)


# -- the comparisons -------------------------------------------------------------
def _sign(spec: DisparitySpec) -> float:
    return -1.0 if spec.higher_is_better else 1.0


def _bounds(
    delta: NDArray[np.float64], observed: float, level: float
) -> tuple[float, float, float]:
    """One-sided bounds and standard error of a change from its replicates.

    The replicates are centred on their median and moved to the observed
    change (the bootstrap bias of a max-min statistic cancels between two
    runs only in part).
    """
    delta = delta[~np.isnan(delta)]
    if delta.size == 0 or math.isnan(observed):
        return math.nan, math.nan, math.nan
    spread = delta - float(np.median(delta))
    lo, hi = np.quantile(spread, [1 - level, level])
    return observed + float(lo), observed + float(hi), float(delta.std())


def _metrics(report: FairnessReport, spec: DisparitySpec) -> tuple[str, ...]:
    return tuple(report._metric(m) for m in spec.metrics)


def _seeded(report: FairnessReport, cells: NDArray[np.float64]) -> FairnessReport:
    """Return a copy of ``report`` whose bootstrap replicates are ``cells``."""
    copy = replace(report)
    copy._boot.seed(cells)
    return copy


def _joint_counts(
    rows: Rows, old_pred: NDArray[np.uint8], n_groups: int
) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.float64] | None]:
    """Cells (label, old decision, new decision) of every group, 8 per group."""
    code = rows.group * 8
    code += rows.y_true.astype(np.intp) * 4
    code += old_pred.astype(np.intp) * 2
    code += rows.y_pred
    size = 8 * n_groups
    cell_rows = np.bincount(code, minlength=size).astype(np.int64)
    cell_rows = cell_rows.reshape(n_groups, 8)
    if rows.weight is None:
        return cell_rows.astype(np.float64), cell_rows, None
    cells = np.bincount(code, weights=rows.weight, minlength=size).astype(np.float64)
    w2 = np.bincount(code, weights=rows.weight**2, minlength=size).astype(np.float64)
    return cells.reshape(n_groups, 8), cell_rows, w2.reshape(n_groups, 8)


# joint cell (y, old, new) -> the 4-cell index of the old and of the new run
_OLD = np.array([0, 0, 1, 1, 2, 2, 3, 3])
_NEW = np.array([0, 1, 0, 1, 2, 3, 2, 3])


def _fold(joint: NDArray[Any], which: NDArray[np.intp]) -> NDArray[Any]:
    """Sum 8 joint cells into the 4 confusion cells of one run."""
    out = np.zeros((*joint.shape[:-1], 4), dtype=joint.dtype)
    for j in range(8):
        out[..., which[j]] += joint[..., j]
    return out


def _flip_draws(
    joint: NDArray[np.float64],
    joint_w2: NDArray[np.float64] | None,
    n_boot: int,
    rng: np.random.Generator,
) -> Iterator[NDArray[np.float64]]:
    """Replicates of this run's cells: the baseline's decisions fixed, flips redrawn.

    Each (group, label, old decision) stratum keeps its rows; how many of
    them flipped is drawn from a beta-binomial: a share from the Beta
    posterior of the observed flips, under a prior worth two rows centred on
    the share of flips of that (label, old decision) stratum over every
    group, then a binomial of the stratum's rows (its Kish effective size
    under weights). Yields
    the new run's confusion cells, shape ``(b, n_groups, 4)``, in chunks of
    replicates.
    """
    n_groups = joint.shape[0]
    c = joint.reshape(n_groups, 2, 2, 2)  # group, label, old, new
    size = c.sum(axis=3)  # rows (weight) of each (group, label, old) stratum
    flips = np.stack([c[:, :, 0, 1], c[:, :, 1, 0]], axis=2)  # old 0 -> 1, 1 -> 0
    share = np.zeros_like(size)
    np.divide(flips, size, out=share, where=size > 0)
    if joint_w2 is None:
        n_eff = size
    else:
        sq = joint_w2.reshape(n_groups, 2, 2, 2).sum(axis=3)
        n_eff = np.zeros_like(size)
        np.divide(size**2, sq, out=n_eff, where=sq > 0)
    trials = np.rint(n_eff).astype(np.int64)
    scale = np.ones_like(size)
    np.divide(size, trials, out=scale, where=trials > 0)
    step = max(1, min(n_boot, _CHUNK_CELLS // max(1, 4 * n_groups)))
    # Each flip share gets a Beta prior centred on the share of flips of its
    # (label, old decision) stratum over every group, worth _PRIOR_ROWS rows:
    # a stratum where both of two decisions flipped is not taken as certain
    # to flip again, and a group's share is pulled towards the others' only
    # as far as its few rows allow.
    hits = share * trials
    pooled_hits = hits.sum(axis=0, keepdims=True)
    pooled_rows = trials.sum(axis=0, keepdims=True)
    prior = np.full_like(share, 0.5)
    np.divide(pooled_hits, pooled_rows, out=prior, where=pooled_rows > 0)
    alpha = hits + _PRIOR_ROWS * prior + _PRIOR_FLOOR
    beta = trials - hits + _PRIOR_ROWS * (1 - prior) + _PRIOR_FLOOR
    for start in range(0, n_boot, step):
        b = min(step, n_boot - start)
        drawn_share = rng.beta(alpha, beta, size=(b, *trials.shape))
        drawn = rng.binomial(trials, drawn_share) * scale
        up, down = drawn[..., 0], drawn[..., 1]  # (b, group, label)
        keep0 = size[None, :, :, 0] - up  # old 0 that stay 0
        keep1 = size[None, :, :, 1] - down  # old 1 that stay 1
        cells = np.empty((b, n_groups, 4))
        cells[..., 0], cells[..., 1] = (
            keep0[..., 0] + down[..., 0],
            keep1[..., 0] + up[..., 0],
        )
        cells[..., 2], cells[..., 3] = (
            keep0[..., 1] + down[..., 1],
            keep1[..., 1] + up[..., 1],
        )
        yield cells


def _run_report(
    report: FairnessReport,
    joint: NDArray[np.float64],
    joint_rows: NDArray[np.int64],
    joint_w2: NDArray[np.float64] | None,
    which: NDArray[np.intp],
) -> FairnessReport:
    """Return the report of one of the two runs behind joint cells."""
    sums = {} if joint_w2 is None else {"cell_w2": _fold(joint_w2, which)}
    cells, cell_rows = _fold(joint, which), _fold(joint_rows, which)
    counts = GroupCounts(
        cell_rows.sum(axis=1), cells.sum(axis=1), cells, cell_rows, sums
    )
    return _with_counts(report, report.table.groups, counts)


def old_run_report(
    report: FairnessReport, rows: Rows, old_pred: NDArray[np.uint8]
) -> FairnessReport:
    """Rebuild the baseline run's report from its decisions of the same rows.

    Parameters
    ----------
    report : FairnessReport
        This run's audit.
    rows : Rows
        Its encoded rows.
    old_pred : ndarray of uint8
        The baseline run's decisions of those rows.

    Returns
    -------
    FairnessReport
        The audit the baseline run would give with this run's settings.
    """
    joint, joint_rows, joint_w2 = _joint_counts(rows, old_pred, report.n_groups)
    return _run_report(report, joint, joint_rows, joint_w2, _OLD)


def paired_change(
    report: FairnessReport,
    rows: Rows,
    old_pred: NDArray[np.uint8],
    name: str,
    *,
    level: float = 0.95,
) -> Change:
    """Measure a disparity's change on the same rows, decision by decision.

    Parameters
    ----------
    report : FairnessReport
        This run's audit (binary target).
    rows : Rows
        Its encoded rows.
    old_pred : ndarray of uint8
        The baseline run's decisions of the same rows.
    name : str
        The disparity.
    level : float, default=0.95
        One-sided confidence level of the bounds.

    Returns
    -------
    Change
        With ``method="paired"``.

    Notes
    -----
    Both runs scored the same rows, so the comparison is conditional on
    them, as McNemar's test for two classifiers on one test set is: the
    baseline's disparity on these rows is known exactly, and the noise is
    that of the decisions that flipped. In every (group, label, baseline
    decision) stratum, the number of flipped decisions is redrawn from a
    beta-binomial around the observed share (a prior worth two rows,
    centred on the share of all groups, so that two flips of two rows are
    not taken as certain), ``report.n_boot`` times seeded with
    ``report.random_state``, and the disparity is recomputed from the
    redrawn cells. A harmless retrain flips decisions both ways within a
    group, and the redrawn changes straddle zero; a regression flips them
    one way, and they do not.
    """
    spec = resolve_disparity(name)
    joint, joint_rows, joint_w2 = _joint_counts(rows, old_pred, report.n_groups)
    old = _run_report(report, joint, joint_rows, joint_w2, _OLD)
    new = _run_report(report, joint, joint_rows, joint_w2, _NEW)
    metrics = _metrics(new, spec)
    rng = np.random.default_rng(report.random_state)
    v_old = old.disparity(name).value
    v_new = new.disparity(name).value
    parts = [
        _sign(spec)
        * (_seeded(new, cells)._disparity_replicates(spec, metrics, None) - v_old)
        for cells in _flip_draws(joint, joint_w2, report.n_boot, rng)
    ]
    observed = _sign(spec) * (v_new - v_old)
    low, high, se = _bounds(np.concatenate(parts), observed, level)
    return Change(name, "paired", v_old, v_new, observed, low, high, se, level)


def two_sample_change(
    old: FairnessReport, new: FairnessReport, name: str, *, level: float = 0.95
) -> Change:
    """Measure a disparity's change between two independent test sets.

    Parameters
    ----------
    old : FairnessReport
        The baseline run's report (from :func:`report_from_counts`).
    new : FairnessReport
        This run's report.
    name : str
        The disparity.
    level : float, default=0.95
        One-sided confidence level of the bounds.

    Returns
    -------
    Change
        With ``method="two-sample"``.
    """
    spec = resolve_disparity(name)
    metrics = _metrics(new, spec)
    d_old = old._disparity_replicates(spec, metrics, None)
    d_new = new._disparity_replicates(spec, metrics, None)
    v_old = old.disparity(name).value
    v_new = new.disparity(name).value
    observed = _sign(spec) * (v_new - v_old)
    low, high, se = _bounds(_sign(spec) * (d_new - d_old), observed, level)
    return Change(name, "two-sample", v_old, v_new, observed, low, high, se, level)


def resolution(spec: DisparitySpec, *found: Disparity) -> float:
    """Return how much one decision moves a disparity, at its worst pair.

    Parameters
    ----------
    spec : DisparitySpec
        The disparity.
    *found : Disparity
        Its values (this run's, and the baseline run's when known).

    Returns
    -------
    float
        For a difference, ``1 / n`` for the smaller denominator ``n`` of the
        worst pair's rates (rows for the selection rate, actual positives
        for TPR, ...); for a ratio, the change of ``v_low / v_high`` when
        either rate moves by one decision. The largest over ``found``; 0
        when nothing is known.
    """
    out = 0.0
    for d in found:
        if d.low is None or d.high is None or d.metric not in METRICS:
            continue
        sizes: list[int] = []
        for g in (d.low, d.high):
            partial = g.denominator is not None and is_partial_rate(d.metric)
            sizes.append(g.denominator if partial and g.denominator else g.count)
        if min(sizes) <= 0:
            continue
        if spec.kind == "difference":
            out = max(out, 1.0 / min(sizes))
            continue
        lo, hi = sorted((d.low.value, d.high.value))
        if hi > 0 and not math.isnan(lo):
            step_low = 1.0 / (min(sizes) * hi)
            step_high = lo / (hi * hi * min(sizes)) if hi else 0.0
            out = max(out, step_low, step_high)
    return out
