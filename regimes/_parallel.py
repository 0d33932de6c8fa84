"""Run independent jobs through joblib: here, in worker processes, or on a cluster.

Three ways, for three sizes of job:

- :func:`parallel_map` sends whole fits (walk-forward refits, model selection,
  bootstrap replicates) to joblib: worker processes by default, or the backend of
  an active ``joblib.parallel_config`` (a Dask cluster).
- :func:`thread_map` runs short jobs on threads of this process: the restarts
  of a warm refit (a few EM iterations each), and a fit's restarts until the
  pool below is warm. Worker processes through joblib would cost seconds to
  start on the first call, and every call would pay joblib's result polling
  (it sleeps 10 ms between looks) and a copy of the data and of each fitted
  model both ways. EM's heavy parts run without the GIL (hmmlearn's compiled
  forward and backward passes release it, as do numpy's large element-wise
  operations and its BLAS products through ``np.dot``:
  :func:`regimes._gaussian.product`, as ``@`` holds it), so threads run
  restarts side by side at the cost of starting a thread. The Python between
  those calls holds the GIL, which bounds what threads gain
  (``benchmarks/thread_scaling.py``): 1.4x on two cores for a fit's restarts.
- :func:`shared_map` with :func:`process_pool` runs a fit's restarts in a pool
  of worker processes of the package's own (not joblib's shared one, which a
  joblib call of another size would resize), once the pool is warm (see the
  notes further down): no GIL is shared, jobs go straight to the pool's
  queue (no polling), and the data every job shares cross once per call.
  ``benchmarks/restarts.py`` measures all three.
"""

from __future__ import annotations

import atexit
import contextvars
import importlib
import multiprocessing
import os
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from contextvars import copy_context
from typing import Any, NamedTuple


def parallel_map(
    func: Callable[..., Any], jobs: Sequence[tuple[Any, ...]], n_jobs: int | None
) -> list[Any]:
    """``[func(*job) for job in jobs]`` through joblib, results in order.

    With ``n_jobs=None`` joblib runs the jobs here, one after the other, unless a
    ``joblib.parallel_backend`` context is active: inside
    ``with joblib.parallel_backend("dask"):`` they go to the Dask cluster. The
    outcome does not depend on where the jobs ran. A positive ``n_jobs`` larger
    than the number of jobs starts one worker per job. The package's warnings
    in the jobs are given here, at the caller's line, in the jobs' order; if
    jobs fail, every job still runs and the first error is raised after them.

    Examples
    --------
    >>> parallel_map(pow, [(2, 3), (3, 2)], n_jobs=None)
    [8, 9]
    """
    if isinstance(n_jobs, int) and n_jobs > 1:
        # no more workers than jobs: each worker is a process to start, and
        # joblib cannot even plan for n_jobs beyond 500,000
        n_jobs = min(n_jobs, max(1, len(jobs)))
    if len(jobs) < 2 and n_jobs in (None, 1):
        return [func(*job) for job in jobs]
    from joblib import Parallel, delayed

    from ._threads import call_with_threads, threads_per_worker
    from ._warn import give, kept, raise_from_job

    threads = threads_per_worker(n_jobs)  # workers x threads <= cores
    # each job keeps the package's warnings and returns them with its result
    # or its error: given in a worker process they would reach none of the
    # caller's filters. All jobs run (a failing one does not cancel the others:
    # joblib then warns of its cancelled tasks, words about its task iterator
    # that a caller of fit_many cannot act on); every job's warnings are given
    # in the jobs' order, then the first error is raised
    done = Parallel(n_jobs=n_jobs)(
        delayed(kept)(call_with_threads, threads, func, *job) for job in jobs
    )
    results, errors = [], []
    for result, warnings_kept, error in done:
        give(warnings_kept)  # at the caller's line
        results.append(result)
        if error is not None:
            errors.append(error)
    if errors:
        raise_from_job(errors[0])
    return results


