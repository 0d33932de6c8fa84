"""Missing values in the likelihood (``missing="marginalize"``, regimes._missing).

What is checked, and against what:

- with no NaN, ``"marginalize"`` is today's fit (to 1e-10);
- the log-likelihood, the filtered and smoothed probabilities and the Viterbi path
  with NaN entries equal a brute force written independently (scipy's Gaussian of
  the observed block, a plain forward sum, enumeration of every path);
- the M-step statistics equal a day-by-day computation of the conditional
  expectations, and EM never lowers the log-likelihood;
- on a known HMM with 30 % of the entries missing at random, the parameters are
  recovered about as well as the information left allows, and better than from the
  complete rows only.
"""

from __future__ import annotations

import itertools
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.stats import multivariate_normal

from regimes import RegimeModel
from regimes._covariance import write_full
from regimes._gaussian import log_emission_densities
from regimes._hmm import NO_PRIORS, RegimeHMM
from regimes._missing import add_statistics, log_densities, missing_patterns
from regimes.exceptions import DataWarning, RefitNeededWarning
from regimes.labels import match_states
from regimes.online import observed_portfolio_log_densities, portfolio_log_densities

COVARIANCE_TYPES = ("full", "diag", "spherical", "tied")


# ----------------------------------------------------------------- helpers


def random_parameters(covariance_type, k, d, rng):
    """A random HMM with covariances of the given type (full matrices)."""
    startprob = rng.dirichlet(np.ones(k))
    transmat = rng.dirichlet(np.ones(k) * 2, size=k) + 3 * np.eye(k)
    transmat /= transmat.sum(axis=1, keepdims=True)
    means = rng.normal(scale=0.5, size=(k, d))
    if covariance_type == "full":
        a = rng.normal(size=(k, d, d))
        covars = a @ a.transpose(0, 2, 1) / d + 0.3 * np.eye(d)
    elif covariance_type == "diag":
        covars = rng.uniform(0.3, 2.0, size=(k, d))[:, :, None] * np.eye(d)
    elif covariance_type == "spherical":
        covars = rng.uniform(0.3, 2.0, size=k)[:, None, None] * np.eye(d)
    else:
        a = rng.normal(size=(d, d))
        covars = np.tile(a @ a.T / d + 0.3 * np.eye(d), (k, 1, 1))
    return startprob, transmat, means, covars


def engine(covariance_type, startprob, transmat, means, covars):
    hmm = RegimeHMM(
        n_components=len(startprob),
        covariance_type=covariance_type,
        init_params="",
        implementation="log",
        **NO_PRIORS,
    )
    hmm.n_features = means.shape[1]
    hmm.startprob_, hmm.transmat_, hmm.means_ = startprob, transmat, means
    write_full(hmm, covars)
    return hmm


def with_holes(X, fraction, rng):
    """X with about ``fraction`` of its entries NaN, every day keeping one value."""
    X = X.copy()
    holes = rng.random(X.shape) < fraction
    holes[np.arange(len(X)), rng.integers(X.shape[1], size=len(X))] = False
    X[holes] = np.nan
    return X


def brute_log_b(X, means, covars):
    """log b_k(x_t) by scipy, one day and one regime at a time."""
    out = np.empty((len(X), len(means)))
    for t, x in enumerate(X):
        seen = ~np.isnan(x)
        for k in range(len(means)):
            out[t, k] = multivariate_normal(
                means[k, seen], covars[k][np.ix_(seen, seen)]
            ).logpdf(x[seen])
    return out


def brute_forward(X, startprob, transmat, means, covars):
    """Plain forward sums (normalised each day): log-likelihood, filtered probs."""
    b = np.exp(brute_log_b(X, means, covars))
    alpha = startprob * b[0]
    log_likelihood, filtered = 0.0, []
    for t in range(len(X)):
        if t:
            alpha = (alpha @ transmat) * b[t]
        total = alpha.sum()
        log_likelihood += np.log(total)
        alpha = alpha / total
        filtered.append(alpha)
    return log_likelihood, np.array(filtered)


