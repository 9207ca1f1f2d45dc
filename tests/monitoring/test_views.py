"""A monitoring result renders itself as text, markdown, HTML, a plot and JSON."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from pytest_fairness import FairnessValueError
from pytest_fairness.monitoring import MonitorResult, monitor


@pytest.fixture(scope="module")
def result(make_log) -> MonitorResult:
    log = make_log(n=16_000, days=70, seed=4, shift={"female": -0.15}, shift_from=35)
    log["sex"] = log["sex"].replace({"female": "fem<ale>"})
    return monitor(
        log,
        time="ts",
        freq="W",
        y_pred="approved",
        y_true="repaid",
        y_score="score",
        sensitive_features=["sex", "race"],
        bounds={"demographic_parity_difference": 0.25},
    )


def test_json_round_trips(result):
    back = MonitorResult.from_json(result.to_json())
    for name in ("windows", "groups", "alerts"):
        pd.testing.assert_frame_equal(
            getattr(back, name), getattr(result, name), check_dtype=False
        )
    assert back.settings == result.settings
    assert result.to_json() == back.to_json()
    with pytest.raises(FairnessValueError, match="not a monitoring result"):
        MonitorResult.from_json("{}")
    with pytest.raises(FairnessValueError, match="invalid JSON"):
        MonitorResult.from_json("{")


def test_text_and_markdown(result):
    text = str(result)
    assert text.startswith("fairness monitoring: 10 windows (freq=W) from 2024-01-01")
    assert "demographic_parity_difference (bound <= 0.25)" in text
    assert "alerts:" in text
    md = result.to_markdown()
    assert md.startswith("## Fairness monitoring")
    assert "### demographic_parity_difference" in md
    assert "### Alerts" in md


def test_html_draws_one_chart_per_disparity_and_escapes_labels(result):
    page = result.to_html()
    assert page.count("<svg") == len(result.metrics) + 1  # and the shares
    assert 'class="bound"' in page
    assert 'class="alert"' in page
    assert 'class="reference"' in page
    assert "<script" not in page
    assert "fem<ale>" not in page
    assert "fem&lt;ale&gt;" in page
    # every window of the first disparity has a point, with its value as text
    first = result.windows[result.windows["metric"] == result.metrics[0]]
    for label in first["window"]:
        assert re.search(
            rf"<title>{label}: {result.metrics[0]} 0\.\d{{3}}</title>", page
        )


def test_scores_add_calibration_to_the_groups(result):
    brier = result.groups[result.groups["metric"] == "brier"]
    assert not brier.empty
    assert brier["value"].between(0, 1).all()


def test_plot(result):
    import matplotlib

    matplotlib.use("Agg")
    fig = result.plot()
    assert len(fig.axes) == len(result.metrics)
    one = result.plot("demographic_parity_difference")
    assert one.axes[0].get_title() == "demographic_parity_difference"
    with pytest.raises(FairnessValueError, match="is not followed"):
        result.plot("accuracy_difference")
    import matplotlib.pyplot as plt

    plt.close("all")
