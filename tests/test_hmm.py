"""RegimeHMM: every override gives hmmlearn's numbers; the duration floor holds."""

from __future__ import annotations

import numpy as np
import pytest
from hmmlearn.hmm import GaussianHMM

from regimes import RegimeModel, em
from regimes._covariance import read_full, write_full
from regimes._hmm import (
    RegimeHMM,
    _forward_loop,
    floor_self_transitions,
    forward_filter,
    scaled_backward,
    scaled_forward,
    simulate,
)

COVARIANCE_TYPES = ["full", "diag", "spherical", "tied"]


def _one_iteration(cls, X, covariance_type, priors_off, before_fit=None):
    rng = np.random.default_rng(0)
    k, d = 3, X.shape[1]
    kwargs = dict(covars_prior=0.0, means_weight=0.0) if priors_off else {}
    hmm = cls(k, covariance_type=covariance_type, n_iter=1, init_params="", **kwargs)
    hmm.n_features = d
    hmm.startprob_ = np.array([0.5, 0.3, 0.2])
    hmm.transmat_ = np.full((k, k), 0.1) + 0.7 * np.eye(k)
    hmm.means_ = X.mean(0) + rng.normal(0, X.std(0), (k, d)) * 0.5
    cov = np.cov(X.T)
    full = {
        "full": np.array([cov * s for s in (0.5, 1, 2)]),
        "diag": np.array([np.diag(np.diag(cov)) * s for s in (0.5, 1, 2)]),
        "spherical": np.array(
            [np.eye(d) * np.diag(cov).mean() * s for s in (0.5, 1, 2)]
        ),
        "tied": np.array([cov] * k),
    }[covariance_type]
    write_full(hmm, full)
    if before_fit is not None:
        before_fit(hmm)
    hmm.fit(X)
    return hmm


@pytest.mark.parametrize("covariance_type", ["full", "tied"])
@pytest.mark.parametrize("accelerate", [False, True])
def test_an_iteration_on_shared_data_equals_hmmlearn(
    short_sample, covariance_type, accelerate, monkeypatch
):
    """The restarts' path: X checked once, its outer products and X with a column
    of ones formed once (share_data; the densities' means term in the product),
    through hmmlearn's loop and through SQUAREM's (which skips check_array for
    the shared X)."""
    from regimes import _hmm
    from regimes._hmm import fit_data

    used = []
    real = _hmm.log_emission_densities
    monkeypatch.setattr(
        _hmm,
        "log_emission_densities",
        lambda X, m, c, ones=None: used.append(ones is not None) or real(X, m, c, ones),
    )
    X = short_sample.to_numpy()
    shared = fit_data(X, covariance_type)
    assert shared.outer is not None and shared.with_ones is not None
    ours = _one_iteration(
        RegimeHMM,
        X,
        covariance_type,
        priors_off=True,
        before_fit=lambda hmm: (
            hmm.set_params(accelerate=accelerate),
            hmm.share_data(shared),
        ),
    )
    theirs = _one_iteration(GaussianHMM, X, covariance_type, priors_off=True)
    assert ours.monitor_.history[0] == pytest.approx(
        theirs.monitor_.history[0], rel=1e-12
    )
    np.testing.assert_allclose(ours.means_, theirs.means_, rtol=1e-10)
    np.testing.assert_allclose(read_full(ours), read_full(theirs), rtol=1e-10)
    assert used == [True]  # the E-step's densities took the shared path
    assert ours._shared_X is None  # the fitted model does not keep the data


def test_shared_data_serves_only_its_own_x(short_sample):
    """Another array of the same shape gets its own densities and its own check
    for missing values; a shared X with NaN is known to have them."""
    from regimes._hmm import fit_data

    X = short_sample.to_numpy()
    hmm = _one_iteration(RegimeHMM, X, "full", priors_off=True)
    hmm.share_data(fit_data(X, "full"))
    other = X[::-1].copy()
    np.testing.assert_array_equal(
        hmm._compute_log_likelihood(other),
        em.log_emission_densities(other, hmm.means_, read_full(hmm)),
    )
    holed = X.copy()
    holed[5, 2] = np.nan
    assert hmm._has_missing(holed) and not hmm._has_missing(X)
    hmm.share_data(fit_data(holed, "full", from_kmeans=False))
    assert hmm._has_missing(holed)


