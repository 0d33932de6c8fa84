"""Values far out (regimes._far): one rule, said wherever returns come in.

Hostile 81 found the first version's holes: a sixth tick in a column silenced
the rule, decoded days were never judged, the walk-forward judged a calm window
by a crisis span's scale, and columns mostly 0 were skipped.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

from regimes import RegimeModel, evaluate, walk_forward
from regimes._far import FAR_SHOWN, JUMP, far_values
from regimes.data import load_sample, prepare_returns
from regimes.exceptions import (
    FarValuesWarning,
    InvalidParameterError,
    RegimeFitError,
    UnitsWarning,
)


def _said(caught: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in caught if "far out" in str(w.message)]


def _run(func, *args, **kwargs):
    """``func``'s result and the far-out warnings it gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = func(*args, **kwargs)
    return result, _said(caught)


def test_many_ticks_in_one_column_are_all_counted():
    """Hostile 81, 1a: six ticks of 500 MADs in one column passed the fit in
    silence (the rule left out columns with more than five), and Bear's mean
    was +12,842 % a year. They are listed, the furthest five and the count."""
    returns = load_sample().iloc[-2000:].copy()
    energy = returns["Energy"]
    tick = energy.median() + 500 * (energy - energy.median()).abs().median()
    rows = np.linspace(100, 1900, 6).astype(int)
    returns.iloc[rows, returns.columns.get_loc("Energy")] = tick
    _, said = _run(RegimeModel(n_init=1, random_state=0).fit, returns)
    assert len(said) == 1
    assert said[0].startswith("returns: 6 values far out: ")
    assert said[0].count("in 'Energy' on") == FAR_SHOWN
    assert "and 1 more" in said[0]
    _, said = _run(evaluate.equal_weighted, np.expm1(returns))
    assert len(said) == 1 and "6 values far out" in said[0]


def test_a_change_of_scale_is_not_a_tick():
    """A column whose scale changes (a calm year, then a crisis; a peg that
    ends; a switch to percent) has new days ordinary beside the days after
    them: none is named."""
    rng = np.random.default_rng(3)
    days = pd.bdate_range("2010-01-01", periods=1000)
    calm_then_wild = np.concatenate(
        [rng.normal(0, 1e-4, 500), rng.normal(0, 0.02, 500)]
    )
    switch = rng.normal(0, 0.01, 1000) * np.where(np.arange(1000) < 600, 1, 100)
    frame = pd.DataFrame({"peg": calm_then_wild, "units": switch}, days)
    assert far_values(frame.to_numpy()) == []
    frame.iloc[250, 0] = 0.05  # a tick inside the peg: 500 of its MADs
    (found,) = far_values(frame.to_numpy())
    assert (found.row, found.column) == (250, 0)


def test_a_stretch_in_percent_is_named_in_the_backtests():
    """Hostile 81, 1c: 20 days of one column in percent (x100) made buy-and-hold
    return 79x instead of 1.1x, silently. The units rule, which the backtests
    now run as the fit does, judges fortnights and months as well as quarters."""
    simple = np.expm1(load_sample().iloc[-1500:])
    column = "Consumer Staples"
    short = simple.copy()
    j = short.columns.get_loc(column)
    quiet = np.flatnonzero(short[column].abs().to_numpy() < 0.009)  # x100 > -1
    short.iloc[quiet[-320:-300], j] *= 100
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        evaluate.equal_weighted(short)
    said = [w for w in caught if issubclass(w.category, UnitsWarning)]
    assert len(said) == 1 and f"{column} from" in str(said[0].message)


def test_days_below_minus_one_among_small_moves_are_told_as_percent():
    """Hostile 81, 1d: a few percent days below -100 % were told to convert
    log returns with np.expm1, which turned them into gains of 2,400 %."""
    simple = np.expm1(load_sample().iloc[-500:, :2])
    simple.iloc[100, 0] = -3.45
    with pytest.raises(InvalidParameterError, match="a few days in percent") as e:
        evaluate.equal_weighted(simple)
    assert f"on {simple.index[100]:%Y-%m-%d} (1 value(s) below -1)" in str(e.value)


