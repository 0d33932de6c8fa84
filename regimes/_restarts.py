"""EM restarts: their seeds, short-run screening, continuation, and parallel runs.

:class:`regimes.RegimeModel` fits ``n_init`` restarts of EM and keeps the best. Most
restarts of a regime model climb to the same few optima, and the ones that end on a
poor optimum are usually already behind after a few iterations, so by default every
restart first runs ``screen_iter`` iterations ("short-run EM", as in the emEM
initialisation of mixture models) and only the ``n_keep`` best continue to
convergence. ``screen_iter=0`` runs every restart to the end.

A warm fit (``warm_start=True``, a chain of refits on growing data) starts its
first restart at the previous parameters. Its other restarts are *challengers*:
each continues, by ``CHALLENGER_ITER`` EM iterations, the restart that held its
place in the previous warm fit, rather than starting from k-means every time
(:func:`next_challengers`). A challenger climbing towards a better optimum gets
there over a few refits, as a new restart would in its own iterations, at a
fraction of the cost; once it has reached the kept restart's optimum, or
converged below it, or lived ``CHALLENGER_LIFE`` fits, it starts again from
k-means on the data of the day, screened for ``screen_iter`` iterations as in
any fit, with a seed of its own for that fit (``_fitting.warm_fit_seeds``: the
same seed on a few more weeks of data would climb back to where it went last
time). The warm start itself converges at ``WARM_TOL_FACTOR * tol``
(:func:`restart_tol`).

A restart depends only on its arguments (no shared state; the functions update
and return the :class:`Restart` they are given), so restarts can run in worker
processes (joblib) and give the same result as in sequence.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from . import _accelerate
from ._covariance import COVARIANCE_FORMS, positive_definite, read_full, write_full
from ._hmm import NO_PRIORS, FitData, RegimeHMM, fit_data, init_data
from ._parallel import (
    Lease,
    PoolBroken,
    Shared,
    process_pool,
    release,
    shared_map,
    thread_workers,
)
from ._state import Settings


class DegenerateEMError(ArithmeticError):
    """EM left the space of valid models (a state emptied, a covariance singular)."""


# What a single restart may raise when EM degenerates; anything else is a bug and
# propagates. hmmlearn reports degenerate parameters with a plain ValueError, which
# _degenerate_as_error translates into DegenerateEMError by its message
# (_DEGENERATE_MESSAGES).
RESTART_ERRORS = (DegenerateEMError, np.linalg.LinAlgError, FloatingPointError)

_DEGENERATE_MESSAGES = (
    "must sum to 1",  # transmat_ / startprob_ rows of an emptied state
    "covars must be positive",  # 'diag' and 'spherical'
    "positive-definite",  # 'tied'
    "positive definite",  # 'full', and regimes.em's Cholesky ("not positive ...")
)

CHALLENGER_ITER = 2
"""EM iterations a challenger runs at each warm fit (then screened like the rest).

Measured on the bundled sample's walk-forward (372 monthly refits, issue 22,
``benchmarks/walk_forward.py``): with 2 challengers at 2 iterations each, every
refit is within 0.1 % of the log-likelihood of 10 fresh restarts, while two new
k-means restarts screened for 10 iterations at every refit (the rule before)
missed one refit and cost 1.9x the EM iterations (11,385 against 6,148, both with
SQUAREM; fewer since the warm start converges at ``WARM_TOL_FACTOR * tol``).
1 iteration was faster but missed more on other data sets
(``benchmarks/challengers.py``, ``benchmarks/README.md``); so did renewed places
that ran 2 iterations instead of ``screen_iter`` (72 refits below cold on six
data sets against 39)."""

CONTINUE_PIECE = 16
"""EM iterations a continued restart runs at a time when workers share the
restarts (:func:`continue_restart`): the 3 restarts a fit continues on 2
workers then end within a few iterations of each other, not one run apart.
Each piece costs a call of hmmlearn's fit and, on the pool of worker processes,
a trip there and back: ~0.5-1 ms against ~1 ms an iteration on the bundled
sample. Measured there (``RegimeModel(n_init=10)``, n_jobs=2 against n_jobs=1,
10 alternating repeats in one process, three runs): pieces of 6, 8, 12, 16 and
24 iterations gave medians of 1.56x, 1.55-1.59x, 1.61x, 1.61-1.67x and 1.56x on
the pool; 16 and 8 gave 1.42x and 1.39x on threads."""

CHALLENGER_LIFE = 12
"""Fits a challenger lives at most before it starts again from k-means: a
challenger settled in a poor optimum is otherwise never renewed."""

SAME_OPTIMUM = 1e-5
"""A challenger whose log-likelihood is within this many units per day of the
kept restart's has found the same optimum: it starts again from k-means."""

