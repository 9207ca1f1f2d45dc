"""Examples per second of hypothesis tests on generated fairness datasets.

One run of each test shape, 200 examples (generate phase only), repeated
5 times; prints the median examples per second and the ratio to the target
of 100 per second for a test that audits a generated 1,000-row dataset.
"""

from __future__ import annotations

import statistics
import time
import warnings

from hypothesis import HealthCheck, Phase, given, settings

import pytest_fairness as pf
from pytest_fairness.strategies import fairness_datasets, group_compositions

ATTRIBUTES = {
    "gender": ("female", "male"),
    "race": ("asian", "black", "hispanic", "white"),
}
N_EXAMPLES = 200
REPEATS = 5
TARGET = 100.0

COMPOSITIONS = group_compositions(ATTRIBUTES, total_size=1_000, min_group_size=30)
DATASETS = fairness_datasets(
    composition=COMPOSITIONS,
    predictions={"tpr": 0.8, "fpr": 0.2},
    features={"credit": "signal", "zip_code": "proxy"},
)


def examples_per_second(strategy, body) -> float:
    count = 0

    @settings(
        max_examples=N_EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def run(value):
        nonlocal count
        count += 1
        body(value)

    start = time.perf_counter()
    run()
    return count / (time.perf_counter() - start)


def audit(df) -> None:
    report = pf.audit(
        df["y"],
        df["y_pred"],
        sensitive_features=df[["gender", "race"]],
        min_group_size=30,
    )
    report.check({"demographic_parity_difference": 0.1})


def main() -> None:
    warnings.simplefilter("ignore")
    cases = [
        ("group_compositions (1,000 rows, 8 cells)", COMPOSITIONS, lambda v: None),
        ("fairness_datasets (1,000 rows)", DATASETS, lambda v: None),
        ("fairness_datasets + audit + gate", DATASETS, audit),
    ]
    for name, strategy, body in cases:
        examples_per_second(strategy, body)  # warm up
        rates = [examples_per_second(strategy, body) for _ in range(REPEATS)]
        median = statistics.median(rates)
        print(
            f"{name:42s} median {median:7.1f} examples/s  "
            f"({median / TARGET:.2f}x target)"
        )


if __name__ == "__main__":
    main()
