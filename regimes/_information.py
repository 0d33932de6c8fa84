"""The observed information matrix of a fitted Gaussian HMM: score and Hessian.

The log-likelihood log P(O | lambda) (eq. 16) is written as a function of an
*unconstrained* parameter vector theta (:class:`ThetaLayout` says which entries vary
and where each sits):

- the means mu_k as they are;
- the covariances through a log-Cholesky factor (``Sigma = L L^T``, the diagonal of L
  stored as its log) for 'full' and 'tied', the log-variances for 'diag' and
  'spherical';
- each row of the transition matrix through multinomial logits against its largest
  free entry, ``A_ij = A_ir exp(eta_ij)``;
- the initial distribution pi held fixed at its estimate (EM puts it on one regime, a
  boundary value; the other estimates maximise the likelihood given it, so
  conditioning on it is the usual choice).

The score is exact, by Fisher's identity: the gradient of the log-likelihood equals
the gradient of the expected complete-data log-likelihood (eqs 25-26) at the E-step's
gamma and xi (eqs 17 and 21). That gradient needs only a few sums over days: per
regime, sum_t gamma_t(k), sum_t gamma_t(k) x_t and sum_t gamma_t(k) x_t x_t^T, and
the expected transition counts sum_t xi_t(i, j). The observed information is minus
the Hessian, built by central differences of the score with a step scaled to each
parameter.

Memory. The sums are accumulated block by block over time
(:func:`_batch_statistics`): a forward pass keeps only the filtered row at the end of
each block of ``BLOCK_DAYS`` days; a backward pass then revisits the blocks from the
last (whose forward rows it still has), recomputes the forward rows of each earlier
block from its saved start, runs the
backward recursion through it and adds the block's days to the sums. The perturbed
parameter vectors of the Hessian go through in vectorised batches. Working memory is
thus a few blocks of (days x batch x regimes) numbers whatever the number of days:
the data themselves are the only thing that grows.

Boundary parameters. A transition probability with fewer than one expected
transition in the data (``sum_t xi_t(i, j) < 1``), or a stay probability held at a
``min_duration`` floor, is on the boundary of its space, where the normal
approximation does not hold: it is held fixed at its estimate and its row's other
entries share the rest of the probability (see :func:`make_layout`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _missing
from ._covariance import COVARIANCE_FORMS
from ._gaussian import EMParameters, log_emission_densities
from ._hmm import scaled_backward, scaled_forward

MIN_EXPECTED_TRANSITIONS = 1.0
"""A transition with fewer expected occurrences than this is on the boundary."""

RELATIVE_STEP = 1e-4
"""Central-difference step of the score, relative to each parameter's scale."""

BLOCK_DAYS = 1024
"""Days per block of the forward-backward sums (bounds the working memory)."""

BATCH = 128
"""Perturbed parameter vectors run through one vectorised forward-backward."""


