"""Group labels as JSON values, and back.

A report (and a baseline) names groups by the values of their sensitive
columns. Those values are whatever the data held: strings and integers most
of the time, but also floats (including ±inf), booleans, bytes, dates and
times, pandas timestamps and intervals (``pd.cut``), decimals, frozensets and
tuples. This module writes each of them as a JSON value and reads it back to
an equal value of the same type.

The encoding keeps plain JSON plain: a ``str``, ``int``, finite ``float``,
``bool`` or ``None`` is written as itself. Every other supported type is
written as an object with a single ``"$<type>"`` key:

==========================  ==================================================
label                       JSON
==========================  ==================================================
``float("inf")``            ``{"$float": "inf"}`` (also ``"-inf"``, ``"nan"``)
``b"ab"``                    ``{"$bytes": "YWI="}`` (base64)
``datetime.date``           ``{"$date": "2024-05-01"}`` (ISO 8601)
``datetime.datetime``       ``{"$datetime": "2024-05-01T10:00:00+02:00"}``, or
                            ``[<ISO>, "Europe/Paris"]`` with a ``ZoneInfo``
``datetime.time``           ``{"$time": "10:00:00"}``
``datetime.timedelta``      ``{"$timedelta": [days, seconds, microseconds]}``
``decimal.Decimal``         ``{"$decimal": "1.50"}``
``tuple``                   ``{"$tuple": [<label>, ...]}``
``frozenset``               ``{"$frozenset": [<label>, ...]}`` (sorted)
``pandas.Timestamp``        ``{"$pandas.Timestamp": "2024-05-01T10:00:00"}``, or
                            ``[<ISO>, "Europe/Paris"]`` when tz-aware
``pandas.Timedelta``        ``{"$pandas.Timedelta": "P1DT0H0M0S"}``
``pandas.Interval``         ``{"$pandas.Interval": [<left>, <right>, "right"]}``
``pandas.Period``           ``{"$pandas.Period": ["2024-05", "M"]}``
==========================  ==================================================

Decoding gives back the same type: a ``pandas.Timestamp`` comes back as a
``pandas.Timestamp`` (nanoseconds included), a ``datetime.datetime`` as a
``datetime.datetime``. A time zone comes back as the same zone when it has
a name (a ``zoneinfo.ZoneInfo`` key, or any zone of a pandas ``Timestamp``)
and as a fixed UTC offset otherwise; either way the instant, hence equality
and hash, is kept. numpy scalars are written as their
Python equivalent (``np.int64(3)`` as ``3``, ``np.datetime64`` as a
``pandas.Timestamp``) and subclasses of ``str``, ``int`` and ``float`` (such
as ``enum.StrEnum`` members) as the base type; both come back equal to the
original. A bare JSON list, which older reports wrote for tuple labels, is
read as a tuple.

Any other type (dicts, lists, sets, complex numbers, arbitrary objects) is
refused with a :class:`~pytest_fairness.FairnessValueError`, and
:func:`check_labels` refuses it when a report is built, not when it is saved.

The module imports only the standard library: pandas is imported when a
pandas-tagged label is decoded, and pandas and numpy objects are recognised
through ``sys.modules``.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import json
import math
import sys
import zoneinfo
from typing import TYPE_CHECKING, Any

from pytest_fairness.exceptions import FairnessValueError

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = [
    "SUPPORTED",
    "check_labels",
    "decode_group",
    "decode_label",
    "encode_group",
    "encode_label",
    "is_tagged",
    "unsupported_label",
]

#: The label types that round-trip, as named in error messages.
SUPPORTED = (
    "str, int, float (±inf too), bool, None, bytes, datetime.date, "
    "datetime.datetime, datetime.time, datetime.timedelta, decimal.Decimal, "
    "tuple and frozenset of these, pandas Timestamp, Timedelta, Interval and "
    "Period, and numpy scalars"
)

_NON_FINITE = {"inf": math.inf, "-inf": -math.inf, "nan": math.nan}


def _unsupported(value: object) -> FairnessValueError:
    msg = (
        f"a group label of type {type(value).__name__} ({value!r:.80}) cannot be "
        f"written to JSON. Supported label types: {SUPPORTED}."
    )
    return FairnessValueError(msg)


def _pandas_label(value: object) -> dict[str, Any] | None:
    """Encode a pandas scalar, or return None when ``value`` is none."""
    pd = sys.modules.get("pandas")
    if pd is None:
        return None
    if value is pd.NaT:
        raise _unsupported(value)
    if isinstance(value, pd.Timestamp):
        if value.tz is None:
            return {"$pandas.Timestamp": value.isoformat()}
        return {"$pandas.Timestamp": [value.isoformat(), str(value.tz)]}
    if isinstance(value, pd.Timedelta):
        return {"$pandas.Timedelta": value.isoformat()}
    if isinstance(value, pd.Interval):
        return {
            "$pandas.Interval": [
                encode_label(value.left),
                encode_label(value.right),
                value.closed,
            ]
        }
    if isinstance(value, pd.Period):
        return {"$pandas.Period": [str(value), value.freqstr]}
    return None


def _from_numpy(value: Any) -> Any:
    """Return the Python (or pandas) equivalent of a numpy scalar."""
    np = sys.modules.get("numpy")
    if np is None or not isinstance(value, np.generic):
        return value
    if isinstance(value, np.datetime64 | np.timedelta64):
        import pandas as pd  # noqa: PLC0415 - only for numpy datetime labels

        if np.isnat(value):
            raise _unsupported(value)
        if isinstance(value, np.datetime64):
            return pd.Timestamp(value)
        return pd.Timedelta(value)
    if isinstance(value, np.str_ | np.bytes_):
        # .item() drops trailing NUL characters; the scalar itself keeps them
        return str.__str__(value) if isinstance(value, str) else bytes(value)
    return value.item()


def encode_label(value: Any) -> Any:
    """Return a group label as a JSON value.

    Parameters
    ----------
    value : object
        A label of a supported type (see the module documentation).

    Returns
    -------
    str, int, float, bool, None or dict
        The label itself when it is plain JSON, else a ``{"$<type>": ...}``
        object that :func:`decode_label` reads back.

    Raises
    ------
    FairnessValueError
        If the type is not supported.

    Examples
    --------
    >>> import datetime
    >>> encode_label("women"), encode_label(3), encode_label(float("-inf"))
    ('women', 3, {'$float': '-inf'})
    >>> encode_label((datetime.date(2024, 5, 1), b"x"))
    {'$tuple': [{'$date': '2024-05-01'}, {'$bytes': 'eA=='}]}
    """
    value = _from_numpy(value)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        value = float(value)
        if math.isfinite(value):
            return value
        return {"$float": "nan" if math.isnan(value) else str(value)}
    if isinstance(value, bytes):
        return {"$bytes": base64.b64encode(value).decode("ascii")}
    if isinstance(value, tuple):
        return {"$tuple": [encode_label(v) for v in value]}
    if isinstance(value, frozenset):
        members = [encode_label(v) for v in value]
        members.sort(key=lambda v: json.dumps(v, sort_keys=True))
        return {"$frozenset": members}
    if isinstance(value, decimal.Decimal):
        return {"$decimal": str(value)}
    tagged = _pandas_label(value)  # before datetime: Timestamp subclasses it
    if tagged is not None:
        return tagged
    if isinstance(value, dt.datetime):
        zone = getattr(value.tzinfo, "key", None)  # a zoneinfo.ZoneInfo
        if zone is None:
            return {"$datetime": value.isoformat()}
        return {"$datetime": [value.isoformat(), zone]}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, dt.time):
        return {"$time": value.isoformat()}
    if isinstance(value, dt.timedelta):
        return {"$timedelta": [value.days, value.seconds, value.microseconds]}
    raise _unsupported(value)


def _malformed(data: object, detail: str) -> FairnessValueError:
    msg = f"malformed group label {data!r:.80}: {detail}."
    return FairnessValueError(msg)


def _decode_tagged(tag: str, payload: Any) -> Any:
    if tag == "$float":
        if payload not in _NON_FINITE:
            raise _malformed(payload, "expected 'inf', '-inf' or 'nan'")
        return _NON_FINITE[payload]
    if tag == "$bytes":
        return base64.b64decode(payload.encode("ascii"), validate=True)
    if tag == "$tuple":
        return tuple(decode_label(v) for v in payload)
    if tag == "$frozenset":
        return frozenset(decode_label(v) for v in payload)
    if tag == "$decimal":
        return decimal.Decimal(payload)
    if tag == "$datetime":
        if isinstance(payload, str):
            return dt.datetime.fromisoformat(payload)
        text, zone = payload
        moment = dt.datetime.fromisoformat(text)
        try:
            return moment.astimezone(zoneinfo.ZoneInfo(zone))
        except zoneinfo.ZoneInfoNotFoundError:  # same instant, fixed offset
            return moment
    if tag == "$date":
        return dt.date.fromisoformat(payload)
    if tag == "$time":
        return dt.time.fromisoformat(payload)
    if tag == "$timedelta":
        days, seconds, microseconds = payload
        return dt.timedelta(days=days, seconds=seconds, microseconds=microseconds)
    import pandas as pd  # noqa: PLC0415 - only for pandas-tagged labels

    if tag == "$pandas.Timestamp":
        if isinstance(payload, str):
            return pd.Timestamp(payload)
        text, zone = payload
        moment = pd.Timestamp(text)
        try:
            return moment.tz_convert(zone)
        except (KeyError, ValueError):  # an unknown zone: same instant, fixed offset
            return moment
    if tag == "$pandas.Timedelta":
        return pd.Timedelta(payload)
    if tag == "$pandas.Interval":
        left, right, closed = payload
        return pd.Interval(decode_label(left), decode_label(right), closed=closed)
    if tag == "$pandas.Period":
        text, freq = payload
        return pd.Period(text, freq=freq)
    raise _malformed({tag: payload}, f"unknown type tag {tag!r}")


def decode_label(data: Any) -> Any:
    """Return the label that :func:`encode_label` wrote as ``data``.

    Parameters
    ----------
    data : str, int, float, bool, None, list or dict
        A JSON value written by :func:`encode_label` (a bare list, as older
        reports wrote tuple labels, is read as a tuple).

    Returns
    -------
    object
        The label, of the type it was written from.

    Raises
    ------
    FairnessValueError
        If ``data`` is not an encoded label.

    Examples
    --------
    >>> decode_label({"$float": "inf"}), decode_label(["a", 1])
    (inf, ('a', 1))
    >>> decode_label(encode_label(frozenset({"x", "y"}))) == frozenset({"x", "y"})
    True
    """
    if data is None or isinstance(data, str | int | float):
        return data
    if isinstance(data, list):
        return tuple(decode_label(v) for v in data)
    if isinstance(data, dict) and len(data) == 1:
        ((tag, payload),) = data.items()
        if isinstance(tag, str) and tag.startswith("$"):
            try:
                return _decode_tagged(tag, payload)
            except FairnessValueError:
                raise
            except (TypeError, ValueError, AttributeError, decimal.InvalidOperation):
                raise _malformed(data, f"cannot read a {tag[1:]}") from None
    raise _malformed(data, 'expected a JSON scalar or a {"$<type>": ...} object')


def is_tagged(data: Any) -> bool:
    """Return whether an encoded label needed a tagged (non-plain) form.

    Parameters
    ----------
    data : object
        The output of :func:`encode_label`.

    Returns
    -------
    bool
        True for a ``{"$<type>": ...}`` object.
    """
    return isinstance(data, dict)


def encode_group(group: Iterable[Any]) -> list[Any]:
    """Encode a group (one label per sensitive column) as a JSON list.

    Parameters
    ----------
    group : iterable
        The group's labels.

    Returns
    -------
    list
        One encoded label per column.
    """
    return [encode_label(v) for v in group]


def decode_group(data: Iterable[Any]) -> tuple[Any, ...]:
    """Decode a group written by :func:`encode_group`.

    Parameters
    ----------
    data : list
        One encoded label per column.

    Returns
    -------
    tuple
        The group's labels.
    """
    return tuple(decode_label(v) for v in data)


def unsupported_label(value: Any) -> str | None:
    """Return why a label cannot be encoded, or None when it can.

    Parameters
    ----------
    value : object
        A candidate group label.

    Returns
    -------
    str or None
        The message of the error :func:`encode_label` would raise.
    """
    try:
        encode_label(value)
    except FairnessValueError as exc:
        return str(exc)
    return None


def check_labels(labels: Iterable[Any], argname: str) -> None:
    """Refuse labels that a report could not save, naming where they come from.

    Parameters
    ----------
    labels : iterable
        The distinct values of one sensitive column (or other labels).
    argname : str
        What holds them, for the message, e.g. ``"sensitive feature 'sex'"``.

    Raises
    ------
    FairnessValueError
        On the first label of an unsupported type.
    """
    for value in labels:
        try:
            encode_label(value)
        except FairnessValueError:
            msg = (
                f"{argname} holds values of type {type(value).__name__} "
                f"(e.g. {value!r:.60}), which a report cannot save. Supported "
                f"label types: {SUPPORTED}. Hint: convert the column first, "
                "e.g. .astype(str)."
            )
            raise FairnessValueError(msg) from None