def brute_paths(X, startprob, transmat, means, covars):
    """Every regime path's log joint probability: smoothed probs and Viterbi."""
    log_b = brute_log_b(X, means, covars)
    k, n = len(startprob), len(X)
    paths = np.array(list(itertools.product(range(k), repeat=n)))
    scores = np.log(startprob[paths[:, 0]]) + log_b[0, paths[:, 0]]
    for t in range(1, n):
        scores += np.log(transmat[paths[:, t - 1], paths[:, t]]) + log_b[t, paths[:, t]]
    weights = np.exp(scores - scores.max())
    weights /= weights.sum()
    smoothed = np.array(
        [[weights[paths[:, t] == j].sum() for j in range(k)] for t in range(n)]
    )
    return paths[np.argmax(scores)], smoothed


# --------------------------------------------------------- exact likelihood


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_log_likelihood_with_holes_equals_brute_force(covariance_type, seed):
    rng = np.random.default_rng(seed)
    params = random_parameters(covariance_type, 3, 4, rng)
    hmm = engine(covariance_type, *params)
    X = with_holes(rng.normal(size=(30, 4)), 0.35, rng)
    expected_ll, expected_filtered = brute_forward(X, *params)
    assert hmm.score(X) == pytest.approx(expected_ll, rel=1e-10, abs=1e-8)
    np.testing.assert_allclose(
        hmm.filtered_posteriors(X), expected_filtered, atol=1e-10
    )
    np.testing.assert_allclose(
        hmm.log_densities(X), brute_log_b(X, params[2], params[3]), atol=1e-9
    )


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_smoothed_and_viterbi_with_holes_equal_enumeration(covariance_type):
    rng = np.random.default_rng(5)
    params = random_parameters(covariance_type, 2, 3, rng)
    hmm = engine(covariance_type, *params)
    X = with_holes(rng.normal(size=(9, 3)), 0.4, rng)
    best_path, smoothed = brute_paths(X, *params)
    np.testing.assert_allclose(hmm.predict_proba(X), smoothed, atol=1e-10)
    np.testing.assert_array_equal(hmm.predict(X), best_path)


def test_complete_days_keep_the_full_density():
    rng = np.random.default_rng(3)
    _, _, means, covars = random_parameters("full", 3, 4, rng)
    X = rng.normal(size=(50, 4))
    np.testing.assert_allclose(
        log_densities(X, means, covars),
        log_emission_densities(X, means, covars),
        rtol=1e-13,
    )
    np.testing.assert_allclose(
        observed_portfolio_log_densities(X, means, covars),
        portfolio_log_densities(X, means, covars),
        rtol=1e-13,
    )


def test_observed_portfolio_renormalises_the_weights():
    rng = np.random.default_rng(4)
    _, _, means, covars = random_parameters("full", 2, 3, rng)
    X = np.array([[0.1, np.nan, -0.2], [np.nan, np.nan, 0.3]])
    out = observed_portfolio_log_densities(X, means, covars)
    for t, x in enumerate(X):
        seen = ~np.isnan(x)
        w = seen / seen.sum()
        for k in range(2):
            expected = multivariate_normal(w @ means[k], w @ covars[k] @ w).logpdf(
                np.nansum(x * w)
            )
            assert out[t, k] == pytest.approx(expected, rel=1e-12)


def test_patterns_partition_the_days():
    rng = np.random.default_rng(6)
    X = with_holes(rng.normal(size=(200, 5)), 0.3, rng)
    patterns = missing_patterns(X)
    rows = np.sort(np.concatenate(patterns.rows))
    np.testing.assert_array_equal(rows, np.arange(200))
    for seen, days in zip(patterns.observed, patterns.rows, strict=True):
        np.testing.assert_array_equal(
            ~np.isnan(X[days]), np.broadcast_to(seen, (len(days), 5))
        )
    assert len({tuple(s) for s in patterns.observed}) == len(patterns.rows)


