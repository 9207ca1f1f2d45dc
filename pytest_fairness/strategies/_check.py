"""Eager argument checks of the strategies, raising hypothesis' InvalidArgument."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any, TypeGuard, TypeVar

from hypothesis.errors import InvalidArgument
from hypothesis.strategies import SearchStrategy

from pytest_fairness.strategies._composition import Cell, check_attributes

__all__ = [
    "RateSpec",
    "check_bool",
    "check_integer",
    "check_name",
    "check_probability",
    "check_rate_keys",
    "check_rates",
    "check_share",
    "check_strategy_or",
    "invalid_attributes",
    "rate_for",
    "rate_key",
]

T = TypeVar("T")

RateSpec = (
    float | SearchStrategy[float] | Mapping[Hashable, float | SearchStrategy[float]]
)


def invalid_attributes(
    attributes: object, where: str
) -> tuple[tuple[str, ...], tuple[tuple[Hashable, ...], ...]]:
    """Validate attributes, raising InvalidArgument."""
    return check_attributes(attributes, error=InvalidArgument, where=where)


def check_integer(name: str, value: object, *, minimum: int) -> int:
    """Return ``value`` as int, or raise unless it is an integer >= ``minimum``."""
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        msg = f"{name} must be an integer >= {minimum}. Got {value!r}."
        raise InvalidArgument(msg)
    if int(value) < minimum:
        msg = f"{name} must be an integer >= {minimum}. Got {value!r}."
        raise InvalidArgument(msg)
    return int(value)


def check_bool(name: str, value: object) -> bool:
    """Return ``value``, or raise unless it is True or False."""
    if not isinstance(value, bool):
        msg = f"{name} must be True or False. Got {value!r}."
        raise InvalidArgument(msg)
    return value


def check_name(name: str, value: object) -> str:
    """Return ``value``, or raise unless it is a non-empty string."""
    if not isinstance(value, str) or not value:
        msg = f"{name} must be a non-empty string (a column name). Got {value!r}."
        raise InvalidArgument(msg)
    return value


def _is_number(value: object) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def check_share(name: str, value: object) -> float | None:
    """Return ``value`` as float, or raise unless None or a number in (0, 1]."""
    if value is None:
        return None
    if not _is_number(value) or not 0.0 < float(value) <= 1.0:
        msg = f"{name} must be None or a number in (0, 1]. Got {value!r}."
        raise InvalidArgument(msg)
    return float(value)


def check_probability(name: str, value: object) -> float:
    """Return ``value`` as float, or raise unless it is a number in [0, 1]."""
    if not _is_number(value) or not 0.0 <= float(value) <= 1.0:
        msg = f"{name} must be a number in [0, 1] or a strategy of them. Got {value!r}."
        raise InvalidArgument(msg)
    return float(value)


def check_strategy_or(
    name: str, value: object, check: Callable[[str, object], T]
) -> T | SearchStrategy[Any]:
    """Return a strategy unchanged, else ``check(name, value)``."""
    if isinstance(value, SearchStrategy):
        return value
    return check(name, value)


def check_rates(name: str, value: object) -> RateSpec:
    """Validate the form of a rate specification (not its keys).

    A number in [0, 1] (every group), a strategy of such numbers (one draw
    per group), or a mapping of group or level to either.
    """
    if isinstance(value, Mapping):
        if not value:
            msg = (
                f"{name} must not be an empty mapping: give a rate per group or "
                "level, or one number or strategy for every group."
            )
            raise InvalidArgument(msg)
        for key, rate in value.items():
            check_strategy_or(f"{name}[{key!r}]", rate, check_probability)
        return value
    if isinstance(value, SearchStrategy):
        return value
    if not _is_number(value) or not 0.0 <= float(value) <= 1.0:
        msg = (
            f"{name} must be a number in [0, 1], a strategy of such numbers, or a "
            f"mapping of group or level to either. Got {value!r}."
        )
        raise InvalidArgument(msg)
    return float(value)


def check_rate_keys(
    name: str,
    rates: RateSpec | None,
    attribute_names: tuple[str, ...],
    cells: Sequence[Cell],
    needed: Sequence[Cell],
) -> None:
    """Raise unless every key of a rate mapping names a cell or a level.

    And unless each cell of ``needed`` finds exactly one rate: its own key,
    or else a single key among its levels.
    """
    if not isinstance(rates, Mapping):
        return
    levels = {v for cell in cells for v in cell}
    cell_set = set(cells)
    for key in rates:
        if isinstance(key, tuple):
            if key not in cell_set:
                msg = (
                    f"{name} has key {key!r}, which is not a group of "
                    f"{attribute_names!r}; a key is a tuple of levels (one per "
                    f"attribute) or a single level."
                )
                raise InvalidArgument(msg)
        elif key not in levels:
            msg = (
                f"{name} has key {key!r}, which is not a level of "
                f"{attribute_names!r}. Known levels: {sorted(levels, key=repr)!r}."
            )
            raise InvalidArgument(msg)
    for cell in needed:
        rate_key(name, rates, cell)


def rate_key(name: str, rates: Mapping[Hashable, Any], cell: Cell) -> Hashable:
    """Return the key of ``rates`` that applies to ``cell``."""
    if cell in rates:
        return cell
    hits = [k for k in rates if not isinstance(k, tuple) and k in cell]
    if len(hits) == 1:
        return hits[0]
    if not hits:
        msg = (
            f"{name} gives no rate for group {cell!r}: add that group, or one of "
            f"its levels {list(cell)!r}, as a key."
        )
        raise InvalidArgument(msg)
    msg = (
        f"{name} is ambiguous for group {cell!r}: levels {hits!r} all have a rate. "
        f"Add the group {cell!r} itself as a key."
    )
    raise InvalidArgument(msg)


def rate_for(name: str, rates: RateSpec, cell: Cell) -> float | SearchStrategy[float]:
    """Return the rate (or the strategy of rates) that applies to ``cell``."""
    if isinstance(rates, Mapping):
        return rates[rate_key(name, rates, cell)]
    return rates