@pytest.mark.parametrize("holes", [False, True])
def test_a_start_from_shared_init_data_equals_one_formed_by_itself(short_sample, holes):
    """k-means and the starting covariances see the same data whether the
    restarts share them (formed once per fit) or the model forms them; the
    model's own X with gaps is filled for the start either way; another array
    of the same shape does not take the shared data."""
    from regimes._hmm import fit_data

    X = short_sample.to_numpy().copy()
    if holes:
        X[::17, 1] = np.nan
    starts = []
    for share in (False, True):
        hmm = RegimeHMM(3, covariance_type="full", random_state=7)
        if share:
            hmm.share_data(fit_data(X, "full"))
        hmm._init(X)
        starts.append((hmm.means_.copy(), read_full(hmm).copy()))
    np.testing.assert_array_equal(starts[0][0], starts[1][0])
    np.testing.assert_array_equal(starts[0][1], starts[1][1])
    assert np.isfinite(starts[1][0]).all()
    other = X[::-1].copy()
    hmm = RegimeHMM(3, covariance_type="full", random_state=7)
    hmm.share_data(fit_data(X, "full"))
    hmm._init(other)
    alone = RegimeHMM(3, covariance_type="full", random_state=7)
    alone._init(other)
    np.testing.assert_array_equal(hmm.means_, alone.means_)


def test_a_fit_forms_the_start_data_once(short_sample, monkeypatch):
    """What k-means sees is formed once per fit, not once per restart."""
    from regimes import _hmm, _restarts

    calls = []
    real = _hmm.init_data

    def counted(X):
        calls.append(1)
        return real(X)

    monkeypatch.setattr(_hmm, "init_data", counted)
    monkeypatch.setattr(_restarts, "init_data", counted)
    RegimeModel(n_init=4, random_state=0).fit(short_sample)
    assert len(calls) == 1


def test_a_fit_on_shared_data_with_missing_values_equals_one_without():
    from regimes._hmm import fit_data

    rng = np.random.default_rng(4)
    X = rng.normal(size=(600, 3)) * np.array([1.0, 2.0, 0.5])
    X[rng.random(X.shape) < 0.05] = np.nan
    fits = []
    for share in (False, True):
        hmm = RegimeHMM(2, covariance_type="full", n_iter=5, random_state=0)
        hmm.set_params(covars_prior=0.0, means_weight=0.0)
        if share:
            hmm.share_data(fit_data(X, "full", from_kmeans=False))
        fits.append(hmm.fit(X))
    np.testing.assert_array_equal(fits[0].means_, fits[1].means_)
    assert fits[0].monitor_.history == fits[1].monitor_.history


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_score_and_predict_equal_hmmlearn_s_score_and_predict(
    short_sample, covariance_type
):
    X = short_sample.to_numpy()
    fitted = _one_iteration(RegimeHMM, X, covariance_type, priors_off=True)
    theirs = GaussianHMM(3, covariance_type=covariance_type, init_params="")
    theirs.n_features = X.shape[1]
    theirs.startprob_, theirs.transmat_ = fitted.startprob_, fitted.transmat_
    theirs.means_ = fitted.means_
    write_full(theirs, read_full(fitted))
    score, path = fitted.score_and_predict(X)
    assert score == pytest.approx(theirs.score(X), rel=1e-12)
    np.testing.assert_array_equal(path, theirs.predict(X))
    # missing values: the engine's own score and predict (hmmlearn refuses NaN)
    holed = X.copy()
    holed[np.random.default_rng(1).random(X.shape) < 0.05] = np.nan
    score, path = fitted.score_and_predict(holed)
    assert score == pytest.approx(fitted.score(holed), rel=1e-12)
    np.testing.assert_array_equal(path, fitted.predict(holed))


