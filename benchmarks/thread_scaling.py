"""What two threads gain on each piece of a fit's restarts (why n_jobs=2 is < 1.6x).

``RegimeModel(n_jobs=2)`` runs a fit's restarts on two threads of one process
(``regimes._parallel.thread_map``), each with one BLAS / OpenMP thread, as the fit
does (``regimes._threads.call_with_threads``). A restart is k-means, then EM
iterations; an iteration is a handful of compiled kernels on arrays of the
sample's shape (8,312 days x 7 columns, 3 regimes, 'full') and the Python around
them. This script runs each piece on its own, the same number of calls on one
thread and then split over two threads (each with its own model where the piece
changes one), and prints the speed-up two threads give it (2.0 is perfect). A
piece that holds the GIL gains nothing: the scatter product is timed both with
numpy's ``@``, which holds the GIL through a product of two matrices, and with
``np.dot`` (``regimes._gaussian.product``, what the E-step uses), which lets go
of it. The restarts can scale no better than the mix of their pieces.

    python benchmarks/thread_scaling.py      # ~30 s on 2 cores
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import numpy as np
from _common import machine
from hmmlearn import _hmmc
from sklearn.cluster import KMeans

from regimes import RegimeModel, _restarts
from regimes._gaussian import log_emission_densities, product, with_ones_column
from regimes._hmm import fit_data, init_data, outer_products
from regimes._threads import call_with_threads, thread_limits
from regimes.data import load_sample


def timed(make: Callable[[], Callable[[], object]], threads: int, calls: int) -> float:
    """Seconds for ``calls`` calls split over ``threads`` threads.

    ``make()`` gives each thread its own callable (its own model where the piece
    changes one); each thread runs with one native thread, as a fit's restarts do.
    """
    funcs = [make() for _ in range(threads)]

    def share(i: int) -> None:
        func = funcs[i]
        for _ in range(calls // threads):
            func()

    begin = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda i: call_with_threads(1, share, i), range(threads)))
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
    clustered = init_data(Z).clustered
    settings = RegimeModel(n_init=10, random_state=0)._check_params()
    shared = fit_data(Z, settings.covariance_type)

    def em_iteration() -> Callable[[], object]:
        # a restart screened for 10 iterations, then one E- and M-step per call
        hmm = _restarts.start_restart(shared, 3, settings, 10).hmm
        hmm.share_data(shared)

        def step() -> None:
            stats, _ = hmm._do_estep(Z, None)
            hmm._do_mstep(stats)

        return step

    def same(func: Callable[[], object]) -> Callable[[], Callable[[], object]]:
        return lambda: func

    pieces = {
        # name: (a callable for each thread, calls)
        "densities (X @ precision factors)": (
            same(lambda: log_emission_densities(Z, means, covars, ones)),
            400,
        ),
        "forward pass (hmmlearn, compiled)": (
            same(lambda: _hmmc.forward_scaling(start, transmat, frameprob)),
            400,
        ),
        "backward pass (hmmlearn, compiled)": (
            same(lambda: _hmmc.backward_scaling(start, transmat, frameprob, scaling)),
            400,
        ),
        "scatter, numpy's @ (holds the GIL)": (
            same(lambda: posteriors.T @ outer),
            400,
        ),
        "scatter, np.dot (regimes._gaussian.product)": (
            same(lambda: product(posteriors.T, outer)),
            400,
        ),
        "exp of the densities (T x K)": (same(lambda: np.exp(log_b - 1.0)), 400),
        "k-means start (scikit-learn, n_init=1)": (
            same(lambda: KMeans(3, n_init=1, random_state=0).fit(clustered)),
            40,
        ),
        "one EM iteration (E- and M-step, RegimeHMM)": (em_iteration, 200),
    }
    print(f"{'piece':50} {'1 thread':>9} {'2 threads':>9} {'speed-up':>8}")
    with thread_limits(2):  # one BLAS / OpenMP thread per worker, as in a fit
        for name, (make, calls) in pieces.items():
            one = min(timed(make, 1, calls) for _ in range(3))
            two = min(timed(make, 2, calls) for _ in range(3))
            print(f"{name:50} {one:9.3f} {two:9.3f} {one / two:7.2f}x")
    wake_ups()
    print(f"\nload average after: {os.getloadavg()[0]:.2f} (1 min)")


def round_trips(n: int = 2000) -> float:
    """Median time (us) for one thread to wake another and be woken back."""
    ping, pong = threading.Event(), threading.Event()
    times = []

    def other() -> None:
        for _ in range(n):
            ping.wait()
            ping.clear()
            pong.set()

    partner = threading.Thread(target=other)
    partner.start()
    for _ in range(n):
        begin = time.perf_counter()
        ping.set()
        pong.wait()
        pong.clear()
        times.append(time.perf_counter() - begin)
    partner.join()
    return float(np.median(times)) * 1e6


def wake_ups() -> None:
    """What a hand-over of the GIL costs here: two threads waking each other.

    Each time a thread lets go of the GIL for a kernel while the other waits for
    it, the waiting thread is woken. On a virtual machine whose other core is
    idle, that core is asleep and waking it goes through the hypervisor; with
    a busy loop keeping it awake the same round trip is much cheaper. Threads
    hand the GIL over thousands of times a fit, so this, not the GIL-held work
    alone, bounds what two threads gain.
    """
    idle = round_trips()
    loop = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.5)
        busy = round_trips()
    finally:
        loop.kill()
        loop.wait()
    print(
        f"\nthread round trip (two wake-ups), median: {idle:.0f} us with the other "
        f"core idle, {busy:.0f} us with a busy loop keeping it awake"
    )


if __name__ == "__main__":
    main()
