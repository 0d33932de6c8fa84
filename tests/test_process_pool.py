"""A fit's restarts in worker processes (regimes._parallel.process_pool).

Once a session's pool of worker processes is warm, a fit from k-means with
``n_jobs`` > 1 sends its restarts there; until then, and for a warm refit, they
run on threads. Wherever they run, the fit is the same, bit for bit: a restart
depends on its arguments only. The pool takes seconds to start, so these tests
are slow; the rest of the suite runs with the pool switched off (conftest).
"""

from __future__ import annotations

import operator
import os
import signal
import time
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest

from regimes import RegimeModel, _parallel, _restarts
from regimes._parallel import Shared, process_pool, shared_map, warm_pool
from regimes._warn import warn_user

pytestmark = pytest.mark.slow  # worker processes: seconds to start


@pytest.fixture(scope="module")
def pool():
    """Worker processes on, warm (two cores at least, as the package asks)."""
    if joblib.cpu_count() < 2:
        pytest.skip("worker processes need two cores")
    _parallel.PROCESSES = True
    assert warm_pool(2, "regimes._restarts"), "the pool did not warm up"
    yield _parallel.Lease(_parallel._Pool.executor, 3)
    _parallel.PROCESSES = False


def _fit(returns: pd.DataFrame, **kwargs) -> RegimeModel:
    return RegimeModel(3, n_init=6, n_keep=2, random_state=4, **kwargs).fit(returns)


def _ran_where(monkeypatch) -> list[str]:
    """Where each call of shared_map ran its jobs: "processes" or "here"."""
    where = []
    real = _restarts.shared_map

    def recording(func, shared, jobs, n_jobs, again=None, pool=None, more=None):
        where.append("processes" if pool is not None else "here")
        return real(func, shared, jobs, n_jobs, again, pool, more)

    monkeypatch.setattr(_restarts, "shared_map", recording)
    return where


def test_restarts_in_processes_are_those_of_one_thread(pool, short_sample, monkeypatch):
    here = _fit(short_sample)
    where = _ran_where(monkeypatch)
    processes = _fit(short_sample, n_jobs=2)
    assert where and set(where) == {"processes"}
    # one BLAS thread in both, the same arithmetic: bit for bit the same
    pd.testing.assert_frame_equal(processes.restarts_, here.restarts_, rtol=0)
    np.testing.assert_array_equal(processes.covars_, here.covars_)
    np.testing.assert_array_equal(processes.transmat_, here.transmat_)
    pd.testing.assert_series_equal(processes.regimes_, here.regimes_)


def test_the_shared_data_cross_in_a_file_that_goes_with_the_fit(pool, short_sample):
    folder = _parallel._Pool.folder
    _fit(short_sample, n_jobs=2)
    assert folder and os.path.isdir(folder)
    assert os.listdir(folder) == []  # every fit's file removed when it ended


def test_a_warm_refit_and_a_threads_config_stay_on_threads(
    pool, short_sample, monkeypatch
):
    where = _ran_where(monkeypatch)
    model = RegimeModel(3, n_init=4, random_state=0, warm_start=True, n_jobs=2)
    model.fit(short_sample.iloc[:1500])
    assert set(where) == {"processes"}  # the chain's first fit, from k-means
    where.clear()
    model.fit(short_sample.iloc[:1540])
    assert set(where) == {"here"}  # a warm refit: a few iterations a restart
    where.clear()
    with joblib.parallel_config(backend="threading"):
        assert process_pool(2, "regimes._restarts") is None
        _fit(short_sample, n_jobs=2)
    assert set(where) == {"here"}


def test_a_jobs_error_and_warnings_come_back_in_order(pool):
    with Shared(np.asarray, np.arange(3.0)) as shared:
        assert shared_map(operator.getitem, shared, [(2,), (0,)], 2, pool=pool) == [
            2.0,
            0.0,
        ]
        with pytest.raises(IndexError, match="out of bounds"):
            shared_map(operator.getitem, shared, [(0,), (7,)], 2, pool=pool)
    with (
        Shared(str, np.array([1.5])) as shared,
        warnings.catch_warnings(record=True) as caught,
    ):
        warnings.simplefilter("always")
        jobs = [(UserWarning,), (RuntimeWarning,)]
        assert shared_map(warn_user, shared, jobs, 2, pool=pool) == [None, None]
    assert [(str(w.message), w.category) for w in caught] == [
        ("[1.5]", UserWarning),
        ("[1.5]", RuntimeWarning),
    ]
    assert caught[0].filename == __file__  # given at the caller's line


