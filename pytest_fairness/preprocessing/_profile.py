"""BiasProfile: the result of bias_profile, its comparisons and its rendering."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pytest_fairness._association import ASSOCIATION_COLUMNS
from pytest_fairness._validation import check_int, fail

__all__ = ["GAP_COLUMNS", "GROUP_COLUMNS", "BiasProfile"]

#: Columns of :attr:`BiasProfile.groups`, in order.
GROUP_COLUMNS = ("attribute", "group", "count", "share", "base_rate", "small")
#: Columns of :attr:`BiasProfile.gaps`, in order.
GAP_COLUMNS = ("attribute", "difference", "ratio", "lowest", "highest")


@dataclass(frozen=True, slots=True, eq=False)
class BiasProfile:
    """What :func:`bias_profile` found in a dataset (and after a transformation).

    Attributes
    ----------
    groups : pandas.DataFrame
        One row per group: ``attribute`` (a sensitive column, or the
        intersection ``"gender × race"``), ``group``, ``count`` (rows),
        ``share`` (weighted share of the rows), ``base_rate`` (weighted share
        of positive labels) and ``small`` (fewer rows than
        ``min_group_size``).
    gaps : pandas.DataFrame
        One row per attribute (and the intersection): ``difference`` (largest
        minus smallest base rate), ``ratio`` (smallest over largest),
        ``lowest`` and ``highest`` (the groups), over groups that are not
        small.
    associations : pandas.DataFrame
        Every feature's association with every sensitive attribute (the
        table of :func:`pytest_fairness.causal.proxy_scan`): ``feature``,
        ``attribute``, ``kind``, ``association``, ``nmi``, ``auc``, strongest
        first.
    label : str
        Name of the label.
    n_rows : int
        Number of rows.
    overall_base_rate : float
        Weighted share of positive labels.
    attributes : tuple of str
        The sensitive columns.
    min_group_size : int
        Groups with fewer rows are flagged and left out of ``gaps``.
    after : BiasProfile or None
        The profile of the transformed data, when one was given.
    """

    groups: pd.DataFrame
    gaps: pd.DataFrame
    associations: pd.DataFrame
    label: str
    n_rows: int
    overall_base_rate: float
    attributes: tuple[str, ...]
    min_group_size: int
    after: BiasProfile | None = None

    def comparison(self) -> pd.DataFrame:
        """Return base rates, shares and gaps before and after side by side.

        Returns
        -------
        pandas.DataFrame
            Indexed by ``(attribute, group)``; columns ``share_before``,
            ``share_after``, ``base_rate_before``, ``base_rate_after`` and
            ``base_rate_change``.

        Raises
        ------
        FairnessValueError
            When the profile has no ``after``.
        """
        after = self._require_after()
        key = ["attribute", "group"]
        before_t = self.groups.set_index(key)[["share", "base_rate"]]
        after_t = after.groups.set_index(key)[["share", "base_rate"]]
        both = before_t.merge(
            after_t,
            how="outer",
            left_index=True,
            right_index=True,
            suffixes=("_before", "_after"),
        )
        both["base_rate_change"] = both["base_rate_after"] - both["base_rate_before"]
        return both

    def association_comparison(self) -> pd.DataFrame:
        """Return each feature's association before and after side by side.

        Returns
        -------
        pandas.DataFrame
            Indexed by ``(feature, attribute)``; columns
            ``association_before``, ``association_after``, ``auc_before``,
            ``auc_after`` and ``association_change``, strongest (before)
            first. Features only present on one side have NaN on the other.

        Raises
        ------
        FairnessValueError
            When the profile has no ``after``.
        """
        after = self._require_after()
        key = ["feature", "attribute"]
        cols = ["association", "auc"]
        both = (
            self.associations.set_index(key)[cols]
            .merge(
                after.associations.set_index(key)[cols],
                how="outer",
                left_index=True,
                right_index=True,
                suffixes=("_before", "_after"),
            )
            .sort_values("association_before", ascending=False, kind="stable")
        )
        both["association_change"] = (
            both["association_after"] - both["association_before"]
        )
        return both

    def _require_after(self) -> BiasProfile:
        if self.after is None:
            msg = (
                "This profile has no 'after' data: call bias_profile(..., after="
                "transformed_frame) to compare before and after."
            )
            raise fail(msg)
        return self.after

    def to_dict(self) -> dict[str, Any]:
        """Return the profile as JSON-friendly data.

        Returns
        -------
        dict
            Scalars, the three tables as lists of records, and ``after``.
        """
        return {
            "label": self.label,
            "n_rows": self.n_rows,
            "overall_base_rate": self.overall_base_rate,
            "attributes": list(self.attributes),
            "min_group_size": self.min_group_size,
            "groups": _records(self.groups),
            "gaps": _records(self.gaps),
            "associations": _records(self.associations),
            "after": None if self.after is None else self.after.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BiasProfile:
        """Rebuild a profile from :meth:`to_dict` output.

        Parameters
        ----------
        data : dict
            As returned by :meth:`to_dict`.

        Returns
        -------
        BiasProfile
            An equal profile.
        """
        after = data.get("after")
        return cls(
            groups=pd.DataFrame.from_records(data["groups"], columns=GROUP_COLUMNS),
            gaps=pd.DataFrame.from_records(data["gaps"], columns=GAP_COLUMNS),
            associations=pd.DataFrame.from_records(
                data["associations"], columns=ASSOCIATION_COLUMNS
            ),
            label=data["label"],
            n_rows=int(data["n_rows"]),
            overall_base_rate=float(data["overall_base_rate"]),
            attributes=tuple(data["attributes"]),
            min_group_size=int(data["min_group_size"]),
            after=None if after is None else cls.from_dict(after),
        )

    def to_markdown(self, *, top: int = 10) -> str:
        """Render the profile as GitHub-flavoured markdown.

        Parameters
        ----------
        top : int, default=10
            Number of feature associations shown (strongest first).

        Returns
        -------
        str
            A headline, the groups, the base-rate gaps and the strongest
            associations, with before/after columns when there is ``after``.
        """
        top = check_int("top", top, minimum=1)
        after = self.after
        lines = [
            f"### Bias profile of {self.label!r}",
            "",
            f"{self.n_rows:,} rows, overall base rate {self.overall_base_rate:.3f}, "
            f"sensitive features: {', '.join(self.attributes)}"
            + (
                f"; after: {after.n_rows:,} rows, base rate "
                f"{after.overall_base_rate:.3f}"
                if after is not None
                else ""
            )
            + ".",
            "",
            "**Groups**",
            "",
            _table(self._group_view()),
            "",
            f"**Base-rate gaps** (groups under {self.min_group_size} rows left out)",
            "",
            _table(self._gap_view()),
            "",
            f"**Strongest feature associations** (top {top})",
            "",
            _table(self._association_view().head(top)),
        ]
        return "\n".join(lines) + "\n"

    def _group_view(self) -> pd.DataFrame:
        view = self.groups.copy()
        if self.after is not None:
            cmp = self.comparison().reset_index()
            cmp = cmp[["attribute", "group", "share_after", "base_rate_after"]]
            view = view.merge(cmp, on=["attribute", "group"], how="left")
        view["group"] = [
            f"{g} (small)" if s else str(g)
            for g, s in zip(view["group"], view["small"], strict=True)
        ]
        return _fmt(view.drop(columns="small"))

    def _gap_view(self) -> pd.DataFrame:
        view = self.gaps.copy()
        if self.after is not None:
            other = self.after.gaps[["attribute", "difference", "ratio"]]
            view = view.merge(
                other, on="attribute", how="left", suffixes=("", "_after")
            )
        return _fmt(view)

    def _association_view(self) -> pd.DataFrame:
        if self.after is None:
            return _fmt(self.associations)
        return _fmt(self.association_comparison().reset_index())


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {str(k): _plain(v) for k, v in row.items()}
        for row in frame.to_dict(orient="records")
    ]


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _fmt(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype.kind == "f":
            out[column] = out[column].map(lambda v: "" if math.isnan(v) else f"{v:.3f}")
    return out


def _table(frame: pd.DataFrame) -> str:
    from tabulate import tabulate  # noqa: PLC0415 - loaded on first use

    rows = frame.astype(str).to_numpy().tolist()
    return str(tabulate(rows, headers=list(frame.columns), tablefmt="github"))
