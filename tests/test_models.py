"""RegimeModel: recovery, invariances, restarts, convergence, pandas results."""

from __future__ import annotations

import copy
import json
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError

from regimes import RegimeModel
from regimes._hmm import RegimeHMM
from regimes._restarts import em_converged
from regimes.exceptions import InvalidParameterError, RegimeFitError

from .conftest import KnownHMM

# ------------------------------------------------------------ parameter recovery
#
# Tolerances are in standard errors of the estimate that knowing the true states
# would give: se(mean) = sigma / sqrt(n_k), se(vol) = sigma / sqrt(2 n_k),
# se(corr) = (1 - rho^2) / sqrt(n_k), se(p_ii) = sqrt(p (1 - p) / n_k), with n_k the
# true number of days in regime k. The HMM does not know the states, so its errors are
# somewhat larger; over 12 sampled data sets the largest |error / se| among the 45
# compared numbers was 4.1 (a volatility). A tolerance of 5 se leaves room for that
# and still fails a fit that mislabels regimes (the regime means are > 10 se apart)
# or that leaks hmmlearn's default covars_prior=1e-2 into decimal returns.

TOL_SE = 5.0


def _true_counts(states: np.ndarray) -> np.ndarray:
    return np.bincount(states, minlength=3)


def test_recovers_means_within_standard_errors(fitted, known, sample):
    n = _true_counts(sample[1])
    se = np.sqrt(np.diagonal(known.covars, axis1=1, axis2=2)) / np.sqrt(n)[:, None]
    assert np.all(np.abs(fitted.means_ - known.means) <= TOL_SE * se)


def test_recovers_volatilities_within_standard_errors(fitted, known, sample):
    n = _true_counts(sample[1])
    true_vol = np.sqrt(np.diagonal(known.covars, axis1=1, axis2=2))
    vol = np.sqrt(np.diagonal(fitted.covars_, axis1=1, axis2=2))
    se = true_vol / np.sqrt(2 * n)[:, None]
    assert np.all(np.abs(vol - true_vol) <= TOL_SE * se)


def test_recovers_correlations_within_standard_errors(fitted, known, sample):
    n = _true_counts(sample[1])
    upper = np.triu_indices(known.means.shape[1], 1)
    for k, name in enumerate(fitted.regime_names_):
        true_corr = known.covars[k] / known.covars[k][0, 0]
        rho = true_corr[upper]
        corr = fitted.regime_correlation(name).to_numpy()[upper]
        se = (1 - rho**2) / np.sqrt(n[k])
        assert np.all(np.abs(corr - rho) <= TOL_SE * se), name


def test_recovers_transition_diagonal_within_standard_errors(fitted, known, sample):
    n = _true_counts(sample[1])
    p = np.diag(known.transmat)
    se = np.sqrt(p * (1 - p) / n)
    assert np.all(np.abs(np.diag(fitted.transmat_) - p) <= TOL_SE * se)


def test_likelihood_at_least_that_of_the_true_parameters(known, sample):
    # The maximum-likelihood fit must explain the data at least as well as the
    # parameters that generated it; a fit stuck in a poor optimum, or biased by a
    # prior, does not.
    returns, _ = sample
    model = RegimeModel(3, n_init=5, random_state=0, regularization=0).fit(returns)
    assert model.log_likelihood_ >= known.hmm().score(returns.to_numpy())


def test_decoding_nearly_as_accurate_as_with_the_true_parameters(fitted, known, sample):
    # The ceiling is decoding with the TRUE parameters (the oracle), not a number.
    returns, states = sample
    oracle = np.mean(known.hmm().predict(returns.to_numpy()) == states)
    ours = np.mean(fitted.predict(returns).cat.codes.to_numpy() == states)
    assert ours >= oracle - 0.01


def _portfolio_moments(model):
    weights = np.full(model.means_.shape[1], 1 / model.means_.shape[1])
    mean = model.means_ @ weights
    vol = np.sqrt(np.einsum("i,kij,j->k", weights, model.covars_, weights))
    return mean, vol


