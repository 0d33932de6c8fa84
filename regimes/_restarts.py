"""EM restarts: their seeds, short-run screening, continuation, and parallel runs.

:class:`regimes.RegimeModel` fits ``n_init`` restarts of EM and keeps the best. Most
restarts of a regime model climb to the same few optima, and the ones that end on a
poor optimum are usually already behind after a few iterations, so by default every
restart first runs ``screen_iter`` iterations ("short-run EM", as in the emEM
initialisation of mixture models) and only the ``n_keep`` best continue to
convergence. ``screen_iter=0`` runs every restart to the end.

A restart depends only on its arguments (no shared state; the functions update
and return the :class:`Restart` they are given), so restarts can run in worker
processes (joblib) and give the same result as in sequence.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ._covariance import read_full, write_full
from ._hmm import NO_PRIORS, RegimeHMM

# What a single restart may raise when EM degenerates (an emptied state gives a
# singular or NaN covariance, or transmat rows that no longer sum to 1).
RESTART_ERRORS = (ValueError, np.linalg.LinAlgError, FloatingPointError)


def em_converged(history: Sequence[float], tol: float) -> bool:
    """Whether EM converged: the last change of the log-likelihood is below ``tol``.

    Unlike hmmlearn's ``ConvergenceMonitor.converged``, running out of iterations is
    not convergence, and neither is a drop of the log-likelihood larger than ``tol``
    (which EM cannot produce in exact arithmetic).
    """
    return len(history) >= 2 and abs(history[-1] - history[-2]) < tol


@dataclass
class Restart:
    """One EM restart and what became of it."""

    seed: int
    init: str  # "k-means" or "warm"
    hmm: RegimeHMM | None = None
    history: list[float] = field(default_factory=list)
    log_likelihood: float = np.nan  # of the data EM ran on, at the final parameters
    error: str = ""
    screened_out: bool = False

    @property
    def ok(self) -> bool:
        return not self.error

    @property
    def n_iter(self) -> int:
        return len(self.history)


def new_hmm(settings: dict[str, Any], seed: int | None) -> RegimeHMM:
    """A RegimeHMM with every prior switched off: the M-step is the pure MLE."""
    return RegimeHMM(
        n_components=settings["n_regimes"],
        covariance_type=settings["covariance_type"],
        n_iter=settings["n_iter"],
        tol=settings["tol"],
        random_state=seed,
        **NO_PRIORS,
        # used only to initialise, on standardised data (unit variances): negligible
        min_covar=1e-3,
        implementation="log",
        min_stay=settings.get("min_stay", 0.0),
    )


@contextmanager
def quiet_hmmlearn() -> Iterator[None]:
    """Silence hmmlearn's log messages and numpy's warnings during one restart.

    hmmlearn logs "Model is not converging" and similar through ``logging``; a
    degenerate restart also triggers numpy RuntimeWarnings. Both are judged from
    the result instead (:func:`em_converged`, finite parameters) and recorded in
    ``RegimeModel.restarts_``.
    """
    logger = logging.getLogger("hmmlearn")
    previous = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            warnings.simplefilter("ignore", ConvergenceWarning)  # k-means, tied points
            yield
    finally:
        logger.setLevel(previous)


def _em(run: Restart, Z: np.ndarray, hmm: RegimeHMM) -> Restart:
    """Run ``hmm.fit`` on Z, appending to ``run``'s history; record any failure."""
    with quiet_hmmlearn():
        try:
            hmm.fit(Z)
            run.history.extend(hmm.monitor_.history)
            run.log_likelihood = float(hmm.score(Z))
            if not (np.isfinite(run.log_likelihood) and _finite_parameters(hmm)):
                run.error = "EM produced non-finite parameters or log-likelihood"
            else:
                run.error = _collapsed(hmm)
        except RESTART_ERRORS as exc:
            run.history.extend(hmm.monitor_.history)
            run.error = f"{type(exc).__name__}: {exc}"
    run.hmm = None if run.error else hmm
    if run.error:
        run.log_likelihood = np.nan
    return run


def start_restart(
    Z: np.ndarray,
    seed: int,
    settings: dict[str, Any],
    n_iter: int,
    warm: tuple[np.ndarray, ...] | None = None,
) -> Restart:
    """Run the first ``n_iter`` EM iterations from k-means (or from ``warm``)."""
    hmm = new_hmm(settings, seed)
    _set_n_iter(hmm, n_iter)
    run = Restart(seed=seed, init="k-means" if warm is None else "warm")
    if warm is not None:
        startprob, transmat, means, covars = warm
        hmm.init_params = ""
        hmm.n_features = Z.shape[1]
        # EM cannot move an exact zero of pi or A: start from a hair above it
        hmm.startprob_ = _positive_rows(startprob)
        hmm.transmat_ = _positive_rows(transmat)
        hmm.means_ = means
        write_full(hmm, covars)
    return _em(run, Z, hmm)


