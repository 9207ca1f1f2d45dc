"""The reference loan-approval scenario as a structural causal model.

A bank's historical loan decisions, generated from an explicit causal graph so
that the true effect of gender on approval (total, direct and indirect) is
known and can be compared with what an audit or a causal estimator finds.
"""

from __future__ import annotations

import functools
import math
import numbers
from dataclasses import asdict, dataclass, fields
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal, TypeGuard, overload

import numpy as np
import numpy.typing as npt
import pandas as pd

from pytest_fairness.exceptions import FairnessValueError

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "LOAN_DAG_EDGES",
    "LOAN_VARIABLE_ROLES",
    "LoanEffects",
    "loan_effects",
    "make_loan_applications",
]

# ---------------------------------------------------------------------------
# The causal graph, in machine-readable form (also spelled out in the docs).
# ---------------------------------------------------------------------------

#: Directed edges ``(cause, effect)`` of the loan scenario's causal graph.
LOAN_DAG_EDGES: tuple[tuple[str, str], ...] = (
    ("gender", "industry"),
    ("gender", "employment_gap_months"),
    ("gender", "income"),
    ("gender", "approved"),
    ("race", "income"),
    ("industry", "income"),
    ("industry", "approved"),
    ("employment_gap_months", "income"),
    ("employment_gap_months", "approved"),
    ("income", "debt_to_income"),
    ("income", "approved"),
    ("debt_to_income", "approved"),
    ("credit_score", "approved"),
)

#: Role of every column of :func:`make_loan_applications` in the scenario.
LOAN_VARIABLE_ROLES: Mapping[str, str] = MappingProxyType(
    {
        "gender": "protected",
        "race": "protected",
        "industry": "proxy",
        "employment_gap_months": "mediator",
        "income": "mediator",
        "credit_score": "legitimate",
        "debt_to_income": "legitimate",
        "approved": "outcome",
    }
)

# ---------------------------------------------------------------------------
# Structural constants. The defaults of the public parameters were chosen so
# that the historical approval rate is about 76% for men and 58% for women.
# ---------------------------------------------------------------------------

_GENDERS = ("male", "female")

_RACES = ("white", "black", "hispanic", "asian")
_RACE_SHARES = np.array([0.60, 0.13, 0.19, 0.08])
# Log-income offset of each race (multiplied by ``race_income_scale``).
_RACE_LOG_INCOME = np.array([0.0, -0.14, -0.11, 0.06])

_INDUSTRIES = (
    "construction",
    "manufacturing",
    "technology",
    "finance",
    "retail",
    "hospitality",
    "healthcare",
    "education",
)
# Sector mix of men and women at ``industry_segregation=1``.
_INDUSTRY_MIX_MALE = np.array([0.15, 0.17, 0.15, 0.11, 0.13, 0.09, 0.11, 0.09])
_INDUSTRY_MIX_FEMALE = np.array([0.03, 0.08, 0.07, 0.12, 0.16, 0.13, 0.28, 0.13])
# Sector wage premium (log income) and the bank's historical preference for a
# sector (log-odds of approval, e.g. perceived job stability).
_INDUSTRY_LOG_INCOME = np.array([0.05, 0.05, 0.35, 0.30, -0.25, -0.35, 0.05, -0.05])
_INDUSTRY_LOGIT = np.array([-0.10, 0.10, 0.25, 0.30, -0.20, -0.35, 0.00, 0.10])

# Employment gaps: months = round(scale * max(0, E - ln 2)) with E ~ Exp(1).
# Half of the applicants have no gap and the mean is scale / 2.
_GAP_SCALE_MALE = 8.0
_GAP_THRESHOLD = math.log(2.0)

_BASE_INCOME = 58_000.0
_INCOME_SIGMA = 0.45
_GAP_LOG_INCOME = -0.008  # per month of employment gap

_CREDIT_MEAN = 695.0
_CREDIT_SD = 70.0
_CREDIT_MIN = 300.0
_CREDIT_MAX = 850.0