def test_regimes_named_in_documented_order(known):
    # Regimes whose mean and volatility orders disagree, so that the two documented
    # rules name them differently: a calm regime that loses a little, a lively one
    # that gains, and a crash. The default (volatility) names them calm -> Bull,
    # lively -> Sideways, crash -> Bear; order_by="mean" names lively -> Bull,
    # calm -> Sideways, crash -> Bear.
    d = 3
    mixed = KnownHMM(
        startprob=np.full(3, 1 / 3),
        transmat=np.array(
            [[0.98, 0.015, 0.005], [0.015, 0.98, 0.005], [0.02, 0.02, 0.96]]
        ),
        means=np.array([[-4e-4] * d, [12e-4] * d, [-40e-4] * d]),
        covars=np.array(
            [(v**2) * (0.6 * np.eye(d) + 0.4) for v in (0.005, 0.013, 0.03)]
        ),
    )
    returns, states = mixed.sample(3000, seed=3)
    by_vol = RegimeModel(3, n_init=3, random_state=0).fit(returns)
    by_mean = RegimeModel(3, n_init=3, random_state=0, order_by="mean").fit(returns)
    for model in (by_vol, by_mean):
        assert model.regime_names_ == ("Bull", "Sideways", "Bear")

    mean, vol = _portfolio_moments(by_vol)
    assert np.all(np.diff(vol) > 0)  # calmest first
    assert mean[0] < mean[1]  # ... although it is not the best mean
    mean_m, vol_m = _portfolio_moments(by_mean)
    assert np.all(np.diff(mean_m) < 0)  # best mean first
    np.testing.assert_allclose(np.sort(vol_m), vol, rtol=1e-6)  # the same regimes

    # and the names land on the true regimes: true state k is, by volatility,
    # Bull / Sideways / Bear, and, by mean, Sideways / Bull / Bear
    truth_vol = np.array(["Bull", "Sideways", "Bear"])[states]
    truth_mean = np.array(["Sideways", "Bull", "Bear"])[states]
    assert (by_vol.regimes_.to_numpy() == truth_vol).mean() > 0.9
    assert (by_mean.regimes_.to_numpy() == truth_mean).mean() > 0.9


def test_labels_stable_across_random_states(short_sample):
    fits = [
        RegimeModel(3, n_init=3, random_state=s).fit(short_sample) for s in range(5)
    ]
    first = fits[0]
    for other in fits[1:]:
        pd.testing.assert_series_equal(other.regimes_, first.regimes_)
        np.testing.assert_allclose(other.means_, first.means_, rtol=1e-3, atol=1e-6)


# ------------------------------------------------------------------------ units


@pytest.mark.parametrize("covariance_type", ["full", "diag", "spherical", "tied"])
def test_fit_is_scale_invariant(short_sample, covariance_type):
    params = dict(covariance_type=covariance_type, n_init=3, random_state=0)
    base = RegimeModel(3, regularization=0, **params).fit(short_sample)
    scaled = RegimeModel(3, regularization=0, **params).fit(100 * short_sample)

    np.testing.assert_allclose(scaled.means_, 100 * base.means_, rtol=1e-4)
    np.testing.assert_allclose(scaled.covars_, 1e4 * base.covars_, rtol=1e-4, atol=0)
    pd.testing.assert_series_equal(scaled.regimes_, base.regimes_)
    t, d = short_sample.shape
    expected_gap = t * d * np.log(100)
    gap = base.log_likelihood_ - scaled.log_likelihood_
    assert gap == pytest.approx(expected_gap, rel=1e-10)


def test_auto_regularization_is_negligible_and_scales_with_the_data(short_sample):
    model = RegimeModel(3, n_init=2, random_state=0).fit(short_sample)
    assert model.regularization_ == pytest.approx(1e-6 * short_sample.var(ddof=0).min())
    smallest = np.diagonal(model.covars_, axis1=1, axis2=2).min()
    assert model.regularization_ / smallest < 1e-5


