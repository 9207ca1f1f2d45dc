"""The causal package's public names are pinned, sorted and documented."""

from __future__ import annotations

import inspect

import pytest_fairness.causal as causal

EXPECTED = [
    "CausalBoundResult",
    "CausalEffects",
    "CausalGateResult",
    "CausalSpec",
    "FlipRateResult",
    "Pathway",
    "PathwayReport",
    "ProxyScanResult",
    "Refutation",
    "causal_effects",
    "counterfactual_fairness",
    "counterfactual_flip_rate",
    "pathway_report",
    "proxy_scan",
]


def test_all_is_sorted_and_pinned():
    assert causal.__all__ == sorted(causal.__all__)
    assert causal.__all__ == EXPECTED


def test_every_public_name_is_documented_with_numpydoc_sections():
    for name in causal.__all__:
        doc = inspect.getdoc(getattr(causal, name))
        assert doc, name
        if inspect.isfunction(getattr(causal, name)):
            for section in ("Parameters", "Returns", "Raises", "Examples"):
                assert section in doc, (name, section)


def test_functions_take_keyword_only_options():
    positional = {
        "proxy_scan": ["X", "sensitive_features"],
        "counterfactual_flip_rate": ["model", "X"],
        "counterfactual_fairness": ["model", "data", "spec"],
        "causal_effects": ["data", "spec"],
        "pathway_report": ["spec", "data", "model"],
    }
    for name, leading in positional.items():
        params = list(inspect.signature(getattr(causal, name)).parameters.values())
        assert [p.name for p in params[: len(leading)]] == leading
        assert all(p.kind is p.KEYWORD_ONLY for p in params[len(leading) :]), name
