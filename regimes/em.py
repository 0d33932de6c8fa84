"""The seed's Gaussian-HMM EM in plain numpy, equation by equation.

Equation numbers refer to the project's EM derivation for Gaussian HMMs (the
forward-backward E-step and the maximum-likelihood M-step), which the README and
``notebooks/01_em_from_the_seed.ipynb`` retell.
:class:`regimes.RegimeModel` fits with hmmlearn, whose EM runs in compiled code and
private methods; this module spells the same algebra out so that every number can be
checked (``tests/test_em.py`` proves one :func:`em_step` equals one hmmlearn iteration)
and taught (``notebooks/01_em_from_the_seed.ipynb``). It also gives the package its
forward filter (:func:`forward`), which hmmlearn lacks.

Conventions
-----------
- Covariances are full matrices, shape (n_regimes, n_features, n_features), for every
  covariance type; the type only changes the M-step (:func:`update_covars`).
- Time is 0-based in code: ``X[t]`` is the seed's O_{t+1}.
- **The index of xi.** The seed defines xi twice: eq. (11) as the transition
  (t-1) -> t, eq. (18) as t -> t+1; eq. (22), gamma_t(i) = sum_j xi_t(i, j), holds
  only for the second, and eq. (27) then sums xi over t = 2..T with denominator
  sum_{t=2..T} gamma_t(i), which mixes the two. Here ``xi[t, i, j] = P(q_t = i,
  q_{t+1} = j | O)`` for t = 0..T-2 (eq. 18), so eq. (22) reads ``xi[t].sum(1) ==
  gamma[t]`` and ``xi[t].sum(0) == gamma[t + 1]``, and eq. (27) is the summed xi with
  each row normalised: its denominator is sum over t = 1..T-1 (seed indexing) of
  gamma_t(i), the expected number of transitions out of i.
- The forward-backward pass is the scaled (Rabiner) one: alpha is normalised at every
  step and the emissions are shifted by their row maximum before exponentiation, so
  nothing underflows; log P(O | lambda) is recovered from the scaling factors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from ._gaussian import EMParameters, log_emission_densities

__all__ = [
    "EMParameters",
    "ForwardBackward",
    "backward",
    "e_step",
    "em_step",
    "expected_complete_loglik",
    "forward",
    "forward_backward",
    "log_emission_densities",
    "m_step",
    "posteriors",
    "transition_posteriors",
    "update_covars",
    "update_means",
    "update_startprob",
    "update_transmat",
]


class ForwardBackward(NamedTuple):
    """The scaled forward-backward lattice of one sequence."""

    alpha: np.ndarray
    """(T, K): alpha_t(i) / P(O_1..O_t) = P(q_t = i | O_1..O_t), rows sum to 1."""
    beta: np.ndarray
    """(T, K): beta_t(i) scaled so that alpha * beta = gamma (eq. 17)."""
    emission: np.ndarray
    """(T, K): b_j(O_t) divided by its row maximum (the shift of log_prob)."""
    scale: np.ndarray
    """(T,): c_t = P(O_t | O_1..O_{t-1}) in the shifted units of ``emission``."""
    log_prob: float
    """log P(O | lambda), eq. (16) at t = T."""


# ---------------------------------------------------------------------- E-step


def _forward_scaled(
    startprob: np.ndarray, transmat: np.ndarray, log_emission: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Normalised alpha, shifted emissions, scaling factors and log P(O | lambda)."""
    log_emission = np.asarray(log_emission, dtype=float)
    shift = log_emission.max(axis=1)
    emission = np.exp(log_emission - shift[:, None])
    alpha = np.empty_like(emission)
    scale = np.empty(len(emission))
    transmat = np.asarray(transmat, dtype=float)
    current = np.asarray(startprob, dtype=float) * emission[0]
    for t in range(len(emission)):
        if t:
            current = (alpha[t - 1] @ transmat) * emission[t]
        scale[t] = current.sum()
        alpha[t] = current / scale[t]
    with np.errstate(divide="ignore"):
        log_prob = float(np.log(scale).sum() + shift.sum())
    return alpha, emission, scale, log_prob


