"""Daily sector returns as pandas: a bundled real sample, yfinance downloads, CSV files.

Every loader returns a DataFrame of daily returns with a sorted DatetimeIndex named
"Date" and one column per sector or ticker, ready for :meth:`regimes.RegimeModel.fit`:
**log returns (decimal)** when the input held prices (the sample and downloads do),
otherwise the returns as given (``attrs["kind"]`` says which was assumed).

- :func:`load_sample`: works offline; built from data shipped in skfolio
  (see ``data/README.md`` for provenance and caveats).
- :func:`download_returns`: adjusted closes from Yahoo Finance through yfinance,
  cached on disk.
- :func:`read_returns`: a CSV of your own prices or returns.
- :func:`prepare_returns`: the same treatment for a frame you already have.

Every loader applies one policy to ragged tables (columns that start late, gaps),
to prices versus returns and to dates; :func:`prepare_returns` describes it.
"""

from __future__ import annotations

import hashlib
import os
import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from ._io import atomic_path
from ._validation import check_returns, guess_kind, percent_median
from .exceptions import (
    AssumedKindWarning,
    DataDownloadError,
    DataWarning,
    PercentReturnsWarning,
)

__all__ = [
    "SAMPLE_SECTORS",
    "SECTOR_ETFS",
    "default_cache_dir",
    "download_returns",
    "load_sample",
    "prepare_returns",
    "read_returns",
    "to_log_returns",
]

SECTOR_ETFS: dict[str, str] = {
    "XLB": "Materials",
    "XLC": "Communication Services",
    "XLE": "Energy",
    "XLF": "Financials",
    "XLI": "Industrials",
    "XLK": "Technology",
    "XLP": "Consumer Staples",
    "XLRE": "Real Estate",
    "XLU": "Utilities",
    "XLV": "Health Care",
    "XLY": "Consumer Discretionary",
}
"""The Select Sector SPDR ETFs, ticker -> GICS sector. XLRE starts in October 2015 and
XLC in June 2018; the others in December 1998."""

SAMPLE_SECTORS: dict[str, tuple[str, ...]] = {
    "Technology": ("AAPL", "AMD", "MSFT"),
    "Financials": ("BAC", "JPM"),
    "Consumer Discretionary": ("BBY", "HD"),
    "Energy": ("CVX", "XOM", "RRC"),
    "Industrials": ("GE",),
    "Health Care": ("JNJ", "LLY", "MRK", "PFE", "UNH"),
    "Consumer Staples": ("KO", "PEP", "PG", "WMT"),
}
"""The stocks behind each column of :func:`load_sample` (equal weights)."""

_SAMPLE_FILE = "sector_returns.csv.gz"
_INDEX_COLUMN = "SP500"
CACHE_ENV = "REGIMES_CACHE_DIR"


# ------------------------------------------------------------------------ sample


def load_sample(kind: Literal["sectors", "index"] = "sectors") -> pd.DataFrame:
    """Daily log returns of US sector groups, 1990-01-03 to 2022-12-28 (offline).

    Built from the daily prices of 20 S&P 500 stocks and of the S&P 500 index that the
    skfolio package ships (BSD-3-Clause). A sector's return is the equal-weighted
    average of its stocks' daily log returns (:data:`SAMPLE_SECTORS`).

    Parameters
    ----------
    kind : {"sectors", "index"}, default="sectors"
        ``"sectors"``: 7 columns, one per sector group. ``"index"``: one column,
        "SP500", the S&P 500 index's daily log return on the same dates.

    Returns
    -------
    DataFrame
        8,312 rows, DatetimeIndex named "Date", decimal log returns.

    Notes
    -----
    Early prices are rounded to 3 decimals and some stocks traded rarely in the early
    1990s (Energy's RRC has runs of unchanged prices and a -67% day on 1990-04-10);
    see ``data/README.md`` in the repository for the checks and caveats.

    Examples
    --------
    >>> returns = load_sample()
    >>> returns.shape
    (8312, 7)
    >>> list(load_sample("index").columns)
    ['SP500']
    """
    if kind not in ("sectors", "index"):
        raise ValueError(f"kind must be 'sectors' or 'index', got {kind!r}.")
    source = resources.files("regimes") / "_data" / _SAMPLE_FILE
    with resources.as_file(source) as path:
        frame = pd.read_csv(path, index_col="Date", parse_dates=True)
    frame.index = pd.DatetimeIndex(frame.index, name="Date")
    frame = (
        frame[[_INDEX_COLUMN]] if kind == "index" else frame.drop(columns=_INDEX_COLUMN)
    )
    frame.attrs["kind"] = "returns"
    return _checked(frame, "bundled sample")


