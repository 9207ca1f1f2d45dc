"""The ``fairness`` fixture.

Standard library and pytest only at import time: the core loads when a test
first calls :meth:`FairnessFixture.check`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from pytest_fairness.plugin._given import begin_example, refuse_baseline
from pytest_fairness.plugin._state import STATE_KEY

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from pytest_fairness import FairnessReport, InterventionComparison
    from pytest_fairness.causal import CausalGateResult
    from pytest_fairness.causal._gate import GatedResult
    from pytest_fairness.monitoring import MonitorResult
    from pytest_fairness.plugin._state import FairnessState

__all__ = [
    "CAUSAL_POS_LABEL",
    "CURRENT_ITEM_KEY",
    "OUTSIDE_A_TEST",
    "REPORTS_KEY",
    "FairnessFixture",
    "fairness",
]

#: The test running now (set by the plugin around each test's protocol).
CURRENT_ITEM_KEY = pytest.StashKey["pytest.Item | None"]()
#: The reports of a test's checks, by name.
REPORTS_KEY = pytest.StashKey[dict["str | None", "FairnessReport"]]()

OUTSIDE_A_TEST = (
    "The fairness fixture checks gates of the running test, and no test is "
    "running (a session fixture's teardown, a hook, or another thread). Hint: "
    "call fairness.check() in a test function, or in a fixture that test uses."
)

CAUSAL_POS_LABEL = (
    "fairness.check_causal() takes no pos_label: a causal result is measured "
    "before it is checked (a flip rate counts any change of decision; "
    "causal_effects() reads a numeric outcome). Allowed: bounds such as "
    "max_flip_rate=0.01, name, use_intervals, baseline, tolerance, "
    "on_inconclusive. Hint: pass outcome=(data['income'] == '>50K').astype(int) "
    "to causal_effects(); pos_label belongs to fairness.check() and the "
    "fairness_gate marker."
)


class FairnessFixture:
    """Fairness gates for the running test: what the ``fairness`` fixture returns.

    One object serves the whole session and acts for the test that is
    running, so that the fixture works in hypothesis' ``@given`` tests (whose
    health check rejects function-scoped fixtures). Under ``@given`` each
    example's check is judged, and the gate of the final example (the
    minimal failing one, which hypothesis replays last, or else the last one)
    is the one recorded.

    Parameters
    ----------
    config : pytest.Config
        The pytest configuration, which knows the running test.
    state : FairnessState
        The plugin's session state.
    """

    def __init__(self, config: pytest.Config, state: FairnessState) -> None:
        self._config = config
        self._state = state

    def __repr__(self) -> str:
        # shown in hypothesis' failing test case beside the drawn arguments
        return "<fairness fixture>"

    @property
    def _item(self) -> pytest.Item:
        """The running test."""
        __tracebackhide__ = True
        item = self._config.stash.get(CURRENT_ITEM_KEY, None)
        if item is None:
            from pytest_fairness.exceptions import FairnessValueError

            raise FairnessValueError(OUTSIDE_A_TEST)
        return item

    @property
    def reports(self) -> dict[str | None, FairnessReport]:
        """The reports of the running test's checks, by ``name`` (None unnamed).

        Under ``@given``, those of the latest example.
        """
        reports: dict[str | None, FairnessReport] = self._item.stash.get(
            REPORTS_KEY, {}
        )
        return dict(reports)

    def check(
        self,
        y_true: Any = None,
        y_pred: Any = None,
        *,
        sensitive_features: Any = None,
        data: Any = None,
        y_score: Any = None,
        sample_weight: Any = None,
        name: str | None = None,
        **overrides: Any,
    ) -> FairnessReport:
        """Audit a model's predictions and enforce the test's fairness gate.

        The bounds and settings come from the ``fairness_gate`` markers of the
        test (function, class, module; the closest wins), and ``overrides``
        add or replace them for this call.

        Parameters
        ----------
        y_true : array-like or str
            True labels; with ``data``, a column name.
        y_pred : array-like or str
            Predicted labels; with ``data``, a column name.
        sensitive_features : array-like, DataFrame, dict or str, optional
            The groups. When the marker names columns
            (``fairness_gate(sensitive_features=["sex", "race"])``), a frame or
            dict given here is narrowed to those columns; without it, the
            columns are taken from ``data``.
        data : DataFrame, optional
            A frame holding the columns named by the other arguments.
        y_score : array-like or str, optional
            Scores of the positive class, for score-based disparities.
        sample_weight : array-like or str, optional
            Row weights.
        name : str, optional
            Names this check when a test runs several (for instance one per
            model); each name has its own baseline entry (``test::name``).
        **overrides
            Bounds (``demographic_parity_difference=0.1``) and settings
            (``pos_label``, ``min_group_size``, ``min_denominator``,
            ``intersectional``, ``reference``, ``baseline``, ``tolerance``,
            ``confidence``, ``on_inconclusive``) for this call only.
            ``pos_label`` names the favourable label when the labels are not
            0/1, booleans or -1/1 (``pos_label=">50K"``, ``pos_label="Y"``).

        Returns
        -------
        FairnessReport
            The audit, for further asserts.

        Raises
        ------
        FairnessGateFailure
            When a bound fails, a disparity worsened past its baseline by more
            than the tolerance, the baseline is missing while ``CI`` is set, or
            a bound cannot be decided and ``on_inconclusive="fail"``. The
            message is a table of every bound with its worst pair of groups.
        BaselineError
            When the baseline file is corrupt or of another schema.
        FairnessValueError
            For bad arguments or overrides.
        """
        __tracebackhide__ = True
        from pytest_fairness.plugin._gate import run_check

        item = self._item
        if begin_example(item) is not None:
            refuse_baseline(
                item,
                "fairness.check()",
                overrides.get("baseline"),
                self._state.marker_entries(item),
            )
        report = run_check(
            item,
            self._state,
            y_true=y_true,
            y_pred=y_pred,
            sensitive_features=sensitive_features,
            data=data,
            y_score=y_score,
            sample_weight=sample_weight,
            name=name,
            overrides=overrides,
        )
        item.stash.setdefault(REPORTS_KEY, {})[name] = report
        return report

    def check_causal(
        self,
        result: GatedResult,
        bounds: Mapping[str, Any] | Iterable[str] | str | None = None,
        /,
        *,
        name: str | None = None,
        use_intervals: bool = False,
        baseline: bool | None = None,
        tolerance: float | str | Mapping[str, float | str] | None = None,
        on_inconclusive: str | None = None,
        **kwargs: Any,
    ) -> CausalGateResult:
        """Gate a causal result (flip rate, effects, pathways, proxy scan).

        The result evaluates the bounds (see its ``check``); the fixture adds
        the test's baseline and reports the gate with the others: in the
        failure message, the terminal summary, JUnit properties and the
        markdown and JSON reports. Every causal metric is "lower is better":
        a regression is an increase past the tolerance.

        Parameters
        ----------
        result : GatedResult
            What :func:`~pytest_fairness.causal.counterfactual_flip_rate`,
            :func:`~pytest_fairness.causal.counterfactual_fairness`,
            :func:`~pytest_fairness.causal.causal_effects`,
            :func:`~pytest_fairness.causal.pathway_report` or
            :func:`~pytest_fairness.causal.proxy_scan` returned.
        bounds : mapping, iterable of str, or str, optional
            Bounds as a mapping (``{"max_flip_rate": 0.01}``) or expressions
            (``"flip_rate <= 0.01"``).
        name : str, optional
            Names this check when a test runs several; each name has its own
            baseline entry (``test::name``).
        use_intervals : bool, default=False
            Decide on the result's intervals: a bound whose interval straddles
            its limit is inconclusive.
        baseline : bool, optional
            Compare with (and record) the stored baseline; defaults to the
            test's ``fairness_gate(baseline=...)``, else False.
        tolerance : float, "auto" or dict, optional
            How much a metric may grow past its baseline (globally or per
            metric); ``"auto"`` uses the distance to the interval's upper
            end. Defaults to a number given to the marker, else 0.01.
        on_inconclusive : {"fail", "warn", "skip"}, optional
            What an undecidable bound does; defaults to the marker's, else
            ``"fail"``.
        **kwargs
            Bounds as keywords, e.g. ``max_flip_rate=0.01`` or
            ``max_natural_direct_effect=0.02``.

        Returns
        -------
        CausalGateResult
            The verdicts.

        Raises
        ------
        FairnessGateFailure
            When a bound fails, a metric grew past its baseline by more than
            the tolerance, the baseline is missing while ``CI`` is set, or a
            bound is inconclusive and ``on_inconclusive="fail"``.
        BaselineError
            When the baseline file is corrupt or of another schema.
        FairnessValueError
            For a result that is not causal, unknown metrics, bad settings, or
            ``pos_label`` (which belongs to :meth:`check`).

        Examples
        --------
        >>> def test_gender_does_not_flip_decisions(fairness, model, applicants):
        ...     flips = counterfactual_flip_rate(model, applicants, protected="gender")
        ...     fairness.check_causal(flips, max_flip_rate=0.01, baseline=True)
        """
        __tracebackhide__ = True
        if "pos_label" in kwargs:
            from pytest_fairness.exceptions import FairnessValueError

            raise FairnessValueError(CAUSAL_POS_LABEL)
        from pytest_fairness.plugin._causal import run_causal_check

        item = self._item
        if begin_example(item) is not None:
            refuse_baseline(
                item,
                "fairness.check_causal()",
                baseline,
                self._state.marker_entries(item),
            )
        return run_causal_check(
            item,
            self._state,
            result,
            bounds,
            name=name,
            use_intervals=use_intervals,
            overrides={
                "baseline": baseline,
                "tolerance": tolerance,
                "on_inconclusive": on_inconclusive,
            },
            kwargs=kwargs,
        )

    def check_monitor(
        self,
        result: MonitorResult,
        /,
        *,
        fail_on: str | Iterable[str] = ("bound", "drift"),
        name: str | None = None,
        last: int | None = None,
    ) -> MonitorResult:
        """Fail the test when a monitoring result raised alerts of some kinds.

        Each followed disparity (and the composition) becomes a row of the
        gate, shown in the failure message, the terminal summary, JUnit
        properties and the reports; alerts of other kinds are issued as
        :class:`~pytest_fairness.FairnessWarning`. The monitoring's reference
        period is its baseline: no baseline file is involved.

        Parameters
        ----------
        result : MonitorResult
            What :func:`pytest_fairness.monitoring.monitor` returned.
        fail_on : str or iterable of str, default=("bound", "drift")
            Alert kinds that fail the test, among ``"bound"``, ``"drift"``
            and ``"composition"``.
        name : str, optional
            Names this check when a test runs several.
        last : int, optional
            Count only the alerts of the last ``last`` windows (a scheduled
            job that looks at the most recent week).

        Returns
        -------
        MonitorResult
            The result, for further asserts.

        Raises
        ------
        FairnessGateFailure
            When an alert of a kind in ``fail_on`` fired.
        FairnessValueError
            For a result that is not a monitoring result, or bad arguments.

        Examples
        --------
        >>> def test_last_week_stays_fair(fairness, logs):
        ...     result = monitor(logs, time="ts", freq="D", y_pred="approved",
        ...                      sensitive_features=["sex", "race"],
        ...                      bounds={"demographic_parity_difference": 0.1})
        ...     fairness.check_monitor(result, fail_on=("bound", "drift"))
        """
        __tracebackhide__ = True
        from pytest_fairness.plugin._monitor import run_monitor_check

        return run_monitor_check(
            self._item, self._state, result, fail_on=fail_on, name=name, last=last
        )

    def check_tradeoff(
        self,
        before: Any,
        after: Any,
        /,
        *,
        max_accuracy_drop: float = 0.05,
        min_disparity_reduction: float = 0.0,
        metric: str | Sequence[str] = "demographic_parity_difference",
        performance: str = "accuracy",
        name: str | None = None,
        **kwargs: Any,
    ) -> InterventionComparison:
        """Fail the test unless an intervention pays for its fairness gain.

        :func:`~pytest_fairness.assert_tradeoff` as a gate: each condition
        (the fall of ``performance``, the reduction of each disparity)
        becomes a row shown in the failure message, the terminal summary,
        JUnit properties and the reports. No baseline file is involved.

        Parameters
        ----------
        before, after : FairnessReport, fitted classifier, or array-like
            As for :func:`~pytest_fairness.compare_interventions`.
        max_accuracy_drop : float, default=0.05
            Largest allowed fall of ``performance``.
        min_disparity_reduction : float, default=0.0
            Least required relative reduction of each ``metric``'s gap.
        metric : str or sequence of str, default="demographic_parity_difference"
            The disparities the intervention targets.
        performance : {"accuracy", "f1", "auc"}, default="accuracy"
            The performance figure whose drop is bounded.
        name : str, optional
            Names this check when a test runs several.
        **kwargs
            ``X``, ``y``, ``sensitive_features``, ``sample_weight``,
            ``pos_label``, ``min_group_size``, ``min_denominator`` and
            ``names``, as for :func:`~pytest_fairness.compare_interventions`.

        Returns
        -------
        InterventionComparison
            The before/after comparison, for further asserts.

        Raises
        ------
        FairnessGateFailure
            When a condition does not hold.
        FairnessValueError
            On bad arguments.

        Examples
        --------
        >>> def test_reweighing_pays_off(fairness, before, after, X, y, sex):
        ...     fairness.check_tradeoff(before, after, X=X, y=y,
        ...                             sensitive_features=sex,
        ...                             max_accuracy_drop=0.02,
        ...                             min_disparity_reduction=0.5)
        """
        __tracebackhide__ = True
        from pytest_fairness.plugin._tradeoff import run_tradeoff_check

        return run_tradeoff_check(
            self._item,
            self._state,
            before,
            after,
            max_accuracy_drop=max_accuracy_drop,
            min_disparity_reduction=min_disparity_reduction,
            metric=metric,
            performance=performance,
            name=name,
            kwargs=kwargs,
        )


@pytest.fixture(scope="session")
def fairness(pytestconfig: pytest.Config) -> FairnessFixture:
    """Check fairness gates in a test: ``fairness.check(y_true, y_pred, ...)``.

    Session-scoped, so that hypothesis' ``@given`` tests may use it: the
    object always acts for the running test.

    Parameters
    ----------
    pytestconfig : pytest.Config
        The pytest configuration.

    Returns
    -------
    FairnessFixture
        Call :meth:`~FairnessFixture.check` to audit predictions against the
        test's ``fairness_gate`` bounds and baseline.
    """
    return FairnessFixture(pytestconfig, pytestconfig.stash[STATE_KEY])
