"""regimes.evaluate: every statistic against a hand-computed example, causality, errors.

The small examples below are built so that each answer can be worked out on paper;
the expected values are written as that arithmetic, not taken from the code.
"""

from __future__ import annotations

import math
import re
import warnings

import numpy as np
import pandas as pd
import pytest

from regimes.evaluate import (
    BacktestResult,
    backtest,
    detection_lag,
    drawdown,
    equal_weighted,
    regime_stats,
    signal_stats,
    spells,
)
from regimes.exceptions import (
    AlignmentWarning,
    DataWarning,
    InvalidParameterError,
    UnitsWarning,
)

NAMES = ["Bull", "Sideways", "Bear"]


def _signal(values, start="2021-01-04", categories=None):
    days = pd.bdate_range(start, periods=len(values))
    if categories is None:
        return pd.Series(values, index=days, name="regime")
    dtype = pd.CategoricalDtype(categories, ordered=True)
    return pd.Series(pd.Categorical(values, dtype=dtype), index=days, name="regime")


# --------------------------------------------------------------- signal stats

# 12 days: Bull x3, Bear x2, Bull x5, Sideways x2 -> spells of 3, 2, 5, 2 days
SPELL_VALUES = ["Bull"] * 3 + ["Bear"] * 2 + ["Bull"] * 5 + ["Sideways"] * 2


def test_spells_by_hand():
    signal = _signal(SPELL_VALUES, categories=NAMES)
    table = spells(signal)
    days = signal.index
    assert table["regime"].astype(str).tolist() == ["Bull", "Bear", "Bull", "Sideways"]
    assert table["start"].tolist() == [days[0], days[3], days[5], days[10]]
    assert table["end"].tolist() == [days[2], days[4], days[9], days[11]]
    assert table["n_days"].tolist() == [3, 2, 5, 2]


@pytest.mark.parametrize("categorical", [True, False])
def test_signal_stats_by_hand(categorical):
    categories = [*NAMES, "Crash"] if categorical else None
    stats = signal_stats(_signal(SPELL_VALUES, categories=categories))
    assert stats.name == "signal_stats"
    assert stats["n_days"] == 12
    # 2021-01-04 (Mon) to 2021-01-19 (Tue): 15 days of span + 1 day's spacing
    assert stats["years"] == pytest.approx(16 / 365.25)
    assert stats["n_switches"] == 3
    assert stats["switches_per_year"] == pytest.approx(3 / (16 / 365.25))
    assert stats["n_spells"] == 4
    assert stats["median_spell"] == 2.5  # lengths 2, 2, 3, 5
    assert stats["mean_spell"] == 3.0  # 12 days / 4 spells
    assert stats["share[Bull]"] == pytest.approx(8 / 12)
    assert stats["share[Bear]"] == pytest.approx(2 / 12)
    assert stats["share[Sideways]"] == pytest.approx(2 / 12)
    assert stats["n_spells[Bull]"] == 2
    assert stats["n_spells[Bear]"] == 1
    assert stats["n_spells[Sideways]"] == 1
    if categorical:  # a regime never visited is still reported
        assert stats["share[Crash]"] == 0
        assert stats["n_spells[Crash]"] == 0
        shares = [k for k in stats.index if k.startswith("share[")]
        assert shares == [f"share[{n}]" for n in categories]


def test_signal_stats_of_a_constant_signal():
    stats = signal_stats(_signal(["Bull"] * 504))
    assert stats["n_switches"] == 0
    assert stats["switches_per_year"] == 0
    days = _signal(["Bull"] * 504).index  # 504 business days, no holidays
    span = (days[-1] - days[0]).days + 1
    assert stats["years"] == pytest.approx(span / 365.25)
    assert stats["median_spell"] == 504


def test_walk_forward_frame_is_accepted():
    signal = _signal(SPELL_VALUES, categories=NAMES)
    wf = pd.DataFrame({"regime": signal, "Bull": 0.5, "Sideways": 0.3, "Bear": 0.2})
    pd.testing.assert_series_equal(signal_stats(wf), signal_stats(signal))


# -------------------------------------------------------------- detection lag


def test_detection_lag_by_hand():
    #                 0       1       2       3        4       5       6
    values = ["Bull", "Bull", "Bull", "Sideways", "Bear", "Bull", "Bull"]
    signal = _signal(values, start="2021-01-04", categories=NAMES)  # a Monday
    days = signal.index
    lags = detection_lag(signal, [days[0], days[4], "2021-01-09", days[5]])
    # from day 0 the first Bear is day 4; on day 4 it already is; Saturday 9 Jan
    # counts from Monday 11 Jan (day 5), after which there is no Bear
    assert lags.name == "detection_lag"
    assert lags.index.name == "date"
    np.testing.assert_array_equal(lags.to_numpy(), [4.0, 0.0, np.nan, np.nan])
    either = detection_lag(signal, [days[0]], regimes=("Sideways", "Bear"))
    assert either.iloc[0] == 3.0
    assert detection_lag(signal, days[1], regimes="Bear").iloc[0] == 3.0


def test_detection_lag_takes_plain_dates_for_a_tz_aware_signal():
    signal = _signal(["Bull", "Bull", "Bear"], categories=NAMES)
    aware = signal.tz_localize("America/New_York")
    lags = detection_lag(aware, [str(signal.index[0].date())])
    assert lags.iloc[0] == 2.0


def test_detection_lag_errors():
    signal = _signal(["Bull", "Bear", "Bull"], categories=NAMES)
    with pytest.raises(ValueError, match="dates must lie within the signal's days"):
        detection_lag(signal, ["2020-01-01"])
    with pytest.raises(
        ValueError, match=r"regimes names 'bear' \(did you mean 'Bear'\?\) that"
    ):
        detection_lag(signal, [signal.index[0]], regimes=("bear",))
    with pytest.raises(InvalidParameterError, match="'not a date' is not an unambig"):
        detection_lag(signal, ["not a date"])
    with pytest.raises(InvalidParameterError, match="NaT is not a day") as info:
        detection_lag(signal, [pd.NaT])
    assert info.value.param == "dates"
    with pytest.raises(InvalidParameterError, match="not a YYYYMMDD day"):
        detection_lag(signal, [2020])  # not nanoseconds since 1970
    # hostile 42, 12: two dates, one row, silently; the same day written twice
    day = signal.index[0]
    for twice in ([day, day], [str(day.date()), day.strftime("%Y%m%d")]):
        with pytest.raises(InvalidParameterError, match="more than once") as info:
            detection_lag(signal, twice)
        assert info.value.param == "dates"


