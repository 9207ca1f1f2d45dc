"""causal_effects: total, natural direct and natural indirect effect of an attribute."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from pytest_fairness._inputs import as_1d, check_no_missing
from pytest_fairness._validation import (
    check_bool,
    check_int,
    check_probability,
    fail,
    hint_for,
)
from pytest_fairness.causal._dowhy import (
    Refutation,
    identify_total_effect,
    refute_total_effect,
)
from pytest_fairness.causal._gate import GatedResult
from pytest_fairness.causal._mediation import nested_means
from pytest_fairness.causal._spec import CausalSpec, as_frame, as_spec

if TYPE_CHECKING:
    from collections.abc import Mapping

    from numpy.typing import NDArray

__all__ = ["EFFECT_NAMES", "CausalEffects", "causal_effects"]

#: The effects reported, in order.
EFFECT_NAMES = (
    "total_effect",
    "natural_direct_effect",
    "natural_indirect_effect",
    "pure_indirect_effect",
)


def _magnitude_interval(interval: tuple[float, float]) -> tuple[float, float]:
    low, high = interval
    if math.isnan(low) or math.isnan(high):
        return (math.nan, math.nan)
    if low <= 0.0 <= high:
        return (0.0, max(-low, high))
    return (min(abs(low), abs(high)), max(abs(low), abs(high)))


@dataclass(frozen=True, slots=True)
class CausalEffects(GatedResult):
    r"""Effects of a protected attribute on an outcome, with bootstrap intervals.

    Every effect compares ``comparison`` with ``reference`` (comparison
    minus reference) on the outcome's scale: a probability for 0/1 outcomes,
    the mean otherwise.

    Attributes
    ----------
    protected : str
        The attribute.
    outcome : str
        The outcome (labels or a model's predictions).
    reference, comparison : object
        The two levels compared.
    total_effect : float
        :math:`E[Y(c, M(c))] - E[Y(r, M(r))]`.
    natural_direct_effect : float
        :math:`E[Y(c, M(r))] - E[Y(r, M(r))]`: the attribute's effect with
        every mediator held at its reference-level value.
    natural_indirect_effect : float
        :math:`E[Y(c, M(c))] - E[Y(c, M(r))]`: the effect of moving the
        mediators to their comparison-level values. ``total = direct +
        indirect``.
    pure_indirect_effect : float
        :math:`E[Y(r, M(c))] - E[Y(r, M(r))]`.
    potential_means : dict of str to float
        The four nested means :math:`E[Y(a, M(a'))]`, keyed ``"Y(c, M(r))"``
        style with the level names.
    intervals : dict of str to (float, float)
        Percentile bootstrap interval of each effect at ``confidence``.
    confidence : float
        Level of the intervals.
    n_boot : int
        Bootstrap replicates.
    n_rows : int
        Rows used.
    mediators : tuple of str
        The variables between the attribute and the outcome (descendants of
        the attribute that cause the outcome).
    covariates : tuple of str
        The other causes of the outcome adjusted for.
    backdoor : tuple of str
        The adjustment set dowhy identified for the total effect.
    estimand : str
        dowhy's identified estimand for the total effect.
    dowhy_total_effect : float
        dowhy's own estimate of the total effect (backdoor linear
        regression), a cross-check; NaN unless refutations were run.
    refutations : tuple of Refutation
        dowhy's refutations of the total effect (empty unless requested).
    replicates : pandas.DataFrame
        The bootstrap replicates of every effect.
    """

    protected: str
    outcome: str
    reference: Any
    comparison: Any
    total_effect: float
    natural_direct_effect: float
    natural_indirect_effect: float
    pure_indirect_effect: float
    potential_means: dict[str, float]
    intervals: dict[str, tuple[float, float]]
    confidence: float
    n_boot: int
    n_rows: int
    mediators: tuple[str, ...]
    covariates: tuple[str, ...]
    backdoor: tuple[str, ...]
    estimand: str = field(repr=False)
    dowhy_total_effect: float = math.nan
    refutations: tuple[Refutation, ...] = ()
    replicates: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    _gate_aliases: ClassVar[Mapping[str, str]] = MappingProxyType(
        {
            "natural_direct_effect": "direct_effect",
            "natural_indirect_effect": "indirect_effect",
            "total": "total_effect",
            "direct": "direct_effect",
            "indirect": "indirect_effect",
        }
    )

    def interval(self, name: str) -> tuple[float, float]:
        """Return the bootstrap interval of an effect.

        Parameters
        ----------
        name : str
            ``"total_effect"``, ``"natural_direct_effect"`` (or
            ``"direct_effect"``), ``"natural_indirect_effect"`` (or
            ``"indirect_effect"``) or ``"pure_indirect_effect"``.

        Returns
        -------
        tuple of float
            ``(low, high)`` at ``confidence``.

        Raises
        ------
        FairnessValueError
            For an unknown effect name.
        """
        full = {"direct_effect": "natural_direct_effect"}
        full["indirect_effect"] = "natural_indirect_effect"
        key = full.get(name, name)
        if key not in self.intervals:
            msg = (
                f"unknown effect {name!r}. Effects: {list(EFFECT_NAMES)!r}."
                f"{hint_for(name, EFFECT_NAMES)}"
            )
            raise fail(msg)
        return self.intervals[key]

    @property
    def table(self) -> pd.DataFrame:
        """The effects as a table: ``effect``, ``estimate``, ``low``, ``high``."""
        rows = [
            (name, getattr(self, name), *self.intervals[name]) for name in EFFECT_NAMES
        ]
        return pd.DataFrame(rows, columns=["effect", "estimate", "low", "high"])

    def gate_metrics(self) -> dict[str, str]:
        """Return the metrics a bound can name (absolute values of the effects).

        Returns
        -------
        dict of str to str
            ``total_effect``, ``direct_effect``, ``indirect_effect``.
        """
        return {
            "total_effect": "|total effect|",
            "direct_effect": "|natural direct effect|",
            "indirect_effect": "|natural indirect effect|",
        }

    def gate_value(self, metric: str) -> tuple[float, tuple[float, float] | None, str]:
        """Return the absolute value of an effect, its interval and a detail.

        Parameters
        ----------
        metric : str
            One of :meth:`gate_metrics`.

        Returns
        -------
        tuple
            ``(|effect|, interval of |effect|, detail)``.
        """
        name = {
            "direct_effect": "natural_direct_effect",
            "indirect_effect": "natural_indirect_effect",
        }.get(metric, metric)
        value = float(getattr(self, name))
        low, high = self.intervals[name]
        detail = (
            f"{self.comparison} vs {self.reference}: {value:+.4f} "
            f"[{low:+.4f}, {high:+.4f}]"
        )
        return abs(value), _magnitude_interval((low, high)), detail

    def _gate_subject(self) -> str:
        return f"causal effects of {self.protected} on {self.outcome}"

    def to_markdown(self) -> str:
        """Render the effects as markdown.

        Returns
        -------
        str
            A headline and the effects table, with refutations when run.
        """
        head = (
            f"**Effects of {self.protected} on {self.outcome}** "
            f"({self.comparison} vs {self.reference}, {self.n_rows:,} rows, "
            f"{self.confidence:.0%} bootstrap intervals over {self.n_boot} replicates)"
        )
        lines = [head, "", self.table.to_markdown(index=False, floatfmt=".4f")]
        if self.mediators:
            lines += ["", f"Mediators: {', '.join(self.mediators)}."]
        if self.refutations:
            ref = pd.DataFrame([r.to_dict() for r in self.refutations])
            lines += ["", ref.to_markdown(index=False, floatfmt=".4f")]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-friendly dict.

        Returns
        -------
        dict
            The effects, intervals, variables and refutations.
        """
        return {
            "protected": self.protected,
            "outcome": self.outcome,
            "reference": self.reference,
            "comparison": self.comparison,
            **{name: getattr(self, name) for name in EFFECT_NAMES},
            "intervals": {k: list(v) for k, v in self.intervals.items()},
            "potential_means": dict(self.potential_means),
            "confidence": self.confidence,
            "n_boot": self.n_boot,
            "n_rows": self.n_rows,
            "mediators": list(self.mediators),
            "covariates": list(self.covariates),
            "backdoor": list(self.backdoor),
            "dowhy_total_effect": None
            if math.isnan(self.dowhy_total_effect)
            else self.dowhy_total_effect,
            "refutations": [r.to_dict() for r in self.refutations],
        }