def continue_restart(Z: np.ndarray, run: Restart, settings: dict[str, Any]) -> Restart:
    """Run a screened restart on from where it stopped, up to ``n_iter`` in total."""
    hmm = run.hmm
    hmm.init_params = ""
    _set_n_iter(hmm, settings["n_iter"] - run.n_iter)
    return _em(run, Z, hmm)


def run_restarts(
    Z: np.ndarray,
    seeds: Sequence[int],
    settings: dict[str, Any],
    warm: tuple[np.ndarray, ...] | None = None,
    n_jobs: int | None = None,
) -> list[Restart]:
    """All restarts: screen them briefly, then continue the ``n_keep`` best.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_features)
        The (standardised) data.
    seeds : sequence of int
        One seed per restart.
    settings : dict
        Validated estimator settings (n_regimes, covariance_type, n_iter, tol,
        screen_iter, n_keep, min_stay).
    warm : tuple, optional
        (startprob, transmat, means, covars) in Z's units: the first restart starts
        there instead of from k-means.
    n_jobs : int, optional
        Worker processes for joblib; None or 1 runs in this process.
    """
    tol, n_iter = settings["tol"], settings["n_iter"]
    screen_iter = settings["screen_iter"]
    screening = 0 < screen_iter < n_iter and settings["n_keep"] < len(seeds)
    first_iter = screen_iter if screening else n_iter
    jobs = [
        (Z, int(seed), settings, first_iter, warm if i == 0 else None)
        for i, seed in enumerate(seeds)
    ]
    runs = parallel_map(start_restart, jobs, n_jobs)
    if not screening:
        return runs

    # The n_keep best go on to convergence (those that converged while screening are
    # done already). If none of them ends well (a regime can still collapse later
    # on), the next n_keep go on, and so on.
    ranked = sorted((r for r in runs if r.ok), key=lambda r: -r.log_likelihood)
    done: dict[int, Restart] = {}
    position = 0
    while position < len(ranked):
        group = ranked[position : position + settings["n_keep"]]
        position += len(group)
        batch = [r for r in group if not em_converged(r.history, tol)]
        jobs = [(Z, run, settings) for run in batch]
        continued = parallel_map(continue_restart, jobs, n_jobs)
        done.update({id(old): new for old, new in zip(batch, continued, strict=True)})
        if any(done.get(id(r), r).ok for r in group):
            break
    for run in ranked[position:]:
        if not em_converged(run.history, tol):
            run.screened_out = True
    return [done.get(id(run), run) for run in runs]


def parallel_map(
    func: Callable[..., Any], jobs: Sequence[tuple[Any, ...]], n_jobs: int | None
) -> list[Any]:
    """``[func(*job) for job in jobs]`` through joblib, results in order.

    With ``n_jobs=None`` joblib runs the jobs here, one after the other, unless a
    ``joblib.parallel_backend`` context is active: inside
    ``with joblib.parallel_backend("dask"):`` they go to the Dask cluster. The
    outcome does not depend on where the jobs ran.
    """
    if len(jobs) < 2 and n_jobs in (None, 1):
        return [func(*job) for job in jobs]
    from joblib import Parallel, delayed

    from ._threads import call_with_threads, threads_per_worker

    threads = threads_per_worker(n_jobs)  # workers x threads <= cores
    return list(
        Parallel(n_jobs=n_jobs)(
            delayed(call_with_threads)(threads, func, *job) for job in jobs
        )
    )


def best_restart(runs: Sequence[Restart]) -> int | None:
    """Index of the successful, finished restart with the highest log-likelihood."""
    ok = [i for i, run in enumerate(runs) if run.ok and not run.screened_out]
    return max(ok, key=lambda i: runs[i].log_likelihood) if ok else None


def _set_n_iter(hmm: RegimeHMM, n_iter: int) -> None:
    # hmmlearn's monitor copies n_iter when the model is built and stops there
    hmm.n_iter = n_iter
    hmm.monitor_.n_iter = n_iter


def _collapsed(hmm: RegimeHMM) -> str:
    """Why a fit is degenerate (a regime explains too few days), or "".

    Without a prior the likelihood is unbounded when a regime shrinks onto a few
    days (its covariance tends to singular): such a fit is not a regime model, so
    the restart is recorded as failed. A 'full' or 'tied' covariance needs more
    days than columns; the other types need two.
    """
    occupancy = getattr(hmm, "occupancy_", None)
    if occupancy is None:
        return ""
    needed = hmm.n_features + 1 if hmm.covariance_type in ("full", "tied") else 2
    k = int(np.argmin(occupancy))
    if occupancy[k] < needed:
        return (
            f"degenerate: a regime explains {occupancy[k]:.1f} days, fewer than the "
            f"{needed} its covariance needs"
        )
    return ""


def _finite_parameters(hmm: RegimeHMM) -> bool:
    arrays = (hmm.startprob_, hmm.transmat_, hmm.means_, read_full(hmm))
    return all(np.isfinite(a).all() for a in arrays)


def _positive_rows(p: np.ndarray, floor: float = 1e-8) -> np.ndarray:
    p = np.maximum(np.asarray(p, dtype=float), floor)
    return p / p.sum(axis=-1, keepdims=True)