def test_detection_lag_reads_every_date_with_the_one_day_parser():
    values = ["Bull", "Bull", "Bear", "Bull", "Bear"]
    signal = _signal(values, start="2021-01-04", categories=NAMES)  # a Monday
    by_text = detection_lag(signal, ["2021-01-04", "2021-01-07"])
    # YYYYMMDD ints (one, a list, numpy) are the same days as the strings
    for dates in ([20210104, 20210107], np.array([20210104, 20210107])):
        pd.testing.assert_series_equal(detection_lag(signal, dates), by_text)
    assert detection_lag(signal, 20210107).tolist() == [1.0]
    # a year alone is refused, naming the parameter, whether alone or in a list
    for dates in (2021, [20210104, 2021]):
        with pytest.raises(InvalidParameterError, match="not a YYYYMMDD day") as e:
            detection_lag(signal, dates)
        assert e.value.param == "dates"
    with pytest.raises(InvalidParameterError, match="within the signal's days") as e:
        detection_lag(signal, [20200101])
    assert e.value.param == "dates"


# ------------------------------------------------------------------ backtest

# 6 days; the signal is Bear on days 1 and 2
R = [0.01, 0.02, -0.05, -0.03, 0.04, 0.01]
SIG = ["Bull", "Bear", "Bear", "Bull", "Bull", "Bull"]


def _inputs():
    signal = _signal(SIG, categories=NAMES)
    return signal, pd.Series(R, index=signal.index, name="asset")


def test_backtest_delay_one_by_hand():
    signal, returns = _inputs()
    result = backtest(signal, returns, delay=1, cost=0.001)
    assert isinstance(result, BacktestResult)
    # day 0 has no signal before it: the backtest runs on days 1..5
    assert result.returns.index.equals(signal.index[1:])
    # signal of the day before: Bull, Bear, Bear, Bull, Bull
    np.testing.assert_array_equal(result.position, [1, 0, 0, 1, 1])
    # exit on day 2 and re-entry on day 4 each pay 10 bp
    expected = [0.02, 0.0 - 0.001, 0.0, 0.04 - 0.001, 0.01]
    np.testing.assert_allclose(result.returns["strategy"], expected, atol=1e-15)
    np.testing.assert_allclose(result.returns["buy_and_hold"], R[1:], atol=1e-15)
    final = 1.02 * 0.999 * 1.0 * 1.039 * 1.01
    assert result.equity["strategy"].iloc[-1] == pytest.approx(final, rel=1e-12)

    s, b = result.stats["strategy"], result.stats["buy_and_hold"]
    assert s["total_return"] == pytest.approx(final - 1, rel=1e-12)
    assert s["ann_return"] == pytest.approx(final ** (252 / 5) - 1, rel=1e-12)
    vol = np.std(expected, ddof=1) * math.sqrt(252)
    assert s["ann_vol"] == pytest.approx(vol, rel=1e-12)
    assert s["sharpe"] == pytest.approx(np.mean(expected) * 252 / vol, rel=1e-12)
    # the only dip: 1.02 -> 1.02 * 0.999, i.e. -0.1%
    assert s["max_drawdown"] == pytest.approx(-0.001, rel=1e-9)
    assert s["n_trades"] == 2
    assert s["time_in_market"] == pytest.approx(3 / 5)
    assert s["n_days"] == 5
    # buy-and-hold on the same days: peak 1.02, trough 1.02 * 0.95 * 0.97
    bh_final = 1.02 * 0.95 * 0.97 * 1.04 * 1.01
    assert b["total_return"] == pytest.approx(bh_final - 1, rel=1e-12)
    assert b["max_drawdown"] == pytest.approx(0.95 * 0.97 - 1, rel=1e-12)
    assert b["n_trades"] == 0
    assert b["time_in_market"] == 1
    assert list(result.stats.index[:6]) == [
        "ann_return",
        "ann_vol",
        "sharpe",
        "max_drawdown",
        "n_trades",
        "time_in_market",
    ]
    pd.testing.assert_frame_equal(result.drawdown, drawdown(result.equity))


def test_backtest_delay_two_and_zero_by_hand():
    signal, returns = _inputs()
    two = backtest(signal, returns, delay=2, cost=0.001)
    # day t follows the signal of day t - 2: days 0..3 are Bull, Bear, Bear, Bull
    np.testing.assert_array_equal(two.position, [1, 0, 0, 1])  # days 2..5
    np.testing.assert_allclose(
        two.returns["strategy"], [-0.05, -0.001, 0.0, 0.01 - 0.001], atol=1e-15
    )
    zero = backtest(signal, returns, delay=0, cost=0.001)
    np.testing.assert_array_equal(zero.position, [1, 0, 0, 1, 1, 1])
    np.testing.assert_allclose(
        zero.returns["strategy"],
        [0.01, -0.001, 0.0, -0.03 - 0.001, 0.04, 0.01],
        atol=1e-15,
    )


def test_costs_are_cost_times_position_changes():
    signal, returns = _inputs()
    free = backtest(signal, returns, cost=0.0)
    dear = backtest(signal, returns, cost=0.0025)
    changes = free.position.diff().abs().fillna(0.0)
    np.testing.assert_allclose(
        free.returns["strategy"] - dear.returns["strategy"], 0.0025 * changes
    )
    pd.testing.assert_series_equal(
        free.returns["buy_and_hold"], dear.returns["buy_and_hold"]
    )


def test_cash_returns_risk_free_and_equal_weights():
    signal, returns = _inputs()
    cash = pd.Series(1e-4, index=signal.index)
    result = backtest(signal, returns, cost=0.0, cash_returns=cash, risk_free=5e-5)
    np.testing.assert_allclose(
        result.returns["strategy"], [0.02, 1e-4, 1e-4, 0.04, 0.01], atol=1e-15
    )
    r = result.returns["strategy"].to_numpy()
    vol = np.std(r, ddof=1) * math.sqrt(252)
    assert result.stats.loc["sharpe", "strategy"] == pytest.approx(
        (r.mean() - 5e-5) * 252 / vol, rel=1e-12
    )
    # two assets whose average is R give the same backtest as R itself
    spread = np.array([0.004, -0.01, 0.02, 0.0, 0.03, -0.002])
    frame = pd.DataFrame(
        {"a": np.array(R) + spread, "b": np.array(R) - spread}, index=signal.index
    )
    pd.testing.assert_frame_equal(
        backtest(signal, frame).returns, backtest(signal, returns).returns
    )


def test_drawdown_counts_the_starting_capital():
    np.testing.assert_allclose(
        drawdown(pd.Series([0.9, 0.95, 1.2, 0.6])), [-0.1, -0.05, 0.0, -0.5]
    )


# ----------------------------------------------------------------- causality


