"""Benchmark the pre-processing estimators, and fairlearn and aif360 where comparable.

Run from the repository root::

    python benchmarks/bench_preprocessing.py
    python benchmarks/bench_preprocessing.py --sizes 1e5 1e6 --repeat 5

Every case uses the same synthetic training set: n rows, eight numeric
features whose means and spreads depend on the group, a binary label whose
rate depends on the group, and two sensitive columns (2 x 4 levels, eight
intersectional groups). Each row of the table times one call a user makes:

* ``fit`` + ``transform`` for the transformers (``fit_transform``);
* ``fit`` for ``Reweighing`` (the weights are ``sample_weight_``);
* ``fit_resample`` for the three ``Resampler`` strategies;
* ``bias_profile`` of the frame (groups, gaps and 8 x 2 associations);
* ``PrototypeRepresentationLearner`` ``fit_transform``, once, on the first
  ``--prototype-rows`` rows only (2 prototypes, 20 iterations): fairlearn's
  optimiser differentiates numerically, so its cost grows with rows times
  parameters and the larger sizes would take hours.

Comparable contenders, fed the same data in the form they need (prepared
before timing):

* fairlearn's ``CorrelationRemover`` on the 8 features plus the group
  indicator columns (the same output as ours with ``sensitive_features=``),
  and on 8 features plus two numeric sensitive columns (the same output as
  ours with ``sensitive_feature_ids``);
* aif360's ``Reweighing`` (``aif360.sklearn``) with the two sensitive columns
  in the index (the same weights);
* fairlearn's ``PrototypeRepresentationLearner`` with the two sensitive
  columns, which it merges into one itself (the same representation: ours
  wraps it).

Before timing, the script checks that each contender's output equals ours on
the first size. It prints medians of ``--repeat`` runs and the ratios of the
medians, all from the same run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import logging
import os
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

from pytest_fairness.preprocessing import (  # noqa: E402
    CorrelationRemover,
    DisparateImpactRemover,
    GroupStandardizer,
    PrototypeRepresentationLearner,
    Resampler,
    Reweighing,
    bias_profile,
)

N_FEATURES = 8
PROTOTYPE = {"n_prototypes": 2, "max_iter": 20, "random_state": 0}
PROTOTYPE_ROW = "PrototypeRepresentationLearner"
GENDERS = np.array(["female", "male"])
RACES = np.array(["white", "black", "hispanic", "asian"])


def make_data(n: int, seed: int = 0) -> dict[str, Any]:
    """Synthetic training data with group-dependent features and labels."""
    rng = np.random.default_rng(seed)
    g = rng.integers(0, 2, n)
    r = rng.choice(4, n, p=[0.6, 0.13, 0.19, 0.08])
    shift = 0.5 * g[:, None] - 0.2 * r[:, None] * np.linspace(0, 1, N_FEATURES)
    scale = 1.0 + 0.5 * g[:, None]
    X = rng.normal(size=(n, N_FEATURES)) * scale + shift
    y = (rng.random(n) < 0.55 + 0.18 * g - 0.03 * r).astype(np.int64)
    sf = pd.DataFrame({"gender": GENDERS[g], "race": RACES[r]})
    names = [f"f{j}" for j in range(N_FEATURES)]
    frame = pd.DataFrame(X, columns=names).assign(
        gender=sf["gender"], race=sf["race"], approved=y
    )
    codes = g * 4 + r
    indicators = np.eye(8)[codes]
    numeric_sf = np.c_[g, r].astype(float)
    return {
        "X": X,
        "y": y,
        "sf": sf,
        "frame": frame,
        "X_indicators": np.c_[X, indicators],
        "X_numeric_sf": np.c_[X, numeric_sf],
        "aif_X": pd.DataFrame(X, index=pd.MultiIndex.from_frame(sf)),
        "aif_y": pd.Series(y, index=pd.MultiIndex.from_frame(sf)),
    }


# -- contenders -------------------------------------------------------------------
def ours(data: dict[str, Any]) -> dict[str, Callable[[], Any]]:
    X, y, sf = data["X"], data["y"], data["sf"]
    ids = list(range(N_FEATURES, N_FEATURES + 2))
    return {
        "Reweighing.fit": lambda: (
            Reweighing().fit(X, y, sensitive_features=sf).sample_weight_
        ),
        "Resampler(uniform)": lambda: Resampler(random_state=0).fit_resample(
            X, y, sensitive_features=sf
        ),
        "Resampler(oversample)": lambda: Resampler(
            strategy="oversample", random_state=0
        ).fit_resample(X, y, sensitive_features=sf),
        "Resampler(preferential)": lambda: Resampler(
            strategy="preferential"
        ).fit_resample(X, y, sensitive_features=sf),
        "DisparateImpactRemover": lambda: DisparateImpactRemover().fit_transform(
            X, sensitive_features=sf
        ),
        "GroupStandardizer": lambda: GroupStandardizer().fit_transform(
            X, sensitive_features=sf
        ),
        "CorrelationRemover (groups)": lambda: CorrelationRemover().fit_transform(
            X, sensitive_features=sf
        ),
        "CorrelationRemover (numeric ids)": lambda: CorrelationRemover(
            sensitive_feature_ids=ids
        ).fit_transform(data["X_numeric_sf"]),
        "bias_profile": lambda: bias_profile(
            data["frame"], sensitive_features=["gender", "race"], label="approved"
        ),
    }


def theirs(data: dict[str, Any]) -> dict[str, tuple[str, Callable[[], Any]]]:
    """Comparable contenders, keyed by our row they compare with."""
    out: dict[str, tuple[str, Callable[[], Any]]] = {}
    try:
        from fairlearn.preprocessing import CorrelationRemover as FLCorrelationRemover
    except ImportError:  # pragma: no cover - fairlearn is in the mitigation extra
        FLCorrelationRemover = None
    if FLCorrelationRemover is not None:
        ind = list(range(N_FEATURES, N_FEATURES + 8))
        ids = list(range(N_FEATURES, N_FEATURES + 2))
        out["CorrelationRemover (groups)"] = (
            "fairlearn CorrelationRemover (indicators)",
            lambda: (
                FLCorrelationRemover(sensitive_feature_ids=ind)
                .fit(data["X_indicators"])
                .transform(data["X_indicators"])
            ),
        )
        out["CorrelationRemover (numeric ids)"] = (
            "fairlearn CorrelationRemover",
            lambda: (
                FLCorrelationRemover(sensitive_feature_ids=ids)
                .fit(data["X_numeric_sf"])
                .transform(data["X_numeric_sf"])
            ),
        )
    try:
        logging.getLogger().setLevel(logging.ERROR)  # aif360 logs missing extras
        from aif360.sklearn.preprocessing import Reweighing as AifReweighing
    except ImportError:
        AifReweighing = None
    if AifReweighing is not None:
        out["Reweighing.fit"] = (
            "aif360 Reweighing",
            lambda: AifReweighing(prot_attr=["gender", "race"]).fit_transform(
                data["aif_X"], data["aif_y"]
            )[1],
        )
    return out


def prototype_case(
    data: dict[str, Any],
) -> tuple[Callable[[], Any], tuple[str, Callable[[], Any]] | None]:
    """Our prototype learner and fairlearn's, on the same (small) data."""
    X, y, sf = data["X"], data["y"], data["sf"]

    def mine() -> Any:
        learner = PrototypeRepresentationLearner(**PROTOTYPE)
        return learner.fit_transform(X, y, sensitive_features=sf)

    try:
        from fairlearn.preprocessing import PrototypeRepresentationLearner as FLPRL
    except ImportError:  # pragma: no cover - fairlearn < 0.13
        return mine, None
    return mine, (
        "fairlearn PrototypeRepresentationLearner",
        lambda: FLPRL(**PROTOTYPE).fit(X, y, sensitive_features=sf).transform(X),
    )


