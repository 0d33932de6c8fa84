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
    configurations = {
        "cold": {"warm_start": False},
        "warm, warm_keep=2 (default)": {"warm_keep": 2},
        "warm, warm_keep=1": {"warm_keep": 1},
    }
    runs = {}
    for label, options in configurations.items():
        begin = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            out = walk_forward(
                returns, template, refit="M", min_train=504, progress=False, **options
            )
        runs[label] = (time.perf_counter() - begin, out.attrs["refits"])
    t_cold, cold = runs["cold"]
    print(
        f"{'':28} {'refits':>6} {'seconds':>8} {'speed-up':>8} {'EM its':>7} "
        f"{'not conv.':>9} {'relabelled':>10}"
    )
    for label, (t, table) in runs.items():
        print(
            f"{label:28} {len(table):6d} {t:8.1f} {t_cold / t:7.1f}x "
            f"{int(table['n_iter'].sum()):7d} {int((~table['converged']).sum()):9d} "
            f"{int(table['relabelled'].sum()):10d}"
        )
    print(
        "\nlog-likelihood of each warm refit against the cold one, (warm - cold) / |cold|:"
    )
    for label, (t, table) in list(runs.items())[1:]:
        gap = (table["log_likelihood"] - cold["log_likelihood"]) / cold[
            "log_likelihood"
        ].abs()
        no_worse = float((gap >= -1e-3).mean())
        within = float((gap.abs() <= 1e-3).mean())
        print(
            f"  {label:28} median {np.median(gap):+.1e}, min {gap.min():+.1e}, "
            f"max {gap.max():+.1e}; no worse than -0.1%: {no_worse:.1%}; "
            f"within +-0.1%: {within:.1%}; better: {(gap > 1e-9).mean():.1%}"
        )
        met = t_cold / t >= 6 and no_worse >= 0.95
        print(
            f"  {'':28} target >= 6x with >= 95% of refits no worse than -0.1%: "
            f"{'met' if met else 'NOT met'} ({t_cold / t:.1f}x, {no_worse:.1%})"
        )


if __name__ == "__main__":
    main()