_DTI_BASE = 0.34
_DTI_PER_LOG_INCOME = -0.06
_DTI_SD = 0.09
_DTI_MIN = 0.02
_DTI_MAX = 0.80

# Historical decision rule (log-odds of approval).
_INTERCEPT = 1.715
_COEF_CREDIT = 1.1  # per standard deviation of credit score
_COEF_DTI = -0.7  # per 0.09 of debt-to-income
_COEF_LOG_INCOME = 0.6
_COEF_GAP = -0.03  # per month of employment gap

# Internal population for the causal effects (fixed, so effects are exact
# functions of the parameters).
_EFFECTS_SEED = 20_240_917
_EFFECTS_N = 500_000


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LoanEffects:
    r"""True causal effects of gender on approval in the loan scenario.

    All effects compare women with men (female minus male) on the probability
    scale, so a negative value means women are approved less often. They are
    population quantities of the structural causal model, not estimates from
    a sample.

    Attributes
    ----------
    total : float
        Total effect, :math:`E[Y(f, M(f))] - E[Y(m, M(m))]`: the change in the
        approval probability when gender is switched from male to female and
        everything it causes follows.
    direct : float
        Natural direct effect with the mediators held at their male values,
        :math:`E[Y(f, M(m))] - E[Y(m, M(m))]`: what the decision rule's own
        use of gender contributes.
    indirect : float
        Natural indirect effect with the direct path set to female,
        :math:`E[Y(f, M(f))] - E[Y(f, M(m))]`: what moving income, employment
        gaps and industry (and debt-to-income, through income) to their
        female values contributes.
    pure_indirect : float
        Natural indirect effect with the direct path set to male,
        :math:`E[Y(m, M(f))] - E[Y(m, M(m))]`. It differs from ``indirect``
        by the interaction of the two paths (the logistic link is not
        additive on the probability scale).
    male_rate : float
        Approval probability when everyone is male, :math:`E[Y(m, M(m))]`.
        Gender is exogenous, so this is also the observed rate of men.
    female_rate : float
        Approval probability when everyone is female, :math:`E[Y(f, M(f))]`.
    n_simulations : int
        Size of the simulated population behind the values.

    See Also
    --------
    loan_effects : Compute the effects for given scenario parameters.
    make_loan_applications : Draw a sample from the same model.

    Notes
    -----
    The decomposition ``total = direct + indirect`` holds exactly (up to
    floating-point rounding), because the two terms telescope through
    :math:`E[Y(f, M(m))]`. The alternative split
    ``total = (total - pure_indirect) + pure_indirect`` also holds by
    construction, with a direct effect taken at the female mediators.

    Examples
    --------
    >>> from pytest_fairness.datasets import loan_effects
    >>> effects = loan_effects()
    >>> round(effects.total, 2)
    -0.18
    >>> abs(effects.total - (effects.direct + effects.indirect)) < 1e-12
    True
    """

    total: float
    direct: float
    indirect: float
    pure_indirect: float
    male_rate: float
    female_rate: float
    n_simulations: int

    def to_dict(self) -> dict[str, float | int]:
        """Return the effects as a plain dictionary.

        Returns
        -------
        dict of str to float or int
            One entry per field, in declaration order.

        Examples
        --------
        >>> from pytest_fairness.datasets import loan_effects
        >>> sorted(loan_effects().to_dict())[:3]
        ['direct', 'female_rate', 'indirect']
        """
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, float | int]) -> LoanEffects:
        """Build effects from the output of :meth:`to_dict`.

        Parameters
        ----------
        data : mapping of str to float or int
            Exactly the fields of :class:`LoanEffects`.

        Returns
        -------
        LoanEffects
            The effects described by ``data``.

        Raises
        ------
        FairnessValueError
            If a field is missing or an unknown key is present.

        Examples
        --------
        >>> from pytest_fairness.datasets import LoanEffects, loan_effects
        >>> effects = loan_effects()
        >>> LoanEffects.from_dict(effects.to_dict()) == effects
        True
        """
        expected = [f.name for f in fields(cls)]
        missing = [name for name in expected if name not in data]
        unknown = sorted(set(data) - set(expected))
        if missing or unknown:
            msg = (
                f"LoanEffects.from_dict needs exactly the keys {expected!r}. "
                f"Missing {missing!r}, unknown {unknown!r}."
            )
            raise FairnessValueError(msg)
        return cls(
            total=float(data["total"]),
            direct=float(data["direct"]),
            indirect=float(data["indirect"]),
            pure_indirect=float(data["pure_indirect"]),
            male_rate=float(data["male_rate"]),
            female_rate=float(data["female_rate"]),
            n_simulations=int(data["n_simulations"]),
        )


