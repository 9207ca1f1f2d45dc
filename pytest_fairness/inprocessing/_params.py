"""Checks of the constructor parameters of the in-processing classifiers.

Each check runs in ``fit`` (scikit-learn's contract: ``__init__`` only stores)
and raises a :class:`~pytest_fairness.FairnessValueError` naming the
estimator, the parameter, what it must be and what it holds.
"""

from __future__ import annotations

import numbers
from typing import TypeGuard

import numpy as np

from pytest_fairness._validation import fail, hint_for, param_error

__all__ = [
    "check_choice_param",
    "check_int_param",
    "check_random_state",
    "check_real",
    "is_int_at_least",
    "param_error",
]


def check_real(
    owner: object,
    name: str,
    value: object,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
) -> float:
    """Return a real parameter as a float, or raise naming it and its range.

    Parameters
    ----------
    owner : estimator
        The estimator whose parameter this is.
    name : str
        The parameter.
    value : object
        Its value.
    low, high : float, optional
        Bounds of the allowed range (inclusive unless ``low_open``).
    low_open : bool, default=False
        Exclude ``low`` itself.

    Returns
    -------
    float
        The value.

    Raises
    ------
    FairnessValueError
        When the value is not a finite real number in range.
    """
    lo = "" if low is None else f"{'>' if low_open else '>='} {low}"
    hi = "" if high is None else f"<= {high}"
    expected = "a finite number" + (
        " " + " and ".join(p for p in (lo, hi) if p) if lo or hi else ""
    )
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise param_error(owner, name, value, expected)
    v = float(value)
    if not np.isfinite(v):
        raise param_error(owner, name, value, expected)
    if low is not None and (v < low or (low_open and v == low)):
        raise param_error(owner, name, value, expected)
    if high is not None and v > high:
        raise param_error(owner, name, value, expected)
    return v


def check_int_param(owner: object, name: str, value: object, *, minimum: int) -> int:
    """Return an integer parameter, or raise naming it.

    Parameters
    ----------
    owner : estimator
        The estimator whose parameter this is.
    name : str
        The parameter.
    value : object
        Its value.
    minimum : int
        Smallest allowed value.

    Returns
    -------
    int
        The value.

    Raises
    ------
    FairnessValueError
        When the value is not an integer >= ``minimum``.
    """
    if not is_int_at_least(value, minimum):
        raise param_error(owner, name, value, f"an integer >= {minimum}")
    return int(value)


def check_random_state(
    owner: object, value: object, *, expected: str = "None or an integer >= 0"
) -> int | None:
    """Return the ``random_state`` parameter (a seed or None), or raise naming it.

    Parameters
    ----------
    owner : estimator
        The estimator whose parameter this is.
    value : object
        Its value.
    expected : str, default="None or an integer >= 0"
        What the error message says the parameter must be.

    Returns
    -------
    int or None
        The seed, or None.

    Raises
    ------
    FairnessValueError
        When the value is neither None nor an integer >= 0.
    """
    if value is None:
        return None
    if not is_int_at_least(value, 0):
        raise param_error(owner, "random_state", value, expected)
    return int(value)


def is_int_at_least(value: object, minimum: int) -> TypeGuard[numbers.Integral]:
    """Tell whether ``value`` is an integer (not a bool) >= ``minimum``.

    Parameters
    ----------
    value : object
        A parameter's value.
    minimum : int
        Smallest allowed value.

    Returns
    -------
    bool
        True for an integer >= ``minimum``; narrows ``value`` for type checkers.
    """
    return (
        not isinstance(value, bool)
        and isinstance(value, numbers.Integral)
        and int(value) >= minimum
    )


def check_choice_param(
    owner: object, name: str, value: object, allowed: tuple[str, ...]
) -> str:
    """Return a string option, or raise naming the allowed values.

    Parameters
    ----------
    owner : estimator
        The estimator whose parameter this is.
    name : str
        The parameter.
    value : object
        Its value.
    allowed : tuple of str
        The allowed values.

    Returns
    -------
    str
        The value.

    Raises
    ------
    FairnessValueError
        When the value is not one of ``allowed`` (with a "did you mean" hint).
    """
    if not isinstance(value, str) or value not in allowed:
        hint = hint_for(value, allowed) if isinstance(value, str) else ""
        msg = (
            f"The {name!r} parameter of {type(owner).__name__} must be one of "
            f"{list(allowed)!r}. Got {value!r}.{hint}"
        )
        raise fail(msg)
    return value
