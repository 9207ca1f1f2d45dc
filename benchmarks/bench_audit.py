"""Benchmark ``pytest_fairness.audit`` against fairlearn and a bare numpy floor.

Run from the repository root::

    python benchmarks/bench_audit.py
    python benchmarks/bench_audit.py --sizes 1e5 1e6 1e7 --repeat 5

Every case audits binary labels and predictions over four sensitive columns of
2, 5, 4 and 10 levels (400 intersectional groups) and times what a user pays:

* ours: ``pf.audit`` with eight metrics, then
  ``demographic_parity_difference`` and ``equalized_odds_difference``;
* fairlearn: ``MetricFrame`` with the same eight metrics, then ``.difference()``;
* floor: factorise each column (``pd.factorize`` or ``np.unique``, whichever
  is faster for the dtype), combine the codes and count the confusion cells
  with one ``np.bincount``; no validation, no report.

It also checks that ``audit(...).by_group`` equals ``MetricFrame.by_group`` on
a small sample, measures the peak memory ``audit`` allocates at the largest
size (tracemalloc, which sees numpy's allocations) relative to the input
arrays, and prints PASS/FAIL for the performance targets.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import gc
import os
import platform
import statistics
import sys
import time
import tracemalloc
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from tabulate import tabulate

if TYPE_CHECKING:
    from collections.abc import Callable

ROOT = Path(__file__).resolve().parents[1]
LEVELS = (2, 5, 4, 10)
COLUMNS = tuple(f"s{i}" for i in range(len(LEVELS)))
METRICS = (
    "selection_rate",
    "tpr",
    "fpr",
    "fnr",
    "tnr",
    "ppv",
    "accuracy",
    "count",
)
TARGET_SPEEDUP_VS_FAIRLEARN = 100.0  # at 1e6 rows, fairlearn / ours >= this
TARGET_RATIO_TO_FLOOR = 2.0  # at 1e7 rows, ours / floor <= this
TARGET_MEMORY_RATIO = 3.0  # at 1e7 rows, peak / input bytes < this


# -- data -----------------------------------------------------------------------
@dataclass
class Case:
    """One data set: sensitive columns in one dtype, labels and predictions."""

    dtype: str
    n: int
    frame: pd.DataFrame
    y_true: np.ndarray
    y_pred: np.ndarray

    @property
    def input_bytes(self) -> int:
        """Bytes of the input arrays (sensitive columns, labels, predictions)."""
        frame_bytes = int(self.frame.memory_usage(index=False, deep=True).sum())
        return frame_bytes + self.y_true.nbytes + self.y_pred.nbytes


def make_case(n: int, dtype: str, label_dtype: str) -> Case:
    """Generate ``n`` rows with ``numpy.random.default_rng(0)``.

    ``dtype`` is ``int`` (int64 codes), ``str`` (strings through ``pd.array``,
    pandas' default string dtype) or ``category`` (pandas categoricals of strings).
    """
    rng = np.random.default_rng(0)
    codes = [rng.integers(0, k, n) for k in LEVELS]
    y_true = rng.integers(0, 2, n).astype(label_dtype)
    y_pred = rng.integers(0, 2, n).astype(label_dtype)
    if dtype == "int":
        data: dict[str, Any] = dict(zip(COLUMNS, codes, strict=True))
    else:
        data = {}
        for name, k, c in zip(COLUMNS, LEVELS, codes, strict=True):
            labels = np.array([f"{name}_level_{j}" for j in range(k)], dtype=object)
            values = labels[c]
            data[name] = (
                pd.Categorical(values) if dtype == "category" else pd.array(values)
            )
    return Case(dtype, n, pd.DataFrame(data), y_true, y_pred)


# -- the three contenders -------------------------------------------------------
def run_ours(pf: Any, case: Case, min_group_size: int = 30) -> tuple[float, float]:
    report = pf.audit(
        case.y_true,
        case.y_pred,
        sensitive_features=case.frame,
        metrics=list(METRICS),
        min_group_size=min_group_size,
    )
    return report.demographic_parity_difference, report.equalized_odds_difference


def fairlearn_metrics() -> dict[str, Callable[..., Any]]:
    from fairlearn.metrics import (
        count,
        false_negative_rate,
        false_positive_rate,
        selection_rate,
        true_negative_rate,
        true_positive_rate,
    )
    from sklearn.metrics import accuracy_score, precision_score

    return {
        "selection_rate": selection_rate,
        "tpr": true_positive_rate,
        "fpr": false_positive_rate,
        "fnr": false_negative_rate,
        "tnr": true_negative_rate,
        "ppv": functools.partial(precision_score, zero_division=0),
        "accuracy": accuracy_score,
        "count": count,
    }


def metric_frame(case: Case) -> Any:
    from fairlearn.metrics import MetricFrame

    return MetricFrame(
        metrics=fairlearn_metrics(),
        y_true=case.y_true,
        y_pred=case.y_pred,
        sensitive_features=case.frame,
    )


def run_fairlearn(case: Case) -> Any:
    return metric_frame(case).difference()


def _pd_factorize(col: pd.Series) -> tuple[np.ndarray, int]:
    codes, uniques = pd.factorize(col)
    return codes, len(uniques)


def _np_unique(col: pd.Series) -> tuple[np.ndarray, int]:
    uniques, codes = np.unique(col.to_numpy(), return_inverse=True)
    return codes, len(uniques)


FACTORIZERS: dict[str, Callable[[pd.Series], tuple[np.ndarray, int]]] = {
    "pd.factorize": _pd_factorize,
    "np.unique(return_inverse=True)": _np_unique,
}


def run_floor(
    case: Case, factorize: Callable[[pd.Series], tuple[np.ndarray, int]]
) -> np.ndarray:
    group: np.ndarray | None = None
    n_groups = 1
    for name in COLUMNS:
        codes, k = factorize(case.frame[name])
        if group is None:
            group = codes.astype(np.intp, copy=True)
        else:
            group *= k
            group += codes
        n_groups *= k
    assert group is not None
    group *= 4
    group += case.y_true
    group += case.y_true
    group += case.y_pred
    return np.bincount(group, minlength=4 * n_groups)


def pick_factorizer(case: Case, rows: int = 1_000_000) -> str:
    """Return the faster factoriser for this dtype, timed on up to ``rows`` rows."""
    sample = case.frame.iloc[:rows]
    best: tuple[float, str] | None = None
    for label, fn in FACTORIZERS.items():
        times = []
        for _ in range(3):
            start = time.perf_counter()
            for name in COLUMNS:
                fn(sample[name])
            times.append(time.perf_counter() - start)
        t = statistics.median(times)
        if best is None or t < best[0]:
            best = (t, label)
    assert best is not None
    return best[1]


# -- timing ---------------------------------------------------------------------
@dataclass
class Row:
    """Timings (seconds) of one case."""

    dtype: str
    n: int
    factorizer: str
    ours: list[float] = field(default_factory=list)
    floor: list[float] = field(default_factory=list)
    fairlearn: list[float] = field(default_factory=list)

    @staticmethod
    def median(times: list[float]) -> float | None:
        return statistics.median(times) if times else None

    @property
    def fairlearn_over_ours(self) -> float | None:
        f, o = self.median(self.fairlearn), self.median(self.ours)
        return None if f is None or o is None else f / o

    @property
    def ours_over_floor(self) -> float | None:
        o, f = self.median(self.ours), self.median(self.floor)
        return None if o is None or f is None else o / f


def timed(fn: Callable[[], Any]) -> float:
    gc.collect()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench_case(
    pf: Any,
    case: Case,
    factorizer: str,
    *,
    repeat: int,
    fairlearn_repeat: int,
    run_fl: bool,
    log: Callable[[str], None],
) -> Row:
    row = Row(case.dtype, case.n, factorizer)
    floor_fn = FACTORIZERS[factorizer]
    # Warm-up (first-call imports, page faults); ours and the floor alternate
    # so both see the same background noise.
    run_ours(pf, case)
    run_floor(case, floor_fn)
    for _ in range(repeat):
        row.ours.append(timed(lambda: run_ours(pf, case)))
        row.floor.append(timed(lambda: run_floor(case, floor_fn)))
    log(
        f"  {case.dtype:>8} n={case.n:>11,}  ours {fmt_time(row.median(row.ours))}"
        f"  floor {fmt_time(row.median(row.floor))}"
    )
    if run_fl:
        for _ in range(fairlearn_repeat):
            row.fairlearn.append(timed(lambda: run_fairlearn(case)))
        log(f"  {'':>8} {'':>13}  fairlearn {fmt_time(row.median(row.fairlearn))}")
    return row


def peak_memory(pf: Any, case: Case) -> int:
    """Peak bytes allocated during one ``audit`` call (inputs excluded)."""
    run_ours(pf, case)  # warm-up outside the trace
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        pf.audit(
            case.y_true,
            case.y_pred,
            sensitive_features=case.frame,
            metrics=list(METRICS),
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak


# -- correctness ----------------------------------------------------------------
def check_equal_to_fairlearn(pf: Any, n: int, label_dtype: str) -> list[list[str]]:
    """Compare ``audit(...).by_group`` with ``MetricFrame.by_group`` per dtype."""
    rows = []
    for dtype in ("int", "str", "category"):
        case = make_case(n, dtype, label_dtype)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ours = pf.audit(
                case.y_true,
                case.y_pred,
                sensitive_features=case.frame,
                metrics=list(METRICS),
                min_group_size=1,
            ).by_group[list(METRICS)]
            theirs = metric_frame(case).by_group
        theirs = theirs.dropna(how="all").loc[:, list(METRICS)]
        same_groups = set(ours.index) == set(theirs.index)
        if same_groups:
            theirs = theirs.loc[ours.index]
            diff = np.abs(ours.to_numpy(dtype=float) - theirs.to_numpy(dtype=float))
            max_diff = float(np.nanmax(diff))
            nan_same = bool((ours.isna().to_numpy() == theirs.isna().to_numpy()).all())
            ok = max_diff <= 1e-12 and nan_same
        else:
            max_diff, ok = float("nan"), False
        rows.append(
            [
                dtype,
                f"{n:,}",
                f"{len(ours)} / {len(theirs)}",
                f"{max_diff:.1e}",
                "PASS" if ok else "FAIL",
            ]
        )
    return rows


# -- formatting -----------------------------------------------------------------
def fmt_time(seconds: float | None) -> str:
    if seconds is None:
        return "not run"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def fmt_ratio(ratio: float | None) -> str:
    if ratio is None:
        return "n/a"
    return f"{ratio:.0f}x" if ratio >= 10 else f"{ratio:.2f}x"


def fmt_size(n: float) -> str:
    exp = int(np.log10(n)) if n > 0 else 0
    return f"1e{exp}" if 10**exp == n else f"{n:,.0f}"


def parse_size(text: str) -> int:
    value = float(text)
    if value < 1 or value != int(value):
        msg = f"sizes must be positive whole numbers of rows, got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return int(value)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with Path("/proc/cpuinfo").open() as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}"


def versions(pf: Any) -> str:
    parts = [
        f"Python {platform.python_version()}",
        f"numpy {np.__version__}",
        f"pandas {pd.__version__}",
        f"pytest-fairness {pf.__version__}",
    ]
    try:
        import fairlearn
        import sklearn

        parts += [
            f"fairlearn {fairlearn.__version__}",
            f"scikit-learn {sklearn.__version__}",
        ]
    except ImportError:
        parts.append("fairlearn not installed")
    return ", ".join(parts)


# -- main -----------------------------------------------------------------------
def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--sizes",
        nargs="+",
        type=parse_size,
        default=[100_000, 1_000_000, 10_000_000],
        help="numbers of rows for the int-code cases (default: 1e5 1e6 1e7)",
    )
    p.add_argument(
        "--repeat", type=int, default=5, help="repeats of ours and floor (default 5)"
    )
    p.add_argument(
        "--fairlearn-repeat",
        type=int,
        default=3,
        help="repeats of MetricFrame (default 3)",
    )
    p.add_argument(
        "--fairlearn-max",
        type=parse_size,
        default=1_000_000,
        help="run MetricFrame only up to this many rows (default 1e6)",
    )
    p.add_argument(
        "--other-dtypes-at",
        type=float,
        default=1e6,
        help="rows for the string and categorical cases; 0 skips them (default 1e6)",
    )
    p.add_argument(
        "--label-dtype",
        choices=["int8", "int64"],
        default="int8",
        help="dtype of y_true and y_pred (default int8)",
    )
    p.add_argument(
        "--check-rows",
        type=parse_size,
        default=10_000,
        help="rows of the by_group equality check against fairlearn (default 1e4)",
    )
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sys.path.insert(0, str(ROOT))  # benchmark the working tree
    import pytest_fairness as pf

    # Groups under min_group_size only occur at small --sizes; keep the output
    # readable (the warning is still built, so its cost stays in the timings).
    warnings.simplefilter("ignore", pf.FairnessWarning)
    try:
        import fairlearn.metrics  # noqa: F401
    except ImportError:
        has_fairlearn = False
    else:
        has_fairlearn = True

    def log(line: str) -> None:
        print(line, flush=True)

    today = dt.datetime.now(dt.UTC).date().isoformat()
    log(f"pytest-fairness audit benchmark, {today}")
    log(f"machine: {machine()}")
    log(f"versions: {versions(pf)}")
    log(
        f"data: 4 sensitive columns of {', '.join(map(str, LEVELS))} levels "
        f"({int(np.prod(LEVELS))} groups), labels {args.label_dtype}, "
        "numpy.random.default_rng(0)"
    )
    log(f"metrics: {', '.join(METRICS)}")
    log("")

    check_ok = None
    if has_fairlearn:
        log(f"by_group check against MetricFrame.by_group ({args.check_rows:,} rows)")
        check = check_equal_to_fairlearn(pf, args.check_rows, args.label_dtype)
        log(
            tabulate(
                check,
                headers=["dtype", "rows", "groups ours / fairlearn", "max |diff|", ""],
                tablefmt="github",
                disable_numparse=True,
            )
        )
        check_ok = all(r[-1] == "PASS" for r in check)
        log("")

    plan = [("int", n) for n in sorted(args.sizes)]
    if args.other_dtypes_at:
        other = parse_size(str(args.other_dtypes_at))
        plan += [("str", other), ("category", other)]

    log("timing (medians)")
    chosen: dict[str, str] = {}
    rows: list[Row] = []
    for dtype, n in plan:
        case = make_case(n, dtype, args.label_dtype)
        if dtype not in chosen:
            chosen[dtype] = pick_factorizer(case)
        run_fl = has_fairlearn and n <= args.fairlearn_max
        rows.append(
            bench_case(
                pf,
                case,
                chosen[dtype],
                repeat=args.repeat,
                fairlearn_repeat=args.fairlearn_repeat,
                run_fl=run_fl,
                log=log,
            )
        )
        del case
        gc.collect()

    largest = max(args.sizes)
    mem_case = make_case(largest, "int", args.label_dtype)
    peak = peak_memory(pf, mem_case)
    input_bytes = mem_case.input_bytes
    del mem_case
    gc.collect()

    log("")
    table = [
        [
            r.dtype,
            fmt_size(r.n),
            fmt_time(r.median(r.ours)),
            fmt_time(r.median(r.floor)),
            fmt_time(r.median(r.fairlearn)),
            fmt_ratio(r.fairlearn_over_ours),
            fmt_ratio(r.ours_over_floor),
            r.factorizer,
        ]
        for r in rows
    ]
    headers = [
        "sensitive dtype",
        "rows",
        f"ours (median of {args.repeat})",
        f"floor (median of {args.repeat})",
        f"MetricFrame (median of {args.fairlearn_repeat})",
        "MetricFrame / ours",
        "ours / floor",
        "floor factoriser",
    ]
    log(tabulate(table, headers=headers, tablefmt="github", disable_numparse=True))
    log("")
    mem_ratio = peak / input_bytes
    log(
        tabulate(
            [
                [
                    fmt_size(largest),
                    f"{input_bytes / 2**20:,.0f} MiB",
                    f"{peak / 2**20:,.0f} MiB",
                    f"{mem_ratio:.2f}x",
                ]
            ],
            headers=[
                "rows",
                "input arrays",
                "audit peak (tracemalloc)",
                "peak / input",
            ],
            tablefmt="github",
            disable_numparse=True,
        )
    )
    log(
        f"input arrays: {len(LEVELS)} int64 sensitive columns + y_true and y_pred "
        f"as {args.label_dtype} = {input_bytes:,} bytes"
    )
    log("")

    def at(n: int) -> Row | None:
        return next((r for r in rows if r.dtype == "int" and r.n == n), None)

    def verdict(ok: bool | None) -> str:
        return "NOT RUN" if ok is None else ("PASS" if ok else "FAIL")

    r6, r7 = at(1_000_000), at(10_000_000)
    speedup = r6.fairlearn_over_ours if r6 else None
    to_floor = r7.ours_over_floor if r7 else None
    targets = [
        [
            f"1e6 rows: MetricFrame / ours >= {TARGET_SPEEDUP_VS_FAIRLEARN:.0f}x",
            fmt_ratio(speedup),
            verdict(
                None if speedup is None else speedup >= TARGET_SPEEDUP_VS_FAIRLEARN
            ),
        ],
        [
            f"1e7 rows: ours / floor <= {TARGET_RATIO_TO_FLOOR:.0f}x",
            fmt_ratio(to_floor),
            verdict(None if to_floor is None else to_floor <= TARGET_RATIO_TO_FLOOR),
        ],
        [
            f"1e7 rows: audit peak memory < {TARGET_MEMORY_RATIO:.0f}x input",
            f"{mem_ratio:.2f}x",
            verdict(mem_ratio < TARGET_MEMORY_RATIO if largest == 10_000_000 else None),
        ],
        [
            "by_group equals MetricFrame.by_group",
            f"{args.check_rows:,} rows",
            verdict(check_ok),
        ],
    ]
    log(tabulate(targets, headers=["target", "measured", ""], tablefmt="github"))
    return 0 if all(t[-1] != "FAIL" for t in targets) else 1


if __name__ == "__main__":
    sys.exit(main())
