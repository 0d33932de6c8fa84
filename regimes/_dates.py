"""The package's one day parser: every date argument and every date index goes here.

:func:`parse_day` reads one day (a ``start``/``end`` argument, a CLI option);
:func:`parse_day_index` reads a column or index of days (a file's first column, a
frame's index); :func:`check_day_index` checks that an index already holding days is
usable as a time axis (unique, sorted, no NaT). They share the rules below.

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
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._warn import warn_user
from .exceptions import (
    Advice,
    DataFileError,
    DataWarning,
    InvalidParameterError,
    InvalidReturnsError,
    NotDailyWarning,
    Setting,
    kind_of,
)

__all__ = [
    "DATE_FIX",
    "calendar_years",
    "check_day_index",
    "data_error",
    "local_dates",
    "parse_day",
    "parse_day_index",
    "warn_if_not_daily",
]

DATE_FIX = "write it as 'YYYY-MM-DD' (e.g. '2024-01-31') or as a YYYYMMDD int"

# ASCII digits only: "\d" alone also matches full-width and other scripts' digits,
# which pandas' parsers then refuse or misread
_YYYYMMDD = re.compile(r"\d{8}", re.ASCII)
_ISO = re.compile(r"\d{4}-\d{1,2}-\d{1,2}(?:[ T].*)?|\d{8}T.+", re.ASCII)
_TIME_ZONE = re.compile(
    r"(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(?:Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)$",
    re.ASCII,
)


def _day(ts: pd.Timestamp) -> pd.Timestamp:
    if ts.tz is not None:
        ts = ts.tz_localize(None)  # the local date, not the UTC one
    return ts.normalize()


def stamp_text(stamp: pd.Timestamp) -> str:
    """A row's date as messages say it.

    The day alone at midnight (2019-01-03), else with its time, as the row holds
    it (intraday rows).
    """
    return str(stamp.date() if stamp == stamp.normalize() else stamp)


def data_error(param: str, message: str) -> InvalidReturnsError:
    """The error for data that cannot be used, naming the argument that held them.

    A file passed as ``path`` gives a :class:`~regimes.exceptions.DataFileError`
    (also a ``FileNotFoundError`` subclass, as a missing file always was); a frame
    or a download an :class:`~regimes.exceptions.InvalidReturnsError`.
    """
    if param == "path":
        return DataFileError(param, message)
    return InvalidReturnsError(param, message)


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
    numpy_unit = (
        np.datetime_data(value.dtype)[0] if isinstance(value, np.datetime64) else None
    )
    if numpy_unit in ("Y", "M", "W"):  # its first day would be a day nobody gave
        unit = {"Y": "year", "M": "month", "W": "week"}[numpy_unit]
        raise ValueError(
            f"the numpy datetime64 {str(value)!r} is a {unit}, not a day; {DATE_FIX}"
        )
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
            written = re.match(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
            if written:  # written as it should be: a day that does not exist?
                _check_calendar_day(value, "YYYY-MM-DD", *map(int, written.groups()))
        raise ValueError(f"{value!r} is not an unambiguous day; {DATE_FIX}")
    if isinstance(value, numbers.Real):
        raise TypeError(f"the number {value!r} is not a day; {DATE_FIX}")
    raise TypeError(f"{kind_of(value)} is not a day; {DATE_FIX}")


class NotACalendarDay(ValueError):
    """A day written in a form the parser reads that names no calendar day.

    ``reason`` says which part does not exist ("month 2 has no day 30"), for
    front ends that word the rest of the message themselves (the command).
    """

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def _check_calendar_day(value: Any, form: str, year: int, month: int, day: int) -> None:
    """Raise :class:`NotACalendarDay` if ``year-month-day`` is no calendar day."""
    try:
        _dt.date(year, month, day)
    except ValueError:
        reason = (
            f"month {month} has no day {day}"
            if 1 <= month <= 12
            else f"there is no month {month}"
        )
        raise NotACalendarDay(
            f"{value!r} is written as {form} but is not a calendar day ({reason}): "
            "check the day and the month",
            reason,
        ) from None


def _from_yyyymmdd(text: str) -> pd.Timestamp:
    _check_calendar_day(text, "YYYYMMDD", int(text[:4]), int(text[4:6]), int(text[6:]))
    return pd.Timestamp(_dt.datetime.strptime(text, "%Y%m%d"))


# ------------------------------------------------------------- a column of days

_INTEGER = re.compile(r"[+-]?\d+(?:\.0*)?", re.ASCII)
_PART_OF_DAY = re.compile(r"[+-]?\d{1,6}(?:[-/.]\d{1,2})?", re.ASCII)
"""A year, or a year and a month: not a day (``2024``, ``2024-10``)."""
_DAY_TEXT = re.compile(f"{_ISO.pattern}|{_YYYYMMDD.pattern}", re.ASCII)
"""A label :func:`parse_day` reads as text: an ISO date (maybe with a time) or
YYYYMMDD; the column's other formats are :data:`_OTHER_FORMATS`."""
_OTHER_FORMATS = ("%Y/%m/%d", "%m/%d/%Y", "%d/%m/%Y", "%d.%m.%Y", "%d-%b-%Y")


def _candidate_formats() -> list[str]:
    """The strptime formats a file's dates may be in, day first before month."""
    days = [
        order.format(s=sep) + year
        for order in ("%d{s}%m{s}", "%m{s}%d{s}")
        for sep in "/.-"
        for year in ("%Y", "%y")
    ]
    days += [f"{y}{s}%m{s}%d" for y in ("%Y", "%y") for s in "/.-"]
    days += [f"%d{s}%b{s}{y}" for s in ("-", " ", "/", ".") for y in ("%Y", "%y")] + [
        "%b %d %Y",
        "%b %d, %Y",
        "%B %d %Y",
        "%B %d, %Y",
        "%d %B %Y",
    ]
    times = ("", " %H:%M", " %H:%M:%S", " %I:%M %p", " %I:%M:%S %p")
    return [day + time for day in days for time in times]


_CANDIDATES = _candidate_formats()


def _century_late(days: pd.DatetimeIndex) -> bool:
    """Whether '%y' put trading days a century late.

    strptime's '%y' reads 00-68 as 2000-2068: a file of 1919-1925 read so
    lands in the past, but a fifth of its weekdays on weekends, which 100
    years earlier are weekdays again (hostile 89, S1).
    """
    days = days[~days.isna()]
    if len(days) < 20:
        return False
    weekend = float((days.day_of_week >= 5).mean())
    earlier = days - pd.DateOffset(years=100)
    return (
        weekend > WEEKEND_SHARE
        and float((earlier.day_of_week >= 5).mean()) <= WEEKEND_SHARE / 5
    )


