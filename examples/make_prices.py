"""Rebuild examples/prices.csv from the bundled sample (run from the repository root).

Closing prices of four sector groups, 2019-2022, made from the sample's daily log
returns: each column starts at 100 and compounds them (P_t = 100 exp(sum of log
returns up to t)), rounded to cents as a price file would be. Reading the file back
with ``regimes.data.read_returns`` gives the sample's log returns of those days to
within the rounding (about 1e-4 a day).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from regimes.data import load_sample

COLUMNS = ["Technology", "Financials", "Energy", "Health Care"]
START, END = "2019-01-01", "2022-12-31"


def main() -> None:
    """Write examples/prices.csv from the bundled sample."""
    returns = load_sample().loc[START:END, COLUMNS]
    prices = (100 * np.exp(returns.cumsum())).round(2)
    path = Path(__file__).with_name("prices.csv")
    prices.to_csv(path, index_label="Date", float_format="%.2f")
    print(f"wrote {path}: {prices.shape[0]} days x {prices.shape[1]} columns")


if __name__ == "__main__":
    main()
