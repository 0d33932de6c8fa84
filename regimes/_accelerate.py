"""SQUAREM: EM with extrapolated steps, same fixed points, never a lower likelihood.

Near an optimum EM converges linearly: each iteration shrinks the distance to the
optimum by a constant factor, close to 1 when the regimes overlap (daily returns),
so a warm-started refit still needs dozens of iterations to gain its last units of
log-likelihood. SQUAREM (Varadhan and Roland, 2008, "Simple and globally convergent
methods for accelerating the convergence of any EM algorithm", Scand. J. Stat.)
uses two EM steps from theta_0 to estimate where the sequence is heading:

    theta_1 = M(theta_0),  theta_2 = M(theta_1)
    r = theta_1 - theta_0,  v = theta_2 - 2 theta_1 + theta_0
    alpha = -max(1, |r| / |v|)                          (their step "S3")
    theta' = theta_0 - 2 alpha r + alpha^2 v

With alpha = -1, theta' is theta_2 (plain EM); a larger |alpha| jumps further along
the direction EM is taking. One more EM step from theta' "stabilises" it, and a
cycle of three E-steps then does the work of many plain ones. Where EM has a fixed
point (r = v = 0), theta' = theta_0: the accelerated map has EM's fixed points.

How it is kept safe here:

- **Where the step is taken.** Transition probabilities are extrapolated as
  logarithms (and renormalised), so they stay positive and sum to 1; means and
  covariance matrices as they are (an affine combination keeps them symmetric,
  and treats every column alike, so a fit does not depend on the order of the
  columns). A step whose covariances are not all positive definite (Cholesky
  fails, or a factor is nearly singular) is shortened towards plain EM
  (alpha = -1) until they are. ``startprob`` is not extrapolated (it is the
  posterior of day 1 and settles in one step); theta' takes theta_2's.
- **Monotone.** theta' first gets the M-step's constraints (the ``min_stay``
  floor on p_ii): EM's guarantee holds only from a point inside them. theta' is
  then kept only if its log-likelihood is at least theta_1's
  (the last one known); otherwise, and when theta' is not a valid model, the cycle
  falls back to theta_2, the plain EM step. The log-likelihoods recorded in the
  history therefore never decrease (up to rounding), as with EM.
- **Convergence** is judged as for plain EM (:func:`regimes._restarts.em_converged`):
  the gain of a *plain* EM step below ``tol``. Every recorded pair of neighbouring
  log-likelihoods where the loop may stop is a plain EM step (theta_0 to theta_1, or
  theta' to M(theta')), so a fit stops at the same kind of point as without
  acceleration, and the parameters it returns are always the result of an M-step
  (constraints such as ``min_stay`` hold).
- **The step length** grows when extrapolations succeed and is capped
  (``max_step``, doubled after each accepted step that used it, as in the authors'
  ``squarem`` package), so that an early, badly estimated direction cannot throw
  the parameters far away.

The budget ``n_iter`` counts iterations as recorded in the history (one E-step
and one M-step each), as for plain EM, so ``screen_iter`` and ``n_iter`` mean the
same with and without acceleration; a rejected extrapolation costs one E-step more
(at most one per cycle of three).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._covariance import read_full, write_full_trusted
from ._gaussian import row_max
from .results import floor_self_transitions

ACCELERATE = True
"""Whether the restarts of a fit run SQUAREM (``RegimeHMM(accelerate=...)``, set in
:func:`regimes._restarts.new_hmm`); False runs hmmlearn's plain EM loop. Tests and
``benchmarks/`` switch it to compare the two."""

WARMUP = 20
"""Plain EM iterations a fit from a fresh start runs before it extrapolates.

