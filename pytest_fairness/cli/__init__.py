"""The ``pytest-fairness`` command: reports, baselines, history, audits.

``pytest-fairness`` (also ``python -m pytest_fairness``) is built on
:mod:`argparse`. Every command has ``--help`` and an exit status CI can use:

- 0: done, and nothing failed or differed;
- 1: ``audit`` found a bound that failed (or could not decide, unless
  ``--on-inconclusive=warn``); ``baselines diff`` found a difference;
- 2: a usage error or a file that cannot be read (the message says which
  and why).

The commands share the renderers of the plugin
(:mod:`pytest_fairness.render`), so a saved JSON report renders to the very
HTML and markdown the run wrote.
"""

from __future__ import annotations

from pytest_fairness.cli._main import main

__all__ = ["main"]