# ------------------------------------------------------------- the one policy


def to_log_returns(prices: pd.DataFrame | pd.Series) -> pd.DataFrame:
    """Daily log returns ln(P_t / P_{t-1}) of a price table; the first row is dropped.

    Parameters
    ----------
    prices : DataFrame or Series
        Positive prices, sorted by date, one column per asset.

    Returns
    -------
    DataFrame
        One row fewer than ``prices``, same columns.

    Raises
    ------
    ValueError
        If a price is zero or negative (the message names the column and date).

    Examples
    --------
    >>> prices = pd.DataFrame({"A": [100.0, 110.0, 99.0]},
    ...                       index=pd.date_range("2024-01-01", periods=3))
    >>> to_log_returns(prices)["A"].round(4).tolist()
    [0.0953, -0.1054]
    """
    frame = prices.to_frame() if isinstance(prices, pd.Series) else prices
    _check_positive(frame, None)
    return np.log(frame.astype(float)).diff().iloc[1:]


def prepare_returns(
    frame: pd.DataFrame | pd.Series,
    *,
    kind: Kind = "auto",
    start: str | date | None = None,
    end: str | date | None = None,
    columns: Sequence[str] | str | None = None,
    min_coverage: float = 0.9,
) -> pd.DataFrame:
    """Turn a table of prices or returns, ragged or not, into a returns frame.

    This is the policy every loader of :mod:`regimes.data` and the ``regimes``
    command apply; call it on a frame you built yourself to get the same result.
    The steps, in this order:

    1. **Dates.** An index of dates is required: a DatetimeIndex, or labels such as
       ``20240131`` (YYYYMMDD integers), ``"2024-01-31"``, ``"01/31/2024"``
       (read as in :func:`read_returns`). Time zones are dropped keeping the local
       date; repeated dates are an error; rows are sorted by date.
    2. **Cut** to ``start`` .. ``end`` (both inclusive), then keep ``columns``.
    3. **Kind.** Prices or returns (``kind``); see :func:`read_returns`. A price
       of zero or below, or an infinite value, is an error naming column and date.
    4. **Ragged columns.** A column's *coverage* is the share of the remaining days
       on which it has a value. Columns below ``min_coverage`` are dropped; the
       others are kept and the table is trimmed to the days between the latest
       first value and the earliest last value of the kept columns. Both steps give
       a :class:`~regimes.exceptions.DataWarning` naming each column and its first
       (or last) date.
    5. **Interior gaps** (a holiday in one market, a missing quote): a day on which
       some kept column has no value is dropped for every column, with a warning
       counting them. For prices nothing is lost: the next log return spans the gap
       (log returns add up). For returns, the other columns' returns of that day
       are dropped with it.
    6. Prices become daily log returns (:func:`to_log_returns`; the first day is
       lost). Returns that look like percent give a
       :class:`~regimes.exceptions.PercentReturnsWarning` and are kept as they are.
    7. The result is checked: not empty, unique sorted dates, finite values.

    Parameters
    ----------
    frame : DataFrame or Series
        Prices or returns, one column per asset, indexed by date.
    kind : {"auto", "prices", "returns"}, default="auto"
        What the values are. ``"auto"`` decides from the data and says so with an
        :class:`~regimes.exceptions.AssumedKindWarning` (see :func:`read_returns`).
    start, end : str or date, optional
        First and last day to use (inclusive), applied right after the dates are read.
    columns : sequence of str or str, optional
        Columns to keep (a string may list them separated by commas); default all.
    min_coverage : float, default=0.9
        Columns with values on less than this share of the days are dropped; 0
        keeps every column with a value (the table then starts when the latest
        column does), 1 keeps only complete columns.

    Returns
    -------
    DataFrame
        Daily returns (log returns if the input held prices), DatetimeIndex named
        "Date", ``attrs["kind"]`` set to "prices" or "returns" (what the input was).

    Raises
    ------
    ValueError
        For bad arguments or dates, prices <= 0, infinite values, or nothing usable
        left; the message names what is at fault and the fix.

    Warns
    -----
    regimes.exceptions.DataWarning
        For every dropped column, trimmed start or end, or dropped gap days.

    Examples
    --------
    >>> prices = pd.DataFrame(
    ...     {"A": [10.0, 11.0, 12.0, 11.0, 12.5], "B": [None, None, 5.0, 5.5, 5.0]},
    ...     index=[20240102, 20240103, 20240104, 20240105, 20240108])
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     returns = prepare_returns(prices, kind="prices", min_coverage=0.5)
    >>> print(caught[0].message)  # doctest: +NORMALIZE_WHITESPACE
    frame: the data start on 2024-01-04, when every kept column has a value
    (B from 2024-01-04).
    >>> returns.round(3)  # doctest: +NORMALIZE_WHITESPACE
                    A      B
    Date
    2024-01-05 -0.087  0.095
    2024-01-08  0.128 -0.095
    """
    settings = _Settings.check(kind, start, end, columns, min_coverage)
    if isinstance(frame, pd.Series):
        frame = frame.to_frame()
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(
            f"frame must be a DataFrame of prices or returns, got "
            f"{type(frame).__name__}."
        )
    frame = frame.set_axis(_parse_dates(frame.index, None, "frame"), axis=0)
    return _prepare(frame, settings, "frame")


