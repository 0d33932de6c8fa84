"""regimes.em: the seed's equations, checked against hmmlearn and the seed's numbers."""

from __future__ import annotations

import numpy as np
import pytest
from hmmlearn.hmm import GaussianHMM

from regimes import RegimeModel, em
from regimes._covariance import read_full, write_full
from regimes._hmm import NO_PRIORS

from .conftest import KnownHMM, _equicorrelated

D = 5
FIVE = KnownHMM(
    startprob=np.array([0.5, 0.3, 0.2]),
    transmat=np.array([[0.97, 0.02, 0.01], [0.03, 0.95, 0.02], [0.02, 0.05, 0.93]]),
    means=np.array([[5] * D, [0] * D, [-12] * D]) * 1e-4 + np.linspace(-1, 1, D) * 1e-4,
    covars=np.array(
        [
            _equicorrelated(v, r, D)
            for v, r in [(0.008, 0.3), (0.013, 0.5), (0.024, 0.7)]
        ]
    ),
)


@pytest.fixture(scope="module")
def X() -> np.ndarray:
    """2,000 days x 5 columns from a known HMM."""
    X, _ = FIVE.hmm().sample(2000, random_state=3)
    return X


def _start(X: np.ndarray, covariance_type: str = "full") -> em.EMParameters:
    """Deliberately wrong starting parameters (not a fixed point)."""
    rng = np.random.default_rng(0)
    transmat = np.full((3, 3), 0.1) + np.eye(3) * 0.7
    means = X.mean(0) + rng.normal(0, 0.01, size=(3, X.shape[1]))
    covars = em.update_covars(X, np.full((len(X), 3), 1 / 3), means, covariance_type)
    if covariance_type != "tied":  # a tied model has one covariance for all regimes
        covars = covars * np.array([0.5, 1.0, 2.0])[:, None, None]
    return em.EMParameters(np.array([0.2, 0.5, 0.3]), transmat, means, covars)


def _hmmlearn_one_iteration(
    X: np.ndarray, params: em.EMParameters, covariance_type: str
) -> tuple[GaussianHMM, float]:
    """One hmmlearn EM iteration from ``params`` with its priors switched off."""
    hmm = GaussianHMM(
        n_components=3,
        covariance_type=covariance_type,
        n_iter=1,
        init_params="",
        params="stmc",
        **NO_PRIORS,
    )
    hmm.n_features = X.shape[1]
    hmm.startprob_ = params.startprob
    hmm.transmat_ = params.transmat
    hmm.means_ = params.means
    write_full(hmm, params.covars)
    hmm.fit(X)
    return hmm, hmm.monitor_.history[0]


# ---------------------------------------------------------- against hmmlearn


@pytest.mark.parametrize("covariance_type", ["full", "diag", "spherical", "tied"])
def test_one_em_step_equals_one_hmmlearn_iteration(X, covariance_type):
    start = _start(X, covariance_type)
    ours, log_prob = em.em_step(X, *start, covariance_type=covariance_type)
    theirs, their_log_prob = _hmmlearn_one_iteration(X, start, covariance_type)

    assert log_prob == pytest.approx(their_log_prob, rel=1e-10)
    np.testing.assert_allclose(ours.startprob, theirs.startprob_, rtol=1e-8, atol=1e-14)
    np.testing.assert_allclose(ours.transmat, theirs.transmat_, rtol=1e-8)
    np.testing.assert_allclose(ours.means, theirs.means_, rtol=1e-8)
    np.testing.assert_allclose(ours.covars, read_full(theirs), rtol=1e-8, atol=1e-18)


def test_log_likelihood_and_posteriors_equal_hmmlearn(X):
    start = _start(X)
    hmm, _ = _hmmlearn_one_iteration(X, start, "full")  # any fitted model will do
    params = em.EMParameters(hmm.startprob_, hmm.transmat_, hmm.means_, read_full(hmm))
    gamma, xi, log_prob = em.e_step(X, params)
    assert log_prob == pytest.approx(hmm.score(X), rel=1e-12)
    np.testing.assert_allclose(gamma, hmm.predict_proba(X), atol=1e-10)
    filtered, forward_log_prob = em.forward(
        params.startprob, params.transmat, em.log_emission_densities(X, *params[2:])
    )
    assert forward_log_prob == pytest.approx(log_prob, rel=1e-14)
    np.testing.assert_allclose(filtered[-1], gamma[-1], atol=1e-12)  # same at t = T


def test_emission_densities_equal_scipy(X):
    from scipy.stats import multivariate_normal

    log_b = em.log_emission_densities(X[:50], FIVE.means, FIVE.covars)
    for k in range(3):
        expected = multivariate_normal(FIVE.means[k], FIVE.covars[k]).logpdf(X[:50])
        np.testing.assert_allclose(log_b[:, k], expected, rtol=1e-12)