def _formats_of(
    sample: str | None, labels: Sequence[str] = ()
) -> tuple[list[str], str | None, pd.Timestamp | None]:
    """The strptime formats that read ``sample`` and ``labels`` best; [] if none.

    With the first label of ``labels`` they do not read, if any (the dates
    are then written in several forms, which no one format reads), and the
    latest date they read if it is after tomorrow (None otherwise): '%y'
    reads 66 as 2066 (hostile 88, 1), and no format then reads these dates
    as the days they are. Formats that keep every date before tomorrow come
    first.

    The example of a refusal must work when followed: '02/01/24' needs a
    two-digit year (%y), an Excel export's '02/01/2024 00:00' a time (hostile
    77, 6), which a fixed example ('%d/%m/%Y') did not read. Of the formats
    that read ``sample``, those that read the most of ``labels`` (all the
    column's) and keep them in order (rising or falling, as a file's dates
    are): '01/14/19' further down makes '01/02/19' month first (hostile 86,
    5), and '19/02/01' after '19/01/01' year first (hostile 87, C2). More
    than one left: the dates read several ways (day and month ambiguous), and
    the caller says so (hostile 87, C1: day first was advised, in silence).
    """
    if not sample:
        return [], None, None
    text = sample.strip()
    found = []
    for fmt in _CANDIDATES:
        try:
            _dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
        found.append(fmt)
    if not found:
        return [], None, None
    column = pd.Index([str(v).strip() for v in labels] or [text])
    parsed = {fmt: pd.to_datetime(column, format=fmt, errors="coerce") for fmt in found}
    first_future = not_yet()

    def fit(fmt: str) -> tuple[bool, int, bool]:
        read = parsed[fmt][~parsed[fmt].isna()]
        ordered = read.is_monotonic_increasing or read.is_monotonic_decreasing
        past = not len(read) or read.max() < first_future
        return past, int(len(read)), bool(ordered)

    scores = {fmt: fit(fmt) for fmt in found}
    best = max(scores.values())
    chosen = [fmt for fmt in found if scores[fmt] == best]
    unread = np.flatnonzero(parsed[chosen[0]].isna())
    late = "%y" in chosen[0] and _century_late(pd.DatetimeIndex(parsed[chosen[0]]))
    latest = None if best[0] and not late else parsed[chosen[0]].max()
    return chosen, (str(column[unread[0]]) if len(unread) else None), latest


def _index_fix(
    param: str,
    fmt: str | None = None,
    sample: str | None = None,
    labels: Sequence[str] = (),
    by_format: bool = True,
) -> tuple[str | Setting, ...]:
    """How to write the dates, or say their format (a file's ``date_format``).

    ``sample``: a label that could not be read, from which the example format
    is found (:func:`_formats_of`, which reads ``labels`` to choose); when
    several read them all, both are given and called ambiguous; when none
    does, no example is offered as if it did. ``by_format=False``: no
    date_format reads the labels (dates in several forms; integers, which
    need a conversion: hostile 88, 5, YYYYMM was told to pass a format).
    """
    iso = "Write them as YYYY-MM-DD (e.g. 2024-01-31) or YYYYMMDD"
    if param == "path":
        if not by_format:
            return (iso,)
        formats, unread, latest = (
            ([fmt], None, None) if fmt else _formats_of(sample, labels)
        )
        if latest is not None:
            # '%y' puts 66 in 2066: no format reads these as the days they are
            return (
                "Their years have two digits, which strptime's '%y' reads as "
                f"2000-2068 for 00-68: read so, they run to {latest.date()}, "
                "after today, or with trading days on weekends (a century late, "
                "unless the market trades on weekend days: then pass their "
                "format as date_format). "
                f"{iso} (years with four digits)",
            )
        if formats and unread is not None:
            # the best format leaves dates of another form (hostile 87, C2)
            return (
                f"The dates are written in several forms ({sample!r}, "
                f"{unread!r}): no one date_format reads them. {iso}",
            )
        if len(formats) == 1:
            return (
                f"{iso}, or pass their format, e.g. ",
                Setting("date_format", formats[0]),
            )
        if formats:
            return (
                f"{iso}, or pass their format: ",
                Setting("date_format", formats[0]),
                " or ",
                Setting("date_format", formats[1]),
                " (every date reads both ways, in the file's order: check which "
                "the file means)",
            )
        if sample and re.fullmatch(r"\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}", sample.strip()):
            # digits in a day's shape that no order reads: no such day
            # (hostile 88, 5: '31/02/2019' was given a format it fails)
            return (
                f"{sample!r} is no calendar day, in any order of day, month and "
                "year: correct that row (or drop it). Then write the dates as "
                "YYYY-MM-DD (e.g. 2024-01-31) or YYYYMMDD, or pass their format",
            )
        # no format of ours reads them: an example of the codes, not of them
        return (
            f"{iso}, or pass their format in strptime codes, as ",
            Setting("date_format", "%d/%m/%Y"),
            " reads 31/01/2024",
        )
    how = f"pd.to_datetime(labels, format={fmt!r})" if fmt else "pd.to_datetime"
    return (f"{iso}, or set a DatetimeIndex of the days (with {how})",)


def parse_day_index(
    labels: pd.Index | Any,
    date_format: str | None = None,
    *,
    source: str,
    param: str,
) -> pd.DatetimeIndex:
    """Read labels (a file's first column, a frame's index) as days, named "Date".

    The same rules as :func:`parse_day`, for a whole column at once: a DatetimeIndex
    is kept (time zones dropped keeping the local date, times of day dropped);
    otherwise the labels are read as YYYYMMDD integers, ISO dates, or one of a few
    ``01/31/2024``-style formats when exactly one of them reads every label;
    ``date_format`` (a strptime format) overrides the guess. Integers are never read
    as nanoseconds since 1970, and an index that already was (every day 1970-01-01)
    is refused. Duplicates and order are not checked here (see
    :func:`check_day_index`).

    Raises
    ------
    InvalidReturnsError
        Naming ``param``; the message starts with ``source`` and names the first
        label that cannot be read.
    """
    if isinstance(labels, pd.DatetimeIndex):
        return _wall_clock(labels, source, param)
    labels = pd.Index(labels)
    if labels.dtype.kind == "f" and labels.dtype.itemsize < 8:
        # float32 holds integers exactly up to 2**24: 20240129 becomes 20240128
        raise data_error(
            param,
            f"{source}: the labels are {labels.dtype} numbers, which cannot hold "
            "YYYYMMDD dates exactly (20240129 is stored as 20240128); keep the "
            "dates as integers (int64) or text, or set a DatetimeIndex of the days.",
        )
    text = pd.Index([str(v).strip() for v in labels])
    missing = np.flatnonzero(pd.isna(labels) | (text == "")).tolist()
    if missing:
        raise data_error(
            param,
            f"{source}: {len(missing)} rows have no date (first: row "
            f"{missing[0] + 1}); give every row a date or delete it.",
        )
    if date_format is not None:
        try:
            parsed = _with_format(text, date_format)
        except (ValueError, TypeError) as exc:
            bad = _first_unreadable(text, date_format) or str(text[0])
            raise InvalidParameterError(
                "date_format",
                Advice(
                    f"{source}: dates do not match ",
                    Setting("date_format", date_format),
                    f" (first: {bad!r}); fix them or pass the format they are "
                    "written in.",
                ),
            ) from exc
        parsed = pd.DatetimeIndex(parsed)
        two_digits = "%y" in date_format.replace("%%", "") and len(parsed) > 0
        if two_digits and parsed.max() >= not_yet():
            # hostile 88, 1: 1966 read as 2066, in silence
            raise InvalidParameterError(
                "date_format",
                f"{source}: {Setting('date_format', date_format)} reads "
                f"{text[int(np.argmax(parsed))]!r} as {parsed.max().date()}, after "
                "today: strptime's '%y' reads 00-68 as 2000-2068 and 69-99 as "
                "1969-1999. Write the years with four digits (and '%Y').",
            )
        if two_digits and _century_late(parsed):
            # the format is the user's word: a market that trades Sunday to
            # Thursday looks the same as a Monday-to-Friday one a century
            # earlier (hostile 93, 2: Tadawul's dates were refused)
            warn_user(
                f"{source}: {Setting('date_format', date_format)} puts "
                f"{float((parsed.day_of_week >= 5).mean()):.0%} of the rows on "
                "weekends, where 100 years earlier they fall on weekdays: "
                f"read as {parsed.min().date()} to {parsed.max().date()}, as "
                "given. If the market trades Monday to Friday, strptime's '%y' "
                "(00-68 as 2000-2068) has put them a century late: write the "
                "years with four digits (and '%Y').",
                DataWarning,
            )
        return _wall_clock(parsed, source, param)
    if all(_INTEGER.fullmatch(v) for v in text):
        if (
            isinstance(labels, pd.RangeIndex)
            and labels.step == 1
            and labels.start < 10**7
        ):
            raise data_error(
                param,
                f"{source}: the labels are row numbers {labels.start}.."
                f"{labels.stop - 1} (a default index sliced, e.g. by .iloc[1:] or "
                "dropna), not YYYYMMDD dates. Use .reset_index(drop=True) for rows in "
                "time order, or set the dates as a DatetimeIndex.",
            )
        return _wall_clock(_parse_yyyymmdd(text, source, param), source, param)
    # parse_day's rule for text, for the whole column: a full ISO date (with a
    # time, maybe an offset) or YYYYMMDD. pandas' ISO parser alone also reads
    # "2024" and "2024-10" (as 1 January, the 1st), "0000", "-5", "today", "now".
    if not all(_DAY_TEXT.fullmatch(v) for v in text):
        return _wall_clock(_parse_other(text, source, param), source, param)
    local = (  # keep the local date; an offset follows a time (skip the search)
        text.str.replace(_TIME_ZONE, r"\1", regex=True)
        if any(":" in v for v in text)
        else text
    )
    try:
        parsed = pd.to_datetime(local, format="ISO8601")
    except (ValueError, TypeError):
        parsed = _parse_other(text, source, param)
    return _wall_clock(pd.DatetimeIndex(parsed), source, param)


