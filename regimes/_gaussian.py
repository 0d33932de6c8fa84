"""Gaussian emission densities and the parameter record: the maths every fit uses.

:mod:`regimes.em` writes the whole EM derivation out as readable numpy and is the
reference the tests compare against; production code (the fit, the decoders, the
standard errors) imports only this small module, so the reference can stay written
for reading rather than speed.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np

__all__ = ["EMParameters", "log_emission_densities"]

MAD_TO_SD = 1.4826
"""A median absolute deviation times this is the standard deviation of normal
data: the robust spread every robust check and the k-means start use."""


def product(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The matrix product ``a @ b``, letting other threads run while BLAS works.

    For the products of EM's every iteration (days x a few columns). numpy's
    ``@`` can hold the GIL through a product of two matrices, depending on the
    shapes (numpy 2.4): the E-step's scatter, posteriors^T (3 x 8,312) times the
    bundled sample's 8,312 x 28 outer products, ran 0.94x as fast on two threads
    as on one with ``@`` and 1.99x with ``np.dot``, which lets go of the GIL
    around its BLAS call whatever the shapes (``benchmarks/thread_scaling.py``).
    Restarts on threads (``n_jobs``) would otherwise queue for the GIL there.
    Same result, same BLAS call.

    Examples
    --------
    >>> a = np.arange(6.0).reshape(3, 2)
    >>> bool(np.array_equal(product(a.T, a), a.T @ a))
    True
    """
    return np.dot(a, b)


def row_max(a: np.ndarray) -> np.ndarray:
    """``a.max(axis=1)`` for a 2-D array with few columns (days x regimes).

    numpy reduces a short last axis row by row; the maximum of the columns taken
    pairwise runs over all the days at once, several times faster at 2-4 columns.
    """
    return functools.reduce(np.maximum, a.T)


def row_sums(a: np.ndarray) -> np.ndarray:
    """``a.sum(axis=1)`` for a 2-D array with few columns (one BLAS product)."""
    return a @ np.ones(a.shape[1])


class EMParameters(NamedTuple):
    """HMM parameters lambda = (pi, A, mu, Sigma), covariances in full form."""

    startprob: np.ndarray
    transmat: np.ndarray
    means: np.ndarray
    covars: np.ndarray


def log_emission_densities(
    X: np.ndarray,
    means: np.ndarray,
    covars: np.ndarray,
    with_ones: np.ndarray | None = None,
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
    with_ones : ndarray of shape (n_samples, n_features + 1), optional
        X with a column of ones appended (:func:`with_ones_column`), for a
        caller that evaluates the densities of the same X many times (EM): the
        means' term then joins the matrix product.

    Returns
    -------
    ndarray of shape (n_samples, n_regimes)
        ``log N(r_t; mu_k, Sigma_k)``.

    Raises
    ------
    ValueError
        If a covariance is not positive definite.

    Notes
    -----
    With the Cholesky factor Sigma_k = L_k L_k^T and P_k = L_k^{-T} (the Cholesky
    factor of the precision), the quadratic form of eq. (29) is
    ``|r_t P_k - mu_k P_k|^2`` (one matrix product for all regimes) and
    ``log|Sigma_k| = 2 sum(log diag L_k)``. numpy's LAPACK is used, not scipy's:
    alternating the two BLAS libraries makes their worker threads contend, which was
    2-3x slower on 2 cores.
    """
    X = np.asarray(X, dtype=float)
    means = np.asarray(means, dtype=float)
    n_features = means.shape[1]
    try:
        chol = np.linalg.cholesky(covars)
    except np.linalg.LinAlgError as exc:
        raise ValueError("a regime covariance is not positive definite") from exc
    precision_chol = np.linalg.inv(chol).transpose(0, 2, 1)  # (K, D, D)
    log_det = 2.0 * np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1)
    # all regimes in one product: X [P_1 ... P_K] - [mu_1 P_1 ... mu_K P_K]
    stacked = precision_chol.transpose(1, 0, 2).reshape(n_features, -1)
    shift = np.einsum("kd,kde->ke", means, precision_chol).reshape(-1)
    if with_ones is None:
        z = product(X, stacked)
        z -= shift
    else:  # [X 1] [P; -mu P]: one product, no pass over z to subtract
        z = product(with_ones, np.vstack([stacked, -shift]))
    # squared norms over d: squares in place, then one (T K, D) x (D,) product
    # (BLAS; 2-D, as a 3-D matmul loops over days), ~1.5x faster than
    # einsum("tkd,tkd->tk") at small n_features. A day far beyond float range
    # squares to inf, a log-density of -inf, as with einsum (which does not warn);
    # callers report such days.
    with np.errstate(over="ignore"):
        z = np.square(z, out=z).reshape(len(X) * len(means), n_features)
    quadratic = (z @ np.ones(n_features)).reshape(len(X), len(means))
    out = -0.5 * (n_features * np.log(2 * np.pi) + log_det + quadratic)
    return out


def with_ones_column(X: np.ndarray) -> np.ndarray:
    """X with a column of ones appended, for :func:`log_emission_densities`."""
    out = np.empty((X.shape[0], X.shape[1] + 1))
    out[:, :-1] = X
    out[:, -1] = 1.0
    return out
