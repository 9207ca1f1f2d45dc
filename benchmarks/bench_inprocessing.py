"""Benchmark the in-processing learners against fairlearn's ExponentiatedGradient.

Run from the repository root::

    python benchmarks/bench_inprocessing.py
    python benchmarks/bench_inprocessing.py --sizes 1e4 1e5 --repeat 3

Every case fits on the loan scenario (``make_loan_applications``): one-hot
industry and the four numeric features, standardised; groups are gender x race
(eight intersections); the constraint or penalty is demographic parity. The
contenders, all on the same training rows:

* ``fairlearn EG``: ``ExponentiatedGradient(LogisticRegression(),
  DemographicParity())``, the reference;
* ``Reductions (EG)``: ``ReductionsClassifier()``, the same reduction behind
  our estimator (group encoding, label checks, the deterministic predict);
* ``Reductions (grid)``: ``ReductionsClassifier(method="grid_search")``;
* ``Regularized``: ``FairnessRegularizedClassifier(lambda_dp=50)``;
* ``Adversarial``: ``AdversarialDebiasingClassifier(epochs=20)`` (when torch
  is installed).

The script prints the median fit time of each, its ratio to fairlearn's, and
the accuracy and demographic parity difference of each fitted model on 30% of
held-out rows, so speed is read beside what the fit buys. fairlearn's model
predicts with its randomised ``predict(X, random_state=0)``; ours with their
deterministic ``predict``. Each learner is fitted once, untimed, before the
timed runs (imports, caches). BLAS runs on one thread by default: on a shared
two-core machine, multi-threaded BLAS made the many small solves of these
learners several times slower.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import importlib.util
import platform
import statistics
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

import pytest_fairness as pf  # noqa: E402
from pytest_fairness.datasets import make_loan_applications  # noqa: E402
from pytest_fairness.inprocessing import (  # noqa: E402
    AdversarialDebiasingClassifier,
    FairnessRegularizedClassifier,
    ReductionsClassifier,
)

FEATURES = [
    "industry",
    "employment_gap_months",
    "income",
    "credit_score",
    "debt_to_income",
]


def loan_data(n: int) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Standardised features, labels and gender x race for n applications."""
    from sklearn.preprocessing import StandardScaler

    df = make_loan_applications(n, random_state=0)
    X = pd.get_dummies(df[FEATURES], columns=["industry"], dtype=float)
    return (
        StandardScaler().fit_transform(X),
        df["approved"].to_numpy(),
        df[["gender", "race"]].reset_index(drop=True),
    )


def contenders() -> dict[str, Callable[[], Any]]:
    """Fresh unfitted learners, by name (fairlearn's first: it is the reference)."""
    from fairlearn.reductions import DemographicParity, ExponentiatedGradient
    from sklearn.linear_model import LogisticRegression

    out: dict[str, Callable[[], Any]] = {
        "fairlearn EG": lambda: ExponentiatedGradient(
            LogisticRegression(), constraints=DemographicParity()
        ),
        "Reductions (EG)": lambda: ReductionsClassifier(),
        "Reductions (grid)": lambda: ReductionsClassifier(method="grid_search"),
        "Regularized": lambda: FairnessRegularizedClassifier(lambda_dp=50.0),
    }
    if importlib.util.find_spec("torch") is not None:
        out["Adversarial"] = lambda: AdversarialDebiasingClassifier(epochs=20)
    return out


def predict(name: str, model: Any, X: np.ndarray) -> np.ndarray:
    if name == "fairlearn EG":
        return np.asarray(model.predict(X, random_state=0))
    return np.asarray(model.predict(X))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=float, default=[1e4, 1e5])
    parser.add_argument("--repeat", type=int, default=3, help="timed fits (median)")
    parser.add_argument(
        "--blas-threads",
        type=int,
        default=1,
        help="BLAS threads during fits (0: library default). Default: %(default)r",
    )
    args = parser.parse_args(argv)

    import logging

    from threadpoolctl import threadpool_limits

    # fairlearn logs grid-size advice at WARNING level for every grid search
    logging.getLogger("fairlearn").setLevel(logging.ERROR)

    limits = threadpool_limits(args.blas_threads) if args.blas_threads > 0 else None
    print(f"# In-processing fit times, {dt.date.today().isoformat()}")
    print(
        f"Python {platform.python_version()}, numpy {np.__version__}, "
        f"pandas {pd.__version__}, BLAS threads: {args.blas_threads or 'default'}, "
        f"repeat {args.repeat} (median)"
    )
    # one untimed fit of each learner first: imports (torch) and caches
    Xw, yw, sfw = loan_data(500)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for make in contenders().values():
            make().fit(Xw, yw, sensitive_features=sfw)
    rows = []
    for size in args.sizes:
        n = int(size)
        X, y, sf = loan_data(n)
        cut = int(0.7 * n)
        Xtr, ytr, sftr = X[:cut], y[:cut], sf.iloc[:cut]
        Xte, yte, sfte = X[cut:], y[cut:], sf.iloc[cut:].reset_index(drop=True)
        medians: dict[str, float] = {}
        for name, make in contenders().items():
            times = []
            model = None
            for _ in range(args.repeat):
                model = make()
                gc.collect()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # fairlearn's pandas deprecations
                    start = time.perf_counter()
                    model.fit(Xtr, ytr, sensitive_features=sftr)
                    times.append(time.perf_counter() - start)
            medians[name] = statistics.median(times)
            pred = predict(name, model, Xte)
            report = pf.audit(yte, pred, sensitive_features=sfte)
            rows.append(
                [
                    f"{n:.0e}",
                    name,
                    f"{medians[name]:.3f} s",
                    f"{medians[name] / medians['fairlearn EG']:.2f}x",
                    f"{np.mean(pred == yte):.3f}",
                    f"{report.demographic_parity_difference:.3f}",
                ]
            )
            print(f"  {n:>7} rows  {name:<18} {medians[name]:8.3f} s", flush=True)
    print()
    print(
        tabulate(
            rows,
            headers=[
                "rows",
                "learner",
                "fit (median)",
                "/ fairlearn EG",
                "accuracy",
                "DP difference",
            ],
            tablefmt="github",
            disable_numparse=True,
        )
    )
    if limits is not None:
        limits.restore_original_limits()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