# ------------------------------------------------------- identities of the seed


def test_gamma_and_xi_identities(X):
    gamma, xi, _ = em.e_step(X, _start(X))
    np.testing.assert_allclose(gamma.sum(axis=1), 1.0, atol=1e-12)
    assert xi.shape == (len(X) - 1, 3, 3)
    np.testing.assert_allclose(xi.sum(axis=(1, 2)), 1.0, atol=1e-10)
    # eq. (22): gamma_t(i) = sum_j xi_t(i, j), with xi_t the transition t -> t+1
    np.testing.assert_allclose(xi.sum(axis=2), gamma[:-1], atol=1e-10)
    np.testing.assert_allclose(xi.sum(axis=1), gamma[1:], atol=1e-10)


def test_em_never_decreases_the_likelihood_and_q_increases(X):
    # Theorem 2.1, over 50 iterations from a poor start
    params = _start(X)
    previous = -np.inf
    for _ in range(50):
        gamma, xi, log_prob = em.e_step(X, params)
        assert log_prob >= previous - 1e-9 * abs(log_prob)
        new = em.m_step(X, gamma, xi)
        q_old = em.expected_complete_loglik(X, gamma, xi, params)
        q_new = em.expected_complete_loglik(X, gamma, xi, new)
        assert q_new >= q_old - 1e-9 * abs(q_old)
        params, previous = new, log_prob


def test_m_step_maximises_q_against_perturbations(X):
    gamma, xi, _ = em.e_step(X, _start(X))
    best = em.m_step(X, gamma, xi)
    q_best = em.expected_complete_loglik(X, gamma, xi, best)
    rng = np.random.default_rng(1)
    for _ in range(20):
        means = best.means + rng.normal(0, 1e-4, best.means.shape)
        transmat = best.transmat * np.exp(rng.normal(0, 0.05, (3, 3)))
        transmat /= transmat.sum(axis=1, keepdims=True)
        covars = best.covars * (1 + rng.uniform(-0.05, 0.05, (3, 1, 1)))
        worse = em.EMParameters(best.startprob, transmat, means, covars)
        assert em.expected_complete_loglik(X, gamma, xi, worse) < q_best


# ------------------------------------------------------ the seed's worked examples


def test_seed_worked_example_of_the_mean_update():
    # Section 5.3: three days, returns in percent, gamma for (Bull, Bear)
    returns = np.array([[0.5], [0.3], [-0.4]])
    gamma = np.array([[0.9, 0.1], [0.8, 0.2], [0.1, 0.9]])
    mu_bull, mu_bear = em.update_means(returns, gamma)[:, 0]
    assert mu_bull == pytest.approx(0.65 / 1.8)
    assert round(mu_bull, 3) == 0.361
    assert mu_bear == pytest.approx(-0.25 / 1.2)
    assert round(mu_bear, 3) == -0.208


def test_seed_worked_example_of_the_transition_update():
    # Section 5.1: Bull seen 100 times (expected), then 90 Bull, 7 Sideways, 3 Bear
    xi = np.zeros((100, 3, 3))
    xi[:90, 0, 0] = 1.0
    xi[90:97, 0, 1] = 1.0
    xi[97:, 0, 2] = 1.0
    xi[:, 1, 1] = xi[:, 2, 2] = 1e-12  # the other rows need some mass
    np.testing.assert_allclose(em.update_transmat(xi)[0], [0.90, 0.07, 0.03])


def test_start_probability_is_the_first_posterior():
    gamma = np.array([[0.2, 0.8], [0.6, 0.4]])
    np.testing.assert_array_equal(em.update_startprob(gamma), [0.2, 0.8])


# --------------------------------------------------- RegimeModel is a fixed point


def test_regime_model_parameters_are_a_fixed_point_of_em(X):
    model = RegimeModel(
        3, n_init=3, tol=1e-6, n_iter=1000, random_state=0, regularization=0
    )
    model.fit(X)
    assert model.converged_
    new, log_prob = em.em_step(
        X, model.startprob_, model.transmat_, model.means_, model.covars_
    )
    assert log_prob == pytest.approx(model.log_likelihood_, rel=1e-12)
    gain = em.e_step(X, new)[2] - log_prob
    # EM's gains shrink as it converges: one more step gains less than the tol that
    # stopped the fit, and moves no parameter by more than 1e-3 of its scale
    assert -1e-9 * abs(log_prob) <= gain < model.tol
    np.testing.assert_allclose(
        new.means, model.means_, atol=1e-3 * np.abs(model.means_).max()
    )
    np.testing.assert_allclose(
        new.covars, model.covars_, atol=1e-3 * model.covars_.max()
    )
    np.testing.assert_allclose(new.transmat, model.transmat_, atol=1e-3)
