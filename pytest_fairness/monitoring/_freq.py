"""Windows of time: a pandas frequency as an integer key computed in any engine.

A window's key is a pure function of a row's timestamp, built from calendar
fields every engine narwhals reads offers (year, month, day of the year,
hour, minute, second) with integer arithmetic only, so that DuckDB, Spark,
polars, pyarrow, pandas and Dask compute the same key inside the engine.

Windows of a fixed length (``"D"``, ``"7D"``, ``"h"``, ``"15min"``) are
aligned on the Unix epoch, as polars' ``dt.truncate`` aligns them; weeks
follow their anchor (``"W"`` is ``"W-SUN"``: Monday to Sunday, as pandas
labels them); months, quarters and years follow the calendar. A day
belongs to the same window whatever data a run sees, so a scheduled job
over last week's logs finds the windows of the run before it.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pytest_fairness._validation import fail

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Windowing", "parse_freq"]

#: ``date(1970, 1, 1).toordinal()``
_EPOCH_ORDINAL = 719_163
_DAY_SECONDS = 86_400
_SUPPORTED = (
    "days ('D', '7D'), hours ('h', '6h'), minutes ('15min'), seconds ('30s'), "
    "weeks ('W', 'W-MON', '2W'), months ('MS', 'ME', '3MS'), quarters ('QS', "
    "'QE', 'QS-FEB') and years ('YS', 'YE')"
)
Unit = Literal["second", "day", "week", "month"]


@dataclass(frozen=True, slots=True)
class Windowing:
    """How timestamps fall into windows.

    Attributes
    ----------
    freq : str
        The frequency as given.
    unit : {"second", "day", "week", "month"}
        What the key counts.
    width : int
        Length of a window in that unit (7 days for a week).
    offset : int
        Shift that aligns windows (epoch, week anchor, first month of a
        quarter or year).
    """

    freq: str
    unit: Unit
    width: int
    offset: int

    @property
    def needs_time_of_day(self) -> bool:
        """Whether windows are shorter than a day (a date column cannot say)."""
        return self.unit == "second"

    def key(self, column: str) -> Any:
        """Return the narwhals expression of the window key of ``column``.

        Parameters
        ----------
        column : str
            A datetime (or date) column.

        Returns
        -------
        narwhals.Expr
            An Int64 window number; consecutive windows have consecutive
            numbers.
        """
        import narwhals as nw  # noqa: PLC0415 - optional dataframe support

        t = nw.col(column).dt
        year = t.year().cast(nw.Int64)
        if self.unit == "month":
            months = year * 12 + t.month().cast(nw.Int64) - 1
            return (months - self.offset) // self.width
        y1 = year - 1
        ordinal = (
            y1 * 365 + y1 // 4 - y1 // 100 + y1 // 400 + t.ordinal_day().cast(nw.Int64)
        )
        if self.unit == "second":
            seconds = (
                ordinal * _DAY_SECONDS
                + t.hour().cast(nw.Int64) * 3600
                + t.minute().cast(nw.Int64) * 60
                + t.second().cast(nw.Int64)
            )
            return (seconds - self.offset) // self.width
        return (ordinal - self.offset) // self.width

    def start(self, key: int) -> dt.datetime:
        """Return the first instant of a window.

        Parameters
        ----------
        key : int
            A window number from :meth:`key`.

        Returns
        -------
        datetime.datetime
            Its start (naive, in the column's calendar).
        """
        first = key * self.width + self.offset
        if self.unit == "month":
            year, month = divmod(first, 12)
            return dt.datetime(year, month + 1, 1)
        if self.unit == "second":
            day, second = divmod(first, _DAY_SECONDS)
            base = dt.datetime.fromordinal(day)
            return base + dt.timedelta(seconds=second)
        return dt.datetime.fromordinal(first)

    def key_of(self, when: dt.datetime) -> int:
        """Return the window number of one instant (computed in Python).

        Parameters
        ----------
        when : datetime.datetime
            An instant in the column's calendar.

        Returns
        -------
        int
            The number of the window that holds it.
        """
        if self.unit == "month":
            return (when.year * 12 + when.month - 1 - self.offset) // self.width
        ordinal = when.toordinal()
        if self.unit == "second":
            seconds = (
                ordinal * _DAY_SECONDS
                + when.hour * 3600
                + when.minute * 60
                + when.second
            )
            return (seconds - self.offset) // self.width
        return (ordinal - self.offset) // self.width


def _offset(freq: str) -> Any:
    import pandas as pd  # noqa: PLC0415 - loaded on first use

    try:
        return pd.tseries.frequencies.to_offset(freq)
    except (ValueError, TypeError):
        msg = (
            f"freq={freq!r} is not a frequency pandas understands. Pass an "
            f"offset alias: {_SUPPORTED}."
        )
        raise fail(msg) from None


def parse_freq(freq: object) -> Windowing:
    """Read a pandas frequency string as a windowing.

    Parameters
    ----------
    freq : str
        A pandas offset alias, e.g. ``"D"``, ``"W"``, ``"W-MON"``, ``"MS"``.

    Returns
    -------
    Windowing
        How to compute the window of a timestamp.

    Raises
    ------
    FairnessValueError
        When pandas cannot parse ``freq`` or the offset has no fixed calendar
        meaning (business days, month ends that depend on holidays, ...).

    Examples
    --------
    >>> from pytest_fairness.monitoring._freq import parse_freq
    >>> w = parse_freq("W")
    >>> w.start(w.key_of(__import__("datetime").datetime(2024, 3, 7))).date()
    datetime.date(2024, 3, 4)
    """
    if not isinstance(freq, str) or not freq.strip():
        msg = (
            "freq must be a pandas offset alias such as 'D', 'W' or 'MS'. "
            f"Got {freq!r}."
        )
        raise fail(msg)
    off = _offset(freq)
    import pandas as pd  # noqa: PLC0415 - loaded on first use

    offsets = pd.tseries.offsets
    n = int(off.n)
    if n < 1:
        msg = f"freq={freq!r} must step forward in time (a positive multiple)."
        raise fail(msg)
    name = type(off).__name__
    seconds = {"Day": _DAY_SECONDS, "Hour": 3600, "Minute": 60, "Second": 1}
    if name == "Day":
        return Windowing(freq, "day", n, _EPOCH_ORDINAL % n)
    if name in seconds:
        width = seconds[name] * n
        return Windowing(freq, "second", width, (_EPOCH_ORDINAL * _DAY_SECONDS) % width)
    if isinstance(off, offsets.Week):
        weekday = getattr(off, "weekday", None)
        if weekday is None:
            msg = (
                f"freq={freq!r} is a week without an anchor day; use 'W' (weeks "
                "ending on Sunday), 'W-MON', ... or '7D'."
            )
            raise fail(msg)
        first_weekday = (int(weekday) + 1) % 7  # 0 is Monday; W-SUN starts Monday
        return Windowing(freq, "day", 7 * n, 1 + first_weekday)
    if isinstance(off, offsets.MonthBegin | offsets.MonthEnd):
        return Windowing(freq, "month", n, 0)
    if isinstance(off, offsets.QuarterBegin | offsets.QuarterEnd):
        month = int(getattr(off, "startingMonth", 1))
        if isinstance(off, offsets.QuarterEnd):
            month = month % 12 + 1  # a quarter ending in March starts in April
        return Windowing(freq, "month", 3 * n, (month - 1) % 3)
    if isinstance(off, offsets.YearBegin | offsets.YearEnd):
        month = int(getattr(off, "month", 1))
        if isinstance(off, offsets.YearEnd):
            month = month % 12 + 1
        return Windowing(freq, "month", 12 * n, month - 1)
    msg = (
        f"freq={freq!r} ({name}) has no fixed calendar windows to compute inside "
        f"a dataframe engine. Supported: {_SUPPORTED}."
    )
    raise fail(msg)


def window_label(start: pd.Timestamp, windowing: Windowing) -> str:
    """Return a short label of a window: its first day, or instant.

    Parameters
    ----------
    start : pandas.Timestamp
        The window's start.
    windowing : Windowing
        Its windowing.

    Returns
    -------
    str
        ``"2024-03-04"`` for windows of days or longer, else
        ``"2024-03-04 06:00"``.
    """
    if windowing.unit == "second":
        return start.strftime("%Y-%m-%d %H:%M")
    return start.strftime("%Y-%m-%d")