def _random_inputs(n=300, seed=0):
    rng = np.random.default_rng(seed)
    days = pd.bdate_range("2010-01-01", periods=n)
    codes = np.cumsum(rng.random(n) < 0.1) % 3  # spells of ~10 days
    signal = pd.Series(
        pd.Categorical.from_codes(
            codes, dtype=pd.CategoricalDtype(NAMES, ordered=True)
        ),
        index=days,
    )
    returns = pd.Series(rng.normal(3e-4, 0.01, n), index=days)
    return signal, returns


@pytest.mark.parametrize("delay", [0, 1, 2, 5])
def test_backtest_output_up_to_t_ignores_later_rows(delay):
    signal, returns = _random_inputs()
    full = backtest(signal, returns, delay=delay)
    for t in [delay + 1, 50, 151, 299]:
        with warnings.catch_warnings():  # a first day or two without a Bear day
            warnings.simplefilter("ignore", DataWarning)
            cut = backtest(signal.iloc[:t], returns.iloc[:t], delay=delay)
        n = len(cut.returns)
        pd.testing.assert_frame_equal(cut.returns, full.returns.iloc[:n])
        pd.testing.assert_frame_equal(cut.equity, full.equity.iloc[:n])
        pd.testing.assert_series_equal(cut.position, full.position.iloc[:n])


@pytest.mark.parametrize("delay", [0, 1, 3])
def test_a_future_signal_never_changes_past_positions(delay):
    signal, returns = _random_inputs(seed=1)
    base = backtest(signal, returns, delay=delay)
    for k in [10, 120, 250]:
        changed = signal.copy()
        changed.iloc[k:] = "Bear" if signal.iloc[k] != "Bear" else "Bull"
        other = backtest(changed, returns, delay=delay)
        first_affected = signal.index[k + delay]
        before = base.position.index < first_affected
        pd.testing.assert_series_equal(other.position[before], base.position[before])
        # ... and the signal change does reach the position `delay` days later
        assert other.position[first_affected] != base.position[first_affected]


# ----------------------------------------------------------------- alignment


def test_different_dates_are_aligned_with_a_warning():
    signal, returns = _random_inputs(n=60)
    longer = pd.concat(
        [returns, pd.Series([0.5], index=[returns.index[-1] + pd.Timedelta(days=1)])]
    )
    holed = signal.drop(signal.index[[20, 21]])
    with pytest.warns(
        AlignmentWarning,
        match=r"2 returns dates are not in signal \(first: 2010-01-29\); using the 58",
    ):
        aligned = backtest(holed, returns)
    expected = backtest(holed, returns.loc[holed.index])
    pd.testing.assert_frame_equal(aligned.returns, expected.returns)
    with pytest.warns(AlignmentWarning, match="1 returns dates are not in signal"):
        backtest(signal, longer)
    with pytest.warns(AlignmentWarning, match="2 signal dates are not in returns"):
        backtest(signal, returns.drop(returns.index[[3, 4]]))


def test_no_common_dates_is_an_error():
    signal, returns = _random_inputs(n=30)
    later = returns.set_axis(returns.index + pd.Timedelta(days=400))
    with pytest.raises(ValueError, match="have no date in common"):
        backtest(signal, later)


# -------------------------------------------------------------------- errors


def _bad_cases():
    signal, returns = _inputs()
    unsorted = signal.iloc[::-1]
    dup = pd.concat([signal, signal.iloc[:1]])
    no_dates = signal.reset_index(drop=True)
    with_nan = returns.copy()
    with_nan.iloc[2] = np.nan
    as_log = returns.copy()
    as_log.iloc[2] = -1.5
    with_nat = returns.set_axis(returns.index.where(np.arange(6) != 3))
    gap_cash = pd.Series(0.0, index=signal.index[:3])
    return [
        ((signal.iloc[:0], returns), {}, "signal", "signal is empty"),
        ((no_dates, returns), {}, "signal", "signal must have a DatetimeIndex"),
        ((unsorted, returns), {}, "signal", r"signal's dates must be increasing"),
        ((dup, returns), {}, "signal", "signal has duplicate dates"),
        ((list(SIG), returns), {}, "signal", "signal must be a pandas Series"),
        ((signal.to_frame("x"), returns), {}, "signal", "a 'regime' column"),
        (
            (signal.astype(object).where(signal != "Bear"), returns),
            {},
            "signal",
            "signal has 2 missing values",
        ),
        ((signal, returns.to_numpy()), {}, "returns", "returns must be a pandas"),
        ((signal, with_nan), {}, "returns", "returns has 1 NaN values"),
        ((signal, with_nat), {}, "returns", r"returns has 1 NaT dates"),
        ((signal, as_log), {}, "returns", r"np.expm1\(returns\)"),
        ((signal, returns * 100), {}, "returns", r"look like percent.*returns / 100"),
        ((signal, returns.astype(str)), {}, "returns", r"as text.*astype\(float\)"),
        ((signal, returns), {"delay": -1}, "delay", "delay of backtest.* int >= 0"),
        ((signal, returns), {"delay": 1.5}, "delay", "delay of backtest.* int >= 0"),
        ((signal, returns), {"delay": 6}, "delay", "not more than delay=6"),
        ((signal, returns), {"cost": -0.001}, "cost", r"cost .* in \[0, 1\)"),
        ((signal, returns), {"cost": 1.0}, "cost", r"cost .* in \[0, 1\)"),
        ((signal, returns), {"cost": 2.5}, "cost", r"cost .* in \[0, 1\)"),
        (
            (signal, returns),
            {"risk_off": ("bear",)},
            "risk_off",
            r"risk_off names 'bear' \(did you mean 'Bear'\?\) that are not regimes of "
            r"the signal; its regimes "
            r"are \['Bull', 'Sideways', 'Bear'\]",
        ),
        ((signal, returns), {"risk_off": ()}, "risk_off", "regime name"),
        (
            (signal, returns),
            {"cash_returns": gap_cash},
            "cash_returns",
            "cash_returns lacks 3 of the backtest's days",
        ),
        ((signal, returns), {"risk_free": "0"}, "risk_free", "risk_free must be a"),
    ]


@pytest.mark.parametrize(
    ("args", "kwargs", "param", "message"),
    _bad_cases(),
    ids=[case[3][:30] for case in _bad_cases()],
)
def test_bad_input_is_refused_before_work(args, kwargs, param, message):
    with pytest.raises(InvalidParameterError, match=message) as info:
        backtest(*args, **kwargs)
    assert info.value.param == param


def test_percent_advice_gives_the_decimal_backtest():
    """The fix the percent error suggests gives the backtest of the decimal data."""
    signal, returns = _inputs()
    with pytest.raises(InvalidParameterError, match=r"Pass returns / 100") as info:
        backtest(signal, returns * 100, cost=0.0)
    assert "expm1" in str(info.value)
    fixed = backtest(signal, (returns * 100) / 100, cost=0.0)
    pd.testing.assert_frame_equal(
        fixed.equity, backtest(signal, returns, cost=0.0).equity
    )
    assert np.isfinite(fixed.stats.to_numpy()).all()


