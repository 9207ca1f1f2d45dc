"""Monitoring at scale, and the drift test's false alarms and detection delay.

Two parts (both run by default):

``scale``
    A year of daily loan decisions, ``--rows`` rows (1e8 by default) over 400
    intersectional groups (sex x race x age band x region), written as
    parquet into a temporary folder, then monitored weekly with DuckDB (the
    embedded default), pandas and PySpark ``local[2]``. Each engine runs in
    its own process: wall time, peak memory of that Python process (Spark's
    JVM, capped at ``spark.driver.memory=2g``, is not included), and a check
    that every engine returns identical counts (rows per window and group,
    and every windowed value).

``drift``
    Stable processes watched over 52 weekly windows (13 reference, 39
    watched): the share of runs with any drift alert (target <= 5%). Then a
    drift of 3 standard errors of the weekly disparity injected after week
    26: the share caught within 2 windows, and the mean delay.

Usage::

    python benchmarks/bench_monitoring.py                  # both parts
    python benchmarks/bench_monitoring.py scale --rows 1e7 --engines duckdb pandas
    python benchmarks/bench_monitoring.py drift --runs 400
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

GROUPS = {
    "sex": ["female", "male"],
    "race": ["asian", "black", "hispanic", "other", "white"],
    "age": ["18-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75-84", "85+"],
    "region": ["north", "south", "east", "west", "central"],
}
CHUNK = 2_000_000
KW = {
    "time": "ts",
    "freq": "W",
    "y_pred": "approved",
    "y_true": "repaid",
    "sensitive_features": list(GROUPS),
    "metrics": ["demographic_parity_difference", "equal_opportunity_difference"],
    "bounds": {"demographic_parity_difference": 0.3},
}


# -- data ---------------------------------------------------------------------------
def write_log(path: Path, rows: int, seed: int = 0) -> None:
    """Write a year of daily decisions as one parquet file, chunk by chunk."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    start = np.datetime64("2024-01-01T00:00:00", "us")
    writer = None
    levels = {k: pa.array(v) for k, v in GROUPS.items()}
    done = 0
    while done < rows:
        n = min(CHUNK, rows - done)
        codes = {
            k: rng.integers(0, len(v), n).astype(np.int32) for k, v in GROUPS.items()
        }
        female = codes["sex"] == 0
        p = np.where(female, 0.58, 0.76) - 0.01 * codes["race"]
        approved = (rng.random(n) < p).astype(np.int8)
        repaid = (rng.random(n) < np.where(approved == 1, 0.8, 0.5)).astype(np.int8)
        ts = start + rng.integers(0, 366 * 86_400_000_000, n).astype("timedelta64[us]")
        table = pa.table(
            {
                "ts": pa.array(ts),
                **{
                    k: pa.DictionaryArray.from_arrays(pa.array(c), levels[k])
                    for k, c in codes.items()
                },
                "approved": pa.array(approved),
                "repaid": pa.array(repaid),
            }
        )
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema)
        writer.write_table(table, row_group_size=1_000_000)
        done += n
    if writer is not None:
        writer.close()


# -- one engine in its own process --------------------------------------------------
def _engine_frame(engine: str, path: str):
    if engine == "duckdb":
        import duckdb

        con = duckdb.connect()
        con.execute("SET threads TO 2")
        return con.read_parquet(path)
    if engine == "pandas":
        import pandas as pd

        return pd.read_parquet(path)
    if engine == "spark":
        from pyspark.sql import SparkSession

        spark = (
            SparkSession.builder.master("local[2]")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.driver.memory", "2g")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.sql.session.timeZone", "UTC")
            .getOrCreate()
        )
        spark.sparkContext.setLogLevel("ERROR")
        return spark.read.parquet(path)
    msg = f"unknown engine {engine!r}"
    raise SystemExit(msg)


def run_engine(engine: str, path: str, out: str) -> None:
    """Monitor the log with one engine; write timings and the result."""
    from pytest_fairness.monitoring import monitor
    from pytest_fairness.monitoring._engine import count_windows
    from pytest_fairness.monitoring._freq import parse_freq

    t0 = time.perf_counter()
    frame = _engine_frame(engine, path)
    t_load = time.perf_counter() - t0
    t1 = time.perf_counter()
    counts = count_windows(
        frame,
        time="ts",
        windowing=parse_freq("W"),
        y_true="repaid",
        y_pred="approved",
        sensitive=list(GROUPS),
        y_score=None,
    )
    t_count = time.perf_counter() - t1
    t2 = time.perf_counter()
    result = monitor(frame, **KW)
    t_monitor = time.perf_counter() - t2
    # the counts, keyed by (window, label, decision, groups), as plain data
    keys = np.column_stack(
        [counts.key, counts.y_true.astype(int), counts.y_pred.astype(int)]
        + [np.asarray(counts.sensitive[k], dtype=str) for k in GROUPS]
    )
    order = np.lexsort(keys.T[::-1])
    digest = {
        "entries": len(counts.rows),
        "rows": int(counts.rows.sum()),
        "cells": [[*map(str, keys[i]), int(counts.rows[i])] for i in order],
    }
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if engine == "spark":
        from pyspark.sql import SparkSession

        SparkSession.builder.getOrCreate().stop()
    Path(out).write_text(
        json.dumps(
            {
                "engine": engine,
                "load_s": t_load,
                "count_s": t_count,
                "monitor_s": t_monitor,
                "peak_mib": peak_kib / 1024,
                "windows": result.windows[["window", "metric", "value"]]
                .fillna(-1)
                .to_dict("list"),
                "alerts": len(result.alerts),
                "counts": digest,
            }
        )
    )


