"""Bounds on disparities: parsing ``0.1``, ``(">=", 0.8)`` and ``"name >= 0.8"``.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pytest_fairness._validation import fail
from pytest_fairness.metrics._registry import resolve_disparity

__all__ = ["OPERATORS", "Bound", "BoundsLike", "parse_bounds"]

Op = Literal["<=", "<", ">=", ">"]
OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    "<": operator.lt,
    ">=": operator.ge,
    ">": operator.gt,
}
BoundsLike = Mapping[str, Any] | Iterable[Any] | str
_EXPR = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(<=|>=|<|>)\s*(\S+)\s*$")
_VALUE = re.compile(r"^\s*(<=|>=|<|>)\s*(\S+)\s*$")


@dataclass(frozen=True, slots=True)
class Bound:
    """A limit on one disparity.

    Attributes
    ----------
    metric : str
        The disparity name, e.g. ``"demographic_parity_difference"``.
    op : {"<=", "<", ">=", ">"}
        How the value must compare with ``limit`` to pass.
    limit : float
        The limit.
    """

    metric: str
    op: Op
    limit: float

    def holds(self, value: float) -> bool:
        """Return whether ``value`` satisfies the bound (False for NaN).

        Parameters
        ----------
        value : float
            The disparity's value.

        Returns
        -------
        bool
            True when the comparison holds.
        """
        return not math.isnan(value) and OPERATORS[self.op](value, self.limit)

    def __str__(self) -> str:
        return f"{self.op} {self.limit:g}"

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-friendly dict.

        Returns
        -------
        dict
            The fields as JSON types (NaN values as None).
        """
        return {"metric": self.metric, "op": self.op, "limit": self.limit}


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        try:
            value = float(value)
        except (TypeError, ValueError):
            msg = f"the limit of {where} must be a number. Got {value!r}."
            raise fail(msg) from None
    if math.isnan(float(value)):
        msg = f"the limit of {where} must be a number. Got NaN."
        raise fail(msg)
    return float(value)


def _one(metric: str, spec: Any) -> Bound:
    disparity = resolve_disparity(metric)
    default: Op = ">=" if disparity.higher_is_better else "<="
    if isinstance(spec, str):
        match = _VALUE.match(spec)
        if match is None:
            return Bound(metric, default, _number(spec, repr(metric)))
        return Bound(metric, match.group(1), _number(match.group(2), repr(metric)))  # type: ignore[arg-type]
    if isinstance(spec, tuple | list):
        if len(spec) != 2 or spec[0] not in OPERATORS:
            msg = (
                f"the bound on {metric!r} must be a number or a pair (op, value) "
                f"with op one of {sorted(OPERATORS)}. Got {spec!r}."
            )
            raise fail(msg)
        return Bound(metric, spec[0], _number(spec[1], repr(metric)))
    return Bound(metric, default, _number(spec, repr(metric)))


def parse_bounds(bounds: BoundsLike) -> tuple[Bound, ...]:
    """Parse bounds given in any of the accepted forms.

    Parameters
    ----------
    bounds : mapping, iterable of str, or str
        A mapping from disparity name to a limit, where the limit is a number,
        an ``(op, value)`` pair or a string such as ``">= 0.8"``; or
        expressions such as ``"demographic_parity_ratio >= 0.8"``. A bare
        number is an upper limit for differences (``<=``, 0 is parity) and a
        lower limit for ratios (``>=``, 1 is parity).

    Returns
    -------
    tuple of Bound
        One bound per entry, in the given order.

    Raises
    ------
    FairnessValueError
        For an unknown disparity name (with the closest names), a malformed
        limit or an empty set of bounds.

    Examples
    --------
    >>> parse_bounds({"demographic_parity_difference": 0.1,
    ...               "demographic_parity_ratio": 0.8})
    (Bound(metric='demographic_parity_difference', op='<=', limit=0.1), \
Bound(metric='demographic_parity_ratio', op='>=', limit=0.8))
    >>> parse_bounds("equalized_odds_difference < 0.05")
    (Bound(metric='equalized_odds_difference', op='<', limit=0.05),)
    """
    if isinstance(bounds, str):
        bounds = [bounds]
    out: list[Bound] = []
    if isinstance(bounds, Mapping):
        out = [_one(str(k), v) for k, v in bounds.items()]
    else:
        for expr in bounds:
            match = _EXPR.match(expr) if isinstance(expr, str) else None
            if match is None:
                msg = (
                    f"cannot read the bound {expr!r}: write 'metric <= value' "
                    "(or <, >=, >), or pass a dict {metric: value}."
                )
                raise fail(msg)
            out.append(_one(match.group(1), f"{match.group(2)} {match.group(3)}"))
    if not out:
        msg = (
            "no bounds given: pass at least one, "
            "e.g. demographic_parity_difference=0.1."
        )
        raise fail(msg)
    return tuple(out)