def test_score_and_predict_leave_the_scaled_pass_for_tiny_transitions(short_sample):
    """Below SCALED_MIN_TRANSITION the log-space passes decide: the numbers of
    hmmlearn's log-space score, not of a scaled pass that flushed a regime."""
    from regimes._accelerate import SCALED_MIN_TRANSITION

    X = short_sample.to_numpy()
    fitted = _one_iteration(RegimeHMM, X, "full", priors_off=True)
    tiny = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    tiny = (tiny + SCALED_MIN_TRANSITION / 10) / (1 + 3 * SCALED_MIN_TRANSITION / 10)
    fitted.transmat_ = tiny
    theirs = GaussianHMM(3, covariance_type="full", init_params="")
    theirs.n_features = X.shape[1]
    theirs.startprob_, theirs.transmat_ = fitted.startprob_, tiny
    theirs.means_ = fitted.means_
    write_full(theirs, read_full(fitted))
    score, path = fitted.score_and_predict(X)
    assert score == theirs.score(X)
    np.testing.assert_array_equal(path, theirs.predict(X))


def test_the_filter_keeps_a_regime_the_transitions_cannot_refill():
    """With an identity transition matrix a regime whose probability falls below
    the double range must come back when the evidence turns (the scaled pass
    flushed it to 0 for good; the log-space pass keeps it). Worked by hand:
    day 2's odds are e^-600 e^0 against e^-200 e^0 ... regime 1 by e^400."""
    log_b = np.array([[0.0, -800.0], [-600.0, 0.0], [-600.0, 0.0], [-600.0, 0.0]])
    out = forward_filter(log_b, np.eye(2), np.array([0.5, 0.5]))
    np.testing.assert_allclose(out, [[1, 0], [1, 0], [0, 1], [0, 1]], atol=1e-80)
    assert out[1, 1] == pytest.approx(np.exp(-200.0), rel=1e-9)


def test_the_scaled_filter_equals_the_log_space_pass():
    """forward_filter's scaled pass (its fast path) against hmmlearn's log-space
    forward pass, on days 40 sigma apart and a one-hot start."""
    from hmmlearn import _hmmc

    from regimes._hmm import _exp_normalized

    rng = np.random.default_rng(7)
    log_b = rng.normal(0.0, 40.0, (3000, 3))
    A = rng.dirichlet(np.ones(3), size=3) * 0.2 + 0.8 * np.eye(3)
    for start in (np.array([0.2, 0.3, 0.5]), np.array([0.0, 1.0, 0.0])):
        with np.errstate(divide="ignore"):
            log_alpha = _hmmc.forward_log(start, A, log_b)[1]
        np.testing.assert_allclose(
            forward_filter(log_b, A, start), _exp_normalized(log_alpha), atol=1e-11
        )


@pytest.mark.parametrize("priors_off", [True, False])
@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_one_iteration_equals_hmmlearn(short_sample, covariance_type, priors_off):
    X = short_sample.to_numpy() * 100  # percent, so hmmlearn's default prior is sane
    ours = _one_iteration(RegimeHMM, X, covariance_type, priors_off)
    theirs = _one_iteration(GaussianHMM, X, covariance_type, priors_off)
    assert ours.monitor_.history[0] == pytest.approx(
        theirs.monitor_.history[0], rel=1e-12
    )
    for name in ["startprob_", "transmat_", "means_"]:
        np.testing.assert_allclose(
            getattr(ours, name), getattr(theirs, name), rtol=1e-10
        )
    np.testing.assert_allclose(read_full(ours), read_full(theirs), rtol=1e-10)


def test_log_density_and_posteriors_equal_hmmlearn(fitted, sample):
    X = sample[0].to_numpy()
    engine = fitted._engine  # the internal fast engine behind predict and score
    reference = GaussianHMM(3, covariance_type="full")
    reference.n_features = X.shape[1]
    reference.startprob_ = fitted.startprob_
    reference.transmat_ = fitted.transmat_
    reference.means_ = fitted.means_
    reference.covars_ = fitted.covars_
    np.testing.assert_allclose(
        engine._compute_log_likelihood(X),
        reference._compute_log_likelihood(X),
        rtol=1e-10,
    )
    np.testing.assert_allclose(
        engine.predict_proba(X), reference.predict_proba(X), atol=1e-10
    )
    assert engine.score(X) == pytest.approx(reference.score(X), rel=1e-12)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_hmm_attribute_is_a_plain_gaussian_hmm_with_the_fitted_parameters(
    short_sample, covariance_type
):
    model = RegimeModel(3, covariance_type=covariance_type, n_init=2, random_state=0)
    model.fit(short_sample)
    X = short_sample.to_numpy()
    assert type(model.hmm_) is GaussianHMM  # not our engine: hmmlearn's own class
    np.testing.assert_array_equal(read_full(model.hmm_), model.covars_)
    np.testing.assert_array_equal(model.hmm_.means_, model.means_)
    np.testing.assert_array_equal(model.hmm_.transmat_, model.transmat_)
    np.testing.assert_array_equal(
        model.hmm_.predict(X), model.predict(short_sample).cat.codes.to_numpy()
    )
    assert model.hmm_.score(X) == pytest.approx(model.score(short_sample), rel=1e-12)
    # hmmlearn's own EM continues from the fitted parameters: it can only climb
    # (up to the regularisation lambda I added after the fit, ~1e-6 relative)
    before = model.hmm_.score(X)
    model.hmm_.n_iter = 3
    model.hmm_.fit(X)
    assert model.hmm_.score(X) >= before - 1e-6 * abs(before)


