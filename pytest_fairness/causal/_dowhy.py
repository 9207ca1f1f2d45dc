"""The dowhy backend: structural causal models, identification and refutations.

The only module of pytest-fairness that imports dowhy, always inside the
functions that need it and inside :func:`quiet`, which keeps dowhy's warnings,
log lines and progress bars out of the caller's test run.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import logging
import sys
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from pytest_fairness._inputs import check_no_missing
from pytest_fairness._optional import import_optional
from pytest_fairness.causal._design import (
    fit_design,
    fit_linear,
    predict,
    single_threaded_blas,
)

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence
    from types import ModuleType

    from numpy.typing import NDArray

__all__ = [
    "FittedSCM",
    "Refutation",
    "counterfactuals",
    "evaluate_node",
    "expected_value",
    "fit_scm",
    "identify_total_effect",
    "load_dowhy",
    "noise_of",
    "parents_of",
    "quiet",
    "refute_total_effect",
]

_LOGGERS = ("dowhy", "causallearn", "cvxpy", "numba", "statsmodels")


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Silence dowhy's warnings, loggers and progress bars inside the block.

    dowhy and its dependencies emit deprecation warnings (pandas, networkx),
    log lines (pygraphviz missing, estimator choices) and tqdm bars, and
    importing dowhy replaces ``sys.displayhook`` (``sympy.init_printing``).
    Inside the block every warning is ignored, their loggers only pass
    errors and dowhy's progress bars are off; all of it, and the display
    hook, is restored afterwards, so a suite run with ``-W error`` passes and
    keeps its own filters. BLAS runs on one thread (the models here are
    small).

    Yields
    ------
    None
        Inside the block dowhy is quiet.
    """
    levels = {name: logging.getLogger(name).level for name in _LOGGERS}
    # importing dowhy calls sympy.init_printing(), which replaces the
    # interpreter's display hook (doctests and the REPL then print strings
    # without quotes): keep the caller's
    displayhook = sys.displayhook
    config = None
    bars = None
    with warnings.catch_warnings(), single_threaded_blas():
        warnings.simplefilter("ignore")
        for name in _LOGGERS:
            logging.getLogger(name).setLevel(logging.ERROR)
        try:
            config = sys.modules.get("dowhy.gcm.config")
            if config is not None:
                bars = getattr(config, "show_progress_bars", None)
                setattr(config, "show_progress_bars", False)  # noqa: B010
            yield
        finally:
            if config is not None and bars is not None:
                setattr(config, "show_progress_bars", bars)  # noqa: B010
            for name, level in levels.items():
                logging.getLogger(name).setLevel(level)
            sys.displayhook = displayhook


def load_dowhy() -> ModuleType:
    """Import dowhy quietly, or explain which extra to install.

    Returns
    -------
    module
        The ``dowhy`` package.

    Raises
    ------
    ImportError
        ``causal effect estimation need dowhy: pip install
        "pytest-fairness[causal]"``.
    """
    with quiet():
        return import_optional(
            "dowhy", extra="causal", purpose="causal effect estimation"
        )


def _gcm() -> ModuleType:
    load_dowhy()
    with quiet():
        return importlib.import_module("dowhy.gcm")


# ---------------------------------------------------------------------------
# Mechanisms, built on first use (they subclass dowhy classes)
# ---------------------------------------------------------------------------


def _columns(X: NDArray[Any]) -> dict[str, NDArray[Any]]:
    X = np.asarray(X)
    if X.ndim == 1:
        X = X[:, None]
    return {str(j): X[:, j] for j in range(X.shape[1])}


def _kinds(columns: Mapping[str, NDArray[Any]]) -> dict[str, bool]:
    return {
        k: bool(v.size) and isinstance(v[0], str | bool | np.bool_)
        for k, v in columns.items()
    }