def _with_format(text: pd.Index, date_format: str) -> pd.DatetimeIndex:
    """``text`` read with ``date_format``.

    Offsets that change (%z across a daylight-saving change) are read one by
    one, each day's wall-clock time kept (the package's rule:
    :func:`local_dates`), as pandas refuses them.
    """
    try:
        return pd.DatetimeIndex(pd.to_datetime(text, format=date_format))
    except (ValueError, TypeError):
        if "%z" not in date_format.replace("%%", ""):
            raise
    stamps = [_dt.datetime.strptime(v, date_format) for v in text]
    return pd.DatetimeIndex([t.replace(tzinfo=None) for t in stamps])


def reads_as_day(value: Any) -> bool:
    """Whether ``value`` reads as a day by :func:`parse_day` (the one rule)."""
    try:
        parse_day(value)
    except (ValueError, TypeError):
        return False
    return True


def date_columns(frame: Any) -> list[Any]:
    """The columns of ``frame`` that hold days: its dates, kept out of the index.

    A frame read with plain ``pd.read_csv(path)``, or after ``reset_index()``,
    has its dates in a column; the fix is to make them the index, whatever
    else is wrong (hostile 66, 7: the advice was to reset the index, or to drop
    the column; hostile 67, 1: YYYYMMDD integers were fitted as returns). A
    column counts when its dtype is dates or periods, or when its values (whole
    numbers of eight digits, or text) read as days by the one rule of day
    labels (:func:`parse_day_index`), most of them at least (a stray cell is
    then refused where it is).

    Examples
    --------
    >>> days = pd.bdate_range("2024-01-02", periods=12)
    >>> frame = pd.DataFrame({"Date": days.strftime("%Y-%m-%d"), "A": 0.01})
    >>> date_columns(frame)
    ['Date']
    >>> date_columns(frame.assign(Date=days.strftime("%Y%m%d").astype(int)))
    ['Date']
    >>> date_columns(frame.assign(Date=20240102))  # a constant code: no days
    []
    """
    if not isinstance(frame, pd.DataFrame):
        return []
    dtypes = frame.dtypes
    if len(dtypes) and all(pd.api.types.is_float_dtype(d) for d in dtypes):
        # returns, as every fit passes them: one pass, no column reaches 1e7
        with np.errstate(invalid="ignore"):
            top = np.nanmax(np.abs(frame.to_numpy(dtype=float)), axis=0, initial=0.0)
        if np.all(top < 1e7):
            return []
    return [
        name
        for name, column in frame.items()
        if not isinstance(column, pd.DataFrame) and holds_days(column)
    ]


DAYS_SAMPLE = 200
"""Values of a column, spread through it, that :func:`holds_days` reads."""

DAYS_LEAST = 10
"""Fewer values than this are not judged to be days: two or three 8-digit
volumes read as rising days now and then (hostile 69, 2)."""


def holds_days(column: pd.Series) -> bool:
    """Whether a column's values are days (see :func:`date_columns`).

    Values spread through the whole column (not its first rows: a column of
    notes that starts with dates is no date column), at least
    :data:`DAYS_LEAST` of them, which must read as days, most of them at least,
    and run one way as days do, newest first too, repeats allowed (month-end
    expiry days: hostile 69, 1 and 4); a price in cents near 20,200,115 or a
    constant code is not a date column (hostile 68, 8).
    """
    dtype = column.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype) or isinstance(dtype, pd.PeriodDtype):
        return True
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_complex_dtype(dtype):
        return False
    if pd.api.types.is_numeric_dtype(dtype):
        # every fit asks this of every column: numpy only, returns fail at once
        numbers = column.to_numpy(dtype=float, na_value=np.nan)
        numbers = numbers[~np.isnan(numbers)]
        if len(numbers) < DAYS_LEAST or not (
            numbers.min() >= 1e7 and numbers.max() < 1e8
        ):
            return False  # returns, prices: not YYYYMMDD
        if not np.all(numbers == np.round(numbers)):
            return False
        spread = np.unique(np.linspace(0, len(numbers) - 1, DAYS_SAMPLE).astype(int))
        labels = pd.Index(numbers[spread].astype(np.int64).astype(str))
    elif pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
        values = column.dropna()
        if len(values) < DAYS_LEAST:
            return False
        spread = np.unique(np.linspace(0, len(values) - 1, DAYS_SAMPLE).astype(int))
        picked = values.iloc[spread]
        if not all(isinstance(v, (str, _dt.date)) for v in picked):
            return False  # numbers held as objects, say
        labels = pd.Index([str(v) for v in picked])
    else:
        return False
    try:
        days = parse_day_index(labels, source="", param="")
    except (ValueError, TypeError):
        read = [parse_day(v) for v in labels if reads_as_day(v)]
        if len(read) < 0.8 * len(labels):
            return False
        days = pd.DatetimeIndex(read)
    one_way = days.is_monotonic_increasing or days.is_monotonic_decreasing
    return bool(one_way and days.nunique() > 1)