# --------------------------------------------------------------- regularisation


@pytest.mark.parametrize("covariance_type", ["full", "diag", "spherical", "tied"])
def test_regularization_added_to_every_covariance_type(short_sample, covariance_type):
    lam = 3e-6
    params = dict(covariance_type=covariance_type, n_init=2, random_state=0)
    mle = RegimeModel(3, regularization=0, **params).fit(short_sample)
    reg = RegimeModel(3, regularization=lam, **params).fit(short_sample)

    eye = np.eye(short_sample.shape[1])
    np.testing.assert_allclose(reg.covars_, mle.covars_ + lam * eye, rtol=1e-12, atol=0)
    # the wrapped hmmlearn model holds the same, regularised covariances
    np.testing.assert_allclose(reg.hmm_.covars_, reg.covars_, rtol=1e-12)
    assert reg.regularization_ == lam
    # log_likelihood_ is that of the final, regularised model
    assert reg.log_likelihood_ == pytest.approx(reg.score(short_sample), rel=1e-12)
    assert reg.log_likelihood_ != mle.log_likelihood_


# --------------------------------------------------------------------- restarts


def test_restarts_use_distinct_seeds_and_reach_different_optima(sample):
    returns, _ = sample
    model = RegimeModel(3, n_init=10, random_state=0).fit(returns)
    table = model.restarts_
    assert list(table.columns) == [
        "seed",
        "init",
        "log_likelihood",
        "n_iter",
        "converged",
        "tol",
        "screened_out",
        "error",
        "best",
    ]
    assert table["seed"].nunique() == 10
    assert table["log_likelihood"].round(3).nunique() > 1
    assert table["best"].sum() == 1
    best = table.loc[table["best"]].iloc[0]
    assert best["log_likelihood"] == table["log_likelihood"].max()
    assert best["n_iter"] == model.n_iter_


def test_an_attribute_edited_by_its_caller_does_not_change_the_model(
    short_sample, tmp_path
):
    """regimes_ and restarts_ are copies of the fitted state's, whose own are
    read as copies too (they were edited in place, the model with them); the
    arrays are read-only: an edit never reaches the model's predictions,
    checks or file."""
    model = RegimeModel(3, n_init=2, random_state=0).fit(short_sample)
    model.save(tmp_path / "before.json")
    for owner in (model, model.fitted_state_):  # the state's: previous stop's note
        name = "_" if owner is model else ""
        regimes = getattr(owner, "regimes" + name)
        restarts = getattr(owner, "restarts" + name)
        regimes.iloc[:] = model.regime_names_[0]
        restarts.iloc[0, 0] = -1
        assert not model.regimes_.equals(regimes)
        assert not model.restarts_.equals(restarts)
        assert not model.fitted_state_.regimes.equals(regimes)
    edited = model.results(short_sample).regimes  # hostile 42, 2: was the state's
    edited.iloc[:] = model.regime_names_[-1]
    assert not model.regimes_.equals(edited)
    for name in ("feature_names_in_", "means_", "covars_", "transmat_"):
        with pytest.raises(ValueError, match="read-only"):
            getattr(model, name).flat[0] = getattr(model, name).flat[1]
    model.save(tmp_path / "after.json")
    after, before = (tmp_path / "after.json"), (tmp_path / "before.json")
    # the files are equal but for the second each was saved in
    saved = [json.loads(p.read_text()) for p in (after, before)]
    for document in saved:
        assert document.pop("saved_at")
    assert saved[0] == saved[1]
    with pytest.raises(NotFittedError, match="regimes_ exists after fit"):
        RegimeModel().regimes_  # noqa: B018 (the attribute access is the test)


