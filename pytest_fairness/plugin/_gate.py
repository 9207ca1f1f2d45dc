"""One ``fairness.check`` call: audit, bounds, baseline, record, verdict.

This module is imported when a test first calls ``fairness.check``; it reads
the test's settings, calls the core (``audit``, ``FairnessReport.check``,
``baseline.compare``) and translates the result into a JSON-friendly record
and a test outcome. It computes no metric itself.
"""

from __future__ import annotations

import math
import re
import shlex
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pytest

from pytest_fairness.baseline import (
    Comparison,
    baseline_path,
    canonical,
)
from pytest_fairness.exceptions import (
    FairnessGateFailure,
    FairnessValueError,
    FairnessWarning,
)
from pytest_fairness.plugin._given import begin_example
from pytest_fairness.plugin._marker import MarkerError, parse_settings
from pytest_fairness.plugin._options import in_ci
from pytest_fairness.plugin._render import gate_lines
from pytest_fairness.plugin._state import (
    RECORDS_KEY,
    FairnessState,
    display_path,
    split_nodeid,
)

if TYPE_CHECKING:
    from pathlib import Path

    from pytest_fairness import FairnessReport
    from pytest_fairness.gates import Bound, BoundResult
    from pytest_fairness.metrics import GroupValue
    from pytest_fairness.plugin._marker import GateSettings

__all__ = [
    "FAILURES_KEY",
    "baseline_info",
    "bound_row",
    "check_name",
    "conclude",
    "gate_verdict",
    "judge_gate",
    "run_check",
    "stored_baseline",
    "update_command",
]

#: The failure each gate of a test raised, by gate key: the report of the test
#: tells from it whether a failure ended the test or was caught.
FAILURES_KEY = pytest.StashKey[dict[str, BaseException]]()


def update_command(state: FairnessState, nodeid: str) -> str:
    """Return the command that records the baseline of one test.

    Parameters
    ----------
    state : FairnessState
        The plugin's session state.
    nodeid : str
        The test.

    Returns
    -------
    str
        ``pytest '<nodeid>' --fairness-update-baselines`` (with the baseline
        folder when it was given on the command line).
    """
    command = f"pytest {shlex.quote(nodeid)} --fairness-update-baselines"
    if state.options.baseline_dir_arg:
        command += (
            f" --fairness-baseline-dir={shlex.quote(state.options.baseline_dir_arg)}"
        )
    return command


def _select_columns(value: Any, names: tuple[str, ...]) -> Any:
    """Pick the marker's sensitive columns out of a frame or dict, if given one."""
    __tracebackhide__ = True
    if isinstance(value, Mapping):
        available = [str(k) for k in value]
        chosen = {n: value[n] for n in names if n in value}
    elif hasattr(value, "columns"):
        available = [str(c) for c in value.columns]
        chosen = {}
        if all(n in available for n in names):
            return value[list(names)]
    else:
        return value
    missing = [n for n in names if n not in available]
    if missing:
        msg = (
            f"sensitive_features={list(names)!r} (from fairness_gate) names "
            f"columns {missing!r} that are not in the sensitive_features given to "
            f"fairness.check(); it has {available!r}."
        )
        raise FairnessValueError(msg)
    return chosen


def _sensitive(value: Any, data: Any, settings: GateSettings) -> Any:
    __tracebackhide__ = True
    names = settings.sensitive_features
    if value is not None:
        if isinstance(value, str):
            return [value]
        return _select_columns(value, names) if names else value
    if names and data is not None:
        return list(names)
    if names:
        msg = (
            f"fairness_gate(sensitive_features={list(names)!r}) names columns, "
            "but fairness.check() got no frame to take them from: pass "
            "data=frame (with y_true/y_pred as column names or arrays) or "
            "sensitive_features=frame."
        )
    else:
        msg = (
            "fairness.check() needs sensitive_features: pass an array, a "
            "DataFrame or a dict of arrays, or name columns with "
            "fairness_gate(sensitive_features=[...]) and pass data=frame."
        )
    raise FairnessValueError(msg)


