"""counterfactual_fairness: flip the protected attribute and let its effects follow."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from pytest_fairness._groups import encode_groups
from pytest_fairness._validation import check_choice, check_int, check_probability, fail
from pytest_fairness.causal._design import is_categorical
from pytest_fairness.causal._dowhy import counterfactuals, fit_scm, noise_of
from pytest_fairness.causal._flip import (
    FlipRateResult,
    flip_core,
    level_targets,
    model_outputs,
)
from pytest_fairness.causal._graph import ancestors, descendants
from pytest_fairness.causal._spec import CausalSpec, as_frame, as_spec

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    import pandas as pd
    from numpy.typing import NDArray

__all__ = ["counterfactual_fairness", "model_features", "scm_subgraph"]


def model_features(
    model: Any, data: pd.DataFrame, spec: CausalSpec, features: Any
) -> list[str]:
    """Return the columns a model reads.

    Parameters
    ----------
    model : estimator
        The model.
    data : pandas.DataFrame
        The data.
    spec : CausalSpec
        The spec (its outcome is never a feature).
    features : sequence of str or None
        Explicit features; else ``model.feature_names_in_``; else every
        column but the outcome.

    Returns
    -------
    list of str
        The features, each a column of ``data``.

    Raises
    ------
    FairnessValueError
        If a feature is not a column of ``data``.
    """
    chosen: list[str]
    if features is None:
        names = getattr(model, "feature_names_in_", None)
        if names is None:
            chosen = [str(c) for c in data.columns if c != spec.outcome]
        else:
            chosen = [str(c) for c in names]
    elif isinstance(features, str):
        chosen = [features]
    else:
        chosen = [str(f) for f in features]
    missing = [f for f in chosen if f not in data.columns]
    if missing:
        msg = (
            f"the model's features {missing!r} are not columns of data. "
            "Pass features= with the columns the model reads."
        )
        raise fail(msg)
    return chosen


def scm_subgraph(
    spec: CausalSpec,
    protected: str,
    keep: Sequence[str],
    *,
    cut_fair: bool,
) -> tuple[list[str], list[tuple[str, str]]]:
    """Return the part of the graph a structural model needs, causes first.

    Parameters
    ----------
    spec : CausalSpec
        The spec.
    protected : str
        The attribute intervened on.
    keep : sequence of str
        Variables whose counterfactual values are needed.
    cut_fair : bool
        Remove the edges into fair variables that descend from ``protected``
        (they keep their factual values: path-specific counterfactuals).

    Returns
    -------
    nodes : list of str
        The protected attribute, the kept variables of the graph and their
        ancestors (the outcome and its descendants excluded).
    edges : list of (str, str)
        The edges among them.
    """
    banned = {spec.outcome} | set(spec.descendants(spec.outcome))
    edges = tuple((a, b) for a, b in spec.edges if a not in banned and b not in banned)
    wanted = {protected} | {k for k in keep if k in spec.nodes and k not in banned}
    for name in list(wanted):
        wanted |= ancestors(name, edges)
    if cut_fair:
        below = descendants(protected, edges)
        fair = spec.fair_variables & below
        edges = tuple((a, b) for a, b in edges if b not in fair)
    nodes = [n for n in spec.nodes if n in wanted]
    return nodes, [(a, b) for a, b in edges if a in wanted and b in wanted]


def _assign(
    X: pd.DataFrame, column: str, values: pd.Series, original: pd.Series
) -> None:
    if is_categorical(original):
        try:
            X[column] = values.astype(original.dtype)
        except (TypeError, ValueError):
            X[column] = values
    else:
        X[column] = values.to_numpy(dtype=np.float64)


def counterfactual_fairness(
    model: Any,
    data: pd.DataFrame,
    spec: CausalSpec,
    *,
    protected: str | None = None,
    paths: Literal["all", "unfair"] = "all",
    features: Sequence[str] | None = None,
    values: Any = None,
    mechanisms: Mapping[str, Any] | None = None,
    confidence: float = 0.95,
    n_examples: int = 5,
    random_state: int = 0,
) -> FlipRateResult:
    """Flip rate of a model under counterfactuals drawn from a structural causal model.

    A structural causal model is fitted to ``data`` with ``dowhy.gcm``
    following the spec's graph. For each row, its noise is recovered
    (abduction), the protected attribute is set to each other level
    (action) and the change propagates to every descendant, such as income
    or employment gaps (prediction). The model then decides again on the
    counterfactual features. With ``paths="unfair"`` the fair variables
    (fair mediators and legitimate predictors) keep their factual values,
    so only the unfair paths carry the change: path-specific counterfactual
    fairness.

    Parameters
    ----------
    model : estimator
        A fitted model or pipeline with ``predict`` (``predict_proba`` adds
        the score shift) that reads columns of ``data``.
    data : pandas.DataFrame
        Rows with every variable of the graph the model's features depend on.
    spec : CausalSpec
        The causal graph and roles.
    protected : str, optional
        The attribute to flip; the spec's first protected attribute by
        default.
    paths : {"all", "unfair"}, default="all"
        Which paths carry the counterfactual change.
    features : sequence of str, optional
        The columns the model reads; by default ``model.feature_names_in_``
        or every column but the outcome.
    values : level or list of levels, optional
        The levels rows are moved to; every observed level by default.
    mechanisms : mapping of str to dowhy mechanism, optional
        Replace the default mechanism of some variables (see Notes).
    confidence : float, default=0.95
        Level of the Wilson interval of the flip rate.
    n_examples : int, default=5
        Flipped rows kept in ``result.examples``.
    random_state : int, default=0
        Seed of the noise of categorical variables.

    Returns
    -------
    FlipRateResult
        ``result.flip_rate`` with its interval, ``result.mean_score_shift``,
        ``result.by_pair``, ``result.examples`` and ``result.held_factual``
        (features that did not change).

    Raises
    ------
    FairnessValueError
        For a spec or data that do not match, an unknown ``paths`` value or
        a bad ``confidence``.
    ImportError
        When dowhy is missing: ``pip install "pytest-fairness[causal]"``.

    See Also
    --------
    counterfactual_flip_rate : Change only the attribute's own column.
    CausalSpec : Which paths are fair.

    Notes
    -----
    Mechanisms are assigned by type instead of by dowhy's automatic
    selection (which cross-validates several models per variable and takes
    about 13 s on two cores): a root variable follows its empirical
    distribution; a numeric variable an additive noise model whose mean is a
    least-squares fit on one-hot and linear-spline terms of its parents; a
    categorical variable a multinomial logistic regression. A categorical
    variable's noise cannot be recovered exactly from its value, so it is
    drawn (seeded by ``random_state``) among the values that reproduce it,
    and a counterfactual row moves to the category at the same quantile of
    its new conditional distribution. Integer variables become real-valued
    in the counterfactual rows.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from pytest_fairness.causal import CausalSpec, counterfactual_fairness
    >>> from pytest_fairness.datasets import (LOAN_DAG_EDGES, LOAN_VARIABLE_ROLES,
    ...                                       make_loan_applications)
    >>> df = make_loan_applications(3_000, random_state=0)
    >>> spec = CausalSpec.from_roles(LOAN_VARIABLE_ROLES, graph=LOAN_DAG_EDGES)
    >>> X = df[["income", "credit_score"]]
    >>> model = LogisticRegression(max_iter=1000).fit(X, df.approved)
    >>> result = counterfactual_fairness(model, df, spec)
    >>> bool(result.flip_rate > 0), result.held_factual
    (True, ('credit_score',))
    """
    spec = as_spec(spec)
    data = as_frame(data)
    check_choice("paths", paths, ("all", "unfair"))
    confidence = check_probability("confidence", confidence)
    n_examples = check_int("n_examples", n_examples)
    random_state = check_int("random_state", random_state)
    attribute = spec.resolve_protected(protected)
    columns = model_features(model, data, spec, features)
    nodes, edges = scm_subgraph(spec, attribute, columns, cut_fair=paths == "unfair")
    missing = [n for n in nodes if n not in data.columns]
    if missing:
        msg = (
            f"data has no column(s) {missing!r}, which the causal model of the "
            f"features {columns!r} needs."
        )
        raise fail(msg)
    frame = data[nodes]
    scm = fit_scm(
        frame,
        nodes,
        edges,
        categorical={n: is_categorical(frame[n]) for n in nodes},
        mechanisms=mechanisms,
        random_state=random_state,
    )
    noise = noise_of(scm, frame)
    moved = ({attribute} | descendants(attribute, tuple(edges))) & set(columns)
    held = tuple(c for c in columns if c not in moved)
    X = data[columns]
    encoding = encode_groups({attribute: data[attribute]}, len(data))
    targets = level_targets(encoding.groups, values, [attribute])

    def counterfactual(rows: NDArray[np.intp], level: tuple[Any, ...]) -> pd.DataFrame:
        cf = counterfactuals(scm, noise.iloc[rows], {attribute: level[0]})
        X_cf = X.iloc[rows].copy()
        for column in moved:
            _assign(X_cf, column, cf[column], X[column])
        return X_cf

    decisions, scores = model_outputs(model, X)
    tally = flip_core(
        decisions=decisions,
        scores=scores,
        group_codes=encoding.codes,
        groups=encoding.groups,
        targets=targets,
        counterfactual=counterfactual,
        model=model,
    )
    return tally.result(
        method="counterfactual",
        protected=(attribute,),
        features=X,
        confidence=confidence,
        n_examples=n_examples,
        paths=paths,
        held_factual=held,
    )
