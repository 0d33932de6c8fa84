"""The one rule that tells prices from returns, and the one conversion between them.

Prices move by about 1 % of their level from one day to the next, whatever their
units (index levels, FX rates near 0.7, penny stocks, prices / 100), while independent
returns change by more than their own size (about 1.4 times for Gaussian returns,
whatever their units). :func:`change_to_level_ratio` measures this per column; the
loaders' ``kind="auto"`` (:func:`guess_kind`) and the fit's
:class:`~regimes.exceptions.LikelyPricesWarning` (:func:`looks_like_prices`) both
read it, so a table the loaders call prices is also what the fit warns about.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._dates import trading_days_per_row
from ._far import JUMP, nan_median
from ._gaussian import MAD_TO_SD
from ._warn import warn_user
from .exceptions import (
    Advice,
    DataWarning,
    InvalidParameterError,
    Setting,
    SplitWarning,
    UnitsWarning,
)
from .results import TRADING_DAYS

__all__ = [
    "PERCENT_MEDIAN",
    "PRICE_CHANGE_RATIO",
    "RETURN_CHANGE_RATIO",
    "RETURN_TYPES",
    "change_to_level_ratio",
    "gross_columns",
    "gross_ratio",
    "gross_reading",
    "guess_kind",
    "log_returns",
    "looks_like_prices",
    "percent_median",
    "percent_suspect_median",
    "annual_volatility_of",
    "simple_returns",
    "price_ticks",
    "split_like_moves",
    "warn_split_like",
]

PRICE_CHANGE_RATIO = 0.3
"""Below this median |daily change| / median |value|, a column looks like prices."""
RETURN_CHANGE_RATIO = 0.6
"""Above it, a column looks like returns (independent returns give about 1.4)."""
PERCENT_MEDIAN = 0.1
"""Returns whose median absolute value is above this look like percent."""
PERCENT_SUSPECT_MEDIAN = 0.055
"""Returns whose median |value| is above this, yet not above ``PERCENT_MEDIAN``,
may be percent returns of a calm asset (a bond fund moving 0.07 % on a median
day). As decimals they are an annual volatility above about 130 %: the median
|daily return| of normal returns is 0.674 sd, so 0.055 is a daily sd of 0.082,
1.3 a year over 252 days (fat tails push the sd higher still), beyond every
index, sector and bond fund, near the wildest years of Bitcoin. Warned of, not
refused: a meme stock in a squeeze moves so."""
BASIS_POINTS_MEDIAN = 20.0
"""Above it, no longer percent: a median daily move of 20 % is no asset's (the
most volatile, crypto, move 2-3 % on a median day); in basis points, 50-200."""


def basis_points_median(values: np.ndarray) -> float | None:
    """The largest column median |value| if the values look like basis points.

    Above :data:`BASIS_POINTS_MEDIAN` and not prices; else None. The units
    rule's upper bound: :func:`percent_median` alone read basis points
    as percent, labelling every figure 100 times too large.
    """
    return _basis_points(_largest_column_median(values), values)


def _basis_points(median: float | None, values: np.ndarray) -> float | None:
    """``median`` if it is that of returns in basis points (not prices)."""
    if median is None or median <= BASIS_POINTS_MEDIAN or looks_like_prices(values):
        return None
    return median


def _largest_column_median(values: np.ndarray) -> float | None:
    """The largest median |value| of the columns (their finite values), or None.

    The units rules judge a frame by its largest column: its columns share one
    unit, and cash columns (tiny moves) must not pull the judgement down.
    """
    medians = [m for m in _column_medians(values) if m is not None]
    return max(medians) if medians else None


def _column_medians(values: np.ndarray) -> list[float | None]:
    """Each column's median |value| over its finite values (None: it has none)."""
    values = np.asarray(values, dtype=float)
    if values.ndim == 1:
        values = values[:, None]
    medians: list[float | None] = []
    for column in values.T:
        seen = column[np.isfinite(column)]
        medians.append(float(np.median(np.abs(seen))) if seen.size else None)
    return medians


def change_to_level_ratio(column: pd.Series | np.ndarray) -> float:
    """Median |x_t - x_{t-1}| / median |x_t| of a column's values (NaN skipped).

    Near 0.01 for prices, near 1.4 for independent returns. NaN when the column has
    fewer than 3 finite values or is constant.
    """
    values = np.asarray(column, dtype=float)
    values = values[np.isfinite(values)]
    if values.size < 3:
        return float("nan")
    change = float(np.median(np.abs(np.diff(values))))
    level = float(np.median(np.abs(values)))
    if level == 0:
        return float("inf") if change > 0 else float("nan")
    return change / level


def _ratios(frame: pd.DataFrame) -> dict[str, float]:
    return {str(c): change_to_level_ratio(frame[c]) for c in frame.columns}


FEW_DAYS_TO_JUDGE = 21
"""Fewer days of values than this (a month of trading days) are too few to tell
prices from returns by their day-to-day changes when the columns disagree or none
can be judged: the error says the days are too few, not that the kinds differ."""