# ---------------------------------------------------------------------------
# Argument checks
# ---------------------------------------------------------------------------


def _is_int(value: object) -> TypeGuard[numbers.Integral]:
    if isinstance(value, bool):
        return False
    return isinstance(value, numbers.Integral)


def _is_finite(value: object) -> TypeGuard[numbers.Real]:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return False
    return math.isfinite(float(value))


def _check_count(func: str, name: str, value: object) -> int:
    if not _is_int(value) or int(value) < 1:
        msg = f"The {name!r} argument of {func} must be a positive int. Got {value!r}."
        raise FairnessValueError(msg)
    return int(value)


def _check_real(
    func: str,
    name: str,
    value: object,
    *,
    low: float = -math.inf,
    high: float = math.inf,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    if _is_finite(value):
        number = float(value)
        above = number > low if low_open else number >= low
        below = number < high if high_open else number <= high
        if above and below:
            return number
    if math.isinf(low) and math.isinf(high):
        expected = "a finite real number"
    else:
        left = "(" if low_open else "["
        right = ")" if high_open else "]"
        lo = "-inf" if math.isinf(low) else f"{low:g}"
        hi = "inf" if math.isinf(high) else f"{high:g}"
        expected = f"a real number in {left}{lo}, {hi}{right}"
    msg = f"The {name!r} argument of {func} must be {expected}. Got {value!r}."
    raise FairnessValueError(msg)


def _check_bool(func: str, name: str, value: object) -> bool:
    if not isinstance(value, bool | np.bool_):
        msg = f"The {name!r} argument of {func} must be True or False. Got {value!r}."
        raise FairnessValueError(msg)
    return bool(value)


def _check_random_state(func: str, value: object) -> np.random.Generator:
    if isinstance(value, np.random.Generator):
        return value
    if value is None:
        return np.random.default_rng()
    if _is_int(value) and int(value) >= 0:
        return np.random.default_rng(int(value))
    msg = (
        f"The 'random_state' argument of {func} must be a non-negative int, "
        f"a numpy.random.Generator or None. Got {value!r}."
    )
    raise FairnessValueError(msg)


@dataclass(frozen=True, slots=True)
class _Params:
    """Validated structural parameters (hashable, for caching the effects)."""

    female_share: float
    gender_direct_effect: float
    gender_pay_gap: float
    gender_employment_gap: float
    industry_segregation: float
    race_income_scale: float


def _checked_params(
    func: str,
    *,
    female_share: object,
    gender_direct_effect: object,
    gender_pay_gap: object,
    gender_employment_gap: object,
    industry_segregation: object,
    race_income_scale: object,
) -> _Params:
    """Validate the public arguments of ``func`` and bundle them."""
    return _Params(
        female_share=_check_real(
            func,
            "female_share",
            female_share,
            low=0.0,
            high=1.0,
            low_open=True,
            high_open=True,
        ),
        gender_direct_effect=_check_real(
            func, "gender_direct_effect", gender_direct_effect
        ),
        gender_pay_gap=_check_real(func, "gender_pay_gap", gender_pay_gap),
        gender_employment_gap=_check_real(
            func, "gender_employment_gap", gender_employment_gap, low=0.0
        ),
        industry_segregation=_check_real(
            func, "industry_segregation", industry_segregation, low=0.0, high=1.0
        ),
        race_income_scale=_check_real(
            func, "race_income_scale", race_income_scale, low=0.0
        ),
    )


# ---------------------------------------------------------------------------
# Structural equations
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Noise:
    """Exogenous noise of every structural equation (one value per unit)."""

    gender: npt.NDArray[np.float64]
    race: npt.NDArray[np.float64]
    industry: npt.NDArray[np.float64]
    gap: npt.NDArray[np.float64]
    income: npt.NDArray[np.float64]
    credit: npt.NDArray[np.float64]
    dti: npt.NDArray[np.float64]
    approved: npt.NDArray[np.float64]


def _draw_noise(rng: np.random.Generator, n: int) -> _Noise:
    """Draw the noise of ``n`` units (the order of draws is fixed)."""
    return _Noise(
        gender=rng.random(n),
        race=rng.random(n),
        industry=rng.random(n),
        gap=rng.standard_exponential(n),
        income=rng.standard_normal(n),
        credit=rng.standard_normal(n),
        dti=rng.standard_normal(n),
        approved=rng.random(n),
    )


@dataclass(frozen=True, slots=True)
class _Mediators:
    """Descendants of gender other than the outcome."""

    industry: npt.NDArray[np.intp]
    gap: npt.NDArray[np.float64]
    income: npt.NDArray[np.float64]
    dti: npt.NDArray[np.float64]


def _race_codes(noise: _Noise) -> npt.NDArray[np.intp]:
    edges = np.cumsum(_RACE_SHARES)[:-1]
    return np.searchsorted(edges, noise.race, side="right")


def _credit_score(noise: _Noise) -> npt.NDArray[np.float64]:
    raw = _CREDIT_MEAN + _CREDIT_SD * noise.credit
    return np.rint(np.clip(raw, _CREDIT_MIN, _CREDIT_MAX))


def _mediators(
    params: _Params,
    noise: _Noise,
    race: npt.NDArray[np.intp],
    female: npt.NDArray[np.bool_],
) -> _Mediators:
    """Evaluate industry, employment gap, income and DTI for a given gender."""
    average = (_INDUSTRY_MIX_MALE + _INDUSTRY_MIX_FEMALE) / 2.0
    s = params.industry_segregation
    edges_male = np.cumsum(average + s * (_INDUSTRY_MIX_MALE - average))[:-1]
    edges_female = np.cumsum(average + s * (_INDUSTRY_MIX_FEMALE - average))[:-1]
    industry = np.where(
        female,
        np.searchsorted(edges_female, noise.industry, side="right"),
        np.searchsorted(edges_male, noise.industry, side="right"),
    )

    scale = _GAP_SCALE_MALE + 2.0 * params.gender_employment_gap * female
    gap = np.rint(scale * np.maximum(noise.gap - _GAP_THRESHOLD, 0.0))

    log_income = (
        math.log(_BASE_INCOME)
        + _INDUSTRY_LOG_INCOME[industry]
        + params.race_income_scale * _RACE_LOG_INCOME[race]
        - params.gender_pay_gap * female
        + _GAP_LOG_INCOME * gap
        + _INCOME_SIGMA * noise.income
    )
    income = np.round(np.exp(log_income), -2)

    dti_raw = (
        _DTI_BASE
        + _DTI_PER_LOG_INCOME * np.log(income / _BASE_INCOME)
        + _DTI_SD * noise.dti
    )
    dti = np.round(np.clip(dti_raw, _DTI_MIN, _DTI_MAX), 3)
    return _Mediators(industry=industry, gap=gap, income=income, dti=dti)


def _approval_probability(
    params: _Params,
    credit: npt.NDArray[np.float64],
    mediators: _Mediators,
    female: npt.NDArray[np.bool_] | bool,
) -> npt.NDArray[np.float64]:
    """Probability of a historical approval (``female`` drives the direct path)."""
    logit = (
        _INTERCEPT
        + _COEF_CREDIT * (credit - _CREDIT_MEAN) / _CREDIT_SD
        + _COEF_DTI * (mediators.dti - _DTI_BASE) / _DTI_SD
        + _COEF_LOG_INCOME * np.log(mediators.income / _BASE_INCOME)
        + _COEF_GAP * mediators.gap
        + _INDUSTRY_LOGIT[mediators.industry]
        + params.gender_direct_effect * np.asarray(female, dtype=np.float64)
    )
    result: npt.NDArray[np.float64] = 1.0 / (1.0 + np.exp(-logit))
    return result


@functools.lru_cache(maxsize=32)
def _effects(params: _Params, n_simulations: int) -> LoanEffects:
    noise = _draw_noise(np.random.default_rng(_EFFECTS_SEED), n_simulations)
    race = _race_codes(noise)
    credit = _credit_score(noise)
    as_male = _mediators(params, noise, race, np.zeros(n_simulations, dtype=bool))
    as_female = _mediators(params, noise, race, np.ones(n_simulations, dtype=bool))
    # E[Y(d, M(m))] for the direct-path gender d and mediator gender m; the
    # outcome noise is integrated out exactly by using the probability.
    y_mm = float(np.mean(_approval_probability(params, credit, as_male, False)))
    y_fm = float(np.mean(_approval_probability(params, credit, as_male, True)))
    y_mf = float(np.mean(_approval_probability(params, credit, as_female, False)))
    y_ff = float(np.mean(_approval_probability(params, credit, as_female, True)))
    return LoanEffects(
        total=y_ff - y_mm,
        direct=y_fm - y_mm,
        indirect=y_ff - y_fm,
        pure_indirect=y_mf - y_mm,
        male_rate=y_mm,
        female_rate=y_ff,
        n_simulations=n_simulations,
    )


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------


def loan_effects(
    *,
    female_share: float = 0.5,
    gender_direct_effect: float = -0.6,
    gender_pay_gap: float = 0.12,
    gender_employment_gap: float = 9.0,
    industry_segregation: float = 1.0,
    race_income_scale: float = 1.0,
    n_simulations: int = _EFFECTS_N,
) -> LoanEffects:
    r"""Return the true causal effects of gender on approval in the loan scenario.

    Parameters
    ----------
    female_share : float, default=0.5
        Probability that an applicant is a woman, in (0, 1). It does not
        change the effects (gender is intervened on) and is accepted so that
        the same parameters can be passed here and to
        :func:`make_loan_applications`.
    gender_direct_effect : float, default=-0.6
        Change in the log-odds of approval for a woman compared with a man
        with the same income, employment gap, industry, credit score and
        debt-to-income. ``0`` removes the direct path.
    gender_pay_gap : float, default=0.12
        Reduction of a woman's log income compared with a man in the same
        industry, race and employment gap.
    gender_employment_gap : float, default=9.0
        Extra expected months of employment gaps for women, ``>= 0``.
    industry_segregation : float, default=1.0
        How much the sector mix differs by gender, in [0, 1].
    race_income_scale : float, default=1.0
        Multiplier, ``>= 0``, of the log-income offsets by race.
    n_simulations : int, default=500_000
        Size of the simulated population. The Monte Carlo error of each
        effect is of order ``0.1 / sqrt(n_simulations)``.

    Returns
    -------
    LoanEffects
        Total, natural direct and natural indirect effects of being a woman
        rather than a man on the approval probability, with the approval
        rates under each intervention.

    Raises
    ------
    FairnessValueError
        If a parameter is not a finite number in its allowed range or
        ``n_simulations`` is not a positive int.

    See Also
    --------
    make_loan_applications : Sample applications from the same model.
    LoanEffects : Definitions of the effects.

    Notes
    -----
    The effects are computed from the structural equations, not estimated
    from data. A population of ``n_simulations`` applicants is drawn once
    from a fixed seed, so the result is deterministic. Every applicant keeps
    the same exogenous noise (common random numbers) while gender is set by
    intervention, separately for the direct path and for the mediators
    (industry, employment gap, income, and debt-to-income through income).
    This yields the four nested counterfactual means
    :math:`E[Y(d, M(m))]` for :math:`d, m \in \{male, female\}`. The noise
    of the outcome itself is integrated out exactly by averaging the
    approval probability instead of sampled decisions, which removes most
    of the Monte Carlo error.

    With :math:`f` for female and :math:`m` for male::

        total    = E[Y(f, M(f))] - E[Y(m, M(m))]
        direct   = E[Y(f, M(m))] - E[Y(m, M(m))]
        indirect = E[Y(f, M(f))] - E[Y(f, M(m))]

    so ``total == direct + indirect`` exactly. Results are cached per
    parameter set.

    Examples
    --------
    >>> from pytest_fairness.datasets import loan_effects
    >>> effects = loan_effects()
    >>> round(effects.male_rate, 2), round(effects.female_rate, 2)
    (0.76, 0.58)
    >>> loan_effects(gender_direct_effect=0.0).direct
    0.0
    """
    func = "loan_effects"
    params = _checked_params(
        func,
        female_share=female_share,
        gender_direct_effect=gender_direct_effect,
        gender_pay_gap=gender_pay_gap,
        gender_employment_gap=gender_employment_gap,
        industry_segregation=industry_segregation,
        race_income_scale=race_income_scale,
    )
    return _effects(params, _check_count(func, "n_simulations", n_simulations))


_Arrays = dict[str, npt.NDArray[Any]]


@overload
def make_loan_applications(  # numpydoc ignore=GL08
    n: int = ...,
    *,
    random_state: int | np.random.Generator | None = ...,
    female_share: float = ...,
    gender_direct_effect: float = ...,
    gender_pay_gap: float = ...,
    gender_employment_gap: float = ...,
    industry_segregation: float = ...,
    race_income_scale: float = ...,
    as_frame: Literal[True] = ...,
    return_effects: Literal[False] = ...,
) -> pd.DataFrame: ...


@overload
def make_loan_applications(  # numpydoc ignore=GL08
    n: int = ...,
    *,
    random_state: int | np.random.Generator | None = ...,
    female_share: float = ...,
    gender_direct_effect: float = ...,
    gender_pay_gap: float = ...,
    gender_employment_gap: float = ...,
    industry_segregation: float = ...,
    race_income_scale: float = ...,
    as_frame: Literal[False],
    return_effects: Literal[False] = ...,
) -> _Arrays: ...


@overload
def make_loan_applications(  # numpydoc ignore=GL08
    n: int = ...,
    *,
    random_state: int | np.random.Generator | None = ...,
    female_share: float = ...,
    gender_direct_effect: float = ...,
    gender_pay_gap: float = ...,
    gender_employment_gap: float = ...,
    industry_segregation: float = ...,
    race_income_scale: float = ...,
    as_frame: Literal[True] = ...,
    return_effects: Literal[True],
) -> tuple[pd.DataFrame, LoanEffects]: ...


@overload
def make_loan_applications(  # numpydoc ignore=GL08
    n: int = ...,
    *,
    random_state: int | np.random.Generator | None = ...,
    female_share: float = ...,
    gender_direct_effect: float = ...,
    gender_pay_gap: float = ...,
    gender_employment_gap: float = ...,
    industry_segregation: float = ...,
    race_income_scale: float = ...,
    as_frame: Literal[False],
    return_effects: Literal[True],
) -> tuple[_Arrays, LoanEffects]: ...


@overload
def make_loan_applications(  # numpydoc ignore=GL08
    n: int = ...,
    *,
    random_state: int | np.random.Generator | None = ...,
    female_share: float = ...,
    gender_direct_effect: float = ...,
    gender_pay_gap: float = ...,
    gender_employment_gap: float = ...,
    industry_segregation: float = ...,
    race_income_scale: float = ...,
    as_frame: bool = ...,
    return_effects: bool = ...,
) -> (
    pd.DataFrame
    | _Arrays
    | tuple[pd.DataFrame, LoanEffects]
    | tuple[_Arrays, LoanEffects]
): ...


def make_loan_applications(
    n: int = 10_000,
    *,
    random_state: int | np.random.Generator | None = 0,
    female_share: float = 0.5,
    gender_direct_effect: float = -0.6,
    gender_pay_gap: float = 0.12,
    gender_employment_gap: float = 9.0,
    industry_segregation: float = 1.0,
    race_income_scale: float = 1.0,
    as_frame: bool = True,
    return_effects: bool = False,
) -> (
    pd.DataFrame
    | _Arrays
    | tuple[pd.DataFrame, LoanEffects]
    | tuple[_Arrays, LoanEffects]
):
    """Generate a bank's historical loan decisions from a structural causal model.

    The reference scenario of pytest-fairness: with the defaults, men are
    approved about 76% of the time and women about 58%. Part of the gap is
    the decision rule's direct use of gender, the rest flows through income,
    employment gaps and the applicant's industry, while credit score and
    debt-to-income are legitimate predictors of repayment. Race lowers or
    raises income, so gender × race intersections differ as well.

    Parameters
    ----------
    n : int, default=10_000
        Number of applications, a positive int.
    random_state : int, numpy.random.Generator or None, default=0
        Seed of :func:`numpy.random.default_rng`. The same seed and
        parameters give the same data; ``None`` draws fresh entropy.
    female_share : float, default=0.5
        Probability that an applicant is a woman, in (0, 1).
    gender_direct_effect : float, default=-0.6
        Change in the log-odds of approval for a woman compared with a man
        with the same income, employment gap, industry, credit score and
        debt-to-income: the direct discrimination in the historical
        decisions. ``0`` removes the direct path.
    gender_pay_gap : float, default=0.12
        Reduction of a woman's log income compared with a man in the same
        industry, race and employment gap (``0.12`` is about 11% less).
    gender_employment_gap : float, default=9.0
        Extra expected months of employment gaps for women, ``>= 0``. Men
        have 4 months on average and half of the applicants have none.
    industry_segregation : float, default=1.0
        How much the sector mix differs by gender, in [0, 1]: ``1`` is the
        built-in mix (women concentrated in healthcare, education, retail
        and hospitality), ``0`` gives both genders the average mix.
    race_income_scale : float, default=1.0
        Multiplier, ``>= 0``, of the built-in log-income offsets by race
        (black -0.14, hispanic -0.11, asian +0.06, white 0).
    as_frame : bool, default=True
        Return a :class:`pandas.DataFrame`; otherwise a dict of numpy arrays
        with the same keys as the frame's columns.
    return_effects : bool, default=False
        Also return the true causal effects of gender on approval, as
        computed by :func:`loan_effects` with the same parameters.

    Returns
    -------
    data : pandas.DataFrame or dict of str to numpy.ndarray
        One row per application with the columns below (strings are
        ``str`` columns in the frame and unicode arrays in the dict).

        - ``gender`` (protected): ``"male"`` or ``"female"``.
        - ``race`` (protected): ``"white"`` (60%), ``"black"`` (13%),
          ``"hispanic"`` (19%) or ``"asian"`` (8%), independent of gender.
        - ``industry`` (proxy): sector of employment, one of
          ``"construction"``, ``"manufacturing"``, ``"technology"``,
          ``"finance"``, ``"retail"``, ``"hospitality"``, ``"healthcare"``,
          ``"education"``.
        - ``employment_gap_months`` (mediator): months without employment
          (int).
        - ``income`` (mediator): annual income in dollars, rounded to the
          nearest 100 (float).
        - ``credit_score`` (legitimate): 300 to 850 (int).
        - ``debt_to_income`` (legitimate): debt payments over income, 0.02
          to 0.80, three decimals (float).
        - ``approved`` (outcome): 1 if the bank approved the loan, else 0
          (int).
    effects : LoanEffects
        Only when ``return_effects=True``: total, direct and indirect effect
        of being a woman on the approval probability.

    Raises
    ------
    FairnessValueError
        If ``n`` is not a positive int, ``random_state`` is not a
        non-negative int, a generator or None, a scenario parameter is not a
        finite number in its range, or a flag is not a bool.

    See Also
    --------
    loan_effects : The true causal effects for a parameter set.
    LOAN_DAG_EDGES : The causal graph as ``(cause, effect)`` pairs.
    LOAN_VARIABLE_ROLES : The role of every column.

    Notes
    -----
    The causal graph, as ``cause -> effect`` edges (also in
    ``LOAN_DAG_EDGES``):

    * gender -> industry, gender -> employment_gap_months,
      gender -> income, gender -> approved (direct discrimination);
    * race -> income;
    * industry -> income, industry -> approved;
    * employment_gap_months -> income, employment_gap_months -> approved;
    * income -> debt_to_income, income -> approved;
    * debt_to_income -> approved, credit_score -> approved.

    Roles, for causal tooling (also in ``LOAN_VARIABLE_ROLES``):

    * protected: ``gender``, ``race`` (race acts on approval only through
      income; the bank's rule does not use it).
    * mediators: ``income`` and ``employment_gap_months`` carry part of the
      effect of gender.
    * proxy: ``industry`` is caused by gender and so strongly associated
      with it that it reveals gender; it also acts on income and approval.
    * legitimate: ``credit_score`` (independent of gender and race) and
      ``debt_to_income`` (the lender's affordability criterion; it depends
      on income, so the path gender -> income -> debt_to_income belongs to
      the indirect effect).
    * outcome: ``approved``, drawn from a logistic model of credit score,
      debt-to-income, log income, employment gap, industry and gender.

    The structural equations use only vectorised draws from
    ``numpy.random.default_rng(random_state)``. Gender is Bernoulli
    (``female_share``); race is drawn independently of gender; the industry
    comes from the gender-specific sector mix; employment gaps are zero for
    half of the applicants and exponential otherwise; log income is normal
    around a sector, race, gender and gap dependent mean; the credit score is
    an independent clipped normal; debt-to-income falls with log income.

    Examples
    --------
    >>> from pytest_fairness.datasets import make_loan_applications
    >>> df = make_loan_applications(2_000, random_state=0)
    >>> df.shape
    (2000, 8)
    >>> list(df.columns)  # doctest: +NORMALIZE_WHITESPACE
    ['gender', 'race', 'industry', 'employment_gap_months', 'income',
     'credit_score', 'debt_to_income', 'approved']
    >>> rates = df.groupby("gender")["approved"].mean()
    >>> bool(rates["male"] > rates["female"])
    True
    >>> data, effects = make_loan_applications(
    ...     100, as_frame=False, return_effects=True
    ... )
    >>> sorted(data) == sorted(df.columns)
    True
    >>> round(effects.total, 2)
    -0.18
    """
    func = "make_loan_applications"
    size = _check_count(func, "n", n)
    rng = _check_random_state(func, random_state)
    params = _checked_params(
        func,
        female_share=female_share,
        gender_direct_effect=gender_direct_effect,
        gender_pay_gap=gender_pay_gap,
        gender_employment_gap=gender_employment_gap,
        industry_segregation=industry_segregation,
        race_income_scale=race_income_scale,
    )
    frame_wanted = _check_bool(func, "as_frame", as_frame)
    effects_wanted = _check_bool(func, "return_effects", return_effects)

    noise = _draw_noise(rng, size)
    female = noise.gender < params.female_share
    race = _race_codes(noise)
    credit = _credit_score(noise)
    mediators = _mediators(params, noise, race, female)
    probability = _approval_probability(params, credit, mediators, female)
    approved = (noise.approved < probability).astype(np.int64)

    data: _Arrays = {
        "gender": np.asarray(_GENDERS)[female.astype(np.intp)],
        "race": np.asarray(_RACES)[race],
        "industry": np.asarray(_INDUSTRIES)[mediators.industry],
        "employment_gap_months": mediators.gap.astype(np.int64),
        "income": mediators.income,
        "credit_score": credit.astype(np.int64),
        "debt_to_income": mediators.dti,
        "approved": approved,
    }
    effects = _effects(params, _EFFECTS_N) if effects_wanted else None
    if frame_wanted:
        frame = pd.DataFrame(data)
        return frame if effects is None else (frame, effects)
    return data if effects is None else (data, effects)
