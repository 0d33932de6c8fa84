"""read_returns vs pandas.read_csv on the same price file, side by side.

read_returns does more than parse: it sniffs the separator, finds the header and
the table among preamble, sections and footer, reads the days with the one day
parser, checks every cell, then applies the ragged-panel policy and takes log
returns. pandas.read_csv only parses. The file is 11 sector ETFs' closes of the
shape tests/_yf.py writes, `--days` rows (9,000 by default: 36 years).

    cd benchmarks && ../.venv/bin/python read_returns.py
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import warnings
from pathlib import Path

import pandas as pd
from _common import best_of_interleaved, machine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from regimes import data  # noqa: E402
from tests._yf import yf_frame  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=9000)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    close = yf_frame(list(data.SECTOR_ETFS), start="1990-01-01", periods=args.days)
    close = close["Close"].rename_axis(columns=None)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "prices.csv"
        close.to_csv(path)
        times = best_of_interleaved(
            {
                "pandas.read_csv (parse only)": lambda: pd.read_csv(path, index_col=0),
                "read_returns(kind='prices')": lambda: data.read_returns(
                    path, kind="prices"
                ),
                "read_returns(kind='auto')": lambda: data.read_returns(path),
            },
            repeat=3,
        )
    print(machine())
    print(f"file: {args.days} days x {close.shape[1]} columns of prices\n")
    base = times["pandas.read_csv (parse only)"]
    for name, seconds in times.items():
        print(f"{name:32s} {seconds:7.3f} s   {seconds / base:6.1f}x read_csv")


if __name__ == "__main__":
    main()