@pytest.mark.parametrize(
    "copy_of",
    [lambda m: pickle.loads(pickle.dumps(m)), copy.deepcopy, lambda m: m],
    ids=["pickle", "deepcopy", "original"],
)
def test_a_copied_model_is_as_read_only_as_the_original(short_sample, copy_of):
    """H40-1, H40-2: numpy drops the read-only flag through pickle and deepcopy
    (joblib and multiprocessing copy models so), and the state's parameters
    were a plain dict: an edited copy reported one model, predicted with a
    second and saved a third."""
    model = copy_of(RegimeModel(2, n_init=1, random_state=0).fit(short_sample))
    for name in ("transmat_", "means_", "covars_", "startprob_", "feature_names_in_"):
        with pytest.raises(ValueError, match="read-only"):
            getattr(model, name).flat[0] = getattr(model, name).flat[0]
    with pytest.raises(TypeError):
        model.fitted_state_.params["switch_penalty"] = 50.0
    assert model.fitted_state_.transmat is model.transmat_


def test_a_reassigned_attribute_does_not_change_what_the_model_does(
    short_sample, tmp_path
):
    """H41-3: reassigning feature_names_in_ made predict match the columns by the
    new names (each column fed where another belongs), and means_ changed
    regime_means: the model reads its fitted state, not its attributes."""
    model = RegimeModel(3, n_init=2, random_state=0).fit(short_sample)
    predicted, means = model.predict(short_sample), model.regime_means()
    model.save(tmp_path / "before.json")
    model.feature_names_in_ = model.feature_names_in_[::-1]
    model.means_ = model.means_ * 2
    assert model.predict(short_sample).equals(predicted)
    assert model.regime_means().equals(means)
    model.save(tmp_path / "after.json")
    after, before = (tmp_path / "after.json"), (tmp_path / "before.json")
    # the files are equal but for the second each was saved in
    saved = [json.loads(p.read_text()) for p in (after, before)]
    for document in saved:
        assert document.pop("saved_at")
    assert saved[0] == saved[1]


def test_same_random_state_gives_identical_fits(short_sample):
    a = RegimeModel(3, n_init=3, random_state=7).fit(short_sample)
    b = RegimeModel(3, n_init=3, random_state=7).fit(short_sample)
    for name in ["startprob_", "transmat_", "means_", "covars_"]:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    pd.testing.assert_frame_equal(a.restarts_, b.restarts_)
    assert a.log_likelihood_ == b.log_likelihood_


def test_failed_restarts_are_recorded_and_skipped(short_sample, monkeypatch):
    real_fit = RegimeHMM.fit
    calls = []

    def flaky_fit(self, X, lengths=None):
        calls.append(1)
        if len(calls) % 2:  # every other restart fails as hmmlearn does
            raise ValueError(
                "transmat_ rows must sum to 1 (got row sums of [1. 0. 1.])"
            )
        return real_fit(self, X, lengths)

    monkeypatch.setattr(RegimeHMM, "fit", flaky_fit)
    # screen_iter=0: one fit call per restart, so every other restart fails
    model = RegimeModel(3, n_init=4, screen_iter=0, random_state=0).fit(short_sample)
    errors = model.restarts_["error"]
    assert errors.str.contains("transmat_ rows must sum to 1").sum() == 2
    assert model.restarts_.loc[errors != "", "log_likelihood"].isna().all()
    assert not model.restarts_.loc[model.restarts_["best"], "error"].iloc[0]


def test_all_restarts_failing_raises_with_the_table(short_sample, monkeypatch):
    def broken_fit(self, X, lengths=None):
        raise np.linalg.LinAlgError("covariance is not positive definite")

    monkeypatch.setattr(RegimeHMM, "fit", broken_fit)
    with pytest.raises(RegimeFitError, match="all 3 EM restarts failed") as info:
        RegimeModel(3, n_init=3, random_state=0).fit(short_sample)
    assert len(info.value.restarts) == 3
    assert info.value.restarts["error"].str.contains("LinAlgError").all()


# ------------------------------------------------------------------ convergence


