"""One EM iteration: regimes' RegimeHMM vs hmmlearn's GaussianHMM, side by side.

Both start from the same parameters (3 regimes, full covariances, priors off) and
run exactly one E-step and M-step; the script also checks that they agree.

    .venv/bin/python benchmarks/em_iteration.py            # D = 7, 30, 100
"""

from __future__ import annotations

import argparse

import numpy as np
from _common import best_of_interleaved, machine, sample_hmm_data
from hmmlearn.hmm import GaussianHMM

from regimes._covariance import read_full, write_full
from regimes._hmm import RegimeHMM

SIZES = [(8_000, 7), (32_000, 30), (32_000, 100)]


def one_iteration(cls: type, X: np.ndarray, start: dict) -> GaussianHMM:
    hmm = cls(
        3,
        covariance_type="full",
        n_iter=1,
        init_params="",
        covars_prior=0.0,
        means_weight=0.0,
    )
    hmm.n_features = X.shape[1]
    hmm.startprob_, hmm.transmat_, hmm.means_ = start["pi"], start["A"], start["mu"]
    write_full(hmm, start["sigma"])
    return hmm.fit(X)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(machine())
    print(f"{'T':>7} {'D':>4} {'hmmlearn':>10} {'regimes':>10} {'speed-up':>9}  agree")
    for n_samples, n_features in SIZES:
        X = sample_hmm_data(n_samples, n_features)
        rng = np.random.default_rng(1)
        cov = np.cov(X.T)
        start = {
            "pi": np.full(3, 1 / 3),
            "A": np.full((3, 3), 0.05) + 0.85 * np.eye(3),
            "mu": X.mean(0) + rng.normal(0, 1e-3, (3, n_features)),
            "sigma": np.array([cov * s for s in (0.5, 1.0, 2.0)]),
        }
        timings = best_of_interleaved(
            {
                "hmmlearn": lambda: one_iteration(GaussianHMM, X, start),
                "regimes": lambda: one_iteration(RegimeHMM, X, start),
            },
            args.repeat,
        )
        theirs, ours = timings["hmmlearn"], timings["regimes"]
        a, b = one_iteration(GaussianHMM, X, start), one_iteration(RegimeHMM, X, start)
        agree = np.allclose(read_full(a), read_full(b), rtol=1e-10) and np.allclose(
            a.means_, b.means_, rtol=1e-10
        )
        print(
            f"{n_samples:>7} {n_features:>4} {theirs * 1e3:>8.1f}ms {ours * 1e3:>8.1f}ms "
            f"{theirs / ours:>8.1f}x  {agree}"
        )
    print("target: >= 5x at D = 30")


if __name__ == "__main__":
    main()