@functools.cache
def _mechanism_classes() -> tuple[type, type, type]:
    """Return the regression, classifier and coupled categorical mechanism classes."""
    gcm = _gcm()
    linear_model = import_optional(
        "sklearn.linear_model", extra="causal", purpose="causal mechanisms"
    )

    class AdditiveRegression(gcm.ml.PredictionModel):  # type: ignore[misc,name-defined]
        """Least squares on one-hot and linear-spline terms of the parents."""

        def __init__(self) -> None:
            self._design: Any = None
            self._beta: Any = None

        def fit(self, X: NDArray[Any], Y: NDArray[Any]) -> None:
            columns = _columns(X)
            self._design = fit_design(columns, categorical=_kinds(columns))
            design = self._design.transform(columns)
            self._beta = fit_linear(design, np.asarray(Y, dtype=np.float64).ravel())

        def predict(self, X: NDArray[Any]) -> NDArray[np.float64]:
            design = self._design.transform(_columns(X))
            return predict(design, self._beta, logistic=False).reshape(-1, 1)

        def clone(self) -> AdditiveRegression:
            return AdditiveRegression()

    class MultinomialClassifier(gcm.ml.ClassificationModel):  # type: ignore[misc,name-defined]
        """Multinomial logistic regression on one-hot and linear-spline terms."""

        def __init__(self) -> None:
            self._design: Any = None
            self._model: Any = None
            self._classes: list[str] = []

        def fit(self, X: NDArray[Any], Y: NDArray[Any]) -> None:
            columns = _columns(X)
            self._design = fit_design(columns, categorical=_kinds(columns))
            self._model = linear_model.LogisticRegression(C=100.0, max_iter=500)
            self._model.fit(self._design.transform(columns), np.asarray(Y).ravel())
            self._classes = [str(c) for c in self._model.classes_]

        def predict_probabilities(self, X: NDArray[Any]) -> NDArray[np.float64]:
            proba = self._model.predict_proba(self._design.transform(_columns(X)))
            return np.asarray(proba, dtype=np.float64)

        def predict(self, X: NDArray[Any]) -> NDArray[Any]:
            return np.asarray(self._model.predict(self._design.transform(_columns(X))))

        @property
        def classes(self) -> list[str]:
            return self._classes

        def clone(self) -> MultinomialClassifier:
            return MultinomialClassifier()

    class CoupledClassifierFCM(
        gcm.ClassifierFCM,  # type: ignore[misc,name-defined]
        gcm.causal_mechanisms.InvertibleFunctionalCausalModel,  # type: ignore[misc,name-defined]
    ):
        """A categorical mechanism made invertible by a seeded noise posterior.

        dowhy's ClassifierFCM draws ``Y`` as the class whose cumulative
        probability interval given the parents contains a uniform noise
        value. The noise behind an observed class is any value in that
        class's interval; this mechanism draws it uniformly from there
        (seeded), so the observed value is reproduced exactly and a changed
        parent moves the unit to the class covering the same quantile.
        """

        def __init__(self, classifier_model: Any, random_state: int) -> None:
            super().__init__(classifier_model)
            self._random_state = random_state

        def estimate_noise(
            self, target_samples: NDArray[Any], parent_samples: NDArray[Any]
        ) -> NDArray[np.float64]:
            proba = self.estimate_probabilities(parent_samples)
            cdf = np.cumsum(proba, axis=1)
            classes = np.asarray(self.classifier_model.classes, dtype=object)
            target = np.asarray(target_samples, dtype=object).ravel().astype(str)
            order = np.argsort(classes.astype(str))
            pos = order[np.searchsorted(classes.astype(str)[order], target)]
            rows = np.arange(target.size)
            high = cdf[rows, pos]
            low = np.where(pos > 0, cdf[rows, np.maximum(pos - 1, 0)], 0.0)
            rng = np.random.default_rng(self._random_state)
            u = 1.0 - rng.random(target.size)  # in (0, 1]
            return (low + (high - low) * u).reshape(-1, 1)

        def get_class_names(self, class_indices: NDArray[np.intp]) -> list[str]:
            names = np.asarray(self.classifier_model.classes, dtype=object)
            return list(names[np.asarray(class_indices)])

        def clone(self) -> CoupledClassifierFCM:
            return CoupledClassifierFCM(
                self.classifier_model.clone(), self._random_state
            )

    return AdditiveRegression, MultinomialClassifier, CoupledClassifierFCM