# ---------------------------------------------------------------------------
# Estimation
# ---------------------------------------------------------------------------


def _outcome_values(
    data: pd.DataFrame, spec: CausalSpec, outcome: Any
) -> tuple[str, NDArray[np.float64]]:
    if outcome is None:
        name = spec.outcome
        if name not in data.columns:
            msg = (
                f"data has no outcome column {name!r}: pass outcome= with the "
                "labels or a model's predictions."
            )
            raise fail(msg)
        raw = np.asarray(data[name].to_numpy())
    elif isinstance(outcome, str):
        if outcome not in data.columns:
            msg = (
                f"outcome={outcome!r} is not a column of data."
                f"{hint_for(outcome, [str(c) for c in data.columns])}"
            )
            raise fail(msg)
        name, raw = outcome, np.asarray(data[outcome].to_numpy())
    else:
        name, raw = spec.outcome, as_1d(outcome, "outcome")
        if raw.shape[0] != len(data):
            msg = f"outcome has {raw.shape[0]} rows but data has {len(data)}."
            raise fail(msg)
    check_no_missing(raw, "outcome")
    if raw.dtype.kind == "b":
        return name, raw.astype(np.float64)
    if raw.dtype.kind not in "iuf":
        msg = (
            f"outcome must be numeric (0/1 labels, scores or values). Got values "
            f"of dtype {raw.dtype}; binarise it first, e.g. y == 'approved'."
        )
        raise fail(msg)
    return name, raw.astype(np.float64)