def _refuse_resampled(
    confidence: float, inputs: tuple[Any, ...], sensitive: Any, data: Any
) -> None:
    """Refuse an interval on rows drawn with replacement, counting both.

    Rows marked by ``GroupComposition.sample(replace=True)`` are refused.
    Repeated index labels alone only warn: frames concatenated without
    ``ignore_index=True`` repeat labels too, and their rows are people.
    """
    __tracebackhide__ = True
    from pytest_fairness._resampled import find_resampled

    found = find_resampled(*inputs, sensitive=sensitive, data=data)
    if found is None:
        return
    counts = "\n".join(f"  {line}" for line in found.lines())
    if not found.marked:
        warnings.warn(
            FairnessWarning(
                f"fairness.check() with confidence={confidence} got index labels "
                "that repeat, as in rows drawn with replacement: if the repeated "
                "rows are copies, the interval counts every copy as another "
                f"person and comes out too narrow.\n{counts}\n"
                "Hint: if they are distinct people (frames concatenated with "
                "their own labels), give them unique labels "
                "(pd.concat(..., ignore_index=True) or reset_index(drop=True)); "
                "if they are copies, check the distinct rows."
            ),
            stacklevel=4,
        )
        return
    msg = (
        f"fairness.check() with confidence={confidence} got rows drawn with "
        "replacement (GroupComposition.sample(replace=True)): an interval "
        "would count every copy as another person and come out too narrow, "
        "and the rows it asks for to settle a bound would be copies too.\n"
        f"{counts}\n"
        "Hint: check the distinct rows (sample without replace=True, asking "
        "no cell for more rows than the data holds), or pass confidence=None "
        "to this check so that the point estimate decides."
    )
    raise FairnessValueError(msg)


def check_name(name: object, caller: str = "fairness.check") -> str | None:
    """Validate the ``name=`` of a check.

    Parameters
    ----------
    name : object
        None or a non-empty string.
    caller : str, default="fairness.check"
        The function named in the error.

    Returns
    -------
    str or None
        The name.

    Raises
    ------
    FairnessValueError
        For anything else, and for a name holding control characters (a
        newline, ESC, NUL ...), line separators or bidirectional controls: a
        name keys the baseline entry and the JUnit property and appears in
        every output, so it must read the same everywhere.
    """
    __tracebackhide__ = True
    from pytest_fairness._escape import unsafe_characters

    if name is None:
        return name
    if not (isinstance(name, str) and name.strip()):
        msg = f"{caller}(name=...) must be a non-empty string. Got {name!r}."
        raise FairnessValueError(msg)
    bad = unsafe_characters(name)
    if bad:
        shown = ", ".join(repr(c) for c in bad)
        msg = (
            f"{caller}(name=...) must be printable text: it names the check in "
            "the baseline file, the JUnit properties and every report. Got "
            f"{name!r}, which holds {shown}. Allowed: any text without control "
            "characters (newline, tab, ESC ...), line separators or "
            "bidirectional controls. Hint: name checks after the model or "
            "slice (name='women'), or pass repr(label) for a label from data."
        )
        raise FairnessValueError(msg)
    return name


def _pos_label_from(
    item: pytest.Item, state: FairnessState, overrides: Mapping[str, Any]
) -> str:
    """Name where the test's ``pos_label`` was set ("" when it was not)."""
    if "pos_label" in overrides:
        return f"fairness.check() in {item.nodeid}"
    entry = state.marker_entries(item).get("pos_label")
    return "" if entry is None else entry[1]


def _settings(
    item: pytest.Item, state: FairnessState, overrides: Mapping[str, Any]
) -> GateSettings:
    __tracebackhide__ = True
    entries = dict(state.marker_entries(item))
    where = f"fairness.check() in {item.nodeid}"
    for key, value in overrides.items():
        entries[key] = (value, where)
    try:
        settings = parse_settings(entries)
    except MarkerError as exc:
        raise FairnessValueError(str(exc)) from None
    if not settings.bounds:
        msg = (
            f"fairness.check() in {item.nodeid} has no bound to check: mark the "
            "test with @pytest.mark.fairness_gate(demographic_parity_difference="
            "0.1, ...) or pass bounds as keywords to fairness.check()."
        )
        raise FairnessValueError(msg)
    return settings