def dates_in_columns_error(
    frame: pd.DataFrame, dated: list[Any], param: str, to_datetime: bool = False
) -> InvalidReturnsError:
    """The refusal of a frame whose dates are in ``dated``, not in its index.

    The one wording for the fit and the loaders (hostile 66, 7): the columns
    named, and the call that makes the days the index (:func:`set_index_advice`).
    """
    return InvalidReturnsError(
        param,
        f"{param} has its dates in column{'s' if len(dated) > 1 else ''} "
        f"{', '.join(repr(c) for c in dated)}, not in its index: pass "
        f"{set_index_advice(frame, dated, param, to_datetime)}.",
    )


def set_index_advice(
    frame: pd.DataFrame, dated: list[Any], expression: str, to_datetime: bool = False
) -> str:
    """What to pass so that the dates of ``dated`` become ``frame``'s index.

    The words after "pass" in a refusal of a frame whose dates are in a column
    (:func:`date_columns`): ``expression.set_index(name)``; an index of numbers
    with decimals (a data column made the index) is kept as a column first
    (``reset_index()``), row numbers and labels are not; several date columns
    are named, the example on the one called a date (hostile 67, 8).
    ``to_datetime``: the caller needs a DatetimeIndex (the fit), so text,
    YYYYMMDD numbers and periods are converted first (:func:`to_datetime_call`).
    """
    name = next((c for c in dated if "date" in str(c).lower()), dated[0])
    # an index of numbers with decimals is a data column made the index: kept
    # (hostile 67, 4); row numbers (a RangeIndex, named or not: hostile 68, 2),
    # integers and text labels are dropped by set_index, as they should be
    kept = pd.api.types.is_float_dtype(frame.index.dtype)
    call = f"{expression}.reset_index()" if kept else expression
    others = [c for c in dated if c != name]
    if others:
        call += f".drop(columns={others!r})"
    column = frame[name]
    if to_datetime and not pd.api.types.is_datetime64_any_dtype(column.dtype):
        cell = f"f[{name!r}]"
        days = (
            f"{cell}.dt.to_timestamp()"
            if isinstance(column.dtype, pd.PeriodDtype)
            else to_datetime_call(column.dropna(), cell)
        )
        # pipe, not assign(**{...}): a column named 0 is no keyword (hostile 68, 6)
        call += f".pipe(lambda f: f.set_index({days}).drop(columns={name!r}))"
    else:
        call += f".set_index({name!r})"
    if others:
        return (
            "the column that holds the trading days as the index, dropping the "
            f"other date columns, e.g. {call}"
        )
    return call


def _first_unreadable(text: pd.Index, date_format: str | None) -> str | None:
    """The first label no accepted reading understands (for the message), if any."""
    formats = [date_format] if date_format else [None, *_OTHER_FORMATS]
    for value in text:
        for fmt in formats:
            try:
                if fmt is None:
                    parse_day(value)
                else:
                    _dt.datetime.strptime(value, fmt)
                break
            except (ValueError, TypeError):
                continue
        else:
            return str(value)
    return None


def _parse_yyyymmdd(text: pd.Index, source: str, param: str) -> pd.DatetimeIndex:
    digits = text.str.replace(r"\.0*$", "", regex=True)
    if not (digits.str.len() == 8).all():
        example = next(v for v in digits if len(v) != 8)
        reading = _number_dates(example)
        if reading is not None:
            what, arguments, day = reading
            convert = f"pd.to_datetime({{}}, {arguments})"
            if param == "path":  # no date_format reads numbers: convert them
                fix = (
                    "read the file with pandas and convert them, e.g. frame = "
                    f"pd.read_csv({source!r}, index_col=0); frame.index = "
                    + convert.format("frame.index")
                    + "; then prepare_returns(frame)"
                )
            else:
                fix = f"convert them, e.g. {param}.index = " + convert.format(
                    f"{param}.index"
                )
            raise data_error(
                param,
                f"{source}: the dates are integers such as {example}: {what} "
                f"({example} is {day}), not YYYYMMDD dates; {fix}.",
            )
        raise data_error(
            param,
            Advice(
                f"{source}: the dates are integers such as {example}, which are not "
                "YYYYMMDD dates (8 digits, e.g. 20240131); Excel day numbers, "
                "monthly YYYYMM or Unix times must be converted first. ",
                *_index_fix(param, by_format=False),
                ".",
            ),
        )
    try:
        return pd.DatetimeIndex(pd.to_datetime(digits, format="%Y%m%d"))
    except ValueError as exc:
        bad = next(v for v in digits if not _is_calendar_day(v))
        raise data_error(
            param,
            f"{source}: the dates look like YYYYMMDD integers but {bad} is not a "
            "date; fix it in the file.",
        ) from exc


_NUMBER_DATES = (
    # (digits, what they are, pd.to_datetime's arguments)
    (range(5, 6), "Excel day numbers", "unit='D', origin='1899-12-30'"),
    (range(9, 11), "Unix times in seconds", "unit='s'"),
    (range(12, 14), "Unix times in milliseconds", "unit='ms'"),
    (range(15, 17), "Unix times in microseconds", "unit='us'"),
    (range(18, 20), "Unix times in nanoseconds", "unit='ns'"),
)
"""Integer dates that are counts from an origin, told by their number of digits
(days of 1954-2119 for Excel; times of 1973-2286 for Unix), with the conversion."""


def _number_dates(example: str) -> tuple[str, str, str] | None:
    """(what, pd.to_datetime arguments, the day ``example`` is) for integer dates.

    None when the digits are no count :data:`_NUMBER_DATES` knows, or the day
    falls outside 1954-2119 (a code, not a date).

    Examples
    --------
    >>> _number_dates("45292")
    ('Excel day numbers', "unit='D', origin='1899-12-30'", '2024-01-01')
    >>> _number_dates("1704153600")[2]
    '2024-01-02'
    >>> _number_dates("123") is None
    True
    """
    text = example.lstrip("-")
    for digits, what, arguments in _NUMBER_DATES:
        if len(text) in digits and text.isdigit():
            unit = arguments.split("'")[1]
            origin = "1899-12-30" if unit == "D" else "unix"
            try:
                day = pd.to_datetime(int(example), unit=unit, origin=origin)
            except (ValueError, OverflowError, pd.errors.OutOfBoundsDatetime):
                return None
            if 1954 <= day.year <= 2119:
                return what, arguments, f"{day:%Y-%m-%d}"
    return None


def _is_calendar_day(digits: str) -> bool:
    try:
        _dt.datetime.strptime(digits, "%Y%m%d")
    except ValueError:
        return False
    return True


def _where(param: str) -> str:
    """Where the labels are: a file's first column, or a frame's index."""
    return "the first column" if param == "path" else "the index"


