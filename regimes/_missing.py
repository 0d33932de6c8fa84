"""Missing values in the likelihood: Gaussian regimes on the observed columns only.

A ragged panel (columns that start late, a holiday in one market) has days on which
some columns have no value. A Gaussian HMM handles them exactly, with no filling:

**Densities (E-step).** Split day t's returns into the observed block x_o and the
missing block x_m. Under regime k the pair is jointly Gaussian, and the marginal of
the observed block is again Gaussian, with the matching pieces of the mean and the
covariance:

    b_k(x_t) = N(x_o; mu_k,o, Sigma_k,oo),

the density of what was seen, the missing values integrated out. On a complete day
this is the usual density (eq. 29). The forward-backward pass needs nothing else: it
runs on these densities as it does on complete ones, so log P(O | lambda), the
filtered and smoothed probabilities and Viterbi are all exact. Days are grouped by
their pattern of missing columns, so each pattern costs one Cholesky factorisation
per regime (:func:`log_densities`).

**Statistics (M-step).** EM maximises the expected complete-data log-likelihood.
The complete-data M-step of eqs (35) and (41) needs, per regime, the weighted sums
sum_t gamma_t(k) x_t and sum_t gamma_t(k) x_t x_t^T. With a block missing, EM
replaces them by their expectations given what was observed and the regime, under
the current parameters. Given regime k and x_o, the missing block is Gaussian with

    E[x_m | x_o, k]   = mu_k,m + Sigma_k,mo Sigma_k,oo^-1 (x_o - mu_k,o),
    Cov[x_m | x_o, k] = Sigma_k,mm - Sigma_k,mo Sigma_k,oo^-1 Sigma_k,om,

(the regression of the missing columns on the observed ones within the regime). So
x_t is replaced by x^_tk (observed values kept, missing ones filled with their
conditional mean under regime k), and x_t x_t^T by x^_tk x^_tk^T plus the
conditional covariance in the missing-missing block (zeros elsewhere: the observed
values are known). The M-step formulas are then unchanged (:func:`add_statistics`).
Because these are exact conditional expectations, each iteration is still an EM
step and the log-likelihood of the observed values never decreases.

For 'diag' and 'spherical' covariances Sigma_k,mo = 0: the conditional mean of a
missing value is the regime mean mu_k,m and its conditional variance the regime
variance. For 'tied' the covariance is shared, but the conditional means still
depend on the regime through mu_k. The formulas above cover all four types.

With no missing value anywhere, nothing here runs: the engine keeps the complete-
data path, bit for bit.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._gaussian import log_emission_densities

__all__ = [
    "MissingPatterns",
    "add_statistics",
    "fill_for_init",
    "has_missing",
    "log_densities",
    "missing_patterns",
]


def has_missing(X: np.ndarray) -> bool:
    """Whether X holds a NaN (one pass, no copy of X's size kept)."""
    return bool(np.isnan(np.sum(X)))


class MissingPatterns(NamedTuple):
    """Days grouped by which columns they observe."""

    observed: np.ndarray
    """bool array of shape (n_patterns, n_features): the columns each pattern sees."""
    rows: tuple[np.ndarray, ...]
    """For each pattern, the indices of its days, in time order."""


def missing_patterns(X: np.ndarray) -> MissingPatterns:
    """Group the days of X by their pattern of NaN columns.

    Examples
    --------
    >>> X = np.array([[1.0, np.nan], [2.0, 3.0], [np.nan, 4.0], [5.0, np.nan]])
    >>> p = missing_patterns(X)
    >>> p.observed.tolist()
    [[True, True], [False, True], [True, False]]
    >>> [r.tolist() for r in p.rows]
    [[1], [2], [0, 3]]
    """
    missing = np.isnan(X)
    n_features = X.shape[1]
    if n_features <= 62:  # one integer code per day: faster than unique rows
        codes = missing.astype(np.int64) @ (np.int64(1) << np.arange(n_features))
    else:
        _, codes = np.unique(missing, axis=0, return_inverse=True)
        codes = codes.ravel()
    keys, first, inverse = np.unique(codes, return_index=True, return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    bounds = np.cumsum(np.bincount(inverse, minlength=len(keys)))[:-1]
    rows = tuple(np.split(order, bounds))
    return MissingPatterns(observed=~missing[first], rows=rows)


def log_densities(
    X: np.ndarray,
    means: np.ndarray,
    covars: np.ndarray,
    patterns: MissingPatterns | None = None,
) -> np.ndarray:
    """Log-density of each day's observed columns under each regime.

    ``log N(x_o; mu_k,o, Sigma_k,oo)`` with o the columns observed on day t (see the
    module docstring); on a complete day, eq. (29).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Returns, NaN where missing. Every day must observe at least one column.
    means : ndarray of shape (n_regimes, n_features)
    covars : ndarray of shape (n_regimes, n_features, n_features)
        Full covariance matrices, whatever the covariance type.
    patterns : MissingPatterns, optional
        ``missing_patterns(X)``, if already known.

    Returns
    -------
    ndarray of shape (n_samples, n_regimes)

    Examples
    --------
    >>> from scipy.stats import norm
    >>> X = np.array([[0.5, np.nan]])
    >>> means, covars = np.zeros((1, 2)), np.array([[[4.0, 1.0], [1.0, 1.0]]])
    >>> bool(np.isclose(log_densities(X, means, covars)[0, 0], norm.logpdf(0.5, 0, 2)))
    True
    """
    if patterns is None:
        patterns = missing_patterns(X)
    out = np.empty((len(X), len(means)))
    for seen, rows in zip(patterns.observed, patterns.rows, strict=True):
        block = np.ix_(range(len(means)), seen, seen)
        out[rows] = log_emission_densities(
            X[np.ix_(rows, seen)], means[:, seen], covars[block]
        )
    return out


def _conditional(
    mean: np.ndarray, covar: np.ndarray, seen: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Regression of the missing columns on the seen ones, and its residual covariance.

    Returns ``B = Sigma_mo Sigma_oo^-1``, shape (n_missing, n_seen), and
    ``Sigma_mm - B Sigma_om``, shape (n_missing, n_missing), for one regime.
    """
    gone = ~seen
    s_oo = covar[np.ix_(seen, seen)]
    s_om = covar[np.ix_(seen, gone)]
    coef = np.linalg.solve(s_oo, s_om).T
    residual = covar[np.ix_(gone, gone)] - coef @ s_om
    return coef, residual


def add_statistics(
    stats: dict[str, np.ndarray],
    X: np.ndarray,
    posteriors: np.ndarray,
    means: np.ndarray,
    covars: np.ndarray,
    covariance_type: str,
    patterns: MissingPatterns | None = None,
) -> None:
    """Add the expected emission statistics of X with missing values to ``stats``.

    ``stats["obs"]`` gets sum_t gamma_t(k) E[x_t | x_o, k], and ``stats["obs**2"]``
    ('diag', 'spherical') or ``stats["obs*obs.T"]`` ('full', 'tied') the expected
    squares or outer products, E[x x^T | x_o, k] = x^ x^^T + the conditional
    covariance of the missing block (module docstring); ``means`` and ``covars``
    (full matrices) are the parameters of the E-step that gave ``posteriors``.
    ``stats["post"]`` and the transition counts are the caller's.
    """
    if patterns is None:
        patterns = missing_patterns(X)
    n_regimes, n_features = means.shape
    outer = covariance_type in ("full", "tied")
    for k in range(n_regimes):
        filled = X.copy()
        # sum over days of gamma_t(k) Cov[x_t | x_o, k]: per pattern, the summed
        # weights times that pattern's residual covariance
        extra = np.zeros((n_features, n_features))
        for seen, rows in zip(patterns.observed, patterns.rows, strict=True):
            if seen.all():
                continue
            gone = ~seen
            coef, residual = _conditional(means[k], covars[k], seen)
            observed = X[np.ix_(rows, seen)] - means[k, seen]
            filled[np.ix_(rows, gone)] = means[k, gone] + observed @ coef.T
            extra[np.ix_(gone, gone)] += posteriors[rows, k].sum() * residual
        weights = posteriors[:, k]
        stats["obs"][k] += weights @ filled
        if outer:
            stats["obs*obs.T"][k] += (filled * weights[:, None]).T @ filled + extra
        else:
            stats["obs**2"][k] += weights @ filled**2 + np.diag(extra)


def fill_for_init(X: np.ndarray) -> np.ndarray:
    """X with each NaN replaced by its column's mean: for the initial guess only.

    k-means and the starting covariances need complete rows; EM itself never sees
    these values (it uses the observed-block densities above).
    """
    means = np.nanmean(X, axis=0)
    return np.where(np.isnan(X), means, X)
