"""How often the probabilities printed beside the causal signal favour another regime.

The signal (``predict_online``, the walk-forward's ``regime`` column) keeps a
regime until evidence worth ``switch_penalty`` nats has gathered against it. The
probabilities beside it (``signal_proba``, the ``portfolio_<name>`` columns) filter the
same evidence, the equal-weighted portfolio's densities, with the fitted
transition matrix. They are not the same rule, so the most probable regime there
is not always the signal's. This script counts, on the bundled sample, the days
on which it differs and the runs of such days, for one fit and for the README's
walk-forward (monthly refits), and the same for the all-column filtered
probabilities (``filtered_<name>``).

    .venv/bin/python benchmarks/signal_agreement.py     # ~30 s on 2 cores

A second table does the same for five-year fits of 3 and 7 columns, with the
expected duration of the regime the chain leaves soonest and the signal's median
spell in that regime.
"""

from __future__ import annotations

import warnings
from datetime import datetime, timezone

import numpy as np
import pandas as pd
from _common import machine

from regimes import RegimeModel, walk_forward
from regimes.data import load_sample
from regimes.results import filtered_columns, portfolio_columns


def _runs(mask: np.ndarray) -> list[int]:
    """Lengths of the runs of True in ``mask``."""
    lengths, current = [], 0
    for value in mask:
        current = current + 1 if value else 0
        if current == 1:
            lengths.append(1)
        elif current:
            lengths[-1] = current
    return lengths


def _row(label: str, frame: pd.DataFrame, columns: list[str]) -> dict[str, object]:
    codes = frame["regime"].cat.codes.to_numpy()
    differs = frame[columns].to_numpy().argmax(axis=1) != codes
    runs = _runs(differs)
    return {
        "": label,
        "days": len(frame),
        "differs (share of days)": f"{differs.mean():.1%}",
        "runs": len(runs),
        "median run (days)": int(np.median(runs)) if runs else 0,
        "longest run (days)": max(runs, default=0),
    }


def main() -> None:
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    print(f"{stamp}; {machine()}")
    print("command: python benchmarks/signal_agreement.py")
    returns = load_sample()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning of a few refits
        model = RegimeModel(random_state=0).fit(returns)
        one = model.results(returns).signal_frame()
        walk = walk_forward(returns, RegimeModel(n_init=10, random_state=0))
    names = list(one["regime"].cat.categories)
    rows = [
        _row("one fit: signal's evidence", one, portfolio_columns(names)),
        _row("one fit: all columns (filtered_)", one, filtered_columns(names)),
        _row("walk-forward: signal's evidence", walk, portfolio_columns(names)),
        _row("walk-forward: all columns", walk, filtered_columns(names)),
    ]
    print("Days on which the most probable regime is not the signal's:")
    print(pd.DataFrame(rows).set_index("").to_string())
    print()
    print(
        "Five-year fits (RegimeModel(n_init=3, random_state=0)), the signal's "
        "evidence: the regime the chain leaves soonest, and the signal's spells in it"
    )
    print(pd.DataFrame(_slices(returns)).set_index("fit").to_string())


def _slices(returns: pd.DataFrame) -> list[dict[str, object]]:
    """Shorter fits, where a regime of a day or two is common: the signal, which
    decodes without the transition matrix, can hold such a regime for weeks."""
    rows = []
    for start in range(1990, 2020, 3):
        for columns in (list(returns.columns[:3]), list(returns.columns)):
            data = returns.loc[str(start) : str(start + 4), columns]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model = RegimeModel(n_init=3, random_state=0).fit(data)
                frame = model.results(data).signal_frame()
            names = list(frame["regime"].cat.categories)
            durations = model.summary()["expected_duration"]
            brief = str(durations.idxmin())
            spells = _runs((frame["regime"] == brief).to_numpy())
            row = _row("", frame, portfolio_columns(names))
            rows.append(
                {
                    "fit": f"{start}-{start + 4}, {len(columns)} columns",
                    "differs": row["differs (share of days)"],
                    "longest run": row["longest run (days)"],
                    "shortest duration (days)": f"{durations.min():.1f} ({brief})",
                    "signal's median spell there": int(np.median(spells))
                    if spells
                    else 0,
                }
            )
    return rows


if __name__ == "__main__":
    main()