def test_floor_is_the_constrained_maximiser():
    counts = np.array([[30.0, 50.0, 20.0], [5.0, 90.0, 5.0], [10.0, 10.0, 80.0]])
    mle = counts / counts.sum(1, keepdims=True)
    floored = floor_self_transitions(mle, 0.85)
    np.testing.assert_allclose(floored.sum(1), 1.0)
    assert np.all(np.diag(floored) >= 0.85 - 1e-15)
    np.testing.assert_array_equal(floored[1], mle[1])  # already above the floor

    def objective(a):
        return np.sum(counts * np.log(a))

    rng = np.random.default_rng(0)
    for _ in range(200):  # no feasible matrix does better
        trial = rng.dirichlet(np.ones(3), size=3)
        np.fill_diagonal(trial, 0)
        stay = rng.uniform(0.85, 1, size=3)
        trial = trial / trial.sum(1, keepdims=True) * (1 - stay)[:, None]
        np.fill_diagonal(trial, stay)
        assert objective(trial) <= objective(floored) + 1e-9


def test_min_duration_is_respected_and_lengthens_regimes(short_sample):
    free = RegimeModel(3, n_init=3, random_state=0).fit(short_sample)
    sticky = RegimeModel(3, n_init=3, min_duration=60, random_state=0).fit(short_sample)
    assert np.all(np.diag(sticky.transmat_) >= 1 - 1 / 60 - 1e-12)
    assert np.all(sticky.summary()["expected_duration"] >= 60 - 1e-6)
    assert sticky.summary()["n_spells"].sum() <= free.summary()["n_spells"].sum()
    # EM without the floor, started at the constrained optimum, can only climb from
    # there (up to lambda I, added again after the fit: a relative change of the
    # variances of 1e-6, so ~T * D * 1e-6 / 2 = 0.003 in log-likelihood)
    constrained = sticky.log_likelihood_
    sticky.set_params(min_duration=None, warm_start=True, n_init=1).fit(short_sample)
    assert sticky.restarts_["init"].tolist() == ["warm"]
    assert sticky.log_likelihood_ >= constrained - 0.01
    with pytest.raises(
        ValueError,
        match=r"min_duration of RegimeModel must be None, or a finite number in \[1, ",
    ):
        RegimeModel(min_duration=0.5).fit(short_sample)


def test_filtered_posteriors_equal_the_readable_forward_pass(fitted, sample):
    X = sample[0].to_numpy()
    log_b = em.log_emission_densities(X, fitted.means_, fitted.covars_)
    filtered, _ = em.forward(fitted.startprob_, fitted.transmat_, log_b)
    np.testing.assert_allclose(
        fitted._engine.filtered_posteriors(X), filtered, atol=1e-10
    )