def test_risk_off_may_be_one_name_and_several():
    signal, returns = _inputs()
    one = backtest(signal, returns, risk_off="Bear")
    pd.testing.assert_series_equal(
        one.position, backtest(signal, returns, risk_off=["Bear"]).position
    )
    both = backtest(signal, returns, risk_off=("Bear", "Bull"))
    assert (both.position == 0).all()
    assert "BacktestResult(risk_off=('Bear',), delay=1" in repr(one)


# ------------------------------------------- daily rates and equity (hostile 7, 11)


@pytest.mark.parametrize("param", ["cash_returns", "risk_free"])
@pytest.mark.parametrize("rate", [0.04, -0.04, 0.5, 0.01])
def test_an_annual_rate_passed_as_daily_is_refused(param, rate):
    """1% a day is about 1,100% a year: a rate that size is an annual one by mistake."""
    signal, returns = _inputs()
    with pytest.raises(InvalidParameterError, match=r"0\.04 / 252 a day") as info:
        backtest(signal, returns, **{param: rate})
    assert info.value.param == param
    as_series = pd.Series(1e-4, index=signal.index)
    as_series.iloc[3] = rate
    with pytest.raises(InvalidParameterError, match=r"0\.04 / 252 a day") as info:
        backtest(signal, returns, **{param: as_series})
    assert info.value.param == param
    # the fix the message gives is accepted (50 % a year as a daily rate is
    # still more than cash earns: warned of, not refused)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnitsWarning)
        stats = backtest(signal, returns, **{param: rate / 252}).stats
    assert np.isfinite(stats).all(axis=None)


@pytest.mark.parametrize("param", ["cash_returns", "risk_free"])
def test_an_annual_rate_below_one_percent_passed_as_daily_is_warned_of(param):
    """Hostile 70, 1: the 1 % bound let 0.5 % or 0.9 % a year through as daily
    rates (cash then earned 258 % or 858 % a year, the rule beat buy-and-hold)."""
    signal, returns = _inputs()
    for annual in (0.005, 0.009, pd.Series(0.0025, index=signal.index)):
        with pytest.warns(UnitsWarning, match="a day compounds to .* divided by 252"):
            backtest(signal, returns, **{param: annual})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        backtest(signal, returns, **{param: 0.04 / 252})  # 4 % a year, as daily
        backtest(signal, returns, **{param: 0.17 / 252})  # 1981's T-bills


@pytest.mark.parametrize("equity", [[1.0, -1.0, 2.0], [1.0, 0.0, 0.5]])
def test_drawdown_refuses_equity_at_or_below_zero(equity):
    with pytest.raises(InvalidParameterError, match="equity must be above 0") as info:
        drawdown(pd.Series(equity))
    assert info.value.param == "equity"


# ------------------------------------------------ years from the dates (hostile 4)


def test_signal_stats_counts_years_from_the_calendar():
    """25 years of months are 25 years, not 300 / 252; daily data about n / 252."""
    from regimes.evaluate import signal_stats

    months = pd.date_range("2000-01-31", periods=300, freq="ME")
    pattern = np.tile(["Bull"] * 10 + ["Bear"] * 2, 25)  # 2 switches a year
    stats = signal_stats(pd.Series(pattern, index=months))
    assert stats["years"] == pytest.approx(25.0, abs=0.01)
    assert stats["switches_per_year"] == pytest.approx(49 / 25, rel=1e-3)
    # daily: 10 calendar years of business days, whatever their count
    days = pd.bdate_range("2010-01-01", "2019-12-31")
    daily = signal_stats(pd.Series("Bull", index=days))
    assert daily["years"] == pytest.approx(10.0, abs=0.01)


@pytest.mark.parametrize("freq", ["W-FRI", "ME", "min", "D"])
def test_annualising_non_daily_data_warns(freq):
    from regimes.evaluate import regime_stats
    from regimes.exceptions import NotDailyWarning

    index = pd.date_range("2001-01-05", periods=120, freq=freq)
    rng = np.random.default_rng(0)
    returns = pd.Series(rng.normal(0.0, 0.01, len(index)), index=index)
    signal = pd.Series(np.where(returns.to_numpy() < 0, "Bear", "Bull"), index=index)
    with pytest.warns(NotDailyWarning, match="252 rows a year") as record:
        backtest(signal, returns)
    assert record[0].filename == __file__  # points at the caller's line
    with pytest.warns(NotDailyWarning, match="regime_stats' ann_mean"):
        regime_stats(signal, returns)


def test_daily_data_with_weekends_and_holidays_do_not_warn():
    from regimes.evaluate import regime_stats

    days = pd.bdate_range("2020-01-01", periods=300).delete([5, 6, 7, 50])
    returns = pd.Series(np.linspace(-0.01, 0.01, len(days)), index=days)
    signal = pd.Series(np.where(returns.to_numpy() < 0, "Bear", "Bull"), index=days)
    backtest(signal, returns)  # filterwarnings=error: any warning fails
    regime_stats(signal, returns)


# ------------------------------------------------- time zones (hostile 20)


@pytest.mark.parametrize(
    ("signal_tz", "returns_tz"),
    [(None, "UTC"), ("UTC", None), ("America/New_York", "UTC"), ("Asia/Tokyo", None)],
)
def test_time_zones_follow_the_one_day_rule(signal_tz, returns_tz):
    """The same local days align whatever zone each input carries."""
    from regimes.evaluate import regime_stats

    signal, returns = _inputs()
    expected = backtest(signal, returns)
    zoned_signal = signal.tz_localize(signal_tz) if signal_tz else signal
    zoned_returns = returns.tz_localize(returns_tz) if returns_tz else returns
    result = backtest(zoned_signal, zoned_returns)  # no AlignmentWarning either
    pd.testing.assert_frame_equal(result.returns, expected.returns)
    pd.testing.assert_frame_equal(
        regime_stats(zoned_signal, zoned_returns), regime_stats(signal, returns)
    )
    lags = detection_lag(zoned_signal, [zoned_signal.index[0]])
    assert lags.tolist() == detection_lag(signal, [signal.index[0]]).tolist()


def test_detection_lag_outside_dates_name_the_parameter():
    signal = _signal(["Bull", "Bear", "Bull"], categories=NAMES)
    with pytest.raises(InvalidParameterError, match="dates must lie within") as info:
        detection_lag(signal, ["1990-01-01"])
    assert info.value.param == "dates"


