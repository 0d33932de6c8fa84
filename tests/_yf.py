"""Stand-ins for yfinance.download that return frames of the shape it really returns."""

from __future__ import annotations

import numpy as np
import pandas as pd


def yf_frame(
    tickers: list[str],
    start: str = "2020-01-01",
    periods: int = 300,
    *,
    failed: tuple[str, ...] = (),
    starts: dict[str, str] | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """What yf.download(..., auto_adjust=True, progress=False) returns.

    Columns are a (Price, Ticker) MultiIndex even for one ticker, Price in
    Close/High/Low/Open/Volume (adjusted, no "Adj Close"), index a tz-naive
    DatetimeIndex named "Date". A failed ticker has all-NaN columns; a ticker that
    started later has NaN before its first day.
    """
    dates = pd.bdate_range(start, periods=periods, name="Date")
    rng = np.random.default_rng(seed)
    close = pd.DataFrame(
        100 * np.exp(np.cumsum(rng.normal(0, 0.01, (periods, len(tickers))), axis=0)),
        index=dates,
        columns=tickers,
    )
    for t in failed:
        close[t] = np.nan
    for t, first in (starts or {}).items():
        close.loc[close.index < first, t] = np.nan
    fields = {
        "Close": close,
        "High": close * 1.01,
        "Low": close * 0.99,
        "Open": close,
        "Volume": close * 0 + 1e6,
    }
    frame = pd.concat(fields, axis=1, names=["Price", "Ticker"])
    return frame.sort_index(axis=1, level=0, sort_remaining=False)


class FakeDownload:
    """Stands in for yfinance.download; records calls."""

    def __init__(self, result=None, error: Exception | None = None):
        self.result, self.error, self.calls = result, error, []

    def __call__(self, tickers, start=None, end=None, **kwargs):
        self.calls.append({"tickers": tickers, "start": start, "end": end, **kwargs})
        if self.error is not None:
            raise self.error
        return self.result
