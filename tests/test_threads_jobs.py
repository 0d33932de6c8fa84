"""A fit's restarts on threads (n_jobs): the same restarts, run side by side.

``RegimeModel(n_jobs=2)`` runs its restarts on threads of the fitting process
(``regimes._parallel.thread_map``); under a ``joblib.parallel_config`` that names
another backend (processes, a Dask cluster) they go there instead. Wherever they
run, an int ``random_state`` gives the same restarts and keeps the same one.
"""

from __future__ import annotations

import os
import threading
import time

import joblib
import numpy as np
import pandas as pd
import pytest
from joblib._parallel_backends import SequentialBackend
from threadpoolctl import threadpool_info

from regimes import RegimeModel, _restarts
from regimes._parallel import thread_map, thread_workers


def _blas_threads() -> list[int]:
    return [
        lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"
    ]


def test_jobs_run_side_by_side_and_come_back_in_order():
    # both jobs must be inside at once to pass the barrier: proof of two threads
    barrier = threading.Barrier(2, timeout=10)

    def job(i: int) -> tuple[int, str]:
        if i < 2:
            barrier.wait()
        return i, threading.current_thread().name

    out = thread_map(job, [(i,) for i in range(6)], n_jobs=2)
    assert [i for i, _ in out] == list(range(6))
    names = {name for _, name in out}
    assert threading.current_thread().name not in names
    assert len(names) == 2


@pytest.mark.parametrize("n_jobs", [None, 1])
def test_one_worker_runs_the_jobs_here(n_jobs):
    out = thread_map(lambda: threading.current_thread().name, [()] * 3, n_jobs)
    assert out == [threading.current_thread().name] * 3


def test_more_workers_than_cores_or_jobs_are_not_started(monkeypatch):
    from regimes import _threads

    monkeypatch.setattr(_threads, "available_cores", lambda: 2)
    names = thread_map(lambda: threading.current_thread().name, [()] * 8, n_jobs=8)
    assert len(set(names)) <= 2
    # one job: no thread at all
    assert thread_map(lambda: threading.current_thread().name, [()], n_jobs=8) == [
        threading.current_thread().name
    ]


def test_a_failing_job_raises_here_and_the_jobs_not_started_are_cancelled():
    ran = []

    def job(i: int) -> int:
        ran.append(i)
        if i == 0:
            raise ArithmeticError("restart 0 failed")
        time.sleep(0.05)
        return i

    with pytest.raises(ArithmeticError, match="restart 0 failed"):
        thread_map(job, [(i,) for i in range(20)], n_jobs=2)
    time.sleep(0.2)  # anything still queued would have run by now
    assert 0 in ran
    assert len(ran) < 20


def _halve_until_odd(job: tuple, result: tuple) -> tuple | None:
    quotient, remainder = result
    return None if quotient % 2 else (quotient, 2)


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_a_job_runs_again_in_its_place_while_again_says_so(n_jobs):
    names = []

    def divide(a: int, b: int) -> tuple[int, int]:
        names.append(threading.current_thread().name)
        return divmod(a, b)

    jobs = [(96, 2), (7, 2), (1024, 2), (10, 2)]
    out = thread_map(divide, jobs, n_jobs, again=_halve_until_odd)
    # 96 -> 48 -> 24 -> 12 -> 6 -> 3; 1024 -> ... -> 1; 10 -> 5
    assert out == [(3, 0), (3, 1), (1, 0), (5, 0)]
    assert len(names) == 5 + 1 + 10 + 1  # every piece ran, once
    assert (threading.current_thread().name in names) == (n_jobs == 1)


class _NotThreads(SequentialBackend):
    """A backend that is not threads (as a Dask cluster), without its start-up."""

    uses_threads = False


def test_pieces_go_to_a_configured_backend_in_rounds():
    joblib.register_parallel_backend("regimes-test-not-threads", _NotThreads)
    with joblib.parallel_config(backend="regimes-test-not-threads"):
        assert thread_workers(2) is None  # not threads: parallel_map's rounds
        out = thread_map(divmod, [(96, 2), (7, 2)], 2, again=_halve_until_odd)
    assert out == [(3, 0), (3, 1)]