_POS_LABEL_HINT = re.compile(r"Pass pos_label=, e\.g\. pos_label=(.*)\.$", re.DOTALL)


def _audit_error(exc: FairnessValueError, pos_label_from: str) -> FairnessValueError:
    """Say where a test sets ``pos_label`` when the audit needs (another) one."""
    text = str(exc)
    match = _POS_LABEL_HINT.search(text)
    if match is not None:
        example = match.group(1)
        text = (
            text[: match.start()]
            + "Pass pos_label= to fairness.check() or to the fairness_gate marker: "
            f"fairness.check(..., pos_label={example}) or "
            f"@pytest.mark.fairness_gate(pos_label={example})."
        )
    elif text.startswith("pos_label=") and pos_label_from:
        text += f" (pos_label from {pos_label_from})"
    return FairnessValueError(text)


def _group(group: tuple[Any, ...]) -> list[Any]:
    from pytest_fairness._labels import encode_group

    return encode_group(group)


def _label(group: tuple[Any, ...]) -> str:
    return ", ".join(str(v) for v in group) if group else "(all)"


def _side(g: GroupValue | None) -> dict[str, Any] | None:
    if g is None:
        return None
    return {
        "group": _group(g.group),
        "label": _label(g.group),
        "rate": g.value,
        "count": g.count,
        "denominator": g.denominator,
    }


def _outcome(
    verdict: str,
    status: str | None,
    *,
    missing_fails: bool,
    update: bool,
) -> str:
    """Map a bound's verdict and its baseline status to the test's outcome.

    A failed bound fails; a regression fails whatever the bound's own verdict
    (also an inconclusive one); under CI a missing baseline and a changed
    definition fail; then an inconclusive bound is inconclusive.
    """
    if verdict == "failed":
        return "failed"
    if status == "regressed" and not update:
        return "regressed"
    if status == "new" and missing_fails:
        return "missing"
    if status == "definition_changed" and missing_fails:
        return "changed"
    if verdict == "inconclusive":
        return "inconclusive"
    return "passed"


def bound_row(
    bound: Bound,
    value: float,
    verdict: str,
    interval: tuple[float, float] | None,
    comparison: Comparison | None,
    *,
    missing_fails: bool,
    update: bool,
) -> dict[str, Any]:
    """Return the record row of one bound: its verdict, baseline and outcome.

    Parameters
    ----------
    bound : Bound
        The bound.
    value : float
        The bounded value (NaN when undefined).
    verdict : {"passed", "failed", "inconclusive"}
        The bound's own verdict.
    interval : tuple of float or None
        The value's interval.
    comparison : Comparison or None
        The comparison with the baseline, when baselines are on.
    missing_fails : bool
        A bound without a baseline, or whose gate is defined otherwise than
        its baseline, fails (under CI).
    update : bool
        Baselines are being updated, so a regression does not fail.

    Returns
    -------
    dict
        JSON-friendly fields shared by disparity and causal gates, with
        ``outcome``: passed, failed, regressed, missing, changed or
        inconclusive, and the comparison's change, its interval, margin,
        noise and the smallest change it could detect.
    """
    status = None if comparison is None else comparison.status
    row: dict[str, Any] = {
        "metric": bound.metric,
        "op": bound.op,
        "limit": bound.limit,
        "bound": str(bound),
        "value": None if math.isnan(value) else value,
        "verdict": verdict,
        "interval": None
        if interval is None
        else [None if math.isnan(v) else v for v in interval],
        "status": status,
        "outcome": _outcome(
            verdict, status, missing_fails=missing_fails, update=update
        ),
    }
    fields = (
        "baseline",
        "change",
        "change_interval",
        "worsening",
        "worsening_low",
        "tolerance",
        "margin",
        "resolution",
        "noise",
        "detectable",
        "level",
        "method",
        "reason",
    )
    data = {} if comparison is None else comparison.to_dict()
    row.update({k: data.get(k) for k in fields})
    return row