def scale(rows: int, engines: list[str], folder: Path) -> None:
    path = folder / "log.parquet"
    t0 = time.perf_counter()
    write_log(path, rows)
    size = path.stat().st_size / 2**20
    print(
        f"wrote {rows:,} rows ({size:,.0f} MiB parquet) in "
        f"{time.perf_counter() - t0:.0f} s"
    )
    results = {}
    for engine in engines:
        out = folder / f"{engine}.json"
        cmd = [sys.executable, __file__, "_engine", engine, str(path), str(out)]
        t0 = time.perf_counter()
        done = subprocess.run(cmd, check=False, capture_output=True, text=True)  # noqa: S603
        wall = time.perf_counter() - t0
        if done.returncode != 0:
            print(f"{engine}: failed\n{done.stderr[-3000:]}")
            continue
        results[engine] = json.loads(out.read_text())
        results[engine]["wall_s"] = wall
    print()
    print(
        "| engine | rows | count in engine (s) | monitor (s) | process wall (s) "
        "| peak RSS of the Python process (MiB) | count entries |"
    )
    print("|---|---|---|---|---|---|---|")
    for engine, r in results.items():
        print(
            f"| {engine} | {rows:,} | {r['count_s']:.1f} | {r['monitor_s']:.1f} | "
            f"{r['wall_s']:.1f} | {r['peak_mib']:,.0f} | "
            f"{r['counts']['entries']:,} |"
        )
    names = list(results)
    for other in names[1:]:
        same = results[other]["counts"] == results[names[0]]["counts"]
        values = results[other]["windows"] == results[names[0]]["windows"]
        print(
            f"{other} vs {names[0]}: identical counts {same}, "
            f"identical windowed values {values}"
        )


# -- drift: false alarms and detection ------------------------------------------
def _log(seed: int, per_window: int, weeks: int, drift_se: float, change: int | None):
    import pandas as pd

    rng = np.random.default_rng(seed)
    n = per_window * weeks
    day = rng.integers(0, weeks * 7, n)
    female = rng.random(n) < 0.5
    p = np.where(female, 0.58, 0.76)
    if change is not None:
        n_group = per_window / 2
        se = math.sqrt((0.58 * 0.42 + 0.76 * 0.24) / n_group)
        p = np.where(female & (day >= change * 7), p - drift_se * se, p)
    return pd.DataFrame(
        {
            "ts": pd.Timestamp("2024-01-01") + pd.to_timedelta(day, unit="D"),
            "sex": np.where(female, "female", "male"),
            "approved": (rng.random(n) < p).astype(int),
        }
    )


def drift(runs: int, per_window: int) -> None:
    import warnings

    from pytest_fairness.monitoring import monitor

    warnings.simplefilter("ignore")
    weeks = 52
    kw = {
        "time": "ts",
        "freq": "W",
        "y_pred": "approved",
        "sensitive_features": "sex",
        "confidence": None,
        "n_boot": 1000,
    }
    t0 = time.perf_counter()
    alarmed = 0
    windows_alarmed = 0
    for seed in range(runs):
        result = monitor(_log(seed, per_window, weeks, 0.0, None), **kw)
        d = result.alerts_of("drift")
        alarmed += not d.empty
        windows_alarmed += len(d)
    far = alarmed / runs
    half = 1.96 * math.sqrt(far * (1 - far) / runs)
    print(
        f"stable: {alarmed} of {runs} runs raised a drift alert over 39 watched "
        f"windows: false-alarm rate {far:.1%} (95% CI {max(0, far - half):.1%} to "
        f"{far + half:.1%}); {windows_alarmed} alerting windows of {runs * 39} "
        f"({time.perf_counter() - t0:.0f} s)"
    )
    change = 26
    delays = []
    for seed in range(runs):
        result = monitor(_log(10_000 + seed, per_window, weeks, 3.0, change), **kw)
        d = result.alerts_of("drift")
        start = np.datetime64("2024-01-01") + np.timedelta64(change * 7, "D")
        hits = d[d["window_start"] >= start]["window_start"]
        if hits.empty:
            delays.append(math.inf)
            continue
        delays.append((hits.min() - start).days // 7 + 1)
    arr = np.array(delays, dtype=float)
    within2 = float((arr <= 2).mean())
    within1 = float((arr <= 1).mean())
    within3 = float((arr <= 3).mean())
    finite = arr[np.isfinite(arr)]
    print(
        f"drift of 3 standard errors from week {change + 1}: caught in the first "
        f"window {within1:.1%}, within 2 windows {within2:.1%}, within 3 "
        f"{within3:.1%}; mean delay {finite.mean():.2f} windows (median "
        f"{np.median(finite):.0f}); never {np.isinf(arr).mean():.1%}"
    )


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_engine":
        run_engine(*sys.argv[2:5])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "part", nargs="?", choices=["scale", "drift", "all"], default="all"
    )
    parser.add_argument("--rows", type=float, default=1e8)
    parser.add_argument("--engines", nargs="+", default=["duckdb", "pandas", "spark"])
    parser.add_argument("--runs", type=int, default=400)
    parser.add_argument("--per-window", type=int, default=2_000)
    args = parser.parse_args()
    if args.part in ("drift", "all"):
        drift(args.runs, args.per_window)
    if args.part in ("scale", "all"):
        with tempfile.TemporaryDirectory() as folder:
            scale(int(args.rows), args.engines, Path(folder))


if __name__ == "__main__":
    main()