def _more_when_two_ended(ended: list) -> object:
    """``more`` that adds, once two places have ended, a job from their sum:
    ``divmod(4 * sum + 3, 2)``, whose quotient is odd (no second piece)."""

    def more(place: int, result: tuple) -> list[tuple]:
        ended.append(place)
        if len(ended) == 2:
            return [(4 * sum(ended) + 3, 2)]
        return []

    return more


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_jobs_that_more_adds_run_and_come_back_after_the_others(n_jobs):
    ended: list[int] = []
    jobs = [(96, 2), (7, 2), (1024, 2)]
    out = thread_map(
        divmod, jobs, n_jobs, _halve_until_odd, _more_when_two_ended(ended)
    )
    assert out[:3] == [(3, 0), (3, 1), (1, 0)]
    # a fourth place, from the first two places that ended (its own pieces too)
    assert len(out) == 4 and sorted(ended) == [0, 1, 2, 3]
    assert out[3] == (2 * sum(ended[:2]) + 1, 1)


def test_jobs_that_more_adds_run_in_rounds_elsewhere_too():
    ended: list[int] = []
    joblib.register_parallel_backend("regimes-test-not-threads", _NotThreads)
    with joblib.parallel_config(backend="regimes-test-not-threads"):
        out = thread_map(
            divmod, [(96, 2), (7, 2)], 2, _halve_until_odd, _more_when_two_ended(ended)
        )
    # in rounds: place 1 ends in the first, place 0 after its pieces
    assert out == [(3, 0), (3, 1), (2 * (1 + 0) + 1, 1)]


def test_a_piece_that_fails_raises_here():
    def divide(a: int, b: int) -> tuple[int, int]:
        if a == 12:
            raise ArithmeticError("the fourth piece failed")
        return divmod(a, b)

    with pytest.raises(ArithmeticError, match="fourth piece"):
        thread_map(divide, [(96, 2), (7, 2)], n_jobs=2, again=_halve_until_odd)


def test_continued_restarts_share_the_threads_in_pieces(short_sample, monkeypatch):
    pieces = []
    real = _restarts.continue_restart

    def recording(shared, run, settings, piece=None):
        pieces.append((run.seed, piece))
        return real(shared, run, settings, piece)

    monkeypatch.setattr(_restarts, "continue_restart", recording)
    here = _fit(short_sample)
    assert pieces and {piece for _, piece in pieces} == {None}  # one call a run
    continued = len(pieces)
    pieces.clear()
    threads = _fit(short_sample, n_jobs=2)
    assert {piece for _, piece in pieces} == {_restarts.CONTINUE_PIECE}
    assert len(pieces) > continued  # some ran in more than one piece
    assert len({seed for seed, _ in pieces}) == continued
    # in pieces or in one call, the same steps: bit for bit the same restarts
    pd.testing.assert_frame_equal(threads.restarts_, here.restarts_, rtol=0)
    np.testing.assert_array_equal(threads.covars_, here.covars_)


@pytest.mark.slow  # worker processes: seconds to start
def test_a_configured_joblib_backend_is_used_instead():
    assert thread_workers(2) == 2
    assert thread_workers(-1) == joblib.cpu_count()  # one per core
    assert thread_workers(None) == 1
    with joblib.parallel_config(backend="loky"):
        assert thread_workers(2) is None  # processes were asked for by name
        pids = thread_map(os.getpid, [()] * 2, n_jobs=2)
    assert os.getpid() not in pids
    with joblib.parallel_config(n_jobs=2):  # n_jobs from the config, threads
        assert thread_workers(None) == 2


def _fit(returns: pd.DataFrame, **kwargs) -> RegimeModel:
    kwargs = {"n_init": 6, "n_keep": 2, "random_state": 4, **kwargs}
    return RegimeModel(3, **kwargs).fit(returns)


@pytest.mark.slow  # worker processes: seconds to start
def test_restarts_are_the_same_here_on_threads_and_in_processes(
    short_sample, monkeypatch
):
    seen = []
    real = _restarts.start_restart

    def recording(*args, **kwargs):
        seen.append((threading.current_thread().name, tuple(_blas_threads())))
        return real(*args, **kwargs)

    monkeypatch.setattr(_restarts, "start_restart", recording)
    here = _fit(short_sample)
    assert {name for name, _ in seen} == {threading.current_thread().name}
    seen.clear()
    threads = _fit(short_sample, n_jobs=2)
    assert threading.current_thread().name not in {name for name, _ in seen}
    # every restart on a worker thread ran with one BLAS thread: 2 workers, 2+ cores
    assert {blas for _, blas in seen} == {(1,) * len(_blas_threads())}
    with joblib.parallel_config(backend="loky"):
        processes = _fit(short_sample, n_jobs=2)

    # threads share this process and its one-thread BLAS: bit for bit the same
    pd.testing.assert_frame_equal(threads.restarts_, here.restarts_, rtol=0)
    np.testing.assert_array_equal(threads.covars_, here.covars_)
    # processes: the same restarts, up to the order of floating-point sums
    pd.testing.assert_frame_equal(processes.restarts_, here.restarts_, rtol=1e-10)
    for model in (threads, processes):
        assert model.restarts_["best"].idxmax() == here.restarts_["best"].idxmax()
        pd.testing.assert_series_equal(model.regimes_, here.regimes_)


