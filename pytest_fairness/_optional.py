"""Import optional dependencies with one message that names the extra to install."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from types import ModuleType

__all__ = ["import_optional"]


def import_optional(name: str, *, extra: str, purpose: str) -> ModuleType:
    """Import an optional dependency or explain how to install it.

    Parameters
    ----------
    name : str
        Module to import, e.g. ``"dowhy.gcm"``.
    extra : str
        The pytest-fairness extra that brings it, e.g. ``"causal"``.
    purpose : str
        What needs it, e.g. ``"causal checks"``.

    Returns
    -------
    module
        The imported module.

    Raises
    ------
    ImportError
        ``"<purpose> need <package>: pip install "pytest-fairness[<extra>]""``.
    """
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        package = name.split(".", 1)[0]
        msg = f'{purpose} need {package}: pip install "pytest-fairness[{extra}]"'
        raise ImportError(msg) from exc
