"""Standard errors, confidence intervals and forecasts of a fitted Gaussian HMM.

Functions of the parameters and the data only (numpy, scipy and
:mod:`regimes._gaussian`); :class:`regimes.RegimeModel` exposes them as
``standard_errors``, ``report`` and ``forecast``.

Standard errors from the observed information
---------------------------------------------
The log-likelihood log P(O | lambda) (eq. 16) is written as a function of an
*unconstrained* parameter vector theta:

- the means mu_k as they are;
- the covariances through a log-Cholesky factor (``Sigma = L L^T``, the diagonal of L
  stored as its log) for 'full' and 'tied', the log-variances for 'diag' and
  'spherical';
- each row of the transition matrix through multinomial logits against its largest
  entry, ``A_ij = A_ir exp(eta_ij)``;
- the initial distribution pi held fixed at its estimate (EM puts it on one regime, a
  boundary value; the estimates of the other parameters maximise the likelihood
  given it, so conditioning on it is the usual choice).

The score (gradient of the log-likelihood) is exact, by Fisher's identity: it is the
gradient of the expected complete-data log-likelihood (eqs 25-26) at the E-step's
gamma and xi (eqs 17 and 21). The observed information is minus the Hessian, built
by central differences of that score with a step scaled to each parameter; one
forward-backward pass per perturbed parameter vector, the perturbations run in
vectorised batches of 64. The delta method maps its inverse to the readable
parameters: ``mean[k, d]``, ``vol[k, d]`` (standard deviation), ``corr[k, d, e]``,
``p[i->j]`` and ``duration[k] = 1 / (1 - p_kk)``.

Boundary parameters. A transition probability with fewer than one expected
transition in the data (``sum_t xi_t(i, j) < 1``), or a stay probability held at a
``min_duration`` floor, is on the boundary of its space, where the normal
approximation does not hold. It is held fixed at its estimate; its row's other
entries share the rest of the probability. Its standard error is NaN, with a note.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
from scipy import stats

from . import _missing
from ._covariance import COVARIANCE_FORMS
from ._gaussian import EMParameters, log_emission_densities
from .results import expected_durations

if TYPE_CHECKING:  # only for annotations
    import pandas as pd

__all__ = [
    "Forecast",
    "ParameterTable",
    "Report",
    "Spec",
    "bootstrap_table",
    "check_level",
    "forecast_moments",
    "hessian_table",
    "log_likelihood_and_score",
    "expected_transitions",
    "make_spec",
    "observed_information",
    "pack",
    "readable_parameters",
    "unpack",
]

MIN_EXPECTED_TRANSITIONS = 1.0
"""A transition with fewer expected occurrences than this is on the boundary."""

RELATIVE_STEP = 1e-4
"""Central-difference step of the score, relative to each parameter's scale."""


# --------------------------------------------------------------- parametrisation


def check_level(level: Any) -> float:
    """Return ``level`` if it is a confidence level strictly between 0 and 1."""
    if isinstance(level, bool) or not isinstance(level, (int, float, np.floating)):
        raise ValueError(f"level must be a number between 0 and 1, got {level!r}.")
    if not 0 < level < 1:
        raise ValueError(
            f"level must be strictly between 0 and 1 (e.g. 0.95), got {level}."
        )
    return float(level)


@dataclass(frozen=True)
class Spec:
    """Which parameters vary, and how theta is laid out.

    Attributes
    ----------
    covariance_type : str
        As in hmmlearn: 'full', 'diag', 'spherical' or 'tied'.
    startprob : ndarray of shape (n_regimes,)
        Held fixed.
    free : ndarray of bool of shape (n_regimes, n_regimes)
        Transition entries that vary; the others are fixed at ``fixed_transmat``.
    reference : ndarray of int of shape (n_regimes,)
        The free entry of each row whose logit is 0 (-1 for a row with no free
        entry).
    fixed_transmat : ndarray of shape (n_regimes, n_regimes)
        The estimate, from which fixed entries are read.
    notes : dict
        ``(i, j) -> why`` for every fixed transition entry.
    scale : ndarray of shape (n_params,)
        Typical size of each parameter, for the difference steps.
    """

    covariance_type: str
    startprob: np.ndarray
    free: np.ndarray
    reference: np.ndarray
    fixed_transmat: np.ndarray
    notes: dict[tuple[int, int], str]
    scale: np.ndarray

    @property
    def n_regimes(self) -> int:
        """Number of regimes K."""
        return len(self.startprob)

    @property
    def logit_entries(self) -> list[tuple[int, int]]:
        """The (i, j) of each transition logit in theta, row by row."""
        return [
            (i, j)
            for i in range(self.n_regimes)
            for j in range(self.n_regimes)
            if self.free[i, j] and j != self.reference[i]
        ]