def test_jobs_see_the_callers_context():
    """numpy's errstate (a context variable) holds in the jobs as it would here."""

    def divide() -> float:
        return float(np.float64(1.0) / np.float64(0.0))

    with np.errstate(divide="raise"), pytest.raises(FloatingPointError):
        thread_map(divide, [()] * 2, n_jobs=2)
    with np.errstate(divide="ignore"):
        assert thread_map(divide, [()] * 2, n_jobs=2) == [np.inf, np.inf]


def test_process_workers_are_no_more_than_the_jobs(monkeypatch):
    """parallel_map starts at most one worker per job: an absurd n_jobs neither
    starts processes for nothing nor trips joblib's planning (it refused n_jobs
    beyond 500,000: "Numeric literal ... is too large"; hostile pass)."""
    from regimes import _parallel

    seen = []
    real = joblib.Parallel

    def recording(*args, **kwargs):
        seen.append(kwargs.get("n_jobs"))
        return real(*args, **{**kwargs, "backend": "threading"})

    monkeypatch.setattr(joblib, "Parallel", recording)
    assert _parallel.parallel_map(pow, [(2, 3), (3, 2)], n_jobs=10**6) == [8, 9]
    assert _parallel.parallel_map(pow, [(2, 5)], n_jobs=6) == [32]
    assert seen == [2]  # the single job ran here, without joblib


@pytest.mark.parametrize(
    "backend",
    [
        None,
        "threading",
        pytest.param("loky", marks=pytest.mark.slow),  # processes: seconds to start
    ],
)
def test_warnings_of_jobs_run_elsewhere_reach_the_callers_line(backend):
    """Hostile 20, W1: fits run through joblib (fit_many, walk_forward's cold
    refits, compare) gave their warnings at joblib/parallel.py, or, in worker
    processes, to no one: the caller's records and filters never saw them. Each
    job now keeps the package's warnings and returns them with its result, and
    they are given where the caller waits."""

    from regimes import fit_many
    from regimes.exceptions import FrequencyWarning

    rng = np.random.default_rng(0)
    every_day = pd.date_range("2020-01-01", periods=400)  # seven days a week
    data = {
        name: pd.DataFrame(rng.normal(0, 0.03, (400, 2)), every_day, ["x", "y"])
        for name in ("a", "b")
    }
    model = RegimeModel(2, n_init=1, random_state=0)
    n_jobs = None if backend is None else 2
    context = joblib.parallel_config(backend=backend) if backend else _nothing()
    with context, pytest.warns(FrequencyWarning) as record:
        fit_many(data, model, n_jobs=n_jobs)
    frequency = [w for w in record if issubclass(w.category, FrequencyWarning)]
    assert len(frequency) == 2  # one per fit
    assert {w.filename for w in frequency} == {__file__}


def _nothing():
    import contextlib

    return contextlib.nullcontext()


def _warn_then(x: int) -> int:
    from regimes._warn import warn_user

    warn_user(f"job {x} says", UserWarning)
    if x == 2:
        raise ValueError("job 2 failed")
    return x


@pytest.mark.parametrize("backend", [None, "threading", "loky"])
def test_a_failing_jobs_warnings_are_given_before_its_error(backend):
    """Hostile 21, W1: a job that raised dropped every kept warning, its own
    (the one naming the cause) and the jobs' before it."""
    from regimes._parallel import parallel_map

    n_jobs = None if backend is None else 2
    context = joblib.parallel_config(backend=backend) if backend else _nothing()
    with context, pytest.warns(UserWarning) as record:
        with pytest.raises(ValueError, match="job 2 failed"):
            parallel_map(_warn_then, [(1,), (2,), (3,)], n_jobs)
    said = [str(w.message) for w in record]
    assert said[:2] == ["job 1 says", "job 2 says"]
    assert {w.filename for w in record} == {__file__}


