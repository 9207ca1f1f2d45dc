"""pathway_report: the effect carried by each causal pathway, and where to act."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from statistics import NormalDist
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from pytest_fairness._validation import check_bool, check_int, check_probability, fail
from pytest_fairness.causal._counterfactual import model_features, scm_subgraph
from pytest_fairness.causal._design import is_categorical
from pytest_fairness.causal._dowhy import (
    counterfactuals,
    evaluate_node,
    expected_value,
    fit_scm,
    noise_of,
    parents_of,
)
from pytest_fairness.causal._effects import CausalEffects, causal_effects
from pytest_fairness.causal._flip import model_outputs
from pytest_fairness.causal._gate import GatedResult
from pytest_fairness.causal._spec import CausalSpec, Pathway, as_frame, as_spec

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from numpy.typing import NDArray

    from pytest_fairness.causal._dowhy import FittedSCM

__all__ = ["PathwayReport", "pathway_report"]

_COLUMNS = ["pathway", "kind", "fair", "effect", "low", "high", "stage", "action"]


def _advice(
    pathway: Pathway, spec: CausalSpec, low: float, high: float
) -> tuple[str, str]:
    """Suggested stage and action for a pathway."""
    if pathway.fair:
        return "", "fair: passes through " + ", ".join(
            n for n in pathway.through if n in spec.fair_variables
        )
    if low <= 0.0 <= high:
        return "", "no effect detected"
    if pathway.kind == "direct":
        return (
            "in-processing",
            f"the decision uses {pathway.protected} itself: remove it from the "
            "inputs and train under a fairness constraint (ReductionsClassifier, "
            "FairnessRegularizedClassifier)",
        )
    if pathway.kind == "proxy":
        proxy = next(n for n in pathway.through if n in spec.proxies)
        return (
            "pre-processing",
            f"repair or drop the proxy {proxy} (DisparateImpactRemover, "
            "CorrelationRemover)",
        )
    first = pathway.through[0]
    return (
        "pre-processing",
        f"repair {first} within groups (GroupStandardizer, "
        "DisparateImpactRemover); when the model cannot change, adjust its "
        "decisions (GroupThresholdOptimizer, post-processing)",
    )


@dataclass(frozen=True, slots=True)
class PathwayReport(GatedResult):
    """Each causal pathway from a protected attribute, its effect and the suggested fix.

    Attributes
    ----------
    protected : str
        The attribute.
    target : str
        What the effects are measured on: ``"model"`` (its score, or its
        decision without ``predict_proba``) or the outcome column.
    reference, comparison : object
        The levels compared (effects are comparison minus reference).
    table : pandas.DataFrame
        One row per pathway: ``pathway``, ``kind`` (direct / mediator /
        proxy), ``fair``, ``effect`` with ``low`` and ``high``, the
        suggested ``stage`` (``pre-processing``, ``in-processing`` or empty)
        and ``action``.
    total_effect : float
        The effect of switching the attribute along every path at once.
    unfair_effect : float
        The effect carried by the unfair pathways together (fair variables
        held at their reference-world values).
    intervals : dict of str to (float, float)
        Intervals of ``total_effect`` and ``unfair_effect``.
    confidence : float
        Level of the intervals.
    effects : CausalEffects or None
        The total, natural direct and indirect effects from
        :func:`causal_effects`, when requested.
    """

    protected: str
    target: str
    reference: Any
    comparison: Any
    table: pd.DataFrame = field(repr=False)
    total_effect: float
    unfair_effect: float
    intervals: dict[str, tuple[float, float]]
    confidence: float
    effects: CausalEffects | None = field(default=None, repr=False)

    _gate_aliases: ClassVar[Mapping[str, str]] = MappingProxyType(
        {"unfair_pathway": "unfair_pathway_effect", "total": "total_effect"}
    )

    @property
    def unfair(self) -> pd.DataFrame:
        """The unfair pathways with an effect (interval excluding 0)."""
        rows = self.table[~self.table["fair"] & (self.table["stage"] != "")]
        return rows.reset_index(drop=True)

    def gate_metrics(self) -> dict[str, str]:
        """Return the metrics a bound can name (absolute values).

        Returns
        -------
        dict of str to str
            ``unfair_effect``, ``unfair_pathway_effect`` (the largest single
            unfair pathway), ``direct_effect`` (the direct pathway) and
            ``total_effect``.
        """
        return {
            "unfair_effect": "|effect of the unfair pathways together|",
            "unfair_pathway_effect": "largest |effect| of one unfair pathway",
            "direct_effect": "|effect of the direct pathway|",
            "total_effect": "|effect of all pathways|",
        }

    def gate_value(self, metric: str) -> tuple[float, tuple[float, float] | None, str]:
        """Return the absolute value of a metric, its interval and a detail.

        Parameters
        ----------
        metric : str
            One of :meth:`gate_metrics`.

        Returns
        -------
        tuple
            ``(value, interval, detail)``.
        """
        if metric in ("unfair_effect", "total_effect"):
            value = getattr(self, metric)
            low, high = self.intervals[metric]
            return abs(value), _abs_interval(low, high), f"{value:+.4f}"
        rows = self.table
        if metric == "direct_effect":
            rows = rows[rows["kind"] == "direct"]
        else:
            rows = rows[~rows["fair"]]
        if rows.empty:
            return 0.0, None, "no such pathway"
        worst = rows.iloc[int(np.argmax(rows["effect"].abs().to_numpy()))]
        return (
            abs(float(worst["effect"])),
            _abs_interval(float(worst["low"]), float(worst["high"])),
            f"{worst['pathway']}: {worst['effect']:+.4f}",
        )

    def _gate_subject(self) -> str:
        return (
            f"pathways of {self.protected} to the {self.target} "
            f"({self.comparison} vs {self.reference})"
        )

    def to_markdown(self) -> str:
        """Render the report as markdown.

        Returns
        -------
        str
            A headline, the pathway table and, when present, the effects.
        """
        shown = self.table.copy()
        shown["fair"] = shown["fair"].map({True: "fair", False: "unfair"})
        for column in ("effect", "low", "high"):
            shown[column] = shown[column].map(lambda v: f"{v:+.4f}")
        lo, hi = self.intervals["unfair_effect"]
        tlo, thi = self.intervals["total_effect"]
        lines = [
            f"**Pathways of {self.protected} to the {self.target}** "
            f"({self.comparison} vs {self.reference}; {self.confidence:.0%} intervals)",
            "",
            f"- all pathways: {self.total_effect:+.4f} [{tlo:+.4f}, {thi:+.4f}]",
            f"- unfair pathways together: {self.unfair_effect:+.4f} "
            f"[{lo:+.4f}, {hi:+.4f}]",
            "",
            shown.to_markdown(index=False),
        ]
        if self.effects is not None:
            lines += ["", self.effects.to_markdown()]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-friendly dict.

        Returns
        -------
        dict
            The pathways as records, the combined effects and, when present,
            the causal effects.
        """
        return {
            "protected": self.protected,
            "target": self.target,
            "reference": self.reference,
            "comparison": self.comparison,
            "pathways": self.table.to_dict(orient="records"),
            "total_effect": self.total_effect,
            "unfair_effect": self.unfair_effect,
            "intervals": {k: list(v) for k, v in self.intervals.items()},
            "confidence": self.confidence,
            "effects": None if self.effects is None else self.effects.to_dict(),
        }


