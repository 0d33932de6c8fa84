"""The benchmark scripts still run against the package they measure.

They are not run here (they time things for minutes), but several reach into
private functions, whose signatures change: causal_signal.py crashed for days
after ``_refit_positions`` began taking a parsed rule, and the README's tables
that come from it went stale. Each script must import, and the one that drives
the walk-forward's private pieces must run them on a short slice.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).parents[1] / "benchmarks"
SCRIPTS = sorted(p.stem for p in BENCHMARKS.glob("*.py") if p.stem != "_common")
OPTIONAL = {"signal_quality": "jumpmodels"}  # the [bench] extra


@pytest.fixture
def on_path(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    yield
    for name in [*SCRIPTS, "_common"]:
        sys.modules.pop(name, None)


@pytest.mark.parametrize("script", SCRIPTS)
def test_every_benchmark_imports(script, on_path):
    if script in OPTIONAL:
        pytest.importorskip(OPTIONAL[script])
    module = importlib.import_module(script)
    assert callable(getattr(module, "main", None)), f"{script}.py has no main()"


def test_causal_signal_drives_the_walk_forwards_pieces(on_path):
    from regimes.data import load_sample

    causal_signal = importlib.import_module("causal_signal")
    returns, fits = causal_signal.refits(load_sample().loc["2019":"2021"].iloc[:, :2])
    assert len(fits) >= 10 and returns.shape[1] == 2