def test_a_worker_processs_error_keeps_where_it_failed():
    """Hostile 22, M1: an error returned from a worker process lost joblib's
    remote traceback; where the job failed is chained as the cause."""
    from regimes._parallel import parallel_map
    from regimes._warn import JobTraceback

    with joblib.parallel_config(backend="loky"):
        with pytest.raises(ValueError, match="job 2 failed") as caught:
            with pytest.warns(UserWarning):
                parallel_map(_warn_then, [(1,), (2,)], 2)
    cause = caught.value.__cause__
    assert isinstance(cause, JobTraceback) and "_warn_then" in str(cause)


@pytest.mark.parametrize("n_jobs", [1, 2])
@pytest.mark.parametrize("n_keep", [1, 3])
def test_continued_runs_that_start_early_are_those_of_screening_all_first(
    short_sample, monkeypatch, n_jobs, n_keep
):
    """A cold fit continues each of the n_keep best as soon as it is certain to
    be among them (regimes._restarts._search); the same runs, step for step,
    as screening every restart first, then continuing the best."""
    early = _fit(short_sample, n_jobs=n_jobs, n_keep=n_keep)
    started_while_screening = []
    real_certain = _restarts._certain

    def recording(screened, n, n_keep):
        certain = real_certain(screened, n, n_keep)
        started_while_screening.append(len(screened) < n and bool(certain))
        return certain

    def screen_all_first(shared, jobs, settings, pool):
        runs = _restarts.shared_map(_restarts._step, shared, jobs, n_jobs, pool=pool)
        return _restarts._continued(shared, runs, settings, pool)

    monkeypatch.setattr(_restarts, "_certain", recording)
    again = _fit(short_sample, n_jobs=n_jobs, n_keep=n_keep)
    # some were certain before the last restart was screened (the point); with
    # n_keep=1 only once all are: any one of them could still be the best
    assert any(started_while_screening) == (n_keep > 1)
    monkeypatch.setattr(_restarts, "_search", screen_all_first)
    after = _fit(short_sample, n_jobs=n_jobs, n_keep=n_keep)
    for model in (again, after):
        pd.testing.assert_frame_equal(model.restarts_, early.restarts_, rtol=0)
        np.testing.assert_array_equal(model.covars_, early.covars_)


def test_a_walk_forwards_chain_does_not_count_towards_the_pool(
    short_sample, monkeypatch
):
    """The pool of worker processes starts after POOL_AFTER fits from k-means
    with n_jobs > 1; a walk-forward's first refit is one, but its other refits
    are warm (on threads): two walks would start it for nothing."""
    from regimes import _parallel, walk_forward

    monkeypatch.setattr(_parallel, "PROCESSES", True)
    monkeypatch.setattr(_parallel._Pool, "fits", 0)
    monkeypatch.setattr(_parallel._Pool, "executor", None)
    asked = []
    real = _parallel.process_pool

    def recording(n_jobs, uses):
        asked.append(n_jobs)
        return real(n_jobs, uses)

    monkeypatch.setattr(_restarts, "process_pool", recording)
    model = RegimeModel(3, n_init=3, random_state=0)
    walk_forward(short_sample.iloc[:900], model, min_train=600, n_jobs=2)
    assert asked == [2]  # the chain's first fit asked (it would use a warm pool)
    assert _parallel._Pool.fits == 0 and _parallel._Pool.executor is None
    with _parallel.warm_chain():
        _fit(short_sample, n_jobs=2)
    assert _parallel._Pool.fits == 0
    _fit(short_sample, n_jobs=2)  # a plain fit counts (one: no pool yet)
    assert _parallel._Pool.fits == 1 and _parallel._Pool.executor is None


class _FakeExecutor:
    """An executor that records its shutdown; its futures never end."""

    def __init__(self, manager_alive: bool = True) -> None:
        self.shut = False
        self._executor_manager_thread = threading.Thread(target=lambda: None)
        if manager_alive:
            self._executor_manager_thread = threading.current_thread()

    def shutdown(self, wait: bool = True) -> None:
        self.shut = True

    def submit(self, *args, **kwargs):
        from concurrent.futures import Future

        return Future()