# ---------------------------------------------------------------------------
# Fitting and counterfactuals
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FittedSCM:
    """A dowhy invertible structural causal model fitted to data.

    Attributes
    ----------
    model : dowhy.gcm.InvertibleStructuralCausalModel
        The fitted model.
    nodes : tuple of str
        Its variables, causes first.
    edges : tuple of (str, str)
        Its edges.
    categorical : dict of str to bool
        Which variables are categorical (strings inside dowhy).
    levels : dict of str to dict
        For categorical variables, the original value of each string.
    """

    model: Any
    nodes: tuple[str, ...]
    edges: tuple[tuple[str, str], ...]
    categorical: dict[str, bool]
    levels: dict[str, dict[str, Any]]

    def encode(self, data: pd.DataFrame) -> pd.DataFrame:
        """Return the model's variables as dowhy expects them.

        Parameters
        ----------
        data : pandas.DataFrame
            At least the model's variables.

        Returns
        -------
        pandas.DataFrame
            Categorical variables as Python strings, numeric ones as float64.
        """
        out = {}
        for node in self.nodes:
            values = np.asarray(data[node].to_numpy())
            if self.categorical[node]:
                out[node] = pd.Series(values, dtype=object).astype(str).to_numpy(object)
            else:
                out[node] = values.astype(np.float64)
        return pd.DataFrame(out, index=data.index)

    def encode_value(self, node: str, value: Any) -> Any:
        """Return one value of a variable as dowhy sees it.

        Parameters
        ----------
        node : str
            The variable.
        value : object
            A value in the data's terms.

        Returns
        -------
        str or float
            The string of a categorical value, else a float.
        """
        return str(value) if self.categorical[node] else float(value)

    def decode(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Return dowhy's output with categorical variables in their original values.

        Parameters
        ----------
        frame : pandas.DataFrame
            Values of the model's variables as dowhy returns them.

        Returns
        -------
        pandas.DataFrame
            The same values, categorical ones mapped back.
        """
        out = frame.copy()
        for node, mapping in self.levels.items():
            if node in out:
                out[node] = pd.Series(
                    out[node].astype(str).map(mapping).to_numpy(), index=out.index
                )
        return out


def fit_scm(
    data: pd.DataFrame,
    nodes: Sequence[str],
    edges: Sequence[tuple[str, str]],
    *,
    categorical: Mapping[str, bool],
    mechanisms: Mapping[str, Any] | None = None,
    random_state: int = 0,
) -> FittedSCM:
    """Fit an invertible structural causal model with explicit mechanisms.

    Parameters
    ----------
    data : pandas.DataFrame
        The observed variables.
    nodes : sequence of str
        The variables of the model (every one a column of ``data``).
    edges : sequence of (str, str)
        The causal graph among them.
    categorical : mapping of str to bool
        Which variables are categorical.
    mechanisms : mapping of str to dowhy mechanism, optional
        Replace the default mechanism of some variables.
    random_state : int, default=0
        Seed of the noise drawn for categorical variables.

    Returns
    -------
    FittedSCM
        The fitted model.

    Raises
    ------
    FairnessValueError
        If a variable has missing values.

    Notes
    -----
    Root variables follow their empirical distribution (dowhy's
    ``EmpiricalDistribution``); a numeric variable with parents an additive
    noise model (``AdditiveNoiseModel``) whose function is least squares on
    one-hot and linear-spline terms of its parents; a categorical one a
    multinomial logistic regression whose noise is coupled across worlds by
    its quantile (see ``CoupledClassifierFCM``). Assigning mechanisms by
    type avoids dowhy's automatic model selection, which cross-validates
    several regressors per node.
    """
    for node in nodes:
        check_no_missing(
            np.asarray(data[node].to_numpy()),
            f"column {node!r}",
            suggestion=" A structural causal model needs complete rows: drop or "
            "impute them first.",
        )
    gcm = _gcm()
    nx = import_optional("networkx", extra="causal", purpose="causal models")
    regression, classifier, coupled = _mechanism_classes()
    graph = nx.DiGraph()
    graph.add_nodes_from(nodes)
    graph.add_edges_from(edges)
    levels = {}
    for node in nodes:
        if categorical[node]:
            values = pd.unique(np.asarray(data[node].to_numpy(), dtype=object))
            levels[node] = {str(v): v for v in values}
    scm = FittedSCM(
        gcm.InvertibleStructuralCausalModel(graph),
        tuple(nodes),
        tuple(edges),
        {n: bool(categorical[n]) for n in nodes},
        levels,
    )
    custom = mechanisms or {}
    for i, node in enumerate(nodes):
        if node in custom:
            mechanism = custom[node]
        elif graph.in_degree(node) == 0:
            mechanism = gcm.EmpiricalDistribution()
        elif categorical[node]:
            mechanism = coupled(classifier(), random_state + i)
        else:
            mechanism = gcm.AdditiveNoiseModel(regression())
        scm.model.set_causal_mechanism(node, mechanism)
    with quiet():
        gcm.fit(scm.model, scm.encode(data))
    return scm


def counterfactuals(
    scm: FittedSCM,
    noise: pd.DataFrame,
    interventions: Mapping[str, Any],
    *,
    decode: bool = True,
) -> pd.DataFrame:
    """Return each row's counterfactual under interventions, in original values.

    Parameters
    ----------
    scm : FittedSCM
        The fitted model.
    noise : pandas.DataFrame
        The rows' noise, from :func:`noise_of` (abduction).
    interventions : mapping of str to object
        Variable to the value it is set to (the same for every row).
    decode : bool, default=True
        Map categorical variables back to their original values (otherwise
        they stay the strings dowhy works with).

    Returns
    -------
    pandas.DataFrame
        The model's variables after the interventions, propagated to their
        descendants with each row's own noise.
    """
    gcm = _gcm()
    encoded = {node: scm.encode_value(node, v) for node, v in interventions.items()}
    funcs = {node: _constant(value) for node, value in encoded.items()}
    with quiet():
        frame = gcm.counterfactual_samples(scm.model, funcs, noise_data=noise)
    frame.index = noise.index
    return scm.decode(frame) if decode else frame


def _constant(value: Any) -> Any:
    return lambda _: value


def noise_of(scm: FittedSCM, data: pd.DataFrame) -> pd.DataFrame:
    """Return each row's noise (abduction): the factual value of a root.

    Parameters
    ----------
    scm : FittedSCM
        The fitted model.
    data : pandas.DataFrame
        The factual rows.

    Returns
    -------
    pandas.DataFrame
        One column per variable.
    """
    encoded = scm.encode(data)
    noise = {}
    with quiet():
        for node in scm.nodes:
            parents = parents_of(scm, node)
            if not parents:
                noise[node] = encoded[node].to_numpy()
                continue
            mechanism = scm.model.causal_mechanism(node)
            noise[node] = np.asarray(
                mechanism.estimate_noise(
                    encoded[node].to_numpy(), encoded[list(parents)].to_numpy()
                )
            ).ravel()
    return pd.DataFrame(noise, index=data.index)


def parents_of(scm: FittedSCM, node: str) -> tuple[str, ...]:
    """Return a variable's parents in the order dowhy feeds them to its mechanism.

    Parameters
    ----------
    scm : FittedSCM
        The fitted model.
    node : str
        A variable.

    Returns
    -------
    tuple of str
        Its parents.
    """
    return tuple(sorted(a for a, b in scm.edges if b == node))


def evaluate_node(
    scm: FittedSCM,
    node: str,
    parents: Mapping[str, NDArray[Any]],
    noise: NDArray[Any],
) -> NDArray[Any]:
    """Evaluate one variable's mechanism on given parent values and noise (encoded).

    Parameters
    ----------
    scm : FittedSCM
        The fitted model.
    node : str
        A variable with parents.
    parents : mapping of str to ndarray
        Encoded values of its parents.
    noise : ndarray
        Its noise values.

    Returns
    -------
    ndarray
        Its encoded values.
    """
    matrix = _parent_matrix(scm, node, parents)
    with quiet():
        out = scm.model.causal_mechanism(node).evaluate(matrix, np.asarray(noise))
    return np.asarray(out).ravel()


def _parent_matrix(
    scm: FittedSCM, node: str, parents: Mapping[str, NDArray[Any]]
) -> NDArray[Any]:
    order = parents_of(scm, node)
    matrix = np.column_stack([np.asarray(parents[p], dtype=object) for p in order])
    if not any(scm.categorical[p] for p in order):
        matrix = matrix.astype(np.float64)
    return matrix


def expected_value(
    scm: FittedSCM,
    node: str,
    parents: Mapping[str, NDArray[Any]],
    *,
    positive: Any = None,
) -> NDArray[np.float64]:
    """Return a variable's expected value given its parents (noise averaged out).

    Parameters
    ----------
    scm : FittedSCM
        The fitted model.
    node : str
        A variable with parents.
    parents : mapping of str to ndarray
        Encoded values of its parents.
    positive : object, optional
        For a categorical variable, the class whose probability is returned.

    Returns
    -------
    ndarray of float64
        ``P(node = positive | parents)`` for a categorical variable, the
        regression mean for a numeric one.
    """
    matrix = _parent_matrix(scm, node, parents)
    mechanism = scm.model.causal_mechanism(node)
    with quiet():
        if scm.categorical[node]:
            proba = np.asarray(mechanism.estimate_probabilities(matrix))
            classes = [str(c) for c in mechanism.classifier_model.classes]
            return proba[:, classes.index(str(positive))].astype(np.float64)
        mean = mechanism.prediction_model.predict(matrix)
    return np.asarray(mean, dtype=np.float64).ravel()


# ---------------------------------------------------------------------------
# Identification and refutation with dowhy.CausalModel
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Refutation:
    """The result of one dowhy refutation of the total effect.

    Attributes
    ----------
    method : str
        ``"placebo_treatment"`` (the protected attribute permuted: the new
        effect should be near 0) or ``"random_common_cause"`` (a random
        confounder added: the new effect should be near the estimate).
    estimated_effect : float
        dowhy's estimate of the total effect before refutation.
    new_effect : float
        The estimate after refutation (mean over simulations).
    p_value : float
        dowhy's p-value of the original estimate under the refutation's
        simulations (NaN when dowhy gives none).
    """

    method: str
    estimated_effect: float
    new_effect: float
    p_value: float

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-friendly dict.

        Returns
        -------
        dict
            Every field (NaN as None).
        """
        return {
            "method": self.method,
            "estimated_effect": self.estimated_effect,
            "new_effect": self.new_effect,
            "p_value": None if np.isnan(self.p_value) else self.p_value,
        }


def _causal_model(
    data: pd.DataFrame,
    nodes: Sequence[str],
    edges: Sequence[tuple[str, str]],
    treatment: str,
    outcome: str,
) -> Any:
    dowhy = load_dowhy()
    nx = import_optional("networkx", extra="causal", purpose="causal models")
    graph = nx.DiGraph()
    graph.add_nodes_from(nodes)
    graph.add_edges_from(edges)
    with quiet():
        return dowhy.CausalModel(
            data=data, treatment=treatment, outcome=outcome, graph=graph
        )


def identify_total_effect(
    data: pd.DataFrame,
    nodes: Sequence[str],
    edges: Sequence[tuple[str, str]],
    *,
    treatment: str,
    outcome: str,
) -> tuple[tuple[str, ...], str]:
    """Identify the total effect with dowhy (backdoor criterion).

    Parameters
    ----------
    data : pandas.DataFrame
        The variables (the treatment as a 0/1 indicator).
    nodes : sequence of str
        The variables of the graph.
    edges : sequence of (str, str)
        The causal graph.
    treatment, outcome : str
        The variables whose effect is identified.

    Returns
    -------
    backdoor : tuple of str
        The adjustment set dowhy found (empty when none is needed).
    estimand : str
        dowhy's description of the identified estimand.
    """
    model = _causal_model(data, nodes, edges, treatment, outcome)
    with quiet():
        estimand = model.identify_effect(proceed_when_unidentifiable=True)
        backdoor = tuple(str(v) for v in (estimand.get_backdoor_variables() or ()))
        text = str(estimand)
    return backdoor, text


def refute_total_effect(
    data: pd.DataFrame,
    nodes: Sequence[str],
    edges: Sequence[tuple[str, str]],
    *,
    treatment: str,
    outcome: str,
    methods: Sequence[str] = ("placebo_treatment", "random_common_cause"),
    n_simulations: int = 20,
    random_state: int = 0,
) -> tuple[float, tuple[Refutation, ...]]:
    """Estimate the total effect with dowhy and run its refuters.

    Parameters
    ----------
    data : pandas.DataFrame
        The variables (the treatment as a boolean indicator).
    nodes : sequence of str
        The variables of the graph.
    edges : sequence of (str, str)
        The causal graph.
    treatment, outcome : str
        The effect refuted.
    methods : sequence of str, default=("placebo_treatment", "random_common_cause")
        The refuters.
    n_simulations : int, default=20
        Simulations per refuter.
    random_state : int, default=0
        Seed of the refuters.

    Returns
    -------
    estimate : float
        dowhy's backdoor linear-regression estimate of the total effect.
    refutations : tuple of Refutation
        One per method.
    """
    model = _causal_model(data, nodes, edges, treatment, outcome)
    names = {
        "placebo_treatment": "placebo_treatment_refuter",
        "random_common_cause": "random_common_cause",
    }
    out = []
    with quiet():
        estimand = model.identify_effect(proceed_when_unidentifiable=True)
        estimate = model.estimate_effect(
            estimand, method_name="backdoor.linear_regression", effect_modifiers=[]
        )
        for method in methods:
            extra = {"placebo_type": "permute"} if method == "placebo_treatment" else {}
            result = model.refute_estimate(
                estimand,
                estimate,
                method_name=names[method],
                num_simulations=n_simulations,
                random_seed=random_state,
                **extra,
            )
            significance = result.refutation_result or {}
            p_value = significance.get("p_value", np.nan)
            out.append(
                Refutation(
                    method,
                    float(result.estimated_effect),
                    float(np.mean(result.new_effect)),
                    float(np.nan if p_value is None else p_value),
                )
            )
    return float(estimate.value), tuple(out)
