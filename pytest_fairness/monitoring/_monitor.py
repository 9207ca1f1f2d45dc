"""monitor(): fairness over windows of a prediction log, with alerts.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pytest_fairness._validation import (
    check_bool,
    check_int,
    check_probability,
    fail,
)
from pytest_fairness.gates import parse_bounds
from pytest_fairness.metrics import METRICS, resolve_disparity
from pytest_fairness.monitoring._cells import (
    ReportSettings,
    encode,
)
from pytest_fairness.monitoring._engine import count_windows
from pytest_fairness.monitoring._freq import parse_freq
from pytest_fairness.monitoring._run import Monitor, needs_labels

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from pytest_fairness.gates import Bound
    from pytest_fairness.metrics import DisparitySpec
    from pytest_fairness.monitoring._result import MonitorResult

__all__ = ["monitor"]

_DEFAULT_DECISION = ("demographic_parity_difference",)
_DEFAULT_OUTCOME = ("equal_opportunity_difference", "equalized_odds_difference")


def _metrics(
    metrics: object, bounds: tuple[Bound, ...], has_labels: bool
) -> tuple[DisparitySpec, ...]:
    if metrics is None:
        names = list(dict.fromkeys(b.metric for b in bounds))
        if not names:
            names = list(_DEFAULT_DECISION + (_DEFAULT_OUTCOME if has_labels else ()))
    else:
        if isinstance(metrics, str):
            metrics = [metrics]
        if not isinstance(metrics, Sequence):
            msg = f"metrics must be a list of disparity names. Got {metrics!r}."
            raise fail(msg)
        names = list(dict.fromkeys([*map(str, metrics), *(b.metric for b in bounds)]))
        if not names:
            msg = "metrics is empty: pass None for the defaults or disparity names."
            raise fail(msg)
    specs = tuple(resolve_disparity(n) for n in names)
    for spec in specs:
        bad = [m for m in spec.metrics if METRICS[m].kind != "binary"]
        if bad:
            msg = (
                f"metrics: {spec.name} compares {bad}, which are not rates of "
                "decisions; monitoring follows binary rates (selection_rate, "
                "tpr, fpr, ppv, ...)."
            )
            raise fail(msg)
        if needs_labels(spec) and not has_labels:
            msg = (
                f"{spec.name} needs labels: pass y_true= (a column whose missing "
                "values mark rows not labelled yet), or monitor "
                "demographic_parity_difference only."
            )
            raise fail(msg)
    return specs


def _sensitive(sensitive_features: object) -> list[str]:
    if isinstance(sensitive_features, str):
        return [sensitive_features]
    if (
        isinstance(sensitive_features, Sequence)
        and sensitive_features
        and all(isinstance(s, str) for s in sensitive_features)
    ):
        return list(sensitive_features)
    msg = (
        "sensitive_features must name one or more columns of data, e.g. "
        f"['sex', 'race']. Got {sensitive_features!r}."
    )
    raise fail(msg)


def _rates(specs: Sequence[DisparitySpec]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(m for s in specs for m in s.metrics))


def monitor(
    data: Any,
    *,
    time: str,
    freq: str,
    y_pred: str,
    sensitive_features: str | Sequence[str],
    y_true: str | None = None,
    y_score: str | None = None,
    bounds: Any = None,
    reference: Any = None,
    confidence: float | None = 0.95,
    min_group_size: int = 30,
    metrics: Sequence[str] | str | None = None,
    min_denominator: int = 10,
    intersectional: bool = True,
    reference_group: Any = None,
    min_labelled: float = 0.9,
    composition_threshold: object = 0.1,
    pos_label: Any = None,
    n_boot: int = 1000,
    random_state: int | None = 0,
) -> MonitorResult:
    """Follow fairness over windows of a prediction log, and raise alerts.

    The log is counted inside the engine that holds it (DuckDB, Spark,
    polars, pyarrow, Dask, pandas): only the rows of every (window, label,
    decision, group) come back. Each window is then audited exactly as
    :func:`~pytest_fairness.audit` audits its rows, and compared with a
    reference period.

    Parameters
    ----------
    data : DataFrame or LazyFrame
        The log, one row per decision: pandas, polars, pyarrow, a DuckDB
        relation, a PySpark or Dask DataFrame, or any frame narwhals reads.
    time : str
        Column of the decision's timestamp (datetime or date).
    freq : str
        Window length as a pandas offset alias: ``"D"``, ``"W"`` (weeks
        from Monday to Sunday), ``"W-MON"``, ``"7D"``, ``"MS"``, ``"QS"``,
        ``"h"``, ... Windows of a fixed length are aligned on the Unix
        epoch; calendar windows follow the calendar.
    y_pred : str
        Column of the decision (0/1, booleans, or two values with
        ``pos_label``).
    sensitive_features : str or sequence of str
        Columns defining the groups.
    y_true : str, optional
        Column of the outcome. Missing values mark rows whose label has not
        arrived yet: in a window where fewer than ``min_labelled`` of the
        rows carry a label, the metrics that need it are skipped, and the
        tables say so.
    y_score : str, optional
        Column of the score in [0, 1]: adds each group's ``brier`` and
        ``calibration_error`` to :attr:`MonitorResult.groups` (labelled
        rows), and the mean score to the diagnosis of drift.
    bounds : mapping, iterable of str, or str, optional
        Bounds on disparities, as for :meth:`FairnessReport.check`
        (``{"demographic_parity_difference": 0.1}``). A window whose
        disparity breaches a bound with confidence raises a ``"bound"``
        alert.
    reference : None, int, or (start, end), optional
        The reference period drift and composition are measured against:
        the first ``k`` windows, or the windows starting between two dates
        (inclusive). None takes the first quarter of the windows (at least
        one).
    confidence : float or None, default=0.95
        One minus the false-alarm rate of each kind of alert over the whole
        monitoring (see Notes). Also the level of the intervals shown. None
        decides bounds on point estimates (no intervals, no control of false
        alarms); drift and composition are then tested at 0.95.
    min_group_size : int, default=30
        As for :func:`~pytest_fairness.audit`: smaller groups of a window are
        left out of its disparities. A group that falls below it raises a
        ``"composition"`` alert.
    metrics : sequence of str, optional
        Disparities to follow. Defaults to the bounded ones, else
        ``demographic_parity_difference`` (and, with ``y_true``,
        ``equal_opportunity_difference`` and ``equalized_odds_difference``).
    min_denominator : int, default=10
        As for :func:`~pytest_fairness.audit`.
    intersectional : bool, default=True
        As for :func:`~pytest_fairness.audit`.
    reference_group : object, optional
        Compare every group with this one (``"majority"`` or a group), as
        ``reference=`` of :func:`~pytest_fairness.audit` does.
    min_labelled : float, default=0.9
        Share of a window's rows that must carry a label for the metrics
        that need labels to be computed there.
    composition_threshold : float, default=0.1
        Population stability index of the group shares from which a
        significant change of composition raises an alert (0.1 is the usual
        "moderate shift").
    pos_label : object, optional
        The favourable value of ``y_pred`` and ``y_true``, when it cannot be
        inferred.
    n_boot : int, default=1000
        Bootstrap replicates of the intervals, and simulated windows of the
        drift test.
    random_state : int or None, default=0
        Seed; the same seed gives the same result.

    Returns
    -------
    MonitorResult
        ``windows`` (one row per window and disparity), ``groups`` (one row
        per window, group and rate), ``alerts``, renderings and exports.

    Raises
    ------
    FairnessValueError
        For a column that ``data`` lacks, a time column that is not a
        timestamp, a ``freq`` pandas does not parse (or that has no fixed
        calendar windows), a reference period that is unsorted, empty or
        covers every window, a log without rows, missing decisions or
        groups, and bad settings. The message names the argument.

    See Also
    --------
    pytest_fairness.audit : The audit each window gets.

    Notes
    -----
    *Bound alerts.* A window's bound is decided on its interval at the
    level ``1 - (1 - confidence) / (windows x bounds)`` (Bonferroni over
    every window and bound): a process whose disparity stays within its
    bound raises a bound alert anywhere with probability at most
    ``1 - confidence``.

    *Drift alerts.* For each window after the reference period, ``n_boot``
    windows of the reference process are simulated with that window's group
    sizes (each group's cell shares drawn from their posterior given the
    reference counts, then its rows from a multinomial), which gives the
    distribution of the disparity a stable process would show there, with
    its bias and noise at that size. The window's score is the normal
    quantile of its disparity's rank among them (positive: less fair). A
    one-sided CUSUM ``S_t = max(0, S_{t-1} + z_t - 1.25)`` accumulates the
    scores, and a window whose ``S_t`` exceeds ``h`` raises a drift alert.
    ``h`` is set by simulation so that, over the monitored windows, a
    stable process crosses it with probability ``(1 - confidence) / m``
    for each of the ``m`` disparities followed: the false-alarm rate of
    the whole monitoring stays at most ``1 - confidence`` however many
    windows are watched. The alert dates the change at the window after the
    CUSUM last stood at 0.

    *Composition alerts.* A window whose group shares differ from the
    reference's (chi-square test at ``(1 - confidence) / windows``) by a
    population stability index of at least ``composition_threshold``; a
    group that appears (no rows in the reference); a group that falls below
    ``min_group_size`` or vanishes when the reference leads to expect at
    least ``min_group_size`` rows, with a Poisson tail below
    ``(1 - confidence) / (windows x groups)``; and a window without rows.

    Examples
    --------
    >>> import pandas as pd
    >>> import numpy as np
    >>> from pytest_fairness.monitoring import monitor
    >>> rng = np.random.default_rng(0)
    >>> n = 8_000
    >>> log = pd.DataFrame({
    ...     "when": pd.Timestamp("2024-01-01")
    ...     + pd.to_timedelta(rng.integers(0, 56, n), unit="D"),
    ...     "sex": rng.choice(["female", "male"], n),
    ... })
    >>> log["approved"] = rng.random(n) < np.where(log["sex"] == "male", 0.7, 0.6)
    >>> result = monitor(log, time="when", freq="W", y_pred="approved",
    ...                  sensitive_features="sex",
    ...                  bounds={"demographic_parity_difference": 0.2})
    >>> len(result.windows)
    8
    >>> result.alerts.empty
    True
    """
    windowing = parse_freq(freq)
    sensitive = _sensitive(sensitive_features)
    parsed_bounds = () if bounds is None else parse_bounds(bounds)
    has_labels = y_true is not None
    specs = _metrics(metrics, parsed_bounds, has_labels)
    level = 0.95 if confidence is None else check_probability("confidence", confidence)
    min_group_size = check_int("min_group_size", min_group_size, minimum=1)
    min_denominator = check_int("min_denominator", min_denominator, minimum=1)
    n_boot = check_int("n_boot", n_boot, minimum=100)
    intersectional = check_bool("intersectional", intersectional)
    min_labelled = float(min_labelled)
    if not 0.0 <= min_labelled <= 1.0:
        msg = f"min_labelled must be a share between 0 and 1. Got {min_labelled!r}."
        raise fail(msg)
    if (
        isinstance(composition_threshold, bool)
        or not isinstance(composition_threshold, int | float)
        or not composition_threshold > 0
    ):
        msg = (
            "composition_threshold must be a stability index > 0 (0.1 is a "
            f"moderate shift). Got {composition_threshold!r}."
        )
        raise fail(msg)
    if random_state is not None:
        random_state = check_int("random_state", random_state, minimum=0)

    counts = count_windows(
        data,
        time=time,
        windowing=windowing,
        y_true=y_true,
        y_pred=y_pred,
        sensitive=sensitive,
        y_score=y_score,
    )
    if y_score is not None and counts.score_sum is not None:
        _check_scores(counts.score_sum, counts.score_sq, counts.rows, y_score)
    cells = encode(counts, sensitive, pos_label, has_labels)
    tz = _time_zone(data, time)
    return Monitor(
        cells=cells,
        windowing=windowing,
        specs=specs,
        bounds=parsed_bounds,
        reference=reference,
        confidence=confidence,
        level=level,
        tz=tz,
        settings=ReportSettings(
            metrics=_rates(specs),
            intersectional=intersectional,
            min_group_size=min_group_size,
            min_denominator=min_denominator,
            reference=_reference_group(reference_group),
            n_boot=n_boot,
            random_state=random_state,
        ),
        min_labelled=min_labelled,
        composition_threshold=float(composition_threshold),
        names={
            "time": time,
            "y_pred": y_pred,
            "y_true": y_true,
            "y_score": y_score,
        },
    ).run()


def _reference_group(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(value)
    if value is None or isinstance(value, str | tuple | Mapping):
        return value
    return (value,)


def _check_scores(
    total: NDArray[np.float64],
    squares: NDArray[np.float64] | None,
    rows: NDArray[np.int64],
    y_score: str,
) -> None:
    # a score s in [0, 1] has s^2 <= s; the bins say where each score fell
    if squares is not None and ((squares > total + 1e-9 * rows) | (total < 0)).any():
        msg = (
            f"y_score={y_score!r} must hold scores in [0, 1] (probabilities of "
            "the positive class, predict_proba[:, 1])."
        )
        raise fail(msg)


def _time_zone(data: Any, time: str) -> str | None:
    from pytest_fairness.report._frames import is_dask  # noqa: PLC0415

    try:
        import narwhals as nw  # noqa: PLC0415 - optional dataframe support

        frame = nw.from_native(data._meta if is_dask(data) else data)
        dtype = frame.collect_schema()[time]
    except (TypeError, ImportError):  # pragma: no cover - counted above already
        return None
    return getattr(dtype, "time_zone", None)
