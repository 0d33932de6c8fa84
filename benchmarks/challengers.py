"""Warm refits' quality on several data sets: challengers against issue 22's rule.

A warm walk-forward refit starts from the previous parameters beside
``fresh_restarts`` other restarts. Two rules for those, side by side:

- *challengers* (the default): each continues, by 2 EM iterations per refit, the
  restart that held its place at the previous refit, and starts again from
  k-means (2 iterations in that refit too) once it has reached the kept optimum,
  converged below it, or lived 12 refits; the warm start converges at 100x tol
  (``regimes._restarts``);
- *issue 22's rule*: two new k-means restarts, screened for 10 iterations, at every
  refit, and the warm start converging at tol
  (``_common.timed_walk_forward(challengers=False)``).

Both run with SQUAREM, so only the rule differs. The reference is cold refits
(10 new k-means restarts at every refit, plain EM). For each data set the script
prints the refits more than 0.1 % below the cold log-likelihood (issue 22's
quality measure; the target allows 1 % of refits) and the seconds of each
walk-forward. The bundled sample is the one the issue's target is measured on;
the others check that the rule is not tuned to it: the sample's first four
sectors, quarterly and weekly refits, and the test suite's known 3-regime HMM
(4 columns; 1,500 days refitted quarterly as tests/test_walkforward.py does, and
6,000 days monthly).

    python benchmarks/challengers.py            # ~6 min on 2 cores (cold refits)
    python benchmarks/challengers.py sample_Q   # one data set
"""

from __future__ import annotations

import os
import sys
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from _common import machine, timed_walk_forward

from regimes import RegimeModel
from regimes.data import load_sample
from regimes.walkforward import refit_table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.conftest import TRUE  # noqa: E402  (the test suite's known HMM)

SAMPLE = load_sample()
CASES = {
    # name: (returns, model parameters, walk_forward options)
    "sample, monthly": (SAMPLE, {"n_init": 10}, {"refit": "M", "min_train": 504}),
    "sample, quarterly": (SAMPLE, {"n_init": 10}, {"refit": "Q", "min_train": 504}),
    "sample from 2008, weekly": (
        SAMPLE.loc["2008":],
        {"n_init": 10},
        {"refit": "W", "min_train": 504},
    ),
    "sample, 4 sectors, monthly": (
        SAMPLE.iloc[:, :4],
        {"n_init": 10},
        {"refit": "M", "min_train": 504},
    ),
    "known HMM, 1,500 days, quarterly": (
        TRUE.sample(1500, seed=1)[0],
        {"n_init": 3, "n_iter": 1000},
        {"refit": "Q", "min_train": 500},
    ),
    "known HMM, 6,000 days, monthly": (
        TRUE.sample(6000, seed=0)[0],
        {"n_init": 10},
        {"refit": "M", "min_train": 504},
    ),
}


def run(returns, model: dict, options: dict, challengers: bool = True, **extra):
    """(seconds, refit log-likelihoods) of one walk-forward."""
    seconds, walk = timed_walk_forward(
        returns,
        RegimeModel(random_state=0, **model),
        challengers=challengers,
        **options,
        **extra,
    )
    return seconds, refit_table(walk)["log_likelihood"]


def main() -> None:
    chosen = sys.argv[1:]
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    print(f"{now}; {machine()}")
    print(f"command: python {' '.join(sys.argv)}")
    print(f"load average before: {os.getloadavg()[0]:.2f} (1 min)\n")
    print(
        f"{'data set':34} {'refits':>6}  {'below -0.1% of cold':>20}"
        f"  {'seconds':>15}  (challengers / issue 22's rule)"
    )
    totals = np.zeros(2, dtype=int)
    for name, (returns, model, options) in CASES.items():
        if chosen and not any(c in name for c in chosen):
            continue
        _, cold = run(returns, model, options, warm_start=False, n_jobs=2)
        below, seconds = [], []
        for challengers in (True, False):
            t, ll = run(returns, model, options, challengers)
            below.append(int(((ll - cold) / cold.abs() < -1e-3).sum()))
            seconds.append(t)
        totals += below
        print(
            f"{name:34} {len(cold):6d}  {below[0]:9d} / {below[1]:<8d}"
            f"  {seconds[0]:6.1f} / {seconds[1]:<6.1f}"
        )
    print(f"{'all':34} {'':6}  {totals[0]:9d} / {totals[1]:<8d}")
    print(f"load average after: {os.getloadavg()[0]:.2f} (1 min)")


if __name__ == "__main__":
    main()
