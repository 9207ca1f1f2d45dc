"""Bounds on causal results (``max_flip_rate=0.01``) and their verdict table.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, ClassVar, Literal

from pytest_fairness._validation import fail, hint_for
from pytest_fairness.exceptions import FairnessGateFailure
from pytest_fairness.gates import Bound
from pytest_fairness.gates._bounds import OPERATORS

__all__ = [
    "CausalBoundResult",
    "CausalGateResult",
    "GatedResult",
    "parse_causal_bounds",
]

Verdict = Literal["passed", "failed", "inconclusive"]
_EXPR = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(<=|>=|<|>)\s*(\S+)\s*$")


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        msg = f"the limit of {where} must be a number. Got {value!r}."
        raise fail(msg)
    if math.isnan(float(value)):
        msg = f"the limit of {where} must be a number. Got NaN."
        raise fail(msg)
    return float(value)


def _resolve(
    name: str,
    metrics: Mapping[str, str],
    aliases: Mapping[str, str],
    given: str | None = None,
) -> str:
    metric = aliases.get(name, name)
    if metric not in metrics:
        names = [*metrics, *aliases]
        keywords = [f"max_{m}" for m in names]
        msg = (
            f"unknown bound {given or name!r}. Bounds on this result: "
            f"{sorted(metrics)!r} (as max_<name>= or min_<name>=)."
            f"{hint_for(given or name, [*names, *keywords])}"
        )
        raise fail(msg)
    return metric


def parse_causal_bounds(
    bounds: Mapping[str, Any] | Iterable[Any] | str,
    metrics: Mapping[str, str],
    aliases: Mapping[str, str] | None = None,
) -> tuple[Bound, ...]:
    """Parse bounds on a causal result.

    Parameters
    ----------
    bounds : mapping, iterable of str, or str
        ``{"max_flip_rate": 0.01}`` (keyword style: ``max_`` is ``<=``,
        ``min_`` is ``>=``), ``{"flip_rate": 0.01}`` (a bare number is an
        upper limit), ``{"flip_rate": ("<", 0.01)}`` or expressions such as
        ``"flip_rate <= 0.01"``.
    metrics : mapping of str to str
        The metrics the result offers, with a description.
    aliases : mapping of str to str, optional
        Other accepted names.

    Returns
    -------
    tuple of Bound
        One bound per entry.

    Raises
    ------
    FairnessValueError
        For an unknown metric (with the closest names), a malformed limit or
        no bounds at all.
    """
    aliases = aliases or {}
    out: list[Bound] = []
    if isinstance(bounds, str):
        bounds = [bounds]
    if isinstance(bounds, Mapping):
        for key, spec in bounds.items():
            name = str(key)
            op = "<="
            known = name in metrics or name in aliases
            if name.startswith("max_") and not known:
                name = name[4:]
            elif name.startswith("min_") and not known:
                name, op = name[4:], ">="
            metric = _resolve(name, metrics, aliases, name if key == name else key)
            if isinstance(spec, tuple | list):
                if len(spec) != 2 or spec[0] not in OPERATORS:
                    msg = (
                        f"the bound on {key!r} must be a number or a pair (op, value) "
                        f"with op one of {sorted(OPERATORS)}. Got {spec!r}."
                    )
                    raise fail(msg)
                out.append(Bound(metric, spec[0], _number(spec[1], repr(key))))
            else:
                out.append(Bound(metric, op, _number(spec, repr(key))))  # type: ignore[arg-type]
    else:
        for expr in bounds:
            match = _EXPR.match(expr) if isinstance(expr, str) else None
            if match is None:
                msg = (
                    f"cannot read the bound {expr!r}: write 'metric <= value' "
                    "(or <, >=, >), or pass keywords such as max_flip_rate=0.01."
                )
                raise fail(msg)
            try:
                limit = float(match.group(3))
            except ValueError:
                limit = math.nan
            metric = _resolve(match.group(1), metrics, aliases)
            out.append(Bound(metric, match.group(2), _number(limit, repr(expr))))  # type: ignore[arg-type]
    if not out:
        msg = (
            f"no bounds given: pass at least one, e.g. max_{next(iter(metrics))}=0.05."
        )
        raise fail(msg)
    return tuple(out)


def _fmt(value: float) -> str:
    return "nan" if math.isnan(value) else f"{value:.4f}"


@dataclass(frozen=True, slots=True)
class CausalBoundResult:
    """The verdict on one bound of a causal result.

    Attributes
    ----------
    bound : Bound
        The bound.
    value : float
        The result's value of the metric.
    verdict : {"passed", "failed", "inconclusive"}
        Inconclusive when the value is NaN or, with ``use_intervals=True``,
        when the interval straddles the limit.
    interval : tuple of float or None
        The value's interval, when the result has one.
    detail : str
        What the value is (e.g. the worst feature or pathway).
    """

    bound: Bound
    value: float
    verdict: Verdict
    interval: tuple[float, float] | None = None
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-friendly dict.

        Returns
        -------
        dict
            The bound, the value (None for NaN), the verdict, the interval and
            the detail.
        """
        return {
            **self.bound.to_dict(),
            "value": None if math.isnan(self.value) else self.value,
            "verdict": self.verdict,
            "interval": None if self.interval is None else list(self.interval),
            "detail": self.detail,
        }