WARM_TOL_FACTOR = 100.0
"""A warm start converges at this many times ``tol`` (1e-2 with the default 1e-4,
hmmlearn's own default), but not above ``WARM_TOL_MAX`` unless ``tol`` itself is;
every other restart at ``tol``.

A warm start begins at the previous fit's optimum, which a few weeks of new days
have moved by a few units of log-likelihood, and the next warm fit begins where
this one stops: what it leaves unclimbed is climbed there, from its end, so
nothing adds up along a chain of refits. Its last units are where EM crawls (a
warm refit of the bundled sample's walk-forward ended with steps of 1e-3 for
half its iterations). Measured on that walk-forward (``benchmarks/walk_forward.py``,
372 monthly refits): 20 % fewer EM iterations, every refit within 0.1 % of the
log-likelihood of 10 fresh restarts (the median refit 2e-8 below the chain at
``tol``: no drift), and the same causal regime as at ``tol`` on 99.96 % of days.
"""

WARM_TOL_MAX = 1e-2
"""The loosest tolerance a warm start gets from ``WARM_TOL_FACTOR`` (hmmlearn's
default ``tol``): a ``tol`` of 0.5 would otherwise let a warm start stop while
its steps still gain 49 units of log-likelihood."""

COLLAPSE_RATIO = 1e-4
"""A regime whose variance of a column is below this fraction of the column's own
variance is degenerate: it sits on days where the column repeats one value."""


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
    init: str  # "k-means", "warm" or "challenger"
    tol: float  # its convergence test's (restart_tol)
    hmm: RegimeHMM | None = None
    earlier_iter: int = 0  # a challenger's EM iterations in earlier fits
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

    @property
    def converged(self) -> bool:
        return em_converged(self.history, self.tol)

    @property
    def paused(self) -> bool:
        """Whether EM stopped part-way, to go on (``continue_restart``'s pieces)."""
        return self.hmm is not None and getattr(self.hmm, "em_pause", None) is not None


def restart_tol(init: str, tol: float) -> float:
    """The convergence tolerance of a restart that starts as ``init`` says.

    ``tol`` for every restart but a warm start: ``WARM_TOL_FACTOR * tol``, capped
    at ``WARM_TOL_MAX`` (never below ``tol``).

    Examples
    --------
    >>> [f"{restart_tol('warm', tol):g}" for tol in (1e-4, 1e-6, 0.5)]
    ['0.01', '0.0001', '0.5']
    >>> restart_tol("k-means", 1e-4)
    0.0001
    """
    if init != "warm":
        return tol
    return max(tol, min(WARM_TOL_FACTOR * tol, WARM_TOL_MAX))


def new_hmm(settings: Settings, seed: int | None) -> RegimeHMM:
    """A RegimeHMM with every prior switched off: the M-step is the pure MLE.

    Restarts build the engine here (``_fitting.engine`` builds the one that holds a
    fitted state); neither gets hmmlearn's priors: the engine's overrides implement
    the maximum-likelihood M-step only.
    """
    return RegimeHMM(
        n_components=settings.n_regimes,
        covariance_type=settings.covariance_type,
        n_iter=settings.n_iter,
        tol=settings.tol,
        random_state=seed,
        **NO_PRIORS,
        # used only to initialise, on standardised data (unit variances): negligible
        min_covar=1e-3,
        implementation="log",
        min_stay=settings.min_stay,
        accelerate=_accelerate.ACCELERATE,
    )


# hmmlearn logs "Model is not converging" and the like through the loggers of its
# modules. Restarts judge convergence and degeneracy from their results instead, so
# their records are dropped, by a filter on those loggers that drops the records of
# the current context only (a thread, or an asyncio task) while it is inside
# quiet_hmmlearn(). Installed once, here; no logger level is ever changed, so other
# threads' and the user's own hmmlearn models log as usual.
_QUIET = contextvars.ContextVar("regimes_quiet_hmmlearn", default=False)