def _parse_other(text: pd.Index, source: str, param: str) -> pd.DatetimeIndex:
    readings = {}
    for fmt in _OTHER_FORMATS:
        try:
            readings[fmt] = pd.DatetimeIndex(pd.to_datetime(text, format=fmt))
        except (ValueError, TypeError):
            continue
    distinct = {tuple(v.asi8): fmt for fmt, v in readings.items()}
    if len(distinct) == 1:
        return readings[next(iter(distinct.values()))]
    if not readings:
        # each label by parse_day's rule (a time zone pandas' column parser
        # refuses, offsets written two ways), each once, up to the first it refuses
        days: list[pd.Timestamp] = []
        for value in text:
            try:
                days.append(parse_day(value))
            except (ValueError, TypeError):
                break
        else:
            return pd.DatetimeIndex(days)
        row = len(days)  # parse_day refuses it; the labels before it are days
        bad = _first_unreadable(text[row:], None)
        if bad is None:  # every label is a date, but not all written one way
            # a label parse_day reads, to show beside the one it does not
            readable = (i for i, v in enumerate(text) if i < row or reads_as_day(v))
            ok = next(readable, None)
            if ok is not None:
                raise data_error(
                    param,
                    Advice(
                        f"{source}: the dates are written in different forms, e.g. "
                        f"{text[ok]!r} and {text[row]!r} (row {row + 1}); write them "
                        "one way (no one date_format reads them). ",
                        *_index_fix(param, by_format=False),
                        ".",
                    ),
                )
        bad = bad if bad is not None else str(text[0])
        if any(c.isdigit() and not c.isascii() for c in bad):
            why = " (dates are written with the digits 0-9)"
        elif _PART_OF_DAY.fullmatch(bad):
            why = " (a year or a month alone is not a day)"
        else:
            why = ""
        raise data_error(
            param,
            Advice(
                f"{source}: {_where(param)} must hold dates; could not read {bad!r} "
                f"as a date{why}. ",
                *_index_fix(param, sample=bad, labels=text),
                ".",
            ),
        )
    formats = " or ".join(repr(f) for f in readings)
    first, *others = readings
    message = Advice(
        f"{source}: dates such as {text[0]!r} can be read as {formats} (day and "
        "month are ambiguous). ",
        *_index_fix(param, first),
        f" (or {others[0]!r})" if others else "",
        ".",
    )
    if param == "path":  # the file's dates are fine: their format is to be said
        raise InvalidParameterError("date_format", message)
    raise data_error(param, message)


def _wall_clock(index: pd.DatetimeIndex, source: str, param: str) -> pd.DatetimeIndex:
    """Local calendar days: time zones dropped, times of day removed; no epoch ns."""
    if index.tz is not None:
        index = index.tz_localize(None)  # the local date, not the UTC one
    if index.hasnans:
        position = int(np.flatnonzero(index.isna())[0])
        raise data_error(
            param,
            f"{source}: {int(index.isna().sum())} dates are NaT (first at row "
            f"{position + 1}); give every row a date or drop those rows.",
        )
    if epoch_nanoseconds(index):
        raise data_error(param, f"{source}: {EPOCH_NANOSECONDS}")
    return pd.DatetimeIndex(index.normalize(), name="Date")


# ------------------------------------------------------------ a time axis


EPOCH_NANOSECONDS = (
    "every date is within a second of 1970-01-01: integers (YYYYMMDD?) were read "
    "as nanoseconds since 1970, not days. Read YYYYMMDD integers as days with "
    "pd.to_datetime(integers.astype(str), format='%Y%m%d')."
)


def epoch_nanoseconds(index: pd.DatetimeIndex) -> bool:
    """Whether every time of ``index`` is within a second of 1970-01-01 00:00 UTC.

    Integers read as nanoseconds since 1970 (``pd.to_datetime`` of YYYYMMDD
    numbers) give such an index: all of them within a fraction of a second, on
    1970-01-01 or, once given a zone, on the day before or after it locally (in
    any zone and after any conversion, the instants stay within a day of the
    epoch). Real days are a day apart.
    """
    if len(index) < 2:
        return False
    instants = index.asi8  # UTC for a zoned index; NaT is the lowest int64
    second = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}[index.unit]
    day = 86_400 * second
    if not -day < instants[0] < day:  # the usual answer, without a pass over days
        return False
    near = bool(((instants > -day) & (instants < day)).all())
    return near and int(instants.max()) - int(instants.min()) < second


_TEXT_OFFSET = re.compile(
    r"\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*([+-]\d{2}(?::?\d{2})?|Z)$", re.ASCII
)
"""A UTC offset at the end of a date and time written as text."""


def to_datetime_call(values: Any, expression: str) -> str:
    """The call that reads ``values`` (shown as ``expression``) as dates.

    Dates with different UTC offsets (a mixed-zone index of datetimes, or text
    with offsets such as +01:00 and +02:00) are read by the package's one rule,
    the local date and time with the zone dropped (:func:`local_dates`): plain
    ``pd.to_datetime`` refuses them, and ``utc=True`` would move a Tokyo
    morning to the day before.
    """
    index = pd.Index(values)
    if isinstance(index, pd.PeriodIndex):
        return f"{expression}.to_timestamp()"  # pd.to_datetime refuses periods
    if pd.api.types.is_numeric_dtype(index.dtype) and len(index):
        # numbers are never read as nanoseconds since 1970: YYYYMMDD, or not days
        integers = pd.api.types.is_integer_dtype(index.dtype)
        values = index.to_numpy(dtype=float)
        whole = bool(np.all(np.isfinite(values)) and np.all(values == np.round(values)))
        if whole and np.all((values >= 1e7) & (values < 1e8)):
            digits = expression if integers else f"{expression}.astype('int64')"
            return f"pd.to_datetime({digits}.astype(str), format='%Y%m%d')"
        kind = "integers" if integers else "numbers"
        return (
            f"<the rows' dates> ({expression} holds {kind} such as {index[0]}, "
            "which are not dates)"
        )
    offsets = set()
    for value in index[:10_000]:
        if isinstance(value, str):
            # an offset follows a time of day ("2024-01-02 09:00+09:00"); a plain
            # date's "-01-02" is not one
            offset = _TEXT_OFFSET.search(value.strip())
            offsets.add(offset.group(1) if offset else None)
        else:
            zone = getattr(value, "tzinfo", None)
            offsets.add(None if zone is None else zone.utcoffset(value))
    if len(offsets - {None}) > 1 or (None in offsets and len(offsets) > 1):
        # each stamp's own wall-clock time, its zone dropped: the local date
        local = "pd.Timestamp(t).tz_localize(None)"
        return f"pd.DatetimeIndex([{local} for t in {expression}])"
    texts = [v.strip() for v in index[:10_000] if isinstance(v, str)]
    if texts and len(texts) == min(len(index), 10_000):
        return _text_dates_call(pd.Index(texts), expression)
    return f"pd.to_datetime({expression})"


# written day-first or month-first by spreadsheets: pandas' own guess reads
# 11/07/22 as November, and refuses 11.07.2022; the call must name the format
_TEXT_FORMATS = (
    *_OTHER_FORMATS,
    *("%d/%m/%y", "%m/%d/%y", "%d-%m-%Y", "%m-%d-%Y", "%d.%m.%y", "%Y%m%d"),
)


