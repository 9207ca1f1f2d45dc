"""Benchmark ``GroupThresholdOptimizer`` against fairlearn's ``ThresholdOptimizer``.

Run from the repository root::

    python benchmarks/bench_postprocessing.py
    python benchmarks/bench_postprocessing.py --sizes 1e5 1e6 --repeat 5

Both post-processors adjust the same scores: a prefit "model" whose
``predict_proba`` returns column 0 of ``X``, so the time is the
post-processing alone (fit = threshold search, predict = applying the rules).
Each case times ``fit`` followed by ``predict`` on the same rows, with the same
constraint, over two sensitive columns (four intersectional groups), and
prints medians and the fairlearn / ours ratio from one run. Before timing, it
checks on the smallest size that our randomized solution's expected accuracy
is at least fairlearn's and that both meet the constraint in expectation.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import platform
import statistics
import sys
import time
import warnings
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from tabulate import tabulate

if TYPE_CHECKING:
    from collections.abc import Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sklearn.base import BaseEstimator, ClassifierMixin  # noqa: E402

from pytest_fairness.postprocessing import GroupThresholdOptimizer  # noqa: E402

FAIRLEARN = {
    "equal_opportunity": "true_positive_rate_parity",
    "demographic_parity": "demographic_parity",
    "equalized_odds": "equalized_odds",
}
# (our constraint, randomized)
CASES = [
    ("equal_opportunity", False),
    ("equal_opportunity", True),
    ("demographic_parity", False),
    ("equalized_odds", True),
]


class ScoreColumn(ClassifierMixin, BaseEstimator):
    """A fitted 'model' whose probability of class 1 is column 0 of X."""

    def fit(self, X: Any, y: Any) -> ScoreColumn:
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        p = np.asarray(X, dtype=np.float64)[:, 0]
        return np.column_stack([1.0 - p, p])

    def predict(self, X: Any) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)


def make_data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Continuous scores (all distinct) of a model that favours one group."""
    rng = np.random.default_rng(seed)
    sex = rng.choice(np.array(["female", "male"]), size=n)
    age = rng.choice(np.array(["young", "old"]), size=n, p=[0.3, 0.7])
    shift = 0.4 * (sex == "male") + 0.2 * (age == "old")
    y = (rng.random(n) < 0.45 + 0.25 * (sex == "male")).astype(int)
    score = 1.0 / (1.0 + np.exp(-(rng.normal(size=n) + 1.4 * y + shift - 0.8)))
    return score[:, None], y, pd.DataFrame({"sex": sex, "age": age})


def ours(constraint: str, randomized: bool) -> Callable[[Any, Any, Any], Any]:
    def run(X: Any, y: Any, sf: Any) -> Any:
        est = GroupThresholdOptimizer(
            ScoreColumn().fit(X, y),
            prefit=True,
            constraints=constraint,
            randomized=randomized,
            random_state=0,
        ).fit(X, y, sensitive_features=sf)
        est.predict(X, sensitive_features=sf)
        return est

    return run


def fairlearn(constraint: str) -> Callable[[Any, Any, Any], Any]:
    from fairlearn.postprocessing import ThresholdOptimizer

    def run(X: Any, y: Any, sf: Any) -> Any:
        est = ThresholdOptimizer(
            estimator=ScoreColumn().fit(X, y),
            prefit=True,
            constraints=FAIRLEARN[constraint],
            predict_method="predict_proba",
        ).fit(X, y, sensitive_features=sf)
        est.predict(X, sensitive_features=sf, random_state=0)
        return est

    return run


