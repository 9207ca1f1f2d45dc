"""The ``hypothesis`` entry point: cheap, because it imports nothing.

Hypothesis runs the ``hypothesis`` entry points of every installed
distribution when it is imported, and its pytest plugin imports it on every
pytest run: a hook that imported :mod:`pytest_fairness.strategies` would make
every test run of a project with hypothesis installed pay for it (about
25 ms), fairness tests or not. So this hook imports nothing.
:mod:`pytest_fairness.strategies` registers its types with ``st.from_type``
when it is imported, which is the first moment anyone can ask for them (a
type is reached through its module); the hook registers them only when that
module is already loaded (an entry point run again, by hand).
"""

from __future__ import annotations

import sys

__all__ = ["_hypothesis_setup_hook"]


def _hypothesis_setup_hook() -> None:
    """Register the strategies' types if :mod:`pytest_fairness.strategies` is loaded."""
    hook = sys.modules.get("pytest_fairness.strategies._hook")
    if hook is not None:
        hook.register()
