"""The seed's Gaussian-HMM algebra in plain numpy, equation by equation.

Equation numbers refer to the seed derivation, "Deriving the E-Step and M-Step for
Hidden Markov Models" (``shared/seed/000_27461e3573062ce2.txt``). hmmlearn runs EM
for :class:`regimes.RegimeModel`; this module holds what hmmlearn does not offer
publicly, starting with the forward pass that gives causal (filtered) probabilities.

All functions take covariances as full matrices of shape
(n_regimes, n_features, n_features) and need only numpy and scipy.
"""

from __future__ import annotations

import numpy as np
from scipy import linalg

__all__ = ["forward", "log_emission_densities"]


def log_emission_densities(
    X: np.ndarray, means: np.ndarray, covars: np.ndarray
) -> np.ndarray:
    """Log Gaussian emission densities log b_k(r_t), eq. (29).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Observations r_t.
    means : ndarray of shape (n_regimes, n_features)
        Emission means mu_k.
    covars : ndarray of shape (n_regimes, n_features, n_features)
        Emission covariances Sigma_k, symmetric positive definite.

    Returns
    -------
    ndarray of shape (n_samples, n_regimes)
        ``log N(r_t; mu_k, Sigma_k)``.

    Notes
    -----
    With the Cholesky factor Sigma_k = L L^T, the quadratic form of eq. (29) is
    ``|L^{-1} (r_t - mu_k)|^2`` and ``log|Sigma_k| = 2 sum(log diag L)``.
    """
    X = np.asarray(X, dtype=float)
    n_samples, n_features = X.shape
    out = np.empty((n_samples, len(means)))
    for k, (mu, sigma) in enumerate(zip(means, covars, strict=True)):
        chol = linalg.cholesky(sigma, lower=True)
        z = linalg.solve_triangular(chol, (X - mu).T, lower=True)
        log_det = 2.0 * np.log(np.diag(chol)).sum()
        out[:, k] = -0.5 * (n_features * np.log(2 * np.pi) + log_det + (z * z).sum(0))
    return out


def forward(
    startprob: np.ndarray, transmat: np.ndarray, log_emission: np.ndarray
) -> tuple[np.ndarray, float]:
    """Scaled forward pass: filtered probabilities and log P(O | lambda).

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
        ``log P(O | lambda)``, eq. (16) at t = T, the sum of the log scaling factors.

    Notes
    -----
    alpha_1(i) = pi_i b_i(O_1) and alpha_t(j) = sum_i alpha_{t-1}(i) A_ij b_j(O_t).
    Each row is renormalised as it is computed, and the emissions are shifted by their
    row maximum before exponentiation, so nothing underflows.
    """
    log_emission = np.asarray(log_emission, dtype=float)
    shift = log_emission.max(axis=1)
    emission = np.exp(log_emission - shift[:, None])
    filtered = np.empty_like(emission)
    log_scale = np.empty(len(emission))
    alpha = np.asarray(startprob, dtype=float)
    transmat = np.asarray(transmat, dtype=float)
    for t in range(len(emission)):
        if t:
            alpha = filtered[t - 1] @ transmat
        alpha = alpha * emission[t]
        total = alpha.sum()
        filtered[t] = alpha / total
        log_scale[t] = np.log(total)
    return filtered, float(log_scale.sum() + shift.sum())
