"""Causal tools: where and how bias enters.

The "Detect" stage: before mitigating, find whether a protected attribute
acts on decisions directly, through mediators or through proxies, and which
of those pathways are unfair. :class:`CausalSpec` declares the variable map
and builds the graph; :func:`proxy_scan`, :func:`counterfactual_flip_rate`,
:func:`counterfactual_fairness`, :func:`causal_effects` and
:func:`pathway_report` measure; every result offers ``assert_within(...)``.
dowhy (the ``causal`` extra) is imported only by the functions that need it.
"""

from __future__ import annotations

from pytest_fairness.causal._counterfactual import counterfactual_fairness
from pytest_fairness.causal._dowhy import Refutation
from pytest_fairness.causal._effects import CausalEffects, causal_effects
from pytest_fairness.causal._flip import FlipRateResult, counterfactual_flip_rate
from pytest_fairness.causal._gate import CausalBoundResult, CausalGateResult
from pytest_fairness.causal._pathways import PathwayReport, pathway_report
from pytest_fairness.causal._proxy import ProxyScanResult, proxy_scan
from pytest_fairness.causal._spec import CausalSpec, Pathway

__all__ = [
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