def guess_kind(
    frame: pd.DataFrame,
    source: str,
    whole: pd.DataFrame | None = None,
    cut: bool = False,
) -> tuple[str, str]:
    """Whether a numeric frame holds prices or returns, and why (one sentence).

    Each column is judged by :func:`change_to_level_ratio`; every column that can
    be judged must agree. ``cut``: whether start= or end= cut the dates (too few
    days are then told to widen them, else to pass a longer history).

    Raises
    ------
    InvalidParameterError
        Naming ``kind``, if the columns disagree or none can be judged; the message
        starts with ``source`` and says how to state the kind.
    """
    ratios = _ratios(frame)
    prices = [c for c, r in ratios.items() if r < PRICE_CHANGE_RATIO]
    returns = [c for c, r in ratios.items() if r > RETURN_CHANGE_RATIO]
    unclear = [
        c for c, r in ratios.items() if PRICE_CHANGE_RATIO <= r <= RETURN_CHANGE_RATIO
    ]  # NaN (constant or nearly empty columns) is none of the three: not counted
    column = {str(c): frame[c] for c in frame.columns}  # the ratios' keys
    # gross returns are judged on the whole columns (``whole``: before start= and
    # end= cut them): dates that leave under a year must not switch the rule off
    judged = frame if whole is None else whole[frame.columns]
    values = judged.to_numpy(dtype=float)
    gross = gross_columns(values, list(column))
    if gross:
        # the columns near 1 too short to judge are very likely the same kind
        short = [c for c in _short_near_one(values, list(column)) if c in prices]
        raise InvalidParameterError(
            "kind",
            Advice(
                f"{source}: columns {list(gross)} look like gross returns (1 + r)"
                + (
                    f" (and {short}, near 1 but too short to judge, likely too)"
                    if short
                    else ""
                )
                + ", "
                "not prices: their values stay about one level and change from "
                "day to day by about as much as they lie from their median (median "
                "|change| / median |value - median|: "
                + ", ".join(f"{c} {r:.2g}" for c, r in gross.items())
                + "; independent returns give about 1.4, prices that wander under "
                "0.5 over a year). Read as prices they would give differences of "
                f"returns. {GROSS_FIX} and pass ",
                Setting("kind", "returns"),
                "; if they are prices held about one level (a pegged currency, a "
                "stablecoin, a mean-reverting spread or ratio), "
                "pass ",
                Setting("kind", "prices"),
                ".",
            ),
        )
    fix = ("pass ", Setting("kind", "prices"), " or ", Setting("kind", "returns"))
    rows = int(frame.notna().any(axis=1).sum())
    mixed = bool((prices and returns) or (unclear and (prices or returns)))
    if (mixed or not (prices or returns)) and rows < FEW_DAYS_TO_JUDGE:
        longer = None if whole is None else whole[frame.columns]
        if longer is not None and longer.notna().any(axis=1).sum() >= FEW_DAYS_TO_JUDGE:
            # the dates cut a longer table: its whole columns tell the kind, as
            # they tell gross returns above (hostile 68, 10: a file that mixes
            # kinds was told to widen the dates)
            kind, why = guess_kind(longer, source, cut=False)
            return kind, f"{why} (judged on all the days, before the dates were cut)"
        # a few days' changes say nothing of the kind: columns "of two kinds"
        # were told to keep one, read then as prices that were returns (hostile
        # 67, 12); too few days are said to be, the dates widened if they were cut
        raise InvalidParameterError(
            "kind",
            Advice(
                f"{source}: cannot tell prices from returns from only {rows} "
                f"day{'s' if rows != 1 else ''} of values: "
                f"{'widen the dates' if cut else 'pass a longer history'}, or ",
                *fix,
                " to say which.",
            ),
        )
    if mixed:
        raise InvalidParameterError(
            "kind",
            Advice(
                f"{source}: cannot tell prices from returns: columns {prices} look "
                f"like prices, {returns} like returns and {unclear} like neither "
                "(median day-to-day change / median value: "
                + ", ".join(f"{c} {r:.2g}" for c, r in ratios.items())
                + "); ",
                *fix,
                " to say which, or keep the columns of one kind with ",
                Setting("columns", [*(prices or returns)]),
                ".",
            ),
        )
    if not prices and not returns:
        raise InvalidParameterError(
            "kind",
            Advice(
                f"{source}: cannot tell prices from returns (too few or constant "
                "values, or day-to-day changes neither small nor large next to the "
                "values); ",
                *fix,
                " to say which.",
            ),
        )
    typical = float(np.nanmedian(list(ratios.values())))
    if prices:
        maybe = gross_reading(np.column_stack([judged[c] for c in prices]))
        return "prices", (
            f"read as prices: day-to-day changes are small next to the values "
            f"(median |change| / median |value| = {typical:.2g}; returns give about "
            "1.4)"
            + (
                " (too few days to tell whether the values, which stay near 1, are "
                "gross returns 1 + r: if they are, subtract 1 first)"
                if maybe == "maybe"
                else ""
            )
        )
    return "returns", (
        f"read as returns: values change by more than their own size from day to "
        f"day (median |change| / median |value| = {typical:.2g}; prices give about "
        "0.01)"
    )


GROSS_DAYS = 250
"""Values from which :func:`gross_ratio` judges a column (a year of days): over a
year, prices lie from their median by many days' changes (the ratio stays under
0.45 for a random walk), while gross returns change by about 1.4 times what they
lie from it (over 0.85 even with autocorrelated, heavy-tailed returns; shorter
samples overlap)."""
GROSS_SPREAD_RATIO = 0.7
"""From this :func:`gross_ratio`, a column that looks like prices is gross returns."""


def gross_ratio(column: pd.Series | np.ndarray) -> float:
    """Median |x_t - x_{t-1}| / median |x_t - median x| of a column, or NaN.

    Gross returns (1 + r, or 100 (1 + r)) move about a fixed centre, so their
    day-to-day changes are about 1.4 times their distance from it, as returns'
    are; prices wander, and lie many days' changes from their median (so do
    pegged prices not: they are told apart by the caller's ``kind`` only). NaN
    (not judged) for fewer than :data:`GROSS_DAYS` finite values, no spread, or a
    median that is neither about 1 nor about 100 (from :data:`GROSS_LEVEL` to 2
    times them): a cash fund's returns in percent (0.02 a day) stay about one level
    too.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> r = rng.normal(0.0, 0.01, 500)
    >>> bool(gross_ratio(1 + r) > 1.2), bool(gross_ratio(np.exp(np.cumsum(r))) < 0.3)
    (True, True)
    """
    values = np.asarray(column, dtype=float)
    values = values[np.isfinite(values)]
    if values.size < GROSS_DAYS:
        return float("nan")
    center = float(np.median(values))
    spread = float(np.median(np.abs(values - center)))
    near = GROSS_LEVEL <= center <= 2.0 or 100 * GROSS_LEVEL <= center <= 200.0
    if not near or spread == 0:  # not about 1 + r, nor 100 (1 + r)
        return float("nan")
    return float(np.median(np.abs(np.diff(values)))) / spread


GROSS_FIX = (
    "Subtract 1 from every value (for 100 (1 + r), divide by 100 first: they are "
    "then simple returns)"
)
"""What gross returns need, in every message that names them."""