def test_em_converged_is_decided_from_the_history():
    assert em_converged([10.0, 10.00001], tol=1e-4)
    assert not em_converged([10.0, 11.0], tol=1e-4)  # still climbing at the cap
    assert not em_converged([10.0], tol=1e-4)
    assert not em_converged([10.0, 9.0], tol=1e-4)  # a fall is not convergence


def test_iteration_cap_is_not_convergence(short_sample):
    with pytest.warns(ConvergenceWarning, match="larger n_iter") as said:
        model = RegimeModel(3, n_iter=2, n_init=2, random_state=0).fit(short_sample)
    # its setting in each front end's words (hostile 64, 11)
    from regimes.cli import _words

    text = said[0].message.args[0]
    assert (
        "(tolerance 0.0001). Pass a larger n_iter, e.g. n_iter=4, or raise tol" in text
    )
    assert _words(text).endswith("Pass a larger n_iter, e.g. --n-iter 4.")
    assert model.converged_ is False
    assert model.n_iter_ == 2
    assert not model.restarts_["converged"].any()


def test_converged_fit_does_not_warn(short_sample):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = RegimeModel(3, n_init=3, random_state=0).fit(short_sample)
    assert model.converged_ is True
    assert [w.category.__name__ for w in caught] == []


# --------------------------------------------------------- inference and views


def test_predict_returns_ordered_categorical_on_the_input_index(fitted, sample):
    returns, _ = sample
    regimes = fitted.predict(returns)
    assert regimes.name == "regime"
    assert regimes.index.equals(returns.index)
    assert list(regimes.cat.categories) == ["Bull", "Sideways", "Bear"]
    assert regimes.cat.ordered
    pd.testing.assert_series_equal(regimes, fitted.regimes_)


def test_probabilities_are_distributions_on_the_input_index(fitted, sample):
    returns, _ = sample
    for proba in (fitted.predict_proba(returns), fitted.filter_proba(returns)):
        assert list(proba.columns) == ["Bull", "Sideways", "Bear"]
        assert proba.index.equals(returns.index)
        assert ((proba >= 0) & (proba <= 1)).all().all()
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-12)


def test_filter_proba_is_causal(fitted, sample):
    """Rows up to t are the same with the later days removed, or replaced by
    other days (the reversed returns, tripled)."""
    returns, _ = sample
    full = fitted.filter_proba(returns)
    other = returns.iloc[::-1].set_axis(returns.index) * 3
    for t in [0, 1, 250, 3001, len(returns) - 2]:
        truncated = fitted.filter_proba(returns.iloc[: t + 1])
        pd.testing.assert_frame_equal(truncated, full.iloc[: t + 1], rtol=1e-12)
        spliced = pd.concat([returns.iloc[: t + 1], other.iloc[t + 1 :]])
        changed = fitted.filter_proba(spliced).iloc[: t + 1]
        pd.testing.assert_frame_equal(changed, full.iloc[: t + 1], rtol=1e-12)
        if t < len(returns) - 2:  # the future did change: so do smoothed rows
            assert not np.allclose(
                fitted.predict_proba(spliced).iloc[: t + 1],
                fitted.predict_proba(returns).iloc[: t + 1],
                atol=1e-6,
            )


def test_smoothed_probabilities_look_ahead_but_filtered_do_not(fitted, sample):
    returns, _ = sample
    t = 2000
    smoothed_full = fitted.predict_proba(returns).iloc[t]
    smoothed_cut = fitted.predict_proba(returns.iloc[: t + 1]).iloc[t]
    assert not np.allclose(smoothed_full, smoothed_cut, atol=1e-6)


def test_filtered_log_likelihood_matches_score(fitted, sample):
    from regimes import em

    returns, _ = sample
    log_b = em.log_emission_densities(returns.to_numpy(), fitted.means_, fitted.covars_)
    _, log_prob = em.forward(fitted.startprob_, fitted.transmat_, log_b)
    assert log_prob == pytest.approx(fitted.score(returns), rel=1e-10)