@dataclass(frozen=True, slots=True)
class CausalGateResult:
    """The verdicts on bounds of a causal result; ``bool()`` is True when all pass.

    Attributes
    ----------
    subject : str
        What was gated, e.g. ``"counterfactual flip rate (gender)"``.
    results : tuple of CausalBoundResult
        One verdict per bound.
    """

    subject: str
    results: tuple[CausalBoundResult, ...]

    @property
    def passed(self) -> bool:
        """True when every bound passed."""
        return all(r.verdict == "passed" for r in self.results)

    @property
    def failed(self) -> tuple[CausalBoundResult, ...]:
        """The bounds that failed."""
        return tuple(r for r in self.results if r.verdict == "failed")

    @property
    def verdict(self) -> Verdict:
        """Return ``failed``, else ``inconclusive``, else ``passed``."""
        if self.failed:
            return "failed"
        if any(r.verdict == "inconclusive" for r in self.results):
            return "inconclusive"
        return "passed"

    def __bool__(self) -> bool:
        return self.passed

    def lines(self) -> list[str]:
        """Render the verdicts as lines of text.

        Returns
        -------
        list of str
            A headline and a table: metric, bound, value with interval,
            verdict, detail.
        """
        from tabulate import tabulate  # noqa: PLC0415 - loaded on first use

        n_failed = len(self.failed)
        if self.passed:
            head = f"causal gate passed: {len(self.results)} bound(s) hold"
        else:
            head = (
                f"causal gate {self.verdict}: {n_failed} of {len(self.results)} "
                "bound(s) failed"
            )
        rows = []
        for r in self.results:
            value = _fmt(r.value)
            if r.interval is not None and not any(math.isnan(v) for v in r.interval):
                value += f" [{r.interval[0]:.4f}, {r.interval[1]:.4f}]"
            rows.append(
                [r.bound.metric, str(r.bound), value, r.verdict.upper(), r.detail]
            )
        table = tabulate(
            rows,
            headers=["metric", "bound", "value", "verdict", "detail"],
            tablefmt="simple",
            disable_numparse=True,
        )
        return [head, self.subject, "", *table.splitlines()]

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-friendly dict.

        Returns
        -------
        dict
            The subject, the overall verdict and every bound's result.
        """
        return {
            "subject": self.subject,
            "verdict": self.verdict,
            "results": [r.to_dict() for r in self.results],
        }

    def raise_for_failure(self) -> None:
        """Raise :class:`FairnessGateFailure` unless every bound passed.

        Raises
        ------
        FairnessGateFailure
            With the rendered table as message.
        """
        __tracebackhide__ = True
        if not self.passed:
            raise FairnessGateFailure(str(self), result=self)


class GatedResult:
    """Mixin giving a result ``check`` and ``assert_within`` over its gate metrics.

    Subclasses implement :meth:`gate_metrics` (the metrics with a description,
    all "lower is better") and :meth:`gate_value`.
    """

    __slots__ = ()

    #: Other accepted names of the gate metrics.
    _gate_aliases: ClassVar[Mapping[str, str]] = MappingProxyType({})

    def gate_metrics(self) -> dict[str, str]:
        """Return the metrics a bound can name, with what each measures.

        Returns
        -------
        dict of str to str
            Metric name to description.
        """
        raise NotImplementedError

    def gate_value(
        self, metric: str
    ) -> tuple[float, tuple[float, float] | None, str]:  # pragma: no cover - abstract
        """Return a metric's value, its interval (or None) and a detail text.

        Parameters
        ----------
        metric : str
            One of :meth:`gate_metrics`.

        Returns
        -------
        tuple
            ``(value, interval, detail)``.
        """
        raise NotImplementedError

    def _gate_subject(self) -> str:
        return type(self).__name__

    def gate_values(self) -> dict[str, float]:
        """Return every gate metric's value (for baselines).

        Returns
        -------
        dict of str to float
            Metric name to value; every metric is "lower is better".
        """
        return {m: self.gate_value(m)[0] for m in self.gate_metrics()}

    def check(
        self,
        bounds: Mapping[str, Any] | Iterable[str] | str | None = None,
        /,
        *,
        use_intervals: bool = False,
        **kwargs: Any,
    ) -> CausalGateResult:
        """Evaluate bounds on this result.

        Parameters
        ----------
        bounds : mapping, iterable of str, or str, optional
            Bounds as a mapping (``{"max_flip_rate": 0.01}``) or expressions
            (``"flip_rate <= 0.01"``).
        use_intervals : bool, default=False
            Decide on the interval instead of the point estimate: a bound
            passes when the whole interval satisfies it, fails when the whole
            interval violates it, and is inconclusive otherwise.
        **kwargs
            More bounds as keywords, e.g. ``max_flip_rate=0.01``.

        Returns
        -------
        CausalGateResult
            One verdict per bound.

        Raises
        ------
        FairnessValueError
            For an unknown metric or a malformed limit.
        """
        merged: dict[str, Any] = {}
        parsed: list[Bound] = []
        if isinstance(bounds, Mapping):
            merged.update(bounds)
        elif bounds is not None:
            parsed.extend(
                parse_causal_bounds(bounds, self.gate_metrics(), self._gate_aliases)
            )
        merged.update(kwargs)
        if merged or not parsed:
            parsed.extend(
                parse_causal_bounds(merged, self.gate_metrics(), self._gate_aliases)
            )
        results = []
        for bound in parsed:
            value, interval, detail = self.gate_value(bound.metric)
            verdict: Verdict
            if math.isnan(value):
                verdict = "inconclusive"
            elif use_intervals and interval is not None:
                low_ok, high_ok = bound.holds(interval[0]), bound.holds(interval[1])
                if low_ok and high_ok:
                    verdict = "passed"
                elif not low_ok and not high_ok:
                    verdict = "failed"
                else:
                    verdict = "inconclusive"
            else:
                verdict = "passed" if bound.holds(value) else "failed"
            results.append(CausalBoundResult(bound, value, verdict, interval, detail))
        return CausalGateResult(self._gate_subject(), tuple(results))

    def assert_within(
        self,
        bounds: Mapping[str, Any] | Iterable[str] | str | None = None,
        /,
        *,
        use_intervals: bool = False,
        **kwargs: Any,
    ) -> None:
        """Raise :class:`FairnessGateFailure` unless every bound holds.

        Parameters
        ----------
        bounds : mapping, iterable of str, or str, optional
            Bounds as in :meth:`check`.
        use_intervals : bool, default=False
            Decide on the interval (an inconclusive bound fails).
        **kwargs
            Bounds as keywords, e.g. ``max_flip_rate=0.01``.

        Raises
        ------
        FairnessGateFailure
            With a table of every bound, its value and verdict.
        FairnessValueError
            For an unknown metric or a malformed limit.
        """
        __tracebackhide__ = True
        self.check(bounds, use_intervals=use_intervals, **kwargs).raise_for_failure()
