"""The ``regimes`` command: fit regimes to sector returns and print what they say.

With no arguments it fits the bundled sample (offline). ``regimes --help`` lists the
options. User errors print one line on stderr and exit with status 2.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

import pandas as pd

from . import data
from ._io import atomic_path
from .exceptions import DataDownloadError, RegimeFitError
from .models import RegimeModel

_USER_ERRORS = (
    ValueError,
    TypeError,
    FileNotFoundError,
    DataDownloadError,
    RegimeFitError,
    ImportError,
)


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, not usage + message
        raise _UsageError(f"{message} (see regimes --help)")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="regimes",
        description="Fit Bull/Sideways/Bear regimes (Gaussian HMM) to daily returns "
        "and print the regime summary, the transition matrix and today's regime. "
        "Without --csv or --download, uses the bundled sample of US sector returns.",
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--csv",
        type=Path,
        metavar="PATH",
        help="CSV of daily prices or returns, dates in the first column",
    )
    source.add_argument(
        "--download",
        metavar="TICKERS",
        help="Yahoo tickers to download, e.g. XLK,XLF,XLE "
        "('sectors' for the SPDR sector ETFs)",
    )
    parser.add_argument(
        "--start", metavar="DATE", help="first date to use (YYYY-MM-DD)"
    )
    parser.add_argument("--end", metavar="DATE", help="last date to use (YYYY-MM-DD)")
    parser.add_argument("--n-regimes", type=int, default=3, metavar="K")
    parser.add_argument(
        "--covariance-type",
        default="full",
        choices=["full", "diag", "spherical", "tied"],
    )
    parser.add_argument(
        "--n-init", type=int, default=10, metavar="N", help="EM restarts (default 10)"
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="write regimes.csv and regimes.png into DIR",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            args = _parser().parse_args(argv)
            status = _run(args)
        for warning in caught:
            print(f"regimes: warning: {warning.message}", file=sys.stderr)
        return status
    except (_UsageError, *_USER_ERRORS) as exc:
        print(f"regimes: error: {exc}", file=sys.stderr)
        return 2


def _parse_date(value: str | None, name: str) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        return pd.Timestamp(value)
    except ValueError as exc:
        raise ValueError(
            f"{name} must be a date like 2020-01-31, got {value!r}"
        ) from exc


def _load(args: argparse.Namespace) -> tuple[pd.DataFrame, str]:
    start, end = _parse_date(args.start, "--start"), _parse_date(args.end, "--end")
    if start is not None and end is not None and start > end:
        raise ValueError(f"--start ({start.date()}) is after --end ({end.date()})")
    if args.download:
        tickers = None if args.download.strip().lower() == "sectors" else args.download
        # the command's --end is inclusive; yfinance's end is exclusive
        returns = data.download_returns(
            tickers,
            start=start if start is not None else "2000-01-01",
            end=end + pd.Timedelta(days=1) if end is not None else None,
        )
        label = "Yahoo Finance, adjusted closes"
    elif args.csv:
        returns, label = data.read_returns(args.csv), str(args.csv)
    else:
        returns = data.load_sample()
        label = "bundled sample: US sector groups of 20 S&P 500 stocks (skfolio)"
    returns = returns.loc[start:end]
    if returns.empty:
        raise ValueError("no returns left between --start and --end")
    return returns, label


def _run(args: argparse.Namespace) -> int:
    returns, label = _load(args)
    model = RegimeModel(
        n_regimes=args.n_regimes,
        covariance_type=args.covariance_type,
        n_init=args.n_init,
        random_state=args.seed,
    ).fit(returns)

    first, last = returns.index[0].date(), returns.index[-1].date()
    print(f"Data: {label}")
    print(
        f"      {len(returns)} days, {first} .. {last}; columns: "
        f"{', '.join(map(str, returns.columns))}"
    )
    n_ok = int((model.restarts_["error"] == "").sum())
    converged = "converged" if model.converged_ else "NOT converged"
    print(
        f"Model: {model.n_regimes} regimes, '{model.covariance_type}' covariance; "
        f"best of {n_ok}/{len(model.restarts_)} restarts, log-likelihood "
        f"{model.log_likelihood_:.1f}, {converged} "
        f"in {model.n_iter_} iterations"
    )
    print()
    print(
        "Regime summary (annualised, equal-weighted average of the columns, 252 days):"
    )
    print(_format_summary(model.summary()))
    print()
    print("Transition probabilities (rows: from, columns: to):")
    print(model.transition_matrix().to_string(float_format=lambda p: f"{p:.3f}"))
    print()
    filtered = model.filter_proba(returns)
    today = filtered.iloc[-1]
    odds = ", ".join(f"{name} {p:.2f}" for name, p in today.items())
    print(
        f"Regime on {last} (filtered: data up to that day only): "
        f"{today.idxmax()}  [{odds}]"
    )
    if args.out is not None:
        for path in _write_outputs(model, returns, filtered, args.out):
            print(f"wrote {path}")
    return 0


def _format_summary(summary: pd.DataFrame) -> str:
    table = pd.DataFrame(
        {
            "share of days": summary["share_of_days"].map("{:.1%}".format),
            "spells": summary["n_spells"],
            "expected duration (days)": summary["expected_duration"].map(
                "{:.1f}".format
            ),
            "long-run share": summary["stationary_probability"].map("{:.1%}".format),
            "mean return": summary["annual_mean"].map("{:+.1%}".format),
            "volatility": summary["annual_volatility"].map("{:.1%}".format),
        }
    )
    return table.to_string()


def _write_outputs(
    model: RegimeModel, returns: pd.DataFrame, filtered: pd.DataFrame, folder: Path
) -> list[Path]:
    from matplotlib.figure import Figure

    from .plots import plot_probabilities, plot_regimes

    table = pd.concat(
        [
            model.predict(returns),
            filtered.add_prefix("filtered_"),
            model.predict_proba(returns).add_prefix("smoothed_"),
        ],
        axis=1,
    )
    table.index.name = "date"
    csv_path, png_path = folder / "regimes.csv", folder / "regimes.png"
    with atomic_path(csv_path) as tmp:
        table.to_csv(tmp, float_format="%.6g")

    figure = Figure(figsize=(11, 7), layout="constrained")
    top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=[2, 1])
    plot_regimes(model, returns, ax=top)
    plot_probabilities(model, returns, "filtered", ax=bottom)
    with atomic_path(png_path) as tmp:
        figure.savefig(tmp, format="png", dpi=110)
    return [csv_path, png_path]


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