def test_score_aic_bic(fitted, sample):
    returns, _ = sample
    t, d = returns.shape
    p = 2 + 6 + 3 * d + 3 * d * (d + 1) // 2
    assert fitted.n_parameters() == p
    assert fitted.score(returns) == pytest.approx(fitted.log_likelihood_)
    assert fitted.aic(returns) == pytest.approx(-2 * fitted.log_likelihood_ + 2 * p)
    assert fitted.bic(returns) == pytest.approx(fitted.hmm_.bic(returns.to_numpy()))


def test_transition_matrix_is_labelled(fitted):
    frame = fitted.transition_matrix()
    assert frame.index.name == "from" and frame.columns.name == "to"
    assert list(frame.index) == ["Bull", "Sideways", "Bear"]
    np.testing.assert_array_equal(frame.to_numpy(), fitted.transmat_)
    np.testing.assert_allclose(frame.sum(axis=1), 1.0)


def test_summary(fitted, sample):
    returns, _ = sample
    summary = fitted.summary()
    assert list(summary.index) == ["Bull", "Sideways", "Bear"]
    assert summary["share_of_days"].sum() == pytest.approx(1.0)
    decoded = fitted.regimes_
    for name in summary.index:
        assert summary.loc[name, "share_of_days"] == pytest.approx(
            (decoded == name).mean()
        )
    spells = (decoded != decoded.shift()).groupby(decoded, observed=False).sum()
    assert summary["n_spells"].tolist() == spells.loc[list(summary.index)].tolist()
    np.testing.assert_allclose(
        summary["expected_duration"], 1 / (1 - np.diag(fitted.transmat_))
    )
    stationary = summary["stationary_probability"].to_numpy()
    np.testing.assert_allclose(stationary @ fitted.transmat_, stationary, atol=1e-12)
    w = np.full(returns.shape[1], 1 / returns.shape[1])
    np.testing.assert_allclose(summary["annual_mean"], 252 * fitted.means_ @ w)
    vol = np.sqrt(252 * np.einsum("i,kij,j->k", w, fitted.covars_, w))
    np.testing.assert_allclose(summary["annual_volatility"], vol)
    assert summary.loc["Bull", "annual_mean"] > 0 > summary.loc["Bear", "annual_mean"]


def test_regime_means_and_volatilities_views(fitted):
    means = fitted.regime_means(annualize=True)
    assert list(means.columns) == list(fitted.feature_names_in_)
    np.testing.assert_allclose(means.to_numpy(), 252 * fitted.means_)
    vols = fitted.regime_volatilities()
    np.testing.assert_allclose(
        vols.to_numpy() ** 2, np.diagonal(fitted.covars_, axis1=1, axis2=2)
    )
    with pytest.raises(InvalidParameterError, match="unknown regime 'Crash'"):
        fitted.regime_correlation("Crash")


def test_hmm_attribute_is_in_regime_order(fitted):
    np.testing.assert_array_equal(fitted.hmm_.means_, fitted.means_)
    np.testing.assert_array_equal(fitted.hmm_.transmat_, fitted.transmat_)
    np.testing.assert_array_equal(fitted.hmm_.startprob_, fitted.startprob_)


def test_columns_in_another_order_are_realigned(fitted, sample):
    returns, _ = sample
    shuffled = returns[returns.columns[::-1]]
    pd.testing.assert_frame_equal(
        fitted.predict_proba(shuffled), fitted.predict_proba(returns)
    )


def test_series_and_array_inputs(short_sample):
    series = short_sample["XLK"]
    model = RegimeModel(2, n_init=2, random_state=0).fit(series)
    assert list(model.feature_names_in_) == ["XLK"]
    assert model.predict(series).index.equals(series.index)

    array_model = RegimeModel(2, n_init=2, random_state=0).fit(short_sample.to_numpy())
    assert list(array_model.feature_names_in_) == ["x0", "x1", "x2", "x3"]
    assert isinstance(array_model.predict(short_sample.to_numpy()).index, pd.RangeIndex)
    np.testing.assert_allclose(
        array_model.means_,
        RegimeModel(2, n_init=2, random_state=0).fit(short_sample).means_,
    )