def _levels(
    codes: NDArray[np.intp],
    uniques: NDArray[Any],
    y: NDArray[np.float64],
    reference: Any,
    comparison: Any,
) -> tuple[int, int]:
    means = np.bincount(codes, weights=y) / np.bincount(codes)
    labels = [u.item() if isinstance(u, np.generic) else u for u in uniques]

    def find(value: Any, argname: str) -> int:
        for i, label in enumerate(labels):
            if label == value:
                return i
        msg = (
            f"{argname}={value!r} is not a level of the protected attribute {labels!r}."
        )
        raise fail(msg)

    ref = int(np.argmax(means)) if reference is None else find(reference, "reference")
    comp = (
        int(np.argmin(means)) if comparison is None else find(comparison, "comparison")
    )
    if ref == comp:
        if reference is None and comparison is None:
            msg = "the protected attribute needs two levels with different outcomes."
        else:
            msg = f"reference and comparison must differ. Both are {labels[ref]!r}."
        raise fail(msg)
    return ref, comp


def causal_effects(
    data: pd.DataFrame,
    spec: CausalSpec,
    *,
    outcome: Any = None,
    protected: str | None = None,
    reference: Any = None,
    comparison: Any = None,
    confidence: float = 0.95,
    n_boot: int = 200,
    interactions: bool = False,
    refute: bool = False,
    n_simulations: int = 20,
    random_state: int = 0,
) -> CausalEffects:
    r"""Estimate the total, natural direct and natural indirect effect of an attribute.

    dowhy identifies the total effect from the spec's graph (backdoor
    criterion); the effects are then estimated with the mediation formula,
    which also splits the total into the part that goes through the
    mediators and the part that does not. Intervals come from a bootstrap
    over rows. Optionally dowhy estimates the total effect itself and
    refutes it (placebo treatment, random common cause).

    Parameters
    ----------
    data : pandas.DataFrame
        Rows with the protected attribute, the outcome's causes in the
        graph and (unless ``outcome`` is given) the outcome.
    spec : CausalSpec
        The causal graph and roles.
    outcome : str or array-like, optional
        The outcome column (the spec's outcome by default), or values such
        as a model's predictions or scores, which then take the outcome's
        place in the graph.
    protected : str, optional
        The attribute; the spec's first protected attribute by default.
    reference, comparison : object, optional
        The levels compared (comparison minus reference). By default the
        level with the highest mean outcome is the reference and the one
        with the lowest the comparison.
    confidence : float, default=0.95
        Level of the bootstrap intervals.
    n_boot : int, default=200
        Bootstrap replicates (at least 20).
    interactions : bool, default=False
        Let the attribute interact with every other term of the outcome
        model (more flexible, noisier).
    refute : bool, default=False
        Also estimate the total effect with dowhy (backdoor linear
        regression) and run its placebo-treatment and random-common-cause
        refuters.
    n_simulations : int, default=20
        Simulations per refuter.
    random_state : int, default=0
        Seed of the bootstrap and the refuters.

    Returns
    -------
    CausalEffects
        ``effects.total_effect``, ``effects.natural_direct_effect``,
        ``effects.natural_indirect_effect`` and ``effects.interval(name)``;
        gate with ``effects.assert_within(max_direct_effect=0.02)``.

    Raises
    ------
    FairnessValueError
        For missing columns, a non-numeric outcome, unknown levels or bad
        arguments.
    ImportError
        When dowhy is missing: ``pip install "pytest-fairness[causal]"``.

    See Also
    --------
    pathway_report : The effect carried by each pathway.
    counterfactual_fairness : The individual-level counterpart.

    Notes
    -----
    With :math:`A` the attribute, :math:`M` the mediators (descendants of
    :math:`A` that cause the outcome), :math:`C` the outcome's other causes
    and :math:`Q(a, m, c) = E[Y \mid A=a, M=m, C=c]`, the nested means are

    .. math:: E[Y(a, M(a'))] = E\left[\frac{1\{A=a'\}}{P(A=a' \mid C)}
              Q(a, M, C)\right] \Big/ E\left[\frac{1\{A=a'\}}{P(A=a' \mid C)}\right]

    (mediation formula with inverse-probability weights; the weights are
    constant when :math:`A` has no causes in the graph). :math:`Q` is an
    additive logistic regression for 0/1 outcomes (linear otherwise) on
    indicators of :math:`A`, one-hot categorical variables and linear
    splines of numeric ones. The formula assumes the graph is complete: no
    unobserved confounding of :math:`A`, :math:`M` and :math:`Y`, and no
    cause of both :math:`M` and :math:`Y` that :math:`A` affects other than
    the mediators themselves (all of them are in :math:`M`).

    The bootstrap is linearised: each replicate draws multinomial row
    weights and takes one Newton step from the full-data fit with the
    full-data Hessian, which matches refitting to first order and costs a
    few matrix products per replicate.

    Examples
    --------
    >>> from pytest_fairness.causal import CausalSpec, causal_effects
    >>> from pytest_fairness.datasets import (LOAN_DAG_EDGES, LOAN_VARIABLE_ROLES,
    ...                                       make_loan_applications)
    >>> df = make_loan_applications(10_000, random_state=0)
    >>> spec = CausalSpec.from_roles(LOAN_VARIABLE_ROLES, graph=LOAN_DAG_EDGES)
    >>> effects = causal_effects(df, spec)
    >>> effects.comparison, effects.reference
    ('female', 'male')
    >>> low, high = effects.interval("natural_direct_effect")
    >>> bool(low < effects.natural_direct_effect < high < 0)
    True
    """
    spec = as_spec(spec)
    data = as_frame(data)
    confidence = check_probability("confidence", confidence)
    n_boot = check_int("n_boot", n_boot, minimum=20)
    interactions = check_bool("interactions", interactions)
    refute = check_bool("refute", refute)
    n_simulations = check_int("n_simulations", n_simulations, minimum=1)
    random_state = check_int("random_state", random_state)
    attribute = spec.resolve_protected(protected)
    outcome_name, y = _outcome_values(data, spec, outcome)

    below = spec.descendants(attribute)
    causes = spec.ancestors(spec.outcome)
    mediators = tuple(n for n in spec.nodes if n in below and n in causes)
    covariates = tuple(
        n for n in spec.nodes if n in causes and n not in below and n != attribute
    )
    needed = [attribute, *mediators, *covariates]
    missing = [n for n in needed if n not in data.columns]
    if missing:
        msg = (
            f"data has no column(s) {missing!r} of the causal spec."
            f"{hint_for(missing[0], [str(c) for c in data.columns])}"
        )
        raise fail(msg)
    if attribute not in causes:
        msg = (
            f"the graph has no path from {attribute!r} to {spec.outcome!r}: "
            "its effect is zero by assumption."
        )
        raise fail(msg)
    raw_attr = np.asarray(data[attribute].to_numpy())
    check_no_missing(raw_attr, f"protected attribute {attribute!r}")
    codes, uniques = pd.factorize(raw_attr, sort=True)
    codes = codes.astype(np.intp)
    ref, comp = _levels(codes, np.asarray(uniques), y, reference, comparison)
    labels = [u.item() if isinstance(u, np.generic) else u for u in np.asarray(uniques)]

    # dowhy: identification of the total effect (and optional refutation)
    graph_nodes = [n for n in spec.nodes if n in set(needed) | {spec.outcome}]
    graph_edges = [
        (a, b) for a, b in spec.edges if a in graph_nodes and b in graph_nodes
    ]
    pair = (codes == ref) | (codes == comp)
    frame = data.loc[pair, [n for n in needed if n != attribute]].copy()
    frame[attribute] = codes[pair] == comp
    frame[spec.outcome] = y[pair]
    backdoor, estimand = identify_total_effect(
        frame, graph_nodes, graph_edges, treatment=attribute, outcome=spec.outcome
    )
    dowhy_total = math.nan
    refutations: tuple[Refutation, ...] = ()
    if refute:
        dowhy_total, refutations = refute_total_effect(
            frame,
            graph_nodes,
            graph_edges,
            treatment=attribute,
            outcome=spec.outcome,
            n_simulations=n_simulations,
            random_state=random_state,
        )

    columns = {n: data[n] for n in (*mediators, *covariates)}
    parents = spec.ancestors(attribute)
    confounders = {n: data[n] for n in covariates if n in parents}
    point, rep = nested_means(
        codes=codes,
        reference=ref,
        comparison=comp,
        y=y,
        columns=columns,
        confounders=confounders,
        interactions=interactions,
        n_boot=n_boot,
        random_state=random_state,
    )

    def effects(m: NDArray[np.float64]) -> NDArray[np.float64]:
        rr, cr, cc, rc = m[..., 0], m[..., 1], m[..., 2], m[..., 3]
        return np.stack([cc - rr, cr - rr, cc - cr, rc - rr], axis=-1)

    est = effects(point)
    rep_effects = effects(rep)
    alpha = 1.0 - confidence
    lows = np.quantile(rep_effects, alpha / 2, axis=0)
    highs = np.quantile(rep_effects, 1 - alpha / 2, axis=0)
    r_label, c_label = labels[ref], labels[comp]
    potential = {
        f"Y({r_label}, M({r_label}))": float(point[0]),
        f"Y({c_label}, M({r_label}))": float(point[1]),
        f"Y({c_label}, M({c_label}))": float(point[2]),
        f"Y({r_label}, M({c_label}))": float(point[3]),
    }
    return CausalEffects(
        protected=attribute,
        outcome=outcome_name,
        reference=r_label,
        comparison=c_label,
        total_effect=float(est[0]),
        natural_direct_effect=float(est[1]),
        natural_indirect_effect=float(est[2]),
        pure_indirect_effect=float(est[3]),
        potential_means=potential,
        intervals={
            name: (float(lows[i]), float(highs[i]))
            for i, name in enumerate(EFFECT_NAMES)
        },
        confidence=confidence,
        n_boot=n_boot,
        n_rows=int(codes.size),
        mediators=mediators,
        covariates=covariates,
        backdoor=backdoor,
        estimand=estimand,
        dowhy_total_effect=dowhy_total,
        refutations=refutations,
        replicates=pd.DataFrame(rep_effects, columns=list(EFFECT_NAMES)),
    )
