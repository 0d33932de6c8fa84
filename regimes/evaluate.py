"""Does the regime signal pay? Signal statistics, detection lags, risk-off backtests.

Everything here takes pandas and gives pandas, and needs no model: a *signal* is any
Series of regime names on a DatetimeIndex (``walk_forward(...)["regime"]``,
:meth:`RegimeModel.predict_online`, :meth:`RegimeModel.predict`, or your own), and
*returns* are the daily simple returns of what you would hold.

- :func:`spells`: the signal's runs of consecutive days in one regime.
- :func:`signal_stats`: switches per year, spell lengths, share of days per regime.
- :func:`detection_lag`: trading days from given dates (e.g. market peaks) until the
  signal first says "Bear" (its riskiest regime, by default).
- :func:`backtest`: hold the asset unless the signal of ``delay`` days ago is
  risk-off (by default its riskiest regime, as the report and the command
  choose it), pay a cost on each change, compare with buy-and-hold on the same
  days.
- :func:`drawdown`: the fall of an equity curve from its running peak.
- :func:`equal_weighted`: the columns held in equal weights, rebalanced daily (what
  :func:`backtest` holds when given a DataFrame).
- :func:`regime_stats`: per regime and column, share of days, annualised mean,
  volatility, Sharpe, drawdown inside the regime, hit rate.

Whether a figure is honest depends on the signal. ``walk_forward`` uses only data
up to each day, parameters included. ``predict_online`` decodes each day from the
data up to it, but with a model fitted on the whole sample its parameters have seen
the future. ``predict`` (Viterbi) and ``predict_proba`` smooth over the whole
sample and look ahead. A backtest of the last three is an in-sample bound, not a
trading result.

Annualised figures use ``TRADING_DAYS = 252`` days.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._contract import (
    Checked,
    Integral,
    Interval,
    Names,
    Real,
    near_option,
    same_text,
    scalar_of,
    validate_params,
    with_near,
)
from ._dates import (
    calendar_years,
    check_day_index,
    local_days,
    parse_day,
    row_step,
    trading_days_per_row,
    warn_if_not_daily,
)
from ._far import day_text
from ._prices_or_returns import (
    GROSS_LEVEL,
    PRICE_LEVEL,
    annual_volatility_of,
    mixed_units,
    percent_suspect_median,
    refuse_prices,
)
from ._validation import (
    as_frame,
    basis_points_advice,
    basis_points_median,
    check_covers,
    check_returns,
    check_unique_columns,
    percent_median,
    warn_far_values,
)
from ._warn import warn_user
from .exceptions import (
    Advice,
    AlignmentWarning,
    Aside,
    Command,
    DataWarning,
    InvalidParameterError,
    UnitsWarning,
)
from .labels import MAX_REGIMES, default_regime_names, riskiest
from .results import TRADING_DAYS, spell_bounds

__all__ = [
    "BacktestResult",
    "backtest",
    "detection_lag",
    "drawdown",
    "equal_weighted",
    "regime_stats",
    "signal_stats",
    "spells",
]


# ------------------------------------------------------------------ validation

_SIGNAL = [Checked("_check_signal: regime names on a DatetimeIndex")]
_DAILY = [Checked("_on_days: a daily return or a Series of them")]
_RETURNS = [Checked("_check_returns: check_returns, then simple decimal returns")]
# the cost of a change of position: what backtest takes, and what every function
# passing a cost on to it declares (so that its own name is the one in the error)
COST = [Interval(Real, 0, 1, closed="left", unit="(a fraction)")]


def _check_dates(index: pd.Index, name: str) -> None:
    """Raise unless ``index`` is a non-empty, increasing, unique DatetimeIndex."""
    check_day_index(index, name)  # the package's one day parser and checker


_REGIME_SUBSET = "subset=['regime']"  # a walk-forward frame: its regimes only


def _check_signal(signal: Any, name: str = "signal") -> pd.Series:
    """A signal as an ordered-categorical Series (walk_forward's frame allowed).

    ``name``: the parameter it came as, in every message and fix (a plot's
    ``regimes``: hostile 80, 7 was told ``regimes.dropna()`` of a frame).
    """
    framed = isinstance(signal, pd.DataFrame)
    if framed:
        check_unique_columns(signal, name)
        if "regime" not in signal.columns:
            raise InvalidParameterError(
                name,
                f"{name} must be a Series of regime names, or a DataFrame with a "
                f"'regime' column (walk_forward's output); got a DataFrame with "
                f"columns {list(signal.columns)[:6]}. Pass the column you mean.",
            )
        signal = signal["regime"]
    if not isinstance(signal, pd.Series):
        raise InvalidParameterError(
            name,
            f"{name} must be a pandas Series of regime names on a DatetimeIndex, "
            f"got {type(signal).__name__}.",
        )
    signal = local_days(signal)  # one rule for zones and times: the local date
    _check_dates(signal.index, name)
    missing = signal.isna().to_numpy()
    if missing.any():
        raise InvalidParameterError(
            name,
            f"{name} has {int(missing.sum())} missing values (first on "
            f"{signal.index[missing][0].date()}); drop them with "
            f"{name}.dropna({_REGIME_SUBSET if framed else ''}) "
            "first.",
        )
    if not isinstance(signal.dtype, pd.CategoricalDtype):
        categories = sorted(pd.unique(signal.to_numpy()).tolist(), key=str)
        text = all(isinstance(c, str) for c in categories)
        wider = _default_names_holding(categories) if text else None
        if wider is not None:
            # the default names read back as text: in their own order, as every
            # printout and the report list them, not alphabetically (hostile 70, 5)
            categories = [n for n in wider if n in categories]
        signal = signal.astype(pd.CategoricalDtype(categories, ordered=True))
    categories = list(signal.cat.categories)
    texts = [str(c).strip() for c in categories]
    if texts != categories:
        # regimes are names as risk_off= and regimes= take them (text, without
        # surrounding spaces: "Bear " read from a file is "Bear"); integer
        # codes, as hmmlearn's predict gives, are named by their text, 2 -> "2"
        clash = [
            c for c, t in zip(categories, texts, strict=True) if texts.count(t) > 1
        ]
        if clash:
            raise InvalidParameterError(
                name,
                f"{name}'s regimes {clash} are one name as text ("
                f"{texts[categories.index(clash[0])]!r}): regimes are named by "
                "their text, and these would be one regime. Give each regime one "
                f"spelling, e.g. {name}.astype(str).str.strip() if they are the same "
                "regime.",
            )
        signal = signal.cat.rename_categories(texts)
    folded = [same_text(t) for t in texts]  # the one rule of names alike
    if len(set(folded)) < len(folded):
        # 'Bull' and 'bull': one regime written two ways, each flip a switch
        # (hostile 71, 4), as risk_off= already reads names whatever their case
        same = [t for t, f in zip(texts, folded, strict=True) if folded.count(f) > 1]
        raise InvalidParameterError(
            name,
            f"{name}'s regimes {same} differ only in case: one regime written two "
            "ways would be counted as two, and every change of case as a switch. "
            f"Give each regime one spelling, e.g. {name}.str.capitalize() if they "
            "are the same regime.",
        )
    return signal


def _in_zone_of(signal: Any, data: Any) -> Any:
    """``data`` in the time zone of ``signal`` (as the caller passed it).

    Both are read on their local dates (:func:`regimes._dates.local_days`): the
    same instants in two zones are other dates (New York's close is the next
    day in Tokyo), and pairing them by date would earn each day's return on the
    signal of its own close, a look-ahead. Stamps all at midnight are dates,
    whatever their zone (the one day rule): data or a signal of dates pair by
    their dates, as do data without a zone or beside a signal without one.
    """
    days = getattr(signal, "index", None)
    zone = getattr(days, "tz", None)
    index = getattr(data, "index", None)
    if zone is None or getattr(index, "tz", None) is None or index.tz == zone:
        return data
    if _dates_only(index) or _dates_only(days):  # dates, not instants
        return data
    return data.tz_convert(zone)


def _dates_only(index: pd.DatetimeIndex) -> bool:
    """Whether every stamp is at midnight (local): days, not instants."""
    return bool(index.equals(index.normalize()))


def _check_regimes(names: Any, signal: pd.Series, param: str) -> tuple[Any, ...]:
    """``names`` as a tuple of regimes of ``signal``; a single name is allowed."""
    names = (names,) if isinstance(names, str) else tuple(names)
    known = list(signal.cat.categories)
    if not names:
        raise InvalidParameterError(
            param,
            f"{param} must name at least one regime of the signal, got an empty "
            f"sequence; e.g. {param}=({known[-1]!r},).",
        )
    unknown = [n for n in names if n not in known]
    wider = _default_names_holding([str(k) for k in known]) if unknown else None
    if wider is not None and all(str(n) in wider for n in unknown):
        # a regime of the default names that never occurs in a signal read back
        # as text (a calm window): never in it, as for the package's own
        # Categorical, which lists every regime (hostile 70, 3)
        return names
    if unknown:
        # the example is the regime meant when it differs only in case or
        # spaces; another regime as an example would be taken as meant
        as_text = {str(k): k for k in known}
        meant = [as_text.get(near_option(str(n), as_text) or "") for n in names]
        example = ""
        if all(m is not None for m in meant):
            # each once: 'Bear' and 'bear' both mean Bear (hostile 43, 12)
            example = f", e.g. {param}={tuple(dict.fromkeys(meant))!r}"
        raise InvalidParameterError(
            param,
            f"{param} names {with_near(unknown, known)} that are not regimes of "
            f"the signal; its regimes are {known}. Pass some of these (names are "
            f"matched exactly){example}.",
        )
    return names


def _default_names_holding(known: list[str]) -> tuple[str, ...] | None:
    """The default names of the fewest regimes that include all of ``known``.

    E.g. ('Bull', 'Sideways', 'Bear') for a signal read back as text that shows
    Bull and Sideways only; None if no such count (other names).
    """
    for count in range(max(len(known), 2), MAX_REGIMES + 1):
        names = default_regime_names(count)
        if set(known) <= set(names):
            return names
    return None


def _risk_off(names: Any, given: Any, signal: pd.Series, param: str) -> tuple[Any, ...]:
    """``names`` checked, or by default the riskiest regime of ``signal``.

    ``given`` is the signal as passed (:func:`_check_signal` makes text an
    ordered Categorical, so whether the caller's was ordered is read from it).
    The riskiest regime is known from an ordered Categorical (the package's
    outputs: the last) or from the default names of their number given as
    text; otherwise the caller must name it: a literal "Bear" among ("Bull",
    "Bear", "Crash") would be the middle regime. The default names as an
    ordered Categorical in another order are refused too: a model named
    ("Bear", "Bull", "Sideways") and text made an alphabetical Categorical look
    alike, and their riskiest regimes differ.
    """
    if names is not None:
        chosen = _check_regimes(names, signal, param)
        if param == "risk_off" and set(chosen) >= {
            str(c) for c in signal.cat.categories
        }:
            # cash every day is no rule to test, as one regime is not (below)
            raise InvalidParameterError(
                param,
                f"risk_off names every regime of the signal {list(chosen)}: the "
                "backtest would hold cash every day. Name the regimes to be out of "
                "the market in, e.g. the riskiest alone.",
            )
        return chosen
    dtype = getattr(given, "dtype", None)
    if isinstance(given, pd.DataFrame) and "regime" in given.columns:
        dtype = given["regime"].dtype
    known = [str(c) for c in signal.cat.categories]
    if len(known) < 2:
        # as the report and the command refuse it: cash every day is no rule
        raise InvalidParameterError(
            param,
            f"signal has one regime ({known[0]!r}): there is no other regime to "
            "be in, so no risk-off rule to test. Pass a signal of two regimes "
            f"or more (a model of n_regimes >= 2), or {param}= to say which.",
        )
    defaults = default_regime_names(len(known))
    default_set = sorted(known) == sorted(defaults)
    ordered = isinstance(dtype, pd.CategoricalDtype) and dtype.ordered
    if ordered and default_set and known != list(defaults):
        # the default words in another order: a model named so, or text read
        # back and made an ordered Categorical (alphabetical); the two look
        # alike, and their riskiest regimes differ
        raise InvalidParameterError(
            param,
            f"signal's regimes {known} are the default names in another order "
            f"(that of a model named so, or alphabetical, as text read back and "
            f"made a Categorical): the riskiest cannot be chosen for you. Pass "
            f"{param}= with the regimes that count, e.g. {param}=('Bear',) for "
            "the default names' meaning.",
        )
    if ordered:
        return (riskiest(known),)  # the order the package wrote, whatever the names
    if default_set:
        return (riskiest(defaults),)  # the default names say their own order
    wider = _default_names_holding(known)
    if wider is not None:
        # some of the default names of more regimes, read back as text: their
        # riskiest, which may never occur here (hostile 70, 3)
        return (riskiest(wider),)
    raise InvalidParameterError(
        param,
        f"signal's regimes {known} are not in an order this package knows (text, "
        "not the ordered Categorical its functions return), so the riskiest "
        f"cannot be chosen for you: pass {param}= with the regimes that count, "
        "e.g. the one with the highest volatility.",
    )


# a ragged panel (missing="keep"): the report and the command hold the columns
# observed each day, equally weighted; a user's call can do the same
_NAN_FIX = (
    "or, for a panel whose columns start or stop on other days, pass the mean of "
    "the columns observed each day, e.g. returns.mean(axis=1).to_frame('mean')"
)


def _check_returns(
    returns: Any, name: str, missing: str = "error", rate: bool = False
) -> pd.Series:
    """Simple daily returns as one Series; a DataFrame is equal-weighted by day.

    The frame is checked by :func:`regimes._validation.check_returns` (dates,
    columns, numbers, finite values; ``missing="marginalize"`` allows a ragged
    panel), then as *simple decimal* returns: prices (for a daily ``rate`` only
    gross returns: its own rule in :func:`_on_days` names an annual rate),
    percent returns (median absolute value above 0.1) and returns below -1 are
    refused.
    """
    if not isinstance(returns, (pd.Series, pd.DataFrame)):
        raise InvalidParameterError(
            name,
            f"{name} must be a pandas Series or DataFrame of daily simple returns "
            f"on a DatetimeIndex, got {type(returns).__name__}.",
        )
    returns = local_days(returns)  # the rule the signal follows (_check_signal)
    # the panel's way past NaN is no way for one Series (a rate, say)
    nan_fix = _NAN_FIX if isinstance(returns, pd.DataFrame) else ""
    data = check_returns(
        returns, param=name, needs_dates=True, nan_fix=nan_fix, missing=missing
    )
    seen = np.isfinite(data.values).any(axis=0)
    empty = [
        c for c, any_value in zip(data.columns, seen, strict=True) if not any_value
    ]
    if empty:
        # equal-weighted, it would drop out without a word (hostile 49, H49-5)
        raise InvalidParameterError(
            name,
            f"{name} has columns {empty} without a value on any day: drop them, "
            f"e.g. {name}.dropna(axis=1, how='all').",
        )
    basis_points = basis_points_median(data.values)
    if basis_points is not None:
        raise InvalidParameterError(name, basis_points_advice(basis_points, name))
    # a daily rate (cash_returns, risk_free) steady at 0.05 is an annual rate,
    # which its own rule names (H48-1); gross returns (1 + r) are judged here
    # for it too, before the percent check's '/ 100' (H49-3), whose advice
    # would pass prices (H46-2)
    refuse_prices(data.values, name, least=GROSS_LEVEL if rate else PRICE_LEVEL)
    # the units rules are for daily moves; a row of weekly, monthly or
    # quarterly returns moves by the square root of its trading days more
    # (hostile 73-76: monthly decimal returns were called percent)
    per_row = trading_days_per_row(data.index)
    daily = per_row == 1.0
    percent = percent_median(data.values, per_row)
    if percent is not None:
        what = "daily return" if daily else "return"
        raise InvalidParameterError(
            name,
            f"{name} look like percent returns (median absolute {what} "
            f"{percent:.3g}; decimal returns give about "
            f"{0.01 * np.sqrt(per_row):.2g}): backtests and regime "
            "statistics compound decimal simple returns. "
            f"Pass {name} / 100 (percent simple returns), "
            f"or np.expm1({name} / 100) (percent log returns).",
        )
    suspect = None if rate else percent_suspect_median(data.values, per_row)
    if suspect is not None:
        # percent returns of a calm asset pass the percent rule (hostile 70,
        # 4; 75, 1), as decimals an annual volatility beyond any index
        yearly = annual_volatility_of(suspect, per_row)
        warn_user(
            Advice(
                f"{name}: a median move of {suspect:.3g} "
                + ("a day" if daily else f"a row ({per_row:.0f} trading days)")
                + f" is an annual volatility near {yearly:.0%} in decimals, "
                "beyond any index, sector or bond fund. If these are percent "
                "returns, ",
                Aside(f"pass {name} / 100"),
                Command("give --percent"),
                ".",
            ),
            UnitsWarning,
        )
    # the fit's units rule: columns in two units, or one that switches part
    # way (hostile 81, 1c: a month of percent compounded as decimals, silent)
    mixed = mixed_units(data.to_frame())
    if mixed is not None:
        warn_user(f"{name}: {mixed}", UnitsWarning)
    lowest = np.nanmin(data.values, axis=0)  # a ragged panel's observed values
    if (lowest < -1).any():
        j = int(np.nanargmin(lowest))
        below = np.flatnonzero(data.values[:, j] < -1)
        few = len(below) <= 0.01 * np.sum(~np.isnan(data.values[:, j]))
        raise InvalidParameterError(
            name,
            f"{name} must be simple returns (>= -1), got {np.nanmin(lowest):.3g} "
            f"in column {data.columns[j]!r} "
            + day_text(data.index, int(below[0]))
            + f" ({len(below)} value(s) below -1); "
            + (
                # a few days below -1 among small moves: a unit slip, which
                # np.expm1 would turn into gains of thousands of percent
                "a few days in percent among decimals? Divide those days by "
                "100; if the whole column holds decimal log returns, convert "
                f"it with np.expm1({name})."
                if few
                else f"convert decimal log returns with np.expm1({name})."
            ),
        )
    if not rate:  # a cash rate's steps are far from its median, and real
        warn_far_values(data.values, data.columns, data.index, name, "backtest")
    return _equal_weighted(data.to_frame()).rename(name)


@validate_params({"returns": _RETURNS})
def equal_weighted(returns: pd.Series | pd.DataFrame) -> pd.Series:
    """The columns held in equal weights, rebalanced daily: one daily return.

    Each day the average of the simple returns of the columns that have a value
    that day: what :func:`backtest` buys and holds when given a DataFrame, the
    holding of the HTML report and the growth line of the plots.

    Parameters
    ----------
    returns : Series or DataFrame
        Daily simple decimal returns on a DatetimeIndex, checked as
        :func:`backtest` checks its ``returns``, except that a column may miss
        days (a panel whose columns start or stop on other days); every day
        needs a value in some column. A Series is one column.

    Returns
    -------
    Series
        The equal-weighted daily simple return, named ``returns``, on the local
        days of ``returns`` (dates without a time zone, as :func:`backtest`
        reads them).

    Examples
    --------
    >>> import pandas as pd
    >>> days = pd.bdate_range("2024-01-01", periods=2)
    >>> simple = pd.DataFrame({"A": [0.01, 0.03], "B": [-0.01, None]}, index=days)
    >>> equal_weighted(simple).round(4).tolist()
    [0.0, 0.03]
    """
    return _check_returns(returns, "returns", missing="marginalize")


def _equal_weighted(simple: pd.DataFrame) -> pd.Series:
    """:func:`equal_weighted` of a frame already checked: the one definition."""
    return simple.mean(axis=1)


# A daily rate of cash or of the risk-free asset is far below 1% a day: 1% a day
# compounds to (1.01)^252 - 1, about 1,100% a year. Anything at or above it is an
# annual rate (or a percent) passed by mistake, which would swamp the backtest.
MAX_DAILY_RATE = 0.01

CASH_DAILY_LIMIT = 0.0009
"""A typical daily cash or risk-free rate at or above this compounds to 25 % a
year or more, above any Treasury bill rate since 1934 (17 % in 1981): warned of
as an annual rate typed as a daily one, which the 1 % bound let through below
1 % (hostile 70, 1: 0.9 % a year became 858 %)."""
_DAILY_FIX = (
    "an annual rate is not a daily one: an annual rate of 4% is 0.04 / 252 a day "
    "(about 0.00016); and a daily rate in percent (0.013 for 0.013 % a day) is "
    "divided by 100. Pass the daily rate in decimals."
)


def _on_days(value: Any, days: pd.DatetimeIndex, name: str) -> np.ndarray:
    """A float or a Series of daily returns, taken on ``days`` (all of them needed)."""
    if isinstance(value, pd.Series):
        series = _check_returns(value, name, rate=True)
        check_covers(
            series.index,
            days,
            name,
            "the backtest's",
            "give it a value on every day of the signal and returns",
        )
        taken = series.reindex(days)
        values = taken.to_numpy(dtype=float)
        worst = int(np.argmax(np.abs(values)))
        if not abs(values[worst]) < MAX_DAILY_RATE:
            raise InvalidParameterError(
                name,
                f"{name} must be daily rates, below {MAX_DAILY_RATE} in size, got "
                f"{values[worst]:.6g} on {days[worst].date()}; {_DAILY_FIX}",
            )
        _check_cash_level(float(np.median(values)), name, "a typical day's")
        return values
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
        raise InvalidParameterError(
            name,
            f"{name} must be a number (a daily return) or a Series of daily returns,"
            f" got {type(value).__name__}.",
        )
    if not np.isfinite(value):
        raise InvalidParameterError(
            name, f"{name} must be a finite number (a daily rate), got {value}."
        )
    if not abs(value) < MAX_DAILY_RATE:
        raise InvalidParameterError(
            name,
            f"{name} must be a daily rate, below {MAX_DAILY_RATE} in size, got "
            f"{value}; {_DAILY_FIX}",
        )
    _check_cash_level(float(value), name, "the")
    return np.full(len(days), float(value))


def _check_cash_level(rate: float, name: str, which: str) -> None:
    """Warn of a daily cash rate that compounds beyond US cash (an annual rate?).

    A warning, not a refusal: cash in a currency of high inflation earns such
    rates, and an annual rate divided once is then a daily one again.
    """
    if abs(rate) >= CASH_DAILY_LIMIT:
        # signed: a negative rate compounds to a loss (hostile 71, 10)
        yearly = (1.0 + rate) ** TRADING_DAYS - 1.0
        warn_user(
            f"{name}: {which} rate of {rate:.6g} a day compounds to {yearly:.0%} "
            "a year, beyond anything US cash has earned since 1934. If it is an annual "
            f"rate, pass it divided by {TRADING_DAYS} ({rate / TRADING_DAYS:.3g} a "
            "day).",
            UnitsWarning,
        )


def _check_days(dates: Any, signal: Any = None) -> pd.DatetimeIndex:
    """One day or several through the package's day parser, as a DatetimeIndex.

    Instants with a zone are read in the zone of ``signal`` (as the caller passed
    it), as :func:`_in_zone_of` reads returns: the same close is another date in
    another zone.
    """
    dates = scalar_of(dates)  # np.array("2020-02-19"): one day (hostile 71, 7)
    many = not isinstance(dates, (str, bytes, pd.Timestamp)) and isinstance(
        dates, Iterable
    )
    items = list(dates) if many else [dates]
    days = getattr(signal, "index", None)
    zone = getattr(days, "tz", None)
    if zone is not None and not _dates_only(days):
        items = [_in_zone(item, zone) for item in items]
    if not items:
        raise InvalidParameterError(
            "dates", "dates is empty; pass at least one day, e.g. ['2020-02-19']."
        )
    days = []
    for item in items:
        try:
            days.append(parse_day(item))
        except (ValueError, TypeError) as exc:
            raise InvalidParameterError("dates", f"dates: {exc}") from None
    out = pd.DatetimeIndex(days, name="date")
    if not out.is_unique:
        # one row per date given: a repeat would be answered once, silently
        repeated = sorted({d.date().isoformat() for d in out[out.duplicated()]})
        raise InvalidParameterError(
            "dates",
            f"dates gives {', '.join(repeated)} more than once (as the days "
            "they are read as); give each day once.",
        )
    return out


def _in_zone(item: Any, zone: Any) -> Any:
    """A datetime with a zone, not at midnight, as the same instant in ``zone``."""
    if isinstance(item, datetime.datetime) and item.tzinfo is not None:
        stamp = pd.Timestamp(item)
        if stamp != stamp.normalize():  # an instant, not a date
            return stamp.tz_convert(zone)
    return item


def _hold_advice(signal: pd.DatetimeIndex, returns: pd.DatetimeIndex) -> str:
    """How to hold a sparser signal on the returns' days, or "" if it is not.

    A weekly signal beside daily returns keeps the signal's days alone, every
    other day's return left out (hostile 88, 6). The advice holds each signal
    for at most one and a half of its rows' spacing, in the returns' rows, so
    that a signal that stopped is not held for years (hostile 89, S2).
    """
    ratio = trading_days_per_row(signal) / trading_days_per_row(returns)
    if ratio < 1.5:  # every other day is sparser too (hostile 89, C4)
        return ""
    limit = int(np.ceil(ratio * 1.5))
    step = row_step(signal)
    every = step if step != "row" else f"{ratio:.2g} of the returns' rows"
    return (
        f" The signal has a row every {every} and the returns every "
        f"{row_step(returns)}: to hold each signal until the next, pass "
        f"signal.reindex(returns.index, method='ffill', limit={limit}).dropna() "
        "as the signal (each day the latest signal, known then, for no longer "
        "than its rows' spacing), and the returns on that signal's days only "
        "(the days before its first value have none)."
    )


def _common_dates(
    signal: pd.DatetimeIndex, returns: pd.DatetimeIndex
) -> pd.DatetimeIndex:
    """The dates both have; a warning says what was dropped if they differ."""
    if signal.equals(returns):
        return signal
    common = signal.intersection(returns)
    hold = _hold_advice(signal, returns)  # a sparser signal: how to hold it
    if len(common) == 0:
        times = len(signal.normalize().intersection(returns.normalize())) > 0

        def when(t: pd.Timestamp) -> object:  # a day as a date, a time in full
            return t.date() if t == t.normalize() else t

        raise InvalidParameterError(
            "returns",
            f"signal ({when(signal[0])} to {when(signal[-1])}) and returns "
            f"({when(returns[0])} to {when(returns[-1])}) have no date in common"
            + (
                ": they share days but not times of day (one of them is intraday); "
                "pass both at the same frequency."
                if times
                # a weekly signal dated on Sundays (hostile 89, L1)
                else ("." + hold if hold else "; pass returns for the signal's days.")
            ),
        )
    only_signal = signal.difference(returns)
    only_returns = returns.difference(signal)
    parts = []
    if len(only_signal):
        parts.append(
            f"{len(only_signal)} signal dates are not in returns (first: "
            f"{only_signal[0].date()})"
        )
    if len(only_returns):
        parts.append(
            f"{len(only_returns)} returns dates are not in signal (first: "
            f"{only_returns[0].date()})"
        )
    fix = hold or (
        " To align them yourself: common = "
        "signal.index.intersection(returns.index), then pass "
        "signal.loc[common] and returns.loc[common]."
    )
    warn_user(
        f"{' and '.join(parts)}; using the {len(common)} common dates "
        f"({common[0].date()} to {common[-1].date()}).{fix}",
        AlignmentWarning,
    )
    return common


# ------------------------------------------------------------------- statistics


@validate_params({"signal": _SIGNAL})
def spells(signal: pd.Series) -> pd.DataFrame:
    """The signal's spells: maximal runs of consecutive days in one regime.

    Parameters
    ----------
    signal : Series
        Regime names on a sorted DatetimeIndex (or walk_forward's DataFrame, whose
        ``regime`` column is used).

    Returns
    -------
    DataFrame
        One row per spell, in time order, with columns ``regime``, ``start`` (first
        day), ``end`` (last day) and ``n_days`` (its length in rows of ``signal``,
        i.e. trading days).

    Examples
    --------
    >>> days = pd.bdate_range("2024-01-01", periods=5)
    >>> spells(pd.Series(["Bull", "Bull", "Bear", "Bear", "Bull"], index=days))
      regime      start        end  n_days
    0   Bull 2024-01-01 2024-01-02       2
    1   Bear 2024-01-03 2024-01-04       2
    2   Bull 2024-01-05 2024-01-05       1
    """
    return spells_of(signal)


def spells_of(signal: Any, name: str = "signal") -> pd.DataFrame:
    """:func:`spells` of a signal given as the parameter ``name`` (a plot's)."""
    signal = _check_signal(signal, name)
    starts, ends = spell_bounds(signal.cat.codes.to_numpy())
    return pd.DataFrame(
        {
            "regime": signal.iloc[starts].to_numpy(),
            "start": signal.index[starts],
            "end": signal.index[ends],
            "n_days": ends - starts + 1,
        }
    ).astype({"regime": signal.dtype})


@validate_params({"signal": _SIGNAL})
def signal_stats(signal: pd.Series) -> pd.Series:
    """How often the signal switches, how long its spells last, where it spends time.

    Parameters
    ----------
    signal : Series
        Regime names on a sorted DatetimeIndex of trading days (or walk_forward's
        DataFrame, whose ``regime`` column is used).

    Returns
    -------
    Series
        Named ``"signal_stats"``, with

        - ``n_days``: rows of the signal; ``years``: the calendar span of its
          dates plus one row's median spacing, in years of 365.25 days (300
          monthly rows are 25 years; NaN for a single row);
        - ``n_switches``: days whose regime differs from the day before's;
          ``switches_per_year``: ``n_switches / years``;
        - ``n_spells``, ``median_spell``, ``mean_spell``: number of spells (see
          :func:`spells`) and their median and mean length in trading days;
        - ``share[<regime>]``: fraction of days in each regime;
        - ``n_spells[<regime>]``: number of spells of each regime.

        Regimes come in the order of the signal's categories (all of them, also
        those never visited).

    Notes
    -----
    The first and last spells are cut by the ends of the data, so spell lengths
    of a short signal are biased down. Years come from the dates, so weekly or
    monthly signals give their true switches per year; spell lengths are in rows.

    Examples
    --------
    >>> days = pd.bdate_range("2024-01-01", periods=6)
    >>> stats = signal_stats(
    ...     pd.Series(["Bull", "Bull", "Bull", "Bear", "Bear", "Bull"], index=days))
    >>> stats[["n_switches", "median_spell", "share[Bear]"]].round(3).tolist()
    [2.0, 2.0, 0.333]
    """
    signal = _check_signal(signal)
    table = spells(signal)
    n_days = len(signal)
    years = calendar_years(signal.index)
    n_switches = len(table) - 1
    stats: dict[str, float] = {
        "n_days": float(n_days),
        "years": years,
        "n_switches": float(n_switches),
        "switches_per_year": n_switches / years if years > 0 else float("nan"),
        "n_spells": float(len(table)),
        "median_spell": float(table["n_days"].median()),
        "mean_spell": float(table["n_days"].mean()),
    }
    names = list(signal.cat.categories)
    days_in = signal.value_counts(sort=False)
    spells_of = table["regime"].value_counts(sort=False)
    stats.update({f"share[{n}]": days_in[n] / n_days for n in names})
    stats.update({f"n_spells[{n}]": float(spells_of[n]) for n in names})
    return pd.Series(stats, name="signal_stats", dtype=float)


@validate_params(
    {
        "signal": _SIGNAL,
        "dates": [Checked("each one through the day parser (regimes._dates)")],
        "regimes": [None, Names(what="regime name", ordered=False, caseless=False)],
    }
)
def detection_lag(
    signal: pd.Series,
    dates: Iterable[Any],
    regimes: Iterable[str] | str | None = None,
) -> pd.Series:
    """Trading days from each date until the signal is first in one of ``regimes``.

    Parameters
    ----------
    signal : Series
        Regime names on a sorted DatetimeIndex (or walk_forward's DataFrame).
    dates : day or iterable of days
        E.g. market peaks. Each is read by the package's one day parser: a
        ``"YYYY-MM-DD"`` string, a ``Timestamp`` or ``datetime.date``, or a
        YYYYMMDD int (``20200219``); any other integer (a year alone, ``2020``) is
        refused, never read as nanoseconds since 1970. Each must lie within the
        signal's first and last day; a date that is not a row of the signal
        counts from the next row.
    regimes : str or iterable of str, optional
        The regimes that count as detection. Default: the riskiest regime of
        ``signal`` (the last of its ordered categories, "Bear" with the default
        names), as the report and the command choose it; a signal of other
        names as plain text must say which.

    Returns
    -------
    Series
        Indexed by ``dates``, named ``"detection_lag"``: the number of rows of
        ``signal`` (trading days) from the date to the first day in ``regimes``
        (0 if the signal is already there on that day), NaN if it never is before
        the signal ends.

    Examples
    --------
    >>> days = pd.bdate_range("2024-01-01", periods=5)
    >>> signal = pd.Series(["Bull", "Bull", "Bull", "Bear", "Bull"], index=days)
    >>> detection_lag(signal, ["2024-01-02", "2024-01-04", "2024-01-05"]).tolist()
    [2.0, 0.0, nan]
    """
    given, signal = signal, _check_signal(signal)
    regimes = _risk_off(regimes, given, signal, "regimes")
    when = _check_days(dates, given)
    index = signal.index  # tz-naive: local dates, like `when` (regimes._dates)
    outside = when[(when < index[0]) | (when > index[-1])]
    if len(outside):
        raise InvalidParameterError(
            "dates",
            f"dates must lie within the signal's days ({index[0].date()} to "
            f"{index[-1].date()}), got {[str(d.date()) for d in outside]}; drop them "
            "or pass a longer signal.",
        )
    hits = np.flatnonzero(signal.isin(regimes).to_numpy())
    start = index.searchsorted(when, side="left")
    first = np.searchsorted(hits, start, side="left")
    found = first < len(hits)
    lag = np.full(len(when), np.nan)
    lag[found] = hits[first[found]] - start[found]
    return pd.Series(lag, index=when, name="detection_lag")


# -------------------------------------------------------------------- backtest


@validate_params({"equity": [Checked("_check_equity")]})
def drawdown(equity: pd.Series | pd.DataFrame) -> pd.Series | pd.DataFrame:
    """Fall of an equity curve below its running peak, as a fraction <= 0.

    The starting capital (1) counts as the first peak, so a loss on the first day
    is a drawdown.

    Examples
    --------
    >>> drawdown(pd.Series([1.1, 0.99, 1.21])).round(3).tolist()
    [0.0, -0.1, 0.0]
    """
    _check_equity(equity)
    return _drawdown(equity)


def _drawdown(equity: pd.Series | pd.DataFrame) -> pd.Series | pd.DataFrame:
    """:func:`drawdown` without the check, for the curves we build ourselves.

    A return of -1 (a total loss) takes such a curve to 0: a drawdown of -1, not a
    caller's mistake.
    """
    peak = equity.cummax().clip(lower=1.0)
    return equity / peak - 1.0


def _check_equity(equity: Any) -> None:
    """An equity curve: a Series or DataFrame of finite numbers above 0."""
    ok = isinstance(equity, (pd.Series, pd.DataFrame))
    if ok:
        frame = equity.to_frame() if isinstance(equity, pd.Series) else equity
        ok = all(
            pd.api.types.is_numeric_dtype(t) and not pd.api.types.is_bool_dtype(t)
            for t in frame.dtypes
        ) and bool(np.isfinite(frame.to_numpy(dtype=float)).all())
    if not ok:
        raise InvalidParameterError(
            "equity",
            "equity must be a pandas Series or DataFrame of finite numbers (growth "
            f"of 1, e.g. BacktestResult.equity); got {type(equity).__name__}.",
        )
    values = equity.to_numpy(dtype=float)
    if (values <= 0).any():
        raise InvalidParameterError(
            "equity",
            f"equity must be above 0 (the value of a growth of 1), got "
            f"{float(values.min()):.6g}; an equity curve is (1 + returns).cumprod() "
            "of simple returns > -1, not the returns themselves nor a P&L.",
        )


@dataclass(frozen=True, repr=False)
class BacktestResult:
    """A risk-off backtest beside buy-and-hold on the same days (see :func:`backtest`).

    Attributes
    ----------
    returns : DataFrame
        Daily returns, columns ``strategy`` (after costs) and ``buy_and_hold``.
    equity : DataFrame
        Growth of 1, same columns: ``(1 + returns).cumprod()``.
    position : Series
        Fraction held in the asset over each day (1 or 0), named ``"position"``.
    stats : DataFrame
        Rows ``ann_return`` (geometric), ``ann_vol``, ``sharpe``, ``max_drawdown``,
        ``n_trades``, ``time_in_market``, ``total_return``, ``n_days``; columns
        ``strategy`` and ``buy_and_hold``.
    risk_off : tuple of str
        Regimes in which the strategy held cash.
    delay : int
        Days between a signal and the position it sets.
    cost : float
        Cost per unit of position changed, as a fraction.
    """

    returns: pd.DataFrame
    equity: pd.DataFrame
    position: pd.Series
    stats: pd.DataFrame
    risk_off: tuple[str, ...]
    delay: int
    cost: float

    @property
    def drawdown(self) -> pd.DataFrame:
        """Drawdown of both equity curves (see :func:`drawdown`)."""
        return _drawdown(self.equity)

    def __repr__(self) -> str:
        days = self.returns.index
        return (
            f"BacktestResult(risk_off={self.risk_off}, delay={self.delay}, "
            f"cost={self.cost}, {len(days)} days {days[0].date()} to "
            f"{days[-1].date()})\n{self.stats.round(4).to_string()}"
        )


@validate_params(
    {
        "signal": _SIGNAL,
        "returns": _RETURNS,
        "risk_off": [None, Names(what="regime name", ordered=False, caseless=False)],
        "delay": [Interval(Integral, 0, None, unit="(days)")],
        "cost": COST,
        "cash_returns": _DAILY,
        "risk_free": _DAILY,
    }
)
def backtest(
    signal: pd.Series,
    returns: pd.Series | pd.DataFrame,
    risk_off: Iterable[str] | str | None = None,
    delay: int = 1,
    cost: float = 0.001,
    *,
    cash_returns: pd.Series | float = 0.0,
    risk_free: pd.Series | float = 0.0,
) -> BacktestResult:
    """Hold the asset unless the signal said risk-off ``delay`` days earlier.

    On day t the strategy holds ``returns`` if the signal of day t - ``delay`` is
    not in ``risk_off``, and cash otherwise. Each change of position costs
    ``cost`` times the size of the change, taken from that day's return.
    Buy-and-hold holds the asset on the same days.

    Parameters
    ----------
    signal : Series
        Regime names on a sorted DatetimeIndex (or walk_forward's DataFrame, whose
        ``regime`` column is used).
    returns : Series or DataFrame
        Daily **simple** returns of the asset (``np.expm1`` of log returns), or a
        DataFrame of several, held in equal weights rebalanced daily.
    risk_off : str or iterable of str, optional
        Regimes in which to hold cash. Default: the riskiest regime of
        ``signal`` (the last of its ordered categories, "Bear" with the default
        names), as the report and the command choose it; a signal of other
        names as plain text must say which.
    delay : int, default=1
        Rows between the signal and the return it earns. The position of day t
        earns r_t (close of day t - 1 to close of day t) and follows the signal of
        day t - ``delay``. 1: the position is taken at the very close whose data
        made the signal (market-on-close; optimistic unless the signal can be
        computed just before the close). 2: at the next close, the conservative
        choice. 0 earns the return that made the signal, which is look-ahead: use
        it only to see what the delay is worth.
    cost : float, default=0.001
        Cost of a change of position, per unit changed (0.001 = 10 basis points).
    cash_returns : float or Series, default=0.0
        Daily return of cash; a Series must have every day of the backtest.
    risk_free : float or Series, default=0.0
        Daily risk-free return subtracted from the mean in the Sharpe ratios.

    Returns
    -------
    BacktestResult
        Daily returns, equity curves, positions and ``stats`` of the strategy and
        of buy-and-hold.

    Raises
    ------
    ValueError, TypeError
        Before any work, for an empty or unsorted input, a non-DatetimeIndex,
        missing values, ``delay < 0``, ``cost < 0``, ``risk_off`` names that are
        not regimes of ``signal``, or no date in common.

    Warns
    -----
    AlignmentWarning
        If ``signal`` and ``returns`` have different dates: only the common dates
        are used, and the delay counts rows of those.

    Notes
    -----
    *Causal by construction*: the position of day t is a function of the signal
    up to day t - ``delay`` only, so changing or removing later rows never
    changes it. The first ``delay`` common days have no signal yet and are left
    out of both columns. Taking the first day's position is free, for both.

    With ``p_t`` the position and ``r_t`` the asset's return: strategy return
    ``p_t r_t + (1 - p_t) c_t - cost |p_t - p_{t-1}|``. Statistics (252 days a
    year): ``ann_return = (prod(1 + r))^(252 / n) - 1``; ``ann_vol = std(r) *
    sqrt(252)`` (ddof 1), both NaN on a single day; ``sharpe = mean(r -
    risk_free) * 252 / ann_vol``;
    ``max_drawdown`` the lowest :func:`drawdown`; ``n_trades`` the number of
    position changes; ``time_in_market`` the mean position.

    A signal from :meth:`RegimeModel.predict` or ``predict_proba`` looks ahead
    (it is decoded with the whole sample): its backtest is an in-sample bound.

    Examples
    --------
    >>> days = pd.bdate_range("2024-01-01", periods=4)
    >>> signal = pd.Series(["Bull", "Bear", "Bear", "Bull"], index=days)
    >>> returns = pd.Series([0.01, -0.02, -0.03, 0.01], index=days)
    >>> result = backtest(signal, returns, delay=1, cost=0.0)
    >>> result.position.tolist()   # the day-2 Bear signal is acted on on day 3
    [1.0, 0.0, 0.0]
    >>> result.returns["strategy"].round(4).tolist()
    [-0.02, 0.0, 0.0]
    """
    given, signal = signal, _check_signal(signal)
    returns, cash_returns, risk_free = (
        _in_zone_of(given, value) for value in (returns, cash_returns, risk_free)
    )
    asset = _check_returns(returns, "returns")
    risk_off = _risk_off(risk_off, given, signal, "risk_off")
    common = _common_dates(signal.index, asset.index)
    if len(common) <= delay:
        raise InvalidParameterError(
            "delay",
            f"signal and returns have {len(common)} common days, not more than "
            f"delay={delay}; pass a longer history.",
        )
    days = common[delay:]
    warn_if_not_daily(days, "backtest's ann_return, ann_vol and sharpe")
    if not signal.reindex(common[: len(common) - delay]).isin(risk_off).any():
        # a calm window, or a text signal without its riskiest regime: the rule
        # is buy-and-hold, which the tables would not say (hostile 71, 5)
        warn_user(
            f"risk_off {list(risk_off)} never occurs in the signal on the days "
            "backtested: the strategy holds the asset every day, as buy-and-hold "
            "does.",
            DataWarning,
        )
    cash = _on_days(cash_returns, days, "cash_returns")
    free = _on_days(risk_free, days, "risk_free")

    # the position of day t is set by the signal of the day `delay` rows earlier
    invested = (~signal.reindex(common).isin(risk_off)).to_numpy(dtype=float)
    position = invested[: len(common) - delay]
    r = asset.reindex(days).to_numpy(dtype=float)
    changes = np.abs(_trades(position))
    strategy = position * r + (1.0 - position) * cash - cost * changes

    daily = pd.DataFrame({"strategy": strategy, "buy_and_hold": r}, index=days)
    equity = (1.0 + daily).cumprod()
    held = {"strategy": position, "buy_and_hold": np.ones(len(days))}
    stats = pd.DataFrame(
        {
            name: _performance(daily[name], equity[name], held[name], free)
            for name in daily.columns
        }
    )
    return BacktestResult(
        returns=daily,
        equity=equity,
        position=pd.Series(position, index=days, name="position"),
        stats=stats,
        risk_off=risk_off,
        delay=delay,
        cost=cost,
    )


def _performance(
    daily: pd.Series,
    equity: pd.Series,
    position: np.ndarray,
    risk_free: np.ndarray,
    before: float | None = None,
) -> pd.Series:
    """The statistics of one column of a backtest (see :func:`backtest`'s Notes).

    ``before``: the position on the day before the first (a backtest cut to
    fewer days), so that a trade on the first day, whose cost is in its return,
    is counted; None where the first day trades nothing (the backtest's own
    first day, as its costs take it).
    """
    n = len(daily)
    ann_vol = float(daily.std(ddof=1) * np.sqrt(TRADING_DAYS)) if n > 1 else np.nan
    excess = float(np.mean(daily.to_numpy() - risk_free)) * TRADING_DAYS
    sharpe = excess / ann_vol if ann_vol > 0 else np.nan
    final = float(equity.iloc[-1])
    return pd.Series(
        {
            # one day is no year's rate (as it is no volatility): -0.4 % on
            # the day would print as -64 % a year (hostile 49, H49-4)
            "ann_return": final ** (TRADING_DAYS / n) - 1.0 if n > 1 else np.nan,
            "ann_vol": ann_vol,
            "sharpe": sharpe,
            "max_drawdown": float(_drawdown(equity).min()),
            "n_trades": float(np.count_nonzero(_trades(position, before))),
            "time_in_market": float(np.mean(position)),
            "total_return": final - 1.0,
            "n_days": float(n),
        }
    )


def _trades(position: np.ndarray, before: float | None = None) -> np.ndarray:
    """The change of position on each day: the one rule for costs and n_trades.

    ``before`` is the position the day before the first; None: the first day
    keeps its own (no trade on it).
    """
    return np.diff(position, prepend=position[0] if before is None else before)


# ------------------------------------------------------------- per-regime table


@validate_params(
    {
        "signal": _SIGNAL,
        "returns": _RETURNS,
    }
)
def regime_stats(signal: pd.Series, returns: pd.Series | pd.DataFrame) -> pd.DataFrame:
    """How each column behaved on the days the signal put in each regime.

    Parameters
    ----------
    signal : Series
        Regime names on a sorted DatetimeIndex (or walk_forward's DataFrame, whose
        ``regime`` column is used).
    returns : Series or DataFrame
        Daily **simple** returns (``np.expm1`` of log returns), one column per
        asset; a Series is one asset.

    Returns
    -------
    DataFrame
        Indexed by (``regime``, ``column``): every regime of the signal's
        categories, in their order, times every column of ``returns``. Columns:

        - ``share_of_days``: fraction of the days in that regime; ``n_days``;
        - ``ann_mean``: mean daily return x 252; ``ann_vol``: standard deviation
          (ddof 1) x sqrt(252); ``sharpe``: ``ann_mean / ann_vol`` (no risk-free
          rate);
        - ``max_drawdown``: the worst fall below a running peak of the growth of 1
          invested on the regime's days only, one after the other (the days of
          other regimes skipped), a fraction <= 0;
        - ``hit_rate``: fraction of the regime's days with a positive return.

        A regime the signal never visits has ``n_days`` 0 and NaN statistics; one
        with a single day has NaN ``ann_vol`` and ``sharpe``.

    Warns
    -----
    AlignmentWarning
        If ``signal`` and ``returns`` have different dates: the common ones are used.

    Notes
    -----
    With a signal that looks ahead (:meth:`RegimeModel.predict`), the table
    describes the regimes in hindsight. Built from a causal signal
    (``walk_forward(...)["regime"]``), it says what the days that were *called*
    Bear in real time were like, which is what a user of the signal gets. Days are
    split by the signal of the same day; a position taken on the signal earns the
    next day's return (see :func:`backtest`).

    Examples
    --------
    >>> days = pd.bdate_range("2024-01-01", periods=5)
    >>> signal = pd.Series(["Bull", "Bull", "Bear", "Bear", "Bull"], index=days)
    >>> returns = pd.DataFrame({"A": [0.01, 0.02, -0.10, 0.05, 0.0]}, index=days)
    >>> table = regime_stats(signal, returns)
    >>> bear = table.loc[("Bear", "A"), ["share_of_days", "hit_rate", "max_drawdown"]]
    >>> bear.round(4).tolist()
    [0.4, 0.5, -0.1]
    >>> round(float(table.loc[("Bull", "A"), "ann_mean"]), 4)  # (0.01+0.02+0)/3*252
    2.52
    """
    given, signal = signal, _check_signal(signal)
    returns = _in_zone_of(given, returns)
    _check_returns(returns, "returns")  # every column numeric, finite, >= -1
    returns = local_days(returns)
    frame = as_frame(returns)  # an unnamed Series is the column 'returns'
    common = _common_dates(signal.index, frame.index)
    warn_if_not_daily(common, "regime_stats' ann_mean, ann_vol and sharpe")
    regime = signal.reindex(common)
    values = frame.reindex(common)
    rows = {}
    for name in signal.cat.categories:
        inside = values[(regime == name).to_numpy()]
        share = len(inside) / len(common)
        for column in frame.columns:
            rows[(name, column)] = _regime_column_stats(inside[column], share)
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index = pd.MultiIndex.from_tuples(table.index, names=["regime", "column"])
    return table


def _regime_column_stats(r: pd.Series, share: float) -> dict[str, float]:
    """The statistics of :func:`regime_stats` for one column's days in one regime."""
    n = len(r)
    if n == 0:
        nan = float("nan")
        return {
            "share_of_days": share,
            "n_days": 0.0,
            **dict.fromkeys(
                ("ann_mean", "ann_vol", "sharpe", "max_drawdown", "hit_rate"), nan
            ),
        }
    mean = float(r.mean()) * TRADING_DAYS
    vol = float(r.std(ddof=1)) * np.sqrt(TRADING_DAYS) if n > 1 else float("nan")
    return {
        "share_of_days": share,
        "n_days": float(n),
        "ann_mean": mean,
        "ann_vol": vol,
        "sharpe": mean / vol if vol > 0 else float("nan"),
        "max_drawdown": float(_drawdown((1.0 + r).cumprod()).min()),
        "hit_rate": float((r > 0).mean()),
    }
