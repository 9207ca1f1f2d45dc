"""The pipeline every gate kind shares: evaluate, compare, record, conclude.

A gate kind (``fairness.check`` on an audit, ``fairness.check_causal`` on a
causal result) supplies a :class:`GateKind`: its verdicts, how to compare
them with a stored baseline entry, and the fields of its record.
:func:`run_gate` does the rest the same way for every kind: it reads the
test's baseline entry, builds one typed
:class:`~pytest_fairness.records.GateRecord`, keeps it on the test, adds the
JUnit properties and raises, skips or warns as the verdict requires.

Imported when a test first runs a check; the core and the renderers load
here, never when the plugin loads.
"""

from __future__ import annotations

import math
import shlex
import warnings
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Protocol

import pytest

from pytest_fairness.baseline import baseline_path, canonical
from pytest_fairness.exceptions import (
    FairnessGateFailure,
    FairnessValueError,
    FairnessWarning,
)
from pytest_fairness.plugin._given import begin_example
from pytest_fairness.plugin._options import in_ci
from pytest_fairness.plugin._state import (
    RECORDS_KEY,
    FairnessState,
    display_path,
    split_nodeid,
)
from pytest_fairness.records import (
    BaselineComparison,
    BaselineInfo,
    BoundRow,
    GateRecord,
)
from pytest_fairness.render import gate_lines, junit_properties

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

    from pytest_fairness.baseline import Comparison
    from pytest_fairness.gates import Bound

