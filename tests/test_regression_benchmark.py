"""The regression gate's targets, replayed on fixed seeds.

``benchmarks/bench_regression.py`` replays harmless retrains (random forests
with other seeds, logistic regressions on other subsamples) and injected
regressions through the baseline gate. Here a smaller replay, on the loan
scenario at 300 and 1,500 test rows, must meet the targets: at most 5% false
alarms in every setting, and at least 90% of the regressions of 3 standard
errors past the margin caught.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from types import ModuleType

pytest.importorskip("sklearn")

ROOT = Path(__file__).resolve().parents[1]


def load_benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "bench_regression", ROOT / "benchmarks" / "bench_regression.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_harmless_retrains_pass_and_regressions_of_three_se_are_caught() -> None:
    bench = load_benchmark()
    scenario = bench.loan_scenario()
    scenario.sizes = (300, 1500)
    cells = [c for m in bench.MODELS for c in bench.replay(scenario, m, 15)]
    assert len(cells) == 4
    for cell in cells:
        assert cell.runs == 15
        assert cell.false_alarms / cell.runs <= bench.FALSE_ALARM_TARGET, cell
        assert cell.two_sample_false_alarms / cell.two_sample_runs <= 0.05, cell
        # a regression of 0.10 or more is past the noise of 150 rows already
        assert (cell.fixed or {})[0.10] / cell.runs >= 0.8, cell
    caught = sum(c.caught for c in cells)
    runs = sum(c.runs for c in cells)
    assert caught / runs >= bench.DETECTION_TARGET