def _bound_row(
    r: BoundResult, comparison: Comparison | None, missing_fails: bool, update: bool
) -> dict[str, Any]:
    d = r.disparity
    row = bound_row(
        r.bound,
        r.value,
        r.verdict,
        r.interval,
        comparison,
        missing_fails=missing_fails,
        update=update,
    )
    row.update(
        rate_metric=d.metric,
        attribute=d.attribute,
        reference=None if d.reference is None else _group(d.reference),
        low=_side(d.low),
        high=_side(d.high),
        why_undefined=d.reason,
        interval_level=r.level,
        settle=r.settle,
        excluded=[[_label(g), why] for g, why in d.excluded],
        lost_levels=[str(x) for x in d.lost_levels],
    )
    return row


def _group_tables(report: FairnessReport, metrics: list[str]) -> list[dict[str, Any]]:
    from pytest_fairness.metrics import is_partial_rate

    attributes: list[str | None]
    if report.intersectional or len(report.attributes) == 1:
        attributes = [None]
    else:
        attributes = list(report.attributes)
    partial = [m for m in metrics if is_partial_rate(m)]
    tables = []
    for attribute in attributes:
        counts = report.values("count", attribute=attribute)
        values = {m: report.values(m, attribute=attribute) for m in metrics}
        dens = {m: report.denominators(m, attribute=attribute) for m in partial}
        rows = [
            {
                "group": _group(g),
                "label": _label(g),
                "count": int(n),
                "small": int(n) < report.min_group_size,
                "values": {m: canonical(values[m][g]) for m in metrics},
                "denominators": {m: dens[m][g] for m in partial},
            }
            for g, n in counts.items()
        ]
        names = report.attributes if attribute is None else (attribute,)
        tables.append(
            {
                "attributes": list(names),
                "metrics": metrics,
                "min_denominator": report.min_denominator,
                "rows": rows,
            }
        )
    return tables


def _user_properties(item: pytest.Item, record: Mapping[str, Any]) -> None:
    """One JUnit property per bound: ``fairness.[<name>.]<disparity>``."""
    import json

    from pytest_fairness._escape import xml_attr
    from pytest_fairness.plugin._render import pair_text

    prefix = "fairness." + (f"{record['name']}." if record["name"] else "")
    for row in record["bounds"]:
        value = {
            "bound": row["bound"],
            "value": row["value"],
            "verdict": row["outcome"],
        }
        if row.get("low") is not None and row.get("high") is not None:
            # as the terminal shows it; JSON writes it in ASCII
            value["worst_pair"] = xml_attr(pair_text(row))
        if record["baseline"]["enabled"]:
            for key in (
                "baseline",
                "change",
                "change_interval",
                "margin",
                "noise",
                "detectable",
                "method",
                "status",
            ):
                value[key] = row.get(key)
        text = json.dumps(canonical(value), sort_keys=True)
        item.user_properties.append((xml_attr(prefix + row["metric"]), text))


def gate_verdict(rows: list[dict[str, Any]], on_inconclusive: str) -> str:
    """Return a gate's verdict from the outcomes of its bounds.

    Parameters
    ----------
    rows : list of dict
        The bound rows of a gate record.
    on_inconclusive : {"fail", "warn", "skip"}
        What an inconclusive bound does.

    Returns
    -------
    {"failed", "inconclusive", "passed"}
        ``failed`` when a bound failed, regressed, or (under CI) misses its
        baseline or has a changed definition, or is inconclusive with
        ``on_inconclusive="fail"``.
    """
    outcomes = {row["outcome"] for row in rows}
    inconclusive = "inconclusive" in outcomes
    if outcomes & {"failed", "regressed", "missing", "changed"} or (
        inconclusive and on_inconclusive == "fail"
    ):
        return "failed"
    return "inconclusive" if inconclusive else "passed"


