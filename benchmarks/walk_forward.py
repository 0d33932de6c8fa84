"""Walk-forward monthly refits on the bundled sample: warm starts vs cold refits.

Every run refits RegimeModel(n_init=10) at the first trading day of every month on
all earlier days (expanding window, at least two years). Cold: every refit starts
from 10 fresh k-means restarts. Warm (walk_forward's default): the previous
parameters plus 2 fresh restarts, of which the best ``warm_keep`` continue after
screening. Printed side by side: total time, the ratio, and how each warm refit's
log-likelihood compares with the cold one's (warm refits may also be better).

    .venv/bin/python benchmarks/walk_forward.py                 # 1992-2022, ~6 min
    .venv/bin/python benchmarks/walk_forward.py --start 2015    # a quicker look
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from _common import machine
from sklearn.exceptions import ConvergenceWarning

from regimes import RegimeModel, walk_forward
from regimes.data import load_sample


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start", default=None, help="first date of the data used")
    args = parser.parse_args()
    returns = load_sample().loc[args.start :]
    template = RegimeModel(n_init=10, random_state=0)
    print(machine())
    print(
        f"data: {len(returns)} days x {returns.shape[1]} sectors from "
        f"{returns.index[0].date()}; monthly refits, min_train=504\n"
    )
    runs = {}
    for label, warm in [("cold", False), ("warm", True)]:
        begin = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            out = walk_forward(
                returns,
                template,
                refit="M",
                min_train=504,
                warm_start=warm,
                progress=False,
            )
        runs[label] = (time.perf_counter() - begin, out.attrs["refits"])
    (t_cold, cold), (t_warm, warm) = runs["cold"], runs["warm"]
    gap = (warm["log_likelihood"] - cold["log_likelihood"]) / cold[
        "log_likelihood"
    ].abs()
    within = float((gap.abs() <= 1e-3).mean())
    print(
        f"{'':6} {'refits':>7} {'seconds':>8} {'EM iterations':>14} {'not converged':>14}"
    )
    for label, (t, table) in runs.items():
        print(
            f"{label:6} {len(table):7d} {t:8.1f} {int(table['n_iter'].sum()):14d} "
            f"{int((~table['converged']).sum()):14d}"
        )
    print(f"\nspeed-up warm vs cold: {t_cold / t_warm:.1f}x")
    print(
        f"log-likelihood, warm minus cold, relative: median {np.median(gap):+.1e}, "
        f"min {gap.min():+.1e}, max {gap.max():+.1e}"
    )
    print(
        f"refits within 0.1% of cold: {within:.1%}; warm better on {(gap > 1e-9).mean():.1%}"
    )
    print(
        f"relabelled refits (names kept by matching): warm {warm['relabelled'].sum()}, "
        f"cold {cold['relabelled'].sum()}"
    )
    met = t_cold / t_warm >= 6 and within >= 0.95
    print(
        f"target: >= 6x faster with >= 95% of refits within 0.1% -> "
        f"{'met' if met else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