def forward(
    startprob: np.ndarray, transmat: np.ndarray, log_emission: np.ndarray
) -> tuple[np.ndarray, float]:
    """Forward pass: filtered probabilities and log P(O | lambda), eqs (15)-(16).

    Parameters
    ----------
    startprob : ndarray of shape (n_regimes,)
        Initial distribution pi.
    transmat : ndarray of shape (n_regimes, n_regimes)
        Transition matrix A, rows summing to 1.
    log_emission : ndarray of shape (n_samples, n_regimes)
        ``log b_k(O_t)``, e.g. from :func:`log_emission_densities`.

    Returns
    -------
    filtered : ndarray of shape (n_samples, n_regimes)
        ``P(q_t = i | O_1, ..., O_t)``: alpha_t(i) of eq. (15) normalised over i.
        Row t depends on rows 0..t of ``log_emission`` only (it is causal).
    log_prob : float
        ``log P(O | lambda)``, eq. (16) at t = T.

    Notes
    -----
    alpha_1(i) = pi_i b_i(O_1) and alpha_t(j) = sum_i alpha_{t-1}(i) A_ij b_j(O_t).
    """
    alpha, _, _, log_prob = _forward_scaled(startprob, transmat, log_emission)
    return alpha, log_prob


def backward(
    transmat: np.ndarray, emission: np.ndarray, scale: np.ndarray
) -> np.ndarray:
    """Scaled backward pass, beta_t(i) = P(O_{t+1}..O_T | q_t = i) of eq. (15).

    beta_T(i) = 1 and beta_t(i) = sum_j A_ij b_j(O_{t+1}) beta_{t+1}(j), each step
    divided by the forward scaling factor c_{t+1}, so that ``alpha * beta`` is gamma.

    Parameters
    ----------
    transmat : ndarray of shape (n_regimes, n_regimes)
    emission : ndarray of shape (n_samples, n_regimes)
        Shifted emission densities, as in :class:`ForwardBackward`.
    scale : ndarray of shape (n_samples,)
        Forward scaling factors from the same emissions.

    Returns
    -------
    ndarray of shape (n_samples, n_regimes)
    """
    beta = np.empty_like(emission)
    beta[-1] = 1.0
    for t in range(len(emission) - 2, -1, -1):
        beta[t] = transmat @ (emission[t + 1] * beta[t + 1]) / scale[t + 1]
    return beta


def forward_backward(
    startprob: np.ndarray, transmat: np.ndarray, log_emission: np.ndarray
) -> ForwardBackward:
    """Both passes of the E-step (eqs 15-16), scaled; see :class:`ForwardBackward`."""
    alpha, emission, scale, log_prob = _forward_scaled(
        startprob, transmat, log_emission
    )
    beta = backward(np.asarray(transmat, dtype=float), emission, scale)
    return ForwardBackward(alpha, beta, emission, scale, log_prob)


def posteriors(lattice: ForwardBackward) -> np.ndarray:
    """gamma_t(i) = alpha_t(i) beta_t(i) / sum_j alpha_t(j) beta_t(j), eq. (17).

    Returns
    -------
    ndarray of shape (n_samples, n_regimes)
        Smoothed state probabilities P(q_t = i | O); rows sum to 1.
    """
    gamma = lattice.alpha * lattice.beta
    return gamma / gamma.sum(axis=1, keepdims=True)