def gross_columns(values: np.ndarray, names: Sequence[str]) -> dict[str, float]:
    """The columns that read as gross returns, with their :func:`gross_ratio`.

    Columns that look like prices (:func:`change_to_level_ratio` below
    :data:`PRICE_CHANGE_RATIO`) whose ratio is :data:`GROSS_SPREAD_RATIO` or
    more: the one rule of the loaders' refusal and the fit's warning.
    """
    values = np.asarray(values, dtype=float)
    if values.ndim == 1:
        values = values[:, None]
    found = {}
    for name, column in zip(names, values.T, strict=True):
        if change_to_level_ratio(column) < PRICE_CHANGE_RATIO:
            ratio = gross_ratio(column)
            if ratio >= GROSS_SPREAD_RATIO:
                found[str(name)] = ratio
    return found


def gross_reading(values: np.ndarray) -> str | None:
    """How values that look like prices read as gross returns (1 + r).

    "gross" when a column is judged gross returns by :func:`gross_ratio`;
    "maybe" when a column stays near 1 (median |value| from :data:`GROSS_LEVEL`
    to 2) but is too short to judge; else None (prices, or not near 1). For the
    warnings about returns that look like prices: gross returns need 1
    subtracted, not the log changes that prices need.
    """
    values = np.asarray(values, dtype=float)
    if values.ndim == 1:
        values = values[:, None]
    names = range(values.shape[1])
    if gross_columns(values, names):
        return "gross"
    return "maybe" if _short_near_one(values, names) else None


def _short_near_one(values: np.ndarray, names: Sequence[Any]) -> list[str]:
    """The columns near 1 with too few values for :func:`gross_ratio` to judge.

    A column without spread but long enough is judged (not gross returns).
    """
    levels = _column_medians(values)
    counts = np.isfinite(values).sum(axis=0)
    return [
        str(name)
        for name, level, count in zip(names, levels, counts, strict=True)
        if level is not None and GROSS_LEVEL <= level <= 2 and count < GROSS_DAYS
    ]


def looks_like_prices(values: np.ndarray) -> bool:
    """Whether :func:`guess_kind` would read these values as prices, not returns.

    ``values`` is an array of shape (n_samples, n_features) (or one column): True
    when every column that can be judged moves by little next to its level and at
    least one can be judged. Used by the fit to warn about prices passed as returns.
    """
    values = np.asarray(values, dtype=float)
    if values.ndim == 1:
        values = values[:, None]
    judged = False
    for j in range(values.shape[1]):
        ratio = change_to_level_ratio(values[:, j])
        if ratio >= PRICE_CHANGE_RATIO:  # one column of returns decides (NaN: unjudged)
            return False
        judged = judged or not np.isnan(ratio)
    return judged


BAR_FIELDS = frozenset({"open", "high", "low", "close", "adj close", "volume"})
"""The fields of a price bar (lower case), as yfinance and brokers name them: a file
of bars is read as one price per ticker (``_files``)."""
_OHLC = frozenset({"open", "high", "low", "close"})


def bar_field(name: object) -> str:
    """A column name as a bar field ("adj close" for adjClose, Adj. Close...).

    Case, separators, dots and footnote stars (Yahoo's web table: Adj Close**)
    aside, a leading number too (Alpha Vantage's "1. open"), and "adjusted"
    read as "adj" (its adjusted_close); other digits stay (Open1, Close.1).
    """
    text = re.sub(r"^\d+\s*[.)]\s*", "", str(name).strip())  # "1. open": numbered
    text = re.sub(r"([a-z])([A-Z])", r"\1 \2", text).lower()
    text = re.sub(r"[^a-z0-9]+", " ", text).strip()  # separators, dots, stars
    text = re.sub(r"\badjusted\b", "adj", text)
    return _FIELD_ALIASES.get(text, text)


_FIELD_ALIASES = {
    "close last": "close",  # Nasdaq.com's "Close/Last"
    "last": "close",
    "last price": "close",
    "close price": "close",
    "closing price": "close",
    "px last": "close",  # Bloomberg's PX_LAST and its neighbours
    "px open": "open",
    "px high": "high",
    "px low": "low",
    "px volume": "volume",
    "adj close price": "adj close",
    "price": "close",  # Investing.com's bars: Price, Open, High, Low, Vol.
    "vol": "volume",
}
"""Other names vendors give the fields of :data:`BAR_FIELDS`, as bar_field
normalises them."""


def bar_level(columns: pd.Index) -> int | None:
    """The level of ``columns`` (on several levels) that names price-bar fields.

    A yfinance download's (Price, Ticker) columns: a level whose every name is
    one of yfinance's fields as written (Open, High, Low, Close, Adj Close,
    Volume, in any case), a close among them. Aliases are not read here, and a
    close is needed: Fama-French's Low and High portfolios, ('Vol', 'XLK') or
    ('Price', 'Momentum') are sorts of assets, not bars (hostile 48, H48-2).
    """
    if not isinstance(columns, pd.MultiIndex):
        return None
    for k in range(columns.nlevels):
        names = {str(n).strip().lower() for n in columns.get_level_values(k)}
        if names and names <= BAR_FIELDS and names & {"close", "adj close"}:
            return k
    return None


PRICE_LEVEL = 0.005
"""The median value from which values that change little next to their level are
read as prices where returns are compounded: no asset returns half a percent or
more every day (250 % a year, without a down day). Below it they may be a cash
fund's returns (1e-5 a day) or smoothed returns, which also change little next
to their level, and are returns."""
GROSS_LEVEL = 0.5
"""From this median such values may be gross returns (1 + r) as well as prices;
below it, the returns of a cash fund in percent (0.02 a day) as well."""


PRICE_DAYS = 20
"""Days below which :func:`price_level` does not judge: a few days of steady
returns (a worked example's 1 % a day) change as little as prices do."""


