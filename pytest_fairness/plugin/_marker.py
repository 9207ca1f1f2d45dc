"""The ``fairness_gate`` marker: its registration line and keyword validation.

Markers stack: every ``fairness_gate`` that applies to a test (module
``pytestmark``, class, function) contributes keywords, and each keyword comes
from the closest marker that sets it. Validation imports the core lazily, and
only for tests that carry the marker.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pytest

__all__ = [
    "MARKER",
    "MARKER_LINE",
    "ON_INCONCLUSIVE",
    "SETTINGS",
    "GateSettings",
    "MarkerError",
    "marker_entries",
    "parse_settings",
]

MARKER = "fairness_gate"
MARKER_LINE = (
    "fairness_gate(<disparity>=bound, ..., sensitive_features=None, "
    "intersectional=True, min_group_size=30, min_denominator=10, reference=None, "
    "pos_label=None, baseline=False, tolerance=0.01, confidence=None, "
    "on_inconclusive='fail'): bounds on fairness disparities checked by the "
    "`fairness` fixture. A bound is a number (upper limit of a difference, lower "
    "limit of a ratio), an (op, value) pair or a string such as '>= 0.8'; None "
    "removes a bound set by an outer marker. baseline=True also fails when a "
    "disparity got worse than its stored baseline by more than tolerance, "
    "beyond the noise of the comparison."
)
SETTINGS = (
    "sensitive_features",
    "intersectional",
    "min_group_size",
    "min_denominator",
    "reference",
    "pos_label",
    "baseline",
    "tolerance",
    "confidence",
    "on_inconclusive",
)
ON_INCONCLUSIVE = ("fail", "warn", "skip")
DEFAULT_TOLERANCE = 0.01
DEFAULT_MIN_DENOMINATOR = 10
AUTO = "auto"
Tolerance = float | str | Mapping[str, float | str]

Entries = dict[str, tuple[Any, str]]


class MarkerError(Exception):
    """A ``fairness_gate`` keyword (or ``fairness.check`` override) is invalid."""


@dataclass(frozen=True)
class GateSettings:
    """The validated settings of one gate.

    Attributes
    ----------
    bounds : dict
        Disparity name to ``(op, limit)``, in the order given.
    sensitive_features : tuple of str or None
        Column names selecting the sensitive features.
    intersectional : bool
        Compare intersections of the sensitive columns.
    min_group_size : int or None
        None defers to ``--fairness-min-group-size`` / ini / 30.
    min_denominator : int
        Rows a rate's own denominator needs for a group to take part in that
        rate's disparities (actual positives for TPR, ...).
    reference : object
        The reference group (None compares groups between themselves).
    pos_label : object
        The favourable label, for labels other than 0/1, booleans and -1/1.
    baseline : bool
        Compare with (and record) the stored baseline.
    tolerance : float or dict
        How much a disparity may worsen past its baseline, globally or per
        disparity.
    on_inconclusive : {"fail", "warn", "skip"}
        What an undecidable bound does to the test.
    confidence : float or None
        Confidence level of intervals; None decides on point estimates.
    """

    bounds: dict[str, tuple[str, float]] = field(default_factory=dict)
    sensitive_features: tuple[str, ...] | None = None
    intersectional: bool = True
    min_group_size: int | None = None
    min_denominator: int = DEFAULT_MIN_DENOMINATOR
    reference: Any = None
    pos_label: Any = None
    baseline: bool = False
    tolerance: Tolerance = DEFAULT_TOLERANCE
    on_inconclusive: str = "fail"
    confidence: float | None = None

    def tolerance_for(self, metric: str) -> float | str:
        """Return the baseline tolerance of one disparity.

        Parameters
        ----------
        metric : str
            The disparity name.

        Returns
        -------
        float or "auto"
            Its tolerance (0.01 unless set); ``"auto"`` asks for no tolerance
            beyond the test set's resolution (one decision) and the noise of
            the comparison.
        """
        tol = self.tolerance
        if isinstance(tol, Mapping):
            tol = tol.get(metric, DEFAULT_TOLERANCE)
        return AUTO if tol == AUTO else float(tol)


def marker_entries(item: pytest.Item) -> Entries:
    """Collect the ``fairness_gate`` keywords of a test, closest marker first.

    Parameters
    ----------
    item : pytest.Item
        The test.

    Returns
    -------
    dict
        Keyword to ``(value, where)``, where ``where`` names the marker that
        set it for error messages.

    Raises
    ------
    MarkerError
        When a marker has positional arguments, or two markers on the same
        node (the test, its class or its module) set one keyword to different
        values.
    """
    entries: Entries = {}
    on_node: dict[tuple[int, str], Any] = {}
    for node, mark in item.iter_markers_with_node(MARKER):
        where = f"the fairness_gate marker of {item.nodeid}"
        kind = "test" if node is item else type(node).__name__.lower()
        if node is not item:
            where += f" (set on the {kind} {node.nodeid})"
        if mark.args:
            msg = (
                f"{where}: positional arguments {mark.args!r} are not accepted. "
                "Allowed: keywords only, e.g. "
                "fairness_gate(demographic_parity_difference=0.1)."
            )
            raise MarkerError(msg)
        for key, value in mark.kwargs.items():
            slot = (id(node), key)
            if slot in on_node and not _same(on_node[slot], value):
                msg = (
                    f"the fairness_gate markers of {item.nodeid} set {key} twice on "
                    f"the {kind} {node.nodeid}: {on_node[slot]!r} and {value!r}. "
                    "Allowed: one value per keyword on one test, class or module "
                    "(a marker on the test overrides its class's, which "
                    "overrides its module's). Hint: keep one of the two markers, "
                    "or pass the value that differs to fairness.check(...)."
                )
                raise MarkerError(msg)
            on_node.setdefault(slot, value)
            entries.setdefault(key, (value, where))
    return entries


def _same(a: Any, b: Any) -> bool:
    """Whether two marker values are the same (arrays and odd types: identity)."""
    if isinstance(a, bool) != isinstance(b, bool):
        return False
    try:
        return bool(a == b)
    except Exception:  # an ambiguous comparison (arrays) means "differ"
        return a is b


def _known_names() -> list[str]:
    from pytest_fairness.metrics import DISPARITIES, METRICS

    kinds = ("difference", "ratio")
    return [
        *SETTINGS,
        *DISPARITIES,
        *(f"{m}_{k}" for m in METRICS if m != "count" for k in kinds),
    ]


def _hint(name: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    return f" Hint: did you mean {close[0]!r}?" if close else ""


def _bad(where: str, key: str, value: Any, allowed: str, hint: str = "") -> MarkerError:
    return MarkerError(
        f"{where}: {key}={value!r} is invalid. Allowed: {allowed}.{hint}"
    )


def _number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float)


def _parse_setting(key: str, value: Any, where: str, out: dict[str, Any]) -> None:
    if key == "sensitive_features":
        if value is None:
            out[key] = None
        elif isinstance(value, str):
            out[key] = (value,)
        elif (
            isinstance(value, list | tuple)
            and value
            and all(isinstance(v, str) for v in value)
        ):
            out[key] = tuple(value)
        else:
            allowed = (
                "None, a column name or a list of column names (pass arrays to "
                "fairness.check(sensitive_features=...))"
            )
            raise _bad(where, key, value, allowed)
    elif key in ("intersectional", "baseline"):
        if not isinstance(value, bool):
            raise _bad(where, key, value, "True or False")
        out[key] = value
    elif key == "min_group_size":
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or value < 1
        ):
            raise _bad(where, key, value, "None or an integer >= 1")
        out[key] = value
    elif key == "min_denominator":
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise _bad(where, key, value, "an integer >= 1 (1 turns the limit off)")
        out[key] = value
    elif key == "pos_label":
        out[key] = value
    elif key == "reference":
        out[key] = tuple(value) if isinstance(value, list) else value
    elif key == "tolerance":
        out[key] = _parse_tolerance(value, where)
    elif key == "confidence":
        if value is not None and (not _number(value) or not 0 < value < 1):
            raise _bad(where, key, value, "None or a number strictly between 0 and 1")
        out[key] = None if value is None else float(value)
    elif key == "on_inconclusive":
        if value not in ON_INCONCLUSIVE:
            hint = _hint(value, list(ON_INCONCLUSIVE)) if isinstance(value, str) else ""
            raise _bad(where, key, value, ", ".join(map(repr, ON_INCONCLUSIVE)), hint)
        out[key] = value


def _parse_tolerance(value: Any, where: str) -> Tolerance:
    from pytest_fairness.exceptions import FairnessValueError
    from pytest_fairness.metrics import resolve_disparity

    allowed = "a number >= 0, 'auto', or a dict {disparity name: number >= 0 or 'auto'}"
    if value == AUTO:
        return AUTO
    if _number(value) and value >= 0:
        return float(value)
    if not isinstance(value, Mapping):
        raise _bad(where, "tolerance", value, allowed)
    out: dict[str, float | str] = {}
    for name, tol in value.items():
        try:
            resolve_disparity(name)
        except FairnessValueError:
            hint = _hint(str(name), _known_names()[len(SETTINGS) :])
            raise _bad(where, "tolerance", value, allowed, hint) from None
        if tol == AUTO:
            out[str(name)] = AUTO
            continue
        if not _number(tol) or tol < 0:
            raise _bad(where, "tolerance", value, allowed)
        out[str(name)] = float(tol)
    return out


def parse_settings(entries: Mapping[str, tuple[Any, str]]) -> GateSettings:
    """Validate gate keywords into settings.

    Parameters
    ----------
    entries : mapping
        Keyword to ``(value, where)``; ``where`` is named in errors.

    Returns
    -------
    GateSettings
        The validated settings.

    Raises
    ------
    MarkerError
        For an unknown keyword (with the closest valid name) or a bad value
        (with the allowed values).
    """
    from pytest_fairness.exceptions import FairnessValueError
    from pytest_fairness.gates import parse_bounds
    from pytest_fairness.metrics import DISPARITIES, resolve_disparity

    bounds: dict[str, tuple[str, float]] = {}
    settings: dict[str, Any] = {}
    for key, (value, where) in entries.items():
        if key in SETTINGS:
            _parse_setting(key, value, where, settings)
            continue
        try:
            resolve_disparity(key)
        except FairnessValueError:
            allowed = (
                f"a disparity ({', '.join(DISPARITIES)}, or <metric>_difference / "
                f"<metric>_ratio) as a bound, or a setting ({', '.join(SETTINGS)})"
            )
            hint = _hint(key, _known_names())
            msg = f"{where}: unknown keyword {key}={value!r}. Allowed: {allowed}.{hint}"
            raise MarkerError(msg) from None
        if value is None:
            continue
        try:
            (bound,) = parse_bounds({key: value})
        except FairnessValueError as exc:
            # the core's message says why, what is allowed and what to write
            msg = f"{where}: {key}={value!r} is invalid: {exc}"
            raise MarkerError(msg) from None
        bounds[key] = (bound.op, bound.limit)
    return GateSettings(bounds=bounds, **settings)
