"""FairnessReport's own renderings: intervals in tables, notebooks, plot()."""

from __future__ import annotations

import re

import numpy as np
import pytest

import pytest_fairness as pf
from pytest_fairness.exceptions import FairnessValueError


def _data(n: int = 400, seed: int = 0):
    rng = np.random.default_rng(seed)
    sex = rng.choice(["female", "male"], size=n)
    race = rng.choice(["white", "black"], size=n, p=[0.7, 0.3])
    y_true = rng.integers(0, 2, size=n)
    y_pred = (rng.random(n) < np.where(sex == "male", 0.7, 0.5)).astype(int)
    return y_true, y_pred, {"sex": sex, "race": race}


@pytest.fixture(scope="module")
def with_ci() -> pf.FairnessReport:
    y_true, y_pred, sf = _data()
    return pf.audit(y_true, y_pred, sensitive_features=sf, confidence=0.95, n_boot=200)


@pytest.fixture(scope="module")
def without_ci() -> pf.FairnessReport:
    y_true, y_pred, sf = _data()
    return pf.audit(y_true, y_pred, sensitive_features=sf)


def test_html_and_markdown_show_intervals_when_confidence_is_set(
    with_ci: pf.FairnessReport,
) -> None:
    html = with_ci.to_html()
    md = with_ci.to_markdown()
    for text in (html, md):
        assert "selection_rate_low" in text
        assert "selection_rate_high" in text
        assert "intervals: 95%" in text
    # the same numbers as by_group
    frame = with_ci.by_group
    low = frame["selection_rate_low"].iloc[0]
    assert f"{low:.3f}" in html
    # each disparity with its interval
    low, high = with_ci.interval("demographic_parity_difference")
    assert f"[{low:.3f}, {high:.3f}]" in html
    assert f"\\[{low:.3f}, {high:.3f}\\]" in md


def test_no_interval_columns_without_confidence(
    without_ci: pf.FairnessReport,
) -> None:
    for text in (without_ci.to_html(), without_ci.to_markdown()):
        assert "_low" not in text
        assert "interval" not in text


def test_html_is_styled_in_its_own_scope_and_shown_in_notebooks(
    without_ci: pf.FairnessReport,
) -> None:
    html = without_ci.to_html()
    assert html.startswith('<section class="fairness-report">\n<style>')
    style = re.search(r"<style>(.*?)</style>", html, flags=re.DOTALL)
    assert style is not None
    # every rule is scoped to the report's section
    rules = [r for r in style.group(1).split("}") if r.strip()]
    assert all(r.lstrip().startswith(".fairness-report") for r in rules)
    assert without_ci._repr_html_() == html
    # one table per sensitive column too
    assert "<h4>by sex</h4>" in html
    assert "<h4>by race</h4>" in html


def test_labels_stay_escaped() -> None:
    y_true, y_pred, _ = _data()
    label = np.array(["<b>x</b>", "y&z"] * 200)
    html = pf.audit(y_true, y_pred, sensitive_features=label, confidence=0.9).to_html()
    assert "<b>x</b>" not in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html


def test_plot_draws_each_rate_with_its_wilson_interval(
    with_ci: pf.FairnessReport,
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = with_ci.plot(["selection_rate", "tpr"])
    try:
        axes = fig.get_axes()
        assert [a.get_title() for a in axes] == [
            "selection_rate (95% Wilson)",
            "tpr (95% Wilson)",
        ]
        frame = with_ci.by_group
        # one error bar per group; the first group drawn at the top
        lines = [c for c in axes[0].collections if c.get_segments()]
        assert len(lines) == len(frame)
        (top,) = lines[0].get_segments()
        assert top[0][0] == pytest.approx(frame["selection_rate_low"].iloc[0])
        assert top[1][0] == pytest.approx(frame["selection_rate_high"].iloc[0])
        labels = [t.get_text() for t in axes[0].get_yticklabels()]
        assert labels[0].startswith("female")  # the first group, on top
    finally:
        plt.close(fig)


def test_plot_refuses_what_it_cannot_draw(without_ci: pf.FairnessReport) -> None:
    with pytest.raises(FairnessValueError, match="binary rates of the audit"):
        without_ci.plot("count")
