"""Shared helpers for the benchmark scripts (not part of the package)."""

from __future__ import annotations

import platform
import time
from collections.abc import Callable
from typing import TypeVar

import numpy as np

T = TypeVar("T")


def best_of(func: Callable[[], T], repeat: int = 5) -> tuple[float, T]:
    """Fastest wall time of ``repeat`` calls and the last call's result.

    The time is in seconds, of the least disturbed run.
    """
    times = []
    for _ in range(repeat):
        begin = time.perf_counter()
        out = func()
        times.append(time.perf_counter() - begin)
    return min(times), out


def best_of_interleaved(
    funcs: dict[str, Callable[[], object]], repeat: int = 5
) -> dict[str, float]:
    """Fastest wall time of each function, their calls alternating.

    Alternating spreads warm-up, thread-pool start-up and load from elsewhere on
    the machine evenly over the contenders, so their ratio is fair.
    """
    times: dict[str, list[float]] = {name: [] for name in funcs}
    for _ in range(repeat):
        for name, func in funcs.items():
            begin = time.perf_counter()
            func()
            times[name].append(time.perf_counter() - begin)
    return {name: min(values) for name, values in times.items()}


def machine() -> str:
    """One line saying where the figures were measured."""
    import os

    import hmmlearn
    import threadpoolctl

    blas = threadpoolctl.threadpool_info()
    blas_desc = ", ".join(
        f"{b['internal_api']} {b.get('architecture') or ''} {b.get('num_threads')} threads"
        for b in blas
    )
    return (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
        f"Python {platform.python_version()}, numpy {np.__version__}, "
        f"hmmlearn {hmmlearn.__version__}; BLAS: {blas_desc}"
    )


def sample_hmm_data(n_samples: int, n_features: int, seed: int = 0) -> np.ndarray:
    """Returns-like data from a 3-regime Gaussian HMM with correlated columns."""
    rng = np.random.default_rng(seed)
    vols = np.array([0.007, 0.012, 0.025])
    means = np.array([6e-4, 0.0, -1.5e-3])
    transmat = np.array(
        [[0.99, 0.007, 0.003], [0.01, 0.98, 0.01], [0.005, 0.015, 0.98]]
    )
    loadings = rng.normal(size=(n_features, 2)) / np.sqrt(2)
    base = loadings @ loadings.T + np.eye(n_features)
    base /= np.sqrt(np.outer(np.diag(base), np.diag(base)))
    chols = [np.linalg.cholesky(v * v * base) for v in vols]
    states = np.empty(n_samples, dtype=int)
    states[0] = 0
    draws = rng.random(n_samples)
    cumulative = transmat.cumsum(axis=1)
    for t in range(1, n_samples):
        states[t] = np.searchsorted(cumulative[states[t - 1]], draws[t])
    noise = rng.standard_normal((n_samples, n_features))
    X = np.empty((n_samples, n_features))
    for k in range(3):
        rows = states == k
        X[rows] = means[k] + noise[rows] @ chols[k].T
    return X


def timed_walk_forward(
    returns, model, *, accelerate: bool = True, challengers: bool = True, **options
):
    """(seconds, frame) of ``walk_forward(returns, model, **options)``, quietly.

    ``accelerate=False`` runs hmmlearn's plain EM loop instead of SQUAREM;
    ``challengers=False`` issue 22's restart rule: new k-means restarts, screened
    for ``screen_iter`` iterations, at every warm refit (``_restarts``:
    ``CHALLENGER_LIFE = 1``, no challenger outlives its fit, so every place after
    the first starts from k-means and runs ``CHALLENGER_ITER`` = ``screen_iter``
    iterations), the warm start converging at ``tol`` itself
    (``WARM_TOL_FACTOR = 1``), and the seeds of the fit at every warm fit
    (``_fitting.WARM_FIT_NEW_SEEDS = False``).
    """
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    from regimes import _accelerate, _fitting, _restarts, walk_forward

    names = ("CHALLENGER_LIFE", "CHALLENGER_ITER", "WARM_TOL_FACTOR")
    previous = (
        _accelerate.ACCELERATE,
        [getattr(_restarts, n) for n in names],
        _fitting.WARM_FIT_NEW_SEEDS,
    )
    _accelerate.ACCELERATE = accelerate
    if not challengers:
        old_rule = (1, model.get_params()["screen_iter"], 1.0)
        for name, value in zip(names, old_rule, strict=True):
            setattr(_restarts, name, value)
        _fitting.WARM_FIT_NEW_SEEDS = False
    try:
        begin = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            walk = walk_forward(returns, model, progress=False, **options)
        return time.perf_counter() - begin, walk
    finally:
        _accelerate.ACCELERATE = previous[0]
        for name, value in zip(names, previous[1], strict=True):
            setattr(_restarts, name, value)
        _fitting.WARM_FIT_NEW_SEEDS = previous[2]