def _lower(d: int) -> tuple[np.ndarray, np.ndarray]:
    return np.tril_indices(d)


def _chol_params(chol: np.ndarray) -> np.ndarray:
    """Lower triangle of a Cholesky factor, its diagonal as logs."""
    rows, cols = _lower(len(chol))
    values = chol[rows, cols].copy()
    diagonal = rows == cols
    values[diagonal] = np.log(values[diagonal])
    return values


def _chol_from_params(values: np.ndarray, d: int) -> np.ndarray:
    rows, cols = _lower(d)
    chol = np.zeros((d, d))
    chol[rows, cols] = values
    chol[np.diag_indices(d)] = np.exp(np.diag(chol))
    return chol


def pack(params: EMParameters, spec: Spec) -> np.ndarray:
    """Unconstrained vector theta of ``params`` (see the module notes for the map)."""
    transmat, means, covars = params.transmat, params.means, params.covars
    logits = [
        np.log(transmat[i, j] / transmat[i, spec.reference[i]])
        for i, j in spec.logit_entries
    ]
    kind = spec.covariance_type
    if kind == "full":
        cov = np.concatenate([_chol_params(np.linalg.cholesky(c)) for c in covars])
    elif kind == "tied":
        cov = _chol_params(np.linalg.cholesky(covars[0]))
    elif kind == "diag":
        cov = np.log(np.diagonal(covars, axis1=1, axis2=2)).ravel()
    else:  # spherical
        cov = np.log(np.diagonal(covars, axis1=1, axis2=2).mean(axis=1))
    return np.concatenate([np.asarray(logits, dtype=float), means.ravel(), cov])


def unpack(theta: np.ndarray, spec: Spec, n_features: int) -> EMParameters:
    """The parameters (covariances in full form) of an unconstrained vector."""
    k, d, kind = spec.n_regimes, n_features, spec.covariance_type
    entries = spec.logit_entries
    transmat = _transmat_from_logits(theta[: len(entries)], spec)
    position = len(entries)
    means = theta[position : position + k * d].reshape(k, d)
    cov = theta[position + k * d :]
    if kind == "full":
        m = d * (d + 1) // 2
        chols = [_chol_from_params(cov[i * m : (i + 1) * m], d) for i in range(k)]
        covars = np.array([c @ c.T for c in chols])
    elif kind == "tied":
        chol = _chol_from_params(cov, d)
        covars = np.repeat((chol @ chol.T)[None], k, axis=0)
    elif kind == "diag":
        covars = np.exp(cov.reshape(k, d))[:, :, None] * np.eye(d)
    else:
        covars = np.exp(cov)[:, None, None] * np.eye(d)
    return EMParameters(spec.startprob, transmat, means, covars)


def _transmat_from_logits(logits: np.ndarray, spec: Spec) -> np.ndarray:
    transmat = spec.fixed_transmat.copy()
    eta = np.zeros_like(transmat)
    for (i, j), value in zip(spec.logit_entries, logits, strict=True):
        eta[i, j] = value
    for i in range(spec.n_regimes):
        free = spec.free[i]
        if not free.any():
            continue
        mass = 1.0 - transmat[i, ~free].sum()
        weights = np.exp(eta[i, free] - eta[i, free].max())
        transmat[i, free] = mass * weights / weights.sum()
    return transmat