def test_custom_regime_names(short_sample):
    model = RegimeModel(
        2, n_init=2, random_state=0, regime_names=["Risk-on", "Risk-off"]
    )
    model.fit(short_sample)
    assert model.regime_names_ == ("Risk-on", "Risk-off")
    assert list(model.summary().index) == ["Risk-on", "Risk-off"]


# ---------------------------------------------------------- sklearn conventions


def test_clone_and_get_params():
    model = RegimeModel(4, covariance_type="diag", n_init=3, random_state=5)
    params = model.get_params()
    assert params["n_regimes"] == 4 and params["covariance_type"] == "diag"
    copy = clone(model)
    assert copy.get_params() == params
    assert not hasattr(copy, "hmm_")


def test_constructor_stores_parameters_unchanged():
    model = RegimeModel(n_regimes=0, n_init=-1, regularization="junk")
    assert (
        model.n_regimes == 0 and model.n_init == -1 and model.regularization == "junk"
    )


def test_fit_returns_self(short_sample):
    model = RegimeModel(2, n_init=1, random_state=0)
    assert model.fit(short_sample) is model


@pytest.mark.parametrize(
    "method",
    ["predict", "predict_proba", "filter_proba", "score", "aic", "bic"],
)
def test_not_fitted_error_before_fit(method, short_sample):
    with pytest.raises(NotFittedError):
        getattr(RegimeModel(), method)(short_sample)


@pytest.mark.parametrize(
    "method",
    [
        "summary",
        "transition_matrix",
        "regime_means",
        "regime_volatilities",
        "n_parameters",
    ],
)
def test_not_fitted_error_for_views(method):
    with pytest.raises(NotFittedError):
        getattr(RegimeModel(), method)()


@pytest.mark.parametrize(
    "call",
    [
        lambda m, r: m.results(r),
        lambda m, r: m.standard_errors(r),
        lambda m, r: m.report(r),
        lambda m, r: m.forecast(r),
        lambda m, r: m.regime_correlation("Bull"),
        lambda m, r: m.predict_online(r),
        lambda m, r: m.signal_proba(r),
        lambda m, r: m.portfolio_log_densities(r),
        lambda m, r: m.hmm_,
        lambda m, r: m.fitted_state_,
        lambda m, r: m.regime_names_,
        lambda m, r: m.save("never_written.json"),
    ],
)
def test_every_use_of_an_unfitted_model_is_not_fitted_error(call, short_sample):
    """Hostile 15: results() and hmm_ raised a bare AttributeError."""
    with pytest.raises(NotFittedError, match="not fitted yet"):
        call(RegimeModel(), short_sample)
    assert not hasattr(RegimeModel(), "hmm_")
    assert getattr(RegimeModel(), "means_", None) is None


# ------------------------------------------------ screening, n_jobs, warm start


def test_screening_continues_only_the_best(sample):
    returns, _ = sample
    screened = RegimeModel(3, n_init=8, n_keep=2, screen_iter=5, random_state=0)
    screened.fit(returns)
    table = screened.restarts_
    assert (table.loc[table["screened_out"], "n_iter"] == 5).all()
    assert (~table["screened_out"] & (table["n_iter"] > 5)).sum() <= 2
    full = RegimeModel(3, n_init=8, screen_iter=0, random_state=0).fit(returns)
    assert not full.restarts_["screened_out"].any()
    # same seeds, same optimum here; screening saves iterations
    assert screened.log_likelihood_ == pytest.approx(full.log_likelihood_, abs=1e-2)
    assert table["n_iter"].sum() < full.restarts_["n_iter"].sum()