def read_returns(
    path: str | os.PathLike[str],
    *,
    kind: Kind = "auto",
    start: str | date | None = None,
    end: str | date | None = None,
    columns: Sequence[str] | str | None = None,
    min_coverage: float = 0.9,
    date_format: str | None = None,
) -> pd.DataFrame:
    r"""Read a CSV of daily prices or returns into a validated returns frame.

    The file goes through :func:`prepare_returns` (dates cut first, ragged columns
    dropped or trimmed by ``min_coverage``, gaps, checks); this page says how the
    file itself is read.

    Parameters
    ----------
    path : str or path-like
        CSV file whose first column holds dates and whose other columns are
        numeric, one per asset. Empty cells, ``NA``, ``#N/A`` and ``.`` are missing
        values.
    kind : {"auto", "prices", "returns"}, default="auto"
        What the file holds. Prices become log returns; returns are used as they
        are. ``"auto"`` decides column by column from how much the values change
        from one day to the next compared with their size: prices move by about 1%
        of their level (whatever their units, also below 1), returns by more than
        their own size. The guess is reported with an
        :class:`~regimes.exceptions.AssumedKindWarning`; columns that disagree are
        an error asking for ``kind``.
    start, end : str or date, optional
        First and last day to use (inclusive), applied right after the dates are read.
    columns : sequence of str or str, optional
        Columns to keep; default all.
    min_coverage : float, default=0.9
        See :func:`prepare_returns`.
    date_format : str, optional
        A :func:`~datetime.datetime.strptime` format such as ``"%d/%m/%Y"``. By
        default dates are read as ISO dates (``2024-01-31``, with or without a
        time or a time zone), 8-digit integers YYYYMMDD (``20240131``), or
        ``01/31/2024``-style dates when the day and month cannot be confused;
        anything else is refused with the fix (never read as nanoseconds).

    Returns
    -------
    DataFrame
        Daily returns, DatetimeIndex named "Date", sorted by date;
        ``attrs["kind"]`` says whether the file held prices or returns.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file cannot be read as a CSV, its dates cannot be parsed or repeat,
        a column is not numeric, a price is <= 0, or nothing usable is left.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "prices.csv"
    >>> _ = path.write_text("Date,A\n20240102,100\n20240103,101\n20240104,99.5")
    >>> read_returns(path, kind="prices")["A"].round(4).tolist()
    [0.01, -0.015]
    """
    settings = _Settings.check(kind, start, end, columns, min_coverage)
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    try:
        raw = pd.read_csv(
            path, index_col=0, dtype={0: str}, na_values=["."], skipinitialspace=True
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
        raise ValueError(
            f"{path}: not a readable CSV ({type(e).__name__}: {str(e).strip()}); "
            "expected a header line, then one line per day: date, value, value, ..."
        ) from e
    if raw.empty or raw.shape[1] == 0:
        raise ValueError(
            f"{path}: no data (shape {raw.shape}); expected a header line, then one "
            "line per day: date, value, value, ..."
        )
    raw.index = _parse_dates(raw.index, date_format, str(path))
    return _prepare(raw, settings, str(path))


Kind = Literal["auto", "prices", "returns"]
_KINDS = ("auto", "prices", "returns")


@dataclass(frozen=True)
class _Settings:
    """The validated arguments of the ragged-panel policy."""

    kind: str
    start: pd.Timestamp | None
    end: pd.Timestamp | None
    columns: list[str] | None
    min_coverage: float

    @classmethod
    def check(
        cls,
        kind: Any,
        start: Any,
        end: Any,
        columns: Any,
        min_coverage: Any,
    ) -> _Settings:
        if kind not in _KINDS:
            raise ValueError(
                f"kind must be 'auto', 'prices' or 'returns', got {kind!r}."
            )
        start_ts, end_ts = _as_day(start, "start"), _as_day(end, "end")
        if start_ts is not None and end_ts is not None and start_ts > end_ts:
            raise ValueError(
                f"start ({start_ts.date()}) is after end ({end_ts.date()}); swap them."
            )
        if isinstance(min_coverage, bool) or not isinstance(min_coverage, (int, float)):
            raise ValueError(
                f"min_coverage must be a number between 0 and 1, got {min_coverage!r}."
            )
        if not 0 <= min_coverage <= 1:
            raise ValueError(
                f"min_coverage must be between 0 and 1, got {min_coverage}."
            )
        return cls(kind, start_ts, end_ts, _check_columns(columns), float(min_coverage))


def _as_day(value: Any, name: str) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        day = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise ValueError(
            f"{name} must be a date like '2020-01-31', got {value!r}."
        ) from exc
    if day is pd.NaT:
        raise ValueError(f"{name} must be a date like '2020-01-31', got {value!r}.")
    return day.tz_localize(None).normalize() if day.tz is not None else day.normalize()


def _check_columns(columns: Any) -> list[str] | None:
    if columns is None:
        return None
    if isinstance(columns, str):
        columns = columns.split(",")
    names = [str(c).strip() for c in columns]
    if not names or not all(names):
        raise ValueError(
            f"columns must name at least one column (e.g. ['XLK', 'XLF']), got "
            f"{columns!r}; leave it out to keep every column."
        )
    return names


# -------------------------------------------------------------------------- dates

_TIME_ZONE = re.compile(
    r"(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(?:Z|UTC|[+-]\d{2}:?\d{2})$"
)
_INTEGER = re.compile(r"[+-]?\d+(?:\.0*)?")
_OTHER_FORMATS = ("%Y/%m/%d", "%m/%d/%Y", "%d/%m/%Y", "%d.%m.%Y", "%d-%b-%Y")
_DATE_FIX = (
    "write them as YYYY-MM-DD (e.g. 2024-01-31) or YYYYMMDD, or pass "
    "date_format (e.g. '%d/%m/%Y')"
)


def _parse_dates(labels: pd.Index, date_format: str | None, source: str) -> pd.Index:
    """Dates from a file's first column or a frame's index, never from nanoseconds."""
    if isinstance(labels, pd.DatetimeIndex):
        return _wall_clock(labels, source)
    text = pd.Index([str(v).strip() for v in labels])
    missing = [i for i, v in enumerate(labels) if pd.isna(v) or not str(v).strip()]
    if missing:
        raise ValueError(
            f"{source}: {len(missing)} rows have no date (first: row "
            f"{missing[0] + 1}); give every row a date or delete it."
        )
    if date_format is not None:
        try:
            parsed = pd.to_datetime(text, format=date_format)
        except (ValueError, TypeError) as exc:
            raise ValueError(
                f"{source}: dates do not match date_format={date_format!r} ({exc})."
            ) from exc
        return _wall_clock(pd.DatetimeIndex(parsed), source)
    if all(_INTEGER.fullmatch(v) for v in text):
        return _wall_clock(_parse_yyyymmdd(text, source), source)
    text = text.str.replace(_TIME_ZONE, r"\1", regex=True)  # keep the local date
    try:
        parsed = pd.to_datetime(text, format="ISO8601")
    except (ValueError, TypeError):
        parsed = _parse_other(text, source)
    return _wall_clock(pd.DatetimeIndex(parsed), source)


def _parse_yyyymmdd(text: pd.Index, source: str) -> pd.DatetimeIndex:
    digits = text.str.replace(r"\.0*$", "", regex=True)
    if not (digits.str.len() == 8).all():
        example = next(v for v in digits if len(v) != 8)
        raise ValueError(
            f"{source}: the dates are integers such as {example}, which are not "
            "YYYYMMDD dates (8 digits, e.g. 20240131); "
            f"{_DATE_FIX}. Excel day numbers or Unix times must be converted first."
        )
    try:
        return pd.DatetimeIndex(pd.to_datetime(digits, format="%Y%m%d"))
    except ValueError as exc:
        raise ValueError(
            f"{source}: the dates look like YYYYMMDD integers but one is not a date "
            f"({exc}); fix it in the file."
        ) from exc


def _parse_other(text: pd.Index, source: str) -> pd.DatetimeIndex:
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
        raise ValueError(
            f"{source}: the first column must hold dates; could not read "
            f"{text[0]!r} as a date. {_DATE_FIX[0].upper()}{_DATE_FIX[1:]}."
        )
    formats = " or ".join(repr(f) for f in readings)
    raise ValueError(
        f"{source}: dates such as {text[0]!r} can be read as {formats} (day and "
        f"month are ambiguous); pass date_format={next(iter(readings))!r} or the "
        "other one, or write dates as YYYY-MM-DD."
    )


def _wall_clock(index: pd.DatetimeIndex, source: str) -> pd.DatetimeIndex:
    """Local calendar days: time zones dropped, times of day removed; no epoch ns."""
    if index.tz is not None:
        index = index.tz_localize(None)  # the local date, not the UTC one
    if len(index) > 1 and (index.normalize() == pd.Timestamp("1970-01-01")).all():
        raise ValueError(
            f"{source}: every date is on 1970-01-01: integers (YYYYMMDD?) were read as "
            "nanoseconds since 1970. Read them with pd.to_datetime(x.astype(str), "
            "format='%Y%m%d'), or pass the integers themselves as the index."
        )
    return pd.DatetimeIndex(index.normalize(), name="Date")


# ------------------------------------------------------------------ the policy


def _prepare(frame: pd.DataFrame, settings: _Settings, source: str) -> pd.DataFrame:
    """Steps 1-7 of :func:`prepare_returns` on a frame with a DatetimeIndex."""
    frame = frame.set_axis([str(c) for c in frame.columns], axis=1)
    index = frame.index
    if index.has_duplicates:
        dup = index[index.duplicated()]
        raise ValueError(
            f"{source}: {len(dup)} dates appear twice (first: {dup[0].date()}); "
            "keep one row per date."
        )
    frame = frame.sort_index().loc[settings.start : settings.end]
    if settings.columns is not None:
        absent = [c for c in settings.columns if c not in frame.columns]
        if absent:
            raise ValueError(
                f"{source}: no columns {absent}; the columns are {list(frame.columns)}."
            )
        frame = frame[settings.columns]
    frame = _numeric(frame, source)
    span = _span(frame, settings)
    if frame.empty or frame.notna().to_numpy().sum() == 0:
        raise ValueError(f"{source}: no values {span}; widen the dates.")
    _check_finite_values(frame, source)
    kind = settings.kind
    if kind == "auto":
        kind, why = guess_kind(frame)
        warnings.warn(
            f"{source}: {why}. Pass kind={kind!r} to say so.",
            AssumedKindWarning,
            stacklevel=3,
        )
    if kind == "prices":
        _check_positive(frame, source)
    frame = _ragged(frame, settings.min_coverage, source, span)
    frame = _gaps(frame, kind, source)
    returns = to_log_returns(frame) if kind == "prices" else frame.astype(float)
    if len(returns) < 2:
        raise ValueError(
            f"{source}: only {len(returns)} day(s) of returns left {span} after the "
            "steps above (see the warnings); widen the dates or lower min_coverage."
        )
    if kind == "returns":
        median = percent_median(returns.to_numpy())
        if median is not None:
            warnings.warn(
                f"{source}: the returns look like percent (median |return| "
                f"{median:.2g}; daily returns in decimals are about 0.01). They are "
                "used as they are, so means and volatilities are in the same units; "
                "divide by 100 for decimals.",
                PercentReturnsWarning,
                stacklevel=3,
            )
    returns.index.name = "Date"
    returns.attrs["kind"] = kind
    return _checked(returns, source)


def _span(frame: pd.DataFrame, settings: _Settings) -> str:
    """The dates the policy works on, as a phrase for messages."""
    if len(frame):
        return f"from {frame.index[0].date()} to {frame.index[-1].date()}"
    first = settings.start.date() if settings.start is not None else "the start"
    last = settings.end.date() if settings.end is not None else "the end"
    return f"between {first} and {last}"


def _numeric(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    bad = {}
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(
            values
        ):
            continue
        numbers = pd.to_numeric(values, errors="coerce")
        text = values[numbers.isna() & values.notna()]
        if len(text):
            bad[column] = (text.index[0], text.iloc[0])
    if bad:
        where = "; ".join(f"{c!r} has {v!r} on {d.date()}" for c, (d, v) in bad.items())
        raise ValueError(
            f"{source}: columns must be numbers: {where}. Fix the file, or keep other "
            "columns with columns=[...]."
        )
    return frame.apply(pd.to_numeric).astype(float)


def _check_finite_values(frame: pd.DataFrame, source: str) -> None:
    values = frame.to_numpy()
    infinite = np.isinf(values)
    if infinite.any():
        row, col = np.argwhere(infinite)[0]
        raise ValueError(
            f"{source}: {int(infinite.sum())} infinite values (first: column "
            f"{frame.columns[col]!r} on {frame.index[row].date()}); replace them with "
            "a blank (missing) value or fix the source."
        )


def _check_positive(frame: pd.DataFrame, source: str | None) -> None:
    values = frame.to_numpy(dtype=float)
    bad = np.isfinite(values) & (values <= 0)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        where = f"{source}: " if source is not None else ""
        raise ValueError(
            f"{where}prices must be positive; column {frame.columns[col]!r} has "
            f"{values[row, col]:g} on {frame.index[row].date()} ({int(bad.sum())} "
            "zero or negative prices in all). Fix or blank those prices; if the "
            "values are returns, pass kind='returns'."
        )


def _ragged(
    frame: pd.DataFrame, min_coverage: float, source: str, span: str
) -> pd.DataFrame:
    """Drop columns below ``min_coverage``; trim the rest to their common span."""
    present = frame.notna()
    coverage = present.mean()
    first = frame.apply(pd.Series.first_valid_index)
    last = frame.apply(pd.Series.last_valid_index)
    empty = coverage.index[coverage == 0].tolist()
    low = coverage.index[(coverage < min_coverage) & (coverage > 0)].tolist()
    if empty:
        warnings.warn(
            f"{source}: dropped {empty}: no values {span}.",
            DataWarning,
            stacklevel=4,
        )
    if low:
        hint = np.floor(coverage[low].min() * 100) / 100
        detail = ", ".join(
            f"{c} from {first[c].date()} to {last[c].date()}, {coverage[c]:.0%} of "
            "the days"
            for c in low
        )
        warnings.warn(
            f"{source}: dropped {low}: they have values on less than "
            f"{min_coverage:.0%} of the days {span} ({detail}). Pass a lower "
            f"min_coverage (e.g. min_coverage={hint:g}) to keep them and start later.",
            DataWarning,
            stacklevel=4,
        )
    kept = [c for c in frame.columns if c not in empty and c not in low]
    if not kept:
        raise ValueError(
            f"{source}: no column has values on at least {min_coverage:.0%} of the "
            f"days {span} ("
            + ", ".join(
                f"{c} {coverage[c]:.0%} from {first[c].date()}"
                for c in frame.columns
                if c not in empty
            )
            + "); lower min_coverage or widen the dates."
        )
    frame = frame[kept]
    begin, finish = first[kept].max(), last[kept].min()
    if begin > finish:
        raise ValueError(
            f"{source}: the kept columns never have values on the same days ("
            + ", ".join(f"{c} {first[c].date()}..{last[c].date()}" for c in kept)
            + "); keep fewer columns or raise min_coverage."
        )
    late = [c for c in kept if first[c] > frame.index[0]]
    early = [c for c in kept if last[c] < frame.index[-1]]
    if late:
        warnings.warn(
            f"{source}: the data start on {begin.date()}, when every kept column has a "
            "value (" + ", ".join(f"{c} from {first[c].date()}" for c in late) + ").",
            DataWarning,
            stacklevel=4,
        )
    if early:
        warnings.warn(
            f"{source}: the data end on {finish.date()}, the last day every kept "
            "column has a value ("
            + ", ".join(f"{c} until {last[c].date()}" for c in early)
            + ").",
            DataWarning,
            stacklevel=4,
        )
    return frame.loc[begin:finish]


def _gaps(frame: pd.DataFrame, kind: str, source: str) -> pd.DataFrame:
    """Drop the days on which some column has no value (the documented rule)."""
    missing = frame.isna()
    gap_days = missing.any(axis=1)
    if not gap_days.any():
        return frame
    counts = ", ".join(
        f"{c}: {int(missing[c].sum())} (first {missing.index[missing[c]][0].date()})"
        for c in frame.columns
        if missing[c].any()
    )
    effect = (
        "the next return spans the gap"
        if kind == "prices"
        else "the other columns' returns on those days are dropped too"
    )
    warnings.warn(
        f"{source}: dropped {int(gap_days.sum())} days on which some columns have no "
        f"value ({counts}); {effect}.",
        DataWarning,
        stacklevel=4,
    )
    return frame[~gap_days]


def _checked(returns: pd.DataFrame, source: str) -> pd.DataFrame:
    """The last check of every loader: non-empty, unique sorted dates, finite."""
    try:
        check_returns(returns)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{source}: {exc}") from exc
    return returns


# -------------------------------------------------------------------- download


def default_cache_dir() -> Path:
    """Where downloads are cached: ``$REGIMES_CACHE_DIR``, else ``./data/cache``."""
    return Path(os.environ.get(CACHE_ENV, Path("data") / "cache"))


def download_returns(
    tickers: Iterable[str] | str | None = None,
    start: str | date = "2000-01-01",
    end: str | date | None = None,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    refresh: bool = False,
    min_coverage: float = 0.9,
) -> pd.DataFrame:
    """Daily log returns of adjusted closes from Yahoo Finance, cached on disk.

    Parameters
    ----------
    tickers : str or iterable of str, optional
        Yahoo tickers; default the sector ETFs of :data:`SECTOR_ETFS`. A string may
        hold several tickers separated by commas or spaces.
    start, end : str or date
        First day, and the day after the last (``end`` is exclusive, as in yfinance);
        ``end=None`` means up to today.
    cache_dir : path-like, optional
        Folder of the cache; default :func:`default_cache_dir`. Each download is kept
        as a gzip CSV of adjusted closes named by its tickers and dates.
    refresh : bool, default=False
        Download again even when the cache holds this request.
    min_coverage : float, default=0.9
        Tickers that start late (e.g. XLRE in 2015, XLC in 2018) are dropped, with a
        :class:`~regimes.exceptions.DataWarning`, when their history covers less than
        this share of the rows; the returns then start on the first day that every
        kept ticker has a price.

    Returns
    -------
    DataFrame
        DatetimeIndex named "Date", one column per kept ticker.

    Raises
    ------
    ValueError
        For bad tickers or dates, before any download.
    regimes.exceptions.DataDownloadError
        If nothing could be downloaded (offline, rate-limited, unknown tickers) and
        no cached copy exists.

    Warns
    -----
    regimes.exceptions.DataWarning
        When tickers failed or were dropped, when a corrupt cache file is replaced,
        and when an older cached download is used because the download failed.
    """
    names = _check_tickers(tickers)
    start_ts, end_ts = _check_dates(start, end)
    # the policy's end is inclusive; the last day before yfinance's exclusive end
    settings = _Settings.check(
        "prices", start_ts, end_ts - pd.Timedelta(days=1), None, min_coverage
    )
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    path = folder / _cache_name(names, start_ts, end_ts)

    close = None if refresh else _read_cache(path, names)
    if close is None:
        close = _download_or_fallback(names, start_ts, end_ts, path)
    return _prepare(_drop_failed(close, names), settings, "Yahoo Finance")


def _check_tickers(tickers: Iterable[str] | str | None) -> list[str]:
    if tickers is None:
        return list(SECTOR_ETFS)
    if isinstance(tickers, str):
        tickers = re.split(r"[,\s]+", tickers.strip())
    names = [str(t).strip().upper() for t in tickers if str(t).strip()]
    if not names:
        raise ValueError("tickers is empty; pass e.g. ['XLK', 'XLF'] or leave it out.")
    bad = [t for t in names if not re.fullmatch(r"[A-Z0-9.^=\-]+", t)]
    if bad:
        raise ValueError(
            f"tickers {bad} are not Yahoo ticker symbols (e.g. 'XLK', '^GSPC')."
        )
    return sorted(set(names), key=names.index)


def _check_dates(
    start: str | date, end: str | date | None
) -> tuple[pd.Timestamp, pd.Timestamp]:
    try:
        start_ts = pd.Timestamp(start).normalize()
        end_ts = pd.Timestamp(end if end is not None else date.today()).normalize()
    except (ValueError, TypeError) as exc:
        raise ValueError(f"start/end must be dates like '2005-01-31': {exc}") from exc
    if start_ts >= end_ts:
        raise ValueError(
            f"start ({start_ts.date()}) must be before end ({end_ts.date()}); "
            "end is exclusive."
        )
    return start_ts, end_ts


def _cache_prefix(names: list[str]) -> str:
    key = "-".join(re.sub(r"[^A-Z0-9]", "_", t) for t in names)
    if len(key) > 100:
        key = hashlib.sha1(",".join(names).encode()).hexdigest()[:16]
    return f"yf_{key}_"


def _cache_name(names: list[str], start: pd.Timestamp, end: pd.Timestamp) -> str:
    return f"{_cache_prefix(names)}{start.date()}_{end.date()}.csv.gz"


def _read_cache(path: Path, names: list[str]) -> pd.DataFrame | None:
    """The cached closes at ``path``; None if absent, or corrupt (with a warning)."""
    if not path.exists():
        return None
    try:
        close = pd.read_csv(path, index_col="Date", parse_dates=True)
        if list(close.columns) != names or close.empty:
            raise ValueError(f"expected columns {names}, found {list(close.columns)}")
        close.index = pd.DatetimeIndex(close.index, name="Date")
        close = close.astype(float)
        if not (close.index.is_unique and close.index.is_monotonic_increasing):
            raise ValueError("dates repeat or are out of order")
        if np.isinf(close.to_numpy()).any():
            raise ValueError("infinite prices")
    except Exception as exc:  # gzip CRC / EOF errors, parse errors, wrong content
        warnings.warn(
            f"cache file {path} is unreadable ({type(exc).__name__}: {exc}); "
            "downloading again.",
            DataWarning,
            stacklevel=3,
        )
        return None
    return close


def _download_or_fallback(
    names: list[str], start: pd.Timestamp, end: pd.Timestamp, path: Path
) -> pd.DataFrame:
    try:
        close = _yf_close(names, start, end)
    except DataDownloadError as exc:
        older = _best_cached(path, names, start, end)
        if older is None:
            raise
        cached_path, cached = older
        last_asked = (end - pd.Timedelta(days=1)).date()
        warnings.warn(
            f"{exc} Using the cached download {cached_path.name} instead: it has "
            f"prices from {cached.index[0].date()} to {cached.index[-1].date()} of "
            f"the {start.date()} to {last_asked} you asked for.",
            DataWarning,
            stacklevel=3,
        )
        return cached
    close = close[(close.index >= start) & (close.index < end)]
    # checked before caching, so a bad download is never served again
    _check_finite_values(close, "Yahoo Finance")
    _check_positive(close, "Yahoo Finance")
    with atomic_path(path) as tmp:
        close.to_csv(tmp, compression="gzip", float_format="%.10g")
    return close


def _yf_close(names: list[str], start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Adjusted closes from yfinance, one column per name (all-NaN if it failed)."""
    import yfinance as yf
    from yfinance.exceptions import YFRateLimitError

    advice = (
        "If you are offline, work with regimes.data.load_sample() or "
        "regimes.data.read_returns('your_prices.csv')."
    )
    try:
        with warnings.catch_warnings():
            # yfinance's own pandas deprecation notices are not the user's business
            warnings.filterwarnings("ignore", module=r"yfinance(\.|$)")
            raw = yf.download(
                names,
                start=start.date().isoformat(),
                end=end.date().isoformat(),
                auto_adjust=True,
                progress=False,
            )
    except YFRateLimitError as exc:
        raise DataDownloadError(
            f"Yahoo Finance is rate-limiting downloads of {names} ({exc}); "
            f"wait a few minutes and retry. {advice}"
        ) from exc
    except Exception as exc:  # network errors surface as many types
        raise DataDownloadError(
            f"downloading {names} failed ({type(exc).__name__}: {exc}). {advice}"
        ) from exc
    if raw is None or raw.empty or "Close" not in raw.columns.get_level_values(0):
        raise DataDownloadError(
            f"Yahoo Finance returned no prices for {names} between {start.date()} and "
            f"{end.date()} (yfinance logs the reason). {advice}"
        )
    # (Price, Ticker) columns, even for one ticker (yfinance >= 0.2.54)
    close = raw["Close"].reindex(columns=names).astype(float)
    close.columns = pd.Index(names)  # drop yfinance's "Ticker" level name
    close.index = pd.DatetimeIndex(close.index, name="Date")
    close.index = _wall_clock(close.index, "Yahoo Finance")
    close = close.sort_index()
    if close.index.has_duplicates:  # yfinance has returned the last day twice
        dup = close.index[close.index.duplicated()]
        warnings.warn(
            f"Yahoo Finance returned {len(dup)} dates twice (first: {dup[0].date()}); "
            "kept the last row of each.",
            DataWarning,
            stacklevel=4,
        )
        close = close[~close.index.duplicated(keep="last")]
    return close


def _best_cached(
    path: Path, names: list[str], start: pd.Timestamp, end: pd.Timestamp
) -> tuple[Path, pd.DataFrame] | None:
    """The cached download of these tickers with the most days in [start, end).

    Only those days are returned: a fallback never serves data outside the
    requested dates (a later ``end`` would be look-ahead in a backtest).
    """
    best = None
    pattern = _cache_prefix(names) + "*.csv.gz"
    for candidate in sorted(path.parent.glob(pattern), reverse=True):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataWarning)
            close = _read_cache(candidate, names)
        if close is None:
            continue
        close = close[(close.index >= start) & (close.index < end)]
        if len(close) and (best is None or len(close) > len(best[1])):
            best = candidate, close
    return best


def _drop_failed(close: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    failed = [t for t in names if close[t].isna().all()]
    if len(failed) == len(names):
        raise DataDownloadError(
            f"no prices for any of {names}: check the symbols on finance.yahoo.com "
            "(yfinance logs the reason)."
        )
    if failed:
        warnings.warn(
            f"no prices for {failed} (unknown or delisted symbols?); left out.",
            DataWarning,
            stacklevel=3,
        )
    return close.drop(columns=failed)