def _abs_interval(low: float, high: float) -> tuple[float, float]:
    if low <= 0.0 <= high:
        return (0.0, max(-low, high))
    return (min(abs(low), abs(high)), max(abs(low), abs(high)))


def _world(
    scm: FittedSCM,
    noise: pd.DataFrame,
    reference: pd.DataFrame,
    protected: str,
    value: Any,
    active: set[tuple[str, str]],
) -> dict[str, NDArray[Any]]:
    """Values (encoded) when ``protected`` acts with ``value`` along ``active`` edges.

    Every variable reads a parent's value from this world when the edge is
    active and from the reference world otherwise (edge-specific effects);
    a variable with no active incoming edge keeps its reference value.
    """
    world: dict[str, NDArray[Any]] = {
        protected: np.full(len(noise), scm.encode_value(protected, value), dtype=object)
    }
    for node in scm.nodes:
        if node == protected:
            continue
        parents = parents_of(scm, node)
        if not any((p, node) in active for p in parents):
            world[node] = reference[node].to_numpy()
            continue
        inputs = {
            p: world[p] if (p, node) in active else reference[p].to_numpy()
            for p in parents
        }
        world[node] = evaluate_node(scm, node, inputs, noise[node].to_numpy())
    return world


def _summary(values: NDArray[np.float64], z: float) -> tuple[float, float, float]:
    mean = float(values.mean())
    half = (
        z * float(values.std(ddof=1)) / math.sqrt(values.size)
        if values.size > 1
        else 0.0
    )
    return mean, mean - half, mean + half