def conclude(
    item: pytest.Item,
    record: dict[str, Any],
    *,
    result: object,
    on_inconclusive: str,
) -> None:
    """Keep a gate record and act on its verdict.

    Under hypothesis' ``@given`` the record replaces the previous example's
    (see :mod:`pytest_fairness.plugin._given`) and says which example it is;
    an inconclusive example with ``on_inconclusive="warn"`` is counted (the
    test warns once when it ends), and one with ``"skip"`` is rejected, so
    that hypothesis tries another example instead of skipping the test.

    Parameters
    ----------
    item : pytest.Item
        The test.
    record : dict
        The gate record, with its ``verdict`` (see :func:`gate_verdict`).
    result : object
        The core's verdicts, carried on the raised failure.
    on_inconclusive : {"fail", "warn", "skip"}
        What an inconclusive bound does.

    Raises
    ------
    FairnessGateFailure
        When the gate's verdict is ``failed``.
    """
    __tracebackhide__ = True
    examples = begin_example(item)
    if examples is not None:
        record["example"] = examples.describe(record)
    stored = canonical(record)
    item.stash.setdefault(RECORDS_KEY, []).append(stored)
    before = len(item.user_properties)
    _user_properties(item, record)
    if examples is not None:
        examples.adopt(stored, item.user_properties[before:])

    if record["verdict"] == "failed":
        failure = FairnessGateFailure("\n".join(gate_lines(record)), result=result)
        item.stash.setdefault(FAILURES_KEY, {})[record["key"]] = failure
        raise failure
    if record["verdict"] == "inconclusive":
        text = "\n".join(gate_lines(record))
        if on_inconclusive == "skip":
            if examples is not None:
                examples.reject()  # skips the example, not the whole test
            pytest.skip(text)
        if examples is not None:
            # one warning at the end of the test, not one per example
            examples.defer_warning(record["key"], text)
        else:
            warnings.warn(FairnessWarning(text), stacklevel=4)
    for text in record["baseline"].get("warnings", ()):
        warnings.warn(FairnessWarning(text), stacklevel=4)


def stored_baseline(
    item: pytest.Item, state: FairnessState, key: str
) -> tuple[Path, dict[str, Any] | None]:
    """Return a test module's baseline file and the stored entry of one gate.

    Parameters
    ----------
    item : pytest.Item
        The test.
    state : FairnessState
        The plugin's session state (reads each file once).
    key : str
        The gate's key (``test`` or ``test::name``).

    Returns
    -------
    tuple
        The file's path and the gate's stored entry (None when none).

    Raises
    ------
    BaselineError
        When the file is corrupt or of another schema.
    """
    path = baseline_path(
        item.path,
        rootpath=item.config.rootpath,
        baseline_dir=state.options.baseline_dir,
    )
    stored = state.load_baseline(path)
    return path, stored.gates.get(key)


def baseline_info(
    item: pytest.Item,
    path: Path,
    entry: dict[str, Any],
    comparisons: Mapping[str, Comparison],
    *,
    update: bool,
    ci: bool,
    gate_failed: bool,
    update_cmd: str,
    key: str,
) -> dict[str, Any]:
    """Return what a gate record says of its baseline, and what to write.

    Parameters
    ----------
    item : pytest.Item
        The test.
    path : pathlib.Path
        The baseline file.
    entry : dict
        What this gate would store: the whole entry when it has none (or
        under ``--fairness-update-baselines``), else the disparities to add.
    comparisons : mapping of str to Comparison
        Each bound's comparison with the baseline.
    update : bool
        Baselines are being updated.
    ci : bool
        Running under CI: a missing baseline fails and nothing is written.
    gate_failed : bool
        The gate failed: a first run that fails records nothing.
    update_cmd : str
        The command that records the baseline of this test.
    key : str
        The gate's key in the file.

    Returns
    -------
    dict
        ``enabled``, ``file``, ``display``, ``status`` (updated, recorded,
        not recorded, missing, changed or compared), ``missing``, ``changed``,
        ``write``, ``entry`` and the ``warnings`` the test issues.
    """
    display = display_path(path, item.config.rootpath)
    missing = [m for m, c in comparisons.items() if c.status == "new"]
    changed = [m for m, c in comparisons.items() if c.status == "definition_changed"]
    additions = bool(entry.get("metrics"))
    notes: list[str] = []
    if update:
        status, write = "updated", True
    elif missing and ci:
        status, write = "missing", False
    elif changed:
        status, write = "changed", False
        reasons = "; ".join(dict.fromkeys(comparisons[m].reason for m in changed))
        notes.append(
            f"the fairness gate {key!r} is defined otherwise than its baseline in "
            f"{display} ({reasons}), so it was not compared. Record it again "
            f"with: {update_cmd}  (under CI this fails the test)"
        )
    elif additions and gate_failed:
        status, write = "not recorded", False
    elif additions and not ci:
        status, write = "recorded", True
        what = ", ".join(missing) if missing else ", ".join(entry["metrics"])
        notes.append(
            f"no fairness baseline for {key!r} ({what}) in {display}: the current "
            "values are recorded and written at the end of the session. Commit "
            "the file; when the environment variable CI is set, a missing "
            "baseline fails."
        )
    else:
        status, write = "compared", False
    return {
        "enabled": True,
        "file": str(path),
        "display": display,
        "status": status,
        "missing": missing,
        "changed": changed,
        "write": write,
        "entry": entry,
        "warnings": notes,
    }


