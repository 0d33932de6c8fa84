"""Adjusted closes from Yahoo Finance through yfinance, and their cache on disk.

:func:`closes` returns a table of adjusted closes (one column per ticker, NaN where a
ticker has no price) for the days ``start`` .. ``end``, both inclusive: yfinance's
own ``end`` is exclusive, so the day after ``end`` is passed to it, here and nowhere
else. Each download is cached as a gzip CSV named by its tickers and its inclusive
dates (``yf_<TICKERS>_<start>_to_<end>.csv.gz``); when a download fails, the cached
download of the same tickers with the most days inside the dates is used instead,
cut to them. The ragged-panel policy (:mod:`regimes._panel`) is applied by the
caller, :func:`regimes.data.download_returns`.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ._dates import parse_day_index
from ._io import atomic_path, check_folder_target, user_path
from ._panel import check_finite_values, check_positive
from ._warn import warn_user
from .exceptions import (
    Advice,
    Aside,
    Command,
    DataDownloadError,
    DataWarning,
    InvalidParameterError,
    Setting,
    message_parts,
)

__all__ = [
    "CACHE_ENV",
    "SOURCE",
    "check_tickers",
    "closes",
    "default_cache_dir",
    "SETTLED_ATTR",
    "drop_failed",
]

CACHE_ENV = "REGIMES_CACHE_DIR"
SOURCE = "Yahoo Finance"
_TICKER = re.compile(r"[A-Z0-9.^=\-]+")
_ONE_DAY = pd.Timedelta(days=1)


def default_cache_dir() -> Path:
    """Where downloads are cached: ``$REGIMES_CACHE_DIR``, else ``./data/cache``."""
    # set but empty or blank is unset, as for most variables (hostile 67, 13:
    # "" was the current folder; hostile 71, 1: "  " a folder of that name);
    # other spaces around a path are refused where it is used (path_problem)
    given = os.environ.get(CACHE_ENV, "")
    return user_path(given if given.strip() else Path("data") / "cache")


def check_tickers(tickers: tuple[str, ...]) -> list[str]:
    """Upper-case Yahoo symbols, each once, in the order given.

    Spaces around a symbol are dropped (no symbol has one: 'XLK ' from a
    list typed by hand, hostile 93, 6).
    """
    names = [t.strip().upper() for t in tickers]
    bad = [t for t in names if not _TICKER.fullmatch(t)]
    if bad:
        # a share class written as Bloomberg or Nasdaq do ('BRK/B', 'BRK B',
        # 'BRK.B' passes): Yahoo's form has '-' (hostile 87, F1: told to list
        # 'BRK' and 'B' apart, two other securities); classes A to C, as
        # 'XLK F' is two tickers (hostile 88, 7)
        classes = [
            m.group(1) + "-" + m.group(2)
            for t in bad
            if (m := re.fullmatch(r"([A-Z0-9.^=\-]+)(?:/|\s+)([A-C])", t))
        ]
        # separated by something else than the list: ',', ';' (a spreadsheet's
        # list), '|', '/' or spaces
        several = any(re.search(r"[,;|/\s]", t) for t in bad)
        example = Setting("tickers", ["XLK", "XLF"])
        fix = [" List several tickers apart, e.g. ", example, "."] if several else []
        if classes:
            fix = [
                f" A share class is written with '-' on Yahoo ({classes[0]!r}); "
                "several tickers are listed apart, e.g. ",
                example,
                ".",
            ]
        raise InvalidParameterError(
            "tickers",
            Advice(
                f"tickers {', '.join(map(repr, bad))} are not Yahoo ticker symbols "
                "(e.g. 'XLK', '^GSPC').",
                *fix,
            ),
        )
    return sorted(set(names), key=names.index)


def closes(
    names: list[str],
    start: pd.Timestamp,
    end: pd.Timestamp,
    cache_dir: Path,
    refresh: bool,
    cache_param: str = "cache_dir",
) -> pd.DataFrame:
    """Adjusted closes of ``names`` from ``start`` to ``end`` (inclusive), cached.

    ``cache_param`` names where ``cache_dir`` came from, for the error of one
    that cannot hold the download (:data:`CACHE_ENV` for the default).

    Only settled days are cached (:func:`settled_day`): a request reaching a day
    whose bar may still change (today, while its exchange trades) is downloaded
    afresh, and its cache file holds the days up to the last settled one, so
    that an intraday price is never served later as that day's close.
    """
    settled = settled_day()
    path = cache_dir / _cache_name(names, start, min(end, settled))
    fresh = end > settled
    close = None if refresh or fresh else _read_cache(path, names)
    if close is None and not (refresh or fresh):
        # a file of the same download under the name versions before 2026-12-03
        # gave it (see _cache_prefix); its columns tell it from another ticker's
        older = cache_dir / _cache_name(names, start, min(end, settled), legacy=True)
        if older != path and older.exists():
            close = _read_cache(older, names, quiet=True)
    if close is None:
        # before the download, not after it (hostile 66, 10: a cache folder
        # that is a file was found when the download was to be written)
        check_folder_target(cache_dir, cache_param)
        close = _download_or_fallback(names, start, end, path, settled)
    return close


SETTLED_ATTR = "settled_until"
"""The ``attrs`` key under which a download says its last settled day
(:func:`settled_day`, ISO text): days after it may still be trading."""


def settled_day(now: pd.Timestamp | None = None) -> pd.Timestamp:
    """The last day whose daily bars no exchange can still change.

    Bars are dated by their exchange's calendar, and the last exchanges of a
    day (the Americas) close by 23:00 UTC; so the UTC date of 24 hours ago has
    ended everywhere (a day late at most, which costs a download, never a
    wrong price).
    """
    now = pd.Timestamp.now(tz="UTC") if now is None else now.tz_convert("UTC")
    return (now - pd.Timedelta(hours=24)).tz_localize(None).normalize()


def _cache_prefix(names: list[str], legacy: bool = False) -> str:
    """``yf_<TICKERS>_``: one name per list of tickers, never shared by another.

    Letters and digits stay as they are; any other character becomes ``_`` and
    its hex code (``BRK.B`` -> ``BRK_2EB``, ``BRK-B`` -> ``BRK_2DB``, ``^GSPC`` ->
    ``_5EGSPC``), so tickers that differ only there get files of their own (a
    name that replaced them all with ``_`` let one download overwrite the
    other's), and ``-`` between tickers cannot be read as part of one.
    ``legacy=True``: that earlier name, still read (never written) so that a
    cache made by an earlier version serves offline.
    """
    key = "-".join(
        re.sub(r"[^A-Z0-9]", "_" if legacy else lambda m: f"_{ord(m.group()):02X}", t)
        for t in names
    )
    if len(key) > 100:
        key = hashlib.sha1(",".join(names).encode()).hexdigest()[:16]
    return f"yf_{key}_"


def _cache_name(
    names: list[str], start: pd.Timestamp, end: pd.Timestamp, legacy: bool = False
) -> str:
    # "_to_": both days inclusive (files of older versions, named start_end with an
    # exclusive end, are never taken for this request; see _best_cached)
    return f"{_cache_prefix(names, legacy)}{start.date()}_to_{end.date()}.csv.gz"


def _read_cache(
    path: Path, names: list[str], quiet: bool = False
) -> pd.DataFrame | None:
    """The cached closes at ``path``; None if absent, or corrupt (with a warning).

    ``quiet``: no warning, for files looked at in passing (a fallback's
    candidates, a name other tickers may share), which are not this request's.
    """
    if not path.exists():
        return None
    try:
        close = pd.read_csv(path, index_col="Date")  # exact: pandas reads repr back
        if list(close.columns) != names or close.empty:
            raise ValueError(f"expected columns {names}, found {list(close.columns)}")
        close.index = parse_day_index(close.index, source=str(path), param="cache")
        close = close.astype(float)
        if not (close.index.is_unique and close.index.is_monotonic_increasing):
            raise ValueError("dates repeat or are out of order")
        if np.isinf(close.to_numpy()).any():
            raise ValueError("infinite prices")
    except Exception as exc:  # gzip CRC / EOF errors, parse errors, wrong content
        if quiet:
            return None
        warn_user(
            f"cache file {path} is unreadable ({type(exc).__name__}: {exc}); "
            "downloading again.",
            DataWarning,
        )
        return None
    return close


def _download_or_fallback(
    names: list[str],
    start: pd.Timestamp,
    end: pd.Timestamp,
    path: Path,
    settled: pd.Timestamp,
) -> pd.DataFrame:
    try:
        close = _yf_close(names, start, end)
    except DataDownloadError as exc:
        older = _best_cached(path, names, start, end)
        if older is None:
            raise
        cached_path, cached = older
        warn_user(
            Advice(
                *message_parts(exc),
                f" Using the cached download {cached_path.name} instead: it has "
                f"prices from {cached.index[0].date()} to {cached.index[-1].date()} "
                f"of the {start.date()} to {end.date()} you asked for.",
            ),
            DataWarning,
        )
        return cached
    close = close.loc[start:end]
    # checked before caching, so a bad download is never served again
    check_finite_values(close, SOURCE, "tickers")
    check_positive(close, SOURCE, "tickers")
    # every digit (the shortest text that reads back as the same float): a run
    # served from the cache then sees the very prices a run that downloaded
    # them saw, and a daily state continues from either
    keep = close.loc[:settled]  # a day still trading is not cached (settled_day)
    # a ticker that failed comes as a column of NaN: such a download is not
    # cached, or it would replace a good file and be served from then on
    # (hostile 80, 2: refresh=True during an outage emptied the cache)
    if len(keep) and keep.notna().any().all():
        with atomic_path(path) as tmp:
            keep.to_csv(tmp, compression="gzip")
    return close


def _yf_close(names: list[str], start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Adjusted closes from yfinance, one column per name (all-NaN if it failed)."""
    import yfinance as yf
    from yfinance.exceptions import YFRateLimitError

    advice = (
        "If you are offline, work with ",
        Aside(
            "regimes.data.load_sample() or regimes.data.read_returns('your_prices.csv')"
        ),
        Command("the bundled sample (leave --download out) or a file (--csv FILE)"),
        ".",
    )
    try:
        # yfinance's own warnings pass as they come: a warnings filter here would
        # be process-global, and hide other threads' warnings while it downloads
        raw = yf.download(
            names,
            start=start.date().isoformat(),
            end=(end + _ONE_DAY).date().isoformat(),  # yfinance: end exclusive
            auto_adjust=True,
            progress=False,
        )
    except YFRateLimitError as exc:
        raise DataDownloadError(
            Advice(
                f"Yahoo Finance is rate-limiting downloads of {names} ({exc}); "
                "wait a few minutes and retry. ",
                *advice,
            )
        ) from exc
    except Exception as exc:  # network errors surface as many types
        raise DataDownloadError(
            Advice(
                f"downloading {names} failed ({type(exc).__name__}: {exc}). ",
                *advice,
            )
        ) from exc
    if (raw is None or raw.empty) and not len(pd.bdate_range(start, end)):
        # a weekend: no symbol is at fault, nor the network (hostile 73, 7)
        raise DataDownloadError(
            f"no day from {start.date()} to {end.date()} has prices for {names}: "
            "the dates hold no weekday; widen the dates."
        )
    if raw is None or raw.empty or "Close" not in raw.columns.get_level_values(0):
        weekdays = len(pd.bdate_range(start, end))
        settled = settled_day()
        # a few weekdays may all be holidays (hostile 74, 7), unless they are
        # still to come (hostile 75, 6): say the dates too
        if start > settled:
            short = (
                f"The dates start after {settled.date()}, the last day whose "
                "prices are final everywhere: the market may not have closed on "
                "them yet. "
            )
        elif weekdays <= 5:
            short = (
                "Its one weekday may be a holiday: widen the dates. "
                if weekdays == 1
                else f"Its {weekdays} weekdays may all be holidays: widen the dates. "
            )
        else:
            short = ""
        raise DataDownloadError(
            Advice(
                f"Yahoo Finance returned no prices for {names} from {start.date()} "
                f"to {end.date()} (yfinance logs the reason). {short}",
                *advice,
            )
        )
    # (Price, Ticker) columns, even for one ticker (yfinance >= 0.2.54)
    close = raw["Close"].reindex(columns=names).astype(float)
    close.columns = pd.Index(names)  # drop yfinance's "Ticker" level name
    close.index = parse_day_index(close.index, source=SOURCE, param="tickers")
    close = close.sort_index()
    if close.index.has_duplicates:  # yfinance has returned the last day twice
        dup = close.index[close.index.duplicated()]
        warn_user(
            f"Yahoo Finance returned {len(dup)} dates twice (first: {dup[0].date()}); "
            "kept the last row of each.",
            DataWarning,
        )
        close = close[~close.index.duplicated(keep="last")]
    return close


def _best_cached(
    path: Path, names: list[str], start: pd.Timestamp, end: pd.Timestamp
) -> tuple[Path, pd.DataFrame] | None:
    """The cached download of these tickers with the most days in [start, end].

    Only those days are returned: a fallback never serves data outside the
    requested dates (a later ``end`` would be look-ahead in a backtest).
    """
    best = None
    candidates = {
        found
        for legacy in (False, True)  # names of earlier versions too (_cache_prefix)
        for found in path.parent.glob(_cache_prefix(names, legacy) + "*.csv.gz")
    }
    for candidate in sorted(candidates, reverse=True):
        close = _read_cache(candidate, names, quiet=True)
        if close is None:
            continue
        close = close.loc[start:end]
        if len(close) and (best is None or len(close) > len(best[1])):
            best = candidate, close
    return best


def drop_failed(
    close: pd.DataFrame,
    names: list[str],
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Leave out tickers without a single price, with a warning.

    A download without a single day (a window of a weekend or holidays, or
    dates before any listing) is said of the dates ``start`` to ``end``, not of
    the symbols, which every day's absence would otherwise blame.
    """
    if len(close) == 0:
        dates = (
            f"from {start.date()} to {end.date()} "
            if start is not None and end is not None
            else ""
        )
        raise DataDownloadError(
            f"no day {dates}has prices for {names}: the dates hold no trading "
            "day of theirs (a weekend, holidays, or before they were listed); "
            "widen the dates."
        )
    failed = [t for t in names if close[t].isna().all()]
    # a share class as other vendors write it ('BRK.B'): Yahoo's has '-'
    # (hostile 88, 7)
    dotted = [t for t in failed if re.fullmatch(r"[A-Z0-9]+\.[A-C]", t)]
    hint = (
        f" Yahoo writes share classes with '-' ({dotted[0].replace('.', '-')!r})."
        if dotted
        else ""
    )
    if len(failed) == len(names):
        raise DataDownloadError(
            f"no prices for any of {names}: check the symbols on finance.yahoo.com "
            f"(yfinance logs the reason).{hint}"
        )
    if failed:
        warn_user(
            f"no prices for {failed} (unknown or delisted symbols?); left out.{hint}",
            DataWarning,
        )
    return close.drop(columns=failed)
