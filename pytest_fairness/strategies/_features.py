"""Feature specifications of fairness_datasets and the columns they generate."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.strategies import SearchStrategy

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = ["SHORTHANDS", "Feature", "check_features"]

#: What each numeric shorthand depends on.
SHORTHANDS: dict[str, frozenset[str]] = {
    "signal": frozenset({"label"}),
    "proxy": frozenset({"group"}),
    "noise": frozenset(),
}
_DEPENDS = ("group", "label")
_SPEC_KEYS = frozenset({"categories", "depends_on", "strength"})


def _default_strength() -> SearchStrategy[float]:
    return st.floats(0.0, 2.0, allow_nan=False, allow_infinity=False)


@dataclass(frozen=True)
class Feature:
    """One generated feature column.

    Attributes
    ----------
    name : str
        Column name.
    categories : tuple or None
        Levels of a categorical feature; None for a numeric one.
    depends_on : frozenset of {"group", "label"}
        What the feature's distribution depends on.
    strength : float or strategy of float
        How strongly it depends on them (0 is not at all).
    """

    name: str
    categories: tuple[Hashable, ...] | None
    depends_on: frozenset[str]
    strength: float | SearchStrategy[float]

    def generate(
        self,
        strength: float,
        cell: NDArray[np.intp],
        y: NDArray[np.int64],
        n_cells: int,
        rng: np.random.Generator,
    ) -> NDArray[Any]:
        """Return the column for rows of groups ``cell`` and labels ``y``.

        A numeric feature is ``noise + strength * (y + offset[group])`` with
        standard normal noise and per-group offsets, keeping only the
        dependencies declared. A categorical feature draws its level from
        ``softmax(strength * (a[group] + b[y]))`` with standard normal
        ``a`` and ``b``: uniform when it depends on nothing.
        """
        import numpy as np  # noqa: PLC0415 - strategies import nothing heavy

        n = len(cell)
        group_on = "group" in self.depends_on
        label_on = "label" in self.depends_on
        if self.categories is None:
            shift = np.zeros(n)
            if group_on:
                shift += rng.standard_normal(n_cells)[cell]
            if label_on:
                shift += y
            return rng.standard_normal(n) + strength * shift
        k = len(self.categories)
        logits = np.zeros((n, k))
        if group_on:
            logits += rng.standard_normal((n_cells, k))[cell]
        if label_on:
            logits += rng.standard_normal((2, k))[y]
        weights = np.exp(strength * (logits - logits.max(axis=1, keepdims=True)))
        cumulative = np.cumsum(weights, axis=1)
        u = rng.random(n) * cumulative[:, -1]
        codes = np.minimum((u[:, None] >= cumulative).sum(axis=1), k - 1)
        values = np.empty(k, dtype=object)
        values[:] = list(self.categories)
        return values[codes]  # type: ignore[no-any-return]


def _check_strength(where: str, value: object) -> float | SearchStrategy[float]:
    if isinstance(value, SearchStrategy):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        msg = f"{where} must be a number >= 0 or a strategy of them. Got {value!r}."
        raise InvalidArgument(msg)
    return float(value)


def _check_categories(where: str, value: object) -> tuple[Hashable, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        msg = f"{where} must be a sequence of at least two levels. Got {value!r}."
        raise InvalidArgument(msg)
    levels = tuple(value)
    if len(levels) < 2 or len(set(levels)) != len(levels):
        msg = f"{where} must hold at least two distinct levels. Got {value!r}."
        raise InvalidArgument(msg)
    return levels


def _check_one(name: str, spec: object) -> Feature:
    where = f"features[{name!r}]"
    if isinstance(spec, str):
        if spec not in SHORTHANDS:
            msg = (
                f"{where} must be one of {sorted(SHORTHANDS)!r}, a sequence of "
                f"categories, or a mapping. Got {spec!r}."
            )
            raise InvalidArgument(msg)
        return Feature(name, None, SHORTHANDS[spec], _default_strength())
    if isinstance(spec, Mapping):
        unknown = set(spec) - _SPEC_KEYS
        if unknown:
            msg = (
                f"{where} has unknown key(s) {sorted(unknown)!r}; allowed: "
                f"{sorted(_SPEC_KEYS)!r}."
            )
            raise InvalidArgument(msg)
        categories = spec.get("categories")
        if categories is not None:
            categories = _check_categories(f"{where}['categories']", categories)
        depends = spec.get("depends_on", ())
        depends = (depends,) if isinstance(depends, str) else depends
        if not isinstance(depends, Sequence | frozenset | set) or not set(
            depends
        ) <= set(_DEPENDS):
            msg = (
                f"{where}['depends_on'] must be a subset of {list(_DEPENDS)!r}. "
                f"Got {spec.get('depends_on')!r}."
            )
            raise InvalidArgument(msg)
        strength = _check_strength(
            f"{where}['strength']", spec.get("strength", _default_strength())
        )
        return Feature(name, categories, frozenset(depends), strength)
    if isinstance(spec, Sequence):
        categories = _check_categories(where, spec)
        return Feature(name, categories, frozenset({"group"}), _default_strength())
    msg = (
        f"{where} must be one of {sorted(SHORTHANDS)!r}, a sequence of categories, "
        f"or a mapping. Got {spec!r}."
    )
    raise InvalidArgument(msg)


def check_features(features: object) -> tuple[Feature, ...]:
    """Validate the ``features`` argument of fairness_datasets."""
    if features is None:
        return ()
    if not isinstance(features, Mapping):
        msg = (
            "features must be a mapping of column name to spec, e.g. "
            f'{{"credit": "signal", "zip_code": "proxy"}}. Got {features!r}.'
        )
        raise InvalidArgument(msg)
    out = []
    for name, spec in features.items():
        if not isinstance(name, str) or not name:
            msg = f"features keys must be non-empty strings. Got {name!r}."
            raise InvalidArgument(msg)
        out.append(_check_one(name, spec))
    return tuple(out)
