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
        If an observed block of a covariance is not positive definite.

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
    for rows, seen, values in zip(
        patterns.rows, patterns.seen, patterns.values, strict=True
    ):
        if len(seen) == X.shape[1]:  # complete days: the one complete-data density
            out[rows] = log_emission_densities(values, means, covars)
            continue
        # Sigma_k,oo = L L^T: the quadratic form is |L^-1 (x_o - mu_k,o)|^2 and
        # log|Sigma_k,oo| = 2 sum(log diag L); all regimes at once
        chol = np.linalg.cholesky(_block(covars, seen, seen))
        inverse = np.linalg.inv(chol)
        z = (values[None] - means[:, None, seen]) @ inverse.transpose(0, 2, 1)
        quadratic = np.einsum("knd,knd->nk", z, z)
        log_det = 2.0 * np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1)
        out[rows] = -0.5 * (len(seen) * np.log(2 * np.pi) + log_det + quadratic)
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
    # x^_tk for every regime: X with its holes filled by the conditional means
    filled = np.empty((n_regimes, *X.shape))
    filled[:] = X
    flat = filled.reshape(n_regimes, -1)
    # sum_t gamma_t(k) Cov[x_t | x_o, k]: per pattern, the summed weights times the
    # pattern's residual covariance, in its missing-missing block
    extra = np.zeros((n_regimes, n_features, n_features))
    for rows, seen, gone, values, holes in zip(
        patterns.rows,
        patterns.seen,
        patterns.gone,
        patterns.values,
        patterns.holes,
        strict=True,
    ):
        if not len(gone):
            continue
        s_om = _block(covars, seen, gone)
        coef = np.linalg.solve(_block(covars, seen, seen), s_om)  # Sigma_oo^-1 Sigma_om
        fills = means[:, None, gone] + (values[None] - means[:, None, seen]) @ coef
        flat[:, holes] = fills.reshape(n_regimes, -1)
        residual = _block(covars, gone, gone) - s_om.transpose(0, 2, 1) @ coef
        weight = np.ones(len(rows)) @ posteriors[rows]  # (K,)
        extra[:, gone[:, None], gone] += weight[:, None, None] * residual
    for k in range(n_regimes):
        weights = posteriors[:, k]
        stats["obs"][k] += weights @ filled[k]
        if covariance_type in ("full", "tied"):
            stats["obs*obs.T"][k] += (filled[k] * weights[:, None]).T @ filled[k]
            stats["obs*obs.T"][k] += extra[k]
        else:
            stats["obs**2"][k] += weights @ filled[k] ** 2 + np.diag(extra[k])


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
