"""Working with a walk-forward's frame: refit records shared, against deep-copied.

pandas deep-copies a frame's ``attrs`` into every column, slice or ``.loc``
taken from it. A walk-forward on the bundled sample holds 372 refit records;
they are read-only and copy as themselves (``regimes/_records.py``), so pandas
shares them. This script times three things a user does with the walk, on the
frame as ``walk_forward`` returns it and on the same frame with its records as
a plain tuple of dicts (what pandas copied at every step before), alternating,
best of 5: take a column, draw ``plot_walk_forward``, and continue the walk
with ``resume=`` when no day is new (the daily run on a holiday).

    ../.venv/bin/python walk_frame.py      # ~20 s, most of it the walk itself
"""

from __future__ import annotations

import datetime
import os

import matplotlib
from _common import best_of_interleaved, machine

import regimes
from regimes.data import load_sample
from regimes.plots import plot_walk_forward


def main() -> None:
    print(
        f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC; "
        f"load average {os.getloadavg()[0]:.1f}; {machine()}"
    )
    returns = load_sample()
    shared = regimes.walk_forward(returns, progress=False)
    copied = shared.copy()
    copied.attrs = {
        **shared.attrs,
        "refits": tuple(dict(r) for r in shared.attrs["refits"]),
    }
    print(f"walk: {len(shared):,} days, {len(shared.attrs['refits'])} refits")

    matplotlib.use("Agg")  # off-screen, before pyplot is imported
    import matplotlib.pyplot as plt

    def plot(wf):
        plot_walk_forward(wf, returns)
        plt.close("all")

    cases = {
        "a column (wf['regime'])": lambda wf: wf["regime"],
        "plot_walk_forward": plot,
        "resume with no new day": lambda wf: regimes.walk_forward(
            returns, resume=wf, progress=False
        ),
    }
    for name, func in cases.items():
        times = best_of_interleaved(
            {"shared": lambda f=func: f(shared), "copied": lambda f=func: f(copied)},
            repeat=5,
        )
        print(
            f"{name}: {times['shared'] * 1e3:.1f} ms shared, "
            f"{times['copied'] * 1e3:.1f} ms deep-copied "
            f"({times['copied'] / times['shared']:.1f}x)"
        )


if __name__ == "__main__":
    main()
