"""The notebooks run top to bottom, offline, without errors or warnings."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).parents[1] / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert [p.name for p in NOTEBOOKS] == [
        "01_em_from_the_seed.ipynb",
        "02_sector_regimes.ipynb",
        "03_acting_on_regimes.ipynb",
        "04_inference.ipynb",
    ]


@pytest.mark.slow  # CI runs them; `-m "not slow"` skips them in a quick run
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_executes_cleanly(path, monkeypatch):
    notebook = nbformat.read(path, as_version=4)
    # the kernel, a process of its own, takes this worker's share of the cores
    # (tests/conftest.py limits the workers themselves)
    workers = os.environ.get("PYTEST_XDIST_WORKER_COUNT")
    if workers is not None:
        share = str(max(1, len(os.sched_getaffinity(0)) // int(workers)))
        for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            monkeypatch.setenv(name, share)
    assert all(
        not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code"
    ), "commit notebooks with their outputs stripped"
    NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": path.parent}},
    ).execute()
    stderr = [
        output["text"]
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.get("name") == "stderr"
    ]
    assert not stderr, stderr
