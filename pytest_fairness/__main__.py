"""``python -m pytest_fairness``: the ``pytest-fairness`` command."""

from __future__ import annotations

import sys

from pytest_fairness.cli import main

if __name__ == "__main__":
    sys.exit(main())