def price_level(values: np.ndarray) -> float | None:
    """The median value if ``values`` look like prices (or gross returns), else None.

    :func:`looks_like_prices` at a level no returns reach (median at least
    :data:`PRICE_LEVEL`). Where returns are compounded (backtests, the report,
    the command's --evaluate) such values would compound into nonsense; their
    median of about 1 or more also makes them look like percent returns, whose
    advice (divide by 100) would pass the checks. From :data:`GROSS_LEVEL` they
    may be gross returns (1 + r); below it, a cash fund's returns in percent.

    Examples
    --------
    >>> r = np.array([0.01, -0.02, 0.005, 0.012, -0.007, 0.003] * 5)
    >>> price_level(r) is None, round(price_level(1 + r), 3)
    (True, 1.004)
    >>> round(price_level((1 + r) / 50), 4)  # a penny stock's prices
    0.0201
    """
    values = np.asarray(values, dtype=float)
    if len(values) < PRICE_DAYS or not looks_like_prices(values):
        return None
    level = float(np.nanmedian(values))
    return level if level >= PRICE_LEVEL else None


def price_words(level: float) -> tuple[str, bool]:
    """What values at ``level`` (from :func:`price_level`) may be, and if gross.

    ("prices or gross returns (1 + r)", True) from :data:`GROSS_LEVEL`, else
    ("prices", False), where the other reading is a cash fund's returns in
    percent: each caller adds the conversions in its own words.
    """
    if level >= GROSS_LEVEL:
        return "prices or gross returns (1 + r)", True
    return "prices", False


def refuse_prices(values: np.ndarray, name: str, least: float = PRICE_LEVEL) -> None:
    """Refuse values that look like prices (:func:`price_level` from ``least``).

    The one check of the outputs that compound returns: backtests (from
    :data:`PRICE_LEVEL`, below which :func:`price_level` never judges; a daily
    rate from :data:`GROSS_LEVEL`, its own rule naming an annual rate below)
    and :func:`simple_returns` (from :data:`GROSS_LEVEL`: below, a cash fund's
    returns in percent), with one wording (:func:`price_advice`).
    """
    level = price_level(values)
    if level is not None and level >= least:
        raise InvalidParameterError(name, price_advice(level, name))


def price_advice(level: float, name: str) -> str:
    """Why values at ``level`` (from :func:`price_level`) are refused, and the fix.

    The one wording of :func:`refuse_prices`, for the outputs that compound
    returns (:func:`regimes.evaluate.backtest` and its kin; the report and the
    figures through :func:`simple_returns`): prices or gross returns (1 + r)
    near or above 1, a cash fund's returns in percent below :data:`GROSS_LEVEL`.

    Examples
    --------
    >>> print(price_advice(1.0004, "returns"))  # doctest: +NORMALIZE_WHITESPACE
    returns look like prices or gross returns (1 + r), not returns: all positive,
    changing little from day to day (median 1). Pass simple returns:
    returns.pct_change().dropna() for prices, returns - 1 for gross returns.
    """
    what, gross = price_words(level)
    other = (
        f"{name} - 1 for gross returns"
        if gross
        else f"{name} / 100 if they are a cash fund's returns in percent"
    )
    return (
        f"{name} look like {what}, not returns: all positive, changing little "
        f"from day to day (median {level:.4g}). Pass simple returns: "
        f"{name}.pct_change().dropna() for prices, {other}."
    )


def percent_median(values: np.ndarray, per_row: float = 1.0) -> float | None:
    """The median |return| if the returns look like percent (above 0.1), else None.

    ``per_row``: the trading days a row spans
    (:func:`regimes._dates.trading_days_per_row`); the bound grows with its
    square root, as the moves do (0.47 for monthly rows): the one rule of
    every reader, output and the command.

    Daily returns in decimals have a median absolute value of about 0.005-0.02;
    in percent, 0.5-2. Judged column by column, and the largest column median is
    the frame's: its columns share one unit, and cash or money-market columns
    (0.006 a day in percent) must not make equity columns in percent look like
    decimals, as one median over the whole frame did.

    Examples
    --------
    >>> equities = np.array([[0.8, -1.2], [-0.5, 0.9], [1.1, -0.7]])
    >>> cash = np.full((3, 3), 0.006)
    >>> percent_median(np.hstack([equities, cash]))
    0.9
    >>> percent_median(np.hstack([equities, cash]) / 100) is None
    True
    """
    median = _largest_column_median(values)
    bound = PERCENT_MEDIAN * np.sqrt(per_row)
    return median if median is not None and median > bound else None


SUSPECT_ANNUAL_VOLATILITY = 1.0
"""Weekly or monthly rows whose median move is, as decimals, an annual
volatility above this (100 %) and below the percent rule may be percent
returns of a calm asset (hostile 75, 1). Daily rows keep their band
(``PERCENT_SUSPECT_MEDIAN``, about 130 %, measured against the suite's
hand-made daily series); monthly sector returns of 1998-2002 imply 65 %."""


def percent_suspect_median(values: np.ndarray, per_row: float = 1.0) -> float | None:
    """The largest column median |return| if percent or decimal is unclear.

    In the band where percent returns of a calm asset and decimal returns of a
    wild one meet (``PERCENT_SUSPECT_MEDIAN`` to ``PERCENT_MEDIAN``); else None.

    Examples
    --------
    >>> bond_fund_in_percent = np.array([0.07, -0.06, 0.08, -0.09, 0.05])
    >>> percent_suspect_median(bond_fund_in_percent)
    0.07
    >>> percent_suspect_median(bond_fund_in_percent / 100) is None
    True
    """
    median = _largest_column_median(values)
    if per_row == 1.0:
        low = PERCENT_SUSPECT_MEDIAN
    else:  # the median move of that annual volatility
        low = SUSPECT_ANNUAL_VOLATILITY / annual_volatility_of(1.0, per_row)
    if median is None or not low < median <= PERCENT_MEDIAN * np.sqrt(per_row):
        return None
    return median


CALM_ANNUAL_VOLATILITY = 0.01
"""Returns said to be percent whose largest column moves, so read, less than
this a year (1 %, below any bond fund; cash moves ~0.1 %) are more likely
decimals: a warning, as cash in percent moves so too."""


def annual_volatility_of(median_move: float, per_row: float = 1.0) -> float:
    """The annual volatility of decimal returns whose median |move| a row is this.

    A median absolute move is ``1 / MAD_TO_SD`` (0.674) standard deviations of
    normal returns; a row spans ``per_row`` trading days, of 252 a year. The
    one reading of a median move as a volatility (the units warnings).

    Examples
    --------
    >>> round(annual_volatility_of(0.055), 2)
    1.29
    """
    return float(median_move * MAD_TO_SD * np.sqrt(TRADING_DAYS / per_row))


