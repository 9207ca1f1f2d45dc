"""Shared fixtures: small synthetic data sets for the core tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


def make_data(
    n: int = 3000,
    *,
    seed: int = 0,
    n_columns: int = 2,
    weights: bool = False,
) -> dict[str, object]:
    """Random binary labels, predictions and 1-3 sensitive columns.

    Every group gets rows of every confusion cell when ``n`` is large enough,
    so every rate is defined and fairlearn's zero-division choice never
    applies.
    """
    rng = np.random.default_rng(seed)
    levels = [["female", "male"], ["white", "black", "asian"], ["young", "old"]]
    cols = {
        name: rng.choice(lv, size=n, p=None)
        for name, lv in zip(["sex", "race", "age"][:n_columns], levels, strict=False)
    }
    sf = pd.DataFrame(cols)
    base = rng.random(n)
    shift = (sf.iloc[:, 0] == sf.iloc[0, 0]).to_numpy() * 0.15
    y_true = (base < 0.45 + shift).astype(int)
    y_pred = (rng.random(n) < 0.35 + 0.3 * y_true + shift).astype(int)
    out: dict[str, object] = {"y_true": y_true, "y_pred": y_pred, "sf": sf}
    out["w"] = rng.uniform(0.2, 3.0, size=n) if weights else None
    return out


@pytest.fixture(name="make_data")
def make_data_fixture():
    """The :func:`make_data` factory, for tests that need several data sets."""
    return make_data


@pytest.fixture
def data() -> dict[str, object]:
    return make_data()
