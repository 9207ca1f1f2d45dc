"""fairness_datasets() and sensitive_frames(): rows drawn from a group composition.

Hypothesis draws the few numbers that matter (the composition, each group's
rates, each feature's strength, a seed); numpy generates the rows from them,
so a 1,000-row dataset costs about as much to draw as a 10-row one.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.strategies import SearchStrategy

from pytest_fairness.strategies._check import (
    RateSpec,
    check_bool,
    check_name,
    check_rate_keys,
    check_rates,
    invalid_attributes,
    rate_for,
)
from pytest_fairness.strategies._composition import Cell, GroupComposition
from pytest_fairness.strategies._compositions import group_compositions
from pytest_fairness.strategies._features import Feature, check_features
from pytest_fairness.strategies._notes import note_table, quiet

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = ["CompositionLike", "fairness_datasets", "sensitive_frames"]

CompositionLike = (
    GroupComposition
    | SearchStrategy[GroupComposition]
    | Mapping[str, Sequence[Hashable]]
)

_PREDICTION_FORMS = (frozenset({"tpr", "fpr"}), frozenset({"selection_rate"}))
_SEED = st.integers(0, 2**32 - 1)


def _default_rates() -> SearchStrategy[float]:
    return st.floats(0.05, 0.95, allow_nan=False, allow_infinity=False)


@dataclass(frozen=True)
class _Known:
    """What is known of the groups before drawing: attribute names and cells."""

    names: tuple[str, ...]
    cells: tuple[Cell, ...]
    groups: tuple[Cell, ...]


def _composition_source(
    composition: object, where: str
) -> tuple[GroupComposition | SearchStrategy[GroupComposition], _Known | None]:
    """Return a fixed composition or a strategy, and what is known of its cells."""
    if isinstance(composition, GroupComposition):
        known = _Known(composition.names, composition.cells, composition.groups)
        return composition, known
    if isinstance(composition, SearchStrategy):
        return composition, None
    if isinstance(composition, Mapping):
        names, levels = invalid_attributes(composition, f"{where}(composition)")
        cells = tuple(itertools.product(*levels))
        return group_compositions(composition), _Known(names, cells, cells)
    msg = (
        f"{where}(composition) must be a GroupComposition, a strategy of them "
        f"(e.g. group_compositions(...)), or a mapping of attribute to levels. "
        f"Got {composition!r}."
    )
    raise InvalidArgument(msg)


@dataclass(frozen=True)
class _Spec:
    """The validated arguments of fairness_datasets."""

    base_rates: RateSpec
    predictions: dict[str, RateSpec]
    features: tuple[Feature, ...]
    label: str
    prediction: str
    as_frame: bool

    def check_against(self, known: _Known) -> None:
        """Check rate keys and column names against the attributes."""
        check_rate_keys(
            "base_rates", self.base_rates, known.names, known.cells, known.groups
        )
        for key, rates in self.predictions.items():
            check_rate_keys(
                f"predictions[{key!r}]", rates, known.names, known.cells, known.groups
            )
        seen: dict[str, str] = dict.fromkeys(known.names, "an attribute")
        roles = [(f.name, "a feature") for f in self.features]
        roles.append((self.label, "the label"))
        if self.predictions:
            roles.append((self.prediction, "the prediction"))
        for name, role in roles:
            if name in seen:
                msg = (
                    f"fairness_datasets: column {name!r} would be both {seen[name]} "
                    f"and {role}; rename one (label=, prediction= or features)."
                )
                raise InvalidArgument(msg)
            seen[name] = role


def _check_predictions(predictions: object) -> dict[str, RateSpec]:
    if predictions is None:
        return {}
    if (
        not isinstance(predictions, Mapping)
        or frozenset(predictions) not in _PREDICTION_FORMS
    ):
        msg = (
            "predictions must be None or a mapping with keys 'tpr' and 'fpr' (the "
            "rates of predicted positives among actual positives and negatives) or "
            f"with the key 'selection_rate' alone. Got {predictions!r}."
        )
        raise InvalidArgument(msg)
    return {
        str(key): check_rates(f"predictions[{key!r}]", value)
        for key, value in predictions.items()
    }


def _draw_rates(
    draw: st.DrawFn, name: str, rates: RateSpec, groups: Sequence[Cell]
) -> list[float]:
    """Draw (or look up) one rate per group and check it lies in [0, 1]."""
    out = []
    for cell in groups:
        spec = rate_for(name, rates, cell)
        value: object = draw(spec) if isinstance(spec, SearchStrategy) else spec
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not 0.0 <= value <= 1.0
        ):
            msg = f"{name} drew {value!r} for group {cell!r}; rates lie in [0, 1]."
            raise InvalidArgument(msg)
        out.append(float(value))
    return out


def _note(
    composition: GroupComposition,
    rates: Mapping[str, Sequence[float]],
) -> None:
    """Note the composition (and each group's rates) for the failing example."""
    lines = composition.lines()
    group = 0
    for i, size in enumerate(composition.sizes):
        if size and rates:
            lines[1 + i] += "  " + "  ".join(
                f"{name}={values[group]:.3f}" for name, values in rates.items()
            )
        group += bool(size)
    note_table("\n".join(lines))


def _quotas(rates: Sequence[float], sizes: NDArray[np.int64]) -> NDArray[np.int64]:
    """Round ``rate * size`` half up to whole rows."""
    import numpy as np  # noqa: PLC0415 - strategies import nothing heavy

    rows: NDArray[np.int64] = np.floor(np.asarray(rates) * sizes + 0.5).astype(np.int64)
    return rows


def _first_in_strata(
    strata: NDArray[np.intp],
    quota: NDArray[np.int64],
    rng: np.random.Generator,
) -> NDArray[np.int64]:
    """Mark ``quota[s]`` rows of each stratum ``s``, chosen at random."""
    import numpy as np  # noqa: PLC0415 - strategies import nothing heavy

    order = np.lexsort((rng.random(len(strata)), strata))
    counts = np.bincount(strata, minlength=len(quota))
    starts = np.cumsum(counts) - counts
    sorted_strata = strata[order]
    rank = np.arange(len(strata)) - starts[sorted_strata]
    marked = np.empty(len(strata), dtype=np.int64)
    marked[order] = rank < quota[sorted_strata]
    return marked


def _level_values(levels: Sequence[Hashable], codes: NDArray[np.intp]) -> Any:
    """Return ``levels[codes]`` as a typed numpy array when the levels allow."""
    import numpy as np  # noqa: PLC0415 - strategies import nothing heavy

    if len({type(v) for v in levels}) == 1 and not isinstance(levels[0], tuple):
        return np.asarray(list(levels))[codes]
    values = np.empty(len(levels), dtype=object)
    values[:] = list(levels)
    return values[codes]


def _build(
    spec: _Spec,
    composition: GroupComposition,
    base: Sequence[float],
    predicted: Mapping[str, Sequence[float]],
    strengths: Sequence[float],
    seed: int,
) -> Any:
    """Generate the rows (numpy), shuffled with ``seed``."""
    import numpy as np  # noqa: PLC0415 - strategies import nothing heavy

    present = np.flatnonzero(np.asarray(composition.sizes) > 0)
    sizes = np.asarray(composition.sizes, dtype=np.int64)[present]
    n_groups, n = len(sizes), int(sizes.sum())
    cell = np.repeat(np.arange(n_groups), sizes)
    rank = np.arange(n) - (np.cumsum(sizes) - sizes)[cell]
    positives = _quotas(base, sizes)
    y = (rank < positives[cell]).astype(np.int64)
    rng = np.random.default_rng(seed)
    columns: dict[str, Any] = {}
    table = composition._cell_table()[present][cell]
    names_levels = zip(composition.names, composition.levels, strict=True)
    for j, (name, levels) in enumerate(names_levels):
        columns[name] = _level_values(levels, table[:, j])
    for feature, strength in zip(spec.features, strengths, strict=True):
        columns[feature.name] = feature.generate(strength, cell, y, n_groups, rng)
    columns[spec.label] = y
    if "selection_rate" in predicted:
        quota = _quotas(predicted["selection_rate"], sizes)
        columns[spec.prediction] = _first_in_strata(cell, quota, rng)
    elif predicted:
        quota = np.empty(2 * n_groups, dtype=np.int64)
        quota[0::2] = _quotas(predicted["fpr"], sizes - positives)
        quota[1::2] = _quotas(predicted["tpr"], positives)
        columns[spec.prediction] = _first_in_strata(cell * 2 + y, quota, rng)
    order = rng.permutation(n)
    columns = {name: values[order] for name, values in columns.items()}
    if not spec.as_frame:
        return columns
    import pandas as pd  # noqa: PLC0415

    categorical = set(composition.names) | {
        f.name for f in spec.features if f.categories is not None
    }
    return pd.DataFrame(
        {
            name: (
                pd.Index(list(values), tupleize_cols=False)
                if name in categorical and values.dtype == object
                else values
            )
            for name, values in columns.items()
        }
    )


def _draw_composition(
    draw: st.DrawFn, source: GroupComposition | SearchStrategy[GroupComposition]
) -> object:
    """Draw the composition without its own note: the caller notes a fuller one."""
    if not isinstance(source, SearchStrategy):
        return source
    with quiet():
        return draw(source)


def _datasets(
    draw: st.DrawFn,
    spec: _Spec,
    source: GroupComposition | SearchStrategy[GroupComposition],
    known: _Known | None,
) -> Any:
    composition = _draw_composition(draw, source)
    if not isinstance(composition, GroupComposition):
        msg = (
            f"fairness_datasets(composition) drew {composition!r}, not a "
            "GroupComposition."
        )
        raise InvalidArgument(msg)
    if known is None:
        spec.check_against(
            _Known(composition.names, composition.cells, composition.groups)
        )
    groups = composition.groups
    base = _draw_rates(draw, "base_rates", spec.base_rates, groups)
    predicted = {
        key: _draw_rates(draw, f"predictions[{key!r}]", rates, groups)
        for key, rates in spec.predictions.items()
    }
    strengths: list[float] = []
    for feature in spec.features:
        value: object = (
            draw(feature.strength)
            if isinstance(feature.strength, SearchStrategy)
            else feature.strength
        )
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not 0.0 <= value < float("inf")
        ):
            msg = (
                f"features[{feature.name!r}] strength drew {value!r}; use a finite "
                "number >= 0."
            )
            raise InvalidArgument(msg)
        strengths.append(float(value))
    seed = draw(_SEED)
    _note(composition, {"base_rate": base, **predicted})
    return _build(spec, composition, base, predicted, strengths, seed)