def basis_points_advice(median: float, name: str) -> str:
    """Why returns of this median look like basis points, and the fix."""
    return (
        f"{name} look like returns in basis points (median |return| {median:.3g}; "
        "daily returns move about 1 on a median day in percent, 0.01 in "
        f"decimals): give them in decimals or percent ({name} / 10000 or {name} / "
        "100), as every figure is read in those units."
    )


MIXED_UNITS_RATIO = 30.0
"""Columns whose median |return| is this many times below that of columns that
look like percent may be decimals among percent, and a column whose median
moves this many times from one quarter to the next may change unit there: a
warning names them. Equities
in decimals move ~100 times less than in percent; calm assets in percent (cash,
0.006 a day) are that small too, so it is a warning, not a refusal."""


def mixed_units(returns: pd.DataFrame) -> str | None:
    """What looks like two units in one frame, in words; None if nothing does.

    Two kinds, judged by the one ratio :data:`MIXED_UNITS_RATIO`: columns that
    look like decimals beside columns that look like percent
    (:func:`_mixed_columns`), and a column whose rows change unit part way
    through (:func:`units_switches`).
    """
    found = [_mixed_columns(returns), units_switches(returns)]
    said = [sentence for sentence in found if sentence is not None]
    return " ".join(said) if said else None


SWITCH_ROWS = 63
"""Rows on each side of a possible change of unit within a column (a quarter of
daily rows). Over the bundled sample's 33 years, the median |return| of 63 days
moved at most 8 times from one quarter to the next (Financials, 2008; 3-5 times
for the other sectors); a change from decimals to percent moves it 100 times."""