@pytest.mark.parametrize("zone", [None, "America/New_York"])
def test_a_signal_stamped_at_the_close_meets_returns_at_midnight(zone):
    """Hostile 26: a signal at 16:00 and returns at midnight on the same days
    had 'no date in common' (the message showing the same two ranges);
    detection_lag already read days. One rule: the local date."""
    from regimes.evaluate import regime_stats

    signal, returns = _inputs()
    at_close = signal.copy()
    at_close.index = at_close.index + pd.Timedelta(hours=16)
    if zone is not None:
        at_close.index = at_close.index.tz_localize(zone)
    expected = backtest(signal, returns)
    got = backtest(at_close, returns)
    pd.testing.assert_frame_equal(got.equity, expected.equity)
    pd.testing.assert_frame_equal(
        regime_stats(at_close, returns), regime_stats(signal, returns)
    )


def test_integer_coded_signals_are_named_by_their_text():
    """Hostile 26: signal_stats took a signal of integer codes (hmmlearn's
    predict) but backtest could not: risk_off='2' was 'not regimes of signal',
    its suggested risk_off=(2,) 'must be a regime name (str)'."""
    signal, returns = _inputs()
    names = (
        list(signal.cat.categories) if hasattr(signal, "cat") else sorted(set(signal))
    )
    codes = signal.map({name: i for i, name in enumerate(names)}).astype(int)
    risky = names[-1]
    expected = backtest(signal, returns, risk_off=risky)
    got = backtest(codes, returns, risk_off=str(len(names) - 1))
    pd.testing.assert_series_equal(got.stats["strategy"], expected.stats["strategy"])
    with pytest.raises(InvalidParameterError, match=r"pass '1'"):
        backtest(codes, returns, risk_off=1)


@pytest.mark.parametrize("func", [signal_stats, spells, backtest, regime_stats])
def test_codes_that_are_one_name_as_text_are_refused(func):
    """Hostile 28, H28-2: a signal holding both 1 (from predict) and '1' (read
    from a CSV) failed inside pandas ('categories must be unique') once codes
    were named by their text. Ours says which codes clash and how to merge them."""
    signal, returns = _inputs()
    mixed = pd.Series(
        [(1, "1", "Bear")[i % 3] for i in range(len(signal))],
        index=signal.index,
        dtype=object,
    )
    args = (mixed, returns) if func in (backtest, regime_stats) else (mixed,)
    with pytest.raises(InvalidParameterError, match=r"one name as text \('1'\)") as e:
        func(*args)
    assert e.value.param == "signal"
    assert "astype(str)" in str(e.value)
    # the fix the message suggests is read as two regimes, '1' and 'Bear'
    shares = signal_stats(mixed.astype(str)).filter(like="share[")
    assert list(shares.index) == ["share[1]", "share[Bear]"]


def test_an_unknown_regime_name_is_not_answered_with_another_regime():
    """Hostile 32, H32-1: risk_off='bear' was told 'e.g. risk_off=('Bull',)',
    the last category; followed, the strategy held cash in Bull. The example
    is the regime meant when only case or spaces differ, and none otherwise."""
    signal, returns = _inputs()
    with pytest.raises(InvalidParameterError, match=r"risk_off=\('Bear',\)") as e:
        backtest(signal, returns, risk_off="bear")
    assert "risk_off=('Bull',)" not in str(e.value)
    with pytest.raises(InvalidParameterError, match="matched exactly") as e:
        backtest(signal, returns, risk_off="Crash")
    assert "e.g." not in str(e.value)


def test_the_alignment_advice_runs_where_the_days_differ():
    """Hostile 32, H32-10: the alignment warning advised returns.loc[signal.index],
    which raises KeyError in exactly the case warned about (signal days missing
    from returns). The advice, run as written, aligns both and warns no more."""
    signal, returns = _inputs()
    returns = returns.drop(returns.index[5:15])
    with pytest.warns(AlignmentWarning) as caught:
        backtest(signal, returns)
    advice = str(caught[0].message)
    common = eval(  # the advice's first step, as written
        re.search(r"common = (.*?), then", advice).group(1),
        {"signal": signal, "returns": returns},
    )
    assert "signal.loc[common] and returns.loc[common]" in advice
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        backtest(signal.loc[common], returns.loc[common])


def test_equal_weighted_checks_its_returns_as_backtest_does():
    """Review of stop 31: the public name held no check (a Series raised
    pandas' 'No axis named 1'; percent returns passed). It is now the checked
    definition backtest uses, and averages the columns observed each day."""
    from regimes import evaluate

    days = pd.bdate_range("2024-01-01", periods=3)
    ragged = pd.DataFrame(
        {"A": [0.01, 0.03, -0.02], "B": [-0.01, np.nan, 0.04]}, index=days
    )
    np.testing.assert_allclose(evaluate.equal_weighted(ragged), [0.0, 0.03, 0.01])
    one = evaluate.equal_weighted(ragged["A"])
    np.testing.assert_array_equal(one, ragged["A"])
    with pytest.raises(InvalidParameterError, match="percent"):
        evaluate.equal_weighted(ragged * 100)
    with pytest.raises(InvalidParameterError, match="must be a pandas Series"):
        evaluate.equal_weighted(ragged.to_numpy())
    with pytest.raises(InvalidParameterError, match="no value in any column"):
        evaluate.equal_weighted(ragged.assign(A=[0.01, np.nan, 0.0]))


def test_the_default_risk_off_regime_is_the_riskiest_as_in_the_report():
    """Hostile 33, H33-3: backtest and detection_lag defaulted to the literal
    name "Bear"; with regimes ("Bull", "Bear", "Crash") that is the middle one,
    while the report and the command hold cash in the riskiest (6.04 % against
    11.90 % a year on the sample). The default is now the riskiest regime of an
    ordered signal, or of the default names read back as text; other text names
    must be given."""
    from regimes import evaluate

    days = pd.bdate_range("2024-01-01", periods=6)
    names = ["Bull", "Bear", "Crash"]
    codes = [0, 1, 2, 2, 1, 0]
    ordered = pd.Series(pd.Categorical.from_codes(codes, names, ordered=True), days)
    returns = pd.Series([0.01, -0.01, -0.05, -0.04, 0.01, 0.02], days)
    default = evaluate.backtest(ordered, returns, delay=0, cost=0.0)
    crash = evaluate.backtest(ordered, returns, risk_off="Crash", delay=0, cost=0.0)
    pd.testing.assert_frame_equal(default.returns, crash.returns)
    assert default.risk_off == ("Crash",)
    lag = evaluate.detection_lag(ordered, ["2024-01-01"])
    assert lag.tolist() == [2.0]
    text = ordered.astype(str)  # read back from a file: the order is lost
    with pytest.raises(InvalidParameterError, match="pass risk_off=") as err:
        evaluate.backtest(text, returns)
    assert err.value.param == "risk_off"
    with pytest.raises(InvalidParameterError, match="pass regimes="):
        evaluate.detection_lag(text, ["2024-01-01"])
    defaults = text.map({"Bull": "Bull", "Bear": "Sideways", "Crash": "Bear"})
    assert evaluate.backtest(defaults, returns).risk_off == ("Bear",)