From k-means' starting point the first EM steps decide which optimum a restart
climbs to; an extrapolated step taken there can jump into another basin, monotone
but lower. On 400 two-regime samples of 2,000 days (tests/test_inference.py's
coverage samples) SQUAREM from the first iteration ended one restart 476 units of
log-likelihood below plain EM's; with 20 plain iterations first, none (the
acceleration pays in EM's slow linear tail, which comes later). A warm start
(``init_params=""``) is already in its basin and extrapolates at once.
"""

_LOG_FLOOR = 1e-300
"""Probabilities are floored here before their logarithm (an exact 0 stays ~0)."""


@dataclass
class Pause:
    """Where a paused run of :func:`fit_squarem` stands: all its loop carries.

    A run pauses only at the top of its loops (between plain EM steps, or between
    two SQUAREM cycles), where the loop's whole state is the model's parameters,
    the run's history (its convergence test and budget count from it), the plain
    iterations it was due and the step cap. Resumed from here it takes exactly
    the steps it would have taken without the pause.
    """

    history: list[float]
    warmup: int
    step_cap: float


def fit_squarem(hmm, X: np.ndarray, max_step: float = 4.0):
    """``hmm.fit(X)`` with SQUAREM-accelerated EM; the model, fitted.

    ``hmm`` is a :class:`regimes._hmm.RegimeHMM` (or a GaussianHMM) set up as for
    ``fit``: it is initialised as ``fit`` would (``init_params``), then EM runs
    until a plain EM step gains less than ``hmm.tol`` or ``hmm.n_iter``
    iterations have been recorded. ``hmm.monitor_.history`` holds the
    log-likelihood of every accepted point, in order, as after ``fit``.

    A run can be cut into pieces that take the very same steps as one call
    (:func:`regimes._restarts.continue_restart` does, so that the restarts of a
    fit share the threads evenly): with ``hmm.pause_after = n`` the run stops at
    the first top of its loops once its history holds ``n`` values, and leaves
    a :class:`Pause` in ``hmm.em_pause``; the next call with that attribute set
    resumes there (``monitor_.history`` holds the whole run again) instead of
    starting anew. ``em_pause`` is None once the run has ended.
    """
    # lengths=None: each E-step sees X itself (missing-value patterns are cached
    # for that very array, see RegimeHMM.fit)
    lengths = None
    hmm._init(X, lengths)
    hmm._check()
    monitor = hmm.monitor_
    pause: Pause | None = getattr(hmm, "em_pause", None)
    pause_after = getattr(hmm, "pause_after", None)
    hmm.pause_after = None  # asked for this call only
    monitor._reset()
    history = monitor.history
    if pause is not None:  # resume: the run's history, step cap and warm-up
        history.extend(pause.history)
        monitor.iter = len(history)
        step_cap, warmup = pause.step_cap, pause.warmup
    else:
        step_cap = max_step
        # plain iterations still due before extrapolating: set by the restarts for
        # a screened restart that continues (regimes._restarts), else from
        # init_params
        warmup = getattr(hmm, "plain_iterations_due", WARMUP if hmm.init_params else 0)
    hmm.em_pause = None

    def pausing() -> bool:
        """At a top of a loop: pause here if the piece asked for is done."""
        if pause_after is None or len(history) < pause_after:
            return False
        hmm.em_pause = Pause(list(history), warmup, step_cap)
        return True

    def em_step() -> float | None:
        """E-step at the model's parameters, then M-step; None when out of budget."""
        if len(history) >= hmm.n_iter:
            return None
        stats, log_prob = hmm._do_estep(X, lengths)
        log_prob = float(hmm._compute_lower_bound(log_prob))
        hmm._do_mstep(stats)
        return log_prob

    def record(log_prob: float) -> bool:
        """Append; True if the last step (a plain EM step) gained less than tol."""
        history.append(log_prob)
        monitor.iter += 1
        return len(history) >= 2 and history[-1] - history[-2] < hmm.tol

    while len(history) < warmup:  # a fresh start: plain EM picks the basin
        if pausing():
            return hmm
        log_prob = em_step()
        if log_prob is None or record(log_prob):
            return hmm
    while True:
        if pausing():
            return hmm
        theta0 = _get(hmm)
        log0 = em_step()
        if log0 is None or record(log0):
            break
        theta1 = _get(hmm)
        log1 = em_step()
        if log1 is None or record(log1):
            break
        theta2 = _get(hmm)
        plain = _snapshot(hmm)  # theta_2 exactly, for a fallback
        new, alpha = _extrapolate(theta0, theta1, theta2, step_cap)
        if new is None:  # no better direction than plain EM: go on from theta_2
            continue
        _set(hmm, new)
        log_new = em_step()
        if log_new is None:
            _restore(hmm, plain)
            break
        if np.isfinite(log_new) and log_new >= log1:
            # accepted: the model now holds M(theta'), the stabilising step. No
            # convergence test on (theta_1, theta'): that pair is not an EM step;
            # the next cycle's first step tests M(theta') against theta'.
            history.append(log_new)
            monitor.iter += 1
            if -alpha >= step_cap:
                step_cap *= 2.0
        else:
            _restore(hmm, plain)  # rejected: the plain EM step
            step_cap = max(1.0, step_cap / 2.0)
    return hmm


SCALED_MIN_TRANSITION = 1e-200
"""The smallest transition probability under which the scaled passes are exact.

The scaled forward pass normalises each day's probabilities, so a regime whose
probability falls below the double range (~1e-308) is flushed to 0. The next day
refills it from the others through the transition matrix, by at least this much
times their probability, and what the flush lost is then below 1e-100 of that.
A transition matrix with smaller (or zero) entries cannot refill it: the regime
would stay at 0 whatever later days say, so the log-space passes decide
(:func:`scaled_passes_hold`).
"""


def scaled_passes_hold(transmat: np.ndarray) -> bool:
    """Whether the scaled passes give the log-space passes' numbers (see above)."""
    return bool(np.min(transmat) >= SCALED_MIN_TRANSITION)