@dataclass(frozen=True)
class ThetaLayout:
    """Which parameters vary, and how the unconstrained vector theta is laid out.

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


# --------------------------------------------------------------- parametrisation


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


def pack(params: EMParameters, layout: ThetaLayout) -> np.ndarray:
    """Unconstrained vector theta of ``params`` (see the module notes for the map)."""
    transmat, means, covars = params.transmat, params.means, params.covars
    logits = [
        np.log(transmat[i, j] / transmat[i, layout.reference[i]])
        for i, j in layout.logit_entries
    ]
    kind = layout.covariance_type
    if kind == "full":
        cov = np.concatenate([_chol_params(np.linalg.cholesky(c)) for c in covars])
    elif kind == "tied":
        cov = _chol_params(np.linalg.cholesky(covars[0]))
    elif kind == "diag":
        cov = np.log(np.diagonal(covars, axis1=1, axis2=2)).ravel()
    else:  # spherical
        cov = np.log(np.diagonal(covars, axis1=1, axis2=2).mean(axis=1))
    return np.concatenate([np.asarray(logits, dtype=float), means.ravel(), cov])


def unpack(theta: np.ndarray, layout: ThetaLayout, n_features: int) -> EMParameters:
    """The parameters (covariances in full form) of an unconstrained vector."""
    k, d, kind = layout.n_regimes, n_features, layout.covariance_type
    entries = layout.logit_entries
    transmat = _transmat_from_logits(theta[: len(entries)], layout)
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
    return EMParameters(layout.startprob, transmat, means, covars)


def _transmat_from_logits(logits: np.ndarray, layout: ThetaLayout) -> np.ndarray:
    transmat = layout.fixed_transmat.copy()
    eta = np.zeros_like(transmat)
    for (i, j), value in zip(layout.logit_entries, logits, strict=True):
        eta[i, j] = value
    for i in range(layout.n_regimes):
        free = layout.free[i]
        if not free.any():
            continue
        mass = 1.0 - transmat[i, ~free].sum()
        weights = np.exp(eta[i, free] - eta[i, free].max())
        transmat[i, free] = mass * weights / weights.sum()
    return transmat


def make_layout(
    params: EMParameters,
    covariance_type: str,
    expected_transitions: np.ndarray,
    min_stay: float = 0.0,
) -> ThetaLayout:
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
                    "transitions; held fixed for the standard errors (still a "
                    "fitted parameter of n_parameters, AIC and BIC)"
                )
        if min_stay > 0 and transmat[i, i] <= min_stay * (1 + 1e-9):
            free[i, i] = False
            notes[i, i] = (
                "boundary: at the min_duration floor; held fixed for the standard "
                "errors (still a fitted parameter of n_parameters, AIC and BIC)"
            )
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
    return ThetaLayout(
        covariance_type=covariance_type,
        startprob=np.asarray(params.startprob, dtype=float),
        free=free,
        reference=reference,
        fixed_transmat=transmat.copy(),
        notes=notes,
        scale=scale,
    )


# ------------------------------------------- forward-backward sums, block by block


@dataclass
class _Sums:
    """The E-step's sums over days for B parameter sets (what the score needs)."""

    log_prob: np.ndarray  # (B,)
    weight: np.ndarray  # (B, K): sum_t gamma_t(k)
    first: np.ndarray  # (B, K, D): sum_t gamma_t(k) x_t
    second: np.ndarray  # (B, K, D, D): sum_t gamma_t(k) x_t x_t^T
    counts: np.ndarray  # (B, K, K): sum_t xi_t(i, j)


def _scaled_emissions(
    X: np.ndarray, params: list[EMParameters]
) -> tuple[np.ndarray, np.ndarray]:
    """b_k(x_t) / max_k b_k(x_t) of B parameter sets, and the log of that max."""
    if _missing.has_missing(X):  # densities of each day's observed columns
        patterns = _missing.missing_patterns(X)
        log_b = np.stack(
            [_missing.log_densities(X, p.means, p.covars, patterns) for p in params],
            axis=1,
        )
    else:
        log_b = np.stack(
            [log_emission_densities(X, p.means, p.covars) for p in params], axis=1
        )
    shift = log_b.max(axis=2)
    return np.exp(log_b - shift[:, :, None]), shift