def thread_workers(n_jobs: int | None) -> int | None:
    """Threads :func:`thread_map` would run ``n_jobs`` on; None: joblib's backend.

    ``n_jobs`` follows joblib: None is one unless a ``joblib.parallel_config``
    sets ``n_jobs``, -1 is one per core. None is returned when a
    ``joblib.parallel_config`` has chosen a backend that is not threads (a Dask
    cluster, or processes asked for by name): the user's choice is kept. Inside
    nested joblib workers (beyond the first level) joblib's answer is 1.
    """
    from joblib.parallel import get_active_backend

    # prefer="threads" gives threads unless a parallel_config named a backend
    backend, _ = get_active_backend(prefer="threads")
    if not getattr(backend, "uses_threads", False):
        return None
    if n_jobs is None:  # a parallel_config's n_jobs (joblib's default: 1)
        n_jobs = get_active_backend()[1]
    return max(1, int(backend.effective_n_jobs(n_jobs)))


Job = tuple[Any, ...]


More = Callable[[int, Any], Sequence[Job]]


def thread_map(
    func: Callable[..., Any],
    jobs: Sequence[Job],
    n_jobs: int | None,
    again: Callable[[Job, Any], Job | None] | None = None,
    more: More | None = None,
) -> list[Any]:
    """``[func(*job) for job in jobs]`` on ``n_jobs`` threads, results in order.

    For short jobs that spend their time in code that releases the GIL (see the
    module notes). At most one thread per core and per job: more cannot finish
    CPU-bound jobs sooner. Each job runs with the native-thread limit for that
    many workers (:func:`regimes._threads.call_with_threads`), so BLAS threads x
    workers stay within the cores. Jobs are handed out one at a time,
    so a worker that finishes early takes the next job. A job that raises
    raises here, after the jobs already running have finished; jobs not yet
    started are cancelled. Jobs see the caller's context variables (e.g.
    :class:`numpy.errstate`), as they would if they ran here.

    ``again(job, result)``, if given, is asked after every job: a job it returns
    runs next in that job's place (handed out like the others), and the
    place's result is the first for which it returns None. Long jobs cut into
    such pieces keep every thread busy to the end.

    ``more(place, result)``, if given, is asked once a place has its result
    (places that end together: in order): the jobs it returns join, in new
    places after the others, and their results are appended. Work that
    becomes possible as results come in starts at once, not after all.

    Under an active ``joblib.parallel_config`` whose backend is not threads (e.g.
    Dask), the jobs go to :func:`parallel_map` instead (in rounds, with
    ``again``).

    Examples
    --------
    >>> thread_map(pow, [(2, 3), (3, 2), (2, 5)], n_jobs=2)
    [8, 9, 32]
    >>> thread_map(divmod, [(7, 2), (96, 2)], n_jobs=2,
    ...            again=lambda job, r: (r[0], 2) if r[0] > 10 else None)
    [(3, 1), (6, 0)]
    """
    if again is None:
        again = _once
    if more is None:
        more = _none_more
    workers = thread_workers(n_jobs)
    if workers is None:
        return _rounds(func, jobs, n_jobs, again, more)
    from ._threads import available_cores, call_with_threads, threads_per_worker

    # more threads than cores cannot run CPU-bound jobs sooner (asked only when
    # it matters: available_cores reads the cgroup files)
    workers = min(workers, len(jobs))
    if workers > 1:
        workers = min(workers, available_cores())
    if workers <= 1:
        queue, results = list(jobs), []
        while len(results) < len(queue):
            result = _until_done(func, queue[len(results)], again)
            results.append(result)
            queue += more(len(results) - 1, result)
        return results

    threads = threads_per_worker(workers)
    results: list[Any] = [None] * len(jobs)
    # a pool per call: starting two threads costs well under a millisecond, and
    # nothing outlives the call (no pool to lose across a fork of the process).
    # Each job runs in a copy of the caller's context, as it would here (numpy's
    # errstate and other context variables; one copy per job, as a context can
    # be entered by one thread at a time).
    with ThreadPoolExecutor(workers, thread_name_prefix="regimes") as pool:

        def submit(job: Job) -> Future:
            return pool.submit(
                copy_context().run, call_with_threads, threads, func, *job
            )

        pending = {submit(job): (place, job) for place, job in enumerate(jobs)}
        try:
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                # in the order the jobs were given: which piece is handed out
                # next does not depend on which thread finished first
                for future in sorted(finished, key=lambda f: pending[f][0]):
                    place, job = pending.pop(future)
                    result = future.result()
                    following = again(job, result)
                    if following is not None:
                        pending[submit(following)] = (place, following)
                        continue
                    results[place] = result
                    for new in more(place, result):
                        results.append(None)
                        pending[submit(new)] = (len(results) - 1, new)
        finally:
            for future in pending:
                future.cancel()
    return results