def log_likelihood(hmm, X: np.ndarray) -> float:
    """The log-likelihood ``hmm.score(X)``, from the compiled *scaled* forward pass.

    hmmlearn's ``score`` runs the log-space forward pass (an ``exp`` and a ``log``
    for every term), about twice the time of a whole scaled E-step; a restart
    needs only the number. The emission densities are divided by each day's
    largest, as in the E-step (:meth:`regimes._hmm.RegimeHMM._estep_lattices`),
    and the shift added back; where the scaled pass underflows, ``score`` decides.
    """
    value = scaled_log_likelihood(hmm, X)
    return float(hmm.score(X)) if value is None else value


def scaled_log_likelihood(
    hmm, X: np.ndarray, log_b: np.ndarray | None = None
) -> float | None:
    """:func:`log_likelihood` from the scaled pass, or None where it underflows.

    ``log_b``: X's emission log-densities under ``hmm``, if the caller has them.
    """
    from hmmlearn import _hmmc

    if not scaled_passes_hold(hmm.transmat_):
        return None
    if log_b is None:
        log_b = hmm._compute_log_likelihood(X)
    shift = row_max(log_b)
    if not np.isfinite(shift).all():
        return None
    try:
        log_prob, _, _ = _hmmc.forward_scaling(
            hmm.startprob_, hmm.transmat_, np.exp(log_b - shift[:, None])
        )
    except ValueError:  # "forward pass failed with underflow"
        return None
    return float(log_prob + shift.sum())


# The parameters in the coordinates the extrapolation works in: a dict of arrays.
def _get(hmm) -> dict[str, np.ndarray]:
    return {
        "startprob": np.array(hmm.startprob_, dtype=float),
        "log_transmat": np.log(np.maximum(hmm.transmat_, _LOG_FLOOR)),
        "means": np.array(hmm.means_, dtype=float),
        "covars": read_full(hmm),
    }


def _set(hmm, theta: dict[str, np.ndarray]) -> None:
    hmm.startprob_ = theta["startprob"]
    transmat = _normalized_exp(theta["log_transmat"])
    min_stay = getattr(hmm, "min_stay", 0.0)
    if min_stay > 0:
        # theta' must satisfy the M-step's constraints, or EM's guarantee (the
        # next M-step does not lower the likelihood) does not hold from it
        transmat = floor_self_transitions(transmat, min_stay)
    hmm.transmat_ = transmat
    hmm.means_ = theta["means"]
    write_full_trusted(hmm, theta["covars"])  # checked by _valid


def _snapshot(hmm) -> tuple[np.ndarray, ...]:
    arrays = (hmm.startprob_, hmm.transmat_, hmm.means_)
    return (*(np.array(a, dtype=float) for a in arrays), read_full(hmm))


def _restore(hmm, snapshot: tuple[np.ndarray, ...]) -> None:
    startprob, transmat, means, full = snapshot
    hmm.startprob_, hmm.transmat_, hmm.means_ = startprob, transmat, means
    write_full_trusted(hmm, full)  # it was the model's own, valid covariance


_EXTRAPOLATED = ("log_transmat", "means", "covars")


def _extrapolate(theta0, theta1, theta2, step_cap: float):
    """SQUAREM's theta' and its alpha, or (None, -1.0) where plain EM is as good.

    ``alpha`` is shortened towards -1 (plain EM) until theta' is a valid model.
    """
    r = {k: theta1[k] - theta0[k] for k in _EXTRAPOLATED}
    v = {k: theta2[k] - 2 * theta1[k] + theta0[k] for k in _EXTRAPOLATED}
    norm_r, norm_v = (
        float(np.linalg.norm(np.concatenate([a.ravel() for a in d.values()])))
        for d in (r, v)
    )
    if not (np.isfinite(norm_r) and np.isfinite(norm_v)) or norm_v == 0.0:
        return None, -1.0
    alpha = -min(max(1.0, norm_r / norm_v), step_cap)
    while alpha < -1.0:
        new = {"startprob": theta2["startprob"]}
        for k in _EXTRAPOLATED:
            new[k] = theta0[k] - 2 * alpha * r[k] + alpha**2 * v[k]
        if _valid(new):
            return new, alpha
        alpha = (alpha - 1.0) / 2.0
        if alpha > -1.01:
            break
    return None, -1.0


def _valid(theta: dict[str, np.ndarray]) -> bool:
    """Finite, and every covariance matrix positive definite, far from singular."""
    if not all(np.isfinite(a).all() for a in theta.values()):
        return False
    try:
        chol = np.linalg.cholesky(theta["covars"])
    except np.linalg.LinAlgError:
        return False
    diag = np.diagonal(chol, axis1=-2, axis2=-1)
    return bool(diag.min() > 1e-6 * diag.max())


def _normalized_exp(log_p: np.ndarray) -> np.ndarray:
    p = np.exp(log_p - log_p.max(axis=-1, keepdims=True))
    return p / p.sum(axis=-1, keepdims=True)