def pathway_report(
    spec: CausalSpec,
    data: pd.DataFrame,
    model: Any = None,
    *,
    protected: str | None = None,
    reference: Any = None,
    comparison: Any = None,
    features: Iterable[str] | None = None,
    effects: bool = True,
    confidence: float = 0.95,
    n_boot: int = 200,
    mechanisms: Mapping[str, Any] | None = None,
    random_state: int = 0,
) -> PathwayReport:
    r"""Estimate the effect carried by each pathway and suggest where to intervene.

    A structural causal model is fitted to ``data`` (``dowhy.gcm``, as in
    :func:`counterfactual_fairness`). For each pathway from the protected
    attribute to the outcome, every row's attribute is switched from
    ``reference`` to ``comparison`` along that pathway only (the other
    inputs of each variable keep their reference-world values) and the
    change of the model's score (or of the outcome's probability, without a
    model) is averaged over rows.

    Parameters
    ----------
    spec : CausalSpec
        The causal graph, roles and fair mediators.
    data : pandas.DataFrame
        The variables of the graph.
    model : estimator, optional
        A fitted model reading columns of ``data``; its score
        (``predict_proba[:, 1]``) or decision replaces the outcome. Without
        it the effects are on the outcome column.
    protected : str, optional
        The attribute; the spec's first by default.
    reference, comparison : object, optional
        The levels compared; by default the levels with the highest and the
        lowest mean outcome (or model output).
    features : iterable of str, optional
        The columns the model reads (``model.feature_names_in_`` by default).
    effects : bool, default=True
        Also estimate the total, natural direct and indirect effects with
        :func:`causal_effects` (on the model's output when a model is given).
    confidence : float, default=0.95
        Level of the intervals.
    n_boot : int, default=200
        Bootstrap replicates of :func:`causal_effects`.
    mechanisms : mapping of str to dowhy mechanism, optional
        Replace the default mechanism of some variables.
    random_state : int, default=0
        Seed of the noise of categorical variables and of the bootstrap.

    Returns
    -------
    PathwayReport
        ``report.table`` (one row per pathway), ``report.unfair``,
        ``report.to_markdown()``; gate with
        ``report.assert_within(max_unfair_effect=0.02)``.

    Raises
    ------
    FairnessValueError
        For a spec and data that do not match or bad arguments.
    ImportError
        When dowhy is missing: ``pip install "pytest-fairness[causal]"``.

    See Also
    --------
    CausalSpec.pathways : The pathways and their classification.
    causal_effects : Total, direct and indirect effects with bootstrap
        intervals.

    Notes
    -----
    The effect of pathway :math:`\pi` is the edge-specific effect
    :math:`E[Y_\pi] - E[Y(r)]`, where :math:`Y(r)` is every row's
    counterfactual outcome with the attribute at ``reference`` and
    :math:`Y_\pi` is the same with the attribute at ``comparison`` along the
    edges of :math:`\pi` only. The direct pathway gives the natural direct
    effect. Effects of single pathways need not add up to the total: with a
    non-linear model, pathways interact. The intervals are normal intervals
    over rows given the fitted structural model (they do not include the
    uncertainty of fitting it). A pathway whose last variable is not a
    feature of ``model`` has no effect on it.

    Suggested stages: a direct pathway is fixed in training (in-processing);
    a proxy pathway by repairing or dropping the proxy (pre-processing); an
    unfair mediator pathway by repairing the mediator within groups
    (pre-processing) or, when the model cannot change, by group-specific
    decision thresholds (post-processing).

    Examples
    --------
    >>> from pytest_fairness.causal import CausalSpec, pathway_report
    >>> from pytest_fairness.datasets import (LOAN_DAG_EDGES, LOAN_VARIABLE_ROLES,
    ...                                       make_loan_applications)
    >>> df = make_loan_applications(5_000, random_state=0)
    >>> spec = CausalSpec.from_roles(LOAN_VARIABLE_ROLES, graph=LOAN_DAG_EDGES)
    >>> report = pathway_report(spec, df, effects=False)
    >>> report.table[["pathway", "kind", "fair", "stage"]].head(3)
                                           pathway      kind   fair           stage
    0                           gender -> approved    direct  False   in-processing
    1               gender -> industry -> approved     proxy  False  pre-processing
    2  gender -> employment_gap_months -> approved  mediator  False  pre-processing
    """
    spec = as_spec(spec)
    data = as_frame(data)
    effects = check_bool("effects", effects)
    confidence = check_probability("confidence", confidence)
    random_state = check_int("random_state", random_state)
    attribute = spec.resolve_protected(protected)

    if model is None:
        columns: list[str] = []
        causes = spec.ancestors(spec.outcome)
        nodes = [n for n in spec.nodes if n in causes or n == spec.outcome]
        edges = [(a, b) for a, b in spec.edges if a in nodes and b in nodes]
        target = spec.outcome
        graph_spec = spec
    else:
        columns = model_features(model, data, spec, features)
        graph_spec = _model_spec(spec, columns)
        nodes, edges = scm_subgraph(spec, attribute, columns, cut_fair=False)
        target = "model"
    pathways = graph_spec.pathways(attribute)
    missing = [n for n in nodes if n not in data.columns]
    if missing:
        msg = f"data has no column(s) {missing!r} of the causal spec."
        raise fail(msg)
    frame = data[nodes]
    categorical = {n: is_categorical(frame[n]) for n in nodes}
    if model is None:
        y = np.asarray(frame[spec.outcome].to_numpy())
        categorical[spec.outcome] = bool(
            y.dtype.kind == "b" or np.isin(y, (0, 1)).all()
        )
        observed = y.astype(np.float64)
    else:
        decisions, scores = model_outputs(model, data[columns])
        observed = (scores if scores is not None else decisions).astype(np.float64)

    raw = np.asarray(data[attribute].to_numpy())
    codes, uniques = pd.factorize(raw, sort=True)
    means = np.bincount(codes, weights=observed) / np.bincount(codes)
    labels = [u.item() if isinstance(u, np.generic) else u for u in np.asarray(uniques)]
    ref = labels[int(np.argmax(means))] if reference is None else reference
    comp = labels[int(np.argmin(means))] if comparison is None else comparison
    for argname, value in (("reference", ref), ("comparison", comp)):
        if value not in labels:
            msg = f"{argname}={value!r} is not a level of {attribute!r} {labels!r}."
            raise fail(msg)
    if ref == comp:
        msg = f"reference and comparison must differ. Both are {ref!r}."
        raise fail(msg)

    scm = fit_scm(
        frame,
        nodes,
        edges,
        categorical=categorical,
        mechanisms=mechanisms,
        random_state=random_state,
    )
    noise = noise_of(scm, frame)
    ref_world = counterfactuals(scm, noise, {attribute: ref}, decode=False)
    reference_values = {n: ref_world[n].to_numpy() for n in scm.nodes}
    outcome_of = _outcome_function(scm, spec, model, data, columns)
    y_ref = outcome_of(reference_values)
    z = NormalDist().inv_cdf(0.5 + confidence / 2)

    def effect_of(active: set[tuple[str, str]]) -> tuple[float, float, float]:
        world = _world(scm, noise, ref_world, attribute, comp, active)
        seen = {
            n: world[n] if (n, spec.outcome) in active else reference_values[n]
            for n in scm.nodes
        }
        return _summary(outcome_of(seen) - y_ref, z)

    rows = []
    for pathway in pathways:
        active = set(zip(pathway.nodes[:-1], pathway.nodes[1:], strict=True))
        est, low, high = effect_of(active)
        stage, action = _advice(pathway, graph_spec, low, high)
        rows.append(
            [pathway.label, pathway.kind, pathway.fair, est, low, high, stage, action]
        )
    table = pd.DataFrame(rows, columns=_COLUMNS)
    unfair_edges = {
        e
        for p in pathways
        if not p.fair
        for e in zip(p.nodes[:-1], p.nodes[1:], strict=True)
    }
    all_edges = {
        e for p in pathways for e in zip(p.nodes[:-1], p.nodes[1:], strict=True)
    }
    total = effect_of(all_edges) if all_edges else (0.0, 0.0, 0.0)
    unfair = effect_of(unfair_edges) if unfair_edges else (0.0, 0.0, 0.0)
    estimated = None
    if effects:
        estimated = causal_effects(
            data,
            spec,
            outcome=None if model is None else observed,
            protected=attribute,
            reference=ref,
            comparison=comp,
            confidence=confidence,
            n_boot=n_boot,
            random_state=random_state,
        )
    return PathwayReport(
        protected=attribute,
        target=target,
        reference=ref,
        comparison=comp,
        table=table,
        total_effect=total[0],
        unfair_effect=unfair[0],
        intervals={
            "total_effect": (total[1], total[2]),
            "unfair_effect": (unfair[1], unfair[2]),
        },
        confidence=confidence,
        effects=estimated,
    )