def _once(job: Job, result: Any) -> None:
    return None


def _none_more(place: int, result: Any) -> Sequence[Job]:
    return ()


def _until_done(
    func: Callable[..., Any], job: Job, again: Callable[[Job, Any], Job | None]
) -> Any:
    while True:
        result = func(*job)
        following = again(job, result)
        if following is None:
            return result
        job = following


def _rounds(
    func: Callable[..., Any],
    jobs: Sequence[Job],
    n_jobs: int | None,
    again: Callable[[Job, Any], Job | None],
    more: More,
) -> list[Any]:
    """:func:`thread_map` through :func:`parallel_map`, the pieces due in rounds."""
    results: list[Any] = [None] * len(jobs)
    due = list(enumerate(jobs))
    while due:
        done = parallel_map(func, [job for _, job in due], n_jobs)
        following = []
        for (place, job), result in zip(due, done, strict=True):
            nxt = again(job, result)
            if nxt is not None:
                following.append((place, nxt))
                continue
            results[place] = result
            for new in more(place, result):
                results.append(None)
                following.append((len(results) - 1, new))
        due = following
    return results


# --- A fit's restarts in worker processes ------------------------------------
#
# Threads of one process share the GIL, which EM's Python glue holds for about a
# quarter of a restart's time: on 2 cores a fit's 10 restarts ran 1.4x as fast
# on two threads as on one, where two processes reach 1.9x
# (``benchmarks/restarts.py``). Worker processes share no GIL, but a process
# starts in about a second (it imports numpy, scikit-learn, hmmlearn and the
# package), five fits' worth on the bundled sample. So a fit's restarts go to
# worker processes only once a pool of them is running and warm: the pool
# starts in the background during the session's POOL_AFTER-th fit that would
# use it (a session that fits twice is fitting in a loop: a notebook's
# experiments, a selection of the number of regimes), and until it is warm the
# restarts run on threads. Where they run changes nothing in the result: a
# restart depends on its arguments only (regimes._restarts), in any process.
#
# A job's arguments cross to a worker with every job, but the data every job of
# a call shares (the returns and what is formed from them, megabytes) cross
# once: written to a file that each worker reads, and builds from, once per
# call (:class:`Shared`).

POOL_AFTER = 2
"""Fits with ``n_jobs`` > 1 after which the worker processes start (see above)."""

POOL_IDLE = 300.0
"""Seconds an idle worker process lives (joblib's own default): a session that
stops fitting does not hold their memory."""

POOL_IDLE_USED = 0.9 * POOL_IDLE
"""Idle seconds after which the pool is replaced rather than used: its workers
are about to leave, and a job given to one that leaves makes loky warn of a
memory leak (from its manager thread; an error there under -W error)."""

POOL_FAILURES = 3
"""Failures of the pool after which a session stops starting new ones."""

PROCESSES = True
"""Whether a fit's restarts may go to worker processes at all; False: threads
only (the test suite's default, where functions are patched in this process)."""