@pytest.mark.parametrize("rows", [100, 5])
def test_a_decoded_tick_is_named(rows):
    """Hostile 81, 2: a tick in decoded data turned the day to Bear with
    probability 1, without a word. Enough days judge themselves; a few (a daily
    run's newest) are judged against the training data's scale."""
    returns = load_sample().iloc[-800:]
    model = RegimeModel(n_init=1, random_state=0).fit(returns.iloc[:-100])
    new = returns.iloc[-rows:].copy()
    new.iloc[-1, 3] = 3.0
    for decode in (model.predict, model.predict_online, model.filter_proba):
        _, said = _run(decode, new)
        assert len(said) == 1, decode
        assert f"3 in '{new.columns[3]}' on {new.index[-1]:%Y-%m-%d}" in said[0]
        assert "called the widest regime by itself" in said[0]
    _, said = _run(model.predict, returns.iloc[-rows:])
    assert said == []


def test_the_walk_forward_names_a_tick_it_decodes_or_a_calm_window_trains_on():
    """Hostile 81, 2 and 3: a tick on the walk's last day (decoded only), and
    one in a calm window that the whole span's crisis scale hid (95 MADs of the
    span, the first refit's Bear mean -184 % a year)."""
    model = RegimeModel(n_init=1, random_state=0, covariance_type="tied")
    last = load_sample().iloc[-800:].copy()
    last.iloc[-1, 3] = 3.0
    _, said = _run(walk_forward, last, model, refit="Q", progress=False)
    assert len(said) == 1 and f"on {last.index[-1]:%Y-%m-%d}" in said[0]
    calm = load_sample().loc["2004":"2010"].copy()
    calm.iloc[200, 3] = 0.976
    _, said = _run(walk_forward, calm, model, refit="Y", progress=False)
    assert len(said) == 1 and f"0.976 in '{calm.columns[3]}'" in said[0]


def test_a_resumed_walk_names_only_the_days_it_adds():
    """Hostile 81, 9: the daily run repeated an old training tick at every run."""
    model = RegimeModel(2, n_init=1, random_state=0)
    returns = load_sample().iloc[-900:].copy()
    returns.iloc[700, 2] = 3.0
    first, said = _run(
        walk_forward, returns.iloc[:-50], model, refit="Q", progress=False
    )
    assert len(said) == 1
    _, said = _run(
        walk_forward, returns, model, refit="Q", progress=False, resume=first
    )
    assert said == []
    returns.iloc[-10, 4] = 2.5
    _, said = _run(
        walk_forward, returns, model, refit="Q", progress=False, resume=first
    )
    assert len(said) == 1 and "1 value far out: 2.5" in said[0]


def test_a_column_mostly_zero_is_judged_by_its_moves():
    """Hostile 81, 4: a column 0 on most days (an illiquid asset) has a MAD of 0,
    and a +500 % tick in it passed the backtests and loaders in silence."""
    rng = np.random.default_rng(4)
    days = pd.bdate_range("2015-01-01", periods=600)
    moves = rng.normal(0, 0.02, 600) * (rng.random(600) < 0.4)
    frame = pd.DataFrame({"illiquid": moves, "liquid": rng.normal(0, 0.01, 600)}, days)
    frame.iloc[300, 0] = 5.0
    _, said = _run(evaluate.equal_weighted, frame)
    assert len(said) == 1 and "5 in 'illiquid'" in said[0]
    _, said = _run(prepare_returns, frame, kind="returns")
    assert len(said) == 1 and re.search(r"^frame: 1 value far out", said[0])


def test_a_price_typed_x10_for_a_day_is_a_bad_tick_not_two_splits():
    """Hostile 81, 6: a price x10 for one day was told as a 1-for-10 reverse
    split and a 10-for-1 split, with the advice to divide the prices before it.
    In March 2020 its two returns are under 100 MADs of the crisis around them,
    so the far rule alone would not name it: the price rule does, once."""
    from regimes.exceptions import SplitWarning

    returns = load_sample().loc["2019":"2021"]
    prices = 100 * np.exp(returns.cumsum())
    prices.iloc[300, 1] *= 10
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        prepare_returns(prices, kind="prices")
    said = [str(w.message) for w in caught]
    assert not any(isinstance(w.message, SplitWarning) for w in caught)
    assert len(said) == 1
    day, back = (f"{prices.index[r]:%Y-%m-%d}" for r in (300, 301))
    assert f"'Financials' +811.1% on {day} and back on {back}" in said[0]
    # the crisis's own swings and back (-11 %, +11 %) are not ticks
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        prepare_returns(100 * np.exp(returns.cumsum()), kind="prices")