def _text_dates_call(texts: pd.Index, expression: str) -> str:
    """The ``pd.to_datetime`` call that reads these texts, with their format."""
    try:
        pd.to_datetime(texts, format="ISO8601")
    except (ValueError, TypeError):
        pass
    else:
        return f"pd.to_datetime({expression})"
    readings: dict[tuple[int, ...], str] = {}
    for fmt in _TEXT_FORMATS:
        try:
            days = pd.DatetimeIndex(pd.to_datetime(texts, format=fmt))
        except (ValueError, TypeError):
            continue
        readings.setdefault(tuple(days.asi8), fmt)
    formats = list(readings.values())
    if len(formats) == 1:
        return f"pd.to_datetime({expression}, format={formats[0]!r})"
    if formats:  # day and month cannot be told apart: the reader must choose
        return (
            f"pd.to_datetime({expression}, format={formats[0]!r}) or format="
            f"{formats[1]!r} (day and month cannot be told apart in these dates: "
            "choose the one they are written in)"
        )
    return f"pd.to_datetime({expression}, format=<the format of these dates>)"


def undated(index: pd.Index) -> bool:
    """A default 0..n-1 RangeIndex: what an array becomes, i.e. no dates.

    Other integers are read as days (YYYYMMDD); a RangeIndex from another start
    (a default index sliced) is refused there with the fix (``reset_index``).
    """
    return isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1


def wall_clock(stamps: Any) -> Any:
    """A Timestamp or DatetimeIndex as its local wall-clock times, zone dropped.

    The package's one reading of a time zone (:func:`local_dates`): a day in
    New York time and the same day without a zone are the same day. Anything
    else, and stamps without a zone, are returned as they are.
    """
    if isinstance(stamps, (pd.Timestamp, pd.DatetimeIndex)) and stamps.tz is not None:
        return stamps.tz_localize(None)
    return stamps


def local_dates(data: Any) -> Any:
    """``data`` (Series/DataFrame) with a tz-aware DatetimeIndex made tz-naive.

    The rule of :func:`parse_day` for a whole axis: the time zone is dropped keeping
    the *local* wall-clock time (so the local date), never converted to UTC; a day
    given in New York time and the same day without a zone are the same day. Other
    inputs are returned unchanged (a copy is made only when a zone is dropped).
    """
    index = getattr(data, "index", None)
    if isinstance(index, pd.DatetimeIndex) and index.tz is not None:
        data = data.copy(deep=False)
        data.index = wall_clock(index)
    return data


def plain_dates(data: Any) -> Any:
    """``data`` with the dates pyarrow holds on a DatetimeIndex.

    pandas' pyarrow backend (``timestamp[ns][pyarrow]``, ``date32[pyarrow]``)
    keeps such an index a plain Index, which every date rule of the package
    refuses, and ``pd.to_datetime`` returns it unchanged; the public functions'
    arguments pass through here (:func:`regimes._contract.validate_params`).
    A mapping (:func:`regimes.fit_many`'s data sets) has each of its values
    read so. Anything else is returned as it is.
    """
    if isinstance(data, Mapping) and any(
        isinstance(v, (pd.Series, pd.DataFrame)) for v in data.values()
    ):
        return {key: plain_dates(value) for key, value in data.items()}
    if not isinstance(data, (pd.Series, pd.DataFrame)):
        return data
    index = data.index
    if not (
        isinstance(index.dtype, pd.ArrowDtype)
        and pd.api.types.is_datetime64_any_dtype(index.dtype)
    ):
        return data
    try:
        dates = pd.DatetimeIndex(index, name=index.name)
    except (TypeError, ValueError):  # dates without a time (date32)
        dates = pd.DatetimeIndex(index.astype("datetime64[ns]"), name=index.name)
    data = data.copy(deep=False)
    data.index = dates
    return data


def local_days(data: Any) -> Any:
    """``data`` on its local dates, times of day dropped when each date has one row.

    :func:`local_dates` first (the zone dropped, the local time kept). Daily data
    are stamped at midnight by some sources and at the close (16:00) by others;
    the same trading day must meet itself. Rows with several times on one date
    (intraday data) keep their times: merging them would lose rows.
    """
    data = local_dates(data)
    index = getattr(data, "index", None)
    if isinstance(index, pd.DatetimeIndex) and len(index):
        days = index.normalize()
        if not days.equals(index) and days.is_unique:
            data = data.copy(deep=False)
            data.index = days
    return data


def same_local_days(a: pd.Index, b: pd.Index) -> bool:
    """Whether two indexes hold the same days by :func:`local_days`' rule.

    The same days in another time zone, or stamped at the close rather than at
    midnight, are the same days; intraday rows must match to the second.
    """
    if not (isinstance(a, pd.DatetimeIndex) and isinstance(b, pd.DatetimeIndex)):
        return False
    if len(a) != len(b):
        return False
    days = [local_days(pd.Series(0, index=index)).index for index in (a, b)]
    return bool(days[0].equals(days[1]))


def check_day_index(index: pd.Index, name: str) -> None:
    """Raise unless ``index`` is a non-empty, unique, increasing DatetimeIndex.

    Each failure has its own fix: NaT is not reported as disorder, nor a repeated day
    as an unsorted one. Raises :class:`~regimes.exceptions.InvalidParameterError`
    naming ``name``.
    """
    if not isinstance(index, pd.DatetimeIndex):
        raise InvalidParameterError(
            name,
            f"{name} must have a DatetimeIndex, got {kind_of(index)}; set "
            f"one with {name}.index = {to_datetime_call(index, f'{name}.index')}.",
        )
    if len(index) == 0:
        raise InvalidParameterError(name, f"{name} is empty; pass at least one day.")
    if index.hasnans:
        raise InvalidParameterError(
            name,
            f"{name} has {int(index.isna().sum())} NaT dates (first at position "
            f"{int(np.flatnonzero(index.isna())[0])}); drop those rows with "
            f"{name}[{name}.index.notna()].",
        )
    if epoch_nanoseconds(index):
        raise InvalidParameterError(name, f"{name}: {EPOCH_NANOSECONDS}")
    if not index.is_unique:
        dup = index[index.duplicated()][0]
        raise InvalidParameterError(
            name,
            f"{name} has duplicate dates (first: {dup.date()}); drop them with "
            f"{name}[~{name}.index.duplicated()].",
        )
    if not index.is_monotonic_increasing:
        raise InvalidParameterError(
            name,
            f"{name}'s dates must be increasing; sort them with {name}.sort_index().",
        )


# ------------------------------------------------------------ sampling frequency

# Trading days are 1 calendar day apart, 3 over a weekend and up to 4-5 over a long
# weekend: their median spacing is 1. Weekly data give 7, monthly about 30, and
# intraday data less than 1; all of these are not daily.
MAX_DAILY_SPACING = pd.Timedelta(days=4)
"""Longest median spacing of daily data (a long weekend); beyond it, not daily."""
_MIN_DAILY_SPACING = pd.Timedelta(days=1)


def median_spacing(index: pd.DatetimeIndex) -> pd.Timedelta | None:
    """The median time between consecutive dates, or None for fewer than 2 dates."""
    if len(index) < 2:
        return None
    # numpy, not pandas' median: pandas wraps its median in warnings.catch_warnings,
    # a process-global change that fits in other threads would see (the fit's
    # frequency check calls this)
    steps = np.diff(np.asarray(index.asi8, dtype=np.int64))
    return pd.Timedelta(float(np.median(steps)), unit=index.unit)