def transition_posteriors(lattice: ForwardBackward, transmat: np.ndarray) -> np.ndarray:
    """xi_t(i, j) = P(q_t = i, q_{t+1} = j | O), eq. (21).

    alpha_t(i) A_ij b_j(O_{t+1}) beta_{t+1}(j), normalised over (i, j): with the
    scaled lattice the normaliser is the scaling factor c_{t+1}.

    Returns
    -------
    ndarray of shape (n_samples - 1, n_regimes, n_regimes)
        ``xi[t, i, j]`` for the transition from day t to day t + 1 (eq. 18's index).
    """
    forward_part = lattice.alpha[:-1, :, None] * np.asarray(transmat)[None]
    backward_part = (lattice.emission[1:] * lattice.beta[1:])[:, None, :]
    return forward_part * backward_part / lattice.scale[1:, None, None]


def e_step(X: np.ndarray, params: EMParameters) -> tuple[np.ndarray, np.ndarray, float]:
    """The E-step: gamma (eq. 17), xi (eq. 21) and log P(O | lambda) (eq. 16).

    Returns
    -------
    gamma : ndarray of shape (n_samples, n_regimes)
    xi : ndarray of shape (n_samples - 1, n_regimes, n_regimes)
    log_prob : float
    """
    log_b = log_emission_densities(X, params.means, params.covars)
    lattice = forward_backward(params.startprob, params.transmat, log_b)
    return (
        posteriors(lattice),
        transition_posteriors(lattice, params.transmat),
        lattice.log_prob,
    )


# ---------------------------------------------------------------------- M-step


def update_startprob(gamma: np.ndarray) -> np.ndarray:
    """pi_i = gamma_1(i), eq. (28)."""
    return np.asarray(gamma[0], dtype=float).copy()


def update_transmat(xi: np.ndarray) -> np.ndarray:
    """A_ij = expected transitions i -> j / expected transitions out of i, eq. (27).

    Parameters
    ----------
    xi : ndarray of shape (n_samples - 1, n_regimes, n_regimes)
        Transition posteriors (eq. 21), or any soft counts of transitions.

    Returns
    -------
    ndarray of shape (n_regimes, n_regimes)
        Rows sum to 1. The denominator, ``xi.sum(0).sum(1)``, is the sum of
        gamma_t(i) over the days that have a successor (see the module notes).
    """
    counts = np.asarray(xi, dtype=float).sum(axis=0)
    return counts / counts.sum(axis=1, keepdims=True)


def update_means(X: np.ndarray, gamma: np.ndarray) -> np.ndarray:
    """mu_k = sum_t gamma_t(k) r_t / sum_t gamma_t(k), eq. (35)."""
    gamma = np.asarray(gamma, dtype=float)
    return (gamma.T @ np.asarray(X, dtype=float)) / gamma.sum(axis=0)[:, None]


def _scatter(X: np.ndarray, gamma: np.ndarray, means: np.ndarray) -> np.ndarray:
    """sum_t gamma_t(k) (r_t - mu_k)(r_t - mu_k)^T for each k: eq. (41)'s numerator."""
    out = np.empty((len(means), X.shape[1], X.shape[1]))
    for k, mu in enumerate(means):
        centred = X - mu
        out[k] = (gamma[:, k, None] * centred).T @ centred
    return out


def _covars_full(scatter: np.ndarray, weight: np.ndarray) -> np.ndarray:
    return scatter / weight[:, None, None]


def _covars_diag(scatter: np.ndarray, weight: np.ndarray) -> np.ndarray:
    variances = np.diagonal(scatter, axis1=1, axis2=2) / weight[:, None]
    return variances[:, :, None] * np.eye(scatter.shape[1])


def _covars_spherical(scatter: np.ndarray, weight: np.ndarray) -> np.ndarray:
    variance = np.diagonal(scatter, axis1=1, axis2=2).mean(axis=1) / weight
    return variance[:, None, None] * np.eye(scatter.shape[1])


def _covars_tied(scatter: np.ndarray, weight: np.ndarray) -> np.ndarray:
    shared = scatter.sum(axis=0) / weight.sum()
    return np.repeat(shared[None], len(scatter), axis=0)