def test_compare_says_a_day_far_out_once():
    """Hostile 81, 9: compare said one tick five times (once per fit, with
    other figures); it checks the frame once and its fits judge it no more.
    Weekly rows still get their one FrequencyWarning."""
    from regimes import compare
    from regimes.exceptions import FrequencyWarning

    returns = load_sample().iloc[-1500:, :3].copy()
    returns.iloc[700, 1] = 3.0
    table, said = _run(
        compare,
        returns,
        n_regimes=(1, 2),
        covariance_types=("diag",),
        model=RegimeModel(n_init=1, random_state=0),
    )
    assert len(said) == 1 and table["error"].eq("").all()
    weekly = load_sample().resample("W-FRI").sum().iloc[-600:, :2]
    with pytest.warns(FrequencyWarning) as record:
        compare(
            weekly,
            n_regimes=(1, 2),
            covariance_types=("diag",),
            model=RegimeModel(n_init=1, random_state=0),
        )
    assert sum(isinstance(w.message, FrequencyWarning) for w in record) == 1


def test_bad_prices_over_a_gap_or_two_days_are_one_tick():
    """Hostile 82, 5: a price x10 with the next price missing, or bad on two
    days in a row, was told as a reverse split and a split."""
    from regimes.exceptions import SplitWarning

    prices = 100 * np.exp(load_sample().loc["2019":"2021"].iloc[:, :3].cumsum())
    gap = prices.copy()
    gap.iloc[300, 1] *= 10
    gap.iloc[301, 1] = np.nan
    two = prices.copy()
    two.iloc[300:302, 1] *= 10
    for frame, back in ((gap, 302), (two, 302)):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            prepare_returns(frame, kind="prices", missing="keep")
        assert not any(isinstance(w.message, SplitWarning) for w in caught)
        said = [str(w.message) for w in caught if "jumps" in str(w.message)]
        assert len(said) == 1
        assert f"and back on {frame.index[back]:%Y-%m-%d}" in said[0]


def test_a_cash_column_accruing_over_weekends_is_not_far_out():
    """Hostile 82, 1: a money-market column (1.5e-4 a day, give or take 1e-7)
    is three times larger on Mondays; the fit refused it (3,180 MADs) and the
    loader listed every Monday. Its spread is at least a twentieth of its
    level: its Mondays pass, a x10 tick in it does not."""
    returns = load_sample().iloc[-1000:, :3].copy()
    gap = np.r_[1, (returns.index[1:] - returns.index[:-1]).days]
    noise = np.random.default_rng(0).normal(0, 1e-7, len(returns))
    returns["MMF"] = gap * (0.055 / 365) + noise
    from regimes._validation import check_returns  # the fit's check of its data

    _, said = _run(check_returns, returns, for_fit=True)  # not refused either
    assert said == []
    _, said = _run(evaluate.equal_weighted, returns)
    assert said == []
    returns.iloc[500, 3] *= 10
    _, said = _run(evaluate.equal_weighted, returns)
    assert len(said) == 1 and "in 'MMF'" in said[0]


def test_a_column_observed_once_a_month_is_judged_by_its_months():
    """Hostile 82, 2: sides of 63 rows held 3 monthly values, fewer than the 10
    a side needs, so a +400 % NAV passed the fit (Bear 4 % -> 49 % of days)."""
    returns = load_sample().iloc[-1500:, :3].copy()
    nav = pd.Series(np.nan, index=returns.index)
    months = returns.index[::21]
    nav[months] = np.random.default_rng(0).normal(0.005, 0.03, len(months))
    nav[months[40]] = 4.0
    returns["PE fund"] = nav
    model = RegimeModel(n_init=1, random_state=0, missing="marginalize")
    _, said = _run(model.fit, returns)
    assert len(said) == 1 and f"4 in 'PE fund' on {months[40]:%Y-%m-%d}" in said[0]


