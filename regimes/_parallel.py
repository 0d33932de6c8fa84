"""Run independent jobs through joblib: here, in worker processes, or on a cluster."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any


def parallel_map(
    func: Callable[..., Any], jobs: Sequence[tuple[Any, ...]], n_jobs: int | None
) -> list[Any]:
    """``[func(*job) for job in jobs]`` through joblib, results in order.

    With ``n_jobs=None`` joblib runs the jobs here, one after the other, unless a
    ``joblib.parallel_backend`` context is active: inside
    ``with joblib.parallel_backend("dask"):`` they go to the Dask cluster. The
    outcome does not depend on where the jobs ran.

    Examples
    --------
    >>> parallel_map(pow, [(2, 3), (3, 2)], n_jobs=None)
    [8, 9]
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