def make_spec(
    params: EMParameters,
    covariance_type: str,
    expected_transitions: np.ndarray,
    min_stay: float = 0.0,
) -> Spec:
    """Decide which transition entries are free, and the scale of every parameter.

    Parameters
    ----------
    params : EMParameters
        The estimate.
    covariance_type : str
    expected_transitions : ndarray of shape (n_regimes, n_regimes)
        ``sum_t xi_t(i, j)`` at the estimate.
    min_stay : float, default=0.0
        The floor on p_ii used in the fit (``1 - 1 / min_duration``); a p_ii at the
        floor is a boundary value.
    """
    transmat = np.asarray(params.transmat, dtype=float)
    k, d = params.means.shape
    free = np.ones((k, k), dtype=bool)
    notes: dict[tuple[int, int], str] = {}
    for i in range(k):
        for j in range(k):
            count = expected_transitions[i, j]
            if count < MIN_EXPECTED_TRANSITIONS:
                free[i, j] = False
                notes[i, j] = (
                    f"boundary: p = {transmat[i, j]:.2g} from {count:.2g} expected "
                    "transitions; held fixed, no standard error"
                )
        if min_stay > 0 and transmat[i, i] <= min_stay * (1 + 1e-9):
            free[i, i] = False
            notes[i, i] = "boundary: at the min_duration floor; held fixed"
    for i in range(k):
        if free[i].sum() == 1:  # determined by the fixed entries of its row
            j = int(np.flatnonzero(free[i])[0])
            free[i, j] = False
            notes[i, j] = "boundary: the rest of its row is on the boundary; fixed"
    reference = np.array(
        [
            int(np.argmax(np.where(free[i], transmat[i], -1.0)))
            if free[i].any()
            else -1
            for i in range(k)
        ]
    )
    sd = np.sqrt(np.diagonal(params.covars, axis1=1, axis2=2))  # (k, d)
    n_logits = int(free.sum() - (reference >= 0).sum())
    if covariance_type in ("full", "tied"):
        rows, cols = _lower(d)
        per = [
            np.where(rows == cols, 1.0, sd[c][rows])
            for c in range(k if covariance_type == "full" else 1)
        ]
        cov_scale = np.concatenate(per)
    else:
        cov_scale = np.ones(COVARIANCE_FORMS[covariance_type].n_parameters(k, d))
    scale = np.concatenate([np.ones(n_logits), sd.ravel(), cov_scale])
    return Spec(
        covariance_type=covariance_type,
        startprob=np.asarray(params.startprob, dtype=float),
        free=free,
        reference=reference,
        fixed_transmat=transmat.copy(),
        notes=notes,
        scale=scale,
    )


# ------------------------------------------------------- likelihood and score