def test_pieces_of_a_run_go_on_in_another_process(pool):
    """``again``'s pieces, handed out in order, as on threads."""

    def halve(job, result):
        return (result,) if result % 2 == 0 and result > 1 else None

    with Shared(np.asarray, np.array(2)) as shared:
        out = shared_map(operator.floordiv, shared, [(1,), (2,)], 2, halve, pool)
    # 2 // 1 = 2 -> again with 2 (value 2 // 2 = 1): ends at 1; 2 // 2 = 1
    assert out == [1, 1]


def test_the_pool_starts_after_fits_and_is_used_once_warm(short_sample, monkeypatch):
    """A fresh session: threads first, processes once the pool is warm."""
    if joblib.cpu_count() < 2:
        pytest.skip("worker processes need two cores")
    monkeypatch.setattr(_parallel, "PROCESSES", True)
    saved = {k: getattr(_parallel._Pool, k) for k in ("fits", "executor")}
    monkeypatch.setattr(_parallel._Pool, "fits", 0)
    monkeypatch.setattr(_parallel._Pool, "executor", None)
    monkeypatch.setattr(_parallel._Pool, "warming", [])
    try:
        where = _ran_where(monkeypatch)
        for _ in range(_parallel.POOL_AFTER):
            _fit(short_sample, n_jobs=2)
        assert set(where) == {"here"}  # the pool was not warm for any of them
        assert _parallel._Pool.executor is not None  # but it has started
        end = time.monotonic() + 120
        while not all(f.done() for f in _parallel._Pool.warming):
            assert time.monotonic() < end, "the pool did not warm up"
            time.sleep(0.05)
        where.clear()
        for _ in range(5):  # a worker that took two warm-ups: another round
            _fit(short_sample, n_jobs=2)
            if where[-1] == "processes":
                break
            futures = _parallel._Pool.warming
            while not all(f.done() for f in futures):
                assert time.monotonic() < end, "the pool did not warm up"
                time.sleep(0.05)
        assert where[-1] == "processes"
    finally:
        if _parallel._Pool.executor is not None:
            _parallel._Pool.executor.shutdown(wait=True)
        for name, value in saved.items():
            setattr(_parallel._Pool, name, value)


def _fresh_pool(monkeypatch):
    """A pool of its own for a test that breaks it (the module's goes on)."""
    if joblib.cpu_count() < 2:
        pytest.skip("worker processes need two cores")
    monkeypatch.setattr(_parallel, "PROCESSES", True)
    monkeypatch.setattr(_parallel._Pool, "failed", False)
    monkeypatch.setattr(_parallel._Pool, "failures", 0)
    monkeypatch.setattr(_parallel._Pool, "executor", None)
    monkeypatch.setattr(_parallel._Pool, "warming", [])
    assert warm_pool(2, "regimes._restarts")
    return _parallel._Pool.executor


def test_a_pool_whose_worker_died_leaves_the_fit_to_threads(short_sample, monkeypatch):
    """A worker killed (the OOM killer, a user): the fit runs on threads, the
    same fit, and this process stops using worker processes."""
    here = _fit(short_sample)
    executor = _fresh_pool(monkeypatch)
    for future in _parallel._Pool.warming:
        os.kill(future.result(), signal.SIGKILL)
    time.sleep(0.5)
    try:
        model = _fit(short_sample, n_jobs=2)
        pd.testing.assert_frame_equal(model.restarts_, here.restarts_, rtol=0)
        # shut, and started again only after more fits (given up after a few)
        assert _parallel._Pool.failures == 1 and _parallel._Pool.executor is None
        assert process_pool(2, "regimes._restarts") is None
    finally:
        executor.shutdown(wait=False)


def test_a_worker_killed_while_runs_go_on_leaves_the_fit_to_threads(
    short_sample, monkeypatch
):
    """Hostile 91, F1: a worker killed once the first continued run has gone
    out (the OOM killer mid-fit). The fit ran again on threads with what the
    first attempt had queued (IndexError); it must start afresh."""
    here = _fit(short_sample)
    executor = _fresh_pool(monkeypatch)
    pids = [future.result() for future in _parallel._Pool.warming]
    real = _restarts._certain
    killed = []

    def kill_when_certain(*args):
        # every worker: the continued run about to go out cannot end on the
        # pool (one killed worker could miss every job still due, as it may)
        certain = real(*args)
        if certain and not killed:
            for pid in pids:
                killed.append(pid)
                os.kill(pid, signal.SIGKILL)
        return certain

    monkeypatch.setattr(_restarts, "_certain", kill_when_certain)
    try:
        model = _fit(short_sample, n_jobs=2)
        assert killed
        pd.testing.assert_frame_equal(model.restarts_, here.restarts_, rtol=0)
        np.testing.assert_array_equal(model.covars_, here.covars_)
        assert _parallel._Pool.failures == 1
    finally:
        executor.shutdown(wait=False)


