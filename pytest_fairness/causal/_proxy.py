"""proxy_scan: which features reveal a protected attribute, alone and together."""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from pytest_fairness._association import association_table, split_sensitive
from pytest_fairness._inputs import sensitive_columns
from pytest_fairness._validation import check_bool, check_int, fail
from pytest_fairness.causal._design import (
    fit_design,
    fit_logistic,
    predict,
    roc_auc,
    single_threaded_blas,
)
from pytest_fairness.causal._gate import GatedResult

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from numpy.typing import NDArray

    from pytest_fairness.causal._spec import CausalSpec

__all__ = ["ProxyScanResult", "proxy_scan"]

_MAX_LEAKAGE_ROWS = 20_000


@dataclass(frozen=True, slots=True)
class ProxyScanResult(GatedResult):
    """What :func:`proxy_scan` found.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per (feature, attribute), strongest association first:
        ``feature``, ``attribute``, ``kind``, ``association``, ``nmi``,
        ``auc``, ``flagged``, ``reason`` and, with a spec, ``role``.
    leakage : dict of str to float
        Per attribute, the held-out AUC of a model predicting it from all
        features together (NaN when not computed).
    threshold : float
        The association at or above which a feature is flagged.
    auc_threshold : float
        The single-feature AUC at or above which a feature is flagged.
    attributes : tuple of str
        The protected attributes scanned.
    """

    table: pd.DataFrame
    leakage: dict[str, float]
    threshold: float
    auc_threshold: float
    attributes: tuple[str, ...] = ()

    _gate_aliases: ClassVar[Mapping[str, str]] = MappingProxyType(
        {"leakage": "leakage_auc", "flagged": "n_flagged"}
    )

    @property
    def flagged(self) -> list[str]:
        """The flagged features, strongest first (each named once)."""
        return list(dict.fromkeys(self.table.loc[self.table["flagged"], "feature"]))

    def gate_metrics(self) -> dict[str, str]:
        """Return the metrics a bound can name.

        Returns
        -------
        dict of str to str
            ``association``, ``nmi``, ``auc`` (the largest over features and
            attributes), ``leakage_auc`` (the largest over attributes) and
            ``n_flagged``.
        """
        return {
            "association": "largest Cramér's V / correlation ratio",
            "nmi": "largest normalised mutual information",
            "auc": "largest single-feature AUC",
            "leakage_auc": "largest all-features AUC",
            "n_flagged": "number of flagged features",
        }

    def gate_value(self, metric: str) -> tuple[float, tuple[float, float] | None, str]:
        """Return a gate metric's value, interval (None) and the worst feature.

        Parameters
        ----------
        metric : str
            One of :meth:`gate_metrics`.

        Returns
        -------
        tuple
            ``(value, None, detail)``.
        """
        if metric == "n_flagged":
            names = self.flagged
            return float(len(names)), None, ", ".join(names[:5])
        if metric == "leakage_auc":
            finite = {k: v for k, v in self.leakage.items() if not math.isnan(v)}
            if not finite:
                return math.nan, None, "leakage not computed"
            worst = max(finite, key=lambda k: finite[k])
            return finite[worst], None, f"predicting {worst} from all features"
        if self.table.empty:
            return math.nan, None, "no features"
        row = self.table.iloc[int(np.argmax(self.table[metric].to_numpy()))]
        return (
            float(row[metric]),
            None,
            f"{row['feature']} vs {row['attribute']}",
        )

    def _gate_subject(self) -> str:
        return f"proxy scan of {', '.join(self.attributes)}"

    def to_markdown(self) -> str:
        """Render the table and the leakage AUCs as markdown.

        Returns
        -------
        str
            A markdown table of the flagged and strongest features.
        """
        shown = self.table.copy()
        for column in ("association", "nmi", "auc"):
            shown[column] = shown[column].map(lambda v: f"{v:.3f}")
        shown["flagged"] = shown["flagged"].map(lambda v: "yes" if v else "")
        leak = ", ".join(
            f"{k}: {v:.3f}" for k, v in self.leakage.items() if not math.isnan(v)
        )
        head = (
            f"**Proxy scan** (flag: association >= {self.threshold:g} or "
            f"AUC >= {self.auc_threshold:g})"
        )
        lines = [head, ""]
        if leak:
            lines += [f"All-features leakage AUC: {leak}", ""]
        lines.append(shown.to_markdown(index=False))
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-friendly dict.

        Returns
        -------
        dict
            ``rows`` (the table as records), ``leakage``, the thresholds and
            ``flagged``.
        """
        return {
            "rows": self.table.to_dict(orient="records"),
            "leakage": {
                k: None if math.isnan(v) else v for k, v in self.leakage.items()
            },
            "threshold": self.threshold,
            "auc_threshold": self.auc_threshold,
            "flagged": self.flagged,
        }


def _check_level(name: str, value: object, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        msg = f"{name} must be a number in [{low:g}, {high:g}]. Got {value!r}."
        raise fail(msg)
    if not low <= float(value) <= high:
        msg = f"{name} must be a number in [{low:g}, {high:g}]. Got {value!r}."
        raise fail(msg)
    return float(value)


def _leakage_auc(
    items: list[tuple[str, Any]],
    codes: NDArray[np.intp],
    n_levels: int,
    *,
    random_state: int,
) -> float:
    """Held-out AUC of an additive logistic model of the attribute on all features."""
    rng = np.random.default_rng(random_state)
    n = len(codes)
    order = rng.permutation(n)
    n_test = max(int(0.3 * n), 1)
    test, train = order[:n_test], order[n_test:][:_MAX_LEAKAGE_ROWS]
    design = fit_design({name: _subset(col, train) for name, col in items})
    if not design.terms:
        return 0.5
    X_train = design.transform({name: _subset(col, train) for name, col in items})
    X_test = design.transform({name: _subset(col, test) for name, col in items})
    targets = [1] if n_levels == 2 else list(range(n_levels))
    aucs = []
    for k in targets:
        y_train = (codes[train] == k).astype(np.float64)
        positive = codes[test] == k
        if y_train.min() == y_train.max() or positive.all() or not positive.any():
            continue
        beta = fit_logistic(X_train, y_train, ridge=1e-3, max_iter=30)
        aucs.append(roc_auc(positive, predict(X_test, beta, logistic=False)))
    return float(np.mean(aucs)) if aucs else math.nan


def _subset(column: Any, rows: NDArray[np.intp]) -> NDArray[Any]:
    if isinstance(column, pd.Series):
        return np.asarray(column.to_numpy())[rows]
    return np.asarray(column)[rows]


def proxy_scan(
    X: Any,
    sensitive_features: Any,
    *,
    threshold: float = 0.3,
    auc_threshold: float = 0.7,
    leakage: bool = True,
    spec: CausalSpec | Mapping[str, str] | None = None,
    categorical: Sequence[str] | None = None,
    n_bins: int = 10,
    random_state: int = 0,
) -> ProxyScanResult:
    r"""Find the features that reveal a protected attribute.

    For every feature and every protected attribute: the association
    (Cramér's V for categorical features, the correlation ratio for numeric
    ones), the normalised mutual information and the AUC of that feature
    alone as a predictor of the attribute; then the AUC of all features
    together (leakage), which catches attributes spread over several weak
    proxies.

    Parameters
    ----------
    X : DataFrame, dict of array-likes or 2-D array
        The features (a model's inputs).
    sensitive_features : array-like, Series, DataFrame, dict, str or list of str
        The protected attribute(s), or their column name(s) in ``X`` (then
        left out of the features).
    threshold : float, default=0.3
        Flag a feature whose association reaches this value (0.3 is a
        "moderate" association for Cramér's V).
    auc_threshold : float, default=0.7
        Flag a feature whose single-feature AUC reaches this value.
    leakage : bool, default=True
        Also fit a model of each attribute on all features together and
        report its held-out AUC.
    spec : CausalSpec or mapping of str to str, optional
        Adds each feature's declared role (``proxy``, ``mediator``,
        ``legitimate``, ...) as a ``role`` column.
    categorical : sequence of str, optional
        Numeric columns to treat as categorical.
    n_bins : int, default=10
        Quantile bins of numeric features for the mutual information.
    random_state : int, default=0
        Seed of the leakage model's train/test split.

    Returns
    -------
    ProxyScanResult
        The sorted table (``result.table``), ``result.flagged``,
        ``result.leakage``; gate it with
        ``result.assert_within(max_leakage_auc=0.7)``.

    Raises
    ------
    FairnessValueError
        For bad input (see :func:`association_table`) or a threshold outside
        its range.

    See Also
    --------
    counterfactual_flip_rate : Whether a model's decisions depend on the
        attribute itself.

    Notes
    -----
    The table is sorted by association (strongest first), then by AUC. Each
    statistic is defined in
    :func:`pytest_fairness._association.association_table`; the
    single-feature AUC is in-sample. The leakage model is an additive
    logistic regression (one-hot categorical features, numeric features as
    linear splines with knots at their quintiles, a small ridge penalty)
    fitted on 70% of the rows (at most 20,000) and scored on the other 30%.
    A value near 0.5 means the features together carry little information
    about the attribute; interactions between features are not modelled.
    For an attribute with more than two levels it is the one-vs-rest macro
    average.

    Examples
    --------
    >>> from pytest_fairness.causal import proxy_scan
    >>> from pytest_fairness.datasets import make_loan_applications
    >>> df = make_loan_applications(5_000, random_state=0)
    >>> scan = proxy_scan(df.drop(columns=["approved", "race"]), "gender")
    >>> scan.flagged
    ['industry']
    >>> scan.table.feature.iloc[0], bool(scan.leakage["gender"] > 0.6)
    ('industry', True)
    """
    threshold = _check_level("threshold", threshold, 0.0, 1.0)
    auc_threshold = _check_level("auc_threshold", auc_threshold, 0.5, 1.0)
    leakage = check_bool("leakage", leakage)
    random_state = check_int("random_state", random_state)
    items, sensitive = split_sensitive(X, sensitive_features)
    table = association_table(
        dict(items), sensitive, categorical=categorical, n_bins=n_bins
    )
    strong = table["association"] >= threshold
    predictive = table["auc"] >= auc_threshold
    table["flagged"] = strong | predictive
    table["reason"] = np.select(
        [strong & predictive, strong, predictive],
        ["association and auc", "association", "auc"],
        default="",
    )
    if spec is not None:
        roles = _roles(spec)
        table["role"] = [roles.get(f, "") for f in table["feature"]]
    table = table.sort_values(
        ["association", "auc"], ascending=False, kind="stable"
    ).reset_index(drop=True)
    n_rows = len(items[0][1]) if items else 0
    columns = sensitive_columns(sensitive, n_rows)
    leak: dict[str, float] = {}
    with single_threaded_blas():
        for column in columns:
            leak[column.name] = (
                _leakage_auc(
                    items, column.codes, len(column.levels), random_state=random_state
                )
                if leakage and items
                else math.nan
            )
    return ProxyScanResult(
        table=table,
        leakage=leak,
        threshold=threshold,
        auc_threshold=auc_threshold,
        attributes=tuple(c.name for c in columns),
    )


def _roles(spec: Any) -> dict[str, str]:
    if hasattr(spec, "role") and hasattr(spec, "nodes"):
        return {n: str(spec.role(n)) for n in spec.nodes}
    return {str(k): str(v) for k, v in dict(spec).items()}