# ------------------------------------------------------------------ M-step


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_statistics_are_the_conditional_expectations(covariance_type):
    """Grouped by pattern == day by day, from the textbook conditional Gaussian."""
    rng = np.random.default_rng(7)
    _, _, means, covars = random_parameters(covariance_type, 3, 4, rng)
    X = with_holes(rng.normal(size=(40, 4)), 0.4, rng)
    gamma = rng.dirichlet(np.ones(3), size=40)
    outer = covariance_type in ("full", "tied")
    stats = {"obs": np.zeros((3, 4))}
    stats["obs*obs.T" if outer else "obs**2"] = np.zeros((3, 4, 4) if outer else (3, 4))
    add_statistics(stats, X, gamma, means, covars, covariance_type)

    first, second = np.zeros((3, 4)), np.zeros((3, 4, 4))
    for t, x in enumerate(X):
        o, m = ~np.isnan(x), np.isnan(x)
        for k in range(3):
            s = covars[k]
            mean = x.copy()
            cov = np.zeros((4, 4))
            if m.any():
                gain = s[np.ix_(m, o)] @ np.linalg.inv(s[np.ix_(o, o)])
                mean[m] = means[k, m] + gain @ (x[o] - means[k, o])
                cov[np.ix_(m, m)] = s[np.ix_(m, m)] - gain @ s[np.ix_(o, m)]
            first[k] += gamma[t, k] * mean
            second[k] += gamma[t, k] * (np.outer(mean, mean) + cov)
    np.testing.assert_allclose(stats["obs"], first, rtol=1e-10, atol=1e-12)
    if outer:
        np.testing.assert_allclose(stats["obs*obs.T"], second, rtol=1e-10, atol=1e-12)
    else:
        diagonal = np.diagonal(second, axis1=1, axis2=2)
        np.testing.assert_allclose(stats["obs**2"], diagonal, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("seed", range(4))
def test_em_never_lowers_the_likelihood_with_holes(covariance_type, seed):
    rng = np.random.default_rng(100 + seed)
    params = random_parameters(covariance_type, 2, 3, rng)
    X, _ = engine(covariance_type, *params).sample(300, random_state=seed)
    X = with_holes(X, rng.uniform(0.1, 0.5), rng)
    hmm = RegimeHMM(
        2,
        covariance_type=covariance_type,
        n_iter=25,
        tol=-np.inf,
        random_state=seed,
        implementation="log",
        **NO_PRIORS,
        min_stay=0.9 if seed % 2 else 0.0,
    )
    hmm.fit(X)
    history = np.array(hmm.monitor_.history)
    assert len(history) == 25
    # each entry is log P(X | parameters before that M-step): it never drops.
    # With a floor on p_ii the random start may lie outside the constraint set,
    # so EM climbs from the first feasible parameters (after one M-step).
    climbing = history[1:] if hmm.min_stay else history
    assert np.diff(climbing).min() >= -1e-9 * abs(history[-1])
    assert hmm.score(X) >= history[-1] - 1e-9 * abs(history[-1])


# --------------------------------------------------- the estimator, no NaN


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_marginalize_without_nan_is_todays_fit(short_sample, covariance_type):
    data = short_sample.iloc[:600, :3]
    settings = dict(
        n_regimes=2,
        covariance_type=covariance_type,
        n_init=3,
        random_state=1,
        min_duration=5,
    )
    today = RegimeModel(**settings).fit(data)
    marginal = RegimeModel(**settings, missing="marginalize").fit(data)
    assert marginal.log_likelihood_ == pytest.approx(today.log_likelihood_, rel=1e-12)
    for name in ("startprob_", "transmat_", "means_", "covars_"):
        np.testing.assert_allclose(
            getattr(marginal, name), getattr(today, name), rtol=1e-10, atol=1e-14
        )
    pd.testing.assert_frame_equal(marginal.restarts_, today.restarts_, rtol=1e-10)
    pd.testing.assert_series_equal(
        marginal.predict_online(data), today.predict_online(data)
    )


# ------------------------------------------------ the estimator, with NaN


def ragged(frame, rng, fraction=0.05):
    """The last column starts a third in; scattered holes elsewhere (holidays)."""
    out = frame.copy()
    out.iloc[: len(out) // 3, -1] = np.nan
    holes = rng.random(out.shape) < fraction
    holes[:, 0] = False  # one column always trades
    return out.mask(holes)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_fit_and_decode_a_ragged_panel(short_sample, covariance_type, tmp_path):
    rng = np.random.default_rng(8)
    data = ragged(short_sample.iloc[:, :3], rng)
    model = RegimeModel(
        3,
        covariance_type=covariance_type,
        n_init=3,
        random_state=0,
        min_duration=10,
        n_iter=500,  # EM slows down by the share of information that is missing
        missing="marginalize",
    ).fit(data)
    assert np.isfinite(model.log_likelihood_)
    assert model.score(data) == pytest.approx(model.log_likelihood_, rel=1e-12)
    np.testing.assert_allclose(model.predict_proba(data).sum(axis=1), 1.0)
    for output in (model.predict(data), model.predict_online(data)):
        assert output.notna().all() and len(output) == len(data)
    filtered = model.filter_proba(data)
    # causal: the first 700 days' rows do not depend on the days after
    np.testing.assert_allclose(model.filter_proba(data.iloc[:700]), filtered.iloc[:700])
    pd.testing.assert_series_equal(
        model.predict_online(data.iloc[:700]), model.predict_online(data).iloc[:700]
    )
    path = tmp_path / "model.json"
    model.save(path)
    loaded = RegimeModel.load(path)
    assert loaded.missing == "marginalize"
    assert loaded.score(data) == model.score(data)
    pd.testing.assert_series_equal(
        loaded.predict_online(data), model.predict_online(data)
    )


def test_the_policy_is_checked(short_sample):
    data = short_sample.iloc[:300, :2].copy()
    data.iloc[5, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        RegimeModel(2).fit(data)
    with pytest.raises(ValueError, match="missing"):
        RegimeModel(2, missing="drop").fit(data)
    empty_day = data.copy()
    empty_day.iloc[7] = np.nan
    with pytest.raises(ValueError, match="no value in any column"):
        RegimeModel(2, missing="marginalize").fit(empty_day)
    with_inf = data.copy()
    with_inf.iloc[9, 0] = np.inf
    with pytest.raises(ValueError, match="inf"):
        RegimeModel(2, missing="marginalize").fit(with_inf)
    nearly_empty = data.copy()
    nearly_empty.iloc[1:, 1] = np.nan
    with pytest.raises(ValueError, match="too few observed values") as info:
        RegimeModel(2, missing="marginalize").fit(nearly_empty)
    # Python's code for Python only (hostile 63, 10)
    from regimes.cli import _words

    said = info.value.args[0]
    assert ".drop(columns=" in said and ".drop(columns=" not in _words(said)
    assert "Drop them." in _words(said)
    every = data.iloc[:, :2].copy()  # each column seen on every other day only
    every.iloc[::2, 0] = np.nan
    every.iloc[1::2, 1] = np.nan
    every = every.iloc[:18]  # 9 values each: too few for either
    # at 2 regimes the need is the floor of 10: fewer regimes cannot lower it
    # (hostile 64, 7); at 3 (15 values) they can
    with pytest.raises(ValueError, match=r"Use more days\.$"):
        RegimeModel(2, covariance_type="diag", missing="marginalize").fit(every)
    longer = data.iloc[:28, :2].copy()
    longer.iloc[::2, 0] = np.nan
    longer.iloc[1::2, 1] = np.nan  # 14 values each
    with pytest.raises(ValueError, match=r"Use more days, or fewer regimes\.$"):
        RegimeModel(3, covariance_type="diag", missing="marginalize").fit(longer)
    # a model fitted with "error" refuses NaN when decoding too
    fitted = RegimeModel(2, n_init=2, random_state=0).fit(data.dropna())
    with pytest.raises(ValueError, match="NaN"):
        fitted.predict(data)


def test_missing_value_errors_name_the_day_and_the_fix_that_works_there(short_sample):
    """Hostile 27, H27-5 and H27-7: every NaN error said 'let it integrate NaN
    out with RegimeModel(missing="marginalize")': for a fitted model,
    set_params(missing=...) then changed nothing (its decoder follows the fit),
    and backtest has no such option; days with no value at all were named by
    row. Each error names the first day by its date and gives the fix that
    works where it is raised, which the test follows."""
    from regimes.evaluate import backtest

    data = short_sample.iloc[:300, :2].copy()
    day = data.index[5]
    data.iloc[5, 1] = np.nan
    with pytest.raises(ValueError, match=rf"first on {day.date()}.*missing='marg"):
        RegimeModel(2, n_init=1, random_state=0).fit(data)
    fitted = RegimeModel(2, n_init=1, random_state=0).fit(data.dropna())
    with pytest.raises(ValueError, match=rf"first on {day.date()}.*refit") as err:
        fitted.predict(data)
    assert "set_params alone changes nothing" in str(err.value)
    fitted.set_params(missing="marginalize")
    with (
        pytest.raises(ValueError, match="refit"),  # as the message said
        pytest.warns(RefitNeededWarning, match="missing='error'"),
    ):
        fitted.predict(data)
    refitted = RegimeModel(2, n_init=1, random_state=0, missing="marginalize")
    assert len(refitted.fit(data).predict(data)) == len(data)
    # backtest: the mean of the columns observed each day, as the report holds
    signal = fitted.predict(data.dropna()).reindex(data.index).ffill()
    with pytest.raises(ValueError, match=r"returns.mean\(axis=1\)") as err:
        backtest(signal, data)
    assert "RegimeModel" not in str(err.value)
    result = backtest(signal, data.mean(axis=1).to_frame("mean"))
    assert np.isfinite(result.stats.loc["ann_return"]).all()
    # a day with no value at all, by its date
    empty = data.copy()
    empty.iloc[7] = np.nan
    with pytest.raises(ValueError, match=rf"first: {data.index[7].date()}\)"):
        RegimeModel(2, missing="marginalize").fit(empty)


# ---------------------------------------------------- parameter recovery


def _errors(model, known):
    """Standardised errors of the means and log-variances, regimes matched."""
    order = match_states((known.means, known.covars), (model.means_, model.covars_))
    means, covars = model.means_[order], model.covars_[order]
    sd = np.sqrt(np.diagonal(known.covars, axis1=1, axis2=2))
    mean_error = (means - known.means) / sd
    var_error = np.log(np.diagonal(covars, axis1=1, axis2=2) / sd**2)
    return np.concatenate([mean_error.ravel(), var_error.ravel()])


@pytest.mark.slow
# the complete-rows fit keeps a quarter of the days, weekly-spaced on average: its
# FrequencyWarning is right, and beside the point here
@pytest.mark.filterwarnings("ignore::regimes.exceptions.FrequencyWarning")
def test_marginal_fit_recovers_the_parameters(known):
    """30 % of entries missing at random: closer to the truth than complete rows.

    Each entry is kept with probability 0.7, so the information about a column's
    parameters is about 0.7 of the complete data's (a little more through the
    correlated columns): the mean squared error should be about 1 / 0.7 = 1.4 times
    the complete-data fit's. Dropping every day with a hole keeps 0.7**4 = 24 % of
    the days, for about 4 times the error. Over 6 samples of 3,000 days and 24
    parameters (144 squared errors per fit type) the ratio of two such means has a
    sampling spread of roughly +-30 %, so the bounds below (marginal < complete rows,
    marginal < 2.5 x complete) fail only if the marginal fit wastes information.
    """
    squared = {"complete": [], "marginal": [], "complete rows": []}
    for seed in range(6):
        rng = np.random.default_rng(seed)
        data, _ = known.sample(3000, seed=50 + seed)
        holes = data.mask(rng.random(data.shape) < 0.3).dropna(how="all")
        fits = {
            "complete": (data, "error"),
            "marginal": (holes, "marginalize"),
            "complete rows": (holes.dropna(), "error"),
        }
        for name, (frame, missing) in fits.items():
            model = RegimeModel(
                3, n_init=4, n_iter=1000, random_state=seed, missing=missing
            )
            with warnings.catch_warnings():
                # complete rows: the dropped days leave holes of weeks, which
                # the HMM chains over (the comparison's point), or rows 5 days
                # apart, not daily at all
                warnings.simplefilter("ignore", DataWarning)
                model.fit(frame)
            squared[name].append(_errors(model, known) ** 2)
    mse = {name: float(np.mean(v)) for name, v in squared.items()}
    assert mse["marginal"] < mse["complete rows"], mse
    assert mse["marginal"] < 2.5 * mse["complete"], mse


# ---------------------------------------------------- walk-forward, ragged


def test_walk_forward_on_a_ragged_panel_is_causal_and_columns_join(short_sample):
    from regimes import walk_forward

    rng = np.random.default_rng(9)
    data = short_sample.iloc[:1000, :3].copy()
    data.iloc[:400, 2] = np.nan  # the third column starts on day 400
    data.iloc[:, 1] = data.iloc[:, 1].mask(rng.random(len(data)) < 0.03)  # holidays
    model = RegimeModel(2, n_init=2, n_iter=300, random_state=0, missing="marginalize")
    settings = dict(refit=150, min_train=250, progress=False)
    walk = walk_forward(data, model, **settings)
    refits = pd.DataFrame(list(walk.attrs["refits"]))
    # refits start on days 250, 400, ..., 850; the third column joins once it has
    # min_train = 250 days of history, at the refit of day 700
    first = [data.index.get_loc(d) for d in refits["first_day"]]
    assert first == [250, 400, 550, 700, 850]
    assert refits["n_features"].tolist() == [2, 2, 2, 3, 3]
    assert walk.notna().all().all()
    # causal: without the later days, every earlier row and refit is the same,
    # cut around the refit where the column joins (its history counted up to
    # that day only) and later
    for days in (560, 649, 650, 699, 700, 701, 780):
        shorter = walk_forward(data.iloc[:days], model, **settings)
        pd.testing.assert_frame_equal(
            shorter, walk.iloc[: len(shorter)], check_like=True
        )
        made = pd.DataFrame(list(shorter.attrs["refits"]))
        assert made["n_features"].tolist() == refits["n_features"][: len(made)].tolist()


# ------------------------------------------- standard errors and forecast


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_score_with_holes_is_the_gradient_of_the_likelihood(covariance_type):
    """Fisher's identity with missing values, against central differences."""
    from regimes import _information as inference
    from regimes._gaussian import EMParameters

    rng = np.random.default_rng(11)
    params = EMParameters(*random_parameters(covariance_type, 2, 3, rng))
    X = with_holes(rng.normal(size=(60, 3)), 0.3, rng)
    counts = inference.expected_transitions(X, params)
    spec = inference.make_layout(params, covariance_type, counts, 0.0)
    theta = inference.pack(params, spec)
    log_prob, score = inference.log_likelihood_and_score(X, theta[None], spec)
    assert log_prob[0] == pytest.approx(engine(covariance_type, *params).score(X))
    step = 1e-6
    shifts = np.eye(len(theta)) * step
    up, _ = inference.log_likelihood_and_score(X, theta + shifts, spec)
    down, _ = inference.log_likelihood_and_score(X, theta - shifts, spec)
    np.testing.assert_allclose(score[0], (up - down) / (2 * step), rtol=1e-5, atol=1e-5)


def test_standard_errors_and_forecast_on_a_ragged_panel(short_sample, monkeypatch):
    rng = np.random.default_rng(12)
    data = ragged(short_sample.iloc[:, :3], rng)
    model = RegimeModel(
        2, n_init=3, n_iter=1000, random_state=0, missing="marginalize"
    ).fit(data)
    table = model.standard_errors(data)
    assert np.isfinite(table["std_err"].filter(like="mean[")).all()
    # every column has the same volatility in truth (conftest); the late column is
    # observed on 2/3 of the days, the first one on all: its means' standard
    # errors are wider, by up to sqrt(3/2) = 1.22 (less, as the correlated
    # columns carry information into the gap), times the ratio of the estimated
    # volatilities (within ~20 % here)
    se = table["std_err"]
    for name in model.regime_names_:
        ratio = (
            se[f"mean[{name}, {data.columns[-1]}]"]
            / se[f"mean[{name}, {data.columns[0]}]"]
        )
        assert 1.0 < ratio < 1.6, (name, ratio)
    # the parametric bootstrap simulates with the data's holes, and refits them
    from regimes import _fitting

    holes = []
    fit_state = _fitting.fit_state

    def recording_fit_state(data, *args, **kwargs):
        holes.append(np.isnan(data.values))
        return fit_state(data, *args, **kwargs)

    monkeypatch.setattr(_fitting, "fit_state", recording_fit_state)
    boot = model.standard_errors(data, method="bootstrap", n_boot=3, random_state=0)
    assert boot.attrs["n_failed"] == 0 and len(holes) == 3
    assert all((h == data.isna().to_numpy()).all() for h in holes)
    assert np.isfinite(boot["std_err"].filter(like="mean[")).all()
    forecast = model.forecast(data, horizon=3)
    np.testing.assert_allclose(forecast.regime_proba.sum(axis=1), 1.0)
    filtered = model.filter_proba(data).to_numpy()[-1]
    np.testing.assert_allclose(
        forecast.regime_proba.to_numpy()[0], filtered @ model.transmat_
    )


@pytest.mark.slow
def test_late_columns_keep_the_old_columns_crisis_regimes():
    """Issue 21's "done when", on the bundled sample (7 sectors, 1990-2022).

    Two sectors are made to start late (2015 and 2018, like XLRE and XLC). Before
    they start, the ragged fit decodes the same five columns as a fit on those
    five alone; the two differ only through their parameters (the ragged fit
    also learns from the seven-column years). The Viterbi regimes agree on 95 %
    of the 2008-2009 days and 98 % of 1998-2015 here; 90 % and 95 % are the bounds.
    """
    from regimes.data import load_sample

    sample = load_sample()
    old, late = list(sample.columns[:-2]), list(sample.columns[-2:])
    ragged_panel = sample.copy()
    ragged_panel.loc[:"2015-10-07", late[1]] = np.nan
    ragged_panel.loc[:"2018-06-18", late[0]] = np.nan
    settings = dict(n_init=5, random_state=0, min_duration=20, n_iter=500)
    marginal = RegimeModel(3, **settings, missing="marginalize").fit(ragged_panel)
    complete = RegimeModel(3, **settings).fit(sample[old])
    ours = marginal.predict(ragged_panel).astype(str)
    theirs = complete.predict(sample[old]).astype(str)
    assert (ours.loc["2008":"2009"] == theirs.loc["2008":"2009"]).mean() > 0.90
    assert (ours.loc["1998":"2015"] == theirs.loc["1998":"2015"]).mean() > 0.95


def test_command_line_keep_missing_fits_every_column(tmp_path, capsys):
    """--keep-missing: the eleven sector ETFs as they are, XLRE and XLC included."""
    from regimes import data
    from regimes.cli import main

    from ._yf import yf_frame

    late = {"XLRE": "2015-10-08", "XLC": "2018-06-19"}
    close = yf_frame(
        list(data.SECTOR_ETFS), start="2012-01-02", periods=2000, starts=late
    )["Close"].rename_axis(columns=None)
    path = tmp_path / "prices.csv"
    close.to_csv(path)
    args = ["--csv", str(path), "--prices", "--keep-missing", "--n-regimes", "2"]
    # --evaluate too: it failed after the fit on the NaN of the late columns
    # (fourth hostile pass, D4); the backtest holds the columns of each day
    args += ["--evaluate"]
    status = main([*args, "--n-init", "2", "--n-iter", "500", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert status == 0
    assert f"{len(close) - 1} days" in out  # no day dropped (the first has no return)
    assert "XLRE" in out and "XLC" in out
    assert "Backtest: equal-weighted columns with a return that day" in out
    table = pd.read_csv(tmp_path / "regimes.csv", index_col="date", parse_dates=True)
    assert len(table) == len(close) - 1 and table["regime"].notna().all()


def test_compare_on_a_ragged_panel(short_sample):
    from regimes import compare

    data = ragged(short_sample.iloc[:800, :3], np.random.default_rng(13))
    model = RegimeModel(n_init=2, n_iter=1000, random_state=0, missing="marginalize")
    table = compare(data, n_regimes=(1, 2), covariance_types=("diag",), model=model)
    assert (table["error"] == "").all()
    assert np.isfinite(table[["log_likelihood", "bic", "test_score"]]).all().all()
    # one 'diag' regime: each column's observed values are an independent
    # Gaussian sample, whose maximum log-likelihood is -n/2 (log(2 pi s^2) + 1)
    # (s^2 their variance); "auto" regularisation moves it by ~1e-6 relative
    expected = sum(
        -0.5 * len(v) * (np.log(2 * np.pi * v.var()) + 1)
        for v in (data[c].dropna().to_numpy() for c in data.columns)
    )
    assert table.loc[(1, "diag"), "log_likelihood"] == pytest.approx(expected, rel=1e-5)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_column_no_day_of_a_regime_observes_is_named():
    """Hostile 78, 2: a column observed on its last 30 days only had no
    observed day in Bear; its Bear variance (below its Bull one) rested on no
    data and still moved Bear's equal-weighted volatility from 0.78 to 0.59,
    silently. The fit names the column, the regime and the counts, with the
    column's first day; fitted from that day, nothing is said."""

    from regimes.data import load_sample

    sample = load_sample().loc["2018":"2020"]
    late = sample.iloc[:, :3].assign(Late=np.nan)
    late.iloc[-30:, 3] = sample.iloc[-30:, 4].to_numpy()
    model = RegimeModel(n_init=2, random_state=0, missing="marginalize")
    with pytest.warns(DataWarning, match=r"'Late' on 0 of the \d+ days of 'Bear'") as e:
        fitted = model.fit(late)
    said = next(str(w.message) for w in e if w.category is DataWarning)
    path = fitted.predict(late)
    observed = late["Late"].notna()
    assert int((observed & (path == "Bear")).sum()) == 0  # as said
    first = re.search(r"'Late' starts (\S+)\)", said).group(1)
    assert first == str(late["Late"].first_valid_index().date())
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        RegimeModel(2, n_init=2, random_state=0, missing="marginalize").fit(
            sample.iloc[:, :3].assign(Late=sample.iloc[:, 4]).iloc[:400]
        )


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_walk_forward_and_compare_name_a_column_a_regime_did_not_see():
    """A walk-forward's refits and compare's fits said nothing of a column a
    regime was fitted without (their fits' warnings are the caller's to give):
    a column joining in the calm after 2008 had no Bear day in the refits
    after it joined. Each says it once, with the count, as a single fit does."""
    from regimes import compare, walk_forward
    from regimes.data import load_sample
    from regimes.walkforward import refit_table

    sample = load_sample().loc["2006":"2012"]
    late = sample.iloc[:, :3].assign(Late=np.nan)
    late.loc["2010-06-01":, "Late"] = sample.loc["2010-06-01":].iloc[:, 4]
    model = RegimeModel(n_init=2, random_state=0, missing="marginalize")
    options = {"refit": "QE", "min_train": 252, "progress": False}
    with pytest.warns(DataWarning, match="observed too rarely") as caught:
        walk = walk_forward(late, model, **options)
    said = [str(w.message) for w in caught if "too rarely" in str(w.message)]
    assert len(said) == 1  # once for the walk
    count, total, first = re.search(
        r"(\d+) of the (\d+) refits, the first on the days to (\S+):", said[0]
    ).groups()
    table = refit_table(walk)
    assert int(total) == len(table)
    with_late = table.index[table["n_features"] == 4]
    assert 1 <= int(count) <= len(with_late)
    assert pd.Timestamp(first) >= with_late[0] - pd.offsets.BDay(1)
    # the same column from the panel's first day: nothing to say
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        walk_forward(late.assign(Late=sample.iloc[:, 4]), model, **options)

    recent = load_sample().loc["2018":"2020"]
    late = recent.iloc[:, :3].assign(Late=np.nan)
    late.iloc[-150:, 3] = recent.iloc[-150:, 4].to_numpy()
    with pytest.warns(DataWarning, match=r"fits for \[\(3, 'full'\)\] .*too rarely"):
        compare(late, [2, 3], ["full"], test_size=0.05, model=model)