def test_the_default_risk_off_needs_two_regimes_and_knows_the_default_names():
    """Hostile 34, H34-3 and H34-4: a one-regime signal held cash every day by
    default (the report and the command refuse it); the default names as an
    ordered Categorical in alphabetical order (.astype('category').cat
    .as_ordered() of a signal read back) made 'Sideways' the riskiest."""
    from regimes import evaluate

    days = pd.bdate_range("2024-01-01", periods=6)
    returns = pd.Series([0.01, -0.01, -0.05, -0.04, 0.01, 0.02], days)
    one = pd.Series(["Market"] * 6, days).astype("category").cat.as_ordered()
    with pytest.raises(InvalidParameterError, match="one regime") as err:
        evaluate.backtest(one, returns)
    assert err.value.param == "risk_off"
    with pytest.raises(InvalidParameterError, match="one regime"):
        evaluate.detection_lag(one, ["2024-01-02"])
    text = pd.Series(["Bull", "Sideways", "Bear", "Bear", "Sideways", "Bull"], days)
    alphabetical = text.astype("category").cat.as_ordered()
    assert list(alphabetical.cat.categories)[-1] == "Sideways"
    # hostile 36, H36-2: a model named ('Bear', 'Bull', 'Sideways') writes the
    # same Categorical, with Sideways the riskiest: neither is guessed
    with pytest.raises(InvalidParameterError, match="default names in another order"):
        evaluate.backtest(alphabetical, returns)
    assert evaluate.backtest(text, returns).risk_off == ("Bear",)


def test_an_ordered_signal_of_the_default_words_in_another_order_is_not_guessed():
    """Hostile 35, H35-1: a model named ('Bull', 'Bear', 'Sideways') writes an
    ordered signal whose riskiest regime is 'Sideways' (the report and the
    command hold cash there); the default-names rule took 'Bear'. The default
    words in another order are refused without risk_off= (hostile 36, H36-2:
    the alphabetical order looks the same); other names keep their order."""
    from regimes import evaluate

    days = pd.bdate_range("2024-01-01", periods=6)
    returns = pd.Series([0.01, -0.01, -0.05, -0.04, 0.01, 0.02], days)
    names = ["Bull", "Bear", "Sideways"]
    ordered = pd.Series(
        pd.Categorical.from_codes([0, 1, 2, 2, 1, 0], names, ordered=True), days
    )
    with pytest.raises(InvalidParameterError, match="another order") as err:
        evaluate.backtest(ordered, returns)
    assert err.value.param == "risk_off"
    with pytest.raises(InvalidParameterError, match="another order"):
        evaluate.detection_lag(ordered, ["2024-01-01"])
    assert evaluate.backtest(ordered, returns, "Sideways").risk_off == ("Sideways",)
    own = ordered.cat.rename_categories(["Calm", "Dip", "Storm"])
    assert evaluate.backtest(own, returns).risk_off == ("Storm",)


def test_returns_in_another_zone_are_read_in_the_signals():
    """Hostile 37, H37-5: the same closes with the signal in New York and the
    returns converted to Tokyo (where the close is the next morning) were paired
    by their own local dates: each return earned on the signal of its own close,
    a look-ahead (Sharpe 5.96 against -0.02). Returns are read in the signal's
    zone, as the report reads them."""
    from regimes import evaluate

    rng = np.random.default_rng(0)
    days = pd.bdate_range("2020-01-01", periods=400) + pd.Timedelta(hours=16)
    simple = pd.Series(rng.normal(0, 0.01, 400), days.tz_localize("America/New_York"))
    bear = np.where(simple.to_numpy() < 0, "Bear", "Bull")
    signal = pd.Series(
        pd.Categorical(bear, ["Bull", "Bear"], ordered=True), simple.index
    )
    honest = evaluate.backtest(signal, simple, cost=0.0)
    tokyo = simple.tz_convert("Asia/Tokyo")
    mixed = evaluate.backtest(signal, tokyo, cost=0.0, cash_returns=tokyo * 0)
    pd.testing.assert_frame_equal(mixed.stats, honest.stats)
    pd.testing.assert_frame_equal(
        evaluate.regime_stats(signal, tokyo), evaluate.regime_stats(signal, simple)
    )


@pytest.mark.parametrize("zone", ["Asia/Tokyo", "UTC", "America/New_York"])
def test_a_signal_of_dates_in_any_zone_meets_returns_at_the_close(zone):
    """H41-2: a signal stamped at midnight (dates) in Tokyo beside returns at New
    York's close: the returns were converted to Tokyo, where the close is the
    next day, and paired with the signal a day late (total return 0.22 against
    0.40). Dates pair by their dates, whichever side is dates."""
    from regimes import evaluate

    signal, returns = _inputs()
    expected = backtest(signal, returns)
    at_close = returns.copy()
    at_close.index = (at_close.index + pd.Timedelta(hours=16)).tz_localize(
        "America/New_York"
    )
    dated = signal.tz_localize(zone)
    got = backtest(dated, at_close)
    pd.testing.assert_frame_equal(got.stats, expected.stats)
    pd.testing.assert_frame_equal(
        evaluate.regime_stats(dated, at_close), evaluate.regime_stats(signal, returns)
    )


def test_detection_lag_reads_an_instant_in_the_signals_zone():
    """H41-12: New York's close of 2021-01-04 given in Tokyo time was read as
    2021-01-05, a lag one day short; backtest and regime_stats already read
    their returns in the signal's zone."""
    days = pd.bdate_range("2021-01-01", periods=30) + pd.Timedelta(hours=16)
    names = ["Bull"] * 20 + ["Bear"] * 10
    signal = pd.Series(
        pd.Categorical(names, ["Bull", "Bear"], ordered=True),
        days.tz_localize("America/New_York"),
    )
    close = signal.index[1]
    lag = detection_lag(signal, [close])
    assert detection_lag(signal, [close.tz_convert("Asia/Tokyo")]).equals(lag)
    assert lag.index[0] == pd.Timestamp("2021-01-04") and lag.iloc[0] == 19


def test_risk_off_naming_every_regime_is_refused_as_one_regime_is():
    """H41-11: cash every day (Sharpe NaN) was backtested without a word, while
    a one-regime signal is refused for that reason."""
    signal, returns = _inputs()
    every = [str(c) for c in signal.astype("category").cat.categories]
    with pytest.raises(InvalidParameterError, match="names every regime") as err:
        backtest(signal, returns, risk_off=every)
    assert err.value.param == "risk_off"
    assert backtest(signal, returns, risk_off=every[-1:]).stats.notna().any().all()


