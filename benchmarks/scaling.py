"""How fit time grows with the number of days T and of columns D, and peak memory.

Data are sampled from a 3-regime Gaussian HMM with correlated columns. Each fit is
RegimeModel(n_regimes=3, n_init=3, full covariances); time per EM iteration is the
steadier figure (the number of iterations depends on the data). Peak memory is the
maximum resident set of a child process that imports regimes, makes the data and
fits, next to one that only imports and makes the data.

    .venv/bin/python benchmarks/scaling.py            # ~3 minutes
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

from _common import machine, sample_hmm_data

from regimes import RegimeModel

T_GRID = [1_000, 5_000, 20_000, 50_000, 200_000]
D_GRID = [1, 3, 7, 15, 30, 60, 100]


def fit_once(n_samples: int, n_features: int) -> dict:
    X = sample_hmm_data(n_samples, n_features)
    begin = time.perf_counter()
    model = RegimeModel(3, n_init=3, n_iter=200, random_state=0).fit(X)
    seconds = time.perf_counter() - begin
    iterations = int(model.restarts_["n_iter"].sum())
    return {
        "seconds": seconds,
        "iterations": iterations,
        "ms_per_iteration": 1e3 * seconds / iterations,
    }


def child(n_samples: int, n_features: int, fit: bool) -> None:
    """Run in a subprocess: make the data, fit if asked, print the peak RSS."""
    X = sample_hmm_data(n_samples, n_features)
    if fit:
        RegimeModel(3, n_init=3, n_iter=200, random_state=0).fit(X)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"peak_mib": peak_kib / 1024, "data_mib": X.nbytes / 2**20}))


def peak_memory(n_samples: int, n_features: int, fit: bool) -> dict:
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            str(n_samples),
            str(n_features),
            str(int(fit)),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs=3, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], bool(args.child[2]))
        return
    print(machine())
    print("\nfit time vs T (D = 7)")
    print(
        f"{'T':>8} {'seconds':>8} {'iterations':>10} {'ms/iter':>8} {'us/iter/day':>12}"
    )
    for n in T_GRID:
        r = fit_once(n, 7)
        print(
            f"{n:>8} {r['seconds']:8.2f} {r['iterations']:10d} {r['ms_per_iteration']:8.2f} "
            f"{1e3 * r['ms_per_iteration'] / n:12.3f}"
        )
    print("\nfit time vs D (T = 20,000)")
    print(f"{'D':>8} {'seconds':>8} {'iterations':>10} {'ms/iter':>8}")
    for d in D_GRID:
        r = fit_once(20_000, d)
        print(
            f"{d:>8} {r['seconds']:8.2f} {r['iterations']:10d} {r['ms_per_iteration']:8.2f}"
        )
    print("\npeak memory, T = 200,000, D = 30")
    base = peak_memory(200_000, 30, fit=False)
    full = peak_memory(200_000, 30, fit=True)
    print(
        f"data {base['data_mib']:.0f} MiB; process peak without fit {base['peak_mib']:.0f} MiB, "
        f"with fit {full['peak_mib']:.0f} MiB: the fit adds "
        f"{full['peak_mib'] - base['peak_mib']:.0f} MiB "
        f"({(full['peak_mib'] - base['peak_mib']) / base['data_mib']:.1f}x the data)"
    )


if __name__ == "__main__":
    main()
