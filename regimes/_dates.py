"""The package's one day parser: every date argument and every date index goes here.

A *day* is a tz-naive midnight :class:`pandas.Timestamp`. Accepted: ISO strings
('2024-01-31', with or without a time or a time zone), 8-digit YYYYMMDD integers or
strings (Ken French and CRSP files), ``pandas.Timestamp``, ``datetime.date`` and
``datetime.datetime``, ``numpy.datetime64``. A time zone is dropped keeping the *local*
date (not the UTC one); a time of day is dropped. Refused, with the fix: NaT, None,
other integers (pandas would read them as nanoseconds since 1970), floats, bools and
strings whose day and month could be swapped.
"""

from __future__ import annotations

import datetime as _dt
import numbers
import re
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["DATE_FIX", "parse_day"]

DATE_FIX = "write it as 'YYYY-MM-DD' (e.g. '2024-01-31') or as a YYYYMMDD int"

_YYYYMMDD = re.compile(r"\d{8}")
_ISO = re.compile(r"\d{4}-\d{1,2}-\d{1,2}([ T].*)?")
_TIME_ZONE = re.compile(
    r"(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(?:Z|UTC|[+-]\d{2}:?\d{2})$"
)


def _day(ts: pd.Timestamp) -> pd.Timestamp:
    if ts.tz is not None:
        ts = ts.tz_localize(None)  # the local date, not the UTC one
    return ts.normalize()


def parse_day(value: Any) -> pd.Timestamp:
    """Return ``value`` as a tz-naive midnight Timestamp, or raise ValueError/TypeError.

    The messages say what was wrong and how to write the day; callers that know the
    parameter's name (the contract's :class:`~regimes._contract.Day`) add it.
    """
    if isinstance(value, (bool, np.bool_)) or value is None:
        raise TypeError(f"{value!r} is not a day; {DATE_FIX}")
    if isinstance(value, pd.Timestamp):
        if value is pd.NaT:
            raise ValueError(f"NaT is not a day; {DATE_FIX}")
        return _day(value)
    if isinstance(value, (_dt.datetime, _dt.date, np.datetime64)):
        ts = pd.Timestamp(value)
        if ts is pd.NaT:
            raise ValueError(f"NaT is not a day; {DATE_FIX}")
        return _day(ts)
    if isinstance(value, numbers.Integral):
        text = str(int(value))
        if not _YYYYMMDD.fullmatch(text):
            raise ValueError(
                f"the integer {value} is not a YYYYMMDD day (8 digits, e.g. 20240131); "
                "a year alone, an Excel day number or a Unix time is not read as a "
                f"date: {DATE_FIX}"
            )
        return _from_yyyymmdd(text)
    if isinstance(value, str):
        text = value.strip()
        if _YYYYMMDD.fullmatch(text):
            return _from_yyyymmdd(text)
        if _ISO.fullmatch(text):
            text = _TIME_ZONE.sub(r"\1", text)  # keep the local date
            try:
                ts = pd.Timestamp(text)
            except (ValueError, TypeError):
                ts = pd.NaT
            if ts is not pd.NaT:
                return _day(ts)
        raise ValueError(f"{value!r} is not an unambiguous day; {DATE_FIX}")
    if isinstance(value, numbers.Real):
        raise TypeError(f"the number {value!r} is not a day; {DATE_FIX}")
    raise TypeError(f"a {type(value).__name__} is not a day; {DATE_FIX}")


def _from_yyyymmdd(text: str) -> pd.Timestamp:
    try:
        return pd.Timestamp(_dt.datetime.strptime(text, "%Y%m%d"))
    except ValueError:
        raise ValueError(
            f"{text} looks like YYYYMMDD but is not a calendar day; {DATE_FIX}"
        ) from None
