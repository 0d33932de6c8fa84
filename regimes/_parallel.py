"""Run independent jobs through joblib: here, in worker processes, or on a cluster.

Two ways, for two sizes of job:

- :func:`parallel_map` sends whole fits (walk-forward refits, model selection,
  bootstrap replicates) to joblib: worker processes by default, or the backend of
  an active ``joblib.parallel_config`` (a Dask cluster).
- :func:`thread_map` runs the restarts *inside* one fit. A restart of the bundled
  sample is 10-40 ms of EM, too short for worker processes: starting them costs
  seconds on the first call, and every call pays joblib's result polling (it
  sleeps 10 ms between looks) and a copy of the data and of each fitted model
  both ways. EM's heavy parts run without the GIL (hmmlearn's compiled forward
  and backward passes release it, as do numpy's large element-wise operations
  and its BLAS products through ``np.dot``: :func:`regimes._gaussian.product`,
  as ``@`` holds it), so threads of this process run restarts side by side at
  the cost of starting a thread (``benchmarks/restarts.py`` measures both). The
  Python between those calls holds the GIL, which bounds what threads gain
  (``benchmarks/thread_scaling.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextvars import copy_context
from typing import Any


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


def thread_map(
    func: Callable[..., Any],
    jobs: Sequence[Job],
    n_jobs: int | None,
    again: Callable[[Job, Any], Job | None] | None = None,
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
    workers = thread_workers(n_jobs)
    if workers is None:
        return _rounds(func, jobs, n_jobs, again)
    from ._threads import available_cores, call_with_threads, threads_per_worker

    # more threads than cores cannot run CPU-bound jobs sooner (asked only when
    # it matters: available_cores reads the cgroup files)
    workers = min(workers, len(jobs))
    if workers > 1:
        workers = min(workers, available_cores())
    if workers <= 1:
        return [_until_done(func, job, again) for job in jobs]

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
                    if following is None:
                        results[place] = result
                    else:
                        pending[submit(following)] = (place, following)
        finally:
            for future in pending:
                future.cancel()
    return results


def _once(job: Job, result: Any) -> None:
    return None


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
) -> list[Any]:
    """:func:`thread_map` through :func:`parallel_map`, the pieces due in rounds."""
    results: list[Any] = [None] * len(jobs)
    due = list(enumerate(jobs))
    while due:
        done = parallel_map(func, [job for _, job in due], n_jobs)
        following = []
        for (place, job), result in zip(due, done, strict=True):
            nxt = again(job, result)
            if nxt is None:
                results[place] = result
            else:
                following.append((place, nxt))
        due = following
    return results