def judge_gate(
    item: pytest.Item,
    rows: list[dict[str, Any]],
    on_inconclusive: str,
    *,
    path: Path | None,
    entry: dict[str, Any],
    comparisons: Mapping[str, Comparison],
    update: bool,
    ci: bool,
    update_cmd: str,
    key: str,
) -> tuple[str, dict[str, Any]]:
    """Return a gate's verdict and what its record says of its baseline.

    Parameters
    ----------
    item : pytest.Item
        The test.
    rows : list of dict
        The gate's bound rows, with their outcomes.
    on_inconclusive : {"fail", "warn", "skip"}
        What an inconclusive bound does.
    path : pathlib.Path or None
        The baseline file; None when baselines are off.
    entry : dict
        What the gate would store (see :func:`baseline_info`).
    comparisons : mapping of str to Comparison
        Each bound's comparison with the baseline.
    update : bool
        Baselines are being updated.
    ci : bool
        Running under CI.
    update_cmd : str
        The command that records the baseline of this test.
    key : str
        The gate's key in the baseline file.

    Returns
    -------
    tuple
        The verdict (see :func:`gate_verdict`) and the baseline info
        (``{"enabled": False}`` when baselines are off).
    """
    verdict = gate_verdict(rows, on_inconclusive)
    if path is None:
        return verdict, {"enabled": False}
    info = baseline_info(
        item,
        path,
        entry,
        comparisons,
        update=update,
        ci=ci,
        gate_failed=verdict == "failed",
        update_cmd=update_cmd,
        key=key,
    )
    return verdict, info


def _tolerance_for(settings: GateSettings) -> Any:
    def tolerance(metric: str) -> float:
        tol = settings.tolerance_for(metric)
        return 0.0 if tol == "auto" else float(tol)

    return tolerance


