"""bias_profile: group sizes, base rates and proxy features of a training set."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from pytest_fairness._association import ASSOCIATION_COLUMNS, association_table
from pytest_fairness._groups import encode_groups
from pytest_fairness._inputs import as_1d, check_no_missing
from pytest_fairness._validation import check_int, fail, hint_for
from pytest_fairness.preprocessing._profile import (
    GAP_COLUMNS,
    GROUP_COLUMNS,
    BiasProfile,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import NDArray

__all__ = ["bias_profile"]


def _to_pandas(data: Any, argname: str) -> pd.DataFrame:
    """Return ``data`` as pandas, column by column (no pyarrow needed)."""
    if isinstance(data, pd.DataFrame):
        return data
    try:
        import narwhals as nw  # noqa: PLC0415 - optional dataframe support

        frame = nw.from_native(data, eager_only=True)
    except (ImportError, TypeError):
        msg = (
            f"{argname} must be a DataFrame (pandas, polars, ...). "
            f"Got {type(data).__name__}."
        )
        raise fail(msg) from None
    return pd.DataFrame({str(c): frame[c].to_numpy() for c in frame.columns})


def _column_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if (
        isinstance(value, list | tuple)
        and value
        and all(isinstance(v, str) for v in value)
    ):
        return list(value)
    msg = (
        "sensitive_features must name one or several columns of data (a str or a "
        f"list of str). Got {value!r}."
    )
    raise fail(msg)


def _check_columns(frame: pd.DataFrame, names: Sequence[str], argname: str) -> None:
    columns = [str(c) for c in frame.columns]
    for name in names:
        if name not in columns:
            msg = (
                f"{argname} names column {name!r}, which is not in data."
                f"{hint_for(name, columns)} Columns: {columns[:20]!r}."
            )
            raise fail(msg)


def _binary_label(
    values: NDArray[Any], pos_label: Any, label: str
) -> NDArray[np.float64]:
    check_no_missing(values, f"label column {label!r}")
    distinct = pd.unique(values)
    if len(distinct) > 2:
        msg = (
            f"label column {label!r} must be binary (base rates are shares of the "
            f"positive label). Got {len(distinct)} distinct values."
        )
        raise fail(msg)
    if pos_label is None:
        if values.dtype.kind == "b" or set(distinct.tolist()) <= {0, 1}:
            pos_label = 1
        else:
            msg = (
                f"label column {label!r} holds {sorted(map(str, distinct))[:5]!r}; "
                "pass pos_label= to say which value is the favourable outcome."
            )
            raise fail(msg)
    return np.asarray(values == pos_label, dtype=np.float64)


def _weights(
    frame: pd.DataFrame, sample_weight: Any, n_rows: int
) -> NDArray[np.float64]:
    if sample_weight is None:
        return np.ones(n_rows)
    if isinstance(sample_weight, str):
        _check_columns(frame, [sample_weight], "sample_weight")
        sample_weight = frame[sample_weight]
    weights = np.asarray(as_1d(sample_weight, "sample_weight"), dtype=np.float64)
    if weights.shape[0] != n_rows:
        msg = f"sample_weight has {weights.shape[0]} values but data has {n_rows} rows."
        raise fail(msg)
    if not np.isfinite(weights).all() or (weights < 0).any() or not weights.sum() > 0:
        msg = "sample_weight must be finite, non-negative and not all zero."
        raise fail(msg)
    return weights


def _group_rows(
    attribute: str,
    sensitive: dict[str, Any],
    positive: NDArray[np.float64],
    weights: NDArray[np.float64],
    min_group_size: int,
) -> list[tuple[Any, ...]]:
    encoding = encode_groups(sensitive, positive.shape[0])
    codes, n = encoding.codes, encoding.n_groups
    count = np.bincount(codes, minlength=n)
    mass = np.bincount(codes, weights=weights, minlength=n)
    pos = np.bincount(codes, weights=weights * positive, minlength=n)
    total = mass.sum()
    rows = []
    for g, levels in enumerate(encoding.groups):
        name = " × ".join(str(v) for v in levels)
        rate = pos[g] / mass[g] if mass[g] > 0 else math.nan
        rows.append(
            (attribute, name, int(count[g]), mass[g] / total, rate,
             bool(count[g] < min_group_size))
        )  # fmt: skip
    return rows


def _gaps(groups: pd.DataFrame) -> pd.DataFrame:
    records = []
    for attribute, part in groups.groupby("attribute", sort=False):
        eligible = part[~part["small"] & part["base_rate"].notna()]
        if eligible.empty:
            records.append((attribute, math.nan, math.nan, "", ""))
            continue
        rates = eligible["base_rate"].to_numpy()
        low = eligible.iloc[int(np.argmin(rates))]
        high = eligible.iloc[int(np.argmax(rates))]
        ratio = (
            low["base_rate"] / high["base_rate"] if high["base_rate"] > 0 else math.nan
        )
        records.append(
            (attribute, high["base_rate"] - low["base_rate"], ratio, low["group"],
             high["group"])
        )  # fmt: skip
    return pd.DataFrame.from_records(records, columns=GAP_COLUMNS)


def _profile(
    frame: pd.DataFrame,
    *,
    attributes: list[str],
    label: str,
    weights: NDArray[np.float64],
    features: list[str],
    pos_label: Any,
    min_group_size: int,
    categorical: Sequence[str] | None,
) -> BiasProfile:
    n_rows = len(frame)
    positive = _binary_label(frame[label].to_numpy(), pos_label, label)
    sensitive = {a: frame[a] for a in attributes}
    rows: list[tuple[Any, ...]] = []
    for a in attributes:
        rows += _group_rows(a, {a: frame[a]}, positive, weights, min_group_size)
    if len(attributes) > 1:
        rows += _group_rows(
            " × ".join(attributes), sensitive, positive, weights, min_group_size
        )
    groups = pd.DataFrame.from_records(rows, columns=GROUP_COLUMNS)
    if features:
        assoc = association_table(frame[features], sensitive, categorical=categorical)
        assoc = assoc.sort_values("association", ascending=False, kind="stable")
        assoc = assoc.reset_index(drop=True)
    else:
        assoc = pd.DataFrame(columns=list(ASSOCIATION_COLUMNS))
    return BiasProfile(
        groups=groups,
        gaps=_gaps(groups),
        associations=assoc,
        label=label,
        n_rows=n_rows,
        overall_base_rate=float(np.sum(weights * positive) / np.sum(weights)),
        attributes=tuple(attributes),
        min_group_size=min_group_size,
    )


def bias_profile(
    data: Any,
    *,
    sensitive_features: str | Sequence[str],
    label: str,
    features: Sequence[str] | None = None,
    sample_weight: Any = None,
    after: Any = None,
    after_sample_weight: Any = None,
    pos_label: Any = None,
    min_group_size: int = 30,
    categorical: Sequence[str] | None = None,
) -> BiasProfile:
    """Describe the bias in a training set, and how a transformation changed it.

    The data-level report that starts the pre-processing stage: how large
    each group is, how often it has the favourable label (its base rate),
    how far apart the base rates are, and which features reveal a
    protected attribute (possible proxies). Given ``after`` (the data after
    a transformation such as :class:`DisparateImpactRemover`, resampled rows
    from :class:`Resampler`, or the same rows with
    :class:`Reweighing` weights as ``after_sample_weight``), the same
    figures are computed for it and shown side by side.

    Parameters
    ----------
    data : DataFrame
        The training data (pandas, or any frame narwhals reads), with the
        label and sensitive columns.
    sensitive_features : str or list of str
        Sensitive column(s) of ``data``. Several columns give marginal rows
        and an intersectional row set (``"gender × race"``).
    label : str
        The binary label column.
    features : list of str, optional
        Feature columns whose association is measured. Default: every other
        column (not the label, the sensitive or the weight column).
    sample_weight : str or array-like, optional
        Row weights (a column name or one value per row) for shares and base
        rates. Associations are not weighted.
    after : DataFrame, optional
        The transformed data. Label and sensitive columns it lacks are taken
        from ``data`` when both have the same number of rows (transformers
        keep rows and usually drop those columns).
    after_sample_weight : str or array-like, optional
        Row weights of ``after`` (e.g. ``Reweighing().sample_weight_``).
    pos_label : object, optional
        The favourable label value; inferred for 0/1 and boolean labels.
    min_group_size : int, default=30
        Groups with fewer rows are flagged and left out of the gaps.
    categorical : list of str, optional
        Numeric feature columns to treat as categorical.

    Returns
    -------
    BiasProfile
        Tables of groups, gaps and associations; ``to_markdown()`` renders
        them.

    Raises
    ------
    FairnessValueError
        On unknown columns, a non-binary label, bad weights, or an ``after``
        that cannot be lined up with ``data``.

    See Also
    --------
    pytest_fairness.causal.proxy_scan : the same associations, with flags and
        a leakage model.
    pytest_fairness.audit : the same questions asked of a model's predictions.

    Notes
    -----
    Associations come from the table the proxy scan uses: Cramér's V for a
    categorical feature and the correlation ratio for a numeric one (both in
    [0, 1]), normalised mutual information, and the AUC of the feature alone
    at predicting the attribute. Each attribute is measured on its own.

    Examples
    --------
    >>> from pytest_fairness.datasets import make_loan_applications
    >>> from pytest_fairness.preprocessing import bias_profile
    >>> df = make_loan_applications(2000, random_state=0)
    >>> profile = bias_profile(df, sensitive_features="gender", label="approved")
    >>> profile.groups[["group", "count", "base_rate"]].round(2)
        group  count  base_rate
    0  female   1007       0.57
    1    male    993       0.77
    >>> profile.associations[["feature", "association"]].head(2).round(2)
                     feature  association
    0               industry         0.34
    1  employment_gap_months         0.25
    """
    min_group_size = check_int("min_group_size", min_group_size, minimum=1)
    frame = _to_pandas(data, "data")
    attributes = _column_list(sensitive_features)
    _check_columns(frame, [*attributes, label], "sensitive_features/label")
    weight_column = [sample_weight] if isinstance(sample_weight, str) else []
    reserved = {*attributes, label, *weight_column}
    if features is None:
        chosen = [str(c) for c in frame.columns if str(c) not in reserved]
    else:
        chosen = [str(f) for f in features]
        _check_columns(frame, chosen, "features")
    profile = _profile(
        frame,
        attributes=attributes,
        label=label,
        weights=_weights(frame, sample_weight, len(frame)),
        features=chosen,
        pos_label=pos_label,
        min_group_size=min_group_size,
        categorical=categorical,
    )
    if after is None:
        return profile
    later = _to_pandas(after, "after")
    missing = [c for c in (*attributes, label) if c not in later.columns]
    if missing:
        if len(later) != len(frame):
            msg = (
                f"after lacks column(s) {missing!r} and has {len(later)} rows "
                f"against {len(frame)} in data, so they cannot be borrowed from "
                "data. Include them in after (e.g. resampled rows)."
            )
            raise fail(msg)
        later = later.reset_index(drop=True).assign(
            **{c: frame[c].to_numpy() for c in missing}
        )
    after_weight_column = (
        [after_sample_weight] if isinstance(after_sample_weight, str) else []
    )
    after_reserved = {*attributes, label, *after_weight_column}
    after_features = [
        str(c)
        for c in later.columns
        if str(c) not in after_reserved and (features is None or str(c) in chosen)
    ]
    after_profile = _profile(
        later,
        attributes=attributes,
        label=label,
        weights=_weights(later, after_sample_weight, len(later)),
        features=after_features,
        pos_label=pos_label,
        min_group_size=min_group_size,
        categorical=[c for c in (categorical or ()) if c in after_features],
    )
    return BiasProfile(
        groups=profile.groups,
        gaps=profile.gaps,
        associations=profile.associations,
        label=label,
        n_rows=profile.n_rows,
        overall_base_rate=profile.overall_base_rate,
        attributes=profile.attributes,
        min_group_size=min_group_size,
        after=after_profile,
    )