def test_regime_names_are_compared_as_the_parameters_take_them():
    """Hostile 37, H37-3 and H37-9: risk_off= is read without surrounding
    spaces, the signal's names were not: 'Bear ' alone was refused with advice
    to pass what was passed, and beside 'Bear' the backtest went to cash in
    'Bear' in silence. A DataFrame given as names was read as its column labels
    (a mask with a column 'Bear' became risk_off=('Bear',))."""
    from regimes import evaluate

    days = pd.bdate_range("2024-01-01", periods=4)
    returns = pd.Series([0.01, -0.02, 0.01, 0.0], days)
    spaced = pd.Series(["Bull", "Bear ", "Bear ", "Bull"], days)
    result = evaluate.backtest(spaced, returns, risk_off="Bear", delay=0, cost=0.0)
    assert result.position.tolist() == [1.0, 0.0, 0.0, 1.0]
    both = pd.Series(["Bull", "Bear ", "Bear", "Bull"], days)
    with pytest.raises(InvalidParameterError, match="one name as text") as err:
        evaluate.backtest(both, returns, risk_off="Bear")
    assert err.value.param == "signal"
    mask = pd.DataFrame({"Bear": [True, False, False, True]}, index=days)
    with pytest.raises(InvalidParameterError) as err:
        evaluate.backtest(spaced, returns, risk_off=mask)
    assert err.value.param == "risk_off"


def test_did_you_mean_folds_case_as_unicode_does_and_runs_of_spaces():
    """Hostile 46, H46-9: 'STRASSE' got no hint for 'Straße' (str.lower), nor
    'bear  market' (two spaces) for 'Bear market'."""
    days = pd.bdate_range("2021-01-04", periods=6)
    signal = pd.Series(["Straße", "Bear market", "Calm"] * 2, index=days)
    returns = pd.DataFrame({"A": [0.01, -0.02, 0.0] * 2}, index=days)
    for given, meant in [("STRASSE", "Straße"), ("bear  market", "Bear market")]:
        with pytest.raises(InvalidParameterError) as e:
            backtest(signal, returns, risk_off=given)
        assert f"(did you mean {meant!r}?)" in str(e.value)
        assert f"e.g. risk_off=({meant!r},)" in str(e.value)


def test_prices_and_gross_returns_are_named_so_not_percent():
    """Hostile 46, H46-2: gross returns (1 + r) and prices were called percent
    returns, with the advice to divide by 100; followed, gross / 100 passed and
    buy-and-hold returned 1,128 % a year (truth 8 %). They are named for what
    they are, with the conversion that gives simple returns."""
    days = pd.bdate_range("2020-01-01", periods=300)
    simple = pd.Series(np.random.default_rng(0).normal(3e-4, 0.01, 300), index=days)
    blocks = np.repeat(["Bull", "Bear", "Sideways", "Bull", "Bear"], 60)
    signal = pd.Series(pd.Categorical(blocks, NAMES, ordered=True), index=days)
    prices = 100 * (1 + simple).cumprod()
    for given in [1 + simple, prices]:
        with pytest.raises(InvalidParameterError, match="prices or gross returns") as e:
            backtest(signal, given)
        assert "percent" not in str(e.value) and "/ 100" not in str(e.value)
        assert f"(median {given.median():.4g})" in str(e.value)
    later = signal.iloc[1:]  # pct_change has no first day
    fixed = backtest(later, prices.pct_change().dropna()).stats
    truth = backtest(later, simple.iloc[1:]).stats
    pd.testing.assert_frame_equal(fixed, truth, rtol=1e-9)
    # percent returns still get the percent advice
    with pytest.raises(InvalidParameterError, match="look like percent"):
        backtest(signal, 100 * simple)


def test_did_you_mean_names_the_closest_of_regimes_that_fold_alike():
    """Hostile 47, H47-4: with regimes 'Bear  Market' and 'Bear market',
    risk_off='bear market' was pointed to the first ('Bear  Market'), though it
    differs from 'Bear market' only by case; pasted, the example backtests the
    wrong regime. The least different is named, none when two tie."""
    days = pd.bdate_range("2021-01-04", periods=6)
    names = ["Bear  Market", "Bear market", "Calm"]
    signal = pd.Series(names * 2, index=days)
    returns = pd.DataFrame({"A": [0.01, -0.02, 0.0] * 2}, index=days)
    for given, meant in [
        ("bear market", "Bear market"),
        ("Bear Market", "Bear  Market"),
    ]:
        with pytest.raises(InvalidParameterError) as e:
            backtest(signal, returns, risk_off=given)
        assert f"(did you mean {meant!r}?)" in str(e.value), str(e.value)
    tied = pd.Series(["Up", "UP", "Calm"] * 2, index=days)
    with pytest.raises(InvalidParameterError) as e:
        backtest(tied, returns, risk_off="up")
    # hostile 71, 4: a signal whose regimes differ only in case is refused itself
    assert "did you mean" not in str(e.value) and "differ only in case" in str(e.value)


def test_prices_below_one_are_not_compounded_as_returns():
    """Hostile 47, H47-1: penny-stock prices near 0.2 were told to be divided by
    100 (then passed, +54 % a year without a drawdown), and an FX rate near
    0.009 passed without a word (+752 % a year). No returns stay half a percent
    or more above zero every day: such values are prices, or a cash fund's
    returns in percent, and the message gives both conversions. A money-market
    fund's decimal returns (1.4e-5 a day) are still returns."""
    days = pd.bdate_range("2020-01-01", periods=300)
    rng = np.random.default_rng(1)
    walk = np.exp(np.cumsum(rng.normal(0, 0.01, 300)))
    signal = pd.Series(
        pd.Categorical(
            np.repeat(["Bull", "Bear", "Sideways"], 100), NAMES, ordered=True
        ),
        index=days,
    )
    cash = 0.02 * (1 + rng.normal(0, 0.01, 300))  # 5 % a year, in percent
    for values in (0.2 * walk, 0.009 * walk, cash):
        with pytest.raises(InvalidParameterError, match="look like prices, not") as e:
            backtest(signal, pd.Series(values, index=days))
        assert "pct_change()" in str(e.value) and "/ 100 if they are a cash" in str(
            e.value
        )
    money_market = pd.Series(1.4e-5 * (1 + rng.normal(0, 0.02, 300)), index=days)
    assert backtest(signal, money_market).stats.loc["n_days", "buy_and_hold"] == 299
    # a rate's own rule speaks for cash_returns and risk_free (H48-1): an annual
    # rate told to be divided by 100 would be 13 % a year for 5 %
    equities = pd.Series(rng.normal(3e-4, 0.01, 300), index=days)
    annual = pd.Series(0.05 * (1 + rng.normal(0, 0.01, 300)), index=days)
    for name in ("cash_returns", "risk_free"):
        with pytest.raises(InvalidParameterError, match="0.04 / 252 a day") as e:
            backtest(signal, equities, **{name: annual})
        assert "/ 100" not in str(e.value)