def trading_days_per_row(index: Any) -> float:
    """The trading days one row spans, by the median spacing of the dates.

    1 for daily rows (a median spacing of up to a long weekend), else the
    spacing's weekdays (calendar days x 5 / 7: about 5 for weekly rows, 22 for
    monthly). Undated rows are daily.

    The units rules judge a day's move; a row of k days moves about sqrt(k)
    times as much (hostile 73-76: monthly decimal returns were read as percent).

    Examples
    --------
    >>> import pandas as pd
    >>> trading_days_per_row(pd.bdate_range("2024-01-01", periods=5))
    1.0
    >>> monthly = pd.date_range("2024-01-31", periods=5, freq="ME")
    >>> round(trading_days_per_row(monthly), 1)
    21.8
    """
    if not isinstance(index, pd.DatetimeIndex):
        return 1.0
    spacing = median_spacing(index)
    if spacing is None:
        return 1.0
    if spacing <= MAX_DAILY_SPACING:
        # every other trading day has a daily median spacing (2 days, 4 over a
        # weekend) but half the rows a year (hostile 88, 2)
        rate = _rows_a_year(index)
        return 1.0 if rate is None or rate >= MIN_ROWS_A_YEAR else 252 / rate
    return max(1.0, spacing / pd.Timedelta(days=1) * 5 / 7)


def _rows_a_year(index: pd.DatetimeIndex) -> float | None:
    """Rows a calendar year of the time the rows cover; None under a month.

    Gaps longer than :data:`MAX_GAP` and three rows' median spacing (a hole
    in the data, which its own warning names) are not time the rows cover: a
    hole of years is no sparser spacing.
    """
    if len(index) < 2:
        return None
    steps = np.diff(np.asarray(index.asi8, dtype=np.int64))
    spacing = np.median(steps)
    # a hole: beyond MAX_GAP for daily rows, beyond three rows' spacing for
    # sparser ones (a month between monthly rows is no hole)
    limit = max(MAX_GAP / pd.Timedelta(1, unit=index.unit), 3 * spacing)
    covered = pd.Timedelta(
        float(steps[steps <= limit].sum() + spacing), unit=index.unit
    )
    if covered < _MIN_CALENDAR_SPAN:
        return None
    return len(index) / (covered / pd.Timedelta(days=365.25))


def row_unit(index: Any, short: bool = False) -> str:
    """What a count of ``index``'s rows counts, for a spell's length in words.

    "trading days" (``short``: "days") for daily rows (and undated ones),
    "weeks" or "months" for rows that far apart, else "rows" (intraday rows
    too): a spell of 76 monthly rows is not 76 trading days (hostile 86, 8:
    the report said so; hostile 87, E: the command and the report's other
    texts too).

    Examples
    --------
    >>> import pandas as pd
    >>> row_unit(pd.bdate_range("2024-01-01", periods=5))
    'trading days'
    >>> row_unit(pd.date_range("2024-01-31", periods=5, freq="ME"))
    'months'
    >>> row_unit(pd.date_range("2024-01-02 10:00", periods=5, freq="h"))
    'rows'
    """
    spacing = median_spacing(index) if isinstance(index, pd.DatetimeIndex) else None
    if spacing is not None and spacing < pd.Timedelta(hours=20):
        return "rows"  # intraday: hours are not trading days
    per_row = trading_days_per_row(index)
    if per_row == 1.0:
        return "days" if short else "trading days"
    # weeks and months by their rows a year where the span tells it (every
    # third trading day is 5 days apart too: hostile 88, 2), else the spacing
    rate = _rows_a_year(index)
    weekly, monthly = (
        (45 <= rate <= 60, 10.5 <= rate <= 13.5)
        if rate is not None
        else (5 <= per_row * 7 / 5 <= 9, 27 <= per_row * 7 / 5 <= 32)
    )
    return "weeks" if weekly else "months" if monthly else "rows"


def row_step(index: Any) -> str:
    """One row of ``index`` in words: "day", "week", "month" or "row".

    Examples
    --------
    >>> import pandas as pd
    >>> row_step(pd.date_range("2024-01-05", periods=30, freq="W-FRI"))
    'week'
    """
    return {"days": "day", "weeks": "week", "months": "month"}.get(
        row_unit(index, short=True), "row"
    )


MAX_ROWS_A_YEAR = 300
"""Most rows a calendar year of trading-day data (252 a year; 300 leaves room for
a six-day week's markets at ~310 to be told, and for holidays' spread)."""
MIN_ROWS_A_YEAR = 170
"""Fewest rows a calendar year of trading-day data: every other trading day
leaves 126 of 252; a market open four days a week, with its holidays, about
200, and a year with a month of closures about 230 (hostile 89, O2: at 200, a
Monday-to-Thursday market flipped with its holidays)."""
_MIN_CALENDAR_SPAN = pd.Timedelta(days=28)
"""Shortest span over which rows a year are counted: a week of five rows spans
five days (365 a year), four weeks of trading days ~260 a year."""


def calendar_note(index: pd.DatetimeIndex) -> str | None:
    """Why ``index``, one row a day, is not trading days; None if it is.

    Calendar-day data (crypto, seven days a week) has a median spacing of one day
    like trading days, but 365 rows a year: figures annualised with 252 rows
    would be off by sqrt(365 / 252) in volatility; every other trading day,
    126 rows a year, by sqrt(2).
    """
    rate = _rows_a_year(index)
    if rate is None or MIN_ROWS_A_YEAR <= rate <= MAX_ROWS_A_YEAR:
        return None
    if rate < MIN_ROWS_A_YEAR:
        # daily spacing, half the rows: figures annualised with 252 rows are
        # off by sqrt(2) in volatility (hostile 88, 2)
        return (
            f"the dates have {rate:.0f} rows a calendar year (every other "
            "trading day, or many days missing?), not ~252 trading days"
        )
    return (
        f"the dates have {rate:.0f} rows a calendar year (every calendar day?), "
        "not ~252 trading days"
    )


def not_yet() -> pd.Timestamp:
    """The first day that has not happened, on this machine's clock.

    The day after tomorrow: tomorrow is let through, as a market east of here
    may have closed it. The one rule of days after today (the daily log's
    refusal, two-digit years read a century late).
    """
    return pd.Timestamp.now().normalize() + pd.Timedelta(days=2)


def check_days_happened(index: Any, name: str) -> None:
    """Raise if ``index`` holds days after tomorrow on this machine's clock.

    An audit log records each day as first computed: a day logged before its
    time (a test file's dates, a typo for 2029) is a record that cannot be, and
    every later run, given that day's real values, is refused as a revision
    (hostile 78, 6b). One day of slack: a market east of here can have
    closed tomorrow's date already. Raises
    :class:`~regimes.exceptions.InvalidParameterError` naming ``name``.
    """
    if not isinstance(index, pd.DatetimeIndex) or not len(index):
        return
    naive = wall_clock(index)
    today = pd.Timestamp.now().normalize()
    later = naive[naive.normalize() >= not_yet()]
    if len(later):
        raise InvalidParameterError(
            name,
            f"{name} has {len(later)} rows dated after today ({today.date()} on "
            "this machine's clock; tomorrow is let through, as a market east of "
            f"here may have closed it), the first {stamp_text(later[0])}: an audit log "
            "records days that have happened, and a day logged before its time "
            "would make every later run refuse its real values as a revision. "
            f"Drop them ({name}.loc[:'{today.date()}'], or --end {today.date()} "
            "on the command line) or correct their dates.",
        )