class _DropQuietRecords(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not _QUIET.get()


_HMMLEARN_LOGGERS = ("hmmlearn.base", "hmmlearn.hmm")
for _name in _HMMLEARN_LOGGERS:
    _logger = logging.getLogger(_name)
    if not any(isinstance(f, _DropQuietRecords) for f in _logger.filters):
        _logger.addFilter(_DropQuietRecords())


@contextmanager
def quiet_hmmlearn() -> Iterator[None]:
    """Drop hmmlearn's log records and numpy's floating-point warnings, here only.

    Both the filter above and :class:`numpy.errstate` are context-local, so other
    threads are not affected; no warnings filter or logger level is touched.
    """
    token = _QUIET.set(True)
    try:
        with np.errstate(all="ignore"):
            yield
    finally:
        _QUIET.reset(token)


@contextmanager
def _degenerate_as_error() -> Iterator[None]:
    """Re-raise hmmlearn's degenerate-parameter ValueErrors as DegenerateEMError.

    Any other ValueError is a bug and propagates as it is.
    """
    try:
        yield
    except (np.linalg.LinAlgError, FloatingPointError):
        raise  # numerical failures already (LinAlgError is a ValueError)
    except ValueError as exc:
        if not any(m in str(exc) for m in _DEGENERATE_MESSAGES):
            raise
        raise DegenerateEMError(str(exc)) from exc


def _em(run: Restart, hmm: RegimeHMM, shared: FitData) -> Restart:
    """Run ``hmm.fit`` on ``shared.X``, adding to ``run``'s history; record failures.

    ``shared`` is what the restarts use of the data, formed once for all of them
    (:func:`regimes._hmm.fit_data`).
    """
    Z = shared.X
    hmm.share_data(shared)
    pause = getattr(hmm, "em_pause", None)
    known = 0 if pause is None else len(pause.history)  # in run.history already
    with quiet_hmmlearn():
        try:
            with _degenerate_as_error():
                try:
                    hmm.fit(Z)
                finally:
                    run.history.extend(list(hmm.monitor_.history)[known:])
                if run.paused:  # judged when the run ends, as in one piece
                    return run
                run.log_likelihood = _accelerate.log_likelihood(hmm, Z)
            if not (np.isfinite(run.log_likelihood) and _finite_parameters(hmm)):
                run.error = "EM produced non-finite parameters or log-likelihood"
            else:
                run.error = _collapsed(hmm, shared.variances)
        except RESTART_ERRORS as exc:
            run.error = f"{type(exc).__name__}: {exc}"
            if "positive definite" in str(exc):
                # a covariance turns singular when its regime empties: say so (an
                # accelerated fit can get there before EM's own loop stops)
                run.error = _collapsed(hmm) or run.error
    run.hmm = None if run.error else hmm
    if run.error:
        run.log_likelihood = np.nan
        hmm.em_pause = None
    return run


def start_restart(
    shared: FitData,
    seed: int,
    settings: Settings,
    n_iter: int,
    warm: tuple[np.ndarray, ...] | None = None,
    earlier_iter: int | None = None,
) -> Restart:
    """Run the first ``n_iter`` EM iterations from k-means (or from ``warm``).

    ``shared`` is the data, ``shared.X``, and what the restarts use of it
    (:func:`regimes._hmm.fit_data`; with its k-means data for a start from
    k-means). With ``earlier_iter`` the start is a challenger's: ``warm`` holds
    where it stopped in the previous fit, after ``earlier_iter`` iterations from
    k-means.
    """
    hmm = new_hmm(settings, seed)
    _set_n_iter(hmm, n_iter)
    if warm is None:
        init = "k-means"
    else:
        init = "warm" if earlier_iter is None else "challenger"
    run = Restart(
        seed=seed,
        init=init,
        tol=restart_tol(init, settings.tol),
        earlier_iter=earlier_iter or 0,
    )
    _set_tol(hmm, run.tol)
    # a start from k-means runs plain EM first (it picks the basin; a challenger
    # is still picking it), the warm start need not
    hmm.plain_iterations_due = _plain_iterations_due(run)
    if warm is not None:
        startprob, transmat, means, covars = warm
        hmm.init_params = ""
        hmm.n_features = shared.X.shape[1]
        # EM cannot move an exact zero of pi or A: start from a hair above it
        hmm.startprob_ = _positive_rows(startprob)
        hmm.transmat_ = _positive_rows(transmat)
        hmm.means_ = means
        write_full(hmm, covars)
    return _em(run, hmm, shared)


def continue_restart(
    shared: FitData,
    run: Restart,
    settings: Settings,
    piece: int | None = None,
) -> Restart:
    """Run a screened restart on from where it stopped, up to ``n_iter`` in total.

    With ``piece``, at most about that many iterations now (a SQUAREM cycle is
    not cut): the run pauses (``run.paused``) and the next call goes on from
    there. The pieces take exactly the steps of one call
    (:class:`regimes._accelerate.Pause`); they let threads share the continued
    restarts evenly (:func:`run_restarts`). Without acceleration the whole run is
    one piece.
    """
    hmm = run.hmm
    pause = getattr(hmm, "em_pause", None)
    if pause is None:  # the first piece: as one call would start
        hmm.init_params = ""
        hmm.plain_iterations_due = _plain_iterations_due(run)
        _set_n_iter(hmm, settings.n_iter - run.n_iter)
    if piece is not None:
        hmm.pause_after = piece + (0 if pause is None else len(pause.history))
    return _em(run, hmm, shared)


def _plain_iterations_due(run: Restart) -> int:
    """Plain EM iterations before SQUAREM extrapolates (regimes._accelerate)."""
    if run.init == "warm":
        return 0
    return max(0, _accelerate.WARMUP - run.earlier_iter - run.n_iter)


def run_restarts(
    Z: np.ndarray,
    seeds: Sequence[int],
    settings: Settings,
    warm: tuple[np.ndarray, ...] | None = None,
    challengers: Sequence[tuple[tuple[np.ndarray, ...], int, int] | None] = (),
) -> list[Restart]:
    """All restarts: screen them briefly, then continue the ``n_keep`` best.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_features)
        The (standardised) data.
    seeds : sequence of int
        One seed per restart.
    settings : Settings
        Validated estimator settings; ``n_jobs`` sets the workers that run the
        restarts side by side: threads of this process, or, once a pool of them
        is warm, worker processes for a fit from k-means
        (:func:`regimes._parallel.shared_map`; None or 1 runs them one after
        the other). Each stage (screening, then each group that continues)
        hands its restarts out one at a time, so a worker that finishes early
        takes the next; with workers the continued restarts go in pieces of
        ``CONTINUE_PIECE`` iterations, so that no worker waits long for the
        last one. The results do not depend on which worker ran what, nor on
        the pieces.
    warm : tuple, optional
        (startprob, transmat, means, covars) in Z's units: the first restart starts
        there instead of from k-means.
    challengers : sequence, optional
        For the restarts after the first, by position: (parameters in Z's units,
        EM iterations run so far, its seed) of a challenger to continue for
        ``CHALLENGER_ITER`` iterations before screening, or None for a k-means
        start (see the module docstring).
    """
    n_iter, n_jobs = settings.n_iter, settings.n_jobs
    screen_iter, n_keep = settings.screen_iter, settings.n_keep
    screening = 0 < screen_iter < n_iter and n_keep < len(seeds)
    first_iter = screen_iter if screening else n_iter
    # what every restart uses of Z, formed once (k-means's data if one needs it)
    carried = sum(c is not None for c in challengers)
    from_kmeans = warm is None or len(seeds) > 1 + carried
    # a cold fit's restarts may go to worker processes (regimes._parallel);
    # a warm refit's are a few iterations each, too short to send anywhere
    pool = process_pool(n_jobs, __name__) if warm is None else None
    with Shared(fit_data, Z, settings.covariance_type, from_kmeans) as shared:
        jobs = _start_jobs(seeds, settings, first_iter, warm, challengers)
        if warm is None:
            try:
                return _cold(shared, jobs, settings, screening, pool)
            except PoolBroken:  # the pool failed, not the fit: all again, here
                return _cold(shared, jobs, settings, screening, None)
            finally:
                release(pool)
        runs = shared_map(_step, shared, jobs, n_jobs)
        if warm is not None and not runs[0].ok:
            # the warm start degenerated: the data have moved away from the
            # previous regimes. The challengers (a few iterations each) are not
            # a search, and with no other restart (fresh_restarts=0) nothing is
            # left: a k-means restart joins for every place that did not start
            # from k-means
            value = shared.value()
            if value.init is None:
                shared.keep(value._replace(init=init_data(Z)))
            jobs = [
                (start_restart, int(seed), settings, first_iter)
                for seed, run in zip(seeds, runs, strict=True)
                if run.init != "k-means"
            ]
            runs += shared_map(_step, shared, jobs, n_jobs)
        if not screening:
            return runs
        return _continued(shared, runs, settings, None)


def _cold(
    shared: Shared,
    jobs: list[tuple],
    settings: Settings,
    screening: bool,
    pool: Lease | None,
) -> list[Restart]:
    """A fit from k-means: :func:`_search`, or every restart to the end."""
    if screening:
        return _search(shared, jobs, settings, pool)
    return shared_map(_step, shared, jobs, settings.n_jobs, pool=pool)


def warm_up() -> None:
    """Run a short restart on a small made-up sample.

    A new worker process's first job (:func:`regimes._parallel.process_pool`
    warms its workers so): the first fit on the pool then runs at full speed.
    """
    Z = np.random.default_rng(0).standard_normal((200, 2))
    settings = Settings(
        n_regimes=2,
        covariance_type="full",
        n_iter=3,
        tol=1e-4,
        n_init=1,
        regularization=None,
        order_by="mean",
        switch_penalty=0.0,
        regime_names=("one", "two"),
        min_stay=0.0,
        screen_iter=0,
        n_keep=1,
        warm_start=False,
        n_jobs=None,
        random_state=0,
    )
    start_restart(fit_data(Z, "full"), 0, settings, 3)


def _step(shared: FitData, step: Callable[..., Restart], *args: object) -> Restart:
    """``step(shared, *args)``: one job of a fit's restarts (a start or a piece).

    Jobs name their step, so that starts and continued runs share one call of
    :func:`regimes._parallel.shared_map`.
    """
    return step(shared, *args)


def _start_jobs(
    seeds: Sequence[int],
    settings: Settings,
    first_iter: int,
    warm: tuple[np.ndarray, ...] | None,
    challengers: Sequence[tuple[tuple[np.ndarray, ...], int, int] | None],
) -> list[tuple]:
    """Every restart's first ``first_iter`` iterations, as :func:`_step` jobs."""
    jobs: list[tuple] = []
    for i, seed in enumerate(seeds):
        challenger = challengers[i - 1] if 0 < i <= len(challengers) else None
        if i == 0:
            jobs.append((start_restart, int(seed), settings, first_iter, warm))
        elif challenger is None:  # a search, as in any fit (a renewed place too)
            jobs.append((start_restart, int(seed), settings, first_iter))
        else:
            parameters, done, seed = challenger  # its own seed, for the table
            # screened like the rest after its few iterations; without screening
            # every restart, a challenger too, runs to the end
            screening = first_iter < settings.n_iter
            budget = CHALLENGER_ITER if screening else settings.n_iter
            jobs.append((start_restart, int(seed), settings, budget, parameters, done))
    return jobs


def _piece(n_jobs: int | None) -> int | None:
    """Iterations a continued run goes at a time; None: all in one call.

    In pieces when workers share the runs: n_keep runs on fewer workers would
    otherwise leave one idle while the last run finishes (the pieces take the
    steps of one call, so the results are the same either way).
    """
    workers = thread_workers(n_jobs)
    return CONTINUE_PIECE if workers is not None and workers > 1 else None


def _search(
    shared: Shared, jobs: list[tuple], settings: Settings, pool: Lease | None
) -> list[Restart]:
    """A cold fit's restarts: screened, and the ``n_keep`` best continued.

    The same runs, and the same steps of each, as screening every restart and
    then continuing the best (:func:`_continued`); only when each continued run
    starts differs: as soon as it is certain to be among the ``n_keep`` best
    (:func:`_certain`), while the last restarts are still screened, so that a
    worker that would wait for them continues it instead. If none of the
    ``n_keep`` ends well, the next go on as in :func:`_continued`.
    """
    n, n_keep = len(jobs), settings.n_keep
    piece = _piece(settings.n_jobs)
    finished: dict[int, Restart] = {}
    # as screened: a continued run on a thread is the screened object, updated
    screened: dict[int, tuple[bool, float, bool]] = {}  # ok, log-lik., converged
    continued_at: dict[int, int] = {}  # a screened place: its continued run's

    def more(place: int, result: Restart) -> list[tuple]:
        if place >= n:  # a continued run's end
            return []
        finished[place] = result
        screened[place] = (result.ok, result.log_likelihood, result.converged)
        new = []
        for i in _certain(screened, n, n_keep):
            if i not in continued_at and not screened[i][2]:
                continued_at[i] = n + len(continued_at)
                new.append((continue_restart, finished[i], settings, piece))
        return new

    results = shared_map(_step, shared, jobs, settings.n_jobs, _unfinished, pool, more)
    ranked = _ranked(screened)
    out = [
        results[continued_at[i]] if i in continued_at else results[i] for i in range(n)
    ]
    if not ranked[:n_keep] or any(out[i].ok for i in ranked[:n_keep]):
        for i in ranked[n_keep:]:
            if not screened[i][2]:
                out[i].screened_out = True
        return out
    return _continued(
        shared, out, settings, pool, [out[i] for i in ranked], position=n_keep
    )


def _certain(
    screened: dict[int, tuple[bool, float, bool]], n: int, n_keep: int
) -> list[int]:
    """The screened places certain to be among the ``n_keep`` best of ``n``.

    The best ``n_keep - p`` of those screened well, ``p`` restarts still being
    screened: each of these has fewer than ``n_keep`` runs above it, whatever
    the ``p`` turn out to be. Ranked as :func:`run_restarts` ranks them (by
    log-likelihood, ties by place).

    Examples
    --------
    >>> screened = {0: (True, -5.0, False), 2: (True, -1.0, False), 3: (False, 0, 0)}
    >>> _certain(screened, n=5, n_keep=3)  # 2 still screened: only the best
    [2]
    >>> _certain({**screened, 1: (True, -3.0, False)}, n=5, n_keep=3)
    [2, 1]
    """
    return _ranked(screened)[: max(0, n_keep - (n - len(screened)))]


def _ranked(screened: dict[int, tuple[bool, float, bool]]) -> list[int]:
    """The places that screened well, best first.

    By log-likelihood, ties by place: the order in which :func:`_continued`
    ranks the runs themselves.
    """
    return sorted(
        (i for i, (ok, _, _) in screened.items() if ok),
        key=lambda i: (-screened[i][1], i),
    )


def _continued(
    shared: Shared,
    runs: list[Restart],
    settings: Settings,
    pool: Lease | None,
    ranked: list[Restart] | None = None,
    position: int = 0,
) -> list[Restart]:
    """The screened ``runs``, the ``n_keep`` best continued (:func:`run_restarts`).

    Those that converged while screening are done already. If none of the
    ``n_keep`` ends well (a regime can still collapse later on), the next
    ``n_keep`` go on, and so on. ``ranked`` (the runs that screened well, best
    first) and ``position`` (the groups before it done) for :func:`_search`.
    """
    n_jobs, n_keep = settings.n_jobs, settings.n_keep
    if ranked is None:
        ranked = sorted((r for r in runs if r.ok), key=lambda r: -r.log_likelihood)
    done: dict[int, Restart] = {}
    piece = _piece(n_jobs)
    while position < len(ranked):
        group = ranked[position : position + n_keep]
        position += len(group)
        batch = [r for r in group if not r.converged]
        jobs = [(continue_restart, run, settings, piece) for run in batch]
        continued = shared_map(_step, shared, jobs, n_jobs, _unfinished, pool)
        done.update({id(old): new for old, new in zip(batch, continued, strict=True)})
        if any(done.get(id(r), r).ok for r in group):
            break
    for run in ranked[position:]:
        if not run.converged:
            run.screened_out = True
    return [done.get(id(run), run) for run in runs]


def _unfinished(job: tuple, run: Restart) -> tuple | None:
    """The next piece of a continued ``run``, or None: it has ended (or started).

    ``job`` is a :func:`_step` job: (step, run, settings, piece) for a piece.
    """
    return (job[0], run, *job[2:]) if run.paused else None


def next_challengers(
    runs: Sequence[Restart],
    kept: Restart,
    n_days: int,
    ages: Sequence[int],
) -> list[Restart | None]:
    """The restarts after the first that the next warm fit continues, by position.

    ``runs`` are the fit's first ``n_init`` restarts (the k-means restarts that
    join when the warm start fails are a one-off search, not carried on);
    ``kept`` is the restart the fit keeps; ``ages`` the fits each restart's
    challenger had lived before this one (0 for a k-means start). A restart is
    not continued (None: the next warm fit starts that place from k-means) when
    it failed, is the kept one, converged (an optimum no better than the kept
    one), is within ``SAME_OPTIMUM`` per day of the kept log-likelihood (the same
    optimum), or has lived ``CHALLENGER_LIFE`` fits.
    """
    out: list[Restart | None] = []
    for i, run in enumerate(runs[1:], start=1):
        renew = (
            not run.ok
            or run is kept
            or run.converged
            or abs(run.log_likelihood - kept.log_likelihood) < SAME_OPTIMUM * n_days
            or ages[i - 1] + 1 >= CHALLENGER_LIFE
        )
        out.append(None if renew else run)
    return out


def best_restart(runs: Sequence[Restart]) -> int | None:
    """Index of the successful, finished restart with the highest log-likelihood."""
    ok = [i for i, run in enumerate(runs) if run.ok and not run.screened_out]
    return max(ok, key=lambda i: runs[i].log_likelihood) if ok else None


def _set_n_iter(hmm: RegimeHMM, n_iter: int) -> None:
    # hmmlearn's monitor copies n_iter when the model is built and stops there
    hmm.n_iter = n_iter
    hmm.monitor_.n_iter = n_iter


def _set_tol(hmm: RegimeHMM, tol: float) -> None:
    # likewise tol: hmmlearn's own EM loop (accelerate=False) tests monitor_.tol
    hmm.tol = tol
    hmm.monitor_.tol = tol


def _collapsed(hmm: RegimeHMM, column_variances: np.ndarray | None = None) -> str:
    """Why a fit is degenerate, or "".

    Without a prior the likelihood is unbounded when a regime shrinks onto a few
    days, or onto days on which a column repeats one value (stale prices: zero
    returns): its covariance tends to singular. Such a fit is not a regime model, so
    the restart is recorded as failed. A 'full' covariance needs more days than
    columns, 'diag' and 'spherical' two, a 'tied' one (pooled over all days) a
    day for the regime's mean; and no regime's variance of a column
    may fall below ``COLLAPSE_RATIO`` times the column's own (``column_variances``).
    """
    occupancy = getattr(hmm, "occupancy_", None)
    if occupancy is not None:
        needed = COVARIANCE_FORMS[hmm.covariance_type].min_days(hmm.n_features)
        k = int(np.argmin(occupancy))
        if occupancy[k] < needed:
            return (
                # rounded down: 1.97 days is not "2.0 days, fewer than the 2"
                f"degenerate: a regime explains {np.floor(occupancy[k] * 100) / 100:g}"
                " days, fewer than "
                f"the {needed} a '{hmm.covariance_type}' regime needs"
            )
    if column_variances is not None:
        variances = np.diagonal(read_full(hmm), axis1=1, axis2=2)
        ratio = variances / column_variances
        k, j = np.unravel_index(np.argmin(ratio), ratio.shape)
        if not ratio[k, j] >= COLLAPSE_RATIO:
            return (
                f"degenerate: a regime collapsed onto days on which column {j} "
                "(counted from 0) barely varies (a value repeated, or a level "
                f"that moves in steps): its variance there is {ratio[k, j]:.2g} "
                "of the column's"
            )
        # a regime on days too few or too alike to span every column (a day far
        # out among a sparse column's few values, missing="marginalize"): its
        # covariance was refused only later, as a raw error (hostile 85, 3)
        if not positive_definite(read_full(hmm)).all():
            return (
                "degenerate: a regime's covariance is not positive definite (it "
                "sits on days too few or too alike to span every column)"
            )
    return ""


def _finite_parameters(hmm: RegimeHMM) -> bool:
    arrays = (hmm.startprob_, hmm.transmat_, hmm.means_, read_full(hmm))
    return all(np.isfinite(a).all() for a in arrays)


def _positive_rows(p: np.ndarray, floor: float = 1e-8) -> np.ndarray:
    p = np.maximum(np.asarray(p, dtype=float), floor)
    return p / p.sum(axis=-1, keepdims=True)