def units_switches(returns: pd.DataFrame) -> str | None:
    """A sentence naming columns whose typical size jumps as a change of unit does.

    Each column's rows are cut into blocks of :data:`SWITCH_ROWS` (from the
    end), and again into blocks of a third of that, a month, on two grids half
    a month apart (a month in other units leaves a quarter's median as it
    was; over the sample a month's median moved at most 16 times). A column
    where the median |return| of one block is :data:`MIXED_UNITS_RATIO` times
    that of the next, or of the one after (a change inside a block), and the
    larger looks like percent (above :data:`PERCENT_MEDIAN`, scaled to the
    rows' spacing) is named with the day of its largest jump
    (:func:`_switch_row`). A jump between two sizes of
    decimals (a currency peg that ends) is not named. Stale days (a median of
    0) and missing values are not judged; a block needs half its rows. None if
    no column jumps so. Block medians, not rolling ones: every fit runs this
    (a rolling median over the sample took 23 ms, a tenth of a fit).
    """
    values = returns.to_numpy(dtype=float, na_value=np.nan)
    rows = min(SWITCH_ROWS, len(values) // 2)
    if values.ndim != 2 or rows < FEW_DAYS_TO_JUDGE:
        return None
    sizes = np.abs(values)
    # as between columns: one side must look like percent (a calm stretch of
    # decimals beside a wild one, a peg that ends, is not a change of unit)
    percent = PERCENT_MEDIAN * np.sqrt(trading_days_per_row(returns.index))
    # per column: (ratio, last row of the old unit, old size, new size, rows)
    best: list[tuple[float, int, float, float, int]] = [
        (0.0, 0, np.nan, np.nan, rows)
    ] * values.shape[1]
    # quarters, and months on two grids half a month apart: 20 days in other
    # units inside a quarter leave its median as it was, and may straddle two
    # months of one grid (hostile 81, 1c). Shorter blocks move too much in
    # real markets (fortnights: 35 times in 2008)
    month = max(FEW_DAYS_TO_JUDGE // 2, rows // 3)
    for size, shift in ((rows, 0), (month, 0), (month, month // 2)):
        used = len(values) - shift  # the blocks end ``shift`` rows early
        medians = _block_medians(sizes[:used], size)  # (blocks, columns)
        offset = used - size * len(medians)
        for j in range(values.shape[1]):
            for apart in (1, 2):
                a, b = medians[:-apart, j], medians[apart:, j]
                with np.errstate(divide="ignore", invalid="ignore"):
                    ratio = np.fmax(b / a, a / b)
                ratio[~_unit_like(ratio, a, b, percent)] = np.nan
                if not np.any(ratio >= MIXED_UNITS_RATIO):
                    continue
                i = int(np.nanargmax(ratio))
                if ratio[i] > best[j][0]:
                    # the last row of the old unit: the blocks' boundary, or
                    # the middle of the block between
                    end = offset + size * (i + 1) + (size // 2 if apart == 2 else 0)
                    best[j] = (ratio[i], end - 1, a[i], b[i], size)
    jumps = []
    edges = _edge_jumps(sizes, rows, percent)
    for j, column in enumerate(returns.columns):
        for ratio, end, a, b in edges[j]:
            if ratio > best[j][0]:
                best[j] = (ratio, end, a, b, rows)
        ratio, at, low, high, size = best[j]
        if ratio == 0.0:
            continue
        day = returns.index[_switch_row(sizes[:, j], at, size, low, high)]
        jumps.append(
            f"{column!s} from {low:.2g} to {high:.2g} from about {_day_label(day)} on"
        )
    if not jumps:
        return None
    return (
        "the median |return| of a column changes about as much as a change of "
        f"unit does ({'; '.join(jumps[:5])}, over blocks of {rows} rows and of a "
        "third of that, "
        f"{MIXED_UNITS_RATIO:g} times or more; from one quarter to the next a "
        "market moves it a few times at most): rows written in decimals and rows "
        "in percent are read in one unit, 100 times wrong for one part. If "
        "part of a column is in other units, convert that part (multiply its "
        "decimals by 100, or divide its percent by 100); if the calm part is a "
        "calm period in percent (a currency peg), this is as it should be."
    )


EDGE_ROWS = (5, 10, 21, 42)
"""Newest (and oldest) rows judged against the block beside them: a daily run
adds a row an evening, and the blocks, cut from the end, would let a change of
unit in the last ~30 rows through (hostile 79, 1: 34 evenings logged)."""


def _unit_like(ratio: Any, a: Any, b: Any, percent: float) -> Any:
    """Whether sizes ``a`` and ``b`` (``ratio`` apart) differ as two units do.

    At least :data:`MIXED_UNITS_RATIO`, the larger looking like percent, and
    at most 100 times more than that (decimals to percent is 100 whatever the
    market did): a stretch of float noise about zero beside real moves
    (1e-9 against 1.7) is a halt, not a unit (hostile 79, 8).
    """
    with np.errstate(invalid="ignore"):
        return (
            (ratio >= MIXED_UNITS_RATIO)
            & (ratio <= 100 * MIXED_UNITS_RATIO)
            & (np.fmax(a, b) > percent)
        )


def _edge_jumps(
    sizes: np.ndarray, rows: int, percent: float
) -> list[list[tuple[float, int, float, float]]]:
    """Per column: (ratio, last row of the old unit, old size, new size) at both ends.

    The last (and first) :data:`EDGE_ROWS` rows of each column of ``sizes``
    against the ``rows`` rows beside them, each side's median by the blocks'
    rule (:func:`_block_medians`, every column at once); only pairs that differ
    as two units do (:func:`_unit_like`).
    """
    n, n_columns = sizes.shape
    out: list[list[tuple[float, int, float, float]]] = [[] for _ in range(n_columns)]
    for k in EDGE_ROWS:
        if n < k + rows:
            break
        for edge, other, end in (
            (sizes[n - k :], sizes[n - k - rows : n - k], n - k - 1),
            (sizes[:k], sizes[k : k + rows], k - 1),
        ):
            # each side one block of its own length: the blocks' median rule
            news = _block_medians(edge, len(edge))[0]
            olds = _block_medians(other, len(other))[0]
            for j, (new, old) in enumerate(zip(news, olds, strict=True)):
                if np.isnan(new) or np.isnan(old):
                    continue
                ratio = max(new / old, old / new)
                if _unit_like(ratio, old, new, percent):
                    # the first rows: the "old" unit is theirs, the change after
                    first = end == k - 1
                    out[j].append(
                        (ratio, end, new if first else old, old if first else new)
                    )
    return out


def _block_medians(sizes: np.ndarray, rows: int) -> np.ndarray:
    """Median of each column's blocks of ``rows`` rows, counted from the end.

    Zeros (stale days) and NaN are left out; a block with fewer than half its
    rows left is NaN (the medians: :func:`regimes._far.nan_median`).
    """
    n_blocks = len(sizes) // rows
    blocks = sizes[len(sizes) - n_blocks * rows :].reshape(n_blocks, rows, -1)
    blocks = np.where(blocks > 0, blocks, np.nan)  # stale days left out
    out = nan_median(blocks, axis=1)  # (blocks, columns)
    out[(~np.isnan(blocks)).sum(axis=1) < rows // 2] = np.nan
    return out


def _switch_row(sizes: np.ndarray, at: int, rows: int, low: float, high: float) -> int:
    """The first row in the new unit, near ``at`` (the last row of the old one).

    The rows around ``at`` are told apart by the geometric middle of the two
    medians ``low`` (before) and ``high`` (after); the row returned splits them
    with the fewest rows on the wrong side. The largest ratio of the two
    medians alone can sit a few rows away, where a calm quarter meets a wild one.
    """
    start, stop = max(0, at + 1 - rows), min(len(sizes), at + 1 + rows)
    near = sizes[start:stop]
    seen = np.isfinite(near)
    middle = np.sqrt(low * high)
    # in the old unit, a row is wrong on the side of the new one, and so on
    new_side = (near > middle) if high > low else (near < middle)
    wrong_before = np.concatenate([[0], np.cumsum(new_side & seen)])
    old_side = seen & ~new_side
    wrong_after = np.concatenate([np.cumsum(old_side[::-1])[::-1], [0]])
    return start + int(np.argmin(wrong_before + wrong_after))


def _mixed_columns(returns: pd.DataFrame) -> str | None:
    """A sentence naming the columns that look like decimals among percent ones.

    None when the columns' typical sizes agree (see :data:`MIXED_UNITS_RATIO`).
    """
    each = _column_medians(returns.to_numpy(dtype=float))
    named = zip(returns.columns, each, strict=True)
    medians = {c: m for c, m in named if m is not None}
    big = [c for c, m in medians.items() if m > PERCENT_MEDIAN]
    if not big:
        return None
    least_big = min(medians[c] for c in big)
    # a median of 0 is stale days (an illiquid column), not a unit
    small = [c for c, m in medians.items() if 0 < m * MIXED_UNITS_RATIO < least_big]
    if not small:
        return None
    shown = ", ".join(f"{c!s} {medians[c]:.2g}" for c in small[:5])
    return (
        f"columns {[str(c) for c in small]} move far less than {[str(c) for c in big]} "
        f"on a median day (|return| {shown}, against {least_big:.2g} or more for "
        "the others, which look like percent): decimals beside percent would be "
        "read as percent with the rest, 100 times too small in the figures and "
        "backtests. If they are decimals, multiply them by 100; if they are calm "
        "assets in percent (cash), this is as it should be."
    )


def returns_unit(values: np.ndarray | pd.DataFrame, name: str = "returns") -> str:
    """The unit of returns a figure or a table reads: "decimal" or "percent".

    The one units gate of the outputs that convert or label returns (the
    report, the figures, the command's summary): basis points (above
    :data:`BASIS_POINTS_MEDIAN`) are refused, naming ``name``, rather than read
    as percent and shown 100 times too large. Given a DataFrame, columns that
    look like decimals among percent ones are named in a
    :class:`~regimes.exceptions.UnitsWarning` (:func:`mixed_units`).
    """
    per_row = 1.0
    if isinstance(values, pd.DataFrame):
        mixed = mixed_units(values)
        if mixed is not None:
            warn_user(f"{name}: {mixed}", UnitsWarning)
        per_row = trading_days_per_row(values.index)
        values = values.to_numpy(dtype=float)
    median = _largest_column_median(values)  # once for both bounds
    basis_points = _basis_points(median, values)
    if basis_points is not None:
        raise InvalidParameterError(name, basis_points_advice(basis_points, name))
    return "decimal" if percent_median(values, per_row) is None else "percent"


RETURN_TYPES = ("log", "simple")
"""What a frame of returns holds, as the outputs that compound it are told.

The fit takes either as it is; the figures' growth lines, the report's backtest
and statistics compound simple returns, exp(r) - 1 of log returns. The loaders
give log returns (:mod:`regimes.data`), hence every such output's default."""


def simple_returns(
    returns: pd.DataFrame, unit: str, return_type: str, name: str = "returns"
) -> pd.DataFrame:
    """Decimal simple returns of ``returns`` in ``unit`` ("decimal" or "percent").

    The one conversion of the outputs that compound returns; ``return_type`` is
    one of :data:`RETURN_TYPES`. A simple return of -1 or below (all lost, or
    more) is refused, naming ``name``: they are log returns, or wrong. So are
    prices and gross returns (1 + r) near 1 or above (:func:`price_advice`):
    :func:`returns_unit` reads them as percent, and divided by 100 they were
    refused later as "prices, median 0.01", with a fix (/ 100) wrong for both
    (hostile 59, 5). A cash fund's returns in percent stay below that level.
    """
    refuse_prices(returns.to_numpy(dtype=float), name, least=GROSS_LEVEL)
    decimal = returns / 100.0 if unit == "percent" else returns
    size = percent_median(
        decimal.to_numpy(dtype=float), trading_days_per_row(decimal.index)
    )
    if size is not None:
        # units said (units="decimal") against data of percent size: every
        # figure would compound moves of 100 % a day
        warn_user(
            f"{name}, read as {unit} returns, move {size:.0%} on a median day, "
            "which no asset does: if they are percent returns, say so "
            "(units='percent'), or divide them by 100.",
            UnitsWarning,
        )
    median = _largest_column_median(decimal.to_numpy(dtype=float))
    per_row = trading_days_per_row(decimal.index)
    if unit == "percent" and median is not None and median > 0:
        volatility = annual_volatility_of(median, per_row)
        if volatility < CALM_ANNUAL_VOLATILITY:
            # the other way (hostile 80, 9): decimals said to be percent are a
            # hundred times too calm, a growth line flat at 1 without a word
            warn_user(
                f"{name}, read as percent returns, move {median * 100:.2g} % on a "
                f"median day, an annual volatility of {volatility:.2%}, a "
                "money-market fund's: if they are decimal returns, say so "
                "(units='decimal'); for a cash column this is as it should be.",
                UnitsWarning,
            )
    if return_type == "log":
        return np.expm1(decimal)
    lowest = np.nanmin(decimal.to_numpy(dtype=float), axis=0)
    if (lowest <= -1).any():
        column = decimal.columns[int(np.nanargmin(lowest))]
        raise InvalidParameterError(
            "return_type",
            f"return_type='simple', but {name} has a return of "
            f"{np.nanmin(lowest):.4g} (in decimals) in column {column!r}: a simple "
            "return cannot be -1 or below (a log return can). Pass "
            "return_type='log', or check the data.",
        )
    return decimal


def log_returns(
    prices: pd.DataFrame, source: str = "prices", warn: bool = True
) -> pd.DataFrame:
    """Daily log returns ln(P_t / P_s) of sorted, positive prices; first row dropped.

    ``s`` is the column's previous day *with a price*: after a missing price the
    next return spans the gap, so no move is lost (log returns add up); the return
    of a day without a price, and of a column's first price, is NaN. Moves that
    look like an unadjusted split are warned about (:func:`warn_split_like`),
    naming ``source``; ``warn=False`` leaves that to a caller that keeps what
    it names (the loaders).
    """
    logs = np.log(prices.astype(float))
    previous = logs.ffill().shift(1)
    returns = (logs - previous).iloc[1:]
    if warn:
        warn_split_like(returns, source)
    return returns


SPLIT_MOVE = 10.0
"""How many times its column's usual day (the median absolute day among days
that move) a move must be before it is compared with a split's ratio."""
SPLITS = (2, 3, 4, 5, 7, 8, 10, 15, 20, 25, 50)
"""Forward splits (n-for-1: the price divided by n) that a fall is compared with."""
REVERSE_SPLITS = (5, 8, 10, 15, 20, 25, 30, 50, 100)
"""Reverse splits (1-for-n: the price multiplied by n) that a rise is compared
with. 1-for-2 to 1-for-4 are left out: a stock that doubles or triples in a day
(a trial result) is no rarer than such a reverse split."""


MARKET_COLUMNS = 2
"""Other columns needed before their median is taken as the day's market move:
one alone may move the other way (an inverse fund beside a long one)."""


def split_like_moves(returns: pd.DataFrame) -> list[tuple[object, object, float, int]]:
    """(column, day, log return, n) of each move as an n-for-1 split (or 1-for-n).

    A day whose log return, less the market's move that day (the median of the
    other columns' returns, when there are two or more), is at least
    :data:`SPLIT_MOVE` times the column's usual day and within five usual days
    (at least 0.02, at most 0.12) of ln(n) for a split of :data:`SPLITS` (a fall)
    or :data:`REVERSE_SPLITS` (a rise). 3-for-2 and other fractional splits are
    not looked for: a fall of a third is an ordinary bad day of many stocks.

    Examples
    --------
    >>> days = pd.bdate_range("2024-01-01", periods=60)
    >>> r = pd.DataFrame({"A": [0.01, -0.012, 0.008] * 20}, index=days)
    >>> r.iloc[30, 0] = np.log(0.5) - 0.011  # halved, on a down day
    >>> [(c, str(d.date()), n) for c, d, _, n in split_like_moves(r)]
    [('A', '2024-02-12', 2)]
    """
    found = []
    frame = returns.astype(float)
    for column in frame.columns:
        values = frame[column]
        size = np.abs(values.to_numpy())
        moving = size[np.isfinite(size) & (size > 0)]
        if not len(moving):
            continue
        usual = float(np.median(moving))
        tolerance = _split_tolerance(values.to_numpy())
        ticks = _tick_spans(values.to_numpy(), tolerance)
        for at in np.flatnonzero(size >= SPLIT_MOVE * usual):
            if any(start <= at <= end for start, end in ticks):
                continue  # a bad price (price_ticks), not a split
            # the market's move: the median of two other columns or more
            others = frame.iloc[at].drop(column).dropna()
            market = float(others.median()) if len(others) >= MARKET_COLUMNS else 0.0
            move = float(values.iloc[at]) - market
            ratios = SPLITS if move < 0 else REVERSE_SPLITS
            n = min(ratios, key=lambda k: abs(abs(move) - np.log(k)))
            if abs(abs(move) - np.log(n)) <= tolerance:
                found.append((column, values.index[at], float(values.iloc[at]), n))
    return found


TICK_MOVE = JUMP
"""A price that at least doubles or halves (:data:`regimes._far.JUMP`, the one
size of such a move) and is back the next day is a bad tick
(:func:`price_ticks`); real markets swing 10 % and back in a crisis (the
sample's Technology, March 2020)."""


def _day_label(day: object) -> object:
    """A day as a date (a Timestamp's time of day left out)."""
    return day.date() if isinstance(day, pd.Timestamp) else day


def _tick_spans(moves: np.ndarray, tolerance: float) -> list[tuple[int, int]]:
    """(first row, last row) of each jump of a price that is back within 2 days.

    Over the column's observed moves (a missing price between is skipped): a
    move of at least :data:`TICK_MOVE` whose sum with the next one or two
    moves, the last of the other sign, comes back to within a quarter of the
    jump (or ``tolerance``): the days' own moves ride on a bad tick (7 % on
    the sample's Financials in March 2020).
    """
    seen = np.flatnonzero(np.isfinite(moves))
    observed = moves[seen]
    spans = []
    p = 0
    while p < len(observed):
        jump = observed[p]
        end = None
        if abs(jump) >= TICK_MOVE:
            total = jump
            for q in range(p + 1, min(p + 3, len(observed))):
                total += observed[q]
                back = abs(total) <= max(tolerance, abs(jump) / 4)
                if observed[q] * jump < 0 and back:
                    end = q
                    break
        if end is None:
            p += 1
            continue
        spans.append((int(seen[p]), int(seen[end])))
        p = end + 1
    return spans


def price_ticks(returns: pd.DataFrame) -> list[tuple[object, object, float, object]]:
    """(column, first day, its log return, last day) of each bad price.

    A price that jumps by at least about a half or a double and is back within
    two days (:func:`_tick_spans`): one bad price (or two), not a split
    (hostile 81, 6: a price x10 for a day was told as a 1-for-10 reverse split,
    then a 10-for-1 split, and to divide the prices before it by the ratio).

    Examples
    --------
    >>> days = pd.bdate_range("2024-01-01", periods=60)
    >>> r = pd.DataFrame({"A": [0.01, -0.012, 0.008] * 20}, index=days)
    >>> r.iloc[30, 0], r.iloc[31, 0] = np.log(10), -np.log(10) + 0.01
    >>> [(c, str(d.date()), str(e.date())) for c, d, _, e in price_ticks(r)]
    [('A', '2024-02-12', '2024-02-13')]
    """
    found = []
    for column in returns.columns:
        values = returns[column].astype(float)
        moves = values.to_numpy()
        for start, end in _tick_spans(moves, _split_tolerance(moves)):
            found.append(
                (column, values.index[start], float(moves[start]), values.index[end])
            )
    return found


def _split_tolerance(moves: np.ndarray) -> float:
    """Five usual days (the median move among days that move), in [0.02, 0.12]."""
    size = np.abs(moves)
    moving = size[np.isfinite(size) & (size > 0)]
    usual = float(np.median(moving)) if len(moving) else 0.0
    return min(0.12, max(0.02, 5.0 * usual))


Span = tuple[object, object, object]
"""(column, first day, last day) of moves a warning has named."""


def warn_split_like(returns: pd.DataFrame, source: str) -> list[Span]:
    """Warn, naming the column and day, of moves that look like unadjusted splits.

    And of bad prices that come back (:func:`price_ticks`). Returns the moves
    named, so that the loaders' rule of values far out does not name them
    again (:func:`regimes._panel.checked`).
    """
    ticks = price_ticks(returns)
    if ticks:
        shown = "; ".join(
            f"{column!r} {np.expm1(move):+.1%} on {_day_label(day)} and back on "
            f"{_day_label(back)}"
            for column, day, move, back in ticks[:3]
        )
        more = f" and {len(ticks) - 3} more" if len(ticks) > 3 else ""
        warn_user(
            f"{source}: a price jumps and is back within days: {shown}{more}. "
            "A bad price (a tick typed x10, a missing decimal point) makes two "
            "returns the regimes are fitted to: fix that day's price, or mark it "
            "missing.",
            DataWarning,
        )
    named: list[Span] = [(column, day, back) for column, day, _, back in ticks]
    moves = split_like_moves(returns)
    if not moves:
        return named
    named += [(column, day, day) for column, day, _, _ in moves]
    said = []
    for column, day, move, n in moves[:3]:
        day_text = str(_day_label(day))
        change = f"{np.expm1(move):+.1%}"
        kind = f"{n}-for-1 split" if move < 0 else f"1-for-{n} reverse split"
        said.append(f"{column!r} {change} on {day_text} (near a {kind})")
    more = f" and {len(moves) - 3} more" if len(moves) > 3 else ""
    # the newest day has no next day to come back on: a bad newest price
    # reads as a split (hostile 83, A3), and rescaling the history to it is
    # the wrong fix
    newest = any(day == returns.index[-1] for _, day, _, _ in moves)
    warn_user(
        f"{source}: prices jump by a whole ratio in a day: {'; '.join(said)}{more}. "
        "Unadjusted, a split is a crash or a rally the regimes are fitted to: use "
        "prices adjusted for splits (Adj Close), or divide the prices before the "
        "split by its ratio."
        + (
            " On the newest day it may also be a bad price: check it against "
            "the source before changing the history."
            if newest
            else ""
        ),
        SplitWarning,
    )
    return named
