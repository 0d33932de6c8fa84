"""Shared fixtures: data sampled from a known 3-regime Gaussian HMM in decimal units."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, settings

# hmmlearn and regimes are imported where they are used, not here: this file is
# also imported by the pytest-xdist controller, which runs no test and would spend
# a second and a half on them before it starts the workers.
if TYPE_CHECKING:
    from hmmlearn.hmm import GaussianHMM

    from regimes import RegimeModel

SECTORS = ["XLK", "XLF", "XLE", "XLV", "XLI", "XLP"]

# Hypothesis profiles for every test module, loaded here, before any module is
# collected (a profile loaded by one module reached only the modules imported
# after it): "ci" (default; 15 examples per property, derandomised, so a run is
# repeatable) and "thorough" (200 examples): HYPOTHESIS_PROFILE=thorough.
settings.register_profile(
    "ci",
    max_examples=15,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@dataclass(frozen=True)
class KnownHMM:
    """True parameters in regime order (Bull, Sideways, Bear)."""

    startprob: np.ndarray
    transmat: np.ndarray
    means: np.ndarray
    covars: np.ndarray

    def hmm(self) -> GaussianHMM:
        from hmmlearn.hmm import GaussianHMM

        hmm = GaussianHMM(n_components=len(self.startprob), covariance_type="full")
        hmm.n_features = self.means.shape[1]
        hmm.startprob_ = self.startprob
        hmm.transmat_ = self.transmat
        hmm.means_ = self.means
        hmm.covars_ = self.covars
        return hmm

    def sample(self, n_days: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
        X, states = self.hmm().sample(n_days, random_state=seed)
        dates = pd.bdate_range("2000-01-03", periods=n_days, name="Date")
        return pd.DataFrame(X, index=dates, columns=SECTORS[: X.shape[1]]), states


def _equicorrelated(vol: float, rho: float, d: int) -> np.ndarray:
    return vol**2 * ((1 - rho) * np.eye(d) + rho * np.ones((d, d)))


# Daily means +0.06%, 0%, -0.15%; vols 0.7%, 1.2%, 2.5%; correlation rising in stress;
# spells of 50-100 days (diagonal 0.98-0.99).
TRUE = KnownHMM(
    startprob=np.full(3, 1 / 3),
    transmat=np.array(
        [[0.990, 0.007, 0.003], [0.010, 0.980, 0.010], [0.005, 0.015, 0.980]]
    ),
    means=np.array([[6, 5, 7, 6], [0, 1, -1, 0], [-15, -14, -16, -15]]) * 1e-4,
    covars=np.array(
        [
            _equicorrelated(v, r, 4)
            for v, r in [(0.007, 0.3), (0.012, 0.5), (0.025, 0.8)]
        ]
    ),
)


@pytest.fixture(scope="session")
def known() -> KnownHMM:
    return TRUE


@pytest.fixture(scope="session")
def sample(known: KnownHMM) -> tuple[pd.DataFrame, np.ndarray]:
    """6,000 days (about 24 years) from the known HMM, and the true states."""
    return known.sample(6000, seed=0)


@pytest.fixture(scope="session")
def short_sample(known: KnownHMM) -> pd.DataFrame:
    """1,500 days from the known HMM, for the tests that fit many times."""
    return known.sample(1500, seed=1)[0]


@pytest.fixture(scope="session")
def fitted(sample: tuple[pd.DataFrame, np.ndarray]) -> RegimeModel:
    from regimes import RegimeModel

    returns, _ = sample
    return RegimeModel(n_regimes=3, n_init=5, random_state=0).fit(returns)


@pytest.fixture
def text_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reports without their figures, for tests of the tables and text only.

    Drawing the three figures takes about two thirds of a report's time; the
    tests that check the figures (``_check_self_contained`` in test_report.py)
    and the README's own report blocks still draw them.
    """
    import regimes.report

    monkeypatch.setattr(regimes.report, "_figure_section", lambda *args: "")


_WORKER_LIMITS = []  # kept alive for the whole run of a worker


def pytest_collection_finish(session):
    """In each pytest-xdist worker, native libraries use the worker's share of cores.

    ``-n auto`` already runs one worker per core; numpy's and scipy's BLAS and
    scikit-learn's OpenMP would otherwise start a thread per core in every worker,
    and the workers' threads then wait for each other's cores (scikit-learn's own
    test suite limits its workers the same way). Set after collection, when the
    test modules have loaded those libraries. A fit sets and restores its own
    limits (:mod:`regimes._threads`), and the tests of those limits set the counts
    they start from.
    """
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "0"))
    if workers > 1:
        from threadpoolctl import threadpool_limits

        cores = len(os.sched_getaffinity(0))
        _WORKER_LIMITS.append(threadpool_limits(max(1, cores // workers)))


@pytest.hookimpl(trylast=True)  # after -m and -k have deselected
def pytest_collection_modifyitems(config, items):
    """Long tests first; skip tests marked ``live`` unless asked for with ``-m live``.

    The suite runs on several worker processes (pytest-xdist, see pyproject.toml):
    started first, the long tests (the slow ones and the quick run's stand-ins for
    them) run beside the many short ones instead of leaving one worker busy alone
    at the end. The sort is stable and the same in every worker, as xdist
    requires.
    """
    items.sort(key=lambda item: not _is_long(item))
    _deselect_stand_ins(config, items)
    if "live" in (config.getoption("-m") or ""):
        return
    skip = pytest.mark.skip(reason="needs the network; run with -m live")
    for item in items:
        if "live" in item.keywords:
            item.add_marker(skip)


def _is_long(item) -> bool:
    return "slow" in item.keywords or item.nodeid in STAND_INS


# quick test -> the slow test it stands in for in a quick run
STAND_INS = {
    "tests/test_readme.py::test_python_blocks_run_in_order_on_a_shorter_sample": (
        "tests/test_readme.py::test_python_blocks_run_in_order"
    ),
}


def _deselect_stand_ins(config, items) -> None:
    """Drop a quick stand-in when the slow test it stands in for runs too."""
    selected = {item.nodeid for item in items}
    dropped = [item for item in items if STAND_INS.get(item.nodeid) in selected]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if item not in dropped]


@pytest.fixture(autouse=True, scope="session")
def _restarts_on_threads():
    """Restarts on threads unless a test asks for worker processes.

    A fit's restarts go to worker processes once a session's pool of them is
    warm (regimes._parallel.process_pool); a test that patches a function of
    this process would then depend on whether an earlier test had warmed it.
    The tests of the pool switch it on themselves (tests/test_process_pool.py).
    """
    from regimes import _parallel

    _parallel.PROCESSES = False
    yield
