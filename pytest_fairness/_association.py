"""Association between every feature and every sensitive attribute, in one table.

Shared by the proxy scan (``pytest_fairness.causal.proxy_scan``) and by any
stage that needs to know which features carry a protected attribute. numpy and
pandas only: every statistic is computed from a contingency table (categorical
features) or from per-group sums and ranks (numeric features), one feature at a
time, with no loop over rows.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from pytest_fairness._inputs import as_1d, sensitive_columns
from pytest_fairness._validation import check_int, fail, hint_for

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from pytest_fairness._inputs import Column

__all__ = ["ASSOCIATION_COLUMNS", "association_table", "split_sensitive"]

#: Columns of the frame returned by :func:`association_table`, in order.
ASSOCIATION_COLUMNS = ("feature", "attribute", "kind", "association", "nmi", "auc")

_CATEGORICAL_KINDS = "bOSUT"  # bool, object, bytes, unicode, string


@dataclass(frozen=True, slots=True)
class _Feature:
    """One feature, prepared once for every attribute.

    ``codes``/``n_levels`` for a categorical feature; for a numeric one the
    finite ``mask``, the values, their average ranks and quantile-bin codes.
    """

    name: str
    kind: str
    codes: NDArray[np.intp]
    n_levels: int
    mask: NDArray[np.bool_] | None = None
    values: NDArray[np.float64] | None = None
    ranks: NDArray[np.float64] | None = None


def _is_names(value: Any, columns: Sequence[str]) -> bool:
    if isinstance(value, str):
        return value in columns
    if isinstance(value, list | tuple) and value:
        return all(isinstance(v, str) for v in value) and all(
            v in columns for v in value
        )
    return False


def _feature_items(X: Any, argname: str) -> list[tuple[str, Any]]:
    """Return ``(name, column)`` pairs for a frame, a mapping or a 2-D array."""
    if isinstance(X, pd.DataFrame):
        return [(str(c), X[c]) for c in X.columns]
    if isinstance(X, Mapping):
        return [(str(k), v) for k, v in X.items()]
    if "polars" in sys.modules and type(X).__module__.startswith("polars"):
        return [(str(c), X[c].to_numpy()) for c in X.columns]
    if isinstance(X, np.ndarray | list | tuple):
        arr = np.asarray(X)
        if arr.ndim == 1:
            arr = arr[:, None]
        if arr.ndim != 2:
            msg = f"{argname} must be 2-dimensional (rows x features). Got {arr.shape}."
            raise fail(msg)
        return [(f"x{j}", arr[:, j]) for j in range(arr.shape[1])]
    try:
        import narwhals as nw  # noqa: PLC0415 - optional dataframe support

        frame = nw.from_native(X, eager_only=True)
    except (ImportError, TypeError):
        msg = (
            f"{argname} must be a DataFrame (pandas, polars, ...), a dict of "
            f"columns or a 2-D array. Got {type(X).__name__}."
        )
        raise fail(msg) from None
    return [(str(c), frame[c].to_numpy()) for c in frame.columns]


def split_sensitive(
    X: Any, sensitive_features: Any, *, argname: str = "X"
) -> tuple[list[tuple[str, Any]], Any]:
    """Separate the features from the sensitive features.

    Parameters
    ----------
    X : DataFrame, dict of array-likes or 2-D array
        The features.
    sensitive_features : array-like, Series, DataFrame, dict, str or list of str
        The sensitive features in any form :func:`pytest_fairness.audit`
        accepts, or the name(s) of columns of ``X`` (those columns are then
        removed from the features).
    argname : str, default="X"
        Argument name used in error messages.

    Returns
    -------
    features : list of (str, column)
        The feature columns, in order.
    sensitive : object
        The sensitive features as a dict of columns (when given by name) or
        as passed.

    Raises
    ------
    FairnessValueError
        If ``X`` is not a table, or a sensitive column name is not in ``X``.
    """
    items = _feature_items(X, argname)
    names = [n for n, _ in items]
    if _is_names(sensitive_features, names):
        wanted = (
            [sensitive_features]
            if isinstance(sensitive_features, str)
            else list(sensitive_features)
        )
        lookup = dict(items)
        sensitive = {n: lookup[n] for n in wanted}
        return [(n, c) for n, c in items if n not in sensitive], sensitive
    if isinstance(sensitive_features, str):
        msg = (
            f"sensitive_features={sensitive_features!r} is not a column of {argname}."
            f"{hint_for(sensitive_features, names)} Columns: {names[:20]!r}."
        )
        raise fail(msg)
    return items, sensitive_features


def _as_array(column: Any, name: str) -> NDArray[Any]:
    if isinstance(column, pd.Series):
        return np.asarray(column.to_numpy())
    return as_1d(column, f"X[{name!r}]")


def _quantile_bins(values: NDArray[np.float64], n_bins: int) -> NDArray[np.intp]:
    """Codes of right-closed quantile bins (``pandas.qcut`` dropping duplicates)."""
    edges = np.unique(np.quantile(values, np.linspace(0.0, 1.0, n_bins + 1)))
    interior = edges[1:-1]
    return np.searchsorted(interior, values, side="left").astype(np.intp)


def _average_ranks(values: NDArray[np.float64]) -> NDArray[np.float64]:
    """Ranks 1..n with ties sharing their average rank."""
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    upper = np.cumsum(counts).astype(np.float64)
    return (upper - (counts - 1) / 2.0)[inverse]


def _prepare(
    name: str, column: Any, n_rows: int, *, categorical: bool, n_bins: int
) -> _Feature:
    if isinstance(column, pd.Series):
        series = column
    else:
        series = pd.Series(_as_array(column, name))
    if len(series) != n_rows:
        msg = (
            f"X column {name!r} has {len(series)} rows but sensitive_features has "
            f"{n_rows}. Every input must have one value per row."
        )
        raise fail(msg)
    is_categorical = (
        categorical
        or isinstance(series.dtype, pd.CategoricalDtype)
        or series.dtype.kind in _CATEGORICAL_KINDS
        or pd.api.types.is_string_dtype(series.dtype)
    )
    if is_categorical:
        codes, uniques = pd.factorize(series, use_na_sentinel=False)
        return _Feature(name, "categorical", codes.astype(np.intp), len(uniques))
    values = np.asarray(series.to_numpy(dtype=np.float64, na_value=np.nan))
    finite = np.isfinite(values)
    mask = None if finite.all() else finite
    kept = values if mask is None else values[mask]
    if kept.size == 0:
        msg = f"X column {name!r} has no finite values."
        raise fail(msg)
    codes = _quantile_bins(kept, n_bins)
    return _Feature(
        name,
        "numeric",
        codes,
        int(codes.max()) + 1,
        mask=mask,
        values=kept,
        ranks=_average_ranks(kept),
    )


def _contingency(
    f: NDArray[np.intp], n_f: int, a: NDArray[np.intp], n_a: int
) -> NDArray[np.float64]:
    flat = np.bincount(f * n_a + a, minlength=n_f * n_a)
    return flat.reshape(n_f, n_a).astype(np.float64)


def _drop_empty(table: NDArray[np.float64]) -> NDArray[np.float64]:
    kept: NDArray[np.float64] = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    return kept


def _cramers_v(table: NDArray[np.float64]) -> float:
    table = _drop_empty(table)
    k = min(table.shape) - 1
    if k < 1:
        return 0.0
    n = table.sum()
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / n
    chi2 = float(((table - expected) ** 2 / expected).sum())
    return float(np.sqrt(min(chi2 / (n * k), 1.0)))


def _entropy(counts: NDArray[np.float64], n: float) -> float:
    p = counts[counts > 0] / n
    return float(-(p * np.log(p)).sum())


def _nmi(table: NDArray[np.float64]) -> float:
    n = float(table.sum())
    rows, cols = table.sum(axis=1), table.sum(axis=0)
    nz = table > 0
    outer = np.outer(rows, cols)[nz]
    mi = float((table[nz] / n * np.log(n * table[nz] / outer)).sum())
    if mi <= 0.0:
        return 0.0
    normaliser = (_entropy(rows, n) + _entropy(cols, n)) / 2.0
    return float(min(mi / max(normaliser, np.finfo(np.float64).eps), 1.0))


def _eta(values: NDArray[np.float64], a: NDArray[np.intp], n_a: int) -> float:
    centred = values - values.mean()
    total = float((centred**2).sum())
    if total <= 0.0:
        return 0.0
    n_k = np.bincount(a, minlength=n_a).astype(np.float64)
    s_k = np.bincount(a, weights=centred, minlength=n_a)
    present = n_k > 0
    between = float((s_k[present] ** 2 / n_k[present]).sum())
    return float(np.sqrt(min(between / total, 1.0)))


def _levels_with_both(n_k: NDArray[np.float64], n: float) -> NDArray[np.bool_]:
    return np.asarray((n_k > 0) & (n_k < n), dtype=bool)


def _numeric_auc(ranks: NDArray[np.float64], a: NDArray[np.intp], n_a: int) -> float:
    n = float(ranks.size)
    n_k = np.bincount(a, minlength=n_a).astype(np.float64)
    r_k = np.bincount(a, weights=ranks, minlength=n_a)
    ok = _levels_with_both(n_k, n)
    if not ok.any():
        return float("nan")
    auc = (r_k[ok] - n_k[ok] * (n_k[ok] + 1) / 2) / (n_k[ok] * (n - n_k[ok]))
    auc = np.maximum(auc, 1.0 - auc)
    if n_a == 2 or ok.sum() == 2:
        return float(auc[0])
    return float(auc.mean())


def _share_auc(table: NDArray[np.float64]) -> float:
    """One-vs-rest AUC of each feature level's share of the attribute level."""
    table = table[table.sum(axis=1) > 0]
    rows = table.sum(axis=1)
    n = float(rows.sum())
    col_totals = table.sum(axis=0)
    ok = np.flatnonzero(_levels_with_both(col_totals, n))
    aucs = []
    for k in ok:
        pos = table[:, k]
        neg = rows - pos
        share = pos / rows
        uniq, inverse = np.unique(share, return_inverse=True)
        pos_g = np.bincount(inverse, weights=pos, minlength=uniq.size)
        neg_g = np.bincount(inverse, weights=neg, minlength=uniq.size)
        neg_below = np.cumsum(neg_g) - neg_g
        wins = float((pos_g * (neg_below + neg_g / 2.0)).sum())
        aucs.append(wins / (col_totals[k] * (n - col_totals[k])))
    if not aucs:
        return float("nan")
    return float(aucs[0]) if len(ok) == 2 else float(np.mean(aucs))