def check_equal(data: dict[str, Any], prototype_rows: int) -> list[list[str]]:
    """Each contender's output against ours, before anything is timed."""
    mine = ours(data)
    mine[PROTOTYPE_ROW], their_prototype = prototype_case(make_data(prototype_rows))
    contenders = theirs(data)
    if their_prototype is not None:
        contenders[PROTOTYPE_ROW] = their_prototype
    rows = []
    for key, (name, run) in contenders.items():
        a = np.asarray(mine[key]())
        b = np.asarray(run())
        diff = float(np.max(np.abs(a - b)))
        scale = float(np.max(np.abs(b)))
        ok = diff <= 1e-9 * max(scale, 1.0)
        rows.append([key, name, f"{diff:.2e}", "PASS" if ok else "FAIL"])
    return rows


def timed(run: Callable[[], Any], repeat: int, *, warm_up: bool = True) -> float:
    if warm_up:
        run()
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def fmt(seconds: float) -> str:
    return f"{seconds * 1e3:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", nargs="+", type=float, default=[1e5, 1e6])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--repeat-large",
        type=int,
        default=3,
        help="timed runs at sizes of 1e6 rows and more",
    )
    parser.add_argument(
        "--prototype-rows",
        type=float,
        default=2000,
        help="rows for PrototypeRepresentationLearner (timed once, after its check)",
    )
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")  # e.g. pandas' notices inside aif360
    sizes = [int(s) for s in args.sizes]
    print(
        f"{dt.date.today()} | Python {platform.python_version()} | "
        f"{platform.machine()} | {os.cpu_count()} cores"
    )
    print("\nCorrectness (first size):")
    prototype_rows = int(args.prototype_rows)
    checks = check_equal(make_data(sizes[0]), prototype_rows)
    print(
        tabulate(
            checks, headers=["ours", "contender", "max |diff|", ""], tablefmt="github"
        )
    )
    rows = []
    for n in sizes:
        data = make_data(n)
        repeat = args.repeat if n < 1_000_000 else args.repeat_large
        contenders = theirs(data)
        for key, run in ours(data).items():
            mine = timed(run, repeat)
            other = contenders.get(key)
            if other is None:
                rows.append([f"{n:,}", key, fmt(mine), "", "", ""])
                continue
            name, their_run = other
            t = timed(their_run, repeat)
            rows.append([f"{n:,}", key, fmt(mine), name, fmt(t), f"{t / mine:.1f}x"])
        print(f"... {n:.0e} rows done", flush=True)
    # one run each: the correctness check above was the warm-up
    mine_run, other = prototype_case(make_data(prototype_rows))
    mine = timed(mine_run, 1, warm_up=False)
    row = [f"{prototype_rows:,}", PROTOTYPE_ROW, fmt(mine), "", "", ""]
    if other is not None:
        t = timed(other[1], 1, warm_up=False)
        row[3:] = [other[0], fmt(t), f"{t / mine:.1f}x"]
    rows.append(row)
    print()
    print(
        tabulate(
            rows,
            headers=[
                "rows",
                "ours",
                "median",
                "contender",
                "median",
                "contender / ours",
            ],
            tablefmt="github",
        )
    )
    return 0 if all(r[-1] == "PASS" for r in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
