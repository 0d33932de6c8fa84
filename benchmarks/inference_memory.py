"""Hessian standard errors: time and peak memory, old vs new, side by side.

Issue 18: the observed information held every day's forward-backward lattice for a
batch of 64 perturbed parameter vectors at once, ~1 GB per 100k days at 3 regimes.
It now sums over time block by block (regimes._information), so the working memory
should not grow with the number of days.

Each case runs twice, each time in a fresh process: once for its wall time and its
peak resident memory (``resource.getrusage``, above a process that only builds the
data: what the operating system saw, allocator slack included), once with
``tracemalloc`` on for the peak of the arrays it allocated while computing (numpy
reports to it: what the computation needs; tracing slows the many small
allocations, so that run is not timed). "old" is regimes/inference.py as of commit
a75fdc6 (the last one before the change), read from git; without git, only the
new code is measured and its peak is given per megabyte of data.

    ../.venv/bin/python inference_memory.py            # 20k and 100k days, ~3 min
    ../.venv/bin/python inference_memory.py --days 20000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc
import types
from pathlib import Path

import numpy as np
from _common import machine

OLD_COMMIT = "a75fdc6"
ROOT = Path(__file__).resolve().parent.parent
N_FEATURES, N_REGIMES = 4, 3


def _data(n_days: int):
    """Days from a known 3-regime HMM of 4 columns, and its parameters."""
    from regimes._gaussian import EMParameters

    rng = np.random.default_rng(0)
    d = N_FEATURES
    vols = np.array([0.008, 0.012, 0.025])
    covars = np.array([v**2 * (0.6 * np.eye(d) + 0.4) for v in vols])
    means = np.array([[5e-4] * d, [0.0] * d, [-1e-3] * d])
    transmat = np.array([[0.98, 0.015, 0.005], [0.02, 0.97, 0.01], [0.01, 0.03, 0.96]])
    states = np.empty(n_days, dtype=int)
    states[0] = 0
    for t in range(1, n_days):
        states[t] = rng.choice(N_REGIMES, p=transmat[states[t - 1]])
    chol = np.linalg.cholesky(covars)
    X = means[states] + np.einsum(
        "tij,tj->ti", chol[states], rng.normal(size=(n_days, d))
    )
    start = np.array([1.0, 0.0, 0.0])
    return X, EMParameters(start, transmat, means, covars)


def _old_module() -> types.ModuleType | None:
    try:
        source = subprocess.run(
            ["git", "show", f"{OLD_COMMIT}:regimes/inference.py"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    module = types.ModuleType("regimes._old_inference")
    module.__package__ = "regimes"
    sys.modules[module.__name__] = module  # dataclasses look their module up
    exec(compile(source, "old_inference.py", "exec"), module.__dict__)
    return module


def child(kind: str, n_days: int, trace: bool) -> None:
    X, params = _data(n_days)
    names, features = ["Bull", "Sideways", "Bear"], [f"x{i}" for i in range(N_FEATURES)]
    if trace:
        tracemalloc.start()
    begin = time.perf_counter()
    if kind == "new":
        from regimes._parameter_tables import hessian_standard_errors

        result = hessian_standard_errors(X, params, "full", names, features).std_err
    elif kind == "old":
        result = _old_module().hessian_table(X, params, "full", names, features).std_err
    else:
        result = np.zeros(1)
    seconds = time.perf_counter() - begin
    traced = tracemalloc.get_traced_memory()[1] / 2**20 if trace else float("nan")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # MB (Linux: kB)
    print(
        json.dumps(
            {
                "seconds": seconds,
                "traced_mb": traced,
                "peak_mb": peak,
                "se": result.tolist(),
            }
        )
    )


def run(kind: str, n_days: int) -> dict:
    """Time and RSS from an untraced run, the arrays' peak from a traced one."""
    timed = _run_child(kind, n_days, trace=False)
    traced = _run_child(kind, n_days, trace=True) if kind != "none" else timed
    return {**timed, "traced_mb": traced["traced_mb"]}


def _run_child(kind: str, n_days: int, trace: bool) -> dict:
    flags = ["--trace"] if trace else []
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--days", str(n_days), *flags],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, action="append")
    parser.add_argument("--child")
    parser.add_argument("--trace", action="store_true")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.days[0], args.trace)
        return
    print(machine())
    old_available = _old_module() is not None
    print(
        f"{N_REGIMES} regimes, {N_FEATURES} columns, 'full' covariance. MB: peak of "
        "the arrays allocated (tracemalloc); RSS: peak resident memory above a "
        "process that only builds the data"
    )
    header = (
        f"{'days':>8} {'data MB':>8} {'old s':>7} {'new s':>7} {'new/old':>8} "
        f"{'old MB':>8} {'new MB':>8} {'new MB/data MB':>15} "
        f"{'old RSS':>8} {'new RSS':>8} {'max |se diff|':>14}"
    )
    print(header)
    for n_days in args.days or [20_000, 100_000]:
        base = run("none", n_days)
        new = run("new", n_days)
        old = run("old", n_days) if old_available else None
        data_mb = n_days * N_FEATURES * 8 / 2**20
        new_mb, new_rss = new["traced_mb"], new["peak_mb"] - base["peak_mb"]
        if old is None:
            old_s = old_mb = old_rss = ratio = diff = float("nan")
        else:
            old_s, old_mb = old["seconds"], old["traced_mb"]
            old_rss = old["peak_mb"] - base["peak_mb"]
            ratio = new["seconds"] / old_s
            a, b = np.array(new["se"], float), np.array(old["se"], float)
            diff = float(np.nanmax(np.abs(a - b) / np.abs(b)))
        print(
            f"{n_days:>8} {data_mb:>8.1f} {old_s:>7.1f} {new['seconds']:>7.1f} "
            f"{ratio:>8.2f} {old_mb:>8.0f} {new_mb:>8.0f} {new_mb / data_mb:>15.1f} "
            f"{old_rss:>8.0f} {new_rss:>8.0f} {diff:>14.1e}"
        )
    print("max |se diff|: largest relative difference of the standard errors")


if __name__ == "__main__":
    main()