def test_a_pool_folder_removed_by_a_cleaner_is_made_again(pool, short_sample):
    """Hostile 91, F2: a cleaner of /tmp removed the pool's folder, and every
    later fit raised FileNotFoundError."""
    import shutil

    here = _fit(short_sample)
    shutil.rmtree(_parallel._Pool.folder)
    model = _fit(short_sample, n_jobs=2)
    pd.testing.assert_frame_equal(model.restarts_, here.restarts_, rtol=0)
    assert _parallel._Pool.failures == 0
    assert os.path.isdir(_parallel._Pool.folder)
    assert os.listdir(_parallel._Pool.folder) == []


def _pool_in_a_child(queue) -> None:
    from regimes import _parallel as child_parallel

    child_parallel.PROCESSES = True
    child_parallel._Pool.fits = child_parallel.POOL_AFTER
    lease = child_parallel.process_pool(2, "regimes._restarts")
    queue.put((lease is None, child_parallel._Pool.executor is None))


def test_no_pool_in_a_process_that_multiprocessing_started():
    """Hostile 91, F3: a worker of a user's process pool that fitted twice
    with n_jobs=2 started a pool of its own: workers x workers on the cores,
    and its exit held up for 300 s by the idle workers."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_pool_in_a_child, args=(queue,))
    child.start()
    assert queue.get(timeout=120) == (True, True)
    child.join(timeout=60)
    assert child.exitcode == 0


def test_no_temporary_folder_leaves_the_fits_to_threads(short_sample, monkeypatch):
    """A temporary folder that cannot be made (TMPDIR read-only, a full disk)
    is the pool's problem, not the fit's: the fit runs on threads, the same."""
    import tempfile

    if joblib.cpu_count() < 2:
        pytest.skip("worker processes need two cores")

    def no_folder(*args, **kwargs):
        raise PermissionError("[Errno 13] Permission denied: '/tmp/x'")

    monkeypatch.setattr(_parallel, "PROCESSES", True)
    monkeypatch.setattr(_parallel._Pool, "failed", False)
    monkeypatch.setattr(_parallel._Pool, "failures", 0)
    monkeypatch.setattr(_parallel._Pool, "executor", None)
    monkeypatch.setattr(_parallel._Pool, "folder", None)
    monkeypatch.setattr(_parallel._Pool, "fits", _parallel.POOL_AFTER)
    monkeypatch.setattr(tempfile, "mkdtemp", no_folder)
    here = _fit(short_sample)
    model = _fit(short_sample, n_jobs=2)  # would start the pool
    pd.testing.assert_frame_equal(model.restarts_, here.restarts_, rtol=0)
    assert _parallel._Pool.failures == 1 and _parallel._Pool.executor is None


def test_data_that_cannot_be_written_leave_the_fit_to_threads(
    pool, short_sample, monkeypatch
):
    def full_disk(path, *args, **kwargs):
        with open(path, "wb") as half:  # a file begun, then the disk is full
            half.write(b"\x93NUMPY")
        raise OSError(28, "No space left on device")

    _fresh_pool(monkeypatch)  # a failed pool is shut
    here = _fit(short_sample)
    monkeypatch.setattr(np, "save", full_disk)
    model = _fit(short_sample, n_jobs=2)
    pd.testing.assert_frame_equal(model.restarts_, here.restarts_, rtol=0)
    assert _parallel._Pool.failures == 1
    assert os.listdir(_parallel._Pool.folder) == []  # the half-written file too


def test_a_pool_that_keeps_failing_is_given_up(monkeypatch):
    """Hostile 92, G4: one passing failure (a worker killed once) switched the
    pool off for the session; now only a pool that keeps failing is."""
    monkeypatch.setattr(_parallel._Pool, "failed", False)
    monkeypatch.setattr(_parallel._Pool, "failures", 0)
    monkeypatch.setattr(_parallel._Pool, "executor", None)
    for _ in range(_parallel.POOL_FAILURES - 1):
        with _parallel._Pool.lock:
            _parallel._fail()
        assert not _parallel._Pool.failed and _parallel._Pool.fits == 0
    with _parallel._Pool.lock:
        _parallel._fail()
    assert _parallel._Pool.failed


def _fit_in_a_fork(queue) -> None:
    queue.put((_parallel._Pool.failed, process_pool(2, "regimes._restarts")))


def test_a_fork_child_runs_its_restarts_on_threads(pool):
    """Hostile 92, G2 and G3: a child of os.fork taken while another thread
    held the pool's lock hung at its first fit; one that started a pool of
    its own and ended with os._exit left orphan workers and its folder."""
    import multiprocessing

    held = _parallel._Pool.lock
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    with held:  # as another thread starting workers at the fork
        child = context.Process(target=_fit_in_a_fork, args=(queue,))
        child.start()
    assert queue.get(timeout=60) == (True, None)  # no hang, no pool
    child.join(timeout=60)
    assert child.exitcode == 0