# eq. (41) restricted to each covariance family: its maximiser is the matching
# restriction of the weighted scatter (diagonal, mean variance, or pooled).
_COVARIANCE_UPDATES: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "full": _covars_full,
    "diag": _covars_diag,
    "spherical": _covars_spherical,
    "tied": _covars_tied,
}


def update_covars(
    X: np.ndarray, gamma: np.ndarray, means: np.ndarray, covariance_type: str = "full"
) -> np.ndarray:
    """Sigma_k = weighted scatter of r_t around mu_k / sum_t gamma_t(k), eq. (41).

    ``Sigma_k = sum_t gamma_t(k) (r_t - mu_k)(r_t - mu_k)^T / sum_t gamma_t(k)``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    gamma : ndarray of shape (n_samples, n_regimes)
    means : ndarray of shape (n_regimes, n_features)
        The updated means (eq. 35), as the seed's hat on mu_k says.
    covariance_type : {"full", "diag", "spherical", "tied"}, default="full"
        'diag' keeps the diagonal of eq. (41), 'spherical' its mean, 'tied' pools
        the scatter of all regimes over all days.

    Returns
    -------
    ndarray of shape (n_regimes, n_features, n_features)
    """
    X = np.asarray(X, dtype=float)
    gamma = np.asarray(gamma, dtype=float)
    return _COVARIANCE_UPDATES[covariance_type](
        _scatter(X, gamma, means), gamma.sum(axis=0)
    )


def m_step(
    X: np.ndarray, gamma: np.ndarray, xi: np.ndarray, covariance_type: str = "full"
) -> EMParameters:
    """The M-step: eqs (28), (27), (35) and (41) from the E-step's gamma and xi."""
    means = update_means(X, gamma)
    return EMParameters(
        startprob=update_startprob(gamma),
        transmat=update_transmat(xi),
        means=means,
        covars=update_covars(X, gamma, means, covariance_type),
    )


def em_step(
    X: np.ndarray,
    startprob: np.ndarray,
    transmat: np.ndarray,
    means: np.ndarray,
    covars: np.ndarray,
    covariance_type: str = "full",
) -> tuple[EMParameters, float]:
    """One EM iteration: E-step with the given parameters, then the M-step.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    startprob, transmat, means, covars
        The current parameters lambda_old (covariances in full form).
    covariance_type : {"full", "diag", "spherical", "tied"}, default="full"

    Returns
    -------
    params : EMParameters
        lambda_new, which by Theorem 2.1 has log P(O | lambda_new) >= log_prob.
    log_prob : float
        log P(O | lambda_old), the quantity hmmlearn's monitor records.
    """
    old = EMParameters(startprob, transmat, means, covars)
    gamma, xi, log_prob = e_step(np.asarray(X, dtype=float), old)
    return m_step(X, gamma, xi, covariance_type), log_prob


def expected_complete_loglik(
    X: np.ndarray, gamma: np.ndarray, xi: np.ndarray, params: EMParameters
) -> float:
    """The Q-function, eq. (12): E[log P(O, Q | lambda)] under gamma and xi.

    Term (I), sum_i gamma_1(i) log pi_i; term (II), sum_t sum_ij xi_t(i, j) log A_ij;
    term (III), sum_t sum_k gamma_t(k) log b_k(O_t). ``gamma`` and ``xi`` come from
    lambda_old (:func:`e_step`); ``params`` is the lambda being scored. Terms whose
    weight is zero count as zero even where the log is -inf.
    """
    log_b = log_emission_densities(X, params.means, params.covars)
    with np.errstate(divide="ignore"):
        log_pi = np.log(params.startprob)
        log_a = np.log(params.transmat)
    initial = np.sum(np.where(gamma[0] > 0, gamma[0] * log_pi, 0.0))
    transitions = np.sum(np.where(xi > 0, xi * log_a, 0.0))
    emissions = np.sum(gamma * log_b)
    return float(initial + transitions + emissions)