def _model_spec(spec: CausalSpec, columns: list[str]) -> CausalSpec:
    """Return the spec with the outcome's causes replaced by the model's features."""
    children: dict[str, list[str]] = {n: [] for n in spec.nodes}
    for a, b in spec.edges:
        if b != spec.outcome:
            children[a].append(b)
    for column in columns:
        children.setdefault(column, []).append(spec.outcome)
    return CausalSpec(
        protected=spec.protected,
        outcome=spec.outcome,
        mediators=spec.mediators,
        proxies=spec.proxies,
        legitimate=spec.legitimate,
        fair_mediators=spec.fair_mediators,
        graph=children,
    )


def _outcome_function(
    scm: FittedSCM,
    spec: CausalSpec,
    model: Any,
    data: pd.DataFrame,
    columns: list[str],
) -> Callable[[Mapping[str, NDArray[Any]]], NDArray[np.float64]]:
    """Return ``values -> expected outcome per row`` (model score or outcome mean)."""
    if model is None:
        positive = None
        if scm.categorical[spec.outcome]:
            levels = scm.levels[spec.outcome]
            positive = next(k for k, v in levels.items() if v in (1, True))
        parents = parents_of(scm, spec.outcome)

        def of_outcome(values: Mapping[str, NDArray[Any]]) -> NDArray[np.float64]:
            inputs = {p: values[p] for p in parents}
            return expected_value(scm, spec.outcome, inputs, positive=positive)

        return of_outcome

    base = data[columns]

    def of_model(values: Mapping[str, NDArray[Any]]) -> NDArray[np.float64]:
        X = base.copy()
        for column in columns:
            if column not in values:
                continue
            series = pd.Series(values[column], index=X.index)
            if scm.categorical[column]:
                mapped = series.astype(str).map(scm.levels[column])
                try:
                    X[column] = mapped.astype(base[column].dtype)
                except (TypeError, ValueError):
                    X[column] = mapped
            else:
                X[column] = series.to_numpy(dtype=np.float64)
        decisions, scores = model_outputs(model, X)
        return (scores if scores is not None else decisions).astype(np.float64)

    return of_model