def _attribute_rows(feature: _Feature, attribute: Column) -> tuple[float, float, float]:
    n_a = len(attribute.levels)
    a = attribute.codes
    if feature.kind == "categorical":
        table = _contingency(feature.codes, feature.n_levels, a, n_a)
        return _cramers_v(table), _nmi(_drop_empty(table)), _share_auc(table)
    if feature.mask is not None:
        a = a[feature.mask]
    values, ranks = feature.values, feature.ranks
    if values is None or ranks is None:  # pragma: no cover - set for numeric
        msg = "internal error: numeric feature without values"
        raise RuntimeError(msg)
    table = _contingency(feature.codes, feature.n_levels, a, n_a)
    return _eta(values, a, n_a), _nmi(_drop_empty(table)), _numeric_auc(ranks, a, n_a)


def association_table(
    X: Any,
    sensitive_features: Any,
    *,
    categorical: Sequence[str] | None = None,
    n_bins: int = 10,
) -> pd.DataFrame:
    r"""Measure how strongly each feature is associated with each sensitive attribute.

    Parameters
    ----------
    X : DataFrame, dict of array-likes or 2-D array
        The features, one column each. Columns of dtype object, string,
        category or bool are categorical; the rest are numeric.
    sensitive_features : array-like, Series, DataFrame, dict, str or list of str
        One or several sensitive attributes in any form
        :func:`pytest_fairness.audit` accepts, or column name(s) of ``X``
        (those columns are then taken out of the features). Each attribute is
        measured separately (not their intersection).
    categorical : sequence of str, optional
        Numeric columns to treat as categorical (e.g. integer-coded sectors).
    n_bins : int, default=10
        Number of quantile bins of a numeric feature for the mutual
        information (deciles by default).

    Returns
    -------
    pandas.DataFrame
        One row per (feature, attribute), in the order of ``X``'s columns and
        then of the attributes, with columns:

        - ``feature``, ``attribute``: the names.
        - ``kind``: ``"categorical"`` or ``"numeric"``.
        - ``association``: Cramér's V for a categorical feature, the
          correlation ratio :math:`\eta` for a numeric one (both in [0, 1]).
        - ``nmi``: normalised mutual information in [0, 1].
        - ``auc``: how well the feature alone predicts the attribute, in
          [0.5, 1]; one-vs-rest macro average over the attribute's levels
          when it has more than two.

    Raises
    ------
    FairnessValueError
        If ``X`` is not a table, lengths differ, a sensitive column holds
        missing values or only one level, a name in ``categorical`` is not a
        column, or ``n_bins`` is not an integer >= 2.

    See Also
    --------
    pytest_fairness.causal.proxy_scan : The ranked table with flags and the
        leakage AUC of all features together.

    Notes
    -----
    With :math:`n_{ij}` the count of feature level :math:`i` and attribute
    level :math:`j`, :math:`r` and :math:`c` the numbers of levels:

    - Cramér's V is :math:`\sqrt{\chi^2 / (n \min(r-1, c-1))}` without
      continuity correction (``scipy.stats.contingency.association``); a
      constant feature scores 0.
    - :math:`\eta^2` is the share of the feature's variance explained by the
      attribute's group means, :math:`\sum_j n_j (\bar x_j - \bar x)^2 /
      \sum_i (x_i - \bar x)^2`. For a two-level attribute :math:`\eta` is
      the absolute point-biserial correlation.
    - ``nmi`` is the mutual information divided by the arithmetic mean of
      the two entropies (``sklearn.metrics.normalized_mutual_info_score``).
      A numeric feature is cut first into ``n_bins`` right-closed bins at its
      quantiles, tied quantiles merged (``pandas.qcut(x, n_bins,
      duplicates="drop")``).
    - ``auc`` for a numeric feature is the Mann-Whitney statistic of the
      attribute level against the rest, folded to
      :math:`\max(AUC, 1 - AUC)` because a feature that is low for a group
      reveals it as well as one that is high. For a categorical feature each
      row is scored by the share of the attribute level among the rows of its
      feature level (the best score that feature allows in-sample, so it is
      never below 0.5). A feature with one level per row therefore scores 1:
      the value is in-sample, not cross-validated.

    Missing values of a categorical feature form a level of their own; rows
    where a numeric feature is missing or infinite are left out of that
    feature's statistics.

    Examples
    --------
    >>> import pandas as pd
    >>> from pytest_fairness._association import association_table
    >>> X = pd.DataFrame({"sector": ["a", "a", "b", "b"], "pay": [1.0, 2.0, 3.0, 4.0]})
    >>> table = association_table(X, ["f", "f", "m", "m"])
    >>> table[["feature", "kind", "association", "auc"]].round(3)
      feature         kind  association  auc
    0  sector  categorical        1.000  1.0
    1     pay      numeric        0.894  1.0
    """
    n_bins = check_int("n_bins", n_bins, minimum=2)
    items, sensitive = split_sensitive(X, sensitive_features)
    names = [n for n, _ in items]
    forced = set(categorical or ())
    unknown = sorted(forced - set(names))
    if unknown:
        msg = (
            f"categorical names column(s) not in X: {unknown!r}."
            f"{hint_for(unknown[0], names)}"
        )
        raise fail(msg)
    n_rows = _n_rows(items, sensitive)
    attributes = sensitive_columns(sensitive, n_rows)
    for attribute in attributes:
        if len(attribute.levels) < 2:
            msg = (
                f"sensitive feature {attribute.name!r} has a single level "
                f"{attribute.levels!r}: nothing can be associated with it."
            )
            raise fail(msg)
    records: list[tuple[str, str, str, float, float, float]] = []
    for name, column in items:
        feature = _prepare(
            name, column, n_rows, categorical=name in forced, n_bins=n_bins
        )
        for attribute in attributes:
            assoc, nmi, auc = _attribute_rows(feature, attribute)
            records.append((name, attribute.name, feature.kind, assoc, nmi, auc))
    return pd.DataFrame.from_records(records, columns=list(ASSOCIATION_COLUMNS))


def _n_rows(items: list[tuple[str, Any]], sensitive: Any) -> int:
    if items:
        first = items[0][1]
        return len(first)
    if isinstance(sensitive, Mapping) and sensitive:
        return len(next(iter(sensitive.values())))
    if isinstance(sensitive, pd.DataFrame | pd.Series):
        return len(sensitive)
    return len(as_1d(sensitive, "sensitive_features"))