def _forward_backward_batch(
    startprob: np.ndarray, transmat: np.ndarray, log_b: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scaled forward-backward of B parameter sets at once, time on axis 0.

    :func:`regimes.em.forward_backward` for one parameter set; here every step of
    the recursion is one vectorised operation over the B sets, so that the Python
    loop over days is paid once for all the perturbations of the Hessian.

    Parameters
    ----------
    startprob : ndarray of shape (n_regimes,)
    transmat : ndarray of shape (B, n_regimes, n_regimes)
    log_b : ndarray of shape (n_samples, B, n_regimes)

    Returns
    -------
    gamma : ndarray of shape (n_samples, B, n_regimes)
    counts : ndarray of shape (B, n_regimes, n_regimes)
        Expected transitions ``sum_t xi_t(i, j)``.
    log_prob : ndarray of shape (B,)
    """
    shift = log_b.max(axis=2)
    emission = np.exp(log_b - shift[:, :, None])
    n = len(emission)
    alpha = np.empty_like(emission)
    scale = np.empty(emission.shape[:2])
    current = startprob * emission[0]
    for t in range(n):
        if t:
            current = np.matmul(alpha[t - 1][:, None, :], transmat)[:, 0] * emission[t]
        scale[t] = current.sum(axis=1)
        alpha[t] = current / scale[t][:, None]
    beta = np.empty_like(emission)
    beta[-1] = 1.0
    weighted = np.empty_like(emission)  # b_j(O_t) beta_t(j) / c_t
    for t in range(n - 1, 0, -1):
        weighted[t] = emission[t] * beta[t] / scale[t][:, None]
        beta[t - 1] = np.matmul(transmat, weighted[t][:, :, None])[:, :, 0]
    gamma = alpha * beta
    gamma /= gamma.sum(axis=2, keepdims=True)
    counts = transmat * np.einsum("tbi,tbj->bij", alpha[:-1], weighted[1:])
    with np.errstate(divide="ignore"):
        log_prob = np.log(scale).sum(axis=0) + shift.sum(axis=0)
    return gamma, counts, log_prob


def _log_b(
    X: np.ndarray,
    means: np.ndarray,
    covars: np.ndarray,
    patterns: _missing.MissingPatterns | None,
) -> np.ndarray:
    """Emission log-densities; of the observed columns when X has NaN (patterns)."""
    if patterns is None:
        return log_emission_densities(X, means, covars)
    return _missing.log_densities(X, means, covars, patterns)


def _covariance_gradient_missing(
    X: np.ndarray,
    gamma: np.ndarray,
    means: np.ndarray,
    covars: np.ndarray,
    patterns: _missing.MissingPatterns,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_covariance_gradient` when X has missing values.

    By Fisher's identity the score is the expected complete-data score given what
    was observed: x_t and the scatter are replaced by their conditional
    expectations (regimes._missing), C_k = sum_t gamma_t(k) E[(x_t - mu_k)
    (x_t - mu_k)^T | x_o, k].
    """
    first, second = _missing.expected_moments(X, gamma, means, covars, patterns)
    weight = gamma.sum(axis=0)
    d_mean = np.empty_like(means)
    g_cov = np.empty_like(covars)
    for i in range(len(means)):
        precision = np.linalg.inv(covars[i])
        mu = means[i]
        d_mean[i] = precision @ (first[i] - weight[i] * mu)
        cross = np.outer(first[i], mu)
        scatter = second[i] - cross - cross.T + weight[i] * np.outer(mu, mu)
        g = 0.5 * (precision @ scatter @ precision - weight[i] * precision)
        g_cov[i] = 0.5 * (g + g.T)
    return d_mean, g_cov


def _covariance_gradient(
    X: np.ndarray, gamma: np.ndarray, means: np.ndarray, covars: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Gradients of the expected complete log-likelihood in mu_k and Sigma_k.

    ``d/dmu_k = P_k sum_t gamma_t(k) (x_t - mu_k)`` and, for a symmetric
    perturbation of Sigma_k, ``G_k = (P_k C_k P_k - W_k P_k) / 2`` with
    P_k = Sigma_k^{-1}, W_k = sum_t gamma_t(k) and C_k the weighted scatter (eq. 41's
    numerator): the derivatives of eq. (29) summed as in eqs (33) and (39).
    """
    k = len(means)
    d_mean = np.empty_like(means)
    g_cov = np.empty_like(covars)
    weight = gamma.sum(axis=0)
    for i in range(k):
        precision = np.linalg.inv(covars[i])
        centred = X - means[i]
        weighted = gamma[:, i, None] * centred
        d_mean[i] = precision @ weighted.sum(axis=0)
        scatter = weighted.T @ centred
        g = 0.5 * (precision @ scatter @ precision - weight[i] * precision)
        g_cov[i] = 0.5 * (g + g.T)
    return d_mean, g_cov


def _chol_gradient(g: np.ndarray, chol: np.ndarray) -> np.ndarray:
    """d/d(log-Cholesky params) from G = dl/dSigma: dl/dL = 2 G L, diag times L_ii."""
    grad = 2.0 * g @ chol
    rows, cols = _lower(len(chol))
    out = grad[rows, cols]
    diagonal = rows == cols
    out[diagonal] *= chol[rows[diagonal], cols[diagonal]]
    return out


def _score(
    X: np.ndarray,
    params: EMParameters,
    spec: Spec,
    gamma: np.ndarray,
    counts: np.ndarray,
    patterns: _missing.MissingPatterns | None = None,
) -> np.ndarray:
    """Score d log P(O | lambda) / d theta from the E-step's gamma and counts."""
    transmat = params.transmat
    logit_grad = []
    for i, j in spec.logit_entries:
        free = spec.free[i]
        mass = 1.0 - spec.fixed_transmat[i, ~free].sum()
        logit_grad.append(counts[i, j] - counts[i, free].sum() * transmat[i, j] / mass)
    if patterns is None:
        d_mean, g_cov = _covariance_gradient(X, gamma, params.means, params.covars)
    else:
        d_mean, g_cov = _covariance_gradient_missing(
            X, gamma, params.means, params.covars, patterns
        )
    kind = spec.covariance_type
    if kind == "full":
        d_cov = np.concatenate(
            [
                _chol_gradient(g, np.linalg.cholesky(c))
                for g, c in zip(g_cov, params.covars, strict=True)
            ]
        )
    elif kind == "tied":
        d_cov = _chol_gradient(g_cov.sum(axis=0), np.linalg.cholesky(params.covars[0]))
    elif kind == "diag":
        variances = np.diagonal(params.covars, axis1=1, axis2=2)
        d_cov = (np.diagonal(g_cov, axis1=1, axis2=2) * variances).ravel()
    else:
        variances = np.diagonal(params.covars, axis1=1, axis2=2)[:, 0]
        d_cov = np.trace(g_cov, axis1=1, axis2=2) * variances
    return np.concatenate([np.asarray(logit_grad, dtype=float), d_mean.ravel(), d_cov])


def log_likelihood_and_score(
    X: np.ndarray, thetas: np.ndarray, spec: Spec
) -> tuple[np.ndarray, np.ndarray]:
    """Log-likelihoods and scores of several unconstrained parameter vectors.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    thetas : ndarray of shape (n_vectors, n_params)
    spec : Spec

    Returns
    -------
    log_prob : ndarray of shape (n_vectors,)
        log P(O | lambda(theta)), eq. (16).
    score : ndarray of shape (n_vectors, n_params)
        Its gradient in theta (Fisher's identity: the gradient of eq. 25 at the
        E-step's gamma and xi).
    """
    X = np.asarray(X, dtype=float)
    thetas = np.atleast_2d(thetas)
    params = [unpack(theta, spec, X.shape[1]) for theta in thetas]
    patterns = _missing.missing_patterns(X) if _missing.has_missing(X) else None
    log_b = np.stack([_log_b(X, p.means, p.covars, patterns) for p in params], axis=1)
    transmat = np.stack([p.transmat for p in params])
    gamma, counts, log_prob = _forward_backward_batch(spec.startprob, transmat, log_b)
    score = np.stack(
        [
            _score(X, p, spec, gamma[:, b], counts[b], patterns)
            for b, p in enumerate(params)
        ]
    )
    return log_prob, score


def expected_transitions(X: np.ndarray, params: EMParameters) -> np.ndarray:
    """``sum_t xi_t(i, j)``: expected number of transitions i -> j in the data."""
    patterns = _missing.missing_patterns(X) if _missing.has_missing(X) else None
    log_b = _log_b(X, params.means, params.covars, patterns)[:, None, :]
    _, counts, _ = _forward_backward_batch(
        np.asarray(params.startprob, dtype=float), params.transmat[None], log_b
    )
    return counts[0]


def observed_information(
    X: np.ndarray, theta: np.ndarray, spec: Spec, batch: int = 64
) -> np.ndarray:
    """Minus the Hessian of the log-likelihood at ``theta``, symmetrised.

    Column i is ``-(score(theta + h_i e_i) - score(theta - h_i e_i)) / (2 h_i)`` with
    ``h_i = RELATIVE_STEP * spec.scale[i]``; the 2 n perturbed vectors go through
    :func:`log_likelihood_and_score` ``batch`` at a time.
    """
    n = len(theta)
    steps = RELATIVE_STEP * spec.scale
    shifts = np.vstack([np.diag(steps), -np.diag(steps)])
    thetas = theta + shifts
    scores = np.vstack(
        [
            log_likelihood_and_score(X, thetas[i : i + batch], spec)[1]
            for i in range(0, len(thetas), batch)
        ]
    )
    hessian = (scores[:n] - scores[n:]).T / (2 * steps)
    return -0.5 * (hessian + hessian.T)


# ---------------------------------------------------------- readable parameters


class Readable(NamedTuple):
    """Readable parameters: names, kinds (for the intervals) and values."""

    names: list[str]
    kinds: list[str]
    values: np.ndarray
    transition: list[tuple[int, int] | None]
    """(i, j) of a ``p[...]`` or ``duration[...]`` (j = i) entry, else None."""


def readable_parameters(
    params: EMParameters,
    covariance_type: str,
    regime_names: Sequence[str],
    feature_names: Sequence[str],
) -> Readable:
    """Means, volatilities, correlations, transition probabilities and durations.

    Names: ``mean[Bull, XLK]``, ``vol[Bull, XLK]`` (standard deviation),
    ``corr[Bull, XLK, XLF]`` ('full'), ``p[Bull->Bear]``, ``duration[Bear]``
    (``1 / (1 - p_kk)`` days). A 'tied' model has one ``vol[XLK]`` and
    ``corr[XLK, XLF]`` for all regimes, a 'spherical' one ``vol[Bull]`` per regime.
    """
    names: list[str] = []
    kinds: list[str] = []
    values: list[float] = []
    transition: list[tuple[int, int] | None] = []

    def add(name: str, kind: str, value: float, key: tuple[int, int] | None = None):
        names.append(name)
        kinds.append(kind)
        values.append(float(value))
        transition.append(key)

    means, covars = params.means, params.covars
    k, d = means.shape
    features = [str(f) for f in feature_names]
    for i, regime in enumerate(regime_names):
        for j, feature in enumerate(features):
            add(f"mean[{regime}, {feature}]", "mean", means[i, j])
    sd = np.sqrt(np.diagonal(covars, axis1=1, axis2=2))
    if covariance_type == "tied":
        owners: list[tuple[str, int]] = [("", 0)]
    else:
        owners = [(f"{regime}, ", i) for i, regime in enumerate(regime_names)]
    if covariance_type == "spherical":
        for i, regime in enumerate(regime_names):
            add(f"vol[{regime}]", "vol", sd[i, 0])
    else:
        for prefix, i in owners:
            for j, feature in enumerate(features):
                add(f"vol[{prefix}{feature}]", "vol", sd[i, j])
    if covariance_type in ("full", "tied"):
        for prefix, i in owners:
            corr = covars[i] / np.outer(sd[i], sd[i])
            for a in range(d):
                for b in range(a + 1, d):
                    name = f"corr[{prefix}{features[a]}, {features[b]}]"
                    add(name, "corr", corr[a, b])
    if k > 1:
        durations = expected_durations(params.transmat)
        for i, source in enumerate(regime_names):
            for j, target in enumerate(regime_names):
                add(f"p[{source}->{target}]", "p", params.transmat[i, j], (i, j))
        for i, regime in enumerate(regime_names):
            add(f"duration[{regime}]", "duration", durations[i], (i, i))
    return Readable(names, kinds, np.asarray(values), transition)


# Intervals are built on a scale where each kind of parameter is unbounded and
# mapped back, so they stay inside the parameter's range:
# (to the unbounded scale, its derivative, back).
_LINKS = {
    "mean": (lambda x: x, lambda x: np.ones_like(x), lambda u: u),
    "vol": (np.log, lambda x: 1 / x, np.exp),
    "corr": (np.arctanh, lambda x: 1 / (1 - x**2), np.tanh),
    "p": (
        lambda x: np.log(x / (1 - x)),
        lambda x: 1 / (x * (1 - x)),
        lambda u: 1 / (1 + np.exp(-u)),
    ),
    # log(duration - 1) = logit(p_kk): the duration interval is the stay interval's
    "duration": (
        lambda x: np.log(x - 1),
        lambda x: 1 / (x - 1),
        lambda u: 1 + np.exp(u),
    ),
}


def _wald_intervals(
    values: np.ndarray, std_err: np.ndarray, kinds: Sequence[str], level: float
) -> tuple[np.ndarray, np.ndarray]:
    z = stats.norm.ppf(0.5 + level / 2)
    lower = np.full(len(values), np.nan)
    upper = np.full(len(values), np.nan)
    with np.errstate(all="ignore"):
        for i, (value, se, kind) in enumerate(zip(values, std_err, kinds, strict=True)):
            if not np.isfinite(se):
                continue
            link, slope, inverse = _LINKS[kind]
            centre, half = link(value), z * se * abs(slope(value))
            lower[i], upper[i] = inverse(centre - half), inverse(centre + half)
    return lower, upper


class ParameterTable(NamedTuple):
    """Estimates, standard errors and intervals of the readable parameters."""

    names: list[str]
    estimate: np.ndarray
    std_err: np.ndarray
    ci_lower: np.ndarray
    ci_upper: np.ndarray
    note: list[str]


def _jacobian(
    theta: np.ndarray,
    spec: Spec,
    n_features: int,
    readable: Callable[[EMParameters], np.ndarray],
) -> np.ndarray:
    """Jacobian d readable / d theta by central differences (cheap and smooth)."""
    steps = 1e-6 * spec.scale
    columns = []
    for i, h in enumerate(steps):
        up, down = theta.copy(), theta.copy()
        up[i] += h
        down[i] -= h
        columns.append(
            (
                readable(unpack(up, spec, n_features))
                - readable(unpack(down, spec, n_features))
            )
            / (2 * h)
        )
    return np.column_stack(columns) if columns else np.zeros((0, 0))


def hessian_table(
    X: np.ndarray,
    params: EMParameters,
    covariance_type: str,
    regime_names: Sequence[str],
    feature_names: Sequence[str],
    level: float = 0.95,
    min_stay: float = 0.0,
) -> ParameterTable:
    """Standard errors from the observed information, mapped by the delta method.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        The data the parameters were estimated on.
    params : EMParameters
        The maximum-likelihood estimate (covariances in full form).
    covariance_type : str
    regime_names, feature_names : sequence of str
    level : float, default=0.95
        Confidence level of the intervals.
    min_stay : float, default=0.0
        The fit's floor on p_ii (``1 - 1 / min_duration``), 0 for none.

    Returns
    -------
    ParameterTable
        NaN standard errors, with a note, for boundary parameters, and for all
        parameters if the observed information is not positive definite (the
        estimate is then not a local maximum).
    """
    X = np.asarray(X, dtype=float)
    spec = make_spec(params, covariance_type, expected_transitions(X, params), min_stay)
    theta = pack(params, spec)
    information = observed_information(X, theta, spec)
    estimate = readable_parameters(params, covariance_type, regime_names, feature_names)
    notes = [""] * len(estimate.names)
    # invert in units of each parameter's scale: a far better conditioned matrix
    # (decimal-return means have information ~1e8, logits ~1e2)
    scaled = information * np.outer(spec.scale, spec.scale)
    try:
        chol = np.linalg.cholesky(scaled)
    except np.linalg.LinAlgError:
        std_err = np.full(len(estimate.values), np.nan)
        notes = [
            "observed information not positive definite: not a local maximum "
            "(did the fit converge?)"
        ] * len(notes)
    else:
        inverse_chol = np.linalg.inv(chol) * spec.scale  # L^-1 S
        covariance = inverse_chol.T @ inverse_chol  # S (S I S)^-1 S = I^-1

        def values(p: EMParameters) -> np.ndarray:
            return readable_parameters(
                p, covariance_type, regime_names, feature_names
            ).values

        jac = _jacobian(theta, spec, X.shape[1], values)
        with np.errstate(invalid="ignore"):
            std_err = np.sqrt(np.einsum("ij,jk,ik->i", jac, covariance, jac))
    for position, key in enumerate(estimate.transition):
        if key is None:
            continue
        if estimate.kinds[position] == "duration":
            if not spec.free[key]:
                notes[position] = "its stay probability is held fixed"
                std_err[position] = np.nan
        elif key in spec.notes:
            notes[position] = spec.notes[key]
            std_err[position] = np.nan
    lower, upper = _wald_intervals(estimate.values, std_err, estimate.kinds, level)
    return ParameterTable(estimate.names, estimate.values, std_err, lower, upper, notes)


# ------------------------------------------------------------------- bootstrap


def bootstrap_table(
    params: EMParameters,
    replicates: Sequence[EMParameters],
    covariance_type: str,
    regime_names: Sequence[str],
    feature_names: Sequence[str],
    level: float = 0.95,
) -> ParameterTable:
    """Standard deviations and percentile intervals of bootstrap replicates.

    Parameters
    ----------
    params : EMParameters
        The estimate (the ``estimate`` column).
    replicates : sequence of EMParameters
        Estimates refitted on data simulated from ``params``, states already
        matched to ``params`` (:func:`regimes.labels.match_states`).

    Returns
    -------
    ParameterTable
        ``std_err`` is the standard deviation of the replicates (ddof=1), the
        interval their ``(1 - level) / 2`` and ``(1 + level) / 2`` quantiles.
    """
    estimate = readable_parameters(params, covariance_type, regime_names, feature_names)
    draws = np.array(
        [
            readable_parameters(r, covariance_type, regime_names, feature_names).values
            for r in replicates
        ]
    ).reshape(len(replicates), len(estimate.values))
    notes = [""] * len(estimate.names)
    if len(replicates) < 2:
        nan = np.full(len(estimate.values), np.nan)
        notes = ["fewer than 2 successful bootstrap replicates"] * len(notes)
        return ParameterTable(estimate.names, estimate.values, nan, nan, nan, notes)
    with np.errstate(invalid="ignore"):
        std_err = np.std(draws, axis=0, ddof=1)
        lower, upper = np.quantile(draws, [0.5 - level / 2, 0.5 + level / 2], axis=0)
    for position, value in enumerate(std_err):
        if not np.isfinite(value):
            notes[position] = "infinite in some replicates (absorbing regime)"
    return ParameterTable(estimate.names, estimate.values, std_err, lower, upper, notes)


# -------------------------------------------------------------------- forecasts


def forecast_moments(
    filtered: np.ndarray,
    transmat: np.ndarray,
    means: np.ndarray,
    covars: np.ndarray,
    horizon: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Regime distribution and return moments 1..horizon days ahead.

    Parameters
    ----------
    filtered : ndarray of shape (n_regimes,)
        P(q_T = i | O_1..O_T), the last filtered row.
    transmat, means, covars
        Covariances in full form.
    horizon : int

    Returns
    -------
    proba : ndarray of shape (horizon, n_regimes)
        Row h-1 is ``filtered @ A^h`` = P(q_{T+h} | O_1..O_T).
    mean : ndarray of shape (horizon, n_features)
        ``sum_k p_k mu_k``: the mean of the return on day T+h.
    covariance : ndarray of shape (horizon, n_features, n_features)
        The mixture's covariance, ``sum_k p_k (Sigma_k + mu_k mu_k^T) - m m^T``.
    """
    proba = np.empty((horizon, len(transmat)))
    current = np.asarray(filtered, dtype=float)
    for h in range(horizon):
        current = current @ transmat
        proba[h] = current
    mean = proba @ means
    second = np.einsum(
        "hk,kij->hij", proba, covars + np.einsum("ki,kj->kij", means, means)
    )
    covariance = second - np.einsum("hi,hj->hij", mean, mean)
    return proba, mean, covariance


class Forecast(NamedTuple):
    """What :meth:`regimes.RegimeModel.forecast` returns."""

    regime_proba: pd.DataFrame
    """P(regime on day T+h | returns up to day T): one row per h, one column per
    regime ("predicted" probabilities, in statsmodels' words)."""
    mean: pd.DataFrame
    """Predictive mean of the return on day T+h, one column per feature."""
    covariance: pd.DataFrame
    """Predictive covariance of the return on day T+h: rows (horizon, feature)."""


# ----------------------------------------------------------------------- report


@dataclass(frozen=True)
class Report:
    """A text report of a fitted model, like statsmodels' ``summary()``.

    ``print(report)`` or ``report.as_text()`` for text; notebooks show the HTML
    (``_repr_html_``). ``header`` holds the model facts as (label, value) pairs,
    ``parameters`` the frame of :meth:`regimes.RegimeModel.standard_errors`.
    """

    title: str
    header: tuple[tuple[str, str], ...]
    parameters: pd.DataFrame
    footnotes: tuple[str, ...] = ()

    def as_text(self) -> str:
        """The report as plain text."""
        width = 78
        half = (len(self.header) + 1) // 2
        left, right = self.header[:half], self.header[half:]
        lines = [self.title.center(width), "=" * width]
        for i in range(half):
            cells = [f"{left[i][0] + ':':<18}{left[i][1]:>20}"]
            if i < len(right):
                cells.append(f"{right[i][0] + ':':<18}{right[i][1]:>20}")
            lines.append("  ".join(cells))
        lines.append("=" * width)
        numbers = self.parameters.drop(columns="note", errors="ignore")
        table = numbers.to_string(float_format=lambda v: f"{v:.4g}", na_rep="nan")
        lines.extend(table.splitlines())
        lines.append("=" * width)
        if "note" in self.parameters:
            notes = self.parameters["note"]
            lines.extend(f"{name}: {note}" for name, note in notes[notes != ""].items())
        lines.extend(self.footnotes)
        return "\n".join(lines)

    def as_html(self) -> str:
        """The report as an HTML fragment (header table, then parameter table)."""
        rows = "".join(
            f"<tr><th>{escape(label)}</th><td>{escape(value)}</td></tr>"
            for label, value in self.header
        )
        notes = "".join(f"<p>{escape(n)}</p>" for n in self.footnotes)
        table = self.parameters.to_html(float_format=lambda v: f"{v:.4g}", na_rep="nan")
        return f"<h4>{escape(self.title)}</h4><table>{rows}</table>{table}{notes}"

    def __str__(self) -> str:
        return self.as_text()

    def _repr_html_(self) -> str:
        return self.as_html()
