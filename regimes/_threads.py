"""Native threads during EM: worker processes x threads never exceed the cores.

numpy's OpenBLAS starts one thread per core, and scikit-learn's k-means one OpenMP
thread per core. EM on returns multiplies tall, thin matrices (days x a few
columns) thousands of times; a second thread per product gains little there, and
when the cores are busy (``n_jobs`` worker processes, or another program) the
threads of OpenBLAS wait for one another at every product: on 2 cores, with one
competing process, a fit of the bundled sample took 1.6x longer with two BLAS
threads than with one, and a fit at 30 columns 5.6x longer
(``benchmarks/threads.py`` measures the first, ``benchmarks/README.md`` quotes
both). So EM runs with at most :data:`EM_MAX_THREADS` threads per process, and
never with more than its share of the cores when ``n_jobs`` worker processes
share them; the restarts, which are independent, are what runs in parallel.

The limits hold for the duration of a ``with`` block only (threadpoolctl sets each
library's thread count and restores it on exit, also after an exception): no
environment variable is set and nothing is left changed after a fit. While the
block runs, BLAS's limit applies to the whole process (OpenBLAS has one pool per
process); OpenMP's to the block's own thread.

Blocks in several threads (fits run side by side, e.g. by Dask's threaded workers)
share one BLAS limit: the first block to enter saves BLAS's thread count, every
block sets the limit (the smallest asked for while blocks overlap), and only the
last one to leave restores what the first saved. (A save and restore per block
would race: a block that entered while another held the limit would save the
limit, not the original, and restore it after both had returned.)

threadpoolctl 3.8 lets one thread at a time set the pool of an OpenBLAS built
with pthreads (the pool is the process's): the first thread that sets it, until
that thread leaves a ``with`` block of threadpoolctl's; the calls of any other
thread are ignored. The thread that starts or ends the shared limit is whichever
enters first or leaves last, so it takes control (:func:`_take_openblas_control`).
Without this, a thread that had once set a limit kept control, and two fits on
two other threads ran with two BLAS threads each: 0.5x the speed of one after
the other on 2 cores.

OpenMP's thread count is each thread's own, so each block sets and restores its
own thread's.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

EM_MAX_THREADS = 1
"""Threads per process for BLAS and OpenMP during EM (see the module notes)."""

T = TypeVar("T")


def available_cores() -> int:
    """Cores this process may use: CPU affinity and container quotas included."""
    from joblib import cpu_count

    return max(1, int(cpu_count()))


def threads_per_worker(n_jobs: int | None, max_threads: int = EM_MAX_THREADS) -> int:
    """Native threads each of ``n_jobs`` worker processes may use.

    ``available_cores() // workers``, capped at ``max_threads`` and at least 1.
    ``n_jobs`` follows joblib (None: one process unless a ``joblib.parallel_config``
    says otherwise; -1: one worker per core).
    """
    from joblib import effective_n_jobs

    if max_threads <= 1:  # asking the cores (a read of the cgroup files) is moot
        return 1
    workers = max(1, int(effective_n_jobs(n_jobs)))
    return max(1, min(max_threads, available_cores() // workers))


@functools.cache
def _libraries(user_api: str) -> Any:
    """The controller of one kind of library ("blas" or "openmp") alone.

    A limiter saves and restores every library of its controller, whatever
    ``user_api`` it was asked to limit: the shared BLAS limit would otherwise
    restore the first thread's OpenMP count on the thread that leaves last.
    """
    return _controller().select(user_api=user_api)


@functools.cache
def _controller() -> Any:
    # Finding the loaded native libraries takes ~6 ms; the ones EM uses (numpy's
    # and scipy's OpenBLAS, scikit-learn's OpenMP) are loaded once regimes is
    # imported, so one scan per process is enough and a limit then costs ~10 us.
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


class _SharedLimit:
    """The process-wide limit the blocks of every thread share (see the notes)."""

    lock = threading.Lock()
    holders = 0
    threads = 0
    original: Any = None  # threadpoolctl's limiter of the first block: the restore


def _take_openblas_control() -> None:
    """Make the calling thread the one whose calls set OpenBLAS's shared pool.

    threadpoolctl (3.8 on) ignores the calls of any thread but the one that
    controls the pool (see the module notes). The thread keeps control after the
    call, as any thread that sets a limit outside a ``with`` block of
    threadpoolctl's does, until a ``with`` block of its own ends (scikit-learn's
    k-means runs one in every restart): while it has control, a user's block on
    another thread can neither change the pool under a fit nor set it back to
    the fit's limit after the fit has restored the original. Older threadpoolctl
    let every thread set it.
    """
    from threadpoolctl import OpenBLASController

    clear = getattr(OpenBLASController, "clear_controlling_thread", None)
    if clear is not None:
        clear(force=True)


@contextmanager
def _process_limit(threads: int) -> Iterator[None]:
    """At most ``threads`` native threads while any thread is inside such a block.

    BLAS's count is the process's (OpenBLAS's pool): shared by the blocks of every
    thread (module notes). OpenMP's is each thread's own: every block sets its
    thread's and restores it when it ends.
    """
    shared = _SharedLimit
    blas, openmp = _libraries("blas"), _libraries("openmp")
    with shared.lock:
        limit = min(threads, shared.threads or threads)
        # set before the count of holders goes up, so that nothing can stop the
        # block between that count and the try that brings it down
        own = openmp.limit(limits=limit)
        if shared.holders == 0:
            _take_openblas_control()
            shared.original = blas.limit(limits=limit)
            shared.threads = threads
        else:  # a BLAS whose count is per thread needs it from this thread too
            blas.limit(limits=limit)
        shared.holders += 1
    try:
        yield
    finally:
        own.restore_original_limits()  # this thread's OpenMP count
        with shared.lock:
            shared.holders -= 1
            if shared.holders == 0:
                _take_openblas_control()
                shared.original.restore_original_limits()
                shared.original, shared.threads = None, 0


@contextmanager
def thread_limits(
    n_jobs: int | None = None, max_threads: int = EM_MAX_THREADS
) -> Iterator[int]:
    """Limit BLAS and OpenMP threads while the block runs; restore them after.

    Parameters
    ----------
    n_jobs : int, optional
        Worker processes sharing the cores (joblib's meaning; None is one).
    max_threads : int, default=EM_MAX_THREADS
        Upper bound per process.

    Yields
    ------
    int
        The thread count in force, :func:`threads_per_worker`.
    """
    threads = threads_per_worker(n_jobs, max_threads)
    with _process_limit(threads):
        yield threads


def call_with_threads(threads: int, func: Callable[..., T], *args: Any) -> T:
    """``func(*args)`` with at most ``threads`` native threads: one worker's job.

    The parent decides ``threads`` (:func:`threads_per_worker`) and ships it with
    the job: inside a worker, joblib reports nested parallelism, not the workers
    sharing the machine.
    """
    with _process_limit(threads):
        return func(*args)
