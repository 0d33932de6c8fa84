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
their pattern of missing columns, so each pattern costs one small inverse per
regime (:func:`log_densities`).

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

from ._gaussian import product

__all__ = [
    "MissingPatterns",
    "add_statistics",
    "expected_moments",
    "fill_for_init",
    "has_missing",
    "log_densities",
    "missing_patterns",
]


def has_missing(X: np.ndarray) -> bool:
    """Whether X holds a NaN (one pass, no copy of X's size kept)."""
    return bool(np.isnan(np.sum(X)))


class MissingPatterns(NamedTuple):
    """Days grouped by which columns they observe, with what EM reuses per group.

    Every field but ``observed`` is a tuple with one entry per pattern.
    """

    observed: np.ndarray
    """bool array of shape (n_patterns, n_features): the columns each pattern sees."""
    rows: tuple[np.ndarray, ...]
    """The indices of the pattern's days, in time order."""
    seen: tuple[np.ndarray, ...]
    """Indices of the observed columns."""
    gone: tuple[np.ndarray, ...]
    """Indices of the missing columns."""
    values: tuple[np.ndarray, ...]
    """The observed values, shape (n_rows, n_seen)."""
    holes: tuple[np.ndarray, ...]
    """Positions of the missing entries in ``X.ravel()``, row by row."""


def missing_patterns(X: np.ndarray) -> MissingPatterns:
    """Group the days of X by their pattern of NaN columns.

    Computed once per fit: the data do not change during EM, only the parameters.

    Examples
    --------
    >>> X = np.array([[1.0, np.nan], [2.0, 3.0], [np.nan, 4.0], [5.0, np.nan]])
    >>> p = missing_patterns(X)
    >>> p.observed.tolist()
    [[True, True], [False, True], [True, False]]
    >>> [r.tolist() for r in p.rows]
    [[1], [2], [0, 3]]
    >>> [h.tolist() for h in p.holes]  # X.ravel()[h] are the pattern's NaN
    [[], [4], [1, 7]]
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
    observed = ~missing[first]
    seen = tuple(np.flatnonzero(o) for o in observed)
    gone = tuple(np.flatnonzero(~o) for o in observed)
    return MissingPatterns(
        observed=observed,
        rows=rows,
        seen=seen,
        gone=gone,
        values=tuple(X[r[:, None], s] for r, s in zip(rows, seen, strict=True)),
        holes=tuple(
            (r[:, None] * n_features + g).ravel()
            for r, g in zip(rows, gone, strict=True)
        ),
    )


def _block(covars: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``covars[:, a][:, :, b]`` for every regime: Sigma_k,ab, shape (K, |a|, |b|)."""
    return covars[:, a[:, None], b]


class _Completion(NamedTuple):
    """Each day completed under each regime, and what the densities need besides."""

    filled: np.ndarray
    """x^_tk, shape (K, T, D): observed values, holes at E[x_m | x_o, k]."""
    precision_chol: np.ndarray
    """(K, D, D): L_k^-1 with Sigma_k = L_k L_k^T, so |L_k^-1 v|^2 = v^T P_k v."""
    log_det: np.ndarray
    """(T, K): log |Sigma_k,oo| of each day's observed block."""
    residuals: tuple[np.ndarray, ...]
    """Per pattern, Cov[x_m | x_o, k] = (P_k,mm)^-1, shape (K, |m|, |m|)."""


