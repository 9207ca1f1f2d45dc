"""The pytest plugin (entry point ``fairness``).

It registers the ``fairness_gate`` marker, the ``fairness`` fixture and the
``--fairness-*`` options. Hooks are listed in the order pytest calls them.

Importing this module imports nothing heavy: no numpy, pandas, scikit-learn,
fairlearn, dowhy or tabulate. The core loads when a test first uses a gate.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from pytest_fairness.plugin._fixtures import (
    CURRENT_ITEM_KEY,
    FairnessFixture,
    fairness,
)
from pytest_fairness.plugin._given import finish_test, settle_failure
from pytest_fairness.plugin._marker import MARKER, MARKER_LINE, MarkerError
from pytest_fairness.plugin._options import add_options, resolve_options
from pytest_fairness.plugin._state import (
    RECORDS_KEY,
    REPORT_ATTR,
    STATE_KEY,
    FairnessState,
)

if TYPE_CHECKING:
    from collections.abc import Generator

__all__ = ["MARKER_HELP", "FairnessFixture", "fairness"]

MARKER_HELP = MARKER_LINE


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add the ``--fairness-*`` options and ``fairness_*`` ini keys.

    Parameters
    ----------
    parser : pytest.Parser
        pytest's option parser.
    """
    add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker and set up the session state.

    Parameters
    ----------
    config : pytest.Config
        The pytest configuration.
    """
    config.addinivalue_line("markers", MARKER_LINE)
    state = FairnessState(config, resolve_options(config))
    config.stash[STATE_KEY] = state
    # Notes what the selection removed (every process) and, on the controller,
    # collects the gate records of every report (xdist sends them there).
    config.pluginmanager.register(state, "fairness-state")
    if state.is_controller:
        # Decides which failed gates their tests expected, before the state
        # collects the records.
        config.pluginmanager.register(_Expectations(), "fairness-expectations")


def pytest_report_header(config: pytest.Config) -> list[str]:
    """Show the fairness settings when they differ from the defaults.

    Parameters
    ----------
    config : pytest.Config
        The pytest configuration.

    Returns
    -------
    list of str
        One line, or none.
    """
    options = config.stash[STATE_KEY].options
    parts = []
    if options.update_baselines:
        parts.append("--fairness-update-baselines (baselines are rewritten)")
    if options.baseline_dir is not None:
        parts.append(f"baseline dir {options.baseline_dir}")
    if options.min_group_size_source != "default":
        parts.append(f"min_group_size={options.min_group_size}")
    return [f"fairness: {', '.join(parts)}"] if parts else []


def _marked_itself(item: pytest.Item) -> bool:
    """Return whether the test function itself carries ``fairness_gate``."""
    return any(node is item for node, _ in item.iter_markers_with_node(MARKER))


def _gated(item: pytest.Item) -> bool:
    """Return whether ``fairness_gate`` applies to a test.

    A marker on the test itself always applies; one inherited from its module
    or class applies to the tests that request the ``fairness`` fixture, so
    that a module's ``pytestmark`` leaves its plain unit tests alone.
    """
    if item.get_closest_marker(MARKER) is None:
        return False
    return "fairness" in getattr(item, "fixturenames", ()) or _marked_itself(item)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_protocol(
    item: pytest.Item, nextitem: pytest.Item | None
) -> Generator[None, object, object]:
    """Note the running test, for which the session's ``fairness`` fixture acts.

    Parameters
    ----------
    item : pytest.Item
        The test about to run (setup, call and teardown).
    nextitem : pytest.Item or None
        The test after it.

    Yields
    ------
    None
        Control to the test's protocol.

    Returns
    -------
    object
        What the protocol returned.
    """
    item.config.stash[CURRENT_ITEM_KEY] = item
    try:
        return (yield)
    finally:
        item.config.stash[CURRENT_ITEM_KEY] = None


@pytest.hookimpl(trylast=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Validate the ``fairness_gate`` markers of a test in its setup.

    Parameters
    ----------
    item : pytest.Item
        The test.
    """
    if not _gated(item):
        return
    try:
        item.config.stash[STATE_KEY].validate(item)
    except MarkerError as exc:
        message = f"Invalid fairness gate: {exc}"
    else:
        return
    pytest.fail(message, pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    """Fail a test marked ``fairness_gate`` itself that never checked a gate.

    A marker inherited from the module or class demands nothing: it gives
    the defaults of the tests that use the ``fairness`` fixture. A test under
    hypothesis' ``@given`` then warns once for the gates whose examples were
    inconclusive (``on_inconclusive="warn"``).

    Parameters
    ----------
    item : pytest.Item
        The test.

    Yields
    ------
    None
        Control to the test body.
    """
    try:
        result = yield
    finally:
        finish_test(item)
    if _marked_itself(item) and not item.stash.get(RECORDS_KEY, None):
        uses = "fairness" in getattr(item, "fixturenames", ())
        how = (
            "call fairness.check(y_true, y_pred, sensitive_features=...) in it"
            if uses
            else "request the `fairness` fixture and call fairness.check(y_true, "
            "y_pred, sensitive_features=...)"
        )
        pytest.fail(
            f"{item.nodeid} is marked fairness_gate but checked no gate: {how}, "
            "or remove the marker.",
            pytrace=False,
        )
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Carry the gate records of a test on its call-phase report, as JSON.

    Parameters
    ----------
    item : pytest.Item
        The test.
    call : pytest.CallInfo
        The phase that ran.

    Yields
    ------
    None
        Control to the report makers.

    Returns
    -------
    pytest.TestReport
        The report, with ``fairness_json`` set when gates ran.
    """
    report = yield
    if call.when == "call":
        if call.excinfo is not None:
            settle_failure(item)
        records = item.stash.get(RECORDS_KEY, None)
        if records:
            escaped = _escaped_gate(item, call)
            marked = [{**r, "raised": r["key"] == escaped} for r in records]
            setattr(report, REPORT_ATTR, json.dumps(marked, sort_keys=True))
    return report


def _escaped_gate(item: pytest.Item, call: pytest.CallInfo[None]) -> str | None:
    """Return the key of the gate whose failure ended the test, if one did.

    A gate failure the test caught (``pytest.raises``, ``try``) did not end
    it; one re-raised, chained to what the test raised, or among the
    failures of an exception group (hypothesis reports several distinct
    failures of a ``@given`` test as one) did.
    """
    if call.excinfo is None:
        return None
    from pytest_fairness.plugin._pipeline import FAILURES_KEY

    failures = item.stash.get(FAILURES_KEY, {})
    seen: set[int] = set()
    pending: list[BaseException] = [call.excinfo.value]
    while pending:
        exc = pending.pop()
        if id(exc) in seen:
            continue
        seen.add(id(exc))
        for key, failure in failures.items():
            if failure is exc:
                return key
        chained = exc.__cause__ or exc.__context__
        if chained is not None:
            pending.append(chained)
        members = getattr(exc, "exceptions", None)
        if isinstance(members, tuple):
            pending.extend(m for m in members if isinstance(m, BaseException))
    return None


class _Expectations:
    """Tell, on the controller, which failed gates their tests expected to fail.

    Registered on the controller only, so that the verdict rests on the
    report as the controller sees it, whether the test ran here or on an
    xdist worker.
    """

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Mark each failed gate of a test report as expected or not.

        A gate that failed while its failure did not end the test was
        caught (the test asserts that an unfair model is caught, with
        ``pytest.raises(FairnessGateFailure)``); in an xfail test every
        failed gate is expected. Runs before the session state collects the
        records.

        Parameters
        ----------
        report : pytest.TestReport
            A report of any phase.
        """
        payload = getattr(report, REPORT_ATTR, None)
        if not payload or report.when != "call":
            return
        records = json.loads(payload)
        if not any("raised" in r for r in records):
            return  # settled already
        xfail = hasattr(report, "wasxfail")
        for record in records:
            raised = bool(record.pop("raised", False))
            record["test_outcome"] = report.outcome
            failed = record["verdict"] == "failed"
            record["expected"] = failed and (xfail or not raised)
        setattr(report, REPORT_ATTR, json.dumps(records, sort_keys=True))


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Write baselines, the report files and the GitHub summary (controller only).

    Also after Ctrl-C or ``pytest.exit()``: the entries of tests that ran are
    written, and no entry is removed (see ``FairnessState.finish``).

    Parameters
    ----------
    session : pytest.Session
        The session.
    """
    state = session.config.stash.get(STATE_KEY, None)
    if state is None or not state.is_controller:
        return
    state.finish(session)


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    """Write the "fairness gates" section when gates ran.

    Parameters
    ----------
    terminalreporter : pytest.TerminalReporter
        The terminal writer.
    config : pytest.Config
        The pytest configuration.
    """
    state = config.stash.get(STATE_KEY, None)
    if state is None or not state.is_controller or not (state.records or state.notes):
        return
    from pytest_fairness.render import summary_lines

    terminalreporter.write_sep("=", "fairness gates")
    lines = summary_lines(
        state.sorted_records(), state.notes, verbose=config.get_verbosity() > 0
    )
    for line in lines:
        terminalreporter.write_line(line)
    for path in state.notes.reports:
        terminalreporter.write_line(f"fairness report written to {path}")