def _forward_block(
    alpha_before: np.ndarray | None,
    startprob: np.ndarray,
    transmat: np.ndarray,
    emission: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Normalised forward rows of one block and their scale factors c_t (eq. 15).

    Each parameter set's pass runs compiled (:func:`regimes._hmm.scaled_forward`);
    if one underflows, the block runs in :func:`_forward_block_loop`.
    """
    alpha = np.empty_like(emission)
    scale = np.empty(emission.shape[:2])
    for b in range(emission.shape[1]):
        predicted = startprob if alpha_before is None else alpha_before[b] @ transmat[b]
        rows = scaled_forward(predicted, transmat[b], emission[:, b])
        if rows is None:
            return _forward_block_loop(alpha_before, startprob, transmat, emission)
        alpha[:, b], scale[:, b] = rows
    return alpha, scale


def _backward_block(
    transmat: np.ndarray,
    emission: np.ndarray,
    scale: np.ndarray,
    after: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray]:
    """beta_t / c_t of one block (eq. 17, scaled), and b_t beta_t / c_t.

    ``after``: b beta / c on the first day of the next block (None for the last
    block). Compiled (:func:`regimes._hmm.scaled_backward`) unless a forward sum
    underflowed (a zero c_t), when :func:`_backward_block_loop` runs.
    """
    if (scale > 0).all() and np.isfinite(scale).all():
        beta_over_c = np.empty_like(emission)
        for b in range(emission.shape[1]):
            beta_over_c[:, b] = scaled_backward(
                transmat[b],
                emission[:, b],
                scale[:, b],
                None if after is None else after[b],
            )
        return beta_over_c, emission * beta_over_c
    return _backward_block_loop(transmat, emission, scale, after)


def _backward_block_loop(
    transmat: np.ndarray,
    emission: np.ndarray,
    scale: np.ndarray,
    after: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_backward_block` day by day, vectorised over the parameter sets."""
    beta = np.empty_like(emission)
    beta[-1] = 1.0 if after is None else np.matmul(transmat, after[:, :, None])[..., 0]
    weighted = np.empty_like(emission)
    for t in range(len(emission) - 1, -1, -1):
        weighted[t] = emission[t] * beta[t] / scale[t][:, None]
        if t:
            beta[t - 1] = np.matmul(transmat, weighted[t][:, :, None])[:, :, 0]
    return beta / scale[:, :, None], weighted


def _forward_block_loop(
    alpha_before: np.ndarray | None,
    startprob: np.ndarray,
    transmat: np.ndarray,
    emission: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_forward_block` day by day, vectorised over the parameter sets."""
    alpha = np.empty_like(emission)
    scale = np.empty(emission.shape[:2])
    for t in range(len(emission)):
        if t == 0 and alpha_before is None:
            current = startprob * emission[0]
        else:
            previous = alpha_before if t == 0 else alpha[t - 1]
            current = np.matmul(previous[:, None, :], transmat)[:, 0] * emission[t]
        scale[t] = current.sum(axis=1)
        alpha[t] = current / scale[t][:, None]
    return alpha, scale


def _batch_statistics(
    X: np.ndarray,
    params: list[EMParameters],
    block: int = BLOCK_DAYS,
) -> _Sums:
    """Log-likelihoods and E-step sums of several parameter sets, in bounded memory.

    Scaled forward-backward (eqs 15, 17 and 21), every step vectorised over the B
    sets, time cut into blocks of ``block`` days; see the module notes.
    """
    startprob = np.asarray(params[0].startprob, dtype=float)
    transmat = np.stack([p.transmat for p in params])
    n, (n_sets, k), d = len(X), transmat.shape[:2], X.shape[1]
    edges = list(range(0, n, block)) + [n]
    spans = list(zip(edges[:-1], edges[1:], strict=True))
    # forward: keep the last filtered row of every block, and the log-likelihood
    ends: list[np.ndarray] = []
    log_prob = np.zeros(n_sets)
    alpha_end = None
    for lo, hi in spans:
        emission, shift = _scaled_emissions(X[lo:hi], params)
        alpha, scale = _forward_block(alpha_end, startprob, transmat, emission)
        with np.errstate(divide="ignore"):
            log_prob += np.log(scale).sum(axis=0) + shift.sum(axis=0)
        alpha_end = alpha[-1].copy()  # a copy: a view would keep the block alive
        ends.append(alpha_end)
    last = (emission, alpha, scale)  # the backward pass starts with this block
    # backward, last block first: recompute its forward rows, then beta
    sums = _Sums(
        log_prob,
        np.zeros((n_sets, k)),
        np.zeros((n_sets, k, d)),
        np.zeros((n_sets, k, d, d)),
        np.zeros((n_sets, k, k)),
    )
    after = None  # b_j(x_t) beta_t(j) / c_t on the first day of the next block
    for number in range(len(spans) - 1, -1, -1):
        lo, hi = spans[number]
        if number == len(spans) - 1:
            emission, alpha, scale = last
            del last
        else:
            emission, _ = _scaled_emissions(X[lo:hi], params)
            before = ends[number - 1] if number else None
            alpha, scale = _forward_block(before, startprob, transmat, emission)
        # beta_t / c_t: c_t is one number per day and set, so gamma (normalised
        # over regimes) is the same from it as from beta_t
        beta_over_c, weighted = _backward_block(transmat, emission, scale, after)
        gamma = alpha * beta_over_c
        gamma /= gamma.sum(axis=2, keepdims=True)
        sums.counts += transmat * np.einsum("tbi,tbj->bij", alpha[:-1], weighted[1:])
        if after is not None:
            sums.counts += transmat * np.einsum("bi,bj->bij", alpha[-1], after)
        x = X[lo:hi]
        sums.weight += gamma.sum(axis=0)
        if _missing.has_missing(x):
            # Fisher's identity with holes: the expected complete-data score given
            # what was observed, i.e. x_t and x_t x_t^T replaced by their
            # conditional expectations under each regime (regimes._missing)
            patterns = _missing.missing_patterns(x)
            for b, p in enumerate(params):
                first, second = _missing.expected_moments(
                    x, gamma[:, b], p.means, p.covars, patterns
                )
                sums.first[b] += first
                sums.second[b] += second
        else:
            sums.first += np.einsum("tbk,td->bkd", gamma, x)
            sums.second += np.einsum("tbk,td,te->bkde", gamma, x, x, optimize=True)
        after = weighted[0]
    return sums


# ------------------------------------------------------------------------ score


def _chol_gradient(g: np.ndarray, chol: np.ndarray) -> np.ndarray:
    """d/d(log-Cholesky params) from G = dl/dSigma: dl/dL = 2 G L, diag times L_ii."""
    grad = 2.0 * g @ chol
    rows, cols = _lower(len(chol))
    out = grad[rows, cols]
    diagonal = rows == cols
    out[diagonal] *= chol[rows[diagonal], cols[diagonal]]
    return out


def _score(
    params: EMParameters,
    layout: ThetaLayout,
    weight: np.ndarray,
    first: np.ndarray,
    second: np.ndarray,
    counts: np.ndarray,
) -> np.ndarray:
    """Score d log P(O | lambda) / d theta from the E-step's sums over days.

    ``d/dmu_k = P_k (sum_t gamma_t(k) x_t - W_k mu_k)`` and, for a symmetric
    perturbation of Sigma_k, ``G_k = (P_k C_k P_k - W_k P_k) / 2`` with
    P_k = Sigma_k^{-1}, W_k = sum_t gamma_t(k) and C_k the weighted scatter about
    mu_k (eq. 41's numerator): the derivatives of eq. (29) summed as in eqs (33)
    and (39).
    """
    transmat = params.transmat
    logit_grad = []
    for i, j in layout.logit_entries:
        free = layout.free[i]
        mass = 1.0 - layout.fixed_transmat[i, ~free].sum()
        logit_grad.append(counts[i, j] - counts[i, free].sum() * transmat[i, j] / mass)
    means, covars = params.means, params.covars
    d_mean = np.empty_like(means)
    g_cov = np.empty_like(covars)
    for i in range(len(means)):
        precision = np.linalg.inv(covars[i])
        mu = means[i]
        residual = first[i] - weight[i] * mu
        d_mean[i] = precision @ residual
        scatter = (
            second[i]
            - np.outer(first[i], mu)
            - np.outer(mu, first[i])
            + weight[i] * np.outer(mu, mu)
        )
        g = 0.5 * (precision @ scatter @ precision - weight[i] * precision)
        g_cov[i] = 0.5 * (g + g.T)
    kind = layout.covariance_type
    if kind == "full":
        d_cov = np.concatenate(
            [
                _chol_gradient(g, np.linalg.cholesky(c))
                for g, c in zip(g_cov, covars, strict=True)
            ]
        )
    elif kind == "tied":
        d_cov = _chol_gradient(g_cov.sum(axis=0), np.linalg.cholesky(covars[0]))
    elif kind == "diag":
        variances = np.diagonal(covars, axis1=1, axis2=2)
        d_cov = (np.diagonal(g_cov, axis1=1, axis2=2) * variances).ravel()
    else:
        variances = np.diagonal(covars, axis1=1, axis2=2)[:, 0]
        d_cov = np.trace(g_cov, axis1=1, axis2=2) * variances
    return np.concatenate([np.asarray(logit_grad, dtype=float), d_mean.ravel(), d_cov])


def log_likelihood_and_score(
    X: np.ndarray, thetas: np.ndarray, layout: ThetaLayout
) -> tuple[np.ndarray, np.ndarray]:
    """Log-likelihoods and scores of several unconstrained parameter vectors.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    thetas : ndarray of shape (n_vectors, n_params)
    layout : ThetaLayout

    Returns
    -------
    log_prob : ndarray of shape (n_vectors,)
        log P(O | lambda(theta)), eq. (16).
    score : ndarray of shape (n_vectors, n_params)
        Its gradient in theta (Fisher's identity: the gradient of eq. 25 at the
        E-step's gamma and xi).
    """
    X = np.asarray(X, dtype=float)
    # the sums of x x^T are taken about the column means: the scatter about mu_k
    # is then a difference of numbers of the size of the data's spread, not of
    # its level (a translation leaves the likelihood and the score unchanged)
    centre = np.nanmean(X, axis=0) if _missing.has_missing(X) else X.mean(axis=0)
    Xc = X - centre
    thetas = np.atleast_2d(thetas)
    params = [unpack(theta, layout, X.shape[1]) for theta in thetas]
    shifted = [p._replace(means=p.means - centre) for p in params]
    sums = _batch_statistics(Xc, shifted)
    score = np.stack(
        [
            _score(
                p,
                layout,
                sums.weight[b],
                sums.first[b],
                sums.second[b],
                sums.counts[b],
            )
            for b, p in enumerate(shifted)
        ]
    )
    return sums.log_prob, score


def expected_transitions(X: np.ndarray, params: EMParameters) -> np.ndarray:
    """``sum_t xi_t(i, j)``: expected number of transitions i -> j in the data."""
    return _batch_statistics(np.asarray(X, dtype=float), [params]).counts[0]


def observed_information(
    X: np.ndarray, theta: np.ndarray, layout: ThetaLayout, batch: int = BATCH
) -> np.ndarray:
    """Minus the Hessian of the log-likelihood at ``theta``, symmetrised.

    Column i is ``-(score(theta + h_i e_i) - score(theta - h_i e_i)) / (2 h_i)`` with
    ``h_i = RELATIVE_STEP * layout.scale[i]``; the 2 n perturbed vectors go through
    :func:`log_likelihood_and_score` ``batch`` at a time.
    """
    n = len(theta)
    steps = RELATIVE_STEP * layout.scale
    shifts = np.vstack([np.diag(steps), -np.diag(steps)])
    thetas = theta + shifts
    scores = np.vstack(
        [
            log_likelihood_and_score(X, thetas[i : i + batch], layout)[1]
            for i in range(0, len(thetas), batch)
        ]
    )
    hessian = (scores[:n] - scores[n:]).T / (2 * steps)
    return -0.5 * (hessian + hessian.T)
