"""Daily sector returns as pandas: a bundled real sample, yfinance downloads, CSV files.

Every loader returns a DataFrame of daily returns with a sorted DatetimeIndex named
"Date" and one column per sector or ticker, ready for :meth:`regimes.RegimeModel.fit`:
**log returns (decimal)** when the input held prices (downloads do), otherwise the
returns as given (the bundled sample is stored as log returns already);
``attrs["kind"]`` says which the input held, "prices" or "returns".

- :func:`load_sample`: works offline; built from data shipped in skfolio
  (see ``data/README.md`` for provenance and caveats).
- :func:`download_returns`: adjusted closes from Yahoo Finance through yfinance,
  cached on disk.
- :func:`read_returns`: a CSV of your own prices or returns.
- :func:`prepare_returns`: the same treatment for a frame you already have.
- :func:`to_log_returns`: prices to daily log returns.

Every loader applies one policy to ragged tables (columns that start late, gaps),
to prices versus returns and to dates; :func:`prepare_returns` describes it. The
pieces live below this module: :mod:`regimes._dates` (the one day parser),
:mod:`regimes._files` (text files as they come), :mod:`regimes._panel` (the
ragged-panel policy), :mod:`regimes._prices_or_returns` (the one prices-or-returns
rule) and :mod:`regimes._yahoo` (downloads and their cache).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Sequence
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Literal

import pandas as pd

from . import _yahoo
from ._contract import (
    Checked,
    DateFormat,
    Day,
    Names,
    Options,
    PathLike,
    Share,
    validate_params,
)
from ._dates import (
    check_day_index,
    date_columns,
    dates_in_columns_error,
    parse_day,
    parse_day_index,
    undated,
)
from ._files import read_table
from ._panel import (
    PanelOptions,
    check_finite_values,
    check_positive,
    checked,
    numeric,
    prepare,
)
from ._prices_or_returns import log_returns
from ._validation import as_frame
from ._yahoo import (
    CACHE_ENV,
    SETTLED_ATTR,
    SOURCE,
    check_tickers,
    closes,
    default_cache_dir,
)
from ._yahoo import drop_failed as _drop_failed
from .exceptions import (
    DataFileError,
    InvalidParameterError,
    InvalidReturnsError,
    kind_of,
)

__all__ = [
    "CACHE_ENV",
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

Kind = Literal["auto", "prices", "returns"]
Missing = Literal["drop", "keep"]

_SAMPLE_FILE = "sector_returns.csv.gz"
_INDEX_COLUMN = "SP500"

# the parameters every loader shares, declared once
POLICY = {
    "kind": [Options(("auto", "prices", "returns"))],
    "start": [None, Day()],
    "end": [None, Day()],
    # a file may hold columns 'A' and 'a': only column names keep case apart
    "columns": [None, Names(what="column name", caseless=False)],
    "missing": [Options(("drop", "keep"))],
    "min_coverage": [None, Share()],
}


# ------------------------------------------------------------------------ sample


@validate_params({"kind": [Options(("sectors", "index"))]})
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
    table = _sample_table()
    columns = (
        [_INDEX_COLUMN]
        if kind == "index"
        else [c for c in table.columns if c != _INDEX_COLUMN]
    )
    # the caller's own, the cached table stays as read: DataFrame.copy copies the
    # values but shares the index's memory, which DatetimeIndex.asi8 can write
    frame = table[columns].copy()
    frame.index = frame.index.copy(deep=True)
    frame.attrs["kind"] = "returns"
    return frame


@functools.lru_cache(maxsize=1)
def _sample_table() -> pd.DataFrame:
    """The bundled file, read, its dates parsed and checked: once per process.

    The file is part of the installed package and never changes while it runs, so
    reading it once (of ~60 ms: the dates are most of it) serves every later call;
    :func:`load_sample` hands out copies, never this frame.
    """
    source = resources.files("regimes") / "_data" / _SAMPLE_FILE
    with resources.as_file(source) as path:
        frame = pd.read_csv(path, index_col="Date")
    frame.index = parse_day_index(frame.index, source="bundled sample", param="kind")
    return checked(frame, "bundled sample", "kind")


# ------------------------------------------------------------- the one policy


@validate_params({"prices": [Checked("to_log_returns checks the table itself")]})
def to_log_returns(prices: pd.DataFrame | pd.Series) -> pd.DataFrame:
    """Daily log returns ln(P_t / P_{t-1}) of a price table; the first row is dropped.

    Parameters
    ----------
    prices : DataFrame or Series
        Positive prices, at least one column, one per asset, indexed by date in
        increasing order: a DatetimeIndex, labels the day parser reads
        (``20240131``, ``"2024-01-31"``), or a default ``RangeIndex`` (rows in time
        order, without dates). Other labels (``"a"``, ``"b"``) are refused, since
        their order says nothing about time, and so is an unsorted or repeated
        index: the returns would run backwards in time. Missing prices (NaN) are
        allowed: the return of a day without a price is NaN and the next return
        spans the gap, from the column's previous price, so that no move is lost
        (log returns add up).

    Returns
    -------
    DataFrame
        One row fewer than ``prices``, same columns; indexed by the days
        (a DatetimeIndex) or, for a ``RangeIndex``, by the row numbers.

    Raises
    ------
    regimes.exceptions.InvalidReturnsError
        Naming ``prices``, if it is not a DataFrame or Series of numbers, has no
        columns, its index is not days (or a default RangeIndex), not increasing
        or not unique, or a price is zero, negative or infinite (the message
        names the column and the date).

    Examples
    --------
    >>> prices = pd.DataFrame({"A": [100.0, 110.0, 99.0]},
    ...                       index=pd.date_range("2024-01-01", periods=3))
    >>> to_log_returns(prices)["A"].round(4).tolist()
    [0.0953, -0.1054]
    """
    if isinstance(prices, pd.Series):
        prices = prices.to_frame(name=prices.name if prices.name is not None else 0)
    if not isinstance(prices, pd.DataFrame):
        raise InvalidReturnsError(
            "prices",
            "prices must be a DataFrame or Series of prices indexed by date, got "
            f"{type(prices).__name__}.",
        )
    if prices.shape[1] == 0:
        raise InvalidReturnsError(
            "prices", "prices has no columns; pass at least one column of prices."
        )
    repeated = sorted({str(c) for c in prices.columns[prices.columns.duplicated()]})
    if repeated:
        raise InvalidReturnsError(
            "prices",
            f"prices names the columns {repeated} more than once; give each column "
            "its own name.",
        )
    if len(prices) < 2:
        raise InvalidReturnsError(
            "prices",
            f"prices has {len(prices)} row(s); a return needs the prices of two "
            "days. Pass at least two days.",
        )
    index = prices.index
    rows = undated(index)  # row numbers, as check_returns reads them
    if not rows:  # rows in order without dates; otherwise the labels must be days
        if not isinstance(index, pd.DatetimeIndex):
            prices = prices.set_axis(
                parse_day_index(index, source="prices", param="prices"), axis=0
            )
        try:
            check_day_index(prices.index, "prices")
        except InvalidParameterError as exc:
            raise InvalidReturnsError("prices", str(exc)) from None
    frame = numeric(prices, "prices", "prices")
    check_finite_values(frame, "prices", "prices")
    check_positive(frame, "prices", "prices")
    return log_returns(frame)


@validate_params(
    {"frame": [Checked("prepare_returns checks the table itself")], **POLICY}
)
def prepare_returns(
    frame: pd.DataFrame | pd.Series,
    *,
    kind: Kind = "auto",
    start: str | date | int | None = None,
    end: str | date | int | None = None,
    columns: Sequence[str] | str | None = None,
    missing: Missing = "drop",
    min_coverage: float | None = None,
) -> pd.DataFrame:
    """Turn a table of prices or returns, ragged or not, into a returns frame.

    This is the policy every loader of :mod:`regimes.data` and the ``regimes``
    command apply; call it on a frame you built yourself to get the same result.
    The steps, in this order:

    1. **Dates.** An index of dates is required: a DatetimeIndex, or labels such as
       ``20240131`` (YYYYMMDD integers), ``"2024-01-31"``, ``"01/31/2024"``
       (read as in :func:`read_returns`). Time zones are dropped keeping the local
       date; repeated dates are an error; rows are sorted by date. Column names
       are stripped of spaces; a name used twice is an error.
    2. **Cut** to ``start`` .. ``end`` (both inclusive), then keep ``columns``.
    3. **Kind.** Prices or returns (``kind``); see :func:`read_returns`. A price
       of zero or below, or an infinite value, is an error naming column and date.
    4. **Ragged columns.** A column's *coverage* is the share of the remaining days
       on which it has a value. Columns below ``min_coverage`` are dropped, and
       columns without any value. With ``missing="drop"`` the others are kept and
       the table is trimmed to the days between the latest first value and the
       earliest last value of the kept columns; with ``missing="keep"`` every kept
       column stays from its first value, NaN before. Each step gives a
       :class:`~regimes.exceptions.DataWarning` naming each column and its first
       (or last) date.
    5. **Interior gaps** (a holiday in one market, a missing quote). With
       ``missing="drop"``, a day on which some kept column has no value is dropped
       for every column, with a warning counting them; for prices nothing is lost,
       as the next log return spans the gap (log returns add up); for returns, the
       other columns' returns of that day are dropped with it. With
       ``missing="keep"``, the gap stays NaN (for prices, the return of the day
       without a price is NaN and the next one spans the gap) and only days
       without any value are dropped; a warning says what was kept.
    6. Prices become daily log returns (:func:`to_log_returns`; the first day is
       lost). Returns that look like percent give a
       :class:`~regimes.exceptions.PercentReturnsWarning` and are kept as they are.
    7. The result is checked: not empty, unique sorted dates, finite values (or
       NaN where ``missing="keep"`` kept a gap, never a whole day).

    Parameters
    ----------
    frame : DataFrame or Series
        Prices or returns, one column per asset, indexed by date.
    kind : {"auto", "prices", "returns"}, default="auto"
        What the values are. ``"auto"`` decides from the data and says so with an
        :class:`~regimes.exceptions.AssumedKindWarning` (see :func:`read_returns`).
    start, end : str, date or YYYYMMDD int, optional
        First and last day to use (inclusive), applied right after the dates are
        read. ``"2020-01-31"`` and ``20200131`` are the same day; another integer
        (a year alone) is refused.
    columns : str or sequence of str, optional
        Columns to keep (a string is one column name); default all.
    missing : {"drop", "keep"}, default="drop"
        ``"drop"`` returns a complete table (steps 4 and 5); ``"keep"`` keeps
        late-starting columns and gaps as NaN, for
        ``RegimeModel(missing="marginalize")``.
    min_coverage : float in [0, 1], optional
        Columns with values on less than this share of the days are dropped.
        Default 0.9 with ``missing="drop"`` (0 keeps every column with a value, the
        table then starting when the latest column does; 1 keeps only complete
        columns), and 0 with ``missing="keep"``.

    Returns
    -------
    DataFrame
        Daily returns (log returns if the input held prices), DatetimeIndex named
        "Date", ``attrs["kind"]`` set to "prices" or "returns" (what the input was).

    Raises
    ------
    regimes.exceptions.InvalidParameterError
        For bad arguments (naming the parameter), bad or repeated dates, prices
        <= 0, infinite values, or nothing usable left; the message names what is
        at fault and the fix. It is a ``ValueError``.

    Warns
    -----
    regimes.exceptions.DataWarning
        For every dropped or kept column, trimmed start or end, dropped or kept gap.

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
    (B from 2024-01-04); pass missing='keep' to keep the earlier days, with NaN
    for those columns.
    >>> returns.round(3)  # doctest: +NORMALIZE_WHITESPACE
                    A      B
    Date
    2024-01-05 -0.087  0.095
    2024-01-08  0.128 -0.095

    With ``missing="keep"``, A keeps its first days and B is NaN before it starts:

    >>> with warnings.catch_warnings(record=True):
    ...     warnings.simplefilter("always")
    ...     kept = prepare_returns(prices, kind="prices", missing="keep")
    >>> kept.round(3)  # doctest: +NORMALIZE_WHITESPACE
                    A      B
    Date
    2024-01-03  0.095    NaN
    2024-01-04  0.087    NaN
    2024-01-05 -0.087  0.095
    2024-01-08  0.128 -0.095
    """
    options = PanelOptions.of(kind, start, end, columns, missing, min_coverage)
    frame = as_frame(frame, "frame")  # a day's row is refused as the fit does
    if not isinstance(frame, pd.DataFrame):
        raise InvalidReturnsError(
            "frame",
            f"frame must be a DataFrame of prices or returns, got "
            f"{type(frame).__name__}.",
        )
    try:
        days = parse_day_index(frame.index, source="frame", param="frame")
    except InvalidReturnsError as exc:
        dated = date_columns(frame)
        if not dated and isinstance(frame.index, pd.RangeIndex):
            # row numbers: the days are needed, and resetting the index (the
            # advice for log_returns, which takes rows in order) changes nothing
            # here (hostile 67, 7)
            raise InvalidReturnsError(
                "frame",
                f"frame's index is row numbers ({kind_of(frame.index)}), not "
                "dates: prepare_returns needs the day of each row. Set the days "
                "as the index (frame.set_index(<the column of dates>), or "
                "frame.index = <the dates>).",
            ) from exc
        if not dated:
            raise
        # pd.read_csv(path) without index_col: no index advice can work
        # (hostile 66, 7: it was told to reset the index, which changes nothing)
        raise dates_in_columns_error(frame, dated, "frame") from exc
    return prepare(frame.set_axis(days, axis=0), options, "frame", "frame")


@validate_params({"path": [PathLike()], **POLICY, "date_format": [None, DateFormat()]})
def read_returns(
    path: str | os.PathLike[str],
    *,
    kind: Kind = "auto",
    start: str | date | int | None = None,
    end: str | date | int | None = None,
    columns: Sequence[str] | str | None = None,
    missing: Missing = "drop",
    min_coverage: float | None = None,
    date_format: str | None = None,
) -> pd.DataFrame:
    r"""Read a CSV of daily prices or returns into a validated returns frame.

    The file goes through :func:`prepare_returns` (dates cut first, ragged columns
    dropped or kept by ``missing`` and ``min_coverage``, gaps, checks); this page
    says how the file itself is read.

    Parameters
    ----------
    path : str or path-like
        Text file whose first column holds dates and whose other columns are
        numeric, one per asset, possibly compressed (gzip, bz2, xz, or a zip
        archive of one file). Fields may be separated by commas, semicolons,
        tabs or runs of spaces (the separator is sniffed; with semicolons or tabs
        a decimal comma is read too; with spaces the header may name only the
        value columns, as in Ken French's ``.txt`` files). Files as data
        libraries publish them are read: a text preamble before the header is
        skipped; a file without a header line (its first line already starts
        with a date) keeps that first day and names the columns ``column 1``,
        ``column 2``, ...; of several sections (Ken French:
        monthly then annual, value- then equal-weighted) the first is read; a
        footer (a copyright line) is ignored. Each of these gives a
        :class:`~regimes.exceptions.DataWarning`. Column names are stripped of
        spaces; a name used twice is an error naming it. Empty cells, ``NA``,
        ``#N/A``, ``.`` are missing values, and so are ``-99.99`` and ``-999``,
        the markers of Ken French's and CRSP's files (counted in a warning).
    kind : {"auto", "prices", "returns"}, default="auto"
        What the file holds. Prices become log returns; returns are used as they
        are. ``"auto"`` decides column by column from how much the values change
        from one day to the next compared with their size: prices move by about 1%
        of their level (whatever their units, also below 1), returns by more than
        their own size. The guess is reported with an
        :class:`~regimes.exceptions.AssumedKindWarning`; columns that disagree are
        an error asking for ``kind``. Gross returns (1 + r) also change little
        next to their level, but about as much as they lie from their median,
        which prices over a year do not: from a year of days such columns are an
        error saying to subtract 1 (read as prices, they would give differences
        of returns).
    start, end : str, date or YYYYMMDD int, optional
        First and last day to use (inclusive), applied right after the dates are
        read.
    columns : str or sequence of str, optional
        Columns to keep (a string is one column name); default all.
    missing : {"drop", "keep"}, default="drop"
        See :func:`prepare_returns`.
    min_coverage : float in [0, 1], optional
        See :func:`prepare_returns`.
    date_format : str, optional
        A :func:`~datetime.datetime.strptime` format such as ``"%d/%m/%Y"``; it
        must name a day (``%d``, ``%j``) and a year (``%Y``, ``%y``), and pandas'
        words ``"ISO8601"`` and
        ``"mixed"`` are refused (they skip the checks below). Lines whose first
        field it reads are the table's rows. By default dates are read as ISO
        dates (``2024-01-31``, with or without a time or a time zone), 8-digit
        integers YYYYMMDD (``20240131``), or ``01/31/2024``-style dates when the
        day and month cannot be confused; anything else, a year or a month alone
        included, is refused with the fix (never read as nanoseconds).

    Returns
    -------
    DataFrame
        Daily returns, DatetimeIndex named "Date", sorted by date;
        ``attrs["kind"]`` says whether the file held prices or returns.

    Raises
    ------
    regimes.exceptions.DataFileError
        If ``path`` does not exist (it is also a ``FileNotFoundError``), is a
        folder, or holds no table that can be read (``param`` is ``"path"``).
    regimes.exceptions.InvalidParameterError
        If the dates cannot be parsed or repeat, a column is not numeric or named
        twice, a price is <= 0, or nothing usable is left (a ``ValueError``;
        ``param`` names the argument to change: ``"path"``, ``"date_format"``,
        ``"kind"``, ``"min_coverage"``, ``"missing"``, ``"columns"``, ``"start"``
        or ``"end"``).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "prices.csv"
    >>> _ = path.write_text("Date,A\n20240102,100\n20240103,101\n20240104,99.5")
    >>> read_returns(path, kind="prices")["A"].round(4).tolist()
    [0.01, -0.015]
    """
    options = PanelOptions.of(kind, start, end, columns, missing, min_coverage)
    path = Path(path)
    if not path.is_file():
        if path.is_dir():
            raise DataFileError(
                "path", f"path {str(path)!r} is a folder; pass a file in it."
            )
        raise DataFileError("path", f"no such file: {path}; check the path.")
    raw = read_table(path, date_format, str(path), "path")
    return prepare(raw, options, str(path), "path")


# -------------------------------------------------------------------- download


@validate_params(
    {
        "tickers": [
            None,
            Names(
                what="ticker", apart="list several tickers apart, e.g. ['XLK', 'XLF']"
            ),
        ],
        "start": [Day()],
        "end": [None, Day()],
        "cache_dir": [None, PathLike(kind="folder")],
        "refresh": ["boolean"],
        "missing": POLICY["missing"],
        "min_coverage": POLICY["min_coverage"],
    }
)
def download_returns(
    tickers: Iterable[str] | str | None = None,
    start: str | date | int = "2000-01-01",
    end: str | date | int | None = None,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    refresh: bool = False,
    missing: Missing = "drop",
    min_coverage: float | None = None,
) -> pd.DataFrame:
    """Daily log returns of adjusted closes from Yahoo Finance, cached on disk.

    Parameters
    ----------
    tickers : str or iterable of str, optional
        Yahoo tickers (a string is one ticker); default the sector ETFs of
        :data:`SECTOR_ETFS`.
    start, end : str, date or YYYYMMDD int
        First and last day, **both inclusive** like every ``end`` of the package
        (yfinance's own ``end`` is exclusive; the day after ``end`` is what it is
        given). ``end=None`` means up to today.
    cache_dir : path-like, optional
        Folder of the cache; default :func:`default_cache_dir`. Each download is kept
        as a gzip CSV of adjusted closes named by its tickers and its inclusive
        dates, ``yf_<TICKERS>_<start>_to_<end>.csv.gz``.
    refresh : bool, default=False
        Download again even when the cache holds this request.
    missing : {"drop", "keep"}, default="drop"
        See :func:`prepare_returns`: ``"keep"`` keeps tickers that start late (XLRE
        in 2015, XLC in 2018) from their first day, NaN before.
    min_coverage : float in [0, 1], optional
        Tickers that start late are dropped, with a
        :class:`~regimes.exceptions.DataWarning`, when their history covers less than
        this share of the rows (default 0.9 with ``missing="drop"``); with
        ``missing="drop"`` the returns then start on the first day that every kept
        ticker has a price.

    Returns
    -------
    DataFrame
        DatetimeIndex named "Date", one column per kept ticker.

    Raises
    ------
    regimes.exceptions.InvalidParameterError
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
    names = check_tickers(tickers) if tickers is not None else list(SECTOR_ETFS)
    last = end if end is not None else parse_day(date.today())
    options = PanelOptions.of("prices", start, last, None, missing, min_coverage)
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    given = "cache_dir" if cache_dir is not None else CACHE_ENV
    close = closes(names, start, last, folder, refresh, given)
    kept = _drop_failed(close, names, start, last)
    out = prepare(kept, options, SOURCE, "tickers")
    # the last day no exchange can still change: a daily state logs no later
    # one (regimes.daily.run), whose price may still move (hostile 72, 3)
    out.attrs[SETTLED_ATTR] = str(_yahoo.settled_day().date())  # one clock
    return out
