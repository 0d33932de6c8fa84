"""Daily sector returns as pandas: a bundled real sample, yfinance downloads, CSV files.

Every loader returns a DataFrame of daily **log returns (decimal)** with a sorted
DatetimeIndex named "Date" and one column per sector or ticker, ready for
:meth:`regimes.RegimeModel.fit`.

- :func:`load_sample`: works offline; built from data shipped in skfolio
  (see ``data/README.md`` for provenance and caveats).
- :func:`download_returns`: adjusted closes from Yahoo Finance through yfinance,
  cached on disk.
- :func:`read_returns`: a CSV of your own prices or returns.
"""

from __future__ import annotations

import hashlib
import os
import re
import warnings
from collections.abc import Iterable
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from ._io import atomic_path
from ._validation import check_returns, looks_like_prices
from .exceptions import DataDownloadError, DataWarning

__all__ = [
    "SAMPLE_SECTORS",
    "SECTOR_ETFS",
    "default_cache_dir",
    "download_returns",
    "load_sample",
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
    if kind == "index":
        return frame[[_INDEX_COLUMN]]
    return frame.drop(columns=_INDEX_COLUMN)


# ----------------------------------------------------------------- conversions


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
        If a price is zero or negative.

    Examples
    --------
    >>> prices = pd.DataFrame({"A": [100.0, 110.0, 99.0]},
    ...                       index=pd.date_range("2024-01-01", periods=3))
    >>> to_log_returns(prices)["A"].round(4).tolist()
    [0.0953, -0.1054]
    """
    frame = prices.to_frame() if isinstance(prices, pd.Series) else prices
    values = frame.to_numpy(dtype=float)
    bad = np.isfinite(values) & (values <= 0)
    if bad.any():
        columns = sorted({str(c) for c in frame.columns[bad.any(axis=0)]})
        raise ValueError(
            f"prices must be positive; found {int(bad.sum())} zero or negative prices "
            f"in {columns}. Pass returns instead, or clean the prices."
        )
    return np.log(frame.astype(float)).diff().iloc[1:]


def read_returns(
    path: str | os.PathLike[str], *, prices: bool | None = None
) -> pd.DataFrame:
    """Read a CSV of daily prices or returns into a validated returns frame.

    Parameters
    ----------
    path : str or path-like
        CSV file whose first column holds dates (header e.g. "Date") and whose other
        columns are numeric, one per asset.
    prices : bool, optional
        Whether the file holds prices (converted with :func:`to_log_returns`) or
        returns (used as they are). By default it is guessed: all values positive with
        a median above 1 means prices.

    Returns
    -------
    DataFrame
        Daily returns, DatetimeIndex named "Date", sorted by date.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If dates cannot be parsed or repeat, or the values fail
        :func:`regimes._validation.check_returns` (NaN, non-numeric columns...).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    frame = pd.read_csv(path, index_col=0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "could not infer format"
            index = pd.DatetimeIndex(pd.to_datetime(frame.index), name="Date")
    except (ValueError, TypeError) as exc:
        raise ValueError(
            f"{path}: the first column must hold dates (e.g. 2024-01-31); {exc}"
        ) from exc
    frame.index = index
    if index.has_duplicates:
        first = index[index.duplicated()][0].date()
        raise ValueError(
            f"{path}: {int(index.duplicated().sum())} dates appear twice "
            f"(first: {first}); keep one row per date."
        )
    frame = frame.sort_index()
    if prices is None:
        numeric = frame.select_dtypes("number").to_numpy(dtype=float)
        prices = looks_like_prices(numeric)
    if prices:
        check_returns(frame.ffill().bfill())  # names bad columns before converting
        frame = to_log_returns(frame)
    check_returns(frame)
    return frame


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
    if not 0 <= min_coverage <= 1:
        raise ValueError(f"min_coverage must be between 0 and 1, got {min_coverage}.")
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    path = folder / _cache_name(names, start_ts, end_ts)

    close = None if refresh else _read_cache(path, names)
    if close is None:
        close = _download_or_fallback(names, start_ts, end_ts, path)
    return _close_to_returns(close, names, min_coverage)


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


def _cache_name(names: list[str], start: pd.Timestamp, end: pd.Timestamp) -> str:
    key = "-".join(re.sub(r"[^A-Z0-9]", "_", t) for t in names)
    if len(key) > 100:
        key = hashlib.sha1(",".join(names).encode()).hexdigest()[:16]
    return f"yf_{key}_{start.date()}_{end.date()}.csv.gz"


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
        older = _latest_cached(path, names)
        if older is None:
            raise
        cached_path, cached = older
        warnings.warn(
            f"{exc} Using the cached download {cached_path.name} instead "
            f"(prices up to {cached.index[-1].date()}).",
            DataWarning,
            stacklevel=3,
        )
        return cached
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
    if close.index.tz is not None:
        close.index = close.index.tz_localize(None)
    return close.sort_index()


def _latest_cached(path: Path, names: list[str]) -> tuple[Path, pd.DataFrame] | None:
    """The newest readable cache file for the same tickers and start as ``path``."""
    prefix = path.name.rsplit("_", 1)[0] + "_"
    for candidate in sorted(path.parent.glob(prefix + "*.csv.gz"), reverse=True):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataWarning)
            close = _read_cache(candidate, names)
        if close is not None:
            return candidate, close
    return None


def _close_to_returns(
    close: pd.DataFrame, names: list[str], min_coverage: float
) -> pd.DataFrame:
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
    close = close.drop(columns=failed)
    first = close.apply(pd.Series.first_valid_index)
    coverage = close.notna().mean()
    late = coverage[coverage < min_coverage].index.tolist()
    if late:
        starts = ", ".join(f"{t} from {first[t].date()}" for t in late)
        warnings.warn(
            f"dropped {late}: their history covers less than {min_coverage:.0%} of the "
            f"period ({starts}). Pass min_coverage=0 to keep them and start later.",
            DataWarning,
            stacklevel=3,
        )
        close = close.drop(columns=late)
    close = close.loc[first[close.columns].max() :]
    gaps = int(close.isna().any(axis=1).sum())
    if gaps:
        warnings.warn(
            f"dropped {gaps} days on which some tickers had no price.",
            DataWarning,
            stacklevel=3,
        )
        close = close.dropna()
    return to_log_returns(close)
