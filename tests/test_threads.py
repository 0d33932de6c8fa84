"""Fits and saves in threads: the same results, and no process-global state touched.

Dask's threaded workers (which the README recommends) run fits side by side in one
process, so a fit must not change what other threads see: the "hmmlearn" logger's
level, the warnings filters, or the process umask.
"""

from __future__ import annotations

import logging
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from regimes import RegimeModel


def _umask_from_proc() -> int | None:
    """The umask as Linux reports it, read without changing it (None elsewhere)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    return None


def _ours(filters: list) -> tuple:
    """The warnings filters without scikit-learn's own ComplexWarning guard.

    scikit-learn's ``check_array``, which hmmlearn and k-means call on every fit,
    wraps its conversion in ``warnings.catch_warnings()`` with an "error" filter for
    numpy's ComplexWarning; that (and the new list object it installs) is theirs,
    and the same with or without regimes. Everything else must stay as it was.
    """
    return tuple(f for f in filters if f[2] is not np.exceptions.ComplexWarning)


def _global_state() -> tuple:
    logger = logging.getLogger("hmmlearn")
    return (
        logger.level,
        logger.disabled,
        tuple(logger.filters),
        _ours(warnings.filters),
        _umask_from_proc(),
    )


class _Watcher(threading.Thread):
    """Samples the global state every millisecond until stopped; records changes."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.before = _global_state()
        self.changes: list[tuple] = []
        self.samples = 0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            state = _global_state()
            self.samples += 1
            if state != self.before:
                self.changes.append(state)
            self._halt.wait(0.001)

    def stop(self) -> None:
        self._halt.set()
        self.join()


def _fit(args):
    data, seed, covariance_type, path, n_jobs = args
    model = RegimeModel(
        3,
        covariance_type=covariance_type,
        n_init=3,
        n_iter=50,
        random_state=seed,
        n_jobs=n_jobs,
    )
    model.fit(data)
    if path is not None:
        model.save(path)
    return model


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("n_jobs", [None, 2])  # 2: each fit's restarts on threads
def test_concurrent_fits_and_saves_match_sequential_and_leave_globals_alone(
    short_sample, tmp_path, n_jobs
):
    jobs = [
        (short_sample, seed, cov, tmp_path / f"m{i}.json", n_jobs)
        for i, (seed, cov) in enumerate(
            [(0, "full"), (1, "diag"), (2, "spherical"), (3, "tied")]
        )
    ]
    sequential = [_fit((data, seed, cov, None, None)) for data, seed, cov, *_ in jobs]
    before = _global_state()

    watcher = _Watcher()
    watcher.start()
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            concurrent = list(pool.map(_fit, jobs))
    finally:
        watcher.stop()

    assert watcher.samples > 10  # it really watched while the fits ran
    assert watcher.changes == [], "a fit or a save changed process-global state"
    assert _global_state() == before
    for alone, threaded, job in zip(sequential, concurrent, jobs, strict=True):
        np.testing.assert_array_equal(threaded.means_, alone.means_)
        np.testing.assert_array_equal(threaded.covars_, alone.covars_)
        np.testing.assert_array_equal(threaded.transmat_, alone.transmat_)
        assert threaded.log_likelihood_ == alone.log_likelihood_
        loaded = RegimeModel.load(job[3])
        np.testing.assert_array_equal(loaded.means_, alone.means_)


def test_saved_files_get_the_usual_permissions(short_sample, tmp_path):
    umask = _umask_from_proc()
    if umask is None:
        pytest.skip("needs /proc/self/status to read the umask without changing it")
    model = RegimeModel(2, n_init=1, random_state=0).fit(short_sample)
    model.save(tmp_path / "m.json")
    assert (tmp_path / "m.json").stat().st_mode & 0o777 == 0o666 & ~umask


def test_hmmlearn_is_silenced_for_the_fitting_thread_only(caplog):
    """Records of a restart are dropped; another thread's records still get through."""
    from regimes._restarts import quiet_hmmlearn

    logger = logging.getLogger("hmmlearn.base")
    inside = threading.Event()
    done = threading.Event()

    def other_thread():
        inside.wait()
        logger.warning("from another thread")
        done.set()

    with caplog.at_level(logging.WARNING, logger="hmmlearn"):
        thread = threading.Thread(target=other_thread)
        thread.start()
        with quiet_hmmlearn():
            logger.warning("from a restart")
            inside.set()
            done.wait(5)
        thread.join()
        logger.warning("after the restart")
    assert logging.getLogger("hmmlearn").level == logging.NOTSET
    assert [r.getMessage() for r in caplog.records] == [
        "from another thread",
        "after the restart",
    ]
