"""The daily run: adding 1 and 5 days to the README walk-forward, resumed vs rerun.

The README walk-forward: RegimeModel(n_init=10, random_state=0), monthly refits,
min_train=504, on the bundled sample. Two previous runs are computed once: one that
ends mid-month (adding days is no refit) and one that ends on the last trading day
of a month (the next day starts a period: one refit is due). For each, 1 and 5
days are added with ``walk_forward(..., resume=previous)`` (best of 3) and with the
state directory (``regimes.daily.run``: load, resume, save atomically, append the
log; best of 3, each from a fresh copy of the state), beside one full rerun on the
same data, in the same run. The resumed frame is checked against the rerun: the
regime column must be identical, the probabilities equal to 1e-10. Issue target:
well under a second when no refit is due, about one refit's time when one is.

    .venv/bin/python benchmarks/daily.py            # ~3 min on 2 cores
"""

from __future__ import annotations

import shutil
import tempfile
import warnings
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
from _common import best_of, machine
from sklearn.exceptions import ConvergenceWarning

from regimes import RegimeModel, daily, walk_forward
from regimes.data import load_sample
from regimes.results import portfolio_columns

OPTIONS = {"refit": "M", "min_train": 504, "progress": False}


def _model() -> RegimeModel:
    return RegimeModel(n_init=10, random_state=0)


def main() -> None:
    warnings.simplefilter("ignore", ConvergenceWarning)
    returns = load_sample()
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    print(f"{stamp}; {machine()}")
    print(
        f"data: {len(returns)} days x {returns.shape[1]} sectors, "
        f"{returns.index[0].date()} .. {returns.index[-1].date()}; monthly refits, "
        "min_train=504, n_init=10\n"
    )
    month = returns.index.to_period("M")
    last_month_start = int(np.flatnonzero(month == month[-1])[0])
    ends = {
        "no refit due": last_month_start + 5,  # mid-month, 5+ days left in it
        "refit due": last_month_start,  # the day before the last month starts
    }
    assert len(returns) - ends["no refit due"] >= 5
    rows = []
    for case, end in ends.items():
        seconds, previous = best_of(
            lambda end=end: walk_forward(returns.iloc[:end], _model(), **OPTIONS),
            repeat=1,
        )
        folder = Path(tempfile.mkdtemp())
        daily.save_state(previous, folder / "base")
        print(
            f"previous run for '{case}': ends {returns.index[end - 1].date()}, {seconds:.1f} s"
        )
        for added in (1, 5):
            data = returns.iloc[: end + added]
            full_s, full = best_of(
                lambda data=data: walk_forward(data, _model(), **OPTIONS), repeat=1
            )
            resume_s, resumed = best_of(
                lambda data=data: walk_forward(
                    data, _model(), resume=previous, **OPTIONS
                ),
                repeat=3,
            )

            state_s, run = np.inf, None
            for _ in range(3):  # a fresh copy of the previous state each time
                target = folder / "run"
                shutil.rmtree(target, ignore_errors=True)
                shutil.copytree(folder / "base", target)
                seconds, run = best_of(
                    lambda data=data, target=target: daily.run(
                        data, _model(), target, **OPTIONS
                    ),
                    repeat=1,
                )
                state_s = min(state_s, seconds)
            names = portfolio_columns(full["regime"].cat.categories)
            same = bool((resumed["regime"] == full["regime"]).all()) and bool(
                (run.walk["regime"] == full["regime"]).all()
            )
            diff = max(
                float(np.abs(resumed[names] - full[names]).to_numpy().max()),
                float(np.abs(run.walk[names] - full[names]).to_numpy().max()),
            )
            rows.append(
                {
                    "case": case,
                    "days added": added,
                    "refits": run.n_new_refits,
                    "full rerun s": full_s,
                    "resume s": resume_s,
                    "state dir s": state_s,
                    "resume / full": resume_s / full_s,
                    "regime identical": same,
                    "max |prob diff|": diff,
                }
            )
        shutil.rmtree(folder, ignore_errors=True)
    table = pd.DataFrame(rows).set_index(["case", "days added"])
    print()
    with pd.option_context("display.width", 160):
        print(
            table.to_string(
                formatters={
                    "full rerun s": "{:.1f}".format,
                    "resume s": "{:.2f}".format,
                    "state dir s": "{:.2f}".format,
                    "resume / full": "{:.4f}".format,
                    "max |prob diff|": "{:.1e}".format,
                }
            )
        )


if __name__ == "__main__":
    main()
