"""Benchmark ``pytest_fairness.audit`` against the least work and against fairlearn.

Run from the repository root::

    python benchmarks/bench_audit.py                   # every row; about 15 minutes
    python benchmarks/bench_audit.py --only floors memory
    python benchmarks/bench_audit.py --src /path/to/other/checkout   # "before" numbers

Every row of issue 18's table is measured with its floor (or anchor) in the
same run, ours and the floor alternating so that both see the same noise:

* ``floors``: audits of 1e6 rows x 100,000 groups (a categorical), and of
  1e7 rows x 400 groups as categoricals, int64 codes, object strings and
  pandas strings, against the least work that gives the same per-group
  confusion counts: the codes used directly when they are codes (category
  codes, the int64 codes), one ``pd.factorize`` per column when they are
  strings; then the combined code and one ``np.bincount``.
* ``intervals``: an audit with ``confidence=0.95`` (1,000 replicates) and
  three intervals, minus the audit without; beside it the multinomial draws
  of the cells alone (1,000 and 200 replicates), at 1e5 rows, and the three
  intervals on a fresh report at 1e5, 1e6 and 1e7 rows (flat in rows).
* ``gate``: the same audit and a gate of four bounds with Holm's correction,
  minus the audit without.
* ``memory``: the peak memory of one audit of 1e7 rows of categoricals and
  int8 labels (tracemalloc, which sees numpy's allocations), against the
  bytes of those inputs.
* ``plugin``: what an installed pytest-fairness adds to a pytest run with
  hypothesis installed (``bench_plugin_load.measure``).
* ``duckdb``: an audit of a 1e7-row DuckDB relation (``data=``) against the
  engine's own GROUP BY of the same columns, fetched.
* ``fairlearn``: the audit against fairlearn's ``MetricFrame`` (int64 codes,
  1e5 and 1e6 rows), after checking that ``by_group`` equals
  ``MetricFrame.by_group`` on 1e4 rows of every dtype.

The exit status is 1 when a target fails.
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
INTERVALS = (
    "demographic_parity_difference",
    "equalized_odds_difference",
    "demographic_parity_ratio",
)
GATE = {
    "demographic_parity_difference": 0.1,
    "equalized_odds_difference": 0.1,
    "demographic_parity_ratio": 0.8,
    "predictive_parity_difference": 0.1,
}
SECTIONS = ("floors", "intervals", "gate", "memory", "plugin", "duckdb", "fairlearn")


# -- data -----------------------------------------------------------------------
@dataclass
class Case:
    """Sensitive columns in one dtype, labels and predictions."""

    label: str
    n: int
    frame: pd.DataFrame
    y_true: np.ndarray
    y_pred: np.ndarray
    codes: list[np.ndarray] = field(default_factory=list)
    sizes: tuple[int, ...] = LEVELS

    @property
    def input_bytes(self) -> int:
        frame_bytes = int(self.frame.memory_usage(index=False, deep=True).sum())
        return frame_bytes + self.y_true.nbytes + self.y_pred.nbytes


def make_case(n: int, dtype: str, label_dtype: str = "int8") -> Case:
    """``n`` rows from ``default_rng(0)``: four columns of 2, 5, 4 and 10 levels.

    ``dtype``: ``int`` (int64 codes), ``category`` (categoricals of strings,
    int8 codes), ``object`` (object arrays of strings) or ``str`` (pandas'
    string dtype, pyarrow-backed when pyarrow is installed).
    """
    rng = np.random.default_rng(0)
    codes = [rng.integers(0, k, n) for k in LEVELS]
    y_true = rng.integers(0, 2, n).astype(label_dtype)
    y_pred = rng.integers(0, 2, n).astype(label_dtype)
    data: dict[str, Any] = {}
    for name, k, c in zip(COLUMNS, LEVELS, codes, strict=True):
        labels = np.array([f"{name}_level_{j}" for j in range(k)], dtype=object)
        if dtype == "int":
            data[name] = c
        elif dtype == "category":
            data[name] = pd.Categorical.from_codes(c.astype(np.int8), labels)
        elif dtype == "object":
            data[name] = pd.Series(labels[c], dtype=object)
        else:
            data[name] = pd.array(labels[c], dtype="str")
    frame = pd.DataFrame(data)
    label = {
        "int": "int64 codes",
        "category": "category",
        "object": "object strings",
        "str": f"pandas {frame[COLUMNS[0]].dtype} strings",
    }[dtype]
    return Case(label, n, frame, y_true, y_pred, codes)


def make_many_groups(n: int, n_groups: int) -> Case:
    """One categorical of ``n_groups`` categories (int32 codes), ``n`` rows."""
    rng = np.random.default_rng(0)
    codes = rng.integers(0, n_groups, n)
    categories = [f"g{i}" for i in range(n_groups)]
    frame = pd.DataFrame(
        {"g": pd.Categorical.from_codes(codes.astype(np.int32), categories)}
    )
    y_true = rng.integers(0, 2, n).astype(np.int8)
    y_pred = rng.integers(0, 2, n).astype(np.int8)
    return Case("category", n, frame, y_true, y_pred, [codes], (n_groups,))


# -- ours and the floors ----------------------------------------------------------
def run_ours(pf: Any, case: Case) -> tuple[float, float]:
    report = pf.audit(
        case.y_true, case.y_pred, sensitive_features=case.frame, metrics=list(METRICS)
    )
    return report.demographic_parity_difference, report.equalized_odds_difference


def _count(codes: list[np.ndarray], sizes: tuple[int, ...], case: Case) -> np.ndarray:
    group = codes[0].astype(np.intp)
    for c, k in zip(codes[1:], sizes[1:], strict=True):
        group *= k
        group += c
    group *= 4
    group += case.y_true
    group += case.y_true
    group += case.y_pred
    return np.bincount(group, minlength=4 * int(np.prod(sizes)))


def floor_codes(case: Case) -> np.ndarray:
    """The codes used directly: category codes, or the int64 codes themselves."""
    columns = [case.frame[c] for c in case.frame.columns]
    if isinstance(columns[0].dtype, pd.CategoricalDtype):
        codes = [np.asarray(c.array.codes) for c in columns]
    else:
        codes = [c.to_numpy() for c in columns]
    return _count(codes, case.sizes, case)


def floor_factorize(case: Case) -> np.ndarray:
    """One ``pd.factorize`` per column, then the combined code and a bincount."""
    codes, sizes = [], []
    for c in case.frame.columns:
        col_codes, uniques = pd.factorize(case.frame[c])
        codes.append(col_codes)
        sizes.append(len(uniques))
    return _count(codes, tuple(sizes), case)


def timed(fn: Callable[[], Any]) -> float:
    gc.collect()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def alternate(fns: dict[str, Callable[[], Any]], repeat: int) -> dict[str, list[float]]:
    """Time every function ``repeat`` times, in rotating order, after a warm-up."""
    for fn in fns.values():
        fn()
    times: dict[str, list[float]] = {name: [] for name in fns}
    names = list(fns)
    for i in range(repeat):
        for name in names[i % len(names) :] + names[: i % len(names)]:
            times[name].append(timed(fns[name]))
    return times


def med(times: list[float]) -> float:
    return statistics.median(times)


# -- one row of the table -----------------------------------------------------------
@dataclass
class Line:
    work: str
    ours: str
    floor: str
    measured: str
    target: str
    ok: bool | None

    def cells(self) -> list[str]:
        verdict = "n/a" if self.ok is None else ("PASS" if self.ok else "FAIL")
        return [self.work, self.ours, self.floor, self.measured, self.target, verdict]


def fmt_time(seconds: float | None) -> str:
    if seconds is None:
        return "not run"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def fmt_ratio(ratio: float) -> str:
    return f"{ratio:,.0f}x" if ratio >= 10 else f"{ratio:.2f}x"


# -- sections -----------------------------------------------------------------------
def section_floors(pf: Any, args: argparse.Namespace, log: Any) -> list[Line]:
    lines = []
    plan: list[tuple[str, Callable[[], Case], Callable[[Case], Any], str, float]] = [
        (
            f"{args.many_rows:.0e} rows, {args.many_groups:,} groups (category)",
            lambda: make_many_groups(args.many_rows, args.many_groups),
            floor_codes,
            "bincount on the codes",
            3.0,
        ),
        (
            f"{args.rows:.0e} rows, 400 groups, category",
            lambda: make_case(args.rows, "category"),
            floor_codes,
            "codes used directly",
            1.3,
        ),
        (
            f"{args.rows:.0e} rows, 400 groups, int64 codes",
            lambda: make_case(args.rows, "int"),
            floor_codes,
            "codes used directly",
            1.3,
        ),
        (
            f"{args.rows:.0e} rows, 400 groups, object strings",
            lambda: make_case(args.rows, "object"),
            floor_factorize,
            "pd.factorize once per column",
            1.3,
        ),
        (
            f"{args.rows:.0e} rows, 400 groups, pandas strings",
            lambda: make_case(args.rows, "str"),
            floor_factorize,
            "pd.factorize once per column",
            1.3,
        ),
    ]
    for work, build, floor, floor_label, target in plan:
        case = build()
        if "pandas strings" in work:
            work = work.replace("pandas strings", case.label)
        times = alternate(
            {
                "ours": functools.partial(run_ours, pf, case),
                "floor": functools.partial(floor, case),
            },
            args.repeat,
        )
        ours, base = med(times["ours"]), med(times["floor"])
        ratio = ours / base
        log(f"  {work}: ours {fmt_time(ours)}, floor {fmt_time(base)}, {ratio:.2f}x")
        lines.append(
            Line(
                work,
                fmt_time(ours),
                f"{fmt_time(base)} ({floor_label})",
                f"{ratio:.2f}x the floor",
                f"<= {target}x the floor",
                ratio <= target,
            )
        )
        del case
        gc.collect()
    return lines


def _interval_data(n: int) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {c: rng.integers(0, k, n) for c, k in zip(COLUMNS, LEVELS, strict=True)}
    )
    return (
        frame,
        rng.integers(0, 2, n).astype(np.int8),
        rng.integers(0, 2, n).astype(np.int8),
    )


def section_intervals(pf: Any, args: argparse.Namespace, log: Any) -> list[Line]:
    from pytest_fairness.metrics._intervals import bootstrap_cells

    n = args.interval_rows[0]
    frame, y, p = _interval_data(n)

    def audit(confidence: float | None = None) -> Any:
        return pf.audit(
            y, p, sensitive_features=frame, confidence=confidence, n_boot=1000
        )

    def with_intervals() -> Any:
        report = audit(0.95)
        return [report.interval(name) for name in INTERVALS]

    def gate() -> Any:
        return audit(0.95).check(GATE)

    counts = audit().table.counts

    def draws(b: int) -> Callable[[], Any]:
        return lambda: bootstrap_cells(counts, b, np.random.default_rng(0))

    times = alternate(
        {
            "audit": audit,
            "intervals": with_intervals,
            "gate": gate,
            "draws 1000": draws(1000),
            "draws 200": draws(200),
        },
        args.repeat,
    )
    m = {k: med(v) for k, v in times.items()}
    extra = m["intervals"] - m["audit"]
    extra_gate = m["gate"] - m["audit"]
    log(
        f"  {n:.0e} rows: audit {fmt_time(m['audit'])}, + 3 intervals "
        f"{fmt_time(m['intervals'])} (+{fmt_time(extra)}), + gate "
        f"{fmt_time(m['gate'])} (+{fmt_time(extra_gate)}); draws B=1000 "
        f"{fmt_time(m['draws 1000'])}, B=200 {fmt_time(m['draws 200'])}"
    )
    # flat in rows: the three intervals on a fresh report, after the audit
    at: dict[int, float] = {}
    for rows in args.interval_rows:
        f2, y2, p2 = _interval_data(rows)
        report = pf.audit(y2, p2, sensitive_features=f2, confidence=0.95, n_boot=1000)
        del f2, y2, p2
        gc.collect()

        def fresh(r: Any = report) -> Any:
            import dataclasses

            again = dataclasses.replace(r)
            return [again.interval(name) for name in INTERVALS]

        at[rows] = med(alternate({"fresh": fresh}, args.repeat)["fresh"])
        log(f"  3 intervals on a fresh report, {rows:.0e} rows: {fmt_time(at[rows])}")
    base = min(at)
    flat = at[max(at)] / at[base]
    sizes = ", ".join(f"{r:.0e}: {fmt_time(t)}" for r, t in sorted(at.items()))
    return [
        Line(
            f"audit + 3 intervals (B=1000), 400 groups, {n:.0e} rows",
            f"+{fmt_time(extra)}",
            f"draws alone: B=1000 {fmt_time(m['draws 1000'])}, "
            f"B=200 {fmt_time(m['draws 200'])}",
            f"+{fmt_time(extra)}; beyond the draws "
            f"+{fmt_time(extra - m['draws 1000'])}",
            "<= +60 ms",
            extra <= 0.060,
        ),
        Line(
            "3 intervals on a fresh report, 400 groups",
            sizes,
            f"at {base:.0e} rows",
            f"{flat:.2f}x (most rows / fewest rows)",
            "flat in rows (<= 1.5x)",
            flat <= 1.5,
        ),
        Line(
            f"gate with Holm at 400 groups (4 bounds), {n:.0e} rows",
            f"+{fmt_time(extra_gate)}",
            f"draws alone: B=1000 {fmt_time(m['draws 1000'])}",
            f"+{fmt_time(extra_gate)}; beyond the draws "
            f"+{fmt_time(extra_gate - m['draws 1000'])}",
            "<= +80 ms",
            extra_gate <= 0.080,
        ),
    ]


def section_memory(pf: Any, args: argparse.Namespace, log: Any) -> list[Line]:
    lines = []
    for dtype in ("category", "int"):
        case = make_case(args.rows, dtype)
        run_ours(pf, case)  # warm-up outside the trace
        gc.collect()
        tracemalloc.start()
        try:
            tracemalloc.reset_peak()
            run_ours(pf, case)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        ratio = peak / case.input_bytes
        log(
            f"  {case.label}, {args.rows:.0e} rows: input "
            f"{case.input_bytes / 2**20:.1f} MiB, audit peak {peak / 2**20:.1f} MiB"
        )
        lines.append(
            Line(
                f"peak extra memory, {args.rows:.0e} rows, {case.label} + int8 labels",
                f"{peak / 2**20:.1f} MiB",
                f"input {case.input_bytes / 2**20:.1f} MiB",
                f"{ratio:.2f}x the input",
                "<= 2x the input",
                ratio <= 2.0,
            )
        )
        del case
        gc.collect()
    return lines


def section_plugin(pf: Any, args: argparse.Namespace, log: Any) -> list[Line]:
    del pf
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import bench_plugin_load as load

    times = load.measure(args.plugin_runs, log=log)
    stats = load.summary(times)
    plugin = stats["plugin"]
    out = []
    for name, target in (("not installed", 5.0), ("no:fairness", None)):
        wall = plugin["wall"] - stats[name]["wall"]
        cpu = plugin["cpu"] - stats[name]["cpu"]
        log(f"  against {name}: {wall:+.1f} ms wall, {cpu:+.1f} ms CPU")
        out.append(
            Line(
                f"plugin load, hypothesis installed, vs {name}",
                f"{plugin['wall']:.0f} ms (CPU {plugin['cpu']:.0f} ms)",
                f"{stats[name]['wall']:.0f} ms (CPU {stats[name]['cpu']:.0f} ms)",
                f"{wall:+.1f} ms wall, {cpu:+.1f} ms CPU",
                "n/a" if target is None else f"<= {target:g} ms",
                None if target is None else wall <= target,
            )
        )
    hook, bare = stats["import hypothesis"], stats["import hypothesis, not installed"]
    out.append(
        Line(
            "import hypothesis (its entry points), with vs without pytest-fairness",
            f"{hook['wall']:.0f} ms (CPU {hook['cpu']:.0f} ms)",
            f"{bare['wall']:.0f} ms (CPU {bare['cpu']:.0f} ms)",
            f"{hook['wall'] - bare['wall']:+.1f} ms wall, "
            f"{hook['cpu'] - bare['cpu']:+.1f} ms CPU",
            "n/a",
            None,
        )
    )
    return out


def section_duckdb(pf: Any, args: argparse.Namespace, log: Any) -> list[Line]:
    try:
        import duckdb
    except ImportError:
        log("  duckdb not installed: skipped")
        return []
    con = duckdb.connect()
    con.execute("select setseed(0.25)")
    columns = ", ".join(
        f"'{c}_level_' || ((random() * {k})::int % {k}) as {c}"
        for c, k in zip(COLUMNS, LEVELS, strict=True)
    )
    create = (
        f"create table t as select {columns}, "  # noqa: S608 - our own constants
        "((random() * 2)::int % 2)::tinyint as y, "
        f"((random() * 2)::int % 2)::tinyint as p from range({args.rows})"
    )
    con.execute(create)
    rel = con.table("t")
    keys = ", ".join(COLUMNS)

    def ours() -> Any:
        report = pf.audit(
            data=rel, y_true="y", y_pred="p", sensitive_features=list(COLUMNS)
        )
        return report.demographic_parity_difference

    def engine() -> Any:
        query = f"select {keys}, y, p, count(*) from t group by {keys}, y, p"  # noqa: S608
        return con.sql(query).fetchnumpy()

    times = alternate({"ours": ours, "engine": engine}, args.repeat)
    o, e = med(times["ours"]), med(times["engine"])
    log(f"  DuckDB {args.rows:.0e} rows: ours {fmt_time(o)}, GROUP BY {fmt_time(e)}")
    return [
        Line(
            f"{args.rows:.0e} rows through DuckDB (data= relation, strings)",
            fmt_time(o),
            f"{fmt_time(e)} (the engine's GROUP BY, fetched)",
            f"{o / e:.2f}x the engine",
            "<= 1.3x the engine",
            o / e <= 1.3,
        )
    ]


# -- fairlearn ------------------------------------------------------------------
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


def section_fairlearn(pf: Any, args: argparse.Namespace, log: Any) -> list[Line]:
    try:
        import fairlearn.metrics  # noqa: F401
    except ImportError:
        log("  fairlearn not installed: skipped")
        return []
    worst = 0.0
    for dtype in ("int", "category", "object", "str"):
        case = make_case(args.check_rows, dtype)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ours = pf.audit(
                case.y_true,
                case.y_pred,
                sensitive_features=case.frame,
                metrics=list(METRICS),
                min_group_size=1,
            ).by_group[list(METRICS)]
            theirs = metric_frame(case).by_group.dropna(how="all")
        theirs = theirs.loc[ours.index, list(METRICS)]
        diff = np.nanmax(
            np.abs(ours.to_numpy(dtype=float) - theirs.to_numpy(dtype=float))
        )
        same_nan = bool((ours.isna().to_numpy() == theirs.isna().to_numpy()).all())
        worst = max(worst, float(diff) if same_nan else float("inf"))
        log(f"  by_group vs MetricFrame.by_group, {case.label}: max |diff| {diff:.1e}")
    lines = [
        Line(
            f"by_group equals MetricFrame.by_group "
            f"({args.check_rows:.0e} rows, 4 dtypes)",
            f"max |diff| {worst:.1e}",
            "",
            f"{worst:.1e}",
            "<= 1e-12",
            worst <= 1e-12,
        )
    ]
    for rows in args.fairlearn_sizes:
        case = make_case(rows, "int")
        times = alternate(
            {
                "ours": functools.partial(run_ours, pf, case),
                "fairlearn": lambda c=case: metric_frame(c).difference(),
            },
            args.fairlearn_repeat,
        )
        o, f = med(times["ours"]), med(times["fairlearn"])
        log(f"  {rows:.0e} rows: ours {fmt_time(o)}, MetricFrame {fmt_time(f)}")
        lines.append(
            Line(
                f"{rows:.0e} rows, 400 groups, int64 codes, vs MetricFrame",
                fmt_time(o),
                f"MetricFrame {fmt_time(f)}",
                f"MetricFrame / ours {fmt_ratio(f / o)}",
                ">= 100x",
                f / o >= 100,
            )
        )
    return lines


# -- main -----------------------------------------------------------------------
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
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
        f"load average {load:.1f} at the start"
    )


def versions(pf: Any) -> str:
    parts = [
        f"Python {platform.python_version()}",
        f"numpy {np.__version__}",
        f"pandas {pd.__version__}",
        f"pytest-fairness {pf.__version__} ({Path(pf.__file__).parent})",
    ]
    for name in ("fairlearn", "duckdb", "pyarrow"):
        try:
            module = __import__(name)
        except ImportError:
            parts.append(f"{name} not installed")
        else:
            parts.append(f"{name} {module.__version__}")
    return ", ".join(parts)


def parse_size(text: str) -> int:
    value = float(text)
    if value < 1 or value != int(value):
        msg = f"sizes must be positive whole numbers of rows, got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return int(value)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--only", nargs="+", choices=SECTIONS, help="run these sections")
    p.add_argument("--repeat", type=int, default=5, help="timed runs (default 5)")
    p.add_argument("--rows", type=parse_size, default=10_000_000, help="default 1e7")
    p.add_argument("--many-rows", type=parse_size, default=1_000_000)
    p.add_argument("--many-groups", type=parse_size, default=100_000)
    p.add_argument(
        "--interval-rows",
        nargs="+",
        type=parse_size,
        default=[100_000, 1_000_000, 10_000_000],
        help="rows of the interval section; the first is the table's row",
    )
    p.add_argument("--plugin-runs", type=int, default=20)
    p.add_argument("--check-rows", type=parse_size, default=10_000)
    p.add_argument(
        "--fairlearn-sizes", nargs="+", type=parse_size, default=[100_000, 1_000_000]
    )
    p.add_argument("--fairlearn-repeat", type=int, default=3)
    p.add_argument(
        "--src",
        type=Path,
        default=ROOT,
        help="the checkout whose pytest_fairness is measured (default: this one)",
    )
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sys.path.insert(0, str(args.src.resolve()))
    import pytest_fairness as pf

    warnings.simplefilter("ignore", pf.FairnessWarning)

    def log(line: str) -> None:
        print(line, flush=True)

    today = dt.datetime.now(dt.UTC).date().isoformat()
    log(f"pytest-fairness audit benchmark, {today}")
    log(f"machine: {machine()}")
    log(f"versions: {versions(pf)}")
    log(f"command: {' '.join([Path(sys.argv[0]).name, *sys.argv[1:]])}")
    log(f"every time is a median of {args.repeat} runs, alternating with its floor")
    sections = {
        "floors": section_floors,
        "intervals": section_intervals,
        "gate": None,  # measured with the intervals
        "memory": section_memory,
        "plugin": section_plugin,
        "duckdb": section_duckdb,
        "fairlearn": section_fairlearn,
    }
    chosen = args.only or list(SECTIONS)
    if "gate" in chosen and "intervals" not in chosen:
        chosen.append("intervals")
    lines: list[Line] = []
    for name in SECTIONS:
        fn = sections[name]
        if name not in chosen or fn is None:
            continue
        log(f"\n== {name}")
        lines += fn(pf, args, log)
    log("")
    log(
        tabulate(
            [line.cells() for line in lines],
            headers=[
                "work",
                "ours (median)",
                "floor / anchor (median)",
                "measured",
                "target",
                "",
            ],
            tablefmt="github",
            disable_numparse=True,
        )
    )
    return 0 if all(line.ok is not False for line in lines) else 1


if __name__ == "__main__":
    sys.exit(main())