def _warm_pool_of(monkeypatch, workers: int) -> _FakeExecutor:
    from concurrent.futures import Future

    from regimes import _parallel

    executor = _FakeExecutor()
    warmed = []
    for pid in range(workers):
        future: Future = Future()
        future.set_result(pid)
        warmed.append(future)
    monkeypatch.setattr(_parallel, "PROCESSES", True)
    monkeypatch.setattr(_parallel._Pool, "failed", False)
    monkeypatch.setattr(_parallel._Pool, "failures", 0)
    monkeypatch.setattr(_parallel._Pool, "executor", executor)
    monkeypatch.setattr(_parallel._Pool, "workers", workers)
    monkeypatch.setattr(_parallel._Pool, "warming", warmed)
    monkeypatch.setattr(_parallel._Pool, "users", 0)
    monkeypatch.setattr(_parallel._Pool, "last_used", time.monotonic())
    started = []
    monkeypatch.setattr(_parallel, "_start", lambda w, uses: started.append(w))
    executor.started = started
    return executor


def test_a_pool_in_use_is_not_shut_for_another_size(monkeypatch):
    """Hostile 91, F1: a fit asking for 4 workers shut the 2-worker pool that
    a fit on another thread was using (its next job: IndexError, and no pool
    for the session)."""
    from regimes import _parallel, _threads

    monkeypatch.setattr(_threads, "available_cores", lambda: 4)
    monkeypatch.setattr(joblib, "cpu_count", lambda *a, **k: 4)
    executor = _warm_pool_of(monkeypatch, workers=2)
    # fewer workers than the pool has: that many of them, no new pool
    assert _parallel.process_pool(2, "m") == _parallel.Lease(executor, 3)
    _parallel._Pool.users = 1  # a fit runs on it
    lease = _parallel.process_pool(4, "m")
    assert lease is not None and lease.executor is executor and not executor.shut
    _parallel._Pool.users = 0  # no fit on it: a larger one replaces it
    assert _parallel.process_pool(4, "m") is None
    assert executor.shut and executor.started == [4]


def test_a_pool_idle_for_half_its_workers_life_is_replaced(monkeypatch):
    """Hostile 91, F4: a job given to a worker about to leave made loky warn
    of a memory leak (and, as an error under -W error, stop the pool)."""
    from regimes import _parallel

    executor = _warm_pool_of(monkeypatch, workers=2)
    _parallel._Pool.last_used -= _parallel.POOL_IDLE_USED + 1
    assert _parallel.process_pool(2, "m") is None
    assert executor.shut and executor.started == [2]


def test_a_pool_whose_manager_thread_died_is_not_waited_for(monkeypatch):
    from regimes import _parallel

    monkeypatch.setattr(_parallel, "POOL_PATIENCE", 0.05)
    monkeypatch.setattr(_parallel._Pool, "folder", None)
    monkeypatch.setattr(_parallel._Pool, "failed", False)
    monkeypatch.setattr(_parallel._Pool, "failures", 0)
    monkeypatch.setattr(_parallel._Pool, "executor", None)
    lease = _parallel.Lease(_FakeExecutor(manager_alive=False), 3)
    with _parallel.Shared(np.asarray, np.arange(3.0)) as shared:
        with pytest.raises(_parallel.PoolBroken, match="manager thread"):
            _parallel.shared_map(divmod, shared, [(2,)], 2, pool=lease)


def test_a_pool_idle_for_minutes_is_still_used_and_a_lease_holds_it(monkeypatch):
    """Hostile 92: fits 2.5-5 minutes apart replaced the pool at every fit and
    never used it (G1); a pool handed to one fit could be shut by another
    thread before the fit counted itself as its user (G5)."""
    from regimes import _parallel, _threads

    monkeypatch.setattr(_threads, "available_cores", lambda: 4)
    monkeypatch.setattr(joblib, "cpu_count", lambda *a, **k: 4)
    executor = _warm_pool_of(monkeypatch, workers=2)
    _parallel._Pool.last_used -= _parallel.POOL_IDLE / 2 + 1  # 2.5 minutes
    lease = _parallel.process_pool(2, "m")
    assert lease is not None and not executor.shut
    assert _parallel._Pool.users == 1  # held from the moment it is handed out
    assert _parallel.process_pool(4, "m") is not None and not executor.shut
    _parallel.release(lease)
    _parallel._Pool.users -= 1  # the second lease's end
    assert _parallel.process_pool(4, "m") is None and executor.shut
