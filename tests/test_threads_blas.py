"""Native thread limits in fits: workers x threads <= cores, nothing left changed."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import joblib
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

import regimes._fitting
from regimes import RegimeModel, _threads
from regimes._parallel import parallel_map

T = TypeVar("T")


def _thread_counts() -> dict[str, int]:
    """Thread count of every native library, by file: the process-global state."""
    return {lib["filepath"]: lib["num_threads"] for lib in threadpool_info()}


def _blas_threads() -> list[int]:
    return [
        lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"
    ]


@pytest.mark.parametrize(
    ("cores", "n_jobs", "max_threads", "expected"),
    [
        (2, 1, 8, 2),  # one process may use every core
        (2, 2, 8, 1),  # two workers share two cores
        (8, 2, 8, 4),
        (8, -1, 8, 1),  # one worker per core
        (2, 4, 8, 1),  # more workers than cores: still one thread each
        (8, 1, 1, 1),  # EM's own cap
        (8, None, 3, 3),
    ],
)
def test_threads_per_worker_shares_the_cores(
    monkeypatch, cores, n_jobs, max_threads, expected
):
    monkeypatch.setattr(_threads, "available_cores", lambda: cores)
    # joblib resolves n_jobs=-1 with loky's count of the cores
    monkeypatch.setattr(joblib._parallel_backends, "cpu_count", lambda: cores)
    assert _threads.threads_per_worker(n_jobs, max_threads) == expected


def test_fit_limits_threads_and_restores_them(monkeypatch, short_sample):
    seen = []
    run_restarts = regimes._fitting.run_restarts

    def recording_run_restarts(*args, **kwargs):
        seen.append(tuple(_blas_threads()))
        return run_restarts(*args, **kwargs)

    monkeypatch.setattr(regimes._fitting, "run_restarts", recording_run_restarts)
    with threadpool_limits(2):  # as numpy starts on two cores, whatever the env
        before = _thread_counts()
        assert set(before.values()) == {2}
        RegimeModel(3, n_init=2, random_state=0).fit(short_sample)
        assert _thread_counts() == before
    assert seen == [(1,) * len(_blas_threads())]


def test_limits_are_restored_when_the_fit_fails(monkeypatch, short_sample):
    def failing_run_restarts(*args, **kwargs):
        assert set(_blas_threads()) == {1}
        raise RuntimeError("EM failed")

    monkeypatch.setattr(regimes._fitting, "run_restarts", failing_run_restarts)
    with threadpool_limits(2):
        before = _thread_counts()
        with pytest.raises(RuntimeError, match="EM failed"):
            RegimeModel(3, n_init=2, random_state=0).fit(short_sample)
        assert _thread_counts() == before


def _report_blas_threads() -> list[int]:
    return _blas_threads()


@pytest.mark.slow  # worker processes: seconds to start
def test_joblib_workers_use_their_share_of_the_cores():
    # loky hands each worker cpu_count // n_jobs threads through environment
    # variables unless told otherwise; here it is told 2, so only the limit
    # inside each job brings two workers on two cores down to one thread each.
    with joblib.parallel_config(backend="loky", inner_max_num_threads=2):
        counts = parallel_map(_report_blas_threads, [()] * 2, n_jobs=2)
    assert counts == [[1] * len(counts[0])] * 2
    assert len(counts[0]) >= 1


class _FakeLibrary:
    """A native library whose thread count is one process-wide number."""

    def __init__(self, threads: int) -> None:
        self.num_threads = threads


class _FakeLimiter:
    def __init__(self, library: _FakeLibrary, limit: int) -> None:
        self.library, self.saved = library, library.num_threads
        library.num_threads = limit

    def restore_original_limits(self) -> None:
        self.library.num_threads = self.saved


class _FakeController:
    """The controller of one library (``_threads._libraries``' answer)."""

    def __init__(self, library: _FakeLibrary) -> None:
        self.library = library

    def limit(self, limits: int) -> _FakeLimiter:
        return _FakeLimiter(self.library, limits)


def _overlapping_fits(read: Callable[[], T]) -> dict[str, T]:
    """Thread A enters a fit's limit, B enters, A leaves, B still inside: what
    ``read()`` gave inside each block (B's read comes after A has left)."""
    import threading

    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    inside: dict[str, T] = {}

    def first() -> None:
        with _threads.thread_limits(1):
            a_in.set()
            b_in.wait(5)
            inside["a"] = read()
        a_out.set()

    def second() -> None:
        a_in.wait(5)
        with _threads.thread_limits(1):
            b_in.set()
            a_out.wait(5)
            inside["b"] = read()

    threads = [threading.Thread(target=f) for f in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    return inside


def test_overlapping_limits_in_two_threads_restore_the_original(monkeypatch):
    """Thread A enters, B enters, A leaves, B leaves: the limit must not stick.

    With a save and restore per block, B saves A's limit (1) and restores it last,
    leaving BLAS at 1 thread after both fits have returned. The library is a fake
    with one process-wide count, so the test sees regimes' bookkeeping alone;
    the next test runs the same pattern on the real libraries, where
    threadpoolctl decides which thread may set OpenBLAS's pool.
    """
    library = _FakeLibrary(2)
    openmp = _FakeLibrary(2)
    monkeypatch.setattr(
        _threads,
        "_libraries",
        lambda api: _FakeController(library if api == "blas" else openmp),
    )
    inside = _overlapping_fits(lambda: library.num_threads)
    assert inside == {"a": 1, "b": 1}
    assert library.num_threads == 2


def test_limits_hold_in_two_threads_after_another_thread_set_them():
    """The real libraries: two fits on two threads get one BLAS thread each.

    threadpoolctl (3.8 on) lets only the thread that controls OpenBLAS's shared
    pool set it; a thread that once set a limit without a ``with`` block of
    threadpoolctl's (a fit here, on the main thread) kept control, and the two
    threads' limits were ignored: two BLAS threads each, 0.5x the speed of one
    fit after the other on 2 cores. The original count comes back after both.
    """
    original = _blas_threads()
    with _threads.thread_limits(1):  # the main thread sets (and held) the pool
        pass
    inside = _overlapping_fits(_blas_threads)
    assert inside == {"a": [1] * len(original), "b": [1] * len(original)}
    assert _blas_threads() == original
    with threadpool_limits(1):  # and the main thread can still set them
        assert set(_blas_threads()) == {1}
    assert _blas_threads() == original


def _openmp_threads() -> list[int]:
    """This thread's OpenMP thread counts (OpenMP's count is per thread)."""
    return [
        lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "openmp"
    ]


def test_a_users_block_on_another_thread_neither_lifts_nor_outlives_a_fit():
    """A user's ``threadpool_limits(2)`` on another thread, entered while a fit
    holds its limit and left after the fit: the fit keeps one BLAS thread, and
    the original count is what remains (the user's block saw the fit's limit
    when it entered and must not set it back afterwards)."""
    import threading

    original = _blas_threads()
    entered, fit_done = threading.Event(), threading.Event()
    seen: dict[str, list[int]] = {}

    def user() -> None:
        with threadpool_limits(limits=2):
            entered.set()
            fit_done.wait(5)
        seen["after"] = _blas_threads()

    thread = threading.Thread(target=user)
    with _threads.thread_limits(1):  # the fit
        thread.start()
        entered.wait(5)
        seen["during"] = _blas_threads()
    fit_done.set()
    thread.join(10)
    assert seen["during"] == [1] * len(original)
    assert _blas_threads() == original and seen["after"] == original


def test_overlapping_blocks_give_each_thread_its_openmp_count_back():
    """OpenMP's count is each thread's own: a thread whose block overlapped
    another's gets its own count back when its block ends, not only the thread
    that leaves last."""
    import threading

    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    counts: dict[str, tuple[list[int], list[int], list[int]]] = {}

    def block(name: str, enter: threading.Event, wait_for: threading.Event) -> None:
        if name == "a":  # A's own count differs from B's: neither may get the other's
            threadpool_limits(limits=3, user_api="openmp")
        before = _openmp_threads()
        with _threads.thread_limits(1):
            inside = _openmp_threads()
            enter.set()
            wait_for.wait(5)
        counts[name] = (before, inside, _openmp_threads())
        if name == "a":
            a_out.set()

    first = threading.Thread(target=block, args=("a", a_in, b_in))
    second = threading.Thread(target=lambda: (a_in.wait(5), block("b", b_in, a_out)))
    for t in (first, second):
        t.start()
    for t in (first, second):
        t.join(10)
    for before, inside, after in counts.values():
        assert set(inside) <= {1}
        assert after == before
    assert len(counts) == 2 and set(counts["a"][0]) <= {3}
