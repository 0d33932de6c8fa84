"""What two threads gain on each piece of a fit's restarts (why n_jobs=2 is < 1.6x).

``RegimeModel(n_jobs=2)`` runs a fit's restarts on two threads of one process
(``regimes._parallel.thread_map``), each with one BLAS thread, as the fit does
(``regimes._threads``). A restart is k-means, then EM iterations; an iteration
is a handful of compiled kernels on arrays of the sample's shape (8,312 days x 7
columns, 3 regimes, 'full'). This script runs each kernel on its own, the same
number of calls on one thread and then split over two threads, alternating, and
prints the speed-up two threads give it (2.0 is perfect). A kernel that streams
an array larger than the core's cache from memory, or that holds the GIL, gains
little: the restarts can scale no better than the mix of their kernels.

    python benchmarks/thread_scaling.py      # ~30 s on 2 cores
"""

from __future__ import annotations

import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import numpy as np
from _common import machine
from hmmlearn import _hmmc
from sklearn.cluster import KMeans

from regimes._gaussian import log_emission_densities, with_ones_column
from regimes._hmm import _winsorized, outer_products
from regimes._threads import thread_limits
from regimes.data import load_sample


def timed(func, threads: int, calls: int) -> float:
    """Seconds for ``calls`` calls of ``func`` split over ``threads`` threads."""

    def share(_: int) -> None:
        for _ in range(calls // threads):
            func()

    begin = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(share, range(threads)))
    return time.perf_counter() - begin


def main() -> None:
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    print(f"{now}; {machine()}")
    print(f"command: python {' '.join(sys.argv)}")
    print(f"load average before: {os.getloadavg()[0]:.2f} (1 min)\n")
    X = load_sample().to_numpy()
    Z = (X - X.mean(axis=0)) / X.std(axis=0)
    rng = np.random.default_rng(0)
    means = rng.normal(0.0, 0.1, (3, Z.shape[1]))
    factors = rng.normal(size=(3, Z.shape[1], Z.shape[1]))
    covars = factors @ factors.transpose(0, 2, 1) + np.eye(Z.shape[1])
    ones = with_ones_column(Z)
    log_b = log_emission_densities(Z, means, covars)
    frameprob = np.exp(log_b - log_b.max(axis=1, keepdims=True))
    transmat = np.full((3, 3), 0.05) + 0.85 * np.eye(3)
    start = np.full(3, 1 / 3)
    _, fwd, scaling = _hmmc.forward_scaling(start, transmat, frameprob)
    posteriors = frameprob / frameprob.sum(axis=1, keepdims=True)
    outer = outer_products(Z)
    kernels = {
        # name: (function, calls)
        "densities (X @ precision factors)": (
            lambda: log_emission_densities(Z, means, covars, ones),
            400,
        ),
        "forward pass (hmmlearn, compiled)": (
            lambda: _hmmc.forward_scaling(start, transmat, frameprob),
            400,
        ),
        "backward pass (hmmlearn, compiled)": (
            lambda: _hmmc.backward_scaling(start, transmat, frameprob, scaling),
            400,
        ),
        f"scatter (posteriors^T @ {outer.nbytes / 1e6:.1f} MB of outer products)": (
            lambda: posteriors.T @ outer,
            400,
        ),
        "exp of the densities (T x K)": (lambda: np.exp(log_b - 1.0), 400),
        "k-means start (scikit-learn, n_init=1)": (
            lambda: KMeans(3, n_init=1, random_state=0).fit(_winsorized(Z)),
            20,
        ),
    }
    print(f"{'kernel':60} {'1 thread':>9} {'2 threads':>9} {'speed-up':>8}")
    with thread_limits(2):  # one BLAS / OpenMP thread per worker, as in a fit
        for name, (func, calls) in kernels.items():
            func()
            one = min(timed(func, 1, calls) for _ in range(3))
            two = min(timed(func, 2, calls) for _ in range(3))
            print(f"{name:60} {one:9.3f} {two:9.3f} {one / two:7.2f}x")
    print(f"\nload average after: {os.getloadavg()[0]:.2f} (1 min)")


if __name__ == "__main__":
    main()
