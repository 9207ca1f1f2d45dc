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
from pytest_fairness.metrics._registry import METRICS, resolve_disparity

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


_FORMS = (
    "Allowed: a number, an (op, value) pair with op one of '<=', '<', '>=', "
    "'>', or a string such as '>= 0.8'."
)


def _number(value: Any, metric: str) -> float:
    if isinstance(value, bool):
        msg = (
            f"the limit of {metric!r} must be a number, not a boolean. Got "
            f"{value!r}. {_FORMS}"
        )
        raise fail(msg)
    if not isinstance(value, int | float):
        try:
            value = float(value)
        except (TypeError, ValueError):
            msg = f"the limit of {metric!r} must be a number. Got {value!r}. {_FORMS}"
            raise fail(msg) from None
    limit = float(value)
    if not math.isfinite(limit):
        msg = (
            f"the limit of {metric!r} must be a finite number. Got {limit!r}: a "
            "bound at infinity or NaN can never fail (or never pass)."
        )
        raise fail(msg)
    return limit


def _is_rate(metric: str) -> bool:
    """Whether a metric lies in [0, 1] (binary rates and score metrics)."""
    return METRICS[metric].kind in ("binary", "score")


def _checked(bound: Bound, kind: str, rates: bool) -> Bound:
    """Refuse a bound that points the wrong way or that can never fail or pass."""
    metric, op, limit = bound.metric, bound.op, bound.limit
    shown = f"{metric} {op} {limit:g}"
    if kind == "ratio":
        if op in ("<", "<="):
            msg = (
                f"the bound {shown!r} points the wrong way: a ratio is 1 at parity "
                "and falls towards 0 as the groups drift apart, so a lower ratio "
                f"is less fair and {op!r} would pass the unfair models it should "
                "catch. Allowed on a ratio: '>=' or '>' with a limit in (0, 1]. "
                f"Hint: {metric}='>= {limit:g}' (a bare number means '>=')."
            )
            raise fail(msg)
        if not 0 < limit <= 1 or (op == ">" and limit == 1):
            what = (
                "leaves the ratio unbounded (it passes every model but those "
                "that select no one from some group)"
                if limit <= 0
                else "can never pass"
            )
            msg = (
                f"the bound {shown!r} {what}: a ratio lies between 0 and 1, 1 at "
                "parity. Allowed on a ratio: a limit in (0, 1] with '>=' (or '>' "
                "below 1). Hint: 0.8 is the four-fifths rule."
            )
            raise fail(msg)
        return bound
    if op in (">", ">="):
        msg = (
            f"the bound {shown!r} points the wrong way: a difference is 0 at "
            "parity and grows as the groups drift apart, so a larger difference "
            f"is less fair and {op!r} would pass the unfair models it should "
            "catch. Allowed on a difference: '<=' or '<'. "
            f"Hint: {metric}={limit:g} (a bare number means '<=')."
        )
        raise fail(msg)
    if limit < 0 or (op == "<" and limit == 0):
        allowed = "in [0, 1]" if rates else ">= 0"
        msg = (
            f"the bound {shown!r} can never pass: a difference is never below 0 "
            f"(0 is parity). Allowed on a difference: a limit {allowed} with "
            "'<=' (or '<' above 0)."
        )
        raise fail(msg)
    if rates and limit > 1:
        msg = (
            f"the bound {shown!r} can never fail: {metric} is a difference of "
            "rates, which lies in [0, 1]. Allowed: a limit in [0, 1]. Hint: "
            "0.1 allows ten percentage points between groups."
        )
        raise fail(msg)
    return bound


def _one(metric: str, spec: Any) -> Bound:
    disparity = resolve_disparity(metric)
    default: Op = ">=" if disparity.higher_is_better else "<="
    if isinstance(spec, str):
        match = _VALUE.match(spec)
        if match is None:
            bound = Bound(metric, default, _number(spec, metric))
        else:
            op: Op = match.group(1)  # type: ignore[assignment]
            bound = Bound(metric, op, _number(match.group(2), metric))
    elif isinstance(spec, tuple | list):
        if len(spec) != 2 or spec[0] not in OPERATORS:
            msg = (
                f"the bound on {metric!r} must be a number or a pair (op, value) "
                f"with op one of {sorted(OPERATORS)}. Got {spec!r}. {_FORMS}"
            )
            raise fail(msg)
        bound = Bound(metric, spec[0], _number(spec[1], metric))
    else:
        bound = Bound(metric, default, _number(spec, metric))
    rates = all(_is_rate(m) for m in disparity.metrics)
    return _checked(bound, disparity.kind, rates)


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
        limit, an empty set of bounds, or a bound that can never fail or
        never pass: ``True``/``False``, infinity or NaN as a limit; a ratio
        with ``<``/``<=`` (a lower ratio is less fair) or a limit outside
        (0, 1]; a difference with ``>``/``>=`` (a larger difference is less
        fair), a negative limit, or, for a difference of rates (every binary
        and score metric), a limit above 1.

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