class Shared:
    """The first argument of every job of a call: ``build(array, *args)``.

    Built once in this process when the jobs run here or on threads
    (:meth:`value`); for worker processes the array is written once to a file
    of the pool's folder, and each worker builds the value once and keeps it
    for the call's other jobs. Use as a context manager: the file is removed
    when the block ends.
    """

    def __init__(self, build: Callable[..., Any], array: Any, *args: Any) -> None:

        self.build, self.array, self.args = build, array, args
        self.token = uuid.uuid4().hex
        self._value: Any = None
        self._path: str | None = None

    def value(self) -> Any:
        """The value, built here on first use."""
        if self._value is None:
            self._value = self.build(self.array, *self.args)
        return self._value

    def keep(self, value: Any) -> None:
        """Use ``value`` here from now on (the caller formed more of it).

        For the jobs of this process only: call it before any job has gone to
        a worker process, or not at all.
        """
        if self._path is not None:
            raise RuntimeError("the shared data have already gone to workers")
        self._value = value

    def _reference(self, folder: str) -> _SharedFile:
        """What crosses to a worker: the file, written on the first call."""
        if self._path is None:
            import numpy as np

            path = os.path.join(folder, f"{self.token}.npy")
            try:
                np.save(path, self.array, allow_pickle=False)
            except Exception as exc:  # a full disk, a folder removed: not the jobs'
                if os.path.exists(path):
                    os.remove(path)
                raise PoolBroken(
                    f"the shared data could not be written: {exc}"
                ) from exc
            self._path = path
        return _SharedFile(self.token, self._path, self.build, self.args)

    def __enter__(self) -> Shared:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._path is not None:
            try:
                os.remove(self._path)
            except OSError:  # the folder went with the process's exit
                pass
            self._path = None


class _SharedFile(NamedTuple):
    token: str
    path: str
    build: Callable[..., Any]
    args: tuple


_BUILT: dict[str, Any] = {}  # in a worker process: the values of the latest calls
_BUILT_KEPT = 2  # two fits of threads of the parent at once do not rebuild


def _worker_job(shared: _SharedFile, func: Callable[..., Any], job: Job) -> Any:
    """In a worker process: ``func(value, *job)``, warnings and error kept."""
    from ._threads import call_with_threads
    from ._warn import kept

    value = _BUILT.get(shared.token)
    if value is None:
        import numpy as np

        value = shared.build(np.load(shared.path, allow_pickle=False), *shared.args)
        while len(_BUILT) >= _BUILT_KEPT:
            _BUILT.pop(next(iter(_BUILT)))
        _BUILT[shared.token] = value
    return kept(call_with_threads, 1, func, value, *job)


def _warm_up(module: str) -> int:
    """In a new worker process: import ``module`` (what its jobs use); the pid.

    And run its ``warm_up()``, if it has one: the first call of a library's
    code costs more than the next (scikit-learn finds its native thread
    pools, numpy its routines), and the first fit on the pool would pay it.
    """
    warm_up = getattr(importlib.import_module(module), "warm_up", None)
    if warm_up is not None:
        warm_up()
    return os.getpid()


_COUNTED = contextvars.ContextVar("regimes_pool_counted", default=True)


@contextmanager
def warm_chain() -> Iterator[None]:
    """Fits of a chain of warm refits, as a walk-forward's: they start no pool.

    Few of a chain's fits start from k-means (its first, and a cold refit
    where a column joins a ragged panel); the others are warm, on threads, so
    a session that walks forward twice would start the pool during the second
    walk for nothing. A chain's fits from k-means still use a pool that is
    warm.
    """
    token = _COUNTED.set(False)
    try:
        yield
    finally:
        _COUNTED.reset(token)


class _Pool:
    """The worker processes of this process, and what is known of their warmth."""

    lock = threading.Lock()
    fits = 0  # fits that asked for the pool
    executor: Any = None
    workers = 0
    users = 0  # fits holding a lease of ``executor`` now
    folder: str | None = None
    warming: list[Future] = []
    last_used = 0.0
    failed = False  # off for good (POOL_FAILURES failures, or a fork's child)
    failures = 0