__all__ = [
    "FAILURES_KEY",
    "GateKind",
    "baseline_info",
    "bound_record",
    "bound_row",
    "check_name",
    "conclude",
    "gate_verdict",
    "judge_gate",
    "run_gate",
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


def _jf(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def bound_record(
    bound: Bound,
    value: float,
    verdict: str,
    interval: tuple[float, float] | None,
    comparison: Comparison | None,
    *,
    missing_fails: bool,
    update: bool,
    **details: Any,
) -> BoundRow:
    """Return the record of one bound: its verdict, baseline and outcome.

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
    **details
        Further fields of :class:`~pytest_fairness.records.BoundRow` (the
        worst pair, a causal detail ...).

    Returns
    -------
    BoundRow
        With ``outcome``: passed, failed, regressed, missing, changed or
        inconclusive.
    """
    status = None if comparison is None else comparison.status
    return BoundRow(
        metric=bound.metric,
        op=bound.op,
        limit=bound.limit,
        bound=str(bound),
        value=_jf(value),
        verdict=verdict,
        outcome=_outcome(verdict, status, missing_fails=missing_fails, update=update),
        interval=None if interval is None else (_jf(interval[0]), _jf(interval[1])),
        comparison=None
        if comparison is None
        else BaselineComparison.from_core(comparison.to_dict()),
        **details,
    )


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
    """Return the JSON form of one bound's record (see :func:`bound_record`).

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
        A missing or changed baseline fails (under CI).
    update : bool
        Baselines are being updated.

    Returns
    -------
    dict
        :meth:`BoundRow.to_dict` of the row.
    """
    return bound_record(
        bound,
        value,
        verdict,
        interval,
        comparison,
        missing_fails=missing_fails,
        update=update,
    ).to_dict()


def _outcome_of(row: BoundRow | Mapping[str, Any]) -> str:
    return row.outcome if isinstance(row, BoundRow) else str(row["outcome"])


def gate_verdict(
    rows: Sequence[BoundRow | Mapping[str, Any]], on_inconclusive: str
) -> str:
    """Return a gate's verdict from the outcomes of its bounds.

    Parameters
    ----------
    rows : sequence of BoundRow or mapping
        The bound rows of a gate (records or their JSON form).
    on_inconclusive : {"fail", "warn", "skip"}
        What an inconclusive bound does.

    Returns
    -------
    {"failed", "inconclusive", "passed"}
        ``failed`` when a bound failed, regressed, or (under CI) misses its
        baseline or has a changed definition, or is inconclusive with
        ``on_inconclusive="fail"``.
    """
    outcomes = {_outcome_of(row) for row in rows}
    inconclusive = "inconclusive" in outcomes
    if outcomes & {"failed", "regressed", "missing", "changed"} or (
        inconclusive and on_inconclusive == "fail"
    ):
        return "failed"
    return "inconclusive" if inconclusive else "passed"


def conclude(
    item: pytest.Item,
    record: GateRecord | Mapping[str, Any],
    *,
    result: object,
    on_inconclusive: str,
) -> None:
    """Keep a gate record on its test and act on its verdict.

    Under hypothesis' ``@given`` the record replaces the previous example's
    (see :mod:`pytest_fairness.plugin._given`) and says which example it is;
    an inconclusive example with ``on_inconclusive="warn"`` is counted (the
    test warns once when it ends), and one with ``"skip"`` is rejected, so
    that hypothesis tries another example instead of skipping the test.

    Parameters
    ----------
    item : pytest.Item
        The test.
    record : GateRecord or mapping
        The gate record (or its JSON form), with its ``verdict`` (see
        :func:`gate_verdict`).
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
    data = record.to_dict() if isinstance(record, GateRecord) else dict(record)
    examples = begin_example(item)
    if examples is not None:
        data["example"] = examples.describe(data)
    data = canonical(data)
    # the record as every process will read it back: numbers rounded once
    typed = GateRecord.from_dict(data)
    item.stash.setdefault(RECORDS_KEY, []).append(data)
    properties = junit_properties(typed)
    item.user_properties.extend(properties)
    if examples is not None:
        examples.adopt(data, properties)

    if typed.verdict == "failed":
        failure = FairnessGateFailure("\n".join(gate_lines(typed)), result=result)
        item.stash.setdefault(FAILURES_KEY, {})[typed.key] = failure
        raise failure
    if typed.verdict == "inconclusive":
        text = "\n".join(gate_lines(typed))
        if on_inconclusive == "skip":
            if examples is not None:
                examples.reject()  # skips the example, not the whole test
            pytest.skip(text)
        if examples is not None:
            # one warning at the end of the test, not one per example
            examples.defer_warning(typed.key, text)
        else:
            warnings.warn(FairnessWarning(text), stacklevel=4)
    for text in typed.baseline.warnings:
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


def _baseline_info(
    item: pytest.Item,
    path: Path,
    entry: Mapping[str, Any],
    comparisons: Mapping[str, Comparison],
    *,
    update: bool,
    ci: bool,
    gate_failed: bool,
    update_cmd: str,
    key: str,
) -> BaselineInfo:
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
    return BaselineInfo(
        enabled=True,
        file=str(path),
        display=display,
        status=status,
        missing=tuple(missing),
        changed=tuple(changed),
        write=write,
        entry=dict(entry),
        warnings=tuple(notes),
    )


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
        The JSON form of :class:`~pytest_fairness.records.BaselineInfo`:
        ``enabled``, ``file``, ``display``, ``status`` (updated, recorded,
        not recorded, missing, changed or compared), ``missing``,
        ``changed``, ``write``, ``entry`` and ``warnings``.
    """
    return _baseline_info(
        item,
        path,
        entry,
        comparisons,
        update=update,
        ci=ci,
        gate_failed=gate_failed,
        update_cmd=update_cmd,
        key=key,
    ).to_dict()


def judge_gate(
    item: pytest.Item,
    rows: Sequence[BoundRow | Mapping[str, Any]],
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
    rows : sequence of BoundRow or mapping
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
        The verdict (see :func:`gate_verdict`) and the baseline info's JSON
        form (``{"enabled": False}`` when baselines are off).
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


@dataclass
class Compared:
    """A gate's comparison with its stored baseline entry.

    Attributes
    ----------
    comparisons : dict
        Bounded metric to its comparison.
    entry : dict
        What the gate would store (see :func:`baseline_info`).
    method : str or None
        How the noise was measured, for the record.
    """

    comparisons: dict[str, Comparison] = field(default_factory=dict)
    entry: dict[str, Any] = field(default_factory=dict)
    method: str | None = None


class GateKind(Protocol):
    """What a kind of gate supplies to :func:`run_gate`."""

    @property
    def result(self) -> object:
        """Carried on the failure the gate raises (the core's verdicts)."""
        ...

    def compare(self, stored: Mapping[str, Any] | None, *, update: bool) -> Compared:
        """Compare the verdicts with a stored entry (None when there is none)."""
        ...

    def rows(
        self,
        comparisons: Mapping[str, Comparison],
        *,
        missing_fails: bool,
        update: bool,
    ) -> list[BoundRow]:
        """Return the bound rows, judged against their comparisons."""
        ...

    def fields(self) -> dict[str, Any]:
        """Return the record's fields that describe this kind of gate."""
        ...


def gate_key(item: pytest.Item, name: str | None, caller: str) -> str:
    """Return a gate's key in its baseline file; refuse a second use in a test.

    Parameters
    ----------
    item : pytest.Item
        The test.
    name : str or None
        The check's name.
    caller : str
        How the error names the checks (``fairness.check()``).

    Returns
    -------
    str
        ``test`` or ``test::name``.

    Raises
    ------
    FairnessValueError
        When the test already ran a check under this name.
    """
    __tracebackhide__ = True
    _, test = split_nodeid(item.nodeid)
    key = test if name is None else f"{test}::{name}"
    if any(r["key"] == key for r in item.stash.get(RECORDS_KEY, [])):
        msg = (
            f"{caller} ran twice in {item.nodeid} under the same name "
            f"{name!r}: give each check of a test a distinct name=."
        )
        raise FairnessValueError(msg)
    return key


def run_gate(
    item: pytest.Item,
    state: FairnessState,
    kind: GateKind,
    *,
    name: str | None,
    key: str,
    baseline: bool,
    on_inconclusive: str,
) -> GateRecord:
    """Compare a gate with its baseline, record it, and conclude.

    Parameters
    ----------
    item : pytest.Item
        The test.
    state : FairnessState
        The plugin's session state.
    kind : GateKind
        The gate's verdicts and how to compare them.
    name : str or None
        The check's name.
    key : str
        The gate's key (see :func:`gate_key`).
    baseline : bool
        Baselines are on for the gate.
    on_inconclusive : {"fail", "warn", "skip"}
        What an inconclusive bound does.

    Returns
    -------
    GateRecord
        The record kept on the test.

    Raises
    ------
    FairnessGateFailure
        When the gate's verdict is ``failed``.
    BaselineError
        When the baseline file cannot be read.
    """
    __tracebackhide__ = True
    update = state.options.update_baselines
    ci = in_ci() and not update
    command = update_command(state, item.nodeid)
    compared = Compared()
    path = None
    if baseline:
        path, stored = stored_baseline(item, state, key)
        compared = kind.compare(None if update else stored, update=update)
    rows = kind.rows(compared.comparisons, missing_fails=ci, update=update)
    verdict = gate_verdict(rows, on_inconclusive)
    info = BaselineInfo()
    if path is not None:
        info = _baseline_info(
            item,
            path,
            compared.entry,
            compared.comparisons,
            update=update,
            ci=ci,
            gate_failed=verdict == "failed",
            update_cmd=command,
            key=key,
        )
        if compared.method is not None:
            info = replace(info, method=compared.method)
    module, test = split_nodeid(item.nodeid)
    record = GateRecord(
        nodeid=item.nodeid,
        module=module,
        test=test,
        name=name,
        key=key,
        verdict=verdict,
        on_inconclusive=on_inconclusive,
        bounds=tuple(rows),
        baseline=info,
        update_command=command,
        **kind.fields(),
    )
    conclude(item, record, result=kind.result, on_inconclusive=on_inconclusive)
    return record
