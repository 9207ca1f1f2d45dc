"""Bounds on causal results: parsing, verdicts and the failure message."""

from __future__ import annotations

import pytest

from pytest_fairness.causal._gate import GatedResult, parse_causal_bounds
from pytest_fairness.exceptions import FairnessGateFailure, FairnessValueError

METRICS = {"flip_rate": "share flipped", "total_effect": "|total|"}


class Fake(GatedResult):
    __slots__ = ("values",)

    def __init__(self, values):
        self.values = values

    def gate_metrics(self):
        return METRICS

    def gate_value(self, metric):
        value, interval = self.values[metric]
        return value, interval, "detail text"


def test_keyword_and_expression_forms_agree():
    kw = parse_causal_bounds({"max_flip_rate": 0.01, "min_total_effect": 0.2}, METRICS)
    assert [(b.metric, b.op, b.limit) for b in kw] == [
        ("flip_rate", "<=", 0.01),
        ("total_effect", ">=", 0.2),
    ]
    expr = parse_causal_bounds(["flip_rate <= 0.01", "total_effect >= 0.2"], METRICS)
    assert expr == kw
    assert parse_causal_bounds({"flip_rate": ("<", 0.5)}, METRICS)[0].op == "<"


def test_unknown_names_suggest_the_right_one():
    with pytest.raises(FairnessValueError, match=r"unknown bound 'max_flip_rat'.*Did"):
        parse_causal_bounds({"max_flip_rat": 0.1}, METRICS)
    with pytest.raises(FairnessValueError, match=r"must be a number"):
        parse_causal_bounds({"max_flip_rate": "x"}, METRICS)
    with pytest.raises(FairnessValueError, match=r"no bounds given"):
        parse_causal_bounds({}, METRICS)


def test_point_estimate_decides_by_default_and_intervals_on_request():
    result = Fake({"flip_rate": (0.02, (0.005, 0.03)), "total_effect": (0.1, None)})
    assert result.check(max_flip_rate=0.025).passed
    assert result.check(max_flip_rate=0.025, use_intervals=True).verdict == (
        "inconclusive"
    )
    assert result.check(max_flip_rate=0.04, use_intervals=True).passed
    assert result.check(max_flip_rate=0.001, use_intervals=True).verdict == "failed"
    # without an interval, the point estimate decides even with use_intervals
    assert result.check(max_total_effect=0.2, use_intervals=True).passed


def test_assert_within_raises_a_readable_assertion_error():
    result = Fake({"flip_rate": (0.02, (0.01, 0.03)), "total_effect": (0.1, None)})
    result.assert_within(max_flip_rate=0.05)
    with pytest.raises(FairnessGateFailure) as info:
        result.assert_within({"max_flip_rate": 0.01}, max_total_effect=0.5)
    assert isinstance(info.value, AssertionError)
    text = str(info.value)
    assert "1 of 2 bound(s) failed" in text
    assert "flip_rate" in text
    assert "<= 0.01" in text
    assert "0.0200 [0.0100, 0.0300]" in text
    assert info.value.result.failed[0].bound.metric == "flip_rate"
    assert result.gate_values() == {"flip_rate": 0.02, "total_effect": 0.1}
