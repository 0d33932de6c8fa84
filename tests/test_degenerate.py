"""Degenerate and hostile data: each case fits and is usable, or fails up front."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from regimes import RegimeModel
from regimes._restarts import _collapsed


def _usable(model: RegimeModel, returns) -> None:
    """Finite parameters, stochastic matrices, PD covariances, predictions that work."""
    for array in (model.startprob_, model.transmat_, model.means_, model.covars_):
        assert np.isfinite(array).all()
    np.testing.assert_allclose(model.transmat_.sum(axis=1), 1.0)
    assert all(np.linalg.eigvalsh(c).min() > 0 for c in model.covars_)
    assert len(model.predict(returns)) == len(returns)
    assert np.isfinite(model.score(returns))


def test_identical_columns_fail_before_any_work(short_sample):
    doubled = short_sample.assign(XLK_copy=short_sample["XLK"] * 2.0)
    with pytest.raises(
        ValueError, match="'XLK' and 'XLK_copy' are perfectly correlated"
    ):
        RegimeModel().fit(doubled)
    # a diagonal covariance has no such problem
    model = RegimeModel(3, covariance_type="diag", n_init=2, random_state=0).fit(
        doubled
    )
    _usable(model, doubled)


def test_linear_combination_is_named_too(short_sample):
    combo = short_sample.assign(sum=short_sample["XLK"] + short_sample["XLF"])
    with pytest.raises(ValueError, match="exact linear combinations of others"):
        RegimeModel().fit(combo)


def test_highly_collinear_columns_still_fit(short_sample):
    rng = np.random.default_rng(0)
    base = short_sample["XLK"].to_numpy()
    near = pd.DataFrame(
        {f"c{i}": base + 1e-5 * rng.standard_normal(len(base)) for i in range(4)},
        index=short_sample.index,
    )
    assert near.corr().to_numpy().min() > 0.999
    _usable(RegimeModel(3, n_init=3, n_iter=1000, random_state=0).fit(near), near)


def test_a_single_extreme_day_does_not_break_the_fit(short_sample):
    crash = short_sample.copy()
    crash.iloc[700] = [-0.30, -0.28, -0.35, -0.25]  # a 1987-style day
    model = RegimeModel(3, n_init=5, random_state=0).fit(crash)
    _usable(model, crash)
    assert (model.restarts_["error"] == "").sum() >= 3
    assert model.predict(crash).iloc[700] == "Bear"


def test_many_zero_returns_in_one_column(known):
    """40 % of one column's days stale (zero): usable, and it still decodes the
    true states about as well as a fit without that column (97.7 % of days
    here): at least 90 %, against a third by chance."""
    stale, states = known.sample(1500, seed=1)  # short_sample, with its states
    stale = stale.copy()
    stale.loc[stale.sample(frac=0.4, random_state=0).index, "XLE"] = 0.0
    model = RegimeModel(3, n_init=5, n_iter=500, random_state=0).fit(stale)
    _usable(model, stale)
    truth = np.asarray(model.regime_names_)[states]  # the known HMM's order
    assert (model.predict(stale).astype(str).to_numpy() == truth).mean() >= 0.9
    # restarts that collapsed onto the zero days are recorded, not used
    failed = model.restarts_.loc[model.restarts_["error"] != ""]
    assert failed["log_likelihood"].isna().all()
    assert not model.restarts_.loc[model.restarts_["best"], "error"].iloc[0]


def test_long_run_of_zeros(known):
    # a ticker that did not trade for 300 days: its zeros fit a regime of zero
    # variance with an unbounded likelihood. Seed 2 has a restart that collapses
    # there (its covariance stops being positive definite); it must be recorded
    # and skipped, and the kept fit must be the known
    # HMM's, the stale column included.
    returns, states = known.sample(1500, seed=1)
    stale = returns.copy()
    stale.iloc[100:400, 2] = 0.0
    model = RegimeModel(3, n_init=3, random_state=2).fit(stale)
    _usable(model, stale)

    failed = model.restarts_.loc[model.restarts_["error"] != ""]
    assert len(failed) >= 1
    assert failed["error"].str.contains("not positive definite|column 2 repeats").all()
    assert failed["log_likelihood"].isna().all()
    assert not model.restarts_.loc[model.restarts_["best"], "error"].iloc[0]

    # every regime's volatility near the truth (known's regimes are ordered calm to
    # stressed, as the default names are); 1,500 days give each one within ~5 %;
    # the stale column's calm regime absorbs the zeros and reads ~20 % low, but
    # nowhere near the collapse (a volatility of ~1e-5 of the truth)
    true_vols = np.sqrt(np.diagonal(known.covars, axis1=1, axis2=2))
    vols = np.sqrt(np.diagonal(model.covars_, axis1=1, axis2=2))
    live = [0, 1, 3]
    np.testing.assert_allclose(vols[:, live], true_vols[:, live], rtol=0.10)
    assert np.all(vols[:, 2] > 0.7 * true_vols[:, 2]), vols[:, 2]

    # the regimes are the known HMM's: off the stale days as well as on clean data
    # (97.5 % with this seed), and still most days on the stale ones
    truth = pd.Series(np.asarray(model.regime_names_)[states], index=stale.index)
    decoded = model.predict(stale)
    off = np.r_[0:100, 400 : len(stale)]
    assert (decoded.iloc[off] == truth.iloc[off]).mean() > 0.95
    assert (decoded.iloc[100:400] == truth.iloc[100:400]).mean() > 0.75


def test_more_regimes_than_the_data_support(short_sample):
    # six regimes in 300 days of a three-regime process: some restarts collapse a
    # regime onto a couple of days; they are recorded and a sound one is kept
    small = short_sample.iloc[:300, :2]
    model = RegimeModel(6, n_init=5, n_iter=1000, random_state=0).fit(small)
    _usable(model, small)
    failed = model.restarts_.loc[model.restarts_["error"] != ""]
    assert len(failed) >= 1
    assert failed["error"].str.startswith("degenerate: a regime explains").all()
    assert failed["log_likelihood"].isna().all() and not failed["best"].any()


def test_a_collapsed_regime_is_reported():
    class Fake:
        covariance_type = "full"
        n_features = 4
        occupancy_ = np.array([1200.0, 296.3, 3.7])

    assert "a regime explains 3.7 days, fewer than the 5" in _collapsed(Fake())
    Fake.occupancy_ = np.array([1200.0, 296.0, 5.0])
    assert _collapsed(Fake()) == ""


def test_a_regime_on_one_repeated_value_is_reported(short_sample):
    hmm = RegimeModel(2, n_init=1, random_state=0).fit(short_sample)._engine
    hmm.occupancy_ = np.array([1000.0, 500.0])
    variances = np.diagonal(hmm.covars_, axis1=1, axis2=2)
    assert _collapsed(hmm, variances.max(axis=0)) == ""
    # a column whose variance in regime 0 is 1e-5 of the column's own
    column = variances.max(axis=0)
    column[2] = variances[0, 2] * 1e5
    assert (
        "collapsed onto days on which column 2 (counted from 0) barely"
        in _collapsed(hmm, column)
    )


def test_missing_business_days_and_short_series(short_sample):
    gappy = short_sample.sample(frac=0.9, random_state=0).sort_index()
    _usable(RegimeModel(3, n_init=2, random_state=0).fit(gappy), gappy)
    with pytest.raises(ValueError, match="fewer than the 50 free parameters"):
        RegimeModel(3).fit(short_sample.iloc[:30])
