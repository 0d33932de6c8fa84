"""The causal regime signal on the bundled sample: targets and the penalty trade-off.

Monthly walk-forward from 1992 (min_train=504, default RegimeModel(n_init=10,
random_state=0), warm refits as walk_forward does them). The refits are run once per
column set; the causal signal is then decoded again from the same refits for each
``switch_penalty`` (what walk_forward does, minus the refits). Printed:

1. the issue's targets for the default signal (7 sectors, default penalty), each met
   or not;
2. the trade-off table: penalty x switches/yr, median spell, first non-Bull / first
   Bear day after the 2000, 2007 and 2020 peaks, crisis coverage, calm-year coverage;
   for the 7 sectors, and (``--all``) for 3 sectors and for the equal-weighted
   portfolio alone, to see that one penalty suits any number of columns.

    .venv/bin/python benchmarks/causal_signal.py          # 7 sectors, ~2-8 min
    .venv/bin/python benchmarks/causal_signal.py --all    # + 3 sectors, 1 column

Caveats: every figure is in-sample for the choice of the default (it was chosen
with this table); two crises (2008, 2020) and three peaks are few data points.
"""

from __future__ import annotations

import argparse
import inspect
import time
from datetime import date

import pandas as pd
from _common import machine

from regimes import RegimeModel, walk_forward
from regimes.data import load_sample
from regimes.evaluate import detection_lag, signal_stats
from regimes.models import DEFAULT_SWITCH_PENALTY
from regimes.results import filtered_columns
from regimes.walkforward import (
    _assemble,
    _fit_all,
    _refit_positions,
    _refit_rule,
    refit_table,
)

PEAKS = ["2000-03-24", "2007-10-09", "2020-02-19"]
PENALTIES = [0.0, 2.0, 4.0, 6.0, 8.0, 10.0, 12.0, 16.0, 24.0]


def refits(returns: pd.DataFrame) -> tuple[pd.DataFrame, list]:
    """walk_forward's refits (monthly, expanding, warm) with its default settings."""
    defaults = inspect.signature(walk_forward).parameters
    warm = {
        "n_init": 1 + defaults["fresh_restarts"].default,
        "n_keep": defaults["warm_keep"].default,
    }
    starts = _refit_positions(returns.index, _refit_rule("M"), 504)
    template = RegimeModel(n_init=10, random_state=0)
    fits = _fit_all(returns, starts, template, None, warm, False, None)
    return returns, fits


def share(signal: pd.Series, start: str, end: str, regime: str) -> float:
    return float((signal.loc[start:end].astype(str) == regime).mean())


def row(signal: pd.Series) -> dict[str, float]:
    stats = signal_stats(signal)
    not_bull = detection_lag(signal, PEAKS, regimes=("Sideways", "Bear"))
    bear = detection_lag(signal, PEAKS, regimes=("Bear",))
    return {
        "switches/yr": stats["switches_per_year"],
        "median spell": stats["median_spell"],
        **{f"non-Bull {p[:4]}": not_bull.iloc[i] for i, p in enumerate(PEAKS)},
        **{f"Bear {p[:4]}": bear.iloc[i] for i, p in enumerate(PEAKS)},
        "Bear 08-10..09-03": share(signal, "2008-10", "2009-03", "Bear"),
        "Bear 2020-03": share(signal, "2020-03", "2020-03", "Bear"),
        "Bull 2013": share(signal, "2013", "2013", "Bull"),
        "Bull 2017": share(signal, "2017", "2017", "Bull"),
    }


def targets(
    signal: pd.Series, refit_frame: pd.DataFrame
) -> list[tuple[str, str, bool]]:
    r = row(signal)
    vols = refit_frame[[c for c in refit_frame if c.endswith("_annual_volatility")]]
    bear_riskiest = float((vols.idxmax(axis=1) == "Bear_annual_volatility").mean())
    checks = [
        ("switches per year <= 3", f"{r['switches/yr']:.2f}", r["switches/yr"] <= 3),
        (
            "median spell >= 40 days",
            f"{r['median spell']:.0f}",
            r["median spell"] >= 40,
        ),
        (
            "Bear on >= 90% of 2008-10..2009-03",
            f"{r['Bear 08-10..09-03']:.0%}",
            r["Bear 08-10..09-03"] >= 0.9,
        ),
        (
            "Bear on >= 90% of 2020-03",
            f"{r['Bear 2020-03']:.0%}",
            r["Bear 2020-03"] >= 0.9,
        ),
        ("Bull on >= 80% of 2013", f"{r['Bull 2013']:.0%}", r["Bull 2013"] >= 0.8),
        ("Bull on >= 80% of 2017", f"{r['Bull 2017']:.0%}", r["Bull 2017"] >= 0.8),
        (
            "first non-Bull <= 25 days after 2007-10-09",
            f"{r['non-Bull 2007']:.0f}",
            r["non-Bull 2007"] <= 25,
        ),
        (
            "first non-Bull <= 10 days after 2020-02-19",
            f"{r['non-Bull 2020']:.0f}",
            r["non-Bull 2020"] <= 10,
        ),
        (
            "first Bear <= 15 days after 2020-02-19",
            f"{r['Bear 2020']:.0f}",
            r["Bear 2020"] <= 15,
        ),
        (
            "Bear is the riskiest regime at >= 95% of refits",
            f"{bear_riskiest:.1%}",
            bear_riskiest >= 0.95,
        ),
    ]
    return checks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="also 3 sectors, 1 column")
    args = parser.parse_args()
    sample = load_sample()
    sets = {"7 sectors": sample}
    if args.all:
        sets["3 sectors (Tech, Fin, Energy)"] = sample[
            ["Technology", "Financials", "Energy"]
        ]
        sets["equal-weighted portfolio (1 column)"] = sample.mean(axis=1).to_frame("EW")
    print(f"{date.today()}; {machine()}")
    print(f"default switch_penalty = {DEFAULT_SWITCH_PENALTY} nats\n")
    pd.set_option("display.width", 200)
    for label, returns in sets.items():
        begin = time.perf_counter()
        frame, fits = refits(returns)
        seconds = time.perf_counter() - begin
        print(f"== {label}: {len(fits)} monthly refits in {seconds:.0f} s ==")
        outputs = {p: _assemble(frame, fits, p) for p in PENALTIES}
        default = outputs.get(DEFAULT_SWITCH_PENALTY)
        if default is None:
            default = _assemble(frame, fits, DEFAULT_SWITCH_PENALTY)
        # the baseline: the argmax of the HMM's all-column filtered probabilities
        names = list(default["regime"].cat.categories)
        argmax = (
            default[filtered_columns(names)]
            .set_axis(names, axis=1)
            .idxmax(axis=1)
            .astype(pd.CategoricalDtype(names, ordered=True))
        )
        table = pd.DataFrame(
            {"filtered argmax": row(argmax)}
            | {f"penalty {p:g}": row(out["regime"]) for p, out in outputs.items()}
        ).T
        print(table.round(2).to_string())
        print()
        if label == "7 sectors":
            print("Targets for the default causal signal (7 sectors):")
            for name, value, met in targets(default["regime"], refit_table(default)):
                print(f"  {'met    ' if met else 'NOT met'}  {name}: {value}")
            print()


if __name__ == "__main__":
    main()
