"""Argument checks that raise :class:`FairnessValueError` in one message shape."""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

import numpy as np

from pytest_fairness.exceptions import FairnessValueError

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = [
    "check_bool",
    "check_choice",
    "check_int",
    "check_probability",
    "closest",
    "fail",
    "hint_for",
    "param_error",
]


def closest(name: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """Return the candidates closest to ``name`` (for "did you mean" hints)."""
    return difflib.get_close_matches(name, sorted(candidates), n=n, cutoff=0.5)


def fail(message: str) -> FairnessValueError:
    """Build a :class:`FairnessValueError` (returned, so callers write ``raise``)."""
    return FairnessValueError(message)


def hint_for(name: str, candidates: Iterable[str]) -> str:
    """Return a ``" Did you mean ...?"`` suffix, or an empty string."""
    matches = closest(name, candidates)
    if not matches:
        return ""
    return " Did you mean " + " or ".join(repr(m) for m in matches) + "?"


def param_error(
    owner: object, name: str, value: object, expected: str
) -> FairnessValueError:
    """Build the error for a bad constructor parameter of an estimator.

    scikit-learn's contract checks parameters in ``fit``, so the message names
    the estimator and the parameter: ``The 'tol' parameter of X must be a
    float > 0. Got -1.``

    Parameters
    ----------
    owner : object
        The estimator whose parameter is wrong.
    name : str
        The parameter.
    value : object
        The value it holds.
    expected : str
        What it should be.

    Returns
    -------
    FairnessValueError
        To be raised by the caller.
    """
    msg = (
        f"The {name!r} parameter of {type(owner).__name__} must be {expected}. "
        f"Got {value!r}."
    )
    return FairnessValueError(msg)


def check_choice(name: str, value: object, allowed: Iterable[object]) -> None:
    """Raise unless ``value`` is one of ``allowed``."""
    allowed = list(allowed)
    if value not in allowed:
        hint = (
            hint_for(value, [str(a) for a in allowed]) if isinstance(value, str) else ""
        )
        msg = f"{name} must be one of {allowed!r}. Got {value!r}.{hint}"
        raise FairnessValueError(msg)


def check_int(name: str, value: object, *, minimum: int = 0) -> int:
    """Return ``value`` as an int, raising unless it is an integer >= ``minimum``."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | np.integer)
        or int(value) < minimum
    ):
        msg = f"{name} must be an integer >= {minimum}. Got {value!r}."
        raise FairnessValueError(msg)
    return int(value)


def check_bool(name: str, value: object) -> bool:
    """Return ``value`` as a bool, raising unless it is True or False."""
    if not isinstance(value, bool | np.bool_):
        msg = f"{name} must be True or False. Got {value!r}."
        raise FairnessValueError(msg)
    return bool(value)


def check_probability(name: str, value: object) -> float:
    """Return ``value`` as a float strictly between 0 and 1."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        msg = f"{name} must be a number strictly between 0 and 1. Got {value!r}."
        raise FairnessValueError(msg)
    if not 0.0 < float(value) < 1.0:
        msg = f"{name} must be a number strictly between 0 and 1. Got {value!r}."
        raise FairnessValueError(msg)
    return float(value)
