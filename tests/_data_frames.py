"""Shared by tests/test_data*.py: ragged price panels, a fake yfinance fixture."""

from __future__ import annotations

import pytest
import yfinance

from regimes import data

from ._yf import FakeDownload, yf_frame

TICKERS = ["XLK", "XLF", "XLE"]
ARGS = dict(start="2020-01-01", end="2021-03-01")
ETFS = list(data.SECTOR_ETFS)
LATE = {"XLRE": "2015-10-08", "XLC": "2018-06-19"}


@pytest.fixture
def fake(monkeypatch):
    """Install a FakeDownload as yfinance.download; call it with the frame to return."""

    def install(result=None, error=None):
        fake = FakeDownload(result, error)
        monkeypatch.setattr(yfinance, "download", fake)
        return fake

    return install


def ragged_close(periods=2000, **kwargs):
    """Closes of the 11 sector ETFs from 2012, two of them starting late."""
    frame = yf_frame(ETFS, start="2012-01-02", periods=periods, starts=LATE, **kwargs)
    return frame["Close"].rename_axis(columns=None)


def write(frame, path):
    """``frame`` as a CSV at ``path`` (its first column headed "Date"); the path."""
    frame.rename_axis("Date").to_csv(path)
    return path