def run_check(
    item: pytest.Item,
    state: FairnessState,
    *,
    y_true: Any,
    y_pred: Any,
    sensitive_features: Any,
    data: Any,
    y_score: Any,
    sample_weight: Any,
    name: str | None,
    overrides: Mapping[str, Any],
) -> FairnessReport:
    """Run one gate for a test and raise or warn as its verdict requires.

    Parameters
    ----------
    item : pytest.Item
        The test calling ``fairness.check``.
    state : FairnessState
        The plugin's session state.
    y_true, y_pred, sensitive_features, data, y_score, sample_weight : object
        Passed to :func:`pytest_fairness.audit`.
    name : str or None
        Distinguishes several checks in one test.
    overrides : mapping
        Keywords that add or replace the marker's bounds and settings.

    Returns
    -------
    FairnessReport
        The audit.

    Raises
    ------
    FairnessGateFailure
        When a bound fails, a disparity regressed past its baseline, a
        baseline is missing (or defined otherwise) under CI, or a bound is
        inconclusive with ``on_inconclusive="fail"``.
    BaselineError
        When the baseline file cannot be read.
    FairnessValueError
        For bad arguments or overrides.
    """
    __tracebackhide__ = True
    import pytest_fairness as pf
    from pytest_fairness.metrics import resolve_disparity
    from pytest_fairness.report._audit import capture_rows
    from pytest_fairness.report._regression import (
        baseline_entry,
        compare_with_baseline,
    )

    name = check_name(name)
    module, test = split_nodeid(item.nodeid)
    key = test if name is None else f"{test}::{name}"
    records = item.stash.setdefault(RECORDS_KEY, [])
    if any(r["key"] == key for r in records):
        msg = (
            f"fairness.check() ran twice in {item.nodeid} under the same name "
            f"{name!r}: give each check of a test a distinct name=."
        )
        raise FairnessValueError(msg)

    settings = _settings(item, state, overrides)
    min_group_size = settings.min_group_size or state.options.min_group_size
    sensitive = _sensitive(sensitive_features, data, settings)
    if settings.confidence is not None:
        _refuse_resampled(
            settings.confidence,
            (y_true, y_pred, y_score, sample_weight),
            sensitive,
            data,
        )
    with warnings.catch_warnings(record=True) as caught, capture_rows() as captured:
        warnings.simplefilter("always")
        try:
            report = pf.audit(
                y_true,
                y_pred,
                sensitive_features=sensitive,
                data=data,
                y_score=y_score,
                sample_weight=sample_weight,
                intersectional=settings.intersectional,
                min_group_size=min_group_size,
                min_denominator=settings.min_denominator,
                reference=settings.reference,
                pos_label=settings.pos_label,
                confidence=settings.confidence,
            )
        except FairnessValueError as exc:
            raise _audit_error(exc, _pos_label_from(item, state, overrides)) from None
    # Re-issued so that they point at the test's call of fairness.check.
    for w in caught:
        warnings.warn(w.message, stacklevel=3)
    rows = captured[0] if captured else None
    gate = report.check(settings.bounds)

    update = state.options.update_baselines
    ci = in_ci() and not update
    command = update_command(state, item.nodeid)
    comparisons: dict[str, Comparison] = {}
    path = None
    entry: dict[str, Any] = {}
    method = "none"
    if settings.baseline:
        path, stored = stored_baseline(item, state, key)
        judged = compare_with_baseline(
            report,
            gate,
            rows,
            None if update else stored,
            tolerance_for=_tolerance_for(settings),
            level=settings.confidence or 0.95,
            where=f"baseline file {path}, gate {key!r}",
        )
        comparisons, method = judged.comparisons, judged.method
        if update or stored is None:
            entry = baseline_entry(report, gate, rows)
        else:
            entry = {"metrics": judged.derived}

    bound_rows = [
        _bound_row(r, comparisons.get(r.bound.metric), ci, update) for r in gate.results
    ]
    verdict, info = judge_gate(
        item,
        bound_rows,
        settings.on_inconclusive,
        path=path,
        entry=entry,
        comparisons=comparisons,
        update=update,
        ci=ci,
        update_cmd=command,
        key=key,
    )
    if path is not None:
        info["method"] = method
    metrics = list(
        dict.fromkeys(m for b in settings.bounds for m in resolve_disparity(b).metrics)
    )
    record: dict[str, Any] = {
        "nodeid": item.nodeid,
        "module": module,
        "test": test,
        "name": name,
        "key": key,
        "verdict": verdict,
        "attributes": list(report.attributes),
        "n_groups": report.n_groups,
        "n_rows": report.n_rows,
        "min_group_size": report.min_group_size,
        "min_denominator": report.min_denominator,
        "intersectional": report.intersectional,
        "reference": canonical(report.reference),
        "on_inconclusive": settings.on_inconclusive,
        "confidence": gate.confidence,
        "correction": gate.correction,
        "bounds": bound_rows,
        "small_groups": [
            {"group": _group(g.group), "label": _label(g.group), "count": g.count}
            for g in gate.small_groups
        ],
        "groups": _group_tables(report, metrics),
        "baseline": info,
        "update_command": command,
    }
    conclude(item, record, result=gate, on_inconclusive=settings.on_inconclusive)
    return report