def _complete(
    X: np.ndarray, means: np.ndarray, covars: np.ndarray, patterns: MissingPatterns
) -> _Completion:
    """Fill every hole with its conditional mean, in the precision's form.

    With P_k = Sigma_k^-1, the conditional law of the missing block given the
    observed one under regime k is Gaussian with covariance (P_k,mm)^-1 and mean
    mu_k,m - (P_k,mm)^-1 P_k,mo (x_o - mu_k,o): the same regression as in the
    module docstring, but it inverts only the |m| x |m| block of the missing
    columns (usually one or two) instead of the observed block. The determinant
    splits the same way, |Sigma_k| = |Sigma_k,oo| |(P_k,mm)^-1|, so
    log |Sigma_k,oo| = log |Sigma_k| + log |P_k,mm|.

    Raises numpy.linalg.LinAlgError if a covariance is not positive definite.
    """
    n_regimes = len(means)
    chol = np.linalg.cholesky(covars)
    precision_chol = np.linalg.inv(chol)
    precision = precision_chol.transpose(0, 2, 1) @ precision_chol
    log_det = np.empty((len(X), n_regimes))
    log_det[:] = 2.0 * np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1)
    filled = np.empty((n_regimes, *X.shape))
    filled[:] = X
    flat = filled.reshape(n_regimes, -1)
    residuals = []
    for rows, seen, gone, values, holes in zip(
        patterns.rows,
        patterns.seen,
        patterns.gone,
        patterns.values,
        patterns.holes,
        strict=True,
    ):
        if not len(gone):
            residuals.append(np.zeros((n_regimes, 0, 0)))
            continue
        residual = np.linalg.inv(_block(precision, gone, gone))
        coef = residual @ _block(precision, gone, seen)  # (K, m, o)
        shift = (values[None] - means[:, None, seen]) @ coef.transpose(0, 2, 1)
        flat[:, holes] = (means[:, None, gone] - shift).reshape(n_regimes, -1)
        # log |P_mm| = -log |residual|
        log_det[rows] -= np.linalg.slogdet(residual)[1]
        residuals.append(residual)
    return _Completion(filled, precision_chol, log_det, tuple(residuals))


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

    Raises
    ------
    numpy.linalg.LinAlgError
        If a covariance is not positive definite.

    Notes
    -----
    The quadratic form of the observed block needs no inverse of Sigma_k,oo: it is
    the full quadratic form (x^ - mu_k)^T P_k (x^ - mu_k) of the day completed
    with the conditional means x^ (filling a hole with its conditional mean is
    what minimises the full form over the missing values, and the minimum is the
    observed block's form). So every day, complete or not, costs one product
    with the Cholesky factor of P_k, as on complete data, and each pattern only
    the small inverse of :func:`_complete`.

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
    done = _complete(X, means, covars, patterns)
    n_seen = (~np.isnan(X)).sum(axis=1)
    out = np.empty((len(X), len(means)))
    for k in range(len(means)):
        z = product(done.filled[k] - means[k], done.precision_chol[k].T)
        out[:, k] = np.einsum("td,td->t", z, z)
    out += done.log_det
    out += (n_seen * np.log(2 * np.pi))[:, None]
    out *= -0.5
    return out


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
    done = _complete(X, means, covars, patterns)
    # sum_t gamma_t(k) Cov[x_t | x_o, k]: per pattern, the summed weights times the
    # pattern's residual covariance, in its missing-missing block
    extra = np.zeros((n_regimes, n_features, n_features))
    for rows, gone, residual in zip(
        patterns.rows, patterns.gone, done.residuals, strict=True
    ):
        if len(gone):
            weight = np.ones(len(rows)) @ posteriors[rows]  # (K,)
            extra[:, gone[:, None], gone] += weight[:, None, None] * residual
    for k in range(n_regimes):
        filled, weights = done.filled[k], posteriors[:, k]
        stats["obs"][k] += weights @ filled
        if covariance_type in ("full", "tied"):
            stats["obs*obs.T"][k] += product((filled * weights[:, None]).T, filled)
            stats["obs*obs.T"][k] += extra[k]
        else:
            stats["obs**2"][k] += weights @ filled**2 + np.diag(extra[k])


def expected_moments(
    X: np.ndarray,
    posteriors: np.ndarray,
    means: np.ndarray,
    covars: np.ndarray,
    patterns: MissingPatterns | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """sum_t gamma_t(k) E[x_t | x_o, k] and sum_t gamma_t(k) E[x_t x_t^T | x_o, k].

    Shapes (K, D) and (K, D, D): :func:`add_statistics` in full form, for the
    score of the standard errors (Fisher's identity with missing values: the
    expected complete-data score given what was observed).
    """
    n_regimes, n_features = means.shape
    stats = {
        "obs": np.zeros((n_regimes, n_features)),
        "obs*obs.T": np.zeros((n_regimes, n_features, n_features)),
    }
    add_statistics(stats, X, posteriors, means, covars, "full", patterns)
    return stats["obs"], stats["obs*obs.T"]


def fill_for_init(X: np.ndarray) -> np.ndarray:
    """X with each NaN replaced by its column's mean: for the initial guess only.

    k-means and the starting covariances need complete rows; EM itself never sees
    these values (it uses the observed-block densities above).
    """
    means = np.nanmean(X, axis=0)
    return np.where(np.isnan(X), means, X)