class Lease(NamedTuple):
    """A pool for one fit: its executor, and how many of its jobs may be out.

    ``in_flight``: the workers the fit may use, and one job more, queued, when
    they are all of the pool's (a worker that ends one job finds the next).
    """

    executor: Any
    in_flight: int


class PoolBroken(Exception):
    """The worker processes failed, not a job: run the call again on threads."""


def process_pool(n_jobs: int | None, uses: str) -> Lease | None:
    """The warm worker pool a fit's restarts go to, or None: run them on threads.

    Asked once per fit whose restarts start from k-means (``n_jobs`` > 1, no
    ``joblib.parallel_config`` naming a backend). Starts the pool after
    :data:`POOL_AFTER` such fits (not counting the first fits of chains of
    warm refits: :func:`warm_chain`), with a worker per core ``n_jobs`` asks
    for; returns it once every worker has imported ``uses`` (the module of the
    jobs, and so numpy, scikit-learn and hmmlearn). A fit asking for fewer
    workers than the pool has uses that many of them; for more, a larger pool
    replaces it once no fit is using it. A pool left idle for
    :data:`POOL_IDLE_USED` is replaced (its workers are about to leave, and a job
    given to one that leaves makes loky warn of a memory leak).
    The fit that gets a pool holds it until :func:`release`.

    Never in a process that ``multiprocessing`` started (a worker of a user's
    pool, or of joblib's): a pool there would put workers x workers on the
    cores, and its workers, alive until their idle time ends, would hold up
    that process's exit by minutes.
    """
    workers = thread_workers(n_jobs)
    if not PROCESSES or workers is None or workers < 2:
        return None
    if multiprocessing.parent_process() is not None:
        return None
    from joblib.parallel import get_active_backend

    from ._threads import available_cores

    # joblib's default (no parallel_config): a config that names threads keeps them
    if type(get_active_backend()[0]).__name__ != "LokyBackend":
        return None
    workers = min(workers, available_cores())
    if workers < 2:
        return None
    pool = _Pool
    with pool.lock:
        if pool.failed:
            return None
        if _COUNTED.get():
            pool.fits += 1
        now = time.monotonic()
        if pool.executor is not None and pool.users == 0:
            idle = now - pool.last_used > POOL_IDLE_USED
            if idle or pool.workers < workers:  # leaving soon, or too small
                pool.executor.shutdown(wait=False)
                pool.executor = None
                if idle:  # it was in use: start again now, not after more fits
                    pool.fits = max(pool.fits, POOL_AFTER)
        if pool.executor is None:
            if pool.fits >= POOL_AFTER:
                try:
                    _start(workers, uses)
                except Exception:  # noqa: BLE001  (no temporary folder, no process)
                    _fail()  # the restarts stay on threads: the same fit
            return None
        if not all(f.done() for f in pool.warming):
            return None
        try:
            pids = {f.result() for f in pool.warming}
        except Exception:  # noqa: BLE001  (a worker that could not start)
            _fail()
            return None
        if len(pids) < pool.workers:  # one worker took two warm-ups: warm the other
            pool.warming = _warm_ups(uses)
            return None
        pool.last_used = now
        pool.users += 1  # until release(): no other fit shuts it meanwhile
        return Lease(pool.executor, workers + 1 if workers == pool.workers else workers)


def release(lease: Lease | None) -> None:
    """The end of a fit's use of a lease from :func:`process_pool`."""
    if lease is None:
        return

    with _Pool.lock:
        if lease.executor is _Pool.executor:
            _Pool.users -= 1
            _Pool.last_used = time.monotonic()  # a long fit's end, not its start


def _after_fork() -> None:
    """In a child of ``os.fork``: no pool, and a lock of its own.

    The parent's lock may have been held by another thread at the fork (for
    ~50 ms while workers start): the child's copy would never be released.
    The parent's workers and folder are not the child's, and a pool of its own
    would outlive a child that ends with ``os._exit`` (orphan workers, a
    folder left behind): a fork's child runs its restarts on threads.
    """
    _Pool.lock = threading.Lock()
    _Pool.executor, _Pool.warming, _Pool.folder, _Pool.users = None, [], None, 0
    _Pool.failed = True