def fairness_datasets(
    *,
    composition: CompositionLike,
    base_rates: RateSpec | None = None,
    features: Mapping[str, Any] | None = None,
    predictions: Mapping[str, RateSpec] | None = None,
    label: str = "y",
    prediction: str = "y_pred",
    as_frame: bool = True,
) -> SearchStrategy[Any]:
    """Draw a dataset: sensitive columns, group-dependent labels, features, predictions.

    Each group of the composition gets its own base rate, met exactly up to
    rounding to whole rows; features may or may not depend on the group
    (proxies) and on the label; predictions, when asked for, follow declared
    per-group rates, so a fairness gate can itself be tested on a known
    disparity. Failing datasets shrink toward fewer rows (through the
    composition), equal rates across groups and features that depend on
    nothing. When a test fails, the composition and the group rates of the
    failing dataset are shown with :func:`hypothesis.note`.

    Parameters
    ----------
    composition : GroupComposition, strategy of GroupComposition, or mapping
        The groups and their sizes: a fixed composition, a strategy such as
        :func:`group_compositions` (with its constraints), or a mapping of
        attribute to levels (drawn with ``group_compositions`` defaults).
    base_rates : float, strategy of float, or mapping, optional
        Fraction of positive labels per group: one number for every group, a
        strategy drawn once per group (groups whose draws shrink alike end
        with equal rates), or a mapping of group (a tuple of levels) or level
        (e.g. ``{"female": 0.58, "male": 0.76}``) to either. Defaults to
        ``st.floats(0.05, 0.95)`` per group.
    features : mapping of str to spec, optional
        Feature columns, each ``"signal"`` (numeric, depends on the label),
        ``"proxy"`` (numeric, depends on the group), ``"noise"`` (numeric,
        depends on nothing), a sequence of categories (categorical, depends
        on the group), or a mapping with keys ``categories`` (None for
        numeric), ``depends_on`` (a subset of ``["group", "label"]``) and
        ``strength`` (a number >= 0 or a strategy, default
        ``st.floats(0, 2)``, shrinking toward 0: no dependence).
    predictions : mapping, optional
        Add a 0/1 prediction column drawn from per-group rates, given in the
        forms of ``base_rates``: either ``{"tpr": ..., "fpr": ...}`` (rates
        of predicted positives among actual positives and among actual
        negatives) or ``{"selection_rate": ...}`` (predicted positives among
        all, independent of the label).
    label : str, default="y"
        Name of the label column.
    prediction : str, default="y_pred"
        Name of the prediction column.
    as_frame : bool, default=True
        Return a pandas DataFrame, or a dict of column name to numpy array.

    Returns
    -------
    SearchStrategy of DataFrame or dict
        Columns: the attributes, the features, the label and the prediction,
        rows shuffled. Group ``g`` with ``n_g`` rows and base rate ``p_g`` has
        ``floor(p_g * n_g + 0.5)`` positive labels; prediction rates are met
        the same way within the rows they apply to.

    Raises
    ------
    hypothesis.errors.InvalidArgument
        At call time, naming the argument, when an argument is malformed, a
        rate lies outside [0, 1], a rate mapping names an unknown group or
        leaves a group without a rate, or two columns share a name (checked
        when drawing if ``composition`` is a strategy).

    See Also
    --------
    group_compositions : The group sizes alone.
    sensitive_frames : Only the sensitive columns.

    Notes
    -----
    A numeric feature is ``e + s * (d_label * y + d_group * o[g])`` with
    standard normal noise ``e`` and group offsets ``o``, ``d_*`` being 1 for
    the declared dependencies; a categorical one draws its level from
    ``softmax(s * (d_group * a[g] + d_label * b[y]))``. ``s`` is the drawn
    strength.

    Examples
    --------
    The smallest dataset in which the base rates of two groups differ by
    more than 0.3 (the loan scenario's 58% and 76% approval rates would not):

    >>> from hypothesis import find
    >>> from pytest_fairness.strategies import fairness_datasets
    >>> df = find(
    ...     fairness_datasets(
    ...         composition={"gender": ["female", "male"]},
    ...         base_rates={"female": 0.58, "male": 0.76},
    ...         features={"credit": "signal", "industry": ["care", "tech"]},
    ...         predictions={"selection_rate": 0.5},
    ...     ),
    ...     lambda df: len(df) >= 100,
    ... )
    >>> list(df.columns), len(df)
    (['gender', 'credit', 'industry', 'y', 'y_pred'], 100)
    >>> df.groupby("gender")["y"].mean().round(2).to_dict()
    {'female': 0.58, 'male': 0.76}
    """
    source, known = _composition_source(composition, "fairness_datasets")
    spec = _Spec(
        base_rates=_default_rates()
        if base_rates is None
        else check_rates("base_rates", base_rates),
        predictions=_check_predictions(predictions),
        features=check_features(features),
        label=check_name("label", label),
        prediction=check_name("prediction", prediction),
        as_frame=check_bool("as_frame", as_frame),
    )
    if known is not None:
        spec.check_against(known)

    # Named and called like the public function, so that the strategy's repr
    # is the call that built it.
    @st.composite
    def fairness_datasets(
        draw: st.DrawFn,
        *,
        composition: CompositionLike,
        base_rates: RateSpec | None = None,
        features: Mapping[str, Any] | None = None,
        predictions: Mapping[str, RateSpec] | None = None,
        label: str = "y",
        prediction: str = "y_pred",
        as_frame: bool = True,
    ) -> Any:
        return _datasets(draw, spec, source, known)

    return fairness_datasets(
        composition=composition,
        base_rates=base_rates,
        features=features,
        predictions=predictions,
        label=label,
        prediction=prediction,
        as_frame=as_frame,
    )


