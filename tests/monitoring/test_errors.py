"""Bad input gets an error that names the argument and what was expected."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from pytest_fairness import FairnessValueError
from pytest_fairness.monitoring import monitor
from pytest_fairness.monitoring._freq import parse_freq


@pytest.fixture
def log(make_log) -> pd.DataFrame:
    return make_log(n=3_000, days=28, race=False)


def run(log: pd.DataFrame, **kw):
    args = {
        "time": "ts",
        "freq": "W",
        "y_pred": "approved",
        "sensitive_features": "sex",
    }
    args.update(kw)
    return monitor(log, **args)


def test_a_time_column_that_is_not_a_timestamp(log):
    text = log.assign(ts=log["ts"].astype(str))
    with pytest.raises(
        FairnessValueError, match=r"time='ts' must be a timestamp.*pd.to_datetime"
    ):
        run(text)
    numbers = log.assign(ts=log["ts"].astype("int64"))
    with pytest.raises(FairnessValueError, match=r"time='ts' must be a timestamp"):
        run(numbers)


def test_dates_cannot_be_cut_into_hours(log):
    dates = log.assign(ts=log["ts"].dt.date)
    import polars as pl

    frame = pl.from_pandas(dates)
    assert len(run(frame).windows) == 4  # days and weeks work on dates
    with pytest.raises(FairnessValueError, match=r"holds dates.*freq='h'"):
        run(frame, freq="h")


@pytest.mark.parametrize("freq", ["fortnightly", "3X", "", 7])
def test_a_freq_pandas_does_not_parse(log, freq):
    with pytest.raises(FairnessValueError, match=r"freq"):
        run(log, freq=freq)


def test_a_freq_without_calendar_windows(log):
    with pytest.raises(FairnessValueError, match=r"freq='B'.*Supported"):
        run(log, freq="B")


def test_columns_that_do_not_exist(log):
    with pytest.raises(
        FairnessValueError,
        match=r"time='when' is not a column of data; it has \['approved'",
    ):
        run(log, time="when")
    with pytest.raises(FairnessValueError, match=r"y_pred='aproved'.*'approved'"):
        run(log, y_pred="aproved")
    with pytest.raises(FairnessValueError, match=r"sensitive_features='gender'"):
        run(log, sensitive_features=["gender"])
    with pytest.raises(FairnessValueError, match=r"sensitive_features must name"):
        run(log, sensitive_features=[1, 2])


@pytest.mark.parametrize(
    ("reference", "match"),
    [
        (("2024-01-20", "2024-01-01"), r"not sorted: its start 2024-01-20"),
        (
            ("2030-01-01", "2030-02-01"),
            r"holds no window: the windows start from 2024-01-01",
        ),
        (("2023-01-01", "2030-01-01"), r"covers all 4 windows"),
        (0, r"reference=0 must be a number of windows from 1 to 3"),
        (4, r"reference=4 must be a number of windows from 1 to 3"),
        ("january", r"must be None"),
        (("monday", "friday"), r"pair of dates"),
    ],
)
def test_an_unsorted_or_empty_reference_window(log, reference, match):
    with pytest.raises(FairnessValueError, match=match):
        run(log, reference=reference)


def test_a_log_without_rows(log):
    with pytest.raises(FairnessValueError, match=r"data has no rows"):
        run(log.iloc[:0])


def test_a_log_of_one_window(log):
    with pytest.raises(FairnessValueError, match=r"spans one window only"):
        run(log[log["ts"] < "2024-01-03"])


def test_missing_decisions_and_groups(log):
    with pytest.raises(
        FairnessValueError, match=r"y_pred column 'approved' contains 1 missing"
    ):
        run(log.assign(approved=log["approved"].astype(float).where(log.index != 5)))
    with pytest.raises(
        FairnessValueError, match=r"sensitive_features column 'sex' contains 1"
    ):
        run(log.assign(sex=log["sex"].where(log.index != 5)))


def test_settings_are_checked(log):
    with pytest.raises(
        FairnessValueError, match=r"equal_opportunity_difference needs labels"
    ):
        run(log, metrics=["equal_opportunity_difference"])
    with pytest.raises(
        FairnessValueError, match=r"unknown disparity 'demographic_parity'"
    ):
        run(log, metrics=["demographic_parity"])
    with pytest.raises(FairnessValueError, match=r"confidence must be a number"):
        run(log, confidence=95)
    with pytest.raises(FairnessValueError, match=r"min_labelled must be a share"):
        run(log, min_labelled=2)
    with pytest.raises(FairnessValueError, match=r"composition_threshold must be"):
        run(log, composition_threshold=0)
    with pytest.raises(
        FairnessValueError, match=r"y_score='score' must hold scores in \[0, 1\]"
    ):
        run(log.assign(score=log["score"] * 3), y_true="repaid", y_score="score")
    with pytest.raises(FairnessValueError, match=r"data must be a dataframe"):
        run([1, 2, 3])


@pytest.mark.parametrize(
    ("freq", "when", "start"),
    [
        ("D", dt.datetime(2024, 3, 7, 13), dt.datetime(2024, 3, 7)),
        ("W", dt.datetime(2024, 3, 7, 13), dt.datetime(2024, 3, 4)),
        ("W-WED", dt.datetime(2024, 3, 7, 13), dt.datetime(2024, 3, 7)),
        ("MS", dt.datetime(2024, 3, 7), dt.datetime(2024, 3, 1)),
        ("ME", dt.datetime(2024, 3, 31, 23), dt.datetime(2024, 3, 1)),
        ("QS", dt.datetime(2024, 5, 7), dt.datetime(2024, 4, 1)),
        ("QE-JAN", dt.datetime(2024, 5, 7), dt.datetime(2024, 5, 1)),
        ("YS", dt.datetime(2024, 5, 7), dt.datetime(2024, 1, 1)),
        ("6h", dt.datetime(2024, 3, 7, 13, 5), dt.datetime(2024, 3, 7, 12)),
        ("15min", dt.datetime(2024, 3, 7, 13, 20), dt.datetime(2024, 3, 7, 13, 15)),
        ("7D", dt.datetime(1970, 1, 9), dt.datetime(1970, 1, 8)),
    ],
)
def test_windows_follow_the_calendar(freq, when, start):
    w = parse_freq(freq)
    key = w.key_of(when)
    assert w.start(key) == start
    assert w.start(key) <= when < w.start(key + 1)
    if freq in ("W", "W-WED", "MS", "QS"):
        period = pd.Timestamp(when).to_period(
            freq.replace("MS", "M").replace("QS", "Q")
        )
        assert period.start_time == pd.Timestamp(start)