if hasattr(os, "register_at_fork"):  # not on Windows, which has no fork
    os.register_at_fork(after_in_child=_after_fork)


def _warm_ups(uses: str) -> list[Future]:
    """A warm-up for each worker (called with the lock held)."""
    return [_Pool.executor.submit(_warm_up, uses) for _ in range(_Pool.workers)]


def _start(workers: int, uses: str) -> None:
    """Start ``workers`` processes, each warming up (called with the lock held)."""
    from joblib.externals.loky import ProcessPoolExecutor

    pool = _Pool
    _folder()
    one = "1"  # EM's native threads (regimes._threads), from the start
    env = {name: one for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")}
    env["MKL_NUM_THREADS"] = one
    pool.executor = ProcessPoolExecutor(max_workers=workers, timeout=POOL_IDLE, env=env)
    pool.workers = workers
    pool.warming = _warm_ups(uses)
    pool.last_used = time.monotonic()


def _folder() -> str:
    """The pool's folder for the shared data; made again if it went (with the lock).

    A temporary folder of this process's, removed at its exit; a cleaner of
    the temporary files may remove it while the session lives on.
    """
    pool = _Pool
    if pool.folder is None or not os.path.isdir(pool.folder):
        pool.folder = tempfile.mkdtemp(prefix="regimes-restarts-")
        atexit.register(_remove_folder, pool.folder, os.getpid())
    return pool.folder


def _remove_folder(folder: str, owner: int) -> None:
    """At exit, the pool's folder, by the process that made it (not a fork's child)."""
    if os.getpid() == owner:
        shutil.rmtree(folder, ignore_errors=True)


def _fail() -> None:
    """The pool failed: shut it; start again after POOL_AFTER fits (with the lock).

    A passing problem (a worker killed by the OOM killer, a folder removed
    during a fit) should not cost the session its pool; a pool that keeps
    failing is given up after :data:`POOL_FAILURES` failures.
    """
    pool = _Pool
    pool.failures += 1
    pool.failed = pool.failed or pool.failures >= POOL_FAILURES
    if pool.executor is not None:
        pool.executor.shutdown(wait=False)
    pool.executor, pool.fits, pool.users = None, 0, 0


def shared_map(
    func: Callable[..., Any],
    shared: Shared,
    jobs: Sequence[Job],
    n_jobs: int | None,
    again: Callable[[Job, Any], Job | None] | None = None,
    pool: Lease | None = None,
    more: More | None = None,
) -> list[Any]:
    """``[func(shared value, *job) for job in jobs]``, on ``pool`` or on threads.

    With ``pool`` (from :func:`process_pool`) the jobs run in its worker
    processes, handed out one at a time in order, at most ``pool.in_flight``
    at once, with ``again`` and ``more`` as in :func:`thread_map`; the jobs'
    warnings are given here, in the jobs' order, and a job's error is raised
    after the jobs already running have ended. If the pool itself fails (a
    worker killed, its folder unwritable), this process stops using worker
    processes and :class:`PoolBroken` is raised: the caller runs the call
    again without ``pool`` (what ``more`` kept of this call is the caller's
    to start afresh). Without ``pool``: :func:`thread_map`. ``again`` and
    ``more`` see and give jobs without the shared value.
    """
    if again is None:
        again = _once
    if more is None:
        more = _none_more
    if pool is not None:
        try:
            return _on_processes(func, shared, jobs, again, more, pool)
        except PoolBroken:
            with _Pool.lock:
                if pool.executor is _Pool.executor:  # not a newer pool
                    _fail()
            raise
    value = shared.value()

    def again_here(job: Job, result: Any) -> Job | None:
        following = again(job[1:], result)
        return None if following is None else (value, *following)

    def more_here(place: int, result: Any) -> list[Job]:
        return [(value, *job) for job in more(place, result)]

    jobs_here = [(value, *job) for job in jobs]
    return thread_map(func, jobs_here, n_jobs, again_here, more_here)


POOL_PATIENCE = 5.0
"""Seconds :func:`_on_processes` waits for a job before it looks at the pool's
health (a job of a fit runs for milliseconds; a fit of a large panel's, longer)."""


def _on_processes(
    func: Callable[..., Any],
    shared: Shared,
    jobs: Sequence[Job],
    again: Callable[[Job, Any], Job | None],
    more: More,
    pool: Lease,
) -> list[Any]:

    from ._warn import give, raise_from_job

    try:
        with _Pool.lock:
            folder = _folder()
        reference = shared._reference(folder)
    except PoolBroken:
        raise
    except Exception as exc:  # no folder can be made: the pool's failure
        raise PoolBroken(f"no folder for the shared data: {exc}") from exc
    results: list[Any] = [None] * len(jobs)
    warned: list[list] = [[] for _ in jobs]
    errors: list[tuple[int, Exception]] = []
    waiting = list(enumerate(jobs))  # handed out at most pool.in_flight at once
    pending: dict[Future, tuple[int, Job]] = {}

    def submit(place: int, job: Job) -> None:
        try:
            future = pool.executor.submit(_worker_job, reference, func, job)
        except Exception as exc:  # a shut or broken pool
            raise PoolBroken(str(exc)) from exc
        pending[future] = (place, job)

    def hand_out() -> None:
        while waiting and len(pending) < pool.in_flight and not errors:
            submit(*waiting.pop(0))

    try:
        hand_out()
        while pending:
            finished, _ = wait(pending, POOL_PATIENCE, return_when=FIRST_COMPLETED)
            if not finished:
                _check_alive(pool.executor)
                continue
            for future in sorted(finished, key=lambda f: pending[f][0]):
                place, job = pending.pop(future)
                try:
                    result, kept_warnings, error = future.result()
                except Exception as exc:  # the process, not the job
                    raise PoolBroken(str(exc)) from exc
                warned[place] += kept_warnings
                if error is not None:
                    errors.append((place, error))
                    for other in pending:  # not started yet: cancelled
                        other.cancel()
                    continue
                following = None if errors else again(job, result)
                if following is not None:
                    waiting.append((place, following))
                    continue
                results[place] = result
                for new in () if errors else more(place, result):
                    results.append(None)
                    warned.append([])
                    waiting.append((len(results) - 1, new))
            pending = {f: p for f, p in pending.items() if not f.cancelled()}
            hand_out()
    except BaseException:
        for future in pending:
            future.cancel()
        raise
    for kept_warnings in warned:
        give(kept_warnings)
    if errors:
        raise_from_job(min(errors, key=lambda e: e[0])[1])
    return results


def _check_alive(executor: Any) -> None:
    """Raise :class:`PoolBroken` if the executor's manager thread has died.

    The one place that reads loky's internals: its manager thread hands jobs
    to the workers and results back; if it dies (a warning made an error in
    it by ``python -W error``), no job of the pool ends and a wait would last
    for ever.
    """
    manager = getattr(executor, "_executor_manager_thread", None)
    if manager is None or not manager.is_alive():
        raise PoolBroken("the pool's manager thread has stopped")


def warm_pool(n_jobs: int | None, uses: str, timeout: float = 120.0) -> bool:
    """Start the worker pool now and wait until it is warm; whether it is.

    For the benchmarks and the tests, which time or test the pool itself
    rather than the fits that start it. False when ``n_jobs`` would not use
    worker processes here (one core, :data:`PROCESSES` off, a joblib config
    that names a backend) or the pool did not warm within ``timeout`` seconds.
    """
    with _Pool.lock:
        _Pool.fits = max(_Pool.fits, POOL_AFTER - 1)
        _Pool.failed, _Pool.failures = False, 0
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if process_pool(n_jobs, uses) is not None:
            return True
        if _Pool.executor is None:  # not for this n_jobs, or failed
            return False
        time.sleep(0.05)
    return False