def test_compiled_forward_filter_equals_the_loop_and_restarts_where_it_must():
    """The compiled pass gives the loop's numbers, -inf densities included; a day
    that no reachable regime explains falls back to the loop's restart."""
    rng = np.random.default_rng(3)
    log_b = rng.normal(0.0, 3.0, (400, 3))
    log_b[rng.random((400, 3)) < 0.2] = -np.inf  # impossible in some regimes
    log_b[np.isinf(log_b).all(axis=1), 0] = 0.0  # never in all
    A = np.array([[0.9, 0.1, 0.0], [0.05, 0.9, 0.05], [0.0, 0.2, 0.8]])
    start = np.array([0.2, 0.5, 0.3])
    compiled = forward_filter(log_b, A, start)
    loop = _forward_loop(log_b, A, start)
    np.testing.assert_allclose(compiled, loop, atol=1e-10)
    np.testing.assert_allclose(compiled.sum(axis=1), 1.0)
    # a chain that cannot leave regime 0, and a day only regime 1 explains
    stuck = np.array([[1.0, 0.0], [0.5, 0.5]])
    with np.errstate(divide="ignore"):
        days = np.log([[0.5, 0.5], [1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])
    out = forward_filter(days, stuck, np.array([1.0, 0.0]))
    assert out.tolist() == [[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.5, 0.5]]
    assert forward_filter(np.empty((0, 2)), stuck, np.array([1.0, 0.0])).shape == (0, 2)


def _iterate_from(cls, X, startprob, transmat, means, covars, **kwargs):
    """One EM iteration of ``cls`` from the given parameters, priors off."""
    hmm = cls(
        len(means),
        covariance_type="full",
        n_iter=1,
        init_params="",
        covars_prior=0.0,
        means_weight=0.0,
        **kwargs,
    )
    hmm.n_features = X.shape[1]
    hmm.startprob_, hmm.transmat_, hmm.means_ = startprob, transmat, means
    write_full(hmm, covars)
    return hmm.fit(X)


def _assert_same_iteration(ours, theirs):
    assert ours.monitor_.history[0] == pytest.approx(
        theirs.monitor_.history[0], rel=1e-12
    )
    for name in ["startprob_", "transmat_", "means_"]:
        np.testing.assert_allclose(
            getattr(ours, name), getattr(theirs, name), rtol=1e-10, atol=1e-300
        )
    np.testing.assert_allclose(read_full(ours), read_full(theirs), rtol=1e-10)


def test_scaled_e_step_survives_a_day_no_regime_explains(short_sample):
    # A day 60 standard deviations out: its density is below 1e-700 in every
    # regime, so exp(log-density) is 0 everywhere and hmmlearn's own scaled pass
    # fails; the row shift of RegimeHMM's scaled E-step must give hmmlearn's
    # log-space numbers.
    X = short_sample.to_numpy() * 100
    X[700] = X.mean(0) + 60 * X.std(0) * (-1) ** np.arange(X.shape[1])
    k, d = 3, X.shape[1]
    cov = np.cov(X[:600].T)
    params = (
        np.array([0.5, 0.3, 0.2]),
        np.full((k, k), 0.1) + 0.7 * np.eye(k),
        X[:600].mean(0) + np.random.default_rng(0).normal(0, 0.3, (k, d)),
        np.array([cov * s for s in (0.5, 1, 2)]),
    )
    ours = _iterate_from(RegimeHMM, X, *params)
    theirs = _iterate_from(GaussianHMM, X, *params, implementation="log")
    _assert_same_iteration(ours, theirs)
    assert ours._estep_space == "scaled"  # no fallback to log space was needed
    assert np.all(em.log_emission_densities(X[700:701], *params[2:]) < -745)
    with pytest.raises(ValueError, match="underflow"):
        _iterate_from(GaussianHMM, X, *params, implementation="scaling")


def test_scaled_e_step_falls_back_to_log_space_when_it_underflows():
    # Regime 1 is the only one that explains day 3, and it is reachable only
    # with probability 1e-310: the scaled forward pass sees a total below
    # 1e-300 on that day and gives up; the E-step must then run in log space
    # and still give hmmlearn's log-space numbers.
    X = np.array([[0.1], [-0.2], [0.0], [100.0], [0.3], [-0.1], [0.2], [0.0]])
    params = (
        np.array([1.0, 0.0]),
        np.array([[1.0, 1e-310], [0.5, 0.5]]),
        np.array([[0.0], [100.0]]),
        np.array([[[1.0]], [[1.0]]]),
    )
    ours = _iterate_from(RegimeHMM, X, *params)
    theirs = _iterate_from(GaussianHMM, X, *params, implementation="log")
    _assert_same_iteration(ours, theirs)
    assert ours._estep_space == "log"
    assert ours.monitor_.history[0] > -np.inf


def test_long_sequence_iteration_equals_the_readable_scaled_e_step(sample):
    # Over 6,000 days hmmlearn's log-space lattice rounds at the scale of the
    # running log-likelihood, so it is the less exact side; the scaled E-step
    # agrees with regimes.em (plain numpy, also scaled) far below that.
    X = sample[0].to_numpy() * 100
    k, d = 3, X.shape[1]
    cov = np.cov(X.T)
    params = (
        np.full(k, 1 / k),
        np.full((k, k), 0.05) + 0.85 * np.eye(k),
        X.mean(0) + np.random.default_rng(1).normal(0, 0.1, (k, d)),
        np.array([cov * s for s in (0.5, 1, 2)]),
    )
    ours = _iterate_from(RegimeHMM, X, *params)
    readable, log_prob = em.em_step(X, *params)
    assert ours.monitor_.history[0] == pytest.approx(log_prob, rel=1e-14)
    for mine, exact in zip(
        (ours.startprob_, ours.transmat_, ours.means_, read_full(ours)),
        readable,
        strict=True,
    ):
        np.testing.assert_allclose(mine, exact, rtol=1e-12)


def test_a_day_with_no_finite_density_gives_hmmlearn_s_result():
    # Day 2 is beyond float range for both regimes (its log-density is -inf):
    # the row shift must not turn it into NaN; the E-step then matches hmmlearn.
    X = np.array([[0.1], [-0.2], [1e200], [0.3], [-0.1], [0.2]])
    params = (
        np.array([0.5, 0.5]),
        np.array([[0.9, 0.1], [0.2, 0.8]]),
        np.array([[0.0], [1.0]]),
        np.array([[[1.0]], [[2.0]]]),
    )
    with np.errstate(all="ignore"):
        ours = _iterate_from(RegimeHMM, X, *params)
        theirs = _iterate_from(GaussianHMM, X, *params, implementation="log")
    assert ours.monitor_.history[0] == theirs.monitor_.history[0] == -np.inf
    assert ours._estep_space == "log"


def test_scaled_passes_equal_the_readable_recursions():
    """The compiled scaled passes the standard errors use give the loops' numbers,
    a block continued from the one before (forward) and after (backward) included."""
    rng = np.random.default_rng(0)
    A = rng.random((3, 3))
    A /= A.sum(axis=1, keepdims=True)
    e = rng.random((60, 3))
    predicted = np.array([0.2, 0.3, 0.5])
    alpha, c = np.empty((60, 3)), np.empty(60)
    for t in range(60):
        row = predicted * e[0] if t == 0 else (alpha[t - 1] @ A) * e[t]
        c[t] = row.sum()
        alpha[t] = row / c[t]
    fast_alpha, fast_c = scaled_forward(predicted, A, e)
    np.testing.assert_allclose(fast_alpha, alpha, rtol=1e-12)
    np.testing.assert_allclose(fast_c, c, rtol=1e-12)
    for after in (None, rng.random(3)):
        beta = np.empty((60, 3))
        beta[-1] = 1.0 if after is None else A @ after
        for t in range(59, 0, -1):
            beta[t - 1] = A @ (e[t] * beta[t] / c[t])
        np.testing.assert_allclose(
            scaled_backward(A, e, c, after), beta / c[:, None], rtol=1e-12
        )
    # a day no regime can explain: the forward pass reports it (None)
    assert scaled_forward(predicted, A, np.zeros((2, 3))) is None


@pytest.mark.parametrize("covariance_type", ["full", "tied"])
def test_a_start_that_is_not_positive_definite_is_refused_as_hmmlearn_refuses_it(
    covariance_type,
):
    """Collinear columns and a min_covar below the rounding of their covariance's
    eigenvalues: the starting covariance is not positive definite, and the start
    is refused with hmmlearn's own error, not written unchecked."""
    rng = np.random.default_rng(0)
    a = rng.normal(size=(300, 1)) * 1e3
    X = np.hstack([a, a * 0.7, a * 1.3, rng.normal(size=(300, 1))])
    assert np.linalg.eigvalsh(np.cov(X.T) + 1e-12 * np.eye(4)).min() <= 0
    hmm = RegimeHMM(3, covariance_type=covariance_type, min_covar=1e-12)
    with pytest.raises(ValueError, match="positive-definite"):
        hmm._init(X)


def test_simulate_draws_the_hmm_it_is_given():
    """The bootstrap's sampler against the model's own parameters, statistically.

    Each check allows 4.5 standard errors of its estimate (a false alarm about
    once in 150,000 per check, ~30 checks): transition frequencies (binomial),
    each regime's means (sample means), variances and covariance (a sample
    covariance's standard error, sqrt((s_ii s_jj + s_ij^2) / n)), and the first
    day's regime over independent draws.
    """
    startprob = np.array([0.6, 0.3, 0.1])
    transmat = np.array([[0.95, 0.04, 0.01], [0.10, 0.85, 0.05], [0.02, 0.18, 0.80]])
    means = np.array([[0.5, -0.2], [0.0, 0.1], [-1.0, 0.4]])
    covars = np.array(
        [[[1.0, 0.3], [0.3, 0.5]], [[2.0, -0.8], [-0.8, 1.0]], [[4.0, 1.9], [1.9, 1.0]]]
    )
    X, path = simulate(startprob, transmat, means, covars, 200_000, random_state=7)
    assert X.shape == (200_000, 2) and path.shape == (200_000,)
    counts = np.zeros((3, 3))
    np.add.at(counts, (path[:-1], path[1:]), 1)
    rows = counts.sum(axis=1, keepdims=True)
    se = np.sqrt(transmat * (1 - transmat) / rows)
    assert (np.abs(counts / rows - transmat) <= 4.5 * se).all()
    for k in range(3):
        days = X[path == k]
        n = len(days)
        assert (
            np.abs(days.mean(axis=0) - means[k])
            <= 4.5 * np.sqrt(np.diag(covars[k]) / n)
        ).all()
        s = covars[k]
        cov_se = np.sqrt((np.outer(np.diag(s), np.diag(s)) + s**2) / n)
        assert (np.abs(np.cov(days.T) - s) <= 4.5 * cov_se).all()
    rng = np.random.RandomState(11)  # one stream: independent first days
    first = [
        simulate(startprob, transmat, means, covars, 1, rng)[1][0] for _ in range(3000)
    ]
    share = np.bincount(first, minlength=3) / 3000
    se = np.sqrt(startprob * (1 - startprob) / 3000)
    assert (np.abs(share - startprob) <= 4.5 * se).all()


def test_simulate_is_reproducible_and_takes_a_singular_covariance():
    startprob, transmat = np.array([1.0, 0.0]), np.array([[0.9, 0.1], [0.2, 0.8]])
    means = np.zeros((2, 2))
    flat = np.array([[1.0, 1.0], [1.0, 1.0]])  # rank 1: every draw has x == y
    covars = np.stack([flat, np.eye(2)])
    X, path = simulate(startprob, transmat, means, covars, 500, random_state=3)
    again, same_path = simulate(startprob, transmat, means, covars, 500, random_state=3)
    assert np.array_equal(X, again) and np.array_equal(path, same_path)
    assert path[0] == 0  # startprob puts the first day in regime 0
    np.testing.assert_allclose(X[path == 0, 0], X[path == 0, 1], atol=1e-12)
    assert np.std(X[path == 0, 0]) > 0.5
    other, _ = simulate(startprob, transmat, means, covars, 500, random_state=4)
    assert not np.array_equal(X, other)
    empty, none = simulate(startprob, transmat, means, covars, 0, random_state=3)
    assert empty.shape == (0, 2) and none.shape == (0,)


@pytest.mark.parametrize("d", [1, 2, 7, 12])
def test_outer_products_are_the_upper_triangles_in_row_major_order(d):
    # the E-step's scatter mirrors these numbers back by np.triu_indices: the
    # order and every number must be those of x_t x_t^T's upper triangle
    from regimes._hmm import outer_products

    rng = np.random.default_rng(d)
    X = np.asfortranarray(rng.standard_normal((50, d)))[::2]  # a strided view
    rows, cols = np.triu_indices(d)
    expected = np.stack([np.outer(x, x)[rows, cols] for x in X])
    assert np.array_equal(outer_products(X), expected)
    assert outer_products(X, "diag") is None