def test_n_jobs_gives_the_same_fit(short_sample):
    one = RegimeModel(3, n_init=4, random_state=3).fit(short_sample)
    two = RegimeModel(3, n_init=4, random_state=3, n_jobs=2).fit(short_sample)
    # the restarts run on threads of this process, each with one BLAS thread as
    # n_jobs=1 runs them: the same numbers, bit for bit
    pd.testing.assert_frame_equal(one.restarts_, two.restarts_, check_exact=True)
    np.testing.assert_array_equal(one.covars_, two.covars_)
    pd.testing.assert_series_equal(one.regimes_, two.regimes_)


def test_warm_start_begins_at_the_previous_fit(sample, short_sample):
    returns, _ = sample
    model = RegimeModel(3, n_init=3, random_state=0, warm_start=True)
    model.fit(returns.iloc[:5000])
    cold_iterations = model.n_iter_
    model.fit(returns.iloc[:5100])  # a little more data: a refit
    warm = model.restarts_.iloc[0]
    assert warm["init"] == "warm"
    assert warm["n_iter"] < cold_iterations
    # it reaches the optimum the fresh restarts find
    best = model.restarts_["log_likelihood"].max()
    assert warm["log_likelihood"] == pytest.approx(best, abs=0.01)
    with pytest.raises(
        InvalidParameterError, match="warm_start needs the same columns"
    ):
        model.fit(returns.iloc[:5100, :3])


def test_if_the_kept_restarts_fail_the_next_ones_continue(short_sample, monkeypatch):
    from regimes import _restarts

    real = _restarts.continue_restart
    calls = []

    def first_batch_collapses(shared, run, settings, *rest):
        calls.append(run.seed)
        if len(calls) <= 2:  # the two best after screening collapse later on
            run.error, run.hmm, run.log_likelihood = "degenerate: test", None, np.nan
            return run
        return real(shared, run, settings, *rest)

    monkeypatch.setattr(_restarts, "continue_restart", first_batch_collapses)
    model = RegimeModel(3, n_init=6, n_keep=2, random_state=0).fit(short_sample)
    table = model.restarts_
    assert len(calls) >= 3  # a second batch was continued
    best = table.loc[table["best"]].iloc[0]
    assert not best["screened_out"] and best["error"] == "" and best["n_iter"] > 10
    assert model.converged_


def test_a_tied_regime_of_a_few_days_is_a_regime():
    """Hostile 29, H29-11: a 'tied' restart was thrown away because 'a regime
    explains 6.9 days, fewer than the 8 its covariance needs'; a tied
    covariance is pooled over every day, so a short regime (a crash, what a tied
    model is often chosen for) leaves it non-singular. Such a regime needs only
    its mean; a 'full' one still needs more days than columns."""
    from regimes.data import load_sample

    returns = load_sample().iloc[-100:]
    model = RegimeModel(3, covariance_type="tied", n_init=1, random_state=0)
    model.fit(returns)
    assert np.all(np.linalg.eigvalsh(model.covars_[0]) > 0)
    assert np.isfinite(model.score(returns))


def test_a_tolerance_below_rounding_is_told_as_such_and_the_fix_converges():
    """Hostile 81, 6: tol=0 stopped EM on a fall of 1e-12 (rounding) and advised
    a larger n_iter, which stopped the same way, at every doubling."""
    import re

    from sklearn.exceptions import ConvergenceWarning

    from regimes.data import load_sample

    returns = load_sample().iloc[-1500:]
    with pytest.warns(ConvergenceWarning, match="no longer rose") as record:
        RegimeModel(2, n_init=1, random_state=0, tol=0).fit(returns)
    said = str(record[0].message)
    assert "n_iter" not in said
    tol = float(re.search(r"Pass tol=([0-9.e-]+) or more", said).group(1))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = RegimeModel(2, n_init=1, random_state=0, tol=tol).fit(returns)
    assert model.converged_
