"""Time the causal toolkit at 1e4 and 1e5 rows.

Run from the repository root::

    python benchmarks/bench_causal.py
    python benchmarks/bench_causal.py --sizes 1e4 1e5 --repeat 3 --no-auto

Every case runs on ``make_loan_applications`` data (gender, race, industry,
employment gap, income, credit score, debt-to-income, approved) with the
scenario's causal graph:

* ``proxy_scan``: the seven features against gender and race, leakage on;
* ``proxy_scan`` (wide): 100 synthetic features (80 numeric, 20 categorical)
  against a binary attribute;
* ``counterfactual_flip_rate``: a scikit-learn pipeline reading gender;
* ``counterfactual_fairness``: a pipeline reading income, employment gap,
  industry and credit score, all paths;
* ``causal_effects``: 200 bootstrap replicates;
* ``pathway_report``: no model, without and with ``causal_effects``.

The first call that needs dowhy pays its import; the import is timed
separately in a fresh interpreter and warmed up before the timed runs. With
``--auto`` (the default) the script also fits the same structural causal model
with dowhy's automatic mechanism assignment at the smallest size, to compare
with the explicit assignment the toolkit uses. Medians over ``--repeat`` runs
are printed with the ratio of each size to the smallest.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from tabulate import tabulate

if TYPE_CHECKING:
    from collections.abc import Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pytest_fairness.causal import (  # noqa: E402
    CausalSpec,
    causal_effects,
    counterfactual_fairness,
    counterfactual_flip_rate,
    pathway_report,
    proxy_scan,
)
from pytest_fairness.causal._design import is_categorical  # noqa: E402
from pytest_fairness.causal._dowhy import fit_scm, load_dowhy, quiet  # noqa: E402
from pytest_fairness.datasets import (  # noqa: E402
    LOAN_DAG_EDGES,
    LOAN_VARIABLE_ROLES,
    make_loan_applications,
)


def timed(func: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def import_seconds() -> float:
    code = (
        "import time; t = time.perf_counter(); import dowhy, dowhy.gcm; "
        "print(time.perf_counter() - t)"
    )
    out = subprocess.run(  # noqa: S603 - runs this interpreter
        [sys.executable, "-W", "ignore", "-c", code],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


def pipeline(numeric: list[str], categorical: list[str]) -> Any:
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    parts = [("num", StandardScaler(), numeric)]
    if categorical:
        parts.append(("cat", OneHotEncoder(handle_unknown="ignore"), categorical))
    return make_pipeline(ColumnTransformer(parts), LogisticRegression(max_iter=1000))


def wide_frame(n: int, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({f"n{i}": rng.normal(size=n) for i in range(80)})
    for i in range(20):
        frame[f"c{i}"] = rng.choice(list("abcdefgh"), n)
    return frame, rng.choice(["f", "m"], n)


def cases(n: int, spec: CausalSpec) -> dict[str, Callable[[], Any]]:
    df = make_loan_applications(n, random_state=0)
    features = df.drop(columns=["approved", "gender", "race"])
    wide, attribute = wide_frame(n)
    naive_cols = ["income", "credit_score", "debt_to_income", "gender"]
    naive = pipeline(naive_cols[:3], ["gender"]).fit(df[naive_cols], df.approved)
    cf_cols = ["income", "employment_gap_months", "credit_score", "industry"]
    cf_model = pipeline(cf_cols[:3], ["industry"]).fit(df[cf_cols], df.approved)
    return {
        "proxy_scan (7 features, 2 attributes)": lambda: proxy_scan(
            features, df[["gender", "race"]]
        ),
        "proxy_scan (100 features)": lambda: proxy_scan(wide, attribute),
        "counterfactual_flip_rate": lambda: counterfactual_flip_rate(
            naive, df[naive_cols], protected="gender"
        ),
        "counterfactual_fairness": lambda: counterfactual_fairness(
            cf_model, df, spec, features=cf_cols
        ),
        "causal_effects (200 replicates)": lambda: causal_effects(df, spec),
        "pathway_report": lambda: pathway_report(spec, df, effects=False),
        "pathway_report + causal_effects": lambda: pathway_report(spec, df),
    }


def auto_assignment(n: int) -> tuple[float, float]:
    """Seconds to fit the loan SCM with automatic and with explicit mechanisms."""
    import networkx as nx

    gcm = load_dowhy().gcm
    df = make_loan_applications(n, random_state=0).drop(columns="approved")
    edges = [e for e in LOAN_DAG_EDGES if "approved" not in e]
    nodes = list(df.columns)
    categorical = {c: is_categorical(df[c]) for c in nodes}
    encoded = df.copy()
    for c in nodes:
        encoded[c] = (
            df[c].astype(object).astype(str) if categorical[c] else df[c].astype(float)
        )
    start = time.perf_counter()
    with quiet():
        scm = gcm.InvertibleStructuralCausalModel(nx.DiGraph(edges))
        gcm.auto.assign_causal_mechanisms(scm, encoded)
        gcm.fit(scm, encoded)
    auto = time.perf_counter() - start
    start = time.perf_counter()
    fit_scm(df, nodes, edges, categorical=categorical)
    return auto, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=float, default=[1e4, 1e5])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--auto", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes]
    warnings.simplefilter("ignore")  # scikit-learn convergence notes, if any

    print(
        f"python {platform.python_version()}, {os.cpu_count()} cores, "
        f"repeat={args.repeat}"
    )
    print(f"dowhy import (fresh interpreter): {import_seconds():.2f} s")
    load_dowhy()  # warm: the timed runs do not pay the import
    spec = CausalSpec.from_roles(LOAN_VARIABLE_ROLES, graph=LOAN_DAG_EDGES)

    results: dict[str, dict[int, float]] = {}
    for n in sizes:
        for name, func in cases(n, spec).items():
            func()  # warm caches (mechanism classes, imports)
            results.setdefault(name, {})[n] = timed(func, args.repeat)
            print(f"  {name} at {n:,} rows: {results[name][n]:.3f} s", flush=True)

    base = sizes[0]
    headers = ["function", *(f"{n:,} rows (s)" for n in sizes)]
    headers += [f"ratio {n:,}/{base:,}" for n in sizes[1:]]
    rows = []
    for name, by_size in results.items():
        row: list[Any] = [name, *(f"{by_size[n]:.3f}" for n in sizes)]
        row += [f"{by_size[n] / by_size[base]:.1f}x" for n in sizes[1:]]
        rows.append(row)
    print()
    print(tabulate(rows, headers=headers, tablefmt="github"))

    if args.auto:
        auto, explicit = auto_assignment(base)
        print()
        print(
            f"SCM fit at {base:,} rows: dowhy automatic assignment {auto:.2f} s, "
            f"explicit assignment {explicit:.2f} s ({auto / explicit:.0f}x faster)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