def _frames(
    draw: st.DrawFn, source: GroupComposition | SearchStrategy[GroupComposition]
) -> Any:
    composition = _draw_composition(draw, source)
    if not isinstance(composition, GroupComposition):
        msg = (
            f"sensitive_frames(composition) drew {composition!r}, not a "
            "GroupComposition."
        )
        raise InvalidArgument(msg)
    seed = draw(_SEED)
    _note(composition, {})
    return composition.to_frame(random_state=seed)


def sensitive_frames(*, composition: CompositionLike) -> SearchStrategy[Any]:
    """Draw the sensitive columns of a population, one row per person.

    For an existing model's feature frame: join the drawn columns to its
    features, or use :meth:`GroupComposition.sample` to draw the rows of a
    test set that match a composition.

    Parameters
    ----------
    composition : GroupComposition, strategy of GroupComposition, or mapping
        As for :func:`fairness_datasets`.

    Returns
    -------
    SearchStrategy of pandas.DataFrame
        One column per attribute, one row per person, rows shuffled. The
        composition is shown with :func:`hypothesis.note` when a test fails.

    Raises
    ------
    hypothesis.errors.InvalidArgument
        At call time, when ``composition`` is malformed.

    See Also
    --------
    group_compositions : The group sizes alone.
    fairness_datasets : Labels, features and predictions too.

    Examples
    --------
    >>> from hypothesis import find
    >>> from pytest_fairness.strategies import group_compositions, sensitive_frames
    >>> frames = sensitive_frames(
    ...     composition=group_compositions(
    ...         {"gender": ["female", "male"]}, min_group_size=5
    ...     )
    ... )
    >>> df = find(frames, lambda df: (df["gender"] == "female").sum() < 8)
    >>> df["gender"].value_counts().sort_index().to_dict()
    {'female': 5, 'male': 5}
    """
    source, _ = _composition_source(composition, "sensitive_frames")

    @st.composite
    def sensitive_frames(draw: st.DrawFn, *, composition: CompositionLike) -> Any:
        return _frames(draw, source)

    return sensitive_frames(composition=composition)