def test_gross_cash_returns_are_told_to_subtract_one():
    """Hostile 49, H49-3: gross returns (1 + r) given as cash_returns or
    risk_free were called percent and told '/ 100', which the daily-rate rule
    then refused as an annual rate. They are named as gross returns, '- 1'."""
    days = pd.bdate_range("2020-01-01", periods=300)
    rng = np.random.default_rng(2)
    blocks = np.repeat(["Bull", "Bear", "Sideways"], 100)
    signal = pd.Series(pd.Categorical(blocks, NAMES, ordered=True), index=days)
    equities = pd.Series(rng.normal(3e-4, 0.01, 300), index=days)
    gross = pd.Series(1.0001 + rng.normal(0, 1e-6, 300), index=days)
    for name in ("cash_returns", "risk_free"):
        with pytest.raises(InvalidParameterError, match="gross returns") as e:
            backtest(signal, equities, **{name: gross})
        assert f"{name} - 1" in str(e.value) and "/ 100" not in str(e.value)


def test_one_day_is_no_annual_return_and_an_empty_column_is_named():
    """Hostile 49: a backtest left with one day printed an annual return of
    -64 % from a -0.4 % day (H49-4; its volatility was NaN already), and an
    equal-weighted column without any value dropped out with only numpy's
    'All-NaN slice' (H49-5)."""
    signal, returns = _inputs()
    with warnings.catch_warnings():  # its one signal day may be no Bear day
        warnings.simplefilter("ignore", DataWarning)
        one = backtest(signal, returns, delay=len(signal) - 1).stats
    assert one.loc["n_days", "strategy"] == 1
    assert one.loc[["ann_return", "ann_vol"]].isna().all().all()
    assert np.isfinite(backtest(signal, returns).stats.loc["ann_return"]).all()
    frame = returns.to_frame("A").assign(B=np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(InvalidParameterError, match=r"columns \['B'\] without"):
            equal_weighted(frame)


def test_a_rate_not_finite_or_in_percent_is_named_so():
    """Hostile 54, 1-2: NaN or inf as a rate was blamed on an annual rate, and a
    cash fund's daily returns in percent were told only '/ 252', which runs the
    cash 2.5 times too low; both readings are given now."""
    from regimes.evaluate import backtest

    days = pd.bdate_range("2022-01-03", periods=120)
    rng = np.random.default_rng(2)
    returns = pd.Series(rng.normal(4e-4, 0.01, 120), index=days)
    signal = pd.Series(np.where(np.arange(120) % 40 < 20, "Bull", "Bear"), index=days)
    for rate in (np.nan, np.inf):
        with pytest.raises(InvalidParameterError, match="must be a finite number"):
            backtest(signal, returns, cash_returns=rate)
    percent = pd.Series(0.013 + rng.normal(0, 2e-5, 120), index=days)
    with pytest.raises(InvalidParameterError, match="divided by 100") as e:
        backtest(signal, returns, cash_returns=percent)
    assert "0.04 / 252" in str(e.value)


def test_a_text_signal_without_its_riskiest_regime_is_never_risk_off():
    """Hostile 70, 3: a signal read back as text (regimes.csv cut to a calm
    window) lacked Bear: the default asked for regimes=, and regimes='Bear' was
    then refused as no regime of the signal. As for the package's own
    Categorical, which lists every regime, a default name that never occurs is
    never in force; other names are still refused."""
    days = pd.bdate_range("2017-01-02", periods=10)
    text = pd.Series(["Bull"] * 5 + ["Sideways"] * 5, index=days)
    returns = pd.Series(0.001, index=days)
    ordered = text.astype(pd.CategoricalDtype(NAMES, ordered=True))
    want = detection_lag(ordered, ["2017-01-03"])
    assert want.isna().all()
    for regimes in (None, "Bear"):
        got = detection_lag(text, ["2017-01-03"], regimes=regimes)
        pd.testing.assert_series_equal(got, want)
    for risk_off in (None, "Bear", ("Bear",)):
        # hostile 71, 5: said, as the rule is then buy-and-hold
        with pytest.warns(DataWarning, match=r"risk_off \['Bear'\] never occurs"):
            stats = backtest(text, returns, risk_off=risk_off).stats
        assert stats.loc["time_in_market", "strategy"] == 1.0
    with pytest.raises(InvalidParameterError, match="'Crash' that are not regimes"):
        detection_lag(text, ["2017-01-03"], regimes="Crash")


def test_a_negative_cash_rate_is_said_with_its_sign():
    """Hostile 71, 10: -0.95 % a day was said to compound to +983 % a year."""
    signal, returns = _inputs()
    with pytest.warns(UnitsWarning, match=r"-0\.0095 a day compounds to -91%"):
        backtest(signal, returns, cash_returns=-0.0095)


def test_a_weekly_signal_beside_daily_returns_is_told_how_to_hold_it():
    """Hostile 88, 6: a weekly signal backtested on daily returns kept the
    Fridays alone (118 of 600 days), and the warnings advised daily returns,
    which were given. The alignment warning says the signal is weekly and how
    to hold each signal until the next; followed, every day is backtested."""
    signal, returns = _random_inputs(n=300)
    weekly = signal[signal.index.day_of_week == 4]
    from regimes.exceptions import NotDailyWarning

    with (
        pytest.warns(
            AlignmentWarning, match="every week and the returns every day"
        ) as w,
        pytest.warns(NotDailyWarning),  # the Fridays alone: 7 days apart
    ):
        backtest(weekly, returns)
    w = [x for x in w if x.category is AlignmentWarning]
    advice = re.search(r"pass (signal\.reindex\(.*?\)\.dropna\(\))", str(w[0].message))
    held = eval(advice.group(1), {"signal": weekly, "returns": returns})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = backtest(held, returns)
    assert len(result.returns) == len(returns.loc[held.index[0] :]) - 1
    # hostile 89: a signal that stops is not held for years (the hold has a
    # limit); a signal dated on Sundays, no day in common, gets the advice too;
    # every other day is sparser too
    stopped = eval(advice.group(1), {"signal": weekly.iloc[:10], "returns": returns})
    assert stopped.index[-1] <= weekly.index[9] + pd.Timedelta(days=14)
    sundays = weekly.set_axis(weekly.index + pd.Timedelta(days=2))
    with pytest.raises(InvalidParameterError, match="no date in common. The signal"):
        backtest(sundays, returns)
    with (
        pytest.warns(AlignmentWarning, match="method='ffill', limit=3"),
        pytest.warns(NotDailyWarning, match="131 rows a calendar year"),
    ):
        backtest(signal.iloc[::2], returns)
