"""Exceptions and warnings raised by pytest-fairness (standard library only)."""

from __future__ import annotations

__all__ = [
    "BaselineError",
    "FairnessError",
    "FairnessGateFailure",
    "FairnessValueError",
    "FairnessWarning",
]


class FairnessError(Exception):
    """Root of every exception raised by pytest-fairness."""


class FairnessValueError(FairnessError, ValueError):
    """An argument has the wrong shape, type or value.

    The message names the argument, what was received and what was expected.
    It is also a :class:`ValueError`, so callers that already catch that keep
    working.
    """


class FairnessGateFailure(FairnessError, AssertionError):
    """A fairness gate was violated.

    It is an :class:`AssertionError`, so pytest reports it as a test failure
    (not an error). The message is a table of every violated bound with the
    worst pair of groups behind it.

    Parameters
    ----------
    message : str
        The rendered failure table.
    result : object, optional
        The :class:`~pytest_fairness.GateResult` that failed, for programmatic
        access to the individual bounds.
    """

    def __init__(self, message: str, result: object | None = None) -> None:
        super().__init__(message)
        self.result = result


class BaselineError(FairnessError):
    """A stored baseline is missing, corrupt or of an incompatible schema."""


class FairnessWarning(UserWarning):
    """Something in an audit deserves attention but does not stop it.

    Raised for groups smaller than ``min_group_size`` (they are reported and
    left out of disparities) and for metrics that are undefined for a group.
    """