def timed(fn: Callable[[], Any], repeat: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of each run (after one warm-up run).

    CPU time (``time.process_time``) leaves out the time the process waits for
    a core, so it varies less than wall time on a busy shared machine.
    """
    fn()  # warm-up
    wall, cpu = [], []
    for _ in range(repeat):
        gc.collect()
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    return wall, cpu


def check(n: int) -> list[list[Any]]:
    """Expected accuracy and constraint spread of both on the same data."""
    X, y, sf = make_data(n, seed=1)
    groups = sf["sex"] + "/" + sf["age"]
    rows = []
    for constraint, randomized in CASES:
        a = ours(constraint, randomized)(X, y, sf)
        b = fairlearn(constraint)(X, y, sf)
        pa = a.decision_proba(X, sensitive_features=sf)[:, 1]
        pb = b._pmf_predict(X, sensitive_features=sf)[:, 1]

        def accuracy(p: np.ndarray) -> float:
            return float(np.mean(p * y + (1 - p) * (1 - y)))

        members = {
            "equal_opportunity": [y == 1],
            "demographic_parity": [np.ones_like(y, dtype=bool)],
            "equalized_odds": [y == 1, y == 0],
        }[constraint]

        def spread(p: np.ndarray, members: list[np.ndarray] = members) -> float:
            worst = 0.0
            for member in members:
                vals = [
                    p[(groups == g).to_numpy() & member].mean() for g in groups.unique()
                ]
                worst = max(worst, max(vals) - min(vals))
            return worst

        rows.append(
            [
                constraint + (" (randomized)" if randomized else ""),
                f"{accuracy(pa):.6f}",
                f"{accuracy(pb):.6f}",
                f"{accuracy(pa) - accuracy(pb):+.1e}",
                f"{spread(pa):.1e}",
                f"{spread(pb):.1e}",
            ]
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", nargs="+", type=float, default=[1e5, 1e6])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of ours")
    parser.add_argument(
        "--fairlearn-repeat", type=int, default=1, help="timed runs of fairlearn"
    )
    parser.add_argument("--check-rows", type=float, default=1e5)
    args = parser.parse_args()
    warnings.simplefilter("ignore", FutureWarning)

    import fairlearn as fl
    import sklearn

    print(f"# bench_postprocessing  {dt.date.today()}  {platform.machine()}")
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, "
        f"pandas {pd.__version__}, scikit-learn {sklearn.__version__}, "
        f"fairlearn {fl.__version__}"
    )
    print()
    print(f"## Same scores, expected values ({int(args.check_rows):,} rows)")
    print(
        tabulate(
            check(int(args.check_rows)),
            headers=[
                "constraint",
                "ours accuracy",
                "fairlearn accuracy",
                "difference",
                "ours spread",
                "fairlearn spread",
            ],
            tablefmt="github",
            disable_numparse=True,
        )
    )
    print()
    rows = []
    for size in args.sizes:
        n = int(size)
        X, y, sf = make_data(n)
        for constraint, randomized in CASES:
            run_ours = ours(constraint, randomized)
            run_fl = fairlearn(constraint)
            w_ours, c_ours = timed(partial(run_ours, X, y, sf), args.repeat)
            w_fl, c_fl = timed(partial(run_fl, X, y, sf), args.fairlearn_repeat)
            m_ours, m_fl = statistics.median(w_ours), statistics.median(w_fl)
            cpu_ours, cpu_fl = statistics.median(c_ours), statistics.median(c_fl)
            rows.append(
                [
                    constraint + (" (randomized)" if randomized else ""),
                    f"{size:.0e}",
                    f"{m_ours * 1e3:.0f} ms",
                    f"{m_fl:.2f} s",
                    f"{m_fl / m_ours:.0f}x",
                    f"{cpu_ours * 1e3:.0f} ms",
                    f"{cpu_fl:.2f} s",
                    f"{cpu_fl / cpu_ours:.0f}x",
                ]
            )
            print("  ...", rows[-1], flush=True)
    print()
    print(f"## fit + predict, median time (load average {os.getloadavg()[0]:.1f})")
    print(
        tabulate(
            rows,
            headers=[
                "constraint",
                "rows",
                f"ours wall (median of {args.repeat})",
                f"fairlearn wall (median of {args.fairlearn_repeat})",
                "fairlearn / ours",
                "ours CPU",
                "fairlearn CPU",
                "fairlearn / ours (CPU)",
            ],
            tablefmt="github",
            disable_numparse=True,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
