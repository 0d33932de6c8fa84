"""Rebuild the bundled sample, regimes/_data/sector_returns.csv.gz, from skfolio.

skfolio (BSD-3-Clause) ships daily prices of 20 S&P 500 stocks and of the S&P 500
index, 1990-01-02 .. 2022-12-28, inside its wheel, so this script needs no network.
It is a development-time tool: skfolio is not a dependency of regimes.

    pip install -e ".[dev]" skfolio==1.12.2
    python data/make_sample.py          # writes the file and prints the data checks

Transform: daily log returns ln(P_t / P_{t-1}) of each stock; a sector's return is the
equal-weighted average of its stocks' log returns; "SP500" is the index's log return.
See data/README.md for the provenance and the caveats these checks print.
"""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import numpy as np
import pandas as pd

from regimes._io import atomic_path

SECTORS = {
    "Technology": ["AAPL", "AMD", "MSFT"],
    "Financials": ["BAC", "JPM"],
    "Consumer Discretionary": ["BBY", "HD"],
    "Energy": ["CVX", "XOM", "RRC"],
    "Industrials": ["GE"],
    "Health Care": ["JNJ", "LLY", "MRK", "PFE", "UNH"],
    "Consumer Staples": ["KO", "PEP", "PG", "WMT"],
}
OUT = (
    Path(__file__).resolve().parents[1] / "regimes" / "_data" / "sector_returns.csv.gz"
)


def build() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (sector and index log returns, stock log returns)."""
    import skfolio
    from skfolio.datasets import load_sp500_dataset, load_sp500_index

    print(f"skfolio {skfolio.__version__}")
    prices = load_sp500_dataset()
    index = load_sp500_index()
    stocks = np.log(prices).diff().iloc[1:]
    sectors = pd.DataFrame(
        {name: stocks[tickers].mean(axis=1) for name, tickers in SECTORS.items()}
    )
    sectors["SP500"] = np.log(index["SP500"]).diff().iloc[1:]
    sectors.index = pd.DatetimeIndex(
        sectors.index.astype("datetime64[ns]"), name="Date"
    )
    return sectors, stocks


def report(sectors: pd.DataFrame, stocks: pd.DataFrame) -> None:
    """Print the checks that data/README.md summarises."""
    print(
        f"rows {len(sectors)}: {sectors.index[0].date()} .. {sectors.index[-1].date()}"
    )
    print("NaN values:", int(sectors.isna().sum().sum()))
    weekdays = pd.bdate_range(sectors.index[0], sectors.index[-1])
    print(
        "weekdays without a row (holidays, closures):",
        len(weekdays.difference(sectors.index)),
    )
    gaps = sectors.index.to_series().diff().dt.days
    print("gaps longer than 4 calendar days:", gaps[gaps > 4].to_dict())
    zero = stocks == 0
    longest = {c: int(zero[c].groupby((~zero[c]).cumsum()).sum().max()) for c in stocks}
    print(
        "stock days with a zero return:",
        zero.sum().sort_values(ascending=False).head(5).to_dict(),
    )
    print(
        "longest zero-return run (days):",
        dict(sorted(longest.items(), key=lambda kv: -kv[1])[:4]),
    )
    big = stocks.abs().stack()
    print("largest |stock log return|:", big.sort_values().tail(4).round(3).to_dict())
    print("largest |sector log return|:", sectors.abs().max().round(3).to_dict())
    print("annualised volatility:", (sectors.std() * np.sqrt(252)).round(3).to_dict())


def write(sectors: pd.DataFrame, path: Path = OUT) -> None:
    """Write the gzip CSV atomically (a temp file in the same folder, then rename)."""
    text = sectors.to_csv(float_format="%.8g", lineterminator="\n")
    buffer = io.BytesIO()
    # mtime=0 keeps the file byte-identical between rebuilds
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as gz:
        gz.write(text.encode())
    with atomic_path(path) as tmp:
        tmp.write_bytes(buffer.getvalue())
    print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB)")


if __name__ == "__main__":
    sectors, stocks = build()
    report(sectors, stocks)
    write(sectors)