@pytest.mark.parametrize("rows", [11, 15, 19])
def test_decoded_days_too_few_to_judge_themselves_meet_the_training_scale(rows):
    """Hostile 82, 3: between 11 and 19 rows the middle rows had fewer than 10
    values on each side, and were judged by nothing."""
    returns = load_sample().iloc[-1600:]
    model = RegimeModel(n_init=1, random_state=0).fit(returns.iloc[:-100])
    new = returns.iloc[-100 : -100 + rows].copy()
    new.iloc[rows // 2, 0] = 1.5
    _, said = _run(model.predict, new)
    assert len(said) == 1 and "training standard deviations" in said[0]


def test_a_tick_in_a_calm_stretch_beside_a_wild_one_is_named():
    """Hostile 82, 4: the shortcut looked only at values 20 MADs of the whole
    column, and a tick 124 MADs out of a peg was 16 of the column's (peg, then
    float)."""
    rng = np.random.default_rng(2)
    fx = np.r_[rng.normal(0, 1e-4, 700), rng.normal(0, 6e-3, 800)]
    fx[300] = 0.008
    (found,) = far_values(fx[:, None])
    assert found.row == 300 and found.distance > 100


def test_a_day_that_doubles_or_halves_is_named_in_a_volatile_quarter():
    """Hostile 83, S1-S4: 100 MADs is a wide net where the quarter is wild.
    +146 % in a day of 2022's Technology (54 MADs) took Bear to itself; a
    doubled newest price in a daily file, +172 % decoded among 5 new days and
    a x10 return in a column seen on one day in ten passed in silence. A move
    that doubles or halves a price, 20 MADs out, is named."""
    returns = load_sample().iloc[-1200:, :3]
    wild = returns.copy()
    wild.iloc[1100, 0] = 0.9
    _, said = _run(RegimeModel(n_init=1, random_state=0).fit, wild)
    assert len(said) == 1 and "0.9 in 'Technology'" in said[0]
    prices = 100 * np.exp(returns.cumsum())
    prices.iloc[-1, 0] *= 2  # the newest price typed x2
    _, said = _run(prepare_returns, prices, kind="prices")
    assert len(said) == 1 and f"on {prices.index[-1]:%Y-%m-%d}" in said[0]
    model = RegimeModel(n_init=1, random_state=0).fit(returns.iloc[:-20])
    for move in (1.0, -0.7):
        new = returns.iloc[-5:].copy()
        new.iloc[-1, 0] = move
        _, said = _run(model.predict, new)
        assert len(said) == 1 and "training standard deviations" in said[0]
    rng = np.random.default_rng(0)
    sparse = np.where(rng.random(1200) < 0.9, np.nan, rng.normal(0, 0.03, 1200))
    sparse[700] = np.log(10)
    marginal = RegimeModel(n_init=1, random_state=0, missing="marginalize")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        marginal.fit(returns.assign(Illiquid=sparse))
    said = _said(caught)
    assert len(said) == 1 and "in 'Illiquid'" in said[0]
    # the sample, in decimals and in percent, has no such day
    assert far_values(load_sample().to_numpy()) == []
    assert far_values(100 * load_sample().to_numpy(), jump=100 * JUMP) == []


def test_a_split_on_the_newest_day_may_be_a_bad_price():
    """Hostile 83, A3: a x10 newest price was told only as a reverse split, to
    fix by rescaling the whole history."""
    from regimes.exceptions import SplitWarning

    prices = 100 * np.exp(load_sample().iloc[-300:, :3].cumsum())
    prices.iloc[-1, 0] *= 10
    with pytest.warns(SplitWarning, match="On the newest day it may also be a bad"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FarValuesWarning)
            prepare_returns(prices, kind="prices")


def test_a_resumed_walk_says_old_gross_days_no_more():
    """Hostile 83, D: every resume warned again of the old gross days, in two
    texts (the frame's and the period's)."""
    model = RegimeModel(2, n_init=1, random_state=0)
    returns = load_sample().iloc[-900:, :3].copy()
    returns.iloc[700] = 1 + returns.iloc[700]  # a row of gross returns
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first = walk_forward(returns.iloc[:-50], model, refit="Q", progress=False)
    gross = [w for w in caught if "gross returns" in str(w.message)]
    assert len(gross) == 1
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        walk_forward(returns, model, refit="Q", progress=False, resume=first)
    assert not [w for w in caught if "gross returns" in str(w.message)]


def test_a_halving_in_simple_returns_and_a_weekly_jump_are_named():
    """Hostile 84, 1a and 1b: -0.5 (a price halved, as a simple return) was
    below the doubling's 0.573 and 64 MADs out: Bear's mean went from -1 % to
    -119 % a year, in silence. Weekly rows had no such rule: +60 % in a week
    (61 MADs) made a regime of 1 % of the weeks at +312 % a year."""
    returns = load_sample().iloc[-2000:]
    halved = returns.copy()
    halved.loc["2022-06-13", "Consumer Staples"] = -0.5
    _, said = _run(RegimeModel(n_init=1, random_state=0).fit, halved)
    assert len(said) == 1 and "-0.5 in 'Consumer Staples' on 2022-06-13" in said[0]
    weekly = np.expm1(load_sample().iloc[-4000:].resample("W-FRI").sum())
    weekly.loc["2017-06-16", "Consumer Staples"] = 0.6
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:  # said before the work; the week can take a regime of its own
            RegimeModel(n_init=1, random_state=0).fit(weekly)
        except RegimeFitError as error:
            assert "collapsed onto the 1 value far out: 0.6" in str(error)
    said = _said(caught)
    assert len(said) == 1 and "0.6 in 'Consumer Staples' on 2017-06-16" in said[0]
    clean = np.expm1(load_sample().iloc[-4000:].resample("W-FRI").sum())
    assert far_values(clean.to_numpy()) == []


def test_a_resumed_walk_says_a_fix_takes_a_new_state_folder():
    """Hostile 84, 3a: a daily run's advice to fix or drop a day far out was
    refused on the next run, as data that differ from the logged ones."""
    model = RegimeModel(2, n_init=1, random_state=0)
    returns = load_sample().iloc[-900:, :3].copy()
    first = walk_forward(returns.iloc[:-20], model, refit="Q", progress=False)
    returns.iloc[-5, 1] = 1.0
    _, said = _run(
        walk_forward, returns, model, refit="Q", progress=False, resume=first
    )
    assert len(said) == 1 and "takes a new state folder" in said[0]
    _, said = _run(walk_forward, returns, model, refit="Q", progress=False)
    assert len(said) == 1 and "state folder" not in said[0]


def test_a_value_undone_the_next_day_is_named_at_twenty_mads():
    """Hostile 85, 1: a price typed x1.45 for one day gives +0.37 then -0.36,
    about 45 MADs each: under 100 and under a doubling, it passed every check
    and took Bear from 11 % of the days to 1 %. A move undone within two days
    is a bad value and is named at 20 MADs; a real crisis swings back at a few
    MADs of its own wild quarter (the sample has none)."""
    returns = load_sample().loc["2019":"2021"]
    prices = 100 * np.exp(returns.cumsum())
    prices.iloc[100, 1] *= 1.45
    _, said = _run(prepare_returns, prices, kind="prices")
    assert len(said) == 1 and said[0].startswith("frame: 2 values far out:")
    days = [f"{prices.index[r]:%Y-%m-%d}" for r in (100, 101)]
    assert all(f"in 'Financials' on {day}" in said[0] for day in days)
    assert far_values(load_sample().to_numpy()) == []


def test_a_doubling_decoded_alone_is_judged_in_the_models_units():
    """Hostile 85, 2: one decoded row of +100 % made its own median look like
    percent, and the doubling went unnamed (decoded Bear). The model's
    training scale says the units; a percent model's ordinary days stay quiet."""
    returns = load_sample().iloc[-1000:]
    model = RegimeModel(n_init=1, random_state=0).fit(returns.iloc[:500])
    new = returns.iloc[[500]].copy()
    new.iloc[0, 0] = 1.0
    _, said = _run(model.predict, new)
    assert len(said) == 1 and "1 in 'Technology'" in said[0]
    percent = RegimeModel(n_init=1, random_state=0).fit(returns.iloc[:500] * 100)
    _, said = _run(percent.predict, returns.iloc[500:502] * 100)
    assert said == []


def test_a_regime_that_cannot_span_its_columns_fails_the_restart_not_the_fit():
    """Hostile 85, 3: with a sparse column (missing='marginalize') and a day far
    out, the kept restart's covariance was not positive definite and the fit
    raised hmmlearn's raw ValueError after EM. Such a restart fails as a
    degenerate one; with none left the error names the day."""
    returns = load_sample().iloc[-700:, :3].copy()
    returns.iloc[np.arange(700) % 5 != 0, 2] = np.nan
    returns.iloc[300, 2] = 2.0
    model = RegimeModel(n_init=1, random_state=0, missing="marginalize")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FarValuesWarning)
        with pytest.raises(RegimeFitError, match="not positive definite") as error:
            model.fit(returns)
    assert "far out: 2 in 'Consumer Discretionary'" in str(error.value)
