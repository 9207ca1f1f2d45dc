"""The pytest plugin (entry point ``fairness``): registers the fairness_gate marker.

Importing this module imports nothing heavy: no numpy, pandas, scikit-learn,
fairlearn or dowhy. The core loads on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pytest

MARKER_HELP = (
    "fairness_gate(demographic_parity_difference=None, ..., sensitive_features=None, "
    "intersectional=True, min_group_size=30, reference=None, baseline=False, "
    "tolerance=0.01, confidence=None, on_inconclusive='fail'): bounds on fairness "
    "disparities checked by the `fairness` fixture. A number bounds a difference "
    "from above and a ratio from below; (op, value) sets the comparison."
)


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``fairness_gate`` marker.

    Parameters
    ----------
    config : pytest.Config
        The pytest configuration.
    """
    config.addinivalue_line(
        "markers", f"fairness_gate{MARKER_HELP[len('fairness_gate') :]}"
    )
