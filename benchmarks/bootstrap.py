"""The parametric bootstrap's sampler: regimes' ``simulate`` vs hmmlearn's ``sample``.

The bootstrap refits ``n_boot`` series simulated from the fitted model
(``RegimeResults.standard_errors(method="bootstrap")``). hmmlearn's ``sample``
draws each day's Gaussian on its own; :func:`regimes._hmm.simulate` draws the
same distribution with one matrix product per regime. Both sides run on the
fitted model of the bundled sample, alternating, best of their repeats; then the
whole bootstrap runs once with each sampler (hmmlearn's put back in its place
for that run), so the ratio says what a user waits for.

    .venv/bin/python benchmarks/bootstrap.py              # n_boot = 40
"""

from __future__ import annotations

import argparse
import datetime
import os
import time

import numpy as np
from _common import best_of_interleaved, machine

import regimes
import regimes.regime_results as regime_results
from regimes import _fitting
from regimes._hmm import simulate
from regimes.data import load_sample
from regimes.results import stationary_distribution


def _hmmlearn_sampler(state, n_days, seed):
    # what the bootstrap called before: hmmlearn's own sample on the engine
    return _fitting.engine(state).sample(n_days, random_state=seed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-boot", type=int, default=40)
    args = parser.parse_args()
    print(
        f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC; "
        f"load average {os.getloadavg()[0]:.1f}; {machine()}"
    )
    returns = load_sample()
    model = regimes.RegimeModel(n_init=3, random_state=0).fit(returns)
    state = model.fitted_state_
    n_days = len(returns)
    p = (state.startprob, state.transmat, state.means, state.covars)

    times = best_of_interleaved(
        {
            "hmmlearn sample": lambda: _hmmlearn_sampler(state, n_days, 0),
            "regimes simulate": lambda: simulate(*p, n_days, 0),
        },
        repeat=5,
    )
    ratio = times["hmmlearn sample"] / times["regimes simulate"]
    print(
        f"one series of {n_days:,} days x {returns.shape[1]} columns: hmmlearn "
        f"{times['hmmlearn sample'] * 1e3:.0f} ms, regimes "
        f"{times['regimes simulate'] * 1e3:.1f} ms ({ratio:.0f}x)"
    )

    seconds = {}
    real = regime_results.simulate
    for name, sampler in [
        ("regimes simulate", real),
        (
            "hmmlearn sample",
            lambda s, t, m, c, n, seed: _hmmlearn_sampler(state, n, seed),
        ),
    ]:
        regime_results.simulate = sampler
        try:
            begin = time.perf_counter()
            # a fresh RegimeResults each time: standard errors are kept per call
            model.results(returns).standard_errors(
                method="bootstrap", n_boot=args.n_boot, random_state=0
            )
            seconds[name] = time.perf_counter() - begin
        finally:
            regime_results.simulate = real
    print(
        f"standard_errors(method='bootstrap', n_boot={args.n_boot}): "
        f"{seconds['hmmlearn sample']:.1f} s with hmmlearn's sample, "
        f"{seconds['regimes simulate']:.1f} s with simulate "
        f"({seconds['hmmlearn sample'] / seconds['regimes simulate']:.1f}x)"
    )
    _, path = simulate(*p, 200_000, 1)
    share = np.bincount(path, minlength=len(state.startprob)) / len(path)
    print(
        "check: regime shares of 200,000 simulated days "
        f"{np.round(share, 3).tolist()}, the chain's long-run shares "
        f"{np.round(stationary_distribution(state.transmat), 3).tolist()}"
    )


if __name__ == "__main__":
    main()