MAX_GAP = pd.Timedelta(days=14)
"""Longest gap between two daily rows read as a market's closure (the longest
US closures, 9/11 and Sandy, span 6 and 4 calendar days; the longest holiday
weeks elsewhere, about 10)."""


def gap_note(index: pd.Index) -> str | None:
    """Why daily rows with a hole of weeks between them are not one series.

    An HMM reads consecutive rows as consecutive days: rows from 2016-12-30
    then 2018-01-02 are one transition, and a year dropped from the data (or a
    cross-validation fold's training rows around a held-out part) is chained
    over silently (hostile 78, 6a). Said for rows with a gap longer than
    :data:`MAX_GAP` and three times their median spacing (weekly and monthly
    rows too); None otherwise.
    """
    if not isinstance(index, pd.DatetimeIndex) or len(index) < 3:
        return None
    spacing = median_spacing(index)
    if spacing is None:
        return None
    # weekly or monthly rows: a hole of more than three rows' spacing (a year
    # dropped from monthly rows was one transition, in silence: hostile 89, S3)
    limit = max(MAX_GAP, 3 * spacing)
    gaps = index[1:] - index[:-1]
    i = int(np.argmax(gaps))
    if gaps[i] <= limit:
        return None
    n_long = int((gaps > limit).sum())
    more = f" (and {n_long - 1} more gaps over {limit.days} days)" if n_long > 1 else ""
    step = "days" if spacing <= MAX_DAILY_SPACING else "rows"
    return (
        f"the rows jump from {stamp_text(index[i])} to {stamp_text(index[i + 1])}, "
        f"{gaps[i].days} days with no row between{more}: the model reads the rows "
        f"as consecutive {step}, one transition across the gap, and every run, "
        "duration and causal figure across it. A market closed that long (Greece "
        "2015) is read so, and this is as it should be; rows dropped from the "
        "data (missing values in some columns) belong back in, with NaN where "
        "values are missing (missing='marginalize', --keep-missing); separate "
        "histories are fitted apart."
    )


WEEKEND_SHARE = 0.05
"""Share of trading-day rows on Saturdays and Sundays beyond which their dates
read as shifted by a time zone (a five-day week moved by one day puts a fifth of
its rows there; holidays moved by a day would not come near)."""


def weekend_rows_note(index: pd.Index) -> str | None:
    """Why one row a day, stamped at a time of day, may sit on the wrong dates.

    Closes stamped at local midnight and converted to UTC fall on the day
    before east of Greenwich (Paris: 22:00 or 23:00 UTC), and a close moved
    into a zone far east on the day after: a five-day week then puts rows on
    Sundays or Saturdays. Every date an output shows is then a day off, and a
    join with other data by date pairs a signal with the wrong day's return.
    Said when at least :data:`WEEKEND_SHARE` of the rows fall on a weekend, the
    rows are stamped at a time of day (midnight stamps are dates, not
    converted times), one row a date (not intraday), and the data are trading
    days, not every calendar day (:func:`calendar_note`, crypto). None
    otherwise.
    """
    if not isinstance(index, pd.DatetimeIndex) or len(index) < 20:  # four weeks
        return None
    naive = wall_clock(index)
    timed = naive != naive.normalize()
    weekend = naive.day_of_week >= 5
    if not timed.any() or weekend.mean() < WEEKEND_SHARE:
        return None
    # a zone other than UTC is taken as the market's own (a Sunday-Thursday
    # market stamped in Asia/Riyadh: hostile 79, 6); rows on all seven
    # weekdays are a market that trades every day, some days missing (crypto)
    if (
        index.tz is not None
        and not (index.tz_convert("UTC").tz_localize(None) == naive).all()
    ):
        return None  # a zone with an offset somewhere: UTC, GMT, Etc/UTC have none
    if len(set(naive.day_of_week)) == 7:
        return None
    if not naive.normalize().is_unique:  # intraday rows: their own warning
        return None
    if calendar_note(index) is not None:
        return None
    first = naive[weekend][0]
    hours = sorted({f"{t:%H:%M}" for t in naive[weekend & timed][:500]})
    zone = f" ({index.tz})" if index.tz is not None else ""
    fix = (
        "returns.index = returns.index.tz_convert(zone)"
        if index.tz is not None
        else "returns.index = returns.index.tz_localize('UTC').tz_convert(zone) "
        "if the times are UTC"
    )
    return (
        f"{weekend.sum()} of the {len(naive)} rows fall on a Saturday or Sunday "
        f"(the first {first:%A %Y-%m-%d %H:%M}), at {', '.join(hours[:4])}"
        f"{zone}: closes stamped at midnight where the market is and written in "
        "another time zone fall on the day before or after, so every date the "
        "outputs show is a day off, and data joined by date meet the wrong day. "
        f"Put the times in the market's zone before they are read: {fix}, with "
        "zone the market's (e.g. 'Europe/Paris'); dates are then taken as the "
        "market's (a daily state begun on the dates as they are needs a new "
        "folder). A market that trades on weekend days is read right as it is."
    )


def warn_if_not_daily(index: pd.DatetimeIndex, what: str) -> bool:
    """Warn (NotDailyWarning) if ``index`` is not about one row per trading day.

    The one check for every figure annualised with 252 rows a year: ``what`` names
    the figures (e.g. "backtest's ann_return, ann_vol and sharpe"). Dates further
    apart than a long weekend, intraday times, or more rows a calendar year than
    trading days (:func:`calendar_note`). Returns True if it warned.
    """
    spacing = median_spacing(index)
    if spacing is None:
        return False
    if _MIN_DAILY_SPACING <= spacing <= MAX_DAILY_SPACING:
        why = calendar_note(index)
    else:
        apart = _spacing_text(spacing)
        why = f"the dates are {apart} apart (median), not one trading day"
    if why is None:
        return False
    warn_user(
        f"{why}: {what} assume 252 rows a year and are wrong for this data. Pass "
        "daily returns of trading days, or annualise yourself with the number of "
        "rows a year of your data.",
        NotDailyWarning,
    )
    return True


def _spacing_text(spacing: pd.Timedelta) -> str:
    days = spacing / pd.Timedelta(days=1)
    if days >= 1:
        return f"{days:.3g} days"
    return f"{spacing / pd.Timedelta(minutes=1):.3g} minutes"


def calendar_years(index: pd.DatetimeIndex) -> float:
    """Years covered by the dates, from their calendar span, one row's spacing added.

    ``n`` rows ``s`` apart cover ``n * s``: 300 monthly rows are 25 years, 252
    trading days about one year (their span, 365 days less a weekend's spacing, plus
    the median spacing of 1 day).
    """
    spacing = median_spacing(index)
    if spacing is None:
        return float("nan")
    span = index[-1] - index[0] + spacing
    return span / pd.Timedelta(days=365.25)
