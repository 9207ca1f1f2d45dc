"""Group labels of every type audit accepts survive to_json / from_json."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import json
import math
import subprocess
import sys
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import pytest_fairness as pf
from pytest_fairness._labels import (
    check_labels,
    decode_group,
    decode_label,
    encode_group,
    encode_label,
    unsupported_label,
)

N = 40
Y = np.tile([0, 1, 1, 0], N // 4)
P = np.tile([0, 1, 0, 1], N // 4)


def _json(value: Any) -> Any:
    """Through JSON text, as a file would hold it (no NaN, no inf)."""
    return json.loads(json.dumps(value, allow_nan=False, sort_keys=True))


# -- the encoding ------------------------------------------------------------

ZONES = [
    dt.UTC,
    dt.timezone(dt.timedelta(hours=5, minutes=30)),
    ZoneInfo("Europe/Paris"),
    ZoneInfo("America/New_York"),
]

plain = st.one_of(
    st.text(),
    st.integers(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
)
stdlib = st.one_of(
    st.binary(),
    st.dates(),
    st.datetimes(),
    st.datetimes(timezones=st.sampled_from(ZONES), allow_imaginary=False),
    st.times(),
    st.timedeltas(),
    st.decimals(allow_nan=False),
)
pandas_scalars = st.one_of(
    st.builds(
        lambda d, ns: pd.Timestamp(d) + pd.Timedelta(ns, unit="ns"),
        st.datetimes(
            min_value=dt.datetime(1700, 1, 1), max_value=dt.datetime(2200, 1, 1)
        ),
        st.integers(0, 999),
    ),
    st.builds(
        lambda d, tz: pd.Timestamp(d).tz_localize(tz),
        st.datetimes(
            min_value=dt.datetime(1970, 1, 2), max_value=dt.datetime(2100, 1, 1)
        ),
        st.sampled_from(["UTC", "Asia/Kolkata"]),
    ),
    st.builds(
        lambda ns: pd.Timedelta(ns, unit="ns"),
        st.integers(-(10**17), 10**17),
    ),
    st.builds(
        lambda a, b, closed: pd.Interval(min(a, b), max(a, b), closed=closed),
        st.integers(-100, 100) | st.floats(-1e6, 1e6, allow_nan=False),
        st.integers(-100, 100) | st.floats(-1e6, 1e6, allow_nan=False),
        st.sampled_from(["left", "right", "both", "neither"]),
    ),
    st.builds(
        pd.Period,
        st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 1, 1)),
        freq=st.sampled_from(["D", "M", "Q-DEC", "Y-DEC"]),
    ),
)
numpy_scalars = st.one_of(
    st.integers(-(2**63), 2**63 - 1).map(np.int64),
    st.integers(0, 255).map(np.uint8),
    st.floats(allow_nan=False).map(np.float64),
    st.booleans().map(np.bool_),
    st.text().map(np.str_),
)
scalars = st.one_of(plain, stdlib, pandas_scalars, numpy_scalars)
containers = st.one_of(
    st.lists(scalars, max_size=3).map(tuple),
    st.frozensets(scalars, max_size=3),
)
labels = st.one_of(scalars, containers, st.tuples(containers, scalars))


def _python_type(value: Any) -> type:
    """The type a label comes back as: numpy scalars as Python scalars."""
    if isinstance(value, np.generic):
        return type(value.item())
    return type(value)


@given(labels)
def test_every_supported_label_round_trips_through_json(label):
    back = decode_label(_json(encode_label(label)))
    assert back == label
    assert hash(back) == hash(label)
    assert type(back) is _python_type(label)


@given(
    st.floats(allow_nan=False, allow_infinity=False)
    | st.integers()
    | st.text()
    | st.booleans()
)
def test_plain_json_values_stay_plain(value):
    assert encode_label(value) == value
    assert type(encode_label(value)) is type(value)


@pytest.mark.parametrize(
    ("label", "encoded"),
    [
        (math.inf, {"$float": "inf"}),
        (-math.inf, {"$float": "-inf"}),
        (b"ab", {"$bytes": "YWI="}),
        (dt.date(2024, 5, 1), {"$date": "2024-05-01"}),
        (dt.datetime(2024, 5, 1, 10), {"$datetime": "2024-05-01T10:00:00"}),
        (dt.time(10, 30), {"$time": "10:30:00"}),
        (dt.timedelta(days=1, seconds=2, microseconds=3), {"$timedelta": [1, 2, 3]}),
        (decimal.Decimal("1.50"), {"$decimal": "1.50"}),
        ((1, "a"), {"$tuple": [1, "a"]}),
        (frozenset({"b", "a"}), {"$frozenset": ["a", "b"]}),
        (pd.Timestamp("2024-05-01"), {"$pandas.Timestamp": "2024-05-01T00:00:00"}),
        (pd.Interval(0, 5), {"$pandas.Interval": [0, 5, "right"]}),
        (pd.Period("2024-05", freq="M"), {"$pandas.Period": ["2024-05", "M"]}),
        (np.int64(3), 3),
        (np.datetime64("2024-05-01"), {"$pandas.Timestamp": "2024-05-01T00:00:00"}),
    ],
)
def test_tagged_forms_are_readable(label, encoded):
    assert encode_label(label) == encoded


def test_nan_float_round_trips_as_nan():
    assert math.isnan(decode_label(_json(encode_label(math.nan))))


def test_subclasses_come_back_as_the_base_type():
    class Colour(enum.StrEnum):
        RED = "red"

    back = decode_label(_json(encode_label(Colour.RED)))
    assert back == Colour.RED
    assert type(back) is str


@pytest.mark.parametrize("value", [[1, 2], {"a": 1}, {1, 2}, 1j, object(), pd.NaT])
def test_unsupported_labels_are_refused_with_the_supported_list(value):
    with pytest.raises(pf.FairnessValueError, match=r"cannot be written to JSON"):
        encode_label(value)
    problem = unsupported_label(value)
    assert problem is not None
    assert "Supported label types: str, int" in problem
    with pytest.raises(pf.FairnessValueError, match=r"holds values of type"):
        check_labels(["ok", value], "sensitive feature 'x'")


@pytest.mark.parametrize(
    "data",
    [{"$nope": 1}, {"a": 1}, {"$float": "big"}, {"$bytes": "!!"}, {"$date": 3}],
)
def test_malformed_encodings_are_refused(data):
    with pytest.raises(pf.FairnessValueError, match=r"malformed group label"):
        decode_label(data)


def test_bare_lists_are_read_as_tuples():
    # what to_dict wrote for tuple labels before they were tagged
    assert decode_group([["a", 1], "b"]) == (("a", 1), "b")
    assert encode_group((("a", 1), "b")) == [{"$tuple": ["a", 1]}, "b"]


def test_the_module_imports_neither_numpy_nor_pandas():
    code = (
        "import sys, pytest_fairness._labels as L\n"
        "L.decode_label(L.encode_label((b'x', 1.5)))\n"
        "print(sorted(m for m in ('numpy', 'pandas') if m in sys.modules))\n"
    )
    out = subprocess.run(  # noqa: S603 - the test's own interpreter
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


# -- reports -----------------------------------------------------------------


def _column(a: Any, b: Any) -> np.ndarray:
    out = np.empty(N, dtype=object)
    for i in range(N):
        out[i] = a if i % 2 else b
    return out


REPORT_LABELS: dict[str, Any] = {
    "str": np.array(["f", "m"] * (N // 2)),
    "int": np.array([3, 10**15] * (N // 2)),
    "float": np.array([0.5, -2.25] * (N // 2)),
    "inf": np.array([math.inf, -math.inf] * (N // 2)),
    "bool": np.array([True, False] * (N // 2)),
    "bytes": np.array([b"a", b"b"] * (N // 2)),
    "date": _column(dt.date(2020, 1, 1), dt.date(2021, 6, 30)),
    "datetime": _column(dt.datetime(2020, 1, 1, 8), dt.datetime(2021, 1, 1, 9)),
    "datetime64": pd.Series(pd.to_datetime(["2020-01-01", "2021-01-01"] * (N // 2))),
    "datetime64[ns]": np.array(
        ["2020-01-01T00:00:00.000000001", "2021-01-01"] * (N // 2),
        dtype="datetime64[ns]",
    ),
    "timestamp-tz": pd.Series(
        pd.to_datetime(["2020-01-01", "2021-01-01"] * (N // 2))
    ).dt.tz_localize("Europe/Paris"),
    "timedelta": pd.Series(pd.to_timedelta([1, 2] * (N // 2), unit="D")),
    "interval": pd.cut(pd.Series(np.arange(N)), [-1, 15, 50]),
    "period": pd.Series(pd.period_range("2020-01", periods=2, freq="M").tolist() * 20),
    "decimal": _column(decimal.Decimal("1.50"), decimal.Decimal("2")),
    "frozenset": _column(frozenset({"a"}), frozenset({"a", "b"})),
    "tuple": _column(("a", 1), ("b", 2)),
}


def _same_groups(a: tuple[Any, ...], b: tuple[Any, ...]) -> None:
    assert a == b
    for ga, gb in zip(a, b, strict=True):
        assert [type(v) for v in ga] == [type(v) for v in gb]


@pytest.mark.parametrize("kind", list(REPORT_LABELS))
def test_report_with_these_labels_round_trips(kind):
    sf = {"g": REPORT_LABELS[kind], "h": np.array(["x", "y", "y", "x"] * (N // 4))}
    report = pf.audit(Y, P, sensitive_features=sf, min_group_size=1)
    text = report.to_json()
    again = pf.FairnessReport.from_json(text)
    _same_groups(again.groups, report.groups)
    _same_groups(again.marginals["g"].groups, report.marginals["g"].groups)
    assert again.to_json() == text
    for name in ("demographic_parity_difference", "equalized_odds_ratio"):
        a, b = again.disparity(name).value, report.disparity(name).value
        assert (math.isnan(a) and math.isnan(b)) or a == b
    plain = kind in {"str", "int", "float", "bool"}
    assert json.loads(text)["schema"] == (1 if plain else 2)


@pytest.mark.parametrize("kind", [k for k in REPORT_LABELS if k != "tuple"])
def test_by_group_of_the_read_report_equals_the_original(kind):
    # by_group of a column of tuple labels is a pandas MultiIndex question,
    # not a serialisation one; the groups themselves are compared above
    report = pf.audit(Y, P, sensitive_features=REPORT_LABELS[kind], min_group_size=1)
    again = pf.FairnessReport.from_json(report.to_json())
    pd.testing.assert_frame_equal(again.by_group, report.by_group)


def test_datetime64_levels_are_timestamps_at_every_unit():
    for unit in ("D", "s", "us", "ns"):
        values = np.array(["2020-01-01", "2021-01-01"] * (N // 2), f"M8[{unit}]")
        report = pf.audit(Y, P, sensitive_features=values, min_group_size=1)
        assert report.groups == (
            (pd.Timestamp("2020-01-01"),),
            (pd.Timestamp("2021-01-01"),),
        )
        assert all(type(g[0]) is pd.Timestamp for g in report.groups)


def test_disparities_in_the_json_name_groups_in_the_tagged_form():
    sf = _column(dt.date(2020, 1, 1), dt.date(2021, 6, 30))
    report = pf.audit(Y, P, sensitive_features=sf, min_group_size=1)
    dp = json.loads(report.to_json())["disparities"]["demographic_parity_difference"]
    assert {json.dumps(dp["low"]["group"]), json.dumps(dp["high"]["group"])} == {
        '[{"$date": "2020-01-01"}]',
        '[{"$date": "2021-06-30"}]',
    }


def test_left_out_groups_and_lost_levels_are_written_tagged():
    small = dt.date(2021, 6, 30)
    day = np.array([dt.date(2020, 1, 1)] * 36 + [small] * 4, dtype=object)
    sex = np.array(["f", "m"] * 20)  # the small day's 4 rows split in two groups
    with pytest.warns(pf.FairnessWarning, match="fewer than min_group_size=10"):
        report = pf.audit(
            Y, P, sensitive_features={"day": day, "sex": sex}, min_group_size=10
        )
    dp = report.disparity("demographic_parity_difference")
    assert [lost.level for lost in dp.lost_levels] == [small]
    written = json.loads(report.to_json())["disparities"]
    entry = written["demographic_parity_difference"]
    assert entry["excluded"][0][0] == [{"$date": "2021-06-30"}, "f"]
    assert entry["lost_levels"][0]["level"] == {"$date": "2021-06-30"}


def test_tagged_reference_and_pos_label_round_trip():
    y = np.where(Y == 1, b"yes", b"no")
    p = np.where(P == 1, b"yes", b"no")
    sf = _column(dt.date(2020, 1, 1), dt.date(2021, 6, 30))
    report = pf.audit(
        y,
        p,
        sensitive_features={"d": sf},
        pos_label=b"yes",
        reference={"d": dt.date(2020, 1, 1)},
        min_group_size=1,
    )
    again = pf.FairnessReport.from_json(report.to_json())
    assert again.pos_label == b"yes"
    assert again.reference == {"d": dt.date(2020, 1, 1)}
    assert again.demographic_parity_difference == report.demographic_parity_difference
    by_tuple = pf.audit(
        Y, P, sensitive_features=sf, reference=(dt.date(2021, 6, 30),), min_group_size=1
    )
    assert pf.FairnessReport.from_json(by_tuple.to_json()).reference == (
        dt.date(2021, 6, 30),
    )


def test_schema_1_documents_with_bare_tuple_lists_are_read():
    report = pf.audit(Y, P, sensitive_features=REPORT_LABELS["str"], min_group_size=1)
    data = report.to_dict()
    assert data["schema"] == 1
    for entry in data["groups"]["groups"]:
        entry["group"] = [list("ab")] if entry["group"] == ["f"] else [list("cd")]
    again = pf.FairnessReport.from_dict(data)
    assert again.groups == ((("a", "b"),), (("c", "d"),))


def test_schemas_past_the_readable_ones_are_refused():
    data = pf.audit(
        Y, P, sensitive_features=REPORT_LABELS["str"], min_group_size=1
    ).to_dict()
    with pytest.raises(pf.FairnessValueError, match=r"schema 3 is not supported"):
        pf.FairnessReport.from_dict({**data, "schema": 3})


@pytest.mark.parametrize(
    ("values", "kind"),
    [(np.array([1j, 2j] * (N // 2)), "complex"), (_column(object(), "a"), "object")],
)
def test_audit_refuses_labels_a_report_cannot_save(values, kind):
    with pytest.raises(
        pf.FairnessValueError,
        match=rf"sensitive feature 'sensitive_feature_0' holds values of type {kind}"
        r".*cannot save.*astype\(str\)",
    ):
        pf.audit(Y, P, sensitive_features=values, min_group_size=1)


@pytest.mark.parametrize(
    "label", [np.str_("a\x00"), np.str_("\x00"), np.bytes_(b"a\x00")]
)
def test_numpy_strings_keep_trailing_nul_characters(label):
    # numpy's .item() drops trailing NULs; the label must come back whole
    back = decode_label(_json(encode_label(label)))
    assert back == label
    assert len(back) == len(label)
